package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
)

// SessionCookie is the name of the web UI's session cookie.
const SessionCookie = "ladda_session"

// CSRFHeader carries, on every unsafe request authenticated by the session cookie, the CSRF
// token that signing in returned.
const CSRFHeader = "X-CSRF-Token"

// principalContext is the context key under which authenticate stores the *account.Principal.
type principalContext struct{}

// caller returns who made the request, or nil on public routes.
func caller(ctx context.Context) *account.Principal {
	p, _ := ctx.Value(principalContext{}).(*account.Principal)
	return p
}

// metaContext is the context key of the request's origin.
type metaContext struct{}

// meta returns where the request came from.
func meta(ctx context.Context) account.Meta {
	m, _ := ctx.Value(metaContext{}).(account.Meta)
	return m
}

// requestedBy names the caller in the logs of what it asked for: apikey:<id> or user:<id>.
func requestedBy(ctx context.Context) string {
	p := caller(ctx)
	switch {
	case p == nil:
		return ""
	case p.Key != nil:
		return "apikey:" + strconv.FormatInt(p.Key.ID, 10)
	default:
		return "user:" + strconv.FormatInt(p.User.ID, 10)
	}
}

// csrfToken derives the CSRF token of a cookie session from its secret: only someone who can
// read the session's secret (the signed-in page, never a third-party site) can compute it.
func csrfToken(secret string) string {
	h := sha256.Sum256([]byte("ladda csrf\x00" + secret))
	return base64.RawURLEncoding.EncodeToString(h[:24])
}

// authenticate is the middleware of every route that needs credentials. It finds the
// principal (an API key or a user's bearer token in Authorization, or the session cookie with
// its CSRF token), checks that it may use route r, and, for a route under a station, that the
// station is the principal's to see; then it runs the handler and writes what changed to the
// audit log. Missing or wrong credentials get 401 with WWW-Authenticate; a principal that may
// not use the route gets 403; a station of another organisation 404.
func (s *server) authenticate(r route) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		m := account.Meta{IP: s.clientIP(ctx), UserAgent: ctx.Header("User-Agent")}
		p, status, msg := s.principal(ctx)
		if p == nil {
			if status == http.StatusUnauthorized {
				challenge := `Bearer realm="ladda"`
				if msg != missingCredentials {
					challenge += `, error="invalid_token"`
				}
				s.deny(ctx, status, msg, challenge)
			} else {
				s.deny(ctx, status, msg, "")
			}
			return
		}
		p.IP, p.UserAgent = m.IP, m.UserAgent
		if p.Session != nil && p.Session.Pending {
			// Half a sign-in is no credential: the mfaToken only finishes it.
			s.deny(ctx, http.StatusUnauthorized, "finish signing in with your second factor first (POST /api/v1/auth/login/2fa)", `Bearer realm="ladda", error="invalid_token"`)
			return
		}
		if p.Restricted() && !r.Restricted {
			s.deny(ctx, http.StatusForbidden, "your role requires two-factor authentication: enrol first (POST /api/v1/me/2fa)", "")
			return
		}
		if !p.Can(r.Need) {
			s.accounts.Audit(ctx.Context(), p, m, "auth.denied", target(ctx, r), "403", map[string]any{"operation": r.ID})
			s.deny(ctx, http.StatusForbidden, "you may not do this: it needs permission "+r.Need.String(), "")
			return
		}
		hctx := huma.WithValue(huma.WithValue(ctx, principalContext{}, p), metaContext{}, m)
		if strings.HasPrefix(r.Path, Prefix+"/stations/{id}") {
			if err := s.visibleStation(hctx.Context(), ladda.StationID(ctx.Param("id"))); err != nil {
				s.writeErr(ctx, s.fail(ctx.Context(), r.ID, err))
				return
			}
		}
		next(hctx)
		if r.Method != http.MethodGet {
			s.accounts.Audit(ctx.Context(), p, m, "api."+r.ID, target(ctx, r), strconv.Itoa(ctx.Status()), nil)
		}
	}
}

// target names what a request acts on, for the audit log: the resource and the values of the
// path's parameters, e.g. "stations:CP-1" or "stations:CP-1/messageId=7".
func target(ctx huma.Context, r route) string {
	var parts []string
	for i, seg := range strings.Split(r.Path, "/") {
		name, ok := strings.CutPrefix(seg, "{")
		if !ok {
			continue
		}
		name = strings.TrimSuffix(name, "}")
		if v := ctx.Param(name); v != "" {
			if len(parts) == 0 && i > 0 {
				parts = append(parts, tagOf(r.Path)+":"+v)
			} else {
				parts = append(parts, name+"="+v)
			}
		}
	}
	return strings.Join(parts, "/")
}

const missingCredentials = "missing credentials: send Authorization: Bearer <API key or session token>, or sign in"

