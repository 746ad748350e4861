package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
)

// MustCreateAPIKey stores a key with the given name and hash.
func MustCreateAPIKey(tb testing.TB, s Store, name string, hash []byte) *account.APIKey {
	tb.Helper()
	k := &account.APIKey{Name: name, Prefix: "ladda_" + name, Hash: hash, Scopes: []account.Scope{account.ScopeAdmin}, CreatedAt: t0}
	if err := s.CreateAPIKey(tb.Context(), k); err != nil {
		tb.Fatalf("CreateAPIKey(%s): %v", name, err)
	}
	return k
}

func testAPIKeys(t *testing.T, open func(t *testing.T) Store) {
	t.Run("a created key gets an ID and is found by its hash", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		org := MustCreateOrg(t, s, "Fleet", account.FleetOrg)
		k := &account.APIKey{Name: "ci", Prefix: "ladda_abcdef", Hash: []byte{0, 1, 2, 255}, OrgID: org.ID,
			Scopes: []account.Scope{account.ScopeRead, account.ScopeBilling}, CreatedBy: 42, CreatedAt: t0, ExpiresAt: ptr(at(time.Hour))}
		if err := s.CreateAPIKey(t.Context(), k); err != nil {
			t.Fatal(err)
		}
		if k.ID <= 0 {
			t.Fatalf("ID = %d, want > 0", k.ID)
		}
		byHash, err := s.APIKeyByHash(t.Context(), []byte{0, 1, 2, 255})
		if err != nil {
			t.Fatal(err)
		}
		byID, err := s.APIKey(t.Context(), k.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, got := range []*account.APIKey{byHash, byID} {
			if got.ID != k.ID || got.Name != "ci" || got.Prefix != "ladda_abcdef" || !bytes.Equal(got.Hash, k.Hash) || got.OrgID != org.ID ||
				!slices.Equal(got.Scopes, k.Scopes) || got.CreatedBy != 42 || got.LastUsedAt != nil || got.RevokedAt != nil {
				t.Errorf("got %+v, want %+v", got, k)
			}
			wantTime(t, "CreatedAt", got.CreatedAt, t0)
			wantTimePtr(t, "ExpiresAt", got.ExpiresAt, k.ExpiresAt)
		}
		_, err = s.APIKey(t.Context(), k.ID+100)
		wantKind(t, err, ladda.NotFound)
	})

	t.Run("a system key has no organisation; a key of an unknown organisation is not found", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		k := MustCreateAPIKey(t, s, "system", []byte("h"))
		if got, err := s.APIKey(t.Context(), k.ID); err != nil || got.OrgID != 0 || !slices.Equal(got.Scopes, []account.Scope{account.ScopeAdmin}) || got.CreatedBy != 0 {
			t.Errorf("got %+v, %v; want no organisation, scope admin, made by 0", got, err)
		}
		err := s.CreateAPIKey(t.Context(), &account.APIKey{Name: "x", Prefix: "p", Hash: []byte("h2"), OrgID: 999, Scopes: []account.Scope{account.ScopeRead}, CreatedAt: t0})
		wantKind(t, err, ladda.NotFound)
		if _, err := s.APIKeyByHash(t.Context(), []byte("h2")); !ladda.IsKind(err, ladda.NotFound) {
			t.Errorf("the refused key was stored: %v", err)
		}
	})

	t.Run("a duplicate hash is a conflict, an unknown one is not found", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateAPIKey(t, s, "a", []byte("h1"))
		wantKind(t, s.CreateAPIKey(t.Context(), &account.APIKey{Name: "b", Prefix: "p", Hash: []byte("h1"), Scopes: []account.Scope{account.ScopeAdmin}, CreatedAt: t0}), ladda.Conflict)
		_, err := s.APIKeyByHash(t.Context(), []byte("h2"))
		wantKind(t, err, ladda.NotFound)
	})

	t.Run("keys list oldest first, all or of one organisation", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a, b := MustCreateOrg(t, s, "A", account.OperatorOrg), MustCreateOrg(t, s, "B", account.FleetOrg)
		var all []int64
		ofOrg := map[int64][]int64{}
		for i, org := range []int64{0, a.ID, b.ID, a.ID, 0} {
			k := &account.APIKey{Name: fmt.Sprint("k", i), Prefix: "p", Hash: []byte{byte(i)}, OrgID: org, Scopes: []account.Scope{account.ScopeRead}, CreatedAt: t0}
			if err := s.CreateAPIKey(t.Context(), k); err != nil {
				t.Fatal(err)
			}
			all = append(all, k.ID)
			ofOrg[org] = append(ofOrg[org], k.ID)
		}
		for _, tt := range []struct {
			org  int64
			want []int64
		}{{0, all}, {a.ID, ofOrg[a.ID]}, {b.ID, ofOrg[b.ID]}, {b.ID + 100, nil}} {
			list, err := s.APIKeys(t.Context(), tt.org)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, k := range list {
				got = append(got, k.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("APIKeys(%d) = %v, want %v", tt.org, got, tt.want)
			}
		}
	})

	t.Run("revoking keeps the first revocation; an unknown key is not found", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		k := MustCreateAPIKey(t, s, "a", []byte("h"))
		for _, when := range []time.Time{at(time.Hour), at(2 * time.Hour)} {
			if err := s.RevokeAPIKey(t.Context(), k.ID, when); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.APIKeyByHash(t.Context(), []byte("h"))
		if err != nil {
			t.Fatal(err)
		}
		wantTimePtr(t, "RevokedAt", got.RevokedAt, ptr(at(time.Hour)))
		wantKind(t, s.RevokeAPIKey(t.Context(), k.ID+100, t0), ladda.NotFound)
	})

	t.Run("the keys a user made are revoked together, once", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		u := MustCreateUser(t, s, "maker@example.com")
		var keys []*account.APIKey
		for i, by := range []int64{u.ID, u.ID, 0} {
			k := &account.APIKey{Name: "k", Prefix: "p", Hash: []byte{byte(i)}, Scopes: []account.Scope{account.ScopeAdmin}, CreatedBy: by, CreatedAt: t0}
			if err := s.CreateAPIKey(t.Context(), k); err != nil {
				t.Fatal(err)
			}
			keys = append(keys, k)
		}
		if err := s.RevokeAPIKey(t.Context(), keys[1].ID, t0); err != nil {
			t.Fatal(err)
		}
		n, err := s.RevokeKeysBy(t.Context(), u.ID, at(time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("RevokeKeysBy = %d, %v; want the one still valid", n, err)
		}
		for i, want := range []*time.Time{ptr(at(time.Hour)), ptr(t0), nil} {
			got, err := s.APIKey(t.Context(), keys[i].ID)
			if err != nil {
				t.Fatal(err)
			}
			if (got.RevokedAt == nil) != (want == nil) || want != nil && !got.RevokedAt.Equal(*want) {
				t.Errorf("key %d revoked at %v, want %v", i, got.RevokedAt, want)
			}
		}
	})

	t.Run("touch moves last use forward only and skips unknown keys", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := MustCreateAPIKey(t, s, "a", []byte("a"))
		b := MustCreateAPIKey(t, s, "b", []byte("b"))
		if err := s.TouchAPIKeys(t.Context(), map[int64]time.Time{a.ID: at(time.Hour), b.ID: at(time.Minute), b.ID + 100: t0}); err != nil {
			t.Fatal(err)
		}
		if err := s.TouchAPIKeys(t.Context(), map[int64]time.Time{a.ID: at(time.Minute), b.ID: at(2 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
		list, err := s.APIKeys(t.Context(), 0)
		if err != nil {
			t.Fatal(err)
		}
		wantTimePtr(t, "a.LastUsedAt", list[0].LastUsedAt, ptr(at(time.Hour)))
		wantTimePtr(t, "b.LastUsedAt", list[1].LastUsedAt, ptr(at(2*time.Minute)))
	})
}

func testSecrets(t *testing.T, open func(t *testing.T) Store) {
	t.Run("a secret is created once and then returned", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a, err := s.Secret(t.Context(), "pepper", 32)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Secret(t.Context(), "pepper", 32)
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.Secret(t.Context(), "other", 32)
		if err != nil {
			t.Fatal(err)
		}
		if len(a) != 32 || !bytes.Equal(a, b) || bytes.Equal(a, c) || bytes.Equal(a, make([]byte, 32)) {
			t.Errorf("secrets %x %x %x: want two equal and one different, random", a, b, c)
		}
	})

	t.Run("racing callers get the same secret", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		const n = 20
		got := make(chan []byte, n)
		parallel(t, n, func(int) error {
			v, err := s.Secret(t.Context(), "race", 16)
			got <- v
			return err
		})
		first := <-got
		for range n - 1 {
			if v := <-got; !bytes.Equal(v, first) {
				t.Fatalf("secrets differ: %x and %x", first, v)
			}
		}
	})

	t.Run("a secret of another size is a conflict; bad arguments are invalid", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		if _, err := s.Secret(t.Context(), "k", 16); err != nil {
			t.Fatal(err)
		}
		_, err := s.Secret(t.Context(), "k", 32)
		wantKind(t, err, ladda.Conflict)
		_, err = s.Secret(t.Context(), "", 16)
		wantKind(t, err, ladda.Invalid)
		_, err = s.Secret(t.Context(), "z", 0)
		wantKind(t, err, ladda.Invalid)
	})
}
