package v201_test

import (
	"encoding/json"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda/ocpp/internal/jsontest"

	v201 "github.com/ladda-csms/ladda/ocpp/v201"
)

func TestVersion(t *testing.T) {
	t.Parallel()
	if v201.Version != "2.0.1" || v201.Subprotocol != "ocpp2.0.1" {
		t.Errorf("Version, Subprotocol = %q, %q", v201.Version, v201.Subprotocol)
	}
}

// TestActionsMatchSchemas checks that every schema file belongs to exactly one
// action of the table and every action has both of its schema files.
func TestActionsMatchSchemas(t *testing.T) {
	t.Parallel()
	files, err := fs.Glob(v201.Schemas, "schemas/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2*64 {
		t.Errorf("%d schema files, want 128 (64 actions)", len(files))
	}
	owner := map[string]string{}
	for name, a := range v201.Actions {
		if a.Name != name {
			t.Errorf("Actions[%q].Name = %q", name, a.Name)
		}
		if want := "schemas/" + name + "Request.json"; a.RequestSchema != want {
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
	if got := v201.ActionNames(); len(got) != len(v201.Actions) || got[0] != "Authorize" || got[len(got)-1] != "UpdateFirmware" {
		t.Errorf("ActionNames() = %v", got)
	}
}

func TestDirections(t *testing.T) {
	t.Parallel()
	var station, csms []string
	for _, name := range v201.ActionNames() {
		a := v201.Actions[name]
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
	wantStation := "Authorize BootNotification ClearedChargingLimit DataTransfer " +
		"FirmwareStatusNotification Get15118EVCertificate GetCertificateStatus Heartbeat " +
		"LogStatusNotification MeterValues NotifyChargingLimit NotifyCustomerInformation " +
		"NotifyDisplayMessages NotifyEVChargingNeeds NotifyEVChargingSchedule NotifyEvent " +
		"NotifyMonitoringReport NotifyReport PublishFirmwareStatusNotification " +
		"ReportChargingProfiles ReservationStatusUpdate SecurityEventNotification " +
		"SignCertificate StatusNotification TransactionEvent"
	if got := strings.Join(station, " "); got != wantStation {
		t.Errorf("initiated by the charging station:\n got %s\nwant %s", got, wantStation)
	}
	if len(csms) != 40 {
		t.Errorf("%d actions initiated by the CSMS, want 40: %v", len(csms), csms)
	}
	if dt := v201.Actions["DataTransfer"]; !dt.FromStation || !dt.FromCSMS {
		t.Errorf("DataTransfer = %+v, want both directions", dt)
	}
}

// TestPayloadTypes checks that Request and Response return fresh pointers to
// the message structs named after the action.
func TestPayloadTypes(t *testing.T) {
	t.Parallel()
	for name, a := range v201.Actions {
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
				t.Errorf("%s: %s() returns %T, want *v201.%s", name, c.suffix, p1, want)
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
	// The core actions the charging station initiates have both payloads
	// as fixtures.
	for _, name := range []string{
		"Authorize", "BootNotification", "DataTransfer", "FirmwareStatusNotification",
		"Heartbeat", "LogStatusNotification", "MeterValues", "NotifyEvent", "NotifyReport",
		"ReservationStatusUpdate", "SecurityEventNotification", "SignCertificate",
		"StatusNotification", "TransactionEvent",
	} {
		for _, s := range []string{"Request", "Response"} {
			if !seen[name+s] {
				t.Errorf("testdata/%s%s.json is missing", name, s)
			}
		}
	}
}

func TestDecodedValues(t *testing.T) {
	t.Parallel()
	var te v201.TransactionEventRequest
	jsontest.MustDecode(t, jsontest.MustRead(t, "testdata/TransactionEventRequest.json"), &te)
	if te.EventType != v201.TransactionEventStarted || te.TriggerReason != v201.TriggerReasonAuthorized || te.SeqNo != 0 {
		t.Errorf("transaction event = %+v", te)
	}
	if te.Offline == nil || *te.Offline || te.EVSE == nil || te.EVSE.ID != 1 || te.IDToken == nil || te.IDToken.Type != v201.IDTokenEnumISO14443 {
		t.Errorf("offline, evse, idToken = %v, %+v, %+v", te.Offline, te.EVSE, te.IDToken)
	}
	sv := te.MeterValue[0].SampledValue[1]
	if sv.Value != 16.5 || sv.Phase != v201.PhaseL1 || sv.UnitOfMeasure == nil || sv.UnitOfMeasure.Unit != "A" || sv.UnitOfMeasure.Multiplier != nil {
		t.Errorf("sampledValue[1] = %+v", sv)
	}

	var boot v201.BootNotificationResponse
	jsontest.MustDecode(t, jsontest.MustRead(t, "testdata/BootNotificationResponse.json"), &boot)
	if want := time.Date(2024, 5, 6, 5, 8, 9, 123e6, time.UTC); !boot.CurrentTime.Equal(want) || boot.Status != v201.RegistrationStatusAccepted {
		t.Errorf("boot response = %+v", boot)
	}

	var dt v201.DataTransferRequest
	jsontest.MustDecode(t, jsontest.MustRead(t, "testdata/DataTransferRequest.json"), &dt)
	var data struct{ MaxCurrent int }
	if err := json.Unmarshal(dt.Data, &data); err != nil || data.MaxCurrent != 32 {
		t.Errorf("data = %s (%v)", dt.Data, err)
	}
}

// TestCustomDataExtra checks that CustomData keeps vendor properties it does
// not name, wherever it is nested.
func TestCustomDataExtra(t *testing.T) {
	t.Parallel()
	var boot v201.BootNotificationRequest
	jsontest.MustDecode(t, jsontest.MustRead(t, "testdata/BootNotificationRequest.json"), &boot)
	cd := boot.CustomData
	if cd == nil || cd.VendorID != "com.alfen" || len(cd.Extra) != 2 || string(cd.Extra["bootCount"]) != "17" {
		t.Fatalf("customData = %+v", cd)
	}
	if _, ok := cd.Extra["vendorId"]; ok {
		t.Error("Extra holds vendorId, a named property")
	}

	tests := []struct {
		name string
		in   v201.CustomData
		want string
	}{
		{"no extra", v201.CustomData{VendorID: "v"}, `{"vendorId":"v"}`},
		{"sorted extra", v201.CustomData{VendorID: "v", Extra: map[string]json.RawMessage{"b": []byte(`[1, 2]`), "a": []byte(`{"x" : true}`)}},
			`{"vendorId":"v","a":{"x":true},"b":[1,2]}`},
		{"named wins", v201.CustomData{VendorID: "v", Extra: map[string]json.RawMessage{"vendorId": []byte(`"w"`)}}, `{"vendorId":"v"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("got  %s\nwant %s", b, tt.want)
			}
			var back v201.CustomData
			jsontest.MustDecode(t, b, &back)
			if back.VendorID != "v" {
				t.Errorf("decoded back: %+v", back)
			}
		})
	}
	if _, err := json.Marshal(v201.CustomData{VendorID: "v", Extra: map[string]json.RawMessage{"a": []byte(`{`)}}); err == nil {
		t.Error("invalid raw JSON in Extra encoded without error")
	}
}

// TestOptionalFields pins the pointer and omitempty rules: absent optional
// numbers and objects stay absent, zero ones are sent, empty optional
// strings, enumerations and arrays are left out, required ones never are.
func TestOptionalFields(t *testing.T) {
	t.Parallel()
	zero, no := 0, false
	ts := time.Date(2024, 5, 6, 7, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		msg  any
		want string
	}{
		{"absent", v201.TransactionEventRequest{EventType: v201.TransactionEventEnded, Timestamp: ts, TriggerReason: v201.TriggerReasonEVDeparted, TransactionInfo: v201.Transaction{TransactionID: "t"}},
			`{"eventType":"Ended","timestamp":"2024-05-06T07:00:00Z","triggerReason":"EVDeparted","seqNo":0,"transactionInfo":{"transactionId":"t"}}`},
		{"zero pointers", v201.TransactionEventRequest{EventType: v201.TransactionEventEnded, Timestamp: ts, TriggerReason: v201.TriggerReasonEVDeparted, TransactionInfo: v201.Transaction{TransactionID: "t"}, Offline: &no, ReservationID: &zero},
			`{"eventType":"Ended","timestamp":"2024-05-06T07:00:00Z","triggerReason":"EVDeparted","seqNo":0,"offline":false,"reservationId":0,"transactionInfo":{"transactionId":"t"}}`},
		{"required array", v201.GetVariablesRequest{GetVariableData: []v201.GetVariableData{}}, `{"getVariableData":[]}`},
		{"empty request", v201.HeartbeatRequest{}, `{}`},
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
		if a, ok := v201.Actions[name]; ok {
			return a.Response()
		}
	}
	if name, ok := strings.CutSuffix(base, "Request"); ok {
		if a, ok := v201.Actions[name]; ok {
			return a.Request()
		}
	}
	t.Fatalf("fixture %s names no action", base)
	return nil
}
