package smartcharging

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
)

// EVSE names an EVSE of a station.
type EVSE struct {
	StationID ladda.StationID `json:"stationId"`
	EVSEID    int             `json:"evseId"`
}

func (e EVSE) String() string { return string(e.StationID) + "/" + strconv.Itoa(e.EVSEID) }

// Session is a charging session as the allocation sees it.
type Session struct {
	EVSE
	TransactionID ladda.TransactionID
	Priority      int
	// MinA and MaxA bound the current per phase the vehicle takes (0: the EVSE's bounds).
	MinA, MaxA float64
	// Phases is how many phases the vehicle uses (0: as many as the EVSE has).
	Phases int
	// DrawA is what the session was last measured drawing, per phase of the EVSE; nil: not
	// measured. OfferedA is the limit it was last given (0: none).
	DrawA    []float64
	OfferedA float64
	// Hold pauses the session on purpose (its price plan says wait).
	Hold bool
}

// Fixed is an EVSE the allocation keeps room for, CurrentA on each of its phases, because
// it cannot be told a new limit in time: an idle EVSE, where a car may start at the fallback
// limit before Ladda hears of it, or a session at a station that is offline.
type Fixed struct {
	EVSE
	CurrentA float64 `json:"currentA"`
	Phases   int     `json:"phases"`
	Why      string  `json:"why"` // FixedIdle or FixedOffline
}

// Why an EVSE is Fixed.
const (
	FixedIdle    = "idle"
	FixedOffline = "offline"
)

// SiteInput is everything a site's allocation is computed from.
type SiteInput struct {
	Grid     Grid
	Circuits []Circuit
	Wirings  []Wiring // EVSEs without wiring hang from the site's connection, RST, 3 phases
	Sessions []Session
	Fixed    []Fixed
	// CapacityW caps the site's total power (capacity schedules, demand response); negative:
	// no cap.
	CapacityW float64
	// OtherA is what the site's other loads draw on each grid phase.
	OtherA [Phases]float64
}

// Limit is the allocation's answer for one session: the current per phase it may draw (0:
// paused).
type Limit struct {
	EVSE
	TransactionID ladda.TransactionID `json:"transactionId"`
	LimitA        float64             `json:"limitA"`
	Phases        int                 `json:"phases"`
}

// drawMarginMA is what a session that draws clearly less than offered keeps above its draw.
const drawMarginMA = 1000

