package ocpptest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/ladda-csms/ladda/gateway"
	"github.com/ladda-csms/ladda/ocpp/ocpptest"
	"github.com/ladda-csms/ladda/ocpp/v201"
)

// upMonitoring returns a 2.0.1 station with hook that is up on a fresh server which logs what
// the station sends and answers NotifyMonitoringReport, which the router does not serve.
func upMonitoring(t *testing.T, id string, hook ocpptest.Hook) (*testServer, *callLog, *ocpptest.Station) {
	t.Helper()
	log := &callLog{version: ocpptest.V201}
	answers := map[string]answerFunc{
		"NotifyMonitoringReport": func(context.Context, gateway.Peer, json.RawMessage) any {
			return &v201.NotifyMonitoringReportResponse{}
		},
	}
	ts := newWrappedServer(t, func(d gateway.Dispatcher) gateway.Dispatcher {
		log.Dispatcher = &answering{Dispatcher: d, answers: answers}
		return log
	})
	st := ts.mustStation(t, id, ocpptest.V201, func(c *ocpptest.Config) { c.Hook = hook })
	if err := st.Up(testContext(t)); err != nil {
		t.Fatal(err)
	}
	return ts, log, st
}

// reported decodes into out the station's message of action (NotifyReport or
// NotifyMonitoringReport) of request id, and reports whether it sent one.
func reported(t *testing.T, log *callLog, action string, id int, out any) bool {
	t.Helper()
	for _, p := range log.sent(action) {
		var head struct {
			RequestID int `json:"requestId"`
		}
		if err := json.Unmarshal(p, &head); err != nil {
			t.Fatalf("%s %s: %v", action, p, err)
		}
		if head.RequestID == id {
			if err := json.Unmarshal(p, out); err != nil {
				t.Fatalf("%s %s: %v", action, p, err)
			}
			return true
		}
	}
	return false
}

// waitReported waits (boundedly) for the station's message of action of request id and
// decodes it into out.
func waitReported(t *testing.T, log *callLog, action string, id int, out any) {
	t.Helper()
	eventually(t, action+" of request "+strconv.Itoa(id), func() bool { return reported(t, log, action, id, out) })
}

// cv is a component of the station, and one of its variables when v is not "".
func cv(c, v string) v201.ComponentVariable {
	out := v201.ComponentVariable{Component: v201.Component{Name: c}}
	if v != "" {
		out.Variable = &v201.Variable{Name: v}
	}
	return out
}

