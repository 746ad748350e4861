package billing

import (
	"context"
	"time"

	"github.com/ladda-csms/ladda"
)

// PayMode is how a driver pays for sessions.
type PayMode string

// The ways to pay.
const (
	PayByCard   PayMode = "card"   // pre-authorised on the card, captured after the session
	PayByWallet PayMode = "wallet" // debited from the prepaid wallet
)

// PaymentAccount is how a driver pays: the gateway's customer and default payment method, and
// the mode. The references are personal data that the store keeps sealed.
type PaymentAccount struct {
	UserID    int64     `json:"userId"`
	Mode      PayMode   `json:"mode"`
	Customer  string    `json:"customer"`        // the gateway's customer reference
	Method    string    `json:"method"`          // the gateway's payment method reference; "" for none
	Label     string    `json:"label,omitempty"` // what the driver recognises, such as "Visa •••• 4242"
	UpdatedAt time.Time `json:"updatedAt"`
}

// PaymentKind says what a payment is for.
type PaymentKind string

// The kinds of payment.
const (
	PaySession PaymentKind = "session" // a charging session, by card
	PayTopUp   PaymentKind = "topup"   // money into the wallet
	PayDebt    PaymentKind = "debt"    // a session whose payment failed, retried
	PayInvoice PaymentKind = "invoice" // a monthly invoice (a subscription), charged at once
)

// PaymentState is where a payment stands in Ladda.
type PaymentState string

// The states of a payment. Authorized, Retrying and Pending are open; the others are final
// except that Captured may still be refunded.
const (
	StatePending    PaymentState = "pending"    // waiting for the gateway or the customer
	StateAuthorized PaymentState = "authorized" // reserved on the card, the session runs
	StateCaptured   PaymentState = "captured"   // paid
	StateReleased   PaymentState = "released"   // nothing was owed; the reservation is gone
	StateFailed     PaymentState = "failed"     // refused for good; the amount is a debt
	StateRetrying   PaymentState = "retrying"   // the gateway failed; tried again at NextAttempt
	StateRefunded   PaymentState = "refunded"   // paid, then returned in full
)

// PaymentRecord is a payment as Ladda keeps it: what was asked of the gateway and what came
// of it. A session has at most one. Ref and Customer are sealed in the store.
type PaymentRecord struct {
	ID            int64               `json:"id"`
	Kind          PaymentKind         `json:"kind"`
	UserID        int64               `json:"userId"`
	OrgID         int64               `json:"orgId,omitempty"` // the seller: the station's organisation
	TransactionID ladda.TransactionID `json:"transactionId,omitempty"`
	CDRID         int64               `json:"cdrId,omitempty"`
	InvoiceID     int64               `json:"invoiceId,omitempty"` // a monthly invoice it pays
	Country       string              `json:"country,omitempty"`   // whose tax an invoice's payment books
	Currency      string              `json:"currency"`
	State         PaymentState        `json:"state"`
	Ref           string              `json:"ref,omitempty"` // the gateway's payment reference
	Customer      string              `json:"customer,omitempty"`
	Label         string              `json:"label,omitempty"`
	Authorized    Amount              `json:"authorized"`
	Captured      Amount              `json:"captured"`
	Refunded      Amount              `json:"refunded"`
	Due           Amount              `json:"due"` // what the session cost, once known
	Attempts      int                 `json:"attempts"`
	// KeyGen is the generation of the idempotency keys of the payment's gateway calls. It
	// moves on only after a definite refusal (a declined card), never after an uncertain
	// failure (a timeout), so that a retry of a call whose answer was lost repeats its key
	// and the gateway answers as it did the first time instead of charging again.
	KeyGen int `json:"keyGen,omitempty"`
	// TaxByCountry splits the tax of a monthly invoice's payment by the country it is owed to;
	// empty: all of it to Country.
	TaxByCountry map[string]Amount `json:"taxByCountry,omitempty"`
	Debt         bool              `json:"debt,omitempty"` // booked as the driver's debt, until captured
	NextAttempt  time.Time         `json:"nextAttempt,omitzero"`
	LastError    string            `json:"lastError,omitempty"`
	Version      int64             `json:"-"` // for compare-and-set updates
	CreatedAt    time.Time         `json:"createdAt"`
	UpdatedAt    time.Time         `json:"updatedAt"`
}

