package storetest

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/station"
)

func testTokens(t *testing.T, open func(t *testing.T) Store) {
	t.Run("a created token reads back as it was stored", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		want := MustCreateToken(t, s, &charging.IDToken{Token: "04A1B2C3", Type: "ISO14443", Status: charging.Blocked,
			ExpiresAt: ptr(at(24 * time.Hour)), GroupID: "FLEET", AllowConcurrent: true, Description: "card 1", CreatedAt: t0, UpdatedAt: at(time.Second)})
		got, err := s.IDToken(t.Context(), "04A1B2C3")
		if err != nil {
			t.Fatal(err)
		}
		if got.Token != want.Token || got.Type != want.Type || got.Status != want.Status || got.GroupID != want.GroupID ||
			got.AllowConcurrent != want.AllowConcurrent || got.Description != want.Description {
			t.Errorf("got %+v, want %+v", got, want)
		}
		wantTimePtr(t, "ExpiresAt", got.ExpiresAt, want.ExpiresAt)
		wantTime(t, "CreatedAt", got.CreatedAt, t0)
		wantTime(t, "UpdatedAt", got.UpdatedAt, at(time.Second))
	})

	t.Run("tokens are case-sensitive", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateToken(t, s, &charging.IDToken{Token: "abc"})
		MustCreateToken(t, s, &charging.IDToken{Token: "ABC", Status: charging.Blocked})
		got, err := s.IDToken(t.Context(), "abc")
		if err != nil || got.Status != charging.Accepted {
			t.Errorf("IDToken(abc) = %+v, %v", got, err)
		}
	})

	t.Run("creating a token twice is a conflict, an unknown one is not found", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateToken(t, s, &charging.IDToken{Token: "T1"})
		wantKind(t, s.CreateIDToken(t.Context(), &charging.IDToken{Token: "T1", Type: "Central", Status: charging.Accepted, CreatedAt: t0, UpdatedAt: t0}), ladda.Conflict)
		_, err := s.IDToken(t.Context(), "T2")
		wantKind(t, err, ladda.NotFound)
	})

	t.Run("tokens list in order with filters and keyset pagination", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for _, tok := range []*charging.IDToken{
			{Token: "E", GroupID: "G1"}, {Token: "A", GroupID: "G1"}, {Token: "C", Status: charging.Blocked},
			{Token: "B", Status: charging.Blocked, GroupID: "G1"}, {Token: "D"},
		} {
			MustCreateToken(t, s, tok)
		}
		blocked, g1 := charging.Blocked, "G1"
		tests := []struct {
			name string
			f    charging.TokenFilter
			want []string
		}{
			{"all", charging.TokenFilter{}, []string{"A", "B", "C", "D", "E"}},
			{"page", charging.TokenFilter{After: "A", Limit: 2}, []string{"B", "C"}},
			{"blocked", charging.TokenFilter{Status: &blocked}, []string{"B", "C"}},
			{"group", charging.TokenFilter{GroupID: &g1}, []string{"A", "B", "E"}},
			{"group after A", charging.TokenFilter{GroupID: &g1, After: "A"}, []string{"B", "E"}},
			{"blocked in group", charging.TokenFilter{GroupID: &g1, Status: &blocked}, []string{"B"}},
		}
		for _, tt := range tests {
			list, err := s.IDTokens(t.Context(), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, tok := range list {
				got = append(got, tok.Token)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
			}
		}
	})

	t.Run("a list without limit returns 100 tokens", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		parallel(t, 101, func(i int) error {
			return s.CreateIDToken(t.Context(), &charging.IDToken{Token: fmt.Sprintf("T%03d", i), Type: "Central", Status: charging.Accepted, CreatedAt: t0, UpdatedAt: t0})
		})
		list, err := s.IDTokens(t.Context(), charging.TokenFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 100 {
			t.Errorf("got %d tokens, want 100", len(list))
		}
	})

	t.Run("update changes only the given fields", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateToken(t, s, &charging.IDToken{Token: "T1", Type: "ISO14443", GroupID: "G", Description: "d", ExpiresAt: ptr(at(time.Hour))})
		blocked, typ, group, desc := charging.Blocked, "KeyCode", "H", "e"
		tests := []struct {
			name  string
			u     charging.TokenUpdate
			check func(*charging.IDToken) bool
		}{
			{"status", charging.TokenUpdate{Status: &blocked}, func(k *charging.IDToken) bool {
				return k.Status == blocked && k.Type == "ISO14443" && k.GroupID == "G" && k.Description == "d" && k.ExpiresAt != nil && !k.AllowConcurrent
			}},
			{"type, group, description, concurrency", charging.TokenUpdate{Type: &typ, GroupID: &group, Description: &desc, AllowConcurrent: ptr(true)}, func(k *charging.IDToken) bool {
				return k.Status == blocked && k.Type == typ && k.GroupID == group && k.Description == desc && k.AllowConcurrent && k.ExpiresAt != nil
			}},
			{"new expiry", charging.TokenUpdate{ExpiresAt: ptr(at(2 * time.Hour))}, func(k *charging.IDToken) bool {
				return k.ExpiresAt != nil && k.ExpiresAt.Equal(at(2*time.Hour)) && k.Type == typ
			}},
			{"nothing", charging.TokenUpdate{}, func(k *charging.IDToken) bool {
				return k.ExpiresAt != nil && k.ExpiresAt.Equal(at(2*time.Hour)) && k.Status == blocked
			}},
			{"clear expiry", charging.TokenUpdate{ClearExpiry: true}, func(k *charging.IDToken) bool {
				return k.ExpiresAt == nil && k.Status == blocked
			}},
			{"concurrency off", charging.TokenUpdate{AllowConcurrent: ptr(false)}, func(k *charging.IDToken) bool {
				return !k.AllowConcurrent && k.GroupID == group
			}},
		}
		for i, tt := range tests {
			when := at(time.Duration(i+1) * time.Minute)
			got, err := s.UpdateIDToken(t.Context(), "T1", tt.u, when)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			stored, err := s.IDToken(t.Context(), "T1")
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(got) || !tt.check(stored) {
				t.Errorf("%s: returned %+v, stored %+v", tt.name, got, stored)
			}
			wantTime(t, tt.name+": UpdatedAt", stored.UpdatedAt, when)
		}
		_, err := s.UpdateIDToken(t.Context(), "nope", charging.TokenUpdate{Status: &blocked}, t0)
		wantKind(t, err, ladda.NotFound)
	})

	t.Run("tokens have an owner, an organisation and a label: filtered, changed and cleared", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		fleet := MustCreateOrg(t, s, "Fleet", account.FleetOrg)
		op := MustCreateOrg(t, s, "Op", account.OperatorOrg)
		anna, bo := MustCreateUser(t, s, "anna@example.com"), MustCreateUser(t, s, "bo@example.com")
		for _, tok := range []*charging.IDToken{
			{Token: "A", UserID: anna.ID, OrgID: fleet.ID, Label: "work card"},
			{Token: "B", UserID: anna.ID, Label: "own card"},
			{Token: "C", OrgID: fleet.ID},
			{Token: "D", UserID: bo.ID, OrgID: fleet.ID, Status: charging.Blocked},
			{Token: "E", OrgID: op.ID},
			{Token: "F"},
		} {
			MustCreateToken(t, s, tok)
		}
		if got, err := s.IDToken(t.Context(), "A"); err != nil || got.UserID != anna.ID || got.OrgID != fleet.ID || got.Label != "work card" {
			t.Errorf("IDToken(A) = %+v, %v", got, err)
		}
		blocked := charging.Blocked
		for _, tt := range []struct {
			name string
			f    charging.TokenFilter
			want []string
		}{
			{"of anna", charging.TokenFilter{UserID: anna.ID}, []string{"A", "B"}},
			{"of the fleet", charging.TokenFilter{OrgID: fleet.ID}, []string{"A", "C", "D"}},
			{"of anna in the fleet", charging.TokenFilter{UserID: anna.ID, OrgID: fleet.ID}, []string{"A"}},
			{"of the fleet after A, limit 1", charging.TokenFilter{OrgID: fleet.ID, After: "A", Limit: 1}, []string{"C"}},
			{"blocked of the fleet", charging.TokenFilter{OrgID: fleet.ID, Status: &blocked}, []string{"D"}},
			{"of nobody known", charging.TokenFilter{UserID: bo.ID + 100}, nil},
		} {
			list, err := s.IDTokens(t.Context(), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, tok := range list {
				got = append(got, tok.Token)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
			}
		}
		for _, tt := range []struct {
			name  string
			u     charging.TokenUpdate
			check func(*charging.IDToken) bool
		}{
			{"nothing", charging.TokenUpdate{}, func(k *charging.IDToken) bool {
				return k.UserID == anna.ID && k.OrgID == fleet.ID && k.Label == "work card"
			}},
			{"new owner and label", charging.TokenUpdate{UserID: &bo.ID, Label: ptr("Bo's")}, func(k *charging.IDToken) bool {
				return k.UserID == bo.ID && k.OrgID == fleet.ID && k.Label == "Bo's"
			}},
			{"other organisation", charging.TokenUpdate{OrgID: &op.ID}, func(k *charging.IDToken) bool {
				return k.UserID == bo.ID && k.OrgID == op.ID && k.Label == "Bo's"
			}},
			{"unlinked", charging.TokenUpdate{UserID: ptr(int64(0)), OrgID: ptr(int64(0)), Label: ptr("")}, func(k *charging.IDToken) bool {
				return k.UserID == 0 && k.OrgID == 0 && k.Label == "" && k.Status == charging.Accepted
			}},
		} {
			got, err := s.UpdateIDToken(t.Context(), "A", tt.u, t0)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			stored, err := s.IDToken(t.Context(), "A")
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(got) || !tt.check(stored) {
				t.Errorf("%s: returned %+v, stored %+v", tt.name, got, stored)
			}
		}
		_, err := s.UpdateIDToken(t.Context(), "A", charging.TokenUpdate{UserID: ptr(bo.ID + 100)}, t0)
		wantKind(t, err, ladda.NotFound)
		_, err = s.UpdateIDToken(t.Context(), "A", charging.TokenUpdate{OrgID: ptr(op.ID + 100)}, t0)
		wantKind(t, err, ladda.NotFound)
		wantKind(t, s.CreateIDToken(t.Context(), &charging.IDToken{Token: "G", Type: "Central", Status: charging.Accepted, UserID: bo.ID + 100,
			CreatedAt: t0, UpdatedAt: t0}), ladda.NotFound)
		wantKind(t, s.CreateIDToken(t.Context(), &charging.IDToken{Token: "G", Type: "Central", Status: charging.Accepted, OrgID: op.ID + 100,
			CreatedAt: t0, UpdatedAt: t0}), ladda.NotFound)
		_, err = s.IDToken(t.Context(), "G")
		wantKind(t, err, ladda.NotFound)
	})

	t.Run("delete removes a token; deleting an unknown one is not found", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateToken(t, s, &charging.IDToken{Token: "T1"})
		if err := s.DeleteIDToken(t.Context(), "T1"); err != nil {
			t.Fatal(err)
		}
		_, err := s.IDToken(t.Context(), "T1")
		wantKind(t, err, ladda.NotFound)
		wantKind(t, s.DeleteIDToken(t.Context(), "T1"), ladda.NotFound)
	})
}

