package ocpptest_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/ocpp/ocppj"
	"github.com/ladda-csms/ladda/ocpp/ocpptest"
	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
	"github.com/ladda-csms/ladda/station"
)

// mustCall sends a CALL from the server to a station and decodes the answer into res.
func mustCall(t testing.TB, ts *testServer, id, action string, req, res any) {
	t.Helper()
	payload, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	out, err := ts.Gateway.Call(testContext(t), id, action, payload)
	if err != nil {
		t.Fatalf("%s to %s: %v", action, id, err)
	}
	if err := json.Unmarshal(out, res); err != nil {
		t.Fatalf("%s answer %s: %v", action, out, err)
	}
}

// upStation returns a station that is up, of version v, on a fresh server.
func upStation(t *testing.T, id, v string, change func(*ocpptest.Config)) (*testServer, *ocpptest.Station) {
	t.Helper()
	ts := newTestServer(t)
	ts.mustToken(t, "TAG-OK", charging.Accepted)
	ts.mustToken(t, "TAG-BLOCKED", charging.Blocked)
	st := ts.mustStation(t, id, v, change)
	if err := st.Up(testContext(t)); err != nil {
		t.Fatal(err)
	}
	return ts, st
}

func TestConfiguration16(t *testing.T) {
	t.Parallel()
	ts, st := upStation(t, "CP-CONF", ocpptest.V16, nil)
	var all v16.GetConfigurationResponse
	mustCall(t, ts, st.ID(), "GetConfiguration", &v16.GetConfigurationRequest{}, &all)
	keys := map[string]v16.KeyValue{}
	for _, kv := range all.ConfigurationKey {
		keys[kv.Key] = kv
	}
	if kv := keys["HeartbeatInterval"]; kv.Value != "60" || kv.Readonly {
		t.Errorf("HeartbeatInterval = %+v, want the boot's 60, writable", kv)
	}
	if kv := keys["NumberOfConnectors"]; kv.Value != "2" || !kv.Readonly {
		t.Errorf("NumberOfConnectors = %+v, want 2, read-only", kv)
	}
	var some v16.GetConfigurationResponse
	mustCall(t, ts, st.ID(), "GetConfiguration", &v16.GetConfigurationRequest{Key: []string{"MeterValueSampleInterval", "NoSuchKey"}}, &some)
	if len(some.ConfigurationKey) != 1 || some.ConfigurationKey[0].Value != "60" || len(some.UnknownKey) != 1 || some.UnknownKey[0] != "NoSuchKey" {
		t.Errorf("GetConfiguration of two keys = %+v, want MeterValueSampleInterval 60 and NoSuchKey unknown", some)
	}

	tests := []struct {
		key, value string
		want       v16.ConfigurationStatus
	}{
		{"HeartbeatInterval", "30", v16.ConfigurationStatusAccepted},
		{"HeartbeatInterval", "soon", v16.ConfigurationStatusRejected},
		{"NumberOfConnectors", "4", v16.ConfigurationStatusRejected},
		{"AuthorizeRemoteTxRequests", "true", v16.ConfigurationStatusAccepted},
		{"NoSuchKey", "1", v16.ConfigurationStatusNotSupported},
	}
	for _, tt := range tests {
		var res v16.ChangeConfigurationResponse
		mustCall(t, ts, st.ID(), "ChangeConfiguration", &v16.ChangeConfigurationRequest{Key: tt.key, Value: tt.value}, &res)
		if res.Status != tt.want {
			t.Errorf("ChangeConfiguration %s=%s: %s, want %s", tt.key, tt.value, res.Status, tt.want)
		}
	}
	if st.HeartbeatInterval() != 30*time.Second {
		t.Errorf("HeartbeatInterval = %v after the change, want 30s", st.HeartbeatInterval())
	}
	if v, _ := st.Setting("NumberOfConnectors"); v != "2" {
		t.Errorf("read-only NumberOfConnectors changed to %s", v)
	}
}

