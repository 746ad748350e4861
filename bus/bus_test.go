package bus

import (
	"context"
	"testing"

	"github.com/ladda-csms/ladda"
)

func TestPublishFansOutAndFilters(t *testing.T) {
	t.Parallel()
	b := New()
	all := b.Subscribe(4, nil)
	defer all.Close()
	onlyCP1 := b.Subscribe(4, func(e ladda.Event) bool { return e.StationID == "CP-1" })
	defer onlyCP1.Close()

	b.Publish(context.Background(), ladda.Event{Type: ladda.EventStationBooted, StationID: "CP-1"})
	b.Publish(context.Background(), ladda.Event{Type: ladda.EventStationBooted, StationID: "CP-2"})

	if got := (<-all.C).StationID; got != "CP-1" {
		t.Fatalf("first event to all = %s, want CP-1", got)
	}
	if got := (<-all.C).StationID; got != "CP-2" {
		t.Fatalf("second event to all = %s, want CP-2", got)
	}
	if got := (<-onlyCP1.C).StationID; got != "CP-1" {
		t.Fatalf("filtered event = %s, want CP-1", got)
	}
	select {
	case e := <-onlyCP1.C:
		t.Fatalf("filtered subscriber got %v, want nothing more", e)
	default:
	}
}

func TestPublishNeverBlocksAndCountsDrops(t *testing.T) {
	t.Parallel()
	b := New()
	s := b.Subscribe(1, nil)
	defer s.Close()
	for i := 0; i < 3; i++ {
		b.Publish(context.Background(), ladda.Event{Type: ladda.EventConnectorStatus})
	}
	if got := b.Dropped(); got != 2 {
		t.Fatalf("Dropped = %d, want 2", got)
	}
}

func TestCloseClosesChannelAndStopsDelivery(t *testing.T) {
	t.Parallel()
	b := New()
	s := b.Subscribe(1, nil)
	s.Close()
	s.Close() // idempotent
	if _, ok := <-s.C; ok {
		t.Fatal("channel still open after Close")
	}
	b.Publish(context.Background(), ladda.Event{}) // must not panic on a closed subscriber
	if b.Dropped() != 0 {
		t.Fatal("closed subscriber still counted")
	}
}
