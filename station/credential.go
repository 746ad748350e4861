package station

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// Credential is the stored form of a station's password: a random salt and
// HMAC-SHA-256(pepper, salt || password). Station passwords are high-entropy machine secrets
// (16–40 characters, OCPP 2.0.1 A00.FR.304), so a fast keyed hash is enough and lets thousands of
// reconnecting stations authenticate in microseconds; the pepper, kept outside the database,
// means a stolen database alone does not allow offline guessing. People's passwords use a slow
// hash instead (package account).
type Credential struct {
	Salt []byte
	Hash []byte
}

// IsZero reports whether no password is set.
func (c Credential) IsZero() bool { return len(c.Hash) == 0 }

// Password length limits. OCPP 2.0.1 stations take 16 to 40 characters (BasicAuthPassword);
// OCPP 1.6 sets no rule, and installed 1.6 stations often carry shorter keys, so Ladda accepts
// from 8 characters. Passwords Ladda generates are always 40 characters.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 40
)

// NewCredential hashes password with a fresh salt.
func NewCredential(pepper []byte, password string) Credential {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		panic("station: no randomness: " + err.Error())
	}
	return Credential{Salt: salt, Hash: keyedHash(pepper, salt, password)}
}

// Verify reports whether password matches, in constant time.
func (c Credential) Verify(pepper []byte, password string) bool {
	if c.IsZero() {
		return false
	}
	return hmac.Equal(c.Hash, keyedHash(pepper, c.Salt, password))
}

func keyedHash(pepper, salt []byte, password string) []byte {
	m := hmac.New(sha256.New, pepper)
	m.Write(salt)
	m.Write([]byte(password))
	return m.Sum(nil)
}

// GeneratePassword returns a new random password of MaxPasswordLen characters drawn from the
// characters OCPP 2.0.1 allows in passwords (letters, digits; base64url without padding).
func GeneratePassword() string {
	b := make([]byte, 30) // 30 bytes → 40 base64 characters, 240 bits
	if _, err := rand.Read(b); err != nil {
		panic("station: no randomness: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
