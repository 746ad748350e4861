package billing_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/billing"
)

func defaultTable(tb testing.TB) *billing.TaxTable {
	tb.Helper()
	t, err := billing.NewTaxTable(billing.DefaultTaxRates())
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestTaxTableRate(t *testing.T) {
	t.Parallel()
	// An operator adds the rates of its US locations (the table has none: see DefaultTaxRates)
	// and overrides one later by ending it where its own begins.
	rates := append(billing.DefaultTaxRates(),
		billing.TaxRate{Country: "US", Region: "US-CA", Percent: mustQuantity(t, "7.25"), To: ptr(utc("2030-01-01T08:00:00Z")), Name: "Sales tax"},
		billing.TaxRate{Country: "US", Region: "US-NY", Percent: mustQuantity(t, "4"), Name: "Sales tax"},
		billing.TaxRate{Country: "US", Region: "US-TX", Percent: mustQuantity(t, "6.25"), Name: "Sales tax"},
	)
	custom, err := billing.NewTaxTable(append(rates,
		billing.TaxRate{Country: "US", Region: "US-CA", Percent: mustQuantity(t, "9.5"), From: utc("2030-01-01T08:00:00Z"), Name: "Sales tax"},
		billing.TaxRate{Country: "SE", Region: "SE-I", Percent: mustQuantity(t, "12"), From: utc("2026-01-01T00:00:00Z"), To: ptr(utc("2027-01-01T00:00:00Z"))},
	))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name            string
		table           *billing.TaxTable
		country, region string
		at              time.Time
		want            string // percent
		kind            ladda.Kind
	}{
		{"Sweden", defaultTable(t), "SE", "", utc("2026-03-01T12:00:00Z"), "25", 0},
		{"region without its own rate falls back to the country", defaultTable(t), "SE", "SE-AB", utc("2026-03-01T12:00:00Z"), "25", 0},
		{"Norway", defaultTable(t), "NO", "", utc("2026-03-01T12:00:00Z"), "25", 0},
		{"Denmark", defaultTable(t), "DK", "", utc("2026-03-01T12:00:00Z"), "25", 0},
		{"Finland long before the change", defaultTable(t), "FI", "", utc("2020-01-01T00:00:00Z"), "24", 0},
		{"Finland the last nanosecond before the change", defaultTable(t), "FI", "", utc("2024-08-31T20:59:59.999999999Z"), "24", 0},
		{"Finland at local midnight of 2024-09-01", defaultTable(t), "FI", "", utc("2024-08-31T21:00:00Z"), "25.5", 0},
		{"Finland after the change", defaultTable(t), "FI", "", utc("2026-01-01T00:00:00Z"), "25.5", 0},
		{"Germany", defaultTable(t), "DE", "", utc("2026-03-01T12:00:00Z"), "19", 0},
		{"Germany in the second half of 2020", defaultTable(t), "DE", "", utc("2020-08-01T12:00:00Z"), "16", 0},
		{"Germany before July 2020", defaultTable(t), "DE", "", utc("2020-06-30T21:59:59Z"), "19", 0},
		{"Germany back to 19 at New Year 2021", defaultTable(t), "DE", "", utc("2020-12-31T23:00:00Z"), "19", 0},
		{"Netherlands", defaultTable(t), "NL", "", utc("2026-03-01T12:00:00Z"), "21", 0},
		{"France", defaultTable(t), "FR", "", utc("2026-03-01T12:00:00Z"), "20", 0},
		{"United Kingdom", defaultTable(t), "GB", "", utc("2026-03-01T12:00:00Z"), "20", 0},
		{"an operator's California rate", custom, "US", "US-CA", utc("2026-03-01T12:00:00Z"), "7.25", 0},
		{"an operator's New York rate", custom, "US", "US-NY", utc("2026-03-01T12:00:00Z"), "4", 0},
		{"an operator's Texas rate", custom, "US", "US-TX", utc("2026-03-01T12:00:00Z"), "6.25", 0},
		{"no default for a US state", defaultTable(t), "US", "US-CA", utc("2026-03-01T12:00:00Z"), "", ladda.NotFound},
		{"region over country", custom, "SE", "SE-I", utc("2026-06-01T00:00:00Z"), "12", 0},
		{"region rate ended: country again", custom, "SE", "SE-I", utc("2027-01-01T00:00:00Z"), "25", 0},
		{"override in force", custom, "US", "US-CA", utc("2030-01-01T08:00:00Z"), "9.5", 0},
		{"override not yet in force", custom, "US", "US-CA", utc("2030-01-01T07:59:59Z"), "7.25", 0},
		{"US without a region", defaultTable(t), "US", "", utc("2026-03-01T12:00:00Z"), "", ladda.NotFound},
		{"state not in the table", defaultTable(t), "US", "US-OR", utc("2026-03-01T12:00:00Z"), "", ladda.NotFound},
		{"country not in the table", defaultTable(t), "JP", "", utc("2026-03-01T12:00:00Z"), "", ladda.NotFound},
		{"lower-case country", defaultTable(t), "se", "", utc("2026-03-01T12:00:00Z"), "", ladda.Invalid},
		{"three-letter country", defaultTable(t), "SWE", "", utc("2026-03-01T12:00:00Z"), "", ladda.Invalid},
		{"region of another country", defaultTable(t), "SE", "US-CA", utc("2026-03-01T12:00:00Z"), "", ladda.Invalid},
		{"region without subdivision", defaultTable(t), "US", "US-", utc("2026-03-01T12:00:00Z"), "", ladda.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := tt.table.Rate(tt.country, tt.region, tt.at)
			if tt.kind != 0 {
				if !ladda.IsKind(err, tt.kind) {
					t.Fatalf("Rate(%q, %q, %s) = %+v, %v; want %v", tt.country, tt.region, tt.at, r, err, tt.kind)
				}
				return
			}
			if err != nil {
				t.Fatalf("Rate(%q, %q, %s): %v", tt.country, tt.region, tt.at, err)
			}
			if got := r.Percent.String(); got != tt.want || r.Country != tt.country {
				t.Errorf("Rate(%q, %q, %s) = %s %% of %s, want %s %% of %s", tt.country, tt.region, tt.at, got, r.Country, tt.want, tt.country)
			}
		})
	}
}

