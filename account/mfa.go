package account

import (
	"context"
	"strings"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account/totp"
)

// RecoveryCodeCount is how many recovery codes a user gets.
const RecoveryCodeCount = 10

// Enrolment is a second factor being set up: the secret for the authenticator app, as a URL
// and a QR code.
type Enrolment struct {
	Secret string
	URL    string
	PNG    []byte
}

// BeginTOTP starts enrolling an authenticator app for the principal, after checking their
// password (a stolen session alone must not attach the thief's app): it stores a new secret, not
// yet in force, and returns it. Errors: Unauthorized for a wrong password; Conflict when a
// second factor is enabled already.
func (s *Service) BeginTOTP(ctx context.Context, p *Principal, pw string, m Meta) (*Enrolment, error) {
	const op = "account.BeginTOTP"
	u, err := s.store.User(ctx, p.User.ID)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if err := s.checkPassword(ctx, op, u, pw, m); err != nil {
		return nil, err
	}
	if u.TOTPEnabledAt != nil {
		return nil, ladda.Errorf(ladda.Conflict, op, "two-factor authentication is on already; turn it off first to enrol a new app")
	}
	key, err := totp.Generate(s.opts.Issuer, u.Email)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	png, err := key.PNG(256)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if _, err := s.store.UpdateUser(ctx, u.ID, UserUpdate{TOTPSecret: &key.Secret, UpdatedAt: s.clock.Now()}); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	s.Audit(ctx, p, m, "mfa.enrol_started", "user:"+itoa(u.ID), "ok", nil)
	return &Enrolment{Secret: key.Secret, URL: key.URL, PNG: png}, nil
}

// ConfirmTOTP puts the enrolled app in force once the user shows one of its codes, and returns
// new recovery codes, shown only now. Errors: Conflict when no enrolment was started or one is
// on already; Unauthorized for a wrong code.
func (s *Service) ConfirmTOTP(ctx context.Context, p *Principal, code string, m Meta) ([]string, error) {
	const op = "account.ConfirmTOTP"
	u, err := s.store.User(ctx, p.User.ID)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if u.TOTPEnabledAt != nil || u.TOTPSecret == "" {
		return nil, ladda.Errorf(ladda.Conflict, op, "start the enrolment first (POST /api/v1/me/2fa)")
	}
	key := throttleKey("mfa", itoa(u.ID))
	if err := s.checkThrottle(ctx, op, key); err != nil {
		return nil, err
	}
	step, err := totp.Validate(u.TOTPSecret, code, s.clock.Now(), u.TOTPLastStep)
	if err != nil {
		return nil, s.mfaFailed(ctx, op, u, m, key, err)
	}
	if ok, err := s.store.AdvanceTOTPStep(ctx, u.ID, step); err != nil || !ok {
		if err != nil {
			return nil, ladda.Wrap(op, err)
		}
		return nil, s.mfaFailed(ctx, op, u, m, key, ladda.Errorf(ladda.Unauthorized, op, "invalid code"))
	}
	codes, hashes, err := totp.RecoveryCodes(RecoveryCodeCount)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if err := s.store.SetRecoveryCodes(ctx, u.ID, hashes); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	now := s.clock.Now()
	if _, err := s.store.UpdateUser(ctx, u.ID, UserUpdate{TOTPEnabledAt: &now, UpdatedAt: now}); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	// Sessions opened with the password alone end: from now on a sign-in takes both factors.
	if err := s.store.RevokeSessions(ctx, u.ID, sessionID(p), now); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	s.Audit(ctx, p, m, "mfa.enabled", "user:"+itoa(u.ID), "ok", nil)
	s.Mail(ctx, u.ID, MailTwoFactorChanged, map[string]any{"Name": u.Name, "Enabled": true, "Time": s.clock.Now()})
	return codes, nil
}

// DisableTOTP turns the second factor off after checking the password and a current code (or a
// recovery code). Errors: Unauthorized for a wrong password or code; Forbidden when the user's
// role requires a second factor.
func (s *Service) DisableTOTP(ctx context.Context, p *Principal, pw, code string, m Meta) error {
	const op = "account.DisableTOTP"
	u, err := s.store.User(ctx, p.User.ID)
	if err != nil {
		return ladda.Wrap(op, err)
	}
	if u.TOTPEnabledAt == nil {
		return ladda.Errorf(ladda.Conflict, op, "two-factor authentication is off")
	}
	for _, r := range s.opts.RequireMFA {
		if r == u.Role {
			return ladda.Errorf(ladda.Forbidden, op, "users with role %s must use two-factor authentication", u.Role)
		}
	}
	if err := s.checkPassword(ctx, op, u, pw, m); err != nil {
		return err
	}
	if err := s.checkSecondFactor(ctx, op, u, code, m); err != nil {
		return err
	}
	if _, err := s.store.UpdateUser(ctx, u.ID, UserUpdate{ClearTOTP: true, UpdatedAt: s.clock.Now()}); err != nil {
		return ladda.Wrap(op, err)
	}
	if err := s.store.SetRecoveryCodes(ctx, u.ID, nil); err != nil {
		return ladda.Wrap(op, err)
	}
	if err := s.store.RevokeSessions(ctx, u.ID, sessionID(p), s.clock.Now()); err != nil {
		return ladda.Wrap(op, err)
	}
	s.Audit(ctx, p, m, "mfa.disabled", "user:"+itoa(u.ID), "ok", nil)
	s.Mail(ctx, u.ID, MailTwoFactorChanged, map[string]any{"Name": u.Name, "Enabled": false, "Time": s.clock.Now()})
	return nil
}

