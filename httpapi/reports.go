package httpapi

import (
	"context"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/station"
)

// Report is a message a station sent about itself, as the API shows it: a security event,
// firmware, diagnostics or log upload progress, a monitoring event, or the display messages it
// shows.
type Report struct {
	ID         int64      `json:"id"`
	StationID  string     `json:"stationId"`
	Action     string     `json:"action" doc:"The OCPP action the station sent: SecurityEventNotification, FirmwareStatusNotification, SignedFirmwareStatusNotification, DiagnosticsStatusNotification, LogStatusNotification, NotifyEvent (2.0.1) NotifyDisplayMessages (2.0.1, the answer to a display-message query; its payload's requestId is the query's) or ReportChargingProfiles (2.0.1, the answer to a charging-profile query)."`
	Kind       string     `json:"kind,omitempty" doc:"The security event's type, or the trigger of a NotifyEvent's first event; absent for status notifications."`
	Status     string     `json:"status,omitempty" doc:"The status a firmware, diagnostics or log notification reported; absent for events."`
	Time       time.Time  `json:"time" doc:"When the station says it happened: the event's timestamp, or when Ladda received a notification that carries none."`
	ReceivedAt time.Time  `json:"receivedAt" doc:"When Ladda received it."`
	Payload    jsonObject `json:"payload" doc:"The message's payload, in the OCPP version the station speaks."`
}

func viewReport(r *station.Report) Report {
	return Report{
		ID:         r.ID,
		StationID:  string(r.StationID),
		Action:     r.Action,
		Kind:       r.Kind,
		Status:     r.Status,
		Time:       r.Time.UTC(),
		ReceivedAt: r.Received.UTC(),
		Payload:    jsonObject(r.Payload),
	}
}

type listReportsInput struct {
	ID     string `path:"id" maxLength:"48"`
	Action string `query:"action" enum:"SecurityEventNotification,FirmwareStatusNotification,SignedFirmwareStatusNotification,DiagnosticsStatusNotification,LogStatusNotification,NotifyEvent,NotifyDisplayMessages,NotifyMonitoringReport,ReportChargingProfiles" doc:"Only reports of this OCPP action."`
	Before int64  `query:"before" minimum:"0" doc:"Cursor: the next value of the previous page; only reports older than it."`
	Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"100"`
}

type listReportsOutput struct {
	Body List[Report]
}

// listReports handles GET /api/v1/stations/{id}/reports: what the station reported about
// itself, newest first.
func (s *server) listReports(ctx context.Context, in *listReportsInput) (*listReportsOutput, error) {
	limit := limitOf(in.Limit)
	f := station.ReportFilter{StationID: ladda.StationID(in.ID), Before: in.Before, Limit: limit + 1}
	if in.Action != "" {
		f.Action = &in.Action
	}
	found, err := s.stations.Reports(ctx, f)
	if err != nil {
		return nil, err
	}
	found, next := page(found, limit, func(r *station.Report) string { return strconv.FormatInt(r.ID, 10) })
	out := &listReportsOutput{Body: List[Report]{Items: make([]Report, 0, len(found)), Next: next}}
	for _, r := range found {
		out.Body.Items = append(out.Body.Items, viewReport(r))
	}
	return out, nil
}
