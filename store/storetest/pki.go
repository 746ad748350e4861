package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/pki"
)

// testCSR stands for the PEM of a certificate signing request.
const testCSR = "-----BEGIN CERTIFICATE REQUEST-----\nMIIBCSR\n-----END CERTIFICATE REQUEST-----\n"

// The kinds of certificates stations ask for.
const (
	kindStation = "ChargingStationCertificate"
	kindV2G     = "V2GCertificate"
)

// NewCertificate returns a Requested request of a station's certificate of kind, requested
// at t0.
func NewCertificate(st ladda.StationID, kind string) *pki.Certificate {
	return &pki.Certificate{StationID: st, Kind: kind, CSR: testCSR, Status: pki.CertRequested, RequestedAt: t0, UpdatedAt: t0}
}

// MustRecordCertificate stores c and fails unless it got an ID.
func MustRecordCertificate(tb testing.TB, s Store, c *pki.Certificate) *pki.Certificate {
	tb.Helper()
	if err := s.RecordCertificate(tb.Context(), c); err != nil {
		tb.Fatalf("RecordCertificate(%s, %s): %v", c.StationID, c.Kind, err)
	}
	if c.ID <= 0 {
		tb.Fatalf("RecordCertificate(%s, %s): ID = %d, want > 0", c.StationID, c.Kind, c.ID)
	}
	return c
}

// MustCertificate returns a stored certificate request.
func MustCertificate(tb testing.TB, s Store, id int64) *pki.Certificate {
	tb.Helper()
	c, err := s.Certificate(tb.Context(), id)
	if err != nil {
		tb.Fatalf("Certificate(%d): %v", id, err)
	}
	return c
}

// MustChangeCertificate applies a change and returns whether it did.
func MustChangeCertificate(tb testing.TB, s Store, id int64, from []pki.CertStatus, ch pki.CertChange) bool {
	tb.Helper()
	ok, err := s.ChangeCertificate(tb.Context(), id, from, ch)
	if err != nil {
		tb.Fatalf("ChangeCertificate(%d, %v, %+v): %v", id, from, ch, err)
	}
	return ok
}

// mustCertificates lists certificate requests.
func mustCertificates(tb testing.TB, s Store, f pki.CertFilter) []*pki.Certificate {
	tb.Helper()
	list, err := s.Certificates(tb.Context(), f)
	if err != nil {
		tb.Fatalf("Certificates(%+v): %v", f, err)
	}
	return list
}

// mustRoots lists the roots of a kind.
func mustRoots(tb testing.TB, s Store, kind string) []*pki.Root {
	tb.Helper()
	list, err := s.Roots(tb.Context(), kind)
	if err != nil {
		tb.Fatalf("Roots(%q): %v", kind, err)
	}
	return list
}

// certificateIDs returns the IDs of list, in order.
func certificateIDs(list []*pki.Certificate) []int64 {
	ids := make([]int64, len(list))
	for i, c := range list {
		ids[i] = c.ID
	}
	return ids
}

// rootNames returns the names of list, in order.
func rootNames(list []*pki.Root) []string {
	names := make([]string, len(list))
	for i, r := range list {
		names[i] = r.Name
	}
	return names
}

// wantCertificate fails unless got is want as stored, times in UTC.
func wantCertificate(tb testing.TB, got, want *pki.Certificate) {
	tb.Helper()
	g, w := *got, *want
	name := fmt.Sprintf("certificate request %d", w.ID)
	wantTimePtr(tb, name+": NotBefore", g.NotBefore, w.NotBefore)
	wantTimePtr(tb, name+": NotAfter", g.NotAfter, w.NotAfter)
	wantTime(tb, name+": RequestedAt", g.RequestedAt, w.RequestedAt)
	wantTime(tb, name+": UpdatedAt", g.UpdatedAt, w.UpdatedAt)
	g.NotBefore, g.NotAfter, w.NotBefore, w.NotAfter = nil, nil, nil, nil
	g.RequestedAt, g.UpdatedAt, w.RequestedAt, w.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if g != w {
		tb.Errorf("%s:\n got %+v\nwant %+v", name, g, w)
	}
}

