package sqldb

import (
	"context"
	"database/sql"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
)

// ---- ID tokens ----

// CreateIDToken stores a new token. Errors: Conflict if it exists, NotFound for an unknown
// owner or organisation.
func (db *DB) CreateIDToken(ctx context.Context, t *charging.IDToken) error {
	const op = "CreateIDToken"
	err := db.do(ctx, keyOf(t.Token), func(ctx context.Context, r run) error {
		if err := db.mustUser(ctx, r, op, t.UserID); err != nil {
			return err
		}
		if err := db.mustOrg(ctx, r, op, t.OrgID); err != nil {
			return err
		}
		n, err := r.exec(ctx, db.q.Charging.CreateToken, t.Token, t.Type, string(t.Status), db.d.nullTime(t.ExpiresAt),
			t.GroupID, t.AllowConcurrent, t.Description, nullID(t.UserID), nullID(t.OrgID), t.Label, t.OwnerBlocked, db.d.time(t.CreatedAt), db.d.time(t.UpdatedAt))
		if err == nil && n == 0 {
			return Refuse(ladda.Errorf(ladda.Conflict, db.d.Name+"."+op, "ID token %q exists already", t.Token))
		}
		return err
	})
	return db.wrap(op, err)
}

// IDToken returns a token. Errors: NotFound.
func (db *DB) IDToken(ctx context.Context, token string) (*charging.IDToken, error) {
	t, err := db.loadToken(ctx, db.reader(), token)
	return t, db.wrap("IDToken", err)
}

func (db *DB) loadToken(ctx context.Context, r run, token string) (*charging.IDToken, error) {
	rows, err := r.query(ctx, db.q.Charging.Token, token)
	if err != nil {
		return nil, err
	}
	list, err := scanTokens(rows)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, ladda.Errorf(ladda.NotFound, db.d.Name+".IDToken", "ID token %q not found", token)
	}
	return list[0], nil
}

// IDTokens lists tokens after f.After in token order.
func (db *DB) IDTokens(ctx context.Context, f charging.TokenFilter) ([]*charging.IDToken, error) {
	q := &db.q.Charging
	text := q.Tokens
	switch {
	case f.UserID != 0:
		text = q.TokensOfUser
	case f.OrgID != 0:
		text = q.TokensOfOrg
	}
	rows, err := db.reader().query(ctx, text, f.After, nullString(f.Status), nullString(f.GroupID), limit(f.Limit), nullID(f.UserID), nullID(f.OrgID))
	if err != nil {
		return nil, db.wrap("IDTokens", err)
	}
	list, err := scanTokens(rows)
	return list, db.wrap("IDTokens", err)
}

