package schema

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds the nesting of arrays and objects in a payload. The deepest
// OCPP schema nests well under 16 levels.
const maxDepth = 64

// errDepth is returned for payloads nested deeper than maxDepth.
var errDepth = errors.New("nested too deeply")

// decoder parses JSON into the values the jsonschema library validates:
// map[string]any, []any, string, json.Number, bool and nil. It does the work
// of jsonschema.UnmarshalJSON (encoding/json with UseNumber) in a fraction of
// the time and allocations: the payload is converted to a string once and
// strings without escapes are slices of it, and objects and arrays are built
// at their final size from a reused stack.
//
// It is stricter than encoding/json in one way: invalid UTF-8 is an error
// rather than replaced, as OCPP-J requires UTF-8.
type decoder struct {
	s     string
	i     int
	depth int
	keys  []string // pending object keys of all open objects
	vals  []any    // pending values of all open objects and arrays
}

var decoders = sync.Pool{New: func() any { return new(decoder) }}

// decode parses one JSON value from b, with nothing but white space after it.
func decode(b []byte) (any, error) {
	d := decoders.Get().(*decoder)
	d.s, d.i, d.depth = string(b), 0, 0
	v, err := d.value()
	if err == nil {
		d.space()
		if d.i < len(d.s) {
			err = d.errorf("unexpected %q after the top-level value", d.s[d.i])
		}
	}
	clear(d.keys[:cap(d.keys)])
	clear(d.vals[:cap(d.vals)])
	d.keys, d.vals, d.s = d.keys[:0], d.vals[:0], ""
	decoders.Put(d)
	if err != nil {
		return nil, err
	}
	return v, nil
}

func (d *decoder) errorf(format string, args ...any) error {
	return fmt.Errorf("offset %d: %s", d.i, fmt.Sprintf(format, args...))
}

func (d *decoder) unexpectedEnd() error { return errors.New("unexpected end of input") }

func (d *decoder) space() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *decoder) value() (any, error) {
	d.space()
	if d.i >= len(d.s) {
		return nil, d.unexpectedEnd()
	}
	switch c := d.s[d.i]; c {
	case '{':
		return d.object()
	case '[':
		return d.array()
	case '"':
		s, err := d.str()
		if err != nil {
			return nil, err
		}
		return s, nil
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	case 'n':
		return nil, d.literal("null")
	default:
		if c == '-' || c >= '0' && c <= '9' {
			return d.number()
		}
		return nil, d.errorf("unexpected %q", c)
	}
}

func (d *decoder) literal(lit string) error {
	if !strings.HasPrefix(d.s[d.i:], lit) {
		return d.errorf("invalid literal")
	}
	d.i += len(lit)
	return nil
}

func (d *decoder) object() (any, error) {
	if d.depth++; d.depth > maxDepth {
		return nil, errDepth
	}
	d.i++ // '{'
	k0, v0 := len(d.keys), len(d.vals)
	d.space()
	if d.i < len(d.s) && d.s[d.i] == '}' {
		d.i++
		d.depth--
		return map[string]any{}, nil
	}
	for {
		d.space()
		if d.i >= len(d.s) {
			return nil, d.unexpectedEnd()
		}
		if d.s[d.i] != '"' {
			return nil, d.errorf("want a property name, got %q", d.s[d.i])
		}
		k, err := d.str()
		if err != nil {
			return nil, err
		}
		d.space()
		if d.i >= len(d.s) {
			return nil, d.unexpectedEnd()
		}
		if d.s[d.i] != ':' {
			return nil, d.errorf("want ':', got %q", d.s[d.i])
		}
		d.i++
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		d.keys = append(d.keys, k)
		d.vals = append(d.vals, v)
		d.space()
		if d.i >= len(d.s) {
			return nil, d.unexpectedEnd()
		}
		c := d.s[d.i]
		d.i++
		if c == '}' {
			break
		}
		if c != ',' {
			return nil, d.errorf("want ',' or '}', got %q", c)
		}
	}
	m := make(map[string]any, len(d.keys)-k0)
	for j, k := range d.keys[k0:] {
		m[k] = d.vals[v0+j]
	}
	clear(d.keys[k0:])
	clear(d.vals[v0:])
	d.keys, d.vals = d.keys[:k0], d.vals[:v0]
	d.depth--
	return m, nil
}

