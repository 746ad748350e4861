package ocpptest_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/ocpp/ocpptest"
)

func TestSessionStoresEnergy(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t)
			ts.mustToken(t, "TAG-OK", charging.Accepted)
			st := ts.mustStation(t, "CP-S-"+v, v, func(c *ocpptest.Config) { c.MeterStartWh = 1000 })
			ctx := testContext(t)
			if err := st.Up(ctx); err != nil {
				t.Fatal(err)
			}
			sess, err := st.StartSession(ctx, 2, "TAG-OK")
			if err != nil {
				t.Fatalf("StartSession: %v", err)
			}
			if sess.TransactionID == "" || sess.MeterStartWh != 1000 {
				t.Fatalf("session = %+v, want a transaction id and the register 1000 at start", sess)
			}
			if got, ok := st.Session(2); !ok || got != sess {
				t.Errorf("Session(2) = %v, %v; want the started session", got, ok)
			}
			tx := ts.mustTransaction(t, st.ID(), sess.TransactionID)
			if !tx.Active() || tx.EVSEID != 2 || tx.IDToken != "TAG-OK" {
				t.Errorf("server transaction = %+v, want active on EVSE 2 with TAG-OK", tx)
			}
			if s, _ := st.Status(2); s != ocpptest.StatusCharging && s != ocpptest.StatusOccupied {
				t.Errorf("connector 2 status = %s during the session", s)
			}

			for _, wh := range []float64{500, 1500, 2750} {
				if err := sess.Meter(ctx, wh); err != nil {
					t.Fatalf("Meter(%v): %v", wh, err)
				}
			}
			if err := sess.Meter(ctx, 100); err == nil {
				t.Errorf("Meter went backwards without an error")
			}
			if tx := ts.mustTransaction(t, st.ID(), sess.TransactionID); tx.EnergyWh() != 2750 {
				t.Errorf("energy while charging = %v Wh, want 2750", tx.EnergyWh())
			}
			if err := sess.Stop(ctx, "Local"); err != nil {
				t.Fatalf("Stop: %v", err)
			}
			select {
			case <-sess.Done():
			default:
				t.Error("Done not closed after Stop")
			}
			if err := sess.Stop(ctx, "Local"); !errors.Is(err, ocpptest.ErrSessionStopped) {
				t.Errorf("second Stop = %v, want ErrSessionStopped", err)
			}
			if _, ok := st.Session(2); ok {
				t.Error("Session(2) still reports the stopped session")
			}

			tx = ts.mustTransaction(t, st.ID(), sess.TransactionID)
			if tx.Active() || tx.EnergyWh() != 2750 || tx.StopReason != "Local" || *tx.MeterStartWh != 1000 {
				t.Errorf("stopped transaction: active=%v energy=%v reason=%q start=%v; want stopped, 2750 Wh, Local, 1000",
					tx.Active(), tx.EnergyWh(), tx.StopReason, *tx.MeterStartWh)
			}
			if len(tx.Flags) != 0 {
				t.Errorf("transaction flags = %v, want none (no sequence gaps, authorised)", tx.Flags)
			}
			full, err := ts.Charging.Transaction(ctx, tx.ID)
			if err != nil {
				t.Fatal(err)
			}
			var power int
			for _, s := range full.Samples {
				if s.Measurand == "Power.Active.Import" && s.Unit == "W" && s.Value == ocpptest.DefaultPowerW {
					power++
				}
			}
			if power != 3 {
				t.Errorf("stored %d power samples of %v W, want 3 (one per Meter)", power, ocpptest.DefaultPowerW)
			}
			if got := ts.mustStationState(t, st.ID()).EVSEs[1].Connectors[0].Status; got != "Available" {
				t.Errorf("server status of EVSE 2 after the stop = %s, want Available", got)
			}

			// The register goes on where it was: the next session starts at 1000 + 2750.
			next, err := st.StartSession(ctx, 2, "TAG-OK")
			if err != nil {
				t.Fatal(err)
			}
			if next.MeterStartWh != 3750 {
				t.Errorf("next session starts at %v Wh, want 3750", next.MeterStartWh)
			}
		})
	}
}

