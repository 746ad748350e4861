package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/gateway"
	"github.com/ladda-csms/ladda/ocpp/ocppj"
	"github.com/ladda-csms/ladda/station"
)

// profileStation is a station whose answers a test writes: it answers each CALL of the CSMS
// with the JSON set for its action (NotImplemented for others) and keeps what it received.
type profileStation struct {
	conn *gateway.ClientConn

	mu       sync.Mutex
	answers  map[string]string
	received []string // "Action payload"
}

// mustProfileStation registers station id and connects a scripted station for it speaking
// sub (ocpp1.6 or ocpp2.0.1).
func (e *commandEnv) mustProfileStation(tb testing.TB, id, sub string) *profileStation {
	tb.Helper()
	ctx := context.Background()
	if _, _, err := e.stations.Register(ctx, station.NewStation{ID: ladda.StationID(id), Password: stationPassword}); err != nil {
		tb.Fatalf("registering %s: %v", id, err)
	}
	st := &profileStation{answers: map[string]string{}}
	conn, err := gateway.Dial(ctx, e.ocppURL+"/"+id, gateway.DialOptions{Subprotocols: []string{sub}, Username: id, Password: stationPassword,
		OnCall: st.onCall})
	if err != nil {
		tb.Fatalf("connecting %s: %v", id, err)
	}
	tb.Cleanup(func() { conn.Close() })
	st.conn = conn
	return st
}

func (st *profileStation) onCall(_ context.Context, action string, payload json.RawMessage) (json.RawMessage, *ocppj.Error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.received = append(st.received, action+" "+string(payload))
	a, ok := st.answers[action]
	if !ok {
		return nil, ocppj.Errorf(ocppj.FaultNotImplemented, "not scripted: %s", action)
	}
	return json.RawMessage(a), nil
}

// answer makes the station answer action with payload from now on.
func (st *profileStation) answer(action, payload string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.answers[action] = payload
}

// take returns what the station received since the last take.
func (st *profileStation) take() []string {
	st.mu.Lock()
	defer st.mu.Unlock()
	got := st.received
	st.received = nil
	return got
}

// mustReceive fails the test unless the station received exactly one CALL since the last
// take: action with the JSON value payload.
func (st *profileStation) mustReceive(tb testing.TB, action, payload string) {
	tb.Helper()
	got := st.take()
	if len(got) != 1 {
		tb.Fatalf("the station received %q, want one %s", got, action)
	}
	a, p, _ := strings.Cut(got[0], " ")
	if a != action || !sameJSON(tb, []byte(p), []byte(payload)) {
		tb.Fatalf("the station received %s %s\nwant %s %s", a, p, action, payload)
	}
}

// profilesPath is the charging-profiles resource of station id, with rest appended.
func profilesPath(id, rest string) string {
	return "/api/v1/stations/" + id + "/charging-profiles" + rest
}

// mustProfiles lists the charging profiles Ladda shows for a station.
func (e *env) mustProfiles(tb testing.TB, id string) []InstalledChargingProfile {
	tb.Helper()
	var l List[InstalledChargingProfile]
	e.call(tb, http.MethodGet, profilesPath(id, ""), nil).mustStatus(tb, http.StatusOK).decode(tb, &l)
	if l.Next != "" {
		tb.Errorf("next %q", l.Next)
	}
	return l.Items
}

// profileIDsOf returns the profile ids of a listing, in order.
func profileIDsOf(list []InstalledChargingProfile) []int {
	ids := []int{}
	for _, p := range list {
		ids = append(ids, p.Profile.ID)
	}
	return ids
}

// mustStart starts a transaction on EVSE evse of a station through the service; stationTxID
// is the 2.0.1 station's id for it ("" for 1.6: the decimal id).
func (e *commandEnv) mustStart(tb testing.TB, id string, evse int, stationTxID string) *charging.Transaction {
	tb.Helper()
	tx, _, err := e.charging.StartTransaction(context.Background(), charging.Start{StationID: ladda.StationID(id), StationTxID: stationTxID,
		EVSEID: evse, ConnectorID: 1, StartedAt: e.clock.Now()})
	if err != nil {
		tb.Fatalf("starting a transaction at %s: %v", id, err)
	}
	return tx
}

