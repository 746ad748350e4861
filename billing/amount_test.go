package billing_test

import (
	"testing"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/billing"
)

// mustAmount parses s or fails the test.
func mustAmount(tb testing.TB, s string) billing.Amount {
	tb.Helper()
	a, err := billing.ParseAmount(s)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// mustQuantity parses s or fails the test.
func mustQuantity(tb testing.TB, s string) billing.Quantity {
	tb.Helper()
	q, err := billing.ParseQuantity(s)
	if err != nil {
		tb.Fatal(err)
	}
	return q
}

func TestParseAmount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{"0", "0"},
		{"0.4567", "0.4567"},
		{"-12.50", "-12.5"},
		{"007.10", "7.1"},
		{"123456789012345678901234567890.123456", "123456789012345678901234567890.123456"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := mustAmount(t, tt.in).String(); got != tt.want {
				t.Errorf("ParseAmount(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseAmountInvalid(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "-", "1.", ".5", "1e3", "+1", " 1", "1,5", "abc", "1/3", "0x10", "--1"} {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			if _, err := billing.ParseAmount(in); !ladda.IsKind(err, ladda.Invalid) {
				t.Errorf("ParseAmount(%q) error = %v, want Invalid", in, err)
			}
		})
	}
}

func TestAmountArithmetic(t *testing.T) {
	t.Parallel()
	a, b := mustAmount(t, "0.4567"), mustAmount(t, "1.0433")
	if got := a.Add(b).String(); got != "1.5" {
		t.Errorf("Add = %s, want 1.5", got)
	}
	if got := a.Sub(b).String(); got != "-0.5866" {
		t.Errorf("Sub = %s, want -0.5866", got)
	}
	if got := a.Mul(mustQuantity(t, "10.5")).String(); got != "4.79535" {
		t.Errorf("Mul = %s, want 4.79535", got)
	}
	if a.Cmp(b) != -1 || b.Cmp(a) != 1 || a.Cmp(a) != 0 {
		t.Error("Cmp is not an order")
	}
	var zero billing.Amount
	if zero.Sign() != 0 || zero.String() != "0" || zero.Add(a).Cmp(a) != 0 {
		t.Error("the zero Amount is not 0")
	}
}

func TestAmountRound(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		decimals int
		want     string
	}{
		{"2.345", 2, "2.35"},
		{"-2.345", 2, "-2.35"},
		{"2.3449999", 2, "2.34"},
		{"2.5", 0, "3"},
		{"-2.5", 0, "-3"},
		{"4.79535", 2, "4.8"},
		{"0.0005", 3, "0.001"},
		{"7", 2, "7"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			a := mustAmount(t, tt.in)
			if got := a.Round(tt.decimals).String(); got != tt.want {
				t.Errorf("Round(%d) = %s, want %s", tt.decimals, got, tt.want)
			}
			if got, want := a.Format(tt.decimals), mustAmount(t, tt.want).Format(tt.decimals); got != want {
				t.Errorf("Format(%d) = %s, want %s", tt.decimals, got, want)
			}
		})
	}
}
