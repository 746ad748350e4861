package smartcharging

import (
	"context"
	"math"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/station"
)

// EVChargingSchedule takes the schedule an ISO 15118 vehicle planned within its limit (2.0.1
// NotifyEVChargingSchedule) for the session at an EVSE. It answers Accepted when the schedule
// keeps within what Ladda installed for the session (see within), or when Ladda has given the session no limit
// yet; otherwise Rejected, and Ladda sends the limit again (at most every RaiseEvery), which
// makes the vehicle plan anew. Rejected too when the EVSE has no session or the schedule is
// malformed. A schedule for a session is stored either way; the vehicle view shows it and
// takes its finish time from an accepted one. The allocation needs no schedule: what a
// vehicle does not draw goes to others as it is measured.
func (s *Service) EVChargingSchedule(ctx context.Context, id ladda.StationID, evseID int, start time.Time, sched station.ChargingSchedule) (string, error) {
	const op = "smartcharging.EVChargingSchedule"
	txID, err := s.sessionAt(ctx, EVSE{id, evseID})
	if err != nil {
		return "", ladda.Wrap(op, err)
	}
	if txID == 0 || !wellFormed(sched) {
		return "Rejected", nil
	}
	now := s.o.Clock.Now().UTC()
	ev := &EVSchedule{TransactionID: txID, Start: start.UTC(), Schedule: sched, Accepted: true, ReceivedAt: now}
	ev.Schedule.StartAt = nil
	e := EVSE{id, evseID}
	s.mu.Lock()
	if l := s.sessions[e]; l != nil && l.tx.ID == txID && l.sent {
		v, phases := s.electrics(l, e)
		fallback := 0.0
		if st := s.sites[l.siteID]; st != nil {
			fallback = st.grid.FallbackA
		}
		ev.Accepted = within(ev, v, phases, l.offered, l.sentAt.Add(s.o.Horizon), fallback)
	}
	s.mu.Unlock()
	if err := s.store.PutEVSchedule(ctx, ev); err != nil {
		return "", ladda.Wrap(op, err)
	}
	s.mu.Lock()
	if l := s.sessions[e]; l != nil && l.tx.ID == txID {
		l.ev = ev
		if !ev.Accepted {
			l.resend = true
			s.dirty[l.siteID] = true
		}
	}
	s.mu.Unlock()
	if !ev.Accepted {
		s.poke()
		return "Rejected", nil
	}
	return "Accepted", nil
}

// wellFormed reports whether a schedule starts at 0, in A or W, with periods in time order
// and limits that are numbers, not negative.
func wellFormed(sched station.ChargingSchedule) bool {
	if len(sched.Periods) == 0 || sched.Periods[0].Start != 0 || (sched.RateUnit != "A" && sched.RateUnit != "W") {
		return false
	}
	for i, p := range sched.Periods {
		if p.Limit < 0 || math.IsNaN(p.Limit) || math.IsInf(p.Limit, 0) || (i > 0 && p.Start <= sched.Periods[i-1].Start) {
			return false
		}
	}
	return true
}

// within reports whether a vehicle's schedule keeps to what was installed: periods that
// start while the limit holds (until expires) to limitA; later ones, when the station may
// have fallen back, to the higher of limitA (Ladda renews limits before they run out) and
// fallbackA.
func within(ev *EVSchedule, v float64, phases int, limitA float64, expires time.Time, fallbackA float64) bool {
	for _, p := range ev.Schedule.Periods {
		allowed := limitA
		if !ev.Start.Add(time.Duration(p.Start) * time.Second).Before(expires) {
			allowed = max(limitA, fallbackA)
		}
		if amps(ev.Schedule, p.Limit, v, phases) > allowed+0.1 {
			return false
		}
	}
	return true
}

// sessionAt returns the transaction running at an EVSE, 0 when none is. A station may tell
// of a session before the event of its start has reached the service: the transaction
// itself is stored already.
func (s *Service) sessionAt(ctx context.Context, e EVSE) (ladda.TransactionID, error) {
	s.mu.Lock()
	l := s.sessions[e]
	s.mu.Unlock()
	if l != nil {
		return l.tx.ID, nil
	}
	active := true
	list, err := s.txs.Transactions(ctx, charging.TransactionFilter{StationID: &e.StationID, Active: &active, Limit: 100})
	if err != nil {
		return 0, err
	}
	for _, tx := range list {
		if tx.EVSEID == e.EVSEID {
			return tx.ID, nil
		}
	}
	return 0, nil
}

// electrics returns the voltage of a session's site and the phases its vehicle uses. The
// caller holds s.mu.
func (s *Service) electrics(l *live, e EVSE) (v float64, phases int) {
	v, phases = 230, 3
	if st := s.sites[l.siteID]; st != nil {
		v = st.grid.Voltage()
		w, ok := wiringOf(st.wirings, e)
		if !ok {
			w.Phases = 3
		}
		phases = phasesOf(l, w)
	}
	if len(l.draw) > 0 {
		phases = len(l.draw)
	}
	return v, phases
}

// amps converts a schedule's limit to A per phase.
func amps(sched station.ChargingSchedule, limit, v float64, phases int) float64 {
	if sched.RateUnit == "W" {
		return limit / (v * float64(max(phases, 1)))
	}
	return limit
}

// plannedAt is the current per phase a vehicle's schedule plans at t; false before it
// starts or after it ends. The last period lasts to the schedule's duration, or on.
func plannedAt(ev *EVSchedule, t time.Time, v float64, phases int) (float64, bool) {
	if ev == nil || t.Before(ev.Start) {
		return 0, false
	}
	if d := ev.Schedule.Duration; d != nil && !t.Before(ev.Start.Add(time.Duration(*d)*time.Second)) {
		return 0, false
	}
	off := int(t.Sub(ev.Start) / time.Second)
	out, ok := 0.0, false
	for _, p := range ev.Schedule.Periods {
		if p.Start <= off {
			out, ok = amps(ev.Schedule, p.Limit, v, phases), true
		}
	}
	return out, ok
}

// plannedDone is when a vehicle's schedule, followed from now, delivers remainingWh; false
// when it does not within the schedule (or a day of its last period).
func plannedDone(ev *EVSchedule, now time.Time, remainingWh, v float64, phases int) (time.Time, bool) {
	if ev == nil || remainingWh <= 0 {
		return time.Time{}, false
	}
	last := ev.Schedule.Periods[len(ev.Schedule.Periods)-1]
	end := ev.Start.Add(time.Duration(last.Start)*time.Second + 24*time.Hour)
	if d := ev.Schedule.Duration; d != nil {
		end = ev.Start.Add(time.Duration(*d) * time.Second)
	}
	t := now
	for t.Before(end) {
		a, ok := plannedAt(ev, t, v, phases)
		next := end
		for _, p := range ev.Schedule.Periods {
			if at := ev.Start.Add(time.Duration(p.Start) * time.Second); at.After(t) && at.Before(next) {
				next = at
			}
		}
		if ok && a > 0 {
			w := a * v * float64(phases)
			if need := time.Duration(remainingWh / w * float64(time.Hour)); t.Add(need).Before(next) || t.Add(need).Equal(next) {
				return t.Add(need), true
			}
			remainingWh -= w * next.Sub(t).Hours()
		}
		t = next
	}
	return time.Time{}, false
}
