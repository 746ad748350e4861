package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/station"
)

// key16 returns a 1.6 configuration key as a setting reported by the station at t0.
func key16(key, value string) station.Setting {
	return station.Setting{Variable: key, Value: value, UpdatedBy: "station", UpdatedAt: t0}
}

// var201 returns a 2.0.1 variable's Actual attribute as reported by the station at t0.
func var201(component string, evse, connector int, variable, value string) station.Setting {
	return station.Setting{Component: component, EVSEID: evse, ConnectorID: connector, Variable: variable, Value: value,
		UpdatedBy: "station", UpdatedAt: t0}
}

// MustReplaceSettings replaces a station's settings.
func MustReplaceSettings(tb testing.TB, s Store, id ladda.StationID, settings ...station.Setting) {
	tb.Helper()
	if err := s.ReplaceSettings(tb.Context(), id, settings); err != nil {
		tb.Fatalf("ReplaceSettings(%s, %d settings): %v", id, len(settings), err)
	}
}

// MustSaveSettings saves settings of a station.
func MustSaveSettings(tb testing.TB, s Store, id ladda.StationID, settings ...station.Setting) {
	tb.Helper()
	if err := s.SaveSettings(tb.Context(), id, settings); err != nil {
		tb.Fatalf("SaveSettings(%s, %d settings): %v", id, len(settings), err)
	}
}

// MustSettings lists a station's settings.
func MustSettings(tb testing.TB, s Store, id ladda.StationID) []station.Setting {
	tb.Helper()
	list, err := s.Settings(tb.Context(), id)
	if err != nil {
		tb.Fatalf("Settings(%s): %v", id, err)
	}
	return list
}

// wantSettings fails unless the station's stored settings are want, in that order, with
// UpdatedAt in UTC.
func wantSettings(tb testing.TB, s Store, id ladda.StationID, want ...station.Setting) {
	tb.Helper()
	got := MustSettings(tb, s, id)
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			tb.Errorf("%s: setting %d missing, want %+v", id, i, want[i])
		case i >= len(want):
			tb.Errorf("%s: extra setting %d: %+v", id, i, got[i])
		default:
			g, w := got[i], want[i]
			wantTime(tb, fmt.Sprintf("%s: setting %d (%s) UpdatedAt", id, i, g.Variable), g.UpdatedAt, w.UpdatedAt)
			g.UpdatedAt, w.UpdatedAt = time.Time{}, time.Time{}
			if g != w {
				tb.Errorf("%s: setting %d = %+v, want %+v", id, i, g, w)
			}
		}
	}
}

