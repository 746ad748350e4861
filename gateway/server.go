package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/lxzan/gws"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/ocpp/ocppj"
)

// Peer describes a connected station.
type Peer struct {
	StationID   string
	Subprotocol string // as negotiated: "ocpp2.0.1" or "ocpp1.6"
	Dialect     ocppj.Dialect
	RemoteAddr  string
	TLS         bool
}

// Dispatcher is the OCPP layer above the transport.
type Dispatcher interface {
	// Connected is called once a station's socket is open, before any of its CALLs is
	// handled. A station that reconnects is Disconnected on its old socket first.
	Connected(ctx context.Context, p Peer)
	// HandleCall answers one CALL from the station; calls from one station are handled one at a
	// time, in arrival order (so replies follow durable commits in order). A non-nil
	// *ocppj.Error is sent as CALLERROR, in the station's dialect. ctx is not cancelled when the
	// station disconnects (the work may be committed anyway), only when Shutdown gives up.
	HandleCall(ctx context.Context, p Peer, action string, payload json.RawMessage) (json.RawMessage, *ocppj.Error)
	// Disconnected is called once the socket is closed and the station's last CALL has been
	// handled; no call for that socket follows.
	Disconnected(p Peer)
}

// Defaults for Config.
const (
	DefaultMaxFrameSize = 64 << 10
	DefaultCallTimeout  = 30 * time.Second
	DefaultPingInterval = time.Minute
	DefaultWriteTimeout = 10 * time.Second
)

// defaultSubprotocols are the OCPP versions spoken by default, in order of preference.
func defaultSubprotocols() []string { return []string{"ocpp2.0.1", "ocpp1.6"} }

// Config configures a Server.
type Config struct {
	Authenticator Authenticator // required
	Dispatcher    Dispatcher    // required
	// MaxFrameSize is the largest frame accepted from a station; a larger one closes the
	// connection with 1009 (message too big). Default DefaultMaxFrameSize (64 KiB).
	MaxFrameSize int
	// CallTimeout bounds the wait for a station's answer to Server.Call. Default 30 s.
	CallTimeout time.Duration
	// PingInterval is how often a station that sent nothing for that long gets a WebSocket
	// ping; one that stays silent (no pong either) for two intervals more is disconnected.
	// Pings find dead TCP peers faster than OCPP heartbeats (often 5 to 15 minutes) and keep
	// NAT mappings of cellular stations open. 0 means DefaultPingInterval (1 min); a
	// negative value sends no pings and relies on OCPP heartbeats and TCP keep-alive.
	PingInterval time.Duration
	// WriteTimeout bounds each write to a socket, so a station that stopped reading cannot
	// block the server. Default 10 s.
	WriteTimeout time.Duration
	// Subprotocols are the OCPP versions offered, in order of preference; each must be known
	// to ocppj.DialectFor. Default "ocpp2.0.1", "ocpp1.6".
	Subprotocols []string
	// Logger receives connection events and protocol errors. Default slog.Default().
	Logger *slog.Logger
}

// Stats are counters of a Server since New.
type Stats struct {
	Connections    int    // stations connected now
	Accepted       uint64 // handshakes accepted
	Refused        uint64 // handshakes refused: bad path, subprotocol, credentials, shutdown
	FramesIn       uint64 // data frames received
	FramesOut      uint64 // data frames sent
	ProtocolErrors uint64 // received frames that were not valid OCPP-J
}

// Server accepts station connections. Create it with New and mount it at "/ocpp/".
// Server.Shutdown must be called besides http.Server.Shutdown: hijacked WebSocket
// connections are not tracked by net/http.
type Server struct {
	cfg       Config
	log       *slog.Logger
	upgraders map[string]*gws.Upgrader // by subprotocol; "" has none and serves refusals
	stats     counters
	ctx       context.Context // for Dispatcher calls; cancelled when Shutdown gives up
	cancel    context.CancelFunc
	quit      chan struct{} // closed by Shutdown; stops the ping sweeper

	mu       sync.Mutex
	sessions map[string]*session
	closing  bool
}

