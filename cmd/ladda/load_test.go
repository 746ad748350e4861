package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// runLoad runs loadMain with args (shards, if any, in-process) and decodes its --json result.
func runLoad(t *testing.T, args ...string) (*loadResult, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	err := loadMain(ctx, append(args, "--json"), noEnv, strings.NewReader(""), &out, &errOut, loadInProcess)
	if err != nil {
		return nil, errOut.String(), err
	}
	var res loadResult
	if jerr := json.Unmarshal(out.Bytes(), &res); jerr != nil {
		t.Fatalf("load --json printed no result: %v\n%s\n%s", jerr, out.String(), errOut.String())
	}
	return &res, errOut.String(), nil
}

// loadInProcess runs a shard as a goroutine instead of a process.
func loadInProcess(ctx context.Context, args []string) (*loadProc, error) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	errR, errW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := loadMain(ctx, args, noEnv, inR, outW, errW, nil)
		outW.Close()
		errW.Close()
		done <- err
	}()
	return &loadProc{stdin: inW, stdout: outR, stderr: errR, wait: func() error { return <-done }}, nil
}

func TestLoadMeasuresTwentyStations(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	res, log, err := runLoad(t, "--url", s.WSURL, "--api-key", s.Key, "--stations", "20", "--duration", "2s",
		"--pid", strconv.Itoa(os.Getpid())) // the server runs in this process
	if err != nil {
		t.Fatalf("load: %v\n%s", err, log)
	}
	if res.Stations != 20 || res.Connected != 20 || res.Refused != 0 || res.Failed != 0 {
		t.Errorf("stations %d: %d connected, %d refused, %d failed; want all 20 connected", res.Stations, res.Connected, res.Refused, res.Failed)
	}
	if res.Messages == 0 || res.MsgsPerSecond <= 0 {
		t.Errorf("messages %d at %v/s, want some", res.Messages, res.MsgsPerSecond)
	}
	if res.ErrorCount != 0 || len(res.Errors) != 0 {
		t.Errorf("errors %d: %v, want none\n%s", res.ErrorCount, res.Errors, log)
	}
	l := res.LatencyMs
	if !(l.P50 > 0 && l.P50 <= l.P95 && l.P95 <= l.P99 && l.P99 <= l.Max) {
		t.Errorf("latency %+v, want 0 < p50 <= p95 <= p99 <= max", l)
	}
	if res.BootSeconds <= 0 {
		t.Errorf("boot time %v, want it measured", res.BootSeconds)
	}
	if res.RSS == nil || res.RSS.StartKiB <= 0 || res.RSS.EndKiB <= 0 {
		t.Errorf("RSS %+v, want samples of this process", res.RSS)
	}
	if !strings.Contains(log, "connected 20/20") {
		t.Errorf("no progress line on stderr:\n%s", log)
	}
	var txs struct {
		Items []struct {
			Active bool `json:"active"`
		} `json:"items"`
	}
	s.mustCall(t, 200, "GET", "/api/v1/transactions?stationId=LOAD-7", nil, &txs)
	if len(txs.Items) != 1 {
		t.Errorf("LOAD-7 has %d transactions, want the one its meter values go to", len(txs.Items))
	}
}

func TestLoadHoldSendsOnlyBoots(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	res, log, err := runLoad(t, "--url", s.WSURL, "--api-key", s.Key, "--stations", "5", "--hold", "--duration", "1s",
		"--pid", strconv.Itoa(os.Getpid()))
	if err != nil {
		t.Fatalf("load: %v\n%s", err, log)
	}
	// The server's heartbeat interval (5 minutes) is longer than the run: one boot each.
	if res.Connected != 5 || res.Messages != 5 {
		t.Errorf("hold: %d connected, %d messages; want 5 and 5 boots", res.Connected, res.Messages)
	}
	if res.RSS == nil || res.RSS.ConnectedKiB <= 0 {
		t.Errorf("RSS %+v, want the memory of this process after connecting", res.RSS)
	}
}

func TestLoadShardsMerge(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	res, log, err := runLoad(t, "--url", s.WSURL, "--api-key", s.Key, "--id-prefix", "SH-", "--stations", "9",
		"--processes", "2", "--version", "2.0.1", "--rate", "200", "--duration", "2s")
	if err != nil {
		t.Fatalf("load: %v\n%s", err, log)
	}
	if res.Processes != 2 || res.Stations != 9 || res.Connected != 9 || res.ErrorCount != 0 {
		t.Errorf("merged result: %d processes, %d stations, %d connected, %d errors (%v); want 2, 9, 9, 0\n%s",
			res.Processes, res.Stations, res.Connected, res.ErrorCount, res.Errors, log)
	}
	if res.Messages == 0 || res.LatencyMs.P99 <= 0 {
		t.Errorf("merged result: %d messages, p99 %v", res.Messages, res.LatencyMs.P99)
	}
	// --rate 200 over 2 s bounds what is sent: boots and first statuses, then at most ~400.
	if res.Messages > 9*2+450 {
		t.Errorf("%d messages at --rate 200 for 2s, want the rate respected", res.Messages)
	}
}

func TestLoadCountsRefusedStations(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	res, log, err := runLoad(t, "--url", s.WSURL, "--id-prefix", "NOPE-", "--stations", "3", "--duration", "1s")
	if err != nil {
		t.Fatalf("load: %v\n%s", err, log)
	}
	if res.Refused != 3 || res.Connected != 0 || res.Errors["refused: HTTP 401 (not registered? pass --api-key)"] != 3 {
		t.Errorf("unregistered stations: %d refused, %d connected, errors %v; want 3 refused with HTTP 401", res.Refused, res.Connected, res.Errors)
	}
}

