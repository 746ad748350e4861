package ocpptest_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/gateway"
	"github.com/ladda-csms/ladda/ocpp/ocppj"
	"github.com/ladda-csms/ladda/ocpp/ocpptest"
	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
)

// testFinalCost is the total cost the test CSMS of TestCosts201 answers every TransactionEvent
// Ended with.
const testFinalCost = 7.35

// costing is a test CSMS that lets the router answer everything and adds testFinalCost to its
// answers to TransactionEvent Ended.
type costing struct{ gateway.Dispatcher }

// HandleCall passes the CALL on and adds the total cost to the answer of an Ended event.
func (c costing) HandleCall(ctx context.Context, p gateway.Peer, action string, payload json.RawMessage) (json.RawMessage, *ocppj.Error) {
	out, cerr := c.Dispatcher.HandleCall(ctx, p, action, payload)
	var req v201.TransactionEventRequest
	if cerr != nil || action != "TransactionEvent" || json.Unmarshal(payload, &req) != nil || req.EventType != v201.TransactionEventEnded {
		return out, cerr
	}
	var res v201.TransactionEventResponse
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, ocppj.Errorf(ocppj.FaultInternal, "the router's answer: %v", err)
	}
	total := testFinalCost
	res.TotalCost = &total
	out, err := json.Marshal(&res)
	if err != nil {
		return nil, ocppj.Errorf(ocppj.FaultInternal, "encoding the answer: %v", err)
	}
	return out, nil
}

// TestCosts201: the station keeps the last CostUpdated of each transaction, and the total cost
// of the answer to its TransactionEvent Ended.
func TestCosts201(t *testing.T) {
	t.Parallel()
	ts := newWrappedServer(t, func(d gateway.Dispatcher) gateway.Dispatcher { return costing{d} })
	ts.mustToken(t, "TAG-OK", charging.Accepted)
	st := ts.mustStation(t, "CP-COST", ocpptest.V201, nil)
	ctx := testContext(t)
	if err := st.Up(ctx); err != nil {
		t.Fatal(err)
	}
	sess, err := st.StartSession(ctx, 1, "TAG-OK")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st.Cost(sess.TransactionID); ok {
		t.Error("a cost before any CostUpdated")
	}
	for _, c := range []float64{1.25, 2.5} {
		var res v201.CostUpdatedResponse
		checkedCall(t, ts, st, "CostUpdated", &v201.CostUpdatedRequest{TotalCost: c, TransactionID: sess.TransactionID}, &res)
		if got, ok := st.Cost(sess.TransactionID); !ok || got != c {
			t.Errorf("Cost after CostUpdated %v = %v, %v", c, got, ok)
		}
	}
	if _, ok := st.FinalCost(sess.TransactionID); ok {
		t.Error("a final cost while the transaction runs")
	}
	if err := sess.Stop(ctx, "Local"); err != nil {
		t.Fatal(err)
	}
	if got, ok := st.FinalCost(sess.TransactionID); !ok || got != testFinalCost {
		t.Errorf("FinalCost = %v, %v; want the answer's %v", got, ok, testFinalCost)
	}
	if got, _ := st.Cost(sess.TransactionID); got != 2.5 {
		t.Errorf("Cost after the end = %v, want the last CostUpdated's 2.5", got)
	}
	if _, ok := st.Cost("NO-SUCH-TX"); ok {
		t.Error("a cost of a transaction nobody priced")
	}
}

