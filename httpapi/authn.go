package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ladda-csms/ladda/account"
)

// The sign-in endpoints: sign-up, email verification, sign-in with an optional second step,
// sign-out and password reset. They are public (sign-out aside), limited per client address, and
// their errors never tell whether an account exists.

type signupInput struct {
	Body struct {
		Email    string `json:"email" minLength:"3" maxLength:"254"`
		Password string `json:"password" minLength:"1" maxLength:"1024" doc:"At least 12 characters; common and breached passwords are refused."`
		Name     string `json:"name,omitempty" maxLength:"200"`
		Language string `json:"language,omitempty" enum:"en,sv" doc:"Default en."`
	} `nameHint:"Signup"`
}

type acceptedOutput struct {
	Body struct {
		Message string `json:"message"`
	}
}

func accepted(msg string) *acceptedOutput {
	out := &acceptedOutput{}
	out.Body.Message = msg
	return out
}

// signup handles POST /api/v1/auth/signup: 202 whether or not the address has an account; the
// email says which.
func (s *server) signup(ctx context.Context, in *signupInput) (*acceptedOutput, error) {
	b := in.Body
	err := s.accounts.Signup(ctx, account.SignupRequest{Email: b.Email, Password: b.Password, Name: b.Name, Language: b.Language}, meta(ctx))
	if err != nil {
		return nil, err
	}
	return accepted("check your email for a link to verify your address"), nil
}

type tokenInput struct {
	Body struct {
		Token string `json:"token" minLength:"1" maxLength:"100" doc:"The token of the emailed link."`
	} `nameHint:"EmailToken"`
}

// verifyEmail handles POST /api/v1/auth/verify-email.
func (s *server) verifyEmail(ctx context.Context, in *tokenInput) (*acceptedOutput, error) {
	if err := s.accounts.VerifyEmail(ctx, in.Body.Token, meta(ctx)); err != nil {
		return nil, err
	}
	return accepted("your address is verified; you can sign in"), nil
}

type loginInput struct {
	Body struct {
		Email    string `json:"email" minLength:"1" maxLength:"254"`
		Password string `json:"password" minLength:"1" maxLength:"1024"`
		Session  string `json:"session,omitempty" enum:"cookie,token" doc:"cookie (default): the session travels in a cookie, for the web UI; token: a bearer token in the answer, for apps."`
	} `nameHint:"Login"`
}

// LoginResult is a step of signing in.
type LoginResult struct {
	Status    string     `json:"status" enum:"ok,mfa_required,mfa_enrolment_required" doc:"ok: signed in. mfa_required: send a code with mfaToken to /auth/login/2fa. mfa_enrolment_required: signed in, but your role requires two-factor authentication: enrol it before anything else."`
	MFAToken  string     `json:"mfaToken,omitempty" doc:"For mfa_required: proves the password step, valid 5 minutes."`
	Token     string     `json:"token,omitempty" doc:"For session=token: the bearer token. Shown once."`
	CSRFToken string     `json:"csrfToken,omitempty" doc:"For session=cookie: send it as X-CSRF-Token on every request that changes something."`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	User      *User      `json:"user,omitempty"`
}

type loginOutput struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
	Body      LoginResult
}

// login handles POST /api/v1/auth/login.
func (s *server) login(ctx context.Context, in *loginInput) (*loginOutput, error) {
	kind := account.CookieSession
	if in.Body.Session == "token" {
		kind = account.TokenSession
	}
	l, err := s.accounts.Login(ctx, account.LoginRequest{Email: in.Body.Email, Password: in.Body.Password, Kind: kind}, meta(ctx))
	if err != nil {
		return nil, s.withRetryAfter(ctx, err)
	}
	return s.loginAnswer(l), nil
}

// loginAnswer turns a step of signing in into the answer: a pending step gives the mfaToken, a
// finished one the cookie (with its CSRF token) or the bearer token.
func (s *server) loginAnswer(l *account.Login) *loginOutput {
	out := &loginOutput{}
	if l.Pending {
		out.Body = LoginResult{Status: "mfa_required", MFAToken: l.Secret}
		return out
	}
	exp := l.Session.ExpiresAt.UTC()
	u := viewUser(l.User)
	out.Body = LoginResult{Status: "ok", ExpiresAt: &exp, User: &u}
	if l.NeedsMFA {
		out.Body.Status = "mfa_enrolment_required"
	}
	if l.Session.Kind == account.TokenSession {
		out.Body.Token = l.Secret
	} else {
		out.SetCookie = sessionCookie(l.Secret, exp)
		out.Body.CSRFToken = csrfToken(l.Secret)
	}
	return out
}

