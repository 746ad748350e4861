package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/gateway"
	"github.com/ladda-csms/ladda/ocpp"
	"github.com/ladda-csms/ladda/ocpp/ocppj"
	"github.com/ladda-csms/ladda/ocpp/ocpptest"
	"github.com/ladda-csms/ladda/ocpp/schema"
	"github.com/ladda-csms/ladda/station"
)

// commandEnv is an env with the whole OCPP side: the router answering stations, the gateway
// serving /ocpp/ on loopback, and the commander through which the station service reaches them.
type commandEnv struct {
	*env
	ocppURL string // ws://127.0.0.1:port/ocpp, without the station id
}

// stationPassword is the password of every station of a commandEnv (long enough for 2.0.1).
const stationPassword = "s3cret-pass-cmd-0001"

// newCommandEnv starts a commandEnv whose gateway waits callTimeout for a station's answer.
func newCommandEnv(tb testing.TB, callTimeout time.Duration) *commandEnv {
	tb.Helper()
	e := openEnv(tb)
	v, err := schema.New()
	if err != nil {
		tb.Fatalf("loading the schemas: %v", err)
	}
	router := ocpp.NewRouter(ocpp.RouterConfig{Stations: e.stations, Charging: e.charging, Firmware: e.firmware, PKI: e.pki, Validator: v})
	gw, err := gateway.New(gateway.Config{Authenticator: router, Dispatcher: router, CallTimeout: callTimeout,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatalf("starting the gateway: %v", err)
	}
	e.stations.SetConnections(gw)
	e.stations.SetCommander(ocpp.NewCommander(gw, v, nil))
	e.charging.SetStationCommands(e.stations)
	mux := http.NewServeMux()
	mux.Handle("/ocpp/", gw)
	srv := httptest.NewServer(mux)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		gw.Shutdown(ctx)
		srv.Close()
	})
	e.serve(tb)
	return &commandEnv{env: e, ocppURL: "ws" + strings.TrimPrefix(srv.URL, "http") + "/ocpp"}
}

// mustSimulated registers station id and brings up a simulated station of the OCPP version
// (ocpptest.V16 or V201) for it, answering through hook (nil: as the simulator does).
func (e *commandEnv) mustSimulated(tb testing.TB, id, version string, hook ocpptest.Hook) *ocpptest.Station {
	tb.Helper()
	return e.mustSimulatedWith(tb, ocpptest.Config{ID: id, Version: version, Hook: hook})
}

// mustSimulatedWith is mustSimulated for a station configured as cfg (ID, Version, Hook, Clock,
// …); the env fills in the URL and the password.
func (e *commandEnv) mustSimulatedWith(tb testing.TB, cfg ocpptest.Config) *ocpptest.Station {
	tb.Helper()
	ctx := context.Background()
	id := cfg.ID
	if _, _, err := e.stations.Register(ctx, station.NewStation{ID: ladda.StationID(id), Password: stationPassword}); err != nil {
		tb.Fatalf("registering %s: %v", id, err)
	}
	cfg.URL, cfg.Password, cfg.DisableHeartbeat = e.ocppURL, stationPassword, true
	st, err := ocpptest.New(cfg)
	if err != nil {
		tb.Fatalf("simulating %s: %v", id, err)
	}
	tb.Cleanup(func() { st.Close() })
	if err := st.Up(ctx); err != nil {
		tb.Fatalf("bringing up %s: %v", id, err)
	}
	return st
}

// mustCommand decodes a 200 answer of a command endpoint.
func (r *response) mustCommand(tb testing.TB) Command {
	tb.Helper()
	r.mustStatus(tb, http.StatusOK)
	var c Command
	r.decode(tb, &c)
	return c
}

// mustCommands lists a station's command log, one page.
func (e *env) mustCommands(tb testing.TB, id, query string) List[Command] {
	tb.Helper()
	var l List[Command]
	e.call(tb, http.MethodGet, "/api/v1/stations/"+id+"/commands"+query, nil).mustStatus(tb, http.StatusOK).decode(tb, &l)
	return l
}

