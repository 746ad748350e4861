package gateway

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
)

// credLog is an Authenticator that records what it saw and applies the rules of the tests:
// a station needs the password "secret" unless it shows a client certificate; CP-plain-err
// fails with an error that is not a ladda.Error.
type credLog struct {
	mu   sync.Mutex
	seen map[string]Credentials
}

func (a *credLog) AuthenticateStation(_ context.Context, c Credentials) error {
	a.mu.Lock()
	if a.seen == nil {
		a.seen = map[string]Credentials{}
	}
	a.seen[c.StationID] = c
	a.mu.Unlock()
	switch {
	case c.StationID == "CP-plain-err":
		return errors.New("database is down")
	case c.ClientCert != nil:
		return nil
	case !c.HasPassword:
		return ladda.Errorf(ladda.Unauthorized, "test.auth", "credentials required")
	case c.Password != "secret":
		return ladda.Errorf(ladda.Unauthorized, "test.auth", "wrong password")
	}
	return nil
}

func (a *credLog) get(id string) (Credentials, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, ok := a.seen[id]
	return c, ok
}

func TestBasicAuth(t *testing.T) {
	t.Parallel()
	auth := &credLog{}
	ts := MustServer(t, func(c *Config) { c.Authenticator = auth })
	tests := []struct {
		station, user, pass string
		status              int    // 0: connects
		body                string // the JSON error shown
		authCalled          bool
	}{
		{"CP-ok", "CP-ok", "secret", 0, "", true},
		{"CP-wrong", "CP-wrong", "guess", 401, "wrong password", true},
		{"CP-none", "", "", 401, "credentials required", true},
		{"CP-other", "CP-someone-else", "secret", 401, "basic-auth user does not match the station id", false},
		{"CP-plain-err", "CP-plain-err", "secret", 401, "unauthorized", true},
	}
	for _, tt := range tests {
		c, err := Dial(context.Background(), ts.url+tt.station, DialOptions{Username: tt.user, Password: tt.pass})
		if tt.status == 0 {
			if err != nil {
				t.Errorf("%s: Dial: %v", tt.station, err)
				continue
			}
			MustCall(t, c, "Heartbeat", `{}`)
			_ = c.Close()
		} else {
			var de *DialError
			if !errors.As(err, &de) || de.StatusCode != tt.status || !strings.Contains(de.Body, `{"error":"`+tt.body+`"}`) {
				t.Errorf("%s: Dial error = %v, want HTTP %d with error %q", tt.station, err, tt.status, tt.body)
			}
		}
		got, called := auth.get(tt.station)
		if called != tt.authCalled {
			t.Errorf("%s: Authenticator called = %v, want %v", tt.station, called, tt.authCalled)
		}
		if called && (got.Password != tt.pass || got.HasPassword != (tt.user != "") || got.TLS || got.ClientCert != nil || got.RemoteAddr == "") {
			t.Errorf("%s: Authenticator saw %+v", tt.station, got)
		}
	}
	if got := ts.Stats().Refused; got != 4 {
		t.Errorf("Stats.Refused = %d, want 4", got)
	}
}

