package ocpptest_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/gateway"
	"github.com/ladda-csms/ladda/ocpp/ocppj"
	"github.com/ladda-csms/ladda/ocpp/ocpptest"
	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
)

// callLog sits in front of the server's router and keeps every CALL the (one) station sends,
// in the order they arrive.
type callLog struct {
	gateway.Dispatcher
	version string

	mu    sync.Mutex
	calls []sentCall
}

// sentCall is one CALL the station sent.
type sentCall struct {
	action  string
	payload json.RawMessage
}

// HandleCall logs the CALL and lets the router answer it.
func (l *callLog) HandleCall(ctx context.Context, p gateway.Peer, action string, payload json.RawMessage) (json.RawMessage, *ocppj.Error) {
	l.mu.Lock()
	l.calls = append(l.calls, sentCall{action: action, payload: slices.Clone(payload)})
	l.mu.Unlock()
	return l.Dispatcher.HandleCall(ctx, p, action, payload)
}

// count returns how many CALLs the station sent so far.
func (l *callLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.calls)
}

// sent returns the payloads of the station's CALLs of an action, in order.
func (l *callLog) sent(action string) []json.RawMessage {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []json.RawMessage
	for _, c := range l.calls {
		if c.action == action {
			out = append(out, c.payload)
		}
	}
	return out
}

// statuses returns the statuses the station reported for connector (1.6) or EVSE (2.0.1) n,
// in order.
func (l *callLog) statuses(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	for _, p := range l.sent("StatusNotification") {
		if l.version == ocpptest.V16 {
			var req v16.StatusNotificationRequest
			if err := json.Unmarshal(p, &req); err != nil {
				t.Fatalf("StatusNotification %s: %v", p, err)
			}
			if req.ConnectorID == n {
				out = append(out, string(req.Status))
			}
			continue
		}
		var req v201.StatusNotificationRequest
		if err := json.Unmarshal(p, &req); err != nil {
			t.Fatalf("StatusNotification %s: %v", p, err)
		}
		if req.EVSEID == n {
			out = append(out, string(req.ConnectorStatus))
		}
	}
	return out
}

// last returns the last status reported for connector n, "" when none.
func (l *callLog) last(t *testing.T, n int) string {
	t.Helper()
	all := l.statuses(t, n)
	if len(all) == 0 {
		return ""
	}
	return all[len(all)-1]
}

// waitStatus waits (boundedly) until the last status reported for connector n is want.
func (l *callLog) waitStatus(t *testing.T, n int, want string) {
	t.Helper()
	eventually(t, "connector "+strconv.Itoa(n)+" reported "+want, func() bool { return l.last(t, n) == want })
}

// upReserving returns a station of version v that is up on a fresh server which logs what the
// station sends; the tokens TAG-OK, TAG-OTHER, TAG-MEMBER and GROUP-1 are accepted.
func upReserving(t *testing.T, v string, change func(*ocpptest.Config)) (*testServer, *callLog, *ocpptest.Station) {
	t.Helper()
	log := &callLog{version: v}
	ts := newWrappedServer(t, func(d gateway.Dispatcher) gateway.Dispatcher {
		log.Dispatcher = d
		return log
	})
	for _, tok := range []string{"TAG-OK", "TAG-OTHER", "TAG-MEMBER", "GROUP-1"} {
		ts.mustToken(t, tok, charging.Accepted)
	}
	st := ts.mustStation(t, "CP-RES-"+v, v, change)
	if err := st.Up(testContext(t)); err != nil {
		t.Fatal(err)
	}
	return ts, log, st
}

