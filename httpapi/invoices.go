package httpapi

import (
	"bytes"
	"context"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/billing"
)

// Invoices, credit notes and the billing details they print.

// InvoiceParty is the seller or buyer of an invoice.
type InvoiceParty struct {
	Name      string   `json:"name"`
	Address   []string `json:"address" nullable:"false"`
	VATNumber string   `json:"vatNumber,omitempty"`
	Email     string   `json:"email,omitempty"`
}

// InvoiceLine is one line of an invoice.
type InvoiceLine struct {
	Description string     `json:"description"`
	CDRID       int64      `json:"cdrId,omitempty" doc:"The charging session it bills."`
	StationID   string     `json:"stationId,omitempty"`
	Start       *time.Time `json:"start,omitempty"`
	End         *time.Time `json:"end,omitempty"`
	EnergyWh    int64      `json:"energyWh,omitempty"`
	Quantity    string     `json:"quantity"`
	Unit        string     `json:"unit"`
	UnitPrice   string     `json:"unitPrice" doc:"Excluding tax."`
	Net         string     `json:"net"`
	TaxPercent  string     `json:"taxPercent"`
	Tax         string     `json:"tax"`
	Total       string     `json:"total"`
}

// Invoice is an issued invoice or credit note; it never changes.
type Invoice struct {
	ID          int64         `json:"id"`
	Kind        string        `json:"kind" enum:"invoice,credit_note"`
	Number      string        `json:"number" doc:"Series and number, such as LAD-000042; gapless per series."`
	Credits     string        `json:"credits,omitempty" doc:"For a credit note: the number of the invoice it cancels."`
	IssuedAt    time.Time     `json:"issuedAt"`
	DueAt       *time.Time    `json:"dueAt,omitempty" doc:"Absent: paid already."`
	Language    string        `json:"language"`
	Seller      InvoiceParty  `json:"seller"`
	Buyer       InvoiceParty  `json:"buyer"`
	Currency    string        `json:"currency"`
	Lines       []InvoiceLine `json:"lines" nullable:"false"`
	Net         string        `json:"net"`
	Tax         string        `json:"tax"`
	Total       string        `json:"total"`
	TaxNote     string        `json:"taxNote,omitempty"`
	PaidBy      string        `json:"paidBy,omitempty"`
	Reference   string        `json:"reference,omitempty"`
	BuyerUserID int64         `json:"buyerUserId,omitempty"`
	BuyerOrgID  int64         `json:"buyerOrganisationId,omitempty"`
	CDRs        []int64       `json:"cdrs" nullable:"false" doc:"The charge detail records it bills."`
}

func viewParty(p billing.Party) InvoiceParty {
	v := InvoiceParty{Name: p.Name, Address: p.Address, VATNumber: p.VATNumber, Email: p.Email}
	if v.Address == nil {
		v.Address = []string{}
	}
	return v
}

func viewInvoice(inv *billing.Issued) Invoice {
	exp := billing.Exponent(inv.Currency)
	v := Invoice{ID: inv.ID, Kind: string(inv.Kind), Number: inv.Ref(), Credits: inv.Credits, IssuedAt: inv.IssuedAt.UTC(), DueAt: utc(inv.DueAt),
		Language: inv.Language, Seller: viewParty(inv.Seller), Buyer: viewParty(inv.Buyer), Currency: inv.Currency, Lines: []InvoiceLine{},
		Net: inv.Net.Format(exp), Tax: inv.Tax.Format(exp), Total: inv.Total.Format(exp), TaxNote: inv.TaxNote, PaidBy: inv.PaidBy,
		Reference: inv.Reference, BuyerUserID: inv.BuyerUserID, BuyerOrgID: inv.BuyerOrgID, CDRs: inv.CDRs}
	if v.CDRs == nil {
		v.CDRs = []int64{}
	}
	for _, l := range inv.Lines {
		line := InvoiceLine{Description: l.Description, Quantity: l.Quantity.String(), Unit: l.Unit, UnitPrice: l.UnitPrice.String(),
			Net: l.Net.String(), TaxPercent: l.TaxPercent.String(), Tax: l.Tax.String(), Total: l.Total.String()}
		if r := l.Session; r != nil {
			line.CDRID, _ = strconv.ParseInt(r.CDR[len("CDR-"):], 10, 64)
			line.StationID, line.Start, line.End, line.EnergyWh = r.StationID, utc(r.Start), utc(r.End), r.EnergyWh
		}
		v.Lines = append(v.Lines, line)
	}
	return v
}

