package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ladda-csms/ladda/ocpp/ocpptest"
)

const loadUsage = `usage: ladda load [flags]

Generates OCPP load against a Ladda server on this machine and reports throughput and latency;
docs/benchmarks.md is made with it. Each of --stations stations connects (spread over --ramp),
boots, reports Available, starts one transaction when the mix has meter values, then sends
the --mix of messages, one at a time as OCPP requires, at --rate messages per second in total
(0: as fast as the answers come). A progress line goes to stderr every second; the report
follows at the end (--json: as JSON on stdout). The run always ends after --duration.

Latency is from sending a CALL to receiving its answer. "messages" counts the CALLs measured:
BootNotification, the first StatusNotification and the mix (not the few messages that start
the transaction). --pid samples the server's resident memory (VmRSS) before, after all
stations connected, and at the end, and divides the growth by the stations connected.

One process holds at most about 19,000 sockets here; --processes K runs K copies of itself,
each with a share of the stations and of the rate, and merges their results.

Examples:
  ladda load --api-key KEY --stations 1000 --duration 30s
  ladda load --api-key KEY --stations 50000 --processes 3 --hold --ramp 60s --duration 3m --pid 1234

flags:
`

// loadConfig is what the flags of load say.
type loadConfig struct {
	url         string
	stations    int
	prefix      string
	version     string
	password    string
	apiKey      string
	idTag       string
	rate        float64
	mix         loadMix
	mixText     string
	ramp        time.Duration
	duration    time.Duration
	pid         int
	processes   int
	shard       int // 1..processes when this process is a shard; 0 otherwise
	hold        bool
	json        bool
	connectors  int
	callTimeout time.Duration
}

// loadMaxPerProcess is the most stations one process runs: each is a socket, and a process may
// open 20,000 files here.
const loadMaxPerProcess = 19000

func loadFlags(args []string, getenv func(string) string, stderr io.Writer) (loadConfig, error) {
	var c loadConfig
	var shard string
	fs := flag.NewFlagSet("ladda load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), loadUsage)
		fs.PrintDefaults()
	}
	fs.StringVar(&c.url, "url", "ws://127.0.0.1:8080/ocpp", "OCPP endpoint of the server, without the station id; loopback only")
	fs.IntVar(&c.stations, "stations", 100, "number of stations")
	fs.StringVar(&c.prefix, "id-prefix", "LOAD-", "station ids are this prefix and a number from 1")
	fs.StringVar(&c.version, "version", ocpptest.V16, "OCPP version of every station: 1.6 or 2.0.1")
	fs.StringVar(&c.password, "password", simDefaultPassword, "the stations' basic-auth password")
	fs.StringVar(&c.apiKey, "api-key", "", "API key: register the stations and the id tag first (env LADDA_API_KEY)")
	fs.StringVar(&c.idTag, "id-tag", "LOAD-TAG-1", "the token that starts the stations' transactions")
	fs.Float64Var(&c.rate, "rate", 0, "total messages per second to aim at; 0: as fast as the answers come")
	fs.StringVar(&c.mixText, "mix", "meter=70,heartbeat=20,status=10", "relative weights of the messages sent: meter, heartbeat, status")
	fs.DurationVar(&c.ramp, "ramp", 0, "connect the stations evenly over this time; 0: all at once (a reconnect storm)")
	fs.DurationVar(&c.duration, "duration", 30*time.Second, "length of the whole run, connecting included")
	fs.IntVar(&c.pid, "pid", 0, "process id of the server, to sample its memory (Linux /proc)")
	fs.IntVar(&c.processes, "processes", 1, "run this many processes, each with a share of the stations")
	fs.StringVar(&shard, "shard", "", "internal: run as shard i of K (set by --processes)")
	fs.BoolVar(&c.hold, "hold", false, "only connect, boot and heartbeat: measures the memory of idle stations")
	fs.BoolVar(&c.json, "json", false, "print the result as JSON on stdout")
	fs.IntVar(&c.connectors, "connectors", 1, "connectors per station")
	fs.DurationVar(&c.callTimeout, "call-timeout", 30*time.Second, "how long a station waits for each answer")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, usageError{fmt.Sprintf("load: unexpected argument %q", fs.Arg(0))}
	}
	if c.apiKey == "" {
		c.apiKey = getenv("LADDA_API_KEY")
	}
	loopback, err := loopbackURL(c.url)
	if err != nil {
		return c, usageError{"load: --url: " + err.Error()}
	}
	if !loopback {
		return c, usageError{fmt.Sprintf("load: --url %s is not a loopback address: load is for a server on this machine only", c.url)}
	}
	if c.mix, err = parseLoadMix(c.mixText); err != nil {
		return c, usageError{"load: --mix: " + err.Error()}
	}
	if shard != "" {
		i, k, ok := strings.Cut(shard, "/")
		c.shard, _ = strconv.Atoi(i)
		n, _ := strconv.Atoi(k)
		if !ok || n != c.processes || c.shard < 1 || c.shard > n {
			return c, usageError{fmt.Sprintf("load: --shard %q: want i/K with 1 <= i <= K = --processes", shard)}
		}
	}
	switch {
	case c.stations < 1:
		return c, usageError{"load: --stations must be at least 1"}
	case c.processes < 1 || c.processes > 64:
		return c, usageError{"load: --processes must be 1 to 64"}
	case (c.stations+c.processes-1)/c.processes > loadMaxPerProcess:
		return c, usageError{fmt.Sprintf("load: %d stations need --processes %d or more (at most %d sockets per process)",
			c.stations, (c.stations+loadMaxPerProcess-1)/loadMaxPerProcess, loadMaxPerProcess)}
	case c.version != ocpptest.V16 && c.version != ocpptest.V201:
		return c, usageError{fmt.Sprintf("load: --version %q: want 1.6 or 2.0.1", c.version)}
	case c.rate < 0:
		return c, usageError{"load: --rate must not be negative"}
	case c.duration <= 0 || c.ramp < 0 || c.ramp >= c.duration:
		return c, usageError{"load: --duration must be positive and --ramp shorter than it"}
	case c.connectors < 1 || c.connectors > 100:
		return c, usageError{"load: --connectors must be 1 to 100"}
	case c.callTimeout <= 0:
		return c, usageError{"load: --call-timeout must be positive"}
	case c.idTag == "" || len(c.idTag) > 20:
		return c, usageError{"load: --id-tag must be 1 to 20 characters"}
	}
	return c, nil
}

