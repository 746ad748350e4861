package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ladda-csms/ladda/gateway"
	"github.com/ladda-csms/ladda/ocpp/ocppj"
	"github.com/ladda-csms/ladda/ocpp/ocpptest"
)

// loadRun is one process's share of a load run: its stations and what they measured.
type loadRun struct {
	c     loadConfig
	pacer *loadPacer
	hist  loadHist

	stations []*ocpptest.Station // [i] belongs to the goroutine of station i until sending ends
	sending  sync.WaitGroup      // one per station, done when it stopped sending

	connected, refused, failed atomic.Int64
	messages                   atomic.Uint64
	errorCount                 atomic.Uint64
	bootStart, bootEnd         atomic.Int64 // unix nanoseconds; 0 when not yet
	sendStart, sendEnd         atomic.Int64

	mu     sync.Mutex
	errs   map[string]uint64
	shown  map[string]bool // kinds whose first example was printed
	stderr io.Writer
}

// loadSeed varies the message mix from run to run while stations differ within one.
var loadSeed = uint64(time.Now().UnixNano())

func newLoadRun(c loadConfig, n int, stderr io.Writer) *loadRun {
	r := &loadRun{c: c, stations: make([]*ocpptest.Station, n), errs: map[string]uint64{}, shown: map[string]bool{}, stderr: stderr}
	rate := c.rate
	if c.shard > 0 {
		rate /= float64(c.processes)
	}
	if rate > 0 && !c.hold {
		r.pacer = &loadPacer{every: time.Duration(float64(time.Second) / rate)}
	}
	return r
}

// start launches every station; r.sending tells when they all stopped sending.
func (r *loadRun) start(ctx context.Context, ids []string, numbers []int) {
	for i := range ids {
		r.sending.Add(1)
		go func() {
			defer r.sending.Done()
			r.station(ctx, i, ids[i], numbers[i])
		}()
	}
}

// settled reports whether every station has connected and booted, or failed to.
func (r *loadRun) settled() bool {
	return r.connected.Load()+r.refused.Load()+r.failed.Load() == int64(len(r.stations))
}

// station runs one station until ctx ends: connect, boot, status, a transaction, the mix.
func (r *loadRun) station(ctx context.Context, i int, id string, number int) {
	c := r.c
	if c.ramp > 0 && !simPause(ctx, time.Duration(int64(c.ramp)*int64(number-1)/int64(c.stations))) {
		r.failed.Add(1)
		r.addError(ctx, "not started before the end", nil, true)
		return
	}
	st, err := ocpptest.New(ocpptest.Config{
		URL:              c.url,
		ID:               id,
		Password:         c.password,
		Version:          c.version,
		Connectors:       c.connectors,
		Model:            "Load " + c.version,
		CallTimeout:      c.callTimeout,
		DisableHeartbeat: !c.hold,
	})
	if err != nil {
		r.failed.Add(1)
		r.addError(ctx, "bad station", err, true)
		return
	}
	r.stations[i] = st
	loadMin(&r.bootStart, time.Now().UnixNano())
	connectCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	err = st.Connect(connectCtx)
	cancel()
	if err != nil {
		var de *gateway.DialError
		if errors.As(err, &de) {
			r.refused.Add(1)
		} else {
			r.failed.Add(1)
		}
		r.addError(ctx, loadErrorKind(err), err, true)
		return
	}
	t0 := time.Now()
	res, err := st.BootOnce(ctx)
	r.measure(ctx, t0, err)
	if err == nil && res.Status != "Accepted" {
		err = fmt.Errorf("boot %s", res.Status)
		r.addError(ctx, "boot "+res.Status, err, true)
	}
	if err != nil {
		r.failed.Add(1)
		return
	}
	loadMax(&r.bootEnd, time.Now().UnixNano())
	r.connected.Add(1)
	if c.hold {
		<-ctx.Done() // the station heartbeats on its own
		return
	}

	t0 = time.Now()
	err = st.StatusNotification(ctx, 1, ocpptest.StatusAvailable)
	r.measure(ctx, t0, err)
	var sess *ocpptest.Session
	if c.mix.meter > 0 && err == nil {
		if sess, err = st.StartSession(ctx, 1, c.idTag); err != nil {
			r.addError(ctx, "session "+loadErrorKind(err), err, false)
		}
	}
	mix := c.mix
	if sess == nil {
		mix.meter = 0
	}
	total := mix.meter + mix.heartbeat + mix.status
	if total == 0 {
		<-ctx.Done()
		return
	}
	rng := rand.New(rand.NewPCG(loadSeed, uint64(number)))
	for ctx.Err() == nil {
		if r.pacer != nil && !r.pacer.wait(ctx) {
			return
		}
		pick := rng.IntN(total)
		t0 := time.Now()
		switch {
		case pick < mix.meter:
			err = sess.Meter(ctx, ocpptest.DefaultPowerW*time.Since(sess.StartedAt).Hours())
		case pick < mix.meter+mix.heartbeat:
			_, err = st.Heartbeat(ctx)
		default:
			status, _ := st.Status(1)
			err = st.StatusNotification(ctx, 1, status)
		}
		r.measure(ctx, t0, err)
		if errors.Is(err, ocppj.ErrClosed) || errors.Is(err, ocpptest.ErrNotConnected) {
			return // the server closed the connection: this station is done
		}
	}
}

