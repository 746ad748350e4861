package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// TestGeneratedUpToDate regenerates both packages from their schemas and
// compares with the files in the tree: run `go generate ./ocpp/...` after
// changing schemagen or the schemas.
func TestGeneratedUpToDate(t *testing.T) {
	t.Parallel()
	for ver, dir := range map[string]string{"1.6": "../../v16", "2.0.1": "../../v201"} {
		t.Run(ver, func(t *testing.T) {
			t.Parallel()
			files, err := generate(ver, os.DirFS(filepath.Join(dir, "schemas")))
			if err != nil {
				t.Fatal(err)
			}
			out := t.TempDir()
			for name, src := range files {
				fresh := filepath.Join(out, name)
				if err := os.WriteFile(fresh, src, 0o644); err != nil {
					t.Fatal(err)
				}
				want, err := os.ReadFile(fresh)
				if err != nil {
					t.Fatal(err)
				}
				have, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(have, want) {
					t.Errorf("%s/%s is stale: run go generate ./ocpp/...", dir, name)
				}
			}
		})
	}
}

func TestGoName(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"idTag":                        "IDTag",
		"evseId":                       "EVSEID",
		"connectorId":                  "ConnectorID",
		"IdTokenType":                  "IDTokenType",
		"EVSEType":                     "EVSEType",
		"ocppCsmsUrl":                  "OCPPCSMSURL",
		"responderURL":                 "ResponderURL",
		"iso15118SchemaVersion":        "ISO15118SchemaVersion",
		"Get15118EVCertificate":        "Get15118EVCertificate",
		"GetInstalledCertificateIds":   "GetInstalledCertificateIDs",
		"numEPriceLevels":              "NumEPriceLevels",
		"fullSoC":                      "FullSoC",
		"iccid":                        "ICCID",
		"apnUserName":                  "APNUserName",
		"csChargingProfiles":           "CSChargingProfiles",
		"ACChargingParametersType":     "ACChargingParametersType",
		"chargeBoxSerialNumber":        "ChargeBoxSerialNumber",
		"language1":                    "Language1",
		"type":                         "Type",
		"OCSPRequestDataType":          "OCSPRequestDataType",
		"additionalIdToken":            "AdditionalIDToken",
		"evMaxCurrent":                 "EVMaxCurrent",
		"StatusNotificationRequest":    "StatusNotificationRequest",
		"MeterValuesRequestMeterValue": "MeterValuesRequestMeterValue",
	}
	for in, want := range tests {
		if got := goName(in); got != want {
			t.Errorf("goName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBaseTypeName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, base string
		enum     bool
	}{
		{"IdTokenType", "IdToken", false},
		{"IdTokenEnumType", "IdTokenEnum", true},
		{"ChargingProfileKindType", "ChargingProfileKind", false},
		{"ChargePointStatus", "ChargePointStatus", false},
		{"Type", "Type", false},
		{"EnumType", "Enum", false},
	}
	for _, tt := range tests {
		base, enum := baseTypeName(tt.in)
		if base != tt.base || enum != tt.enum {
			t.Errorf("baseTypeName(%q) = %q, %t; want %q, %t", tt.in, base, enum, tt.base, tt.enum)
		}
	}
}

func TestConstName(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"Interruption.Begin":            "InterruptionBegin",
		"L1-N":                          "L1N",
		"kWh":                           "KWh",
		"SoC":                           "SoC",
		"cCCS1":                         "CCCS1",
		"s309-1P-16A":                   "S3091P16A",
		"Energy.Active.Import.Register": "EnergyActiveImportRegister",
		"eMAID":                         "EMAID",
	}
	for in, want := range tests {
		if got := constName(in); got != want {
			t.Errorf("constName(%q) = %q, want %q", in, got, want)
		}
	}
}

// testVersion is a version for synthetic schema sets: action Ping, a
// request Ping.json and a response PingResponse.json.
func testVersion(inline map[string]string) *version {
	v := *v16
	v.Package = "test"
	v.Inline = inline
	v.Scalar = nil
	v.Directions = map[string]direction{"Ping": fromStation}
	return &v
}

func mapFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(body)}
	}
	return fsys
}

// TestNames checks the type-name rule on a synthetic schema: "Type" and
// "Enum" suffixes, the Enum kept on a clash, merging of equal types and
// inline names.
func TestNames(t *testing.T) {
	t.Parallel()
	fsys := mapFS(map[string]string{
		"Ping.json": `{"type": "object", "additionalProperties": false,
			"definitions": {
				"TokenEnumType": {"type": "string", "enum": ["A", "B"]},
				"TokenType": {"type": "object", "properties": {"type": {"$ref": "#/definitions/TokenEnumType"}}},
				"ColorEnumType": {"type": "string", "enum": ["Red"]}
			},
			"properties": {
				"token": {"$ref": "#/definitions/TokenType"},
				"color": {"$ref": "#/definitions/ColorEnumType"},
				"shade": {"type": "string", "enum": ["Dark"]},
				"when": {"type": "string", "format": "date-time"},
				"count": {"type": "integer"},
				"list": {"type": "array", "items": {"type": "object", "properties": {"n": {"type": "number"}}}}
			},
			"required": ["token", "when"]}`,
		"PingResponse.json": `{"type": "object", "additionalProperties": false,
			"definitions": {"ColorEnumType": {"type": "string", "enum": ["Red"]}},
			"properties": {"color": {"$ref": "#/definitions/ColorEnumType"}}, "required": ["color"]}`,
	})
	m, err := load(testVersion(map[string]string{"PingRequest.shade": "ShadeKind"}), fsys)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range m.order {
		names = append(names, n.Name)
	}
	want := []string{"TokenEnum", "Token", "Color", "ShadeKind", "PingRequestList"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("type names = %v, want %v", names, want)
	}
	files, err := generate2(m)
	if err != nil {
		t.Fatal(err)
	}
	src := string(files["messages.gen.go"])
	for _, frag := range []string{
		"Token Token `json:\"token\"`",
		"Color Color `json:\"color,omitempty\"`",
		"When time.Time `json:\"when\"`",
		"Count *int `json:\"count,omitempty\"`",
		"List []PingRequestList `json:\"list,omitempty\"`",
		"N *float64 `json:\"n,omitempty\"`",
		"TokenEnumA TokenEnum = \"A\"",
		"Color Color `json:\"color\"`",
	} {
		if !strings.Contains(strings.Join(strings.Fields(src), " "), frag) {
			t.Errorf("generated code lacks %s", frag)
		}
	}
}

// generate2 renders both files of a loaded model.
func generate2(m *model) (map[string][]byte, error) {
	msgs, err := messagesFile(m)
	if err != nil {
		return nil, err
	}
	acts, err := actionsFile(m)
	if err != nil {
		return nil, err
	}
	return map[string][]byte{"messages.gen.go": msgs, "actions.gen.go": acts}, nil
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	ping := `{"type": "object", "properties": {}}`
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"missing response", map[string]string{"Ping.json": ping}, "PingResponse.json is missing"},
		{"unknown action", map[string]string{"Ping.json": ping, "PingResponse.json": ping, "Pong.json": ping}, "Pong has no direction"},
		{"bad ref", map[string]string{"Ping.json": `{"type": "object", "properties": {"a": {"$ref": "#/definitions/Nope"}}}`, "PingResponse.json": ping}, "unresolvable $ref"},
		{"undefined required", map[string]string{"Ping.json": `{"type": "object", "properties": {}, "required": ["a"]}`, "PingResponse.json": ping}, `required property "a"`},
		{"name clash", map[string]string{
			"Ping.json":         `{"type": "object", "properties": {"a": {"type": "string", "enum": ["X"]}}}`,
			"PingResponse.json": `{"type": "object", "properties": {"a": {"type": "string", "enum": ["Y"]}}}`,
		}, "type name Same"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := testVersion(map[string]string{"PingRequest.a": "Same", "PingResponse.a": "Same"})
			_, err := load(v, mapFS(tt.files))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("load() error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
