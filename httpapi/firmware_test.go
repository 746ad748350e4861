package httpapi

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda/ocpp/ocpptest"
	"github.com/ladda-csms/ladda/station"
)

// signer makes firmware signatures the way a manufacturer does: an ECDSA P-256 key and its
// certificate; the signature is over the image's SHA-256.
type signer struct {
	key  *ecdsa.PrivateKey
	cert string // PEM
}

func newSigner(t *testing.T) signer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Acme firmware signing"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return signer{key: key, cert: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
}

func (s signer) sign(t *testing.T, image []byte) string {
	t.Helper()
	sum := sha256.Sum256(image)
	sig, err := ecdsa.SignASN1(rand.Reader, s.key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// putFirmware uploads an image through the API.
func (e *env) putFirmware(t *testing.T, name string, image []byte) *response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, e.url+"/api/v1/firmware/"+name, bytes.NewReader(image))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.key)
	req.Header.Set("Content-Type", "application/octet-stream")
	return e.do(t, req)
}

// mustFirmwareStatus reads GET /stations/{id}/firmware.
func (e *env) mustFirmwareStatus(t *testing.T, id string) FirmwareStatus {
	t.Helper()
	var st FirmwareStatus
	e.call(t, http.MethodGet, "/api/v1/stations/"+id+"/firmware", nil).mustStatus(t, http.StatusOK).decode(t, &st)
	return st
}

// TestFirmwareUpdate: an image uploaded to Ladda reaches stations of both versions through a
// signed link; they report their progress up to Installed, which the API shows; a signed
// update is verified by the station.
func TestFirmwareUpdate(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	image := bytes.Repeat([]byte("ACME firmware 2.0\n"), 100)
	sum := sha256.Sum256(image)
	var f FirmwareFile
	e.putFirmware(t, "acme-2.0.bin", image).mustStatus(t, http.StatusOK).decode(t, &f)
	if f.Name != "acme-2.0.bin" || f.Size != int64(len(image)) || f.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("uploaded %+v", f)
	}
	var list List[FirmwareFile]
	e.call(t, http.MethodGet, "/api/v1/firmware", nil).mustStatus(t, http.StatusOK).decode(t, &list)
	if len(list.Items) != 1 || list.Items[0] != f {
		t.Errorf("list = %+v, want only %+v", list.Items, f)
	}
	sig := newSigner(t)

	for _, tc := range []struct {
		name, version string
		signed        bool
		want          []string // the statuses the station reports, in order
	}{
		{"1.6", ocpptest.V16, false, []string{"Downloading", "Downloaded", "Installing", "Installed"}},
		{"1.6 signed", ocpptest.V16, true, []string{"Downloading", "Downloaded", "SignatureVerified", "Installing", "Installed"}},
		{"2.0.1", ocpptest.V201, false, []string{"Downloading", "Downloaded", "Installing", "Installed"}},
		{"2.0.1 signed", ocpptest.V201, true, []string{"Downloading", "Downloaded", "SignatureVerified", "Installing", "Installed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := "FW-" + strings.NewReplacer(".", "", " ", "-").Replace(tc.name)
			st := e.mustSimulated(t, id, tc.version, nil)
			body := map[string]any{"firmware": "acme-2.0.bin", "retries": 2, "retryInterval": 30}
			if tc.signed {
				body["signingCertificate"], body["signature"] = sig.cert, sig.sign(t, image)
			}
			c := e.call(t, http.MethodPost, "/api/v1/stations/"+id+"/firmware", body).mustCommand(t)
			checkOutcome(t, c, outcome{status: "Accepted"})
			var sent station.UpdateFirmware
			if err := json.Unmarshal(c.Request, &sent); err != nil || !strings.HasPrefix(sent.Location, e.url+"/files/firmware/") ||
				!strings.HasSuffix(sent.Location, "/acme-2.0.bin") || sent.Retries == nil || *sent.Retries != 2 {
				t.Errorf("logged %s (%v), want a link to Ladda's copy of the image", c.Request, err)
			}
			eventually(t, "installed", func() bool { return e.mustFirmwareStatus(t, id).Status == "Installed" })
			fw := st.Firmware()
			if fw.LastSHA256 != f.SHA256 || !slices.Equal(fw.Statuses, tc.want) {
				t.Errorf("the station downloaded %s and reported %v; want %s and %v", fw.LastSHA256, fw.Statuses, f.SHA256, tc.want)
			}
			got := e.mustFirmwareStatus(t, id)
			if wantID := tc.signed || tc.version == ocpptest.V201; (got.RequestID != nil) != wantID || (wantID && *got.RequestID != sent.RequestID) || got.At == nil {
				t.Errorf("status %+v, want the request id %d: %v", got, sent.RequestID, wantID)
			}
		})
	}

	// A signature made over another image is refused by the station.
	id := "FW-BADSIG"
	st := e.mustSimulated(t, id, ocpptest.V201, nil)
	c := e.call(t, http.MethodPost, "/api/v1/stations/"+id+"/firmware",
		map[string]any{"firmware": "acme-2.0.bin", "signingCertificate": sig.cert, "signature": sig.sign(t, []byte("another image"))}).mustCommand(t)
	checkOutcome(t, c, outcome{status: "Accepted"})
	eventually(t, "refused", func() bool { return e.mustFirmwareStatus(t, id).Status == "InvalidSignature" })
	if fw := st.Firmware(); slices.Contains(fw.Statuses, "Installed") {
		t.Errorf("the station installed an image with a bad signature: %v", fw.Statuses)
	}
}