// loadMix is the relative weight of each kind of message.
type loadMix struct{ meter, heartbeat, status int }

func parseLoadMix(s string) (loadMix, error) {
	var m loadMix
	for part := range strings.SplitSeq(s, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(value)
		if !ok || err != nil || n < 0 {
			return m, fmt.Errorf("%q: want name=weight, such as meter=70", part)
		}
		switch name {
		case "meter":
			m.meter = n
		case "heartbeat":
			m.heartbeat = n
		case "status":
			m.status = n
		default:
			return m, fmt.Errorf("unknown message %q: want meter, heartbeat or status", name)
		}
	}
	if m.meter+m.heartbeat+m.status == 0 {
		return m, fmt.Errorf("%q: all weights are 0", s)
	}
	return m, nil
}

// loadResult is the outcome of a run, of one process or merged from shards. It is also what
// a shard sends its parent, which is why it carries the histogram.
type loadResult struct {
	Stations        int               `json:"stations"`
	Connected       int               `json:"connected"`
	Refused         int               `json:"refused"`
	Failed          int               `json:"failed"`
	BootSeconds     float64           `json:"bootSeconds"` // first connect attempt → last boot accepted
	Messages        uint64            `json:"messages"`
	DurationSeconds float64           `json:"durationSeconds"` // first message sent → last answer
	MsgsPerSecond   float64           `json:"msgsPerSecond"`
	LatencyMs       loadLatency       `json:"latencyMs"`
	ErrorCount      uint64            `json:"errorCount"`
	Errors          map[string]uint64 `json:"errors"`
	RSS             *loadRSS          `json:"rss,omitempty"`

	// For merging shards.
	BootStart  int64       `json:"bootStartUnixNano,omitempty"`
	BootEnd    int64       `json:"bootEndUnixNano,omitempty"`
	SendStart  int64       `json:"sendStartUnixNano,omitempty"`
	SendEnd    int64       `json:"sendEndUnixNano,omitempty"`
	MaxNanos   int64       `json:"maxNanos,omitempty"`
	Histogram  [][2]uint64 `json:"histogram,omitempty"`
	Processes  int         `json:"processes"`
	ShardIndex int         `json:"shard,omitempty"`
}

// loadLatency holds latency percentiles in milliseconds.
type loadLatency struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// loadRSS is the server's resident memory, in KiB.
type loadRSS struct {
	StartKiB         int64   `json:"startKiB"`
	ConnectedKiB     int64   `json:"connectedKiB"`
	EndKiB           int64   `json:"endKiB"`
	KiBPerStation    float64 `json:"kibPerStation"` // (connected − start) / stations connected
	EndKiBPerStation float64 `json:"endKiBPerStation"`
}

