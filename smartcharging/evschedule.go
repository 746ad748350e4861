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
// keeps within the limit Ladda gave the session (or Ladda gave none yet); otherwise Rejected,
// and Ladda sends the limit again, which makes the vehicle plan anew. Rejected too when the
// EVSE has no session or the schedule is empty. Either way a schedule for a session is
// stored; an accepted one is what the vehicle view shows and what the allocation trusts:
// where the vehicle plans to take less than offered, the rest goes to other sessions.
func (s *Service) EVChargingSchedule(ctx context.Context, id ladda.StationID, evseID int, start time.Time, sched station.ChargingSchedule) (string, error) {
	const op = "smartcharging.EVChargingSchedule"
	txID, err := s.sessionAt(ctx, EVSE{id, evseID})
	if err != nil {
		return "", ladda.Wrap(op, err)
	}
	if txID == 0 || len(sched.Periods) == 0 || sched.Periods[0].Start != 0 {
		return "Rejected", nil
	}
	for _, p := range sched.Periods {
		if p.Limit < 0 || math.IsNaN(p.Limit) || math.IsInf(p.Limit, 0) {
			return "Rejected", nil
		}
	}
	now := s.o.Clock.Now().UTC()
	ev := &EVSchedule{TransactionID: txID, Start: start.UTC(), Schedule: sched, Accepted: true, ReceivedAt: now}
	ev.Schedule.StartAt = nil
	e := EVSE{id, evseID}
	s.mu.Lock()
	if l := s.sessions[e]; l != nil && l.tx.ID == txID && l.sent {
		v, phases := s.electrics(l, e)
		ev.Accepted = maxPlanned(sched, v, phases) <= l.offered+0.1
	}
	s.mu.Unlock()
	if err := s.store.PutEVSchedule(ctx, ev); err != nil {
		return "", ladda.Wrap(op, err)
	}
	s.mu.Lock()
	if l := s.sessions[e]; l != nil && l.tx.ID == txID {
		l.ev, l.evOffer = ev, 0
		if l.sent {
			l.evOffer = l.offered
		}
		if !ev.Accepted {
			l.sent = false // send the limit again: the vehicle plans anew within it
		}
		s.dirty[l.siteID] = true
	}
	s.mu.Unlock()
	s.poke()
	if !ev.Accepted {
		return "Rejected", nil
	}
	return "Accepted", nil
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

// maxPlanned is the highest current per phase a schedule plans.
func maxPlanned(sched station.ChargingSchedule, v float64, phases int) float64 {
	out := 0.0
	for _, p := range sched.Periods {
		out = max(out, amps(sched, p.Limit, v, phases))
	}
	return out
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

// plannedCap is what the allocation gives a session at most because its vehicle plans to
// take less now than it was offered when it planned: its own choice (a pause, a slow
// start), not the limit's. Its limit follows the plan, and the rest goes to other sessions;
// once the plan asks for more again, the cap lifts. The caller holds s.mu.
func (s *Service) plannedCap(l *live, e EVSE, now time.Time) (float64, bool) {
	if l.ev == nil || !l.ev.Accepted || l.evOffer <= 0 {
		return 0, false
	}
	v, phases := s.electrics(l, e)
	a, ok := plannedAt(l.ev, now, v, phases)
	if !ok || a >= l.evOffer-1 {
		return 0, false
	}
	return a, true
}
