package billing_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/billing"
)

// hourly builds a SEK schedule named name of one point an hour from start ("2006-01-02 15:04"
// in loc) at prices.
func hourly(tb testing.TB, name string, loc *time.Location, start string, prices ...string) *billing.PriceSchedule {
	tb.Helper()
	t, err := time.ParseInLocation("2006-01-02 15:04", start, loc)
	if err != nil {
		tb.Fatal(err)
	}
	s := &billing.PriceSchedule{Name: name, Currency: "SEK"}
	for i, p := range prices {
		s.Points = append(s.Points, billing.PricePoint{Start: t.Add(time.Duration(i) * time.Hour), Price: mustAmount(tb, p)})
	}
	return s
}

// spotLink sets the schedule link of an Energy component.
type spotLink struct {
	schedule                   string
	markup, percent, floor, cp string // "" for none
}

// spotComp builds an Energy component at fallback price following link.
func spotComp(tb testing.TB, fallback string, step int, link spotLink) billing.Component {
	tb.Helper()
	c := comp(tb, billing.Energy, fallback, step)
	c.Schedule = link.schedule
	for _, f := range []struct {
		in  string
		out **billing.Amount
	}{{link.markup, &c.Markup}, {link.floor, &c.Floor}, {link.cp, &c.Cap}} {
		if f.in != "" {
			*f.out = ptr(mustAmount(tb, f.in))
		}
	}
	if link.percent != "" {
		c.MarkupPercent = ptr(mustQuantity(tb, link.percent))
	}
	return c
}

// withSchedules returns s carrying schedules under their names.
func withSchedules(s billing.Session, schedules ...*billing.PriceSchedule) billing.Session {
	s.Schedules = map[string]*billing.PriceSchedule{}
	for _, sc := range schedules {
		s.Schedules[sc.Name] = sc
	}
	return s
}