// reserve sends the station a ReserveNow for r (Connector 0: the station, 2.0.1 without
// evseId) and returns the answered status.
func reserve(t *testing.T, ts *testServer, st *ocpptest.Station, r ocpptest.Reservation, connectorType string) string {
	t.Helper()
	if st.Version() == ocpptest.V16 {
		var res v16.ReserveNowResponse
		mustCall(t, ts, st.ID(), "ReserveNow", &v16.ReserveNowRequest{ConnectorID: r.Connector, ExpiryDate: r.Expiry,
			IDTag: r.IDTag, ParentIDTag: r.Group, ReservationID: r.ID}, &res)
		return string(res.Status)
	}
	req := &v201.ReserveNowRequest{ID: r.ID, ExpiryDateTime: r.Expiry, ConnectorType: v201.Connector(connectorType),
		IDToken: v201.IDToken{IDToken: r.IDTag, Type: v201.IDTokenEnumISO14443}}
	if r.Connector != 0 {
		req.EVSEID = &r.Connector
	}
	if r.Group != "" {
		req.GroupIDToken = &v201.IDToken{IDToken: r.Group, Type: v201.IDTokenEnumCentral}
	}
	var res v201.ReserveNowResponse
	mustCall(t, ts, st.ID(), "ReserveNow", req, &res)
	return string(res.Status)
}

// cancel sends the station a CancelReservation and returns the answered status.
func cancel(t *testing.T, ts *testServer, st *ocpptest.Station, id int) string {
	t.Helper()
	if st.Version() == ocpptest.V16 {
		var res v16.CancelReservationResponse
		mustCall(t, ts, st.ID(), "CancelReservation", &v16.CancelReservationRequest{ReservationID: id}, &res)
		return string(res.Status)
	}
	var res v201.CancelReservationResponse
	mustCall(t, ts, st.ID(), "CancelReservation", &v201.CancelReservationRequest{ReservationID: id}, &res)
	return string(res.Status)
}

// reservationIDs returns the ids of the reservations the station holds.
func reservationIDs(st *ocpptest.Station) []int {
	ids := []int{}
	for _, r := range st.Reservations() {
		ids = append(ids, r.ID)
	}
	return ids
}

