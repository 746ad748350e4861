// Package station holds charging stations, their EVSEs and connectors: registration and
// credentials, boot information, connection state and the status of every connector.
// It knows nothing of OCPP versions, SQL or HTTP; adapters implement its Store and call its
// Service.
package station

import (
	"context"
	"time"

	"github.com/ladda-csms/ladda"
)

// Registration is an operator's decision about a station. Only an Accepted station may charge;
// a Pending one may connect and boot but is told to wait (OCPP RegistrationStatus Pending); a
// Rejected one is told so at boot and sent away.
type Registration string

// The registrations.
const (
	Accepted Registration = "Accepted"
	Pending  Registration = "Pending"
	Rejected Registration = "Rejected"
)

// Valid reports whether r is one of the known registrations.
func (r Registration) Valid() bool { return r == Accepted || r == Pending || r == Rejected }

// Station is a charging station known to Ladda.
//
// Rules: the ID is unique and immutable. The station's password is never stored, only its
// Credential. OCPPVersion, Boot and Connected describe what the station last told us; they are
// set by the station, never by an operator.
type Station struct {
	ID           ladda.StationID
	Description  string
	Registration Registration
	Credential   Credential // zero when the station authenticates by client certificate only
	OrgID        int64      // the operator organisation that owns it; 0: only administrators see it
	SiteID       int64      // the site it stands at; 0: none

	Connected   bool
	OCPPVersion string    // "1.6" or "2.0.1": the version of its last connection
	LastSeen    time.Time // last message of any kind; zero if it never connected
	Boot        Boot
	BootedAt    time.Time

	EVSEs []EVSE // sorted by ID, connectors sorted by ID

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Boot is what a station reports about itself when it boots.
type Boot struct {
	Vendor          string `json:"vendor"`
	Model           string `json:"model"`
	SerialNumber    string `json:"serialNumber,omitempty"`
	FirmwareVersion string `json:"firmwareVersion,omitempty"`
	ICCID           string `json:"iccid,omitempty"`
	IMSI            string `json:"imsi,omitempty"`
	MeterType       string `json:"meterType,omitempty"`
	MeterSerial     string `json:"meterSerialNumber,omitempty"`
	Reason          string `json:"reason,omitempty"` // 2.0.1 BootReason
}

// EVSE is one charging point of a station, able to charge one vehicle at a time. OCPP 1.6 has no
// EVSEs: each 1.6 connector N becomes EVSE N with connector 1. EVSE 0 with connector 0 holds
// the status a station reports for itself as a whole (1.6 connector 0), such as Faulted or
// Unavailable.
type EVSE struct {
	ID         int
	Connectors []Connector
}

// Connector is a plug or socket of an EVSE, with the last status the station reported.
type Connector struct {
	ID        int
	Status    ConnectorStatus
	ErrorCode string // OCPP 1.6 ChargePointErrorCode; "NoError" or empty when fine
	Info      string // vendor text that came with the status
	UpdatedAt time.Time
}

// ConnectorStatus is the status a station reported for a connector, as OCPP names it. 1.6 knows
// Available, Preparing, Charging, SuspendedEVSE, SuspendedEV, Finishing, Reserved, Unavailable
// and Faulted; 2.0.1 knows Available, Occupied, Reserved, Unavailable and Faulted.
type ConnectorStatus string

// Connector statuses of both OCPP versions.
const (
	StatusAvailable     ConnectorStatus = "Available"
	StatusPreparing     ConnectorStatus = "Preparing"
	StatusCharging      ConnectorStatus = "Charging"
	StatusSuspendedEVSE ConnectorStatus = "SuspendedEVSE"
	StatusSuspendedEV   ConnectorStatus = "SuspendedEV"
	StatusFinishing     ConnectorStatus = "Finishing"
	StatusReserved      ConnectorStatus = "Reserved"
	StatusUnavailable   ConnectorStatus = "Unavailable"
	StatusFaulted       ConnectorStatus = "Faulted"
	StatusOccupied      ConnectorStatus = "Occupied"
	StatusUnknown       ConnectorStatus = "Unknown" // never reported yet
)

// State is the version-neutral summary of a connector that people and apps see.
type State string

// The states.
const (
	StateAvailable   State = "available"
	StateOccupied    State = "occupied"
	StateCharging    State = "charging"
	StateReserved    State = "reserved"
	StateFaulted     State = "faulted"
	StateUnavailable State = "unavailable"
	StateOffline     State = "offline"
	StateUnknown     State = "unknown"
)

// StateOf summarises a reported connector status. A connector of a station that is not
// connected is offline whatever it last reported.
func StateOf(s ConnectorStatus, connected bool) State {
	if !connected {
		return StateOffline
	}
	switch s {
	case StatusAvailable:
		return StateAvailable
	case StatusCharging:
		return StateCharging
	case StatusPreparing, StatusSuspendedEV, StatusSuspendedEVSE, StatusFinishing, StatusOccupied:
		return StateOccupied
	case StatusReserved:
		return StateReserved
	case StatusFaulted:
		return StateFaulted
	case StatusUnavailable:
		return StateUnavailable
	}
	return StateUnknown
}

// StatusChange is a station's report of one connector's status.
type StatusChange struct {
	StationID   ladda.StationID
	EVSEID      int // 0 with ConnectorID 0: the station as a whole
	ConnectorID int
	Status      ConnectorStatus
	ErrorCode   string
	Info        string
	Time        time.Time // when the station says it happened
}

// Filter selects stations in a list. Nil fields do not filter.
type Filter struct {
	Registration *Registration
	Connected    *bool
	OrgID        int64           // 0: every organisation
	SiteID       int64           // 0: every site
	After        ladda.StationID // keyset pagination: only IDs greater than this
	Limit        int             // 0 means the store's default (100)
}

// Update changes an operator-controlled part of a station. Nil fields stay as they are.
type Update struct {
	Description  *string
	Registration *Registration
	Credential   *Credential
	OrgID        *int64 // 0 takes the station out of every organisation
	SiteID       *int64 // 0 takes the station off its site
}

// Store keeps stations. Implementations must be safe for concurrent use. Errors are
// *ladda.Error: NotFound for an unknown station, Conflict for a duplicate ID.
type Store interface {
	// CreateStation stores a new station; s.CreatedAt and UpdatedAt are set by the caller.
	CreateStation(ctx context.Context, s *Station) error
	// Station returns the station with its EVSEs and connectors.
	Station(ctx context.Context, id ladda.StationID) (*Station, error)
	// Stations lists stations ordered by ID, each with its EVSEs and connectors.
	Stations(ctx context.Context, f Filter) ([]*Station, error)
	// UpdateStation applies u at time at and returns the station as it is now.
	UpdateStation(ctx context.Context, id ladda.StationID, u Update, at time.Time) (*Station, error)
	// DeleteStation removes a station, its EVSEs and connectors. Its transactions remain.
	DeleteStation(ctx context.Context, id ladda.StationID) error
	// RecordBoot stores the boot information and the OCPP version of a connected station.
	RecordBoot(ctx context.Context, id ladda.StationID, b Boot, version string, at time.Time) error
	// SetConnectorStatus stores the status of one connector, creating the EVSE and connector if
	// they are new. A change older than the stored one for the same connector is ignored, so
	// replayed or reordered reports never move the state backwards.
	SetConnectorStatus(ctx context.Context, c StatusChange) error
	// SetConnected records that a station connected (with its OCPP version) or went away.
	SetConnected(ctx context.Context, id ladda.StationID, connected bool, version string, at time.Time) error
	// ResetConnections marks every station disconnected; used at start-up of a single node.
	ResetConnections(ctx context.Context) error
	// TouchStations moves LastSeen forward (never back) for many stations in one write.
	TouchStations(ctx context.Context, seen map[ladda.StationID]time.Time) error

	CommandLog
	SettingStore
	ReportStore
	SiteStore
	ChargingProfileStore
}
