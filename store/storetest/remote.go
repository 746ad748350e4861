package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
)

// newRemoteStart returns an unanswered remote start of a station for a token on an EVSE (0:
// any), requested at t0+d.
func newRemoteStart(st ladda.StationID, evse int, token string, d time.Duration) *charging.RemoteStart {
	return &charging.RemoteStart{StationID: st, EVSEID: evse, IDToken: token, RequestedBy: "user:7", RequestedAt: at(d)}
}

// MustCreateRemoteStart stores r and fails unless it got an ID.
func MustCreateRemoteStart(tb testing.TB, s Store, r *charging.RemoteStart) *charging.RemoteStart {
	tb.Helper()
	if err := s.CreateRemoteStart(tb.Context(), r); err != nil {
		tb.Fatalf("CreateRemoteStart(%s %s): %v", r.StationID, r.IDToken, err)
	}
	if r.ID <= 0 {
		tb.Fatalf("CreateRemoteStart(%s %s): ID = %d, want > 0", r.StationID, r.IDToken, r.ID)
	}
	return r
}

// MustRemoteStart returns a stored remote start.
func MustRemoteStart(tb testing.TB, s Store, id int64) *charging.RemoteStart {
	tb.Helper()
	r, err := s.RemoteStart(tb.Context(), id)
	if err != nil {
		tb.Fatalf("RemoteStart(%d): %v", id, err)
	}
	return r
}

// MustAnswerRemoteStart stores a station's answer to a remote start.
func MustAnswerRemoteStart(tb testing.TB, s Store, id int64, status string, commandID int64) {
	tb.Helper()
	if err := s.AnswerRemoteStart(tb.Context(), id, status, commandID); err != nil {
		tb.Fatalf("AnswerRemoteStart(%d, %s): %v", id, status, err)
	}
}

// MustLink links a transaction and reports whether a remote start was linked.
func MustLink(tb testing.TB, s Store, l charging.RemoteStartLink) bool {
	tb.Helper()
	linked, err := s.LinkRemoteStart(tb.Context(), l)
	if err != nil {
		tb.Fatalf("LinkRemoteStart(%+v): %v", l, err)
	}
	return linked
}

// wantLinked fails unless the remote start is linked to tx (nil: to none).
func wantLinked(tb testing.TB, s Store, id int64, tx *ladda.TransactionID) {
	tb.Helper()
	wantPtr(tb, fmt.Sprintf("remote start %d: TransactionID", id), MustRemoteStart(tb, s, id).TransactionID, tx)
}

// wantRemoteStart fails unless got is want as stored.
func wantRemoteStart(tb testing.TB, got, want *charging.RemoteStart) {
	tb.Helper()
	if got.ID != want.ID || got.StationID != want.StationID || got.EVSEID != want.EVSEID || got.IDToken != want.IDToken ||
		got.Status != want.Status || got.CommandID != want.CommandID || got.RequestedBy != want.RequestedBy {
		tb.Errorf("got %+v, want %+v", got, want)
	}
	wantPtr(tb, "TransactionID", got.TransactionID, want.TransactionID)
	wantTime(tb, "RequestedAt", got.RequestedAt, want.RequestedAt)
}

