// Package totp provides the second factor of users: time-based one-time passwords (RFC 6238)
// from an authenticator app, and recovery codes for when the app is lost.
//
// Rules for codes:
//
//   - Keys use what every authenticator app supports: HMAC-SHA1, 6 digits, a 30-second period,
//     and a 160-bit random secret.
//   - A code is accepted for its own 30-second step and for one step before or after, to allow
//     for clocks that drift.
//   - A code is accepted once: Validate returns the step it matched, the caller stores it, and
//     codes for that step or earlier are refused afterwards. Wrong and replayed codes get the
//     same answer.
//
// Rules for recovery codes:
//
//   - Each is 12 characters of 5 random bits (60 bits) from an alphabet without the letters
//     that look like digits, written "abcd-efgh-jkmn"; users may type them in any case, with or
//     without dashes and spaces, and with i, l and o for 1, 1 and 0.
//   - Only their SHA-256 is stored. A fast hash is enough because the codes are random: 60 bits
//     cannot be guessed from the hash, unlike a password a person chose.
//   - Each works once; the caller deletes the hash that matched.
package totp

import (
	"bytes"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/ladda-csms/ladda"
)

// The parameters of every key.
const (
	period     = 30 // seconds
	digits     = otp.DigitsSix
	secretSize = 20 // bytes: 160 bits, as RFC 4226 recommends
	minSecret  = 16 // bytes: RFC 4226's minimum of 128 bits
	skew       = 1  // steps accepted before and after the current one
)

var algorithm = otp.AlgorithmSHA1

// Key is a new TOTP key for a user: Secret is stored (encrypted) for Validate, URL is shown
// once as a QR code for the user's authenticator app.
type Key struct {
	Secret string // base32, unpadded
	URL    string // otpauth://totp/…
}

// Generate returns a new random Key labelled with issuer (the service name shown by the app)
// and account (the user's email address or name). Errors: kind Invalid for an empty issuer
// or account, or an issuer with a colon, which would break the label.
func Generate(issuer, account string) (*Key, error) {
	const op = "totp.Generate"
	switch {
	case strings.TrimSpace(issuer) == "":
		return nil, ladda.Errorf(ladda.Invalid, op, "issuer is empty")
	case strings.Contains(issuer, ":"):
		return nil, ladda.Errorf(ladda.Invalid, op, "issuer must not contain a colon")
	case strings.TrimSpace(account) == "":
		return nil, ladda.Errorf(ladda.Invalid, op, "account is empty")
	}
	k, err := totp.Generate(totp.GenerateOpts{
		Issuer:      issuer,
		AccountName: account,
		Period:      period,
		SecretSize:  secretSize,
		Digits:      digits,
		Algorithm:   algorithm,
	})
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	return &Key{Secret: k.Secret(), URL: k.URL()}, nil
}

// PNG returns the QR code of k.URL as a PNG image of size×size pixels. Errors: kind Invalid
// for a size outside 64–2048 or too small for the code.
func (k *Key) PNG(size int) ([]byte, error) {
	const op = "totp.PNG"
	if size < 64 || size > 2048 {
		return nil, ladda.Errorf(ladda.Invalid, op, "QR code size must be between 64 and 2048 pixels")
	}
	key, err := otp.NewKeyFromURL(k.URL)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	img, err := key.Image(size, size)
	if err != nil {
		return nil, &ladda.Error{Kind: ladda.Invalid, Op: op, Message: "QR code size too small for the key", Err: err}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	return buf.Bytes(), nil
}

// Validate checks code, as typed by the user, against secret at time now. It accepts the code
// of the current step or of one step either side, but no step at or before lastStep, the step
// of the last code accepted (0 if none). It returns the matched step, which the caller stores
// as the next lastStep; if two steps match, the later one.
//
// Spaces in code are ignored. Errors: kind Invalid if code is not 6 digits; kind Unauthorized
// "invalid code" if it is wrong or was used before; kind Internal if secret is not a valid key.
func Validate(secret, code string, now time.Time, lastStep int64) (step int64, err error) {
	const op = "totp.Validate"
	code = strings.ReplaceAll(code, " ", "")
	if len(code) != digits.Length() || strings.Trim(code, "0123456789") != "" {
		return 0, ladda.Errorf(ladda.Invalid, op, "code must be %d digits", digits.Length())
	}
	if err := checkSecret(secret); err != nil {
		return 0, &ladda.Error{Kind: ladda.Internal, Op: op, Err: err}
	}
	current := floorDiv(now.Unix(), period)
	// Try every candidate, accepted or not, so the time taken does not depend on which matched.
	matched := int64(-1)
	for s := current - skew; s <= current+skew; s++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*period, 0), totp.ValidateOpts{
			Period:    period,
			Digits:    digits,
			Algorithm: algorithm,
		})
		if err != nil {
			return 0, &ladda.Error{Kind: ladda.Internal, Op: op, Err: err}
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && s > lastStep && s >= 0 {
			matched = s
		}
	}
	if matched < 0 {
		return 0, ladda.Errorf(ladda.Unauthorized, op, "invalid code")
	}
	return matched, nil
}

// checkSecret returns an error unless secret is base32 for at least minSecret bytes, in the
// forms pquerna/otp accepts (any case, padding optional).
func checkSecret(secret string) error {
	s := strings.ToUpper(strings.TrimSpace(secret))
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return otp.ErrValidateSecretInvalidBase32
	}
	if len(b) < minSecret {
		return errShortSecret
	}
	return nil
}

var errShortSecret = errors.New("secret is shorter than 128 bits")

// floorDiv returns a/b rounded down, also for negative a.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
