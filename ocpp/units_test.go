package ocpp

import "testing"

func TestNormalize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		value      float64
		unit       string
		multiplier int
		want       float64
		wantUnit   string
	}{
		{1234, "", 0, 1234, "Wh"},
		{1234, "Wh", 0, 1234, "Wh"},
		{12.5, "kWh", 0, 12500, "Wh"},
		{7.5, "kW", 0, 7500, "W"},
		{3, "kvarh", 0, 3000, "varh"},
		{2, "kvar", 0, 2000, "var"},
		{11, "kVA", 0, 11000, "VA"},
		{16, "A", 0, 16, "A"},
		{230, "V", 0, 230, "V"},
		{21.5, "Celsius", 0, 21.5, "Celsius"},
		{15, "Wh", 3, 15000, "Wh"}, // 2.0.1 multiplier 3: kWh in disguise
		{15, "kWh", -3, 15, "Wh"},  // multiplier and prefix cancel
		{1500, "W", -1, 150, "W"},
	} {
		got, unit := normalize(tc.value, tc.unit, tc.multiplier)
		if got != tc.want || unit != tc.wantUnit {
			t.Errorf("normalize(%v, %q, %d) = %v %s, want %v %s", tc.value, tc.unit, tc.multiplier, got, unit, tc.want, tc.wantUnit)
		}
	}
}
