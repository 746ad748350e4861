package ocpptest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/gateway"
	"github.com/ladda-csms/ladda/ocpp/ocpptest"
	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
)

// carInterval is the meter interval of the stations of the car tests.
const carInterval = 40 * time.Millisecond

// upCar returns a station of version v with two connectors and a short meter interval, up on
// a fresh server which logs what the station sends and answers its NotifyEVChargingNeeds with
// needs (nil: not at all).
func upCar(t *testing.T, id, v string, needs answerFunc, change func(*ocpptest.Config)) (*testServer, *callLog, *ocpptest.Station) {
	t.Helper()
	log := &callLog{version: v}
	ts := newWrappedServer(t, func(d gateway.Dispatcher) gateway.Dispatcher {
		log.Dispatcher = d
		if needs != nil {
			log.Dispatcher = &answering{Dispatcher: d, answers: map[string]answerFunc{"NotifyEVChargingNeeds": needs}}
		}
		return log
	})
	ts.mustToken(t, "TAG-OK", charging.Accepted)
	st := ts.mustStation(t, id, v, func(c *ocpptest.Config) {
		c.MeterInterval = carInterval
		if change != nil {
			change(c)
		}
	})
	if err := st.Up(testContext(t)); err != nil {
		t.Fatal(err)
	}
	return ts, log, st
}

// driving starts a session on connector n and a car charging it; the returned channel
// gives Drive's result.
func driving(t *testing.T, ctx context.Context, st *ocpptest.Station, n int, car ocpptest.Car) (*ocpptest.Session, <-chan error) {
	t.Helper()
	sess, err := st.StartSession(ctx, n, "TAG-OK")
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- sess.Drive(ctx, car) }()
	return sess, errc
}

// driveResult waits (boundedly) for Drive's result.
func driveResult(t *testing.T, errc <-chan error) error {
	t.Helper()
	select {
	case err := <-errc:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("Drive did not return")
		return nil
	}
}

// carReading is a periodic meter reading the station sent for a car.
type carReading struct {
	powerW   float64
	currents string  // "L1=10 L2=10 L3=10"
	soc      float64 // -1 without one
	state    string  // 2.0.1 chargingState; "" in 1.6
}

// lastReading returns the last periodic meter reading the station sent, if any.
func lastReading(t *testing.T, log *callLog) (carReading, bool) {
	t.Helper()
	r := carReading{soc: -1}
	add := func(measurand, phase string, v float64) {
		switch measurand {
		case "Power.Active.Import":
			r.powerW = v
		case "Current.Import":
			if r.currents != "" {
				r.currents += " "
			}
			r.currents += fmt.Sprintf("%s=%v", phase, v)
		case "SoC":
			r.soc = v
		}
	}
	if log.version == ocpptest.V16 {
		sent := log.sent("MeterValues")
		for i := len(sent) - 1; i >= 0; i-- {
			var req v16.MeterValuesRequest
			if err := json.Unmarshal(sent[i], &req); err != nil {
				t.Fatal(err)
			}
			if len(req.MeterValue) == 0 || req.MeterValue[0].SampledValue[0].Context != v16.ReadingContextSamplePeriodic {
				continue
			}
			for _, sv := range req.MeterValue[0].SampledValue {
				v, err := strconv.ParseFloat(sv.Value, 64)
				if err != nil {
					t.Fatalf("sampled value %q: %v", sv.Value, err)
				}
				add(string(sv.Measurand), string(sv.Phase), v)
			}
			return r, true
		}
		return r, false
	}
	sent := log.sent("TransactionEvent")
	for i := len(sent) - 1; i >= 0; i-- {
		var req v201.TransactionEventRequest
		if err := json.Unmarshal(sent[i], &req); err != nil {
			t.Fatal(err)
		}
		if req.TriggerReason != v201.TriggerReasonMeterValuePeriodic {
			continue
		}
		for _, sv := range req.MeterValue[0].SampledValue {
			add(string(sv.Measurand), string(sv.Phase), sv.Value)
		}
		r.state = string(req.TransactionInfo.ChargingState)
		return r, true
	}
	return r, false
}

