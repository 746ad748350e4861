package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/ocpp/ocppj"
)

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no authenticator", Config{Dispatcher: rec}, "Authenticator"},
		{"no dispatcher", Config{Authenticator: allowAll}, "Dispatcher"},
		{"negative frame size", Config{Authenticator: allowAll, Dispatcher: rec, MaxFrameSize: -1}, "MaxFrameSize"},
		{"unknown subprotocol", Config{Authenticator: allowAll, Dispatcher: rec, Subprotocols: []string{"ocpp1.5"}}, "Subprotocols"},
	}
	for _, tt := range tests {
		if _, err := New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New error = %v, want one naming %s", tt.name, err, tt.want)
		}
	}
}

func TestSubprotocolChoice(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil)
	tests := []struct {
		offer   []string
		want    string
		dialect ocppj.Dialect
	}{
		{[]string{"ocpp1.6"}, "ocpp1.6", ocppj.OCPP16},
		{[]string{"ocpp2.0.1"}, "ocpp2.0.1", ocppj.OCPP201},
		{[]string{"ocpp1.6", "ocpp2.0.1"}, "ocpp2.0.1", ocppj.OCPP201}, // the server's preference wins
		{[]string{"ocpp2.1", "ocpp1.6"}, "ocpp1.6", ocppj.OCPP16},
		{[]string{"ocpp1.5", "ocpp2.0.1", "ocpp1.6"}, "ocpp2.0.1", ocppj.OCPP201},
	}
	for i, tt := range tests {
		id := fmt.Sprintf("CP-sub-%d", i)
		c := MustDial(t, ts, id, DialOptions{Subprotocols: tt.offer})
		if got := c.Subprotocol(); got != tt.want {
			t.Errorf("offer %v: client got subprotocol %q, want %q", tt.offer, got, tt.want)
		}
		MustCall(t, c, "Heartbeat", `{}`) // the session is open once a call went through
		p, ok := ts.Peer(id)
		if !ok || p.Subprotocol != tt.want || p.Dialect != tt.dialect || p.StationID != id || p.TLS || p.RemoteAddr == "" {
			t.Errorf("offer %v: Peer = %+v, %v", tt.offer, p, ok)
		}
	}
}

func TestSubprotocolRefused(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil)
	for _, offer := range [][]string{{"ocpp1.5"}, {"ocpp2.0", "json"}} {
		_, err := Dial(context.Background(), ts.url+"CP-old", DialOptions{Subprotocols: offer})
		if !errors.Is(err, ErrNoSubprotocol) {
			t.Errorf("offer %v: Dial error = %v, want ErrNoSubprotocol", offer, err)
		}
	}
	if got := ts.Stats().Refused; got != 2 {
		t.Errorf("Stats.Refused = %d, want 2", got)
	}
	if ts.Count() != 0 || len(ts.rec.snapshot()) != 0 {
		t.Errorf("refused stations must not connect: count %d, events %q", ts.Count(), ts.rec.snapshot())
	}
}

func TestBadStationPath(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil)
	for _, path := range []string{"", "a%2Fb", "sp%20ace", "per%25cent", strings.Repeat("x", 49), "CP-1/", "a%3Fb"} {
		_, err := Dial(context.Background(), ts.url+path, DialOptions{})
		var de *DialError
		if !errors.As(err, &de) || de.StatusCode != http.StatusNotFound || !strings.Contains(de.Body, `"error":`) {
			t.Errorf("path %q: Dial error = %v, want HTTP 404 with a JSON error", path, err)
		}
	}
}

