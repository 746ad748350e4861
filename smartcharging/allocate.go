// Package smartcharging keeps charging within the limits of the grid: sites with a grid
// connection, circuits beneath them, the stations and EVSEs on those circuits, and the
// current each EVSE may draw. The model (Grid, Circuit, Wiring, capacity limits), the
// allocator (Allocate, and Compute for a whole site) and price planning (Plan) are pure;
// Service keeps the model in a Store, follows sessions and what they draw through events,
// reallocates a site when something changes and sends the results to stations as charging
// profiles.
//
// The rules of allocation, as applied by Allocate:
//
//   - Currents are whole milliamperes per phase. A load draws the same current on each of the
//     grid phases it is wired to (phase rotation is the caller's: Load.Phases names grid
//     phases). Every node limits each phase on its own; a node's limit covers every load in
//     its subtree.
//   - A load gets 0 (paused) or a current from its minimum to its cap: never a current below
//     the minimum at which a car charges. Its cap is its maximum, or, when it draws less than it
//     was offered (Load.DrawMA), what it draws plus Margin: what a car does not use goes to the
//     others.
//   - Priorities are served in turn, highest first; a lower priority gets what the higher ones
//     left. Within a priority, loads get their minimum in the order of their IDs; a load whose
//     minimum does not fit beside those already given is paused. So a paused load's minimum
//     never fits in what is left. Then the rest is shared fairly (max-min): every load's
//     current rises together until it reaches its cap or a limit above it is full.
//   - The result depends on the loads and nodes alone, not on their order in the input.
package smartcharging

import (
	"cmp"
	"slices"

	"github.com/ladda-csms/ladda"
)

// Phases is the number of grid phases, L1 to L3.
const Phases = 3

// NoLimit marks a phase of a node without its own limit.
const NoLimit int64 = -1

// Node is a point of the electrical tree that limits the current through it: a site's grid
// connection, a circuit, a station. Parent is the index of its parent in the node list, -1
// for a root. LimitMA is the current each phase may carry, in mA, NoLimit for none; a safety
// margin is the caller's to take off beforehand.
type Node struct {
	ID      string
	Parent  int
	LimitMA [Phases]int64
}

// Load is a charging session at an EVSE, hanging from node Node.
//
// Rules: Phases lists the grid phases it draws from (0, 1, 2), each once, at least one;
// 0 <= MinMA <= MaxMA; DrawMA, when not negative, is what it drew of its last offer: a car
// drawing clearly less than offered keeps DrawMA + Margin and leaves the rest.
type Load struct {
	ID       string
	Node     int
	Phases   []int
	MinMA    int64
	MaxMA    int64
	Priority int   // higher first
	DrawMA   int64 // measured draw; negative: unknown
}

// Options tune Allocate.
type Options struct {
	// MarginMA is what a load that draws less than it was offered keeps above its draw, so
	// that it can take more when the car asks for it. Default 1000 (1 A).
	MarginMA int64
}

// Allocate returns the current of each load, in mA, in the order of loads: 0 for a load that
// is paused. It follows the rules in the package documentation. Errors are Invalid: a node
// whose parent is not an earlier node (so the tree has no cycles), a load under an unknown
// node, or a load that breaks the rules of Load.
func Allocate(nodes []Node, loads []Load, o Options) ([]int64, error) {
	const op = "smartcharging.Allocate"
	if o.MarginMA <= 0 {
		o.MarginMA = 1000
	}
	for i, n := range nodes {
		if n.Parent < -1 || n.Parent >= i {
			return nil, ladda.Errorf(ladda.Invalid, op, "node %s: its parent must come before it", n.ID)
		}
	}
	a := allocator{nodes: nodes, loads: loads, out: make([]int64, len(loads)), used: make([][Phases]int64, len(nodes))}
	a.paths = make([][]int, len(loads))
	for i, l := range loads {
		if l.Node < 0 || l.Node >= len(nodes) {
			return nil, ladda.Errorf(ladda.Invalid, op, "load %s hangs from no known node", l.ID)
		}
		if l.MinMA < 0 || l.MaxMA < l.MinMA {
			return nil, ladda.Errorf(ladda.Invalid, op, "load %s: its minimum must be from 0 to its maximum", l.ID)
		}
		if len(l.Phases) == 0 || len(l.Phases) > Phases {
			return nil, ladda.Errorf(ladda.Invalid, op, "load %s draws from no phase", l.ID)
		}
		var seen [Phases]bool
		for _, p := range l.Phases {
			if p < 0 || p >= Phases || seen[p] {
				return nil, ladda.Errorf(ladda.Invalid, op, "load %s: phase %d is not L1, L2 or L3 named once", l.ID, p+1)
			}
			seen[p] = true
		}
		for n := l.Node; n >= 0; n = nodes[n].Parent {
			a.paths[i] = append(a.paths[i], n)
		}
	}
	// Trees (sites) share nothing: each is allocated on its own, which keeps the work per
	// site small however many sites there are.
	root := func(i int) int { return a.paths[i][len(a.paths[i])-1] }
	order := make([]int, len(loads))
	for i := range order {
		order[i] = i
	}
	// By tree; then highest priority first; within one, by ID, so that input order does not
	// matter.
	slices.SortFunc(order, func(x, y int) int {
		if c := cmp.Compare(root(x), root(y)); c != 0 {
			return c
		}
		if c := cmp.Compare(loads[y].Priority, loads[x].Priority); c != 0 {
			return c
		}
		return cmp.Compare(loads[x].ID, loads[y].ID)
	})
	for start := 0; start < len(order); {
		end := start + 1
		for end < len(order) && root(order[end]) == root(order[start]) && loads[order[end]].Priority == loads[order[start]].Priority {
			end++
		}
		a.tier(order[start:end], o.MarginMA)
		start = end
	}
	return a.out, nil
}

