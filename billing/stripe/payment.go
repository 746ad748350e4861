package stripe

import (
	"context"
	"errors"
	"strings"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/billing"
	sdk "github.com/stripe/stripe-go/v85"
)

// The operations, as errors name them.
const (
	opCustomer     = "stripe.Customer"
	opAttachMethod = "stripe.AttachMethod"
	opAuthorize    = "stripe.Authorize"
	opIncrement    = "stripe.Increment"
	opCapture      = "stripe.Capture"
	opRelease      = "stripe.Release"
	opCharge       = "stripe.Charge"
	opRefund       = "stripe.Refund"
	opEvent        = "stripe.Event"
)

// Authorize creates and confirms a PaymentIntent with capture_method=manual for the card
// r.Method, or the customer's default payment method when r.Method is empty, asking for
// incremental authorisation where the card supports it (Increment needs it).
//
// With the default payment method the payment is made off session: the customer is not there
// to authenticate, so a card that asks for 3-D Secure is declined rather than left pending.
// With an explicit method the customer is assumed present (an app choosing the card), and
// such a payment is PaymentPending until the customer authenticates.
//
// A declined card is Conflict, returned with the failed Payment when Stripe sends one. A
// customer without a default payment method is Conflict. Without an error, the Payment may
// still be PaymentFailed or PaymentPending: its Status is what Stripe says.
func (g *Gateway) Authorize(ctx context.Context, r billing.PaymentRequest) (*billing.Payment, error) {
	return g.createIntent(ctx, opAuthorize, r, true)
}

// Charge creates and confirms a PaymentIntent that is captured at once, for the card r.Method
// or the customer's default one, like Authorize.
func (g *Gateway) Charge(ctx context.Context, r billing.PaymentRequest) (*billing.Payment, error) {
	return g.createIntent(ctx, opCharge, r, false)
}

// createIntent is Authorize when manual, Charge otherwise.
func (g *Gateway) createIntent(ctx context.Context, op string, r billing.PaymentRequest, manual bool) (*billing.Payment, error) {
	if r.Customer == "" {
		return nil, ladda.Errorf(ladda.Invalid, op, "the customer is missing")
	}
	if err := checkKey(op, r.Key); err != nil {
		return nil, err
	}
	amount, currency, err := minor(op, r.Amount, r.Currency)
	if err != nil {
		return nil, err
	}
	params := &sdk.PaymentIntentCreateParams{
		Amount:   sdk.Int64(amount),
		Currency: sdk.String(currency),
		Customer: sdk.String(r.Customer),
		Confirm:  sdk.Bool(true),
		// Cards only: other methods may redirect the customer, which a charging session
		// started at a station cannot do, and only cards authorise incrementally.
		PaymentMethodTypes: []*string{sdk.String("card")},
	}
	if manual {
		params.CaptureMethod = sdk.String(string(sdk.PaymentIntentCaptureMethodManual))
		params.PaymentMethodOptions = &sdk.PaymentIntentCreatePaymentMethodOptionsParams{
			Card: &sdk.PaymentIntentCreatePaymentMethodOptionsCardParams{
				RequestIncrementalAuthorization: sdk.String("if_available"),
			},
		}
	} else {
		params.CaptureMethod = sdk.String(string(sdk.PaymentIntentCaptureMethodAutomatic))
	}
	method := r.Method
	if method == "" {
		if method, err = g.defaultMethod(ctx, op, r.Customer); err != nil {
			return nil, err
		}
		params.OffSession = sdk.Bool(true)
	}
	params.PaymentMethod = sdk.String(method)
	if r.Description != "" {
		params.Description = sdk.String(r.Description)
	}
	if len(r.Metadata) > 0 {
		params.Metadata = r.Metadata
	}
	params.SetIdempotencyKey(r.Key)
	pi, err := g.api.V1PaymentIntents.Create(ctx, params)
	if err != nil {
		return g.failPayment(op, err)
	}
	return payment(pi), nil
}