// fill computes the derived fields from the raw ones and the histogram.
func (r *loadResult) fill(h *loadHist) {
	if r.BootStart > 0 && r.BootEnd >= r.BootStart {
		r.BootSeconds = time.Duration(r.BootEnd - r.BootStart).Seconds()
	}
	if r.SendStart > 0 && r.SendEnd > r.SendStart {
		r.DurationSeconds = time.Duration(r.SendEnd - r.SendStart).Seconds()
		r.MsgsPerSecond = float64(r.Messages) / r.DurationSeconds
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	r.LatencyMs = loadLatency{P50: ms(h.quantile(0.50)), P95: ms(h.quantile(0.95)), P99: ms(h.quantile(0.99)), Max: ms(h.maximum())}
	r.MaxNanos = int64(h.maximum())
	r.ErrorCount = 0
	for _, n := range r.Errors {
		r.ErrorCount += n
	}
	if r.RSS != nil && r.Connected > 0 {
		r.RSS.KiBPerStation = float64(r.RSS.ConnectedKiB-r.RSS.StartKiB) / float64(r.Connected)
		r.RSS.EndKiBPerStation = float64(r.RSS.EndKiB-r.RSS.StartKiB) / float64(r.Connected)
	}
}

// load runs `ladda load`.
func load(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return loadMain(ctx, args, getenv, os.Stdin, stdout, stderr, loadExec)
}

// loadMain is load with its standard input and the way it starts shards made explicit, for
// tests.
func loadMain(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer, spawn loadSpawner) error {
	c, err := loadFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	if c.shard == 0 && c.apiKey != "" {
		if err := loadRegister(ctx, c, stderr); err != nil {
			return err
		}
	}
	var res *loadResult
	switch {
	case c.shard > 0:
		res, err = loadRunShard(ctx, c, stdin, stderr)
		if err != nil {
			return err
		}
		return json.NewEncoder(stdout).Encode(res)
	case c.processes > 1:
		res, err = loadRunShards(ctx, c, spawn, stderr)
	default:
		res, err = loadRunLocal(ctx, c, stderr)
	}
	if err != nil {
		return err
	}
	if c.json {
		res.Histogram = nil
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	loadReport(stdout, c, res)
	return nil
}

// loadStationIDs returns the ids of the stations of shard (1..K; 0 or K=1: all), with their
// number from 1 across the whole fleet.
func loadStationIDs(c loadConfig) (ids []string, numbers []int) {
	for n := 1; n <= c.stations; n++ {
		if c.shard > 0 && (n-1)%c.processes != c.shard-1 {
			continue
		}
		ids = append(ids, c.prefix+strconv.Itoa(n))
		numbers = append(numbers, n)
	}
	return ids, numbers
}

// loadRegister registers all stations and the id token through the API, a few at a time.
func loadRegister(ctx context.Context, c loadConfig, stderr io.Writer) error {
	api, err := loadAPIFor(c.url, c.apiKey)
	if err != nil {
		return err
	}
	all := c
	all.shard = 0
	ids, _ := loadStationIDs(all)
	start := time.Now()
	created, err := api.ensureStations(ctx, ids, c.password, 16)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	if err := api.ensureToken(ctx, c.idTag); err != nil {
		return fmt.Errorf("load: creating id tag %s: %w", c.idTag, err)
	}
	fmt.Fprintf(stderr, "load: registered %d stations (%d new) and id tag %s in %s\n", len(ids), created, c.idTag, time.Since(start).Round(time.Millisecond))
	return nil
}

// loadReport prints the result for people.
func loadReport(w io.Writer, c loadConfig, r *loadResult) {
	rate := "as fast as answered"
	if c.rate > 0 {
		rate = strconv.FormatFloat(c.rate, 'f', -1, 64) + " msgs/s"
	}
	mode := "mix " + c.mixText + ", rate " + rate
	if c.hold {
		mode = "hold (boot and heartbeats only)"
	}
	fmt.Fprintf(w, "ladda load: %d stations (OCPP %s) at %s, %s, ramp %s, duration %s, %d process(es)\n",
		r.Stations, c.version, c.url, mode, c.ramp, c.duration, r.Processes)
	fmt.Fprintf(w, "  stations   %d connected, %d refused, %d failed\n", r.Connected, r.Refused, r.Failed)
	fmt.Fprintf(w, "  boot       whole fleet in %s (first connect to last boot accepted)\n", loadSeconds(r.BootSeconds))
	fmt.Fprintf(w, "  messages   %d in %s: %.0f msgs/s\n", r.Messages, loadSeconds(r.DurationSeconds), r.MsgsPerSecond)
	fmt.Fprintf(w, "  latency    p50 %.2fms  p95 %.2fms  p99 %.2fms  max %.2fms\n", r.LatencyMs.P50, r.LatencyMs.P95, r.LatencyMs.P99, r.LatencyMs.Max)
	if r.ErrorCount == 0 {
		fmt.Fprintf(w, "  errors     none\n")
	} else {
		kinds := make([]string, 0, len(r.Errors))
		for k := range r.Errors {
			kinds = append(kinds, k)
		}
		sort.Slice(kinds, func(i, j int) bool { return r.Errors[kinds[i]] > r.Errors[kinds[j]] })
		fmt.Fprintf(w, "  errors     %d:", r.ErrorCount)
		for _, k := range kinds {
			fmt.Fprintf(w, " %s %d;", k, r.Errors[k])
		}
		fmt.Fprintln(w)
	}
	if m := r.RSS; m != nil {
		fmt.Fprintf(w, "  server RSS start %s, connected %s, end %s: %.1f KiB per station connected (%.1f at the end)\n",
			loadKiB(m.StartKiB), loadKiB(m.ConnectedKiB), loadKiB(m.EndKiB), m.KiBPerStation, m.EndKiBPerStation)
	}
}

func loadSeconds(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Millisecond).String()
}

func loadKiB(k int64) string {
	return strconv.FormatFloat(float64(k)/1024, 'f', 1, 64) + " MiB"
}
