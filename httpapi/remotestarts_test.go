package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/ocpp/ocppj"
	"github.com/ladda-csms/ladda/ocpp/ocpptest"
	"github.com/ladda-csms/ladda/station"
)

// pollEvery and pollTimes bound every wait of these tests for something a station does after
// its answer: at most pollTimes × pollEvery.
const (
	pollEvery = 20 * time.Millisecond
	pollTimes = 250
)

// mustRemoteStation brings up a simulated station of the version whose clock is the env's, so
// that its transactions start within charging.RemoteStartWindow of the requests (the 1.6 link
// compares the two).
func (e *commandEnv) mustRemoteStation(tb testing.TB, id, version string, hook ocpptest.Hook) *ocpptest.Station {
	tb.Helper()
	return e.mustSimulatedWith(tb, ocpptest.Config{ID: id, Version: version, Hook: hook, Clock: e.clock})
}

// mustAcceptedToken adds token as an accepted token, so that the station's start is authorised.
func (e *commandEnv) mustAcceptedToken(tb testing.TB, token string) {
	tb.Helper()
	e.mustToken(tb, charging.IDToken{Token: token, Type: "Central", Status: charging.Accepted})
}

// mustRemoteStart decodes the answer of a remote start of the given status.
func (r *response) mustRemoteStart(tb testing.TB, status int) RemoteStartResult {
	tb.Helper()
	r.mustStatus(tb, status)
	var res RemoteStartResult
	r.decode(tb, &res)
	return res
}

// mustGetRemoteStart reads GET /api/v1/remote-starts/{id}.
func (e *env) mustGetRemoteStart(tb testing.TB, id int64) RemoteStartResult {
	tb.Helper()
	return e.call(tb, http.MethodGet, fmt.Sprint("/api/v1/remote-starts/", id), nil).mustRemoteStart(tb, http.StatusOK)
}

// mustGetTransaction reads GET /api/v1/transactions/{id}.
func (e *env) mustGetTransaction(tb testing.TB, id int64) TransactionDetail {
	tb.Helper()
	var tx TransactionDetail
	e.call(tb, http.MethodGet, fmt.Sprint("/api/v1/transactions/", id), nil).mustStatus(tb, http.StatusOK).decode(tb, &tx)
	return tx
}

// eventually calls done until it reports true, at most pollTimes times, and fails the test
// with what otherwise.
func eventually(tb testing.TB, what string, done func() bool) {
	tb.Helper()
	for range pollTimes {
		if done() {
			return
		}
		time.Sleep(pollEvery)
	}
	tb.Fatalf("not %s after %s", what, pollTimes*pollEvery)
}

// stationVersions are the OCPP versions every remote start test runs with.
var stationVersions = []string{ocpptest.V16, ocpptest.V201}

// stationName makes a station id unique to a test, its version and its row.
func stationName(prefix, version string, row int) string {
	return fmt.Sprintf("%s-%s-%d", prefix, strings.ReplaceAll(version, ".", ""), row)
}

