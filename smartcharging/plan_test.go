package smartcharging

import (
	"testing"
	"time"
)

// TestPlan: the cheapest hours before departure that deliver the energy, with slack; all
// the time when there is not enough of it.
func TestPlan(t *testing.T) {
	h := func(x float64) time.Time {
		return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(x * float64(time.Hour)))
	}
	hourly := func(prices ...float64) []Price {
		var out []Price
		for i, p := range prices {
			out = append(out, Price{From: h(float64(i)), To: h(float64(i + 1)), PerKWh: p})
		}
		return out
	}
	tests := []struct {
		name           string
		now, departure float64
		needWh, powerW float64
		prices         []Price
		want           [][2]float64
	}{
		{"the cheapest hour", 0, 6, 8000, 11000, hourly(3, 2, 1, 2, 3, 4), [][2]float64{{2, 2.8363}}},
		{"two cheap hours, one window", 0, 6, 15000, 11000, hourly(3, 1, 1, 2, 3, 4), [][2]float64{{1, 2.5681}}},
		{"cheap hours apart", 0, 6, 15000, 11000, hourly(1, 3, 1, 2, 3, 4), [][2]float64{{0, 1}, {2, 2.5681}}},
		{"not enough time: all of it", 0, 2, 30000, 11000, hourly(1, 3), [][2]float64{{0, 2}}},
		{"unpriced time comes last", 0, 4, 8000, 11000, hourly(5, 4), [][2]float64{{1, 1.8363}}},
		{"from now on", 1.5, 6, 8000, 11000, hourly(0, 0, 9, 9, 2, 3), [][2]float64{{1.5, 2}, {4, 4.3363}}},
		{"nothing needed", 0, 6, 0, 11000, hourly(1), nil},
		{"departed", 3, 2, 1000, 11000, hourly(1), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Plan(h(tt.now), h(tt.departure), tt.needWh, tt.powerW, tt.prices)
			if len(got) != len(tt.want) {
				t.Fatalf("Plan = %v, want %v", got, tt.want)
			}
			for i, w := range tt.want {
				if d := got[i].From.Sub(h(w[0])); d < -time.Second || d > time.Second {
					t.Fatalf("Plan = %v, want %v", got, tt.want)
				}
				if d := got[i].To.Sub(h(w[1])); d < -time.Second || d > time.Second {
					t.Fatalf("Plan = %v, want %v", got, tt.want)
				}
			}
		})
	}
}

// TestPlanDelivers: a plan lies between now and departure and, where the time allows it,
// gives the vehicle what it needs.
func TestPlanDelivers(t *testing.T) {
	base := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for round := range 500 {
		r := uint64(round*40503 + 7)
		next := func(n int) int { r ^= r << 13; r ^= r >> 7; r ^= r << 17; return int(r % uint64(n)) }
		var prices []Price
		at := base.Add(time.Duration(next(120)) * time.Minute)
		for range next(30) {
			d := time.Duration(15+next(120)) * time.Minute
			prices = append(prices, Price{From: at, To: at.Add(d), PerKWh: float64(next(100))})
			at = at.Add(d + time.Duration(next(3))*15*time.Minute)
		}
		now := base.Add(time.Duration(next(600)) * time.Minute)
		departure := now.Add(time.Duration(1+next(900)) * time.Minute)
		need, power := float64(1+next(60000)), float64(1400+next(20000))
		plan := Plan(now, departure, need, power, prices)
		var hours float64
		for i, w := range plan {
			if w.From.Before(now) || w.To.After(departure) || !w.To.After(w.From) || (i > 0 && !w.From.After(plan[i-1].To)) {
				t.Fatalf("round %d: window %v of %v lies outside %v–%v or overlaps", round, w, plan, now, departure)
			}
			hours += w.To.Sub(w.From).Hours()
		}
		available := departure.Sub(now).Hours()
		if want := min(need*planSlack/power, available); hours < want-1e-6 {
			t.Fatalf("round %d: %v h planned, want at least %v h", round, hours, want)
		}
	}
}
