package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPages(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(Handler())
	t.Cleanup(srv.Close)
	for _, tc := range []struct{ path, ctype, contains string }{
		{"/verify-email?token=abc", "text/html", `id="verify"`},
		{"/reset-password?token=abc", "text/html", `autocomplete="new-password"`},
		{"/assets/account.js", "text/javascript", "password-reset/confirm"},
		{"/assets/ladda.css", "text/css", "main"},
	} {
		res, err := http.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), tc.ctype) || !strings.Contains(string(body), tc.contains) {
			t.Errorf("%s: %d %s\n%s", tc.path, res.StatusCode, res.Header.Get("Content-Type"), body)
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
			t.Errorf("%s: CSP %q", tc.path, csp)
		}
		if res.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: the token could leak through the referrer", tc.path)
		}
	}
	// The token is not used on opening the page.
	res, _ := http.Get(srv.URL + "/verify-email?token=abc")
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if strings.Contains(string(body), "abc") {
		t.Error("the page echoes the token")
	}
}
