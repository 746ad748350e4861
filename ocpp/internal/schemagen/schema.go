package main

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// node is the part of a JSON schema that shapes a Go type. Validation-only
// keywords (maxLength aside, which is kept for field comments) are ignored:
// ocpp/schema validates payloads against the files themselves.
type node struct {
	Ref                  string           `json:"$ref"`
	Type                 string           `json:"type"`
	Format               string           `json:"format"`
	Enum                 []string         `json:"enum"`
	Properties           []property       `json:"-"`
	Required             []string         `json:"required"`
	Items                *node            `json:"items"`
	Definitions          map[string]*node `json:"definitions"`
	AdditionalProperties *bool            `json:"additionalProperties"`
	MaxLength            *float64         `json:"maxLength"`
}

// property is one entry of "properties", kept in file order so that struct
// fields follow the order of the schema.
type property struct {
	Name string
	Node *node
}

// UnmarshalJSON decodes a schema node, keeping the order of its properties.
func (n *node) UnmarshalJSON(b []byte) error {
	type plain node
	var aux struct {
		plain
		Properties json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*n = node(aux.plain)
	if len(aux.Properties) == 0 {
		return nil
	}
	props, err := orderedProperties(aux.Properties)
	if err != nil {
		return fmt.Errorf("properties: %w", err)
	}
	n.Properties = props
	return nil
}

func orderedProperties(b []byte) ([]property, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("want an object, got %v (%v)", tok, err)
	}
	var props []property
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := tok.(string)
		var p node
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		props = append(props, property{Name: name, Node: &p})
	}
	return props, nil
}

// isRequired reports whether the object node n requires property name.
func (n *node) isRequired(name string) bool {
	for _, r := range n.Required {
		if r == name {
			return true
		}
	}
	return false
}

// isObject reports whether n describes a JSON object.
func (n *node) isObject() bool { return n.Type == "object" || n.Properties != nil }

// isEnum reports whether n describes a string enumeration.
func (n *node) isEnum() bool { return len(n.Enum) > 0 }
