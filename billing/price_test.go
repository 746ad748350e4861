package billing_test

import (
	"testing"
	"time"
	_ "time/tzdata" // Europe/Stockholm on any machine

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/billing"
)

// stockholm returns the Europe/Stockholm time zone.
func stockholm(tb testing.TB) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

// part is a period of a test session: its length, energy, and whether the car charges.
type part struct {
	d       time.Duration
	wh      int64
	parking bool
}

// charge is a charging part of d delivering wh.
func charge(d time.Duration, wh int64) part { return part{d: d, wh: wh} }

// park is a part of d connected without charging.
func park(d time.Duration) part { return part{d: d, parking: true} }

// session builds a session in loc starting at start ("2006-01-02 15:04" local) from parts.
func session(tb testing.TB, loc *time.Location, start string, parts ...part) billing.Session {
	tb.Helper()
	t, err := time.ParseInLocation("2006-01-02 15:04", start, loc)
	if err != nil {
		tb.Fatal(err)
	}
	s := billing.Session{Start: t, Location: loc}
	for _, p := range parts {
		power := int64(0)
		if !p.parking {
			power = 11000
		}
		s.Periods = append(s.Periods, billing.Period{Start: t, EnergyWh: p.wh, Charging: !p.parking, PowerW: power})
		t = t.Add(p.d)
	}
	s.End = t
	return s
}

// tariff builds a SEK tariff from elements.
func tariff(elements ...billing.Element) billing.Tariff {
	return billing.Tariff{ID: "t", Currency: "SEK", Elements: elements}
}

// elem builds an element of components and restrictions.
func elem(r billing.Restrictions, cs ...billing.Component) billing.Element {
	return billing.Element{Components: cs, Restrictions: r}
}

// comp builds a component of type typ at price per unit with step size step.
func comp(tb testing.TB, typ billing.ComponentType, price string, step int) billing.Component {
	tb.Helper()
	return billing.Component{Type: typ, Price: mustAmount(tb, price), StepSize: step}
}

func ptr[T any](v T) *T { return &v }

type none = billing.Restrictions

