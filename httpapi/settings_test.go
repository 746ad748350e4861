package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda/ocpp/ocpptest"
	"github.com/ladda-csms/ladda/station"
)

// settingList is the body of GET /api/v1/stations/{id}/settings.
type settingList struct {
	Items []Setting `json:"items"`
}

// mustSettings reads a station's stored settings.
func (e *env) mustSettings(tb testing.TB, id string) []Setting {
	tb.Helper()
	var l settingList
	e.call(tb, http.MethodGet, "/api/v1/stations/"+id+"/settings", nil).mustStatus(tb, http.StatusOK).decode(tb, &l)
	if l.Items == nil {
		tb.Fatalf("settings of %s: items is null, want a list", id)
	}
	return l.Items
}

// settingName names a setting as the simulator does: the 1.6 key, or "Component/Variable".
func settingName(s Setting) string {
	if s.Component == "" {
		return s.Variable
	}
	return s.Component + "/" + s.Variable
}

// byName indexes settings by settingName, failing the test on a duplicate.
func byName(tb testing.TB, list []Setting) map[string]Setting {
	tb.Helper()
	m := make(map[string]Setting, len(list))
	for _, s := range list {
		n := settingName(s)
		if _, dup := m[n]; dup {
			tb.Fatalf("setting %s twice in %+v", n, list)
		}
		m[n] = s
	}
	return m
}

// refuseAll is a hook of a station that must receive nothing: it fails the test on any CALL.
func refuseAll(t *testing.T) ocpptest.Hook {
	return func(_ context.Context, action string, _ json.RawMessage) ocpptest.Answer {
		t.Errorf("the station got %s", action)
		return ocpptest.Answer{Refuse: true}
	}
}

// TestSettingsRefresh16: a 1.6 station's GetConfiguration answer is in the command's answer and
// becomes the stored configuration, marked as the station's; a later refresh replaces what a
// change stored.
func TestSettingsRefresh16(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	sim := e.mustSimulatedWith(t, ocpptest.Config{ID: "SET-16", Version: ocpptest.V16, MeterInterval: 15 * time.Second})

	if got := e.mustSettings(t, "SET-16"); len(got) != 0 {
		t.Fatalf("settings before any refresh: %+v, want none", got)
	}
	c := e.call(t, http.MethodPost, "/api/v1/stations/SET-16/settings/refresh", nil).mustCommand(t)
	if c.Action != "GetBaseReport" || c.Outcome != "answered" || c.Answer == nil || c.Answer.Status != "Accepted" ||
		c.RequestedBy != fmt.Sprint("apikey:", e.keyID) {
		t.Fatalf("refresh %+v answer %+v", c, c.Answer)
	}
	want := map[string]struct {
		value    string
		readOnly bool
	}{
		"HeartbeatInterval":         {"300", false}, // as the boot's answer set it
		"MeterValueSampleInterval":  {"15", false},
		"AuthorizeRemoteTxRequests": {"false", false},
		"NumberOfConnectors":        {"2", true},
		"CpoName":                   {"Ladda Sim", false},
	}
	check := func(where string, list []Setting, updated bool) {
		t.Helper()
		got := byName(t, list)
		if len(got) != len(want) {
			t.Errorf("%s: %d settings %+v, want %d", where, len(got), list, len(want))
		}
		for name, w := range want {
			s, ok := got[name]
			switch {
			case !ok:
				t.Errorf("%s: no %s", where, name)
			case s.Component != "" || s.Value != w.value || s.ReadOnly != w.readOnly || s.Attribute != "":
				t.Errorf("%s: %s is %+v, want value %q readOnly %v", where, name, s, w.value, w.readOnly)
			case updated && (s.UpdatedBy != "station" || s.UpdatedAt == nil || !s.UpdatedAt.Equal(t0)):
				t.Errorf("%s: %s updated by %q at %v, want station at %v", where, name, s.UpdatedBy, s.UpdatedAt, t0)
			}
		}
	}
	check("answer", c.Answer.Settings, true)
	if len(c.Answer.Unknown) != 0 || len(c.Answer.Results) != 0 {
		t.Errorf("answer %+v, want no unknown keys and no results", c.Answer)
	}
	check("GET", e.mustSettings(t, "SET-16"), true)

	// A change is stored as the caller's; a refresh makes the value the station's again.
	e.call(t, http.MethodPatch, "/api/v1/stations/SET-16/settings",
		map[string]any{"changes": []map[string]any{{"variable": "HeartbeatInterval", "value": "120"}}}).mustCommand(t)
	if v, _ := sim.Setting("HeartbeatInterval"); v != "120" {
		t.Fatalf("the station has HeartbeatInterval %q, want 120", v)
	}
	e.clock.Advance(time.Minute)
	e.call(t, http.MethodPost, "/api/v1/stations/SET-16/settings/refresh", nil).mustCommand(t)
	hb := byName(t, e.mustSettings(t, "SET-16"))["HeartbeatInterval"]
	if hb.Value != "120" || hb.UpdatedBy != "station" || hb.UpdatedAt == nil || !hb.UpdatedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("after the second refresh HeartbeatInterval is %+v, want 120 by station", hb)
	}
	// The log keeps both refreshes and the change, newest first.
	l := e.mustCommands(t, "SET-16", "")
	var actions []string
	for _, c := range l.Items {
		actions = append(actions, c.Action)
	}
	if got := strings.Join(actions, ","); got != "GetBaseReport,SetVariables,GetBaseReport" {
		t.Errorf("log %s", got)
	}
}

