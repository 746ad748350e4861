package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/billing"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/station"
)

// MustCreateSite stores a site in Sweden of organisation org (0: none).
func MustCreateSite(tb testing.TB, s Store, name string, org int64) *station.Site {
	tb.Helper()
	site := &station.Site{OrgID: org, Name: name, Address: "Storgatan 1", PostalCode: "111 22", City: "Stockholm",
		Country: "SE", TimeZone: "Europe/Stockholm", CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateSite(tb.Context(), site); err != nil {
		tb.Fatalf("CreateSite(%s): %v", name, err)
	}
	return site
}

// MustCreateTariff stores a tariff of org (0: none) charging price per kWh in SEK.
func MustCreateTariff(tb testing.TB, s Store, name, price string, org int64) *billing.StoredTariff {
	tb.Helper()
	p, err := billing.ParseAmount(price)
	if err != nil {
		tb.Fatal(err)
	}
	t := &billing.StoredTariff{OrgID: org, Name: name, Tariff: billing.Tariff{Currency: "SEK",
		Elements: []billing.Element{{Components: []billing.Component{{Type: billing.Energy, Price: p}}}}}, CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateTariff(tb.Context(), t); err != nil {
		tb.Fatalf("CreateTariff(%s): %v", name, err)
	}
	return t
}

func testSites(t *testing.T, open func(t *testing.T) Store) {
	t.Parallel()
	s := open(t)
	ctx := t.Context()
	org := MustCreateOrg(t, s, "CPO", account.OperatorOrg)
	a := MustCreateSite(t, s, "Depot", org.ID)
	b := MustCreateSite(t, s, "Mall", 0)
	if a.ID == 0 || a.ID == b.ID {
		t.Fatalf("site ids %d, %d", a.ID, b.ID)
	}
	if err := s.CreateSite(ctx, &station.Site{OrgID: 999, Name: "x", Country: "SE", TimeZone: "UTC"}); !ladda.IsKind(err, ladda.NotFound) {
		t.Errorf("site of an unknown organisation: %v, want not found", err)
	}
	got, err := s.Site(ctx, a.ID)
	if err != nil || *got != *a {
		t.Fatalf("Site = %+v, %v; want %+v", got, err, a)
	}
	if list, err := s.Sites(ctx, org.ID); err != nil || len(list) != 1 || list[0].ID != a.ID {
		t.Errorf("Sites(org) = %v, %v", list, err)
	}
	if list, err := s.Sites(ctx, 0); err != nil || len(list) != 2 {
		t.Errorf("Sites(0) = %d sites, %v; want 2", len(list), err)
	}
	a.City, a.TimeZone, a.UpdatedAt = "Göteborg", "Europe/Oslo", at(time.Hour)
	if err := s.UpdateSite(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Site(ctx, a.ID); got.City != "Göteborg" || got.TimeZone != "Europe/Oslo" || !got.UpdatedAt.Equal(at(time.Hour)) || got.OrgID != org.ID {
		t.Errorf("after update: %+v", got)
	}
	if err := s.UpdateSite(ctx, &station.Site{ID: 999, Name: "x"}); !ladda.IsKind(err, ladda.NotFound) {
		t.Errorf("update of an unknown site: %v", err)
	}

	// A station stands at a site; the site cannot go while it does.
	MustCreateStation(t, s, "SITE-1")
	if _, err := s.UpdateStation(ctx, "SITE-1", station.Update{SiteID: &a.ID}, at(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if st := MustStation(t, s, "SITE-1"); st.SiteID != a.ID {
		t.Errorf("station's site = %d, want %d", st.SiteID, a.ID)
	}
	MustCreateStation(t, s, "SITE-2")
	for _, c := range []struct {
		f    station.Filter
		want []ladda.StationID
	}{{station.Filter{SiteID: a.ID}, []ladda.StationID{"SITE-1"}}, {station.Filter{SiteID: a.ID, OrgID: -1}, nil}, {station.Filter{SiteID: -1}, nil}} {
		list, err := s.Stations(ctx, c.f)
		var got []ladda.StationID
		for _, st := range list {
			got = append(got, st.ID)
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("Stations(%+v) = %v, %v; want %v", c.f, got, err, c.want)
		}
	}
	none := int64(12345)
	if _, err := s.UpdateStation(ctx, "SITE-1", station.Update{SiteID: &none}, at(time.Minute)); !ladda.IsKind(err, ladda.NotFound) {
		t.Errorf("station to an unknown site: %v, want not found", err)
	}
	if err := s.DeleteSite(ctx, a.ID); !ladda.IsKind(err, ladda.Conflict) {
		t.Errorf("deleting a site with a station: %v, want conflict", err)
	}
	zero := int64(0)
	if _, err := s.UpdateStation(ctx, "SITE-1", station.Update{SiteID: &zero}, at(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSite(ctx, a.ID); err != nil {
		t.Errorf("deleting an empty site: %v", err)
	}
	if err := s.DeleteSite(ctx, a.ID); !ladda.IsKind(err, ladda.NotFound) {
		t.Errorf("deleting it again: %v, want not found", err)
	}
}

func testTariffs(t *testing.T, open func(t *testing.T) Store) {
	t.Parallel()
	s := open(t)
	ctx := t.Context()
	org := MustCreateOrg(t, s, "CPO", account.OperatorOrg)
	std := MustCreateTariff(t, s, "Standard", "3.50", org.ID)
	mem := MustCreateTariff(t, s, "Members", "2.9999", org.ID)
	MustCreateTariff(t, s, "Other", "1", 0)

	got, err := s.Tariff(ctx, std.ID)
	if err != nil || got.Name != "Standard" || got.OrgID != org.ID || got.Tariff.Currency != "SEK" || got.Tariff.Elements[0].Components[0].Price.String() != "3.5" {
		t.Fatalf("Tariff = %+v, %v", got, err)
	}
	if list, err := s.Tariffs(ctx, org.ID); err != nil || len(list) != 2 || list[1].Tariff.Elements[0].Components[0].Price.String() != "2.9999" {
		t.Errorf("Tariffs(org) = %v, %v", list, err)
	}
	pre, _ := billing.ParseAmount("300")
	std.Name, std.PricesIncludeTax, std.Preauthorize, std.UpdatedAt = "Standard 2", true, &pre, at(time.Hour)
	if err := s.UpdateTariff(ctx, std); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Tariff(ctx, std.ID); got.Name != "Standard 2" || !got.PricesIncludeTax || got.Preauthorize == nil || got.Preauthorize.String() != "300" {
		t.Errorf("after update: %+v", got)
	}

	// Where they apply: the station's own tariffs and its site's.
	site := MustCreateSite(t, s, "Depot", org.ID)
	MustCreateStation(t, s, "TAR-1")
	MustCreateStation(t, s, "TAR-2")
	if _, err := s.UpdateStation(ctx, "TAR-1", station.Update{SiteID: &site.ID}, t0); err != nil {
		t.Fatal(err)
	}
	assign := func(a billing.Assignment) (*billing.Assignment, error) {
		a.CreatedAt = t0
		return &a, s.Assign(ctx, &a)
	}
	onSite, err := assign(billing.Assignment{TariffID: std.ID, SiteID: site.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := assign(billing.Assignment{TariffID: mem.ID, StationID: "TAR-1", CustomerGroup: "members"}); err != nil {
		t.Fatal(err)
	}
	if _, err := assign(billing.Assignment{TariffID: mem.ID, SiteID: site.ID}); !ladda.IsKind(err, ladda.Conflict) {
		t.Errorf("a second tariff for everyone on the site: %v, want conflict", err)
	}
	for name, a := range map[string]billing.Assignment{
		"unknown tariff":  {TariffID: 999, StationID: "TAR-1"},
		"unknown station": {TariffID: std.ID, StationID: "NOPE"},
		"unknown site":    {TariffID: std.ID, SiteID: 999},
	} {
		if _, err := assign(a); !ladda.IsKind(err, ladda.NotFound) {
			t.Errorf("%s: %v, want not found", name, err)
		}
	}
	if _, err := assign(billing.Assignment{TariffID: std.ID, StationID: "TAR-1", SiteID: site.ID}); !ladda.IsKind(err, ladda.Invalid) {
		t.Errorf("station and site at once: %v, want invalid", err)
	}
	if list, err := s.Assignments(ctx, 0, "TAR-1"); err != nil || len(list) != 2 || list[0].SiteID != site.ID || list[1].StationID != "TAR-1" || list[1].CustomerGroup != "members" {
		t.Errorf("Assignments at TAR-1 = %+v, %v", list, err)
	}
	if list, err := s.Assignments(ctx, 0, "TAR-2"); err != nil || len(list) != 0 {
		t.Errorf("Assignments at TAR-2 = %+v, %v; want none", list, err)
	}
	if list, err := s.Assignments(ctx, std.ID, ""); err != nil || len(list) != 1 || list[0].ID != onSite.ID {
		t.Errorf("Assignments of the standard tariff = %+v, %v", list, err)
	}
	if err := s.Unassign(ctx, onSite.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Unassign(ctx, onSite.ID); !ladda.IsKind(err, ladda.NotFound) {
		t.Errorf("unassigning twice: %v", err)
	}
	// Deleting a tariff takes its assignments along.
	if err := s.DeleteTariff(ctx, mem.ID); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.Assignments(ctx, 0, "TAR-1"); len(list) != 0 {
		t.Errorf("assignments of a deleted tariff remain: %+v", list)
	}
	if _, err := s.Tariff(ctx, mem.ID); !ladda.IsKind(err, ladda.NotFound) {
		t.Errorf("deleted tariff: %v", err)
	}
}

func testCDRs(t *testing.T, open func(t *testing.T) Store) {
	t.Parallel()
	s := open(t)
	ctx := t.Context()
	org := MustCreateOrg(t, s, "CPO", account.OperatorOrg)
	tariff := MustCreateTariff(t, s, "Standard", "3.50", org.ID)
	MustCreateStation(t, s, "CDR-1")
	tx := MustStart(t, s, newTx("CDR-1", 1, "TAG", 0))
	other := MustStart(t, s, newTx("CDR-1", 2, "TAG2", time.Minute))

	// A price is frozen once; a second freeze gets the first.
	p := &billing.FrozenPrice{TransactionID: tx.ID, TariffID: tariff.ID, TariffName: "Standard", Tariff: *tariff,
		Place: billing.Place{Country: "SE", TimeZone: "Europe/Stockholm"}, FrozenAt: t0}
	if created, err := s.FreezePrice(ctx, p); err != nil || !created {
		t.Fatalf("FreezePrice = %v, %v", created, err)
	}
	again := &billing.FrozenPrice{TransactionID: tx.ID, TariffID: 777, TariffName: "Later", FrozenAt: at(time.Hour)}
	if created, err := s.FreezePrice(ctx, again); err != nil || created || again.TariffID != tariff.ID || again.TariffName != "Standard" {
		t.Errorf("second FreezePrice = %v, %v, %+v; want the first price", created, err, again)
	}
	if _, err := s.FreezePrice(ctx, &billing.FrozenPrice{TransactionID: 99999, FrozenAt: t0}); !ladda.IsKind(err, ladda.NotFound) {
		t.Errorf("price of an unknown transaction: %v, want not found", err)
	}
	if got, err := s.FrozenPrice(ctx, tx.ID); err != nil || got.Tariff.Tariff.Elements[0].Components[0].Price.String() != "3.5" || got.Place.Country != "SE" {
		t.Errorf("FrozenPrice = %+v, %v", got, err)
	}
	if _, err := s.FrozenPrice(ctx, other.ID); !ladda.IsKind(err, ladda.NotFound) {
		t.Errorf("price of an unpriced transaction: %v, want not found", err)
	}

	// Only stopped, priced transactions without a CDR are unbilled.
	if list, err := s.Unbilled(ctx, 10); err != nil || len(list) != 0 {
		t.Errorf("Unbilled before the stop = %v, %v", list, err)
	}
	stop := at(time.Hour)
	if _, err := s.StopTransaction(ctx, charging.StopReport{TransactionID: tx.ID, StoppedAt: stop, At: stop}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StopTransaction(ctx, charging.StopReport{TransactionID: other.ID, StoppedAt: stop, At: stop}); err != nil {
		t.Fatal(err)
	}
	if list, err := s.Unbilled(ctx, 10); err != nil || len(list) != 1 || list[0] != tx.ID {
		t.Errorf("Unbilled = %v, %v; want [%d]", list, err, tx.ID)
	}

	total, _ := billing.ParseAmount("43.75")
	c := &billing.CDR{TransactionID: tx.ID, StationID: "CDR-1", OrgID: org.ID, IDToken: "TAG", UserID: 7, TokenOrgID: 8,
		Start: t0, End: stop, EnergyWh: 10000, TariffID: tariff.ID, Currency: "SEK", Total: total, IssuedAt: stop}
	if created, err := s.IssueCDR(ctx, c); err != nil || !created || c.ID == 0 {
		t.Fatalf("IssueCDR = %v, %v, id %d", created, err, c.ID)
	}
	dup := &billing.CDR{TransactionID: tx.ID, StationID: "CDR-1", Currency: "EUR", IssuedAt: at(2 * time.Hour)}
	if created, err := s.IssueCDR(ctx, dup); err != nil || created || dup.ID != c.ID || dup.Currency != "SEK" || dup.Total.String() != "43.75" {
		t.Errorf("second IssueCDR = %v, %v, %+v; want the first CDR", created, err, dup)
	}
	if got, err := s.CDR(ctx, c.ID); err != nil || got.TransactionID != tx.ID || got.EnergyWh != 10000 || !got.IssuedAt.Equal(stop) {
		t.Errorf("CDR = %+v, %v", got, err)
	}
	if _, err := s.CDR(ctx, c.ID+100); !ladda.IsKind(err, ladda.NotFound) {
		t.Errorf("unknown CDR: %v", err)
	}
	if list, err := s.Unbilled(ctx, 10); err != nil || len(list) != 0 {
		t.Errorf("Unbilled after the CDR = %v, %v", list, err)
	}
	for name, f := range map[string]billing.CDRFilter{
		"all": {}, "org": {OrgID: org.ID}, "user": {UserID: 7}, "fleet": {TokenOrgID: 8}, "station": {StationID: "CDR-1"},
	} {
		if list, err := s.CDRs(ctx, f); err != nil || len(list) != 1 || list[0].ID != c.ID {
			t.Errorf("CDRs(%s) = %v, %v", name, list, err)
		}
	}
	for name, f := range map[string]billing.CDRFilter{
		"other org": {OrgID: org.ID + 1}, "other user": {UserID: 8}, "other station": {StationID: "CDR-2"}, "before": {Before: c.ID},
	} {
		if list, err := s.CDRs(ctx, f); err != nil || len(list) != 0 {
			t.Errorf("CDRs(%s) = %v, %v; want none", name, list, err)
		}
	}
	// CDRs outlive their station.
	if err := s.DeleteStation(ctx, "CDR-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CDR(ctx, c.ID); err != nil {
		t.Errorf("CDR after its station went: %v", err)
	}
}

// issued returns an invoice of one SEK line in series "T" billing cdrs.
func issued(cdrs ...int64) *billing.Issued {
	one, _ := billing.ParseAmount("1")
	return &billing.Issued{Invoice: billing.Invoice{Kind: billing.KindInvoice, Series: "T", IssuedAt: t0, Currency: "SEK",
		Seller: billing.Party{Name: "Säljaren AB"}, Buyer: billing.Party{Name: "Köpare", Email: "k@example.com"},
		Lines: []billing.InvoiceLine{{Description: "Charging", Net: one, Total: one}}, Net: one, Total: one}, BuyerUserID: 5, CDRs: cdrs}
}

func testInvoices(t *testing.T, open func(t *testing.T) Store) {
	t.Parallel()
	s := open(t)
	ctx := t.Context()
	MustCreateStation(t, s, "INV-1")
	var cdrs []int64
	for i := range 3 {
		tx := MustStart(t, s, newTx("INV-1", 1, "TAG", time.Duration(i)*time.Hour))
		c := &billing.CDR{TransactionID: tx.ID, StationID: "INV-1", UserID: 5, Currency: "SEK", IssuedAt: at(time.Duration(i) * time.Hour)}
		if _, err := s.IssueCDR(ctx, c); err != nil {
			t.Fatal(err)
		}
		cdrs = append(cdrs, c.ID)
	}

	first := issued(cdrs[0])
	if err := s.IssueInvoice(ctx, first); err != nil {
		t.Fatal(err)
	}
	if first.Number != 1 || first.ID == 0 {
		t.Fatalf("first invoice: number %d, id %d", first.Number, first.ID)
	}
	if err := s.IssueInvoice(ctx, issued(cdrs[0])); !ladda.IsKind(err, ladda.Conflict) {
		t.Errorf("billing a CDR twice: %v, want conflict", err)
	}
	if err := s.IssueInvoice(ctx, issued(99999)); !ladda.IsKind(err, ladda.NotFound) {
		t.Errorf("billing an unknown CDR: %v, want not found", err)
	}
	// Refused writes take no number: the next invoice is number 2.
	second := issued(cdrs[1])
	if err := s.IssueInvoice(ctx, second); err != nil || second.Number != 2 {
		t.Fatalf("second invoice: number %d, %v; want 2", second.Number, err)
	}
	other := issued()
	other.Series = "U"
	if err := s.IssueInvoice(ctx, other); err != nil || other.Number != 1 {
		t.Errorf("a new series starts at 1: got %d, %v", other.Number, err)
	}
	got, err := s.Invoice(ctx, first.ID)
	if err != nil || got.Ref() != "T-000001" || got.Buyer.Name != "Köpare" || len(got.CDRs) != 1 || got.Total.String() != "1" {
		t.Fatalf("Invoice = %+v, %v", got, err)
	}
	if inv, err := s.InvoiceOfCDR(ctx, cdrs[1]); err != nil || inv.ID != second.ID {
		t.Errorf("InvoiceOfCDR = %+v, %v", inv, err)
	}
	if _, err := s.InvoiceOfCDR(ctx, cdrs[2]); !ladda.IsKind(err, ladda.NotFound) {
		t.Errorf("InvoiceOfCDR of an uninvoiced CDR: %v", err)
	}
	if list, err := s.Uninvoiced(ctx, billing.CDRFilter{UserID: 5}, at(24*time.Hour)); err != nil || len(list) != 1 || list[0].ID != cdrs[2] {
		t.Errorf("Uninvoiced = %v, %v; want CDR %d", list, err, cdrs[2])
	}
	if list, err := s.Uninvoiced(ctx, billing.CDRFilter{UserID: 5}, at(time.Hour)); err != nil || len(list) != 0 {
		t.Errorf("Uninvoiced before the third CDR = %v, %v", list, err)
	}

	// A credit note frees the CDRs of the invoice it cancels, once.
	credit := issued()
	credit.Kind, credit.CreditsID, credit.Credits = billing.KindCreditNote, first.ID, first.Ref()
	if err := s.IssueInvoice(ctx, credit); err != nil || credit.Number != 3 {
		t.Fatalf("credit note: number %d, %v; want 3 (one series for both)", credit.Number, err)
	}
	again := issued()
	again.Kind, again.CreditsID = billing.KindCreditNote, first.ID
	if err := s.IssueInvoice(ctx, again); !ladda.IsKind(err, ladda.Conflict) {
		t.Errorf("crediting twice: %v, want conflict", err)
	}
	if _, err := s.InvoiceOfCDR(ctx, cdrs[0]); !ladda.IsKind(err, ladda.NotFound) {
		t.Errorf("a credited invoice still bills its CDR: %v", err)
	}
	rebill := issued(cdrs[0])
	if err := s.IssueInvoice(ctx, rebill); err != nil || rebill.Number != 4 {
		t.Errorf("billing a freed CDR again: number %d, %v; want 4: refused writes take no number", rebill.Number, err)
	}
	if list, err := s.Invoices(ctx, billing.InvoiceFilter{BuyerUserID: 5}); err != nil || len(list) != 5 || list[0].ID != rebill.ID {
		t.Errorf("Invoices = %d, %v", len(list), err)
	}
	if list, err := s.Invoices(ctx, billing.InvoiceFilter{BuyerOrgID: 1}); err != nil || len(list) != 0 {
		t.Errorf("Invoices of another buyer = %d, %v", len(list), err)
	}

	// Numbers stay gapless when many are issued at once.
	const n = 20
	numbers := make(chan int64, n)
	errs := make(chan error, n)
	for range n {
		go func() {
			inv := issued()
			inv.Series = "C"
			err := s.IssueInvoice(ctx, inv)
			numbers <- inv.Number
			errs <- err
		}()
	}
	seen := map[int64]bool{}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		seen[<-numbers] = true
	}
	for i := int64(1); i <= n; i++ {
		if !seen[i] {
			t.Errorf("concurrent invoices: number %d missing (got %v)", i, seen)
		}
	}

	// Billing details.
	if _, err := s.BillingDetails(ctx, billing.Owner{OrgID: 3}); !ladda.IsKind(err, ladda.NotFound) {
		t.Errorf("unset details: %v", err)
	}
	d := &billing.BillingDetails{Party: billing.Party{Name: "Laddbolaget AB", Address: []string{"Gatan 1", "Sverige"}, VATNumber: "SE556677889901"}, Series: "LB"}
	for _, o := range []billing.Owner{{OrgID: 3}, {UserID: 3}, {}} {
		if err := s.SetBillingDetails(ctx, o, d, t0); err != nil {
			t.Fatal(err)
		}
		if got, err := s.BillingDetails(ctx, o); err != nil || got.Name != d.Name || got.Series != "LB" || len(got.Address) != 2 {
			t.Errorf("details of %+v = %+v, %v", o, got, err)
		}
	}
}

func testTaxRates(t *testing.T, open func(t *testing.T) Store) {
	t.Parallel()
	s := open(t)
	ctx := t.Context()
	if got, err := s.TaxRates(ctx); err != nil || len(got) != 0 {
		t.Fatalf("unset tax rates = %v, %v", got, err)
	}
	to := at(24 * time.Hour)
	pct, _ := billing.ParseQuantity("8.875")
	rates := []billing.TaxRate{{Country: "US", Region: "US-NY", Percent: pct, From: t0, To: &to, Name: "Sales tax"}}
	if err := s.PutTaxRates(ctx, rates, t0); err != nil {
		t.Fatal(err)
	}
	got, err := s.TaxRates(ctx)
	if err != nil || len(got) != 1 || got[0].Percent.String() != "8.875" || !got[0].To.Equal(to) || got[0].Region != "US-NY" {
		t.Fatalf("TaxRates = %+v, %v", got, err)
	}
	if err := s.PutTaxRates(ctx, nil, at(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.TaxRates(ctx); err != nil || len(got) != 0 {
		t.Errorf("after clearing: %v, %v", got, err)
	}
}

// testForgetUser: deleting a user takes what billing keeps to bill them again, and leaves the
// billing records.
func testForgetUser(t *testing.T, open func(t *testing.T) Store) {
	t.Parallel()
	s := open(t)
	ctx := t.Context()
	u := MustCreateUser(t, s, "gone@example.com")
	other := MustCreateUser(t, s, "stays@example.com")
	for _, id := range []int64{u.ID, other.ID} {
		if err := s.SetPaymentAccount(ctx, &billing.PaymentAccount{UserID: id, Mode: billing.PayByCard, Customer: "cus", Method: "pm", UpdatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetBillingDetails(ctx, billing.Owner{UserID: id}, &billing.BillingDetails{Party: billing.Party{Name: "X"}}, t0); err != nil {
			t.Fatal(err)
		}
	}
	plan := &billing.Plan{Name: "P", Currency: "EUR"}
	if err := s.CreatePlan(ctx, plan); err != nil {
		t.Fatal(err)
	}
	sub := &billing.Subscription{PlanID: plan.ID, UserID: u.ID, Start: t0}
	if err := s.CreateSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, u.ID, at(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PaymentAccount(ctx, u.ID); !ladda.IsKind(err, ladda.NotFound) {
		t.Errorf("the deleted user's payment account: %v, want not found", err)
	}
	if _, err := s.BillingDetails(ctx, billing.Owner{UserID: u.ID}); !ladda.IsKind(err, ladda.NotFound) {
		t.Errorf("the deleted user's billing details: %v, want not found", err)
	}
	if got, err := s.Subscription(ctx, sub.ID); err != nil || got.End == nil || !got.End.Equal(at(time.Hour)) {
		t.Errorf("the deleted user's subscription = %+v, %v; want ended at the deletion", got, err)
	}
	if _, err := s.PaymentAccount(ctx, other.ID); err != nil {
		t.Errorf("another user's payment account: %v", err)
	}
	if _, err := s.BillingDetails(ctx, billing.Owner{UserID: other.ID}); err != nil {
		t.Errorf("another user's billing details: %v", err)
	}
}

// testUninvoicedPages: the CDRs no invoice bills come newest first, and paging by Before
// reads each once.
func testUninvoicedPages(t *testing.T, open func(t *testing.T) Store) {
	t.Parallel()
	s := open(t)
	ctx := t.Context()
	MustCreateStation(t, s, "UNI-1")
	for i := range 5 {
		tx := MustStart(t, s, newTx("UNI-1", 1, "TAG", time.Duration(i)*time.Hour))
		if _, err := s.IssueCDR(ctx, &billing.CDR{TransactionID: tx.ID, StationID: "UNI-1", Currency: "SEK", IssuedAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	var ids []int64
	for before := int64(0); ; {
		page, err := s.Uninvoiced(ctx, billing.CDRFilter{Before: before, Limit: 2}, at(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page {
			ids = append(ids, c.ID)
		}
		if len(page) < 2 {
			break
		}
		before = page[len(page)-1].ID
	}
	if len(ids) != 5 || ids[0] != 5 || ids[4] != 1 {
		t.Errorf("paged CDRs %v, want 5 4 3 2 1", ids)
	}
}

// testSubscriptionInvoices: a subscription's invoices move its billed-until in the same write,
// from exactly where it stands, and a credit note moves it back.
func testSubscriptionInvoices(t *testing.T, open func(t *testing.T) Store) {
	t.Parallel()
	s := open(t)
	ctx := t.Context()
	plan := &billing.Plan{Name: "P", Currency: "SEK"}
	if err := s.CreatePlan(ctx, plan); err != nil {
		t.Fatal(err)
	}
	sub := &billing.Subscription{PlanID: plan.ID, UserID: 5, Start: t0}
	if err := s.CreateSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	m1, m2 := at(24*time.Hour), at(48*time.Hour)
	month := func(from, to *time.Time) *billing.Issued {
		inv := issued()
		inv.SubscriptionID, inv.PeriodFrom, inv.PeriodTo = sub.ID, from, to
		return inv
	}
	first := month(nil, &m1)
	if err := s.IssueInvoice(ctx, first); err != nil {
		t.Fatal(err)
	}
	if err := s.IssueInvoice(ctx, month(nil, &m1)); !ladda.IsKind(err, ladda.Conflict) {
		t.Errorf("billing the first month twice: %v, want conflict", err)
	}
	second := month(&m1, &m2)
	if err := s.IssueInvoice(ctx, second); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Subscription(ctx, sub.ID); got.BilledUntil == nil || !got.BilledUntil.Equal(m2) {
		t.Errorf("billed until %v, want %v", got.BilledUntil, m2)
	}
	credit := month(&m2, &m1)
	credit.Kind, credit.CreditsID = billing.KindCreditNote, second.ID
	if err := s.IssueInvoice(ctx, credit); err != nil {
		t.Fatal(err)
	}
	back := month(&m1, nil)
	back.Kind, back.CreditsID = billing.KindCreditNote, first.ID
	if err := s.IssueInvoice(ctx, back); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Subscription(ctx, sub.ID); got.BilledUntil != nil {
		t.Errorf("after crediting both months: billed until %v, want never", got.BilledUntil)
	}
	if err := s.IssueInvoice(ctx, month(nil, &m1)); err != nil {
		t.Errorf("billing the first month again: %v", err)
	}
}
