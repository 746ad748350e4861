package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/gateway"
	"github.com/ladda-csms/ladda/station"
)

// mustScripted registers station id and connects a hand-scripted station for it speaking sub
// (ocpp1.6 or ocpp2.0.1); it answers the CSMS's calls with NotImplemented.
func (e *commandEnv) mustScripted(tb testing.TB, id, sub string) *gateway.ClientConn {
	tb.Helper()
	ctx := context.Background()
	if _, _, err := e.stations.Register(ctx, station.NewStation{ID: ladda.StationID(id), Password: stationPassword}); err != nil {
		tb.Fatalf("registering %s: %v", id, err)
	}
	conn, err := gateway.Dial(ctx, e.ocppURL+"/"+id, gateway.DialOptions{Subprotocols: []string{sub}, Username: id, Password: stationPassword})
	if err != nil {
		tb.Fatalf("connecting %s: %v", id, err)
	}
	tb.Cleanup(func() { conn.Close() })
	return conn
}

// mustCall sends a CALL from a station and fails the test unless the CSMS answers it.
func mustCall(tb testing.TB, conn *gateway.ClientConn, action, payload string) {
	tb.Helper()
	if _, err := conn.Call(context.Background(), action, json.RawMessage(payload)); err != nil {
		tb.Fatalf("%s %s: %v", action, payload, err)
	}
}

// mustReports lists a station's reports, one page.
func (e *env) mustReports(tb testing.TB, id, query string) List[Report] {
	tb.Helper()
	var l List[Report]
	e.call(tb, http.MethodGet, "/api/v1/stations/"+id+"/reports"+query, nil).mustStatus(tb, http.StatusOK).decode(tb, &l)
	return l
}

// sent is a report a test station sends, and what the API should show for it.
type sent struct {
	station string
	action  string
	payload string
	kind    string
	status  string
	time    time.Time // as the station says; the zero time for "when received"
}

