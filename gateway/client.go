package gateway

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lxzan/gws"

	"github.com/ladda-csms/ladda/ocpp/ocppj"
)

// DialOptions configure Dial, the station side of a connection.
type DialOptions struct {
	// Subprotocols are the OCPP versions offered, in order of preference.
	// Default "ocpp2.0.1", "ocpp1.6".
	Subprotocols []string
	// Username and Password are sent as HTTP basic auth when Username is not empty.
	Username, Password string
	// TLSConfig is used for wss:// URLs; its ServerName defaults to the URL's host.
	TLSConfig *tls.Config
	// Header holds extra handshake request headers.
	Header http.Header
	// OnCall answers CALLs from the CSMS, one at a time in arrival order; nil answers each
	// with NotImplemented. ctx ends when the connection does.
	OnCall func(ctx context.Context, action string, payload json.RawMessage) (json.RawMessage, *ocppj.Error)
	// CallTimeout bounds the wait for the CSMS's answer to ClientConn.Call. Default 30 s.
	CallTimeout time.Duration
	// OnFrame, when set, sees a copy of every data frame received, before it is handled; tests
	// use it to watch the CALLERRORs that answer malformed frames. It runs on the read loop.
	OnFrame func(frame []byte)
	// Logger receives protocol errors. Default: discard.
	Logger *slog.Logger
}

// DialError is a handshake the server refused with an HTTP status.
type DialError struct {
	StatusCode int
	Body       string // the start of the response body
}

func (e *DialError) Error() string {
	return fmt.Sprintf("gateway: handshake refused: HTTP %d: %s", e.StatusCode, strings.TrimSpace(e.Body))
}

// ErrNoSubprotocol is returned by Dial when the server completed the handshake without
// choosing any of the offered subprotocols, which is how OCPP servers refuse the versions.
var ErrNoSubprotocol = errors.New("gateway: server accepted none of the offered subprotocols")

// CloseError tells how the peer closed a connection: its WebSocket close code and reason.
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string {
	return fmt.Sprintf("gateway: connection closed by peer: %d %s", e.Code, e.Reason)
}

// ClientConn is the station side of an OCPP-J connection.
type ClientConn struct {
	endpoint
	sub    string
	cancel context.CancelFunc
	done   chan struct{}
	err    error // why the connection ended; written before done is closed
}

// Dial connects to a CSMS at url (ws:// or wss://, the station id being the last path
// segment) and starts reading. A refused handshake is a *DialError carrying the HTTP status;
// a server that accepts none of the subprotocols gives ErrNoSubprotocol.
func Dial(ctx context.Context, rawURL string, opts DialOptions) (*ClientConn, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("gateway: dial: %w", err)
	}
	var secure bool
	switch u.Scheme {
	case "ws":
	case "wss":
		secure = true
	default:
		return nil, fmt.Errorf("gateway: dial %s: scheme must be ws or wss", rawURL)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), map[bool]string{false: "80", true: "443"}[secure])
	}
	subs := opts.Subprotocols
	if len(subs) == 0 {
		subs = defaultSubprotocols()
	}

	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("gateway: dial %s: %w", rawURL, err)
	}
	if secure {
		cfg := &tls.Config{}
		if opts.TLSConfig != nil {
			cfg = opts.TLSConfig.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = u.Hostname()
		}
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = conn.Close()
			return nil, fmt.Errorf("gateway: dial %s: %w", rawURL, err)
		}
		conn = tc
	}

	header := http.Header{}
	for k, v := range opts.Header {
		header[k] = append([]string(nil), v...)
	}
	header.Set("Sec-WebSocket-Protocol", strings.Join(subs, ", "))
	if opts.Username != "" {
		header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(opts.Username+":"+opts.Password)))
	}
	timeout := 10 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}

	// gws closes the connection when the handshake fails; hold it open until the refusal's
	// body has been read.
	hc := &holdConn{Conn: conn}
	hc.hold.Store(true)
	abort := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	c := &ClientConn{done: make(chan struct{})}
	socket, resp, err := gws.NewClientFromConn(clientEvents{}, &gws.ClientOption{
		Addr:             rawURL,
		RequestHeader:    header,
		HandshakeTimeout: timeout,
		ReadBufferSize:   readBufferSize,
		ParallelGolimit:  1,
		NewSession:       newSlot,
		Logger:           gwsLogger{log},
	}, hc)
	if !abort() {
		_ = conn.Close()
		return nil, fmt.Errorf("gateway: dial %s: %w", rawURL, ctx.Err())
	}
	if err != nil {
		defer conn.Close()
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			_ = conn.SetReadDeadline(time.Now().Add(time.Second))
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
			return nil, &DialError{StatusCode: resp.StatusCode, Body: string(body)}
		}
		if errors.Is(err, gws.ErrSubprotocolNegotiation) {
			return nil, fmt.Errorf("gateway: dial %s: offered %v: %w", rawURL, subs, ErrNoSubprotocol)
		}
		return nil, fmt.Errorf("gateway: dial %s: %w", rawURL, err)
	}
	hc.hold.Store(false)

	dialect, ok := ocppj.DialectFor(socket.SubProtocol())
	if !ok {
		dialect = ocppj.OCPP201
	}
	c.init(socket, dialect, opts.CallTimeout)
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.handle = opts.OnCall
	c.log = log
	c.name = u.Path[strings.LastIndexByte(u.Path, '/')+1:]
	c.writeTimeout = DefaultWriteTimeout
	c.onFrame = opts.OnFrame
	c.sub = socket.SubProtocol()
	socket.Session().Store("", c)
	go socket.ReadLoop()
	return c, nil
}

