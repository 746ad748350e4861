package notify_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/notify"
	"github.com/ladda-csms/ladda/notify/notifytest"
)

const from = "Ladda <noreply@ladda.example.com>"

// mustMailer returns a Mailer for cfg, with From set when it is empty.
func mustMailer(tb testing.TB, cfg notify.SMTPConfig) *notify.Mailer {
	tb.Helper()
	if cfg.From == "" {
		cfg.From = from
	}
	m, err := notify.NewMailer(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

func mustTemplates(tb testing.TB) *notify.Templates {
	tb.Helper()
	tpl, err := notify.LoadTemplates()
	if err != nil {
		tb.Fatal(err)
	}
	return tpl
}

// TestMailerDelivers renders messages in English and Swedish, sends them to a real SMTP server
// and reads them back from its API.
func TestMailerDelivers(t *testing.T) {
	t.Parallel()
	mp := notifytest.StartMailpit(t)
	mailer := mustMailer(t, notify.SMTPConfig{Host: mp.Host, Port: mp.SMTPPort, TLS: notify.TLSNone})
	tpl := mustTemplates(t)
	stockholm, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	when := time.Date(2026, 3, 1, 14, 5, 0, 0, stockholm)

	tests := []struct {
		name    string
		to      string
		kind    notify.Kind
		lang    string
		data    any
		subject string
		text    []string // in the plain text
		html    []string // in the HTML
	}{
		{
			name: "verify email in English", to: "Anna Berg <anna.en@example.com>", kind: notify.VerifyEmail, lang: "en",
			data:    notify.AccountData{Name: "Anna", Link: "https://ladda.example.com/verify?token=abc&x=1", ExpiresIn: 24 * time.Hour},
			subject: "Confirm your email address",
			text:    []string{"Hi Anna,", "https://ladda.example.com/verify?token=abc&x=1", "valid for 24 hours"},
			html:    []string{`<html lang="en">`, `href="https://ladda.example.com/verify?token=abc&amp;x=1"`, "Confirm email address"},
		},
		{
			name: "verify email in Swedish", to: "anna.sv@example.com", kind: notify.VerifyEmail, lang: "sv-SE",
			data:    notify.AccountData{Name: "Åsa <Öberg>", Link: "https://ladda.example.com/verify?token=def", ExpiresIn: 48 * time.Hour},
			subject: "Bekräfta din e-postadress",
			text:    []string{"Hej Åsa <Öberg>!", "https://ladda.example.com/verify?token=def", "Länken är giltig i 2 dagar."},
			html:    []string{`<html lang="sv">`, "Hej Åsa &lt;Öberg&gt;!", "Bekräfta e-postadressen"},
		},
		{
			name: "session stopped in English", to: "bo.en@example.com", kind: notify.SessionStopped, lang: "en",
			data:    notify.SessionData{Name: "Bo", StationID: "CS-0001", StationName: "Garage B", EnergyKWh: 1234.5, Duration: 65 * time.Minute, Card: "…4F2A", Time: when},
			subject: "Charging finished at Garage B: 1,234.5 kWh",
			text:    []string{"Energy:   1,234.5 kWh", "Duration: 1 h 5 min", "Ended:    2026-03-01 14:05 CET", "Garage B (CS-0001)"},
			html:    []string{"<strong>1,234.5 kWh</strong>", "2026-03-01 14:05 CET"},
		},
		{
			name: "session stopped in Swedish", to: "bo.sv@example.com", kind: notify.SessionStopped, lang: "sv",
			data:    notify.SessionData{Name: "Bo", StationID: "CS-0001", EnergyKWh: 12.5, Duration: 2 * time.Hour, Time: when},
			subject: "Laddningen är klar vid CS-0001: 12,5 kWh",
			text:    []string{"Energi:      12,5 kWh", "Laddtid:     2 tim", "Avslutad:    2026-03-01 14:05 CET", "Tack för att du laddade med Ladda."},
			html:    []string{"<strong>12,5 kWh</strong>", "Laddtid"},
		},
		{
			name: "station fault in an unknown language falls back to English", to: "ops.de@example.com", kind: notify.StationFault, lang: "de",
			data:    map[string]any{"StationID": "CS-0002", "ErrorCode": "GroundFailure", "Info": "RCD tripped"},
			subject: "Fault reported at CS-0002",
			text:    []string{"Hi,", "Error code:     GroundFailure", "Details:        RCD tripped"},
			html:    []string{"GroundFailure"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg, err := tpl.Message(tt.to, tt.kind, tt.lang, tt.data)
			if err != nil {
				t.Fatal(err)
			}
			msg.Headers = map[string]string{"List-Unsubscribe": "<https://ladda.example.com/settings>"}
			if err := mailer.Send(context.Background(), msg); err != nil {
				t.Fatalf("Send: %v", err)
			}
			addr := tt.to
			if i := strings.Index(addr, "<"); i >= 0 {
				addr = strings.Trim(addr[i:], "<>")
			}
			got := mp.Message(t, addr)
			if got.Subject != tt.subject {
				t.Errorf("Subject = %q, want %q", got.Subject, tt.subject)
			}
			if len(got.To) != 1 || got.To[0].Address != addr {
				t.Errorf("To = %+v, want %s", got.To, addr)
			}
			if got.From.Address != "noreply@ladda.example.com" || got.From.Name != "Ladda" {
				t.Errorf("From = %+v", got.From)
			}
			if !strings.HasSuffix(got.MessageID, "@ladda.example.com") {
				t.Errorf("Message-ID %q is not in the sender's domain", got.MessageID)
			}
			for name, want := range map[string]string{"Auto-Submitted": "auto-generated", "List-Unsubscribe": "<https://ladda.example.com/settings>"} {
				if v := got.Headers[name]; len(v) != 1 || v[0] != want {
					t.Errorf("header %s = %q, want %q", name, v, want)
				}
			}
			for _, want := range tt.text {
				if !strings.Contains(got.Text, want) {
					t.Errorf("text lacks %q:\n%s", want, got.Text)
				}
			}
			for _, want := range tt.html {
				if !strings.Contains(got.HTML, want) {
					t.Errorf("HTML lacks %q:\n%s", want, got.HTML)
				}
			}
		})
	}
}

// TestMailerAttaches sends an invoice email with its PDF, as a queued delivery carries it (a
// map from JSON), and refuses attachments that could smuggle headers.
func TestMailerAttaches(t *testing.T) {
	t.Parallel()
	mp := notifytest.StartMailpit(t)
	mailer := mustMailer(t, notify.SMTPConfig{Host: mp.Host, Port: mp.SMTPPort, TLS: notify.TLSNone})
	postman := &notify.Postman{Templates: mustTemplates(t), Sender: mailer}
	pdf := []byte("%PDF-1.4 a small but real enough document\n%%EOF\n")
	raw, err := json.Marshal(map[string]any{"Ref": "LAD-000007", "Kind": "invoice", "Total": "51.25", "Currency": "SEK",
		"Attachments": []notify.Attachment{{Name: "LAD-000007.pdf", ContentType: "application/pdf", Data: pdf}}})
	if err != nil {
		t.Fatal(err)
	}
	var queued map[string]any
	if err := json.Unmarshal(raw, &queued); err != nil {
		t.Fatal(err)
	}
	if err := postman.Mail(context.Background(), "inv@example.com", "sv", string(notify.Invoice), queued); err != nil {
		t.Fatal(err)
	}
	got := mp.Message(t, "inv@example.com")
	if got.Subject != "Faktura LAD-000007: 51.25 SEK" || len(got.Attachments) != 1 || got.Attachments[0].FileName != "LAD-000007.pdf" ||
		got.Attachments[0].ContentType != "application/pdf" || got.Attachments[0].Size != len(pdf) {
		t.Errorf("delivered %q with attachments %+v", got.Subject, got.Attachments)
	}
	for _, bad := range []notify.Attachment{
		{Name: "a\r\nBcc: x@example.com", ContentType: "application/pdf", Data: pdf},
		{Name: "../etc/passwd", ContentType: "text/plain"},
		{Name: "x.pdf", ContentType: "application/pdf\r\nX: y"},
	} {
		msg := notify.Message{To: "inv@example.com", Subject: "x", Text: "x", Attachments: []notify.Attachment{bad}}
		if err := mailer.Send(context.Background(), msg); !ladda.IsKind(err, ladda.Invalid) {
			t.Errorf("attachment %q (%s): %v, want invalid", bad.Name, bad.ContentType, err)
		}
	}
}

// TestMailerErrors checks the error kinds that tell callers whether to retry.
func TestMailerErrors(t *testing.T) {
	t.Parallel()
	strict := notifytest.StartMailpit(t, `--smtp-allowed-recipients=@example\.com$`)
	flaky := notifytest.StartMailpit(t, "--chaos-triggers=Recipient:451:100")
	closed := notifytest.FreePort(t)
	silent := silentServer(t)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	ok := notify.Message{To: "x@example.com", Subject: "Hello", Text: "Hello."}
	with := func(f func(*notify.Message)) notify.Message {
		m := ok
		f(&m)
		return m
	}

	tests := []struct {
		name string
		cfg  notify.SMTPConfig
		ctx  context.Context
		msg  notify.Message
		kind ladda.Kind
	}{
		{"nobody listens", notify.SMTPConfig{Host: "127.0.0.1", Port: closed, TLS: notify.TLSNone}, nil, ok, ladda.Unavailable},
		{"the server never answers", notify.SMTPConfig{Host: "127.0.0.1", Port: silent, TLS: notify.TLSNone, Timeout: 300 * time.Millisecond}, nil, ok, ladda.Unavailable},
		{"cancelled", notify.SMTPConfig{Host: strict.Host, Port: strict.SMTPPort, TLS: notify.TLSNone}, cancelled, ok, ladda.Unavailable},
		{"temporary refusal (451)", notify.SMTPConfig{Host: flaky.Host, Port: flaky.SMTPPort, TLS: notify.TLSNone}, nil, ok, ladda.Unavailable},
		{"recipient refused (550)", notify.SMTPConfig{Host: strict.Host, Port: strict.SMTPPort, TLS: notify.TLSNone}, nil,
			with(func(m *notify.Message) { m.To = "someone@elsewhere.example.net" }), ladda.Invalid},
		{"STARTTLS required but not offered", notify.SMTPConfig{Host: strict.Host, Port: strict.SMTPPort, TLS: notify.TLSStartTLS}, nil, ok, ladda.Internal},
		{"malformed recipient", notify.SMTPConfig{Host: "127.0.0.1", Port: closed, TLS: notify.TLSNone}, nil,
			with(func(m *notify.Message) { m.To = "anna@@example.com" }), ladda.Invalid},
		{"two recipients", notify.SMTPConfig{Host: "127.0.0.1", Port: closed, TLS: notify.TLSNone}, nil,
			with(func(m *notify.Message) { m.To = "a@example.com, b@example.com" }), ladda.Invalid},
		{"no subject", notify.SMTPConfig{Host: "127.0.0.1", Port: closed, TLS: notify.TLSNone}, nil,
			with(func(m *notify.Message) { m.Subject = " " }), ladda.Invalid},
		{"no body", notify.SMTPConfig{Host: "127.0.0.1", Port: closed, TLS: notify.TLSNone}, nil,
			with(func(m *notify.Message) { m.Text = "" }), ladda.Invalid},
		{"a header the mailer owns", notify.SMTPConfig{Host: "127.0.0.1", Port: closed, TLS: notify.TLSNone}, nil,
			with(func(m *notify.Message) { m.Headers = map[string]string{"bcc": "spy@example.com"} }), ladda.Invalid},
		{"a header with a line break", notify.SMTPConfig{Host: "127.0.0.1", Port: closed, TLS: notify.TLSNone}, nil,
			with(func(m *notify.Message) { m.Headers = map[string]string{"X-Note": "a\r\nBcc: spy@example.com"} }), ladda.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			err := mustMailer(t, tt.cfg).Send(ctx, tt.msg)
			t.Log(err)
			if !ladda.IsKind(err, tt.kind) {
				t.Fatalf("Send = %v (kind %v), want kind %v", err, ladda.ErrorKind(err), tt.kind)
			}
			if tt.ctx != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("Send = %v, want it to wrap context.Canceled", err)
			}
		})
	}
	if n := strict.Count(t); n != 0 {
		t.Errorf("the refusing server holds %d messages, want 0", n)
	}
}

