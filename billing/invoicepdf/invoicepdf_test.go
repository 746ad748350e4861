package invoicepdf_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/billing"
	"github.com/ladda-csms/ladda/billing/invoicepdf"
	"github.com/ledongthuc/pdf"
)

func mustAmount(tb testing.TB, s string) billing.Amount {
	tb.Helper()
	a, err := billing.ParseAmount(s)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

func mustQuantity(tb testing.TB, s string) billing.Quantity {
	tb.Helper()
	q, err := billing.ParseQuantity(s)
	if err != nil {
		tb.Fatal(err)
	}
	return q
}

// mustLine returns an invoice line from decimal strings.
func mustLine(tb testing.TB, desc, qty, unit, price, net, pct, tax, total string) billing.InvoiceLine {
	tb.Helper()
	return billing.InvoiceLine{
		Description: desc,
		Quantity:    mustQuantity(tb, qty),
		Unit:        unit,
		UnitPrice:   mustAmount(tb, price),
		Net:         mustAmount(tb, net),
		TaxPercent:  mustQuantity(tb, pct),
		Tax:         mustAmount(tb, tax),
		Total:       mustAmount(tb, total),
	}
}

func mustRender(tb testing.TB, inv *billing.Invoice) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := invoicepdf.Render(&b, inv); err != nil {
		tb.Fatalf("Render: %v", err)
	}
	return b.Bytes()
}

var issued = time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC)

// swedishInvoice is an unpaid invoice in Swedish: a charging session and a monthly fee.
func swedishInvoice(tb testing.TB) *billing.Invoice {
	session := mustLine(tb, "Laddning Storgatan, uttag 2", "12.345", "kWh", "4.5", "55.5525", "25", "13.888125", "69.440625")
	session.Session = &billing.SessionRef{
		CDR:       "CDR-1",
		StationID: "SE*LAD*E0001",
		Address:   "Storgatan 1, 114 55 Stockholm",
		Start:     time.Date(2026, 3, 2, 13, 5, 0, 0, time.UTC),
		End:       time.Date(2026, 3, 2, 14, 20, 0, 0, time.UTC),
		EnergyWh:  12345,
		TimeZone:  "Europe/Stockholm",
	}
	return &billing.Invoice{
		Kind:     billing.KindInvoice,
		Series:   "LAD",
		Number:   42,
		IssuedAt: issued,
		DueAt:    issued.AddDate(0, 0, 30),
		Language: "sv",
		Seller: billing.Party{
			Name:      "Ladda Laddnät AB",
			Address:   []string{"Storgatan 1", "114 55 Stockholm", "Sverige"},
			VATNumber: "SE556677889901",
			Email:     "faktura@ladda.example",
		},
		Buyer: billing.Party{
			Name:      "Åsa Öberg Fastigheter AB",
			Address:   []string{"Älvvägen 7", "831 30 Östersund"},
			VATNumber: "SE559988776601",
			Email:     "asa@oberg.example",
		},
		Currency: "SEK",
		Lines: []billing.InvoiceLine{
			session,
			mustLine(tb, "Månadsavgift Ladda Plus, mars", "1", "månad", "987.6", "987.6", "25", "246.9", "1234.5"),
		},
		Net:       mustAmount(tb, "1043.15"),
		Tax:       mustAmount(tb, "260.79"),
		Total:     mustAmount(tb, "1303.94"),
		TaxNote:   "Moms 25 % på 1 043,15 SEK: 260,79 SEK, avrundad på fakturans summa.",
		Reference: "Order 4711, Åsa",
	}
}

