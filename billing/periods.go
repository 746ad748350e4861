package billing

import (
	"math"
	"slices"
	"time"

	"github.com/ladda-csms/ladda/charging"
)

// Periods cuts a transaction into the periods Price needs, from its energy register readings
// up to end: one period between each two readings, with the energy between them, charging
// when that energy is more than zero, and its average power. The readings are the register at
// the start, every sample of the register (a total, or the phases summed, as
// charging.RegisterWh picks them), and the register at the stop, or the last one seen; values
// are rounded to whole Wh and never go back. Without a register at the start, the whole
// session is one period with the energy the transaction reports.
func Periods(tx *charging.Transaction, end time.Time) []Period {
	if tx.MeterStartWh == nil {
		wh := int64(math.Round(tx.EnergyWh()))
		return []Period{{Start: tx.StartedAt, EnergyWh: wh, Charging: wh > 0, PowerW: power(wh, end.Sub(tx.StartedAt))}}
	}
	type reading struct {
		at time.Time
		wh int64
	}
	start := int64(math.Round(*tx.MeterStartWh))
	points := []reading{{tx.StartedAt, start}}
	byTime := map[int64][]charging.Sample{}
	var times []int64
	for _, s := range tx.Samples {
		if !s.Time.After(tx.StartedAt) || !s.Time.Before(end) {
			continue
		}
		t := s.Time.UnixNano()
		if _, ok := byTime[t]; !ok {
			times = append(times, t)
		}
		byTime[t] = append(byTime[t], s)
	}
	slices.Sort(times)
	for _, t := range times {
		if v := charging.RegisterWh(byTime[t]); v != nil {
			points = append(points, reading{time.Unix(0, t).UTC(), int64(math.Round(*v))})
		}
	}
	last := tx.MeterLastWh
	if tx.MeterStopWh != nil {
		last = tx.MeterStopWh
	}
	final := points[len(points)-1].wh
	if last != nil {
		final = max(final, int64(math.Round(*last)))
	}
	points = append(points, reading{end, final})

	var out []Period
	prev := start
	for i := 0; i+1 < len(points); i++ {
		next := max(points[i+1].wh, prev)
		wh := next - prev
		prev = next
		d := points[i+1].at.Sub(points[i].at)
		charging := wh > 0
		if n := len(out); n > 0 && out[n-1].Charging == charging && !charging {
			continue // one idle stretch, not many
		}
		out = append(out, Period{Start: points[i].at, EnergyWh: wh, Charging: charging, PowerW: power(wh, d)})
	}
	return out
}

func power(wh int64, d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64(math.Round(float64(wh) * 3600 / d.Seconds()))
}