// TestReserveNow: a station accepts a reservation of a free connector and reports it
// Reserved; the same id replaces it (moving it here), another id on a held connector is
// Occupied, a station-wide one takes the last free connector; CancelReservation drops a known
// reservation (the connector is Available again) and rejects an unknown one.
func TestReserveNow(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			ts, log, st := upReserving(t, v, nil)
			expiry := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
			first := ocpptest.Reservation{ID: 1, Connector: 1, IDTag: "TAG-OK", Expiry: expiry}
			if got := reserve(t, ts, st, first, ""); got != "Accepted" {
				t.Fatalf("ReserveNow of a free connector = %s, want Accepted", got)
			}
			log.waitStatus(t, 1, "Reserved")
			// The log sees the notification before the station has its answer, and before the
			// server has stored it.
			eventually(t, "the station's status Reserved", func() bool { s, _ := st.Status(1); return s == ocpptest.StatusReserved })
			eventually(t, "the server's status Reserved", func() bool {
				return ts.mustStationState(t, st.ID()).EVSEs[0].Connectors[0].Status == "Reserved"
			})
			if got := st.Reservations(); len(got) != 1 || got[0] != first {
				t.Errorf("Reservations() = %+v, want %+v", got, first)
			}

			moved := ocpptest.Reservation{ID: 1, Connector: 2, IDTag: "TAG-OK", Group: "GROUP-1", Expiry: expiry.Add(time.Hour)}
			if got := reserve(t, ts, st, moved, ""); got != "Accepted" {
				t.Fatalf("ReserveNow with the same id = %s, want Accepted", got)
			}
			log.waitStatus(t, 2, "Reserved")
			log.waitStatus(t, 1, "Available")
			if got := st.Reservations(); len(got) != 1 || got[0] != moved {
				t.Errorf("Reservations() after the replacement = %+v, want only %+v", got, moved)
			}
			if got := reserve(t, ts, st, ocpptest.Reservation{ID: 2, Connector: 2, IDTag: "TAG-OTHER", Expiry: expiry}, ""); got != "Occupied" {
				t.Errorf("ReserveNow of a connector reserved under another id = %s, want Occupied", got)
			}

			// Station-wide: connector 1 is the last free one, so it shows Reserved; a second
			// station-wide reservation finds none.
			if got := reserve(t, ts, st, ocpptest.Reservation{ID: 3, IDTag: "TAG-OTHER", Expiry: expiry}, ""); got != "Accepted" {
				t.Fatalf("station-wide ReserveNow = %s, want Accepted", got)
			}
			log.waitStatus(t, 1, "Reserved")
			if got := reserve(t, ts, st, ocpptest.Reservation{ID: 4, IDTag: "TAG-MEMBER", Expiry: expiry}, ""); got != "Occupied" {
				t.Errorf("second station-wide ReserveNow with no connector left = %s, want Occupied", got)
			}
			if got := reservationIDs(st); !slices.Equal(got, []int{1, 3}) {
				t.Errorf("reservations = %v, want [1 3]", got)
			}

			if got := cancel(t, ts, st, 99); got != "Rejected" {
				t.Errorf("CancelReservation of an unknown id = %s, want Rejected", got)
			}
			if got := cancel(t, ts, st, 1); got != "Accepted" {
				t.Fatalf("CancelReservation 1 = %s, want Accepted", got)
			}
			// Two free connectors for one station-wide reservation: neither is held.
			log.waitStatus(t, 2, "Available")
			log.waitStatus(t, 1, "Available")
			if got := cancel(t, ts, st, 1); got != "Rejected" {
				t.Errorf("second CancelReservation 1 = %s, want Rejected", got)
			}
			if got := cancel(t, ts, st, 3); got != "Accepted" {
				t.Errorf("CancelReservation 3 = %s, want Accepted", got)
			}
			if got := st.Reservations(); len(got) != 0 {
				t.Errorf("Reservations() after cancelling all = %+v, want none", got)
			}

			bad := []struct {
				name string
				r    ocpptest.Reservation
			}{
				{"an expiry already past", ocpptest.Reservation{ID: 5, Connector: 1, IDTag: "TAG-OK", Expiry: time.Now().Add(-time.Minute)}},
				{"a connector the station lacks", ocpptest.Reservation{ID: 5, Connector: 3, IDTag: "TAG-OK", Expiry: expiry}},
			}
			for _, tt := range bad {
				if got := reserve(t, ts, st, tt.r, ""); got != "Rejected" {
					t.Errorf("ReserveNow with %s = %s, want Rejected", tt.name, got)
				}
			}
			if v == ocpptest.V201 {
				if got := reserve(t, ts, st, ocpptest.Reservation{ID: 6, IDTag: "TAG-OK", Expiry: expiry}, "cCCS2"); got != "Rejected" {
					t.Errorf("ReserveNow of a connector type the station lacks = %s, want Rejected", got)
				}
				if got := reserve(t, ts, st, ocpptest.Reservation{ID: 6, IDTag: "TAG-OK", Expiry: expiry}, "cType2"); got != "Accepted" {
					t.Errorf("ReserveNow of the station's connector type = %s, want Accepted", got)
				}
			}
		})
	}
}