// TestGetReport201: GetReport is Accepted and followed by a NotifyReport of the variables that
// match its components, variables and criteria (every component Available and Enabled, none
// Active or Problem); a report that matches nothing is an EmptyResultSet and sends nothing.
func TestGetReport201(t *testing.T) {
	t.Parallel()
	ts, log, st := upMonitoring(t, "CP-REPORT", nil)
	get := func(req *v201.GetReportRequest) v201.GenericDeviceModelStatus {
		t.Helper()
		var res v201.GetReportResponse
		checkedCall(t, ts, st, "GetReport", req, &res)
		return res.Status
	}
	evse := cv("OCPPCommCtrlr", "")
	evse.Component.EVSE = &v201.EVSE{ID: 1}
	instance := cv("SecurityCtrlr", "Identity")
	instance.Variable.Instance = "second"
	empty := []v201.GetReportRequest{
		{RequestID: 1, ComponentCriteria: []v201.ComponentCriterion{v201.ComponentCriterionActive, v201.ComponentCriterionProblem}},
		{RequestID: 2, ComponentVariable: []v201.ComponentVariable{cv("NoSuchCtrlr", "")}},
		{RequestID: 3, ComponentVariable: []v201.ComponentVariable{evse, instance}},
		{RequestID: 4, ComponentVariable: []v201.ComponentVariable{cv("OCPPCommCtrlr", "NoSuchVariable")}},
	}
	for _, req := range empty {
		if got := get(&req); got != v201.GenericDeviceModelStatusEmptyResultSet {
			t.Errorf("GetReport %d = %s, want EmptyResultSet", req.RequestID, got)
		}
	}

	all := []string{"OCPPCommCtrlr/HeartbeatInterval=60", "SampledDataCtrlr/TxUpdatedInterval=60",
		"AuthCtrlr/AuthorizeRemoteStart=false", "SecurityCtrlr/Identity=CP-REPORT",
		"SecurityCtrlr/OrganizationName=" + ocpptest.DefaultOrganization}
	tests := []struct {
		req  v201.GetReportRequest
		want []string
	}{
		{v201.GetReportRequest{RequestID: 10, ComponentVariable: []v201.ComponentVariable{
			cv("OCPPCommCtrlr", "HeartbeatInterval"), cv("SecurityCtrlr", ""), cv("NoSuchCtrlr", ""),
		}}, []string{all[0], all[3], all[4]}},
		{v201.GetReportRequest{RequestID: 11, ComponentCriteria: []v201.ComponentCriterion{v201.ComponentCriterionProblem, v201.ComponentCriterionAvailable}}, all},
		{v201.GetReportRequest{RequestID: 12, ComponentCriteria: []v201.ComponentCriterion{v201.ComponentCriterionEnabled},
			ComponentVariable: []v201.ComponentVariable{cv("AuthCtrlr", "")}}, []string{all[2]}},
		{v201.GetReportRequest{RequestID: 13}, all},
	}
	for _, tt := range tests {
		if got := get(&tt.req); got != v201.GenericDeviceModelStatusAccepted {
			t.Errorf("GetReport %d = %s, want Accepted", tt.req.RequestID, got)
			continue
		}
		var n v201.NotifyReportRequest
		waitReported(t, log, "NotifyReport", tt.req.RequestID, &n)
		var got []string
		for _, d := range n.ReportData {
			if len(d.VariableAttribute) != 1 || d.VariableAttribute[0].Type != v201.AttributeActual || d.VariableCharacteristics == nil {
				t.Errorf("report %d: %+v, want the Actual attribute and the characteristics", tt.req.RequestID, d)
				continue
			}
			got = append(got, d.Component.Name+"/"+d.Variable.Name+"="+d.VariableAttribute[0].Value)
		}
		if !slices.Equal(got, tt.want) || n.SeqNo != 0 || n.Tbc != nil || n.GeneratedAt.IsZero() {
			t.Errorf("report %d: seqNo %d tbc %v at %v %v, want seqNo 0, the last, of %v",
				tt.req.RequestID, n.SeqNo, n.Tbc, n.GeneratedAt, got, tt.want)
		}
	}
	for _, req := range empty {
		var n v201.NotifyReportRequest
		if reported(t, log, "NotifyReport", req.RequestID, &n) {
			t.Errorf("an empty result set %d was reported: %+v", req.RequestID, n)
		}
	}
}

// setMonitors sends a SetVariableMonitoring and returns the results as "status id", the id
// only when there is one.
func setMonitors(t *testing.T, ts *testServer, st *ocpptest.Station, data ...v201.SetMonitoringData) []string {
	t.Helper()
	var res v201.SetVariableMonitoringResponse
	checkedCall(t, ts, st, "SetVariableMonitoring", &v201.SetVariableMonitoringRequest{SetMonitoringData: data}, &res)
	if len(res.SetMonitoringResult) != len(data) {
		t.Fatalf("SetVariableMonitoring of %d answered %+v", len(data), res.SetMonitoringResult)
	}
	var out []string
	for i, r := range res.SetMonitoringResult {
		d := data[i]
		if r.Type != d.Type || r.Severity != d.Severity || r.Component.Name != d.Component.Name || r.Variable.Name != d.Variable.Name {
			t.Errorf("result %d %+v does not repeat its request %+v", i, r, d)
		}
		s := string(r.Status)
		if r.ID != nil {
			s += " " + strconv.Itoa(*r.ID)
		}
		out = append(out, s)
	}
	return out
}

// monitorData is a SetMonitoringData of component c and variable v.
func monitorData(c, v string, typ v201.Monitor, value float64, severity int) v201.SetMonitoringData {
	return v201.SetMonitoringData{Component: v201.Component{Name: c}, Variable: v201.Variable{Name: v}, Type: typ, Value: value, Severity: severity}
}

