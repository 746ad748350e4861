package httpapi

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/ocpp/ocpptest"
	"github.com/ladda-csms/ladda/ocpp/v201"
	"github.com/ladda-csms/ladda/pki"
)

// echoProvider answers EV certificate requests with the request behind a marker: a stand-in for
// a V2G PKI, which cannot be reached from here.
type echoProvider struct{}

func (echoProvider) EVCertificate(_ context.Context, _ ladda.StationID, _, action, exi string) (string, error) {
	return base64.StdEncoding.EncodeToString([]byte(action+":")) + exi, nil
}

// certificates lists the certificate requests of a station through the API.
func (e *env) certificates(t *testing.T, id string) []StationCertificate {
	t.Helper()
	var list List[StationCertificate]
	e.call(t, http.MethodGet, "/api/v1/certificates?stationId="+id, nil).mustStatus(t, http.StatusOK).decode(t, &list)
	return list.Items
}

// TestStationCertificates: a station's certificate request is signed by Ladda's CA and sent back;
// the station installs it. Root certificates are installed, listed and removed through the API.
func TestStationCertificates(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	ctx := context.Background()
	var ca caOutput
	e.call(t, http.MethodGet, "/api/v1/pki/ca", nil).mustStatus(t, http.StatusOK).decode(t, &ca.Body)
	caCert, err := pki.ParseChain(ca.Body.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(caCert[0])

	for _, v := range []string{ocpptest.V16, ocpptest.V201} {
		t.Run(v, func(t *testing.T) {
			id := "CERT-" + strconv.Itoa(len(v))
			st := e.mustSimulated(t, id, v, nil)
			kinds := []string{"ChargingStationCertificate"}
			if v == ocpptest.V201 {
				kinds = append(kinds, "V2GCertificate")
			}
			for _, kind := range kinds {
				if err := st.RequestCertificate(ctx, kind); err != nil {
					t.Fatalf("%s: %v", kind, err)
				}
				list := e.certificates(t, id)
				if len(list) == 0 || list[0].Status != "Requested" || list[0].Type != kind {
					t.Fatalf("%s: requests %+v, want a new Requested one", kind, list)
				}
				e.pki.Process(ctx, list[0].ID)
				got := e.certificates(t, id)[0]
				if got.Status != "Accepted" || got.SerialNumber == "" || got.CommandID == nil || got.NotAfter == nil {
					t.Errorf("%s: after signing %+v, want Accepted by the station", kind, got)
				}
				leaf, ok := st.StationCertificate(kind)
				if !ok {
					t.Fatalf("%s: the station installed nothing", kind)
				}
				_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
				if kind == "V2GCertificate" {
					// V2G certificates come from Ladda's separate V2G root, never from the CSMS root.
					chain, _ := pki.ParseChain(got.Certificate)
					v2gRoots := x509.NewCertPool()
					v2gRoots.AddCert(chain[len(chain)-1])
					_, verr := leaf.Verify(x509.VerifyOptions{Roots: v2gRoots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
					if err == nil || verr != nil || chain[len(chain)-1].Equal(caCert[0]) {
						t.Errorf("V2G certificate: chains to the CSMS root: %v; to its V2G root: %v", err == nil, verr)
					}
				} else if err != nil || leaf.Subject.CommonName != id {
					t.Errorf("%s: the station's certificate %v does not chain to Ladda's CA: %v", kind, leaf.Subject, err)
				}
			}

			// Ladda's CA as the station's CSMS root: installed, listed, removed.
			c := e.call(t, http.MethodPost, "/api/v1/stations/"+id+"/certificates/install", map[string]any{"type": "CSMSRootCertificate"}).mustCommand(t)
			checkOutcome(t, c, outcome{status: "Accepted"})
			query := map[string]any{"types": []string{"CSMSRootCertificate"}}
			c = e.call(t, http.MethodPost, "/api/v1/stations/"+id+"/certificates/query", query).mustCommand(t)
			nameHash, keyHash, serial := ocpptest.CertificateHash(caCert[0])
			if c.Answer == nil || c.Answer.Status != "Accepted" || len(c.Answer.Certificates) != 1 || c.Answer.Certificates[0].IssuerNameHash != nameHash ||
				c.Answer.Certificates[0].IssuerKeyHash != keyHash || c.Answer.Certificates[0].SerialNumber != serial || c.Answer.Certificates[0].Type != "CSMSRootCertificate" {
				t.Fatalf("query answered %+v", c.Answer)
			}
			h := c.Answer.Certificates[0]
			del := map[string]any{"hashAlgorithm": h.HashAlgorithm, "issuerNameHash": h.IssuerNameHash, "issuerKeyHash": h.IssuerKeyHash, "serialNumber": h.SerialNumber}
			checkOutcome(t, e.call(t, http.MethodPost, "/api/v1/stations/"+id+"/certificates/delete", del).mustCommand(t), outcome{status: "Accepted"})
			checkOutcome(t, e.call(t, http.MethodPost, "/api/v1/stations/"+id+"/certificates/delete", del).mustCommand(t), outcome{status: "NotFound"})
			checkOutcome(t, e.call(t, http.MethodPost, "/api/v1/stations/"+id+"/certificates/query", query).mustCommand(t), outcome{status: "NotFound"})

			// Renewal on the operator's word: the station sends a new request.
			before := len(e.certificates(t, id))
			checkOutcome(t, e.call(t, http.MethodPost, "/api/v1/stations/"+id+"/certificates/renew", nil).mustCommand(t), outcome{status: "Accepted"})
			eventually(t, "renewal requested", func() bool { return len(e.certificates(t, id)) == before+1 })
		})
	}
	e.call(t, http.MethodPost, "/api/v1/stations/CERT-3/certificates/install", map[string]any{"type": "MORootCertificate"}).mustProblem(t, http.StatusUnprocessableEntity)
	e.call(t, http.MethodPost, "/api/v1/stations/CERT-3/certificates/install", map[string]any{"type": "MORootCertificate", "certificate": "junk"}).mustProblem(t, http.StatusUnprocessableEntity)
	e.call(t, http.MethodPost, "/api/v1/stations/CERT-3/certificates/renew", map[string]any{"type": "V2GCertificate"}).mustProblem(t, http.StatusUnprocessableEntity)
}

// moPKI is a mobility operator's root, which issues contract certificates, and an OCSP
// responder for them that says serial 666 is revoked.
type moPKI struct {
	root    *x509.Certificate
	rootPEM string
	key     *ecdsa.PrivateKey
	ocsp    *httptest.Server
}

func newMOPKI(t *testing.T) *moPKI {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test MO root"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := x509.ParseCertificate(der)
	p := &moPKI{root: root, key: key, rootPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
	p.ocsp = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req, err := ocsp.ParseRequest(body)
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		status := ocsp.Good
		if req.SerialNumber.Int64() == 666 {
			status = ocsp.Revoked
		}
		res, _ := ocsp.CreateResponse(root, root, ocsp.Response{Status: status, SerialNumber: req.SerialNumber, ThisUpdate: time.Now(), RevokedAt: time.Now()}, key)
		w.Write(res)
	}))
	t.Cleanup(p.ocsp.Close)
	return p
}

// contract issues a contract certificate for emaid.
func (p *moPKI) contract(t *testing.T, emaid string, serial int64, notAfter time.Time) (string, *x509.Certificate) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: emaid}, NotBefore: time.Now().Add(-time.Hour), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.root, &key.PublicKey, p.key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), c
}

