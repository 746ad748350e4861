package ocpptest_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	stdlog "log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/gateway"
	"github.com/ladda-csms/ladda/ocpp/ocpptest"
	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
)

// fileServer is an HTTP server on loopback, as a CSMS's file store: it serves the firmware
// file at /fw.bin (and 404 for any other GET), takes uploads at /upload, answers 500 to those
// at /fail and holds those at /slow until the station gives up on them.
type fileServer struct {
	*httptest.Server
	firmware []byte

	mu       sync.Mutex
	requests map[string]int // "METHOD /path": how many came
	files    []receivedFile // the files uploaded to /upload, in order
}

// receivedFile is a file uploaded to the fileServer.
type receivedFile struct {
	contentType string // of the request
	field       string // the multipart part's form name
	name        string // the part's file name
	content     string
}

func newFileServer(t *testing.T) *fileServer {
	t.Helper()
	fs := &fileServer{firmware: []byte("simulated firmware image for " + t.Name()), requests: map[string]int{}}
	fs.Server = httptest.NewServer(http.HandlerFunc(fs.serve))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *fileServer) serve(w http.ResponseWriter, r *http.Request) {
	fs.mu.Lock()
	fs.requests[r.Method+" "+r.URL.Path]++
	fs.mu.Unlock()
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/fw.bin":
		_, _ = w.Write(fs.firmware)
	case r.Method == http.MethodPost && r.URL.Path == "/upload":
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for field, headers := range r.MultipartForm.File {
			for _, h := range headers {
				f, err := h.Open()
				if err != nil {
					http.Error(w, err.Error(), http.StatusBadRequest)
					return
				}
				b, _ := io.ReadAll(f)
				_ = f.Close()
				fs.mu.Lock()
				fs.files = append(fs.files, receivedFile{contentType: r.Header.Get("Content-Type"), field: field, name: h.Filename, content: string(b)})
				fs.mu.Unlock()
			}
		}
	case r.Method == http.MethodPost && r.URL.Path == "/fail":
		http.Error(w, "no room", http.StatusInternalServerError)
	case r.Method == http.MethodPost && r.URL.Path == "/slow":
		// Read the body first: only then does the server notice the station hanging up.
		_, _ = io.Copy(io.Discard, r.Body)
		select { // bounded: the station gives up (cancels) long before
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	default:
		http.NotFound(w, r)
	}
}

// count returns how many requests of method came for path.
func (fs *fileServer) count(method, path string) int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.requests[method+" "+path]
}

// received returns the files uploaded so far.
func (fs *fileServer) received() []receivedFile {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return slices.Clone(fs.files)
}

// sum returns the hex SHA-256 of the firmware file.
func (fs *fileServer) sum() string {
	h := sha256.Sum256(fs.firmware)
	return hex.EncodeToString(h[:])
}

// upWatched returns a station of version v that is up on a fresh server which logs what the
// station sends.
func upWatched(t *testing.T, id, v string, change func(*ocpptest.Config)) (*testServer, *callLog, *ocpptest.Station) {
	t.Helper()
	log := &callLog{version: v}
	ts := newWrappedServer(t, func(d gateway.Dispatcher) gateway.Dispatcher {
		log.Dispatcher = d
		return log
	})
	st := ts.mustStation(t, id, v, change)
	if err := st.Up(testContext(t)); err != nil {
		t.Fatal(err)
	}
	return ts, log, st
}

// notified returns the statuses of the station's CALLs of action (FirmwareStatusNotification,
// LogStatusNotification, …) in order: all of them when requestID is negative, else those
// carrying that requestId.
func notified(t *testing.T, log *callLog, action string, requestID int) []string {
	t.Helper()
	var out []string
	for _, p := range log.sent(action) {
		var n struct {
			Status    string `json:"status"`
			RequestID *int   `json:"requestId"`
		}
		if err := json.Unmarshal(p, &n); err != nil {
			t.Fatalf("%s %s: %v", action, p, err)
		}
		if requestID < 0 || (n.RequestID != nil && *n.RequestID == requestID) {
			out = append(out, n.Status)
		}
	}
	return out
}

