package ocpptest_test

import (
	"context"
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
	"errors"
	"math/big"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ladda-csms/ladda/gateway"
	"github.com/ladda-csms/ladda/ocpp/ocpptest"
	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
)

// testCA is the certificate authority a test CSMS signs stations' certificates with.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Ladda test CA", Organization: []string{"Ladda"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key}
}

// serials numbers the certificates the test CAs issue.
var serials atomic.Int64

// issue returns the PEM chain of a certificate for pub of subject, signed by the CA, and the
// CA's own certificate after it.
func (ca *testCA) issue(t *testing.T, subject pkix.Name, pub any) string {
	t.Helper()
	chain, err := ca.chain(subject, pub)
	if err != nil {
		t.Fatal(err)
	}
	return chain
}

// chain is issue for a goroutine of its own.
func (ca *testCA) chain(subject pkix.Name, pub any) (string, error) {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(100 + serials.Add(1)),
		Subject:      subject,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, pub, ca.key)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})) +
		string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw})), nil
}

// signRequest is a SignCertificate the test CSMS got.
type signRequest struct {
	kind string // the 2.0.1 certificateType; "" when left out (1.6)
	csr  *x509.CertificateRequest
}

// signingCSMS is the PKI of a test CSMS: it answers SignCertificate Accepted (Rejected while
// reject is set) and, when sign is set, signs the CSR with its CA and sends the chain to the
// station in a CertificateSigned (of the certificateType asked) once the answer is out,
// keeping the station's answers.
type signingCSMS struct {
	ts   *testServer
	ca   *testCA
	sign bool

	reject atomic.Bool
	wg     sync.WaitGroup

	mu     sync.Mutex
	csrs   []signRequest
	signed []string // the station's answers to the CertificateSigned sent, or the call's error
}

// signCertificate is the test CSMS's answerFunc of SignCertificate.
func (c *signingCSMS) signCertificate(_ context.Context, p gateway.Peer, payload json.RawMessage) any {
	var req v201.SignCertificateRequest // a 1.6 request is the same without certificateType
	if err := json.Unmarshal(payload, &req); err != nil {
		return c.signAnswer(p)
	}
	block, _ := pem.Decode([]byte(req.CSR))
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		return c.signAnswer(p)
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil || csr.CheckSignature() != nil {
		return c.signAnswer(p)
	}
	c.mu.Lock()
	c.csrs = append(c.csrs, signRequest{kind: string(req.CertificateType), csr: csr})
	c.mu.Unlock()
	if c.sign && !c.reject.Load() {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			time.Sleep(20 * time.Millisecond) // the answer first
			chain, err := c.ca.chain(csr.Subject, csr.PublicKey)
			if err != nil {
				c.mu.Lock()
				c.signed = append(c.signed, "error: "+err.Error())
				c.mu.Unlock()
				return
			}
			var payload []byte
			if p.Subprotocol == v16.Subprotocol {
				payload, _ = json.Marshal(&v16.CertificateSignedRequest{CertificateChain: chain})
			} else {
				payload, _ = json.Marshal(&v201.CertificateSignedRequest{CertificateChain: chain, CertificateType: req.CertificateType})
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			status := ""
			out, err := c.ts.Gateway.Call(ctx, p.StationID, "CertificateSigned", payload)
			if err == nil {
				var res v201.CertificateSignedResponse
				err = json.Unmarshal(out, &res)
				status = string(res.Status)
			}
			if err != nil {
				status = "error: " + err.Error()
			}
			c.mu.Lock()
			c.signed = append(c.signed, status)
			c.mu.Unlock()
		}()
	}
	return c.signAnswer(p)
}

// signAnswer is the answer to a SignCertificate: Accepted for a well-formed CSR unless reject
// is set; the caller got a bad one when it was not recorded.
func (c *signingCSMS) signAnswer(p gateway.Peer) any {
	status := "Accepted"
	if c.reject.Load() {
		status = "Rejected"
	}
	if p.Subprotocol == v16.Subprotocol {
		return &v16.SignCertificateResponse{Status: v16.GenericStatus(status)}
	}
	return &v201.SignCertificateResponse{Status: v201.GenericStatus(status)}
}

// requests returns the SignCertificates got so far.
func (c *signingCSMS) requests() []signRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.csrs)
}

// answers returns the station's answers to the CertificateSigned sent so far.
func (c *signingCSMS) answers() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.signed)
}

// Plug & Charge answers of the test CSMS.
const (
	testOCSPResult  = "T0NTUCByZXN1bHQ="
	testEXIResponse = "RVhJIHJlc3BvbnNl"
)

