package billing_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ladda-csms/ladda/billing"
)

const propertyCases = 200

// gen draws random tariffs and sessions from a fixed seed, so failures reproduce.
type gen struct {
	tb  testing.TB
	r   *rand.Rand
	loc *time.Location
}

func newGen(tb testing.TB, seed uint64) *gen {
	return &gen{tb: tb, r: rand.New(rand.NewPCG(seed, 1)), loc: stockholm(tb)}
}

func (g *gen) price() billing.Amount {
	return mustAmount(g.tb, fmt.Sprintf("%d.%04d", g.r.IntN(20), g.r.IntN(10000)))
}

// tariffOpts choose what a random tariff may hold.
type tariffOpts struct {
	steps bool // components may have step sizes
	kWh   bool // restrictions may bound the energy delivered so far
}

func (g *gen) tariff(o tariffOpts) billing.Tariff {
	t := billing.Tariff{Currency: "SEK"}
	for range 1 + g.r.IntN(6) {
		var e billing.Element
		for _, typ := range []billing.ComponentType{billing.Energy, billing.Flat, billing.Time, billing.ParkingTime} {
			if g.r.IntN(2) == 0 {
				continue
			}
			c := billing.Component{Type: typ, Price: g.price()}
			if o.steps && g.r.IntN(2) == 0 {
				c.StepSize = []int{60, 100, 300, 900}[g.r.IntN(4)]
			}
			e.Components = append(e.Components, c)
		}
		if len(e.Components) == 0 {
			e.Components = []billing.Component{{Type: billing.Energy, Price: g.price()}}
		}
		r := &e.Restrictions
		if g.r.IntN(3) == 0 {
			start, end := g.r.IntN(96)*15, g.r.IntN(96)*15
			if start != end {
				r.StartTime, r.EndTime = clock(start), clock(end)
			}
		}
		if g.r.IntN(4) == 0 {
			r.DaysOfWeek = []time.Weekday{time.Weekday(g.r.IntN(7)), time.Weekday(g.r.IntN(7))}
		}
		if o.kWh && g.r.IntN(4) == 0 {
			r.MinKWh = ptr(mustQuantity(g.tb, fmt.Sprint(g.r.IntN(30))))
		}
		if o.kWh && g.r.IntN(4) == 0 {
			r.MaxKWh = ptr(mustQuantity(g.tb, fmt.Sprintf("%d.5", g.r.IntN(30))))
		}
		if g.r.IntN(4) == 0 {
			r.MinDuration = ptr(time.Duration(g.r.IntN(240)) * time.Minute)
		}
		if g.r.IntN(4) == 0 {
			r.MaxPowerKW = ptr(mustQuantity(g.tb, fmt.Sprint(g.r.IntN(50))))
		}
		if g.r.IntN(4) == 0 {
			r.MinParking = ptr(time.Duration(g.r.IntN(60)) * time.Minute)
		}
		t.Elements = append(t.Elements, e)
	}
	if g.r.IntN(3) == 0 {
		t.MinPrice = ptr(mustAmount(g.tb, fmt.Sprintf("%d.%02d", g.r.IntN(5), g.r.IntN(100))))
	}
	if g.r.IntN(3) == 0 {
		t.MaxPrice = ptr(mustAmount(g.tb, fmt.Sprintf("%d.%02d", 5+g.r.IntN(50), g.r.IntN(100))))
	}
	return t
}

func clock(minutes int) string { return fmt.Sprintf("%02d:%02d", minutes/60, minutes%60) }

// session draws a session of whole-minute periods, each delivering a whole number of Wh per
// minute, starting at a random minute of 2026 (DST days included).
func (g *gen) session() billing.Session {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, g.loc).Add(time.Duration(g.r.IntN(365*24*60)) * time.Minute)
	s := billing.Session{Start: start, Location: g.loc}
	t := start
	for range 1 + g.r.IntN(8) {
		minutes := 1 + g.r.IntN(180)
		p := billing.Period{Start: t, Charging: g.r.IntN(3) != 0}
		if p.Charging {
			p.PowerW = int64(g.r.IntN(100_000))
			p.EnergyWh = int64(minutes * g.r.IntN(1000))
		}
		s.Periods = append(s.Periods, p)
		t = t.Add(time.Duration(minutes) * time.Minute)
	}
	s.End = t
	return s
}

