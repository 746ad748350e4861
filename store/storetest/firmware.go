package storetest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/firmware"
)

// NewCampaign returns a Running campaign of an image, with every optional field set except
// InstallAt, created at t0 by user:7.
func NewCampaign(name string) *firmware.Campaign {
	return &firmware.Campaign{Name: name, Firmware: "fw-2.1.0.bin", RetrieveAt: t0, Retries: ptr(3), RetryInterval: ptr(60),
		SigningCertificate: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", Signature: "c2lnbmF0dXJl",
		Concurrency: 10, Deadline: at(24 * time.Hour), Status: firmware.CampaignRunning, CreatedBy: "user:7", CreatedAt: t0, UpdatedAt: t0}
}

// NewTargets returns Pending targets of the stations, with request ids from firstRequest on,
// due at t0.
func NewTargets(firstRequest int, stations ...ladda.StationID) []firmware.Target {
	list := make([]firmware.Target, len(stations))
	for i, st := range stations {
		list[i] = firmware.Target{StationID: st, RequestID: firstRequest + i, Status: firmware.TargetPending, NextAttemptAt: t0, UpdatedAt: t0}
	}
	return list
}

// MustCreateCampaign stores c with its targets and fails unless c got an ID.
func MustCreateCampaign(tb testing.TB, s Store, c *firmware.Campaign, targets []firmware.Target) *firmware.Campaign {
	tb.Helper()
	if err := s.CreateCampaign(tb.Context(), c, targets); err != nil {
		tb.Fatalf("CreateCampaign(%q, %d targets): %v", c.Name, len(targets), err)
	}
	if c.ID <= 0 {
		tb.Fatalf("CreateCampaign(%q): ID = %d, want > 0", c.Name, c.ID)
	}
	return c
}

// MustCampaign returns a stored campaign.
func MustCampaign(tb testing.TB, s Store, id int64) *firmware.Campaign {
	tb.Helper()
	c, err := s.Campaign(tb.Context(), id)
	if err != nil {
		tb.Fatalf("Campaign(%d): %v", id, err)
	}
	return c
}

// mustCampaigns lists campaigns.
func mustCampaigns(tb testing.TB, s Store, status firmware.CampaignStatus, beforeID int64, limit int) []*firmware.Campaign {
	tb.Helper()
	list, err := s.Campaigns(tb.Context(), status, beforeID, limit)
	if err != nil {
		tb.Fatalf("Campaigns(%q, %d, %d): %v", status, beforeID, limit, err)
	}
	return list
}

// mustTargets lists a campaign's targets.
func mustTargets(tb testing.TB, s Store, id int64, statuses []firmware.TargetStatus, dueBy time.Time, after ladda.StationID, limit int) []*firmware.Target {
	tb.Helper()
	list, err := s.Targets(tb.Context(), id, statuses, dueBy, after, limit)
	if err != nil {
		tb.Fatalf("Targets(%d, %v, %v, %q, %d): %v", id, statuses, dueBy, after, limit, err)
	}
	return list
}

// mustTarget returns the target of a station in a campaign.
func mustTarget(tb testing.TB, s Store, id int64, st ladda.StationID) *firmware.Target {
	tb.Helper()
	for _, t := range mustTargets(tb, s, id, nil, time.Time{}, "", 0) {
		if t.StationID == st {
			return t
		}
	}
	tb.Fatalf("campaign %d has no target %s", id, st)
	return nil
}

// MustChangeTarget applies a change and returns whether it did.
func MustChangeTarget(tb testing.TB, s Store, id int64, st ladda.StationID, from []firmware.TargetStatus, c firmware.TargetChange) bool {
	tb.Helper()
	ok, err := s.ChangeTarget(tb.Context(), id, st, from, c)
	if err != nil {
		tb.Fatalf("ChangeTarget(%d, %s, %v, %+v): %v", id, st, from, c, err)
	}
	return ok
}

// campaignIDs returns the IDs of list, in order.
func campaignIDs(list []*firmware.Campaign) []int64 {
	ids := make([]int64, len(list))
	for i, c := range list {
		ids[i] = c.ID
	}
	return ids
}

// targetStations returns the stations of list, in order.
func targetStations(list []*firmware.Target) []ladda.StationID {
	ids := make([]ladda.StationID, len(list))
	for i, t := range list {
		ids[i] = t.StationID
	}
	return ids
}

