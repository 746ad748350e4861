package account_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/store/sqlite"
)

func newService(t *testing.T, clock ladda.Clock) *account.Service {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "a.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return account.NewService(db, clock)
}

func TestAPIKeyLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := ladda.NewManualClock(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	s := newService(t, clock)

	k, secret, err := s.CreateAPIKey(ctx, "ops", account.Admin)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, account.KeyPrefix) || !strings.HasPrefix(secret, k.Prefix) || len(secret) < 30 {
		t.Fatalf("secret %q / prefix %q", secret, k.Prefix)
	}
	got, err := s.Authenticate(ctx, secret)
	if err != nil || got.ID != k.ID || got.Role != account.Admin {
		t.Fatalf("Authenticate = %+v, %v", got, err)
	}
	for _, bad := range []string{"", "ladda_", secret + "x", strings.ToUpper(secret), "Bearer " + secret} {
		if _, err := s.Authenticate(ctx, bad); !ladda.IsKind(err, ladda.Unauthorized) {
			t.Errorf("Authenticate(%q) = %v, want unauthorized", bad, err)
		}
	}

	clock.Advance(time.Minute)
	if _, err := s.Authenticate(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	keys, err := s.APIKeys(ctx)
	if err != nil || len(keys) != 1 {
		t.Fatalf("APIKeys = %v, %v", keys, err)
	}
	if keys[0].LastUsedAt == nil || !keys[0].LastUsedAt.Equal(clock.Now()) {
		t.Fatalf("LastUsedAt = %v, want %v", keys[0].LastUsedAt, clock.Now())
	}
	if len(keys[0].Hash) == 0 || strings.Contains(string(keys[0].Hash), secret) {
		t.Fatal("stored key holds no hash, or the secret itself")
	}

	if err := s.RevokeAPIKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, secret); !ladda.IsKind(err, ladda.Unauthorized) {
		t.Fatalf("revoked key: %v, want unauthorized", err)
	}
}

func TestCreateAPIKeyValidates(t *testing.T) {
	t.Parallel()
	s := newService(t, nil)
	for _, tc := range []struct {
		name string
		role account.Role
	}{{"", account.Admin}, {"   ", account.Admin}, {strings.Repeat("n", 101), account.Admin}, {"ops", "emperor"}} {
		if _, _, err := s.CreateAPIKey(context.Background(), tc.name, tc.role); !ladda.IsKind(err, ladda.Invalid) {
			t.Errorf("CreateAPIKey(%q, %q) = %v, want invalid", tc.name, tc.role, err)
		}
	}
}
