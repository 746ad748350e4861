package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lxzan/gws"

	"github.com/ladda-csms/ladda/ocpp/ocppj"
)

// readBufferSize is the per-connection read buffer. See the package doc.
const readBufferSize = 1024

// queueSize bounds the CALLs from one peer waiting to be handled. A well-behaved peer has at
// most one outstanding (J16 §4.1.1, P4 §4.1.1); when a peer sends more than this, its read loop
// waits, and TCP pushes back on it.
const queueSize = 8

// callHandler answers one CALL.
type callHandler func(ctx context.Context, action string, payload json.RawMessage) (json.RawMessage, *ocppj.Error)

// counters are the statistics one Server (or nothing, on the client side) keeps.
type counters struct {
	accepted, refused, framesIn, framesOut, protocolErrors atomic.Uint64
}

// epoch is the base of monotonic timestamps kept as integers.
var epoch = time.Now()

func monotonic() int64 { return int64(time.Since(epoch)) }

// endpoint is one OCPP-J connection, on either side. It parses inbound frames, queues inbound
// CALLs for a worker goroutine started on demand (so they are handled one at a time, in
// order, while the read loop stays free to take the answers to our own CALLs), and hands
// answers to its Caller.
type endpoint struct {
	socket       *gws.Conn
	dialect      ocppj.Dialect
	caller       *ocppj.Caller
	handle       callHandler
	ctx          context.Context // passed to handle
	log          *slog.Logger
	name         string // the station id, for logs
	stats        *counters
	writeTimeout time.Duration
	onFrame      func(frame []byte)

	queue   chan *inCall
	working atomic.Bool
	worker  sync.WaitGroup
	closed  atomic.Bool

	lastSeen atomic.Int64 // monotonic time of the last frame (of any kind) from the peer
}

// inCall is a CALL waiting for the worker. It keeps the gws message, whose buffer the parsed
// payload aliases, until the answer is written.
type inCall struct {
	msg *gws.Message
	m   ocppj.Message
}