// PaymentFilter selects payments, newest first. Zero fields do not filter.
type PaymentFilter struct {
	UserID    int64
	OrgID     int64 // the seller
	States    []PaymentState
	DueBefore time.Time // NextAttempt before this (retries that are due)
	Before    int64     // keyset pagination: IDs lower than this
	Limit     int
}

// Payments is what the store keeps of payments, payment accounts, the ledger, plans,
// subscriptions and price schedules. Errors are *ladda.Error.
type Payments interface {
	// SetPaymentAccount stores a driver's payment account, replacing the one they had.
	SetPaymentAccount(ctx context.Context, a *PaymentAccount) error
	// PaymentAccount returns a driver's payment account. Errors: NotFound.
	PaymentAccount(ctx context.Context, userID int64) (*PaymentAccount, error)
	DeletePaymentAccount(ctx context.Context, userID int64) error

	// CreatePayment stores p and sets p.ID and p.Version, unless p is a session payment
	// (Kind PaySession or PayDebt with a TransactionID) and the transaction has one of that
	// kind already: then p is overwritten with it and created is false.
	CreatePayment(ctx context.Context, p *PaymentRecord) (created bool, err error)
	// UpdatePayment replaces every field of payment p.ID but its ID, Kind, UserID,
	// TransactionID and CreatedAt, if its version is still p.Version, and advances p.Version.
	// Errors: NotFound; Conflict when it changed meanwhile (read it again and retry).
	UpdatePayment(ctx context.Context, p *PaymentRecord) error
	Payment(ctx context.Context, id int64) (*PaymentRecord, error)
	// PaymentOfTransaction returns the payment of a session of that kind. Errors: NotFound.
	PaymentOfTransaction(ctx context.Context, tx ladda.TransactionID, kind PaymentKind) (*PaymentRecord, error)
	// PaymentByRef finds a payment by the gateway's reference. Errors: NotFound.
	PaymentByRef(ctx context.Context, ref string) (*PaymentRecord, error)
	Payments(ctx context.Context, f PaymentFilter) ([]*PaymentRecord, error)
	// SeenGatewayEvent records a gateway event's id and reports whether it is new.
	SeenGatewayEvent(ctx context.Context, id string, at time.Time) (bool, error)

	// AppendEntry stores a checked ledger entry and sets e.ID, unless an entry of the same Kind
	// and Ref exists: then e is overwritten with it and created is false.
	AppendEntry(ctx context.Context, e *Entry) (created bool, err error)
	// Balance sums the postings of an account in a currency (debits positive).
	Balance(ctx context.Context, a Account, currency string) (Amount, error)
	// Entries lists the entries with a posting to a, newest first.
	Entries(ctx context.Context, a Account, before int64, limit int) ([]*Entry, error)

	CreatePlan(ctx context.Context, p *Plan) error
	Plan(ctx context.Context, id int64) (*Plan, error)
	// Plans lists the plans of an organisation (0: all) by ID.
	Plans(ctx context.Context, orgID int64) ([]*Plan, error)
	UpdatePlan(ctx context.Context, p *Plan) error
	// CreateSubscription stores s and sets s.ID. Errors: NotFound for an unknown plan;
	// Conflict when the user has a subscription of the same organisation that has not ended.
	CreateSubscription(ctx context.Context, s *Subscription) error
	Subscription(ctx context.Context, id int64) (*Subscription, error)
	// Subscriptions lists subscriptions by ID: of a user (userID > 0) or of a plan (planID > 0).
	Subscriptions(ctx context.Context, userID, planID int64) ([]*Subscription, error)
	// EndSubscription sets the end of a subscription that has none. Errors: NotFound;
	// Conflict when it has ended already.
	EndSubscription(ctx context.Context, id int64, at time.Time) error

	// PutSchedule stores a price schedule under its name, replacing one of that name.
	PutSchedule(ctx context.Context, s *PriceSchedule, at time.Time) error
	Schedule(ctx context.Context, name string) (*PriceSchedule, error)
	// Schedules lists the schedules by name, without their points.
	Schedules(ctx context.Context) ([]*PriceSchedule, error)
	DeleteSchedule(ctx context.Context, name string) error
}
