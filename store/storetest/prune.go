package storetest

import (
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
)

func testPrune(t *testing.T, open func(t *testing.T) Store) {
	t.Run("prune deletes ended sessions, expired tokens, old throttles and finished deliveries, nothing else", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		u := MustCreateUser(t, s, "pia@example.com")
		session := func(hash string, expires time.Time, revoked *time.Time) *account.Session {
			x := &account.Session{UserID: u.ID, Hash: []byte(hash), Kind: account.TokenSession, CreatedAt: t0, LastSeenAt: t0, ExpiresAt: expires, RevokedAt: revoked}
			if err := s.CreateSession(ctx, x); err != nil {
				t.Fatal(err)
			}
			return x
		}
		revokedEarly := at(time.Hour)
		session("expired", at(2*time.Hour), nil)
		session("revoked", at(48*time.Hour), &revokedEarly)
		live := session("live", at(48*time.Hour), nil)
		for _, tok := range []*account.OneTimeToken{
			{Hash: []byte("old"), Purpose: account.ResetPasswordToken, UserID: u.ID, CreatedAt: t0, ExpiresAt: at(time.Hour)},
			{Hash: []byte("new"), Purpose: account.ResetPasswordToken, UserID: u.ID, CreatedAt: t0, ExpiresAt: at(48 * time.Hour)},
		} {
			if err := s.CreateToken(ctx, tok); err != nil {
				t.Fatal(err)
			}
		}
		never := func(int) time.Duration { return 0 }
		lockDay := func(int) time.Duration { return 24 * time.Hour }
		for _, f := range []struct {
			key  string
			at   time.Time
			lock func(int) time.Duration
		}{{"old", t0, never}, {"old-locked", t0, lockDay}, {"recent", at(20 * time.Hour), never}} {
			if _, err := s.Fail(ctx, f.key, f.at, time.Hour, f.lock); err != nil {
				t.Fatal(err)
			}
		}
		ds := []*account.Delivery{
			{Kind: account.EmailDelivery, UserID: u.ID, Template: "t", Payload: []byte("{}"), NextAt: t0, CreatedAt: t0},
			{Kind: account.EmailDelivery, UserID: u.ID, Template: "t", Payload: []byte("{}"), NextAt: t0, CreatedAt: t0},
		}
		if err := s.Enqueue(ctx, ds); err != nil {
			t.Fatal(err)
		}
		done := *ds[0]
		done.Status, done.Attempts, done.DeliveredAt = account.DeliveryDelivered, 1, &t0
		if err := s.Finish(ctx, &done); err != nil {
			t.Fatal(err)
		}

		cut := at(12 * time.Hour)
		n, err := s.Prune(ctx, account.Pruning{SessionsBefore: cut, TokensBefore: cut, ThrottlesBefore: cut, DeliveriesBefore: cut})
		if err != nil || n != 5 {
			t.Fatalf("Prune = %d, %v; want 5 rows (2 sessions, 1 token, 1 throttle, 1 delivery)", n, err)
		}
		if got, err := s.SessionByHash(ctx, live.Hash); err != nil || got.ID != live.ID {
			t.Errorf("the live session: %v, %v", got, err)
		}
		_, err = s.SessionByHash(ctx, []byte("expired"))
		wantKind(t, err, ladda.NotFound)
		if _, err := s.UseToken(ctx, []byte("new"), account.ResetPasswordToken, at(13*time.Hour)); err != nil {
			t.Errorf("the token that has not expired: %v", err)
		}
		for key, want := range map[string]int{"old": 0, "old-locked": 1, "recent": 1} {
			if th, err := s.Throttle(ctx, key); err != nil || th.Failures != want {
				t.Errorf("throttle %s: %+v, %v; want %d failures", key, th, err, want)
			}
		}
		left, err := s.Deliveries(ctx, account.DeliveryFilter{UserID: u.ID, Limit: 10})
		if err != nil || len(left) != 1 || left[0].Status != account.DeliveryPending {
			t.Errorf("deliveries left: %+v, %v; want the pending one", left, err)
		}
		// Zero times prune nothing.
		if n, err := s.Prune(ctx, account.Pruning{}); err != nil || n != 0 {
			t.Errorf("empty Prune = %d, %v", n, err)
		}
	})
}
