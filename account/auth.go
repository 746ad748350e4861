package account

import (
	"context"
	"encoding/hex"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account/password"
)

// Templates of the emails the service sends; package notify renders them.
const (
	MailVerifyEmail      = "verify_email"
	MailPasswordReset    = "password_reset"
	MailSignupExisting   = "signup_existing"
	MailPasswordChanged  = "password_changed"
	MailTwoFactorChanged = "two_factor_changed"
	MailNewLogin         = "new_login"
	MailInvitation       = "invitation" // an invited user chooses a password through a reset link
)

// How long the links in emails and a half-finished sign-in stay valid.
const (
	VerifyTTL  = 48 * time.Hour
	ResetTTL   = time.Hour
	InviteTTL  = 7 * 24 * time.Hour
	PendingTTL = 5 * time.Minute
)

// errSignIn is the one answer to a failed sign-in, whatever failed: an unknown email, a wrong
// password or an unverified address all look the same to the caller.
func errSignIn(op string) error {
	return ladda.Errorf(ladda.Unauthorized, op, "wrong email or password")
}

// errLocked answers while an account or address is locked after too many failures.
func errLocked(op string, until time.Time) error {
	return &ladda.Error{Kind: ladda.TooManyRequests, Op: op, Message: "too many failed attempts; try again later",
		Err: RetryAfter(until)}
}

// RetryAfter is the time after which a refused attempt may be tried again; errors of kind
// TooManyRequests wrap it.
type RetryAfter time.Time

func (r RetryAfter) Error() string { return "retry after " + time.Time(r).Format(time.RFC3339) }

// NormaliseEmail trims and lowercases an address and checks its form. Errors: Invalid.
func NormaliseEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 254 || !strings.Contains(email[strings.LastIndexByte(email, '@')+1:], ".") {
		return "", ladda.Errorf(ladda.Invalid, "", "email is not a valid address")
	}
	return email, nil
}

func throttleKey(kind, value string) string {
	h := digest(kind + ":" + value)
	return kind + ":" + hex.EncodeToString(h[:12])
}

// checkThrottle refuses while key is locked.
func (s *Service) checkThrottle(ctx context.Context, op, key string) error {
	t, err := s.store.Throttle(ctx, key)
	if err != nil {
		return ladda.Wrap(op, err)
	}
	if now := s.clock.Now(); t.LockedUntil.After(now) {
		return errLocked(op, t.LockedUntil)
	}
	return nil
}

// fail records a failure of key and returns the lock that follows from it, if any.
func (s *Service) fail(ctx context.Context, key string) (time.Time, error) {
	return s.failAfter(ctx, key, s.opts.MaxFailures)
}

// failAfter records a failure of key, which locks from the max-th failure within the window
// on, for LockBase doubling with each further one up to LockMax.
func (s *Service) failAfter(ctx context.Context, key string, max int) (time.Time, error) {
	o := s.opts
	t, err := s.store.Fail(context.WithoutCancel(ctx), key, s.clock.Now(), o.FailureWindow, func(n int) time.Duration {
		if n < max {
			return 0
		}
		d := o.LockBase << min(n-max, 16)
		return min(d, o.LockMax)
	})
	if err != nil {
		return time.Time{}, err
	}
	return t.LockedUntil, nil
}

// Password failures lock twice over: the pair of account and client address after MaxFailures,
// so that one attacker cannot lock the owner out from elsewhere; and the account from every
// address after AccountMaxFailures, so that many addresses together cannot guess on.
func passwordKeys(email, ip string) (pair, account string) {
	return throttleKey("login", email+"|"+ip), throttleKey("login-account", email)
}

// checkPassword refuses while the account is locked for the client at m.IP.
func (s *Service) checkPasswordThrottle(ctx context.Context, op, email string, m Meta) error {
	pair, acct := passwordKeys(email, m.IP)
	if err := s.checkThrottle(ctx, op, pair); err != nil {
		return err
	}
	return s.checkThrottle(ctx, op, acct)
}

