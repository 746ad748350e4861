package password_test

import (
	"context"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account/password"
)

// cheap are parameters that make tests fast; never use them for real hashes.
var cheap = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func mustHash(tb testing.TB, h *password.Hasher, pw string) string {
	tb.Helper()
	s, err := h.Hash(context.Background(), pw)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestHashFormat(t *testing.T) {
	t.Parallel()
	h := password.NewHasher(cheap, 0)
	a := mustHash(t, h, "tulip-Quarry-47-vinegar")
	want := regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !want.MatchString(a) {
		t.Fatalf("Hash = %q, want %v", a, want)
	}
	if b := mustHash(t, h, "tulip-Quarry-47-vinegar"); a == b {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	old := password.NewHasher(cheap, 0)
	raised := cheap
	raised.Time = 2
	current := password.NewHasher(raised, 0)
	oldHash := mustHash(t, old, "tulip-Quarry-47-vinegar")
	newHash := mustHash(t, current, "tulip-Quarry-47-vinegar")
	for _, tc := range []struct {
		name              string
		password, encoded string
		ok, rehash        bool
	}{
		{"right password, current params", "tulip-Quarry-47-vinegar", newHash, true, false},
		{"wrong password", "tulip-quarry-47-vinegar", newHash, false, false},
		{"empty password", "", newHash, false, false},
		{"right password, old params", "tulip-Quarry-47-vinegar", oldHash, true, true},
		{"wrong password, old params", "tulip-Quarry-47-vinegaR", oldHash, false, false},
		{"overlong password", string(make([]byte, 4*password.MaxLength+1)), newHash, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ok, rehash, err := current.Verify(ctx, tc.password, tc.encoded)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.ok || rehash != tc.rehash {
				t.Errorf("Verify = ok %v, rehash %v; want %v, %v", ok, rehash, tc.ok, tc.rehash)
			}
		})
	}
}

func TestVerifyMalformed(t *testing.T) {
	t.Parallel()
	h := password.NewHasher(cheap, 0)
	const salt, key = "c2FsdHNhbHRzYWx0c2FsdA", "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"
	for _, tc := range []struct{ name, encoded string }{
		{"empty", ""},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key},
		{"old version", "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key},
		{"missing field", "$argon2id$v=19$m=64,t=1,p=1$" + salt},
		{"extra field", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$x"},
		{"params swapped", "$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key},
		{"param not a number", "$argon2id$v=19$m=lots,t=1,p=1$" + salt + "$" + key},
		{"negative", "$argon2id$v=19$m=-64,t=1,p=1$" + salt + "$" + key},
		{"memory too big", "$argon2id$v=19$m=4294967295,t=1,p=1$" + salt + "$" + key},
		{"memory overflows", "$argon2id$v=19$m=99999999999,t=1,p=1$" + salt + "$" + key},
		{"time zero", "$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key},
		{"time too big", "$argon2id$v=19$m=64,t=1000,p=1$" + salt + "$" + key},
		{"threads zero", "$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key},
		{"threads too many", "$argon2id$v=19$m=64,t=1,p=255$" + salt + "$" + key},
		{"threads overflow uint8", "$argon2id$v=19$m=64,t=1,p=257$" + salt + "$" + key},
		{"salt not base64", "$argon2id$v=19$m=64,t=1,p=1$!!!!$" + key},
		{"padded salt", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + key},
		{"salt too short", "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$" + key},
		{"key too short", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$a2V5"},
		{"key empty", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ok, _, err := h.Verify(context.Background(), "tulip-Quarry-47-vinegar", tc.encoded)
			if ok || !ladda.IsKind(err, ladda.Internal) {
				t.Fatalf("Verify = %v, %v; want false and an internal error", ok, err)
			}
		})
	}
	// The well-formed version of those strings parses.
	if _, _, err := h.Verify(context.Background(), "x", "$argon2id$v=19$m=64,t=1,p=1$"+salt+"$"+key); err != nil {
		t.Fatalf("well-formed hash: %v", err)
	}
}

func TestVerifyDummy(t *testing.T) {
	t.Parallel()
	h := password.NewHasher(cheap, 0)
	if err := h.VerifyDummy(context.Background(), "tulip-Quarry-47-vinegar"); err != nil {
		t.Fatal(err)
	}
}

func TestHasherWaitsForATurn(t *testing.T) {
	t.Parallel()
	h := password.NewHasher(cheap, 2)
	release := h.Occupy()

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(cancelled, "tulip-Quarry-47-vinegar"); !errors.Is(err, context.Canceled) || !ladda.IsKind(err, ladda.Unavailable) {
		t.Errorf("Hash with a cancelled context = %v, want unavailable wrapping context.Canceled", err)
	}
	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, _, err := h.Verify(short, "x", mustHashWith(t, cheap)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Verify while busy = %v, want context.DeadlineExceeded", err)
	}
	if err := h.VerifyDummy(cancelled, "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("VerifyDummy with a cancelled context = %v, want context.Canceled", err)
	}

	// A waiting caller gets its turn when one is free.
	done := make(chan error, 1)
	go func() {
		_, err := h.Hash(context.Background(), "tulip-Quarry-47-vinegar")
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("Hash returned %v while no turn was free", err)
	case <-time.After(20 * time.Millisecond):
	}
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// A free Hasher still refuses a context that has already ended.
	if _, err := h.Hash(cancelled, "tulip-Quarry-47-vinegar"); !errors.Is(err, context.Canceled) {
		t.Errorf("Hash with a cancelled context = %v, want context.Canceled", err)
	}
}

func mustHashWith(tb testing.TB, p password.Params) string {
	tb.Helper()
	return mustHash(tb, password.NewHasher(p, 1), "tulip-Quarry-47-vinegar")
}

func TestParamsValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		change func(*password.Params)
		ok     bool
	}{
		{"default", func(*password.Params) {}, true},
		{"no memory", func(p *password.Params) { p.Memory = 0 }, false},
		{"less than 8 KiB per thread", func(p *password.Params) { p.Memory, p.Threads = 15, 2 }, false},
		{"over 1 GiB", func(p *password.Params) { p.Memory = 1<<20 + 1 }, false},
		{"no passes", func(p *password.Params) { p.Time = 0 }, false},
		{"no threads", func(p *password.Params) { p.Threads = 0 }, false},
		{"short salt", func(p *password.Params) { p.SaltLen = 8 }, false},
		{"short key", func(p *password.Params) { p.KeyLen = 8 }, false},
		{"long key", func(p *password.Params) { p.KeyLen = 65 }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := password.DefaultParams
			tc.change(&p)
			err := p.Validate()
			if (err == nil) != tc.ok {
				t.Fatalf("Validate = %v, want ok %v", err, tc.ok)
			}
			if err != nil && !ladda.IsKind(err, ladda.Invalid) {
				t.Errorf("kind = %v, want invalid", ladda.ErrorKind(err))
			}
		})
	}
}

func TestNewHasherPanicsOnInvalidParams(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Fatal("NewHasher accepted Params{}")
		}
	}()
	password.NewHasher(password.Params{}, 1)
}

// BenchmarkHash measures one hash with DefaultParams, the cost of a login.
func BenchmarkHash(b *testing.B) {
	h := password.NewHasher(password.DefaultParams, 1)
	ctx := context.Background()
	for b.Loop() {
		if _, err := h.Hash(ctx, "tulip-Quarry-47-vinegar"); err != nil {
			b.Fatal(err)
		}
	}
}
