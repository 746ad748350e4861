package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/account/password"
	"github.com/ladda-csms/ladda/billing"
	"github.com/ladda-csms/ladda/billing/invoicepdf"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/files"
	"github.com/ladda-csms/ladda/firmware"
	"github.com/ladda-csms/ladda/pki"
	"github.com/ladda-csms/ladda/smartcharging"
	"github.com/ladda-csms/ladda/station"
	"github.com/ladda-csms/ladda/store/sqlite"
)

// t0 is the time of the manual clock at the start of every test.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// testPepper keys station passwords in tests.
var testPepper = []byte("httpapi-test-pepper")

// env is one API over a fresh SQLite store, served on loopback, with an admin key.
type env struct {
	url      string
	key      string // an admin API key
	keyID    int64  // its id
	db       *sqlite.DB
	clock    *ladda.ManualClock
	stations *station.Service
	charging *charging.Service
	accounts *account.Service
	billing  *billing.Service
	smart    *smartcharging.Service
	files    *files.Store
	firmware *firmware.Service
	pki      *pki.Service
	logs     *syncBuffer // what the API logged
}

// newEnv starts an env; everything is closed at the end of the test.
func newEnv(tb testing.TB) *env {
	tb.Helper()
	e := openEnv(tb)
	e.serve(tb)
	return e
}

// openEnv makes an env's store, services and admin key, but serves nothing yet: the caller may
// wire more (see newCommandEnv) and then calls serve.
func openEnv(tb testing.TB) *env {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "ladda.db"), sqlite.Options{})
	if err != nil {
		tb.Fatalf("opening the store: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	e := &env{db: db, clock: ladda.NewManualClock(t0), logs: &syncBuffer{}}
	e.stations = station.NewService(db, nil, e.clock, nil, station.Config{Pepper: testPepper})
	e.charging = charging.NewService(db, nil, e.clock, nil, charging.Config{NoShowAfter: noShowAfter})
	e.accounts = account.NewService(db, account.Options{Clock: e.clock, Hasher: testHasher, PublicURL: "https://ladda.test"})
	if e.billing, err = billing.NewService(db, db, billing.Options{Clock: e.clock, Render: invoicepdf.Render, Payments: db, Gateway: testGateway(tb), Stations: e.stations}); err != nil {
		tb.Fatal(err)
	}
	e.charging.SetPricer(e.billing)
	e.smart = smartcharging.NewService(db, e.stations, e.charging, smartcharging.Config{Clock: e.clock})
	// The links name the file store and URL that serve makes.
	e.firmware = firmware.NewService(db, e.stations, func(name string, ttl time.Duration) string { return e.files.FirmwareURL(e.url, name, ttl) },
		e.clock, nil, firmware.Config{})
	ca, err := pki.OpenCA(filepath.Join(tb.TempDir(), "pki"), 0, nil)
	if err != nil {
		tb.Fatal(err)
	}
	// The contract provider stands in for a V2G PKI (Hubject's), which cannot be reached here.
	e.pki = pki.NewService(db, ca, e.stations, pki.Options{CACertificate: ca.Certificate(), OCSP: pki.HTTPOCSP{AllowPrivate: true},
		Contracts: echoProvider{}})
	k, secret, err := e.accounts.CreateAPIKey(ctx, account.KeySpec{Name: "test", Scopes: []account.Scope{account.ScopeAdmin}})
	if err != nil {
		tb.Fatalf("creating an API key: %v", err)
	}
	e.key, e.keyID = secret, k.ID
	return e
}

// serve starts the API of e on loopback.
func (e *env) serve(tb testing.TB) {
	tb.Helper()
	fs, err := files.Open(filepath.Join(tb.TempDir(), "data"), []byte("httpapi-test-files-key"), 64<<10, e.clock)
	if err != nil {
		tb.Fatal(err)
	}
	e.files = fs
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	srv.Start()
	tb.Cleanup(srv.Close)
	e.url = srv.URL
	log := slog.New(slog.NewTextHandler(e.logs, nil))
	mux.Handle(files.Path, fs.Handler(log))
	mux.Handle("/", New(Services{
		Stations:      e.stations,
		Charging:      e.charging,
		Accounts:      e.accounts,
		Billing:       e.billing,
		SmartCharging: e.smart,
		Files:         fs,
		Firmware:      e.firmware,
		PKI:           e.pki,
		PublicURL:     srv.URL,
		Ready:         e.db.Ping,
		Logger:        log,
	}))
}

// response is an HTTP answer, read in full.
type response struct {
	status int
	header http.Header
	body   []byte
}

// call sends a request with the env's admin key. body is marshalled to JSON unless it is a
// string, which is sent as it is; nil sends no body.
func (e *env) call(tb testing.TB, method, path string, body any) *response {
	tb.Helper()
	return e.callWith(tb, method, path, body, "Bearer "+e.key)
}

// callWith sends a request with the given Authorization header ("" for none).
func (e *env) callWith(tb testing.TB, method, path string, body any, authorization string) *response {
	tb.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			tb.Fatalf("marshalling the body: %v", err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.url+path, r)
	if err != nil {
		tb.Fatalf("making request: %v", err)
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	return e.do(tb, req)
}

// do sends req and reads the answer in full.
func (e *env) do(tb testing.TB, req *http.Request) *response {
	tb.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatalf("%s %s: reading the body: %v", req.Method, req.URL.Path, err)
	}
	return &response{status: res.StatusCode, header: res.Header, body: data}
}

// mustStatus fails the test unless the response has the given status.
func (r *response) mustStatus(tb testing.TB, status int) *response {
	tb.Helper()
	if r.status != status {
		tb.Fatalf("status %d, want %d; body: %s", r.status, status, r.body)
	}
	return r
}

// decode unmarshals the body into v, strictly.
func (r *response) decode(tb testing.TB, v any) {
	tb.Helper()
	d := json.NewDecoder(bytes.NewReader(r.body))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		tb.Fatalf("decoding %s: %v", r.body, err)
	}
}

