package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/station"
)

// newReservation returns a Scheduled reservation of a station's EVSE (0: any) for a token,
// from t0+from to t0+to, created at t0.
func newReservation(st ladda.StationID, evse int, token string, from, to time.Duration) *charging.Reservation {
	return &charging.Reservation{StationID: st, EVSEID: evse, IDToken: token, TokenType: "ISO14443",
		StartsAt: at(from), ExpiresAt: at(to), Status: charging.ReservationScheduled, RequestedBy: "user:7", CreatedAt: t0, UpdatedAt: t0}
}

// MustCreateReservation stores r and fails unless it got an ID.
func MustCreateReservation(tb testing.TB, s Store, r *charging.Reservation) *charging.Reservation {
	tb.Helper()
	if err := s.CreateReservation(tb.Context(), r); err != nil {
		tb.Fatalf("CreateReservation(%s EVSE %d %s): %v", r.StationID, r.EVSEID, r.IDToken, err)
	}
	if r.ID <= 0 {
		tb.Fatalf("CreateReservation(%s EVSE %d %s): ID = %d, want > 0", r.StationID, r.EVSEID, r.IDToken, r.ID)
	}
	return r
}

// MustReservation returns a stored reservation.
func MustReservation(tb testing.TB, s Store, id int64) *charging.Reservation {
	tb.Helper()
	r, err := s.Reservation(tb.Context(), id)
	if err != nil {
		tb.Fatalf("Reservation(%d): %v", id, err)
	}
	return r
}

// MustChangeReservation applies a change and returns whether it did.
func MustChangeReservation(tb testing.TB, s Store, id int64, from []charging.ReservationStatus, c charging.ReservationChange) bool {
	tb.Helper()
	ok, err := s.ChangeReservation(tb.Context(), id, from, c)
	if err != nil {
		tb.Fatalf("ChangeReservation(%d, %v, %+v): %v", id, from, c, err)
	}
	return ok
}

// mustReservations lists reservations.
func mustReservations(tb testing.TB, s Store, f charging.ReservationFilter) []*charging.Reservation {
	tb.Helper()
	list, err := s.Reservations(tb.Context(), f)
	if err != nil {
		tb.Fatalf("Reservations(%+v): %v", f, err)
	}
	return list
}

// reservationIDs returns the IDs of list, in order.
func reservationIDs(list []*charging.Reservation) []int64 {
	ids := make([]int64, len(list))
	for i, r := range list {
		ids[i] = r.ID
	}
	return ids
}

// wantReservation fails unless got is want as stored, times in UTC.
func wantReservation(tb testing.TB, got, want *charging.Reservation) {
	tb.Helper()
	g, w := *got, *want
	wantPtr(tb, fmt.Sprintf("reservation %d: TransactionID", w.ID), g.TransactionID, w.TransactionID)
	for _, tt := range []struct {
		name      string
		got, want time.Time
	}{{"StartsAt", g.StartsAt, w.StartsAt}, {"ExpiresAt", g.ExpiresAt, w.ExpiresAt}, {"CreatedAt", g.CreatedAt, w.CreatedAt}, {"UpdatedAt", g.UpdatedAt, w.UpdatedAt}} {
		wantTime(tb, fmt.Sprintf("reservation %d: %s", w.ID, tt.name), tt.got, tt.want)
	}
	g.TransactionID, w.TransactionID = nil, nil
	g.StartsAt, g.ExpiresAt, g.CreatedAt, g.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	w.StartsAt, w.ExpiresAt, w.CreatedAt, w.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if g != w {
		tb.Errorf("reservation %d:\n got %+v\nwant %+v", w.ID, g, w)
	}
}

// wantConflictNaming fails unless err is a Conflict whose message names reservation id.
func wantConflictNaming(tb testing.TB, err error, id int64) {
	tb.Helper()
	wantKind(tb, err, ladda.Conflict)
	var e *ladda.Error
	if errors.As(err, &e) && !strings.Contains(e.Message+" ", fmt.Sprintf("reservation %d ", id)) {
		tb.Errorf("conflict message %q does not name reservation %d", e.Message, id)
	}
}

// ended are the statuses of reservations that no longer hold their slot.
var ended = []charging.ReservationStatus{charging.ReservationFaulted, charging.ReservationOccupied, charging.ReservationRejected,
	charging.ReservationUnavailable, charging.ReservationFailed, charging.ReservationUsed, charging.ReservationCancelled,
	charging.ReservationNoShow, charging.ReservationExpired, charging.ReservationRemoved}

