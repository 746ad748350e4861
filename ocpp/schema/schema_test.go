package schema_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/ladda-csms/ladda/ocpp/schema"
	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
)

var shared = sync.OnceValues(schema.New)

// MustValidator returns a Validator shared by the tests of this package.
func MustValidator(tb testing.TB) *schema.Validator {
	tb.Helper()
	v, err := shared()
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return v
}

// version describes one OCPP version for the table-driven tests.
type version struct {
	name     string
	fsys     fs.FS
	testdata string
	actions  map[string]action
}

type action struct {
	request, response       string // schema paths in fsys
	newRequest, newResponse func() any
}

func versions() []version {
	a16 := map[string]action{}
	for n, a := range v16.Actions {
		a16[n] = action{a.RequestSchema, a.ResponseSchema, a.Request, a.Response}
	}
	a201 := map[string]action{}
	for n, a := range v201.Actions {
		a201[n] = action{a.RequestSchema, a.ResponseSchema, a.Request, a.Response}
	}
	return []version{
		{v16.Version, v16.Schemas, "../v16/testdata", a16},
		{v201.Version, v201.Schemas, "../v201/testdata", a201},
	}
}

func TestHas(t *testing.T) {
	t.Parallel()
	v := MustValidator(t)
	for _, ver := range versions() {
		for name := range ver.actions {
			if !v.Has(ver.name, name) {
				t.Errorf("Has(%q, %q) = false", ver.name, name)
			}
		}
	}
	for _, c := range [][2]string{{"1.6", "TransactionEvent"}, {"2.0.1", "StartTransaction"}, {"2.1", "Heartbeat"}, {"1.6", ""}, {"", "Heartbeat"}} {
		if v.Has(c[0], c[1]) {
			t.Errorf("Has(%q, %q) = true", c[0], c[1])
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	const sn = `"connectorId": 1, "errorCode": "NoError", "status": "Available"`
	const boot201 = `"reason": "PowerUp", "chargingStation": {"model": "M", "vendorName": "V"}`
	tests := []struct {
		name     string
		version  string
		action   string
		response bool
		payload  string
		want     *schema.Violation // nil: valid
	}{
		// Valid payloads.
		{"1.6 empty", "1.6", "Heartbeat", false, `{}`, nil},
		{"1.6 status", "1.6", "StatusNotification", false, `{` + sn + `, "timestamp": "2024-05-06T07:00:00.5+02:00"}`, nil},
		{"1.6 open nested object", "1.6", "Authorize", true, `{"idTagInfo": {"status": "Accepted", "vendorThing": 1}}`, nil},
		{"1.6 one-digit limit", "1.6", "SetChargingProfile", false, chargingProfile16("7.3"), nil},
		{"1.6 white space", "1.6", "Heartbeat", false, " \r\n\t{ } \n", nil},
		{"2.0.1 boot", "2.0.1", "BootNotification", false, `{` + boot201 + `}`, nil},
		{"2.0.1 custom data", "2.0.1", "Heartbeat", false, `{"customData": {"vendorId": "x", "anything": [1, {"a": null}]}}`, nil},
		{"2.0.1 any data", "2.0.1", "DataTransfer", false, `{"vendorId": "x", "data": [1, "two", {"3": false}]}`, nil},
		{"2.0.1 response", "2.0.1", "BootNotification", true, `{"currentTime": "2024-05-06T07:08:09Z", "interval": 300, "status": "Pending"}`, nil},

		// Format.
		{"not JSON", "1.6", "Heartbeat", false, `{"a":`, &schema.Violation{Kind: schema.Format, Message: "payload: invalid JSON: unexpected end of input"}},
		{"not an object", "1.6", "Heartbeat", false, `[{}]`, &schema.Violation{Kind: schema.Format, Message: "payload: not a JSON object"}},
		{"null", "2.0.1", "Heartbeat", false, `null`, &schema.Violation{Kind: schema.Format, Message: "payload: not a JSON object"}},
		{"trailing data", "1.6", "Heartbeat", false, `{} {}`, &schema.Violation{Kind: schema.Format, Message: `payload: invalid JSON: offset 3: unexpected '{' after the top-level value`}},
		{"empty", "1.6", "Heartbeat", false, ``, &schema.Violation{Kind: schema.Format, Message: "payload: invalid JSON: unexpected end of input"}},
		{"invalid UTF-8", "1.6", "Authorize", false, "{\"idTag\": \"\xff\"}", &schema.Violation{Kind: schema.Format, Message: "payload: invalid JSON: offset 11: invalid UTF-8"}},

		// Occurrence.
		{"required", "1.6", "StatusNotification", false, `{"errorCode": "NoError", "status": "Available"}`,
			&schema.Violation{Kind: schema.Occurrence, Path: "/connectorId", Message: "connectorId: required"}},
		{"additional", "1.6", "Heartbeat", false, `{"beat": true}`,
			&schema.Violation{Kind: schema.Occurrence, Path: "/beat", Message: "beat: not allowed"}},
		{"nested required", "2.0.1", "BootNotification", false, `{"reason": "PowerUp", "chargingStation": {"vendorName": "V"}}`,
			&schema.Violation{Kind: schema.Occurrence, Path: "/chargingStation/model", Message: "chargingStation.model: required"}},
		{"nested additional", "2.0.1", "BootNotification", false, `{"reason": "PowerUp", "chargingStation": {"model": "M", "vendorName": "V", "colour": "red"}}`,
			&schema.Violation{Kind: schema.Occurrence, Path: "/chargingStation/colour", Message: "chargingStation.colour: not allowed"}},
		{"custom data vendor", "2.0.1", "Heartbeat", false, `{"customData": {}}`,
			&schema.Violation{Kind: schema.Occurrence, Path: "/customData/vendorId", Message: "customData.vendorId: required"}},
		{"min items", "2.0.1", "MeterValues", false, `{"evseId": 1, "meterValue": []}`,
			&schema.Violation{Kind: schema.Occurrence, Path: "/meterValue", Message: "meterValue: fewer than 1 items"}},
		{"max items", "2.0.1", "NotifyReport", false, `{"requestId": 1, "generatedAt": "2024-05-06T07:08:09Z", "seqNo": 0, "reportData": [
			{"component": {"name": "C"}, "variable": {"name": "V"}, "variableAttribute": [{}, {}, {}, {}, {}]}]}`,
			&schema.Violation{Kind: schema.Occurrence, Path: "/reportData/0/variableAttribute", Message: "reportData[0].variableAttribute: more than 4 items"}},
		{"response required", "1.6", "BootNotification", true, `{"status": "Accepted", "currentTime": "2024-05-06T07:08:09Z"}`,
			&schema.Violation{Kind: schema.Occurrence, Path: "/interval", Message: "interval: required"}},

		// Type.
		{"string for integer", "1.6", "StatusNotification", false, `{"connectorId": "1", "errorCode": "NoError", "status": "Available"}`,
			&schema.Violation{Kind: schema.Type, Path: "/connectorId", Message: "connectorId: want integer, got string"}},
		{"fraction for integer", "1.6", "StatusNotification", false, `{"connectorId": 1.5, "errorCode": "NoError", "status": "Available"}`,
			&schema.Violation{Kind: schema.Type, Path: "/connectorId", Message: "connectorId: want integer, got number"}},
		{"string for boolean", "2.0.1", "TransactionEvent", false, transactionEvent201(`"offline": "no"`),
			&schema.Violation{Kind: schema.Type, Path: "/offline", Message: "offline: want boolean, got string"}},
		{"null for object", "2.0.1", "Authorize", false, `{"idToken": null}`,
			&schema.Violation{Kind: schema.Type, Path: "/idToken", Message: "idToken: want object, got null"}},
		{"nested array type", "1.6", "MeterValues", false, `{"connectorId": 1, "meterValue": [{"timestamp": "2024-05-06T07:00:00Z", "sampledValue": {}}]}`,
			&schema.Violation{Kind: schema.Type, Path: "/meterValue/0/sampledValue", Message: "meterValue[0].sampledValue: want array, got object"}},

		// Property.
		{"enum", "1.6", "StatusNotification", false, `{"connectorId": 1, "errorCode": "NoError", "status": "Broken"}`,
			&schema.Violation{Kind: schema.Property, Path: "/status", Message: `status: "Broken" is not an allowed value`}},
		{"enum long value", "1.6", "StatusNotification", false, `{"connectorId": 1, "errorCode": "NoError", "status": "` + strings.Repeat("x", 41) + `"}`,
			&schema.Violation{Kind: schema.Property, Path: "/status", Message: `status: not an allowed value`}},
		{"max length", "1.6", "StatusNotification", false, `{` + sn + `, "info": "` + strings.Repeat("é", 51) + `"}`,
			&schema.Violation{Kind: schema.Property, Path: "/info", Message: "info: longer than 50 characters"}},
		{"date-time", "1.6", "StatusNotification", false, `{` + sn + `, "timestamp": "2024-05-06 07:00:00"}`,
			&schema.Violation{Kind: schema.Property, Path: "/timestamp", Message: "timestamp: not a valid date-time"}},
		{"date-time without zone", "2.0.1", "Heartbeat", true, `{"currentTime": "2024-05-06T07:00:00"}`,
			&schema.Violation{Kind: schema.Property, Path: "/currentTime", Message: "currentTime: not a valid date-time"}},
		{"uri", "1.6", "GetDiagnostics", false, `{"location": "no scheme here"}`,
			&schema.Violation{Kind: schema.Property, Path: "/location", Message: "location: not a valid uri"}},
		{"multipleOf", "1.6", "SetChargingProfile", false, chargingProfile16("7.36"),
			&schema.Violation{Kind: schema.Property, Path: "/csChargingProfiles/chargingSchedule/chargingSchedulePeriod/0/limit",
				Message: "csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit: not a multiple of 0.1"}},
		{"maximum", "2.0.1", "NotifyEVChargingNeeds", false, `{"evseId": 1, "chargingNeeds": {"requestedEnergyTransfer": "DC", "dcChargingParameters": {"evMaxCurrent": 100, "evMaxVoltage": 400, "stateOfCharge": 101}}}`,
			&schema.Violation{Kind: schema.Property, Path: "/chargingNeeds/dcChargingParameters/stateOfCharge", Message: "chargingNeeds.dcChargingParameters.stateOfCharge: greater than 100"}},
		{"minimum", "2.0.1", "NotifyEVChargingNeeds", false, `{"evseId": 1, "chargingNeeds": {"requestedEnergyTransfer": "DC", "dcChargingParameters": {"evMaxCurrent": 100, "evMaxVoltage": 400, "bulkSoC": -1}}}`,
			&schema.Violation{Kind: schema.Property, Path: "/chargingNeeds/dcChargingParameters/bulkSoC", Message: "chargingNeeds.dcChargingParameters.bulkSoC: less than 0"}},
		{"response enum", "2.0.1", "BootNotification", true, `{"currentTime": "2024-05-06T07:08:09Z", "interval": 300, "status": "OK"}`,
			&schema.Violation{Kind: schema.Property, Path: "/status", Message: `status: "OK" is not an allowed value`}},

		// Unknown action.
		{"unknown action", "1.6", "Reboot", false, `{}`, &schema.Violation{Kind: schema.UnknownAction, Message: `unknown action "Reboot" in OCPP 1.6`}},
		{"action of other version", "2.0.1", "StartTransaction", false, `{}`, &schema.Violation{Kind: schema.UnknownAction, Message: `unknown action "StartTransaction" in OCPP 2.0.1`}},
		{"unknown version", "2.1", "Heartbeat", false, `{}`, &schema.Violation{Kind: schema.UnknownAction, Message: `unknown OCPP version "2.1"`}},
	}
	v := MustValidator(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := v.Validate(tt.version, tt.action, tt.response, []byte(tt.payload))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var got *schema.Violation
			if !errors.As(err, &got) {
				t.Fatalf("Validate() = %#v, want a *Violation", err)
			}
			if *got != *tt.want {
				t.Errorf("Validate() =\n %+v\nwant\n %+v", *got, *tt.want)
			}
			if got.Error() != tt.want.Message {
				t.Errorf("Error() = %q, want %q", got.Error(), tt.want.Message)
			}
		})
	}
}

