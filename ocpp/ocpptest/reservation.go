package ocpptest

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/ladda-csms/ladda/ocpp/v201"
)

// Reservation is a reservation the station holds (ReserveNow), in version-neutral words.
//
// A reservation of one connector (1.6 connectorId, 2.0.1 evseId) holds that connector: it
// reports Reserved, and only the reservation's token starts on it. A station-wide one (1.6
// connector 0, 2.0.1 without evseId) holds no connector in particular: the station keeps one
// free connector for each, so other tokens may start anywhere as long as that stays true, and
// the free connectors report Reserved only when they are all needed. The reservation's token
// uses it by starting on any connector.
//
// Tokens of the group: the station knows only what it is told. Besides IDTag, a reservation
// with a Group is used by the token Group itself and by the tokens the local authorisation
// list gives that parent (1.6) or group (2.0.1) token. The CSMS's Authorize answer is not
// consulted: the station decides before it sends anything.
type Reservation struct {
	ID        int       // 1.6 reservationId, 2.0.1 id
	Connector int       // 1.6 connectorId, 2.0.1 evseId; 0 for a station-wide reservation
	IDTag     string    // the token it is for
	Group     string    // 1.6 parentIdTag, 2.0.1 groupIdToken; "" when none
	Expiry    time.Time // when the station drops it (1.6 expiryDate, 2.0.1 expiryDateTime)
}

// reservation is a Reservation the station holds.
type reservation struct {
	Reservation
	gone chan struct{} // closed when it ends before its expiry: cancelled, replaced or used
}

// expiryCheck bounds how long the station goes without looking at its clock while a
// reservation runs, so that a Config.Clock that does not follow the real one (a
// ladda.ManualClock moved on by a test) still ends reservations within about this long.
const expiryCheck = time.Second

// Reservations returns the reservations the station holds, by id.
func (s *Station) Reservations() []Reservation {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Reservation, 0, len(s.reservations))
	for _, id := range slices.Sorted(maps.Keys(s.reservations)) {
		out = append(out, s.reservations[id].Reservation)
	}
	return out
}

// reserveRequest is a ReserveNow in version-neutral words.
type reserveRequest struct {
	Reservation
	connectorType string // 2.0.1 connectorType; "" for any
}

// reserve answers a ReserveNow (1.6 and 2.0.1 H01) in the words both versions share:
//   - Rejected when refused, for a connector the station lacks, an expiry already past, a
//     connector type it lacks (2.0.1), or a station-wide reservation when
//     Config.DisableStationWideReservations is set;
//   - for one connector: Faulted or Unavailable when it is so, Occupied when it has a
//     session, is reserved under another id, or is the last free one a station-wide
//     reservation needs;
//   - station-wide: Occupied unless more connectors are free than there are station-wide
//     reservations already (Faulted or Unavailable when every connector is so);
//   - else Accepted: the reservation is kept, replacing the one of the same id, and after the
//     answer the connector reports Reserved, until the expiry (see watch).
func (s *Station) reserve(req reserveRequest, refuse bool) string {
	if refuse || req.Connector < 0 || req.Connector > s.cfg.Connectors || !req.Expiry.After(s.clock.Now()) ||
		(req.connectorType != "" && req.connectorType != s.cfg.ConnectorType) {
		return "Rejected"
	}
	if req.Connector == 0 && s.cfg.DisableStationWideReservations {
		return "Rejected"
	}
	s.mu.Lock()
	old := s.reservations[req.ID]
	if status := s.reservableLocked(req.Connector, old); status != "Accepted" {
		s.mu.Unlock()
		return status
	}
	r := &reservation{Reservation: req.Reservation, gone: make(chan struct{})}
	if old != nil {
		close(old.gone)
	}
	if s.reservations == nil {
		s.reservations = map[int]*reservation{}
	}
	s.reservations[r.ID] = r
	s.mu.Unlock()
	s.log.Debug("reserved", "reservation", r.ID, "connector", r.Connector, "idTag", r.IDTag, "expiry", r.Expiry)
	s.watch(r)
	return "Accepted"
}

// reservableLocked tells whether connector n (0: the station) can take a reservation, as
// reserve answers; skip, the reservation a new one replaces, does not count.
func (s *Station) reservableLocked(n int, skip *reservation) string {
	free, wide := s.freeLocked(skip), s.stationWideLocked(skip)
	if n != 0 {
		c := s.connectors[n-1]
		switch {
		case c.status == StatusFaulted:
			return "Faulted"
		case c.inoperative || c.status == StatusUnavailable:
			return "Unavailable"
		case !slices.Contains(free, n) || len(free)-1 < wide:
			return "Occupied"
		}
		return "Accepted"
	}
	if len(free) > wide {
		return "Accepted"
	}
	faulted, unavailable := 0, 0
	for _, c := range s.connectors {
		switch {
		case c.status == StatusFaulted:
			faulted++
		case c.inoperative || c.status == StatusUnavailable:
			unavailable++
		}
	}
	switch {
	case faulted == len(s.connectors):
		return "Faulted"
	case faulted+unavailable == len(s.connectors):
		return "Unavailable"
	}
	return "Occupied"
}

// freeLocked returns the connectors a reservation can take: no session, operative, neither
// Faulted nor Unavailable, and not held by a reservation of their own (but skip).
func (s *Station) freeLocked(skip *reservation) []int {
	var free []int
	for i, c := range s.connectors {
		if c.session != nil || c.inoperative || c.status == StatusFaulted || c.status == StatusUnavailable {
			continue
		}
		held := false
		for _, r := range s.reservations {
			if r != skip && r.Connector == i+1 {
				held = true
				break
			}
		}
		if !held {
			free = append(free, i+1)
		}
	}
	return free
}

