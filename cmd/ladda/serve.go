package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/account/password"
	"github.com/ladda-csms/ladda/bus"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/config"
	"github.com/ladda-csms/ladda/files"
	"github.com/ladda-csms/ladda/firmware"
	"github.com/ladda-csms/ladda/gateway"
	"github.com/ladda-csms/ladda/httpapi"
	"github.com/ladda-csms/ladda/metrics"
	"github.com/ladda-csms/ladda/notification"
	"github.com/ladda-csms/ladda/notify"
	"github.com/ladda-csms/ladda/ocpp"
	"github.com/ladda-csms/ladda/ocpp/schema"
	"github.com/ladda-csms/ladda/pki"
	"github.com/ladda-csms/ladda/station"
	"github.com/ladda-csms/ladda/web"
)

// serve runs the server until ctx ends, then shuts down gracefully.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, rest, err := config.Load("ladda serve", args, getenv, stderr)
	if err != nil {
		return usageError{err.Error()}
	}
	if len(rest) > 0 {
		return usageError{fmt.Sprintf("serve: unexpected argument %q", rest[0])}
	}
	log := newLogger(cfg, stderr)
	// Station traffic allocates briskly; a higher GC target halves the collector's CPU for a
	// few KiB per station (docs/benchmarks.md). GOMEMLIMIT still caps the heap if set.
	debug.SetGCPercent(cfg.GCPercent)

	sealer, err := keyring(cfg.EncryptionKey, cfg.DataDir, true)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, cfg.DB, cfg.BatchWindow, sealer, log)
	if err != nil {
		return err
	}
	defer db.Close()

	pepper := []byte(cfg.Secret)
	if len(pepper) == 0 {
		if pepper, err = db.Secret(ctx, "station-password-pepper", 32); err != nil {
			return fmt.Errorf("loading the station password key: %w", err)
		}
	}
	if err := db.ResetConnections(ctx); err != nil {
		return fmt.Errorf("resetting connection states: %w", err)
	}

	events := bus.New()
	stations := station.NewService(db, events, nil, log, station.Config{
		Pepper:            pepper,
		AcceptUnknown:     cfg.AcceptUnknownStations,
		HeartbeatInterval: cfg.HeartbeatInterval,
	})
	chargingSvc := charging.NewService(db, events, nil, log, charging.Config{StaleAfter: cfg.StaleTransactionAfter, NoShowAfter: cfg.ReservationNoShow})
	billingSvc, err := newBilling(cfg, db, events, stations, log)
	if err != nil {
		return err
	}
	chargingSvc.SetPricer(billingSvc)
	chargingSvc.SetAdmission(billingSvc)
	smart := newSmartCharging(cfg, db, stations, chargingSvc, billingSvc, log)

	validator, err := schema.New()
	if err != nil {
		return fmt.Errorf("loading OCPP schemas: %w", err)
	}
	tlsConfig, err := serverTLS(cfg)
	if err != nil {
		return err
	}
	fileStore, err := files.Open(cfg.DataDir, filesKey(pepper), cfg.MaxFileSize, nil)
	if err != nil {
		return fmt.Errorf("opening the data directory: %w", err)
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Listen, err)
	}
	scheme := "http"
	if tlsConfig != nil {
		ln = tls.NewListener(ln, tlsConfig)
		scheme = "https"
	}
	defer ln.Close() // closed by the server once it serves; this covers failures before then
	public := publicURL(cfg.PublicURL, scheme, ln.Addr())

	var require2FA []account.Role
	for _, r := range cfg.Require2FA {
		require2FA = append(require2FA, account.Role(r))
	}
	accounts := account.NewService(db, account.Options{
		Hasher:     password.NewHasher(passwordParams(cfg), 0),
		Logger:     log,
		PublicURL:  public,
		RequireMFA: require2FA,
		CheckURL:   func(u string) error { return notify.ValidateURL(u, cfg.WebhookAllowPrivate) },
	})

	links := func(name string, ttl time.Duration) string { return fileStore.FirmwareURL(public, name, ttl) }
	campaigns := firmware.NewService(db, stations, links, nil, log, firmware.Config{})
	ca, err := openCA(cfg)
	if err != nil {
		return err
	}
	pkiOptions := pki.Options{CACertificate: ca.Certificate(), OCSP: pki.HTTPOCSP{}, Logger: log}
	if cfg.ContractProviderURL != "" {
		pkiOptions.Contracts = pki.HTTPContractProvider{URL: cfg.ContractProviderURL}
	}
	certificates := pki.NewService(db, ca, stations, pkiOptions)

	router := ocpp.NewRouter(ocpp.RouterConfig{Stations: stations, Charging: chargingSvc, Firmware: campaigns, PKI: certificates, SmartCharging: smart, Validator: validator, Logger: log})
	gw, err := gateway.New(gateway.Config{
		Authenticator: router,
		Dispatcher:    router,
		MaxFrameSize:  cfg.MaxFrameSize,
		CallTimeout:   cfg.CallTimeout,
		Logger:        log,
	})
	if err != nil {
		return err
	}
	stations.SetConnections(gw)
	stations.SetCommander(ocpp.NewCommander(gw, validator, log))
	chargingSvc.SetStationCommands(stations)

	mux := http.NewServeMux()
	mux.Handle("/ocpp/", gw)
	mux.Handle(files.Path, fileStore.Handler(log))
	pages := web.Handler()
	for _, path := range []string{"/verify-email", "/reset-password", "/assets/"} {
		mux.Handle(path, pages)
	}
	mux.Handle("/metrics", metrics.Handler(gatewayMetrics(gw, events)...))
	mux.Handle("/", httpapi.New(httpapi.Services{
		Stations:       stations,
		Charging:       chargingSvc,
		Billing:        billingSvc,
		SmartCharging:  smart,
		Accounts:       accounts,
		Files:          fileStore,
		Firmware:       campaigns,
		PKI:            certificates,
		PublicURL:      public,
		Ready:          db.Ping,
		Logger:         log,
		TrustedProxies: cfg.TrustedProxies,
	}))

	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}

	if cfg.DebugListen != "" {
		pprofServer, err := serveDebug(cfg.DebugListen, log)
		if err != nil {
			return err
		}
		defer pprofServer.Close()
	}

	background, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { stations.Run(background) })
	wg.Go(func() { chargingSvc.Run(background) })
	wg.Go(func() { campaigns.Run(background) })
	wg.Go(func() { certificates.Run(background) })
	wg.Go(func() { flushEvery(background, 10*time.Second, accounts.Flush, log) })
	wg.Go(func() {
		flushEvery(background, time.Hour, func(ctx context.Context) error {
			n, err := accounts.Prune(ctx)
			if n > 0 {
				log.Info("pruned ended sessions, expired tokens and old deliveries", "rows", n)
			}
			return err
		}, log)
	})
	notifier, err := newNotifier(cfg, db, stations, chargingSvc, log)
	if err != nil {
		stopBackground()
		wg.Wait()
		return err
	}
	notices := events.Subscribe(4096, func(e ladda.Event) bool { return slices.Contains(notification.Events, e.Type) })
	wg.Go(func() {
		for e := range notices.C {
			notifier.Handle(background, e)
		}
	})
	wg.Go(func() { notifier.Run(background, time.Second) })
	billed := events.Subscribe(4096, func(e ladda.Event) bool {
		return e.Type == ladda.EventTransactionStarted || e.Type == ladda.EventTransactionEnded
	})
	wg.Go(func() {
		for e := range billed.C {
			billingSvc.Handle(background, e)
		}
	})
	wg.Go(func() {
		flushEvery(background, time.Minute, func(ctx context.Context) error {
			_, err := billingSvc.Sweep(ctx)
			if _, e := billingSvc.RetryPayments(ctx); e != nil {
				err = errors.Join(err, e)
			}
			return err
		}, log)
	})
	wg.Go(func() { flushEvery(background, time.Minute, billingSvc.RunCampaigns, log) })
	managed := events.Subscribe(65536, smartEvents)
	wg.Go(func() { smart.Run(background, managed.C) })
	if cfg.CostUpdateInterval > 0 {
		wg.Go(func() {
			flushEvery(background, cfg.CostUpdateInterval, func(ctx context.Context) error {
				_, err := chargingSvc.SendCosts(ctx)
				return err
			}, log)
		})
	}
	wg.Go(func() {
		flushEvery(background, time.Hour, func(ctx context.Context) error {
			issued, err := billingSvc.MonthEnd(ctx)
			if len(issued) > 0 {
				log.Info("issued monthly invoices", "invoices", len(issued))
			}
			return err
		}, log)
	})

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("ladda started", "listen", ln.Addr().String(), "db", redactDSN(cfg.DB), "tls", tlsConfig != nil, "version", version())
	fmt.Fprintf(stdout, "ladda: listening on %s://%s\n", scheme, ln.Addr())

	select {
	case err = <-served:
		err = fmt.Errorf("serving HTTP: %w", err)
	case <-ctx.Done():
		err = nil
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if e := srv.Shutdown(shutdownCtx); e != nil && !errors.Is(e, http.ErrServerClosed) {
		log.Warn("HTTP shutdown", "err", e)
	}
	if e := gw.Shutdown(shutdownCtx); e != nil {
		log.Warn("closing station connections", "err", e)
	}
	notices.Close()
	billed.Close()
	managed.Close()
	stopBackground()
	wg.Wait()
	if e := accounts.Flush(shutdownCtx); e != nil {
		log.Warn("flushing API key use", "err", e)
	}
	log.Info("stopped")
	return err
}