func TestVariables201(t *testing.T) {
	t.Parallel()
	ts, st := upStation(t, "CP-VARS", ocpptest.V201, nil)
	comp := func(c, v string) (v201.Component, v201.Variable) {
		return v201.Component{Name: c}, v201.Variable{Name: v}
	}
	c1, v1 := comp("OCPPCommCtrlr", "HeartbeatInterval")
	c2, v2 := comp("OCPPCommCtrlr", "NoSuchVariable")
	c3, v3 := comp("NoSuchCtrlr", "HeartbeatInterval")
	var got v201.GetVariablesResponse
	mustCall(t, ts, st.ID(), "GetVariables", &v201.GetVariablesRequest{GetVariableData: []v201.GetVariableData{
		{Component: c1, Variable: v1},
		{Component: c2, Variable: v2},
		{Component: c3, Variable: v3},
		{Component: c1, Variable: v1, AttributeType: v201.AttributeTarget},
	}}, &got)
	want := []v201.GetVariableStatus{"Accepted", "UnknownVariable", "UnknownComponent", "NotSupportedAttributeType"}
	if len(got.GetVariableResult) != len(want) {
		t.Fatalf("GetVariables results = %+v, want %d", got.GetVariableResult, len(want))
	}
	for i, r := range got.GetVariableResult {
		if r.AttributeStatus != want[i] {
			t.Errorf("result %d = %s, want %s", i, r.AttributeStatus, want[i])
		}
	}
	if got.GetVariableResult[0].AttributeValue != "60" {
		t.Errorf("HeartbeatInterval = %q, want 60", got.GetVariableResult[0].AttributeValue)
	}

	cid, vid := comp("SecurityCtrlr", "Identity")
	var set v201.SetVariablesResponse
	mustCall(t, ts, st.ID(), "SetVariables", &v201.SetVariablesRequest{SetVariableData: []v201.SetVariableData{
		{Component: c1, Variable: v1, AttributeValue: "15"},
		{Component: cid, Variable: vid, AttributeValue: "other"},
		{Component: c2, Variable: v2, AttributeValue: "1"},
	}}, &set)
	wantSet := []v201.SetVariableStatus{"Accepted", "Rejected", "UnknownVariable"}
	for i, r := range set.SetVariableResult {
		if r.AttributeStatus != wantSet[i] {
			t.Errorf("set result %d = %s, want %s", i, r.AttributeStatus, wantSet[i])
		}
	}
	if st.HeartbeatInterval() != 15*time.Second {
		t.Errorf("HeartbeatInterval = %v after SetVariables, want 15s", st.HeartbeatInterval())
	}
}

func TestTriggerBootNotification(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			ts, st := upStation(t, "CP-TRIG-"+v, v, nil)
			var status string
			if v == ocpptest.V16 {
				var res v16.TriggerMessageResponse
				mustCall(t, ts, st.ID(), "TriggerMessage", &v16.TriggerMessageRequest{RequestedMessage: v16.MessageTriggerBootNotification}, &res)
				status = string(res.Status)
			} else {
				var res v201.TriggerMessageResponse
				mustCall(t, ts, st.ID(), "TriggerMessage", &v201.TriggerMessageRequest{RequestedMessage: v201.MessageTriggerBootNotification}, &res)
				status = string(res.Status)
			}
			if status != "Accepted" {
				t.Fatalf("TriggerMessage BootNotification = %s, want Accepted", status)
			}
			eventually(t, "the triggered boot", func() bool { return st.Boots() == 2 })
			if v == ocpptest.V201 {
				if got := ts.mustStationState(t, st.ID()).Boot.Reason; got != "Triggered" {
					t.Errorf("boot reason = %q, want Triggered", got)
				}
			}
		})
	}
}

func TestTriggerUnsupportedMessage(t *testing.T) {
	t.Parallel()
	ts, st := upStation(t, "CP-TRIG-NI", ocpptest.V201, nil)
	var res v201.TriggerMessageResponse
	mustCall(t, ts, st.ID(), "TriggerMessage", &v201.TriggerMessageRequest{RequestedMessage: v201.MessageTriggerPublishFirmwareStatusNotification}, &res)
	if res.Status != v201.TriggerMessageStatusNotImplemented {
		t.Errorf("TriggerMessage PublishFirmwareStatusNotification = %s, want NotImplemented", res.Status)
	}
	mustCall(t, ts, st.ID(), "TriggerMessage", &v201.TriggerMessageRequest{RequestedMessage: v201.MessageTriggerTransactionEvent}, &res)
	if res.Status != v201.TriggerMessageStatusRejected {
		t.Errorf("TriggerMessage TransactionEvent without a transaction = %s, want Rejected", res.Status)
	}
}

