package smartcharging_test

import (
	"slices"
	"testing"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/smartcharging"
)

func TestTree(t *testing.T) {
	t.Parallel()
	g := smartcharging.Grid{SiteID: 7, Phases: 3, LimitA: [3]float64{100, 100, 80}, MarginPercent: 10, FallbackA: 6}
	circuits := []smartcharging.Circuit{ // a child listed before its parent
		{ID: 2, SiteID: 7, ParentID: 1, Name: "row B", LimitA: [3]float64{32, 32, -1}},
		{ID: 1, SiteID: 7, Name: "board", LimitA: [3]float64{63, 63, 63}},
	}
	nodes, index, err := smartcharging.Tree(g, circuits)
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 3 || nodes[0].LimitMA != [3]int64{90000, 90000, 72000} {
		t.Fatalf("site node %+v", nodes)
	}
	board, row := nodes[index[1]], nodes[index[2]]
	if board.Parent != 0 || board.LimitMA != [3]int64{56700, 56700, 56700} || row.Parent != index[1] || row.LimitMA != [3]int64{28800, 28800, smartcharging.NoLimit} {
		t.Errorf("circuits %+v, %+v", board, row)
	}
	single := smartcharging.Grid{SiteID: 1, Phases: 1, LimitA: [3]float64{40}}
	if nodes, _, err := smartcharging.Tree(single, nil); err != nil || nodes[0].LimitMA != [3]int64{40000, 0, 0} {
		t.Errorf("a single-phase site: %+v, %v", nodes, err)
	}
	for name, c := range map[string][]smartcharging.Circuit{
		"another site's circuit": {{ID: 1, SiteID: 8}},
		"an unknown parent":      {{ID: 1, SiteID: 7, ParentID: 9}},
		"a cycle":                {{ID: 1, SiteID: 7, ParentID: 2}, {ID: 2, SiteID: 7, ParentID: 1}},
	} {
		if _, _, err := smartcharging.Tree(g, c); !ladda.IsKind(err, ladda.Invalid) {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
	for name, bad := range map[string]smartcharging.Grid{
		"two phases":     {Phases: 2, LimitA: [3]float64{1, 1, 1}},
		"no limit":       {Phases: 3, LimitA: [3]float64{100, 0, 100}},
		"a large margin": {Phases: 1, LimitA: [3]float64{10}, MarginPercent: 60},
	} {
		if err := bad.Check(); !ladda.IsKind(err, ladda.Invalid) {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
}

func TestWiringGridPhases(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		rotation    string
		evse, car   int
		want        []int
		wantInvalid bool
	}{
		{"", 3, 3, []int{0, 1, 2}, false},
		{"RST", 3, 1, []int{0}, false},
		{"STR", 3, 3, []int{1, 2, 0}, false},
		{"TSR", 1, 3, []int{2}, false}, // a single-phase EVSE on the grid's L3
		{"XYZ", 3, 3, nil, true},
		{"RST", 4, 3, nil, true},
	} {
		got, err := smartcharging.Wiring{Rotation: tc.rotation, Phases: tc.evse}.GridPhases(tc.car)
		if tc.wantInvalid != ladda.IsKind(err, ladda.Invalid) || !slices.Equal(got, tc.want) {
			t.Errorf("%s with %d phases, car %d: %v, %v; want %v", tc.rotation, tc.evse, tc.car, got, err, tc.want)
		}
	}
}

// Single-phase cars wired to different grid phases (phase rotation) fill a site's three
// phases evenly; the site never carries more than its limit less the margin.
func TestRotationSpreadsTheLoad(t *testing.T) {
	t.Parallel()
	g := smartcharging.Grid{SiteID: 1, Phases: 3, LimitA: [3]float64{32, 32, 32}, MarginPercent: 0}
	nodes, _, err := smartcharging.Tree(g, nil)
	if err != nil {
		t.Fatal(err)
	}
	var loads []smartcharging.Load
	for i, rot := range []string{"RST", "STR", "TRS", "RST"} {
		phases, err := smartcharging.Wiring{Rotation: rot, Phases: 3}.GridPhases(1)
		if err != nil {
			t.Fatal(err)
		}
		loads = append(loads, smartcharging.Load{ID: string(rune('a' + i)), Phases: phases, MinMA: 6000, MaxMA: 32000, DrawMA: -1})
	}
	got, err := smartcharging.Allocate(nodes, loads, smartcharging.Options{})
	if err != nil || !slices.Equal(got, []int64{16000, 32000, 32000, 16000}) {
		t.Errorf("allocation %v, %v; want the two cars on L1 to share it and the others a phase each", got, err)
	}
}