// invoiceScope is the filter of the invoices p may see: an operator's sales, a fleet's
// purchases, a driver's own.
func invoiceScope(p *account.Principal, limit int) billing.InvoiceFilter {
	t := transactionScope(p, limit)
	return billing.InvoiceFilter{SellerOrgID: t.StationOrgID, BuyerUserID: t.TokenUserID, BuyerOrgID: t.TokenOrgID, Limit: limit}
}

type listInvoicesInput struct {
	Before int64 `query:"before" minimum:"0" doc:"Cursor: the next field of the previous page."`
	Limit  int   `query:"limit" minimum:"1" maximum:"1000" doc:"Page size, default 100."`
}

func (s *server) listInvoices(ctx context.Context, in *listInvoicesInput) (*listOutput[Invoice], error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	limit := limitOf(in.Limit)
	f := invoiceScope(caller(ctx), limit+1)
	f.Before = in.Before
	found, err := s.billing.Invoices(ctx, f)
	if err != nil {
		return nil, err
	}
	found, next := page(found, limit, func(inv *billing.Issued) string { return strconv.FormatInt(inv.ID, 10) })
	out := &listOutput[Invoice]{Body: List[Invoice]{Items: make([]Invoice, 0, len(found)), Next: next}}
	for _, inv := range found {
		out.Body.Items = append(out.Body.Items, viewInvoice(inv))
	}
	return out, nil
}

// invoice returns an invoice the caller may see; NotFound otherwise.
func (s *server) invoice(ctx context.Context, id int64) (*billing.Issued, error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	inv, err := s.billing.Invoice(ctx, id)
	if err != nil {
		return nil, err
	}
	f := invoiceScope(caller(ctx), 1)
	if (f.SellerOrgID != 0 && f.SellerOrgID != inv.SellerOrgID) || (f.BuyerUserID != 0 && f.BuyerUserID != inv.BuyerUserID) ||
		(f.BuyerOrgID != 0 && f.BuyerOrgID != inv.BuyerOrgID) {
		return nil, ladda.Errorf(ladda.NotFound, "httpapi.invoice", "invoice %d not found", id)
	}
	return inv, nil
}

type invoiceOutput struct {
	Body Invoice
}

