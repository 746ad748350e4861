package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// WriteFunc is one write: it reads and changes the database through tx and returns nil or an
// error. It may run more than once (after its batch failed it runs again, alone), so it must
// not change anything outside tx before it knows its transaction committed: it keeps its
// results in variables that each run overwrites, and its caller uses them once Do returned nil.
//
// ctx carries the caller's values but never its cancellation: once a write started, it
// finishes, so that one caller going away cannot abort its neighbours' transaction.
type WriteFunc func(ctx context.Context, tx *sql.Tx) error

// Refuse marks err as a refusal: the write checked a rule, found it broken, and neither
// changed anything nor had a statement fail, so the transaction it ran in is still good and
// the other writes of its batch go on. The caller gets err itself. Use it for "not found" and
// "already exists" outcomes that the write detected with its own reads or with ON CONFLICT DO
// NOTHING; never after a failed statement (PostgreSQL aborts the transaction then).
func Refuse(err error) error {
	if err == nil {
		return nil
	}
	return &refusal{err}
}

type refusal struct{ err error }

func (r *refusal) Error() string { return r.err.Error() }
func (r *refusal) Unwrap() error { return r.err }

// ErrClosed is returned by Do after Close.
var ErrClosed = errors.New("sqldb: store closed")

// CommitOptions tune a Committer.
type CommitOptions struct {
	// Window is how long a batch waits for more writes, counted from the moment its first
	// write was queued: the most a write waits for company. Writes already queued join a
	// batch without waiting, until MaxBatch; a rest of the window shorter than 250 µs is not
	// waited for (an idle Go runtime cannot sleep that briefly). Zero means 1 ms; a negative
	// value means no waiting (natural batching only: what queues while a batch runs forms
	// the next).
	Window time.Duration
	// MaxBatch ends collecting early once a batch holds this many writes. Zero means 256.
	MaxBatch int
	// Committers is the number of committers working in parallel, each with its own queue and
	// database connection; a write goes to the committer chosen by its key, so writes with the
	// same key are applied in the order they were queued. Zero means 1.
	Committers int
	// Logger receives a debug line when a batch fails and its writes are retried alone.
	Logger *slog.Logger
}

// Committer runs writes in shared transactions (group commit). A write returns only after the
// transaction that holds it committed (or it failed), yet many writes share one transaction
// and so one sync to disk. It is safe for concurrent use.
type Committer struct {
	db     *sql.DB
	window time.Duration
	max    int
	log    *slog.Logger
	queues []chan *request

	mu     sync.RWMutex // held for reading while queueing; Close takes it to stop new writes
	closed bool
	wg     sync.WaitGroup

	batches, writes, retries atomic.Int64
}

// CommitStats count the work of a Committer since it started.
type CommitStats struct {
	Batches int64 // transactions committed or attempted for a batch
	Writes  int64 // writes run (each counted once, whether in a batch or retried alone)
	Retries int64 // batches that failed and had their writes retried one by one
}

// minSleep is the shortest rest of a window that a committer sleeps for: an idle Go runtime
// wakes from timers with about millisecond resolution.
const minSleep = 250 * time.Microsecond

// Request states: queued until a committer starts it, or abandoned by a caller whose context
// ended first.
const (
	queued int32 = iota
	started
	abandoned
)

type request struct {
	ctx    context.Context
	fn     WriteFunc
	queued time.Time
	state  atomic.Int32
	err    error
	done   chan error
}

var requests = sync.Pool{New: func() any { return &request{done: make(chan error, 1)} }}

// NewCommitter starts the committers writing to db. db should allow at least o.Committers
// open connections; Close stops them.
func NewCommitter(db *sql.DB, o CommitOptions) *Committer {
	if o.Window == 0 {
		o.Window = time.Millisecond
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 256
	}
	if o.Committers <= 0 {
		o.Committers = 1
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Committer{db: db, window: o.Window, max: o.MaxBatch, log: o.Logger}
	for range o.Committers {
		q := make(chan *request, 2*o.MaxBatch)
		c.queues = append(c.queues, q)
		c.wg.Add(1)
		go c.loop(q)
	}
	return c
}

// Do runs fn in a batch of the committer chosen by key and returns its result once the batch
// committed. If ctx ends before the write started, the write is skipped and Do returns
// ctx.Err(); once started, it runs to the end and Do waits for it.
func (c *Committer) Do(ctx context.Context, key uint64, fn WriteFunc) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := requests.Get().(*request)
	r.ctx, r.fn, r.queued, r.err = ctx, fn, time.Now(), nil
	r.state.Store(queued)

	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		r.release()
		return ErrClosed
	}
	c.queues[key%uint64(len(c.queues))] <- r
	c.mu.RUnlock()

	select {
	case err := <-r.done:
		r.release()
		return err
	case <-ctx.Done():
		if r.state.CompareAndSwap(queued, abandoned) {
			return ctx.Err() // the committer drops it and releases it
		}
		err := <-r.done
		r.release()
		return err
	}
}