// TestReserveNowBusyConnectors: a connector in a session is Occupied, a Faulted one Faulted,
// an Inoperative one Unavailable; a station-wide reservation with none of them free is
// Occupied; once the session ends its connector can be reserved.
func TestReserveNowBusyConnectors(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			ts, _, st := upReserving(t, v, func(c *ocpptest.Config) { c.Connectors = 3 })
			ctx := testContext(t)
			if _, err := st.StartSession(ctx, 1, "TAG-OK"); err != nil {
				t.Fatal(err)
			}
			if err := st.StatusNotification(ctx, 2, ocpptest.StatusFaulted); err != nil {
				t.Fatal(err)
			}
			if v == ocpptest.V16 {
				var res v16.ChangeAvailabilityResponse
				mustCall(t, ts, st.ID(), "ChangeAvailability", &v16.ChangeAvailabilityRequest{ConnectorID: 3, Type: v16.AvailabilityInoperative}, &res)
			} else {
				var res v201.ChangeAvailabilityResponse
				mustCall(t, ts, st.ID(), "ChangeAvailability", &v201.ChangeAvailabilityRequest{EVSE: &v201.EVSE{ID: 3}, OperationalStatus: v201.OperationalStatusInoperative}, &res)
			}
			eventually(t, "connector 3 Unavailable", func() bool { s, _ := st.Status(3); return s == ocpptest.StatusUnavailable })

			expiry := time.Now().Add(time.Hour)
			for n, want := range map[int]string{0: "Occupied", 1: "Occupied", 2: "Faulted", 3: "Unavailable"} {
				if got := reserve(t, ts, st, ocpptest.Reservation{ID: 10 + n, Connector: n, IDTag: "TAG-OTHER", Expiry: expiry}, ""); got != want {
					t.Errorf("ReserveNow of connector %d = %s, want %s", n, got, want)
				}
			}
			if got := st.Reservations(); len(got) != 0 {
				t.Errorf("Reservations() = %+v after refusals, want none", got)
			}

			sess, _ := st.Session(1)
			if err := sess.Stop(ctx, "Local"); err != nil {
				t.Fatal(err)
			}
			if got := reserve(t, ts, st, ocpptest.Reservation{ID: 21, Connector: 1, IDTag: "TAG-OTHER", Expiry: expiry}, ""); got != "Accepted" {
				t.Errorf("ReserveNow of the freed connector 1 = %s, want Accepted", got)
			}
		})
	}
}

// TestReservationExpires: at its expiry the station drops a reservation, reports the
// connector Available and, in 2.0.1, sends ReservationStatusUpdate Expired.
func TestReservationExpires(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			ts, log, st := upReserving(t, v, nil)
			start := time.Now()
			if got := reserve(t, ts, st, ocpptest.Reservation{ID: 42, Connector: 2, IDTag: "TAG-OK", Expiry: start.Add(300 * time.Millisecond)}, ""); got != "Accepted" {
				t.Fatalf("ReserveNow = %s, want Accepted", got)
			}
			log.waitStatus(t, 2, "Reserved")
			log.waitStatus(t, 2, "Available")
			if d := time.Since(start); d < 300*time.Millisecond {
				t.Errorf("the reservation ended after %v, before its expiry", d)
			}
			if got := log.statuses(t, 2); !slices.Equal(got, []string{"Available", "Reserved", "Available"}) {
				t.Errorf("statuses of connector 2 = %v, want Available, Reserved, Available", got)
			}
			if got := st.Reservations(); len(got) != 0 {
				t.Errorf("Reservations() after the expiry = %+v, want none", got)
			}
			if v == ocpptest.V16 {
				if got := log.sent("ReservationStatusUpdate"); len(got) != 0 {
					t.Errorf("a 1.6 station sent ReservationStatusUpdate %s", got)
				}
				return
			}
			var updates []json.RawMessage
			eventually(t, "ReservationStatusUpdate", func() bool { updates = log.sent("ReservationStatusUpdate"); return len(updates) > 0 })
			var u v201.ReservationStatusUpdateRequest
			if err := json.Unmarshal(updates[0], &u); err != nil {
				t.Fatal(err)
			}
			if len(updates) != 1 || u.ReservationID != 42 || u.ReservationUpdateStatus != v201.ReservationUpdateStatusExpired {
				t.Errorf("ReservationStatusUpdate = %s (of %d), want reservation 42 Expired", updates[0], len(updates))
			}
		})
	}
}

// TestReservationFollowsTheStationClock: the expiry is read on Config.Clock: a reservation an
// hour long ends once that clock has moved past it, however little real time went by.
func TestReservationFollowsTheStationClock(t *testing.T) {
	t.Parallel()
	clock := ladda.NewManualClock(time.Now())
	ts, log, st := upReserving(t, ocpptest.V16, func(c *ocpptest.Config) { c.Clock = clock })
	if got := reserve(t, ts, st, ocpptest.Reservation{ID: 1, Connector: 1, IDTag: "TAG-OK", Expiry: clock.Now().Add(time.Hour)}, ""); got != "Accepted" {
		t.Fatalf("ReserveNow = %s, want Accepted", got)
	}
	log.waitStatus(t, 1, "Reserved")
	clock.Advance(2 * time.Hour)
	log.waitStatus(t, 1, "Available")
	if got := st.Reservations(); len(got) != 0 {
		t.Errorf("Reservations() after the station's clock passed the expiry = %+v, want none", got)
	}
}

