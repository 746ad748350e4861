package sqldb

import (
	"encoding/json"
	"testing"
)

func TestReportPayload(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		payload string
		want    string // the parameter, or "" when refused
	}{
		{"empty is null", ``, `null`},
		{"object", `{"a":1}`, `{"a":1}`},
		{"kept as sent", ` { "b" : [1, 2] } `, ` { "b" : [1, 2] } `},
		{"not JSON", `{"a":`, ``},
		{"two values", `1 2`, ``},
		{"invalid UTF-8", "\"\xff\"", ``},
		{"NUL escape", `"a\u0000b"`, ``},
		{"NUL escape in a key", `{"\u0000":1}`, ``},
		{"NUL escape after an escaped backslash", `"\\\u0000"`, ``},
		{"NUL escape after a later match", `["\\u0000", "\u0000"]`, ``},
		{"escaped backslash then u0000", `"\\u0000"`, `"\\u0000"`},
		{"two escaped backslashes then u0000", `"\\\\u0000"`, `"\\\\u0000"`},
		{"other escapes", `"\u0001\u00000"`, ``},
		{"escape of one", `"\u0001"`, `"\u0001"`},
	}
	for _, tt := range tests {
		got, err := reportPayload(json.RawMessage(tt.payload))
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("%s: reportPayload(%s) = %s, want an error", tt.name, tt.payload, got)
		case tt.want != "" && (err != nil || got != tt.want):
			t.Errorf("%s: reportPayload(%s) = %s, %v; want %s", tt.name, tt.payload, got, err, tt.want)
		}
	}
}
