package station

import (
	"context"
	"encoding/json"
	"time"

	"github.com/ladda-csms/ladda"
)

// Report is a message a station sent about itself that changes no charging state: a security
// event, firmware, diagnostics or log upload progress, a monitoring event (2.0.1 NotifyEvent).
// Reports are kept, so that nothing a station says is lost and operators can read it back.
type Report struct {
	ID        int64
	StationID ladda.StationID
	Action    string          // the OCPP action, e.g. "SecurityEventNotification"
	Kind      string          // the security event type, or the event's trigger; may be empty
	Status    string          // the reported status (firmware, log, diagnostics); may be empty
	Time      time.Time       // when the station says it happened
	Received  time.Time       // when Ladda received it
	Payload   json.RawMessage // the message as the station sent it
}

// ReportFilter selects reports of a station, newest first.
type ReportFilter struct {
	StationID ladda.StationID
	Action    *string
	Before    int64 // keyset pagination: IDs lower than this
	Limit     int
}

// ReportStore keeps station reports. Errors are *ladda.Error.
type ReportStore interface {
	// RecordReport stores r and assigns r.ID.
	RecordReport(ctx context.Context, r *Report) error
	// Reports lists a station's reports, newest first.
	Reports(ctx context.Context, f ReportFilter) ([]*Report, error)
}

// RecordReport stores a station's report durably and publishes it as a station event.
func (s *Service) RecordReport(ctx context.Context, r *Report) error {
	r.Received = s.clock.Now()
	if r.Time.IsZero() {
		r.Time = r.Received
	}
	if err := s.store.RecordReport(ctx, r); err != nil {
		return ladda.Wrap("station.RecordReport", err)
	}
	s.events.Publish(ctx, ladda.Event{Type: ladda.EventStationEvent, StationID: r.StationID, Time: r.Time, Data: r})
	return nil
}

// Reports lists a station's reports, newest first.
func (s *Service) Reports(ctx context.Context, f ReportFilter) ([]*Report, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	if _, err := s.store.Station(ctx, f.StationID); err != nil {
		return nil, ladda.Wrap("station.Reports", err)
	}
	list, err := s.store.Reports(ctx, f)
	return list, ladda.Wrap("station.Reports", err)
}
