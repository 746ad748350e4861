package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"
)

// message is one schema file: the request or the response of an action.
type message struct {
	Action   string
	Response bool
	File     string // file name inside the schema directory
	Spec     string // schema-level name: action + "Request" or "Response"
	Name     string // Go type name
	Fields   []fieldRef
	Extra    bool
}

// typeKey identifies a named type: the name the schemas give it and its
// structure. Occurrences with the same key are one Go type.
type typeKey struct{ spec, shape string }

// named is an enumeration or object type that gets its own Go type.
type named struct {
	key    typeKey
	Name   string   // Go name, set by resolveNames
	Spec   string   // name in the schemas (definition or specification name)
	Also   []string // other names of types merged into this one
	Inline bool     // defined inline in a 1.6 schema rather than under definitions
	Path   string   // first property path where it occurs
	Enum   bool
	Values []string   // enumeration values in schema order
	Fields []fieldRef // object properties in schema order
	Extra  bool       // keeps unknown properties (see version.KeepExtra)
}

// ref is the resolved type of a property: a scalar, a named type or an array.
type ref struct {
	Scalar string // "string", "int", "float64", "bool", "time", "raw"
	Named  *named
	Elem   *ref
	shape  string
}

// fieldRef is one property of an object.
type fieldRef struct {
	JSON      string
	Required  bool
	Type      *ref
	MaxLength int // 0 when the schema sets none
}

// model is everything generated for one version.
type model struct {
	v        *version
	messages []*message
	types    map[typeKey]*named
	order    []*named // first-seen order
}

// load reads every schema of fsys and builds the model of version v.
func load(v *version, fsys fs.FS) (*model, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	m := &model{v: v, types: map[typeKey]*named{}}
	seen := map[string]bool{}
	for _, e := range entries {
		action, response, ok := v.ActionOf(e.Name())
		if e.IsDir() || !ok {
			continue
		}
		if _, known := v.Directions[action]; !known {
			return nil, fmt.Errorf("%s: action %s has no direction in schemagen's table", e.Name(), action)
		}
		if e.Name() != v.RequestFile(action) && e.Name() != v.ResponseFile(action) {
			return nil, fmt.Errorf("%s: unexpected file name", e.Name())
		}
		seen[e.Name()] = true
		msg := &message{Action: action, Response: response, File: e.Name()}
		msg.Spec = action + "Request"
		if response {
			msg.Spec = action + "Response"
		}
		msg.Name = goName(msg.Spec)
		m.messages = append(m.messages, msg)
	}
	for action := range v.Directions {
		for _, f := range []string{v.RequestFile(action), v.ResponseFile(action)} {
			if !seen[f] {
				return nil, fmt.Errorf("action %s: schema %s is missing", action, f)
			}
		}
	}
	sort.Slice(m.messages, func(i, j int) bool {
		a, b := m.messages[i], m.messages[j]
		if a.Action != b.Action {
			return a.Action < b.Action
		}
		return !a.Response && b.Response
	})
	for _, msg := range m.messages {
		b, err := fs.ReadFile(fsys, msg.File)
		if err != nil {
			return nil, err
		}
		var doc node
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", msg.File, err)
		}
		if !doc.isObject() {
			return nil, fmt.Errorf("%s: the root is not an object", msg.File)
		}
		fields, _, err := m.object(&doc, &doc, msg.Spec)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", msg.File, err)
		}
		msg.Fields = fields
		msg.Extra = m.v.KeepExtra && !closed(&doc)
	}
	if err := m.resolveNames(); err != nil {
		return nil, err
	}
	return m, nil
}

// closed reports whether an object node forbids additional properties.
func closed(n *node) bool { return n.AdditionalProperties != nil && !*n.AdditionalProperties }

// object resolves the properties of the object node n found at path.
func (m *model) object(n, doc *node, path string) ([]fieldRef, string, error) {
	var fields []fieldRef
	var shape []string
	for _, p := range n.Properties {
		t, err := m.resolve(p.Node, doc, path+"."+p.Name)
		if err != nil {
			return nil, "", err
		}
		f := fieldRef{JSON: p.Name, Required: n.isRequired(p.Name), Type: t}
		if p.Node.MaxLength != nil {
			f.MaxLength = int(*p.Node.MaxLength)
		}
		fields = append(fields, f)
		shape = append(shape, fmt.Sprintf("%s:%t:%s", p.Name, f.Required, t.shape))
	}
	for _, r := range n.Required {
		if !slices.ContainsFunc(fields, func(f fieldRef) bool { return f.JSON == r }) {
			return nil, "", fmt.Errorf("%s: required property %q is not defined", path, r)
		}
	}
	sort.Strings(shape)
	return fields, "{" + strings.Join(shape, ",") + "}", nil
}

