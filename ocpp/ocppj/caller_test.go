package ocppj

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakePeer is the far end of a Caller: it receives the frames the Caller sends and checks
// that no two CALLs are ever outstanding at once.
type fakePeer struct {
	tb          testing.TB
	frames      chan Message
	outstanding atomic.Int32
	overlaps    atomic.Int32
	sendErr     error
}

func newFakePeer(tb testing.TB) *fakePeer {
	return &fakePeer{tb: tb, frames: make(chan Message, 100)}
}

func (p *fakePeer) send(frame []byte) error {
	if p.sendErr != nil {
		return p.sendErr
	}
	m, err := Parse(frame)
	if err != nil {
		p.tb.Errorf("Caller sent a bad frame %s: %v", frame, err)
		return nil
	}
	if p.outstanding.Add(1) > 1 {
		p.overlaps.Add(1)
	}
	// Copy: the Caller reuses frame buffers.
	m.Payload = append(json.RawMessage(nil), m.Payload...)
	p.frames <- m
	return nil
}

// next returns the next CALL the Caller sent.
func (p *fakePeer) next() Message {
	p.tb.Helper()
	select {
	case m := <-p.frames:
		return m
	case <-time.After(10 * time.Second):
		p.tb.Fatal("no CALL was sent")
		return Message{}
	}
}

// answer delivers an answer to c and marks the CALL as no longer outstanding.
func (p *fakePeer) answer(c *Caller, m Message) bool {
	p.outstanding.Add(-1)
	return c.Deliver(m)
}

type callReturn struct {
	payload json.RawMessage
	err     error
}

// goCall runs c.Call in a goroutine and returns a channel with its result.
func goCall(ctx context.Context, c *Caller, action string) <-chan callReturn {
	ch := make(chan callReturn, 1)
	go func() {
		p, err := c.Call(ctx, action, json.RawMessage(`{"n":1}`))
		ch <- callReturn{p, err}
	}()
	return ch
}

func wait(tb testing.TB, ch <-chan callReturn) callReturn {
	tb.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		tb.Fatal("Call did not return")
		return callReturn{}
	}
}

func TestCallerRoundTrip(t *testing.T) {
	t.Parallel()
	peer := newFakePeer(t)
	c := NewCaller(peer.send, time.Minute)
	defer c.Close()

	res := goCall(context.Background(), c, "Reset")
	m := peer.next()
	if m.Type != Call || m.Action != "Reset" || string(m.Payload) != `{"n":1}` {
		t.Fatalf("sent %+v", m)
	}
	answer := []byte(`[3,"` + m.ID + `",{"status":"Accepted"}]`)
	if !peer.answer(c, MustParse(t, answer)) {
		t.Fatal("Deliver = false for the outstanding call")
	}
	copy(answer, "XXXXXXXXXXXXXXXXXXXXXXXXXXXX") // Deliver must have copied the payload
	r := wait(t, res)
	if r.err != nil || string(r.payload) != `{"status":"Accepted"}` {
		t.Fatalf("Call = %s, %v", r.payload, r.err)
	}
}

func TestCallerCallError(t *testing.T) {
	t.Parallel()
	peer := newFakePeer(t)
	c := NewCaller(peer.send, time.Minute)
	defer c.Close()

	res := goCall(context.Background(), c, "UnlockConnector")
	m := peer.next()
	peer.answer(c, MustParse(t, AppendError(nil, OCPP16, m.ID, &Error{Fault: FaultOccurrence, Description: "connectorId missing", Details: json.RawMessage(`{"field":"connectorId"}`)})))
	r := wait(t, res)
	var e *Error
	if !errors.As(r.err, &e) {
		t.Fatalf("Call error = %v, want *Error", r.err)
	}
	if e.Code != CodeOccurenceConstraintViolation || e.Fault != FaultOccurrence || e.ID != m.ID ||
		e.Description != "connectorId missing" || string(e.Details) != `{"field":"connectorId"}` {
		t.Errorf("Call error = %+v", e)
	}
}

func TestCallerOneAtATime(t *testing.T) {
	t.Parallel()
	peer := newFakePeer(t)
	c := NewCaller(peer.send, time.Minute)
	defer c.Close()

	const n = 20
	results := make([]<-chan callReturn, n)
	for i := range n {
		results[i] = goCall(context.Background(), c, "GetConfiguration")
	}
	seen := map[string]bool{}
	for range n {
		m := peer.next()
		if seen[m.ID] {
			t.Fatalf("id %s sent twice", m.ID)
		}
		seen[m.ID] = true
		if !peer.answer(c, Message{Type: CallResult, ID: m.ID, Payload: json.RawMessage(`{"id":"` + m.ID + `"}`)}) {
			t.Fatalf("Deliver(%s) = false", m.ID)
		}
	}
	for i, ch := range results {
		r := wait(t, ch)
		if r.err != nil {
			t.Errorf("call %d: %v", i, r.err)
		}
	}
	if o := peer.overlaps.Load(); o != 0 {
		t.Errorf("%d CALLs were sent while another was outstanding", o)
	}
}