type allocator struct {
	nodes []Node
	loads []Load
	paths [][]int         // the nodes above each load, nearest first
	used  [][Phases]int64 // current through each node and phase so far
	out   []int64
}

// headroom is what node n may still carry on phase p; -1 for no limit.
func (a *allocator) headroom(n, p int) int64 {
	if a.nodes[n].LimitMA[p] < 0 {
		return -1
	}
	return a.nodes[n].LimitMA[p] - a.used[n][p]
}

// add puts d more mA on load i's phases, through every node above it.
func (a *allocator) add(i int, d int64) {
	a.out[i] += d
	for _, n := range a.paths[i] {
		for _, p := range a.loads[i].Phases {
			a.used[n][p] += d
		}
	}
}

// fits reports whether d more mA for load i stay within every limit above it.
func (a *allocator) fits(i int, d int64) bool {
	for _, n := range a.paths[i] {
		for _, p := range a.loads[i].Phases {
			if h := a.headroom(n, p); h >= 0 && h < d {
				return false
			}
		}
	}
	return true
}

// tier serves the loads of one priority, sorted by ID.
func (a *allocator) tier(tier []int, margin int64) {
	// Minimums first, in ID order; one that does not fit is paused.
	var active []int
	for _, i := range tier {
		if a.fits(i, a.loads[i].MinMA) {
			a.add(i, a.loads[i].MinMA)
			active = append(active, i)
		}
	}
	// Water-filling: raise every load that is not at its cap and not behind a full limit,
	// all by the same step, until none can rise.
	caps := make(map[int]int64, len(active))
	for _, i := range active {
		l := a.loads[i]
		c := l.MaxMA
		if l.DrawMA >= 0 && l.DrawMA+margin < c {
			c = max(l.DrawMA+margin, l.MinMA)
		}
		caps[i] = c
	}
	rising := slices.Clone(active)
	for len(rising) > 0 {
		// The step: the least room any rising load has to its cap, and the least share of
		// any limit among the rising loads behind it.
		type key struct{ n, p int }
		count := map[key]int64{}
		for _, i := range rising {
			for _, n := range a.paths[i] {
				for _, p := range a.loads[i].Phases {
					if a.nodes[n].LimitMA[p] >= 0 {
						count[key{n, p}]++
					}
				}
			}
		}
		step := int64(-1)
		for _, i := range rising {
			if r := caps[i] - a.out[i]; step < 0 || r < step {
				step = r
			}
		}
		for k, c := range count {
			if s := a.headroom(k.n, k.p) / c; s < step {
				step = s
			}
		}
		if step > 0 {
			for _, i := range rising {
				a.add(i, step)
			}
		}
		// Stop the loads at their cap and behind a limit that cannot give each of its
		// rising loads another milliampere.
		full := map[key]bool{}
		for k, c := range count {
			if a.headroom(k.n, k.p) < c {
				full[k] = true
			}
		}
		next := rising[:0]
		for _, i := range rising {
			stuck := a.out[i] >= caps[i]
			for _, n := range a.paths[i] {
				for _, p := range a.loads[i].Phases {
					stuck = stuck || full[key{n, p}]
				}
			}
			if !stuck {
				next = append(next, i)
			}
		}
		rising = next // each round stops at least one load: one reached its cap or filled a limit
	}
}