// Compute allocates a site's capacity among its sessions: the grid limit less the margin,
// capped by CapacityW, less the other loads and the fixed EVSEs, shared by Allocate's rules;
// when not every session's minimum fits, the sessions that started first keep theirs.
// A session draws clearly less than offered when it is measured more than half an ampere
// below its offer; it then keeps its draw plus 1 A and gives the rest back, so that once it
// has been given that, it stays there rather than take its full share again. Errors are
// Invalid: a broken model (see Tree, Wiring).
func Compute(in SiteInput) ([]Limit, error) {
	g := in.Grid
	v := g.Voltage()
	if in.CapacityW >= 0 {
		perPhase := in.CapacityW / (v * float64(g.Phases))
		for p := range g.Phases {
			g.LimitA[p] = max(min(g.LimitA[p], perPhase), 0)
		}
	}
	if err := g.checkShape(); err != nil {
		return nil, err
	}
	nodes, index, err := Tree(g, in.Circuits)
	if err != nil {
		return nil, err
	}
	wiring := make(map[EVSE]Wiring, len(in.Wirings))
	for _, w := range in.Wirings {
		wiring[EVSE{w.StationID, w.EVSEID}] = w
	}
	place := func(e EVSE, phases int) (node int, grid []int, w Wiring, err error) {
		w, ok := wiring[e]
		if !ok {
			w = Wiring{StationID: e.StationID, EVSEID: e.EVSEID, Rotation: "RST", Phases: 3}
		}
		node, ok = index[w.CircuitID]
		if !ok {
			node = 0 // a circuit deleted under it: the site's connection still limits it
		}
		if phases <= 0 {
			phases = w.Phases
		}
		grid, err = w.GridPhases(phases)
		if g.Phases == 1 {
			grid = []int{0} // a single-phase site has one phase to draw from
		}
		return node, grid, w, err
	}
	take := func(node int, phases []int, mA int64) {
		for n := node; n >= 0; n = nodes[n].Parent {
			for _, p := range phases {
				if nodes[n].LimitMA[p] != NoLimit {
					nodes[n].LimitMA[p] = max(nodes[n].LimitMA[p]-mA, 0)
				}
			}
		}
	}
	for p := range Phases {
		if in.OtherA[p] > 0 && nodes[0].LimitMA[p] != NoLimit {
			nodes[0].LimitMA[p] = max(nodes[0].LimitMA[p]-int64(math.Ceil(in.OtherA[p]*1000)), 0)
		}
	}
	for _, f := range in.Fixed {
		node, phases, _, err := place(f.EVSE, f.Phases)
		if err != nil {
			return nil, err
		}
		take(node, phases, int64(math.Ceil(f.CurrentA*1000)))
	}
	loads := make([]Load, 0, len(in.Sessions))
	out := make([]Limit, 0, len(in.Sessions))
	for _, s := range in.Sessions {
		node, phases, w, err := place(s.EVSE, s.Phases)
		if err != nil {
			return nil, err
		}
		lo, hi := w.Bounds()
		if s.MinA > 0 {
			lo = max(lo, s.MinA)
		}
		if s.MaxA > 0 {
			hi = min(hi, s.MaxA)
		}
		if s.Hold || lo > hi {
			lo, hi = 0, 0
		}
		draw := int64(-1)
		if len(s.DrawA) > 0 && s.OfferedA > 0 {
			d := slices.Max(s.DrawA)
			if d*1000+drawMarginMA/2 < s.OfferedA*1000 {
				draw = int64(math.Round(d * 1000))
			}
		}
		// Minimums go in the order of the IDs: transactions that started first keep theirs
		// when there is not room for everyone.
		id := fmt.Sprintf("%019d %s", s.TransactionID, s.EVSE)
		loads = append(loads, Load{ID: id, Node: node, Phases: phases,
			MinMA: int64(math.Ceil(lo * 1000)), MaxMA: int64(math.Floor(hi * 1000)), Priority: s.Priority, DrawMA: draw})
		out = append(out, Limit{EVSE: s.EVSE, TransactionID: s.TransactionID, Phases: len(phases)})
	}
	mA, err := Allocate(nodes, loads, Options{MarginMA: drawMarginMA})
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].LimitA = float64(mA[i]) / 1000
	}
	return out, nil
}

// FallbackOverloads names each part of a site's installation, its connection or a circuit,
// that its EVSEs would overload each at the fallback limit on all its phases: what the
// stations draw should they lose Ladda, and the room Ladda keeps free for idle EVSEs, so
// that sessions beneath such a part may be paused. EVSEs without wiring hang from the
// connection, three phases, RST. Errors are Invalid: a broken model (see Tree).
func FallbackOverloads(g Grid, circuits []Circuit, wirings []Wiring, evses []EVSE) ([]string, error) {
	nodes, index, err := Tree(g, circuits)
	if err != nil || g.FallbackA <= 0 {
		return nil, err
	}
	names := make([]string, len(nodes))
	names[0] = "the connection"
	for _, c := range circuits {
		names[index[c.ID]] = fmt.Sprintf("circuit %q", c.Name)
	}
	count := make([]int, len(nodes))
	draw := make([][Phases]int64, len(nodes))
	for _, e := range evses {
		w, ok := wiringOf(wirings, e)
		if !ok {
			w = Wiring{Rotation: "RST", Phases: 3}
		}
		phases, err := w.GridPhases(w.Phases)
		if err != nil {
			return nil, err
		}
		node, ok := index[w.CircuitID]
		if !ok {
			node = 0
		}
		for n := node; n >= 0; n = nodes[n].Parent {
			count[n]++
			for _, p := range phases {
				if g.Phases == 1 {
					p = 0
				}
				draw[n][p] += int64(math.Round(g.FallbackA * 1000))
			}
		}
	}
	var out []string
	for n := range nodes {
		for p := range g.Phases {
			if l := nodes[n].LimitMA[p]; l != NoLimit && draw[n][p] > l {
				out = append(out, fmt.Sprintf("%s: its %d EVSEs at the fallback limit of %g A would draw %g A on L%d, which allows %g A",
					names[n], count[n], g.FallbackA, float64(draw[n][p])/1000, p+1, float64(l)/1000))
				break
			}
		}
	}
	return out, nil
}

