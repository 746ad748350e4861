package storetest

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/station"
)

// newCommand returns a pending reset entry for a station, requested at t0+d.
func newCommand(id ladda.StationID, d time.Duration) *station.CommandRecord {
	return &station.CommandRecord{
		StationID:   id,
		Action:      "Reset",
		Request:     json.RawMessage(`{"type":"Soft"}`),
		Outcome:     station.CommandPending,
		RequestedBy: "apikey:12",
		RequestedAt: at(d),
	}
}

// MustRecordCommand stores c and fails unless it got an ID.
func MustRecordCommand(tb testing.TB, s Store, c *station.CommandRecord) *station.CommandRecord {
	tb.Helper()
	if err := s.RecordCommand(tb.Context(), c); err != nil {
		tb.Fatalf("RecordCommand(%s %s): %v", c.StationID, c.Action, err)
	}
	if c.ID <= 0 {
		tb.Fatalf("RecordCommand(%s %s): ID = %d, want > 0", c.StationID, c.Action, c.ID)
	}
	return c
}

// MustCommands lists the entries f selects.
func MustCommands(tb testing.TB, s Store, f station.CommandFilter) []*station.CommandRecord {
	tb.Helper()
	list, err := s.Commands(tb.Context(), f)
	if err != nil {
		tb.Fatalf("Commands(%+v): %v", f, err)
	}
	return list
}

// commandIDs returns the IDs of the entries, in order.
func commandIDs(list []*station.CommandRecord) []int64 {
	ids := make([]int64, len(list))
	for i, c := range list {
		ids[i] = c.ID
	}
	return ids
}

