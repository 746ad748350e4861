// Package invoicepdf renders an issued invoice or credit note as an A4 PDF document. It is an
// adapter and the only package that imports the PDF library (go-pdf/fpdf); it knows nothing of
// storage, mail or HTTP, and takes a *billing.Invoice as it is.
//
// The document is in the invoice's language, English or Swedish, with that language's number
// and date formats: "1,234.50 EUR" and 2 Jan 2006, or "1 234,50 SEK" and 2006-01-02. It embeds
// the Go fonts (BSD licence), subset to the characters used, so that the text of the invoice
// prints as given, € and å ä ö included; a character the fonts lack, such as an emoji, prints
// as �.
//
// Render is deterministic: the document's dates come from the invoice, never from the clock,
// so the same invoice gives the same bytes, and an archived PDF can be checked by rendering
// the invoice again.
package invoicepdf

import (
	"fmt"
	"io"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/billing"
)

const op = "invoicepdf.Render"

// Render writes inv to w as a PDF document: a title by its kind, the number, issue and due
// dates, the seller and the buyer, a table of the lines (with each session's station, time,
// energy and duration), the totals, the tax note and the reference. Long tables continue on
// further pages under a repeated table header; every page has a "Page N of M" footer.
//
// Rules: the invoice must have at least one line, an issue date and a known kind; otherwise
// Render writes nothing and returns an Invalid error. An error writing to w is Internal.
// Times of a session are shown in its TimeZone, or in UTC when that zone is unknown.
func Render(w io.Writer, inv *billing.Invoice) error {
	switch {
	case inv == nil:
		return ladda.Errorf(ladda.Invalid, op, "no invoice")
	case len(inv.Lines) == 0:
		return ladda.Errorf(ladda.Invalid, op, "invoice %s has no lines", inv.Ref())
	case inv.IssuedAt.IsZero():
		return ladda.Errorf(ladda.Invalid, op, "invoice %s has no issue date", inv.Ref())
	case inv.Kind != billing.KindInvoice && inv.Kind != billing.KindCreditNote:
		return ladda.Errorf(ladda.Invalid, op, "invoice %s has unknown kind %q", inv.Ref(), inv.Kind)
	}
	d := newDocument(inv)
	d.heading()
	d.lines()
	d.totals()
	if err := d.pdf.Output(w); err != nil {
		return ladda.Wrap(op, err)
	}
	return nil
}

// Page geometry, in millimetres.
const (
	pageWidth    = 210.0
	pageHeight   = 297.0
	margin       = 15.0
	contentWidth = pageWidth - 2*margin
	bodyBottom   = pageHeight - 20 // the footer is below
	rowPadding   = 1.6             // above and below the text of a table row
	ptToMM       = 25.4 / 72
)

// columns of the lines table, their widths adding up to contentWidth.
var columns = [...]struct {
	width float64
	align string
}{
	{58, "L"}, // description, and a session's details under it
	{20, "R"}, // quantity and unit
	{22, "R"}, // unit price
	{22, "R"}, // net
	{14, "R"}, // tax percent
	{20, "R"}, // tax
	{24, "R"}, // total
}

type rgb struct{ r, g, b int }

var (
	ink   = rgb{33, 37, 41}
	muted = rgb{108, 117, 125}
	rule  = rgb{206, 212, 218}
	shade = rgb{241, 243, 245}
)

// style is a font, a size in points and a colour.
type style struct {
	bold  bool
	size  float64
	color rgb
}

// lineHeight is the height of one line of text in s, in millimetres.
func (s style) lineHeight() float64 { return s.size * ptToMM * 1.35 }

var (
	title    = style{true, 20, ink}
	strong   = style{true, 11, ink}
	body     = style{false, 9, ink}
	label    = style{false, 9, muted}
	caption  = style{true, 8, muted}
	cell     = style{false, 8.5, ink}
	detail   = style{false, 7, muted}
	header   = style{true, 8, ink}
	sum      = style{false, 9.5, ink}
	grandSum = style{true, 11, ink}
	note     = style{false, 8, muted}
)

