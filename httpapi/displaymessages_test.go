package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda/ocpp/ocpptest"
	"github.com/ladda-csms/ladda/ocpp/v201"
	"github.com/ladda-csms/ladda/station"
)

// displayPath is the display-messages resource of station id, with rest appended.
func displayPath(id, rest string) string {
	return "/api/v1/stations/" + id + "/display-messages" + rest
}

// requestIDOf returns the requestId of a logged display-message query.
func requestIDOf(tb testing.TB, c Command) int {
	tb.Helper()
	var req struct {
		RequestID *int `json:"requestId"`
	}
	if err := json.Unmarshal(c.Request, &req); err != nil || req.RequestID == nil {
		tb.Fatalf("logged request %s has no requestId (%v)", c.Request, err)
	}
	return *req.RequestID
}

// mustDisplayReport waits for the NotifyDisplayMessages report of query requestID and returns
// the ids of the messages it lists.
func (e *env) mustDisplayReport(tb testing.TB, id string, requestID int) []int {
	tb.Helper()
	var ids []int
	eventually(tb, "reported", func() bool {
		for _, r := range e.mustReports(tb, id, "?action=NotifyDisplayMessages").Items {
			var n v201.NotifyDisplayMessagesRequest
			if err := json.Unmarshal(r.Payload, &n); err != nil {
				tb.Fatalf("report payload %s: %v", r.Payload, err)
			}
			if r.Action != "NotifyDisplayMessages" || n.RequestID != requestID {
				continue
			}
			ids = []int{}
			for _, m := range n.MessageInfo {
				ids = append(ids, m.ID)
			}
			return true
		}
		return false
	})
	return ids
}

// TestDisplayMessages: messages set through the API reach a 2.0.1 station as sent; a query is
// answered in a report listing the matching ones; a cleared message is gone.
func TestDisplayMessages(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	st := e.mustSimulated(t, "DISPLAY-1", ocpptest.V201, nil)

	price := map[string]any{
		"id": 1, "priority": "AlwaysFront", "state": "Idle", "format": "UTF8", "language": "de-CH",
		"content": "0,45 CHF/kWh", "startAt": "2025-03-01T13:00:00+01:00", "endAt": "2025-03-02T12:00:00Z", "evseId": 2,
	}
	c := e.call(t, http.MethodPost, displayPath("DISPLAY-1", ""), price).mustCommand(t)
	checkOutcome(t, c, outcome{status: "Accepted"})
	wantLogged := `{"message":{"id":1,"priority":"AlwaysFront","state":"Idle","format":"UTF8","language":"de-CH",
		"content":"0,45 CHF/kWh","startAt":"2025-03-01T12:00:00Z","endAt":"2025-03-02T12:00:00Z","evseId":2}}`
	if c.Action != "SetDisplayMessage" || !sameJSON(t, []byte(c.Request), []byte(wantLogged)) {
		t.Errorf("logged %s %s, want SetDisplayMessage %s", c.Action, c.Request, wantLogged)
	}
	notice := map[string]any{"id": 2, "priority": "NormalCycle", "format": "ASCII", "content": "Welcome"}
	checkOutcome(t, e.call(t, http.MethodPost, displayPath("DISPLAY-1", ""), notice).mustCommand(t), outcome{status: "Accepted"})

	shown := st.DisplayMessages()
	if len(shown) != 2 {
		t.Fatalf("the station shows %+v, want 2 messages", shown)
	}
	m := shown[0]
	if m.ID != 1 || m.Priority != "AlwaysFront" || m.State != "Idle" || m.Message.Format != "UTF8" ||
		m.Message.Language != "de-CH" || m.Message.Content != "0,45 CHF/kWh" ||
		m.StartDateTime == nil || !m.StartDateTime.Equal(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)) ||
		m.EndDateTime == nil || !m.EndDateTime.Equal(time.Date(2025, 3, 2, 12, 0, 0, 0, time.UTC)) ||
		m.Display == nil || m.Display.EVSE == nil || m.Display.EVSE.ID != 2 || m.TransactionID != "" {
		t.Errorf("the station got %+v", m)
	}
	if m := shown[1]; m.ID != 2 || m.Message.Content != "Welcome" || m.State != "" || m.Display != nil || m.StartDateTime != nil {
		t.Errorf("the station got %+v", m)
	}

	queries := []struct {
		name string
		body any
		want []int // reported ids; nil: answered Unknown, no report
	}{
		{"no body", nil, []int{1, 2}},
		{"empty body", map[string]any{}, []int{1, 2}},
		{"by id", map[string]any{"ids": []int{2, 7}}, []int{2}},
		{"by priority", map[string]any{"priority": "AlwaysFront"}, []int{1}},
		{"by state", map[string]any{"state": "Idle"}, []int{1}},
		{"nothing matches", map[string]any{"ids": []int{7}}, nil},
	}
	seen := map[int]bool{}
	for _, tt := range queries {
		c := e.call(t, http.MethodPost, displayPath("DISPLAY-1", "/query"), tt.body).mustCommand(t)
		id := requestIDOf(t, c)
		if c.Action != "GetDisplayMessages" || seen[id] || id < 0 {
			t.Errorf("%s: action %s requestId %d, want GetDisplayMessages with a fresh requestId", tt.name, c.Action, id)
		}
		seen[id] = true
		if tt.want == nil {
			checkOutcome(t, c, outcome{status: "Unknown"})
			continue
		}
		checkOutcome(t, c, outcome{status: "Accepted"})
		if got := e.mustDisplayReport(t, "DISPLAY-1", id); !slices.Equal(got, tt.want) {
			t.Errorf("%s: reported %v, want %v", tt.name, got, tt.want)
		}
	}

	clears := []struct {
		messageID string
		want      string
	}{
		{"1", "Accepted"},
		{"1", "Unknown"},
		{"99", "Unknown"},
	}
	for _, tt := range clears {
		c := e.call(t, http.MethodDelete, displayPath("DISPLAY-1", "/"+tt.messageID), nil).mustCommand(t)
		checkOutcome(t, c, outcome{status: tt.want})
		if c.Action != "ClearDisplayMessage" || !sameJSON(t, []byte(c.Request), []byte(`{"id":`+tt.messageID+`}`)) {
			t.Errorf("clear %s: logged %s %s", tt.messageID, c.Action, c.Request)
		}
	}
	if shown := st.DisplayMessages(); len(shown) != 1 || shown[0].ID != 2 {
		t.Errorf("the station shows %+v after clearing 1, want only 2", shown)
	}
}

