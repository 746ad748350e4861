package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeDB is a database/sql driver that only counts transactions: the committer's writes in
// these tests are plain functions, so that batching is tested without a database.
type fakeDB struct {
	begins, commits, rollbacks atomic.Int64
	failBegin, failCommit      atomic.Bool
}

func (f *fakeDB) Connect(context.Context) (driver.Conn, error) { return fakeConn{f}, nil }
func (f *fakeDB) Driver() driver.Driver                        { return nil }

type fakeConn struct{ f *fakeDB }

func (c fakeConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("fake: no statements") }
func (c fakeConn) Close() error                        { return nil }
func (c fakeConn) Begin() (driver.Tx, error) {
	if c.f.failBegin.Load() {
		return nil, errors.New("fake: begin failed")
	}
	c.f.begins.Add(1)
	return fakeTx(c), nil
}

type fakeTx struct{ f *fakeDB }

func (t fakeTx) Commit() error {
	if t.f.failCommit.Load() {
		t.f.rollbacks.Add(1)
		return errors.New("fake: commit failed")
	}
	t.f.commits.Add(1)
	return nil
}

func (t fakeTx) Rollback() error { t.f.rollbacks.Add(1); return nil }

// newTestCommitter returns a committer over a fake database with a long window, so that
// batches end by MaxBatch, by an empty queue after the window, or by Close.
func newTestCommitter(t *testing.T, o CommitOptions) (*Committer, *fakeDB) {
	t.Helper()
	f := &fakeDB{}
	db := sql.OpenDB(f)
	if o.Window == 0 {
		o.Window = -1 // no waiting: batches are formed by what is queued
	}
	c := NewCommitter(db, o)
	t.Cleanup(func() {
		c.Close()
		db.Close()
	})
	return c, f
}

// held starts a write on committer key 0 that blocks until release is called, so that the
// writes queued meanwhile form the next batch together, deterministically.
func held(t *testing.T, c *Committer) (release func(), done <-chan error) {
	t.Helper()
	started, gate := make(chan struct{}), make(chan struct{})
	var once sync.Once
	errc := make(chan error, 1)
	go func() {
		errc <- c.Do(t.Context(), 0, func(context.Context, *sql.Tx) error {
			once.Do(func() { close(started) }) // it runs again if its batch fails
			<-gate
			return nil
		})
	}()
	<-started
	return func() { close(gate) }, errc
}

// queue starts n writes on key 0 made by fn and waits until all are queued. It returns their
// results in order.
func queue(t *testing.T, c *Committer, n int, fn func(i int) WriteFunc) []chan error {
	t.Helper()
	results := make([]chan error, n)
	for i := range n {
		results[i] = make(chan error, 1)
		go func() { results[i] <- c.Do(t.Context(), 0, fn(i)) }()
		waitQueued(t, c, i+1)
	}
	return results
}

// waitQueued waits until committer 0 has n writes queued.
func waitQueued(t *testing.T, c *Committer, n int) {
	t.Helper()
	for range 10000 {
		if len(c.queues[0]) >= n {
			return
		}
		time.Sleep(100 * time.Microsecond)
	}
	t.Fatalf("%d writes queued, want %d", len(c.queues[0]), n)
}

func wait(t *testing.T, results []chan error) []error {
	t.Helper()
	errs := make([]error, len(results))
	for i, r := range results {
		errs[i] = <-r
	}
	return errs
}

func TestCommitterBatchesQueuedWrites(t *testing.T) {
	t.Parallel()
	c, f := newTestCommitter(t, CommitOptions{})
	release, first := held(t, c)
	var ran atomic.Int64
	results := queue(t, c, 10, func(int) WriteFunc {
		return func(context.Context, *sql.Tx) error { ran.Add(1); return nil }
	})
	release()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for i, err := range wait(t, results) {
		if err != nil {
			t.Errorf("write %d: %v", i, err)
		}
	}
	if ran.Load() != 10 {
		t.Errorf("%d writes ran, want 10", ran.Load())
	}
	// The held write and the ten queued behind it: one transaction.
	if got := f.commits.Load(); got != 1 {
		t.Errorf("%d commits, want 1", got)
	}
	if s := c.Stats(); s.Batches != 1 || s.Writes != 11 || s.Retries != 0 {
		t.Errorf("stats %+v, want 1 batch of 11 writes", s)
	}
}