// monitorReport sends a GetMonitoringReport and returns its status and, when Accepted, the
// NotifyMonitoringReport that follows as "Component/Variable id:type:value:severity[:tx]".
func monitorReport(t *testing.T, ts *testServer, log *callLog, st *ocpptest.Station, req *v201.GetMonitoringReportRequest) (v201.GenericDeviceModelStatus, []string) {
	t.Helper()
	var res v201.GetMonitoringReportResponse
	checkedCall(t, ts, st, "GetMonitoringReport", req, &res)
	if res.Status != v201.GenericDeviceModelStatusAccepted {
		return res.Status, nil
	}
	var n v201.NotifyMonitoringReportRequest
	waitReported(t, log, "NotifyMonitoringReport", req.RequestID, &n)
	if n.SeqNo != 0 || n.Tbc != nil || n.GeneratedAt.IsZero() {
		t.Errorf("NotifyMonitoringReport %d: seqNo %d tbc %v at %v, want seqNo 0, the last", req.RequestID, n.SeqNo, n.Tbc, n.GeneratedAt)
	}
	var out []string
	for _, m := range n.Monitor {
		for _, vm := range m.VariableMonitoring {
			s := fmt.Sprintf("%s/%s %d:%s:%v:%d", m.Component.Name, m.Variable.Name, vm.ID, vm.Type, vm.Value, vm.Severity)
			if vm.Transaction {
				s += ":tx"
			}
			out = append(out, s)
		}
	}
	return res.Status, out
}

// monitorIDs returns the ids of the station's monitors.
func monitorIDs(st *ocpptest.Station) []int {
	ids := []int{}
	for _, m := range st.Monitors() {
		ids = append(ids, m.ID)
	}
	return ids
}

