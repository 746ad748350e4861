package ocpp

import (
	"context"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
)

// This file handles the station's reports that change no charging state: firmware, diagnostics
// and log upload progress, security events, monitoring events and device-model reports. Each is
// logged and published as a station event for the live stream; keeping them (firmware
// campaigns, security event log, device-model variables) comes with the remote-operation issue.

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

func notifyReport201(ctx context.Context, r *Router, c call, req *v201.NotifyReportRequest) (any, error) {
	r.report(ctx, c, StationEvent{Time: req.GeneratedAt.UTC(), Details: req})
	return &v201.NotifyReportResponse{}, nil
}
