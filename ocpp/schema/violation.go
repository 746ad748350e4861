package schema

import (
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// violation picks one leaf of the error tree of the library and turns it
// into a Violation. The library walks object properties in map order, so
// the leaves are ranked to make the choice deterministic: by Kind
// (Occurrence before Type before Property), then by path, then by message.
func violation(ve *jsonschema.ValidationError) *Violation {
	var best *Violation
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		v := leaf(e)
		if best == nil || less(v, best) {
			best = v
		}
	}
	walk(ve)
	if best == nil { // cannot happen: a failed validation has a leaf
		return &Violation{Kind: Property, Message: "payload: invalid"}
	}
	return best
}

func less(a, b *Violation) bool {
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	if a.Path != b.Path {
		return a.Path < b.Path
	}
	return a.Message < b.Message
}

// leaf maps one error of the library to a Violation.
func leaf(e *jsonschema.ValidationError) *Violation {
	loc := e.InstanceLocation
	v := &Violation{Kind: Property}
	var what string
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		v.Kind, what = Occurrence, "required"
		loc = child(loc, k.Missing[0])
	case *kind.Dependency:
		v.Kind, what = Occurrence, "required with "+k.Prop
		loc = child(loc, k.Missing[0])
	case *kind.DependentRequired:
		v.Kind, what = Occurrence, "required with "+k.Prop
		loc = child(loc, k.Missing[0])
	case *kind.AdditionalProperties:
		v.Kind, what = Occurrence, "not allowed"
		loc = child(loc, slices.Min(k.Properties))
	case *kind.MinItems:
		v.Kind, what = Occurrence, fmt.Sprintf("fewer than %d items", k.Want)
	case *kind.MaxItems:
		v.Kind, what = Occurrence, fmt.Sprintf("more than %d items", k.Want)
	case *kind.Type:
		v.Kind, what = Type, fmt.Sprintf("want %s, got %s", strings.Join(k.Want, " or "), k.Got)
	case *kind.InvalidJsonValue:
		v.Kind, what = Format, "not a JSON value"
	case *kind.Enum:
		what = "not an allowed value"
		if s, ok := k.Got.(string); ok && utf8.RuneCountInString(s) <= 40 {
			what = strconv.Quote(s) + " is " + what
		}
	case *kind.Const:
		what = "not the allowed value"
	case *kind.MaxLength:
		what = fmt.Sprintf("longer than %d characters", k.Want)
	case *kind.MinLength:
		what = fmt.Sprintf("shorter than %d characters", k.Want)
	case *kind.Pattern:
		what = "does not match " + k.Want
	case *kind.Format:
		what = "not a valid " + k.Want
	case *kind.Minimum:
		what = "less than " + rat(k.Want)
	case *kind.Maximum:
		what = "greater than " + rat(k.Want)
	case *kind.ExclusiveMinimum:
		what = "not greater than " + rat(k.Want)
	case *kind.ExclusiveMaximum:
		what = "not less than " + rat(k.Want)
	case *kind.MultipleOf:
		what = "not a multiple of " + rat(k.Want)
	case *kind.FalseSchema:
		what = "not allowed"
	default:
		what = "violates " + strings.Join(e.ErrorKind.KeywordPath(), "/")
	}
	v.Path = pointer(loc)
	v.Message = name(loc) + ": " + what
	return v
}

func child(loc []string, prop string) []string {
	return append(slices.Clip(loc), prop)
}

func rat(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// pointer returns the JSON pointer of an instance location.
func pointer(loc []string) string {
	var b strings.Builder
	for _, tok := range loc {
		b.WriteByte('/')
		tok = strings.ReplaceAll(tok, "~", "~0")
		b.WriteString(strings.ReplaceAll(tok, "/", "~1"))
	}
	return b.String()
}

// name returns a readable name for an instance location:
// "meterValue[0].sampledValue[2].unit", or "payload" for the root.
func name(loc []string) string {
	if len(loc) == 0 {
		return "payload"
	}
	var b strings.Builder
	for i, tok := range loc {
		if _, err := strconv.Atoi(tok); err == nil && i > 0 {
			b.WriteString("[" + tok + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}