// New returns a Server for cfg, with defaults filled in.
func New(cfg Config) (*Server, error) {
	if cfg.Authenticator == nil {
		return nil, errors.New("gateway: Config.Authenticator is required")
	}
	if cfg.Dispatcher == nil {
		return nil, errors.New("gateway: Config.Dispatcher is required")
	}
	if cfg.MaxFrameSize == 0 {
		cfg.MaxFrameSize = DefaultMaxFrameSize
	}
	if cfg.MaxFrameSize < 0 {
		return nil, fmt.Errorf("gateway: Config.MaxFrameSize %d is negative", cfg.MaxFrameSize)
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = DefaultCallTimeout
	}
	if cfg.PingInterval == 0 {
		cfg.PingInterval = DefaultPingInterval
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if len(cfg.Subprotocols) == 0 {
		cfg.Subprotocols = defaultSubprotocols()
	}
	for _, sub := range cfg.Subprotocols {
		if _, ok := ocppj.DialectFor(sub); !ok {
			return nil, fmt.Errorf("gateway: Config.Subprotocols: unknown subprotocol %q", sub)
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{
		cfg:       cfg,
		log:       cfg.Logger,
		upgraders: make(map[string]*gws.Upgrader),
		quit:      make(chan struct{}),
		sessions:  make(map[string]*session),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	events := serverEvents{s}
	for _, sub := range append([]string{""}, cfg.Subprotocols...) {
		var subs []string
		if sub != "" {
			subs = []string{sub}
		}
		s.upgraders[sub] = gws.NewUpgrader(events, &gws.ServerOption{
			ReadBufferSize:     readBufferSize,
			ReadMaxPayloadSize: cfg.MaxFrameSize,
			ParallelEnabled:    false,
			ParallelGolimit:    1, // gws allocates a channel of this size per connection
			CheckUtf8Enabled:   false,
			SubProtocols:       subs,
			NewSession:         newSlot,
			Logger:             gwsLogger{cfg.Logger},
		})
	}
	if cfg.PingInterval > 0 {
		go s.sweep()
	}
	return s, nil
}

var (
	_ http.Handler = (*Server)(nil)
	_ gws.Event    = serverEvents{}
)

// session is a station's connection on the server.
type session struct {
	endpoint
	srv       *Server
	peer      Peer
	prev      *session      // the connection this one replaced, closed before this one opens
	connected bool          // Connected was called; read loop only
	done      chan struct{} // closed after Disconnected
}

func (s *session) handleCall(ctx context.Context, action string, payload json.RawMessage) (json.RawMessage, *ocppj.Error) {
	return s.srv.cfg.Dispatcher.HandleCall(ctx, s.peer, action, payload)
}

// ServeHTTP accepts a station's WebSocket handshake. The station id is the last path segment,
// URL-unescaped; Ladda's rules for it are ladda.ValidStationID. In order, it answers:
//   - 404 with a JSON error for a path without a valid station id;
//   - 503 while shutting down, 426 for a request that is not a WebSocket upgrade;
//   - an upgrade without subprotocol followed at once by a close (1002) when the station
//     offers no supported OCPP version, as OCPP-J 1.6 and 2.0.1 Part 4 prescribe (section
//     "OCPP version"; RFC 6455 §4.2.2 forbids answering with a subprotocol not offered);
//   - 401 with WWW-Authenticate and a JSON error when the basic-auth user or certificate
//     common name is not the station id, or the Authenticator refuses the credentials;
//   - 503 with Retry-After when the Authenticator fails for another reason (an error that
//     is not a *ladda.Error of kind Unauthorized or Forbidden);
//   - otherwise 101, and the station's session starts, replacing an older one.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, ok := stationID(r.URL)
	if !ok {
		s.refuse(w, http.StatusNotFound, "no station at this path")
		return
	}
	if s.isClosing() {
		s.refuse(w, http.StatusServiceUnavailable, "server is shutting down")
		return
	}
	if r.Method != http.MethodGet || !headerHasToken(r.Header, "Connection", "upgrade") ||
		!strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		w.Header().Set("Upgrade", "websocket")
		s.refuse(w, http.StatusUpgradeRequired, "websocket upgrade required")
		return
	}
	sub := s.negotiate(r.Header.Values("Sec-WebSocket-Protocol"))
	if sub == "" {
		s.refuseSubprotocol(w, r, id)
		return
	}
	creds, err := credentials(r, id)
	if err == nil {
		err = s.cfg.Authenticator.AuthenticateStation(r.Context(), creds)
	}
	if err != nil && refusedForCredentials(err) {
		s.log.Info("gateway: station refused", "station", id, "remote", r.RemoteAddr, "error", err)
		w.Header().Set("WWW-Authenticate", `Basic realm="ladda"`)
		s.refuse(w, http.StatusUnauthorized, publicMessage(err))
		return
	}
	if err != nil {
		// The check itself failed (say, the database is down): tell the station to come back
		// later rather than that its credentials are wrong, which some stations take as final.
		s.log.Error("gateway: could not authenticate station", "station", id, "remote", r.RemoteAddr, "error", err)
		w.Header().Set("Retry-After", "30")
		s.refuse(w, http.StatusServiceUnavailable, "cannot check credentials now; try again later")
		return
	}

	socket, err := s.upgraders[sub].Upgrade(w, r)
	if err != nil {
		s.stats.refused.Add(1)
		s.log.Info("gateway: websocket handshake failed", "station", id, "remote", r.RemoteAddr, "error", err)
		return
	}
	dialect, _ := ocppj.DialectFor(sub)
	sess := &session{
		srv:  s,
		peer: Peer{StationID: id, Subprotocol: sub, Dialect: dialect, RemoteAddr: r.RemoteAddr, TLS: r.TLS != nil},
		done: make(chan struct{}),
	}
	sess.init(socket, dialect, s.cfg.CallTimeout)
	sess.handle = sess.handleCall
	sess.ctx = s.ctx
	sess.log = s.log
	sess.name = id
	sess.stats = &s.stats
	sess.writeTimeout = s.cfg.WriteTimeout
	socket.Session().Store("", sess)

	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		s.stats.refused.Add(1)
		sess.closeWith(closeGoingAway, "server shutting down")
		return
	}
	sess.prev = s.sessions[id]
	s.sessions[id] = sess
	s.mu.Unlock()
	s.stats.accepted.Add(1)

	// The read loop runs on its own goroutine so that this handler returns and net/http
	// frees the request's buffers: an idle station then costs only what it really uses.
	go sess.run()
}

// WebSocket close codes (RFC 6455 §7.4.1).
const (
	closeNormal        = 1000
	closeGoingAway     = 1001
	closeProtocolError = 1002
)

// run waits for the connection this one replaced to be gone, then reads until the end.
func (sess *session) run() {
	if prev := sess.prev; prev != nil {
		sess.prev = nil
		prev.closeWith(closeNormal, "replaced by a new connection")
		select {
		case <-prev.done:
		case <-time.After(sess.srv.cfg.CallTimeout):
			// Its Dispatcher call is stuck; go on rather than keep the station out.
			sess.log.Warn("gateway: old connection did not end in time; Connected may come before its Disconnected",
				"station", sess.peer.StationID)
		}
	}
	sess.socket.ReadLoop()
}

// refuseSubprotocol completes the handshake without a subprotocol and closes at once, which is
// how OCPP-J 1.6 and 2.0.1 Part 4 ("OCPP version") tell a station its versions are not spoken.
func (s *Server) refuseSubprotocol(w http.ResponseWriter, r *http.Request, id string) {
	s.stats.refused.Add(1)
	s.log.Info("gateway: station offered no supported subprotocol", "station", id, "remote", r.RemoteAddr,
		"offered", r.Header.Values("Sec-WebSocket-Protocol"))
	socket, err := s.upgraders[""].Upgrade(w, r)
	if err != nil {
		return
	}
	_ = socket.NetConn().SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
	_ = socket.WriteClose(closeProtocolError, []byte("no supported subprotocol; offer one of "+strings.Join(s.cfg.Subprotocols, ", ")))
}

func (s *Server) refuse(w http.ResponseWriter, status int, msg string) {
	s.stats.refused.Add(1)
	writeJSONError(w, status, msg)
}

// negotiate picks the most preferred of our subprotocols that the station offers.
func (s *Server) negotiate(offers []string) string {
	for _, want := range s.cfg.Subprotocols {
		for _, line := range offers {
			for offer := range strings.SplitSeq(line, ",") {
				if strings.TrimSpace(offer) == want {
					return want
				}
			}
		}
	}
	return ""
}

// stationID returns the URL's last path segment, unescaped, if it is a valid station id.
func stationID(u *url.URL) (string, bool) {
	p := u.EscapedPath()
	seg := p[strings.LastIndexByte(p, '/')+1:]
	id, err := url.PathUnescape(seg)
	if err != nil || !ladda.ValidStationID(id) {
		return "", false
	}
	return id, true
}

// headerHasToken reports whether the comma-separated header name contains token.
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// serverEvents receives gws's events for every server connection.
type serverEvents struct{ srv *Server }

func sessionOf(c *gws.Conn) *session {
	v, _ := c.Session().Load("")
	return v.(*session)
}

func (h serverEvents) OnOpen(c *gws.Conn) {
	sess := sessionOf(c)
	if sess.closed.Load() {
		return // closed before it opened (replaced again, or shut down): no Connected
	}
	sess.connected = true
	h.srv.log.Info("gateway: station connected", "station", sess.peer.StationID, "subprotocol", sess.peer.Subprotocol,
		"remote", sess.peer.RemoteAddr, "tls", sess.peer.TLS)
	h.srv.safely("Connected", func() { h.srv.cfg.Dispatcher.Connected(h.srv.ctx, sess.peer) })
}

func (h serverEvents) OnClose(c *gws.Conn, err error) {
	sess := sessionOf(c)
	s := h.srv
	sess.shutdown()
	s.mu.Lock()
	if s.sessions[sess.peer.StationID] == sess {
		delete(s.sessions, sess.peer.StationID)
	}
	s.mu.Unlock()
	if sess.connected {
		s.log.Info("gateway: station disconnected", "station", sess.peer.StationID, "reason", closeReason(err))
		s.safely("Disconnected", func() { s.cfg.Dispatcher.Disconnected(sess.peer) })
	}
	close(sess.done)
}

func (h serverEvents) OnPing(c *gws.Conn, p []byte)            { sessionOf(c).onPing(p) }
func (h serverEvents) OnPong(c *gws.Conn, _ []byte)            { sessionOf(c).onPong() }
func (h serverEvents) OnMessage(c *gws.Conn, msg *gws.Message) { sessionOf(c).onMessage(msg) }

// safely runs a Dispatcher callback; a panic is logged instead of ending the process.
func (s *Server) safely(what string, f func()) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("gateway: Dispatcher."+what+" panicked", "panic", r, "stack", string(debug.Stack()))
		}
	}()
	f()
}

