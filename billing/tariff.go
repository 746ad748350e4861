package billing

import (
	"math/big"
	"slices"
	"time"

	"github.com/ladda-csms/ladda"
)

// ComponentType is the dimension a price component charges for.
type ComponentType uint8

// The dimensions of OCPI 2.2.1, and Adjustment, which only ever appears on a Line.
const (
	Energy      ComponentType = iota + 1 // per kWh delivered
	Flat                                 // once per session
	Time                                 // per hour of charging
	ParkingTime                          // per hour connected but not charging
	Adjustment                           // a Line raising the total to MinPrice or lowering it to MaxPrice; never in a tariff
)

var componentTypeNames = [...]string{"", "ENERGY", "FLAT", "TIME", "PARKING_TIME", "ADJUSTMENT"}

// String returns the OCPI name of t, such as "PARKING_TIME".
func (t ComponentType) String() string {
	if int(t) < len(componentTypeNames) && t != 0 {
		return componentTypeNames[t]
	}
	return "UNKNOWN"
}

// Tariff is the price list of a charge point, in the spirit of an OCPI 2.2.1 tariff.
//
// Rules: Currency is an ISO 4217 code of three upper-case letters and every amount of the
// tariff is in it. Elements is not empty and its order matters: per dimension, the first
// matching element wins. MinPrice and MaxPrice, when set, bound the total excluding tax, have
// no more decimals than the currency's minor unit, and MinPrice <= MaxPrice.
type Tariff struct {
	ID       string    `json:"-"`
	Currency string    `json:"currency"`
	Elements []Element `json:"elements"`
	MinPrice *Amount   `json:"minPrice,omitempty"` // excluding tax; nil: no minimum
	MaxPrice *Amount   `json:"maxPrice,omitempty"` // excluding tax; nil: no maximum
}

// Element is a group of price components that apply together when all of its restrictions
// match. Rules: at least one component, at most one per type.
type Element struct {
	Components   []Component  `json:"components"`
	Restrictions Restrictions `json:"restrictions,omitzero"`
}

// Component is the price of one dimension.
//
// Rules: Type is Energy, Flat, Time or ParkingTime; Price is the price per unit excluding tax
// and is not negative: per kWh for Energy, per session for Flat, per hour for Time and
// ParkingTime. StepSize is in Wh for Energy and in seconds for Time and ParkingTime; 0 or 1
// means no rounding, Flat ignores it, and it is never negative.
//
// An Energy component may follow a PriceSchedule (a dynamic, spot-linked price). Schedule
// names it, and the price per kWh at an instant the schedule covers is
//
//	spot × (1 + MarkupPercent/100) + Markup, then raised to Floor and lowered to Cap,
//
// where a nil field plays no part. At an instant the schedule does not cover, the price per
// kWh is Price, as it is: no markup, floor or cap. Rules: only an Energy component has a
// Schedule; Markup, MarkupPercent, Floor and Cap are set only with a Schedule; MarkupPercent is
// not below -100; Floor <= Cap. Markup, Floor and Cap may be negative, and a negative spot
// price without a Floor may make the price per kWh negative: a credit to the driver.
type Component struct {
	Type          ComponentType `json:"type"`
	Price         Amount        `json:"price"`
	StepSize      int           `json:"stepSize,omitempty"`
	Schedule      string        `json:"schedule,omitempty"`      // PriceSchedule.Name; Energy only
	Markup        *Amount       `json:"markup,omitempty"`        // per kWh, added after MarkupPercent
	MarkupPercent *Quantity     `json:"markupPercent,omitempty"` // of the spot price; 25 means +25 %
	Floor         *Amount       `json:"floor,omitempty"`         // lowest price per kWh; nil: none
	Cap           *Amount       `json:"cap,omitempty"`           // highest price per kWh; nil: none
}

