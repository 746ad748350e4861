package smartcharging

import (
	"context"
	"errors"
	"maps"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/station"
)

// runSite allocates a site's capacity and sends the stations what changed: first every
// lowered limit, and only when all of those were accepted, the raised ones, so that the sum
// never goes over a limit on the way.
func (s *Service) runSite(ctx context.Context, siteID int64) {
	defer func() {
		s.mu.Lock()
		delete(s.running, siteID)
		again := s.dirty[siteID]
		s.mu.Unlock()
		if again {
			s.poke()
		}
	}()
	now := s.o.Clock.Now()
	s.plan(ctx, siteID, now)
	s.readEVSEs(ctx, siteID, now)
	in, ok := s.snapshot(siteID, now)
	if !ok {
		return
	}
	limits, err := Compute(in)
	if err != nil {
		s.o.Logger.Error("smart charging: allocating a site", "site", siteID, "err", err)
		return
	}
	s.mu.Lock()
	if st := s.sites[siteID]; st != nil {
		st.last, st.fixed, st.lastAt = limits, in.Fixed, now
	}
	var lower, raise []send
	for _, lim := range limits {
		l := s.sessions[lim.EVSE]
		if l == nil || l.tx.ID != lim.TransactionID {
			continue
		}
		target := roundDown(lim.LimitA)
		current := in.Grid.FallbackA
		if l.sent && now.Sub(l.sentAt) < s.o.Horizon {
			current = l.offered
		}
		x := send{evse: lim.EVSE, live: l, txID: l.tx.StationTxID, limitA: target, phases: lim.Phases}
		switch {
		case target < current-0.05:
			lower = append(lower, x)
		case !l.sent || l.failed:
			raise = append(raise, x)
		case l.resend && now.Sub(l.sentAt) >= s.o.RaiseEvery:
			raise = append(raise, x) // its vehicle planned beyond it: the same limit again
		case target > current+0.05 && (target-current >= 1 || target == 0 || current == 0) && now.Sub(l.sentAt) >= s.o.RaiseEvery:
			raise = append(raise, x)
		case now.Sub(l.sentAt) >= s.o.Horizon/2:
			raise = append(raise, x) // refresh before it runs out at the station
		}
	}
	s.mu.Unlock()
	if !s.deliver(ctx, lower, now) {
		s.o.Logger.Warn("smart charging: a station did not take a lower limit; raises wait", "site", siteID)
		s.mu.Lock()
		s.dirty[siteID] = true // try again at the next tick
		s.mu.Unlock()
		return
	}
	s.deliver(ctx, raise, now)
}

// send is one limit to send.
type send struct {
	evse   EVSE
	live   *live
	txID   string
	limitA float64
	phases int
}

// deliver sends limits, one station at a time each but stations in parallel, and reports
// whether every station accepted.
func (s *Service) deliver(ctx context.Context, sends []send, now time.Time) bool {
	if len(sends) == 0 {
		return true
	}
	byStation := map[ladda.StationID][]send{}
	for _, x := range sends {
		byStation[x.evse.StationID] = append(byStation[x.evse.StationID], x)
	}
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		all = true
	)
	for id, list := range byStation {
		wg.Go(func() {
			for _, x := range list {
				err := s.sendLimit(ctx, x, now)
				s.mu.Lock()
				if err != nil {
					x.live.failed = true
				} else {
					x.live.failed, x.live.resend, x.live.sent, x.live.offered, x.live.sentAt = false, false, true, x.limitA, now
				}
				verify := err == nil && x.live.verified == nil
				s.mu.Unlock()
				if err != nil {
					s.o.Logger.Warn("smart charging: sending a limit", "station", id, "evse", x.evse.EVSEID, "limitA", x.limitA, "err", err)
					mu.Lock()
					all = false
					mu.Unlock()
					continue
				}
				if verify {
					s.verify(ctx, x)
				}
			}
		})
	}
	wg.Wait()
	return all
}

// sendLimit sends one session's limit as its TxProfile: the limit from now for Horizon, after
// which the station falls back to the site's fallback limit should Ladda not renew it.
func (s *Service) sendLimit(ctx context.Context, x send, now time.Time) error {
	start := now.UTC().Truncate(time.Second)
	horizon := int(s.o.Horizon / time.Second)
	phases := x.phases
	cmd := station.SetChargingProfile{EVSEID: x.evse.EVSEID, TransactionID: x.txID, Profile: station.ChargingProfile{
		ID: SessionProfileBase + x.evse.EVSEID, Purpose: "TxProfile", Kind: "Absolute",
		Schedule: station.ChargingSchedule{StartAt: &start, Duration: &horizon, RateUnit: "A",
			Periods: []station.SchedulePeriod{{Start: 0, Limit: x.limitA, Phases: &phases}}}}}
	rec, err := s.stations.Execute(ctx, x.evse.StationID, cmd, requestedBy)
	if err != nil {
		return err
	}
	if rec.Outcome != station.CommandAnswered || rec.Answer.Status != "Accepted" {
		return errors.New("the station answered " + string(rec.Outcome) + " " + rec.Answer.Status)
	}
	return nil
}

