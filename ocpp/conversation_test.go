package ocpp_test

// Station conversations as scripts: each testdata/conversations/*.txtar holds, in its "script"
// file, the frames a station sends and the frames Ladda must answer, plus checks of what Ladda
// stored. The scripts run against the real router, gateway and SQLite store over real
// WebSockets on loopback.
//
// Script commands (one per line; # starts a comment):
//
//	station ID PASSWORD [Accepted|Pending|Rejected]   register a station
//	token TOKEN [STATUS]                              register an ID token
//	connect ID SUBPROTOCOL [PASSWORD]                 open the station's connection
//	refused ID SUBPROTOCOL PASSWORD STATUS            the handshake must fail with HTTP STATUS
//	send FRAME                                        send a frame as it stands
//	recv FRAME                                        the next frame must match: "*" matches any value
//	tx ID STATION_TX_ID key=value…                    a stored transaction's fields
//	txcount ID N                                      the station has N transactions
//	connector ID EVSE CONNECTOR STATUS                a connector's stored status
//	setting ID COMPONENT VARIABLE ATTRIBUTE VALUE     a stored setting ("-" for an empty part)
//	reports ID N ACTION:KIND…                         the station's N stored reports, newest first
//	disconnect                                        close the connection

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/gateway"
	"github.com/ladda-csms/ladda/ocpp"
	"github.com/ladda-csms/ladda/ocpp/schema"
	"github.com/ladda-csms/ladda/station"
	"github.com/ladda-csms/ladda/store/sqlite"
)

// fixture is a complete OCPP side of Ladda on a loopback port.
type fixture struct {
	url       string
	stations  *station.Service
	charging  *charging.Service
	gateway   *gateway.Server
	validator *schema.Validator
}

func newFixture(t *testing.T, maxFrame int) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ladda.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	stations := station.NewService(db, nil, nil, nil, station.Config{Pepper: []byte("test-pepper-0123456789")})
	chargingSvc := charging.NewService(db, nil, nil, nil, charging.Config{})
	v, err := schema.New()
	if err != nil {
		t.Fatal(err)
	}
	router := ocpp.NewRouter(ocpp.RouterConfig{Stations: stations, Charging: chargingSvc, Validator: v})
	gw, err := gateway.New(gateway.Config{Authenticator: router, Dispatcher: router, MaxFrameSize: maxFrame, CallTimeout: 5 * time.Second,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	stations.SetConnections(gw)
	mux := http.NewServeMux()
	mux.Handle("/ocpp/", gw)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		gw.Shutdown(ctx)
		srv.Close()
	})
	return &fixture{url: "ws" + strings.TrimPrefix(srv.URL, "http") + "/ocpp/", stations: stations, charging: chargingSvc, gateway: gw, validator: v}
}

func TestConversations(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/conversations/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no conversations: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			t.Parallel()
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var script []byte
			for _, f := range ar.Files {
				if f.Name == "script" {
					script = f.Data
				}
			}
			if script == nil {
				t.Fatal("no script file in the archive")
			}
			runScript(t, newFixture(t, 4096), string(script))
		})
	}
}

type runner struct {
	t         *testing.T
	f         *fixture
	passwords map[string]string
	conn      *gateway.ClientConn
	frames    chan []byte
	line      int
}

func runScript(t *testing.T, f *fixture, script string) {
	r := &runner{t: t, f: f, passwords: map[string]string{}}
	defer r.disconnect()
	sc := bufio.NewScanner(strings.NewReader(script))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		r.line++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cmd, rest, _ := strings.Cut(line, " ")
		r.do(cmd, strings.TrimSpace(rest))
	}
}

func (r *runner) fatalf(format string, args ...any) {
	r.t.Helper()
	r.t.Fatalf("script line %d: %s", r.line, fmt.Sprintf(format, args...))
}