// document is one invoice being laid out. Page breaks are the document's own: y is where the
// next line goes, and every addition checks that it fits above bodyBottom.
type document struct {
	pdf   *fpdf.Fpdf
	inv   *billing.Invoice
	l     *labels
	y     float64
	zones map[string]*time.Location
}

func newDocument(inv *billing.Invoice) *document {
	d := &document{pdf: fpdf.New("P", "mm", "A4", ""), inv: inv, l: labelsFor(inv.Language), zones: map[string]*time.Location{}}
	p := d.pdf
	p.SetMargins(margin, margin, margin)
	p.SetAutoPageBreak(false, 0)
	p.SetCellMargin(1)
	p.AliasNbPages("{nb}") // before the fonts: it changes how they are subset
	for _, f := range fonts {
		p.AddUTF8FontFromBytes(family, f.style, f.ttf)
	}

	// Metadata, and no trace of the clock: the same invoice gives the same bytes.
	p.SetTitle(inv.Ref(), true)
	p.SetSubject(d.title()+" "+inv.Ref(), true)
	p.SetAuthor(inv.Seller.Name, true)
	p.SetCreator("Ladda", true)
	p.SetLang(lang(inv.Language))
	p.SetCreationDate(inv.IssuedAt)
	p.SetModificationDate(inv.IssuedAt)
	p.SetCatalogSort(true)

	p.SetFooterFunc(d.footer)
	d.newPage()
	return d
}

// lang returns the document's language as a BCP 47 tag.
func lang(language string) string {
	if _, ok := languages[language]; ok {
		return language
	}
	return "en"
}

func (d *document) title() string {
	if d.inv.Kind == billing.KindCreditNote {
		return d.l.creditNote
	}
	return d.l.invoice
}

func (d *document) newPage() {
	d.pdf.AddPage()
	d.y = margin
}

// fits reports whether h more millimetres fit on the page.
func (d *document) fits(h float64) bool { return d.y+h <= bodyBottom }

func (d *document) use(s style) {
	weight := ""
	if s.bold {
		weight = "B"
	}
	d.pdf.SetFont(family, weight, s.size)
	d.pdf.SetTextColor(s.color.r, s.color.g, s.color.b)
}

// text prints one line of text in a cell of width w at x, y, aligned "L", "R" or "C", made
// printable first. Text too wide for the cell is printed smaller until it fits.
func (d *document) text(x, y, w float64, s style, align, txt string) {
	txt = printable(txt, false)
	if txt == "" {
		return
	}
	d.use(s)
	room := w - 2
	if tw := d.pdf.GetStringWidth(txt); tw > room {
		d.pdf.SetFontSize(max(s.size*room/tw, 4))
	}
	d.pdf.SetXY(x, y)
	d.pdf.CellFormat(w, s.lineHeight(), txt, "", 0, align, false, 0, "")
}

// wrap splits txt, made printable, into the lines it takes in style s in a column of width w:
// at its line breaks, and between words where a line would be too wide. Empty text is no
// lines.
func (d *document) wrap(s style, w float64, txt string) []string {
	txt = printable(txt, true)
	if txt == "" {
		return nil
	}
	d.use(s)
	return d.pdf.SplitText(txt, w)
}

// block prints txt wrapped to width w at x from d.y on, and moves d.y below it.
func (d *document) block(x, w float64, s style, txt string) {
	for _, line := range d.wrap(s, w, txt) {
		d.text(x, d.y, w, s, "L", line)
		d.y += s.lineHeight()
	}
}

func (d *document) rule(x1, y, x2 float64, c rgb, width float64) {
	d.pdf.SetDrawColor(c.r, c.g, c.b)
	d.pdf.SetLineWidth(width)
	d.pdf.Line(x1, y, x2, y)
}

