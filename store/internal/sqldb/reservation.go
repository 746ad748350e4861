package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
)

// CreateReservation stores r and sets r.ID, unless r's slot overlaps an active reservation of
// the same station on the same EVSE (or with either EVSE 0) or of the same token; see
// charging.Reservations. The overlap check and the insert are one write under the
// reservation lock (ReservationQueries.Lock), so they are atomic also between processes. r's
// times are normalised to UTC microseconds, as stored, and the overlap is checked on them;
// a zero CommandID is stored as none. Errors: Invalid without station, token or status, for
// a negative EVSE, a slot that does not end after it starts, or text no engine can keep
// (invalid UTF-8, a NUL character); NotFound for an unknown station; Conflict naming the
// first (lowest ID) active reservation in the way.
func (db *DB) CreateReservation(ctx context.Context, r *charging.Reservation) error {
	const op = "CreateReservation"
	in := *r
	in.StartsAt, in.ExpiresAt, in.CreatedAt, in.UpdatedAt = norm(in.StartsAt), norm(in.ExpiresAt), norm(in.CreatedAt), norm(in.UpdatedAt)
	switch {
	case in.StationID == "" || in.IDToken == "" || in.Status == "":
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "a reservation needs a station, a token and a status")
	case in.EVSEID < 0:
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "reservation on station %s: EVSE %d is negative", in.StationID, in.EVSEID)
	case !in.ExpiresAt.After(in.StartsAt):
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "reservation on station %s: it must expire after it starts", in.StationID)
	}
	for _, s := range []string{string(in.StationID), in.ConnectorType, in.IDToken, in.TokenType, in.GroupID, string(in.Status), in.RequestedBy} {
		if !storableText(s) {
			return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "reservation on station %s: text %q is not storable UTF-8", in.StationID, s)
		}
	}
	var tx any
	if in.TransactionID != nil {
		id := *in.TransactionID
		in.TransactionID, tx = &id, int64(id)
	}
	q := &db.q.Reservation
	var id int64
	err := db.do(ctx, keyOf(string(in.StationID)), func(ctx context.Context, w run) error {
		id = 0
		if err := db.lockReservations(ctx, w); err != nil {
			return err
		}
		if err := db.mustExist(ctx, w, op, in.StationID); err != nil {
			return err
		}
		rows, err := w.query(ctx, q.Overlap, string(in.StationID), in.EVSEID, in.IDToken, db.d.time(in.StartsAt), db.d.time(in.ExpiresAt))
		if err != nil {
			return err
		}
		other, err := scanReservations(rows)
		if err != nil {
			return err
		}
		if len(other) > 0 {
			return Refuse(ladda.Errorf(ladda.Conflict, db.d.Name+"."+op, "the slot %s overlaps %s", slot(in.StartsAt, in.ExpiresAt), describeReservation(other[0])))
		}
		_, err = w.one(ctx, q.Insert, []any{string(in.StationID), in.EVSEID, in.ConnectorType, in.IDToken, in.TokenType, in.GroupID,
			db.d.time(in.StartsAt), db.d.time(in.ExpiresAt), string(in.Status), nullID(in.CommandID), tx, in.RequestedBy,
			db.d.time(in.CreatedAt), db.d.time(in.UpdatedAt)}, &id)
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	in.ID = id
	*r = in
	return nil
}

// lockReservations takes the engine's reservation lock, if it has one, until the write's
// transaction ends.
func (db *DB) lockReservations(ctx context.Context, w run) error {
	if db.q.Reservation.Lock == "" {
		return nil
	}
	_, err := w.exec(ctx, db.q.Reservation.Lock)
	return err
}

// describeReservation names a reservation in a message: its ID, token, station, EVSE, slot and
// status.
func describeReservation(r *charging.Reservation) string {
	evse := "(any EVSE)"
	if r.EVSEID != 0 {
		evse = fmt.Sprint("EVSE ", r.EVSEID)
	}
	return fmt.Sprintf("reservation %d of token %q on station %s %s, %s (%s)", r.ID, r.IDToken, r.StationID, evse, slot(r.StartsAt, r.ExpiresAt), r.Status)
}

// slot formats the slot from start to end, both UTC: "2025-03-01 18:00–19:00 UTC", or with
// the end's date when it ends on another day, and with seconds (and their fractions) when
// either has them.
func slot(start, end time.Time) string {
	clock := "15:04"
	if start.Second() != 0 || end.Second() != 0 || start.Nanosecond() != 0 || end.Nanosecond() != 0 {
		clock = "15:04:05.999999"
	}
	const day = "2006-01-02 "
	if start.Format(day) == end.Format(day) {
		return start.Format(day+clock) + "–" + end.Format(clock) + " UTC"
	}
	return start.Format(day+clock) + " – " + end.Format(day+clock) + " UTC"
}

// Reservation returns one reservation; see charging.Reservations. Errors: NotFound.
func (db *DB) Reservation(ctx context.Context, id int64) (*charging.Reservation, error) {
	return byID(ctx, db, "Reservation", db.q.Reservation.Get, id, scanReservations, "reservation")
}

// Reservations lists the reservations f selects, newest (highest ID) first unless
// f.OldestFirst; see charging.ReservationFilter. Zero fields select everything; a
// non-positive Limit or BeforeID does not limit. Text that no engine can keep selects nothing.
func (db *DB) Reservations(ctx context.Context, f charging.ReservationFilter) ([]*charging.Reservation, error) {
	const op = "Reservations"
	var statuses any
	if len(f.Statuses) > 0 {
		list, err := json.Marshal(f.Statuses)
		if err != nil {
			return nil, db.wrap(op, err)
		}
		statuses = string(list)
	}
	if !storableText(string(f.StationID)) || !storableText(f.IDToken) {
		return nil, nil
	}
	for _, s := range f.Statuses {
		if !storableText(string(s)) {
			return nil, nil
		}
	}
	before := f.BeforeID
	if before <= 0 {
		before = math.MaxInt64
	}
	var lim any
	if f.Limit > 0 {
		lim = f.Limit
	}
	q := &db.q.Reservation
	lists := q.List
	switch {
	case f.StationID != "":
		lists = q.ListOfStation
	case f.IDToken != "":
		lists = q.ListOfToken
	case f.StationOrgID != 0:
		lists = q.ListOfStationOrg
	case statuses != nil:
		lists = q.ListOfStatus
	}
	text := lists.NewestFirst
	if f.OldestFirst {
		text = lists.OldestFirst
	}
	rows, err := db.reader().query(ctx, text, nullText(string(f.StationID)), nullText(f.IDToken), statuses,
		db.optTime(f.StartsBefore), db.optTime(f.ExpiresBefore), db.optTime(f.UpdatedBefore), db.optTime(f.ActiveAt), before, lim, nullID(f.StationOrgID))
	if err != nil {
		return nil, db.wrap(op, err)
	}
	list, err := scanReservations(rows)
	return list, db.wrap(op, err)
}

// ChangeReservation applies c to reservation id if its status is one of from, in one
// statement, and reports whether it did; see charging.Reservations. Only the non-zero fields
// of c are set (At becomes UpdatedAt, in UTC microseconds); an empty from matches no status.
// It checks no overlap: a change that makes an ended reservation active again is the
// caller's to justify. Errors: NotFound for an unknown id, Invalid for a status no engine can
// keep as text.
func (db *DB) ChangeReservation(ctx context.Context, id int64, from []charging.ReservationStatus, c charging.ReservationChange) (bool, error) {
	const op = "ChangeReservation"
	if !storableText(string(c.Status)) {
		return false, ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "reservation %d: status %q is not storable UTF-8", id, c.Status)
	}
	list, err := json.Marshal(from)
	if err != nil {
		return false, db.wrap(op, err)
	}
	if len(from) == 0 {
		list = []byte("[]")
	}
	q := &db.q.Reservation
	return db.compareAndSet(ctx, op, id, q.Change, []any{id, string(list), nullText(string(c.Status)), nullID(c.CommandID),
		nullID(int64(c.TransactionID)), db.optTime(c.At)}, q.Exists, "reservation")
}

