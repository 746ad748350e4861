// Package stripe implements billing.Gateway with Stripe: customers, their saved payment
// methods, authorisations (PaymentIntents with manual capture) that grow with a long charging
// session and are captured or released at its end, immediate charges, refunds, and webhooks.
// It is the only package that imports the Stripe SDK.
//
// Amounts go to Stripe in the currency's minor units (billing.MinorUnits) and come back with
// billing.FromMinorUnits; currencies go lower-case and come back upper-case. Every call that
// changes anything sends the caller's key as Stripe's Idempotency-Key, so a retried call has no
// further effect. Errors are *ladda.Error, mapped once in this package from Stripe's error types;
// neither the secret key nor the webhook secret ever appears in an error.
//
// The tests run against stripe-mock, Stripe's mock server (scripts/stripe-mock installs it),
// and against an in-process fake for the answers stripe-mock cannot give, such as declines.
package stripe

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/billing"
	sdk "github.com/stripe/stripe-go/v85"
)

// DefaultTolerance is how far a webhook's signed timestamp may be from now when
// Config.Tolerance is 0: Stripe's own default, which bounds how long a captured webhook can be
// replayed.
const DefaultTolerance = 5 * time.Minute

// Config is what a Gateway needs. SecretKey is required; the other fields have defaults.
type Config struct {
	// SecretKey is the account's secret API key ("sk_live_…", "sk_test_…") or a restricted
	// key ("rk_…"). It is sent to Stripe and nowhere else.
	SecretKey string
	// WebhookSecret is the signing secret of the webhook endpoint ("whsec_…"). Empty: Event
	// rejects every webhook as Unauthorized.
	WebhookSecret string
	// BaseURL is the API's base URL, such as "http://127.0.0.1:12111" for stripe-mock.
	// Empty: Stripe's API.
	BaseURL string
	// HTTPClient makes the requests. Nil: the SDK's client, with an 80 s timeout.
	HTTPClient *http.Client
	// Tolerance is how far a webhook's signed timestamp may be from Now, in either direction.
	// 0: DefaultTolerance. Negative is Invalid.
	Tolerance time.Duration
	// Now is the clock that judges webhook timestamps. Nil: time.Now.
	Now func() time.Time
}

// Gateway is billing.Gateway on a Stripe account. It is safe for concurrent use and holds no
// resources beyond idle HTTP connections.
type Gateway struct {
	api           *sdk.Client
	secretKey     string
	webhookSecret string
	tolerance     time.Duration
	now           func() time.Time
}

var _ billing.Gateway = (*Gateway)(nil)

// New returns a Gateway for cfg, with the defaults of Config filled in. A missing secret key,
// a BaseURL that is not an absolute http or https URL, and a negative Tolerance are Invalid.
func New(cfg Config) (*Gateway, error) {
	const op = "stripe.New"
	if cfg.SecretKey == "" {
		return nil, ladda.Errorf(ladda.Invalid, op, "Config.SecretKey is empty")
	}
	if strings.ContainsAny(cfg.SecretKey, " \t\r\n") {
		return nil, ladda.Errorf(ladda.Invalid, op, "Config.SecretKey contains white space")
	}
	if cfg.Tolerance < 0 {
		return nil, ladda.Errorf(ladda.Invalid, op, "Config.Tolerance is negative (%s)", cfg.Tolerance)
	}
	backend := &sdk.BackendConfig{
		HTTPClient: cfg.HTTPClient,
		// Errors are returned, mapped, for the caller to log; the SDK logs nothing itself.
		LeveledLogger: &sdk.LeveledLogger{Level: sdk.LevelNull},
	}
	if cfg.BaseURL != "" {
		u, err := url.Parse(cfg.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, ladda.Errorf(ladda.Invalid, op, "Config.BaseURL %q is not an absolute http or https URL", cfg.BaseURL)
		}
		backend.URL = sdk.String(cfg.BaseURL)
	}
	g := &Gateway{
		api:           sdk.NewClient(cfg.SecretKey, sdk.WithBackends(sdk.NewBackendsWithConfig(backend))),
		secretKey:     cfg.SecretKey,
		webhookSecret: cfg.WebhookSecret,
		tolerance:     cfg.Tolerance,
		now:           cfg.Now,
	}
	if g.tolerance == 0 {
		g.tolerance = DefaultTolerance
	}
	if g.now == nil {
		g.now = time.Now
	}
	return g, nil
}
