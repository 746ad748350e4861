package main

// End-to-end tests that drive Ladda with a station client we did not write
// (github.com/lorenzodonini/ocpp-go), one per OCPP version, so that our reading of the
// protocol is checked by someone else's.

import (
	"strconv"
	"testing"
	"time"

	ocpp16 "github.com/lorenzodonini/ocpp-go/ocpp1.6"
	core16 "github.com/lorenzodonini/ocpp-go/ocpp1.6/core"
	types16 "github.com/lorenzodonini/ocpp-go/ocpp1.6/types"
	ocpp201 "github.com/lorenzodonini/ocpp-go/ocpp2.0.1"
	"github.com/lorenzodonini/ocpp-go/ocpp2.0.1/availability"
	"github.com/lorenzodonini/ocpp-go/ocpp2.0.1/provisioning"
	"github.com/lorenzodonini/ocpp-go/ocpp2.0.1/transactions"
	types201 "github.com/lorenzodonini/ocpp-go/ocpp2.0.1/types"
	"github.com/lorenzodonini/ocpp-go/ws"
)

type transactionView struct {
	ID                   int64    `json:"id"`
	StationID            string   `json:"stationId"`
	StationTransactionID string   `json:"stationTransactionId"`
	IDToken              string   `json:"idToken"`
	Active               bool     `json:"active"`
	EnergyWh             float64  `json:"energyWh"`
	StopReason           string   `json:"stopReason"`
	Flags                []string `json:"flags"`
	Samples              []struct {
		Measurand string  `json:"measurand"`
		Unit      string  `json:"unit"`
		Value     float64 `json:"value"`
	} `json:"samples"`
}

type list[T any] struct {
	Items []T `json:"items"`
}

func (s *server) register(t *testing.T, id, password string) {
	t.Helper()
	s.mustCall(t, 201, "POST", "/api/v1/stations", map[string]any{"id": id, "password": password}, nil)
}

func (s *server) token(t *testing.T, token string) {
	t.Helper()
	s.mustCall(t, 201, "POST", "/api/v1/id-tokens", map[string]any{"idToken": token, "status": "Accepted"}, nil)
}

func (s *server) transactions(t *testing.T, query string) []transactionView {
	t.Helper()
	var l list[transactionView]
	s.mustCall(t, 200, "GET", "/api/v1/transactions?"+query, nil, &l)
	return l.Items
}

func TestOCPP16ChargeWithThirdPartyClient(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	s.register(t, "CP-16", "s3cret-pass-0016")
	s.token(t, "TAG-16")

	client := ws.NewClient()
	client.SetBasicAuth("CP-16", "s3cret-pass-0016")
	cp := ocpp16.NewChargePoint("CP-16", nil, client)
	if err := cp.Start(s.WSURL); err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer cp.Stop()

	boot, err := cp.BootNotification("ModelX", "VendorY", func(r *core16.BootNotificationRequest) { r.FirmwareVersion = "1.2.3" })
	if err != nil {
		t.Fatal(err)
	}
	if boot.Status != core16.RegistrationStatusAccepted || boot.Interval != 300 {
		t.Fatalf("boot = %+v, want Accepted with interval 300", boot)
	}
	if _, err := cp.StatusNotification(1, core16.NoError, core16.ChargePointStatusAvailable); err != nil {
		t.Fatal(err)
	}
	auth, err := cp.Authorize("TAG-16")
	if err != nil || auth.IdTagInfo.Status != types16.AuthorizationStatusAccepted {
		t.Fatalf("authorize = %+v, %v", auth, err)
	}
	if auth, err := cp.Authorize("NOBODY"); err != nil || auth.IdTagInfo.Status != types16.AuthorizationStatusInvalid {
		t.Fatalf("authorize unknown = %+v, %v; want Invalid", auth, err)
	}
	start := time.Now().UTC().Truncate(time.Second)
	st, err := cp.StartTransaction(1, "TAG-16", 10_000, types16.NewDateTime(start))
	if err != nil || st.IdTagInfo.Status != types16.AuthorizationStatusAccepted || st.TransactionId <= 0 {
		t.Fatalf("start = %+v, %v", st, err)
	}
	mv := []types16.MeterValue{{Timestamp: types16.NewDateTime(start.Add(time.Minute)), SampledValue: []types16.SampledValue{
		{Value: "10.75", Unit: types16.UnitOfMeasureKWh, Measurand: types16.MeasurandEnergyActiveImportRegister},
		{Value: "7.4", Unit: types16.UnitOfMeasureKW, Measurand: types16.MeasurandPowerActiveImport},
	}}}
	if _, err := cp.MeterValues(1, mv, func(r *core16.MeterValuesRequest) { r.TransactionId = &st.TransactionId }); err != nil {
		t.Fatal(err)
	}
	running := s.transactions(t, "stationId=CP-16&active=true")
	if len(running) != 1 || running[0].EnergyWh != 750 {
		t.Fatalf("running transactions = %+v, want one with 750 Wh", running)
	}
	stop, err := cp.StopTransaction(12_500, types16.NewDateTime(start.Add(2*time.Minute)), st.TransactionId,
		func(r *core16.StopTransactionRequest) { r.IdTag = "TAG-16"; r.Reason = core16.ReasonEVDisconnected })
	if err != nil || stop.IdTagInfo == nil || stop.IdTagInfo.Status != types16.AuthorizationStatusAccepted {
		t.Fatalf("stop = %+v, %v", stop, err)
	}
	// The station repeats the stop, as stations do after a reconnect: nothing changes.
	if _, err := cp.StopTransaction(99_999, types16.NewDateTime(start.Add(3*time.Minute)), st.TransactionId); err != nil {
		t.Fatalf("repeated stop: %v", err)
	}

	txs := s.transactions(t, "stationId=CP-16")
	if len(txs) != 1 {
		t.Fatalf("transactions = %+v, want one", txs)
	}
	tx := txs[0]
	if tx.Active || tx.EnergyWh != 2500 || tx.StopReason != "EVDisconnected" || tx.IDToken != "TAG-16" {
		t.Fatalf("stopped transaction = %+v, want 2500 Wh, EVDisconnected, TAG-16", tx)
	}
	var detail transactionView
	s.mustCall(t, 200, "GET", "/api/v1/transactions/"+strconv.FormatInt(tx.ID, 10), nil, &detail)
	if len(detail.Samples) < 2 {
		t.Fatalf("detail samples = %+v, want the meter values", detail.Samples)
	}
	var stationView struct {
		Connected   bool   `json:"connected"`
		OCPPVersion string `json:"ocppVersion"`
		Boot        struct {
			Vendor          string `json:"vendor"`
			Model           string `json:"model"`
			FirmwareVersion string `json:"firmwareVersion"`
		} `json:"boot"`
	}
	s.mustCall(t, 200, "GET", "/api/v1/stations/CP-16", nil, &stationView)
	if !stationView.Connected || stationView.OCPPVersion != "1.6" || stationView.Boot.Vendor != "VendorY" || stationView.Boot.FirmwareVersion != "1.2.3" {
		t.Fatalf("station = %+v", stationView)
	}
}

