package billing_test

import (
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/billing"
)

// subPlan is a SEK plan with a fee, included kWh and a discount in percent.
func subPlan(tb testing.TB, fee, kWh, discount string) billing.Plan {
	tb.Helper()
	return billing.Plan{ID: 1, Name: "Plus", Currency: "SEK", MonthlyFee: mustAmount(tb, fee),
		IncludedKWh: mustQuantity(tb, kWh), DiscountPercent: mustQuantity(tb, discount), CustomerGroup: "members"}
}

// subscription is user 7's subscription to plan 1 from start until end ("" for none), both
// "2006-01-02 15:04:05" in loc.
func subscription(tb testing.TB, loc *time.Location, start, end string) billing.Subscription {
	tb.Helper()
	s := billing.Subscription{ID: 5, PlanID: 1, UserID: 7, OrgID: 3, Start: at(tb, loc, start)}
	if end != "" {
		s.End = ptr(at(tb, loc, end))
	}
	return s
}

// at parses "2006-01-02 15:04:05" in loc.
func at(tb testing.TB, loc *time.Location, s string) time.Time {
	tb.Helper()
	t, err := time.ParseInLocation(time.DateTime, s, loc)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// energyCDR returns user 7's SEK CDR id, ending at end, with an ENERGY line for each
// "kWh@price" given.
func energyCDR(tb testing.TB, id int64, end time.Time, lines ...string) *billing.CDR {
	tb.Helper()
	c := &billing.CDR{ID: id, StationID: "SE*LAD*E0001", UserID: 7, Currency: "SEK", Start: end.Add(-time.Hour), End: end,
		Place: billing.Place{Address: "Storgatan 1", TimeZone: "Europe/Stockholm"}}
	for _, l := range lines {
		kWh, price, ok := strings.Cut(l, "@")
		if !ok {
			tb.Fatalf("line %q is not kWh@price", l)
		}
		c.Lines = append(c.Lines, energyLine(tb, kWh, price))
	}
	return c
}

func energyLine(tb testing.TB, kWh, price string) billing.CDRLine {
	tb.Helper()
	q, p := mustQuantity(tb, kWh), mustAmount(tb, price)
	return billing.CDRLine{Type: billing.Energy, Quantity: q, UnitPrice: p, Amount: p.Mul(q)}
}

// stmtLine is an invoice line written as description, quantity, unit price and net.
type stmtLine struct{ desc, qty, price, net string }

func linesOf(st *billing.Statement) []stmtLine {
	var out []stmtLine
	for _, l := range st.Lines {
		out = append(out, stmtLine{l.Description, l.Quantity.String(), l.UnitPrice.String(), l.Net.String()})
	}
	return out
}

// ratio formats num/denom as Quantity.String does.
func ratio(num, denom int64) string {
	s := strings.TrimRight(big.NewRat(num, denom).FloatString(12), "0")
	return strings.TrimSuffix(s, ".")
}

func mustStatement(tb testing.TB, p billing.Plan, s billing.Subscription, year int, month time.Month, loc *time.Location, cdrs ...*billing.CDR) *billing.Statement {
	tb.Helper()
	st, err := billing.MonthlyStatement(p, s, year, month, loc, cdrs)
	if err != nil {
		tb.Fatalf("MonthlyStatement: %v", err)
	}
	for i, l := range st.Lines {
		if l.UnitPrice.Mul(l.Quantity).Cmp(l.Net) != 0 || l.Total.Cmp(l.Net) != 0 || l.Tax.Sign() != 0 {
			tb.Errorf("line %d %+v: net is not quantity × unit price, or it has tax", i, l)
		}
	}
	return st
}

func TestPlanCheck(t *testing.T) {
	t.Parallel()
	valid := subPlan(t, "99", "50", "100")
	if err := valid.Check(); err != nil {
		t.Fatalf("valid plan: %v", err)
	}
	free := billing.Plan{Name: "Free", Currency: "JPY"}
	if err := free.Check(); err != nil {
		t.Fatalf("plan of zeros: %v", err)
	}
	tests := map[string]func(p *billing.Plan){
		"no name":          func(p *billing.Plan) { p.Name = " " },
		"no currency":      func(p *billing.Plan) { p.Currency = "" },
		"lower currency":   func(p *billing.Plan) { p.Currency = "sek" },
		"negative fee":     func(p *billing.Plan) { p.MonthlyFee = mustAmount(t, "-1") },
		"fraction of öre":  func(p *billing.Plan) { p.MonthlyFee = mustAmount(t, "99.995") },
		"fraction of yen":  func(p *billing.Plan) { p.Currency, p.MonthlyFee = "JPY", mustAmount(t, "990.5") },
		"negative kWh":     func(p *billing.Plan) { p.IncludedKWh = mustQuantity(t, "-0.001") },
		"negative percent": func(p *billing.Plan) { p.DiscountPercent = mustQuantity(t, "-5") },
		"over 100 percent": func(p *billing.Plan) { p.DiscountPercent = mustQuantity(t, "100.01") },
		"bad group":        func(p *billing.Plan) { p.CustomerGroup = "our members" },
	}
	for name, change := range tests {
		p := valid
		change(&p)
		if err := p.Check(); !ladda.IsKind(err, ladda.Invalid) {
			t.Errorf("%s: %v, want Invalid", name, err)
		}
	}
}

func TestPlanJSON(t *testing.T) {
	t.Parallel()
	p := subPlan(t, "99.50", "50", "12.5")
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":1,"name":"Plus","currency":"SEK","monthlyFee":"99.5","includedKWh":"50","discountPercent":"12.5","customerGroup":"members"}`
	if string(b) != want {
		t.Fatalf("JSON %s, want %s", b, want)
	}
	var back billing.Plan
	if err := json.Unmarshal(b, &back); err != nil || back.MonthlyFee.Cmp(p.MonthlyFee) != 0 || back.DiscountPercent.Cmp(p.DiscountPercent) != 0 {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	s := subscription(t, time.UTC, "2026-03-01 00:00:00", "")
	if b, _ := json.Marshal(s); string(b) != `{"id":5,"planId":1,"userId":7,"orgId":3,"start":"2026-03-01T00:00:00Z"}` {
		t.Errorf("subscription JSON %s", b)
	}
}

// The fee is prorated by the share of the month's seconds the subscription was active, in the
// month's own length: a DST month in Stockholm has 743 or 745 hours.
func TestMonthlyStatementFee(t *testing.T) {
	t.Parallel()
	sthlm := stockholm(t)
	tests := []struct {
		name       string
		fee        string
		start, end string
		year       int
		month      time.Month
		qty, net   string
	}{
		{"full month", "99", "2025-01-15 10:00:00", "", 2025, time.March, "1", "99"},
		{"starts on the first", "99", "2025-03-01 00:00:00", "", 2025, time.March, "1", "99"},
		// 30 March 2025 has 23 hours: 16 days from the 16th are 383 of the month's 743 hours.
		{"mid-month start, spring DST", "743", "2025-03-16 00:00:00", "", 2025, time.March, ratio(383, 743), "383"},
		// 26 October 2025 has 25 hours; the subscription ends before it, after 216 of 745 hours.
		{"mid-month end, autumn DST", "745", "2024-05-01 00:00:00", "2025-10-10 00:00:00", 2025, time.October, ratio(216, 745), "216"},
		{"ends after the month", "99", "2024-05-01 00:00:00", "2025-11-10 00:00:00", 2025, time.October, "1", "99"},
		{"starts and ends in the month", "300", "2025-06-10 12:00:00", "2025-06-20 12:00:00", 2025, time.June, ratio(1, 3), "100"},
		{"one second late", "2592000", "2025-04-01 00:00:01", "", 2025, time.April, ratio(2591999, 2592000), "2591999"},
		{"rounded to the öre", "100", "2025-06-21 00:00:00", "", 2025, time.June, ratio(1, 3), "33.33"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := mustStatement(t, subPlan(t, tt.fee, "0", "0"), subscription(t, sthlm, tt.start, tt.end), tt.year, tt.month, sthlm)
			if len(st.Lines) != 1 {
				t.Fatalf("lines %v, want the fee alone", linesOf(st))
			}
			l := st.Lines[0]
			wantDesc := fmt.Sprintf("Subscription Plus, %s %d", tt.month, tt.year)
			if l.Description != wantDesc || l.Unit != "month" || l.Quantity.String() != tt.qty || l.UnitPrice.String() != tt.fee || l.Session != nil {
				t.Errorf("fee line %q %s %s at %s, want %q %s month at %s", l.Description, l.Quantity, l.Unit, l.UnitPrice, wantDesc, tt.qty, tt.fee)
			}
			if st.Net.String() != tt.net {
				t.Errorf("net %s, want %s", st.Net, tt.net)
			}
		})
	}
}

// Time zones matter: the same instants make a different share of a month in another zone.
func TestMonthlyStatementZone(t *testing.T) {
	t.Parallel()
	s := subscription(t, time.UTC, "2025-03-16 00:00:00", "")
	st := mustStatement(t, subPlan(t, "744", "0", "0"), s, 2025, time.March, time.UTC)
	if st.Net.String() != "384" {
		t.Errorf("UTC: net %s, want 384 of 744 hours", st.Net)
	}
	st = mustStatement(t, subPlan(t, "743", "0", "0"), s, 2025, time.March, stockholm(t))
	if st.Net.String() != "382" {
		t.Errorf("Stockholm: net %s, want 382 of 743 hours (from 01:00 local on the 16th)", st.Net)
	}
}

func TestMonthlyStatementInactive(t *testing.T) {
	t.Parallel()
	sthlm := stockholm(t)
	p := subPlan(t, "99", "50", "10")
	for name, s := range map[string]billing.Subscription{
		"not started": subscription(t, sthlm, "2025-04-01 00:00:00", ""),
		"ended":       subscription(t, sthlm, "2025-01-01 00:00:00", "2025-03-01 00:00:00"),
	} {
		c := energyCDR(t, 1, at(t, sthlm, "2025-03-10 12:00:00"), "10@4")
		st := mustStatement(t, p, s, 2025, time.March, sthlm, c)
		if len(st.Lines) != 0 || st.Net.Sign() != 0 || st.UsedKWh.Sign() != 0 || st.IncludedLeft.Sign() != 0 {
			t.Errorf("%s: %+v, want an empty statement", name, st)
		}
	}
}

// Included kWh cover the month's energy session by session in End order, each at its own unit
// price, and whatever is left is not covered.
func TestMonthlyStatementIncluded(t *testing.T) {
	t.Parallel()
	sthlm := stockholm(t)
	a := energyCDR(t, 11, at(t, sthlm, "2025-03-03 18:00:00"), "12@4")
	b := energyCDR(t, 12, at(t, sthlm, "2025-03-05 09:00:00"), "5@2", "2@0", "10@3")
	b.Lines = append(b.Lines, billing.CDRLine{Type: billing.Flat, Quantity: mustQuantity(t, "1"), UnitPrice: mustAmount(t, "5"), Amount: mustAmount(t, "5")})
	c := energyCDR(t, 13, at(t, sthlm, "2025-03-09 23:59:59"), "4@5")

	st := mustStatement(t, subPlan(t, "99", "20", "0"), subscription(t, sthlm, "2025-01-01 00:00:00", ""), 2025, time.March, sthlm, c, b, a)
	want := []stmtLine{
		{"Subscription Plus, March 2025", "1", "99", "99"},
		{"Energy", "12", "4", "48"},
		{"Included energy", "12", "-4", "-48"},
		{"Energy", "5", "2", "10"},
		{"Included energy", "5", "-2", "-10"},
		{"Energy", "2", "0", "0"}, // free already: uses no included kWh
		{"Energy", "10", "3", "30"},
		{"Included energy", "3", "-3", "-9"},
		{"Energy", "4", "5", "20"},
	}
	if got := linesOf(st); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("lines\n%v\nwant\n%v", got, want)
	}
	if st.Net.String() != "140" || st.UsedKWh.String() != "33" || st.IncludedLeft.Sign() != 0 {
		t.Errorf("net %s used %s left %s, want 140, 33, 0", st.Net, st.UsedKWh, st.IncludedLeft)
	}
	if s := st.Lines[1].Session; s == nil || s.CDR != "CDR-11" || s.StationID != "SE*LAD*E0001" || !s.End.Equal(a.End) {
		t.Errorf("energy line's session %+v", s)
	}
	if st.Lines[2].Session != nil {
		t.Error("a credit line repeats the session")
	}

	st = mustStatement(t, subPlan(t, "0", "100", "0"), subscription(t, sthlm, "2025-01-01 00:00:00", ""), 2025, time.March, sthlm, a)
	if st.Net.Sign() != 0 || st.UsedKWh.String() != "12" || st.IncludedLeft.String() != "88" {
		t.Errorf("net %s used %s left %s, want 0, 12, 88", st.Net, st.UsedKWh, st.IncludedLeft)
	}
}