// pncAnswers are the test CSMS's answers to the 2.0.1 Plug & Charge messages:
// GetCertificateStatus Accepted with testOCSPResult, Get15118EVCertificate Accepted with
// testEXIResponse, and Authorize of a token with a contract certificate Accepted with
// certificateStatus Accepted (without one, Invalid).
func pncAnswers() map[string]answerFunc {
	return map[string]answerFunc{
		"GetCertificateStatus": func(context.Context, gateway.Peer, json.RawMessage) any {
			return &v201.GetCertificateStatusResponse{Status: v201.GetCertificateStatusAccepted, OCSPResult: testOCSPResult}
		},
		"Get15118EVCertificate": func(context.Context, gateway.Peer, json.RawMessage) any {
			return &v201.Get15118EVCertificateResponse{Status: v201.ISO15118EVCertificateStatusAccepted, EXIResponse: testEXIResponse}
		},
		"Authorize": func(_ context.Context, _ gateway.Peer, payload json.RawMessage) any {
			var req v201.AuthorizeRequest
			if err := json.Unmarshal(payload, &req); err != nil || req.Certificate == "" {
				return &v201.AuthorizeResponse{IDTokenInfo: v201.IDTokenInfo{Status: v201.AuthorizationStatusInvalid}}
			}
			return &v201.AuthorizeResponse{IDTokenInfo: v201.IDTokenInfo{Status: v201.AuthorizationStatusAccepted},
				CertificateStatus: v201.AuthorizeCertificateStatusAccepted}
		},
	}
}

// upSigning returns a station of version v that is up on a fresh server whose CSMS is a
// signingCSMS (signing when sign is set) and answers the Plug & Charge messages (pncAnswers,
// 2.0.1), and which logs what the station sends.
func upSigning(t *testing.T, id, v string, sign bool, change func(*ocpptest.Config)) (*testServer, *callLog, *signingCSMS, *ocpptest.Station) {
	t.Helper()
	csms := &signingCSMS{ca: newTestCA(t), sign: sign}
	log := &callLog{version: v}
	answers := map[string]answerFunc{"SignCertificate": csms.signCertificate}
	if v == ocpptest.V201 {
		for action, f := range pncAnswers() {
			answers[action] = f
		}
	}
	ts := newWrappedServer(t, func(d gateway.Dispatcher) gateway.Dispatcher {
		log.Dispatcher = &answering{Dispatcher: d, answers: answers}
		return log
	})
	csms.ts = ts
	t.Cleanup(csms.wg.Wait) // before the server shuts down
	st := ts.mustStation(t, id, v, change)
	if err := st.Up(testContext(t)); err != nil {
		t.Fatal(err)
	}
	return ts, log, csms, st
}

// checkedCall is mustCall with the request and the station's answer checked against their
// schemas, in the station's version.
func checkedCall(t *testing.T, ts *testServer, st *ocpptest.Station, action string, req, res any) {
	t.Helper()
	validator, err := testSchemas()
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	if err := validator.Validate(st.Version(), action, false, payload); err != nil {
		t.Fatalf("the test's %s %s: %v", action, payload, err)
	}
	out, err := ts.Gateway.Call(testContext(t), st.ID(), action, payload)
	if err != nil {
		t.Fatalf("%s to %s: %v", action, st.ID(), err)
	}
	if err := validator.Validate(st.Version(), action, true, out); err != nil {
		t.Errorf("the station's answer to %s %s: %v", action, out, err)
	}
	if err := json.Unmarshal(out, res); err != nil {
		t.Fatalf("%s answer %s: %v", action, out, err)
	}
}

// certificateKinds returns the kinds of station certificates of version v.
func certificateKinds(v string) []string {
	if v == ocpptest.V16 {
		return []string{ocpptest.ChargingStationCertificate}
	}
	return []string{ocpptest.ChargingStationCertificate, ocpptest.V2GCertificate}
}

// checkInstalled checks that the station's certificate of kind is one the CA issued for the
// key of req, for the station id.
func checkInstalled(t *testing.T, st *ocpptest.Station, ca *testCA, kind string, req signRequest) *x509.Certificate {
	t.Helper()
	leaf, ok := st.StationCertificate(kind)
	if !ok {
		t.Fatalf("no %s installed", kind)
	}
	if leaf.Subject.CommonName != st.ID() {
		t.Errorf("%s CommonName %q, want the station id %s", kind, leaf.Subject.CommonName, st.ID())
	}
	if err := leaf.CheckSignatureFrom(ca.cert); err != nil {
		t.Errorf("%s is not the CA's: %v", kind, err)
	}
	if pub, ok := leaf.PublicKey.(*ecdsa.PublicKey); !ok || !pub.Equal(req.csr.PublicKey) {
		t.Errorf("%s holds another key than its CSR's", kind)
	}
	return leaf
}

