package schema_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestFastPathSupportsAllSchemas: every OCPP schema uses only keywords the
// fast path decides, so valid payloads never need the library.
func TestFastPathSupportsAllSchemas(t *testing.T) {
	t.Parallel()
	if u := MustValidator(t).Unsupported(); len(u) > 0 {
		sort.Strings(u)
		t.Errorf("the fast path cannot decide %d schemas: %v", len(u), u)
	}
}

// payloadCase is a valid payload of one message.
type payloadCase struct {
	version, action string
	response        bool
	payload         []byte
}

// validPayloads returns every fixture of ocpp/v16 and ocpp/v201 and, for
// every message of both versions, the full and the minimal synthesized
// payload.
func validPayloads(tb testing.TB) []payloadCase {
	tb.Helper()
	var out []payloadCase
	for _, ver := range versions() {
		files, err := filepath.Glob(filepath.Join(ver.testdata, "*.json"))
		if err != nil {
			tb.Fatal(err)
		}
		for _, f := range files {
			base := strings.TrimSuffix(filepath.Base(f), ".json")
			name, response := strings.CutSuffix(base, "Response")
			if !response {
				name = strings.TrimSuffix(base, "Request")
			}
			b, err := os.ReadFile(f)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, payloadCase{ver.name, name, response, b})
		}
		names := make([]string, 0, len(ver.actions))
		for name := range ver.actions {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			a := ver.actions[name]
			for _, msg := range []struct {
				response bool
				file     string
			}{{false, a.request}, {true, a.response}} {
				raw, err := fs.ReadFile(ver.fsys, msg.file)
				if err != nil {
					tb.Fatal(err)
				}
				var doc map[string]any
				if err := json.Unmarshal(raw, &doc); err != nil {
					tb.Fatal(err)
				}
				for _, full := range []bool{true, false} {
					s := synth{doc: doc, full: full, extras: true, integral: integral[ver.name+" "+msg.file]}
					b, err := json.Marshal(s.value(doc, ""))
					if err != nil {
						tb.Fatal(err)
					}
					out = append(out, payloadCase{ver.name, name, msg.response, b})
				}
			}
		}
	}
	return out
}

// TestFastPathAcceptsValidPayloads: the fast path alone accepts every valid
// payload we have, so Validate does not fall back to the library for them.
func TestFastPathAcceptsValidPayloads(t *testing.T) {
	t.Parallel()
	v := MustValidator(t)
	for _, c := range validPayloads(t) {
		if !v.LibraryValid(c.version, c.action, c.response, c.payload) {
			t.Errorf("%s %s (response %t): the library rejects\n%s", c.version, c.action, c.response, c.payload)
			continue
		}
		if !v.FastValid(c.version, c.action, c.response, c.payload) {
			t.Errorf("%s %s (response %t): the fast path rejects\n%s", c.version, c.action, c.response, c.payload)
		}
	}
}

// replacements are the values mutate puts in place of each value.
var replacements = []any{
	"x", "", strings.Repeat("é", 600), "2024-05-06T07:08:09Z", "2024-05-06", "Accepted",
	json.Number("0"), json.Number("-1"), json.Number("1.5"), json.Number("7.36"),
	json.Number("101"), json.Number("1.0"), json.Number("1e2"),
	true, nil, map[string]any{}, []any{}, []any{"x"},
}

// TestFastPathAgreesWithLibrary mutates every valid payload in every place
// (each property removed, an unknown one added, each value replaced by each
// of the replacements) and checks that whenever the fast path accepts a
// mutant, so does the library.
func TestFastPathAgreesWithLibrary(t *testing.T) {
	t.Parallel()
	v := MustValidator(t)
	var cases []payloadCase
	for i, c := range validPayloads(t) {
		switch {
		case testing.Short() && i%8 != 0, raceEnabled && i%4 != 0:
			continue
		}
		cases = append(cases, c)
	}
	var mutants, fastYes, undecided int
	for _, c := range cases {
		var doc any
		dec := json.NewDecoder(bytes.NewReader(c.payload))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			t.Fatal(err)
		}
		mutate(doc, func() {
			b, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			mutants++
			fast := v.FastValid(c.version, c.action, c.response, b)
			lib := v.LibraryValid(c.version, c.action, c.response, b)
			switch {
			case fast && !lib:
				t.Errorf("%s %s (response %t): the fast path accepts what the library rejects:\n%s", c.version, c.action, c.response, b)
			case fast:
				fastYes++
			case lib:
				undecided++
			}
		})
	}
	t.Logf("%d mutants: %d accepted by the fast path, %d left to the library and accepted by it", mutants, fastYes, undecided)
}

// mutate changes doc in place in every way listed for
// TestFastPathAgreesWithLibrary, calls visit after each change and undoes it.
func mutate(doc any, visit func()) {
	switch n := doc.(type) {
	case map[string]any:
		keys := make([]string, 0, len(n))
		for k := range n {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			old := n[k]
			delete(n, k)
			visit()
			for _, r := range replacements {
				n[k] = r
				visit()
			}
			n[k] = old
			mutate(old, visit)
		}
		n["zz-unknown"] = json.Number("1")
		visit()
		delete(n, "zz-unknown")
	case []any:
		for i, old := range n {
			for _, r := range replacements {
				n[i] = r
				visit()
			}
			n[i] = old
			mutate(old, visit)
		}
	}
}

// FuzzFastPath checks on arbitrary payloads for arbitrary messages that the
// fast path accepts nothing the library rejects.
func FuzzFastPath(f *testing.F) {
	v := MustValidator(f)
	type message struct {
		version, action string
		response        bool
	}
	var msgs []message
	for _, ver := range versions() {
		for name := range ver.actions {
			msgs = append(msgs, message{ver.name, name, false}, message{ver.name, name, true})
		}
	}
	sort.Slice(msgs, func(i, j int) bool {
		a, b := msgs[i], msgs[j]
		return a.version+a.action+fmt.Sprint(a.response) < b.version+b.action+fmt.Sprint(b.response)
	})
	index := map[message]int{}
	for i, m := range msgs {
		index[m] = i
	}
	for i, c := range validPayloads(f) {
		if i%3 == 0 {
			f.Add(uint16(index[message{c.version, c.action, c.response}]), c.payload)
		}
	}
	f.Fuzz(func(t *testing.T, i uint16, payload []byte) {
		m := msgs[int(i)%len(msgs)]
		if v.FastValid(m.version, m.action, m.response, payload) && !v.LibraryValid(m.version, m.action, m.response, payload) {
			t.Fatalf("%+v: the fast path accepts what the library rejects:\n%s", m, payload)
		}
	})
}
