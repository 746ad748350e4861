package billing

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ladda-csms/ladda"
)

// Subscriptions: plans with a monthly fee, included kWh and a member discount, and a member
// price through the plan's customer group. A subscriber's sessions are billed with the month's
// statement, not one by one: at the month's end one invoice carries the prorated fee, each
// session's energy with the included and discounted kWh taken off, and the sessions' other
// lines (time, parking, fees) as they were priced.

func noPlans(op string) error {
	return ladda.Errorf(ladda.Unavailable, op, "subscriptions are not available")
}

// checkPlanGroup refuses, as Invalid, a plan group that would hand out the price of groups
// Ladda gives by other rules: a fleet's cards ("fleet:N") or every registered card ("members").
func checkPlanGroup(op, g string) error {
	if g == "members" || strings.HasPrefix(g, "fleet:") {
		return ladda.Errorf(ladda.Invalid, op, "a plan's customer group cannot be %q: name one of its own, such as plus", g)
	}
	return nil
}

// CreatePlan checks and stores a plan.
func (s *Service) CreatePlan(ctx context.Context, p *Plan) error {
	const op = "billing.CreatePlan"
	if s.pay == nil {
		return noPlans(op)
	}
	if err := p.Check(); err != nil {
		return err
	}
	if err := checkPlanGroup(op, p.CustomerGroup); err != nil {
		return err
	}
	return ladda.Wrap(op, s.pay.CreatePlan(ctx, p))
}

// UpdatePlan checks and replaces a plan; its organisation stays. Running subscriptions are
// billed by the plan as it is at each month's end.
func (s *Service) UpdatePlan(ctx context.Context, p *Plan) error {
	const op = "billing.UpdatePlan"
	if s.pay == nil {
		return noPlans(op)
	}
	if err := p.Check(); err != nil {
		return err
	}
	if err := checkPlanGroup(op, p.CustomerGroup); err != nil {
		return err
	}
	return ladda.Wrap(op, s.pay.UpdatePlan(ctx, p))
}

// Plan returns one plan.
func (s *Service) Plan(ctx context.Context, id int64) (*Plan, error) {
	if s.pay == nil {
		return nil, noPlans("billing.Plan")
	}
	p, err := s.pay.Plan(ctx, id)
	return p, ladda.Wrap("billing.Plan", err)
}

// Plans lists the plans of an organisation (0: all).
func (s *Service) Plans(ctx context.Context, org int64) ([]*Plan, error) {
	if s.pay == nil {
		return nil, noPlans("billing.Plans")
	}
	list, err := s.pay.Plans(ctx, org)
	return list, ladda.Wrap("billing.Plans", err)
}

// Subscribe starts a user's subscription to a plan now. Errors: NotFound for an unknown plan;
// Conflict when the user has a running subscription of the plan's organisation.
func (s *Service) Subscribe(ctx context.Context, userID, planID int64) (*Subscription, error) {
	const op = "billing.Subscribe"
	if s.pay == nil {
		return nil, noPlans(op)
	}
	sub := &Subscription{PlanID: planID, UserID: userID, Start: s.clock.Now()}
	return sub, ladda.Wrap(op, s.pay.CreateSubscription(ctx, sub))
}

// Unsubscribe ends a subscription now; its last month is prorated.
func (s *Service) Unsubscribe(ctx context.Context, id int64) (*Subscription, error) {
	const op = "billing.Unsubscribe"
	if s.pay == nil {
		return nil, noPlans(op)
	}
	if err := s.pay.EndSubscription(ctx, id, s.clock.Now()); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	sub, err := s.pay.Subscription(ctx, id)
	return sub, ladda.Wrap(op, err)
}

// Subscription returns one subscription.
func (s *Service) Subscription(ctx context.Context, id int64) (*Subscription, error) {
	if s.pay == nil {
		return nil, noPlans("billing.Subscription")
	}
	sub, err := s.pay.Subscription(ctx, id)
	return sub, ladda.Wrap("billing.Subscription", err)
}

// Subscriptions lists the subscriptions of a user (userID > 0) or of a plan (planID > 0).
func (s *Service) Subscriptions(ctx context.Context, userID, planID int64) ([]*Subscription, error) {
	if s.pay == nil {
		return nil, noPlans("billing.Subscriptions")
	}
	list, err := s.pay.Subscriptions(ctx, userID, planID)
	return list, ladda.Wrap("billing.Subscriptions", err)
}