// waitNotified waits (boundedly) until the statuses notified are want.
func waitNotified(t *testing.T, log *callLog, action string, requestID int, want ...string) {
	t.Helper()
	eventually(t, action+" "+join(want), func() bool { return slices.Equal(notified(t, log, action, requestID), want) })
}

// join formats statuses for a message.
func join(s []string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// firmwareAction is the notification of a version's signed (or 2.0.1) firmware update.
func firmwareAction(v string) string {
	if v == ocpptest.V16 {
		return "SignedFirmwareStatusNotification"
	}
	return "FirmwareStatusNotification"
}

// signedUpdate sends a 1.6 SignedUpdateFirmware, or a 2.0.1 UpdateFirmware, and returns the
// answered status.
func signedUpdate(t *testing.T, ts *testServer, st *ocpptest.Station, requestID int, fw v201.Firmware, retries, retryInterval *int) string {
	t.Helper()
	if st.Version() == ocpptest.V16 {
		var res v16.SignedUpdateFirmwareResponse
		mustCall(t, ts, st.ID(), "SignedUpdateFirmware", &v16.SignedUpdateFirmwareRequest{RequestID: requestID,
			Retries: retries, RetryInterval: retryInterval, Firmware: v16.Firmware{Location: fw.Location,
				RetrieveDateTime: fw.RetrieveDateTime, InstallDateTime: fw.InstallDateTime,
				SigningCertificate: fw.SigningCertificate, Signature: fw.Signature}}, &res)
		return string(res.Status)
	}
	var res v201.UpdateFirmwareResponse
	mustCall(t, ts, st.ID(), "UpdateFirmware", &v201.UpdateFirmwareRequest{RequestID: requestID,
		Retries: retries, RetryInterval: retryInterval, Firmware: fw}, &res)
	return string(res.Status)
}

// bootFirmware returns the firmware version of the station's last BootNotification.
func bootFirmware(t *testing.T, log *callLog) string {
	t.Helper()
	boots := log.sent("BootNotification")
	if len(boots) == 0 {
		t.Fatal("no BootNotification")
	}
	var b struct {
		FirmwareVersion string `json:"firmwareVersion"`
		ChargingStation struct {
			FirmwareVersion string `json:"firmwareVersion"`
		} `json:"chargingStation"`
	}
	if err := json.Unmarshal(boots[len(boots)-1], &b); err != nil {
		t.Fatal(err)
	}
	return b.FirmwareVersion + b.ChargingStation.FirmwareVersion
}

// signer is a signing key and its self-signed certificate, as a firmware vendor has.
type signer struct {
	key  crypto.Signer
	cert string // PEM
}

func newSigner(t *testing.T, rsaKey bool) *signer {
	t.Helper()
	var key crypto.Signer
	if rsaKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		key = k
	} else {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		key = k
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "Ladda test firmware signer"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return &signer{key: key, cert: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
}

// sign returns the base64 signature of data's SHA-256.
func (s *signer) sign(t *testing.T, data []byte) string {
	t.Helper()
	h := sha256.Sum256(data)
	sig, err := s.key.Sign(rand.Reader, h[:], crypto.SHA256) // ECDSA ASN.1, or RSA PKCS #1 v1.5
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// TestUpdateFirmware: the station downloads the file at the retrieve date (one in the past:
// at once), reports Downloading, Downloaded, Installing and Installed (2.0.1 with the
// requestId), and its firmware version becomes one of the file, which its next
// BootNotification carries; a triggered FirmwareStatusNotification then reports Idle.
func TestUpdateFirmware(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			fs := newFileServer(t)
			ts, log, st := upWatched(t, "CP-FW-"+v, v, nil)
			if got := bootFirmware(t, log); got != "ocpptest" {
				t.Errorf("firmware at boot = %q, want the default ocpptest", got)
			}
			past := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
			if v == ocpptest.V16 {
				var res v16.UpdateFirmwareResponse
				mustCall(t, ts, st.ID(), "UpdateFirmware", &v16.UpdateFirmwareRequest{Location: fs.URL + "/fw.bin", RetrieveDate: past}, &res)
			} else if got := signedUpdate(t, ts, st, 7, v201.Firmware{Location: fs.URL + "/fw.bin", RetrieveDateTime: past}, nil, nil); got != "Accepted" {
				t.Fatalf("UpdateFirmware = %s, want Accepted", got)
			}
			want := []string{"Downloading", "Downloaded", "Installing", "Installed"}
			requestID := -1
			if v == ocpptest.V201 {
				requestID = 7
			}
			waitNotified(t, log, "FirmwareStatusNotification", requestID, want...)
			if n := fs.count(http.MethodGet, "/fw.bin"); n != 1 {
				t.Errorf("the firmware was fetched %d times, want once", n)
			}
			fw := st.Firmware()
			if wantVersion := "sim-" + fs.sum()[:8]; fw.Version != wantVersion || fw.LastSHA256 != fs.sum() || !slices.Equal(fw.Statuses, want) {
				t.Errorf("Firmware() = %+v, want version %s, sha256 %s, statuses %v", fw, wantVersion, fs.sum(), want)
			}
			if _, err := st.BootOnce(testContext(t)); err != nil {
				t.Fatal(err)
			}
			if got := bootFirmware(t, log); got != fw.Version {
				t.Errorf("firmware of the next BootNotification = %q, want %q", got, fw.Version)
			}
			if got := ts.mustStationState(t, st.ID()).Boot.FirmwareVersion; got != fw.Version {
				t.Errorf("the server's firmware version = %q, want %q", got, fw.Version)
			}

			if v == ocpptest.V16 {
				var res v16.TriggerMessageResponse
				mustCall(t, ts, st.ID(), "TriggerMessage", &v16.TriggerMessageRequest{RequestedMessage: v16.MessageTriggerFirmwareStatusNotification}, &res)
			} else {
				var res v201.TriggerMessageResponse
				mustCall(t, ts, st.ID(), "TriggerMessage", &v201.TriggerMessageRequest{RequestedMessage: v201.MessageTriggerFirmwareStatusNotification}, &res)
			}
			waitNotified(t, log, "FirmwareStatusNotification", -1, append(slices.Clone(want), "Idle")...)
		})
	}
}