// The discount applies to the energy the included kWh do not cover, and only to it.
func TestMonthlyStatementDiscount(t *testing.T) {
	t.Parallel()
	sthlm := stockholm(t)
	first := energyCDR(t, 21, at(t, sthlm, "2025-03-03 18:00:00"), "15@4")
	second := energyCDR(t, 22, at(t, sthlm, "2025-03-04 18:00:00"), "5.5@2.10")
	st := mustStatement(t, subPlan(t, "49", "10", "20"), subscription(t, sthlm, "2025-01-01 00:00:00", ""), 2025, time.March, sthlm, first, second)
	want := []stmtLine{
		{"Subscription Plus, March 2025", "1", "49", "49"},
		{"Energy", "15", "4", "60"},
		{"Included energy", "10", "-4", "-40"},
		{"Member discount 20 %", "5", "-0.8", "-4"},
		{"Energy", "5.5", "2.1", "11.55"},
		{"Member discount 20 %", "5.5", "-0.42", "-2.31"},
	}
	if got := linesOf(st); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("lines\n%v\nwant\n%v", got, want)
	}
	if st.Net.String() != "74.24" {
		t.Errorf("net %s, want 74.24", st.Net)
	}

	// Exact until the end: 3 × 0.333 kWh at 1 SEK less 12.5 % is 0.874125, rounded once.
	third := energyCDR(t, 23, at(t, sthlm, "2025-03-05 18:00:00"), "0.333@1", "0.333@1", "0.333@1")
	st = mustStatement(t, subPlan(t, "0", "0", "12.5"), subscription(t, sthlm, "2025-01-01 00:00:00", ""), 2025, time.March, sthlm, third)
	if st.Net.String() != "0.87" || len(st.Lines) != 7 || st.Lines[2].Description != "Member discount 12.5 %" {
		t.Errorf("net %s, lines %v", st.Net, linesOf(st))
	}
}

