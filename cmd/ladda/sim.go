package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ladda-csms/ladda/gateway"
	"github.com/ladda-csms/ladda/ocpp/ocpptest"
)

// simDefaultPassword is the stations' password when --password is not given: the demo
// password of the README. OCPP 2.0.1 stations need passwords of at least 16 characters; Ladda accepts 8.
const simDefaultPassword = "s3cret-pass"

const simUsage = `usage: ladda sim [flags]

Runs simulated charging stations against a Ladda server: each connects, boots, reports its
connectors Available and charges --sessions times (start, meter values every --meter-interval
for --session-duration, stop), printing a line per session. It always ends by itself: when
every station is done, or after --duration. It exits with success when every station that
connected finished its sessions.

With --api-key (or LADDA_API_KEY) it first registers the stations that are missing, sets
their password, and creates --id-tag as an accepted token, so that one command runs a demo:

  ladda apikey create --name demo         # prints the key
  ladda sim --api-key KEY --stations 5

Stations are PREFIX1..PREFIXn; odd ones speak OCPP 1.6 and even ones 2.0.1 by default.

flags:
`

// simConfig is what the flags of sim say.
type simConfig struct {
	url             string
	stations        int
	prefix          string
	version         string
	password        string
	idTag           string
	sessions        int
	sessionDuration time.Duration
	meterInterval   time.Duration
	duration        time.Duration
	apiKey          string
	allowRemote     bool
	connectors      int
	powerKW         float64
}

func simFlags(args []string, getenv func(string) string, stderr io.Writer) (simConfig, error) {
	var c simConfig
	fs := flag.NewFlagSet("ladda sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), simUsage)
		fs.PrintDefaults()
	}
	fs.StringVar(&c.url, "url", "ws://localhost:8080/ocpp", "OCPP endpoint of the server, without the station id")
	fs.IntVar(&c.stations, "stations", 5, "number of stations")
	fs.StringVar(&c.prefix, "id-prefix", "CP-", "station ids are this prefix and a number from 1")
	fs.StringVar(&c.version, "version", "mixed", "OCPP version: 1.6, 2.0.1, or mixed (odd stations 1.6, even 2.0.1)")
	fs.StringVar(&c.password, "password", simDefaultPassword, "the stations' basic-auth password (8 to 40 characters; 2.0.1 stations need at least 16)")
	fs.StringVar(&c.idTag, "id-tag", "SIM-TAG-1", "the token the simulated drivers present")
	fs.IntVar(&c.sessions, "sessions", 3, "charging sessions per station")
	fs.DurationVar(&c.sessionDuration, "session-duration", 20*time.Second, "length of each session")
	fs.DurationVar(&c.meterInterval, "meter-interval", 5*time.Second, "interval of meter values during a session")
	fs.DurationVar(&c.duration, "duration", 2*time.Minute, "the simulation ends after this long, done or not")
	fs.StringVar(&c.apiKey, "api-key", "", "API key: register missing stations and the id tag first (env LADDA_API_KEY)")
	fs.BoolVar(&c.allowRemote, "allow-remote", false, "allow a server that is not on this machine (loopback)")
	fs.IntVar(&c.connectors, "connectors", 2, "connectors per station; sessions take turns on them")
	fs.Float64Var(&c.powerKW, "power-kw", 11, "charging power of the simulated cars, in kW, on three phases; they draw less when Ladda limits them (smart charging)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, usageError{fmt.Sprintf("sim: unexpected argument %q", fs.Arg(0))}
	}
	if c.apiKey == "" {
		c.apiKey = getenv("LADDA_API_KEY")
	}
	switch {
	case c.stations < 1 || c.stations > 10000:
		return c, usageError{"sim: --stations must be 1 to 10000 (ladda load runs more)"}
	case c.version != "mixed" && c.version != ocpptest.V16 && c.version != ocpptest.V201:
		return c, usageError{fmt.Sprintf("sim: --version %q: want 1.6, 2.0.1 or mixed", c.version)}
	case c.sessions < 0:
		return c, usageError{"sim: --sessions must not be negative"}
	case c.sessionDuration <= 0 || c.meterInterval <= 0 || c.duration <= 0:
		return c, usageError{"sim: --session-duration, --meter-interval and --duration must be positive"}
	case c.connectors < 1 || c.connectors > 100:
		return c, usageError{"sim: --connectors must be 1 to 100"}
	case !(c.powerKW > 0 && c.powerKW <= 1000):
		return c, usageError{"sim: --power-kw must be above 0 and at most 1000"}
	case c.idTag == "" || len(c.idTag) > 20:
		return c, usageError{"sim: --id-tag must be 1 to 20 characters (OCPP 1.6 idTag)"}
	}
	loopback, err := loopbackURL(c.url)
	if err != nil {
		return c, usageError{"sim: --url: " + err.Error()}
	}
	if !loopback && !c.allowRemote {
		return c, usageError{fmt.Sprintf("sim: --url %s is not on this machine; pass --allow-remote to simulate against another host", c.url)}
	}
	return c, nil
}