// TestRequestCertificate: RequestCertificate sends SignCertificate with a CSR (ECDSA P-256,
// CommonName the station id, Organization Config.Organization's default; 2.0.1 with the
// certificateType), and the CertificateSigned the CSMS sends for it is Accepted and installed;
// in 2.0.1 the charging station and V2G certificates are apart. A 1.6 station has no V2G
// certificate. A CSMS that rejects the CSR makes RequestCertificate fail.
func TestRequestCertificate(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			_, log, csms, st := upSigning(t, "CP-CSR-"+v, v, true, nil)
			ctx := testContext(t)
			for i, kind := range certificateKinds(v) {
				if err := st.RequestCertificate(ctx, kind); err != nil {
					t.Fatalf("RequestCertificate(%s): %v", kind, err)
				}
				eventually(t, kind+" installed", func() bool { _, ok := st.StationCertificate(kind); return ok })
				reqs := csms.requests()
				if len(reqs) != i+1 {
					t.Fatalf("%d SignCertificate well-formed, want %d", len(reqs), i+1)
				}
				req := reqs[i]
				wantKind := kind
				if v == ocpptest.V16 {
					wantKind = ""
				}
				if req.kind != wantKind {
					t.Errorf("certificateType %q, want %q", req.kind, wantKind)
				}
				if req.csr.Subject.CommonName != st.ID() || !slices.Equal(req.csr.Subject.Organization, []string{ocpptest.DefaultOrganization}) {
					t.Errorf("CSR subject %v, want CN=%s, O=%s", req.csr.Subject, st.ID(), ocpptest.DefaultOrganization)
				}
				if pub, ok := req.csr.PublicKey.(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
					t.Errorf("CSR key %T, want ECDSA P-256", req.csr.PublicKey)
				}
				checkInstalled(t, st, csms.ca, kind, req)
			}
			// The station installs a certificate before its answer reaches the CSMS.
			eventually(t, "answers recorded", func() bool { return len(csms.answers()) == len(certificateKinds(v)) })
			if got := csms.answers(); slices.ContainsFunc(got, func(s string) bool { return s != "Accepted" }) {
				t.Errorf("CertificateSigned answers %v, want all Accepted", got)
			}
			if v == ocpptest.V201 {
				cs, _ := st.StationCertificate(ocpptest.ChargingStationCertificate)
				v2g, _ := st.StationCertificate(ocpptest.V2GCertificate)
				if cs.Equal(v2g) {
					t.Error("the charging station and V2G certificates are the same")
				}
			} else {
				sent := len(log.sent("SignCertificate"))
				if err := st.RequestCertificate(ctx, ocpptest.V2GCertificate); !errors.Is(err, ocpptest.ErrCertificateKind) {
					t.Errorf("1.6 RequestCertificate(V2GCertificate) = %v, want ErrCertificateKind", err)
				}
				if n := len(log.sent("SignCertificate")); n != sent {
					t.Errorf("a V2G request sent %d SignCertificate", n-sent)
				}
				var raw map[string]any
				if err := json.Unmarshal(log.sent("SignCertificate")[0], &raw); err != nil || len(raw) != 1 || raw["csr"] == nil {
					t.Errorf("1.6 SignCertificate %s, want only csr", log.sent("SignCertificate")[0])
				}
			}

			csms.reject.Store(true)
			if err := st.RequestCertificate(ctx, ocpptest.ChargingStationCertificate); !errors.Is(err, ocpptest.ErrSignRejected) {
				t.Errorf("RequestCertificate rejected by the CSMS = %v, want ErrSignRejected", err)
			}
		})
	}
}

