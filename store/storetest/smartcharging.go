package storetest

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/smartcharging"
	"github.com/ladda-csms/ladda/station"
)

// Floats that a store keeps only if it keeps every bit of an IEEE double.
var (
	third   = 1.0 / 3
	above32 = math.Nextafter(32, 33)
	tiny    = math.SmallestNonzeroFloat64
)

// newGrid returns a three-phase grid of 63 A per phase for a site.
func newGrid(siteID int64) *smartcharging.Grid {
	return &smartcharging.Grid{SiteID: siteID, Phases: 3, LimitA: [3]float64{63, 63, 63}, MarginPercent: 10, FallbackA: 6}
}

// MustPutGrid stores g.
func MustPutGrid(tb testing.TB, s Store, g *smartcharging.Grid) *smartcharging.Grid {
	tb.Helper()
	if err := s.PutGrid(tb.Context(), g); err != nil {
		tb.Fatalf("PutGrid(site %d): %v", g.SiteID, err)
	}
	return g
}

// MustCreateCircuit stores a circuit of a site under parent (0: the site's connection) and
// fails unless it got an ID.
func MustCreateCircuit(tb testing.TB, s Store, siteID, parent int64, name string, limitA ...float64) *smartcharging.Circuit {
	tb.Helper()
	c := &smartcharging.Circuit{SiteID: siteID, ParentID: parent, Name: name, LimitA: [3]float64{-1, -1, -1}}
	copy(c.LimitA[:], limitA)
	if err := s.CreateCircuit(tb.Context(), c); err != nil {
		tb.Fatalf("CreateCircuit(%s): %v", name, err)
	}
	if c.ID <= 0 {
		tb.Fatalf("CreateCircuit(%s): ID = %d, want > 0", name, c.ID)
	}
	return c
}

// MustPutWiring wires a station's three-phase EVSE to a circuit (0: the site's connection).
func MustPutWiring(tb testing.TB, s Store, st ladda.StationID, evse int, circuit int64) *smartcharging.Wiring {
	tb.Helper()
	w := &smartcharging.Wiring{StationID: st, EVSEID: evse, CircuitID: circuit, Rotation: "RST", Phases: 3, MinA: 6, MaxA: 32}
	if err := s.PutWiring(tb.Context(), w); err != nil {
		tb.Fatalf("PutWiring(%s EVSE %d): %v", st, evse, err)
	}
	return w
}

// mustAtSite creates a station at a site.
func mustAtSite(tb testing.TB, s Store, id ladda.StationID, siteID int64) {
	tb.Helper()
	MustCreateStation(tb, s, id)
	mustMove(tb, s, id, siteID)
}

// mustMove puts a station at a site (0: none).
func mustMove(tb testing.TB, s Store, id ladda.StationID, siteID int64) {
	tb.Helper()
	if _, err := s.UpdateStation(tb.Context(), id, station.Update{SiteID: &siteID}, t0); err != nil {
		tb.Fatalf("UpdateStation(%s, site %d): %v", id, siteID, err)
	}
}

// wantGrid fails unless the site's stored grid is want.
func wantGrid(tb testing.TB, s Store, want *smartcharging.Grid) {
	tb.Helper()
	got, err := s.Grid(tb.Context(), want.SiteID)
	if err != nil {
		tb.Fatalf("Grid(%d): %v", want.SiteID, err)
	}
	if !reflect.DeepEqual(got, want) {
		tb.Errorf("Grid(%d) =\n%+v, want\n%+v", want.SiteID, got, want)
	}
}

// wantCircuits fails unless the site's circuits are want, in that order.
func wantCircuits(tb testing.TB, s Store, siteID int64, want ...*smartcharging.Circuit) {
	tb.Helper()
	got, err := s.Circuits(tb.Context(), siteID)
	if err != nil {
		tb.Fatalf("Circuits(%d): %v", siteID, err)
	}
	if len(got) != len(want) {
		tb.Fatalf("Circuits(%d) = %d circuits %s, want %d", siteID, len(got), fmtList(got), len(want))
	}
	for i := range got {
		if *got[i] != *want[i] {
			tb.Errorf("Circuits(%d)[%d] = %+v, want %+v", siteID, i, got[i], want[i])
		}
	}
}

// wantWirings fails unless Wirings(siteID, st) is want, in that order.
func wantWirings(tb testing.TB, s Store, siteID int64, st ladda.StationID, want ...*smartcharging.Wiring) {
	tb.Helper()
	got, err := s.Wirings(tb.Context(), siteID, st)
	if err != nil {
		tb.Fatalf("Wirings(%d, %q): %v", siteID, st, err)
	}
	if len(got) != len(want) {
		tb.Fatalf("Wirings(%d, %q) = %s, want %s", siteID, st, fmtList(got), fmtList(want))
	}
	for i := range got {
		if *got[i] != *want[i] {
			tb.Errorf("Wirings(%d, %q)[%d] = %+v, want %+v", siteID, st, i, got[i], want[i])
		}
	}
}

// fmtList formats a list of pointers for messages.
func fmtList[T any](list []*T) string {
	s := "["
	for i, p := range list {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("%+v", *p)
	}
	return s + "]"
}

// mustLimits lists a site's capacity limits.
func mustLimits(tb testing.TB, s Store, siteID int64, kind string, from time.Time) []*smartcharging.CapacityLimit {
	tb.Helper()
	list, err := s.CapacityLimits(tb.Context(), siteID, kind, from)
	if err != nil {
		tb.Fatalf("CapacityLimits(%d, %q, %v): %v", siteID, kind, from, err)
	}
	return list
}

// limitIDs returns the IDs of list, in order.
func limitIDs(list []*smartcharging.CapacityLimit) []int64 {
	ids := make([]int64, len(list))
	for i, l := range list {
		ids[i] = l.ID
	}
	return ids
}

