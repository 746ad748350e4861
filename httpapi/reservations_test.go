package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/ocpp/ocppj"
	"github.com/ladda-csms/ladda/ocpp/ocpptest"
	"github.com/ladda-csms/ladda/station"
)

// noShowAfter is the no-show time of every env: a booking nobody used this long after its slot
// began is released.
const noShowAfter = 15 * time.Minute

// booking is the body of a reservation request, starting and expiring at offsets from the
// env's clock (start 0: absent, that is now).
func (e *env) booking(stationID, token string, evse int, start, end time.Duration) map[string]any {
	b := map[string]any{"stationId": stationID, "idToken": token, "expiresAt": e.clock.Now().Add(end)}
	if evse > 0 {
		b["evseId"] = evse
	}
	if start != 0 {
		b["startsAt"] = e.clock.Now().Add(start)
	}
	return b
}

// mustBook books through the API and returns the result; status is the expected HTTP status.
func (e *env) mustBook(tb testing.TB, body map[string]any, status int) ReservationResult {
	tb.Helper()
	var res ReservationResult
	r := e.call(tb, http.MethodPost, "/api/v1/reservations", body).mustStatus(tb, status)
	r.decode(tb, &res)
	if loc := r.header.Get("Location"); (status == http.StatusCreated) != (loc != "") ||
		(loc != "" && loc != "/api/v1/reservations/"+strconv.FormatInt(res.Reservation.ID, 10)) {
		tb.Errorf("Location %q for a %d answer of reservation %d", loc, status, res.Reservation.ID)
	}
	return res
}

// mustReservation reads a reservation through the API.
func (e *env) mustReservation(tb testing.TB, id int64) Reservation {
	tb.Helper()
	var res ReservationResult
	e.call(tb, http.MethodGet, "/api/v1/reservations/"+strconv.FormatInt(id, 10), nil).mustStatus(tb, http.StatusOK).decode(tb, &res)
	return res.Reservation
}

// held returns the ids of the reservations the simulated station holds.
func held(st *ocpptest.Station) []int {
	var ids []int
	for _, r := range st.Reservations() {
		ids = append(ids, r.ID)
	}
	return ids
}