func (d *decoder) array() (any, error) {
	if d.depth++; d.depth > maxDepth {
		return nil, errDepth
	}
	d.i++ // '['
	v0 := len(d.vals)
	d.space()
	if d.i < len(d.s) && d.s[d.i] == ']' {
		d.i++
		d.depth--
		return []any{}, nil
	}
	for {
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		d.vals = append(d.vals, v)
		d.space()
		if d.i >= len(d.s) {
			return nil, d.unexpectedEnd()
		}
		c := d.s[d.i]
		d.i++
		if c == ']' {
			break
		}
		if c != ',' {
			return nil, d.errorf("want ',' or ']', got %q", c)
		}
	}
	a := make([]any, len(d.vals)-v0)
	copy(a, d.vals[v0:])
	clear(d.vals[v0:])
	d.vals = d.vals[:v0]
	d.depth--
	return a, nil
}

func (d *decoder) number() (any, error) {
	start := d.i
	if d.s[d.i] == '-' {
		d.i++
	}
	switch {
	case d.i < len(d.s) && d.s[d.i] == '0':
		d.i++
	case d.digits() == 0:
		return nil, d.errorf("invalid number")
	}
	if d.i < len(d.s) && d.s[d.i] == '.' {
		d.i++
		if d.digits() == 0 {
			return nil, d.errorf("invalid number")
		}
	}
	if d.i < len(d.s) && (d.s[d.i] == 'e' || d.s[d.i] == 'E') {
		d.i++
		if d.i < len(d.s) && (d.s[d.i] == '+' || d.s[d.i] == '-') {
			d.i++
		}
		if d.digits() == 0 {
			return nil, d.errorf("invalid number")
		}
	}
	return json.Number(d.s[start:d.i]), nil
}

func (d *decoder) digits() int {
	n := 0
	for d.i < len(d.s) && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
		d.i++
		n++
	}
	return n
}

// str parses the string whose opening quote is at d.i.
func (d *decoder) str() (string, error) {
	d.i++ // '"'
	start := d.i
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			s := d.s[start:d.i]
			d.i++
			return s, nil
		case c == '\\':
			return d.escaped(start)
		case c < 0x20:
			return "", d.errorf("control character in string")
		case c < utf8.RuneSelf:
			d.i++
		default:
			r, size := utf8.DecodeRuneInString(d.s[d.i:])
			if r == utf8.RuneError && size == 1 {
				return "", d.errorf("invalid UTF-8")
			}
			d.i += size
		}
	}
	return "", d.unexpectedEnd()
}

// escaped finishes a string that starts at start and has an escape at d.i.
func (d *decoder) escaped(start int) (string, error) {
	var b strings.Builder
	b.Grow(d.i - start + 16)
	b.WriteString(d.s[start:d.i])
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			d.i++
			return b.String(), nil
		case c == '\\':
			if d.i+1 >= len(d.s) {
				return "", d.unexpectedEnd()
			}
			e := d.s[d.i+1]
			d.i += 2
			switch e {
			case '"', '\\', '/':
				b.WriteByte(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				r, err := d.hex4()
				if err != nil {
					return "", err
				}
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if strings.HasPrefix(d.s[d.i:], `\u`) {
						save := d.i
						d.i += 2
						if r2, err = d.hex4(); err != nil {
							return "", err
						}
						if utf16.DecodeRune(r, r2) == utf8.RuneError {
							d.i, r2 = save, -1 // not a pair: read it again on its own
						}
					}
					r = utf16.DecodeRune(r, r2) // U+FFFD for a lone surrogate
				}
				b.WriteRune(r)
			default:
				return "", d.errorf("invalid escape %q", e)
			}
		case c < 0x20:
			return "", d.errorf("control character in string")
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			d.i++
		default:
			r, size := utf8.DecodeRuneInString(d.s[d.i:])
			if r == utf8.RuneError && size == 1 {
				return "", d.errorf("invalid UTF-8")
			}
			b.WriteString(d.s[d.i : d.i+size])
			d.i += size
		}
	}
	return "", d.unexpectedEnd()
}

func (d *decoder) hex4() (rune, error) {
	if d.i+4 > len(d.s) {
		return 0, d.unexpectedEnd()
	}
	var r rune
	for _, c := range []byte(d.s[d.i : d.i+4]) {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, d.errorf("invalid \\u escape")
		}
		r = r<<4 | rune(c)
	}
	d.i += 4
	return r, nil
}
