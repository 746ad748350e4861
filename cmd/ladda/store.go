package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/billing"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/config"
	"github.com/ladda-csms/ladda/firmware"
	"github.com/ladda-csms/ladda/pki"
	"github.com/ladda-csms/ladda/smartcharging"
	"github.com/ladda-csms/ladda/station"
	"github.com/ladda-csms/ladda/store/postgres"
	"github.com/ladda-csms/ladda/store/sqlite"
	"github.com/ladda-csms/ladda/vault"
)

// store is what both database engines provide.
type store interface {
	station.Store
	charging.Store
	account.Store
	firmware.Store
	pki.Store
	billing.Store
	billing.Payments
	billing.Campaigns
	smartcharging.Store
	Ping(ctx context.Context) error
	Secret(ctx context.Context, name string, size int) ([]byte, error)
	Reseal(ctx context.Context) (int, error)
	CheckKeys(ctx context.Context) error
	Close() error
}

// openStore opens the database named by dsn and brings its schema up to date.
// The keys must be those the database's personal data was sealed with (CheckKeys).
func openStore(ctx context.Context, dsn string, batchWindow time.Duration, sealer *vault.Keyring, log *slog.Logger) (store, error) {
	var db store
	engine, arg := config.Database(dsn)
	switch engine {
	case config.Postgres:
		pg, err := postgres.Open(ctx, arg, postgres.Options{BatchWindow: batchWindow, Logger: log, Sealer: sealer})
		if err != nil {
			return nil, fmt.Errorf("opening PostgreSQL database: %w", err)
		}
		db = pg
	default:
		lite, err := sqlite.Open(ctx, arg, sqlite.Options{BatchWindow: batchWindow, Logger: log, Sealer: sealer})
		if err != nil {
			return nil, fmt.Errorf("opening SQLite database %s: %w", arg, err)
		}
		db = lite
	}
	if err := db.CheckKeys(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// keyring returns the keys that encrypt personal data at rest: the configured ones, or the key
// kept in DATA-DIR/encryption.key. Only the server makes that file (create): a command run
// with another data directory must not quietly make keys of its own.
func keyring(encryptionKey, dataDir string, create bool) (*vault.Keyring, error) {
	if encryptionKey != "" {
		k, err := vault.ParseKeyring(encryptionKey)
		if err != nil {
			return nil, fmt.Errorf("--encryption-key: %w", err)
		}
		return k, nil
	}
	path := filepath.Join(dataDir, "encryption.key")
	if _, err := os.Stat(path); !create && errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no encryption key at %s: give the server's --data-dir (or LADDA_ENCRYPTION_KEY), or start ladda serve once to make one", path)
	}
	k, err := vault.LoadOrCreate(path)
	if err != nil {
		return nil, fmt.Errorf("loading the encryption key: %w", err)
	}
	return k, nil
}