func TestNotAnUpgrade(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil)
	resp, err := http.Get(ts.http.URL + "/ocpp/CP-1")
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusUpgradeRequired || resp.Header.Get("Content-Type") != "application/json" || !strings.Contains(body, "websocket") {
		t.Errorf("plain GET = %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

func TestCallsFromStation(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil)
	for _, sub := range []string{"ocpp1.6", "ocpp2.0.1"} {
		c := MustDial(t, ts, "CP-calls-"+sub, DialOptions{Subprotocols: []string{sub}})
		if got := MustCall(t, c, "Echo", `{"a":[1,"b"]}`); got != `{"a":[1,"b"]}` {
			t.Errorf("%s: Echo = %s", sub, got)
		}
		_, err := c.Call(context.Background(), "FooBar", json.RawMessage(`{}`))
		var e *ocppj.Error
		if !errors.As(err, &e) || e.Code != ocppj.CodeNotImplemented {
			t.Errorf("%s: unknown action error = %v, want NotImplemented", sub, err)
		}
	}
}

func TestDispatcherSeesPeer(t *testing.T) {
	t.Parallel()
	got := make(chan Peer, 1)
	ts := MustServer(t, func(c *Config) {
		rec := newRecorder()
		rec.handle = func(_ context.Context, p Peer, _ string, _ json.RawMessage) (json.RawMessage, *ocppj.Error) {
			got <- p
			return nil, nil
		}
		c.Dispatcher = rec
	})
	c := MustDial(t, ts, "CP%2Desc", DialOptions{Subprotocols: []string{"ocpp1.6"}}) // %2D is '-'
	if res := MustCall(t, c, "Heartbeat", `{}`); res != `{}` {
		t.Errorf("a nil payload must be sent as {}, got %s", res)
	}
	p := <-got
	if p.StationID != "CP-esc" || p.Subprotocol != "ocpp1.6" || p.Dialect != ocppj.OCPP16 {
		t.Errorf("HandleCall saw Peer %+v", p)
	}
}

func TestHandlerPanicIsInternalError(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, func(c *Config) {
		rec := newRecorder()
		rec.handle = func(_ context.Context, _ Peer, action string, payload json.RawMessage) (json.RawMessage, *ocppj.Error) {
			if action == "Boom" {
				panic("boom")
			}
			return payload, nil
		}
		c.Dispatcher = rec
	})
	c := MustDial(t, ts, "CP-panic", DialOptions{})
	_, err := c.Call(context.Background(), "Boom", nil)
	var e *ocppj.Error
	if !errors.As(err, &e) || e.Code != ocppj.CodeInternalError {
		t.Errorf("panicking handler: error = %v, want InternalError", err)
	}
	if got := MustCall(t, c, "Echo", `{"still":"alive"}`); got != `{"still":"alive"}` {
		t.Errorf("after a panic, Echo = %s", got)
	}
}

