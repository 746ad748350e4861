package storetest

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/station"
)

// newReport returns a security event of a station, happened at t0+d and received a second later.
func newReport(id ladda.StationID, d time.Duration) *station.Report {
	return &station.Report{
		StationID: id,
		Action:    "SecurityEventNotification",
		Kind:      "FirmwareUpdated",
		Time:      at(d),
		Received:  at(d + time.Second),
		Payload:   json.RawMessage(`{"type":"FirmwareUpdated","timestamp":"2025-03-01T10:00:00Z"}`),
	}
}

// newStatusReport returns a firmware status report of a station, happened at t0+d.
func newStatusReport(id ladda.StationID, d time.Duration) *station.Report {
	return &station.Report{
		StationID: id,
		Action:    "FirmwareStatusNotification",
		Status:    "Installed",
		Time:      at(d),
		Received:  at(d),
		Payload:   json.RawMessage(`{"status":"Installed"}`),
	}
}

// MustRecordReport stores r and fails unless it got an ID.
func MustRecordReport(tb testing.TB, s Store, r *station.Report) *station.Report {
	tb.Helper()
	if err := s.RecordReport(tb.Context(), r); err != nil {
		tb.Fatalf("RecordReport(%s %s): %v", r.StationID, r.Action, err)
	}
	if r.ID <= 0 {
		tb.Fatalf("RecordReport(%s %s): ID = %d, want > 0", r.StationID, r.Action, r.ID)
	}
	return r
}

// MustReports lists the reports f selects.
func MustReports(tb testing.TB, s Store, f station.ReportFilter) []*station.Report {
	tb.Helper()
	list, err := s.Reports(tb.Context(), f)
	if err != nil {
		tb.Fatalf("Reports(%+v): %v", f, err)
	}
	return list
}

// reportIDs returns the IDs of the reports, in order.
func reportIDs(list []*station.Report) []int64 {
	ids := make([]int64, len(list))
	for i, r := range list {
		ids[i] = r.ID
	}
	return ids
}

// wantReport fails unless got is want as stored.
func wantReport(tb testing.TB, got, want *station.Report) {
	tb.Helper()
	if got.ID != want.ID || got.StationID != want.StationID || got.Action != want.Action || got.Kind != want.Kind || got.Status != want.Status {
		tb.Errorf("got %+v, want %+v", got, want)
	}
	wantJSON(tb, "Payload", got.Payload, want.Payload)
	wantTime(tb, "Time", got.Time, want.Time)
	wantTime(tb, "Received", got.Received, want.Received)
}

