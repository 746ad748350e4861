package ocpptest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
)

// The kinds of the station's own certificates (RequestCertificate, StationCertificate): the
// 2.0.1 CertificateSigningUseEnumType. A 1.6 station (security extension) has only the first,
// its charge point certificate.
const (
	ChargingStationCertificate = "ChargingStationCertificate"
	V2GCertificate             = "V2GCertificate"
)

// DefaultOrganization is the default of Config.Organization.
const DefaultOrganization = "Ladda Sim"

// Errors of the certificate messages. They are wrapped with the station id and the action.
var (
	// ErrCertificateKind is RequestCertificate's error for a kind the station's version does
	// not have (1.6 has no V2GCertificate); nothing is sent.
	ErrCertificateKind = errors.New("ocpptest: no such certificate kind in the station's OCPP version")
	// ErrSignRejected is RequestCertificate's error when the CSMS answers SignCertificate
	// other than Accepted.
	ErrSignRejected = errors.New("ocpptest: the CSMS did not accept the certificate signing request")
	// ErrNotInVersion is the error of a message the station's OCPP version does not have (the
	// Plug & Charge messages are 2.0.1 only); nothing is sent.
	ErrNotInVersion = errors.New("ocpptest: the station's OCPP version has no such message")
)

// InstalledRoot is a root certificate the CSMS installed on the station (InstallCertificate).
type InstalledRoot struct {
	// Type is the certificateType it was installed as, in the version's own words: 1.6
	// CentralSystemRootCertificate or ManufacturerRootCertificate; 2.0.1
	// V2GRootCertificate, MORootCertificate, CSMSRootCertificate or
	// ManufacturerRootCertificate.
	Type string
	Cert *x509.Certificate
}

// stationCert is one of the station's own certificates: the chain the CSMS signed (the leaf
// first) and the key of its CSR.
type stationCert struct {
	chain []*x509.Certificate
	key   *ecdsa.PrivateKey
}

// rootTypes16 and rootTypes201 are the certificateTypes InstallCertificate takes.
var (
	rootTypes16 = []string{
		string(v16.CertificateUseCentralSystemRootCertificate),
		string(v16.CertificateUseManufacturerRootCertificate),
	}
	rootTypes201 = []string{
		string(v201.InstallCertificateUseV2GRootCertificate),
		string(v201.InstallCertificateUseMORootCertificate),
		string(v201.InstallCertificateUseCSMSRootCertificate),
		string(v201.InstallCertificateUseManufacturerRootCertificate),
	}
)

// checkKind returns nil when the station's version has certificates of kind.
func (s *Station) checkKind(action, kind string) error {
	if kind == ChargingStationCertificate || (kind == V2GCertificate && s.cfg.Version == V201) {
		return nil
	}
	return fmt.Errorf("ocpptest: %s %s: %q: %w", s.cfg.ID, action, kind, ErrCertificateKind)
}

// RequestCertificate renews one of the station's certificates, as a station does (2.0.1
// A02/A03, 1.6 security extension): it generates an ECDSA P-256 key and sends SignCertificate
// with a PKCS #10 CSR (PEM) for it, of CommonName the station id and Organization its
// organization name (Config.Organization, or as the CSMS set CpoName / SecurityCtrlr
// OrganizationName since), and in 2.0.1 the certificateType kind. The key then waits for the
// CSMS's CertificateSigned; a newer request of the same kind replaces it. It returns an error
// unless the CSMS answers Accepted (ErrSignRejected, and the key is forgotten), and
// ErrCertificateKind for a kind the version does not have.
//
// The station also does this, once it has answered Accepted, when the CSMS triggers it: 2.0.1
// TriggerMessage SignChargingStationCertificate or SignV2GCertificate, 1.6
// ExtendedTriggerMessage SignChargePointCertificate.
func (s *Station) RequestCertificate(ctx context.Context, kind string) error {
	if err := s.checkKind("SignCertificate", kind); err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("ocpptest: %s SignCertificate: generating the key: %w", s.cfg.ID, err)
	}
	org, _ := s.Setting("CpoName")
	subject := pkix.Name{CommonName: s.cfg.ID}
	if org != "" {
		subject.Organization = []string{org}
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: subject, SignatureAlgorithm: x509.ECDSAWithSHA256}, key)
	if err != nil {
		return fmt.Errorf("ocpptest: %s SignCertificate: making the CSR: %w", s.cfg.ID, err)
	}
	csr := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))

	// The key is pending before the CSR goes out: the CSMS may sign it at once.
	s.mu.Lock()
	if s.pendingKeys == nil {
		s.pendingKeys = map[string]*ecdsa.PrivateKey{}
	}
	s.pendingKeys[kind] = key
	s.mu.Unlock()
	var status string
	if s.cfg.Version == V16 {
		var out v16.SignCertificateResponse
		err = s.call(ctx, "SignCertificate", &v16.SignCertificateRequest{CSR: csr}, &out)
		status = string(out.Status)
	} else {
		var out v201.SignCertificateResponse
		err = s.call(ctx, "SignCertificate", &v201.SignCertificateRequest{CSR: csr, CertificateType: v201.CertificateSigningUse(kind)}, &out)
		status = string(out.Status)
	}
	if err != nil {
		return err // the CSMS may have got it: the key stays pending
	}
	s.log.Debug("SignCertificate answered", "kind", kind, "status", status)
	if status != string(v201.GenericStatusAccepted) {
		s.mu.Lock()
		if s.pendingKeys[kind] == key {
			delete(s.pendingKeys, kind)
		}
		s.mu.Unlock()
		return fmt.Errorf("ocpptest: %s SignCertificate: %s: %w", s.cfg.ID, status, ErrSignRejected)
	}
	return nil
}

