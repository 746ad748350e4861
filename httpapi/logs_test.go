package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda/ocpp/ocpptest"
	"github.com/ladda-csms/ladda/station"
)

// TestLogs: a station asked for its diagnostics or security log uploads it to Ladda through a
// signed link; the file is listed and can be downloaded.
func TestLogs(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	for _, tc := range []struct {
		name, version, kind, sent string
	}{
		{"1.6 diagnostics", ocpptest.V16, "Diagnostics", "GetLog"},
		{"1.6 security", ocpptest.V16, "Security", "GetLog"},
		{"2.0.1 diagnostics", ocpptest.V201, "Diagnostics", "GetLog"},
		{"2.0.1 security", ocpptest.V201, "Security", "GetLog"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := "LOG-" + strings.NewReplacer(".", "", " ", "-").Replace(tc.name)
			st := e.mustSimulated(t, id, tc.version, nil)
			from := time.Date(2025, 2, 28, 0, 0, 0, 0, time.UTC)
			c := e.call(t, http.MethodPost, "/api/v1/stations/"+id+"/logs", map[string]any{"kind": tc.kind, "from": from}).mustCommand(t)
			checkOutcome(t, c, outcome{status: "Accepted"})
			if c.Action != tc.sent || c.Answer.FileName == "" {
				t.Errorf("logged %s answered %+v, want %s with the station's file name", c.Action, c.Answer, tc.sent)
			}
			var sent station.GetLog
			if err := json.Unmarshal(c.Request, &sent); err != nil || sent.Kind != tc.kind || !strings.HasPrefix(sent.Location, e.url+"/files/uploads/"+id+"/") ||
				sent.From == nil || !sent.From.Equal(from) {
				t.Errorf("logged request %s (%v)", c.Request, err)
			}
			var list List[UploadedFile]
			eventually(t, "uploaded", func() bool {
				e.call(t, http.MethodGet, "/api/v1/stations/"+id+"/logs", nil).mustStatus(t, http.StatusOK).decode(t, &list)
				return len(list.Items) == 1
			})
			f := list.Items[0]
			if !strings.HasSuffix(f.Name, c.Answer.FileName) || f.Size == 0 {
				t.Errorf("listed %+v, want the file %s", f, c.Answer.FileName)
			}
			r := e.call(t, http.MethodGet, "/api/v1/stations/"+id+"/logs/"+f.Name, nil).mustStatus(t, http.StatusOK)
			if int64(len(r.body)) != f.Size || !strings.Contains(string(r.body), id) || r.header.Get("Content-Type") != "application/octet-stream" {
				t.Errorf("downloaded %d bytes (%s): %.80q", len(r.body), r.header.Get("Content-Type"), r.body)
			}
			eventually(t, "upload reported", func() bool {
				u := st.Uploads()
				return len(u) == 1 && u[0].Status == "Uploaded"
			})
		})
	}
}

// TestLogErrors: unknown and offline stations, bad windows and unknown files are refused.
func TestLogErrors(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	e.mustStation(t, "LOG-OFF", station.Accepted)
	for _, tt := range []struct {
		name, method, path string
		body               any
		status             int
		detail             string
	}{
		{"unknown station", http.MethodPost, "/api/v1/stations/NOBODY/logs", nil, 404, "NOBODY"},
		{"offline", http.MethodPost, "/api/v1/stations/LOG-OFF/logs", nil, 409, "not connected"},
		{"window backwards", http.MethodPost, "/api/v1/stations/LOG-OFF/logs", map[string]any{"from": "2025-03-02T00:00:00Z", "to": "2025-03-01T00:00:00Z"}, 422, "before"},
		{"bad kind", http.MethodPost, "/api/v1/stations/LOG-OFF/logs", map[string]any{"kind": "Everything"}, 422, "kind"},
		{"list, unknown station", http.MethodGet, "/api/v1/stations/NOBODY/logs", nil, 404, "NOBODY"},
		{"unknown file", http.MethodGet, "/api/v1/stations/LOG-OFF/logs/nope.log", nil, 404, "nope.log"},
		{"climbing file", http.MethodGet, "/api/v1/stations/LOG-OFF/logs/..%2F..%2Fladda.db", nil, 404, ""},
	} {
		p := e.call(t, tt.method, tt.path, tt.body).mustProblem(t, tt.status)
		if !strings.Contains(p.Detail+problemErrors(p), tt.detail) {
			t.Errorf("%s: %q, want it to mention %q", tt.name, p.Detail+problemErrors(p), tt.detail)
		}
	}
	var list List[UploadedFile]
	e.call(t, http.MethodGet, "/api/v1/stations/LOG-OFF/logs", nil).mustStatus(t, http.StatusOK).decode(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("an offline station has files %+v", list.Items)
	}
}
