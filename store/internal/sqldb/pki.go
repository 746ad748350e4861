package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/pki"
)

// RecordCertificate stores the certificate request c and sets c.ID; see pki.Store. c's times
// are normalised to UTC microseconds, as stored; a zero CommandID is stored as none. The
// station is kept from being deleted until the request is stored (PKIQueries.Station).
// Errors: Invalid without station, kind, CSR or status, or for text no engine can keep
// (invalid UTF-8, a NUL character); NotFound for an unknown station. Nothing is stored then,
// and c is left as it was.
func (db *DB) RecordCertificate(ctx context.Context, c *pki.Certificate) error {
	const op = "RecordCertificate"
	in := *c
	in.RequestedAt, in.UpdatedAt = norm(in.RequestedAt), norm(in.UpdatedAt)
	in.NotBefore, in.NotAfter = normPtr(in.NotBefore), normPtr(in.NotAfter)
	if in.StationID == "" || in.Kind == "" || in.CSR == "" || in.Status == "" {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "a certificate request needs a station, a kind, a CSR and a status")
	}
	for _, s := range []string{string(in.StationID), in.Kind, in.CSR, string(in.Status), in.Detail, in.SerialNumber, in.Subject, in.PEM} {
		if !storableText(s) {
			return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "certificate request of station %s: text %q is not storable UTF-8", in.StationID, s)
		}
	}
	q := &db.q.PKI
	var id int64
	err := db.do(ctx, keyOf(string(in.StationID)), func(ctx context.Context, w run) error {
		id = 0
		var one int
		found, err := w.one(ctx, q.Station, []any{string(in.StationID)}, &one)
		if err != nil {
			return err
		}
		if !found {
			return db.notFound(op, "station %s not found", in.StationID)
		}
		_, err = w.one(ctx, q.InsertCertificate, []any{string(in.StationID), in.Kind, in.CSR, string(in.Status), in.Detail, in.SerialNumber,
			in.Subject, db.d.nullTime(in.NotBefore), db.d.nullTime(in.NotAfter), in.PEM, nullID(in.CommandID),
			db.d.time(in.RequestedAt), db.d.time(in.UpdatedAt)}, &id)
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	in.ID = id
	*c = in
	return nil
}

// ChangeCertificate applies ch to certificate request id if its status is one of from, in one
// statement, and reports whether it did; see pki.Store. Only the given fields of ch are set:
// text if not empty, NotBefore and NotAfter if not nil, CommandID if not 0, and At, if not
// zero, becomes UpdatedAt; times in UTC microseconds. An empty from matches no status.
// Errors: NotFound for an unknown id, Invalid for text no engine can keep.
func (db *DB) ChangeCertificate(ctx context.Context, id int64, from []pki.CertStatus, ch pki.CertChange) (bool, error) {
	const op = "ChangeCertificate"
	for _, s := range []string{string(ch.Status), ch.Detail, ch.SerialNumber, ch.Subject, ch.PEM} {
		if !storableText(s) {
			return false, ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "certificate request %d: text %q is not storable UTF-8", id, s)
		}
	}
	list, err := json.Marshal(storableCertStatuses(from))
	if err != nil {
		return false, db.wrap(op, err)
	}
	q := &db.q.PKI
	return db.compareAndSet(ctx, op, id, q.ChangeCertificate, []any{id, string(list), nullText(string(ch.Status)), nullText(ch.Detail),
		nullText(ch.SerialNumber), nullText(ch.Subject), db.d.nullTime(ch.NotBefore), db.d.nullTime(ch.NotAfter),
		nullText(ch.PEM), nullID(ch.CommandID), db.optTime(ch.At)}, q.CertificateExists, "certificate request")
}

// Certificate returns one certificate request; see pki.Store. Errors: NotFound.
func (db *DB) Certificate(ctx context.Context, id int64) (*pki.Certificate, error) {
	return byID(ctx, db, "Certificate", db.q.PKI.Certificate, id, scanCertificates, "certificate request")
}

// Certificates lists the certificate requests f selects, newest (highest ID) first; see
// pki.CertFilter. Zero fields select everything; a non-positive Limit or BeforeID does not
// limit. Text that no engine can keep selects nothing.
func (db *DB) Certificates(ctx context.Context, f pki.CertFilter) ([]*pki.Certificate, error) {
	const op = "Certificates"
	if !storableText(string(f.StationID)) {
		return nil, nil
	}
	var statuses any
	if len(f.Statuses) > 0 {
		keep := storableCertStatuses(f.Statuses)
		if len(keep) == 0 {
			return nil, nil
		}
		b, err := json.Marshal(keep)
		if err != nil {
			return nil, db.wrap(op, err)
		}
		statuses = string(b)
	}
	before := f.BeforeID
	if before <= 0 {
		before = math.MaxInt64
	}
	var lim any
	if f.Limit > 0 {
		lim = f.Limit
	}
	q := &db.q.PKI
	text := q.Certificates
	switch {
	case f.StationID != "":
		text = q.CertificatesOfStation
	case statuses != nil:
		text = q.CertificatesOfStatus
	}
	rows, err := db.reader().query(ctx, text, nullText(string(f.StationID)), statuses, before, lim)
	if err != nil {
		return nil, db.wrap(op, err)
	}
	list, err := scanCertificates(rows)
	return list, db.wrap(op, err)
}

