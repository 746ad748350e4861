package billing

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/ladda-csms/ladda"
)

// TaxRate is a value-added or sales tax rate in force in a country, or in one region of it,
// for a period of time.
//
// Rules, checked by NewTaxTable: Country is an ISO 3166-1 alpha-2 code of two upper-case
// letters ("SE", "GB" for the United Kingdom). Region is "" for the whole country, or an
// ISO 3166-2 subdivision code of that country: Country, "-", and one to three upper-case
// letters or digits ("US-CA"). Percent is not negative; 25.5 means 25.5 %. From, inclusive,
// is when the rate takes effect; the zero time means "since before anything Ladda bills". To,
// exclusive, is when it stops; nil means it is still in force, otherwise To is after From.
// Name is what invoices call the tax ("Moms", "MwSt", "Sales tax") and may be empty.
type TaxRate struct {
	Country string     `json:"country"`
	Region  string     `json:"region,omitempty"`
	Percent Quantity   `json:"percent"`
	From    time.Time  `json:"from,omitzero"`
	To      *time.Time `json:"to,omitempty"`
	Name    string     `json:"name,omitempty"`
}

// in reports whether r is in force at t.
func (r TaxRate) in(t time.Time) bool {
	return !t.Before(r.From) && (r.To == nil || t.Before(*r.To))
}

// TaxTable is a validated set of tax rates, looked up by TaxTable.Rate. It is immutable and
// safe for concurrent use.
type TaxTable struct {
	rates map[taxKey][]TaxRate // sorted by From; periods do not overlap
}

type taxKey struct{ country, region string }

// NewTaxTable checks rates against the rules of TaxRate and returns them as a table. Two rates
// for the same country and region (the country itself being region "") must not be in force at
// the same instant: a rate ending at instant T and the next one starting at T do not overlap.
// Errors are Invalid. The table keeps its own copy of rates.
func NewTaxTable(rates []TaxRate) (*TaxTable, error) {
	const op = "billing.NewTaxTable"
	t := &TaxTable{rates: map[taxKey][]TaxRate{}}
	for i, r := range rates {
		if err := checkPlace(op, r.Country, r.Region); err != nil {
			return nil, err
		}
		if r.Percent.Sign() < 0 {
			return nil, ladda.Errorf(ladda.Invalid, op, "rate %d for %s has negative percent %s", i, place(r.Country, r.Region), r.Percent)
		}
		if r.To != nil && !r.To.After(r.From) {
			return nil, ladda.Errorf(ladda.Invalid, op, "rate %d for %s ends at %s, not after its start %s", i, place(r.Country, r.Region), r.To, r.From)
		}
		if r.To != nil {
			to := *r.To
			r.To = &to
		}
		k := taxKey{r.Country, r.Region}
		t.rates[k] = append(t.rates[k], r)
	}
	for k, rs := range t.rates {
		slices.SortFunc(rs, func(a, b TaxRate) int { return a.From.Compare(b.From) })
		for i := 1; i < len(rs); i++ {
			if prev := rs[i-1]; prev.To == nil || prev.To.After(rs[i].From) {
				return nil, ladda.Errorf(ladda.Invalid, op, "rates for %s overlap: %s %% from %s and %s %% from %s",
					place(k.country, k.region), prev.Percent, prev.From.Format(time.RFC3339), rs[i].Percent, rs[i].From.Format(time.RFC3339))
			}
		}
	}
	return t, nil
}

// Rates returns every rate of the table, by country, region and start.
func (t *TaxTable) Rates() []TaxRate {
	var out []TaxRate
	for _, rs := range t.rates {
		out = append(out, rs...)
	}
	slices.SortFunc(out, func(a, b TaxRate) int {
		if c := strings.Compare(a.Country, b.Country); c != 0 {
			return c
		}
		if c := strings.Compare(a.Region, b.Region); c != 0 {
			return c
		}
		return a.From.Compare(b.From)
	})
	return out
}

// Override returns the rates of base with those of the places (country and region) that
// overrides names replaced by the overrides' rates, as one table: an operator's own rates for a
// place take the place of Ladda's defaults there. Errors as NewTaxTable's.
func Override(base, overrides []TaxRate) (*TaxTable, error) {
	named := map[taxKey]bool{}
	for _, r := range overrides {
		named[taxKey{r.Country, r.Region}] = true
	}
	all := slices.Clone(overrides)
	for _, r := range base {
		if !named[taxKey{r.Country, r.Region}] {
			all = append(all, r)
		}
	}
	return NewTaxTable(all)
}

// Rate returns the rate in force at instant at for a place: the region's own rate when region
// is not "" and the table has one in force at that instant, otherwise the country's. The caller
// chooses the instant, usually the tax point of the supply (for a charging session, its end).
//
// Errors: Invalid when country or region is malformed or region is not a subdivision of
// country; NotFound when no rate is in force for the region or the country.
func (t *TaxTable) Rate(country, region string, at time.Time) (TaxRate, error) {
	const op = "billing.TaxTable.Rate"
	if err := checkPlace(op, country, region); err != nil {
		return TaxRate{}, err
	}
	keys := []taxKey{{country, ""}}
	if region != "" {
		keys = []taxKey{{country, region}, {country, ""}}
	}
	for _, k := range keys {
		for _, r := range t.rates[k] {
			if r.in(at) {
				if r.To != nil {
					to := *r.To
					r.To = &to
				}
				return r, nil
			}
		}
	}
	return TaxRate{}, ladda.Errorf(ladda.NotFound, op, "no tax rate for %s at %s", place(country, region), at.Format(time.RFC3339))
}

