package httpapi

import (
	"context"
	"encoding/json"
	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/billing"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/ocpp/ocpptest"
	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
)

// TestReadSettings: named settings are read from stations of both versions; the values given
// are stored, unknown ones say why.
func TestReadSettings(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	e.mustSimulated(t, "READ-16", ocpptest.V16, nil)
	e.mustSimulated(t, "READ-201", ocpptest.V201, nil)

	c := e.call(t, http.MethodPost, "/api/v1/stations/READ-16/settings/read",
		map[string]any{"settings": []map[string]any{{"variable": "HeartbeatInterval"}, {"variable": "NoSuchKey"}}}).mustCommand(t)
	if c.Action != "GetVariables" || c.Answer.Status != "Partial" || len(c.Answer.Results) != 2 ||
		c.Answer.Results[0].Status != "Accepted" || c.Answer.Results[0].Setting.Value != "300" || c.Answer.Results[1].Status != "UnknownVariable" {
		t.Errorf("1.6 read: %s %+v", c.Action, c.Answer)
	}
	c = e.call(t, http.MethodPost, "/api/v1/stations/READ-201/settings/read", map[string]any{"settings": []map[string]any{
		{"component": "SecurityCtrlr", "variable": "Identity"}, {"component": "Nothing", "variable": "X"}, {"component": "AuthCtrlr", "variable": "Nope"}}}).mustCommand(t)
	if c.Answer.Status != "Partial" || len(c.Answer.Results) != 3 || c.Answer.Results[0].Setting.Value != "READ-201" ||
		c.Answer.Results[1].Status != "UnknownComponent" || c.Answer.Results[2].Status != "UnknownVariable" {
		t.Errorf("2.0.1 read: %+v", c.Answer)
	}
	got := byName(t, e.mustSettings(t, "READ-201"))
	if s, ok := got["SecurityCtrlr/Identity"]; !ok || s.Value != "READ-201" || s.UpdatedBy != "station" || s.Component != "SecurityCtrlr" {
		t.Errorf("stored after the read: %+v", got)
	}
	e.call(t, http.MethodPost, "/api/v1/stations/READ-16/settings/read",
		map[string]any{"settings": []map[string]any{{"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval"}}}).mustProblem(t, http.StatusUnprocessableEntity)

	// A report of some components only (GetReport).
	c = e.call(t, http.MethodPost, "/api/v1/stations/READ-201/settings/refresh", map[string]any{"components": []string{"AuthCtrlr"}}).mustCommand(t)
	if c.Action != "GetReport" || c.Answer.Status != "Accepted" {
		t.Errorf("report: %s %+v", c.Action, c.Answer)
	}
	eventually(t, "AuthCtrlr reported", func() bool {
		_, ok := byName(t, e.mustSettings(t, "READ-201"))["AuthCtrlr/AuthorizeRemoteStart"]
		return ok
	})
	if _, ok := byName(t, e.mustSettings(t, "READ-201"))["OCPPCommCtrlr/HeartbeatInterval"]; ok {
		t.Error("a report of AuthCtrlr stored OCPPCommCtrlr's variables")
	}
	c = e.call(t, http.MethodPost, "/api/v1/stations/READ-201/settings/refresh", map[string]any{"criteria": []string{"Problem"}}).mustCommand(t)
	checkOutcome(t, c, outcome{status: "EmptyResultSet"})
	e.call(t, http.MethodPost, "/api/v1/stations/READ-16/settings/refresh", map[string]any{"components": []string{"AuthCtrlr"}}).mustProblem(t, http.StatusUnprocessableEntity)
}

