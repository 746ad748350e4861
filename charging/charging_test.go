package charging

import (
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

func TestIDTokenAuthorize(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		token  IDToken
		active int
		want   TokenStatus
	}{
		{"accepted", IDToken{Status: Accepted}, 0, Accepted},
		{"blocked stays blocked", IDToken{Status: Blocked}, 0, Blocked},
		{"invalid stays invalid", IDToken{Status: Invalid}, 0, Invalid},
		{"expired by date", IDToken{Status: Accepted, ExpiresAt: ptr(now)}, 0, Expired},
		{"not yet expired", IDToken{Status: Accepted, ExpiresAt: ptr(now.Add(time.Second))}, 0, Accepted},
		{"in use elsewhere", IDToken{Status: Accepted}, 1, ConcurrentTx},
		{"in use elsewhere but allowed", IDToken{Status: Accepted, AllowConcurrent: true}, 2, Accepted},
		{"blocked beats concurrent", IDToken{Status: Blocked}, 1, Blocked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.token.Authorize(now, tc.active)
			if got.Status != tc.want {
				t.Fatalf("status = %s, want %s", got.Status, tc.want)
			}
		})
	}
	info := (&IDToken{Status: Accepted, GroupID: "FLEET-1"}).Authorize(now, 0)
	if info.GroupID != "FLEET-1" {
		t.Fatalf("group = %q, want FLEET-1", info.GroupID)
	}
}

func TestRegisterWh(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Minute)
	e := MeasurandEnergyImport
	for _, tc := range []struct {
		name    string
		samples []Sample
		want    *float64
	}{
		{"none", nil, nil},
		{"other measurands only", []Sample{{Measurand: "Power.Active.Import", Value: 7000}}, nil},
		{"single total", []Sample{{Time: t0, Measurand: e, Value: 1500}}, ptr(1500.0)},
		{"latest total wins", []Sample{{Time: t1, Measurand: e, Value: 2000}, {Time: t0, Measurand: e, Value: 1500}}, ptr(2000.0)},
		{"total preferred to phases", []Sample{{Time: t0, Measurand: e, Phase: "L1", Value: 1}, {Time: t0, Measurand: e, Value: 5}}, ptr(5.0)},
		{"phases summed", []Sample{{Time: t0, Measurand: e, Phase: "L1", Value: 100}, {Time: t0, Measurand: e, Phase: "L2", Value: 110}, {Time: t0, Measurand: e, Phase: "L3", Value: 120}}, ptr(330.0)},
		{"latest phases only", []Sample{{Time: t0, Measurand: e, Phase: "L1", Value: 100}, {Time: t1, Measurand: e, Phase: "L1", Value: 200}}, ptr(200.0)},
		{"inlet ignored", []Sample{{Time: t0, Measurand: e, Location: "Inlet", Value: 9}, {Time: t0, Measurand: e, Location: "Outlet", Value: 7}}, ptr(7.0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := RegisterWh(tc.samples)
			switch {
			case got == nil && tc.want == nil:
			case got == nil || tc.want == nil || *got != *tc.want:
				t.Fatalf("RegisterWh = %v, want %v", deref(got), deref(tc.want))
			}
		})
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestEnergyWh(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		tx   Transaction
		want float64
	}{
		{"unknown start", Transaction{MeterLastWh: ptr(10.0)}, 0},
		{"running", Transaction{MeterStartWh: ptr(1000.0), MeterLastWh: ptr(1750.5)}, 750.5},
		{"stopped uses stop value", Transaction{MeterStartWh: ptr(1000.0), MeterLastWh: ptr(1500.0), MeterStopWh: ptr(1600.0)}, 600},
		{"meter went backwards", Transaction{MeterStartWh: ptr(1000.0), MeterLastWh: ptr(10.0)}, 0},
	} {
		if got := tc.tx.EnergyWh(); got != tc.want {
			t.Errorf("%s: EnergyWh = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestStartKey(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	a := StartKey(Start{EVSEID: 1, ConnectorID: 1, IDToken: "T1", StartedAt: at})
	if b := StartKey(Start{EVSEID: 1, ConnectorID: 1, IDToken: "T1", StartedAt: at.In(time.FixedZone("x", 3600))}); a != b {
		t.Fatalf("same instant in another zone gives another key: %q vs %q", a, b)
	}
	if b := StartKey(Start{EVSEID: 2, ConnectorID: 1, IDToken: "T1", StartedAt: at}); a == b {
		t.Fatal("different connectors share a key")
	}
	if got := StartKey(Start{StationTxID: "abc", EVSEID: 1}); got != "tx:abc" {
		t.Fatalf("2.0.1 key = %q, want tx:abc", got)
	}
}