// failPassword counts a wrong password and returns the lock that follows, if any.
func (s *Service) failPassword(ctx context.Context, email string, m Meta) (time.Time, error) {
	pair, acct := passwordKeys(email, m.IP)
	until, err := s.fail(ctx, pair)
	if err != nil {
		return until, err
	}
	all, err := s.failAfter(ctx, acct, s.opts.AccountMaxFailures)
	if all.After(until) {
		until = all
	}
	return until, err
}

// SignupRequest is a driver's new account.
type SignupRequest struct {
	Email    string
	Password string
	Name     string
	Language string
}

// Signup creates a driver's account and emails a verification link. An address that has an
// account already gets an email saying so, and the caller gets the same answer as for a new
// one, so sign-up reveals nothing about who has an account. Errors: Invalid for a bad email,
// name, language or password.
func (s *Service) Signup(ctx context.Context, r SignupRequest, m Meta) error {
	const op = "account.Signup"
	email, err := NormaliseEmail(r.Email)
	if err != nil {
		return ladda.Wrap(op, err)
	}
	name, lang, err := checkProfile(r.Name, r.Language)
	if err != nil {
		return ladda.Wrap(op, err)
	}
	if err := password.Check(r.Password, email, name); err != nil {
		return ladda.Wrap(op, err)
	}
	if err := s.checkThrottle(ctx, op, throttleKey("signup", email)); err != nil {
		return err
	}
	// The hash is made whether or not the address has an account, so that both answers take
	// as long.
	hash, err := s.opts.Hasher.Hash(ctx, r.Password)
	if err != nil {
		return ladda.Wrap(op, err)
	}
	if existing, err := s.store.UserByEmail(ctx, email); err == nil {
		// Count it, so that the address owner is not flooded with these emails.
		if _, err := s.fail(ctx, throttleKey("signup", email)); err != nil {
			return ladda.Wrap(op, err)
		}
		s.auditUser(ctx, existing, m, "auth.signup_existing", "ok", nil)
		if link, err := s.newToken(ctx, existing.ID, ResetPasswordToken, ResetTTL); err == nil {
			s.Mail(ctx, existing.ID, MailSignupExisting, map[string]any{"Name": existing.Name, "Link": s.link("/reset-password", link), "ExpiresIn": ResetTTL})
		}
		return nil
	} else if !ladda.IsKind(err, ladda.NotFound) {
		return ladda.Wrap(op, err)
	}
	now := s.clock.Now()
	u := &User{Email: email, Name: name, Language: lang, Role: Driver, PasswordHash: hash, Prefs: DefaultPreferences, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateUser(ctx, u); err != nil {
		if ladda.IsKind(err, ladda.Conflict) { // a sign-up of the same address at the same moment
			return nil
		}
		return ladda.Wrap(op, err)
	}
	s.auditUser(ctx, u, m, "auth.signup", "ok", nil)
	return ladda.Wrap(op, s.sendVerification(ctx, u))
}

func (s *Service) sendVerification(ctx context.Context, u *User) error {
	tok, err := s.newToken(ctx, u.ID, VerifyEmailToken, VerifyTTL)
	if err != nil {
		return err
	}
	s.Mail(ctx, u.ID, MailVerifyEmail, map[string]any{"Name": u.Name, "Link": s.link("/verify-email", tok), "ExpiresIn": VerifyTTL})
	return nil
}

// newToken stores a one-time token for user and returns its secret.
func (s *Service) newToken(ctx context.Context, userID int64, purpose TokenPurpose, ttl time.Duration) (string, error) {
	text, hash, err := secret(32)
	if err != nil {
		return "", err
	}
	now := s.clock.Now()
	err = s.store.CreateToken(ctx, &OneTimeToken{Hash: hash, Purpose: purpose, UserID: userID, CreatedAt: now, ExpiresAt: now.Add(ttl)})
	return text, err
}

func (s *Service) link(path, token string) string {
	return strings.TrimRight(s.opts.PublicURL, "/") + path + "?token=" + token
}

// VerifyEmail marks the address of a token's user verified. Errors: NotFound for an unknown,
// used or expired token.
func (s *Service) VerifyEmail(ctx context.Context, token string, m Meta) error {
	const op = "account.VerifyEmail"
	t, err := s.store.UseToken(ctx, digest(token), VerifyEmailToken, s.clock.Now())
	if err != nil {
		return ladda.Wrap(op, err)
	}
	now := s.clock.Now()
	u, err := s.store.UpdateUser(ctx, t.UserID, UserUpdate{EmailVerifiedAt: &now, UpdatedAt: now})
	if err != nil {
		return ladda.Wrap(op, err)
	}
	s.auditUser(ctx, u, m, "auth.email_verified", "ok", nil)
	return nil
}

// LoginRequest is a sign-in with email and password.
type LoginRequest struct {
	Email    string
	Password string
	Kind     SessionKind
}

// Login is the outcome of a successful step of signing in.
type Login struct {
	User    *User
	Session *Session
	Secret  string // the session's secret: a cookie's value or a bearer token; shown once
	// Pending: the password was right and a second factor is needed; finish with CompleteLogin.
	Pending bool
	// NeedsMFA: the user's role requires a second factor they have not enrolled; the session may
	// only enrol one.
	NeedsMFA bool
}

// Login checks an email and password and opens a session of kind r.Kind, or a pending one when
// the user has a second factor. Errors: Unauthorized "wrong email or password" for every kind
// of failure; TooManyRequests (wrapping RetryAfter) while the account or address is locked
// after too many failures.
func (s *Service) Login(ctx context.Context, r LoginRequest, m Meta) (*Login, error) {
	const op = "account.Login"
	if r.Kind != CookieSession && r.Kind != TokenSession {
		return nil, ladda.Errorf(ladda.Invalid, op, "session kind must be cookie or token")
	}
	email, err := NormaliseEmail(r.Email)
	if err != nil || len(r.Password) > 1024 {
		_ = s.opts.Hasher.VerifyDummy(ctx, r.Password)
		return nil, errSignIn(op)
	}
	pairKey, _ := passwordKeys(email, m.IP)
	if err := s.checkPasswordThrottle(ctx, op, email, m); err != nil {
		s.auditUser(ctx, nil, m, "auth.login_locked", "denied", map[string]any{"throttle": pairKey})
		return nil, err
	}
	u, err := s.store.UserByEmail(ctx, email)
	ok, rehash := false, false
	switch {
	case err == nil:
		ok, rehash, err = s.opts.Hasher.Verify(ctx, r.Password, u.PasswordHash)
		if err != nil {
			return nil, ladda.Wrap(op, err)
		}
	case ladda.IsKind(err, ladda.NotFound):
		_ = s.opts.Hasher.VerifyDummy(ctx, r.Password)
	default:
		return nil, ladda.Wrap(op, err)
	}
	if !ok || u.EmailVerifiedAt == nil {
		until, err := s.failPassword(ctx, email, m)
		if err != nil {
			return nil, ladda.Wrap(op, err)
		}
		detail := map[string]any{"throttle": pairKey}
		if u != nil && ok {
			detail["reason"] = "email not verified"
		}
		s.auditUser(ctx, u, m, "auth.login_failed", "denied", detail)
		if !until.IsZero() && until.After(s.clock.Now()) {
			s.auditUser(ctx, u, m, "auth.locked", "denied", map[string]any{"until": until, "throttle": pairKey})
		}
		return nil, errSignIn(op)
	}
	if err := s.store.ClearThrottle(ctx, pairKey); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if rehash {
		if h, err := s.opts.Hasher.Hash(ctx, r.Password); err == nil {
			now := s.clock.Now()
			if nu, err := s.store.UpdateUser(ctx, u.ID, UserUpdate{PasswordHash: &h, UpdatedAt: now}); err == nil {
				u = nu
			}
		}
	}
	pending := u.TOTPEnabledAt != nil
	l, err := s.openSession(ctx, u, r.Kind, pending, m)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if pending {
		s.auditUser(ctx, u, m, "auth.password_ok", "ok", map[string]any{"next": "second factor"})
		return l, nil
	}
	s.loggedIn(ctx, u, l, m)
	return l, nil
}

// loggedIn finishes a sign-in: the audit log and, if the user wants it, an email.
func (s *Service) loggedIn(ctx context.Context, u *User, l *Login, m Meta) {
	s.auditUser(ctx, u, m, "auth.login", "ok", map[string]any{"session": l.Session.ID, "kind": string(l.Session.Kind)})
	if u.Prefs.NewLogin {
		s.Mail(ctx, u.ID, MailNewLogin, map[string]any{"Name": u.Name, "IP": m.IP, "UserAgent": truncate(m.UserAgent, 200), "Time": s.clock.Now()})
	}
}

func (s *Service) openSession(ctx context.Context, u *User, kind SessionKind, pending bool, m Meta) (*Login, error) {
	text, hash, err := secret(32)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	ttl := s.opts.TokenTTL
	if kind == CookieSession {
		ttl = s.opts.CookieTTL
	}
	if pending {
		ttl = PendingTTL
	}
	sess := &Session{UserID: u.ID, Hash: hash, Kind: kind, Pending: pending, IP: m.IP, UserAgent: truncate(m.UserAgent, 200),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(ttl)}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return nil, err
	}
	return &Login{User: u, Session: sess, Secret: text, Pending: pending, NeedsMFA: !pending && s.mfaRequired(u)}, nil
}

