package ocpptest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/gateway"
	"github.com/ladda-csms/ladda/ocpp/ocpptest"
	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
)

// tp is a charging profile in version-neutral words, for the tests of both versions.
type tp struct {
	id, stack  int
	purpose    string // maxProfile (the version's station-wide maximum), TxDefaultProfile or TxProfile
	kind       string // Relative when empty
	recurrency string
	start      time.Time // startSchedule; zero for none
	duration   int       // s; 0 for none
	unit       string    // A when empty
	periods    []tpPeriod
	validFrom  time.Time // zero for none
	validTo    time.Time // zero for none
	tx         string    // transactionId, "" for none; thisTx for the running one
}

// tpPeriod is a schedule period: phases 0 gives no numberPhases.
type tpPeriod struct {
	start  int
	limit  float64
	phases int
}

// Purposes and transaction ids of tp.
const (
	maxProfile = "max"
	txDefault  = "TxDefaultProfile"
	txProfile  = "TxProfile"
	thisTx     = "<tx>"
)

// longAgo is the startSchedule of the station-wide maxima of the tests, which must be
// Absolute in 2.0.1.
var longAgo = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// flat is a schedule of one period of limit.
func flat(limit float64) []tpPeriod { return []tpPeriod{{0, limit, 0}} }

// stationMax is a station-wide maximum of limit A.
func stationMax(id, stack int, limit float64) tp {
	return tp{id: id, stack: stack, purpose: maxProfile, kind: "Absolute", start: longAgo, periods: flat(limit)}
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func optInt(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

func (p tp) orDefaults() tp {
	if p.kind == "" {
		p.kind = "Relative"
	}
	if p.unit == "" {
		p.unit = "A"
	}
	return p
}

// v16 is p in 1.6, with tx the running transaction's id.
func (p tp) v16(t *testing.T, tx string) v16.ChargingProfile {
	t.Helper()
	p = p.orDefaults()
	out := v16.ChargingProfile{ChargingProfileID: p.id, StackLevel: p.stack, ChargingProfilePurpose: v16.ChargingProfilePurpose(p.purpose),
		ChargingProfileKind: v16.ChargingProfileKind(p.kind), RecurrencyKind: v16.RecurrencyKind(p.recurrency),
		ValidFrom: optTime(p.validFrom), ValidTo: optTime(p.validTo),
		ChargingSchedule: v16.ChargingSchedule{Duration: optInt(p.duration), StartSchedule: optTime(p.start), ChargingRateUnit: v16.ChargingRateUnit(p.unit)}}
	if p.purpose == maxProfile {
		out.ChargingProfilePurpose = v16.ChargingProfilePurposeChargePointMaxProfile
	}
	if p.tx == thisTx {
		p.tx = tx
	}
	if p.tx != "" {
		n, err := strconv.Atoi(p.tx)
		if err != nil {
			t.Fatalf("1.6 transaction id %q: %v", p.tx, err)
		}
		out.TransactionID = &n
	}
	for _, sp := range p.periods {
		out.ChargingSchedule.ChargingSchedulePeriod = append(out.ChargingSchedule.ChargingSchedulePeriod,
			v16.ChargingSchedulePeriod{StartPeriod: sp.start, Limit: sp.limit, NumberPhases: optInt(sp.phases)})
	}
	return out
}

// v201 is p in 2.0.1, with tx the running transaction's id.
func (p tp) v201(tx string) v201.ChargingProfile {
	p = p.orDefaults()
	out := v201.ChargingProfile{ID: p.id, StackLevel: p.stack, ChargingProfilePurpose: v201.ChargingProfilePurpose(p.purpose),
		ChargingProfileKind: v201.ChargingProfileKind(p.kind), RecurrencyKind: v201.RecurrencyKind(p.recurrency),
		ValidFrom: optTime(p.validFrom), ValidTo: optTime(p.validTo), TransactionID: p.tx}
	if p.purpose == maxProfile {
		out.ChargingProfilePurpose = v201.ChargingProfilePurposeChargingStationMaxProfile
	}
	if p.tx == thisTx {
		out.TransactionID = tx
	}
	sch := v201.ChargingSchedule{ID: p.id, Duration: optInt(p.duration), StartSchedule: optTime(p.start), ChargingRateUnit: v201.ChargingRateUnit(p.unit)}
	for _, sp := range p.periods {
		sch.ChargingSchedulePeriod = append(sch.ChargingSchedulePeriod, v201.ChargingSchedulePeriod{StartPeriod: sp.start, Limit: sp.limit, NumberPhases: optInt(sp.phases)})
	}
	out.ChargingSchedule = []v201.ChargingSchedule{sch}
	return out
}

// runningTx is the id of the transaction on connector n, "" when none.
func runningTx(st *ocpptest.Station, n int) string {
	if sess, ok := st.Session(n); ok {
		return sess.TransactionID
	}
	return ""
}

// setProfile sends SetChargingProfile of p for connector (EVSE) n and returns the status.
func setProfile(t *testing.T, ts *testServer, st *ocpptest.Station, n int, p tp) string {
	t.Helper()
	tx := runningTx(st, n)
	if st.Version() == ocpptest.V16 {
		var res v16.SetChargingProfileResponse
		checkedCall(t, ts, st, "SetChargingProfile", &v16.SetChargingProfileRequest{ConnectorID: n, CSChargingProfiles: p.v16(t, tx)}, &res)
		return string(res.Status)
	}
	var res v201.SetChargingProfileResponse
	checkedCall(t, ts, st, "SetChargingProfile", &v201.SetChargingProfileRequest{EVSEID: n, ChargingProfile: p.v201(tx)}, &res)
	return string(res.Status)
}

// mustSetProfile is setProfile that must be Accepted.
func mustSetProfile(t *testing.T, ts *testServer, st *ocpptest.Station, n int, p tp) {
	t.Helper()
	if status := setProfile(t, ts, st, n, p); status != "Accepted" {
		t.Fatalf("SetChargingProfile %d on %d = %s, want Accepted", p.id, n, status)
	}
}

// clearing is a ClearChargingProfile in version-neutral words: nil fields are left out.
type clearing struct {
	id, connector, stack *int
	purpose              string
}

func ptr(n int) *int { return &n }

// clearProfiles sends ClearChargingProfile and returns the status.
func clearProfiles(t *testing.T, ts *testServer, st *ocpptest.Station, c clearing) string {
	t.Helper()
	if st.Version() == ocpptest.V16 {
		req := &v16.ClearChargingProfileRequest{ID: c.id, ConnectorID: c.connector, StackLevel: c.stack, ChargingProfilePurpose: v16.ChargingProfilePurpose(c.purpose)}
		if c.purpose == maxProfile {
			req.ChargingProfilePurpose = v16.ChargingProfilePurposeChargePointMaxProfile
		}
		var res v16.ClearChargingProfileResponse
		checkedCall(t, ts, st, "ClearChargingProfile", req, &res)
		return string(res.Status)
	}
	req := &v201.ClearChargingProfileRequest{ChargingProfileID: c.id}
	if c.connector != nil || c.stack != nil || c.purpose != "" {
		req.ChargingProfileCriteria = &v201.ClearChargingProfile{EVSEID: c.connector, StackLevel: c.stack, ChargingProfilePurpose: v201.ChargingProfilePurpose(c.purpose)}
		if c.purpose == maxProfile {
			req.ChargingProfileCriteria.ChargingProfilePurpose = v201.ChargingProfilePurposeChargingStationMaxProfile
		}
	}
	var res v201.ClearChargingProfileResponse
	checkedCall(t, ts, st, "ClearChargingProfile", req, &res)
	return string(res.Status)
}

// installed returns the ids of the profiles installed on connector n.
func installed(st *ocpptest.Station, n int) []int {
	var ids []int
	for _, p := range st.ChargingProfiles(n) {
		ids = append(ids, p.ID)
	}
	return ids
}

// TestSetChargingProfile: the station takes the profiles the specifications allow where
// they allow them, replaces by id, and drops a transaction's TxProfiles with it.
func TestSetChargingProfile(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			var refuse atomic.Bool
			hook := func(_ context.Context, action string, _ json.RawMessage) ocpptest.Answer {
				return ocpptest.Answer{Refuse: refuse.Load() && action == "SetChargingProfile"}
			}
			ts, st := upStation(t, "CP-SCP-"+v, v, func(c *ocpptest.Config) { c.Hook = hook })
			ctx := testContext(t)
			tx := func(id int, txID string) tp {
				return tp{id: id, stack: 1, purpose: txProfile, periods: flat(10), tx: txID}
			}
			steps := []struct {
				name      string
				connector int
				profile   tp
				want16    string
				want201   string
			}{
				{"a station maximum on 0", 0, stationMax(1, 0, 40), "Accepted", "Accepted"},
				{"a station maximum on a connector", 1, stationMax(2, 0, 40), "Rejected", "Rejected"},
				{"a default on 0", 0, tp{id: 3, purpose: txDefault, periods: flat(16)}, "Accepted", "Accepted"},
				{"a default on a connector", 1, tp{id: 4, purpose: txDefault, periods: flat(20)}, "Accepted", "Accepted"},
				{"a connector the station lacks", 3, tp{id: 5, purpose: txDefault, periods: flat(20)}, "Rejected", "Rejected"},
				{"a TxProfile without a transaction", 1, tx(6, ""), "Rejected", "Rejected"},
				{"periods not from 0", 0, tp{id: 7, purpose: txDefault, periods: []tpPeriod{{60, 10, 0}}}, "Rejected", "Rejected"},
				{"periods out of order", 0, tp{id: 7, purpose: txDefault, periods: []tpPeriod{{0, 10, 0}, {600, 8, 0}, {300, 6, 0}}}, "Rejected", "Rejected"},
				{"a Recurring profile without a start", 0, tp{id: 7, purpose: txDefault, kind: "Recurring", recurrency: "Daily", periods: flat(10)}, "Rejected", "Rejected"},
			}
			check := func(name string, n int, p tp, want string) {
				t.Helper()
				if got := setProfile(t, ts, st, n, p); got != want {
					t.Errorf("%s: SetChargingProfile = %s, want %s", name, got, want)
				}
			}
			for _, s := range steps {
				want := s.want16
				if v == ocpptest.V201 {
					want = s.want201
				}
				check(s.name, s.connector, s.profile, want)
			}
			if got, want := installed(st, 0), []int{1, 3}; !slices.Equal(got, want) {
				t.Errorf("profiles on 0 = %v, want %v", got, want)
			}

			sess, err := st.StartSession(ctx, 1, "TAG-OK")
			if err != nil {
				t.Fatal(err)
			}
			other := "999999"
			if v == ocpptest.V201 {
				other = "not-this-one"
			}
			check("a TxProfile on 0", 0, tx(6, thisTx), "Rejected")
			check("a TxProfile of another transaction", 1, tx(6, other), "Rejected")
			check("a TxProfile on the other connector", 2, tx(6, thisTx), "Rejected")
			noID := "Accepted" // 1.6: the transaction on the connector
			if v == ocpptest.V201 {
				noID = "Rejected" // K01.FR.03
			}
			check("a TxProfile without a transaction id", 1, tx(6, ""), noID)
			check("a TxProfile of the transaction", 1, tx(6, thisTx), "Accepted")
			if got := st.ChargingProfiles(1); len(got) != 2 || got[1].ID != 6 || got[1].Purpose != txProfile || got[1].TransactionID != sess.TransactionID {
				t.Errorf("profiles on 1 = %+v, want 4 and TxProfile 6 of %s", got, sess.TransactionID)
			}
			refuse.Store(true)
			check("a refused one", 0, tp{id: 8, purpose: txDefault, periods: flat(10)}, "Rejected")
			refuse.Store(false)

			// The same id replaces, wherever it was.
			check("id 3 again, on 2", 2, tp{id: 3, stack: 2, purpose: txDefault, periods: flat(12)}, "Accepted")
			if got, want := installed(st, 0), []int{1}; !slices.Equal(got, want) {
				t.Errorf("profiles on 0 after moving 3 = %v, want %v", got, want)
			}
			if got, want := installed(st, 2), []int{3}; !slices.Equal(got, want) {
				t.Errorf("profiles on 2 after moving 3 = %v, want %v", got, want)
			}
			// Another id with the purpose and stack level of one on the connector: 1.6 replaces
			// it, 2.0.1 refuses (K01.FR.06).
			if v == ocpptest.V16 {
				check("another id, the same stack level", 2, tp{id: 9, stack: 2, purpose: txDefault, periods: flat(12)}, "Accepted")
				if got, want := installed(st, 2), []int{9}; !slices.Equal(got, want) {
					t.Errorf("profiles on 2 = %v, want %v", got, want)
				}
			} else {
				check("another id, the same stack level", 2, tp{id: 9, stack: 2, purpose: txDefault, periods: flat(12)}, "Rejected")
				check("another id, the same stack level, valid at overlapping times", 2,
					tp{id: 9, stack: 2, purpose: txDefault, periods: flat(12), validFrom: time.Now().Add(time.Hour)}, "Rejected")
				soon := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
				check("one valid until soon", 2, tp{id: 10, stack: 3, purpose: txDefault, periods: flat(12), validTo: soon}, "Accepted")
				check("another id, the same stack level, valid from then", 2, tp{id: 11, stack: 3, purpose: txDefault, periods: flat(8), validFrom: soon}, "Accepted")
				if got, want := installed(st, 2), []int{3, 10, 11}; !slices.Equal(got, want) {
					t.Errorf("profiles on 2 = %v, want %v", got, want)
				}
			}

			if err := sess.Stop(ctx, "Local"); err != nil {
				t.Fatal(err)
			}
			if got, want := installed(st, 1), []int{4}; !slices.Equal(got, want) {
				t.Errorf("profiles on 1 after the transaction = %v, want %v (the TxProfile gone)", got, want)
			}
		})
	}
}

