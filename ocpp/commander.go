package ocpp

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/gateway"
	"github.com/ladda-csms/ladda/ocpp/ocppj"
	"github.com/ladda-csms/ladda/ocpp/schema"
)

// Transport carries a CALL to a connected station and brings back its answer. The gateway
// implements it on one node; a cluster routes it to the node that holds the station's socket.
type Transport interface {
	// Call sends action with payload and returns the CALLRESULT payload, an *ocppj.Error for a
	// CALLERROR, or a *ladda.Error (Conflict: not connected; Timeout: no answer in time).
	Call(ctx context.Context, stationID, action string, payload json.RawMessage) (json.RawMessage, error)
	// Peer tells whether a station is connected here, and with which OCPP version.
	Peer(stationID string) (gateway.Peer, bool)
}

var _ Transport = (*gateway.Server)(nil)

// Commander sends CSMS-initiated commands to stations: every remote operation (start, stop,
// reset, configuration, charging profiles, …) goes through Send. It validates the request
// against the schema of the station's OCPP version before it leaves and the answer when it
// comes back, so neither side ever sees a payload the specification does not allow.
type Commander struct {
	transport Transport
	validator *schema.Validator
	log       *slog.Logger
}

// NewCommander returns a Commander over transport.
func NewCommander(transport Transport, validator *schema.Validator, log *slog.Logger) *Commander {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Commander{transport: transport, validator: validator, log: log}
}

// Send sends action to a station and decodes its answer into response (a pointer to the
// version's typed response, or nil to ignore it). request is the typed request of the
// station's version (an *ocpp/v16 or *ocpp/v201 XxxRequest). Errors are *ladda.Error:
// Conflict when the station is not connected or answers with a CALLERROR (the message names
// its code), Invalid when the request does not fit the station's version or schema, Timeout
// when it does not answer in time, Unavailable when its answer breaks the schema.
func (c *Commander) Send(ctx context.Context, stationID ladda.StationID, action string, request, response any) error {
	const op = "ocpp.Send"
	peer, ok := c.transport.Peer(string(stationID))
	if !ok {
		return offline(op, stationID)
	}
	version := versionOf(peer.Subprotocol)
	if !c.validator.Has(version, action) {
		return ladda.Errorf(ladda.Invalid, op, "OCPP %s has no action %s", version, action)
	}
	payload, err := json.Marshal(request)
	if err != nil {
		return ladda.Errorf(ladda.Invalid, op, "encoding %s: %v", action, err)
	}
	if err := c.validator.Validate(version, action, false, payload); err != nil {
		return ladda.Errorf(ladda.Invalid, op, "%s for OCPP %s: %v", action, version, err)
	}
	start := time.Now()
	answer, err := c.transport.Call(ctx, string(stationID), action, payload)
	c.log.Debug("command", "station", stationID, "action", action, "took", time.Since(start), "err", err)
	var ce *ocppj.Error
	switch {
	case errors.As(err, &ce):
		return &ladda.Error{Kind: ladda.Conflict, Op: op, Err: err,
			Message: "station " + string(stationID) + " answered " + action + " with " + string(ce.CodeIn(peer.Dialect)) + ": " + ce.Description}
	case ladda.IsKind(err, ladda.Conflict):
		return offline(op, stationID) // it went away while we asked
	case err != nil:
		return ladda.Wrap(op, err)
	}
	if err := c.validator.Validate(version, action, true, answer); err != nil {
		return &ladda.Error{Kind: ladda.Unavailable, Op: op, Err: err,
			Message: "station " + string(stationID) + " answered " + action + " with a payload its OCPP version does not allow: " + err.Error()}
	}
	if response == nil {
		return nil
	}
	if err := json.Unmarshal(answer, response); err != nil {
		return &ladda.Error{Kind: ladda.Unavailable, Op: op, Err: err, Message: "decoding the answer to " + action + ": " + err.Error()}
	}
	return nil
}