func closeReason(err error) string {
	var ce *gws.CloseError
	if errors.As(err, &ce) {
		return fmt.Sprintf("closed by peer: %d %s", ce.Code, ce.Reason)
	}
	if err == nil || err.Error() == "" {
		return "closed"
	}
	return err.Error()
}

func (s *Server) session(stationID string) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[stationID]
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// Call sends a CALL to a connected station and returns its CALLRESULT payload. Errors: a
// *ladda.Error of kind ladda.Conflict when the station is not connected (or its connection
// ends during the call); the station's CALLERROR as an *ocppj.Error; a *ladda.Error of kind
// ladda.Timeout wrapping ocppj.ErrTimeout when it does not answer within CallTimeout; ctx's
// error. Calls to one station go out one at a time.
func (s *Server) Call(ctx context.Context, stationID, action string, payload json.RawMessage) (json.RawMessage, error) {
	const op = "gateway.Call"
	sess := s.session(stationID)
	if sess == nil {
		return nil, ladda.Errorf(ladda.Conflict, op, "station %s is not connected", stationID)
	}
	res, err := sess.caller.Call(ctx, action, payload)
	if err == nil {
		return res, nil
	}
	var cerr *ocppj.Error
	switch {
	case errors.As(err, &cerr):
		return nil, cerr
	case errors.Is(err, ocppj.ErrTimeout):
		return nil, &ladda.Error{Kind: ladda.Timeout, Op: op, Message: fmt.Sprintf("station %s did not answer %s in time", stationID, action), Err: err}
	case errors.Is(err, ocppj.ErrClosed):
		return nil, &ladda.Error{Kind: ladda.Conflict, Op: op, Message: fmt.Sprintf("station %s disconnected", stationID), Err: err}
	}
	return nil, fmt.Errorf("%s %s to station %s: %w", op, action, stationID, err)
}