// sameJSON reports whether two JSON texts hold the same value.
func sameJSON(tb testing.TB, a, b []byte) bool {
	tb.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		tb.Fatalf("not JSON: %s: %v", a, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		tb.Fatalf("not JSON: %s: %v", b, err)
	}
	return fmt.Sprint(x) == fmt.Sprint(y)
}

// outcome is what a command's log entry should say.
type outcome struct {
	status string // answered with this status; "" for failed
	error  string // failed with an error containing this
}

// TestCommandsReachStations sends every command to a simulated 1.6 and 2.0.1 station, each row
// to a station of its own (a reset reboots it), and checks the answer and its log entry.
func TestCommandsReachStations(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	tests := []struct {
		name    string
		path    string // after /api/v1/stations/{id}
		body    any
		action  string
		request string // the logged request
		want16  outcome
		want201 outcome
	}{
		{"soft reset, no body", "/reset", nil, "Reset", `{"type":"Soft"}`, outcome{status: "Accepted"}, outcome{status: "Accepted"}},
		{"hard reset", "/reset", map[string]any{"type": "Hard"}, "Reset", `{"type":"Hard"}`, outcome{status: "Accepted"}, outcome{status: "Accepted"}},
		{"station inoperative", "/availability", map[string]any{"operative": false}, "ChangeAvailability", `{"operative":false}`, outcome{status: "Accepted"}, outcome{status: "Accepted"}},
		{"connector operative", "/availability", map[string]any{"operative": true, "evseId": 1, "connectorId": 1}, "ChangeAvailability", `{"operative":true,"evseId":1,"connectorId":1}`, outcome{status: "Accepted"}, outcome{status: "Accepted"}},
		{"EVSE the station lacks", "/availability", map[string]any{"operative": false, "evseId": 9}, "ChangeAvailability", `{"operative":false,"evseId":9}`, outcome{status: "Rejected"}, outcome{status: "Rejected"}},
		{"trigger heartbeat", "/trigger", map[string]any{"message": "Heartbeat"}, "TriggerMessage", `{"message":"Heartbeat"}`, outcome{status: "Accepted"}, outcome{status: "Accepted"}},
		{"trigger status of an EVSE", "/trigger", map[string]any{"message": "StatusNotification", "evseId": 1}, "TriggerMessage", `{"message":"StatusNotification","evseId":1}`, outcome{status: "Accepted"}, outcome{status: "Accepted"}},
		{"data transfer", "/data-transfer", map[string]any{"vendorId": "com.example", "messageId": "hello", "data": "hi"}, "DataTransfer", `{"vendorId":"com.example","messageId":"hello","data":"hi"}`, outcome{status: "UnknownVendorId"}, outcome{status: "UnknownVendorId"}},
		{"unlock", "/unlock", map[string]any{"evseId": 1, "connectorId": 1}, "UnlockConnector", `{"evseId":1,"connectorId":1}`, outcome{status: "Unlocked"}, outcome{status: "Unlocked"}},
		{"unlock a connector the station lacks", "/unlock", map[string]any{"evseId": 9, "connectorId": 1}, "UnlockConnector", `{"evseId":9,"connectorId":1}`, outcome{status: "NotSupported"}, outcome{status: "UnknownConnector"}},
		{"clear cache", "/clear-cache", nil, "ClearCache", `{}`, outcome{status: "Accepted"}, outcome{status: "Accepted"}},
	}
	for i, tt := range tests {
		for _, version := range []string{ocpptest.V16, ocpptest.V201} {
			want := tt.want16
			if version == ocpptest.V201 {
				want = tt.want201
			}
			t.Run(version+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				id := fmt.Sprintf("CMD-%s-%d", strings.ReplaceAll(version, ".", ""), i)
				e.mustSimulated(t, id, version, nil)
				c := e.call(t, http.MethodPost, "/api/v1/stations/"+id+tt.path, tt.body).mustCommand(t)
				if c.StationID != id || c.Action != tt.action || c.RequestedBy != fmt.Sprint("apikey:", e.keyID) ||
					!c.RequestedAt.Equal(t0) || c.AnsweredAt == nil || c.ID <= 0 {
					t.Errorf("entry %+v", c)
				}
				if !sameJSON(t, []byte(c.Request), []byte(tt.request)) {
					t.Errorf("request %s, want %s", c.Request, tt.request)
				}
				checkOutcome(t, c, want)
				// The log holds the same entry.
				l := e.mustCommands(t, id, "")
				if len(l.Items) != 1 || l.Items[0].ID != c.ID || l.Items[0].Outcome != c.Outcome || l.Next != "" {
					t.Errorf("log %+v, want the entry %d", l, c.ID)
				}
			})
		}
	}
}