func TestPriceSpot(t *testing.T) {
	t.Parallel()
	sto := stockholm(t)
	h := time.Hour
	spot := func(link spotLink) billing.Tariff {
		link.schedule = "se3"
		return tariff(elem(none{}, spotComp(t, "0.90", 0, link)))
	}
	partial := hourly(t, "se3", sto, "2026-05-12 11:00", "0.20", "0.30")
	partial.Step = 30 * time.Minute
	eur := hourly(t, "eu", sto, "2026-05-12 10:00", "5.00")
	eur.Currency = "EUR"
	tests := []struct {
		name   string
		tariff billing.Tariff
		s      billing.Session
		total  string
		lines  []string // "TYPE quantity x unit price = amount", in order
		from   []string // when set, each line's From as "15:04 -0700"
	}{
		{
			name:   "hourly spot prices, one line per distinct price",
			tariff: spot(spotLink{}),
			s:      withSchedules(session(t, sto, "2026-05-12 10:30", charge(3*h, 3000)), hourly(t, "se3", sto, "2026-05-12 10:00", "0.50", "1.20", "0.50", "0.80")),
			total:  "2.35",
			lines:  []string{"ENERGY 1.5 x 0.5 = 0.75", "ENERGY 1 x 1.2 = 1.2", "ENERGY 0.5 x 0.8 = 0.4"},
			from:   []string{"10:30 +0200", "11:00 +0200", "13:00 +0200"},
		},
		{
			name:   "percent on the spot price, then the markup",
			tariff: spot(spotLink{percent: "25", markup: "0.10"}),
			s:      withSchedules(session(t, sto, "2026-05-12 10:00", charge(2*h, 2000)), hourly(t, "se3", sto, "2026-05-12 10:00", "0.40", "1.00")),
			total:  "1.95",
			lines:  []string{"ENERGY 1 x 0.6 = 0.6", "ENERGY 1 x 1.35 = 1.35"},
		},
		{
			name:   "floor and cap bound the price after the markup",
			tariff: spot(spotLink{markup: "0.05", floor: "0.20", cp: "2.00"}),
			s:      withSchedules(session(t, sto, "2026-05-12 10:00", charge(3*h, 3000)), hourly(t, "se3", sto, "2026-05-12 10:00", "0.10", "0.50", "3.00")),
			total:  "2.75",
			lines:  []string{"ENERGY 1 x 0.2 = 0.2", "ENERGY 1 x 0.55 = 0.55", "ENERGY 1 x 2 = 2"},
		},
		{
			name:   "a negative spot price is raised to the floor",
			tariff: spot(spotLink{markup: "0.10", floor: "0"}),
			s:      withSchedules(session(t, sto, "2026-05-12 10:00", charge(2*h, 2000)), hourly(t, "se3", sto, "2026-05-12 10:00", "-0.25", "0.30")),
			total:  "0.40",
			lines:  []string{"ENERGY 1 x 0 = 0", "ENERGY 1 x 0.4 = 0.4"},
		},
		{
			name:   "a negative spot price without a floor is a credit",
			tariff: spot(spotLink{markup: "0.10"}),
			s:      withSchedules(session(t, sto, "2026-05-12 10:00", charge(h, 1000), charge(h, 3000)), hourly(t, "se3", sto, "2026-05-12 10:00", "-0.50", "0.30")),
			total:  "0.80",
			lines:  []string{"ENERGY 1 x -0.4 = -0.4", "ENERGY 3 x 0.4 = 1.2"},
		},
		{
			name:   "MinPrice keeps a credit from making the total negative",
			tariff: bounded(t, spot(spotLink{markup: "0.10"}), "0.00", ""),
			s:      withSchedules(session(t, sto, "2026-05-12 10:00", charge(h, 2000)), hourly(t, "se3", sto, "2026-05-12 10:00", "-0.50")),
			total:  "0.00",
			lines:  []string{"ENERGY 2 x -0.4 = -0.8", "ADJUSTMENT 1 x 0.8 = 0.8"},
		},
		{
			name:   "instants the schedule does not cover fall back to Price, without markup",
			tariff: spot(spotLink{markup: "0.05"}),
			s:      withSchedules(session(t, sto, "2026-05-12 10:00", charge(4*h, 4000)), partial),
			total:  "2.68",
			lines:  []string{"ENERGY 2.5 x 0.9 = 2.25", "ENERGY 1 x 0.25 = 0.25", "ENERGY 0.5 x 0.35 = 0.175"},
			from:   []string{"10:00 +0200", "11:00 +0200", "12:00 +0200"},
		},
		{
			name:   "a schedule in UTC instants on the day DST ends: 02:00-03:00 twice, at two prices",
			tariff: spot(spotLink{}),
			s: withSchedules(session(t, sto, "2026-10-25 00:00", charge(7*h, 7000)),
				hourly(t, "se3", time.UTC, "2026-10-24 22:00", "0.10", "0.20", "0.30", "0.40", "0.50", "0.60", "0.70")),
			total: "2.80",
			lines: []string{"ENERGY 1 x 0.1 = 0.1", "ENERGY 1 x 0.2 = 0.2", "ENERGY 1 x 0.3 = 0.3", "ENERGY 1 x 0.4 = 0.4", "ENERGY 1 x 0.5 = 0.5", "ENERGY 1 x 0.6 = 0.6", "ENERGY 1 x 0.7 = 0.7"},
			from:  []string{"00:00 +0200", "01:00 +0200", "02:00 +0200", "02:00 +0100", "03:00 +0100", "04:00 +0100", "05:00 +0100"},
		},
		{
			name:   "a schedule in UTC instants on the day DST starts: no 02:00",
			tariff: spot(spotLink{}),
			s: withSchedules(session(t, sto, "2026-03-29 00:00", charge(5*h, 5000)),
				hourly(t, "se3", time.UTC, "2026-03-28 23:00", "0.10", "0.20", "0.30", "0.40", "0.50")),
			total: "1.50",
			lines: []string{"ENERGY 1 x 0.1 = 0.1", "ENERGY 1 x 0.2 = 0.2", "ENERGY 1 x 0.3 = 0.3", "ENERGY 1 x 0.4 = 0.4", "ENERGY 1 x 0.5 = 0.5"},
			from:  []string{"00:00 +0100", "01:00 +0100", "03:00 +0200", "04:00 +0200", "05:00 +0200"},
		},
		{
			name: "an earlier element's fixed peak price wins over the spot price",
			tariff: tariff(
				elem(none{StartTime: "17:00", EndTime: "19:00"}, comp(t, billing.Energy, "2.00", 0)),
				elem(none{}, spotComp(t, "0.90", 0, spotLink{schedule: "se3"})),
			),
			s:     withSchedules(session(t, sto, "2026-05-12 16:00", charge(4*h, 4000)), hourly(t, "se3", sto, "2026-05-12 16:00", "0.30", "0.40", "0.50", "0.60")),
			total: "4.90",
			lines: []string{"ENERGY 1 x 0.3 = 0.3", "ENERGY 2 x 2 = 4", "ENERGY 1 x 0.6 = 0.6"},
		},
		{
			name: "a kWh threshold inside an hour of spot prices",
			tariff: tariff(
				elem(none{MinKWh: ptr(mustQuantity(t, "2.5"))}, comp(t, billing.Energy, "0.05", 0)),
				elem(none{}, spotComp(t, "0.90", 0, spotLink{schedule: "se3"})),
			),
			s:     withSchedules(session(t, sto, "2026-05-12 10:00", charge(2*h, 4000)), hourly(t, "se3", sto, "2026-05-12 10:00", "0.40", "0.80")),
			total: "1.28",
			lines: []string{"ENERGY 2 x 0.4 = 0.8", "ENERGY 0.5 x 0.8 = 0.4", "ENERGY 1.5 x 0.05 = 0.075"},
		},
		{
			name:   "a step size charges the extra at the last price used",
			tariff: tariff(elem(none{}, spotComp(t, "0.90", 1000, spotLink{schedule: "se3"}))),
			s:      withSchedules(session(t, sto, "2026-05-12 10:00", charge(2*h, 1500)), hourly(t, "se3", sto, "2026-05-12 10:00", "0.20", "0.60")),
			total:  "0.90",
			lines:  []string{"ENERGY 0.75 x 0.2 = 0.15", "ENERGY 1.25 x 0.6 = 0.75"},
		},
		{
			name:   "the unit price is exact, not rounded",
			tariff: spot(spotLink{percent: "12.5"}),
			s:      withSchedules(session(t, sto, "2026-05-12 10:00", charge(h, 1000)), hourly(t, "se3", sto, "2026-05-12 10:00", "0.12345")),
			total:  "0.14",
			lines:  []string{"ENERGY 1 x 0.13888125 = 0.13888125"},
		},
		{
			name:   "a schedule the tariff does not follow is ignored",
			tariff: tariff(elem(none{}, comp(t, billing.Energy, "0.30", 0))),
			s:      withSchedules(session(t, sto, "2026-05-12 10:00", charge(h, 1000)), eur),
			total:  "0.30",
			lines:  []string{"ENERGY 1 x 0.3 = 0.3"},
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
			var got, from []string
			sum := billing.Amount{}
			for _, l := range b.Lines {
				got = append(got, l.Type.String()+" "+l.Quantity.String()+" x "+l.UnitPrice.String()+" = "+l.Amount.String())
				from = append(from, l.From.Format("15:04 -0700"))
				sum = sum.Add(l.Amount)
			}
			if len(got) != len(tt.lines) {
				t.Fatalf("lines = %q, want %q", got, tt.lines)
			}
			for i := range got {
				if got[i] != tt.lines[i] {
					t.Errorf("line %d = %q, want %q", i, got[i], tt.lines[i])
				}
				if tt.from != nil && from[i] != tt.from[i] {
					t.Errorf("line %d from %s, want %s", i, from[i], tt.from[i])
				}
			}
			if sum.Round(billing.Exponent(tt.tariff.Currency)).Cmp(b.Total) != 0 {
				t.Errorf("lines sum to %s, total is %s", sum, b.Total)
			}
		})
	}
}