// Peer returns the connected station's peer description.
func (s *Server) Peer(stationID string) (Peer, bool) {
	sess := s.session(stationID)
	if sess == nil {
		return Peer{}, false
	}
	return sess.peer, true
}

// Disconnect closes the station's connection (close code 1000), for instance after its
// password was changed or it was deleted. It reports whether the station was connected.
// Dispatcher.Disconnected follows once the session has ended.
func (s *Server) Disconnect(stationID string) bool {
	sess := s.session(stationID)
	if sess == nil {
		return false
	}
	sess.closeWith(closeNormal, "disconnected by the CSMS")
	return true
}

// Count returns the number of connected stations.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// Stats returns the server's counters.
func (s *Server) Stats() Stats {
	return Stats{
		Connections:    s.Count(),
		Accepted:       s.stats.accepted.Load(),
		Refused:        s.stats.refused.Load(),
		FramesIn:       s.stats.framesIn.Load(),
		FramesOut:      s.stats.framesOut.Load(),
		ProtocolErrors: s.stats.protocolErrors.Load(),
	}
}

// Shutdown refuses new connections, closes every socket with 1001 (going away) and waits
// until every session has ended, its last CALL handled and Dispatcher.Disconnected called.
// When ctx ends first, it cancels the context given to the Dispatcher and returns ctx's error.
// Shutdown may be called more than once.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.closing {
		s.closing = true
		close(s.quit)
	}
	all := make([]*session, 0, len(s.sessions))
	for _, sess := range s.sessions {
		all = append(all, sess)
	}
	s.mu.Unlock()

	for _, sess := range all {
		sess.closeWith(closeGoingAway, "server shutting down")
	}
	for _, sess := range all {
		select {
		case <-sess.done:
		case <-ctx.Done():
			s.cancel()
			return fmt.Errorf("gateway: shutdown: %w", ctx.Err())
		}
	}
	return nil
}

// sweep pings quiet stations and disconnects silent ones, for all connections at once.
func (s *Server) sweep() {
	interval := s.cfg.PingInterval
	dead := int64(3 * interval) // one interval quiet, then no pong for two more
	t := time.NewTicker(interval)
	defer t.Stop()
	var batch []*session
	for {
		select {
		case <-t.C:
		case <-s.quit:
			return
		}
		s.mu.Lock()
		batch = batch[:0]
		for _, sess := range s.sessions {
			batch = append(batch, sess)
		}
		s.mu.Unlock()
		now := monotonic()
		for _, sess := range batch {
			quiet := now - sess.lastSeen.Load()
			switch {
			case quiet >= dead:
				s.log.Info("gateway: station silent, disconnecting", "station", sess.peer.StationID, "silent", time.Duration(quiet))
				sess.closeWith(closeGoingAway, "no answer to ping")
			case quiet >= int64(interval):
				_ = sess.ping()
			}
		}
		clear(batch) // do not keep ended sessions alive until the next sweep
	}
}
