package stripe

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/billing"
	sdk "github.com/stripe/stripe-go/v85"
	"github.com/stripe/stripe-go/v85/webhook"
)

// Event verifies the Stripe-Signature header of a webhook against Config.WebhookSecret and
// decodes the event. A missing, malformed or wrong signature, or a signed timestamp further
// than Config.Tolerance from Now, is Unauthorized; a payload that is not a Stripe event is
// Invalid. The event's API version is not checked: only fields that are stable across versions
// are read.
//
// The events Ladda uses, and what Amount is about:
//
//   - payment_intent.amount_capturable_updated is "payment.authorized": amount_capturable;
//   - payment_intent.succeeded is "payment.captured": amount_received;
//   - payment_intent.payment_failed is "payment.failed": the amount asked for, and Failure;
//   - payment_intent.canceled is "payment.released": the amount asked for;
//   - refund.created, refund.updated, refund.failed and charge.refund.updated are
//     "refund.updated": the refund's amount, with RefundRef, PaymentRef, and Failure when
//     the refund failed;
//   - charge.refunded is "refund.updated" too: the charge's amount refunded in all, with
//     PaymentRef, and RefundRef when the charge lists its refunds (the newest).
//
// Status is the payment's status for payment events and empty for refund events. Any other
// event has Kind "" and only ID set.
func (g *Gateway) Event(payload []byte, signature string) (*billing.GatewayEvent, error) {
	const op = opEvent
	if g.webhookSecret == "" {
		return nil, ladda.Errorf(ladda.Unauthorized, op, "no webhook secret is configured")
	}
	// The SDK checks the signature; the timestamp is checked here, against the injected clock.
	ev, err := webhook.ConstructEventWithOptions(payload, signature, g.webhookSecret, webhook.ConstructEventOptions{
		IgnoreTolerance:          true,
		IgnoreAPIVersionMismatch: true,
	})
	switch {
	case errors.Is(err, webhook.ErrNotSigned), errors.Is(err, webhook.ErrInvalidHeader), errors.Is(err, webhook.ErrNoValidSignature):
		return nil, &ladda.Error{Kind: ladda.Unauthorized, Op: op, Message: "webhook signature does not match", Err: err}
	case err != nil:
		return nil, &ladda.Error{Kind: ladda.Invalid, Op: op, Message: "the webhook is not a Stripe event", Err: err}
	}
	signed, ok := signedAt(signature)
	if !ok {
		return nil, ladda.Errorf(ladda.Unauthorized, op, "webhook signature has no timestamp")
	}
	if d := g.now().Sub(signed); d > g.tolerance || d < -g.tolerance {
		return nil, ladda.Errorf(ladda.Unauthorized, op, "webhook signature is from %s, more than %s from now", signed.UTC().Format(time.RFC3339), g.tolerance)
	}
	out := &billing.GatewayEvent{ID: ev.ID}
	if ev.Data == nil {
		return out, nil
	}
	if err := decodeEvent(out, ev.Type, ev.Data.Raw); err != nil {
		return nil, &ladda.Error{Kind: ladda.Invalid, Op: op, Message: "the webhook's " + string(ev.Type) + " object cannot be read", Err: err}
	}
	return out, nil
}

// signedAt returns the timestamp of a Stripe-Signature header ("t=1712345678,v1=…"): the last
// one, as the SDK verifies the signature against it.
func signedAt(header string) (time.Time, bool) {
	var t time.Time
	found := false
	for _, part := range strings.Split(header, ",") {
		if v, ok := strings.CutPrefix(part, "t="); ok {
			sec, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return time.Time{}, false
			}
			t, found = time.Unix(sec, 0), true
		}
	}
	return t, found
}

// decodeEvent fills in e from the object of an event of type typ.
func decodeEvent(e *billing.GatewayEvent, typ sdk.EventType, raw json.RawMessage) error {
	switch typ {
	case sdk.EventTypePaymentIntentAmountCapturableUpdated, sdk.EventTypePaymentIntentSucceeded,
		sdk.EventTypePaymentIntentPaymentFailed, sdk.EventTypePaymentIntentCanceled:
		var pi sdk.PaymentIntent
		if err := json.Unmarshal(raw, &pi); err != nil {
			return err
		}
		p := payment(&pi)
		e.PaymentRef, e.Status, e.Currency, e.Failure = p.Ref, p.Status, p.Currency, p.Failure
		switch typ {
		case sdk.EventTypePaymentIntentAmountCapturableUpdated:
			e.Kind, e.Amount = "payment.authorized", billing.FromMinorUnits(pi.AmountCapturable, p.Currency)
		case sdk.EventTypePaymentIntentSucceeded:
			e.Kind, e.Amount = "payment.captured", p.Captured
		case sdk.EventTypePaymentIntentPaymentFailed:
			// The PaymentIntent is back at requires_payment_method; the event says it failed.
			e.Kind, e.Status, e.Amount = "payment.failed", billing.PaymentFailed, billing.FromMinorUnits(pi.Amount, p.Currency)
		case sdk.EventTypePaymentIntentCanceled:
			e.Kind, e.Amount = "payment.released", billing.FromMinorUnits(pi.Amount, p.Currency)
		}
	case sdk.EventTypeRefundCreated, sdk.EventTypeRefundUpdated, sdk.EventTypeRefundFailed, sdk.EventTypeChargeRefundUpdated:
		var r sdk.Refund
		if err := json.Unmarshal(raw, &r); err != nil {
			return err
		}
		out := refund(&r)
		e.Kind, e.RefundRef, e.PaymentRef, e.Amount, e.Currency = "refund.updated", out.Ref, out.PaymentRef, out.Amount, out.Currency
		if out.Status == "failed" {
			e.Failure = string(r.FailureReason)
			if e.Failure == "" {
				e.Failure = string(r.Status)
			}
		}
	case sdk.EventTypeChargeRefunded:
		var c sdk.Charge
		if err := json.Unmarshal(raw, &c); err != nil {
			return err
		}
		e.Kind, e.Currency = "refund.updated", strings.ToUpper(string(c.Currency))
		e.Amount = billing.FromMinorUnits(c.AmountRefunded, e.Currency)
		if c.PaymentIntent != nil {
			e.PaymentRef = c.PaymentIntent.ID
		}
		if c.Refunds != nil && len(c.Refunds.Data) > 0 && c.Refunds.Data[0] != nil {
			e.RefundRef = c.Refunds.Data[0].ID // lists are newest first
		}
	}
	return nil
}
