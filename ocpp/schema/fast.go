package schema

import (
	"encoding/json"
	"math/big"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// fastNode is a schema compiled by the library, recast for a quick yes/no
// answer on the keywords the OCPP schemas use: type, enum, format, $ref,
// required, properties, additionalProperties false, items, minItems,
// maxItems, minLength, maxLength, minimum, maximum and multipleOf.
//
// The library allocates several objects per value it visits, which made it
// the larger half of Validate's cost. Validate therefore asks valid first and
// calls the library only when valid says no (to find the violation, or to
// settle a case valid does not decide, such as 1.0 for an integer). valid
// never says yes where the library would say no: a node using any other
// keyword is marked unsupported and always says no, and the tests compare
// both on every fixture and on thousands of mutated payloads.
type fastNode struct {
	supported bool
	types     typeSet // 0: any type
	enum      []string
	format    *jsonschema.Format
	ref       *fastNode
	required  []string
	props     map[string]*fastNode
	closed    bool // additionalProperties: false
	items     *fastNode
	minItems  int // -1: none
	maxItems  int
	minLength int
	maxLength int
	minimum   *big.Rat
	maximum   *big.Rat
	multiple  *big.Rat
}

type typeSet uint8

const (
	tNull typeSet = 1 << iota
	tBoolean
	tNumber
	tInteger
	tString
	tArray
	tObject
)

var typeNames = map[string]typeSet{
	"null": tNull, "boolean": tBoolean, "number": tNumber, "integer": tInteger,
	"string": tString, "array": tArray, "object": tObject,
}

// fastCompile recasts s, sharing nodes for shared schemas (and cycles) via
// memo.
func fastCompile(s *jsonschema.Schema, memo map[*jsonschema.Schema]*fastNode) *fastNode {
	if n, ok := memo[s]; ok {
		return n
	}
	n := &fastNode{minItems: -1, maxItems: -1, minLength: -1, maxLength: -1}
	memo[s] = n
	if !fastSupported(s) {
		return n
	}
	if s.Types != nil {
		for _, t := range s.Types.ToStrings() {
			n.types |= typeNames[t]
		}
	}
	if s.Enum != nil {
		for _, v := range s.Enum.Values {
			str, ok := v.(string)
			if !ok {
				return n
			}
			n.enum = append(n.enum, str)
		}
	}
	n.format = s.Format
	if s.Ref != nil {
		n.ref = fastCompile(s.Ref, memo)
	}
	n.required = s.Required
	if len(s.Properties) > 0 {
		n.props = make(map[string]*fastNode, len(s.Properties))
		for name, p := range s.Properties {
			n.props[name] = fastCompile(p, memo)
		}
	}
	switch ap := s.AdditionalProperties.(type) {
	case nil:
	case bool:
		n.closed = !ap
	default:
		return n
	}
	switch items := s.Items.(type) {
	case nil:
	case *jsonschema.Schema:
		n.items = fastCompile(items, memo)
	default:
		return n
	}
	for _, c := range []struct {
		from *int
		to   *int
	}{{s.MinItems, &n.minItems}, {s.MaxItems, &n.maxItems}, {s.MinLength, &n.minLength}, {s.MaxLength, &n.maxLength}} {
		if c.from != nil {
			*c.to = *c.from
		}
	}
	n.minimum, n.maximum, n.multiple = s.Minimum, s.Maximum, s.MultipleOf
	n.supported = true
	return n
}

// fastSupported reports whether s uses only keywords fastNode knows.
func fastSupported(s *jsonschema.Schema) bool {
	return s.DraftVersion < 2019 && s.Bool == nil && s.RecursiveRef == nil && s.DynamicRef == nil &&
		s.Const == nil && s.Not == nil && s.AllOf == nil && s.AnyOf == nil && s.OneOf == nil &&
		s.If == nil && s.Then == nil && s.Else == nil &&
		s.MaxProperties == nil && s.MinProperties == nil && s.PropertyNames == nil &&
		len(s.PatternProperties) == 0 && len(s.Dependencies) == 0 && len(s.DependentRequired) == 0 &&
		len(s.DependentSchemas) == 0 && s.UnevaluatedProperties == nil &&
		!s.UniqueItems && s.Contains == nil && s.MinContains == nil && s.MaxContains == nil &&
		s.AdditionalItems == nil && s.PrefixItems == nil && s.Items2020 == nil && s.UnevaluatedItems == nil &&
		s.Pattern == nil && s.ContentEncoding == nil && s.ContentMediaType == nil && s.ContentSchema == nil &&
		s.ExclusiveMaximum == nil && s.ExclusiveMinimum == nil && len(s.Extensions) == 0
}

// valid reports whether v certainly satisfies n. False means "invalid or
// undecided": ask the library.
func (n *fastNode) valid(v any) bool {
	if !n.supported || n.types != 0 && !n.typeOK(v) {
		return false
	}
	if n.enum != nil {
		s, ok := v.(string)
		if !ok || !slices.Contains(n.enum, s) {
			return false
		}
	}
	if n.format != nil && n.format.Validate(v) != nil {
		return false
	}
	if n.ref != nil { // before 2019-09, $ref makes the other keywords moot
		return n.ref.valid(v)
	}
	switch v := v.(type) {
	case map[string]any:
		for _, r := range n.required {
			if _, ok := v[r]; !ok {
				return false
			}
		}
		for k, e := range v {
			p, ok := n.props[k]
			if !ok {
				if n.closed {
					return false
				}
				continue
			}
			if !p.valid(e) {
				return false
			}
		}
	case []any:
		if n.minItems >= 0 && len(v) < n.minItems || n.maxItems >= 0 && len(v) > n.maxItems {
			return false
		}
		if n.items != nil {
			for _, e := range v {
				if !n.items.valid(e) {
					return false
				}
			}
		}
	case string:
		if n.minLength >= 0 || n.maxLength >= 0 {
			l := utf8.RuneCountInString(v)
			if n.minLength >= 0 && l < n.minLength || n.maxLength >= 0 && l > n.maxLength {
				return false
			}
		}
	case json.Number:
		if n.minimum != nil || n.maximum != nil || n.multiple != nil {
			r, ok := new(big.Rat).SetString(string(v))
			if !ok ||
				n.minimum != nil && r.Cmp(n.minimum) < 0 ||
				n.maximum != nil && r.Cmp(n.maximum) > 0 ||
				n.multiple != nil && !new(big.Rat).Quo(r, n.multiple).IsInt() {
				return false
			}
		}
	default: // nil, bool
	}
	return true
}

// typeOK checks the type keyword. An integer type accepts only numbers
// written without fraction or exponent; others (1.0, 1e2) are left to the
// library.
func (n *fastNode) typeOK(v any) bool {
	var t typeSet
	switch v := v.(type) {
	case nil:
		t = tNull
	case bool:
		t = tBoolean
	case string:
		t = tString
	case map[string]any:
		t = tObject
	case []any:
		t = tArray
	case json.Number:
		if n.types&tNumber != 0 {
			return true
		}
		if strings.ContainsAny(string(v), ".eE") {
			return false
		}
		t = tInteger
	default:
		return false
	}
	return n.types&t != 0
}
