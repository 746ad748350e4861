package billing

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda"
)

// GroupBy is what a revenue report adds up by.
type GroupBy string

// The groupings of a revenue report.
const (
	ByStation GroupBy = "station"
	BySite    GroupBy = "site"
	ByTariff  GroupBy = "tariff"
	ByGroup   GroupBy = "group" // customer group
	ByDay     GroupBy = "day"   // in UTC
	ByMonth   GroupBy = "month" // in UTC
)

// ReportFilter selects the CDRs of a report: those of an organisation's stations (0: all)
// whose session ended in [From, To).
type ReportFilter struct {
	OrgID    int64
	From, To time.Time
	GroupBy  GroupBy
}

// ReportRow is one group of a revenue report, in one currency. Net, Tax and Total are the sums
// of the CDRs' rounded amounts.
type ReportRow struct {
	Key      string
	Currency string
	Sessions int
	EnergyWh int64
	Net      Amount
	Tax      Amount
	Total    Amount
}

// reportPage is how many CDRs a report reads at a time.
const reportPage = 1000

// Revenue adds up the CDRs f selects by f.GroupBy and currency, with the fees of the
// sponsorships that ended in the period (tax is the operator's to add to those), sorted by key
// and currency.
func (s *Service) Revenue(ctx context.Context, f ReportFilter) ([]ReportRow, error) {
	const op = "billing.Revenue"
	if !f.To.After(f.From) {
		return nil, ladda.Errorf(ladda.Invalid, op, "the period must end after it starts")
	}
	key, err := reportKey(f.GroupBy)
	if err != nil {
		return nil, err
	}
	type k struct{ key, currency string }
	rows := map[k]*ReportRow{}
	err = s.eachCDR(ctx, f, func(c *CDR) {
		id := k{key(c), c.Currency}
		r := rows[id]
		if r == nil {
			r = &ReportRow{Key: id.key, Currency: id.currency}
			rows[id] = r
		}
		r.Sessions++
		r.EnergyWh += c.EnergyWh
		r.Net, r.Tax, r.Total = r.Net.Add(c.Net), r.Tax.Add(c.Tax), r.Total.Add(c.Total)
	})
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	// Sponsorships that ended in the period are revenue too: their fee, by the day or month
	// they ended, otherwise as "sponsorship:<sponsor>".
	if store, err := s.campaignStore(op); err == nil {
		ended, err := store.SponsorCampaigns(ctx, CampaignFilter{OrgID: f.OrgID, Statuses: []CampaignStatus{CampaignEnded}, EndsAfter: f.From.Add(-time.Nanosecond)})
		if err != nil {
			return nil, ladda.Wrap(op, err)
		}
		for _, c := range ended {
			if !c.EndAt.Before(f.To) || (f.OrgID != 0 && c.OrgID != f.OrgID) {
				continue
			}
			rep, err := s.ReportCampaign(ctx, c.ID)
			if err != nil {
				return nil, ladda.Wrap(op, err)
			}
			if rep.Fee.Sign() == 0 {
				continue
			}
			id := k{"sponsorship:" + c.Sponsor, c.Currency}
			switch f.GroupBy {
			case ByDay:
				id.key = c.EndAt.UTC().Format(time.DateOnly)
			case ByMonth:
				id.key = c.EndAt.UTC().Format("2006-01")
			}
			r := rows[id]
			if r == nil {
				r = &ReportRow{Key: id.key, Currency: id.currency}
				rows[id] = r
			}
			r.Net, r.Total = r.Net.Add(rep.Fee), r.Total.Add(rep.Fee)
		}
	}
	out := make([]ReportRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b ReportRow) int {
		if a.Key != b.Key {
			if a.Key < b.Key {
				return -1
			}
			return 1
		}
		if a.Currency < b.Currency {
			return -1
		}
		if a.Currency > b.Currency {
			return 1
		}
		return 0
	})
	return out, nil
}

func reportKey(g GroupBy) (func(*CDR) string, error) {
	switch g {
	case ByStation, "":
		return func(c *CDR) string { return string(c.StationID) }, nil
	case BySite:
		return func(c *CDR) string {
			if c.Place.SiteID == 0 {
				return ""
			}
			return strconv.FormatInt(c.Place.SiteID, 10)
		}, nil
	case ByTariff:
		return func(c *CDR) string { return c.TariffName }, nil
	case ByGroup:
		return func(c *CDR) string { return c.CustomerGroup }, nil
	case ByDay:
		return func(c *CDR) string { return c.End.UTC().Format(time.DateOnly) }, nil
	case ByMonth:
		return func(c *CDR) string { return c.End.UTC().Format("2006-01") }, nil
	}
	return nil, ladda.Errorf(ladda.Invalid, "billing.Revenue", "groupBy must be station, site, tariff, group, day or month")
}

// eachCDR calls fn for each CDR of the organisation whose session ended in the period. CDRs
// are read newest first; a CDR is issued when its session ends, so reading stops at the first
// page whose CDRs were all issued before the period began.
func (s *Service) eachCDR(ctx context.Context, f ReportFilter, fn func(*CDR)) error {
	for before := int64(0); ; {
		page, err := s.store.CDRs(ctx, CDRFilter{OrgID: f.OrgID, Before: before, Limit: reportPage})
		if err != nil {
			return err
		}
		older := true
		for _, c := range page {
			if !c.IssuedAt.Before(f.From) {
				older = false
			}
			if !c.End.Before(f.From) && c.End.Before(f.To) {
				fn(c)
			}
		}
		if len(page) < reportPage || older {
			return nil
		}
		before = page[len(page)-1].ID
	}
}

// Reconciliation compares, per currency, what the CDRs of card-paid sessions in a period
// billed with what the gateway captured and refunded for them, and lists the sessions where
// they differ (unpaid debts, partial captures).
type Reconciliation struct {
	Currency  string
	Sessions  int
	Billed    Amount // the CDRs' totals
	Captured  Amount
	Refunded  Amount
	Unsettled []int64 // CDRs whose capture is not their total: debts, failures
}

// Reconcile reconciles the captured payments of a period against its CDRs.
func (s *Service) Reconcile(ctx context.Context, f ReportFilter) ([]Reconciliation, error) {
	const op = "billing.Reconcile"
	if s.pay == nil {
		return nil, ladda.Errorf(ladda.Unavailable, op, "payments are not configured")
	}
	byCurrency := map[string]*Reconciliation{}
	var failed error
	err := s.eachCDR(ctx, f, func(c *CDR) {
		if failed != nil {
			return
		}
		p, err := s.pay.PaymentOfTransaction(ctx, c.TransactionID, PaySession)
		if ladda.IsKind(err, ladda.NotFound) {
			return // not paid by card: invoiced or from a wallet
		}
		if err != nil {
			failed = err
			return
		}
		r := byCurrency[c.Currency]
		if r == nil {
			r = &Reconciliation{Currency: c.Currency}
			byCurrency[c.Currency] = r
		}
		r.Sessions++
		r.Billed, r.Captured, r.Refunded = r.Billed.Add(c.Total), r.Captured.Add(p.Captured), r.Refunded.Add(p.Refunded)
		if p.Captured.Cmp(c.Total) != 0 {
			r.Unsettled = append(r.Unsettled, c.ID)
		}
	})
	if err == nil {
		err = failed
	}
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	out := make([]Reconciliation, 0, len(byCurrency))
	for _, r := range byCurrency {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b Reconciliation) int {
		if a.Currency < b.Currency {
			return -1
		}
		return 1
	})
	return out, nil
}
