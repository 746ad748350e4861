package storetest

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/station"
)

// MustSetLocalList assigns tokens to a station's local list.
func MustSetLocalList(tb testing.TB, s Store, id ladda.StationID, tokens ...string) {
	tb.Helper()
	if err := s.SetLocalList(tb.Context(), id, tokens); err != nil {
		tb.Fatalf("SetLocalList(%s, %d tokens): %v", id, len(tokens), err)
	}
}

// MustSaveSentLocalList records the list a station accepted.
func MustSaveSentLocalList(tb testing.TB, s Store, id ladda.StationID, version int, entries ...station.LocalAuthEntry) {
	tb.Helper()
	if err := s.SaveSentLocalList(tb.Context(), id, version, entries); err != nil {
		tb.Fatalf("SaveSentLocalList(%s, %d, %d entries): %v", id, version, len(entries), err)
	}
}

// wantLocalList fails unless the tokens assigned to the station are want, in that order, as a
// non-nil slice.
func wantLocalList(tb testing.TB, s Store, id ladda.StationID, want ...string) {
	tb.Helper()
	got, err := s.LocalList(tb.Context(), id)
	if err != nil {
		tb.Fatalf("LocalList(%s): %v", id, err)
	}
	if got == nil {
		tb.Errorf("LocalList(%s) = nil, want an empty list rather than nil", id)
	}
	if !slices.Equal(got, want) {
		tb.Errorf("LocalList(%s) = %q, want %q", id, got, want)
	}
}

// wantSentLocalList fails unless the list the station last accepted is version with want, in
// that order, expiry times in UTC.
func wantSentLocalList(tb testing.TB, s Store, id ladda.StationID, version int, want ...station.LocalAuthEntry) {
	tb.Helper()
	v, got, err := s.SentLocalList(tb.Context(), id)
	if err != nil {
		tb.Fatalf("SentLocalList(%s): %v", id, err)
	}
	if v != version {
		tb.Errorf("SentLocalList(%s) version = %d, want %d", id, v, version)
	}
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			tb.Errorf("%s: sent entry %d missing, want %+v", id, i, want[i])
		case i >= len(want):
			tb.Errorf("%s: extra sent entry %d: %+v", id, i, got[i])
		default:
			g, w := got[i], want[i]
			wantTimePtr(tb, fmt.Sprintf("%s: sent entry %d (%s) ExpiresAt", id, i, g.IDToken), g.ExpiresAt, w.ExpiresAt)
			g.ExpiresAt, w.ExpiresAt = nil, nil
			if g != w {
				tb.Errorf("%s: sent entry %d = %+v, want %+v", id, i, g, w)
			}
		}
	}
}

// accepted returns the entry of an accepted ISO 14443 token without expiry or group.
func accepted(token string) station.LocalAuthEntry {
	return station.LocalAuthEntry{IDToken: token, TokenType: "ISO14443", Status: "Accepted"}
}