// Restrictions limit when an Element applies. A nil or empty field does not restrict; an
// element applies at an instant when all fields match. Minimums are inclusive, maximums
// exclusive, as in OCPI.
//
// Rules:
//   - StartTime and EndTime are "HH:MM" in the station's local time. When StartTime is later
//     than EndTime the range wraps past midnight ("22:00" to "06:00" is the night); equal
//     times are Invalid.
//   - StartDate and EndDate are "YYYY-MM-DD" local dates; EndDate is exclusive.
//   - DaysOfWeek lists the local weekdays on which the element applies.
//   - MinKWh and MaxKWh bound the energy delivered so far in the session.
//   - MinPowerKW and MaxPowerKW bound the power of the current period.
//   - MinDuration and MaxDuration bound the time elapsed since the session started.
//   - ConnectorTypes lists the connector types (OCPP 2.0.1 ConnectorEnumType names, such as
//     "cCCS2", "cType2", "sType2", "cCHAdeMO") the element applies to; a session at a connector
//     of unknown type matches no element that names types.
//   - MinParking bounds the time spent connected without charging so far in the session. It
//     is Ladda's extension to OCPI and expresses a grace period: an element holding the
//     PARKING_TIME component with MinParking of 15 minutes leaves the first 15 minutes of
//     parking free, because no element prices them.
//
// Quantities and durations are never negative.
type Restrictions struct {
	StartTime, EndTime     string
	StartDate, EndDate     string
	DaysOfWeek             []time.Weekday
	MinKWh, MaxKWh         *Quantity
	MinPowerKW, MaxPowerKW *Quantity
	MinDuration            *time.Duration
	MaxDuration            *time.Duration
	MinParking             *time.Duration
	ConnectorTypes         []string
}

// Exponent returns the number of decimals of the minor unit of an ISO 4217 currency: 0 for
// JPY, 3 for KWD, 2 for most.
func Exponent(currency string) int {
	switch currency {
	case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF":
		return 0
	case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
		return 3
	}
	return 2
}

// compiled forms, checked once per call of Price.

type tariff struct {
	currency string
	exponent int
	elements []element
	min, max *big.Rat
}

type element struct {
	comp  [Adjustment]int // index into Components by type, -1 when absent
	src   *Element
	r     restrictions
	steps [Adjustment]int
	spot  *spot // the Energy component's schedule link; nil for a fixed price
}

// spot is a compiled schedule-linked Energy component.
type spot struct {
	name       string
	sched      *PriceSchedule // set by Price from Session.Schedules
	fallback   Amount         // the component's Price
	factor     *big.Rat       // 1 + MarkupPercent/100
	markup     *big.Rat
	floor, cap *big.Rat // nil when unset
}

// price returns the price per kWh at instant t.
func (s *spot) price(t time.Time) Amount {
	v, ok := s.sched.At(t)
	if !ok {
		return s.fallback
	}
	r := new(big.Rat).Mul(v.rat(), s.factor)
	r.Add(r, s.markup)
	if s.floor != nil && r.Cmp(s.floor) < 0 {
		r.Set(s.floor)
	}
	if s.cap != nil && r.Cmp(s.cap) > 0 {
		r.Set(s.cap)
	}
	return Amount{r}
}

type restrictions struct {
	startMin, endMin int // minutes after local midnight; -1 when unset
	startDay, endDay int // days as yyyymmdd; 0 when unset
	days             uint8
	minWh, maxWh     *big.Rat
	minW, maxW       *big.Rat
	minDur, maxDur   int64 // ns; -1 when unset
	minParking       int64 // ns; -1 when unset
	connectors       []string
}

const op = "billing.Price"

