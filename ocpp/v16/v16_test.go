package v16_test

import (
	"encoding/json"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda/ocpp/internal/jsontest"

	v16 "github.com/ladda-csms/ladda/ocpp/v16"
)

func TestVersion(t *testing.T) {
	t.Parallel()
	if v16.Version != "1.6" || v16.Subprotocol != "ocpp1.6" {
		t.Errorf("Version, Subprotocol = %q, %q", v16.Version, v16.Subprotocol)
	}
}

// TestActionsMatchSchemas checks that every schema file belongs to exactly one
// action of the table and every action has both of its schema files.
func TestActionsMatchSchemas(t *testing.T) {
	t.Parallel()
	files, err := fs.Glob(v16.Schemas, "schemas/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2*39 {
		t.Errorf("%d schema files, want 78 (39 actions)", len(files))
	}
	owner := map[string]string{}
	for name, a := range v16.Actions {
		if a.Name != name {
			t.Errorf("Actions[%q].Name = %q", name, a.Name)
		}
		if want := "schemas/" + name + ".json"; a.RequestSchema != want {
			t.Errorf("%s: RequestSchema = %q, want %q", name, a.RequestSchema, want)
		}
		if want := "schemas/" + name + "Response.json"; a.ResponseSchema != want {
			t.Errorf("%s: ResponseSchema = %q, want %q", name, a.ResponseSchema, want)
		}
		for _, f := range []string{a.RequestSchema, a.ResponseSchema} {
			if prev, dup := owner[f]; dup {
				t.Errorf("%s claimed by %s and %s", f, prev, name)
			}
			owner[f] = name
		}
	}
	for _, f := range files {
		if owner[f] == "" {
			t.Errorf("schema %s has no action", f)
		}
		delete(owner, f)
	}
	for f, a := range owner {
		t.Errorf("action %s: schema %s is not embedded", a, f)
	}
	if got := v16.ActionNames(); len(got) != len(v16.Actions) || got[0] != "Authorize" || got[len(got)-1] != "UpdateFirmware" {
		t.Errorf("ActionNames() = %v", got)
	}
}

func TestDirections(t *testing.T) {
	t.Parallel()
	var station, csms []string
	for _, name := range v16.ActionNames() {
		a := v16.Actions[name]
		if !a.FromStation && !a.FromCSMS {
			t.Errorf("%s: no direction", name)
		}
		if a.FromStation {
			station = append(station, name)
		}
		if a.FromCSMS {
			csms = append(csms, name)
		}
	}
	wantStation := "Authorize BootNotification DataTransfer DiagnosticsStatusNotification " +
		"FirmwareStatusNotification Heartbeat LogStatusNotification MeterValues " +
		"SecurityEventNotification SignCertificate SignedFirmwareStatusNotification " +
		"StartTransaction StatusNotification StopTransaction"
	if got := strings.Join(station, " "); got != wantStation {
		t.Errorf("initiated by the charge point:\n got %s\nwant %s", got, wantStation)
	}
	if len(csms) != 26 {
		t.Errorf("%d actions initiated by the central system, want 26: %v", len(csms), csms)
	}
	if dt := v16.Actions["DataTransfer"]; !dt.FromStation || !dt.FromCSMS {
		t.Errorf("DataTransfer = %+v, want both directions", dt)
	}
}

// TestPayloadTypes checks that Request and Response return fresh pointers to
// the message structs named after the action.
func TestPayloadTypes(t *testing.T) {
	t.Parallel()
	for name, a := range v16.Actions {
		for _, c := range []struct {
			new    func() any
			suffix string
		}{{a.Request, "Request"}, {a.Response, "Response"}} {
			p1, p2 := c.new(), c.new()
			rt := reflect.TypeOf(p1)
			if rt.Kind() != reflect.Pointer || rt.Elem().Kind() != reflect.Struct {
				t.Errorf("%s: %s() returns %T, want a pointer to a struct", name, c.suffix, p1)
				continue
			}
			want := strings.ReplaceAll(name, "Ids", "IDs") + c.suffix
			if rt.Elem().Name() != want {
				t.Errorf("%s: %s() returns %T, want *v16.%s", name, c.suffix, p1, want)
			}
			if p1 == p2 && rt.Elem().Size() > 0 { // zero-size values may share an address
				t.Errorf("%s: %s() returns the same pointer twice", name, c.suffix)
			}
		}
	}
}

