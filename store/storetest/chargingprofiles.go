package storetest

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/station"
)

// newInstalledProfile returns a TxDefaultProfile record of a station's EVSE with every field
// of the profile set.
func newInstalledProfile(id ladda.StationID, evse, profileID int) *station.InstalledProfile {
	return &station.InstalledProfile{
		StationID: id,
		EVSEID:    evse,
		Profile: station.ChargingProfile{
			ID: profileID, StackLevel: 1, Purpose: station.PurposeTxDefault, Kind: "Recurring", Recurrency: "Daily",
			ValidFrom: ptr(at(0)), ValidTo: ptr(at(30 * 24 * time.Hour)),
			Schedule: station.ChargingSchedule{StartAt: ptr(at(time.Hour)), Duration: ptr(86400), RateUnit: "A", MinRate: ptr(6.0),
				Periods: []station.SchedulePeriod{{Start: 0, Limit: 16}, {Start: 3600, Limit: 10.5, Phases: ptr(1)}}},
		},
		SetBy: "apikey:3",
		SetAt: at(time.Minute),
	}
}

// MustSaveChargingProfile stores p.
func MustSaveChargingProfile(tb testing.TB, s Store, p *station.InstalledProfile) *station.InstalledProfile {
	tb.Helper()
	if err := s.SaveChargingProfile(tb.Context(), p); err != nil {
		tb.Fatalf("SaveChargingProfile(%s %d): %v", p.StationID, p.Profile.ID, err)
	}
	return p
}

// MustChargingProfiles lists a station's records.
func MustChargingProfiles(tb testing.TB, s Store, id ladda.StationID) []*station.InstalledProfile {
	tb.Helper()
	list, err := s.ChargingProfiles(tb.Context(), id)
	if err != nil {
		tb.Fatalf("ChargingProfiles(%s): %v", id, err)
	}
	return list
}

// profileIDs returns the profile ids of the records, in order.
func profileIDs(list []*station.InstalledProfile) []int {
	ids := make([]int, len(list))
	for i, p := range list {
		ids[i] = p.Profile.ID
	}
	return ids
}

