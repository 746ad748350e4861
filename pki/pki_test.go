package pki

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/ladda-csms/ladda"
)

// csr makes a PEM signing request for cn with key.
func csr(t *testing.T, cn string, key crypto.Signer) string {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn, Organization: []string{"Acme"}}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
}

func ecKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestCA(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca, err := OpenCA(dir, time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	again, err := OpenCA(dir, time.Hour, nil)
	if err != nil || again.Certificate() != ca.Certificate() {
		t.Fatalf("reopening the CA: %v; same certificate: %v", err, again.Certificate() == ca.Certificate())
	}
	roots := x509.NewCertPool()
	root, _ := ParseChain(ca.Certificate())
	roots.AddCert(root[0])

	key := ecKey(t)
	chainPEM, err := ca.Sign(context.Background(), "CS-1", KindStation, csr(t, "CS-1", key))
	if err != nil {
		t.Fatal(err)
	}
	chain, err := ParseChain(chainPEM)
	if err != nil || len(chain) != 2 {
		t.Fatalf("chain: %d certificates, %v", len(chain), err)
	}
	leaf := chain[0]
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("the station certificate does not verify as a client certificate: %v", err)
	}
	if leaf.Subject.CommonName != "CS-1" || leaf.Subject.Organization[0] != "Acme" || !leaf.PublicKey.(*ecdsa.PublicKey).Equal(&key.PublicKey) ||
		leaf.NotAfter.Sub(leaf.NotBefore) > time.Hour+6*time.Minute {
		t.Errorf("leaf %v %v, valid %v", leaf.Subject, leaf.PublicKey, leaf.NotAfter.Sub(leaf.NotBefore))
	}
	v2g, err := ca.Sign(context.Background(), "CS-1", KindV2G, csr(t, "CS-1", key))
	c, _ := ParseChain(v2g)
	if err != nil || c[0].ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth {
		t.Fatalf("V2G certificate: %v", err)
	}
	if _, err := c[0].Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err == nil {
		t.Error("a station's V2G certificate chains to the CSMS root: it could pass for the CSMS")
	}
	external, err := LoadCA(filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key"), time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := external.Sign(context.Background(), "CS-1", KindV2G, csr(t, "CS-1", key)); !ladda.IsKind(err, ladda.Invalid) {
		t.Errorf("V2G from a CA without a V2G root: %v, want Invalid", err)
	}

	weak, _ := rsa.GenerateKey(rand.Reader, 1024)
	for name, req := range map[string]string{
		"another station": csr(t, "CS-2", key),
		"weak key":        csr(t, "CS-1", weak),
		"not PEM":         "hello",
		"tampered":        strings.Replace(csr(t, "CS-1", key), "A", "B", 3),
	} {
		if _, err := ca.Sign(context.Background(), "CS-1", KindStation, req); !ladda.IsKind(err, ladda.Invalid) {
			t.Errorf("%s: %v, want Invalid", name, err)
		}
	}
	if _, err := ca.Sign(context.Background(), "CS-1", "Other", csr(t, "CS-1", key)); !ladda.IsKind(err, ladda.Invalid) {
		t.Errorf("unknown kind: %v", err)
	}
}

// testPKI is a mobility operator's root and a contract certificate it issued.
type testPKI struct {
	root    *x509.Certificate
	rootKey *ecdsa.PrivateKey
}

func newTestPKI(t *testing.T) testPKI {
	t.Helper()
	key := ecKey(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "MO root"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := x509.ParseCertificate(der)
	return testPKI{root: root, rootKey: key}
}

func (p testPKI) contract(t *testing.T, emaid string, serial int64, notAfter time.Time) string {
	t.Helper()
	key := ecKey(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: emaid}, NotBefore: time.Now().Add(-time.Hour), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.root, &key.PublicKey, p.rootKey)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func TestVerifyContract(t *testing.T) {
	t.Parallel()
	mo, other := newTestPKI(t), newTestPKI(t)
	now := time.Now()
	roots := []*x509.Certificate{mo.root}
	for _, tc := range []struct {
		name, chain, emaid, want string
	}{
		{"valid", mo.contract(t, "DE8EOC123456789", 2, now.Add(time.Hour)), "DE-8EO-C12345678-9", ContractAccepted},
		{"expired", mo.contract(t, "DE8EOC123456789", 3, now.Add(-time.Minute)), "DE8EOC123456789", ContractExpired},
		{"another operator", other.contract(t, "DE8EOC123456789", 4, now.Add(time.Hour)), "DE8EOC123456789", ContractChainError},
		{"another eMAID", mo.contract(t, "DE8EOC999999999", 5, now.Add(time.Hour)), "DE8EOC123456789", ContractChainError},
		{"none", "", "DE8EOC123456789", ContractNoCertificate},
		{"garbage", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "X", ContractChainError},
	} {
		if got := VerifyContract(tc.chain, tc.emaid, roots, now); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

// ocspResponder answers OCSP requests for certificates issued by p, revoking serial 666.
func ocspResponder(t *testing.T, p testPKI) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req, err := ocsp.ParseRequest(body)
		if err != nil || r.Header.Get("Content-Type") != "application/ocsp-request" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		status := ocsp.Good
		if req.SerialNumber.Int64() == 666 {
			status = ocsp.Revoked
		}
		der, err := ocsp.CreateResponse(p.root, p.root, ocsp.Response{Status: status, SerialNumber: req.SerialNumber,
			ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour), RevokedAt: time.Now()}, p.rootKey)
		if err != nil {
			t.Error(err)
		}
		w.Write(der)
	}))
}