// TestCertificateSignedRejected: CertificateSigned is Rejected, and installs nothing, without a
// pending CSR, for a certificate of another key or of another station, for what is not a PEM
// certificate, for a certificate of the other kind (2.0.1), when refused and once the pending
// key was used or the CSMS rejected its CSR; the right chain is Accepted.
func TestCertificateSignedRejected(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			var refuse atomic.Bool
			hook := func(_ context.Context, action string, _ json.RawMessage) ocpptest.Answer {
				return ocpptest.Answer{Refuse: refuse.Load() && action == "CertificateSigned"}
			}
			ts, _, csms, st := upSigning(t, "CP-CSREJ-"+v, v, false, func(c *ocpptest.Config) { c.Hook = hook })
			ctx := testContext(t)
			kind := ocpptest.ChargingStationCertificate
			signed := func(chain, certificateType string) string {
				t.Helper()
				if v == ocpptest.V16 {
					var res v16.CertificateSignedResponse
					checkedCall(t, ts, st, "CertificateSigned", &v16.CertificateSignedRequest{CertificateChain: chain}, &res)
					return string(res.Status)
				}
				var res v201.CertificateSignedResponse
				checkedCall(t, ts, st, "CertificateSigned", &v201.CertificateSignedRequest{CertificateChain: chain,
					CertificateType: v201.CertificateSigningUse(certificateType)}, &res)
				return string(res.Status)
			}
			other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			mine := pkix.Name{CommonName: st.ID()}
			if got := signed(csms.ca.issue(t, mine, other.Public()), kind); got != "Rejected" {
				t.Errorf("CertificateSigned without a CSR = %s, want Rejected", got)
			}

			if err := st.RequestCertificate(ctx, kind); err != nil {
				t.Fatal(err)
			}
			req := csms.requests()[0]
			right := csms.ca.issue(t, req.csr.Subject, req.csr.PublicKey)
			tests := []struct{ name, chain, kind string }{
				{"another key", csms.ca.issue(t, mine, other.Public()), kind},
				{"another station", csms.ca.issue(t, pkix.Name{CommonName: "CP-SOMEONE-ELSE"}, req.csr.PublicKey), kind},
				{"not PEM", "not a certificate", kind},
				{"a broken certificate", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("junk")})), kind},
			}
			if v == ocpptest.V201 {
				tests = append(tests, struct{ name, chain, kind string }{"the other kind", right, ocpptest.V2GCertificate})
			}
			for _, tt := range tests {
				if got := signed(tt.chain, tt.kind); got != "Rejected" {
					t.Errorf("CertificateSigned of %s = %s, want Rejected", tt.name, got)
				}
			}
			refuse.Store(true)
			if got := signed(right, kind); got != "Rejected" {
				t.Errorf("refused CertificateSigned = %s, want Rejected", got)
			}
			refuse.Store(false)
			if _, ok := st.StationCertificate(kind); ok {
				t.Fatal("a rejected chain was installed")
			}

			if got := signed(right, kind); got != "Accepted" {
				t.Fatalf("CertificateSigned of the CSR's key = %s, want Accepted", got)
			}
			leaf := checkInstalled(t, st, csms.ca, kind, req)
			if got := signed(right, kind); got != "Rejected" {
				t.Errorf("CertificateSigned of a key already used = %s, want Rejected", got)
			}
			if now, _ := st.StationCertificate(kind); !now.Equal(leaf) {
				t.Error("the installed certificate changed")
			}

			csms.reject.Store(true)
			if err := st.RequestCertificate(ctx, kind); !errors.Is(err, ocpptest.ErrSignRejected) {
				t.Fatalf("RequestCertificate rejected by the CSMS = %v, want ErrSignRejected", err)
			}
			rejected := csms.requests()[1]
			if got := signed(csms.ca.issue(t, rejected.csr.Subject, rejected.csr.PublicKey), kind); got != "Rejected" {
				t.Errorf("CertificateSigned for a CSR the CSMS rejected = %s, want Rejected", got)
			}
		})
	}
}