// end returns when period i of s ends.
func end(s billing.Session, i int) time.Time {
	if i+1 < len(s.Periods) {
		return s.Periods[i+1].Start
	}
	return s.End
}

func mustPrice(tb testing.TB, t billing.Tariff, s billing.Session) *billing.Bill {
	tb.Helper()
	b, err := billing.Price(t, s)
	if err != nil {
		tb.Fatalf("Price(%+v, %+v): %v", t, s, err)
	}
	return b
}

// More energy in the same times never lowers the total. This holds for tariffs whose
// restrictions do not depend on the energy delivered so far: with MinKWh or MaxKWh, more energy
// can reach a cheaper element sooner, and a TIME price it switches to may be lower.
func TestPropertyMoreEnergyNeverCostsLess(t *testing.T) {
	t.Parallel()
	g := newGen(t, 1)
	for i := range propertyCases {
		tar, s := g.tariff(tariffOpts{steps: true}), g.session()
		more := s
		more.Periods = append([]billing.Period(nil), s.Periods...)
		for j := range more.Periods {
			more.Periods[j].EnergyWh += int64(g.r.IntN(5000))
		}
		before, after := mustPrice(t, tar, s), mustPrice(t, tar, more)
		if after.Total.Cmp(before.Total) < 0 {
			t.Fatalf("case %d: more energy costs %s, less %s\ntariff %+v\nsession %+v", i, after.Total, before.Total, tar, s)
		}
	}
}

// Cutting a period in two at a whole minute, with its energy split in proportion (in whole Wh),
// never changes the total of a tariff without step sizes.
func TestPropertySplittingAPeriodKeepsTheTotal(t *testing.T) {
	t.Parallel()
	g := newGen(t, 2)
	for i := range propertyCases {
		tar, s := g.tariff(tariffOpts{kWh: true}), g.session()
		j := g.r.IntN(len(s.Periods))
		p := s.Periods[j]
		minutes := int64(end(s, j).Sub(p.Start) / time.Minute)
		if minutes < 2 {
			continue
		}
		at := 1 + g.r.Int64N(minutes-1)
		first, second := p, p
		first.EnergyWh = p.EnergyWh / minutes * at
		second.Start = p.Start.Add(time.Duration(at) * time.Minute)
		second.EnergyWh = p.EnergyWh - first.EnergyWh
		split := s
		split.Periods = append(append(append([]billing.Period(nil), s.Periods[:j]...), first, second), s.Periods[j+1:]...)
		whole, parts := mustPrice(t, tar, s), mustPrice(t, tar, split)
		if whole.Total.Cmp(parts.Total) != 0 {
			t.Fatalf("case %d: split at minute %d costs %s, whole %s\ntariff %+v\nsession %+v", i, at, parts.Total, whole.Total, tar, s)
		}
	}
}

// The total is never negative and never above MaxPrice.
func TestPropertyTotalWithinBounds(t *testing.T) {
	t.Parallel()
	g := newGen(t, 3)
	for i := range propertyCases {
		tar, s := g.tariff(tariffOpts{steps: true, kWh: true}), g.session()
		b := mustPrice(t, tar, s)
		if b.Total.Sign() < 0 {
			t.Fatalf("case %d: total %s is negative", i, b.Total)
		}
		if tar.MaxPrice != nil && b.Total.Cmp(*tar.MaxPrice) > 0 {
			t.Fatalf("case %d: total %s exceeds MaxPrice %s", i, b.Total, tar.MaxPrice)
		}
		if tar.MinPrice != nil && b.Total.Cmp(*tar.MinPrice) < 0 {
			t.Fatalf("case %d: total %s is below MinPrice %s", i, b.Total, tar.MinPrice)
		}
	}
}

func BenchmarkPrice(b *testing.B) {
	loc := stockholm(b)
	tar := tariff(
		elem(none{StartTime: "06:00", EndTime: "09:00", DaysOfWeek: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}},
			comp(b, billing.Energy, "0.95", 0), comp(b, billing.Time, "1.20", 60)),
		elem(none{StartTime: "16:00", EndTime: "20:00"}, comp(b, billing.Energy, "0.85", 0)),
		elem(none{StartTime: "22:00", EndTime: "06:00"}, comp(b, billing.Energy, "0.35", 0)),
		elem(none{MinKWh: ptr(mustQuantity(b, "40"))}, comp(b, billing.Energy, "0.45", 100)),
		elem(none{MinParking: ptr(15 * time.Minute)}, comp(b, billing.ParkingTime, "6.00", 60)),
		elem(none{}, comp(b, billing.Flat, "2.00", 0), comp(b, billing.Energy, "0.55", 0), comp(b, billing.Time, "0.60", 60)),
	)
	parts := make([]part, 48)
	for i := range parts {
		parts[i] = charge(15*time.Minute, int64(1000+i*37))
		if i%8 == 7 {
			parts[i] = park(15 * time.Minute)
		}
	}
	s := session(b, loc, "2026-10-24 18:00", parts...)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := billing.Price(tar, s); err != nil {
			b.Fatal(err)
		}
	}
}