// measure records the outcome of one CALL sent at t0. A CALLERROR is an answer too: its
// latency counts, and so does the error. Failures after the run's end are not errors.
func (r *loadRun) measure(ctx context.Context, t0 time.Time, err error) {
	var cerr *ocppj.Error
	if err == nil || errors.As(err, &cerr) {
		now := time.Now()
		r.hist.record(now.Sub(t0))
		r.messages.Add(1)
		loadMin(&r.sendStart, t0.UnixNano())
		loadMax(&r.sendEnd, now.UnixNano())
	}
	if err != nil {
		r.addError(ctx, loadErrorKind(err), err, false)
	}
}

// addError counts an error of a kind and prints the first example of each kind. Errors after
// the run's end (the context ended) are not counted, unless always.
func (r *loadRun) addError(ctx context.Context, kind string, err error, always bool) {
	if ctx.Err() != nil && !always {
		return
	}
	r.errorCount.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs[kind]++
	if !r.shown[kind] && err != nil {
		r.shown[kind] = true
		fmt.Fprintf(r.stderr, "load: first %q error: %v\n", kind, err)
	}
}

// loadErrorKind names the kind of a failure, for counting.
func loadErrorKind(err error) string {
	var (
		de  *gateway.DialError
		ce  *ocppj.Error
		rej *ocpptest.RejectedError
	)
	switch {
	case errors.As(err, &de):
		if de.StatusCode == http.StatusUnauthorized {
			return "refused: HTTP 401 (not registered? pass --api-key)"
		}
		return "refused: HTTP " + strconv.Itoa(de.StatusCode)
	case errors.As(err, &ce):
		return "CALLERROR " + string(ce.CodeIn(ocppj.OCPP201))
	case errors.As(err, &rej):
		return "token " + rej.Status
	case errors.Is(err, ocppj.ErrTimeout):
		return "timeout"
	case errors.Is(err, ocppj.ErrClosed), errors.Is(err, ocpptest.ErrNotConnected):
		return "connection closed"
	case errors.Is(err, context.DeadlineExceeded):
		return "connect: timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connect: connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connect: connection reset"
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return "connect: too many open files"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "connect: no local port free"
	}
	return "other"
}

func loadMin(v *atomic.Int64, n int64) {
	for {
		old := v.Load()
		if (old != 0 && old <= n) || v.CompareAndSwap(old, n) {
			return
		}
	}
}

func loadMax(v *atomic.Int64, n int64) {
	for {
		old := v.Load()
		if old >= n || v.CompareAndSwap(old, n) {
			return
		}
	}
}