// TestTriggeredCertificateRenewal: TriggerMessage SignChargingStationCertificate and
// SignV2GCertificate (2.0.1), ExtendedTriggerMessage SignChargePointCertificate (1.6), are
// answered Accepted and followed by a SignCertificate, whose signed chain is installed; a
// renewal replaces the certificate; the CSR's organization is the one the CSMS set (CpoName,
// SecurityCtrlr OrganizationName). 1.6 ExtendedTriggerMessage LogStatusNotification reports
// Idle.
func TestTriggeredCertificateRenewal(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			ts, log, csms, st := upSigning(t, "CP-CSTRIG-"+v, v, true, func(c *ocpptest.Config) { c.Organization = "Ladda Test CPO" })
			trigger := func(kind string) {
				t.Helper()
				var status string
				if v == ocpptest.V16 {
					var res v16.ExtendedTriggerMessageResponse
					checkedCall(t, ts, st, "ExtendedTriggerMessage", &v16.ExtendedTriggerMessageRequest{RequestedMessage: v16.MessageTriggerEnumSignChargePointCertificate}, &res)
					status = string(res.Status)
				} else {
					msg := v201.MessageTriggerSignChargingStationCertificate
					if kind == ocpptest.V2GCertificate {
						msg = v201.MessageTriggerSignV2GCertificate
					}
					var res v201.TriggerMessageResponse
					checkedCall(t, ts, st, "TriggerMessage", &v201.TriggerMessageRequest{RequestedMessage: msg}, &res)
					status = string(res.Status)
				}
				if status != "Accepted" {
					t.Fatalf("trigger of %s = %s, want Accepted", kind, status)
				}
			}
			n := 0
			for _, kind := range certificateKinds(v) {
				trigger(kind)
				n++
				eventually(t, kind+" installed", func() bool { return len(csms.answers()) == n })
				req := csms.requests()[n-1]
				if v == ocpptest.V201 && req.kind != kind {
					t.Errorf("triggered certificateType %q, want %s", req.kind, kind)
				}
				if !slices.Equal(req.csr.Subject.Organization, []string{"Ladda Test CPO"}) {
					t.Errorf("CSR organization %v, want Config.Organization", req.csr.Subject.Organization)
				}
				checkInstalled(t, st, csms.ca, kind, req)
			}

			kind := ocpptest.ChargingStationCertificate
			old, _ := st.StationCertificate(kind)
			if v == ocpptest.V16 {
				var res v16.ChangeConfigurationResponse
				checkedCall(t, ts, st, "ChangeConfiguration", &v16.ChangeConfigurationRequest{Key: "CpoName", Value: "Renewed CPO"}, &res)
				if res.Status != v16.ConfigurationStatusAccepted {
					t.Fatalf("ChangeConfiguration CpoName = %s", res.Status)
				}
			} else {
				var res v201.SetVariablesResponse
				checkedCall(t, ts, st, "SetVariables", &v201.SetVariablesRequest{SetVariableData: []v201.SetVariableData{{
					Component: v201.Component{Name: "SecurityCtrlr"}, Variable: v201.Variable{Name: "OrganizationName"}, AttributeValue: "Renewed CPO"}}}, &res)
				if res.SetVariableResult[0].AttributeStatus != v201.SetVariableStatusAccepted {
					t.Fatalf("SetVariables OrganizationName = %s", res.SetVariableResult[0].AttributeStatus)
				}
			}
			trigger(kind)
			n++
			eventually(t, "renewed", func() bool { return len(csms.answers()) == n })
			req := csms.requests()[n-1]
			renewed := checkInstalled(t, st, csms.ca, kind, req)
			if renewed.Equal(old) || !slices.Equal(renewed.Subject.Organization, []string{"Renewed CPO"}) {
				t.Errorf("renewed certificate %v (serial %v), want a new one for organization Renewed CPO", renewed.Subject, renewed.SerialNumber)
			}
			if got := csms.answers(); slices.ContainsFunc(got, func(s string) bool { return s != "Accepted" }) {
				t.Errorf("CertificateSigned answers %v, want all Accepted", got)
			}
			if len(log.sent("SignCertificate")) != n {
				t.Errorf("%d SignCertificate sent, want %d", len(log.sent("SignCertificate")), n)
			}

			if v == ocpptest.V16 {
				var res v16.ExtendedTriggerMessageResponse
				checkedCall(t, ts, st, "ExtendedTriggerMessage", &v16.ExtendedTriggerMessageRequest{RequestedMessage: v16.MessageTriggerEnumLogStatusNotification}, &res)
				if res.Status != v16.TriggerMessageStatusAccepted {
					t.Fatalf("ExtendedTriggerMessage LogStatusNotification = %s", res.Status)
				}
				waitNotified(t, log, "LogStatusNotification", -1, "Idle")
			}
		})
	}
}

// testRoot is a self-signed root certificate and what OCPP identifies it by, computed here
// apart from the station.
type testRoot struct {
	pem                       string
	cert                      *x509.Certificate
	nameHash, keyHash, serial string
}