// wantLimit fails unless got is want as stored, times in UTC.
func wantLimit(tb testing.TB, got, want *smartcharging.CapacityLimit) {
	tb.Helper()
	g, w := *got, *want
	name := fmt.Sprint("capacity limit ", w.ID)
	wantTime(tb, name+": From", g.From, w.From)
	wantTimePtr(tb, name+": To", g.To, w.To)
	wantTime(tb, name+": CreatedAt", g.CreatedAt, w.CreatedAt)
	g.From, g.To, g.CreatedAt, w.From, w.To, w.CreatedAt = time.Time{}, nil, time.Time{}, time.Time{}, nil, time.Time{}
	if g != w {
		tb.Errorf("%s = %+v, want %+v", name, g, w)
	}
}

func testSmartCharging(t *testing.T, open func(t *testing.T) Store) {
	t.Run("a grid round-trips exactly, is replaced, listed by site and deleted", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		a := MustCreateSite(t, s, "Depot", 0)
		b := MustCreateSite(t, s, "Mall", 0)
		ga := &smartcharging.Grid{SiteID: a.ID, Phases: 3, LimitA: [3]float64{0.1 + 0.2, above32, third}, MarginPercent: third,
			FallbackA: tiny, VoltageV: 229.99999999999997, MeterStationID: "METER-1",
			Priorities: []smartcharging.Priority{{Group: "fleet:7", Priority: 2}, {Group: "members", Priority: -1}}}
		gb := newGrid(b.ID)
		MustPutGrid(t, s, gb) // listed by site, not by when it was set
		MustPutGrid(t, s, ga)
		wantGrid(t, s, ga)
		wantGrid(t, s, gb)
		list, err := s.Grids(ctx)
		if err != nil || len(list) != 2 || !reflect.DeepEqual(list[0], ga) || !reflect.DeepEqual(list[1], gb) {
			t.Errorf("Grids = %s, %v; want %+v, %+v", fmtList(list), err, ga, gb)
		}

		// Replaced as a whole: what the new one leaves out is gone.
		ga2 := &smartcharging.Grid{SiteID: a.ID, Phases: 1, LimitA: [3]float64{25, 0, 0}, FallbackA: 0}
		MustPutGrid(t, s, ga2)
		wantGrid(t, s, ga2)

		if err := s.PutGrid(ctx, newGrid(999)); !ladda.IsKind(err, ladda.NotFound) {
			t.Errorf("PutGrid(unknown site): %v, want not found", err)
		}
		if g, err := s.Grid(ctx, 999); !ladda.IsKind(err, ladda.NotFound) {
			t.Errorf("Grid(unknown site) = %+v, %v; want not found", g, err)
		}
		nan := newGrid(b.ID)
		nan.LimitA[1] = math.NaN()
		if err := s.PutGrid(ctx, nan); !ladda.IsKind(err, ladda.Invalid) {
			t.Errorf("PutGrid(NaN limit): %v, want invalid", err)
		}
		wantGrid(t, s, gb)

		if err := s.DeleteGrid(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if g, err := s.Grid(ctx, a.ID); !ladda.IsKind(err, ladda.NotFound) {
			t.Errorf("Grid after DeleteGrid = %+v, %v; want not found", g, err)
		}
		if err := s.DeleteGrid(ctx, a.ID); !ladda.IsKind(err, ladda.NotFound) {
			t.Errorf("DeleteGrid again: %v, want not found", err)
		}
		if list, err := s.Grids(ctx); err != nil || len(list) != 1 || list[0].SiteID != b.ID {
			t.Errorf("Grids after DeleteGrid = %s, %v; want site %d's", fmtList(list), err, b.ID)
		}
		if _, err := s.Site(ctx, a.ID); err != nil {
			t.Errorf("the site went with its grid: %v", err)
		}
	})

	t.Run("circuits hang from circuits of their own site and cannot close a loop", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		a := MustCreateSite(t, s, "Depot", 0)
		b := MustCreateSite(t, s, "Mall", 0)
		if err := s.CreateCircuit(ctx, &smartcharging.Circuit{SiteID: a.ID, Name: "early"}); !ladda.IsKind(err, ladda.NotFound) {
			t.Errorf("CreateCircuit at a site without a grid: %v, want not found", err)
		}
		MustPutGrid(t, s, newGrid(a.ID))
		MustPutGrid(t, s, newGrid(b.ID))
		board := MustCreateCircuit(t, s, a.ID, 0, "Board 1", 40, third, -1)
		row := MustCreateCircuit(t, s, a.ID, board.ID, "Row A", above32, 32, 32)
		other := MustCreateCircuit(t, s, b.ID, 0, "Mall board", 50, 50, 50)
		if row.ID == board.ID || other.ID == row.ID {
			t.Fatalf("circuit IDs %d, %d, %d", board.ID, row.ID, other.ID)
		}
		wantCircuits(t, s, a.ID, board, row)
		wantCircuits(t, s, b.ID, other)
		if list, err := s.Circuits(ctx, 999); err != nil || len(list) != 0 {
			t.Errorf("Circuits(unknown site) = %s, %v; want none", fmtList(list), err)
		}

		for name, c := range map[string]*smartcharging.Circuit{
			"a site without a grid":      {SiteID: 999, Name: "x"},
			"an unknown parent":          {SiteID: a.ID, ParentID: 999, Name: "x"},
			"a parent of another site":   {SiteID: a.ID, ParentID: other.ID, Name: "x"},
			"a parent of the first site": {SiteID: b.ID, ParentID: board.ID, Name: "x"},
		} {
			if err := s.CreateCircuit(ctx, c); !ladda.IsKind(err, ladda.NotFound) {
				t.Errorf("CreateCircuit with %s: %v, want not found", name, err)
			}
			if c.ID != 0 {
				t.Errorf("CreateCircuit with %s: refused, yet ID = %d", name, c.ID)
			}
		}
		wantCircuits(t, s, a.ID, board, row)

		// An update replaces the parent, the name and the limits.
		leaf := MustCreateCircuit(t, s, a.ID, row.ID, "Leaf", 16, 16, 16)
		leaf.ParentID, leaf.Name, leaf.LimitA = board.ID, "Leaf, moved", [3]float64{-1, 0.1, 1e-9}
		if err := s.UpdateCircuit(ctx, leaf); err != nil {
			t.Fatal(err)
		}
		leaf.ParentID, leaf.Name = 0, "Leaf, on the connection"
		if err := s.UpdateCircuit(ctx, leaf); err != nil {
			t.Fatal(err)
		}
		wantCircuits(t, s, a.ID, board, row, leaf)

		for name, c := range map[string]smartcharging.Circuit{
			"an unknown circuit":                  {ID: 999, SiteID: a.ID, Name: "x"},
			"a circuit of another site":           {ID: other.ID, SiteID: a.ID, Name: "x"},
			"a circuit given with the wrong site": {ID: row.ID, SiteID: b.ID, ParentID: other.ID, Name: "x"},
			"an unknown parent":                   {ID: row.ID, SiteID: a.ID, ParentID: 999, Name: "x"},
			"a parent of another site":            {ID: row.ID, SiteID: a.ID, ParentID: other.ID, Name: "x"},
		} {
			if err := s.UpdateCircuit(ctx, &c); !ladda.IsKind(err, ladda.NotFound) {
				t.Errorf("UpdateCircuit of %s: %v, want not found", name, err)
			}
		}
		self := *row
		self.ParentID = row.ID
		if err := s.UpdateCircuit(ctx, &self); !ladda.IsKind(err, ladda.Invalid) {
			t.Errorf("hanging a circuit from itself: %v, want invalid", err)
		}
		leaf.ParentID = row.ID // board → row → leaf
		if err := s.UpdateCircuit(ctx, leaf); err != nil {
			t.Fatal(err)
		}
		loop := *board
		loop.ParentID = leaf.ID
		if err := s.UpdateCircuit(ctx, &loop); !ladda.IsKind(err, ladda.Invalid) {
			t.Errorf("hanging a circuit from its grandchild: %v, want invalid", err)
		}
		wantCircuits(t, s, a.ID, board, row, leaf)
		if _, _, err := smartcharging.Tree(*newGrid(a.ID), []smartcharging.Circuit{*board, *row, *leaf}); err != nil {
			t.Errorf("the stored circuits make no tree: %v", err)
		}
	})

	t.Run("a circuit is deleted only when nothing hangs from it", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		a := MustCreateSite(t, s, "Depot", 0)
		b := MustCreateSite(t, s, "Mall", 0)
		MustPutGrid(t, s, newGrid(a.ID))
		MustPutGrid(t, s, newGrid(b.ID))
		board := MustCreateCircuit(t, s, a.ID, 0, "Board", 40, 40, 40)
		row := MustCreateCircuit(t, s, a.ID, board.ID, "Row", 32, 32, 32)
		spare := MustCreateCircuit(t, s, a.ID, 0, "Spare", 16, 16, 16)
		mustAtSite(t, s, "DEL-1", a.ID)
		MustPutWiring(t, s, "DEL-1", 1, row.ID)

		if err := s.DeleteCircuit(ctx, a.ID, board.ID); !ladda.IsKind(err, ladda.Conflict) {
			t.Errorf("deleting a circuit with a circuit hanging from it: %v, want conflict", err)
		}
		if err := s.DeleteCircuit(ctx, a.ID, row.ID); !ladda.IsKind(err, ladda.Conflict) {
			t.Errorf("deleting a circuit with an EVSE wired to it: %v, want conflict", err)
		}
		if err := s.DeleteCircuit(ctx, a.ID, 999); !ladda.IsKind(err, ladda.NotFound) {
			t.Errorf("deleting an unknown circuit: %v, want not found", err)
		}
		if err := s.DeleteCircuit(ctx, b.ID, spare.ID); !ladda.IsKind(err, ladda.NotFound) {
			t.Errorf("deleting a circuit as one of another site: %v, want not found", err)
		}
		wantCircuits(t, s, a.ID, board, row, spare)

		if err := s.DeleteCircuit(ctx, a.ID, spare.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteCircuit(ctx, a.ID, spare.ID); !ladda.IsKind(err, ladda.NotFound) {
			t.Errorf("deleting it again: %v, want not found", err)
		}
		MustPutWiring(t, s, "DEL-1", 1, board.ID) // rewired: the row is free
		if err := s.DeleteCircuit(ctx, a.ID, row.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteWiring(ctx, "DEL-1", 1); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteCircuit(ctx, a.ID, board.ID); err != nil {
			t.Fatal(err)
		}
		wantCircuits(t, s, a.ID)
	})

	t.Run("an EVSE's wiring round-trips, is replaced and listed by station or site", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		a := MustCreateSite(t, s, "Depot", 0)
		b := MustCreateSite(t, s, "Mall", 0)
		MustPutGrid(t, s, newGrid(a.ID))
		MustPutGrid(t, s, newGrid(b.ID))
		board := MustCreateCircuit(t, s, a.ID, 0, "Board", 40, 40, 40)
		other := MustCreateCircuit(t, s, b.ID, 0, "Mall board", 40, 40, 40)
		// Byte order: upper case before lower case.
		mustAtSite(t, s, "a-2", a.ID)
		mustAtSite(t, s, "B-1", a.ID)
		mustAtSite(t, s, "MALL-1", b.ID)
		MustCreateStation(t, s, "LONE")

		w := &smartcharging.Wiring{StationID: "a-2", EVSEID: 2, CircuitID: board.ID, Rotation: "STR", Phases: 3, MinA: third, MaxA: above32}
		if err := s.PutWiring(ctx, w); err != nil {
			t.Fatal(err)
		}
		a21 := MustPutWiring(t, s, "a-2", 1, 0)
		b1 := MustPutWiring(t, s, "B-1", 3, board.ID) // after a-2's EVSEs by number, before them by station
		m1 := MustPutWiring(t, s, "MALL-1", 1, other.ID)
		lone := MustPutWiring(t, s, "LONE", 1, 0) // at no site, wired to no circuit
		wantWirings(t, s, 0, "a-2", a21, w)
		wantWirings(t, s, a.ID, "", b1, a21, w)
		wantWirings(t, s, b.ID, "", m1)
		wantWirings(t, s, a.ID, "B-1", b1)
		wantWirings(t, s, b.ID, "B-1")
		wantWirings(t, s, 0, "LONE", lone)
		wantWirings(t, s, 0, "NOPE")
		wantWirings(t, s, 999, "")

		// Replaced as a whole; single-phase, with the default bounds.
		w2 := &smartcharging.Wiring{StationID: "a-2", EVSEID: 2, Rotation: "TRS", Phases: 1}
		if err := s.PutWiring(ctx, w2); err != nil {
			t.Fatal(err)
		}
		wantWirings(t, s, 0, "a-2", a21, w2)
		wantWirings(t, s, 0, "", b1, lone, m1, a21, w2) // neither station nor site: every EVSE

		for name, bad := range map[string]smartcharging.Wiring{
			"an unknown station":                   {StationID: "NOPE", EVSEID: 1, Rotation: "RST", Phases: 3},
			"an unknown circuit":                   {StationID: "B-1", EVSEID: 1, CircuitID: 999, Rotation: "RST", Phases: 3},
			"a circuit of another site":            {StationID: "B-1", EVSEID: 1, CircuitID: other.ID, Rotation: "RST", Phases: 3},
			"a circuit for a station at no site":   {StationID: "LONE", EVSEID: 1, CircuitID: board.ID, Rotation: "RST", Phases: 3},
			"a new EVSE on a circuit of elsewhere": {StationID: "MALL-1", EVSEID: 2, CircuitID: board.ID, Rotation: "RST", Phases: 3},
		} {
			if err := s.PutWiring(ctx, &bad); !ladda.IsKind(err, ladda.NotFound) {
				t.Errorf("PutWiring with %s: %v, want not found", name, err)
			}
		}
		wantWirings(t, s, a.ID, "", b1, a21, w2)
		wantWirings(t, s, b.ID, "", m1)

		// The site's EVSEs are those of the stations at it now.
		mustMove(t, s, "B-1", b.ID)
		wantWirings(t, s, a.ID, "", a21, w2)
		wantWirings(t, s, b.ID, "", b1, m1)

		if err := s.DeleteWiring(ctx, "a-2", 2); err != nil {
			t.Fatal(err)
		}
		for _, k := range []struct {
			st   ladda.StationID
			evse int
		}{{"a-2", 2}, {"a-2", 3}, {"NOPE", 1}} {
			if err := s.DeleteWiring(ctx, k.st, k.evse); !ladda.IsKind(err, ladda.NotFound) {
				t.Errorf("DeleteWiring(%s, %d): %v, want not found", k.st, k.evse, err)
			}
		}
		wantWirings(t, s, 0, "a-2", a21)
	})

	t.Run("a schedule is replaced as a whole and demand-response events stay", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		a := MustCreateSite(t, s, "Depot", 0)
		b := MustCreateSite(t, s, "Mall", 0)
		if err := s.ReplaceSchedule(ctx, a.ID, nil); !ladda.IsKind(err, ladda.NotFound) {
			t.Errorf("ReplaceSchedule at a site without a grid: %v, want not found", err)
		}
		if err := s.AddCapacityLimit(ctx, &smartcharging.CapacityLimit{SiteID: a.ID, Kind: smartcharging.KindDemandResponse, From: t0, LimitW: 1}); !ladda.IsKind(err, ladda.NotFound) {
			t.Errorf("AddCapacityLimit at a site without a grid: %v, want not found", err)
		}
		MustPutGrid(t, s, newGrid(a.ID))
		MustPutGrid(t, s, newGrid(b.ID))

		stockholm, err := time.LoadLocation("Europe/Stockholm")
		if err != nil {
			t.Fatal(err)
		}
		event := &smartcharging.CapacityLimit{SiteID: a.ID, Kind: smartcharging.KindDemandResponse, From: at(time.Hour).In(stockholm),
			To: ptr(at(2 * time.Hour)), LimitW: 11000.000000000002, ExternalID: "evt-1", Reason: "peak", CreatedBy: "openadr:vtn", CreatedAt: t0}
		if err := s.AddCapacityLimit(ctx, event); err != nil {
			t.Fatal(err)
		}
		if event.ID <= 0 {
			t.Fatalf("AddCapacityLimit: ID = %d", event.ID)
		}
		before := time.Now().Add(-time.Second)
		first := []*smartcharging.CapacityLimit{
			{From: at(0), To: ptr(at(time.Hour)), LimitW: 40000, CreatedBy: "ems"},
			{From: at(time.Hour), LimitW: third, ExternalID: "evt-1"}, // external IDs of periods need not differ from events'
		}
		if err := s.ReplaceSchedule(ctx, a.ID, first); err != nil {
			t.Fatal(err)
		}
		after := time.Now().Add(time.Second)
		for i, p := range first {
			if p.ID <= 0 || p.SiteID != a.ID || p.Kind != smartcharging.KindSchedule || p.CreatedAt.Before(before) || p.CreatedAt.After(after) {
				t.Errorf("period %d after ReplaceSchedule: %+v; want an ID, site %d, kind schedule, created now", i, p, a.ID)
			}
		}
		got := mustLimits(t, s, a.ID, "", time.Time{})
		if len(got) != 3 {
			t.Fatalf("CapacityLimits = %s, want 3", fmtList(got))
		}
		wantLimit(t, got[0], first[0])
		wantLimit(t, got[1], event) // the same From as the second period, and the smaller ID
		wantLimit(t, got[2], first[1])
		if got[1].From.Location() != time.UTC {
			t.Errorf("From in %v, want UTC", got[1].From.Location())
		}

		// A new schedule replaces the periods, not the events.
		second := []*smartcharging.CapacityLimit{{Kind: smartcharging.KindSchedule, SiteID: a.ID, From: at(30 * time.Minute), LimitW: 20000}}
		if err := s.ReplaceSchedule(ctx, a.ID, second); err != nil {
			t.Fatal(err)
		}
		if ids := limitIDs(mustLimits(t, s, a.ID, "", time.Time{})); !slices.Equal(ids, []int64{second[0].ID, event.ID}) {
			t.Errorf("after the second schedule: %v, want %v", ids, []int64{second[0].ID, event.ID})
		}
		if slices.Contains([]int64{first[0].ID, first[1].ID, event.ID}, second[0].ID) {
			t.Errorf("the new period has an old ID %d", second[0].ID)
		}
		if err := s.ReplaceSchedule(ctx, a.ID, []*smartcharging.CapacityLimit{}); err != nil {
			t.Fatal(err)
		}
		if ids := limitIDs(mustLimits(t, s, a.ID, "", time.Time{})); !slices.Equal(ids, []int64{event.ID}) {
			t.Errorf("after an empty schedule: %v, want only the event %d", ids, event.ID)
		}
		for name, p := range map[string]*smartcharging.CapacityLimit{
			"of the other kind":  {Kind: smartcharging.KindDemandResponse, From: t0, LimitW: 1},
			"of another site":    {SiteID: b.ID, From: t0, LimitW: 1},
			"with a NaN limit":   {From: t0, LimitW: math.NaN()},
			"with invalid UTF-8": {From: t0, LimitW: 1, Reason: "\xff"},
		} {
			if err := s.ReplaceSchedule(ctx, a.ID, []*smartcharging.CapacityLimit{p}); !ladda.IsKind(err, ladda.Invalid) {
				t.Errorf("ReplaceSchedule with a period %s: %v, want invalid", name, err)
			}
		}

		// A site's events have distinct external IDs, unless they have none.
		dup := &smartcharging.CapacityLimit{SiteID: a.ID, Kind: smartcharging.KindDemandResponse, From: t0, LimitW: 5000, ExternalID: "evt-1", CreatedAt: t0}
		if err := s.AddCapacityLimit(ctx, dup); !ladda.IsKind(err, ladda.Conflict) {
			t.Errorf("a second event evt-1: %v, want conflict", err)
		}
		if dup.ID != 0 {
			t.Errorf("refused event got ID %d", dup.ID)
		}
		elsewhere := &smartcharging.CapacityLimit{SiteID: b.ID, Kind: smartcharging.KindDemandResponse, From: t0, LimitW: 5000, ExternalID: "evt-1", CreatedAt: t0}
		if err := s.AddCapacityLimit(ctx, elsewhere); err != nil {
			t.Errorf("event evt-1 at another site: %v", err)
		}
		for i := range 2 {
			anon := &smartcharging.CapacityLimit{SiteID: a.ID, From: at(time.Duration(i) * time.Minute), LimitW: 7000, CreatedAt: t0}
			if err := s.AddCapacityLimit(ctx, anon); err != nil {
				t.Errorf("event %d without an external ID: %v", i, err)
			} else if anon.Kind != smartcharging.KindDemandResponse {
				t.Errorf("event without a kind stored as %q", anon.Kind)
			}
		}
		if err := s.AddCapacityLimit(ctx, &smartcharging.CapacityLimit{SiteID: a.ID, Kind: smartcharging.KindSchedule, From: t0, LimitW: 1}); !ladda.IsKind(err, ladda.Invalid) {
			t.Errorf("AddCapacityLimit of a schedule period: %v, want invalid", err)
		}

		// Only events are deleted one by one, each at its own site.
		if err := s.ReplaceSchedule(ctx, a.ID, second[:1]); err != nil {
			t.Fatal(err)
		}
		for name, k := range map[string][2]int64{
			"a period of the schedule":    {a.ID, second[0].ID},
			"an event of another site":    {a.ID, elsewhere.ID},
			"an event given another site": {b.ID, event.ID},
			"an unknown limit":            {a.ID, 99999},
		} {
			if err := s.DeleteCapacityLimit(ctx, k[0], k[1]); !ladda.IsKind(err, ladda.NotFound) {
				t.Errorf("DeleteCapacityLimit of %s: %v, want not found", name, err)
			}
		}
		if err := s.DeleteCapacityLimit(ctx, a.ID, event.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteCapacityLimit(ctx, a.ID, event.ID); !ladda.IsKind(err, ladda.NotFound) {
			t.Errorf("deleting the event again: %v, want not found", err)
		}
		again := &smartcharging.CapacityLimit{SiteID: a.ID, From: t0, LimitW: 5000, ExternalID: "evt-1", CreatedAt: t0}
		if err := s.AddCapacityLimit(ctx, again); err != nil {
			t.Errorf("evt-1 once the first is deleted: %v", err)
		}
		if list := mustLimits(t, s, a.ID, smartcharging.KindSchedule, time.Time{}); len(list) != 1 || list[0].ID != second[0].ID {
			t.Errorf("the schedule after deleting events: %s", fmtList(list))
		}
	})

	t.Run("capacity limits are those in force at or after a time, of a kind, by start", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		site := MustCreateSite(t, s, "Depot", 0)
		other := MustCreateSite(t, s, "Mall", 0)
		MustPutGrid(t, s, newGrid(site.ID))
		MustPutGrid(t, s, newGrid(other.ID))
		h := func(n int) time.Time { return at(time.Duration(n) * time.Hour) }
		// Stored out of order: the list orders them.
		periods := []*smartcharging.CapacityLimit{
			{From: h(3), LimitW: 3},
			{From: h(1), To: ptr(h(2)), LimitW: 1},
			{From: h(0), To: ptr(h(1)), LimitW: 0},
			{From: h(2), To: ptr(h(3)), LimitW: 2},
		}
		if err := s.ReplaceSchedule(t.Context(), site.ID, periods); err != nil {
			t.Fatal(err)
		}
		events := make([]*smartcharging.CapacityLimit, 3)
		for i, e := range []smartcharging.CapacityLimit{
			{From: h(2), To: ptr(h(2).Add(time.Microsecond)), LimitW: 100},
			{From: h(-5), LimitW: 101},                 // for good
			{From: h(-5), To: ptr(h(-4)), LimitW: 102}, // long over
		} {
			e.SiteID, e.CreatedAt = site.ID, t0
			events[i] = &e
			if err := s.AddCapacityLimit(t.Context(), events[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.ReplaceSchedule(t.Context(), other.ID, []*smartcharging.CapacityLimit{{From: h(0), LimitW: 9}}); err != nil {
			t.Fatal(err)
		}
		p, e := periods, events
		for _, tt := range []struct {
			kind string
			from time.Time
			want []*smartcharging.CapacityLimit
		}{
			{"", time.Time{}, []*smartcharging.CapacityLimit{e[1], e[2], p[2], p[1], p[3], e[0], p[0]}},
			{"", h(1), []*smartcharging.CapacityLimit{e[1], p[1], p[3], e[0], p[0]}}, // To = from is over
			{"", h(1).Add(-time.Microsecond), []*smartcharging.CapacityLimit{e[1], p[2], p[1], p[3], e[0], p[0]}},
			{"", h(2), []*smartcharging.CapacityLimit{e[1], p[3], e[0], p[0]}},
			{"", h(2).Add(time.Microsecond), []*smartcharging.CapacityLimit{e[1], p[3], p[0]}},
			{"", h(99), []*smartcharging.CapacityLimit{e[1], p[0]}},
			{smartcharging.KindSchedule, h(2), []*smartcharging.CapacityLimit{p[3], p[0]}},
			{smartcharging.KindDemandResponse, time.Time{}, []*smartcharging.CapacityLimit{e[1], e[2], e[0]}},
			{"other", time.Time{}, nil},
		} {
			got := mustLimits(t, s, site.ID, tt.kind, tt.from)
			if !slices.Equal(limitIDs(got), limitIDs(tt.want)) {
				t.Errorf("CapacityLimits(%q, %v) = %v, want %v", tt.kind, tt.from, limitIDs(got), limitIDs(tt.want))
				continue
			}
			for i := range got {
				wantLimit(t, got[i], tt.want[i])
			}
		}
		if list := mustLimits(t, s, 999, "", time.Time{}); len(list) != 0 {
			t.Errorf("CapacityLimits(unknown site) = %s", fmtList(list))
		}
	})

	t.Run("a vehicle's needs round-trip and are replaced", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		MustCreateStation(t, s, "NEEDS-1")
		tx := MustStart(t, s, newTx("NEEDS-1", 1, "TOKEN", 0))
		other := MustStart(t, s, newTx("NEEDS-1", 2, "TOKEN", 0))
		if n, err := s.Needs(ctx, tx.ID); !ladda.IsKind(err, ladda.NotFound) {
			t.Errorf("Needs before any = %+v, %v; want not found", n, err)
		}
		tokyo := time.FixedZone("JST", 9*3600)
		n := &smartcharging.Needs{TransactionID: tx.ID, DepartureAt: ptr(at(8*time.Hour + 999*time.Nanosecond).In(tokyo)), EnergyWh: 30000.000000000004,
			CapacityWh: 77400, SoC: ptr(third), TargetSoC: ptr(80.0), MinA: 6, MaxA: above32, Phases: 3, Source: "station", UpdatedAt: at(time.Minute).In(tokyo)}
		if err := s.PutNeeds(ctx, n); err != nil {
			t.Fatal(err)
		}
		want := smartcharging.Needs{TransactionID: tx.ID, DepartureAt: ptr(at(8 * time.Hour)), EnergyWh: 30000.000000000004, CapacityWh: 77400,
			SoC: ptr(third), TargetSoC: ptr(80.0), MinA: 6, MaxA: above32, Phases: 3, Source: "station", UpdatedAt: at(time.Minute)}
		wantNeeds(t, s, &want)
		wantTimePtr(t, "PutNeeds' DepartureAt, as stored", n.DepartureAt, want.DepartureAt)

		// Replaced as a whole: what the new needs leave out is unknown again.
		zero := smartcharging.Needs{TransactionID: tx.ID, EnergyWh: 12000, Source: "api", UpdatedAt: at(time.Hour)}
		if err := s.PutNeeds(ctx, &zero); err != nil {
			t.Fatal(err)
		}
		wantNeeds(t, s, &zero)
		if _, err := s.Needs(ctx, other.ID); !ladda.IsKind(err, ladda.NotFound) {
			t.Errorf("Needs of another transaction: %v, want not found", err)
		}
		if err := s.PutNeeds(ctx, &smartcharging.Needs{TransactionID: 99999, Source: "api", UpdatedAt: t0}); !ladda.IsKind(err, ladda.NotFound) {
			t.Errorf("PutNeeds of an unknown transaction: %v, want not found", err)
		}
		if _, err := s.Needs(ctx, 99999); !ladda.IsKind(err, ladda.NotFound) {
			t.Errorf("Needs of an unknown transaction: %v, want not found", err)
		}
		if err := s.PutNeeds(ctx, &smartcharging.Needs{TransactionID: other.ID, SoC: ptr(math.NaN()), Source: "api", UpdatedAt: t0}); !ladda.IsKind(err, ladda.Invalid) {
			t.Errorf("PutNeeds with a NaN state of charge: %v, want invalid", err)
		}
		// The needs outlive the station, as its transactions do.
		if err := s.DeleteStation(ctx, "NEEDS-1"); err != nil {
			t.Fatal(err)
		}
		wantNeeds(t, s, &zero)
	})

	t.Run("a vehicle's charging schedule round-trips and is replaced", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		MustCreateStation(t, s, "EVS-1")
		tx := MustStart(t, s, newTx("EVS-1", 1, "TOKEN", 0))
		other := MustStart(t, s, newTx("EVS-1", 2, "TOKEN", 0))
		if got, err := s.EVSchedule(ctx, tx.ID); !ladda.IsKind(err, ladda.NotFound) {
			t.Errorf("EVSchedule before any = %+v, %v; want not found", got, err)
		}
		tokyo := time.FixedZone("JST", 9*3600)
		ev := &smartcharging.EVSchedule{TransactionID: tx.ID, Start: at(time.Minute + 999*time.Nanosecond).In(tokyo),
			Schedule: station.ChargingSchedule{StartAt: ptr(at(time.Hour + 1).In(tokyo)), Duration: ptr(7200), RateUnit: "W", MinRate: ptr(third),
				Periods: []station.SchedulePeriod{{Start: 0, Limit: 0.1 + 0.2}, {Start: 900, Limit: above32, Phases: ptr(1)}, {Start: 1800, Limit: tiny, Phases: ptr(3)}}},
			Accepted: true, ReceivedAt: at(2 * time.Minute).In(tokyo)}
		if err := s.PutEVSchedule(ctx, ev); err != nil {
			t.Fatal(err)
		}
		want := &smartcharging.EVSchedule{TransactionID: tx.ID, Start: at(time.Minute),
			Schedule: station.ChargingSchedule{StartAt: ptr(at(time.Hour)), Duration: ptr(7200), RateUnit: "W", MinRate: ptr(third),
				Periods: []station.SchedulePeriod{{Start: 0, Limit: 0.1 + 0.2}, {Start: 900, Limit: above32, Phases: ptr(1)}, {Start: 1800, Limit: tiny, Phases: ptr(3)}}},
			Accepted: true, ReceivedAt: at(2 * time.Minute)}
		wantEVSchedule(t, "PutEVSchedule's schedule, as stored", ev, want)
		wantStoredEVSchedule(t, s, want)

		// Replaced as a whole: what the new schedule leaves out is gone.
		plain := &smartcharging.EVSchedule{TransactionID: tx.ID, Start: at(time.Hour),
			Schedule: station.ChargingSchedule{RateUnit: "A", Periods: []station.SchedulePeriod{{Start: 0, Limit: 16}}}, ReceivedAt: at(time.Hour)}
		if err := s.PutEVSchedule(ctx, plain); err != nil {
			t.Fatal(err)
		}
		wantStoredEVSchedule(t, s, plain)
		empty := &smartcharging.EVSchedule{TransactionID: other.ID, Start: t0, Schedule: station.ChargingSchedule{RateUnit: "W"}, ReceivedAt: t0}
		if err := s.PutEVSchedule(ctx, empty); err != nil {
			t.Fatal(err)
		}
		if got, err := s.EVSchedule(ctx, other.ID); err != nil || len(got.Schedule.Periods) != 0 || got.Schedule.RateUnit != "W" {
			t.Errorf("EVSchedule of a schedule without periods = %+v, %v", got, err)
		}

		if err := s.PutEVSchedule(ctx, &smartcharging.EVSchedule{TransactionID: 99999, Start: t0, ReceivedAt: t0}); !ladda.IsKind(err, ladda.NotFound) {
			t.Errorf("PutEVSchedule of an unknown transaction: %v, want not found", err)
		}
		if _, err := s.EVSchedule(ctx, 99999); !ladda.IsKind(err, ladda.NotFound) {
			t.Errorf("EVSchedule of an unknown transaction: %v, want not found", err)
		}
		for name, sch := range map[string]station.ChargingSchedule{
			"a NaN limit":           {RateUnit: "A", Periods: []station.SchedulePeriod{{Start: 0, Limit: math.NaN()}}},
			"an infinite limit":     {RateUnit: "A", Periods: []station.SchedulePeriod{{Start: 0, Limit: math.Inf(1)}}},
			"a NaN minimum rate":    {RateUnit: "A", MinRate: ptr(math.NaN())},
			"a rate unit not UTF-8": {RateUnit: "\xff"},
		} {
			bad := &smartcharging.EVSchedule{TransactionID: tx.ID, Start: t0, Schedule: sch, ReceivedAt: t0}
			if err := s.PutEVSchedule(ctx, bad); !ladda.IsKind(err, ladda.Invalid) {
				t.Errorf("PutEVSchedule with %s: %v, want invalid", name, err)
			}
		}
		wantStoredEVSchedule(t, s, plain)
		// The schedule outlives the station, as its transactions do.
		if err := s.DeleteStation(ctx, "EVS-1"); err != nil {
			t.Fatal(err)
		}
		wantStoredEVSchedule(t, s, plain)
	})

	t.Run("deleting a station forgets its wiring", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		site := MustCreateSite(t, s, "Depot", 0)
		MustPutGrid(t, s, newGrid(site.ID))
		board := MustCreateCircuit(t, s, site.ID, 0, "Board", 40, 40, 40)
		mustAtSite(t, s, "GONE", site.ID)
		mustAtSite(t, s, "KEPT", site.ID)
		MustPutWiring(t, s, "GONE", 1, board.ID)
		MustPutWiring(t, s, "GONE", 2, 0)
		kept := MustPutWiring(t, s, "KEPT", 1, board.ID)
		if err := s.DeleteStation(ctx, "GONE"); err != nil {
			t.Fatal(err)
		}
		wantWirings(t, s, 0, "GONE")
		wantWirings(t, s, site.ID, "", kept)
		// A station that comes back under the same ID starts unwired.
		mustAtSite(t, s, "GONE", site.ID)
		wantWirings(t, s, 0, "GONE")
		if err := s.DeleteWiring(ctx, "KEPT", 1); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteCircuit(ctx, site.ID, board.ID); err != nil {
			t.Errorf("the board once its EVSEs are gone: %v", err)
		}
	})

	t.Run("deleting a grid or a site forgets everything under it", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		a := MustCreateSite(t, s, "Depot", 0)
		b := MustCreateSite(t, s, "Mall", 0)
		fill := func(siteID int64, st ladda.StationID) *smartcharging.Circuit {
			MustPutGrid(t, s, newGrid(siteID))
			board := MustCreateCircuit(t, s, siteID, 0, "Board", 40, 40, 40)
			MustCreateCircuit(t, s, siteID, board.ID, "Row", 32, 32, 32)
			if err := s.ReplaceSchedule(ctx, siteID, []*smartcharging.CapacityLimit{{From: t0, LimitW: 30000}}); err != nil {
				t.Fatal(err)
			}
			if err := s.AddCapacityLimit(ctx, &smartcharging.CapacityLimit{SiteID: siteID, From: t0, LimitW: 1000, ExternalID: "evt", CreatedAt: t0}); err != nil {
				t.Fatal(err)
			}
			mustAtSite(t, s, st, siteID)
			MustPutWiring(t, s, st, 1, board.ID)
			MustPutWiring(t, s, st, 2, 0)
			return board
		}
		fill(a.ID, "A-1")
		boardB := fill(b.ID, "B-1")
		bWirings, err := s.Wirings(ctx, b.ID, "")
		if err != nil || len(bWirings) != 2 {
			t.Fatalf("Wirings(b) = %s, %v", fmtList(bWirings), err)
		}
		emptied := func(siteID int64, st ladda.StationID) {
			t.Helper()
			if _, err := s.Grid(ctx, siteID); !ladda.IsKind(err, ladda.NotFound) {
				t.Errorf("site %d's grid: %v, want not found", siteID, err)
			}
			wantCircuits(t, s, siteID)
			if list := mustLimits(t, s, siteID, "", time.Time{}); len(list) != 0 {
				t.Errorf("site %d's capacity limits: %s, want none", siteID, fmtList(list))
			}
			if st != "" {
				wantWirings(t, s, 0, st)
			}
		}

		if err := s.DeleteGrid(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		emptied(a.ID, "A-1")
		wantWirings(t, s, b.ID, "", bWirings...)
		if list, err := s.Circuits(ctx, b.ID); err != nil || len(list) != 2 {
			t.Errorf("the other site's circuits: %s, %v", fmtList(list), err)
		}
		// A new grid starts empty, and the external IDs of the old events are free.
		MustPutGrid(t, s, newGrid(a.ID))
		wantCircuits(t, s, a.ID)
		if err := s.AddCapacityLimit(ctx, &smartcharging.CapacityLimit{SiteID: a.ID, From: t0, LimitW: 1000, ExternalID: "evt", CreatedAt: t0}); err != nil {
			t.Errorf("evt at the new grid: %v", err)
		}

		// A station that moved away keeps its wiring to a circuit of its old site until
		// the site goes.
		mustMove(t, s, "B-1", a.ID)
		if err := s.DeleteSite(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		emptied(b.ID, "")
		if list, err := s.Wirings(ctx, 0, "B-1"); err != nil || len(list) != 1 || list[0].EVSEID != 2 {
			t.Errorf("B-1's wiring after its old site went: %s, %v; want only EVSE 2's, on the connection", fmtList(list), err)
		}
		if err := s.PutWiring(ctx, &smartcharging.Wiring{StationID: "B-1", EVSEID: 1, CircuitID: boardB.ID, Rotation: "RST", Phases: 3}); !ladda.IsKind(err, ladda.NotFound) {
			t.Errorf("wiring to a circuit of a deleted site: %v, want not found", err)
		}
		if err := s.PutGrid(ctx, newGrid(b.ID)); !ladda.IsKind(err, ladda.NotFound) {
			t.Errorf("PutGrid of a deleted site: %v, want not found", err)
		}
	})
}

