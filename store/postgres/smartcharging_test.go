package postgres_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/smartcharging"
	"github.com/ladda-csms/ladda/station"
	"github.com/ladda-csms/ladda/store/storetest"
)

// A circuit deleted by one process while another wires an EVSE to it or hangs a circuit from
// it: either the wiring (or circuit) is refused as not found and the circuit is gone, or it is
// stored and the delete is refused as a conflict. Nothing stored is lost to the delete.
func TestCircuitsAcrossProcesses(t *testing.T) {
	schema := newSchema(t)
	a, b := openSchema(t, schema), openSchema(t, schema)
	ctx := t.Context()
	site := storetest.MustCreateSite(t, a, "Depot", 0)
	storetest.MustPutGrid(t, a, &smartcharging.Grid{SiteID: site.ID, Phases: 3, LimitA: [3]float64{63, 63, 63}})
	storetest.MustCreateStation(t, a, "CS-1")
	if _, err := a.UpdateStation(ctx, "CS-1", station.Update{SiteID: &site.ID}, time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	for round := range 20 {
		board := storetest.MustCreateCircuit(t, a, site.ID, 0, fmt.Sprint("Board ", round), 40, 40, 40)
		var (
			wg                sync.WaitGroup
			start             = make(chan struct{})
			addErr, deleteErr error
			wiring            = round%2 == 0 // else a circuit hung from the board
			child             = &smartcharging.Circuit{SiteID: site.ID, ParentID: board.ID, Name: "Row", LimitA: [3]float64{32, 32, 32}}
			wire              = &smartcharging.Wiring{StationID: "CS-1", EVSEID: round + 1, CircuitID: board.ID, Rotation: "RST", Phases: 3}
			what              = "circuit"
		)
		if wiring {
			what = "wiring"
		}
		wg.Go(func() {
			<-start
			if wiring {
				addErr = a.PutWiring(ctx, wire)
			} else {
				addErr = a.CreateCircuit(ctx, child)
			}
		})
		wg.Go(func() {
			<-start
			deleteErr = b.DeleteCircuit(ctx, site.ID, board.ID)
		})
		close(start)
		wg.Wait()
		circuits, err := b.Circuits(ctx, site.ID)
		if err != nil {
			t.Fatal(err)
		}
		wirings, err := b.Wirings(ctx, 0, "CS-1")
		if err != nil {
			t.Fatal(err)
		}
		boardKept, added := false, false
		for _, c := range circuits {
			boardKept = boardKept || c.ID == board.ID
			added = added || !wiring && c.ParentID == board.ID
		}
		for _, w := range wirings {
			added = added || wiring && w.EVSEID == wire.EVSEID
		}
		switch {
		case addErr == nil && ladda.IsKind(deleteErr, ladda.Conflict):
			if !boardKept || !added {
				t.Errorf("round %d: the %s was stored and the delete refused, yet board kept %v, %s stored %v", round, what, boardKept, what, added)
			}
		case ladda.IsKind(addErr, ladda.NotFound) && deleteErr == nil:
			if boardKept || added {
				t.Errorf("round %d: the %s was refused and the board deleted, yet board kept %v, %s stored %v", round, what, boardKept, what, added)
			}
		default:
			t.Errorf("round %d: adding the %s: %v; deleting the board: %v; want one of them refused", round, what, addErr, deleteErr)
		}
		// Clear the site for the next round.
		if wiring && added {
			if err := a.DeleteWiring(ctx, "CS-1", wire.EVSEID); err != nil {
				t.Fatal(err)
			}
		}
		if !wiring && added {
			if err := a.DeleteCircuit(ctx, site.ID, child.ID); err != nil {
				t.Fatal(err)
			}
		}
		if boardKept {
			if err := a.DeleteCircuit(ctx, site.ID, board.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// Two circuits hung from each other at once by two processes: one update applies, the other
// is refused, and the circuits still make a tree.
func TestCircuitLoopsAcrossProcesses(t *testing.T) {
	schema := newSchema(t)
	stores := []storetest.Store{openSchema(t, schema), openSchema(t, schema)}
	ctx := t.Context()
	site := storetest.MustCreateSite(t, stores[0], "Depot", 0)
	grid := storetest.MustPutGrid(t, stores[0], &smartcharging.Grid{SiteID: site.ID, Phases: 3, LimitA: [3]float64{63, 63, 63}})
	for round := range 20 {
		pair := []*smartcharging.Circuit{
			storetest.MustCreateCircuit(t, stores[0], site.ID, 0, fmt.Sprint("A", round), 40, 40, 40),
			storetest.MustCreateCircuit(t, stores[0], site.ID, 0, fmt.Sprint("B", round), 40, 40, 40),
		}
		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			errs  [2]error
		)
		for i := range 2 {
			c := *pair[i]
			c.ParentID = pair[1-i].ID
			wg.Go(func() {
				<-start
				errs[i] = stores[i].UpdateCircuit(ctx, &c)
			})
		}
		close(start)
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) || !ladda.IsKind(errs[0], ladda.Invalid) && !ladda.IsKind(errs[1], ladda.Invalid) {
			t.Errorf("round %d: the updates: %v, %v; want one applied and one refused as invalid", round, errs[0], errs[1])
		}
		circuits, err := stores[1].Circuits(ctx, site.ID)
		if err != nil {
			t.Fatal(err)
		}
		list := make([]smartcharging.Circuit, len(circuits))
		for i, c := range circuits {
			list[i] = *c
		}
		if _, _, err := smartcharging.Tree(*grid, list); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
}
