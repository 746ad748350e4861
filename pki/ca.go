package pki

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/ladda-csms/ladda"
)

// The kinds of certificate a station asks Ladda to sign.
const (
	KindStation = "ChargingStationCertificate" // its TLS client certificate towards the CSMS (1.6: ChargePointCertificate)
	KindV2G     = "V2GCertificate"             // its TLS server certificate towards EVs (ISO 15118 SECC)
)

// Signer turns a station's certificate signing request into a certificate chain (PEM, leaf
// first). Ladda's CA is one; an operator's external CA, or a V2G PKI such as Hubject's, can be
// another. Errors: Invalid for a request that must not be signed.
type Signer interface {
	Sign(ctx context.Context, id ladda.StationID, kind string, csrPEM string) (chainPEM string, err error)
}

// CA is Ladda's own certificate authority: an ECDSA P-256 key and its self-signed root, which
// signs stations' certificates towards the CSMS. V2G certificates (TLS server certificates
// towards EVs) come from a separate root (V2G), so that a station's V2G certificate can never
// pass for the CSMS with stations that trust this CA.
type CA struct {
	cert     *x509.Certificate
	certPEM  string
	key      crypto.Signer
	validFor time.Duration
	clock    ladda.Clock
	v2g      *CA // signs KindV2G; nil: Ladda signs no V2G certificates
}

// LoadCA reads the CA from certFile and keyFile (PEM).
func LoadCA(certFile, keyFile string, validFor time.Duration, clock ladda.Clock) (*CA, error) {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("pki: loading the CA: %w", err)
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("pki: loading the CA: %w", err)
	}
	if !cert.IsCA {
		return nil, errors.New("pki: the CA certificate is not a CA")
	}
	key, ok := pair.PrivateKey.(crypto.Signer)
	if !ok {
		return nil, errors.New("pki: the CA key cannot sign")
	}
	return newCA(cert, key, validFor, clock), nil
}

// OpenCA loads Ladda's CA from dir (ca.crt, ca.key) and its V2G root (v2g-ca.crt,
// v2g-ca.key), making them the first time.
func OpenCA(dir string, validFor time.Duration, clock ladda.Clock) (*CA, error) {
	ca, err := openIssuer(dir, "ca", "Ladda CSMS root CA", validFor, clock)
	if err != nil {
		return nil, err
	}
	if ca.v2g, err = openIssuer(dir, "v2g-ca", "Ladda V2G root CA", validFor, clock); err != nil {
		return nil, err
	}
	return ca, nil
}

// WithV2G makes the V2G root of dir (see OpenCA) sign ca's V2G certificates: for a CA loaded
// with LoadCA.
func (ca *CA) WithV2G(dir string) (*CA, error) {
	v2g, err := openIssuer(dir, "v2g-ca", "Ladda V2G root CA", ca.validFor, ca.clock)
	if err != nil {
		return nil, err
	}
	ca.v2g = v2g
	return ca, nil
}

// openIssuer loads the issuer base.crt/base.key of dir, making one named cn the first time.
func openIssuer(dir, base, cn string, validFor time.Duration, clock ladda.Clock) (*CA, error) {
	certFile, keyFile := filepath.Join(dir, base+".crt"), filepath.Join(dir, base+".key")
	if _, err := os.Stat(keyFile); err == nil {
		return LoadCA(certFile, keyFile, validFor, clock)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	if clock == nil {
		clock = ladda.SystemClock{}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	now := clock.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"Ladda"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(20, 0, 0),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLen:            1,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	return LoadCA(certFile, keyFile, validFor, clock)
}

func newCA(cert *x509.Certificate, key crypto.Signer, validFor time.Duration, clock ladda.Clock) *CA {
	if clock == nil {
		clock = ladda.SystemClock{}
	}
	if validFor <= 0 {
		validFor = 365 * 24 * time.Hour
	}
	return &CA{cert: cert, certPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})), key: key, validFor: validFor, clock: clock}
}

// Certificate returns the CA's certificate, PEM: what stations install as their CSMS root.
func (ca *CA) Certificate() string { return ca.certPEM }

// randomSerial is a positive 127-bit serial number.
func randomSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return n.Add(n, big.NewInt(1))
}

// Sign implements Signer. It signs a request whose signature is valid, whose key is ECDSA
// P-256/P-384 or RSA of at least 2048 bits, and whose CommonName is the station's id (OCPP
// 2.0.1 A02: the CSMS checks it); the certificate keeps the request's Organization, is valid
// for the CA's validity period (never beyond the CA's own), and is a TLS client certificate
// for KindStation and a TLS server certificate for KindV2G.
func (ca *CA) Sign(_ context.Context, id ladda.StationID, kind string, csrPEM string) (string, error) {
	const op = "pki.Sign"
	csr, err := ParseCSR(csrPEM)
	if err != nil {
		return "", ladda.Errorf(ladda.Invalid, op, "%v", err)
	}
	if csr.Subject.CommonName != string(id) {
		return "", ladda.Errorf(ladda.Invalid, op, "the request's CommonName %q is not the station's id %q", csr.Subject.CommonName, id)
	}
	usage := []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	switch kind {
	case KindStation:
	case KindV2G:
		if ca.v2g == nil {
			return "", ladda.Errorf(ladda.Invalid, op, "Ladda has no V2G root: V2G certificates come from the V2G PKI")
		}
		ca, usage = ca.v2g, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	default:
		return "", ladda.Errorf(ladda.Invalid, op, "unknown certificate kind %q", kind)
	}
	now := ca.clock.Now()
	notAfter := now.Add(ca.validFor)
	if notAfter.After(ca.cert.NotAfter) {
		notAfter = ca.cert.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: csr.Subject.CommonName, Organization: csr.Subject.Organization, Country: csr.Subject.Country},
		NotBefore:    now.Add(-5 * time.Minute),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyAgreement,
		ExtKeyUsage:  usage,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, csr.PublicKey, ca.key)
	if err != nil {
		return "", ladda.Wrap(op, err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})) + ca.certPEM, nil
}

// ParseCSR reads a PEM certificate signing request, checks its signature and its key.
func ParseCSR(csrPEM string) (*x509.CertificateRequest, error) {
	block, _ := pem.Decode([]byte(csrPEM))
	if block == nil || block.Type != "CERTIFICATE REQUEST" && block.Type != "NEW CERTIFICATE REQUEST" {
		return nil, errors.New("the csr is not a PEM certificate request")
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("the csr does not parse: %v", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, errors.New("the csr's signature does not match its key")
	}
	switch k := csr.PublicKey.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() && k.Curve != elliptic.P384() {
			return nil, errors.New("the csr's ECDSA key must be on P-256 or P-384")
		}
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return nil, errors.New("the csr's RSA key must have at least 2048 bits")
		}
	default:
		return nil, errors.New("the csr's key must be ECDSA or RSA")
	}
	return csr, nil
}

// ParseChain reads PEM certificates, leaf first.
func ParseChain(chainPEM string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := []byte(chainPEM)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("a certificate does not parse: %v", err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no PEM certificate")
	}
	return out, nil
}