// defaultMethod returns the customer's default payment method, as AttachMethod sets it.
func (g *Gateway) defaultMethod(ctx context.Context, op, customer string) (string, error) {
	c, err := g.api.V1Customers.Retrieve(ctx, customer, nil)
	if err != nil {
		return "", g.fail(op, err)
	}
	if c.InvoiceSettings == nil || c.InvoiceSettings.DefaultPaymentMethod == nil || c.InvoiceSettings.DefaultPaymentMethod.ID == "" {
		return "", ladda.Errorf(ladda.Conflict, op, "customer %s has no default payment method", customer)
	}
	return c.InvoiceSettings.DefaultPaymentMethod.ID, nil
}

// Increment raises the authorisation of PaymentIntent ref to total, which must be more than
// what is authorised. The card must have granted incremental authorisation; otherwise, or
// when the payment is not waiting for capture, Stripe refuses and the error is Conflict. An
// issuer refusing the increase is Conflict too, and the authorisation stays as it was.
func (g *Gateway) Increment(ctx context.Context, ref string, total billing.Amount, currency, key string) (*billing.Payment, error) {
	const op = opIncrement
	if err := checkRefKey(op, ref, key); err != nil {
		return nil, err
	}
	amount, _, err := minor(op, total, currency)
	if err != nil {
		return nil, err
	}
	params := &sdk.PaymentIntentIncrementAuthorizationParams{Amount: sdk.Int64(amount)}
	params.SetIdempotencyKey(key)
	pi, err := g.api.V1PaymentIntents.IncrementAuthorization(ctx, ref, params)
	if err != nil {
		return g.failPayment(op, err)
	}
	return payment(pi), nil
}

// Capture captures amount of PaymentIntent ref; Stripe releases the rest of the
// authorisation. Capturing a payment that is not waiting for capture (released, captured
// already, expired) or more than is authorised is Conflict, returned with the Payment as it
// stands when Stripe sends it.
func (g *Gateway) Capture(ctx context.Context, ref string, amount billing.Amount, currency, key string) (*billing.Payment, error) {
	const op = opCapture
	if err := checkRefKey(op, ref, key); err != nil {
		return nil, err
	}
	n, _, err := minor(op, amount, currency)
	if err != nil {
		return nil, err
	}
	params := &sdk.PaymentIntentCaptureParams{AmountToCapture: sdk.Int64(n)}
	params.SetIdempotencyKey(key)
	pi, err := g.api.V1PaymentIntents.Capture(ctx, ref, params)
	if err != nil {
		return g.failPayment(op, err)
	}
	return payment(pi), nil
}

// Release cancels PaymentIntent ref, releasing its authorisation. Releasing a captured
// payment is Conflict, returned with the Payment as it stands when Stripe sends it.
func (g *Gateway) Release(ctx context.Context, ref, key string) (*billing.Payment, error) {
	const op = opRelease
	if err := checkRefKey(op, ref, key); err != nil {
		return nil, err
	}
	params := &sdk.PaymentIntentCancelParams{}
	params.SetIdempotencyKey(key)
	pi, err := g.api.V1PaymentIntents.Cancel(ctx, ref, params)
	if err != nil {
		return g.failPayment(op, err)
	}
	return payment(pi), nil
}

// failPayment maps err for op and returns with it the PaymentIntent Stripe sent along, such
// as the failed payment of a declined card or the released payment a capture found.
func (g *Gateway) failPayment(op string, err error) (*billing.Payment, error) {
	e := g.fail(op, err)
	var se *sdk.Error
	if e.Kind != ladda.Conflict || !errors.As(err, &se) || se.PaymentIntent == nil || se.PaymentIntent.ID == "" {
		return nil, e
	}
	p := payment(se.PaymentIntent)
	if p.Status == billing.PaymentFailed && p.Failure == "" {
		p.Failure = g.redact(se.Msg)
	}
	return p, e
}