// requestAfterAnswer runs RequestCertificate in the background once the answer to the
// triggering CALL is out.
func (s *Station) requestAfterAnswer(kind string) {
	s.afterAnswer(func(ctx context.Context) {
		if err := s.RequestCertificate(ctx, kind); err != nil {
			s.log.Debug("triggered SignCertificate failed", "kind", kind, "err", err)
		}
	})
}

// StationCertificate returns the leaf of the station's installed certificate of kind
// (ChargingStationCertificate or V2GCertificate), the one of the last CertificateSigned it
// accepted; false when it has none.
func (s *Station) StationCertificate(kind string) (*x509.Certificate, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.stationCerts[kind]
	if !ok {
		return nil, false
	}
	return c.chain[0], true
}

// certificateSigned answers a CertificateSigned (2.0.1 A02/A03, 1.6 security extension):
// Accepted when chain is a PEM chain of certificates whose first one holds the public key of
// the station's pending CSR of kind and has the station id as its CommonName; the chain then
// becomes the station's certificate of that kind and the pending key is forgotten. Without a
// kind (1.6, or a 2.0.1 CertificateSigned without certificateType) the kind is the one whose
// pending key the leaf holds. Anything else, and a refusal, is Rejected and changes nothing.
func (s *Station) certificateSigned(chainPEM, kind string, refuse bool) string {
	const rejected = "Rejected"
	if refuse {
		return rejected
	}
	chain, err := parseChain(chainPEM)
	if err != nil {
		s.log.Debug("CertificateSigned: not a certificate chain", "err", err)
		return rejected
	}
	leaf := chain[0]
	if leaf.Subject.CommonName != s.cfg.ID {
		s.log.Debug("CertificateSigned: certificate of another station", "cn", leaf.Subject.CommonName)
		return rejected
	}
	kinds := []string{kind}
	if kind == "" {
		kinds = []string{ChargingStationCertificate, V2GCertificate}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range kinds {
		key := s.pendingKeys[k]
		if key == nil || !key.PublicKey.Equal(leaf.PublicKey) {
			continue
		}
		delete(s.pendingKeys, k)
		if s.stationCerts == nil {
			s.stationCerts = map[string]stationCert{}
		}
		s.stationCerts[k] = stationCert{chain: chain, key: key}
		s.log.Debug("station certificate installed", "kind", k, "serial", leaf.SerialNumber, "issuer", leaf.Issuer.String())
		return "Accepted"
	}
	s.log.Debug("CertificateSigned: not for a pending key", "kind", kind)
	return rejected
}

// parseChain reads PEM certificates, at least one and nothing else.
func parseChain(text string) ([]*x509.Certificate, error) {
	rest := []byte(text)
	var chain []*x509.Certificate
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("a PEM block of type %s", block.Type)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		chain = append(chain, cert)
	}
	if len(chain) == 0 || len(bytes.TrimSpace(rest)) != 0 {
		return nil, errors.New("not a PEM certificate chain")
	}
	return chain, nil
}

