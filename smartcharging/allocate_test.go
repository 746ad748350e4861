package smartcharging_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/smartcharging"
)

const none = smartcharging.NoLimit

func limit(a int64) [3]int64 { return [3]int64{a, a, a} }

func threePhase(id string, node int, minA, maxA int64) smartcharging.Load {
	return smartcharging.Load{ID: id, Node: node, Phases: []int{0, 1, 2}, MinMA: minA * 1000, MaxMA: maxA * 1000, DrawMA: -1}
}

func TestAllocate(t *testing.T) {
	t.Parallel()
	site := []smartcharging.Node{{ID: "site", Parent: -1, LimitMA: limit(32000)}}
	tests := []struct {
		name  string
		nodes []smartcharging.Node
		loads []smartcharging.Load
		want  []int64 // mA
	}{
		{"fair share", site, []smartcharging.Load{threePhase("a", 0, 6, 32), threePhase("b", 0, 6, 32)}, []int64{16000, 16000}},
		{"one capped, the other takes the rest", site, []smartcharging.Load{threePhase("a", 0, 6, 10), threePhase("b", 0, 6, 32)}, []int64{10000, 22000}},
		{"room for all", site, []smartcharging.Load{threePhase("a", 0, 6, 10), threePhase("b", 0, 6, 16)}, []int64{10000, 16000}},
		{"minimums that do not fit: the later ID pauses", site,
			[]smartcharging.Load{threePhase("c", 0, 12, 32), threePhase("a", 0, 12, 32), threePhase("b", 0, 12, 32)}, []int64{0, 16000, 16000}},
		{"a car that draws less gives the rest back", site,
			[]smartcharging.Load{{ID: "a", Node: 0, Phases: []int{0, 1, 2}, MinMA: 6000, MaxMA: 32000, DrawMA: 4000}, threePhase("b", 0, 6, 32)},
			[]int64{6000, 26000}},
		{"priority first", site,
			[]smartcharging.Load{threePhase("a", 0, 6, 32), {ID: "fleet", Node: 0, Phases: []int{0, 1, 2}, MinMA: 6000, MaxMA: 24000, Priority: 1, DrawMA: -1}},
			[]int64{8000, 24000}},
		{"single-phase cars on different phases share nothing",
			[]smartcharging.Node{{ID: "site", Parent: -1, LimitMA: [3]int64{16000, 16000, 16000}}},
			[]smartcharging.Load{{ID: "l1", Node: 0, Phases: []int{0}, MinMA: 6000, MaxMA: 32000, DrawMA: -1},
				{ID: "l2", Node: 0, Phases: []int{1}, MinMA: 6000, MaxMA: 32000, DrawMA: -1},
				{ID: "l1b", Node: 0, Phases: []int{0}, MinMA: 6000, MaxMA: 32000, DrawMA: -1}},
			[]int64{8000, 16000, 8000}},
		{"a circuit below the site",
			[]smartcharging.Node{{ID: "site", Parent: -1, LimitMA: limit(40000)}, {ID: "circuit", Parent: 0, LimitMA: limit(16000)}},
			[]smartcharging.Load{threePhase("a", 1, 6, 32), threePhase("b", 1, 6, 32), threePhase("c", 0, 6, 32)},
			[]int64{8000, 8000, 24000}},
		{"no limit", []smartcharging.Node{{ID: "site", Parent: -1, LimitMA: limit(none)}},
			[]smartcharging.Load{threePhase("a", 0, 6, 32)}, []int64{32000}},
		{"sites share nothing",
			[]smartcharging.Node{{ID: "s1", Parent: -1, LimitMA: limit(10000)}, {ID: "s2", Parent: -1, LimitMA: limit(20000)}},
			[]smartcharging.Load{threePhase("a", 0, 6, 32), threePhase("a", 1, 6, 32)}, []int64{10000, 20000}},
	}
	for _, tt := range tests {
		got, err := smartcharging.Allocate(tt.nodes, tt.loads, smartcharging.Options{})
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}

func TestAllocateRefuses(t *testing.T) {
	t.Parallel()
	site := []smartcharging.Node{{ID: "site", Parent: -1, LimitMA: limit(32000)}}
	for name, tc := range map[string]struct {
		nodes []smartcharging.Node
		load  smartcharging.Load
	}{
		"a parent after its child": {[]smartcharging.Node{{ID: "a", Parent: 1}, {ID: "b", Parent: -1}}, threePhase("x", 0, 6, 16)},
		"an unknown node":          {site, threePhase("x", 3, 6, 16)},
		"minimum above maximum":    {site, threePhase("x", 0, 20, 16)},
		"no phase":                 {site, smartcharging.Load{ID: "x", MaxMA: 1}},
		"a phase twice":            {site, smartcharging.Load{ID: "x", Phases: []int{1, 1}, MaxMA: 1}},
		"phase L4":                 {site, smartcharging.Load{ID: "x", Phases: []int{3}, MaxMA: 1}},
	} {
		if _, err := smartcharging.Allocate(tc.nodes, []smartcharging.Load{tc.load}, smartcharging.Options{}); !ladda.IsKind(err, ladda.Invalid) {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
}

// randomSite builds a site of random circuits, limits and loads.
func randomSite(r *rand.Rand, nodes []smartcharging.Node, loads []smartcharging.Load, prefix string) ([]smartcharging.Node, []smartcharging.Load) {
	rootLimit := func() [3]int64 {
		if r.IntN(10) == 0 {
			return limit(none)
		}
		return [3]int64{r.Int64N(100000), r.Int64N(100000), r.Int64N(100000)}
	}
	first := len(nodes)
	nodes = append(nodes, smartcharging.Node{ID: prefix, Parent: -1, LimitMA: rootLimit()})
	for c := range r.IntN(4) {
		nodes = append(nodes, smartcharging.Node{ID: fmt.Sprintf("%s/c%d", prefix, c), Parent: first + r.IntN(len(nodes)-first), LimitMA: rootLimit()})
	}
	for l := range 1 + r.IntN(12) {
		phases := [][]int{{0}, {1}, {2}, {0, 1, 2}, {1, 2, 0}}[r.IntN(5)]
		minMA := r.Int64N(8000)
		load := smartcharging.Load{ID: fmt.Sprintf("%s/e%d", prefix, l), Node: first + r.IntN(len(nodes)-first), Phases: phases,
			MinMA: minMA, MaxMA: minMA + r.Int64N(32000), Priority: r.IntN(3), DrawMA: -1}
		if r.IntN(3) == 0 {
			load.DrawMA = r.Int64N(32000)
		}
		loads = append(loads, load)
	}
	return nodes, loads
}

// The properties: no limit is ever exceeded at any level and phase; every load is paused or
// between its minimum and its maximum; a paused load's minimum does not fit in what is left;
// the result does not depend on the order of the loads.
func TestAllocateProperties(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 11))
	for round := range 400 {
		var (
			nodes []smartcharging.Node
			loads []smartcharging.Load
		)
		for s := range 1 + r.IntN(4) {
			nodes, loads = randomSite(r, nodes, loads, fmt.Sprintf("r%d-s%d", round, s))
		}
		got, err := smartcharging.Allocate(nodes, loads, smartcharging.Options{})
		if err != nil {
			t.Fatal(err)
		}
		used := make([][3]int64, len(nodes))
		for i, l := range loads {
			for n := l.Node; n >= 0; n = nodes[n].Parent {
				for _, p := range l.Phases {
					used[n][p] += got[i]
				}
			}
			if got[i] != 0 && (got[i] < l.MinMA || got[i] > l.MaxMA) {
				t.Fatalf("round %d: load %s got %d mA, outside %d..%d", round, l.ID, got[i], l.MinMA, l.MaxMA)
			}
		}
		for n, node := range nodes {
			for p := range 3 {
				if node.LimitMA[p] >= 0 && used[n][p] > node.LimitMA[p] {
					t.Fatalf("round %d: node %s phase L%d carries %d mA over its %d", round, node.ID, p+1, used[n][p], node.LimitMA[p])
				}
			}
		}
		for i, l := range loads {
			if got[i] != 0 || l.MinMA == 0 {
				continue
			}
			fits := true
			for n := l.Node; n >= 0; n = nodes[n].Parent {
				for _, p := range l.Phases {
					if lim := nodes[n].LimitMA[p]; lim >= 0 && lim-used[n][p] < l.MinMA {
						fits = false
					}
				}
			}
			if fits {
				t.Fatalf("round %d: load %s is paused though its minimum %d mA fits", round, l.ID, l.MinMA)
			}
		}
		// Stable under reordering: shuffle the loads and compare load by load.
		perm := r.Perm(len(loads))
		shuffled := make([]smartcharging.Load, len(loads))
		for i, j := range perm {
			shuffled[i] = loads[j]
		}
		again, err := smartcharging.Allocate(nodes, shuffled, smartcharging.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i, j := range perm {
			if again[i] != got[j] {
				t.Fatalf("round %d: load %s gets %d in one order and %d in another", round, loads[j].ID, got[j], again[i])
			}
		}
	}
}

// BenchmarkAllocate: 10,000 EVSEs across 1,000 sites, each site with a grid limit and two
// circuits, cars of one and three phases, some drawing less than offered.
func BenchmarkAllocate(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	var (
		nodes []smartcharging.Node
		loads []smartcharging.Load
	)
	for s := range 1000 {
		site := len(nodes)
		nodes = append(nodes, smartcharging.Node{ID: fmt.Sprint("site", s), Parent: -1, LimitMA: limit(100000)},
			smartcharging.Node{ID: fmt.Sprint("c1-", s), Parent: site, LimitMA: limit(63000)},
			smartcharging.Node{ID: fmt.Sprint("c2-", s), Parent: site, LimitMA: limit(63000)})
		for e := range 10 {
			l := threePhase(fmt.Sprintf("s%d-e%d", s, e), site+1+e%2, 6, 32)
			if e%3 == 0 {
				l.Phases = []int{e % 3}
			}
			if e%4 == 0 {
				l.DrawMA = r.Int64N(16000)
			}
			loads = append(loads, l)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := smartcharging.Allocate(nodes, loads, smartcharging.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