func TestPrice(t *testing.T) {
	t.Parallel()
	sto := stockholm(t)
	h := time.Hour
	tests := []struct {
		name   string
		tariff billing.Tariff
		s      billing.Session
		total  string
		lines  []string // "TYPE quantity x unit price = amount", in order
	}{
		{
			name:   "energy only",
			tariff: tariff(elem(none{}, comp(t, billing.Energy, "0.4567", 0))),
			s:      session(t, sto, "2026-05-12 10:00", charge(h, 10500)),
			total:  "4.80",
			lines:  []string{"ENERGY 10.5 x 0.4567 = 4.79535"},
		},
		{
			name:   "energy and time, parking free without a parking component",
			tariff: tariff(elem(none{}, comp(t, billing.Energy, "0.30", 0), comp(t, billing.Time, "2.00", 0))),
			s:      session(t, sto, "2026-05-12 10:00", charge(90*time.Minute, 20000), park(30*time.Minute)),
			total:  "9.00",
			lines:  []string{"ENERGY 20 x 0.3 = 6", "TIME 1.5 x 2 = 3"},
		},
		{
			name:   "peak from 06:00 to 18:00, crossing 18:00 on the day DST ends",
			tariff: peak(t),
			s:      session(t, sto, "2026-10-25 17:00", charge(2*h, 4000)),
			total:  "2.40",
			lines:  []string{"ENERGY 2 x 0.8 = 1.6", "ENERGY 2 x 0.4 = 0.8"},
		},
		{
			name:   "midnight to 07:00 on the day DST ends lasts 8 hours",
			tariff: peak(t),
			s:      session(t, sto, "2026-10-25 00:00", charge(8*h, 8000)),
			total:  "3.60",
			lines:  []string{"ENERGY 7 x 0.4 = 2.8", "ENERGY 1 x 0.8 = 0.8"},
		},
		{
			name:   "midnight to 07:00 on the day DST starts lasts 6 hours",
			tariff: peak(t),
			s:      session(t, sto, "2026-03-29 00:00", charge(6*h, 6000)),
			total:  "2.80",
			lines:  []string{"ENERGY 5 x 0.4 = 2", "ENERGY 1 x 0.8 = 0.8"},
		},
		{
			name: "02:30-03:00 happens twice on the day DST ends",
			tariff: tariff(
				elem(none{StartTime: "02:30", EndTime: "03:00"}, comp(t, billing.Energy, "1.00", 0)),
				elem(none{}, comp(t, billing.Energy, "0.10", 0)),
			),
			s:     session(t, sto, "2026-10-25 00:00", charge(5*h, 5000)),
			total: "1.40",
			lines: []string{"ENERGY 4 x 0.1 = 0.4", "ENERGY 1 x 1 = 1"},
		},
		{
			name:   "night 22:00-06:00 wraps midnight, evening",
			tariff: night(t),
			s:      session(t, sto, "2026-05-12 21:00", charge(2*h, 2000)),
			total:  "0.80",
			lines:  []string{"ENERGY 1 x 0.6 = 0.6", "ENERGY 1 x 0.2 = 0.2"},
		},
		{
			name:   "night 22:00-06:00 wraps midnight, whole night into the morning",
			tariff: night(t),
			s:      session(t, sto, "2026-05-12 20:00", charge(12*h, 12000)),
			total:  "4.00",
			lines:  []string{"ENERGY 4 x 0.6 = 2.4", "ENERGY 8 x 0.2 = 1.6"},
		},
		{
			name: "weekend price from Saturday midnight",
			tariff: tariff(
				elem(none{DaysOfWeek: []time.Weekday{time.Saturday, time.Sunday}}, comp(t, billing.Energy, "0.25", 0)),
				elem(none{}, comp(t, billing.Energy, "0.50", 0)),
			),
			s:     session(t, sto, "2026-05-15 23:00", charge(2*h, 2000)),
			total: "0.75",
			lines: []string{"ENERGY 1 x 0.5 = 0.5", "ENERGY 1 x 0.25 = 0.25"},
		},
		{
			name:   "parking after a 15-minute grace period",
			tariff: grace(t),
			s:      session(t, sto, "2026-05-12 10:00", charge(h, 10000), park(45*time.Minute)),
			total:  "7.00",
			lines:  []string{"ENERGY 10 x 0.4 = 4", "PARKING_TIME 0.5 x 6 = 3"},
		},
		{
			name:   "parking within the grace period is free",
			tariff: grace(t),
			s:      session(t, sto, "2026-05-12 10:00", charge(h, 10000), park(10*time.Minute)),
			total:  "4.00",
			lines:  []string{"ENERGY 10 x 0.4 = 4"},
		},
		{
			name:   "grace period counts all parking of the session",
			tariff: grace(t),
			s:      session(t, sto, "2026-05-12 10:00", park(10*time.Minute), charge(h, 10000), park(35*time.Minute)),
			total:  "7.00",
			lines:  []string{"ENERGY 10 x 0.4 = 4", "PARKING_TIME 0.5 x 6 = 3"},
		},
		{
			name:   "per-minute billing rounds 10m30s up to 11 minutes",
			tariff: tariff(elem(none{}, comp(t, billing.Time, "6.00", 60))),
			s:      session(t, sto, "2026-05-12 10:00", charge(10*time.Minute+30*time.Second, 0)),
			total:  "1.10",
			lines:  []string{"TIME 0.183333333333 x 6 = 1.1"},
		},
		{
			name:   "energy steps of 100 Wh round 1234 Wh up to 1300 Wh",
			tariff: tariff(elem(none{}, comp(t, billing.Energy, "0.50", 100))),
			s:      session(t, sto, "2026-05-12 10:00", charge(h, 1234)),
			total:  "0.65",
			lines:  []string{"ENERGY 1.3 x 0.5 = 0.65"},
		},
		{
			name: "step size of the last component used applies to the dimension's total",
			tariff: tariff(
				elem(none{MaxKWh: ptr(mustQuantity(t, "1"))}, comp(t, billing.Energy, "1.00", 1)),
				elem(none{}, comp(t, billing.Energy, "0.50", 1000)),
			),
			s:     session(t, sto, "2026-05-12 10:00", charge(h, 1500)),
			total: "1.50",
			lines: []string{"ENERGY 1 x 1 = 1", "ENERGY 1 x 0.5 = 0.5"},
		},
		{
			name:   "flat fee once per session",
			tariff: tariff(elem(none{}, comp(t, billing.Flat, "1.50", 0), comp(t, billing.Energy, "0.30", 0))),
			s:      session(t, sto, "2026-05-12 10:00", charge(h, 2500), park(h), charge(h, 2500)),
			total:  "3.00",
			lines:  []string{"FLAT 1 x 1.5 = 1.5", "ENERGY 5 x 0.3 = 1.5"},
		},
		{
			name:   "minimum price",
			tariff: bounded(t, tariff(elem(none{}, comp(t, billing.Energy, "0.30", 0))), "2.00", ""),
			s:      session(t, sto, "2026-05-12 10:00", charge(h, 1000)),
			total:  "2.00",
			lines:  []string{"ENERGY 1 x 0.3 = 0.3", "ADJUSTMENT 1 x 1.7 = 1.7"},
		},
		{
			name:   "maximum price",
			tariff: bounded(t, tariff(elem(none{}, comp(t, billing.Energy, "0.30", 0))), "", "10.00"),
			s:      session(t, sto, "2026-05-12 10:00", charge(5*h, 50000)),
			total:  "10.00",
			lines:  []string{"ENERGY 50 x 0.3 = 15", "ADJUSTMENT 1 x -5 = -5"},
		},
		{
			name: "New Year's Eve into a new year's price",
			tariff: tariff(
				elem(none{EndDate: "2027-01-01"}, comp(t, billing.Energy, "0.40", 0)),
				elem(none{StartDate: "2027-01-01"}, comp(t, billing.Energy, "0.50", 0)),
			),
			s:     session(t, sto, "2026-12-31 23:00", charge(2*h, 2000)),
			total: "0.90",
			lines: []string{"ENERGY 1 x 0.4 = 0.4", "ENERGY 1 x 0.5 = 0.5"},
		},
		{
			name: "cheaper energy from 20 kWh on, threshold inside a period",
			tariff: tariff(
				elem(none{MinKWh: ptr(mustQuantity(t, "20"))}, comp(t, billing.Energy, "0.20", 0)),
				elem(none{}, comp(t, billing.Energy, "0.50", 0)),
			),
			s:     session(t, sto, "2026-05-12 10:00", charge(h, 15000), charge(h, 15000)),
			total: "12.00",
			lines: []string{"ENERGY 20 x 0.5 = 10", "ENERGY 10 x 0.2 = 2"},
		},
		{
			name: "time price rises after two hours and for fast charging",
			tariff: tariff(
				elem(none{MinPowerKW: ptr(mustQuantity(t, "50"))}, comp(t, billing.Time, "10.00", 0)),
				elem(none{MinDuration: ptr(2 * h)}, comp(t, billing.Time, "3.00", 0)),
				elem(none{}, comp(t, billing.Time, "1.00", 0)),
			),
			s:     session(t, sto, "2026-05-12 10:00", charge(3*h, 0)),
			total: "5.00",
			lines: []string{"TIME 2 x 1 = 2", "TIME 1 x 3 = 3"},
		},
		{
			name:   "yen have no minor unit",
			tariff: billing.Tariff{Currency: "JPY", Elements: []billing.Element{elem(none{}, comp(t, billing.Energy, "35.5", 0))}},
			s:      session(t, sto, "2026-05-12 10:00", charge(h, 3000)),
			total:  "107",
			lines:  []string{"ENERGY 3 x 35.5 = 106.5"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := billing.Price(tt.tariff, tt.s)
			if err != nil {
				t.Fatal(err)
			}
			if got := b.Total.Format(billing.Exponent(tt.tariff.Currency)); got != tt.total {
				t.Errorf("Total = %s, want %s", got, tt.total)
			}
			if b.Currency != tt.tariff.Currency {
				t.Errorf("Currency = %s, want %s", b.Currency, tt.tariff.Currency)
			}
			var got []string
			sum := billing.Amount{}
			for _, l := range b.Lines {
				got = append(got, l.Type.String()+" "+l.Quantity.String()+" x "+l.UnitPrice.String()+" = "+l.Amount.String())
				sum = sum.Add(l.Amount)
				if l.From.Before(tt.s.Start) || l.To.After(tt.s.End) || l.To.Before(l.From) {
					t.Errorf("line %s spans %s..%s, outside the session", l.Type, l.From, l.To)
				}
			}
			if len(got) != len(tt.lines) {
				t.Fatalf("lines = %q, want %q", got, tt.lines)
			}
			for i := range got {
				if got[i] != tt.lines[i] {
					t.Errorf("line %d = %q, want %q", i, got[i], tt.lines[i])
				}
			}
			if sum.Round(billing.Exponent(tt.tariff.Currency)).Cmp(b.Total) != 0 {
				t.Errorf("lines sum to %s, total is %s", sum, b.Total)
			}
		})
	}
}

