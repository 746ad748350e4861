package billing

import (
	"math/big"
	"slices"
	"time"

	"github.com/ladda-csms/ladda"
)

// Session is what Price needs to know of a charging session.
//
// Rules: Start is before End; Location, the station's time zone, is set; Periods is not empty,
// the first period starts at Start, each next one strictly later, and all before End.
// Schedules holds, under its name, every PriceSchedule the tariff follows, each passing
// PriceSchedule.Check and in the tariff's currency; other schedules are ignored. Price does not
// modify them.
type Session struct {
	Start, End time.Time
	Location   *time.Location
	Periods    []Period
	// ConnectorType is the connector's type (OCPP 2.0.1 ConnectorEnumType, such as "cCCS2"),
	// for the restrictions that name types; "" when unknown.
	ConnectorType string
	Schedules     map[string]*PriceSchedule
}

// Period is a stretch of a session with one charging state. It lasts until the next period
// starts, the last one until the session ends.
//
// EnergyWh is the energy delivered during this period (not cumulative), delivered at a constant
// rate over it; it is never negative. Charging is false while the vehicle is connected but
// draws no power: that time is PARKING_TIME, not TIME. PowerW is the power of the period, used
// by the power restrictions, and is never negative.
type Period struct {
	Start    time.Time
	EnergyWh int64
	Charging bool
	PowerW   int64
}

// Bill is the price of a session. Its Lines are merged by type and unit price, in the order
// they first occur; an Adjustment line, if any, comes last. Total is the exact sum of the lines
// rounded half away from zero to the minor unit of Currency; all amounts exclude tax.
type Bill struct {
	Currency string
	Lines    []Line
	Total    Amount
}

// Line is what a bill charges for one dimension at one unit price. Quantity is in kWh for
// Energy, in hours for Time and ParkingTime, and 1 for Flat and Adjustment; Amount is exactly
// Quantity times UnitPrice (for Adjustment, the amount added to the total, possibly negative).
// From and To span the slices the line covers, which need not be contiguous.
type Line struct {
	Type      ComponentType
	Quantity  Quantity
	UnitPrice Amount
	Amount    Amount
	From, To  time.Time
}

// Price prices session s by tariff t following the rules in the package documentation. It is a
// pure function. Errors are Invalid: a malformed tariff (currency, HH:MM, dates, negative
// prices, steps or thresholds, a misused schedule link), a malformed session (periods out of
// order or outside Start..End, negative energy or power, no location), or a schedule the tariff
// follows that the session lacks, that breaks the rules of PriceSchedule, or that is in another
// currency.
func Price(t Tariff, s Session) (*Bill, error) {
	ct, err := compileTariff(&t)
	if err != nil {
		return nil, err
	}
	if err := validateSession(&s); err != nil {
		return nil, err
	}
	scheds, err := ct.link(s.Schedules)
	if err != nil {
		return nil, err
	}
	p := pricer{t: ct, s: &s, scheds: scheds, index: map[lineKey]int{}, wh: new(big.Rat), parked: new(big.Rat)}
	clocks := ct.clocks()
	for i, per := range s.Periods {
		end := s.End
		if i+1 < len(s.Periods) {
			end = s.Periods[i+1].Start
		}
		p.period(per, per.Start.Sub(s.Start).Nanoseconds(), end.Sub(s.Start).Nanoseconds(), clocks)
	}
	return p.bill(), nil
}

func validateSession(s *Session) error {
	switch {
	case s.Location == nil:
		return ladda.Errorf(ladda.Invalid, op, "session has no location")
	case !s.Start.Before(s.End):
		return ladda.Errorf(ladda.Invalid, op, "session ends at %s, not after its start %s", s.End, s.Start)
	case len(s.Periods) == 0:
		return ladda.Errorf(ladda.Invalid, op, "session has no periods")
	case !s.Periods[0].Start.Equal(s.Start):
		return ladda.Errorf(ladda.Invalid, op, "first period starts at %s, not at the session start %s", s.Periods[0].Start, s.Start)
	}
	for i, p := range s.Periods {
		switch {
		case i > 0 && !p.Start.After(s.Periods[i-1].Start):
			return ladda.Errorf(ladda.Invalid, op, "period %d starts at %s, not after period %d", i, p.Start, i-1)
		case !p.Start.Before(s.End):
			return ladda.Errorf(ladda.Invalid, op, "period %d starts at %s, not before the session end %s", i, p.Start, s.End)
		case p.EnergyWh < 0:
			return ladda.Errorf(ladda.Invalid, op, "period %d has negative energy %d Wh", i, p.EnergyWh)
		case p.PowerW < 0:
			return ladda.Errorf(ladda.Invalid, op, "period %d has negative power %d W", i, p.PowerW)
		}
	}
	return nil
}

type lineKey struct {
	typ   ComponentType
	price string
}

// acc accumulates a line; qty is in Wh, ns or sessions.
type acc struct {
	typ      ComponentType
	price    Amount
	qty      *big.Rat
	from, to *big.Rat // ns since the session start
}

