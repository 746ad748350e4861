package billing_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/billing"
	"github.com/ladda-csms/ladda/billing/invoicepdf"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/station"
	"github.com/ladda-csms/ladda/store/sqlite"
)

// The service runs over a real SQLite store, which is also its Sources.

type env struct {
	svc   *billing.Service
	db    *sqlite.DB
	clock *ladda.ManualClock
	org   int64
	site  *station.Site
}

// t0 is a Monday noon in Stockholm (CET).
var t0 = time.Date(2025, 3, 3, 11, 0, 0, 0, time.UTC)

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "b.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := ladda.NewManualClock(t0)
	svc, err := billing.NewService(db, db, billing.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	org := &account.Organisation{Name: "CPO", Kind: account.OperatorOrg, CreatedAt: t0}
	if err := db.CreateOrganisation(ctx, org); err != nil {
		t.Fatal(err)
	}
	site := &station.Site{OrgID: org.ID, Name: "Depot", Address: "Storgatan 1", PostalCode: "111 22", City: "Stockholm", Country: "SE",
		TimeZone: "Europe/Stockholm", CreatedAt: t0, UpdatedAt: t0}
	if err := db.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	e := &env{svc: svc, db: db, clock: clock, org: org.ID, site: site}
	e.station(t, "CP-1", site.ID)
	return e
}