// TestUpdateFirmwareDownloadFailed: a location that answers 404 is tried 1+retries times,
// retryInterval apart, then reported DownloadFailed; nothing is installed.
func TestUpdateFirmwareDownloadFailed(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			fs := newFileServer(t)
			ts, log, st := upWatched(t, "CP-FWFAIL-"+v, v, nil)
			// 1.6: one retry a second later; 2.0.1: two retries at once.
			retries, interval := 1, 1
			if v == ocpptest.V201 {
				retries, interval = 2, 0
			}
			now := time.Now().UTC()
			start := time.Now()
			if v == ocpptest.V16 {
				var res v16.UpdateFirmwareResponse
				mustCall(t, ts, st.ID(), "UpdateFirmware", &v16.UpdateFirmwareRequest{Location: fs.URL + "/missing.bin",
					RetrieveDate: now, Retries: &retries, RetryInterval: &interval}, &res)
			} else if got := signedUpdate(t, ts, st, 3, v201.Firmware{Location: fs.URL + "/missing.bin", RetrieveDateTime: now}, &retries, &interval); got != "Accepted" {
				t.Fatalf("UpdateFirmware = %s, want Accepted", got)
			}
			waitNotified(t, log, "FirmwareStatusNotification", -1, "Downloading", "DownloadFailed")
			if d := time.Since(start); d < time.Duration(retries*interval)*time.Second {
				t.Errorf("DownloadFailed after %v, before the %d s between attempts", d, interval)
			}
			if n := fs.count(http.MethodGet, "/missing.bin"); n != 1+retries {
				t.Errorf("the missing file was fetched %d times, want %d (1 + retries)", n, 1+retries)
			}
			if fw := st.Firmware(); fw.Version != "ocpptest" || fw.LastSHA256 != "" {
				t.Errorf("Firmware() after a failed download = %+v, want the version and no file unchanged", fw)
			}
		})
	}
}