func (s *Service) mfaRequired(u *User) bool {
	return u.TOTPEnabledAt == nil && slices.Contains(s.opts.RequireMFA, u.Role)
}

// idleTTL is how long a session of kind may go unused.
func idleTTL(kind SessionKind) time.Duration {
	if kind == CookieSession {
		return 2 * time.Hour
	}
	return 7 * 24 * time.Hour
}

// Authenticate returns the principal of a session secret of kind. Errors: Unauthorized for an
// unknown, revoked, expired or idle session (one message for all).
func (s *Service) Authenticate(ctx context.Context, secret string, kind SessionKind) (*Principal, error) {
	const op = "account.Authenticate"
	refused := ladda.Errorf(ladda.Unauthorized, op, "invalid or expired session")
	if secret == "" || len(secret) > 100 {
		return nil, refused
	}
	sess, err := s.store.SessionByHash(ctx, digest(secret))
	if ladda.IsKind(err, ladda.NotFound) {
		return nil, refused
	}
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	now := s.clock.Now()
	if sess.Kind != kind || sess.RevokedAt != nil || !now.Before(sess.ExpiresAt) || now.Sub(s.lastSeen(sess)) > idleTTL(sess.Kind) {
		return nil, refused
	}
	u, err := s.store.User(ctx, sess.UserID)
	if ladda.IsKind(err, ladda.NotFound) {
		return nil, refused
	}
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	s.mu.Lock()
	s.seen[sess.ID] = now
	s.mu.Unlock()
	p := UserPrincipal(u, sess, s.mfaRequired(u))
	if p.OrgKind, err = s.orgKind(ctx, p.OrgID); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	return p, nil
}

