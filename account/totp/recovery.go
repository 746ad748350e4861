package totp

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"strings"

	"github.com/ladda-csms/ladda"
)

// alphabet is Crockford's base32 in lower case: digits and letters without i, l, o and u, so
// that no two characters are easily confused.
const alphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// The shape of a recovery code: groups of groupLen characters joined by dashes.
const (
	codeLen  = 12 // characters of 5 bits: 60 bits
	groupLen = 4
)

// MaxRecoveryCodes bounds how many codes RecoveryCodes makes at once.
const MaxRecoveryCodes = 100

// RecoveryCodes returns n new random recovery codes, all different, formatted for people
// ("abcd-efgh-jkmn"), and the hashes to store, hashes[i] being HashRecoveryCode(codes[i]).
// Show the codes once; store only the hashes. Errors: kind Invalid unless 1 ≤ n ≤
// MaxRecoveryCodes.
func RecoveryCodes(n int) (codes []string, hashes [][]byte, err error) {
	if n < 1 || n > MaxRecoveryCodes {
		return nil, nil, ladda.Errorf(ladda.Invalid, "totp.RecoveryCodes", "number of recovery codes must be between 1 and %d", MaxRecoveryCodes)
	}
	seen := make(map[string]bool, n)
	for len(codes) < n {
		c := newRecoveryCode()
		if seen[c] {
			continue // one chance in 2^60 per pair; cheap to rule out
		}
		seen[c] = true
		codes = append(codes, c)
		hashes = append(hashes, HashRecoveryCode(c))
	}
	return codes, hashes, nil
}

// newRecoveryCode returns a code of codeLen random characters in groups.
func newRecoveryCode() string {
	var b [8]byte
	rand.Read(b[:])
	bits := binary.BigEndian.Uint64(b[:])
	var sb strings.Builder
	for i := range codeLen {
		if i > 0 && i%groupLen == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(alphabet[bits&31])
		bits >>= 5
	}
	return sb.String()
}

// normalise returns code as HashRecoveryCode hashes it: lowercased, without
// dashes, spaces and other white space, and with i and l read as 1 and o as 0 (Crockford's
// rule for characters that are not in the alphabet).
func normalise(code string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', ' ', '\t', '\n', '\r':
			return -1
		case 'i', 'I', 'l', 'L':
			return '1'
		case 'o', 'O':
			return '0'
		}
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, code)
}

// HashRecoveryCode returns the SHA-256 of the normalised code (see the package documentation),
// the form in which recovery codes are stored.
func HashRecoveryCode(code string) []byte {
	sum := sha256.Sum256([]byte(normalise(code)))
	return sum[:]
}

// MatchRecoveryCode returns the index of the hash in hashes that code, as typed by the user,
// matches, and whether one does. It compares against every hash in constant time, so the time
// taken does not tell which matched. The caller deletes the matched hash: each code works once.
func MatchRecoveryCode(code string, hashes [][]byte) (index int, ok bool) {
	h := HashRecoveryCode(code)
	index, found := -1, 0
	for i, stored := range hashes {
		eq := subtle.ConstantTimeCompare(h, stored)
		index = subtle.ConstantTimeSelect(eq, i, index)
		found |= eq
	}
	return index, found == 1
}