func place(country, region string) string {
	if region == "" {
		return country
	}
	return region
}

func checkPlace(op, country, region string) error {
	if len(country) != 2 || !isUpper(country) {
		return ladda.Errorf(ladda.Invalid, op, "country %q is not an ISO 3166-1 alpha-2 code", country)
	}
	if region == "" {
		return nil
	}
	sub := region[min(len(region), 3):]
	if len(region) < 4 || region[:3] != country+"-" || len(sub) > 3 || !isUpperAlnum(sub) {
		return ladda.Errorf(ladda.Invalid, op, "region %q is not an ISO 3166-2 subdivision of %s", region, country)
	}
	return nil
}

func isUpperAlnum(s string) bool {
	for _, c := range s {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// DefaultTaxRates returns Ladda's built-in standard rates for public EV charging, which is
// taxed as a supply of a service or of electricity at the standard rate in each country listed.
// It is a starting point, not tax advice: operators must check and override the rates for
// their locations, and the list records only the changes named below; earlier periods are
// covered by the first rate listed, whose From is the zero time.
//
// Sources (statutes and tax authorities, as of 2025):
//   - SE 25 %, "Moms": mervärdesskattelag (2023:200) 9 kap. 1 §; Skatteverket.
//   - NO 25 %, "MVA": merverdiavgiftsloven § 5-1; Skatteetaten.
//   - DK 25 %, "Moms": momsloven § 33; Skattestyrelsen.
//   - FI 24 % until 31 August 2024, 25.5 % from 1 September 2024 (Finnish time), "ALV":
//     arvonlisäverolaki 84 § as amended in 2024; Vero.
//   - DE 19 %, "MwSt": UStG § 12 Abs. 1, with the temporary 16 % of 1 July to 31 December 2020
//     (Zweites Corona-Steuerhilfegesetz, UStG § 28 Abs. 1); Bundesministerium der Finanzen.
//   - NL 21 %, "BTW": Wet op de omzetbelasting 1968 art. 9; Belastingdienst.
//   - FR 20 %, "TVA": Code général des impôts art. 278; impots.gouv.fr.
//   - GB 20 %, "VAT": Value Added Tax Act 1994 s. 2; HMRC.
//   - US: none. There is no federal sales tax, and whether and how a state taxes public
//     charging (as electricity, as a service, or not at all), and at which combined state,
//     county and city rate, differs between states, places and years; a default would be wrong
//     more often than right. Operators add the rate of each location with its region
//     ("US-NY"); a US location without one has no rate (NotFound), never a guessed one.
//
// Instants are local midnight where the change took effect.
func DefaultTaxRates() []TaxRate {
	fiChange := time.Date(2024, 9, 1, 0, 0, 0, 0, time.FixedZone("EEST", 3*60*60))
	deCut := time.Date(2020, 7, 1, 0, 0, 0, 0, time.FixedZone("CEST", 2*60*60))
	deBack := time.Date(2021, 1, 1, 0, 0, 0, 0, time.FixedZone("CET", 1*60*60))
	return []TaxRate{
		{Country: "SE", Percent: pct(25, 1), Name: "Moms"},
		{Country: "NO", Percent: pct(25, 1), Name: "MVA"},
		{Country: "DK", Percent: pct(25, 1), Name: "Moms"},
		{Country: "FI", Percent: pct(24, 1), To: &fiChange, Name: "ALV"},
		{Country: "FI", Percent: pct(255, 10), From: fiChange, Name: "ALV"},
		{Country: "DE", Percent: pct(19, 1), To: &deCut, Name: "MwSt"},
		{Country: "DE", Percent: pct(16, 1), From: deCut, To: &deBack, Name: "MwSt"},
		{Country: "DE", Percent: pct(19, 1), From: deBack, Name: "MwSt"},
		{Country: "NL", Percent: pct(21, 1), Name: "BTW"},
		{Country: "FR", Percent: pct(20, 1), Name: "TVA"},
		{Country: "GB", Percent: pct(20, 1), Name: "VAT"},
	}
}

func pct(num, denom int64) Quantity { return Quantity{big.NewRat(num, denom)} }

// factor returns 1 + percent/100.
func factor(percent Quantity) *big.Rat {
	f := new(big.Rat).Quo(percent.rat(), big.NewRat(100, 1))
	return f.Add(f, big.NewRat(1, 1))
}

// TaxOf returns the tax on an amount excluding tax at percent, exactly: amount × percent / 100.
func TaxOf(exclusive Amount, percent Quantity) Amount {
	t := new(big.Rat).Mul(exclusive.rat(), percent.rat())
	return Amount{t.Quo(t, big.NewRat(100, 1))}
}

// InclusiveOf returns an amount excluding tax plus the tax at percent, exactly:
// exclusive × (1 + percent/100). It does not round.
func InclusiveOf(exclusive Amount, percent Quantity) Amount {
	return Amount{new(big.Rat).Mul(exclusive.rat(), factor(percent))}
}

// ExclusiveOf returns the amount excluding tax that an amount including tax at percent
// contains, exactly: inclusive / (1 + percent/100). It does not round, so a price entered
// including tax survives the round trip: InclusiveOf(ExclusiveOf(x, p), p) equals x. Percent
// must be greater than -100 (a TaxTable holds no negative percent); ExclusiveOf panics at -100.
func ExclusiveOf(inclusive Amount, percent Quantity) Amount {
	return Amount{new(big.Rat).Quo(inclusive.rat(), factor(percent))}
}

// TaxRounding says where the tax of a bill is rounded to the minor unit of its currency. Both
// round halves away from zero. Invoices should state which one applies; String gives the words.
type TaxRounding uint8

// The tax roundings. The zero value is PerInvoice.
const (
	// PerInvoice computes the tax once, on the exact total of the lines excluding tax, and
	// rounds it once. Per-line taxes are shown exact and unrounded, for information.
	PerInvoice TaxRounding = iota
	// PerLine computes the tax of each line on the line's exact amount, rounds it, and sums the
	// rounded taxes.
	PerLine
)

// String returns "per invoice" or "per line", as in "VAT rounded per line".
func (r TaxRounding) String() string {
	switch r {
	case PerInvoice:
		return "per invoice"
	case PerLine:
		return "per line"
	}
	return fmt.Sprintf("TaxRounding(%d)", r)
}

// TaxedBill is a bill with tax. The rules, as applied by Bill.WithTax, with amounts rounded
// half away from zero to the minor unit of the bill's currency:
//
//   - Net is the exact sum of the lines excluding tax, rounded; for a bill from Price it is
//     Bill.Total. It is the same under both roundings.
//   - Under PerLine, each line's Tax is its exact Amount times the rate, rounded, and Tax is the
//     sum of the lines' rounded taxes.
//   - Under PerInvoice, Tax is the exact sum of the lines times the rate, rounded once; each
//     line's Tax is its exact share, unrounded, shown for information only.
//   - Gross is Net + Tax, so Gross = Net + Tax holds exactly and all three are whole minor
//     units, whichever the rounding.
//   - A line's Total is its exact Amount plus its Tax, not rounded.
//
// The two roundings may differ in Tax, and so in Gross, by a few minor units, never by more
// than half a minor unit per line.
type TaxedBill struct {
	Bill     *Bill
	Rate     TaxRate
	Rounding TaxRounding
	Lines    []TaxedLine
	Net      Amount // excluding tax, rounded
	Tax      Amount // rounded
	Gross    Amount // Net + Tax
}

// TaxedLine is a line of a bill with its tax; see TaxedBill for how Tax is rounded.
type TaxedLine struct {
	Line
	Tax   Amount
	Total Amount // Amount + Tax, exact
}

// WithTax returns b with tax at rate, rounded as rounding says, following the rules of
// TaxedBill. Rounding values other than PerLine round per invoice. It does not check that rate
// applies to the bill; look it up with TaxTable.Rate. b is not changed and must not be changed
// while the TaxedBill is in use.
func (b *Bill) WithTax(rate TaxRate, rounding TaxRounding) *TaxedBill {
	exp := Exponent(b.Currency)
	tb := &TaxedBill{Bill: b, Rate: rate, Rounding: rounding, Lines: make([]TaxedLine, len(b.Lines))}
	net, tax := new(big.Rat), new(big.Rat)
	for i, l := range b.Lines {
		t := TaxOf(l.Amount, rate.Percent)
		if rounding == PerLine {
			t = t.Round(exp)
			tax.Add(tax, t.rat())
		}
		net.Add(net, l.Amount.rat())
		tb.Lines[i] = TaxedLine{Line: l, Tax: t, Total: l.Amount.Add(t)}
	}
	tb.Net = Amount{roundRat(net, exp)}
	if rounding == PerLine {
		tb.Tax = Amount{tax}
	} else {
		tb.Tax = TaxOf(Amount{net}, rate.Percent).Round(exp)
	}
	tb.Gross = tb.Net.Add(tb.Tax)
	return tb
}

// Statement returns a line for the invoice stating the tax and its rounding, such as
// "Moms 25 % of 100.00 SEK: 25.00 SEK, rounded per line to 0.01 SEK, halves away from zero".
func (tb *TaxedBill) Statement() string {
	exp := Exponent(tb.Bill.Currency)
	name := tb.Rate.Name
	if name == "" {
		name = "Tax"
	}
	unit := Amount{new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil))}
	return fmt.Sprintf("%s %s %% of %s %s: %s %s, rounded %s to %s %s, halves away from zero",
		name, tb.Rate.Percent, tb.Net.Format(exp), tb.Bill.Currency, tb.Tax.Format(exp), tb.Bill.Currency,
		tb.Rounding, unit.Format(exp), tb.Bill.Currency)
}