// TestSettingsChange16: each 1.6 key is changed by its own ChangeConfiguration; the station's
// verdict comes back per change and only what it took is stored, marked with the API key.
func TestSettingsChange16(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	type result struct{ variable, value, status string }
	tests := []struct {
		name    string
		changes []map[string]any
		status  string   // the answer's summary status
		results []result // in the order asked
		stored  map[string]string
	}{
		{"writable key", []map[string]any{{"variable": "MeterValueSampleInterval", "value": "30"}}, "Accepted",
			[]result{{"MeterValueSampleInterval", "30", "Accepted"}}, map[string]string{"MeterValueSampleInterval": "30"}},
		{"unknown key", []map[string]any{{"variable": "NoSuchKey", "value": "1"}}, "Rejected",
			[]result{{"NoSuchKey", "1", "NotSupported"}}, nil},
		{"read-only key", []map[string]any{{"variable": "NumberOfConnectors", "value": "4"}}, "Rejected",
			[]result{{"NumberOfConnectors", "4", "Rejected"}}, nil},
		{"value the station refuses", []map[string]any{{"variable": "AuthorizeRemoteTxRequests", "value": "maybe"}}, "Rejected",
			[]result{{"AuthorizeRemoteTxRequests", "maybe", "Rejected"}}, nil},
		{"some taken", []map[string]any{
			{"variable": "HeartbeatInterval", "value": "120"},
			{"variable": "NoSuchKey", "value": "x"},
			{"variable": "AuthorizeRemoteTxRequests", "value": "true"},
		}, "Partial", []result{
			{"HeartbeatInterval", "120", "Accepted"}, {"NoSuchKey", "x", "NotSupported"}, {"AuthorizeRemoteTxRequests", "true", "Accepted"},
		}, map[string]string{"HeartbeatInterval": "120", "AuthorizeRemoteTxRequests": "true"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id := stationName("CHG", ocpptest.V16, i)
			sim := e.mustSimulated(t, id, ocpptest.V16, nil)
			c := e.call(t, http.MethodPatch, "/api/v1/stations/"+id+"/settings", map[string]any{"changes": tt.changes}).mustCommand(t)
			if c.Action != "SetVariables" || c.Outcome != "answered" || c.Answer == nil || c.Answer.Status != tt.status {
				t.Fatalf("change %+v answer %+v, want answered %s", c, c.Answer, tt.status)
			}
			if len(c.Answer.Results) != len(tt.results) {
				t.Fatalf("results %+v, want %d", c.Answer.Results, len(tt.results))
			}
			for j, w := range tt.results {
				r := c.Answer.Results[j]
				if r.Setting.Variable != w.variable || r.Setting.Value != w.value || r.Status != w.status || r.Setting.Component != "" {
					t.Errorf("result %d: %+v, want %s=%s %s", j, r, w.variable, w.value, w.status)
				}
			}
			got := e.mustSettings(t, id)
			if len(got) != len(tt.stored) {
				t.Errorf("stored %+v, want %v", got, tt.stored)
			}
			for _, s := range got {
				if want, ok := tt.stored[s.Variable]; !ok || s.Value != want || s.UpdatedBy != fmt.Sprint("apikey:", e.keyID) ||
					s.UpdatedAt == nil || !s.UpdatedAt.Equal(t0) {
					t.Errorf("stored %+v, want %v by apikey:%d at %v", s, tt.stored, e.keyID, t0)
				}
				if v, _ := sim.Setting(s.Variable); v != s.Value {
					t.Errorf("the station has %s=%q, Ladda stored %q", s.Variable, v, s.Value)
				}
			}
		})
	}
}