func TestCallerTimeout(t *testing.T) {
	t.Parallel()
	peer := newFakePeer(t)
	c := NewCaller(peer.send, 20*time.Millisecond)
	defer c.Close()

	res := goCall(context.Background(), c, "Reset")
	m := peer.next()
	r := wait(t, res)
	if !errors.Is(r.err, ErrTimeout) {
		t.Fatalf("Call error = %v, want ErrTimeout", r.err)
	}
	// The answer comes late: nobody waits for it any more.
	if peer.answer(c, Message{Type: CallResult, ID: m.ID, Payload: json.RawMessage(`{}`)}) {
		t.Error("Deliver of a late answer = true, want false")
	}
	// The turn is free again.
	res = goCall(context.Background(), c, "Reset")
	m = peer.next()
	peer.answer(c, Message{Type: CallResult, ID: m.ID, Payload: json.RawMessage(`{}`)})
	if r := wait(t, res); r.err != nil {
		t.Errorf("call after a timeout: %v", r.err)
	}
}

func TestCallerDeliverIgnoresStrangers(t *testing.T) {
	t.Parallel()
	peer := newFakePeer(t)
	c := NewCaller(peer.send, time.Minute)
	defer c.Close()

	if c.Deliver(Message{Type: CallResult, ID: "nobody"}) {
		t.Error("Deliver with no call outstanding = true")
	}
	res := goCall(context.Background(), c, "Reset")
	m := peer.next()
	if c.Deliver(Message{Type: CallResult, ID: m.ID + "x"}) {
		t.Error("Deliver of an unknown id = true")
	}
	if c.Deliver(Message{Type: Call, ID: m.ID, Action: "Reset"}) {
		t.Error("Deliver of a CALL = true")
	}
	if !c.Fail(m.ID, Errorf(FaultFormat, "unreadable answer")) {
		t.Fatal("Fail = false for the outstanding call")
	}
	r := wait(t, res)
	var e *Error
	if !errors.As(r.err, &e) || e.Fault != FaultFormat {
		t.Errorf("Call error = %v, want the error given to Fail", r.err)
	}
	if c.Fail(m.ID, errors.New("again")) {
		t.Error("second Fail = true")
	}
}

func TestCallerClose(t *testing.T) {
	t.Parallel()
	peer := newFakePeer(t)
	c := NewCaller(peer.send, time.Minute)

	first := goCall(context.Background(), c, "Reset")
	peer.next()
	var waiting []<-chan callReturn
	for range 3 {
		waiting = append(waiting, goCall(context.Background(), c, "Reset"))
	}
	c.Close()
	c.Close() // idempotent
	for _, ch := range append(waiting, first) {
		if r := wait(t, ch); !errors.Is(r.err, ErrClosed) {
			t.Errorf("Call error = %v, want ErrClosed", r.err)
		}
	}
	if _, err := c.Call(context.Background(), "Reset", nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Call after Close = %v, want ErrClosed", err)
	}
}

func TestCallerContextCancel(t *testing.T) {
	t.Parallel()
	peer := newFakePeer(t)
	c := NewCaller(peer.send, time.Minute)
	defer c.Close()

	// A call whose context ends returns at once...
	ctx, cancel := context.WithCancel(context.Background())
	first := goCall(ctx, c, "Reset")
	m1 := peer.next()
	cancel()
	if r := wait(t, first); !errors.Is(r.err, context.Canceled) {
		t.Fatalf("Call error = %v, want context.Canceled", r.err)
	}
	// ...but keeps its turn until its answer comes, so the next CALL waits for that answer.
	second := goCall(context.Background(), c, "Reset")
	// A call still waiting for its turn gives up when its context ends.
	ctx3, cancel3 := context.WithCancel(context.Background())
	third := goCall(ctx3, c, "Reset")
	cancel3()
	if r := wait(t, third); !errors.Is(r.err, context.Canceled) {
		t.Fatalf("waiting Call error = %v, want context.Canceled", r.err)
	}
	if !peer.answer(c, Message{Type: CallResult, ID: m1.ID, Payload: json.RawMessage(`{}`)}) {
		t.Fatal("Deliver for the cancelled but outstanding call = false")
	}
	m2 := peer.next()
	peer.answer(c, Message{Type: CallResult, ID: m2.ID, Payload: json.RawMessage(`{"ok":true}`)})
	if r := wait(t, second); r.err != nil || string(r.payload) != `{"ok":true}` {
		t.Errorf("second Call = %s, %v", r.payload, r.err)
	}
	if o := peer.overlaps.Load(); o != 0 {
		t.Errorf("%d CALLs were sent while another was outstanding", o)
	}
	// A context that has ended already fails before anything is sent.
	if _, err := c.Call(ctx, "Reset", nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Call with a done context = %v", err)
	}
}

func TestCallerSendError(t *testing.T) {
	t.Parallel()
	peer := newFakePeer(t)
	peer.sendErr = errors.New("broken pipe")
	c := NewCaller(peer.send, time.Minute)
	defer c.Close()
	for range 2 { // the turn is released after a failed send
		_, err := c.Call(context.Background(), "Reset", nil)
		if !errors.Is(err, peer.sendErr) {
			t.Fatalf("Call error = %v, want the send error", err)
		}
	}
}

func TestCallerIDsUnique(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	ids := map[string]bool{}
	var c *Caller
	c = NewCaller(func(frame []byte) error {
		m, err := Parse(frame)
		if err != nil {
			return err
		}
		mu.Lock()
		dup := ids[m.ID]
		ids[m.ID] = true
		mu.Unlock()
		if dup || len(m.ID) > MaxIDLength {
			t.Errorf("bad id %q (duplicate %v)", m.ID, dup)
		}
		go c.Deliver(Message{Type: CallResult, ID: m.ID, Payload: json.RawMessage(`{}`)})
		return nil
	}, time.Minute)
	defer c.Close()
	for range 5000 {
		if _, err := c.Call(context.Background(), "Heartbeat", nil); err != nil {
			t.Fatal(err)
		}
	}
}
