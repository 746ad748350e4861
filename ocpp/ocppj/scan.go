package ocppj

import (
	"strconv"
	"sync"
	"sync/atomic"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds the nesting of arrays and objects in a frame (the frame's own array counts).
// OCPP payloads nest less than ten levels; the bound keeps hostile input from using the stack.
const maxDepth = 64

// scanner is a hand-written, validating JSON reader over one frame. It never allocates except
// for the strings it returns, so parsing a frame costs little beyond the id.
type scanner struct {
	b []byte
	i int
}

func (p *scanner) peek() byte {
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

func (p *scanner) eat(c byte) bool {
	if p.peek() == c {
		p.i++
		return true
	}
	return false
}

func (p *scanner) skipSpace() {
	i := p.i
	for i < len(p.b) && p.b[i] <= ' ' && (p.b[i] == ' ' || p.b[i] == '\t' || p.b[i] == '\n' || p.b[i] == '\r') {
		i++
	}
	p.i = i
}

func (p *scanner) fail(f Fault, id, desc string) *Error {
	return &Error{Fault: f, ID: id, Description: desc}
}

// syntax reports malformed JSON at the current position.
func (p *scanner) syntax() *Error {
	if p.i >= len(p.b) {
		return p.fail(FaultFormat, "", "frame is not valid JSON: unexpected end")
	}
	return p.fail(FaultFormat, "", "frame is not valid JSON: unexpected "+strconv.QuoteRune(rune(p.b[p.i]))+" at offset "+strconv.Itoa(p.i))
}

// skipValue checks and skips one JSON value. depth is the nesting level it sits in.
func (p *scanner) skipValue(depth int) *Error {
	switch c := p.peek(); {
	case c == '{':
		return p.skipObject(depth + 1)
	case c == '[':
		return p.skipArray(depth + 1)
	case c == '"':
		return p.skipString()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	}
	return p.syntax()
}

func (p *scanner) literal(word string) *Error {
	if len(p.b)-p.i >= len(word) && string(p.b[p.i:p.i+len(word)]) == word {
		p.i += len(word)
		return nil
	}
	return p.syntax()
}

func (p *scanner) skipObject(depth int) *Error {
	if depth > maxDepth {
		return p.fail(FaultFormat, "", "frame is nested too deeply")
	}
	p.i++ // '{'
	p.skipSpace()
	if p.eat('}') {
		return nil
	}
	for {
		if p.peek() != '"' {
			return p.syntax()
		}
		if err := p.skipString(); err != nil {
			return err
		}
		p.skipSpace()
		if !p.eat(':') {
			return p.syntax()
		}
		p.skipSpace()
		if err := p.skipValue(depth); err != nil {
			return err
		}
		p.skipSpace()
		if p.eat('}') {
			return nil
		}
		if !p.eat(',') {
			return p.syntax()
		}
		p.skipSpace()
	}
}

func (p *scanner) skipArray(depth int) *Error {
	if depth > maxDepth {
		return p.fail(FaultFormat, "", "frame is nested too deeply")
	}
	p.i++ // '['
	p.skipSpace()
	if p.eat(']') {
		return nil
	}
	for {
		if err := p.skipValue(depth); err != nil {
			return err
		}
		p.skipSpace()
		if p.eat(']') {
			return nil
		}
		if !p.eat(',') {
			return p.syntax()
		}
		p.skipSpace()
	}
}

// number checks and skips a JSON number:  -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?
func (p *scanner) number() *Error {
	p.eat('-')
	switch c := p.peek(); {
	case c == '0':
		p.i++
	case c >= '1' && c <= '9':
		p.digits()
	default:
		return p.syntax()
	}
	if p.eat('.') {
		if p.digits() == 0 {
			return p.syntax()
		}
	}
	if c := p.peek(); c == 'e' || c == 'E' {
		p.i++
		if c := p.peek(); c == '+' || c == '-' {
			p.i++
		}
		if p.digits() == 0 {
			return p.syntax()
		}
	}
	return nil
}

func (p *scanner) digits() int {
	start := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	return p.i - start
}

// plain marks the bytes a JSON string may hold without a closer look: printable ASCII other
// than the quote and the backslash.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// scanString checks the string starting at the current '"' and moves past it. It returns the
// bytes between the quotes and whether they contain escapes.
func (p *scanner) scanString() (raw []byte, escaped bool, err *Error) {
	b := p.b
	start := p.i + 1 // after the opening quote
	i := start
	for {
		for i < len(b) && plain[b[i]] {
			i++
		}
		if i >= len(b) {
			p.i = i
			return nil, false, p.syntax()
		}
		switch c := b[i]; {
		case c == '"':
			p.i = i + 1
			return b[start:i], escaped, nil
		case c == '\\':
			escaped = true
			i++
			if i >= len(b) {
				p.i = i
				return nil, false, p.syntax()
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				p.i = i + 1
				if !p.hex4() {
					return nil, false, p.syntax()
				}
				i = p.i
			default:
				p.i = i
				return nil, false, p.syntax()
			}
		case c < 0x20:
			p.i = i
			return nil, false, p.fail(FaultFormat, "", "frame is not valid JSON: control character in string")
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				p.i = i
				return nil, false, p.fail(FaultFormat, "", "frame is not valid UTF-8")
			}
			i += size
		}
	}
}

func (p *scanner) hex4() bool {
	if len(p.b)-p.i < 4 {
		return false
	}
	for _, c := range p.b[p.i : p.i+4] {
		if hexVal(c) < 0 {
			return false
		}
	}
	p.i += 4
	return true
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func (p *scanner) skipString() *Error {
	_, _, err := p.scanString()
	return err
}

// str reads a string and returns its decoded value.
func (p *scanner) str() (string, *Error) {
	raw, escaped, err := p.scanString()
	if err != nil {
		return "", err
	}
	if !escaped {
		return string(raw), nil
	}
	return unescape(raw), nil
}

// strInterned is str for strings that repeat across frames, such as action names.
func (p *scanner) strInterned() (string, *Error) {
	raw, escaped, err := p.scanString()
	if err != nil {
		return "", err
	}
	if escaped {
		return unescape(raw), nil
	}
	return intern(raw), nil
}

// unescape decodes the body of a JSON string already checked by scanString. A lone UTF-16
// surrogate becomes U+FFFD, as encoding/json does.
func unescape(raw []byte) string {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		i++
		switch raw[i] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := rune(hex4val(raw[i+1:]))
			i += 4
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
					r2 = rune(hex4val(raw[i+3:]))
				}
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default: // '"', '\\', '/'
			out = append(out, raw[i])
		}
		i++
	}
	return string(out)
}

