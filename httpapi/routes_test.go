package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/station"
)

var update = flag.Bool("update", false, "rewrite testdata/openapi.json from the generated document")

// openAPI is the part of the OpenAPI document the tests look at.
type openAPI struct {
	OpenAPI string `json:"openapi"`
	Paths   map[string]map[string]struct {
		OperationID string                `json:"operationId"`
		Summary     string                `json:"summary"`
		Security    []map[string][]string `json:"security"`
		Permission  string                `json:"x-ladda-permission"`
		Responses   map[string]any        `json:"responses"`
	} `json:"paths"`
	Components struct {
		Schemas         json.RawMessage `json:"schemas"`
		SecuritySchemes map[string]struct {
			Type   string `json:"type"`
			Scheme string `json:"scheme"`
		} `json:"securitySchemes"`
	} `json:"components"`
}

// servicesWithoutStore are services good enough for requests that never reach a store.
func servicesWithoutStore() Services {
	return Services{
		Stations: station.NewService(nil, nil, nil, nil, station.Config{}),
		Charging: charging.NewService(nil, nil, nil, nil, charging.Config{}),
		Accounts: account.NewService(nil, account.Options{}),
	}
}

// openAPIRaw returns the document as served, without a key.
func openAPIRaw(t *testing.T) []byte {
	t.Helper()
	h := New(servicesWithoutStore())
	rec := newRecorder(h, http.MethodGet, "/api/v1/openapi.json", "")
	r := rec.mustStatus(t, 200)
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	return r.body
}

func openAPIDoc(t *testing.T) openAPI {
	t.Helper()
	var doc openAPI
	if err := json.Unmarshal(openAPIRaw(t), &doc); err != nil {
		t.Fatalf("the OpenAPI document is not JSON: %v", err)
	}
	return doc
}

// newRecorder serves one request in memory.
func newRecorder(h http.Handler, method, path, authorization string) *response {
	req, _ := http.NewRequest(method, path, nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	rec := &recorder{header: http.Header{}}
	h.ServeHTTP(rec, req)
	return &response{status: rec.status, header: rec.header, body: rec.body.Bytes()}
}

type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = 200
	}
	return r.body.Write(p)
}
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	doc := openAPIDoc(t)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	if s := doc.Components.SecuritySchemes[bearerScheme]; s.Type != "http" || s.Scheme != "bearer" {
		t.Errorf("security scheme %+v", s)
	}
	srv := &server{}
	inTable := map[string]bool{}
	for _, r := range srv.routes() {
		key := r.Method + " " + r.Path
		inTable[key] = true
		op, ok := doc.Paths[r.Path][strings.ToLower(r.Method)]
		if r.raw != nil {
			if ok {
				t.Errorf("%s: raw route described in the document", key)
			}
			continue
		}
		if !ok {
			t.Errorf("%s: in the route table, not in the document", key)
			continue
		}
		if op.OperationID != r.ID || op.Summary != r.Summary {
			t.Errorf("%s: operation %q %q, want %q %q", key, op.OperationID, op.Summary, r.ID, r.Summary)
		}
		secured := len(op.Security) == 2 && op.Security[0][bearerScheme] != nil && op.Security[1][cookieScheme] != nil
		want := ""
		if r.Need != public {
			want = r.Need.String()
		}
		if secured != (r.Need != public) || op.Permission != want {
			t.Errorf("%s: security %v permission %q, want %q", key, op.Security, op.Permission, want)
		}
		status := r.Status
		if status == 0 {
			status = 200
		}
		for _, code := range append([]int{status}, r.Also...) {
			if _, ok := op.Responses[fmt.Sprint(code)]; !ok {
				t.Errorf("%s: no response %d documented", key, code)
			}
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if key := strings.ToUpper(method) + " " + path; !inTable[key] {
				t.Errorf("%s: in the document, not in the route table", key)
			}
		}
	}
	// Every reference points at a schema of the document.
	var schemas map[string]json.RawMessage
	if err := json.Unmarshal(doc.Components.Schemas, &schemas); err != nil {
		t.Fatal(err)
	}
	var whole any
	if err := json.Unmarshal(openAPIRaw(t), &whole); err != nil {
		t.Fatal(err)
	}
	refs := 0
	walkJSON(whole, func(key string, v any) {
		if key != "$ref" {
			return
		}
		refs++
		name, ok := strings.CutPrefix(fmt.Sprint(v), "#/components/schemas/")
		if _, found := schemas[name]; !ok || !found {
			t.Errorf("dangling $ref %v", v)
		}
	})
	if refs == 0 {
		t.Error("no $ref in the document")
	}
}

