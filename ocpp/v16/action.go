package v16

import (
	"embed"
	"maps"
	"slices"
)

// Version is the OCPP version of this package.
const Version = "1.6"

// Subprotocol is the WebSocket subprotocol that selects this version.
const Subprotocol = "ocpp1.6"

// Schemas holds the official JSON schemas, one file per request
// (schemas/<Action>.json) and response (schemas/<Action>Response.json), as
// named by Action.RequestSchema and Action.ResponseSchema.
//
//go:embed schemas/*.json
var Schemas embed.FS

// Action describes one OCPP action: its payload types, its schemas and who
// may initiate it.
//
// The direction comes from the specification: section 4 of OCPP 1.6 lists
// the operations the charge point initiates, section 5 those the central
// system initiates, and the security whitepaper's use cases say the same of
// its messages. DataTransfer is the one action both sides initiate.
type Action struct {
	Name string // the action as written in a CALL, e.g. "BootNotification"

	// Request and Response return a pointer to a new, zero payload struct
	// (e.g. *BootNotificationRequest), ready for json.Unmarshal.
	Request, Response func() any

	// RequestSchema and ResponseSchema are the paths of the schemas in Schemas.
	RequestSchema, ResponseSchema string

	FromStation bool // the charge point sends the request
	FromCSMS    bool // the central system sends the request
}

// ActionNames returns the names of all actions in Actions, sorted.
func ActionNames() []string { return slices.Sorted(maps.Keys(Actions)) }
