// Package vault encrypts personal data and payment references before they are stored, and
// makes blind indexes so that encrypted values can still be looked up.
//
// Rules:
//
//   - A Keyring holds named 256-bit keys. The first, the primary key, encrypts; every key
//     decrypts. To rotate, put a new key first and keep the old ones until everything sealed
//     with them has been sealed again (NeedsRotation finds those values).
//   - Seal uses AES-256-GCM with a random nonce, so sealing one value twice gives different
//     bytes. A sealed value names its key and is bound to additional data that says where it
//     belongs, such as "users.email:42": opened with other additional data it fails, so a
//     value cannot be moved to another row or column.
//   - Opening data that is truncated, tampered with, sealed with an unknown key or for another
//     place fails with an error of kind Internal; it never panics.
//   - A blind index is an HMAC-SHA256 of a value under a key derived from a Keyring key and a
//     purpose, such as "users.email". Equal values give equal indexes, so a store can look
//     them up without decrypting, but the index reveals nothing else. Callers normalise the
//     value (for example, lowercase an email address) before indexing.
//   - Keys never appear in errors, logs or formatted output.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"strings"

	"github.com/ladda-csms/ladda"
)

// KeySize is the size of every key in bytes.
const KeySize = 32

// maxIDLen is the longest key id.
const maxIDLen = 16

// Keyring is a list of named keys; the first is the primary key. It is made by ParseKeyring
// or LoadOrCreate, and is safe for concurrent use.
type Keyring struct {
	keys []key // primary first
}

type key struct {
	id     string
	secret []byte
	aead   cipher.AEAD
}

// ParseKeyring parses a keyring written as "id1:key1,id2:key2", the primary key first. An id
// is 1 to 16 characters of a–z, 0–9 and "-"; a key is 32 bytes in base64, standard or
// URL-safe, with or without padding. Space around entries is ignored. Errors are of kind
// Invalid and name the entry and the problem, never the key.
func ParseKeyring(s string) (*Keyring, error) {
	const op = "vault.ParseKeyring"
	if strings.TrimSpace(s) == "" {
		return nil, ladda.Errorf(ladda.Invalid, op, "keyring is empty")
	}
	var k Keyring
	for i, entry := range strings.Split(s, ",") {
		id, encoded, ok := strings.Cut(strings.TrimSpace(entry), ":")
		if !ok {
			return nil, ladda.Errorf(ladda.Invalid, op, "keyring entry %d is not id:key", i+1)
		}
		if !validID(id) {
			return nil, ladda.Errorf(ladda.Invalid, op, "keyring entry %d: key id must be 1 to %d characters of a-z, 0-9 and -", i+1, maxIDLen)
		}
		if k.find(id) != nil {
			return nil, ladda.Errorf(ladda.Invalid, op, "keyring entry %d: key id %q appears twice", i+1, id)
		}
		secret, ok := decodeKey(encoded)
		if !ok {
			return nil, ladda.Errorf(ladda.Invalid, op, "keyring entry %d (key %q): key must be %d bytes in base64", i+1, id, KeySize)
		}
		block, err := aes.NewCipher(secret)
		if err != nil {
			return nil, ladda.Wrap(op, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, ladda.Wrap(op, err)
		}
		k.keys = append(k.keys, key{id: id, secret: secret, aead: aead})
	}
	return &k, nil
}

// validID reports whether id is a valid key id.
func validID(id string) bool {
	if len(id) < 1 || len(id) > maxIDLen {
		return false
	}
	for _, c := range []byte(id) {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// decodeKey decodes a key in any of the base64 encodings ParseKeyring accepts.
func decodeKey(s string) ([]byte, bool) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.Strict().DecodeString(s); err == nil && len(b) == KeySize {
			return b, true
		}
	}
	return nil, false
}

// find returns the key with the given id, or nil.
func (k *Keyring) find(id string) *key {
	for i := range k.keys {
		if k.keys[i].id == id {
			return &k.keys[i]
		}
	}
	return nil
}

// Primary returns the id of the primary key, the one Seal uses.
func (k *Keyring) Primary() string { return k.keys[0].id }

// IDs returns the ids of all keys, the primary first.
func (k *Keyring) IDs() []string {
	ids := make([]string, len(k.keys))
	for i := range k.keys {
		ids[i] = k.keys[i].id
	}
	return ids
}

// String returns the key ids, never the keys.
func (k *Keyring) String() string { return "vault.Keyring[" + strings.Join(k.IDs(), ",") + "]" }

// GoString is String, so that %#v does not print the keys either.
func (k *Keyring) GoString() string { return k.String() }