func TestRemoteStartStop(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			ts, st := upStation(t, "CP-REMOTE-"+v, v, nil)
			if v == ocpptest.V16 {
				var res v16.RemoteStartTransactionResponse
				mustCall(t, ts, st.ID(), "RemoteStartTransaction", &v16.RemoteStartTransactionRequest{IDTag: "TAG-OK"}, &res)
				if res.Status != v16.RemoteStartStopStatusAccepted {
					t.Fatalf("RemoteStartTransaction = %s", res.Status)
				}
			} else {
				var res v201.RequestStartTransactionResponse
				mustCall(t, ts, st.ID(), "RequestStartTransaction", &v201.RequestStartTransactionRequest{
					IDToken: v201.IDToken{IDToken: "TAG-OK", Type: v201.IDTokenEnumCentral}, RemoteStartID: 7}, &res)
				if res.Status != v201.RequestStartStopStatusAccepted {
					t.Fatalf("RequestStartTransaction = %s", res.Status)
				}
			}
			var sess *ocpptest.Session
			eventually(t, "the remote start", func() bool {
				s, ok := st.Session(1)
				sess = s
				return ok
			})
			if tx := ts.mustTransaction(t, st.ID(), sess.TransactionID); !tx.Active() || tx.IDToken != "TAG-OK" {
				t.Errorf("server transaction = %+v, want active with TAG-OK", tx)
			}

			if v == ocpptest.V16 {
				id, _ := strconv.Atoi(sess.TransactionID)
				var res v16.RemoteStopTransactionResponse
				mustCall(t, ts, st.ID(), "RemoteStopTransaction", &v16.RemoteStopTransactionRequest{TransactionID: id + 1000}, &res)
				if res.Status != v16.RemoteStartStopStatusRejected {
					t.Errorf("RemoteStopTransaction of an unknown transaction = %s, want Rejected", res.Status)
				}
				mustCall(t, ts, st.ID(), "RemoteStopTransaction", &v16.RemoteStopTransactionRequest{TransactionID: id}, &res)
				if res.Status != v16.RemoteStartStopStatusAccepted {
					t.Fatalf("RemoteStopTransaction = %s", res.Status)
				}
			} else {
				var res v201.RequestStopTransactionResponse
				mustCall(t, ts, st.ID(), "RequestStopTransaction", &v201.RequestStopTransactionRequest{TransactionID: sess.TransactionID}, &res)
				if res.Status != v201.RequestStartStopStatusAccepted {
					t.Fatalf("RequestStopTransaction = %s", res.Status)
				}
			}
			select {
			case <-sess.Done():
			case <-time.After(5 * time.Second):
				t.Fatal("the session did not stop after the remote stop")
			}
			eventually(t, "the stop to be stored", func() bool {
				return !ts.mustTransaction(t, st.ID(), sess.TransactionID).Active()
			})
			if tx := ts.mustTransaction(t, st.ID(), sess.TransactionID); tx.StopReason != "Remote" {
				t.Errorf("stop reason = %q, want Remote", tx.StopReason)
			}
		})
	}
}

func TestRemoteStartWithBlockedToken(t *testing.T) {
	t.Parallel()
	// Remote starts skip Authorize (AuthorizeRemoteTxRequests is false), so the CSMS's answer to
	// StartTransaction is the first to refuse the token: the station stops what it began.
	ts, st := upStation(t, "CP-REMOTE-BLOCKED", ocpptest.V16, nil)
	var res v16.RemoteStartTransactionResponse
	mustCall(t, ts, st.ID(), "RemoteStartTransaction", &v16.RemoteStartTransactionRequest{IDTag: "TAG-BLOCKED"}, &res)
	if res.Status != v16.RemoteStartStopStatusAccepted {
		t.Fatalf("RemoteStartTransaction = %s", res.Status)
	}
	var tx *charging.Transaction
	eventually(t, "the de-authorised transaction to be stopped", func() bool {
		txs, err := ts.Charging.Transactions(context.Background(), charging.TransactionFilter{})
		if err != nil || len(txs) != 1 || txs[0].Active() {
			return false
		}
		tx = txs[0]
		return true
	})
	if tx.StopReason != "DeAuthorized" || !tx.HasFlag(charging.FlagNotAuthorized) {
		t.Errorf("transaction stopped with %q, flags %v; want DeAuthorized, not-authorized", tx.StopReason, tx.Flags)
	}
	eventually(t, "the connector to be free", func() bool { _, ok := st.Session(1); return !ok })
}