// TestDisplayMessageRefused: the station's own refusals come back as the answer's status.
func TestDisplayMessageRefused(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	e.mustSimulated(t, "DISPLAY-NO", ocpptest.V201, func(context.Context, string, json.RawMessage) ocpptest.Answer {
		return ocpptest.Answer{Refuse: true}
	})
	e.mustSimulated(t, "DISPLAY-TX", ocpptest.V201, nil)
	tests := []struct {
		station string
		body    map[string]any
		want    string
	}{
		{"DISPLAY-NO", map[string]any{"id": 1, "priority": "InFront", "format": "ASCII", "content": "hi"}, "Rejected"},
		{"DISPLAY-TX", map[string]any{"id": 1, "priority": "InFront", "format": "ASCII", "content": "hi", "stationTransactionId": "no-such-tx"}, "UnknownTransaction"},
	}
	for _, tt := range tests {
		c := e.call(t, http.MethodPost, displayPath(tt.station, ""), tt.body).mustCommand(t)
		checkOutcome(t, c, outcome{status: tt.want})
	}
}

// TestDisplayMessageErrors: unknown and offline stations, and 1.6 stations, which have no
// display messages, are errors; the station is asked nothing.
func TestDisplayMessageErrors(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	e.mustStation(t, "DISPLAY-OFF", station.Accepted)
	e.mustSimulated(t, "DISPLAY-16", ocpptest.V16, func(_ context.Context, action string, _ json.RawMessage) ocpptest.Answer {
		t.Errorf("the 1.6 station got %s", action)
		return ocpptest.Answer{}
	})
	set := map[string]any{"id": 1, "priority": "InFront", "format": "ASCII", "content": "hi"}
	tests := []struct {
		name    string
		method  string
		path    string
		body    any
		status  int
		detail  string
		station string // whose log gets the entry; "" for none
		logged  string
	}{
		{"set, unknown station", http.MethodPost, displayPath("NOBODY", ""), set, 404, "NOBODY", "", ""},
		{"query, unknown station", http.MethodPost, displayPath("NOBODY", "/query"), nil, 404, "NOBODY", "", ""},
		{"clear, unknown station", http.MethodDelete, displayPath("NOBODY", "/1"), nil, 404, "NOBODY", "", ""},
		{"set, offline", http.MethodPost, displayPath("DISPLAY-OFF", ""), set, 409, "not connected", "DISPLAY-OFF", "offline"},
		{"query, offline", http.MethodPost, displayPath("DISPLAY-OFF", "/query"), nil, 409, "not connected", "DISPLAY-OFF", "offline"},
		{"clear, offline", http.MethodDelete, displayPath("DISPLAY-OFF", "/1"), nil, 409, "not connected", "DISPLAY-OFF", "offline"},
		{"set, 1.6", http.MethodPost, displayPath("DISPLAY-16", ""), set, 422, "OCPP 1.6 has no standard display messages", "DISPLAY-16", "failed"},
		{"query, 1.6", http.MethodPost, displayPath("DISPLAY-16", "/query"), map[string]any{"priority": "InFront"}, 422, "OCPP 1.6 has no standard display messages", "DISPLAY-16", "failed"},
		{"clear, 1.6", http.MethodDelete, displayPath("DISPLAY-16", "/1"), nil, 422, "OCPP 1.6 has no standard display messages", "DISPLAY-16", "failed"},
	}
	for _, tt := range tests {
		before := 0
		if tt.station != "" {
			before = len(e.mustCommands(t, tt.station, "").Items)
		}
		p := e.call(t, tt.method, tt.path, tt.body).mustProblem(t, tt.status)
		if !strings.Contains(p.Detail, tt.detail) {
			t.Errorf("%s: detail %q, want it to contain %q", tt.name, p.Detail, tt.detail)
		}
		if tt.station == "" {
			continue
		}
		l := e.mustCommands(t, tt.station, "")
		if len(l.Items) != before+1 || l.Items[0].Outcome != tt.logged || l.Items[0].Error != p.Detail {
			t.Errorf("%s: log %+v, want a new entry %s with error %q", tt.name, l.Items, tt.logged, p.Detail)
		}
	}
}