// orgKind returns the kind of organisation id ("" for 0). Kinds never change, so they are
// remembered.
func (s *Service) orgKind(ctx context.Context, id int64) (OrgKind, error) {
	if id == 0 {
		return "", nil
	}
	if k, ok := s.kinds.Load(id); ok {
		return k.(OrgKind), nil
	}
	o, err := s.store.Organisation(ctx, id)
	if err != nil {
		return "", err
	}
	s.kinds.Store(id, o.Kind)
	return o.Kind, nil
}

// KeyPrincipal returns the principal of an API key, with its organisation's kind.
func (s *Service) KeyPrincipal(ctx context.Context, k *APIKey) (*Principal, error) {
	p := KeyPrincipal(k)
	var err error
	p.OrgKind, err = s.orgKind(ctx, p.OrgID)
	if p.OrgID != 0 {
		p.Perms = KeyPermissions(k.Scopes, p.OrgKind)
	}
	return p, ladda.Wrap("account.KeyPrincipal", err)
}

// lastSeen is the latest use of sess, including uses not yet flushed to the store.
func (s *Service) lastSeen(sess *Session) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.seen[sess.ID]; ok && t.After(sess.LastSeenAt) {
		return t
	}
	return sess.LastSeenAt
}

// CompleteLogin finishes a pending sign-in with a TOTP code or a recovery code, and replaces the
// pending session with a full one of the same kind. Errors: Unauthorized for a wrong code or a
// session that is not pending; TooManyRequests after too many wrong codes.
func (s *Service) CompleteLogin(ctx context.Context, pendingSecret, code string, m Meta) (*Login, error) {
	const op = "account.CompleteLogin"
	refused := ladda.Errorf(ladda.Unauthorized, op, "invalid code or sign-in expired; sign in again")
	sess, err := s.store.SessionByHash(ctx, digest(pendingSecret))
	now := s.clock.Now()
	if err != nil || !sess.Pending || sess.RevokedAt != nil || !now.Before(sess.ExpiresAt) {
		if err != nil && !ladda.IsKind(err, ladda.NotFound) {
			return nil, ladda.Wrap(op, err)
		}
		return nil, refused
	}
	u, err := s.store.User(ctx, sess.UserID)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if err := s.checkSecondFactor(ctx, op, u, code, m); err != nil {
		return nil, err
	}
	if err := s.store.RevokeSession(ctx, u.ID, sess.ID, now); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	l, err := s.openSession(ctx, u, sess.Kind, false, m)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	s.loggedIn(ctx, u, l, m)
	return l, nil
}