func TestReset(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			ts, st := upStation(t, "CP-RESET-"+v, v, nil)
			sess, err := st.StartSession(testContext(t), 1, "TAG-OK")
			if err != nil {
				t.Fatal(err)
			}
			var status string
			if v == ocpptest.V16 {
				var res v16.ResetResponse
				mustCall(t, ts, st.ID(), "Reset", &v16.ResetRequest{Type: v16.ResetHard}, &res)
				status = string(res.Status)
			} else {
				var res v201.ResetResponse
				mustCall(t, ts, st.ID(), "Reset", &v201.ResetRequest{Type: v201.ResetImmediate}, &res)
				status = string(res.Status)
			}
			if status != "Accepted" {
				t.Fatalf("Reset = %s, want Accepted", status)
			}
			eventually(t, "the station to come up again", func() bool { return st.Boots() == 2 })
			tx := ts.mustTransaction(t, st.ID(), sess.TransactionID)
			want := map[string]string{ocpptest.V16: "HardReset", ocpptest.V201: "ImmediateReset"}[v]
			if tx.Active() || tx.StopReason != want {
				t.Errorf("transaction after the reset: active=%v reason=%q, want stopped with %s", tx.Active(), tx.StopReason, want)
			}
			if v == ocpptest.V201 {
				if got := ts.mustStationState(t, st.ID()).Boot.Reason; got != "RemoteReset" {
					t.Errorf("boot reason after the reset = %q, want RemoteReset", got)
				}
			}
		})
	}
}

func TestResetOnIdleWaitsForTheSession(t *testing.T) {
	t.Parallel()
	ts, st := upStation(t, "CP-RESET-IDLE", ocpptest.V201, nil)
	ctx := testContext(t)
	sess, err := st.StartSession(ctx, 2, "TAG-OK")
	if err != nil {
		t.Fatal(err)
	}
	var res v201.ResetResponse
	mustCall(t, ts, st.ID(), "Reset", &v201.ResetRequest{Type: v201.ResetOnIdle}, &res)
	if res.Status != v201.ResetStatusScheduled {
		t.Fatalf("Reset OnIdle during a session = %s, want Scheduled", res.Status)
	}
	if st.Boots() != 1 {
		t.Fatalf("the station reset before its session ended")
	}
	if err := sess.Stop(ctx, "Local"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the scheduled reset", func() bool { return st.Boots() == 2 })
}

func TestChangeAvailability(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			ts, st := upStation(t, "CP-AVAIL-"+v, v, nil)
			ctx := testContext(t)
			sess, err := st.StartSession(ctx, 2, "TAG-OK")
			if err != nil {
				t.Fatal(err)
			}
			change := func(n int, inoperative bool) string {
				if v == ocpptest.V16 {
					typ := v16.AvailabilityOperative
					if inoperative {
						typ = v16.AvailabilityInoperative
					}
					var res v16.ChangeAvailabilityResponse
					mustCall(t, ts, st.ID(), "ChangeAvailability", &v16.ChangeAvailabilityRequest{ConnectorID: n, Type: typ}, &res)
					return string(res.Status)
				}
				typ := v201.OperationalStatusOperative
				if inoperative {
					typ = v201.OperationalStatusInoperative
				}
				var res v201.ChangeAvailabilityResponse
				mustCall(t, ts, st.ID(), "ChangeAvailability", &v201.ChangeAvailabilityRequest{EVSE: &v201.EVSE{ID: n}, OperationalStatus: typ}, &res)
				return string(res.Status)
			}
			if got := change(1, true); got != "Accepted" {
				t.Errorf("Inoperative on a free connector = %s, want Accepted", got)
			}
			if got := change(2, true); got != "Scheduled" {
				t.Errorf("Inoperative on a charging connector = %s, want Scheduled", got)
			}
			if got := change(3, true); got != "Rejected" {
				t.Errorf("Inoperative on connector 3 of 2 = %s, want Rejected", got)
			}
			status := func(evse int) station.ConnectorStatus {
				return ts.mustStationState(t, st.ID()).EVSEs[evse-1].Connectors[0].Status
			}
			eventually(t, "connector 1 to be reported Unavailable", func() bool { return status(1) == "Unavailable" })
			if _, err := st.StartSession(ctx, 1, "TAG-OK"); !errors.Is(err, ocpptest.ErrUnavailable) {
				t.Errorf("start on an inoperative connector = %v, want ErrUnavailable", err)
			}
			if err := sess.Stop(ctx, "Local"); err != nil {
				t.Fatal(err)
			}
			if got := status(2); got != "Unavailable" {
				t.Errorf("connector 2 after its session = %s, want the scheduled Unavailable", got)
			}
			if got := change(0, false); got != "Accepted" {
				t.Errorf("Operative for the station = %s, want Accepted", got)
			}
			eventually(t, "both connectors Available", func() bool { return status(1) == "Available" && status(2) == "Available" })
		})
	}
}