// wantCampaign fails unless got is want as stored, times in UTC.
func wantCampaign(tb testing.TB, got, want *firmware.Campaign) {
	tb.Helper()
	g, w := *got, *want
	name := fmt.Sprintf("campaign %d", w.ID)
	wantTimePtr(tb, name+": InstallAt", g.InstallAt, w.InstallAt)
	wantPtr(tb, name+": Retries", g.Retries, w.Retries)
	wantPtr(tb, name+": RetryInterval", g.RetryInterval, w.RetryInterval)
	for _, tt := range []struct {
		name      string
		got, want time.Time
	}{{"RetrieveAt", g.RetrieveAt, w.RetrieveAt}, {"Deadline", g.Deadline, w.Deadline}, {"CreatedAt", g.CreatedAt, w.CreatedAt}, {"UpdatedAt", g.UpdatedAt, w.UpdatedAt}} {
		wantTime(tb, name+": "+tt.name, tt.got, tt.want)
	}
	g.InstallAt, g.Retries, g.RetryInterval, w.InstallAt, w.Retries, w.RetryInterval = nil, nil, nil, nil, nil, nil
	g.RetrieveAt, g.Deadline, g.CreatedAt, g.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	w.RetrieveAt, w.Deadline, w.CreatedAt, w.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if g != w {
		tb.Errorf("%s:\n got %+v\nwant %+v", name, g, w)
	}
}

// wantTarget fails unless got is want as stored, times in UTC.
func wantTarget(tb testing.TB, got, want *firmware.Target) {
	tb.Helper()
	g, w := *got, *want
	name := fmt.Sprintf("campaign %d, target %s", w.CampaignID, w.StationID)
	wantTime(tb, name+": NextAttemptAt", g.NextAttemptAt, w.NextAttemptAt)
	wantTime(tb, name+": UpdatedAt", g.UpdatedAt, w.UpdatedAt)
	g.NextAttemptAt, g.UpdatedAt, w.NextAttemptAt, w.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if g != w {
		tb.Errorf("%s:\n got %+v\nwant %+v", name, g, w)
	}
}

// wantTargets fails unless got are want, in order.
func wantTargets(tb testing.TB, got []*firmware.Target, want []firmware.Target) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Fatalf("%d targets %v, want %d", len(got), targetStations(got), len(want))
	}
	for i := range got {
		wantTarget(tb, got[i], &want[i])
	}
}

// wantMessage fails unless err is of kind k and its message contains each of parts.
func wantMessage(tb testing.TB, err error, k ladda.Kind, parts ...string) {
	tb.Helper()
	wantKind(tb, err, k)
	var e *ladda.Error
	if errors.As(err, &e) {
		for _, p := range parts {
			if !strings.Contains(e.Message, p) {
				tb.Errorf("message %q does not contain %q", e.Message, p)
			}
		}
	}
}

// stationIDs returns the station ids prefix-000 to prefix-(n-1).
func stationIDs(prefix string, n int) []ladda.StationID {
	ids := make([]ladda.StationID, n)
	for i := range ids {
		ids[i] = ladda.StationID(fmt.Sprintf("%s-%03d", prefix, i))
	}
	return ids
}