func testRemoteStarts(t *testing.T, open func(t *testing.T) Store) {
	t.Run("a created remote start gets an ID and reads back unanswered and unlinked", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		r := newRemoteStart("CS-1", 2, "TOKEN-1", 0)
		r.RequestedAt = time.Date(2025, 3, 1, 11, 0, 0, 987654321, time.FixedZone("CET", 3600))
		MustCreateRemoteStart(t, s, r)
		want := *r
		want.RequestedAt = time.Date(2025, 3, 1, 10, 0, 0, 987654000, time.UTC)
		wantTime(t, "CreateRemoteStart's RequestedAt", r.RequestedAt, want.RequestedAt)
		got := MustRemoteStart(t, s, r.ID)
		wantRemoteStart(t, got, &want)
		if got.Status != "" || got.CommandID != 0 || got.TransactionID != nil {
			t.Errorf("a new remote start has status %q, command %d, transaction %s; want none", got.Status, got.CommandID, fmtPtr(got.TransactionID))
		}
	})

	t.Run("IDs grow and are never reused", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := MustCreateRemoteStart(t, s, newRemoteStart("CS-1", 0, "T", 0))
		b := MustCreateRemoteStart(t, s, newRemoteStart("CS-2", 0, "T", 0))
		c := MustCreateRemoteStart(t, s, newRemoteStart("CS-1", 0, "T", 0))
		if !(a.ID < b.ID && b.ID < c.ID) {
			t.Errorf("IDs %d, %d, %d: want increasing", a.ID, b.ID, c.ID)
		}
	})

	t.Run("answering stores the status and the command log entry", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		tests := []struct {
			status  string
			command int64
		}{
			{"Accepted", 41},
			{"Rejected", 42},
			{"", 0}, // no answer: the command timed out
		}
		for _, tt := range tests {
			r := MustCreateRemoteStart(t, s, newRemoteStart("CS-1", 1, "T", 0))
			MustAnswerRemoteStart(t, s, r.ID, tt.status, tt.command)
			want := *r
			want.Status, want.CommandID = tt.status, tt.command
			wantRemoteStart(t, MustRemoteStart(t, s, r.ID), &want)
		}
	})

	t.Run("unknown IDs are not found", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		r := MustCreateRemoteStart(t, s, newRemoteStart("CS-1", 0, "T", 0))
		_, err := s.RemoteStart(t.Context(), r.ID+100)
		wantKind(t, err, ladda.NotFound)
		wantKind(t, s.AnswerRemoteStart(t.Context(), r.ID+100, "Accepted", 1), ladda.NotFound)
		if got := MustRemoteStart(t, s, r.ID); got.Status != "" || got.CommandID != 0 {
			t.Errorf("answering an unknown ID changed %d: %+v", r.ID, got)
		}
	})

	t.Run("bad remote starts and links are invalid", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for _, r := range []*charging.RemoteStart{
			newRemoteStart("", 0, "T", 0),
			newRemoteStart("CS-1", 0, "", 0),
			newRemoteStart("CS-1", -1, "T", 0),
		} {
			wantKind(t, s.CreateRemoteStart(t.Context(), r), ladda.Invalid)
		}
		for _, l := range []charging.RemoteStartLink{
			{IDToken: "T", TransactionID: 1},
			{StationID: "CS-1", IDToken: "T"},
		} {
			_, err := s.LinkRemoteStart(t.Context(), l)
			wantKind(t, err, ladda.Invalid)
		}
	})

	t.Run("a 2.0.1 start links by remoteStartId, only the station's, only once", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		r := MustCreateRemoteStart(t, s, newRemoteStart("CS-1", 1, "T", 0))
		MustAnswerRemoteStart(t, s, r.ID, "Accepted", 9)
		if MustLink(t, s, charging.RemoteStartLink{StationID: "CS-2", RemoteStartID: r.ID, IDToken: "T", EVSEID: 1, Since: t0, TransactionID: 100}) {
			t.Errorf("another station's transaction linked remote start %d", r.ID)
		}
		wantLinked(t, s, r.ID, nil)
		// The ID is what counts: token, EVSE and time need not match.
		if !MustLink(t, s, charging.RemoteStartLink{StationID: "CS-1", RemoteStartID: r.ID, IDToken: "OTHER", EVSEID: 3, Since: at(time.Hour), TransactionID: 101}) {
			t.Fatalf("the station's transaction with remoteStartId %d did not link it", r.ID)
		}
		wantLinked(t, s, r.ID, ptr[ladda.TransactionID](101))
		if MustLink(t, s, charging.RemoteStartLink{StationID: "CS-1", RemoteStartID: r.ID, IDToken: "T", TransactionID: 102}) {
			t.Errorf("remote start %d linked a second time", r.ID)
		}
		wantLinked(t, s, r.ID, ptr[ladda.TransactionID](101))
	})

	t.Run("an unknown remoteStartId links nothing, even when the token matches", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		r := MustCreateRemoteStart(t, s, newRemoteStart("CS-1", 1, "T", 0))
		if MustLink(t, s, charging.RemoteStartLink{StationID: "CS-1", RemoteStartID: r.ID + 100, IDToken: "T", EVSEID: 1, Since: t0, TransactionID: 100}) {
			t.Error("linked with an unknown remoteStartId")
		}
		wantLinked(t, s, r.ID, nil)
	})

	t.Run("a 1.6 start links the oldest matching remote start of its station for the token", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		type req struct {
			station ladda.StationID // "" is the case's station
			evse    int
			token   string
			status  string
			d       time.Duration
		}
		tests := []struct {
			name  string
			reqs  []req // created in this order
			evse  int   // of the transaction
			since time.Duration
			want  int // index into reqs; -1: none
		}{
			{"oldest first, not first created", []req{{evse: 1, token: "T", d: 2 * time.Minute}, {evse: 1, token: "T", d: time.Minute}}, 1, 0, 1},
			{"equal times: the first created", []req{{evse: 1, token: "T", d: time.Minute}, {evse: 1, token: "T", d: time.Minute}}, 1, 0, 0},
			{"the same EVSE", []req{{evse: 2, token: "T"}}, 2, 0, 0},
			{"another EVSE", []req{{evse: 2, token: "T"}}, 1, 0, -1},
			{"any EVSE on the request", []req{{evse: 0, token: "T"}}, 3, 0, 0},
			{"an older one for another EVSE is passed over", []req{{evse: 1, token: "T"}, {evse: 2, token: "T", d: time.Minute}}, 2, 0, 1},
			{"another token", []req{{evse: 1, token: "U"}}, 1, 0, -1},
			{"another station", []req{{station: "ELSEWHERE", evse: 1, token: "T"}}, 1, 0, -1},
			{"accepted", []req{{evse: 1, token: "T", status: "Accepted"}}, 1, 0, 0},
			{"rejected is passed over", []req{{evse: 1, token: "T", status: "Rejected"}, {evse: 1, token: "T", d: time.Minute}}, 1, 0, 1},
			{"only rejected", []req{{evse: 1, token: "T", status: "Rejected"}}, 1, 0, -1},
			{"requested before since", []req{{evse: 1, token: "T", d: -time.Second}}, 1, 0, -1},
			{"requested exactly at since", []req{{evse: 1, token: "T", d: time.Minute}}, 1, time.Minute, 0},
			{"too old passed over for a newer one", []req{{evse: 1, token: "T", d: -time.Minute}, {evse: 1, token: "T", d: time.Second}}, 1, 0, 1},
		}
		for i, tt := range tests {
			st := ladda.StationID(fmt.Sprint("CS-", i))
			ids := make([]int64, len(tt.reqs))
			for j, q := range tt.reqs {
				on := st
				if q.station != "" {
					on = q.station + st
				}
				ids[j] = MustCreateRemoteStart(t, s, newRemoteStart(on, q.evse, q.token, q.d)).ID
				if q.status != "" {
					MustAnswerRemoteStart(t, s, ids[j], q.status, 1)
				}
			}
			tx := ladda.TransactionID(1000 + i)
			linked := MustLink(t, s, charging.RemoteStartLink{StationID: st, IDToken: "T", EVSEID: tt.evse, Since: at(tt.since), TransactionID: tx})
			if linked != (tt.want >= 0) {
				t.Errorf("%s: linked = %v, want %v", tt.name, linked, tt.want >= 0)
			}
			for j, id := range ids {
				var want *ladda.TransactionID
				if j == tt.want {
					want = &tx
				}
				if got := MustRemoteStart(t, s, id).TransactionID; (got == nil) != (want == nil) || (got != nil && *got != *want) {
					t.Errorf("%s: request %d linked to %s, want %s", tt.name, j, fmtPtr(got), fmtPtr(want))
				}
			}
		}
	})

	t.Run("linked remote starts are passed over, and a transaction links at most one", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := MustCreateRemoteStart(t, s, newRemoteStart("CS-1", 0, "T", 0))
		b := MustCreateRemoteStart(t, s, newRemoteStart("CS-1", 0, "T", time.Minute))
		c := MustCreateRemoteStart(t, s, newRemoteStart("CS-1", 0, "T", 2*time.Minute))
		link := func(tx ladda.TransactionID) charging.RemoteStartLink {
			return charging.RemoteStartLink{StationID: "CS-1", IDToken: "T", EVSEID: 1, Since: t0, TransactionID: tx}
		}
		if !MustLink(t, s, link(1)) || !MustLink(t, s, link(2)) {
			t.Fatal("the first two transactions did not link")
		}
		wantLinked(t, s, a.ID, ptr[ladda.TransactionID](1))
		wantLinked(t, s, b.ID, ptr[ladda.TransactionID](2))
		if MustLink(t, s, link(1)) {
			t.Error("transaction 1 linked a second time, by token")
		}
		if MustLink(t, s, charging.RemoteStartLink{StationID: "CS-1", RemoteStartID: c.ID, TransactionID: 2}) {
			t.Error("transaction 2 linked a second time, by remoteStartId")
		}
		wantLinked(t, s, c.ID, nil)
		if !MustLink(t, s, link(3)) {
			t.Fatal("transaction 3 did not link the last unlinked remote start")
		}
		wantLinked(t, s, c.ID, ptr[ladda.TransactionID](3))
		if MustLink(t, s, link(4)) {
			t.Error("transaction 4 linked although every remote start is linked")
		}
	})

	t.Run("a start without remoteStartId or token links nothing", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		r := MustCreateRemoteStart(t, s, newRemoteStart("CS-1", 0, "T", 0))
		if MustLink(t, s, charging.RemoteStartLink{StationID: "CS-1", EVSEID: 1, Since: t0, TransactionID: 1}) {
			t.Error("linked without remoteStartId and token")
		}
		wantLinked(t, s, r.ID, nil)
	})

	t.Run("racing starts for one remote start link it once", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		r := MustCreateRemoteStart(t, s, newRemoteStart("CS-1", 0, "T", 0))
		const n = 8
		linked := make([]bool, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				linked[i], errs[i] = s.LinkRemoteStart(t.Context(), charging.RemoteStartLink{
					StationID: "CS-1", IDToken: "T", EVSEID: i + 1, Since: t0, TransactionID: ladda.TransactionID(i + 1)})
			})
		}
		wg.Wait()
		var winner ladda.TransactionID
		for i := range n {
			if errs[i] != nil {
				t.Errorf("link %d: %v", i+1, errs[i])
			}
			if linked[i] {
				if winner != 0 {
					t.Errorf("transactions %d and %d both linked remote start %d", winner, i+1, r.ID)
				}
				winner = ladda.TransactionID(i + 1)
			}
		}
		if winner == 0 {
			t.Fatal("no transaction linked")
		}
		wantLinked(t, s, r.ID, &winner)
	})
}
