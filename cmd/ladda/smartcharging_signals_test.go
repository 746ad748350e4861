package main

// End-to-end tests of the signals smart charging follows besides the grid connection: demand
// response and capacity schedules, the vehicle's view and its estimated finish, the needs a
// 2.0.1 car sends through its station, and a price plan that waits for cheap energy. Each
// runs a real Ladda and simulated stations whose cars draw what their stations allow.

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ladda-csms/ladda/ocpp/ocpptest"
)

// sigAllocation is GET /sites/{id}/allocation.
type sigAllocation struct {
	CapacityKW *float64 `json:"capacityKW"`
	Sessions   []struct {
		StationID     string      `json:"stationId"`
		EVSEID        int         `json:"evseId"`
		TransactionID int64       `json:"transactionId"`
		AllocatedA    float64     `json:"allocatedA"`
		OfferedA      *float64    `json:"offeredA"`
		State         string      `json:"state"`
		Plan          []sigWindow `json:"plan"`
	} `json:"sessions"`
}

// sigWindow is a stretch of a price plan.
type sigWindow struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// sigVehicle is GET /transactions/{id}/vehicle.
type sigVehicle struct {
	State       string      `json:"state"`
	PowerW      *float64    `json:"powerW"`
	CurrentA    []float64   `json:"currentA"`
	EnergyWh    float64     `json:"energyWh"`
	SoC         *float64    `json:"soc"`
	LimitA      *float64    `json:"limitA"`
	RemainingWh *float64    `json:"remainingWh"`
	DoneAt      *time.Time  `json:"doneAt"`
	MeasuredAt  *time.Time  `json:"measuredAt"`
	Plan        []sigWindow `json:"plan"`
	Needs       *struct {
		DepartureAt *time.Time `json:"departureAt"`
		EnergyWh    float64    `json:"energyWh"`
		MinA        float64    `json:"minA"`
		MaxA        float64    `json:"maxA"`
		Phases      int        `json:"phases"`
		Source      string     `json:"source"`
	} `json:"needs"`
}

// sigSite creates a site whose three-phase connection carries limitA per phase, with the
// fallback limit fallbackA (0: a session draws nothing until Ladda gives it room), and
// returns its id.
func sigSite(t *testing.T, s *server, limitA, fallbackA float64) int64 {
	t.Helper()
	var site struct {
		ID int64 `json:"id"`
	}
	s.mustCall(t, 201, "POST", "/api/v1/sites", map[string]any{"name": "Depot", "country": "SE", "timeZone": "Europe/Stockholm"}, &site)
	s.mustCall(t, 200, "PUT", fmt.Sprint("/api/v1/sites/", site.ID, "/grid"), map[string]any{"limitA": []float64{limitA}, "fallbackA": fallbackA}, nil)
	return site.ID
}