// TestReservations: a booking for now reaches the station and is used by the transaction of
// its token; a booking for later is held by Ladda, sent when its slot begins and released when
// nobody comes; overlapping bookings are refused; cancelling works before and after sending.
func TestReservations(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	for _, v := range []string{ocpptest.V16, ocpptest.V201} {
		t.Run(v, func(t *testing.T) {
			sfx := strings.ReplaceAll(v, ".", "")
			id, driver, other := "RES-"+sfx, "DRIVER-"+sfx, "OTHER-"+sfx
			e.mustToken(t, charging.IDToken{Token: driver, Type: "ISO14443", Status: charging.Accepted})
			e.mustToken(t, charging.IDToken{Token: other, Type: "ISO14443", Status: charging.Accepted})
			st := e.mustSimulatedWith(t, ocpptest.Config{ID: id, Version: v, Clock: e.clock, Connectors: 2})

			// Now, for 30 minutes: sent at once, held by the station.
			now := e.mustBook(t, e.booking(id, driver, 1, 0, 30*time.Minute), http.StatusCreated)
			r := now.Reservation
			if r.Status != "Accepted" || r.EVSEID != 1 || r.IDToken != driver || r.CommandID == nil ||
				now.Command == nil || now.Command.Action != "ReserveNow" || now.Command.Answer.Status != "Accepted" {
				t.Fatalf("booking for now: %+v, command %+v", r, now.Command)
			}
			var logged station.ReserveNow
			if err := json.Unmarshal(now.Command.Request, &logged); err != nil || logged.ReservationID != r.ID || logged.IDToken != driver ||
				!logged.ExpiresAt.Equal(r.ExpiresAt) {
				t.Errorf("logged ReserveNow %s (%v), want reservation %d for %s until %v", now.Command.Request, err, r.ID, driver, r.ExpiresAt)
			}
			if got := st.Reservations(); len(got) != 1 || got[0].ID != int(r.ID) || got[0].Connector != 1 || got[0].IDTag != driver {
				t.Errorf("the station holds %+v, want reservation %d on 1 for %s", got, r.ID, driver)
			}

			// The same EVSE, overlapping, for another token: refused, naming the booking.
			p := e.call(t, http.MethodPost, "/api/v1/reservations", e.booking(id, other, 1, 10*time.Minute, time.Hour)).mustProblem(t, http.StatusConflict)
			if !strings.Contains(p.Detail, "reservation "+strconv.FormatInt(r.ID, 10)) {
				t.Errorf("overlap: %q, want it to name reservation %d", p.Detail, r.ID)
			}
			// The same token, overlapping, on the other EVSE: refused too.
			e.call(t, http.MethodPost, "/api/v1/reservations", e.booking(id, driver, 2, 0, time.Hour)).mustProblem(t, http.StatusConflict)

			// The driver comes and charges: the transaction uses the booking.
			if _, err := st.StartSession(context.Background(), 1, driver); err != nil {
				t.Fatalf("starting the session: %v", err)
			}
			eventually(t, "reservation used", func() bool { return e.mustReservation(t, r.ID).Status == "Used" })
			if got := e.mustReservation(t, r.ID); got.TransactionID == nil {
				t.Errorf("used reservation %+v has no transaction", got)
			}

			// Later, on EVSE 2: held by Ladda, nothing sent yet.
			later := e.mustBook(t, e.booking(id, other, 2, 2*time.Hour, 3*time.Hour), http.StatusCreated)
			if later.Reservation.Status != "Scheduled" || later.Command != nil {
				t.Fatalf("booking for later: %+v, command %+v; want Scheduled, no command", later.Reservation, later.Command)
			}
			e.charging.RunReservations(context.Background())
			if got := held(st); len(got) != 0 {
				t.Errorf("the station holds %v before the slot began", got)
			}
			// A second later booking on EVSE 2 that does not overlap, cancelled before it is sent.
			spare := e.mustBook(t, e.booking(id, other, 2, 4*time.Hour, 5*time.Hour), http.StatusCreated).Reservation
			var res ReservationResult
			e.call(t, http.MethodPost, "/api/v1/reservations/"+strconv.FormatInt(spare.ID, 10)+"/cancel", nil).mustStatus(t, http.StatusOK).decode(t, &res)
			if res.Reservation.Status != "Cancelled" || res.Command != nil {
				t.Errorf("cancelling a scheduled booking: %+v, command %+v", res.Reservation, res.Command)
			}
			e.call(t, http.MethodPost, "/api/v1/reservations/"+strconv.FormatInt(spare.ID, 10)+"/cancel", nil).mustProblem(t, http.StatusConflict)

			// The slot begins: Ladda sends it.
			e.clock.Advance(2 * time.Hour)
			e.charging.RunReservations(context.Background())
			if got := e.mustReservation(t, later.Reservation.ID); got.Status != "Accepted" || got.CommandID == nil {
				t.Fatalf("after the slot began: %+v, want Accepted with its command", got)
			}
			if got := held(st); len(got) != 1 || got[0] != int(later.Reservation.ID) {
				t.Errorf("the station holds %v, want %d", got, later.Reservation.ID)
			}
			// Nobody comes: after the no-show time Ladda releases the EVSE.
			e.clock.Advance(noShowAfter - time.Minute)
			e.charging.RunReservations(context.Background())
			if got := e.mustReservation(t, later.Reservation.ID); got.Status != "Accepted" {
				t.Errorf("before the no-show time: %s, want Accepted", got.Status)
			}
			e.clock.Advance(2 * time.Minute)
			e.charging.RunReservations(context.Background())
			if got := e.mustReservation(t, later.Reservation.ID); got.Status != "NoShow" {
				t.Errorf("after the no-show time: %s, want NoShow", got.Status)
			}
			if got := held(st); len(got) != 0 {
				t.Errorf("the station still holds %v after the no-show", got)
			}

			// Booked and cancelled by the operator while the station holds it.
			held2 := e.mustBook(t, e.booking(id, other, 2, 0, time.Hour), http.StatusCreated).Reservation
			e.call(t, http.MethodPost, "/api/v1/reservations/"+strconv.FormatInt(held2.ID, 10)+"/cancel", nil).mustStatus(t, http.StatusOK).decode(t, &res)
			if res.Reservation.Status != "Cancelled" || res.Command == nil || res.Command.Action != "CancelReservation" || res.Command.Answer.Status != "Accepted" {
				t.Errorf("cancelling a held booking: %+v, command %+v", res.Reservation, res.Command)
			}
			if got := held(st); len(got) != 0 {
				t.Errorf("the station still holds %v after the cancellation", got)
			}

			// A slot that ends unused: expired. A 2.0.1 station says so (ReservationStatusUpdate);
			// for a 1.6 station Ladda's own pass marks it.
			short := e.mustBook(t, e.booking(id, other, 2, 0, 10*time.Minute), http.StatusCreated).Reservation
			e.clock.Advance(10 * time.Minute)
			if v == ocpptest.V16 {
				e.charging.RunReservations(context.Background())
			}
			eventually(t, "reservation expired", func() bool { return e.mustReservation(t, short.ID).Status == "Expired" })
			eventually(t, "station dropped it", func() bool { return len(held(st)) == 0 })

			var list List[Reservation]
			e.call(t, http.MethodGet, "/api/v1/reservations?stationId="+id+"&limit=2", nil).mustStatus(t, http.StatusOK).decode(t, &list)
			if len(list.Items) != 2 || list.Items[0].ID != short.ID || list.Next == "" {
				t.Errorf("first page %+v, want the 2 newest with a next cursor", list)
			}
			e.call(t, http.MethodGet, "/api/v1/reservations?idToken="+other+"&status=Cancelled", nil).mustStatus(t, http.StatusOK).decode(t, &list)
			if len(list.Items) != 2 || list.Items[0].ID != held2.ID || list.Items[1].ID != spare.ID {
				t.Errorf("cancelled ones: %+v, want %d and %d", list.Items, held2.ID, spare.ID)
			}
		})
	}
}