func hex4val(b []byte) int {
	return hexVal(b[0])<<12 | hexVal(b[1])<<8 | hexVal(b[2])<<4 | hexVal(b[3])
}

// validJSON reports whether b is exactly one well-formed JSON value.
func validJSON(b []byte) bool {
	p := scanner{b: b}
	p.skipSpace()
	if p.skipValue(0) != nil {
		return false
	}
	p.skipSpace()
	return p.i == len(p.b)
}

// The intern table keeps one copy of each short string seen as an action name, so parsing a
// CALL does not allocate for it. It is copy-on-write: reads take no lock. It stops growing at
// maxInterned entries so a peer sending random names cannot make it grow without bound.
const maxInterned = 512

var (
	internTable atomic.Pointer[map[string]string]
	internMu    sync.Mutex
)

func intern(b []byte) string {
	if t := internTable.Load(); t != nil {
		if s, ok := (*t)[string(b)]; ok {
			return s
		}
	}
	s := string(b)
	if len(b) > 64 {
		return s
	}
	internMu.Lock()
	defer internMu.Unlock()
	old := internTable.Load()
	if old != nil {
		if len(*old) >= maxInterned {
			return s
		}
		if t, ok := (*old)[s]; ok {
			return t
		}
	}
	next := make(map[string]string, 1+lenMap(old))
	if old != nil {
		for k, v := range *old {
			next[k] = v
		}
	}
	next[s] = s
	internTable.Store(&next)
	return s
}

func lenMap(m *map[string]string) int {
	if m == nil {
		return 0
	}
	return len(*m)
}