func TestHooks(t *testing.T) {
	t.Parallel()
	var seen atomic.Int32
	hook := func(_ context.Context, action string, _ json.RawMessage) ocpptest.Answer {
		seen.Add(1)
		switch action {
		case "Reset":
			return ocpptest.Answer{Refuse: true}
		case "ChangeAvailability":
			return ocpptest.Answer{Error: ocppj.Errorf(ocppj.FaultInternal, "on fire")}
		case "TriggerMessage":
			return ocpptest.Answer{Delay: 100 * time.Millisecond}
		}
		return ocpptest.Answer{}
	}
	ts, st := upStation(t, "CP-HOOK", ocpptest.V16, func(c *ocpptest.Config) { c.Hook = hook })

	var reset v16.ResetResponse
	mustCall(t, ts, st.ID(), "Reset", &v16.ResetRequest{Type: v16.ResetSoft}, &reset)
	if reset.Status != v16.ResetStatusRejected {
		t.Errorf("refused Reset = %s, want Rejected", reset.Status)
	}

	ctx := testContext(t)
	payload, _ := json.Marshal(&v16.ChangeAvailabilityRequest{ConnectorID: 0, Type: v16.AvailabilityInoperative})
	_, err := ts.Gateway.Call(ctx, st.ID(), "ChangeAvailability", payload)
	var cerr *ocppj.Error
	if !errors.As(err, &cerr) || cerr.Code != ocppj.CodeInternalError || cerr.Description != "on fire" {
		t.Errorf("ChangeAvailability with a hook error = %v, want InternalError \"on fire\"", err)
	}

	start := time.Now()
	payload, _ = json.Marshal(&v16.TriggerMessageRequest{RequestedMessage: v16.MessageTriggerHeartbeat})
	if _, err := ts.Gateway.Call(ctx, st.ID(), "TriggerMessage", payload); err != nil {
		t.Errorf("delayed TriggerMessage: %v", err)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("TriggerMessage answered after %v, before the hook's 100ms delay", d)
	}

	_, err = ts.Gateway.Call(ctx, st.ID(), "GetChargingProfiles", json.RawMessage(`{}`)) // 2.0.1 only
	if !errors.As(err, &cerr) || cerr.Code != ocppj.CodeNotImplemented {
		t.Errorf("GetChargingProfiles to a 1.6 station = %v, want NotImplemented", err)
	}
	if seen.Load() != 4 {
		t.Errorf("hook saw %d calls, want 4", seen.Load())
	}
	if st.Boots() != 1 {
		t.Errorf("a refused Reset rebooted the station")
	}
}