// TestMailerTLS sends over STARTTLS and implicit TLS to servers that demand a password,
// verifying their certificate.
func TestMailerTLS(t *testing.T) {
	t.Parallel()
	cert, key, roots := testCertificate(t)
	passwords := filepath.Join(t.TempDir(), "smtp-passwords")
	if err := os.WriteFile(passwords, []byte("ladda:s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tlsFlags := []string{"--smtp-tls-cert", cert, "--smtp-tls-key", key, "--smtp-auth-file", passwords}
	starttls := notifytest.StartMailpit(t, append(tlsFlags, "--smtp-require-starttls")...)
	implicit := notifytest.StartMailpit(t, append(tlsFlags, "--smtp-require-tls")...)
	insecure := notifytest.StartMailpit(t, "--smtp-auth-file", passwords, "--smtp-auth-allow-insecure")
	trusted := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}

	tests := []struct {
		name     string
		mp       *notifytest.Mailpit
		mode     string
		password string
		roots    *tls.Config
		kind     ladda.Kind // of the error; 0 with ok
		ok       bool
	}{
		{"STARTTLS", starttls, notify.TLSStartTLS, "s3cret", trusted, 0, true},
		{"implicit TLS", implicit, notify.TLSImplicit, "s3cret", trusted, 0, true},
		{"wrong password", starttls, notify.TLSStartTLS, "wrong", trusted, ladda.Internal, false},
		{"untrusted certificate", starttls, notify.TLSStartTLS, "s3cret", nil, ladda.Unavailable, false},
		{"plain SMTP where TLS is required", starttls, notify.TLSNone, "", nil, ladda.Internal, false},
		{"password in clear text", insecure, notify.TLSNone, "s3cret", nil, ladda.Internal, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := notify.SMTPConfig{Host: tt.mp.Host, Port: tt.mp.SMTPPort, TLS: tt.mode, Timeout: 5 * time.Second}
			if tt.password != "" {
				cfg.Username, cfg.Password = "ladda", tt.password
			}
			m := mustMailer(t, cfg)
			if tt.roots != nil {
				notify.SetTLSConfig(m, tt.roots)
			}
			to := strings.ReplaceAll(strings.ToLower(tt.name), " ", "-") + "@example.com"
			err := m.Send(context.Background(), notify.Message{To: to, Subject: "TLS", Text: "Över TLS."})
			t.Log(err)
			if !tt.ok {
				if !ladda.IsKind(err, tt.kind) {
					t.Fatalf("Send = %v (kind %v), want kind %v", err, ladda.ErrorKind(err), tt.kind)
				}
				return
			}
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if got := tt.mp.Message(t, to); !strings.Contains(got.Text, "Över TLS.") {
				t.Errorf("text %q", got.Text)
			}
		})
	}
	if n := insecure.Count(t); n != 0 {
		t.Errorf("the server without TLS holds %d messages, want 0", n)
	}
}