// TestFixturesRoundTrip decodes every example payload in testdata into its
// typed struct, refusing unknown fields, and checks that encoding the struct
// gives the same JSON value back.
func TestFixturesRoundTrip(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/*.json")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		base := strings.TrimSuffix(filepath.Base(f), ".json")
		seen[base] = true
		t.Run(base, func(t *testing.T) {
			t.Parallel()
			in := jsontest.MustRead(t, f)
			out := jsontest.MustRoundTrip(t, newPayload(t, base), in)
			if got, want := jsontest.MustNormalize(t, out), jsontest.MustNormalize(t, in); !reflect.DeepEqual(got, want) {
				t.Errorf("round trip changed the payload\n got %s\nwant %s", out, in)
			}
		})
	}
	// Every action the charge point initiates has both payloads as fixtures.
	for name, a := range v16.Actions {
		if !a.FromStation {
			continue
		}
		for _, s := range []string{"Request", "Response"} {
			if !seen[name+s] {
				t.Errorf("testdata/%s%s.json is missing", name, s)
			}
		}
	}
}

func TestDecodedValues(t *testing.T) {
	t.Parallel()
	var mv v16.MeterValuesRequest
	jsontest.MustDecode(t, jsontest.MustRead(t, "testdata/MeterValuesRequest.json"), &mv)
	if mv.ConnectorID != 1 || mv.TransactionID == nil || *mv.TransactionID != 4711 {
		t.Errorf("connectorId, transactionId = %d, %v", mv.ConnectorID, mv.TransactionID)
	}
	sv := mv.MeterValue[0].SampledValue[0]
	want := v16.SampledValue{
		Value: "12345.6", Context: v16.ReadingContextSamplePeriodic, Format: v16.ValueFormatRaw,
		Measurand: v16.MeasurandEnergyActiveImportRegister, Location: v16.LocationOutlet, Unit: v16.UnitOfMeasureWh,
	}
	if sv != want {
		t.Errorf("sampledValue[0] = %+v, want %+v", sv, want)
	}
	if ts := mv.MeterValue[0].Timestamp; !ts.Equal(time.Date(2024, 5, 6, 7, 15, 0, 0, time.UTC)) {
		t.Errorf("timestamp = %v", ts)
	}

	var st v16.StatusNotificationRequest
	jsontest.MustDecode(t, jsontest.MustRead(t, "testdata/StatusNotificationRequest.json"), &st)
	if st.Status != v16.ChargePointStatusCharging || st.ErrorCode != v16.ChargePointErrorCodeNoError || st.Timestamp == nil {
		t.Errorf("status notification = %+v", st)
	}

	var boot v16.BootNotificationResponse
	jsontest.MustDecode(t, jsontest.MustRead(t, "testdata/BootNotificationResponse.json"), &boot)
	if boot.Status != v16.RegistrationStatusAccepted || boot.Interval != 300 || boot.CurrentTime.Nanosecond() != 123e6 {
		t.Errorf("boot response = %+v", boot)
	}
}

// TestOptionalFields pins the pointer and omitempty rules: absent optional
// numbers stay absent, zero ones are sent, empty optional strings and
// enumerations are left out, required ones never are.
func TestOptionalFields(t *testing.T) {
	t.Parallel()
	zero := 0
	ts := time.Date(2024, 5, 6, 7, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		msg  any
		want string
	}{
		{"absent pointer", v16.StartTransactionRequest{ConnectorID: 1, IDTag: "A", Timestamp: ts},
			`{"connectorId":1,"idTag":"A","meterStart":0,"timestamp":"2024-05-06T07:00:00Z"}`},
		{"zero pointer", v16.StartTransactionRequest{ConnectorID: 1, IDTag: "A", Timestamp: ts, ReservationID: &zero},
			`{"connectorId":1,"idTag":"A","meterStart":0,"reservationId":0,"timestamp":"2024-05-06T07:00:00Z"}`},
		{"optional enum and time", v16.StatusNotificationRequest{ErrorCode: v16.ChargePointErrorCodeNoError, Status: v16.ChargePointStatusAvailable},
			`{"connectorId":0,"errorCode":"NoError","status":"Available"}`},
		{"optional struct", v16.StopTransactionResponse{}, `{}`},
		{"empty request", v16.HeartbeatRequest{}, `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(tt.msg)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("got  %s\nwant %s", b, tt.want)
			}
		})
	}
}

// newPayload returns a new struct for a fixture named <Action>Request or
// <Action>Response.
func newPayload(t testing.TB, base string) any {
	t.Helper()
	if name, ok := strings.CutSuffix(base, "Response"); ok {
		if a, ok := v16.Actions[name]; ok {
			return a.Response()
		}
	}
	if name, ok := strings.CutSuffix(base, "Request"); ok {
		if a, ok := v16.Actions[name]; ok {
			return a.Request()
		}
	}
	t.Fatalf("fixture %s names no action", base)
	return nil
}
