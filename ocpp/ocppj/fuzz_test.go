package ocppj

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// FuzzParse checks that Parse never panics, agrees with encoding/json about what is not JSON,
// and that every frame it accepts re-encodes to an equivalent frame.
// Seeds: testdata/fuzz/FuzzParse and the files in testdata.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"metervalues16_call.json", "bootnotification201_call.json", "heartbeat201_result.json", "notimplemented16_error.json"} {
		f.Add(MustReadFile(f, name))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		m, err := Parse(frame)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse error %v is not an *Error", err)
			}
			if e.Fault < FaultGeneric || e.Fault > FaultRPCFramework || e.Description == "" {
				t.Fatalf("Parse error %+v has a bad fault or no description", e)
			}
			if e.ID != "" && e.ID != m.ID {
				t.Fatalf("error id %q differs from message id %q", e.ID, m.ID)
			}
			if !json.Valid(frame) && e.Fault != FaultFormat {
				t.Fatalf("frame is not JSON, but the fault is %v (%v)", e.Fault, e)
			}
			return
		}
		if !json.Valid(frame) {
			t.Fatalf("Parse accepted %q, which encoding/json rejects", frame)
		}
		var again []byte
		switch m.Type {
		case Call:
			again = AppendCall(nil, m.ID, m.Action, m.Payload)
		case CallResult:
			again = AppendResult(nil, m.ID, m.Payload)
		case CallError:
			again = AppendError(nil, OCPP201, m.ID, &Error{Code: m.Code, Description: m.Description, Details: m.Details})
		default:
			t.Fatalf("Parse accepted message type %v", m.Type)
		}
		m2, err := Parse(again)
		if err != nil {
			t.Fatalf("re-encoded frame %s does not parse: %v", again, err)
		}
		desc := m.Description
		if len(desc) > MaxDescriptionLength {
			desc = truncate(desc, MaxDescriptionLength)
		}
		if m2.Type != m.Type || m2.ID != m.ID || m2.Action != m.Action || m2.Code != m.Code || m2.Description != desc ||
			!bytes.Equal(orEmpty(m2.Payload, m.Type != CallError), orEmpty(m.Payload, m.Type != CallError)) ||
			!bytes.Equal(orEmpty(m2.Details, m.Type == CallError), orEmpty(m.Details, m.Type == CallError)) {
			t.Fatalf("round trip changed the message:\n%+v\n%+v", m, m2)
		}
	})
}

// orEmpty returns b, or {} for an absent object that the writers fill in.
func orEmpty(b []byte, filled bool) []byte {
	if len(b) == 0 && filled {
		return []byte("{}")
	}
	return b
}