func TestCommitterMaxBatch(t *testing.T) {
	t.Parallel()
	c, f := newTestCommitter(t, CommitOptions{MaxBatch: 3})
	release, first := held(t, c)
	results := queue(t, c, 5, func(int) WriteFunc { return func(context.Context, *sql.Tx) error { return nil } })
	release()
	<-first
	wait(t, results)
	// [held, 0, 1] [2, 3, 4]
	if got := f.commits.Load(); got != 2 {
		t.Errorf("%d commits, want 2", got)
	}
}

func TestCommitterFailingWriteFailsAlone(t *testing.T) {
	t.Parallel()
	c, f := newTestCommitter(t, CommitOptions{})
	release, first := held(t, c)
	bad := errors.New("constraint failed")
	runs := make([]atomic.Int64, 6)
	results := queue(t, c, 6, func(i int) WriteFunc {
		return func(context.Context, *sql.Tx) error {
			runs[i].Add(1)
			if i == 2 {
				return fmt.Errorf("write: %w", bad)
			}
			return nil
		}
	})
	release()
	if err := <-first; err != nil {
		t.Errorf("the held write failed with its batch: %v", err)
	}
	for i, err := range wait(t, results) {
		if i == 2 && !errors.Is(err, bad) {
			t.Errorf("bad write: %v, want %v", err, bad)
		}
		if i != 2 && err != nil {
			t.Errorf("write %d failed with its neighbour: %v", i, err)
		}
	}
	// The batch [held, 0, 1, 2] failed at write 2 and was rolled back; its writes then ran
	// alone; writes 3 to 5 formed the next batch.
	for i, want := range []int64{2, 2, 2, 1, 1, 1} {
		if got := runs[i].Load(); got != want {
			t.Errorf("write %d ran %d times, want %d", i, got, want)
		}
	}
	if s := c.Stats(); s.Retries != 1 || s.Batches != 2 {
		t.Errorf("stats %+v, want 2 batches, 1 retried", s)
	}
	// Committed: held, 0 and 1 alone, then [3, 4, 5]. Rolled back: the batch and write 2.
	if c, r := f.commits.Load(), f.rollbacks.Load(); c != 4 || r != 2 {
		t.Errorf("%d commits and %d rollbacks, want 4 and 2", c, r)
	}
}

func TestCommitterRefusalKeepsTheBatch(t *testing.T) {
	t.Parallel()
	c, f := newTestCommitter(t, CommitOptions{})
	release, first := held(t, c)
	notFound := errors.New("not found")
	results := queue(t, c, 4, func(i int) WriteFunc {
		return func(context.Context, *sql.Tx) error {
			if i == 1 {
				return Refuse(fmt.Errorf("lookup: %w", notFound))
			}
			return nil
		}
	})
	release()
	<-first
	errs := wait(t, results)
	var ref *refusal
	if !errors.Is(errs[1], notFound) || errors.As(errs[1], &ref) {
		t.Errorf("refused write: %v, want the refusal's error itself", errs[1])
	}
	for _, i := range []int{0, 2, 3} {
		if errs[i] != nil {
			t.Errorf("write %d: %v", i, errs[i])
		}
	}
	if got, s := f.commits.Load(), c.Stats(); got != 1 || s.Retries != 0 {
		t.Errorf("%d commits, stats %+v; want one batch, no retries", got, s)
	}
}