// checkOutcome fails the test unless c ended as want says.
func checkOutcome(t *testing.T, c Command, want outcome) {
	t.Helper()
	if want.status != "" {
		if c.Outcome != "answered" || c.Answer == nil || c.Answer.Status != want.status || c.Error != "" {
			t.Errorf("outcome %q answer %+v error %q, want answered %s", c.Outcome, c.Answer, c.Error, want.status)
		}
		return
	}
	if c.Outcome != "failed" || c.Answer != nil || !strings.Contains(c.Error, want.error) {
		t.Errorf("outcome %q answer %+v error %q, want failed with %q", c.Outcome, c.Answer, c.Error, want.error)
	}
}

// TestCommandRefusedOrFailed: a station that refuses answers with its status; one that answers
// with a CALLERROR gives a 200 whose entry failed and names the error code.
func TestCommandRefusedOrFailed(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	refuse := func(context.Context, string, json.RawMessage) ocpptest.Answer { return ocpptest.Answer{Refuse: true} }
	fail := func(context.Context, string, json.RawMessage) ocpptest.Answer {
		return ocpptest.Answer{Error: ocppj.Errorf(ocppj.FaultInternal, "the relay is stuck")}
	}
	tests := []struct {
		name string
		hook ocpptest.Hook
		path string
		body any
		want outcome
	}{
		{"refused reset", refuse, "/reset", map[string]any{"type": "Hard"}, outcome{status: "Rejected"}},
		{"refused availability", refuse, "/availability", map[string]any{"operative": false}, outcome{status: "Rejected"}},
		{"refused unlock", refuse, "/unlock", map[string]any{"evseId": 1, "connectorId": 1}, outcome{status: "UnlockFailed"}},
		{"refused clear cache", refuse, "/clear-cache", nil, outcome{status: "Rejected"}},
		{"refused trigger", refuse, "/trigger", map[string]any{"message": "BootNotification"}, outcome{status: "Rejected"}},
		{"error on reset", fail, "/reset", nil, outcome{error: "InternalError: the relay is stuck"}},
		{"error on data transfer", fail, "/data-transfer", map[string]any{"vendorId": "com.example"}, outcome{error: "InternalError: the relay is stuck"}},
	}
	for i, tt := range tests {
		for _, version := range []string{ocpptest.V16, ocpptest.V201} {
			t.Run(version+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				id := fmt.Sprintf("NO-%s-%d", strings.ReplaceAll(version, ".", ""), i)
				e.mustSimulated(t, id, version, tt.hook)
				c := e.call(t, http.MethodPost, "/api/v1/stations/"+id+tt.path, tt.body).mustCommand(t)
				checkOutcome(t, c, tt.want)
				if tt.want.error != "" && !strings.Contains(c.Error, id) {
					t.Errorf("error %q does not name the station", c.Error)
				}
			})
		}
	}
}

