package account_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/account/password"
	"github.com/ladda-csms/ladda/store/sqlite"
)

// BenchmarkLogin signs in with the production argon2id parameters from as many goroutines as
// there are cores: one sign-in costs one hash, so this is the rate one node sustains.
func BenchmarkLogin(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "a.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	s := account.NewService(db, account.Options{Hasher: password.NewHasher(password.DefaultParams, 0)})
	if _, err := s.BootstrapAdmin(ctx, "root@example.org", "Root", goodPassword); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Login(ctx, account.LoginRequest{Email: "root@example.org", Password: goodPassword, Kind: account.TokenSession}, meta); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkAuthenticate checks a session token, as every request with one does.
func BenchmarkAuthenticate(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "a.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	s := account.NewService(db, account.Options{Hasher: testHasher})
	if _, err := s.BootstrapAdmin(ctx, "root@example.org", "Root", goodPassword); err != nil {
		b.Fatal(err)
	}
	l, err := s.Login(ctx, account.LoginRequest{Email: "root@example.org", Password: goodPassword, Kind: account.TokenSession}, meta)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Authenticate(ctx, l.Secret, account.TokenSession); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
