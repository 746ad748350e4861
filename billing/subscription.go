package billing

import (
	"cmp"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/ladda-csms/ladda"
)

// Plan is a monthly subscription a driver can take: a fee, energy included every month, and a
// discount on the energy beyond it. Members also get the tariffs of the plan's customer group.
//
// Rules, checked by Check: Name is not empty. Currency is an ISO 4217 code of three upper-case
// letters; the plan applies only to sessions priced in it. MonthlyFee excludes tax, is not
// negative and has no more decimals than the currency's minor unit. IncludedKWh, free every
// calendar month and not carried over, is not negative. DiscountPercent, off the energy of the
// member's sessions beyond the included kWh, is from 0 to 100. CustomerGroup, "" for none,
// follows the rules of Assignment's groups.
type Plan struct {
	ID              int64    `json:"id"`
	OrgID           int64    `json:"orgId,omitempty"` // the operator organisation that sells it; 0: the installation
	Name            string   `json:"name"`
	Currency        string   `json:"currency"`
	MonthlyFee      Amount   `json:"monthlyFee"`      // excluding tax
	IncludedKWh     Quantity `json:"includedKWh"`     // per calendar month, free
	DiscountPercent Quantity `json:"discountPercent"` // off energy beyond the included kWh
	CustomerGroup   string   `json:"customerGroup,omitempty"`
}

// Check returns an Invalid error naming the first rule of Plan that p breaks, or nil.
func (p Plan) Check() error {
	const op = "billing.Plan.Check"
	switch {
	case strings.TrimSpace(p.Name) == "":
		return ladda.Errorf(ladda.Invalid, op, "plan %d has no name", p.ID)
	case !isCurrency(p.Currency):
		return ladda.Errorf(ladda.Invalid, op, "plan %q: currency %q is not an ISO 4217 code", p.Name, p.Currency)
	case p.MonthlyFee.Sign() < 0 || !p.MonthlyFee.IsRounded(Exponent(p.Currency)):
		return ladda.Errorf(ladda.Invalid, op, "plan %q: monthly fee %s must be non-negative with at most %d decimals", p.Name, p.MonthlyFee, Exponent(p.Currency))
	case p.IncludedKWh.Sign() < 0:
		return ladda.Errorf(ladda.Invalid, op, "plan %q: included kWh %s is negative", p.Name, p.IncludedKWh)
	case p.DiscountPercent.Sign() < 0 || p.DiscountPercent.Cmp(pct(100, 1)) > 0:
		return ladda.Errorf(ladda.Invalid, op, "plan %q: discount %s %% is not between 0 and 100", p.Name, p.DiscountPercent)
	}
	return checkGroup(op, p.CustomerGroup)
}

// Subscription is a user's membership of a plan, billed to the user; OrgID is the
// organisation that sells the plan. It is active from Start, inclusive, until End, exclusive;
// End is nil while it runs and, when set, after Start.
type Subscription struct {
	ID     int64      `json:"id"`
	PlanID int64      `json:"planId"`
	UserID int64      `json:"userId"`
	OrgID  int64      `json:"orgId,omitempty"`
	Start  time.Time  `json:"start"`
	End    *time.Time `json:"end,omitempty"`
	// BilledUntil is how far monthly invoices have been issued (the start of the month after
	// the last one billed); nil: none yet.
	BilledUntil *time.Time `json:"billedUntil,omitempty"`
}

// Statement is what a subscription bills for one calendar month, excluding tax: its lines,
// their exact sum rounded half away from zero to the minor unit of the plan's currency (Net),
// the energy of the member's sessions counted in the month (UsedKWh) and the included energy
// left unused (IncludedLeft). Tax is the invoice's to add: the lines' TaxPercent and Tax are
// zero and their Total equals their Net.
type Statement struct {
	Lines        []InvoiceLine `json:"lines"`
	Net          Amount        `json:"net"`
	UsedKWh      Quantity      `json:"usedKWh"`
	IncludedLeft Quantity      `json:"includedLeft"`
}

