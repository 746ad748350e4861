package billing

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ladda-csms/ladda"
)

// Renderer writes an invoice as a document, such as a PDF (package billing/invoicepdf).
type Renderer func(w io.Writer, inv *Invoice) error

// PaymentTerms is how long a buyer has to pay an invoice that was not paid at once.
const PaymentTerms = 30 * 24 * time.Hour

var (
	seriesPattern = regexp.MustCompile(`^[A-Z0-9]{1,10}$`)
	defaultSeries = regexp.MustCompile(`^O[0-9]+$`) // "O" and an organisation's number
)

// CheckDetails returns an Invalid error naming the first rule d breaks, or nil: a name of at
// most 200 characters, at most 6 address lines of 200, a VAT number of at most 20 letters and
// digits, and for a seller a series of 1 to 10 upper-case letters or digits.
func CheckDetails(d *BillingDetails, seller bool) error {
	const op = "billing.CheckDetails"
	switch {
	case strings.TrimSpace(d.Name) == "" || len(d.Name) > 200:
		return ladda.Errorf(ladda.Invalid, op, "billing details need a name of at most 200 characters")
	case len(d.Address) > 6 || slices.ContainsFunc(d.Address, func(l string) bool { return len(l) > 200 }):
		return ladda.Errorf(ladda.Invalid, op, "an address has at most 6 lines of 200 characters")
	case len(d.VATNumber) > 20 || strings.ContainsFunc(d.VATNumber, func(r rune) bool { return !('A' <= r && r <= 'Z' || '0' <= r && r <= '9') }):
		return ladda.Errorf(ladda.Invalid, op, "a VAT number is at most 20 upper-case letters and digits, such as SE556677889901")
	case len(d.Email) > 254:
		return ladda.Errorf(ladda.Invalid, op, "the email address is too long")
	case seller && !seriesPattern.MatchString(d.Series):
		return ladda.Errorf(ladda.Invalid, op, "a seller's invoice series is 1 to 10 upper-case letters or digits, such as LAD")
	case seller && (d.Series == "LAD" || defaultSeries.MatchString(d.Series)):
		return ladda.Errorf(ladda.Invalid, op, "series %s is one Ladda gives sellers without details: choose another", d.Series)
	case !seller && d.Series != "":
		return ladda.Errorf(ladda.Invalid, op, "only sellers have an invoice series")
	}
	return nil
}

// SetBillingDetails checks and keeps what invoices say about an owner. Organisations of kind
// operator and the installation are sellers and need a series.
func (s *Service) SetBillingDetails(ctx context.Context, o Owner, d *BillingDetails, seller bool) error {
	if err := CheckDetails(d, seller); err != nil {
		return err
	}
	return ladda.Wrap("billing.SetBillingDetails", s.store.SetBillingDetails(ctx, o, d, s.clock.Now()))
}

// BillingDetails returns what invoices say about an owner. Errors: NotFound when unset.
func (s *Service) BillingDetails(ctx context.Context, o Owner) (*BillingDetails, error) {
	d, err := s.store.BillingDetails(ctx, o)
	return d, ladda.Wrap("billing.BillingDetails", err)
}

// seller returns the details invoices of organisation org's stations carry: the
// organisation's own; else, so that each seller keeps a number series of its own, its name and
// the series "O" and its number. For stations of no organisation, the installation's details,
// else "Ladda" and series LAD.
func (s *Service) seller(ctx context.Context, org int64) (*BillingDetails, error) {
	d, err := s.store.BillingDetails(ctx, Owner{OrgID: org})
	switch {
	case err == nil:
		return d, nil
	case !ladda.IsKind(err, ladda.NotFound):
		return nil, err
	case org == 0:
		return &BillingDetails{Party: Party{Name: "Ladda"}, Series: "LAD"}, nil
	}
	name := "Organisation " + strconv.FormatInt(org, 10)
	if o, err := s.src.Organisation(ctx, org); err == nil {
		name = o.Name
	}
	return &BillingDetails{Party: Party{Name: name}, Series: "O" + strconv.FormatInt(org, 10)}, nil
}

