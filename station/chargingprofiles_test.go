package station

import (
	"cmp"
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
)

// fakeStore keeps stations' command logs and charging-profile records in memory; the other
// methods of Store are not needed here (calling one panics).
type fakeStore struct {
	Store
	stations map[ladda.StationID]bool
	commands []*CommandRecord
	profiles map[ladda.StationID]map[int]InstalledProfile
}

func newFakeStore(ids ...ladda.StationID) *fakeStore {
	f := &fakeStore{stations: map[ladda.StationID]bool{}, profiles: map[ladda.StationID]map[int]InstalledProfile{}}
	for _, id := range ids {
		f.stations[id] = true
	}
	return f
}

func (f *fakeStore) Station(_ context.Context, id ladda.StationID) (*Station, error) {
	if !f.stations[id] {
		return nil, ladda.Errorf(ladda.NotFound, "fake.Station", "station %s not found", id)
	}
	return &Station{ID: id}, nil
}

func (f *fakeStore) RecordCommand(_ context.Context, c *CommandRecord) error {
	c.ID = int64(len(f.commands) + 1)
	f.commands = append(f.commands, c)
	return nil
}

func (f *fakeStore) FinishCommand(context.Context, *CommandRecord) error { return nil }

func (f *fakeStore) SaveChargingProfile(_ context.Context, p *InstalledProfile) error {
	if !f.stations[p.StationID] {
		return ladda.Errorf(ladda.NotFound, "fake.SaveChargingProfile", "station %s not found", p.StationID)
	}
	if f.profiles[p.StationID] == nil {
		f.profiles[p.StationID] = map[int]InstalledProfile{}
	}
	f.profiles[p.StationID][p.Profile.ID] = *p
	return nil
}

func (f *fakeStore) ChargingProfiles(_ context.Context, id ladda.StationID) ([]*InstalledProfile, error) {
	var list []*InstalledProfile
	for _, p := range f.profiles[id] {
		list = append(list, &p)
	}
	slices.SortFunc(list, func(a, b *InstalledProfile) int {
		return cmp.Or(cmp.Compare(a.EVSEID, b.EVSEID), cmp.Compare(a.Profile.Purpose, b.Profile.Purpose),
			cmp.Compare(a.Profile.StackLevel, b.Profile.StackLevel), cmp.Compare(a.Profile.ID, b.Profile.ID))
	})
	return list, nil
}

func (f *fakeStore) DeleteChargingProfiles(_ context.Context, pf ProfileFilter) (int, error) {
	n := 0
	for id, p := range f.profiles[pf.StationID] {
		if (pf.ID == nil || *pf.ID == id) && (pf.EVSEID == nil || *pf.EVSEID == p.EVSEID) && (pf.Purpose == "" || pf.Purpose == p.Profile.Purpose) &&
			(pf.StackLevel == nil || *pf.StackLevel == p.Profile.StackLevel) && (pf.StationTxID == nil || *pf.StationTxID == p.StationTxID) {
			delete(f.profiles[pf.StationID], id)
			n++
		}
	}
	return n, nil
}

// fakeCommander answers each command with the status set for its action (Accepted when none)
// and keeps the commands it was given.
type fakeCommander struct {
	status map[string]string
	sent   []Command
}

func (c *fakeCommander) Execute(_ context.Context, _ ladda.StationID, cmd Command) (Answer, error) {
	c.sent = append(c.sent, cmd)
	if s, ok := c.status[cmd.Action()]; ok {
		return Answer{Status: s}, nil
	}
	return Answer{Status: "Accepted"}, nil
}

// installedIDs lists the ids of the profiles the service shows for a station, in order.
func installedIDs(t *testing.T, s *Service, id ladda.StationID) []int {
	t.Helper()
	list, err := s.ChargingProfiles(context.Background(), id)
	if err != nil {
		t.Fatalf("ChargingProfiles(%s): %v", id, err)
	}
	ids := []int{}
	for _, p := range list {
		ids = append(ids, p.Profile.ID)
	}
	return ids
}