// TestRemoteStartStarts: a station that accepts starts the transaction for the request's token
// while the API waits; the answer is 201 with the transaction, and the remote start shows it.
func TestRemoteStartStarts(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	tests := []struct {
		name    string
		body    map[string]any
		evse    int // the EVSE the transaction should be on; 0: any
		command string
	}{
		{"station chooses", map[string]any{"idToken": "TAG-A"}, 0, `"tokenType":"Central"`},
		{"on EVSE 2", map[string]any{"idToken": "TAG-B", "evseId": 2}, 2, `"evseId":2`},
		{"eMAID", map[string]any{"idToken": "TAG-C", "tokenType": "eMAID"}, 0, `"tokenType":"eMAID"`},
	}
	for i, tt := range tests {
		for _, version := range stationVersions {
			t.Run(version+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				id := stationName("RS", version, i)
				token := tt.body["idToken"].(string) + "-" + id
				body := map[string]any{"idToken": token}
				for k, v := range tt.body {
					if k != "idToken" {
						body[k] = v
					}
				}
				e.mustAcceptedToken(t, token)
				e.mustRemoteStation(t, id, version, nil)
				r := e.call(t, http.MethodPost, "/api/v1/stations/"+id+"/remote-start?wait=20s", body)
				res := r.mustRemoteStart(t, http.StatusCreated)
				rs, tx := res.RemoteStart, res.Transaction
				if tx == nil || rs.TransactionID == nil || *rs.TransactionID != tx.ID {
					t.Fatalf("remote start %+v with transaction %+v, want them linked", rs, tx)
				}
				if got, want := r.header.Get("Location"), fmt.Sprint("/api/v1/transactions/", tx.ID); got != want {
					t.Errorf("Location %q, want %q", got, want)
				}
				if tx.IDToken != token || tx.StationID != id || !tx.Active || (tt.evse != 0 && tx.EVSEID != tt.evse) {
					t.Errorf("transaction %+v, want an active one of %s for %s on EVSE %d", tx, id, token, tt.evse)
				}
				if rs.ID <= 0 || rs.StationID != id || rs.IDToken != token || rs.Status != "Accepted" || rs.EVSEID != tt.evse ||
					rs.RequestedBy != fmt.Sprint("apikey:", e.keyID) || !rs.RequestedAt.Equal(t0) || rs.CommandID == nil || res.Command != nil {
					t.Errorf("remote start %+v command %+v", rs, res.Command)
				}
				// The command log holds the request, with the remote start's id as remoteStartId.
				l := e.mustCommands(t, id, "")
				if len(l.Items) != 1 || rs.CommandID == nil || l.Items[0].ID != *rs.CommandID {
					t.Fatalf("log %+v, want the entry %v", l.Items, rs.CommandID)
				}
				c := l.Items[0]
				if c.Action != "RequestStartTransaction" || c.Answer == nil || c.Answer.Status != "Accepted" ||
					!strings.Contains(string(c.Request), fmt.Sprintf(`"remoteStartId":%d`, rs.ID)) || !strings.Contains(string(c.Request), tt.command) {
					t.Errorf("logged %+v request %s", c, c.Request)
				}
				// GET shows the same.
				got := e.mustGetRemoteStart(t, rs.ID)
				if got.RemoteStart.TransactionID == nil || *got.RemoteStart.TransactionID != tx.ID || got.Transaction == nil || got.Transaction.ID != tx.ID {
					t.Errorf("GET %+v, want transaction %d", got, tx.ID)
				}
			})
		}
	}
}

// TestRemoteStartNoWait: wait=0s answers 202 as soon as the station accepted; the remote start
// resolves to its transaction once the station has started it.
func TestRemoteStartNoWait(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	for i, version := range stationVersions {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			id := stationName("NW", version, i)
			token := "TAG-" + id
			e.mustAcceptedToken(t, token)
			e.mustRemoteStation(t, id, version, nil)
			r := e.call(t, http.MethodPost, "/api/v1/stations/"+id+"/remote-start?wait=0s", map[string]any{"idToken": token})
			res := r.mustRemoteStart(t, http.StatusAccepted)
			if res.Transaction != nil || res.RemoteStart.TransactionID != nil || res.RemoteStart.Status != "Accepted" || res.Command != nil {
				t.Errorf("answer %+v, want an accepted remote start without transaction", res)
			}
			if got, want := r.header.Get("Location"), fmt.Sprint("/api/v1/remote-starts/", res.RemoteStart.ID); got != want {
				t.Errorf("Location %q, want %q", got, want)
			}
			var got RemoteStartResult
			eventually(t, "started", func() bool {
				got = e.mustGetRemoteStart(t, res.RemoteStart.ID)
				return got.RemoteStart.TransactionID != nil
			})
			if got.Transaction == nil || got.Transaction.ID != *got.RemoteStart.TransactionID || got.Transaction.IDToken != token {
				t.Errorf("resolved to %+v", got)
			}
		})
	}
}

// TestRemoteStartRefused: a station's refusal is a 200 with the status Rejected and the
// command, and no transaction ever comes of it.
func TestRemoteStartRefused(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	refuse := func(context.Context, string, json.RawMessage) ocpptest.Answer { return ocpptest.Answer{Refuse: true} }
	for i, version := range stationVersions {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			id := stationName("RF", version, i)
			e.mustAcceptedToken(t, "TAG-"+id)
			e.mustRemoteStation(t, id, version, refuse)
			r := e.call(t, http.MethodPost, "/api/v1/stations/"+id+"/remote-start", map[string]any{"idToken": "TAG-" + id})
			res := r.mustRemoteStart(t, http.StatusOK)
			rs := res.RemoteStart
			if rs.Status != "Rejected" || rs.TransactionID != nil || res.Transaction != nil || r.header.Get("Location") != "" {
				t.Errorf("answer %+v Location %q, want a rejected remote start alone", res, r.header.Get("Location"))
			}
			if c := res.Command; c == nil || c.Outcome != "answered" || c.Answer == nil || c.Answer.Status != "Rejected" ||
				rs.CommandID == nil || c.ID != *rs.CommandID {
				t.Errorf("command %+v, want the answered entry %v", c, rs.CommandID)
			}
			got := e.mustGetRemoteStart(t, rs.ID)
			if got.RemoteStart.Status != "Rejected" || got.RemoteStart.TransactionID != nil || got.Transaction != nil {
				t.Errorf("GET %+v", got)
			}
		})
	}
}

