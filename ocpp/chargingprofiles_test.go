package ocpp_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/gateway"
	"github.com/ladda-csms/ladda/ocpp"
	"github.com/ladda-csms/ladda/ocpp/ocppj"
	"github.com/ladda-csms/ladda/station"
)

// scriptedStation is a station whose answers the test writes: it answers each CALL of the
// CSMS with the JSON given for its action (NotImplemented for others) and keeps what it
// received, as "Action payload".
type scriptedStation struct {
	conn *gateway.ClientConn

	mu       sync.Mutex
	answers  map[string]string
	received []string
}

// connectScripted registers station id and connects a scripted station for it speaking
// subprotocol sub (ocpp1.6 or ocpp2.0.1).
func connectScripted(t *testing.T, f *fixture, id, sub string) *scriptedStation {
	t.Helper()
	ctx := context.Background()
	if _, _, err := f.stations.Register(ctx, station.NewStation{ID: ladda.StationID(id), Password: "s3cret-pass-cp01"}); err != nil {
		t.Fatal(err)
	}
	s := &scriptedStation{answers: map[string]string{}}
	conn, err := gateway.Dial(ctx, f.url+id, gateway.DialOptions{Subprotocols: []string{sub}, Username: id, Password: "s3cret-pass-cp01",
		OnCall: s.onCall})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	s.conn = conn
	return s
}

func (s *scriptedStation) onCall(_ context.Context, action string, payload json.RawMessage) (json.RawMessage, *ocppj.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.received = append(s.received, action+" "+string(payload))
	a, ok := s.answers[action]
	if !ok {
		return nil, ocppj.Errorf(ocppj.FaultNotImplemented, "not scripted: %s", action)
	}
	return json.RawMessage(a), nil
}

// answer makes the station answer action with payload from now on.
func (s *scriptedStation) answer(action, payload string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers[action] = payload
}

// take returns what the station received since the last take.
func (s *scriptedStation) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	got := s.received
	s.received = nil
	return got
}

// sameJSON reports whether a and b are the same JSON value.
func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		return false
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("want %s: %v", b, err)
	}
	return reflect.DeepEqual(x, y)
}