// running returns a user's subscriptions running at t.
func (s *Service) running(ctx context.Context, userID int64, t time.Time) ([]*Subscription, error) {
	if s.pay == nil || userID == 0 {
		return nil, nil
	}
	list, err := s.pay.Subscriptions(ctx, userID, 0)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(list, func(sub *Subscription) bool {
		return t.Before(sub.Start) || sub.End != nil && !t.Before(*sub.End)
	}), nil
}

// planGroups returns the customer groups of the plans of organisation org a user subscribes to
// at t: a plan's member price holds only at its seller's stations.
func (s *Service) planGroups(ctx context.Context, userID, org int64, t time.Time) []string {
	subs, err := s.running(ctx, userID, t)
	if err != nil {
		s.log.Warn("reading subscriptions", "user", userID, "err", err)
		return nil
	}
	var groups []string
	for _, sub := range subs {
		if sub.OrgID != org {
			continue
		}
		if p, err := s.pay.Plan(ctx, sub.PlanID); err == nil && p.CustomerGroup != "" && !slices.Contains(groups, p.CustomerGroup) {
			groups = append(groups, p.CustomerGroup)
		}
	}
	return groups
}

// subscriber reports whether the user of a session subscribes, at its end, to a plan of the
// organisation that sold it: such a session is billed with the month's statement.
func (s *Service) subscriber(ctx context.Context, c *CDR) (*Subscription, error) {
	subs, err := s.running(ctx, c.UserID, c.End)
	if err != nil {
		return nil, err
	}
	for _, sub := range subs {
		if sub.OrgID != c.OrgID || c.TokenOrgID != 0 {
			continue
		}
		p, err := s.pay.Plan(ctx, sub.PlanID)
		if err != nil {
			return nil, err
		}
		if p.Currency == c.Currency {
			return sub, nil // billed with the subscription's month (billMonth takes exactly these)
		}
	}
	return nil, nil
}

// billSubscriptions issues the monthly invoices of subscriptions for every whole month before
// until (the start of a month, UTC) that they have not been billed for, and charges them as
// their subscribers pay.
func (s *Service) billSubscriptions(ctx context.Context, until time.Time) ([]*Issued, error) {
	const op = "billing.billSubscriptions"
	if s.pay == nil {
		return nil, nil
	}
	subs, err := s.pay.Subscriptions(ctx, 0, 0)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	var out []*Issued
	for _, sub := range subs {
		from := time.Date(sub.Start.UTC().Year(), sub.Start.UTC().Month(), 1, 0, 0, 0, 0, time.UTC)
		if sub.BilledUntil != nil {
			from = sub.BilledUntil.UTC()
		}
		for month := from; month.Before(until); month = month.AddDate(0, 1, 0) {
			if sub.End != nil && !month.Before(*sub.End) {
				break
			}
			inv, err := s.billMonth(ctx, sub, month)
			if err != nil {
				if ladda.IsKind(err, ladda.Conflict) {
					break // billed meanwhile
				}
				return out, ladda.Wrap(op, err)
			}
			if inv != nil {
				out = append(out, inv)
			}
			to := month.AddDate(0, 1, 0)
			sub.BilledUntil = &to
		}
	}
	return out, nil
}