func TestPriceSpotInvalid(t *testing.T) {
	t.Parallel()
	sto := stockholm(t)
	linked := func(link spotLink) billing.Tariff {
		return tariff(elem(none{}, spotComp(t, "0.90", 0, link)))
	}
	ok := linked(spotLink{schedule: "se3"})
	good := hourly(t, "se3", sto, "2026-05-12 10:00", "0.50", "0.60")
	s := session(t, sto, "2026-05-12 10:00", charge(2*time.Hour, 2000))
	withSchedule := func(f func(*billing.PriceSchedule)) billing.Session {
		sc := *good
		sc.Points = append([]billing.PricePoint(nil), good.Points...)
		f(&sc)
		return withSchedules(s, &sc)
	}
	timeLinked := comp(t, billing.Time, "1.00", 0)
	timeLinked.Schedule = "se3"
	tests := []struct {
		name   string
		tariff billing.Tariff
		s      billing.Session
	}{
		{"a TIME component follows a schedule", tariff(elem(none{}, timeLinked)), withSchedules(s, good)},
		{"markup without a schedule", linked(spotLink{markup: "0.10"}), withSchedules(s, good)},
		{"cap without a schedule", linked(spotLink{cp: "1.00"}), withSchedules(s, good)},
		{"floor above cap", linked(spotLink{schedule: "se3", floor: "1.00", cp: "0.50"}), withSchedules(s, good)},
		{"markup percent below -100", linked(spotLink{schedule: "se3", percent: "-101"}), withSchedules(s, good)},
		{"negative fallback price", tariff(elem(none{}, spotComp(t, "-0.10", 0, spotLink{schedule: "se3"}))), withSchedules(s, good)},
		{"session without schedules", ok, s},
		{"session lacks the schedule", ok, withSchedules(s, hourly(t, "se4", sto, "2026-05-12 10:00", "0.50"))},
		{"nil schedule", ok, billing.Session{Start: s.Start, End: s.End, Location: s.Location, Periods: s.Periods, Schedules: map[string]*billing.PriceSchedule{"se3": nil}}},
		{"schedule under another name", ok, billing.Session{Start: s.Start, End: s.End, Location: s.Location, Periods: s.Periods, Schedules: map[string]*billing.PriceSchedule{"se3": hourly(t, "se4", sto, "2026-05-12 10:00", "0.50")}}},
		{"schedule in another currency", ok, withSchedule(func(sc *billing.PriceSchedule) { sc.Currency = "EUR" })},
		{"schedule points out of order", ok, withSchedule(func(sc *billing.PriceSchedule) { sc.Points[0], sc.Points[1] = sc.Points[1], sc.Points[0] })},
		{"schedule points at the same instant", ok, withSchedule(func(sc *billing.PriceSchedule) { sc.Points[1].Start = sc.Points[0].Start })},
		{"negative schedule step", ok, withSchedule(func(sc *billing.PriceSchedule) { sc.Step = -time.Hour })},
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

// A tariff's link to a schedule is checked without the schedule; the session brings it.
func TestTariffCheckSpot(t *testing.T) {
	t.Parallel()
	ok := tariff(elem(none{}, spotComp(t, "0.90", 0, spotLink{schedule: "se3", markup: "0.10", percent: "-100", floor: "0", cp: "0"})))
	if err := ok.Check(); err != nil {
		t.Errorf("Check = %v, want nil", err)
	}
	bad := tariff(elem(none{}, spotComp(t, "0.90", 0, spotLink{floor: "0"})))
	if err := bad.Check(); !ladda.IsKind(err, ladda.Invalid) {
		t.Errorf("Check of a floor without a schedule = %v, want Invalid", err)
	}
}

func TestPriceScheduleCheck(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 5, 12, 8, 0, 0, 0, time.UTC)
	point := func(minutes int, price string) billing.PricePoint {
		return billing.PricePoint{Start: at.Add(time.Duration(minutes) * time.Minute), Price: mustAmount(t, price)}
	}
	tests := []struct {
		name string
		s    billing.PriceSchedule
		ok   bool
	}{
		{"hourly", billing.PriceSchedule{Name: "se3", Currency: "SEK", Points: []billing.PricePoint{point(0, "0.5"), point(60, "0.6")}}, true},
		{"negative prices", billing.PriceSchedule{Name: "se3", Currency: "SEK", Points: []billing.PricePoint{point(0, "-0.5"), point(60, "-0.000001")}}, true},
		{"irregular, with a 15-minute step", billing.PriceSchedule{Name: "se3", Currency: "SEK", Step: 15 * time.Minute, Points: []billing.PricePoint{point(0, "0.5"), point(15, "0.6"), point(90, "0.7")}}, true},
		{"no points", billing.PriceSchedule{Name: "se3", Currency: "SEK"}, true},
		{"blank name", billing.PriceSchedule{Name: " ", Currency: "SEK"}, false},
		{"lower-case currency", billing.PriceSchedule{Name: "se3", Currency: "sek"}, false},
		{"negative step", billing.PriceSchedule{Name: "se3", Currency: "SEK", Step: -time.Hour}, false},
		{"step in fractions of a second", billing.PriceSchedule{Name: "se3", Currency: "SEK", Step: 1500 * time.Millisecond}, false},
		{"points out of order", billing.PriceSchedule{Name: "se3", Currency: "SEK", Points: []billing.PricePoint{point(60, "0.5"), point(0, "0.6")}}, false},
		{"two points at one instant", billing.PriceSchedule{Name: "se3", Currency: "SEK", Points: []billing.PricePoint{point(0, "0.5"), point(0, "0.6")}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.s.Check()
			if tt.ok && err != nil {
				t.Errorf("Check = %v, want nil", err)
			}
			if !tt.ok && !ladda.IsKind(err, ladda.Invalid) {
				t.Errorf("Check = %v, want Invalid", err)
			}
		})
	}
}

func TestPriceScheduleAt(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 5, 12, 8, 0, 0, 0, time.UTC)
	s := billing.PriceSchedule{Name: "se3", Currency: "SEK", Step: 15 * time.Minute, Points: []billing.PricePoint{
		{Start: at, Price: mustAmount(t, "0.5")},
		{Start: at.Add(time.Hour), Price: mustAmount(t, "-0.2")},
		{Start: at.Add(3 * time.Hour), Price: mustAmount(t, "0.3")},
	}}
	tests := []struct {
		t    time.Time
		want string // "" when not covered
	}{
		{at.Add(-time.Nanosecond), ""},
		{at, "0.5"},
		{at.In(stockholm(t)), "0.5"},
		{at.Add(time.Hour - time.Nanosecond), "0.5"},
		{at.Add(time.Hour), "-0.2"},
		{at.Add(150 * time.Minute), "-0.2"},
		{at.Add(3*time.Hour + 15*time.Minute - time.Nanosecond), "0.3"},
		{at.Add(3*time.Hour + 15*time.Minute), ""},
	}
	for _, tt := range tests {
		got, ok := s.At(tt.t)
		if (tt.want == "") == ok || (ok && got.String() != tt.want) {
			t.Errorf("At(%s) = %s, %t; want %q", tt.t, got, ok, tt.want)
		}
	}
	s.Step = 0 // one hour
	if got, ok := s.At(at.Add(3*time.Hour + 59*time.Minute)); !ok || got.String() != "0.3" {
		t.Errorf("with the default step, At(last point + 59m) = %s, %t; want 0.3", got, ok)
	}
	if _, ok := (&billing.PriceSchedule{Name: "none", Currency: "SEK"}).At(at); ok {
		t.Error("an empty schedule covers an instant")
	}
}