func TestCommanderChargingProfiles(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 65536)
	cmd := ocpp.NewCommander(f.gateway, f.validator, nil)
	ctx := context.Background()
	stations := map[ladda.StationID]*scriptedStation{
		"CP-16":  connectScripted(t, f, "CP-16", "ocpp1.6"),
		"CP-201": connectScripted(t, f, "CP-201", "ocpp2.0.1"),
	}
	start := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	one, three, sixty := 1, 3, 60
	relative := station.ChargingProfile{ID: 7, StackLevel: 2, Purpose: station.PurposeTx, Kind: "Relative",
		Schedule: station.ChargingSchedule{RateUnit: "A", Periods: []station.SchedulePeriod{{Start: 0, Limit: 16}, {Start: 600, Limit: 10, Phases: &one}}}}
	stationMax := station.ChargingProfile{ID: 1, Purpose: station.PurposeStationMax, Kind: "Absolute", ValidTo: &start,
		Schedule: station.ChargingSchedule{StartAt: &start, Duration: &sixty, RateUnit: "W", Periods: []station.SchedulePeriod{{Start: 0, Limit: 22000}}}}
	daily := station.ChargingProfile{ID: 3, StackLevel: 1, Purpose: station.PurposeTxDefault, Kind: "Recurring", Recurrency: "Daily",
		Schedule: station.ChargingSchedule{StartAt: &start, RateUnit: "A", Periods: []station.SchedulePeriod{{Start: 0, Limit: 32, Phases: &three}}}}
	evse1, level0 := 1, 0

	tests := []struct {
		name     string
		station  ladda.StationID
		cmd      station.Command
		answer   string // the station's answer
		status   string
		reason   string
		schedule *station.CompositeSchedule
		sent     string // the payload the station received
	}{
		{"1.6 TxProfile", "CP-16", station.SetChargingProfile{EVSEID: 1, TransactionID: "42", Profile: relative}, `{"status":"Accepted"}`, "Accepted", "", nil,
			`{"connectorId":1,"csChargingProfiles":{"chargingProfileId":7,"transactionId":42,"stackLevel":2,"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Relative",
			 "chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":16},{"startPeriod":600,"limit":10,"numberPhases":1}]}}}`},
		{"1.6 station maximum", "CP-16", station.SetChargingProfile{Profile: stationMax}, `{"status":"NotSupported"}`, "NotSupported", "", nil,
			`{"connectorId":0,"csChargingProfiles":{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"ChargePointMaxProfile","chargingProfileKind":"Absolute",
			 "validTo":"2025-03-01T12:00:00Z","chargingSchedule":{"duration":60,"startSchedule":"2025-03-01T12:00:00Z","chargingRateUnit":"W","chargingSchedulePeriod":[{"startPeriod":0,"limit":22000}]}}}`},
		{"1.6 clear by id", "CP-16", station.ClearChargingProfile{ID: &relative.ID}, `{"status":"Accepted"}`, "Accepted", "", nil, `{"id":7}`},
		{"1.6 clear by criteria", "CP-16", station.ClearChargingProfile{EVSEID: &level0, Purpose: station.PurposeStationMax, StackLevel: &level0}, `{"status":"Unknown"}`, "Unknown", "", nil,
			`{"connectorId":0,"chargingProfilePurpose":"ChargePointMaxProfile","stackLevel":0}`},
		{"1.6 clear all", "CP-16", station.ClearChargingProfile{}, `{"status":"Accepted"}`, "Accepted", "", nil, `{}`},
		{"1.6 composite schedule", "CP-16", station.GetCompositeSchedule{EVSEID: 1, Duration: 3600, RateUnit: "A"},
			`{"status":"Accepted","connectorId":1,"scheduleStart":"2025-03-01T12:00:00Z","chargingSchedule":{"duration":1800,"chargingRateUnit":"A",
			  "chargingSchedulePeriod":[{"startPeriod":0,"limit":16},{"startPeriod":900,"limit":8,"numberPhases":3}]}}`, "Accepted", "",
			&station.CompositeSchedule{EVSEID: 1, Start: start, Duration: 1800, RateUnit: "A", Periods: []station.SchedulePeriod{{Start: 0, Limit: 16}, {Start: 900, Limit: 8, Phases: &three}}},
			`{"connectorId":1,"duration":3600,"chargingRateUnit":"A"}`},
		{"1.6 composite schedule refused", "CP-16", station.GetCompositeSchedule{Duration: 60}, `{"status":"Rejected"}`, "Rejected", "", nil, `{"connectorId":0,"duration":60}`},

		{"2.0.1 TxProfile", "CP-201", station.SetChargingProfile{EVSEID: 1, TransactionID: "TX-9", Profile: relative},
			`{"status":"Rejected","statusInfo":{"reasonCode":"TxNotFound"}}`, "Rejected", "TxNotFound", nil,
			`{"evseId":1,"chargingProfile":{"id":7,"stackLevel":2,"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Relative","transactionId":"TX-9",
			 "chargingSchedule":[{"id":1,"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":16},{"startPeriod":600,"limit":10,"numberPhases":1}]}]}}`},
		{"2.0.1 daily default", "CP-201", station.SetChargingProfile{Profile: daily}, `{"status":"Accepted"}`, "Accepted", "", nil,
			`{"evseId":0,"chargingProfile":{"id":3,"stackLevel":1,"chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Recurring","recurrencyKind":"Daily",
			 "chargingSchedule":[{"id":1,"startSchedule":"2025-03-01T12:00:00Z","chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":32,"numberPhases":3}]}]}}`},
		{"2.0.1 station maximum", "CP-201", station.SetChargingProfile{Profile: stationMax}, `{"status":"Accepted"}`, "Accepted", "", nil,
			`{"evseId":0,"chargingProfile":{"id":1,"stackLevel":0,"chargingProfilePurpose":"ChargingStationMaxProfile","chargingProfileKind":"Absolute","validTo":"2025-03-01T12:00:00Z",
			 "chargingSchedule":[{"id":1,"startSchedule":"2025-03-01T12:00:00Z","duration":60,"chargingRateUnit":"W","chargingSchedulePeriod":[{"startPeriod":0,"limit":22000}]}]}}`},
		{"2.0.1 clear by id", "CP-201", station.ClearChargingProfile{ID: &relative.ID}, `{"status":"Accepted"}`, "Accepted", "", nil, `{"chargingProfileId":7}`},
		{"2.0.1 clear by criteria", "CP-201", station.ClearChargingProfile{EVSEID: &evse1, Purpose: station.PurposeTxDefault}, `{"status":"Unknown"}`, "Unknown", "", nil,
			`{"chargingProfileCriteria":{"evseId":1,"chargingProfilePurpose":"TxDefaultProfile"}}`},
		{"2.0.1 clear all", "CP-201", station.ClearChargingProfile{}, `{"status":"Accepted"}`, "Accepted", "", nil, `{}`},
		{"2.0.1 composite schedule", "CP-201", station.GetCompositeSchedule{EVSEID: 1, Duration: 300},
			`{"status":"Accepted","schedule":{"evseId":1,"duration":300,"scheduleStart":"2025-03-01T12:00:00Z","chargingRateUnit":"W","chargingSchedulePeriod":[{"startPeriod":0,"limit":11000}]}}`,
			"Accepted", "", &station.CompositeSchedule{EVSEID: 1, Start: start, Duration: 300, RateUnit: "W", Periods: []station.SchedulePeriod{{Start: 0, Limit: 11000}}},
			`{"evseId":1,"duration":300}`},
		{"2.0.1 composite schedule refused", "CP-201", station.GetCompositeSchedule{EVSEID: 9, Duration: 300, RateUnit: "W"},
			`{"status":"Rejected","statusInfo":{"reasonCode":"UnknownEVSE"}}`, "Rejected", "UnknownEVSE", nil, `{"evseId":9,"duration":300,"chargingRateUnit":"W"}`},
		{"2.0.1 profiles query", "CP-201", station.GetChargingProfiles{RequestID: 5, EVSEID: &evse1, Purpose: station.PurposeTx, IDs: []int{7, 8}},
			`{"status":"Accepted"}`, "Accepted", "", nil, `{"requestId":5,"evseId":1,"chargingProfile":{"chargingProfilePurpose":"TxProfile","chargingProfileId":[7,8]}}`},
		{"2.0.1 query of everything", "CP-201", station.GetChargingProfiles{RequestID: 6}, `{"status":"NoProfiles"}`, "NoProfiles", "", nil, `{"requestId":6,"chargingProfile":{}}`},
	}
	for _, tc := range tests {
		st := stations[tc.station]
		st.answer(tc.cmd.Action(), tc.answer)
		got, err := cmd.Execute(ctx, tc.station, tc.cmd)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got.Status != tc.status || got.Reason != tc.reason {
			t.Errorf("%s: answer %q %q, want %q %q", tc.name, got.Status, got.Reason, tc.status, tc.reason)
		}
		if !reflect.DeepEqual(got.Schedule, tc.schedule) {
			t.Errorf("%s: schedule %+v, want %+v", tc.name, got.Schedule, tc.schedule)
		}
		received := st.take()
		if len(received) != 1 {
			t.Errorf("%s: the station received %q, want one %s", tc.name, received, tc.cmd.Action())
			continue
		}
		action, payload, _ := strings.Cut(received[0], " ")
		if action != tc.cmd.Action() || !sameJSON(t, payload, tc.sent) {
			t.Errorf("%s: the station received %s %s\nwant %s %s", tc.name, action, payload, tc.cmd.Action(), tc.sent)
		}
	}

	// What breaks the rules, or the station's version cannot express, never leaves.
	startAt := relative
	startAt.Schedule.StartAt = &start
	for _, tc := range []struct {
		name    string
		station ladda.StationID
		cmd     station.Command
		message string
	}{
		{"1.6 profiles query", "CP-16", station.GetChargingProfiles{RequestID: 1}, "OCPP 1.6 has no GetChargingProfiles"},
		{"1.6 TxProfile of a 2.0.1 transaction id", "CP-16", station.SetChargingProfile{EVSEID: 1, TransactionID: "TX-9", Profile: relative}, "no OCPP 1.6 id"},
		{"TxProfile on EVSE 0", "CP-201", station.SetChargingProfile{TransactionID: "TX-9", Profile: relative}, "not on EVSE 0"},
		{"TxProfile without transaction", "CP-201", station.SetChargingProfile{EVSEID: 1, Profile: relative}, "needs the transaction"},
		{"station maximum on an EVSE", "CP-16", station.SetChargingProfile{EVSEID: 1, Profile: stationMax}, "evseId 0"},
		{"transaction of a default profile", "CP-201", station.SetChargingProfile{TransactionID: "TX-9", Profile: daily}, "only a TxProfile"},
		{"Relative with a start", "CP-201", station.SetChargingProfile{EVSEID: 1, TransactionID: "TX-9", Profile: startAt}, "leave startAt out"},
		{"clear by id and criteria", "CP-16", station.ClearChargingProfile{ID: &relative.ID, EVSEID: &evse1}, "not both"},
		{"clear of an unknown purpose", "CP-201", station.ClearChargingProfile{Purpose: "ChargePointMaxProfile"}, "purpose is"},
		{"composite schedule of no time", "CP-201", station.GetCompositeSchedule{EVSEID: 1}, "duration"},
		{"composite schedule in kW", "CP-16", station.GetCompositeSchedule{EVSEID: 1, Duration: 60, RateUnit: "kW"}, "rateUnit"},
	} {
		_, err := cmd.Execute(ctx, tc.station, tc.cmd)
		if !ladda.IsKind(err, ladda.Invalid) || !strings.Contains(ladda.ErrorMessage(err), tc.message) {
			t.Errorf("%s: %v, want invalid: …%s…", tc.name, err, tc.message)
		}
	}
	for id, st := range stations {
		if got := st.take(); len(got) != 0 {
			t.Errorf("invalid commands reached %s: %q", id, got)
		}
	}
}

