package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/ladda-csms/ladda/store/sqlite"
	"github.com/ladda-csms/ladda/store/storetest"
)

// open returns a store in a new file of a temporary directory, closed at the end.
func open(tb testing.TB) storetest.Store {
	tb.Helper()
	db, err := sqlite.Open(tb.Context(), filepath.Join(tb.TempDir(), "ladda.db"), sqlite.Options{})
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
