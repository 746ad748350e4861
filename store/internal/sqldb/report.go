package sqldb

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/station"
)

// RecordReport stores a station's report and sets r.ID; see station.ReportStore. An empty
// Payload is stored as JSON null (read back as nil); r's times are normalised to UTC
// microseconds, as stored. Errors: Invalid for a report without station or action, whose
// Payload is not JSON, or whose text holds what no engine can keep as text (invalid UTF-8, a
// NUL character, in JSON the escape \u0000).
func (db *DB) RecordReport(ctx context.Context, r *station.Report) error {
	const op = "RecordReport"
	if r.StationID == "" || r.Action == "" {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "a report needs a station and an action")
	}
	for _, s := range []string{string(r.StationID), r.Action, r.Kind, r.Status} {
		if !storableText(s) {
			return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "report %s of %s: text %q is not storable UTF-8", r.Action, r.StationID, s)
		}
	}
	payload, err := reportPayload(r.Payload)
	if err != nil {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "report %s of %s: %v", r.Action, r.StationID, err)
	}
	in := *r
	in.Time, in.Received = norm(in.Time), norm(in.Received)
	var id int64
	err = db.do(ctx, keyOf(string(in.StationID)), func(ctx context.Context, w run) error {
		_, err := w.one(ctx, db.q.Report.Insert, []any{string(in.StationID), in.Action, in.Kind, in.Status,
			db.d.time(in.Time), db.d.time(in.Received), payload}, &id)
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	in.ID = id
	*r = in
	return nil
}

// Reports lists a station's reports, newest first: those of f.Action only when it is set,
// with ID below f.Before (when positive), at most f.Limit of them (default 100); see
// station.ReportStore. Errors: Invalid without f.StationID.
func (db *DB) Reports(ctx context.Context, f station.ReportFilter) ([]*station.Report, error) {
	const op = "Reports"
	if f.StationID == "" {
		return nil, ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "listing reports needs a station")
	}
	before := f.Before
	if before <= 0 {
		before = math.MaxInt64
	}
	var (
		rows *sql.Rows
		err  error
	)
	if f.Action != nil {
		rows, err = db.reader().query(ctx, db.q.Report.ListOfAction, string(f.StationID), *f.Action, before, limit(f.Limit))
	} else {
		rows, err = db.reader().query(ctx, db.q.Report.List, string(f.StationID), before, limit(f.Limit))
	}
	if err != nil {
		return nil, db.wrap(op, err)
	}
	list, err := scanReports(rows)
	return list, db.wrap(op, err)
}

func scanReports(rows *sql.Rows) ([]*station.Report, error) {
	defer rows.Close()
	var list []*station.Report
	for rows.Next() {
		var (
			r                  station.Report
			id                 string
			payload            []byte
			reported, received nullTime
		)
		if err := rows.Scan(&r.ID, &id, &r.Action, &r.Kind, &r.Status, &reported, &received, &payload); err != nil {
			return nil, err
		}
		r.StationID, r.Time, r.Received = ladda.StationID(id), reported.T, received.T
		if string(payload) != "null" {
			r.Payload = payload
		}
		list = append(list, &r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return list, rows.Close()
}

// reportPayload is the parameter for a report's payload: its JSON text, or null when empty.
func reportPayload(raw json.RawMessage) (string, error) {
	if len(raw) == 0 {
		return "null", nil
	}
	if !json.Valid(raw) || !utf8.Valid(raw) {
		return "", errPayloadJSON
	}
	if escapesNUL(raw) {
		return "", errPayloadNUL
	}
	return string(raw), nil
}

var (
	errPayloadJSON = errors.New("the payload is not valid JSON")
	errPayloadNUL  = errors.New(`the payload holds the character \u0000`)
)

// escapesNUL reports whether the valid JSON text raw holds the escape \u0000 (which PostgreSQL's
// jsonb refuses), as opposed to an escaped backslash followed by "u0000".
func escapesNUL(raw []byte) bool {
	const esc = `\u0000`
	for i := 0; ; {
		j := bytes.Index(raw[i:], []byte(esc))
		if j < 0 {
			return false
		}
		j += i
		// The backslash at j starts an escape unless an odd number of backslashes precede it.
		n := 0
		for k := j - 1; k >= 0 && raw[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return true
		}
		i = j + len(esc)
	}
}

// storableText reports whether s can be kept in a text column of every engine.
func storableText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}
