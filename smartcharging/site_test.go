package smartcharging

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
)

func sessionAt(station string, evse int, tx int64) Session {
	return Session{EVSE: EVSE{StationID: ladda.StationID(station), EVSEID: evse}, TransactionID: ladda.TransactionID(tx)}
}

// TestCompute: a site's capacity, capped by its capacity limits and less its other loads and
// fixed EVSEs, is shared by its sessions, each within its EVSE's and vehicle's bounds.
func TestCompute(t *testing.T) {
	grid := Grid{SiteID: 1, Phases: 3, LimitA: [3]float64{100, 100, 100}}
	ten := func() []Session {
		var out []Session
		for i := range 10 {
			out = append(out, sessionAt("CP", i+1, int64(i+1)))
		}
		return out
	}
	tests := []struct {
		name string
		in   SiteInput
		want []float64
	}{
		{"fair share of 100 A", SiteInput{Grid: grid, Sessions: ten(), CapacityW: -1}, slices.Repeat([]float64{10}, 10)},
		{"few sessions get their EVSE's maximum", SiteInput{Grid: grid, Sessions: ten()[:2], CapacityW: -1}, []float64{32, 32}},
		{"margin", SiteInput{Grid: Grid{SiteID: 1, Phases: 3, LimitA: [3]float64{100, 100, 100}, MarginPercent: 10}, Sessions: ten(), CapacityW: -1},
			slices.Repeat([]float64{9}, 10)},
		{"capacity limit of 23 kW at 230 V: 33.33 A per phase", SiteInput{Grid: grid, Sessions: ten()[:2], CapacityW: 23000},
			[]float64{16.666, 16.666}},
		{"other loads", SiteInput{Grid: grid, Sessions: ten()[:2], CapacityW: -1, OtherA: [3]float64{80, 60, 60}}, []float64{10, 10}},
		{"a fixed EVSE keeps its room", SiteInput{Grid: grid, Sessions: ten()[:3], CapacityW: -1,
			Fixed: []Fixed{{EVSE: EVSE{"OFF", 1}, CurrentA: 40, Phases: 3}}}, []float64{20, 20, 20}},
		{"no room for the minimum pauses the latest", SiteInput{Grid: grid, Sessions: ten(), CapacityW: 23000},
			[]float64{6.666, 6.666, 6.666, 6.666, 6.666, 0, 0, 0, 0, 0}},
		{"a held session is paused", SiteInput{Grid: grid, Sessions: func() []Session { s := ten()[:2]; s[0].Hold = true; return s }(), CapacityW: -1},
			[]float64{0, 32}},
		{"a vehicle's own maximum", SiteInput{Grid: grid, Sessions: func() []Session { s := ten()[:2]; s[0].MaxA = 16; return s }(), CapacityW: -1},
			[]float64{16, 32}},
		{"a session drawing less gives the rest back", SiteInput{Grid: grid, CapacityW: -1,
			Sessions: func() []Session {
				s := ten()[:4]
				s[0].DrawA, s[0].OfferedA = []float64{5, 5, 5}, 25
				return s
			}()}, []float64{6, 31.333, 31.333, 31.333}},
		{"a session drawing its offer keeps it", SiteInput{Grid: grid, CapacityW: -1,
			Sessions: func() []Session {
				s := ten()[:4]
				s[0].DrawA, s[0].OfferedA = []float64{24.6, 24.6, 24.6}, 25
				return s
			}()}, []float64{25, 25, 25, 25}},
		{"priority first", SiteInput{Grid: grid, CapacityW: -1,
			Sessions: func() []Session {
				s := ten()[:5]
				s[4].Priority = 1
				return s
			}()}, []float64{17, 17, 17, 17, 32}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Compute(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d limits, want %d", len(got), len(tt.want))
			}
			for i := range got {
				if math.Abs(got[i].LimitA-tt.want[i]) > 0.002 {
					t.Errorf("limits %v, want %v", got, tt.want)
					break
				}
				if got[i].EVSE != tt.in.Sessions[i].EVSE || got[i].TransactionID != tt.in.Sessions[i].TransactionID {
					t.Errorf("limit %d is for %v, want %v", i, got[i], tt.in.Sessions[i])
				}
			}
		})
	}
}