func testTransactions(t *testing.T, open func(t *testing.T) Store) {
	t.Run("a start is stored with a new ID and, without a station id, its decimal form", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		tx := newTx("CS-1", 1, "TAG", 0)
		tx.MeterStartWh, tx.MeterLastWh, tx.Flags = ptr(1000.5), ptr(1000.5), []charging.Flag{charging.FlagNotAuthorized}
		MustStart(t, s, tx)
		if tx.ID <= 0 || tx.StationTxID != fmt.Sprint(tx.ID) {
			t.Fatalf("ID %d, StationTxID %q: want a positive ID and its decimal form", tx.ID, tx.StationTxID)
		}
		got := MustTransaction(t, s, tx.ID)
		if got.StationID != "CS-1" || got.StartKey != tx.StartKey || got.EVSEID != 1 || got.ConnectorID != 1 || got.IDToken != "TAG" ||
			got.StationTxID != tx.StationTxID || !got.Active() || !got.HasFlag(charging.FlagNotAuthorized) || len(got.Flags) != 1 {
			t.Errorf("stored %+v, want %+v", got, tx)
		}
		wantPtr(t, "MeterStartWh", got.MeterStartWh, ptr(1000.5))
		wantPtr(t, "MeterLastWh", got.MeterLastWh, ptr(1000.5))
		wantTime(t, "StartedAt", got.StartedAt, t0)
		wantTime(t, "UpdatedAt", got.UpdatedAt, t0)

		second := MustStart(t, s, newTx("CS-1", 2, "TAG", time.Minute))
		if second.ID <= tx.ID {
			t.Errorf("second ID %d is not after first %d", second.ID, tx.ID)
		}
	})

	t.Run("a start keeps the station's own transaction id", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		tx := newTx("CS-2", 1, "", 0)
		tx.StationTxID, tx.StartKey, tx.LastSeqNo = "f81d4fae-7dec", "tx:f81d4fae-7dec", ptr(0)
		MustStart(t, s, tx)
		got, err := s.TransactionByStationTxID(t.Context(), "CS-2", "f81d4fae-7dec")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != tx.ID || got.StationTxID != "f81d4fae-7dec" {
			t.Errorf("got %+v, want ID %d", got, tx.ID)
		}
		wantPtr(t, "LastSeqNo", got.LastSeqNo, ptr(0))
		_, err = s.TransactionByStationTxID(t.Context(), "CS-other", "f81d4fae-7dec")
		wantKind(t, err, ladda.NotFound)
	})

	t.Run("a replayed start returns the stored transaction and creates nothing", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		first := MustStart(t, s, newTx("CS-1", 1, "TAG", 0))
		replay := newTx("CS-1", 1, "TAG", 0)
		replay.IDToken, replay.UpdatedAt = "OTHER", at(time.Hour) // the key decides, not the other fields
		created, err := s.StartTransaction(t.Context(), replay)
		if err != nil {
			t.Fatal(err)
		}
		if created || replay.ID != first.ID || replay.IDToken != "TAG" || !replay.UpdatedAt.Equal(t0) {
			t.Errorf("replay: created %v, got %+v; want the first (ID %d)", created, replay, first.ID)
		}
		if list := mustTransactions(t, s, charging.TransactionFilter{}); len(list) != 1 {
			t.Errorf("%d transactions stored, want 1", len(list))
		}
		other := newTx("CS-2", 1, "TAG", 0) // same key, another station
		MustStart(t, s, other)
		if other.ID == first.ID {
			t.Errorf("a start of another station with the same key returned the first transaction")
		}
	})

	t.Run("a start on a connector with an open transaction stops it as replaced", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		done := MustStart(t, s, newTx("CS-1", 1, "Z", -time.Hour))
		if _, err := s.StopTransaction(t.Context(), charging.StopReport{TransactionID: done.ID, StoppedAt: at(-time.Minute), At: at(-time.Minute)}); err != nil {
			t.Fatal(err)
		}
		open1 := MustStart(t, s, newTx("CS-1", 1, "A", 0))
		otherEVSE := MustStart(t, s, newTx("CS-1", 2, "B", 0))
		otherStation := MustStart(t, s, newTx("CS-2", 1, "C", 0))
		next := MustStart(t, s, newTx("CS-1", 1, "D", time.Hour))

		old := MustTransaction(t, s, open1.ID)
		if old.Active() || !old.HasFlag(charging.FlagReplaced) {
			t.Fatalf("replaced transaction: active %v, flags %v", old.Active(), old.Flags)
		}
		wantTime(t, "StoppedAt", *old.StoppedAt, at(time.Hour))
		for _, id := range []ladda.TransactionID{otherEVSE.ID, otherStation.ID, next.ID} {
			if tx := MustTransaction(t, s, id); !tx.Active() || tx.HasFlag(charging.FlagReplaced) {
				t.Errorf("transaction %d was touched: %+v", id, tx)
			}
		}
		if tx := MustTransaction(t, s, done.ID); tx.HasFlag(charging.FlagReplaced) || !tx.StoppedAt.Equal(at(-time.Minute)) {
			t.Errorf("a transaction stopped before was touched: %+v", tx)
		}
	})

	t.Run("a stop is stored once; a replayed stop changes nothing", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		tx := MustStart(t, s, newTx("CS-1", 1, "TAG", 0))
		stop := charging.StopReport{TransactionID: tx.ID, StoppedAt: at(time.Hour), MeterStopWh: ptr(5000.0), Reason: "EVDisconnected",
			StoppedBy: "TAG2", SeqNo: ptr(7), At: at(time.Hour + time.Second),
			Samples: []charging.Sample{{Time: at(time.Hour), Measurand: charging.MeasurandEnergyImport, Unit: "Wh", Value: 4990}}}
		got, err := s.StopTransaction(t.Context(), stop)
		if err != nil {
			t.Fatal(err)
		}
		check := func(name string, got *charging.Transaction) {
			t.Helper()
			if got.Active() || got.StopReason != "EVDisconnected" || got.StoppedBy != "TAG2" || got.ID != tx.ID {
				t.Errorf("%s: %+v", name, got)
			}
			wantTime(t, name+": StoppedAt", *got.StoppedAt, at(time.Hour))
			wantPtr(t, name+": MeterStopWh", got.MeterStopWh, ptr(5000.0))
			wantPtr(t, name+": LastSeqNo", got.LastSeqNo, ptr(7))
			wantTime(t, name+": UpdatedAt", got.UpdatedAt, at(time.Hour+time.Second))
		}
		check("returned", got)
		check("stored", MustTransaction(t, s, tx.ID))

		replay := charging.StopReport{TransactionID: tx.ID, StoppedAt: at(2 * time.Hour), MeterStopWh: ptr(9999.0), Reason: "Other", SeqNo: ptr(9), At: at(3 * time.Hour),
			Samples: []charging.Sample{{Time: at(2 * time.Hour), Measurand: charging.MeasurandEnergyImport, Value: 9999}}}
		again, err := s.StopTransaction(t.Context(), replay)
		if err != nil {
			t.Fatal(err)
		}
		check("returned by the replay", again)
		stored := MustTransaction(t, s, tx.ID)
		check("stored after the replay", stored)
		if len(stored.Samples) != 1 || stored.Samples[0].Value != 4990 {
			t.Errorf("samples after the replay: %+v, want only the first stop's", stored.Samples)
		}
	})

	t.Run("stopping an unknown transaction is not found", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		_, err := s.StopTransaction(t.Context(), charging.StopReport{TransactionID: 12345, StoppedAt: t0, At: t0})
		wantKind(t, err, ladda.NotFound)
		_, err = s.Transaction(t.Context(), 12345)
		wantKind(t, err, ladda.NotFound)
	})

	t.Run("flags are added once", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		tx := MustStart(t, s, newTx("CS-1", 1, "TAG", 0))
		for range 2 {
			if err := s.AddFlags(t.Context(), tx.ID, charging.FlagSeqGap, charging.FlagStale, charging.FlagSeqGap); err != nil {
				t.Fatal(err)
			}
		}
		got := MustTransaction(t, s, tx.ID).Flags
		if !slices.Equal(got, []charging.Flag{charging.FlagSeqGap, charging.FlagStale}) {
			t.Errorf("flags = %v, want [seq-gap stale]", got)
		}
		wantKind(t, s.AddFlags(t.Context(), 12345, charging.FlagStale), ladda.NotFound)
	})

	t.Run("a token is set on a transaction that has none, and only then", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		anonymous := MustStart(t, s, newTx("CS-1", 1, "", 0))
		if err := s.SetIDToken(t.Context(), anonymous.ID, "LATE-TAG", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got := MustTransaction(t, s, anonymous.ID); got.IDToken != "LATE-TAG" || !got.UpdatedAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("token %q updated %v, want LATE-TAG at %v", got.IDToken, got.UpdatedAt, t0.Add(time.Minute))
		}
		if err := s.SetIDToken(t.Context(), anonymous.ID, "OTHER", t0); err != nil {
			t.Fatal(err)
		}
		if got := MustTransaction(t, s, anonymous.ID).IDToken; got != "LATE-TAG" {
			t.Errorf("token replaced by %q; a transaction keeps its token", got)
		}
		wantKind(t, s.SetIDToken(t.Context(), 12345, "X", t0), ladda.NotFound)
	})

	t.Run("the newest transaction with a station's id is found", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := newTx("CS-1", 1, "", 0)
		a.StationTxID, a.StartKey = "T1", "first"
		b := newTx("CS-1", 2, "", time.Minute)
		b.StationTxID, b.StartKey = "T1", "second"
		MustStart(t, s, a)
		MustStart(t, s, b)
		got, err := s.TransactionByStationTxID(t.Context(), "CS-1", "T1")
		if err != nil || got.ID != b.ID {
			t.Errorf("got %+v, %v; want ID %d", got, err, b.ID)
		}
	})

	t.Run("transactions list newest first with filters and keyset pagination", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		var ids []ladda.TransactionID // in creation order
		for i, c := range []struct {
			station ladda.StationID
			token   string
		}{{"A", "X"}, {"B", "X"}, {"A", "Y"}, {"A", "X"}, {"B", "Y"}} {
			ids = append(ids, MustStart(t, s, newTx(c.station, i+1, c.token, time.Duration(i)*time.Minute)).ID)
		}
		if _, err := s.StopTransaction(t.Context(), charging.StopReport{TransactionID: ids[0], StoppedAt: at(time.Hour), At: at(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.StopTransaction(t.Context(), charging.StopReport{TransactionID: ids[4], StoppedAt: at(time.Hour), At: at(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		stA, x := ladda.StationID("A"), "X"
		tests := []struct {
			name string
			f    charging.TransactionFilter
			want []int // indexes into ids
		}{
			{"all", charging.TransactionFilter{}, []int{4, 3, 2, 1, 0}},
			{"page 1", charging.TransactionFilter{Limit: 2}, []int{4, 3}},
			{"page 2", charging.TransactionFilter{Before: ids[3], Limit: 2}, []int{2, 1}},
			{"station", charging.TransactionFilter{StationID: &stA}, []int{3, 2, 0}},
			{"station, before", charging.TransactionFilter{StationID: &stA, Before: ids[3]}, []int{2, 0}},
			{"token", charging.TransactionFilter{IDToken: &x}, []int{3, 1, 0}},
			{"station and token", charging.TransactionFilter{StationID: &stA, IDToken: &x}, []int{3, 0}},
			{"active", charging.TransactionFilter{Active: ptr(true)}, []int{3, 2, 1}},
			{"stopped", charging.TransactionFilter{Active: ptr(false)}, []int{4, 0}},
			{"active of a station", charging.TransactionFilter{StationID: &stA, Active: ptr(true)}, []int{3, 2}},
			{"stopped of a token", charging.TransactionFilter{IDToken: &x, Active: ptr(false)}, []int{0}},
		}
		for _, tt := range tests {
			var want []ladda.TransactionID
			for _, i := range tt.want {
				want = append(want, ids[i])
			}
			var got []ladda.TransactionID
			for _, tx := range mustTransactions(t, s, tt.f) {
				got = append(got, tx.ID)
				if tx.Samples != nil {
					t.Errorf("%s: listed transaction %d has samples", tt.name, tx.ID)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: got %v, want %v", tt.name, got, want)
			}
		}
	})

	t.Run("transactions are scoped by their station's organisation, their token's owner and organisation, and start time", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		op, other, fleet := MustCreateOrg(t, s, "Op", account.OperatorOrg), MustCreateOrg(t, s, "Other", account.OperatorOrg), MustCreateOrg(t, s, "Fleet", account.FleetOrg)
		anna := MustCreateUser(t, s, "anna@example.com")
		for _, st := range []struct {
			id  ladda.StationID
			org int64
		}{{"A", op.ID}, {"B", other.ID}, {"C", 0}, {"D", op.ID}} {
			if err := s.CreateStation(t.Context(), &station.Station{ID: st.id, OrgID: st.org, Registration: station.Accepted, CreatedAt: t0, UpdatedAt: t0}); err != nil {
				t.Fatal(err)
			}
		}
		MustCreateToken(t, s, &charging.IDToken{Token: "X", UserID: anna.ID, OrgID: fleet.ID}) // anna's fleet card
		MustCreateToken(t, s, &charging.IDToken{Token: "Y", UserID: anna.ID})                  // anna's own card
		MustCreateToken(t, s, &charging.IDToken{Token: "Z", OrgID: fleet.ID})                  // a fleet card of nobody
		// Transaction i starts at t0 + i hours.
		var txs []*charging.Transaction
		for i, c := range []struct {
			station ladda.StationID
			token   string
		}{{"A", "X"}, {"B", "X"}, {"C", "Y"}, {"A", "Z"}, {"D", "Y"}, {"B", "W"}, {"A", ""}, {"D", "X"}} {
			txs = append(txs, MustStart(t, s, newTx(c.station, i+1, c.token, time.Duration(i)*time.Hour)))
		}
		if _, err := s.StopTransaction(t.Context(), charging.StopReport{TransactionID: txs[0].ID, StoppedAt: at(time.Hour), At: at(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		stationOrg := map[ladda.StationID]int64{"A": op.ID, "B": other.ID, "D": op.ID}
		tokenUser := map[string]int64{"X": anna.ID, "Y": anna.ID}
		tokenOrg := map[string]int64{"X": fleet.ID, "Z": fleet.ID}
		stA, x := ladda.StationID("A"), "X"
		for _, f := range []charging.TransactionFilter{
			{StationOrgID: op.ID},
			{StationOrgID: other.ID},
			{StationOrgID: fleet.ID},
			{TokenUserID: anna.ID},
			{TokenOrgID: fleet.ID},
			{TokenOrgID: op.ID},
			{StationOrgID: op.ID, TokenOrgID: fleet.ID},
			{StationOrgID: op.ID, TokenUserID: anna.ID, Active: ptr(true)},
			{StationOrgID: op.ID, StationID: &stA},
			{TokenUserID: anna.ID, IDToken: &x},
			{StartedFrom: at(2 * time.Hour)},
			{StartedUntil: at(2 * time.Hour)},
			{StartedFrom: at(time.Hour), StartedUntil: at(5*time.Hour + time.Microsecond)},
			{StartedFrom: at(time.Hour), StartedUntil: at(time.Hour)},
			{StationOrgID: op.ID, StartedFrom: at(time.Hour)},
			{TokenUserID: anna.ID, Before: txs[4].ID, Limit: 2},
			{TokenOrgID: fleet.ID, StartedUntil: at(7 * time.Hour), Limit: 1},
			{StationOrgID: op.ID, Active: ptr(false)},
		} {
			var want []ladda.TransactionID
			for _, tx := range slices.Backward(txs) {
				if (f.StationOrgID == 0 || stationOrg[tx.StationID] == f.StationOrgID) &&
					(f.TokenUserID == 0 || tokenUser[tx.IDToken] == f.TokenUserID) &&
					(f.TokenOrgID == 0 || tokenOrg[tx.IDToken] == f.TokenOrgID) &&
					(f.StationID == nil || tx.StationID == *f.StationID) && (f.IDToken == nil || tx.IDToken == *f.IDToken) &&
					(f.Active == nil || *f.Active == (tx.ID != txs[0].ID)) &&
					(f.StartedFrom.IsZero() || !tx.StartedAt.Before(f.StartedFrom)) && (f.StartedUntil.IsZero() || tx.StartedAt.Before(f.StartedUntil)) &&
					(f.Before == 0 || tx.ID < f.Before) {
					want = append(want, tx.ID)
				}
			}
			if f.Limit > 0 && len(want) > f.Limit {
				want = want[:f.Limit]
			}
			var got []ladda.TransactionID
			for _, tx := range mustTransactions(t, s, f) {
				got = append(got, tx.ID)
			}
			if !slices.Equal(got, want) {
				t.Errorf("Transactions(%+v) = %v, want %v", f, got, want)
			}
		}
		// Scopes follow the stations and cards as they are now.
		if _, err := s.UpdateStation(t.Context(), "C", station.Update{OrgID: &other.ID}, t0); err != nil {
			t.Fatal(err)
		}
		if list := mustTransactions(t, s, charging.TransactionFilter{StationOrgID: other.ID}); len(list) != 3 {
			t.Errorf("after C moved to the other operator: %d of its transactions, want 3", len(list))
		}
	})

	t.Run("a list without limit returns 100 transactions", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		parallel(t, 102, func(i int) error {
			_, err := s.StartTransaction(t.Context(), newTx("CS-1", i+1, "T", 0))
			return err
		})
		if list := mustTransactions(t, s, charging.TransactionFilter{}); len(list) != 100 {
			t.Errorf("got %d transactions, want 100", len(list))
		}
	})

	t.Run("active transactions of a token are counted, except one", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := MustStart(t, s, newTx("CS-1", 1, "FLEET", 0))
		MustStart(t, s, newTx("CS-1", 2, "FLEET", 0))
		c := MustStart(t, s, newTx("CS-2", 1, "FLEET", 0))
		MustStart(t, s, newTx("CS-2", 2, "OTHER", 0))
		if _, err := s.StopTransaction(t.Context(), charging.StopReport{TransactionID: c.ID, StoppedAt: at(time.Hour), At: at(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			token  string
			except ladda.TransactionID
			want   int
		}{{"FLEET", 0, 2}, {"FLEET", a.ID, 1}, {"FLEET", c.ID, 2}, {"OTHER", 0, 1}, {"NONE", 0, 0}}
		for _, tt := range tests {
			n, err := s.ActiveTransactions(t.Context(), tt.token, tt.except)
			if err != nil {
				t.Fatal(err)
			}
			if n != tt.want {
				t.Errorf("ActiveTransactions(%s, except %d) = %d, want %d", tt.token, tt.except, n, tt.want)
			}
		}
	})

	t.Run("open transactions started before a time are flagged stale once", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		old := MustStart(t, s, newTx("CS-1", 1, "A", 0))
		oldFlagged := MustStart(t, s, newTx("CS-1", 2, "B", 0))
		if err := s.AddFlags(t.Context(), oldFlagged.ID, charging.FlagSeqGap); err != nil {
			t.Fatal(err)
		}
		oldStopped := MustStart(t, s, newTx("CS-1", 3, "C", 0))
		if _, err := s.StopTransaction(t.Context(), charging.StopReport{TransactionID: oldStopped.ID, StoppedAt: at(time.Minute), At: at(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		recent := MustStart(t, s, newTx("CS-1", 4, "D", 48*time.Hour))

		for i, want := range []int{2, 0} {
			n, err := s.FlagStale(t.Context(), at(24*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if n != want {
				t.Errorf("call %d: FlagStale = %d, want %d", i+1, n, want)
			}
		}
		for _, c := range []struct {
			id    ladda.TransactionID
			stale bool
		}{{old.ID, true}, {oldFlagged.ID, true}, {oldStopped.ID, false}, {recent.ID, false}} {
			if got := MustTransaction(t, s, c.id).HasFlag(charging.FlagStale); got != c.stale {
				t.Errorf("transaction %d: stale %v, want %v", c.id, got, c.stale)
			}
		}
		if got := MustTransaction(t, s, oldFlagged.ID).Flags; !slices.Equal(got, []charging.Flag{charging.FlagSeqGap, charging.FlagStale}) {
			t.Errorf("flags = %v, want [seq-gap stale]", got)
		}
	})

	t.Run("a start without a start key is invalid", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		tx := newTx("CS-1", 1, "T", 0)
		tx.StartKey = ""
		_, err := s.StartTransaction(t.Context(), tx)
		wantKind(t, err, ladda.Invalid)
	})
}

func testMeterValues(t *testing.T, open func(t *testing.T) Store) {
	energy := func(d time.Duration, wh float64) charging.Sample {
		return charging.Sample{Time: at(d), Measurand: charging.MeasurandEnergyImport, Unit: "Wh", Value: wh}
	}
	report := func(tx *charging.Transaction, reg *float64, seq *int, samples ...charging.Sample) charging.MeterReport {
		return charging.MeterReport{StationID: tx.StationID, TransactionID: tx.ID, EVSEID: tx.EVSEID, ConnectorID: tx.ConnectorID,
			Samples: samples, RegisterWh: reg, SeqNo: seq, At: at(time.Hour)}
	}

	t.Run("the register advances the meter and sets an unknown start", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		tx := MustStart(t, s, newTx("CS-1", 1, "T", 0))
		steps := []struct {
			reg             *float64
			start, last     *float64
			wantUpdatedTime time.Time
		}{
			{ptr(1000.0), ptr(1000.0), ptr(1000.0), at(time.Hour)},
			{ptr(1500.0), ptr(1000.0), ptr(1500.0), at(time.Hour)},
			{ptr(1200.0), ptr(1000.0), ptr(1500.0), at(time.Hour)}, // older reading: never backwards
			{nil, ptr(1000.0), ptr(1500.0), at(time.Hour)},
		}
		for i, st := range steps {
			if _, err := s.RecordMeterValues(t.Context(), report(tx, st.reg, nil, energy(time.Duration(i)*time.Minute, 1))); err != nil {
				t.Fatal(err)
			}
			got := MustTransaction(t, s, tx.ID)
			wantPtr(t, fmt.Sprintf("step %d: MeterStartWh", i), got.MeterStartWh, st.start)
			wantPtr(t, fmt.Sprintf("step %d: MeterLastWh", i), got.MeterLastWh, st.last)
			wantTime(t, fmt.Sprintf("step %d: UpdatedAt", i), got.UpdatedAt, st.wantUpdatedTime)
		}
		if got := MustTransaction(t, s, tx.ID).EnergyWh(); got != 500 {
			t.Errorf("EnergyWh = %v, want 500", got)
		}
	})

	t.Run("a known start is kept", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		tx := newTx("CS-1", 1, "T", 0)
		tx.MeterStartWh, tx.MeterLastWh = ptr(800.0), ptr(800.0)
		MustStart(t, s, tx)
		if _, err := s.RecordMeterValues(t.Context(), report(tx, ptr(900.0), nil)); err != nil {
			t.Fatal(err)
		}
		got := MustTransaction(t, s, tx.ID)
		wantPtr(t, "MeterStartWh", got.MeterStartWh, ptr(800.0))
		wantPtr(t, "MeterLastWh", got.MeterLastWh, ptr(900.0))
	})

	t.Run("the previous sequence number is returned and only grows", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		tx := MustStart(t, s, newTx("CS-1", 1, "T", 0))
		steps := []struct {
			seq, wantPrev, wantLast *int
		}{
			{ptr(1), nil, ptr(1)},
			{ptr(2), ptr(1), ptr(2)},
			{ptr(5), ptr(2), ptr(5)}, // a gap: the caller sees 2 → 5
			{ptr(3), ptr(5), ptr(5)}, // late: never backwards
			{nil, ptr(5), ptr(5)},
		}
		if got := len(MustTransaction(t, s, tx.ID).Samples); got != 0 {
			t.Fatalf("%d samples before any report", got)
		}
		for i, st := range steps {
			prev, err := s.RecordMeterValues(t.Context(), report(tx, nil, st.seq, energy(time.Duration(i)*time.Second, 1)))
			if err != nil {
				t.Fatal(err)
			}
			wantPtr(t, fmt.Sprintf("step %d: prevSeqNo", i), prev, st.wantPrev)
			wantPtr(t, fmt.Sprintf("step %d: LastSeqNo", i), MustTransaction(t, s, tx.ID).LastSeqNo, st.wantLast)
		}
	})

	t.Run("samples of all reports come back in time order", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		tx := MustStart(t, s, newTx("CS-1", 1, "T", 0))
		power := charging.Sample{Time: at(2 * time.Minute), Measurand: "Power.Active.Import", Phase: "L1", Location: "Outlet", Context: "Sample.Periodic", Unit: "W", Value: 7200.25}
		reports := [][]charging.Sample{
			{energy(2*time.Minute, 1200), power},
			{energy(time.Minute, 1100)}, // reported late
			{energy(3*time.Minute, 1300)},
		}
		for _, ss := range reports {
			if _, err := s.RecordMeterValues(t.Context(), report(tx, charging.RegisterWh(ss), nil, ss...)); err != nil {
				t.Fatal(err)
			}
		}
		got := MustTransaction(t, s, tx.ID).Samples
		want := []charging.Sample{energy(time.Minute, 1100), energy(2*time.Minute, 1200), power, energy(3*time.Minute, 1300)}
		if len(got) != len(want) {
			t.Fatalf("got %d samples, want %d: %+v", len(got), len(want), got)
		}
		for i := range want {
			wantTime(t, fmt.Sprintf("sample %d: Time", i), got[i].Time, want[i].Time)
			got[i].Time = want[i].Time
			if got[i] != want[i] {
				t.Errorf("sample %d = %+v, want %+v", i, got[i], want[i])
			}
		}
	})

	t.Run("samples keep odd text and extreme values", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		tx := MustStart(t, s, newTx("CS-1", 1, "T", 0))
		want := []charging.Sample{
			{Time: at(time.Second), Measurand: "Vendor \"quoted\" \\ \n\t\u00e9\u2028", Unit: "ünit", Value: -0.000001},
			{Time: at(2 * time.Second), Measurand: "big", Value: 1.7976931348623157e308},
			{Time: at(3 * time.Second), Measurand: "small", Value: 5e-324},
		}
		if _, err := s.RecordMeterValues(t.Context(), report(tx, nil, nil, want...)); err != nil {
			t.Fatal(err)
		}
		got := MustTransaction(t, s, tx.ID).Samples
		for i := range want {
			if i >= len(got) || !got[i].Time.Equal(want[i].Time) || got[i].Measurand != want[i].Measurand || got[i].Unit != want[i].Unit || got[i].Value != want[i].Value {
				t.Errorf("sample %d: got %+v, want %+v", i, got, want[i])
			}
		}
	})

	t.Run("a sample that is not a finite number is invalid", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		tx := MustStart(t, s, newTx("CS-1", 1, "T", 0))
		for _, v := range []float64{math.NaN(), math.Inf(1)} {
			_, err := s.RecordMeterValues(t.Context(), report(tx, nil, nil, charging.Sample{Time: t0, Measurand: "x", Value: v}))
			wantKind(t, err, ladda.Invalid)
		}
		if got := MustTransaction(t, s, tx.ID).Samples; len(got) != 0 {
			t.Errorf("samples stored: %+v", got)
		}
	})

	t.Run("reports outside a transaction are stored", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		prev, err := s.RecordMeterValues(t.Context(), charging.MeterReport{StationID: "CS-1", EVSEID: 1, ConnectorID: 1,
			Samples: []charging.Sample{energy(0, 1)}, RegisterWh: ptr(1.0), SeqNo: ptr(3), At: t0})
		if err != nil || prev != nil {
			t.Errorf("RecordMeterValues = %v, %v; want nil, nil", fmtPtr(prev), err)
		}
	})

	t.Run("a report for an unknown transaction or one of another station is not found", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		tx := MustStart(t, s, newTx("CS-1", 1, "T", 0))
		_, err := s.RecordMeterValues(t.Context(), charging.MeterReport{StationID: "CS-1", TransactionID: tx.ID + 100, Samples: []charging.Sample{energy(0, 1)}, At: t0})
		wantKind(t, err, ladda.NotFound)
		_, err = s.RecordMeterValues(t.Context(), charging.MeterReport{StationID: "CS-2", TransactionID: tx.ID, RegisterWh: ptr(5.0), Samples: []charging.Sample{energy(0, 5)}, At: t0})
		wantKind(t, err, ladda.NotFound)
		got := MustTransaction(t, s, tx.ID)
		if got.MeterLastWh != nil || len(got.Samples) != 0 {
			t.Errorf("another station's report changed the transaction: %+v", got)
		}
	})

	t.Run("a stop's samples are stored and advance the meter", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		tx := newTx("CS-1", 1, "T", 0)
		tx.MeterStartWh, tx.MeterLastWh = ptr(100.0), ptr(100.0)
		MustStart(t, s, tx)
		got, err := s.StopTransaction(t.Context(), charging.StopReport{TransactionID: tx.ID, StoppedAt: at(time.Hour), At: at(time.Hour),
			Samples: []charging.Sample{energy(time.Hour, 900)}})
		if err != nil {
			t.Fatal(err)
		}
		wantPtr(t, "MeterLastWh", got.MeterLastWh, ptr(900.0))
		if ss := MustTransaction(t, s, tx.ID).Samples; len(ss) != 1 || ss[0].Value != 900 {
			t.Errorf("samples = %+v, want the stop's", ss)
		}
	})
}

func mustTransactions(tb testing.TB, s Store, f charging.TransactionFilter) []*charging.Transaction {
	tb.Helper()
	list, err := s.Transactions(tb.Context(), f)
	if err != nil {
		tb.Fatalf("Transactions(%+v): %v", f, err)
	}
	return list
}
