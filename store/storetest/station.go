package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/station"
)

func testStations(t *testing.T, open func(t *testing.T) Store) {
	t.Run("a created station reads back as it was stored", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		want := MustCreateStation(t, s, "CS-1")
		got := MustStation(t, s, "CS-1")
		if got.ID != want.ID || got.Description != want.Description || got.Registration != want.Registration {
			t.Errorf("got %s %q %s, want %s %q %s", got.ID, got.Description, got.Registration, want.ID, want.Description, want.Registration)
		}
		if !bytes.Equal(got.Credential.Salt, want.Credential.Salt) || !bytes.Equal(got.Credential.Hash, want.Credential.Hash) {
			t.Errorf("credential = %+v, want %+v", got.Credential, want.Credential)
		}
		if got.Connected || got.OCPPVersion != "" || !got.LastSeen.IsZero() || !got.BootedAt.IsZero() || len(got.EVSEs) != 0 {
			t.Errorf("a new station has connection state: %+v", got)
		}
		wantTime(t, "CreatedAt", got.CreatedAt, t0)
		wantTime(t, "UpdatedAt", got.UpdatedAt, t0)
	})

	t.Run("a station without password has a zero credential", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		st := &station.Station{ID: "CS-CERT", Registration: station.Pending, CreatedAt: t0, UpdatedAt: t0}
		if err := s.CreateStation(t.Context(), st); err != nil {
			t.Fatal(err)
		}
		if got := MustStation(t, s, "CS-CERT"); !got.Credential.IsZero() || got.Registration != station.Pending {
			t.Errorf("credential %+v, registration %s; want zero, Pending", got.Credential, got.Registration)
		}
	})

	t.Run("times keep microseconds and come back in UTC", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		local := time.Date(2025, 6, 1, 12, 30, 0, 987654321, time.FixedZone("CEST", 2*3600))
		st := &station.Station{ID: "CS-T", Registration: station.Accepted, CreatedAt: local, UpdatedAt: local}
		if err := s.CreateStation(t.Context(), st); err != nil {
			t.Fatal(err)
		}
		wantTime(t, "CreatedAt", MustStation(t, s, "CS-T").CreatedAt, local.Truncate(time.Microsecond))
	})

	t.Run("creating a station twice is a conflict", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		err := s.CreateStation(t.Context(), &station.Station{ID: "CS-1", Registration: station.Pending, CreatedAt: t0, UpdatedAt: t0})
		wantKind(t, err, ladda.Conflict)
		if got := MustStation(t, s, "CS-1"); got.Registration != station.Accepted {
			t.Errorf("the failed create changed the station: %+v", got)
		}
	})

	t.Run("an unknown station is not found", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		_, err := s.Station(t.Context(), "nope")
		wantKind(t, err, ladda.NotFound)
	})

	t.Run("stations list by ID with keyset pagination", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ids := []ladda.StationID{"A", "B", "C", "D", "E"}
		for _, id := range slices.Backward(ids) {
			MustCreateStation(t, s, id)
		}
		setStatus(t, s, "B", 1, 1, station.StatusAvailable, at(time.Second))
		page1, err := s.Stations(t.Context(), station.Filter{Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		page2, err := s.Stations(t.Context(), station.Filter{After: "B", Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		last, err := s.Stations(t.Context(), station.Filter{After: "D", Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "page 1", page1, "A", "B")
		wantIDs(t, "page 2", page2, "C", "D")
		wantIDs(t, "last page", last, "E")
		if len(page1) == 2 && (len(page1[1].EVSEs) != 1 || page1[1].EVSEs[0].Connectors[0].Status != station.StatusAvailable) {
			t.Errorf("listed station B has EVSEs %+v, want its connector", page1[1].EVSEs)
		}
	})

	t.Run("a list without limit returns 100 stations", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		parallel(t, 105, func(i int) error {
			return s.CreateStation(t.Context(), &station.Station{ID: ladda.StationID(fmt.Sprintf("S%03d", i)), Registration: station.Accepted, CreatedAt: t0, UpdatedAt: t0})
		})
		list, err := s.Stations(t.Context(), station.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 100 || list[0].ID != "S000" || list[99].ID != "S099" {
			t.Errorf("got %d stations, want S000 to S099", len(list))
		}
	})

	t.Run("stations filter by registration and connection", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for _, id := range []ladda.StationID{"A", "B", "C", "D"} {
			MustCreateStation(t, s, id)
		}
		pending := station.Pending
		if _, err := s.UpdateStation(t.Context(), "B", station.Update{Registration: &pending}, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateStation(t.Context(), "D", station.Update{Registration: &pending}, t0); err != nil {
			t.Fatal(err)
		}
		for _, id := range []ladda.StationID{"C", "D"} {
			if err := s.SetConnected(t.Context(), id, true, "1.6", t0); err != nil {
				t.Fatal(err)
			}
		}
		accepted := station.Accepted
		tests := []struct {
			name string
			f    station.Filter
			want []ladda.StationID
		}{
			{"pending", station.Filter{Registration: &pending}, []ladda.StationID{"B", "D"}},
			{"accepted", station.Filter{Registration: &accepted}, []ladda.StationID{"A", "C"}},
			{"connected", station.Filter{Connected: ptr(true)}, []ladda.StationID{"C", "D"}},
			{"disconnected", station.Filter{Connected: ptr(false)}, []ladda.StationID{"A", "B"}},
			{"pending and connected", station.Filter{Registration: &pending, Connected: ptr(true)}, []ladda.StationID{"D"}},
			{"pending after B", station.Filter{Registration: &pending, After: "B"}, []ladda.StationID{"D"}},
			{"pending, limit 1", station.Filter{Registration: &pending, Limit: 1}, []ladda.StationID{"B"}},
		}
		for _, tt := range tests {
			list, err := s.Stations(t.Context(), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			wantIDs(t, tt.name, list, tt.want...)
		}
	})

	t.Run("update changes only the given fields", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		desc, reg := "new text", station.Rejected
		cred := station.Credential{Salt: []byte("s2"), Hash: []byte("h2")}
		tests := []struct {
			name  string
			u     station.Update
			check func(*station.Station) bool
		}{
			{"description", station.Update{Description: &desc}, func(st *station.Station) bool {
				return st.Description == desc && st.Registration == station.Accepted && string(st.Credential.Hash) == "hash-CS-1"
			}},
			{"registration", station.Update{Registration: &reg}, func(st *station.Station) bool {
				return st.Description == desc && st.Registration == reg && string(st.Credential.Hash) == "hash-CS-1"
			}},
			{"credential", station.Update{Credential: &cred}, func(st *station.Station) bool {
				return st.Description == desc && st.Registration == reg && string(st.Credential.Salt) == "s2" && string(st.Credential.Hash) == "h2"
			}},
			{"credential removed", station.Update{Credential: &station.Credential{}}, func(st *station.Station) bool {
				return st.Credential.IsZero() && st.Description == desc
			}},
			{"nothing", station.Update{}, func(st *station.Station) bool {
				return st.Credential.IsZero() && st.Description == desc && st.Registration == reg
			}},
		}
		for i, tt := range tests {
			when := at(time.Duration(i+1) * time.Minute)
			got, err := s.UpdateStation(t.Context(), "CS-1", tt.u, when)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if !tt.check(got) {
				t.Errorf("%s: returned %+v", tt.name, got)
			}
			if stored := MustStation(t, s, "CS-1"); !tt.check(stored) {
				t.Errorf("%s: stored %+v", tt.name, stored)
			}
			wantTime(t, tt.name+": UpdatedAt", got.UpdatedAt, when)
		}
	})

	t.Run("stations belong to an organisation: created, filtered, moved and taken out", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a, b := MustCreateOrg(t, s, "A", account.OperatorOrg), MustCreateOrg(t, s, "B", account.OperatorOrg)
		for _, st := range []*station.Station{{ID: "S1", OrgID: a.ID}, {ID: "S2"}, {ID: "S3", OrgID: b.ID}, {ID: "S4", OrgID: a.ID}} {
			st.Registration, st.CreatedAt, st.UpdatedAt = station.Accepted, t0, t0
			if err := s.CreateStation(t.Context(), st); err != nil {
				t.Fatal(err)
			}
		}
		if got := MustStation(t, s, "S1"); got.OrgID != a.ID {
			t.Errorf("S1.OrgID = %d, want %d", got.OrgID, a.ID)
		}
		if _, err := s.UpdateStation(t.Context(), "S2", station.Update{OrgID: &b.ID}, t0); err != nil {
			t.Fatal(err)
		}
		got, err := s.UpdateStation(t.Context(), "S4", station.Update{OrgID: ptr(int64(0))}, at(time.Minute))
		if err != nil || got.OrgID != 0 {
			t.Fatalf("S4 taken out: %+v, %v", got, err)
		}
		if got, err := s.UpdateStation(t.Context(), "S1", station.Update{Description: ptr("kept")}, t0); err != nil || got.OrgID != a.ID {
			t.Errorf("an update without OrgID moved S1: %+v, %v", got, err)
		}
		connected := true
		if err := s.SetConnected(t.Context(), "S3", true, "2.0.1", t0); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name string
			f    station.Filter
			want []ladda.StationID
		}{
			{"all", station.Filter{}, []ladda.StationID{"S1", "S2", "S3", "S4"}},
			{"of A", station.Filter{OrgID: a.ID}, []ladda.StationID{"S1"}},
			{"of B", station.Filter{OrgID: b.ID}, []ladda.StationID{"S2", "S3"}},
			{"of B after S2", station.Filter{OrgID: b.ID, After: "S2"}, []ladda.StationID{"S3"}},
			{"of B, limit 1", station.Filter{OrgID: b.ID, Limit: 1}, []ladda.StationID{"S2"}},
			{"of B, connected", station.Filter{OrgID: b.ID, Connected: &connected}, []ladda.StationID{"S3"}},
			{"of none", station.Filter{OrgID: b.ID + 100}, nil},
		} {
			list, err := s.Stations(t.Context(), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			wantIDs(t, tt.name, list, tt.want...)
			for _, st := range list {
				if tt.f.OrgID != 0 && st.OrgID != tt.f.OrgID {
					t.Errorf("%s: listed %s of organisation %d", tt.name, st.ID, st.OrgID)
				}
			}
		}
		err = s.CreateStation(t.Context(), &station.Station{ID: "S5", OrgID: b.ID + 100, Registration: station.Accepted, CreatedAt: t0, UpdatedAt: t0})
		wantKind(t, err, ladda.NotFound)
		_, err = s.Station(t.Context(), "S5")
		wantKind(t, err, ladda.NotFound)
		_, err = s.UpdateStation(t.Context(), "S1", station.Update{OrgID: ptr(b.ID + 100)}, t0)
		wantKind(t, err, ladda.NotFound)
		if got := MustStation(t, s, "S1"); got.OrgID != a.ID {
			t.Errorf("a refused move changed S1's organisation to %d", got.OrgID)
		}
	})

	t.Run("update returns the station with its connectors", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		setStatus(t, s, "CS-1", 2, 1, station.StatusFaulted, t0)
		desc := "x"
		got, err := s.UpdateStation(t.Context(), "CS-1", station.Update{Description: &desc}, t0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.EVSEs) != 1 || got.EVSEs[0].ID != 2 {
			t.Errorf("EVSEs = %+v, want EVSE 2", got.EVSEs)
		}
	})

	t.Run("updating an unknown station is not found", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		desc := "x"
		_, err := s.UpdateStation(t.Context(), "nope", station.Update{Description: &desc}, t0)
		wantKind(t, err, ladda.NotFound)
	})

	t.Run("delete removes the station and its connectors but not its transactions", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		setStatus(t, s, "CS-1", 1, 1, station.StatusCharging, t0)
		tx := MustStart(t, s, newTx("CS-1", 1, "TAG", 0))
		if err := s.DeleteStation(t.Context(), "CS-1"); err != nil {
			t.Fatal(err)
		}
		_, err := s.Station(t.Context(), "CS-1")
		wantKind(t, err, ladda.NotFound)
		MustCreateStation(t, s, "CS-1")
		if got := MustStation(t, s, "CS-1"); len(got.EVSEs) != 0 {
			t.Errorf("a station created again under the old ID has the old connectors: %+v", got.EVSEs)
		}
		if got := MustTransaction(t, s, tx.ID); got.StationID != "CS-1" {
			t.Errorf("transaction after delete: %+v", got)
		}
		wantKind(t, s.DeleteStation(t.Context(), "nope"), ladda.NotFound)
	})

	t.Run("boot information is stored with the OCPP version", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		boot := station.Boot{Vendor: "Acme", Model: "Volt 22", SerialNumber: "SN1", FirmwareVersion: "1.2.3", ICCID: "89", IMSI: "26",
			MeterType: "M", MeterSerial: "MS", Reason: "PowerUp"}
		if err := s.RecordBoot(t.Context(), "CS-1", boot, "2.0.1", at(time.Minute)); err != nil {
			t.Fatal(err)
		}
		got := MustStation(t, s, "CS-1")
		if got.Boot != boot || got.OCPPVersion != "2.0.1" {
			t.Errorf("boot %+v version %q, want %+v 2.0.1", got.Boot, got.OCPPVersion, boot)
		}
		wantTime(t, "BootedAt", got.BootedAt, at(time.Minute))
		wantTime(t, "LastSeen", got.LastSeen, at(time.Minute))
		wantKind(t, s.RecordBoot(t.Context(), "nope", boot, "1.6", t0), ladda.NotFound)
	})

	t.Run("connecting sets the version and last seen, disconnecting keeps the version", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		if err := s.SetConnected(t.Context(), "CS-1", true, "1.6", at(time.Minute)); err != nil {
			t.Fatal(err)
		}
		got := MustStation(t, s, "CS-1")
		if !got.Connected || got.OCPPVersion != "1.6" {
			t.Errorf("after connect: connected %v version %q", got.Connected, got.OCPPVersion)
		}
		wantTime(t, "LastSeen", got.LastSeen, at(time.Minute))
		if err := s.SetConnected(t.Context(), "CS-1", false, "", at(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		got = MustStation(t, s, "CS-1")
		if got.Connected || got.OCPPVersion != "1.6" {
			t.Errorf("after disconnect: connected %v version %q", got.Connected, got.OCPPVersion)
		}
		wantKind(t, s.SetConnected(t.Context(), "nope", true, "1.6", t0), ladda.NotFound)
		wantKind(t, s.SetConnected(t.Context(), "nope", false, "", t0), ladda.NotFound)
	})

	t.Run("reset connections disconnects every station", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for _, id := range []ladda.StationID{"A", "B"} {
			MustCreateStation(t, s, id)
			if err := s.SetConnected(t.Context(), id, true, "2.0.1", t0); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.ResetConnections(t.Context()); err != nil {
			t.Fatal(err)
		}
		list, err := s.Stations(t.Context(), station.Filter{Connected: ptr(true)})
		if err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "connected after reset", list)
	})

	t.Run("touch moves last seen forward, never back, and skips unknown stations", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "A")
		MustCreateStation(t, s, "B")
		if err := s.TouchStations(t.Context(), map[ladda.StationID]time.Time{"A": at(time.Hour), "B": at(time.Minute), "gone": at(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := s.TouchStations(t.Context(), map[ladda.StationID]time.Time{"A": at(time.Minute), "B": at(2 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
		if err := s.TouchStations(t.Context(), nil); err != nil {
			t.Fatal(err)
		}
		wantTime(t, "A.LastSeen", MustStation(t, s, "A").LastSeen, at(time.Hour))
		wantTime(t, "B.LastSeen", MustStation(t, s, "B").LastSeen, at(2*time.Minute))
	})
}

func testConnectors(t *testing.T, open func(t *testing.T) Store) {
	t.Run("a status report creates the EVSE and connector, sorted", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		setStatus(t, s, "CS-1", 2, 1, station.StatusAvailable, t0)
		setStatus(t, s, "CS-1", 1, 2, station.StatusFaulted, t0)
		setStatus(t, s, "CS-1", 1, 1, station.StatusCharging, t0)
		got := MustStation(t, s, "CS-1").EVSEs
		want := []station.EVSE{
			{ID: 1, Connectors: []station.Connector{{ID: 1, Status: station.StatusCharging}, {ID: 2, Status: station.StatusFaulted}}},
			{ID: 2, Connectors: []station.Connector{{ID: 1, Status: station.StatusAvailable}}},
		}
		if !sameEVSEs(got, want) {
			t.Errorf("EVSEs = %+v, want %+v", got, want)
		}
	})

	t.Run("a status report stores error code, info and time", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		c := station.StatusChange{StationID: "CS-1", EVSEID: 1, ConnectorID: 1, Status: station.StatusFaulted, ErrorCode: "GroundFailure", Info: "RCD tripped", Time: at(time.Minute)}
		if err := s.SetConnectorStatus(t.Context(), c); err != nil {
			t.Fatal(err)
		}
		got := MustStation(t, s, "CS-1").EVSEs[0].Connectors[0]
		if got.Status != c.Status || got.ErrorCode != c.ErrorCode || got.Info != c.Info {
			t.Errorf("connector = %+v, want %+v", got, c)
		}
		wantTime(t, "UpdatedAt", got.UpdatedAt, c.Time)
	})

	t.Run("a newer report replaces the status, an older one is ignored", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		steps := []struct {
			status station.ConnectorStatus
			when   time.Time
			want   station.ConnectorStatus
		}{
			{station.StatusAvailable, at(time.Minute), station.StatusAvailable},
			{station.StatusPreparing, at(2 * time.Minute), station.StatusPreparing},
			{station.StatusAvailable, at(time.Minute), station.StatusPreparing}, // replayed old report
			{station.StatusFaulted, at(90 * time.Second), station.StatusPreparing},
			{station.StatusCharging, at(2 * time.Minute), station.StatusCharging}, // same time: applied
		}
		for i, st := range steps {
			setStatus(t, s, "CS-1", 1, 1, st.status, st.when)
			if got := MustStation(t, s, "CS-1").EVSEs[0].Connectors[0].Status; got != st.want {
				t.Errorf("step %d: status %s, want %s", i, got, st.want)
			}
		}
	})

	t.Run("the station-wide status is kept as EVSE 0, connector 0", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		setStatus(t, s, "CS-1", 0, 0, station.StatusFaulted, t0)
		setStatus(t, s, "CS-1", 1, 1, station.StatusAvailable, t0)
		got := MustStation(t, s, "CS-1").EVSEs
		if len(got) != 2 || got[0].ID != 0 || len(got[0].Connectors) != 1 || got[0].Connectors[0].ID != 0 || got[0].Connectors[0].Status != station.StatusFaulted {
			t.Errorf("EVSEs = %+v, want EVSE 0 (connector 0 Faulted) before EVSE 1", got)
		}
	})

	t.Run("a status for an unknown station is not found", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for _, evse := range []int{0, 1} {
			err := s.SetConnectorStatus(t.Context(), station.StatusChange{StationID: "nope", EVSEID: evse, ConnectorID: evse, Status: station.StatusAvailable, Time: t0})
			wantKind(t, err, ladda.NotFound)
		}
	})

	t.Run("a station created with connectors keeps them", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		st := &station.Station{ID: "CS-1", Registration: station.Accepted, CreatedAt: t0, UpdatedAt: t0,
			EVSEs: []station.EVSE{{ID: 1, Connectors: []station.Connector{{ID: 1}, {ID: 2, Status: station.StatusAvailable}}}}}
		if err := s.CreateStation(t.Context(), st); err != nil {
			t.Fatal(err)
		}
		want := []station.EVSE{{ID: 1, Connectors: []station.Connector{{ID: 1, Status: station.StatusUnknown}, {ID: 2, Status: station.StatusAvailable}}}}
		if got := MustStation(t, s, "CS-1").EVSEs; !sameEVSEs(got, want) {
			t.Errorf("EVSEs = %+v, want %+v", got, want)
		}
	})
}