func scanTokens(rows *sql.Rows) ([]*charging.IDToken, error) {
	defer rows.Close()
	var list []*charging.IDToken
	for rows.Next() {
		var (
			t                    charging.IDToken
			status               string
			expires              nullTime
			createdAt, updatedAt nullTime
			user, org            sql.NullInt64
		)
		if err := rows.Scan(&t.Token, &t.Type, &status, &expires, &t.GroupID, &t.AllowConcurrent, &t.Description, &user, &org, &t.Label,
			&t.OwnerBlocked, &createdAt, &updatedAt); err != nil {
			return nil, err
		}
		t.Status, t.ExpiresAt, t.CreatedAt, t.UpdatedAt = charging.TokenStatus(status), expires.ptr(), createdAt.T, updatedAt.T
		t.UserID, t.OrgID = user.Int64, org.Int64
		list = append(list, &t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return list, rows.Close()
}

// UpdateIDToken applies u and returns the token as it is now. Errors: NotFound for an unknown
// token, owner or organisation.
func (db *DB) UpdateIDToken(ctx context.Context, token string, u charging.TokenUpdate, at time.Time) (*charging.IDToken, error) {
	const op = "UpdateIDToken"
	setExpiry := u.ClearExpiry || u.ExpiresAt != nil
	var expires any
	if !u.ClearExpiry {
		expires = db.d.nullTime(u.ExpiresAt)
	}
	var allow any
	if u.AllowConcurrent != nil {
		allow = *u.AllowConcurrent
	}
	var ownerBlocked any
	if u.OwnerBlocked != nil {
		ownerBlocked = *u.OwnerBlocked
	}
	var user, org int64
	if u.UserID != nil {
		user = *u.UserID
	}
	if u.OrgID != nil {
		org = *u.OrgID
	}
	var out *charging.IDToken
	err := db.do(ctx, keyOf(token), func(ctx context.Context, r run) error {
		out = nil
		if err := db.mustUser(ctx, r, op, user); err != nil {
			return err
		}
		if err := db.mustOrg(ctx, r, op, org); err != nil {
			return err
		}
		n, err := r.exec(ctx, db.q.Charging.UpdateToken, token, nullString(u.Type), nullString(u.Status), setExpiry, expires,
			nullString(u.GroupID), allow, nullString(u.Description), db.d.time(at), u.UserID != nil, nullID(user), u.OrgID != nil, nullID(org),
			nullString(u.Label), ownerBlocked)
		if err != nil {
			return err
		}
		if n == 0 {
			return db.notFound(op, "ID token %q not found", token)
		}
		out, err = db.loadToken(ctx, r, token)
		return err
	})
	return out, db.wrap(op, err)
}

// DeleteIDToken removes a token. Errors: NotFound.
func (db *DB) DeleteIDToken(ctx context.Context, token string) error {
	const op = "DeleteIDToken"
	err := db.do(ctx, keyOf(token), func(ctx context.Context, r run) error {
		n, err := r.exec(ctx, db.q.Charging.DeleteToken, token)
		if err == nil && n == 0 {
			return db.notFound(op, "ID token %q not found", token)
		}
		return err
	})
	return db.wrap(op, err)
}

// ---- transactions ----

// StartTransaction stores t unless its start was stored before; see charging.Store.
func (db *DB) StartTransaction(ctx context.Context, t *charging.Transaction) (bool, error) {
	const op = "StartTransaction"
	if t.StartKey == "" {
		return false, ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "a transaction needs a start key")
	}
	flags, err := joinFlags(nil, t.Flags)
	if err != nil {
		return false, ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "%v", err)
	}
	q := &db.q.Charging
	in := *t
	in.StartedAt, in.UpdatedAt = norm(in.StartedAt), norm(in.UpdatedAt)
	in.MeterStartWh, in.MeterLastWh, in.LastSeqNo = copyPtr(in.MeterStartWh), copyPtr(in.MeterLastWh), copyPtr(in.LastSeqNo)
	in.Flags, in.Samples, in.StoppedAt = splitFlags(flags), nil, nil
	var (
		out     charging.Transaction
		created bool
	)
	err = db.do(ctx, keyOf(string(t.StationID)), func(ctx context.Context, r run) error {
		created = false
		old, err := db.loadTx(ctx, r, q.ByStartKey, string(in.StationID), in.StartKey)
		if err != nil {
			return err
		}
		if old != nil {
			out = *old
			return nil
		}
		if _, err := r.exec(ctx, q.ReplaceActive, string(in.StationID), in.EVSEID, in.ConnectorID,
			db.d.time(in.StartedAt), db.d.time(in.UpdatedAt), string(charging.FlagReplaced)); err != nil {
			return err
		}
		var id int64
		if _, err := r.one(ctx, q.Insert, []any{string(in.StationID), in.StationTxID, in.StartKey, in.EVSEID, in.ConnectorID, in.IDToken,
			db.d.time(in.StartedAt), nullFloat(in.MeterStartWh), nullFloat(in.MeterLastWh), nullInt(in.LastSeqNo), flags, db.d.time(in.UpdatedAt)}, &id); err != nil {
			return err
		}
		out = in
		out.ID = ladda.TransactionID(id)
		if out.StationTxID == "" {
			out.StationTxID = strconv.FormatInt(id, 10)
			if _, err := r.exec(ctx, q.SetStationTxID, id, out.StationTxID); err != nil {
				return err
			}
		}
		created = true
		return nil
	})
	if err != nil {
		return false, db.wrap(op, err)
	}
	*t = out
	return created, nil
}