// TestComputeCircuitsAndPhases: circuits limit what hangs from them, on the grid phases the
// wiring's rotation names; a single-phase car on a rotated EVSE loads only one grid phase.
func TestComputeCircuitsAndPhases(t *testing.T) {
	grid := Grid{SiteID: 1, Phases: 3, LimitA: [3]float64{63, 63, 63}}
	circuits := []Circuit{{ID: 7, SiteID: 1, Name: "row", LimitA: [3]float64{20, -1, -1}}}
	wirings := []Wiring{
		{StationID: "A", EVSEID: 1, CircuitID: 7, Rotation: "RST", Phases: 3},
		{StationID: "A", EVSEID: 2, CircuitID: 7, Rotation: "STR", Phases: 3},
		{StationID: "B", EVSEID: 1, Rotation: "TRS", Phases: 1},
	}
	sessions := []Session{sessionAt("A", 1, 1), sessionAt("A", 2, 2), sessionAt("B", 1, 3)}
	sessions[1].Phases = 1 // a single-phase car on an STR EVSE draws from L2 only
	got, err := Compute(SiteInput{Grid: grid, Circuits: circuits, Wirings: wirings, Sessions: sessions, CapacityW: -1})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{20, 32, 32}
	for i := range want {
		if got[i].LimitA != want[i] {
			t.Fatalf("limits %+v, want %v", got, want)
		}
	}
	if got[0].Phases != 3 || got[1].Phases != 1 || got[2].Phases != 1 {
		t.Errorf("phases %+v", got)
	}
	// The circuit's L1 is full with A/1; an unknown circuit falls back to the site.
	if _, err := Compute(SiteInput{Grid: grid, Wirings: []Wiring{{StationID: "A", EVSEID: 1, CircuitID: 99, Phases: 3}}, Sessions: sessions[:1], CapacityW: -1}); err != nil {
		t.Errorf("a wiring under a deleted circuit: %v", err)
	}
	if _, err := Compute(SiteInput{Grid: grid, Wirings: []Wiring{{StationID: "A", EVSEID: 1, Rotation: "XYZ", Phases: 3}}, Sessions: sessions[:1], CapacityW: -1}); err == nil {
		t.Error("a bad rotation was taken")
	}
}

// TestComputeNeverOverloads: whatever sessions draw and want, the limits on each grid phase,
// with what other loads draw, stay within the site's limit less its margin.
func TestComputeNeverOverloads(t *testing.T) {
	rotations := []string{"RST", "RTS", "SRT", "STR", "TRS", "TSR"}
	for round := range 300 {
		r := uint64(round*2654435761 + 1)
		next := func(n int) int { r ^= r << 13; r ^= r >> 7; r ^= r << 17; return int(r % uint64(n)) }
		grid := Grid{SiteID: 1, Phases: 3, LimitA: [3]float64{float64(20 + next(200)), float64(20 + next(200)), float64(20 + next(200))}, MarginPercent: float64(next(20))}
		in := SiteInput{Grid: grid, CapacityW: -1, OtherA: [3]float64{float64(next(30)), float64(next(30)), float64(next(30))}}
		if next(2) == 0 {
			in.CapacityW = float64(next(100000))
		}
		var wirings []Wiring
		for i := range 1 + next(30) {
			w := Wiring{StationID: "S", EVSEID: i + 1, Rotation: rotations[next(6)], Phases: 1 + next(3)}
			wirings = append(wirings, w)
			s := sessionAt("S", i+1, int64(i+1))
			s.Priority = next(3)
			if next(3) == 0 {
				s.DrawA, s.OfferedA = []float64{float64(next(32))}, float64(next(32))
			}
			in.Sessions = append(in.Sessions, s)
		}
		in.Wirings = wirings
		got, err := Compute(in)
		if err != nil {
			t.Fatal(err)
		}
		var sum [3]float64
		for i, l := range got {
			phases, _ := wirings[i].GridPhases(l.Phases)
			for _, p := range phases {
				sum[p] += l.LimitA
			}
		}
		for p := range 3 {
			limit := grid.LimitA[p]
			if in.CapacityW >= 0 {
				limit = min(limit, in.CapacityW/(230*3))
			}
			limit = limit*(1-grid.MarginPercent/100) - in.OtherA[p]
			if sum[p] > max(limit, 0)+0.001 {
				t.Fatalf("round %d: L%d carries %.3f A, over %.3f A", round, p+1, sum[p], limit)
			}
		}
	}
}