// TestMonitors: monitors are set, replaced, cleared and reported; base and level are set; 1.6
// stations have none.
func TestMonitors(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	st := e.mustSimulated(t, "MON-1", ocpptest.V201, nil)
	e.mustSimulated(t, "MON-16", ocpptest.V16, nil)

	c := e.call(t, http.MethodPost, "/api/v1/stations/MON-1/monitors", map[string]any{"monitors": []map[string]any{
		{"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval", "type": "UpperThreshold", "value": 600, "severity": 4},
		{"component": "Nothing", "variable": "X", "type": "Delta", "value": 1, "severity": 4},
	}}).mustCommand(t)
	if c.Action != "SetVariableMonitoring" || c.Answer.Status != "Partial" || len(c.Answer.Monitors) != 2 ||
		c.Answer.Monitors[0].Status != "Accepted" || c.Answer.Monitors[0].Monitor.ID == nil || c.Answer.Monitors[1].Status != "UnknownComponent" {
		t.Fatalf("set: %+v", c.Answer)
	}
	id := *c.Answer.Monitors[0].Monitor.ID
	if got := st.Monitors(); len(got) != 1 || got[0].ID != id || got[0].Value != 600 || got[0].Type != "UpperThreshold" {
		t.Errorf("the station has %+v", got)
	}
	c = e.call(t, http.MethodPost, "/api/v1/stations/MON-1/monitors", map[string]any{"monitors": []map[string]any{
		{"id": id, "component": "OCPPCommCtrlr", "variable": "HeartbeatInterval", "type": "UpperThreshold", "value": 900, "severity": 2}}}).mustCommand(t)
	checkOutcome(t, c, outcome{status: "Accepted"})
	if got := st.Monitors(); len(got) != 1 || got[0].Value != 900 || got[0].Severity != 2 {
		t.Errorf("after replacing: %+v", got)
	}

	c = e.call(t, http.MethodPost, "/api/v1/stations/MON-1/monitors/query", nil).mustCommand(t)
	checkOutcome(t, c, outcome{status: "Accepted"})
	requestID := requestIDOf(t, c)
	eventually(t, "monitors reported", func() bool {
		for _, r := range e.mustReports(t, "MON-1", "?action=NotifyMonitoringReport").Items {
			var n v201.NotifyMonitoringReportRequest
			if json.Unmarshal(r.Payload, &n) == nil && n.RequestID == requestID && len(n.Monitor) == 1 &&
				len(n.Monitor[0].VariableMonitoring) == 1 && n.Monitor[0].VariableMonitoring[0].ID == id {
				return true
			}
		}
		return false
	})

	checkOutcome(t, e.call(t, http.MethodPost, "/api/v1/stations/MON-1/monitoring", map[string]any{"level": 3}).mustCommand(t), outcome{status: "Accepted"})
	if st.MonitoringLevel() != 3 {
		t.Errorf("level %d, want 3", st.MonitoringLevel())
	}
	c = e.call(t, http.MethodPost, "/api/v1/stations/MON-1/monitors/clear", map[string]any{"ids": []int{id, 4242}}).mustCommand(t)
	if c.Answer.Status != "Partial" || len(c.Answer.Monitors) != 2 || c.Answer.Monitors[0].Status != "Accepted" || c.Answer.Monitors[1].Status != "NotFound" {
		t.Errorf("clear: %+v", c.Answer)
	}
	checkOutcome(t, e.call(t, http.MethodPost, "/api/v1/stations/MON-1/monitors/query", nil).mustCommand(t), outcome{status: "EmptyResultSet"})
	checkOutcome(t, e.call(t, http.MethodPost, "/api/v1/stations/MON-1/monitoring", map[string]any{"base": "FactoryDefault"}).mustCommand(t), outcome{status: "Accepted"})
	if st.MonitoringBase() != "FactoryDefault" {
		t.Errorf("base %s", st.MonitoringBase())
	}

	for _, bad := range []struct {
		path string
		body any
	}{
		{"/api/v1/stations/MON-1/monitoring", map[string]any{}},
		{"/api/v1/stations/MON-1/monitoring", map[string]any{"base": "All", "level": 1}},
		{"/api/v1/stations/MON-1/monitors", map[string]any{"monitors": []map[string]any{{"component": "A", "variable": "B", "type": "Sometimes", "value": 1, "severity": 1}}}},
		{"/api/v1/stations/MON-16/monitoring", map[string]any{"level": 1}},
		{"/api/v1/stations/MON-16/monitors/clear", map[string]any{"ids": []int{1}}},
	} {
		e.call(t, http.MethodPost, bad.path, bad.body).mustProblem(t, http.StatusUnprocessableEntity)
	}
}