func TestOCPP201ChargeWithThirdPartyClient(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	s.register(t, "CS-201", "s3cret-pass-0201")
	s.token(t, "TAG-201")

	client := ws.NewClient()
	client.SetBasicAuth("CS-201", "s3cret-pass-0201")
	cs := ocpp201.NewChargingStation("CS-201", nil, client)
	if err := cs.Start(s.WSURL); err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer cs.Stop()

	boot, err := cs.BootNotification(provisioning.BootReasonPowerUp, "ModelZ", "VendorW")
	if err != nil || boot.Status != provisioning.RegistrationStatusAccepted {
		t.Fatalf("boot = %+v, %v", boot, err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	if _, err := cs.StatusNotification(types201.NewDateTime(now), availability.ConnectorStatusOccupied, 1, 1); err != nil {
		t.Fatal(err)
	}
	token := &types201.IdToken{IdToken: "TAG-201", Type: types201.IdTokenTypeISO14443}
	connector := 1
	energy := func(wh float64, at time.Time) []types201.MeterValue {
		return []types201.MeterValue{{Timestamp: *types201.NewDateTime(at), SampledValue: []types201.SampledValue{
			{Value: wh, Measurand: types201.MeasurandEnergyActiveImportRegister, UnitOfMeasure: &types201.UnitOfMeasure{Unit: "Wh"}},
		}}}
	}
	info := transactions.Transaction{TransactionID: "tx-abc-1", ChargingState: transactions.ChargingStateCharging}
	started, err := cs.TransactionEvent(transactions.TransactionEventStarted, types201.NewDateTime(now), transactions.TriggerReasonAuthorized, 0, info,
		func(r *transactions.TransactionEventRequest) {
			r.IDToken = token
			r.Evse = &types201.EVSE{ID: 1, ConnectorID: &connector}
			r.MeterValue = energy(5000, now)
		})
	if err != nil || started.IDTokenInfo == nil || started.IDTokenInfo.Status != types201.AuthorizationStatusAccepted {
		t.Fatalf("started = %+v, %v", started, err)
	}
	if _, err := cs.TransactionEvent(transactions.TransactionEventUpdated, types201.NewDateTime(now.Add(time.Minute)), transactions.TriggerReasonMeterValuePeriodic, 1, info,
		func(r *transactions.TransactionEventRequest) { r.MeterValue = energy(5600, now.Add(time.Minute)) }); err != nil {
		t.Fatal(err)
	}
	info.StoppedReason = transactions.ReasonEVDisconnected
	if _, err := cs.TransactionEvent(transactions.TransactionEventEnded, types201.NewDateTime(now.Add(2*time.Minute)), transactions.TriggerReasonEVCommunicationLost, 2, info,
		func(r *transactions.TransactionEventRequest) { r.MeterValue = energy(6000, now.Add(2*time.Minute)) }); err != nil {
		t.Fatal(err)
	}

	txs := s.transactions(t, "stationId=CS-201")
	if len(txs) != 1 {
		t.Fatalf("transactions = %+v, want one", txs)
	}
	tx := txs[0]
	if tx.Active || tx.StationTransactionID != "tx-abc-1" || tx.EnergyWh != 1000 || tx.StopReason != "EVDisconnected" || tx.IDToken != "TAG-201" {
		t.Fatalf("transaction = %+v, want stopped tx-abc-1 with 1000 Wh", tx)
	}
	if got := s.transactions(t, "idToken=TAG-201"); len(got) != 1 {
		t.Fatalf("filter by idToken: %d transactions, want 1", len(got))
	}
}