// Only sessions ending in the month, while the subscription is active, count.
func TestMonthlyStatementIgnores(t *testing.T) {
	t.Parallel()
	sthlm := stockholm(t)
	s := subscription(t, sthlm, "2025-03-10 00:00:00", "2025-03-20 00:00:00")
	counted := energyCDR(t, 1, at(t, sthlm, "2025-03-15 12:00:00"), "10@2")
	ignored := []*billing.CDR{
		energyCDR(t, 2, at(t, sthlm, "2025-02-28 23:59:59"), "10@2"), // last month
		energyCDR(t, 3, at(t, sthlm, "2025-04-01 00:00:00"), "10@2"), // next month
		energyCDR(t, 4, at(t, sthlm, "2025-03-09 23:59:59"), "10@2"), // before the start
		energyCDR(t, 5, at(t, sthlm, "2025-03-20 00:00:00"), "10@2"), // at the end
		energyCDR(t, 6, at(t, sthlm, "2025-03-25 00:00:00"), "10@2"), // after the end
	}
	abroad := energyCDR(t, 7, at(t, sthlm, "2025-02-10 00:00:00"), "10@2")
	abroad.Currency, abroad.UserID = "EUR", 8 // not counted, so not checked
	cdrs := append([]*billing.CDR{counted, abroad}, ignored...)
	// Started at 10 March 00:00 and ended 20 March 00:00: 240 of 743 hours.
	st, err := billing.MonthlyStatement(subPlan(t, "743", "0", "50"), s, 2025, time.March, sthlm, cdrs)
	if err != nil {
		t.Fatal(err)
	}
	want := []stmtLine{
		{"Subscription Plus, March 2025", ratio(240, 743), "743", "240"},
		{"Energy", "10", "2", "20"},
		{"Member discount 50 %", "10", "-1", "-10"},
	}
	if got := linesOf(st); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("lines\n%v\nwant\n%v", got, want)
	}
	if st.Net.String() != "250" || st.UsedKWh.String() != "10" {
		t.Errorf("net %s used %s, want 250 and 10", st.Net, st.UsedKWh)
	}
}