// TestDisplayMessages: a 2.0.1 station keeps the messages it is given, reports the ones asked
// for in NotifyDisplayMessages (stored by the server as a station report), and clears them.
func TestDisplayMessages(t *testing.T) {
	t.Parallel()
	ts, st := upStation(t, "CP-DISPLAY", ocpptest.V201, nil)
	sess, err := st.StartSession(testContext(t), 1, "TAG-OK")
	if err != nil {
		t.Fatalf("starting a session: %v", err)
	}
	msg := func(id int, p v201.MessagePriority, state v201.MessageState, tx string) v201.MessageInfo {
		return v201.MessageInfo{ID: id, Priority: p, State: state, TransactionID: tx,
			Message: v201.MessageContent{Format: v201.MessageFormatUTF8, Language: "en", Content: "message " + strconv.Itoa(id)}}
	}
	sets := []struct {
		name string
		msg  v201.MessageInfo
		want v201.DisplayMessageStatus
	}{
		{"front", msg(1, v201.MessagePriorityAlwaysFront, "", ""), v201.DisplayMessageStatusAccepted},
		{"while charging", msg(2, v201.MessagePriorityNormalCycle, v201.MessageStateCharging, ""), v201.DisplayMessageStatusAccepted},
		{"in the transaction", msg(3, v201.MessagePriorityInFront, "", sess.TransactionID), v201.DisplayMessageStatusAccepted},
		{"replaces 1", msg(1, v201.MessagePriorityInFront, v201.MessageStateIdle, ""), v201.DisplayMessageStatusAccepted},
		{"unknown priority", msg(4, "Sometimes", "", ""), v201.DisplayMessageStatusNotSupportedPriority},
		{"unknown state", msg(4, v201.MessagePriorityInFront, "Sleeping", ""), v201.DisplayMessageStatusNotSupportedState},
		{"unknown transaction", msg(4, v201.MessagePriorityInFront, "", "no-such-tx"), v201.DisplayMessageStatusUnknownTransaction},
	}
	for _, tt := range sets {
		var res v201.SetDisplayMessageResponse
		mustCall(t, ts, st.ID(), "SetDisplayMessage", &v201.SetDisplayMessageRequest{Message: tt.msg}, &res)
		if res.Status != tt.want {
			t.Errorf("SetDisplayMessage %s = %s, want %s", tt.name, res.Status, tt.want)
		}
	}
	shown := st.DisplayMessages()
	if len(shown) != 3 || shown[0].ID != 1 || shown[0].Priority != v201.MessagePriorityInFront || shown[1].ID != 2 || shown[2].ID != 3 {
		t.Fatalf("station shows %+v, want 1 (replaced, InFront), 2 and 3", shown)
	}

	// reported lists the ids of the NotifyDisplayMessages the server stored for requestID.
	reported := func(requestID int) []int {
		action := "NotifyDisplayMessages"
		found, err := ts.Stations.Reports(testContext(t), station.ReportFilter{StationID: ladda.StationID(st.ID()), Action: &action, Limit: 10})
		if err != nil {
			t.Fatalf("reports: %v", err)
		}
		for _, r := range found {
			var n v201.NotifyDisplayMessagesRequest
			if err := json.Unmarshal(r.Payload, &n); err != nil {
				t.Fatalf("report payload %s: %v", r.Payload, err)
			}
			if n.RequestID == requestID {
				ids := []int{}
				for _, m := range n.MessageInfo {
					ids = append(ids, m.ID)
				}
				return ids
			}
		}
		return nil
	}
	gets := []struct {
		name string
		req  v201.GetDisplayMessagesRequest
		want []int // nil: Unknown
	}{
		{"all", v201.GetDisplayMessagesRequest{}, []int{1, 2, 3}},
		{"by id", v201.GetDisplayMessagesRequest{ID: []int{3, 9}}, []int{3}},
		{"by priority", v201.GetDisplayMessagesRequest{Priority: v201.MessagePriorityInFront}, []int{1, 3}},
		{"by state", v201.GetDisplayMessagesRequest{State: v201.MessageStateCharging}, []int{2}},
		{"by priority and state", v201.GetDisplayMessagesRequest{Priority: v201.MessagePriorityInFront, State: v201.MessageStateCharging}, nil},
		{"unknown id", v201.GetDisplayMessagesRequest{ID: []int{9}}, nil},
	}
	for i, tt := range gets {
		tt.req.RequestID = 100 + i
		var res v201.GetDisplayMessagesResponse
		mustCall(t, ts, st.ID(), "GetDisplayMessages", &tt.req, &res)
		if tt.want == nil {
			if res.Status != v201.GetDisplayMessagesStatusUnknown {
				t.Errorf("GetDisplayMessages %s = %s, want Unknown", tt.name, res.Status)
			}
			continue
		}
		if res.Status != v201.GetDisplayMessagesStatusAccepted {
			t.Errorf("GetDisplayMessages %s = %s, want Accepted", tt.name, res.Status)
			continue
		}
		var got []int
		eventually(t, "NotifyDisplayMessages for "+tt.name, func() bool { got = reported(tt.req.RequestID); return got != nil })
		if !slices.Equal(got, tt.want) {
			t.Errorf("GetDisplayMessages %s reported %v, want %v", tt.name, got, tt.want)
		}
	}

	clears := []struct {
		id   int
		want v201.ClearMessageStatus
	}{
		{2, v201.ClearMessageStatusAccepted},
		{2, v201.ClearMessageStatusUnknown},
		{9, v201.ClearMessageStatusUnknown},
	}
	for _, tt := range clears {
		var res v201.ClearDisplayMessageResponse
		mustCall(t, ts, st.ID(), "ClearDisplayMessage", &v201.ClearDisplayMessageRequest{ID: tt.id}, &res)
		if res.Status != tt.want {
			t.Errorf("ClearDisplayMessage %d = %s, want %s", tt.id, res.Status, tt.want)
		}
	}
	if shown := st.DisplayMessages(); len(shown) != 2 || shown[0].ID != 1 || shown[1].ID != 3 {
		t.Errorf("station shows %+v after clearing 2, want 1 and 3", shown)
	}
}