// TestCommandAnswers: the answer's status, 2.0.1 reason and DataTransfer data reach the API as
// the station sent them. A hand-scripted station answers, to control every field.
func TestCommandAnswers(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	answers := map[string]map[string]string{
		"ocpp1.6": {
			"UnlockConnector": `{"status":"Unlocked"}`,
			"ClearCache":      `{"status":"Accepted"}`,
			"DataTransfer":    `{"status":"Accepted","data":"pong"}`,
		},
		"ocpp2.0.1": {
			"UnlockConnector": `{"status":"UnlockFailed","statusInfo":{"reasonCode":"CableStuck"}}`,
			"ClearCache":      `{"status":"Accepted"}`,
			"DataTransfer":    `{"status":"Accepted","data":{"pong":1}}`,
		},
	}
	tests := []struct {
		path string
		body any
		want map[string]CommandAnswer // by subprotocol
	}{
		{"/unlock", map[string]any{"evseId": 1, "connectorId": 1}, map[string]CommandAnswer{
			"ocpp1.6": {Status: "Unlocked"}, "ocpp2.0.1": {Status: "UnlockFailed", Reason: "CableStuck"}}},
		{"/clear-cache", nil, map[string]CommandAnswer{
			"ocpp1.6": {Status: "Accepted"}, "ocpp2.0.1": {Status: "Accepted"}}},
		{"/data-transfer", map[string]any{"vendorId": "com.example", "data": "ping"}, map[string]CommandAnswer{
			"ocpp1.6": {Status: "Accepted", Data: "pong"}, "ocpp2.0.1": {Status: "Accepted", Data: `{"pong":1}`}}},
	}
	for sub, byAction := range answers {
		t.Run(sub, func(t *testing.T) {
			t.Parallel()
			id := "SCRIPT-" + strings.TrimPrefix(sub, "ocpp")
			if _, _, err := e.stations.Register(context.Background(), station.NewStation{ID: ladda.StationID(id), Password: stationPassword}); err != nil {
				t.Fatal(err)
			}
			conn, err := gateway.Dial(context.Background(), e.ocppURL+"/"+id, gateway.DialOptions{
				Subprotocols: []string{sub}, Username: id, Password: stationPassword,
				OnCall: func(_ context.Context, action string, _ json.RawMessage) (json.RawMessage, *ocppj.Error) {
					if a, ok := byAction[action]; ok {
						return json.RawMessage(a), nil
					}
					return nil, ocppj.Errorf(ocppj.FaultNotImplemented, "not scripted")
				},
			})
			if err != nil {
				t.Fatalf("connecting: %v", err)
			}
			t.Cleanup(func() { conn.Close() })
			for _, tt := range tests {
				c := e.call(t, http.MethodPost, "/api/v1/stations/"+id+tt.path, tt.body).mustCommand(t)
				if c.Outcome != "answered" || c.Answer == nil || !reflect.DeepEqual(*c.Answer, tt.want[sub]) {
					t.Errorf("%s: outcome %q answer %+v error %q, want %+v", tt.path, c.Outcome, c.Answer, c.Error, tt.want[sub])
				}
			}
		})
	}
}