func TestMonthlyStatementRefuses(t *testing.T) {
	t.Parallel()
	sthlm := stockholm(t)
	p := subPlan(t, "99", "10", "10")
	s := subscription(t, sthlm, "2025-01-01 00:00:00", "")
	in := at(t, sthlm, "2025-03-15 12:00:00")
	tests := map[string]func(p *billing.Plan, s *billing.Subscription, month *time.Month, loc **time.Location) []*billing.CDR{
		"bad plan": func(p *billing.Plan, _ *billing.Subscription, _ *time.Month, _ **time.Location) []*billing.CDR {
			p.DiscountPercent = mustQuantity(t, "101")
			return nil
		},
		"other plan": func(_ *billing.Plan, s *billing.Subscription, _ *time.Month, _ **time.Location) []*billing.CDR {
			s.PlanID = 2
			return nil
		},
		"ends before it starts": func(_ *billing.Plan, s *billing.Subscription, _ *time.Month, _ **time.Location) []*billing.CDR {
			s.End = ptr(s.Start)
			return nil
		},
		"no zone": func(_ *billing.Plan, _ *billing.Subscription, _ *time.Month, loc **time.Location) []*billing.CDR {
			*loc = nil
			return nil
		},
		"month 13": func(_ *billing.Plan, _ *billing.Subscription, m *time.Month, _ **time.Location) []*billing.CDR {
			*m = 13
			return nil
		},
		"nil CDR": func(*billing.Plan, *billing.Subscription, *time.Month, **time.Location) []*billing.CDR {
			return []*billing.CDR{nil}
		},
		"other currency": func(*billing.Plan, *billing.Subscription, *time.Month, **time.Location) []*billing.CDR {
			c := energyCDR(t, 1, in, "10@2")
			c.Currency = "EUR"
			return []*billing.CDR{c}
		},
		"other user": func(*billing.Plan, *billing.Subscription, *time.Month, **time.Location) []*billing.CDR {
			c := energyCDR(t, 1, in, "10@2")
			c.UserID = 8
			return []*billing.CDR{c}
		},
		"twice": func(*billing.Plan, *billing.Subscription, *time.Month, **time.Location) []*billing.CDR {
			c := energyCDR(t, 1, in, "10@2")
			return []*billing.CDR{c, c}
		},
		"amount is not kWh × price": func(*billing.Plan, *billing.Subscription, *time.Month, **time.Location) []*billing.CDR {
			c := energyCDR(t, 1, in, "10@2")
			c.Lines[0].Amount = mustAmount(t, "25")
			return []*billing.CDR{c}
		},
		"negative kWh": func(*billing.Plan, *billing.Subscription, *time.Month, **time.Location) []*billing.CDR {
			return []*billing.CDR{energyCDR(t, 1, in, "-10@2")}
		},
		"negative price": func(*billing.Plan, *billing.Subscription, *time.Month, **time.Location) []*billing.CDR {
			return []*billing.CDR{energyCDR(t, 1, in, "10@-2")}
		},
	}
	for name, change := range tests {
		p, s, month, loc := p, s, time.March, sthlm
		cdrs := change(&p, &s, &month, &loc)
		if st, err := billing.MonthlyStatement(p, s, 2025, month, loc, cdrs); !ladda.IsKind(err, ladda.Invalid) || st != nil {
			t.Errorf("%s: %+v, %v; want Invalid", name, st, err)
		}
	}
}