// compareAndSet runs change with args, a conditional update of record id, in one write. When
// it changes nothing, exists (id) tells a record in another state (false, nil) from an unknown
// one (NotFound, naming it what).
func (db *DB) compareAndSet(ctx context.Context, op string, id int64, change string, args []any, exists, what string) (bool, error) {
	var changed bool
	err := db.do(ctx, uint64(id), func(ctx context.Context, w run) error {
		n, err := w.exec(ctx, change, args...)
		if err != nil {
			return err
		}
		if changed = n > 0; changed {
			return nil
		}
		var one int
		found, err := w.one(ctx, exists, []any{id}, &one)
		if err == nil && !found {
			return db.notFound(op, "%s %d not found", what, id)
		}
		return err
	})
	if err != nil {
		return false, db.wrap(op, err)
	}
	return changed, nil
}

// scanReservations reads rows of reservation columns and closes rows.
func scanReservations(rows *sql.Rows) ([]*charging.Reservation, error) {
	defer rows.Close()
	var list []*charging.Reservation
	for rows.Next() {
		var (
			r                                 charging.Reservation
			st, status                        string
			command, tx                       sql.NullInt64
			starts, expires, created, updated nullTime
		)
		if err := rows.Scan(&r.ID, &st, &r.EVSEID, &r.ConnectorType, &r.IDToken, &r.TokenType, &r.GroupID, &starts, &expires,
			&status, &command, &tx, &r.RequestedBy, &created, &updated); err != nil {
			return nil, err
		}
		r.StationID, r.Status, r.CommandID = ladda.StationID(st), charging.ReservationStatus(status), command.Int64
		r.StartsAt, r.ExpiresAt, r.CreatedAt, r.UpdatedAt = starts.T, expires.T, created.T, updated.T
		if tx.Valid {
			t := ladda.TransactionID(tx.Int64)
			r.TransactionID = &t
		}
		list = append(list, &r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return list, rows.Close()
}

// optTime is a parameter for an optional time: NULL when t is zero.
func (db *DB) optTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return db.d.time(t)
}

// nullText is a parameter for optional text: NULL when s is empty.
func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}