// TestChargingProfiles: profiles set through the API reach 1.6 and 2.0.1 stations as their
// versions word them; those the station accepts are listed with who set them, until cleared
// by id or by criteria or, for a TxProfile, until its transaction ends; the composite schedule
// comes back in the answer; a 2.0.1 station reports its profiles as a report, a 1.6 station
// cannot.
func TestChargingProfiles(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	for _, sub := range []string{"ocpp1.6", "ocpp2.0.1"} {
		t.Run(sub, func(t *testing.T) {
			t.Parallel()
			v16 := sub == "ocpp1.6"
			id := "CPAPI-" + strings.TrimPrefix(strings.ReplaceAll(sub, ".", ""), "ocpp")
			st := e.mustProfileStation(t, id, sub)
			txID := ""
			if !v16 {
				txID = "TX-" + id
			}
			tx := e.mustStart(t, id, 1, txID)
			ourTx := int64(tx.ID)
			setBy := "apikey:" + strconv.FormatInt(e.keyID, 10)
			byVersion := func(a, b string) string {
				if v16 {
					return a
				}
				return b
			}
			st.answer("SetChargingProfile", `{"status":"Accepted"}`)

			// A daily default of the whole station.
			daily := map[string]any{"evseId": 0, "profile": map[string]any{"id": 1, "purpose": "TxDefaultProfile", "kind": "Recurring", "recurrency": "Daily",
				"schedule": map[string]any{"startAt": "2025-03-01T00:00:00+01:00", "rateUnit": "A",
					"periods": []map[string]any{{"start": 0, "limit": 16}, {"start": 21600, "limit": 32, "phases": 3}}}}}
			c := e.call(t, http.MethodPost, profilesPath(id, ""), daily).mustCommand(t)
			checkOutcome(t, c, outcome{status: "Accepted"})
			wantLogged := `{"evseId":0,"profile":{"id":1,"stackLevel":0,"purpose":"TxDefaultProfile","kind":"Recurring","recurrency":"Daily",
				"schedule":{"startAt":"2025-02-28T23:00:00Z","rateUnit":"A","periods":[{"start":0,"limit":16},{"start":21600,"limit":32,"phases":3}]}}}`
			if c.Action != "SetChargingProfile" || !sameJSON(t, []byte(c.Request), []byte(wantLogged)) {
				t.Errorf("logged %s %s, want SetChargingProfile %s", c.Action, c.Request, wantLogged)
			}
			periods16 := `[{"startPeriod":0,"limit":16},{"startPeriod":21600,"limit":32,"numberPhases":3}]`
			st.mustReceive(t, "SetChargingProfile", byVersion(
				`{"connectorId":0,"csChargingProfiles":{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Recurring",
				  "recurrencyKind":"Daily","chargingSchedule":{"startSchedule":"2025-02-28T23:00:00Z","chargingRateUnit":"A","chargingSchedulePeriod":`+periods16+`}}}`,
				`{"evseId":0,"chargingProfile":{"id":1,"stackLevel":0,"chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Recurring",
				  "recurrencyKind":"Daily","chargingSchedule":[{"id":1,"startSchedule":"2025-02-28T23:00:00Z","chargingRateUnit":"A","chargingSchedulePeriod":`+periods16+`}]}}`))

			// A TxProfile of the running transaction, named by Ladda's id, then found by its EVSE.
			txProfile := func(profileID, level int) map[string]any {
				return map[string]any{"id": profileID, "stackLevel": level, "purpose": "TxProfile", "kind": "Relative",
					"schedule": map[string]any{"rateUnit": "W", "periods": []map[string]any{{"start": 0, "limit": 7400}}}}
			}
			wantTx := func(profileID, level int) string {
				return byVersion(
					fmt.Sprintf(`{"connectorId":1,"csChargingProfiles":{"chargingProfileId":%d,"transactionId":%d,"stackLevel":%d,"chargingProfilePurpose":"TxProfile",
					  "chargingProfileKind":"Relative","chargingSchedule":{"chargingRateUnit":"W","chargingSchedulePeriod":[{"startPeriod":0,"limit":7400}]}}}`, profileID, tx.ID, level),
					fmt.Sprintf(`{"evseId":1,"chargingProfile":{"id":%d,"stackLevel":%d,"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Relative",
					  "transactionId":%q,"chargingSchedule":[{"id":1,"chargingRateUnit":"W","chargingSchedulePeriod":[{"startPeriod":0,"limit":7400}]}]}}`, profileID, level, txID))
			}
			c = e.call(t, http.MethodPost, profilesPath(id, ""), map[string]any{"evseId": 1, "transactionId": ourTx, "profile": txProfile(2, 2)}).mustCommand(t)
			checkOutcome(t, c, outcome{status: "Accepted"})
			st.mustReceive(t, "SetChargingProfile", wantTx(2, 2))
			c = e.call(t, http.MethodPost, profilesPath(id, ""), map[string]any{"evseId": 1, "profile": txProfile(3, 3)}).mustCommand(t)
			checkOutcome(t, c, outcome{status: "Accepted"})
			st.mustReceive(t, "SetChargingProfile", wantTx(3, 3))

			// A cap the station refuses is not listed.
			st.answer("SetChargingProfile", `{"status":"Rejected"}`)
			capped := map[string]any{"evseId": 0, "profile": map[string]any{"id": 4, "purpose": "ChargingStationMaxProfile", "kind": "Absolute",
				"validTo": "2025-03-02T00:00:00Z", "schedule": map[string]any{"startAt": "2025-03-01T00:00:00Z", "duration": 86400, "rateUnit": "W",
					"periods": []map[string]any{{"start": 0, "limit": 22000}}}}}
			checkOutcome(t, e.call(t, http.MethodPost, profilesPath(id, ""), capped).mustCommand(t), outcome{status: "Rejected"})
			st.mustReceive(t, "SetChargingProfile", byVersion(
				`{"connectorId":0,"csChargingProfiles":{"chargingProfileId":4,"stackLevel":0,"chargingProfilePurpose":"ChargePointMaxProfile","chargingProfileKind":"Absolute",
				  "validTo":"2025-03-02T00:00:00Z","chargingSchedule":{"duration":86400,"startSchedule":"2025-03-01T00:00:00Z","chargingRateUnit":"W","chargingSchedulePeriod":[{"startPeriod":0,"limit":22000}]}}}`,
				`{"evseId":0,"chargingProfile":{"id":4,"stackLevel":0,"chargingProfilePurpose":"ChargingStationMaxProfile","chargingProfileKind":"Absolute","validTo":"2025-03-02T00:00:00Z",
				  "chargingSchedule":[{"id":1,"startSchedule":"2025-03-01T00:00:00Z","duration":86400,"chargingRateUnit":"W","chargingSchedulePeriod":[{"startPeriod":0,"limit":22000}]}]}}`))

			// The listing: by EVSE, purpose, stack level and id, with who set each and when.
			list := e.mustProfiles(t, id)
			if got := profileIDsOf(list); !reflect.DeepEqual(got, []int{1, 2, 3}) {
				t.Fatalf("listed profiles %v, want [1 2 3]", got)
			}
			stationTx := tx.StationTxID
			wantItem := InstalledChargingProfile{StationID: id, EVSEID: 1, TransactionID: &ourTx, StationTransactionID: stationTx, SetBy: setBy, SetAt: t0,
				Profile: StationChargingProfile{ID: 2, StackLevel: 2, Purpose: "TxProfile", Kind: "Relative",
					Schedule: ChargingSchedule{RateUnit: "W", Periods: []SchedulePeriod{{Start: 0, Limit: 7400}}}}}
			if !reflect.DeepEqual(list[1], wantItem) {
				t.Errorf("listed %+v\nwant   %+v", list[1], wantItem)
			}
			if p := list[0]; p.EVSEID != 0 || p.TransactionID != nil || p.StationTransactionID != "" || p.Profile.Recurrency != "Daily" ||
				p.Profile.Schedule.StartAt == nil || !p.Profile.Schedule.StartAt.Equal(time.Date(2025, 2, 28, 23, 0, 0, 0, time.UTC)) || len(p.Profile.Schedule.Periods) != 2 {
				t.Errorf("listed %+v", p)
			}

			// The composite schedule comes back in the answer, not in the log.
			st.answer("GetCompositeSchedule", byVersion(
				`{"status":"Accepted","connectorId":1,"scheduleStart":"2025-03-01T12:00:00Z","chargingSchedule":{"duration":600,"chargingRateUnit":"A",
				  "chargingSchedulePeriod":[{"startPeriod":0,"limit":32},{"startPeriod":300,"limit":10.5,"numberPhases":1}]}}`,
				`{"status":"Accepted","schedule":{"evseId":1,"duration":600,"scheduleStart":"2025-03-01T12:00:00Z","chargingRateUnit":"A",
				  "chargingSchedulePeriod":[{"startPeriod":0,"limit":32},{"startPeriod":300,"limit":10.5,"numberPhases":1}]}}`))
			c = e.call(t, http.MethodPost, "/api/v1/stations/"+id+"/composite-schedule", map[string]any{"evseId": 1, "duration": 600, "rateUnit": "A"}).mustCommand(t)
			checkOutcome(t, c, outcome{status: "Accepted"})
			one, start := 1, time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
			wantSchedule := &CompositeSchedule{EVSEID: 1, Start: &start, Duration: 600, RateUnit: "A", Periods: []SchedulePeriod{{Start: 0, Limit: 32}, {Start: 300, Limit: 10.5, Phases: &one}}}
			if c.Action != "GetCompositeSchedule" || c.Answer == nil || !reflect.DeepEqual(c.Answer.Schedule, wantSchedule) {
				t.Errorf("composite schedule %+v, want %+v", c.Answer, wantSchedule)
			}
			st.mustReceive(t, "GetCompositeSchedule", byVersion(`{"connectorId":1,"duration":600,"chargingRateUnit":"A"}`, `{"evseId":1,"duration":600,"chargingRateUnit":"A"}`))
			if logged := e.mustCommands(t, id, "?limit=1").Items[0]; logged.ID != c.ID || logged.Answer == nil || logged.Answer.Schedule != nil {
				t.Errorf("the log shows %+v", logged)
			}

			// Clearing by id, then by criteria.
			st.answer("ClearChargingProfile", `{"status":"Accepted"}`)
			c = e.call(t, http.MethodDelete, profilesPath(id, "/2"), nil).mustCommand(t)
			checkOutcome(t, c, outcome{status: "Accepted"})
			st.mustReceive(t, "ClearChargingProfile", byVersion(`{"id":2}`, `{"chargingProfileId":2}`))
			if got := profileIDsOf(e.mustProfiles(t, id)); !reflect.DeepEqual(got, []int{1, 3}) {
				t.Errorf("after clearing profile 2: %v, want [1 3]", got)
			}
			c = e.call(t, http.MethodPost, profilesPath(id, "/clear"), map[string]any{"evseId": 0, "purpose": "TxDefaultProfile"}).mustCommand(t)
			checkOutcome(t, c, outcome{status: "Accepted"})
			st.mustReceive(t, "ClearChargingProfile", byVersion(`{"connectorId":0,"chargingProfilePurpose":"TxDefaultProfile"}`,
				`{"chargingProfileCriteria":{"evseId":0,"chargingProfilePurpose":"TxDefaultProfile"}}`))
			if got := profileIDsOf(e.mustProfiles(t, id)); !reflect.DeepEqual(got, []int{3}) {
				t.Errorf("after clearing the defaults: %v, want [3]", got)
			}

			// A TxProfile ends with its transaction.
			stop := charging.Stop{StationID: ladda.StationID(id), StoppedAt: e.clock.Now()}
			if v16 {
				stop.TransactionID = tx.ID
			} else {
				stop.StationTxID = txID
			}
			if _, _, err := e.charging.StopTransaction(context.Background(), stop); err != nil {
				t.Fatal(err)
			}
			if got := profileIDsOf(e.mustProfiles(t, id)); len(got) != 0 {
				t.Errorf("after the transaction ended: %v, want none", got)
			}

			// Asking the station which profiles it has: 2.0.1 reports them, 1.6 cannot.
			st.answer("GetChargingProfiles", `{"status":"Accepted"}`)
			query := map[string]any{"evseId": 1, "purpose": "TxProfile", "ids": []int{3}}
			if v16 {
				e.call(t, http.MethodPost, profilesPath(id, "/query"), query).mustProblem(t, http.StatusUnprocessableEntity)
				logged := e.mustCommands(t, id, "?limit=1").Items[0]
				if logged.Action != "GetChargingProfiles" || !strings.Contains(logged.Error, "OCPP 1.6 has no GetChargingProfiles") {
					t.Errorf("logged %+v", logged)
				}
				if got := st.take(); len(got) != 0 {
					t.Errorf("the 1.6 station received %q", got)
				}
				return
			}
			c = e.call(t, http.MethodPost, profilesPath(id, "/query"), query).mustCommand(t)
			checkOutcome(t, c, outcome{status: "Accepted"})
			requestID := requestIDOf(t, c)
			st.mustReceive(t, "GetChargingProfiles", fmt.Sprintf(`{"requestId":%d,"evseId":1,"chargingProfile":{"chargingProfilePurpose":"TxProfile","chargingProfileId":[3]}}`, requestID))
			report := fmt.Sprintf(`{"requestId":%d,"chargingLimitSource":"CSO","evseId":1,"chargingProfile":[{"id":3,"stackLevel":3,"chargingProfilePurpose":"TxProfile",
				"chargingProfileKind":"Relative","transactionId":%q,"chargingSchedule":[{"id":1,"chargingRateUnit":"W","chargingSchedulePeriod":[{"startPeriod":0,"limit":7400}]}]}]}`, requestID, txID)
			mustCall(t, st.conn, "ReportChargingProfiles", report)
			reports := e.mustReports(t, id, "").Items
			if len(reports) != 1 || reports[0].Action != "ReportChargingProfiles" || reports[0].Kind != "CSO" || !sameJSON(t, []byte(reports[0].Payload), []byte(report)) {
				t.Errorf("reports %+v, want the ReportChargingProfiles", reports)
			}
		})
	}
}