func (s *server) getInvoice(ctx context.Context, in *idInput) (*invoiceOutput, error) {
	inv, err := s.invoice(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &invoiceOutput{Body: viewInvoice(inv)}, nil
}

// getInvoicePDF handles GET /api/v1/invoices/{id}/pdf: the invoice as a PDF document.
func (s *server) getInvoicePDF(ctx context.Context, in *idInput) (*csvOutput, error) {
	inv, err := s.invoice(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := s.billing.Render(&buf, inv); err != nil {
		return nil, err
	}
	return &csvOutput{ContentType: "application/pdf", ContentDisposition: `attachment; filename="` + inv.Ref() + `.pdf"`, Body: buf.Bytes()}, nil
}

type creditNoteInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body *struct {
		Reason string `json:"reason,omitempty" maxLength:"500" doc:"Printed on the credit note."`
	} `nameHint:"CreditNoteRequest"`
}

type createdInvoiceOutput struct {
	Location string `header:"Location"`
	Body     Invoice
}

// creditNote handles POST /api/v1/invoices/{id}/credit-note: the seller cancels an invoice in
// full; its sessions can then be invoiced again.
func (s *server) creditNote(ctx context.Context, in *creditNoteInput) (*createdInvoiceOutput, error) {
	inv, err := s.invoice(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	if p := caller(ctx); !p.Everywhere() && (p.OrgKind != account.OperatorOrg || p.OrgID != inv.SellerOrgID) {
		return nil, ladda.Errorf(ladda.Forbidden, "httpapi.creditNote", "only the seller credits an invoice")
	}
	reason := ""
	if in.Body != nil {
		reason = in.Body.Reason
	}
	cn, err := s.billing.CreditNote(ctx, inv.ID, reason)
	if err != nil {
		return nil, err
	}
	return &createdInvoiceOutput{Location: Prefix + "/invoices/" + strconv.FormatInt(cn.ID, 10), Body: viewInvoice(cn)}, nil
}

type invoiceRunInput struct {
	Body *struct {
		Until *time.Time `json:"until,omitempty" doc:"Invoice the sessions whose records were issued before this instant; absent: the start of this month (UTC)."`
	} `nameHint:"InvoiceRun"`
}

// runInvoices handles POST /api/v1/invoices/run: the monthly invoices now, as the hourly run
// would issue them at the month's end.
func (s *server) runInvoices(ctx context.Context, in *invoiceRunInput) (*listOutput[Invoice], error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	var (
		list []*billing.Issued
		err  error
	)
	if in.Body != nil && in.Body.Until != nil {
		list, err = s.billing.InvoicePeriod(ctx, *in.Body.Until)
	} else {
		list, err = s.billing.MonthEnd(ctx)
	}
	if err != nil {
		return nil, err
	}
	out := &listOutput[Invoice]{Body: List[Invoice]{Items: make([]Invoice, 0, len(list))}}
	for _, inv := range list {
		out.Body.Items = append(out.Body.Items, viewInvoice(inv))
	}
	return out, nil
}

// BillingDetails are the name, address and VAT number invoices print.
type BillingDetails struct {
	Name      string   `json:"name" minLength:"1" maxLength:"200"`
	Address   []string `json:"address,omitempty" maxItems:"6" doc:"Lines of the postal address, country last."`
	VATNumber string   `json:"vatNumber,omitempty" pattern:"^[A-Z0-9]{0,20}$"`
	Email     string   `json:"email,omitempty" maxLength:"254"`
	Series    string   `json:"series,omitempty" pattern:"^[A-Z0-9]{1,10}$" doc:"Sellers only (operator organisations and the installation): the prefix of their invoice numbers."`
}

type detailsOutput struct {
	Body BillingDetails
}

func viewDetails(d *billing.BillingDetails) BillingDetails {
	return BillingDetails{Name: d.Name, Address: d.Address, VATNumber: d.VATNumber, Email: d.Email, Series: d.Series}
}

func toDetails(b BillingDetails) *billing.BillingDetails {
	return &billing.BillingDetails{Party: billing.Party{Name: b.Name, Address: b.Address, VATNumber: b.VATNumber, Email: b.Email}, Series: b.Series}
}

// detailsOwner is whose billing details a route means: the caller's own (me), an
// organisation the caller may see, or the installation's (org 0 with system).
func (s *server) detailsOwner(ctx context.Context, me bool, org int64) (billing.Owner, bool, error) {
	p := caller(ctx)
	if me {
		return billing.Owner{UserID: p.UserID()}, false, nil
	}
	if org == 0 {
		return billing.Owner{}, true, nil
	}
	o, err := s.accounts.Organisation(ctx, p, org)
	if err != nil {
		return billing.Owner{}, false, err
	}
	return billing.Owner{OrgID: org}, o.Kind == account.OperatorOrg, nil
}

type orgDetailsInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type putOrgDetailsInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body BillingDetails
}

func (s *server) getDetails(me bool) func(context.Context, *orgDetailsInput) (*detailsOutput, error) {
	return func(ctx context.Context, in *orgDetailsInput) (*detailsOutput, error) {
		if err := s.needBilling(); err != nil {
			return nil, err
		}
		o, _, err := s.detailsOwner(ctx, me, in.ID)
		if err != nil {
			return nil, err
		}
		d, err := s.billing.BillingDetails(ctx, o)
		if err != nil {
			return nil, err
		}
		return &detailsOutput{Body: viewDetails(d)}, nil
	}
}

func (s *server) putDetails(me bool) func(context.Context, *putOrgDetailsInput) (*detailsOutput, error) {
	return func(ctx context.Context, in *putOrgDetailsInput) (*detailsOutput, error) {
		if err := s.needBilling(); err != nil {
			return nil, err
		}
		o, seller, err := s.detailsOwner(ctx, me, in.ID)
		if err != nil {
			return nil, err
		}
		d := toDetails(in.Body)
		if err := s.billing.SetBillingDetails(ctx, o, d, seller); err != nil {
			return nil, err
		}
		return &detailsOutput{Body: viewDetails(d)}, nil
	}
}

// The routes without a path id take the same handlers with an input that has none.

type meDetailsInput struct{}

type putMeDetailsInput struct {
	Body BillingDetails
}

func (s *server) getOwnDetails(me bool) func(context.Context, *meDetailsInput) (*detailsOutput, error) {
	get := s.getDetails(me)
	return func(ctx context.Context, _ *meDetailsInput) (*detailsOutput, error) {
		return get(ctx, &orgDetailsInput{})
	}
}

func (s *server) putOwnDetails(me bool) func(context.Context, *putMeDetailsInput) (*detailsOutput, error) {
	put := s.putDetails(me)
	return func(ctx context.Context, in *putMeDetailsInput) (*detailsOutput, error) {
		return put(ctx, &putOrgDetailsInput{Body: in.Body})
	}
}