// TestSettings201: a 2.0.1 station gets one SetVariables for all changes and answers each with
// its device-model status; a refresh is a GetBaseReport the station accepts and answers with a
// NotifyReport, whose variables are stored.
func TestSettings201(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)

	t.Run("change", func(t *testing.T) {
		t.Parallel()
		sim := e.mustSimulated(t, "SET-201-C", ocpptest.V201, nil)
		changes := []map[string]any{
			{"component": "SampledDataCtrlr", "variable": "TxUpdatedInterval", "value": "45"},
			{"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval", "value": "600", "attribute": "Actual"},
			{"component": "NoSuchCtrlr", "variable": "Anything", "value": "1"},
			{"component": "AuthCtrlr", "variable": "NoSuchVariable", "value": "1"},
			{"component": "SecurityCtrlr", "variable": "Identity", "value": "ELSE"},
			{"component": "AuthCtrlr", "variable": "AuthorizeRemoteStart", "value": "true", "attribute": "Target"},
		}
		c := e.call(t, http.MethodPatch, "/api/v1/stations/SET-201-C/settings", map[string]any{"changes": changes}).mustCommand(t)
		if c.Action != "SetVariables" || c.Outcome != "answered" || c.Answer == nil || c.Answer.Status != "Partial" {
			t.Fatalf("change %+v answer %+v, want answered Partial", c, c.Answer)
		}
		want := []struct{ name, value, attribute, status string }{
			{"SampledDataCtrlr/TxUpdatedInterval", "45", "", "Accepted"},
			{"OCPPCommCtrlr/HeartbeatInterval", "600", "", "Accepted"}, // Actual, the default, is left out
			{"NoSuchCtrlr/Anything", "1", "", "UnknownComponent"},
			{"AuthCtrlr/NoSuchVariable", "1", "", "UnknownVariable"},
			{"SecurityCtrlr/Identity", "ELSE", "", "Rejected"},
			{"AuthCtrlr/AuthorizeRemoteStart", "true", "Target", "NotSupportedAttributeType"},
		}
		if len(c.Answer.Results) != len(want) {
			t.Fatalf("results %+v, want %d", c.Answer.Results, len(want))
		}
		for i, w := range want {
			r := c.Answer.Results[i]
			if settingName(r.Setting) != w.name || r.Setting.Value != w.value || r.Setting.Attribute != w.attribute || r.Status != w.status {
				t.Errorf("result %d: %+v, want %s=%s (%s) %s", i, r, w.name, w.value, w.attribute, w.status)
			}
		}
		got := byName(t, e.mustSettings(t, "SET-201-C"))
		if len(got) != 2 {
			t.Errorf("stored %+v, want the two accepted", got)
		}
		for _, name := range []string{"SampledDataCtrlr/TxUpdatedInterval", "OCPPCommCtrlr/HeartbeatInterval"} {
			s := got[name]
			v, _ := sim.Setting(name)
			if s.Value != v || s.Attribute != "" || s.UpdatedBy != fmt.Sprint("apikey:", e.keyID) || s.UpdatedAt == nil {
				t.Errorf("stored %s: %+v; the station has %q", name, s, v)
			}
		}
		if v, _ := sim.Setting("SampledDataCtrlr/TxUpdatedInterval"); v != "45" {
			t.Errorf("the station has TxUpdatedInterval %q, want 45", v)
		}
	})

	t.Run("refresh", func(t *testing.T) {
		t.Parallel()
		e.mustSimulated(t, "SET-201-R", ocpptest.V201, nil)
		c := e.call(t, http.MethodPost, "/api/v1/stations/SET-201-R/settings/refresh", nil).mustCommand(t)
		if c.Action != "GetBaseReport" || c.Outcome != "answered" || c.Answer == nil || c.Answer.Status != "Accepted" ||
			c.Answer.Settings != nil || c.Answer.Results != nil {
			t.Fatalf("refresh %+v answer %+v, want answered Accepted without settings", c, c.Answer)
		}
		// The variables arrive afterwards, in NotifyReport.
		var got map[string]Setting
		eventually(t, "reported", func() bool {
			got = byName(t, e.mustSettings(t, "SET-201-R"))
			return len(got) >= 4
		})
		id := got["SecurityCtrlr/Identity"]
		if id.Value != "SET-201-R" || !id.ReadOnly || id.Attribute != "" || id.DataType != "string" || id.UpdatedBy != "station" {
			t.Errorf("Identity %+v, want the station's id, read-only, by station", id)
		}
		hb := got["OCPPCommCtrlr/HeartbeatInterval"]
		if hb.Value != "300" || hb.ReadOnly || hb.DataType != "integer" || hb.UpdatedBy != "station" || hb.UpdatedAt == nil {
			t.Errorf("HeartbeatInterval %+v, want 300 (the boot's interval), writable, integer, by station", hb)
		}
		if _, ok := got["NumberOfConnectors"]; ok {
			t.Errorf("a 1.6-only key was reported: %+v", got)
		}
	})
}