// announced returns the charging state the station last reported for connector 1 (1.6
// StatusNotification, 2.0.1 TransactionEvent with trigger ChargingStateChanged; Charging
// before any).
func announced(t *testing.T, log *callLog) string {
	t.Helper()
	if log.version == ocpptest.V16 {
		return log.last(t, 1)
	}
	state := "Charging"
	for _, p := range log.sent("TransactionEvent") {
		var req v201.TransactionEventRequest
		if err := json.Unmarshal(p, &req); err != nil {
			t.Fatal(err)
		}
		if req.TriggerReason == v201.TriggerReasonChargingStateChanged {
			state = string(req.TransactionInfo.ChargingState)
		}
	}
	return state
}

// currents is what a car of phases drawing a reports as Current.Import.
func currents(a float64, phases int) string {
	out := ""
	for i := range phases {
		if i > 0 {
			out += " "
		}
		out += fmt.Sprintf("L%d=%v", i+1, a)
	}
	return out
}

// TestCarFollowsTheLimit: a car draws the least of its maximum and the limit, pausing below
// its minimum, takes a new limit before the answer to the CALL that set it, and reports
// what it draws at the next meter interval.
func TestCarFollowsTheLimit(t *testing.T) {
	t.Parallel()
	cars := []struct {
		name string
		car  ocpptest.Car
	}{
		{"three phases", ocpptest.Car{MaxA: 16}},
		{"one phase", ocpptest.Car{MaxA: 32, Phases: 1}},
	}
	for _, v := range versions {
		for i, c := range cars {
			t.Run(v+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				ts, log, st := upCar(t, fmt.Sprintf("CP-CAR-%s-%d", v, i), v, nil, nil)
				ctx, cancel := context.WithCancel(testContext(t))
				defer cancel()
				sess, errc := driving(t, ctx, st, 1, c.car)
				phases := c.car.Phases
				if phases == 0 {
					phases = 3
				}
				steps := []struct {
					name  string
					do    func()
					limit float64 // 0: none
					state string
				}{
					{"no profile", func() {}, 0, "Charging"},
					{"a TxProfile of 10 A", func() {
						mustSetProfile(t, ts, st, 1, tp{id: 1, purpose: txProfile, tx: thisTx, periods: flat(10)})
					}, 10, "Charging"},
					{"the TxProfile at 4 A, below the car's minimum", func() {
						mustSetProfile(t, ts, st, 1, tp{id: 1, purpose: txProfile, tx: thisTx, periods: flat(4)})
					}, 4, "SuspendedEVSE"},
					{"the TxProfile gone, a station maximum of 8 A", func() {
						if got := clearProfiles(t, ts, st, clearing{id: ptr(1)}); got != "Accepted" {
							t.Fatalf("clearing the TxProfile: %s", got)
						}
						mustSetProfile(t, ts, st, 0, stationMax(2, 0, 8))
					}, 8, "Charging"},
					{"a default of 2300 W on one phase", func() {
						mustSetProfile(t, ts, st, 0, stationMax(2, 0, 40))
						mustSetProfile(t, ts, st, 1, tp{id: 3, purpose: txDefault, unit: "W", periods: []tpPeriod{{0, 2300, 1}}})
					}, 10, "Charging"},
					{"everything cleared", func() { clearProfiles(t, ts, st, clearing{}) }, 0, "Charging"},
				}
				for _, s := range steps {
					limit := s.limit
					if limit == 0 {
						limit = ocpptest.DefaultMaxCurrentA
					}
					want := min(c.car.MaxA, limit)
					if want < ocpptest.DefaultCarMinA {
						want = 0
					}
					s.do()
					if s.name == "no profile" {
						eventually(t, "the car charging", func() bool { return sess.CurrentA() == want })
					}
					// The car has the new limit once the answer is in.
					if got := sess.CurrentA(); got != want {
						t.Errorf("%s: CurrentA = %v, want %v", s.name, got, want)
					}
					wantW := want * ocpptest.PhaseVoltage * float64(phases)
					eventually(t, s.name+": the meter values", func() bool {
						r, ok := lastReading(t, log)
						return ok && r.powerW == wantW && r.currents == currents(want, phases) &&
							(v == ocpptest.V16 || r.state == s.state)
					})
					eventually(t, s.name+": the charging state", func() bool { return announced(t, log) == s.state })
				}
				if err := sess.Stop(ctx, "Local"); err != nil {
					t.Fatal(err)
				}
				if err := driveResult(t, errc); err != nil {
					t.Errorf("Drive after the stop: %v, want nil", err)
				}
				if got := sess.CurrentA(); got != 0 {
					t.Errorf("CurrentA after the stop = %v", got)
				}
			})
		}
	}
}