// TestVariableMonitoring201: monitors are set with ids the station gives, replaced by id, and
// answered item by item; GetMonitoringReport reports them, filtered, in a
// NotifyMonitoringReport; ClearVariableMonitoring removes them; the monitoring level and base
// are kept, and a base other than All removes the monitors.
func TestVariableMonitoring201(t *testing.T) {
	t.Parallel()
	ts, log, st := upMonitoring(t, "CP-MON", nil)
	tx := monitorData("SampledDataCtrlr", "TxUpdatedInterval", v201.MonitorDelta, 10, 8)
	yes := true
	tx.Transaction = &yes
	replaceUnknown := monitorData("OCPPCommCtrlr", "HeartbeatInterval", v201.MonitorLowerThreshold, 1, 1)
	unknownID := 99
	replaceUnknown.ID = &unknownID
	evse := monitorData("OCPPCommCtrlr", "HeartbeatInterval", v201.MonitorDelta, 1, 1)
	evse.Component.EVSE = &v201.EVSE{ID: 1}
	got := setMonitors(t, ts, st,
		monitorData("OCPPCommCtrlr", "HeartbeatInterval", v201.MonitorUpperThreshold, 600, 5),
		tx,
		monitorData("SecurityCtrlr", "Identity", v201.MonitorPeriodic, 3600, 9),
		monitorData("SecurityCtrlr", "Identity", v201.MonitorUpperThreshold, 1, 5), // not a number
		monitorData("NoSuchCtrlr", "HeartbeatInterval", v201.MonitorDelta, 1, 5),   // unknown component
		monitorData("OCPPCommCtrlr", "NoSuchVariable", v201.MonitorDelta, 1, 5),    // unknown variable
		evse, // the station's component, of an EVSE
		monitorData("OCPPCommCtrlr", "HeartbeatInterval", v201.MonitorLowerThreshold, 1, 10), // severity out of range
		monitorData("OCPPCommCtrlr", "HeartbeatInterval", v201.MonitorPeriodic, 0, 5),        // no period
		replaceUnknown,
		monitorData("OCPPCommCtrlr", "HeartbeatInterval", v201.MonitorUpperThreshold, 900, 5), // as the first
		monitorData("AuthCtrlr", "AuthorizeRemoteStart", v201.MonitorDelta, 0, 7),             // any change of a boolean
	)
	want := []string{"Accepted 1", "Accepted 2", "Accepted 3", "UnsupportedMonitorType", "UnknownComponent", "UnknownVariable",
		"UnknownComponent", "Rejected", "Rejected", "Rejected", "Duplicate", "Accepted 4"}
	if !slices.Equal(got, want) {
		t.Errorf("SetVariableMonitoring results\n %v, want\n %v", got, want)
	}

	// Id 1 is replaced, in place.
	replace := monitorData("OCPPCommCtrlr", "HeartbeatInterval", v201.MonitorLowerThreshold, 30, 4)
	one := 1
	replace.ID = &one
	if got := setMonitors(t, ts, st, replace, monitorData("OCPPCommCtrlr", "HeartbeatInterval", v201.MonitorUpperThreshold, 900, 5)); !slices.Equal(got, []string{"Accepted 1", "Accepted 5"}) {
		t.Errorf("replacing monitor 1 and adding one = %v, want Accepted 1 and Accepted 5", got)
	}
	wantMonitors := []ocpptest.Monitor{
		{ID: 1, Component: "OCPPCommCtrlr", Variable: "HeartbeatInterval", Type: "LowerThreshold", Value: 30, Severity: 4},
		{ID: 2, Component: "SampledDataCtrlr", Variable: "TxUpdatedInterval", Type: "Delta", Value: 10, Severity: 8, Transaction: true},
		{ID: 3, Component: "SecurityCtrlr", Variable: "Identity", Type: "Periodic", Value: 3600, Severity: 9},
		{ID: 4, Component: "AuthCtrlr", Variable: "AuthorizeRemoteStart", Type: "Delta", Value: 0, Severity: 7},
		{ID: 5, Component: "OCPPCommCtrlr", Variable: "HeartbeatInterval", Type: "UpperThreshold", Value: 900, Severity: 5},
	}
	if got := st.Monitors(); !slices.Equal(got, wantMonitors) {
		t.Errorf("Monitors() = %+v, want %+v", got, wantMonitors)
	}

	reports := []struct {
		req    v201.GetMonitoringReportRequest
		status v201.GenericDeviceModelStatus
		want   []string
	}{
		{v201.GetMonitoringReportRequest{RequestID: 1}, "Accepted", []string{
			"OCPPCommCtrlr/HeartbeatInterval 1:LowerThreshold:30:4", "OCPPCommCtrlr/HeartbeatInterval 5:UpperThreshold:900:5",
			"SampledDataCtrlr/TxUpdatedInterval 2:Delta:10:8:tx", "SecurityCtrlr/Identity 3:Periodic:3600:9",
			"AuthCtrlr/AuthorizeRemoteStart 4:Delta:0:7"}},
		{v201.GetMonitoringReportRequest{RequestID: 2, MonitoringCriteria: []v201.MonitoringCriterion{v201.MonitoringCriterionDeltaMonitoring}}, "Accepted", []string{
			"SampledDataCtrlr/TxUpdatedInterval 2:Delta:10:8:tx", "AuthCtrlr/AuthorizeRemoteStart 4:Delta:0:7"}},
		{v201.GetMonitoringReportRequest{RequestID: 3, ComponentVariable: []v201.ComponentVariable{cv("OCPPCommCtrlr", ""), cv("SecurityCtrlr", "Identity")},
			MonitoringCriteria: []v201.MonitoringCriterion{v201.MonitoringCriterionThresholdMonitoring, v201.MonitoringCriterionPeriodicMonitoring}}, "Accepted", []string{
			"OCPPCommCtrlr/HeartbeatInterval 1:LowerThreshold:30:4", "OCPPCommCtrlr/HeartbeatInterval 5:UpperThreshold:900:5",
			"SecurityCtrlr/Identity 3:Periodic:3600:9"}},
		{v201.GetMonitoringReportRequest{RequestID: 4, ComponentVariable: []v201.ComponentVariable{cv("SampledDataCtrlr", "")},
			MonitoringCriteria: []v201.MonitoringCriterion{v201.MonitoringCriterionThresholdMonitoring}}, "EmptyResultSet", nil},
		{v201.GetMonitoringReportRequest{RequestID: 5, ComponentVariable: []v201.ComponentVariable{cv("SecurityCtrlr", "OrganizationName")}}, "EmptyResultSet", nil},
	}
	for _, tt := range reports {
		status, got := monitorReport(t, ts, log, st, &tt.req)
		if status != tt.status || !slices.Equal(got, tt.want) {
			t.Errorf("GetMonitoringReport %d = %s %v, want %s %v", tt.req.RequestID, status, got, tt.status, tt.want)
		}
	}

	var cleared v201.ClearVariableMonitoringResponse
	checkedCall(t, ts, st, "ClearVariableMonitoring", &v201.ClearVariableMonitoringRequest{ID: []int{2, 42, 4, 2}}, &cleared)
	var results []string
	for _, r := range cleared.ClearMonitoringResult {
		results = append(results, fmt.Sprint(r.ID, " ", r.Status))
	}
	if want := []string{"2 Accepted", "42 NotFound", "4 Accepted", "2 NotFound"}; !slices.Equal(results, want) {
		t.Errorf("ClearVariableMonitoring = %v, want %v", results, want)
	}
	if got := monitorIDs(st); !slices.Equal(got, []int{1, 3, 5}) {
		t.Errorf("monitors after clearing: %v, want 1 3 5", got)
	}

	if st.MonitoringLevel() != 9 || st.MonitoringBase() != "All" {
		t.Errorf("a new station's monitoring level %d base %s, want 9 All", st.MonitoringLevel(), st.MonitoringBase())
	}
	for _, tt := range []struct {
		severity int
		want     v201.GenericStatus
	}{{3, "Accepted"}, {10, "Rejected"}, {-1, "Rejected"}} {
		var res v201.SetMonitoringLevelResponse
		checkedCall(t, ts, st, "SetMonitoringLevel", &v201.SetMonitoringLevelRequest{Severity: tt.severity}, &res)
		if res.Status != tt.want {
			t.Errorf("SetMonitoringLevel %d = %s, want %s", tt.severity, res.Status, tt.want)
		}
	}
	if st.MonitoringLevel() != 3 {
		t.Errorf("monitoring level %d, want the accepted 3", st.MonitoringLevel())
	}

	for _, tt := range []struct {
		base v201.MonitoringBase
		ids  []int
	}{{v201.MonitoringBaseAll, []int{1, 3, 5}}, {v201.MonitoringBaseFactoryDefault, []int{}}, {v201.MonitoringBaseHardWiredOnly, []int{}}} {
		var res v201.SetMonitoringBaseResponse
		checkedCall(t, ts, st, "SetMonitoringBase", &v201.SetMonitoringBaseRequest{MonitoringBase: tt.base}, &res)
		if res.Status != v201.GenericDeviceModelStatusAccepted || st.MonitoringBase() != string(tt.base) || !slices.Equal(monitorIDs(st), tt.ids) {
			t.Errorf("SetMonitoringBase %s = %s: base %s monitors %v, want Accepted, the base and %v", tt.base, res.Status, st.MonitoringBase(), monitorIDs(st), tt.ids)
		}
	}
	if status, _ := monitorReport(t, ts, log, st, &v201.GetMonitoringReportRequest{RequestID: 6}); status != v201.GenericDeviceModelStatusEmptyResultSet {
		t.Errorf("GetMonitoringReport without monitors = %s, want EmptyResultSet", status)
	}
	// Ids are not given again.
	if got := setMonitors(t, ts, st, monitorData("OCPPCommCtrlr", "HeartbeatInterval", v201.MonitorUpperThreshold, 600, 5)); !slices.Equal(got, []string{"Accepted 6"}) {
		t.Errorf("a monitor after the others were removed = %v, want Accepted 6", got)
	}
	for _, id := range []int{4, 5} {
		var n v201.NotifyMonitoringReportRequest
		if reported(t, log, "NotifyMonitoringReport", id, &n) {
			t.Errorf("an empty result set %d was reported: %+v", id, n)
		}
	}
}