// fields returns the top-level keys of a JSON object body.
func (r *response) fields(tb testing.TB) map[string]json.RawMessage {
	tb.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &m); err != nil {
		tb.Fatalf("body is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

// problem is the error body of every error response (RFC 9457).
type problem struct {
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Message  string `json:"message"`
		Location string `json:"location"`
		Value    any    `json:"value"`
	} `json:"errors"`
}

// mustProblem fails the test unless the response is an error of the given status in the one
// error shape, and returns it.
func (r *response) mustProblem(tb testing.TB, status int) problem {
	tb.Helper()
	r.mustStatus(tb, status)
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		tb.Fatalf("Content-Type %q, want application/problem+json; body: %s", ct, r.body)
	}
	var p problem
	r.decode(tb, &p)
	if p.Status != status || p.Title != http.StatusText(status) || p.Detail == "" {
		tb.Fatalf("problem %+v does not describe status %d", p, status)
	}
	return p
}

// mustStation registers a station through the service and returns its password.
func (e *env) mustStation(tb testing.TB, id string, reg station.Registration) string {
	tb.Helper()
	_, pw, err := e.stations.Register(context.Background(), station.NewStation{ID: ladda.StationID(id), Registration: reg})
	if err != nil {
		tb.Fatalf("registering %s: %v", id, err)
	}
	return pw
}

// mustToken adds an ID token through the service.
func (e *env) mustToken(tb testing.TB, t charging.IDToken) {
	tb.Helper()
	if err := e.charging.CreateIDToken(context.Background(), &t); err != nil {
		tb.Fatalf("creating token %s: %v", t.Token, err)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testHasher hashes passwords cheaply: the tests check the rules, not argon2's cost.
var testHasher = password.NewHasher(password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 16}, 4)
