package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/ladda-csms/ladda"
)

// Params are the argon2id parameters of a hash.
//
// Rules: Memory is in KiB and at least 8 KiB per thread; Time (passes over the memory) and
// Threads are at least 1; salts are at least 16 bytes and keys at least 16 bytes. Parameters
// read from a stored hash are also bounded from above (maxMemory, maxTime, maxThreads) so that
// a corrupted or forged row cannot make Verify exhaust the machine.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams are the parameters for new hashes: argon2id with 64 MiB, 2 passes and 2 lanes,
// a 16-byte salt and a 32-byte key.
//
// Measured on the 2-core development machine with
//
//	go test -run '^$' -bench BenchmarkHash -benchtime 20x ./account/password/
//
// (AMD EPYC, 2 cores) at 140–152 ms per hash with t=3, against 91–97 ms with t=2 (both p=2,
// m=65536). t=3 lies in the 100–200 ms a login may cost, well above OWASP's minimum for
// argon2id (m=19 MiB, t=2, p=1). Measure again on the production machine before raising it.
var DefaultParams = Params{Memory: 64 * 1024, Time: 3, Threads: 2, SaltLen: 16, KeyLen: 32}

// Upper bounds for parameters read from a stored hash.
const (
	maxMemory  = 1 << 20 // KiB: 1 GiB
	maxTime    = 10
	maxThreads = 16
	maxSaltLen = 64
	maxKeyLen  = 64
	minSaltLen = 16
	minKeyLen  = 16
)

// maxBytes bounds the input to the hash: MaxLength code points take at most 4 bytes each.
const maxBytes = 4 * MaxLength

// Validate reports whether p can be used for new hashes and read back; it returns an *Error of
// kind Invalid naming the field otherwise.
func (p Params) Validate() error {
	const op = "password.Params"
	switch {
	case p.Threads < 1 || p.Threads > maxThreads:
		return ladda.Errorf(ladda.Invalid, op, "Threads must be between 1 and %d", maxThreads)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory:
		return ladda.Errorf(ladda.Invalid, op, "Memory must be between 8 KiB per thread and %d KiB", maxMemory)
	case p.Time < 1 || p.Time > maxTime:
		return ladda.Errorf(ladda.Invalid, op, "Time must be between 1 and %d", maxTime)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return ladda.Errorf(ladda.Invalid, op, "SaltLen must be between %d and %d bytes", minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return ladda.Errorf(ladda.Invalid, op, "KeyLen must be between %d and %d bytes", minKeyLen, maxKeyLen)
	}
	return nil
}

// Hasher hashes and verifies passwords with one set of parameters.
//
// Rules: at most the given number of hashes run at once, since each holds Params.Memory of RAM;
// callers beyond that wait their turn or give up when their context ends. A Hasher is safe for
// concurrent use.
type Hasher struct {
	params Params
	sem    chan struct{}
	dummy  string // a hash with params, for VerifyDummy
}

// NewHasher returns a Hasher that makes new hashes with p and runs at most concurrent hashes
// at once; concurrent ≤ 0 means runtime.NumCPU(). It panics if p is not valid (see
// Params.Validate): parameters are chosen by the program, not by its users.
func NewHasher(p Params, concurrent int) *Hasher {
	if err := p.Validate(); err != nil {
		panic(err)
	}
	if concurrent <= 0 {
		concurrent = runtime.NumCPU()
	}
	h := &Hasher{params: p, sem: make(chan struct{}, concurrent)}
	// A fixed salt and key: VerifyDummy only needs the cost of a real Verify, not a secret.
	h.dummy = encode(p, make([]byte, p.SaltLen), make([]byte, p.KeyLen))
	return h
}

// Params returns the parameters of new hashes.
func (h *Hasher) Params() Params { return h.params }

// Hash returns the PHC string of password with a fresh random salt, such as
// "$argon2id$v=19$m=65536,t=3,p=2$<salt>$<key>" with salt and key in unpadded standard base64.
// It does not apply Check. It fails with kind Invalid for a password longer than 4×MaxLength
// bytes, and with kind Unavailable (wrapping ctx.Err()) if ctx ends while waiting for a turn.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	const op = "password.Hash"
	if len(password) > maxBytes {
		return "", ladda.Errorf(ladda.Invalid, op, "password must have at most %d characters", MaxLength)
	}
	salt := make([]byte, h.params.SaltLen)
	rand.Read(salt)
	if err := h.acquire(ctx, op); err != nil {
		return "", err
	}
	defer h.release()
	key := derive(password, salt, h.params)
	return encode(h.params, salt, key), nil
}

