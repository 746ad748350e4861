package ocpp

import (
	"context"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
)

// This file handles the station's reports that change no charging state: firmware, diagnostics
// and log upload progress, security events and monitoring events, each logged and published as a
// station event for the live stream (keeping them comes with the rest of the remote-operation
// issue), and device-model reports, whose variables are stored as the station's settings.

// StationEvent is the Data of a ladda.EventStationEvent: what a station reported.
type StationEvent struct {
	Action  string    `json:"action"`
	Time    time.Time `json:"time"`
	Status  string    `json:"status,omitempty"`
	Kind    string    `json:"kind,omitempty"`
	Details any       `json:"details,omitempty"`
}

func (r *Router) report(ctx context.Context, c call, e StationEvent) {
	if e.Time.IsZero() {
		e.Time = r.clock.Now()
	}
	e.Action = c.action
	r.log.Info("station report", "station", c.station, "action", c.action, "status", e.Status, "kind", e.Kind)
	r.events.Publish(ctx, ladda.Event{Type: ladda.EventStationEvent, StationID: c.station, Time: e.Time, Data: e})
}

func firmwareStatus16(ctx context.Context, r *Router, c call, req *v16.FirmwareStatusNotificationRequest) (any, error) {
	r.report(ctx, c, StationEvent{Status: string(req.Status)})
	return &v16.FirmwareStatusNotificationResponse{}, nil
}

func diagnosticsStatus16(ctx context.Context, r *Router, c call, req *v16.DiagnosticsStatusNotificationRequest) (any, error) {
	r.report(ctx, c, StationEvent{Status: string(req.Status)})
	return &v16.DiagnosticsStatusNotificationResponse{}, nil
}

func signedFirmwareStatus16(ctx context.Context, r *Router, c call, req *v16.SignedFirmwareStatusNotificationRequest) (any, error) {
	r.report(ctx, c, StationEvent{Status: string(req.Status), Details: req})
	return &v16.SignedFirmwareStatusNotificationResponse{}, nil
}

func logStatus16(ctx context.Context, r *Router, c call, req *v16.LogStatusNotificationRequest) (any, error) {
	r.report(ctx, c, StationEvent{Status: string(req.Status), Details: req})
	return &v16.LogStatusNotificationResponse{}, nil
}

func securityEvent16(ctx context.Context, r *Router, c call, req *v16.SecurityEventNotificationRequest) (any, error) {
	r.log.Warn("security event from station", "station", c.station, "type", req.Type, "techInfo", req.TechInfo)
	r.report(ctx, c, StationEvent{Kind: req.Type, Time: req.Timestamp.UTC(), Details: req})
	return &v16.SecurityEventNotificationResponse{}, nil
}

func firmwareStatus201(ctx context.Context, r *Router, c call, req *v201.FirmwareStatusNotificationRequest) (any, error) {
	r.report(ctx, c, StationEvent{Status: string(req.Status), Details: req})
	return &v201.FirmwareStatusNotificationResponse{}, nil
}

func logStatus201(ctx context.Context, r *Router, c call, req *v201.LogStatusNotificationRequest) (any, error) {
	r.report(ctx, c, StationEvent{Status: string(req.Status), Details: req})
	return &v201.LogStatusNotificationResponse{}, nil
}

func securityEvent201(ctx context.Context, r *Router, c call, req *v201.SecurityEventNotificationRequest) (any, error) {
	r.log.Warn("security event from station", "station", c.station, "type", req.Type, "techInfo", req.TechInfo)
	r.report(ctx, c, StationEvent{Kind: req.Type, Time: req.Timestamp.UTC(), Details: req})
	return &v201.SecurityEventNotificationResponse{}, nil
}

func notifyEvent201(ctx context.Context, r *Router, c call, req *v201.NotifyEventRequest) (any, error) {
	r.report(ctx, c, StationEvent{Time: req.GeneratedAt.UTC(), Details: req.EventData})
	return &v201.NotifyEventResponse{}, nil
}

// notifyReport201 stores the device-model variables a 2.0.1 station reports (in answer to
// GetBaseReport or GetReport, possibly over several messages).
func notifyReport201(ctx context.Context, r *Router, c call, req *v201.NotifyReportRequest) (any, error) {
	if settings := reportedSettings(req.ReportData); len(settings) > 0 {
		if err := r.stations.ReportSettings(ctx, c.station, settings); err != nil {
			return nil, err
		}
	}
	return &v201.NotifyReportResponse{}, nil
}
