package billing

import (
	"context"
	"math/big"

	"github.com/ladda-csms/ladda"
)

// Gateway is a payment service provider: it holds customers and their payment methods and moves
// money. billing/stripe implements it with Stripe. Every call that changes anything takes an
// idempotency key: calling again with the same key has no further effect and answers as the
// first call did, so a call that timed out can always be retried.
//
// Amounts are in the currency given, exact to its minor unit (Exponent); an amount with more
// decimals is Invalid. Errors are *ladda.Error: Invalid for a request the provider refuses as
// malformed, Conflict for one it refuses in the payment's state (capturing a released
// authorisation, refunding more than was captured) or declines (the card is declined: the
// Payment, when one is returned, says why), Unavailable when the provider cannot be reached or
// fails (retry later with the same key).
type Gateway interface {
	// Customer creates a customer for a user, or returns the one the key already created.
	Customer(ctx context.Context, c Customer) (ref string, err error)
	// AttachMethod attaches a payment method (tokenised by the provider's client-side code) to
	// a customer and makes it the default one.
	AttachMethod(ctx context.Context, customer, method, key string) error
	// Authorize reserves an amount on the customer's payment method without taking it, to be
	// captured, increased or released later.
	Authorize(ctx context.Context, r PaymentRequest) (*Payment, error)
	// Increment raises an authorisation to total (not by total), for a long session.
	Increment(ctx context.Context, ref string, total Amount, currency, key string) (*Payment, error)
	// Capture takes amount (at most what was authorised) of an authorisation and releases the
	// rest.
	Capture(ctx context.Context, ref string, amount Amount, currency, key string) (*Payment, error)
	// Release cancels an authorisation that will not be captured.
	Release(ctx context.Context, ref, key string) (*Payment, error)
	// Charge takes an amount at once, such as a wallet top-up.
	Charge(ctx context.Context, r PaymentRequest) (*Payment, error)
	// Refund returns amount of a captured payment.
	Refund(ctx context.Context, ref string, amount Amount, currency, key string) (*Refund, error)
	// Event verifies the signature of a webhook the provider sent and decodes it. A bad or stale
	// signature is Unauthorized; an event of a kind Ladda does not use has Kind "".
	Event(payload []byte, signature string) (*GatewayEvent, error)
}

// Customer is whom a Gateway keeps payment methods for.
type Customer struct {
	UserID int64
	Email  string
	Name   string
	Key    string // idempotency key
}

// PaymentRequest asks a Gateway to authorise or charge an amount.
type PaymentRequest struct {
	Customer    string // the gateway's customer reference
	Method      string // the payment method; empty: the customer's default
	Amount      Amount
	Currency    string
	Description string
	Key         string            // idempotency key
	Metadata    map[string]string // kept with the payment, such as the transaction id
}

// PaymentStatus is where a payment stands at the gateway.
type PaymentStatus string

// The payment statuses.
const (
	PaymentPending    PaymentStatus = "pending"    // waiting for the customer (3-D Secure) or the bank
	PaymentAuthorized PaymentStatus = "authorized" // reserved, not yet captured
	PaymentCaptured   PaymentStatus = "captured"   // taken
	PaymentReleased   PaymentStatus = "released"   // an authorisation cancelled, nothing taken
	PaymentFailed     PaymentStatus = "failed"     // declined or otherwise failed
)

// Payment is a payment as the gateway sees it after a call.
type Payment struct {
	Ref        string
	Status     PaymentStatus
	Currency   string
	Authorized Amount // reserved in all
	Captured   Amount // taken
	Refunded   Amount
	Failure    string // why it failed, in the gateway's words
}

// Refund is money returned from a captured payment.
type Refund struct {
	Ref        string
	PaymentRef string
	Amount     Amount
	Currency   string
	Status     string // "succeeded", "pending" or "failed"
}

// GatewayEvent is a webhook from the gateway: a payment's state changed outside a call of ours
// (captured, failed, refunded, disputed).
type GatewayEvent struct {
	ID         string // the gateway's event id; the same event may arrive more than once
	Kind       string // "payment.captured", "payment.failed", "payment.released", "payment.authorized", "refund.updated", or "" for others
	PaymentRef string
	RefundRef  string
	Status     PaymentStatus
	Amount     Amount // the amount the event is about, such as the captured or refunded amount
	Currency   string
	Failure    string
}

// MinorUnits returns a in minor units of currency (cents, öre): 12.34 EUR is 1234. An amount
// with more decimals than the currency has is Invalid.
func MinorUnits(a Amount, currency string) (int64, error) {
	exp := Exponent(currency)
	scaled := new(big.Rat).Mul(a.rat(), new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil)))
	if !scaled.IsInt() || !scaled.Num().IsInt64() {
		return 0, ladda.Errorf(ladda.Invalid, "billing.MinorUnits", "%s %s is not a whole number of minor units", a, currency)
	}
	return scaled.Num().Int64(), nil
}

// FromMinorUnits is the Amount of n minor units of currency.
func FromMinorUnits(n int64, currency string) Amount {
	return Amount{new(big.Rat).SetFrac(big.NewInt(n), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(Exponent(currency))), nil))}
}