// TestCommandErrors: what stops a command from being asked at all is an error of the one shape,
// and the log keeps it (except for unknown stations, which have no log).
func TestCommandErrors(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	e.mustStation(t, "OFFLINE-1", station.Accepted)
	e.mustSimulated(t, "ERR-16", ocpptest.V16, nil)
	tests := []struct {
		name    string
		station string
		path    string
		body    any
		status  int
		detail  string
		logged  string // the outcome logged, "" for none
	}{
		{"unknown station", "NOBODY", "/reset", nil, 404, "NOBODY", ""},
		{"unknown station, log", "NOBODY", "/commands", nil, 404, "NOBODY", ""},
		{"offline station", "OFFLINE-1", "/reset", nil, 409, "station OFFLINE-1 is not connected", "offline"},
		{"offline station, clear cache", "OFFLINE-1", "/clear-cache", nil, 409, "OFFLINE-1", "offline"},
		{"reset of an EVSE on 1.6", "ERR-16", "/reset", map[string]any{"evseId": 1}, 422, "1.6", "failed"},
		{"2.0.1 trigger on 1.6", "ERR-16", "/trigger", map[string]any{"message": "TransactionEvent"}, 422, "TriggerMessage", "failed"},
		{"second connector on 1.6", "ERR-16", "/unlock", map[string]any{"evseId": 1, "connectorId": 2}, 422, "connectorId 1", "failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := http.MethodPost
			if tt.path == "/commands" {
				method = http.MethodGet
			}
			before := 0
			if tt.logged != "" {
				before = len(e.mustCommands(t, tt.station, "").Items)
			}
			p := e.call(t, method, "/api/v1/stations/"+tt.station+tt.path, tt.body).mustProblem(t, tt.status)
			if !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("detail %q, want it to contain %q", p.Detail, tt.detail)
			}
			if tt.logged == "" {
				return
			}
			l := e.mustCommands(t, tt.station, "")
			if len(l.Items) != before+1 {
				t.Fatalf("%d entries, want %d", len(l.Items), before+1)
			}
			c := l.Items[0]
			if c.Outcome != tt.logged || c.Error != p.Detail || c.Answer != nil || c.AnsweredAt == nil {
				t.Errorf("logged %+v, want outcome %s with error %q", c, tt.logged, p.Detail)
			}
		})
	}
}

// TestCommandTimeout: a station that does not answer in time is a 504, logged as timeout.
func TestCommandTimeout(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 300*time.Millisecond)
	slow := func(_ context.Context, action string, _ json.RawMessage) ocpptest.Answer {
		if action == "Reset" {
			return ocpptest.Answer{Delay: time.Minute} // cut short when the station closes
		}
		return ocpptest.Answer{}
	}
	e.mustSimulated(t, "SLOW-1", ocpptest.V201, slow)
	e.call(t, http.MethodPost, "/api/v1/stations/SLOW-1/reset", nil).mustProblem(t, http.StatusGatewayTimeout)
	l := e.mustCommands(t, "SLOW-1", "")
	if len(l.Items) != 1 || l.Items[0].Outcome != "timeout" || l.Items[0].Error == "" {
		t.Errorf("log %+v, want one timeout", l)
	}
}

// TestCommandBadBodies: bodies that break the schema or a rule are 422 and nothing is sent or
// logged.
func TestCommandBadBodies(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	e.mustSimulated(t, "BAD-1", ocpptest.V201, func(_ context.Context, action string, _ json.RawMessage) ocpptest.Answer {
		t.Errorf("the station got %s", action)
		return ocpptest.Answer{}
	})
	tests := []struct {
		path     string
		body     any
		location string // of the first error detail; "" when the rule is the handler's
	}{
		{"/reset", map[string]any{"type": "Sideways"}, "body.type"},
		{"/reset", map[string]any{"evseId": -1}, "body.evseId"},
		{"/reset", map[string]any{"force": true}, "body.force"},
		{"/unlock", map[string]any{"evseId": 0, "connectorId": 1}, "body.evseId"},
		{"/unlock", map[string]any{"evseId": 1}, "body"},
		{"/availability", map[string]any{"evseId": 1}, "body"},
		{"/availability", map[string]any{"operative": "yes"}, "body.operative"},
		{"/availability", map[string]any{"operative": true, "connectorId": 1}, ""},
		{"/trigger", map[string]any{"message": "Nonsense"}, "body.message"},
		{"/trigger", map[string]any{}, "body"},
		{"/trigger", map[string]any{"message": "MeterValues", "connectorId": 2}, ""},
		{"/data-transfer", map[string]any{"vendorId": ""}, "body.vendorId"},
		{"/data-transfer", map[string]any{"vendorId": strings.Repeat("v", 256)}, "body.vendorId"},
		{"/data-transfer", map[string]any{"vendorId": "v", "messageId": strings.Repeat("m", 51)}, "body.messageId"},
	}
	for _, tt := range tests {
		p := e.call(t, http.MethodPost, "/api/v1/stations/BAD-1"+tt.path, tt.body).mustProblem(t, http.StatusUnprocessableEntity)
		switch {
		case tt.location == "" && len(p.Errors) != 0:
			t.Errorf("%s %v: errors %+v, want the handler's rule", tt.path, tt.body, p.Errors)
		case tt.location == "" && !strings.Contains(p.Detail, "evseId"):
			t.Errorf("%s %v: detail %q", tt.path, tt.body, p.Detail)
		case tt.location != "" && (len(p.Errors) == 0 || p.Errors[0].Location != tt.location):
			t.Errorf("%s %v: errors %+v, want one at %s", tt.path, tt.body, p.Errors, tt.location)
		}
	}
	// No body at all where one is required is a malformed request, as everywhere in the API.
	for _, path := range []string{"/unlock", "/availability", "/trigger", "/data-transfer"} {
		e.call(t, http.MethodPost, "/api/v1/stations/BAD-1"+path, nil).mustProblem(t, http.StatusBadRequest)
	}
	if l := e.mustCommands(t, "BAD-1", ""); len(l.Items) != 0 {
		t.Errorf("logged %+v", l.Items)
	}
}