// buyer returns the party of a user or an organisation: their billing details, else what the
// account knows (a user's name and email, an organisation's name).
func (s *Service) buyer(ctx context.Context, o Owner) (Party, string, error) {
	lang := "en"
	var p Party
	if o.UserID != 0 {
		if u, err := s.src.User(ctx, o.UserID); err == nil {
			p = Party{Name: u.Name, Email: u.Email}
			if p.Name == "" {
				p.Name = u.Email
			}
			if u.Language != "" {
				lang = u.Language
			}
		} else if !ladda.IsKind(err, ladda.NotFound) {
			return Party{}, "", err
		}
	}
	if o.OrgID != 0 {
		if org, err := s.src.Organisation(ctx, o.OrgID); err == nil {
			p.Name = org.Name
		} else if !ladda.IsKind(err, ladda.NotFound) {
			return Party{}, "", err
		}
	}
	d, err := s.store.BillingDetails(ctx, o)
	switch {
	case err == nil:
		email := p.Email
		p = d.Party
		if p.Email == "" {
			p.Email = email
		}
	case !ladda.IsKind(err, ladda.NotFound):
		return Party{}, "", err
	}
	if p.Name == "" {
		p.Name = "Customer"
	}
	return p, lang, nil
}

// lineNames are the descriptions of a CDR's lines on an invoice.
var lineNames = map[ComponentType][2]string{
	Energy:      {"Energy", "kWh"},
	Time:        {"Charging time", "h"},
	ParkingTime: {"Parking", "h"},
	Flat:        {"Session fee", "session"},
	Adjustment:  {"Minimum or maximum price", "session"},
}

// cdrLines turns a CDR into invoice lines, each naming the session.
func cdrLines(c *CDR) []InvoiceLine {
	ref := &SessionRef{CDR: "CDR-" + strconv.FormatInt(c.ID, 10), StationID: string(c.StationID), Address: c.Place.Address,
		Start: c.Start, End: c.End, EnergyWh: c.EnergyWh, TimeZone: c.Place.TimeZone}
	var out []InvoiceLine
	for _, l := range c.Lines {
		if l.Amount.Sign() == 0 && l.Type != Energy {
			continue // free parking or time says nothing on an invoice
		}
		name := lineNames[l.Type]
		out = append(out, InvoiceLine{Description: name[0] + " (" + c.TariffName + ")", Session: ref, Quantity: l.Quantity, Unit: name[1],
			UnitPrice: l.UnitPrice, Net: l.Amount, TaxPercent: c.TaxPercent, Tax: l.Tax, Total: l.Total})
	}
	return out
}

// invoiceOf builds an unnumbered invoice of cdrs, all of one seller organisation and
// currency, for buyer o. The totals are the sums of the CDRs' rounded totals.
func (s *Service) invoiceOf(ctx context.Context, sellerOrg int64, o Owner, cdrs []*CDR) (*Issued, error) {
	seller, err := s.seller(ctx, sellerOrg)
	if err != nil {
		return nil, err
	}
	buyer, lang, err := s.buyer(ctx, o)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	inv := &Issued{Invoice: Invoice{Kind: KindInvoice, Series: seller.Series, IssuedAt: now, DueAt: now.Add(PaymentTerms), Language: lang,
		Seller: seller.Party, Buyer: buyer, Currency: cdrs[0].Currency}, SellerOrgID: sellerOrg, BuyerUserID: o.UserID, BuyerOrgID: o.OrgID}
	notes := map[string]bool{}
	for _, c := range cdrs {
		if c.Currency != inv.Currency {
			return nil, ladda.Errorf(ladda.Invalid, "billing.invoiceOf", "CDR %d is in %s, the invoice in %s", c.ID, c.Currency, inv.Currency)
		}
		inv.Lines = append(inv.Lines, cdrLines(c)...)
		inv.Net, inv.Tax, inv.Total = inv.Net.Add(c.Net), inv.Tax.Add(c.Tax), inv.Total.Add(c.Total)
		inv.CDRs = append(inv.CDRs, c.ID)
		if c.TaxPercent.Sign() == 0 {
			notes[c.TaxNote] = true
		}
	}
	inv.TaxNote = "Tax is computed and rounded per charging session, halves away from zero."
	for n := range notes {
		inv.TaxNote += " " + n + "."
	}
	return inv, nil
}