func testFirmwareCampaigns(t *testing.T, open func(t *testing.T) Store) {
	t.Run("a campaign and its targets read back as stored, times in UTC microseconds", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		MustCreateStation(t, s, "CS-2")
		cet := time.FixedZone("CET", 3600)
		c := &firmware.Campaign{Name: "spring rollout", Location: "https://fw.example.com/img.bin", RetrieveAt: time.Date(2025, 3, 1, 12, 0, 0, 123456789, cet),
			InstallAt: ptr(time.Date(2025, 3, 2, 3, 0, 0, 999, cet)), Retries: ptr(0), RetryInterval: ptr(0), SigningCertificate: "CERT", Signature: "SIG",
			Concurrency: 25, Deadline: time.Date(2025, 3, 8, 1, 0, 0, 1001, cet), Status: firmware.CampaignRunning, CreatedBy: "user:7",
			CreatedAt: time.Date(2025, 3, 1, 11, 0, 0, 1999, cet), UpdatedAt: time.Date(2025, 3, 1, 11, 0, 1, 0, cet)}
		targets := []firmware.Target{
			{StationID: "CS-2", RequestID: 0, Status: firmware.TargetPending, NextAttemptAt: time.Date(2025, 3, 1, 12, 0, 0, 1999, cet), UpdatedAt: time.Date(2025, 3, 1, 11, 0, 0, 0, cet)},
			{StationID: "CS-1", RequestID: 2147483647, Status: firmware.TargetUpdating, Detail: "Downloading", CommandID: 42, Attempts: 2,
				NextAttemptAt: time.Date(2025, 3, 1, 13, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2025, 3, 1, 12, 30, 0, 7000, time.UTC)},
		}
		MustCreateCampaign(t, s, c, targets)
		want := &firmware.Campaign{ID: c.ID, Name: "spring rollout", Location: "https://fw.example.com/img.bin", RetrieveAt: time.Date(2025, 3, 1, 11, 0, 0, 123456000, time.UTC),
			InstallAt: ptr(time.Date(2025, 3, 2, 2, 0, 0, 0, time.UTC)), Retries: ptr(0), RetryInterval: ptr(0), SigningCertificate: "CERT", Signature: "SIG",
			Concurrency: 25, Deadline: time.Date(2025, 3, 8, 0, 0, 0, 1000, time.UTC), Status: firmware.CampaignRunning, CreatedBy: "user:7",
			CreatedAt: time.Date(2025, 3, 1, 10, 0, 0, 1000, time.UTC), UpdatedAt: time.Date(2025, 3, 1, 10, 0, 1, 0, time.UTC)}
		wantCampaign(t, c, want)
		wantCampaign(t, MustCampaign(t, s, c.ID), want)
		stored := []firmware.Target{
			{CampaignID: c.ID, StationID: "CS-2", RequestID: 0, Status: firmware.TargetPending, NextAttemptAt: time.Date(2025, 3, 1, 11, 0, 0, 1000, time.UTC),
				UpdatedAt: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)},
			{CampaignID: c.ID, StationID: "CS-1", RequestID: 2147483647, Status: firmware.TargetUpdating, Detail: "Downloading", CommandID: 42, Attempts: 2,
				NextAttemptAt: time.Date(2025, 3, 1, 13, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2025, 3, 1, 12, 30, 0, 7000, time.UTC)},
		}
		for i := range targets {
			wantTarget(t, &targets[i], &stored[i])
		}
		// Listed by station.
		got := mustTargets(t, s, c.ID, nil, time.Time{}, "", 0)
		if len(got) != 2 {
			t.Fatalf("%d targets, want 2", len(got))
		}
		wantTarget(t, got[0], &stored[1])
		wantTarget(t, got[1], &stored[0])

		// Without the optional fields: nil stays nil; a zero NextAttemptAt stays zero (due at
		// any time), no command stays none.
		d := NewCampaign("minimal")
		d.Retries, d.RetryInterval, d.SigningCertificate, d.Signature, d.CreatedBy = nil, nil, "", "", ""
		dt := []firmware.Target{{StationID: "CS-1", RequestID: 5, Status: firmware.TargetPending}}
		MustCreateCampaign(t, s, d, dt)
		if d.ID <= c.ID {
			t.Errorf("IDs %d, %d: want increasing", c.ID, d.ID)
		}
		wantCampaign(t, MustCampaign(t, s, d.ID), d)
		if got := MustCampaign(t, s, d.ID); got.InstallAt != nil || got.Retries != nil || got.RetryInterval != nil {
			t.Errorf("optional fields: InstallAt %v, Retries %s, RetryInterval %s; want nil", got.InstallAt, fmtPtr(got.Retries), fmtPtr(got.RetryInterval))
		}
		dt[0].CampaignID = d.ID
		got = mustTargets(t, s, d.ID, nil, time.Time{}, "", 0)
		wantTargets(t, got, dt)
		if !got[0].NextAttemptAt.IsZero() || !got[0].UpdatedAt.IsZero() || got[0].CommandID != 0 {
			t.Errorf("zero fields read back as %+v", got[0])
		}

		// A campaign without targets.
		e := MustCreateCampaign(t, s, NewCampaign("empty"), nil)
		if list := mustTargets(t, s, e.ID, nil, time.Time{}, "", 0); len(list) != 0 {
			t.Errorf("a campaign without targets lists %v", targetStations(list))
		}

		_, err := s.Campaign(t.Context(), e.ID+100)
		wantKind(t, err, ladda.NotFound)
	})

	t.Run("500 targets are created in one write, or none", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ids := stationIDs("CS", 500)
		for _, id := range ids {
			MustCreateStation(t, s, id)
		}
		// The last station does not exist: nothing is stored, not even the others' targets.
		bad := NewTargets(1000, append(slices.Clone(ids[:499]), "CS-nope")...)
		c := NewCampaign("big")
		wantMessage(t, s.CreateCampaign(t.Context(), c, bad), ladda.NotFound, "CS-nope")
		if c.ID != 0 || bad[0].CampaignID != 0 {
			t.Errorf("a refused campaign got ID %d, its targets %d", c.ID, bad[0].CampaignID)
		}
		if list := mustCampaigns(t, s, "", 0, 0); len(list) != 0 {
			t.Fatalf("%d campaigns stored, want none", len(list))
		}

		// All stations exist; the same request ids are free.
		targets := NewTargets(1000, ids...)
		slices.Reverse(targets)
		MustCreateCampaign(t, s, c, targets)
		for i := range targets {
			if targets[i].CampaignID != c.ID {
				t.Fatalf("target %d: CampaignID %d, want %d", i, targets[i].CampaignID, c.ID)
			}
		}
		slices.Reverse(targets)
		wantTargets(t, mustTargets(t, s, c.ID, nil, time.Time{}, "", 0), targets)
		counts, err := s.TargetCounts(t.Context(), c.ID)
		if err != nil || !maps.Equal(counts, map[firmware.TargetStatus]int{firmware.TargetPending: 500}) {
			t.Errorf("TargetCounts = %v, %v; want 500 Pending", counts, err)
		}
	})

	t.Run("bad campaigns are invalid, unknown stations not found, used request ids conflicts; none is stored", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		MustCreateStation(t, s, "CS-2")
		first := MustCreateCampaign(t, s, NewCampaign("first"), NewTargets(7, "CS-1"))
		for i, change := range []func(c *firmware.Campaign, ts []firmware.Target){
			func(c *firmware.Campaign, _ []firmware.Target) { c.Status = "" },
			func(c *firmware.Campaign, _ []firmware.Target) { c.Concurrency = 0 },
			func(c *firmware.Campaign, _ []firmware.Target) { c.Concurrency = -1 },
			func(c *firmware.Campaign, _ []firmware.Target) { c.Concurrency = 1 << 31 },
			func(c *firmware.Campaign, _ []firmware.Target) { c.Retries = ptr(-1) },
			func(c *firmware.Campaign, _ []firmware.Target) { c.RetryInterval = ptr(-1) },
			func(c *firmware.Campaign, _ []firmware.Target) { c.Name = "NUL\x00" },
			func(c *firmware.Campaign, _ []firmware.Target) { c.Firmware = "\xff.bin" },
			func(c *firmware.Campaign, _ []firmware.Target) { c.Signature = "\xfe" },
			func(c *firmware.Campaign, _ []firmware.Target) { c.CreatedBy = "\x00" },
			func(_ *firmware.Campaign, ts []firmware.Target) { ts[1].StationID = "" },
			func(_ *firmware.Campaign, ts []firmware.Target) { ts[1].StationID = "CS-\xff" },
			func(_ *firmware.Campaign, ts []firmware.Target) { ts[1].Status = "" },
			func(_ *firmware.Campaign, ts []firmware.Target) { ts[1].Detail = "\x00" },
			func(_ *firmware.Campaign, ts []firmware.Target) { ts[1].RequestID = -1 },
			func(_ *firmware.Campaign, ts []firmware.Target) { ts[1].RequestID = 1 << 31 },
			func(_ *firmware.Campaign, ts []firmware.Target) { ts[1].Attempts = -1 },
			func(_ *firmware.Campaign, ts []firmware.Target) { ts[1].StationID = ts[0].StationID }, // a station twice
		} {
			c, ts := NewCampaign("bad"), NewTargets(100, "CS-1", "CS-2")
			change(c, ts)
			if err := s.CreateCampaign(t.Context(), c, ts); ladda.ErrorKind(err) != ladda.Invalid {
				t.Errorf("bad campaign %d: error %v, want invalid", i, err)
			}
		}
		for _, tt := range []struct {
			name    string
			targets []firmware.Target
			kind    ladda.Kind
			parts   []string
		}{
			{"an unknown station", NewTargets(100, "CS-1", "CS-9", "CS-2"), ladda.NotFound, []string{"CS-9"}},
			{"a request id of another campaign", NewTargets(6, "CS-2", "CS-1"), ladda.Conflict, []string{"request id 7", "CS-1", fmt.Sprint("campaign ", first.ID)}},
			{"a request id twice", []firmware.Target{{StationID: "CS-1", RequestID: 9, Status: firmware.TargetPending}, {StationID: "CS-2", RequestID: 9, Status: firmware.TargetPending}},
				ladda.Conflict, []string{"request id 9", "CS-1", "CS-2"}},
		} {
			c := NewCampaign(tt.name)
			wantMessage(t, s.CreateCampaign(t.Context(), c, tt.targets), tt.kind, tt.parts...)
			if c.ID != 0 || tt.targets[0].CampaignID != 0 {
				t.Errorf("%s: the refused campaign got ID %d, its target %d", tt.name, c.ID, tt.targets[0].CampaignID)
			}
		}
		if got := campaignIDs(mustCampaigns(t, s, "", 0, 0)); !slices.Equal(got, []int64{first.ID}) {
			t.Errorf("campaigns %v, want only %d", got, first.ID)
		}
		// The request ids of the refused campaigns are free.
		MustCreateCampaign(t, s, NewCampaign("second"), NewTargets(8, "CS-1", "CS-2"))
	})

	t.Run("campaigns are listed newest first, of a status, in pages", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		statuses := []firmware.CampaignStatus{firmware.CampaignRunning, firmware.CampaignFinished, firmware.CampaignCancelled}
		var all []int64 // newest first
		byStatus := map[firmware.CampaignStatus][]int64{}
		for i := range 9 {
			c := NewCampaign(fmt.Sprint("c", i))
			c.Status = statuses[i%3]
			MustCreateCampaign(t, s, c, nil)
			all = append([]int64{c.ID}, all...)
			byStatus[c.Status] = append([]int64{c.ID}, byStatus[c.Status]...)
		}
		if got := campaignIDs(mustCampaigns(t, s, "", 0, 0)); !slices.Equal(got, all) {
			t.Errorf("all campaigns %v, want %v", got, all)
		}
		for _, st := range statuses {
			if got := campaignIDs(mustCampaigns(t, s, st, 0, 0)); !slices.Equal(got, byStatus[st]) {
				t.Errorf("%s campaigns %v, want %v", st, got, byStatus[st])
			}
		}
		if got := mustCampaigns(t, s, "Nope", 0, 0); len(got) != 0 {
			t.Errorf("campaigns of an unknown status: %v", campaignIDs(got))
		}
		for _, st := range []firmware.CampaignStatus{"", firmware.CampaignRunning} {
			want := all
			if st != "" {
				want = byStatus[st]
			}
			var got []int64
			before := int64(0)
			for range 10 {
				page := campaignIDs(mustCampaigns(t, s, st, before, 2))
				if len(page) > 2 {
					t.Fatalf("a page of %d, want at most 2", len(page))
				}
				if len(page) == 0 {
					break
				}
				got = append(got, page...)
				before = page[len(page)-1]
			}
			if !slices.Equal(got, want) {
				t.Errorf("pages of status %q: %v, want %v", st, got, want)
			}
		}
	})

	t.Run("the status of a campaign is compared and set", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		c := MustCreateCampaign(t, s, NewCampaign("c"), nil)
		want := *c
		set := func(from, to firmware.CampaignStatus, when time.Time) bool {
			t.Helper()
			ok, err := s.SetCampaignStatus(t.Context(), c.ID, from, to, when)
			if err != nil {
				t.Fatalf("SetCampaignStatus(%s → %s): %v", from, to, err)
			}
			return ok
		}
		if set(firmware.CampaignCancelled, firmware.CampaignFinished, at(time.Minute)) {
			t.Error("from Cancelled: true for a Running campaign")
		}
		wantCampaign(t, MustCampaign(t, s, c.ID), &want)
		if !set(firmware.CampaignRunning, firmware.CampaignCancelled, at(time.Minute+999).In(time.FixedZone("X", -7200))) {
			t.Fatal("from Running: false for a Running campaign")
		}
		want.Status, want.UpdatedAt = firmware.CampaignCancelled, at(time.Minute)
		wantCampaign(t, MustCampaign(t, s, c.ID), &want)
		if set(firmware.CampaignRunning, firmware.CampaignFinished, at(time.Hour)) {
			t.Error("from Running again: true")
		}
		wantCampaign(t, MustCampaign(t, s, c.ID), &want)
		_, err := s.SetCampaignStatus(t.Context(), c.ID+100, firmware.CampaignRunning, firmware.CampaignFinished, at(time.Hour))
		wantKind(t, err, ladda.NotFound)
		_, err = s.SetCampaignStatus(t.Context(), c.ID, firmware.CampaignCancelled, "", at(time.Hour))
		wantKind(t, err, ladda.Invalid)
		_, err = s.SetCampaignStatus(t.Context(), c.ID, firmware.CampaignCancelled, "\xff", at(time.Hour))
		wantKind(t, err, ladda.Invalid)
	})

	t.Run("targets are selected by status, due time and station, in pages", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ids := stationIDs("CS", 12)
		for _, id := range ids {
			MustCreateStation(t, s, id)
		}
		// Station i: status i%4, due at t0 + i minutes.
		statuses := []firmware.TargetStatus{firmware.TargetPending, firmware.TargetUpdating, firmware.TargetFailed, firmware.TargetPending}
		targets := NewTargets(1, ids...)
		for i := range targets {
			targets[i].Status, targets[i].NextAttemptAt = statuses[i%4], at(time.Duration(i)*time.Minute)
		}
		c := MustCreateCampaign(t, s, NewCampaign("c"), targets)
		// Another campaign of the same stations stays out of c's lists.
		MustCreateCampaign(t, s, NewCampaign("other"), NewTargets(100, ids...))

		selected := func(sts []firmware.TargetStatus, dueBy time.Time, after ladda.StationID) []ladda.StationID {
			var out []ladda.StationID
			for _, tg := range targets {
				if (len(sts) == 0 || slices.Contains(sts, tg.Status)) && (dueBy.IsZero() || !tg.NextAttemptAt.After(dueBy)) && tg.StationID > after {
					out = append(out, tg.StationID)
				}
			}
			return out
		}
		for _, sts := range [][]firmware.TargetStatus{nil, {}, {firmware.TargetPending}, {firmware.TargetUpdating, firmware.TargetFailed}, {firmware.TargetInstalled}, {"Bad\x00"}} {
			for _, dueBy := range []time.Time{{}, at(5 * time.Minute), at(5*time.Minute - time.Microsecond), at(-time.Minute)} {
				for _, after := range []ladda.StationID{"", "CS-003", "CS-011", "CS-\xff"} {
					want := selected(sts, dueBy, after)
					if got := targetStations(mustTargets(t, s, c.ID, sts, dueBy, after, 0)); !slices.Equal(got, want) {
						t.Errorf("statuses %v, due by %v, after %q: %v, want %v", sts, dueBy, after, got, want)
					}
				}
			}
		}
		// The scheduler's question: Pending targets due, a page at a time.
		for _, lim := range []int{1, 2, 5} {
			pending := []firmware.TargetStatus{firmware.TargetPending}
			want := selected(pending, at(8*time.Minute), "")
			var got []ladda.StationID
			after := ladda.StationID("")
			for range 20 {
				page := mustTargets(t, s, c.ID, pending, at(8*time.Minute), after, lim)
				if len(page) > lim {
					t.Fatalf("limit %d: a page of %d", lim, len(page))
				}
				if len(page) == 0 {
					break
				}
				got = append(got, targetStations(page)...)
				after = page[len(page)-1].StationID
			}
			if !slices.Equal(got, want) {
				t.Errorf("limit %d: pages %v, want %v", lim, got, want)
			}
		}
		counts, err := s.TargetCounts(t.Context(), c.ID)
		want := map[firmware.TargetStatus]int{firmware.TargetPending: 6, firmware.TargetUpdating: 3, firmware.TargetFailed: 3}
		if err != nil || !maps.Equal(counts, want) {
			t.Errorf("TargetCounts = %v, %v; want %v", counts, err, want)
		}

		// A campaign without targets has none and no counts; an unknown campaign is not found.
		e := MustCreateCampaign(t, s, NewCampaign("empty"), nil)
		if counts, err := s.TargetCounts(t.Context(), e.ID); err != nil || counts == nil || len(counts) != 0 {
			t.Errorf("TargetCounts of a campaign without targets = %v, %v; want an empty map", counts, err)
		}
		_, err = s.Targets(t.Context(), e.ID+100, nil, time.Time{}, "", 0)
		wantKind(t, err, ladda.NotFound)
		_, err = s.Targets(t.Context(), e.ID+100, []firmware.TargetStatus{firmware.TargetPending}, at(time.Hour), "A", 10)
		wantKind(t, err, ladda.NotFound)
		_, err = s.TargetCounts(t.Context(), e.ID+100)
		wantKind(t, err, ladda.NotFound)
	})

	t.Run("changes of a target compare and set the status, and set what they give", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		MustCreateStation(t, s, "CS-2")
		c := MustCreateCampaign(t, s, NewCampaign("c"), NewTargets(1, "CS-1", "CS-2"))
		want := *mustTarget(t, s, c.ID, "CS-1")
		other := *mustTarget(t, s, c.ID, "CS-2")
		pending := []firmware.TargetStatus{firmware.TargetPending}
		sending := []firmware.TargetStatus{firmware.TargetSending}

		// The wrong status, or none: nothing changes.
		for _, from := range [][]firmware.TargetStatus{sending, nil, {firmware.TargetUpdating, firmware.TargetFailed}, {"\xff"}} {
			if MustChangeTarget(t, s, c.ID, "CS-1", from, firmware.TargetChange{Status: firmware.TargetFailed, Detail: "x", CommandID: 5, Attempts: 1, NextAttemptAt: at(time.Hour), At: at(time.Minute)}) {
				t.Errorf("ChangeTarget from %v = true for a Pending target", from)
			}
			wantTarget(t, mustTarget(t, s, c.ID, "CS-1"), &want)
		}

		// Every field, the times in UTC microseconds.
		cet := time.FixedZone("CET", 3600)
		if !MustChangeTarget(t, s, c.ID, "CS-1", []firmware.TargetStatus{firmware.TargetFailed, firmware.TargetPending},
			firmware.TargetChange{Status: firmware.TargetSending, Detail: "sending", CommandID: 41, Attempts: 1, NextAttemptAt: at(time.Hour + 999).In(cet), At: at(time.Minute + 1001).In(cet)}) {
			t.Fatal("ChangeTarget from Pending = false for a Pending target")
		}
		want.Status, want.Detail, want.CommandID, want.Attempts, want.NextAttemptAt, want.UpdatedAt = firmware.TargetSending, "sending", 41, 1, at(time.Hour), at(time.Minute+time.Microsecond)
		wantTarget(t, mustTarget(t, s, c.ID, "CS-1"), &want)

		// The status alone: Detail is always set, here to "".
		if !MustChangeTarget(t, s, c.ID, "CS-1", sending, firmware.TargetChange{Status: firmware.TargetUpdating}) {
			t.Fatal("ChangeTarget from Sending = false")
		}
		want.Status, want.Detail = firmware.TargetUpdating, ""
		wantTarget(t, mustTarget(t, s, c.ID, "CS-1"), &want)

		// The detail alone; zero and negative attempts keep the count.
		updating := []firmware.TargetStatus{firmware.TargetUpdating}
		if !MustChangeTarget(t, s, c.ID, "CS-1", updating, firmware.TargetChange{Detail: "Downloaded", Attempts: -1, At: at(2 * time.Minute)}) {
			t.Fatal("setting the detail: false")
		}
		want.Detail, want.UpdatedAt = "Downloaded", at(2*time.Minute)
		wantTarget(t, mustTarget(t, s, c.ID, "CS-1"), &want)

		// Back to Pending for a retry: attempts, due time, command.
		if !MustChangeTarget(t, s, c.ID, "CS-1", updating, firmware.TargetChange{Status: firmware.TargetPending, Detail: "DownloadFailed", Attempts: 2,
			NextAttemptAt: at(3 * time.Hour), CommandID: 43, At: at(3 * time.Minute)}) {
			t.Fatal("retrying: false")
		}
		want.Status, want.Detail, want.Attempts, want.NextAttemptAt, want.CommandID, want.UpdatedAt = firmware.TargetPending, "DownloadFailed", 2, at(3*time.Hour), 43, at(3*time.Minute)
		wantTarget(t, mustTarget(t, s, c.ID, "CS-1"), &want)
		wantTarget(t, mustTarget(t, s, c.ID, "CS-2"), &other)

		// Unknown campaigns and stations, with or without a matching status.
		for _, tt := range []struct {
			id int64
			st ladda.StationID
		}{{c.ID + 100, "CS-1"}, {c.ID, "CS-9"}, {c.ID, "CS-\xff"}, {c.ID + 100, "CS-9"}} {
			for _, from := range [][]firmware.TargetStatus{nil, pending} {
				_, err := s.ChangeTarget(t.Context(), tt.id, tt.st, from, firmware.TargetChange{Status: firmware.TargetFailed})
				wantKind(t, err, ladda.NotFound)
			}
		}
		for _, ch := range []firmware.TargetChange{{Status: "Bad\x00"}, {Detail: "\xff"}, {Attempts: 1 << 31}} {
			_, err := s.ChangeTarget(t.Context(), c.ID, "CS-1", pending, ch)
			wantKind(t, err, ladda.Invalid)
		}
		wantTarget(t, mustTarget(t, s, c.ID, "CS-1"), &want)
	})

	t.Run("of racing changes from one status, exactly one applies", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		c := MustCreateCampaign(t, s, NewCampaign("c"), NewTargets(1, "CS-1"))
		w := oneWins(t, 8, func(i int) (bool, error) {
			return s.ChangeTarget(t.Context(), c.ID, "CS-1", []firmware.TargetStatus{firmware.TargetPending},
				firmware.TargetChange{Status: firmware.TargetSending, Detail: fmt.Sprint("writer ", i), CommandID: int64(i + 1), Attempts: i + 1, At: at(time.Minute)})
		})
		if got := mustTarget(t, s, c.ID, "CS-1"); got.Status != firmware.TargetSending || got.CommandID != int64(w+1) || got.Attempts != w+1 || got.Detail != fmt.Sprint("writer ", w) {
			t.Errorf("after the race: %+v, want Sending by writer %d", got, w)
		}
	})

	t.Run("a status notification finds its target by request id or as the newest Updating", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		MustCreateStation(t, s, "CS-2")
		updating := func(first int, stations ...ladda.StationID) []firmware.Target {
			ts := NewTargets(first, stations...)
			for i := range ts {
				ts[i].Status = firmware.TargetUpdating
			}
			return ts
		}
		a := MustCreateCampaign(t, s, NewCampaign("a"), updating(10, "CS-1", "CS-2"))
		b := MustCreateCampaign(t, s, NewCampaign("b"), updating(20, "CS-1"))
		c := MustCreateCampaign(t, s, NewCampaign("c"), NewTargets(30, "CS-1", "CS-2")) // Pending
		find := func(st ladda.StationID, req *int) *firmware.Target {
			t.Helper()
			tg, err := s.UpdatingTarget(t.Context(), st, req)
			if err != nil {
				t.Fatalf("UpdatingTarget(%s, %s): %v", st, fmtPtr(req), err)
			}
			return tg
		}
		for _, tt := range []struct {
			st       ladda.StationID
			req      int
			campaign int64
		}{{"CS-1", 10, a.ID}, {"CS-2", 11, a.ID}, {"CS-1", 20, b.ID}, {"CS-1", 30, c.ID}, {"CS-2", 31, c.ID}} {
			got := find(tt.st, ptr(tt.req))
			if got.CampaignID != tt.campaign || got.StationID != tt.st || got.RequestID != tt.req {
				t.Errorf("UpdatingTarget(%s, %d) = campaign %d, %s, request %d; want campaign %d", tt.st, tt.req, got.CampaignID, got.StationID, got.RequestID, tt.campaign)
			}
		}
		wantTarget(t, find("CS-1", ptr(20)), mustTarget(t, s, b.ID, "CS-1"))
		// Without request id: the Updating target of the newest campaign.
		if got := find("CS-1", nil); got.CampaignID != b.ID {
			t.Errorf("CS-1: campaign %d, want %d", got.CampaignID, b.ID)
		}
		if got := find("CS-2", nil); got.CampaignID != a.ID {
			t.Errorf("CS-2: campaign %d, want %d", got.CampaignID, a.ID)
		}
		MustChangeTarget(t, s, b.ID, "CS-1", []firmware.TargetStatus{firmware.TargetUpdating}, firmware.TargetChange{Status: firmware.TargetInstalled, Detail: "Installed"})
		if got := find("CS-1", nil); got.CampaignID != a.ID {
			t.Errorf("CS-1 after b installed: campaign %d, want %d", got.CampaignID, a.ID)
		}
		// Another station's request id, unknown ones, none updating.
		for _, req := range []int{11, 12, -1, 1 << 31} {
			_, err := s.UpdatingTarget(t.Context(), "CS-1", ptr(req))
			wantKind(t, err, ladda.NotFound)
		}
		MustChangeTarget(t, s, a.ID, "CS-1", []firmware.TargetStatus{firmware.TargetUpdating}, firmware.TargetChange{Status: firmware.TargetFailed})
		for _, st := range []ladda.StationID{"CS-1", "CS-9", "\xff"} {
			_, err := s.UpdatingTarget(t.Context(), st, nil)
			wantKind(t, err, ladda.NotFound)
		}
	})

	t.Run("deleting a station removes its targets; the ID comes back without them", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		MustCreateStation(t, s, "CS-2")
		ts := NewTargets(1, "CS-1", "CS-2")
		ts[0].Status = firmware.TargetUpdating
		c := MustCreateCampaign(t, s, NewCampaign("c"), ts)
		if err := s.DeleteStation(t.Context(), "CS-1"); err != nil {
			t.Fatalf("DeleteStation: %v", err)
		}
		if got := targetStations(mustTargets(t, s, c.ID, nil, time.Time{}, "", 0)); !slices.Equal(got, []ladda.StationID{"CS-2"}) {
			t.Errorf("targets after deleting CS-1: %v, want [CS-2]", got)
		}
		if counts, err := s.TargetCounts(t.Context(), c.ID); err != nil || !maps.Equal(counts, map[firmware.TargetStatus]int{firmware.TargetPending: 1}) {
			t.Errorf("TargetCounts = %v, %v; want 1 Pending", counts, err)
		}
		for _, req := range []*int{nil, ptr(1)} {
			_, err := s.UpdatingTarget(t.Context(), "CS-1", req)
			wantKind(t, err, ladda.NotFound)
		}
		_, err := s.ChangeTarget(t.Context(), c.ID, "CS-1", []firmware.TargetStatus{firmware.TargetUpdating}, firmware.TargetChange{Status: firmware.TargetFailed})
		wantKind(t, err, ladda.NotFound)
		wantMessage(t, s.CreateCampaign(t.Context(), NewCampaign("d"), NewTargets(5, "CS-1")), ladda.NotFound, "CS-1")

		MustCreateStation(t, s, "CS-1")
		if _, err := s.UpdatingTarget(t.Context(), "CS-1", nil); !ladda.IsKind(err, ladda.NotFound) {
			t.Errorf("the station came back with an updating target: %v", err)
		}
		// Its request id is free again.
		d := MustCreateCampaign(t, s, NewCampaign("d"), NewTargets(1, "CS-1"))
		if got := targetStations(mustTargets(t, s, d.ID, nil, time.Time{}, "", 0)); !slices.Equal(got, []ladda.StationID{"CS-1"}) {
			t.Errorf("targets of the new campaign: %v", got)
		}
	})
}

// benchCreateCampaign: a campaign of 1,000 stations is stored with its targets, beside the
// campaigns stored before.
func benchCreateCampaign(b *testing.B, open func(b *testing.B) Store) {
	s := open(b)
	const n = 1000
	ids := stationIDs("CS", n)
	for _, id := range ids {
		MustCreateStation(b, s, id)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := s.CreateCampaign(b.Context(), NewCampaign(fmt.Sprint("c", i)), NewTargets(i*n, ids...)); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(n*i)/b.Elapsed().Seconds(), "targets/s")
}