func TestCommitterSkipsWritesWhoseContextEnded(t *testing.T) {
	t.Parallel()
	c, _ := newTestCommitter(t, CommitOptions{})
	release, first := held(t, c)
	ctx, cancel := context.WithCancel(t.Context())
	var ran atomic.Bool
	errc := make(chan error, 1)
	go func() {
		errc <- c.Do(ctx, 0, func(context.Context, *sql.Tx) error { ran.Store(true); return nil })
	}()
	waitQueued(t, c, 1)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("Do = %v, want context.Canceled", err)
	}
	release()
	<-first
	// A write after it still runs: the abandoned one is dropped, not stuck.
	if err := c.Do(t.Context(), 0, func(context.Context, *sql.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if ran.Load() {
		t.Error("the write whose context ended ran")
	}
	done, cancel2 := context.WithCancel(t.Context())
	cancel2()
	if err := c.Do(done, 0, func(context.Context, *sql.Tx) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("Do with an ended context = %v, want context.Canceled", err)
	}
}

func TestCommitterWriteSeesNoCancellation(t *testing.T) {
	t.Parallel()
	c, _ := newTestCommitter(t, CommitOptions{})
	ctx, cancel := context.WithCancel(context.WithValue(t.Context(), ctxKey{}, "v"))
	err := c.Do(ctx, 0, func(ctx context.Context, _ *sql.Tx) error {
		cancel()
		if ctx.Err() != nil || ctx.Value(ctxKey{}) != "v" {
			return fmt.Errorf("write context: err %v, value %v", ctx.Err(), ctx.Value(ctxKey{}))
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

type ctxKey struct{}

func TestCommitterCloseDrainsTheQueue(t *testing.T) {
	t.Parallel()
	c, f := newTestCommitter(t, CommitOptions{})
	release, first := held(t, c)
	results := queue(t, c, 5, func(int) WriteFunc { return func(context.Context, *sql.Tx) error { return nil } })
	closed := make(chan struct{})
	go func() { c.Close(); close(closed) }()
	// Close waits for the queued writes; new ones are refused meanwhile.
	for i := 0; ; i++ {
		c.mu.RLock()
		closed := c.closed
		c.mu.RUnlock()
		if closed {
			break
		}
		if i == 10000 {
			t.Fatal("Close did not start")
		}
		time.Sleep(100 * time.Microsecond)
	}
	if err := c.Do(t.Context(), 0, func(context.Context, *sql.Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("Do while closing = %v, want ErrClosed", err)
	}
	release()
	<-first
	for i, err := range wait(t, results) {
		if err != nil {
			t.Errorf("queued write %d: %v", i, err)
		}
	}
	<-closed
	if err := c.Do(t.Context(), 0, func(context.Context, *sql.Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("Do after Close = %v, want ErrClosed", err)
	}
	if s := c.Stats(); s.Writes != 6 || f.commits.Load() == 0 {
		t.Errorf("stats %+v, %d commits: want all 6 writes committed", s, f.commits.Load())
	}
	c.Close() // a second Close does nothing
}

func TestCommittersWorkInParallel(t *testing.T) {
	t.Parallel()
	c, _ := newTestCommitter(t, CommitOptions{Committers: 2})
	release, first := held(t, c) // blocks committer 0
	defer func() { release(); <-first }()
	if err := c.Do(t.Context(), 1, func(context.Context, *sql.Tx) error { return nil }); err != nil {
		t.Fatalf("a write on committer 1 waited for committer 0: %v", err)
	}
}

func TestCommitterBeginAndCommitFailures(t *testing.T) {
	t.Parallel()
	c, f := newTestCommitter(t, CommitOptions{})
	f.failBegin.Store(true)
	if err := c.Do(t.Context(), 0, func(context.Context, *sql.Tx) error { return nil }); err == nil {
		t.Error("Do succeeded although BEGIN failed")
	}
	f.failBegin.Store(false)
	f.failCommit.Store(true)
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			if err := c.Do(t.Context(), 0, func(context.Context, *sql.Tx) error { return nil }); err == nil {
				t.Error("Do succeeded although COMMIT failed")
			}
		})
	}
	wg.Wait()
	f.failCommit.Store(false)
	if err := c.Do(t.Context(), 0, func(context.Context, *sql.Tx) error { return nil }); err != nil {
		t.Errorf("after the failures: %v", err)
	}
}
