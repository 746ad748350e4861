package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/config"
	"github.com/ladda-csms/ladda/firmware"
	"github.com/ladda-csms/ladda/pki"
	"github.com/ladda-csms/ladda/station"
	"github.com/ladda-csms/ladda/store/postgres"
	"github.com/ladda-csms/ladda/store/sqlite"
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
	Close() error
}

// openStore opens the database named by dsn and brings its schema up to date.
func openStore(ctx context.Context, dsn string, batchWindow time.Duration, log *slog.Logger) (store, error) {
	engine, arg := config.Database(dsn)
	switch engine {
	case config.Postgres:
		db, err := postgres.Open(ctx, arg, postgres.Options{BatchWindow: batchWindow, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("opening PostgreSQL database: %w", err)
		}
		return db, nil
	default:
		db, err := sqlite.Open(ctx, arg, sqlite.Options{BatchWindow: batchWindow, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("opening SQLite database %s: %w", arg, err)
		}
		return db, nil
	}
}
