package vault

import (
	"crypto/rand"

	"github.com/ladda-csms/ladda"
)

// The layout of a sealed value: version, the length of the key id, the key id, the nonce, and
// the AES-GCM ciphertext with its 16-byte tag. The header (version, length and id) is part of
// the additional data, so it cannot be changed either.
const (
	version   = 1
	nonceSize = 12
	tagSize   = 16
)

// Seal encrypts plaintext with the primary key, bound to aad, which says where the value
// belongs (such as "users.email:42"). The result is about 30 bytes longer than plaintext.
func (k *Keyring) Seal(plaintext, aad []byte) []byte {
	p := &k.keys[0]
	hdr := 2 + len(p.id)
	out := make([]byte, hdr+nonceSize, hdr+nonceSize+len(plaintext)+tagSize)
	out[0] = version
	out[1] = byte(len(p.id))
	copy(out[2:], p.id)
	nonce := out[hdr:]
	rand.Read(nonce)
	return p.aead.Seal(out, nonce, plaintext, additional(out[:hdr], aad))
}

// Open decrypts a value made by Seal with any key of the keyring and the same aad. Errors,
// all of kind Internal: the value is truncated or of an unknown version, its key is not in the
// keyring, or it does not authenticate (tampered with, or aad differs).
func (k *Keyring) Open(sealed, aad []byte) ([]byte, error) {
	const op = "vault.Open"
	if len(sealed) > 0 && sealed[0] != version {
		return nil, ladda.Errorf(ladda.Internal, op, "sealed value has unknown version %d", sealed[0])
	}
	id, rest, ok := header(sealed)
	if !ok {
		return nil, ladda.Errorf(ladda.Internal, op, "sealed value is truncated")
	}
	kk := k.find(id)
	if kk == nil {
		return nil, ladda.Errorf(ladda.Internal, op, "sealed with key %q, which is not in the keyring", id)
	}
	if len(rest) < nonceSize+tagSize {
		return nil, ladda.Errorf(ladda.Internal, op, "sealed value is truncated")
	}
	hdr := sealed[:len(sealed)-len(rest)]
	plaintext, err := kk.aead.Open(nil, rest[:nonceSize], rest[nonceSize:], additional(hdr, aad))
	if err != nil {
		return nil, &ladda.Error{Kind: ladda.Internal, Op: op, Message: "sealed value does not authenticate: tampered with or opened in the wrong place", Err: err}
	}
	return plaintext, nil
}

// NeedsRotation reports whether sealed was not sealed with the primary key, so it should be
// opened and sealed again. It is true for values that are not sealed values at all: Open
// then reports what is wrong.
func (k *Keyring) NeedsRotation(sealed []byte) bool {
	id, _, ok := header(sealed)
	return !ok || id != k.Primary()
}

// header splits a sealed value into its key id and the rest (nonce and ciphertext).
func header(sealed []byte) (id string, rest []byte, ok bool) {
	if len(sealed) < 2 || sealed[0] != version {
		return "", nil, false
	}
	n := 2 + int(sealed[1])
	if len(sealed) < n {
		return "", nil, false
	}
	return string(sealed[2:n]), sealed[n:], true
}

// additional returns the additional data to authenticate: the header, then aad. The header
// states its own length, so the two cannot be confused.
func additional(hdr, aad []byte) []byte {
	return append(append(make([]byte, 0, len(hdr)+len(aad)), hdr...), aad...)
}