// TestReportChargingProfiles: the profiles a 2.0.1 station reports in answer to
// GetChargingProfiles are kept as its reports, with the source of the limits as their kind.
func TestReportChargingProfiles(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 65536)
	st := connectScripted(t, f, "RCP-201", "ocpp2.0.1")
	ctx := context.Background()
	payload := `{"requestId":5,"chargingLimitSource":"CSO","evseId":1,"tbc":false,"chargingProfile":[{"id":7,"stackLevel":2,
		"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Relative","transactionId":"TX-9",
		"chargingSchedule":[{"id":1,"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":16}]}]}]}`
	answer, err := st.conn.Call(ctx, "ReportChargingProfiles", json.RawMessage(payload))
	if err != nil {
		t.Fatalf("ReportChargingProfiles: %v", err)
	}
	if string(answer) != "{}" {
		t.Errorf("answer %s, want {}", answer)
	}
	list, err := f.stations.Reports(ctx, station.ReportFilter{StationID: "RCP-201"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Action != "ReportChargingProfiles" || list[0].Kind != "CSO" || list[0].Status != "" {
		t.Fatalf("reports %+v, want one ReportChargingProfiles of kind CSO", list)
	}
	if !sameJSON(t, string(list[0].Payload), payload) {
		t.Errorf("payload %s, want %s", list[0].Payload, payload)
	}
	// A report that breaks the schema is refused and not kept.
	if _, err := st.conn.Call(ctx, "ReportChargingProfiles", json.RawMessage(`{"requestId":6,"evseId":1,"chargingProfile":[]}`)); err == nil {
		t.Error("a report without chargingLimitSource was accepted")
	}
	if list, _ := f.stations.Reports(ctx, station.ReportFilter{StationID: "RCP-201"}); len(list) != 1 {
		t.Errorf("%d reports after a refused one, want 1", len(list))
	}
}