// peak is 0.80/kWh from 06:00 to 18:00 and 0.40/kWh otherwise.
func peak(tb testing.TB) billing.Tariff {
	return tariff(
		elem(none{StartTime: "06:00", EndTime: "18:00"}, comp(tb, billing.Energy, "0.80", 0)),
		elem(none{}, comp(tb, billing.Energy, "0.40", 0)),
	)
}

// night is 0.20/kWh from 22:00 to 06:00 and 0.60/kWh otherwise.
func night(tb testing.TB) billing.Tariff {
	return tariff(
		elem(none{StartTime: "22:00", EndTime: "06:00"}, comp(tb, billing.Energy, "0.20", 0)),
		elem(none{}, comp(tb, billing.Energy, "0.60", 0)),
	)
}

// grace is 0.40/kWh, and 6.00/h of parking after 15 minutes of parking.
func grace(tb testing.TB) billing.Tariff {
	return tariff(
		elem(none{}, comp(tb, billing.Energy, "0.40", 0)),
		elem(none{MinParking: ptr(15 * time.Minute)}, comp(tb, billing.ParkingTime, "6.00", 0)),
	)
}

// bounded returns t with MinPrice and MaxPrice set from min and max ("" for none).
func bounded(tb testing.TB, t billing.Tariff, min, max string) billing.Tariff {
	if min != "" {
		t.MinPrice = ptr(mustAmount(tb, min))
	}
	if max != "" {
		t.MaxPrice = ptr(mustAmount(tb, max))
	}
	return t
}

