package ocppj

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestAppendFrames(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 200) // 400 bytes
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"call", AppendCall(nil, "42", "Heartbeat", json.RawMessage(`{}`)), `[2,"42","Heartbeat",{}]`},
		{"call without payload", AppendCall(nil, "42", "Heartbeat", nil), `[2,"42","Heartbeat",{}]`},
		{"call appends to dst", AppendCall([]byte("x"), "1", "A", json.RawMessage(`{"a":1}`)), `x[2,"1","A",{"a":1}]`},
		{"result", AppendResult(nil, "7", json.RawMessage(`{"status":"Accepted"}`)), `[3,"7",{"status":"Accepted"}]`},
		{"result without payload", AppendResult(nil, "7", nil), `[3,"7",{}]`},
		{"result escapes the id", AppendResult(nil, "a\"b\\c\n\x01", nil), `[3,"a\"b\\c\n\u0001",{}]`},
		{"error 1.6", AppendError(nil, OCPP16, "9", Errorf(FaultFormat, "bad")), `[4,"9","FormationViolation","bad",{}]`},
		{"error 2.0.1", AppendError(nil, OCPP201, "9", Errorf(FaultFormat, "bad")), `[4,"9","FormatViolation","bad",{}]`},
		{"error with explicit code", AppendError(nil, OCPP201, "9", &Error{Fault: FaultFormat, Code: "SecurityError"}), `[4,"9","SecurityError","",{}]`},
		{"error without id", AppendError(nil, OCPP201, "", Errorf(FaultRPCFramework, "no id")), `[4,"-1","RpcFrameworkError","no id",{}]`},
		{"error with details", AppendError(nil, OCPP16, "9", &Error{Fault: FaultInternal, Details: json.RawMessage(`{"k":"v"}`)}), `[4,"9","InternalError","",{"k":"v"}]`},
		{"nil error", AppendError(nil, OCPP16, "9", nil), `[4,"9","GenericError","",{}]`},
		{"description escaped", AppendError(nil, OCPP16, "9", Errorf(FaultGeneric, "say \"hi\"\t\\")), `[4,"9","GenericError","say \"hi\"\t\\",{}]`},
		{"invalid UTF-8 replaced", AppendError(nil, OCPP16, "9", Errorf(FaultGeneric, "a\xffb")), `[4,"9","GenericError","a\ufffdb",{}]`},
		{"description cut at 255 bytes on a rune boundary", AppendError(nil, OCPP16, "9", &Error{Description: long}), `[4,"9","GenericError","` + strings.Repeat("é", 127) + `",{}]`},
	}
	for _, tt := range tests {
		if string(tt.got) != tt.want {
			t.Errorf("%s: got  %s\nwant %s", tt.name, tt.got, tt.want)
		}
		if !json.Valid(tt.got[strings.IndexByte(string(tt.got), '['):]) {
			t.Errorf("%s: %s is not valid JSON", tt.name, tt.got)
		}
	}
}

func TestAppendRoundTrip(t *testing.T) {
	t.Parallel()
	strs := []string{"", "plain", `q"uote`, `back\slash`, "tab\tnew\nline\r", "\x00\x1f\x7f", "ünïcødé 😀", "\u2028\u2029", "</script>&"}
	for _, s := range strs {
		// encoding/json must read back what appendString wrote.
		var got string
		if err := json.Unmarshal(appendString(nil, s), &got); err != nil || got != s {
			t.Errorf("appendString(%q) = %s, decodes to %q (%v)", s, appendString(nil, s), got, err)
		}
		if s == "" {
			continue
		}
		// And so must Parse, for every frame kind.
		m := MustParse(t, AppendCall(nil, s, s, json.RawMessage(`{"a":[1,2]}`)))
		if m.Type != Call || m.ID != s || m.Action != s || string(m.Payload) != `{"a":[1,2]}` {
			t.Errorf("CALL round trip of %q = %+v", s, m)
		}
		m = MustParse(t, AppendResult(nil, s, json.RawMessage(`{"b":null}`)))
		if m.Type != CallResult || m.ID != s || string(m.Payload) != `{"b":null}` {
			t.Errorf("CALLRESULT round trip of %q = %+v", s, m)
		}
		m = MustParse(t, AppendError(nil, OCPP201, s, &Error{Code: ErrorCode(s), Description: s, Details: json.RawMessage(`{"c":{}}`)}))
		if m.Type != CallError || m.ID != s || m.Code != ErrorCode(s) || m.Description != s || string(m.Details) != `{"c":{}}` {
			t.Errorf("CALLERROR round trip of %q = %+v", s, m)
		}
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"abc", 5, "abc"},
		{"abc", 3, "abc"},
		{"abcd", 3, "abc"},
		{"aé", 2, "a"}, // é is two bytes: do not split it
		{"😀😀", 5, "😀"},
		{"😀", 3, ""},
	}
	for _, tt := range tests {
		got := truncate(tt.s, tt.n)
		if got != tt.want || !utf8.ValidString(got) {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}
