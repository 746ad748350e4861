// Package config is Ladda's configuration as plain data: every setting with its default, its
// flag, its environment variable and its documentation, loaded from flags and the environment
// and validated. It builds nothing; cmd/ladda turns a Config into running parts.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Config is the configuration of `ladda serve`.
type Config struct {
	Listen                string         // address of the one HTTP port (API, OCPP, health)
	DB                    string         // database: a file path or sqlite:PATH for SQLite, postgres://… for PostgreSQL
	DataDir               string         // directory of firmware images and stations' uploads
	PublicURL             string         // Ladda's address as stations reach it, for download and upload links
	MaxFileSize           int64          // largest firmware image or station upload, in bytes
	CACert                string         // PEM certificate of the CA that signs stations' certificates
	CAKey                 string         // PEM private key of CACert
	ContractProviderURL   string         // where EVs' contract certificate requests go (Plug & Charge)
	TLSCert               string         // PEM certificate for HTTPS/WSS (security profiles 2 and 3)
	TLSKey                string         // PEM private key for TLSCert
	ClientCA              string         // PEM CA bundle that signs station client certificates (profile 3)
	AcceptUnknownStations bool           // register unknown stations as pending instead of refusing them
	Secret                string         // key for station password hashes; generated and kept in the database when empty
	MaxFrameSize          int            // largest OCPP WebSocket message accepted, in bytes
	CallTimeout           time.Duration  // how long Ladda waits for a station to answer a command
	HeartbeatInterval     time.Duration  // heartbeat interval told to stations at boot
	StaleTransactionAfter time.Duration  // flag transactions still open after this long
	ReservationNoShow     time.Duration  // release a reservation nobody used this long after its slot began; 0: never
	BatchWindow           time.Duration  // group-commit window for station writes
	LogLevel              string         // debug, info, warn or error
	LogFormat             string         // json or text
	ShutdownTimeout       time.Duration  // how long a graceful shutdown may take
	DebugListen           string         // address of the Go profiling endpoints; empty: off
	GCPercent             int            // the Go garbage collector's target (GOGC)
	EncryptionKey         string         // keyring for personal data at rest: "id:base64key,…", the first encrypts; empty: DATA-DIR/encryption.key
	Require2FA            []string       // roles that must use two-factor authentication
	SMTPURL               string         // smtp(s)://user:password@host:port for email; empty: emails are kept queued, not sent
	MailFrom              string         // the From of Ladda's emails
	WebhookAllowPrivate   bool           // let webhooks go to loopback and private addresses (tests, on-premise receivers)
	PasswordMemory        int            // argon2id memory per password hash, in KiB
	PasswordTime          int            // argon2id passes per password hash
	TrustedProxies        []netip.Prefix // load balancers whose X-Forwarded-For names the client
	StripeSecretKey       string         // Stripe's secret API key; empty: no payments, sessions are invoiced only
	StripeWebhookSecret   string         // the signing secret of Stripe's webhooks to /api/v1/payments/webhook
	StripeAPIURL          string         // Stripe's API base URL; empty: Stripe's own (tests: stripe-mock)
	Preauthorize          string         // what a card is authorised for before a session when its tariff does not say
	WalletCurrency        string         // the currency of prepaid wallets
	WalletMinimum         string         // the least a wallet holds for its driver to start charging
	HomeCountry           string         // the operator's country: the tax of fees not tied to a station
	CostUpdateInterval    time.Duration  // how often running costs go to 2.0.1 stations' screens; 0: never
	LimitRaiseInterval    time.Duration  // least time between two raises of an EVSE's smart-charging limit
	LimitHorizon          time.Duration  // how long a smart-charging limit holds at a station that lost Ladda
}

// Field describes one setting: its flag, environment variable, default and meaning.
type Field struct {
	Flag, Env, Default, Usage string
	set                       func(c *Config, v string) error
}