func (d *document) footer() {
	y := pageHeight - 14
	d.rule(margin, y, pageWidth-margin, rule, 0.2)
	// Left-aligned: the page count is filled in after layout, so the width of the text is
	// not known while it is placed.
	d.text(margin, y+1.5, contentWidth/2, note, "L", fmt.Sprintf(d.l.page, d.pdf.PageNo(), "{nb}"))
	d.text(margin+contentWidth/2, y+1.5, contentWidth/2, note, "R", d.inv.Seller.Name+" · "+d.inv.Ref())
}

// heading prints the seller, the title with the invoice's number and dates, and the buyer.
func (d *document) heading() {
	inv, l := d.inv, d.l
	const metaX, metaW, labelW = 115.0, pageWidth - margin - 115, 38.0

	d.party(margin, 95, "", inv.Seller)
	left := d.y

	y := margin
	d.text(metaX, y, metaW, title, "R", d.title())
	y += title.lineHeight()
	if inv.Kind == billing.KindCreditNote {
		d.text(metaX, y, metaW, body, "R", fmt.Sprintf(l.credits, inv.Credits))
		y += body.lineHeight()
	}
	y += 2
	number := l.invoiceNumber
	if inv.Kind == billing.KindCreditNote {
		number = l.creditNoteNumber
	}
	rows := [][2]string{{number, inv.Ref()}, {l.issued, inv.IssuedAt.Format(l.date)}}
	switch {
	case !inv.DueAt.IsZero():
		rows = append(rows, [2]string{l.due, inv.DueAt.Format(l.date)})
	case inv.Kind == billing.KindCreditNote:
		rows = append(rows, [2]string{l.refunded, inv.PaidBy})
	default:
		rows = append(rows, [2]string{l.paid, inv.PaidBy})
	}
	for _, r := range rows {
		d.text(metaX, y, labelW, label, "L", r[0])
		d.text(metaX+labelW, y, metaW-labelW, body, "R", r[1])
		y += body.lineHeight()
	}

	d.y = max(left, y) + 8
	d.party(margin, 95, l.customer, inv.Buyer)
	d.y += 8
}

// party prints p at x from d.y on, in a column of width w, under heading if it is not empty.
func (d *document) party(x, w float64, heading string, p billing.Party) {
	if heading != "" {
		d.block(x, w, caption, heading)
		d.y += 0.5
	}
	d.block(x, w, strong, p.Name)
	for _, a := range p.Address {
		d.block(x, w, body, a)
	}
	if p.VATNumber != "" {
		d.block(x, w, body, d.l.vatNumber+" "+p.VATNumber)
	}
	d.block(x, w, body, p.Email)
}

// lines prints the table of lines, starting a new page with the table header repeated when a
// line does not fit.
func (d *document) lines() {
	d.tableHeader()
	for i := range d.inv.Lines {
		d.line(&d.inv.Lines[i])
	}
}

func (d *document) tableHeader() {
	h := header.lineHeight() + 2*rowPadding
	d.pdf.SetFillColor(shade.r, shade.g, shade.b)
	d.pdf.Rect(margin, d.y, contentWidth, h, "F")
	x := margin
	for i, c := range columns {
		d.text(x, d.y+rowPadding, c.width, header, c.align, d.l.columns[i])
		x += c.width
	}
	d.y += h
	d.rule(margin, d.y, pageWidth-margin, muted, 0.3)
}

// row is one printed line of a table row: its text in each column, or a detail line under
// the description.
type row struct {
	style style
	cells [len(columns)]string
}

