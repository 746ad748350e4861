package main

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
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda/gateway"
)

// testPKI is a certificate authority made for one test, with a server certificate for
// 127.0.0.1 and client certificates on demand.
type testPKI struct {
	caCert *x509.Certificate
	caKey  *ecdsa.PrivateKey
	pool   *x509.CertPool
	dir    string
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	key := mustKey(t)
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
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	p := &testPKI{caCert: cert, caKey: key, pool: x509.NewCertPool(), dir: t.TempDir()}
	p.pool.AddCert(cert)
	writePEM(t, filepath.Join(p.dir, "ca.pem"), "CERTIFICATE", der)
	return p
}

func mustKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func writePEM(t *testing.T, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// issue signs a certificate for cn; server certificates are valid for 127.0.0.1.
func (p *testPKI) issue(t *testing.T, cn string, server bool) (tls.Certificate, []byte, []byte) {
	t.Helper()
	key := mustKey(t)
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.caCert, &key.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return pair, certPEM, keyPEM
}

// TestSecurityProfiles2And3 runs the server with TLS and a client CA, and connects stations
// with a password over TLS (profile 2) and with a client certificate (profile 3).
func TestSecurityProfiles2And3(t *testing.T) {
	t.Parallel()
	pki := newTestPKI(t)
	_, certPEM, keyPEM := pki.issue(t, "127.0.0.1", true)
	certFile, keyFile := filepath.Join(pki.dir, "server.pem"), filepath.Join(pki.dir, "server.key")
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServerTLS(t, pki, "--tls-cert", certFile, "--tls-key", keyFile, "--client-ca", filepath.Join(pki.dir, "ca.pem"))
	if !strings.HasPrefix(s.URL, "https://") {
		t.Fatalf("server URL %s, want https", s.URL)
	}
	s.register(t, "CP-TLS2", "s3cret-pass-tls2")
	s.register(t, "CP-TLS3", "s3cret-pass-tls3")
	ctx := context.Background()
	boot := json.RawMessage(`{"chargePointVendor":"Acme","chargePointModel":"AC22"}`)

	// Profile 2: password over TLS, no client certificate.
	c2, err := gateway.Dial(ctx, s.WSURL+"/CP-TLS2", gateway.DialOptions{Subprotocols: []string{"ocpp1.6"},
		Username: "CP-TLS2", Password: "s3cret-pass-tls2", TLSConfig: &tls.Config{RootCAs: pki.pool}})
	if err != nil {
		t.Fatalf("profile 2: %v", err)
	}
	defer c2.Close()
	if _, err := c2.Call(ctx, "BootNotification", boot); err != nil {
		t.Fatalf("profile 2 boot: %v", err)
	}

	// Profile 3: a client certificate whose CN is the station id, no password.
	cert3, _, _ := pki.issue(t, "CP-TLS3", false)
	c3, err := gateway.Dial(ctx, s.WSURL+"/CP-TLS3", gateway.DialOptions{Subprotocols: []string{"ocpp1.6"},
		TLSConfig: &tls.Config{RootCAs: pki.pool, Certificates: []tls.Certificate{cert3}}})
	if err != nil {
		t.Fatalf("profile 3: %v", err)
	}
	defer c3.Close()
	if _, err := c3.Call(ctx, "BootNotification", boot); err != nil {
		t.Fatalf("profile 3 boot: %v", err)
	}

	// A valid certificate for another station does not open this one.
	_, err = gateway.Dial(ctx, s.WSURL+"/CP-TLS2", gateway.DialOptions{Subprotocols: []string{"ocpp1.6"},
		TLSConfig: &tls.Config{RootCAs: pki.pool, Certificates: []tls.Certificate{cert3}}})
	var de *gateway.DialError
	if !errors.As(err, &de) || de.StatusCode != http.StatusUnauthorized {
		t.Fatalf("certificate of another station: %v, want HTTP 401", err)
	}
	// No password and no certificate: refused.
	_, err = gateway.Dial(ctx, s.WSURL+"/CP-TLS2", gateway.DialOptions{Subprotocols: []string{"ocpp1.6"},
		TLSConfig: &tls.Config{RootCAs: pki.pool}})
	if !errors.As(err, &de) || de.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no credentials: %v, want HTTP 401", err)
	}
}

// startServerTLS is startServer for a server whose certificate pki signed: API calls trust it.
func startServerTLS(t *testing.T, pki *testPKI, args ...string) *server {
	t.Helper()
	s := startServer(t, args...)
	s.client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pki.pool}}}
	return s
}