// TestSettingsErrors: unknown station 404, offline 409 (logged), and what the station's OCPP
// version cannot express 422, nothing sent.
func TestSettingsErrors(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	e.mustStation(t, "SET-OFF", station.Accepted)
	e.mustSimulated(t, "SET-ERR-16", ocpptest.V16, refuseAll(t))
	change := map[string]any{"changes": []map[string]any{{"variable": "HeartbeatInterval", "value": "60"}}}
	tests := []struct {
		name    string
		method  string
		station string
		path    string
		body    any
		status  int
		detail  string
		logged  string // the outcome logged; "" for none
	}{
		{"list, unknown station", http.MethodGet, "NOBODY", "", nil, 404, "NOBODY", ""},
		{"refresh, unknown station", http.MethodPost, "NOBODY", "/refresh", nil, 404, "NOBODY", ""},
		{"change, unknown station", http.MethodPatch, "NOBODY", "", change, 404, "NOBODY", ""},
		{"refresh, offline", http.MethodPost, "SET-OFF", "/refresh", nil, 409, "station SET-OFF is not connected", "offline"},
		{"change, offline", http.MethodPatch, "SET-OFF", "", change, 409, "station SET-OFF is not connected", "offline"},
		{"component on 1.6", http.MethodPatch, "SET-ERR-16", "", map[string]any{"changes": []map[string]any{
			{"component": "OCPPCommCtrlr", "variable": "HeartbeatInterval", "value": "60"}}}, 422, "1.6", "failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := 0
			if tt.logged != "" {
				before = len(e.mustCommands(t, tt.station, "").Items)
			}
			p := e.call(t, tt.method, "/api/v1/stations/"+tt.station+"/settings"+tt.path, tt.body).mustProblem(t, tt.status)
			if !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("detail %q, want it to contain %q", p.Detail, tt.detail)
			}
			if tt.logged == "" {
				return
			}
			l := e.mustCommands(t, tt.station, "")
			if len(l.Items) != before+1 || l.Items[0].Outcome != tt.logged {
				t.Errorf("log %+v, want a new entry %s", l.Items, tt.logged)
			}
			if got := e.mustSettings(t, tt.station); len(got) != 0 {
				t.Errorf("stored %+v, want nothing", got)
			}
		})
	}
}

