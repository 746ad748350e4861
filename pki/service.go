package pki

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"math/big"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/station"
)

// Commands sends commands to stations with the command log kept: station.Service. Station
// tells whether a station is connected: certificates are delivered only to connected ones.
type Commands interface {
	Execute(ctx context.Context, id ladda.StationID, cmd station.Command, requestedBy string) (*station.CommandRecord, error)
	Station(ctx context.Context, id ladda.StationID) (*station.Station, error)
}

// ContractProvider obtains ISO 15118 contract certificates for EVs (2.0.1
// Get15118EVCertificate): it takes the EV's EXI-encoded request, base64, and returns the
// EXI-encoded response. A real one is a V2G PKI service such as Hubject's; Ladda has no local
// one, as contract certificates come from the EV's mobility operator.
type ContractProvider interface {
	EVCertificate(ctx context.Context, id ladda.StationID, schemaVersion, action, exiRequest string) (exiResponse string, err error)
}

// Config tunes the Service.
type Config struct {
	// Retry is how often Run looks for requests not yet signed or delivered (a restart, an
	// offline station). Default 1 minute.
	Retry time.Duration
}

// Service signs stations' certificates and checks certificates for Plug & Charge.
type Service struct {
	store     Store
	signer    Signer
	commands  Commands
	ocsp      OCSP
	contracts ContractProvider
	clock     ladda.Clock
	log       *slog.Logger
	cfg       Config
	work      chan int64
	caPEM     string
}

// Options are the parts of a Service besides its store, signer and commands; nil ones are
// left out (no OCSP: stations get Failed; no contract provider: Get15118EVCertificate Failed).
type Options struct {
	// CACertificate is the PEM of the CA that signs stations' certificates, which stations
	// install as their CSMS root; empty when an external CA signs.
	CACertificate string
	OCSP          OCSP
	Contracts     ContractProvider
	Clock         ladda.Clock
	Logger        *slog.Logger
	Config        Config
}

// NewService returns a Service.
func NewService(store Store, signer Signer, commands Commands, o Options) *Service {
	if o.Clock == nil {
		o.Clock = ladda.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Config.Retry <= 0 {
		o.Config.Retry = time.Minute
	}
	return &Service{store: store, signer: signer, commands: commands, ocsp: o.OCSP, contracts: o.Contracts,
		clock: o.Clock, log: o.Logger, cfg: o.Config, work: make(chan int64, 1024), caPEM: o.CACertificate}
}

// CACertificate returns the PEM of the CA that signs stations' certificates; "" when an
// external CA signs.
func (s *Service) CACertificate() string { return s.caPEM }

// Requested takes a station's SignCertificate: it checks the request, stores it and has it
// signed and sent back (CertificateSigned) by Run, so that the station's call is answered at
// once. A request that cannot be signed is refused with the reason; Ladda keeps nothing.
func (s *Service) Requested(ctx context.Context, id ladda.StationID, kind, csrPEM string) (accepted bool, reason string, err error) {
	csr, perr := ParseCSR(csrPEM)
	switch {
	case perr != nil:
		return false, perr.Error(), nil
	case csr.Subject.CommonName != string(id):
		return false, "the request's CommonName is not the station's id", nil
	case kind != KindStation && kind != KindV2G:
		return false, "unknown certificate type", nil
	}
	now := s.clock.Now()
	c := &Certificate{StationID: id, Kind: kind, CSR: csrPEM, Status: CertRequested, RequestedAt: now, UpdatedAt: now}
	if err := s.store.RecordCertificate(ctx, c); err != nil {
		return false, "", ladda.Wrap("pki.Requested", err)
	}
	select {
	case s.work <- c.ID:
	default: // Run's sweep finds it
	}
	return true, "", nil
}

// Run signs and delivers requests until ctx ends: those Requested tells it of at once, and
// every Retry the ones left Requested or Issued (after a restart, or for an offline station).
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.Retry)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-s.work:
			s.process(ctx, id)
		case <-t.C:
			s.sweep(ctx)
		}
	}
}

// sweep processes every request not yet signed or delivered, a page at a time, skipping those
// older than a week (a station that never takes its certificate asks again).
func (s *Service) sweep(ctx context.Context) {
	f := CertFilter{Statuses: []CertStatus{CertRequested, CertIssued}, Limit: 100}
	since := s.clock.Now().Add(-7 * 24 * time.Hour)
	for ctx.Err() == nil {
		list, err := s.store.Certificates(ctx, f)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Error("reading certificate requests", "err", err)
			}
			return
		}
		for _, c := range list {
			if c.RequestedAt.After(since) {
				s.process(ctx, c.ID)
			}
		}
		if len(list) < f.Limit {
			return
		}
		f.BeforeID = list[len(list)-1].ID
	}
}