// englishInvoice is an invoice in English, paid by card: a session at night, a fleet plan and
// a session at a station whose time zone is unknown.
func englishInvoice(tb testing.TB) *billing.Invoice {
	night := mustLine(tb, "Charging at Hauptstraße — €0.3875/kWh", "42.5", "kWh", "0.3875", "16.46875", "19", "3.1290625", "19.5978125")
	night.Session = &billing.SessionRef{
		StationID: "DE*LAD*E0007",
		Address:   "Hauptstraße 5, Berlin",
		Start:     time.Date(2026, 3, 3, 22, 30, 0, 0, time.UTC),
		End:       time.Date(2026, 3, 4, 1, 10, 0, 0, time.UTC),
		EnergyWh:  42500,
		TimeZone:  "Europe/Berlin",
	}
	depot := mustLine(tb, "Charging at the depot", "7.2", "kWh", "0.3", "2.16", "19", "0.4104", "2.5704")
	depot.Session = &billing.SessionRef{
		StationID: "DE*LAD*E0009",
		Start:     time.Date(2026, 3, 4, 8, 0, 0, 0, time.UTC),
		End:       time.Date(2026, 3, 4, 9, 30, 0, 0, time.UTC),
		EnergyWh:  7200,
		TimeZone:  "Mars/Olympus_Mons",
	}
	return &billing.Invoice{
		Kind:     billing.KindInvoice,
		Series:   "LAD",
		Number:   42,
		IssuedAt: issued,
		Language: "en",
		Seller: billing.Party{
			Name:      "Ladda Charging GmbH",
			Address:   []string{"Hauptstraße 5", "10115 Berlin", "Germany"},
			VATNumber: "DE123456789",
			Email:     "billing@ladda.example",
		},
		Buyer: billing.Party{
			Name:      "Ørsted & Sons Ltd",
			Address:   []string{"1 King’s Road", "London SW3 4NR", "United Kingdom"},
			VATNumber: "GB123456789",
			Email:     "accounts@orsted.example",
		},
		Currency: "EUR",
		Lines: []billing.InvoiceLine{
			night,
			mustLine(tb, "Fleet plan • 12 months", "12", "month", "102.875", "1234.5", "19", "234.555", "1469.055"),
			depot,
		},
		Net:       mustAmount(tb, "1253.13"),
		Tax:       mustAmount(tb, "238.09"),
		Total:     mustAmount(tb, "1491.22"),
		TaxNote:   "VAT 19% on 1,253.13 EUR — rounded once, on the invoice total.",
		PaidBy:    "Visa •••• 4242",
		Reference: "PO-2026-17",
	}
}

// creditNote credits the fleet plan of an invoice in language and currency.
func creditNote(tb testing.TB, language, currency string) *billing.Invoice {
	inv := englishInvoice(tb)
	inv.Kind, inv.Number, inv.Credits = billing.KindCreditNote, 43, "LAD-000042"
	inv.Language, inv.Currency = language, currency
	inv.Lines = []billing.InvoiceLine{
		mustLine(tb, "Fleet plan • 12 months", "-12", "month", "102.875", "-1234.5", "19", "-234.555", "-1469.055"),
	}
	inv.Net, inv.Tax, inv.Total = mustAmount(tb, "-1234.5"), mustAmount(tb, "-234.56"), mustAmount(tb, "-1469.06")
	inv.TaxNote, inv.Reference = "", ""
	return inv
}

// cells returns the text objects of a page's text, one per cell printed.
func cells(page string) []string { return strings.Split(page, "\n") }

// checkCells fails the test for each of want that is not a cell of text, exactly.
func checkCells(t *testing.T, text string, want ...string) {
	t.Helper()
	have := cells(text)
	for _, w := range want {
		if !slices.Contains(have, w) {
			t.Errorf("no cell %q in the document; cells:\n%s", w, text)
		}
	}
}

// checkNoCells fails the test for each of unwanted that is a cell of text.
func checkNoCells(t *testing.T, text string, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if slices.Contains(cells(text), u) {
			t.Errorf("cell %q in the document", u)
		}
	}
}

