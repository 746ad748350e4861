package ocpp_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/ocpp"
	"github.com/ladda-csms/ladda/ocpp/ocppj"
	"github.com/ladda-csms/ladda/ocpp/ocpptest"
	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
	"github.com/ladda-csms/ladda/station"
)

// connectSimulated registers and connects a simulated station of the given version.
func connectSimulated(t *testing.T, f *fixture, id, version string, hook ocpptest.Hook) {
	t.Helper()
	ctx := context.Background()
	if _, _, err := f.stations.Register(ctx, station.NewStation{ID: ladda.StationID(id), Password: "s3cret-pass-cmd1"}); err != nil {
		t.Fatal(err)
	}
	st, err := ocpptest.New(ocpptest.Config{URL: strings.TrimSuffix(f.url, "/"), ID: id, Password: "s3cret-pass-cmd1", Version: version, Hook: hook, DisableHeartbeat: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Up(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestCommanderSendsValidatedCommands(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 65536)
	cmd := ocpp.NewCommander(f.gateway, f.validator, nil)
	ctx := context.Background()
	refuseUnlock := func(_ context.Context, action string, _ json.RawMessage) ocpptest.Answer {
		if action == "UnlockConnector" {
			return ocpptest.Answer{Error: ocppj.Errorf(ocppj.FaultNotSupported, "no locks here")}
		}
		return ocpptest.Answer{}
	}
	connectSimulated(t, f, "CMD-16", ocpptest.V16, refuseUnlock)
	connectSimulated(t, f, "CMD-201", ocpptest.V201, nil)

	var cfg v16.GetConfigurationResponse
	if err := cmd.Send(ctx, "CMD-16", "GetConfiguration", &v16.GetConfigurationRequest{}, &cfg); err != nil {
		t.Fatalf("GetConfiguration: %v", err)
	}
	if len(cfg.ConfigurationKey) == 0 {
		t.Fatal("GetConfiguration answered no keys")
	}
	var reset v201.ResetResponse
	if err := cmd.Send(ctx, "CMD-201", "Reset", &v201.ResetRequest{Type: v201.ResetImmediate}, &reset); err != nil || reset.Status != v201.ResetStatusAccepted {
		t.Fatalf("2.0.1 Reset = %+v, %v", reset, err)
	}

	for _, tc := range []struct {
		name    string
		station ladda.StationID
		action  string
		request any
		kind    ladda.Kind
		message string
	}{
		{"offline station", "NOBODY", "Reset", &v16.ResetRequest{Type: v16.ResetHard}, ladda.Conflict, "not connected"},
		{"action of the other version", "CMD-16", "GetVariables", &v201.GetVariablesRequest{}, ladda.Invalid, "has no action GetVariables"},
		{"request breaking the schema", "CMD-16", "Reset", &v16.ResetRequest{Type: "Sideways"}, ladda.Invalid, "Reset for OCPP 1.6"},
		{"station answers CALLERROR", "CMD-16", "UnlockConnector", &v16.UnlockConnectorRequest{ConnectorID: 1}, ladda.Conflict, "answered UnlockConnector with NotSupported: no locks here"},
	} {
		err := cmd.Send(ctx, tc.station, tc.action, tc.request, nil)
		if !ladda.IsKind(err, tc.kind) || !strings.Contains(ladda.ErrorMessage(err), tc.message) {
			t.Errorf("%s: %v (kind %v), want kind %v with %q", tc.name, err, ladda.ErrorKind(err), tc.kind, tc.message)
		}
	}
}

func TestCommanderExecutesVersionNeutralCommands(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 65536)
	cmd := ocpp.NewCommander(f.gateway, f.validator, nil)
	ctx := context.Background()
	var seen []string
	record := func(_ context.Context, action string, payload json.RawMessage) ocpptest.Answer {
		seen = append(seen, action+" "+string(payload))
		return ocpptest.Answer{}
	}
	connectSimulated(t, f, "EX-16", ocpptest.V16, record)
	connectSimulated(t, f, "EX-201", ocpptest.V201, record)

	// What a version cannot express is refused before anything is sent.
	if _, err := cmd.Execute(ctx, "EX-16", station.Reset{Kind: station.ResetHard, EVSEID: 2}); !ladda.IsKind(err, ladda.Invalid) {
		t.Errorf("1.6 EVSE reset: %v, want invalid", err)
	}
	if _, err := cmd.Execute(ctx, "EX-201", station.TriggerMessage{Message: "Teleport"}); !ladda.IsKind(err, ladda.Invalid) {
		t.Errorf("unknown trigger: %v, want invalid", err)
	}
	if _, err := cmd.Execute(ctx, "EX-16", station.RequestStart{IDToken: "A-TOKEN-LONGER-THAN-20", RemoteStartID: 1}); !ladda.IsKind(err, ladda.Invalid) {
		t.Errorf("1.6 remote start with a 22-character tag: %v, want invalid", err)
	}
	if _, err := cmd.Execute(ctx, "EX-16", station.RequestStop{StationTxID: "abc"}); !ladda.IsKind(err, ladda.Invalid) {
		t.Errorf("1.6 remote stop of a non-numeric id: %v, want invalid", err)
	}
	if _, err := cmd.Execute(ctx, "EX-16", station.ReserveNow{ReservationID: 1, IDToken: "T", ConnectorType: "cCCS2", ExpiresAt: time.Now().Add(time.Hour)}); !ladda.IsKind(err, ladda.Invalid) {
		t.Errorf("1.6 reservation by connector type: %v, want invalid", err)
	}
	if _, err := cmd.Execute(ctx, "EX-201", station.CancelReservation{ReservationID: 1 << 31}); !ladda.IsKind(err, ladda.Invalid) {
		t.Errorf("reservation id beyond 32 bits: %v, want invalid", err)
	}
	if len(seen) != 0 {
		t.Errorf("invalid commands reached the station: %q", seen)
	}

	expiry := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	expiryText := expiry.Format(time.RFC3339)
	for _, tc := range []struct {
		station ladda.StationID
		cmd     station.Command
		status  string
		sent    string // the action and payload the station received
	}{
		{"EX-16", station.ChangeAvailability{EVSEID: 1, Operative: false}, "Accepted", `ChangeAvailability {"connectorId":1,"type":"Inoperative"}`},
		{"EX-201", station.ChangeAvailability{EVSEID: 1, ConnectorID: 1, Operative: true}, "Accepted", `ChangeAvailability {"evse":{"id":1,"connectorId":1},"operationalStatus":"Operative"}`},
		{"EX-16", station.TriggerMessage{Message: "Heartbeat"}, "Accepted", `TriggerMessage {"requestedMessage":"Heartbeat"}`},
		{"EX-201", station.TriggerMessage{Message: "StatusNotification", EVSEID: 1, ConnectorID: 1}, "Accepted", `TriggerMessage {"evse":{"id":1,"connectorId":1},"requestedMessage":"StatusNotification"}`},
		{"EX-16", station.ClearCache{}, "Accepted", `ClearCache {}`},
		{"EX-201", station.UnlockConnector{EVSEID: 1, ConnectorID: 1}, "Unlocked", `UnlockConnector {"evseId":1,"connectorId":1}`},
		{"EX-16", station.UnlockConnector{EVSEID: 2, ConnectorID: 1}, "Unlocked", `UnlockConnector {"connectorId":2}`},
		{"EX-201", station.ClearCache{}, "Accepted", `ClearCache {}`},
		// Reservations before the remote starts: the simulated stations start charging on their
		// own time, and a reservation on a busy connector is refused as Occupied.
		{"EX-16", station.ReserveNow{ReservationID: 7, EVSEID: 2, IDToken: "TAG-V", GroupID: "FLEET", ExpiresAt: expiry}, "Accepted",
			`ReserveNow {"connectorId":2,"expiryDate":"` + expiryText + `","idTag":"TAG-V","parentIdTag":"FLEET","reservationId":7}`},
		{"EX-16", station.CancelReservation{ReservationID: 7}, "Accepted", `CancelReservation {"reservationId":7}`},
		{"EX-201", station.ReserveNow{ReservationID: 8, ConnectorType: "cType2", IDToken: "TAG-V", TokenType: "ISO14443", GroupID: "FLEET", ExpiresAt: expiry}, "Accepted",
			`ReserveNow {"id":8,"expiryDateTime":"` + expiryText + `","connectorType":"cType2","idToken":{"idToken":"TAG-V","type":"ISO14443"},"groupIdToken":{"idToken":"FLEET","type":"Central"}}`},
		{"EX-201", station.CancelReservation{ReservationID: 9}, "Rejected", `CancelReservation {"reservationId":9}`},
		{"EX-16", station.RequestStart{EVSEID: 2, IDToken: "TAG-R", RemoteStartID: 5}, "Accepted", `RemoteStartTransaction {"connectorId":2,"idTag":"TAG-R"}`}, // connector 1 was made inoperative above
		{"EX-201", station.RequestStart{IDToken: "TAG-R", RemoteStartID: 6}, "Accepted", `RequestStartTransaction {"idToken":{"idToken":"TAG-R","type":"Central"},"remoteStartId":6}`},
		// Resets last: the simulated stations reboot after answering.
		{"EX-16", station.Reset{Kind: station.ResetSoft}, "Accepted", `Reset {"type":"Soft"}`},
		{"EX-201", station.Reset{Kind: station.ResetHard}, "Accepted", `Reset {"type":"Immediate"}`},
	} {
		seen = nil
		got, err := cmd.Execute(ctx, tc.station, tc.cmd)
		if err != nil {
			t.Errorf("%s %T: %v", tc.station, tc.cmd, err)
			continue
		}
		if got.Status != tc.status {
			t.Errorf("%s %T: status %q, want %q", tc.station, tc.cmd, got.Status, tc.status)
		}
		if len(seen) != 1 || seen[0] != tc.sent {
			t.Errorf("%s %T: station received %q, want %q", tc.station, tc.cmd, seen, tc.sent)
		}
	}

	if _, err := cmd.Execute(ctx, "GONE", station.ClearCache{}); !errors.Is(err, station.ErrOffline) || !ladda.IsKind(err, ladda.Conflict) {
		t.Errorf("offline station: %v, want a conflict wrapping station.ErrOffline", err)
	}
}

func TestCommanderSettings(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 65536)
	cmd := ocpp.NewCommander(f.gateway, f.validator, nil)
	ctx := context.Background()
	connectSimulated(t, f, "SET-16", ocpptest.V16, nil)
	connectSimulated(t, f, "SET-201", ocpptest.V201, nil)

	// 1.6: the answer carries the configuration.
	got, err := cmd.Execute(ctx, "SET-16", station.GetSettings{})
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]station.Setting{}
	for _, s := range got.Settings {
		values[s.Variable] = s
	}
	if s, ok := values["NumberOfConnectors"]; !ok || !s.ReadOnly || s.Value != "2" {
		t.Errorf("NumberOfConnectors = %+v, want read-only 2", s)
	}
	if _, err := cmd.Execute(ctx, "SET-16", station.GetSettings{Keys: []string{"HeartbeatInterval", "NoSuchKey"}}); err != nil {
		t.Fatal(err)
	}

	// 1.6 changes go key by key; the status sums them up.
	ans, err := cmd.Execute(ctx, "SET-16", station.ChangeSettings{Changes: []station.Setting{
		{Variable: "HeartbeatInterval", Value: "120"}, {Variable: "NoSuchKey", Value: "1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Status != "Partial" || len(ans.Results) != 2 || ans.Results[0].Status != "Accepted" || ans.Results[1].Status != "NotSupported" {
		t.Fatalf("1.6 change = %+v, want Partial: Accepted, NotSupported", ans)
	}

	// 2.0.1: SetVariables at once; the value comes back with each result.
	ans, err = cmd.Execute(ctx, "SET-201", station.ChangeSettings{Changes: []station.Setting{
		{Component: "OCPPCommCtrlr", Variable: "HeartbeatInterval", Value: "90"}}})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Status != "Accepted" || len(ans.Results) != 1 || ans.Results[0].Setting.Value != "90" || ans.Results[0].Setting.Attribute != "" {
		t.Fatalf("2.0.1 change = %+v", ans)
	}
	if _, err := cmd.Execute(ctx, "SET-201", station.ChangeSettings{Changes: []station.Setting{{Variable: "HeartbeatInterval", Value: "1"}}}); err != nil {
		t.Fatalf("a 2.0.1 change without component is the station's to refuse, not ours: %v", err)
	}
	if _, err := cmd.Execute(ctx, "SET-16", station.ChangeSettings{Changes: []station.Setting{{Component: "X", Variable: "Y", Value: "1"}}}); !ladda.IsKind(err, ladda.Invalid) {
		t.Errorf("1.6 change with a component: %v, want invalid", err)
	}

	// 2.0.1 refresh: the station accepts and reports its device model, which is stored.
	if ans, err := cmd.Execute(ctx, "SET-201", station.GetSettings{}); err != nil || ans.Status != "Accepted" {
		t.Fatalf("GetBaseReport = %+v, %v", ans, err)
	}
	for i := 0; ; i++ {
		list, err := f.stations.Settings(ctx, "SET-201")
		if err != nil {
			t.Fatal(err)
		}
		if len(list) > 0 {
			break
		}
		if i == 200 {
			t.Fatal("no NotifyReport stored within 4 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