func chargingProfile16(limit string) string {
	return `{"connectorId": 1, "csChargingProfiles": {"chargingProfileId": 1, "stackLevel": 0,
		"chargingProfilePurpose": "TxProfile", "chargingProfileKind": "Absolute",
		"chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": ` + limit + `}]}}}`
}

func transactionEvent201(extra string) string {
	return `{"eventType": "Started", "timestamp": "2024-05-06T07:00:00Z", "triggerReason": "Authorized",
		"seqNo": 0, "transactionInfo": {"transactionId": "t1"}, ` + extra + `}`
}

// TestViolationDeterministic checks that a payload with several problems
// always reports the same one, although the library visits properties in map
// order: Occurrence before Type before Property, then the smallest path.
func TestViolationDeterministic(t *testing.T) {
	t.Parallel()
	v := MustValidator(t)
	payload := []byte(`{"connectorId": "x", "errorCode": "Bad", "status": "Bad", "zeta": 1, "alpha": 2, "info": 5}`)
	want := schema.Violation{Kind: schema.Occurrence, Path: "/alpha", Message: "alpha: not allowed"}
	typeOnly := []byte(`{"connectorId": "x", "errorCode": "Bad", "status": "Bad", "info": 5}`)
	wantType := schema.Violation{Kind: schema.Type, Path: "/connectorId", Message: "connectorId: want integer, got string"}
	for range 50 {
		var got *schema.Violation
		if !errors.As(v.Validate("1.6", "StatusNotification", false, payload), &got) || *got != want {
			t.Fatalf("Validate() = %+v, want %+v", got, want)
		}
		if !errors.As(v.Validate("1.6", "StatusNotification", false, typeOnly), &got) || *got != wantType {
			t.Fatalf("Validate() = %+v, want %+v", got, wantType)
		}
	}
}

