package ocppj

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultCallTimeout is the timeout of a Caller created with none.
const DefaultCallTimeout = 30 * time.Second

// Caller sends CALLs over one connection and matches the answers to them.
//
// At most one CALL is outstanding at a time: J16 §4.1.1 and P4 §4.1.1 forbid sending a CALL
// before every earlier one was answered or timed out. Further calls wait their turn. A call
// whose context ends stops waiting at once, but its turn stays taken until the answer comes
// or the timeout passes, so the peer never sees two outstanding CALLs.
//
// A Caller is safe for concurrent use.
type Caller struct {
	send    func(frame []byte) error
	timeout time.Duration
	turn    chan struct{} // holds a token while a CALL is outstanding
	done    chan struct{} // closed by Close
	prefix  string
	seq     atomic.Uint64

	mu      sync.Mutex
	pending *pending
	closed  bool
}

type pending struct {
	id    string
	ch    chan outcome // buffered: the finisher never blocks
	timer *time.Timer
}

type outcome struct {
	payload json.RawMessage
	err     error
}

// NewCaller returns a Caller that writes frames with send and waits at most timeout for each
// answer (DefaultCallTimeout when timeout <= 0). send must not keep the frame after it
// returns; it may be called from several goroutines, one at a time.
func NewCaller(send func(frame []byte) error, timeout time.Duration) *Caller {
	if timeout <= 0 {
		timeout = DefaultCallTimeout
	}
	return &Caller{
		send:    send,
		timeout: timeout,
		turn:    make(chan struct{}, 1),
		done:    make(chan struct{}),
		prefix:  idPrefix(),
	}
}

// idPrefix returns 6 random base-36 characters. With the counter after it, ids never repeat
// on one connection and rarely across reconnects, which keeps late answers from matching.
func idPrefix() string {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
	var b [7]byte
	for i := range 6 {
		b[i] = alphabet[rand.IntN(len(alphabet))]
	}
	b[6] = '-'
	return string(b[:])
}

func (c *Caller) nextID() string {
	var buf [32]byte
	b := append(buf[:0], c.prefix...)
	b = strconv.AppendUint(b, c.seq.Add(1), 36)
	return string(b)
}

var framePool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// Call sends a CALL of action with payload and waits for its answer. It returns the
// CALLRESULT payload; a CALLERROR as an *Error carrying the received Code; ErrTimeout when no
// answer came in time; ErrClosed once the Caller is closed; the context's error when ctx ends
// first; a send failure wrapped.
func (c *Caller) Call(ctx context.Context, action string, payload json.RawMessage) (json.RawMessage, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case c.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.done:
		return nil, ErrClosed
	}

	p := &pending{id: c.nextID(), ch: make(chan outcome, 1)}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		<-c.turn
		return nil, ErrClosed
	}
	c.pending = p
	p.timer = time.AfterFunc(c.timeout, func() { c.finish(p, outcome{err: ErrTimeout}) })
	c.mu.Unlock()

	bp := framePool.Get().(*[]byte)
	frame := AppendCall((*bp)[:0], p.id, action, payload)
	err := c.send(frame)
	if cap(frame) <= 64<<10 {
		*bp = frame[:0]
		framePool.Put(bp)
	}
	if err != nil {
		c.finish(p, outcome{err: fmt.Errorf("ocppj: send %s: %w", action, err)})
	}

	select {
	case o := <-p.ch:
		return o.payload, o.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// finish ends call p with o, unless something else ended it first, and frees the turn.
func (c *Caller) finish(p *pending, o outcome) bool {
	c.mu.Lock()
	if c.pending != p {
		c.mu.Unlock()
		return false
	}
	c.pending = nil
	c.mu.Unlock()
	p.timer.Stop()
	p.ch <- o
	<-c.turn
	return true
}

// claim returns the outstanding call with message id, or nil.
func (c *Caller) claim(id string) *pending {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending == nil || c.pending.id != id {
		return nil
	}
	return c.pending
}

// Deliver hands an incoming CALLRESULT or CALLERROR to the call waiting for its id. It
// reports false when no call waits for that id (a late answer after a timeout, or an unknown
// id), or when m is not an answer; the caller then drops the frame (and may log it). Deliver
// copies what it keeps, so m may alias a reused buffer.
func (c *Caller) Deliver(m Message) bool {
	p := c.claim(m.ID)
	if p == nil {
		return false
	}
	var o outcome
	switch m.Type {
	case CallResult:
		o.payload = clone(m.Payload)
	case CallError:
		o.err = &Error{
			Fault:       FaultOf(m.Code),
			Code:        m.Code,
			ID:          m.ID,
			Description: m.Description,
			Details:     clone(m.Details),
		}
	default:
		return false
	}
	return c.finish(p, o)
}

// Fail ends the call waiting for message id with err, for an answer that arrived but could
// not be parsed. It reports false when no call waits for that id.
func (c *Caller) Fail(id string, err error) bool {
	p := c.claim(id)
	if p == nil {
		return false
	}
	return c.finish(p, outcome{err: err})
}

// Close ends the outstanding call and every waiting one with ErrClosed; later calls fail at
// once. Close is idempotent.
func (c *Caller) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	p := c.pending
	c.mu.Unlock()
	close(c.done)
	if p != nil {
		c.finish(p, outcome{err: ErrClosed})
	}
}

func clone(b json.RawMessage) json.RawMessage {
	if b == nil {
		return nil
	}
	return append(json.RawMessage(nil), b...)
}