// TestClearChargingProfile: by id, or by every criterion given; Unknown when nothing goes.
func TestClearChargingProfile(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			var refuse atomic.Bool
			hook := func(_ context.Context, action string, _ json.RawMessage) ocpptest.Answer {
				return ocpptest.Answer{Refuse: refuse.Load() && action == "ClearChargingProfile"}
			}
			ts, st := upStation(t, "CP-CCP-"+v, v, func(c *ocpptest.Config) { c.Hook = hook })
			mustSetProfile(t, ts, st, 0, stationMax(1, 0, 40))
			mustSetProfile(t, ts, st, 0, tp{id: 2, stack: 1, purpose: txDefault, periods: flat(16)})
			mustSetProfile(t, ts, st, 1, tp{id: 3, stack: 1, purpose: txDefault, periods: flat(16)})
			mustSetProfile(t, ts, st, 2, tp{id: 4, stack: 2, purpose: txDefault, periods: flat(16)})
			all := func() []int { return slices.Concat(installed(st, 0), installed(st, 1), installed(st, 2)) }

			refuse.Store(true)
			if got := clearProfiles(t, ts, st, clearing{}); got != "Unknown" {
				t.Errorf("a refused clear = %s, want Unknown", got)
			}
			refuse.Store(false)
			for _, tt := range []struct {
				name  string
				clear clearing
				want  string
				left  []int
			}{
				{"an unknown id", clearing{id: ptr(42)}, "Unknown", []int{1, 2, 3, 4}},
				{"by id", clearing{id: ptr(1)}, "Accepted", []int{2, 3, 4}},
				{"by connector", clearing{connector: ptr(1)}, "Accepted", []int{2, 4}},
				{"by purpose and stack level", clearing{purpose: txDefault, stack: ptr(2)}, "Accepted", []int{2}},
				{"a purpose none has", clearing{purpose: txProfile}, "Unknown", []int{2}},
				{"a connector and stack level none has together", clearing{connector: ptr(0), stack: ptr(3)}, "Unknown", []int{2}},
				{"everything", clearing{}, "Accepted", nil},
				{"everything, again", clearing{}, "Unknown", nil},
			} {
				if got := clearProfiles(t, ts, st, tt.clear); got != tt.want {
					t.Errorf("%s: ClearChargingProfile = %s, want %s", tt.name, got, tt.want)
				}
				if got := all(); !slices.Equal(got, tt.left) {
					t.Errorf("%s: profiles left %v, want %v", tt.name, got, tt.left)
				}
			}
		})
	}
}

