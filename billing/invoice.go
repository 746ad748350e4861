package billing

import (
	"fmt"
	"time"
)

// InvoiceKind says whether a document asks for money or gives it back.
type InvoiceKind string

// The kinds of invoice.
const (
	KindInvoice    InvoiceKind = "invoice"
	KindCreditNote InvoiceKind = "credit_note" // cancels all or part of an earlier invoice
)

// Invoice is an issued invoice or credit note. Once issued it never changes: corrections are
// credit notes that name the invoice they correct.
//
// Rules: Number is gapless within Series (1, 2, 3, … with none skipped or reused), and
// Reference() is unique. Every amount is in Currency. Net, Tax and Total are whole minor units
// and Total = Net + Tax; a credit note's amounts are negative. Lines are in the order shown.
type Invoice struct {
	ID        int64         `json:"id"`
	Kind      InvoiceKind   `json:"kind"`
	Series    string        `json:"series"` // such as "LAD"; numbering is per series
	Number    int64         `json:"number"`
	Credits   string        `json:"credits,omitempty"` // for a credit note: Reference() of the invoice it corrects
	IssuedAt  time.Time     `json:"issuedAt"`
	DueAt     time.Time     `json:"dueAt,omitzero"`     // zero: paid already (a card or wallet payment)
	Language  string        `json:"language,omitempty"` // "en" or "sv": the language the document is rendered in
	Seller    Party         `json:"seller"`
	Buyer     Party         `json:"buyer"`
	Currency  string        `json:"currency"`
	Lines     []InvoiceLine `json:"lines"`
	Net       Amount        `json:"net"` // excluding tax
	Tax       Amount        `json:"tax"`
	Total     Amount        `json:"total"`               // Net + Tax
	TaxNote   string        `json:"taxNote,omitempty"`   // how tax was computed and rounded (TaxedBill.Statement), and any exemption
	PaidBy    string        `json:"paidBy,omitempty"`    // how it was paid, such as "Visa •••• 4242" or "Wallet"; empty if unpaid
	Reference string        `json:"reference,omitempty"` // free text for the buyer's books, such as a purchase order
}

// Ref is the invoice's number as printed: the series, a dash and the number padded to six
// digits, such as "LAD-000042".
func (inv *Invoice) Ref() string { return fmt.Sprintf("%s-%06d", inv.Series, inv.Number) }

// Party is the seller or the buyer on an invoice.
type Party struct {
	Name      string   `json:"name"`
	Address   []string `json:"address,omitempty"`   // lines of the postal address, country last
	VATNumber string   `json:"vatNumber,omitempty"` // such as "SE556677889901"; may be empty for a consumer
	Email     string   `json:"email,omitempty"`
}

// InvoiceLine is one line of an invoice: a charging session, a subscription fee or another
// item. For a session, Session is set and Description names what it charges for.
type InvoiceLine struct {
	Description string      `json:"description"`
	Session     *SessionRef `json:"session,omitempty"` // the charging session the line belongs to, if any
	Quantity    Quantity    `json:"quantity"`          // in Unit
	Unit        string      `json:"unit"`              // "kWh", "h", "session", "month", …
	UnitPrice   Amount      `json:"unitPrice"`         // excluding tax, exact
	Net         Amount      `json:"net"`               // excluding tax, exact
	TaxPercent  Quantity    `json:"taxPercent"`
	Tax         Amount      `json:"tax"`   // exact or rounded, as the invoice's TaxNote says
	Total       Amount      `json:"total"` // Net + Tax
}

// SessionRef is what an invoice says about a charging session: time, place, energy, duration.
type SessionRef struct {
	CDR       string    `json:"cdr,omitempty"` // the charge detail record's reference
	StationID string    `json:"stationId"`
	Address   string    `json:"address,omitempty"` // the station's site, one line
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	EnergyWh  int64     `json:"energyWh"`
	TimeZone  string    `json:"timeZone,omitempty"` // IANA zone the times are shown in, the station's
}

// InvoiceFilter selects invoices, newest first. Zero fields do not filter.
type InvoiceFilter struct {
	SellerOrgID int64 // the operator organisation that issued it
	BuyerUserID int64
	BuyerOrgID  int64
	Before      int64 // keyset pagination: IDs lower than this
	Limit       int
}

// Issued is an invoice as the store keeps it: the document and whom it concerns.
type Issued struct {
	Invoice
	SellerOrgID int64   `json:"sellerOrgId,omitempty"`
	BuyerUserID int64   `json:"buyerUserId,omitempty"`
	BuyerOrgID  int64   `json:"buyerOrgId,omitempty"`
	CreditsID   int64   `json:"creditsId,omitempty"` // for a credit note: the invoice it corrects
	CDRs        []int64 `json:"cdrs,omitempty"`      // the CDRs it bills
	// A subscription's monthly invoice bills it from PeriodFrom (its BilledUntil, nil the first
	// time) to PeriodTo: issuing it moves BilledUntil, so that no month is billed twice. A
	// credit note of it moves BilledUntil back (from the invoice's PeriodTo to its PeriodFrom),
	// so that the month is billed again, corrected.
	SubscriptionID int64      `json:"subscriptionId,omitempty"`
	PeriodFrom     *time.Time `json:"periodFrom,omitempty"`
	PeriodTo       *time.Time `json:"periodTo,omitempty"`

	document []byte // the rendered PDF, for the email of the invoice just issued; not stored
}

// BillingDetails are what an invoice says about its seller or buyer, kept per organisation or
// per user. Series is the seller's invoice number series (its prefix, such as "LAD"); buyers
// leave it empty.
type BillingDetails struct {
	Party
	Series string `json:"series,omitempty"`
}

// Owner names whose billing details are meant: an organisation, a user, or (both zero) the
// operator of the Ladda installation itself, the seller for stations of no organisation.
type Owner struct {
	OrgID  int64
	UserID int64
}
