package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/ocpp/ocpptest"
	"github.com/ladda-csms/ladda/station"
)

// listPath is the local-list resource of station id, with rest appended.
func listPath(id, rest string) string {
	return "/api/v1/stations/" + id + "/local-list" + rest
}

// mustLocalList reads a station's list through the API.
func (e *env) mustLocalList(tb testing.TB, id string) LocalList {
	tb.Helper()
	var l LocalList
	e.call(tb, http.MethodGet, listPath(id, ""), nil).mustStatus(tb, http.StatusOK).decode(tb, &l)
	return l
}

// sentList is what a logged SendLocalList asked for.
type sentList struct {
	Version int                      `json:"version"`
	Full    bool                     `json:"full"`
	Entries []station.LocalAuthEntry `json:"entries"`
}

// loggedList decodes the request of a logged SendLocalList into "token:status" strings.
func loggedList(tb testing.TB, c Command) (sentList, []string) {
	tb.Helper()
	var s sentList
	if err := json.Unmarshal(c.Request, &s); err != nil {
		tb.Fatalf("logged request %s: %v", c.Request, err)
	}
	var entries []string
	for _, e := range s.Entries {
		entries = append(entries, e.IDToken+":"+e.Status)
	}
	return s, entries
}

// TestLocalLists: tokens assigned to a station reach it through SendLocalList, first as a Full
// update, then as the differences only (changed statuses, added and removed tokens); a station
// that lost track gets the whole list again; GetLocalListVersion tells the station's version.
func TestLocalLists(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	for _, tok := range []string{"CARD-A", "CARD-B", "CARD-C"} {
		e.mustToken(t, charging.IDToken{Token: tok, Type: "ISO14443", Status: charging.Accepted})
	}
	for _, v := range []string{ocpptest.V16, ocpptest.V201} {
		t.Run(v, func(t *testing.T) {
			id := "LIST-" + strings.ReplaceAll(v, ".", "")
			st := e.mustSimulated(t, id, v, nil)
			if l := e.mustLocalList(t, id); len(l.IDTokens) != 0 || l.SentVersion != 0 {
				t.Errorf("new station's list = %+v, want empty, version 0", l)
			}

			var l LocalList
			e.call(t, http.MethodPut, listPath(id, ""), map[string]any{"idTokens": []string{"CARD-B", "CARD-A"}}).mustStatus(t, http.StatusOK).decode(t, &l)
			if !slices.Equal(l.IDTokens, []string{"CARD-A", "CARD-B"}) || l.SentVersion != 0 {
				t.Errorf("after PUT: %+v, want CARD-A, CARD-B unsent", l)
			}
			if version, tokens := st.LocalList(); version != 0 || len(tokens) != 0 {
				t.Errorf("the station got version %d %v before any send", version, tokens)
			}

			c := e.call(t, http.MethodPost, listPath(id, "/send"), nil).mustCommand(t)
			checkOutcome(t, c, outcome{status: "Accepted"})
			sent, entries := loggedList(t, c)
			if c.Action != "SendLocalList" || sent.Version != 1 || !sent.Full || !slices.Equal(entries, []string{"CARD-A:Accepted", "CARD-B:Accepted"}) {
				t.Errorf("first send logged %s %+v, want a Full version 1 of A and B", c.Action, sent)
			}
			if version, tokens := st.LocalList(); version != 1 || !slices.Equal(tokens, []string{"CARD-A", "CARD-B"}) {
				t.Errorf("the station has version %d %v, want 1 [CARD-A CARD-B]", version, tokens)
			}

			// Block B for everyone, take A off the list, put C on it: three differences.
			e.call(t, http.MethodPatch, "/api/v1/id-tokens/CARD-B", map[string]any{"status": "Blocked"}).mustStatus(t, http.StatusOK)
			t.Cleanup(func() {
				e.call(t, http.MethodPatch, "/api/v1/id-tokens/CARD-B", map[string]any{"status": "Accepted"}).mustStatus(t, http.StatusOK)
			})
			e.call(t, http.MethodPut, listPath(id, ""), map[string]any{"idTokens": []string{"CARD-B", "CARD-C"}}).mustStatus(t, http.StatusOK)
			c = e.call(t, http.MethodPost, listPath(id, "/send"), nil).mustCommand(t)
			checkOutcome(t, c, outcome{status: "Accepted"})
			sent, entries = loggedList(t, c)
			if sent.Version != 2 || sent.Full || !slices.Equal(entries, []string{"CARD-B:Blocked", "CARD-C:Accepted", "CARD-A:"}) {
				t.Errorf("second send logged %+v (%v), want a Differential version 2: B blocked, C added, A removed", sent, entries)
			}
			if version, tokens := st.LocalList(); version != 2 || !slices.Equal(tokens, []string{"CARD-B", "CARD-C"}) {
				t.Errorf("the station has version %d %v, want 2 [CARD-B CARD-C]", version, tokens)
			}
			if status, _ := st.LocalListStatus("CARD-B"); status != "Blocked" {
				t.Errorf("the station holds CARD-B as %q, want Blocked", status)
			}
			if l := e.mustLocalList(t, id); l.SentVersion != 2 {
				t.Errorf("list after the second send: %+v, want version 2", l)
			}

			p := e.call(t, http.MethodPost, listPath(id, "/send"), nil).mustProblem(t, http.StatusConflict)
			if !strings.Contains(p.Detail, "up to date") {
				t.Errorf("sending an unchanged list: %q, want it to say the list is up to date", p.Detail)
			}

			c = e.call(t, http.MethodPost, listPath(id, "/send?full=true"), nil).mustCommand(t)
			checkOutcome(t, c, outcome{status: "Accepted"})
			if sent, entries = loggedList(t, c); sent.Version != 3 || !sent.Full || len(entries) != 2 {
				t.Errorf("forced send logged %+v, want a Full version 3 of two tokens", sent)
			}

			c = e.call(t, http.MethodPost, listPath(id, "/version"), nil).mustCommand(t)
			checkOutcome(t, c, outcome{status: "Accepted"})
			if c.Action != "GetLocalListVersion" || c.Answer.ListVersion == nil || *c.Answer.ListVersion != 3 {
				t.Errorf("version query: %s answered %+v, want listVersion 3", c.Action, c.Answer)
			}

			// Ladda believes the station has version 1 of another list: the differential update
			// it sends (version 2) is older than the station's, which answers VersionMismatch;
			// Ladda sends the whole list at once.
			old := []station.LocalAuthEntry{{IDToken: "CARD-A", TokenType: "ISO14443", Status: "Accepted"}}
			if err := e.db.SaveSentLocalList(context.Background(), ladda.StationID(id), 1, old); err != nil {
				t.Fatal(err)
			}
			before := len(e.mustCommands(t, id, "").Items)
			c = e.call(t, http.MethodPost, listPath(id, "/send"), nil).mustCommand(t)
			checkOutcome(t, c, outcome{status: "Accepted"})
			if sent, _ = loggedList(t, c); sent.Version != 2 || !sent.Full {
				t.Errorf("after a mismatch Ladda sent %+v, want a Full version 2", sent)
			}
			log := e.mustCommands(t, id, "").Items
			if len(log) != before+2 || log[1].Answer == nil || log[1].Answer.Status != "VersionMismatch" {
				t.Errorf("the log has %d new entries, the first answered %+v; want the refused differential and the full list", len(log)-before, log[1].Answer)
			}
			if version, tokens := st.LocalList(); version != 2 || !slices.Equal(tokens, []string{"CARD-B", "CARD-C"}) {
				t.Errorf("the station has version %d %v, want 2 [CARD-B CARD-C]", version, tokens)
			}
		})
	}
}