// selects reports whether f selects r, as charging.ReservationFilter documents it; orgOf
// gives the organisation of each station.
func selects(f charging.ReservationFilter, r *charging.Reservation, orgOf map[ladda.StationID]int64) bool {
	return (f.StationID == "" || r.StationID == f.StationID) &&
		(f.StationOrgID == 0 || orgOf[r.StationID] == f.StationOrgID) &&
		(f.IDToken == "" || r.IDToken == f.IDToken) &&
		(len(f.Statuses) == 0 || slices.Contains(f.Statuses, r.Status)) &&
		(f.StartsBefore.IsZero() || !r.StartsAt.After(f.StartsBefore)) &&
		(f.ExpiresBefore.IsZero() || !r.ExpiresAt.After(f.ExpiresBefore)) &&
		(f.UpdatedBefore.IsZero() || !r.UpdatedAt.After(f.UpdatedBefore)) &&
		(f.ActiveAt.IsZero() || (!r.StartsAt.After(f.ActiveAt) && r.ExpiresAt.After(f.ActiveAt))) &&
		(f.BeforeID <= 0 || r.ID < f.BeforeID)
}

func testReservations(t *testing.T, open func(t *testing.T) Store) {
	t.Run("a created reservation gets a growing ID and reads back as stored, times in UTC microseconds", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		MustCreateStation(t, s, "CS-2")
		cet := time.FixedZone("CET", 3600)
		r := &charging.Reservation{StationID: "CS-1", EVSEID: 2, ConnectorType: "cType2", IDToken: "TOKEN-1", TokenType: "eMAID",
			GroupID: "FLEET-1", StartsAt: time.Date(2025, 3, 1, 19, 0, 0, 123456789, cet), ExpiresAt: time.Date(2025, 3, 1, 20, 0, 0, 999, cet),
			Status: charging.ReservationScheduled, RequestedBy: "user:7", CreatedAt: time.Date(2025, 3, 1, 11, 0, 0, 1001, cet),
			UpdatedAt: time.Date(2025, 3, 1, 11, 0, 1, 1999, cet)}
		MustCreateReservation(t, s, r)
		want := &charging.Reservation{ID: r.ID, StationID: "CS-1", EVSEID: 2, ConnectorType: "cType2", IDToken: "TOKEN-1", TokenType: "eMAID",
			GroupID: "FLEET-1", StartsAt: time.Date(2025, 3, 1, 18, 0, 0, 123456000, time.UTC), ExpiresAt: time.Date(2025, 3, 1, 19, 0, 0, 0, time.UTC),
			Status: charging.ReservationScheduled, RequestedBy: "user:7", CreatedAt: time.Date(2025, 3, 1, 10, 0, 0, 1000, time.UTC),
			UpdatedAt: time.Date(2025, 3, 1, 10, 0, 1, 1000, time.UTC)}
		wantReservation(t, r, want)
		wantReservation(t, MustReservation(t, s, r.ID), want)

		// Given a command and a transaction, and on EVSE 0 without connector type.
		b := newReservation("CS-2", 0, "TOKEN-2", time.Hour, 2*time.Hour)
		b.Status, b.CommandID, b.TransactionID = charging.ReservationUsed, 42, ptr(ladda.TransactionID(7))
		MustCreateReservation(t, s, b)
		c := MustCreateReservation(t, s, newReservation("CS-1", 1, "TOKEN-3", 0, time.Hour))
		if !(r.ID < b.ID && b.ID < c.ID) {
			t.Errorf("IDs %d, %d, %d: want increasing", r.ID, b.ID, c.ID)
		}
		wantReservation(t, MustReservation(t, s, b.ID), b)
		wantReservation(t, MustReservation(t, s, c.ID), c)
		if got := MustReservation(t, s, c.ID); got.TransactionID != nil || got.CommandID != 0 {
			t.Errorf("a new reservation has command %d, transaction %s; want none", got.CommandID, fmtPtr(got.TransactionID))
		}
		_, err := s.Reservation(t.Context(), c.ID+100)
		wantKind(t, err, ladda.NotFound)
	})

	t.Run("bad reservations are invalid, one of an unknown station not found; neither is stored", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		for i, change := range []func(r *charging.Reservation){
			func(r *charging.Reservation) { r.StationID = "" },
			func(r *charging.Reservation) { r.IDToken = "" },
			func(r *charging.Reservation) { r.Status = "" },
			func(r *charging.Reservation) { r.EVSEID = -1 },
			func(r *charging.Reservation) { r.ExpiresAt = r.StartsAt },
			func(r *charging.Reservation) { r.ExpiresAt = r.StartsAt.Add(-time.Minute) },
			func(r *charging.Reservation) { r.ExpiresAt = r.StartsAt.Add(time.Nanosecond) }, // the same once stored
			func(r *charging.Reservation) { r.IDToken = "NUL\x00" },
			func(r *charging.Reservation) { r.GroupID = "bad\xffUTF-8" },
			func(r *charging.Reservation) { r.ConnectorType = "\x00" },
			func(r *charging.Reservation) { r.RequestedBy = "\xfe" },
		} {
			r := newReservation("CS-1", 1, "T", 0, time.Hour)
			change(r)
			err := s.CreateReservation(t.Context(), r)
			if ladda.ErrorKind(err) != ladda.Invalid {
				t.Errorf("bad reservation %d: error %v, want invalid", i, err)
			}
		}
		r := newReservation("nope", 1, "T", 0, time.Hour)
		wantKind(t, s.CreateReservation(t.Context(), r), ladda.NotFound)
		if r.ID != 0 {
			t.Errorf("a refused reservation got ID %d", r.ID)
		}
		if list := mustReservations(t, s, charging.ReservationFilter{}); len(list) != 0 {
			t.Errorf("%d reservations stored, want none", len(list))
		}
	})

	t.Run("active reservations of an EVSE or a token do not overlap", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for _, id := range []ladda.StationID{"CS-1", "CS-2", "CS-3", "CS-4"} {
			MustCreateStation(t, s, id)
		}
		const h = time.Hour
		// 18:00–19:00 on CS-1 EVSE 2 for A (Accepted), on CS-2 any EVSE for B (Sending), and
		// on CS-3 EVSE 1 for C, ended in every way.
		a := newReservation("CS-1", 2, "A", 8*h, 9*h)
		a.Status = charging.ReservationAccepted
		MustCreateReservation(t, s, a)
		b := newReservation("CS-2", 0, "B", 8*h, 9*h)
		b.Status = charging.ReservationSending
		MustCreateReservation(t, s, b)
		for _, st := range ended {
			c := newReservation("CS-3", 1, "C", 8*h, 9*h)
			c.Status = st
			MustCreateReservation(t, s, c)
		}
		tests := []struct {
			name     string
			r        *charging.Reservation
			conflict int64 // the reservation in the way, 0 none
		}{
			{"same EVSE, overlapping the start", newReservation("CS-1", 2, "X", 7*h+30*time.Minute, 8*h+30*time.Minute), a.ID},
			{"same EVSE, overlapping the end", newReservation("CS-1", 2, "X", 8*h+59*time.Minute, 10*h), a.ID},
			{"same EVSE, within", newReservation("CS-1", 2, "X", 8*h+10*time.Minute, 8*h+20*time.Minute), a.ID},
			{"same EVSE, around", newReservation("CS-1", 2, "X", 7*h, 10*h), a.ID},
			{"same EVSE, same slot", newReservation("CS-1", 2, "X", 8*h, 9*h), a.ID},
			{"same EVSE, a microsecond of overlap", newReservation("CS-1", 2, "X", 9*h-time.Microsecond, 10*h), a.ID},
			{"same EVSE, ending as it starts", newReservation("CS-1", 2, "X", 7*h, 8*h), 0},
			{"same EVSE, starting as it ends", newReservation("CS-1", 2, "X", 9*h, 10*h), 0},
			{"another EVSE", newReservation("CS-1", 3, "X", 8*h, 9*h), 0},
			{"any EVSE against EVSE 2", newReservation("CS-1", 0, "X", 8*h, 9*h), a.ID},
			{"any EVSE, touching", newReservation("CS-1", 0, "X", 9*h, 10*h), 0},
			{"EVSE 5 against any EVSE", newReservation("CS-2", 5, "X", 8*h+30*time.Minute, 9*h+30*time.Minute), b.ID},
			{"any EVSE against any EVSE", newReservation("CS-2", 0, "X", 7*h, 8*h+1*time.Minute), b.ID},
			{"another station", newReservation("CS-4", 2, "X", 8*h, 9*h), 0},
			{"same token on another station", newReservation("CS-4", 1, "A", 8*h+30*time.Minute, 10*h), a.ID},
			{"same token on another EVSE", newReservation("CS-1", 3, "A", 8*h, 9*h), a.ID},
			{"same token, any EVSE of another station", newReservation("CS-4", 0, "B", 7*h, 8*h+30*time.Minute), b.ID},
			{"same token, touching", newReservation("CS-4", 1, "A", 9*h, 10*h), 0},
			{"same EVSE as ended ones", newReservation("CS-3", 1, "X", 8*h, 9*h), 0},
			{"same token as ended ones", newReservation("CS-4", 1, "C", 8*h, 9*h), 0},
			{"both the EVSE's and the token's: the older is named", newReservation("CS-2", 1, "A", 8*h, 9*h), a.ID},
			{"not active itself, still refused", func() *charging.Reservation {
				r := newReservation("CS-1", 2, "X", 8*h, 9*h)
				r.Status = charging.ReservationCancelled
				return r
			}(), a.ID},
		}
		for _, tt := range tests {
			err := s.CreateReservation(t.Context(), tt.r)
			if tt.conflict == 0 {
				if err != nil {
					t.Errorf("%s: %v, want it stored", tt.name, err)
					continue
				}
				// Out of the way of the cases that follow.
				if !MustChangeReservation(t, s, tt.r.ID, charging.ActiveReservation, charging.ReservationChange{Status: charging.ReservationCancelled}) {
					t.Errorf("%s: could not cancel reservation %d", tt.name, tt.r.ID)
				}
				continue
			}
			if err == nil {
				t.Errorf("%s: stored as %d, want a conflict with %d", tt.name, tt.r.ID, tt.conflict)
				continue
			}
			t.Run(tt.name, func(t *testing.T) { wantConflictNaming(t, err, tt.conflict) })
			if tt.r.ID != 0 {
				t.Errorf("%s: a refused reservation got ID %d", tt.name, tt.r.ID)
			}
		}
		if t.Failed() {
			return
		}
		// Once A has ended, its slot is free.
		MustChangeReservation(t, s, a.ID, []charging.ReservationStatus{charging.ReservationAccepted}, charging.ReservationChange{Status: charging.ReservationUsed})
		MustCreateReservation(t, s, newReservation("CS-1", 2, "X", 8*h, 9*h))
		MustCreateReservation(t, s, newReservation("CS-3", 2, "A", 8*h, 9*h))
	})

	t.Run("the conflict message names the reservation in the way, its token, station, EVSE and slot", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		a := MustCreateReservation(t, s, newReservation("CS-1", 2, "A", 8*time.Hour, 9*time.Hour))
		err := s.CreateReservation(t.Context(), newReservation("CS-1", 2, "B", 8*time.Hour+30*time.Minute, 10*time.Hour))
		wantConflictNaming(t, err, a.ID)
		var e *ladda.Error
		if errors.As(err, &e) {
			for _, part := range []string{`"A"`, "CS-1", "EVSE 2", "18:00", "19:00"} {
				if !strings.Contains(e.Message, part) {
					t.Errorf("conflict message %q lacks %s", e.Message, part)
				}
			}
		}
	})

	t.Run("every filter field selects, alone and together, in both orders", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		stations := []ladda.StationID{"CS-1", "CS-2", "CS-3"}
		for _, id := range stations {
			MustCreateStation(t, s, id)
		}
		// CS-1 and CS-3 belong to one operator, CS-2 to another.
		opA, opB := MustCreateOrg(t, s, "A", account.OperatorOrg), MustCreateOrg(t, s, "B", account.OperatorOrg)
		orgOf := map[ladda.StationID]int64{"CS-1": opA.ID, "CS-2": opB.ID, "CS-3": opA.ID}
		for id, org := range orgOf {
			if _, err := s.UpdateStation(t.Context(), id, station.Update{OrgID: ptr(org)}, t0); err != nil {
				t.Fatal(err)
			}
		}
		// 36 reservations of three stations and three tokens, in all statuses, each in its own
		// three hours (so none overlap), lasting one to three hours, updated at t0 plus 0 to 4
		// minutes.
		var all []*charging.Reservation
		statuses := append(slices.Clone(charging.ActiveReservation), ended...)
		for i := range 36 {
			from := time.Duration(3*i) * time.Hour
			r := newReservation(stations[i/3%3], i%4, fmt.Sprint("T", i%3), from, from+time.Duration(1+i%3)*time.Hour)
			r.Status = statuses[i%len(statuses)]
			r.UpdatedAt = at(time.Duration(i%5) * time.Minute)
			all = append(all, MustCreateReservation(t, s, r))
		}
		last := all[len(all)-1].ID
		filters := []charging.ReservationFilter{
			{},
			{StationID: "CS-2"},
			{StationID: "CS-9"},
			{IDToken: "T1"},
			{IDToken: "T9"},
			{StationID: "CS-1", IDToken: "T2"},
			{Statuses: []charging.ReservationStatus{charging.ReservationScheduled}},
			{Statuses: charging.ActiveReservation},
			{Statuses: []charging.ReservationStatus{"Nonsense"}},
			{StartsBefore: at(9 * time.Hour)}, // reservation 3 starts then: included
			{StartsBefore: at(9*time.Hour - time.Microsecond)},
			{ExpiresBefore: at(10 * time.Hour)}, // reservation 3 expires then: included
			{ExpiresBefore: at(10*time.Hour - time.Microsecond)},
			{UpdatedBefore: at(2 * time.Minute)},
			{UpdatedBefore: at(2*time.Minute - time.Microsecond)},
			{ActiveAt: at(9 * time.Hour)},  // reservation 3 starts then: active
			{ActiveAt: at(10 * time.Hour)}, // reservation 3 expires then: not active
			{ActiveAt: at(13*time.Hour + 30*time.Minute)},
			{ActiveAt: at(-time.Hour)},
			{BeforeID: all[10].ID},
			{BeforeID: all[0].ID},
			{Limit: 5},
			{StationID: "CS-3", Statuses: charging.ActiveReservation, StartsBefore: at(80 * time.Hour)},
			{IDToken: "T0", Statuses: []charging.ReservationStatus{charging.ReservationAccepted, charging.ReservationUsed, charging.ReservationScheduled}, StartsBefore: at(90 * time.Hour)},
			{Statuses: charging.ActiveReservation, ExpiresBefore: at(60 * time.Hour), Limit: 2},
			{Statuses: []charging.ReservationStatus{charging.ReservationSending, charging.ReservationFailed}, UpdatedBefore: at(3 * time.Minute)},
			{StationID: "CS-1", StartsBefore: at(90 * time.Hour), ExpiresBefore: at(80 * time.Hour), UpdatedBefore: at(4 * time.Minute), BeforeID: last, Limit: 2},
			{IDToken: "T2", ActiveAt: at(16 * time.Hour), BeforeID: last + 1},
			{StationID: "CS-2", IDToken: "T1", Statuses: statuses, StartsBefore: at(200 * time.Hour), ExpiresBefore: at(200 * time.Hour),
				UpdatedBefore: at(time.Hour), ActiveAt: at(22 * time.Hour), BeforeID: last, Limit: 10},
			{StationOrgID: opA.ID},
			{StationOrgID: opB.ID},
			{StationOrgID: opB.ID + 100},
			{StationOrgID: opA.ID, StationID: "CS-2"},
			{StationOrgID: opA.ID, IDToken: "T2", Limit: 3},
			{StationOrgID: opA.ID, Statuses: charging.ActiveReservation, BeforeID: last},
		}
		for _, f := range filters {
			for _, oldest := range []bool{false, true} {
				f.OldestFirst = oldest
				var want []int64
				for _, r := range all {
					if selects(f, r, orgOf) {
						want = append(want, r.ID)
					}
				}
				if !oldest {
					slices.Reverse(want)
				}
				if f.Limit > 0 && len(want) > f.Limit {
					want = want[:f.Limit]
				}
				got := mustReservations(t, s, f)
				if ids := reservationIDs(got); !slices.Equal(ids, want) {
					t.Errorf("Reservations(%+v) = %v, want %v", f, ids, want)
				}
				for _, r := range got {
					wantReservation(t, r, all[slices.IndexFunc(all, func(a *charging.Reservation) bool { return a.ID == r.ID })])
				}
			}
		}
		// Text that cannot be stored selects nothing.
		for _, f := range []charging.ReservationFilter{{StationID: "CS-1\x00"}, {IDToken: "\xff"}, {Statuses: []charging.ReservationStatus{"Accepted\x00"}}} {
			if got := mustReservations(t, s, f); len(got) != 0 {
				t.Errorf("Reservations(%q %q %q) = %v, want none", f.StationID, f.IDToken, f.Statuses, reservationIDs(got))
			}
		}
	})

	t.Run("pages of BeforeID and Limit list every reservation once, in both orders", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		MustCreateStation(t, s, "CS-2")
		var want []int64
		for i := range 11 {
			r := MustCreateReservation(t, s, newReservation(ladda.StationID(fmt.Sprint("CS-", 1+i%2)), 1+i, fmt.Sprint("T", i), 0, time.Hour))
			want = append(want, r.ID)
		}
		// Newest first, in pages of 3: each page continues before the last ID of the one before.
		var got []int64
		f := charging.ReservationFilter{Limit: 3}
		for range len(want) {
			list := mustReservations(t, s, f)
			if len(list) == 0 {
				break
			}
			if len(list) > 3 {
				t.Fatalf("a page of %d, want at most 3", len(list))
			}
			got = append(got, reservationIDs(list)...)
			f.BeforeID = list[len(list)-1].ID
		}
		newest := slices.Clone(want)
		slices.Reverse(newest)
		if !slices.Equal(got, newest) {
			t.Errorf("newest first in pages of 3: %v, want %v", got, newest)
		}
		// Oldest first, BeforeID ends the range and Limit cuts it.
		f = charging.ReservationFilter{StationID: "CS-1", BeforeID: want[6], OldestFirst: true}
		if got, w := reservationIDs(mustReservations(t, s, f)), []int64{want[0], want[2], want[4]}; !slices.Equal(got, w) {
			t.Errorf("CS-1 oldest first before %d: %v, want %v", want[6], got, w)
		}
		f = charging.ReservationFilter{Limit: 3, OldestFirst: true}
		if got := reservationIDs(mustReservations(t, s, f)); !slices.Equal(got, want[:3]) {
			t.Errorf("oldest first, limit 3: %v, want %v", got, want[:3])
		}
	})

	t.Run("changes compare and set the status, and set only what they give", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		r := MustCreateReservation(t, s, newReservation("CS-1", 1, "T", time.Hour, 2*time.Hour))
		want := *r
		scheduled := []charging.ReservationStatus{charging.ReservationScheduled}
		sending := []charging.ReservationStatus{charging.ReservationSending}

		// The wrong status, or none: nothing changes.
		for _, from := range [][]charging.ReservationStatus{sending, nil, {charging.ReservationAccepted, charging.ReservationUsed}} {
			if MustChangeReservation(t, s, r.ID, from, charging.ReservationChange{Status: charging.ReservationCancelled, CommandID: 5, TransactionID: 6, At: at(time.Minute)}) {
				t.Errorf("ChangeReservation from %v = true for a Scheduled reservation", from)
			}
			wantReservation(t, MustReservation(t, s, r.ID), &want)
		}

		// The right status among others.
		if !MustChangeReservation(t, s, r.ID, []charging.ReservationStatus{charging.ReservationAccepted, charging.ReservationScheduled},
			charging.ReservationChange{Status: charging.ReservationSending, At: at(time.Minute)}) {
			t.Fatal("ChangeReservation from Scheduled = false for a Scheduled reservation")
		}
		want.Status, want.UpdatedAt = charging.ReservationSending, at(time.Minute)
		wantReservation(t, MustReservation(t, s, r.ID), &want)

		// The command alone, the time in UTC microseconds.
		cet := time.FixedZone("CET", 3600)
		if !MustChangeReservation(t, s, r.ID, sending, charging.ReservationChange{CommandID: 41, At: at(2*time.Minute + 999).In(cet)}) {
			t.Fatal("setting the command: false")
		}
		want.CommandID, want.UpdatedAt = 41, at(2*time.Minute)
		wantReservation(t, MustReservation(t, s, r.ID), &want)

		// Status and command; no time keeps UpdatedAt.
		if !MustChangeReservation(t, s, r.ID, sending, charging.ReservationChange{Status: charging.ReservationAccepted, CommandID: 42}) {
			t.Fatal("accepting: false")
		}
		want.Status, want.CommandID = charging.ReservationAccepted, 42
		wantReservation(t, MustReservation(t, s, r.ID), &want)
		if MustChangeReservation(t, s, r.ID, scheduled, charging.ReservationChange{Status: charging.ReservationCancelled}) {
			t.Error("cancelling an Accepted reservation from Scheduled: true")
		}

		// The transaction that used it.
		if !MustChangeReservation(t, s, r.ID, charging.ActiveReservation, charging.ReservationChange{Status: charging.ReservationUsed, TransactionID: 77, At: at(time.Hour)}) {
			t.Fatal("using: false")
		}
		want.Status, want.TransactionID, want.UpdatedAt = charging.ReservationUsed, ptr(ladda.TransactionID(77)), at(time.Hour)
		wantReservation(t, MustReservation(t, s, r.ID), &want)
		if MustChangeReservation(t, s, r.ID, charging.ActiveReservation, charging.ReservationChange{Status: charging.ReservationExpired}) {
			t.Error("expiring a Used reservation: true")
		}

		// An empty change of the right status changes nothing but says it applied.
		if !MustChangeReservation(t, s, r.ID, []charging.ReservationStatus{charging.ReservationUsed}, charging.ReservationChange{}) {
			t.Error("an empty change: false")
		}
		wantReservation(t, MustReservation(t, s, r.ID), &want)

		// Unknown IDs, with or without a matching status.
		for _, from := range [][]charging.ReservationStatus{nil, scheduled, charging.ActiveReservation} {
			_, err := s.ChangeReservation(t.Context(), r.ID+100, from, charging.ReservationChange{Status: charging.ReservationCancelled})
			wantKind(t, err, ladda.NotFound)
		}
		_, err := s.ChangeReservation(t.Context(), r.ID, charging.ActiveReservation, charging.ReservationChange{Status: "Bad\x00"})
		wantKind(t, err, ladda.Invalid)
	})

	t.Run("of racing changes from one status, exactly one applies", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		r := MustCreateReservation(t, s, newReservation("CS-1", 1, "T", time.Hour, 2*time.Hour))
		w := oneWins(t, 16, func(i int) (bool, error) {
			return s.ChangeReservation(t.Context(), r.ID, []charging.ReservationStatus{charging.ReservationScheduled},
				charging.ReservationChange{Status: charging.ReservationSending, CommandID: int64(i + 1)})
		})
		if got := MustReservation(t, s, r.ID); got.Status != charging.ReservationSending || got.CommandID != int64(w+1) {
			t.Errorf("after the race: %s with command %d, want Sending with %d", got.Status, got.CommandID, w+1)
		}
	})

	t.Run("deleting the station removes its reservations; the ID comes back without them", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		MustCreateStation(t, s, "CS-2")
		a := MustCreateReservation(t, s, newReservation("CS-1", 1, "A", 0, time.Hour))
		b := MustCreateReservation(t, s, newReservation("CS-1", 2, "B", 0, time.Hour))
		c := MustCreateReservation(t, s, newReservation("CS-2", 1, "C", 0, time.Hour))
		if err := s.DeleteStation(t.Context(), "CS-1"); err != nil {
			t.Fatalf("DeleteStation: %v", err)
		}
		for _, id := range []int64{a.ID, b.ID} {
			_, err := s.Reservation(t.Context(), id)
			wantKind(t, err, ladda.NotFound)
		}
		if got := reservationIDs(mustReservations(t, s, charging.ReservationFilter{})); !slices.Equal(got, []int64{c.ID}) {
			t.Errorf("after deleting CS-1: %v, want %v", got, []int64{c.ID})
		}
		wantKind(t, s.CreateReservation(t.Context(), newReservation("CS-1", 1, "A", 0, time.Hour)), ladda.NotFound)
		MustCreateStation(t, s, "CS-1")
		if got := mustReservations(t, s, charging.ReservationFilter{StationID: "CS-1"}); len(got) != 0 {
			t.Errorf("the station came back with reservations %v", reservationIDs(got))
		}
		d := MustCreateReservation(t, s, newReservation("CS-1", 1, "A", 0, time.Hour)) // the old slot is free
		if d.ID <= c.ID {
			t.Errorf("new ID %d after %d: IDs must not be reused", d.ID, c.ID)
		}
	})

	t.Run("of overlapping reservations created at once, exactly one is stored", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		const n = 16
		for i := range n {
			MustCreateStation(t, s, ladda.StationID(fmt.Sprint("CS-", i)))
		}
		// A race is lost only sometimes: several rounds, each on a day of its own.
		for round := range 5 {
			day := time.Duration(round) * 24 * time.Hour
			for _, tt := range []struct {
				name string
				r    func(i int) *charging.Reservation
			}{
				{"one EVSE, different tokens", func(i int) *charging.Reservation {
					return newReservation("CS-0", 1, fmt.Sprint("EVSE-T", i), day+time.Duration(i)*time.Minute, day+time.Hour+time.Duration(i)*time.Minute)
				}},
				{"one token, different stations", func(i int) *charging.Reservation {
					return newReservation(ladda.StationID(fmt.Sprint("CS-", i)), 2, "TOKEN", day+2*time.Hour+time.Duration(i)*time.Minute, day+3*time.Hour)
				}},
			} {
				raceReservations(t, s, fmt.Sprintf("round %d, %s", round, tt.name), n, tt.r)
			}
		}
	})
}

