// Package sqlite keeps Ladda's data in a SQLite database file, the default for a single node.
//
// The file is opened with a single writer connection (WAL journal, synchronous=FULL, foreign
// keys on, BEGIN IMMEDIATE) and a separate pool of read-only connections, so reads never wait
// for writes. Every write goes through a group committer: writes from many stations arriving
// within BatchWindow share one transaction and one sync to disk, and each caller returns only
// after its write is durable. The schema is migrated at Open from the SQL files embedded from
// migrations/. Times are stored as UTC text with microsecond precision. Personal data is stored
// sealed with Options.Sealer.
//
// It is the only package that imports the SQLite driver (modernc.org/sqlite, pure Go).
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"runtime"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

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
	// ReadConns is the size of the read pool. Default GOMAXPROCS, at least 4.
	ReadConns int
	// Logger receives migration and diagnostic messages. Default: discard.
	Logger *slog.Logger
	// Sealer encrypts the personal data kept in the file (emails, names, second-factor and
	// webhook secrets); a *vault.Keyring. Default: a random key lost at Close, which only
	// tests should use (a warning is logged).
	Sealer Sealer
}

// Sealer encrypts personal data at rest; see sqldb.Sealer.
type Sealer = sqldb.Sealer

// DB is a Ladda store in a SQLite file. It implements station.Store, charging.Store,
// account.Store, firmware.Store and pki.Store, and is safe for concurrent use. Its methods come
// from the embedded engine-neutral implementation; Close waits for queued writes, then closes the file.
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

var dialect = sqldb.Dialect{Name: "sqlite", Time: sqldb.EncodeTextTime}

// Open opens (creating if needed) the database file at path and migrates its schema.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, errors.New("sqlite: need the path of a database file")
	}
	if opts.ReadConns <= 0 {
		opts.ReadConns = max(4, runtime.GOMAXPROCS(0))
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	w, err := sql.Open("sqlite", dsn(path, "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_pragma=journal_size_limit(67108864)&_txlock=immediate"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	if err := sqldb.Migrate(ctx, w, goose.DialectSQLite3, migrations, opts.Logger); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn(path, "_pragma=busy_timeout(10000)&_pragma=query_only(1)"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	r.SetMaxOpenConns(opts.ReadConns)
	r.SetMaxIdleConns(opts.ReadConns)
	db, err := sqldb.New(ctx, w, r, dialect, queries, sqldb.Options{BatchWindow: opts.BatchWindow, MaxBatch: opts.MaxBatch, Committers: 1, Logger: opts.Logger,
		Sealer: opts.Sealer})
	if err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return &DB{db}, nil
}

// dsn is the driver's name for the file at path with the given query parameters: a file: URI
// in which the characters special to URIs are escaped.
func dsn(path, params string) string {
	return "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path) + "?" + params
}
