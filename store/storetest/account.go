package storetest

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
)

// MustCreateAPIKey stores a key with the given name and hash.
func MustCreateAPIKey(tb testing.TB, s Store, name string, hash []byte) *account.APIKey {
	tb.Helper()
	k := &account.APIKey{Name: name, Prefix: "ladda_" + name, Hash: hash, Role: account.Admin, CreatedAt: t0}
	if err := s.CreateAPIKey(tb.Context(), k); err != nil {
		tb.Fatalf("CreateAPIKey(%s): %v", name, err)
	}
	return k
}

func testAPIKeys(t *testing.T, open func(t *testing.T) Store) {
	t.Run("a created key gets an ID and is found by its hash", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		k := &account.APIKey{Name: "ci", Prefix: "ladda_abcdef", Hash: []byte{0, 1, 2, 255}, Role: account.Admin, CreatedAt: t0, ExpiresAt: ptr(at(time.Hour))}
		if err := s.CreateAPIKey(t.Context(), k); err != nil {
			t.Fatal(err)
		}
		if k.ID <= 0 {
			t.Fatalf("ID = %d, want > 0", k.ID)
		}
		got, err := s.APIKeyByHash(t.Context(), []byte{0, 1, 2, 255})
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != k.ID || got.Name != "ci" || got.Prefix != "ladda_abcdef" || !bytes.Equal(got.Hash, k.Hash) || got.Role != account.Admin ||
			got.LastUsedAt != nil || got.RevokedAt != nil {
			t.Errorf("got %+v, want %+v", got, k)
		}
		wantTime(t, "CreatedAt", got.CreatedAt, t0)
		wantTimePtr(t, "ExpiresAt", got.ExpiresAt, k.ExpiresAt)
	})

	t.Run("a duplicate hash is a conflict, an unknown one is not found", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateAPIKey(t, s, "a", []byte("h1"))
		wantKind(t, s.CreateAPIKey(t.Context(), &account.APIKey{Name: "b", Prefix: "p", Hash: []byte("h1"), Role: account.Admin, CreatedAt: t0}), ladda.Conflict)
		_, err := s.APIKeyByHash(t.Context(), []byte("h2"))
		wantKind(t, err, ladda.NotFound)
	})

	t.Run("keys list oldest first", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		var want []int64
		for i := range 3 {
			want = append(want, MustCreateAPIKey(t, s, fmt.Sprint("k", i), []byte{byte(i)}).ID)
		}
		list, err := s.APIKeys(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 3 || list[0].ID != want[0] || list[1].ID != want[1] || list[2].ID != want[2] {
			t.Errorf("got %d keys, want IDs %v", len(list), want)
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
		list, err := s.APIKeys(t.Context())
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