// TestReservationRefused: a station's refusal is a 200 whose reservation has the refusal as its
// status; it holds nothing, and the slot is free again.
func TestReservationRefused(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	e.mustToken(t, charging.IDToken{Token: "REF-1", Status: charging.Accepted})
	e.mustSimulatedWith(t, ocpptest.Config{ID: "RES-NO", Version: ocpptest.V201, Clock: e.clock,
		Hook: func(context.Context, string, json.RawMessage) ocpptest.Answer { return ocpptest.Answer{Refuse: true} }})
	res := e.mustBook(t, e.booking("RES-NO", "REF-1", 1, 0, time.Hour), http.StatusOK)
	if res.Reservation.Status != "Rejected" || res.Command == nil || res.Command.Answer.Status != "Rejected" {
		t.Errorf("refused booking: %+v, command %+v", res.Reservation, res.Command)
	}
	e.mustBook(t, e.booking("RES-NO", "REF-1", 1, 0, time.Hour), http.StatusOK)

	// A station that answers a cancellation with an error still holds the booking.
	e.mustToken(t, charging.IDToken{Token: "REF-2", Status: charging.Accepted})
	e.mustSimulatedWith(t, ocpptest.Config{ID: "RES-ERR", Version: ocpptest.V201, Clock: e.clock,
		Hook: func(_ context.Context, action string, _ json.RawMessage) ocpptest.Answer {
			if action == "CancelReservation" {
				return ocpptest.Answer{Error: &ocppj.Error{Code: ocppj.CodeInternalError, Description: "busy"}}
			}
			return ocpptest.Answer{}
		}})
	r := e.mustBook(t, e.booking("RES-ERR", "REF-2", 1, 0, time.Hour), http.StatusCreated).Reservation
	var cancelled ReservationResult
	e.call(t, http.MethodPost, "/api/v1/reservations/"+strconv.FormatInt(r.ID, 10)+"/cancel", nil).mustStatus(t, http.StatusOK).decode(t, &cancelled)
	if cancelled.Reservation.Status != "Accepted" || cancelled.Command == nil || cancelled.Command.Outcome != "failed" {
		t.Errorf("cancel answered with an error: %+v, command %+v; want still Accepted, the failed command", cancelled.Reservation, cancelled.Command)
	}
}