// TestFirmwareErrors: bad images, names and requests are refused; nothing reaches stations.
func TestFirmwareErrors(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	e.mustStation(t, "FW-OFF", station.Accepted)
	e.mustSimulated(t, "FW-16", ocpptest.V16, nil)
	e.putFirmware(t, "ok.bin", []byte("image")).mustStatus(t, http.StatusOK)

	for _, tt := range []struct {
		name   string
		image  []byte
		status int
	}{
		{".hidden", []byte("x"), 422},
		{"x.sha256", []byte("x"), 422},
		{"empty.bin", nil, 422},
		{"huge.bin", make([]byte, 64<<10+1), 413},
	} {
		e.putFirmware(t, tt.name, tt.image).mustProblem(t, tt.status)
	}

	path := "/api/v1/stations/FW-16/firmware"
	for _, tt := range []struct {
		name   string
		path   string
		body   map[string]any
		status int
		detail string
	}{
		{"unknown image", path, map[string]any{"firmware": "nope.bin"}, 422, "nope.bin"},
		{"neither", path, map[string]any{}, 422, "either"},
		{"both", path, map[string]any{"firmware": "ok.bin", "location": "https://example.com/fw.bin"}, 422, "either"},
		{"bad location", path, map[string]any{"location": "file:///etc/passwd"}, 422, "location"},
		{"signature alone", path, map[string]any{"firmware": "ok.bin", "signature": "AAAA"}, 422, "signing certificate"},
		{"install time on 1.6", path, map[string]any{"firmware": "ok.bin", "installAt": time.Now().Add(time.Hour)}, 422, "installAt"},
		{"unknown station", "/api/v1/stations/NOBODY/firmware", map[string]any{"firmware": "ok.bin"}, 404, "NOBODY"},
		{"offline", "/api/v1/stations/FW-OFF/firmware", map[string]any{"firmware": "ok.bin"}, 409, "not connected"},
	} {
		p := e.call(t, http.MethodPost, tt.path, tt.body).mustProblem(t, tt.status)
		if !strings.Contains(p.Detail+problemErrors(p), tt.detail) {
			t.Errorf("%s: %q, want it to mention %q", tt.name, p.Detail+problemErrors(p), tt.detail)
		}
	}
	if st := e.mustFirmwareStatus(t, "FW-16"); st.Status != "" {
		t.Errorf("a station that got no update reports %+v", st)
	}
	e.call(t, http.MethodDelete, "/api/v1/firmware/ok.bin", nil).mustStatus(t, http.StatusNoContent)
	e.call(t, http.MethodDelete, "/api/v1/firmware/ok.bin", nil).mustProblem(t, http.StatusNotFound)
}