func TestUnauthorizedResponse(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, func(c *Config) { c.Authenticator = &credLog{} })
	req, err := http.NewRequest(http.MethodGet, ts.http.URL+"/ocpp/CP-raw", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	req.Header.Set("Sec-WebSocket-Protocol", "ocpp1.6")
	req.SetBasicAuth("CP-raw", "nope")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusUnauthorized ||
		resp.Header.Get("WWW-Authenticate") != `Basic realm="ladda"` ||
		resp.Header.Get("Content-Type") != "application/json" ||
		body != `{"error":"wrong password"}`+"\n" {
		t.Errorf("refusal = %d %q %q %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), resp.Header.Get("Content-Type"), body)
	}
}

// testPKI is a certificate authority made for one test, with client certificates from it.
type testPKI struct {
	ca    *x509.Certificate
	key   *ecdsa.PrivateKey
	pool  *x509.CertPool
	ser   int64
	tbRef testing.TB
}

func MustPKI(tb testing.TB) *testPKI {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Ladda test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &testPKI{ca: ca, key: key, pool: pool, ser: 1, tbRef: tb}
}

// client returns a client certificate with common name cn.
func (p *testPKI) client(cn string) tls.Certificate {
	p.tbRef.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		p.tbRef.Fatal(err)
	}
	p.ser++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(p.ser),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.key)
	if err != nil {
		p.tbRef.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestClientCertificates(t *testing.T) {
	t.Parallel()
	pki := MustPKI(t)
	stranger := MustPKI(t) // a CA the server does not trust
	auth := &credLog{}
	ts := startServer(t, func(c *Config) { c.Authenticator = auth }, &tls.Config{
		ClientAuth: tls.VerifyClientCertIfGiven,
		ClientCAs:  pki.pool,
	})
	roots := x509.NewCertPool()
	roots.AddCert(ts.http.Certificate())
	dial := func(id string, certs ...tls.Certificate) (*ClientConn, error) {
		return Dial(context.Background(), ts.url+id, DialOptions{TLSConfig: &tls.Config{RootCAs: roots, Certificates: certs}})
	}

	// Security profile 3: a verified certificate whose common name is the station id.
	c, err := dial("CP-T1", pki.client("CP-T1"))
	if err != nil {
		t.Fatalf("Dial with a matching certificate: %v", err)
	}
	MustCall(t, c, "Heartbeat", `{}`)
	if p, ok := ts.Peer("CP-T1"); !ok || !p.TLS {
		t.Errorf("Peer = %+v, %v; want TLS", p, ok)
	}
	if got, _ := auth.get("CP-T1"); !got.TLS || got.ClientCert == nil || got.ClientCert.Subject.CommonName != "CP-T1" || got.HasPassword {
		t.Errorf("Authenticator saw %+v", got)
	}
	_ = c.Close()

	// A certificate of another station.
	_, err = dial("CP-T2", pki.client("CP-T1"))
	var de *DialError
	if !errors.As(err, &de) || de.StatusCode != 401 || !strings.Contains(de.Body, "common name does not match") {
		t.Errorf("Dial with another station's certificate = %v, want 401", err)
	}
	if _, called := auth.get("CP-T2"); called {
		t.Error("Authenticator was asked about a certificate that names another station")
	}

	// No certificate: TLS alone (profile 2) needs the password.
	_, err = dial("CP-T3")
	if !errors.As(err, &de) || de.StatusCode != 401 {
		t.Errorf("Dial without certificate or password = %v, want 401", err)
	}
	if got, _ := auth.get("CP-T3"); !got.TLS || got.ClientCert != nil {
		t.Errorf("Authenticator saw %+v, want TLS without certificate", got)
	}

	// A certificate from an untrusted CA fails in the TLS handshake itself.
	c, err = dial("CP-T4", stranger.client("CP-T4"))
	if err == nil {
		// TLS 1.3 reports the client certificate's rejection only on the first read.
		_, err = c.Call(context.Background(), "Heartbeat", nil)
		_ = c.Close()
	}
	if err == nil {
		t.Error("a certificate from an untrusted CA was accepted")
	}
	if _, called := auth.get("CP-T4"); called {
		t.Error("Authenticator was asked about an untrusted certificate")
	}
}

// TestAuthenticatorFailureIsNotAVerdict: when the credentials cannot be checked (the store is
// down), the station is told to come back later, not that its password is wrong.
func TestAuthenticatorFailureIsNotAVerdict(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"store down", &ladda.Error{Kind: ladda.Internal, Op: "store.Station", Err: errors.New("disk I/O error")}, http.StatusServiceUnavailable},
		{"overloaded", ladda.Errorf(ladda.Unavailable, "x", "busy"), http.StatusServiceUnavailable},
		{"wrong password", ladda.Errorf(ladda.Unauthorized, "x", "wrong password"), http.StatusUnauthorized},
		{"foreign error", errors.New("no"), http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := MustServer(t, func(c *Config) {
				c.Authenticator = AuthenticatorFunc(func(context.Context, Credentials) error { return tc.err })
			})
			_, err := Dial(context.Background(), ts.url+"CP-1", DialOptions{Subprotocols: []string{"ocpp1.6"}, Username: "CP-1", Password: "pw"})
			var de *DialError
			if !errors.As(err, &de) || de.StatusCode != tc.want {
				t.Fatalf("Dial = %v, want HTTP %d", err, tc.want)
			}
			if strings.Contains(de.Body, "disk") {
				t.Fatalf("refusal leaks the cause: %s", de.Body)
			}
		})
	}
}
