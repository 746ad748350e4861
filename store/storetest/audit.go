package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
)

// mustAppendAudit stores e and fails unless it got an ID.
func mustAppendAudit(tb testing.TB, s Store, e *account.AuditEvent) *account.AuditEvent {
	tb.Helper()
	if err := s.AppendAudit(tb.Context(), e); err != nil {
		tb.Fatalf("AppendAudit(%s): %v", e.Action, err)
	}
	if e.ID <= 0 {
		tb.Fatalf("AppendAudit(%s): ID = %d", e.Action, e.ID)
	}
	return e
}

func testAudit(t *testing.T, open func(t *testing.T) Store) {
	t.Run("an appended event reads back as stored", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		want := mustAppendAudit(t, s, &account.AuditEvent{At: at(time.Second), ActorKind: "key", ActorID: 7, Actor: "key:ci", OrgID: 3,
			Action: "command.reset-station", Target: "station:CS-1", Outcome: "202", IP: "192.0.2.7", UserAgent: "curl/8",
			Detail: map[string]any{"type": "Hard", "evse": 2.0, "nested": map[string]any{"ok": true}}})
		bare := mustAppendAudit(t, s, &account.AuditEvent{At: at(2 * time.Second), ActorKind: "system", Action: "system.start"})
		if bare.ID <= want.ID {
			t.Errorf("IDs %d, %d: want growing", want.ID, bare.ID)
		}
		list, err := s.AuditEvents(t.Context(), account.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != bare.ID || list[1].ID != want.ID {
			t.Fatalf("events %+v, want the bare one, then the full one", list)
		}
		for _, c := range []struct{ got, want *account.AuditEvent }{{list[1], want}, {list[0], bare}} {
			wantTime(t, fmt.Sprint("event ", c.want.ID, ": At"), c.got.At, c.want.At)
			g, w := *c.got, *c.want
			g.At, w.At = time.Time{}, time.Time{}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("event %d:\n got %+v\nwant %+v", w.ID, g, w)
			}
		}
		wantKind(t, s.AppendAudit(t.Context(), &account.AuditEvent{At: t0, ActorKind: "user"}), ladda.Invalid)
		wantKind(t, s.AppendAudit(t.Context(), &account.AuditEvent{At: t0, Action: "auth.login"}), ladda.Invalid)
	})

	t.Run("every filter field selects, alone and together, with keyset pagination", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		actions := []string{"auth.login", "auth.login_failed", "authx.other", "apikey.create", "command.reset-station", "auth_login"}
		kinds := []string{"user", "key", "system", "anonymous"}
		var all []*account.AuditEvent
		for i := range 24 {
			e := &account.AuditEvent{At: at(time.Duration(i) * time.Minute), ActorKind: kinds[i%4], ActorID: int64(i % 3), OrgID: int64(i % 2 * 5),
				Action: actions[i%len(actions)], Outcome: "ok"}
			all = append(all, mustAppendAudit(t, s, e))
		}
		selects := func(f account.AuditFilter, e *account.AuditEvent) bool {
			return (f.OrgID == 0 || e.OrgID == f.OrgID) && (f.Kind == "" || e.ActorKind == f.Kind) && (f.ActorID == 0 || e.ActorID == f.ActorID) &&
				strings.HasPrefix(e.Action, f.Action) && (f.Since.IsZero() || !e.At.Before(f.Since)) && (f.Until.IsZero() || e.At.Before(f.Until)) &&
				(f.Before <= 0 || e.ID < f.Before)
		}
		for _, f := range []account.AuditFilter{
			{},
			{Action: "auth."},
			{Action: "auth"},
			{Action: "auth_"},
			{Action: "auth.login"},
			{Action: "nothing"},
			{Kind: "user"},
			{Kind: "user", ActorID: 2},
			{Kind: "key", ActorID: 1, Action: "auth."},
			{OrgID: 5},
			{OrgID: 5, Kind: "key"},
			{OrgID: 7},
			{Since: at(5 * time.Minute)}, // the event at 5 minutes is included
			{Until: at(5 * time.Minute)}, // and excluded here
			{Since: at(3 * time.Minute), Until: at(20 * time.Minute), Action: "auth."},
			{Before: all[10].ID},
			{Before: all[10].ID, Limit: 3},
			{Limit: 5, OrgID: 5},
			{OrgID: 5, Kind: "system", Action: "a", Since: at(time.Minute), Until: at(23 * time.Minute), Before: all[22].ID, Limit: 2},
		} {
			var want []int64
			for _, e := range slices.Backward(all) {
				if selects(f, e) {
					want = append(want, e.ID)
				}
			}
			if f.Limit > 0 && len(want) > f.Limit {
				want = want[:f.Limit]
			}
			list, err := s.AuditEvents(t.Context(), f)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, e := range list {
				got = append(got, e.ID)
			}
			if !slices.Equal(got, want) {
				t.Errorf("AuditEvents(%+v) = %v, want %v", f, got, want)
			}
		}
		// Pages of 5, newest first, each before the last of the one before, list everything once.
		var got []int64
		f := account.AuditFilter{Limit: 5}
		for range len(all) {
			list, err := s.AuditEvents(t.Context(), f)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) == 0 {
				break
			}
			for _, e := range list {
				got = append(got, e.ID)
			}
			f.Before = list[len(list)-1].ID
		}
		if len(got) != len(all) || got[0] != all[len(all)-1].ID || got[len(got)-1] != all[0].ID {
			t.Errorf("paging listed %d events from %v, want all %d", len(got), got, len(all))
		}
	})
}