type pricer struct {
	t      *tariff
	s      *Session
	scheds []*PriceSchedule // the schedules the tariff follows
	lines  []acc
	index  map[lineKey]int
	flat   bool
	wh     *big.Rat // Wh delivered before the current period
	parked *big.Rat // ns parked before the current period
	total  [Adjustment]*big.Rat
	last   [Adjustment]*element // the element of the last component used per dimension
	price  [Adjustment]Amount   // the unit price it was last used at
}

// period prices the period from offset a to b (ns since the session start).
func (p *pricer) period(per Period, a, b int64, clocks []int) {
	ra, rb := new(big.Rat).SetInt64(a), new(big.Rat).SetInt64(b)
	length := new(big.Rat).SetInt64(b - a)
	energy := new(big.Rat).SetInt64(per.EnergyWh)
	cuts := []*big.Rat{ra, rb}
	add := func(x *big.Rat) {
		if x.Cmp(ra) > 0 && x.Cmp(rb) < 0 {
			cuts = append(cuts, x)
		}
	}
	addTime := func(t time.Time) { add(new(big.Rat).SetInt64(t.Sub(p.s.Start).Nanoseconds())) }
	from, to := p.s.Start.Add(time.Duration(a)), p.s.Start.Add(time.Duration(b))
	for _, t := range clockCuts(from, to, p.s.Location, clocks) {
		addTime(t)
	}
	for _, sc := range p.scheds {
		for _, t := range sc.changes(from, to) {
			addTime(t)
		}
	}
	for _, e := range p.t.elements {
		r := &e.r
		for _, d := range []int64{r.minDur, r.maxDur} {
			if d >= 0 {
				add(new(big.Rat).SetInt64(d))
			}
		}
		if per.EnergyWh > 0 {
			for _, wh := range []*big.Rat{r.minWh, r.maxWh} {
				if wh != nil { // a + (wh - before) / energy * length
					x := new(big.Rat).Sub(wh, p.wh)
					x.Mul(x, length).Quo(x, energy)
					add(x.Add(x, ra))
				}
			}
		}
		if !per.Charging && r.minParking >= 0 {
			x := new(big.Rat).SetInt64(r.minParking)
			x.Sub(x, p.parked)
			add(x.Add(x, ra))
		}
	}
	slices.SortFunc(cuts, func(x, y *big.Rat) int { return x.Cmp(y) })
	cuts = slices.CompactFunc(cuts, func(x, y *big.Rat) bool { return x.Cmp(y) == 0 })

	st := state{powerW: new(big.Rat).SetInt64(per.PowerW), connector: p.s.ConnectorType}
	for i := 0; i+1 < len(cuts); i++ {
		x0, x1 := cuts[i], cuts[i+1]
		dt := new(big.Rat).Sub(x1, x0)
		into := new(big.Rat).Sub(x0, ra)
		floor := floorInt64(x0)
		st.elapsed = floor
		st.at = p.s.Start.Add(time.Duration(floor))
		st.local = st.at.In(p.s.Location)
		st.wh = new(big.Rat).Mul(energy, into)
		st.wh.Quo(st.wh, length).Add(st.wh, p.wh)
		st.parked = p.parked
		if !per.Charging {
			st.parked = new(big.Rat).Add(p.parked, into)
		}
		if !p.flat {
			if e := p.find(Flat, &st); e != nil {
				p.charge(e, Flat, e.unitPrice(Flat, st.at), big.NewRat(1, 1), x0, x1)
				p.flat = true
			}
		}
		if per.EnergyWh > 0 {
			if e := p.find(Energy, &st); e != nil {
				wh := new(big.Rat).Mul(energy, dt)
				p.charge(e, Energy, e.unitPrice(Energy, st.at), wh.Quo(wh, length), x0, x1)
			}
		}
		dim := ParkingTime
		if per.Charging {
			dim = Time
		}
		if e := p.find(dim, &st); e != nil {
			p.charge(e, dim, e.unitPrice(dim, st.at), dt, x0, x1)
		}
	}
	p.wh.Add(p.wh, energy)
	if !per.Charging {
		p.parked.Add(p.parked, length)
	}
}

func (p *pricer) find(typ ComponentType, st *state) *element {
	for i := range p.t.elements {
		e := &p.t.elements[i]
		if e.comp[typ] >= 0 && e.r.match(st) {
			return e
		}
	}
	return nil
}

// unitPrice returns the price per unit of e's component of type typ at instant t: the
// component's Price, or for a schedule-linked one the price the schedule gives.
func (e *element) unitPrice(typ ComponentType, t time.Time) Amount {
	if typ == Energy && e.spot != nil {
		return e.spot.price(t)
	}
	return e.src.Components[e.comp[typ]].Price
}

// charge adds qty (Wh, ns or 1) of dimension typ at unit price price, of e's component, to the
// bill.
func (p *pricer) charge(e *element, typ ComponentType, price Amount, qty, from, to *big.Rat) {
	k := lineKey{typ, price.rat().RatString()}
	i, ok := p.index[k]
	if !ok {
		i = len(p.lines)
		p.index[k] = i
		p.lines = append(p.lines, acc{typ: typ, price: price, qty: new(big.Rat), from: from, to: to})
	}
	l := &p.lines[i]
	l.qty.Add(l.qty, qty)
	if from.Cmp(l.from) < 0 {
		l.from = from
	}
	if to.Cmp(l.to) > 0 {
		l.to = to
	}
	if p.total[typ] == nil {
		p.total[typ] = new(big.Rat)
	}
	p.total[typ].Add(p.total[typ], qty)
	p.last[typ] = e
	p.price[typ] = price
}