func TestNewTaxTableInvalid(t *testing.T) {
	t.Parallel()
	jan, jul, dec := utc("2026-01-01T00:00:00Z"), utc("2026-07-01T00:00:00Z"), utc("2026-12-01T00:00:00Z")
	rate := func(country, region, pct string, from time.Time, to *time.Time) billing.TaxRate {
		return billing.TaxRate{Country: country, Region: region, Percent: mustQuantity(t, pct), From: from, To: to}
	}
	tests := []struct {
		name  string
		rates []billing.TaxRate
		want  string // in the message
	}{
		{"both open", []billing.TaxRate{rate("SE", "", "25", jan, nil), rate("SE", "", "20", jul, nil)}, "overlap"},
		{"same start", []billing.TaxRate{rate("SE", "", "25", jan, &dec), rate("SE", "", "20", jan, &jul)}, "overlap"},
		{"one inside another", []billing.TaxRate{rate("SE", "", "25", jan, &dec), rate("SE", "", "20", jul, ptr(jul.Add(time.Hour)))}, "overlap"},
		{"by one nanosecond", []billing.TaxRate{rate("SE", "", "25", jan, ptr(jul.Add(1))), rate("SE", "", "20", jul, nil)}, "overlap"},
		{"open start and open end", []billing.TaxRate{rate("DE", "", "19", time.Time{}, nil), rate("DE", "", "16", jul, &dec)}, "overlap"},
		{"region overlaps itself", []billing.TaxRate{rate("US", "US-CA", "7.25", jan, nil), rate("US", "US-CA", "9", dec, nil)}, "overlap"},
		{"lower-case country", []billing.TaxRate{rate("se", "", "25", jan, nil)}, "ISO 3166-1"},
		{"empty country", []billing.TaxRate{rate("", "", "25", jan, nil)}, "ISO 3166-1"},
		{"numeric country", []billing.TaxRate{rate("75", "", "25", jan, nil)}, "ISO 3166-1"},
		{"region of another country", []billing.TaxRate{rate("US", "CA-ON", "13", jan, nil)}, "ISO 3166-2"},
		{"region too long", []billing.TaxRate{rate("US", "US-CALI", "7.25", jan, nil)}, "ISO 3166-2"},
		{"lower-case region", []billing.TaxRate{rate("US", "US-ca", "7.25", jan, nil)}, "ISO 3166-2"},
		{"negative percent", []billing.TaxRate{rate("SE", "", "-25", jan, nil)}, "negative"},
		{"ends at its start", []billing.TaxRate{rate("SE", "", "25", jan, &jan)}, "not after"},
		{"ends before its start", []billing.TaxRate{rate("SE", "", "25", jul, &jan)}, "not after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := billing.NewTaxTable(tt.rates)
			if !ladda.IsKind(err, ladda.Invalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewTaxTable error = %v, want Invalid containing %q", err, tt.want)
			}
		})
	}
}