// TestReservationRefused: a station whose hook refuses answers ReserveNow and
// CancelReservation Rejected and keeps what it holds; one configured without station-wide
// reservations (1.6 ReserveConnectorZeroSupported false, 2.0.1 NonEvseSpecific false) rejects
// them however free it is.
func TestReservationRefused(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			var refuse atomic.Bool
			hook := func(context.Context, string, json.RawMessage) ocpptest.Answer {
				return ocpptest.Answer{Refuse: refuse.Load()}
			}
			ts, log, st := upReserving(t, v, func(c *ocpptest.Config) { c.Hook, c.DisableStationWideReservations = hook, true })
			expiry := time.Now().Add(time.Hour)
			if got := reserve(t, ts, st, ocpptest.Reservation{ID: 3, IDTag: "TAG-OK", Expiry: expiry}, ""); got != "Rejected" {
				t.Errorf("station-wide ReserveNow when disabled = %s, want Rejected", got)
			}
			if got := reserve(t, ts, st, ocpptest.Reservation{ID: 1, Connector: 1, IDTag: "TAG-OK", Expiry: expiry}, ""); got != "Accepted" {
				t.Fatalf("ReserveNow = %s, want Accepted", got)
			}
			log.waitStatus(t, 1, "Reserved")
			refuse.Store(true)
			if got := reserve(t, ts, st, ocpptest.Reservation{ID: 2, Connector: 2, IDTag: "TAG-OK", Expiry: expiry}, ""); got != "Rejected" {
				t.Errorf("refused ReserveNow = %s, want Rejected", got)
			}
			if got := cancel(t, ts, st, 1); got != "Rejected" {
				t.Errorf("refused CancelReservation = %s, want Rejected", got)
			}
			if got := reservationIDs(st); !slices.Equal(got, []int{1}) {
				t.Errorf("reservations after the refusals = %v, want [1]", got)
			}
			if got := log.statuses(t, 2); !slices.Equal(got, []string{"Available"}) {
				t.Errorf("statuses of connector 2 = %v, want only the Available at boot", got)
			}
		})
	}
}