// Whatever the plan, the subscription and the sessions: the net never exceeds the fee plus the
// energy of the month's sessions, is never negative, and is the rounded sum of the lines; the
// kWh used and left add up.
func TestMonthlyStatementProperties(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(20250301, 3))
	sthlm := stockholm(t)
	first := at(t, sthlm, "2025-03-01 00:00:00")
	next := at(t, sthlm, "2025-04-01 00:00:00")
	instant := func(from time.Time, days int) time.Time {
		return from.Add(time.Duration(r.Int64N(int64(days) * 24 * int64(time.Hour))))
	}
	for i := range propertyCases {
		fee := fmt.Sprintf("%d.%02d", r.IntN(300), r.IntN(100))
		kWh := fmt.Sprint(r.IntN(60))
		if r.IntN(3) == 0 {
			fee, kWh = "0", "0"
		}
		discount := fmt.Sprintf("%d.%d", r.IntN(100), r.IntN(10))
		if r.IntN(8) == 0 {
			discount = "100"
		}
		p := subPlan(t, fee, kWh, discount)
		s := billing.Subscription{PlanID: 1, UserID: 7, Start: instant(first.AddDate(0, 0, -15), 50)}
		if r.IntN(2) == 0 {
			s.End = ptr(s.Start.Add(time.Second + time.Duration(r.Int64N(int64(40*24*time.Hour)))))
		}
		var cdrs []*billing.CDR
		var energy billing.Amount                  // of the counted sessions
		used, priced := new(big.Rat), new(big.Rat) // kWh of the counted sessions, and those at a price
		for id := range int64(r.IntN(12)) {
			c := energyCDR(t, id, instant(first.AddDate(0, 0, -5), 40))
			counted := !c.End.Before(first) && c.End.Before(next) && !c.End.Before(s.Start) && (s.End == nil || c.End.Before(*s.End))
			for range r.IntN(4) {
				kWh, price := fmt.Sprintf("%d.%03d", r.IntN(40), r.IntN(1000)), fmt.Sprintf("%d.%04d", r.IntN(6), r.IntN(10000))
				if r.IntN(8) == 0 {
					price = "0"
				}
				l := energyLine(t, kWh, price)
				c.Lines = append(c.Lines, l)
				if counted {
					q, _ := new(big.Rat).SetString(kWh)
					energy = energy.Add(l.Amount)
					used.Add(used, q)
					if l.UnitPrice.Sign() > 0 {
						priced.Add(priced, q)
					}
				}
			}
			if r.IntN(3) == 0 {
				c.Lines = append(c.Lines, billing.CDRLine{Type: billing.Time, Quantity: mustQuantity(t, "2"), UnitPrice: mustAmount(t, "30"), Amount: mustAmount(t, "60")})
			}
			cdrs = append(cdrs, c)
		}
		st, err := billing.MonthlyStatement(p, s, 2025, time.March, sthlm, cdrs)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		sum := billing.Amount{}
		for _, l := range st.Lines {
			sum = sum.Add(l.Net)
		}
		bound := p.MonthlyFee.Add(energy)
		switch {
		case sum.Cmp(bound) > 0:
			t.Errorf("case %d: lines sum to %s, more than fee and energy %s", i, sum, bound)
		case st.Net.Cmp(bound.Round(2)) > 0:
			t.Errorf("case %d: net %s, more than fee and energy %s rounded", i, st.Net, bound)
		case sum.Sign() < 0 || st.Net.Sign() < 0:
			t.Errorf("case %d: net %s, lines %s: negative", i, st.Net, sum)
		case st.Net.Cmp(sum.Round(2)) != 0:
			t.Errorf("case %d: net %s is not the lines' %s rounded", i, st.Net, sum)
		}
		if len(st.Lines) == 0 {
			continue
		}
		included, _ := new(big.Rat).SetString(p.IncludedKWh.String())
		left := included.Sub(included, priced)
		if left.Sign() < 0 {
			left.SetInt64(0)
		}
		if st.IncludedLeft.Cmp(mustQuantity(t, left.FloatString(3))) != 0 || st.UsedKWh.Cmp(mustQuantity(t, used.FloatString(3))) != 0 {
			t.Errorf("case %d: used %s kWh and %s left, want %s and %s", i, st.UsedKWh, st.IncludedLeft, used.FloatString(3), left.FloatString(3))
		}
	}
}