func TestNewTaxTableAdjacent(t *testing.T) {
	t.Parallel()
	jul := utc("2026-07-01T00:00:00Z")
	to := jul
	rates := []billing.TaxRate{ // out of order, adjacent, plus a region and another country overlapping them
		{Country: "SE", Percent: mustQuantity(t, "20"), From: jul},
		{Country: "SE", Percent: mustQuantity(t, "25"), To: &to},
		{Country: "SE", Region: "SE-I", Percent: mustQuantity(t, "12")},
		{Country: "NO", Percent: mustQuantity(t, "25")},
	}
	table, err := billing.NewTaxTable(rates)
	if err != nil {
		t.Fatal(err)
	}
	rates[0].Percent = mustQuantity(t, "99") // the table keeps its own copy
	*rates[1].To = jul.Add(time.Hour)
	for at, want := range map[time.Time]string{jul.Add(-1): "25", jul: "20"} {
		if r, err := table.Rate("SE", "", at); err != nil || r.Percent.String() != want {
			t.Errorf("Rate(SE, %s) = %s, %v; want %s", at, r.Percent, err, want)
		}
	}
}

func TestInclusiveExclusive(t *testing.T) {
	t.Parallel()
	tests := []struct {
		inclusive, percent, exclusive string
	}{
		{"125", "25", "100"},
		{"125.00", "25", "100.00"},
		{"119", "19", "100"},
		{"1", "25", "0.8"},
		{"3.49", "25.5", "2.780876494023904382"}, // 3.49 / 1.255 is not a finite decimal
		{"107.25", "7.25", "100"},
		{"0", "25", "0"},
		{"10", "0", "10"},
		{"-12.5", "25", "-10"},
	}
	for _, tt := range tests {
		t.Run(tt.inclusive+"@"+tt.percent, func(t *testing.T) {
			t.Parallel()
			in, p := mustAmount(t, tt.inclusive), mustQuantity(t, tt.percent)
			ex := billing.ExclusiveOf(in, p)
			if got, want := ex.Round(12), mustAmount(t, tt.exclusive).Round(12); got.Cmp(want) != 0 {
				t.Errorf("ExclusiveOf(%s, %s) = %s, want %s", in, p, ex, want)
			}
			if back := billing.InclusiveOf(ex, p); back.Cmp(in) != 0 {
				t.Errorf("InclusiveOf(ExclusiveOf(%s, %s)) = %s, want it back exactly", in, p, back)
			}
			if tax := billing.TaxOf(ex, p); ex.Add(tax).Cmp(in) != 0 {
				t.Errorf("ExclusiveOf + TaxOf = %s, want %s", ex.Add(tax), in)
			}
		})
	}
	if got := billing.ExclusiveOf(mustAmount(t, "125.00"), mustQuantity(t, "25")).Format(2); got != "100.00" {
		t.Errorf("125.00 SEK including 25 %% = %s excluding, want 100.00", got)
	}
}

// bill builds a bill of Flat lines with the given exact amounts.
func bill(tb testing.TB, currency string, amounts ...string) *billing.Bill {
	tb.Helper()
	b := &billing.Bill{Currency: currency}
	var total billing.Amount
	for _, s := range amounts {
		a := mustAmount(tb, s)
		b.Lines = append(b.Lines, billing.Line{Type: billing.Flat, Quantity: mustQuantity(tb, "1"), UnitPrice: a, Amount: a})
		total = total.Add(a)
	}
	b.Total = total.Round(billing.Exponent(currency))
	return b
}

