package ocpptest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"time"

	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
)

// UploadFormField is the name of the multipart/form-data part that carries the log file of an
// upload (the part's file name is Upload.FileName).
const UploadFormField = "file"

// Upload is a log file the station uploads, or uploaded, for the CSMS: 1.6 GetDiagnostics,
// or GetLog of the 1.6 security extension and 2.0.1.
type Upload struct {
	Location  string // where it goes: GetDiagnostics' location, GetLog's remoteLocation
	FileName  string // the file's name, as answered (fileName, filename) and sent
	LogType   string // GetLog's logType, DiagnosticsLog or SecurityLog; "" for GetDiagnostics
	RequestID int    // GetLog's requestId; 0 for GetDiagnostics
	// Status is the last status reported: "" until the upload starts, Uploading, then
	// Uploaded or the failure (GetDiagnostics UploadFailed, GetLog UploadFailure). It is
	// AcceptedCanceled when a newer request cancelled the upload (a status the station
	// reports only in 2.0.1, the one version with it in LogStatusNotification).
	Status string
	Bytes  int // the file's size
}

// Uploads returns the log uploads the station was asked for, in order.
func (s *Station) Uploads() []Upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Upload, 0, len(s.uploads))
	for _, u := range s.uploads {
		out = append(out, *u)
	}
	return out
}

// logRequest is a GetDiagnostics or GetLog in version-neutral words.
type logRequest struct {
	getLog         bool   // GetLog (LogStatusNotification); else 1.6 GetDiagnostics
	logType        string // GetLog's
	requestID      int    // GetLog's
	location       string
	oldest, latest *time.Time // the window asked for; nil: open
	retries        int
	retryInterval  time.Duration
}

// uploadLog answers a GetDiagnostics or GetLog (1.6, 1.6 security extension, 2.0.1 N01) with a
// status and the file's name:
//   - Rejected and no name when refused (1.6 GetDiagnostics, which has no status, answers
//     without a fileName) or for a GetLog of a logType the station does not know;
//   - else Accepted, or for a GetLog AcceptedCanceled when another upload was running, which
//     is cancelled; and "<station id>-diagnostics-<unix time>.log" (for a SecurityLog
//     "<station id>-security-<unix time>.log"), by the station's clock.
//
// The upload then runs in the background (see runUpload).
func (s *Station) uploadLog(r logRequest, refuse bool) (status, fileName string) {
	if refuse || (r.getLog && r.logType != string(v201.LogDiagnosticsLog) && r.logType != string(v201.LogSecurityLog)) {
		return "Rejected", ""
	}
	now := s.clock.Now()
	kind := "diagnostics"
	if r.logType == string(v201.LogSecurityLog) {
		kind = "security"
	}
	fileName = fmt.Sprintf("%s-%s-%d.log", s.cfg.ID, kind, now.Unix())
	content := s.logFile(r, now)
	up := &Upload{Location: r.location, FileName: fileName, LogType: r.logType, Bytes: len(content)}
	action := "GetDiagnostics"
	var requestID *int
	if r.getLog {
		action = "GetLog"
		id := r.requestID
		requestID, up.RequestID = &id, id
	}
	s.mu.Lock()
	s.uploads = append(s.uploads, up)
	s.mu.Unlock()
	s.log.Debug("log upload accepted", "location", r.location, "file", fileName, "request", requestID)
	replaced := s.startJob(&s.logJob, action, requestID, func(j *job) { s.runUpload(j, r, up, content) })
	if replaced && r.getLog {
		return "AcceptedCanceled", fileName
	}
	return "Accepted", fileName
}