// TestDisplayMessagesRefused: a refusing station rejects new messages, reports none and keeps
// the ones it has.
func TestDisplayMessagesRefused(t *testing.T) {
	t.Parallel()
	var refuse atomic.Bool
	hook := func(context.Context, string, json.RawMessage) ocpptest.Answer {
		return ocpptest.Answer{Refuse: refuse.Load()}
	}
	ts, st := upStation(t, "CP-DISPLAY-NO", ocpptest.V201, func(c *ocpptest.Config) { c.Hook = hook })
	m := v201.MessageInfo{ID: 5, Priority: v201.MessagePriorityNormalCycle, Message: v201.MessageContent{Format: v201.MessageFormatASCII, Content: "hello"}}
	var set v201.SetDisplayMessageResponse
	mustCall(t, ts, st.ID(), "SetDisplayMessage", &v201.SetDisplayMessageRequest{Message: m}, &set)
	if set.Status != v201.DisplayMessageStatusAccepted {
		t.Fatalf("SetDisplayMessage = %s, want Accepted", set.Status)
	}
	refuse.Store(true)
	m.ID = 6
	mustCall(t, ts, st.ID(), "SetDisplayMessage", &v201.SetDisplayMessageRequest{Message: m}, &set)
	if set.Status != v201.DisplayMessageStatusRejected {
		t.Errorf("refused SetDisplayMessage = %s, want Rejected", set.Status)
	}
	var get v201.GetDisplayMessagesResponse
	mustCall(t, ts, st.ID(), "GetDisplayMessages", &v201.GetDisplayMessagesRequest{RequestID: 1}, &get)
	if get.Status != v201.GetDisplayMessagesStatusUnknown {
		t.Errorf("refused GetDisplayMessages = %s, want Unknown", get.Status)
	}
	var cleared v201.ClearDisplayMessageResponse
	mustCall(t, ts, st.ID(), "ClearDisplayMessage", &v201.ClearDisplayMessageRequest{ID: 5}, &cleared)
	if cleared.Status != v201.ClearMessageStatusUnknown {
		t.Errorf("refused ClearDisplayMessage = %s, want Unknown", cleared.Status)
	}
	if shown := st.DisplayMessages(); len(shown) != 1 || shown[0].ID != 5 || shown[0].Message.Content != "hello" {
		t.Errorf("station shows %+v, want only message 5", shown)
	}
}

// listStep is one SendLocalList of TestLocalList, in version-neutral words.
type listStep struct {
	name    string
	version int
	full    bool
	entries map[string]string // token → status; "" removes it (Differential)
	refuse  bool
	want    string            // the answer's status
	wantVer int               // the station's version afterwards
	wantSt  map[string]string // the station's list afterwards, token → status
}

// sendList sends step as the station's version has it and returns the answered status.
func sendList(t *testing.T, ts *testServer, st *ocpptest.Station, step listStep) string {
	t.Helper()
	tokens := slices.Sorted(maps.Keys(step.entries))
	update16, update201 := v16.UpdateDifferential, v201.UpdateDifferential
	if step.full {
		update16, update201 = v16.UpdateFull, v201.UpdateFull
	}
	if st.Version() == ocpptest.V16 {
		req := &v16.SendLocalListRequest{ListVersion: step.version, UpdateType: update16}
		for _, tok := range tokens {
			d := v16.AuthorizationData{IDTag: tok}
			if status := step.entries[tok]; status != "" {
				d.IDTagInfo = &v16.IDTagInfo{Status: v16.AuthorizationStatus(status)}
			}
			req.LocalAuthorizationList = append(req.LocalAuthorizationList, d)
		}
		var res v16.SendLocalListResponse
		mustCall(t, ts, st.ID(), "SendLocalList", req, &res)
		return string(res.Status)
	}
	req := &v201.SendLocalListRequest{VersionNumber: step.version, UpdateType: update201}
	for _, tok := range tokens {
		d := v201.AuthorizationData{IDToken: v201.IDToken{IDToken: tok, Type: v201.IDTokenEnumISO14443}}
		if status := step.entries[tok]; status != "" {
			d.IDTokenInfo = &v201.IDTokenInfo{Status: v201.AuthorizationStatus(status)}
		}
		req.LocalAuthorizationList = append(req.LocalAuthorizationList, d)
	}
	var res v201.SendLocalListResponse
	mustCall(t, ts, st.ID(), "SendLocalList", req, &res)
	return string(res.Status)
}

