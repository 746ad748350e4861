package ocppj

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// MustReadFile returns the contents of testdata/name.
func MustReadFile(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// MustParse parses frame and fails the test on error.
func MustParse(tb testing.TB, frame []byte) Message {
	tb.Helper()
	m, err := Parse(frame)
	if err != nil {
		tb.Fatalf("Parse(%s): %v", frame, err)
	}
	return m
}

// mustElem returns element i of the JSON array frame, decoded by encoding/json.
func mustElem(tb testing.TB, frame []byte, i int) json.RawMessage {
	tb.Helper()
	var elems []json.RawMessage
	if err := json.Unmarshal(frame, &elems); err != nil || len(elems) <= i {
		tb.Fatalf("frame %s has no element %d (%v)", frame, i, err)
	}
	return elems[i]
}

// jsonEqual reports whether a and b hold the same JSON value.
func jsonEqual(tb testing.TB, a, b []byte) bool {
	tb.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		tb.Fatalf("unmarshal %s: %v", a, err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		tb.Fatalf("unmarshal %s: %v", b, err)
	}
	ja, _ := json.Marshal(va)
	jb, _ := json.Marshal(vb)
	return bytes.Equal(ja, jb)
}

func TestParseValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		frame   []byte
		want    Message // Payload and Details compared as JSON values
		payload string
		details string
	}{
		{
			name:    "1.6 MeterValues CALL from testdata",
			frame:   MustReadFile(t, "metervalues16_call.json"),
			want:    Message{Type: Call, ID: "5f9c2a1e-8b7d-4c3a-9e1f-0a2b3c4d5e6f", Action: "MeterValues"},
			payload: string(mustElem(t, MustReadFile(t, "metervalues16_call.json"), 3)),
		},
		{
			name:    "2.0.1 BootNotification CALL spread over lines with unicode escapes",
			frame:   MustReadFile(t, "bootnotification201_call.json"),
			want:    Message{Type: Call, ID: "19223201", Action: "BootNotification"},
			payload: `{"reason":"PowerUp","chargingStation":{"model":"SingleSocketCharger","vendorName":"VendorX","firmwareVersion":"1.2.3 été","modem":{"iccid":"8931440400012345678","imsi":"204080123456789"}}}`,
		},
		{
			name:    "CALLRESULT",
			frame:   MustReadFile(t, "heartbeat201_result.json"),
			want:    Message{Type: CallResult, ID: "19223202"},
			payload: `{"currentTime":"2025-11-23T17:45:00Z"}`,
		},
		{
			name:    "CALLERROR with escaped quotes in the description",
			frame:   MustReadFile(t, "notimplemented16_error.json"),
			want:    Message{Type: CallError, ID: "ab-7", Code: CodeNotImplemented, Description: `Requested Action "FooBar" is not known`},
			details: `{"action":"FooBar"}`,
		},
		{
			name:    "CALLERROR without details is accepted",
			frame:   []byte(`[4,"x","GenericError","oops"]`),
			want:    Message{Type: CallError, ID: "x", Code: CodeGenericError, Description: "oops"},
			details: ``,
		},
		{
			name:    "null payload stands for {}",
			frame:   []byte(`[2,"1","Heartbeat",null]`),
			want:    Message{Type: Call, ID: "1", Action: "Heartbeat"},
			payload: `{}`,
		},
		{
			name:    "empty payload",
			frame:   []byte(` [ 2 , "1" , "Heartbeat" , { } ] ` + "\r\n"),
			want:    Message{Type: Call, ID: "1", Action: "Heartbeat"},
			payload: `{}`,
		},
		{
			name:    "id of exactly 36 characters",
			frame:   []byte(`[3,"123456789012345678901234567890123456",{}]`),
			want:    Message{Type: CallResult, ID: "123456789012345678901234567890123456"},
			payload: `{}`,
		},
		{
			name:    "escaped id and surrogate pair",
			frame:   []byte(`[2,"a\"b\\c\u00e9\ud83d\ude00","Act\/ion",{"x":[1,-2.5e+3,true,false,null,"\ud83d"]}]`),
			want:    Message{Type: Call, ID: "a\"b\\cé😀", Action: "Act/ion"},
			payload: `{"x":[1,-2.5e+3,true,false,null,"\ud83d"]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := MustParse(t, tt.frame)
			if got.Type != tt.want.Type || got.ID != tt.want.ID || got.Action != tt.want.Action ||
				got.Code != tt.want.Code || got.Description != tt.want.Description {
				t.Errorf("Parse = %+v, want %+v", got, tt.want)
			}
			if tt.payload != "" && !jsonEqual(t, got.Payload, []byte(tt.payload)) {
				t.Errorf("Payload = %s, want %s", got.Payload, tt.payload)
			}
			if tt.payload == "" && got.Payload != nil {
				t.Errorf("Payload = %s, want none", got.Payload)
			}
			if tt.details != "" && !jsonEqual(t, got.Details, []byte(tt.details)) {
				t.Errorf("Details = %s, want %s", got.Details, tt.details)
			}
			if tt.details == "" && got.Details != nil {
				t.Errorf("Details = %s, want none", got.Details)
			}
		})
	}
}

func TestParsePayloadAliasesFrame(t *testing.T) {
	t.Parallel()
	frame := []byte(`[3,"1",{"a":1}]`)
	m := MustParse(t, frame)
	if string(m.Payload) != `{"a":1}` {
		t.Fatalf("Payload = %s", m.Payload)
	}
	frame[len(frame)-3] = '2' // the 1 in {"a":1}
	if string(m.Payload) != `{"a":2}` {
		t.Errorf("Payload = %s after changing the frame; want it to alias the frame", m.Payload)
	}
}

func TestParseInvalid(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	tests := []struct {
		name  string
		frame string
		fault Fault
		id    string // the id the error carries; "" when unreadable
		typ   MessageType
	}{
		// Not JSON at all.
		{"empty frame", ``, FaultFormat, "", 0},
		{"white space only", " \n", FaultFormat, "", 0},
		{"text", `hello`, FaultFormat, "", 0},
		{"truncated array", `[2,"1","Heartbeat",{}`, FaultFormat, "1", Call},
		{"truncated payload", `[2,"1","Heartbeat",{"a":`, FaultFormat, "1", Call},
		{"bad payload syntax keeps the id", `[2,"abc","Heartbeat",{"a":}]`, FaultFormat, "abc", Call},
		{"single quotes", `[2,'1','Heartbeat',{}]`, FaultFormat, "", Call},
		{"trailing comma", `[2,"1","Heartbeat",{},]`, FaultFormat, "1", Call},
		{"data after the frame", `[2,"1","Heartbeat",{}] x`, FaultFormat, "1", Call},
		{"two frames", `[3,"1",{}][3,"2",{}]`, FaultFormat, "1", CallResult},
		{"control character in string", "[2,\"1\",\"Heart\nbeat\",{}]", FaultFormat, "1", Call},
		{"invalid escape", `[2,"1","Heart\xbeat",{}]`, FaultFormat, "1", Call},
		{"short unicode escape", `[2,"1","Heart\u12",{}]`, FaultFormat, "1", Call},
		{"invalid UTF-8", "[2,\"1\",\"Heart\xffbeat\",{}]", FaultFormat, "1", Call},
		{"leading zero number", `[2,"1","A",{"n":01}]`, FaultFormat, "1", Call},
		{"bad exponent", `[2,"1","A",{"n":1e}]`, FaultFormat, "1", Call},
		{"bare fraction", `[2,"1","A",{"n":.5}]`, FaultFormat, "1", Call},
		{"misspelled literal", `[2,"1","A",{"b":ture}]`, FaultFormat, "1", Call},
		{"object key not a string", `[2,"1","A",{a:1}]`, FaultFormat, "1", Call},
		{"nested too deeply", `[2,"1","A",{"a":` + deep + `}]`, FaultFormat, "1", Call},
		{"type number malformed", `[-,"1"]`, FaultFormat, "", 0},
		{"invalid JSON after unsupported type", `[9,"1",{]`, FaultFormat, "1", 9},
		{"invalid JSON after non-string id", `[2,1,"A",{]`, FaultFormat, "", Call},

		// Well-formed JSON, but not an RPC frame.
		{"object", `{"type":2}`, FaultRPCFramework, "", 0},
		{"number", `2`, FaultRPCFramework, "", 0},
		{"empty array", `[]`, FaultRPCFramework, "", 0},
		{"type is a string", `["2","1","Heartbeat",{}]`, FaultRPCFramework, "", 0},
		{"type only", `[2]`, FaultRPCFramework, "", Call},
		{"id is a number", `[2,1,"Heartbeat",{}]`, FaultRPCFramework, "", Call},
		{"id is null", `[3,null,{}]`, FaultRPCFramework, "", CallResult},
		{"id is empty", `[2,"","Heartbeat",{}]`, FaultRPCFramework, "", Call},
		{"id too long", `[2,"1234567890123456789012345678901234567","Heartbeat",{}]`, FaultRPCFramework, "1234567890123456789012345678901234567", Call},
		{"CALL without payload", `[2,"1","Heartbeat"]`, FaultRPCFramework, "1", Call},
		{"CALL without action", `[2,"1"]`, FaultRPCFramework, "1", Call},
		{"CALL with five elements", `[2,"1","Heartbeat",{},{}]`, FaultRPCFramework, "1", Call},
		{"action is a number", `[2,"1",7,{}]`, FaultRPCFramework, "1", Call},
		{"action is empty", `[2,"1","",{}]`, FaultRPCFramework, "1", Call},
		{"CALLRESULT with four elements", `[3,"1",{},{}]`, FaultRPCFramework, "1", CallResult},
		{"CALLRESULT without payload", `[3,"1"]`, FaultRPCFramework, "1", CallResult},
		{"CALLERROR without description", `[4,"1","GenericError"]`, FaultRPCFramework, "1", CallError},
		{"CALLERROR code not a string", `[4,"1",5,"x",{}]`, FaultRPCFramework, "1", CallError},
		{"CALLERROR description not a string", `[4,"1","GenericError",{},{}]`, FaultRPCFramework, "1", CallError},
		{"CALLERROR with six elements", `[4,"1","GenericError","x",{},1]`, FaultRPCFramework, "1", CallError},

		// Payloads that are not objects.
		{"payload is an array", `[2,"1","Heartbeat",[]]`, FaultFormat, "1", Call},
		{"payload is a string", `[3,"1","ok"]`, FaultFormat, "1", CallResult},
		{"details is a string", `[4,"1","GenericError","x","y"]`, FaultFormat, "1", CallError},

		// Message types other than 2, 3, 4.
		{"type 5 (2.1 CALLRESULTERROR)", `[5,"1","GenericError","x",{}]`, FaultMessageTypeNotSupported, "1", 5},
		{"type 6 (2.1 SEND)", `[6,"7","NotifyPeriodicEventStream",{}]`, FaultMessageTypeNotSupported, "7", 6},
		{"type 0", `[0,"1"]`, FaultMessageTypeNotSupported, "1", 0},
		{"type negative", `[-2,"1","A",{}]`, FaultMessageTypeNotSupported, "1", 0},
		{"type fraction", `[2.0,"1","A",{}]`, FaultMessageTypeNotSupported, "1", 0},
		{"type huge", `[99999999999999999999,"1","A",{}]`, FaultMessageTypeNotSupported, "1", 0},
		{"unsupported type without id", `[9]`, FaultRPCFramework, "", 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := Parse([]byte(tt.frame))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) error = %v, want an *Error", tt.frame, err)
			}
			if e.Fault != tt.fault || e.ID != tt.id {
				t.Errorf("Parse(%q) = fault %v id %q (%v), want fault %v id %q", tt.frame, e.Fault, e.ID, e, tt.fault, tt.id)
			}
			if m.Type != tt.typ {
				t.Errorf("Parse(%q) message type = %v, want %v", tt.frame, m.Type, tt.typ)
			}
			if e.Description == "" {
				t.Errorf("Parse(%q) error has no description", tt.frame)
			}
		})
	}
}

func TestDialectCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fault   Fault
		code16  ErrorCode
		code201 ErrorCode
	}{
		{FaultGeneric, "GenericError", "GenericError"},
		{FaultFormat, "FormationViolation", "FormatViolation"},
		{FaultOccurrence, "OccurenceConstraintViolation", "OccurrenceConstraintViolation"},
		{FaultType, "TypeConstraintViolation", "TypeConstraintViolation"},
		{FaultProperty, "PropertyConstraintViolation", "PropertyConstraintViolation"},
		{FaultProtocol, "ProtocolError", "ProtocolError"},
		{FaultNotImplemented, "NotImplemented", "NotImplemented"},
		{FaultNotSupported, "NotSupported", "NotSupported"},
		{FaultSecurity, "SecurityError", "SecurityError"},
		{FaultInternal, "InternalError", "InternalError"},
		{FaultMessageTypeNotSupported, "NotSupported", "MessageTypeNotSupported"},
		{FaultRPCFramework, "FormationViolation", "RpcFrameworkError"},
		{Fault(99), "GenericError", "GenericError"},
		{Fault(-1), "GenericError", "GenericError"},
	}
	for _, tt := range tests {
		if got := OCPP16.Code(tt.fault); got != tt.code16 {
			t.Errorf("OCPP16.Code(%v) = %s, want %s", tt.fault, got, tt.code16)
		}
		if got := OCPP201.Code(tt.fault); got != tt.code201 {
			t.Errorf("OCPP201.Code(%v) = %s, want %s", tt.fault, got, tt.code201)
		}
		if tt.fault >= 0 && tt.fault <= FaultRPCFramework {
			if got := FaultOf(tt.code201); got != tt.fault {
				t.Errorf("FaultOf(%s) = %v, want %v", tt.code201, got, tt.fault)
			}
		}
	}
	if got := FaultOf(CodeFormationViolation); got != FaultFormat {
		t.Errorf("FaultOf(FormationViolation) = %v", got)
	}
	if got := FaultOf(CodeOccurenceConstraintViolation); got != FaultOccurrence {
		t.Errorf("FaultOf(OccurenceConstraintViolation) = %v", got)
	}
	if got := FaultOf("Whatever"); got != FaultGeneric {
		t.Errorf("FaultOf(Whatever) = %v", got)
	}
}

func TestDialectFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sub  string
		want Dialect
		ok   bool
	}{
		{"ocpp1.6", OCPP16, true},
		{"ocpp2.0.1", OCPP201, true},
		{"ocpp2.1", OCPP201, true},
		{"ocpp1.5", 0, false},
		{"OCPP1.6", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := DialectFor(tt.sub)
		if got != tt.want || ok != tt.ok {
			t.Errorf("DialectFor(%q) = %v, %v; want %v, %v", tt.sub, got, ok, tt.want, tt.ok)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  *Error
		want string
	}{
		{Errorf(FaultNotImplemented, "action %q is unknown", "Foo"), `ocppj: not-implemented: action "Foo" is unknown`},
		{&Error{Code: CodeSecurityError}, "ocppj: SecurityError"},
		{&Error{}, "ocppj: generic"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	e := &Error{Fault: FaultFormat, Code: CodeSecurityError}
	if got := e.CodeIn(OCPP16); got != CodeSecurityError {
		t.Errorf("CodeIn with explicit Code = %s, want SecurityError", got)
	}
	e.Code = ""
	if got := e.CodeIn(OCPP16); got != CodeFormationViolation {
		t.Errorf("CodeIn(OCPP16) = %s, want FormationViolation", got)
	}
}

func TestInternBounded(t *testing.T) {
	// Not parallel: it fills the shared intern table.
	for i := range 2 * maxInterned {
		frame := AppendCall(nil, "1", fmt.Sprintf("Action%d", i), nil)
		MustParse(t, frame)
	}
	if n := lenMap(internTable.Load()); n > maxInterned {
		t.Errorf("intern table has %d entries, want at most %d", n, maxInterned)
	}
	m := MustParse(t, []byte(`[2,"1","Heartbeat",{}]`))
	if m.Action != "Heartbeat" {
		t.Errorf("Action = %q after the table filled up", m.Action)
	}
}