// TestCarWhenFull: a car stops drawing once it has what it needs, then leaves (the session
// stops with EVDisconnected) or stays at 0 A (SuspendedEV). Its SoC follows the energy.
func TestCarWhenFull(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		for _, leave := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/leave=%v", v, leave), func(t *testing.T) {
				t.Parallel()
				ts, log, st := upCar(t, fmt.Sprintf("CP-FULL-%s-%v", v, leave), v, nil, nil)
				ctx, cancel := context.WithCancel(testContext(t))
				defer cancel()
				// 2000 Wh at 11040 W, an hour a second: 0.18 s.
				car := ocpptest.Car{MaxA: 16, CapacityWh: 10000, StartSoC: 80, Speed: 3600, LeaveWhenFull: leave}
				sess, errc := driving(t, ctx, st, 1, car)
				if leave {
					if err := driveResult(t, errc); err != nil {
						t.Fatalf("Drive of a car that leaves: %v, want nil", err)
					}
					select {
					case <-sess.Done():
					default:
						t.Fatal("the session runs on after the car left")
					}
					eventually(t, "the stop stored", func() bool { return !ts.mustTransaction(t, st.ID(), sess.TransactionID).Active() })
					if tx := ts.mustTransaction(t, st.ID(), sess.TransactionID); tx.StopReason != "EVDisconnected" {
						t.Errorf("stop reason = %q, want EVDisconnected", tx.StopReason)
					}
				} else {
					eventually(t, "the car full", func() bool { return announced(t, log) == "SuspendedEV" })
					if got := sess.CurrentA(); got != 0 {
						t.Errorf("CurrentA of a full car = %v", got)
					}
					select {
					case err := <-errc:
						t.Fatalf("Drive of a car that stays returned %v", err)
					default:
					}
				}
				if got := sess.EnergyWh(); math.Abs(got-2000) > 1e-6 {
					t.Errorf("EnergyWh = %v, want the 2000 Wh the car needed", got)
				}
				eventually(t, "the full car's meter values", func() bool {
					r, ok := lastReading(t, log)
					return ok && r.soc == 100 && r.powerW == 0 && (v == ocpptest.V16 || r.state == "SuspendedEV")
				})
				if !leave {
					cancel()
					if err := driveResult(t, errc); !errors.Is(err, context.Canceled) {
						t.Errorf("Drive after its context ended: %v, want context.Canceled", err)
					}
				}
			})
		}
	}
}

