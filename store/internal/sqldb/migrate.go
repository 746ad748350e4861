package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
)

// Migrate brings the schema of db up to the newest of the goose migrations in fsys (files
// NNNN_name.sql). goose's own messages go to log at debug level; what changed is logged at
// info level.
func Migrate(ctx context.Context, db *sql.DB, dialect goose.Dialect, fsys fs.FS, log *slog.Logger, opts ...goose.ProviderOption) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts = append(opts, goose.WithSlog(slog.New(debugHandler{log.Handler()})), goose.WithVerbose(true))
	p, err := goose.NewProvider(dialect, db, fsys, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrating: %w", err)
	}
	if len(results) > 0 {
		log.Info("database schema migrated", "from", results[0].Source.Version-1, "to", results[len(results)-1].Source.Version)
	}
	return nil
}

// debugHandler passes every record on at debug level.
type debugHandler struct{ h slog.Handler }

func (d debugHandler) Enabled(ctx context.Context, _ slog.Level) bool {
	return d.h.Enabled(ctx, slog.LevelDebug)
}

func (d debugHandler) Handle(ctx context.Context, r slog.Record) error {
	r.Level = slog.LevelDebug
	return d.h.Handle(ctx, r)
}

func (d debugHandler) WithAttrs(as []slog.Attr) slog.Handler { return debugHandler{d.h.WithAttrs(as)} }
func (d debugHandler) WithGroup(name string) slog.Handler    { return debugHandler{d.h.WithGroup(name)} }
