package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/station"
)

// RecordCommand stores a new entry of the command log and sets c.ID; see station.CommandLog.
// An empty Outcome is stored as pending, an empty Request as JSON null (read back as nil);
// c's times are normalised to UTC microseconds, as stored. Errors: Invalid for an entry
// without station or action, or whose Request is not JSON.
func (db *DB) RecordCommand(ctx context.Context, c *station.CommandRecord) error {
	const op = "RecordCommand"
	if c.StationID == "" || c.Action == "" {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "a command needs a station and an action")
	}
	request, err := commandRequest(c.Request)
	if err != nil {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "%v", err)
	}
	in := *c
	if in.Outcome == "" {
		in.Outcome = station.CommandPending
	}
	in.RequestedAt, in.AnsweredAt = norm(in.RequestedAt), normPtr(in.AnsweredAt)
	var id int64
	err = db.do(ctx, keyOf(string(in.StationID)), func(ctx context.Context, r run) error {
		_, err := r.one(ctx, db.q.Command.Insert, []any{string(in.StationID), in.Action, request, string(in.Outcome),
			in.Answer.Status, in.Answer.Reason, in.Answer.Data, in.Error, in.RequestedBy,
			db.d.time(in.RequestedAt), db.d.nullTime(in.AnsweredAt)}, &id)
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	in.ID = id
	*c = in
	return nil
}

// FinishCommand stores the Outcome, Answer, Error and AnsweredAt of the entry c.ID; see
// station.CommandLog. c.AnsweredAt is normalised to UTC microseconds, as stored. Errors:
// NotFound for an unknown ID, Invalid for an empty Outcome.
func (db *DB) FinishCommand(ctx context.Context, c *station.CommandRecord) error {
	const op = "FinishCommand"
	if c.Outcome == "" {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "command %d: an outcome is needed", c.ID)
	}
	answered := normPtr(c.AnsweredAt)
	err := db.do(ctx, uint64(c.ID), func(ctx context.Context, r run) error {
		n, err := r.exec(ctx, db.q.Command.Finish, c.ID, string(c.Outcome), c.Answer.Status, c.Answer.Reason, c.Answer.Data,
			c.Error, db.d.nullTime(answered))
		if err == nil && n == 0 {
			return db.notFound(op, "command %d not found", c.ID)
		}
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	c.AnsweredAt = answered
	return nil
}

// Commands lists a station's entries of the command log, newest first, with ID below
// f.Before (when positive), at most f.Limit of them (default 100); see station.CommandLog.
// Errors: Invalid without f.StationID.
func (db *DB) Commands(ctx context.Context, f station.CommandFilter) ([]*station.CommandRecord, error) {
	const op = "Commands"
	if f.StationID == "" {
		return nil, ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "listing commands needs a station")
	}
	before := f.Before
	if before <= 0 {
		before = math.MaxInt64
	}
	rows, err := db.reader().query(ctx, db.q.Command.List, string(f.StationID), before, limit(f.Limit))
	if err != nil {
		return nil, db.wrap(op, err)
	}
	list, err := scanCommands(rows)
	return list, db.wrap(op, err)
}

func scanCommands(rows *sql.Rows) ([]*station.CommandRecord, error) {
	defer rows.Close()
	var list []*station.CommandRecord
	for rows.Next() {
		var (
			c                   station.CommandRecord
			id, outcome         string
			request             []byte
			requested, answered nullTime
		)
		if err := rows.Scan(&c.ID, &id, &c.Action, &request, &outcome, &c.Answer.Status, &c.Answer.Reason, &c.Answer.Data,
			&c.Error, &c.RequestedBy, &requested, &answered); err != nil {
			return nil, err
		}
		c.StationID, c.Outcome, c.RequestedAt, c.AnsweredAt = ladda.StationID(id), station.CommandOutcome(outcome), requested.T, answered.ptr()
		if string(request) != "null" {
			c.Request = request
		}
		list = append(list, &c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return list, rows.Close()
}

// commandRequest is the parameter for a command's request: its JSON text, or null when empty.
func commandRequest(raw json.RawMessage) (string, error) {
	if len(raw) == 0 {
		return "null", nil
	}
	if !json.Valid(raw) {
		return "", errInvalidJSON
	}
	return string(raw), nil
}

var errInvalidJSON = errors.New("the request is not valid JSON")

// normPtr is norm for optional times.
func normPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	n := norm(*t)
	return &n
}
