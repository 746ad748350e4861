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
	ID        int64
	Kind      InvoiceKind
	Series    string // such as "LAD"; numbering is per series
	Number    int64
	Credits   string // for a credit note: Reference() of the invoice it corrects
	IssuedAt  time.Time
	DueAt     time.Time // zero: paid already (a card or wallet payment)
	Language  string    // "en" or "sv": the language the document is rendered in
	Seller    Party
	Buyer     Party
	Currency  string
	Lines     []InvoiceLine
	Net       Amount // excluding tax
	Tax       Amount
	Total     Amount // Net + Tax
	TaxNote   string // how tax was computed and rounded (TaxedBill.Statement), and any exemption
	PaidBy    string // how it was paid, such as "Visa •••• 4242" or "Wallet"; empty if unpaid
	Reference string // free text for the buyer's books, such as a purchase order
}

// Ref is the invoice's number as printed: the series, a dash and the number padded to six
// digits, such as "LAD-000042".
func (inv *Invoice) Ref() string { return fmt.Sprintf("%s-%06d", inv.Series, inv.Number) }

// Party is the seller or the buyer on an invoice.
type Party struct {
	Name      string
	Address   []string // lines of the postal address, country last
	VATNumber string   // such as "SE556677889901"; may be empty for a consumer
	Email     string
}

// InvoiceLine is one line of an invoice: a charging session, a subscription fee or another
// item. For a session, Session is set and Description names what it charges for.
type InvoiceLine struct {
	Description string
	Session     *SessionRef // the charging session the line belongs to, if any
	Quantity    Quantity    // in Unit
	Unit        string      // "kWh", "h", "session", "month", …
	UnitPrice   Amount      // excluding tax, exact
	Net         Amount      // excluding tax, exact
	TaxPercent  Quantity
	Tax         Amount // exact or rounded, as the invoice's TaxNote says
	Total       Amount // Net + Tax
}

// SessionRef is what an invoice says about a charging session: time, place, energy, duration.
type SessionRef struct {
	CDR       string // the charge detail record's reference
	StationID string
	Address   string // the station's site, one line
	Start     time.Time
	End       time.Time
	EnergyWh  int64
	TimeZone  string // IANA zone the times are shown in, the station's
}