// Process signs request id if it is Requested, and delivers it if it is Issued. It is what Run
// does for each request; tests call it directly.
func (s *Service) Process(ctx context.Context, id int64) { s.process(ctx, id) }

func (s *Service) process(ctx context.Context, id int64) {
	c, err := s.store.Certificate(ctx, id)
	if err != nil {
		s.log.Error("reading a certificate request", "id", id, "err", err)
		return
	}
	if c.Status == CertRequested {
		if err := s.sign(ctx, c); err != nil {
			s.log.Error("signing a certificate", "station", c.StationID, "id", id, "err", err)
			return
		}
	}
	if c.Status == CertIssued {
		if err := s.deliver(ctx, c); err != nil {
			s.log.Error("delivering a certificate", "station", c.StationID, "id", id, "err", err)
		}
	}
}

// sign has the signer sign c; a refusal fails it for good.
func (s *Service) sign(ctx context.Context, c *Certificate) error {
	chainPEM, err := s.signer.Sign(ctx, c.StationID, c.Kind, c.CSR)
	now := s.clock.Now()
	if ladda.IsKind(err, ladda.Invalid) {
		c.Status = CertFailed
		_, cerr := s.store.ChangeCertificate(ctx, c.ID, []CertStatus{CertRequested}, CertChange{Status: CertFailed, Detail: "not signed: " + err.Error(), At: now})
		return cerr
	}
	if err != nil {
		return err // tried again later
	}
	chain, err := ParseChain(chainPEM)
	if err != nil {
		return err
	}
	leaf := chain[0]
	ch := CertChange{Status: CertIssued, PEM: chainPEM, SerialNumber: serialHex(leaf.SerialNumber), Subject: leaf.Subject.String(),
		NotBefore: &leaf.NotBefore, NotAfter: &leaf.NotAfter, At: now}
	ok, err := s.store.ChangeCertificate(ctx, c.ID, []CertStatus{CertRequested}, ch)
	if err == nil && ok {
		c.Status, c.PEM = CertIssued, chainPEM
	}
	return err
}

// deliver sends an issued certificate to its station (CertificateSigned) and records the
// answer. A station that is offline gets it on a later pass.
func (s *Service) deliver(ctx context.Context, c *Certificate) error {
	if st, err := s.commands.Station(ctx, c.StationID); err != nil || !st.Connected {
		return nil // delivered on a pass when it is connected
	}
	rec, err := s.commands.Execute(ctx, c.StationID, station.CertificateSigned{Kind: c.Kind, Chain: c.PEM}, station.RequestedBySystem)
	if rec == nil || (rec.Outcome != station.CommandAnswered && rec.Outcome != station.CommandFailed) {
		return nil // not delivered: offline or no answer; tried again later
	}
	ch := CertChange{CommandID: rec.ID, At: s.clock.Now()}
	switch {
	case rec.Outcome == station.CommandAnswered && rec.Answer.Status == "Accepted":
		ch.Status, ch.Detail = CertAccepted, "Accepted"
	case rec.Outcome == station.CommandAnswered:
		ch.Status, ch.Detail = CertRejected, "the station answered "+rec.Answer.Status
	default:
		ch.Status, ch.Detail = CertFailed, "the station answered with an error: "+errorText(rec, err)
	}
	_, err = s.store.ChangeCertificate(ctx, c.ID, []CertStatus{CertIssued}, ch)
	return err
}

func errorText(rec *station.CommandRecord, err error) string {
	if rec.Error != "" {
		return rec.Error
	}
	if err != nil {
		return err.Error()
	}
	return "unknown"
}

// serialHex is a serial number as OCPP writes it: hex, without leading zeroes.
func serialHex(n *big.Int) string { return hex.EncodeToString(n.Bytes()) }

// Certificates lists certificate requests, newest first; at most 1000.
func (s *Service) Certificates(ctx context.Context, f CertFilter) ([]*Certificate, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	list, err := s.store.Certificates(ctx, f)
	return list, ladda.Wrap("pki.Certificates", err)
}

// Root kinds an operator may trust or install.
var rootKinds = []string{"V2GRootCertificate", "MORootCertificate", "CSMSRootCertificate", "ManufacturerRootCertificate"}