// Logout ends the principal's session.
func (s *Service) Logout(ctx context.Context, p *Principal, m Meta) error {
	if p.Session == nil {
		return ladda.Errorf(ladda.Invalid, "account.Logout", "API keys do not sign out; revoke the key instead")
	}
	err := s.store.RevokeSession(ctx, p.User.ID, p.Session.ID, s.clock.Now())
	if err == nil {
		s.Audit(ctx, p, m, "auth.logout", "session:"+itoa(p.Session.ID), "ok", nil)
	}
	return ladda.Wrap("account.Logout", err)
}

// Sessions lists the principal's own open sessions.
func (s *Service) Sessions(ctx context.Context, p *Principal) ([]*Session, error) {
	now := s.clock.Now()
	list, err := s.store.Sessions(ctx, p.UserID(), now)
	if err != nil {
		return nil, ladda.Wrap("account.Sessions", err)
	}
	open := list[:0]
	for _, x := range list {
		if now.Sub(s.lastSeen(x)) <= idleTTL(x.Kind) {
			open = append(open, x)
		}
	}
	return open, nil
}

// RevokeSession ends one of the principal's own sessions. Errors: NotFound when it is not theirs.
func (s *Service) RevokeSession(ctx context.Context, p *Principal, id int64, m Meta) error {
	err := s.store.RevokeSession(ctx, p.UserID(), id, s.clock.Now())
	if err == nil {
		s.Audit(ctx, p, m, "auth.session_revoked", "session:"+itoa(id), "ok", nil)
	}
	return ladda.Wrap("account.RevokeSession", err)
}

// ChangePassword replaces the principal's password after checking the current one, and ends
// their other sessions. Errors: Unauthorized for a wrong current password (counted like a
// failed sign-in), Invalid for a weak new one.
func (s *Service) ChangePassword(ctx context.Context, p *Principal, current, next string, m Meta) error {
	const op = "account.ChangePassword"
	u := p.User
	if err := s.checkPasswordThrottle(ctx, op, u.Email, m); err != nil {
		return err
	}
	ok, _, err := s.opts.Hasher.Verify(ctx, current, u.PasswordHash)
	if err != nil {
		return ladda.Wrap(op, err)
	}
	if !ok {
		if _, err := s.failPassword(ctx, u.Email, m); err != nil {
			return ladda.Wrap(op, err)
		}
		s.Audit(ctx, p, m, "auth.password_change_failed", "user:"+itoa(u.ID), "denied", nil)
		return ladda.Errorf(ladda.Unauthorized, op, "the current password is wrong")
	}
	if err := s.setPassword(ctx, u, next); err != nil {
		return ladda.Wrap(op, err)
	}
	except := int64(0)
	if p.Session != nil {
		except = p.Session.ID
	}
	if err := s.store.RevokeSessions(ctx, u.ID, except, s.clock.Now()); err != nil {
		return ladda.Wrap(op, err)
	}
	// A reset link sent before must not undo the change.
	if err := s.store.ExpireTokens(ctx, u.ID, ResetPasswordToken, s.clock.Now()); err != nil {
		return ladda.Wrap(op, err)
	}
	s.Audit(ctx, p, m, "auth.password_changed", "user:"+itoa(u.ID), "ok", nil)
	s.Mail(ctx, u.ID, MailPasswordChanged, map[string]any{"Name": u.Name, "Time": s.clock.Now()})
	return nil
}

