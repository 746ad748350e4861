package vault_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/vault"
)

// Keys for tests: 32 bytes each, in different base64 forms.
var (
	keyA = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xa1}, 32))    // padded
	keyB = base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 32)) // unpadded, URL-safe
	keyC = base64.RawStdEncoding.EncodeToString(bytes.Repeat([]byte{0x3c}, 32))
)

func mustKeyring(tb testing.TB, s string) *vault.Keyring {
	tb.Helper()
	k, err := vault.ParseKeyring(s)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func mustOpen(tb testing.TB, k *vault.Keyring, sealed, aad []byte) []byte {
	tb.Helper()
	pt, err := k.Open(sealed, aad)
	if err != nil {
		tb.Fatal(err)
	}
	return pt
}

func TestSealOpen(t *testing.T) {
	t.Parallel()
	k := mustKeyring(t, "k1:"+keyA)
	aad := []byte("users.email:42")
	for _, pt := range [][]byte{nil, {}, []byte("anna@example.com"), bytes.Repeat([]byte("x"), 1<<16)} {
		sealed := k.Seal(pt, aad)
		if len(pt) > 0 && bytes.Contains(sealed, pt) {
			t.Fatal("sealed value contains the plaintext")
		}
		if want := 1 + 1 + len("k1") + 12 + len(pt) + 16; len(sealed) != want {
			t.Errorf("sealed %d bytes into %d, want %d", len(pt), len(sealed), want)
		}
		if got := mustOpen(t, k, sealed, aad); !bytes.Equal(got, pt) {
			t.Errorf("Open = %q, want %q", got, pt)
		}
	}
	a, b := k.Seal([]byte("anna@example.com"), aad), k.Seal([]byte("anna@example.com"), aad)
	if bytes.Equal(a, b) {
		t.Error("sealing one value twice gave the same bytes: the nonce is not random")
	}
}

func TestOpenRefusesTampering(t *testing.T) {
	t.Parallel()
	k := mustKeyring(t, "k1:"+keyA)
	aad := []byte("users.email:42")
	sealed := k.Seal([]byte("anna@example.com"), aad)
	for i := range sealed {
		for _, bit := range []byte{0x01, 0x80} {
			bad := bytes.Clone(sealed)
			bad[i] ^= bit
			if pt, err := k.Open(bad, aad); err == nil || !ladda.IsKind(err, ladda.Internal) {
				t.Fatalf("Open with byte %d flipped by %#x = %q, %v; want an internal error", i, bit, pt, err)
			}
		}
	}
	for n := range len(sealed) {
		if _, err := k.Open(sealed[:n], aad); !ladda.IsKind(err, ladda.Internal) {
			t.Fatalf("Open of the first %d bytes = %v, want an internal error", n, err)
		}
	}
	if _, err := k.Open(append(bytes.Clone(sealed), 0), aad); err == nil {
		t.Fatal("Open accepted a byte appended")
	}
}

func TestOpenRefusesOtherPlace(t *testing.T) {
	t.Parallel()
	k := mustKeyring(t, "k1:"+keyA)
	sealed := k.Seal([]byte("anna@example.com"), []byte("users.email:42"))
	for _, aad := range []string{"users.email:43", "users.name:42", "", "users.email:42 "} {
		if _, err := k.Open(sealed, []byte(aad)); !ladda.IsKind(err, ladda.Internal) {
			t.Errorf("Open with aad %q = %v, want an internal error", aad, err)
		}
	}
}

func TestRotation(t *testing.T) {
	t.Parallel()
	aad := []byte("users.email:42")
	old := mustKeyring(t, "old:"+keyA)
	rotated := mustKeyring(t, "new:"+keyB+", old:"+keyA)
	oldSealed := old.Seal([]byte("anna@example.com"), aad)
	newSealed := rotated.Seal([]byte("bo@example.com"), aad)

	if rotated.Primary() != "new" || old.Primary() != "old" {
		t.Fatalf("Primary = %q and %q, want new and old", rotated.Primary(), old.Primary())
	}
	if got := mustOpen(t, rotated, oldSealed, aad); string(got) != "anna@example.com" {
		t.Errorf("the rotated keyring opens old data as %q", got)
	}
	if got := mustOpen(t, rotated, newSealed, aad); string(got) != "bo@example.com" {
		t.Errorf("the rotated keyring opens new data as %q", got)
	}
	if _, err := old.Open(newSealed, aad); !ladda.IsKind(err, ladda.Internal) || !strings.Contains(err.Error(), `"new"`) {
		t.Errorf("the old keyring opening new data = %v, want an internal error naming key new", err)
	}
	if !rotated.NeedsRotation(oldSealed) {
		t.Error("NeedsRotation(old data) = false")
	}
	if rotated.NeedsRotation(newSealed) {
		t.Error("NeedsRotation(new data) = true")
	}
	if old.NeedsRotation(oldSealed) {
		t.Error("the old keyring: NeedsRotation(its own data) = true")
	}
	if !rotated.NeedsRotation([]byte{9, 9}) || !rotated.NeedsRotation(nil) {
		t.Error("NeedsRotation(garbage) = false")
	}
	// A key id that is a prefix of another is not confused with it.
	prefix := mustKeyring(t, "ne:"+keyB)
	if _, err := prefix.Open(newSealed, aad); err == nil {
		t.Error("key ne opened data sealed with key new")
	}
}

func TestIndex(t *testing.T) {
	t.Parallel()
	a := mustKeyring(t, "a:"+keyA)
	b := mustKeyring(t, "b:"+keyB)
	ba := mustKeyring(t, "b:"+keyB+",a:"+keyA)
	sameKeyOtherID := mustKeyring(t, "z:"+keyA)

	idx := a.Index("users.email", "anna@example.com")
	if len(idx) != 32 {
		t.Fatalf("index has %d bytes, want 32", len(idx))
	}
	for _, tc := range []struct {
		name  string
		other []byte
		equal bool
	}{
		{"same input", a.Index("users.email", "anna@example.com"), true},
		{"same key under another id", sameKeyOtherID.Index("users.email", "anna@example.com"), true},
		{"other value", a.Index("users.email", "bo@example.com"), false},
		{"other case (callers normalise)", a.Index("users.email", "Anna@example.com"), false},
		{"other purpose", a.Index("users.phone", "anna@example.com"), false},
		{"other key", b.Index("users.email", "anna@example.com"), false},
		{"primary of a rotated ring", ba.Index("users.email", "anna@example.com"), false},
	} {
		if got := bytes.Equal(idx, tc.other); got != tc.equal {
			t.Errorf("%s: equal = %v, want %v", tc.name, got, tc.equal)
		}
	}
	all := ba.Indexes("users.email", "anna@example.com")
	if len(all) != 2 || !bytes.Equal(all[0], b.Index("users.email", "anna@example.com")) || !bytes.Equal(all[1], idx) {
		t.Error("Indexes does not give the index under each key, primary first")
	}
	if bytes.Equal(a.Index("users.email", "x"), a.Index("users.emailx", "")) {
		t.Error("purpose and value run into each other")
	}
}

func TestParseKeyring(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   string
		ids  []string // nil if refused
		msg  string   // part of the error message
	}{
		{"one key", "k1:" + keyA, []string{"k1"}, ""},
		{"three keys, space", " k20261201:" + keyB + " , k1:" + keyA + ",\nold-key:" + keyC + "\n", []string{"k20261201", "k1", "old-key"}, ""},
		{"URL-safe padded", "k1:" + base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 32)), []string{"k1"}, ""},
		{"id of 16", "abcdefghij012345:" + keyA, []string{"abcdefghij012345"}, ""},
		{"empty", "", nil, "empty"},
		{"blank", "  \n", nil, "empty"},
		{"no colon", keyA, nil, "entry 1 is not id:key"},
		{"empty entry", "k1:" + keyA + ",", nil, "entry 2 is not id:key"},
		{"empty id", ":" + keyA, nil, "entry 1: key id must be"},
		{"id too long", "abcdefghij0123456:" + keyA, nil, "entry 1: key id must be"},
		{"upper-case id", "K1:" + keyA, nil, "key id must be"},
		{"id with underscore", "k_1:" + keyA, nil, "key id must be"},
		{"key and id swapped", keyA + ":k1", nil, "key id must be"},
		{"duplicate id", "k1:" + keyA + ",k1:" + keyB, nil, `key id "k1" appears twice`},
		{"short key", "k1:" + base64.StdEncoding.EncodeToString(make([]byte, 16)), nil, "must be 32 bytes"},
		{"long key", "k1:" + base64.StdEncoding.EncodeToString(make([]byte, 33)), nil, "must be 32 bytes"},
		{"not base64", "k1:" + strings.Repeat("!", 44), nil, "must be 32 bytes"},
		{"hex", "k1:" + strings.Repeat("ab", 32), nil, "must be 32 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k, err := vault.ParseKeyring(tc.in)
			if tc.ids != nil {
				if err != nil {
					t.Fatal(err)
				}
				if got := fmt.Sprint(k.IDs()); got != fmt.Sprint(tc.ids) {
					t.Errorf("IDs = %s, want %v", got, tc.ids)
				}
				return
			}
			if !ladda.IsKind(err, ladda.Invalid) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("ParseKeyring = %v, want an invalid error containing %q", err, tc.msg)
			}
			for _, k := range []string{keyA, keyB, strings.Repeat("!", 44)} {
				if strings.Contains(err.Error(), k) {
					t.Errorf("error %q contains the key", err)
				}
			}
		})
	}
}

