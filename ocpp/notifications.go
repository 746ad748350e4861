package ocpp

import (
	"context"
	"encoding/json"
	"time"

	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
	"github.com/ladda-csms/ladda/station"
)

// This file handles the station's reports that change no charging state: firmware, diagnostics
// and log upload progress, security events and monitoring events, each stored as a station
// Report (and published as a station event) before it is answered, and device-model reports,
// whose variables are stored as the station's settings.

// report stores a station's report before the answer goes out, so nothing it said is lost
// (a failed write answers InternalError and the station sends it again).
func (r *Router) report(ctx context.Context, c call, kind, status string, at time.Time) error {
	r.log.Info("station report", "station", c.station, "action", c.action, "kind", kind, "status", status)
	payload := append(json.RawMessage(nil), c.payload...) // the frame's buffer is reused after the answer
	return r.stations.RecordReport(ctx, &station.Report{StationID: c.station, Action: c.action, Kind: kind, Status: status, Time: at, Payload: payload})
}

func firmwareStatus16(ctx context.Context, r *Router, c call, req *v16.FirmwareStatusNotificationRequest) (any, error) {
	return &v16.FirmwareStatusNotificationResponse{}, r.firmwareStatus(ctx, c, nil, string(req.Status))
}

// firmwareStatus keeps a firmware status as a report and tells the campaign it belongs to.
func (r *Router) firmwareStatus(ctx context.Context, c call, requestID *int, status string) error {
	if err := r.report(ctx, c, "", status, time.Time{}); err != nil {
		return err
	}
	if r.firmware == nil {
		return nil
	}
	return r.firmware.StatusReported(ctx, c.station, requestID, status)
}

func diagnosticsStatus16(ctx context.Context, r *Router, c call, req *v16.DiagnosticsStatusNotificationRequest) (any, error) {
	return &v16.DiagnosticsStatusNotificationResponse{}, r.report(ctx, c, "", string(req.Status), time.Time{})
}

func signedFirmwareStatus16(ctx context.Context, r *Router, c call, req *v16.SignedFirmwareStatusNotificationRequest) (any, error) {
	return &v16.SignedFirmwareStatusNotificationResponse{}, r.firmwareStatus(ctx, c, req.RequestID, string(req.Status))
}

func logStatus16(ctx context.Context, r *Router, c call, req *v16.LogStatusNotificationRequest) (any, error) {
	return &v16.LogStatusNotificationResponse{}, r.report(ctx, c, "", string(req.Status), time.Time{})
}

func securityEvent16(ctx context.Context, r *Router, c call, req *v16.SecurityEventNotificationRequest) (any, error) {
	r.log.Warn("security event from station", "station", c.station, "type", req.Type, "techInfo", req.TechInfo)
	return &v16.SecurityEventNotificationResponse{}, r.report(ctx, c, req.Type, "", req.Timestamp.UTC())
}

func firmwareStatus201(ctx context.Context, r *Router, c call, req *v201.FirmwareStatusNotificationRequest) (any, error) {
	return &v201.FirmwareStatusNotificationResponse{}, r.firmwareStatus(ctx, c, req.RequestID, string(req.Status))
}

func logStatus201(ctx context.Context, r *Router, c call, req *v201.LogStatusNotificationRequest) (any, error) {
	return &v201.LogStatusNotificationResponse{}, r.report(ctx, c, "", string(req.Status), time.Time{})
}

func securityEvent201(ctx context.Context, r *Router, c call, req *v201.SecurityEventNotificationRequest) (any, error) {
	r.log.Warn("security event from station", "station", c.station, "type", req.Type, "techInfo", req.TechInfo)
	return &v201.SecurityEventNotificationResponse{}, r.report(ctx, c, req.Type, "", req.Timestamp.UTC())
}

// notifyEvent201 keeps a 2.0.1 monitoring report; its kind is the trigger of its first event.
func notifyEvent201(ctx context.Context, r *Router, c call, req *v201.NotifyEventRequest) (any, error) {
	var kind string
	if len(req.EventData) > 0 {
		kind = string(req.EventData[0].Trigger)
	}
	return &v201.NotifyEventResponse{}, r.report(ctx, c, kind, "", req.GeneratedAt.UTC())
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

// notifyDisplayMessages keeps the messages a 2.0.1 station reports showing (in answer to
// GetDisplayMessages) as a station report.
func notifyDisplayMessages201(ctx context.Context, r *Router, c call, req *v201.NotifyDisplayMessagesRequest) (any, error) {
	return &v201.NotifyDisplayMessagesResponse{}, r.report(ctx, c, "", "", time.Time{})
}

// reportChargingProfiles201 keeps the charging profiles a 2.0.1 station reports (in answer to
// GetChargingProfiles, possibly over several messages, each with its requestId) as a station
// report; its kind is the source of the limits (CSO, EMS, SO, Other).
func reportChargingProfiles201(ctx context.Context, r *Router, c call, req *v201.ReportChargingProfilesRequest) (any, error) {
	return &v201.ReportChargingProfilesResponse{}, r.report(ctx, c, string(req.ChargingLimitSource), "", time.Time{})
}