// StationMaxA is the most a station's EVSEs together may ever draw per phase, whatever the
// allocation: what the circuits they hang from (each limit less the margin) and the site's
// connection let through, summed over separate branches. Ladda sets it at the station as
// its ChargingStationMaxProfile, a limit the station keeps even without Ladda. EVSEs without
// wiring hang from the connection. Errors are Invalid: a broken model (see Tree).
func StationMaxA(g Grid, circuits []Circuit, wirings []Wiring, id ladda.StationID, evses []int) (float64, error) {
	nodes, index, err := Tree(g, circuits)
	if err != nil {
		return 0, err
	}
	direct := make([]bool, len(nodes)) // an EVSE of the station hangs right here
	used := make([]bool, len(nodes))   // one hangs in its subtree
	mark := func(n int) {
		direct[n] = true
		for ; n >= 0 && !used[n]; n = nodes[n].Parent {
			used[n] = true
		}
	}
	if len(evses) == 0 {
		mark(0) // a station with no EVSEs known yet may draw on the connection
	}
	for _, n := range evses {
		w, ok := wiringOf(wirings, EVSE{id, n})
		node, known := index[w.CircuitID]
		if !ok || !known {
			node = 0
		}
		mark(node)
	}
	limit := func(n int) int64 {
		out := NoLimit
		for p := range g.Phases {
			if l := nodes[n].LimitMA[p]; l != NoLimit && (out == NoLimit || l < out) {
				out = l
			}
		}
		return out
	}
	// Children come after their parents in nodes: a pass from the end sums each subtree.
	through := make([]int64, len(nodes))
	for n := len(nodes) - 1; n >= 0; n-- {
		if !used[n] {
			continue
		}
		if direct[n] {
			through[n] = NoLimit
		}
		if l := limit(n); l != NoLimit && (through[n] == NoLimit || l < through[n]) {
			through[n] = l
		}
		if p := nodes[n].Parent; p >= 0 && !direct[p] {
			if through[n] == NoLimit || through[p] == NoLimit {
				through[p] = NoLimit
			} else {
				through[p] += through[n]
			}
		}
	}
	return float64(through[0]) / 1000, nil
}

// checkShape is Check without the rule that limits be positive: a capacity cap may bring a
// site down to nothing.
func (g Grid) checkShape() error {
	c := g
	for p := range c.Phases {
		if c.LimitA[p] <= 0 {
			c.LimitA[p] = 1
		}
	}
	return c.Check()
}

// DrawOf reads what an EVSE draws per phase from meter samples: Current.Import per phase
// (L1, L2, L3) when the station reports it, else Power.Active.Import spread over phases phases
// at voltage v. It returns nil when the samples hold neither; only samples of the latest time
// count, and only those measured at the outlet (or of no location).
func DrawOf(samples []charging.Sample, phases int, v float64) []float64 {
	return currents(samples, phases, v, outlet)
}

// currents is DrawOf for the samples whose location where accepts.
func currents(samples []charging.Sample, phases int, v float64, where func(string) bool) []float64 {
	var latest time.Time
	for _, s := range samples {
		if (s.Measurand == "Current.Import" || s.Measurand == "Power.Active.Import") && where(s.Location) && s.Time.After(latest) {
			latest = s.Time
		}
	}
	var (
		perPhase [Phases]float64
		havePer  bool
		total    float64
		haveW    bool
		all      float64
		haveAll  bool
	)
	for _, s := range samples {
		if !s.Time.Equal(latest) || !where(s.Location) {
			continue
		}
		switch s.Measurand {
		case "Current.Import":
			switch s.Phase {
			case "L1", "L2", "L3", "L1-N", "L2-N", "L3-N":
				perPhase[s.Phase[1]-'1'] = max(s.Value, 0)
				havePer = true
			case "":
				all, haveAll = max(s.Value, 0), true
			}
		case "Power.Active.Import":
			w := s.Value
			if s.Unit == "kW" {
				w *= 1000
			}
			if s.Phase == "" {
				total, haveW = max(w, 0), true
			}
		}
	}
	phases = min(max(phases, 1), Phases)
	switch {
	case havePer:
		n := phases
		for p := Phases - 1; p >= n; p-- {
			if perPhase[p] > 0 {
				n = p + 1
				break
			}
		}
		return append([]float64(nil), perPhase[:n]...)
	case haveAll:
		return slices.Repeat([]float64{all}, phases)
	case haveW:
		return slices.Repeat([]float64{total / (v * float64(phases))}, phases)
	}
	return nil
}

func outlet(location string) bool { return location == "" || location == "Outlet" }

func anywhere(string) bool { return true }
