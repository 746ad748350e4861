package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ladda-csms/ladda/ocpp/ocpptest"
)

// TestSmartChargingEndToEnd: a site with a 100 A connection and ten cars that each want 32 A,
// on five stations of both OCPP versions. Ladda shares the site among them with charging
// profiles; the simulated cars follow what their stations allow. Sampled all along, the cars
// together never draw more than 100 A on a phase, and every car gets the energy it wanted.
func TestSmartChargingEndToEnd(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--limit-raise-interval", "200ms")
	// A fallback of 0: a session starts only when Ladda gives it room, so nothing can overload
	// the site while the first limit is on its way (see the operator guide).
	siteID := sigSite(t, s, 100, 0)

	const stations, needWh = 5, 1500
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var sessions []*ocpptest.Session
	for i := range stations {
		st := sigStation(t, ctx, s, siteID, fmt.Sprintf("SC-%d", i), []string{ocpptest.V16, ocpptest.V201}[i%2], 2)
		for c := 1; c <= 2; c++ {
			tag := fmt.Sprintf("CAR-%d-%d", i, c)
			s.token(t, tag)
			sess, err := st.StartSession(ctx, c, tag)
			if err != nil {
				t.Fatal(err)
			}
			sessions = append(sessions, sess)
		}
	}

	// Sample what all cars draw until every car has left.
	var (
		mu     sync.Mutex
		peak   float64
		charge sync.WaitGroup
	)
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			var sum float64
			for _, x := range sessions {
				sum += x.CurrentA()
			}
			mu.Lock()
			peak = max(peak, sum)
			mu.Unlock()
		}
	}()
	errs := make(chan error, len(sessions))
	for _, x := range sessions {
		charge.Go(func() {
			errs <- x.Drive(ctx, ocpptest.Car{MaxA: 32, Phases: 3, NeedWh: needWh, LeaveWhenFull: true, Speed: 300})
		})
	}
	charge.Wait()
	close(done)
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a car: %v", err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if peak > 100.001 {
		t.Errorf("the cars drew %.1f A at once on each phase; the site has 100 A", peak)
	}
	if peak < 90 {
		t.Errorf("the cars drew at most %.1f A together: the site's 100 A were not used", peak)
	}
	for i, x := range sessions {
		if got := x.EnergyWh(); got < needWh-0.5 {
			t.Errorf("car %d got %.0f Wh, wanted %d", i, got, needWh)
		}
	}
	// Ladda saw every session end.
	var alloc struct {
		Sessions []any `json:"sessions"`
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mustCall(t, 200, "GET", fmt.Sprint("/api/v1/sites/", siteID, "/allocation"), nil, &alloc)
		if len(alloc.Sessions) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(alloc.Sessions) != 0 {
		t.Errorf("the allocation still holds %d sessions", len(alloc.Sessions))
	}
}

// TestSmartChargingArrivals: cars arrive one after another at a site that is already full,
// and each starts at the site's fallback limit before Ladda has heard of it. Ladda keeps the
// fallback free for every idle EVSE, so the cars together never draw more than the site's
// 100 A, not even in the moment between a car's arrival and its first limit.
func TestSmartChargingArrivals(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--limit-raise-interval", "200ms")
	siteID := sigSite(t, s, 100, 8)
	grid := fmt.Sprint("/api/v1/sites/", siteID, "/grid")
	alloc := fmt.Sprint("/api/v1/sites/", siteID, "/allocation")

	const stations = 5
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var list []*ocpptest.Station
	for i := range stations {
		list = append(list, sigStation(t, ctx, s, siteID, fmt.Sprintf("AR-%d", i), []string{ocpptest.V16, ocpptest.V201}[i%2], 2))
	}

	// Ladda keeps 8 A free for each of the ten idle EVSEs. Ten EVSEs at 8 A fit the site, so
	// there is no warning; at 12 A they would not.
	var view struct {
		Reserved []struct {
			CurrentA float64 `json:"currentA"`
			Why      string  `json:"why"`
		} `json:"reserved"`
		Warnings []string `json:"warnings"`
		Sessions []struct {
			State string `json:"state"`
		} `json:"sessions"`
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.mustCall(t, 200, "GET", alloc, nil, &view); len(view.Reserved) < 2*stations && time.Now().Before(deadline); s.mustCall(t, 200, "GET", alloc, nil, &view) {
		time.Sleep(20 * time.Millisecond)
	}
	if len(view.Reserved) != 2*stations || view.Reserved[0].CurrentA != 8 || view.Reserved[0].Why != "idle" || len(view.Warnings) != 0 {
		t.Fatalf("before any car: reserved %+v, warnings %q; want 10 idle EVSEs at 8 A and no warning", view.Reserved, view.Warnings)
	}
	s.mustCall(t, 200, "PUT", grid, map[string]any{"limitA": []float64{100}, "fallbackA": 12}, nil)
	if s.mustCall(t, 200, "GET", alloc, nil, &view); len(view.Warnings) != 1 {
		t.Errorf("ten EVSEs at a 12 A fallback on 100 A: warnings %q, want one", view.Warnings)
	}
	s.mustCall(t, 200, "PUT", grid, map[string]any{"limitA": []float64{100}, "fallbackA": 8}, nil)

	var (
		mu       sync.Mutex
		sessions []*ocpptest.Session
		peak     float64
		cars     sync.WaitGroup
	)
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			mu.Lock()
			var sum float64
			for _, x := range sessions {
				sum += x.CurrentA()
			}
			peak = max(peak, sum)
			mu.Unlock()
		}
	}()
	// The cars charge until the test sends them away, so that all ten share the site at the
	// end whatever the machine's pace.
	driving, leave := context.WithCancel(ctx)
	defer leave()
	errs := make(chan error, 2*stations)
	for i, st := range list {
		for c := 1; c <= 2; c++ {
			tag := fmt.Sprintf("ARR-%d-%d", i, c)
			s.token(t, tag)
			sess, err := st.StartSession(ctx, c, tag)
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			sessions = append(sessions, sess)
			mu.Unlock()
			cars.Go(func() {
				if err := sess.Drive(driving, ocpptest.Car{MaxA: 32, Phases: 3, Speed: 200}); !errors.Is(err, context.Canceled) {
					errs <- err
				}
			})
			// The next car comes once this one has its limit: the site is full when it does.
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				if a, ok := st.Limit(c); ok && a != 8 {
					break
				}
			}
		}
	}
	// With every EVSE taken, nothing is kept free: the ten cars share all 100 A.
	sum := func() float64 {
		var out float64
		for _, x := range sessions {
			out += x.CurrentA()
		}
		return out
	}
	deadline = time.Now().Add(15 * time.Second)
	for sum() < 99 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	full := sum()
	leave()
	cars.Wait()
	close(done)
	<-sampled
	close(errs)
	for err := range errs {
		t.Errorf("a car: %v", err)
	}
	if peak > 100.001 {
		t.Errorf("the cars drew %.1f A at once on each phase; the site has 100 A", peak)
	}
	if full < 99 {
		t.Errorf("with all ten EVSEs taken the cars draw %.1f A together; want the site's 100 A", full)
	}
	for i, x := range sessions {
		if x.EnergyWh() <= 0 {
			t.Errorf("car %d got no energy", i)
		}
	}
}
