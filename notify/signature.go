package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/ladda-csms/ladda"
)

// SignatureHeader is the request header that carries a webhook's signature.
const SignatureHeader = "Ladda-Signature"

// DefaultSignatureTolerance is how far a signature's timestamp may be from the receiver's
// clock when VerifySignature is given no tolerance.
const DefaultSignatureTolerance = 5 * time.Minute

// Sign returns the Ladda-Signature header value for body sent at time t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<unix seconds>.<body>" keyed with secret>".
// Signing the timestamp with the body lets receivers refuse replays of old deliveries.
func Sign(secret, body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// VerifySignature checks a Ladda-Signature header for body, as a receiver does. It accepts
// the header when one of its v1 signatures matches (compared in constant time; several v1
// values let a sender sign with an old and a new secret while the secret is rotated) and its
// timestamp is within tolerance of now, in either direction (tolerance 0 means
// DefaultSignatureTolerance). Unknown fields are ignored. The error is of kind
// ladda.Unauthorized.
func VerifySignature(secret, body []byte, header string, now time.Time, tolerance time.Duration) error {
	const op = "notify.VerifySignature"
	if tolerance <= 0 {
		tolerance = DefaultSignatureTolerance
	}
	if len(secret) == 0 {
		return ladda.Errorf(ladda.Unauthorized, op, "no secret to verify the signature with")
	}
	var ts string
	var sigs [][]byte
	for field := range strings.SplitSeq(header, ",") {
		key, value, _ := strings.Cut(strings.TrimSpace(field), "=")
		switch key {
		case "t":
			if ts != "" {
				return ladda.Errorf(ladda.Unauthorized, op, "the signature has more than one timestamp")
			}
			ts = value
		case "v1":
			if sig, err := hex.DecodeString(value); err == nil && len(sig) == sha256.Size {
				sigs = append(sigs, sig)
			}
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ladda.Errorf(ladda.Unauthorized, op, "the signature header is malformed")
	}
	age := now.Sub(time.Unix(unix, 0))
	switch {
	case age > tolerance:
		return ladda.Errorf(ladda.Unauthorized, op, "the signature is too old (%s)", age.Round(time.Second))
	case age < -tolerance:
		return ladda.Errorf(ladda.Unauthorized, op, "the signature's timestamp is in the future")
	}
	want := mac(secret, ts, body)
	ok := false
	for _, sig := range sigs {
		if hmac.Equal(sig, want) {
			ok = true
		}
	}
	if !ok {
		return ladda.Errorf(ladda.Unauthorized, op, "the signature does not match")
	}
	return nil
}