// Call sends a CALL to the CSMS and returns the CALLRESULT payload; a CALLERROR is an
// *ocppj.Error, no answer in time ocppj.ErrTimeout, a closed connection ocppj.ErrClosed.
func (c *ClientConn) Call(ctx context.Context, action string, payload json.RawMessage) (json.RawMessage, error) {
	return c.caller.Call(ctx, action, payload)
}

// SendRaw sends frame as it is, for tests that need malformed frames.
func (c *ClientConn) SendRaw(frame []byte) error { return c.write(frame) }

// Subprotocol returns the subprotocol the server chose.
func (c *ClientConn) Subprotocol() string { return c.sub }

// Done is closed when the connection has ended.
func (c *ClientConn) Done() <-chan struct{} { return c.done }

// Err tells, once Done is closed, why the connection ended: a *CloseError when the server
// closed it, another error otherwise (nil when Close ended it).
func (c *ClientConn) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// Close closes the connection (close code 1000) and waits, a bounded time, for it to end.
func (c *ClientConn) Close() error {
	c.closeWith(closeNormal, "")
	select {
	case <-c.done:
	case <-time.After(c.writeTimeout):
		return errors.New("gateway: close: connection did not end in time")
	}
	return nil
}

type clientEvents struct{}

var _ gws.Event = clientEvents{}

func clientOf(s *gws.Conn) *ClientConn {
	v, _ := s.Session().Load("")
	return v.(*ClientConn)
}

func (clientEvents) OnOpen(*gws.Conn) {}

func (clientEvents) OnClose(s *gws.Conn, err error) {
	c := clientOf(s)
	closedByUs := c.closed.Load()
	c.cancel()
	c.shutdown()
	var ce *gws.CloseError
	switch {
	case errors.As(err, &ce):
		c.err = &CloseError{Code: int(ce.Code), Reason: string(ce.Reason)}
	case !closedByUs && err != nil && err.Error() != "":
		c.err = err
	}
	close(c.done)
}

func (clientEvents) OnPing(s *gws.Conn, p []byte)            { clientOf(s).onPing(p) }
func (clientEvents) OnPong(s *gws.Conn, _ []byte)            { clientOf(s).onPong() }
func (clientEvents) OnMessage(s *gws.Conn, msg *gws.Message) { clientOf(s).onMessage(msg) }

// holdConn is a net.Conn whose Close does nothing while hold is set.
type holdConn struct {
	net.Conn
	hold atomic.Bool
}

func (c *holdConn) Close() error {
	if c.hold.Load() {
		return nil
	}
	return c.Conn.Close()
}
