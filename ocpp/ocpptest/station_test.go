package ocpptest_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/gateway"
	"github.com/ladda-csms/ladda/ocpp/ocpptest"
	"github.com/ladda-csms/ladda/station"
)

var versions = []string{ocpptest.V16, ocpptest.V201}

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  ocpptest.Config
	}{
		{"no URL", ocpptest.Config{ID: "CP-1"}},
		{"bad id", ocpptest.Config{URL: "ws://127.0.0.1:1/ocpp", ID: "CP 1"}},
		{"empty id", ocpptest.Config{URL: "ws://127.0.0.1:1/ocpp"}},
		{"unknown version", ocpptest.Config{URL: "ws://127.0.0.1:1/ocpp", ID: "CP-1", Version: "1.5"}},
		{"negative connectors", ocpptest.Config{URL: "ws://127.0.0.1:1/ocpp", ID: "CP-1", Connectors: -1}},
		{"negative power", ocpptest.Config{URL: "ws://127.0.0.1:1/ocpp", ID: "CP-1", PowerW: -1}},
		{"negative maximum current", ocpptest.Config{URL: "ws://127.0.0.1:1/ocpp", ID: "CP-1", MaxCurrentA: -1}},
		{"a car of four phases", ocpptest.Config{URL: "ws://127.0.0.1:1/ocpp", ID: "CP-1", Car: &ocpptest.Car{Phases: 4}}},
		{"a car's minimum above its maximum", ocpptest.Config{URL: "ws://127.0.0.1:1/ocpp", ID: "CP-1", Car: &ocpptest.Car{MaxA: 10, MinA: 12}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := ocpptest.New(tt.cfg); err == nil {
				t.Errorf("New(%+v) succeeded, want an error", tt.cfg)
			}
		})
	}
	st, err := ocpptest.New(ocpptest.Config{URL: "ws://127.0.0.1:1/ocpp", ID: "CP-1"})
	if err != nil {
		t.Fatal(err)
	}
	if st.Version() != ocpptest.V16 {
		t.Errorf("default version = %q, want %q", st.Version(), ocpptest.V16)
	}
	if v, _ := st.Setting("NumberOfConnectors"); v != "2" {
		t.Errorf("NumberOfConnectors = %q, want the default 2", v)
	}
	if err := st.StatusNotification(context.Background(), 1, ocpptest.StatusAvailable); !errors.Is(err, ocpptest.ErrNotConnected) {
		t.Errorf("StatusNotification before Connect: %v, want ErrNotConnected", err)
	}
}

func TestBootAndStatus(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t)
			st := ts.mustStation(t, "CP-"+v, v, func(c *ocpptest.Config) { c.Vendor, c.Model = "Acme", "Wallbox" })
			ctx := testContext(t)
			if err := st.Up(ctx); err != nil {
				t.Fatalf("Up: %v", err)
			}
			if got := st.Registration(); got != "Accepted" {
				t.Errorf("Registration = %q, want Accepted", got)
			}
			if got := st.HeartbeatInterval(); got != time.Minute {
				t.Errorf("HeartbeatInterval = %v, want the server's 1m", got)
			}
			if _, err := st.Heartbeat(ctx); err != nil {
				t.Errorf("Heartbeat: %v", err)
			}
			if err := st.StatusNotification(ctx, 2, ocpptest.StatusFaulted); err != nil {
				t.Fatalf("StatusNotification: %v", err)
			}
			got := ts.mustStationState(t, st.ID())
			if !got.Connected || got.OCPPVersion != v {
				t.Errorf("server sees connected=%v version=%q, want true %q", got.Connected, got.OCPPVersion, v)
			}
			if got.Boot.Vendor != "Acme" || got.Boot.Model != "Wallbox" {
				t.Errorf("server boot = %+v, want vendor Acme, model Wallbox", got.Boot)
			}
			want := map[int]station.ConnectorStatus{1: "Available", 2: "Faulted"}
			if len(got.EVSEs) != 2 {
				t.Fatalf("server EVSEs = %+v, want 2", got.EVSEs)
			}
			for _, e := range got.EVSEs {
				if len(e.Connectors) != 1 || e.Connectors[0].ID != 1 || e.Connectors[0].Status != want[e.ID] {
					t.Errorf("EVSE %d connectors = %+v, want connector 1 %s", e.ID, e.Connectors, want[e.ID])
				}
			}
		})
	}
}

