package ocppj

import (
	"encoding/json"
	"unicode/utf8"
)

// MaxDescriptionLength bounds the errorDescription of a CALLERROR that AppendError writes:
// OCPP 2.0.1 allows at most 255 characters (P4 §4.2.3). 1.6 sets no bound; the same one is used.
const MaxDescriptionLength = 255

// AppendCall appends the CALL frame [2,"id","action",payload] to dst. An empty payload is
// written as {}. The payload must be a well-formed JSON object; it is copied as is.
func AppendCall(dst []byte, id, action string, payload json.RawMessage) []byte {
	dst = append(dst, "[2,"...)
	dst = appendString(dst, id)
	dst = append(dst, ',')
	dst = appendString(dst, action)
	dst = append(dst, ',')
	dst = appendObject(dst, payload)
	return append(dst, ']')
}

// AppendResult appends the CALLRESULT frame [3,"id",payload] to dst. An empty payload is
// written as {}. The payload must be a well-formed JSON object; it is copied as is.
func AppendResult(dst []byte, id string, payload json.RawMessage) []byte {
	dst = append(dst, "[3,"...)
	dst = appendString(dst, id)
	dst = append(dst, ',')
	dst = appendObject(dst, payload)
	return append(dst, ']')
}

// AppendError appends the CALLERROR frame [4,"id","code","description",details] answering
// message id to dst, with e's code in dialect d (see Error.CodeIn). An empty id is written as
// UnknownID ("-1", P4 §4.2.3). The description is cut to MaxDescriptionLength bytes at a
// character boundary; absent details are written as {} (J16 §4.2.3, P4 §4.2.3: "If there are
// no error details you MUST fill in an empty object"). A nil e is a GenericError.
func AppendError(dst []byte, d Dialect, id string, e *Error) []byte {
	if e == nil {
		e = &Error{}
	}
	if id == "" {
		id = UnknownID
	}
	dst = append(dst, "[4,"...)
	dst = appendString(dst, id)
	dst = append(dst, ',')
	dst = appendString(dst, string(e.CodeIn(d)))
	dst = append(dst, ',')
	dst = appendString(dst, truncate(e.Description, MaxDescriptionLength))
	dst = append(dst, ',')
	dst = appendObject(dst, e.Details)
	return append(dst, ']')
}

func appendObject(dst []byte, obj json.RawMessage) []byte {
	if len(obj) == 0 {
		return append(dst, "{}"...)
	}
	return append(dst, obj...)
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD, as in encoding/json.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