// listVersion asks the station for its local list version.
func listVersion(t *testing.T, ts *testServer, st *ocpptest.Station) int {
	t.Helper()
	if st.Version() == ocpptest.V16 {
		var res v16.GetLocalListVersionResponse
		mustCall(t, ts, st.ID(), "GetLocalListVersion", &v16.GetLocalListVersionRequest{}, &res)
		return res.ListVersion
	}
	var res v201.GetLocalListVersionResponse
	mustCall(t, ts, st.ID(), "GetLocalListVersion", &v201.GetLocalListVersionRequest{}, &res)
	return res.VersionNumber
}

// TestLocalList: a station keeps its local authorisation list: a Full update replaces it, a
// Differential one changes and removes tokens if its version is newer, a refused one changes
// nothing; GetLocalListVersion reports the version (0 before any list).
func TestLocalList(t *testing.T) {
	t.Parallel()
	steps := []listStep{
		{name: "full", version: 1, full: true, entries: map[string]string{"A": "Accepted", "B": "Accepted", "C": "Blocked"},
			want: "Accepted", wantVer: 1, wantSt: map[string]string{"A": "Accepted", "B": "Accepted", "C": "Blocked"}},
		{name: "differential", version: 2, entries: map[string]string{"A": "Blocked", "B": "", "D": "Expired"},
			want: "Accepted", wantVer: 2, wantSt: map[string]string{"A": "Blocked", "C": "Blocked", "D": "Expired"}},
		{name: "differential, same version", version: 2, entries: map[string]string{"C": ""},
			want: "VersionMismatch", wantVer: 2, wantSt: map[string]string{"A": "Blocked", "C": "Blocked", "D": "Expired"}},
		{name: "differential, older version", version: 1, entries: map[string]string{"E": "Accepted"},
			want: "VersionMismatch", wantVer: 2, wantSt: map[string]string{"A": "Blocked", "C": "Blocked", "D": "Expired"}},
		{name: "refused", version: 3, entries: map[string]string{"C": ""}, refuse: true,
			want: "Failed", wantVer: 2, wantSt: map[string]string{"A": "Blocked", "C": "Blocked", "D": "Expired"}},
		{name: "full without a status", version: 3, full: true, entries: map[string]string{"E": "Accepted", "F": ""},
			want: "Failed", wantVer: 2, wantSt: map[string]string{"A": "Blocked", "C": "Blocked", "D": "Expired"}},
		{name: "removing an unknown token", version: 3, entries: map[string]string{"Z": ""},
			want: "Accepted", wantVer: 3, wantSt: map[string]string{"A": "Blocked", "C": "Blocked", "D": "Expired"}},
		{name: "full, lower version", version: 1, full: true, entries: map[string]string{"E": "Accepted"},
			want: "Accepted", wantVer: 1, wantSt: map[string]string{"E": "Accepted"}},
		{name: "full, empty", version: 5, full: true,
			want: "Accepted", wantVer: 5, wantSt: map[string]string{}},
	}
	for _, v := range []string{ocpptest.V16, ocpptest.V201} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			var refuse atomic.Bool
			hook := func(context.Context, string, json.RawMessage) ocpptest.Answer {
				return ocpptest.Answer{Refuse: refuse.Load()}
			}
			ts, st := upStation(t, "CP-LIST-"+strings.ReplaceAll(v, ".", ""), v, func(c *ocpptest.Config) { c.Hook = hook })
			if got := listVersion(t, ts, st); got != 0 {
				t.Errorf("version before any list = %d, want 0", got)
			}
			for _, step := range steps {
				refuse.Store(step.refuse)
				if got := sendList(t, ts, st, step); got != step.want {
					t.Errorf("%s: answered %s, want %s", step.name, got, step.want)
				}
				refuse.Store(false)
				version, tokens := st.LocalList()
				if version != step.wantVer || !slices.Equal(tokens, slices.Sorted(maps.Keys(step.wantSt))) {
					t.Errorf("%s: station has version %d, tokens %v; want %d, %v", step.name, version, tokens, step.wantVer, slices.Sorted(maps.Keys(step.wantSt)))
				}
				for tok, want := range step.wantSt {
					if got, ok := st.LocalListStatus(tok); !ok || got != want {
						t.Errorf("%s: token %s has status %q (%v), want %s", step.name, tok, got, ok, want)
					}
				}
				if got := listVersion(t, ts, st); got != step.wantVer {
					t.Errorf("%s: GetLocalListVersion = %d, want %d", step.name, got, step.wantVer)
				}
			}
			if _, ok := st.LocalListStatus("B"); ok {
				t.Errorf("removed token B is still in the list")
			}
		})
	}
}
