package stripe_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/billing"
	"github.com/ladda-csms/ladda/billing/stripe"
	"github.com/stripe/stripe-go/v85/webhook"
)

const (
	secretKey     = "sk_test_51LaddaSecretThatMustNeverLeak"
	webhookSecret = "whsec_ladda_test_secret"
)

func mustAmount(t *testing.T, s string) billing.Amount {
	t.Helper()
	a, err := billing.ParseAmount(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// wantError fails unless err is a *ladda.Error of kind whose message contains each of parts,
// and whose text, cause included, holds neither secret.
func wantError(t *testing.T, err error, kind ladda.Kind, parts ...string) {
	t.Helper()
	if !ladda.IsKind(err, kind) {
		t.Fatalf("error %v is %v, want %v", err, ladda.ErrorKind(err), kind)
	}
	msg := ladda.ErrorMessage(err)
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("message %q does not contain %q", msg, p)
		}
	}
	noSecrets(t, err.Error())
}

func noSecrets(t *testing.T, s string) {
	t.Helper()
	for _, secret := range []string{secretKey, webhookSecret, "sk_test_ladda", "sk_live_"} {
		if strings.Contains(s, secret) {
			t.Errorf("%q shows a secret", s)
		}
	}
}

func wantAmount(t *testing.T, what string, got billing.Amount, want string) {
	t.Helper()
	if got.String() != want {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

// intent is a PaymentIntent as Stripe sends it, with the fields the Gateway reads.
func intent(id, status string, amount, capturable, received int64, currency, lastError string) string {
	le := "null"
	if lastError != "" {
		le = lastError
	}
	return fmt.Sprintf(`{"id":%q,"object":"payment_intent","status":%q,"amount":%d,"amount_capturable":%d,
		"amount_received":%d,"currency":%q,"customer":"cus_1","latest_charge":null,"last_payment_error":%s,"metadata":{}}`,
		id, status, amount, capturable, received, currency, le)
}

func TestNewChecksTheConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  stripe.Config
		want string
	}{
		{"no key", stripe.Config{}, "SecretKey is empty"},
		{"key with space", stripe.Config{SecretKey: secretKey + " "}, "SecretKey contains white space"},
		{"relative URL", stripe.Config{SecretKey: secretKey, BaseURL: "127.0.0.1:12111"}, "BaseURL"},
		{"ftp URL", stripe.Config{SecretKey: secretKey, BaseURL: "ftp://127.0.0.1"}, "BaseURL"},
		{"negative tolerance", stripe.Config{SecretKey: secretKey, Tolerance: -time.Second}, "Tolerance is negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := stripe.New(tc.cfg)
			wantError(t, err, ladda.Invalid, tc.want)
		})
	}
	if _, err := stripe.New(stripe.Config{SecretKey: secretKey}); err != nil {
		t.Errorf("a key alone: %v", err)
	}
}