func TestWithTax(t *testing.T) {
	t.Parallel()
	moms := billing.TaxRate{Country: "SE", Percent: mustQuantity(t, "25"), Name: "Moms"}
	tests := []struct {
		name           string
		bill           *billing.Bill
		rate           billing.TaxRate
		rounding       billing.TaxRounding
		net, tax, gros string
		lineTaxes      []string
	}{
		// Two lines of 10.02 SEK: 2.505 tax each. Per line that rounds to 2.51 + 2.51 = 5.02;
		// per invoice 20.04 × 25 % = 5.01. One öre apart, each consistent.
		{"two halves per line", bill(t, "SEK", "10.02", "10.02"), moms, billing.PerLine, "20.04", "5.02", "25.06", []string{"2.51", "2.51"}},
		{"two halves per invoice", bill(t, "SEK", "10.02", "10.02"), moms, billing.PerInvoice, "20.04", "5.01", "25.05", []string{"2.505", "2.505"}},
		{"exact lines per line", bill(t, "SEK", "3.123456", "0.000001"), moms, billing.PerLine, "3.12", "0.78", "3.90", []string{"0.78", "0"}},
		{"exact lines per invoice", bill(t, "SEK", "3.123456", "0.000001"), moms, billing.PerInvoice, "3.12", "0.78", "3.90", []string{"0.780864", "0.00000025"}},
		{"negative adjustment per line", bill(t, "SEK", "10.02", "-0.02"), moms, billing.PerLine, "10.00", "2.50", "12.50", []string{"2.51", "-0.01"}},
		{"negative adjustment per invoice", bill(t, "SEK", "10.02", "-0.02"), moms, billing.PerInvoice, "10.00", "2.50", "12.50", []string{"2.505", "-0.005"}},
		{"Finland 25.5 %", bill(t, "EUR", "0.39", "12.00"), billing.TaxRate{Country: "FI", Percent: mustQuantity(t, "25.5")}, billing.PerLine, "12.39", "3.16", "15.55", []string{"0.10", "3.06"}},
		{"Finland 25.5 % per invoice", bill(t, "EUR", "0.39", "12.00"), billing.TaxRate{Country: "FI", Percent: mustQuantity(t, "25.5")}, billing.PerInvoice, "12.39", "3.16", "15.55", []string{"0.09945", "3.06"}},
		// JPY has no decimals: 15 yen at 10 % is 1.5 yen of tax, 2 per line, 3 on the total 30.
		{"JPY per line", bill(t, "JPY", "15", "15"), billing.TaxRate{Country: "JP", Percent: mustQuantity(t, "10")}, billing.PerLine, "30", "4", "34", []string{"2", "2"}},
		{"JPY per invoice", bill(t, "JPY", "15", "15"), billing.TaxRate{Country: "JP", Percent: mustQuantity(t, "10")}, billing.PerInvoice, "30", "3", "33", []string{"1.5", "1.5"}},
		{"JPY exact lines", bill(t, "JPY", "100.4", "100.4"), billing.TaxRate{Country: "JP", Percent: mustQuantity(t, "10")}, billing.PerInvoice, "201", "20", "221", []string{"10.04", "10.04"}},
		{"empty bill", bill(t, "SEK"), moms, billing.PerLine, "0", "0", "0", nil},
		{"zero rate", bill(t, "SEK", "9.99"), billing.TaxRate{Country: "SE"}, billing.PerLine, "9.99", "0", "9.99", []string{"0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tb := tt.bill.WithTax(tt.rate, tt.rounding)
			if tb.Bill != tt.bill || tb.Rounding != tt.rounding || tb.Rate.Country != tt.rate.Country {
				t.Errorf("WithTax does not keep its bill, rate and rounding: %+v", tb)
			}
			for name, got := range map[string]billing.Amount{tt.net: tb.Net, tt.tax: tb.Tax, tt.gros: tb.Gross} {
				if got.Cmp(mustAmount(t, name)) != 0 {
					t.Errorf("Net, Tax, Gross = %s, %s, %s; want %s, %s, %s", tb.Net, tb.Tax, tb.Gross, tt.net, tt.tax, tt.gros)
					break
				}
			}
			if tb.Net.Cmp(tt.bill.Total) != 0 {
				t.Errorf("Net = %s, want the bill's Total %s", tb.Net, tt.bill.Total)
			}
			if len(tb.Lines) != len(tt.lineTaxes) {
				t.Fatalf("%d lines, want %d", len(tb.Lines), len(tt.lineTaxes))
			}
			for i, l := range tb.Lines {
				if l.Tax.Cmp(mustAmount(t, tt.lineTaxes[i])) != 0 {
					t.Errorf("line %d tax = %s, want %s", i, l.Tax, tt.lineTaxes[i])
				}
				if l.Total.Cmp(l.Amount.Add(l.Tax)) != 0 || l.Line != tt.bill.Lines[i] {
					t.Errorf("line %d = %+v, want the bill's line with Total = Amount + Tax", i, l)
				}
			}
		})
	}
}

