package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"
)

// loadProc is a running shard: its standard streams and a function that waits for its end
// (to be called once stdout and stderr have been read to the end).
type loadProc struct {
	stdin  io.WriteCloser
	stdout io.Reader
	stderr io.Reader
	wait   func() error
}

// loadSpawner starts `ladda load ARGS` as a shard.
type loadSpawner func(ctx context.Context, args []string) (*loadProc, error)

// loadExec starts a shard as a copy of this executable. When ctx ends, the shard gets an
// interrupt and a while to report.
func loadExec(ctx context.Context, args []string) (*loadProc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("load: finding this program to run shards: %w", err)
	}
	cmd := exec.CommandContext(ctx, exe, append([]string{"load"}, args...)...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = time.Minute
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("load: starting a shard: %w", err)
	}
	return &loadProc{stdin: stdin, stdout: stdout, stderr: stderr, wait: cmd.Wait}, nil
}

// loadShardArgs are the flags of shard i (from 1) of the run c. The parent has registered the
// stations already, so shards get no API key.
func loadShardArgs(c loadConfig, i int) []string {
	args := []string{
		"--url", c.url,
		"--stations", strconv.Itoa(c.stations),
		"--id-prefix", c.prefix,
		"--version", c.version,
		"--password", c.password,
		"--id-tag", c.idTag,
		"--rate", strconv.FormatFloat(c.rate, 'f', -1, 64),
		"--mix", c.mixText,
		"--ramp", c.ramp.String(),
		"--duration", c.duration.String(),
		"--connectors", strconv.Itoa(c.connectors),
		"--call-timeout", c.callTimeout.String(),
		"--processes", strconv.Itoa(c.processes),
		"--shard", strconv.Itoa(i) + "/" + strconv.Itoa(c.processes),
	}
	if c.hold {
		args = append(args, "--hold")
	}
	return args
}

// loadShard is the parent's view of one shard.
type loadShard struct {
	index  int
	proc   *loadProc
	sent   chan struct{} // closed when the shard reports its stations stopped sending
	exited chan struct{} // closed when the process has ended
	once   sync.Once

	mu     sync.Mutex
	latest loadProgress
	result []byte
	err    error
}

func (s *loadShard) markSent() { s.once.Do(func() { close(s.sent) }) }

func (s *loadShard) progress() loadProgress {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.latest
}

// read follows the shard's streams until it ends: progress lines are kept, other stderr lines
// are passed on, stdout is its result.
func (s *loadShard) read(stderr io.Writer) {
	var wg sync.WaitGroup
	wg.Go(func() {
		sc := bufio.NewScanner(s.proc.stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			var p loadProgress
			if json.Unmarshal(line, &p) == nil && p.Progress {
				s.mu.Lock()
				s.latest = p
				s.mu.Unlock()
				if p.Sent {
					s.markSent()
				}
				continue
			}
			fmt.Fprintf(stderr, "shard %d: %s\n", s.index, line)
		}
		_, _ = io.Copy(io.Discard, s.proc.stderr)
	})
	wg.Go(func() {
		out, err := io.ReadAll(s.proc.stdout)
		s.mu.Lock()
		s.result, s.err = out, err
		s.mu.Unlock()
	})
	wg.Wait()
	err := s.proc.wait()
	s.mu.Lock()
	if s.err == nil && err != nil {
		s.err = err
	}
	s.mu.Unlock()
	s.markSent()
	close(s.exited)
}

