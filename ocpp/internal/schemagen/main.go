// Command schemagen generates the typed OCPP messages and the action table of
// ocpp/v16 and ocpp/v201 from the official JSON schemas embedded in those
// packages. Each package runs it from its generate.go:
//
//	//go:generate go run ../internal/schemagen -version 1.6
//
// and it writes messages.gen.go (one struct per request and response, plus the
// types they use) and actions.gen.go (the Actions table) into the current
// directory. fetch.sh, beside this file, refetches the schema files.
//
// # Names
//
// Messages are named after their action: BootNotificationRequest,
// BootNotificationResponse. Other types take the name the specification gives
// them: the definition name in the 2.0.1 files and the 1.6 security
// extension, and for the types the 1.6 core files spell out inline, the name
// of section 7 of the 1.6 specification (table Inline in versions.go; a path
// missing there gets message + property path, e.g.
// GetConfigurationResponseConfigurationKey). Go names are formed by:
//
//  1. dropping a trailing "Type" (IdTokenType → IdToken, ChargingProfileKindType
//     → ChargingProfileKind, EVSEType → EVSE);
//  2. dropping a trailing "Enum" too (RegistrationStatusEnumType →
//     RegistrationStatus), unless another type of the version would then
//     have the same name and a different structure; that enumeration keeps
//     "Enum" (2.0.1 IdTokenEnumType → IDTokenEnum beside IdTokenType → IDToken;
//     1.6 FirmwareStatusEnumType → FirmwareStatusEnum beside FirmwareStatus);
//  3. writing initialisms in capitals (Id → ID, Evse → EVSE, Url → URL, see
//     initialisms in names.go); field names follow the same rule
//     (evseId → EVSEID, idTag → IDTag).
//
// Types that end up with the same name and the same structure are one Go type
// (IdTagInfo of Authorize, StartTransaction and StopTransaction); the same
// name with a different structure is an error. Enumeration constants are the
// type name followed by the value with every non-alphanumeric character
// removed and each part capitalised (ReadingContextInterruptionBegin,
// PhaseL1N, UnitOfMeasureKWh).
//
// # Go types
//
// integer → int, number → float64, boolean → bool, string → string, string
// with format date-time → time.Time, a property without a type →
// json.RawMessage. Required properties are plain values. Optional numbers,
// booleans, times and objects are pointers with omitempty, so that absence
// differs from zero; optional strings, enumerations, arrays and raw values are
// plain values with omitempty (empty means absent). Where the 1.6 files say
// "number" but the specification says integer, the property is an int (table
// Scalar in versions.go). 2.0.1 objects that admit additional properties
// (CustomDataType) get an Extra map that keeps them on a round trip.
package main

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

func main() {
	ver := flag.String("version", "", "OCPP version: 1.6 or 2.0.1")
	schemas := flag.String("schemas", "schemas", "directory with the JSON schema files")
	out := flag.String("out", ".", "directory to write the generated files into")
	flag.Parse()
	if err := run(*ver, *schemas, *out); err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
}

func run(ver, schemaDir, outDir string) error {
	files, err := generate(ver, os.DirFS(schemaDir))
	if err != nil {
		return err
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(outDir, name), src, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// generate returns the generated files of version ver, keyed by file name,
// from the schemas in fsys.
func generate(ver string, fsys fs.FS) (map[string][]byte, error) {
	v, ok := versions[ver]
	if !ok {
		return nil, fmt.Errorf("unknown version %q (want 1.6 or 2.0.1)", ver)
	}
	m, err := load(v, fsys)
	if err != nil {
		return nil, fmt.Errorf("OCPP %s: %w", ver, err)
	}
	msgs, err := messagesFile(m)
	if err != nil {
		return nil, fmt.Errorf("OCPP %s: %w", ver, err)
	}
	acts, err := actionsFile(m)
	if err != nil {
		return nil, fmt.Errorf("OCPP %s: %w", ver, err)
	}
	return map[string][]byte{"messages.gen.go": msgs, "actions.gen.go": acts}, nil
}