// billMonth issues the invoice of one month of a subscription and charges it.
func (s *Service) billMonth(ctx context.Context, sub *Subscription, month time.Time) (*Issued, error) {
	p, err := s.pay.Plan(ctx, sub.PlanID)
	if err != nil {
		return nil, err
	}
	end := month.AddDate(0, 1, 0)
	// The sessions of the month, whenever their CDRs were issued; and late ones of earlier
	// months (a station that reported after its month was billed), at their full price.
	var cdrs, late []*CDR
	for before := int64(0); ; {
		page, err := s.store.Uninvoiced(ctx, CDRFilter{UserID: sub.UserID, Before: before, Limit: 1000}, s.clock.Now().Add(time.Microsecond))
		if err != nil {
			return nil, err
		}
		for _, c := range page {
			if c.TokenOrgID != 0 || c.OrgID != sub.OrgID || c.Currency != p.Currency || !c.End.Before(end) || c.End.Before(sub.Start) ||
				sub.End != nil && !c.End.Before(*sub.End) {
				continue // not this subscription's: invoiced as any other session
			}
			if c.End.Before(month) {
				late = append(late, c)
			} else {
				cdrs = append(cdrs, c)
			}
		}
		if len(page) < 1000 {
			break
		}
		before = page[len(page)-1].ID
	}
	st, err := MonthlyStatement(*p, *sub, month.Year(), month.Month(), time.UTC, cdrs)
	if err != nil {
		return nil, err
	}
	seller, err := s.seller(ctx, sub.OrgID)
	if err != nil {
		return nil, err
	}
	buyer, lang, err := s.buyer(ctx, Owner{UserID: sub.UserID})
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	prev := sub.BilledUntil
	if prev != nil {
		t := prev.UTC()
		prev = &t
	}
	inv := &Issued{Invoice: Invoice{Kind: KindInvoice, Series: seller.Series, IssuedAt: now, DueAt: now.Add(PaymentTerms), Language: lang,
		Seller: seller.Party, Buyer: buyer, Currency: p.Currency, Reference: p.Name + ", " + month.Format("January 2006")},
		SellerOrgID: sub.OrgID, BuyerUserID: sub.UserID, SubscriptionID: sub.ID, PeriodFrom: prev, PeriodTo: &end}
	// Tax: a session's lines at the rate it was priced with; the fee at the home country's.
	feeRate, feeNote := s.Rate(ctx, Place{Country: s.homeCountry}, month)
	rates := map[string]Quantity{}
	for _, c := range append(slices.Clone(cdrs), late...) {
		rates["CDR-"+strconv.FormatInt(c.ID, 10)] = c.TaxPercent
		inv.CDRs = append(inv.CDRs, c.ID)
	}
	exp := Exponent(p.Currency)
	add := func(l InvoiceLine, pct Quantity) {
		l.TaxPercent = pct
		l.Tax = TaxOf(l.Net, pct).Round(exp)
		l.Total = l.Net.Add(l.Tax)
		inv.Lines = append(inv.Lines, l)
		inv.Net, inv.Tax = inv.Net.Add(l.Net), inv.Tax.Add(l.Tax)
	}
	// The statement's credits follow the energy line they take off: they carry its rate.
	var last *Quantity
	for _, l := range st.Lines {
		pct := feeRate.Percent
		switch {
		case l.Session != nil:
			r := rates[l.Session.CDR]
			pct, last = r, &r
		case last != nil:
			pct = *last
		}
		add(l, pct)
	}
	for _, c := range cdrs {
		for _, l := range cdrLines(c) {
			if l.Unit != "kWh" {
				add(l, c.TaxPercent)
			}
		}
	}
	for _, c := range late {
		for _, l := range cdrLines(c) {
			add(l, c.TaxPercent)
		}
	}
	if len(inv.Lines) == 0 {
		return nil, nil
	}
	inv.Net = inv.Net.Round(exp)
	inv.Total = inv.Net.Add(inv.Tax)
	inv.TaxNote = "Tax is rounded per line, halves away from zero."
	if feeNote != "" {
		inv.TaxNote += " The fee: " + feeNote + "."
	}
	if err := s.issue(ctx, "billing.billMonth", inv); err != nil {
		return nil, err
	}
	if err := s.chargeInvoice(ctx, inv, taxByCountry(inv, append(cdrs, late...), s.homeCountry)); err != nil {
		s.log.Error("charging a monthly invoice", "invoice", inv.ID, "err", err)
	}
	return inv, nil
}

