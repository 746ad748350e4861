// Package schema validates OCPP payloads against the official JSON schemas of
// OCPP 1.6 (with the security extension) and 2.0.1, embedded in ocpp/v16 and
// ocpp/v201.
//
// New compiles every schema of both versions once (about 40 ms); Validate
// then checks one payload and reports the first problem as a *Violation whose
// Kind tells which OCPP-J CALLERROR fits it. Validate decodes with its own
// JSON decoder and answers valid payloads with a fast check over the
// compiled schemas (see fastNode); the library itself decides every payload
// that check does not accept, and describes its violation.
//
// Schemas are compiled with github.com/santhosh-tekuri/jsonschema/v6 under
// draft-06: the 2.0.1 files and the 1.6 security-extension files declare it,
// and the 1.6 core files declare no draft at all. Format keywords are
// asserted (draft-06 treats them as assertions), which matters for
// "date-time" in both versions and "uri" in 1.6 GetDiagnostics and
// UpdateFirmware. The files are used exactly as published; their quirks are
// handled here:
//
//   - The 2.0.1 and 1.6 security-extension files carry "urn:OCPP:..." $ids,
//     the 1.6 core files none. Each file is added under a URL of its own
//     (under ladda.invalid, which never resolves; no loader is set), so its
//     "#/definitions/..." references resolve inside it whatever its $id,
//     and nothing is ever fetched.
//   - The 1.6 core files forbid additional properties only at the top level;
//     nested objects (idTagInfo, meterValue, sampledValue...) accept unknown
//     properties. That is what the files say, and it is kept.
//   - The 1.6 files type a few integers as "number" (BootNotification
//     interval, UpdateFirmware retries and retryInterval); they validate as
//     numbers here, while ocpp/v16 types them int as the specification does.
//   - Numbers are decoded exactly (json.Number), so "multipleOf": 0.1 on 1.6
//     charging-schedule limits accepts 7.3 and rejects 7.36, as the
//     specification intends ("at most one digit fraction").
package schema

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"

	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Kind classifies a Violation like the OCPP-J CALLERROR codes do.
type Kind int

const (
	// Format: the payload is not JSON, or not a JSON object
	// (FormationViolation in 1.6, FormatViolation in 2.0.1).
	Format Kind = iota + 1
	// Occurrence: a required property is missing, a property is not allowed,
	// or an array has too few or too many items
	// (OccurenceConstraintViolation in 1.6, OccurrenceConstraintViolation in
	// 2.0.1).
	Occurrence
	// Type: a value has the wrong JSON type (TypeConstraintViolation).
	Type
	// Property: a value of the right type breaks a constraint: enumeration,
	// maxLength, minimum, maximum, multipleOf, a format such as date-time
	// (PropertyConstraintViolation).
	Property
	// UnknownAction: the version or the action is not known (NotImplemented).
	UnknownAction
)

var kindNames = [...]string{
	Format:        "Format",
	Occurrence:    "Occurrence",
	Type:          "Type",
	Property:      "Property",
	UnknownAction: "UnknownAction",
}

// String returns the name of k, such as "Occurrence".
func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Violation is the first problem found in a payload.
type Violation struct {
	Kind Kind
	// Path is the JSON pointer (RFC 6901) of the offending value, e.g.
	// "/meterValue/0/timestamp"; for a missing or unexpected property, the
	// pointer it has or would have. Empty for the payload as a whole.
	Path string
	// Message is short and human, e.g. "connectorId: required" or
	// "meterValue[0].timestamp: not a valid date-time".
	Message string
}

// Error returns v.Message.
func (v *Violation) Error() string { return v.Message }

// Validator checks payloads against the compiled schemas. It is safe for
// concurrent use.
type Validator struct {
	versions map[string]map[string]*pair // version → action → schemas
}

// pair holds the compiled request and response schema of one action.
type pair struct {
	request, response         *jsonschema.Schema
	fastRequest, fastResponse *fastNode
}

// action names the schema files of one action inside its version's FS.
type action struct{ name, request, response string }

// New compiles the schemas of every action of OCPP 1.6 and 2.0.1.
func New() (*Validator, error) {
	v := &Validator{versions: map[string]map[string]*pair{}}
	var a16, a201 []action
	for name, a := range v16.Actions {
		a16 = append(a16, action{name, a.RequestSchema, a.ResponseSchema})
	}
	for name, a := range v201.Actions {
		a201 = append(a201, action{name, a.RequestSchema, a.ResponseSchema})
	}
	for _, ver := range []struct {
		name    string
		fsys    fs.FS
		actions []action
	}{
		{v16.Version, v16.Schemas, a16},
		{v201.Version, v201.Schemas, a201},
	} {
		compiled, err := compile(ver.name, ver.fsys, ver.actions)
		if err != nil {
			return nil, fmt.Errorf("schema: OCPP %s: %w", ver.name, err)
		}
		v.versions[ver.name] = compiled
	}
	return v, nil
}

// compile compiles the schemas of one version.
func compile(version string, fsys fs.FS, actions []action) (map[string]*pair, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft6)
	c.AssertFormat()
	c.UseLoader(noLoader{})
	base := "https://ladda.invalid/ocpp/" + version + "/"
	load := func(file string) (*jsonschema.Schema, error) {
		b, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if err := c.AddResource(base+file, doc); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		s, err := c.Compile(base + file)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		return s, nil
	}
	out := make(map[string]*pair, len(actions))
	memo := map[*jsonschema.Schema]*fastNode{}
	for _, a := range actions {
		req, err := load(a.request)
		if err != nil {
			return nil, err
		}
		resp, err := load(a.response)
		if err != nil {
			return nil, err
		}
		out[a.name] = &pair{req, resp, fastCompile(req, memo), fastCompile(resp, memo)}
	}
	return out, nil
}

// noLoader refuses to load any URL: every schema is added up front, so a
// reference that needs loading is a defect, never a network access.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("schema: refusing to load %s", url)
}

// Has reports whether version ("1.6" or "2.0.1") has action.
func (v *Validator) Has(version, action string) bool {
	_, ok := v.versions[version][action]
	return ok
}

// Validate checks payload, the request (response false) or response of
// action in version ("1.6" or "2.0.1"). It returns nil or a *Violation: of
// Kind UnknownAction for an unknown version or action, Format for a payload
// that is not a JSON object, otherwise the first schema violation (see
// Kind).
func (v *Validator) Validate(version, action string, response bool, payload []byte) error {
	p, ok := v.versions[version][action]
	if !ok {
		return unknown(version, action, v.versions[version] != nil)
	}
	s, fast := p.request, p.fastRequest
	if response {
		s, fast = p.response, p.fastResponse
	}
	doc, err := decode(payload)
	if err != nil {
		return &Violation{Kind: Format, Message: "payload: invalid JSON: " + err.Error()}
	}
	if _, ok := doc.(map[string]any); !ok {
		return &Violation{Kind: Format, Message: "payload: not a JSON object"}
	}
	if fast.valid(doc) {
		return nil
	}
	err = s.Validate(doc)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return &Violation{Kind: Property, Message: "payload: " + err.Error()}
	}
	return violation(ve)
}

func unknown(version, action string, knownVersion bool) *Violation {
	if !knownVersion {
		return &Violation{Kind: UnknownAction, Message: fmt.Sprintf("unknown OCPP version %q", version)}
	}
	return &Violation{Kind: UnknownAction, Message: fmt.Sprintf("unknown action %q in OCPP %s", action, version)}
}