// stationWideLocked counts the station-wide reservations (but skip).
func (s *Station) stationWideLocked(skip *reservation) int {
	n := 0
	for _, r := range s.reservations {
		if r != skip && r.Connector == 0 {
			n++
		}
	}
	return n
}

// reservedLocked reports whether connector n is held: by a reservation of its own, or as one
// of the free connectors when the station-wide reservations need them all.
func (s *Station) reservedLocked(n int) bool {
	for _, r := range s.reservations {
		if r.Connector == n {
			return true
		}
	}
	wide := s.stationWideLocked(nil)
	if wide == 0 {
		return false
	}
	free := s.freeLocked(nil)
	return slices.Contains(free, n) && len(free) <= wide
}

// holdsLocked reports whether tag may use r: it is r's token, or r's group token, or a token
// the local list puts in r's group.
func (s *Station) holdsLocked(r *reservation, tag string) bool {
	if tag == r.IDTag {
		return true
	}
	if r.Group == "" {
		return false
	}
	e, listed := s.localList[tag]
	return tag == r.Group || (listed && e.Parent == r.Group)
}

// reservationForLocked decides whether tag may start on connector n as far as reservations go:
// it returns the reservation the start uses (nil for none), or ErrReserved. A connector's own
// reservation comes first; then a station-wide one of the token (the lowest id).
func (s *Station) reservationForLocked(n int, tag string) (*reservation, error) {
	for _, r := range s.reservations {
		if r.Connector == n {
			if s.holdsLocked(r, tag) {
				return r, nil
			}
			return nil, ErrReserved
		}
	}
	for _, id := range slices.Sorted(maps.Keys(s.reservations)) {
		if r := s.reservations[id]; r.Connector == 0 && s.holdsLocked(r, tag) {
			return r, nil
		}
	}
	if free := s.freeLocked(nil); slices.Contains(free, n) && len(free)-1 < s.stationWideLocked(nil) {
		return nil, ErrReserved
	}
	return nil, nil
}

// useReservation ends the reservation a starting session may use and records it in the
// session, once the station starts the transaction. A reservation that ended meanwhile
// (cancelled, expired) is not used.
func (s *Station) useReservation(sess *Session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := sess.reservation
	sess.reservation = nil
	if r == nil || s.reservations[r.ID] != r {
		return
	}
	delete(s.reservations, r.ID)
	close(r.gone)
	id := r.ID
	sess.ReservationID = &id
	s.log.Debug("reservation used", "reservation", id, "connector", sess.Connector, "idTag", sess.IDTag)
}

// cancelReservation answers a CancelReservation: true (Accepted) when the station held the
// reservation, which it drops, reporting the connector Available after the answer; false
// (Rejected) when it did not, or when refused.
func (s *Station) cancelReservation(id int, refuse bool) bool {
	if refuse {
		return false
	}
	s.mu.Lock()
	r := s.reservations[id]
	if r != nil {
		delete(s.reservations, id)
		close(r.gone)
	}
	s.mu.Unlock()
	if r == nil {
		return false
	}
	s.log.Debug("reservation cancelled", "reservation", id)
	s.afterAnswer(s.reportReserved)
	return true
}

// watch runs in the background for an accepted reservation: once the answer is out it
// reports the statuses the reservation changed, then waits for the expiry by the station's
// clock (looking at it at least every expiryCheck). At the expiry it drops the reservation,
// reports the connector Available again and, in 2.0.1, sends ReservationStatusUpdate Expired.
// It ends early when the reservation does (cancelled, replaced, used) or the station closes.
func (s *Station) watch(r *reservation) {
	s.afterAnswer(func(ctx context.Context) {
		s.reportReserved(ctx)
		for {
			wait := min(r.Expiry.Sub(s.clock.Now()), expiryCheck)
			if wait <= 0 {
				break
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-r.gone:
				t.Stop()
				return
			case <-t.C:
			}
		}
		s.mu.Lock()
		expired := s.reservations[r.ID] == r
		if expired {
			delete(s.reservations, r.ID)
			close(r.gone)
		}
		s.mu.Unlock()
		if !expired {
			return
		}
		s.log.Debug("reservation expired", "reservation", r.ID)
		s.reportReserved(ctx)
		if s.cfg.Version == V201 {
			err := s.call(ctx, "ReservationStatusUpdate", &v201.ReservationStatusUpdateRequest{
				ReservationID:           r.ID,
				ReservationUpdateStatus: v201.ReservationUpdateStatusExpired,
			}, nil)
			if err != nil {
				s.log.Debug("ReservationStatusUpdate failed", "reservation", r.ID, "err", err)
			}
		}
	})
}

// reportReserved brings the reported statuses of the idle connectors in line with the
// reservations: Reserved for a connector one holds, Available for one no longer held.
// Connectors with a session, Inoperative, Faulted or Unavailable ones are left alone. One
// report runs at a time, and each reads the state afresh, so the last status sent for a
// connector is its latest.
func (s *Station) reportReserved(ctx context.Context) {
	s.reportMu.Lock()
	defer s.reportMu.Unlock()
	for n := 1; n <= s.cfg.Connectors; n++ {
		s.mu.Lock()
		c := s.connectors[n-1]
		now, want := c.status, c.status
		if c.session == nil && !c.inoperative && (c.status == StatusAvailable || c.status == StatusReserved) {
			want = StatusAvailable
			if s.reservedLocked(n) {
				want = StatusReserved
			}
		}
		s.mu.Unlock()
		if want == now {
			continue
		}
		if err := s.StatusNotification(ctx, n, want); err != nil {
			s.log.Debug("reservation: status report failed", "connector", n, "err", err)
			return
		}
	}
}