// chargeInvoice takes a monthly invoice's total from its buyer's card or wallet, once. A card
// payment that fails is the buyer's debt, retried by RetryPayments.
func (s *Service) chargeInvoice(ctx context.Context, inv *Issued, taxes map[string]Amount) error {
	if inv.Total.Sign() <= 0 || inv.BuyerUserID == 0 {
		return nil
	}
	a, err := s.account(ctx, inv.BuyerUserID)
	if err != nil || a == nil {
		return err
	}
	ref := "invoice:" + strconv.FormatInt(inv.ID, 10)
	if a.Mode == PayByWallet {
		e, err := WalletDebit(inv.BuyerUserID, inv.SellerOrgID, anyCountry(taxes), inv.Net, inv.Tax, inv.Currency, ref, s.clock.Now())
		if err == nil {
			err = splitTax(e, taxes)
		}
		if err != nil {
			return err
		}
		_, err = s.pay.AppendEntry(ctx, e)
		return err
	}
	if s.gateway == nil {
		return nil
	}
	now := s.clock.Now()
	rec := &PaymentRecord{Kind: PayInvoice, UserID: inv.BuyerUserID, OrgID: inv.SellerOrgID, InvoiceID: inv.ID, Currency: inv.Currency, State: StatePending,
		Customer: a.Customer, Label: a.Label, Due: inv.Total, Country: anyCountry(taxes), TaxByCountry: taxes, CreatedAt: now, UpdatedAt: now}
	if _, err := s.pay.CreatePayment(ctx, rec); err != nil {
		return err
	}
	return s.collectInvoice(ctx, rec, a, inv)
}

// collectInvoice charges an invoice's payment and books it like a session's.
func (s *Service) collectInvoice(ctx context.Context, rec *PaymentRecord, a *PaymentAccount, inv *Issued) error {
	pay, err := s.gateway.Charge(ctx, PaymentRequest{Customer: a.Customer, Method: a.Method, Amount: inv.Total, Currency: inv.Currency,
		Description: "Invoice " + inv.Ref(), Key: "invoice:" + strconv.FormatInt(rec.ID, 10) + ":" + strconv.Itoa(rec.KeyGen),
		Metadata: map[string]string{"payment": strconv.FormatInt(rec.ID, 10), "invoice": inv.Ref()}})
	s.apply(rec, pay, err)
	return s.book(ctx, rec, invoiceAsCDR(rec, inv))
}

// invoiceAsCDR stands an invoice's totals in for a session's, for booking its payment.
func invoiceAsCDR(rec *PaymentRecord, inv *Issued) *CDR {
	return &CDR{OrgID: inv.SellerOrgID, Place: Place{Country: rec.Country}, Currency: inv.Currency, Net: inv.Net, Tax: inv.Tax, Total: inv.Total}
}

// taxByCountry sums an invoice's rounded line taxes by the country each is owed to: a
// session's lines to its site's country, the others (the fee) to home.
func taxByCountry(inv *Issued, cdrs []*CDR, home string) map[string]Amount {
	country := map[string]string{}
	for _, c := range cdrs {
		country["CDR-"+strconv.FormatInt(c.ID, 10)] = c.Place.Country
	}
	out := map[string]Amount{}
	for _, l := range inv.Lines {
		k := home
		if l.Session != nil {
			k = country[l.Session.CDR]
		}
		if l.Tax.Sign() != 0 {
			out[k] = out[k].Add(l.Tax)
		}
	}
	return out
}

// anyCountry is one country of taxes (the first in order), for the entry builders that take
// one; splitTax then spreads the tax over all of them. "" when there is no tax.
func anyCountry(taxes map[string]Amount) string {
	keys := slices.Sorted(maps.Keys(taxes))
	if len(keys) == 0 {
		return ""
	}
	return keys[0]
}

// splitTax replaces the one tax posting of e by one per country of taxes, with the same sign,
// and checks e again. With at most one country, or no tax posting, it leaves e as it is.
func splitTax(e *Entry, taxes map[string]Amount) error {
	if len(taxes) < 2 {
		return nil
	}
	i := slices.IndexFunc(e.Postings, func(p Posting) bool { return strings.HasPrefix(string(p.Account), "tax:") })
	if i < 0 {
		return nil // no tax in it: a debt's settlement, say
	}
	sign := e.Postings[i].Amount.Sign()
	e.Postings = slices.Delete(e.Postings, i, i+1)
	for _, c := range slices.Sorted(maps.Keys(taxes)) {
		amount := taxes[c]
		if sign < 0 {
			amount = Amount{}.Sub(amount)
		}
		e.Postings = append(e.Postings, Posting{Account: TaxAccount(c), Amount: amount})
	}
	return e.Check()
}