// TestSignedFirmware: a signed update (1.6 SignedUpdateFirmware, 2.0.1 UpdateFirmware) is
// verified after the download: a signature of other data is InvalidSignature and nothing is
// installed; the right one (ECDSA P-256, and RSA in 2.0.1) is SignatureVerified and the file
// installed. A certificate that is not one is answered InvalidCertificate.
func TestSignedFirmware(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			fs := newFileServer(t)
			ts, log, st := upWatched(t, "CP-FWSIG-"+v, v, nil)
			action := firmwareAction(v)
			signer := newSigner(t, false)
			fw := v201.Firmware{Location: fs.URL + "/fw.bin", RetrieveDateTime: time.Now().UTC(), SigningCertificate: signer.cert}

			if got := signedUpdate(t, ts, st, 1, v201.Firmware{Location: fw.Location, RetrieveDateTime: fw.RetrieveDateTime,
				SigningCertificate: "not a certificate", Signature: signer.sign(t, fs.firmware)}, nil, nil); got != "InvalidCertificate" {
				t.Errorf("update with a broken certificate = %s, want InvalidCertificate", got)
			}

			fw.Signature = signer.sign(t, []byte("another file"))
			if got := signedUpdate(t, ts, st, 2, fw, nil, nil); got != "Accepted" {
				t.Fatalf("update with a wrong signature = %s, want Accepted", got)
			}
			waitNotified(t, log, action, 2, "Downloading", "Downloaded", "InvalidSignature")
			if got := st.Firmware(); got.Version != "ocpptest" || got.LastSHA256 != fs.sum() {
				t.Errorf("Firmware() after an invalid signature = %+v, want version ocpptest and the file's sha256 %s", got, fs.sum())
			}

			fw.Signature = signer.sign(t, fs.firmware)
			if got := signedUpdate(t, ts, st, 3, fw, nil, nil); got != "Accepted" {
				t.Fatalf("update with the right signature = %s, want Accepted", got)
			}
			want := []string{"Downloading", "Downloaded", "SignatureVerified", "Installing", "Installed"}
			waitNotified(t, log, action, 3, want...)
			if got := st.Firmware().Version; got != "sim-"+fs.sum()[:8] {
				t.Errorf("version after a verified update = %q, want sim-%s", got, fs.sum()[:8])
			}
			if len(notified(t, log, action, 1)) != 0 {
				t.Errorf("the update with a broken certificate reported %v, want nothing", notified(t, log, action, 1))
			}
			if v == ocpptest.V201 {
				rsaSigner := newSigner(t, true)
				fw.SigningCertificate, fw.Signature = rsaSigner.cert, rsaSigner.sign(t, fs.firmware)
				if got := signedUpdate(t, ts, st, 4, fw, nil, nil); got != "Accepted" {
					t.Fatalf("RSA-signed update = %s, want Accepted", got)
				}
				waitNotified(t, log, action, 4, want...)
			}
		})
	}
}

