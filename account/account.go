// Package account holds the identities that use Ladda's API: for now API keys, later users,
// roles, sessions and the audit log. Secrets are never stored, only their hashes.
package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"strings"
	"sync"
	"time"

	"github.com/ladda-csms/ladda"
)

// Role is what an identity may do.
type Role string

// The roles. Only Admin exists for API keys today; the accounts issue adds the rest.
const (
	Admin Role = "admin"
)

// APIKey is a bearer credential for the HTTP API.
//
// Rules: the key itself is shown once, at creation; only its SHA-256 is stored (keys carry 160
// bits of randomness, so a fast hash is safe). Prefix, the first characters, identifies a key
// in lists without revealing it. A revoked or expired key authenticates nobody.
type APIKey struct {
	ID         int64
	Name       string
	Prefix     string
	Hash       []byte
	Role       Role
	CreatedAt  time.Time
	LastUsedAt *time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
}

// Store keeps API keys. Errors are *ladda.Error; NotFound for an unknown key.
type Store interface {
	// CreateAPIKey stores k and assigns k.ID.
	CreateAPIKey(ctx context.Context, k *APIKey) error
	// APIKeyByHash finds a key by the hash of its secret.
	APIKeyByHash(ctx context.Context, hash []byte) (*APIKey, error)
	// APIKeys lists all keys, oldest first.
	APIKeys(ctx context.Context) ([]*APIKey, error)
	// RevokeAPIKey marks a key revoked at time at.
	RevokeAPIKey(ctx context.Context, id int64, at time.Time) error
	// TouchAPIKeys moves LastUsedAt forward for many keys in one write.
	TouchAPIKeys(ctx context.Context, used map[int64]time.Time) error
}

// KeyPrefix starts every Ladda API key, so that leaked keys are easy to recognise in scanners.
const KeyPrefix = "ladda_"

// Service manages API keys.
type Service struct {
	store Store
	clock ladda.Clock

	mu   sync.Mutex
	used map[int64]time.Time
}

// NewService returns a Service over store; clock may be nil.
func NewService(store Store, clock ladda.Clock) *Service {
	if clock == nil {
		clock = ladda.SystemClock{}
	}
	return &Service{store: store, clock: clock, used: map[int64]time.Time{}}
}

// CreateAPIKey makes a new key and returns it with its secret, which is shown only this once.
func (s *Service) CreateAPIKey(ctx context.Context, name string, role Role) (*APIKey, string, error) {
	const op = "account.CreateAPIKey"
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return nil, "", ladda.Errorf(ladda.Invalid, op, "name must be 1 to 100 characters")
	}
	if role == "" {
		role = Admin
	}
	if role != Admin {
		return nil, "", ladda.Errorf(ladda.Invalid, op, "unknown role %q", role)
	}
	raw := make([]byte, 20)
	if _, err := rand.Read(raw); err != nil {
		return nil, "", ladda.Wrap(op, err)
	}
	secret := KeyPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw))
	k := &APIKey{Name: name, Prefix: secret[:len(KeyPrefix)+6], Hash: hashKey(secret), Role: role, CreatedAt: s.clock.Now()}
	if err := s.store.CreateAPIKey(ctx, k); err != nil {
		return nil, "", ladda.Wrap(op, err)
	}
	return k, secret, nil
}

func hashKey(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// Authenticate returns the key for secret. Errors: Unauthorized for an unknown, revoked or
// expired key (one message for all, so callers learn nothing about which).
func (s *Service) Authenticate(ctx context.Context, secret string) (*APIKey, error) {
	const op = "account.Authenticate"
	refused := ladda.Errorf(ladda.Unauthorized, op, "invalid API key")
	if !strings.HasPrefix(secret, KeyPrefix) || len(secret) > 100 {
		return nil, refused
	}
	k, err := s.store.APIKeyByHash(ctx, hashKey(secret))
	if ladda.IsKind(err, ladda.NotFound) {
		return nil, refused
	}
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	now := s.clock.Now()
	if k.RevokedAt != nil || (k.ExpiresAt != nil && !now.Before(*k.ExpiresAt)) {
		return nil, refused
	}
	s.mu.Lock()
	s.used[k.ID] = now
	s.mu.Unlock()
	return k, nil
}

// Flush writes the last-used times noted by Authenticate.
func (s *Service) Flush(ctx context.Context) error {
	s.mu.Lock()
	batch := s.used
	s.used = map[int64]time.Time{}
	s.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	return ladda.Wrap("account.Flush", s.store.TouchAPIKeys(ctx, batch))
}

// APIKeys lists all keys (without secrets).
func (s *Service) APIKeys(ctx context.Context) ([]*APIKey, error) {
	keys, err := s.store.APIKeys(ctx)
	return keys, ladda.Wrap("account.APIKeys", err)
}

// RevokeAPIKey revokes a key.
func (s *Service) RevokeAPIKey(ctx context.Context, id int64) error {
	return ladda.Wrap("account.RevokeAPIKey", s.store.RevokeAPIKey(ctx, id, s.clock.Now()))
}