// loadRunShards runs the stations in c.processes shards and merges their results. It samples
// the server's memory at the start, once every shard's stations are in, and when every shard
// has stopped sending, before it lets them disconnect.
func loadRunShards(ctx context.Context, c loadConfig, spawn loadSpawner, stderr io.Writer) (*loadResult, error) {
	rss := loadNewRSS(c.pid, stderr)
	// Shards are interrupted when ctx ends, and then report what they did; waitCtx bounds the
	// wait for them either way.
	waitCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.duration+5*time.Minute)
	defer cancel()
	shards := make([]*loadShard, 0, c.processes)
	defer func() {
		for _, s := range shards {
			_ = s.proc.stdin.Close()
		}
	}()
	for i := 1; i <= c.processes; i++ {
		p, err := spawn(ctx, loadShardArgs(c, i))
		if err != nil {
			return nil, err
		}
		s := &loadShard{index: i, proc: p, sent: make(chan struct{}), exited: make(chan struct{})}
		shards = append(shards, s)
		go s.read(stderr)
	}

	began := time.Now()
	stop := make(chan struct{})
	var watchers sync.WaitGroup
	watchers.Go(func() {
		var last uint64
		lastAt := time.Now()
		connectedSampled := false
		loadEvery(50*time.Millisecond, stop, func() {
			var sum loadProgress
			for _, s := range shards {
				p := s.progress()
				sum.Connected += p.Connected
				sum.Refused += p.Refused
				sum.Failed += p.Failed
				sum.Messages += p.Messages
				sum.Errors += p.Errors
				sum.P99Ms = max(sum.P99Ms, p.P99Ms) // the worst shard's: an upper bound
			}
			if !connectedSampled && sum.Connected+sum.Refused+sum.Failed == int64(c.stations) {
				connectedSampled = true
				rss.sample(&rss.m.ConnectedKiB)
			}
			if now := time.Now(); now.Sub(lastAt) >= time.Second {
				rate := float64(sum.Messages-last) / now.Sub(lastAt).Seconds()
				last, lastAt = sum.Messages, now
				fmt.Fprintln(stderr, loadProgressLine(now.Sub(began), sum, c.stations, rate))
			}
		})
	})
	for _, s := range shards {
		select {
		case <-s.sent:
		case <-waitCtx.Done():
		}
	}
	rss.sample(&rss.m.EndKiB)
	close(stop)
	watchers.Wait()
	for _, s := range shards {
		_ = s.proc.stdin.Close()
	}
	var results []*loadResult
	var errs []error
	for _, s := range shards {
		select {
		case <-s.exited:
		case <-waitCtx.Done():
			return nil, fmt.Errorf("load: shard %d did not end: %w", s.index, waitCtx.Err())
		}
		s.mu.Lock()
		out, err := s.result, s.err
		s.mu.Unlock()
		var r loadResult
		if jerr := json.Unmarshal(out, &r); jerr != nil {
			errs = append(errs, fmt.Errorf("load: shard %d gave no result (%v): %w", s.index, jerr, errors.Join(err, errors.New(string(out)))))
			continue
		}
		results = append(results, &r)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	res := loadMerge(results)
	res.RSS = rss.result()
	var h loadHist
	for _, r := range results {
		h.merge(r.Histogram, time.Duration(r.MaxNanos))
	}
	res.fill(&h)
	return res, nil
}

// loadMerge adds up the results of shards; fill must follow, with their merged histogram.
func loadMerge(results []*loadResult) *loadResult {
	m := &loadResult{Errors: map[string]uint64{}, Processes: len(results)}
	for _, r := range results {
		m.Stations += r.Stations
		m.Connected += r.Connected
		m.Refused += r.Refused
		m.Failed += r.Failed
		m.Messages += r.Messages
		for k, n := range r.Errors {
			m.Errors[k] += n
		}
		m.BootStart = loadEarliest(m.BootStart, r.BootStart)
		m.SendStart = loadEarliest(m.SendStart, r.SendStart)
		m.BootEnd = max(m.BootEnd, r.BootEnd)
		m.SendEnd = max(m.SendEnd, r.SendEnd)
	}
	return m
}

// loadEarliest is the earlier of two unix times, 0 meaning none.
func loadEarliest(a, b int64) int64 {
	switch {
	case a == 0:
		return b
	case b == 0:
		return a
	}
	return min(a, b)
}