func TestKindString(t *testing.T) {
	t.Parallel()
	want := map[schema.Kind]string{
		schema.Format: "Format", schema.Occurrence: "Occurrence", schema.Type: "Type",
		schema.Property: "Property", schema.UnknownAction: "UnknownAction", 0: "Kind(0)", 99: "Kind(99)",
	}
	for k, s := range want {
		if k.String() != s {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), k.String(), s)
		}
	}
}

// TestFixtures validates the example payloads of ocpp/v16 and ocpp/v201, and
// the same payloads after a round trip through their typed structs.
func TestFixtures(t *testing.T) {
	t.Parallel()
	v := MustValidator(t)
	for _, ver := range versions() {
		files, err := filepath.Glob(filepath.Join(ver.testdata, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) < 20 {
			t.Fatalf("only %d fixtures in %s", len(files), ver.testdata)
		}
		for _, f := range files {
			base := strings.TrimSuffix(filepath.Base(f), ".json")
			t.Run(ver.name+"/"+base, func(t *testing.T) {
				t.Parallel()
				name, response := strings.CutSuffix(base, "Response")
				if !response {
					name = strings.TrimSuffix(base, "Request")
				}
				a, ok := ver.actions[name]
				if !ok {
					t.Fatalf("no action %s", name)
				}
				in, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				if err := v.Validate(ver.name, name, response, in); err != nil {
					t.Fatalf("fixture: %v", err)
				}
				typed := a.newRequest()
				if response {
					typed = a.newResponse()
				}
				out := MustRoundTrip(t, typed, in)
				if err := v.Validate(ver.name, name, response, out); err != nil {
					t.Errorf("after round trip: %v\n%s", err, out)
				}
			})
		}
	}
}

// TestEveryMessageRoundTrips builds, for every request and response of both
// versions, one payload with every property set and one with the required
// properties only, straight from the schema. Each must validate, decode into
// its typed struct without unknown fields, and encode back to the same JSON
// value, which validates again.
func TestEveryMessageRoundTrips(t *testing.T) {
	t.Parallel()
	v := MustValidator(t)
	for _, ver := range versions() {
		names := make([]string, 0, len(ver.actions))
		for n := range ver.actions {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			a := ver.actions[name]
			for _, msg := range []struct {
				response bool
				file     string
				newT     func() any
			}{{false, a.request, a.newRequest}, {true, a.response, a.newResponse}} {
				for _, full := range []bool{true, false} {
					label := ver.name + "/" + strings.TrimPrefix(msg.file, "schemas/")
					if !full {
						label += "/minimal"
					}
					t.Run(label, func(t *testing.T) {
						t.Parallel()
						raw, err := fs.ReadFile(ver.fsys, msg.file)
						if err != nil {
							t.Fatal(err)
						}
						var doc map[string]any
						if err := json.Unmarshal(raw, &doc); err != nil {
							t.Fatal(err)
						}
						s := synth{doc: doc, full: full, extras: ver.name == v201.Version, integral: integral[ver.name+" "+msg.file]}
						in, err := json.Marshal(s.value(doc, ""))
						if err != nil {
							t.Fatal(err)
						}
						if err := v.Validate(ver.name, name, msg.response, in); err != nil {
							t.Fatalf("synthesized payload: %v\n%s", err, in)
						}
						out := MustRoundTrip(t, msg.newT(), in)
						if err := v.Validate(ver.name, name, msg.response, out); err != nil {
							t.Errorf("after round trip: %v\n%s", err, out)
						}
						if got, want := MustDecodeAny(t, out), MustDecodeAny(t, in); !reflect.DeepEqual(got, want) {
							t.Errorf("round trip changed the payload\n got %s\nwant %s", out, in)
						}
					})
				}
			}
		}
	}
}

// synth builds a payload from a schema: every property (full) or the
// required ones only, one item per array (or minItems), the first value of
// each enumeration after rotating by path length, and fixed values that meet
// the schemas' formats and bounds.
type synth struct {
	doc      map[string]any
	full     bool
	extras   bool            // add an unknown property to objects that admit them
	integral map[string]bool // paths of numbers the Go types hold as int
}

// integral lists the properties the 1.6 schemas type as "number" where the
// specification says integer; the generated structs hold them as int, so
// they only round-trip integral values.
var integral = map[string]map[string]bool{
	"1.6 schemas/BootNotificationResponse.json": {"/interval": true},
	"1.6 schemas/UpdateFirmware.json":           {"/retries": true, "/retryInterval": true},
}

func (s synth) value(n map[string]any, path string) any {
	if ref, ok := n["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/definitions/")
		n = s.doc["definitions"].(map[string]any)[name].(map[string]any)
	}
	if enum, ok := n["enum"].([]any); ok {
		return enum[len(path)%len(enum)]
	}
	switch n["type"] {
	case "object":
		obj := map[string]any{}
		props, _ := n["properties"].(map[string]any)
		required := map[string]bool{}
		for _, r := range asSlice(n["required"]) {
			required[r.(string)] = true
		}
		for name, p := range props {
			if s.full || required[name] {
				obj[name] = s.value(p.(map[string]any), path+"/"+name)
			}
		}
		if ap, set := n["additionalProperties"]; s.full && s.extras && (!set || ap == true) {
			obj["x-vendor"] = map[string]any{"k": []any{1.0, "two", true, nil}}
		}
		return obj
	case "array":
		count := 1
		if m, ok := n["minItems"].(float64); ok {
			count = int(m)
		}
		if !s.full && n["minItems"] == nil {
			count = 0
		}
		items := make([]any, count)
		for i := range items {
			items[i] = s.value(n["items"].(map[string]any), path+"[]")
		}
		return items
	case "string":
		switch n["format"] {
		case "date-time":
			return "2024-05-06T07:08:09Z"
		case "uri":
			return "https://example.com/file.bin"
		}
		str := "abc"
		if m, ok := n["maxLength"].(float64); ok && int(m) < len(str) {
			str = str[:int(m)]
		}
		return str
	case "integer":
		return bounded(n, 1)
	case "number":
		if s.integral[path] {
			return bounded(n, 2)
		}
		return bounded(n, 1.5)
	case "boolean":
		return true
	case nil: // any JSON value
		return map[string]any{"any": []any{"json", 1.0, false, nil}}
	}
	panic("synth: unsupported schema at " + path)
}

func bounded(n map[string]any, v float64) float64 {
	if m, ok := n["minimum"].(float64); ok && v < m {
		v = m
	}
	if m, ok := n["maximum"].(float64); ok && v > m {
		v = m
	}
	return v
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// MustRoundTrip decodes b into v, refusing unknown fields, and returns v
// encoded.
func MustRoundTrip(tb testing.TB, v any, b []byte) []byte {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		tb.Fatalf("decode into %T: %v\n%s", v, err, b)
	}
	out, err := json.Marshal(v)
	if err != nil {
		tb.Fatalf("encode %T: %v", v, err)
	}
	return out
}

func MustDecodeAny(tb testing.TB, b []byte) any {
	tb.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		tb.Fatal(err)
	}
	return v
}
