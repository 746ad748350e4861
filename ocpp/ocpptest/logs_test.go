package ocpptest_test

import (
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda/ocpp/ocpptest"
	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
)

// getLog sends a GetLog (1.6 security extension or 2.0.1) and returns the answered status and
// file name.
func getLog(t *testing.T, ts *testServer, st *ocpptest.Station, requestID int, logType, location string, retries, retryInterval *int) (string, string) {
	t.Helper()
	if st.Version() == ocpptest.V16 {
		var res v16.GetLogResponse
		mustCall(t, ts, st.ID(), "GetLog", &v16.GetLogRequest{LogType: v16.Log(logType), RequestID: requestID,
			Retries: retries, RetryInterval: retryInterval, Log: v16.LogParameters{RemoteLocation: location}}, &res)
		return string(res.Status), res.Filename
	}
	var res v201.GetLogResponse
	mustCall(t, ts, st.ID(), "GetLog", &v201.GetLogRequest{LogType: v201.Log(logType), RequestID: requestID,
		Retries: retries, RetryInterval: retryInterval, Log: v201.LogParameters{RemoteLocation: location}}, &res)
	return string(res.Status), res.Filename
}

// checkReceived checks that the file server got n files, the last named name in the part
// ocpptest.UploadFormField ("file") of a multipart/form-data POST, mentioning the station and
// each of words.
func checkReceived(t *testing.T, fs *fileServer, st *ocpptest.Station, n int, name string, words ...string) {
	t.Helper()
	files := fs.received()
	if len(files) != n {
		t.Fatalf("the server received %d files, want %d", len(files), n)
	}
	f := files[n-1]
	if mt, _, err := mime.ParseMediaType(f.contentType); err != nil || mt != "multipart/form-data" {
		t.Errorf("upload content type %q, want multipart/form-data", f.contentType)
	}
	if f.field != ocpptest.UploadFormField || f.name != name {
		t.Errorf("received part %q file %q, want part file, file %q", f.field, f.name, name)
	}
	for _, w := range append([]string{st.ID()}, words...) {
		if !strings.Contains(f.content, w) {
			t.Errorf("the uploaded file does not mention %q:\n%s", w, f.content)
		}
	}
	if up := st.Uploads(); len(up) == 0 || up[len(up)-1].Bytes != len(f.content) || up[len(up)-1].FileName != name {
		t.Errorf("Uploads() = %+v, want the last of %d bytes named %s", up, len(f.content), name)
	}
}

// TestLogUpload: 1.6 GetDiagnostics is answered with the file name; the station uploads a
// diagnostics file of the window asked for to the location and reports Uploading then Uploaded
// (a triggered DiagnosticsStatusNotification then reports Idle). GetLog (1.6 security
// extension and 2.0.1) is answered Accepted with the file name, and its upload reported with
// the requestId.
func TestLogUpload(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			fs := newFileServer(t)
			ts, log, st := upWatched(t, "CP-LOG-"+v, v, nil)
			id := regexp.QuoteMeta(st.ID())
			if v == ocpptest.V16 {
				start, stop := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC), time.Date(2025, 3, 2, 8, 0, 0, 0, time.UTC)
				var res v16.GetDiagnosticsResponse
				mustCall(t, ts, st.ID(), "GetDiagnostics", &v16.GetDiagnosticsRequest{Location: fs.URL + "/upload", StartTime: &start, StopTime: &stop}, &res)
				if !regexp.MustCompile(`^` + id + `-diagnostics-\d+\.log$`).MatchString(res.FileName) {
					t.Fatalf("fileName = %q, want %s-diagnostics-<unix>.log", res.FileName, st.ID())
				}
				waitNotified(t, log, "DiagnosticsStatusNotification", -1, "Uploading", "Uploaded")
				checkReceived(t, fs, st, 1, res.FileName, "2025-03-01T08:00:00Z", "2025-03-02T08:00:00Z")
				up := st.Uploads()
				if len(up) != 1 || up[0].Location != fs.URL+"/upload" || up[0].Status != "Uploaded" || up[0].LogType != "" || up[0].RequestID != 0 {
					t.Errorf("Uploads() = %+v, want one Uploaded to %s", up, fs.URL+"/upload")
				}
				var trig v16.TriggerMessageResponse
				mustCall(t, ts, st.ID(), "TriggerMessage", &v16.TriggerMessageRequest{RequestedMessage: v16.MessageTriggerDiagnosticsStatusNotification}, &trig)
				waitNotified(t, log, "DiagnosticsStatusNotification", -1, "Uploading", "Uploaded", "Idle")
			}

			status, name := getLog(t, ts, st, 5, "SecurityLog", fs.URL+"/upload", nil, nil)
			if status != "Accepted" || !regexp.MustCompile(`^`+id+`-security-\d+\.log$`).MatchString(name) {
				t.Fatalf("GetLog = %s %q, want Accepted and %s-security-<unix>.log", status, name, st.ID())
			}
			waitNotified(t, log, "LogStatusNotification", 5, "Uploading", "Uploaded")
			checkReceived(t, fs, st, len(st.Uploads()), name, "SecurityLog")
			up := st.Uploads()
			if last := up[len(up)-1]; last.Status != "Uploaded" || last.LogType != "SecurityLog" || last.RequestID != 5 || last.Location != fs.URL+"/upload" {
				t.Errorf("Uploads() = %+v, want the last a SecurityLog of request 5 Uploaded", up)
			}
		})
	}
}

