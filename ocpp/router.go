// Package ocpp maps OCPP 1.6 and 2.0.1 messages onto Ladda's version-neutral domain. routes.go
// lists every action of both versions and what Ladda does with it; each handled action has a
// file of its own with its test beside it. The Router validates every payload, inbound and
// outbound, against the official JSON schema of its action and version, and turns domain
// errors into the version's CALLERROR codes. It sits between the gateway (sockets, frames)
// and the domain services (station, charging).
package ocpp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/gateway"
	"github.com/ladda-csms/ladda/ocpp/ocppj"
	"github.com/ladda-csms/ladda/ocpp/schema"
	"github.com/ladda-csms/ladda/pki"
	"github.com/ladda-csms/ladda/smartcharging"
	"github.com/ladda-csms/ladda/station"
)

// The OCPP versions Ladda speaks, as the schema package names them.
const (
	V16  = "1.6"
	V201 = "2.0.1"
)

// versionOf maps a WebSocket subprotocol to an OCPP version.
func versionOf(subprotocol string) string {
	if subprotocol == "ocpp1.6" {
		return V16
	}
	return V201
}

// RouterConfig holds what a Router needs.
type RouterConfig struct {
	Stations  *station.Service
	Charging  *charging.Service
	Validator *schema.Validator
	Logger    *slog.Logger
	Clock     ladda.Clock
	// Firmware learns of stations' firmware status notifications (campaign progress); nil:
	// they are only kept as reports.
	Firmware FirmwareProgress
	// PKI signs stations' certificates and checks Plug & Charge certificates; nil: stations'
	// certificate requests are refused and contract certificates count as unavailable.
	PKI PKI
	// SmartCharging takes the needs and schedules vehicles report (2.0.1
	// NotifyEVChargingNeeds, NotifyEVChargingSchedule); nil: they are answered Rejected.
	SmartCharging VehicleNeeds
}

// VehicleNeeds is what the router needs of smartcharging.Service.
type VehicleNeeds interface {
	EVChargingNeeds(ctx context.Context, id ladda.StationID, evseID int, n smartcharging.Needs) (string, error)
	EVChargingSchedule(ctx context.Context, id ladda.StationID, evseID int, start time.Time, sched station.ChargingSchedule) (string, error)
}

// PKI is what the router needs of pki.Service.
type PKI interface {
	Requested(ctx context.Context, id ladda.StationID, kind, csrPEM string) (accepted bool, reason string, err error)
	CertificateStatus(ctx context.Context, id ladda.StationID, r pki.OCSPRequest) (result string, ok bool)
	EVCertificate(ctx context.Context, id ladda.StationID, schemaVersion, action, exiRequest string) (exiResponse string, ok bool)
	CheckContract(ctx context.Context, id ladda.StationID, emaid, chainPEM string, hashes []pki.OCSPRequest) (string, error)
}

// FirmwareProgress is told of every firmware status a station reports, after it is stored as
// a report and before it is answered: firmware.Service.
type FirmwareProgress interface {
	StatusReported(ctx context.Context, id ladda.StationID, requestID *int, status string) error
}

// Router answers the CALLs of connected stations and authenticates them before they connect.
// It implements gateway.Authenticator and gateway.Dispatcher.
type Router struct {
	stations  *station.Service
	charging  *charging.Service
	firmware  FirmwareProgress
	pki       PKI
	smart     VehicleNeeds
	validator *schema.Validator
	log       *slog.Logger
	clock     ladda.Clock
	routes    map[string]map[string]handler // version → action → handler

	// registrations caches each station's registration as read when it authenticated, so
	// that per-message checks cost no database read. An operator's change of registration
	// disconnects the station (station.Service.Update), which refreshes the entry.
	registrations sync.Map // ladda.StationID → station.Registration
}

var (
	_ gateway.Authenticator = (*Router)(nil)
	_ gateway.Dispatcher    = (*Router)(nil)
)

// NewRouter returns a Router over the domain services.
func NewRouter(cfg RouterConfig) *Router {
	r := &Router{stations: cfg.Stations, charging: cfg.Charging, firmware: cfg.Firmware, pki: cfg.PKI, smart: cfg.SmartCharging, validator: cfg.Validator, log: cfg.Logger, clock: cfg.Clock}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.clock == nil {
		r.clock = ladda.SystemClock{}
	}
	r.routes = map[string]map[string]handler{V16: routes16(), V201: routes201()}
	return r
}

// AuthenticateStation implements gateway.Authenticator.
func (r *Router) AuthenticateStation(ctx context.Context, c gateway.Credentials) error {
	id := ladda.StationID(c.StationID)
	if err := r.stations.Authenticate(ctx, id, c.Password, c.HasPassword, c.ClientCert != nil); err != nil {
		return err
	}
	reg, err := r.stations.Registration(ctx, id)
	if err != nil {
		return err
	}
	r.registrations.Store(id, reg)
	return nil
}

// Connected implements gateway.Dispatcher.
func (r *Router) Connected(ctx context.Context, p gateway.Peer) {
	if err := r.stations.Connected(ctx, ladda.StationID(p.StationID), versionOf(p.Subprotocol)); err != nil {
		r.log.Error("recording connection", "station", p.StationID, "err", err)
	}
}

