package httpapi

import (
	"context"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/billing"
)

// Payments: how a driver pays (card or wallet), the wallet, payments and refunds, and the
// gateway's webhooks.

// PaymentAccount is how a driver pays. The gateway's references are not shown.
type PaymentAccount struct {
	Mode      string    `json:"mode" enum:"card,wallet"`
	Label     string    `json:"label,omitempty" doc:"What you call the card, such as Visa •••• 4242."`
	HasMethod bool      `json:"hasMethod" doc:"A card is attached."`
	UpdatedAt time.Time `json:"updatedAt"`
}

func viewAccount(a *billing.PaymentAccount) PaymentAccount {
	return PaymentAccount{Mode: string(a.Mode), Label: a.Label, HasMethod: a.Method != "", UpdatedAt: a.UpdatedAt.UTC()}
}

type accountOutput struct {
	Body PaymentAccount
}

type setAccountInput struct {
	Body struct {
		Mode   string `json:"mode" enum:"card,wallet" doc:"card: each session is pre-authorised and charged on the card; wallet: sessions are paid from the prepaid wallet, topped up with the card."`
		Method string `json:"paymentMethod,omitempty" maxLength:"255" doc:"A payment method tokenised by the gateway's client-side code (Stripe: pm_…); absent: keep the one attached."`
		Label  string `json:"label,omitempty" maxLength:"64"`
	} `nameHint:"PaymentAccountChange"`
}

func (s *server) getPaymentAccount(ctx context.Context, _ *struct{}) (*accountOutput, error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	a, err := s.billing.PaymentAccount(ctx, caller(ctx).UserID())
	if err != nil {
		return nil, err
	}
	return &accountOutput{Body: viewAccount(a)}, nil
}

func (s *server) setPaymentAccount(ctx context.Context, in *setAccountInput) (*accountOutput, error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	p := caller(ctx)
	u := p.User
	a, err := s.billing.SetupPayment(ctx, p.UserID(), u.Email, u.Name, in.Body.Method, in.Body.Label, billing.PayMode(in.Body.Mode))
	if err != nil {
		return nil, err
	}
	return &accountOutput{Body: viewAccount(a)}, nil
}

func (s *server) deletePaymentAccount(ctx context.Context, _ *struct{}) (*struct{}, error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	return nil, s.billing.RemovePaymentAccount(ctx, caller(ctx).UserID())
}

// Wallet is a driver's prepaid balance.
type Wallet struct {
	Currency string `json:"currency"`
	Balance  string `json:"balance" doc:"Negative: sessions cost more than the wallet held; the next top-up settles it."`
}

type walletInput struct {
	Currency string `query:"currency" pattern:"^[A-Z]{3}$" doc:"Default EUR."`
}

type walletOutput struct {
	Body Wallet
}

func (s *server) getWallet(ctx context.Context, in *walletInput) (*walletOutput, error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	currency := in.Currency
	if currency == "" {
		currency = "EUR"
	}
	b, err := s.billing.WalletBalance(ctx, caller(ctx).UserID(), currency)
	if err != nil {
		return nil, err
	}
	return &walletOutput{Body: Wallet{Currency: currency, Balance: b.Format(billing.Exponent(currency))}}, nil
}

// Payment is a payment: of a session, a debt or a top-up.
type Payment struct {
	ID            int64      `json:"id"`
	Kind          string     `json:"kind" enum:"session,topup,debt,invoice"`
	State         string     `json:"state" enum:"pending,authorized,captured,released,failed,retrying,refunded"`
	UserID        int64      `json:"userId"`
	TransactionID int64      `json:"transactionId,omitempty"`
	CDRID         int64      `json:"cdrId,omitempty"`
	Currency      string     `json:"currency"`
	Authorized    string     `json:"authorized"`
	Captured      string     `json:"captured"`
	Refunded      string     `json:"refunded"`
	Due           string     `json:"due" doc:"What the session cost (or the top-up), once known."`
	Debt          bool       `json:"debt" doc:"Booked as the driver's debt: the payment failed and is retried, or failed for good."`
	Attempts      int        `json:"attempts"`
	NextAttempt   *time.Time `json:"nextAttempt,omitempty"`
	LastError     string     `json:"lastError,omitempty"`
	Card          string     `json:"card,omitempty"`
	CreatedAt     time.Time  `json:"createdAt"`
	UpdatedAt     time.Time  `json:"updatedAt"`
}

func viewPayment(p *billing.PaymentRecord) Payment {
	exp := billing.Exponent(p.Currency)
	return Payment{ID: p.ID, Kind: string(p.Kind), State: string(p.State), UserID: p.UserID, TransactionID: int64(p.TransactionID), CDRID: p.CDRID,
		Currency: p.Currency, Authorized: p.Authorized.Format(exp), Captured: p.Captured.Format(exp), Refunded: p.Refunded.Format(exp),
		Due: p.Due.Format(exp), Debt: p.Debt, Attempts: p.Attempts, NextAttempt: utc(p.NextAttempt), LastError: p.LastError, Card: p.Label,
		CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()}
}

