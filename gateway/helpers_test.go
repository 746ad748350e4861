package gateway

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ladda-csms/ladda/ocpp/ocppj"
)

// waitLimit bounds every wait in these tests; it is a hang guard, not a speed assertion.
const waitLimit = 10 * time.Second

// recorder is a Dispatcher that records what happens and answers CALLs with handle, or by
// default: Echo returns its payload, Heartbeat the time, anything else NotImplemented.
type recorder struct {
	mu      sync.Mutex
	events  []string
	changed chan struct{}
	handle  func(ctx context.Context, p Peer, action string, payload json.RawMessage) (json.RawMessage, *ocppj.Error)
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{}, 1)} }

func (r *recorder) add(ev string) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *recorder) Connected(_ context.Context, p Peer) {
	r.add(fmt.Sprintf("connected %s %s", p.StationID, p.Subprotocol))
}

func (r *recorder) Disconnected(p Peer) { r.add("disconnected " + p.StationID) }

func (r *recorder) HandleCall(ctx context.Context, p Peer, action string, payload json.RawMessage) (json.RawMessage, *ocppj.Error) {
	if r.handle != nil {
		return r.handle(ctx, p, action, payload)
	}
	switch action {
	case "Echo":
		return payload, nil
	case "Heartbeat":
		return json.RawMessage(`{"currentTime":"2025-11-23T17:45:00Z"}`), nil
	}
	return nil, ocppj.Errorf(ocppj.FaultNotImplemented, "unknown action %s", action)
}

// snapshot returns the events so far.
func (r *recorder) snapshot() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...)
}

// waitEvents waits until at least n events happened and returns them.
func (r *recorder) waitEvents(tb testing.TB, n int) []string {
	tb.Helper()
	deadline := time.After(waitLimit)
	for {
		if ev := r.snapshot(); len(ev) >= n {
			return ev
		}
		select {
		case <-r.changed:
		case <-deadline:
			tb.Fatalf("waited for %d events, got %q", n, r.snapshot())
		}
	}
}

var allowAll = AuthenticatorFunc(func(context.Context, Credentials) error { return nil })

// testServer is a Server behind an httptest.Server on 127.0.0.1.
type testServer struct {
	*Server
	rec  *recorder
	http *httptest.Server
	url  string // ws://127.0.0.1:port/ocpp/
}

// MustServer starts a Server with a recorder and allowAll; mutate may change the config.
func MustServer(tb testing.TB, mutate func(*Config)) *testServer {
	tb.Helper()
	return startServer(tb, mutate, nil)
}

// startServer is MustServer, serving TLS with tlsConfig (and httptest's certificate) when
// tlsConfig is not nil.
func startServer(tb testing.TB, mutate func(*Config), tlsConfig *tls.Config) *testServer {
	tb.Helper()
	rec := newRecorder()
	cfg := Config{
		Authenticator: allowAll,
		Dispatcher:    rec,
		Logger:        slog.New(slog.DiscardHandler),
	}
	if mutate != nil {
		mutate(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/ocpp/", srv)
	ts := httptest.NewUnstartedServer(mux)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // refused TLS handshakes are expected
	if tlsConfig != nil {
		ts.TLS = tlsConfig
		ts.StartTLS()
	} else {
		ts.Start()
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			tb.Errorf("Shutdown: %v", err)
		}
		ts.Close()
	})
	return &testServer{Server: srv, rec: rec, http: ts, url: "ws" + strings.TrimPrefix(ts.URL, "http") + "/ocpp/"}
}

// MustDial connects station id to ts and closes the connection at the end of the test.
func MustDial(tb testing.TB, ts *testServer, id string, opts DialOptions) *ClientConn {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	c, err := Dial(ctx, ts.url+id, opts)
	if err != nil {
		tb.Fatalf("Dial %s: %v", id, err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// MustCall makes a call that must succeed.
func MustCall(tb testing.TB, c *ClientConn, action, payload string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	res, err := c.Call(ctx, action, json.RawMessage(payload))
	if err != nil {
		tb.Fatalf("Call %s: %v", action, err)
	}
	return string(res)
}

// waitDone waits until c has ended.
func waitDone(tb testing.TB, c *ClientConn) {
	tb.Helper()
	select {
	case <-c.Done():
	case <-time.After(waitLimit):
		tb.Fatal("connection did not end")
	}
}

// waitUntil polls cond until it holds.
func waitUntil(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// readAll reads and closes an HTTP response body.
func readAll(tb testing.TB, resp *http.Response) string {
	tb.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}