// Fields lists every setting of Config, in the order the README documents them.
var Fields = []Field{
	{"listen", "LADDA_LISTEN", ":8080", "address of the HTTP port serving the API, OCPP and health checks", func(c *Config, v string) error { c.Listen = v; return nil }},
	{"db", "LADDA_DB", "ladda.db", "database: a file path or sqlite:PATH (SQLite), or postgres://… (PostgreSQL)", func(c *Config, v string) error { c.DB = v; return nil }},
	{"data-dir", "LADDA_DATA_DIR", "ladda-data", "directory for firmware images Ladda serves and the logs stations upload", func(c *Config, v string) error { c.DataDir = v; return nil }},
	{"public-url", "LADDA_PUBLIC_URL", "", "Ladda's address as stations reach it (https://csms.example.com), the base of their download and upload links; empty: derived from --listen, fine for stations on this machine only", func(c *Config, v string) error { c.PublicURL = v; return nil }},
	{"max-file-size", "LADDA_MAX_FILE_SIZE", "134217728", "largest firmware image or station upload, in bytes", func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		c.MaxFileSize = n
		return err
	}},
	{"ca-cert", "LADDA_CA_CERT", "", "PEM certificate of the CA that signs the certificates stations ask for (SignCertificate); empty: Ladda's own CA, made once in DATA-DIR/pki", func(c *Config, v string) error { c.CACert = v; return nil }},
	{"ca-key", "LADDA_CA_KEY", "", "PEM private key for --ca-cert", func(c *Config, v string) error { c.CAKey = v; return nil }},
	{"contract-provider-url", "LADDA_CONTRACT_PROVIDER_URL", "", "http(s) URL of the bridge to your V2G PKI that answers EVs' contract certificate requests (Get15118EVCertificate); empty: they fail", func(c *Config, v string) error { c.ContractProviderURL = v; return nil }},
	{"tls-cert", "LADDA_TLS_CERT", "", "PEM certificate file; enables HTTPS and WSS (OCPP security profile 2)", func(c *Config, v string) error { c.TLSCert = v; return nil }},
	{"tls-key", "LADDA_TLS_KEY", "", "PEM private key file for --tls-cert", func(c *Config, v string) error { c.TLSKey = v; return nil }},
	{"client-ca", "LADDA_CLIENT_CA", "", "PEM CA file for station client certificates whose CN is the station id (profile 3)", func(c *Config, v string) error { c.ClientCA = v; return nil }},
	{"accept-unknown-stations", "LADDA_ACCEPT_UNKNOWN_STATIONS", "false", "register unknown stations as pending for an operator to approve, instead of refusing them", boolSetter(func(c *Config) *bool { return &c.AcceptUnknownStations })},
	{"secret", "LADDA_SECRET", "", "key (≥ 16 characters) for station password hashes; when empty one is generated and kept in the database", func(c *Config, v string) error { c.Secret = v; return nil }},
	{"max-frame-size", "LADDA_MAX_FRAME_SIZE", "65536", "largest OCPP WebSocket message accepted, in bytes", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		c.MaxFrameSize = n
		return err
	}},
	{"call-timeout", "LADDA_CALL_TIMEOUT", "30s", "how long to wait for a station's answer to a command", durationSetter(func(c *Config) *time.Duration { return &c.CallTimeout })},
	{"heartbeat-interval", "LADDA_HEARTBEAT_INTERVAL", "5m", "heartbeat interval told to stations at boot", durationSetter(func(c *Config) *time.Duration { return &c.HeartbeatInterval })},
	{"stale-transaction-after", "LADDA_STALE_TRANSACTION_AFTER", "48h", "flag transactions still open after this long", durationSetter(func(c *Config) *time.Duration { return &c.StaleTransactionAfter })},
	{"reservation-no-show", "LADDA_RESERVATION_NO_SHOW", "15m", "release a reserved EVSE when nobody has started charging this long after the slot began; 0 holds it until the slot ends", durationSetter(func(c *Config) *time.Duration { return &c.ReservationNoShow })},
	{"batch-window", "LADDA_BATCH_WINDOW", "1ms", "group-commit window: station writes arriving within it share one database commit", durationSetter(func(c *Config) *time.Duration { return &c.BatchWindow })},
	{"log-level", "LADDA_LOG_LEVEL", "info", "log level: debug, info, warn or error", func(c *Config, v string) error { c.LogLevel = v; return nil }},
	{"log-format", "LADDA_LOG_FORMAT", "json", "log format: json or text", func(c *Config, v string) error { c.LogFormat = v; return nil }},
	{"shutdown-timeout", "LADDA_SHUTDOWN_TIMEOUT", "15s", "how long a graceful shutdown may take", durationSetter(func(c *Config) *time.Duration { return &c.ShutdownTimeout })},
	{"gc-percent", "LADDA_GC_PERCENT", "400", "garbage-collector target (Go's GOGC): higher spends memory to save CPU; 400 keeps p99 under 50 ms at 20,000 msgs/s on 2 cores", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		c.GCPercent = n
		return err
	}},
	{"encryption-key", "LADDA_ENCRYPTION_KEY", "", "keys that encrypt personal data at rest, \"id:base64key,…\" (32-byte keys; the first encrypts, all decrypt, so a new key goes first to rotate); empty: a key made once in DATA-DIR/encryption.key", func(c *Config, v string) error { c.EncryptionKey = v; return nil }},
	{"require-2fa", "LADDA_REQUIRE_2FA", "", "comma-separated roles that must use two-factor authentication, e.g. admin,operator", func(c *Config, v string) error {
		c.Require2FA = nil
		for _, r := range strings.Split(v, ",") {
			if r = strings.TrimSpace(r); r != "" {
				c.Require2FA = append(c.Require2FA, r)
			}
		}
		return nil
	}},
	{"smtp-url", "LADDA_SMTP_URL", "", "mail server for Ladda's emails: smtp://user:password@host:587 (STARTTLS), smtps://…:465 (TLS) or smtp://host:1025?tls=none; empty: emails stay queued", func(c *Config, v string) error { c.SMTPURL = v; return nil }},
	{"mail-from", "LADDA_MAIL_FROM", "Ladda <noreply@localhost>", "the From address of Ladda's emails", func(c *Config, v string) error { c.MailFrom = v; return nil }},
	{"webhook-allow-private", "LADDA_WEBHOOK_ALLOW_PRIVATE", "false", "let webhooks call loopback and private addresses (for receivers inside your network; off protects against SSRF)", boolSetter(func(c *Config) *bool { return &c.WebhookAllowPrivate })},
	{"password-memory", "LADDA_PASSWORD_MEMORY", "65536", "memory of one password hash (argon2id), in KiB; with --password-time, tune one hash to 100–200 ms on your machine (docs/benchmarks.md)", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		c.PasswordMemory = n
		return err
	}},
	{"password-time", "LADDA_PASSWORD_TIME", "3", "passes of one password hash (argon2id) over its memory", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		c.PasswordTime = n
		return err
	}},
	{"stripe-secret-key", "LADDA_STRIPE_SECRET_KEY", "", "Stripe's secret API key (sk_live_… or sk_test_…): drivers pay by card and top up wallets; empty: no payments, sessions are invoiced only", func(c *Config, v string) error { c.StripeSecretKey = v; return nil }},
	{"stripe-webhook-secret", "LADDA_STRIPE_WEBHOOK_SECRET", "", "the signing secret (whsec_…) of the Stripe webhook endpoint pointing at /api/v1/payments/webhook", func(c *Config, v string) error { c.StripeWebhookSecret = v; return nil }},
	{"stripe-api-url", "LADDA_STRIPE_API_URL", "", "Stripe's API address; empty: Stripe's own (set it to a stripe-mock to try payments offline)", func(c *Config, v string) error { c.StripeAPIURL = v; return nil }},
	{"preauthorize", "LADDA_PREAUTHORIZE", "0", "what a card is authorised for before a session when its tariff says nothing, in the tariff's currency; 0: no pre-authorisation, the card is charged after the session", func(c *Config, v string) error { c.Preauthorize = v; return nil }},
	{"wallet-currency", "LADDA_WALLET_CURRENCY", "EUR", "the currency of prepaid wallets (ISO 4217)", func(c *Config, v string) error { c.WalletCurrency = v; return nil }},
	{"wallet-minimum", "LADDA_WALLET_MINIMUM", "0", "the least a prepaid wallet must hold for its driver to start charging", func(c *Config, v string) error { c.WalletMinimum = v; return nil }},
	{"home-country", "LADDA_HOME_COUNTRY", "", "your country (ISO 3166-1, e.g. SE): subscription fees and other charges not tied to a station are taxed at its rate; empty: such fees carry no tax", func(c *Config, v string) error { c.HomeCountry = v; return nil }},
	{"limit-raise-interval", "LADDA_LIMIT_RAISE_INTERVAL", "10s", "smart charging: the least time between two raises of an EVSE's limit (lowering is never held back)", durationSetter(func(c *Config) *time.Duration { return &c.LimitRaiseInterval })},
	{"limit-horizon", "LADDA_LIMIT_HORIZON", "10m", "smart charging: how long a limit holds at a station that loses its connection to Ladda before it falls back to the site's fallback limit; limits are renewed at half of it", durationSetter(func(c *Config) *time.Duration { return &c.LimitHorizon })},
	{"cost-update-interval", "LADDA_COST_UPDATE_INTERVAL", "5m", "how often the running cost of priced sessions goes to 2.0.1 stations' screens (CostUpdated), when it changed; 0: only at the end", durationSetter(func(c *Config) *time.Duration { return &c.CostUpdateInterval })},
	{"trusted-proxies", "LADDA_TRUSTED_PROXIES", "", "comma-separated addresses or CIDRs of your load balancers: their X-Forwarded-For names the client (for sign-in limits and the audit log); empty: trust none", func(c *Config, v string) error {
		c.TrustedProxies = nil
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			if !strings.Contains(s, "/") {
				a, err := netip.ParseAddr(s)
				if err != nil {
					return err
				}
				s = netip.PrefixFrom(a, a.BitLen()).String()
			}
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return err
			}
			c.TrustedProxies = append(c.TrustedProxies, p.Masked())
		}
		return nil
	}},
	{"debug-listen", "LADDA_DEBUG_LISTEN", "", "address for Go's profiling endpoints /debug/pprof/ (keep it on loopback); empty: off", func(c *Config, v string) error { c.DebugListen = v; return nil }},
}

