package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
)

// AppendAudit stores e and sets e.ID. Detail is stored as JSON: it reads back as JSON decodes
// it (numbers as float64), a nil map as nil. Nothing changes or deletes an event: the table
// refuses it (a trigger). Errors: Invalid without action or actor kind, for text no engine can
// keep, or a Detail that is not JSON.
func (db *DB) AppendAudit(ctx context.Context, e *account.AuditEvent) error {
	const op = "AppendAudit"
	if e.Action == "" || e.ActorKind == "" {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "an audit event needs an action and an actor kind")
	}
	if err := db.storable(op, e.ActorKind, e.Actor, e.Action, e.Target, e.Outcome, e.IP, e.UserAgent); err != nil {
		return err
	}
	detail, err := json.Marshal(e.Detail)
	if err != nil {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "audit event %s: detail: %v", e.Action, err)
	}
	var id int64
	err = db.do(ctx, keyOf(e.Action), func(ctx context.Context, r run) error {
		_, err := r.one(ctx, db.q.Audit.Append, []any{db.d.time(e.At), e.ActorKind, e.ActorID, e.Actor, e.OrgID, e.Action, e.Target,
			e.Outcome, e.IP, e.UserAgent, string(detail)}, &id)
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	e.ID = id
	return nil
}

// AuditEvents lists the events f selects, newest (highest ID) first: of organisation OrgID,
// of actor kind Kind (and ActorID), whose action starts with Action, at or after Since and
// before Until, with IDs below Before; at most Limit (default 100, at most 1000). Zero fields
// do not filter; text no engine can keep selects nothing.
func (db *DB) AuditEvents(ctx context.Context, f account.AuditFilter) ([]*account.AuditEvent, error) {
	const op = "AuditEvents"
	if !storableText(f.Kind) || !storableText(f.Action) {
		return nil, nil
	}
	before := f.Before
	if before <= 0 {
		before = math.MaxInt64
	}
	q := &db.q.Audit
	text := q.List
	switch {
	case f.Kind != "":
		text = q.ListOfActor
	case f.OrgID != 0:
		text = q.ListOfOrg
	}
	rows, err := db.reader().query(ctx, text, nullID(f.OrgID), nullText(f.Kind), nullID(f.ActorID), nullText(f.Action),
		db.optTime(f.Since), db.optTime(f.Until), before, pageSize(f.Limit))
	if err != nil {
		return nil, db.wrap(op, err)
	}
	list, err := scanAudit(rows)
	return list, db.wrap(op, err)
}

func scanAudit(rows *sql.Rows) ([]*account.AuditEvent, error) {
	defer rows.Close()
	var list []*account.AuditEvent
	for rows.Next() {
		var (
			e      account.AuditEvent
			at     nullTime
			detail []byte
		)
		if err := rows.Scan(&e.ID, &at, &e.ActorKind, &e.ActorID, &e.Actor, &e.OrgID, &e.Action, &e.Target, &e.Outcome, &e.IP,
			&e.UserAgent, &detail); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(detail, &e.Detail); err != nil {
			return nil, err
		}
		e.At = at.T
		list = append(list, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return list, rows.Close()
}
