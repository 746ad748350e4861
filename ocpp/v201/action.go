package v201

import (
	"embed"
	"maps"
	"slices"
)

// Version is the OCPP version of this package.
const Version = "2.0.1"

// Subprotocol is the WebSocket subprotocol that selects this version.
const Subprotocol = "ocpp2.0.1"

// Schemas holds the official JSON schemas, one file per request
// (schemas/<Action>Request.json) and response
// (schemas/<Action>Response.json), as named by Action.RequestSchema and
// Action.ResponseSchema.
//
//go:embed schemas/*.json
var Schemas embed.FS

// Action describes one OCPP action: its payload types, its schemas and who
// may initiate it.
//
// The direction comes from the message lists of OCPP 2.0.1 part 2 (each
// functional block names the messages a charging station sends to the CSMS
// and those the CSMS sends to it). DataTransfer is the one action both sides
// initiate.
type Action struct {
	Name string // the action as written in a CALL, e.g. "BootNotification"

	// Request and Response return a pointer to a new, zero payload struct
	// (e.g. *BootNotificationRequest), ready for json.Unmarshal.
	Request, Response func() any

	// RequestSchema and ResponseSchema are the paths of the schemas in Schemas.
	RequestSchema, ResponseSchema string

	FromStation bool // the charging station sends the request
	FromCSMS    bool // the CSMS sends the request
}

// ActionNames returns the names of all actions in Actions, sorted.
func ActionNames() []string { return slices.Sorted(maps.Keys(Actions)) }