// closeAll closes every station, 256 at a time.
func (r *loadRun) closeAll() {
	sem := make(chan struct{}, 256)
	var wg sync.WaitGroup
	for _, st := range r.stations {
		if st == nil {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			_ = st.Close()
		})
	}
	wg.Wait()
}

// result is what the run measured; fill computes the derived fields.
func (r *loadRun) result() *loadResult {
	res := &loadResult{
		Stations:   len(r.stations),
		Connected:  int(r.connected.Load()),
		Refused:    int(r.refused.Load()),
		Failed:     int(r.failed.Load()),
		Messages:   r.messages.Load(),
		BootStart:  r.bootStart.Load(),
		BootEnd:    r.bootEnd.Load(),
		SendStart:  r.sendStart.Load(),
		SendEnd:    r.sendEnd.Load(),
		Errors:     map[string]uint64{},
		Histogram:  r.hist.sparse(),
		Processes:  1,
		ShardIndex: r.c.shard,
	}
	r.mu.Lock()
	for k, n := range r.errs {
		res.Errors[k] = n
	}
	r.mu.Unlock()
	res.fill(&r.hist)
	return res
}

// progress is the state of a run every second, as a shard reports it to its parent.
type loadProgress struct {
	Progress  bool    `json:"progress"` // marks the line
	Shard     int     `json:"shard"`
	Connected int64   `json:"connected"`
	Refused   int64   `json:"refused"`
	Failed    int64   `json:"failed"`
	Messages  uint64  `json:"messages"`
	Errors    uint64  `json:"errors"`
	P99Ms     float64 `json:"p99ms"`
	Settled   bool    `json:"settled"`
	Sent      bool    `json:"sent"`
}

func (r *loadRun) progress() loadProgress {
	return loadProgress{
		Progress:  true,
		Shard:     r.c.shard,
		Connected: r.connected.Load(),
		Refused:   r.refused.Load(),
		Failed:    r.failed.Load(),
		Messages:  r.messages.Load(),
		Errors:    r.errorCount.Load(),
		P99Ms:     float64(r.hist.quantile(0.99).Microseconds()) / 1000,
		Settled:   r.settled(),
	}
}

// loadProgressLine is the line printed every second.
func loadProgressLine(elapsed time.Duration, p loadProgress, total int, rate float64) string {
	return fmt.Sprintf("load: %3ds  connected %d/%d (refused %d, failed %d)  %.0f msgs/s  p99 %.2fms  errors %d",
		int(elapsed.Round(time.Second)/time.Second), p.Connected, total, p.Refused, p.Failed, rate, p.P99Ms, p.Errors)
}

// loadEvery calls f every interval until stop is closed.
func loadEvery(interval time.Duration, stop <-chan struct{}, f func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			f()
		}
	}
}