// hashData is the OCSP request data of a certificate issued by the MO root.
func (p *moPKI) hashData(serial int64) v201.OCSPRequestData {
	nameHash, keyHash, _ := ocpptest.CertificateHash(p.root)
	return v201.OCSPRequestData{HashAlgorithm: v201.HashAlgorithmSHA256, IssuerNameHash: nameHash, IssuerKeyHash: keyHash,
		SerialNumber: big.NewInt(serial).Text(16), ResponderURL: p.ocsp.URL}
}

// TestPlugAndCharge: an EV's contract certificate is accepted when it chains to a mobility
// operator root the operator trusts, is valid and names the eMAID; the station's OCSP and EV
// certificate requests are answered.
func TestPlugAndCharge(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	ctx := context.Background()
	st := e.mustSimulated(t, "PNC-1", ocpptest.V201, nil)
	const emaid = "SEABCC123456789"
	e.mustToken(t, charging.IDToken{Token: emaid, Type: "eMAID", Status: charging.Accepted})
	mo := newMOPKI(t)
	valid, _ := mo.contract(t, emaid, 7, time.Now().Add(time.Hour))

	authorize := func(chain string) (string, string) {
		t.Helper()
		tok, cert, err := st.AuthorizeContract(ctx, emaid, chain)
		if err != nil {
			t.Fatal(err)
		}
		return tok, cert
	}
	if tok, cert := authorize(valid); tok != "Invalid" || cert != "CertChainError" {
		t.Errorf("before the MO root is trusted: %s/%s, want Invalid/CertChainError", tok, cert)
	}
	var root TrustedRoot
	e.call(t, http.MethodPut, "/api/v1/pki/roots/test-mo", map[string]any{"kind": "MORootCertificate", "certificate": mo.rootPEM}).mustStatus(t, http.StatusOK).decode(t, &root)
	if root.Subject == "" || root.Kind != "MORootCertificate" {
		t.Errorf("trusted %+v", root)
	}
	if tok, cert := authorize(valid); tok != "Accepted" || cert != "Accepted" {
		t.Errorf("a valid contract: %s/%s, want Accepted/Accepted", tok, cert)
	}
	expired, _ := mo.contract(t, emaid, 8, time.Now().Add(-time.Minute))
	if tok, cert := authorize(expired); tok != "Invalid" || cert != "CertificateExpired" {
		t.Errorf("an expired contract: %s/%s", tok, cert)
	}
	other, _ := mo.contract(t, "SEABCC999999999", 9, time.Now().Add(time.Hour))
	if tok, cert := authorize(other); tok != "Invalid" || cert != "CertChainError" {
		t.Errorf("another driver's contract: %s/%s", tok, cert)
	}

	// The station asks about revocation itself.
	status, result, err := st.GetCertificateStatus(ctx, mo.hashData(7))
	der, _ := base64.StdEncoding.DecodeString(result)
	if res, perr := ocsp.ParseResponseForCert(der, nil, mo.root); err != nil || status != "Accepted" || perr != nil || res.Status != ocsp.Good {
		t.Errorf("GetCertificateStatus: %s, %v; response %v", status, err, perr)
	}
	bad := mo.hashData(7)
	bad.ResponderURL = "http://127.0.0.1:1/nothing"
	if status, _, err := st.GetCertificateStatus(ctx, bad); err != nil || status != "Failed" {
		t.Errorf("an unreachable responder: %s, %v; want Failed", status, err)
	}
	if status, exi, err := st.Get15118EVCertificate(ctx, "urn:iso:15118:2:2013:MsgDef", "Install", "AAEC"); err != nil || status != "Accepted" ||
		exi != base64.StdEncoding.EncodeToString([]byte("Install:"))+"AAEC" {
		t.Errorf("Get15118EVCertificate: %s %q, %v", status, exi, err)
	}

	var list List[TrustedRoot]
	e.call(t, http.MethodGet, "/api/v1/pki/roots?kind=MORootCertificate", nil).mustStatus(t, http.StatusOK).decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].Name != "test-mo" {
		t.Errorf("roots %+v", list.Items)
	}
	e.call(t, http.MethodDelete, "/api/v1/pki/roots/test-mo", nil).mustStatus(t, http.StatusNoContent)
	e.call(t, http.MethodDelete, "/api/v1/pki/roots/test-mo", nil).mustProblem(t, http.StatusNotFound)
	if tok, _ := authorize(valid); tok != "Invalid" {
		t.Errorf("after the root is gone: %s, want Invalid", tok)
	}
	e.call(t, http.MethodPut, "/api/v1/pki/roots/bad", map[string]any{"kind": "MORootCertificate", "certificate": valid}).mustProblem(t, http.StatusUnprocessableEntity)
}
