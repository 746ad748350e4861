package httpapi

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/ladda-csms/ladda/station"
)

// TestSiteModelAPI: a site's grid connection, circuits, wiring, capacity schedule,
// demand-response events and other loads, with the errors each refuses.
func TestSiteModelAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var site Site
	e.call(t, http.MethodPost, "/api/v1/sites", map[string]any{"name": "Depot", "country": "SE", "timeZone": "Europe/Stockholm"}).mustStatus(t, http.StatusCreated).decode(t, &site)
	base := fmt.Sprint("/api/v1/sites/", site.ID)

	// Not managed yet.
	e.call(t, http.MethodGet, base+"/grid", nil).mustProblem(t, http.StatusNotFound)
	e.call(t, http.MethodGet, base+"/allocation", nil).mustProblem(t, http.StatusNotFound)
	for _, bad := range []map[string]any{
		{"fallbackA": 6}, // no limit
		{"limitA": []float64{100}, "limitKW": 50, "fallbackA": 6}, // both
		{"limitA": []float64{100, 100}, "fallbackA": 6},           // two values for three phases
		{"limitA": []float64{100}, "fallbackA": 6, "marginPercent": 60},
		{"limitA": []float64{100}, "fallbackA": 6, "priorities": []map[string]any{{"group": "members", "priority": 1}, {"group": "members", "priority": 2}}},
	} {
		e.call(t, http.MethodPut, base+"/grid", bad).mustProblem(t, http.StatusUnprocessableEntity)
	}
	e.call(t, http.MethodPut, "/api/v1/sites/999/grid", map[string]any{"limitA": []float64{100}, "fallbackA": 6}).mustProblem(t, http.StatusNotFound)

	var g Grid
	e.call(t, http.MethodPut, base+"/grid", map[string]any{"limitKW": 69, "fallbackA": 6, "marginPercent": 10,
		"priorities": []map[string]any{{"group": "fleet:1", "priority": 5}}}).mustStatus(t, http.StatusOK).decode(t, &g)
	if g.Phases != 3 || len(g.LimitA) != 3 || g.LimitA[0] != 100 || g.VoltageV != 230 || len(g.Priorities) != 1 {
		t.Errorf("grid %+v, want 3 phases of 100 A at 230 V", g)
	}
	e.call(t, http.MethodGet, base+"/grid", nil).mustStatus(t, http.StatusOK).decode(t, &g)
	if g.MarginPercent != 10 || g.FallbackA != 6 {
		t.Errorf("grid read back %+v", g)
	}

	// Circuits: a row of chargers under a sub-board; a cycle is refused, as is deleting a
	// circuit something hangs from.
	var board, row Circuit
	e.call(t, http.MethodPost, base+"/circuits", map[string]any{"name": "Board", "limitA": []float64{63}}).mustStatus(t, http.StatusCreated).decode(t, &board)
	e.call(t, http.MethodPost, base+"/circuits", map[string]any{"name": "Row", "parentId": board.ID, "limitA": []any{32, nil, nil}}).mustStatus(t, http.StatusCreated).decode(t, &row)
	if row.LimitA[0] == nil || *row.LimitA[0] != 32 || row.LimitA[1] != nil {
		t.Errorf("circuit %+v, want 32 A on L1 only", row)
	}
	e.call(t, http.MethodPut, fmt.Sprint(base, "/circuits/", board.ID), map[string]any{"name": "Board", "parentId": row.ID, "limitA": []float64{63}}).mustProblem(t, http.StatusUnprocessableEntity)
	e.call(t, http.MethodPost, base+"/circuits", map[string]any{"name": "Orphan", "parentId": 999, "limitA": []float64{10}}).mustProblem(t, http.StatusNotFound)
	e.call(t, http.MethodDelete, fmt.Sprint(base, "/circuits/", board.ID), nil).mustProblem(t, http.StatusConflict)
	var circuits struct{ Items []Circuit }
	e.call(t, http.MethodGet, base+"/circuits", nil).mustStatus(t, http.StatusOK).decode(t, &circuits)
	if len(circuits.Items) != 2 {
		t.Errorf("circuits %+v", circuits.Items)
	}

	// Wiring of a station at the site.
	e.mustStation(t, "SC-API", station.Accepted)
	e.call(t, http.MethodPatch, "/api/v1/stations/SC-API", map[string]any{"siteId": site.ID}).mustStatus(t, http.StatusOK)
	var w Wiring
	e.call(t, http.MethodPut, "/api/v1/stations/SC-API/evses/1/wiring", map[string]any{"circuitId": row.ID, "rotation": "STR", "phases": 1, "maxA": 16}).mustStatus(t, http.StatusOK).decode(t, &w)
	if w.Rotation != "STR" || w.Phases != 1 || w.MinA != 6 || w.MaxA != 16 {
		t.Errorf("wiring %+v", w)
	}
	e.call(t, http.MethodPut, "/api/v1/stations/SC-API/evses/2/wiring", map[string]any{"minA": 20, "maxA": 16}).mustProblem(t, http.StatusUnprocessableEntity)
	e.call(t, http.MethodPut, "/api/v1/stations/SC-API/evses/2/wiring", map[string]any{"rotation": "XYZ"}).mustProblem(t, http.StatusUnprocessableEntity)
	e.call(t, http.MethodPut, "/api/v1/stations/NOPE/evses/1/wiring", map[string]any{}).mustProblem(t, http.StatusNotFound)
	var wirings struct{ Items []Wiring }
	e.call(t, http.MethodGet, base+"/wiring", nil).mustStatus(t, http.StatusOK).decode(t, &wirings)
	if len(wirings.Items) != 1 || wirings.Items[0].StationID != "SC-API" {
		t.Errorf("site wiring %+v", wirings.Items)
	}
	e.call(t, http.MethodDelete, fmt.Sprint(base, "/circuits/", row.ID), nil).mustProblem(t, http.StatusConflict)
	e.call(t, http.MethodDelete, "/api/v1/stations/SC-API/evses/1/wiring", nil).mustStatus(t, http.StatusNoContent)
	e.call(t, http.MethodDelete, "/api/v1/stations/SC-API/evses/1/wiring", nil).mustProblem(t, http.StatusNotFound)

	// The capacity schedule and demand response: the lowest in force applies.
	now := e.clock.Now().UTC()
	e.call(t, http.MethodPut, base+"/capacity-schedule", map[string]any{"periods": []map[string]any{
		{"from": now.Add(-1e9 * 3600), "limitKW": 50}, {"from": now.Add(-1e9 * 7200), "limitKW": 40}}}).mustProblem(t, http.StatusUnprocessableEntity)
	var limits struct{ Items []CapacityLimit }
	e.call(t, http.MethodPut, base+"/capacity-schedule", map[string]any{"periods": []map[string]any{
		{"from": now.Add(-1e9 * 3600), "limitKW": 50}, {"from": now.Add(1e9 * 3600), "limitKW": 40}}}).mustStatus(t, http.StatusOK).decode(t, &limits)
	if len(limits.Items) != 2 || limits.Items[0].Kind != "schedule" || limits.Items[0].LimitKW != 50 {
		t.Errorf("schedule %+v", limits.Items)
	}
	dr := map[string]any{"from": now.Add(-1e9 * 60), "to": now.Add(1e9 * 600), "limitKW": 20, "externalId": "EV-1", "reason": "grid stress"}
	var event CapacityLimit
	e.call(t, http.MethodPost, base+"/demand-response", dr).mustStatus(t, http.StatusCreated).decode(t, &event)
	e.call(t, http.MethodPost, base+"/demand-response", dr).mustProblem(t, http.StatusConflict)
	e.call(t, http.MethodPost, base+"/demand-response", map[string]any{"from": now, "to": now, "limitKW": 20}).mustProblem(t, http.StatusUnprocessableEntity)
	e.call(t, http.MethodPut, base+"/load", map[string]any{"currentA": []float64{10, 20, 30}}).mustStatus(t, http.StatusNoContent)
	e.call(t, http.MethodPut, base+"/load", map[string]any{"currentA": []float64{10}, "powerKW": 3}).mustProblem(t, http.StatusUnprocessableEntity)
	var alloc Allocation
	e.call(t, http.MethodGet, base+"/allocation", nil).mustStatus(t, http.StatusOK).decode(t, &alloc)
	if alloc.CapacityKW == nil || *alloc.CapacityKW != 20 || len(alloc.OtherA) != 3 || alloc.OtherA[2] != 30 || len(alloc.Sessions) != 0 {
		t.Errorf("allocation %+v, want the 20 kW of the demand-response event and the other loads", alloc)
	}
	e.call(t, http.MethodDelete, fmt.Sprint(base, "/demand-response/", event.ID), nil).mustStatus(t, http.StatusNoContent)
	e.call(t, http.MethodGet, base+"/allocation", nil).mustStatus(t, http.StatusOK).decode(t, &alloc)
	if alloc.CapacityKW == nil || *alloc.CapacityKW != 50 {
		t.Errorf("allocation %+v, want the schedule's 50 kW", alloc)
	}

	// Sessions: unknown ones are 404.
	e.call(t, http.MethodPut, "/api/v1/transactions/999/charging-needs", map[string]any{"energyWh": 1000}).mustProblem(t, http.StatusNotFound)
	e.call(t, http.MethodGet, "/api/v1/transactions/999/vehicle", nil).mustProblem(t, http.StatusNotFound)

	// Deleting the grid ends management.
	e.call(t, http.MethodDelete, base+"/grid", nil).mustStatus(t, http.StatusNoContent)
	p := e.call(t, http.MethodGet, base+"/allocation", nil).mustProblem(t, http.StatusNotFound)
	if !strings.Contains(p.Detail, "grid") {
		t.Errorf("detail %q", p.Detail)
	}
}