// TestReservationUsed: on a reserved connector another token is refused before anything is
// sent (also a remote start of it); the reserved token, the group token or a token the local
// list puts in the group starts with the reservation's id, which ends it without an Available
// in between.
func TestReservationUsed(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			ts, log, st := upReserving(t, v, func(c *ocpptest.Config) { c.Connectors = 3 })
			ctx := testContext(t)
			sendMember(t, ts, st)
			expiry := time.Now().Add(time.Hour)
			if got := reserve(t, ts, st, ocpptest.Reservation{ID: 7, Connector: 1, IDTag: "TAG-OK", Expiry: expiry}, ""); got != "Accepted" {
				t.Fatalf("ReserveNow = %s, want Accepted", got)
			}
			for _, r := range []ocpptest.Reservation{
				{ID: 8, Connector: 2, IDTag: "TAG-NOBODY", Group: "GROUP-1", Expiry: expiry},
				{ID: 9, Connector: 3, IDTag: "TAG-NOBODY", Group: "GROUP-1", Expiry: expiry},
			} {
				if got := reserve(t, ts, st, r, ""); got != "Accepted" {
					t.Fatalf("ReserveNow %d with a group = %s, want Accepted", r.ID, got)
				}
			}
			for n := 1; n <= 3; n++ {
				log.waitStatus(t, n, "Reserved")
			}

			before := log.count()
			if _, err := st.StartSession(ctx, 1, "TAG-OTHER"); !errors.Is(err, ocpptest.ErrReserved) {
				t.Errorf("StartSession of another token on the reserved connector = %v, want ErrReserved", err)
			}
			if _, err := st.StartSession(ctx, 2, "TAG-OTHER"); !errors.Is(err, ocpptest.ErrReserved) {
				t.Errorf("StartSession of a token outside the group = %v, want ErrReserved", err)
			}
			if n := log.count(); n != before {
				t.Errorf("the refused starts sent %d messages, want none", n-before)
			}
			if v == ocpptest.V16 {
				one := 1
				var res v16.RemoteStartTransactionResponse
				mustCall(t, ts, st.ID(), "RemoteStartTransaction", &v16.RemoteStartTransactionRequest{ConnectorID: &one, IDTag: "TAG-OTHER"}, &res)
				if res.Status != v16.RemoteStartStopStatusRejected {
					t.Errorf("RemoteStartTransaction of another token on the reserved connector = %s, want Rejected", res.Status)
				}
			} else {
				one := 1
				var res v201.RequestStartTransactionResponse
				mustCall(t, ts, st.ID(), "RequestStartTransaction", &v201.RequestStartTransactionRequest{EVSEID: &one,
					IDToken: v201.IDToken{IDToken: "TAG-OTHER", Type: v201.IDTokenEnumCentral}, RemoteStartID: 3}, &res)
				if res.Status != v201.RequestStartStopStatusRejected {
					t.Errorf("RequestStartTransaction of another token on the reserved EVSE = %s, want Rejected", res.Status)
				}
			}

			sess, err := st.StartSession(ctx, 1, "TAG-OK")
			if err != nil {
				t.Fatalf("StartSession of the reserved token: %v", err)
			}
			if sess.ReservationID == nil || *sess.ReservationID != 7 {
				t.Errorf("session's ReservationID = %v, want 7", sess.ReservationID)
			}
			group, err := st.StartSession(ctx, 2, "GROUP-1")
			if err != nil {
				t.Fatalf("StartSession of the group token: %v", err)
			}
			if group.ReservationID == nil || *group.ReservationID != 8 {
				t.Errorf("group session's ReservationID = %v, want 8", group.ReservationID)
			}
			member, err := st.StartSession(ctx, 3, "TAG-MEMBER")
			if err != nil {
				t.Fatalf("StartSession of a member of the group: %v", err)
			}
			if member.ReservationID == nil || *member.ReservationID != 9 {
				t.Errorf("member's session's ReservationID = %v, want 9", member.ReservationID)
			}
			if got := st.Reservations(); len(got) != 0 {
				t.Errorf("Reservations() after all were used = %+v, want none", got)
			}
			if got := startReservations(t, log); !slices.Equal(got, []int{7, 8, 9}) {
				t.Errorf("reservation ids of the starts = %v, want [7 8 9]", got)
			}
			busy := map[string]string{ocpptest.V16: "Preparing", ocpptest.V201: "Occupied"}[v]
			for n := 1; n <= 3; n++ {
				got := log.statuses(t, n)
				if i := slices.Index(got, "Reserved"); i < 0 || i+1 >= len(got) || got[i+1] != busy {
					t.Errorf("statuses of connector %d = %v, want Reserved then %s", n, got, busy)
				}
			}
			if err := sess.Stop(ctx, "Local"); err != nil {
				t.Fatal(err)
			}
			if got := log.last(t, 1); got != "Available" {
				t.Errorf("connector 1 after the session = %s, want Available", got)
			}
		})
	}
}

// sendMember gives the station a local list in which TAG-MEMBER belongs to GROUP-1 (1.6
// parentIdTag, 2.0.1 groupIdToken).
func sendMember(t *testing.T, ts *testServer, st *ocpptest.Station) {
	t.Helper()
	if st.Version() == ocpptest.V16 {
		var res v16.SendLocalListResponse
		mustCall(t, ts, st.ID(), "SendLocalList", &v16.SendLocalListRequest{ListVersion: 1, UpdateType: v16.UpdateFull,
			LocalAuthorizationList: []v16.AuthorizationData{{IDTag: "TAG-MEMBER",
				IDTagInfo: &v16.IDTagInfo{Status: v16.AuthorizationStatusAccepted, ParentIDTag: "GROUP-1"}}}}, &res)
	} else {
		var res v201.SendLocalListResponse
		mustCall(t, ts, st.ID(), "SendLocalList", &v201.SendLocalListRequest{VersionNumber: 1, UpdateType: v201.UpdateFull,
			LocalAuthorizationList: []v201.AuthorizationData{{IDToken: v201.IDToken{IDToken: "TAG-MEMBER", Type: v201.IDTokenEnumISO14443},
				IDTokenInfo: &v201.IDTokenInfo{Status: v201.AuthorizationStatusAccepted,
					GroupIDToken: &v201.IDToken{IDToken: "GROUP-1", Type: v201.IDTokenEnumCentral}}}}}, &res)
	}
	if _, tokens := st.LocalList(); !slices.Equal(tokens, []string{"TAG-MEMBER"}) {
		t.Fatalf("local list = %v, want TAG-MEMBER", tokens)
	}
}

