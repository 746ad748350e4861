package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"golang.org/x/crypto/ocsp"
)

// OCSPRequest names a certificate whose revocation status a station asks about (2.0.1
// OCSPRequestData): its issuer's name and key hashes, its serial number, and the responder.
type OCSPRequest struct {
	HashAlgorithm  string // SHA256, SHA384 or SHA512
	IssuerNameHash string // hex
	IssuerKeyHash  string // hex
	SerialNumber   string // hex
	ResponderURL   string
}

// OCSP asks a responder for a certificate's status and returns its DER response.
type OCSP interface {
	Check(ctx context.Context, r OCSPRequest) ([]byte, error)
}

// maxOCSPResponse bounds a responder's answer (OCPP carries at most 5500 base64 characters).
const maxOCSPResponse = 16 << 10

// HTTPOCSP is an OCSP client over HTTP (RFC 6960, POST of the DER request). The responder URL
// comes from a station, so by default it reaches only global unicast addresses, checked at
// connect time (after every DNS answer), through no proxy and without following redirects: a
// station must not make Ladda reach into its own network.
type HTTPOCSP struct {
	AllowPrivate bool          // allow responders on loopback and private addresses (tests, labs)
	Timeout      time.Duration // per request; 0: 10 s
}

// blocked are address ranges that are global unicast by the book but not public: shared
// address space (carrier NAT, cloud metadata), benchmarking, NAT64, and "this network".
var blocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"), netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("64:ff9b::/96"), netip.MustParsePrefix("64:ff9b:1::/48"),
}

// public reports whether a responder may be on addr.
func public(addr netip.Addr) bool {
	addr = addr.Unmap()
	if !addr.IsGlobalUnicast() || addr.IsPrivate() {
		return false
	}
	for _, p := range blocked {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

// client is the HTTP client for responders.
func (o HTTPOCSP) client() *http.Client {
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	dialer := &net.Dialer{Timeout: timeout}
	if !o.AllowPrivate {
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !public(ap.Addr()) {
				return errors.New("the responder is not on a public address")
			}
			return nil
		}
	}
	return &http.Client{
		Timeout:       timeout,
		Transport:     &http.Transport{Proxy: nil, DialContext: dialer.DialContext, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Check implements OCSP.
func (o HTTPOCSP) Check(ctx context.Context, r OCSPRequest) ([]byte, error) {
	req, err := r.marshal()
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(r.ResponderURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("the responder URL is not an http(s) URL")
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(req))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", "application/ocsp-request")
	res, err := o.client().Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("asking the responder: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("the responder answered %s", res.Status)
	}
	der, err := io.ReadAll(io.LimitReader(res.Body, maxOCSPResponse+1))
	if err != nil {
		return nil, fmt.Errorf("reading the responder's answer: %w", err)
	}
	if len(der) > maxOCSPResponse {
		return nil, errors.New("the responder's answer is too large")
	}
	if _, err := ocsp.ParseResponse(der, nil); err != nil {
		return nil, fmt.Errorf("the responder's answer is not an OCSP response: %w", err)
	}
	return der, nil
}

// marshal builds the DER OCSP request.
func (r OCSPRequest) marshal() ([]byte, error) {
	var h crypto.Hash
	switch r.HashAlgorithm {
	case "SHA256":
		h = crypto.SHA256
	case "SHA384":
		h = crypto.SHA384
	case "SHA512":
		h = crypto.SHA512
	default:
		return nil, fmt.Errorf("unknown hash algorithm %q", r.HashAlgorithm)
	}
	name, err1 := hex.DecodeString(r.IssuerNameHash)
	key, err2 := hex.DecodeString(r.IssuerKeyHash)
	serial, ok := new(big.Int).SetString(r.SerialNumber, 16)
	if err1 != nil || err2 != nil || !ok || len(name) != h.Size() || len(key) != h.Size() {
		return nil, errors.New("the certificate's hashes or serial number are not hex of the right length")
	}
	return (&ocsp.Request{HashAlgorithm: h, IssuerNameHash: name, IssuerKeyHash: key, SerialNumber: serial}).Marshal()
}

// revoked reports whether an OCSP response says the certificate is revoked.
func revoked(der []byte) bool {
	res, err := ocsp.ParseResponse(der, nil)
	return err == nil && res.Status == ocsp.Revoked
}

// good reports whether an OCSP response vouches for the certificate r asks about now: about
// its serial, current, status Good, and signed by its issuer when the issuer is among issuers
// (found by r's name and key hashes).
func good(der []byte, r OCSPRequest, issuers []*x509.Certificate, now time.Time) bool {
	var issuer *x509.Certificate
	for _, c := range issuers {
		name, key, _ := CertificateHash(c, r.HashAlgorithm)
		if strings.EqualFold(name, r.IssuerNameHash) && strings.EqualFold(key, r.IssuerKeyHash) {
			issuer = c
		}
	}
	res, err := ocsp.ParseResponse(der, issuer)
	if err != nil {
		return false
	}
	serial, ok := new(big.Int).SetString(r.SerialNumber, 16)
	return ok && res.SerialNumber != nil && res.SerialNumber.Cmp(serial) == 0 && res.Status == ocsp.Good &&
		(res.NextUpdate.IsZero() || now.Before(res.NextUpdate))
}

// CertificateHash returns the issuer name and key hashes (hex) that OCSP and OCPP's
// CertificateHashData use for certificates issued by c, with hash algorithm alg (SHA256,
// SHA384, SHA512), and c's own serial number (hex).
func CertificateHash(c *x509.Certificate, alg string) (nameHash, keyHash, serial string) {
	var h hash.Hash
	switch alg {
	case "SHA384":
		h = sha512.New384()
	case "SHA512":
		h = sha512.New()
	default:
		h = sha256.New()
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(c.RawSubjectPublicKeyInfo, &spki); err != nil {
		return "", "", ""
	}
	h.Write(c.RawSubject)
	nameHash = hex.EncodeToString(h.Sum(nil))
	h.Reset()
	h.Write(spki.PublicKey.Bytes)
	return nameHash, hex.EncodeToString(h.Sum(nil)), c.SerialNumber.Text(16)
}