// newTestRoot returns a self-signed root of serial (RSA when rsaKey, else ECDSA P-256).
// issuerKeyHash is the SHA-256 of the public key as the subjectPublicKey BIT STRING holds it:
// an RSA key's PKCS #1 encoding, an EC key's uncompressed point.
func newTestRoot(t *testing.T, name string, serial *big.Int, rsaKey bool) *testRoot {
	t.Helper()
	var pub, key any
	var pubBytes []byte
	if rsaKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		pub, key, pubBytes = &k.PublicKey, k, x509.MarshalPKCS1PublicKey(&k.PublicKey)
	} else {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		e, err := k.PublicKey.ECDH()
		if err != nil {
			t.Fatal(err)
		}
		pub, key, pubBytes = &k.PublicKey, k, e.Bytes()
	}
	subject := pkix.Name{CommonName: name, Organization: []string{"Ladda Test Roots"}, Country: []string{"SE"}}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               subject,
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	rdn, err := asn1.Marshal(subject.ToRDNSequence())
	if err != nil {
		t.Fatal(err)
	}
	nameSum, keySum := sha256.Sum256(rdn), sha256.Sum256(pubBytes)
	return &testRoot{
		pem:      string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		cert:     cert,
		nameHash: hex.EncodeToString(nameSum[:]),
		keyHash:  hex.EncodeToString(keySum[:]),
		serial:   strings.TrimLeft(hex.EncodeToString(serial.Bytes()), "0"),
	}
}

// hashData is the root's 2.0.1 certificateHashData.
func (r *testRoot) hashData() v201.CertificateHashData {
	return v201.CertificateHashData{HashAlgorithm: v201.HashAlgorithmSHA256, IssuerNameHash: r.nameHash, IssuerKeyHash: r.keyHash, SerialNumber: r.serial}
}

// installedIDs sends GetInstalledCertificateIds for the types and returns the answered status
// and the hash data, with their type (2.0.1) or the type asked (1.6).
func installedIDs(t *testing.T, ts *testServer, st *ocpptest.Station, types ...string) (string, []v201.CertificateHashDataChain) {
	t.Helper()
	var out []v201.CertificateHashDataChain
	if st.Version() == ocpptest.V16 {
		var res v16.GetInstalledCertificateIDsResponse
		checkedCall(t, ts, st, "GetInstalledCertificateIds", &v16.GetInstalledCertificateIDsRequest{CertificateType: v16.CertificateUse(types[0])}, &res)
		for _, h := range res.CertificateHashData {
			out = append(out, v201.CertificateHashDataChain{CertificateType: v201.GetCertificateIDUse(types[0]), CertificateHashData: v201.CertificateHashData{
				HashAlgorithm: v201.HashAlgorithm(h.HashAlgorithm), IssuerNameHash: h.IssuerNameHash, IssuerKeyHash: h.IssuerKeyHash, SerialNumber: h.SerialNumber}})
		}
		return string(res.Status), out
	}
	req := &v201.GetInstalledCertificateIDsRequest{}
	for _, typ := range types {
		req.CertificateType = append(req.CertificateType, v201.GetCertificateIDUse(typ))
	}
	var res v201.GetInstalledCertificateIDsResponse
	checkedCall(t, ts, st, "GetInstalledCertificateIds", req, &res)
	return string(res.Status), res.CertificateHashDataChain
}

