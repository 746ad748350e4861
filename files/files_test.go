package files

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
)

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// newStore opens a store of files up to 1 KiB in a temporary directory, served on loopback.
func newStore(t *testing.T) (*Store, *ladda.ManualClock, string) {
	t.Helper()
	clock := ladda.NewManualClock(t0)
	s, err := Open(t.TempDir(), []byte("0123456789abcdef-test-key"), 1024, clock)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(Path, s.Handler(nil))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return s, clock, srv.URL
}

func do(t *testing.T, method, url, contentType string, body io.Reader) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestFirmware(t *testing.T) {
	t.Parallel()
	s, clock, base := newStore(t)
	image := bytes.Repeat([]byte("fw"), 300)
	f, err := s.PutFirmware("acme-1.2.3.bin", bytes.NewReader(image))
	sum := sha256.Sum256(image)
	if err != nil || f.Size != 600 || f.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("PutFirmware = %+v, %v", f, err)
	}
	for _, bad := range []string{"", ".hidden", "../x", "a/b", "x.sha256", "x.tmp", strings.Repeat("a", 129), "ä.bin"} {
		if _, err := s.PutFirmware(bad, strings.NewReader("x")); !ladda.IsKind(err, ladda.Invalid) {
			t.Errorf("PutFirmware(%q) = %v, want Invalid", bad, err)
		}
	}
	if _, err := s.PutFirmware("big.bin", bytes.NewReader(make([]byte, 1025))); !ladda.IsKind(err, ladda.Invalid) {
		t.Errorf("a file over the limit: %v, want Invalid", err)
	}
	if list, err := s.Firmware(); err != nil || len(list) != 1 || list[0].Name != "acme-1.2.3.bin" || list[0].SHA256 != f.SHA256 {
		t.Errorf("Firmware() = %+v, %v; want only acme-1.2.3.bin with its digest", list, err)
	}

	url := s.FirmwareURL(base+"/", "acme-1.2.3.bin", time.Hour)
	if status, body := do(t, http.MethodGet, url, "", nil); status != 200 || body != string(image) {
		t.Errorf("download: %d, %d bytes", status, len(body))
	}
	if status, _ := do(t, http.MethodGet, strings.Replace(url, "acme-1.2.3.bin", "other.bin", 1), "", nil); status != 403 {
		t.Errorf("the link bent to another file: %d, want 403", status)
	}
	cut := len(url) - len("/acme-1.2.3.bin") - 1
	flip := map[byte]string{'A': "B"}[url[cut]]
	if flip == "" {
		flip = "A"
	}
	tampered := url[:cut] + flip + "/acme-1.2.3.bin"
	if status, _ := do(t, http.MethodGet, tampered, "", nil); status != 403 {
		t.Errorf("a tampered signature: %d, want 403", status)
	}
	clock.Advance(time.Hour + time.Second)
	if status, body := do(t, http.MethodGet, url, "", nil); status != 403 || !strings.Contains(body, "expired") {
		t.Errorf("an expired link: %d %s, want 403", status, body)
	}
	gone := s.FirmwareURL(base, "acme-1.2.3.bin", time.Hour)
	if err := s.DeleteFirmware("acme-1.2.3.bin"); err != nil {
		t.Fatal(err)
	}
	if status, _ := do(t, http.MethodGet, gone, "", nil); status != 404 {
		t.Errorf("a deleted file: %d, want 404", status)
	}
	if err := s.DeleteFirmware("acme-1.2.3.bin"); !ladda.IsKind(err, ladda.NotFound) {
		t.Errorf("deleting it again: %v, want NotFound", err)
	}
}

// multipartBody is a form with a text field and a file part.
func multipartBody(t *testing.T, name, content string) (string, *bytes.Buffer) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	_ = w.WriteField("note", "first a field")
	p, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	p.Write([]byte(content))
	w.Close()
	return w.FormDataContentType(), &b
}