func compileTariff(t *Tariff) (*tariff, error) {
	if len(t.Currency) != 3 || !isUpper(t.Currency) {
		return nil, ladda.Errorf(ladda.Invalid, op, "currency %q is not an ISO 4217 code", t.Currency)
	}
	if len(t.Elements) == 0 {
		return nil, ladda.Errorf(ladda.Invalid, op, "tariff %q has no elements", t.ID)
	}
	ct := &tariff{currency: t.Currency, exponent: Exponent(t.Currency)}
	for name, p := range map[string]*Amount{"MinPrice": t.MinPrice, "MaxPrice": t.MaxPrice} {
		if p != nil && (p.Sign() < 0 || !p.IsRounded(ct.exponent)) {
			return nil, ladda.Errorf(ladda.Invalid, op, "%s %s must be non-negative with at most %d decimals", name, p, ct.exponent)
		}
	}
	if t.MinPrice != nil {
		ct.min = t.MinPrice.rat()
	}
	if t.MaxPrice != nil {
		ct.max = t.MaxPrice.rat()
	}
	if ct.min != nil && ct.max != nil && ct.min.Cmp(ct.max) > 0 {
		return nil, ladda.Errorf(ladda.Invalid, op, "MinPrice %s exceeds MaxPrice %s", t.MinPrice, t.MaxPrice)
	}
	for i := range t.Elements {
		e := &t.Elements[i]
		ce := element{src: e}
		for k := range ce.comp {
			ce.comp[k] = -1
		}
		if len(e.Components) == 0 {
			return nil, ladda.Errorf(ladda.Invalid, op, "element %d has no components", i)
		}
		for j, c := range e.Components {
			switch {
			case c.Type < Energy || c.Type > ParkingTime:
				return nil, ladda.Errorf(ladda.Invalid, op, "element %d: unknown component type %d", i, c.Type)
			case ce.comp[c.Type] >= 0:
				return nil, ladda.Errorf(ladda.Invalid, op, "element %d: two %s components", i, c.Type)
			case c.Price.Sign() < 0:
				return nil, ladda.Errorf(ladda.Invalid, op, "element %d: negative %s price", i, c.Type)
			case c.StepSize < 0:
				return nil, ladda.Errorf(ladda.Invalid, op, "element %d: negative %s step size", i, c.Type)
			}
			ce.comp[c.Type] = j
			ce.steps[c.Type] = c.StepSize
			sp, err := compileSpot(&c)
			if err != nil {
				return nil, ladda.Errorf(ladda.Invalid, op, "element %d: %s", i, err.Message)
			}
			ce.spot = sp
		}
		r, err := compileRestrictions(&e.Restrictions)
		if err != nil {
			return nil, ladda.Errorf(ladda.Invalid, op, "element %d: %s", i, err.Message)
		}
		ce.r = r
		ct.elements = append(ct.elements, ce)
	}
	return ct, nil
}

// compileSpot checks the schedule link of c and compiles it, or returns nil for a fixed price.
func compileSpot(c *Component) (*spot, *ladda.Error) {
	if c.Schedule == "" {
		if c.Markup != nil || c.MarkupPercent != nil || c.Floor != nil || c.Cap != nil {
			return nil, ladda.Errorf(ladda.Invalid, op, "%s component has a markup, floor or cap but no schedule", c.Type)
		}
		return nil, nil
	}
	if c.Type != Energy {
		return nil, ladda.Errorf(ladda.Invalid, op, "%s component follows schedule %q; only ENERGY may", c.Type, c.Schedule)
	}
	sp := &spot{name: c.Schedule, fallback: c.Price, factor: big.NewRat(1, 1), markup: new(big.Rat)}
	if c.Markup != nil {
		sp.markup = c.Markup.rat()
	}
	if c.MarkupPercent != nil {
		pct := c.MarkupPercent.rat()
		if pct.Cmp(big.NewRat(-100, 1)) < 0 {
			return nil, ladda.Errorf(ladda.Invalid, op, "markup percent %s is below -100", c.MarkupPercent)
		}
		sp.factor.Add(sp.factor, new(big.Rat).Quo(pct, big.NewRat(100, 1)))
	}
	if c.Floor != nil {
		sp.floor = c.Floor.rat()
	}
	if c.Cap != nil {
		sp.cap = c.Cap.rat()
	}
	if sp.floor != nil && sp.cap != nil && sp.floor.Cmp(sp.cap) > 0 {
		return nil, ladda.Errorf(ladda.Invalid, op, "floor %s exceeds cap %s", c.Floor, c.Cap)
	}
	return sp, nil
}