// resolve returns the type of the schema node n found at path.
func (m *model) resolve(n, doc *node, path string) (*ref, error) {
	spec, inline := "", false
	if n.Ref != "" {
		name, ok := strings.CutPrefix(n.Ref, "#/definitions/")
		def := doc.Definitions[name]
		if !ok || def == nil {
			return nil, fmt.Errorf("%s: unresolvable $ref %q", path, n.Ref)
		}
		n, spec = def, name
	}
	switch {
	case n.Type == "array":
		if n.Items == nil {
			return nil, fmt.Errorf("%s: array without items", path)
		}
		elem, err := m.resolve(n.Items, doc, path+"[]")
		if err != nil {
			return nil, err
		}
		return &ref{Elem: elem, shape: "[]" + elem.shape}, nil
	case n.isEnum() || n.isObject():
		if spec == "" {
			spec, inline = m.inlineName(path), true
		}
		return m.namedType(n, doc, spec, inline, path)
	}
	if s, ok := m.v.Scalar[path]; ok {
		return &ref{Scalar: s, shape: s}, nil
	}
	var s string
	switch n.Type {
	case "string":
		s = "string"
		if n.Format == "date-time" {
			s = "time"
		}
	case "integer":
		s = "int"
	case "number":
		s = "float64"
	case "boolean":
		s = "bool"
	case "":
		s = "raw" // any JSON value
	default:
		return nil, fmt.Errorf("%s: unsupported type %q", path, n.Type)
	}
	return &ref{Scalar: s, shape: s}, nil
}

// inlineName names a type the schema defines inline at path.
func (m *model) inlineName(path string) string {
	if name, ok := m.v.Inline[path]; ok {
		return name
	}
	var b strings.Builder
	for _, part := range strings.Split(strings.ReplaceAll(path, "[]", ""), ".") {
		b.WriteString(goName(part))
	}
	return b.String()
}

// namedType records the enumeration or object n named spec.
func (m *model) namedType(n, doc *node, spec string, inline bool, path string) (*ref, error) {
	t := &named{Spec: spec, Inline: inline, Path: path, Enum: n.isEnum()}
	var shape string
	if t.Enum {
		if n.Type != "string" {
			return nil, fmt.Errorf("%s: enumeration of type %q", path, n.Type)
		}
		t.Values = n.Enum
		sorted := slices.Sorted(slices.Values(n.Enum))
		shape = "enum(" + strings.Join(sorted, "|") + ")"
	} else {
		fields, s, err := m.object(n, doc, path)
		if err != nil {
			return nil, err
		}
		t.Fields = fields
		t.Extra = m.v.KeepExtra && !closed(n)
		shape = s
		if t.Extra {
			shape += "+extra"
		}
	}
	t.key = typeKey{spec: spec, shape: shape}
	if old, ok := m.types[t.key]; ok {
		t = old
	} else {
		m.types[t.key] = t
		m.order = append(m.order, t)
	}
	return &ref{Named: t, shape: spec + "=" + shape}, nil
}

// resolveNames gives every named type its Go name, following the rule in the
// package documentation, and merges types that end up with the same name and
// structure.
func (m *model) resolveNames() error {
	type cand struct{ long, short string }
	cands := map[*named]cand{}
	for _, t := range m.order {
		base, enum := baseTypeName(t.Spec)
		c := cand{long: goName(base), short: goName(base)}
		if enum {
			c.short = goName(strings.TrimSuffix(base, "Enum"))
		}
		cands[t] = c
	}
	for _, t := range m.order {
		c := cands[t]
		t.Name = c.short
		for _, o := range m.order {
			if o != t && o.key.shape != t.key.shape && cands[o].short == c.short {
				t.Name = c.long
				break
			}
		}
	}
	byName := map[string]*named{}
	var merged []*named
	for _, t := range m.order {
		old, ok := byName[t.Name]
		switch {
		case !ok:
			byName[t.Name] = t
			merged = append(merged, t)
		case old.key.shape != t.key.shape:
			return fmt.Errorf("type name %s: %s (at %s) and %s (at %s) differ", t.Name, old.Spec, old.Path, t.Spec, t.Path)
		default:
			if t.Spec != old.Spec && !slices.Contains(old.Also, t.Spec) {
				old.Also = append(old.Also, t.Spec)
			}
			*t = *old // same Go type: share it
		}
	}
	for _, msg := range m.messages {
		if t, ok := byName[msg.Name]; ok {
			return fmt.Errorf("type name %s: used by message %s and by type %s", msg.Name, msg.File, t.Spec)
		}
	}
	m.order = merged
	return nil
}