func TestUploads(t *testing.T) {
	t.Parallel()
	s, clock, base := newStore(t)
	diag := s.UploadURL(base, "CS/1 a", "41", time.Hour)

	ct, body := multipartBody(t, "diag.log", "line 1\nline 2\n")
	if status, res := do(t, http.MethodPost, diag, ct, body); status != 201 || !strings.Contains(res, "41-diag.log") {
		t.Fatalf("multipart upload: %d %s", status, res)
	}
	if status, res := do(t, http.MethodPut, diag+"again.log", "text/plain", strings.NewReader("again")); status != 409 {
		t.Errorf("a second upload on one link: %d %s, want 409", status, res)
	}
	clock.Advance(time.Minute)
	sec := s.UploadURL(base, "CS/1 a", "42", time.Hour)
	if status, res := do(t, http.MethodPut, sec+"security.log", "text/plain", strings.NewReader("security")); status != 201 {
		t.Fatalf("PUT upload: %d %s", status, res)
	}
	list, err := s.Uploads("CS/1 a")
	if err != nil || len(list) != 2 || list[0].Name != "42-security.log" || list[1].Name != "41-diag.log" {
		t.Fatalf("Uploads = %+v, %v; want security.log newest and diag.log oldest, no markers", list, err)
	}
	f, info, err := s.OpenUpload("CS/1 a", "41-diag.log")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if string(got) != "line 1\nline 2\n" || info.Size != 14 {
		t.Errorf("the stored diagnostics: %q (%d bytes)", got, info.Size)
	}
	for _, bad := range []string{"../x", "..", "x/../../y", "42-security.log.tmp", "nope", ".slot-41"} {
		if _, _, err := s.OpenUpload("CS/1 a", bad); !ladda.IsKind(err, ladda.NotFound) {
			t.Errorf("OpenUpload(%q) = %v, want NotFound", bad, err)
		}
	}

	// Another station's link does not open this station's directory, nor another slot.
	other := s.UploadURL(base, "CS-2", "43", time.Hour)
	if status, _ := do(t, http.MethodPut, strings.Replace(other, "/CS-2/", "/CS%2F1%20a/", 1), "", strings.NewReader("x")); status != 403 {
		t.Errorf("another station's link: %d, want 403", status)
	}
	if status, _ := do(t, http.MethodPut, strings.Replace(other, "/43/", "/44/", 1), "", strings.NewReader("x")); status != 403 {
		t.Errorf("a link bent to another slot: %d, want 403", status)
	}
	big := s.UploadURL(base, "CS/1 a", "50", time.Hour)
	if status, _ := do(t, http.MethodPut, big, "", bytes.NewReader(make([]byte, 1025))); status != 413 {
		t.Errorf("an upload over the limit: %d, want 413", status)
	}
	ct, body = multipartBody(t, "huge.log", strings.Repeat("x", 2048))
	if status, _ := do(t, http.MethodPost, big, ct, body); status != 413 {
		t.Errorf("a multipart upload over the limit (the link is free again after a failure): %d, want 413", status)
	}
	if status, _ := do(t, http.MethodPost, big, "multipart/form-data; boundary=zz", strings.NewReader("--zz--\r\n")); status != 400 {
		t.Errorf("a multipart body without a file: %d, want 400", status)
	}
	clock.Advance(2 * time.Hour)
	if status, _ := do(t, http.MethodPut, big, "", strings.NewReader("late")); status != 403 {
		t.Errorf("an expired link: %d, want 403", status)
	}
	if list, _ := s.Uploads("CS/1 a"); len(list) != 2 {
		t.Errorf("refused uploads were kept: %+v", list)
	}
	if list, err := s.Uploads("NOBODY"); err != nil || len(list) != 0 {
		t.Errorf("a station without uploads: %+v, %v", list, err)
	}
	if _, err := s.PutUpload("CS-3", "../x", "a.log", strings.NewReader("x")); !ladda.IsKind(err, ladda.Invalid) {
		t.Errorf("a bad slot: %v, want Invalid", err)
	}
}

func TestUploadName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"diag.log":               "diag.log",
		"../../etc/passwd":       "passwd",
		`C:\logs\station.log`:    "station.log",
		"..":                     "upload",
		"":                       "upload",
		".hidden":                "hidden",
		"sec urity (1).tar.gz":   "sec_urity__1_.tar.gz",
		strings.Repeat("x", 300): strings.Repeat("x", 100),
	} {
		if got := uploadName(in); got != want {
			t.Errorf("uploadName(%q) = %q, want %q", in, got, want)
		}
	}
}
