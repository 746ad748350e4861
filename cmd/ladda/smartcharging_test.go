package main

import (
	"context"
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
	var site struct {
		ID int64 `json:"id"`
	}
	s.mustCall(t, 201, "POST", "/api/v1/sites", map[string]any{"name": "Depot", "country": "SE", "timeZone": "Europe/Stockholm"}, &site)
	// A fallback of 0: a session starts only when Ladda gives it room, so nothing can overload
	// the site while the first limit is on its way (see the operator guide).
	s.mustCall(t, 200, "PUT", fmt.Sprint("/api/v1/sites/", site.ID, "/grid"), map[string]any{"limitA": []float64{100}, "fallbackA": 0}, nil)

	const stations, needWh = 5, 1500
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var sessions []*ocpptest.Session
	for i := range stations {
		id := fmt.Sprintf("SC-%d", i)
		s.register(t, id, "s3cret-pass-smart")
		s.mustCall(t, 200, "PATCH", "/api/v1/stations/"+id, map[string]any{"siteId": site.ID}, nil)
		version := ocpptest.V16
		if i%2 == 1 {
			version = ocpptest.V201
		}
		st, err := ocpptest.New(ocpptest.Config{URL: s.WSURL, ID: id, Password: "s3cret-pass-smart", Version: version, Connectors: 2,
			MeterInterval: 100 * time.Millisecond, DisableHeartbeat: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := st.Up(ctx); err != nil {
			t.Fatal(err)
		}
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
		s.mustCall(t, 200, "GET", fmt.Sprint("/api/v1/sites/", site.ID, "/allocation"), nil, &alloc)
		if len(alloc.Sessions) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(alloc.Sessions) != 0 {
		t.Errorf("the allocation still holds %d sessions", len(alloc.Sessions))
	}
}