// cperiod is a period of a composite schedule: phases 0 when it gave none.
type cperiod struct {
	start  int
	limit  float64
	phases int
}

// compositeSchedule sends GetCompositeSchedule and returns the status, the schedule's start
// and its periods.
func compositeSchedule(t *testing.T, ts *testServer, st *ocpptest.Station, n, duration int, unit string) (string, time.Time, []cperiod) {
	t.Helper()
	var out []cperiod
	if st.Version() == ocpptest.V16 {
		var res v16.GetCompositeScheduleResponse
		checkedCall(t, ts, st, "GetCompositeSchedule", &v16.GetCompositeScheduleRequest{ConnectorID: n, Duration: duration, ChargingRateUnit: v16.ChargingRateUnit(unit)}, &res)
		if res.ChargingSchedule == nil {
			return string(res.Status), time.Time{}, nil
		}
		s := res.ChargingSchedule
		if res.ConnectorID == nil || *res.ConnectorID != n || s.Duration == nil || *s.Duration != duration ||
			(unit != "" && string(s.ChargingRateUnit) != unit) || res.ScheduleStart == nil {
			t.Errorf("GetCompositeSchedule of %d for %d s in %q = %+v", n, duration, unit, res)
			return string(res.Status), time.Time{}, nil
		}
		for _, p := range s.ChargingSchedulePeriod {
			out = append(out, cperiod{p.StartPeriod, p.Limit, orZero(p.NumberPhases)})
		}
		return string(res.Status), *res.ScheduleStart, out
	}
	var res v201.GetCompositeScheduleResponse
	checkedCall(t, ts, st, "GetCompositeSchedule", &v201.GetCompositeScheduleRequest{EVSEID: n, Duration: duration, ChargingRateUnit: v201.ChargingRateUnit(unit)}, &res)
	s := res.Schedule
	if s == nil {
		return string(res.Status), time.Time{}, nil
	}
	if s.EVSEID != n || s.Duration != duration || (unit != "" && string(s.ChargingRateUnit) != unit) {
		t.Errorf("GetCompositeSchedule of %d for %d s in %q = %+v", n, duration, unit, s)
	}
	for _, p := range s.ChargingSchedulePeriod {
		out = append(out, cperiod{p.StartPeriod, p.Limit, orZero(p.NumberPhases)})
	}
	return string(res.Status), s.ScheduleStart, out
}

