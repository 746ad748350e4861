// Package bus is the in-process event bus: domain services publish events after they are
// stored, and listeners (the live API stream, webhooks, monitoring) subscribe. Publishing never
// blocks: a listener that does not keep up loses events, and the loss is counted. The NATS bus
// for several nodes (bus/natsbus) has the same shape.
package bus

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/ladda-csms/ladda"
)

// Bus fans events out to subscribers. The zero value is not usable; call New.
type Bus struct {
	mu      sync.RWMutex
	subs    map[*Subscription]struct{}
	dropped atomic.Uint64
}

var _ ladda.Publisher = (*Bus)(nil)

// New returns an empty bus.
func New() *Bus { return &Bus{subs: map[*Subscription]struct{}{}} }

// Subscription receives events on C until it is closed.
type Subscription struct {
	C      <-chan ladda.Event
	c      chan ladda.Event
	filter func(ladda.Event) bool
	bus    *Bus
	once   sync.Once
}

// Subscribe returns a subscription that buffers up to buffer events. filter, if not nil,
// selects the events it receives.
func (b *Bus) Subscribe(buffer int, filter func(ladda.Event) bool) *Subscription {
	if buffer < 1 {
		buffer = 1
	}
	c := make(chan ladda.Event, buffer)
	s := &Subscription{C: c, c: c, filter: filter, bus: b}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s
}

// Close ends the subscription and closes C.
func (s *Subscription) Close() {
	s.once.Do(func() {
		s.bus.mu.Lock()
		delete(s.bus.subs, s)
		close(s.c)
		s.bus.mu.Unlock()
	})
}

// Publish hands e to every subscriber that wants it, dropping it for those whose buffer is full.
func (b *Bus) Publish(_ context.Context, e ladda.Event) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for s := range b.subs {
		if s.filter != nil && !s.filter(e) {
			continue
		}
		select {
		case s.c <- e:
		default:
			b.dropped.Add(1)
		}
	}
}

// Dropped returns how many deliveries were dropped because a subscriber was full.
func (b *Bus) Dropped() uint64 { return b.dropped.Load() }