// setStatus stores a connector status.
func setStatus(tb testing.TB, s Store, id ladda.StationID, evse, conn int, status station.ConnectorStatus, when time.Time) {
	tb.Helper()
	if err := s.SetConnectorStatus(tb.Context(), station.StatusChange{StationID: id, EVSEID: evse, ConnectorID: conn, Status: status, Time: when}); err != nil {
		tb.Fatalf("SetConnectorStatus(%s %d/%d): %v", id, evse, conn, err)
	}
}

// sameEVSEs compares EVSE and connector ids and statuses.
func sameEVSEs(got, want []station.EVSE) bool {
	return slices.EqualFunc(got, want, func(a, b station.EVSE) bool {
		return a.ID == b.ID && slices.EqualFunc(a.Connectors, b.Connectors, func(x, y station.Connector) bool {
			return x.ID == y.ID && x.Status == y.Status
		})
	})
}

func wantIDs(tb testing.TB, name string, list []*station.Station, want ...ladda.StationID) {
	tb.Helper()
	var got []ladda.StationID
	for _, st := range list {
		got = append(got, st.ID)
	}
	if !slices.Equal(got, want) {
		tb.Errorf("%s: stations %v, want %v", name, got, want)
	}
}

// parallel runs n calls of f at once and fails the test on any error.
func parallel(tb testing.TB, n int, f func(i int) error) {
	tb.Helper()
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- f(i) }()
	}
	for range n {
		if err := <-errs; err != nil {
			tb.Error(err)
		}
	}
}