// TestDrawOf: per-phase currents are preferred, then a current without phase, then power.
func TestDrawOf(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Minute)
	tests := []struct {
		name    string
		samples []charging.Sample
		phases  int
		want    []float64
	}{
		{"nothing", []charging.Sample{{Time: t1, Measurand: "Energy.Active.Import.Register", Value: 1}}, 3, nil},
		{"per phase", []charging.Sample{
			{Time: t1, Measurand: "Current.Import", Phase: "L1", Value: 15}, {Time: t1, Measurand: "Current.Import", Phase: "L2", Value: 14},
			{Time: t1, Measurand: "Current.Import", Phase: "L3", Value: 16}, {Time: t1, Measurand: "Power.Active.Import", Value: 9999}}, 3, []float64{15, 14, 16}},
		{"the latest time only", []charging.Sample{
			{Time: t0, Measurand: "Current.Import", Phase: "L1", Value: 30}, {Time: t1, Measurand: "Power.Active.Import", Value: 6900}}, 3, []float64{10, 10, 10}},
		{"single phase car on a three-phase EVSE reported per phase", []charging.Sample{{Time: t1, Measurand: "Current.Import", Phase: "L1", Value: 16}}, 1, []float64{16}},
		{"power in kW", []charging.Sample{{Time: t1, Measurand: "Power.Active.Import", Unit: "kW", Value: 3.68}}, 1, []float64{16}},
		{"current without phase", []charging.Sample{{Time: t1, Measurand: "Current.Import", Value: 8}}, 2, []float64{8, 8}},
		{"not at the outlet", []charging.Sample{{Time: t1, Measurand: "Current.Import", Location: "Inlet", Value: 8}}, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DrawOf(tt.samples, tt.phases, 230)
			if len(got) != len(tt.want) {
				t.Fatalf("DrawOf = %v, want %v", got, tt.want)
			}
			for i := range got {
				if math.Abs(got[i]-tt.want[i]) > 1e-9 {
					t.Fatalf("DrawOf = %v, want %v", got, tt.want)
				}
			}
		})
	}
}

// TestCapacityAt: the lowest limit in force counts; a schedule period lasts until the next.
func TestCapacityAt(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 12, 1, h, 0, 0, 0, time.UTC) }
	ptr := func(t time.Time) *time.Time { return &t }
	limits := []*CapacityLimit{
		{Kind: KindSchedule, From: at(0), LimitW: 50000},
		{Kind: KindSchedule, From: at(8), To: ptr(at(18)), LimitW: 30000},
		{Kind: KindSchedule, From: at(20), LimitW: 40000},
		{Kind: KindDemandResponse, From: at(9), To: ptr(at(10)), LimitW: 10000},
		{Kind: KindDemandResponse, From: at(21), To: ptr(at(22)), LimitW: 45000},
	}
	for _, tt := range []struct {
		hour int
		want float64
	}{{1, 50000}, {8, 30000}, {9, 10000}, {10, 30000}, {19, 50000}, {20, 40000}, {21, 40000}} {
		if got := capacityAt(limits, at(tt.hour)); got != tt.want {
			t.Errorf("at %02d:00: %v W, want %v", tt.hour, got, tt.want)
		}
	}
	if got := capacityAt(nil, at(1)); got != -1 {
		t.Errorf("without limits: %v", got)
	}
}

