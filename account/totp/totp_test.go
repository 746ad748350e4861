package totp_test

import (
	"bytes"
	"image/png"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	pqtotp "github.com/pquerna/otp/totp"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account/totp"
)

// secret is RFC 6238's SHA-1 test key, "12345678901234567890", in base32.
const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

// t0 is RFC 6238's test time 1111111109 (step 37037036, code 081804 in 6 digits).
var t0 = time.Unix(1111111109, 0)

const step0 = 1111111109 / 30

func mustCode(tb testing.TB, secret string, at time.Time) string {
	tb.Helper()
	code, err := pqtotp.GenerateCodeCustom(secret, at, pqtotp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		tb.Fatal(err)
	}
	return code
}

func TestValidateRFC6238Vector(t *testing.T) {
	t.Parallel()
	step, err := totp.Validate(secret, "081804", t0, 0)
	if err != nil || step != step0 {
		t.Fatalf("Validate = %d, %v; want %d", step, err, step0)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		codeAt   time.Time // when the code was made
		code     string    // overrides the code made at codeAt
		lastStep int64
		want     int64      // matched step; 0 if refused
		kind     ladda.Kind // the kind of error if refused
	}{
		{name: "current step", codeAt: t0, want: step0},
		{name: "start of step", codeAt: time.Unix(step0*30, 0), want: step0},
		{name: "one step behind", codeAt: t0.Add(-30 * time.Second), want: step0 - 1},
		{name: "one step ahead", codeAt: t0.Add(30 * time.Second), want: step0 + 1},
		{name: "two steps behind", codeAt: t0.Add(-60 * time.Second), kind: ladda.Unauthorized},
		{name: "two steps ahead", codeAt: t0.Add(60 * time.Second), kind: ladda.Unauthorized},
		{name: "replayed", codeAt: t0, lastStep: step0, kind: ladda.Unauthorized},
		{name: "older than the last used", codeAt: t0.Add(-30 * time.Second), lastStep: step0, kind: ladda.Unauthorized},
		{name: "next after the last used", codeAt: t0.Add(30 * time.Second), lastStep: step0, want: step0 + 1},
		{name: "wrong", code: "000000", kind: ladda.Unauthorized},
		{name: "with a space", code: "081 804", want: step0},
		{name: "five digits", code: "08180", kind: ladda.Invalid},
		{name: "seven digits", code: "0818044", kind: ladda.Invalid},
		{name: "letters", code: "08l8o4", kind: ladda.Invalid},
		{name: "empty", code: "", kind: ladda.Invalid},
		{name: "sign", code: "+81804", kind: ladda.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code := tc.code
			if tc.codeAt != (time.Time{}) {
				code = mustCode(t, secret, tc.codeAt)
			}
			step, err := totp.Validate(secret, code, t0, tc.lastStep)
			if tc.want == 0 { // refused
				if !ladda.IsKind(err, tc.kind) {
					t.Fatalf("Validate = %d, %v; want an error of kind %v", step, err, tc.kind)
				}
				if tc.kind == ladda.Unauthorized && ladda.ErrorMessage(err) != "invalid code" {
					t.Errorf("message = %q, want %q", ladda.ErrorMessage(err), "invalid code")
				}
				return
			}
			if err != nil || step != tc.want {
				t.Fatalf("Validate = %d, %v; want step %d", step, err, tc.want)
			}
		})
	}
}

func TestValidateBadSecret(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "not base32!", "GEZDGNBVGY3TQOJQ" /* 80 bits */} {
		if _, err := totp.Validate(s, "123456", t0, 0); !ladda.IsKind(err, ladda.Internal) {
			t.Errorf("Validate with secret %q = %v, want an internal error", s, err)
		}
	}
}

func TestGenerate(t *testing.T) {
	t.Parallel()
	k, err := totp.Generate("Ladda", "anna@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(k.Secret) != 32 {
		t.Errorf("secret has %d base32 characters, want 32 (160 bits)", len(k.Secret))
	}
	u, err := url.Parse(k.URL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/Ladda:anna@example.com" ||
		q.Get("secret") != k.Secret || q.Get("issuer") != "Ladda" ||
		q.Get("algorithm") != "SHA1" || q.Get("digits") != "6" || q.Get("period") != "30" {
		t.Errorf("URL = %s", k.URL)
	}
	now := time.Now()
	if _, err := totp.Validate(k.Secret, mustCode(t, k.Secret, now), now, 0); err != nil {
		t.Errorf("a code for the new key: %v", err)
	}
	other, err := totp.Generate("Ladda", "anna@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if other.Secret == k.Secret {
		t.Error("two keys have the same secret")
	}
}

func TestGenerateInvalid(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ issuer, account string }{
		{"", "anna@example.com"},
		{"  ", "anna@example.com"},
		{"Ladda", ""},
		{"Ladda:Test", "anna@example.com"},
	} {
		if _, err := totp.Generate(tc.issuer, tc.account); !ladda.IsKind(err, ladda.Invalid) {
			t.Errorf("Generate(%q, %q) = %v, want an invalid error", tc.issuer, tc.account, err)
		}
	}
}

