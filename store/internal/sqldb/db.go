package sqldb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/firmware"
	"github.com/ladda-csms/ladda/pki"
	"github.com/ladda-csms/ladda/station"
)

// Options tune a DB.
type Options struct {
	// BatchWindow, MaxBatch and Committers tune group commit; see CommitOptions.
	BatchWindow time.Duration
	MaxBatch    int
	Committers  int
	// Logger receives the store's rare diagnostics. Nil discards them.
	Logger *slog.Logger
	// Sealer encrypts the personal data the store keeps (see Sealer). Nil makes a random key
	// that lives only as long as the DB: what it seals now cannot be read after a restart, so
	// only tests should leave it nil.
	Sealer Sealer
}

// DB implements the domain stores over a pool for writes and a pool for reads. The pools may
// be the same *sql.DB. It is safe for concurrent use.
type DB struct {
	write, read *sql.DB
	q           Queries
	d           Dialect
	log         *slog.Logger
	commit      *Committer
	seal        Sealer

	wst, rst sync.Map // query text → *sql.Stmt prepared on the write or read pool

	closeOnce sync.Once
	closeErr  error
}

// Interface guards.
var (
	_ station.Store  = (*DB)(nil)
	_ charging.Store = (*DB)(nil)
	_ account.Store  = (*DB)(nil)
	_ firmware.Store = (*DB)(nil)
	_ pki.Store      = (*DB)(nil)
)

// New returns a DB over the pools, which it owns from now on: Close closes them. write
// should allow at least o.Committers connections. It prepares every statement that writes may
// run (all but those tagged read) on the write pool, so the database must be migrated already.
func New(ctx context.Context, write, read *sql.DB, d Dialect, q Queries, o Options) (*DB, error) {
	if err := q.check(); err != nil {
		return nil, err
	}
	if d.Name == "" || d.Time == nil {
		return nil, errors.New("sqldb: incomplete dialect")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Sealer == nil {
		k, err := ephemeralKeyring()
		if err != nil {
			return nil, err
		}
		o.Sealer = k
		o.Logger.Warn("no keyring given: personal data is sealed with a random key that is lost on restart; data written now cannot be read after a restart")
	}
	db := &DB{write: write, read: read, q: q, d: d, log: o.Logger, seal: o.Sealer}
	// A write holds its connection while it runs, so its statements are prepared beforehand:
	// preparing one on the pool during a write would wait for a second connection.
	for _, text := range q.writes() {
		if _, ok := db.wst.Load(text); ok {
			continue
		}
		st, err := write.PrepareContext(ctx, text)
		if err != nil {
			db.closeStmts()
			return nil, fmt.Errorf("sqldb: preparing %s: %w", strings.Join(strings.Fields(text), " "), err)
		}
		db.wst.Store(text, st)
	}
	db.commit = NewCommitter(write, CommitOptions{Window: o.BatchWindow, MaxBatch: o.MaxBatch, Committers: o.Committers, Logger: o.Logger})
	return db, nil
}

// Close waits for the queued writes to finish, then closes the pools. Later calls do nothing.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.commit.Close()
		db.closeStmts()
		err := db.write.Close()
		if db.read != db.write {
			err = errors.Join(err, db.read.Close())
		}
		if err != nil {
			db.closeErr = ladda.Wrap(db.d.Name+".Close", err)
		}
	})
	return db.closeErr
}

func (db *DB) closeStmts() {
	for _, m := range []*sync.Map{&db.wst, &db.rst} {
		m.Range(func(_, v any) bool {
			v.(*sql.Stmt).Close()
			return true
		})
	}
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	err := db.read.PingContext(ctx)
	if err == nil && db.read != db.write {
		err = db.write.PingContext(ctx)
	}
	return ladda.Wrap(db.d.Name+".Ping", err)
}

// CommitStats returns the group commit counters.
func (db *DB) CommitStats() CommitStats { return db.commit.Stats() }

// Secret returns the secret stored under name, first creating it from size random bytes if
// there is none. Racing callers get the same value. Errors: Invalid for an empty name or a
// size outside 1 to 4096; Conflict when the stored secret has another size.
func (db *DB) Secret(ctx context.Context, name string, size int) ([]byte, error) {
	op := db.d.Name + ".Secret"
	if name == "" || size < 1 || size > 4096 {
		return nil, ladda.Errorf(ladda.Invalid, op, "a secret needs a name and 1 to 4096 bytes")
	}
	fresh := make([]byte, size)
	if _, err := rand.Read(fresh); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	var value []byte
	err := db.do(ctx, keyOf(name), func(ctx context.Context, r run) error {
		value = nil
		if _, err := r.exec(ctx, db.q.Account.CreateSetting, name, fresh); err != nil {
			return err
		}
		_, err := r.one(ctx, db.q.Account.Setting, []any{name}, &value)
		return err
	})
	if err != nil {
		return nil, db.wrap("Secret", err)
	}
	if len(value) != size {
		return nil, ladda.Errorf(ladda.Conflict, op, "secret %q has %d bytes, not %d", name, len(value), size)
	}
	return value, nil
}