// RecordMeterValues stores a meter report and advances its transaction; see charging.Store.
// Errors: NotFound for a transaction unknown or of another station; Invalid for a sample
// that cannot be stored (a value that is not a finite number).
func (db *DB) RecordMeterValues(ctx context.Context, m charging.MeterReport) (*int, error) {
	const op = "RecordMeterValues"
	samples, err := encodeSamples(m.Samples)
	if err != nil {
		return nil, ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "%v", err)
	}
	q := &db.q.Charging
	var prev *int
	err = db.do(ctx, keyOf(string(m.StationID)), func(ctx context.Context, r run) error {
		prev = nil
		if m.TransactionID == 0 {
			if samples == "" {
				return nil
			}
			var id int64
			_, err := r.one(ctx, q.InsertReport, []any{string(m.StationID), nil, nil, m.EVSEID, m.ConnectorID, db.d.time(m.At), samples}, &id)
			return err
		}
		if q.RecordMeter != "" {
			var (
				station string
				seq     sql.NullInt64
				samp    any
			)
			if samples != "" {
				samp = samples
			}
			found, err := r.one(ctx, q.RecordMeter, []any{int64(m.TransactionID), string(m.StationID), nullFloat(m.RegisterWh), nullInt(m.SeqNo),
				m.EVSEID, m.ConnectorID, db.d.time(m.At), samp}, &station, &seq)
			if err != nil {
				return err
			}
			if !found || station != string(m.StationID) {
				return db.notFound(op, "transaction %d of station %s not found", m.TransactionID, m.StationID)
			}
			if seq.Valid {
				n := int(seq.Int64)
				prev = &n
			}
			return nil
		}
		p, found, err := db.progress(ctx, r, m.TransactionID)
		if err != nil {
			return err
		}
		if !found || p.station != string(m.StationID) {
			return db.notFound(op, "transaction %d of station %s not found", m.TransactionID, m.StationID)
		}
		prev = copyPtr(p.seq)
		changed := p.advance(m.RegisterWh, m.SeqNo)
		if samples != "" {
			if err := db.insertReport(ctx, r, &p, m.EVSEID, m.ConnectorID, m.At, samples); err != nil {
				return err
			}
			changed = true
		}
		if !changed {
			return nil
		}
		return db.saveProgress(ctx, r, &p, m.At)
	})
	if err != nil {
		return nil, db.wrap(op, err)
	}
	return prev, nil
}

// progress is what meter reports change in a transaction.
type progress struct {
	id          ladda.TransactionID
	station     string
	start, last *float64
	seq         *int
	lastReport  *int64
}

// progress reads the progress of a transaction and locks it for the write.
func (db *DB) progress(ctx context.Context, r run, id ladda.TransactionID) (progress, bool, error) {
	var (
		p           = progress{id: id}
		start, last sql.NullFloat64
		seq, report sql.NullInt64
	)
	found, err := r.one(ctx, db.q.Charging.Progress, []any{int64(id)}, &p.station, &start, &last, &seq, &report)
	if !found || err != nil {
		return p, found, err
	}
	p.start, p.last = floatPtr(start), floatPtr(last)
	if seq.Valid {
		n := int(seq.Int64)
		p.seq = &n
	}
	if report.Valid {
		p.lastReport = &report.Int64
	}
	return p, true, nil
}

// insertReport stores a meter report of p's transaction at the head of its chain.
func (db *DB) insertReport(ctx context.Context, r run, p *progress, evse, conn int, at time.Time, samples string) error {
	var prevID any
	if p.lastReport != nil {
		prevID = *p.lastReport
	}
	var id int64
	if _, err := r.one(ctx, db.q.Charging.InsertReport, []any{p.station, int64(p.id), prevID, evse, conn, db.d.time(at), samples}, &id); err != nil {
		return err
	}
	p.lastReport = &id
	return nil
}

// saveProgress writes p and moves updated_at forward to at.
func (db *DB) saveProgress(ctx context.Context, r run, p *progress, at time.Time) error {
	var report any
	if p.lastReport != nil {
		report = *p.lastReport
	}
	_, err := r.exec(ctx, db.q.Charging.Advance, int64(p.id), nullFloat(p.start), nullFloat(p.last), nullInt(p.seq), report, db.d.time(at))
	return err
}