// wantNeeds fails unless the stored needs of want's transaction are want, times in UTC.
func wantNeeds(tb testing.TB, s Store, want *smartcharging.Needs) {
	tb.Helper()
	got, err := s.Needs(tb.Context(), want.TransactionID)
	if err != nil {
		tb.Fatalf("Needs(%d): %v", want.TransactionID, err)
	}
	g, w := *got, *want
	wantTimePtr(tb, "Needs: DepartureAt", g.DepartureAt, w.DepartureAt)
	wantTime(tb, "Needs: UpdatedAt", g.UpdatedAt, w.UpdatedAt)
	wantPtr(tb, "Needs: SoC", g.SoC, w.SoC)
	wantPtr(tb, "Needs: TargetSoC", g.TargetSoC, w.TargetSoC)
	g.DepartureAt, g.UpdatedAt, g.SoC, g.TargetSoC = nil, time.Time{}, nil, nil
	w.DepartureAt, w.UpdatedAt, w.SoC, w.TargetSoC = nil, time.Time{}, nil, nil
	if g != w {
		tb.Errorf("Needs(%d) = %+v, want %+v", want.TransactionID, g, w)
	}
}

// wantStoredEVSchedule fails unless the stored schedule of want's transaction is want.
func wantStoredEVSchedule(tb testing.TB, s Store, want *smartcharging.EVSchedule) {
	tb.Helper()
	got, err := s.EVSchedule(tb.Context(), want.TransactionID)
	if err != nil {
		tb.Fatalf("EVSchedule(%d): %v", want.TransactionID, err)
	}
	wantEVSchedule(tb, fmt.Sprintf("EVSchedule(%d)", want.TransactionID), got, want)
}