func boolSetter(f func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		*f(c) = b
		return err
	}
}

func durationSetter(f func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		*f(c) = d
		return err
	}
}

// Default returns the configuration with every default applied.
func Default() Config {
	var c Config
	for _, f := range Fields {
		if err := f.set(&c, f.Default); err != nil {
			panic(fmt.Sprintf("config: default of %s: %v", f.Flag, err))
		}
	}
	return c
}

// Load reads the settings named in only (all when only is empty) from the environment and
// then from args, flags winning over environment variables, and validates the result. It
// returns the remaining arguments. Errors name the flag or variable at fault.
func Load(name string, args []string, getenv func(string) string, stderr io.Writer, only ...string) (Config, []string, error) {
	c := Default()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, f := range Fields {
		if len(only) > 0 && !contains(only, f.Flag) {
			continue
		}
		if v := getenv(f.Env); v != "" {
			if err := f.set(&c, v); err != nil {
				return c, nil, fmt.Errorf("%s=%q: %w", f.Env, v, err)
			}
		}
		usage := f.Usage + " (env " + f.Env + ", default " + quoteDefault(f.Default) + ")"
		fs.Var(value{c: &c, f: f}, f.Flag, usage)
	}
	if err := fs.Parse(args); err != nil {
		return c, nil, err
	}
	return c, fs.Args(), c.Validate()
}