// link points each schedule-linked component of t at its schedule in schedules, checking the
// schedule, and returns the distinct schedules used.
func (t *tariff) link(schedules map[string]*PriceSchedule) ([]*PriceSchedule, error) {
	var used []*PriceSchedule
	for i := range t.elements {
		sp := t.elements[i].spot
		if sp == nil {
			continue
		}
		s := schedules[sp.name]
		switch {
		case s == nil:
			return nil, ladda.Errorf(ladda.Invalid, op, "element %d follows schedule %q, which the session lacks", i, sp.name)
		case s.Name != sp.name:
			return nil, ladda.Errorf(ladda.Invalid, op, "session holds schedule %q under the name %q", s.Name, sp.name)
		case s.Currency != t.currency:
			return nil, ladda.Errorf(ladda.Invalid, op, "schedule %q is in %s, the tariff in %s", s.Name, s.Currency, t.currency)
		}
		if !slices.Contains(used, s) {
			if err := s.Check(); err != nil {
				return nil, ladda.Errorf(ladda.Invalid, op, "%s", ladda.ErrorMessage(err))
			}
			used = append(used, s)
		}
		sp.sched = s
	}
	return used, nil
}

func compileRestrictions(r *Restrictions) (restrictions, *ladda.Error) {
	var c restrictions
	var err *ladda.Error
	for _, t := range r.ConnectorTypes {
		if t == "" || len(t) > 20 {
			return c, ladda.Errorf(ladda.Invalid, op, "connector type %q is not a name such as cCCS2", t)
		}
	}
	c.connectors = r.ConnectorTypes
	if c.startMin, err = parseClock(r.StartTime); err != nil {
		return c, err
	}
	if c.endMin, err = parseClock(r.EndTime); err != nil {
		return c, err
	}
	if c.startMin >= 0 && c.startMin == c.endMin {
		return c, ladda.Errorf(ladda.Invalid, op, "StartTime equals EndTime %s", r.EndTime)
	}
	if c.startDay, err = parseDate(r.StartDate); err != nil {
		return c, err
	}
	if c.endDay, err = parseDate(r.EndDate); err != nil {
		return c, err
	}
	for _, d := range r.DaysOfWeek {
		if d < time.Sunday || d > time.Saturday {
			return c, ladda.Errorf(ladda.Invalid, op, "bad weekday %d", d)
		}
		c.days |= 1 << d
	}
	thousand := big.NewRat(1000, 1)
	for _, q := range []struct {
		name string
		in   *Quantity
		out  **big.Rat
	}{{"MinKWh", r.MinKWh, &c.minWh}, {"MaxKWh", r.MaxKWh, &c.maxWh}, {"MinPowerKW", r.MinPowerKW, &c.minW}, {"MaxPowerKW", r.MaxPowerKW, &c.maxW}} {
		if q.in == nil {
			continue
		}
		if q.in.Sign() < 0 {
			return c, ladda.Errorf(ladda.Invalid, op, "negative %s", q.name)
		}
		*q.out = new(big.Rat).Mul(q.in.rat(), thousand)
	}
	for _, d := range []struct {
		name string
		in   *time.Duration
		out  *int64
	}{{"MinDuration", r.MinDuration, &c.minDur}, {"MaxDuration", r.MaxDuration, &c.maxDur}, {"MinParking", r.MinParking, &c.minParking}} {
		*d.out = -1
		if d.in == nil {
			continue
		}
		if *d.in < 0 {
			return c, ladda.Errorf(ladda.Invalid, op, "negative %s", d.name)
		}
		*d.out = int64(*d.in)
	}
	return c, nil
}

