package httpapi

import (
	"context"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/ladda-csms/ladda/account"
)

// principal is one kind of caller of the API, with the Authorization header it sends.
type principal struct {
	name  string
	perms account.Permission
	auth  string // "Bearer …"; empty for a fresh user session per call (see login)
	email string // for users
}

// principals makes one caller of every role and of every key scope: users in an operator
// organisation, a fleet, and none; keys of the operator organisation with each scope, a fleet's
// key, and the system key.
func (e *env) principals(tb testing.TB) []principal {
	tb.Helper()
	ctx := context.Background()
	sys := account.KeyPrincipal(&account.APIKey{ID: e.keyID})
	cpo, err := e.accounts.CreateOrganisation(ctx, sys, "Charge AB", account.OperatorOrg, account.Meta{})
	if err != nil {
		tb.Fatal(err)
	}
	fleet, err := e.accounts.CreateOrganisation(ctx, sys, "Fleet AB", account.FleetOrg, account.Meta{})
	if err != nil {
		tb.Fatal(err)
	}
	var ps []principal
	for _, u := range []struct {
		role account.Role
		org  int64
	}{{account.Admin, 0}, {account.Operator, cpo.ID}, {account.Support, cpo.ID}, {account.FleetManager, fleet.ID}, {account.Driver, 0}, {account.Driver, fleet.ID}} {
		email := string(u.role) + "-" + itoa(u.org) + "@example.org"
		e.mustUser(tb, email, u.role, u.org)
		p := account.UserPrincipal(&account.User{Role: u.role, OrgID: u.org}, nil, false)
		ps = append(ps, principal{name: "user " + string(u.role) + " org " + itoa(u.org), perms: p.Perms, email: email})
	}
	for _, k := range []struct {
		org    int64
		scopes []account.Scope
	}{
		{cpo.ID, []account.Scope{account.ScopeRead}}, {cpo.ID, []account.Scope{account.ScopeOperate}}, {cpo.ID, []account.Scope{account.ScopeBilling}},
		{cpo.ID, []account.Scope{account.ScopeAdmin}}, {fleet.ID, []account.Scope{account.ScopeRead, account.ScopeOperate}}, {0, []account.Scope{account.ScopeAdmin}},
	} {
		key, secret, err := e.accounts.CreateAPIKey(ctx, account.KeySpec{Name: "k", OrgID: k.org, Scopes: k.scopes})
		if err != nil {
			tb.Fatal(err)
		}
		kp, err := e.accounts.KeyPrincipal(ctx, key)
		if err != nil {
			tb.Fatal(err)
		}
		ps = append(ps, principal{name: "key " + itoa(k.org) + " " + scopeNames(k.scopes), perms: kp.Perms, auth: "Bearer " + secret})
	}
	return ps
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func scopeNames(scopes []account.Scope) string {
	var s []string
	for _, sc := range scopes {
		s = append(s, string(sc))
	}
	return strings.Join(s, ",")
}

// mustUser stores a verified user with the test password.
func (e *env) mustUser(tb testing.TB, email string, role account.Role, org int64) *account.User {
	tb.Helper()
	ctx := context.Background()
	hash, err := testHasher.Hash(ctx, testPassword)
	if err != nil {
		tb.Fatal(err)
	}
	now := e.clock.Now()
	u := &account.User{Email: email, Name: "Test " + string(role), Language: "en", Role: role, OrgID: org, PasswordHash: hash,
		EmailVerifiedAt: &now, Prefs: account.DefaultPreferences, CreatedAt: now, UpdatedAt: now}
	if err := e.db.CreateUser(ctx, u); err != nil {
		tb.Fatal(err)
	}
	return u
}

const testPassword = "plum-orbit-velvet-42"

// login signs a user in through the API and returns "Bearer <token>".
func (e *env) login(tb testing.TB, email string) string {
	tb.Helper()
	var res LoginResult
	e.callWith(tb, http.MethodPost, Prefix+"/auth/login", map[string]string{"email": email, "password": testPassword, "session": "token"}, "").
		mustStatus(tb, 200).decode(tb, &res)
	if res.Token == "" {
		tb.Fatalf("login of %s: %+v", email, res)
	}
	return "Bearer " + res.Token
}

// TestEveryRouteIsAuthorised walks the route table with a caller of every role and key scope.
// A caller without the route's permission gets 403; every route has at least one such caller
// (no route is open to everyone signed in, except through a user's own session); a caller
// with the permission is never refused with 401 or 403.
func TestEveryRouteIsAuthorised(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ps := e.principals(t)
	sessions := map[string]string{}
	auth := func(p principal) string {
		if p.auth != "" {
			return p.auth
		}
		if sessions[p.email] == "" {
			sessions[p.email] = e.login(t, p.email)
		}
		return sessions[p.email]
	}
	routes := (&server{}).routes()
	checked := 0
	for _, r := range routes {
		if r.Need == public {
			continue
		}
		// Path values no row has: a permitted caller reaches the handler and finds nothing.
		url := pathParam.ReplaceAllString(r.Path, "999999")
		denied := 0
		for _, p := range ps {
			if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/auth/logout") && p.auth == "" {
				continue // it would end the shared session; logging out is tested on its own
			}
			res := e.callWith(t, r.Method, url, nil, auth(p))
			if p.perms&r.Need == r.Need {
				if res.status == http.StatusUnauthorized || res.status == http.StatusForbidden {
					t.Errorf("%s %s: %s has %s but got %d: %s", r.Method, r.Path, p.name, r.Need, res.status, res.body)
				}
				continue
			}
			denied++
			if res.status != http.StatusForbidden {
				t.Errorf("%s %s: %s lacks %s but got %d, want 403", r.Method, r.Path, p.name, r.Need, res.status)
			}
		}
		if denied == 0 {
			t.Errorf("%s %s: no role or scope is refused: every caller may use it", r.Method, r.Path)
		}
		checked++
	}
	if checked < 80 {
		t.Errorf("checked only %d routes", checked)
	}
}

