package main

import (
	"strings"
	"unicode"
)

// initialisms maps lower-case words to the spelling Go names use for them.
var initialisms = map[string]string{
	"ac":    "AC",
	"apn":   "APN",
	"cs":    "CS",
	"csms":  "CSMS",
	"csr":   "CSR",
	"dc":    "DC",
	"ev":    "EV",
	"evse":  "EVSE",
	"exi":   "EXI",
	"iccid": "ICCID",
	"id":    "ID",
	"ids":   "IDs",
	"imsi":  "IMSI",
	"iso":   "ISO",
	"ocpp":  "OCPP",
	"ocsp":  "OCSP",
	"sim":   "SIM",
	"uri":   "URI",
	"url":   "URL",
	"vpn":   "VPN",
}

// words splits a camelCase or PascalCase name into words: a new word starts at
// a lower-case letter or digit followed by an upper-case letter, at the last
// capital of a run of capitals followed by a lower-case letter ("EVSEType" →
// EVSE, Type), and where letters and digits meet ("Iso15118" → Iso, 15118).
func words(s string) []string {
	r := []rune(s)
	var out []string
	start := 0
	for i := 1; i < len(r); i++ {
		prev, cur := r[i-1], r[i]
		split := false
		switch {
		case unicode.IsUpper(cur) && (unicode.IsLower(prev) || unicode.IsDigit(prev)):
			split = true
		case unicode.IsUpper(cur) && unicode.IsUpper(prev) && i+1 < len(r) && unicode.IsLower(r[i+1]):
			split = true
		case unicode.IsDigit(cur) != unicode.IsDigit(prev):
			split = true
		}
		if split {
			out = append(out, string(r[start:i]))
			start = i
		}
	}
	return append(out, string(r[start:]))
}

// goName turns a schema name (a JSON property or a type name) into an exported
// Go identifier: every word starts with a capital and the words of initialisms
// are written in capitals ("evseId" → EVSEID, "IdTokenType" → IDTokenType).
func goName(s string) string {
	var b strings.Builder
	for _, w := range words(s) {
		if up, ok := initialisms[strings.ToLower(w)]; ok {
			b.WriteString(up)
			continue
		}
		r := []rune(w)
		r[0] = unicode.ToUpper(r[0])
		b.WriteString(string(r))
	}
	return b.String()
}

// baseTypeName applies the type-name rule to the name of a schema type:
// a trailing "Type" is dropped ("IdTokenType" → IdToken,
// "ChargingProfileKindType" → ChargingProfileKind). It reports whether the
// result still ends in "Enum", in which case the caller drops that too unless
// this would clash with another type (see resolveNames).
func baseTypeName(spec string) (base string, enum bool) {
	base = strings.TrimSuffix(spec, "Type")
	if base == "" {
		base = spec
	}
	return base, strings.HasSuffix(base, "Enum") && base != "Enum"
}

// constName returns the identifier part derived from an enumeration value:
// the value split at every character that is not a letter or digit, each part
// starting with a capital ("Interruption.Begin" → InterruptionBegin,
// "L1-N" → L1N, "kWh" → KWh).
func constName(value string) string {
	var b strings.Builder
	upper := true
	for _, c := range value {
		if !unicode.IsLetter(c) && !unicode.IsDigit(c) {
			upper = true
			continue
		}
		if upper {
			c = unicode.ToUpper(c)
			upper = false
		}
		b.WriteRune(c)
	}
	return b.String()
}