func TestPriceInvalid(t *testing.T) {
	t.Parallel()
	sto := stockholm(t)
	ok := tariff(elem(none{}, comp(t, billing.Energy, "0.30", 0)))
	good := session(t, sto, "2026-05-12 10:00", charge(time.Hour, 1000), park(time.Hour))
	withTariff := func(f func(*billing.Tariff)) billing.Tariff {
		tt := tariff(elem(none{}, comp(t, billing.Energy, "0.30", 0)))
		f(&tt)
		return tt
	}
	withRestrictions := func(r billing.Restrictions) billing.Tariff {
		return tariff(elem(r, comp(t, billing.Energy, "0.30", 0)))
	}
	withSession := func(f func(*billing.Session)) billing.Session {
		s := session(t, sto, "2026-05-12 10:00", charge(time.Hour, 1000), park(time.Hour))
		f(&s)
		return s
	}
	tests := []struct {
		name   string
		tariff billing.Tariff
		s      billing.Session
	}{
		{"lower-case currency", withTariff(func(t *billing.Tariff) { t.Currency = "sek" }), good},
		{"four-letter currency", withTariff(func(t *billing.Tariff) { t.Currency = "SEKK" }), good},
		{"no elements", billing.Tariff{Currency: "SEK"}, good},
		{"element without components", tariff(billing.Element{}), good},
		{"negative price", tariff(elem(none{}, comp(t, billing.Energy, "-0.30", 0))), good},
		{"negative step", tariff(elem(none{}, comp(t, billing.Energy, "0.30", -1))), good},
		{"unknown component type", tariff(elem(none{}, comp(t, billing.Adjustment, "0.30", 0))), good},
		{"two energy components", tariff(elem(none{}, comp(t, billing.Energy, "0.30", 0), comp(t, billing.Energy, "0.40", 0))), good},
		{"hour 25", withRestrictions(none{StartTime: "25:00"}), good},
		{"single-digit hour", withRestrictions(none{EndTime: "7:00"}), good},
		{"not a time", withRestrictions(none{StartTime: "noon"}), good},
		{"empty time range", withRestrictions(none{StartTime: "08:00", EndTime: "08:00"}), good},
		{"bad date", withRestrictions(none{StartDate: "2026-02-30"}), good},
		{"bad weekday", withRestrictions(none{DaysOfWeek: []time.Weekday{7}}), good},
		{"negative kWh", withRestrictions(none{MinKWh: ptr(mustQuantity(t, "-1"))}), good},
		{"negative duration", withRestrictions(none{MaxDuration: ptr(-time.Minute)}), good},
		{"min price above max price", bounded(t, ok, "5.00", "4.00"), good},
		{"max price finer than the minor unit", bounded(t, ok, "", "4.005"), good},
		{"no location", ok, withSession(func(s *billing.Session) { s.Location = nil })},
		{"no periods", ok, withSession(func(s *billing.Session) { s.Periods = nil })},
		{"ends before it starts", ok, withSession(func(s *billing.Session) { s.End = s.Start })},
		{"first period after the start", ok, withSession(func(s *billing.Session) { s.Periods[0].Start = s.Start.Add(time.Minute) })},
		{"periods out of order", ok, withSession(func(s *billing.Session) { s.Periods[1].Start = s.Start })},
		{"period after the end", ok, withSession(func(s *billing.Session) { s.Periods[1].Start = s.End })},
		{"negative energy", ok, withSession(func(s *billing.Session) { s.Periods[0].EnergyWh = -1 })},
		{"negative power", ok, withSession(func(s *billing.Session) { s.Periods[0].PowerW = -1 })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := billing.Price(tt.tariff, tt.s)
			if !ladda.IsKind(err, ladda.Invalid) || b != nil {
				t.Errorf("Price = %v, %v; want nil, an Invalid error", b, err)
			}
		})
	}
}