// InvoiceCDR issues the invoice of one session to the driver whose card it was: the
// per-session invoice of ad-hoc and card payments. paidBy, when not empty, says how it was
// paid (no due date then). Errors: Conflict when the CDR is invoiced already; Invalid when
// its card belongs to no user.
func (s *Service) InvoiceCDR(ctx context.Context, cdrID int64, paidBy string) (*Issued, error) {
	const op = "billing.InvoiceCDR"
	c, err := s.store.CDR(ctx, cdrID)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if c.UserID == 0 {
		return nil, ladda.Errorf(ladda.Invalid, op, "CDR %d is of a card of no user: invoice its fleet monthly", cdrID)
	}
	inv, err := s.invoiceOf(ctx, c.OrgID, Owner{UserID: c.UserID}, []*CDR{c})
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if paidBy != "" {
		inv.PaidBy, inv.DueAt = paidBy, time.Time{}
	}
	return inv, s.issue(ctx, op, inv)
}

// issue numbers and stores inv and announces it.
func (s *Service) issue(ctx context.Context, op string, inv *Issued) error {
	if len(inv.Lines) == 0 {
		return ladda.Errorf(ladda.Invalid, op, "an invoice needs at least one line")
	}
	if err := s.store.IssueInvoice(ctx, inv); err != nil {
		return ladda.Wrap(op, err)
	}
	if s.render != nil {
		var buf bytes.Buffer
		if err := s.render(&buf, &inv.Invoice); err != nil {
			s.log.Error("rendering an invoice for its email; it goes without the PDF", "invoice", inv.ID, "err", err)
		} else {
			inv.document = buf.Bytes()
		}
	}
	s.events.Publish(ctx, ladda.Event{Type: ladda.EventInvoiceIssued, Time: inv.IssuedAt, Data: inv})
	return nil
}

// InvoicePeriod issues, for every buyer with CDRs issued before until that no invoice bills,
// one invoice per seller and currency: monthly invoices of fleets (the cards of an
// organisation) and of drivers whose sessions were not invoiced one by one. It returns the
// invoices issued. Calling it again issues only what is new.
func (s *Service) InvoicePeriod(ctx context.Context, until time.Time) ([]*Issued, error) {
	const op = "billing.InvoicePeriod"
	if _, err := s.Sweep(ctx); err != nil { // the CDRs still missing first
		return nil, err
	}
	type key struct {
		seller   int64
		buyer    Owner
		currency string
	}
	groups := map[key][]*CDR{}
	var order []key
	for before := int64(0); ; {
		page, err := s.store.Uninvoiced(ctx, CDRFilter{Before: before, Limit: 1000}, until)
		if err != nil {
			return nil, ladda.Wrap(op, err)
		}
		for _, c := range page {
			b := Owner{OrgID: c.TokenOrgID}
			if b.OrgID == 0 {
				b.UserID = c.UserID
			}
			if b == (Owner{}) {
				continue // an unknown card: the CDR is the record, there is no one to invoice
			}
			if b.UserID != 0 {
				if sub, err := s.subscriber(ctx, c); err != nil {
					return nil, ladda.Wrap(op, err)
				} else if sub != nil {
					continue // billed with the subscription's month
				}
			}
			k := key{c.OrgID, b, c.Currency}
			if _, ok := groups[k]; !ok {
				order = append(order, k)
			}
			groups[k] = append(groups[k], c)
		}
		if len(page) < 1000 {
			break
		}
		before = page[len(page)-1].ID
	}
	var out []*Issued
	for _, k := range order {
		cdrs := groups[k]
		slices.SortFunc(cdrs, func(a, b *CDR) int { return cmp.Compare(a.ID, b.ID) }) // read newest first, shown oldest first
		inv, err := s.invoiceOf(ctx, k.seller, k.buyer, cdrs)
		if err != nil {
			return out, ladda.Wrap(op, err)
		}
		if err := s.issue(ctx, op, inv); err != nil {
			if ladda.IsKind(err, ladda.Conflict) {
				continue // billed meanwhile
			}
			return out, err
		}
		out = append(out, inv)
	}
	return out, nil
}