// raceReservations creates the n overlapping reservations r(0) to r(n-1) at once and fails
// unless exactly one is stored and the others are refused as conflicts naming it.
func raceReservations(t *testing.T, s Store, name string, n int, r func(i int) *charging.Reservation) {
	t.Helper()
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make([]error, n)
	list := make([]*charging.Reservation, n)
	for i := range n {
		list[i] = r(i)
		wg.Go(func() {
			<-start
			errs[i] = s.CreateReservation(t.Context(), list[i])
		})
	}
	close(start)
	wg.Wait()
	var stored []int64
	for i, err := range errs {
		switch {
		case err == nil:
			stored = append(stored, list[i].ID)
		case ladda.ErrorKind(err) != ladda.Conflict:
			t.Errorf("%s: writer %d: %v, want stored or a conflict", name, i, err)
		}
	}
	if len(stored) != 1 {
		t.Fatalf("%s: %d stored (%v), want exactly 1", name, len(stored), stored)
	}
	for i, err := range errs {
		if err != nil {
			wantConflictNaming(t, err, stored[0])
			if list[i].ID != 0 {
				t.Errorf("%s: writer %d refused, yet ID %d", name, i, list[i].ID)
			}
		}
	}
	f := charging.ReservationFilter{Statuses: charging.ActiveReservation, Limit: 1}
	if got := reservationIDs(mustReservations(t, s, f)); len(got) == 0 || got[0] != stored[0] {
		t.Errorf("%s: newest active reservation %v, want %d", name, got, stored[0])
	}
}

