package invoicepdf

import (
	"strings"
	"sync"
	"unicode"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
)

const family = "Go" // the embedded Go fonts, regular and bold

// fonts are the TrueType fonts embedded in every document, by fpdf style.
var fonts = [...]struct {
	style string
	ttf   []byte
}{{"", goregular.TTF}, {"B", gobold.TTF}}

// glyphs returns the set of characters the Go fonts have a glyph for, one bit per character
// of the Basic Multilingual Plane; regular and bold cover the same characters.
var glyphs = sync.OnceValue(func() *[1 << 16 / 64]uint64 {
	f, err := sfnt.Parse(goregular.TTF)
	if err != nil {
		panic("invoicepdf: the embedded Go font does not parse: " + err.Error())
	}
	var set [1 << 16 / 64]uint64
	var buf sfnt.Buffer
	for r := rune(0); r < 1<<16; r++ {
		if g, err := f.GlyphIndex(&buf, r); err == nil && g != 0 {
			set[r/64] |= 1 << (r % 64)
		}
	}
	return &set
})

// printable returns s as the fonts can print it: a tab or line break becomes a space (a line
// break stays when keepLines is set, for text that wraps), any other control character is
// dropped, and a character the fonts have no glyph for, emoji for one, becomes U+FFFD �. The
// PDF library fails on characters beyond the Basic Multilingual Plane, and would print the
// others as an empty box of no width.
func printable(s string, keepLines bool) string {
	plain := true
	for i := 0; i < len(s) && plain; i++ {
		plain = s[i] >= ' ' && s[i] < 0x7f
	}
	if plain {
		return s
	}
	set := glyphs()
	var b strings.Builder
	for _, r := range strings.ReplaceAll(s, "\r\n", "\n") {
		switch {
		case r == '\n' && keepLines:
			b.WriteRune(r)
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case unicode.IsControl(r):
		case r < 1<<16 && set[r/64]&(1<<(r%64)) != 0:
			b.WriteRune(r)
		default:
			b.WriteRune(unicode.ReplacementChar)
		}
	}
	return b.String()
}
