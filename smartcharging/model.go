package smartcharging

import (
	"math"
	"strconv"

	"github.com/ladda-csms/ladda"
)

// Grid is a site's connection to the grid: what it may draw, and how carefully.
//
// Rules: Phases is 1 or 3. LimitA is the current each phase may carry, in A; for a
// single-phase site only the first counts. MarginPercent (0 to 50) is kept free of every limit
// of the site, for meters that lag and loads that jump. FallbackA is what each EVSE may draw
// when its station loses its connection to Ladda (sent to stations as their default profile),
// at least 0. VoltageV is the phase-to-neutral voltage that turns watts into amperes (0:
// 230 V). MeterStationID names a station whose meter (EVSE 0) measures the site's whole
// connection, EVs included; other loads are then what it measures beyond the EVs. Priorities
// rank customer groups: a session of a higher-ranked group gets its share first.
type Grid struct {
	SiteID         int64           `json:"siteId"`
	Phases         int             `json:"phases"`
	LimitA         [3]float64      `json:"limitA"`
	MarginPercent  float64         `json:"marginPercent"`
	FallbackA      float64         `json:"fallbackA"`
	VoltageV       float64         `json:"voltageV,omitempty"`
	MeterStationID ladda.StationID `json:"meterStationId,omitempty"`
	Priorities     []Priority      `json:"priorities,omitempty"`
}

// Priority ranks a customer group (as tariffs name them: fleet:N, members, an OCPP group id):
// sessions of the group get Priority; sessions of no listed group get 0.
type Priority struct {
	Group    string `json:"group"`
	Priority int    `json:"priority"`
}

// Voltage is the grid's phase voltage, 230 V unless set.
func (g Grid) Voltage() float64 {
	if g.VoltageV > 0 {
		return g.VoltageV
	}
	return 230
}

// Circuit is a branch of a site's installation with a limit of its own: a sub-distribution
// board, a cable to a row of chargers. ParentID is the circuit it hangs from, 0 for the site's
// connection itself.
type Circuit struct {
	ID       int64      `json:"id"`
	SiteID   int64      `json:"siteId"`
	ParentID int64      `json:"parentId,omitempty"`
	Name     string     `json:"name"`
	LimitA   [3]float64 `json:"limitA"` // per phase; a negative value: no limit on that phase
}

// Wiring is how an EVSE is connected: the circuit it hangs from (0: the site's connection),
// and which grid phases its own phases L1, L2, L3 are wired to (phase rotation), as OCPP
// names it: "RST" is the standard order, "STR" starts at the grid's L2, and so on; a
// single-phase EVSE uses only its first. MinA and MaxA bound the current per phase the EVSE
// offers (0: 6 A and 32 A, IEC 61851's usual range).
type Wiring struct {
	StationID ladda.StationID `json:"stationId"`
	EVSEID    int             `json:"evseId"`
	CircuitID int64           `json:"circuitId,omitempty"`
	Rotation  string          `json:"rotation"`
	Phases    int             `json:"phases"`
	MinA      float64         `json:"minA,omitempty"`
	MaxA      float64         `json:"maxA,omitempty"`
}

// Bounds returns the EVSE's lowest and highest current per phase, defaults filled in.
func (w Wiring) Bounds() (minA, maxA float64) {
	minA, maxA = w.MinA, w.MaxA
	if minA <= 0 {
		minA = 6
	}
	if maxA <= 0 {
		maxA = 32
	}
	return minA, max(minA, maxA)
}

// rotations maps OCPP's phase rotations to the grid phases of an EVSE's L1, L2, L3.
var rotations = map[string][3]int{
	"RST": {0, 1, 2}, "RTS": {0, 2, 1}, "SRT": {1, 0, 2}, "STR": {1, 2, 0}, "TRS": {2, 0, 1}, "TSR": {2, 1, 0},
}