// TestLogUploadFailed: a receiver that answers 500 gets 1+retries attempts, then the upload is
// reported failed (GetDiagnostics UploadFailed, GetLog UploadFailure).
func TestLogUploadFailed(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			fs := newFileServer(t)
			ts, log, st := upWatched(t, "CP-LOGFAIL-"+v, v, nil)
			retries, interval := 1, 0
			if v == ocpptest.V16 {
				var res v16.GetDiagnosticsResponse
				mustCall(t, ts, st.ID(), "GetDiagnostics", &v16.GetDiagnosticsRequest{Location: fs.URL + "/fail", Retries: &retries, RetryInterval: &interval}, &res)
				waitNotified(t, log, "DiagnosticsStatusNotification", -1, "Uploading", "UploadFailed")
				if n := fs.count(http.MethodPost, "/fail"); n != 2 {
					t.Errorf("the receiver got %d attempts, want 2", n)
				}
			}
			if status, _ := getLog(t, ts, st, 8, "DiagnosticsLog", fs.URL+"/fail", &retries, &interval); status != "Accepted" {
				t.Fatalf("GetLog = %s, want Accepted", status)
			}
			waitNotified(t, log, "LogStatusNotification", 8, "Uploading", "UploadFailure")
			if up := st.Uploads(); up[len(up)-1].Status != "UploadFailure" {
				t.Errorf("Uploads() = %+v, want the last UploadFailure", up)
			}
		})
	}
}

// TestGetLogCanceled: a GetLog while an upload runs is answered AcceptedCanceled and cancels
// it (2.0.1 reports the old one AcceptedCanceled); a triggered LogStatusNotification meanwhile
// reports the running upload.
func TestGetLogCanceled(t *testing.T) {
	t.Parallel()
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			fs := newFileServer(t)
			ts, log, st := upWatched(t, "CP-LOGNEW-"+v, v, nil)
			if status, _ := getLog(t, ts, st, 1, "DiagnosticsLog", fs.URL+"/slow", nil, nil); status != "Accepted" {
				t.Fatalf("first GetLog = %s, want Accepted", status)
			}
			eventually(t, "the slow upload arrives", func() bool { return fs.count(http.MethodPost, "/slow") == 1 })
			first := []string{"Uploading"}
			if v == ocpptest.V201 {
				var res v201.TriggerMessageResponse
				mustCall(t, ts, st.ID(), "TriggerMessage", &v201.TriggerMessageRequest{RequestedMessage: v201.MessageTriggerLogStatusNotification}, &res)
				first = append(first, "Uploading")
				waitNotified(t, log, "LogStatusNotification", 1, first...)
			}
			status, name := getLog(t, ts, st, 2, "DiagnosticsLog", fs.URL+"/upload", nil, nil)
			if status != "AcceptedCanceled" {
				t.Errorf("GetLog during an upload = %s, want AcceptedCanceled", status)
			}
			waitNotified(t, log, "LogStatusNotification", 2, "Uploading", "Uploaded")
			if v == ocpptest.V201 {
				first = append(first, "AcceptedCanceled")
			}
			if got := notified(t, log, "LogStatusNotification", 1); !slices.Equal(got, first) {
				t.Errorf("statuses of the cancelled upload = %v, want %v", got, first)
			}
			checkReceived(t, fs, st, 1, name, "DiagnosticsLog")
			if up := st.Uploads(); len(up) != 2 || up[0].Status != "AcceptedCanceled" || up[1].Status != "Uploaded" {
				t.Errorf("Uploads() = %+v, want the first AcceptedCanceled, the second Uploaded", up)
			}
		})
	}
}