// TestChargingProfileRefusals: bodies that break the rules are 422, a TxProfile's transaction
// must run on the station's EVSE (404 unknown, 409 elsewhere or stopped), an offline station is
// 409; none of it reaches a station. The profile of a remote start is still a TxProfile only.
func TestChargingProfileRefusals(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	st := e.mustProfileStation(t, "CPREF-1", "ocpp2.0.1")
	other := e.mustProfileStation(t, "CPREF-2", "ocpp2.0.1")
	e.mustStation(t, "CPREF-OFF", station.Accepted)
	running := e.mustStart(t, "CPREF-1", 1, "TX-RUN")
	elsewhere := e.mustStart(t, "CPREF-2", 1, "TX-ELSE")
	stopped := e.mustStart(t, "CPREF-1", 2, "TX-STOP")
	if _, _, err := e.charging.StopTransaction(context.Background(), charging.Stop{StationID: "CPREF-1", StationTxID: "TX-STOP", StoppedAt: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	schedule := map[string]any{"rateUnit": "A", "periods": []map[string]any{{"start": 0, "limit": 16}}}
	profile := func(purpose, kind string, change func(p map[string]any)) map[string]any {
		p := map[string]any{"id": 5, "purpose": purpose, "kind": kind, "schedule": schedule}
		if change != nil {
			change(p)
		}
		return p
	}
	tx := profile("TxProfile", "Relative", nil)
	def := profile("TxDefaultProfile", "Relative", nil)
	tests := []struct {
		name, method, path string
		body               any
		status             int
		detail             string
	}{
		{"unknown station", "POST", profilesPath("NOBODY", ""), map[string]any{"evseId": 0, "profile": def}, 404, ""},
		{"unknown station's list", "GET", profilesPath("NOBODY", ""), nil, 404, ""},
		{"offline station", "POST", profilesPath("CPREF-OFF", ""), map[string]any{"evseId": 0, "profile": def}, 409, "not connected"},
		{"unknown transaction", "POST", profilesPath("CPREF-1", ""), map[string]any{"evseId": 1, "transactionId": 999999, "profile": tx}, 404, ""},
		{"transaction at another station", "POST", profilesPath("CPREF-1", ""), map[string]any{"evseId": 1, "transactionId": elsewhere.ID, "profile": tx}, 409, "runs at station CPREF-2"},
		{"transaction on another EVSE", "POST", profilesPath("CPREF-1", ""), map[string]any{"evseId": 2, "transactionId": running.ID, "profile": tx}, 409, "runs on EVSE 1"},
		{"stopped transaction", "POST", profilesPath("CPREF-1", ""), map[string]any{"evseId": 2, "transactionId": stopped.ID, "profile": tx}, 409, "has stopped"},
		{"no transaction on the EVSE", "POST", profilesPath("CPREF-1", ""), map[string]any{"evseId": 2, "profile": tx}, 409, "no transaction runs on EVSE 2"},
		{"TxProfile on EVSE 0", "POST", profilesPath("CPREF-1", ""), map[string]any{"evseId": 0, "profile": tx}, 422, "not on EVSE 0"},
		{"transaction of a default", "POST", profilesPath("CPREF-1", ""), map[string]any{"evseId": 1, "transactionId": running.ID, "profile": def}, 422, "only a TxProfile"},
		{"1.6 purpose name", "POST", profilesPath("CPREF-1", ""), map[string]any{"evseId": 0, "profile": profile("ChargePointMaxProfile", "Relative", nil)}, 422, ""},
		{"no kind", "POST", profilesPath("CPREF-1", ""), map[string]any{"evseId": 0, "profile": profile("TxDefaultProfile", "", func(p map[string]any) { delete(p, "kind") })}, 422, ""},
		{"relative station maximum", "POST", profilesPath("CPREF-1", ""), map[string]any{"evseId": 0, "profile": profile("ChargingStationMaxProfile", "Relative", nil)}, 422, "cannot be Relative"},
		{"station maximum on an EVSE", "POST", profilesPath("CPREF-1", ""), map[string]any{"evseId": 1,
			"profile": profile("ChargingStationMaxProfile", "Absolute", func(p map[string]any) {
				p["schedule"] = map[string]any{"startAt": "2025-03-01T00:00:00Z", "rateUnit": "A", "periods": []map[string]any{{"start": 0, "limit": 16}}}
			})}, 422, "evseId 0"},
		{"absolute without a start", "POST", profilesPath("CPREF-1", ""), map[string]any{"evseId": 0, "profile": profile("TxDefaultProfile", "Absolute", nil)}, 422, "startAt"},
		{"late first period", "POST", profilesPath("CPREF-1", ""), map[string]any{"evseId": 0, "profile": profile("TxDefaultProfile", "Relative", func(p map[string]any) {
			p["schedule"] = map[string]any{"rateUnit": "A", "periods": []map[string]any{{"start": 5, "limit": 16}}}
		})}, 422, "first period starts at 0"},
		{"profile id 0", "DELETE", profilesPath("CPREF-1", "/0"), nil, 422, ""},
		{"clear of a 1.6 purpose", "POST", profilesPath("CPREF-1", "/clear"), map[string]any{"purpose": "ChargePointMaxProfile"}, 422, ""},
		{"composite schedule of no time", "POST", "/api/v1/stations/CPREF-1/composite-schedule", map[string]any{"evseId": 1, "duration": 0}, 422, ""},
		{"composite schedule in kW", "POST", "/api/v1/stations/CPREF-1/composite-schedule", map[string]any{"evseId": 1, "duration": 60, "rateUnit": "kW"}, 422, ""},
		{"query of id 0", "POST", profilesPath("CPREF-1", "/query"), map[string]any{"ids": []int{0}}, 422, ""},
		{"remote start with a default profile", "POST", "/api/v1/stations/CPREF-1/remote-start?wait=0s", map[string]any{"idToken": "NONE",
			"chargingProfile": profile("TxDefaultProfile", "Relative", nil)}, 422, ""},
	}
	for _, tt := range tests {
		p := e.call(t, tt.method, tt.path, tt.body).mustProblem(t, tt.status)
		if !strings.Contains(p.Detail, tt.detail) {
			t.Errorf("%s: %q, want …%s…", tt.name, p.Detail, tt.detail)
		}
	}
	for name, s := range map[string]*profileStation{"CPREF-1": st, "CPREF-2": other} {
		if got := s.take(); len(got) != 0 {
			t.Errorf("refused requests reached %s: %q", name, got)
		}
	}
}

// TestChargingProfilesOfOtherOrganisations: an operator neither sees nor sets the charging
// profiles of another organisation's stations.
func TestChargingProfilesOfOtherOrganisations(t *testing.T) {
	t.Parallel()
	ts := newTenants(t)
	def := map[string]any{"evseId": 0, "profile": map[string]any{"id": 1, "purpose": "TxDefaultProfile", "kind": "Relative",
		"schedule": map[string]any{"rateUnit": "A", "periods": []map[string]any{{"start": 0, "limit": 16}}}}}
	ts.call(t, ts.opA, "GET", "/stations/B-1/charging-profiles", nil).mustProblem(t, 404)
	ts.call(t, ts.opA, "POST", "/stations/B-1/charging-profiles", def).mustProblem(t, 404)
	ts.call(t, ts.opA, "DELETE", "/stations/B-1/charging-profiles/1", nil).mustProblem(t, 404)
	ts.call(t, ts.opA, "POST", "/stations/B-1/charging-profiles/clear", nil).mustProblem(t, 404)
	ts.call(t, ts.opA, "POST", "/stations/B-1/composite-schedule", map[string]any{"evseId": 0, "duration": 60}).mustProblem(t, 404)
	// A transaction of B's station is as unknown to A as one that does not exist.
	tx := map[string]any{"evseId": 1, "transactionId": ts.txAtB, "profile": map[string]any{"id": 2, "purpose": "TxProfile", "kind": "Relative",
		"schedule": map[string]any{"rateUnit": "A", "periods": []map[string]any{{"start": 0, "limit": 16}}}}}
	ts.call(t, ts.opA, "POST", "/stations/A-1/charging-profiles", tx).mustProblem(t, 404)
	var l List[InstalledChargingProfile]
	ts.call(t, ts.opA, "GET", "/stations/A-1/charging-profiles", nil).mustStatus(t, 200).decode(t, &l)
	if len(l.Items) != 0 {
		t.Errorf("A's station lists %+v", l.Items)
	}
	// A fleet manager may not see any station's profiles.
	ts.call(t, ts.fleetMgr, "GET", "/stations/A-1/charging-profiles", nil).mustProblem(t, 403)
}