func TestBootWaitsWhilePending(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t)
			id := "PENDING-" + v
			ts.mustRegister(t, id, station.Pending)
			st, err := ocpptest.New(ocpptest.Config{URL: ts.URL, ID: id, Password: testPassword, Version: v})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = st.Close() })
			ctx := testContext(t)
			if err := st.Connect(ctx); err != nil {
				t.Fatal(err)
			}
			res, err := st.BootOnce(ctx)
			if err != nil || res.Status != "Pending" || res.Interval != time.Second {
				t.Fatalf("BootOnce = %+v, %v; want Pending with the server's 1s retry interval", res, err)
			}
			short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
			defer cancel()
			if _, err := st.Boot(short); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Boot while pending = %v, want it to wait until its context ends", err)
			}
			if st.Boots() != 0 {
				t.Errorf("Boots = %d while pending, want 0", st.Boots())
			}
			// Up keeps booting; the operator accepts the station; the server closes the
			// connection so that the new registration applies from the next boot, and Up
			// connects again and comes up accepted.
			up := make(chan error, 1)
			go func() { up <- st.Up(ctx) }()
			accepted := station.Accepted
			if _, _, err := ts.Stations.Update(ctx, ladda.StationID(id), station.Change{Registration: &accepted}); err != nil {
				t.Fatal(err)
			}
			if err := <-up; err != nil {
				t.Fatalf("Up across the acceptance: %v", err)
			}
			if st.Registration() != "Accepted" {
				t.Errorf("Registration = %q after acceptance, want Accepted", st.Registration())
			}
			if st.Boots() != 1 {
				t.Errorf("Boots = %d, want 1", st.Boots())
			}
		})
	}
}

func TestConnectRefused(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.mustRegister(t, "CP-KNOWN", station.Accepted)
	tests := []struct{ id, password string }{
		{"CP-UNKNOWN", testPassword},
		{"CP-KNOWN", "wrong-password-0123456789"},
		{"CP-KNOWN", ""},
	}
	for _, tt := range tests {
		st, err := ocpptest.New(ocpptest.Config{URL: ts.URL, ID: tt.id, Password: tt.password})
		if err != nil {
			t.Fatal(err)
		}
		err = st.Connect(testContext(t))
		var de *gateway.DialError
		if !errors.As(err, &de) || de.StatusCode != http.StatusUnauthorized {
			t.Errorf("Connect %s with password %q = %v, want a *gateway.DialError with 401", tt.id, tt.password, err)
		}
		if st.Connected() {
			t.Errorf("%s: Connected after a refusal", tt.id)
		}
		_ = st.Close()
	}
}

func TestCloseIsFinal(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	st := ts.mustStation(t, "CP-CLOSE", ocpptest.V16, nil)
	ctx := testContext(t)
	if err := st.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	eventually(t, "the server to see the station go", func() bool { return !ts.mustStationState(t, "CP-CLOSE").Connected })
	if err := st.Connect(ctx); !errors.Is(err, ocpptest.ErrClosed) {
		t.Errorf("Connect after Close = %v, want ErrClosed", err)
	}
}

func TestDisconnectAndReconnect(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	st := ts.mustStation(t, "CP-RECONNECT", ocpptest.V201, nil)
	ctx := testContext(t)
	if err := st.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Disconnect(); err != nil {
		t.Fatalf("Disconnect: %v", err)
	}
	if _, err := st.Heartbeat(ctx); !errors.Is(err, ocpptest.ErrNotConnected) {
		t.Errorf("Heartbeat while disconnected = %v, want ErrNotConnected", err)
	}
	if err := st.Up(ctx); err != nil {
		t.Fatalf("Up again: %v", err)
	}
	if st.Boots() != 2 {
		t.Errorf("Boots = %d after two power-ups, want 2", st.Boots())
	}
}