// payment maps a PaymentIntent:
//
//   - requires_capture is PaymentAuthorized, succeeded PaymentCaptured, canceled
//     PaymentReleased;
//   - requires_payment_method after a failed attempt (last_payment_error) is PaymentFailed;
//   - processing, requires_action, requires_confirmation, and requires_payment_method
//     before any attempt are PaymentPending.
//
// Authorized is amount_capturable while the payment waits for capture, the amount once it is
// captured, and 0 otherwise. Captured is amount_received. Refunded is known only when the
// latest charge is expanded. Failure is last_payment_error's message, else its decline code,
// code or type.
func payment(pi *sdk.PaymentIntent) *billing.Payment {
	cur := strings.ToUpper(string(pi.Currency))
	p := &billing.Payment{
		Ref:      pi.ID,
		Status:   paymentStatus(pi),
		Currency: cur,
		Captured: billing.FromMinorUnits(pi.AmountReceived, cur),
	}
	switch pi.Status {
	case sdk.PaymentIntentStatusRequiresCapture:
		p.Authorized = billing.FromMinorUnits(pi.AmountCapturable, cur)
	case sdk.PaymentIntentStatusSucceeded:
		p.Authorized = billing.FromMinorUnits(pi.Amount, cur)
	}
	if pi.LatestCharge != nil {
		p.Refunded = billing.FromMinorUnits(pi.LatestCharge.AmountRefunded, cur)
	}
	if le := pi.LastPaymentError; le != nil {
		switch {
		case le.Msg != "":
			p.Failure = le.Msg
		case declineReason(le) != "":
			p.Failure = declineReason(le)
		default:
			p.Failure = string(le.Type)
		}
	}
	return p
}

func paymentStatus(pi *sdk.PaymentIntent) billing.PaymentStatus {
	switch pi.Status {
	case sdk.PaymentIntentStatusRequiresCapture:
		return billing.PaymentAuthorized
	case sdk.PaymentIntentStatusSucceeded:
		return billing.PaymentCaptured
	case sdk.PaymentIntentStatusCanceled:
		return billing.PaymentReleased
	case sdk.PaymentIntentStatusRequiresPaymentMethod:
		if pi.LastPaymentError != nil {
			return billing.PaymentFailed
		}
	}
	return billing.PaymentPending
}

// minor returns a positive amount in minor units of currency, and currency in lower case as
// Stripe wants it. A currency that is not three letters, an amount that is not positive or has
// more decimals than the currency are Invalid.
func minor(op string, a billing.Amount, currency string) (int64, string, error) {
	if len(currency) != 3 || strings.Trim(strings.ToUpper(currency), "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return 0, "", ladda.Errorf(ladda.Invalid, op, "currency %q is not an ISO 4217 code", currency)
	}
	if a.Sign() <= 0 {
		return 0, "", ladda.Errorf(ladda.Invalid, op, "amount %s %s is not positive", a, currency)
	}
	n, err := billing.MinorUnits(a, strings.ToUpper(currency))
	if err != nil {
		return 0, "", ladda.Wrap(op, err)
	}
	return n, strings.ToLower(currency), nil
}

// maxKey is the longest idempotency key a caller may give: Stripe takes 255 bytes, and
// AttachMethod appends "/default" for its second request.
const maxKey = 255 - len("/default")

func checkKey(op, key string) error {
	if strings.TrimSpace(key) == "" {
		return ladda.Errorf(ladda.Invalid, op, "the idempotency key is missing")
	}
	if len(key) > maxKey {
		return ladda.Errorf(ladda.Invalid, op, "the idempotency key is longer than %d bytes", maxKey)
	}
	return nil
}

func checkRefKey(op, ref, key string) error {
	if ref == "" {
		return ladda.Errorf(ladda.Invalid, op, "the payment reference is missing")
	}
	return checkKey(op, key)
}
