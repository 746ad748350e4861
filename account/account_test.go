package account_test

import (
	"context"
	"encoding/json"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/account/password"
	"github.com/ladda-csms/ladda/store/sqlite"
)

// cheap hashes: these tests check the rules, not argon2's cost.
var testHasher = password.NewHasher(password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 16}, 4)

type env struct {
	s     *account.Service
	db    *sqlite.DB
	clock *ladda.ManualClock
}

func newEnv(t *testing.T, opts account.Options) *env {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "a.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := ladda.NewManualClock(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	opts.Clock, opts.Hasher, opts.PublicURL = clock, testHasher, "https://ladda.test"
	return &env{s: account.NewService(db, opts), db: db, clock: clock}
}

const goodPassword = "plum-orbit-velvet-42"

var meta = account.Meta{IP: "192.0.2.7", UserAgent: "test"}

// mail returns the data of the newest email with template to user id.
func (e *env) mail(t *testing.T, userID int64, template string) map[string]any {
	t.Helper()
	list, err := e.db.Deliveries(context.Background(), account.DeliveryFilter{UserID: userID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range list {
		if d.Kind == account.EmailDelivery && d.Template == template {
			var data map[string]any
			if err := json.Unmarshal(d.Payload, &data); err != nil {
				t.Fatal(err)
			}
			return data
		}
	}
	t.Fatalf("no %s email to user %d in %d deliveries", template, userID, len(list))
	return nil
}

// token is the token of an emailed link.
func token(t *testing.T, data map[string]any) string {
	t.Helper()
	u, err := url.Parse(data["Link"].(string))
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

// driver signs up and verifies a driver.
func (e *env) driver(t *testing.T, email string) *account.User {
	t.Helper()
	ctx := context.Background()
	if err := e.s.Signup(ctx, account.SignupRequest{Email: email, Password: goodPassword, Name: "Dana Driver", Language: "sv"}, meta); err != nil {
		t.Fatal(err)
	}
	u, err := e.db.UserByEmail(ctx, strings.ToLower(email))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.s.VerifyEmail(ctx, token(t, e.mail(t, u.ID, account.MailVerifyEmail)), meta); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestAPIKeyLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, account.Options{})
	s, clock := e.s, e.clock

	k, secret, err := s.CreateAPIKey(ctx, account.KeySpec{Name: "ops", Scopes: []account.Scope{account.ScopeAdmin}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, account.KeyPrefix) || !strings.HasPrefix(secret, k.Prefix) || len(secret) < 30 {
		t.Fatalf("secret %q / prefix %q", secret, k.Prefix)
	}
	got, err := s.AuthenticateKey(ctx, secret)
	if err != nil || got.ID != k.ID || !account.KeyPrincipal(got).Everywhere() {
		t.Fatalf("AuthenticateKey = %+v, %v", got, err)
	}
	for _, bad := range []string{"", "ladda_", secret + "x", strings.ToUpper(secret), "Bearer " + secret} {
		if _, err := s.AuthenticateKey(ctx, bad); !ladda.IsKind(err, ladda.Unauthorized) {
			t.Errorf("AuthenticateKey(%q) = %v, want unauthorized", bad, err)
		}
	}
	clock.Advance(time.Minute)
	if _, err := s.AuthenticateKey(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	keys, err := s.APIKeys(ctx, 0)
	if err != nil || len(keys) != 1 {
		t.Fatalf("APIKeys = %v, %v", keys, err)
	}
	if keys[0].LastUsedAt == nil || !keys[0].LastUsedAt.Equal(clock.Now()) {
		t.Fatalf("LastUsedAt = %v, want %v", keys[0].LastUsedAt, clock.Now())
	}
	if err := s.RevokeAPIKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateKey(ctx, secret); !ladda.IsKind(err, ladda.Unauthorized) {
		t.Fatalf("revoked key: %v, want unauthorized", err)
	}

	// An expiring key of an organisation, with scopes.
	org, err := s.CreateOrganisation(ctx, account.KeyPrincipal(k), "Fleet AB", account.FleetOrg, meta)
	if err != nil {
		t.Fatal(err)
	}
	exp := clock.Now().Add(time.Hour)
	k2, secret2, err := s.CreateAPIKey(ctx, account.KeySpec{Name: "fleet", OrgID: org.ID, Scopes: []account.Scope{account.ScopeRead, account.ScopeRead}, ExpiresAt: &exp})
	if err != nil || len(k2.Scopes) != 1 {
		t.Fatalf("CreateAPIKey = %+v, %v", k2, err)
	}
	p := account.KeyPrincipal(k2)
	if p.Everywhere() || !p.Can(account.SessionsRead) || p.Can(account.NetworkOperate) || p.Can(account.Self) || p.Scope() != org.ID {
		t.Fatalf("principal of a read key: %+v", p)
	}
	clock.Advance(time.Hour)
	if _, err := s.AuthenticateKey(ctx, secret2); !ladda.IsKind(err, ladda.Unauthorized) {
		t.Fatalf("expired key: %v, want unauthorized", err)
	}
}

func TestCreateAPIKeyValidates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, account.Options{})
	past := e.clock.Now().Add(-time.Second)
	for _, spec := range []account.KeySpec{
		{Name: "", Scopes: []account.Scope{account.ScopeAdmin}},
		{Name: "   ", Scopes: []account.Scope{account.ScopeAdmin}},
		{Name: strings.Repeat("n", 101), Scopes: []account.Scope{account.ScopeAdmin}},
		{Name: "ops", Scopes: []account.Scope{"emperor"}},
		{Name: "ops"},
		{Name: "ops", Scopes: []account.Scope{account.ScopeRead}}, // no organisation: only admin
		{Name: "ops", Scopes: []account.Scope{account.ScopeAdmin}, ExpiresAt: &past},
	} {
		if _, _, err := e.s.CreateAPIKey(context.Background(), spec); !ladda.IsKind(err, ladda.Invalid) {
			t.Errorf("CreateAPIKey(%+v) = %v, want invalid", spec, err)
		}
	}
}

func TestPermissions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		role      account.Role
		can, cant []account.Permission
	}{
		{account.Admin, []account.Permission{account.System, account.NetworkOperate, account.Self}, nil},
		{account.Operator, []account.Permission{account.NetworkRead, account.NetworkOperate, account.Billing, account.OrgManage}, []account.Permission{account.System}},
		{account.Support, []account.Permission{account.NetworkRead, account.SessionsRead}, []account.Permission{account.NetworkOperate, account.OrgManage, account.Billing}},
		{account.FleetManager, []account.Permission{account.CardsManage, account.OrgManage}, []account.Permission{account.NetworkRead, account.System}},
		{account.Driver, []account.Permission{account.CardsManage, account.SessionsRead, account.Self}, []account.Permission{account.NetworkRead, account.OrgManage}},
	} {
		p := account.UserPrincipal(&account.User{ID: 1, Role: tc.role, OrgID: 7}, nil, false)
		for _, perm := range tc.can {
			if !p.Can(perm) {
				t.Errorf("%s cannot %s", tc.role, perm)
			}
		}
		for _, perm := range tc.cant {
			if p.Can(perm) {
				t.Errorf("%s can %s", tc.role, perm)
			}
		}
	}
	op := account.UserPrincipal(&account.User{ID: 1, Role: account.Operator, OrgID: 7}, nil, false)
	if !op.Sees(7) || op.Sees(8) || op.Sees(0) {
		t.Error("an operator sees exactly their organisation's")
	}
	if !op.CanGrant(account.Support, 7) || op.CanGrant(account.Admin, 7) || op.CanGrant(account.Support, 8) {
		t.Error("an operator grants operator and support in their organisation only")
	}
}

