package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ladda-csms/ladda/account"
)

// keyContext is the context key under which authenticate stores the caller's *account.APIKey.
type keyContext struct{}

// callerKey returns the API key that authenticated the request, or nil on public routes.
func callerKey(ctx context.Context) *account.APIKey {
	k, _ := ctx.Value(keyContext{}).(*account.APIKey)
	return k
}

// authenticate is the middleware of every route that needs a key: it reads the bearer key,
// verifies it with the account service and checks that its role may call a route that needs
// role need. Missing or wrong keys get 401 with WWW-Authenticate; a key whose role is not enough
// gets 403.
func (s *server) authenticate(need account.Role) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		secret, ok := bearer(ctx.Header("Authorization"))
		if !ok {
			s.deny(ctx, http.StatusUnauthorized, "missing API key: send Authorization: Bearer <key>", `Bearer realm="ladda"`)
			return
		}
		key, err := s.accounts.Authenticate(ctx.Context(), secret)
		if err != nil {
			status := statusOf(err)
			if status == http.StatusUnauthorized {
				s.deny(ctx, status, "invalid API key", `Bearer realm="ladda", error="invalid_token"`)
				return
			}
			s.writeErr(ctx, s.fail(ctx.Context(), "authenticate", err))
			return
		}
		if !permits(key.Role, need) {
			s.deny(ctx, http.StatusForbidden, "this API key may not do this: it needs role "+string(need), "")
			return
		}
		next(huma.WithValue(ctx, keyContext{}, key))
	}
}

// permits reports whether a key of role has may call a route that needs role need. This is the
// one place that knows how roles relate; admin may do everything.
func permits(has, need account.Role) bool {
	return has == account.Admin || (has != "" && has == need)
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