// TestInstalledCertificates: InstallCertificate keeps root certificates that parse (Rejected
// otherwise); GetInstalledCertificateIds answers their hash data, as computed here apart and as
// CertificateHash computes it, by type (NotFound when none); DeleteCertificate removes the one
// its hash data names, NotFound afterwards.
func TestInstalledCertificates(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			ts, st := upStation(t, "CP-ROOTS-"+v, v, nil)
			// The first serial's DER has a leading zero byte (its high bit is set): the
			// serialNumber leaves it out.
			csmsRoot := newTestRoot(t, "Ladda Test CSMS Root", big.NewInt(0x80000001), true)
			otherRoot := newTestRoot(t, "Ladda Test Other Root", big.NewInt(0x0abc), false)
			if csmsRoot.serial != "80000001" || otherRoot.serial != "abc" {
				t.Fatalf("test serials %s and %s", csmsRoot.serial, otherRoot.serial)
			}
			csmsType, otherType := "CentralSystemRootCertificate", "ManufacturerRootCertificate"
			if v == ocpptest.V201 {
				csmsType, otherType = "CSMSRootCertificate", "V2GRootCertificate"
			}
			for _, r := range []*testRoot{csmsRoot, otherRoot} {
				name, key, serial := ocpptest.CertificateHash(r.cert)
				if name != r.nameHash || key != r.keyHash || serial != r.serial {
					t.Errorf("CertificateHash(%s) = %s %s %s, want %s %s %s", r.cert.Subject, name, key, serial, r.nameHash, r.keyHash, r.serial)
				}
			}
			install := func(typ, cert string) string {
				t.Helper()
				if v == ocpptest.V16 {
					var res v16.InstallCertificateResponse
					checkedCall(t, ts, st, "InstallCertificate", &v16.InstallCertificateRequest{CertificateType: v16.CertificateUse(typ), Certificate: cert}, &res)
					return string(res.Status)
				}
				var res v201.InstallCertificateResponse
				checkedCall(t, ts, st, "InstallCertificate", &v201.InstallCertificateRequest{CertificateType: v201.InstallCertificateUse(typ), Certificate: cert}, &res)
				return string(res.Status)
			}
			remove := func(h v201.CertificateHashData) string {
				t.Helper()
				if v == ocpptest.V16 {
					var res v16.DeleteCertificateResponse
					checkedCall(t, ts, st, "DeleteCertificate", &v16.DeleteCertificateRequest{CertificateHashData: v16.CertificateHashData{
						HashAlgorithm: v16.HashAlgorithm(h.HashAlgorithm), IssuerNameHash: h.IssuerNameHash, IssuerKeyHash: h.IssuerKeyHash, SerialNumber: h.SerialNumber}}, &res)
					return string(res.Status)
				}
				var res v201.DeleteCertificateResponse
				checkedCall(t, ts, st, "DeleteCertificate", &v201.DeleteCertificateRequest{CertificateHashData: h}, &res)
				return string(res.Status)
			}

			if status, _ := installedIDs(t, ts, st, csmsType); status != "NotFound" {
				t.Errorf("GetInstalledCertificateIds before any = %s, want NotFound", status)
			}
			for _, bad := range []string{"not a certificate", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("junk")}))} {
				if got := install(csmsType, bad); got != "Rejected" {
					t.Errorf("InstallCertificate of %q = %s, want Rejected", bad, got)
				}
			}
			if got := install(csmsType, csmsRoot.pem); got != "Accepted" {
				t.Fatalf("InstallCertificate = %s, want Accepted", got)
			}
			if got := install(otherType, otherRoot.pem); got != "Accepted" {
				t.Fatalf("InstallCertificate = %s, want Accepted", got)
			}
			roots := st.InstalledRoots()
			if len(roots) != 2 || roots[0].Type != csmsType || !roots[0].Cert.Equal(csmsRoot.cert) ||
				roots[1].Type != otherType || !roots[1].Cert.Equal(otherRoot.cert) {
				t.Fatalf("InstalledRoots() = %+v, want the two installed", roots)
			}

			status, ids := installedIDs(t, ts, st, csmsType)
			want := []v201.CertificateHashDataChain{{CertificateType: v201.GetCertificateIDUse(csmsType), CertificateHashData: csmsRoot.hashData()}}
			if status != "Accepted" || !slices.EqualFunc(ids, want, chainEqual) {
				t.Errorf("GetInstalledCertificateIds %s = %s %+v, want Accepted %+v", csmsType, status, ids, want)
			}
			if v == ocpptest.V201 {
				status, ids = installedIDs(t, ts, st)
				want = append(want, v201.CertificateHashDataChain{CertificateType: v201.GetCertificateIDUse(otherType), CertificateHashData: otherRoot.hashData()})
				if status != "Accepted" || !slices.EqualFunc(ids, want, chainEqual) {
					t.Errorf("GetInstalledCertificateIds of all = %s %+v, want Accepted %+v", status, ids, want)
				}
				for _, typ := range []string{"V2GCertificateChain", "MORootCertificate"} {
					if status, ids := installedIDs(t, ts, st, typ); status != "NotFound" || len(ids) != 0 {
						t.Errorf("GetInstalledCertificateIds %s = %s %+v, want NotFound", typ, status, ids)
					}
				}
			}

			// Hex in upper case and the serial with a leading zero name the same certificate.
			h := csmsRoot.hashData()
			h.IssuerNameHash, h.IssuerKeyHash, h.SerialNumber = strings.ToUpper(h.IssuerNameHash), strings.ToUpper(h.IssuerKeyHash), "0"+h.SerialNumber
			if got := remove(h); got != "Accepted" {
				t.Errorf("DeleteCertificate = %s, want Accepted", got)
			}
			if got := remove(h); got != "NotFound" {
				t.Errorf("DeleteCertificate again = %s, want NotFound", got)
			}
			if status, ids := installedIDs(t, ts, st, csmsType); status != "NotFound" || len(ids) != 0 {
				t.Errorf("GetInstalledCertificateIds after the delete = %s %+v, want NotFound", status, ids)
			}
			if roots := st.InstalledRoots(); len(roots) != 1 || !roots[0].Cert.Equal(otherRoot.cert) {
				t.Errorf("InstalledRoots() after the delete = %+v, want only the other root", roots)
			}
		})
	}
}

