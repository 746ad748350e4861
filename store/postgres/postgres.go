// Package postgres keeps Ladda's data in PostgreSQL, for large networks and for several Ladda
// nodes sharing one database.
//
// Writes go through group committers (Options.Committers of them, each with its own
// connection): writes arriving within BatchWindow share one transaction, and each caller
// returns only after its write committed. A write goes to the committer chosen by its station
// (or other key), so one station's writes stay in order and parallel committers rarely contend
// for the same rows; rows read for an update are locked (FOR UPDATE). Reads use a separate
// pool. The schema is migrated at Open from the SQL files embedded from migrations/, under a
// PostgreSQL advisory lock so that nodes starting together migrate once. Times are
// timestamptz, returned in UTC. Personal data is stored sealed with Options.Sealer.
//
// It is the only package that imports the PostgreSQL driver (pgx, through database/sql).
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/firmware"
	"github.com/ladda-csms/ladda/pki"
	"github.com/ladda-csms/ladda/smartcharging"
	"github.com/ladda-csms/ladda/station"
	"github.com/ladda-csms/ladda/store/internal/sqldb"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

var migrations, _ = fs.Sub(migrationFiles, "migrations")

// Options tune a DB. Zero fields take the defaults documented on each.
type Options struct {
	// BatchWindow is the longest a write waits for others to share its transaction, counted
	// from when it was queued; writes that queue while a transaction runs join the next one
	// without waiting. Default 1 ms; negative: no waiting.
	BatchWindow time.Duration
	// MaxBatch is the most writes in one transaction. Default 256.
	MaxBatch int
	// Committers is the number of group committers working in parallel, each holding one
	// connection. Default 4.
	Committers int
	// ReadConns is the most connections of the read pool. Default 16.
	ReadConns int
	// Logger receives migration and diagnostic messages. Default: discard.
	Logger *slog.Logger
	// Sealer encrypts the personal data kept in the database (emails, names, second-factor
	// and webhook secrets); a *vault.Keyring. Nodes sharing a database need the same keys.
	// Default: a random key lost at Close, which only tests should use (a warning is logged).
	Sealer Sealer
}

// Sealer encrypts personal data at rest; see sqldb.Sealer.
type Sealer = sqldb.Sealer

// DB is a Ladda store in a PostgreSQL database. It implements station.Store, charging.Store,
// account.Store, firmware.Store and pki.Store, and is safe for concurrent use. Its methods come
// from the embedded engine-neutral implementation; Close waits for queued writes, then closes the pools.
type DB struct {
	*sqldb.DB
}

// Interface guards.
var (
	_ station.Store         = (*DB)(nil)
	_ charging.Store        = (*DB)(nil)
	_ charging.Reservations = (*DB)(nil)
	_ account.Store         = (*DB)(nil)
	_ firmware.Store        = (*DB)(nil)
	_ pki.Store             = (*DB)(nil)
	_ smartcharging.Store   = (*DB)(nil)
)

var queries = sqldb.Queries{
	Station:     stationQueries,
	Charging:    chargingQueries,
	Account:     accountQueries,
	User:        userQueries,
	Audit:       auditQueries,
	Delivery:    deliveryQueries,
	Command:     commandQueries,
	RemoteStart: remoteStartQueries,
	Settings:    settingQueries,
	Report:      reportQueries,
	LocalList:   localListQueries,
	Reservation: reservationQueries,
	Firmware:    firmwareQueries,
	PKI:         pkiQueries,
	Site:        siteQueries,
	Billing:     billingQueries,
	Payments:    paymentQueries,
	Campaigns:   campaignQueries,

	SmartCharging: smartChargingQueries,

	ChargingProfile: chargingProfileQueries,
}

var dialect = sqldb.Dialect{Name: "postgres", Time: sqldb.EncodeNativeTime}

// Open connects to the database named by dsn (a pgx connection string: URL or key=value
// form; its search_path selects the schema) and migrates its schema.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	if opts.Committers <= 0 {
		opts.Committers = 4
	}
	if opts.ReadConns <= 0 {
		opts.ReadConns = 16
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	w, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	w.SetMaxOpenConns(opts.Committers + 1) // one spare for Ping and migrations
	w.SetMaxIdleConns(opts.Committers + 1)
	if err := migrate(ctx, w, opts.Logger); err != nil {
		w.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	r, err := sql.Open("pgx", dsn)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	r.SetMaxOpenConns(opts.ReadConns)
	r.SetMaxIdleConns(opts.ReadConns)
	db, err := sqldb.New(ctx, w, r, dialect, queries, sqldb.Options{BatchWindow: opts.BatchWindow, MaxBatch: opts.MaxBatch, Committers: opts.Committers,
		Logger: opts.Logger, Sealer: opts.Sealer})
	if err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return &DB{db}, nil
}

// migrate runs the migrations under an advisory lock of the current schema, so that nodes
// starting together migrate one after the other, while different schemas (tests) do not wait
// for each other.
func migrate(ctx context.Context, db *sql.DB, log *slog.Logger) error {
	var schema string
	if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return fmt.Errorf("connecting: %w", err)
	}
	h := fnv.New64a()
	h.Write([]byte("ladda migrations " + schema))
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64() >> 1)))
	if err != nil {
		return err
	}
	return sqldb.Migrate(ctx, db, goose.DialectPostgres, migrations, log, goose.WithSessionLocker(locker))
}
