package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/station"
	"github.com/ladda-csms/ladda/store/sqlite"
)

// benchAPI is the API over a fresh store with n stations, served in memory (no sockets), and
// an admin key.
func benchAPI(b *testing.B, n int) (http.Handler, string) {
	b.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "ladda.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	stations := station.NewService(db, nil, nil, nil, station.Config{Pepper: testPepper})
	accounts := account.NewService(db, account.Options{})
	_, key, err := accounts.CreateAPIKey(ctx, account.KeySpec{Name: "bench", Scopes: []account.Scope{account.ScopeAdmin}})
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		id := ladda.StationID(fmt.Sprintf("CS-%05d", i))
		if _, _, err := stations.Register(ctx, station.NewStation{ID: id}); err != nil {
			b.Fatal(err)
		}
		for evse := 1; evse <= 2; evse++ {
			if err := stations.StatusChanged(ctx, station.StatusChange{StationID: id, EVSEID: evse, ConnectorID: 1, Status: station.StatusAvailable}); err != nil {
				b.Fatal(err)
			}
		}
	}
	h := New(Services{Stations: stations, Charging: charging.NewService(db, nil, nil, nil, charging.Config{}), Accounts: accounts, Ready: db.Ping})
	return h, key
}

func benchServe(b *testing.B, h http.Handler, method, path, auth string, want int) {
	b.Helper()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(method, path, nil)
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != want {
				b.Errorf("%s %s: status %d, want %d", method, path, rec.Code, want)
				return
			}
		}
	})
}

// BenchmarkGetStation measures one authenticated read of a station with two EVSEs.
func BenchmarkGetStation(b *testing.B) {
	h, key := benchAPI(b, 100)
	benchServe(b, h, http.MethodGet, "/api/v1/stations/CS-00042", "Bearer "+key, 200)
}

// BenchmarkListStations measures one authenticated page of 100 stations.
func BenchmarkListStations(b *testing.B) {
	h, key := benchAPI(b, 200)
	benchServe(b, h, http.MethodGet, "/api/v1/stations?limit=100", "Bearer "+key, 200)
}

// BenchmarkRefused measures the refusal of a request with a wrong key.
func BenchmarkRefused(b *testing.B) {
	h, _ := benchAPI(b, 0)
	benchServe(b, h, http.MethodGet, "/api/v1/stations", "Bearer ladda_wrongwrongwrongwrong", 401)
}

// BenchmarkHealthz measures the liveness probe.
func BenchmarkHealthz(b *testing.B) {
	h, _ := benchAPI(b, 0)
	benchServe(b, h, http.MethodGet, "/healthz", "", 200)
}