var (
	whPerKWh   = big.NewRat(1, 1000)
	nsPerHour  = big.NewRat(1, int64(time.Hour))
	nsPerStep  = int64(time.Second)
	unitOfType = [Adjustment]*big.Rat{Energy: whPerKWh, Flat: big.NewRat(1, 1), Time: nsPerHour, ParkingTime: nsPerHour}
)

func (p *pricer) bill() *Bill {
	// Step sizes: round each dimension's total up, charging the extra at the last component,
	// at the unit price it was last used at.
	for _, typ := range []ComponentType{Energy, Time, ParkingTime} {
		e := p.last[typ]
		if e == nil || e.steps[typ] <= 1 {
			continue
		}
		step := int64(e.steps[typ])
		if typ != Energy {
			step *= nsPerStep
		}
		stepRat := new(big.Rat).SetInt64(step)
		n := ceilRat(new(big.Rat).Quo(p.total[typ], stepRat))
		extra := new(big.Rat).Mul(new(big.Rat).SetInt(n), stepRat)
		extra.Sub(extra, p.total[typ])
		if extra.Sign() > 0 {
			price := p.price[typ]
			to := p.lines[p.index[lineKey{typ, price.rat().RatString()}]].to
			p.charge(e, typ, price, extra, to, to)
		}
	}
	b := &Bill{Currency: p.t.currency, Lines: make([]Line, 0, len(p.lines)+1)}
	sum := new(big.Rat)
	for _, l := range p.lines {
		q := Quantity{new(big.Rat).Mul(l.qty, unitOfType[l.typ])}
		amount := l.price.Mul(q)
		sum.Add(sum, amount.rat())
		b.Lines = append(b.Lines, Line{Type: l.typ, Quantity: q, UnitPrice: l.price, Amount: amount, From: p.at(l.from), To: p.at(l.to)})
	}
	bounded := sum
	if p.t.min != nil && sum.Cmp(p.t.min) < 0 {
		bounded = p.t.min
	}
	if p.t.max != nil && sum.Cmp(p.t.max) > 0 {
		bounded = p.t.max
	}
	if diff := new(big.Rat).Sub(bounded, sum); diff.Sign() != 0 {
		a := Amount{diff}
		b.Lines = append(b.Lines, Line{Type: Adjustment, Quantity: Quantity{big.NewRat(1, 1)}, UnitPrice: a, Amount: a, From: p.s.Start, To: p.s.End})
	}
	b.Total = Amount{roundRat(bounded, p.t.exponent)}
	return b
}

func (p *pricer) at(x *big.Rat) time.Time {
	return p.s.Start.Add(time.Duration(floorInt64(x))).In(p.s.Location)
}

// floorInt64 returns the largest integer <= x, for x >= 0 that fits an int64.
func floorInt64(x *big.Rat) int64 {
	return new(big.Int).Quo(x.Num(), x.Denom()).Int64()
}

// clockCuts returns the instants in (from, to) at which the local clock in loc reads one of
// clocks (minutes after midnight), and the time-zone transitions in between, so that the local
// time of day, date and weekday are constant between two consecutive cuts, on DST days too.
func clockCuts(from, to time.Time, loc *time.Location, clocks []int) []time.Time {
	var cuts []time.Time
	for t := from; ; {
		_, end := t.In(loc).ZoneBounds()
		if end.IsZero() || !end.Before(to) {
			break
		}
		cuts = append(cuts, end)
		t = end
	}
	lf, lt := from.In(loc), to.In(loc)
	last := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, time.UTC)
	for day := time.Date(lf.Year(), lf.Month(), lf.Day(), 0, 0, 0, 0, time.UTC); !day.After(last); day = day.AddDate(0, 0, 1) {
		// The UTC offsets in force around this day; a clock reading may occur under either.
		y, m, d := day.Date()
		_, off1 := time.Date(y, m, d, 0, 0, 0, 0, loc).Zone()
		_, off2 := time.Date(y, m, d+1, 0, 0, 0, 0, loc).Zone()
		for _, c := range clocks {
			civil := day.Add(time.Duration(c) * time.Minute)
			for _, off := range []int{off1, off2} {
				t := civil.Add(-time.Duration(off) * time.Second)
				if t.After(from) && t.Before(to) && sameClock(t.In(loc), civil) {
					cuts = append(cuts, t)
				}
			}
		}
	}
	return cuts
}

func sameClock(local, civil time.Time) bool {
	y1, m1, d1 := local.Date()
	y2, m2, d2 := civil.Date()
	return y1 == y2 && m1 == m2 && d1 == d2 && local.Hour() == civil.Hour() && local.Minute() == civil.Minute()
}