// runUpload does an accepted upload, reporting it: Uploading, then the HTTP POST of the file
// (up to 1+retries attempts, retryInterval apart), then Uploaded, or the failure when no
// attempt got a 2xx answer. A newer request stops it; in 2.0.1 the station then reports it
// AcceptedCanceled.
func (s *Station) runUpload(j *job, r logRequest, up *Upload, content []byte) {
	failed := "UploadFailure"
	if !r.getLog {
		failed = "UploadFailed"
	}
	if j.ctx.Err() == nil {
		s.uploadStatus(j, r, up, "Uploading")
		err := s.retrying(j.ctx, r.retries, r.retryInterval, func(ctx context.Context) error {
			return s.upload(ctx, r.location, up.FileName, content)
		})
		switch {
		case j.ctx.Err() != nil:
		case err != nil:
			s.log.Debug("log upload failed", "location", r.location, "err", err)
			s.uploadStatus(j, r, up, failed)
			return
		default:
			s.uploadStatus(j, r, up, "Uploaded")
			return
		}
	}
	s.mu.Lock()
	replaced := j.replaced
	if replaced {
		up.Status = string(v201.UploadLogStatusAcceptedCanceled)
	}
	s.mu.Unlock()
	if replaced && r.getLog && s.cfg.Version == V201 {
		s.uploadStatus(j, r, up, string(v201.UploadLogStatusAcceptedCanceled))
	}
}

// uploadStatus records status and sends it: DiagnosticsStatusNotification for a
// GetDiagnostics, LogStatusNotification with the requestId for a GetLog.
func (s *Station) uploadStatus(j *job, r logRequest, up *Upload, status string) {
	s.mu.Lock()
	up.Status, j.status = status, status
	j.over = status != "Uploading"
	s.mu.Unlock()
	id := r.requestID
	var err error
	switch {
	case !r.getLog:
		err = s.call(s.bg, "DiagnosticsStatusNotification", &v16.DiagnosticsStatusNotificationRequest{Status: v16.DiagnosticsStatus(status)}, nil)
	case s.cfg.Version == V16:
		err = s.call(s.bg, "LogStatusNotification", &v16.LogStatusNotificationRequest{Status: v16.UploadLogStatus(status), RequestID: &id}, nil)
	default:
		err = s.call(s.bg, "LogStatusNotification", &v201.LogStatusNotificationRequest{Status: v201.UploadLogStatus(status), RequestID: &id}, nil)
	}
	if err != nil {
		s.log.Debug("log status notification failed", "status", status, "err", err)
	}
}

// logNow returns what a triggered DiagnosticsStatusNotification (action GetDiagnostics) or
// LogStatusNotification (GetLog) reports: the last status of such an upload running and its
// requestId, or Idle when none runs.
func (s *Station) logNow(action string) (string, *int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if j := s.logJob; j.running() && j.action == action && j.status != "" {
		return j.status, j.requestID
	}
	return "Idle", nil
}

// logFile is the log the station uploads: a few lines about the station and the window asked
// for.
func (s *Station) logFile(r logRequest, now time.Time) []byte {
	s.mu.Lock()
	firmware, boots, registration := s.firmware.Version, s.boots, s.registration
	s.mu.Unlock()
	kind := "diagnostics"
	if r.getLog {
		kind = r.logType
	}
	window := func(t *time.Time, open string) string {
		if t == nil {
			return open
		}
		return t.UTC().Format(time.RFC3339)
	}
	ts := now.UTC().Format(time.RFC3339)
	var b strings.Builder
	fmt.Fprintf(&b, "%s station %s: %s log of the Ladda simulated charging station\n", ts, s.cfg.ID, kind)
	fmt.Fprintf(&b, "%s station %s: window %s to %s\n", ts, s.cfg.ID, window(r.oldest, "the beginning"), window(r.latest, "now"))
	fmt.Fprintf(&b, "%s station %s: OCPP %s, vendor %s, model %s, firmware %s, %d connectors\n",
		ts, s.cfg.ID, s.cfg.Version, s.cfg.Vendor, s.cfg.Model, firmware, s.cfg.Connectors)
	fmt.Fprintf(&b, "%s station %s: registration %q after %d accepted boots\n", ts, s.cfg.ID, registration, boots)
	return []byte(b.String())
}

// upload POSTs a log file to location as multipart/form-data, the file in the part
// UploadFormField under its name.
func (s *Station) upload(ctx context.Context, location, fileName string, content []byte) error {
	if err := checkLocation(location); err != nil {
		return err
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, err := w.CreateFormFile(UploadFormField, fileName)
	if err != nil {
		return err
	}
	if _, err := part.Write(content); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, location, &body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	res, err := s.httpClient().Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = res.Body.Close() }()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	return statusOK(res)
}
