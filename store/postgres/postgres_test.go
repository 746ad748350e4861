package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/ladda-csms/ladda/store/postgres"
	"github.com/ladda-csms/ladda/store/storetest"
)

// The tests run against the server at LADDA_TEST_POSTGRES, each in a schema of its own. They
// are skipped when it cannot be reached, unless LADDA_REQUIRE_POSTGRES=1.
const defaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

var (
	server     *sql.DB
	serverErr  error
	serverOnce sync.Once
)

func baseDSN() string {
	if dsn := os.Getenv("LADDA_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	return defaultDSN
}

// connect returns a connection to the test server, or skips (or fails) the test.
func connect(tb testing.TB) *sql.DB {
	tb.Helper()
	serverOnce.Do(func() {
		server, serverErr = sql.Open("pgx", baseDSN())
		if serverErr == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			serverErr = server.PingContext(ctx)
		}
	})
	if serverErr != nil {
		if os.Getenv("LADDA_REQUIRE_POSTGRES") == "1" {
			tb.Fatalf("PostgreSQL at %s: %v", baseDSN(), serverErr)
		}
		tb.Skipf("PostgreSQL not reachable at %s (set LADDA_TEST_POSTGRES): %v", baseDSN(), serverErr)
	}
	return server
}

// withSearchPath returns dsn with its search_path set to schema.
func withSearchPath(tb testing.TB, dsn, schema string) string {
	tb.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			tb.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}

// open returns a store in a new schema, dropped at the end.
func open(tb testing.TB) storetest.Store {
	tb.Helper()
	srv := connect(tb)
	schema := "ladda_test_" + strings.ToLower(rand.Text()[:12])
	if _, err := srv.ExecContext(tb.Context(), "CREATE SCHEMA "+schema); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if _, err := srv.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Error(err)
		}
	})
	db, err := postgres.Open(tb.Context(), withSearchPath(tb, baseDSN(), schema), postgres.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return open(t) })
}

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) storetest.Store { return open(b) })
}
