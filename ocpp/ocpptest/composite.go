package ocpptest

import (
	"math"
	"slices"
	"time"

	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
)

// limit is what the charging profiles allow a connector at a moment.
type limit struct {
	amps   float64 // per phase
	phases int     // of the schedule period that sets it
	ok     bool    // a profile sets it; else amps is the connector's own maximum
}

// Limit returns the composite limit of a connector (1.6) or EVSE (2.0.1) now, by
// Config.Clock, in A per phase, and whether a charging profile sets it: the lowest of the
// station-wide maximum, the running transaction's TxProfile or else the TxDefaultProfile (the
// connector's before the station's), each the valid one of the highest stack level with a
// period now; and never above Config.MaxCurrentA, which is the answer when no profile applies
// (ok false). A limit in W counts as PhaseVoltage × the period's numberPhases (DefaultPhases
// when it has none) × A. Connector 0 is the whole station: only its maximum counts, and its
// own is Config.MaxCurrentA per connector. 0 and false for a connector the station lacks.
func (s *Station) Limit(connectorID int) (amps float64, ok bool) {
	if connectorID < 0 || connectorID > s.cfg.Connectors {
		return 0, false
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.limitAtLocked(connectorID, now, now)
	return l.amps, l.ok
}

// maxAmps is connector n's own maximum, in A per phase (n 0: the station's).
func (s *Station) maxAmps(n int) float64 {
	if n == 0 {
		return s.cfg.MaxCurrentA * float64(s.cfg.Connectors)
	}
	return s.cfg.MaxCurrentA
}

// txStartLocked returns when the transaction on connector n started, or ref when it has none:
// the start of its Relative profiles.
func (s *Station) txStartLocked(n int, ref time.Time) time.Time {
	if n > 0 {
		if c := s.connectors[n-1]; c.started {
			return c.session.StartedAt
		}
	}
	return ref
}

// limitAtLocked returns the composite limit of connector n at t (1.6 3.13.4, 2.0.1 K08): the
// lowest of
//   - the station-wide maximum (on 0),
//   - the TxProfile of the running transaction or, when none applies, the TxDefaultProfile of
//     the connector or, when none applies, the one of the station (on 0),
//   - and the connector's own maximum;
//
// where, of each purpose and place, the profile that applies is the one of the highest stack
// level that is valid at t and whose schedule has a period then (a profile whose schedule has
// ended, or not begun, lets the one below through). Relative profiles start with the
// transaction, or at ref without one. For connector 0 only the station-wide maximum counts.
func (s *Station) limitAtLocked(n int, t, ref time.Time) limit {
	txStart := s.txStartLocked(n, ref)
	best := limit{amps: math.Inf(1), phases: DefaultPhases}
	take := func(l limit) {
		if l.ok && l.amps < best.amps {
			best = l
		}
	}
	take(s.applyingLocked(0, purposeStationMax, t, txStart))
	if n > 0 {
		var l limit
		if s.connectors[n-1].started {
			l = s.applyingLocked(n, purposeTx, t, txStart)
		}
		if !l.ok {
			l = s.applyingLocked(n, purposeTxDefault, t, txStart)
		}
		if !l.ok {
			l = s.applyingLocked(0, purposeTxDefault, t, txStart)
		}
		take(l)
	}
	ok := !math.IsInf(best.amps, 1)
	best.amps = min(best.amps, s.maxAmps(n))
	best.ok = ok
	return best
}

// applyingLocked returns the limit at t of the profile of purpose on connector n that
// applies then: of the highest stack level among those with a period at t.
func (s *Station) applyingLocked(n int, pur purpose, t, txStart time.Time) limit {
	var out limit
	level := -1
	for _, p := range s.profiles {
		if p.connector != n || p.purpose != pur || p.stackLevel < level {
			continue
		}
		period, ok := p.at(t, txStart)
		if !ok {
			continue
		}
		amps := period.amps(p.schedule.unit)
		if p.stackLevel > level || amps < out.amps {
			out = limit{amps: amps, phases: period.phases, ok: true}
			level = p.stackLevel
		}
	}
	return out
}

// at returns the schedule period of p in force at t, and false when p does not apply then:
// outside its validity, before its schedule starts or after it ends.
func (p *chargingProfile) at(t, txStart time.Time) (schedulePeriod, bool) {
	if (!p.validFrom.IsZero() && t.Before(p.validFrom)) || (!p.validTo.IsZero() && !t.Before(p.validTo)) {
		return schedulePeriod{}, false
	}
	start, length := p.run(t, txStart)
	if t.Before(start) || (length > 0 && !t.Before(start.Add(length))) {
		return schedulePeriod{}, false
	}
	off := t.Sub(start)
	periods := p.schedule.periods
	i := len(periods) - 1
	for periods[i].start > off { // periods[0] starts at 0 <= off
		i--
	}
	return periods[i], true
}

// run returns the start of the run of p's schedule that t falls in and its length (0: without
// end): a Recurring schedule runs again every day or week from its startSchedule, for its
// duration or until it runs again; an Absolute one from its startSchedule (1.6: when it has
// one); the others from txStart.
func (p *chargingProfile) run(t, txStart time.Time) (time.Time, time.Duration) {
	sch := p.schedule
	switch {
	case p.kind == "Recurring":
		every := p.recurrence()
		k := t.Sub(sch.start) / every
		if t.Before(sch.start.Add(k * every)) {
			k--
		}
		return sch.start.Add(k * every), p.runLength()
	case p.kind == "Absolute" && !sch.start.IsZero():
		return sch.start, sch.duration
	}
	return txStart, sch.duration
}

// recurrence is how often a Recurring profile's schedule runs again.
func (p *chargingProfile) recurrence() time.Duration {
	if p.recurrency == "Weekly" {
		return 7 * 24 * time.Hour
	}
	return 24 * time.Hour
}

// runLength is how long each run of a Recurring schedule lasts.
func (p *chargingProfile) runLength() time.Duration {
	every := p.recurrence()
	if d := p.schedule.duration; d > 0 && d < every {
		return d
	}
	return every
}

// changes calls add with every moment of [from, to) at which p may start or stop applying or
// change its limit: its validity's bounds, and the start, periods and end of each run.
func (p *chargingProfile) changes(from, to, txStart time.Time, add func(time.Time)) {
	add(p.validFrom)
	add(p.validTo)
	each := func(start time.Time, length time.Duration) {
		for _, sp := range p.schedule.periods {
			add(start.Add(sp.start))
		}
		if length > 0 {
			add(start.Add(length))
		}
	}
	if p.kind != "Recurring" {
		each(p.run(from, txStart))
		return
	}
	start, length := p.run(from, txStart)
	for ; start.Before(to); start = start.Add(p.recurrence()) {
		each(start, length)
	}
}

// segment is a stretch of a composite schedule: the limit from start (after the schedule's
// start) until the next segment.
type segment struct {
	start time.Duration
	limit
}

// composite returns connector n's composite schedule over [from, from+d): the limit
// (limitAtLocked) at from and at every whole second at which it may change. from is a whole
// second.
func (s *Station) composite(n int, from time.Time, d time.Duration) []segment {
	to := from.Add(d)
	points := []time.Time{from}
	add := func(t time.Time) {
		if t.IsZero() || !t.After(from) {
			return
		}
		t = from.Add((t.Sub(from) + time.Second - 1).Truncate(time.Second)) // periods start on whole seconds
		if t.Before(to) {
			points = append(points, t)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	txStart := s.txStartLocked(n, from)
	for _, p := range s.profiles {
		if p.connector == 0 || p.connector == n {
			p.changes(from, to, txStart, add)
		}
	}
	slices.SortFunc(points, time.Time.Compare)
	points = slices.Compact(points)
	out := make([]segment, 0, len(points))
	for _, t := range points {
		out = append(out, segment{start: t.Sub(from), limit: s.limitAtLocked(n, t, from)})
	}
	return out
}

// periods returns the composite schedule segs in unit (A or W, at PhaseVoltage and each
// segment's phases), limits rounded to 0.1 as 1.6 wants them, with the segments that change
// nothing left out.
func periods(segs []segment, unit string) []schedulePeriod {
	var out []schedulePeriod
	for _, sg := range segs {
		v := sg.amps
		if unit == "W" {
			v *= PhaseVoltage * float64(sg.phases)
		}
		p := schedulePeriod{start: sg.start, limit: math.Round(v*10) / 10, phases: sg.phases}
		if n := len(out); n > 0 && out[n-1].limit == p.limit && out[n-1].phases == p.phases {
			continue
		}
		out = append(out, p)
	}
	return out
}

// compositeUnit is the unit of a composite schedule: the one asked for, A by default; "" for
// one the station does not know.
func compositeUnit(asked string) string {
	switch asked {
	case "", "A":
		return "A"
	case "W":
		return "W"
	}
	return ""
}

// compositeStart is the start of a composite schedule asked for now: the clock's whole second.
func (s *Station) compositeStart() time.Time { return s.clock.Now().UTC().Truncate(time.Second) }

// compositeSchedule16 answers a 1.6 GetCompositeSchedule (5.7): the composite schedule of the
// connector from now for the duration, in the unit asked for (A by default); Rejected for a
// connector the station lacks, a negative duration, or when refused. The station always
// knows its limits, its own maximum where no profile sets one, so it never answers Rejected
// for want of profiles.
func (s *Station) compositeSchedule16(req *v16.GetCompositeScheduleRequest, refuse bool) *v16.GetCompositeScheduleResponse {
	n, unit := req.ConnectorID, compositeUnit(string(req.ChargingRateUnit))
	if refuse || n < 0 || n > s.cfg.Connectors || req.Duration < 0 || unit == "" {
		return &v16.GetCompositeScheduleResponse{Status: v16.GetCompositeScheduleStatusRejected}
	}
	from := s.compositeStart()
	var out []v16.ChargingSchedulePeriod
	for _, p := range periods(s.composite(n, from, time.Duration(req.Duration)*time.Second), unit) {
		phases := p.phases
		out = append(out, v16.ChargingSchedulePeriod{StartPeriod: int(p.start / time.Second), Limit: p.limit, NumberPhases: &phases})
	}
	d := req.Duration
	return &v16.GetCompositeScheduleResponse{
		Status:        v16.GetCompositeScheduleStatusAccepted,
		ConnectorID:   &n,
		ScheduleStart: &from,
		ChargingSchedule: &v16.ChargingSchedule{
			Duration:               &d,
			StartSchedule:          &from,
			ChargingRateUnit:       v16.ChargingRateUnit(unit),
			ChargingSchedulePeriod: out,
		},
	}
}

// compositeSchedule201 answers a 2.0.1 GetCompositeSchedule (K08) as compositeSchedule16
// does: Rejected for an EVSE the station lacks (K08.FR.05) or a unit it does not know
// (K08.FR.07).
func (s *Station) compositeSchedule201(req *v201.GetCompositeScheduleRequest, refuse bool) *v201.GetCompositeScheduleResponse {
	n, unit := req.EVSEID, compositeUnit(string(req.ChargingRateUnit))
	if refuse || n < 0 || n > s.cfg.Connectors || req.Duration < 0 || unit == "" {
		return &v201.GetCompositeScheduleResponse{Status: v201.GenericStatusRejected}
	}
	from := s.compositeStart()
	var out []v201.ChargingSchedulePeriod
	for _, p := range periods(s.composite(n, from, time.Duration(req.Duration)*time.Second), unit) {
		phases := p.phases
		out = append(out, v201.ChargingSchedulePeriod{StartPeriod: int(p.start / time.Second), Limit: p.limit, NumberPhases: &phases})
	}
	return &v201.GetCompositeScheduleResponse{
		Status: v201.GenericStatusAccepted,
		Schedule: &v201.CompositeSchedule{
			EVSEID:                 n,
			Duration:               req.Duration,
			ScheduleStart:          from,
			ChargingRateUnit:       v201.ChargingRateUnit(unit),
			ChargingSchedulePeriod: out,
		},
	}
}