func TestTaxStatement(t *testing.T) {
	t.Parallel()
	b := bill(t, "SEK", "10.02", "10.02")
	moms := billing.TaxRate{Country: "SE", Percent: mustQuantity(t, "25"), Name: "Moms"}
	tests := []struct {
		tb   *billing.TaxedBill
		want string
	}{
		{b.WithTax(moms, billing.PerLine), "Moms 25 % of 20.04 SEK: 5.02 SEK, rounded per line to 0.01 SEK, halves away from zero"},
		{b.WithTax(moms, billing.PerInvoice), "Moms 25 % of 20.04 SEK: 5.01 SEK, rounded per invoice to 0.01 SEK, halves away from zero"},
		{bill(t, "JPY", "15").WithTax(billing.TaxRate{Percent: mustQuantity(t, "10")}, billing.PerLine), "Tax 10 % of 15 JPY: 2 JPY, rounded per line to 1 JPY, halves away from zero"},
	}
	for _, tt := range tests {
		if got := tt.tb.Statement(); got != tt.want {
			t.Errorf("Statement() = %q, want %q", got, tt.want)
		}
	}
	if got := billing.TaxRounding(7).String(); got != "TaxRounding(7)" {
		t.Errorf("TaxRounding(7).String() = %q", got)
	}
}

// For any bill and rate, under both roundings Net, Tax and Gross are whole minor units with
// Gross = Net + Tax, Net is the bill's Total, and the two roundings' taxes differ by at most half
// a minor unit per line.
func TestPropertyTaxRoundings(t *testing.T) {
	t.Parallel()
	g := newGen(t, 7)
	r := rand.New(rand.NewPCG(11, 13))
	differ := 0
	for i := range propertyCases {
		tr := g.tariff(tariffOpts{steps: true})
		if r.IntN(4) == 0 { // the generator's MinPrice and MaxPrice make Adjustment lines, some negative
			tr.Currency = "JPY"
			for _, p := range []**billing.Amount{&tr.MinPrice, &tr.MaxPrice} {
				if *p != nil {
					*p = ptr((*p).Round(0))
				}
			}
		}
		b := mustPrice(t, tr, g.session())
		rate := billing.TaxRate{Country: "SE", Percent: mustQuantity(t, fmt.Sprintf("%d.%02d", r.IntN(30), []int{0, 0, 25, 50, r.IntN(100)}[r.IntN(5)]))}
		exp := billing.Exponent(b.Currency)
		perLine, perInvoice := b.WithTax(rate, billing.PerLine), b.WithTax(rate, billing.PerInvoice)
		for _, tb := range []*billing.TaxedBill{perLine, perInvoice} {
			if !tb.Net.IsRounded(exp) || !tb.Tax.IsRounded(exp) || !tb.Gross.IsRounded(exp) ||
				tb.Gross.Cmp(tb.Net.Add(tb.Tax)) != 0 || tb.Net.Cmp(b.Total) != 0 {
				t.Fatalf("case %d %s: Net %s + Tax %s != Gross %s, or not whole %s, or Net != Total %s", i, tb.Rounding, tb.Net, tb.Tax, tb.Gross, b.Currency, b.Total)
			}
		}
		// |diff| <= lines × ½ minor unit  ⇔  |diff| × 2 × 10^exp <= lines.
		diff := perLine.Tax.Sub(perInvoice.Tax)
		if diff.Sign() < 0 {
			diff = perInvoice.Tax.Sub(perLine.Tax)
		}
		if diff.Sign() != 0 {
			differ++
		}
		twice := mustQuantity(t, "2"+strings.Repeat("0", exp))
		if diff.Mul(twice).Cmp(mustAmount(t, fmt.Sprint(len(b.Lines)))) > 0 {
			t.Fatalf("case %d: per line tax %s, per invoice %s: more than half a minor unit apart for each of %d lines", i, perLine.Tax, perInvoice.Tax, len(b.Lines))
		}
	}
	if differ == 0 {
		t.Error("the two roundings never differed; the generator is too tame")
	}
	t.Logf("the roundings differed in %d of %d cases", differ, propertyCases)
}