// TestFallbackOverloads: every part of the installation is checked against its EVSEs, each
// at the fallback limit on the grid phases its wiring puts it on: the connection, and each
// circuit with the EVSEs beneath it.
func TestFallbackOverloads(t *testing.T) {
	grid := Grid{SiteID: 1, Phases: 3, LimitA: [3]float64{100, 100, 100}, MarginPercent: 10, FallbackA: 6}
	circuits := []Circuit{{ID: 1, SiteID: 1, Name: "Board B", LimitA: [3]float64{32, 32, 32}}}
	var evses []EVSE
	var wirings []Wiring
	for i := 1; i <= 6; i++ {
		evses = append(evses, EVSE{"CP", i})
		wirings = append(wirings, Wiring{StationID: "CP", EVSEID: i, CircuitID: 1, Rotation: "RST", Phases: 3})
	}
	got, err := FallbackOverloads(grid, circuits, wirings, evses)
	if err != nil || len(got) != 1 || !strings.HasPrefix(got[0], `circuit "Board B": its 6 EVSEs at the fallback limit of 6 A would draw 36 A on L1, which allows 28.8 A`) {
		t.Errorf("six EVSEs on a 32 A circuit: %q, %v", got, err)
	}
	// Single-phase EVSEs spread over the phases by their rotation fit.
	for i := range wirings {
		wirings[i].Phases, wirings[i].Rotation = 1, []string{"RST", "STR", "TRS"}[i%3]
	}
	if got, err := FallbackOverloads(grid, circuits, wirings, evses); err != nil || len(got) != 0 {
		t.Errorf("six single-phase EVSEs spread over three phases: %q, %v", got, err)
	}
	// Twenty unwired EVSEs overload the connection.
	var many []EVSE
	for i := 1; i <= 20; i++ {
		many = append(many, EVSE{"X", i})
	}
	if got, err := FallbackOverloads(grid, circuits, nil, many); err != nil || len(got) != 1 || !strings.HasPrefix(got[0], "the connection: its 20 EVSEs") {
		t.Errorf("twenty EVSEs on the connection: %q, %v", got, err)
	}
	grid.FallbackA = 0
	if got, err := FallbackOverloads(grid, circuits, nil, many); err != nil || len(got) != 0 {
		t.Errorf("a fallback of 0: %q, %v", got, err)
	}
}

// TestStationMaxA: a station may draw at most what the branches its EVSEs hang from let
// through: one circuit's limit, the sum of separate circuits within their common parent, the
// connection's for EVSEs without wiring; each less the margin, the lowest phase counting.
func TestStationMaxA(t *testing.T) {
	grid := Grid{SiteID: 1, Phases: 3, LimitA: [3]float64{100, 100, 90}, MarginPercent: 10}
	circuits := []Circuit{
		{ID: 1, SiteID: 1, LimitA: [3]float64{60, 60, 60}},              // under the connection
		{ID: 2, SiteID: 1, ParentID: 1, LimitA: [3]float64{20, 20, 20}}, // under 1
		{ID: 3, SiteID: 1, ParentID: 1, LimitA: [3]float64{50, 50, 50}}, // under 1
		{ID: 4, SiteID: 1, LimitA: [3]float64{-1, -1, -1}},              // no limit of its own
	}
	wire := func(evse int, circuit int64) Wiring {
		return Wiring{StationID: "CP", EVSEID: evse, CircuitID: circuit, Rotation: "RST", Phases: 3}
	}
	wirings := []Wiring{wire(1, 2), wire(2, 3), wire(3, 2), wire(4, 4)}
	tests := []struct {
		name  string
		evses []int
		want  float64
	}{
		{"one circuit", []int{1, 3}, 18},
		{"two circuits, within their parent", []int{1, 2}, 54},
		{"a circuit without a limit", []int{4}, 81},
		{"a circuit and the connection", []int{1, 4}, 81},
		{"no wiring", []int{9}, 81},
		{"no EVSEs known", nil, 81},
	}
	for _, tt := range tests {
		got, err := StationMaxA(grid, circuits, wirings, "CP", tt.evses)
		if err != nil || math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%s: %g, %v; want %g", tt.name, got, err, tt.want)
		}
	}
}

