// Package account holds the identities that use Ladda: users with roles in organisations, their
// sessions and second factors, API keys with scopes, the audit log, and the notifications users
// ask for. Secrets are never stored, only their hashes; personal data is encrypted by the store.
package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"slices"
	"strings"
	"time"

	"github.com/ladda-csms/ladda"
)

// APIKey is a bearer credential for the HTTP API.
//
// Rules: the key itself is shown once, at creation; only its SHA-256 is stored (keys carry 160
// bits of randomness, so a fast hash is safe). Prefix, the first characters, identifies a key
// in lists without revealing it. A revoked or expired key authenticates nobody.
//
// A key belongs to an organisation and acts within it, with its scopes; a key without an
// organisation and with scope admin is a system key that may do everything (the `ladda apikey`
// command makes those).
type APIKey struct {
	ID         int64
	Name       string
	Prefix     string
	Hash       []byte
	OrgID      int64
	Scopes     []Scope
	CreatedBy  int64 // the user who made it; 0 for the command line
	CreatedAt  time.Time
	LastUsedAt *time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
}

// KeyStore keeps API keys. Errors are *ladda.Error; NotFound for an unknown key.
type KeyStore interface {
	// CreateAPIKey stores k and assigns k.ID.
	CreateAPIKey(ctx context.Context, k *APIKey) error
	// APIKeyByHash finds a key by the hash of its secret.
	APIKeyByHash(ctx context.Context, hash []byte) (*APIKey, error)
	// APIKeys lists the keys of an organisation (orgID 0: all keys), oldest first.
	APIKeys(ctx context.Context, orgID int64) ([]*APIKey, error)
	// APIKey finds a key by ID.
	APIKey(ctx context.Context, id int64) (*APIKey, error)
	// RevokeAPIKey marks a key revoked at time at.
	RevokeAPIKey(ctx context.Context, id int64, at time.Time) error
	// TouchAPIKeys moves LastUsedAt forward for many keys in one write.
	TouchAPIKeys(ctx context.Context, used map[int64]time.Time) error
	// RevokeKeysBy revokes, at at, every key user userID made that is not revoked yet, and
	// returns how many.
	RevokeKeysBy(ctx context.Context, userID int64, at time.Time) (int64, error)
}

// KeyPrefix starts every Ladda API key, so that leaked keys are easy to recognise in scanners.
const KeyPrefix = "ladda_"

// KeySpec describes a new API key.
type KeySpec struct {
	Name      string
	OrgID     int64 // 0: a system key (then Scopes must be admin)
	Scopes    []Scope
	CreatedBy int64      // the user creating it; 0 for the command line
	ExpiresAt *time.Time // nil: never
}

// CreateAPIKey makes a new key and returns it with its secret, which is shown only this once.
// Errors: Invalid for a bad name, unknown or missing scopes, or an expiry in the past.
func (s *Service) CreateAPIKey(ctx context.Context, spec KeySpec) (*APIKey, string, error) {
	const op = "account.CreateAPIKey"
	name := strings.TrimSpace(spec.Name)
	if name == "" || len(name) > 100 {
		return nil, "", ladda.Errorf(ladda.Invalid, op, "name must be 1 to 100 characters")
	}
	scopes, err := normaliseScopes(spec.Scopes)
	if err != nil {
		return nil, "", ladda.Wrap(op, err)
	}
	if spec.OrgID == 0 && !slices.Equal(scopes, []Scope{ScopeAdmin}) {
		return nil, "", ladda.Errorf(ladda.Invalid, op, "a key without an organisation is a system key: its only scope is admin")
	}
	now := s.clock.Now()
	if spec.ExpiresAt != nil && !spec.ExpiresAt.After(now) {
		return nil, "", ladda.Errorf(ladda.Invalid, op, "expiresAt must be in the future")
	}
	raw := make([]byte, 20)
	if _, err := rand.Read(raw); err != nil {
		return nil, "", ladda.Wrap(op, err)
	}
	secret := KeyPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw))
	k := &APIKey{Name: name, Prefix: secret[:len(KeyPrefix)+6], Hash: hashKey(secret), OrgID: spec.OrgID, Scopes: scopes,
		CreatedBy: spec.CreatedBy, CreatedAt: now, ExpiresAt: spec.ExpiresAt}
	if err := s.store.CreateAPIKey(ctx, k); err != nil {
		return nil, "", ladda.Wrap(op, err)
	}
	return k, secret, nil
}

// normaliseScopes checks scopes and returns them in the order of Scopes, without repeats.
func normaliseScopes(in []Scope) ([]Scope, error) {
	if len(in) == 0 {
		return nil, ladda.Errorf(ladda.Invalid, "", "a key needs at least one scope (read, operate, billing, admin)")
	}
	for _, sc := range in {
		if !slices.Contains(Scopes, sc) {
			return nil, ladda.Errorf(ladda.Invalid, "", "unknown scope %q (read, operate, billing, admin)", sc)
		}
	}
	var out []Scope
	for _, sc := range Scopes {
		if slices.Contains(in, sc) {
			out = append(out, sc)
		}
	}
	return out, nil
}

func hashKey(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// AuthenticateKey returns the key for secret. Errors: Unauthorized for an unknown, revoked or
// expired key (one message for all, so callers learn nothing about which).
func (s *Service) AuthenticateKey(ctx context.Context, secret string) (*APIKey, error) {
	const op = "account.AuthenticateKey"
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

// APIKey returns one key (without its secret).
func (s *Service) APIKey(ctx context.Context, id int64) (*APIKey, error) {
	k, err := s.store.APIKey(ctx, id)
	return k, ladda.Wrap("account.APIKey", err)
}

// APIKeys lists the keys of an organisation, or all keys for orgID 0 (without secrets).
func (s *Service) APIKeys(ctx context.Context, orgID int64) ([]*APIKey, error) {
	keys, err := s.store.APIKeys(ctx, orgID)
	return keys, ladda.Wrap("account.APIKeys", err)
}

// RevokeAPIKey revokes a key.
func (s *Service) RevokeAPIKey(ctx context.Context, id int64) error {
	return ladda.Wrap("account.RevokeAPIKey", s.store.RevokeAPIKey(ctx, id, s.clock.Now()))
}