// wantEVSchedule fails unless got is want, times in UTC and every pointer as set in want.
func wantEVSchedule(tb testing.TB, name string, got, want *smartcharging.EVSchedule) {
	tb.Helper()
	g, w := *got, *want
	wantTime(tb, name+": Start", g.Start, w.Start)
	wantTime(tb, name+": ReceivedAt", g.ReceivedAt, w.ReceivedAt)
	wantTimePtr(tb, name+": Schedule.StartAt", g.Schedule.StartAt, w.Schedule.StartAt)
	g.Start, g.ReceivedAt, g.Schedule.StartAt = time.Time{}, time.Time{}, nil
	w.Start, w.ReceivedAt, w.Schedule.StartAt = time.Time{}, time.Time{}, nil
	if !reflect.DeepEqual(g, w) {
		tb.Errorf("%s =\n%s\nwant\n%s", name, fmtEVSchedule(g), fmtEVSchedule(w))
	}
}

// fmtEVSchedule formats a schedule with the values its pointers point to, for messages.
func fmtEVSchedule(s smartcharging.EVSchedule) string {
	out := fmt.Sprintf("{tx %d start %v accepted %t received %v duration %s rate unit %q min rate %s periods [", s.TransactionID, s.Start,
		s.Accepted, s.ReceivedAt, fmtPtr(s.Schedule.Duration), s.Schedule.RateUnit, fmtPtr(s.Schedule.MinRate))
	for i, p := range s.Schedule.Periods {
		if i > 0 {
			out += " "
		}
		out += fmt.Sprintf("{%d %v %s}", p.Start, p.Limit, fmtPtr(p.Phases))
	}
	return out + "]}"
}