// MonthlyStatement returns the statement of subscription s to plan p for a calendar month in
// loc, from the member's CDRs. It is a pure function. The rules:
//
//   - The fee line charges the monthly fee for the share of the month the subscription was
//     active: its active time in the month divided by the month's length, both exact to the
//     nanosecond, so a month with a DST change has an hour more or less. Its quantity is that
//     share, in months. A subscription not active in the month at all gives an empty
//     statement: no lines and nothing used or left.
//   - The month's sessions are the CDRs whose End falls in the month and in the active period;
//     others are ignored. They are taken in End order (then by ID), and within a CDR its ENERGY
//     lines in order. A statement bills the energy of its sessions: each ENERGY line becomes an
//     "Energy" line at the CDR line's quantity, unit price and amount, carrying the session.
//     A session's other dimensions (FLAT, TIME, PARKING_TIME) and adjustments are not the
//     plan's business and stay with the session's own bill.
//   - The included kWh, not prorated, cover the energy first: after each energy line, an
//     "Included energy" line credits the kWh it covers at that line's unit price, until the
//     included kWh are used up. Energy at a unit price of zero is free already and uses none.
//   - The discount applies to the energy not covered: a "Member discount N %" line credits N %
//     of the uncovered kWh at the line's unit price.
//
// Credit lines have a negative unit price and net; a zero credit is left out. So Net never
// exceeds the fee plus the energy of the sessions, and is not negative when the fee is zero.
//
// Errors are Invalid: p breaks a rule of Plan, s belongs to another plan or ends before it
// starts, loc is nil or month is not 1 to 12, or a session counted in the month is nil, is in
// another currency than the plan, belongs to another user than s, is given twice, or has an
// ENERGY line with a negative quantity or unit price, or whose amount is not its quantity times
// its unit price.
func MonthlyStatement(p Plan, s Subscription, year int, month time.Month, loc *time.Location, cdrs []*CDR) (*Statement, error) {
	const op = "billing.MonthlyStatement"
	if err := p.Check(); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	switch {
	case s.PlanID != p.ID:
		return nil, ladda.Errorf(ladda.Invalid, op, "subscription %d is to plan %d, not %d", s.ID, s.PlanID, p.ID)
	case s.End != nil && !s.End.After(s.Start):
		return nil, ladda.Errorf(ladda.Invalid, op, "subscription %d ends at %s, not after its start %s", s.ID, s.End.Format(time.RFC3339), s.Start.Format(time.RFC3339))
	case loc == nil:
		return nil, ladda.Errorf(ladda.Invalid, op, "no time zone")
	case month < time.January || month > time.December:
		return nil, ladda.Errorf(ladda.Invalid, op, "month %d is not 1 to 12", month)
	}
	first := time.Date(year, month, 1, 0, 0, 0, 0, loc)
	next := time.Date(year, month+1, 1, 0, 0, 0, 0, loc)
	from, to := latest(first, s.Start), next
	if s.End != nil && s.End.Before(to) {
		to = *s.End
	}
	st := &Statement{}
	if !from.Before(to) {
		return st, nil
	}

	var taken []*CDR
	ids := map[int64]bool{}
	for i, c := range cdrs {
		if c == nil {
			return nil, ladda.Errorf(ladda.Invalid, op, "CDR %d of the list is nil", i)
		}
		if c.End.Before(from) || !c.End.Before(to) {
			continue
		}
		switch {
		case c.Currency != p.Currency:
			return nil, ladda.Errorf(ladda.Invalid, op, "CDR %d is in %s, plan %q in %s", c.ID, c.Currency, p.Name, p.Currency)
		case c.UserID != s.UserID:
			return nil, ladda.Errorf(ladda.Invalid, op, "CDR %d is of user %d, subscription %d of user %d", c.ID, c.UserID, s.ID, s.UserID)
		case ids[c.ID]:
			return nil, ladda.Errorf(ladda.Invalid, op, "CDR %d is given twice", c.ID)
		}
		ids[c.ID] = true
		taken = append(taken, c)
	}
	slices.SortStableFunc(taken, func(a, b *CDR) int {
		return cmp.Or(a.End.Compare(b.End), cmp.Compare(a.ID, b.ID))
	})

	share := new(big.Rat).SetFrac64(int64(to.Sub(from)), int64(next.Sub(first)))
	months := Quantity{share}
	sum := new(big.Rat)
	add := func(l InvoiceLine) {
		l.Total = l.Net
		sum.Add(sum, l.Net.rat())
		st.Lines = append(st.Lines, l)
	}
	add(InvoiceLine{
		Description: fmt.Sprintf("Subscription %s, %s %d", p.Name, month, year),
		Quantity:    months,
		Unit:        "month",
		UnitPrice:   p.MonthlyFee,
		Net:         p.MonthlyFee.Mul(months),
	})

	left := new(big.Rat).Set(p.IncludedKWh.rat())
	used := new(big.Rat)
	off := new(big.Rat).Quo(p.DiscountPercent.rat(), big.NewRat(100, 1))
	discount := fmt.Sprintf("Member discount %s %%", p.DiscountPercent)
	for _, c := range taken {
		ref := &SessionRef{CDR: fmt.Sprintf("CDR-%d", c.ID), StationID: string(c.StationID), Address: c.Place.Address,
			Start: c.Start, End: c.End, EnergyWh: c.EnergyWh, TimeZone: c.Place.TimeZone}
		for j, l := range c.Lines {
			if l.Type != Energy {
				continue
			}
			if l.Quantity.Sign() < 0 || l.UnitPrice.Sign() < 0 || l.UnitPrice.Mul(l.Quantity).Cmp(l.Amount) != 0 {
				return nil, ladda.Errorf(ladda.Invalid, op, "CDR %d line %d: %s kWh at %s is not %s", c.ID, j, l.Quantity, l.UnitPrice, l.Amount)
			}
			used.Add(used, l.Quantity.rat())
			add(InvoiceLine{Description: "Energy", Session: ref, Quantity: l.Quantity, Unit: "kWh", UnitPrice: l.UnitPrice, Net: l.Amount})

			var covered Quantity
			if l.UnitPrice.Sign() > 0 {
				covered = Quantity{minRat(left, l.Quantity.rat())}
				left.Sub(left, covered.rat())
			}
			if credit := neg(l.UnitPrice); covered.Sign() > 0 {
				add(InvoiceLine{Description: "Included energy", Quantity: covered, Unit: "kWh", UnitPrice: credit, Net: credit.Mul(covered)})
			}
			uncovered := Quantity{new(big.Rat).Sub(l.Quantity.rat(), covered.rat())}
			if credit := (Amount{new(big.Rat).Mul(l.UnitPrice.rat(), off)}); uncovered.Sign() > 0 && credit.Sign() != 0 {
				add(InvoiceLine{Description: discount, Quantity: uncovered, Unit: "kWh", UnitPrice: neg(credit), Net: neg(credit.Mul(uncovered))})
			}
		}
	}
	st.Net = Amount{roundRat(sum, Exponent(p.Currency))}
	st.UsedKWh, st.IncludedLeft = Quantity{used}, Quantity{left}
	return st, nil
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minRat(a, b *big.Rat) *big.Rat {
	if a.Cmp(b) < 0 {
		return new(big.Rat).Set(a)
	}
	return new(big.Rat).Set(b)
}