// Schedule-linked tariffs: the tariffs above with Energy components following a random
// schedule named "spot".

// amountOf returns n ten-thousandths as an Amount.
func (g *gen) amountOf(n int) billing.Amount {
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	return mustAmount(g.tb, fmt.Sprintf("%s%d.%04d", sign, n/10000, n%10000))
}

// spotTariff draws a tariff of o and links about two in three of its Energy components, and at
// least one, to the schedule "spot". With nonNegative, every link has a Floor of at least 0, so
// no price per kWh is negative.
func (g *gen) spotTariff(o tariffOpts, nonNegative bool) billing.Tariff {
	t := g.tariff(o)
	linked := false
	for i := range t.Elements {
		for j := range t.Elements[i].Components {
			c := &t.Elements[i].Components[j]
			if c.Type == billing.Energy && (!linked || g.r.IntN(3) != 0) {
				g.link(c, nonNegative)
				linked = true
			}
		}
	}
	if !linked {
		c := billing.Component{Type: billing.Energy, Price: g.price()}
		g.link(&c, nonNegative)
		t.Elements = append(t.Elements, billing.Element{Components: []billing.Component{c}})
	}
	return t
}

// link makes c follow the schedule "spot" with a random markup, percent, floor and cap.
func (g *gen) link(c *billing.Component, nonNegative bool) {
	c.Schedule = "spot"
	if g.r.IntN(2) == 0 {
		c.Markup = ptr(g.amountOf(g.r.IntN(5000) - 1000))
	}
	if g.r.IntN(2) == 0 {
		c.MarkupPercent = ptr(mustQuantity(g.tb, fmt.Sprint(g.r.IntN(150)-50)))
	}
	floor := g.r.IntN(3000) - 1000
	if nonNegative {
		floor = g.r.IntN(2000)
	}
	if nonNegative || g.r.IntN(2) == 0 {
		c.Floor = ptr(g.amountOf(floor))
	}
	if g.r.IntN(2) == 0 {
		c.Cap = ptr(g.amountOf(floor + g.r.IntN(20000)))
	}
}

// spotSchedule draws a schedule named "spot" around s: points at irregular whole minutes with
// prices between -1 and 2, that may begin after the session starts and end before it ends.
func (g *gen) spotSchedule(s billing.Session) *billing.PriceSchedule {
	sc := &billing.PriceSchedule{Name: "spot", Currency: "SEK", Step: time.Duration(g.r.IntN(61)) * time.Minute}
	last := s.End.Add(time.Duration(g.r.IntN(180)-120) * time.Minute)
	for t := s.Start.Add(time.Duration(g.r.IntN(240)-180) * time.Minute); t.Before(last); t = t.Add(time.Duration(1+g.r.IntN(90)) * time.Minute) {
		sc.Points = append(sc.Points, billing.PricePoint{Start: t, Price: g.amountOf(g.r.IntN(30000) - 10000)})
	}
	return sc
}

// secondSession draws a session like session, but each period delivers a whole number of Wh
// per second, so that it can be cut at any second with its energy split exactly.
func (g *gen) secondSession() billing.Session {
	s := g.session()
	for i := range s.Periods {
		if s.Periods[i].Charging {
			s.Periods[i].EnergyWh = int64(end(s, i).Sub(s.Periods[i].Start)/time.Second) * int64(g.r.IntN(20))
		}
	}
	return s
}