func (s *Service) setPassword(ctx context.Context, u *User, next string) error {
	if err := password.Check(next, u.Email, u.Name); err != nil {
		return err
	}
	hash, err := s.opts.Hasher.Hash(ctx, next)
	if err != nil {
		return err
	}
	_, err = s.store.UpdateUser(ctx, u.ID, UserUpdate{PasswordHash: &hash, UpdatedAt: s.clock.Now()})
	return err
}

// RequestPasswordReset emails a reset link to the address if it has an account. The caller
// gets the same answer either way. Errors: TooManyRequests when the address or caller asked
// too often.
func (s *Service) RequestPasswordReset(ctx context.Context, email string, m Meta) error {
	const op = "account.RequestPasswordReset"
	email, err := NormaliseEmail(email)
	if err != nil {
		return nil
	}
	key := throttleKey("reset", email)
	if err := s.checkThrottle(ctx, op, key); err != nil {
		return err
	}
	// Every request counts, so that one address gets at most a few emails an hour.
	if _, err := s.fail(ctx, key); err != nil {
		return ladda.Wrap(op, err)
	}
	u, err := s.store.UserByEmail(ctx, email)
	if ladda.IsKind(err, ladda.NotFound) {
		s.auditUser(ctx, nil, m, "auth.reset_requested", "unknown", nil)
		return nil
	}
	if err != nil {
		return ladda.Wrap(op, err)
	}
	tok, err := s.newToken(ctx, u.ID, ResetPasswordToken, ResetTTL)
	if err != nil {
		return ladda.Wrap(op, err)
	}
	s.auditUser(ctx, u, m, "auth.reset_requested", "ok", nil)
	s.Mail(ctx, u.ID, MailPasswordReset, map[string]any{"Name": u.Name, "Link": s.link("/reset-password", tok), "ExpiresIn": ResetTTL})
	return nil
}

// ResetPassword sets a new password with a token from a reset email, verifies the address (the
// user proved they read it) and ends every session. Errors: NotFound for an unknown, used or
// expired token; Invalid for a weak password (the token is then used up: ask again).
func (s *Service) ResetPassword(ctx context.Context, token, next string, m Meta) error {
	const op = "account.ResetPassword"
	if err := password.Check(next); err != nil {
		return ladda.Wrap(op, err)
	}
	t, err := s.store.UseToken(ctx, digest(token), ResetPasswordToken, s.clock.Now())
	if err != nil {
		return ladda.Wrap(op, err)
	}
	u, err := s.store.User(ctx, t.UserID)
	if err != nil {
		return ladda.Wrap(op, err)
	}
	if err := s.setPassword(ctx, u, next); err != nil {
		return ladda.Wrap(op, err)
	}
	now := s.clock.Now()
	if u.EmailVerifiedAt == nil {
		if _, err := s.store.UpdateUser(ctx, u.ID, UserUpdate{EmailVerifiedAt: &now, UpdatedAt: now}); err != nil {
			return ladda.Wrap(op, err)
		}
	}
	if err := s.store.RevokeSessions(ctx, u.ID, 0, now); err != nil {
		return ladda.Wrap(op, err)
	}
	if err := s.store.ExpireTokens(ctx, u.ID, ResetPasswordToken, now); err != nil {
		return ladda.Wrap(op, err)
	}
	_, acct := passwordKeys(u.Email, "")
	if err := s.store.ClearThrottle(ctx, acct); err != nil {
		return ladda.Wrap(op, err)
	}
	s.auditUser(ctx, u, m, "auth.password_reset", "ok", nil)
	s.Mail(ctx, u.ID, MailPasswordChanged, map[string]any{"Name": u.Name, "Time": s.clock.Now()})
	return nil
}
