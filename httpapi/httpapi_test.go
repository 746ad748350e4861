package httpapi

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestBodiesAreJSONWhateverTheirType: `curl -d '{…}'` sends
// application/x-www-form-urlencoded; the API speaks only JSON and reads it as such, so the
// README's one-line examples work. A declared type the API cannot mean is still refused.
func TestBodiesAreJSONWhateverTheirType(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		contentType string
		id          string
		want        int
	}{
		{"application/x-www-form-urlencoded", "CURL-1", http.StatusCreated},
		{"", "BARE-1", http.StatusCreated},
		{"application/json; charset=utf-8", "JSON-1", http.StatusCreated},
		{"text/csv", "CSV-1", http.StatusUnsupportedMediaType},
	} {
		req, err := http.NewRequest("POST", e.url+"/api/v1/stations", strings.NewReader(`{"id":"`+tc.id+`","password":"s3cret-pass"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+e.key)
		if tc.contentType != "" {
			req.Header.Set("Content-Type", tc.contentType)
		} else {
			req.Header["Content-Type"] = nil
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tc.want {
			t.Errorf("Content-Type %q: %d %s, want %d", tc.contentType, res.StatusCode, body, tc.want)
		}
	}
	// Form data that is not JSON is a malformed body, not a silent success.
	req, _ := http.NewRequest("POST", e.url+"/api/v1/stations", strings.NewReader("id=CP-9&password=s3cret-pass"))
	req.Header.Set("Authorization", "Bearer "+e.key)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("form-encoded body: %d, want 400", res.StatusCode)
	}
}