// TestRemoteStartErrors: what stops a remote start from being asked is an error of the one
// shape.
func TestRemoteStartErrors(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	e.mustStation(t, "RS-OFFLINE", station.Accepted)
	e.mustRemoteStation(t, "RS-BAD", ocpptest.V201, nil)
	ok := map[string]any{"idToken": "TAG-1"}
	tests := []struct {
		name    string
		station string
		query   string
		body    any
		status  int
		detail  string // in the detail, or the location of the first error
	}{
		{"unknown station", "NOBODY", "", ok, 404, "NOBODY"},
		{"offline station", "RS-OFFLINE", "", ok, 409, "RS-OFFLINE"},
		{"empty token", "RS-BAD", "", map[string]any{"idToken": ""}, 422, "body.idToken"},
		{"long token", "RS-BAD", "", map[string]any{"idToken": strings.Repeat("x", 37)}, 422, "body.idToken"},
		{"no token", "RS-BAD", "", map[string]any{"evseId": 1}, 422, "body"},
		{"negative EVSE", "RS-BAD", "", map[string]any{"idToken": "T", "evseId": -1}, 422, "body.evseId"},
		{"unknown token type", "RS-BAD", "", map[string]any{"idToken": "T", "tokenType": "Card"}, 422, "body.tokenType"},
		{"wait not a duration", "RS-BAD", "?wait=soon", ok, 422, "wait"},
		{"wait too long", "RS-BAD", "?wait=121s", ok, 422, "120s"},
		{"wait negative", "RS-BAD", "?wait=-1s", ok, 422, "wait"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := e.call(t, http.MethodPost, "/api/v1/stations/"+tt.station+"/remote-start"+tt.query, tt.body).mustProblem(t, tt.status)
			if strings.HasPrefix(tt.detail, "body") {
				if len(p.Errors) == 0 || p.Errors[0].Location != tt.detail {
					t.Errorf("errors %+v, want one at %s", p.Errors, tt.detail)
				}
			} else if !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("detail %q, want it to contain %q", p.Detail, tt.detail)
			}
		})
	}
	// Nothing reached the station that was asked wrongly.
	if l := e.mustCommands(t, "RS-BAD", ""); len(l.Items) != 0 {
		t.Errorf("logged %+v", l.Items)
	}
	e.call(t, http.MethodPost, "/api/v1/stations/RS-BAD/remote-start", nil).mustProblem(t, http.StatusBadRequest)
	e.call(t, http.MethodGet, "/api/v1/remote-starts/999", nil).mustProblem(t, http.StatusNotFound)
	e.call(t, http.MethodGet, "/api/v1/remote-starts/0", nil).mustProblem(t, http.StatusUnprocessableEntity)
	e.call(t, http.MethodPost, "/api/v1/transactions/999/remote-stop", nil).mustProblem(t, http.StatusNotFound)
}

// TestRemoteStartTimeout: a station that does not answer in time is a 504.
func TestRemoteStartTimeout(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 300*time.Millisecond)
	slow := func(_ context.Context, action string, _ json.RawMessage) ocpptest.Answer {
		if strings.HasSuffix(action, "StartTransaction") && action != "StartTransaction" {
			return ocpptest.Answer{Delay: time.Minute} // cut short when the station closes
		}
		return ocpptest.Answer{}
	}
	for i, version := range stationVersions {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			id := stationName("TO", version, i)
			e.mustRemoteStation(t, id, version, slow)
			p := e.call(t, http.MethodPost, "/api/v1/stations/"+id+"/remote-start", map[string]any{"idToken": "T"}).mustProblem(t, http.StatusGatewayTimeout)
			if !strings.Contains(p.Detail, id) {
				t.Errorf("detail %q does not name the station", p.Detail)
			}
		})
	}
}