func (r *request) release() {
	r.ctx, r.fn, r.err = nil, nil, nil
	requests.Put(r)
}

// Stats returns the counters of the committer.
func (c *Committer) Stats() CommitStats {
	return CommitStats{Batches: c.batches.Load(), Writes: c.writes.Load(), Retries: c.retries.Load()}
}

// Close stops accepting writes, runs those already queued, and waits for the committers to
// finish. It does not close the database.
func (c *Committer) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	for _, q := range c.queues {
		close(q)
	}
	c.mu.Unlock()
	c.wg.Wait()
}

// loop is one committer. It takes the first queued write, opens a transaction and runs the
// write at once; it keeps taking and running writes until the queue is empty after the window
// ended, MaxBatch is reached or a write fails; then it commits and wakes the writers. Running
// writes as they arrive overlaps the work of a batch with its wait, and writes that queued up
// meanwhile join without waiting (up to MaxBatch), so a busy committer never idles.
func (c *Committer) loop(q chan *request) {
	defer c.wg.Done()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	b := &batch{c: c, live: make([]*request, 0, c.max)}
	for {
		r, ok := <-q
		if !ok {
			return
		}
		deadline := r.queued.Add(c.window)
		b.add(r)
	collect:
		for len(b.live) < c.max && b.err == nil {
			select {
			case r, ok := <-q:
				if !ok {
					break collect
				}
				b.add(r)
				continue
			default:
			}
			wait := time.Until(deadline)
			if wait < minSleep {
				// An idle Go runtime sleeps about a millisecond at least: waiting for a
				// short rest of the window would overshoot it several times.
				break
			}
			timer.Reset(wait)
			select {
			case r, ok := <-q:
				timer.Stop()
				if !ok {
					break collect
				}
				b.add(r)
			case <-timer.C:
				break collect
			}
		}
		b.finish()
	}
}

// batch is the transaction a committer is filling.
type batch struct {
	c    *Committer
	tx   *sql.Tx
	live []*request // started writes, in order
	err  error      // the failure that ended the batch, if any
}

// add starts r and runs it in the batch's transaction, unless its caller gave up or its
// context ended.
func (b *batch) add(r *request) {
	if !r.state.CompareAndSwap(queued, started) {
		r.release() // abandoned by its caller
		return
	}
	if err := r.ctx.Err(); err != nil {
		r.done <- err
		return
	}
	r.ctx = context.WithoutCancel(r.ctx)
	b.live = append(b.live, r)
	if b.err != nil {
		return
	}
	if b.tx == nil {
		if b.tx, b.err = b.c.db.BeginTx(context.Background(), nil); b.err != nil {
			b.tx = nil
			return
		}
	}
	if b.err = b.c.apply(b.tx, r); b.err != nil {
		_ = b.tx.Rollback()
		b.tx = nil
	}
}

// finish commits the batch and wakes its writers. If the batch failed, each of its writes is
// run again in a transaction of its own, so that only the bad one fails.
func (b *batch) finish() {
	defer func() {
		clear(b.live) // let the finished requests go
		b.live, b.tx, b.err = b.live[:0], nil, nil
	}()
	if len(b.live) == 0 {
		return
	}
	c := b.c
	c.batches.Add(1)
	c.writes.Add(int64(len(b.live)))
	if b.err == nil {
		if b.err = b.tx.Commit(); b.err == nil {
			for _, r := range b.live {
				r.done <- r.err
			}
			return
		}
	}
	if len(b.live) == 1 {
		b.live[0].done <- b.err
		return
	}
	c.retries.Add(1)
	c.log.Debug("write batch failed; retrying its writes one by one", "writes", len(b.live), "err", b.err)
	for _, r := range b.live {
		r.done <- c.runAlone(r)
	}
}

// apply runs one write in tx. A refusal is kept as the write's result and does not fail the
// transaction.
func (c *Committer) apply(tx *sql.Tx, r *request) error {
	r.err = nil
	err := r.fn(r.ctx, tx)
	var ref *refusal
	if errors.As(err, &ref) {
		r.err = ref.err
		return nil
	}
	return err
}

// runAlone runs one write in a transaction of its own and returns its result.
func (c *Committer) runAlone(r *request) error {
	tx, err := c.db.BeginTx(context.Background(), nil)
	if err != nil {
		return err
	}
	if err := c.apply(tx, r); err != nil {
		_ = tx.Rollback()
		return err
	}
	if r.err != nil { // refused: nothing to keep
		_ = tx.Rollback()
		return r.err
	}
	return tx.Commit()
}
