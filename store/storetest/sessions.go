package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
)

// mustCreateSession stores a cookie session of a user, created at t0, that expires at expires;
// its hash is hash.
func mustCreateSession(tb testing.TB, s Store, userID int64, hash string, expires time.Time) *account.Session {
	tb.Helper()
	se := &account.Session{UserID: userID, Hash: []byte(hash), Kind: account.CookieSession, IP: "192.0.2.1", UserAgent: "Firefox",
		CreatedAt: t0, LastSeenAt: t0, ExpiresAt: expires}
	if err := s.CreateSession(tb.Context(), se); err != nil {
		tb.Fatalf("CreateSession(%s): %v", hash, err)
	}
	return se
}

// sessionIDs returns the IDs of list, in order.
func sessionIDs(list []*account.Session) []int64 {
	ids := make([]int64, len(list))
	for i, s := range list {
		ids[i] = s.ID
	}
	return ids
}

func testSessions(t *testing.T, open func(t *testing.T) Store) {
	t.Run("a created session is found by its hash, revoked and expired ones too", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		u := MustCreateUser(t, s, "u@example.com")
		want := &account.Session{UserID: u.ID, Hash: []byte{0, 1, 255}, Kind: account.TokenSession, Pending: true, IP: "2001:db8::1",
			UserAgent: "Ladda app/1.0", CreatedAt: t0, LastSeenAt: at(time.Second), ExpiresAt: at(time.Hour), RevokedAt: ptr(at(time.Minute))}
		if err := s.CreateSession(t.Context(), want); err != nil {
			t.Fatal(err)
		}
		if want.ID <= 0 {
			t.Fatalf("ID = %d", want.ID)
		}
		got, err := s.SessionByHash(t.Context(), []byte{0, 1, 255})
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != want.ID || got.UserID != u.ID || !bytes.Equal(got.Hash, want.Hash) || got.Kind != account.TokenSession || !got.Pending ||
			got.IP != want.IP || got.UserAgent != want.UserAgent {
			t.Errorf("got %+v, want %+v", got, want)
		}
		wantTime(t, "CreatedAt", got.CreatedAt, t0)
		wantTime(t, "LastSeenAt", got.LastSeenAt, at(time.Second))
		wantTime(t, "ExpiresAt", got.ExpiresAt, at(time.Hour))
		wantTimePtr(t, "RevokedAt", got.RevokedAt, ptr(at(time.Minute)))
		if got, err := s.SessionByHash(t.Context(), []byte{0, 1, 255}); err != nil || got.ID != want.ID {
			t.Errorf("an expired session (at a later now) is still found: %+v, %v", got, err)
		}

		_, err = s.SessionByHash(t.Context(), []byte{0, 1})
		wantKind(t, err, ladda.NotFound)
		dup := *want
		wantKind(t, s.CreateSession(t.Context(), &dup), ladda.Conflict)
		wantKind(t, s.CreateSession(t.Context(), &account.Session{UserID: u.ID + 100, Hash: []byte("x"), Kind: account.CookieSession,
			CreatedAt: t0, LastSeenAt: t0, ExpiresAt: at(time.Hour)}), ladda.NotFound)
	})

	t.Run("sessions lists a user's live sessions newest first; revoking is the user's only", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		u, other := MustCreateUser(t, s, "u@example.com"), MustCreateUser(t, s, "o@example.com")
		a := mustCreateSession(t, s, u.ID, "a", at(time.Hour))
		b := mustCreateSession(t, s, u.ID, "b", at(10*time.Minute)) // expires first
		c := mustCreateSession(t, s, u.ID, "c", at(time.Hour))
		o := mustCreateSession(t, s, other.ID, "o", at(time.Hour))
		live := func(now time.Time) []int64 {
			t.Helper()
			list, err := s.Sessions(t.Context(), u.ID, now)
			if err != nil {
				t.Fatal(err)
			}
			return sessionIDs(list)
		}
		if got := live(t0); !slices.Equal(got, []int64{c.ID, b.ID, a.ID}) {
			t.Errorf("at t0: %v, want c, b, a", got)
		}
		if got := live(at(10 * time.Minute)); !slices.Equal(got, []int64{c.ID, a.ID}) {
			t.Errorf("when b expires: %v, want c, a", got)
		}

		wantKind(t, s.RevokeSession(t.Context(), u.ID, o.ID, t0), ladda.NotFound)
		wantKind(t, s.RevokeSession(t.Context(), u.ID, o.ID+100, t0), ladda.NotFound)
		for _, when := range []time.Time{at(time.Second), at(2 * time.Second)} {
			if err := s.RevokeSession(t.Context(), u.ID, c.ID, when); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := s.SessionByHash(t.Context(), []byte("c")); err != nil {
			t.Fatal(err)
		} else {
			wantTimePtr(t, "c.RevokedAt", got.RevokedAt, ptr(at(time.Second)))
		}
		if got := live(t0); !slices.Equal(got, []int64{b.ID, a.ID}) {
			t.Errorf("after revoking c: %v, want b, a", got)
		}
		if got, err := s.SessionByHash(t.Context(), []byte("o")); err != nil || got.RevokedAt != nil {
			t.Errorf("the other user's session: %+v, %v; want not revoked", got, err)
		}
	})

	t.Run("revoking all sessions but one keeps that one and the other users'", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		u, other := MustCreateUser(t, s, "u@example.com"), MustCreateUser(t, s, "o@example.com")
		a := mustCreateSession(t, s, u.ID, "a", at(time.Hour))
		mustCreateSession(t, s, u.ID, "b", at(time.Hour))
		mustCreateSession(t, s, other.ID, "o", at(time.Hour))
		if err := s.RevokeSessions(t.Context(), u.ID, a.ID, at(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if list, err := s.Sessions(t.Context(), u.ID, t0); err != nil || !slices.Equal(sessionIDs(list), []int64{a.ID}) {
			t.Errorf("after revoking all but a: %v, %v", sessionIDs(list), err)
		}
		if b, err := s.SessionByHash(t.Context(), []byte("b")); err != nil {
			t.Fatal(err)
		} else {
			wantTimePtr(t, "b.RevokedAt", b.RevokedAt, ptr(at(time.Minute)))
		}
		if err := s.RevokeSessions(t.Context(), u.ID, 0, at(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if list, err := s.Sessions(t.Context(), u.ID, t0); err != nil || len(list) != 0 {
			t.Errorf("after revoking all: %v, %v", sessionIDs(list), err)
		}
		if b, err := s.SessionByHash(t.Context(), []byte("b")); err != nil {
			t.Fatal(err)
		} else {
			wantTimePtr(t, "b.RevokedAt after revoking again", b.RevokedAt, ptr(at(time.Minute)))
		}
		if list, err := s.Sessions(t.Context(), other.ID, t0); err != nil || len(list) != 1 {
			t.Errorf("the other user's sessions: %v, %v", sessionIDs(list), err)
		}
	})

	t.Run("touch moves last seen forward only and skips unknown sessions", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		u := MustCreateUser(t, s, "u@example.com")
		a := mustCreateSession(t, s, u.ID, "a", at(time.Hour))
		b := mustCreateSession(t, s, u.ID, "b", at(time.Hour))
		if err := s.TouchSessions(t.Context(), map[int64]time.Time{a.ID: at(time.Minute), b.ID: at(2 * time.Minute), b.ID + 100: t0}); err != nil {
			t.Fatal(err)
		}
		if err := s.TouchSessions(t.Context(), map[int64]time.Time{a.ID: at(30 * time.Second), b.ID: at(3 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
		for hash, want := range map[string]time.Time{"a": at(time.Minute), "b": at(3 * time.Minute)} {
			got, err := s.SessionByHash(t.Context(), []byte(hash))
			if err != nil {
				t.Fatal(err)
			}
			wantTime(t, hash+".LastSeenAt", got.LastSeenAt, want)
		}
	})
}

func testThrottles(t *testing.T, open func(t *testing.T) Store) {
	t.Run("failures count within the window, lock, start again after it and are cleared", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		const window = 15 * time.Minute
		// Locked for a minute per failure from the third on.
		lock := func(n int) time.Duration {
			if n < 3 {
				return 0
			}
			return time.Duration(n) * time.Minute
		}
		th, err := s.Throttle(t.Context(), "anna@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if th.Key != "anna@example.com" || th.Failures != 0 || !th.LastFailure.IsZero() || !th.LockedUntil.IsZero() {
			t.Errorf("an unseen key: %+v, want no failures", th)
		}
		for i, tt := range []struct {
			at       time.Time
			failures int
			locked   time.Time
		}{
			{t0, 1, time.Time{}},
			{at(time.Minute), 2, time.Time{}},
			{at(2 * time.Minute), 3, at(5 * time.Minute)},
			{at(16 * time.Minute), 4, at(20 * time.Minute)},                  // 14 minutes after the last: within the window
			{at(31 * time.Minute), 5, at(36 * time.Minute)},                  // exactly the window after the last: still counted
			{at(46*time.Minute + time.Microsecond), 1, at(36 * time.Minute)}, // later: counted anew, the lock stays
		} {
			got, err := s.Fail(t.Context(), "anna@example.com", tt.at, window, lock)
			if err != nil {
				t.Fatal(err)
			}
			stored, err := s.Throttle(t.Context(), "anna@example.com")
			if err != nil {
				t.Fatal(err)
			}
			for _, th := range []*account.Throttle{got, stored} {
				if th.Key != "anna@example.com" || th.Failures != tt.failures {
					t.Errorf("failure %d: %+v, want %d failures", i, th, tt.failures)
				}
				wantTime(t, fmt.Sprint("failure ", i, ": LastFailure"), th.LastFailure, tt.at)
				if !th.LockedUntil.Equal(tt.locked) {
					t.Errorf("failure %d: LockedUntil = %v, want %v", i, th.LockedUntil, tt.locked)
				}
			}
		}
		if th, err := s.Throttle(t.Context(), "192.0.2.1"); err != nil || th.Failures != 0 {
			t.Errorf("another key: %+v, %v", th, err)
		}
		if err := s.ClearThrottle(t.Context(), "anna@example.com"); err != nil {
			t.Fatal(err)
		}
		if err := s.ClearThrottle(t.Context(), "never@example.com"); err != nil {
			t.Fatal(err)
		}
		if th, err := s.Throttle(t.Context(), "anna@example.com"); err != nil || th.Failures != 0 || !th.LockedUntil.IsZero() {
			t.Errorf("after clearing: %+v, %v", th, err)
		}
		if th, err := s.Fail(t.Context(), "anna@example.com", at(50*time.Minute), window, nil); err != nil || th.Failures != 1 || !th.LockedUntil.IsZero() {
			t.Errorf("a failure after clearing: %+v, %v", th, err)
		}
	})

	t.Run("failures recorded at once are all counted", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		const n = 30
		var seen sync.Map
		parallel(t, n, func(i int) error {
			th, err := s.Fail(t.Context(), "10.0.0.1", at(time.Duration(i)*time.Millisecond), time.Hour, func(int) time.Duration { return 0 })
			if err == nil {
				if _, dup := seen.LoadOrStore(th.Failures, i); dup {
					return fmt.Errorf("count %d returned twice", th.Failures)
				}
			}
			return err
		})
		if th, err := s.Throttle(t.Context(), "10.0.0.1"); err != nil || th.Failures != n {
			t.Errorf("after %d failures at once: %+v, %v", n, th, err)
		}
	})
}

func testOneTimeTokens(t *testing.T, open func(t *testing.T) Store) {
	t.Run("expiring a user's tokens of a purpose uses them up, and only them", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		u := MustCreateUser(t, s, "u@example.com")
		other := MustCreateUser(t, s, "o@example.com")
		for _, tok := range []*account.OneTimeToken{
			{Hash: []byte("r1"), Purpose: account.ResetPasswordToken, UserID: u.ID, CreatedAt: t0, ExpiresAt: at(time.Hour)},
			{Hash: []byte("r2"), Purpose: account.ResetPasswordToken, UserID: u.ID, CreatedAt: t0, ExpiresAt: at(time.Hour)},
			{Hash: []byte("v1"), Purpose: account.VerifyEmailToken, UserID: u.ID, CreatedAt: t0, ExpiresAt: at(time.Hour)},
			{Hash: []byte("o1"), Purpose: account.ResetPasswordToken, UserID: other.ID, CreatedAt: t0, ExpiresAt: at(time.Hour)},
		} {
			if err := s.CreateToken(t.Context(), tok); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.ExpireTokens(t.Context(), u.ID, account.ResetPasswordToken, t0); err != nil {
			t.Fatal(err)
		}
		for _, h := range []string{"r1", "r2"} {
			_, err := s.UseToken(t.Context(), []byte(h), account.ResetPasswordToken, at(time.Minute))
			wantKind(t, err, ladda.NotFound)
		}
		if _, err := s.UseToken(t.Context(), []byte("v1"), account.VerifyEmailToken, at(time.Minute)); err != nil {
			t.Errorf("a token of another purpose: %v", err)
		}
		if _, err := s.UseToken(t.Context(), []byte("o1"), account.ResetPasswordToken, at(time.Minute)); err != nil {
			t.Errorf("another user's token: %v", err)
		}
	})

	t.Run("a token is used once, for its purpose, before it expires", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		u := MustCreateUser(t, s, "u@example.com")
		for _, tok := range []*account.OneTimeToken{
			{Hash: []byte("verify"), Purpose: account.VerifyEmailToken, UserID: u.ID, CreatedAt: t0, ExpiresAt: at(time.Hour)},
			{Hash: []byte("reset"), Purpose: account.ResetPasswordToken, UserID: u.ID, CreatedAt: t0, ExpiresAt: at(time.Hour)},
		} {
			if err := s.CreateToken(t.Context(), tok); err != nil {
				t.Fatal(err)
			}
		}
		_, err := s.UseToken(t.Context(), []byte("verify"), account.ResetPasswordToken, t0)
		wantKind(t, err, ladda.NotFound)
		_, err = s.UseToken(t.Context(), []byte("reset"), account.ResetPasswordToken, at(time.Hour)) // expires then
		wantKind(t, err, ladda.NotFound)
		_, err = s.UseToken(t.Context(), []byte("nope"), account.VerifyEmailToken, t0)
		wantKind(t, err, ladda.NotFound)

		got, err := s.UseToken(t.Context(), []byte("verify"), account.VerifyEmailToken, at(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Hash, []byte("verify")) || got.Purpose != account.VerifyEmailToken || got.UserID != u.ID {
			t.Errorf("used token %+v", got)
		}
		wantTime(t, "CreatedAt", got.CreatedAt, t0)
		wantTime(t, "ExpiresAt", got.ExpiresAt, at(time.Hour))
		wantTimePtr(t, "UsedAt", got.UsedAt, ptr(at(time.Minute)))
		_, err = s.UseToken(t.Context(), []byte("verify"), account.VerifyEmailToken, at(2*time.Minute))
		wantKind(t, err, ladda.NotFound)
		if _, err := s.UseToken(t.Context(), []byte("reset"), account.ResetPasswordToken, at(time.Hour-time.Microsecond)); err != nil {
			t.Errorf("a token just before it expires: %v", err)
		}

		wantKind(t, s.CreateToken(t.Context(), &account.OneTimeToken{Hash: []byte("verify"), Purpose: account.VerifyEmailToken, UserID: u.ID,
			CreatedAt: t0, ExpiresAt: at(time.Hour)}), ladda.Conflict)
		wantKind(t, s.CreateToken(t.Context(), &account.OneTimeToken{Hash: []byte("other"), Purpose: account.VerifyEmailToken, UserID: u.ID + 100,
			CreatedAt: t0, ExpiresAt: at(time.Hour)}), ladda.NotFound)
	})

	t.Run("of racing uses of a token, exactly one succeeds", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		u := MustCreateUser(t, s, "u@example.com")
		if err := s.CreateToken(t.Context(), &account.OneTimeToken{Hash: []byte("t"), Purpose: account.ResetPasswordToken, UserID: u.ID,
			CreatedAt: t0, ExpiresAt: at(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		var ok atomic.Int32
		parallel(t, 16, func(int) error {
			_, err := s.UseToken(t.Context(), []byte("t"), account.ResetPasswordToken, at(time.Minute))
			if err == nil {
				ok.Add(1)
				return nil
			}
			if ladda.IsKind(err, ladda.NotFound) {
				return nil
			}
			return err
		})
		if ok.Load() != 1 {
			t.Errorf("%d uses succeeded, want 1", ok.Load())
		}
	})
}

func testRecoveryCodes(t *testing.T, open func(t *testing.T) Store) {
	t.Run("recovery codes are replaced, listed unused and each used once", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		u, other := MustCreateUser(t, s, "u@example.com"), MustCreateUser(t, s, "o@example.com")
		codes := [][]byte{[]byte("c3"), []byte("c1"), {0xff}, []byte("c2"), []byte("c1")}
		if err := s.SetRecoveryCodes(t.Context(), u.ID, codes); err != nil {
			t.Fatal(err)
		}
		if err := s.SetRecoveryCodes(t.Context(), other.ID, [][]byte{[]byte("c1")}); err != nil {
			t.Fatal(err)
		}
		list := func(id int64) [][]byte {
			t.Helper()
			got, err := s.RecoveryCodes(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		want := [][]byte{[]byte("c1"), []byte("c2"), []byte("c3"), {0xff}}
		if got := list(u.ID); !slices.EqualFunc(got, want, bytes.Equal) {
			t.Errorf("codes %q, want %q", got, want)
		}
		if err := s.UseRecoveryCode(t.Context(), u.ID, []byte("c2"), t0); err != nil {
			t.Fatal(err)
		}
		wantKind(t, s.UseRecoveryCode(t.Context(), u.ID, []byte("c2"), t0), ladda.NotFound)
		wantKind(t, s.UseRecoveryCode(t.Context(), u.ID, []byte("c9"), t0), ladda.NotFound)
		wantKind(t, s.UseRecoveryCode(t.Context(), u.ID+100, []byte("c1"), t0), ladda.NotFound)
		if got, want := list(u.ID), [][]byte{[]byte("c1"), []byte("c3"), {0xff}}; !slices.EqualFunc(got, want, bytes.Equal) {
			t.Errorf("codes after one was used: %q, want %q", got, want)
		}
		if got := list(other.ID); len(got) != 1 {
			t.Errorf("the other user's codes: %q", got)
		}
		// New codes replace all, used ones included; nil deletes them.
		if err := s.SetRecoveryCodes(t.Context(), u.ID, [][]byte{[]byte("c2")}); err != nil {
			t.Fatal(err)
		}
		if got := list(u.ID); len(got) != 1 || string(got[0]) != "c2" {
			t.Errorf("codes after replacing: %q, want c2", got)
		}
		if err := s.UseRecoveryCode(t.Context(), u.ID, []byte("c2"), t0); err != nil {
			t.Errorf("a new code equal to a used old one: %v", err)
		}
		if err := s.SetRecoveryCodes(t.Context(), u.ID, nil); err != nil {
			t.Fatal(err)
		}
		if got := list(u.ID); len(got) != 0 {
			t.Errorf("codes after deleting: %q", got)
		}
		wantKind(t, s.SetRecoveryCodes(t.Context(), other.ID+100, [][]byte{[]byte("x")}), ladda.NotFound)
	})

	t.Run("of racing uses of a recovery code, exactly one succeeds", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		u := MustCreateUser(t, s, "u@example.com")
		if err := s.SetRecoveryCodes(t.Context(), u.ID, [][]byte{[]byte("code")}); err != nil {
			t.Fatal(err)
		}
		var ok atomic.Int32
		parallel(t, 16, func(int) error {
			err := s.UseRecoveryCode(t.Context(), u.ID, []byte("code"), t0)
			if err == nil {
				ok.Add(1)
				return nil
			}
			if ladda.IsKind(err, ladda.NotFound) {
				return nil
			}
			return err
		})
		if ok.Load() != 1 {
			t.Errorf("%d uses succeeded, want 1", ok.Load())
		}
	})
}