func testLocalLists(t *testing.T, open func(t *testing.T) Store) {
	t.Run("assigned tokens list in byte order; setting replaces the assignment", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		MustSetLocalList(t, s, "CS-1", "b", "A", "a", "9", "10", "Ä", "B")
		wantLocalList(t, s, "CS-1", "10", "9", "A", "B", "a", "b", "Ä")
		MustSetLocalList(t, s, "CS-1", "c", "a")
		wantLocalList(t, s, "CS-1", "a", "c")
		MustSetLocalList(t, s, "CS-1")
		wantLocalList(t, s, "CS-1")
		MustSetLocalList(t, s, "CS-1", "d")
		wantLocalList(t, s, "CS-1", "d")
		if err := s.SetLocalList(t.Context(), "CS-1", nil); err != nil {
			t.Fatalf("SetLocalList(nil): %v", err)
		}
		wantLocalList(t, s, "CS-1")
	})

	t.Run("a token given twice is assigned once", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		MustSetLocalList(t, s, "CS-1", "T1", "T2", "T1", "T1")
		wantLocalList(t, s, "CS-1", "T1", "T2")
	})

	t.Run("tokens need not exist as ID tokens, and deleting one keeps it assigned", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		MustCreateToken(t, s, &charging.IDToken{Token: "KNOWN"})
		MustSetLocalList(t, s, "CS-1", "KNOWN", "NEVER-CREATED")
		if err := s.DeleteIDToken(t.Context(), "KNOWN"); err != nil {
			t.Fatalf("DeleteIDToken: %v", err)
		}
		wantLocalList(t, s, "CS-1", "KNOWN", "NEVER-CREATED")
	})

	t.Run("a station without a list has an empty assignment and version 0 sent", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		wantLocalList(t, s, "CS-1")
		v, entries, err := s.SentLocalList(t.Context(), "CS-1")
		if err != nil || v != 0 || entries != nil {
			t.Errorf("SentLocalList = %d, %+v, %v; want 0, nil, nil", v, entries, err)
		}
	})

	t.Run("the accepted list round-trips: order, types, groups, removals, expiry in UTC microseconds", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		cet := time.FixedZone("CET", 3600)
		in := []station.LocalAuthEntry{
			{IDToken: "Z-LAST-BY-NAME", TokenType: "Central", Status: "Blocked", GroupID: "FLEET-1"},
			{IDToken: "EXPIRING", TokenType: "eMAID", Status: "Accepted", ExpiresAt: ptr(time.Date(2026, 1, 1, 1, 0, 0, 987654321, cet))},
			{IDToken: "REMOVED", TokenType: "ISO14443"}, // no Status: a removal in a differential update
			{IDToken: "BARE"},
			{IDToken: "EXPIRED", Status: "Expired", ExpiresAt: ptr(t0)},
		}
		want := slices.Clone(in)
		want[1].ExpiresAt = ptr(time.Date(2026, 1, 1, 0, 0, 0, 987654000, time.UTC))
		MustSaveSentLocalList(t, s, "CS-1", 7, in...)
		wantSentLocalList(t, s, "CS-1", 7, want...)
		if in[1].ExpiresAt.Location() != cet {
			t.Errorf("SaveSentLocalList changed the caller's entries: ExpiresAt now in %v", in[1].ExpiresAt.Location())
		}
	})

	t.Run("saving the accepted list replaces the one before; no entries read back as none", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		MustSaveSentLocalList(t, s, "CS-1", 1, accepted("A"), accepted("B"))
		MustSaveSentLocalList(t, s, "CS-1", 2, accepted("C"))
		wantSentLocalList(t, s, "CS-1", 2, accepted("C"))
		MustSaveSentLocalList(t, s, "CS-1", 3)
		wantSentLocalList(t, s, "CS-1", 3)
		MustSaveSentLocalList(t, s, "CS-1", 1, accepted("D")) // a station may be given a lower version (Full update)
		wantSentLocalList(t, s, "CS-1", 1, accepted("D"))
		MustSaveSentLocalList(t, s, "CS-1", math.MaxInt32, accepted("E"))
		wantSentLocalList(t, s, "CS-1", math.MaxInt32, accepted("E"))
	})

	t.Run("the assignment and the accepted list are independent", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		MustSetLocalList(t, s, "CS-1", "A", "B")
		MustSaveSentLocalList(t, s, "CS-1", 4, accepted("A"))
		MustSetLocalList(t, s, "CS-1", "C")
		wantSentLocalList(t, s, "CS-1", 4, accepted("A"))
		MustSaveSentLocalList(t, s, "CS-1", 5, accepted("B"))
		wantLocalList(t, s, "CS-1", "C")
	})

	t.Run("each station has its own list", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for _, id := range []ladda.StationID{"CS-1", "CS-10", "CS-2"} {
			MustCreateStation(t, s, id)
		}
		MustSetLocalList(t, s, "CS-1", "A", "B")
		MustSetLocalList(t, s, "CS-10", "B", "C")
		MustSaveSentLocalList(t, s, "CS-1", 1, accepted("A"))
		MustSaveSentLocalList(t, s, "CS-10", 9, accepted("C"))
		MustSetLocalList(t, s, "CS-1", "D")
		MustSaveSentLocalList(t, s, "CS-1", 2, accepted("D"))
		wantLocalList(t, s, "CS-1", "D")
		wantLocalList(t, s, "CS-10", "B", "C")
		wantLocalList(t, s, "CS-2")
		wantSentLocalList(t, s, "CS-1", 2, accepted("D"))
		wantSentLocalList(t, s, "CS-10", 9, accepted("C"))
		wantSentLocalList(t, s, "CS-2", 0)
	})

	t.Run("a list of 10000 tokens is stored whole", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		tokens := make([]string, 10000)
		entries := make([]station.LocalAuthEntry, len(tokens))
		for i := range tokens {
			tokens[i] = fmt.Sprintf("TOKEN-%05d", len(tokens)-1-i) // given backwards
			entries[i] = accepted(tokens[i])
		}
		MustSetLocalList(t, s, "CS-1", tokens...)
		MustSaveSentLocalList(t, s, "CS-1", 1, entries...)
		slices.Reverse(tokens)
		wantLocalList(t, s, "CS-1", tokens...)
		wantSentLocalList(t, s, "CS-1", 1, entries...)
	})

	t.Run("deleting the station removes its list; the ID comes back without one", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		MustCreateStation(t, s, "CS-2")
		for _, id := range []ladda.StationID{"CS-1", "CS-2"} {
			MustSetLocalList(t, s, id, "A")
			MustSaveSentLocalList(t, s, id, 3, accepted("A"))
		}
		if err := s.DeleteStation(t.Context(), "CS-1"); err != nil {
			t.Fatalf("DeleteStation: %v", err)
		}
		wantLocalList(t, s, "CS-1")
		wantSentLocalList(t, s, "CS-1", 0)
		MustCreateStation(t, s, "CS-1")
		wantLocalList(t, s, "CS-1")
		wantSentLocalList(t, s, "CS-1", 0)
		wantLocalList(t, s, "CS-2", "A")
		wantSentLocalList(t, s, "CS-2", 3, accepted("A"))
		wantKind(t, s.DeleteStation(t.Context(), "nope"), ladda.NotFound)
	})

	t.Run("an unknown station has no list and cannot be given one", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		wantLocalList(t, s, "nope")
		wantSentLocalList(t, s, "nope", 0)
		wantKind(t, s.SetLocalList(t.Context(), "nope", []string{"A"}), ladda.NotFound)
		wantKind(t, s.SetLocalList(t.Context(), "nope", nil), ladda.NotFound)
		wantKind(t, s.SaveSentLocalList(t.Context(), "nope", 1, []station.LocalAuthEntry{accepted("A")}), ladda.NotFound)
		MustCreateStation(t, s, "nope")
		wantLocalList(t, s, "nope")
		wantSentLocalList(t, s, "nope", 0)
	})

	t.Run("bad tokens, versions and entries are invalid and change nothing", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		MustSetLocalList(t, s, "CS-1", "A")
		MustSaveSentLocalList(t, s, "CS-1", 1, accepted("A"))
		for _, bad := range []string{"", "NUL\x00", "bad\xffUTF-8"} {
			wantKind(t, s.SetLocalList(t.Context(), "CS-1", []string{"B", bad}), ladda.Invalid)
		}
		for _, v := range []int{0, -1, math.MaxInt32 + 1} {
			wantKind(t, s.SaveSentLocalList(t.Context(), "CS-1", v, []station.LocalAuthEntry{accepted("B")}), ladda.Invalid)
		}
		for _, bad := range []station.LocalAuthEntry{
			{Status: "Accepted"},
			{IDToken: "NUL\x00", Status: "Accepted"},
			{IDToken: "B", TokenType: "bad\xff", Status: "Accepted"},
			{IDToken: "B", Status: "Accepted\x00"},
			{IDToken: "B", Status: "Accepted", GroupID: "\xfe"},
		} {
			wantKind(t, s.SaveSentLocalList(t.Context(), "CS-1", 2, []station.LocalAuthEntry{accepted("B"), bad}), ladda.Invalid)
		}
		wantLocalList(t, s, "CS-1", "A")
		wantSentLocalList(t, s, "CS-1", 1, accepted("A"))
	})
}

