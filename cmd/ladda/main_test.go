package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// server is a Ladda started in-process through run, as a user would start it.
type server struct {
	URL    string // http://127.0.0.1:PORT
	WSURL  string // ws://127.0.0.1:PORT/ocpp
	DB     string
	Key    string // an admin API key
	stderr *syncBuffer
	client *http.Client // for API calls; nil means http.DefaultClient
}

// syncBuffer is a bytes.Buffer safe for the server's logger and the test to share.
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

func noEnv(string) string { return "" }

// startServer runs "ladda serve" on a free loopback port with a fresh SQLite database and
// stops it when the test ends, failing the test if it does not stop cleanly.
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	s := &server{DB: filepath.Join(t.TempDir(), "ladda.db"), stderr: &syncBuffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--listen", "127.0.0.1:0", "--db", s.DB, "--data-dir", filepath.Join(filepath.Dir(s.DB), "data"), "--log-level", "debug"}, args...), noEnv, pw, s.stderr)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("server did not start: %v; err=%v\nlog:\n%s", err, <-done, s.stderr.String())
	}
	go io.Copy(io.Discard, pr)
	addr := strings.TrimSpace(strings.TrimPrefix(line, "ladda: listening on "))
	s.URL = addr
	s.WSURL = "ws" + strings.TrimPrefix(addr, "http") + "/ocpp"
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop within 20s")
		}
		if t.Failed() {
			t.Logf("server log:\n%s", s.stderr.String())
		}
	})
	s.Key = createKey(t, s.DB)
	return s
}

// createKey runs "ladda apikey create" and returns the key, the last line it printed.
func createKey(t *testing.T, db string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"apikey", "create", "--db", db, "--data-dir", filepath.Join(filepath.Dir(db), "data"), "--name", "test"}, noEnv, &out, &errOut); err != nil {
		t.Fatalf("apikey create: %v\n%s", err, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	return lines[len(lines)-1]
}

// call sends an API request with the server's key and decodes the JSON answer into out (if
// not nil), returning the status.
func (s *server) call(t *testing.T, method, path string, body any, out any) int {
	t.Helper()
	return s.callWithKey(t, s.Key, method, path, body, out)
}

func (s *server) callWithKey(t *testing.T, key, method, path string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	client := s.client
	if client == nil {
		client = http.DefaultClient
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d, body not JSON: %v\n%s", method, path, res.StatusCode, err, data)
		}
	}
	return res.StatusCode
}

// mustCall is call that fails the test unless the status is want.
func (s *server) mustCall(t *testing.T, want int, method, path string, body any, out any) {
	t.Helper()
	var raw json.RawMessage
	got := s.call(t, method, path, body, &raw)
	if got != want {
		t.Fatalf("%s %s = %d, want %d: %s", method, path, got, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

func TestRunUsage(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), nil, noEnv, &out, &errOut); err == nil || exitCode(err) != 2 {
		t.Fatalf("no command: err=%v, want a usage error", err)
	}
	if err := run(context.Background(), []string{"fly"}, noEnv, &out, &errOut); err == nil || !strings.Contains(err.Error(), "fly") {
		t.Fatalf("unknown command: err=%v", err)
	}
	if err := run(context.Background(), []string{"serve", "--max-frame-size", "1"}, noEnv, &out, &errOut); err == nil || !strings.Contains(err.Error(), "max-frame-size") {
		t.Fatalf("bad flag: err=%v, want one naming --max-frame-size", err)
	}
}

func TestHealthReadinessAndAuth(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		res, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("GET %s = %d, want 200", path, res.StatusCode)
		}
	}
	var body map[string]any
	if got := s.callWithKey(t, "", "GET", "/api/v1/stations", nil, &body); got != 401 || body == nil {
		t.Errorf("no key: %d %v, want 401 with a JSON body", got, body)
	}
	if got := s.callWithKey(t, "ladda_wrongwrongwrong", "GET", "/api/v1/stations", nil, &body); got != 401 {
		t.Errorf("wrong key: %d, want 401", got)
	}
	if got := s.call(t, "GET", "/api/v1/stations", nil, &body); got != 200 {
		t.Errorf("good key: %d, want 200", got)
	}
	res, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(metrics), "ladda_ocpp_connections") {
		t.Errorf("/metrics lacks ladda_ocpp_connections")
	}
}

func TestAPIKeyCreateWhileServerRuns(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	second := createKey(t, s.DB) // the server holds the database open
	if !strings.HasPrefix(second, "ladda_") || second == s.Key {
		t.Fatalf("second key %q", second)
	}
	if got := s.callWithKey(t, second, "GET", "/api/v1/stations", nil, nil); got != 200 {
		t.Fatalf("key created beside a running server: %d, want 200", got)
	}
}