// RegenerateRecoveryCodes replaces the principal's recovery codes after checking a current code.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, p *Principal, code string, m Meta) ([]string, error) {
	const op = "account.RegenerateRecoveryCodes"
	u, err := s.store.User(ctx, p.User.ID)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if u.TOTPEnabledAt == nil {
		return nil, ladda.Errorf(ladda.Conflict, op, "two-factor authentication is off")
	}
	if err := s.checkSecondFactor(ctx, op, u, code, m); err != nil {
		return nil, err
	}
	codes, hashes, err := totp.RecoveryCodes(RecoveryCodeCount)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if err := s.store.SetRecoveryCodes(ctx, u.ID, hashes); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	s.Audit(ctx, p, m, "mfa.recovery_codes_regenerated", "user:"+itoa(u.ID), "ok", nil)
	return codes, nil
}

// checkPassword checks a user's password, counting a wrong one like a failed sign-in.
func (s *Service) checkPassword(ctx context.Context, op string, u *User, pw string, m Meta) error {
	if err := s.checkPasswordThrottle(ctx, op, u.Email, m); err != nil {
		return err
	}
	ok, _, err := s.opts.Hasher.Verify(ctx, pw, u.PasswordHash)
	if err != nil {
		return ladda.Wrap(op, err)
	}
	if !ok {
		until, err := s.failPassword(ctx, u.Email, m)
		if err != nil {
			return ladda.Wrap(op, err)
		}
		s.auditUser(ctx, u, m, "auth.reauth_failed", "denied", map[string]any{"op": op})
		if until.After(s.clock.Now()) {
			s.auditUser(ctx, u, m, "auth.locked", "denied", map[string]any{"until": until})
		}
		return ladda.Errorf(ladda.Unauthorized, op, "the password is wrong")
	}
	return nil
}

// checkSecondFactor accepts a current TOTP code (6 digits) or an unused recovery code of u.
func (s *Service) checkSecondFactor(ctx context.Context, op string, u *User, code string, m Meta) error {
	key := throttleKey("mfa", itoa(u.ID))
	if err := s.checkThrottle(ctx, op, key); err != nil {
		return err
	}
	code = strings.TrimSpace(code)
	if len(code) == 6 && strings.Trim(code, "0123456789") == "" {
		step, err := totp.Validate(u.TOTPSecret, code, s.clock.Now(), u.TOTPLastStep)
		if err != nil {
			return s.mfaFailed(ctx, op, u, m, key, err)
		}
		ok, err := s.store.AdvanceTOTPStep(ctx, u.ID, step)
		if err != nil {
			return ladda.Wrap(op, err)
		}
		if !ok { // the same code, used by a concurrent request
			return s.mfaFailed(ctx, op, u, m, key, ladda.Errorf(ladda.Unauthorized, op, "invalid code"))
		}
		return nil
	}
	hashes, err := s.store.RecoveryCodes(ctx, u.ID)
	if err != nil {
		return ladda.Wrap(op, err)
	}
	i, ok := totp.MatchRecoveryCode(code, hashes)
	if !ok {
		return s.mfaFailed(ctx, op, u, m, key, ladda.Errorf(ladda.Unauthorized, op, "invalid code"))
	}
	if err := s.store.UseRecoveryCode(ctx, u.ID, hashes[i], s.clock.Now()); err != nil {
		if ladda.IsKind(err, ladda.NotFound) { // used by a concurrent request
			return s.mfaFailed(ctx, op, u, m, key, ladda.Errorf(ladda.Unauthorized, op, "invalid code"))
		}
		return ladda.Wrap(op, err)
	}
	s.auditUser(ctx, u, m, "mfa.recovery_code_used", "ok", map[string]any{"left": len(hashes) - 1})
	return nil
}

// mfaFailed counts a wrong second factor and returns the error to answer.
func (s *Service) mfaFailed(ctx context.Context, op string, u *User, m Meta, key string, cause error) error {
	until, err := s.fail(ctx, key)
	if err != nil {
		return ladda.Wrap(op, err)
	}
	s.auditUser(ctx, u, m, "auth.mfa_failed", "denied", map[string]any{"op": op})
	if until.After(s.clock.Now()) {
		s.auditUser(ctx, u, m, "auth.mfa_locked", "denied", map[string]any{"until": until})
	}
	if ladda.IsKind(cause, ladda.Invalid) {
		return ladda.Wrap(op, cause)
	}
	return ladda.Errorf(ladda.Unauthorized, op, "invalid code")
}

// sessionID is the ID of p's session, 0 for none.
func sessionID(p *Principal) int64 {
	if p.Session == nil {
		return 0
	}
	return p.Session.ID
}