// line prints one invoice line: a row of figures beside the first line of the description,
// and under the description the rest of it and, for a session, its details. A line that
// does not fit on the page moves to the next; one too long for any page is split.
func (d *document) line(ln *billing.InvoiceLine) {
	l, cur := d.l, d.inv.Currency
	figures := [len(columns)]string{
		"",
		l.quantity(ln.Quantity, ln.Unit),
		l.unitPrice(ln.UnitPrice, cur),
		l.money(ln.Net, cur),
		l.taxPercent(ln.TaxPercent),
		l.money(ln.Tax, cur),
		l.money(ln.Total, cur),
	}
	var rows []row
	for _, t := range d.wrap(cell, columns[0].width, ln.Description) {
		rows = append(rows, row{style: cell, cells: [len(columns)]string{t}})
	}
	if len(rows) == 0 {
		rows = append(rows, row{style: cell})
	}
	if s := ln.Session; s != nil {
		for _, t := range d.sessionDetails(s) {
			for _, w := range d.wrap(detail, columns[0].width, t) {
				rows = append(rows, row{style: detail, cells: [len(columns)]string{w}})
			}
		}
	}
	copy(rows[0].cells[1:], figures[1:])

	h := 2 * rowPadding
	for _, r := range rows {
		h += r.style.lineHeight()
	}
	if !d.fits(h) && h <= bodyBottom-margin-10 {
		d.newPage()
		d.tableHeader()
	}
	d.y += rowPadding
	for _, r := range rows {
		if !d.fits(r.style.lineHeight() + rowPadding) {
			d.newPage()
			d.tableHeader()
			d.y += rowPadding
		}
		x := margin
		for i, c := range columns {
			d.text(x, d.y, c.width, r.style, c.align, r.cells[i])
			x += c.width
		}
		d.y += r.style.lineHeight()
	}
	d.y += rowPadding
	d.rule(margin, d.y, pageWidth-margin, rule, 0.2)
}

// sessionDetails returns the lines printed under a session's description: where, when, and
// how much energy over how long.
func (d *document) sessionDetails(s *billing.SessionRef) []string {
	var out []string
	where := s.StationID
	if s.Address != "" {
		if where != "" {
			where += " · "
		}
		where += s.Address
	}
	if where != "" {
		out = append(out, where)
	}
	energy := d.l.energy + " " + d.l.kWh(s.EnergyWh)
	if !s.Start.IsZero() && !s.End.IsZero() {
		out = append(out, d.l.span(s.Start, s.End, d.zone(s.TimeZone)))
		energy += " · " + d.l.duration + " " + hoursMinutes(s.End.Sub(s.Start))
	}
	return append(out, energy)
}

// zone returns the time zone named name, or UTC when it cannot be loaded.
func (d *document) zone(name string) *time.Location {
	if loc, ok := d.zones[name]; ok {
		return loc
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" {
		loc = time.UTC
	}
	d.zones[name] = loc
	return loc
}

// totals prints Net, Tax and Total at the right, then the tax note and the reference under
// them.
func (d *document) totals() {
	inv, l := d.inv, d.l
	const labelW, valueW = 45.0, 40.0
	x := pageWidth - margin - labelW - valueW
	if !d.fits(4 + 2*sum.lineHeight() + grandSum.lineHeight() + 3) {
		d.newPage()
	}
	d.y += 4
	for _, r := range []struct {
		style style
		label string
		value billing.Amount
	}{{sum, l.net, inv.Net}, {sum, l.tax, inv.Tax}, {grandSum, l.total, inv.Total}} {
		if r.style == grandSum {
			d.y += 1
			d.rule(x, d.y, pageWidth-margin, ink, 0.4)
			d.y += 1
		}
		d.text(x, d.y, labelW, r.style, "L", r.label)
		d.text(x+labelW, d.y, valueW, r.style, "R", l.money(r.value, inv.Currency))
		d.y += r.style.lineHeight()
	}
	d.y += 6
	d.notes(inv.TaxNote)
	if inv.Reference != "" {
		d.notes(l.reference + ": " + inv.Reference)
	}
}

// notes prints txt across the page in the note style, breaking pages between lines.
func (d *document) notes(txt string) {
	for _, line := range d.wrap(note, contentWidth, txt) {
		if !d.fits(note.lineHeight()) {
			d.newPage()
		}
		d.text(margin, d.y, contentWidth, note, "L", line)
		d.y += note.lineHeight()
	}
	d.y += 1
}