func TestSignupVerifyLogin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, account.Options{})
	req := account.SignupRequest{Email: " Dana@Example.org ", Password: goodPassword, Name: "Dana", Language: "sv"}
	if err := e.s.Signup(ctx, req, meta); err != nil {
		t.Fatal(err)
	}
	u, err := e.db.UserByEmail(ctx, "dana@example.org")
	if err != nil || u.Role != account.Driver || u.Language != "sv" || u.EmailVerifiedAt != nil {
		t.Fatalf("user %+v, %v", u, err)
	}
	if strings.Contains(u.PasswordHash, goodPassword) || !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
		t.Fatalf("password hash %q", u.PasswordHash)
	}
	// Not verified: refused with the same answer as a wrong password.
	_, err = e.s.Login(ctx, account.LoginRequest{Email: "dana@example.org", Password: goodPassword, Kind: account.TokenSession}, meta)
	if !ladda.IsKind(err, ladda.Unauthorized) || ladda.ErrorMessage(err) != "wrong email or password" {
		t.Fatalf("unverified login: %v", err)
	}
	// Signing up again with the address tells nobody but the address's owner.
	if err := e.s.Signup(ctx, req, meta); err != nil {
		t.Fatalf("second sign-up: %v, want the same answer as the first", err)
	}
	e.mail(t, u.ID, account.MailSignupExisting)

	tok := token(t, e.mail(t, u.ID, account.MailVerifyEmail))
	if err := e.s.VerifyEmail(ctx, tok, meta); err != nil {
		t.Fatal(err)
	}
	if err := e.s.VerifyEmail(ctx, tok, meta); !ladda.IsKind(err, ladda.NotFound) {
		t.Fatalf("token used twice: %v", err)
	}
	l, err := e.s.Login(ctx, account.LoginRequest{Email: "DANA@example.org", Password: goodPassword, Kind: account.TokenSession}, meta)
	if err != nil || l.Pending || l.Secret == "" {
		t.Fatalf("Login = %+v, %v", l, err)
	}
	p, err := e.s.Authenticate(ctx, l.Secret, account.TokenSession)
	if err != nil || p.UserID() != u.ID || !p.Driver() {
		t.Fatalf("Authenticate = %+v, %v", p, err)
	}
	if _, err := e.s.Authenticate(ctx, l.Secret, account.CookieSession); !ladda.IsKind(err, ladda.Unauthorized) {
		t.Fatalf("a token used as a cookie: %v", err)
	}
	// The sign-in is in the audit log, without the password.
	events, err := e.db.AuditEvents(ctx, account.AuditFilter{Action: "auth.", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range events {
		actions = append(actions, ev.Action)
		if strings.Contains(ev.Actor+ev.Target, "dana") {
			t.Errorf("audit event %+v names the user by email", ev)
		}
	}
	if got := strings.Join(actions, " "); !strings.Contains(got, "auth.login ") && !strings.HasPrefix(got, "auth.login") {
		t.Errorf("audit actions %s", got)
	}

	// Weak passwords are refused at sign-up.
	for _, pw := range []string{"short", "password1234", "aaaaaaaaaaaaaaa"} {
		err := e.s.Signup(ctx, account.SignupRequest{Email: "x@example.org", Password: pw}, meta)
		if !ladda.IsKind(err, ladda.Invalid) {
			t.Errorf("Signup with %q = %v, want invalid", pw, err)
		}
	}
}

func TestLoginLockout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, account.Options{})
	e.driver(t, "lee@example.org")
	login := func(email, pw string) error {
		_, err := e.s.Login(ctx, account.LoginRequest{Email: email, Password: pw, Kind: account.CookieSession}, meta)
		return err
	}
	for i := range 5 {
		if err := login("lee@example.org", "wrong-password-"+string(rune('a'+i))); !ladda.IsKind(err, ladda.Unauthorized) {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	// Locked now, even with the right password; but only for the address that failed: the
	// owner elsewhere signs in.
	if err := login("lee@example.org", goodPassword); !ladda.IsKind(err, ladda.TooManyRequests) {
		t.Fatalf("locked account: %v, want too many requests", err)
	}
	if _, err := e.s.Login(ctx, account.LoginRequest{Email: "lee@example.org", Password: goodPassword, Kind: account.TokenSession}, account.Meta{IP: "198.51.100.9"}); err != nil {
		t.Fatalf("the owner from another address: %v", err)
	}
	e.clock.Advance(61 * time.Second)
	if err := login("lee@example.org", "wrong-again-and-again"); !ladda.IsKind(err, ladda.Unauthorized) {
		t.Fatalf("after the first lock: %v", err)
	}
	// The sixth failure locks for twice as long.
	e.clock.Advance(61 * time.Second)
	if err := login("lee@example.org", goodPassword); !ladda.IsKind(err, ladda.TooManyRequests) {
		t.Fatalf("second lock should last 2 minutes: %v", err)
	}
	e.clock.Advance(61 * time.Second)
	if err := login("lee@example.org", goodPassword); err != nil {
		t.Fatalf("after the second lock: %v", err)
	}
	// A success forgets the failures.
	if err := login("lee@example.org", "one-more-wrong-one"); !ladda.IsKind(err, ladda.Unauthorized) {
		t.Fatal(err)
	}
	if err := login("lee@example.org", goodPassword); err != nil {
		t.Fatalf("one failure after a success locks nothing: %v", err)
	}

	// An unknown address is answered and locked exactly like a known one.
	for range 5 {
		if err := login("nobody@example.org", goodPassword); !ladda.IsKind(err, ladda.Unauthorized) || ladda.ErrorMessage(err) != "wrong email or password" {
			t.Fatalf("unknown address: %v", err)
		}
	}
	if err := login("nobody@example.org", goodPassword); !ladda.IsKind(err, ladda.TooManyRequests) {
		t.Fatalf("unknown address, sixth try: %v", err)
	}

	// Many addresses together lock the account for everyone.
	e.driver(t, "max@example.org")
	for i := range 50 {
		m := account.Meta{IP: "203.0.113." + strconv.Itoa(i)}
		if _, err := e.s.Login(ctx, account.LoginRequest{Email: "max@example.org", Password: "wrong-password-guess", Kind: account.TokenSession}, m); !ladda.IsKind(err, ladda.Unauthorized) {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	if _, err := e.s.Login(ctx, account.LoginRequest{Email: "max@example.org", Password: goodPassword, Kind: account.TokenSession}, account.Meta{IP: "192.0.2.200"}); !ladda.IsKind(err, ladda.TooManyRequests) {
		t.Fatalf("after 50 guesses from 50 addresses: %v, want the account locked", err)
	}
}

func TestTwoFactor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, account.Options{RequireMFA: []account.Role{account.Operator}})
	u := e.driver(t, "tove@example.org")
	l, err := e.s.Login(ctx, account.LoginRequest{Email: "tove@example.org", Password: goodPassword, Kind: account.TokenSession}, meta)
	if err != nil || l.NeedsMFA {
		t.Fatal(l, err)
	}
	p, err := e.s.Authenticate(ctx, l.Secret, account.TokenSession)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := e.s.Login(ctx, account.LoginRequest{Email: "tove@example.org", Password: goodPassword, Kind: account.TokenSession}, meta)
	if _, err := e.s.BeginTOTP(ctx, p, "not-the-password", meta); !ladda.IsKind(err, ladda.Unauthorized) {
		t.Fatalf("enrolling without the password: %v", err)
	}
	en, err := e.s.BeginTOTP(ctx, p, goodPassword, meta)
	if err != nil || en.Secret == "" || !strings.HasPrefix(en.URL, "otpauth://totp/") || len(en.PNG) < 100 {
		t.Fatalf("BeginTOTP = %+v, %v", en, err)
	}
	code := func() string {
		c, err := totp.GenerateCode(en.Secret, e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if _, err := e.s.ConfirmTOTP(ctx, p, "000000", meta); !ladda.IsKind(err, ladda.Unauthorized) {
		t.Fatalf("wrong code: %v", err)
	}
	codes, err := e.s.ConfirmTOTP(ctx, p, code(), meta)
	if err != nil || len(codes) != account.RecoveryCodeCount {
		t.Fatalf("ConfirmTOTP = %v, %v", codes, err)
	}
	e.mail(t, u.ID, account.MailTwoFactorChanged)
	if _, err := e.s.Authenticate(ctx, other.Secret, account.TokenSession); !ladda.IsKind(err, ladda.Unauthorized) {
		t.Fatalf("a session opened with the password alone outlived turning the second factor on: %v", err)
	}
	if _, err := e.s.Authenticate(ctx, l.Secret, account.TokenSession); err != nil {
		t.Fatalf("the session that turned it on: %v", err)
	}
	failures, _ := e.db.AuditEvents(ctx, account.AuditFilter{Action: "auth.mfa_failed", Limit: 10})
	if len(failures) != 1 {
		t.Errorf("wrong codes in the audit log: %d, want 1", len(failures))
	}

	// Signing in now takes two steps; the pending session can do nothing else.
	e.clock.Advance(30 * time.Second)
	l, err = e.s.Login(ctx, account.LoginRequest{Email: "tove@example.org", Password: goodPassword, Kind: account.CookieSession}, meta)
	if err != nil || !l.Pending {
		t.Fatalf("Login = %+v, %v", l, err)
	}
	pp, err := e.s.Authenticate(ctx, l.Secret, account.CookieSession)
	if err != nil || !pp.Restricted() {
		t.Fatalf("pending session: %+v, %v", pp, err)
	}
	c := code()
	full, err := e.s.CompleteLogin(ctx, l.Secret, c, meta)
	if err != nil || full.Pending || full.Session.Kind != account.CookieSession {
		t.Fatalf("CompleteLogin = %+v, %v", full, err)
	}
	if _, err := e.s.Authenticate(ctx, l.Secret, account.CookieSession); !ladda.IsKind(err, ladda.Unauthorized) {
		t.Fatalf("the pending session outlived the sign-in: %v", err)
	}
	// The same code never works twice.
	l2, _ := e.s.Login(ctx, account.LoginRequest{Email: "tove@example.org", Password: goodPassword, Kind: account.TokenSession}, meta)
	if _, err := e.s.CompleteLogin(ctx, l2.Secret, c, meta); !ladda.IsKind(err, ladda.Unauthorized) {
		t.Fatalf("replayed code: %v", err)
	}
	// A recovery code works once.
	if _, err := e.s.CompleteLogin(ctx, l2.Secret, codes[0], meta); err != nil {
		t.Fatalf("recovery code: %v", err)
	}
	l3, _ := e.s.Login(ctx, account.LoginRequest{Email: "tove@example.org", Password: goodPassword, Kind: account.TokenSession}, meta)
	if _, err := e.s.CompleteLogin(ctx, l3.Secret, codes[0], meta); !ladda.IsKind(err, ladda.Unauthorized) {
		t.Fatalf("recovery code used twice: %v", err)
	}
	// A pending sign-in expires.
	e.clock.Advance(account.PendingTTL + time.Second)
	if _, err := e.s.CompleteLogin(ctx, l3.Secret, codes[1], meta); !ladda.IsKind(err, ladda.Unauthorized) {
		t.Fatalf("expired pending sign-in: %v", err)
	}
	// Turning it off needs the password and a code.
	fp, _ := e.s.Authenticate(ctx, full.Secret, account.CookieSession)
	if err := e.s.DisableTOTP(ctx, fp, "wrong-password-here", code(), meta); !ladda.IsKind(err, ladda.Unauthorized) {
		t.Fatalf("DisableTOTP with a wrong password: %v", err)
	}
	e.clock.Advance(30 * time.Second)
	if err := e.s.DisableTOTP(ctx, fp, goodPassword, code(), meta); err != nil {
		t.Fatal(err)
	}
	l4, err := e.s.Login(ctx, account.LoginRequest{Email: "tove@example.org", Password: goodPassword, Kind: account.TokenSession}, meta)
	if err != nil || l4.Pending {
		t.Fatalf("after disabling: %+v, %v", l4, err)
	}
}

func TestRequiredTwoFactor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, account.Options{RequireMFA: []account.Role{account.Admin}})
	if _, err := e.s.BootstrapAdmin(ctx, "root@example.org", "Root", goodPassword); err != nil {
		t.Fatal(err)
	}
	l, err := e.s.Login(ctx, account.LoginRequest{Email: "root@example.org", Password: goodPassword, Kind: account.TokenSession}, meta)
	if err != nil || !l.NeedsMFA {
		t.Fatalf("Login = %+v, %v", l, err)
	}
	p, _ := e.s.Authenticate(ctx, l.Secret, account.TokenSession)
	if !p.Restricted() {
		t.Fatal("an administrator without a second factor is not restricted")
	}
	en, err := e.s.BeginTOTP(ctx, p, goodPassword, meta)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := totp.GenerateCode(en.Secret, e.clock.Now())
	if _, err := e.s.ConfirmTOTP(ctx, p, c, meta); err != nil {
		t.Fatal(err)
	}
	p, _ = e.s.Authenticate(ctx, l.Secret, account.TokenSession)
	if p.Restricted() {
		t.Fatal("still restricted after enrolling")
	}
	if err := e.s.DisableTOTP(ctx, p, goodPassword, c, meta); !ladda.IsKind(err, ladda.Forbidden) {
		t.Fatalf("an administrator turned the required second factor off: %v", err)
	}
}

func TestPasswordResetAndChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, account.Options{})
	u := e.driver(t, "ida@example.org")
	l1, _ := e.s.Login(ctx, account.LoginRequest{Email: "ida@example.org", Password: goodPassword, Kind: account.TokenSession}, meta)
	l2, _ := e.s.Login(ctx, account.LoginRequest{Email: "ida@example.org", Password: goodPassword, Kind: account.TokenSession}, meta)
	p1, _ := e.s.Authenticate(ctx, l1.Secret, account.TokenSession)

	// Changing the password ends the other sessions.
	if err := e.s.ChangePassword(ctx, p1, "not-my-password", "river-lantern-copper-9", meta); !ladda.IsKind(err, ladda.Unauthorized) {
		t.Fatalf("wrong current password: %v", err)
	}
	if err := e.s.ChangePassword(ctx, p1, goodPassword, "password12345!", meta); !ladda.IsKind(err, ladda.Invalid) {
		t.Fatalf("weak new password: %v", err)
	}
	if err := e.s.ChangePassword(ctx, p1, goodPassword, "river-lantern-copper-9", meta); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Authenticate(ctx, l1.Secret, account.TokenSession); err != nil {
		t.Fatalf("the session that changed the password: %v", err)
	}
	if _, err := e.s.Authenticate(ctx, l2.Secret, account.TokenSession); !ladda.IsKind(err, ladda.Unauthorized) {
		t.Fatalf("another session survived the change: %v", err)
	}

	// A reset by email: unknown addresses get the same answer.
	if err := e.s.RequestPasswordReset(ctx, "nobody@example.org", meta); err != nil {
		t.Fatal(err)
	}
	if err := e.s.RequestPasswordReset(ctx, "ida@example.org", meta); err != nil {
		t.Fatal(err)
	}
	tok := token(t, e.mail(t, u.ID, account.MailPasswordReset))
	if err := e.s.RequestPasswordReset(ctx, "ida@example.org", meta); err != nil {
		t.Fatal(err)
	}
	second := token(t, e.mail(t, u.ID, account.MailPasswordReset))
	if err := e.s.ResetPassword(ctx, tok, "meadow-quartz-falcon-3", meta); err != nil {
		t.Fatal(err)
	}
	if tok == second {
		t.Fatal("two reset requests sent the same link")
	}
	if err := e.s.ResetPassword(ctx, second, "meadow-quartz-falcon-9", meta); !ladda.IsKind(err, ladda.NotFound) {
		t.Fatalf("an older reset link worked after the reset: %v", err)
	}
	if err := e.s.ResetPassword(ctx, tok, "meadow-quartz-falcon-4", meta); !ladda.IsKind(err, ladda.NotFound) {
		t.Fatalf("reset token used twice: %v", err)
	}
	if _, err := e.s.Authenticate(ctx, l1.Secret, account.TokenSession); !ladda.IsKind(err, ladda.Unauthorized) {
		t.Fatalf("a session survived the reset: %v", err)
	}
	if _, err := e.s.Login(ctx, account.LoginRequest{Email: "ida@example.org", Password: "meadow-quartz-falcon-3", Kind: account.TokenSession}, meta); err != nil {
		t.Fatal(err)
	}
	// Reset links expire.
	if err := e.s.RequestPasswordReset(ctx, "ida@example.org", meta); err != nil {
		t.Fatal(err)
	}
	tok = token(t, e.mail(t, u.ID, account.MailPasswordReset))
	e.clock.Advance(account.ResetTTL + time.Second)
	if err := e.s.ResetPassword(ctx, tok, "meadow-quartz-falcon-5", meta); !ladda.IsKind(err, ladda.NotFound) {
		t.Fatalf("expired reset token: %v", err)
	}
	// Asking too often is refused.
	var err error
	for range 10 {
		if err = e.s.RequestPasswordReset(ctx, "ida@example.org", meta); err != nil {
			break
		}
	}
	if !ladda.IsKind(err, ladda.TooManyRequests) {
		t.Fatalf("ten reset requests in a row: %v", err)
	}
}

