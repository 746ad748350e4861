// Package jsontest holds the JSON helpers the tests of the OCPP message packages share:
// reading fixtures, strict decoding, round trips, and a normal form in which equal numbers and
// equal instants compare equal. Only _test.go files import it.
package jsontest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"testing"
	"time"
)

// MustRead returns the contents of the file at path.
func MustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// MustDecode decodes b into v, failing on unknown fields.
func MustDecode(t testing.TB, b []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode into %T: %v", v, err)
	}
}

// MustRoundTrip decodes b into v and returns v encoded.
func MustRoundTrip(t testing.TB, v any, b []byte) []byte {
	t.Helper()
	MustDecode(t, b, v)
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encode %T: %v", v, err)
	}
	return out
}

// MustNormalize decodes b into a value where equal numbers and equal
// instants compare equal: 16.0 and 16, "…T07:00:00.000Z" and "…T07:00:00Z".
func MustNormalize(t testing.TB, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return normalize(v)
}

func normalize(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = normalize(e)
		}
	case []any:
		for i, e := range v {
			v[i] = normalize(e)
		}
	case json.Number:
		r, ok := new(big.Rat).SetString(string(v))
		if ok {
			return "number:" + r.RatString()
		}
	case string:
		if ts, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return fmt.Sprint("time:", ts.UnixNano())
		}
	}
	return v
}