// TestCommandLogPages: the log lists newest first, a page at a time, following next.
func TestCommandLogPages(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	e.mustSimulated(t, "LOG-1", ocpptest.V16, nil)
	e.mustSimulated(t, "LOG-2", ocpptest.V16, nil)
	var sent []int64
	for i := range 5 {
		c := e.call(t, http.MethodPost, "/api/v1/stations/LOG-1/data-transfer", map[string]any{"vendorId": "v", "messageId": fmt.Sprint(i)}).mustCommand(t)
		sent = append(sent, c.ID)
		// Another station's commands never show in LOG-1's log.
		e.call(t, http.MethodPost, "/api/v1/stations/LOG-2/clear-cache", nil).mustCommand(t)
	}
	var got []int64
	var messages []string
	query := "?limit=2"
	for pages := 0; ; pages++ {
		if pages == 5 {
			t.Fatalf("no end after %d pages: %v", pages, got)
		}
		l := e.mustCommands(t, "LOG-1", query)
		if len(l.Items) > 2 {
			t.Fatalf("page of %d items", len(l.Items))
		}
		for _, c := range l.Items {
			got = append(got, c.ID)
			var r struct{ MessageID string }
			if err := json.Unmarshal([]byte(c.Request), &r); err != nil {
				t.Fatal(err)
			}
			messages = append(messages, r.MessageID)
			if c.StationID != "LOG-1" {
				t.Errorf("entry of %s", c.StationID)
			}
		}
		if l.Next == "" {
			break
		}
		if want := fmt.Sprint(l.Items[len(l.Items)-1].ID); l.Next != want {
			t.Errorf("next %q, want %q", l.Next, want)
		}
		query = "?limit=2&before=" + l.Next
	}
	want := []int64{sent[4], sent[3], sent[2], sent[1], sent[0]}
	if fmt.Sprint(got) != fmt.Sprint(want) || strings.Join(messages, "") != "43210" {
		t.Errorf("pages listed %v (messages %v), want %v newest first", got, messages, want)
	}
	if l := e.mustCommands(t, "LOG-1", ""); len(l.Items) != 5 || l.Next != "" {
		t.Errorf("default page: %d items, next %q", len(l.Items), l.Next)
	}
	for _, q := range []string{"?limit=0", "?limit=501", "?before=-1", "?after=3"} {
		e.call(t, http.MethodGet, "/api/v1/stations/LOG-1/commands"+q, nil).mustProblem(t, http.StatusUnprocessableEntity)
	}
}