// Schedules travel in JSON with prices as text and the step in seconds.
func TestPriceScheduleJSON(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		`{"name":"se3","currency":"SEK","step":900,"points":[{"start":"2026-05-12T08:00:00Z","price":"0.4567"},{"start":"2026-05-12T08:15:00Z","price":"-0.01"}]}`,
		`{"name":"se3","currency":"SEK","points":[]}`,
	} {
		var s billing.PriceSchedule
		if err := json.Unmarshal([]byte(in), &s); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if err := s.Check(); err != nil {
			t.Errorf("%s: %v", in, err)
		}
		out, err := json.Marshal(s)
		if err != nil || string(out) != in {
			t.Errorf("round trip: %s, %v; want %s", out, err, in)
		}
	}
	var s billing.PriceSchedule
	if err := json.Unmarshal([]byte(`{"name":"se3","currency":"SEK","step":900,"points":[]}`), &s); err != nil || s.Step != 15*time.Minute {
		t.Errorf("step 900 decoded as %s, %v", s.Step, err)
	}
	for _, bad := range []string{
		`{"name":"se3","currency":"SEK","step":-1,"points":[]}`,
		`{"name":"se3","currency":"SEK","step":1.5,"points":[]}`,
		`{"name":"se3","currency":"SEK","points":[{"start":"2026-05-12T08:00:00Z","price":0.5}]}`,
		`{"name":"se3","currency":"SEK","points":[],"area":"SE3"}`,
	} {
		if err := json.Unmarshal([]byte(bad), &s); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

// A component's schedule link travels in JSON beside its price, and a fixed price has none.
func TestComponentJSON(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		`{"type":"ENERGY","price":"0.3"}`,
		`{"type":"ENERGY","price":"0.9","schedule":"se3","markup":"0.1","markupPercent":"25","floor":"0","cap":"3"}`,
	} {
		var c billing.Component
		if err := json.Unmarshal([]byte(in), &c); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		out, err := json.Marshal(c)
		if err != nil || string(out) != in {
			t.Errorf("round trip: %s, %v; want %s", out, err, in)
		}
	}
}