// TestCarSpeed: energy counts at the power drawn times Car.Speed.
func TestCarSpeed(t *testing.T) {
	t.Parallel()
	_, _, st := upCar(t, "CP-SPEED", ocpptest.V16, nil, nil)
	ctx := testContext(t)

	// Half an hour at 11040 W at 7200 times the speed: 0.25 s.
	start := time.Now()
	fast, errc := driving(t, ctx, st, 1, ocpptest.Car{MaxA: 16, NeedWh: 5520, Speed: 7200, LeaveWhenFull: true})
	if err := driveResult(t, errc); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 250*time.Millisecond || took > 3*time.Second {
		t.Errorf("half an hour at 7200 times the speed took %v, want about 0.25 s", took)
	}
	if got := fast.EnergyWh(); math.Abs(got-5520) > 1e-6 {
		t.Errorf("EnergyWh = %v, want 5520", got)
	}

	// Without a speed, real time.
	ctx2, cancel := context.WithCancel(ctx)
	defer cancel()
	begin := time.Now()
	slow, errc := driving(t, ctx2, st, 2, ocpptest.Car{MaxA: 16})
	time.Sleep(200 * time.Millisecond)
	got, took := slow.EnergyWh(), time.Since(begin)
	if most := 11040 * took.Hours(); got <= 0 || got > most {
		t.Errorf("EnergyWh after %v at 11040 W = %v, want above 0 and no more than %v", took, got, most)
	}
	cancel()
	if err := driveResult(t, errc); !errors.Is(err, context.Canceled) {
		t.Errorf("Drive = %v, want context.Canceled", err)
	}
}

// TestNotifyNeeds: a 2.0.1 car tells the CSMS its needs; a 1.6 station has no such message.
func TestNotifyNeeds(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []v201.NotifyEVChargingNeedsRequest
	needs := func(_ context.Context, _ gateway.Peer, payload json.RawMessage) any {
		var req v201.NotifyEVChargingNeedsRequest
		if err := json.Unmarshal(payload, &req); err == nil {
			mu.Lock()
			got = append(got, req)
			mu.Unlock()
		}
		return &v201.NotifyEVChargingNeedsResponse{Status: v201.NotifyEVChargingNeedsStatusProcessing}
	}
	_, _, st := upCar(t, "CP-NEEDS", ocpptest.V201, needs, nil)
	ctx := testContext(t)
	sess, err := st.StartSession(ctx, 2, "TAG-OK")
	if err != nil {
		t.Fatal(err)
	}
	departure := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)
	tests := []struct {
		name  string
		needs ocpptest.ChargingNeeds
		want  v201.ChargingNeeds
	}{
		{"a single-phase car and its departure",
			ocpptest.ChargingNeeds{Car: ocpptest.Car{MaxA: 32, MinA: 8, Phases: 1, CapacityWh: 60000, StartSoC: 50, NeedWh: 20000}, Departure: departure},
			v201.ChargingNeeds{RequestedEnergyTransfer: v201.EnergyTransferModeACSinglePhase, DepartureTime: &departure,
				ACChargingParameters: &v201.ACChargingParameters{EnergyAmount: 20000, EVMinCurrent: 8, EVMaxCurrent: 32, EVMaxVoltage: 230}}},
		{"a three-phase car that fills its battery",
			ocpptest.ChargingNeeds{Car: ocpptest.Car{CapacityWh: 50000, StartSoC: 60}},
			v201.ChargingNeeds{RequestedEnergyTransfer: v201.EnergyTransferModeACThreePhase,
				ACChargingParameters: &v201.ACChargingParameters{EnergyAmount: 20000, EVMinCurrent: 6, EVMaxCurrent: 16, EVMaxVoltage: 230}}},
	}
	for i, tt := range tests {
		status, err := sess.NotifyNeeds(ctx, tt.needs)
		if err != nil || status != "Processing" {
			t.Errorf("%s: NotifyNeeds = %q, %v; want the CSMS's Processing", tt.name, status, err)
			continue
		}
		mu.Lock()
		req := got[i]
		mu.Unlock()
		wantJSON, _ := json.Marshal(&v201.NotifyEVChargingNeedsRequest{EVSEID: 2, ChargingNeeds: tt.want})
		gotJSON, _ := json.Marshal(&req)
		if string(gotJSON) != string(wantJSON) {
			t.Errorf("%s: sent %s, want %s", tt.name, gotJSON, wantJSON)
		}
	}
	if _, err := sess.NotifyNeeds(ctx, ocpptest.ChargingNeeds{}); err == nil {
		t.Error("NotifyNeeds of a car without a bounded need succeeded")
	}

	_, _, st16 := upCar(t, "CP-NEEDS-16", ocpptest.V16, nil, nil)
	sess16, err := st16.StartSession(ctx, 1, "TAG-OK")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sess16.NotifyNeeds(ctx, tests[0].needs); !errors.Is(err, ocpptest.ErrNotInVersion) {
		t.Errorf("NotifyNeeds in 1.6: %v, want ErrNotInVersion", err)
	}
}