// wantRoot fails unless got is want as stored, times in UTC.
func wantRoot(tb testing.TB, got, want *pki.Root) {
	tb.Helper()
	g, w := *got, *want
	name := fmt.Sprintf("root %q", w.Name)
	wantTime(tb, name+": NotAfter", g.NotAfter, w.NotAfter)
	wantTime(tb, name+": CreatedAt", g.CreatedAt, w.CreatedAt)
	g.NotAfter, g.CreatedAt, w.NotAfter, w.CreatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if g != w {
		tb.Errorf("%s:\n got %+v\nwant %+v", name, g, w)
	}
}

// wantRoots fails unless got are want, in order.
func wantRoots(tb testing.TB, got []*pki.Root, want ...*pki.Root) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Fatalf("roots %q, want %d", rootNames(got), len(want))
	}
	for i := range got {
		wantRoot(tb, got[i], want[i])
	}
}

// selectsCert reports whether f selects c, as pki.CertFilter documents it.
func selectsCert(f pki.CertFilter, c *pki.Certificate) bool {
	return (f.StationID == "" || c.StationID == f.StationID) &&
		(len(f.Statuses) == 0 || slices.Contains(f.Statuses, c.Status)) &&
		(f.BeforeID <= 0 || c.ID < f.BeforeID)
}

// certStatuses are the statuses of certificate requests.
var certStatuses = []pki.CertStatus{pki.CertRequested, pki.CertIssued, pki.CertAccepted, pki.CertRejected, pki.CertFailed}

