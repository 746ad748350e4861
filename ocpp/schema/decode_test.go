package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// stdDecode is the reference: what jsonschema.UnmarshalJSON does, that is
// encoding/json with UseNumber on input that is one JSON value.
func stdDecode(b []byte) (any, error) {
	if !json.Valid(b) {
		return nil, errors.New("invalid JSON")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

func TestDecodeMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	valid := []string{
		`{}`, `[]`, `""`, `0`, `-0`, `1.5e+3`, `-12.25E-2`, `true`, `false`, `null`,
		` {"a" : [1, 2.0, "x", null, true, {"b": {}}], "c": []} `,
		`{"dup": 1, "dup": 2}`,
		`"esc \" \\ \/ \b \f \n \r \t \u00e9 \u20AC \ud83d\ude00"`,
		`"lone \ud800 surrogate"`, `"\udc00\ud800"`, `"\ud800\u0041"`, `"\ud83d\ude00\ud83d"`,
		`"raw é € 😀"`, `"prefix then \n escape é"`,
		`{"connectorId": 1, "meterValue": [{"timestamp": "2024-05-06T07:00:00Z", "sampledValue": [{"value": "1"}]}]}`,
		"\t\r\n[1]\n",
	}
	for _, in := range valid {
		want, err := stdDecode([]byte(in))
		if err != nil {
			t.Fatalf("reference rejects %q: %v", in, err)
		}
		got, err := decode([]byte(in))
		if err != nil {
			t.Errorf("decode(%q): %v", in, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("decode(%q) = %#v, want %#v", in, got, want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		``:                          "unexpected end of input",
		`   `:                       "unexpected end of input",
		`{`:                         "unexpected end of input",
		`{"a"`:                      "unexpected end of input",
		`{"a" 1}`:                   "want ':'",
		`{"a":1,}`:                  "want a property name",
		`{a:1}`:                     "want a property name",
		`{"a":1 "b":2}`:             "want ',' or '}'",
		`[1,]`:                      "unexpected ']'",
		`[1 2]`:                     "want ',' or ']'",
		`[`:                         "unexpected end of input",
		`01`:                        "unexpected '1' after the top-level value",
		`1.`:                        "invalid number",
		`-`:                         "invalid number",
		`1e`:                        "invalid number",
		`.5`:                        "unexpected '.'",
		`+1`:                        "unexpected '+'",
		`tru`:                       "invalid literal",
		`nul`:                       "invalid literal",
		`"abc`:                      "unexpected end of input",
		`"a\qb"`:                    "invalid escape",
		`"a\u12"`:                   "unexpected end of input",
		`"a\u12g4"`:                 `invalid \u escape`,
		"\"tab\tin string\"":        "control character",
		"\"\xff\"":                  "invalid UTF-8",
		"\"escaped \\n then \xc3\"": "invalid UTF-8",
		`{} []`:                     "after the top-level value",
		strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1): "nested too deeply",
	}
	for in, want := range tests {
		_, err := decode([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("decode(%q) error = %v, want one containing %q", in, err, want)
		}
		if _, ref := stdDecode([]byte(in)); ref == nil && !strings.Contains(want, "UTF-8") && !strings.Contains(want, "deeply") {
			t.Errorf("reference accepts %q", in)
		}
	}
	deep := strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth)
	if _, err := decode([]byte(deep)); err != nil {
		t.Errorf("decode at depth %d: %v", maxDepth, err)
	}
}

// FuzzDecode checks decode against encoding/json on arbitrary input: both
// accept the same documents (apart from invalid UTF-8 and nesting deeper than
// maxDepth, which decode rejects on purpose) and build the same value.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"a": [1, "b", {"c": null}], "d": -1.5e3}`, `"\u00e9\ud83d\ude00"`, `[[[]]]`, `{"x":"\"\\"}`, `tru`, `{"a":1,}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decode(b)
		want, refErr := stdDecode(b)
		switch {
		case err != nil && refErr != nil:
		case err == nil && refErr != nil:
			t.Fatalf("decode accepts %q, encoding/json: %v", b, refErr)
		case err != nil && refErr == nil:
			if !utf8.Valid(b) || errors.Is(err, errDepth) {
				return
			}
			t.Fatalf("decode rejects %q: %v", b, err)
		case !reflect.DeepEqual(got, want):
			t.Fatalf("decode(%q) = %#v, want %#v", b, got, want)
		}
	})
}

// BenchmarkDecode compares decode with jsonschema.UnmarshalJSON, which it
// replaces, on a 1.6 MeterValues payload with 12 sampled values.
func BenchmarkDecode(b *testing.B) {
	payload, err := os.ReadFile("testdata/MeterValuesLarge16.json")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("decode", func(b *testing.B) {
		b.SetBytes(int64(len(payload)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decode(payload); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("jsonschema.UnmarshalJSON", func(b *testing.B) {
		b.SetBytes(int64(len(payload)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := jsonschema.UnmarshalJSON(bytes.NewReader(payload)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