// sessionCookie is the web UI's session cookie: HttpOnly (scripts cannot read it), Secure (only
// over HTTPS; browsers treat http://localhost as secure too), SameSite=Strict (never sent by
// another site's requests), for the whole origin.
func sessionCookie(secret string, expires time.Time) http.Cookie {
	c := http.Cookie{Name: SessionCookie, Value: secret, Path: "/", HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode}
	if secret == "" {
		c.MaxAge = -1
	} else {
		c.Expires = expires
	}
	return c
}

type login2FAInput struct {
	Body struct {
		MFAToken string `json:"mfaToken" minLength:"1" maxLength:"100"`
		Code     string `json:"code" minLength:"6" maxLength:"40" doc:"The 6 digits of the authenticator app, or an unused recovery code."`
	} `nameHint:"LoginSecondFactor"`
}

// login2FA handles POST /api/v1/auth/login/2fa.
func (s *server) login2FA(ctx context.Context, in *login2FAInput) (*loginOutput, error) {
	l, err := s.accounts.CompleteLogin(ctx, in.Body.MFAToken, in.Body.Code, meta(ctx))
	if err != nil {
		return nil, s.withRetryAfter(ctx, err)
	}
	return s.loginAnswer(l), nil
}

type logoutOutput struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
}

// logout handles POST /api/v1/auth/logout: 204, and the cookie is cleared.
func (s *server) logout(ctx context.Context, _ *struct{}) (*logoutOutput, error) {
	if err := s.accounts.Logout(ctx, caller(ctx), meta(ctx)); err != nil {
		return nil, err
	}
	return &logoutOutput{SetCookie: sessionCookie("", time.Time{})}, nil
}

type resetRequestInput struct {
	Body struct {
		Email string `json:"email" minLength:"1" maxLength:"254"`
	} `nameHint:"PasswordResetRequest"`
}

// requestReset handles POST /api/v1/auth/password-reset: 202 whether or not the address has an
// account.
func (s *server) requestReset(ctx context.Context, in *resetRequestInput) (*acceptedOutput, error) {
	if err := s.accounts.RequestPasswordReset(ctx, in.Body.Email, meta(ctx)); err != nil {
		return nil, s.withRetryAfter(ctx, err)
	}
	return accepted("if the address has an account, a link to reset the password is on its way"), nil
}

type passwordResetInput struct {
	Body struct {
		Token    string `json:"token" minLength:"1" maxLength:"100"`
		Password string `json:"password" minLength:"1" maxLength:"1024"`
	} `nameHint:"PasswordReset"`
}

// resetPassword handles POST /api/v1/auth/password-reset/confirm.
func (s *server) resetPassword(ctx context.Context, in *passwordResetInput) (*acceptedOutput, error) {
	if err := s.accounts.ResetPassword(ctx, in.Body.Token, in.Body.Password, meta(ctx)); err != nil {
		return nil, err
	}
	return accepted("your password is changed and every session signed out; sign in again"), nil
}

// withRetryAfter turns a TooManyRequests error into a 429 that says when to try again.
func (s *server) withRetryAfter(ctx context.Context, err error) error {
	if secs := retryAfter(err); secs != "" {
		return &retryError{StatusError: s.fail(ctx, "auth", err), after: secs}
	}
	return err
}

// retryError is a 429 with a Retry-After header.
type retryError struct {
	huma.StatusError
	after string
}

func (e *retryError) GetHeaders() http.Header { return http.Header{"Retry-After": {e.after}} }

// MarshalJSON writes the problem itself.
func (e *retryError) MarshalJSON() ([]byte, error) { return json.Marshal(e.StatusError) }

// ContentType keeps the problem's content type.
func (e *retryError) ContentType(ct string) string {
	if f, ok := e.StatusError.(huma.ContentTypeFilter); ok {
		return f.ContentType(ct)
	}
	return ct
}