// benchCreateReservation: a booking is checked against a table of 10,000 reservations of 100
// stations and 1,000 tokens (about a quarter of them active), and stored.
func benchCreateReservation(b *testing.B, open func(b *testing.B) Store) {
	s := open(b)
	const stations, tokens, rows, writers = 100, 1000, 10000, 50
	for i := range stations {
		MustCreateStation(b, s, ladda.StationID(fmt.Sprintf("CS-%03d", i)))
	}
	statuses := append(slices.Clone(charging.ActiveReservation), ended...)
	// Token i%tokens books hour i/tokens of day i%7 on EVSE i%tokens+1 of station i%stations:
	// no two overlap. Many writers at once, so that group commit fills the table quickly.
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := w; i < rows; i += writers {
				from := time.Duration(i%7)*24*time.Hour + time.Duration(i/tokens)*time.Hour
				r := newReservation(ladda.StationID(fmt.Sprintf("CS-%03d", i%stations)), 1+i%tokens, fmt.Sprintf("T%04d", i%tokens), from, from+time.Hour)
				r.Status = statuses[i%len(statuses)]
				if err := s.CreateReservation(b.Context(), r); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		// Weeks ahead, each in an hour of its own: the check finds nothing in the way.
		from := 30*24*time.Hour + time.Duration(i)*time.Hour
		r := newReservation(ladda.StationID(fmt.Sprintf("CS-%03d", i%stations)), 1, fmt.Sprintf("T%04d", i%tokens), from, from+time.Hour)
		if err := s.CreateReservation(b.Context(), r); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