// TestReports: a 1.6 and a 2.0.1 station report security events and firmware progress; the
// listing shows each station's reports newest first, with their payload, filters by action and
// pages.
func TestReports(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	conns := map[string]*gateway.ClientConn{
		"REP-16":  e.mustScripted(t, "REP-16", "ocpp1.6"),
		"REP-201": e.mustScripted(t, "REP-201", "ocpp2.0.1"),
	}
	e.mustStation(t, "QUIET-1", station.Accepted)
	at := func(minute int) time.Time { return time.Date(2025, 3, 1, 11, minute, 0, 0, time.UTC) }
	reports := []sent{
		{"REP-16", "SecurityEventNotification", `{"type":"SettingSystemTime","timestamp":"2025-03-01T11:10:00Z"}`, "SettingSystemTime", "", at(10)},
		{"REP-16", "FirmwareStatusNotification", `{"status":"Downloading"}`, "", "Downloading", time.Time{}},
		{"REP-201", "SecurityEventNotification", `{"type":"StartupOfTheDevice","timestamp":"2025-03-01T11:30:00Z","techInfo":"cold boot"}`, "StartupOfTheDevice", "", at(30)},
		{"REP-16", "FirmwareStatusNotification", `{"status":"Installed"}`, "", "Installed", time.Time{}},
		{"REP-16", "SecurityEventNotification", `{"type":"FirmwareUpdated","timestamp":"2025-03-01T11:50:00Z","techInfo":"v2.1.0"}`, "FirmwareUpdated", "", at(50)},
	}
	received := make([]time.Time, len(reports))
	for i, r := range reports {
		e.clock.Advance(time.Minute)
		received[i] = e.clock.Now()
		mustCall(t, conns[r.station], r.action, r.payload)
	}
	// check fails the test unless got shows reports[want[i]] for each i, in that order.
	check := func(t *testing.T, got []Report, want ...int) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%d reports, want %d: %+v", len(got), len(want), got)
		}
		for i, w := range want {
			g, r := got[i], reports[w]
			wantTime := r.time
			if wantTime.IsZero() {
				wantTime = received[w]
			}
			if g.StationID != r.station || g.Action != r.action || g.Kind != r.kind || g.Status != r.status ||
				!g.Time.Equal(wantTime) || !g.ReceivedAt.Equal(received[w]) || g.ID <= 0 {
				t.Errorf("report %d: %+v, want %+v received %v", i, g, r, received[w])
			}
			if !sameJSON(t, []byte(g.Payload), []byte(r.payload)) {
				t.Errorf("report %d: payload %s, want %s", i, g.Payload, r.payload)
			}
			if i > 0 && g.ID >= got[i-1].ID {
				t.Errorf("report %d: id %d after %d, want newest first", i, g.ID, got[i-1].ID)
			}
		}
	}

	tests := []struct {
		name    string
		station string
		query   string
		want    []int // indexes in reports, newest first
	}{
		{"all of 1.6", "REP-16", "", []int{4, 3, 1, 0}},
		{"all of 2.0.1", "REP-201", "", []int{2}},
		{"1.6 security events", "REP-16", "?action=SecurityEventNotification", []int{4, 0}},
		{"1.6 firmware", "REP-16", "?action=FirmwareStatusNotification", []int{3, 1}},
		{"2.0.1 firmware", "REP-201", "?action=FirmwareStatusNotification", nil},
		{"an action nobody sent", "REP-16", "?action=NotifyEvent", nil},
		{"none at all", "QUIET-1", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := e.mustReports(t, tt.station, tt.query)
			if l.Next != "" {
				t.Errorf("next %q on the only page", l.Next)
			}
			check(t, l.Items, tt.want...)
		})
	}

	t.Run("empty list is an empty array", func(t *testing.T) {
		t.Parallel()
		r := e.call(t, http.MethodGet, "/api/v1/stations/QUIET-1/reports", nil).mustStatus(t, http.StatusOK)
		if items := string(r.fields(t)["items"]); items != "[]" {
			t.Errorf("items %s, want []", items)
		}
	})

	pages := []struct {
		name  string
		query string // before limit and before
		want  []int
	}{
		{"all", "", []int{4, 3, 1, 0}},
		{"security events", "action=SecurityEventNotification&", []int{4, 0}},
	}
	for _, tt := range pages {
		t.Run("pages of "+tt.name, func(t *testing.T) {
			t.Parallel()
			var got []Report
			query := "?" + tt.query + "limit=1"
			for n := 0; ; n++ {
				if n == len(tt.want)+1 {
					t.Fatalf("no end after %d pages: %+v", n, got)
				}
				l := e.mustReports(t, "REP-16", query)
				if len(l.Items) > 1 {
					t.Fatalf("page of %d items", len(l.Items))
				}
				got = append(got, l.Items...)
				if l.Next == "" {
					break
				}
				if want := fmt.Sprint(l.Items[len(l.Items)-1].ID); l.Next != want {
					t.Errorf("next %q, want %q", l.Next, want)
				}
				query = "?" + tt.query + "limit=1&before=" + l.Next
			}
			check(t, got, tt.want...)
		})
	}

	t.Run("errors", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			path   string
			status int
			detail string // in the problem's detail, or in one of its errors' locations
		}{
			{"/NOBODY/reports", 404, "NOBODY"},
			{"/NOBODY/reports?action=SecurityEventNotification", 404, "NOBODY"},
			{"/REP-16/reports?action=Heartbeat", 422, "query.action"},
			{"/REP-16/reports?action=securityeventnotification", 422, "query.action"},
			{"/REP-16/reports?limit=0", 422, "query.limit"},
			{"/REP-16/reports?limit=501", 422, "query.limit"},
			{"/REP-16/reports?limit=many", 422, "query.limit"},
			{"/REP-16/reports?before=-1", 422, "query.before"},
			{"/REP-16/reports?after=3", 422, "after"},
			{"/" + strings.Repeat("X", 49) + "/reports", 422, "path.id"},
		}
		for _, tt := range tests {
			p := e.call(t, http.MethodGet, "/api/v1/stations"+tt.path, nil).mustProblem(t, tt.status)
			where := []string{p.Detail}
			for _, d := range p.Errors {
				where = append(where, d.Location, d.Message)
			}
			if !slices.ContainsFunc(where, func(s string) bool { return strings.Contains(s, tt.detail) }) {
				t.Errorf("%s: problem %+v does not mention %q", tt.path, p, tt.detail)
			}
		}
	})
}