// touch is one element of the JSON array of Touch and TouchKeys.
type touch[ID any] struct {
	ID ID     `json:"id"`
	At string `json:"at"`
}

// touchList encodes the times of a touch as the JSON array the statements take.
func touchList[ID comparable](times map[ID]time.Time) (string, error) {
	list := make([]touch[ID], 0, len(times))
	for id, t := range times {
		list = append(list, touch[ID]{id, norm(t).Format(TextTime)})
	}
	b, err := json.Marshal(list)
	return string(b), err
}

var seed = maphash.MakeSeed()

// keyOf picks the committer for writes about one station (or other named thing), so that
// they stay in order and do not contend with each other across committers.
func keyOf(s string) uint64 { return maphash.String(seed, s) }

// do runs fn as a write of the group committer.
func (db *DB) do(ctx context.Context, key uint64, fn func(ctx context.Context, r run) error) error {
	return db.commit.Do(ctx, key, func(ctx context.Context, tx *sql.Tx) error {
		return fn(ctx, run{db: db, tx: tx})
	})
}

// reader returns a run on the read pool.
func (db *DB) reader() run { return run{db: db} }

// run executes the prepared statements of db, within a write transaction or, when tx is nil,
// on the read pool.
type run struct {
	db *DB
	tx *sql.Tx
}

func (r run) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	pool, cache := r.db.read, &r.db.rst
	if r.tx != nil {
		pool, cache = r.db.write, &r.db.wst
	}
	v, ok := cache.Load(q)
	if !ok && r.tx != nil {
		// Not prepared by New (a statement tagged read): preparing it on the write pool
		// would wait for a second connection, so it is prepared for this transaction only.
		return r.tx.PrepareContext(ctx, q)
	}
	if !ok {
		st, err := pool.PrepareContext(ctx, q)
		if err != nil {
			return nil, err
		}
		if v, ok = cache.LoadOrStore(q, st); ok {
			st.Close()
		}
	}
	st := v.(*sql.Stmt)
	if r.tx != nil {
		return r.tx.StmtContext(ctx, st), nil
	}
	return st, nil
}

// exec runs a statement and returns the number of rows it affected.
func (r run) exec(ctx context.Context, q string, args ...any) (int64, error) {
	st, err := r.stmt(ctx, q)
	if err != nil {
		return 0, err
	}
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// query runs a statement returning rows.
func (r run) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := r.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// one scans the first row of a statement into dest and reports whether there was one.
func (r run) one(ctx context.Context, q string, args []any, dest ...any) (bool, error) {
	rows, err := r.query(ctx, q, args...)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	if !rows.Next() {
		return false, rows.Err()
	}
	if err := rows.Scan(dest...); err != nil {
		return false, err
	}
	return true, rows.Close()
}

// wrap gives err the operation op of this engine, unless it is one of our errors already.
func (db *DB) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*ladda.Error); ok {
		return err
	}
	if errors.Is(err, ErrClosed) {
		return &ladda.Error{Kind: ladda.Unavailable, Op: db.d.Name + "." + op, Message: "the store is closed", Err: err}
	}
	return ladda.Wrap(db.d.Name+"."+op, err)
}

// notFound returns a NotFound refusal.
func (db *DB) notFound(op, format string, args ...any) error {
	return Refuse(ladda.Errorf(ladda.NotFound, db.d.Name+"."+op, format, args...))
}

// byID reads the one row query selects for id with scan, as operation op; NotFound, naming it
// what, when there is none.
func byID[T any](ctx context.Context, db *DB, op, query string, id int64, scan func(*sql.Rows) ([]*T, error), what string) (*T, error) {
	rows, err := db.reader().query(ctx, query, id)
	if err != nil {
		return nil, db.wrap(op, err)
	}
	list, err := scan(rows)
	if err != nil {
		return nil, db.wrap(op, err)
	}
	if len(list) == 0 {
		return nil, ladda.Errorf(ladda.NotFound, db.d.Name+"."+op, "%s %d not found", what, id)
	}
	return list[0], nil
}