func TestRenderSwedish(t *testing.T) {
	t.Parallel()
	pages := pdfPages(t, mustRender(t, swedishInvoice(t)))
	if len(pages) != 1 {
		t.Fatalf("%d pages, want 1", len(pages))
	}
	checkCells(t, pages[0],
		"Faktura", "Fakturanummer", "LAD-000042",
		"Fakturadatum", "2026-03-05", "Förfallodatum", "2026-04-04",
		// seller
		"Ladda Laddnät AB", "Storgatan 1", "114 55 Stockholm", "Sverige", "Momsreg.nr SE556677889901", "faktura@ladda.example",
		// buyer
		"Kund", "Åsa Öberg Fastigheter AB", "Älvvägen 7", "831 30 Östersund", "Momsreg.nr SE559988776601", "asa@oberg.example",
		// table
		"Beskrivning", "Antal", "À-pris", "Netto", "Moms %", "Moms", "Summa",
		"Laddning Storgatan, uttag 2", "12,345 kWh", "4,50 SEK", "55,55 SEK", "25 %", "13,89 SEK", "69,44 SEK",
		"SE*LAD*E0001 · Storgatan 1, 114 55 Stockholm", "2026-03-02 14:05 – 15:20 CET", "Energi 12,345 kWh · Laddtid 1:15",
		"Månadsavgift Ladda Plus, mars", "1 månad", "987,60 SEK", "246,90 SEK", "1 234,50 SEK",
		// totals and notes
		"Netto", "1 043,15 SEK", "Moms", "260,79 SEK", "Totalt", "1 303,94 SEK",
		"Moms 25 % på 1 043,15 SEK: 260,79 SEK, avrundad på fakturans summa.",
		"Er referens: Order 4711, Åsa",
		"Sida 1 av 1", "Ladda Laddnät AB · LAD-000042",
	)
	checkNoCells(t, pages[0], "Betald", "Invoice")
}

func TestRenderEnglish(t *testing.T) {
	t.Parallel()
	pages := pdfPages(t, mustRender(t, englishInvoice(t)))
	if len(pages) != 1 {
		t.Fatalf("%d pages, want 1", len(pages))
	}
	checkCells(t, pages[0],
		"Invoice", "Invoice number", "LAD-000042", "Issue date", "5 Mar 2026", "Paid", "Visa •••• 4242",
		"Ladda Charging GmbH", "Hauptstraße 5", "10115 Berlin", "Germany", "VAT no. DE123456789", "billing@ladda.example",
		"Customer", "Ørsted & Sons Ltd", "1 King’s Road", "London SW3 4NR", "United Kingdom", "VAT no. GB123456789", "accounts@orsted.example",
		"Description", "Quantity", "Unit price", "Net", "Tax %", "Tax", "Total",
		// a session past midnight, with a unit price of four decimals
		"Charging at Hauptstraße — €0.3875/kWh", "42.500 kWh", "0.3875 EUR", "16.47 EUR", "19%", "3.13 EUR", "19.60 EUR",
		"DE*LAD*E0007 · Hauptstraße 5, Berlin", "3 Mar 2026 23:30 – 4 Mar 2026 02:10 CET", "Energy 42.500 kWh · Duration 2:40",
		"Fleet plan • 12 months", "12 month", "102.875 EUR", "1,234.50 EUR", "234.56 EUR", "1,469.06 EUR",
		// a session in an unknown time zone is shown in UTC
		"Charging at the depot", "7.200 kWh", "0.30 EUR", "2.16 EUR", "0.41 EUR", "2.57 EUR",
		"DE*LAD*E0009", "4 Mar 2026 08:00 – 09:30 UTC", "Energy 7.200 kWh · Duration 1:30",
		"1,253.13 EUR", "238.09 EUR", "1,491.22 EUR",
		"VAT 19% on 1,253.13 EUR — rounded once, on the invoice total.",
		"Reference: PO-2026-17",
		"Page 1 of 1", "Ladda Charging GmbH · LAD-000042",
	)
	checkNoCells(t, pages[0], "Due date", "Credits invoice LAD-000042")
}

func TestRenderCreditNote(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		language, currency string
		want, unwanted     []string
	}{
		{"en", "EUR", []string{
			"Credit note", "Credits invoice LAD-000042", "Credit note number", "LAD-000043", "Refunded", "Visa •••• 4242",
			"Fleet plan • 12 months", "-12 month", "102.875 EUR", "-1,234.50 EUR", "19%", "-234.56 EUR", "-1,469.06 EUR",
		}, []string{"Invoice", "Paid"}},
		{"sv", "SEK", []string{
			"Kreditnota", "Krediterar faktura LAD-000042", "Kreditnotanummer", "LAD-000043", "Återbetald", "Visa •••• 4242",
			"-12 month", "102,875 SEK", "-1 234,50 SEK", "19 %", "-234,56 SEK", "-1 469,06 SEK",
		}, []string{"Faktura", "Betald"}},
	} {
		t.Run(tc.language, func(t *testing.T) {
			t.Parallel()
			pages := pdfPages(t, mustRender(t, creditNote(t, tc.language, tc.currency)))
			checkCells(t, strings.Join(pages, "\n"), tc.want...)
			checkNoCells(t, strings.Join(pages, "\n"), tc.unwanted...)
		})
	}
}