func testReports(t *testing.T, open func(t *testing.T) Store) {
	t.Run("a recorded report gets an ID and reads back as stored, times in UTC microseconds", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		cet := time.FixedZone("CET", 3600)
		r := newReport("CS-1", 0)
		r.Time = time.Date(2025, 3, 1, 11, 0, 0, 987654321, cet)
		r.Received = time.Date(2025, 3, 1, 11, 0, 1, 999, cet)
		MustRecordReport(t, s, r)
		wantTime(t, "Time after RecordReport", r.Time, time.Date(2025, 3, 1, 10, 0, 0, 987654000, time.UTC))
		wantTime(t, "Received after RecordReport", r.Received, time.Date(2025, 3, 1, 10, 0, 1, 0, time.UTC))
		list := MustReports(t, s, station.ReportFilter{StationID: "CS-1"})
		if len(list) != 1 {
			t.Fatalf("got %d reports, want 1", len(list))
		}
		wantReport(t, list[0], r)
	})

	t.Run("reports of unknown stations are kept", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		r := MustRecordReport(t, s, newReport("CS-unknown", 0))
		if got := reportIDs(MustReports(t, s, station.ReportFilter{StationID: "CS-unknown"})); !reflect.DeepEqual(got, []int64{r.ID}) {
			t.Errorf("IDs %v, want [%d]", got, r.ID)
		}
	})

	t.Run("IDs grow across stations", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := MustRecordReport(t, s, newReport("CS-1", 0))
		b := MustRecordReport(t, s, newReport("CS-2", 0))
		c := MustRecordReport(t, s, newReport("CS-1", 0))
		if !(a.ID < b.ID && b.ID < c.ID) {
			t.Errorf("IDs %d, %d, %d: want increasing", a.ID, b.ID, c.ID)
		}
	})

	t.Run("reports list newest first by ID, per station, with keyset pagination", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		var ids []int64
		for i := range 5 {
			// The station's clock runs backwards: the order is still that of recording.
			ids = append(ids, MustRecordReport(t, s, newReport("CS-1", -time.Duration(i)*time.Minute)).ID)
			MustRecordReport(t, s, newReport("CS-2", 0))
		}
		tests := []struct {
			name string
			f    station.ReportFilter
			want []int64
		}{
			{"all", station.ReportFilter{StationID: "CS-1"}, []int64{ids[4], ids[3], ids[2], ids[1], ids[0]}},
			{"first page", station.ReportFilter{StationID: "CS-1", Limit: 2}, []int64{ids[4], ids[3]}},
			{"second page", station.ReportFilter{StationID: "CS-1", Before: ids[3], Limit: 2}, []int64{ids[2], ids[1]}},
			{"last page", station.ReportFilter{StationID: "CS-1", Before: ids[1], Limit: 2}, []int64{ids[0]}},
			{"past the end", station.ReportFilter{StationID: "CS-1", Before: ids[0]}, []int64{}},
			{"negative before is no bound", station.ReportFilter{StationID: "CS-1", Before: -1, Limit: 1}, []int64{ids[4]}},
			{"unknown station", station.ReportFilter{StationID: "CS-9"}, []int64{}},
		}
		for _, tt := range tests {
			if got := reportIDs(MustReports(t, s, tt.f)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s: IDs %v, want %v", tt.name, got, tt.want)
			}
		}
		for _, r := range MustReports(t, s, station.ReportFilter{StationID: "CS-2"}) {
			if r.StationID != "CS-2" {
				t.Errorf("CS-2's list holds a report of %s", r.StationID)
			}
		}
	})

	t.Run("the action filter selects one action, with keyset pagination", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		var security, firmware []int64
		for i := range 3 {
			security = append(security, MustRecordReport(t, s, newReport("CS-1", time.Duration(i)*time.Minute)).ID)
			firmware = append(firmware, MustRecordReport(t, s, newStatusReport("CS-1", time.Duration(i)*time.Minute)).ID)
			MustRecordReport(t, s, newStatusReport("CS-2", 0))
		}
		sec, fw := "SecurityEventNotification", "FirmwareStatusNotification"
		tests := []struct {
			name string
			f    station.ReportFilter
			want []int64
		}{
			{"security events", station.ReportFilter{StationID: "CS-1", Action: &sec}, []int64{security[2], security[1], security[0]}},
			{"firmware status", station.ReportFilter{StationID: "CS-1", Action: &fw}, []int64{firmware[2], firmware[1], firmware[0]}},
			{"first page", station.ReportFilter{StationID: "CS-1", Action: &fw, Limit: 2}, []int64{firmware[2], firmware[1]}},
			{"next page", station.ReportFilter{StationID: "CS-1", Action: &fw, Before: firmware[1], Limit: 2}, []int64{firmware[0]}},
			{"before an ID of another action", station.ReportFilter{StationID: "CS-1", Action: &sec, Before: firmware[1]}, []int64{security[1], security[0]}},
			{"an action not reported", station.ReportFilter{StationID: "CS-1", Action: ptr("LogStatusNotification")}, []int64{}},
			{"the empty action", station.ReportFilter{StationID: "CS-1", Action: ptr("")}, []int64{}},
			{"action names are case-sensitive", station.ReportFilter{StationID: "CS-1", Action: ptr("securityeventnotification")}, []int64{}},
			{"another station", station.ReportFilter{StationID: "CS-2", Action: &sec}, []int64{}},
		}
		for _, tt := range tests {
			if got := reportIDs(MustReports(t, s, tt.f)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s: IDs %v, want %v", tt.name, got, tt.want)
			}
		}
		for _, r := range MustReports(t, s, station.ReportFilter{StationID: "CS-1", Action: &fw}) {
			if r.Action != fw || r.Status != "Installed" || r.Kind != "" {
				t.Errorf("firmware report %d: action %q, status %q, kind %q", r.ID, r.Action, r.Status, r.Kind)
			}
		}
	})

	t.Run("the default limit is 100", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for range 101 {
			MustRecordReport(t, s, newReport("CS-1", 0))
		}
		if got := MustReports(t, s, station.ReportFilter{StationID: "CS-1"}); len(got) != 100 {
			t.Errorf("got %d reports, want 100", len(got))
		}
		if got := MustReports(t, s, station.ReportFilter{StationID: "CS-1", Action: ptr("SecurityEventNotification")}); len(got) != 100 {
			t.Errorf("filtered by action: got %d reports, want 100", len(got))
		}
	})

	t.Run("a payload round-trips as the same JSON value", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		payloads := []string{
			`{"type":"StartupOfTheDevice","timestamp":"2025-03-01T10:00:00.000Z","techInfo":"cold boot"}`,
			`{ "eventData": [ {"eventId": 1, "trigger": "Alerting", "actualValue": "ünïcode \"quoted\" \u00e9 \ud83d\ude00",
			   "component": {"name": "EVSE", "evse": {"id": 1}}, "variable": {"name": "Problem"}, "cleared": false} ],
			   "generatedAt": "2025-03-01T10:00:00Z", "seqNo": 0, "tbc": null, "big": 12345678901234, "frac": 0.1 }`,
			`{"path":"C:\\logs\\u0000-not-a-nul"}`,
			`{}`,
			`[1,"two",null]`,
			`"just a string"`,
		}
		for i, p := range payloads {
			r := newReport("CS-1", time.Duration(i)*time.Second)
			r.Payload = json.RawMessage(p)
			MustRecordReport(t, s, r)
		}
		list := MustReports(t, s, station.ReportFilter{StationID: "CS-1"})
		if len(list) != len(payloads) {
			t.Fatalf("got %d reports, want %d", len(list), len(payloads))
		}
		for i, r := range list {
			wantJSON(t, "Payload", r.Payload, []byte(payloads[len(payloads)-1-i]))
		}
	})

	t.Run("a report without payload reads back without one", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		r := newReport("CS-1", 0)
		r.Payload = nil
		MustRecordReport(t, s, r)
		if got := MustReports(t, s, station.ReportFilter{StationID: "CS-1"}); len(got) != 1 || got[0].Payload != nil {
			t.Errorf("got %+v, want one report with a nil payload", got)
		}
	})

	t.Run("reports of a deleted station are still listed", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		r := MustRecordReport(t, s, newReport("CS-1", 0))
		if err := s.DeleteStation(t.Context(), "CS-1"); err != nil {
			t.Fatal(err)
		}
		list := MustReports(t, s, station.ReportFilter{StationID: "CS-1"})
		if len(list) != 1 {
			t.Fatalf("got %d reports after deleting the station, want 1", len(list))
		}
		wantReport(t, list[0], r)
	})

	t.Run("bad reports and filters are invalid and store nothing", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		tests := []struct {
			name   string
			change func(r *station.Report)
		}{
			{"no station", func(r *station.Report) { r.StationID = "" }},
			{"no action", func(r *station.Report) { r.Action = "" }},
			{"payload not JSON", func(r *station.Report) { r.Payload = json.RawMessage(`{"type":`) }},
			{"payload of two values", func(r *station.Report) { r.Payload = json.RawMessage(`{} {}`) }},
			{"payload not UTF-8", func(r *station.Report) { r.Payload = json.RawMessage("{\"techInfo\":\"\xff\xfe\"}") }},
			{"payload with an escaped NUL", func(r *station.Report) { r.Payload = json.RawMessage(`{"techInfo":"a\\\u0000b"}`) }},
			{"NUL in kind", func(r *station.Report) { r.Kind = "Firmware\x00Updated" }},
			{"status not UTF-8", func(r *station.Report) { r.Status = "\xc3" }},
		}
		for _, tt := range tests {
			r := newReport("CS-1", 0)
			tt.change(r)
			if err := s.RecordReport(t.Context(), r); err == nil {
				t.Errorf("%s: RecordReport = nil, want an Invalid error", tt.name)
			} else {
				wantKind(t, err, ladda.Invalid)
			}
			if r.ID != 0 {
				t.Errorf("%s: ID = %d after a refused report, want 0", tt.name, r.ID)
			}
		}
		if got := MustReports(t, s, station.ReportFilter{StationID: "CS-1"}); len(got) != 0 {
			t.Errorf("refused reports were stored: %+v", got)
		}
		_, err := s.Reports(t.Context(), station.ReportFilter{Action: ptr("SecurityEventNotification")})
		wantKind(t, err, ladda.Invalid)
	})
}
