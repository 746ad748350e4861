package pki

import (
	"bytes"
	"context"
	"crypto"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
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
// comes from a station, so by default it refuses responders on loopback, private and link-local
// addresses: a station must not make Ladda reach into its own network.
type HTTPOCSP struct {
	Client       *http.Client // nil: a client with a 10 s timeout
	AllowPrivate bool         // allow responders on loopback and private addresses (tests, labs)
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
	client := o.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	if !o.AllowPrivate {
		ips, err := net.DefaultResolver.LookupIPAddr(ctx, u.Hostname())
		if err != nil {
			return nil, fmt.Errorf("resolving the responder: %w", err)
		}
		for _, ip := range ips {
			if ip.IP.IsLoopback() || ip.IP.IsPrivate() || ip.IP.IsLinkLocalUnicast() || ip.IP.IsUnspecified() {
				return nil, errors.New("the responder is on a private address")
			}
		}
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(req))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", "application/ocsp-request")
	res, err := client.Do(hreq)
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