func orZero(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// TestCompositeSchedule: the composite schedule combines the purposes, stack levels, kinds
// and validity of the profiles that apply, moment by moment. The station's clock stands still
// at now; a case with a session starts it on connector 1 at now.
func TestCompositeSchedule(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC().Truncate(time.Second)
	type placed struct {
		connector int
		profile   tp
	}
	tests := []struct {
		name      string
		profiles  []placed
		session   bool
		connector int
		duration  int
		unit      string
		want      []cperiod // nil: Rejected
	}{
		{name: "no profile: the connector's own maximum", connector: 1, duration: 3600,
			want: []cperiod{{0, 32, 3}}},
		{name: "no profile, in W", connector: 1, duration: 3600, unit: "W",
			want: []cperiod{{0, 22080, 3}}},
		{name: "a connector the station lacks", connector: 3, duration: 3600},
		{name: "the station maximum above the default", connector: 1, duration: 3600,
			profiles: []placed{{0, stationMax(1, 0, 20)}, {0, tp{id: 2, purpose: txDefault, periods: flat(16)}}},
			want:     []cperiod{{0, 16, 3}}},
		{name: "the station maximum below the default", connector: 2, duration: 3600,
			profiles: []placed{{0, stationMax(1, 0, 10)}, {0, tp{id: 2, purpose: txDefault, periods: flat(16)}}},
			want:     []cperiod{{0, 10, 3}}},
		{name: "the higher stack level until its schedule ends", connector: 1, duration: 3600,
			profiles: []placed{{0, tp{id: 1, stack: 0, purpose: txDefault, periods: flat(10)}},
				{0, tp{id: 2, stack: 1, purpose: txDefault, duration: 600, periods: flat(20)}}},
			want: []cperiod{{0, 20, 3}, {600, 10, 3}}},
		{name: "the connector's default before the station's", connector: 1, duration: 3600,
			profiles: []placed{{0, tp{id: 1, stack: 5, purpose: txDefault, periods: flat(8)}}, {1, tp{id: 2, purpose: txDefault, periods: flat(12)}}},
			want:     []cperiod{{0, 12, 3}}},
		{name: "the station's default on another connector", connector: 2, duration: 3600,
			profiles: []placed{{0, tp{id: 1, stack: 5, purpose: txDefault, periods: flat(8)}}, {1, tp{id: 2, purpose: txDefault, periods: flat(12)}}},
			want:     []cperiod{{0, 8, 3}}},
		{name: "the transaction's TxProfile before the default", connector: 1, duration: 3600, session: true,
			profiles: []placed{{1, tp{id: 1, purpose: txDefault, periods: flat(6)}},
				{1, tp{id: 2, purpose: txProfile, tx: thisTx, duration: 1200, periods: []tpPeriod{{0, 16, 0}, {300, 11, 0}}}}},
			want: []cperiod{{0, 16, 3}, {300, 11, 3}, {1200, 6, 3}}},
		{name: "an Absolute schedule from its start", connector: 1, duration: 3600,
			profiles: []placed{{0, tp{id: 1, purpose: txDefault, kind: "Absolute", start: now.Add(300 * time.Second), duration: 900, periods: flat(10)}}},
			want:     []cperiod{{0, 32, 3}, {300, 10, 3}, {1200, 32, 3}}},
		{name: "validFrom and validTo", connector: 1, duration: 3600,
			profiles: []placed{{0, tp{id: 1, purpose: txDefault, periods: flat(10), validFrom: now.Add(600 * time.Second), validTo: now.Add(1200 * time.Second)}}},
			want:     []cperiod{{0, 32, 3}, {600, 10, 3}, {1200, 32, 3}}},
		{name: "a higher stack level not valid yet", connector: 1, duration: 3600,
			profiles: []placed{{0, stationMax(1, 0, 20)}, {0, tp{id: 2, stack: 1, purpose: maxProfile, kind: "Absolute", start: longAgo, periods: flat(5), validFrom: now.Add(300 * time.Second)}}},
			want:     []cperiod{{0, 20, 3}, {300, 5, 3}}},
		{name: "a daily schedule that runs again", connector: 1, duration: 7200,
			profiles: []placed{{0, tp{id: 1, purpose: txDefault, kind: "Recurring", recurrency: "Daily", start: now.Add(-24*time.Hour + 600*time.Second), duration: 3600, periods: flat(8)}}},
			want:     []cperiod{{0, 32, 3}, {600, 8, 3}, {4200, 32, 3}}},
		{name: "a weekly schedule running", connector: 1, duration: 3600,
			profiles: []placed{{0, tp{id: 1, purpose: txDefault, kind: "Recurring", recurrency: "Weekly", start: now.Add(-7*24*time.Hour - 300*time.Second), duration: 900, periods: []tpPeriod{{0, 8, 0}, {300, 12, 0}}}}},
			want:     []cperiod{{0, 12, 3}, {600, 32, 3}}},
		{name: "W at the period's phases", connector: 1, duration: 3600,
			profiles: []placed{{0, tp{id: 1, purpose: txDefault, unit: "W", periods: []tpPeriod{{0, 6900, 0}, {600, 2300, 1}}}}},
			want:     []cperiod{{0, 10, 3}, {600, 10, 1}}},
		{name: "A asked for in W", connector: 1, duration: 3600, unit: "W",
			profiles: []placed{{0, stationMax(1, 0, 16)}},
			want:     []cperiod{{0, 11040, 3}}},
		{name: "the whole station", connector: 0, duration: 3600,
			profiles: []placed{{0, stationMax(1, 0, 40)}, {1, tp{id: 2, purpose: txDefault, periods: flat(6)}}},
			want:     []cperiod{{0, 40, 3}}},
		{name: "the whole station without a maximum", connector: 0, duration: 3600,
			want: []cperiod{{0, 64, 3}}},
	}
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			clock := ladda.NewManualClock(now)
			ts, st := upStation(t, "CP-COMP-"+v, v, func(c *ocpptest.Config) { c.Clock = clock })
			ctx := testContext(t)
			for _, tt := range tests {
				var sess *ocpptest.Session
				if tt.session {
					var err error
					if sess, err = st.StartSession(ctx, 1, "TAG-OK"); err != nil {
						t.Fatal(err)
					}
				}
				for _, p := range tt.profiles {
					if status := setProfile(t, ts, st, p.connector, p.profile); status != "Accepted" {
						t.Fatalf("%s: SetChargingProfile %d = %s", tt.name, p.profile.id, status)
					}
				}
				status, start, got := compositeSchedule(t, ts, st, tt.connector, tt.duration, tt.unit)
				switch {
				case tt.want == nil && status != "Rejected":
					t.Errorf("%s: GetCompositeSchedule = %s %v, want Rejected", tt.name, status, got)
				case tt.want != nil && (status != "Accepted" || !start.Equal(now) || !slices.Equal(got, tt.want)):
					t.Errorf("%s: GetCompositeSchedule = %s from %v: %v; want Accepted from %v: %v", tt.name, status, start, got, now, tt.want)
				}
				if sess != nil {
					if err := sess.Stop(ctx, "Local"); err != nil {
						t.Fatal(err)
					}
				}
				clearProfiles(t, ts, st, clearing{})
			}
		})
	}
}