// TestRemoteStartCar: with Config.Car, a remotely started session drives the car, which the
// remote start's TxProfile limits; the profile goes with the transaction.
func TestRemoteStartCar(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			ts, _, st := upCar(t, "CP-RCAR-"+v, v, nil, func(c *ocpptest.Config) { c.Car = &ocpptest.Car{MaxA: 20} })
			if v == ocpptest.V16 {
				n := 1
				var res v16.RemoteStartTransactionResponse
				checkedCall(t, ts, st, "RemoteStartTransaction", &v16.RemoteStartTransactionRequest{ConnectorID: &n, IDTag: "TAG-OK",
					ChargingProfile: &v16.ChargingProfile{ChargingProfileID: 7, StackLevel: 1, ChargingProfilePurpose: v16.ChargingProfilePurposeTxProfile,
						ChargingProfileKind: v16.ChargingProfileKindRelative, ChargingSchedule: v16.ChargingSchedule{ChargingRateUnit: v16.ChargingRateUnitA,
							ChargingSchedulePeriod: []v16.ChargingSchedulePeriod{{StartPeriod: 0, Limit: 10}}}}}, &res)
				if res.Status != v16.RemoteStartStopStatusAccepted {
					t.Fatalf("RemoteStartTransaction = %s", res.Status)
				}
			} else {
				n := 1
				var res v201.RequestStartTransactionResponse
				checkedCall(t, ts, st, "RequestStartTransaction", &v201.RequestStartTransactionRequest{EVSEID: &n, RemoteStartID: 1,
					IDToken: v201.IDToken{IDToken: "TAG-OK", Type: v201.IDTokenEnumCentral},
					ChargingProfile: &v201.ChargingProfile{ID: 7, StackLevel: 1, ChargingProfilePurpose: v201.ChargingProfilePurposeTxProfile,
						ChargingProfileKind: v201.ChargingProfileKindRelative, ChargingSchedule: []v201.ChargingSchedule{{ID: 1, ChargingRateUnit: v201.ChargingRateUnitA,
							ChargingSchedulePeriod: []v201.ChargingSchedulePeriod{{StartPeriod: 0, Limit: 10}}}}}}, &res)
				if res.Status != v201.RequestStartStopStatusAccepted {
					t.Fatalf("RequestStartTransaction = %s", res.Status)
				}
			}
			var sess *ocpptest.Session
			eventually(t, "the car charging at the profile's 10 A", func() bool {
				s, ok := st.Session(1)
				sess = s
				return ok && s.CurrentA() == 10
			})
			if a, ok := st.Limit(1); !ok || a != 10 {
				t.Errorf("Limit(1) = %v, %v; want the TxProfile's 10", a, ok)
			}
			if p := st.ChargingProfiles(1); len(p) != 1 || p[0].ID != 7 || p[0].Purpose != "TxProfile" || p[0].TransactionID != sess.TransactionID {
				t.Errorf("ChargingProfiles(1) = %+v, want the TxProfile 7 of %s", p, sess.TransactionID)
			}
			if err := sess.Stop(testContext(t), "Local"); err != nil {
				t.Fatal(err)
			}
			if p := st.ChargingProfiles(1); len(p) != 0 {
				t.Errorf("ChargingProfiles(1) after the transaction = %+v", p)
			}
		})
	}
}