// simPrinter writes whole lines from many goroutines.
type simPrinter struct {
	mu sync.Mutex
	w  io.Writer
}

func (p *simPrinter) printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format+"\n", args...)
}

// simOutcome is how one station's run ended.
type simOutcome struct {
	connected bool
	finished  bool // all its sessions done
	sessions  int
	energyWh  float64
}

// sim runs `ladda sim`.
func sim(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := simFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.duration)
	defer cancel()
	out := &simPrinter{w: stdout}

	ids := make([]string, c.stations)
	for i := range ids {
		ids[i] = c.prefix + strconv.Itoa(i+1)
	}
	if c.apiKey != "" {
		if err := simRegister(ctx, c, ids, out); err != nil {
			return err
		}
	}

	outcomes := make([]simOutcome, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() { outcomes[i] = simStation(ctx, c, id, simVersion(c.version, i+1), out) })
	}
	wg.Wait()

	var connected, finished, sessions int
	var energy float64
	for _, o := range outcomes {
		if o.connected {
			connected++
		}
		if o.finished {
			finished++
		}
		sessions += o.sessions
		energy += o.energyWh
	}
	out.printf("sim: %d of %d stations connected, %d finished all their sessions; %d sessions, %s in total",
		connected, len(ids), finished, sessions, simEnergy(energy))
	switch {
	case connected == 0:
		return errors.New("sim: no station connected")
	case finished < connected && ctx.Err() != nil:
		return fmt.Errorf("sim: --duration %s ended before every station finished its sessions", c.duration)
	case finished < connected:
		return fmt.Errorf("sim: %d of %d connected stations did not finish their sessions", connected-finished, connected)
	}
	return nil
}

// simVersion is the OCPP version of station n (from 1).
func simVersion(flagValue string, n int) string {
	if flagValue != "mixed" {
		return flagValue
	}
	if n%2 == 1 {
		return ocpptest.V16
	}
	return ocpptest.V201
}

// simRegister registers the stations and the id tag through the API.
func simRegister(ctx context.Context, c simConfig, ids []string, out *simPrinter) error {
	api, err := loadAPIFor(c.url, c.apiKey)
	if err != nil {
		return err
	}
	created, err := api.ensureStations(ctx, ids, c.password, 4)
	if err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	if err := api.ensureToken(ctx, c.idTag); err != nil {
		return fmt.Errorf("sim: creating id tag %s: %w", c.idTag, err)
	}
	out.printf("sim: registered %d new stations (%d existed; their password is now --password) and id tag %s", created, len(ids)-created, c.idTag)
	return nil
}

// carA is the current per phase of the simulated cars: --power-kw on three phases.
func (c simConfig) carA() float64 { return c.powerKW * 1000 / (3 * ocpptest.PhaseVoltage) }