// loadRunLocal runs every station in this process.
func loadRunLocal(ctx context.Context, c loadConfig, stderr io.Writer) (*loadResult, error) {
	ids, numbers := loadStationIDs(c)
	r := newLoadRun(c, len(ids), stderr)
	rss := loadNewRSS(c.pid, stderr)
	runCtx, cancel := context.WithTimeout(ctx, c.duration)
	defer cancel()
	began := time.Now()
	r.start(runCtx, ids, numbers)

	stop := make(chan struct{})
	var watchers sync.WaitGroup
	watchers.Go(func() {
		last, lastAt := uint64(0), time.Now()
		loadEvery(time.Second, stop, func() {
			p, now := r.progress(), time.Now()
			rate := float64(p.Messages-last) / now.Sub(lastAt).Seconds()
			last, lastAt = p.Messages, now
			fmt.Fprintln(stderr, loadProgressLine(now.Sub(began), p, len(ids), rate))
		})
	})
	watchers.Go(func() {
		for !r.settled() {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
		rss.sample(&rss.m.ConnectedKiB)
	})
	r.sending.Wait()
	rss.sample(&rss.m.EndKiB)
	close(stop)
	watchers.Wait()
	r.closeAll()
	res := r.result()
	res.RSS = rss.result()
	res.fill(&r.hist)
	return res, nil
}

// loadRunShard runs this process's share as shard c.shard of c.processes: progress goes to
// stderr as JSON lines for the parent, which tells by closing stdin when the stations may
// disconnect (after it has sampled the server's memory); the result is returned for stdout.
func loadRunShard(ctx context.Context, c loadConfig, stdin io.Reader, stderr io.Writer) (*loadResult, error) {
	ids, numbers := loadStationIDs(c)
	var mu sync.Mutex // stderr carries both progress and error lines
	out := &loadLockedWriter{mu: &mu, w: stderr}
	r := newLoadRun(c, len(ids), out)
	runCtx, cancel := context.WithTimeout(ctx, c.duration)
	defer cancel()
	r.start(runCtx, ids, numbers)

	report := func(sent bool) {
		p := r.progress()
		p.Sent = sent
		line, _ := json.Marshal(p)
		_, _ = out.Write(append(line, '\n'))
	}
	stop := make(chan struct{})
	var watcher sync.WaitGroup
	watcher.Go(func() {
		settled := false
		loadEvery(50*time.Millisecond, stop, func() {
			// Every second, and at once when the shard settles, so the parent samples memory
			// as soon as every station is in.
			if now := r.settled(); now && !settled {
				settled = true
				report(false)
			}
		})
	})
	watcher.Go(func() { loadEvery(time.Second, stop, func() { report(false) }) })
	r.sending.Wait()
	close(stop)
	watcher.Wait()
	report(true)

	released := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, stdin)
		close(released)
	}()
	t := time.NewTimer(2 * time.Minute)
	select {
	case <-released:
	case <-ctx.Done():
	case <-t.C:
	}
	t.Stop()
	r.closeAll()
	return r.result(), nil
}

// loadLockedWriter serialises writes of whole lines.
type loadLockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *loadLockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// loadPacer hands out send times evenly spaced by every, to all stations together. A pacer
// that fell behind does not catch up in a burst.
type loadPacer struct {
	mu    sync.Mutex
	next  time.Time
	every time.Duration
}

// wait blocks until the caller's turn; false when ctx ended first.
func (p *loadPacer) wait(ctx context.Context) bool {
	p.mu.Lock()
	now := time.Now()
	if p.next.Before(now) {
		p.next = now
	}
	at := p.next
	p.next = at.Add(p.every)
	p.mu.Unlock()
	d := time.Until(at)
	if d <= 0 {
		return ctx.Err() == nil
	}
	return simPause(ctx, d)
}

// loadMemory samples a process's resident memory.
type loadMemory struct {
	pid    int
	stderr io.Writer

	mu sync.Mutex
	m  loadRSS
	ok bool
}

func loadNewRSS(pid int, stderr io.Writer) *loadMemory {
	m := &loadMemory{pid: pid, stderr: stderr}
	if pid > 0 {
		m.ok = true
		m.sample(&m.m.StartKiB)
	}
	return m
}

// sample reads VmRSS into dst, a field of m.m; a failure is printed and drops the result.
func (m *loadMemory) sample(dst *int64) {
	if m.pid <= 0 {
		return
	}
	kib, err := loadReadRSS(m.pid)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil {
		if m.ok {
			fmt.Fprintf(m.stderr, "load: --pid %d: %v\n", m.pid, err)
		}
		m.ok = false
		return
	}
	*dst = kib
}

// result returns the samples, nil without --pid or after a failure. A run whose stations never
// all settled has its end sample as the connected one.
func (m *loadMemory) result() *loadRSS {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.ok {
		return nil
	}
	r := m.m
	if r.ConnectedKiB == 0 {
		r.ConnectedKiB = r.EndKiB
	}
	return &r
}

// loadReadRSS returns the VmRSS of a process in KiB, from /proc/PID/status.
func loadReadRSS(pid int) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("unexpected VmRSS line %q", sc.Text())
		}
		return strconv.ParseInt(fields[0], 10, 64)
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no VmRSS in /proc/" + strconv.Itoa(pid) + "/status")
}
