package ladda

import (
	"context"
	"time"
)

// EventType names what happened. Types are stable strings: they appear in the live event
// stream and in webhooks.
type EventType string

// The events Ladda publishes.
const (
	EventStationConnected    EventType = "station.connected"
	EventStationDisconnected EventType = "station.disconnected"
	EventStationBooted       EventType = "station.booted"
	EventConnectorStatus     EventType = "connector.status"
	EventTransactionStarted  EventType = "transaction.started"
	EventTransactionUpdated  EventType = "transaction.updated"
	EventTransactionEnded    EventType = "transaction.ended"
	EventMeterValues         EventType = "meter.values"  // Data: *charging.MeterReport
	EventStationEvent        EventType = "station.event" // 2.0.1 NotifyEvent, security events
	EventInvoiceIssued       EventType = "invoice.issued"
	EventPaymentCaptured     EventType = "payment.captured"
	EventPaymentFailed       EventType = "payment.failed"
)

// Event is something that happened, published after it was stored. Data holds a value of a
// type defined by the publishing package (for example *charging.Transaction).
type Event struct {
	Type      EventType `json:"type"`
	StationID StationID `json:"stationId,omitempty"`
	Time      time.Time `json:"time"`
	Data      any       `json:"data,omitempty"`
}

// Publisher delivers events to whoever listens. Publish must not block on slow listeners:
// implementations drop or buffer, they never stall the station that caused the event.
type Publisher interface {
	Publish(ctx context.Context, e Event)
}

// PublisherFunc adapts a function to Publisher.
type PublisherFunc func(ctx context.Context, e Event)

// Publish calls f(ctx, e).
func (f PublisherFunc) Publish(ctx context.Context, e Event) { f(ctx, e) }

// Discard is a Publisher that drops every event.
var Discard Publisher = PublisherFunc(func(context.Context, Event) {})
