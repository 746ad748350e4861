package invoicepdf_test

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/ledongthuc/pdf"
)

// The PDF reader parses the file (cross references, objects, compressed streams, content
// operators), but its own text decoding cannot be trusted with the fonts of this package: a
// UTF-8 font is a Type0 font with Identity-H encoding and a ToUnicode CMap holding one range
// <0000> <FFFF> → <0000>, and the reader adds the offset into a range to the last byte only,
// so that € (U+20AC) comes out as ¬ (U+00AC). The helpers below decode every string a page
// shows with its font's ToUnicode CMap themselves, exactly as a PDF viewer copies text, so
// that the tests read what a person would.

// pdfPages returns the text of each page of the PDF document doc: one line per text object
// that shows text, which is one cell of the document. It fails the test when a page shows text in a font
// without a ToUnicode CMap, or a code the CMap does not map.
func pdfPages(tb testing.TB, doc []byte) []string {
	tb.Helper()
	r, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		tb.Fatalf("reading the PDF: %v", err)
	}
	var pages []string
	for n := 1; n <= r.NumPage(); n++ {
		p := r.Page(n)
		fonts := map[string]*cmap{}
		dict := p.Resources().Key("Font")
		for _, name := range dict.Keys() {
			tu := dict.Key(name).Key("ToUnicode")
			if tu.Kind() != pdf.Stream {
				tb.Fatalf("page %d: font %s has no ToUnicode CMap", n, name)
			}
			fonts[name] = mustParseCMap(tb, tu)
		}
		var text strings.Builder
		var font *cmap
		newCell := false
		pdf.Interpret(p.V.Key("Contents"), func(stk *pdf.Stack, op string) {
			args := make([]pdf.Value, stk.Len())
			for i := len(args) - 1; i >= 0; i-- {
				args[i] = stk.Pop()
			}
			show := func(v pdf.Value) {
				if font == nil {
					tb.Fatalf("page %d: text shown before a font was set", n)
				}
				if newCell && text.Len() > 0 {
					text.WriteByte('\n')
				}
				newCell = false
				text.WriteString(font.decode(tb, v.RawString()))
			}
			switch op {
			case "BT":
				newCell = true
			case "Tf":
				font = fonts[args[0].Name()]
			case "Tj", "'", `"`:
				show(args[len(args)-1])
			case "TJ":
				for i := 0; i < args[0].Len(); i++ {
					if v := args[0].Index(i); v.Kind() == pdf.String {
						show(v)
					}
				}
			}
		})
		pages = append(pages, text.String())
	}
	return pages
}

// cmap is a ToUnicode CMap: codes of a fixed number of bytes mapped to UTF-16 text.
type cmap struct {
	size   int               // bytes per code
	chars  map[uint32]string // bfchar: code → UTF-16BE
	ranges []bfrange
}

// bfrange maps the codes lo to hi to dst, dst+1, …: the offset into the range is added to the
// last UTF-16 unit of dst.
type bfrange struct {
	lo, hi uint32
	dst    string // UTF-16BE
}

func (m *cmap) decode(tb testing.TB, raw string) string {
	tb.Helper()
	if len(raw)%m.size != 0 {
		tb.Fatalf("string of %d bytes in a font with %d-byte codes", len(raw), m.size)
	}
	var out []uint16
	for i := 0; i < len(raw); i += m.size {
		var code uint32
		for _, b := range []byte(raw[i : i+m.size]) {
			code = code<<8 | uint32(b)
		}
		u, ok := m.lookup(code)
		if !ok {
			tb.Fatalf("code %#x is not in the ToUnicode CMap", code)
		}
		out = append(out, u...)
	}
	return string(utf16.Decode(out))
}

func (m *cmap) lookup(code uint32) ([]uint16, bool) {
	if s, ok := m.chars[code]; ok {
		return units(s), true
	}
	for _, r := range m.ranges {
		if r.lo <= code && code <= r.hi {
			u := units(r.dst)
			if len(u) == 0 {
				return nil, false
			}
			u[len(u)-1] += uint16(code - r.lo)
			return u, true
		}
	}
	return nil, false
}