func quoteDefault(d string) string {
	if d == "" {
		return `""`
	}
	return d
}

// value is a flag.Value that sets one field; boolean fields also accept the bare --name.
type value struct {
	c *Config
	f Field
}

func (v value) String() string     { return "" }
func (v value) Set(s string) error { return v.f.set(v.c, s) }
func (v value) IsBoolFlag() bool   { return v.f.Default == "false" || v.f.Default == "true" }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Validate checks the configuration and names the first setting that is wrong.
func (c Config) Validate() error {
	var errs []error
	bad := func(flag, format string, args ...any) {
		errs = append(errs, fmt.Errorf("--%s: %s", flag, fmt.Sprintf(format, args...)))
	}
	if c.Listen == "" {
		bad("listen", "must not be empty")
	}
	if c.DB == "" {
		bad("db", "must not be empty")
	}
	if c.PasswordMemory < 8*1024 || c.PasswordMemory > 1<<20 {
		bad("password-memory", "must be between 8192 and 1048576 KiB")
	}
	if c.PasswordTime < 1 || c.PasswordTime > 10 {
		bad("password-time", "must be between 1 and 10")
	}
	for _, r := range c.Require2FA {
		switch r {
		case "admin", "operator", "support", "fleet_manager", "driver":
		default:
			bad("require-2fa", "unknown role %s (admin, operator, support, fleet_manager, driver)", r)
		}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		bad("tls-cert", "--tls-cert and --tls-key go together")
	}
	if c.ClientCA != "" && c.TLSCert == "" {
		bad("client-ca", "client certificates need TLS: set --tls-cert and --tls-key too")
	}
	if c.Secret != "" && len(c.Secret) < 16 {
		bad("secret", "must be at least 16 characters")
	}
	if (c.CACert == "") != (c.CAKey == "") {
		bad("ca-cert", "needs --ca-key, and the other way round")
	}
	if c.ContractProviderURL != "" {
		if u, err := url.Parse(c.ContractProviderURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("contract-provider-url", "must be an http or https URL")
		}
	}
	if c.DataDir == "" {
		bad("data-dir", "must not be empty")
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			bad("public-url", "must be an http or https URL without a path, such as https://csms.example.com")
		}
	}
	if c.MaxFileSize < 1024 {
		bad("max-file-size", "must be at least 1024 bytes")
	}
	if c.MaxFrameSize < 1024 || c.MaxFrameSize > 16<<20 {
		bad("max-frame-size", "must be between 1024 and 16777216 bytes")
	}
	if c.CallTimeout <= 0 || c.CallTimeout > 5*time.Minute {
		bad("call-timeout", "must be positive and at most 5m")
	}
	if c.HeartbeatInterval < time.Second {
		bad("heartbeat-interval", "must be at least 1s")
	}
	if c.StaleTransactionAfter < time.Minute {
		bad("stale-transaction-after", "must be at least 1m")
	}
	if c.CostUpdateInterval < 0 || (c.CostUpdateInterval > 0 && c.CostUpdateInterval < 30*time.Second) {
		bad("cost-update-interval", "must be 0 (off) or at least 30s")
	}
	if c.LimitRaiseInterval < 100*time.Millisecond || c.LimitRaiseInterval > 10*time.Minute {
		bad("limit-raise-interval", "must be 100ms to 10m")
	}
	if c.LimitHorizon < time.Minute || c.LimitHorizon > 24*time.Hour {
		bad("limit-horizon", "must be 1m to 24h")
	}
	if c.ReservationNoShow < 0 {
		bad("reservation-no-show", "must not be negative")
	}
	if c.BatchWindow < 0 || c.BatchWindow > time.Second {
		bad("batch-window", "must be between 0 and 1s")
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		bad("log-level", "must be debug, info, warn or error")
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		bad("log-format", "must be json or text")
	}
	if c.GCPercent < 25 || c.GCPercent > 10000 {
		bad("gc-percent", "must be between 25 and 10000")
	}
	if c.ShutdownTimeout <= 0 {
		bad("shutdown-timeout", "must be positive")
	}
	for flag, v := range map[string]string{"preauthorize": c.Preauthorize, "wallet-minimum": c.WalletMinimum} {
		if !decimal.MatchString(v) {
			bad(flag, "must be a non-negative decimal amount such as 30 or 12.50")
		}
	}
	if c.HomeCountry != "" && !countryCode.MatchString(c.HomeCountry) {
		bad("home-country", "must be an ISO 3166-1 alpha-2 code such as SE")
	}
	if !currencyCode.MatchString(c.WalletCurrency) {
		bad("wallet-currency", "must be an ISO 4217 code such as EUR")
	}
	if c.StripeSecretKey != "" && c.StripeWebhookSecret == "" {
		bad("stripe-webhook-secret", "is needed with --stripe-secret-key: payments confirmed later (3-D Secure) arrive by webhook")
	}
	return errors.Join(errs...)
}

var (
	decimal      = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
	currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)
	countryCode  = regexp.MustCompile(`^[A-Z]{2}$`)
)

// Engine names a database engine.
type Engine string

// The engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Database splits a DSN into its engine and what that engine's driver takes: a file path for
// SQLite, the URL for PostgreSQL.
func Database(dsn string) (Engine, string) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return Postgres, dsn
	case strings.HasPrefix(dsn, "sqlite:"):
		return SQLite, strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "//")
	}
	return SQLite, dsn
}
