package sqldb

import (
	"context"
	"database/sql"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
)

// CreateRemoteStart stores r and sets r.ID; see charging.RemoteStarts. r.RequestedAt is
// normalised to UTC microseconds, as stored; a zero CommandID is stored as none. Errors:
// Invalid without station or token, or for a negative EVSE.
func (db *DB) CreateRemoteStart(ctx context.Context, r *charging.RemoteStart) error {
	const op = "CreateRemoteStart"
	if r.StationID == "" || r.IDToken == "" || r.EVSEID < 0 {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "a remote start needs a station, a token and an EVSE ≥ 0")
	}
	in := *r
	in.RequestedAt = norm(in.RequestedAt)
	var tx any
	if in.TransactionID != nil {
		id := *in.TransactionID
		in.TransactionID, tx = &id, int64(id)
	}
	var id int64
	err := db.do(ctx, keyOf(string(in.StationID)), func(ctx context.Context, w run) error {
		_, err := w.one(ctx, db.q.RemoteStart.Insert, []any{string(in.StationID), in.EVSEID, in.IDToken, in.Status,
			nullID(in.CommandID), tx, in.RequestedBy, db.d.time(in.RequestedAt)}, &id)
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	in.ID = id
	*r = in
	return nil
}

// AnswerRemoteStart stores the station's answer and the command log entry of a remote start
// (none when commandID is 0); see charging.RemoteStarts. Errors: NotFound for an unknown id.
func (db *DB) AnswerRemoteStart(ctx context.Context, id int64, status string, commandID int64) error {
	const op = "AnswerRemoteStart"
	err := db.do(ctx, uint64(id), func(ctx context.Context, r run) error {
		n, err := r.exec(ctx, db.q.RemoteStart.Answer, id, status, nullID(commandID))
		if err == nil && n == 0 {
			return db.notFound(op, "remote start %d not found", id)
		}
		return err
	})
	return db.wrap(op, err)
}

// RemoteStart returns one remote start; see charging.RemoteStarts. Errors: NotFound.
func (db *DB) RemoteStart(ctx context.Context, id int64) (*charging.RemoteStart, error) {
	const op = "RemoteStart"
	var (
		r         charging.RemoteStart
		st        string
		command   sql.NullInt64
		tx        sql.NullInt64
		requested nullTime
	)
	ok, err := db.reader().one(ctx, db.q.RemoteStart.Get, []any{id},
		&r.ID, &st, &r.EVSEID, &r.IDToken, &r.Status, &command, &tx, &r.RequestedBy, &requested)
	if err != nil {
		return nil, db.wrap(op, err)
	}
	if !ok {
		return nil, ladda.Errorf(ladda.NotFound, db.d.Name+"."+op, "remote start %d not found", id)
	}
	r.StationID, r.CommandID, r.RequestedAt = ladda.StationID(st), command.Int64, requested.T
	if tx.Valid {
		t := ladda.TransactionID(tx.Int64)
		r.TransactionID = &t
	}
	return &r, nil
}

// LinkRemoteStart links a transaction to the remote start it answers, if any, in one
// statement; see charging.RemoteStarts for the rules. It reports false, writing nothing, for
// a link with neither remote start ID nor token. Errors: Invalid without station or
// transaction.
func (db *DB) LinkRemoteStart(ctx context.Context, l charging.RemoteStartLink) (bool, error) {
	const op = "LinkRemoteStart"
	if l.StationID == "" || l.TransactionID <= 0 {
		return false, ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "a link needs a station and a transaction")
	}
	if l.RemoteStartID <= 0 && l.IDToken == "" {
		return false, nil
	}
	q, args := db.q.RemoteStart.LinkByID, []any{string(l.StationID), l.RemoteStartID, int64(l.TransactionID)}
	if l.RemoteStartID <= 0 {
		q, args = db.q.RemoteStart.LinkByToken, []any{string(l.StationID), l.IDToken, l.EVSEID, db.d.time(l.Since), int64(l.TransactionID)}
	}
	var linked bool
	err := db.do(ctx, keyOf(string(l.StationID)), func(ctx context.Context, r run) error {
		n, err := r.exec(ctx, q, args...)
		linked = n > 0
		return err
	})
	if err != nil {
		return false, db.wrap(op, err)
	}
	return linked, nil
}

// nullID is a parameter for an optional reference: NULL when id is 0.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
