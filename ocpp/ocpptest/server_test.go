package ocpptest_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/gateway"
	"github.com/ladda-csms/ladda/ocpp"
	"github.com/ladda-csms/ladda/ocpp/ocppj"
	"github.com/ladda-csms/ladda/ocpp/ocpptest"
	"github.com/ladda-csms/ladda/ocpp/schema"
	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
	"github.com/ladda-csms/ladda/station"
	"github.com/ladda-csms/ladda/store/sqlite"
)

// testServer is a real Ladda OCPP server in-process: SQLite in a temporary directory, the
// station and charging services, the OCPP router and the gateway behind an httptest.Server.
type testServer struct {
	URL      string // ws://127.0.0.1:PORT/ocpp
	Stations *station.Service
	Charging *charging.Service
	Gateway  *gateway.Server
}

const testPassword = "test-password-0123456789"

func newTestServer(t testing.TB) *testServer {
	t.Helper()
	return newWrappedServer(t, nil)
}

// newWrappedServer is newTestServer with the OCPP router behind wrap, when not nil: a test
// watches what the stations send that way.
func newWrappedServer(t testing.TB, wrap func(gateway.Dispatcher) gateway.Dispatcher) *testServer {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"), sqlite.Options{Logger: log})
	if err != nil {
		t.Fatalf("opening the store: %v", err)
	}
	stations := station.NewService(db, nil, nil, log, station.Config{
		Pepper:            []byte("test-pepper-test-pepper-test-pep"),
		HeartbeatInterval: time.Minute,
		PendingInterval:   time.Second,
	})
	chargingSvc := charging.NewService(db, nil, nil, log, charging.Config{})
	validator, err := schema.New()
	if err != nil {
		t.Fatalf("loading schemas: %v", err)
	}
	router := ocpp.NewRouter(ocpp.RouterConfig{Stations: stations, Charging: chargingSvc, Validator: validator, Logger: log})
	var dispatcher gateway.Dispatcher = router
	if wrap != nil {
		dispatcher = wrap(router)
	}
	gw, err := gateway.New(gateway.Config{Authenticator: router, Dispatcher: dispatcher, Logger: log, CallTimeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("gateway: %v", err)
	}
	stations.SetConnections(gw)
	mux := http.NewServeMux()
	mux.Handle("/ocpp/", gw)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		shutdown, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = gw.Shutdown(shutdown)
		srv.Close()
		_ = db.Close()
	})
	return &testServer{
		URL:      "ws" + strings.TrimPrefix(srv.URL, "http") + "/ocpp",
		Stations: stations,
		Charging: chargingSvc,
		Gateway:  gw,
	}
}

// mustRegister registers a station with testPassword and the given registration.
func (ts *testServer) mustRegister(t testing.TB, id string, reg station.Registration) {
	t.Helper()
	_, _, err := ts.Stations.Register(context.Background(), station.NewStation{ID: ladda.StationID(id), Password: testPassword, Registration: reg})
	if err != nil {
		t.Fatalf("registering %s: %v", id, err)
	}
}

// mustToken adds an ID token with a status.
func (ts *testServer) mustToken(t testing.TB, token string, status charging.TokenStatus) {
	t.Helper()
	err := ts.Charging.CreateIDToken(context.Background(), &charging.IDToken{Token: token, Status: status, AllowConcurrent: true})
	if err != nil {
		t.Fatalf("adding token %s: %v", token, err)
	}
}

// mustStation returns a station of version v for the server, registered and accepted, closed
// when the test ends.
func (ts *testServer) mustStation(t testing.TB, id, version string, change func(*ocpptest.Config)) *ocpptest.Station {
	t.Helper()
	ts.mustRegister(t, id, station.Accepted)
	cfg := ocpptest.Config{URL: ts.URL, ID: id, Password: testPassword, Version: version}
	if change != nil {
		change(&cfg)
	}
	st, err := ocpptest.New(cfg)
	if err != nil {
		t.Fatalf("ocpptest.New: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// mustTransaction returns the server's transaction of a station with the station's id for it.
func (ts *testServer) mustTransaction(t testing.TB, stationID, stationTxID string) *charging.Transaction {
	t.Helper()
	tx, err := ts.Charging.TransactionByStationTxID(context.Background(), ladda.StationID(stationID), stationTxID)
	if err != nil {
		t.Fatalf("transaction %s of %s: %v", stationTxID, stationID, err)
	}
	return tx
}

// mustStationState returns what the server knows of a station.
func (ts *testServer) mustStationState(t testing.TB, id string) *station.Station {
	t.Helper()
	st, err := ts.Stations.Station(context.Background(), ladda.StationID(id))
	if err != nil {
		t.Fatalf("station %s: %v", id, err)
	}
	return st
}

// eventually polls cond every 10 ms for at most 5 s; bounded, so a broken test fails instead
// of hanging.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for range 500 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("gave up waiting: %s", what)
}

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// answerFunc answers one CALL of a station in the test CSMS's stead, with a typed response of
// ocpp/v16 or ocpp/v201.
type answerFunc func(ctx context.Context, p gateway.Peer, payload json.RawMessage) any

// answering gives a test CSMS its own answers to some actions, in front of the router, which
// answers the others: for what the router does not serve, or serves only with a PKI the test
// server lacks (SignCertificate, GetCertificateStatus, …). Like the router, it checks each
// request against its action's schema first and answers a violation with a CALLERROR, so a
// station's malformed message fails its call.
type answering struct {
	gateway.Dispatcher
	answers map[string]answerFunc
}

// testSchemas are the OCPP schemas, compiled once for all tests.
var testSchemas = sync.OnceValues(schema.New)

// HandleCall answers the actions of a.answers and passes the others on.
func (a *answering) HandleCall(ctx context.Context, p gateway.Peer, action string, payload json.RawMessage) (json.RawMessage, *ocppj.Error) {
	f, ok := a.answers[action]
	if !ok {
		return a.Dispatcher.HandleCall(ctx, p, action, payload)
	}
	validator, err := testSchemas()
	if err != nil {
		return nil, ocppj.Errorf(ocppj.FaultInternal, "schemas: %v", err)
	}
	version := v201.Version
	if p.Subprotocol == v16.Subprotocol {
		version = v16.Version
	}
	if err := validator.Validate(version, action, false, payload); err != nil {
		return nil, ocppj.Errorf(ocppj.FaultFormat, "%s: %v", action, err)
	}
	out, err := json.Marshal(f(ctx, p, payload))
	if err != nil {
		return nil, ocppj.Errorf(ocppj.FaultInternal, "encoding the answer: %v", err)
	}
	if err := validator.Validate(version, action, true, out); err != nil {
		return nil, ocppj.Errorf(ocppj.FaultInternal, "the test's answer to %s: %v", action, err)
	}
	return out, nil
}