// TestLimit: Station.Limit is the composite limit now, in A per phase.
func TestLimit(t *testing.T) {
	t.Parallel()
	ts, st := upStation(t, "CP-LIMIT", ocpptest.V201, func(c *ocpptest.Config) { c.MaxCurrentA = 25 })
	if a, ok := st.Limit(1); ok || a != 25 {
		t.Errorf("Limit(1) without profiles = %v, %v; want the maximum 25, false", a, ok)
	}
	mustSetProfile(t, ts, st, 0, tp{id: 1, purpose: txDefault, unit: "W", periods: []tpPeriod{{0, 3680, 1}}})
	if a, ok := st.Limit(2); !ok || a != 16 {
		t.Errorf("Limit(2) under 3680 W on one phase = %v, %v; want 16, true", a, ok)
	}
	mustSetProfile(t, ts, st, 2, tp{id: 2, purpose: txDefault, periods: flat(40)})
	if a, ok := st.Limit(2); !ok || a != 25 {
		t.Errorf("Limit(2) under 40 A = %v, %v; want the maximum 25, true", a, ok)
	}
	if a, ok := st.Limit(3); ok || a != 0 {
		t.Errorf("Limit(3) of a connector the station lacks = %v, %v", a, ok)
	}
}

// TestGetChargingProfiles201: the station reports the profiles that match in one
// ReportChargingProfiles per EVSE after its answer, or answers NoProfiles.
func TestGetChargingProfiles201(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	reports := map[int][]v201.ReportChargingProfilesRequest{}
	answers := map[string]answerFunc{"ReportChargingProfiles": func(_ context.Context, _ gateway.Peer, payload json.RawMessage) any {
		var req v201.ReportChargingProfilesRequest
		if err := json.Unmarshal(payload, &req); err == nil {
			mu.Lock()
			reports[req.RequestID] = append(reports[req.RequestID], req)
			mu.Unlock()
		}
		return &v201.ReportChargingProfilesResponse{}
	}}
	ts := newWrappedServer(t, func(d gateway.Dispatcher) gateway.Dispatcher { return &answering{Dispatcher: d, answers: answers} })
	st := ts.mustStation(t, "CP-GCP", ocpptest.V201, nil)
	if err := st.Up(testContext(t)); err != nil {
		t.Fatal(err)
	}
	mustSetProfile(t, ts, st, 0, stationMax(1, 0, 40))
	mustSetProfile(t, ts, st, 0, tp{id: 2, purpose: txDefault, periods: flat(16)})
	mustSetProfile(t, ts, st, 1, tp{id: 3, stack: 1, purpose: txDefault, periods: flat(16)})
	mustSetProfile(t, ts, st, 2, tp{id: 4, stack: 1, purpose: txDefault, periods: flat(16)})

	for i, tt := range []struct {
		name     string
		evse     *int
		criteria v201.ChargingProfileCriterion
		want     string // EVSE:ids, per report in order; "" for NoProfiles
	}{
		{"all", nil, v201.ChargingProfileCriterion{}, "0:1,2 1:3 2:4"},
		{"one EVSE", ptr(1), v201.ChargingProfileCriterion{}, "1:3"},
		{"the station", ptr(0), v201.ChargingProfileCriterion{}, "0:1,2"},
		{"a purpose and stack level", nil, v201.ChargingProfileCriterion{ChargingProfilePurpose: v201.ChargingProfilePurposeTxDefaultProfile, StackLevel: ptr(1)}, "1:3 2:4"},
		{"ids", nil, v201.ChargingProfileCriterion{ChargingProfileID: []int{1, 4, 9}}, "0:1 2:4"},
		{"the CSMS's source", nil, v201.ChargingProfileCriterion{ChargingLimitSource: []v201.ChargingLimitSource{v201.ChargingLimitSourceCSO}}, "0:1,2 1:3 2:4"},
		{"another source", nil, v201.ChargingProfileCriterion{ChargingLimitSource: []v201.ChargingLimitSource{v201.ChargingLimitSourceEMS}}, ""},
		{"nothing there", ptr(2), v201.ChargingProfileCriterion{ChargingProfilePurpose: v201.ChargingProfilePurposeTxProfile}, ""},
	} {
		requestID := 100 + i
		var res v201.GetChargingProfilesResponse
		checkedCall(t, ts, st, "GetChargingProfiles", &v201.GetChargingProfilesRequest{RequestID: requestID, EVSEID: tt.evse, ChargingProfile: tt.criteria}, &res)
		if tt.want == "" {
			if res.Status != v201.GetChargingProfileStatusNoProfiles {
				t.Errorf("%s: GetChargingProfiles = %s, want NoProfiles", tt.name, res.Status)
			}
			continue
		}
		if res.Status != v201.GetChargingProfileStatusAccepted {
			t.Errorf("%s: GetChargingProfiles = %s, want Accepted", tt.name, res.Status)
			continue
		}
		wantReports := len(strings.Fields(tt.want))
		eventually(t, tt.name+": the reports", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(reports[requestID]) >= wantReports
		})
		mu.Lock()
		got, last := "", true
		for j, r := range reports[requestID] {
			var ids []string
			for _, p := range r.ChargingProfile {
				ids = append(ids, strconv.Itoa(p.ID))
			}
			if j > 0 {
				got += " "
			}
			got += fmt.Sprintf("%d:%s", r.EVSEID, strings.Join(ids, ","))
			tbc := r.Tbc != nil && *r.Tbc
			if tbc != (j < len(reports[requestID])-1) || r.ChargingLimitSource != v201.ChargingLimitSourceCSO {
				last = false
			}
		}
		mu.Unlock()
		if got != tt.want || !last {
			t.Errorf("%s: reported %q (tbc and source right: %v), want %q with tbc on all but the last", tt.name, got, last, tt.want)
		}
	}
}
