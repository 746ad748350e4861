package ladda

import (
	"errors"
	"fmt"
	"testing"
)

func TestValidStationID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"CP-1", true},
		{"a", true},
		{"012345678901234567890123456789012345678901234567", true}, // 48
		{"0123456789012345678901234567890123456789012345678", false},
		{"", false},
		{"has space", false},
		{"slash/inside", false},
		{"pct%20", false},
		{"tab\t", false},
		{"åäö", false},
	} {
		if got := ValidStationID(tc.id); got != tc.want {
			t.Errorf("ValidStationID(%q) = %v, want %v", tc.id, got, tc.want)
		}
	}
}

func TestErrorKindAndMessageSurviveWrapping(t *testing.T) {
	t.Parallel()
	inner := Errorf(NotFound, "store.Station", "station %s not found", "CP-9")
	err := Wrap("station.Boot", fmt.Errorf("loading: %w", inner))
	if got := ErrorKind(err); got != NotFound {
		t.Fatalf("ErrorKind = %v, want not_found", got)
	}
	if got := ErrorMessage(err); got != "station CP-9 not found" {
		t.Fatalf("ErrorMessage = %q", got)
	}
	if !errors.Is(err, inner) {
		t.Fatal("wrapped error lost its cause")
	}
	if got := ErrorKind(errors.New("disk on fire")); got != Internal {
		t.Fatalf("foreign error kind = %v, want internal", got)
	}
	if got := ErrorMessage(errors.New("secret detail")); got != "internal error" {
		t.Fatalf("foreign error message = %q, want a generic one", got)
	}
	if Wrap("op", nil) != nil {
		t.Fatal("Wrap(nil) != nil")
	}
}