// hashOf is the OCSP request data of serial issued by root.
func hashOf(root *x509.Certificate, serial int64, responder string) OCSPRequest {
	name := sha256.Sum256(root.RawSubject)
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(root.RawSubjectPublicKeyInfo, &spki); err != nil {
		panic(err)
	}
	key := sha256.Sum256(spki.PublicKey.Bytes)
	return OCSPRequest{HashAlgorithm: "SHA256", IssuerNameHash: hex.EncodeToString(name[:]), IssuerKeyHash: hex.EncodeToString(key[:]),
		SerialNumber: big.NewInt(serial).Text(16), ResponderURL: responder}
}

func TestHTTPOCSP(t *testing.T) {
	t.Parallel()
	p := newTestPKI(t)
	srv := ocspResponder(t, p)
	defer srv.Close()
	ctx := context.Background()
	o := HTTPOCSP{AllowPrivate: true}
	if name, key, _ := CertificateHash(p.root, "SHA256"); name != hashOf(p.root, 7, "").IssuerNameHash || key != hashOf(p.root, 7, "").IssuerKeyHash {
		t.Errorf("CertificateHash = %s %s, want the test's own computation", name, key)
	}
	der, err := o.Check(ctx, hashOf(p.root, 7, srv.URL))
	if err != nil || revoked(der) {
		t.Fatalf("good certificate: %v, revoked %v", err, revoked(der))
	}
	res, err := ocsp.ParseResponseForCert(der, nil, p.root)
	if err != nil || res.Status != ocsp.Good || res.SerialNumber.Int64() != 7 {
		t.Errorf("response %+v, %v", res, err)
	}
	if !good(der, hashOf(p.root, 7, srv.URL), []*x509.Certificate{p.root}, time.Now()) {
		t.Error("a good, signed answer about serial 7 is not good")
	}
	if good(der, hashOf(p.root, 8, srv.URL), []*x509.Certificate{p.root}, time.Now()) {
		t.Error("an answer about serial 7 vouches for serial 8")
	}
	if good(der, hashOf(p.root, 7, srv.URL), []*x509.Certificate{p.root}, time.Now().Add(2*time.Hour)) {
		t.Error("an answer past its nextUpdate is good")
	}
	other := newTestPKI(t)
	h := hashOf(p.root, 7, srv.URL)
	h.IssuerNameHash, h.IssuerKeyHash = hashOf(other.root, 7, "").IssuerNameHash, hashOf(other.root, 7, "").IssuerKeyHash
	if good(der, h, []*x509.Certificate{other.root}, time.Now()) {
		t.Error("an answer signed by another issuer is good")
	}
	if der, err := o.Check(ctx, hashOf(p.root, 666, srv.URL)); err != nil || !revoked(der) {
		t.Errorf("revoked certificate: %v, revoked %v", err, revoked(der))
	}
	if _, err := (HTTPOCSP{}).Check(ctx, hashOf(p.root, 7, srv.URL)); err == nil || !strings.Contains(err.Error(), "public address") {
		t.Errorf("a loopback responder by default: %v, want refused", err)
	}
	redirect := httptest.NewServer(http.RedirectHandler(srv.URL, http.StatusTemporaryRedirect))
	defer redirect.Close()
	if _, err := o.Check(ctx, hashOf(p.root, 7, redirect.URL)); err == nil {
		t.Error("a redirect was followed")
	}
	for addr, want := range map[string]bool{"8.8.8.8": true, "127.0.0.1": false, "10.1.2.3": false, "169.254.169.254": false,
		"100.100.100.200": false, "::ffff:127.0.0.1": false, "2001:4860:4860::8888": true, "fd00::1": false, "64:ff9b::a00:1": false} {
		if got := public(netip.MustParseAddr(addr)); got != want {
			t.Errorf("public(%s) = %v, want %v", addr, got, want)
		}
	}
	bad := hashOf(p.root, 7, srv.URL)
	bad.IssuerKeyHash = "abcd"
	if _, err := o.Check(ctx, bad); err == nil {
		t.Error("a short hash was sent")
	}
	bad = hashOf(p.root, 7, "file:///etc/passwd")
	if _, err := o.Check(ctx, bad); err == nil {
		t.Error("a file URL was asked")
	}
}

func TestHTTPContractProvider(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in map[string]string
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		switch in["exiRequest"] {
		case "fail":
			http.Error(w, "no contract", http.StatusNotFound)
		case "empty":
			w.Write([]byte(`{}`))
		default:
			json.NewEncoder(w).Encode(map[string]string{"exiResponse": in["stationId"] + "/" + in["action"] + "/" + in["iso15118SchemaVersion"] + "/" + in["exiRequest"]})
		}
	}))
	defer srv.Close()
	p := HTTPContractProvider{URL: srv.URL}
	ctx := context.Background()
	if got, err := p.EVCertificate(ctx, "CS-1", "urn:iso:15118:2:2013:MsgDef", "Install", "AAEC"); err != nil || got != "CS-1/Install/urn:iso:15118:2:2013:MsgDef/AAEC" {
		t.Errorf("EVCertificate = %q, %v", got, err)
	}
	for _, exi := range []string{"fail", "empty"} {
		if _, err := p.EVCertificate(ctx, "CS-1", "v", "Update", exi); err == nil {
			t.Errorf("%s: no error", exi)
		}
	}
}