// Verify reports whether password matches encoded, a string made by Hash, comparing in
// constant time. The parameters are read from encoded, so hashes made with older parameters
// still verify; rehash is true when the password matches and those parameters differ from the
// Hasher's, and the caller should then store a new Hash of the password. A password longer than 4×MaxLength bytes matches
// nothing.
//
// Errors: kind Internal if encoded is malformed or its parameters are out of bounds (the
// stored row is corrupt); kind Unavailable (wrapping ctx.Err()) if ctx ends while waiting.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (ok, rehash bool, err error) {
	const op = "password.Verify"
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, false, &ladda.Error{Kind: ladda.Internal, Op: op, Message: "malformed password hash", Err: err}
	}
	if len(password) > maxBytes {
		return false, false, nil
	}
	if err := h.acquire(ctx, op); err != nil {
		return false, false, err
	}
	defer h.release()
	got := derive(password, salt, p)
	ok = subtle.ConstantTimeCompare(got, key) == 1
	return ok, ok && p != h.params, nil
}

// VerifyDummy costs what a Verify of password against a hash with the current parameters
// costs, and matches nothing. Call it when the user is unknown, so that the answer takes as
// long as for a known user with a wrong password. It fails only as Verify does when ctx ends.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) error {
	_, _, err := h.Verify(ctx, password, h.dummy)
	return err
}

// acquire waits for a turn to hash, or for ctx to end.
func (h *Hasher) acquire(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return busy(op, err)
	}
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return busy(op, ctx.Err())
	}
}

func (h *Hasher) release() { <-h.sem }

func busy(op string, err error) error {
	return &ladda.Error{Kind: ladda.Unavailable, Op: op, Message: "too many password checks at once; try again", Err: err}
}

func derive(password string, salt []byte, p Params) []byte {
	return argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
}

var b64 = base64.RawStdEncoding

func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decode parses a PHC string made by encode and checks its parameters against the bounds.
func decode(s string) (p Params, salt, key []byte, err error) {
	fail := func(format string, args ...any) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, fmt.Errorf(format, args...)
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return fail("want 5 fields separated by $, got %d", len(parts)-1)
	}
	if parts[1] != "argon2id" {
		return fail("unknown algorithm %q", parts[1])
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return fail("unknown version %q", parts[2])
	}
	fields := strings.Split(parts[3], ",")
	if len(fields) != 3 {
		return fail("want parameters m, t and p")
	}
	var vals [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		num, ok := strings.CutPrefix(fields[i], name)
		if !ok {
			return fail("parameter %d is not %s", i+1, name)
		}
		if vals[i], err = strconv.ParseUint(num, 10, 32); err != nil {
			return fail("parameter %s is not a number", name)
		}
	}
	if vals[2] > maxThreads {
		return fail("p=%d is above %d", vals[2], maxThreads)
	}
	if salt, err = b64.Strict().DecodeString(parts[4]); err != nil {
		return fail("salt is not base64")
	}
	if key, err = b64.Strict().DecodeString(parts[5]); err != nil {
		return fail("key is not base64")
	}
	p = Params{
		Memory:  uint32(vals[0]),
		Time:    uint32(vals[1]),
		Threads: uint8(vals[2]),
		SaltLen: uint32(len(salt)),
		KeyLen:  uint32(len(key)),
	}
	if err := p.Validate(); err != nil {
		return fail("parameters out of bounds: %s", ladda.ErrorMessage(err))
	}
	return p, salt, key, nil
}
