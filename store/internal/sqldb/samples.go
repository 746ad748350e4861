package sqldb

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/ladda-csms/ladda/charging"
)

// A meter report's samples are stored as one JSON array, the form encoding/json gives
// []charging.Sample. They are written by a hand-made encoder, because every MeterValues
// message goes through it, and read with encoding/json.

var (
	errNotFinite = errors.New("sample value is not a finite number")
	errBadYear   = errors.New("sample time is outside the years 0 to 9999")
)

// appendSamples appends the JSON array of ss to b. Times are written in UTC with microsecond
// precision, as every time in the store. It fails on a NaN or infinite value or a time JSON
// cannot hold.
func appendSamples(b []byte, ss []charging.Sample) ([]byte, error) {
	b = append(b, '[')
	for i := range ss {
		s := &ss[i]
		if math.IsNaN(s.Value) || math.IsInf(s.Value, 0) {
			return nil, errNotFinite
		}
		t := norm(s.Time)
		if y := t.Year(); y < 0 || y > 9999 {
			return nil, errBadYear
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"time":"`...)
		b = t.AppendFormat(b, time.RFC3339Nano)
		b = append(b, `","measurand":`...)
		b = appendString(b, s.Measurand)
		b = appendField(b, `,"phase":`, s.Phase)
		b = appendField(b, `,"location":`, s.Location)
		b = appendField(b, `,"context":`, s.Context)
		b = appendField(b, `,"unit":`, s.Unit)
		b = append(b, `,"value":`...)
		b = strconv.AppendFloat(b, s.Value, 'g', -1, 64)
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

// appendField appends an omitempty string field.
func appendField(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	return appendString(append(b, key...), v)
}

const hex = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD, as encoding/json does.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// decodeSamples appends the samples of a stored JSON array to dst.
func decodeSamples(dst []charging.Sample, data []byte) ([]charging.Sample, error) {
	var ss []charging.Sample
	if err := json.Unmarshal(data, &ss); err != nil {
		return dst, err
	}
	for i := range ss {
		ss[i].Time = norm(ss[i].Time)
	}
	return append(dst, ss...), nil
}