// TestReservationErrors: bad bookings are refused with the matching status, and nothing is
// sent to the station.
func TestReservationErrors(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	e.mustToken(t, charging.IDToken{Token: "OK-1", Status: charging.Accepted})
	e.mustToken(t, charging.IDToken{Token: "BLOCKED-1", Status: charging.Blocked})
	e.mustStation(t, "RES-OFF", station.Accepted)
	e.mustSimulated(t, "RES-16", ocpptest.V16, func(_ context.Context, action string, _ json.RawMessage) ocpptest.Answer {
		t.Errorf("the 1.6 station got %s", action)
		return ocpptest.Answer{}
	})
	typed := e.booking("RES-16", "OK-1", 0, 0, time.Hour)
	typed["connectorType"] = "cCCS2"
	tests := []struct {
		name   string
		body   map[string]any
		status int
		detail string
	}{
		{"unknown station", e.booking("NOBODY", "OK-1", 1, 0, time.Hour), 404, "NOBODY"},
		{"unknown token", e.booking("RES-16", "NO-SUCH", 1, 0, time.Hour), 422, "NO-SUCH"},
		{"blocked token", e.booking("RES-16", "BLOCKED-1", 1, 0, time.Hour), 422, "Blocked"},
		{"ends before it starts", e.booking("RES-16", "OK-1", 1, 2*time.Hour, time.Hour), 422, "expiresAt"},
		{"in the past", e.booking("RES-16", "OK-1", 1, -time.Hour, time.Hour), 422, "past"},
		{"too long", e.booking("RES-16", "OK-1", 1, time.Hour, 26*time.Hour), 422, "at most"},
		{"too far ahead", e.booking("RES-16", "OK-1", 1, 400*24*time.Hour, 401*24*time.Hour), 422, "days ahead"},
		{"connector type on 1.6", typed, 422, "connector type"},
		{"bad connector type", map[string]any{"stationId": "RES-16", "idToken": "OK-1", "expiresAt": e.clock.Now().Add(time.Hour), "connectorType": "Schuko"}, 422, "connectorType"},
		{"offline", e.booking("RES-OFF", "OK-1", 1, 0, time.Hour), 409, "not connected"},
	}
	for _, tt := range tests {
		p := e.call(t, http.MethodPost, "/api/v1/reservations", tt.body).mustProblem(t, tt.status)
		if !strings.Contains(p.Detail+problemErrors(p), tt.detail) {
			t.Errorf("%s: %q, want it to mention %q", tt.name, p.Detail+problemErrors(p), tt.detail)
		}
	}
	var list List[Reservation]
	e.call(t, http.MethodGet, "/api/v1/reservations?stationId=RES-OFF", nil).mustStatus(t, http.StatusOK).decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].Status != "Failed" {
		t.Errorf("the offline station's reservations: %+v, want one Failed", list.Items)
	}
	// A failed booking holds nothing: a later one for the station may be held for it.
	later := e.mustBook(t, e.booking("RES-OFF", "OK-1", 1, 2*time.Hour, 3*time.Hour), http.StatusCreated).Reservation
	if later.Status != "Scheduled" {
		t.Errorf("booking an offline station for later: %s, want Scheduled", later.Status)
	}
	// Its slot begins while the station is still offline: Ladda keeps trying until it ends.
	e.clock.Advance(2 * time.Hour)
	e.charging.RunReservations(context.Background())
	if got := e.mustReservation(t, later.ID); got.Status != "Scheduled" || got.CommandID != nil {
		t.Errorf("due at an offline station: %+v, want still Scheduled, not sent", got)
	}
	if log := e.mustCommands(t, "RES-OFF", "").Items; len(log) != 1 {
		t.Errorf("the offline station's command log has %d entries, want only the booking for now", len(log))
	}
	e.call(t, http.MethodGet, "/api/v1/reservations/99999", nil).mustProblem(t, http.StatusNotFound)
	e.call(t, http.MethodPost, "/api/v1/reservations/99999/cancel", nil).mustProblem(t, http.StatusNotFound)
	e.call(t, http.MethodPost, "/api/v1/reservations/"+strconv.FormatInt(list.Items[0].ID, 10)+"/cancel", nil).mustProblem(t, http.StatusConflict)
}