func TestLoadRefusesRemoteURLs(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"ws://192.0.2.10:8080/ocpp", "ws://example.com/ocpp", "wss://10.0.0.1/ocpp", "http://127.0.0.1:8080/ocpp"} {
		var out bytes.Buffer
		err := run(context.Background(), []string{"load", "--url", u, "--stations", "1"}, noEnv, &out, &out)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("load --url %s = %v, want a usage error", u, err)
		}
	}
	for _, u := range []string{"ws://127.0.0.1:1/ocpp", "ws://localhost:1/ocpp", "ws://[::1]:1/ocpp", "ws://127.8.9.10:1/ocpp"} {
		if ok, err := loopbackURL(u); !ok || err != nil {
			t.Errorf("loopbackURL(%s) = %v, %v; want true", u, ok, err)
		}
	}
}

func TestLoadFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--stations", "40000"}, "--processes 3"},
		{[]string{"--stations", "40000", "--processes", "3"}, ""},
		{[]string{"--version", "2.1"}, "--version"},
		{[]string{"--mix", "meter=1,boot=2"}, "unknown message"},
		{[]string{"--mix", "meter=0"}, "all weights are 0"},
		{[]string{"--ramp", "1m", "--duration", "30s"}, "--ramp"},
		{[]string{"--shard", "3/2", "--processes", "2"}, "--shard"},
		{[]string{"--rate", "-1"}, "--rate"},
	}
	for _, tt := range tests {
		_, err := loadFlags(tt.args, noEnv, io.Discard)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("load %v: %v, want it accepted", tt.args, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("load %v: %v, want an error about %s", tt.args, err, tt.want)
		}
	}
	var help bytes.Buffer
	if _, err := loadFlags([]string{"-h"}, noEnv, &help); !errors.Is(err, flag.ErrHelp) || !strings.Contains(help.String(), "--processes") {
		t.Errorf("load -h = %v:\n%s", err, help.String())
	}
}

func TestParseLoadMix(t *testing.T) {
	t.Parallel()
	got, err := parseLoadMix("meter=70, heartbeat=20,status=10")
	if err != nil || got != (loadMix{meter: 70, heartbeat: 20, status: 10}) {
		t.Errorf("parseLoadMix = %+v, %v", got, err)
	}
	for _, bad := range []string{"", "meter", "meter=x", "meter=-1", "volts=3"} {
		if _, err := parseLoadMix(bad); err == nil {
			t.Errorf("parseLoadMix(%q) accepted", bad)
		}
	}
}

func TestLoadShardStations(t *testing.T) {
	t.Parallel()
	c := loadConfig{stations: 7, prefix: "X-", processes: 3, shard: 2}
	ids, numbers := loadStationIDs(c)
	if strings.Join(ids, ",") != "X-2,X-5" || len(numbers) != 2 || numbers[1] != 5 {
		t.Errorf("shard 2/3 of 7 = %v %v, want X-2, X-5", ids, numbers)
	}
	seen := map[string]bool{}
	for i := 1; i <= 3; i++ {
		c.shard = i
		ids, _ := loadStationIDs(c)
		for _, id := range ids {
			if seen[id] {
				t.Errorf("%s in two shards", id)
			}
			seen[id] = true
		}
	}
	if len(seen) != 7 {
		t.Errorf("shards hold %d stations, want 7", len(seen))
	}
}

func TestLoadHistQuantiles(t *testing.T) {
	t.Parallel()
	var h loadHist
	if h.quantile(0.99) != 0 {
		t.Error("empty histogram has a quantile")
	}
	// 1..10000 µs: the q-quantile is q*10 ms, within the bucket precision of 1/64.
	for i := 1; i <= 10000; i++ {
		h.record(time.Duration(i) * time.Microsecond)
	}
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		want := q * float64(10*time.Millisecond)
		got := float64(h.quantile(q))
		if math.Abs(got-want)/want > 1.0/loadHistSub {
			t.Errorf("quantile(%v) = %v, want %v within %.1f%%", q, time.Duration(got), time.Duration(want), 100.0/loadHistSub)
		}
	}
	if h.maximum() != 10*time.Millisecond || h.quantile(1) != 10*time.Millisecond || h.total.Load() != 10000 {
		t.Errorf("max %v, q1 %v, count %d", h.maximum(), h.quantile(1), h.total.Load())
	}

	// A merge of the sparse form gives the same answers.
	var m loadHist
	m.merge(h.sparse(), h.maximum())
	for _, q := range []float64{0.5, 0.99} {
		if m.quantile(q) != h.quantile(q) {
			t.Errorf("merged quantile(%v) = %v, want %v", q, m.quantile(q), h.quantile(q))
		}
	}
}

func TestLoadHistBuckets(t *testing.T) {
	t.Parallel()
	// Every value maps to a bucket whose reported value is within 1/64 of it, and buckets
	// grow with the value.
	prev := -1
	for _, v := range []uint64{0, 1, 127, 128, 129, 255, 256, 1000, 1 << 20, 123456789, 1 << 40, math.MaxInt64} {
		i := loadHistIndex(v)
		if i < prev || i >= loadHistBuckets {
			t.Errorf("index(%d) = %d after %d (of %d buckets)", v, i, prev, loadHistBuckets)
		}
		prev = i
		got := float64(loadHistValue(i))
		if v > 0 && math.Abs(got-float64(v))/float64(v) > 1.0/loadHistSub {
			t.Errorf("value of bucket %d = %v, want within 1/64 of %d", i, got, v)
		}
	}
}

func BenchmarkLoadHistRecord(b *testing.B) {
	var h loadHist
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		d := time.Duration(1)
		for pb.Next() {
			h.record(d)
			d = (d*7 + 13) % (100 * time.Millisecond)
		}
	})
}