func (r *runner) do(cmd, rest string) {
	r.t.Helper()
	ctx := context.Background()
	args := strings.Fields(rest)
	switch cmd {
	case "station":
		reg := station.Accepted
		if len(args) > 2 {
			reg = station.Registration(args[2])
		}
		if _, _, err := r.f.stations.Register(ctx, station.NewStation{ID: ladda.StationID(args[0]), Password: args[1], Registration: reg}); err != nil {
			r.fatalf("register: %v", err)
		}
		r.passwords[args[0]] = args[1]
	case "token":
		status := charging.Accepted
		if len(args) > 1 {
			status = charging.TokenStatus(args[1])
		}
		if err := r.f.charging.CreateIDToken(ctx, &charging.IDToken{Token: args[0], Status: status}); err != nil {
			r.fatalf("token: %v", err)
		}
	case "connect":
		r.disconnect()
		password := r.passwords[args[0]]
		if len(args) > 2 {
			password = args[2]
		}
		r.frames = make(chan []byte, 64)
		frames := r.frames
		conn, err := gateway.Dial(ctx, r.f.url+args[0], gateway.DialOptions{
			Subprotocols: []string{args[1]}, Username: args[0], Password: password,
			OnFrame: func(b []byte) { frames <- slices.Clone(b) },
		})
		if err != nil {
			r.fatalf("connect: %v", err)
		}
		if conn.Subprotocol() != args[1] {
			r.fatalf("subprotocol %q, want %q", conn.Subprotocol(), args[1])
		}
		r.conn = conn
	case "refused":
		_, err := gateway.Dial(ctx, r.f.url+args[0], gateway.DialOptions{Subprotocols: []string{args[1]}, Username: args[0], Password: args[2]})
		var de *gateway.DialError
		if !errors.As(err, &de) || strconv.Itoa(de.StatusCode) != args[3] {
			r.fatalf("dial error = %v, want HTTP %s", err, args[3])
		}
	case "send":
		if r.conn == nil {
			r.fatalf("send without connect")
		}
		if err := r.conn.SendRaw([]byte(rest)); err != nil {
			r.fatalf("send: %v", err)
		}
	case "recv":
		select {
		case got := <-r.frames:
			if !matchJSON(r.t, rest, got) {
				r.fatalf("received %s\nwant         %s", got, rest)
			}
		case <-time.After(5 * time.Second):
			r.fatalf("no frame within 5s, want %s", rest)
		}
	case "disconnect":
		r.disconnect()
	case "tx":
		tx, err := r.f.charging.TransactionByStationTxID(ctx, ladda.StationID(args[0]), args[1])
		if err != nil {
			r.fatalf("transaction %s/%s: %v", args[0], args[1], err)
		}
		for _, kv := range args[2:] {
			k, want, _ := strings.Cut(kv, "=")
			if got := txField(tx, k); got != want {
				r.fatalf("transaction %s/%s: %s = %q, want %q", args[0], args[1], k, got, want)
			}
		}
	case "txcount":
		id := ladda.StationID(args[0])
		list, err := r.f.charging.Transactions(ctx, charging.TransactionFilter{StationID: &id})
		if err != nil {
			r.fatalf("transactions: %v", err)
		}
		if strconv.Itoa(len(list)) != args[1] {
			r.fatalf("station %s has %d transactions, want %s", args[0], len(list), args[1])
		}
	case "setting": // setting STATION COMPONENT VARIABLE ATTRIBUTE VALUE (component "-": 1.6 key)
		list, err := r.f.stations.Settings(ctx, ladda.StationID(args[0]))
		if err != nil {
			r.fatalf("settings: %v", err)
		}
		component := args[1]
		if component == "-" {
			component = ""
		}
		attribute := args[3]
		if attribute == "-" {
			attribute = ""
		}
		found := false
		for _, st := range list {
			if st.Component == component && st.Variable == args[2] && st.Attribute == attribute {
				found = true
				if st.Value != args[4] {
					r.fatalf("setting %s/%s = %q, want %q", component, args[2], st.Value, args[4])
				}
			}
		}
		if !found {
			r.fatalf("no setting %s/%s %s among %d", component, args[2], attribute, len(list))
		}
	case "reports": // reports STATION N ACTION:KIND-OR-STATUS… (newest first)
		list, err := r.f.stations.Reports(ctx, station.ReportFilter{StationID: ladda.StationID(args[0])})
		if err != nil {
			r.fatalf("reports: %v", err)
		}
		if strconv.Itoa(len(list)) != args[1] {
			r.fatalf("%d reports, want %s", len(list), args[1])
		}
		for i, want := range args[2:] {
			got := list[i].Action + ":" + list[i].Kind + list[i].Status
			if got != want || !json.Valid(list[i].Payload) {
				r.fatalf("report %d = %s (payload %s), want %s", i, got, list[i].Payload, want)
			}
		}
	case "connector":
		st, err := r.f.stations.Station(ctx, ladda.StationID(args[0]))
		if err != nil {
			r.fatalf("station: %v", err)
		}
		if got := connectorStatus(st, args[1], args[2]); got != args[3] {
			r.fatalf("connector %s/%s status %q, want %q", args[1], args[2], got, args[3])
		}
	default:
		r.fatalf("unknown command %q", cmd)
	}
}

func (r *runner) disconnect() {
	if r.conn != nil {
		r.conn.Close()
		<-r.conn.Done()
		r.conn = nil
	}
}

func txField(tx *charging.Transaction, k string) string {
	f := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'f', -1, 64)
	}
	switch k {
	case "active":
		return strconv.FormatBool(tx.Active())
	case "energyWh":
		return strconv.FormatFloat(tx.EnergyWh(), 'f', -1, 64)
	case "meterStartWh":
		return f(tx.MeterStartWh)
	case "meterStopWh":
		return f(tx.MeterStopWh)
	case "stopReason":
		return tx.StopReason
	case "idToken":
		return tx.IDToken
	case "evse":
		return strconv.Itoa(tx.EVSEID)
	case "connector":
		return strconv.Itoa(tx.ConnectorID)
	case "id":
		return strconv.FormatInt(int64(tx.ID), 10)
	case "flags":
		var s []string
		for _, fl := range tx.Flags {
			s = append(s, string(fl))
		}
		slices.Sort(s)
		return strings.Join(s, ",")
	}
	return "unknown field " + k
}

func connectorStatus(st *station.Station, evse, connector string) string {
	for _, e := range st.EVSEs {
		if strconv.Itoa(e.ID) != evse {
			continue
		}
		for _, c := range e.Connectors {
			if strconv.Itoa(c.ID) == connector {
				return string(c.Status)
			}
		}
	}
	return "missing"
}

// matchJSON reports whether got matches the pattern want, where the string "*" matches any
// value. Objects must have the same keys.
func matchJSON(t *testing.T, want string, got []byte) bool {
	t.Helper()
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("pattern %s is not JSON: %v", want, err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		return false
	}
	return match(w, g)
}

func match(want, got any) bool {
	if s, ok := want.(string); ok && s == "*" {
		return true
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for k, v := range w {
			if gv, ok := g[k]; !ok || !match(v, gv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !match(w[i], g[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(want, got)
}