// advance applies a register reading and sequence number: the last reading only moves
// forward, the start is set if unknown, the sequence number only grows. It reports whether
// anything changed.
func (p *progress) advance(registerWh *float64, seqNo *int) bool {
	changed := false
	if registerWh != nil {
		v := *registerWh
		if p.start == nil {
			p.start, changed = &v, true
		}
		if p.last == nil || v > *p.last {
			p.last, changed = &v, true
		}
	}
	if seqNo != nil && (p.seq == nil || *seqNo > *p.seq) {
		n := *seqNo
		p.seq, changed = &n, true
	}
	return changed
}

// StopTransaction stops a transaction, once; see charging.Store. Errors: NotFound.
func (db *DB) StopTransaction(ctx context.Context, s charging.StopReport) (*charging.Transaction, error) {
	const op = "StopTransaction"
	samples, err := encodeSamples(s.Samples)
	if err != nil {
		return nil, ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "%v", err)
	}
	q := &db.q.Charging
	var out *charging.Transaction
	err = db.do(ctx, uint64(s.TransactionID), func(ctx context.Context, r run) error {
		t, err := db.loadTx(ctx, r, q.GetForUpdate, int64(s.TransactionID))
		if err != nil {
			return err
		}
		if t == nil {
			return db.notFound(op, "transaction %d not found", s.TransactionID)
		}
		out = t
		if t.StoppedAt != nil {
			return nil // stopped before: a replay changes nothing
		}
		stopped := norm(s.StoppedAt)
		t.StoppedAt, t.MeterStopWh, t.StopReason, t.StoppedBy = &stopped, copyPtr(s.MeterStopWh), s.Reason, s.StoppedBy
		if reg := charging.RegisterWh(s.Samples); reg != nil && (t.MeterLastWh == nil || *reg > *t.MeterLastWh) {
			t.MeterLastWh = reg
		}
		if s.SeqNo != nil && (t.LastSeqNo == nil || *s.SeqNo > *t.LastSeqNo) {
			t.LastSeqNo = copyPtr(s.SeqNo)
		}
		if at := norm(s.At); at.After(t.UpdatedAt) {
			t.UpdatedAt = at
		}
		if err := db.saveTx(ctx, r, t); err != nil || samples == "" {
			return err
		}
		p, _, err := db.progress(ctx, r, t.ID)
		if err != nil {
			return err
		}
		if err := db.insertReport(ctx, r, &p, t.EVSEID, t.ConnectorID, s.At, samples); err != nil {
			return err
		}
		return db.saveProgress(ctx, r, &p, s.At)
	})
	if err != nil {
		return nil, db.wrap(op, err)
	}
	return out, nil
}

// SetIDToken sets the token of a transaction started without one; see charging.Store.
func (db *DB) SetIDToken(ctx context.Context, id ladda.TransactionID, token string, at time.Time) error {
	const op = "SetIDToken"
	if token == "" {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "empty token")
	}
	err := db.do(ctx, uint64(id), func(ctx context.Context, r run) error {
		n, err := r.exec(ctx, db.q.Charging.SetIDToken, int64(id), token, db.d.time(norm(at)))
		if err != nil || n > 0 {
			return err
		}
		t, err := db.loadTx(ctx, r, db.q.Charging.GetForUpdate, int64(id))
		if err == nil && t == nil {
			err = db.notFound(op, "transaction %d not found", id)
		}
		return err
	})
	return db.wrap(op, err)
}

// AddFlags adds flags to a transaction; flags it has already are kept once. Errors: NotFound;
// Invalid for an empty flag or one with a comma.
func (db *DB) AddFlags(ctx context.Context, id ladda.TransactionID, flags ...charging.Flag) error {
	const op = "AddFlags"
	if _, err := joinFlags(nil, flags); err != nil {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "%v", err)
	}
	err := db.do(ctx, uint64(id), func(ctx context.Context, r run) error {
		t, err := db.loadTx(ctx, r, db.q.Charging.GetForUpdate, int64(id))
		if err != nil {
			return err
		}
		if t == nil {
			return db.notFound(op, "transaction %d not found", id)
		}
		n := len(t.Flags)
		for _, f := range flags {
			if !slices.Contains(t.Flags, f) {
				t.Flags = append(t.Flags, f)
			}
		}
		if len(t.Flags) == n {
			return nil
		}
		return db.saveTx(ctx, r, t)
	})
	return db.wrap(op, err)
}

