package sqldb

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/ladda-csms/ladda/vault"
)

// Sealer encrypts personal data at rest; vault.Keyring implements it.
//
// The store seals users.email, users.name, users.totp_secret and webhooks.secret, each bound
// to its column as additional data ("users.email", …), and keeps users.email_index, the blind
// index of the normalised email under purpose "email": Index under the primary key when it
// writes, any of Indexes when it looks up, so that rows written before a key rotation are
// still found. Throttles are kept under the blind index of their key (purpose "throttle",
// primary key only: a rotation forgets the failures counted before it). Billing seals
// invoices.body, billing_details.body, payments.body and payment_accounts.body the same way, and
// keeps payments.ref_index, the blind index of a payment's gateway reference under purpose
// "payment-ref", written and looked up as the email's is.
type Sealer interface {
	Seal(plaintext, aad []byte) []byte
	Open(sealed, aad []byte) ([]byte, error)
	Index(purpose, value string) []byte     // blind index under the primary key
	Indexes(purpose, value string) [][]byte // under every key, primary first
}

// The additional data of the sealed columns.
var (
	aadEmail      = []byte("users.email")
	aadName       = []byte("users.name")
	aadTOTPSecret = []byte("users.totp_secret")
	aadWebhook    = []byte("webhooks.secret")
	aadPayload    = []byte("deliveries.payload")
)

// The purposes of the blind indexes.
const (
	emailPurpose    = "email"
	throttlePurpose = "throttle"
)

// ephemeralKeyring returns a keyring of one random key, for a DB given no Sealer.
func ephemeralKeyring() (*vault.Keyring, error) {
	key := make([]byte, vault.KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("sqldb: making a key: %w", err)
	}
	return vault.ParseKeyring("ephemeral:" + base64.StdEncoding.EncodeToString(key))
}

// normEmail is the form of an email whose blind index is stored: trimmed and lowercased, as
// account.User says emails are kept. Callers normalise already; doing it again here keeps
// emails unique even for one that did not.
func normEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// sealText seals s for the column aad; an empty s is stored as NULL.
func (db *DB) sealText(s string, aad []byte) any {
	if s == "" {
		return nil
	}
	return db.seal.Seal([]byte(s), aad)
}

// openText opens a value sealed by sealText; NULL (or empty) is "".
func (db *DB) openText(sealed []byte, aad []byte) (string, error) {
	if len(sealed) == 0 {
		return "", nil
	}
	b, err := db.seal.Open(sealed, aad)
	if err != nil {
		return "", fmt.Errorf("opening %s: %w", aad, err)
	}
	return string(b), nil
}