// TestDisplayMessageTimeout: a station that does not answer in time is a 504.
func TestDisplayMessageTimeout(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 300*time.Millisecond)
	e.mustSimulated(t, "DISPLAY-SLOW", ocpptest.V201, func(context.Context, string, json.RawMessage) ocpptest.Answer {
		return ocpptest.Answer{Delay: time.Minute} // cut short when the station closes
	})
	e.call(t, http.MethodDelete, displayPath("DISPLAY-SLOW", "/3"), nil).mustProblem(t, http.StatusGatewayTimeout)
	if l := e.mustCommands(t, "DISPLAY-SLOW", ""); len(l.Items) != 1 || l.Items[0].Outcome != "timeout" {
		t.Errorf("log %+v, want one timeout", l.Items)
	}
}

// TestDisplayMessageBadBodies: bodies that break the schema or a rule are 422 (a missing body
// 400) and nothing is sent or logged.
func TestDisplayMessageBadBodies(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	e.mustSimulated(t, "DISPLAY-BAD", ocpptest.V201, func(_ context.Context, action string, _ json.RawMessage) ocpptest.Answer {
		t.Errorf("the station got %s", action)
		return ocpptest.Answer{}
	})
	// valid returns a good message with the changes applied (a nil value removes the field).
	valid := func(change map[string]any) map[string]any {
		m := map[string]any{"id": 1, "priority": "InFront", "format": "ASCII", "content": "hi"}
		for k, v := range change {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return m
	}
	tests := []struct {
		name     string
		method   string
		path     string
		body     any
		location string // of the first error detail; "" when the rule is the handler's
	}{
		{"no id", http.MethodPost, "", valid(map[string]any{"id": nil}), "body"},
		{"negative id", http.MethodPost, "", valid(map[string]any{"id": -1}), "body.id"},
		{"id beyond 32 bits", http.MethodPost, "", valid(map[string]any{"id": 1 << 31}), "body.id"},
		{"no priority", http.MethodPost, "", valid(map[string]any{"priority": nil}), "body"},
		{"unknown priority", http.MethodPost, "", valid(map[string]any{"priority": "Sometimes"}), "body.priority"},
		{"unknown state", http.MethodPost, "", valid(map[string]any{"state": "Sleeping"}), "body.state"},
		{"unknown format", http.MethodPost, "", valid(map[string]any{"format": "Markdown"}), "body.format"},
		{"no format", http.MethodPost, "", valid(map[string]any{"format": nil}), "body"},
		{"long language", http.MethodPost, "", valid(map[string]any{"language": "en-GB-oxendict"}), "body.language"},
		{"empty content", http.MethodPost, "", valid(map[string]any{"content": ""}), "body.content"},
		{"long content", http.MethodPost, "", valid(map[string]any{"content": strings.Repeat("x", 513)}), "body.content"},
		{"startAt not a time", http.MethodPost, "", valid(map[string]any{"startAt": "tomorrow"}), "body.startAt"},
		{"endAt before startAt", http.MethodPost, "", valid(map[string]any{"startAt": "2025-03-02T00:00:00Z", "endAt": "2025-03-01T00:00:00Z"}), ""},
		{"endAt at startAt", http.MethodPost, "", valid(map[string]any{"startAt": "2025-03-02T00:00:00Z", "endAt": "2025-03-02T01:00:00+01:00"}), ""},
		{"long transaction id", http.MethodPost, "", valid(map[string]any{"stationTransactionId": strings.Repeat("t", 37)}), "body.stationTransactionId"},
		{"negative evseId", http.MethodPost, "", valid(map[string]any{"evseId": -1}), "body.evseId"},
		{"unknown field", http.MethodPost, "", valid(map[string]any{"colour": "red"}), "body.colour"},
		{"query, negative id", http.MethodPost, "/query", map[string]any{"ids": []int{1, -2}}, "body.ids[1]"},
		{"query, unknown priority", http.MethodPost, "/query", map[string]any{"priority": "Sometimes"}, "body.priority"},
		{"query, unknown state", http.MethodPost, "/query", map[string]any{"state": "Sleeping"}, "body.state"},
		{"query, ids not a list", http.MethodPost, "/query", map[string]any{"ids": 1}, "body.ids"},
		{"clear, negative id", http.MethodDelete, "/-1", nil, "path.messageId"},
		{"clear, id not a number", http.MethodDelete, "/first", nil, "path.messageId"},
	}
	for _, tt := range tests {
		p := e.call(t, tt.method, displayPath("DISPLAY-BAD", tt.path), tt.body).mustProblem(t, http.StatusUnprocessableEntity)
		switch {
		case tt.location == "" && (len(p.Errors) != 0 || !strings.Contains(p.Detail, "endAt must be after startAt")):
			t.Errorf("%s: detail %q errors %+v, want the handler's rule", tt.name, p.Detail, p.Errors)
		case tt.location != "" && (len(p.Errors) == 0 || p.Errors[0].Location != tt.location):
			t.Errorf("%s: errors %+v, want one at %s", tt.name, p.Errors, tt.location)
		}
	}
	// No body where one is required is a malformed request, as everywhere in the API.
	e.call(t, http.MethodPost, displayPath("DISPLAY-BAD", ""), nil).mustProblem(t, http.StatusBadRequest)
	if l := e.mustCommands(t, "DISPLAY-BAD", ""); len(l.Items) != 0 {
		t.Errorf("logged %+v", l.Items)
	}
}

// TestDisplayMessages16: a 1.6 station whose vendor carries display messages in DataTransfer
// gets them that way when the request names the vendor; its answers and reports come back as
// for 2.0.1.
func TestDisplayMessages16(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	const vendor = "com.example.display"
	st := e.mustSimulatedWith(t, ocpptest.Config{ID: "DISPLAY-V16", Version: ocpptest.V16, DisplayVendorID: vendor})
	msg := map[string]any{"id": 3, "priority": "InFront", "format": "UTF8", "content": "Gratis laddning i helgen", "vendorId": vendor}
	c := e.call(t, http.MethodPost, displayPath("DISPLAY-V16", ""), msg).mustCommand(t)
	checkOutcome(t, c, outcome{status: "Accepted"})
	if c.Action != "SetDisplayMessage" {
		t.Errorf("logged as %s", c.Action)
	}
	if shown := st.DisplayMessages(); len(shown) != 1 || shown[0].ID != 3 || shown[0].Message.Content != "Gratis laddning i helgen" {
		t.Errorf("the station shows %+v", shown)
	}
	c = e.call(t, http.MethodPost, displayPath("DISPLAY-V16", "/query"), map[string]any{"vendorId": vendor}).mustCommand(t)
	checkOutcome(t, c, outcome{status: "Accepted"})
	if got := e.mustDisplayReport(t, "DISPLAY-V16", requestIDOf(t, c)); !slices.Equal(got, []int{3}) {
		t.Errorf("reported %v, want [3]", got)
	}
	checkOutcome(t, e.call(t, http.MethodDelete, displayPath("DISPLAY-V16", "/3?vendorId="+vendor), nil).mustCommand(t), outcome{status: "Accepted"})
	checkOutcome(t, e.call(t, http.MethodDelete, displayPath("DISPLAY-V16", "/3?vendorId="+vendor), nil).mustCommand(t), outcome{status: "Unknown"})
	msg["vendorId"] = "com.example.other"
	checkOutcome(t, e.call(t, http.MethodPost, displayPath("DISPLAY-V16", ""), msg).mustCommand(t), outcome{status: "UnknownVendorId"})
	if shown := st.DisplayMessages(); len(shown) != 0 {
		t.Errorf("the station shows %+v after the clear and a message for another vendor", shown)
	}
}