// TestCSRF proves that the session cookie alone does not change anything: a request that
// changes something also needs the CSRF token of the sign-in, and cross-site requests are
// refused.
func TestCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mustUser(t, "dana@example.org", account.Driver, 0)
	req, _ := http.NewRequest(http.MethodPost, e.url+Prefix+"/auth/login", strings.NewReader(`{"email":"dana@example.org","password":"`+testPassword+`"}`))
	res := e.do(t, req).mustStatus(t, 200)
	var lr LoginResult
	res.decode(t, &lr)
	var cookie *http.Cookie
	for _, c := range (&http.Response{Header: res.header}).Cookies() {
		if c.Name == SessionCookie {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || !cookie.Secure || cookie.SameSite != http.SameSiteStrictMode || lr.CSRFToken == "" || lr.Token != "" {
		t.Fatalf("cookie %+v, login %+v", cookie, lr)
	}
	send := func(method, path, body string, headers map[string]string) *response {
		req, _ := http.NewRequest(method, e.url+path, strings.NewReader(body))
		req.AddCookie(&http.Cookie{Name: SessionCookie, Value: cookie.Value})
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		return e.do(t, req)
	}
	send(http.MethodGet, Prefix+"/me", "", nil).mustStatus(t, 200)
	patch := `{"name":"Dana D"}`
	send(http.MethodPatch, Prefix+"/me", patch, nil).mustProblem(t, http.StatusForbidden)
	send(http.MethodPatch, Prefix+"/me", patch, map[string]string{CSRFHeader: "wrong"}).mustProblem(t, http.StatusForbidden)
	send(http.MethodPatch, Prefix+"/me", patch, map[string]string{CSRFHeader: lr.CSRFToken, "Sec-Fetch-Site": "cross-site"}).mustProblem(t, http.StatusForbidden)
	send(http.MethodPatch, Prefix+"/me", patch, map[string]string{CSRFHeader: lr.CSRFToken}).mustStatus(t, 200)

	// Signing out clears the cookie and ends the session.
	res = send(http.MethodPost, Prefix+"/auth/logout", "", map[string]string{CSRFHeader: lr.CSRFToken}).mustStatus(t, 204)
	if sc := res.header.Get("Set-Cookie"); !strings.Contains(sc, SessionCookie+"=;") || !strings.Contains(sc, "Max-Age=0") {
		t.Errorf("logout Set-Cookie %q", sc)
	}
	send(http.MethodGet, Prefix+"/me", "", nil).mustProblem(t, http.StatusUnauthorized)
}

// TestLoginLimits proves the per-address limit of the sign-in routes and that 429 says when to
// come back.
func TestLoginLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// One account is locked after five failures.
	var last *response
	for range 6 {
		last = e.callWith(t, http.MethodPost, Prefix+"/auth/login", map[string]string{"email": "x@example.org", "password": "whatever-it-is"}, "")
	}
	last.mustProblem(t, http.StatusTooManyRequests)
	if ra := last.header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After %q", ra)
	}
	// One address may try only so often, whatever the accounts.
	for i := range limitBurst {
		last = e.callWith(t, http.MethodPost, Prefix+"/auth/login", map[string]string{"email": "y" + strconv.Itoa(i) + "@example.org", "password": "whatever-it-is"}, "")
		if last.status == http.StatusTooManyRequests {
			break
		}
		last.mustProblem(t, http.StatusUnauthorized)
	}
	last.mustProblem(t, http.StatusTooManyRequests)
	if ra := last.header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After %q", ra)
	}
	// The limit is per address and for sign-in only: the API itself still answers.
	e.call(t, http.MethodGet, Prefix+"/stations", nil).mustStatus(t, 200)
}

func TestClientAddress(t *testing.T) {
	t.Parallel()
	s := &server{proxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	for _, tc := range []struct{ remote, xff, want string }{
		{"192.0.2.1:5000", "", "192.0.2.1"},
		{"192.0.2.1:5000", "203.0.113.9", "192.0.2.1"},                          // not from a proxy: the header is ignored
		{"10.0.0.5:5000", "203.0.113.9", "203.0.113.9"},                         // from a proxy: its client
		{"10.0.0.5:5000", "198.51.100.1, 203.0.113.9, 10.1.1.1", "203.0.113.9"}, // the last hop no proxy added
		{"10.0.0.5:5000", "garbage", "10.0.0.5"},
		{"[2001:db8::1]:5000", "", "2001:db8::1"},
	} {
		req, _ := http.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = tc.remote
		if tc.xff != "" {
			req.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := s.clientIP(humago.NewContext(nil, req, nil)); got != tc.want {
			t.Errorf("%s with %q: %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
	if a, b := limitKey("2001:db8:1:2:aaaa::1"), limitKey("2001:db8:1:2:bbbb::2"); a != b || a != "2001:db8:1:2::/64" {
		t.Errorf("one IPv6 /64 is one bucket: %s, %s", a, b)
	}
	if limitKey("192.0.2.1") != "192.0.2.1" {
		t.Error("an IPv4 address is its own bucket")
	}
}