// PutRoot stores a root certificate the operator trusts. Errors: Invalid for an unknown kind, a
// PEM that is not one CA certificate, or a bad name.
func (s *Service) PutRoot(ctx context.Context, name, kind, certPEM string) (*Root, error) {
	const op = "pki.PutRoot"
	ok := false
	for _, k := range rootKinds {
		ok = ok || k == kind
	}
	if !ok {
		return nil, ladda.Errorf(ladda.Invalid, op, "kind must be V2GRootCertificate, MORootCertificate, CSMSRootCertificate or ManufacturerRootCertificate")
	}
	chain, err := ParseChain(certPEM)
	if err != nil || len(chain) != 1 || !chain[0].IsCA {
		return nil, ladda.Errorf(ladda.Invalid, op, "certificate must be one PEM CA certificate")
	}
	r := &Root{Name: name, Kind: kind, PEM: certPEM, Subject: chain[0].Subject.String(), NotAfter: chain[0].NotAfter.UTC(), CreatedAt: s.clock.Now().UTC()}
	if err := s.store.PutRoot(ctx, r); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	return r, nil
}

// Roots lists the trusted roots of a kind ("" for all).
func (s *Service) Roots(ctx context.Context, kind string) ([]*Root, error) {
	list, err := s.store.Roots(ctx, kind)
	return list, ladda.Wrap("pki.Roots", err)
}

// DeleteRoot stops trusting a root.
func (s *Service) DeleteRoot(ctx context.Context, name string) error {
	return ladda.Wrap("pki.DeleteRoot", s.store.DeleteRoot(ctx, name))
}

// CertificateStatus answers a station's GetCertificateStatus: the responder's DER answer,
// base64, or ok false when there is no OCSP client or the responder could not be asked.
func (s *Service) CertificateStatus(ctx context.Context, id ladda.StationID, r OCSPRequest) (result string, ok bool) {
	if s.ocsp == nil {
		return "", false
	}
	der, err := s.ocsp.Check(ctx, r)
	if err != nil {
		s.log.Warn("OCSP request for a station failed", "station", id, "responder", r.ResponderURL, "err", err)
		return "", false
	}
	return base64.StdEncoding.EncodeToString(der), true
}

// EVCertificate answers a station's Get15118EVCertificate through the contract provider; ok
// false when there is none or it failed.
func (s *Service) EVCertificate(ctx context.Context, id ladda.StationID, schemaVersion, action, exiRequest string) (exiResponse string, ok bool) {
	if s.contracts == nil {
		return "", false
	}
	res, err := s.contracts.EVCertificate(ctx, id, schemaVersion, action, exiRequest)
	if err != nil {
		s.log.Warn("EV certificate request failed", "station", id, "err", err)
		return "", false
	}
	return res, true
}

// CheckContract checks the contract certificate an EV presented for emaid (2.0.1 Authorize
// with a certificate, or with the hash data of one the station checked itself): the chain
// against the operator's V2G and MO roots, and, for each hash given, the responder's word.
// It fails closed: a certificate whose revocation status cannot be established (no OCSP
// client, a responder that does not answer, an answer that is not current, about another
// certificate or not signed by a trusted issuer) is not accepted (CertChainError). It returns
// one of the Contract… outcomes.
func (s *Service) CheckContract(ctx context.Context, id ladda.StationID, emaid, chainPEM string, hashes []OCSPRequest) (string, error) {
	var roots []*x509.Certificate
	for _, kind := range []string{"V2GRootCertificate", "MORootCertificate"} {
		list, err := s.store.Roots(ctx, kind)
		if err != nil {
			return "", ladda.Wrap("pki.CheckContract", err)
		}
		for _, r := range list {
			if chain, err := ParseChain(r.PEM); err == nil {
				roots = append(roots, chain[0])
			}
		}
	}
	switch {
	case chainPEM != "":
		if status := VerifyContract(chainPEM, emaid, roots, s.clock.Now()); status != ContractAccepted {
			return status, nil
		}
	case len(hashes) == 0:
		return ContractNoCertificate, nil
	}
	if len(hashes) == 0 {
		return ContractAccepted, nil
	}
	if s.ocsp == nil {
		return ContractChainError, nil
	}
	issuers := roots
	if chain, err := ParseChain(chainPEM); err == nil {
		issuers = append(issuers, chain[1:]...)
	}
	for _, h := range hashes {
		der, err := s.ocsp.Check(ctx, h)
		if err != nil {
			s.log.Warn("OCSP check of a contract certificate failed", "station", id, "responder", h.ResponderURL, "err", err)
			return ContractChainError, nil
		}
		if revoked(der) {
			return ContractRevoked, nil
		}
		if !good(der, h, issuers, s.clock.Now()) {
			return ContractChainError, nil
		}
	}
	return ContractAccepted, nil
}
