package vault

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
)

// Index returns the blind index of value for purpose under the primary key: the HMAC-SHA256
// of value with a key derived by HKDF-SHA256 from the primary key, with info "ladda index "
// followed by purpose. Indexes for different purposes or keys are unrelated. value must
// already be normalised by the caller.
func (k *Keyring) Index(purpose, value string) []byte {
	return k.keys[0].index(purpose, value)
}

// Indexes returns the blind index of value for purpose under every key, the primary first.
// During a key rotation, rows indexed under an older key are found by any of these.
func (k *Keyring) Indexes(purpose, value string) [][]byte {
	out := make([][]byte, len(k.keys))
	for i := range k.keys {
		out[i] = k.keys[i].index(purpose, value)
	}
	return out
}

func (key *key) index(purpose, value string) []byte {
	sub, err := hkdf.Key(sha256.New, key.secret, nil, "ladda index "+purpose, sha256.Size)
	if err != nil {
		// hkdf.Key fails only for an output longer than 255 hashes, or in FIPS 140-only mode
		// for a key shorter than 112 bits; neither happens here.
		panic("vault: deriving an index key: " + err.Error())
	}
	mac := hmac.New(sha256.New, sub)
	mac.Write([]byte(value))
	return mac.Sum(nil)
}