// principal finds who makes the request. On failure it returns the status and message to
// answer.
func (s *server) principal(ctx huma.Context) (*account.Principal, int, string) {
	if h := ctx.Header("Authorization"); h != "" {
		secret, ok := bearer(h)
		if !ok {
			return nil, http.StatusUnauthorized, "invalid credentials: send Authorization: Bearer <API key or session token>"
		}
		if strings.HasPrefix(secret, account.KeyPrefix) {
			k, err := s.accounts.AuthenticateKey(ctx.Context(), secret)
			if err != nil {
				return s.authFailed(ctx, err, "invalid API key")
			}
			p, err := s.accounts.KeyPrincipal(ctx.Context(), k)
			if err != nil {
				return s.authFailed(ctx, err, "invalid API key")
			}
			return p, 0, ""
		}
		p, err := s.accounts.Authenticate(ctx.Context(), secret, account.TokenSession)
		if err != nil {
			return s.authFailed(ctx, err, "invalid or expired session token")
		}
		return p, 0, ""
	}
	c, err := huma.ReadCookie(ctx, SessionCookie)
	if err != nil || c.Value == "" {
		return nil, http.StatusUnauthorized, missingCredentials
	}
	p, err := s.accounts.Authenticate(ctx.Context(), c.Value, account.CookieSession)
	if err != nil {
		return s.authFailed(ctx, err, "invalid or expired session; sign in again")
	}
	switch ctx.Method() {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		got := ctx.Header(CSRFHeader)
		if subtle.ConstantTimeCompare([]byte(got), []byte(csrfToken(c.Value))) != 1 {
			return nil, http.StatusForbidden, "missing or wrong " + CSRFHeader + " header: send the csrfToken that signing in returned"
		}
	}
	return p, 0, ""
}

func (s *server) authFailed(ctx huma.Context, err error, msg string) (*account.Principal, int, string) {
	if st := statusOf(err); st == http.StatusUnauthorized {
		return nil, st, msg
	}
	s.log.ErrorContext(ctx.Context(), "API request failed", "op", "authenticate", "status", http.StatusServiceUnavailable, "err", err)
	return nil, http.StatusServiceUnavailable, "cannot check credentials now; try again"
}

// visibleStation answers NotFound for a station the caller may not see, as if it did not
// exist: the ID of another organisation's station is none of the caller's business.
func (s *server) visibleStation(ctx context.Context, id ladda.StationID) error {
	p := caller(ctx)
	if p.Everywhere() {
		return nil
	}
	st, err := s.stations.Station(ctx, id)
	if err != nil {
		return err
	}
	if !p.Sees(st.OrgID) {
		return ladda.Errorf(ladda.NotFound, "httpapi.visibleStation", "station %s not found", id)
	}
	return nil
}

// clientIP is the address the request came from. When it came through one of the trusted
// proxies (--trusted-proxies), it is the last address in X-Forwarded-For that is not one of
// them; X-Forwarded-For from anyone else is ignored, since any client can send it.
func (s *server) clientIP(ctx huma.Context) string {
	host, _, err := net.SplitHostPort(ctx.RemoteAddr())
	if err != nil {
		host = ctx.RemoteAddr()
	}
	if !s.trusted(host) {
		return host
	}
	hops := strings.Split(ctx.Header("X-Forwarded-For"), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if _, err := netip.ParseAddr(hop); err != nil {
			break
		}
		if !s.trusted(hop) {
			return hop
		}
	}
	return host
}

// trusted reports whether addr is one of the trusted proxies.
func (s *server) trusted(addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	for _, p := range s.proxies {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// bearer extracts the credential of an "Authorization: Bearer <credential>" header. The scheme
// is case-insensitive (RFC 9110 section 11.1).
func bearer(header string) (string, bool) {
	scheme, cred, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	cred = strings.TrimSpace(cred)
	return cred, cred != ""
}

// deny writes a 401 or 403 problem; challenge, if any, goes into WWW-Authenticate.
func (s *server) deny(ctx huma.Context, status int, msg, challenge string) {
	if challenge != "" {
		ctx.SetHeader("WWW-Authenticate", challenge)
	}
	s.writeErr(ctx, huma.NewError(status, msg))
}

// writeErr writes an error response from a middleware through huma, so that it has the same
// shape and content negotiation as every other error.
func (s *server) writeErr(ctx huma.Context, se huma.StatusError) {
	if err := huma.WriteErr(s.api, ctx, se.GetStatus(), se.Error()); err != nil {
		s.log.ErrorContext(ctx.Context(), "writing an error response", "err", err)
	}
}

// retryAfter is the Retry-After of a TooManyRequests error that says until when: whole
// seconds from now, at least 1; "" when err does not say.
func retryAfter(err error) string {
	var until account.RetryAfter
	if !errors.As(err, &until) {
		return ""
	}
	return strconv.Itoa(max(int(time.Until(time.Time(until)).Seconds())+1, 1))
}
