package smartcharging

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/ladda-csms/ladda/station"
)

// TestPlannedAt: a vehicle's schedule plans each period's limit from its start until the next
// period, in A per phase (W spread over the phases at the voltage), nothing before it starts
// or after its duration.
func TestPlannedAt(t *testing.T) {
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	hour := 3600
	amps := &EVSchedule{Start: start, Schedule: station.ChargingSchedule{RateUnit: "A", Duration: &hour,
		Periods: []station.SchedulePeriod{{Start: 0, Limit: 16}, {Start: 600, Limit: 0}, {Start: 1800, Limit: 32}}}}
	watts := &EVSchedule{Start: start, Schedule: station.ChargingSchedule{RateUnit: "W",
		Periods: []station.SchedulePeriod{{Start: 0, Limit: 11040}}}}
	tests := []struct {
		name string
		ev   *EVSchedule
		at   time.Duration
		want float64
		ok   bool
	}{
		{"before it starts", amps, -time.Second, 0, false},
		{"first period", amps, 0, 16, true},
		{"a pause", amps, 10 * time.Minute, 0, true},
		{"last period", amps, 59 * time.Minute, 32, true},
		{"after its duration", amps, time.Hour, 0, false},
		{"in W, on 3 phases at 230 V", watts, 5 * time.Hour, 16, true},
		{"none", nil, 0, 0, false},
	}
	for _, tt := range tests {
		got, ok := plannedAt(tt.ev, start.Add(tt.at), 230, 3)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: %g, %v; want %g, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

// TestPlannedDone: followed from now, a vehicle's schedule delivers the energy still wanted
// at the moment its periods add up to it, pauses included; never when they do not.
func TestPlannedDone(t *testing.T) {
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	hour := 3600
	// 10 A on 3 phases at 230 V is 6.9 kW: 10 min of it is 1150 Wh.
	ev := &EVSchedule{Start: start, Schedule: station.ChargingSchedule{RateUnit: "A", Duration: &hour,
		Periods: []station.SchedulePeriod{{Start: 0, Limit: 10}, {Start: 600, Limit: 0}, {Start: 1800, Limit: 10}}}}
	tests := []struct {
		name     string
		from     time.Duration
		wantWh   float64
		want     time.Duration
		possible bool
	}{
		{"within the first period", 0, 575, 5 * time.Minute, true},
		{"across the pause", 0, 1150 + 575, 35 * time.Minute, true},
		{"from within the pause", 20 * time.Minute, 1150, 40 * time.Minute, true},
		{"more than the schedule gives", 0, 1150 * 5, 0, false},
		{"before it starts", -10 * time.Minute, 575, 5 * time.Minute, true},
	}
	for _, tt := range tests {
		got, ok := plannedDone(ev, start.Add(tt.from), tt.wantWh, 230, 3)
		if ok != tt.possible || (ok && got.Sub(start.Add(tt.want)).Abs() > time.Second) {
			t.Errorf("%s: %v, %v; want %v, %v", tt.name, got.Sub(start), ok, tt.want, tt.possible)
		}
	}
}

// TestWithin: a vehicle's plan keeps to what was installed: the limit while it holds, the
// higher of limit and fallback after it may have run out.
func TestWithin(t *testing.T) {
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	expires := start.Add(10 * time.Minute)
	plan := func(rate string, periods ...station.SchedulePeriod) *EVSchedule {
		return &EVSchedule{Start: start, Schedule: station.ChargingSchedule{RateUnit: rate, Periods: periods}}
	}
	tests := []struct {
		name string
		ev   *EVSchedule
		want bool
	}{
		{"at the limit, then the fallback", plan("A", station.SchedulePeriod{Start: 0, Limit: 6}, station.SchedulePeriod{Start: 600, Limit: 10}), true},
		{"the fallback before the limit runs out", plan("A", station.SchedulePeriod{Start: 0, Limit: 6}, station.SchedulePeriod{Start: 300, Limit: 10}), false},
		{"the fallback from the start", plan("A", station.SchedulePeriod{Start: 0, Limit: 10}), false},
		{"above both", plan("A", station.SchedulePeriod{Start: 0, Limit: 12}), false},
		{"in W, within", plan("W", station.SchedulePeriod{Start: 0, Limit: 6 * 230 * 3}, station.SchedulePeriod{Start: 600, Limit: 0}), true},
		{"in W, above", plan("W", station.SchedulePeriod{Start: 0, Limit: 7 * 230 * 3}, station.SchedulePeriod{Start: 600, Limit: 0}), false},
	}
	for _, tt := range tests {
		if got := within(tt.ev, 230, 3, 6, expires, 10); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	if !within(plan("A", station.SchedulePeriod{Start: 0, Limit: 16}, station.SchedulePeriod{Start: 3600, Limit: 16}), 230, 3, 16, expires, 10) {
		t.Error("a plan at a 16 A limit, beyond the limit's end, is not within it")
	}
}

// TestWellFormed: a schedule starts at 0, in A or W, its periods in time order, its limits
// numbers that are not negative.
func TestWellFormed(t *testing.T) {
	ok := station.ChargingSchedule{RateUnit: "A", Periods: []station.SchedulePeriod{{Start: 0, Limit: 6}, {Start: 60, Limit: 0}}}
	if !wellFormed(ok) {
		t.Errorf("%+v is not well formed", ok)
	}
	for name, change := range map[string]func(*station.ChargingSchedule){
		"no periods":      func(s *station.ChargingSchedule) { s.Periods = nil },
		"starts later":    func(s *station.ChargingSchedule) { s.Periods[0].Start = 5 },
		"out of order":    func(s *station.ChargingSchedule) { s.Periods[1].Start = 0 },
		"negative":        func(s *station.ChargingSchedule) { s.Periods[1].Limit = -1 },
		"not a number":    func(s *station.ChargingSchedule) { s.Periods[0].Limit = math.NaN() },
		"an unknown unit": func(s *station.ChargingSchedule) { s.RateUnit = "kW" },
	} {
		bad := ok
		bad.Periods = slices.Clone(ok.Periods)
		change(&bad)
		if wellFormed(bad) {
			t.Errorf("%s: %+v is well formed", name, bad)
		}
	}
}
