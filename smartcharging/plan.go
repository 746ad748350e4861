package smartcharging

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/ladda-csms/ladda"
)

// Price is the energy price from From to To, in any unit as long as a site's prices share it.
type Price struct {
	From, To time.Time
	PerKWh   float64
}

// Prices returns the energy prices that overlap from to to, in time order, for a
// transaction: those of the tariff it was priced with.
type Prices func(ctx context.Context, tx ladda.TransactionID, from, to time.Time) ([]Price, error)

// planSlack is how much more energy a plan makes room for than the vehicle asked: cars
// charge more slowly as they fill up.
const planSlack = 1.15

// Plan chooses when to charge: the cheapest stretches between now and departure that deliver
// needWh at powerW (with some slack), as windows in time order. Time without a price counts
// as dearer than any priced time. When even charging all the time would not deliver the
// energy, the plan is to charge all the time. A plan never has a window that ends before now.
func Plan(now, departure time.Time, needWh, powerW float64, prices []Price) []Window {
	if needWh <= 0 || !departure.After(now) {
		return nil
	}
	all := []Window{{From: now, To: departure}}
	if powerW <= 0 {
		return all
	}
	// Slots: priced stretches clipped to [now, departure], and the gaps between them.
	type slot struct {
		Window
		price  float64
		priced bool
	}
	var slots []slot
	at := now
	for _, p := range prices {
		from, to := later(p.From, at), earlier(p.To, departure)
		if !to.After(from) {
			continue
		}
		if from.After(at) {
			slots = append(slots, slot{Window: Window{at, from}})
		}
		slots = append(slots, slot{Window: Window{from, to}, price: p.PerKWh, priced: true})
		at = to
	}
	if departure.After(at) {
		slots = append(slots, slot{Window: Window{at, departure}})
	}
	need := needWh * planSlack
	if powerW*departure.Sub(now).Hours() <= need {
		return all
	}
	order := slices.Clone(slots)
	slices.SortStableFunc(order, func(a, b slot) int {
		if a.priced != b.priced {
			if a.priced {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(a.price, b.price); c != 0 {
			return c
		}
		return a.From.Compare(b.From)
	})
	var chosen []Window
	for _, sl := range order {
		if need <= 0 {
			break
		}
		hours := sl.To.Sub(sl.From).Hours()
		if powerW*hours > need {
			// Only part of this stretch is needed: its start, so the car is full earlier.
			sl.To = sl.From.Add(time.Duration(need / powerW * float64(time.Hour)))
			need = 0
		} else {
			need -= powerW * hours
		}
		chosen = append(chosen, sl.Window)
	}
	slices.SortFunc(chosen, func(a, b Window) int { return a.From.Compare(b.From) })
	// Touching windows are one.
	var out []Window
	for _, w := range chosen {
		if n := len(out); n > 0 && !w.From.After(out[n-1].To) {
			out[n-1].To = later(out[n-1].To, w.To)
			continue
		}
		out = append(out, w)
	}
	return out
}

// Window is a stretch of time.
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// contains reports whether t falls in one of ws.
func contains(ws []Window, t time.Time) bool {
	for _, w := range ws {
		if !t.Before(w.From) && t.Before(w.To) {
			return true
		}
	}
	return false
}

// plan decides for each session of a site with a departure time and a price source whether
// it waits now for cheaper energy.
func (s *Service) plan(ctx context.Context, siteID int64, now time.Time) {
	if s.o.Prices == nil {
		return
	}
	type want struct {
		l         *live
		departure time.Time
		needWh    float64
		powerW    float64
	}
	var wants []want
	s.mu.Lock()
	st := s.sites[siteID]
	for e, l := range s.sessions {
		if l.siteID != siteID || st == nil {
			continue
		}
		need := remainingWh(l)
		if l.needs == nil || l.needs.DepartureAt == nil || need <= 0 {
			l.hold = false
			continue
		}
		w, ok := wiringOf(st.wirings, e)
		if !ok {
			w = Wiring{Phases: 3}
		}
		_, hi := w.Bounds()
		if l.needs.MaxA > 0 {
			hi = min(hi, l.needs.MaxA)
		}
		phases := phasesOf(l, w)
		hi = min(hi, st.grid.LimitA[0]*(1-st.grid.MarginPercent/100))
		wants = append(wants, want{l: l, departure: *l.needs.DepartureAt, needWh: need, powerW: hi * st.grid.Voltage() * float64(phases)})
	}
	s.mu.Unlock()
	if len(wants) == 0 {
		return
	}
	type decided struct {
		l      *live
		plan   []Window
		priced bool
	}
	var out []decided
	for _, w := range wants {
		prices, err := s.o.Prices(ctx, w.l.tx.ID, now, w.departure)
		if err != nil {
			s.o.Logger.Warn("smart charging: reading prices", "transaction", w.l.tx.ID, "err", err)
			continue
		}
		out = append(out, decided{w.l, Plan(now, w.departure, w.needWh, w.powerW, prices), len(prices) > 0})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range out {
		d.l.plan = nil
		if d.priced {
			d.l.plan = d.plan
		}
		d.l.hold = d.priced && !contains(d.plan, now)
	}
}

// remainingWh is the energy a session still wants: what its vehicle asked for less what it
// got, or what its battery lacks to the target state of charge; 0 when unknown.
func remainingWh(l *live) float64 {
	n := l.needs
	if n == nil {
		return 0
	}
	if n.EnergyWh > 0 {
		return max(n.EnergyWh-l.energyWh, 0)
	}
	if n.CapacityWh > 0 && l.soc != nil {
		target := 100.0
		if n.TargetSoC != nil {
			target = *n.TargetSoC
		}
		return max((target-*l.soc)/100*n.CapacityWh, 0)
	}
	return 0
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