// TestRemoteStartProfileAndCost: a remote start carries a TxProfile to both versions; the running
// cost reaches a 2.0.1 station.
func TestRemoteStartProfileAndCost(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	e.mustToken(t, charging.IDToken{Token: "PROF-1", Status: charging.Accepted, AllowConcurrent: true})
	profile := map[string]any{"id": 7, "schedule": map[string]any{"rateUnit": "A", "periods": []map[string]any{{"start": 0, "limit": 16}, {"start": 600, "limit": 10, "phases": 3}}}}
	for _, v := range []string{ocpptest.V16, ocpptest.V201} {
		id := "PROF-" + strconv.Itoa(len(v))
		st := e.mustSimulated(t, id, v, nil)
		var res RemoteStartResult
		e.call(t, http.MethodPost, "/api/v1/stations/"+id+"/remote-start?wait=10s",
			map[string]any{"idToken": "PROF-1", "evseId": 1, "chargingProfile": profile}).mustStatus(t, http.StatusCreated).decode(t, &res)
		var raw json.RawMessage
		eventually(t, "the session runs with its profile", func() bool {
			var ok bool
			raw, ok = st.SessionProfile(1)
			return ok
		})
		if v == ocpptest.V16 {
			var p v16.ChargingProfile
			if err := json.Unmarshal(raw, &p); err != nil || p.ChargingProfileID != 7 || p.ChargingProfilePurpose != "TxProfile" || p.ChargingProfileKind != "Relative" ||
				len(p.ChargingSchedule.ChargingSchedulePeriod) != 2 || p.ChargingSchedule.ChargingSchedulePeriod[1].Limit != 10 {
				t.Errorf("1.6 profile %s (%v)", raw, err)
			}
			e.call(t, http.MethodPost, "/api/v1/transactions/"+strconv.FormatInt(res.Transaction.ID, 10)+"/cost", map[string]any{"totalCost": 1.5}).mustProblem(t, http.StatusUnprocessableEntity)
			continue
		}
		var p v201.ChargingProfile
		if err := json.Unmarshal(raw, &p); err != nil || p.ID != 7 || len(p.ChargingSchedule) != 1 || p.ChargingSchedule[0].ChargingRateUnit != "A" ||
			len(p.ChargingSchedule[0].ChargingSchedulePeriod) != 2 || *p.ChargingSchedule[0].ChargingSchedulePeriod[1].NumberPhases != 3 {
			t.Errorf("2.0.1 profile %s (%v)", raw, err)
		}
		c := e.call(t, http.MethodPost, "/api/v1/transactions/"+strconv.FormatInt(res.Transaction.ID, 10)+"/cost", map[string]any{"totalCost": 3.25}).mustCommand(t)
		checkOutcome(t, c, outcome{status: "Accepted"})
		if cost, ok := st.Cost(res.Transaction.StationTransactionID); !ok || cost != 3.25 {
			t.Errorf("the station shows %v (%v), want 3.25", cost, ok)
		}
		e.call(t, http.MethodPost, "/api/v1/transactions/"+strconv.FormatInt(res.Transaction.ID, 10)+"/cost", nil).mustProblem(t, http.StatusServiceUnavailable)

		// Once a tariff prices the session, its cost goes to the screen by itself, once per
		// change.
		two, _ := billing.ParseAmount("2")
		tariff := &billing.StoredTariff{Name: "Flat", Tariff: billing.Tariff{Currency: "EUR", Elements: []billing.Element{{Components: []billing.Component{{Type: billing.Flat, Price: two}}}}}}
		if err := e.billing.CreateTariff(context.Background(), tariff); err != nil {
			t.Fatal(err)
		}
		if err := e.billing.Assign(context.Background(), &billing.Assignment{TariffID: tariff.ID, StationID: ladda.StationID(id)}); err != nil {
			t.Fatal(err)
		}
		if n, err := e.charging.SendCosts(context.Background()); err != nil || n != 1 {
			t.Errorf("SendCosts = %d, %v; want the 2.0.1 session's cost sent", n, err)
		}
		if cost, ok := st.Cost(res.Transaction.StationTransactionID); !ok || cost != 2 {
			t.Errorf("the station shows %v (%v), want the tariff's 2", cost, ok)
		}
		if n, err := e.charging.SendCosts(context.Background()); err != nil || n != 0 {
			t.Errorf("SendCosts again = %d, %v; want nothing: the cost has not changed", n, err)
		}
	}
	bad := map[string]any{"idToken": "PROF-1", "chargingProfile": map[string]any{"id": 1, "schedule": map[string]any{"rateUnit": "A", "periods": []map[string]any{{"start": 5, "limit": 16}}}}}
	e.call(t, http.MethodPost, "/api/v1/stations/PROF-3/remote-start", bad).mustProblem(t, http.StatusUnprocessableEntity)
}