// A long invoice continues on a second page, under the table header again, and each line
// appears once, in order.
func TestRenderManyLines(t *testing.T) {
	t.Parallel()
	inv := englishInvoice(t)
	inv.Lines = nil
	for i := range 40 {
		inv.Lines = append(inv.Lines, mustLine(t, fmt.Sprintf("Charging card no. %02d", i+1), "1", "card", "5", "5", "19", "0.95", "5.95"))
	}
	pages := pdfPages(t, mustRender(t, inv))
	if len(pages) != 2 {
		t.Fatalf("%d pages, want 2", len(pages))
	}
	for i, p := range pages {
		checkCells(t, p, fmt.Sprintf("Page %d of 2", i+1), "Description", "Quantity", "Unit price", "Net", "Tax %", "Tax", "Total")
	}
	checkNoCells(t, pages[0], "1,491.22 EUR")
	checkCells(t, pages[1], "1,253.13 EUR", "238.09 EUR", "1,491.22 EUR", "Reference: PO-2026-17")

	var seen []string
	for _, c := range cells(strings.Join(pages, "\n")) {
		if strings.HasPrefix(c, "Charging card no. ") {
			seen = append(seen, c)
		}
	}
	var want []string
	for _, l := range inv.Lines {
		want = append(want, l.Description)
	}
	if !slices.Equal(seen, want) {
		t.Errorf("lines printed:\n%q\nwant\n%q", seen, want)
	}
	if n := strings.Count(pages[0], "Charging card no. "); n < 10 || n == len(want) {
		t.Errorf("%d lines on the first page", n)
	}
}

// A description too long for its column wraps onto several lines of the cell, word by word.
func TestRenderWrapsLongDescriptions(t *testing.T) {
	t.Parallel()
	long := "Charging at Kungsgatan 12 during the evening peak, with the parking time after the car was full " +
		"billed separately according to the site's rules, as agreed in the fleet contract of 2025"
	inv := englishInvoice(t)
	inv.Lines[1].Description = long
	text := pdfPages(t, mustRender(t, inv))[0]
	checkNoCells(t, text, long)

	// The figures of the line stand beside its first line: leave them out, and the rest of
	// the cells from the first piece on are the description.
	figures := []string{"12 month", "102.875 EUR", "1,234.50 EUR", "19%", "234.56 EUR", "1,469.06 EUR"}
	var pieces []string
	for _, c := range cells(text) {
		if len(pieces) == 0 && !strings.HasPrefix(long, c+" ") {
			continue
		}
		if slices.Contains(figures, c) {
			continue
		}
		if !strings.Contains(long, c) {
			break
		}
		pieces = append(pieces, c)
	}
	if len(pieces) < 3 || strings.Join(pieces, " ") != long {
		t.Errorf("description printed as %q", pieces)
	}

	// A description longer than a page goes on over the next pages.
	huge := strings.TrimSpace(strings.Repeat(long+" ", 30))
	inv.Lines = inv.Lines[1:2]
	inv.Lines[0].Description = huge
	pages := pdfPages(t, mustRender(t, inv))
	if len(pages) < 3 {
		t.Errorf("%d pages, want at least 3", len(pages))
	}
	pieces = nil
	for _, c := range cells(strings.Join(pages, "\n")) {
		if strings.Contains(huge, c) {
			pieces = append(pieces, c)
		}
	}
	if strings.Join(pieces, " ") != huge {
		t.Errorf("description printed as %q", pieces)
	}
}

// Text the fonts cannot print does not stop the document: line breaks in a description
// break its lines, other control characters go, and a character without a glyph is shown as
// U+FFFD.
func TestRenderUnprintableText(t *testing.T) {
	t.Parallel()
	inv := englishInvoice(t)
	inv.Lines[1].Description = "Fleet plan 🚗\tfor\x00 12 months\r\nsecond line"
	inv.Buyer.Name = "Emoji 🚗 Ltd\n"
	checkCells(t, pdfPages(t, mustRender(t, inv))[0], "Fleet plan \ufffd for 12 months", "second line", "Emoji \ufffd Ltd")
}