func TestSMTPConfigValidate(t *testing.T) {
	t.Parallel()
	good := notify.SMTPConfig{Host: "smtp.example.com", From: from}
	tests := []struct {
		name  string
		edit  func(*notify.SMTPConfig)
		field string // named in the error; "" for valid
	}{
		{"defaults", func(*notify.SMTPConfig) {}, ""},
		{"all set", func(c *notify.SMTPConfig) {
			c.Port, c.TLS, c.Username, c.Password, c.Timeout = 465, notify.TLSImplicit, "u", "p", time.Second
		}, ""},
		{"IPv6 host", func(c *notify.SMTPConfig) { c.Host = "::1" }, ""},
		{"no host", func(c *notify.SMTPConfig) { c.Host = "" }, "Host"},
		{"host with port", func(c *notify.SMTPConfig) { c.Host = "smtp.example.com:587" }, "Host"},
		{"port out of range", func(c *notify.SMTPConfig) { c.Port = 70000 }, "Port"},
		{"unknown TLS mode", func(c *notify.SMTPConfig) { c.TLS = "ssl" }, "TLS"},
		{"negative timeout", func(c *notify.SMTPConfig) { c.Timeout = -time.Second }, "Timeout"},
		{"password without user", func(c *notify.SMTPConfig) { c.Password = "p" }, "Password"},
		{"no sender", func(c *notify.SMTPConfig) { c.From = "" }, "From"},
		{"malformed sender", func(c *notify.SMTPConfig) { c.From = "Ladda noreply" }, "From"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := good
			tt.edit(&cfg)
			err := cfg.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				if _, err := notify.NewMailer(cfg); err != nil {
					t.Fatalf("NewMailer = %v", err)
				}
				return
			}
			if !ladda.IsKind(err, ladda.Invalid) || !strings.Contains(err.Error(), tt.field) {
				t.Fatalf("Validate = %v, want an invalid error naming %s", err, tt.field)
			}
			if _, err := notify.NewMailer(cfg); !ladda.IsKind(err, ladda.Invalid) {
				t.Fatalf("NewMailer = %v, want invalid", err)
			}
		})
	}
}

func TestSMTPConfigDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tls      string
		wantTLS  string
		wantPort int
	}{
		{"", notify.TLSStartTLS, 587},
		{notify.TLSStartTLS, notify.TLSStartTLS, 587},
		{notify.TLSImplicit, notify.TLSImplicit, 465},
		{notify.TLSNone, notify.TLSNone, 25},
	}
	for _, tt := range tests {
		got := notify.SMTPConfig{TLS: tt.tls}.WithDefaults()
		if got.TLS != tt.wantTLS || got.Port != tt.wantPort || got.Timeout != notify.DefaultSMTPTimeout {
			t.Errorf("TLS %q: defaults %+v, want TLS %q, port %d, timeout %s", tt.tls, got, tt.wantTLS, tt.wantPort, notify.DefaultSMTPTimeout)
		}
	}
	if got := (notify.SMTPConfig{Port: 2525}).WithDefaults().Port; got != 2525 {
		t.Errorf("a set port became %d", got)
	}
}

// silentServer accepts SMTP connections and never says a word. It returns its port.
func silentServer(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { <-done; c.Close() }()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// testCertificate writes a self-signed certificate for 127.0.0.1 and its key to PEM files and
// returns their paths and a pool that trusts the certificate.
func testCertificate(t *testing.T) (certFile, keyFile string, roots *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "ladda test SMTP"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	roots = x509.NewCertPool()
	roots.AddCert(cert)
	return certFile, keyFile, roots
}