func testPKI(t *testing.T, open func(t *testing.T) Store) {
	t.Run("a recorded request gets a growing ID and reads back as stored, times in UTC microseconds", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		MustCreateStation(t, s, "CS-2")
		cet := time.FixedZone("CET", 3600)
		c := &pki.Certificate{StationID: "CS-1", Kind: kindV2G, CSR: testCSR, Status: pki.CertIssued, Detail: "signed by Ladda CA",
			SerialNumber: "0a1b2c3d", Subject: "CN=CS-1,O=Ladda", NotBefore: ptr(time.Date(2025, 3, 1, 11, 0, 0, 123456789, cet)),
			NotAfter: ptr(time.Date(2026, 3, 1, 11, 0, 0, 999, cet)), PEM: "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n",
			CommandID: 42, RequestedAt: time.Date(2025, 3, 1, 11, 0, 0, 1001, cet), UpdatedAt: time.Date(2025, 3, 1, 11, 0, 1, 1999, cet)}
		MustRecordCertificate(t, s, c)
		want := &pki.Certificate{ID: c.ID, StationID: "CS-1", Kind: kindV2G, CSR: testCSR, Status: pki.CertIssued, Detail: "signed by Ladda CA",
			SerialNumber: "0a1b2c3d", Subject: "CN=CS-1,O=Ladda", NotBefore: ptr(time.Date(2025, 3, 1, 10, 0, 0, 123456000, time.UTC)),
			NotAfter: ptr(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)), PEM: "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n",
			CommandID: 42, RequestedAt: time.Date(2025, 3, 1, 10, 0, 0, 1000, time.UTC), UpdatedAt: time.Date(2025, 3, 1, 10, 0, 1, 1000, time.UTC)}
		wantCertificate(t, c, want)
		wantCertificate(t, MustCertificate(t, s, c.ID), want)

		// A new request: no validity, no command.
		b := MustRecordCertificate(t, s, NewCertificate("CS-2", kindStation))
		d := MustRecordCertificate(t, s, NewCertificate("CS-1", kindStation))
		if !(c.ID < b.ID && b.ID < d.ID) {
			t.Errorf("IDs %d, %d, %d: want increasing", c.ID, b.ID, d.ID)
		}
		got := MustCertificate(t, s, b.ID)
		wantCertificate(t, got, b)
		if got.NotBefore != nil || got.NotAfter != nil || got.CommandID != 0 || got.SerialNumber != "" || got.PEM != "" {
			t.Errorf("a new request has validity %s to %s, command %d, serial %q, PEM %q; want none",
				fmtPtr(got.NotBefore), fmtPtr(got.NotAfter), got.CommandID, got.SerialNumber, got.PEM)
		}
		wantCertificate(t, MustCertificate(t, s, d.ID), d)
		for _, id := range []int64{d.ID + 100, 0, -1} {
			_, err := s.Certificate(t.Context(), id)
			wantKind(t, err, ladda.NotFound)
		}
	})

	t.Run("bad requests are invalid, one of an unknown station not found; neither is stored", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		for i, change := range []func(c *pki.Certificate){
			func(c *pki.Certificate) { c.StationID = "" },
			func(c *pki.Certificate) { c.Kind = "" },
			func(c *pki.Certificate) { c.CSR = "" },
			func(c *pki.Certificate) { c.Status = "" },
			func(c *pki.Certificate) { c.CSR = "NUL\x00" },
			func(c *pki.Certificate) { c.Kind = "bad\xffUTF-8" },
			func(c *pki.Certificate) { c.Status = "Requested\x00" },
			func(c *pki.Certificate) { c.Detail = "\xfe" },
			func(c *pki.Certificate) { c.SerialNumber = "\x00" },
			func(c *pki.Certificate) { c.Subject = "CN=\xff" },
			func(c *pki.Certificate) { c.PEM = "\x00" },
			func(c *pki.Certificate) { c.StationID = "CS-1\x00" },
		} {
			c := NewCertificate("CS-1", kindStation)
			change(c)
			err := s.RecordCertificate(t.Context(), c)
			if ladda.ErrorKind(err) != ladda.Invalid {
				t.Errorf("bad request %d: error %v, want invalid", i, err)
			}
			if c.ID != 0 {
				t.Errorf("bad request %d got ID %d", i, c.ID)
			}
		}
		c := NewCertificate("nope", kindStation)
		wantMessage(t, s.RecordCertificate(t.Context(), c), ladda.NotFound, "nope")
		if c.ID != 0 {
			t.Errorf("a refused request got ID %d", c.ID)
		}
		if list := mustCertificates(t, s, pki.CertFilter{}); len(list) != 0 {
			t.Errorf("%d requests stored, want none", len(list))
		}
	})

	t.Run("changes of a request compare and set the status, and set what they give", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		c := MustRecordCertificate(t, s, NewCertificate("CS-1", kindStation))
		other := MustRecordCertificate(t, s, NewCertificate("CS-1", kindV2G))
		want := *c
		requested := []pki.CertStatus{pki.CertRequested}
		issued := []pki.CertStatus{pki.CertIssued}
		full := pki.CertChange{Status: pki.CertFailed, Detail: "x", SerialNumber: "01", Subject: "CN=x", NotBefore: ptr(t0), NotAfter: ptr(at(time.Hour)),
			PEM: "PEM", CommandID: 5, At: at(time.Minute)}

		// The wrong status, or none: nothing changes.
		for _, from := range [][]pki.CertStatus{issued, nil, {}, {pki.CertAccepted, pki.CertFailed}, {"Requested\x00"}, {"\xff"}} {
			if MustChangeCertificate(t, s, c.ID, from, full) {
				t.Errorf("ChangeCertificate from %q = true for a Requested request", from)
			}
			wantCertificate(t, MustCertificate(t, s, c.ID), &want)
		}

		// Every field, among other statuses, the times in UTC microseconds.
		cet := time.FixedZone("CET", 3600)
		if !MustChangeCertificate(t, s, c.ID, []pki.CertStatus{pki.CertFailed, pki.CertRequested}, pki.CertChange{Status: pki.CertIssued,
			Detail: "signed", SerialNumber: "7f00ff", Subject: "CN=CS-1", NotBefore: ptr(at(999).In(cet)), NotAfter: ptr(at(365*24*time.Hour + 1001).In(cet)),
			PEM: "CHAIN", CommandID: 41, At: at(time.Minute + 1001).In(cet)}) {
			t.Fatal("ChangeCertificate from Requested = false for a Requested request")
		}
		want.Status, want.Detail, want.SerialNumber, want.Subject = pki.CertIssued, "signed", "7f00ff", "CN=CS-1"
		want.NotBefore, want.NotAfter, want.PEM, want.CommandID = ptr(t0), ptr(at(365*24*time.Hour+time.Microsecond)), "CHAIN", 41
		want.UpdatedAt = at(time.Minute + time.Microsecond)
		wantCertificate(t, MustCertificate(t, s, c.ID), &want)

		// The status alone keeps every other field, UpdatedAt too.
		if !MustChangeCertificate(t, s, c.ID, issued, pki.CertChange{Status: pki.CertAccepted}) {
			t.Fatal("accepting: false")
		}
		want.Status = pki.CertAccepted
		wantCertificate(t, MustCertificate(t, s, c.ID), &want)
		if MustChangeCertificate(t, s, c.ID, issued, pki.CertChange{Status: pki.CertRejected}) {
			t.Error("rejecting an Accepted request from Issued: true")
		}

		// The detail and the command alone, keeping the status.
		accepted := []pki.CertStatus{pki.CertAccepted}
		if !MustChangeCertificate(t, s, c.ID, accepted, pki.CertChange{Detail: "installed", CommandID: 43, At: at(2 * time.Minute)}) {
			t.Fatal("setting the detail: false")
		}
		want.Detail, want.CommandID, want.UpdatedAt = "installed", 43, at(2*time.Minute)
		wantCertificate(t, MustCertificate(t, s, c.ID), &want)

		// New validity and chain replace the old.
		if !MustChangeCertificate(t, s, c.ID, accepted, pki.CertChange{NotBefore: ptr(at(time.Hour)), NotAfter: ptr(at(2 * time.Hour)), PEM: "CHAIN 2", SerialNumber: "02", Subject: "CN=CS-1 v2"}) {
			t.Fatal("setting the validity: false")
		}
		want.NotBefore, want.NotAfter, want.PEM, want.SerialNumber, want.Subject = ptr(at(time.Hour)), ptr(at(2*time.Hour)), "CHAIN 2", "02", "CN=CS-1 v2"
		wantCertificate(t, MustCertificate(t, s, c.ID), &want)

		// An empty change of the right status changes nothing but says it applied.
		if !MustChangeCertificate(t, s, c.ID, accepted, pki.CertChange{}) {
			t.Error("an empty change: false")
		}
		wantCertificate(t, MustCertificate(t, s, c.ID), &want)
		wantCertificate(t, MustCertificate(t, s, other.ID), other)

		// Unknown IDs, with or without a matching status.
		for _, id := range []int64{other.ID + 100, 0} {
			for _, from := range [][]pki.CertStatus{nil, requested, certStatuses} {
				_, err := s.ChangeCertificate(t.Context(), id, from, pki.CertChange{Status: pki.CertFailed})
				wantKind(t, err, ladda.NotFound)
			}
		}
		// Text that cannot be stored.
		for _, ch := range []pki.CertChange{{Status: "Bad\x00"}, {Detail: "\xff"}, {SerialNumber: "\x00"}, {Subject: "\xfe"}, {PEM: "\x00"}} {
			_, err := s.ChangeCertificate(t.Context(), c.ID, accepted, ch)
			wantKind(t, err, ladda.Invalid)
		}
		wantCertificate(t, MustCertificate(t, s, c.ID), &want)
	})

	t.Run("of racing changes from one status, exactly one applies", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		c := MustRecordCertificate(t, s, NewCertificate("CS-1", kindStation))
		w := oneWins(t, 8, func(i int) (bool, error) {
			return s.ChangeCertificate(t.Context(), c.ID, []pki.CertStatus{pki.CertRequested},
				pki.CertChange{Status: pki.CertIssued, SerialNumber: fmt.Sprintf("%02x", i+1), Detail: fmt.Sprint("writer ", i), CommandID: int64(i + 1), At: at(time.Minute)})
		})
		if got := MustCertificate(t, s, c.ID); got.Status != pki.CertIssued || got.CommandID != int64(w+1) ||
			got.SerialNumber != fmt.Sprintf("%02x", w+1) || got.Detail != fmt.Sprint("writer ", w) {
			t.Errorf("after the race: %+v, want Issued by writer %d", got, w)
		}
	})

	t.Run("every filter field selects, alone and together, newest first", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		stations := []ladda.StationID{"CS-1", "CS-2", "CS-3"}
		for _, id := range stations {
			MustCreateStation(t, s, id)
		}
		// 30 requests of three stations in every status.
		var all []*pki.Certificate
		for i := range 30 {
			c := NewCertificate(stations[i/2%3], kindStation)
			c.Status, c.RequestedAt = certStatuses[i%len(certStatuses)], at(time.Duration(i)*time.Minute)
			all = append(all, MustRecordCertificate(t, s, c))
		}
		last := all[len(all)-1].ID
		filters := []pki.CertFilter{
			{},
			{StationID: "CS-2"},
			{StationID: "CS-9"},
			{Statuses: []pki.CertStatus{pki.CertIssued}},
			{Statuses: []pki.CertStatus{pki.CertRequested, pki.CertFailed}},
			{Statuses: certStatuses},
			{Statuses: []pki.CertStatus{"Nonsense"}},
			{Statuses: []pki.CertStatus{"Nonsense", pki.CertAccepted}},
			{Statuses: []pki.CertStatus{"\xff", pki.CertRejected}}, // the one that can be stored still selects
			{BeforeID: all[10].ID},
			{BeforeID: all[0].ID},
			{BeforeID: last + 1},
			{Limit: 5},
			{Limit: 100},
			{StationID: "CS-1", Statuses: []pki.CertStatus{pki.CertRequested, pki.CertIssued}},
			{StationID: "CS-3", BeforeID: all[20].ID, Limit: 2},
			{Statuses: []pki.CertStatus{pki.CertAccepted, pki.CertRejected}, BeforeID: last, Limit: 3},
			{StationID: "CS-2", Statuses: certStatuses, BeforeID: last, Limit: 4},
		}
		for _, f := range filters {
			var want []int64
			for _, c := range all {
				if selectsCert(f, c) {
					want = append(want, c.ID)
				}
			}
			slices.Reverse(want)
			if f.Limit > 0 && len(want) > f.Limit {
				want = want[:f.Limit]
			}
			got := mustCertificates(t, s, f)
			if ids := certificateIDs(got); !slices.Equal(ids, want) {
				t.Errorf("Certificates(%+v) = %v, want %v", f, ids, want)
			}
			for _, c := range got {
				wantCertificate(t, c, all[slices.IndexFunc(all, func(a *pki.Certificate) bool { return a.ID == c.ID })])
			}
		}
		// Text that cannot be stored selects nothing.
		for _, f := range []pki.CertFilter{{StationID: "CS-1\x00"}, {StationID: "\xff"}, {Statuses: []pki.CertStatus{"Issued\x00"}}, {Statuses: []pki.CertStatus{"\xff"}}} {
			if got := mustCertificates(t, s, f); len(got) != 0 {
				t.Errorf("Certificates(%q %q) = %v, want none", f.StationID, f.Statuses, certificateIDs(got))
			}
		}
	})

	t.Run("pages of BeforeID and Limit list every request once, newest first", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		MustCreateStation(t, s, "CS-2")
		var all []*pki.Certificate
		for i := range 11 {
			c := NewCertificate(ladda.StationID(fmt.Sprint("CS-", 1+i%2)), kindStation)
			c.Status = certStatuses[i%2]
			all = append(all, MustRecordCertificate(t, s, c))
		}
		for _, f := range []pki.CertFilter{{Limit: 3}, {StationID: "CS-1", Limit: 2}, {Statuses: []pki.CertStatus{pki.CertIssued}, Limit: 4}} {
			var want []int64
			for _, c := range all {
				if selectsCert(f, c) {
					want = append(want, c.ID)
				}
			}
			slices.Reverse(want)
			// Each page continues before the last ID of the one before.
			var got []int64
			page := f
			for range len(all) + 1 {
				list := mustCertificates(t, s, page)
				if len(list) == 0 {
					break
				}
				if len(list) > f.Limit {
					t.Fatalf("%+v: a page of %d, want at most %d", page, len(list), f.Limit)
				}
				got = append(got, certificateIDs(list)...)
				page.BeforeID = list[len(list)-1].ID
			}
			if !slices.Equal(got, want) {
				t.Errorf("pages of %+v: %v, want %v", f, got, want)
			}
		}
	})

	t.Run("roots are put by name, replaced, listed by kind and name, and deleted", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		cet := time.FixedZone("CET", 3600)
		v2g := &pki.Root{Name: "V2G root", Kind: "V2GRootCertificate", PEM: "-----BEGIN CERTIFICATE-----\nV2G\n-----END CERTIFICATE-----\n",
			Subject: "CN=V2G Root CA", NotAfter: time.Date(2035, 1, 1, 1, 0, 0, 123456789, cet), CreatedAt: time.Date(2025, 3, 1, 11, 0, 0, 1999, cet)}
		if err := s.PutRoot(t.Context(), v2g); err != nil {
			t.Fatalf("PutRoot: %v", err)
		}
		want := &pki.Root{Name: "V2G root", Kind: "V2GRootCertificate", PEM: "-----BEGIN CERTIFICATE-----\nV2G\n-----END CERTIFICATE-----\n",
			Subject: "CN=V2G Root CA", NotAfter: time.Date(2035, 1, 1, 0, 0, 0, 123456000, time.UTC), CreatedAt: time.Date(2025, 3, 1, 10, 0, 0, 1000, time.UTC)}
		wantRoot(t, v2g, want)
		wantRoots(t, mustRoots(t, s, ""), want)

		// Names in byte order: upper case before lower case.
		mo := &pki.Root{Name: "mo-hubject", Kind: "MORootCertificate", PEM: "MO", NotAfter: at(time.Hour), CreatedAt: t0}
		mo2 := &pki.Root{Name: "MO-2", Kind: "MORootCertificate", PEM: "MO2", Subject: "CN=MO 2", NotAfter: at(2 * time.Hour), CreatedAt: t0}
		csms := &pki.Root{Name: "csms", Kind: "CSMSRootCertificate", PEM: "CSMS", NotAfter: at(3 * time.Hour), CreatedAt: t0}
		for _, r := range []*pki.Root{mo, mo2, csms} {
			if err := s.PutRoot(t.Context(), r); err != nil {
				t.Fatalf("PutRoot(%s): %v", r.Name, err)
			}
		}
		wantRoots(t, mustRoots(t, s, ""), mo2, want, csms, mo)
		wantRoots(t, mustRoots(t, s, "MORootCertificate"), mo2, mo)
		wantRoots(t, mustRoots(t, s, "V2GRootCertificate"), want)
		wantRoots(t, mustRoots(t, s, "ManufacturerRootCertificate"))
		wantRoots(t, mustRoots(t, s, "\xff"))
		wantRoots(t, mustRoots(t, s, "MORootCertificate\x00"))

		// Putting a root of the same name replaces every field, the kind too.
		repl := &pki.Root{Name: "mo-hubject", Kind: "V2GRootCertificate", PEM: "NEW", Subject: "CN=new", NotAfter: at(48 * time.Hour), CreatedAt: at(time.Minute)}
		if err := s.PutRoot(t.Context(), repl); err != nil {
			t.Fatalf("PutRoot(replacement): %v", err)
		}
		wantRoots(t, mustRoots(t, s, ""), mo2, want, csms, repl)
		wantRoots(t, mustRoots(t, s, "MORootCertificate"), mo2)
		wantRoots(t, mustRoots(t, s, "V2GRootCertificate"), want, repl)

		// Bad roots are invalid and change nothing.
		for i, r := range []*pki.Root{
			{Kind: "V2GRootCertificate", PEM: "P"},
			{Name: "csms", PEM: "P"},
			{Name: "csms", Kind: "CSMSRootCertificate"},
			{Name: "csms\x00", Kind: "CSMSRootCertificate", PEM: "P"},
			{Name: "csms", Kind: "\xff", PEM: "P"},
			{Name: "csms", Kind: "CSMSRootCertificate", PEM: "P\x00"},
			{Name: "csms", Kind: "CSMSRootCertificate", PEM: "P", Subject: "\xfe"},
		} {
			if err := s.PutRoot(t.Context(), r); ladda.ErrorKind(err) != ladda.Invalid {
				t.Errorf("bad root %d: error %v, want invalid", i, err)
			}
		}
		wantRoots(t, mustRoots(t, s, ""), mo2, want, csms, repl)

		// Deleting.
		if err := s.DeleteRoot(t.Context(), "MO-2"); err != nil {
			t.Fatalf("DeleteRoot: %v", err)
		}
		wantRoots(t, mustRoots(t, s, ""), want, csms, repl)
		wantRoots(t, mustRoots(t, s, "MORootCertificate"))
		for _, name := range []string{"MO-2", "mo-2", "nope", "", "\xff", "csms\x00"} {
			wantKind(t, s.DeleteRoot(t.Context(), name), ladda.NotFound)
		}
		wantRoots(t, mustRoots(t, s, ""), want, csms, repl)
		// A deleted name can be put again.
		if err := s.PutRoot(t.Context(), mo2); err != nil {
			t.Fatalf("PutRoot(again): %v", err)
		}
		wantRoots(t, mustRoots(t, s, "MORootCertificate"), mo2)
	})

	t.Run("deleting a station removes its requests; the ID comes back without them", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		MustCreateStation(t, s, "CS-2")
		a := MustRecordCertificate(t, s, NewCertificate("CS-1", kindStation))
		b := MustRecordCertificate(t, s, NewCertificate("CS-2", kindStation))
		c := MustRecordCertificate(t, s, NewCertificate("CS-1", kindV2G))
		root := &pki.Root{Name: "r", Kind: "V2GRootCertificate", PEM: "P", NotAfter: at(time.Hour), CreatedAt: t0}
		if err := s.PutRoot(t.Context(), root); err != nil {
			t.Fatalf("PutRoot: %v", err)
		}
		if err := s.DeleteStation(t.Context(), "CS-1"); err != nil {
			t.Fatalf("DeleteStation: %v", err)
		}
		if got := certificateIDs(mustCertificates(t, s, pki.CertFilter{})); !slices.Equal(got, []int64{b.ID}) {
			t.Errorf("requests after deleting CS-1: %v, want [%d]", got, b.ID)
		}
		if got := mustCertificates(t, s, pki.CertFilter{StationID: "CS-1"}); len(got) != 0 {
			t.Errorf("requests of CS-1 after deleting it: %v", certificateIDs(got))
		}
		for _, id := range []int64{a.ID, c.ID} {
			_, err := s.Certificate(t.Context(), id)
			wantKind(t, err, ladda.NotFound)
			_, err = s.ChangeCertificate(t.Context(), id, []pki.CertStatus{pki.CertRequested}, pki.CertChange{Status: pki.CertFailed})
			wantKind(t, err, ladda.NotFound)
		}
		wantKind(t, s.RecordCertificate(t.Context(), NewCertificate("CS-1", kindStation)), ladda.NotFound)
		wantRoots(t, mustRoots(t, s, ""), root)

		MustCreateStation(t, s, "CS-1")
		if got := mustCertificates(t, s, pki.CertFilter{StationID: "CS-1"}); len(got) != 0 {
			t.Errorf("the station came back with requests %v", certificateIDs(got))
		}
		d := MustRecordCertificate(t, s, NewCertificate("CS-1", kindStation))
		if d.ID <= c.ID {
			t.Errorf("a new request got ID %d, not above the deleted %d", d.ID, c.ID)
		}
		if got := certificateIDs(mustCertificates(t, s, pki.CertFilter{StationID: "CS-1"})); !slices.Equal(got, []int64{d.ID}) {
			t.Errorf("requests of the new CS-1: %v, want [%d]", got, d.ID)
		}
	})
}