// TestSettingsBadBodies: change bodies that break the schema or a rule are 422 and nothing is
// sent or logged.
func TestSettingsBadBodies(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	e.mustSimulated(t, "SET-BAD", ocpptest.V201, refuseAll(t))
	one := func(kv ...any) map[string]any {
		c := map[string]any{"variable": "HeartbeatInterval", "value": "60"}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(c, kv[i].(string))
			} else {
				c[kv[i].(string)] = kv[i+1]
			}
		}
		return map[string]any{"changes": []map[string]any{c}}
	}
	many := make([]map[string]any, 51)
	for i := range many {
		many[i] = map[string]any{"variable": "HeartbeatInterval", "value": "60"}
	}
	tests := []struct {
		name     string
		body     any
		location string // of an error detail; "" when the rule is the handler's
	}{
		{"no changes", map[string]any{}, "body"},
		{"empty changes", map[string]any{"changes": []any{}}, "body.changes"},
		{"51 changes", map[string]any{"changes": many}, "body.changes"},
		{"changes not a list", map[string]any{"changes": "HeartbeatInterval=60"}, "body.changes"},
		{"no variable", one("variable", nil), "body.changes[0]"},
		{"empty variable", one("variable", ""), "body.changes[0].variable"},
		{"long variable", one("variable", strings.Repeat("v", 51)), "body.changes[0].variable"},
		{"no value", one("value", nil), "body.changes[0]"},
		{"long value", one("value", strings.Repeat("1", 1001)), "body.changes[0].value"},
		{"value not a string", one("value", 60), "body.changes[0].value"},
		{"long component", one("component", strings.Repeat("c", 51)), "body.changes[0].component"},
		{"bad attribute", one("component", "OCPPCommCtrlr", "attribute", "Maximum"), "body.changes[0].attribute"},
		{"negative EVSE", one("component", "EVSE", "evseId", -1), "body.changes[0].evseId"},
		{"unknown field", one("key", "HeartbeatInterval"), "body.changes[0].key"},
		{"connector without EVSE", one("component", "Connector", "connectorId", 1), ""},
	}
	// No body at all is malformed, as for every route that needs one.
	e.call(t, http.MethodPatch, "/api/v1/stations/SET-BAD/settings", nil).mustProblem(t, http.StatusBadRequest)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := e.call(t, http.MethodPatch, "/api/v1/stations/SET-BAD/settings", tt.body).mustProblem(t, http.StatusUnprocessableEntity)
			if tt.location == "" {
				if len(p.Errors) != 0 || !strings.Contains(p.Detail, "changes[0]: connectorId needs an evseId") {
					t.Errorf("problem %+v, want the handler's rule", p)
				}
				return
			}
			found := false
			for _, d := range p.Errors {
				found = found || d.Location == tt.location
			}
			if !found {
				t.Errorf("errors %+v, want one at %s", p.Errors, tt.location)
			}
		})
	}
	if l := e.mustCommands(t, "SET-BAD", ""); len(l.Items) != 0 {
		t.Errorf("log %+v, want nothing sent", l.Items)
	}
}
