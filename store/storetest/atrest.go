package storetest

import (
	"bytes"
	"database/sql"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/billing"
	"github.com/ladda-csms/ladda/vault"
)

// An Engine opens stores on one database, and reaches the database past them.
type Engine struct {
	// Open opens a store on the database that seals personal data with keys; several may be
	// open at once. It closes the store at the test's end (Close may be called before).
	Open func(t *testing.T, keys *vault.Keyring) Store
	// Raw is a connection to the database that bypasses the stores, for statements with no
	// parameters that both engines understand.
	Raw *sql.DB
}

// TestKeyring returns a keyring of fixed keys for tests, written as vault.ParseKeyring reads
// it: "new" and "old" name one key each, other ids keys of their own.
func TestKeyring(tb testing.TB, spec ...string) *vault.Keyring {
	tb.Helper()
	var text string
	for i, id := range spec {
		if i > 0 {
			text += ","
		}
		key := bytes.Repeat([]byte(id), 32)[:32]
		text += id + ":" + base64.StdEncoding.EncodeToString(key)
	}
	k, err := vault.ParseKeyring(text)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// RunAtRest runs the tests of what an engine keeps at rest: personal data sealed, found again
// after a key rotation, and an audit log and a ledger that the database itself keeps
// append-only. newDB makes a new, empty database for one test.
func RunAtRest(t *testing.T, newDB func(t *testing.T) Engine) {
	t.Run("personal data is stored sealed, never as plain text", func(t *testing.T) {
		t.Parallel()
		e := newDB(t)
		s := e.Open(t, TestKeyring(t, "k1"))
		u := newUser("anna.hemlig@example.com")
		u.Name, u.TOTPSecret = "Anna Hemlig", "JBSWY3DPEHPK3PXP"
		mustCreateUser(t, s, u)
		mustCreateWebhook(t, s, &account.Webhook{UserID: u.ID, URL: "https://example.com/hook", Secret: []byte("whsec-plaintext"), Active: true})
		if _, err := s.Fail(t.Context(), "anna.hemlig@example.com", t0, time.Hour, nil); err != nil {
			t.Fatal(err)
		}
		mail := &account.Delivery{Kind: account.EmailDelivery, UserID: u.ID, Template: "password_reset",
			Payload: []byte(`{"Name":"Anna Hemlig","Link":"https://ladda.test/reset-password?token=tok-plaintext"}`), NextAt: t0, CreatedAt: t0}
		if err := s.Enqueue(t.Context(), []*account.Delivery{mail}); err != nil {
			t.Fatal(err)
		}
		plain := [][]byte{[]byte("anna.hemlig"), []byte("Hemlig"), []byte("JBSWY3DP"), []byte("whsec-plaintext"), []byte("tok-plaintext")}
		for _, q := range []string{
			"SELECT email FROM users", "SELECT email_index FROM users", "SELECT name FROM users", "SELECT totp_secret FROM users",
			"SELECT secret FROM webhooks", "SELECT key FROM throttles", "SELECT payload FROM deliveries",
		} {
			var stored []byte
			if err := e.Raw.QueryRowContext(t.Context(), q).Scan(&stored); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if len(stored) == 0 {
				t.Errorf("%s: empty", q)
			}
			for _, p := range plain {
				if bytes.Contains(bytes.ToLower(stored), bytes.ToLower(p)) {
					t.Errorf("%s: %q holds %q in plain text", q, stored, p)
				}
			}
		}
		// Read through the store, it is all there.
		got, err := s.UserByEmail(t.Context(), "anna.hemlig@example.com")
		if err != nil || got.Name != "Anna Hemlig" || got.TOTPSecret != "JBSWY3DPEHPK3PXP" {
			t.Errorf("UserByEmail = %+v, %v", got, err)
		}
		if ds, err := s.Deliveries(t.Context(), account.DeliveryFilter{UserID: u.ID, Limit: 1}); err != nil || len(ds) != 1 || !bytes.Equal(ds[0].Payload, mail.Payload) {
			t.Errorf("Deliveries = %+v, %v", ds, err)
		}
	})

	t.Run("after a key rotation, what the old key sealed and indexed is found and read", func(t *testing.T) {
		t.Parallel()
		e := newDB(t)
		before := e.Open(t, TestKeyring(t, "old"))
		u := newUser("bo@example.com")
		u.TOTPSecret = "SECRET"
		mustCreateUser(t, before, u)
		hook := mustCreateWebhook(t, before, &account.Webhook{UserID: u.ID, URL: "https://example.com", Secret: []byte("s3cret"), Active: true})
		if err := before.Close(); err != nil {
			t.Fatal(err)
		}

		after := e.Open(t, TestKeyring(t, "new", "old"))
		got, err := after.UserByEmail(t.Context(), "bo@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != u.ID || got.Email != "bo@example.com" || got.Name != u.Name || got.TOTPSecret != "SECRET" {
			t.Errorf("the user sealed under the old key: %+v", got)
		}
		if w, err := after.Webhook(t.Context(), hook.ID); err != nil || string(w.Secret) != "s3cret" {
			t.Errorf("the webhook sealed under the old key: %+v, %v", w, err)
		}
		// The email is still taken, whichever key indexed it.
		wantKind(t, after.CreateUser(t.Context(), newUser("bo@example.com")), ladda.Conflict)
		// What is written now is sealed and indexed under the new key, and read back.
		name := "Bo Nyström"
		if _, err := after.UpdateUser(t.Context(), u.ID, account.UserUpdate{Name: &name, UpdatedAt: at(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		cy := mustCreateUser(t, after, newUser("cy@example.com"))
		for _, email := range []string{"bo@example.com", "cy@example.com"} {
			if _, err := after.UserByEmail(t.Context(), email); err != nil {
				t.Errorf("UserByEmail(%s): %v", email, err)
			}
		}
		// A store without the new key finds nothing indexed under it.
		stale := e.Open(t, TestKeyring(t, "old"))
		_, err = stale.UserByEmail(t.Context(), "cy@example.com")
		wantKind(t, err, ladda.NotFound)
		// Without the key that sealed a value, reading it fails; it does not come back garbled.
		if _, err := stale.User(t.Context(), cy.ID); err == nil {
			t.Errorf("a store without the new key read a user sealed under it")
		}
	})

	t.Run("resealing rewrites everything under the new key, so the old key can go", func(t *testing.T) {
		t.Parallel()
		e := newDB(t)
		before := e.Open(t, TestKeyring(t, "old"))
		u := newUser("dag@example.com")
		u.Name, u.TOTPSecret = "Dag", "TOTPSECRET"
		mustCreateUser(t, before, u)
		hook := mustCreateWebhook(t, before, &account.Webhook{OrgID: 0, UserID: u.ID, URL: "https://example.com", Secret: []byte("hooksecret"), Active: false})
		if err := before.Close(); err != nil {
			t.Fatal(err)
		}
		rotating := e.Open(t, TestKeyring(t, "new", "old"))
		n, err := rotating.Reseal(t.Context())
		if err != nil || n != 2 {
			t.Fatalf("Reseal = %d, %v; want 2 rows", n, err)
		}
		if err := rotating.Close(); err != nil {
			t.Fatal(err)
		}
		after := e.Open(t, TestKeyring(t, "new"))
		got, err := after.UserByEmail(t.Context(), "dag@example.com")
		if err != nil || got.Name != "Dag" || got.TOTPSecret != "TOTPSECRET" {
			t.Fatalf("after resealing, without the old key: %+v, %v", got, err)
		}
		if w, err := after.Webhook(t.Context(), hook.ID); err != nil || string(w.Secret) != "hooksecret" {
			t.Fatalf("the webhook after resealing: %+v, %v", w, err)
		}
	})

	t.Run("a store refuses keys that do not fit the database, until resealed", func(t *testing.T) {
		t.Parallel()
		e := newDB(t)
		check := func(keys *vault.Keyring) error {
			s := e.Open(t, keys)
			defer s.Close()
			return s.CheckKeys(t.Context())
		}
		if err := check(TestKeyring(t, "old")); err != nil {
			t.Fatalf("the first keys: %v", err)
		}
		if err := check(TestKeyring(t, "old")); err != nil {
			t.Fatalf("the same keys again: %v", err)
		}
		wantKind(t, check(TestKeyring(t, "stranger")), ladda.Invalid)
		wantKind(t, check(TestKeyring(t, "new")), ladda.Invalid)
		if err := check(TestKeyring(t, "new", "old")); err != nil {
			t.Fatalf("a rotation's keys: %v", err)
		}
		s := e.Open(t, TestKeyring(t, "new", "old"))
		if _, err := s.Reseal(t.Context()); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if err := check(TestKeyring(t, "new")); err != nil {
			t.Fatalf("the new key alone after resealing: %v", err)
		}
	})

	t.Run("payments and payment accounts are sealed, found after a rotation, and resealed", func(t *testing.T) {
		t.Parallel()
		e := newDB(t)
		before := e.Open(t, TestKeyring(t, "old"))
		acct := &billing.PaymentAccount{UserID: 1, Mode: billing.PayByCard, Customer: "cus_hemligkund", Method: "pm_hemligmetod",
			Label: "Visa hemligetikett", UpdatedAt: t0}
		if err := before.SetPaymentAccount(t.Context(), acct); err != nil {
			t.Fatal(err)
		}
		pay := MustCreatePayment(t, before, &billing.PaymentRecord{Kind: billing.PayTopUp, UserID: 1, Currency: "SEK", State: billing.StateCaptured,
			Ref: "pi_hemligref", Customer: "cus_hemligkund", CreatedAt: t0, UpdatedAt: t0})
		plain := [][]byte{[]byte("hemligkund"), []byte("hemligmetod"), []byte("hemligetikett"), []byte("pi_hemligref"), []byte("hemligref")}
		for _, q := range []string{"SELECT body FROM payments", "SELECT ref_index FROM payments", "SELECT body FROM payment_accounts"} {
			var stored []byte
			if err := e.Raw.QueryRowContext(t.Context(), q).Scan(&stored); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if len(stored) == 0 {
				t.Errorf("%s: empty", q)
			}
			for _, p := range plain {
				if bytes.Contains(bytes.ToLower(stored), bytes.ToLower(p)) {
					t.Errorf("%s: %q holds %q in plain text", q, stored, p)
				}
			}
		}
		if err := before.Close(); err != nil {
			t.Fatal(err)
		}

		// After a rotation, the reference indexed under the old key still finds the payment.
		rotating := e.Open(t, TestKeyring(t, "new", "old"))
		if got, err := rotating.PaymentByRef(t.Context(), "pi_hemligref"); err != nil || got.ID != pay.ID || got.Customer != "cus_hemligkund" {
			t.Fatalf("PaymentByRef under the old key = %+v, %v", got, err)
		}
		n, err := rotating.Reseal(t.Context())
		if err != nil || n != 2 {
			t.Fatalf("Reseal = %d, %v; want 2 rows", n, err)
		}
		if err := rotating.Close(); err != nil {
			t.Fatal(err)
		}
		after := e.Open(t, TestKeyring(t, "new"))
		if got, err := after.PaymentByRef(t.Context(), "pi_hemligref"); err != nil || got.ID != pay.ID {
			t.Errorf("PaymentByRef after resealing, without the old key = %+v, %v", got, err)
		} else {
			wantPayment(t, got, pay)
		}
		if got, err := after.PaymentAccount(t.Context(), 1); err != nil || *got != *acct {
			t.Errorf("the payment account after resealing = %+v, %v; want %+v", got, err, acct)
		}
	})

	t.Run("invoices and billing details are sealed, survive a rotation, and invoices refuse change", func(t *testing.T) {
		t.Parallel()
		e := newDB(t)
		before := e.Open(t, TestKeyring(t, "old"))
		inv := issued()
		inv.Buyer = billing.Party{Name: "Hemlig Köpare", Email: "hemlig@example.com"}
		if err := before.IssueInvoice(t.Context(), inv); err != nil {
			t.Fatal(err)
		}
		if err := before.SetBillingDetails(t.Context(), billing.Owner{UserID: 3}, &billing.BillingDetails{Party: billing.Party{Name: "Hemlig Person"}}, t0); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"SELECT body FROM invoices", "SELECT body FROM billing_details"} {
			var stored []byte
			if err := e.Raw.QueryRowContext(t.Context(), q).Scan(&stored); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if bytes.Contains(bytes.ToLower(stored), []byte("hemlig")) {
				t.Errorf("%s holds the buyer in plain text", q)
			}
		}
		for _, q := range []string{"UPDATE invoices SET total = '0'", "DELETE FROM invoices"} {
			if _, err := e.Raw.ExecContext(t.Context(), q); err == nil {
				t.Errorf("%s: the database allowed it", q)
			}
		}
		if err := before.Close(); err != nil {
			t.Fatal(err)
		}
		rotating := e.Open(t, TestKeyring(t, "new", "old"))
		if n, err := rotating.Reseal(t.Context()); err != nil || n != 2 {
			t.Fatalf("Reseal = %d, %v; want the invoice and the details", n, err)
		}
		if err := rotating.Close(); err != nil {
			t.Fatal(err)
		}
		after := e.Open(t, TestKeyring(t, "new"))
		if got, err := after.Invoice(t.Context(), inv.ID); err != nil || got.Buyer.Name != "Hemlig Köpare" {
			t.Errorf("the invoice after resealing = %+v, %v", got, err)
		}
		if got, err := after.BillingDetails(t.Context(), billing.Owner{UserID: 3}); err != nil || got.Name != "Hemlig Person" {
			t.Errorf("the details after resealing = %+v, %v", got, err)
		}
	})

	t.Run("the database refuses to change or delete ledger entries", func(t *testing.T) {
		t.Parallel()
		e := newDB(t)
		s := e.Open(t, TestKeyring(t, "k1"))
		MustAppend(t, s, built(t)(billing.TopUp(1, "stripe", mustAmount(t, "12.34"), "SEK", "topup:1", t0)))
		for _, q := range []string{
			"UPDATE ledger_entries SET ref = 'topup:2'",
			"DELETE FROM ledger_entries",
			"UPDATE ledger_postings SET minor = 0",
			"DELETE FROM ledger_postings",
		} {
			if _, err := e.Raw.ExecContext(t.Context(), q); err == nil {
				t.Errorf("%s: no error", q)
			}
		}
		if b, err := s.Balance(t.Context(), billing.WalletAccount(1), "SEK"); err != nil || b.String() != "-12.34" {
			t.Errorf("wallet balance after the refused changes = %s, %v", b, err)
		}
		if list, err := s.Entries(t.Context(), billing.GatewayAccount("stripe"), 0, 0); err != nil || len(list) != 1 || list[0].Ref != "topup:1" {
			t.Errorf("entries after the refused changes: %+v, %v", list, err)
		}
	})

	t.Run("the database refuses to change or delete audit events", func(t *testing.T) {
		t.Parallel()
		e := newDB(t)
		s := e.Open(t, TestKeyring(t, "k1"))
		ev := mustAppendAudit(t, s, &account.AuditEvent{At: t0, ActorKind: "user", ActorID: 1, Action: "auth.login", Outcome: "ok"})
		for _, q := range []string{
			"UPDATE audit_events SET outcome = 'denied'",
			fmt.Sprintf("UPDATE audit_events SET action = 'auth.logout' WHERE id = %d", ev.ID),
			"DELETE FROM audit_events",
		} {
			if _, err := e.Raw.ExecContext(t.Context(), q); err == nil {
				t.Errorf("%s: no error", q)
			}
		}
		list, err := s.AuditEvents(t.Context(), account.AuditFilter{})
		if err != nil || len(list) != 1 || list[0].Action != "auth.login" || list[0].Outcome != "ok" {
			t.Errorf("events after the refused changes: %+v, %v", list, err)
		}
	})
}