// CreditNote cancels an invoice in full with a credit note that names it; the CDRs it billed
// can be invoiced again (corrected), and a subscription's month is billed again. A payment the
// invoice recorded is not refunded by it: refund it apart (RefundPayment). Errors: Conflict
// for a credit note, an invoice credited already, or a subscription's month that is not the
// last one billed.
func (s *Service) CreditNote(ctx context.Context, id int64, reason string) (*Issued, error) {
	const op = "billing.CreditNote"
	orig, err := s.store.Invoice(ctx, id)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if orig.Kind != KindInvoice {
		return nil, ladda.Errorf(ladda.Conflict, op, "%s is a credit note: only invoices are credited", orig.Ref())
	}
	if len(reason) > 500 {
		return nil, ladda.Errorf(ladda.Invalid, op, "the reason is at most 500 characters")
	}
	cn := &Issued{Invoice: orig.Invoice, SellerOrgID: orig.SellerOrgID, BuyerUserID: orig.BuyerUserID, BuyerOrgID: orig.BuyerOrgID, CreditsID: orig.ID}
	if orig.SubscriptionID != 0 {
		// The month is billed again: only the last month billed can be credited, or the
		// months after it would be billed twice (the store refuses it as a Conflict).
		cn.SubscriptionID, cn.PeriodFrom, cn.PeriodTo = orig.SubscriptionID, orig.PeriodTo, orig.PeriodFrom
	}
	cn.ID, cn.Number, cn.Kind, cn.Credits, cn.IssuedAt, cn.DueAt, cn.PaidBy = 0, 0, KindCreditNote, orig.Ref(), s.clock.Now(), time.Time{}, ""
	cn.Reference = reason
	neg := func(a Amount) Amount { return Amount{}.Sub(a) }
	cn.Lines = make([]InvoiceLine, len(orig.Lines))
	for i, l := range orig.Lines {
		l.Net, l.Tax, l.Total = neg(l.Net), neg(l.Tax), neg(l.Total)
		l.Quantity = Quantity{new(big.Rat).Neg(l.Quantity.rat())}
		cn.Lines[i] = l
	}
	cn.Net, cn.Tax, cn.Total = neg(orig.Net), neg(orig.Tax), neg(orig.Total)
	return cn, s.issue(ctx, op, cn)
}

// Invoice returns one invoice or credit note.
func (s *Service) Invoice(ctx context.Context, id int64) (*Issued, error) {
	inv, err := s.store.Invoice(ctx, id)
	return inv, ladda.Wrap("billing.Invoice", err)
}

// Invoices lists invoices and credit notes, newest first.
func (s *Service) Invoices(ctx context.Context, f InvoiceFilter) ([]*Issued, error) {
	list, err := s.store.Invoices(ctx, f)
	return list, ladda.Wrap("billing.Invoices", err)
}

// ErrNoRenderer is returned, as Unavailable, when the service renders no documents.
var ErrNoRenderer = errors.New("billing: no invoice renderer")

// Render writes invoice inv as a document with the service's Renderer.
func (s *Service) Render(w io.Writer, inv *Issued) error {
	if s.render == nil {
		return &ladda.Error{Kind: ladda.Unavailable, Op: "billing.Render", Message: "invoice documents are not available", Err: ErrNoRenderer}
	}
	return s.render(w, &inv.Invoice)
}

// NoticeUser is the user an issued invoice concerns (notification.Addressed).
func (inv *Issued) NoticeUser() int64 { return inv.BuyerUserID }

// NoticeOrg is the organisation an issued invoice concerns (notification.Addressed).
func (inv *Issued) NoticeOrg() int64 { return inv.BuyerOrgID }

// NoticeData is what the email and webhook about an issued invoice say; the email carries
// the PDF when the service renders documents (see Service.issue).
func (inv *Issued) NoticeData() map[string]any {
	exp := Exponent(inv.Currency)
	data := map[string]any{"ID": inv.ID, "Ref": inv.Ref(), "Kind": string(inv.Kind), "Total": inv.Total.Format(exp), "Currency": inv.Currency,
		"Seller": inv.Seller.Name, "PaidBy": inv.PaidBy, "DueAt": inv.DueAt, "Sessions": len(inv.CDRs),
		"Summary": fmt.Sprintf("%s %s %s", inv.Ref(), inv.Total.Format(exp), inv.Currency)}
	if inv.document != nil {
		data["Attachments"] = []map[string]any{{"name": inv.Ref() + ".pdf", "contentType": "application/pdf", "data": inv.document}}
	}
	return data
}