func flushEvery(ctx context.Context, every time.Duration, flush func(context.Context) error, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := flush(ctx); err != nil {
				log.Warn("flush", "err", err)
			}
		}
	}
}

// serverTLS builds the TLS configuration of security profiles 2 and 3, or nil without TLS.
// Client certificates are verified when given but not required, so that profile 2 stations
// (password over TLS) and profile 3 stations (client certificate) share the port.
func serverTLS(cfg config.Config) (*tls.Config, error) {
	if cfg.TLSCert == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("loading --tls-cert/--tls-key: %w", err)
	}
	t := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if cfg.ClientCA != "" {
		pem, err := os.ReadFile(cfg.ClientCA)
		if err != nil {
			return nil, fmt.Errorf("reading --client-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--client-ca %s holds no PEM certificate", cfg.ClientCA)
		}
		t.ClientCAs = pool
		t.ClientAuth = tls.VerifyClientCertIfGiven
	}
	return t, nil
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel)) // validated by config
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// redactDSN hides a password in a database URL for logs.
func redactDSN(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	scheme := strings.Index(dsn, "://")
	if at < 0 || scheme < 0 {
		return dsn
	}
	userinfo := dsn[scheme+3 : at]
	if i := strings.Index(userinfo, ":"); i >= 0 {
		return dsn[:scheme+3] + userinfo[:i] + ":***" + dsn[at:]
	}
	return dsn
}