// Transaction returns a transaction with its samples in time order. Errors: NotFound.
func (db *DB) Transaction(ctx context.Context, id ladda.TransactionID) (*charging.Transaction, error) {
	const op = "Transaction"
	r := db.reader()
	t, err := db.loadTx(ctx, r, db.q.Charging.Get, int64(id))
	if err != nil {
		return nil, db.wrap(op, err)
	}
	if t == nil {
		return nil, ladda.Errorf(ladda.NotFound, db.d.Name+"."+op, "transaction %d not found", id)
	}
	rows, err := r.query(ctx, db.q.Charging.Samples, int64(id))
	if err != nil {
		return nil, db.wrap(op, err)
	}
	defer rows.Close()
	var data []byte
	for rows.Next() {
		if err := rows.Scan(&data); err != nil {
			return nil, db.wrap(op, err)
		}
		if t.Samples, err = decodeSamples(t.Samples, data); err != nil {
			return nil, db.wrap(op, err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap(op, err)
	}
	slices.SortStableFunc(t.Samples, func(a, b charging.Sample) int { return a.Time.Compare(b.Time) })
	return t, nil
}

// TransactionByStationTxID returns the newest transaction of a station with that station
// transaction id. Errors: NotFound.
func (db *DB) TransactionByStationTxID(ctx context.Context, st ladda.StationID, stationTxID string) (*charging.Transaction, error) {
	const op = "TransactionByStationTxID"
	t, err := db.loadTx(ctx, db.reader(), db.q.Charging.ByStationTxID, string(st), stationTxID)
	if err == nil && t == nil {
		err = ladda.Errorf(ladda.NotFound, db.d.Name+"."+op, "transaction %q of station %s not found", stationTxID, st)
	}
	return t, db.wrap(op, err)
}

// Transactions lists transactions newest first, without samples. Every filter given applies,
// the scoping ones too: a transaction must be at a station of StationOrgID and of a token of
// TokenUserID and of a token of TokenOrgID, if given. They follow the stations and ID tokens
// as they are now: a transaction is at a station of StationOrgID if its station (still exists
// and) belongs to that organisation, and likewise for the owner and organisation of its token.
func (db *DB) Transactions(ctx context.Context, f charging.TransactionFilter) ([]*charging.Transaction, error) {
	q := &db.q.Charging
	before := int64(f.Before)
	if before <= 0 {
		before = math.MaxInt64
	}
	var active any
	if f.Active != nil {
		active = *f.Active
	}
	text := q.List
	switch {
	case f.StationID != nil:
		text = q.ListOfStation
	case f.IDToken != nil:
		text = q.ListOfToken
	case f.TokenUserID != 0:
		text = q.ListOfTokenUser
	case f.StationOrgID != 0:
		text = q.ListOfStationOrg
	case f.TokenOrgID != 0:
		text = q.ListOfTokenOrg
	}
	var station any
	if f.StationID != nil {
		station = string(*f.StationID)
	}
	rows, err := db.reader().query(ctx, text, station, nullString(f.IDToken), active, nullID(f.StationOrgID), nullID(f.TokenUserID),
		nullID(f.TokenOrgID), db.optTime(f.StartedFrom), db.optTime(f.StartedUntil), before, limit(f.Limit))
	if err != nil {
		return nil, db.wrap("Transactions", err)
	}
	list, err := scanTxs(rows)
	return list, db.wrap("Transactions", err)
}

// ActiveTransactions counts the token's active transactions other than except.
func (db *DB) ActiveTransactions(ctx context.Context, token string, except ladda.TransactionID) (int, error) {
	var n int
	_, err := db.reader().one(ctx, db.q.Charging.CountActive, []any{token, int64(except)}, &n)
	return n, db.wrap("ActiveTransactions", err)
}

// FlagStale flags the active transactions started before startedBefore and returns how many
// were newly flagged.
func (db *DB) FlagStale(ctx context.Context, startedBefore time.Time) (int, error) {
	var n int64
	err := db.do(ctx, 0, func(ctx context.Context, r run) (err error) {
		n, err = r.exec(ctx, db.q.Charging.FlagStale, db.d.time(startedBefore), string(charging.FlagStale))
		return err
	})
	return int(n), db.wrap("FlagStale", err)
}

// loadTx returns the transaction a statement selects, or nil if none.
func (db *DB) loadTx(ctx context.Context, r run, q string, args ...any) (*charging.Transaction, error) {
	rows, err := r.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	list, err := scanTxs(rows)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

// saveTx writes the mutable columns of t.
func (db *DB) saveTx(ctx context.Context, r run, t *charging.Transaction) error {
	flags, err := joinFlags(nil, t.Flags)
	if err != nil {
		return err
	}
	_, err = r.exec(ctx, db.q.Charging.Update, int64(t.ID), db.d.nullTime(t.StoppedAt), nullFloat(t.MeterStartWh), nullFloat(t.MeterLastWh),
		nullFloat(t.MeterStopWh), t.StopReason, t.StoppedBy, nullInt(t.LastSeqNo), flags, db.d.time(t.UpdatedAt))
	return err
}

func scanTxs(rows *sql.Rows) ([]*charging.Transaction, error) {
	defer rows.Close()
	var list []*charging.Transaction
	for rows.Next() {
		var (
			t                               charging.Transaction
			id                              int64
			stationID, flags                string
			startedAt, stoppedAt, updatedAt nullTime
			mStart, mLast, mStop            sql.NullFloat64
			seq                             sql.NullInt64
		)
		err := rows.Scan(&id, &stationID, &t.StationTxID, &t.StartKey, &t.EVSEID, &t.ConnectorID, &t.IDToken, &startedAt, &stoppedAt,
			&mStart, &mLast, &mStop, &t.StopReason, &t.StoppedBy, &seq, &flags, &updatedAt)
		if err != nil {
			return nil, err
		}
		t.ID, t.StationID = ladda.TransactionID(id), ladda.StationID(stationID)
		t.StartedAt, t.StoppedAt, t.UpdatedAt = startedAt.T, stoppedAt.ptr(), updatedAt.T
		t.MeterStartWh, t.MeterLastWh, t.MeterStopWh = floatPtr(mStart), floatPtr(mLast), floatPtr(mStop)
		if seq.Valid {
			n := int(seq.Int64)
			t.LastSeqNo = &n
		}
		t.Flags = splitFlags(flags)
		list = append(list, &t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return list, rows.Close()
}

func floatPtr(f sql.NullFloat64) *float64 {
	if !f.Valid {
		return nil
	}
	v := f.Float64
	return &v
}

func copyPtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// joinFlags appends the flags to have, skipping those it holds, and returns them as the
// stored comma list.
func joinFlags(have []charging.Flag, add []charging.Flag) (string, error) {
	for _, f := range add {
		if f == "" || strings.ContainsRune(string(f), ',') {
			return "", errBadFlag(f)
		}
		if !slices.Contains(have, f) {
			have = append(have, f)
		}
	}
	var b strings.Builder
	for i, f := range have {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(string(f))
	}
	return b.String(), nil
}

type errBadFlag charging.Flag

func (e errBadFlag) Error() string { return "bad flag " + strconv.Quote(string(e)) }

func splitFlags(s string) []charging.Flag {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	flags := make([]charging.Flag, len(parts))
	for i, p := range parts {
		flags[i] = charging.Flag(p)
	}
	return flags
}

var sampleBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// encodeSamples returns the stored JSON form of ss, or "" when there are none.
func encodeSamples(ss []charging.Sample) (string, error) {
	if len(ss) == 0 {
		return "", nil
	}
	bp := sampleBuffers.Get().(*[]byte)
	b, err := appendSamples((*bp)[:0], ss)
	if err != nil {
		sampleBuffers.Put(bp)
		return "", err
	}
	s := string(b)
	*bp = b
	sampleBuffers.Put(bp)
	return s, nil
}
