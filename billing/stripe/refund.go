package stripe

import (
	"context"
	"strings"

	"github.com/ladda-csms/ladda/billing"
	sdk "github.com/stripe/stripe-go/v85"
)

// Refund refunds amount of PaymentIntent ref. Refunding more than is left of the captured
// amount, or a payment that is not captured or is disputed, is Conflict.
//
// Stripe's refund statuses map to billing.Refund's: succeeded and failed as they are, pending
// and requires_action to "pending", canceled to "failed".
func (g *Gateway) Refund(ctx context.Context, ref string, amount billing.Amount, currency, key string) (*billing.Refund, error) {
	const op = opRefund
	if err := checkRefKey(op, ref, key); err != nil {
		return nil, err
	}
	n, _, err := minor(op, amount, currency)
	if err != nil {
		return nil, err
	}
	params := &sdk.RefundCreateParams{PaymentIntent: sdk.String(ref), Amount: sdk.Int64(n)}
	params.SetIdempotencyKey(key)
	r, err := g.api.V1Refunds.Create(ctx, params)
	if err != nil {
		return nil, g.fail(op, err)
	}
	return refund(r), nil
}

// refund maps a Stripe refund.
func refund(r *sdk.Refund) *billing.Refund {
	cur := strings.ToUpper(string(r.Currency))
	out := &billing.Refund{
		Ref:      r.ID,
		Amount:   billing.FromMinorUnits(r.Amount, cur),
		Currency: cur,
		Status:   refundStatus(r.Status),
	}
	if r.PaymentIntent != nil {
		out.PaymentRef = r.PaymentIntent.ID
	}
	return out
}

func refundStatus(s sdk.RefundStatus) string {
	switch s {
	case sdk.RefundStatusSucceeded:
		return "succeeded"
	case sdk.RefundStatusFailed, sdk.RefundStatusCanceled:
		return "failed"
	}
	return "pending"
}
