package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/ladda-csms/ladda/store/sqlite"
	"github.com/ladda-csms/ladda/store/storetest"
	"github.com/ladda-csms/ladda/vault"
)

// open returns a store in a new file of a temporary directory, closed at the end.
func open(tb testing.TB) storetest.Store {
	tb.Helper()
	return openFile(tb, newFile(tb), nil)
}

// The tests' files are copies of one that the first test to need it migrates: migrating takes
// most of the time of a small test, under the race detector above all.
var (
	migratedOnce sync.Once
	migrated     []byte
	migratedErr  error
)

// newFile writes an empty, migrated database file into a temporary directory and returns its
// path.
func newFile(tb testing.TB) string {
	tb.Helper()
	migratedOnce.Do(func() { migrated, migratedErr = migrate() })
	if migratedErr != nil {
		tb.Fatal(migratedErr)
	}
	path := filepath.Join(tb.TempDir(), "ladda.db")
	if err := os.WriteFile(path, migrated, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// migrate returns the content of a new database file that Open migrated, with its log
// written back into it.
func migrate() ([]byte, error) {
	dir, err := os.MkdirTemp("", "ladda-sqlite-test-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "ladda.db")
	db, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		return nil, err
	}
	if err := db.Close(); err != nil {
		return nil, err
	}
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return nil, err
	}
	_, err = raw.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	if cerr := raw.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

// openFile returns a store in the file at path, sealing with keys (nil: a random key), closed
// at the end.
func openFile(tb testing.TB, path string, keys *vault.Keyring) storetest.Store {
	tb.Helper()
	opts := sqlite.Options{}
	if keys != nil {
		opts.Sealer = keys
	}
	db, err := sqlite.Open(tb.Context(), path, opts)
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

func TestAtRest(t *testing.T) {
	storetest.RunAtRest(t, func(t *testing.T) storetest.Engine {
		path := newFile(t)
		raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { raw.Close() })
		return storetest.Engine{
			Open: func(t *testing.T, keys *vault.Keyring) storetest.Store { return openFile(t, path, keys) },
			Raw:  raw,
		}
	})
}

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) storetest.Store { return open(b) })
}