// startReservations returns the reservation ids the station's transaction starts carried (-1
// for a start without).
func startReservations(t *testing.T, log *callLog) []int {
	t.Helper()
	var ids []int
	add := func(id *int) {
		if id == nil {
			ids = append(ids, -1)
		} else {
			ids = append(ids, *id)
		}
	}
	if log.version == ocpptest.V16 {
		for _, p := range log.sent("StartTransaction") {
			var req v16.StartTransactionRequest
			if err := json.Unmarshal(p, &req); err != nil {
				t.Fatal(err)
			}
			add(req.ReservationID)
		}
		return ids
	}
	for _, p := range log.sent("TransactionEvent") {
		var req v201.TransactionEventRequest
		if err := json.Unmarshal(p, &req); err != nil {
			t.Fatal(err)
		}
		if req.EventType == v201.TransactionEventStarted {
			add(req.ReservationID)
		}
	}
	return ids
}

// TestStationWideReservation: a station-wide reservation holds no connector while two are
// free; another token may take one, which leaves the other Reserved and closed to it; the
// reserved token uses the reservation on any connector.
func TestStationWideReservation(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			ts, log, st := upReserving(t, v, nil)
			ctx := testContext(t)
			if got := reserve(t, ts, st, ocpptest.Reservation{ID: 5, IDTag: "TAG-OK", Expiry: time.Now().Add(time.Hour)}, ""); got != "Accepted" {
				t.Fatalf("station-wide ReserveNow = %s, want Accepted", got)
			}
			other, err := st.StartSession(ctx, 1, "TAG-OTHER")
			if err != nil {
				t.Fatalf("another token on one of two free connectors: %v", err)
			}
			if other.ReservationID != nil {
				t.Errorf("another token's session used reservation %d", *other.ReservationID)
			}
			log.waitStatus(t, 2, "Reserved")
			if got := log.statuses(t, 2); !slices.Equal(got, []string{"Available", "Reserved"}) {
				t.Errorf("statuses of connector 2 = %v, want Available then Reserved (none before the other start)", got)
			}
			before := log.count()
			if _, err := st.StartSession(ctx, 2, "TAG-MEMBER"); !errors.Is(err, ocpptest.ErrReserved) {
				t.Errorf("another token on the last free connector = %v, want ErrReserved", err)
			}
			if n := log.count(); n != before {
				t.Errorf("the refused start sent %d messages, want none", n-before)
			}
			// The other session ends: two connectors free again, neither held.
			if err := other.Stop(ctx, "Local"); err != nil {
				t.Fatal(err)
			}
			log.waitStatus(t, 2, "Available")

			sess, err := st.StartSession(ctx, 2, "TAG-OK")
			if err != nil {
				t.Fatalf("the reserved token: %v", err)
			}
			if sess.ReservationID == nil || *sess.ReservationID != 5 {
				t.Errorf("session's ReservationID = %v, want 5", sess.ReservationID)
			}
			if got := st.Reservations(); len(got) != 0 {
				t.Errorf("Reservations() after the use = %+v, want none", got)
			}
			if got := startReservations(t, log); !slices.Equal(got, []int{-1, 5}) {
				t.Errorf("reservation ids of the starts = %v, want none, then 5", got)
			}
		})
	}
}