func isUpper(s string) bool {
	for _, c := range s {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// parseClock parses "HH:MM" into minutes after midnight, or -1 for "".
func parseClock(s string) (int, *ladda.Error) {
	if s == "" {
		return -1, nil
	}
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, ladda.Errorf(ladda.Invalid, op, "time %q is not HH:MM", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// parseDate parses "YYYY-MM-DD" into yyyymmdd, or 0 for "".
func parseDate(s string) (int, *ladda.Error) {
	if s == "" {
		return 0, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, ladda.Errorf(ladda.Invalid, op, "date %q is not YYYY-MM-DD", s)
	}
	return dayNumber(t), nil
}

func dayNumber(t time.Time) int {
	y, m, d := t.Date()
	return y*10000 + int(m)*100 + d
}

// state is what restrictions are evaluated against at the start of a slice.
type state struct {
	connector string    // the session's connector type; "" unknown
	at        time.Time // the instant itself
	local     time.Time
	elapsed   int64    // ns since the session started
	parked    *big.Rat // ns parked so far
	wh        *big.Rat // Wh delivered so far
	powerW    *big.Rat
}

func (r *restrictions) match(s *state) bool {
	if r.startMin >= 0 || r.endMin >= 0 {
		m := s.local.Hour()*60 + s.local.Minute()
		after := r.startMin < 0 || m >= r.startMin
		before := r.endMin < 0 || m < r.endMin
		if r.startMin >= 0 && r.endMin >= 0 && r.startMin > r.endMin {
			if !after && !before {
				return false
			}
		} else if !after || !before {
			return false
		}
	}
	if r.startDay != 0 || r.endDay != 0 {
		d := dayNumber(s.local)
		if (r.startDay != 0 && d < r.startDay) || (r.endDay != 0 && d >= r.endDay) {
			return false
		}
	}
	if r.days != 0 && r.days&(1<<s.local.Weekday()) == 0 {
		return false
	}
	if len(r.connectors) > 0 && !slices.Contains(r.connectors, s.connector) {
		return false
	}
	switch {
	case r.minWh != nil && s.wh.Cmp(r.minWh) < 0,
		r.maxWh != nil && s.wh.Cmp(r.maxWh) >= 0,
		r.minW != nil && s.powerW.Cmp(r.minW) < 0,
		r.maxW != nil && s.powerW.Cmp(r.maxW) >= 0,
		r.minDur >= 0 && s.elapsed < r.minDur,
		r.maxDur >= 0 && s.elapsed >= r.maxDur,
		r.minParking >= 0 && s.parked.Cmp(new(big.Rat).SetInt64(r.minParking)) < 0:
		return false
	}
	return true
}

// clocks returns the distinct StartTime and EndTime minutes of all elements, and midnight.
func (t *tariff) clocks() []int {
	m := []int{0}
	for _, e := range t.elements {
		for _, c := range []int{e.r.startMin, e.r.endMin} {
			if c > 0 {
				m = append(m, c)
			}
		}
	}
	slices.Sort(m)
	return slices.Compact(m)
}

// MarshalText writes the OCPI name of t.
func (t ComponentType) MarshalText() ([]byte, error) {
	if t == 0 || int(t) >= len(componentTypeNames) {
		return nil, ladda.Errorf(ladda.Invalid, "billing.ComponentType", "unknown component type %d", t)
	}
	return []byte(t.String()), nil
}

// UnmarshalText reads an OCPI name such as "PARKING_TIME".
func (t *ComponentType) UnmarshalText(b []byte) error {
	for i, name := range componentTypeNames {
		if i > 0 && name == string(b) {
			*t = ComponentType(i)
			return nil
		}
	}
	return ladda.Errorf(ladda.Invalid, "billing.ComponentType", "unknown component type %q (ENERGY, FLAT, TIME, PARKING_TIME)", b)
}