// installCertificate answers an InstallCertificate (2.0.1 M05, 1.6 security extension):
// Accepted when certificate is one PEM certificate and typ a root type of the version; it is
// stored as a root of that type, replacing the same certificate of the same type. Anything
// else, and a refusal, is Rejected.
func (s *Station) installCertificate(typ, certificate string, refuse bool) string {
	types := rootTypes201
	if s.cfg.Version == V16 {
		types = rootTypes16
	}
	if refuse || !slices.Contains(types, typ) {
		return "Rejected"
	}
	chain, err := parseChain(certificate)
	if err != nil || len(chain) != 1 {
		s.log.Debug("InstallCertificate: not one PEM certificate", "type", typ, "err", err)
		return "Rejected"
	}
	cert := chain[0]
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roots = slices.DeleteFunc(s.roots, func(r InstalledRoot) bool { return r.Type == typ && r.Cert.Equal(cert) })
	s.roots = append(s.roots, InstalledRoot{Type: typ, Cert: cert})
	s.log.Debug("root certificate installed", "type", typ, "subject", cert.Subject.String())
	return "Accepted"
}

// InstalledRoots returns the root certificates installed on the station, in the order they
// were installed.
func (s *Station) InstalledRoots() []InstalledRoot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.roots)
}

// rootsOf returns the installed roots of the types (all when none is given).
func (s *Station) rootsOf(types ...string) []InstalledRoot {
	var out []InstalledRoot
	for _, r := range s.InstalledRoots() {
		if len(types) == 0 || slices.Contains(types, r.Type) {
			out = append(out, r)
		}
	}
	return out
}

// deleteCertificate answers a DeleteCertificate (2.0.1 M04, 1.6 security extension): Accepted
// when an installed root matches the hash data (in its algorithm: SHA256, SHA384 or SHA512),
// which is removed; NotFound when none does; Failed when refused.
func (s *Station) deleteCertificate(alg, nameHash, keyHash, serial string, refuse bool) string {
	if refuse {
		return "Failed"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.roots)
	s.roots = slices.DeleteFunc(s.roots, func(r InstalledRoot) bool {
		name, key, sn, ok := certificateHashes(r.Cert, alg)
		return ok && strings.EqualFold(name, nameHash) && strings.EqualFold(key, keyHash) &&
			strings.EqualFold(strings.TrimLeft(sn, "0"), strings.TrimLeft(serial, "0"))
	})
	if len(s.roots) == n {
		return "NotFound"
	}
	s.log.Debug("root certificate deleted", "serial", serial)
	return "Accepted"
}

// CertificateHash returns what OCPP's certificateHashData (and OCSPRequestData) identify a
// self-signed root certificate by, with hashAlgorithm SHA256, all in lowercase hex:
//   - issuerNameHash, the SHA-256 of the DER-encoded issuer Name (cert.RawIssuer);
//   - issuerKeyHash, the SHA-256 of the issuer's public key: the value, without its tag and
//     length, of the subjectPublicKey BIT STRING of its SubjectPublicKeyInfo; for a
//     self-signed root the issuer is the certificate itself, so it is its own key (an EC key's
//     uncompressed point, an RSA key's PKCS #1 RSAPublicKey);
//   - serial, the serial number in hex without leading zeroes.
//
// cert must be parsed (x509.ParseCertificate). The station answers GetInstalledCertificateIds
// with these and deletes the root they match in DeleteCertificate.
func CertificateHash(cert *x509.Certificate) (issuerNameHash, issuerKeyHash, serial string) {
	issuerNameHash, issuerKeyHash, serial, _ = certificateHashes(cert, string(v201.HashAlgorithmSHA256))
	return issuerNameHash, issuerKeyHash, serial
}