func testSettings(t *testing.T, open func(t *testing.T) Store) {
	t.Run("replace then list orders by component, instance, EVSE, connector, variable, instance, attribute", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		// want is in the listing order; text compares byte by byte, numbers as numbers.
		want := []station.Setting{
			key16("AuthorizeRemoteTxRequests", "false"),
			key16("HeartbeatInterval", "300"),
			key16("heartbeatInterval", "lower case sorts after upper case"),
			var201("Connector", 1, 1, "Available", "true"),
			var201("Connector", 1, 2, "Available", "true"),
			var201("Connector", 2, 1, "Available", "true"),
			var201("Connector", 10, 1, "Available", "false"),
			{Component: "EVSE", EVSEID: 1, Variable: "Power", Value: "22000", UpdatedAt: t0},
			{Component: "EVSE", EVSEID: 1, Variable: "Power", Attribute: "MaxSet", Value: "11000", Unit: "W", DataType: "decimal", UpdatedAt: t0},
			{Component: "EVSE", EVSEID: 1, Variable: "Power", Attribute: "MinSet", Value: "0", UpdatedAt: t0},
			{Component: "EVSE", EVSEID: 1, Variable: "Power", VariableInstance: "L1", Value: "7000", UpdatedAt: t0},
			var201("OCPPCommCtrlr", 0, 0, "HeartbeatInterval", "60"),
			{Component: "OCPPCommCtrlr", ComponentInstance: "Backup", Variable: "HeartbeatInterval", Value: "120", UpdatedAt: t0},
			{Component: "SecurityCtrlr", Variable: "Identity", Value: "CS-1", ReadOnly: true, DataType: "string", UpdatedBy: "station", UpdatedAt: t0},
		}
		shuffled := make([]station.Setting, 0, len(want))
		for i := range want { // odd indices backwards, then even ones forwards
			if j := len(want) - 1 - i; j%2 == 1 {
				shuffled = append(shuffled, want[j])
			}
		}
		for i := 0; i < len(want); i += 2 {
			shuffled = append(shuffled, want[i])
		}
		MustReplaceSettings(t, s, "CS-1", shuffled...)
		wantSettings(t, s, "CS-1", want...)
	})

	t.Run("replacing removes the settings not in the new list, of that station only", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		MustCreateStation(t, s, "CS-2")
		MustReplaceSettings(t, s, "CS-1", key16("A", "1"), key16("B", "1"))
		MustReplaceSettings(t, s, "CS-2", key16("A", "2"))
		b, c := key16("B", "2"), key16("C", "2")
		b.UpdatedAt, c.UpdatedAt = at(time.Minute), at(time.Minute)
		MustReplaceSettings(t, s, "CS-1", c, b)
		wantSettings(t, s, "CS-1", b, c)
		wantSettings(t, s, "CS-2", key16("A", "2"))
		MustReplaceSettings(t, s, "CS-1")
		wantSettings(t, s, "CS-1")
		wantSettings(t, s, "CS-2", key16("A", "2"))
	})

	t.Run("a key given twice in one list keeps the later value", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		MustReplaceSettings(t, s, "CS-1", key16("A", "first"), key16("B", "1"), key16("A", "second"))
		wantSettings(t, s, "CS-1", key16("A", "second"), key16("B", "1"))
		MustSaveSettings(t, s, "CS-1", key16("B", "first"), key16("B", "second"))
		wantSettings(t, s, "CS-1", key16("A", "second"), key16("B", "second"))
	})

	t.Run("saving inserts and updates, leaving the other settings alone", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		MustReplaceSettings(t, s, "CS-1", key16("A", "1"), key16("B", "1"), key16("C", "1"))
		changed := station.Setting{Variable: "B", Value: "2", ReadOnly: true, Unit: "s", DataType: "integer",
			UpdatedBy: "apikey:12", UpdatedAt: at(time.Hour)}
		MustSaveSettings(t, s, "CS-1", changed, key16("D", "1"))
		wantSettings(t, s, "CS-1", key16("A", "1"), changed, key16("C", "1"), key16("D", "1"))
		MustSaveSettings(t, s, "CS-1")
		wantSettings(t, s, "CS-1", key16("A", "1"), changed, key16("C", "1"), key16("D", "1"))
	})

	t.Run("1.6 keys and 2.0.1 variables that differ in one part of the key do not collide", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		// Each differs from the first in exactly one part of the key; want is in listing order.
		want := []station.Setting{
			{Variable: "HeartbeatInterval", Value: "1.6 key"},
			{Variable: "HeartbeatInterval", Attribute: "Target", Value: "attribute"},
			{Variable: "HeartbeatInterval", VariableInstance: "x", Value: "variable instance"},
			{ConnectorID: 1, Variable: "HeartbeatInterval", Value: "connector"},
			{EVSEID: 1, Variable: "HeartbeatInterval", Value: "EVSE"},
			{ComponentInstance: "x", Variable: "HeartbeatInterval", Value: "component instance"},
			{Component: "OCPPCommCtrlr", Variable: "HeartbeatInterval", Value: "component"},
		}
		for i := range want {
			want[i].UpdatedAt = t0
		}
		for i := range want {
			MustSaveSettings(t, s, "CS-1", want[len(want)-1-i])
		}
		wantSettings(t, s, "CS-1", want...)
	})

	t.Run("the attribute Actual is the attribute left empty", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		reported := var201("OCPPCommCtrlr", 0, 0, "HeartbeatInterval", "60")
		reported.Attribute = "Actual"
		MustSaveSettings(t, s, "CS-1", reported)
		reported.Attribute = ""
		wantSettings(t, s, "CS-1", reported)
		changed := var201("OCPPCommCtrlr", 0, 0, "HeartbeatInterval", "30")
		changed.UpdatedBy = "user:7"
		MustSaveSettings(t, s, "CS-1", changed)
		wantSettings(t, s, "CS-1", changed)
	})

	t.Run("UpdatedAt and UpdatedBy round-trip, in UTC microseconds", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		tests := []struct {
			by   string
			at   time.Time
			want time.Time
		}{
			{"station", time.Date(2025, 3, 1, 11, 0, 0, 987654321, time.FixedZone("CET", 3600)), time.Date(2025, 3, 1, 10, 0, 0, 987654000, time.UTC)},
			{"apikey:12", time.Date(2025, 7, 1, 23, 59, 59, 999999999, time.UTC), time.Date(2025, 7, 1, 23, 59, 59, 999999000, time.UTC)},
			{"", t0, t0},
		}
		var in, want []station.Setting
		for i, tt := range tests {
			st := key16(fmt.Sprintf("Key%d", i), "v")
			st.UpdatedBy, st.UpdatedAt = tt.by, tt.at
			in = append(in, st)
			st.UpdatedAt = tt.want
			want = append(want, st)
		}
		MustReplaceSettings(t, s, "CS-1", in...)
		wantSettings(t, s, "CS-1", want...)
	})

	t.Run("a report of several hundred settings is stored whole", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		var want []station.Setting
		for i := range 600 {
			want = append(want, var201(fmt.Sprintf("Ctrlr%03d", i/3), i%3, 0, "Enabled", fmt.Sprint(i)))
		}
		MustReplaceSettings(t, s, "CS-1", want...)
		wantSettings(t, s, "CS-1", want...)
		MustReplaceSettings(t, s, "CS-1", want[:10]...)
		wantSettings(t, s, "CS-1", want[:10]...)
	})

	t.Run("deleting the station removes its settings", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		MustCreateStation(t, s, "CS-2")
		MustReplaceSettings(t, s, "CS-1", key16("A", "1"), var201("EVSE", 1, 0, "Power", "22000"))
		MustReplaceSettings(t, s, "CS-2", key16("A", "2"))
		if err := s.DeleteStation(t.Context(), "CS-1"); err != nil {
			t.Fatalf("DeleteStation: %v", err)
		}
		wantSettings(t, s, "CS-1")
		MustCreateStation(t, s, "CS-1") // the ID comes back without its old settings
		wantSettings(t, s, "CS-1")
		wantSettings(t, s, "CS-2", key16("A", "2"))
	})

	t.Run("an unknown station lists empty and cannot store settings", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		if got := MustSettings(t, s, "nope"); len(got) != 0 {
			t.Errorf("Settings(unknown) = %+v, want none", got)
		}
		wantKind(t, s.ReplaceSettings(t.Context(), "nope", []station.Setting{key16("A", "1")}), ladda.NotFound)
		wantKind(t, s.SaveSettings(t.Context(), "nope", []station.Setting{key16("A", "1")}), ladda.NotFound)
		wantKind(t, s.ReplaceSettings(t.Context(), "nope", nil), ladda.NotFound)
		MustCreateStation(t, s, "nope")
		wantSettings(t, s, "nope")
	})

	t.Run("settings without variable or with a negative EVSE or connector are invalid and change nothing", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		MustReplaceSettings(t, s, "CS-1", key16("A", "1"))
		for _, bad := range []station.Setting{
			{Component: "OCPPCommCtrlr", Value: "1"},
			{Variable: "Power", EVSEID: -1},
			{Variable: "Power", EVSEID: 1, ConnectorID: -1},
		} {
			wantKind(t, s.ReplaceSettings(t.Context(), "CS-1", []station.Setting{key16("B", "1"), bad}), ladda.Invalid)
			wantKind(t, s.SaveSettings(t.Context(), "CS-1", []station.Setting{key16("B", "1"), bad}), ladda.Invalid)
		}
		wantSettings(t, s, "CS-1", key16("A", "1"))
	})
}

// benchReplaceSettings: one station's full report of 300 settings replaces the stored one.
func benchReplaceSettings(b *testing.B, open func(b *testing.B) Store) {
	s := open(b)
	MustCreateStation(b, s, "CS-1")
	report := make([]station.Setting, 300)
	for i := range report {
		report[i] = var201(fmt.Sprintf("Ctrlr%03d", i/4), i%4, 0, "Enabled", "true")
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.ReplaceSettings(b.Context(), "CS-1", report); err != nil {
			b.Fatal(err)
		}
	}
}