// Disconnected implements gateway.Dispatcher.
func (r *Router) Disconnected(p gateway.Peer) {
	if err := r.stations.Disconnected(context.Background(), ladda.StationID(p.StationID)); err != nil {
		r.log.Error("recording disconnection", "station", p.StationID, "err", err)
	}
}

// call is one CALL from a station, as handlers see it.
type call struct {
	station ladda.StationID
	version string
	action  string
	payload json.RawMessage // as the station sent it
}

// handler answers one action: it decodes the request, does the work and returns the
// response value to encode.
type handler struct {
	handle func(ctx context.Context, r *Router, c call, payload json.RawMessage) (any, error)
	// beforeAccept marks actions a station may send while not (yet) accepted.
	beforeAccept bool
}

// on makes a handler from a typed function.
func on[Req any](f func(ctx context.Context, r *Router, c call, req *Req) (any, error)) handler {
	return handler{handle: func(ctx context.Context, r *Router, c call, payload json.RawMessage) (any, error) {
		var req Req
		if err := json.Unmarshal(payload, &req); err != nil {
			// The schema accepted it, so this is a value our types cannot hold (an integer
			// beyond range, a date-time the schema format check let through).
			return nil, ocppj.Errorf(ocppj.FaultType, "%s: %v", c.action, err)
		}
		return f(ctx, r, c, &req)
	}}
}

// HandleCall implements gateway.Dispatcher: it validates the request, dispatches it, and
// validates the response before it goes out.
func (r *Router) HandleCall(ctx context.Context, p gateway.Peer, action string, payload json.RawMessage) (json.RawMessage, *ocppj.Error) {
	c := call{station: ladda.StationID(p.StationID), version: versionOf(p.Subprotocol), action: action, payload: payload}
	r.stations.Seen(c.station)
	h, ok := r.routes[c.version][action]
	if !ok {
		if r.validator.Has(c.version, action) {
			return nil, ocppj.Errorf(ocppj.FaultNotSupported, "Ladda does not handle %s from stations yet", action)
		}
		return nil, ocppj.Errorf(ocppj.FaultNotImplemented, "unknown action %q", action)
	}
	if err := r.validator.Validate(c.version, action, false, payload); err != nil {
		return nil, violation(action, err)
	}
	if !h.beforeAccept {
		if reg, _ := r.registrations.Load(c.station); reg != nil && reg.(station.Registration) != station.Accepted {
			return nil, ocppj.Errorf(ocppj.FaultSecurity, "station is %s: only BootNotification is allowed until an operator accepts it", reg)
		}
	}
	res, err := h.handle(ctx, r, c, payload)
	if err != nil {
		return nil, r.callError(c, err)
	}
	out, err := json.Marshal(res)
	if err != nil {
		r.log.Error("encoding response", "station", c.station, "action", action, "err", err)
		return nil, ocppj.Errorf(ocppj.FaultInternal, "internal error")
	}
	if err := r.validator.Validate(c.version, action, true, out); err != nil {
		r.log.Error("response violates its schema", "station", c.station, "action", action, "err", err, "payload", string(out))
		return nil, ocppj.Errorf(ocppj.FaultInternal, "internal error")
	}
	return out, nil
}

// violation turns a schema violation into the matching CALLERROR.
func violation(action string, err error) *ocppj.Error {
	var v *schema.Violation
	if !errors.As(err, &v) {
		return ocppj.Errorf(ocppj.FaultFormat, "%s: %v", action, err)
	}
	f := ocppj.FaultFormat
	switch v.Kind {
	case schema.Occurrence:
		f = ocppj.FaultOccurrence
	case schema.Type:
		f = ocppj.FaultType
	case schema.Property:
		f = ocppj.FaultProperty
	case schema.UnknownAction:
		f = ocppj.FaultNotImplemented
	}
	return ocppj.Errorf(f, "%s: %s", action, v.Message)
}

// callError maps a handler's error to a CALLERROR. Domain errors of kind Internal and
// Unavailable (the store failed) become InternalError so the station keeps the message and
// sends it again: nothing was stored, so nothing may be acknowledged.
func (r *Router) callError(c call, err error) *ocppj.Error {
	var oe *ocppj.Error
	if errors.As(err, &oe) {
		return oe
	}
	switch ladda.ErrorKind(err) {
	case ladda.Invalid:
		return ocppj.Errorf(ocppj.FaultProperty, "%s", ladda.ErrorMessage(err))
	case ladda.NotFound, ladda.Conflict:
		return ocppj.Errorf(ocppj.FaultGeneric, "%s", ladda.ErrorMessage(err))
	case ladda.Unauthorized, ladda.Forbidden:
		return ocppj.Errorf(ocppj.FaultSecurity, "%s", ladda.ErrorMessage(err))
	}
	r.log.Error("handling station message", "station", c.station, "action", c.action, "err", err)
	return ocppj.Errorf(ocppj.FaultInternal, "%s failed; send it again later", c.action)
}

// errUnexpected builds an internal error for impossible states.
func errUnexpected(format string, args ...any) error {
	return fmt.Errorf("ocpp: "+format, args...)
}

// checkIDs refuses negative EVSE and connector ids, which the schemas of both versions allow
// (they only say "integer") but no station can mean.
func checkIDs(action string, ids ...int) error {
	for _, id := range ids {
		if id < 0 {
			return ocppj.Errorf(ocppj.FaultProperty, "%s: EVSE and connector ids must not be negative", action)
		}
	}
	return nil
}
