package httpapi

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/billing"
)

// Revenue reports: what CDRs billed, added up by station, site, tariff, customer group, day or
// month, as JSON or CSV; and the reconciliation of captured payments against CDRs.

// RevenueRow is one group of a revenue report in one currency.
type RevenueRow struct {
	Key      string `json:"key" doc:"The station, site id, tariff name, customer group, day (YYYY-MM-DD) or month (YYYY-MM), by groupBy; empty: none."`
	Currency string `json:"currency"`
	Sessions int    `json:"sessions"`
	EnergyWh int64  `json:"energyWh"`
	Net      string `json:"net"`
	Tax      string `json:"tax"`
	Total    string `json:"total"`
}

type revenueInput struct {
	From    time.Time `query:"from" required:"true" doc:"Sessions that ended at or after this instant."`
	To      time.Time `query:"to" required:"true" doc:"…and before this one."`
	GroupBy string    `query:"groupBy" enum:"station,site,tariff,group,day,month" doc:"Default station."`
}

func (s *server) revenueRows(ctx context.Context, in *revenueInput) ([]RevenueRow, error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	rows, err := s.billing.Revenue(ctx, billing.ReportFilter{OrgID: orgScope(caller(ctx)), From: in.From, To: in.To, GroupBy: billing.GroupBy(in.GroupBy)})
	if err != nil {
		return nil, err
	}
	out := make([]RevenueRow, 0, len(rows))
	for _, r := range rows {
		exp := billing.Exponent(r.Currency)
		out = append(out, RevenueRow{Key: r.Key, Currency: r.Currency, Sessions: r.Sessions, EnergyWh: r.EnergyWh,
			Net: r.Net.Format(exp), Tax: r.Tax.Format(exp), Total: r.Total.Format(exp)})
	}
	return out, nil
}

// revenue handles GET /api/v1/reports/revenue.
func (s *server) revenue(ctx context.Context, in *revenueInput) (*listOutput[RevenueRow], error) {
	rows, err := s.revenueRows(ctx, in)
	if err != nil {
		return nil, err
	}
	return &listOutput[RevenueRow]{Body: List[RevenueRow]{Items: rows}}, nil
}

// revenueCSV handles GET /api/v1/reports/revenue.csv: the same rows as CSV.
func (s *server) revenueCSV(ctx context.Context, in *revenueInput) (*csvOutput, error) {
	out, err := s.revenueRows(ctx, in)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"key", "currency", "sessions", "energy_wh", "net", "tax", "total"})
	for _, r := range out {
		w.Write([]string{csvSafe(r.Key), r.Currency, strconv.Itoa(r.Sessions), strconv.FormatInt(r.EnergyWh, 10), r.Net, r.Tax, r.Total})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, ladda.Wrap("httpapi.revenue", err)
	}
	return &csvOutput{ContentType: "text/csv; charset=utf-8", ContentDisposition: `attachment; filename="ladda-revenue.csv"`, Body: buf.Bytes()}, nil
}

// csvSafe keeps a spreadsheet from reading text as a formula: text that starts with =, +, -,
// @, a tab or a carriage return gets a leading apostrophe.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Reconciliation compares, in one currency, what card-paid sessions billed with what was
// captured and refunded.
type Reconciliation struct {
	Currency  string  `json:"currency"`
	Sessions  int     `json:"sessions"`
	Billed    string  `json:"billed"`
	Captured  string  `json:"captured"`
	Refunded  string  `json:"refunded"`
	Unsettled []int64 `json:"unsettledCdrs" nullable:"false" doc:"CDRs whose capture differs from their total: debts and failures."`
}

type reconcileInput struct {
	From time.Time `query:"from" required:"true"`
	To   time.Time `query:"to" required:"true"`
}

// reconcile handles GET /api/v1/reports/reconciliation.
func (s *server) reconcile(ctx context.Context, in *reconcileInput) (*listOutput[Reconciliation], error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	list, err := s.billing.Reconcile(ctx, billing.ReportFilter{OrgID: orgScope(caller(ctx)), From: in.From, To: in.To})
	if err != nil {
		return nil, err
	}
	out := &listOutput[Reconciliation]{Body: List[Reconciliation]{Items: make([]Reconciliation, 0, len(list))}}
	for _, r := range list {
		exp := billing.Exponent(r.Currency)
		v := Reconciliation{Currency: r.Currency, Sessions: r.Sessions, Billed: r.Billed.Format(exp), Captured: r.Captured.Format(exp),
			Refunded: r.Refunded.Format(exp), Unsettled: r.Unsettled}
		if v.Unsettled == nil {
			v.Unsettled = []int64{}
		}
		out.Body.Items = append(out.Body.Items, v)
	}
	return out, nil
}