// TestFirmwareFollowsTheStationClock: the retrieve and install times are read on
// Config.Clock: nothing is fetched before the retrieve time however much real time goes by
// (the clock stands still), and all happens once that clock passes it. 1.6 UpdateFirmware then
// downloads and installs at once; a signed update (and 2.0.1) reports DownloadScheduled, then
// InstallScheduled after the download, and installs once the clock passes the install time.
func TestFirmwareFollowsTheStationClock(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			fs := newFileServer(t)
			clock := ladda.NewManualClock(time.Now())
			ts, log, st := upWatched(t, "CP-FWCLK-"+v, v, func(c *ocpptest.Config) { c.Clock = clock })
			downloads := 0
			if v == ocpptest.V16 {
				var res v16.UpdateFirmwareResponse
				mustCall(t, ts, st.ID(), "UpdateFirmware", &v16.UpdateFirmwareRequest{Location: fs.URL + "/fw.bin", RetrieveDate: clock.Now().Add(time.Hour)}, &res)
				time.Sleep(200 * time.Millisecond)
				if n, sent := fs.count(http.MethodGet, "/fw.bin"), log.sent("FirmwareStatusNotification"); n != 0 || len(sent) != 0 {
					t.Fatalf("UpdateFirmware before the retrieve date: %d downloads, %d statuses; want none", n, len(sent))
				}
				clock.Advance(time.Hour + time.Minute)
				waitNotified(t, log, "FirmwareStatusNotification", -1, "Downloading", "Downloaded", "Installing", "Installed")
				downloads = 1
			}

			action := firmwareAction(v)
			retrieve, install := clock.Now().Add(time.Hour), clock.Now().Add(2*time.Hour)
			if got := signedUpdate(t, ts, st, 9, v201.Firmware{Location: fs.URL + "/fw.bin", RetrieveDateTime: retrieve, InstallDateTime: &install}, nil, nil); got != "Accepted" {
				t.Fatalf("update = %s, want Accepted", got)
			}
			waitNotified(t, log, action, 9, "DownloadScheduled")
			time.Sleep(200 * time.Millisecond)
			if n, got := fs.count(http.MethodGet, "/fw.bin"), notified(t, log, action, 9); n != downloads || !slices.Equal(got, []string{"DownloadScheduled"}) {
				t.Fatalf("before the retrieve time: %d downloads, statuses %v; want %d and only DownloadScheduled", n, got, downloads)
			}
			clock.Advance(time.Hour + time.Minute)
			want := []string{"DownloadScheduled", "Downloading", "Downloaded", "InstallScheduled"}
			waitNotified(t, log, action, 9, want...)
			clock.Advance(time.Hour)
			waitNotified(t, log, action, 9, append(want, "Installing", "Installed")...)
		})
	}
}

// TestFirmwareAndLogsRefused: a refusing station answers the signed (and 2.0.1) update
// Rejected, and GetLog Rejected without a file name; 1.6 UpdateFirmware and GetDiagnostics,
// which have no status, are answered (GetDiagnostics without a fileName) but never started.
// Nothing is fetched, uploaded or reported.
func TestFirmwareAndLogsRefused(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			fs := newFileServer(t)
			hook := func(context.Context, string, json.RawMessage) ocpptest.Answer { return ocpptest.Answer{Refuse: true} }
			ts, log, st := upWatched(t, "CP-REFUSE-"+v, v, func(c *ocpptest.Config) { c.Hook = hook })
			now := time.Now().UTC()
			if got := signedUpdate(t, ts, st, 1, v201.Firmware{Location: fs.URL + "/fw.bin", RetrieveDateTime: now}, nil, nil); got != "Rejected" {
				t.Errorf("refused update = %s, want Rejected", got)
			}
			if status, name := getLog(t, ts, st, 1, "DiagnosticsLog", fs.URL+"/upload", nil, nil); status != "Rejected" || name != "" {
				t.Errorf("refused GetLog = %s %q, want Rejected and no file name", status, name)
			}
			if v == ocpptest.V16 {
				var res v16.UpdateFirmwareResponse
				mustCall(t, ts, st.ID(), "UpdateFirmware", &v16.UpdateFirmwareRequest{Location: fs.URL + "/fw.bin", RetrieveDate: now}, &res)
				var diag v16.GetDiagnosticsResponse
				mustCall(t, ts, st.ID(), "GetDiagnostics", &v16.GetDiagnosticsRequest{Location: fs.URL + "/upload"}, &diag)
				if diag.FileName != "" {
					t.Errorf("refused GetDiagnostics answered fileName %q, want none", diag.FileName)
				}
			}
			time.Sleep(200 * time.Millisecond) // the station would have started in answerGap
			if n, m := fs.count(http.MethodGet, "/fw.bin"), fs.count(http.MethodPost, "/upload"); n != 0 || m != 0 {
				t.Errorf("a refusing station fetched the firmware %d times and uploaded %d times", n, m)
			}
			for _, action := range []string{"FirmwareStatusNotification", "SignedFirmwareStatusNotification", "LogStatusNotification", "DiagnosticsStatusNotification"} {
				if got := log.sent(action); len(got) != 0 {
					t.Errorf("a refusing station sent %d %s", len(got), action)
				}
			}
			if fw := st.Firmware(); fw.Version != "ocpptest" || len(fw.Statuses) != 0 {
				t.Errorf("Firmware() = %+v, want unchanged", fw)
			}
			if up := st.Uploads(); len(up) != 0 {
				t.Errorf("Uploads() = %+v, want none", up)
			}
		})
	}
}