func units(s string) []uint16 {
	u := make([]uint16, len(s)/2)
	for i := range u {
		u[i] = uint16(s[2*i])<<8 | uint16(s[2*i+1])
	}
	return u
}

// mustParseCMap reads the codespace ranges, bfchar and bfrange sections of a ToUnicode CMap
// stream; the PostScript around them only names the CMap.
func mustParseCMap(tb testing.TB, strm pdf.Value) *cmap {
	tb.Helper()
	rc := strm.Reader()
	src, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		tb.Fatalf("reading a ToUnicode CMap: %v", err)
	}
	return mustParseCMapSource(tb, string(src))
}

// mustParseCMapSource parses the source of a ToUnicode CMap as mustParseCMap does.
func mustParseCMapSource(tb testing.TB, src string) *cmap {
	tb.Helper()
	m := &cmap{chars: map[uint32]string{}}
	toks := cmapTokens(tb, src)
	hexCode := func(t string) (uint32, int) {
		b := hexBytes(tb, t)
		var c uint32
		for _, x := range b {
			c = c<<8 | uint32(x)
		}
		return c, len(b)
	}
	section := ""
	var operands []string
	for _, t := range toks {
		switch t {
		case "begincodespacerange", "beginbfchar", "beginbfrange":
			section, operands = t, nil
			continue
		case "endcodespacerange":
			for i := 0; i+1 < len(operands); i += 2 {
				_, n := hexCode(operands[i])
				if m.size != 0 && m.size != n {
					tb.Fatalf("codespace ranges of mixed sizes")
				}
				m.size = n
			}
		case "endbfchar":
			for i := 0; i+1 < len(operands); i += 2 {
				c, _ := hexCode(operands[i])
				m.chars[c] = string(hexBytes(tb, operands[i+1]))
			}
		case "endbfrange":
			for i := 0; i+2 < len(operands); i += 3 {
				lo, _ := hexCode(operands[i])
				hi, _ := hexCode(operands[i+1])
				if strings.HasPrefix(operands[i+2], "[") {
					tb.Fatalf("bfrange with an array destination is not supported")
				}
				m.ranges = append(m.ranges, bfrange{lo, hi, string(hexBytes(tb, operands[i+2]))})
			}
		default:
			if section != "" {
				operands = append(operands, t)
			}
			continue
		}
		section = ""
	}
	if m.size == 0 {
		tb.Fatalf("ToUnicode CMap without a codespace range:\n%s", src)
	}
	return m
}

// cmapTokens splits CMap source into <hex> strings, [ and ] (as one token with what is
// between them) and words.
func cmapTokens(tb testing.TB, s string) []string {
	tb.Helper()
	var toks []string
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		if s == "" {
			return toks
		}
		var end int
		switch s[0] {
		case '<':
			if strings.HasPrefix(s, "<<") {
				end = 2
			} else {
				end = strings.IndexByte(s, '>') + 1
			}
		case '[':
			end = strings.IndexByte(s, ']') + 1
		default:
			end = strings.IndexAny(s, " \t\r\n<[")
			if end <= 0 {
				end = len(s)
			}
		}
		if end <= 0 {
			tb.Fatalf("unterminated token in CMap at %.20q", s)
		}
		toks = append(toks, s[:end])
		s = s[end:]
	}
}

func hexBytes(tb testing.TB, t string) []byte {
	tb.Helper()
	h := strings.TrimSuffix(strings.TrimPrefix(t, "<"), ">")
	if len(h)%2 != 0 || len(h) == 0 {
		tb.Fatalf("bad hex string %s in CMap", t)
	}
	b := make([]byte, len(h)/2)
	for i := range b {
		x, err := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
		if err != nil {
			tb.Fatalf("bad hex string %s in CMap", t)
		}
		b[i] = byte(x)
	}
	return b
}