func testChargingProfiles(t *testing.T, open func(t *testing.T) Store) {
	t.Run("a saved profile reads back as stored, times in UTC microseconds", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		cet := time.FixedZone("CET", 3600)
		p := newInstalledProfile("CS-1", 2, 7)
		p.SetAt = time.Date(2025, 3, 1, 11, 1, 0, 987654321, cet)
		p.Profile.ValidTo = ptr(time.Date(2025, 4, 1, 1, 0, 0, 999, cet))
		MustSaveChargingProfile(t, s, p)
		want := newInstalledProfile("CS-1", 2, 7)
		want.SetAt = time.Date(2025, 3, 1, 10, 1, 0, 987654000, time.UTC)
		want.Profile.ValidTo = ptr(time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC))
		wantAlike(t, "after SaveChargingProfile", p, want)
		list := MustChargingProfiles(t, s, "CS-1")
		if len(list) != 1 {
			t.Fatalf("got %d records, want 1", len(list))
		}
		wantAlike(t, "listed", list[0], want)
		if list[0].SetAt.Location() != time.UTC || list[0].Profile.ValidTo.Location() != time.UTC {
			t.Errorf("times not in UTC: %v, %v", list[0].SetAt, list[0].Profile.ValidTo)
		}
	})

	t.Run("a TxProfile keeps its transaction; a minimal profile its absent parts", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		p := &station.InstalledProfile{StationID: "CS-1", EVSEID: 1, StationTxID: "tx-0042", SetAt: at(0),
			Profile: station.ChargingProfile{ID: 3, Purpose: station.PurposeTx, Kind: "Relative",
				Schedule: station.ChargingSchedule{RateUnit: "W", Periods: []station.SchedulePeriod{{Start: 0, Limit: 7400}}}}}
		MustSaveChargingProfile(t, s, p)
		want := *p
		list := MustChargingProfiles(t, s, "CS-1")
		if len(list) != 1 {
			t.Fatalf("got %d records, want 1", len(list))
		}
		wantAlike(t, "listed", list[0], &want)
	})

	t.Run("the same profile id replaces the record, whatever its EVSE; others stay", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		MustCreateStation(t, s, "CS-2")
		MustSaveChargingProfile(t, s, newInstalledProfile("CS-1", 1, 7))
		MustSaveChargingProfile(t, s, newInstalledProfile("CS-1", 1, 8))
		MustSaveChargingProfile(t, s, newInstalledProfile("CS-2", 1, 7))
		again := newInstalledProfile("CS-1", 2, 7)
		again.Profile.Purpose, again.Profile.StackLevel, again.StationTxID, again.SetBy = station.PurposeTx, 4, "99", "system"
		again.Profile.Schedule.Periods = []station.SchedulePeriod{{Start: 0, Limit: 6}}
		MustSaveChargingProfile(t, s, again)
		list := MustChargingProfiles(t, s, "CS-1")
		if got := profileIDs(list); !reflect.DeepEqual(got, []int{8, 7}) {
			t.Fatalf("profile ids %v, want [8 7] (EVSE 1, then EVSE 2)", got)
		}
		wantAlike(t, "the replacement", list[1], again)
		if got := profileIDs(MustChargingProfiles(t, s, "CS-2")); !reflect.DeepEqual(got, []int{7}) {
			t.Errorf("CS-2's profile ids %v, want [7]", got)
		}
	})

	t.Run("records list by EVSE, purpose, stack level and id", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		for _, r := range []struct {
			evse, id, level int
			purpose         string
		}{
			{2, 1, 0, station.PurposeTxDefault},
			{0, 2, 0, station.PurposeStationMax},
			{1, 3, 2, station.PurposeTxDefault},
			{1, 4, 1, station.PurposeTxDefault},
			{1, 5, 1, station.PurposeTx},
			{1, 6, 1, station.PurposeTxDefault},
			{0, 7, 0, station.PurposeTxDefault},
		} {
			p := newInstalledProfile("CS-1", r.evse, r.id)
			p.Profile.StackLevel, p.Profile.Purpose = r.level, r.purpose
			MustSaveChargingProfile(t, s, p)
		}
		// EVSE 0: ChargingStationMaxProfile < TxDefaultProfile; EVSE 1: TxDefaultProfile (levels
		// 1, 1, 2) < TxProfile; EVSE 2.
		if got := profileIDs(MustChargingProfiles(t, s, "CS-1")); !reflect.DeepEqual(got, []int{2, 7, 4, 6, 3, 5, 1}) {
			t.Errorf("profile ids %v, want [2 7 4 6 3 5 1]", got)
		}
		if got := MustChargingProfiles(t, s, "CS-unknown"); len(got) != 0 {
			t.Errorf("an unknown station has %d records, want none", len(got))
		}
	})

	t.Run("deleting removes the records that match every criterion, and says how many", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		fill := func(id ladda.StationID) {
			MustCreateStation(t, s, id)
			for _, r := range []struct {
				evse, id, level int
				purpose, tx     string
			}{
				{0, 1, 0, station.PurposeStationMax, ""},
				{1, 2, 0, station.PurposeTxDefault, ""},
				{1, 3, 1, station.PurposeTxDefault, ""},
				{2, 4, 0, station.PurposeTxDefault, ""},
				{1, 5, 1, station.PurposeTx, "tx-1"},
				{2, 6, 1, station.PurposeTx, "tx-2"},
			} {
				p := newInstalledProfile(id, r.evse, r.id)
				p.Profile.StackLevel, p.Profile.Purpose, p.StationTxID = r.level, r.purpose, r.tx
				MustSaveChargingProfile(t, s, p)
			}
		}
		tests := []struct {
			name string
			f    station.ProfileFilter
			n    int
			left []int
		}{
			{"by id", station.ProfileFilter{ID: ptr(3)}, 1, []int{1, 2, 4, 5, 6}},
			{"an unknown id", station.ProfileFilter{ID: ptr(9)}, 0, []int{1, 2, 3, 4, 5, 6}},
			{"by EVSE", station.ProfileFilter{EVSEID: ptr(1)}, 3, []int{1, 4, 6}},
			{"EVSE 0 is the station's own", station.ProfileFilter{EVSEID: ptr(0)}, 1, []int{2, 3, 4, 5, 6}},
			{"by purpose", station.ProfileFilter{Purpose: station.PurposeTxDefault}, 3, []int{1, 5, 6}},
			{"by stack level", station.ProfileFilter{StackLevel: ptr(1)}, 3, []int{1, 2, 4}},
			{"by EVSE, purpose and stack level", station.ProfileFilter{EVSEID: ptr(1), Purpose: station.PurposeTxDefault, StackLevel: ptr(0)}, 1, []int{1, 3, 4, 5, 6}},
			{"by transaction", station.ProfileFilter{Purpose: station.PurposeTx, StationTxID: ptr("tx-2")}, 1, []int{1, 2, 3, 4, 5}},
			{"the empty transaction is that of the others", station.ProfileFilter{StationTxID: ptr("")}, 4, []int{5, 6}},
			{"an id and criteria that do not meet", station.ProfileFilter{ID: ptr(2), EVSEID: ptr(2)}, 0, []int{1, 2, 3, 4, 5, 6}},
			{"everything", station.ProfileFilter{}, 6, []int{}},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				id := ladda.StationID("CS-" + string(rune('A'+i)))
				fill(id)
				fill(id + "-other")
				tt.f.StationID = id
				n, err := s.DeleteChargingProfiles(t.Context(), tt.f)
				if err != nil || n != tt.n {
					t.Fatalf("DeleteChargingProfiles(%+v) = %d, %v; want %d", tt.f, n, err, tt.n)
				}
				left := profileIDs(MustChargingProfiles(t, s, id))
				slices.Sort(left)
				if !reflect.DeepEqual(left, tt.left) {
					t.Errorf("left %v, want %v", left, tt.left)
				}
				if got := MustChargingProfiles(t, s, id+"-other"); len(got) != 6 {
					t.Errorf("another station has %d records left, want 6", len(got))
				}
			})
		}
	})

	t.Run("refusals", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		if err := s.SaveChargingProfile(t.Context(), newInstalledProfile("CS-unknown", 1, 1)); !ladda.IsKind(err, ladda.NotFound) {
			t.Errorf("saving for an unknown station: %v, want not found", err)
		}
		for name, change := range map[string]func(p *station.InstalledProfile){
			"profile id 0":       func(p *station.InstalledProfile) { p.Profile.ID = 0 },
			"negative EVSE":      func(p *station.InstalledProfile) { p.EVSEID = -1 },
			"negative level":     func(p *station.InstalledProfile) { p.Profile.StackLevel = -1 },
			"no purpose":         func(p *station.InstalledProfile) { p.Profile.Purpose = "" },
			"NUL in set by":      func(p *station.InstalledProfile) { p.SetBy = "api\x00key" },
			"invalid UTF-8 txid": func(p *station.InstalledProfile) { p.StationTxID = "\xff" },
		} {
			p := newInstalledProfile("CS-1", 1, 1)
			change(p)
			if err := s.SaveChargingProfile(t.Context(), p); !ladda.IsKind(err, ladda.Invalid) {
				t.Errorf("%s: %v, want invalid", name, err)
			}
		}
		if got := MustChargingProfiles(t, s, "CS-1"); len(got) != 0 {
			t.Errorf("refused saves left %d records", len(got))
		}
		if _, err := s.DeleteChargingProfiles(t.Context(), station.ProfileFilter{}); !ladda.IsKind(err, ladda.Invalid) {
			t.Errorf("deleting without a station: %v, want invalid", err)
		}
	})

	t.Run("a station's records go with it", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		MustSaveChargingProfile(t, s, newInstalledProfile("CS-1", 1, 1))
		if err := s.DeleteStation(t.Context(), "CS-1"); err != nil {
			t.Fatal(err)
		}
		MustCreateStation(t, s, "CS-1")
		if got := MustChargingProfiles(t, s, "CS-1"); len(got) != 0 {
			t.Errorf("a new station of the same id has %d records of the old one", len(got))
		}
	})
}