// GridPhases returns the grid phases an EVSE with w draws from when a car uses carPhases of
// its phases (1 to 3, at most w.Phases). Errors are Invalid: an unknown rotation, a number of
// phases other than 1 to 3.
func (w Wiring) GridPhases(carPhases int) ([]int, error) {
	r, ok := rotations[w.Rotation]
	if w.Rotation == "" {
		r, ok = rotations["RST"], true
	}
	if !ok {
		return nil, ladda.Errorf(ladda.Invalid, "smartcharging.Wiring", "rotation %q is not one of RST, RTS, SRT, STR, TRS, TSR", w.Rotation)
	}
	if w.Phases < 1 || w.Phases > 3 {
		return nil, ladda.Errorf(ladda.Invalid, "smartcharging.Wiring", "an EVSE has 1 to 3 phases, not %d", w.Phases)
	}
	n := min(max(carPhases, 1), w.Phases)
	return append([]int(nil), r[:n]...), nil
}

// Check returns an Invalid error naming the first rule g breaks, or nil.
func (g Grid) Check() error {
	const op = "smartcharging.Grid"
	switch {
	case g.Phases != 1 && g.Phases != 3:
		return ladda.Errorf(ladda.Invalid, op, "a site has 1 or 3 phases, not %d", g.Phases)
	case g.MarginPercent < 0 || g.MarginPercent > 50 || math.IsNaN(g.MarginPercent):
		return ladda.Errorf(ladda.Invalid, op, "the safety margin is 0 to 50 %%")
	case g.FallbackA < 0 || math.IsNaN(g.FallbackA):
		return ladda.Errorf(ladda.Invalid, op, "the fallback limit is not negative")
	case g.VoltageV != 0 && (g.VoltageV < 100 || g.VoltageV > 500 || math.IsNaN(g.VoltageV)):
		return ladda.Errorf(ladda.Invalid, op, "the phase voltage is 100 to 500 V")
	}
	seen := map[string]bool{}
	for _, p := range g.Priorities {
		if p.Group == "" || seen[p.Group] {
			return ladda.Errorf(ladda.Invalid, op, "each priority names a different customer group")
		}
		seen[p.Group] = true
	}
	for p := range g.Phases {
		if g.LimitA[p] <= 0 || math.IsNaN(g.LimitA[p]) || g.LimitA[p] > 1e5 {
			return ladda.Errorf(ladda.Invalid, op, "the limit of phase L%d must be a positive number of A", p+1)
		}
	}
	return nil
}

// Tree builds the allocator's nodes for a site: its connection first, then its circuits,
// parents before children, each limit less the grid's safety margin, in whole mA rounded
// down. It returns the nodes and the index of each circuit's node. Errors are Invalid: a
// circuit of another site, one under an unknown circuit, or a cycle.
func Tree(g Grid, circuits []Circuit) ([]Node, map[int64]int, error) {
	const op = "smartcharging.Tree"
	if err := g.Check(); err != nil {
		return nil, nil, err
	}
	keep := 1 - g.MarginPercent/100
	mA := func(a float64, p int) int64 {
		if a < 0 || p >= g.Phases {
			if p >= g.Phases {
				return 0 // a single-phase site has no L2 and L3
			}
			return NoLimit
		}
		return int64(math.Floor(a * keep * 1000))
	}
	var site [3]int64
	for p := range 3 {
		site[p] = mA(g.LimitA[p], p)
	}
	nodes := []Node{{ID: "site:" + strconv.FormatInt(g.SiteID, 10), Parent: -1, LimitMA: site}}
	index := map[int64]int{0: 0}
	placed := 0
	for placed < len(circuits) {
		progress := false
		for _, c := range circuits {
			if _, done := index[c.ID]; done {
				continue
			}
			if c.SiteID != g.SiteID {
				return nil, nil, ladda.Errorf(ladda.Invalid, op, "circuit %d belongs to site %d, not %d", c.ID, c.SiteID, g.SiteID)
			}
			parent, ok := index[c.ParentID]
			if !ok {
				continue
			}
			var lim [3]int64
			for p := range 3 {
				lim[p] = mA(c.LimitA[p], p)
			}
			index[c.ID] = len(nodes)
			nodes = append(nodes, Node{ID: "circuit:" + strconv.FormatInt(c.ID, 10), Parent: parent, LimitMA: lim})
			placed++
			progress = true
		}
		if !progress {
			return nil, nil, ladda.Errorf(ladda.Invalid, op, "a circuit of site %d hangs from an unknown circuit or from itself", g.SiteID)
		}
	}
	return nodes, index, nil
}