// PutRoot stores r, replacing every field of the root of the same name; see pki.Store. r's
// times are normalised to UTC microseconds, as stored. Errors: Invalid without name, kind or
// PEM, or for text no engine can keep; r is left as it was then.
func (db *DB) PutRoot(ctx context.Context, r *pki.Root) error {
	const op = "PutRoot"
	in := *r
	in.NotAfter, in.CreatedAt = norm(in.NotAfter), norm(in.CreatedAt)
	if in.Name == "" || in.Kind == "" || in.PEM == "" {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "a root needs a name, a kind and a PEM")
	}
	for _, s := range []string{in.Name, in.Kind, in.PEM, in.Subject} {
		if !storableText(s) {
			return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "root %q: text %q is not storable UTF-8", in.Name, s)
		}
	}
	err := db.do(ctx, keyOf(in.Name), func(ctx context.Context, w run) error {
		_, err := w.exec(ctx, db.q.PKI.PutRoot, in.Name, in.Kind, in.PEM, in.Subject, db.d.time(in.NotAfter), db.d.time(in.CreatedAt))
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	*r = in
	return nil
}

// Roots lists the roots of a kind, or all for "", by name (in byte order); see pki.Store. A
// kind that no engine can keep as text selects nothing.
func (db *DB) Roots(ctx context.Context, kind string) ([]*pki.Root, error) {
	const op = "Roots"
	if !storableText(kind) {
		return nil, nil
	}
	text := db.q.PKI.Roots
	if kind != "" {
		text = db.q.PKI.RootsOfKind
	}
	rows, err := db.reader().query(ctx, text, nullText(kind))
	if err != nil {
		return nil, db.wrap(op, err)
	}
	list, err := scanRoots(rows)
	return list, db.wrap(op, err)
}

// DeleteRoot removes the root of that name; see pki.Store. Errors: NotFound.
func (db *DB) DeleteRoot(ctx context.Context, name string) error {
	const op = "DeleteRoot"
	if !storableText(name) {
		return ladda.Errorf(ladda.NotFound, db.d.Name+"."+op, "root %q not found", name)
	}
	err := db.do(ctx, keyOf(name), func(ctx context.Context, w run) error {
		n, err := w.exec(ctx, db.q.PKI.DeleteRoot, name)
		if err == nil && n == 0 {
			return db.notFound(op, "root %q not found", name)
		}
		return err
	})
	return db.wrap(op, err)
}

// storableCertStatuses returns the statuses that an engine can keep as text: the others match
// no stored status.
func storableCertStatuses(list []pki.CertStatus) []pki.CertStatus {
	keep := make([]pki.CertStatus, 0, len(list))
	for _, s := range list {
		if storableText(string(s)) {
			keep = append(keep, s)
		}
	}
	return keep
}

// scanCertificates reads rows of certificate columns and closes rows.
func scanCertificates(rows *sql.Rows) ([]*pki.Certificate, error) {
	defer rows.Close()
	var list []*pki.Certificate
	for rows.Next() {
		var (
			c                                       pki.Certificate
			st, status                              string
			command                                 sql.NullInt64
			notBefore, notAfter, requested, updated nullTime
		)
		if err := rows.Scan(&c.ID, &st, &c.Kind, &c.CSR, &status, &c.Detail, &c.SerialNumber, &c.Subject, &notBefore, &notAfter,
			&c.PEM, &command, &requested, &updated); err != nil {
			return nil, err
		}
		c.StationID, c.Status, c.CommandID = ladda.StationID(st), pki.CertStatus(status), command.Int64
		c.NotBefore, c.NotAfter, c.RequestedAt, c.UpdatedAt = notBefore.ptr(), notAfter.ptr(), requested.T, updated.T
		list = append(list, &c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return list, rows.Close()
}

// scanRoots reads rows of root columns and closes rows.
func scanRoots(rows *sql.Rows) ([]*pki.Root, error) {
	defer rows.Close()
	var list []*pki.Root
	for rows.Next() {
		var (
			r                 pki.Root
			notAfter, created nullTime
		)
		if err := rows.Scan(&r.Name, &r.Kind, &r.PEM, &r.Subject, &notAfter, &created); err != nil {
			return nil, err
		}
		r.NotAfter, r.CreatedAt = notAfter.T, created.T
		list = append(list, &r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return list, rows.Close()
}