// TestRemoteStop: a remote stop ends the session the remote start began; stopping it again is
// a conflict, as is stopping one whose station is gone.
func TestRemoteStop(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	for i, version := range stationVersions {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			id := stationName("ST", version, i)
			token := "TAG-" + id
			e.mustAcceptedToken(t, token)
			st := e.mustRemoteStation(t, id, version, nil)
			start := func() int64 {
				res := e.call(t, http.MethodPost, "/api/v1/stations/"+id+"/remote-start", map[string]any{"idToken": token, "evseId": 1}).mustRemoteStart(t, http.StatusCreated)
				// Ladda knows the transaction once it stored it; a 1.6 station knows its id only
				// when the answer reached it, a moment later.
				eventually(t, "started at the station", func() bool { _, ok := st.Session(1); return ok })
				return res.Transaction.ID
			}
			txID := start()
			stop := fmt.Sprint("/api/v1/transactions/", txID, "/remote-stop")
			c := e.call(t, http.MethodPost, stop, nil).mustCommand(t)
			if c.StationID != id || c.Action != "RequestStopTransaction" || c.RequestedBy != fmt.Sprint("apikey:", e.keyID) {
				t.Errorf("entry %+v", c)
			}
			checkOutcome(t, c, outcome{status: "Accepted"})
			var tx TransactionDetail
			eventually(t, "stopped", func() bool {
				tx = e.mustGetTransaction(t, txID)
				return !tx.Active
			})
			if tx.StoppedAt == nil || tx.StopReason != "Remote" {
				t.Errorf("stopped transaction %+v, want stopped for reason Remote", tx.Transaction)
			}
			// Ladda stores the end before it answers; the station frees its connector only when
			// the answer reached it, a moment later, and refuses a start until then.
			eventually(t, "stopped at the station", func() bool { _, ok := st.Session(1); return !ok })
			p := e.call(t, http.MethodPost, stop, nil).mustProblem(t, http.StatusConflict)
			if !strings.Contains(p.Detail, "stopped") {
				t.Errorf("detail %q", p.Detail)
			}
			// A transaction whose station has gone cannot be stopped from here. (The clock moves
			// on: a 1.6 start at the same time, connector and token would be the same start.)
			e.clock.Advance(time.Minute)
			txID = start()
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			eventually(t, "disconnected", func() bool {
				var s Station
				e.call(t, http.MethodGet, "/api/v1/stations/"+id, nil).mustStatus(t, http.StatusOK).decode(t, &s)
				return !s.Connected
			})
			p = e.call(t, http.MethodPost, fmt.Sprint("/api/v1/transactions/", txID, "/remote-stop"), nil).mustProblem(t, http.StatusConflict)
			if !strings.Contains(p.Detail, id) {
				t.Errorf("detail %q does not name the station", p.Detail)
			}
		})
	}
}

// TestRemoteStartLinksTheRequestThatGotThrough: a remote start that failed (here the station
// answered with a CALLERROR; offline and timeouts alike) is marked so, and the transaction of a
// later, accepted request for the same token links to that request, not to the failed one.
func TestRemoteStartLinksTheRequestThatGotThrough(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	for _, version := range stationVersions {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			id := stationName("RS-RETRY", version, 0)
			token := "TR-" + id
			e.mustAcceptedToken(t, token)
			var starts atomic.Int32
			failFirst := func(_ context.Context, action string, _ json.RawMessage) ocpptest.Answer {
				if (action == "RemoteStartTransaction" || action == "RequestStartTransaction") && starts.Add(1) == 1 {
					return ocpptest.Answer{Error: ocppj.Errorf(ocppj.FaultInternal, "busy")}
				}
				return ocpptest.Answer{}
			}
			e.mustRemoteStation(t, id, version, failFirst)
			first := e.call(t, http.MethodPost, "/api/v1/stations/"+id+"/remote-start?wait=0s", map[string]any{"idToken": token}).mustRemoteStart(t, http.StatusOK)
			if first.RemoteStart.Status != "Failed" {
				t.Fatalf("failed remote start has status %q, want Failed", first.RemoteStart.Status)
			}
			second := e.call(t, http.MethodPost, "/api/v1/stations/"+id+"/remote-start?wait=20s", map[string]any{"idToken": token}).mustRemoteStart(t, http.StatusCreated)
			if second.Transaction == nil || second.RemoteStart.TransactionID == nil || *second.RemoteStart.TransactionID != second.Transaction.ID {
				t.Fatalf("second remote start %+v, want it linked to its transaction", second)
			}
			if got := e.mustGetRemoteStart(t, first.RemoteStart.ID); got.RemoteStart.TransactionID != nil {
				t.Fatalf("the failed remote start took transaction %d", *got.RemoteStart.TransactionID)
			}
		})
	}
}