func TestRenderRefusesInvalidInvoices(t *testing.T) {
	t.Parallel()
	for name, change := range map[string]func(*billing.Invoice){
		"no lines":      func(inv *billing.Invoice) { inv.Lines = nil },
		"no issue date": func(inv *billing.Invoice) { inv.IssuedAt = time.Time{} },
		"unknown kind":  func(inv *billing.Invoice) { inv.Kind = "receipt" },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			inv := englishInvoice(t)
			change(inv)
			var b bytes.Buffer
			err := invoicepdf.Render(&b, inv)
			var e *ladda.Error
			if !errors.As(err, &e) || e.Kind != ladda.Invalid || e.Op != "invoicepdf.Render" {
				t.Fatalf("Render: %v; want an Invalid error of invoicepdf.Render", err)
			}
			if b.Len() != 0 {
				t.Errorf("%d bytes written", b.Len())
			}
		})
	}
	if err := invoicepdf.Render(new(bytes.Buffer), nil); !ladda.IsKind(err, ladda.Invalid) {
		t.Errorf("Render(nil): %v", err)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRenderReportsWriteErrors(t *testing.T) {
	t.Parallel()
	err := invoicepdf.Render(failingWriter{}, englishInvoice(t))
	if !ladda.IsKind(err, ladda.Internal) || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Render: %v; want an Internal error with the cause", err)
	}
}

// Two renders of the same invoice are the same bytes, dated by the invoice and not the clock.
func TestRenderIsDeterministic(t *testing.T) {
	t.Parallel()
	for _, inv := range []*billing.Invoice{swedishInvoice(t), englishInvoice(t), creditNote(t, "sv", "SEK")} {
		a, b := mustRender(t, inv), mustRender(t, inv)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two renders differ (%d and %d bytes)", inv.Ref(), len(a), len(b))
		}
	}
	inv := swedishInvoice(t)
	doc := mustRender(t, inv)
	r, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	info := r.Trailer().Key("Info")
	for key, want := range map[string]string{
		"Title":        "LAD-000042",
		"Author":       "Ladda Laddnät AB",
		"CreationDate": "D:20260305100000",
		"ModDate":      "D:20260305100000",
	} {
		if got := info.Key(key).Text(); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
}

// Every character the documents show has a glyph in the embedded fonts.
func TestRenderHasGlyphs(t *testing.T) {
	t.Parallel()
	var text strings.Builder
	for _, inv := range []*billing.Invoice{swedishInvoice(t), englishInvoice(t), creditNote(t, "sv", "SEK")} {
		for _, p := range pdfPages(t, mustRender(t, inv)) {
			text.WriteString(p)
		}
	}
	for name, ttf := range map[string][]byte{"regular": goregular.TTF, "bold": gobold.TTF} {
		f, err := sfnt.Parse(ttf)
		if err != nil {
			t.Fatal(err)
		}
		var buf sfnt.Buffer
		for _, r := range text.String() {
			if r == '\n' {
				continue
			}
			if g, err := f.GlyphIndex(&buf, r); err != nil || g == 0 {
				t.Errorf("Go %s has no glyph for %q", name, r)
			}
		}
	}
}

// The test's own decoder maps codes through a ToUnicode CMap as the PDF specification says,
// above U+00FF too.
func TestCMapDecoding(t *testing.T) {
	t.Parallel()
	m := mustParseCMapSource(t, `/CIDInit /ProcSet findresource begin 12 dict begin begincmap
/CIDSystemInfo <</Registry (Adobe) /Ordering (UCS) /Supplement 0>> def
1 begincodespacerange <0000> <FFFF> endcodespacerange
1 beginbfchar <0041> <00C5> endbfchar
1 beginbfrange <0000> <FFFF> <0000> endbfrange
endcmap CMapName currentdict /CMap defineresource pop end end`)
	if got, want := m.decode(t, "\x00A\x20\xac\x00\xe5\x20\x22"), "Å€å•"; got != want {
		t.Errorf("decoded %q, want %q", got, want)
	}
}

// BenchmarkRender renders an invoice of 20 session lines.
func BenchmarkRender(b *testing.B) {
	inv := englishInvoice(b)
	session := inv.Lines[0]
	inv.Lines = nil
	for range 20 {
		inv.Lines = append(inv.Lines, session)
	}
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		if err := invoicepdf.Render(&buf, inv); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size), "pdf-bytes")
}
