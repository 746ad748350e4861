package httpapi

import (
	"context"
	"testing"
	"time"

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