// TestMonitoringRefused201: a refusing station rejects every device-model and monitoring
// request, item by item where the answer has items, changes nothing and reports nothing;
// CostUpdated, which has no status, is answered but not kept.
func TestMonitoringRefused201(t *testing.T) {
	t.Parallel()
	var refuse atomic.Bool
	ts, log, st := upMonitoring(t, "CP-MON-NO", func(context.Context, string, json.RawMessage) ocpptest.Answer {
		return ocpptest.Answer{Refuse: refuse.Load()}
	})
	if got := setMonitors(t, ts, st, monitorData("OCPPCommCtrlr", "HeartbeatInterval", v201.MonitorUpperThreshold, 600, 5)); !slices.Equal(got, []string{"Accepted 1"}) {
		t.Fatalf("a monitor before refusing = %v, want Accepted 1", got)
	}
	refuse.Store(true)

	var vars v201.GetVariablesResponse
	checkedCall(t, ts, st, "GetVariables", &v201.GetVariablesRequest{GetVariableData: []v201.GetVariableData{
		{Component: v201.Component{Name: "OCPPCommCtrlr"}, Variable: v201.Variable{Name: "HeartbeatInterval"}},
		{Component: v201.Component{Name: "NoSuchCtrlr"}, Variable: v201.Variable{Name: "HeartbeatInterval"}},
	}}, &vars)
	for i, r := range vars.GetVariableResult {
		if r.AttributeStatus != v201.GetVariableStatusRejected || r.AttributeValue != "" {
			t.Errorf("refused GetVariables result %d = %+v, want Rejected without a value", i, r)
		}
	}
	if len(vars.GetVariableResult) != 2 {
		t.Errorf("refused GetVariables answered %d results, want 2", len(vars.GetVariableResult))
	}
	var report v201.GetReportResponse
	checkedCall(t, ts, st, "GetReport", &v201.GetReportRequest{RequestID: 1}, &report)
	if report.Status != v201.GenericDeviceModelStatusRejected {
		t.Errorf("refused GetReport = %s, want Rejected", report.Status)
	}
	if got := setMonitors(t, ts, st,
		monitorData("OCPPCommCtrlr", "HeartbeatInterval", v201.MonitorLowerThreshold, 6, 5),
		monitorData("NoSuchCtrlr", "HeartbeatInterval", v201.MonitorLowerThreshold, 6, 5),
	); !slices.Equal(got, []string{"Rejected", "Rejected"}) {
		t.Errorf("refused SetVariableMonitoring = %v, want both Rejected", got)
	}
	var cleared v201.ClearVariableMonitoringResponse
	checkedCall(t, ts, st, "ClearVariableMonitoring", &v201.ClearVariableMonitoringRequest{ID: []int{1, 2}}, &cleared)
	for _, r := range cleared.ClearMonitoringResult {
		if r.Status != v201.ClearMonitoringStatusRejected {
			t.Errorf("refused ClearVariableMonitoring of %d = %s, want Rejected", r.ID, r.Status)
		}
	}
	var base v201.SetMonitoringBaseResponse
	checkedCall(t, ts, st, "SetMonitoringBase", &v201.SetMonitoringBaseRequest{MonitoringBase: v201.MonitoringBaseHardWiredOnly}, &base)
	var level v201.SetMonitoringLevelResponse
	checkedCall(t, ts, st, "SetMonitoringLevel", &v201.SetMonitoringLevelRequest{Severity: 2}, &level)
	if base.Status != v201.GenericDeviceModelStatusRejected || level.Status != v201.GenericStatusRejected {
		t.Errorf("refused SetMonitoringBase = %s, SetMonitoringLevel = %s; want both Rejected", base.Status, level.Status)
	}
	status, _ := monitorReport(t, ts, log, st, &v201.GetMonitoringReportRequest{RequestID: 2})
	if status != v201.GenericDeviceModelStatusRejected {
		t.Errorf("refused GetMonitoringReport = %s, want Rejected", status)
	}
	var cost v201.CostUpdatedResponse
	checkedCall(t, ts, st, "CostUpdated", &v201.CostUpdatedRequest{TotalCost: 1.5, TransactionID: "TX-1"}, &cost)
	if c, ok := st.Cost("TX-1"); ok {
		t.Errorf("a refused CostUpdated was kept: %v", c)
	}

	want := []ocpptest.Monitor{{ID: 1, Component: "OCPPCommCtrlr", Variable: "HeartbeatInterval", Type: "UpperThreshold", Value: 600, Severity: 5}}
	if got := st.Monitors(); !slices.Equal(got, want) || st.MonitoringLevel() != 9 || st.MonitoringBase() != "All" {
		t.Errorf("after refusing: monitors %+v level %d base %s, want %+v 9 All", got, st.MonitoringLevel(), st.MonitoringBase(), want)
	}
	if n := len(log.sent("NotifyReport")) + len(log.sent("NotifyMonitoringReport")); n != 0 {
		t.Errorf("a refusing station sent %d reports", n)
	}
}
