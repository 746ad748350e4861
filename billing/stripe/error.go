package stripe

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/ladda-csms/ladda"
	sdk "github.com/stripe/stripe-go/v85"
)

// fail maps an error of the SDK to a *ladda.Error for operation op, once for every call:
//
//   - a secret key Stripe does not accept (401) or that may not make the call (403),
//     rate limiting (429), a request with the same idempotency key still running
//     (idempotency_key_in_use), Stripe's own failures (api_error, 5xx) and anything that is
//     not an answer from Stripe (the network, an unreadable answer) are Unavailable: retry
//     later with the same idempotency key;
//   - a declined card (card_error) is Conflict, saying why;
//   - an idempotency key reused for another request (idempotency_error) is Conflict;
//   - a request refused in the object's state (payment_intent_unexpected_state and the like;
//     amount_too_large when capturing or refunding) is Conflict;
//   - any other refused request (invalid_request_error) is Invalid.
//
// Messages carry Stripe's words, which are safe to show except for authentication errors,
// whose message may echo the key and is dropped. Err is a summary for logs (status, codes,
// request ID), never the SDK's error, whose text includes the whole answer and with it the
// PaymentIntent's client secret.
func (g *Gateway) fail(op string, err error) *ladda.Error {
	var se *sdk.Error
	if !errors.As(err, &se) {
		msg := "cannot reach Stripe; retry later with the same idempotency key"
		var ne net.Error
		if !errors.As(err, &ne) {
			msg = "Stripe's answer could not be read; retry later with the same idempotency key"
		}
		return &ladda.Error{Kind: ladda.Unavailable, Op: op, Message: msg, Err: err}
	}
	status, code := se.HTTPStatusCode, se.Code
	e := &ladda.Error{Op: op, Err: g.summary(se)}
	switch {
	case status == http.StatusUnauthorized:
		e.Kind, e.Message = ladda.Unavailable, "Stripe does not accept the secret key; check the configured key"
	case status == http.StatusForbidden:
		e.Kind, e.Message = ladda.Unavailable, "the secret key is not allowed to make this call; check its permissions"
	case status == http.StatusTooManyRequests || code == sdk.ErrorCodeRateLimit || code == sdk.ErrorCodeLockTimeout:
		e.Kind, e.Message = ladda.Unavailable, "Stripe is limiting the rate of requests; retry later with the same idempotency key"
	case code == sdk.ErrorCodeIdempotencyKeyInUse:
		e.Kind, e.Message = ladda.Unavailable, "a request with the same idempotency key is still running at Stripe; retry later"
	case status >= http.StatusInternalServerError || se.Type == sdk.ErrorTypeAPI:
		e.Kind, e.Message = ladda.Unavailable, "Stripe failed; retry later with the same idempotency key"
	case se.Type == sdk.ErrorTypeCard:
		e.Kind, e.Message = ladda.Conflict, g.declined(se)
	case se.Type == sdk.ErrorTypeIdempotency:
		e.Kind, e.Message = ladda.Conflict, g.words("the idempotency key was used for a different request", se)
	case isStateCode(code) || (code == sdk.ErrorCodeAmountTooLarge && (op == opCapture || op == opRefund)):
		e.Kind, e.Message = ladda.Conflict, g.words("Stripe refused the request in the payment's state", se)
	default:
		e.Kind, e.Message = ladda.Invalid, g.words("Stripe refused the request", se)
	}
	return e
}

// isStateCode reports whether code says that an object's state forbids a request that is
// otherwise well formed.
func isStateCode(code sdk.ErrorCode) bool {
	switch code {
	case sdk.ErrorCodePaymentIntentUnexpectedState,
		sdk.ErrorCodeIntentInvalidState,
		sdk.ErrorCodeChargeAlreadyCaptured,
		sdk.ErrorCodeChargeAlreadyRefunded,
		sdk.ErrorCodeChargeExpiredForCapture,
		sdk.ErrorCodeCaptureChargeAuthorizationExpired,
		sdk.ErrorCodeCaptureUnauthorizedPayment,
		sdk.ErrorCodeChargeDisputed,
		sdk.ErrorCodeRefundDisputedPayment:
		return true
	}
	return false
}

// declined says that the card was declined and why: the issuer's decline code, else Stripe's
// error code, then Stripe's message, which Stripe writes to be shown to the customer.
func (g *Gateway) declined(se *sdk.Error) string {
	msg := "the card was declined"
	if reason := declineReason(se); reason != "" {
		msg += " (" + reason + ")"
	}
	if se.Msg != "" {
		msg += ": " + g.redact(se.Msg)
	}
	return msg
}

func declineReason(se *sdk.Error) string {
	if se.DeclineCode != "" {
		return string(se.DeclineCode)
	}
	return string(se.Code)
}

// words is prefix followed by what Stripe said: the parameter at fault and its message.
func (g *Gateway) words(prefix string, se *sdk.Error) string {
	if se.Param != "" {
		prefix += " (" + se.Param + ")"
	}
	if se.Msg != "" {
		prefix += ": " + g.redact(se.Msg)
	}
	return prefix
}

// summary is what logs get of a Stripe error besides the message: its status, type, codes
// and request ID.
func (g *Gateway) summary(se *sdk.Error) error {
	s := fmt.Sprintf("stripe answered %d %s", se.HTTPStatusCode, se.Type)
	if se.Code != "" {
		s += " code=" + string(se.Code)
	}
	if se.DeclineCode != "" {
		s += " decline_code=" + string(se.DeclineCode)
	}
	if se.RequestID != "" {
		s += " request=" + se.RequestID
	}
	return errors.New(g.redact(s))
}

// redact removes the secrets from s, should Stripe or a proxy ever echo them.
func (g *Gateway) redact(s string) string {
	for _, secret := range []string{g.secretKey, g.webhookSecret} {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}