// simStation runs one station: up, then its sessions.
func simStation(ctx context.Context, c simConfig, id, version string, out *simPrinter) simOutcome {
	var o simOutcome
	st, err := ocpptest.New(ocpptest.Config{
		URL:           c.url,
		ID:            id,
		Password:      c.password,
		Version:       version,
		Connectors:    c.connectors,
		Model:         "Sim " + version,
		MeterInterval: c.meterInterval,
		PowerW:        c.powerKW * 1000,
		MaxCurrentA:   c.carA(),
	})
	if err != nil {
		out.printf("%s failed: %v", id, err)
		return o
	}
	defer st.Close()

	if err := st.Connect(ctx); err != nil {
		var de *gateway.DialError
		switch {
		case errors.As(err, &de) && de.StatusCode == http.StatusUnauthorized:
			out.printf("%s refused: HTTP 401 — register it (POST /api/v1/stations) or pass --api-key", id)
		case errors.As(err, &de):
			out.printf("%s refused: HTTP %d %s", id, de.StatusCode, strings.TrimSpace(de.Body))
		default:
			out.printf("%s could not connect: %v", id, err)
		}
		return o
	}
	o.connected = true
	res, err := st.BootOnce(ctx)
	switch {
	case err != nil:
	case res.Status != "Accepted":
		out.printf("%s is %s: waiting for an operator to accept it (PATCH /api/v1/stations/%s {\"registration\":\"Accepted\"}); retrying every %s",
			id, res.Status, id, res.Interval)
		// Up boots until accepted (reconnecting when the server closes the connection, as
		// Ladda does on acceptance) and reports the connectors Available.
		if simPause(ctx, max(res.Interval, time.Second)) {
			err = st.Up(ctx)
		} else {
			err = ctx.Err()
		}
	default:
		for n := 1; n <= c.connectors && err == nil; n++ {
			err = st.StatusNotification(ctx, n, ocpptest.StatusAvailable)
		}
	}
	if err != nil {
		out.printf("%s could not come up: %v", id, err)
		return o
	}
	out.printf("%s connected (OCPP %s) and accepted, heartbeat every %s", id, version, st.HeartbeatInterval())

	for k := 1; k <= c.sessions; k++ {
		if k > 1 && !simPause(ctx, time.Second) {
			return o
		}
		connector := (k-1)%c.connectors + 1
		sess, err := st.StartSession(ctx, connector, c.idTag)
		var rejected *ocpptest.RejectedError
		switch {
		case errors.As(err, &rejected):
			out.printf("%s session %d/%d refused: id tag %s is %s — create it (POST /api/v1/id-tokens) or pass --api-key",
				id, k, c.sessions, c.idTag, rejected.Status)
			return o
		case err != nil:
			out.printf("%s session %d/%d could not start: %v", id, k, c.sessions, err)
			return o
		}
		out.printf("%s session %d/%d started on connector %d (transaction %s)", id, k, c.sessions, connector, sess.TransactionID)
		// The car follows the limits Ladda sets (smart charging) for the session's length.
		drive, done := context.WithTimeout(ctx, c.sessionDuration)
		chargeErr := sess.Drive(drive, ocpptest.Car{MaxA: c.carA(), MinA: min(ocpptest.DefaultCarMinA, c.carA()), Phases: 3})
		done()
		if errors.Is(chargeErr, context.DeadlineExceeded) && ctx.Err() == nil {
			chargeErr = nil // the session's time is up
		}
		// Stop even when the run's time is up: a simulator must not leave transactions open.
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		err = sess.Stop(stopCtx, "Local")
		cancel()
		if err != nil && !errors.Is(err, ocpptest.ErrSessionStopped) {
			out.printf("%s session %d/%d could not stop: %v", id, k, c.sessions, err)
			return o
		}
		o.sessions++
		o.energyWh += sess.EnergyWh()
		out.printf("%s session %d/%d stopped: %s in %s (transaction %s)", id, k, c.sessions, simEnergy(sess.EnergyWh()),
			time.Since(sess.StartedAt).Round(100*time.Millisecond), sess.TransactionID)
		if chargeErr != nil {
			if ctx.Err() == nil {
				out.printf("%s session %d/%d: %v", id, k, c.sessions, chargeErr)
			}
			return o // the run's time is up, or the server refused a message
		}
	}
	o.finished = true
	return o
}

// simPause waits d; false when ctx ended first.
func simPause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func simEnergy(wh float64) string {
	if wh >= 1000 {
		return strconv.FormatFloat(wh/1000, 'f', 2, 64) + " kWh"
	}
	return strconv.FormatFloat(wh, 'f', 1, 64) + " Wh"
}
