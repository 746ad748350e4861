package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// memStats is what the server process reports about itself.
type memStats struct {
	RSS        int64 // VmRSS from /proc/self/status, bytes
	HeapInuse  uint64
	StackInuse uint64
	Goroutines int
	Stations   int
}

// TestIdleMemory measures the memory an idle connected station costs the server. It is a
// measurement, not a check, so it runs only when asked:
//
//	LADDA_MEMPROBE=5000 go test -run TestIdleMemory -v ./gateway
//
// The server runs in a child process (this test binary again) so that the clients' memory
// does not count; each station connects, makes one call, then stays idle.
func TestIdleMemory(t *testing.T) {
	if os.Getenv("LADDA_MEMPROBE_CHILD") != "" {
		memProbeServer()
		return
	}
	n, _ := strconv.Atoi(os.Getenv("LADDA_MEMPROBE"))
	if n <= 0 {
		t.Skip("set LADDA_MEMPROBE=<stations> to measure memory per idle connection")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestIdleMemory$")
	cmd.Env = append(os.Environ(), "LADDA_MEMPROBE_CHILD=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = stdin.Close(); _ = cmd.Wait() }()
	out := bufio.NewScanner(stdout)
	readLine := func() string {
		if !out.Scan() {
			t.Fatalf("server process ended: %v", out.Err())
		}
		return out.Text()
	}
	stats := func() memStats {
		fmt.Fprintln(stdin, "stats")
		var s memStats
		for {
			line := readLine()
			if strings.HasPrefix(line, "{") {
				if err := json.Unmarshal([]byte(line), &s); err != nil {
					t.Fatal(err)
				}
				return s
			}
		}
	}
	var addr string
	for addr == "" {
		if line := readLine(); strings.HasPrefix(line, "addr ") {
			addr = strings.TrimPrefix(line, "addr ")
		}
	}
	before := stats()

	clients := make([]*ClientConn, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			c, err := Dial(ctx, fmt.Sprintf("ws://%s/ocpp/CP-%05d", addr, i), DialOptions{Subprotocols: []string{"ocpp1.6"}})
			if err != nil {
				t.Error(err)
				return
			}
			clients[i] = c
			if _, err := c.Call(ctx, "Heartbeat", json.RawMessage(`{}`)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	time.Sleep(2 * time.Second) // let the server settle
	after := stats()
	if after.Stations != n {
		t.Fatalf("server has %d stations, want %d", after.Stations, n)
	}
	per := func(a, b int64) float64 { return float64(a-b) / float64(n) / 1024 }
	t.Logf("%d idle stations: server RSS %.1f MiB -> %.1f MiB", n, float64(before.RSS)/(1<<20), float64(after.RSS)/(1<<20))
	t.Logf("per idle station: RSS %.1f KiB, Go heap %.1f KiB, goroutine stacks %.1f KiB, goroutines %.2f",
		per(after.RSS, before.RSS), per(int64(after.HeapInuse), int64(before.HeapInuse)),
		per(int64(after.StackInuse), int64(before.StackInuse)), float64(after.Goroutines-before.Goroutines)/float64(n))
	for _, c := range clients {
		_ = c.Close()
	}
}

// memProbeServer is the child process of TestIdleMemory: a Server on 127.0.0.1 that answers
// "stats" on stdin with a JSON memStats line, and exits when stdin closes.
func memProbeServer() {
	rec := newRecorder()
	srv, err := New(Config{Authenticator: allowAll, Dispatcher: rec, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/ocpp/", srv)
	go func() { _ = http.Serve(ln, mux) }()
	fmt.Println("addr", ln.Addr())
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		if in.Text() != "stats" {
			continue
		}
		runtime.GC()
		debug.FreeOSMemory()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b, _ := json.Marshal(memStats{
			RSS:        vmRSS(),
			HeapInuse:  ms.HeapInuse,
			StackInuse: ms.StackInuse,
			Goroutines: runtime.NumGoroutine(),
			Stations:   srv.Count(),
		})
		fmt.Println(string(b))
	}
	os.Exit(0)
}

// vmRSS returns the resident set size of this process in bytes, from /proc (Linux only).
func vmRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return -1
}