func TestKeyPNG(t *testing.T) {
	t.Parallel()
	k, err := totp.Generate("Ladda", "anna@example.com")
	if err != nil {
		t.Fatal(err)
	}
	b, err := k.PNG(256)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if r := img.Bounds(); r.Dx() != 256 || r.Dy() != 256 {
		t.Errorf("image is %v, want 256×256", r)
	}
	for _, size := range []int{0, 63, 2049} {
		if _, err := k.PNG(size); !ladda.IsKind(err, ladda.Invalid) {
			t.Errorf("PNG(%d) = %v, want an invalid error", size, err)
		}
	}
}

func TestRecoveryCodes(t *testing.T) {
	t.Parallel()
	codes, hashes, err := totp.RecoveryCodes(10)
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != 10 || len(hashes) != 10 {
		t.Fatalf("got %d codes and %d hashes, want 10 each", len(codes), len(hashes))
	}
	seen := map[string]bool{}
	for i, c := range codes {
		if len(c) != 14 || c[4] != '-' || c[9] != '-' {
			t.Errorf("code %q is not shaped abcd-efgh-jkmn", c)
		}
		if strings.Trim(strings.ReplaceAll(c, "-", ""), "0123456789abcdefghjkmnpqrstvwxyz") != "" {
			t.Errorf("code %q has characters outside the alphabet", c)
		}
		if seen[c] {
			t.Errorf("code %q appears twice", c)
		}
		seen[c] = true
		if !bytes.Equal(hashes[i], totp.HashRecoveryCode(c)) {
			t.Errorf("hashes[%d] is not the hash of codes[%d]", i, i)
		}
		if bytes.Contains(hashes[i], []byte(c)) {
			t.Errorf("hash %d contains its code", i)
		}
		if idx, ok := totp.MatchRecoveryCode(c, hashes); !ok || idx != i {
			t.Errorf("MatchRecoveryCode(codes[%d]) = %d, %v", i, idx, ok)
		}
	}
	for _, n := range []int{0, -1, totp.MaxRecoveryCodes + 1} {
		if _, _, err := totp.RecoveryCodes(n); !ladda.IsKind(err, ladda.Invalid) {
			t.Errorf("RecoveryCodes(%d) = %v, want an invalid error", n, err)
		}
	}
}

func TestMatchRecoveryCode(t *testing.T) {
	t.Parallel()
	hashes := [][]byte{
		totp.HashRecoveryCode("a1b2-c3d4-e5f6"),
		totp.HashRecoveryCode("0z9y-8x7w-6v5t"),
	}
	for _, tc := range []struct {
		typed string
		index int
		ok    bool
	}{
		{"a1b2-c3d4-e5f6", 0, true},
		{"0z9y-8x7w-6v5t", 1, true},
		{"A1B2-C3D4-E5F6", 0, true},
		{"a1b2c3d4e5f6", 0, true},
		{" a1b2 c3d4 e5f6\n", 0, true},
		{"aib2-c3d4-e5f6", 0, true}, // i read as 1
		{"Ozgy-8x7w-6v5t", -1, false},
		{"oz9y-8x7w-6v5t", 1, true}, // o read as 0
		{"a1b2-c3d4-e5f7", -1, false},
		{"a1b2-c3d4", -1, false},
		{"", -1, false},
	} {
		index, ok := totp.MatchRecoveryCode(tc.typed, hashes)
		if index != tc.index || ok != tc.ok {
			t.Errorf("MatchRecoveryCode(%q) = %d, %v; want %d, %v", tc.typed, index, ok, tc.index, tc.ok)
		}
	}
	if index, ok := totp.MatchRecoveryCode("a1b2-c3d4-e5f6", nil); ok || index != -1 {
		t.Errorf("MatchRecoveryCode with no hashes = %d, %v", index, ok)
	}
}