// TestFirmwareReplaced: an update while another waits for its retrieve time cancels it: 2.0.1
// answers AcceptedCanceled, 1.6 Accepted; the old one reports nothing more, the new one runs.
func TestFirmwareReplaced(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			fs := newFileServer(t)
			ts, log, st := upWatched(t, "CP-FWNEW-"+v, v, nil)
			action := firmwareAction(v)
			later := time.Now().Add(time.Hour).UTC()
			if got := signedUpdate(t, ts, st, 1, v201.Firmware{Location: fs.URL + "/fw.bin", RetrieveDateTime: later}, nil, nil); got != "Accepted" {
				t.Fatalf("first update = %s, want Accepted", got)
			}
			waitNotified(t, log, action, 1, "DownloadScheduled")
			want := "AcceptedCanceled"
			if v == ocpptest.V16 {
				want = "Accepted"
			}
			if got := signedUpdate(t, ts, st, 2, v201.Firmware{Location: fs.URL + "/fw.bin", RetrieveDateTime: time.Now().UTC()}, nil, nil); got != want {
				t.Errorf("second update while the first is scheduled = %s, want %s", got, want)
			}
			waitNotified(t, log, action, 2, "Downloading", "Downloaded", "Installing", "Installed")
			if got := notified(t, log, action, 1); !slices.Equal(got, []string{"DownloadScheduled"}) {
				t.Errorf("statuses of the cancelled update = %v, want only DownloadScheduled", got)
			}
			if n := fs.count(http.MethodGet, "/fw.bin"); n != 1 {
				t.Errorf("firmware fetched %d times, want once", n)
			}
		})
	}
}

// TestUpdateFirmwareHTTPS: an https location is fetched trusting the RootCAs of
// Config.TLSConfig; a server whose certificate they do not hold is not trusted and the
// download fails.
func TestUpdateFirmwareHTTPS(t *testing.T) {
	t.Parallel()
	firmware := []byte("firmware over https")
	serve := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(firmware) })
	trusted := httptest.NewTLSServer(serve) // with httptest's own certificate
	untrusted := httptest.NewUnstartedServer(serve)
	untrusted.TLS = &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}}
	untrusted.Config.ErrorLog = stdlog.New(io.Discard, "", 0) // the refused handshake is expected
	untrusted.StartTLS()
	t.Cleanup(trusted.Close)
	t.Cleanup(untrusted.Close)
	roots := x509.NewCertPool()
	roots.AddCert(trusted.Certificate())
	ts, log, st := upWatched(t, "CP-FWTLS", ocpptest.V201, func(c *ocpptest.Config) {
		c.TLSConfig = &tls.Config{RootCAs: roots} // the CSMS is at ws://: only downloads use it
	})
	if got := signedUpdate(t, ts, st, 1, v201.Firmware{Location: untrusted.URL + "/fw.bin", RetrieveDateTime: time.Now().UTC()}, nil, nil); got != "Accepted" {
		t.Fatalf("UpdateFirmware = %s, want Accepted", got)
	}
	waitNotified(t, log, "FirmwareStatusNotification", 1, "Downloading", "DownloadFailed")
	if got := signedUpdate(t, ts, st, 2, v201.Firmware{Location: trusted.URL + "/fw.bin", RetrieveDateTime: time.Now().UTC()}, nil, nil); got != "Accepted" {
		t.Fatalf("UpdateFirmware = %s, want Accepted", got)
	}
	waitNotified(t, log, "FirmwareStatusNotification", 2, "Downloading", "Downloaded", "Installing", "Installed")
	if sum := sha256.Sum256(firmware); st.Firmware().LastSHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("LastSHA256 = %s, want %x", st.Firmware().LastSHA256, sum)
	}
}

// selfSigned returns a fresh self-signed certificate for 127.0.0.1 that nothing trusts.
func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
