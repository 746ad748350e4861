package schema

// FastValid reports whether the fast path alone accepts payload.
func (v *Validator) FastValid(version, action string, response bool, payload []byte) bool {
	p := v.versions[version][action]
	doc, err := decode(payload)
	if err != nil {
		return false
	}
	if response {
		return p.fastResponse.valid(doc)
	}
	return p.fastRequest.valid(doc)
}

// LibraryValid reports whether the library alone accepts payload.
func (v *Validator) LibraryValid(version, action string, response bool, payload []byte) bool {
	p := v.versions[version][action]
	doc, err := decode(payload)
	if err != nil {
		return false
	}
	s := p.request
	if response {
		s = p.response
	}
	return s.Validate(doc) == nil
}

// Unsupported returns the locations of the schemas the fast path cannot
// decide.
func (v *Validator) Unsupported() []string {
	var out []string
	seen := map[*fastNode]bool{}
	var walk func(n *fastNode, where string)
	walk = func(n *fastNode, where string) {
		if n == nil || seen[n] {
			return
		}
		seen[n] = true
		if !n.supported {
			out = append(out, where)
		}
		walk(n.ref, where+"/$ref")
		walk(n.items, where+"/items")
		for name, p := range n.props {
			walk(p, where+"/"+name)
		}
	}
	for ver, actions := range v.versions {
		for name, p := range actions {
			walk(p.fastRequest, ver+" "+name+" request")
			walk(p.fastResponse, ver+" "+name+" response")
		}
	}
	return out
}