// TestCallsHandledInOrder pipelines CALLs (against the spec's advice, as some stations do):
// the server must handle them one at a time, in order, and answer in that order.
func TestCallsHandledInOrder(t *testing.T) {
	t.Parallel()
	var inFlight, overlaps atomic.Int32
	var mu sync.Mutex
	var order []string
	ts := MustServer(t, func(c *Config) {
		rec := newRecorder()
		rec.handle = func(_ context.Context, _ Peer, _ string, payload json.RawMessage) (json.RawMessage, *ocppj.Error) {
			if inFlight.Add(1) > 1 {
				overlaps.Add(1)
			}
			time.Sleep(2 * time.Millisecond) // give an overlap the chance to happen
			mu.Lock()
			order = append(order, string(payload))
			mu.Unlock()
			inFlight.Add(-1)
			return payload, nil
		}
		c.Dispatcher = rec
	})
	frames := make(chan string, 100)
	c := MustDial(t, ts, "CP-order", DialOptions{OnFrame: func(f []byte) { frames <- string(f) }})
	const n = 20 // more than queueSize, so the read loop has to wait for the worker too
	for i := range n {
		if err := c.SendRaw(fmt.Appendf(nil, `[2,"m%d","Echo",{"i":%d}]`, i, i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		select {
		case f := <-frames:
			if want := fmt.Sprintf(`[3,"m%d",{"i":%d}]`, i, i); f != want {
				t.Fatalf("answer %d = %s, want %s", i, f, want)
			}
		case <-time.After(waitLimit):
			t.Fatalf("answer %d missing", i)
		}
	}
	if overlaps.Load() != 0 {
		t.Errorf("%d CALLs ran concurrently", overlaps.Load())
	}
	mu.Lock()
	defer mu.Unlock()
	for i, p := range order {
		if want := fmt.Sprintf(`{"i":%d}`, i); p != want {
			t.Errorf("handled %d-th: %s, want %s", i, p, want)
		}
	}
}

// TestDispatcherCallsBack checks that a HandleCall may itself call the station and wait for
// the answer: the read loop must stay free while a CALL is being handled.
func TestDispatcherCallsBack(t *testing.T) {
	t.Parallel()
	var srv *Server
	ts := MustServer(t, func(c *Config) {
		rec := newRecorder()
		rec.handle = func(ctx context.Context, p Peer, action string, _ json.RawMessage) (json.RawMessage, *ocppj.Error) {
			res, err := srv.Call(ctx, p.StationID, "GetConfiguration", json.RawMessage(`{}`))
			if err != nil {
				return nil, ocppj.Errorf(ocppj.FaultInternal, "%v", err)
			}
			return res, nil
		}
		c.Dispatcher = rec
	})
	srv = ts.Server
	c := MustDial(t, ts, "CP-back", DialOptions{
		OnCall: func(_ context.Context, action string, _ json.RawMessage) (json.RawMessage, *ocppj.Error) {
			return json.RawMessage(`{"configurationKey":[]}`), nil
		},
	})
	if got := MustCall(t, c, "BootNotification", `{}`); got != `{"configurationKey":[]}` {
		t.Errorf("BootNotification = %s", got)
	}
}

func TestServerCall(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, func(c *Config) { c.CallTimeout = 200 * time.Millisecond })
	release := make(chan struct{})
	defer close(release)
	c := MustDial(t, ts, "CP-srv", DialOptions{
		Subprotocols: []string{"ocpp1.6"},
		OnCall: func(ctx context.Context, action string, payload json.RawMessage) (json.RawMessage, *ocppj.Error) {
			switch action {
			case "Reset":
				return json.RawMessage(`{"status":"Accepted"}`), nil
			case "UnlockConnector":
				return nil, &ocppj.Error{Fault: ocppj.FaultProperty, Description: "no connector 9"}
			case "Slow":
				select {
				case <-release:
				case <-ctx.Done():
				}
				return nil, nil
			}
			return nil, ocppj.Errorf(ocppj.FaultNotSupported, "%s", action)
		},
	})
	MustCall(t, c, "Heartbeat", `{}`)
	ctx := context.Background()

	res, err := ts.Call(ctx, "CP-srv", "Reset", json.RawMessage(`{"type":"Soft"}`))
	if err != nil || string(res) != `{"status":"Accepted"}` {
		t.Errorf("Call Reset = %s, %v", res, err)
	}

	_, err = ts.Call(ctx, "CP-srv", "UnlockConnector", json.RawMessage(`{"connectorId":9}`))
	var e *ocppj.Error
	if !errors.As(err, &e) || e.Code != ocppj.CodePropertyConstraintViolation || e.Description != "no connector 9" {
		t.Errorf("Call UnlockConnector error = %#v, want the station's CALLERROR", err)
	}

	_, err = ts.Call(ctx, "CP-srv", "Slow", nil)
	if !errors.Is(err, ocppj.ErrTimeout) || !ladda.IsKind(err, ladda.Timeout) {
		t.Errorf("Call Slow error = %v, want a ladda Timeout wrapping ocppj.ErrTimeout", err)
	}

	_, err = ts.Call(ctx, "CP-nobody", "Reset", nil)
	var le *ladda.Error
	if !errors.As(err, &le) || le.Kind != ladda.Conflict || le.Message != "station CP-nobody is not connected" {
		t.Errorf("Call to an absent station error = %v, want Conflict %q", err, "station CP-nobody is not connected")
	}
}

func TestReplaceOnReconnect(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil)
	answer := func(tag string) DialOptions {
		return DialOptions{OnCall: func(context.Context, string, json.RawMessage) (json.RawMessage, *ocppj.Error) {
			return json.RawMessage(`{"conn":"` + tag + `"}`), nil
		}}
	}
	first := MustDial(t, ts, "CP-R", answer("first"))
	MustCall(t, first, "Heartbeat", `{}`)
	second := MustDial(t, ts, "CP-R", answer("second"))
	waitDone(t, first)
	var ce *CloseError
	if err := first.Err(); !errors.As(err, &ce) || ce.Code != 1000 || !strings.Contains(ce.Reason, "replaced") {
		t.Errorf("first connection ended with %v, want close 1000 replaced", err)
	}
	MustCall(t, second, "Heartbeat", `{}`)
	want := []string{"connected CP-R ocpp2.0.1", "disconnected CP-R", "connected CP-R ocpp2.0.1"}
	if got := ts.rec.waitEvents(t, 3); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("events = %q, want %q", got, want)
	}
	if ts.Count() != 1 {
		t.Errorf("Count = %d, want 1", ts.Count())
	}
	res, err := ts.Call(context.Background(), "CP-R", "Reset", nil)
	if err != nil || string(res) != `{"conn":"second"}` {
		t.Errorf("Call after reconnect = %s, %v; want it to reach the second connection", res, err)
	}
}

func TestDisconnect(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil)
	c := MustDial(t, ts, "CP-D", DialOptions{})
	MustCall(t, c, "Heartbeat", `{}`)
	if !ts.Disconnect("CP-D") {
		t.Fatal("Disconnect = false for a connected station")
	}
	waitDone(t, c)
	if got := ts.rec.waitEvents(t, 2); got[1] != "disconnected CP-D" {
		t.Errorf("events = %q", got)
	}
	waitUntil(t, "the station is gone", func() bool { return ts.Count() == 0 })
	if ts.Disconnect("CP-D") {
		t.Error("Disconnect = true for a station no longer connected")
	}
	if _, ok := ts.Peer("CP-D"); ok {
		t.Error("Peer found after Disconnect")
	}
}