// TestServiceKeepsInstalledProfiles: what a station accepts to set is recorded with who set it
// and when; refusals are not; a profile replaces those the station replaces; an accepted clear
// removes what it matched; the end of a transaction removes its TxProfiles; expired profiles
// are not shown.
func TestServiceKeepsInstalledProfiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := ladda.NewManualClock(now)
	store := newFakeStore("CS-1", "CS-2")
	cmd := &fakeCommander{status: map[string]string{}}
	s := NewService(store, nil, clock, nil, Config{})
	s.SetCommander(cmd)
	set := func(id ladda.StationID, evse int, tx string, p ChargingProfile) *CommandRecord {
		t.Helper()
		rec, err := s.Execute(ctx, id, SetChargingProfile{EVSEID: evse, TransactionID: tx, Profile: p}, "apikey:7")
		if err != nil {
			t.Fatalf("setting profile %d: %v", p.ID, err)
		}
		return rec
	}
	profile := func(id, level int, purpose string) ChargingProfile {
		p := validProfile()
		p.ID, p.StackLevel, p.Purpose = id, level, purpose
		return p
	}
	want := func(id ladda.StationID, ids ...int) {
		t.Helper()
		if got := installedIDs(t, s, id); !reflect.DeepEqual(got, append([]int{}, ids...)) {
			t.Fatalf("%s shows profiles %v, want %v", id, got, ids)
		}
	}

	set("CS-1", 1, "", profile(1, 0, PurposeTxDefault))
	set("CS-1", 1, "tx-1", profile(2, 0, PurposeTx))
	set("CS-1", 2, "tx-2", profile(3, 0, PurposeTx))
	set("CS-2", 1, "", profile(1, 0, PurposeTxDefault))
	want("CS-1", 1, 2, 3)
	list, _ := s.ChargingProfiles(ctx, "CS-1")
	if p := list[1]; p.StationID != "CS-1" || p.EVSEID != 1 || p.StationTxID != "tx-1" || p.SetBy != "apikey:7" || !p.SetAt.Equal(now) ||
		!reflect.DeepEqual(p.Profile, profile(2, 0, PurposeTx)) {
		t.Errorf("record %+v", p)
	}

	// A refusal changes nothing, nor does a command that breaks the rules (which is not sent).
	cmd.status["SetChargingProfile"] = "Rejected"
	set("CS-1", 1, "", profile(9, 0, PurposeTxDefault))
	cmd.status["SetChargingProfile"] = "Accepted"
	sent := len(cmd.sent)
	logged := len(store.commands)
	if _, err := s.Execute(ctx, "CS-1", SetChargingProfile{EVSEID: 0, TransactionID: "tx-1", Profile: profile(10, 0, PurposeTx)}, "apikey:7"); !ladda.IsKind(err, ladda.Invalid) {
		t.Errorf("a TxProfile on EVSE 0: %v, want invalid", err)
	}
	if len(cmd.sent) != sent || len(store.commands) != logged {
		t.Error("a command that breaks the rules was sent or logged")
	}
	want("CS-1", 1, 2, 3)

	// The same id replaces, on another EVSE too; so does the same EVSE, purpose and level.
	clock.Advance(time.Minute)
	set("CS-1", 2, "", profile(1, 0, PurposeTxDefault))
	want("CS-1", 2, 1, 3)
	set("CS-1", 2, "", profile(4, 0, PurposeTxDefault))
	want("CS-1", 2, 4, 3)
	// … unless their validity does not overlap, or they belong to other transactions.
	later := profile(5, 0, PurposeTxDefault)
	from, to := now.Add(24*time.Hour), now.Add(48*time.Hour)
	later.ValidFrom, later.ValidTo = &from, &to
	first := profile(6, 0, PurposeTxDefault)
	first.ValidTo = &from
	set("CS-1", 1, "", first)
	set("CS-1", 1, "", later)
	set("CS-1", 2, "tx-3", profile(7, 0, PurposeTx))
	want("CS-1", 5, 6, 2, 4, 3, 7)

	// Clearing what the station accepted to clear.
	evse, level := 2, 0
	if _, err := s.Execute(ctx, "CS-1", ClearChargingProfile{EVSEID: &evse, Purpose: PurposeTx, StackLevel: &level}, "apikey:7"); err != nil {
		t.Fatal(err)
	}
	want("CS-1", 5, 6, 2, 4)
	cmd.status["ClearChargingProfile"] = "Unknown"
	id := 4
	if _, err := s.Execute(ctx, "CS-1", ClearChargingProfile{ID: &id}, "apikey:7"); err != nil {
		t.Fatal(err)
	}
	want("CS-1", 5, 6, 2, 4)
	cmd.status["ClearChargingProfile"] = "Accepted"
	if _, err := s.Execute(ctx, "CS-1", ClearChargingProfile{ID: &id}, "apikey:7"); err != nil {
		t.Fatal(err)
	}
	want("CS-1", 5, 6, 2)

	// The end of a transaction.
	if err := s.ForgetTransactionProfiles(ctx, "CS-1", "tx-9"); err != nil {
		t.Fatal(err)
	}
	want("CS-1", 5, 6, 2)
	if err := s.ForgetTransactionProfiles(ctx, "CS-1", "tx-1"); err != nil {
		t.Fatal(err)
	}
	want("CS-1", 5, 6)

	// Profiles whose validity ended are not in force.
	clock.Set(from)
	want("CS-1", 5)
	want("CS-2", 1)
	if _, err := s.Execute(ctx, "CS-2", ClearChargingProfile{}, "apikey:7"); err != nil {
		t.Fatal(err)
	}
	want("CS-2")
	if _, err := s.ChargingProfiles(ctx, "CS-9"); !ladda.IsKind(err, ladda.NotFound) {
		t.Errorf("profiles of an unknown station: %v, want not found", err)
	}
}
