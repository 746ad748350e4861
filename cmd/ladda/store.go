package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/config"
	"github.com/ladda-csms/ladda/firmware"
	"github.com/ladda-csms/ladda/pki"
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
	Ping(ctx context.Context) error
	Secret(ctx context.Context, name string, size int) ([]byte, error)
	Reseal(ctx context.Context) (int, error)
	Close() error
}

// openStore opens the database named by dsn and brings its schema up to date.
func openStore(ctx context.Context, dsn string, batchWindow time.Duration, sealer *vault.Keyring, log *slog.Logger) (store, error) {
	engine, arg := config.Database(dsn)
	switch engine {
	case config.Postgres:
		db, err := postgres.Open(ctx, arg, postgres.Options{BatchWindow: batchWindow, Logger: log, Sealer: sealer})
		if err != nil {
			return nil, fmt.Errorf("opening PostgreSQL database: %w", err)
		}
		return db, nil
	default:
		db, err := sqlite.Open(ctx, arg, sqlite.Options{BatchWindow: batchWindow, Logger: log, Sealer: sealer})
		if err != nil {
			return nil, fmt.Errorf("opening SQLite database %s: %w", arg, err)
		}
		return db, nil
	}
}

// keyring returns the keys that encrypt personal data at rest: the configured ones, or the key
// kept in DATA-DIR/encryption.key, made on first use.
func keyring(encryptionKey, dataDir string) (*vault.Keyring, error) {
	if encryptionKey != "" {
		k, err := vault.ParseKeyring(encryptionKey)
		if err != nil {
			return nil, fmt.Errorf("--encryption-key: %w", err)
		}
		return k, nil
	}
	k, err := vault.LoadOrCreate(filepath.Join(dataDir, "encryption.key"))
	if err != nil {
		return nil, fmt.Errorf("loading the encryption key: %w", err)
	}
	return k, nil
}