// BenchmarkCompute: one round of the controller over 1,000 sites, each computed from its
// model as the service does: a 100 A connection with two circuits, 12 EVSEs of which 10 have
// a session (one- and three-phase cars, some drawing less than offered) and 2 are idle,
// keeping the fallback free, and a capacity cap.
func BenchmarkCompute(b *testing.B) {
	var sites []SiteInput
	for s := range 1000 {
		id := int64(s + 1)
		in := SiteInput{Grid: Grid{SiteID: id, Phases: 3, LimitA: [3]float64{100, 100, 100}, MarginPercent: 5, FallbackA: 6}, CapacityW: 60000}
		in.Circuits = []Circuit{{ID: 2*id - 1, SiteID: id, Name: "A", LimitA: [3]float64{63, 63, 63}}, {ID: 2 * id, SiteID: id, Name: "B", LimitA: [3]float64{63, 63, 63}}}
		station := ladda.StationID(fmt.Sprint("CP", s))
		for e := 1; e <= 12; e++ {
			w := Wiring{StationID: station, EVSEID: e, CircuitID: 2*id - 1 + int64(e%2), Rotation: []string{"RST", "STR", "TRS"}[e%3], Phases: 3}
			in.Wirings = append(in.Wirings, w)
			if e > 10 {
				in.Fixed = append(in.Fixed, Fixed{EVSE: EVSE{station, e}, CurrentA: 6, Phases: 3, Why: FixedIdle})
				continue
			}
			sess := sessionAt(string(station), e, int64(s*12+e))
			if e%3 == 0 {
				sess.Phases = 1
			}
			if e%4 == 0 {
				sess.DrawA, sess.OfferedA = []float64{4, 4, 4}, 16
			}
			in.Sessions = append(in.Sessions, sess)
		}
		sites = append(sites, in)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, in := range sites {
			if _, err := Compute(in); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// TestComputeGiveBackIsStable: a car that takes less than its share gives the rest to the
// others and, once limited to what it takes plus 1 A, stays there: fed back round after
// round, the allocation does not swing between that and its full share.
func TestComputeGiveBackIsStable(t *testing.T) {
	in := SiteInput{Grid: Grid{SiteID: 1, Phases: 3, LimitA: [3]float64{40, 40, 40}}, CapacityW: -1,
		Sessions: []Session{sessionAt("CP", 1, 1), sessionAt("CP", 2, 2)}}
	var history [][2]float64
	for range 6 {
		limits, err := Compute(in)
		if err != nil {
			t.Fatal(err)
		}
		a, b := limits[0].LimitA, limits[1].LimitA
		history = append(history, [2]float64{a, b})
		// Car 1 takes at most 16 A; car 2 all it is offered.
		in.Sessions[0].OfferedA, in.Sessions[0].DrawA = a, []float64{min(a, 16), min(a, 16), min(a, 16)}
		in.Sessions[1].OfferedA, in.Sessions[1].DrawA = b, []float64{b, b, b}
	}
	want := [][2]float64{{20, 20}, {17, 23}, {17, 23}, {17, 23}, {17, 23}, {17, 23}}
	if !slices.Equal(history, want) {
		t.Errorf("rounds: %v, want %v", history, want)
	}
}