func (e *env) station(t *testing.T, id ladda.StationID, site int64) {
	t.Helper()
	if err := e.db.CreateStation(t.Context(), &station.Station{ID: id, Registration: station.Accepted, OrgID: e.org, CreatedAt: t0, UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if site != 0 {
		if _, err := e.db.UpdateStation(t.Context(), id, station.Update{SiteID: &site}, t0); err != nil {
			t.Fatal(err)
		}
	}
}

func amount(t *testing.T, s string) billing.Amount {
	t.Helper()
	a, err := billing.ParseAmount(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// tariff stores a tariff of the env's organisation: energy at price per kWh, and parking at
// parking per hour after 10 minutes of grace.
func (e *env) tariff(t *testing.T, name, price, parking string, inclTax bool) *billing.StoredTariff {
	t.Helper()
	grace := 10 * time.Minute
	st := &billing.StoredTariff{OrgID: e.org, Name: name, PricesIncludeTax: inclTax, Tariff: billing.Tariff{Currency: "SEK", Elements: []billing.Element{
		{Components: []billing.Component{{Type: billing.Energy, Price: amount(t, price)}}},
		{Components: []billing.Component{{Type: billing.ParkingTime, Price: amount(t, parking)}}, Restrictions: billing.Restrictions{MinParking: &grace}},
	}}}
	if err := e.svc.CreateTariff(t.Context(), st); err != nil {
		t.Fatal(err)
	}
	return st
}

// charge runs a transaction on station id for token: 10 kWh in the first hour (a reading every
// 15 minutes), then 30 minutes connected without charging.
func (e *env) charge(t *testing.T, id ladda.StationID, token string) *charging.Transaction {
	t.Helper()
	ctx := t.Context()
	start := 1000.0
	tx := &charging.Transaction{StationID: id, StartKey: "k" + token + string(id) + e.clock.Now().String(), EVSEID: 1, ConnectorID: 1, IDToken: token,
		StartedAt: e.clock.Now(), MeterStartWh: &start, MeterLastWh: &start, UpdatedAt: e.clock.Now()}
	if _, err := e.db.StartTransaction(ctx, tx); err != nil {
		t.Fatal(err)
	}
	e.svc.Handle(ctx, ladda.Event{Type: ladda.EventTransactionStarted, Data: tx})
	for i := 1; i <= 6; i++ { // readings at 15, 30, 45, 60, 75, 90 minutes
		e.clock.Advance(15 * time.Minute)
		wh := start + float64(min(i, 4))*2500
		if _, err := e.db.RecordMeterValues(ctx, charging.MeterReport{StationID: id, TransactionID: tx.ID, EVSEID: 1, ConnectorID: 1,
			Samples: []charging.Sample{{Time: e.clock.Now(), Measurand: charging.MeasurandEnergyImport, Unit: "Wh", Value: wh}}, RegisterWh: &wh, At: e.clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	stop := start + 10000
	stopped, err := e.db.StopTransaction(ctx, charging.StopReport{TransactionID: tx.ID, StoppedAt: e.clock.Now(), MeterStopWh: &stop, At: e.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return stopped
}

func TestCDRFromAFrozenPrice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	std := e.tariff(t, "Standard", "3.125", "60", true) // prices include 25 % VAT
	if err := e.svc.Assign(ctx, &billing.Assignment{TariffID: std.ID, SiteID: e.site.ID}); err != nil {
		t.Fatal(err)
	}
	tx := e.charge(t, "CP-1", "TAG-1")

	// A later change of the tariff does not touch the session's price.
	std.Tariff.Elements[0].Components[0].Price = amount(t, "99")
	if err := e.svc.UpdateTariff(ctx, std); err != nil {
		t.Fatal(err)
	}
	e.svc.Handle(ctx, ladda.Event{Type: ladda.EventTransactionEnded, Data: tx})
	list, err := e.svc.CDRs(ctx, billing.CDRFilter{OrgID: e.org})
	if err != nil || len(list) != 1 {
		t.Fatalf("CDRs = %v, %v; want the one the end issued", list, err)
	}
	c := list[0]
	// 10 kWh at 2.50 excluding tax; 30 minutes parked, the first 10 free, 20 at 48.00/h
	// excluding tax: 16.00. Net 41.00, VAT 10.25, total 51.25.
	if c.Net.String() != "41" || c.Tax.String() != "10.25" || c.Total.String() != "51.25" || c.Currency != "SEK" {
		t.Errorf("CDR net %s tax %s total %s %s; want 41, 10.25, 51.25 SEK", c.Net, c.Tax, c.Total, c.Currency)
	}
	if c.EnergyWh != 10000 || c.ChargingTime != 3600 || c.ParkingTime != 1800 || c.TariffName != "Standard" || c.Place.Country != "SE" {
		t.Errorf("CDR = %+v", c)
	}
	if c.TaxPercent.String() != "25" || !strings.Contains(c.TaxNote, "rounded per invoice") || c.Place.Address != "Storgatan 1, 111 22 Stockholm, SE" {
		t.Errorf("tax %s%%, note %q, address %q", c.TaxPercent, c.TaxNote, c.Place.Address)
	}
	if len(c.Lines) != 2 || c.Lines[0].Type != billing.Energy || c.Lines[0].Quantity.String() != "10" || c.Lines[1].Type != billing.ParkingTime {
		t.Errorf("lines = %+v", c.Lines)
	}
	// Issuing again returns the same record.
	again, err := e.svc.IssueCDR(ctx, tx.ID)
	if err != nil || again.ID != c.ID || again.Total.String() != "51.25" {
		t.Errorf("second IssueCDR = %+v, %v", again, err)
	}
	// What the station is told: the total including tax.
	if total, ok, err := e.svc.TotalCost(ctx, tx); err != nil || !ok || total != 51.25 {
		t.Errorf("TotalCost = %v, %v, %v; want 51.25", total, ok, err)
	}
}

func TestRunningCostAndCustomerGroups(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	std := e.tariff(t, "Standard", "4", "0", false)
	member := e.tariff(t, "Members", "3", "0", false)
	fleet := e.tariff(t, "Fleet", "2", "0", false)
	for _, a := range []*billing.Assignment{
		{TariffID: std.ID, SiteID: e.site.ID},
		{TariffID: member.ID, StationID: "CP-1", CustomerGroup: "members"},
		{TariffID: fleet.ID, SiteID: e.site.ID, CustomerGroup: "fleet:42"},
	} {
		if err := e.svc.Assign(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	for _, tok := range []*charging.IDToken{
		{Token: "DRIVER", Type: "ISO14443", Status: charging.Accepted, UserID: 0, CreatedAt: t0, UpdatedAt: t0},
		{Token: "FLEET", Type: "ISO14443", Status: charging.Accepted, CreatedAt: t0, UpdatedAt: t0},
	} {
		if err := e.db.CreateIDToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	// Token ownership is set the way the API does it.
	fleetOrg := &account.Organisation{Name: "Fleet", Kind: account.FleetOrg, CreatedAt: t0}
	if err := e.db.CreateOrganisation(ctx, fleetOrg); err != nil {
		t.Fatal(err)
	}
	user := &account.User{Email: "d@example.com", Role: account.Driver, Language: "en", CreatedAt: t0, UpdatedAt: t0}
	if err := e.db.CreateUser(ctx, user); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.UpdateIDToken(ctx, "DRIVER", charging.TokenUpdate{UserID: &user.ID}, t0); err != nil {
		t.Fatal(err)
	}
	fleetTariff := e.tariff(t, "Fleet 2", "1", "0", false)
	if err := e.svc.Assign(ctx, &billing.Assignment{TariffID: fleetTariff.ID, SiteID: e.site.ID, CustomerGroup: "fleet:" + strconv.FormatInt(fleetOrg.ID, 10)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.UpdateIDToken(ctx, "FLEET", charging.TokenUpdate{OrgID: &fleetOrg.ID}, t0); err != nil {
		t.Fatal(err)
	}
	for token, want := range map[string]string{"": "Standard", "UNKNOWN": "Standard", "DRIVER": "Members", "FLEET": "Fleet 2"} {
		p, err := e.svc.Resolve(ctx, "CP-1", token)
		if err != nil || p.TariffName != want {
			t.Errorf("Resolve(%q) = %+v, %v; want %s", token, p, err, want)
		}
	}

	// The running cost follows the meter, priced by the member tariff frozen at the start.
	start := 0.0
	tx := &charging.Transaction{StationID: "CP-1", StartKey: "run", EVSEID: 1, ConnectorID: 1, IDToken: "DRIVER",
		StartedAt: t0, MeterStartWh: &start, MeterLastWh: &start, UpdatedAt: t0}
	if _, err := e.db.StartTransaction(ctx, tx); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(30 * time.Minute)
	wh := 5000.0
	if _, err := e.db.RecordMeterValues(ctx, charging.MeterReport{StationID: "CP-1", TransactionID: tx.ID, EVSEID: 1, ConnectorID: 1,
		Samples: []charging.Sample{{Time: e.clock.Now(), Measurand: charging.MeasurandEnergyImport, Value: wh}}, RegisterWh: &wh, At: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	est, err := e.svc.Cost(ctx, tx.ID) // frozen lazily: no start event was handled
	if err != nil {
		t.Fatal(err)
	}
	if est.Final || est.EnergyWh != 5000 || est.Price.TariffName != "Members" || est.Bill.Net.String() != "15" || est.Bill.Gross.String() != "18.75" {
		t.Errorf("running cost: final %v, %d Wh, tariff %s, net %s, gross %s; want 5000 Wh by Members, 15 and 18.75",
			est.Final, est.EnergyWh, est.Price.TariffName, est.Bill.Net, est.Bill.Gross)
	}
	if _, err := e.svc.IssueCDR(ctx, tx.ID); !ladda.IsKind(err, ladda.Conflict) {
		t.Errorf("CDR of a running transaction: %v, want conflict", err)
	}
}

func TestNoSiteNoTaxAndTheSweep(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	e.station(t, "LONE", 0)
	std := e.tariff(t, "Standard", "2", "0", false)
	if err := e.svc.Assign(ctx, &billing.Assignment{TariffID: std.ID, StationID: "LONE"}); err != nil {
		t.Fatal(err)
	}
	e.charge(t, "LONE", "T")
	// The end event was lost: the sweep issues the CDR, once.
	if n, err := e.svc.Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("Sweep = %d, %v; want 1", n, err)
	}
	if n, err := e.svc.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("second Sweep = %d, %v; want 0", n, err)
	}
	c, err := e.svc.CDRs(ctx, billing.CDRFilter{StationID: "LONE"})
	if err != nil || len(c) != 1 || c[0].Tax.Sign() != 0 || c[0].Total.String() != "20" || !strings.Contains(c[0].TaxNote, "no site") {
		t.Fatalf("CDR without a site = %+v, %v", c, err)
	}

	// Unpriced stations: no price, no CDR, and the station is told nothing.
	e.station(t, "FREE", 0)
	free := e.charge(t, "FREE", "U")
	if _, ok, err := e.svc.TotalCost(ctx, free); ok || err != nil {
		t.Errorf("TotalCost of an unpriced session = %v, %v", ok, err)
	}
	if _, err := e.svc.IssueCDR(ctx, free.ID); !ladda.IsKind(err, ladda.NotFound) {
		t.Errorf("CDR of an unpriced session: %v, want not found", err)
	}
}

func TestAssignmentRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	std := e.tariff(t, "Standard", "2", "0", false)
	other := &account.Organisation{Name: "Other", Kind: account.OperatorOrg, CreatedAt: t0}
	if err := e.db.CreateOrganisation(ctx, other); err != nil {
		t.Fatal(err)
	}
	foreign := &billing.StoredTariff{OrgID: other.ID, Name: "Foreign", Tariff: std.Tariff}
	if err := e.svc.CreateTariff(ctx, foreign); err != nil {
		t.Fatal(err)
	}
	for name, a := range map[string]billing.Assignment{
		"another organisation's tariff": {TariffID: foreign.ID, StationID: "CP-1"},
		"both places":                   {TariffID: std.ID, StationID: "CP-1", SiteID: e.site.ID},
		"no place":                      {TariffID: std.ID},
		"bad fleet group":               {TariffID: std.ID, StationID: "CP-1", CustomerGroup: "fleet:x"},
		"group with spaces":             {TariffID: std.ID, StationID: "CP-1", CustomerGroup: "a b"},
	} {
		if err := e.svc.Assign(ctx, &a); !ladda.IsKind(err, ladda.Invalid) {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
	for name, st := range map[string]*billing.StoredTariff{
		"no name":          {Tariff: std.Tariff},
		"bad currency":     {Name: "x", Tariff: billing.Tariff{Currency: "kr", Elements: std.Tariff.Elements}},
		"no elements":      {Name: "x", Tariff: billing.Tariff{Currency: "SEK"}},
		"fractional öre":   {Name: "x", Tariff: std.Tariff, Preauthorize: ptr(amount(t, "1.001"))},
		"negative preauth": {Name: "x", Tariff: std.Tariff, Preauthorize: ptr(amount(t, "-1"))},
	} {
		if err := e.svc.CreateTariff(ctx, st); !ladda.IsKind(err, ladda.Invalid) {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
}

func TestInvoicesAndCreditNotes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	var events []ladda.Event
	svc, err := billing.NewService(e.db, e.db, billing.Options{Clock: e.clock, Events: ladda.PublisherFunc(func(_ context.Context, ev ladda.Event) { events = append(events, ev) }),
		Render: invoicepdf.Render})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	std := e.tariff(t, "Standard", "3.125", "0", true)
	if err := svc.Assign(ctx, &billing.Assignment{TariffID: std.ID, SiteID: e.site.ID}); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetBillingDetails(ctx, billing.Owner{OrgID: e.org}, &billing.BillingDetails{Party: billing.Party{Name: "Laddbolaget AB",
		Address: []string{"Gatan 1", "111 22 Stockholm"}, VATNumber: "SE556677889901"}, Series: "LB"}, true); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetBillingDetails(ctx, billing.Owner{OrgID: e.org}, &billing.BillingDetails{Party: billing.Party{Name: "x"}, Series: "lower"}, true); !ladda.IsKind(err, ladda.Invalid) {
		t.Errorf("a lower-case series: %v, want invalid", err)
	}
	user := &account.User{Email: "dana@example.com", Name: "Dana Åberg", Role: account.Driver, Language: "sv", CreatedAt: t0, UpdatedAt: t0}
	if err := e.db.CreateUser(ctx, user); err != nil {
		t.Fatal(err)
	}
	fleet := &account.Organisation{Name: "Åkeri AB", Kind: account.FleetOrg, CreatedAt: t0}
	if err := e.db.CreateOrganisation(ctx, fleet); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []*charging.IDToken{
		{Token: "DANA", Type: "ISO14443", Status: charging.Accepted, UserID: user.ID, CreatedAt: t0, UpdatedAt: t0},
		{Token: "TRUCK", Type: "ISO14443", Status: charging.Accepted, OrgID: fleet.ID, CreatedAt: t0, UpdatedAt: t0},
	} {
		if err := e.db.CreateIDToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}

	// A driver's session is invoiced at its end, in the driver's language, by the seller's series.
	tx := e.charge(t, "CP-1", "DANA")
	svc.Handle(ctx, ladda.Event{Type: ladda.EventTransactionEnded, Data: tx})
	list, err := svc.Invoices(ctx, billing.InvoiceFilter{BuyerUserID: user.ID})
	if err != nil || len(list) != 1 {
		t.Fatalf("driver's invoices = %v, %v", list, err)
	}
	inv := list[0]
	if inv.Ref() != "LB-000001" || inv.Language != "sv" || inv.Buyer.Name != "Dana Åberg" || inv.Seller.VATNumber != "SE556677889901" ||
		inv.Total.String() != "31.25" || inv.Net.String() != "25" || len(inv.Lines) != 1 || inv.Lines[0].Session == nil || inv.DueAt.IsZero() {
		t.Errorf("driver's invoice = %+v", inv)
	}
	if len(events) != 1 || events[0].Type != ladda.EventInvoiceIssued {
		t.Fatalf("events = %+v, want one invoice.issued", events)
	}
	files, _ := events[0].Data.(*billing.Issued).NoticeData()["Attachments"].([]map[string]any)
	if len(files) != 1 {
		t.Fatalf("the invoice's email carries %d files, want its PDF", len(files))
	}
	if doc, _ := files[0]["data"].([]byte); files[0]["name"] != "LB-000001.pdf" || !bytes.HasPrefix(doc, []byte("%PDF-")) {
		t.Errorf("the invoice's email carries %v", files)
	}
	var pdf bytes.Buffer
	if err := svc.Render(&pdf, inv); err != nil || !bytes.HasPrefix(pdf.Bytes(), []byte("%PDF-")) {
		t.Errorf("Render: %v, %d bytes", err, pdf.Len())
	}

	// Fleet sessions wait for the month's end; one invoice takes them all.
	e.charge(t, "CP-1", "TRUCK")
	e.charge(t, "CP-1", "TRUCK")
	if got, err := svc.MonthEnd(ctx); err != nil || len(got) != 0 {
		t.Fatalf("MonthEnd within the month = %d invoices, %v", len(got), err)
	}
	e.clock.Set(time.Date(2025, 4, 1, 0, 5, 0, 0, time.UTC))
	got, err := svc.MonthEnd(ctx)
	if err != nil || len(got) != 1 {
		t.Fatalf("MonthEnd = %d invoices, %v; want the fleet's one", len(got), err)
	}
	monthly := got[0]
	if monthly.Number != 2 || monthly.BuyerOrgID != fleet.ID || len(monthly.CDRs) != 2 || monthly.Total.String() != "62.5" || monthly.Buyer.Name != "Åkeri AB" {
		t.Errorf("monthly invoice = %+v", monthly)
	}
	if again, err := svc.MonthEnd(ctx); err != nil || len(again) != 0 {
		t.Errorf("MonthEnd again = %d, %v; want nothing new", len(again), err)
	}

	// A credit note cancels an invoice once, and frees its sessions for a corrected invoice.
	cn, err := svc.CreditNote(ctx, monthly.ID, "wrong tariff")
	if err != nil {
		t.Fatal(err)
	}
	if cn.Ref() != "LB-000003" || cn.Kind != billing.KindCreditNote || cn.Credits != "LB-000002" || cn.Total.String() != "-62.5" || cn.Lines[0].Quantity.Sign() >= 0 {
		t.Errorf("credit note = %+v", cn)
	}
	if _, err := svc.CreditNote(ctx, monthly.ID, ""); !ladda.IsKind(err, ladda.Conflict) {
		t.Errorf("crediting twice: %v, want conflict", err)
	}
	if _, err := svc.CreditNote(ctx, cn.ID, ""); !ladda.IsKind(err, ladda.Conflict) {
		t.Errorf("crediting a credit note: %v, want conflict", err)
	}
	if got, err := svc.MonthEnd(ctx); err != nil || len(got) != 1 || got[0].Number != 4 {
		t.Errorf("re-invoicing after the credit note = %+v, %v", got, err)
	}
}
