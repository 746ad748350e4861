package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/ladda-csms/ladda/notify/notifytest"
)

// TestAccountsEndToEnd runs a server that sends its emails to a real SMTP server (mailpit) and
// walks through what people do with accounts: an administrator made on the command line must
// enrol a second factor before anything else; a driver signs up, verifies their address from the
// email, signs in and adds a card; a forgotten password is reset from an email.
func TestAccountsEndToEnd(t *testing.T) {
	t.Parallel()
	mp := notifytest.StartMailpit(t)
	s := startServer(t, "--smtp-url", "smtp://"+mp.Host+":"+strconv.Itoa(mp.SMTPPort)+"?tls=none", "--mail-from", "Ladda <noreply@ladda.test>",
		"--require-2fa", "admin", "--password-memory", "8192", "--password-time", "1")
	ctx := context.Background()

	// The first administrator, from the command line.
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte("granite-harbour-violet-77\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	args := []string{"user", "create-admin", "--db", s.DB, "--data-dir", filepath.Join(filepath.Dir(s.DB), "data"), "--email", "root@ladda.test", "--name", "Root", "--password-file", pwFile}
	if err := run(ctx, args, noEnv, &out, &errOut); err != nil {
		t.Fatalf("user create-admin: %v\n%s", err, errOut.String())
	}
	var login struct {
		Status, Token, MFAToken string
	}
	if st := s.callWithKey(t, "", "POST", "/api/v1/auth/login", map[string]string{"email": "root@ladda.test", "password": "granite-harbour-violet-77", "session": "token"}, &login); st != 200 || login.Status != "mfa_enrolment_required" {
		t.Fatalf("admin login: %d %+v", st, login)
	}
	admin := login.Token
	if st := s.callWithKey(t, admin, "GET", "/api/v1/stations", nil, nil); st != 403 {
		t.Fatalf("an administrator without the required second factor listed stations: %d", st)
	}
	var enrol struct{ Secret, URL string }
	if st := s.callWithKey(t, admin, "POST", "/api/v1/me/2fa", map[string]string{"password": "granite-harbour-violet-77"}, &enrol); st != 200 || enrol.Secret == "" {
		t.Fatalf("enrol: %d %+v", st, enrol)
	}
	code, _ := totp.GenerateCode(enrol.Secret, time.Now())
	var codes struct{ RecoveryCodes []string }
	if st := s.callWithKey(t, admin, "POST", "/api/v1/me/2fa/confirm", map[string]string{"code": code}, &codes); st != 200 || len(codes.RecoveryCodes) != 10 {
		t.Fatalf("confirm: %d %+v", st, codes)
	}
	if st := s.callWithKey(t, admin, "GET", "/api/v1/stations", nil, nil); st != 200 {
		t.Fatalf("after enrolling: %d", st)
	}
	var subjects []string
	for _, m := range mp.Messages(t, "root@ladda.test", 2) { // a new sign-in, the second factor
		subjects = append(subjects, m.Subject)
	}
	if !strings.Contains(strings.Join(subjects, "|"), "wo-factor") {
		t.Errorf("the administrator was not told of the second factor: %q", subjects)
	}
	// Signing in again takes the second step.
	login.Token = ""
	if st := s.callWithKey(t, "", "POST", "/api/v1/auth/login", map[string]string{"email": "root@ladda.test", "password": "granite-harbour-violet-77", "session": "token"}, &login); st != 200 || login.Status != "mfa_required" || login.Token != "" {
		t.Fatalf("second admin login: %d %+v", st, login)
	}
	if st := s.callWithKey(t, "", "POST", "/api/v1/auth/login/2fa", map[string]string{"mfaToken": login.MFAToken, "code": codes.RecoveryCodes[0]}, &login); st != 200 || login.Token == "" {
		t.Fatalf("recovery code: %d %+v", st, login)
	}
	admin = login.Token

	// A driver signs up and verifies the address from the email.
	if st := s.callWithKey(t, "", "POST", "/api/v1/auth/signup", map[string]string{"email": "Sara@Example.org", "password": "otter-meadow-lamp-31", "name": "Sara", "language": "sv"}, nil); st != 202 {
		t.Fatalf("signup: %d", st)
	}
	mail := mp.Message(t, "sara@example.org")
	if !strings.Contains(mail.Text, "Sara") || !strings.Contains(mail.Subject, "e-post") {
		t.Errorf("the Swedish verification email: %q\n%s", mail.Subject, mail.Text)
	}
	tok := linkToken(t, mail.Text, s.URL+"/verify-email")
	if st := s.callWithKey(t, "", "POST", "/api/v1/auth/verify-email", map[string]string{"token": tok}, nil); st != 200 {
		t.Fatalf("verify: %d", st)
	}
	login.Token = ""
	if st := s.callWithKey(t, "", "POST", "/api/v1/auth/login", map[string]string{"email": "sara@example.org", "password": "otter-meadow-lamp-31", "session": "token"}, &login); st != 200 || login.Status != "ok" {
		t.Fatalf("driver login: %d %+v", st, login)
	}
	driver := login.Token
	if st := s.callWithKey(t, driver, "POST", "/api/v1/cards", map[string]string{"idToken": "SARA-CARD-1", "label": "Blå"}, nil); st != 201 {
		t.Fatalf("add card: %d", st)
	}
	var cards struct {
		Items []struct{ IDToken, Label string }
	}
	if st := s.callWithKey(t, driver, "GET", "/api/v1/cards", nil, &cards); st != 200 || len(cards.Items) != 1 || cards.Items[0].Label != "Blå" {
		t.Fatalf("cards: %d %+v", st, cards)
	}
	if st := s.callWithKey(t, driver, "GET", "/api/v1/stations", nil, nil); st != 403 {
		t.Fatalf("a driver listed stations: %d", st)
	}

	// A forgotten password.
	if st := s.callWithKey(t, "", "POST", "/api/v1/auth/password-reset", map[string]string{"email": "sara@example.org"}, nil); st != 202 {
		t.Fatalf("reset request: %d", st)
	}
	var reset string
	for _, m := range mp.Messages(t, "sara@example.org", 3) { // verification, new sign-in, reset
		if strings.Contains(m.Text, "/reset-password?token=") {
			reset = linkToken(t, m.Text, s.URL+"/reset-password")
		}
	}
	if st := s.callWithKey(t, "", "POST", "/api/v1/auth/password-reset/confirm", map[string]string{"token": reset, "password": "copper-fjord-lantern-8"}, nil); st != 200 {
		t.Fatalf("reset: %d", st)
	}
	if st := s.callWithKey(t, driver, "GET", "/api/v1/me", nil, nil); st != 401 {
		t.Fatalf("a session survived the reset: %d", st)
	}
	// The reset page the link opens is there.
	if st := s.callWithKey(t, "", "GET", "/reset-password?token="+url.QueryEscape(reset), nil, nil); st != 200 {
		t.Fatalf("reset page: %d", st)
	}
	// The audit log has the sign-ins, visible to the administrator.
	var audit struct{ Items []struct{ Action string } }
	if st := s.callWithKey(t, admin, "GET", "/api/v1/audit?action=auth.", nil, &audit); st != 200 || len(audit.Items) < 5 {
		t.Fatalf("audit: %d %+v", st, audit)
	}
}

// linkToken finds the link starting with prefix in an email's text and returns its token.
func linkToken(t *testing.T, text, prefix string) string {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(prefix) + `\?token=[A-Za-z0-9_-]+`).FindString(text)
	if m == "" {
		t.Fatalf("no link %s in:\n%s", prefix, text)
	}
	u, _ := url.Parse(m)
	return u.Query().Get("token")
}