// gatewayMetrics lists the numbers of the OCPP gateway and the event bus for /metrics.
func gatewayMetrics(gw *gateway.Server, events *bus.Bus) []metrics.Metric {
	stat := func(f func(gateway.Stats) uint64) func() float64 {
		return func() float64 { return float64(f(gw.Stats())) }
	}
	return []metrics.Metric{
		{Name: "ladda_ocpp_connections", Help: "Stations connected now.", Value: func() float64 { return float64(gw.Count()) }},
		{Name: "ladda_ocpp_handshakes_accepted_total", Help: "OCPP WebSocket handshakes accepted.", Counter: true, Value: stat(func(s gateway.Stats) uint64 { return s.Accepted })},
		{Name: "ladda_ocpp_handshakes_refused_total", Help: "OCPP WebSocket handshakes refused (bad path, subprotocol or credentials).", Counter: true, Value: stat(func(s gateway.Stats) uint64 { return s.Refused })},
		{Name: "ladda_ocpp_frames_in_total", Help: "OCPP frames received.", Counter: true, Value: stat(func(s gateway.Stats) uint64 { return s.FramesIn })},
		{Name: "ladda_ocpp_frames_out_total", Help: "OCPP frames sent.", Counter: true, Value: stat(func(s gateway.Stats) uint64 { return s.FramesOut })},
		{Name: "ladda_ocpp_protocol_errors_total", Help: "Received frames that were not valid OCPP-J.", Counter: true, Value: stat(func(s gateway.Stats) uint64 { return s.ProtocolErrors })},
		{Name: "ladda_events_dropped_total", Help: "Events dropped because a listener was too slow.", Counter: true, Value: func() float64 { return float64(events.Dropped()) }},
	}
}