func TestKeyringDoesNotPrintKeys(t *testing.T) {
	t.Parallel()
	k := mustKeyring(t, "k2:"+keyB+",k1:"+keyA)
	raw := bytes.Repeat([]byte{0xa1}, 32)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, k)
		if strings.Contains(out, keyA) || strings.Contains(out, fmt.Sprint(raw)) || strings.Contains(out, string(raw)) {
			t.Errorf("%s prints the key: %s", verb, out)
		}
		if !strings.Contains(out, "k2,k1") {
			t.Errorf("%s = %s, want the ids", verb, out)
		}
	}
}

// FuzzOpen checks that Open never panics and accepts nothing it did not seal.
func FuzzOpen(f *testing.F) {
	k := mustKeyring(f, "k2:"+keyB+",k1:"+keyA)
	aad := []byte("users.email:42")
	f.Add(k.Seal([]byte("anna@example.com"), aad), aad)
	f.Add([]byte{1, 2, 'k', '1'}, []byte{})
	f.Add([]byte{1, 255}, []byte("x"))
	f.Add([]byte{}, []byte(nil))
	f.Fuzz(func(t *testing.T, sealed, aad []byte) {
		pt, err := k.Open(sealed, aad)
		if err == nil && string(pt) != "anna@example.com" {
			t.Fatalf("Open accepted data it did not seal: %q", pt)
		}
		if err != nil && !ladda.IsKind(err, ladda.Internal) {
			t.Fatalf("Open error of kind %v, want internal", ladda.ErrorKind(err))
		}
		k.NeedsRotation(sealed)
	})
}