func TestSessionTokenNotAccepted(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t)
			ts.mustToken(t, "TAG-BLOCKED", charging.Blocked)
			st := ts.mustStation(t, "CP-R-"+v, v, nil)
			ctx := testContext(t)
			if err := st.Up(ctx); err != nil {
				t.Fatal(err)
			}
			unknown := "Invalid"
			if v == ocpptest.V201 {
				unknown = "Unknown"
			}
			for tag, want := range map[string]string{"TAG-BLOCKED": "Blocked", "TAG-NOBODY": unknown} {
				_, err := st.StartSession(ctx, 1, tag)
				var re *ocpptest.RejectedError
				if !errors.As(err, &re) || re.Status != want || re.TransactionID != "" {
					t.Errorf("StartSession(%s) = %v, want a RejectedError %s before any transaction", tag, err, want)
				}
			}
			if _, ok := st.Session(1); ok {
				t.Error("a refused session holds connector 1")
			}
			txs, err := ts.Charging.Transactions(ctx, charging.TransactionFilter{})
			if err != nil || len(txs) != 0 {
				t.Errorf("server transactions = %d (%v), want none", len(txs), err)
			}
		})
	}
}

func TestSessionConnectorRules(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.mustToken(t, "TAG-OK", charging.Accepted)
	st := ts.mustStation(t, "CP-RULES", ocpptest.V16, func(c *ocpptest.Config) { c.Connectors = 1 })
	ctx := testContext(t)
	if err := st.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.StartSession(ctx, 2, "TAG-OK"); !errors.Is(err, ocpptest.ErrNoConnector) {
		t.Errorf("start on connector 2 of 1 = %v, want ErrNoConnector", err)
	}
	if _, err := st.StartSession(ctx, 1, "TAG-OK"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.StartSession(ctx, 1, "TAG-OK"); !errors.Is(err, ocpptest.ErrConnectorBusy) {
		t.Errorf("second start on connector 1 = %v, want ErrConnectorBusy", err)
	}
}

func TestCharge(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t)
			ts.mustToken(t, "TAG-OK", charging.Accepted)
			// 36 MW for 300 ms is 3000 Wh: big numbers keep rounding out of the way.
			st := ts.mustStation(t, "CP-C-"+v, v, func(c *ocpptest.Config) {
				c.PowerW = 36e6
				c.MeterInterval = 50 * time.Millisecond
			})
			ctx := testContext(t)
			if err := st.Up(ctx); err != nil {
				t.Fatal(err)
			}
			sess, err := st.StartSession(ctx, 1, "TAG-OK")
			if err != nil {
				t.Fatal(err)
			}
			if err := sess.Charge(ctx, 300*time.Millisecond); err != nil {
				t.Fatalf("Charge: %v", err)
			}
			if got := sess.EnergyWh(); math.Abs(got-3000) > 0.001 {
				t.Errorf("EnergyWh after charging = %v, want 3000", got)
			}
			if err := sess.Stop(ctx, "EVDisconnected"); err != nil {
				t.Fatal(err)
			}
			tx := ts.mustTransaction(t, st.ID(), sess.TransactionID)
			if math.Abs(tx.EnergyWh()-3000) > 0.001 || tx.StopReason != "EVDisconnected" {
				t.Errorf("server transaction: %v Wh, reason %q; want 3000 Wh, EVDisconnected", tx.EnergyWh(), tx.StopReason)
			}
			full, err := ts.Charging.Transaction(ctx, tx.ID)
			if err != nil {
				t.Fatal(err)
			}
			periodic := 0
			for _, s := range full.Samples {
				if s.Context == "Sample.Periodic" && s.Measurand == charging.MeasurandEnergyImport {
					periodic++
				}
			}
			if periodic == 0 {
				t.Error("Charge sent no periodic meter values")
			}
		})
	}
}

func TestChargeEndsWithTheSession(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.mustToken(t, "TAG-OK", charging.Accepted)
	st := ts.mustStation(t, "CP-CE", ocpptest.V201, nil)
	ctx := testContext(t)
	if err := st.Up(ctx); err != nil {
		t.Fatal(err)
	}
	sess, err := st.StartSession(ctx, 1, "TAG-OK")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- sess.Charge(ctx, time.Hour) }()
	if err := sess.Stop(ctx, "Remote"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Charge after a stop = %v, want nil", err)
		}
	case <-ctx.Done():
		t.Fatal("Charge went on after the session stopped")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	next, err := st.StartSession(ctx, 1, "TAG-OK")
	if err != nil {
		t.Fatal(err)
	}
	if err := next.Charge(cancelled, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Charge with a cancelled context = %v, want context.Canceled", err)
	}
}