// serveDebug serves Go's profiling endpoints on their own listener, apart from the public port.
func serveDebug(addr string, log *slog.Logger) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on --debug-listen %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("debug listener", "err", err)
		}
	}()
	log.Info("profiling endpoints", "listen", ln.Addr().String())
	return srv, nil
}

// filesKey derives the key that signs stations' download and upload links from the station
// password key, so that links stay valid across restarts and processes sharing a database.
func filesKey(pepper []byte) []byte {
	m := hmac.New(sha256.New, pepper)
	m.Write([]byte("ladda files v1"))
	return m.Sum(nil)
}

// publicURL is the base of the links given to stations: the configured one, else the address
// Ladda listens on (localhost for an unspecified host).
func publicURL(configured, scheme string, addr net.Addr) string {
	if configured != "" {
		return strings.TrimRight(configured, "/")
	}
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return scheme + "://localhost"
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// openCA loads the CA given by --ca-cert/--ca-key, or Ladda's own in DATA-DIR/pki.
func openCA(cfg config.Config) (*pki.CA, error) {
	if cfg.CACert != "" {
		ca, err := pki.LoadCA(cfg.CACert, cfg.CAKey, 0, nil)
		if err != nil {
			return nil, err
		}
		return ca.WithV2G(filepath.Join(cfg.DataDir, "pki"))
	}
	return pki.OpenCA(filepath.Join(cfg.DataDir, "pki"), 0, nil)
}

// newNotifier makes the service that emails users and calls webhooks. Without --smtp-url, emails
// stay queued until a mail server is configured.
func newNotifier(cfg config.Config, db store, stations *station.Service, chargingSvc *charging.Service, log *slog.Logger) (*notification.Service, error) {
	opts := notification.Options{
		Logger:      log,
		Caller:      notify.NewWebhookSender(notify.WebhookOptions{AllowPrivate: cfg.WebhookAllowPrivate}),
		Backoff:     func(n int) time.Duration { return notify.Jitter(notify.Backoff(n)) },
		MaxAttempts: notify.MaxAttempts,
	}
	if cfg.SMTPURL != "" {
		smtp, err := notify.ParseSMTPURL(cfg.SMTPURL, cfg.MailFrom)
		if err != nil {
			return nil, fmt.Errorf("--smtp-url: %w", err)
		}
		mailer, err := notify.NewMailer(smtp)
		if err != nil {
			return nil, fmt.Errorf("--smtp-url: %w", err)
		}
		templates, err := notify.LoadTemplates()
		if err != nil {
			return nil, fmt.Errorf("loading email templates: %w", err)
		}
		opts.Mailer = &notify.Postman{Templates: templates, Sender: mailer}
	}
	return notification.New(db, directory{stations, chargingSvc}, opts), nil
}

// directory looks up stations and tokens for notifications.
type directory struct {
	*station.Service
	charging *charging.Service
}

func (d directory) IDToken(ctx context.Context, token string) (*charging.IDToken, error) {
	return d.charging.IDToken(ctx, token)
}

// passwordParams are the argon2id parameters of new password hashes.
func passwordParams(cfg config.Config) password.Params {
	p := password.DefaultParams
	p.Memory, p.Time = uint32(cfg.PasswordMemory), uint32(cfg.PasswordTime)
	return p
}