func (e *endpoint) init(socket *gws.Conn, dialect ocppj.Dialect, callTimeout time.Duration) {
	e.socket = socket
	e.dialect = dialect
	e.queue = make(chan *inCall, queueSize)
	e.caller = ocppj.NewCaller(e.write, callTimeout)
	e.lastSeen.Store(monotonic())
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// write sends one text frame. Writes from several goroutines are serialised by gws; each one
// has a deadline so that a peer that stopped reading cannot block a writer for ever.
func (e *endpoint) write(frame []byte) error {
	_ = e.socket.NetConn().SetWriteDeadline(time.Now().Add(e.writeTimeout))
	if err := e.socket.WriteMessage(gws.OpcodeText, frame); err != nil {
		return err
	}
	if e.stats != nil {
		e.stats.framesOut.Add(1)
	}
	return nil
}

func (e *endpoint) ping() error {
	_ = e.socket.NetConn().SetWriteDeadline(time.Now().Add(e.writeTimeout))
	return e.socket.WritePing(nil)
}

// closeWith closes the connection with a close frame; the read loop then ends. CALLs queued
// and not yet started are dropped.
func (e *endpoint) closeWith(code uint16, reason string) {
	e.closed.Store(true)
	_ = e.socket.NetConn().SetWriteDeadline(time.Now().Add(e.writeTimeout))
	_ = e.socket.WriteClose(code, []byte(reason))
}

// onPing answers a ping with a pong carrying the same data (RFC 6455 §5.5.3).
func (e *endpoint) onPing(payload []byte) {
	e.lastSeen.Store(monotonic())
	_ = e.socket.NetConn().SetWriteDeadline(time.Now().Add(e.writeTimeout))
	_ = e.socket.WritePong(payload)
}

func (e *endpoint) onPong() { e.lastSeen.Store(monotonic()) }

// onMessage handles one inbound data frame. It runs on the read loop.
func (e *endpoint) onMessage(msg *gws.Message) {
	e.lastSeen.Store(monotonic())
	if e.stats != nil {
		e.stats.framesIn.Add(1)
	}
	data := msg.Bytes()
	if e.onFrame != nil {
		e.onFrame(append([]byte(nil), data...))
	}
	m, err := ocppj.Parse(data)
	if err != nil {
		_ = msg.Close()
		e.badFrame(m, err)
		return
	}
	switch m.Type {
	case ocppj.Call:
		e.enqueue(&inCall{msg: msg, m: m})
	default: // CallResult, CallError
		if !e.caller.Deliver(m) {
			e.log.Debug("gateway: dropped an answer nobody waits for (late or unknown id)", "station", e.name, "id", m.ID, "type", m.Type)
		}
		_ = msg.Close()
	}
}

// badFrame reacts to a frame Parse rejected; the connection stays open.
func (e *endpoint) badFrame(m ocppj.Message, err error) {
	if e.stats != nil {
		e.stats.protocolErrors.Add(1)
	}
	var perr *ocppj.Error
	if !errors.As(err, &perr) {
		perr = ocppj.Errorf(ocppj.FaultRPCFramework, "%v", err)
	}
	switch {
	case perr.Fault == ocppj.FaultMessageTypeNotSupported && e.dialect == ocppj.OCPP16:
		// J16 §4.1.3: a message with a type number not in the list is ignored.
		e.log.Info("gateway: ignored a frame of unknown message type", "station", e.name, "id", perr.ID, "error", perr)
	case m.Type == ocppj.CallResult || m.Type == ocppj.CallError:
		// A CALLERROR answers only a CALL (J16 §4.2.3, P4 §4.2.3), so a broken answer gets none.
		// The call waiting for it fails now instead of at its timeout.
		if perr.ID == "" || !e.caller.Fail(perr.ID, perr) {
			e.log.Info("gateway: dropped a malformed answer", "station", e.name, "id", perr.ID, "error", perr)
		}
	default:
		// A CALL, or a frame whose type is unknown or unreadable: answer with a CALLERROR for
		// its id, or "-1" when the id could not be read (P4 §4.2.3).
		e.log.Info("gateway: answered a malformed frame with CALLERROR", "station", e.name, "id", perr.ID, "error", perr)
		bp := bufPool.Get().(*[]byte)
		frame := ocppj.AppendError((*bp)[:0], e.dialect, perr.ID, &ocppj.Error{Fault: perr.Fault, Description: perr.Description})
		_ = e.write(frame)
		putBuf(bp, frame)
	}
}

func putBuf(bp *[]byte, b []byte) {
	if cap(b) <= 64<<10 {
		*bp = b[:0]
		bufPool.Put(bp)
	}
}

// enqueue hands a CALL to the worker, starting one if none runs.
func (e *endpoint) enqueue(c *inCall) {
	e.queue <- c
	if e.working.CompareAndSwap(false, true) {
		e.worker.Add(1)
		go e.work()
	}
}

// work handles queued CALLs until the queue is empty, then exits. At most one worker runs.
func (e *endpoint) work() {
	defer e.worker.Done()
	for {
		select {
		case c := <-e.queue:
			if e.closed.Load() {
				_ = c.msg.Close() // nobody could read the answer; the peer sends it again
				continue
			}
			e.serve(c)
			continue
		default:
		}
		e.working.Store(false)
		// An enqueue may have slipped in after the queue looked empty: take it over, unless
		// the enqueuer started a new worker already.
		if len(e.queue) == 0 || !e.working.CompareAndSwap(false, true) {
			return
		}
	}
}

// serve answers one CALL.
func (e *endpoint) serve(c *inCall) {
	payload, cerr := e.dispatch(c.m)
	bp := bufPool.Get().(*[]byte)
	var frame []byte
	if cerr != nil {
		frame = ocppj.AppendError((*bp)[:0], e.dialect, c.m.ID, cerr)
	} else {
		frame = ocppj.AppendResult((*bp)[:0], c.m.ID, payload)
	}
	_ = c.msg.Close()
	if err := e.write(frame); err != nil {
		e.log.Debug("gateway: could not send an answer", "station", e.name, "id", c.m.ID, "action", c.m.Action, "error", err)
	}
	putBuf(bp, frame)
}

// dispatch runs the handler; a panic in it becomes an InternalError for the peer and a log
// line for us, not the end of the process.
func (e *endpoint) dispatch(m ocppj.Message) (payload json.RawMessage, cerr *ocppj.Error) {
	defer func() {
		if r := recover(); r != nil {
			e.log.Error("gateway: CALL handler panicked", "station", e.name, "action", m.Action, "panic", r, "stack", string(debug.Stack()))
			payload, cerr = nil, ocppj.Errorf(ocppj.FaultInternal, "internal error")
		}
	}()
	if e.handle == nil {
		return nil, ocppj.Errorf(ocppj.FaultNotImplemented, "action %s is not implemented", m.Action)
	}
	return e.handle(e.ctx, m.Action, m.Payload)
}

// shutdown ends the endpoint after its read loop stopped: outstanding and future calls fail,
// and it waits for the CALL being handled, if any.
func (e *endpoint) shutdown() {
	e.closed.Store(true)
	e.caller.Close()
	e.worker.Wait()
}

// slot is a one-value gws.SessionStorage: gws's default is a map with a mutex per
// connection, and all we keep there is one pointer.
type slot struct{ v any }

func (s *slot) Len() int {
	if s.v == nil {
		return 0
	}
	return 1
}
func (s *slot) Load(string) (any, bool) { return s.v, s.v != nil }
func (s *slot) Delete(string)           { s.v = nil }
func (s *slot) Store(_ string, v any)   { s.v = v }
func (s *slot) Range(f func(string, any) bool) {
	if s.v != nil {
		f("", s.v)
	}
}

func newSlot() gws.SessionStorage { return &slot{} }

var (
	_ gws.SessionStorage = (*slot)(nil)
	_ gws.Logger         = gwsLogger{}
)

// gwsLogger sends gws's own error logs to slog.
type gwsLogger struct{ log *slog.Logger }

func (l gwsLogger) Error(v ...any) { l.log.Error("gateway: websocket", "detail", slogArgs(v)) }

func slogArgs(v []any) any {
	if len(v) == 1 {
		return v[0]
	}
	return v
}
