package invoicepdf

import (
	"fmt"
	"strings"
	"time"

	"github.com/ladda-csms/ladda/billing"
)

// labels holds the words of the document in one language, and how that language writes
// numbers and dates.
type labels struct {
	invoice, creditNote             string // the titles
	invoiceNumber, creditNoteNumber string
	issued, due                     string
	paid, refunded                  string // an invoice or a credit note settled when issued
	credits                         string // a credit note's sentence, formatted with the reference it corrects
	customer                        string
	vatNumber                       string
	columns                         [len(columns)]string
	energy, duration                string
	net, tax, total                 string // the totals block
	reference                       string
	page                            string // formatted with the page number and the page count

	decimal, group string // decimal and thousands separators
	percent        string // formatted with a tax rate
	date           string // time layout of a date
}

// languages is every language a document can be rendered in; an invoice in any other
// language is rendered in English.
var languages = map[string]*labels{
	"en": {
		invoice: "Invoice", creditNote: "Credit note",
		invoiceNumber: "Invoice number", creditNoteNumber: "Credit note number",
		issued: "Issue date", due: "Due date", paid: "Paid", refunded: "Refunded",
		credits: "Credits invoice %s", customer: "Customer", vatNumber: "VAT no.",
		columns: [...]string{"Description", "Quantity", "Unit price", "Net", "Tax %", "Tax", "Total"},
		energy:  "Energy", duration: "Duration",
		net: "Net", tax: "Tax", total: "Total", reference: "Reference", page: "Page %d of %s",
		decimal: ".", group: ",", percent: "%s%%", date: "2 Jan 2006",
	},
	// Swedish: a decimal comma, a space between thousands, a space before the percent sign
	// and ISO dates.
	"sv": {
		invoice: "Faktura", creditNote: "Kreditnota",
		invoiceNumber: "Fakturanummer", creditNoteNumber: "Kreditnotanummer",
		issued: "Fakturadatum", due: "Förfallodatum", paid: "Betald", refunded: "Återbetald",
		credits: "Krediterar faktura %s", customer: "Kund", vatNumber: "Momsreg.nr",
		columns: [...]string{"Beskrivning", "Antal", "À-pris", "Netto", "Moms %", "Moms", "Summa"},
		energy:  "Energi", duration: "Laddtid",
		net: "Netto", tax: "Moms", total: "Totalt", reference: "Er referens", page: "Sida %d av %s",
		decimal: ",", group: " ", percent: "%s %%", date: "2006-01-02",
	},
}

// labelsFor returns the labels of language, English when it is not one of languages.
func labelsFor(language string) *labels {
	if l, ok := languages[language]; ok {
		return l
	}
	return languages["en"]
}

// number rewrites a decimal string such as "-1234.5" in the language's style: "-1,234.5",
// "-1 234,5". A negative number that shows as zero loses its sign.
func (l *labels) number(s string) string {
	neg := strings.HasPrefix(s, "-")
	whole, frac, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	var b strings.Builder
	if neg && strings.Trim(whole+frac, "0") != "" {
		b.WriteByte('-')
	}
	for i := range len(whole) {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(l.group)
		}
		b.WriteByte(whole[i])
	}
	if frac != "" {
		b.WriteString(l.decimal)
		b.WriteString(frac)
	}
	return b.String()
}

// trimZeros drops trailing zeros of a decimal string such as "0.456700" while at least min
// decimals remain, and the point if none do.
func trimZeros(s string, min int) string {
	whole, frac, ok := strings.Cut(s, ".")
	if !ok {
		return s
	}
	for len(frac) > min && strings.HasSuffix(frac, "0") {
		frac = frac[:len(frac)-1]
	}
	if frac == "" {
		return whole
	}
	return whole + "." + frac
}

// money formats an amount rounded to the minor unit of currency, with the code:
// "1,234.50 EUR", "1 234,50 SEK".
func (l *labels) money(a billing.Amount, currency string) string {
	return l.number(a.Format(billing.Exponent(currency))) + " " + currency
}

// unitPrice formats a price with at least the decimals of the currency and up to six, so that
// a price per kWh such as 0.4567 shows as it is.
func (l *labels) unitPrice(a billing.Amount, currency string) string {
	return l.number(trimZeros(a.Format(6), billing.Exponent(currency))) + " " + currency
}

// quantity formats a quantity with its unit: kWh with three decimals ("12.345 kWh"), any
// other unit with up to three ("1 session", "1.5 h").
func (l *labels) quantity(q billing.Quantity, unit string) string {
	s := q.Format(3)
	if unit != "kWh" {
		s = trimZeros(s, 0)
	}
	if unit == "" {
		return l.number(s)
	}
	return l.number(s) + " " + unit
}

// taxPercent formats a tax rate: "25%", "12,5 %".
func (l *labels) taxPercent(q billing.Quantity) string {
	return fmt.Sprintf(l.percent, l.number(trimZeros(q.Format(2), 0)))
}

// kWh formats watt-hours as kWh with three decimals: "12.345 kWh".
func (l *labels) kWh(wh int64) string {
	sign := ""
	if wh < 0 {
		sign, wh = "-", -wh
	}
	return l.number(fmt.Sprintf("%s%d.%03d", sign, wh/1000, wh%1000)) + " kWh"
}

// hoursMinutes formats a duration rounded to the minute as h:mm: "1:05", "26:00".
func hoursMinutes(d time.Duration) string {
	d = max(d.Round(time.Minute), 0)
	return fmt.Sprintf("%d:%02d", d/time.Hour, d%time.Hour/time.Minute)
}

// span formats the start and end of a session in the time zone loc: "2 Mar 2026 14:05 – 15:20
// CET", with the end's date only when it is another day and each zone when they differ.
func (l *labels) span(start, end time.Time, loc *time.Location) string {
	start, end = start.In(loc), end.In(loc)
	s := start.Format(l.date + " 15:04")
	sz, ez := start.Format("MST"), end.Format("MST")
	if sz != ez {
		s += " " + sz
	}
	if y, m, d := start.Date(); end.Year() == y && end.Month() == m && end.Day() == d {
		s += " – " + end.Format("15:04")
	} else {
		s += " – " + end.Format(l.date+" 15:04")
	}
	return s + " " + ez
}