// TestRemoteStartProfile: a remote start with a TxProfile is accepted and its session keeps
// the profile; one with another purpose, or with a transaction id, is Rejected and starts
// nothing; a session started without a profile has none.
func TestRemoteStartProfile(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			ts, st := upStation(t, "CP-PROF-"+v, v, func(c *ocpptest.Config) { c.Connectors = 2 })
			// start remote-starts connector n with a profile of purpose (none when ""), with a
			// transaction id when withTx, and returns the status and the profile sent.
			start := func(n int, purpose string, withTx bool) (string, any) {
				if v == ocpptest.V16 {
					req := &v16.RemoteStartTransactionRequest{ConnectorID: &n, IDTag: "TAG-OK"}
					if purpose != "" {
						req.ChargingProfile = &v16.ChargingProfile{ChargingProfileID: 7, StackLevel: 1,
							ChargingProfilePurpose: v16.ChargingProfilePurpose(purpose), ChargingProfileKind: v16.ChargingProfileKindRelative,
							ChargingSchedule: v16.ChargingSchedule{ChargingRateUnit: v16.ChargingRateUnitA,
								ChargingSchedulePeriod: []v16.ChargingSchedulePeriod{{StartPeriod: 0, Limit: 16}, {StartPeriod: 600, Limit: 10.5}}}}
						if withTx {
							tx := 12
							req.ChargingProfile.TransactionID = &tx
						}
					}
					var res v16.RemoteStartTransactionResponse
					checkedCall(t, ts, st, "RemoteStartTransaction", req, &res)
					return string(res.Status), req.ChargingProfile
				}
				req := &v201.RequestStartTransactionRequest{EVSEID: &n, RemoteStartID: 40 + n,
					IDToken: v201.IDToken{IDToken: "TAG-OK", Type: v201.IDTokenEnumISO14443}}
				if purpose != "" {
					req.ChargingProfile = &v201.ChargingProfile{ID: 7, StackLevel: 1,
						ChargingProfilePurpose: v201.ChargingProfilePurpose(purpose), ChargingProfileKind: v201.ChargingProfileKindRelative,
						ChargingSchedule: []v201.ChargingSchedule{{ID: 1, ChargingRateUnit: v201.ChargingRateUnitW,
							ChargingSchedulePeriod: []v201.ChargingSchedulePeriod{{StartPeriod: 0, Limit: 11000}, {StartPeriod: 600, Limit: 7400.5}}}}}
					if withTx {
						req.ChargingProfile.TransactionID = "TX-OTHER"
					}
				}
				var res v201.RequestStartTransactionResponse
				checkedCall(t, ts, st, "RequestStartTransaction", req, &res)
				return string(res.Status), req.ChargingProfile
			}

			for _, tt := range []struct {
				purpose string
				withTx  bool
			}{{"TxDefaultProfile", false}, {"ChargePointMaxProfile", false}, {"ChargingStationMaxProfile", false}, {"TxProfile", true}} {
				if tt.purpose == "ChargePointMaxProfile" && v == ocpptest.V201 || tt.purpose == "ChargingStationMaxProfile" && v == ocpptest.V16 {
					continue
				}
				if status, _ := start(1, tt.purpose, tt.withTx); status != "Rejected" {
					t.Errorf("remote start with a %s (transaction id %v) = %s, want Rejected", tt.purpose, tt.withTx, status)
				}
			}
			if status, _ := start(2, "", false); status != "Accepted" {
				t.Fatalf("remote start without a profile = %s, want Accepted", status)
			}
			eventually(t, "the session without a profile started", func() bool { _, ok := st.Session(2); return ok })
			if _, ok := st.Session(1); ok {
				t.Error("a rejected remote start started a session")
			}
			if p, ok := st.SessionProfile(2); ok {
				t.Errorf("a session without a profile has %s", p)
			}

			status, sent := start(1, "TxProfile", false)
			if status != "Accepted" {
				t.Fatalf("remote start with a TxProfile = %s, want Accepted", status)
			}
			eventually(t, "the session with a profile started", func() bool { _, ok := st.Session(1); return ok })
			got, ok := st.SessionProfile(1)
			want, err := json.Marshal(sent)
			if err != nil {
				t.Fatal(err)
			}
			if !ok || string(got) != string(want) {
				t.Errorf("SessionProfile(1) = %s, %v; want %s", got, ok, want)
			}
			if _, ok := st.SessionProfile(3); ok {
				t.Error("a profile of a connector the station lacks")
			}
		})
	}
}