// verify asks the station for its composite schedule after a session's first limit and
// notes whether the station limits the EVSE to at most that (another profile of the
// operator's may allow more).
func (s *Service) verify(ctx context.Context, x send) {
	rec, err := s.stations.Execute(ctx, x.evse.StationID, station.GetCompositeSchedule{EVSEID: x.evse.EVSEID, Duration: 60, RateUnit: "A"}, requestedBy)
	if err != nil || rec.Outcome != station.CommandAnswered || rec.Answer.Schedule == nil || len(rec.Answer.Schedule.Periods) == 0 {
		return // the station cannot tell; nothing is known
	}
	limit := rec.Answer.Schedule.Periods[0].Limit
	if rec.Answer.Schedule.RateUnit == "W" {
		limit /= 230 * float64(max(x.phases, 1))
	}
	ok := limit <= x.limitA+0.1
	s.mu.Lock()
	x.live.verified = &ok
	s.mu.Unlock()
	if !ok {
		s.o.Logger.Warn("smart charging: the station allows more than Ladda's limit", "station", x.evse.StationID, "evse", x.evse.EVSEID, "limitA", x.limitA, "compositeA", limit)
	}
}

// snapshot gathers a site's allocation input.
func (s *Service) snapshot(siteID int64, now time.Time) (SiteInput, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.sites[siteID]
	if st == nil {
		return SiteInput{}, false
	}
	in := SiteInput{Grid: st.grid, Circuits: st.circuits, Wirings: st.wirings, CapacityW: capacityAt(st.limits, now), OtherA: st.otherA}
	var evDraw [Phases]float64
	for e, l := range s.sessions {
		if l.siteID != siteID {
			continue
		}
		w, ok := wiringOf(st.wirings, e)
		if !ok {
			w = Wiring{Rotation: "RST", Phases: 3}
		}
		if grid, err := w.GridPhases(len(l.draw)); err == nil && len(l.draw) > 0 {
			for i, p := range grid {
				evDraw[p] += l.draw[i]
			}
		}
		if p := s.placed[e.StationID]; !p.connected {
			// It keeps its limit until the limit runs out, then takes the fallback.
			assumed := st.grid.FallbackA
			if l.sent && now.Sub(l.sentAt) < s.o.Horizon {
				assumed = max(assumed, l.offered)
			}
			if len(l.draw) > 0 {
				assumed = max(assumed, maxOf(l.draw))
			}
			in.Fixed = append(in.Fixed, Fixed{EVSE: e, CurrentA: assumed, Phases: max(len(l.draw), phasesOf(l, w)), Why: FixedOffline})
			continue
		}
		sess := Session{EVSE: e, TransactionID: l.tx.ID, Priority: l.priority, DrawA: l.draw, Hold: l.hold}
		if l.sent {
			sess.OfferedA = l.offered
		}
		if n := l.needs; n != nil {
			sess.MinA, sess.MaxA, sess.Phases = n.MinA, n.MaxA, n.Phases
		}
		in.Sessions = append(in.Sessions, sess)
	}
	in.Fixed = append(in.Fixed, s.idle(st)...)
	if st.meterA != nil {
		for p := range min(len(st.meterA), Phases) {
			in.OtherA[p] = max(st.meterA[p]-evDraw[p], 0)
		}
	}
	return in, true
}

// idle keeps the fallback limit free for every EVSE of the site without a session: a car
// that arrives there starts at the fallback before Ladda hears of it and gives it a limit.
// The caller holds s.mu.
func (s *Service) idle(st *site) []Fixed {
	if st.grid.FallbackA <= 0 {
		return nil
	}
	var out []Fixed
	for _, id := range slices.Sorted(maps.Keys(st.evses)) {
		for _, n := range st.evses[id] {
			e := EVSE{id, n}
			if s.sessions[e] != nil {
				continue
			}
			w, ok := wiringOf(st.wirings, e)
			if !ok {
				w.Phases = 3
			}
			out = append(out, Fixed{EVSE: e, CurrentA: st.grid.FallbackA, Phases: w.Phases, Why: FixedIdle})
		}
	}
	return out
}

func phasesOf(l *live, w Wiring) int {
	if l.needs != nil && l.needs.Phases > 0 {
		return l.needs.Phases
	}
	return w.Phases
}

func maxOf(xs []float64) float64 {
	m := math.Inf(-1)
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// capacityAt is the lowest capacity limit in force at t, -1 when none is: a schedule period
// runs from its From to its To, or to the next period's From; a demand-response event from
// From to To.
func capacityAt(limits []*CapacityLimit, t time.Time) float64 {
	out := -1.0
	take := func(w float64) {
		if out < 0 || w < out {
			out = w
		}
	}
	var current *CapacityLimit // the schedule period in force
	for _, l := range limits {
		if l.From.After(t) || (l.To != nil && !l.To.After(t)) {
			continue
		}
		if l.Kind == KindDemandResponse {
			take(l.LimitW)
			continue
		}
		if current == nil || l.From.After(current.From) {
			current = l
		}
	}
	if current != nil {
		take(current.LimitW)
	}
	return out
}