// chainEqual compares two certificateHashDataChain by type and hash data.
func chainEqual(a, b v201.CertificateHashDataChain) bool {
	return a.CertificateType == b.CertificateType && a.CertificateHashData == b.CertificateHashData
}

// TestPlugAndChargeMessages: GetCertificateStatus, Get15118EVCertificate and AuthorizeContract
// send well-formed 2.0.1 messages (the test CSMS checks their schema) carrying what they were
// given, and return the CSMS's answer. A 1.6 station has none of them and sends nothing.
func TestPlugAndChargeMessages(t *testing.T) {
	t.Parallel()
	_, log, csms, st := upSigning(t, "CP-PNC", ocpptest.V201, false, nil)
	ctx := testContext(t)
	root := newTestRoot(t, "Ladda Test MO Root", big.NewInt(42), false)
	ocsp := v201.OCSPRequestData{HashAlgorithm: v201.HashAlgorithmSHA256, IssuerNameHash: root.nameHash,
		IssuerKeyHash: root.keyHash, SerialNumber: root.serial, ResponderURL: "http://127.0.0.1:1/ocsp"}
	status, result, err := st.GetCertificateStatus(ctx, ocsp)
	if err != nil || status != "Accepted" || result != testOCSPResult {
		t.Errorf("GetCertificateStatus = %s %q %v, want Accepted %q", status, result, err, testOCSPResult)
	}
	var gotStatus v201.GetCertificateStatusRequest
	if sent := log.sent("GetCertificateStatus"); len(sent) != 1 || json.Unmarshal(sent[0], &gotStatus) != nil || gotStatus.OCSPRequestData != ocsp {
		t.Errorf("GetCertificateStatus sent %s, want the OCSP request data %+v", sent, ocsp)
	}

	const schema, exi = "urn:iso:15118:2:2013:MsgDef", "RVhJIHJlcXVlc3Q="
	status, exiResponse, err := st.Get15118EVCertificate(ctx, schema, "Install", exi)
	if err != nil || status != "Accepted" || exiResponse != testEXIResponse {
		t.Errorf("Get15118EVCertificate = %s %q %v, want Accepted %q", status, exiResponse, err, testEXIResponse)
	}
	var gotEV v201.Get15118EVCertificateRequest
	if sent := log.sent("Get15118EVCertificate"); len(sent) != 1 || json.Unmarshal(sent[0], &gotEV) != nil ||
		gotEV.ISO15118SchemaVersion != schema || gotEV.Action != v201.CertificateActionInstall || gotEV.EXIRequest != exi {
		t.Errorf("Get15118EVCertificate sent %s, want %s Install %s", sent, schema, exi)
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	const emaid = "SEL4DC12345678X"
	chain := csms.ca.issue(t, pkix.Name{CommonName: emaid}, key.Public())
	token, cert, err := st.AuthorizeContract(ctx, emaid, chain)
	if err != nil || token != "Accepted" || cert != "Accepted" {
		t.Errorf("AuthorizeContract = %s %s %v, want Accepted Accepted", token, cert, err)
	}
	var gotAuth v201.AuthorizeRequest
	if sent := log.sent("Authorize"); len(sent) != 1 || json.Unmarshal(sent[0], &gotAuth) != nil ||
		gotAuth.IDToken.IDToken != emaid || gotAuth.IDToken.Type != v201.IDTokenEnumEMAID || gotAuth.Certificate != chain {
		t.Errorf("Authorize sent %s, want the eMAID %s and the chain", sent, emaid)
	}

	_, log16, _, st16 := upSigning(t, "CP-PNC-16", ocpptest.V16, false, nil)
	n := log16.count()
	if _, _, err := st16.GetCertificateStatus(ctx, ocsp); !errors.Is(err, ocpptest.ErrNotInVersion) {
		t.Errorf("1.6 GetCertificateStatus: %v, want ErrNotInVersion", err)
	}
	if _, _, err := st16.Get15118EVCertificate(ctx, schema, "Install", exi); !errors.Is(err, ocpptest.ErrNotInVersion) {
		t.Errorf("1.6 Get15118EVCertificate: %v, want ErrNotInVersion", err)
	}
	if _, _, err := st16.AuthorizeContract(ctx, emaid, chain); !errors.Is(err, ocpptest.ErrNotInVersion) {
		t.Errorf("1.6 AuthorizeContract: %v, want ErrNotInVersion", err)
	}
	if m := log16.count(); m != n {
		t.Errorf("the 1.6 station sent %d CALLs, want none", m-n)
	}
}
