package httpapi

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/billing"
	"github.com/ladda-csms/ladda/billing/stripe"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/station"
)

// From a site and a tariff to the price before charging, the running cost and the CDR, all
// through the API (the session itself is written to the store as the OCPP layer would).
func TestTariffsPricesAndCDRs(t *testing.T) {
	t.Parallel()
	e := openEnv(t)
	e.serve(t)
	ctx := context.Background()

	var site Site
	e.call(t, "POST", "/api/v1/sites", map[string]any{"name": "Depot", "address": "Storgatan 1", "postalCode": "111 22",
		"city": "Stockholm", "country": "SE", "timeZone": "Europe/Stockholm"}).mustStatus(t, 201).decode(t, &site)
	e.call(t, "POST", "/api/v1/sites", map[string]any{"name": "Nowhere", "country": "SE", "timeZone": "Mars/Olympus"}).mustProblem(t, 422)
	if _, _, err := e.stations.Register(ctx, station.NewStation{ID: "CP-B", Password: "s3cret-pass-bill"}); err != nil {
		t.Fatal(err)
	}
	e.call(t, "PATCH", "/api/v1/stations/CP-B", map[string]any{"siteId": site.ID}).mustStatus(t, 200)
	var st Station
	e.call(t, "GET", "/api/v1/stations/CP-B", nil).mustStatus(t, 200).decode(t, &st)
	if st.SiteID != site.ID {
		t.Fatalf("station's site = %d, want %d", st.SiteID, site.ID)
	}
	e.call(t, "DELETE", "/api/v1/sites/"+itoa(site.ID), nil).mustProblem(t, 409)

	// 3.125 SEK per kWh and 5.00 per session, both including 25 % VAT.
	var tariff Tariff
	e.call(t, "POST", "/api/v1/tariffs", map[string]any{"name": "Standard", "currency": "SEK", "pricesIncludeTax": true,
		"elements": []any{map[string]any{"components": []any{map[string]any{"type": "ENERGY", "price": "3.125"}, map[string]any{"type": "FLAT", "price": "5"}}}}}).
		mustStatus(t, 201).decode(t, &tariff)
	if tariff.Elements[0].Components[0].Price != "3.125" || !tariff.PricesIncludeTax {
		t.Fatalf("created tariff = %+v", tariff)
	}
	e.call(t, "POST", "/api/v1/tariffs", map[string]any{"name": "Bad", "currency": "SEK",
		"elements": []any{map[string]any{"components": []any{map[string]any{"type": "ENERGY", "price": "1"}}, "restrictions": map[string]any{"startTime": "10:00", "endTime": "10:00"}}}}).
		mustProblem(t, 422)
	// No tariff applies yet.
	e.call(t, "GET", "/api/v1/prices?stationId=CP-B", nil).mustProblem(t, 404)
	e.call(t, "POST", "/api/v1/tariffs/"+itoa(tariff.ID)+"/assignments", map[string]any{"siteId": site.ID}).mustStatus(t, 200)
	e.call(t, "POST", "/api/v1/tariffs/"+itoa(tariff.ID)+"/assignments", map[string]any{"siteId": site.ID}).mustProblem(t, 409)

	var price Price
	e.call(t, "GET", "/api/v1/prices?stationId=CP-B", nil).mustStatus(t, 200).decode(t, &price)
	if price.TariffName != "Standard" || price.TaxPercent != "25" || price.TimeZone != "Europe/Stockholm" || price.Tariff.Elements[0].Components[0].Price != "3.125" {
		t.Errorf("price = %+v", price)
	}

	// A session of 8 kWh over an hour.
	start := 0.0
	tx := &charging.Transaction{StationID: "CP-B", StartKey: "b1", EVSEID: 1, ConnectorID: 1, IDToken: "TAG-B", StartedAt: t0,
		MeterStartWh: &start, MeterLastWh: &start, UpdatedAt: t0}
	if _, err := e.db.StartTransaction(ctx, tx); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(30 * time.Minute)
	half := 4000.0
	if _, err := e.db.RecordMeterValues(ctx, charging.MeterReport{StationID: "CP-B", TransactionID: tx.ID, EVSEID: 1, ConnectorID: 1,
		Samples: []charging.Sample{{Time: e.clock.Now(), Measurand: charging.MeasurandEnergyImport, Value: half}}, RegisterWh: &half, At: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	var cost Cost
	e.call(t, "GET", "/api/v1/transactions/"+itoa(int64(tx.ID))+"/cost", nil).mustStatus(t, 200).decode(t, &cost)
	// 4 kWh × 2.50 + 4.00 = 14.00 net, 3.50 VAT, 17.50 in all.
	if cost.Final || cost.Net != "14.00" || cost.Tax != "3.50" || cost.Total != "17.50" || cost.EnergyWh != 4000 || len(cost.Lines) != 2 {
		t.Errorf("running cost = %+v", cost)
	}

	// The price is frozen: a new price does not reach the running session.
	tariff.Elements[0].Components[0].Price = "10"
	e.call(t, "PUT", "/api/v1/tariffs/"+itoa(tariff.ID), tariff.TariffBody).mustStatus(t, 200)
	e.clock.Advance(30 * time.Minute)
	stop := 8000.0
	if _, err := e.db.StopTransaction(ctx, charging.StopReport{TransactionID: tx.ID, StoppedAt: e.clock.Now(), MeterStopWh: &stop, At: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if n, err := e.billing.Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("Sweep = %d, %v", n, err)
	}
	var cdrs List[CDR]
	e.call(t, "GET", "/api/v1/cdrs", nil).mustStatus(t, 200).decode(t, &cdrs)
	if len(cdrs.Items) != 1 {
		t.Fatalf("CDRs = %+v", cdrs)
	}
	c := cdrs.Items[0]
	if c.Total != "30.00" || c.Net != "24.00" || c.Tax != "6.00" || c.EnergyWh != 8000 || c.Address != "Storgatan 1, 111 22 Stockholm, SE" || c.TransactionID != int64(tx.ID) {
		t.Errorf("CDR = %+v", c)
	}
	var one CDR
	e.call(t, "GET", "/api/v1/cdrs/"+itoa(c.ID), nil).mustStatus(t, 200).decode(t, &one)
	if one.ID != c.ID || one.Total != "30.00" {
		t.Errorf("GET cdr = %+v", one)
	}
	e.call(t, "GET", "/api/v1/cdrs/"+itoa(c.ID+1), nil).mustProblem(t, 404)
}

// Sites, tariffs and CDRs are their organisation's: another operator neither sees nor uses
// them, and a CDR is seen by its station's operator and by the driver and fleet of its card.
func TestBillingScope(t *testing.T) {
	t.Parallel()
	ts := newTenants(t)
	e := ts.e
	ctx := context.Background()
	var siteB Site
	e.call(t, "POST", "/api/v1/sites", map[string]any{"name": "B's", "country": "SE", "timeZone": "Europe/Stockholm", "organisationId": ts.orgB}).
		mustStatus(t, 201).decode(t, &siteB)
	var tariffB Tariff
	e.call(t, "POST", "/api/v1/tariffs", map[string]any{"name": "B", "currency": "SEK", "organisationId": ts.orgB,
		"elements": []any{map[string]any{"components": []any{map[string]any{"type": "ENERGY", "price": "2"}}}}}).mustStatus(t, 201).decode(t, &tariffB)

	// Operator A makes its own tariff and site; B's are invisible and unusable.
	var siteA Site
	e.callWith(t, "POST", "/api/v1/sites", map[string]any{"name": "A's", "country": "SE", "timeZone": "Europe/Stockholm"}, ts.opA).
		mustStatus(t, 201).decode(t, &siteA)
	if siteA.OrganisationID != ts.orgA {
		t.Errorf("operator's site belongs to %d, want %d", siteA.OrganisationID, ts.orgA)
	}
	var tariffA Tariff
	e.callWith(t, "POST", "/api/v1/tariffs", map[string]any{"name": "A", "currency": "SEK",
		"elements": []any{map[string]any{"components": []any{map[string]any{"type": "ENERGY", "price": "3"}}}}}, ts.opA).mustStatus(t, 201).decode(t, &tariffA)
	for _, path := range []string{"/api/v1/sites/" + itoa(siteB.ID), "/api/v1/tariffs/" + itoa(tariffB.ID), "/api/v1/tariffs/" + itoa(tariffB.ID) + "/assignments"} {
		e.callWith(t, "GET", path, nil, ts.opA).mustProblem(t, 404)
	}
	var sites List[Site]
	e.callWith(t, "GET", "/api/v1/sites", nil, ts.opA).mustStatus(t, 200).decode(t, &sites)
	if len(sites.Items) != 1 || sites.Items[0].ID != siteA.ID {
		t.Errorf("operator A's sites = %+v", sites.Items)
	}
	e.callWith(t, "POST", "/api/v1/tariffs/"+itoa(tariffA.ID)+"/assignments", map[string]any{"stationId": "B-1"}, ts.opA).mustProblem(t, 404)
	e.callWith(t, "POST", "/api/v1/tariffs/"+itoa(tariffA.ID)+"/assignments", map[string]any{"siteId": siteB.ID}, ts.opA).mustProblem(t, 404)
	e.callWith(t, "PATCH", "/api/v1/stations/A-1", map[string]any{"siteId": siteB.ID}, ts.opA).mustProblem(t, 422)
	e.callWith(t, "POST", "/api/v1/tariffs/"+itoa(tariffA.ID)+"/assignments", map[string]any{"stationId": "A-1"}, ts.opA).mustStatus(t, 200)
	// Drivers and fleet managers do not manage tariffs.
	e.callWith(t, "GET", "/api/v1/tariffs", nil, ts.driver).mustProblem(t, 403)

	// The fleet's driver charged at A's station; B's session is B's.
	for _, id := range []int64{ts.txAtA, ts.txAtB} {
		if err := e.stopAt(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	assign := e.call(t, "POST", "/api/v1/tariffs/"+itoa(tariffB.ID)+"/assignments", map[string]any{"stationId": "B-1"})
	assign.mustStatus(t, 200)
	for _, id := range []int64{ts.txAtA, ts.txAtB} {
		if _, err := e.billing.IssueCDR(ctx, ladda.TransactionID(id)); err != nil {
			t.Fatalf("IssueCDR(%d): %v", id, err)
		}
	}
	seen := func(auth string) []int64 {
		var l List[CDR]
		e.callWith(t, "GET", "/api/v1/cdrs", nil, auth).mustStatus(t, 200).decode(t, &l)
		var ids []int64
		for _, c := range l.Items {
			ids = append(ids, c.TransactionID)
		}
		return ids
	}
	for name, auth := range map[string]string{"operator A": ts.opA, "fleet manager": ts.fleetMgr, "driver": ts.driver} {
		if got := seen(auth); len(got) != 1 || got[0] != ts.txAtA {
			t.Errorf("%s sees the CDRs of transactions %v, want only %d", name, got, ts.txAtA)
		}
	}
	if got := seen("Bearer " + e.key); len(got) != 2 {
		t.Errorf("the administrator sees %v, want both", got)
	}
}

// stopAt stops transaction id an hour after t0, as a station's report would.
func (e *env) stopAt(ctx context.Context, id int64) error {
	_, err := e.db.StopTransaction(ctx, charging.StopReport{TransactionID: ladda.TransactionID(id), StoppedAt: t0.Add(time.Hour), At: t0.Add(time.Hour)})
	return err
}

// A driver's session ends in an invoice the driver sees, downloads as a PDF and the seller
// credits; another operator sees none of it.
func TestInvoicesThroughTheAPI(t *testing.T) {
	t.Parallel()
	ts := newTenants(t)
	e := ts.e
	ctx := context.Background()
	var tariff Tariff
	e.call(t, "POST", "/api/v1/tariffs", map[string]any{"name": "A", "currency": "EUR", "organisationId": ts.orgA,
		"elements": []any{map[string]any{"components": []any{map[string]any{"type": "FLAT", "price": "2.50"}}}}}).mustStatus(t, 201).decode(t, &tariff)
	e.call(t, "POST", "/api/v1/tariffs/"+itoa(tariff.ID)+"/assignments", map[string]any{"stationId": "A-1"}).mustStatus(t, 200)
	e.callWith(t, "PUT", "/api/v1/organisations/"+itoa(ts.orgA)+"/billing-details",
		map[string]any{"name": "A Laddning AB", "vatNumber": "SE556000000001", "series": "AL", "address": []string{"Gatan 1", "Sverige"}}, ts.opA).mustStatus(t, 200)
	e.callWith(t, "PUT", "/api/v1/organisations/"+itoa(ts.orgA)+"/billing-details", map[string]any{"name": "A", "series": "al"}, ts.opA).mustProblem(t, 422)
	e.callWith(t, "PUT", "/api/v1/me/billing-details", map[string]any{"name": "Dana D", "address": []string{"Vägen 2"}}, ts.driver).mustStatus(t, 200)

	// The fleet's card charges at A's station (the start event gives the session its price):
	// a monthly invoice to the fleet, which the run issues at once when told to invoice
	// everything up to now.
	tx, _, err := e.charging.StartTransaction(ctx, charging.Start{StationID: "A-1", EVSEID: 2, ConnectorID: 1, IDToken: "F-CARD", StartedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	e.billing.Handle(ctx, ladda.Event{Type: ladda.EventTransactionStarted, Data: tx})
	if err := e.stopAt(ctx, int64(tx.ID)); err != nil {
		t.Fatal(err)
	}
	var run List[Invoice]
	e.call(t, "POST", "/api/v1/invoices/run", map[string]any{"until": t0.Add(48 * time.Hour)}).mustStatus(t, 200).decode(t, &run)
	if len(run.Items) != 1 {
		t.Fatalf("run issued %+v", run.Items)
	}
	inv := run.Items[0]
	if inv.Number != "AL-000001" || inv.Total != "2.50" || inv.Seller.VATNumber != "SE556000000001" || inv.BuyerOrgID != ts.fleet || len(inv.CDRs) != 1 {
		t.Errorf("invoice = %+v", inv)
	}
	for name, auth := range map[string]string{"operator A": ts.opA, "fleet manager": ts.fleetMgr} {
		var l List[Invoice]
		e.callWith(t, "GET", "/api/v1/invoices", nil, auth).mustStatus(t, 200).decode(t, &l)
		if len(l.Items) != 1 || l.Items[0].ID != inv.ID {
			t.Errorf("%s sees invoices %+v", name, l.Items)
		}
	}
	// The driver's card is the fleet's: the invoice is the fleet's, not the driver's.
	e.callWith(t, "GET", "/api/v1/invoices/"+itoa(inv.ID), nil, ts.driver).mustProblem(t, 404)
	r := e.callWith(t, "GET", "/api/v1/invoices/"+itoa(inv.ID)+"/pdf", nil, ts.fleetMgr).mustStatus(t, 200)
	if r.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(r.body), "%PDF-") {
		t.Errorf("PDF: %s, %.20q", r.header.Get("Content-Type"), r.body)
	}
	// Only the seller credits.
	e.callWith(t, "POST", "/api/v1/invoices/"+itoa(inv.ID)+"/credit-note", map[string]any{"reason": "x"}, ts.fleetMgr).mustProblem(t, 403)
	var cn Invoice
	e.callWith(t, "POST", "/api/v1/invoices/"+itoa(inv.ID)+"/credit-note", map[string]any{"reason": "wrong price"}, ts.opA).mustStatus(t, 201).decode(t, &cn)
	if cn.Kind != "credit_note" || cn.Number != "AL-000002" || cn.Credits != "AL-000001" || cn.Total != "-2.50" {
		t.Errorf("credit note = %+v", cn)
	}
	e.callWith(t, "POST", "/api/v1/invoices/"+itoa(inv.ID)+"/credit-note", nil, ts.opA).mustProblem(t, 409)
	e.call(t, "POST", "/api/v1/invoices/run", nil).mustStatus(t, 200)
	e.callWith(t, "POST", "/api/v1/invoices/run", nil, ts.opA).mustProblem(t, 403)
}

// testWebhookSecret signs the gateway's webhooks in the tests.
const testWebhookSecret = "whsec_ladda_test"

// testGateway is the Stripe adapter with a key that reaches nothing: the API tests use only
// its webhook check, which needs no network.
func testGateway(tb testing.TB) billing.Gateway {
	tb.Helper()
	g, err := stripe.New(stripe.Config{SecretKey: "sk_test_ladda_offline", WebhookSecret: testWebhookSecret, BaseURL: "http://127.0.0.1:9"})
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

// signStripe signs a payload the way Stripe signs webhooks: t=<unix time>,v1=<hex HMAC-SHA256
// of "<t>.<payload>">.
func signStripe(payload []byte, at time.Time) string {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(testWebhookSecret))
	mac.Write([]byte(ts + "." + string(payload)))
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// The webhook needs no API key: a good signature is accepted, a bad or missing one answers 401.
func TestPaymentWebhook(t *testing.T) {
	t.Parallel()
	e := openEnv(t)
	e.serve(t)
	payload := []byte(`{"id":"evt_1","object":"event","type":"payment_intent.succeeded","api_version":"2025-01-01","created":1,` +
		`"data":{"object":{"id":"pi_unknown","object":"payment_intent","amount":100,"amount_received":100,"currency":"eur","status":"succeeded"}}}`)
	post := func(sig string) *response {
		req, _ := http.NewRequest("POST", e.url+"/api/v1/payments/webhook", bytes.NewReader(payload))
		req.Header.Set("Content-Type", "application/json")
		if sig != "" {
			req.Header.Set("Stripe-Signature", sig)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return &response{status: res.StatusCode, header: res.Header, body: body}
	}
	if r := post(signStripe(payload, time.Now())); r.status != 204 && r.status != 200 {
		t.Errorf("a signed webhook: %d %s", r.status, r.body)
	}
	for name, sig := range map[string]string{"none": "", "forged": "t=1,v1=00", "stale": signStripe(payload, time.Now().Add(-time.Hour))} {
		if r := post(sig); r.status != 401 {
			t.Errorf("%s signature: %d %s, want 401", name, r.status, r.body)
		}
	}
}

// A seller offers a plan, a driver subscribes through the API, once, and ends it; another
// operator does not see the plan's subscribers.
func TestPlansAndSubscriptionsThroughTheAPI(t *testing.T) {
	t.Parallel()
	ts := newTenants(t)
	e := ts.e
	var plan Plan
	e.callWith(t, "POST", "/api/v1/plans", map[string]any{"name": "Plus", "currency": "SEK", "monthlyFee": "99", "includedKWh": "20",
		"discountPercent": "10", "customerGroup": "plus"}, ts.opA).mustStatus(t, 201).decode(t, &plan)
	if plan.OrganisationID != ts.orgA || plan.MonthlyFee != "99.00" {
		t.Errorf("plan = %+v", plan)
	}
	e.callWith(t, "POST", "/api/v1/plans", map[string]any{"name": "Bad", "currency": "SEK", "monthlyFee": "1", "discountPercent": "101"}, ts.opA).mustProblem(t, 422)
	var offered List[Plan]
	e.callWith(t, "GET", "/api/v1/plans", nil, ts.driver).mustStatus(t, 200).decode(t, &offered)
	if len(offered.Items) != 1 || offered.Items[0].ID != plan.ID {
		t.Errorf("driver sees plans %+v", offered.Items)
	}
	var sub Subscription
	e.callWith(t, "POST", "/api/v1/me/subscriptions", map[string]any{"planId": plan.ID}, ts.driver).mustStatus(t, 200).decode(t, &sub)
	e.callWith(t, "POST", "/api/v1/me/subscriptions", map[string]any{"planId": plan.ID}, ts.driver).mustProblem(t, 409)
	var subs List[Subscription]
	e.callWith(t, "GET", "/api/v1/plans/"+itoa(plan.ID)+"/subscriptions", nil, ts.opA).mustStatus(t, 200).decode(t, &subs)
	if len(subs.Items) != 1 || subs.Items[0].ID != sub.ID || subs.Items[0].End != nil {
		t.Errorf("subscribers = %+v", subs.Items)
	}
	e.callWith(t, "GET", "/api/v1/plans/"+itoa(plan.ID)+"/subscriptions", nil, ts.fleetMgr).mustProblem(t, 403)
	e.callWith(t, "DELETE", "/api/v1/me/subscriptions/"+itoa(sub.ID), nil, ts.fleetMgr).mustProblem(t, 404)
	var ended Subscription
	e.clock.Advance(time.Hour)
	e.callWith(t, "DELETE", "/api/v1/me/subscriptions/"+itoa(sub.ID), nil, ts.driver).mustStatus(t, 200).decode(t, &ended)
	if ended.End == nil {
		t.Errorf("ended subscription = %+v", ended)
	}
}

// The operator's own rates replace Ladda's defaults for the places they name, and price the
// next session.
func TestTaxRatesThroughTheAPI(t *testing.T) {
	t.Parallel()
	e := openEnv(t)
	e.serve(t)
	var rates TaxRates
	e.call(t, "GET", "/api/v1/tax-rates", nil).mustStatus(t, 200).decode(t, &rates)
	if len(rates.Own) != 0 || len(rates.Effective) < 9 {
		t.Fatalf("defaults: %d own, %d in force", len(rates.Own), len(rates.Effective))
	}
	e.call(t, "PUT", "/api/v1/tax-rates", map[string]any{"rates": []any{
		map[string]any{"country": "SE", "percent": "12", "name": "Moms"},
		map[string]any{"country": "US", "region": "US-NY", "percent": "8.875", "name": "Sales tax"},
	}}).mustStatus(t, 200).decode(t, &rates)
	se := 0
	for _, r := range rates.Effective {
		if r.Country == "SE" {
			se++
			if r.Percent != "12" {
				t.Errorf("SE in force: %+v", r)
			}
		}
	}
	if se != 1 || len(rates.Own) != 2 {
		t.Errorf("after the change: %d SE rates, %d own", se, len(rates.Own))
	}
	e.call(t, "PUT", "/api/v1/tax-rates", map[string]any{"rates": []any{
		map[string]any{"country": "SE", "percent": "12"}, map[string]any{"country": "SE", "percent": "13"},
	}}).mustProblem(t, 422)
	e.call(t, "PUT", "/api/v1/tax-rates", map[string]any{"rates": []any{map[string]any{"country": "US", "region": "CA-ON", "percent": "13"}}}).mustProblem(t, 422)
}

// An operator sees and refunds only the payments of its own stations.
func TestPaymentsStayWithTheirSeller(t *testing.T) {
	t.Parallel()
	ts := newTenants(t)
	e := ts.e
	ctx := context.Background()
	var ids []int64
	for _, org := range []int64{ts.orgA, ts.orgB} {
		p := &billing.PaymentRecord{Kind: billing.PaySession, UserID: ts.driverID, OrgID: org, Currency: "EUR", State: billing.StateFailed, Debt: true,
			CreatedAt: t0, UpdatedAt: t0}
		if _, err := e.db.CreatePayment(ctx, p); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	var l List[Payment]
	e.callWith(t, "GET", "/api/v1/payments?state=failed", nil, ts.opA).mustStatus(t, 200).decode(t, &l)
	if len(l.Items) != 1 || l.Items[0].ID != ids[0] || !l.Items[0].Debt {
		t.Errorf("operator A's debts = %+v", l.Items)
	}
	e.callWith(t, "GET", "/api/v1/payments/"+itoa(ids[1]), nil, ts.opA).mustProblem(t, 404)
	e.callWith(t, "POST", "/api/v1/payments/"+itoa(ids[1])+"/refund", map[string]any{"amount": "1"}, ts.opA).mustProblem(t, 404)
	e.callWith(t, "POST", "/api/v1/payments/"+itoa(ids[0])+"/refund", map[string]any{"amount": "1"}, ts.opA).mustProblem(t, 409)
	e.call(t, "GET", "/api/v1/payments", nil).mustStatus(t, 200).decode(t, &l)
	if len(l.Items) != 2 {
		t.Errorf("the administrator sees %d payments, want 2", len(l.Items))
	}
	var mine List[Payment]
	e.callWith(t, "GET", "/api/v1/me/payments", nil, ts.driver).mustStatus(t, 200).decode(t, &mine)
	if len(mine.Items) != 2 {
		t.Errorf("the driver sees %d of their payments, want 2", len(mine.Items))
	}
}