// certificateHashes is CertificateHash in hash algorithm alg (SHA256, SHA384 or SHA512); false
// for another algorithm.
func certificateHashes(cert *x509.Certificate, alg string) (nameHash, keyHash, serial string, ok bool) {
	var h crypto.Hash
	switch alg {
	case string(v201.HashAlgorithmSHA256):
		h = crypto.SHA256
	case string(v201.HashAlgorithmSHA384):
		h = crypto.SHA384
	case string(v201.HashAlgorithmSHA512):
		h = crypto.SHA512
	default:
		return "", "", "", false
	}
	sum := func(b []byte) string {
		var d []byte
		switch h {
		case crypto.SHA384:
			s := sha512.Sum384(b)
			d = s[:]
		case crypto.SHA512:
			s := sha512.Sum512(b)
			d = s[:]
		default:
			s := sha256.Sum256(b)
			d = s[:]
		}
		return hex.EncodeToString(d)
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(cert.RawSubjectPublicKeyInfo, &spki); err == nil {
		keyHash = sum(spki.PublicKey.Bytes)
	}
	return sum(cert.RawIssuer), keyHash, fmt.Sprintf("%x", cert.SerialNumber), true
}

// getInstalled16 answers a 1.6 GetInstalledCertificateIds: the hash data of the roots of the
// type asked, Accepted, or NotFound when there are none (or when refused).
func (s *Station) getInstalled16(req *v16.GetInstalledCertificateIDsRequest, refuse bool) *v16.GetInstalledCertificateIDsResponse {
	out := &v16.GetInstalledCertificateIDsResponse{Status: v16.GetInstalledCertificateStatusNotFound}
	if refuse {
		return out
	}
	for _, r := range s.rootsOf(string(req.CertificateType)) {
		name, key, serial := CertificateHash(r.Cert)
		out.CertificateHashData = append(out.CertificateHashData, v16.CertificateHashData{HashAlgorithm: v16.HashAlgorithmSHA256,
			IssuerNameHash: name, IssuerKeyHash: key, SerialNumber: serial})
	}
	if len(out.CertificateHashData) > 0 {
		out.Status = v16.GetInstalledCertificateStatusAccepted
	}
	return out
}

// getInstalled201 answers a 2.0.1 GetInstalledCertificateIds (M03): the hash data and type of
// the roots of the types asked (all when none is), Accepted, or NotFound when there are none
// (or when refused). The station keeps no V2GCertificateChain: asking for it finds nothing.
func (s *Station) getInstalled201(req *v201.GetInstalledCertificateIDsRequest, refuse bool) *v201.GetInstalledCertificateIDsResponse {
	out := &v201.GetInstalledCertificateIDsResponse{Status: v201.GetInstalledCertificateStatusNotFound}
	if refuse {
		return out
	}
	types := make([]string, 0, len(req.CertificateType))
	for _, t := range req.CertificateType {
		types = append(types, string(t))
	}
	for _, r := range s.rootsOf(types...) {
		name, key, serial := CertificateHash(r.Cert)
		out.CertificateHashDataChain = append(out.CertificateHashDataChain, v201.CertificateHashDataChain{
			CertificateType: v201.GetCertificateIDUse(r.Type),
			CertificateHashData: v201.CertificateHashData{HashAlgorithm: v201.HashAlgorithmSHA256,
				IssuerNameHash: name, IssuerKeyHash: key, SerialNumber: serial},
		})
	}
	if len(out.CertificateHashDataChain) > 0 {
		out.Status = v201.GetInstalledCertificateStatusAccepted
	}
	return out
}

// extendedTrigger16 answers a 1.6 ExtendedTriggerMessage (security extension): the messages
// core TriggerMessage has as there; SignChargePointCertificate sends a SignCertificate (see
// RequestCertificate), FirmwareStatusNotification a SignedFirmwareStatusNotification of the
// SignedUpdateFirmware running (else Idle) and LogStatusNotification one of the GetLog
// running (else Idle), after the answer.
func (s *Station) extendedTrigger16(req *v16.ExtendedTriggerMessageRequest, refuse bool) v16.TriggerMessageStatus {
	if refuse || (req.ConnectorID != nil && (*req.ConnectorID < 0 || *req.ConnectorID > s.cfg.Connectors)) {
		return v16.TriggerMessageStatusRejected
	}
	var send func(ctx context.Context) error
	switch req.RequestedMessage {
	case v16.MessageTriggerEnumBootNotification, v16.MessageTriggerEnumHeartbeat,
		v16.MessageTriggerEnumMeterValues, v16.MessageTriggerEnumStatusNotification:
		return s.trigger16(&v16.TriggerMessageRequest{RequestedMessage: v16.MessageTrigger(req.RequestedMessage), ConnectorID: req.ConnectorID}, false)
	case v16.MessageTriggerEnumSignChargePointCertificate:
		s.requestAfterAnswer(ChargingStationCertificate)
		return v16.TriggerMessageStatusAccepted
	case v16.MessageTriggerEnumFirmwareStatusNotification:
		send = func(ctx context.Context) error {
			status, id := "Idle", (*int)(nil)
			s.mu.Lock()
			if j := s.firmwareJob; j.running() && j.action == "SignedUpdateFirmware" && j.status != "" {
				status, id = j.status, j.requestID
			}
			s.mu.Unlock()
			return s.call(ctx, "SignedFirmwareStatusNotification", &v16.SignedFirmwareStatusNotificationRequest{Status: v16.FirmwareStatusEnum(status), RequestID: id}, nil)
		}
	case v16.MessageTriggerEnumLogStatusNotification:
		send = func(ctx context.Context) error {
			status, id := s.logNow("GetLog")
			return s.call(ctx, "LogStatusNotification", &v16.LogStatusNotificationRequest{Status: v16.UploadLogStatus(status), RequestID: id}, nil)
		}
	default:
		return v16.TriggerMessageStatusNotImplemented
	}
	s.afterAnswer(func(ctx context.Context) {
		if err := send(ctx); err != nil {
			s.log.Debug("triggered message failed", "message", req.RequestedMessage, "err", err)
		}
	})
	return v16.TriggerMessageStatusAccepted
}

// GetCertificateStatus asks the CSMS for the OCSP status of a certificate (2.0.1 M06, for a
// contract certificate the station cannot check itself) and returns its answer: the status
// (Accepted or Failed) and the ocspResult (base64 DER OCSPResponse, "" when none). 2.0.1 only:
// a 1.6 station returns ErrNotInVersion.
func (s *Station) GetCertificateStatus(ctx context.Context, hash v201.OCSPRequestData) (status, ocspResult string, err error) {
	if s.cfg.Version != V201 {
		return "", "", fmt.Errorf("ocpptest: %s GetCertificateStatus: %w", s.cfg.ID, ErrNotInVersion)
	}
	var out v201.GetCertificateStatusResponse
	if err := s.call(ctx, "GetCertificateStatus", &v201.GetCertificateStatusRequest{OCSPRequestData: hash}, &out); err != nil {
		return "", "", err
	}
	return string(out.Status), out.OCSPResult, nil
}

// Get15118EVCertificate passes an EV's ISO 15118 certificate installation or update request
// to the CSMS (2.0.1 M01/M02): schemaVersion is the iso15118SchemaVersion, action Install or
// Update, exiRequest the EV's base64 EXI request. It returns the CSMS's status (Accepted or
// Failed) and its base64 EXI response. 2.0.1 only: a 1.6 station returns ErrNotInVersion.
func (s *Station) Get15118EVCertificate(ctx context.Context, schemaVersion, action, exiRequest string) (status, exiResponse string, err error) {
	if s.cfg.Version != V201 {
		return "", "", fmt.Errorf("ocpptest: %s Get15118EVCertificate: %w", s.cfg.ID, ErrNotInVersion)
	}
	var out v201.Get15118EVCertificateResponse
	err = s.call(ctx, "Get15118EVCertificate", &v201.Get15118EVCertificateRequest{
		ISO15118SchemaVersion: schemaVersion,
		Action:                v201.CertificateAction(action),
		EXIRequest:            exiRequest,
	}, &out)
	if err != nil {
		return "", "", err
	}
	return string(out.Status), out.EXIResponse, nil
}

// AuthorizeContract authorizes a Plug & Charge contract (2.0.1 C07): an Authorize with the
// idToken emaid of type eMAID and, when not empty, the contract certificate chain (PEM) the
// EV presented. It returns the idTokenInfo status and the certificateStatus ("" when the
// CSMS gave none). 2.0.1 only: a 1.6 station returns ErrNotInVersion.
func (s *Station) AuthorizeContract(ctx context.Context, emaid, certificateChainPEM string) (tokenStatus, certificateStatus string, err error) {
	if s.cfg.Version != V201 {
		return "", "", fmt.Errorf("ocpptest: %s Authorize: %w", s.cfg.ID, ErrNotInVersion)
	}
	var out v201.AuthorizeResponse
	err = s.call(ctx, "Authorize", &v201.AuthorizeRequest{
		IDToken:     v201.IDToken{IDToken: emaid, Type: v201.IDTokenEnumEMAID},
		Certificate: certificateChainPEM,
	}, &out)
	if err != nil {
		return "", "", err
	}
	return string(out.IDTokenInfo.Status), string(out.CertificateStatus), nil
}
