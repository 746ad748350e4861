package stripe

import (
	"context"
	"strconv"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/billing"
	sdk "github.com/stripe/stripe-go/v85"
)

// Customer creates a Stripe customer with the user's email and name, and the user's ID as
// metadata user_id, so that the Stripe dashboard leads back to the user.
func (g *Gateway) Customer(ctx context.Context, c billing.Customer) (string, error) {
	const op = opCustomer
	if err := checkKey(op, c.Key); err != nil {
		return "", err
	}
	params := &sdk.CustomerCreateParams{
		Metadata: map[string]string{"user_id": strconv.FormatInt(c.UserID, 10)},
	}
	if c.Email != "" {
		params.Email = sdk.String(c.Email)
	}
	if c.Name != "" {
		params.Name = sdk.String(c.Name)
	}
	params.SetIdempotencyKey(c.Key)
	cus, err := g.api.V1Customers.Create(ctx, params)
	if err != nil {
		return "", g.fail(op, err)
	}
	return cus.ID, nil
}

// AttachMethod attaches the payment method to the customer, then makes it the customer's
// invoice_settings.default_payment_method, which Authorize and Charge use when the request
// names no method. These are two requests; each has its own idempotency key derived from key,
// so that calling again after a failure of the second completes the first's work. A method
// attached to another customer is Invalid.
func (g *Gateway) AttachMethod(ctx context.Context, customer, method, key string) error {
	const op = opAttachMethod
	if customer == "" || method == "" {
		return ladda.Errorf(ladda.Invalid, op, "the customer or the payment method is missing")
	}
	if err := checkKey(op, key); err != nil {
		return err
	}
	attach := &sdk.PaymentMethodAttachParams{Customer: sdk.String(customer)}
	attach.SetIdempotencyKey(key + "/attach")
	if _, err := g.api.V1PaymentMethods.Attach(ctx, method, attach); err != nil {
		return g.fail(op, err)
	}
	update := &sdk.CustomerUpdateParams{
		InvoiceSettings: &sdk.CustomerUpdateInvoiceSettingsParams{DefaultPaymentMethod: sdk.String(method)},
	}
	update.SetIdempotencyKey(key + "/default")
	if _, err := g.api.V1Customers.Update(ctx, customer, update); err != nil {
		return g.fail(op, err)
	}
	return nil
}