// wantJSON fails unless got and want hold the same JSON value.
func wantJSON(tb testing.TB, name string, got, want []byte) {
	tb.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		tb.Fatalf("%s = %s: %v", name, got, err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		tb.Fatalf("want %s: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		tb.Errorf("%s = %s, want %s", name, got, want)
	}
}

// wantCommand fails unless got is want as stored: of the answer, the log keeps Status, Reason
// and Data.
func wantCommand(tb testing.TB, got, want *station.CommandRecord) {
	tb.Helper()
	ga, wa := got.Answer, want.Answer
	if got.ID != want.ID || got.StationID != want.StationID || got.Action != want.Action || got.Outcome != want.Outcome ||
		ga.Status != wa.Status || ga.Reason != wa.Reason || ga.Data != wa.Data || got.Error != want.Error || got.RequestedBy != want.RequestedBy {
		tb.Errorf("got %+v, want %+v", got, want)
	}
	wantJSON(tb, "Request", got.Request, want.Request)
	wantTime(tb, "RequestedAt", got.RequestedAt, want.RequestedAt)
	wantTimePtr(tb, "AnsweredAt", got.AnsweredAt, want.AnsweredAt)
}

func testCommands(t *testing.T, open func(t *testing.T) Store) {
	t.Run("a recorded command gets an ID and reads back as stored", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		c := MustRecordCommand(t, s, newCommand("CS-1", time.Minute))
		list := MustCommands(t, s, station.CommandFilter{StationID: "CS-1"})
		if len(list) != 1 {
			t.Fatalf("got %d entries, want 1", len(list))
		}
		wantCommand(t, list[0], c)
		if list[0].AnsweredAt != nil || list[0].Outcome != station.CommandPending {
			t.Errorf("a new entry is %s, answered at %v; want pending, unanswered", list[0].Outcome, list[0].AnsweredAt)
		}
	})

	t.Run("IDs grow and are never reused", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := MustRecordCommand(t, s, newCommand("CS-1", 0))
		b := MustRecordCommand(t, s, newCommand("CS-2", 0))
		c := MustRecordCommand(t, s, newCommand("CS-1", 0))
		if !(a.ID < b.ID && b.ID < c.ID) {
			t.Errorf("IDs %d, %d, %d: want increasing", a.ID, b.ID, c.ID)
		}
	})

	t.Run("finishing stores outcome, answer, error and answer time", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		answered := time.Date(2025, 3, 1, 11, 0, 0, 987654321, time.FixedZone("CET", 3600))
		tests := []struct {
			name   string
			finish func(c *station.CommandRecord)
		}{
			{"answered", func(c *station.CommandRecord) {
				c.Outcome, c.Answer, c.AnsweredAt = station.CommandAnswered, station.Answer{Status: "Rejected", Reason: "UnknownEvse", Data: "d"}, &answered
			}},
			{"failed", func(c *station.CommandRecord) {
				c.Outcome, c.Error, c.AnsweredAt = station.CommandFailed, "NotSupported: no such action", &answered
			}},
			{"timeout", func(c *station.CommandRecord) {
				c.Outcome, c.Error = station.CommandTimeout, "no answer in 30s"
			}},
			{"offline", func(c *station.CommandRecord) {
				c.Outcome, c.Error = station.CommandOffline, station.ErrOffline.Error()
			}},
		}
		want := map[int64]*station.CommandRecord{}
		for _, tt := range tests {
			c := MustRecordCommand(t, s, newCommand("CS-1", 0))
			tt.finish(c)
			if err := s.FinishCommand(t.Context(), c); err != nil {
				t.Fatalf("%s: FinishCommand: %v", tt.name, err)
			}
			w := *c
			w.AnsweredAt = normTime(c.AnsweredAt)
			want[c.ID] = &w
		}
		list := MustCommands(t, s, station.CommandFilter{StationID: "CS-1"})
		if len(list) != len(tests) {
			t.Fatalf("got %d entries, want %d", len(list), len(tests))
		}
		for _, got := range list {
			wantCommand(t, got, want[got.ID])
		}
	})

	t.Run("finishing an unknown command is not found and changes nothing", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		c := MustRecordCommand(t, s, newCommand("CS-1", 0))
		unknown := *c
		unknown.ID, unknown.Outcome = c.ID+100, station.CommandAnswered
		wantKind(t, s.FinishCommand(t.Context(), &unknown), ladda.NotFound)
		if got := MustCommands(t, s, station.CommandFilter{StationID: "CS-1"}); len(got) != 1 || got[0].Outcome != station.CommandPending {
			t.Errorf("after finishing an unknown ID: %+v, want the one pending entry", got)
		}
	})

	t.Run("entries list newest first, per station, with keyset pagination", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		var ids []int64
		for i := range 5 {
			ids = append(ids, MustRecordCommand(t, s, newCommand("CS-1", time.Duration(i)*time.Minute)).ID)
			MustRecordCommand(t, s, newCommand("CS-2", 0))
		}
		tests := []struct {
			name string
			f    station.CommandFilter
			want []int64
		}{
			{"all", station.CommandFilter{StationID: "CS-1"}, []int64{ids[4], ids[3], ids[2], ids[1], ids[0]}},
			{"first page", station.CommandFilter{StationID: "CS-1", Limit: 2}, []int64{ids[4], ids[3]}},
			{"second page", station.CommandFilter{StationID: "CS-1", Before: ids[3], Limit: 2}, []int64{ids[2], ids[1]}},
			{"last page", station.CommandFilter{StationID: "CS-1", Before: ids[1], Limit: 2}, []int64{ids[0]}},
			{"past the end", station.CommandFilter{StationID: "CS-1", Before: ids[0]}, []int64{}},
			{"unknown station", station.CommandFilter{StationID: "CS-9"}, []int64{}},
		}
		for _, tt := range tests {
			got := commandIDs(MustCommands(t, s, tt.f))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s: IDs %v, want %v", tt.name, got, tt.want)
			}
		}
		for _, c := range MustCommands(t, s, station.CommandFilter{StationID: "CS-2"}) {
			if c.StationID != "CS-2" {
				t.Errorf("CS-2's list holds an entry of %s", c.StationID)
			}
		}
	})

	t.Run("the default limit is 100", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for range 101 {
			MustRecordCommand(t, s, newCommand("CS-1", 0))
		}
		if got := MustCommands(t, s, station.CommandFilter{StationID: "CS-1"}); len(got) != 100 {
			t.Errorf("got %d entries, want 100", len(got))
		}
	})

	t.Run("a request round-trips as the same JSON value", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		requests := []string{
			`{"type":"Hard","evseId":2}`,
			`{ "vendorId": "com.example", "data": "ünïcode \"quoted\" \u00e9", "nested": {"b": [1, 2.5, null, true], "a": {}} }`,
			`{}`,
			`[1,"two"]`,
		}
		for i, req := range requests {
			c := newCommand("CS-1", time.Duration(i)*time.Second)
			c.Request = json.RawMessage(req)
			MustRecordCommand(t, s, c)
		}
		list := MustCommands(t, s, station.CommandFilter{StationID: "CS-1"})
		if len(list) != len(requests) {
			t.Fatalf("got %d entries, want %d", len(list), len(requests))
		}
		for i, c := range list {
			wantJSON(t, "Request", c.Request, []byte(requests[len(requests)-1-i]))
		}
	})

	t.Run("an entry without request reads back without one", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		c := newCommand("CS-1", 0)
		c.Action, c.Request = "ClearCache", nil
		MustRecordCommand(t, s, c)
		if got := MustCommands(t, s, station.CommandFilter{StationID: "CS-1"}); len(got) != 1 || got[0].Request != nil {
			t.Errorf("got %+v, want one entry with a nil request", got)
		}
	})

	t.Run("an empty outcome is recorded as pending", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		c := newCommand("CS-1", 0)
		c.Outcome = ""
		MustRecordCommand(t, s, c)
		if got := MustCommands(t, s, station.CommandFilter{StationID: "CS-1"}); len(got) != 1 || got[0].Outcome != station.CommandPending {
			t.Errorf("got %+v, want one pending entry", got)
		}
	})

	t.Run("entries of a deleted station are still listed", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		c := MustRecordCommand(t, s, newCommand("CS-1", 0))
		if err := s.DeleteStation(t.Context(), "CS-1"); err != nil {
			t.Fatal(err)
		}
		if got := commandIDs(MustCommands(t, s, station.CommandFilter{StationID: "CS-1"})); !reflect.DeepEqual(got, []int64{c.ID}) {
			t.Errorf("IDs %v after deleting the station, want [%d]", got, c.ID)
		}
	})

	t.Run("bad entries and filters are invalid", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		noStation, noAction, badJSON := newCommand("", 0), newCommand("CS-1", 0), newCommand("CS-1", 0)
		noAction.Action = ""
		badJSON.Request = json.RawMessage(`{"type":`)
		for _, c := range []*station.CommandRecord{noStation, noAction, badJSON} {
			wantKind(t, s.RecordCommand(t.Context(), c), ladda.Invalid)
		}
		_, err := s.Commands(t.Context(), station.CommandFilter{})
		wantKind(t, err, ladda.Invalid)
		c := MustRecordCommand(t, s, newCommand("CS-1", 0))
		c.Outcome = ""
		wantKind(t, s.FinishCommand(t.Context(), c), ladda.Invalid)
	})
}

// normTime is an optional time as stores return it: UTC, microseconds.
func normTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	n := t.UTC().Truncate(time.Microsecond)
	return &n
}