type topUpInput struct {
	Body struct {
		Amount   string `json:"amount" pattern:"^[0-9]+(\\.[0-9]+)?$"`
		Currency string `json:"currency" pattern:"^[A-Z]{3}$"`
	} `nameHint:"TopUp"`
}

type paymentOutput struct {
	Body Payment
}

// topUp handles POST /api/v1/me/wallet/top-up: charges the card and fills the wallet.
func (s *server) topUp(ctx context.Context, in *topUpInput) (*paymentOutput, error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	amount, err := billing.ParseAmount(in.Body.Amount)
	if err != nil {
		return nil, err
	}
	p, err := s.billing.TopUp(ctx, caller(ctx).UserID(), amount, in.Body.Currency)
	if p != nil && err != nil && ladda.IsKind(err, ladda.Conflict) {
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	return &paymentOutput{Body: viewPayment(p)}, nil
}

type listPaymentsInput struct {
	State  string `query:"state" enum:"pending,authorized,captured,released,failed,retrying,refunded"`
	UserID int64  `query:"userId" minimum:"0"`
	Before int64  `query:"before" minimum:"0" doc:"Cursor: the next field of the previous page."`
	Limit  int    `query:"limit" minimum:"1" maximum:"1000" doc:"Page size, default 100."`
}

func (s *server) listPayments(mine bool) func(context.Context, *listPaymentsInput) (*listOutput[Payment], error) {
	return func(ctx context.Context, in *listPaymentsInput) (*listOutput[Payment], error) {
		if err := s.needBilling(); err != nil {
			return nil, err
		}
		limit := limitOf(in.Limit)
		f := billing.PaymentFilter{UserID: in.UserID, Before: in.Before, Limit: limit + 1}
		if mine {
			f.UserID = caller(ctx).UserID()
		} else {
			f.OrgID = orgScope(caller(ctx))
		}
		if in.State != "" {
			f.States = []billing.PaymentState{billing.PaymentState(in.State)}
		}
		found, err := s.billing.Payments(ctx, f)
		if err != nil {
			return nil, err
		}
		found, next := page(found, limit, func(p *billing.PaymentRecord) string { return strconv.FormatInt(p.ID, 10) })
		out := &listOutput[Payment]{Body: List[Payment]{Items: make([]Payment, 0, len(found)), Next: next}}
		for _, p := range found {
			out.Body.Items = append(out.Body.Items, viewPayment(p))
		}
		return out, nil
	}
}

// payment returns a payment the caller sold (its station's organisation); NotFound otherwise.
func (s *server) payment(ctx context.Context, id int64) (*billing.PaymentRecord, error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	p, err := s.billing.Payment(ctx, id)
	if err != nil {
		return nil, err
	}
	if !caller(ctx).Sees(p.OrgID) {
		return nil, ladda.Errorf(ladda.NotFound, "httpapi.payment", "payment %d not found", id)
	}
	return p, nil
}

func (s *server) getPayment(ctx context.Context, in *idInput) (*paymentOutput, error) {
	p, err := s.payment(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &paymentOutput{Body: viewPayment(p)}, nil
}

type refundInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		Amount string `json:"amount" pattern:"^[0-9]+(\\.[0-9]+)?$" doc:"At most what was captured and not refunded yet."`
	} `nameHint:"RefundRequest"`
}

// refund handles POST /api/v1/payments/{id}/refund.
func (s *server) refund(ctx context.Context, in *refundInput) (*paymentOutput, error) {
	if _, err := s.payment(ctx, in.ID); err != nil {
		return nil, err
	}
	amount, err := billing.ParseAmount(in.Body.Amount)
	if err != nil {
		return nil, err
	}
	p, err := s.billing.RefundPayment(ctx, in.ID, amount)
	if err != nil {
		return nil, err
	}
	return &paymentOutput{Body: viewPayment(p)}, nil
}

// webhookInput is a gateway's webhook: its raw body, which the signature covers.
type webhookInput struct {
	Signature string `header:"Stripe-Signature" maxLength:"2000" doc:"The gateway's signature of the body."`
	RawBody   []byte
}

// maxWebhookBody bounds a gateway's webhook; Stripe's events are a few kilobytes (the whole
// request is bounded by MaxBodyBytes before).
const maxWebhookBody = 256 << 10

func webhookBody() *huma.RequestBody {
	return &huma.RequestBody{
		Description: "The gateway's event, exactly as it sent it (Stripe: an Event object).",
		Required:    true,
		Content:     map[string]*huma.MediaType{"application/json": {Schema: &huma.Schema{Type: huma.TypeObject}}},
	}
}

// gatewayWebhook handles POST /api/v1/payments/webhook: the gateway says a payment changed.
// The signature is the credential; a bad one answers 401.
func (s *server) gatewayWebhook(ctx context.Context, in *webhookInput) (*struct{}, error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	if len(in.RawBody) > maxWebhookBody {
		return nil, ladda.Errorf(ladda.Invalid, "httpapi.gatewayWebhook", "the event is larger than %d bytes", maxWebhookBody)
	}
	return nil, s.billing.GatewayEvent(ctx, in.RawBody, in.Signature)
}