// TestStripeMock calls every method against stripe-mock. stripe-mock checks each request
// against Stripe's OpenAPI specification (unknown parameters, types, enumerations such as
// capture_method and request_incremental_authorization) and refuses what does not conform, so
// a success proves the shape of the request. Its answers, though, are fixtures that echo a few
// parameters (amount, currency on create, customer, email, name) and otherwise always say the
// same: every PaymentIntent is requires_payment_method with a last_payment_error of type
// idempotency_error, every refund succeeded. What the Gateway makes of those answers is
// asserted below as a check of the decoding, not of Stripe's behaviour; statuses and errors
// are proven against the fake further down.
func TestStripeMock(t *testing.T) {
	t.Parallel()
	g := mockGateway(t)
	ctx := context.Background()

	t.Run("Customer", func(t *testing.T) {
		t.Parallel()
		ref, err := g.Customer(ctx, billing.Customer{UserID: 42, Email: "ada@example.com", Name: "Ada", Key: "cus-42"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(ref, "cus_") {
			t.Errorf("ref = %q, want a customer ID", ref)
		}
	})
	t.Run("AttachMethod", func(t *testing.T) {
		t.Parallel()
		if err := g.AttachMethod(ctx, "cus_1", "pm_1", "attach-1"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("Authorize", func(t *testing.T) {
		t.Parallel()
		p, err := g.Authorize(ctx, billing.PaymentRequest{
			Customer: "cus_1", Method: "pm_1", Amount: mustAmount(t, "50"), Currency: "EUR",
			Description: "Charging at SE*LAD*E1", Key: "auth-1", Metadata: map[string]string{"transaction_id": "7"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(p.Ref, "pi_") || p.Currency != "EUR" {
			t.Errorf("payment %+v, want a PaymentIntent in EUR", p)
		}
		// The fixture: requires_payment_method after a failed attempt.
		if p.Status != billing.PaymentFailed || p.Failure != "idempotency_error" {
			t.Errorf("status %s, failure %q; want the fixture's failed, idempotency_error", p.Status, p.Failure)
		}
		wantAmount(t, "Authorized", p.Authorized, "0")
	})
	t.Run("Authorize with the default method", func(t *testing.T) {
		t.Parallel()
		// The fixture customer has no default payment method.
		_, err := g.Authorize(ctx, billing.PaymentRequest{Customer: "cus_1", Amount: mustAmount(t, "50"), Currency: "EUR", Key: "auth-2"})
		wantError(t, err, ladda.Conflict, "no default payment method")
	})
	t.Run("Increment", func(t *testing.T) {
		t.Parallel()
		p, err := g.Increment(ctx, "pi_1", mustAmount(t, "80"), "EUR", "inc-1")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(p.Ref, "pi_") {
			t.Errorf("ref = %q, want a PaymentIntent ID", p.Ref)
		}
	})
	t.Run("Capture", func(t *testing.T) {
		t.Parallel()
		p, err := g.Capture(ctx, "pi_1", mustAmount(t, "12.34"), "EUR", "cap-1")
		if err != nil {
			t.Fatal(err)
		}
		if p.Ref != "pi_1" {
			t.Errorf("ref = %q, want pi_1", p.Ref)
		}
	})
	t.Run("Release", func(t *testing.T) {
		t.Parallel()
		p, err := g.Release(ctx, "pi_1", "rel-1")
		if err != nil {
			t.Fatal(err)
		}
		if p.Ref != "pi_1" {
			t.Errorf("ref = %q, want pi_1", p.Ref)
		}
	})
	t.Run("Charge", func(t *testing.T) {
		t.Parallel()
		p, err := g.Charge(ctx, billing.PaymentRequest{Customer: "cus_1", Method: "pm_1", Amount: mustAmount(t, "1500"), Currency: "JPY", Key: "charge-1"})
		if err != nil {
			t.Fatal(err)
		}
		if p.Currency != "JPY" {
			t.Errorf("currency = %q, want JPY", p.Currency)
		}
	})
	t.Run("Refund", func(t *testing.T) {
		t.Parallel()
		r, err := g.Refund(ctx, "pi_1", mustAmount(t, "5"), "EUR", "ref-1")
		if err != nil {
			t.Fatal(err)
		}
		// stripe-mock echoes the amount and the payment but answers in its fixture's USD.
		if !strings.HasPrefix(r.Ref, "re_") || r.PaymentRef != "pi_1" || r.Status != "succeeded" || r.Currency != "USD" {
			t.Errorf("refund %+v", r)
		}
		wantAmount(t, "Amount", r.Amount, "5")
	})
	t.Run("a malformed reference is Invalid", func(t *testing.T) {
		t.Parallel()
		// The SDK escapes the slash; stripe-mock knows no such URL and answers 404.
		_, err := g.Capture(ctx, "pi_1/x", mustAmount(t, "1"), "EUR", "cap-2")
		wantError(t, err, ladda.Invalid, "Unrecognized request URL")
	})
	t.Run("a key it refuses is Unavailable and never shown", func(t *testing.T) {
		t.Parallel()
		// stripe-mock wants a test key, refuses a live one with 401, and quotes the
		// Authorization header in its message.
		bad, err := stripe.New(stripe.Config{SecretKey: "sk_live_ladda", BaseURL: mock.url})
		if err != nil {
			t.Fatal(err)
		}
		_, err = bad.Customer(ctx, billing.Customer{UserID: 1, Key: "cus-1"})
		wantError(t, err, ladda.Unavailable, "secret key")
		if strings.Contains(err.Error(), "sk_live_ladda") || strings.Contains(err.Error(), "Authorization") {
			t.Errorf("error %q shows the key", err)
		}
	})
}

// TestRequests checks, against the fake, what each method sends: the path, the parameters,
// the amount in minor units and the caller's idempotency key.
func TestRequests(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pi := intent("pi_1", "requires_capture", 1234, 1234, 0, "eur", "")
	for _, tc := range []struct {
		name   string
		answer string
		call   func(g *stripe.Gateway) error
		path   string
		key    string
		form   map[string]string
	}{
		{
			name:   "Authorize",
			answer: pi,
			call: func(g *stripe.Gateway) error {
				_, err := g.Authorize(ctx, billing.PaymentRequest{
					Customer: "cus_1", Method: "pm_1", Amount: mustAmount(t, "12.34"), Currency: "EUR",
					Description: "Charging", Key: "k-auth", Metadata: map[string]string{"transaction_id": "7"},
				})
				return err
			},
			path: "/v1/payment_intents",
			key:  "k-auth",
			form: map[string]string{
				"amount": "1234", "currency": "eur", "customer": "cus_1", "payment_method": "pm_1",
				"capture_method": "manual", "confirm": "true", "off_session": "",
				"payment_method_types[0]": "card",
				"payment_method_options[card][request_incremental_authorization]": "if_available",
				"description": "Charging", "metadata[transaction_id]": "7",
			},
		},
		{
			name:   "Charge in a currency without decimals",
			answer: intent("pi_2", "succeeded", 1500, 0, 1500, "jpy", ""),
			call: func(g *stripe.Gateway) error {
				_, err := g.Charge(ctx, billing.PaymentRequest{Customer: "cus_1", Method: "pm_1", Amount: mustAmount(t, "1500"), Currency: "jpy", Key: "k-charge"})
				return err
			},
			path: "/v1/payment_intents",
			key:  "k-charge",
			form: map[string]string{
				"amount": "1500", "currency": "jpy", "capture_method": "automatic", "confirm": "true",
				"payment_method_options[card][request_incremental_authorization]": "",
			},
		},
		{
			name:   "Increment",
			answer: pi,
			call: func(g *stripe.Gateway) error {
				_, err := g.Increment(ctx, "pi_1", mustAmount(t, "80.5"), "EUR", "k-inc")
				return err
			},
			path: "/v1/payment_intents/pi_1/increment_authorization",
			key:  "k-inc",
			form: map[string]string{"amount": "8050"},
		},
		{
			name:   "Capture",
			answer: intent("pi_1", "succeeded", 8050, 0, 4321, "eur", ""),
			call: func(g *stripe.Gateway) error {
				_, err := g.Capture(ctx, "pi_1", mustAmount(t, "43.21"), "EUR", "k-cap")
				return err
			},
			path: "/v1/payment_intents/pi_1/capture",
			key:  "k-cap",
			form: map[string]string{"amount_to_capture": "4321"},
		},
		{
			name:   "Release",
			answer: intent("pi_1", "canceled", 8050, 0, 0, "eur", ""),
			call: func(g *stripe.Gateway) error {
				_, err := g.Release(ctx, "pi_1", "k-rel")
				return err
			},
			path: "/v1/payment_intents/pi_1/cancel",
			key:  "k-rel",
		},
		{
			name:   "Refund",
			answer: `{"id":"re_1","object":"refund","amount":250,"currency":"eur","payment_intent":"pi_1","status":"pending"}`,
			call: func(g *stripe.Gateway) error {
				_, err := g.Refund(ctx, "pi_1", mustAmount(t, "2.5"), "EUR", "k-ref")
				return err
			},
			path: "/v1/refunds",
			key:  "k-ref",
			form: map[string]string{"payment_intent": "pi_1", "amount": "250"},
		},
		{
			name:   "Customer",
			answer: `{"id":"cus_9","object":"customer"}`,
			call: func(g *stripe.Gateway) error {
				_, err := g.Customer(ctx, billing.Customer{UserID: 42, Email: "ada@example.com", Name: "Ada Lovelace", Key: "k-cus"})
				return err
			},
			path: "/v1/customers",
			key:  "k-cus",
			form: map[string]string{"email": "ada@example.com", "name": "Ada Lovelace", "metadata[user_id]": "42"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, g := newFake(t, always(http.StatusOK, tc.answer))
			if err := tc.call(g); err != nil {
				t.Fatal(err)
			}
			r := f.only()
			if r.Method != http.MethodPost || r.Path != tc.path {
				t.Errorf("%s %s, want POST %s", r.Method, r.Path, tc.path)
			}
			if r.Key != tc.key {
				t.Errorf("Idempotency-Key %q, want %q", r.Key, tc.key)
			}
			if r.Auth != "Bearer "+secretKey {
				t.Errorf("Authorization %q, want the secret key as bearer", r.Auth)
			}
			for k, want := range tc.form {
				if got := r.Form.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestAttachMethodSetsTheDefault(t *testing.T) {
	t.Parallel()
	f, g := newFake(t, func(r request) (int, string) {
		if strings.HasPrefix(r.Path, "/v1/payment_methods/") {
			return http.StatusOK, `{"id":"pm_1","object":"payment_method","customer":"cus_1"}`
		}
		return http.StatusOK, `{"id":"cus_1","object":"customer"}`
	})
	if err := g.AttachMethod(context.Background(), "cus_1", "pm_1", "k"); err != nil {
		t.Fatal(err)
	}
	got := f.got()
	if len(got) != 2 {
		t.Fatalf("%d requests, want 2", len(got))
	}
	attach, update := got[0], got[1]
	if attach.Path != "/v1/payment_methods/pm_1/attach" || attach.Form.Get("customer") != "cus_1" || attach.Key != "k/attach" {
		t.Errorf("attach: %+v", attach)
	}
	if update.Path != "/v1/customers/cus_1" || update.Form.Get("invoice_settings[default_payment_method]") != "pm_1" || update.Key != "k/default" {
		t.Errorf("update: %+v", update)
	}
}

func TestAuthorizeWithTheDefaultMethodIsOffSession(t *testing.T) {
	t.Parallel()
	f, g := newFake(t, func(r request) (int, string) {
		if r.Method == http.MethodGet {
			return http.StatusOK, `{"id":"cus_1","object":"customer","invoice_settings":{"default_payment_method":"pm_default"}}`
		}
		return http.StatusOK, intent("pi_1", "requires_capture", 5000, 5000, 0, "sek", "")
	})
	p, err := g.Authorize(context.Background(), billing.PaymentRequest{Customer: "cus_1", Amount: mustAmount(t, "50"), Currency: "SEK", Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != billing.PaymentAuthorized {
		t.Errorf("status %s, want authorized", p.Status)
	}
	got := f.got()
	if len(got) != 2 || got[0].Method != http.MethodGet || got[0].Path != "/v1/customers/cus_1" {
		t.Fatalf("requests %+v, want the customer, then the payment", got)
	}
	if create := got[1]; create.Form.Get("payment_method") != "pm_default" || create.Form.Get("off_session") != "true" {
		t.Errorf("create: %v", create.Form)
	}
}

// TestPaymentStatus maps the statuses of a PaymentIntent, as the fake answers them.
func TestPaymentStatus(t *testing.T) {
	t.Parallel()
	declined := `{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds."}`
	for _, tc := range []struct {
		answer               string
		status               billing.PaymentStatus
		authorized, captured string
		currency, failure    string
	}{
		{intent("pi_1", "requires_capture", 5000, 5000, 0, "eur", ""), billing.PaymentAuthorized, "50", "0", "EUR", ""},
		{intent("pi_1", "succeeded", 5000, 0, 1234, "eur", ""), billing.PaymentCaptured, "50", "12.34", "EUR", ""},
		{intent("pi_1", "canceled", 5000, 0, 0, "eur", ""), billing.PaymentReleased, "0", "0", "EUR", ""},
		{intent("pi_1", "requires_payment_method", 5000, 0, 0, "eur", declined), billing.PaymentFailed, "0", "0", "EUR", "Your card has insufficient funds."},
		{intent("pi_1", "requires_payment_method", 5000, 0, 0, "eur", ""), billing.PaymentPending, "0", "0", "EUR", ""},
		{intent("pi_1", "requires_action", 5000, 0, 0, "eur", ""), billing.PaymentPending, "0", "0", "EUR", ""},
		{intent("pi_1", "requires_confirmation", 5000, 0, 0, "eur", ""), billing.PaymentPending, "0", "0", "EUR", ""},
		{intent("pi_1", "processing", 5000, 0, 0, "eur", ""), billing.PaymentPending, "0", "0", "EUR", ""},
		{intent("pi_1", "requires_capture", 1500, 1500, 0, "jpy", ""), billing.PaymentAuthorized, "1500", "0", "JPY", ""},
	} {
		_, g := newFake(t, always(http.StatusOK, tc.answer))
		p, err := g.Authorize(context.Background(), billing.PaymentRequest{Customer: "cus_1", Method: "pm_1", Amount: mustAmount(t, "50"), Currency: "EUR", Key: "k"})
		if err != nil {
			t.Fatal(err)
		}
		var pi struct{ Status string }
		_ = json.Unmarshal([]byte(tc.answer), &pi)
		if p.Status != tc.status || p.Currency != tc.currency || p.Failure != tc.failure || p.Ref != "pi_1" {
			t.Errorf("%s: got %s %s %q %s, want %s %s %q", pi.Status, p.Status, p.Currency, p.Failure, p.Ref, tc.status, tc.currency, tc.failure)
		}
		wantAmount(t, pi.Status+" Authorized", p.Authorized, tc.authorized)
		wantAmount(t, pi.Status+" Captured", p.Captured, tc.captured)
	}
}

// TestErrors maps Stripe's errors. They come from the fake: stripe-mock answers every valid
// request with success, so declines, state conflicts, rate limits and failures are answers
// written here after Stripe's documented error object.
func TestErrors(t *testing.T) {
	t.Parallel()
	errorBody := func(fields string) string { return `{"error":{` + fields + `}}` }
	for _, tc := range []struct {
		name   string
		status int
		body   string
		call   string // "authorize", "capture", "refund"
		kind   ladda.Kind
		parts  []string
	}{
		{"declined card", http.StatusPaymentRequired,
			errorBody(`"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds."`),
			"authorize", ladda.Conflict, []string{"card was declined", "insufficient_funds", "Your card has insufficient funds."}},
		{"expired card", http.StatusPaymentRequired,
			errorBody(`"type":"card_error","code":"expired_card","message":"Your card has expired."`),
			"authorize", ladda.Conflict, []string{"card was declined", "expired_card"}},
		{"capture after release", http.StatusBadRequest,
			errorBody(`"type":"invalid_request_error","code":"payment_intent_unexpected_state","message":"This PaymentIntent could not be captured because it has a status of canceled."`),
			"capture", ladda.Conflict, []string{"payment's state", "status of canceled"}},
		{"refund of more than was captured", http.StatusBadRequest,
			errorBody(`"type":"invalid_request_error","code":"amount_too_large","param":"amount","message":"Refund amount (€20.00) is greater than unrefunded amount on charge (€10.00)"`),
			"refund", ladda.Conflict, []string{"payment's state", "greater than unrefunded"}},
		{"too large an amount to authorise", http.StatusBadRequest,
			errorBody(`"type":"invalid_request_error","code":"amount_too_large","param":"amount","message":"Amount must be no more than €999,999.99"`),
			"authorize", ladda.Invalid, []string{"refused the request (amount)", "no more than"}},
		{"unknown payment", http.StatusNotFound,
			errorBody(`"type":"invalid_request_error","code":"resource_missing","param":"intent","message":"No such payment_intent: 'pi_x'"`),
			"capture", ladda.Invalid, []string{"No such payment_intent"}},
		{"idempotency key reused", http.StatusBadRequest,
			errorBody(`"type":"idempotency_error","message":"Keys for idempotent requests can only be used with the same parameters they were first used with."`),
			"authorize", ladda.Conflict, []string{"idempotency key", "same parameters"}},
		{"same key still running", http.StatusConflict,
			errorBody(`"type":"invalid_request_error","code":"idempotency_key_in_use","message":"There is currently another in-progress request using this Idempotent Key."`),
			"capture", ladda.Unavailable, []string{"still running"}},
		{"rate limited", http.StatusTooManyRequests,
			errorBody(`"type":"invalid_request_error","code":"rate_limit","message":"Too many requests hit the API too quickly."`),
			"authorize", ladda.Unavailable, []string{"rate"}},
		{"Stripe failing", http.StatusInternalServerError,
			errorBody(`"type":"api_error","message":"Sorry, something went wrong."`),
			"capture", ladda.Unavailable, []string{"Stripe failed", "same idempotency key"}},
		{"bad gateway", http.StatusBadGateway,
			errorBody(`"type":"invalid_request_error","message":"upstream"`),
			"refund", ladda.Unavailable, []string{"Stripe failed"}},
		{"wrong key", http.StatusUnauthorized,
			errorBody(`"type":"invalid_request_error","message":"Invalid API Key provided: ` + secretKey + `"`),
			"authorize", ladda.Unavailable, []string{"secret key"}},
		{"restricted key", http.StatusForbidden,
			errorBody(`"type":"invalid_request_error","message":"The provided key '` + secretKey + `' does not have the required permissions"`),
			"refund", ladda.Unavailable, []string{"secret key", "permissions"}},
		{"not JSON", http.StatusBadRequest, "<html>proxy says no</html>", "capture", ladda.Unavailable, []string{"could not be read"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, g := newFake(t, always(tc.status, tc.body))
			ctx := context.Background()
			var err error
			switch tc.call {
			case "authorize":
				_, err = g.Authorize(ctx, billing.PaymentRequest{Customer: "cus_1", Method: "pm_1", Amount: mustAmount(t, "50"), Currency: "EUR", Key: "k"})
			case "capture":
				_, err = g.Capture(ctx, "pi_1", mustAmount(t, "5"), "EUR", "k")
			case "refund":
				_, err = g.Refund(ctx, "pi_1", mustAmount(t, "20"), "EUR", "k")
			}
			wantError(t, err, tc.kind, tc.parts...)
			var e *ladda.Error
			if errors.As(err, &e) && e.Op != "stripe."+strings.ToUpper(tc.call[:1])+tc.call[1:] {
				t.Errorf("Op = %q", e.Op)
			}
		})
	}
}

func TestDeclineReturnsTheFailedPayment(t *testing.T) {
	t.Parallel()
	// Stripe sends the PaymentIntent of a declined confirmation inside the error.
	body := `{"error":{"type":"card_error","code":"card_declined","decline_code":"do_not_honor","message":"Your card was declined.",
		"payment_intent":` + intent("pi_7", "requires_payment_method", 5000, 0, 0, "eur",
		`{"type":"card_error","code":"card_declined","decline_code":"do_not_honor","message":"Your card was declined."}`) + `}}`
	_, g := newFake(t, always(http.StatusPaymentRequired, body))
	p, err := g.Authorize(context.Background(), billing.PaymentRequest{Customer: "cus_1", Method: "pm_1", Amount: mustAmount(t, "50"), Currency: "EUR", Key: "k"})
	wantError(t, err, ladda.Conflict, "do_not_honor")
	if p == nil || p.Ref != "pi_7" || p.Status != billing.PaymentFailed || p.Failure != "Your card was declined." {
		t.Errorf("payment %+v, want pi_7 failed", p)
	}
}

func TestIncrementRefusedKeepsTheAuthorization(t *testing.T) {
	t.Parallel()
	// An issuer refusing the increase: the PaymentIntent stays authorised for what it was.
	body := `{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds.",
		"payment_intent":` + intent("pi_1", "requires_capture", 5000, 5000, 0, "eur", "") + `}}`
	_, g := newFake(t, always(http.StatusPaymentRequired, body))
	p, err := g.Increment(context.Background(), "pi_1", mustAmount(t, "80"), "EUR", "k")
	wantError(t, err, ladda.Conflict, "insufficient_funds")
	if p == nil || p.Status != billing.PaymentAuthorized {
		t.Fatalf("payment %+v, want still authorized", p)
	}
	wantAmount(t, "Authorized", p.Authorized, "50")
}

func TestChecksBeforeCallingStripe(t *testing.T) {
	t.Parallel()
	f, g := newFake(t, always(http.StatusOK, "{}"))
	ctx := context.Background()
	req := func(amount, currency, key string) billing.PaymentRequest {
		return billing.PaymentRequest{Customer: "cus_1", Method: "pm_1", Amount: mustAmount(t, amount), Currency: currency, Key: key}
	}
	for _, tc := range []struct {
		name string
		call func() error
		want string
	}{
		{"too many decimals", func() error { _, err := g.Authorize(ctx, req("12.345", "EUR", "k")); return err }, "minor units"},
		{"decimals in yen", func() error { _, err := g.Charge(ctx, req("1.5", "JPY", "k")); return err }, "minor units"},
		{"zero", func() error { _, err := g.Capture(ctx, "pi_1", billing.Amount{}, "EUR", "k"); return err }, "not positive"},
		{"negative", func() error { _, err := g.Refund(ctx, "pi_1", mustAmount(t, "-1"), "EUR", "k"); return err }, "not positive"},
		{"bad currency", func() error { _, err := g.Authorize(ctx, req("1", "EURO", "k")); return err }, "ISO 4217"},
		{"no key", func() error { _, err := g.Authorize(ctx, req("1", "EUR", "")); return err }, "idempotency key"},
		{"no key to release", func() error { _, err := g.Release(ctx, "pi_1", ""); return err }, "idempotency key"},
		{"too long a key", func() error { return g.AttachMethod(ctx, "cus_1", "pm_1", strings.Repeat("k", 248)) }, "longer than 247 bytes"},
		{"no customer", func() error {
			_, err := g.Charge(ctx, billing.PaymentRequest{Amount: mustAmount(t, "1"), Currency: "EUR", Key: "k"})
			return err
		}, "customer"},
		{"no payment", func() error { _, err := g.Increment(ctx, "", mustAmount(t, "1"), "EUR", "k"); return err }, "payment reference"},
		{"no method", func() error { return g.AttachMethod(ctx, "cus_1", "", "k") }, "payment method"},
		{"no key for a customer", func() error { _, err := g.Customer(ctx, billing.Customer{UserID: 1}); return err }, "idempotency key"},
	} {
		wantError(t, tc.call(), ladda.Invalid, tc.want)
	}
	if got := f.got(); len(got) != 0 {
		t.Errorf("Stripe got %d requests: %+v", len(got), got)
	}
}

func TestUnreachableIsUnavailable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	l.Close()
	g, err := stripe.New(stripe.Config{SecretKey: secretKey, BaseURL: url})
	if err != nil {
		t.Fatal(err)
	}
	// The SDK retries twice, after 0.5 s and 1 s, before giving up.
	_, err = g.Release(context.Background(), "pi_1", "k")
	wantError(t, err, ladda.Unavailable, "cannot reach Stripe")
}

func TestRetriesKeepTheIdempotencyKey(t *testing.T) {
	t.Parallel()
	// The first attempt loses its connection; the SDK tries again after 0.5 s.
	var (
		mu   sync.Mutex
		keys []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		first := len(keys) == 1
		mu.Unlock()
		if first {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprint(w, intent("pi_1", "succeeded", 500, 0, 500, "eur", ""))
	}))
	t.Cleanup(srv.Close)
	g, err := stripe.New(stripe.Config{SecretKey: secretKey, BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	p, err := g.Capture(context.Background(), "pi_1", mustAmount(t, "5"), "EUR", "k-retry")
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != billing.PaymentCaptured {
		t.Errorf("status %s", p.Status)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(keys) != 2 || keys[0] != "k-retry" || keys[1] != "k-retry" {
		t.Errorf("keys %q, want k-retry twice", keys)
	}
}

// signed returns payload with a Stripe-Signature header for it, signed with secret at t.
func signed(payload, secret string, t time.Time) ([]byte, string) {
	s := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: []byte(payload), Secret: secret, Timestamp: t})
	return s.Payload, s.Header
}

func event(id, typ, object string) string {
	return `{"id":"` + id + `","object":"event","api_version":"2020-08-27","created":1700000000,"type":"` + typ + `","data":{"object":` + object + `}}`
}

func eventGateway(t *testing.T, now time.Time) *stripe.Gateway {
	t.Helper()
	g, err := stripe.New(stripe.Config{SecretKey: secretKey, WebhookSecret: webhookSecret, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestEvent(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	g := eventGateway(t, now)
	failed := `{"type":"card_error","code":"card_declined","decline_code":"expired_card","message":"Your card has expired."}`
	charge := `{"id":"ch_1","object":"charge","amount":5000,"amount_refunded":1500,"currency":"eur","payment_intent":"pi_1","refunded":false,
		"refunds":{"object":"list","data":[{"id":"re_2","object":"refund","amount":1000},{"id":"re_1","object":"refund","amount":500}]}}`
	for _, tc := range []struct {
		typ, object string
		want        billing.GatewayEvent
		amount      string
	}{
		{"payment_intent.amount_capturable_updated", intent("pi_1", "requires_capture", 5000, 5000, 0, "eur", ""),
			billing.GatewayEvent{Kind: "payment.authorized", PaymentRef: "pi_1", Status: billing.PaymentAuthorized, Currency: "EUR"}, "50"},
		{"payment_intent.succeeded", intent("pi_1", "succeeded", 5000, 0, 1234, "eur", ""),
			billing.GatewayEvent{Kind: "payment.captured", PaymentRef: "pi_1", Status: billing.PaymentCaptured, Currency: "EUR"}, "12.34"},
		{"payment_intent.payment_failed", intent("pi_1", "requires_payment_method", 5000, 0, 0, "eur", failed),
			billing.GatewayEvent{Kind: "payment.failed", PaymentRef: "pi_1", Status: billing.PaymentFailed, Currency: "EUR", Failure: "Your card has expired."}, "50"},
		{"payment_intent.canceled", intent("pi_1", "canceled", 5000, 0, 0, "eur", ""),
			billing.GatewayEvent{Kind: "payment.released", PaymentRef: "pi_1", Status: billing.PaymentReleased, Currency: "EUR"}, "50"},
		{"charge.refunded", charge,
			billing.GatewayEvent{Kind: "refund.updated", PaymentRef: "pi_1", RefundRef: "re_2", Currency: "EUR"}, "15"},
		{"refund.updated", `{"id":"re_1","object":"refund","amount":500,"currency":"sek","payment_intent":"pi_1","status":"succeeded"}`,
			billing.GatewayEvent{Kind: "refund.updated", PaymentRef: "pi_1", RefundRef: "re_1", Currency: "SEK"}, "5"},
		{"refund.failed", `{"id":"re_1","object":"refund","amount":500,"currency":"eur","payment_intent":"pi_1","status":"failed","failure_reason":"expired_or_canceled_card"}`,
			billing.GatewayEvent{Kind: "refund.updated", PaymentRef: "pi_1", RefundRef: "re_1", Currency: "EUR", Failure: "expired_or_canceled_card"}, "5"},
		{"customer.created", `{"id":"cus_1","object":"customer"}`, billing.GatewayEvent{}, "0"},
	} {
		payload, sig := signed(event("evt_1", tc.typ, tc.object), webhookSecret, now.Add(-time.Minute))
		got, err := g.Event(payload, sig)
		if err != nil {
			t.Errorf("%s: %v", tc.typ, err)
			continue
		}
		wantAmount(t, tc.typ+" Amount", got.Amount, tc.amount)
		got.Amount, tc.want.ID = billing.Amount{}, "evt_1"
		if *got != tc.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.typ, *got, tc.want)
		}
	}
}

func TestEventSignature(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	g := eventGateway(t, now)
	body := event("evt_1", "payment_intent.succeeded", intent("pi_1", "succeeded", 100, 0, 100, "eur", ""))
	good, goodSig := signed(body, webhookSecret, now.Add(-4*time.Minute))
	if _, err := g.Event(good, goodSig); err != nil {
		t.Fatalf("signed 4 minutes ago: %v", err)
	}
	for _, tc := range []struct {
		name    string
		payload []byte
		sig     string
		want    string
	}{
		{"wrong secret", good, mustHeader(signed(body, "whsec_other", now)), "does not match"},
		{"changed payload", []byte(strings.Replace(body, `"amount_received":100`, `"amount_received":900`, 1)), goodSig, "does not match"},
		{"no signature", good, "", "does not match"},
		{"malformed header", good, "t=1,v1", "does not match"},
		{"stale", good, mustHeader(signed(body, webhookSecret, now.Add(-6*time.Minute))), "from now"},
		{"from the future", good, mustHeader(signed(body, webhookSecret, now.Add(6*time.Minute))), "from now"},
	} {
		_, err := g.Event(tc.payload, tc.sig)
		if !ladda.IsKind(err, ladda.Unauthorized) || !strings.Contains(ladda.ErrorMessage(err), tc.want) {
			t.Errorf("%s: %v, want Unauthorized %q", tc.name, err, tc.want)
		}
		if err != nil {
			noSecrets(t, err.Error())
		}
	}

	// Without a secret nothing is trusted.
	bare, err := stripe.New(stripe.Config{SecretKey: secretKey})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bare.Event(good, goodSig); !ladda.IsKind(err, ladda.Unauthorized) {
		t.Errorf("without a webhook secret: %v, want Unauthorized", err)
	}

	// A well-signed payload that is no event.
	notEvent, sig := signed(`{"object":"payment_intent","id":"pi_1"}`, webhookSecret, now)
	if _, err := g.Event(notEvent, sig); !ladda.IsKind(err, ladda.Invalid) {
		t.Errorf("not an event: %v, want Invalid", err)
	}
}

// TestEventDefaultTolerance checks that a Gateway without Now uses the wall clock and five
// minutes.
func TestEventDefaultTolerance(t *testing.T) {
	t.Parallel()
	g, err := stripe.New(stripe.Config{SecretKey: secretKey, WebhookSecret: webhookSecret})
	if err != nil {
		t.Fatal(err)
	}
	body := event("evt_1", "customer.created", `{"id":"cus_1","object":"customer"}`)
	if _, err := g.Event(signed(body, webhookSecret, time.Now().Add(-4*time.Minute))); err != nil {
		t.Errorf("4 minutes old: %v", err)
	}
	if _, err := g.Event(signed(body, webhookSecret, time.Now().Add(-6*time.Minute))); !ladda.IsKind(err, ladda.Unauthorized) {
		t.Errorf("6 minutes old: %v, want Unauthorized", err)
	}
}

func mustHeader(_ []byte, header string) string { return header }