// TestRekey rotates the encryption key: data written under the old key is re-encrypted under
// the new one, after which the old key is not needed.
func TestRekey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "ladda.db")
	oldKey := "old:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	newKey := "new:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{2}, 32))
	env := func(keys string) func(string) string {
		return func(k string) string {
			if k == "LADDA_ENCRYPTION_KEY" {
				return keys
			}
			return ""
		}
	}
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte("granite-harbour-violet-77\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	create := func(keys, email string) error {
		return run(ctx, []string{"user", "create-admin", "--db", db, "--email", email, "--password-file", pwFile}, env(keys), &out, &errOut)
	}
	if err := create(oldKey, "a@ladda.test"); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	if err := run(ctx, []string{"rekey", "--db", db}, env(newKey+","+oldKey), &out, &errOut); err != nil || !strings.Contains(out.String(), "Re-encrypted 1 rows") {
		t.Fatalf("rekey: %v\n%s%s", err, out.String(), errOut.String())
	}
	// With the new key alone, the address re-encrypted under it is found: it is taken.
	if err := create(newKey, "a@ladda.test"); err == nil || !strings.Contains(err.Error(), "exists") && !strings.Contains(err.Error(), "conflict") && !strings.Contains(err.Error(), "in use") {
		t.Fatalf("the re-encrypted address was not found under the new key: %v", err)
	}
}