func TestSessionsExpire(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, account.Options{})
	e.driver(t, "max@example.org")
	l, _ := e.s.Login(ctx, account.LoginRequest{Email: "max@example.org", Password: goodPassword, Kind: account.CookieSession}, meta)
	// Used every hour, a cookie session lasts until its end (12 h), not beyond.
	for range 11 {
		e.clock.Advance(time.Hour)
		if _, err := e.s.Authenticate(ctx, l.Secret, account.CookieSession); err != nil {
			t.Fatalf("at %v: %v", e.clock.Now(), err)
		}
	}
	e.clock.Advance(time.Hour)
	if _, err := e.s.Authenticate(ctx, l.Secret, account.CookieSession); !ladda.IsKind(err, ladda.Unauthorized) {
		t.Fatalf("a cookie session past 12 h: %v", err)
	}
	// Unused for 2 hours, it ends.
	l, _ = e.s.Login(ctx, account.LoginRequest{Email: "max@example.org", Password: goodPassword, Kind: account.CookieSession}, meta)
	e.clock.Advance(2*time.Hour + time.Second)
	if _, err := e.s.Authenticate(ctx, l.Secret, account.CookieSession); !ladda.IsKind(err, ladda.Unauthorized) {
		t.Fatalf("an idle cookie session: %v", err)
	}
	// Sessions are listed and revoked one by one.
	l, _ = e.s.Login(ctx, account.LoginRequest{Email: "max@example.org", Password: goodPassword, Kind: account.TokenSession}, meta)
	p, _ := e.s.Authenticate(ctx, l.Secret, account.TokenSession)
	list, err := e.s.Sessions(ctx, p)
	if err != nil || len(list) != 1 || list[0].ID != l.Session.ID {
		t.Fatalf("Sessions = %v, %v", list, err)
	}
	if err := e.s.RevokeSession(ctx, p, l.Session.ID, meta); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Authenticate(ctx, l.Secret, account.TokenSession); !ladda.IsKind(err, ladda.Unauthorized) {
		t.Fatalf("revoked session: %v", err)
	}
}