// An element that names connector types prices only sessions at those connectors.
func TestPriceByConnectorType(t *testing.T) {
	t.Parallel()
	dc, _ := billing.ParseAmount("0.60")
	ac, _ := billing.ParseAmount("0.35")
	tariff := billing.Tariff{Currency: "EUR", Elements: []billing.Element{
		{Components: []billing.Component{{Type: billing.Energy, Price: dc}}, Restrictions: billing.Restrictions{ConnectorTypes: []string{"cCCS2", "cCHAdeMO"}}},
		{Components: []billing.Component{{Type: billing.Energy, Price: ac}}},
	}}
	start := time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)
	for typ, want := range map[string]string{"cCCS2": "6", "cCHAdeMO": "6", "cType2": "3.5", "": "3.5"} {
		bill, err := billing.Price(tariff, billing.Session{Start: start, End: start.Add(time.Hour), Location: time.UTC, ConnectorType: typ,
			Periods: []billing.Period{{Start: start, EnergyWh: 10000, Charging: true, PowerW: 10000}}})
		if err != nil || bill.Total.String() != want {
			t.Errorf("connector %q: %v, %v; want %s", typ, bill, err, want)
		}
	}
	bad := tariff
	bad.Elements = []billing.Element{{Components: tariff.Elements[1].Components, Restrictions: billing.Restrictions{ConnectorTypes: []string{""}}}}
	if err := bad.Check(); err == nil {
		t.Error("an empty connector type was accepted")
	}
}