// sigStation registers a station at a site and brings it up; it closes when the test ends.
func sigStation(t *testing.T, ctx context.Context, s *server, siteID int64, id, version string, connectors int) *ocpptest.Station {
	t.Helper()
	const password = "s3cret-pass-signals"
	s.register(t, id, password)
	s.mustCall(t, 200, "PATCH", "/api/v1/stations/"+id, map[string]any{"siteId": siteID}, nil)
	st, err := ocpptest.New(ocpptest.Config{URL: s.WSURL, ID: id, Password: password, Version: version, Connectors: connectors,
		MeterInterval: 100 * time.Millisecond, DisableHeartbeat: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Up(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

// sigStart starts a session with a new token on a connector and returns it with Ladda's id of
// its transaction.
func sigStart(t *testing.T, ctx context.Context, s *server, st *ocpptest.Station, connector int, tag string) (*ocpptest.Session, int64) {
	t.Helper()
	s.token(t, tag)
	sess, err := st.StartSession(ctx, connector, tag)
	if err != nil {
		t.Fatal(err)
	}
	for _, tx := range s.transactions(t, "stationId="+st.ID()) {
		if tx.StationTransactionID == sess.TransactionID {
			return sess, tx.ID
		}
	}
	t.Fatalf("Ladda lists no transaction %s of %s", sess.TransactionID, st.ID())
	return nil, 0
}

// sigFollowed waits until a site's allocation lists a transaction: Ladda follows the session.
func sigFollowed(t *testing.T, s *server, siteID, txID int64) {
	t.Helper()
	if !sigWithin(5*time.Second, func() bool {
		var a sigAllocation
		s.mustCall(t, 200, "GET", fmt.Sprint("/api/v1/sites/", siteID, "/allocation"), nil, &a)
		for _, x := range a.Sessions {
			if x.TransactionID == txID {
				return true
			}
		}
		return false
	}) {
		t.Fatalf("after 5 s the allocation of site %d does not list transaction %d", siteID, txID)
	}
}

// sigDrive charges a session with car in the background until ctx or the session ends; cars
// waits for it. A car that fails before ctx ends fails the test.
func sigDrive(t *testing.T, ctx context.Context, cars *sync.WaitGroup, sess *ocpptest.Session, car ocpptest.Car) {
	cars.Go(func() {
		if err := sess.Drive(ctx, car); err != nil && ctx.Err() == nil {
			t.Errorf("the car on connector %d: %v", sess.Connector, err)
		}
	})
}

// sigWithin polls cond every 10 ms until it holds or d has passed, and reports whether it held.
func sigWithin(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// sigThroughout samples check every 5 ms for d and fails the test at the first sample it
// rejects.
func sigThroughout(t *testing.T, d time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if err := check(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// sigPerPhaseA is a site's total power in kW as a current per phase: three phases at 230 V,
// as Ladda turns a capacity limit into one.
func sigPerPhaseA(kw float64) float64 { return kw * 1000 / (230 * 3) }

// TestSmartChargingDemandResponse: two cars on a 100 A site, one at a 1.6 station and one at
// a 2.0.1 station, each take 32 A. A demand-response event reduces the site to 10 kW
// (14.5 A per phase): within a few seconds the cars together draw no more, and keep to it
// while the event is in force; cancelled, the cars get their 32 A back. A capacity schedule
// of 20 kW caps the site the same way, and an event of 5 kW on top of it wins, being the
// lowest: there is room for one car's minimum only, so the car that came later pauses.
func TestSmartChargingDemandResponse(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--limit-raise-interval", "200ms")
	var cars sync.WaitGroup
	defer cars.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	siteID := sigSite(t, s, 100, 0)
	site := fmt.Sprint("/api/v1/sites/", siteID)

	var sessions []*ocpptest.Session
	for i, version := range []string{ocpptest.V16, ocpptest.V201} {
		st := sigStation(t, ctx, s, siteID, fmt.Sprint("DR-", i), version, 1)
		sess, _ := sigStart(t, ctx, s, st, 1, fmt.Sprint("DR-CAR-", i))
		sigDrive(t, ctx, &cars, sess, ocpptest.Car{MaxA: 32, Phases: 3})
		sessions = append(sessions, sess)
	}
	currents := func() (sum float64, each []float64) {
		for _, x := range sessions {
			a := x.CurrentA()
			sum += a
			each = append(each, a)
		}
		return sum, each
	}
	// reach waits until the cars together draw what ok accepts.
	reach := func(what string, ok func(sum float64) bool) {
		t.Helper()
		if !sigWithin(5*time.Second, func() bool { sum, _ := currents(); return ok(sum) }) {
			_, each := currents()
			t.Fatalf("after 5 s the cars draw %v A per phase; want %s", each, what)
		}
	}
	// keep checks for d that the cars together draw at most limit, each at least least.
	keep := func(limit, least float64, d time.Duration) {
		t.Helper()
		sigThroughout(t, d, func() error {
			if sum, each := currents(); sum > limit+0.001 || slices.Min(each) < least {
				return fmt.Errorf("the cars draw %v A per phase; want at most %.2f A together, each at least %.1f A", each, limit, least)
			}
			return nil
		})
	}
	// capacity is the capacity limit in force, in kW, as the allocation shows it; -1 for none.
	capacity := func() float64 {
		var a sigAllocation
		s.mustCall(t, 200, "GET", site+"/allocation", nil, &a)
		if a.CapacityKW == nil {
			return -1
		}
		return *a.CapacityKW
	}

	reach("both at 32 A", func(sum float64) bool { return sum >= 63.9 })
	if c := capacity(); c != -1 {
		t.Fatalf("capacity in force before any limit = %v kW, want none", c)
	}

	now := time.Now().UTC().Truncate(time.Second)
	var event struct {
		ID      int64   `json:"id"`
		Kind    string  `json:"kind"`
		LimitKW float64 `json:"limitKW"`
	}
	s.mustCall(t, 201, "POST", site+"/demand-response", map[string]any{"from": now.Add(-time.Second), "to": now.Add(2 * time.Minute),
		"limitKW": 10, "externalId": "DR-881", "reason": "grid peak"}, &event)
	if event.Kind != "demand-response" || event.LimitKW != 10 {
		t.Errorf("the event = %+v", event)
	}
	s.mustCall(t, 409, "POST", site+"/demand-response", map[string]any{"from": now, "to": now.Add(time.Minute), "limitKW": 20, "externalId": "DR-881"}, nil)
	dr := sigPerPhaseA(10)
	reach(fmt.Sprintf("at most %.2f A together", dr), func(sum float64) bool { return sum <= dr+0.001 })
	keep(dr, 6, time.Second) // both keep charging at their minimum or more
	if c := capacity(); c != 10 {
		t.Errorf("capacity in force during the event = %v kW, want 10", c)
	}
	var events struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	s.mustCall(t, 200, "GET", site+"/demand-response", nil, &events)
	if len(events.Items) != 1 || events.Items[0].ID != event.ID {
		t.Errorf("events listed = %+v, want event %d", events.Items, event.ID)
	}

	s.mustCall(t, 204, "DELETE", fmt.Sprint(site, "/demand-response/", event.ID), nil, nil)
	reach("both back at 32 A once the event is cancelled", func(sum float64) bool { return sum >= 63.9 })
	if c := capacity(); c != -1 {
		t.Errorf("capacity in force after the event was cancelled = %v kW, want none", c)
	}

	// A capacity schedule: 20 kW from now on.
	s.mustCall(t, 200, "PUT", site+"/capacity-schedule", map[string]any{"periods": []any{map[string]any{"from": time.Now().UTC().Add(-time.Second), "limitKW": 20}}}, nil)
	sched := sigPerPhaseA(20)
	reach(fmt.Sprintf("at most %.2f A together under the schedule", sched), func(sum float64) bool { return sum <= sched+0.001 })
	keep(sched, 6, 500*time.Millisecond)
	if c := capacity(); c != 20 {
		t.Errorf("capacity in force under the schedule = %v kW, want 20", c)
	}

	// An event of 5 kW (7.2 A per phase) while the schedule allows 20: the lowest applies. It
	// leaves room for one minimum of 6 A: the session that started first keeps charging.
	s.mustCall(t, 201, "POST", site+"/demand-response", map[string]any{"from": time.Now().UTC().Add(-time.Second), "to": time.Now().UTC().Add(time.Minute), "limitKW": 5}, nil)
	low := sigPerPhaseA(5)
	reach(fmt.Sprintf("at most %.2f A together under the event of 5 kW", low), func(sum float64) bool { return sum <= low+0.001 })
	keep(low, 0, 500*time.Millisecond)
	if c := capacity(); c != 5 {
		t.Errorf("capacity in force under the schedule and the event = %v kW, want 5", c)
	}
	if first, second := sessions[0].CurrentA(), sessions[1].CurrentA(); first < 6 || second != 0 {
		t.Errorf("with room for one minimum, the cars draw %.1f A and %.1f A; want the first at least 6 A and the second paused", first, second)
	}
}

// TestSmartChargingVehicleView: a car charges at a 1.6 station on a 20 A site, its driver
// having said it wants 20 kWh more. The vehicle view shows what it draws (power and current
// at Ladda's limit of 20 A), its state of charge, the energy so far and what it still wants,
// and an estimated finish that follows from those (within 50 %); read again, the energy has
// grown and what it still wants has shrunk. Told the battery and a target state of charge
// instead, the view works out what it still wants from its state of charge.
func TestSmartChargingVehicleView(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--limit-raise-interval", "200ms")
	var cars sync.WaitGroup
	defer cars.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	siteID := sigSite(t, s, 20, 0)
	st := sigStation(t, ctx, s, siteID, "VV-1", ocpptest.V16, 1)
	sess, txID := sigStart(t, ctx, s, st, 1, "VV-CAR")
	sigDrive(t, ctx, &cars, sess, ocpptest.Car{MaxA: 32, Phases: 3, CapacityWh: 60000, StartSoC: 20})
	vehicle := fmt.Sprint("/api/v1/transactions/", txID, "/vehicle")

	// The car charges at Ladda's 20 A: 13.8 kW.
	const wantW = 20 * 230 * 3
	var v sigVehicle
	if !sigWithin(5*time.Second, func() bool {
		s.mustCall(t, 200, "GET", vehicle, nil, &v)
		return v.PowerW != nil && math.Abs(*v.PowerW-wantW) < 1 && v.EnergyWh > 0
	}) {
		t.Fatalf("after 5 s the vehicle view shows %+v; want it charging at %d W", v, wantW)
	}
	const needWh = 20000
	s.mustCall(t, 200, "PUT", fmt.Sprint("/api/v1/transactions/", txID, "/charging-needs"), map[string]any{"energyWh": needWh}, nil)

	read := func() (sigVehicle, time.Time) {
		var v sigVehicle
		s.mustCall(t, 200, "GET", vehicle, nil, &v)
		return v, time.Now()
	}
	first, at := read()
	switch {
	case first.State != "charging":
		t.Errorf("state = %q, want charging", first.State)
	case first.LimitA == nil || *first.LimitA != 20:
		t.Errorf("limitA = %v, want 20", first.LimitA)
	case len(first.CurrentA) != 3 || math.Abs(first.CurrentA[0]-20) > 0.5:
		t.Errorf("currentA = %v, want 20 A on three phases", first.CurrentA)
	case first.SoC == nil || *first.SoC < 20 || *first.SoC > 25:
		t.Errorf("soc = %v, want a little over 20 %%", first.SoC)
	case first.MeasuredAt == nil || first.MeasuredAt.Before(at.Add(-5*time.Second)):
		t.Errorf("measuredAt = %v, want within the last seconds", first.MeasuredAt)
	case first.Needs == nil || first.Needs.Source != "api":
		t.Errorf("needs = %+v, want those set through the API", first.Needs)
	}
	// What it still wants is what the driver said, less what came since (a few Wh).
	if first.RemainingWh == nil || *first.RemainingWh > needWh || *first.RemainingWh < needWh-200 {
		t.Fatalf("remainingWh = %v, want a little under %d", first.RemainingWh, needWh)
	}
	// 20 kWh at 13.8 kW: about 87 minutes from now.
	eta := time.Duration(*first.RemainingWh / wantW * float64(time.Hour))
	if first.DoneAt == nil || first.DoneAt.Before(at.Add(eta/2)) || first.DoneAt.After(at.Add(eta*3/2)) {
		t.Errorf("doneAt = %v, want about %v from %v", first.DoneAt, eta.Round(time.Second), at.Format(time.RFC3339))
	}

	// Read again: the energy grew and the need shrank as much.
	var second sigVehicle
	if !sigWithin(5*time.Second, func() bool { second, _ = read(); return second.EnergyWh > first.EnergyWh+1 }) {
		t.Fatalf("after 5 s the energy is %.1f Wh, first read %.1f Wh; want it growing", second.EnergyWh, first.EnergyWh)
	}
	if second.RemainingWh == nil || *second.RemainingWh >= *first.RemainingWh ||
		math.Abs((*first.RemainingWh-*second.RemainingWh)-(second.EnergyWh-first.EnergyWh)) > 0.5 {
		t.Errorf("remainingWh went from %v to %v while the energy went from %.1f to %.1f Wh", *first.RemainingWh, second.RemainingWh, first.EnergyWh, second.EnergyWh)
	}

	// The battery and a target instead: 60 kWh to 80 % from a little over 20 %.
	s.mustCall(t, 200, "PUT", fmt.Sprint("/api/v1/transactions/", txID, "/charging-needs"), map[string]any{"capacityWh": 60000, "targetSoc": 80}, nil)
	third, at := read()
	if third.SoC == nil || third.RemainingWh == nil || math.Abs(*third.RemainingWh-(80-*third.SoC)/100*60000) > 1 {
		t.Fatalf("with soc %v, remainingWh = %v; want what 60 kWh lack from there to 80 %%", third.SoC, third.RemainingWh)
	}
	eta = time.Duration(*third.RemainingWh / wantW * float64(time.Hour))
	if third.DoneAt == nil || third.DoneAt.Before(at.Add(eta/2)) || third.DoneAt.After(at.Add(eta*3/2)) {
		t.Errorf("doneAt = %v, want about %v from %v", third.DoneAt, eta.Round(time.Second), at.Format(time.RFC3339))
	}
}

// TestSmartChargingEVChargingNeeds: on a 40 A site, a car takes 32 A at a 2.0.1 station. A
// second car at the same station starts a session and, as an ISO 15118 car does, sends its
// needs (NotifyEVChargingNeeds): at most 10 A, 30 kWh, leaving in three hours. Ladda accepts
// them and shows them in the vehicle view, the station keeps the second car's limit at 10 A
// or less from then on, and the first car gets the other 30 A.
func TestSmartChargingEVChargingNeeds(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--limit-raise-interval", "200ms")
	var cars sync.WaitGroup
	defer cars.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	siteID := sigSite(t, s, 40, 0)
	st := sigStation(t, ctx, s, siteID, "EN-1", ocpptest.V201, 2)

	other, _ := sigStart(t, ctx, s, st, 2, "EN-CAR-2")
	sigDrive(t, ctx, &cars, other, ocpptest.Car{MaxA: 32, Phases: 3})
	if !sigWithin(5*time.Second, func() bool { return other.CurrentA() == 32 }) {
		t.Fatalf("the first car draws %.1f A, want 32 A", other.CurrentA())
	}

	sess, txID := sigStart(t, ctx, s, st, 1, "EN-CAR-1")
	sigFollowed(t, s, siteID, txID) // see TestSmartChargingNeedsRightAfterStart
	departure := time.Now().Add(3 * time.Hour).UTC().Truncate(time.Second)
	car := ocpptest.Car{MaxA: 10, MinA: 6, Phases: 3, NeedWh: 30000}
	status, err := sess.NotifyNeeds(ctx, ocpptest.ChargingNeeds{Car: car, Departure: departure})
	if err != nil {
		t.Fatal(err)
	}
	if status != "Accepted" {
		t.Fatalf("NotifyEVChargingNeeds = %s, want Accepted", status)
	}
	sigDrive(t, ctx, &cars, sess, car)

	limits := func() (float64, float64) {
		a, _ := st.Limit(1)
		b, _ := st.Limit(2)
		return a, b
	}
	if !sigWithin(5*time.Second, func() bool { a, b := limits(); return a == 10 && b == 30 }) {
		a, b := limits()
		t.Fatalf("after 5 s the station allows %.1f A to the car of 10 A and %.1f A to the other; want 10 A and 30 A", a, b)
	}
	sigThroughout(t, time.Second, func() error {
		if a, b := limits(); a > 10 || a+b > 40 {
			return fmt.Errorf("the station allows %.1f A to the car of 10 A and %.1f A to the other", a, b)
		}
		return nil
	})

	var v sigVehicle
	s.mustCall(t, 200, "GET", fmt.Sprint("/api/v1/transactions/", txID, "/vehicle"), nil, &v)
	n := v.Needs
	switch {
	case n == nil:
		t.Fatalf("the vehicle view shows no needs: %+v", v)
	case n.Source != "station":
		t.Errorf("needs source = %q, want station", n.Source)
	case n.DepartureAt == nil || !n.DepartureAt.Equal(departure):
		t.Errorf("needs departureAt = %v, want %v", n.DepartureAt, departure)
	case n.EnergyWh < 30000 || n.EnergyWh > 30100:
		t.Errorf("needs energyWh = %v, want 30000 (counted from the session's start)", n.EnergyWh)
	case n.MaxA != 10 || n.MinA != 6 || n.Phases != 3:
		t.Errorf("needs current %v–%v A on %d phases, want 6–10 A on 3", n.MinA, n.MaxA, n.Phases)
	case v.LimitA == nil || *v.LimitA != 10:
		t.Errorf("vehicle limitA = %v, want 10", v.LimitA)
	case v.RemainingWh == nil || *v.RemainingWh > 30000 || *v.RemainingWh < 29000:
		t.Errorf("vehicle remainingWh = %v, want a little under 30000", v.RemainingWh)
	case v.State != "charging" || len(v.Plan) != 0:
		t.Errorf("vehicle state %q with plan %v; want charging without a plan (no prices)", v.State, v.Plan)
	}

	var a sigAllocation
	s.mustCall(t, 200, "GET", fmt.Sprint("/api/v1/sites/", siteID, "/allocation"), nil, &a)
	got := map[int]float64{}
	for _, x := range a.Sessions {
		got[x.EVSEID] = x.AllocatedA
	}
	if len(a.Sessions) != 2 || got[1] != 10 || got[2] != 30 {
		t.Errorf("allocation = %+v, want 10 A to EVSE 1 and 30 A to EVSE 2", a.Sessions)
	}
}

// TestSmartChargingPriceHold: a session priced by a tariff that follows a spot price
// schedule, whose driver leaves in two hours and wants 40 Wh. Energy is dear now and cheap
// for a minute later on: the vehicle view shows the plan (charging at the start of the cheap
// minute, and done by the plan's end), and the allocation marks the session waiting with a
// limit of 0, which the station keeps to. The schedule then moves the cheap minute to a few
// seconds from now: the car draws nothing while energy is dear, and once it is cheap Ladda
// lets it charge (at the latest at its next look, every 5 s) until it has what it wanted.
func TestSmartChargingPriceHold(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--limit-raise-interval", "200ms")
	var cars sync.WaitGroup
	defer cars.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	siteID := sigSite(t, s, 100, 0)
	site := fmt.Sprint("/api/v1/sites/", siteID)

	// cheapFrom loads the schedule SPOT: 2.00 SEK per kWh from an hour ago, 0.10 for a minute
	// from cheap on, then 2.00 again.
	cheapFrom := func(cheap time.Time) {
		t.Helper()
		point := func(at time.Time, price string) any { return map[string]any{"start": at, "price": price} }
		s.mustCall(t, 200, "PUT", "/api/v1/price-schedules/SPOT", map[string]any{"currency": "SEK", "step": 3600, "points": []any{
			point(time.Now().UTC().Truncate(time.Second).Add(-time.Hour), "2.00"), point(cheap, "0.10"), point(cheap.Add(time.Minute), "2.00")}}, nil)
	}
	now := time.Now().UTC().Truncate(time.Second)
	cheap := now.Add(time.Hour)
	cheapFrom(cheap)
	var tariff struct {
		ID int64 `json:"id"`
	}
	s.mustCall(t, 201, "POST", "/api/v1/tariffs", map[string]any{"name": "Spot", "currency": "SEK",
		"elements": []any{map[string]any{"components": []any{map[string]any{"type": "ENERGY", "price": "3.00", "schedule": "SPOT"}}}}}, &tariff)
	s.mustCall(t, 200, "POST", fmt.Sprint("/api/v1/tariffs/", tariff.ID, "/assignments"), map[string]any{"siteId": siteID}, nil)

	st := sigStation(t, ctx, s, siteID, "PH-1", ocpptest.V201, 1)
	sess, txID := sigStart(t, ctx, s, st, 1, "PH-CAR")
	sigFollowed(t, s, siteID, txID)
	const needWh = 40
	s.mustCall(t, 200, "PUT", fmt.Sprint("/api/v1/transactions/", txID, "/charging-needs"), map[string]any{"departureAt": now.Add(2 * time.Hour), "energyWh": needWh}, nil)

	allocation := func() (state string, offered *float64, plan []sigWindow) {
		var a sigAllocation
		s.mustCall(t, 200, "GET", site+"/allocation", nil, &a)
		if len(a.Sessions) != 1 {
			return "", nil, nil
		}
		return a.Sessions[0].State, a.Sessions[0].OfferedA, a.Sessions[0].Plan
	}
	if !sigWithin(5*time.Second, func() bool {
		state, offered, plan := allocation()
		limit, _ := st.Limit(1)
		return state == "waiting" && offered != nil && *offered == 0 && limit == 0 && len(plan) == 1
	}) {
		state, offered, plan := allocation()
		limit, _ := st.Limit(1)
		t.Fatalf("allocation state %q, offered %v, plan %v, station limit %.1f A; want waiting at 0 A with a plan", state, offered, plan, limit)
	}
	var v sigVehicle
	s.mustCall(t, 200, "GET", fmt.Sprint("/api/v1/transactions/", txID, "/vehicle"), nil, &v)
	// 40 Wh and 15 % slack at 22 kW take 7.5 s: the plan is the start of the cheap minute.
	if v.State != "waiting" || len(v.Plan) != 1 || !v.Plan[0].From.Equal(cheap) ||
		v.Plan[0].To.Sub(cheap) < 7*time.Second || v.Plan[0].To.Sub(cheap) > 8*time.Second {
		t.Errorf("vehicle state %q, plan %+v; want waiting, charging from %v for 7.5 s", v.State, v.Plan, cheap)
	} else if v.DoneAt == nil || !v.DoneAt.Equal(v.Plan[0].To) {
		t.Errorf("vehicle doneAt = %v, want the end of its plan %v", v.DoneAt, v.Plan[0].To)
	}
	if v.RemainingWh == nil || *v.RemainingWh != needWh {
		t.Errorf("vehicle remainingWh = %v, want %d", v.RemainingWh, needWh)
	}

	// The cheap minute moves to 2–3 s from now.
	cheap = time.Now().UTC().Truncate(time.Second).Add(3 * time.Second)
	cheapFrom(cheap)
	sigDrive(t, ctx, &cars, sess, ocpptest.Car{MaxA: 32, Phases: 3, NeedWh: needWh, LeaveWhenFull: true, Speed: 10})
	// While energy is dear, the station allows nothing and the car draws nothing (sampled up
	// to a margin for the clocks' ticks).
	sigThroughout(t, time.Until(cheap.Add(-200*time.Millisecond)), func() error {
		limit, _ := st.Limit(1)
		if a := sess.CurrentA(); a != 0 || limit != 0 {
			return fmt.Errorf("while energy is dear the station allows %.1f A and the car draws %.1f A", limit, a)
		}
		return nil
	})
	// Once it is cheap, the car charges: Ladda looks again at least every 5 s.
	if !sigWithin(time.Until(cheap.Add(8*time.Second)), func() bool { return sess.CurrentA() > 0 || sess.EnergyWh() > 0 }) {
		state, offered, plan := allocation()
		t.Fatalf("8 s into the cheap minute the car still draws nothing; allocation state %q, offered %v, plan %v", state, offered, plan)
	}
	select {
	case <-sess.Done():
	case <-time.After(10 * time.Second):
		t.Fatalf("after 10 s of cheap energy the car has %.1f Wh of %d and has not left", sess.EnergyWh(), needWh)
	}
	if got := sess.EnergyWh(); got < needWh-0.5 {
		t.Errorf("the car got %.1f Wh, wanted %d", got, needWh)
	}
}

// TestSmartChargingNeedsRightAfterStart: ISO 15118 cars send their charging needs as soon as
// the session has begun. Cars at four EVSEs of a 2.0.1 station each send theirs
// (NotifyEVChargingNeeds) the moment the station has its answer to TransactionEvent Started:
// Ladda accepts every one and keeps them with the transaction.
func TestSmartChargingNeedsRightAfterStart(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	siteID := sigSite(t, s, 100, 0)
	const evses = 4
	st := sigStation(t, ctx, s, siteID, "NR-1", ocpptest.V201, evses)
	var sessions []*ocpptest.Session
	for e := 1; e <= evses; e++ {
		tag := fmt.Sprint("NR-CAR-", e)
		s.token(t, tag)
		sess, err := st.StartSession(ctx, e, tag)
		if err != nil {
			t.Fatal(err)
		}
		status, err := sess.NotifyNeeds(ctx, ocpptest.ChargingNeeds{Car: ocpptest.Car{MaxA: 16, NeedWh: 5000}})
		if err != nil {
			t.Fatal(err)
		}
		if status != "Accepted" {
			t.Errorf("EVSE %d: NotifyEVChargingNeeds right after the start = %s, want Accepted", e, status)
		}
		sessions = append(sessions, sess)
	}
	for _, sess := range sessions {
		for _, tx := range s.transactions(t, "stationId=NR-1") {
			if tx.StationTransactionID != sess.TransactionID {
				continue
			}
			var v sigVehicle
			s.mustCall(t, 200, "GET", fmt.Sprint("/api/v1/transactions/", tx.ID, "/vehicle"), nil, &v)
			if v.Needs == nil || v.Needs.MaxA != 16 || v.Needs.EnergyWh != 5000 {
				t.Errorf("EVSE %d: the vehicle's needs = %+v, want 16 A and 5000 Wh from the station", sess.Connector, v.Needs)
			}
		}
	}
}

// TestSmartChargingEVSchedule: ISO 15118 cars plan their own charging within their limit
// (NotifyEVChargingSchedule). On a 40 A site two cars share 20 A each; when one plans to take
// only 8 A for now, Ladda accepts the plan, and as the car draws what it planned, Ladda
// leaves it that plus 1 A and gives the other the rest; the vehicle view's finish time
// follows the plan's pause. A plan above the car's limit is rejected, and Ladda sends the
// limit again.
func TestSmartChargingEVSchedule(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--limit-raise-interval", "200ms")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	siteID := sigSite(t, s, 40, 0)
	st := sigStation(t, ctx, s, siteID, "EVS-1", ocpptest.V201, 2)
	var cars sync.WaitGroup
	defer func() { cancel(); cars.Wait() }()
	a, txA := sigStart(t, ctx, s, st, 1, "EVS-A")
	b, txB := sigStart(t, ctx, s, st, 2, "EVS-B")
	sigFollowed(t, s, siteID, txA)
	sigFollowed(t, s, siteID, txB)
	carA := ocpptest.Car{MaxA: 32, Phases: 3, NeedWh: 20000}
	if status, err := a.NotifyNeeds(ctx, ocpptest.ChargingNeeds{Car: carA}); err != nil || status != "Accepted" {
		t.Fatalf("NotifyEVChargingNeeds = %q, %v; want Accepted", status, err)
	}
	sigDrive(t, ctx, &cars, a, carA)
	sigDrive(t, ctx, &cars, b, ocpptest.Car{MaxA: 32, Phases: 3, NeedWh: 20000})
	limits := func() (float64, float64) {
		la, _ := st.Limit(1)
		lb, _ := st.Limit(2)
		return la, lb
	}
	if !sigWithin(5*time.Second, func() bool { la, lb := limits(); return la == 20 && lb == 20 }) {
		la, lb := limits()
		t.Fatalf("the two cars are allowed %g A and %g A; want 20 A each", la, lb)
	}

	// Car A plans 8 A for an hour, then a pause until the third hour, then 8 A again.
	start := time.Now().UTC().Truncate(time.Second)
	status, err := a.NotifySchedule(ctx, start, []ocpptest.PlanPeriod{{After: 0, LimitA: 8}, {After: time.Hour, LimitA: 0}, {After: 3 * time.Hour, LimitA: 8}})
	if err != nil || status != "Accepted" {
		t.Fatalf("NotifyEVChargingSchedule within the limit = %q, %v; want Accepted", status, err)
	}
	if !sigWithin(5*time.Second, func() bool { la, lb := limits(); return la == 9 && lb == 31 }) {
		la, lb := limits()
		t.Fatalf("after car A planned 8 A: allowed %g A and %g A; want 9 A and 31 A", la, lb)
	}
	sigThroughout(t, 500*time.Millisecond, func() error {
		if sum := a.CurrentA() + b.CurrentA(); sum > 40.001 {
			return fmt.Errorf("the cars draw %.1f A together on a 40 A site", sum)
		}
		return nil
	})
	var v struct {
		RemainingWh *float64   `json:"remainingWh"`
		DoneAt      *time.Time `json:"doneAt"`
		EVSchedule  *struct {
			Start    time.Time `json:"start"`
			RateUnit string    `json:"rateUnit"`
			Periods  []struct {
				Start int     `json:"start"`
				Limit float64 `json:"limit"`
			} `json:"periods"`
			Accepted bool `json:"accepted"`
		} `json:"evSchedule"`
	}
	s.mustCall(t, 200, "GET", fmt.Sprint("/api/v1/transactions/", txA, "/vehicle"), nil, &v)
	if v.EVSchedule == nil || !v.EVSchedule.Accepted || !v.EVSchedule.Start.Equal(start) || v.EVSchedule.RateUnit != "A" ||
		len(v.EVSchedule.Periods) != 3 || v.EVSchedule.Periods[1].Start != 3600 || v.EVSchedule.Periods[2].Limit != 8 {
		t.Fatalf("the vehicle view's evSchedule = %+v; want the accepted plan", v.EVSchedule)
	}
	// 8 A on 3 phases at 230 V is 5520 W: the first hour gives 5520 Wh, the rest comes after
	// the pause, from the third hour on.
	if v.RemainingWh == nil || v.DoneAt == nil {
		t.Fatalf("the vehicle view has no remainingWh or doneAt: %+v", v)
	}
	want := start.Add(3*time.Hour + time.Duration((*v.RemainingWh-5520)/5520*float64(time.Hour)))
	if d := v.DoneAt.Sub(want); d < -time.Minute || d > time.Minute {
		t.Errorf("doneAt = %v, want about %v (the plan's pause counted)", v.DoneAt, want)
	}

	// A plan above its limit is rejected, the limit is sent again, and the car keeps to it.
	sentAt := func() time.Time {
		var list struct {
			Items []struct {
				EVSEID int       `json:"evseId"`
				SetAt  time.Time `json:"setAt"`
			} `json:"items"`
		}
		s.mustCall(t, 200, "GET", "/api/v1/stations/EVS-1/charging-profiles", nil, &list)
		for _, x := range list.Items {
			if x.EVSEID == 2 {
				return x.SetAt
			}
		}
		return time.Time{}
	}
	before := sentAt()
	status, err = b.NotifySchedule(ctx, time.Now(), []ocpptest.PlanPeriod{{After: 0, LimitA: 40}})
	if err != nil || status != "Rejected" {
		t.Errorf("NotifyEVChargingSchedule above the limit = %q, %v; want Rejected", status, err)
	}
	if !sigWithin(5*time.Second, func() bool { return sentAt().After(before) }) {
		t.Errorf("car B's limit was not sent again after its plan was rejected (last sent %v)", before)
	}
	if _, lb := limits(); lb != 31 {
		t.Errorf("car B is allowed %g A after the rejected plan, want its 31 A", lb)
	}
	sigThroughout(t, 500*time.Millisecond, func() error {
		if la, lb := limits(); la+lb > 40.001 {
			return fmt.Errorf("the cars are allowed %g A and %g A on a 40 A site", la, lb)
		}
		return nil
	})
}

// TestSmartChargingStationMax: a station at a managed site keeps a cap of its own, whatever
// Ladda later sends or fails to send: its ChargingStationMaxProfile (1.6
// ChargePointMaxProfile) carries what the circuits its EVSEs hang from let through, follows
// the model as it changes, and goes when the site is no longer managed.
func TestSmartChargingStationMax(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	siteID := sigSite(t, s, 100, 0)
	st := sigStation(t, ctx, s, siteID, "MAX-1", ocpptest.V16, 2)
	type installed struct {
		Items []struct {
			Profile struct {
				ID       int    `json:"id"`
				Purpose  string `json:"purpose"`
				Schedule struct {
					Periods []struct {
						Limit float64 `json:"limit"`
					} `json:"periods"`
				} `json:"schedule"`
			} `json:"profile"`
		} `json:"items"`
	}
	stationMax := func() (float64, bool) {
		var list installed
		s.mustCall(t, 200, "GET", "/api/v1/stations/MAX-1/charging-profiles", nil, &list)
		for _, x := range list.Items {
			if x.Profile.Purpose == "ChargingStationMaxProfile" && len(x.Profile.Schedule.Periods) == 1 {
				return x.Profile.Schedule.Periods[0].Limit, true
			}
		}
		return 0, false
	}
	if !sigWithin(5*time.Second, func() bool { a, ok := stationMax(); return ok && a == 100 }) {
		a, ok := stationMax()
		t.Fatalf("the station's maximum on a 100 A site: %g, %v; want 100 A", a, ok)
	}
	var circuit struct {
		ID int64 `json:"id"`
	}
	s.mustCall(t, 201, "POST", fmt.Sprint("/api/v1/sites/", siteID, "/circuits"), map[string]any{"name": "Board B", "limitA": []float64{30}}, &circuit)
	for evse := 1; evse <= 2; evse++ {
		s.mustCall(t, 200, "PUT", fmt.Sprint("/api/v1/stations/MAX-1/evses/", evse, "/wiring"), map[string]any{"circuitId": circuit.ID, "phases": 3}, nil)
	}
	if !sigWithin(5*time.Second, func() bool { a, ok := stationMax(); return ok && a == 30 }) {
		a, ok := stationMax()
		t.Fatalf("the station's maximum with both EVSEs on a 30 A circuit: %g, %v; want 30 A", a, ok)
	}
	// The station keeps to it: with a fallback of 40 A, a session without a limit of Ladda's
	// gets no more than the maximum.
	s.mustCall(t, 200, "PUT", fmt.Sprint("/api/v1/sites/", siteID, "/grid"), map[string]any{"limitA": []float64{100}, "fallbackA": 40}, nil)
	if !sigWithin(5*time.Second, func() bool { a, ok := st.Limit(1); return ok && a == 30 }) {
		a, ok := st.Limit(1)
		t.Errorf("the station allows connector 1 %g A (%v) under a 40 A fallback; want the 30 A maximum", a, ok)
	}
	// An operator's own profile at the station stays when the site is no longer managed.
	s.mustCall(t, 200, "POST", "/api/v1/stations/MAX-1/charging-profiles", map[string]any{"evseId": 1,
		"profile": map[string]any{"id": 7, "stackLevel": 0, "purpose": "TxDefaultProfile", "kind": "Absolute",
			"schedule": map[string]any{"startAt": time.Now().UTC().Truncate(time.Second), "rateUnit": "A", "periods": []map[string]any{{"start": 0, "limit": 16}}}}}, nil)
	s.mustCall(t, 204, "DELETE", fmt.Sprint("/api/v1/sites/", siteID, "/grid"), nil, nil)
	if !sigWithin(5*time.Second, func() bool { _, ok := stationMax(); return !ok }) {
		t.Error("the station keeps Ladda's maximum after its site is no longer managed")
	}
	var list installed
	if !sigWithin(5*time.Second, func() bool {
		s.mustCall(t, 200, "GET", "/api/v1/stations/MAX-1/charging-profiles", nil, &list)
		return len(list.Items) == 1 && list.Items[0].Profile.ID == 7
	}) {
		t.Errorf("after the grid went, the station has profiles %+v; want only the operator's, id 7", list.Items)
	}
}