func TestMemberships(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, account.Options{})
	admin, err := e.s.BootstrapAdmin(ctx, "root@example.org", "Root", goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	ap := account.UserPrincipal(admin, nil, false)
	cpo, _ := e.s.CreateOrganisation(ctx, ap, "Charge AB", account.OperatorOrg, meta)
	fleet, _ := e.s.CreateOrganisation(ctx, ap, "Fleet AB", account.FleetOrg, meta)

	op, err := e.s.CreateUser(ctx, ap, account.NewUser{Email: "op@example.org", Role: account.Operator, OrgID: cpo.ID}, meta)
	if err != nil {
		t.Fatal(err)
	}
	e.mail(t, op.ID, account.MailInvitation) // to choose a password
	if _, err := e.s.CreateUser(ctx, ap, account.NewUser{Email: "x@example.org", Role: account.Operator, OrgID: fleet.ID}, meta); !ladda.IsKind(err, ladda.Invalid) {
		t.Fatalf("an operator in a fleet: %v", err)
	}
	if _, err := e.s.CreateUser(ctx, ap, account.NewUser{Email: "op@example.org", Role: account.Support, OrgID: cpo.ID}, meta); !ladda.IsKind(err, ladda.Conflict) {
		t.Fatalf("an email in use: %v", err)
	}
	opp := account.UserPrincipal(op, nil, false)
	sup, err := e.s.CreateUser(ctx, opp, account.NewUser{Email: "sup@example.org", Role: account.Support, OrgID: cpo.ID}, meta)
	if err != nil {
		t.Fatal(err)
	}
	for _, nu := range []account.NewUser{
		{Email: "a@example.org", Role: account.Admin},
		{Email: "b@example.org", Role: account.FleetManager, OrgID: fleet.ID},
		{Email: "c@example.org", Role: account.Support, OrgID: fleet.ID},
	} {
		if _, err := e.s.CreateUser(ctx, opp, nu, meta); !ladda.IsKind(err, ladda.Forbidden) {
			t.Errorf("operator creates %+v: %v, want forbidden", nu, err)
		}
	}
	if _, err := e.s.SetMembership(ctx, opp, op.ID, account.Support, cpo.ID, meta); !ladda.IsKind(err, ladda.Forbidden) {
		t.Fatalf("changing one's own role: %v", err)
	}
	// A key the support user made dies with their old role.
	supKey, _, err := e.s.CreateAPIKey(ctx, account.KeySpec{Name: "sup", OrgID: cpo.ID, Scopes: []account.Scope{account.ScopeRead}, CreatedBy: sup.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.SetMembership(ctx, opp, sup.ID, account.Operator, cpo.ID, meta); err != nil {
		t.Fatal(err)
	}
	if k, _ := e.s.APIKey(ctx, supKey.ID); k.RevokedAt == nil {
		t.Error("a key outlived its maker's change of role")
	}
	fm, _ := e.s.CreateUser(ctx, ap, account.NewUser{Email: "fm@example.org", Role: account.FleetManager, OrgID: fleet.ID}, meta)
	fmp := account.UserPrincipal(fm, nil, false)
	if _, err := e.s.User(ctx, fmp, op.ID); !ladda.IsKind(err, ladda.NotFound) {
		t.Fatalf("a fleet manager sees an operator: %v", err)
	}
	users, err := e.s.Users(ctx, opp, account.UserFilter{})
	if err != nil || len(users) != 2 {
		t.Fatalf("an operator's users: %v, %v", users, err)
	}
	if err := e.s.DeleteOrganisation(ctx, ap, cpo.ID, meta); !ladda.IsKind(err, ladda.Conflict) {
		t.Fatalf("deleting an organisation with members: %v", err)
	}
	events, _ := e.db.AuditEvents(ctx, account.AuditFilter{Action: "user.role_changed", Limit: 10})
	if len(events) != 1 || events[0].Target != "user:"+itoaT(sup.ID) {
		t.Fatalf("role change audit: %+v", events)
	}
}

func itoaT(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestPrune(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, account.Options{})
	e.driver(t, "olle@example.org")
	l, _ := e.s.Login(ctx, account.LoginRequest{Email: "olle@example.org", Password: goodPassword, Kind: account.CookieSession}, meta)
	// The verification token is used, the session open: nothing to prune but the email queue,
	// which is still pending (no mailer here).
	if n, err := e.s.Prune(ctx); err != nil || n != 0 {
		t.Fatalf("Prune = %d, %v", n, err)
	}
	e.clock.Advance(account.KeepEndedSessions + 13*time.Hour)
	if n, err := e.s.Prune(ctx); err != nil || n < 2 {
		t.Fatalf("Prune a month later = %d, %v; want at least the session and the used token", n, err)
	}
	if _, err := e.db.SessionByHash(ctx, l.Session.Hash); !ladda.IsKind(err, ladda.NotFound) {
		t.Fatalf("the ended session was kept: %v", err)
	}
}