// Cutting a session's period in two at any second, or at a point of the schedule, with its
// energy split exactly in proportion, never changes the total of a schedule-linked tariff,
// step sizes and kWh thresholds included, negative prices too.
func TestPropertySplittingAtAnyInstantKeepsTheSpotTotal(t *testing.T) {
	t.Parallel()
	g := newGen(t, 4)
	for i := range propertyCases {
		tar, s := g.spotTariff(tariffOpts{steps: true, kWh: true}, false), g.secondSession()
		sc := g.spotSchedule(s)
		s.Schedules = map[string]*billing.PriceSchedule{"spot": sc}
		at := s.Start.Add(time.Duration(1+g.r.Int64N(int64(s.End.Sub(s.Start)/time.Second)-1)) * time.Second)
		if len(sc.Points) > 0 && g.r.IntN(3) == 0 {
			at = sc.Points[g.r.IntN(len(sc.Points))].Start
		}
		if !at.After(s.Start) || !at.Before(s.End) {
			continue
		}
		j := len(s.Periods) - 1
		for s.Periods[j].Start.After(at) {
			j--
		}
		p := s.Periods[j]
		if p.Start.Equal(at) {
			continue
		}
		perSecond := p.EnergyWh / int64(end(s, j).Sub(p.Start)/time.Second)
		first, second := p, p
		first.EnergyWh = perSecond * int64(at.Sub(p.Start)/time.Second)
		second.Start = at
		second.EnergyWh = p.EnergyWh - first.EnergyWh
		split := s
		split.Periods = append(append(append([]billing.Period(nil), s.Periods[:j]...), first, second), s.Periods[j+1:]...)
		whole, parts := mustPrice(t, tar, s), mustPrice(t, tar, split)
		if whole.Total.Cmp(parts.Total) != 0 {
			t.Fatalf("case %d: split at %s costs %s, whole %s\ntariff %+v\nsession %+v\nschedule %+v", i, at, parts.Total, whole.Total, tar, s, sc)
		}
	}
}

// More energy in the same times never lowers the total of a schedule-linked tariff whose
// prices per kWh are not negative. As in TestPropertyMoreEnergyNeverCostsLess, restrictions do
// not depend on the energy so far; and Energy components have no step size: the extra of a
// rounded-up total is charged at the last price used, so when the price varies over a session,
// energy added at a cheap hour may shrink an extra charged at a dear one by more than it costs.
// That holds for time-of-day tariffs too.
func TestPropertyMoreEnergyNeverCostsLessSpot(t *testing.T) {
	t.Parallel()
	g := newGen(t, 5)
	for i := range propertyCases {
		tar, s := g.spotTariff(tariffOpts{steps: true}, true), g.session()
		for j := range tar.Elements {
			for k := range tar.Elements[j].Components {
				if c := &tar.Elements[j].Components[k]; c.Type == billing.Energy {
					c.StepSize = 0
				}
			}
		}
		sc := g.spotSchedule(s)
		s.Schedules = map[string]*billing.PriceSchedule{"spot": sc}
		more := s
		more.Periods = append([]billing.Period(nil), s.Periods...)
		for j := range more.Periods {
			more.Periods[j].EnergyWh += int64(g.r.IntN(5000))
		}
		before, after := mustPrice(t, tar, s), mustPrice(t, tar, more)
		if after.Total.Cmp(before.Total) < 0 {
			t.Fatalf("case %d: more energy costs %s, less %s\ntariff %+v\nsession %+v\nschedule %+v", i, after.Total, before.Total, tar, s, sc)
		}
	}
}

// BenchmarkPriceSpot prices a 12-hour session of 48 quarter-hour periods by a tariff whose
// energy follows a 24-point hourly schedule, across the night DST ends.
func BenchmarkPriceSpot(b *testing.B) {
	loc := stockholm(b)
	tar := tariff(
		elem(none{MinParking: ptr(15 * time.Minute)}, comp(b, billing.ParkingTime, "6.00", 60)),
		elem(none{}, comp(b, billing.Flat, "2.00", 0), comp(b, billing.Time, "0.60", 60),
			spotComp(b, "0.90", 0, spotLink{schedule: "se3", markup: "0.08", percent: "25", floor: "0", cp: "3.00"})),
	)
	prices := make([]string, 24)
	for i := range prices {
		prices[i] = fmt.Sprintf("%d.%04d", i%3, (i*7919)%10000)
	}
	parts := make([]part, 48)
	for i := range parts {
		parts[i] = charge(15*time.Minute, int64(1000+i*37))
		if i%8 == 7 {
			parts[i] = park(15 * time.Minute)
		}
	}
	s := withSchedules(session(b, loc, "2026-10-24 18:00", parts...), hourly(b, "se3", loc, "2026-10-24 12:00", prices...))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := billing.Price(tar, s); err != nil {
			b.Fatal(err)
		}
	}
}