func TestFrameTooBig(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, func(c *Config) { c.MaxFrameSize = 1024 })
	c := MustDial(t, ts, "CP-big", DialOptions{})
	MustCall(t, c, "Echo", `{"fits":"`+strings.Repeat("x", 900)+`"}`)
	if err := c.SendRaw([]byte(`[2,"1","Echo",{"big":"` + strings.Repeat("x", 2000) + `"}]`)); err != nil {
		t.Fatal(err)
	}
	waitDone(t, c)
	var ce *CloseError
	if err := c.Err(); !errors.As(err, &ce) || ce.Code != 1009 {
		t.Errorf("connection ended with %v, want close code 1009", err)
	}
	if got := ts.rec.waitEvents(t, 2); got[1] != "disconnected CP-big" {
		t.Errorf("events = %q", got)
	}
}

func TestShutdown(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil)
	var clients []*ClientConn
	for i := range 3 {
		c := MustDial(t, ts, fmt.Sprintf("CP-S%d", i), DialOptions{})
		MustCall(t, c, "Heartbeat", `{}`)
		clients = append(clients, c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := ts.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	// Shutdown has returned: every session has ended and was reported.
	disconnected := 0
	for _, ev := range ts.rec.snapshot() {
		if strings.HasPrefix(ev, "disconnected") {
			disconnected++
		}
	}
	if disconnected != 3 || ts.Count() != 0 {
		t.Errorf("after Shutdown: %d disconnected, Count %d; want 3 and 0", disconnected, ts.Count())
	}
	for _, c := range clients {
		waitDone(t, c)
		var ce *CloseError
		if err := c.Err(); !errors.As(err, &ce) || ce.Code != 1001 {
			t.Errorf("client ended with %v, want close 1001", err)
		}
	}
	_, err := Dial(context.Background(), ts.url+"CP-late", DialOptions{})
	var de *DialError
	if !errors.As(err, &de) || de.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("Dial after Shutdown = %v, want HTTP 503", err)
	}
	if err := ts.Shutdown(ctx); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
}

func TestShutdownGivesUp(t *testing.T) {
	t.Parallel()
	entered := make(chan struct{})
	ts := MustServer(t, func(c *Config) {
		rec := newRecorder()
		rec.handle = func(ctx context.Context, _ Peer, _ string, _ json.RawMessage) (json.RawMessage, *ocppj.Error) {
			close(entered)
			<-ctx.Done() // only a Shutdown that gives up ends this
			return nil, nil
		}
		c.Dispatcher = rec
	})
	c := MustDial(t, ts, "CP-stuck", DialOptions{})
	if err := c.SendRaw([]byte(`[2,"1","Stuck",{}]`)); err != nil {
		t.Fatal(err)
	}
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := ts.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown with a stuck handler = %v, want DeadlineExceeded", err)
	}
	// The stuck handler's context is now cancelled, so the session ends.
	waitUntil(t, "the stuck session ends", func() bool { return ts.Count() == 0 })
}

func TestManyConnections(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil)
	const n = 300
	clients := make([]*ClientConn, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 32)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			c, err := Dial(ctx, fmt.Sprintf("%sCP-M%03d", ts.url, i), DialOptions{Subprotocols: []string{[]string{"ocpp1.6", "ocpp2.0.1"}[i%2]}})
			if err != nil {
				errs <- err
				return
			}
			clients[i] = c
			if _, err := c.Call(ctx, "Echo", json.RawMessage(fmt.Sprintf(`{"i":%d}`, i))); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := ts.Count(); got != n {
		t.Errorf("Count = %d, want %d", got, n)
	}
	// A frame is counted once written, which may be just after the client has read it.
	st := ts.Stats()
	for deadline := time.Now().Add(waitLimit); st.FramesOut < n && time.Now().Before(deadline); st = ts.Stats() {
		time.Sleep(time.Millisecond)
	}
	if st.Connections != n || st.Accepted != n || st.FramesIn != n || st.FramesOut != n {
		t.Errorf("Stats = %+v", st)
	}
	// Every station gets its own answer.
	for i, c := range clients {
		if c == nil {
			continue
		}
		res, err := ts.Call(context.Background(), fmt.Sprintf("CP-M%03d", i), "Reset", nil)
		var e *ocppj.Error
		if !errors.As(err, &e) || e.Code != ocppj.CodeNotImplemented || res != nil {
			t.Fatalf("station %d: Call = %s, %v; want its NotImplemented", i, res, err)
		}
	}
	for _, c := range clients {
		if c != nil {
			_ = c.Close()
		}
	}
	waitUntil(t, "every station is gone", func() bool { return ts.Count() == 0 })
}