// TestLocalListRefused: a station's refusal leaves the version Ladda remembers as it was, so the
// next send carries the same changes.
func TestLocalListRefused(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	e.mustToken(t, charging.IDToken{Token: "REF-A", Type: "ISO14443", Status: charging.Accepted})
	e.mustSimulated(t, "LIST-NO", ocpptest.V201, func(context.Context, string, json.RawMessage) ocpptest.Answer {
		return ocpptest.Answer{Refuse: true}
	})
	e.call(t, http.MethodPut, listPath("LIST-NO", ""), map[string]any{"idTokens": []string{"REF-A"}}).mustStatus(t, http.StatusOK)
	for range 2 {
		c := e.call(t, http.MethodPost, listPath("LIST-NO", "/send"), nil).mustCommand(t)
		checkOutcome(t, c, outcome{status: "Failed"})
		if sent, _ := loggedList(t, c); sent.Version != 1 || !sent.Full {
			t.Errorf("sent %+v, want a Full version 1 each time", sent)
		}
	}
	if l := e.mustLocalList(t, "LIST-NO"); l.SentVersion != 0 {
		t.Errorf("after refusals the list is %+v, want version 0", l)
	}
}

// TestLocalListErrors: unknown stations and tokens, offline stations and tokens a 1.6 station
// cannot hold are refused with the matching status; nothing is sent or remembered.
func TestLocalListErrors(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	long := "LONG-TOKEN-OF-24-CHARS-X"
	e.mustToken(t, charging.IDToken{Token: "ERR-A", Type: "ISO14443", Status: charging.Accepted})
	e.mustToken(t, charging.IDToken{Token: long, Type: "Central", Status: charging.Accepted})
	e.mustStation(t, "LIST-OFF", station.Accepted)
	e.mustSimulated(t, "LIST-16", ocpptest.V16, func(_ context.Context, action string, _ json.RawMessage) ocpptest.Answer {
		t.Errorf("the 1.6 station got %s", action)
		return ocpptest.Answer{}
	})
	for _, id := range []string{"LIST-OFF", "LIST-16"} {
		e.call(t, http.MethodPut, listPath(id, ""), map[string]any{"idTokens": []string{"ERR-A", long}}).mustStatus(t, http.StatusOK)
	}
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		status int
		detail string
	}{
		{"get, unknown station", http.MethodGet, listPath("NOBODY", ""), nil, 404, "NOBODY"},
		{"put, unknown station", http.MethodPut, listPath("NOBODY", ""), map[string]any{"idTokens": []string{"ERR-A"}}, 404, "NOBODY"},
		{"send, unknown station", http.MethodPost, listPath("NOBODY", "/send"), nil, 404, "NOBODY"},
		{"version, unknown station", http.MethodPost, listPath("NOBODY", "/version"), nil, 404, "NOBODY"},
		{"put, unknown token", http.MethodPut, listPath("LIST-OFF", ""), map[string]any{"idTokens": []string{"ERR-A", "NO-SUCH"}}, 422, "NO-SUCH"},
		{"put, no tokens field", http.MethodPut, listPath("LIST-OFF", ""), map[string]any{}, 422, "idTokens"},
		{"put, a token twice", http.MethodPut, listPath("LIST-OFF", ""), map[string]any{"idTokens": []string{"ERR-A", "ERR-A"}}, 422, "unique"},
		{"send, offline", http.MethodPost, listPath("LIST-OFF", "/send"), nil, 409, "not connected"},
		{"version, offline", http.MethodPost, listPath("LIST-OFF", "/version"), nil, 409, "not connected"},
		{"send, token too long for 1.6", http.MethodPost, listPath("LIST-16", "/send"), nil, 422, long},
	}
	for _, tt := range tests {
		p := e.call(t, tt.method, tt.path, tt.body).mustProblem(t, tt.status)
		if !strings.Contains(p.Detail+problemErrors(p), tt.detail) {
			t.Errorf("%s: %q, want it to mention %q", tt.name, p.Detail+problemErrors(p), tt.detail)
		}
	}
	for _, id := range []string{"LIST-OFF", "LIST-16"} {
		if l := e.mustLocalList(t, id); !slices.Equal(l.IDTokens, []string{"ERR-A", long}) || l.SentVersion != 0 {
			t.Errorf("%s: list is %+v, want the first assignment, never sent", id, l)
		}
	}
	// A group brings its tokens as they are now; an unknown group is refused.
	for _, tok := range []string{"FLEET-2", "FLEET-1"} {
		e.mustToken(t, charging.IDToken{Token: tok, Type: "ISO14443", Status: charging.Accepted, GroupID: "FLEET"})
	}
	var l LocalList
	e.call(t, http.MethodPut, listPath("LIST-OFF", ""), map[string]any{"idTokens": []string{"ERR-A", "FLEET-1"}, "groups": []string{"FLEET"}}).
		mustStatus(t, http.StatusOK).decode(t, &l)
	if !slices.Equal(l.IDTokens, []string{"ERR-A", "FLEET-1", "FLEET-2"}) {
		t.Errorf("list with a group: %v", l.IDTokens)
	}
	p := e.call(t, http.MethodPut, listPath("LIST-OFF", ""), map[string]any{"idTokens": []string{}, "groups": []string{"NO-GROUP"}}).mustProblem(t, http.StatusUnprocessableEntity)
	if !strings.Contains(p.Detail, "NO-GROUP") {
		t.Errorf("unknown group: %q", p.Detail)
	}
	// An empty list is a list too: it can be assigned and is sent as such.
	e.call(t, http.MethodPut, listPath("LIST-OFF", ""), map[string]any{"idTokens": []string{}}).mustStatus(t, http.StatusOK)
	if l := e.mustLocalList(t, "LIST-OFF"); len(l.IDTokens) != 0 || l.IDTokens == nil {
		t.Errorf("emptied list reads %+v, want []", l)
	}
}

// problemErrors joins the messages and locations of a problem's errors, for matching.
func problemErrors(p problem) string {
	var b strings.Builder
	for _, e := range p.Errors {
		b.WriteString(" " + e.Location + ": " + e.Message)
	}
	return b.String()
}