// walkJSON calls f for every member of every object in v.
func walkJSON(v any, f func(key string, v any)) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			f(k, e)
			walkJSON(e, f)
		}
	case []any:
		for _, e := range v {
			walkJSON(e, f)
		}
	}
}

// TestOpenAPIGolden keeps the document stable: a change must be deliberate. Run
// `go test ./httpapi -run TestOpenAPIGolden -update` to accept one.
func TestOpenAPIGolden(t *testing.T) {
	t.Parallel()
	var got bytes.Buffer
	if err := json.Indent(&got, openAPIRaw(t), "", "  "); err != nil {
		t.Fatal(err)
	}
	got.WriteByte('\n')
	golden := filepath.Join("testdata", "openapi.json")
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("the OpenAPI document differs from %s; run with -update if the change is intended", golden)
	}
	// A second build of the API produces the same bytes.
	if !bytes.Equal(openAPIRaw(t), openAPIRaw(t)) {
		t.Error("the document differs between two builds")
	}
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// TestEveryOperationNeedsKey walks every operation of the document and proves that it refuses a
// request without credentials or with wrong ones. Public operations are exactly the probes,
// signing up and in, and the payment gateway's webhook, whose signature is its credential
// (TestPaymentWebhook).
func TestEveryOperationNeedsKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	publicOps := []string{"get-health", "get-ready", "signup", "verify-email", "login", "login-second-factor", "request-password-reset", "reset-password", "payment-webhook"}
	doc := openAPIDoc(t)
	n := 0
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if len(op.Security) == 0 {
				if !slices.Contains(publicOps, op.OperationID) || strings.HasPrefix(path, Prefix) && !strings.HasPrefix(path, Prefix+"/auth/") && path != Prefix+"/payments/webhook" {
					t.Errorf("%s %s needs no credentials", method, path)
				}
				continue
			}
			n++
			url := pathParam.ReplaceAllString(path, "1")
			for _, auth := range []string{"", "Bearer", "Bearer ladda_wrongwrongwrong", "Bearer " + e.key + "x", "Basic " + e.key, e.key} {
				t.Run(op.OperationID+"/"+auth, func(t *testing.T) {
					t.Parallel()
					r := e.callWith(t, strings.ToUpper(method), url, nil, auth)
					r.mustProblem(t, http.StatusUnauthorized)
					if ch := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(ch, "Bearer") {
						t.Errorf("WWW-Authenticate %q", ch)
					}
				})
			}
		}
	}
	if n < 12 {
		t.Errorf("only %d secured operations in the document", n)
	}
}

func TestBearer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header, cred string
		ok           bool
	}{
		{"Bearer ladda_abc", "ladda_abc", true},
		{"bearer ladda_abc", "ladda_abc", true},
		{"BEARER  ladda_abc ", "ladda_abc", true},
		{"Bearer", "", false},
		{"Bearer ", "", false},
		{"Basic ladda_abc", "", false},
		{"ladda_abc", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		cred, ok := bearer(tt.header)
		if cred != tt.cred || ok != tt.ok {
			t.Errorf("bearer(%q) = %q, %v; want %q, %v", tt.header, cred, ok, tt.cred, tt.ok)
		}
	}
}

func TestStatusOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want int
	}{
		{ladda.Errorf(ladda.Invalid, "op", "bad"), 422},
		{ladda.Errorf(ladda.NotFound, "op", "no"), 404},
		{ladda.Errorf(ladda.Conflict, "op", "taken"), 409},
		{ladda.Errorf(ladda.Unauthorized, "op", "who"), 401},
		{ladda.Errorf(ladda.Forbidden, "op", "no way"), 403},
		{ladda.Errorf(ladda.Unavailable, "op", "later"), 503},
		{ladda.Errorf(ladda.Timeout, "op", "slow"), 504},
		{ladda.Errorf(ladda.Internal, "op", "bug"), 500},
		{fmt.Errorf("wrapped: %w", ladda.Errorf(ladda.NotFound, "op", "no")), 404},
		{ladda.Wrap("outer", ladda.Errorf(ladda.Conflict, "inner", "taken")), 409},
		{errors.New("plain"), 500},
	}
	for _, tt := range tests {
		if got := statusOf(tt.err); got != tt.want {
			t.Errorf("statusOf(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

// TestInternalErrorsAreHidden: a failure that is not the caller's fault shows a generic message
// and is logged with its cause.
func TestInternalErrorsAreHidden(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	srv := &server{log: slog.New(slog.NewTextHandler(&logs, nil))}
	err := srv.fail(context.Background(), "get-station", ladda.Wrap("station.Station", errors.New("disk I/O error at /var/lib/ladda")))
	if err.GetStatus() != 500 || err.Error() != "internal error" {
		t.Errorf("fail = %d %q", err.GetStatus(), err.Error())
	}
	if !strings.Contains(logs.String(), "disk I/O error") || !strings.Contains(logs.String(), "get-station") {
		t.Errorf("the cause was not logged: %s", logs.String())
	}
	err = srv.fail(context.Background(), "get-station", ladda.Errorf(ladda.NotFound, "station.Station", "station CS-1 not found"))
	if err.GetStatus() != 404 || err.Error() != "station CS-1 not found" {
		t.Errorf("fail = %d %q", err.GetStatus(), err.Error())
	}
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	t.Parallel()
	h := New(servicesWithoutStore())
	tests := []struct {
		method, path string
		status       int
		allow        string
	}{
		{http.MethodGet, "/api/v1/nothing", 404, ""},
		{http.MethodGet, "/api/v1/stations/a/b", 404, ""},
		{http.MethodGet, "/api/v2/stations", 404, ""},
		{http.MethodGet, "/", 404, ""},
		{http.MethodPut, "/api/v1/stations", 405, "POST, GET, HEAD"},
		{http.MethodPost, "/api/v1/stations/CS-1", 405, "GET, PATCH, DELETE, HEAD"},
		{http.MethodDelete, "/api/v1/transactions/1", 405, "GET, HEAD"},
		{http.MethodPost, "/api/v1/openapi.json", 405, "GET, HEAD"},
		{http.MethodPost, "/healthz", 405, "GET, HEAD"},
	}
	for _, tt := range tests {
		r := newRecorder(h, tt.method, tt.path, "")
		r.mustProblem(t, tt.status)
		if got := r.header.Get("Allow"); got != tt.allow {
			t.Errorf("%s %s: Allow %q, want %q", tt.method, tt.path, got, tt.allow)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, r := range []*response{
		e.call(t, http.MethodGet, "/api/v1/stations", nil),
		e.callWith(t, http.MethodGet, "/api/v1/stations", nil, ""),
		e.callWith(t, http.MethodGet, "/api/v1/openapi.json", nil, ""),
		e.callWith(t, http.MethodGet, "/healthz", nil, ""),
		e.callWith(t, http.MethodGet, "/nowhere", nil, ""),
	} {
		for name, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"Cache-Control":          "no-store",
			"X-Frame-Options":        "DENY",
		} {
			if got := r.header.Get(name); got != want {
				t.Errorf("status %d: %s %q, want %q", r.status, name, got, want)
			}
		}
	}
}

func TestBodyTooLarge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	big := `{"id": "CS-1", "description": "` + strings.Repeat("x", MaxBodyBytes) + `"}`
	e.call(t, http.MethodPost, "/api/v1/stations", big).mustProblem(t, http.StatusRequestEntityTooLarge)
	e.call(t, http.MethodGet, "/api/v1/stations/CS-1", nil).mustProblem(t, 404)
}

func TestNewPanicsWithoutServices(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("New without services did not panic")
		}
	}()
	New(Services{})
}

// TestStoreDown: when the store fails, the caller gets a generic 5xx problem and the log gets
// the cause.
func TestStoreDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	r := e.call(t, http.MethodGet, "/api/v1/stations", nil)
	if r.status < 500 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	p := r.mustProblem(t, r.status)
	if strings.Contains(strings.ToLower(p.Detail), "sql") || len(p.Errors) != 0 {
		t.Errorf("the problem shows the cause: %+v", p)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "API request failed") || !strings.Contains(logs, "op=authenticate") {
		t.Errorf("the failure was not logged: %q", logs)
	}
}