// benchSetLocalList: an operator reassigns a station's list of 1000 tokens.
func benchSetLocalList(b *testing.B, open func(b *testing.B) Store) {
	s := open(b)
	MustCreateStation(b, s, "CS-1")
	tokens := make([]string, 1000)
	for i := range tokens {
		tokens[i] = fmt.Sprintf("TOKEN-%05d", i)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.SetLocalList(b.Context(), "CS-1", tokens); err != nil {
			b.Fatal(err)
		}
	}
}

// benchSentLocalList: the service reads the list a station accepted, 1000 entries, to compute
// the differences of the next update.
func benchSentLocalList(b *testing.B, open func(b *testing.B) Store) {
	s := open(b)
	MustCreateStation(b, s, "CS-1")
	entries := make([]station.LocalAuthEntry, 1000)
	for i := range entries {
		entries[i] = accepted(fmt.Sprintf("TOKEN-%05d", i))
		entries[i].ExpiresAt = ptr(at(time.Duration(i) * time.Hour))
	}
	MustSaveSentLocalList(b, s, "CS-1", 1, entries...)
	b.ReportAllocs()
	for b.Loop() {
		if _, got, err := s.SentLocalList(b.Context(), "CS-1"); err != nil || len(got) != len(entries) {
			b.Fatalf("SentLocalList = %d entries, %v", len(got), err)
		}
	}
}
