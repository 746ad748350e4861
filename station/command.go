package station

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/ladda-csms/ladda"
)

// Command is an operator's request to a station in version-neutral terms; package ocpp turns
// each into the OCPP 1.6 or 2.0.1 message of the station's version. Action names the command
// as the logs and the API show it (the OCPP action, e.g. "Reset").
type Command interface {
	Action() string
}

// ResetKind says how a station restarts.
type ResetKind string

// The reset kinds: Soft lets running transactions end first (1.6 Soft, 2.0.1 OnIdle); Hard
// restarts now (1.6 Hard, 2.0.1 Immediate).
const (
	ResetSoft ResetKind = "Soft"
	ResetHard ResetKind = "Hard"
)

// Reset restarts a station, or with EVSEID > 0 only that EVSE (2.0.1 only).
type Reset struct {
	Kind   ResetKind `json:"type"`
	EVSEID int       `json:"evseId,omitempty"`
}

// UnlockConnector releases the cable of a connector (1.6: connector EVSEID of the station).
type UnlockConnector struct {
	EVSEID      int `json:"evseId"`
	ConnectorID int `json:"connectorId"`
}

// ChangeAvailability makes the station (EVSEID 0), an EVSE or a connector operative or
// inoperative. A station that is charging there schedules the change for after the
// transaction (status Scheduled).
type ChangeAvailability struct {
	EVSEID      int  `json:"evseId,omitempty"`
	ConnectorID int  `json:"connectorId,omitempty"`
	Operative   bool `json:"operative"`
}

// TriggerMessage asks a station to send a message now: BootNotification, Heartbeat,
// StatusNotification, MeterValues, FirmwareStatusNotification, LogStatusNotification
// (DiagnosticsStatusNotification in 1.6), SignCertificate, … as the version knows them.
type TriggerMessage struct {
	Message     string `json:"message"`
	EVSEID      int    `json:"evseId,omitempty"`
	ConnectorID int    `json:"connectorId,omitempty"`
}

// ClearCache empties the station's authorisation cache.
type ClearCache struct{}

// DataTransfer sends a vendor-specific message.
type DataTransfer struct {
	VendorID  string `json:"vendorId"`
	MessageID string `json:"messageId,omitempty"`
	Data      string `json:"data,omitempty"`
}

// Action implementations: the OCPP action of each command.
func (Reset) Action() string              { return "Reset" }
func (UnlockConnector) Action() string    { return "UnlockConnector" }
func (ChangeAvailability) Action() string { return "ChangeAvailability" }
func (TriggerMessage) Action() string     { return "TriggerMessage" }
func (ClearCache) Action() string         { return "ClearCache" }
func (DataTransfer) Action() string       { return "DataTransfer" }

// Answer is a station's answer to a command in version-neutral form.
type Answer struct {
	Status string `json:"status"`           // the status the station answered (Accepted, Rejected, Scheduled, Unlocked, …)
	Reason string `json:"reason,omitempty"` // 2.0.1 statusInfo reason code, if given
	Data   string `json:"data,omitempty"`   // DataTransfer's answer data

	Settings []Setting       `json:"settings,omitempty"` // GetSettings (1.6): the values reported
	Unknown  []string        `json:"unknown,omitempty"`  // GetSettings (1.6): keys the station does not know
	Results  []SettingResult `json:"results,omitempty"`  // ChangeSettings: the answer per setting

	ListVersion *int   `json:"listVersion,omitempty"` // GetLocalListVersion: the station's list version
	FileName    string `json:"fileName,omitempty"`    // GetLog: the file the station will upload

	Certificates []CertificateHash `json:"certificates,omitempty"` // GetInstalledCertificateIDs
	Monitors     []MonitorResult   `json:"monitors,omitempty"`     // SetMonitors, ClearMonitors

	Schedule *CompositeSchedule `json:"schedule,omitempty"` // GetCompositeSchedule, when Accepted
}

// ErrOffline is the cause inside the Conflict error a Commander returns for a station that is
// not connected.
var ErrOffline = errors.New("station is not connected")

// Commander delivers commands to connected stations. Errors are *ladda.Error: Conflict when
// the station is not connected or answers with a CALLERROR, Invalid when the command does not
// exist in the station's OCPP version or breaks its rules, Timeout when the station does not
// answer in time.
type Commander interface {
	Execute(ctx context.Context, id ladda.StationID, cmd Command) (Answer, error)
}

// CommandOutcome is where a command in the log stands.
type CommandOutcome string

// The outcomes.
const (
	CommandPending  CommandOutcome = "pending"  // sent, no answer yet
	CommandAnswered CommandOutcome = "answered" // the station answered (see Answer.Status)
	CommandFailed   CommandOutcome = "failed"   // the station answered with an error, or the call failed
	CommandTimeout  CommandOutcome = "timeout"  // no answer in time
	CommandOffline  CommandOutcome = "offline"  // the station was not connected
)

// CommandRecord is one entry of a station's command log: what was asked, by whom, and what
// the station answered.
type CommandRecord struct {
	ID          int64
	StationID   ladda.StationID
	Action      string
	Request     json.RawMessage // the command, version-neutral, as JSON
	Outcome     CommandOutcome
	Answer      Answer
	Error       string // why it failed, for Failed, Timeout and Offline
	RequestedBy string // who asked: "apikey:12", "system", …
	RequestedAt time.Time
	AnsweredAt  *time.Time
}

// CommandFilter selects entries of a command log, newest first.
type CommandFilter struct {
	StationID ladda.StationID
	Before    int64 // keyset pagination: IDs lower than this
	Limit     int
}

// CommandLog keeps the commands sent to stations. Errors are *ladda.Error.
type CommandLog interface {
	// RecordCommand stores a new entry and assigns its ID.
	RecordCommand(ctx context.Context, c *CommandRecord) error
	// FinishCommand stores the outcome of an entry: Outcome, Answer, Error and AnsweredAt of c.
	// NotFound for an unknown ID.
	FinishCommand(ctx context.Context, c *CommandRecord) error
	// Commands lists a station's entries, newest first.
	Commands(ctx context.Context, f CommandFilter) ([]*CommandRecord, error)
}

// RequestStart asks a station to start charging for a token (1.6 RemoteStartTransaction, 2.0.1
// RequestStartTransaction). RemoteStartID ties the transaction the station then starts to the
// request: 2.0.1 stations echo it in TransactionEvent; for 1.6 Ladda matches station, EVSE and
// token (package charging).
type RequestStart struct {
	EVSEID        int    `json:"evseId,omitempty"` // 0: the station chooses
	IDToken       string `json:"idToken"`
	TokenType     string `json:"tokenType,omitempty"` // 2.0.1 IdTokenEnumType; default Central
	RemoteStartID int64  `json:"remoteStartId"`
	// Profile limits the transaction (purpose TxProfile); nil leaves it to the station.
	Profile *ChargingProfile `json:"chargingProfile,omitempty"`
}

// RequestStop asks a station to stop a transaction (1.6 RemoteStopTransaction, 2.0.1
// RequestStopTransaction). StationTxID is the station's id for it.
type RequestStop struct {
	StationTxID string `json:"stationTransactionId"`
}

// Action implementations of the remote start and stop.
func (RequestStart) Action() string { return "RequestStartTransaction" }
func (RequestStop) Action() string  { return "RequestStopTransaction" }

// DisplayMessage is a message for a station's screen (2.0.1 SetDisplayMessage): a notice,
// a price, or sponsorship and advertising. OCPP 1.6 has no standard display messages.
type DisplayMessage struct {
	ID            int        `json:"id"`
	Priority      string     `json:"priority"`        // AlwaysFront, InFront, NormalCycle
	State         string     `json:"state,omitempty"` // show only while Charging, Faulted, Idle or Unavailable
	Format        string     `json:"format"`          // ASCII, HTML, URI, UTF8
	Language      string     `json:"language,omitempty"`
	Content       string     `json:"content"`
	StartAt       *time.Time `json:"startAt,omitempty"`
	EndAt         *time.Time `json:"endAt,omitempty"`
	StationTxID   string     `json:"stationTransactionId,omitempty"` // show only during this transaction
	DisplayEVSEID int        `json:"evseId,omitempty"`               // show only on this EVSE's display
}

// SetDisplayMessage shows a message on a station's screen. OCPP 1.6 has no display messages;
// a 1.6 station whose vendor carries the 2.0.1 messages in DataTransfer gets them that way
// when VendorID names that vendor (messageId: the 2.0.1 action; data: the 2.0.1 request as
// JSON text; the answer's data: the 2.0.1 response). The same holds for GetDisplayMessages and
// ClearDisplayMessage.
type SetDisplayMessage struct {
	Message  DisplayMessage `json:"message"`
	VendorID string         `json:"vendorId,omitempty"`
}

// GetDisplayMessages asks a station which messages it shows; it answers Accepted and reports
// them afterwards in NotifyDisplayMessages (kept as station reports), or Unknown when it has
// none that match.
type GetDisplayMessages struct {
	IDs       []int  `json:"ids,omitempty"`
	Priority  string `json:"priority,omitempty"`
	State     string `json:"state,omitempty"`
	RequestID int    `json:"requestId"`
	VendorID  string `json:"vendorId,omitempty"` // 1.6: see SetDisplayMessage
}

// ClearDisplayMessage removes a message from a station's screen.
type ClearDisplayMessage struct {
	ID       int    `json:"id"`
	VendorID string `json:"vendorId,omitempty"` // 1.6: see SetDisplayMessage
}

// Action implementations of the display-message commands.
func (SetDisplayMessage) Action() string   { return "SetDisplayMessage" }
func (GetDisplayMessages) Action() string  { return "GetDisplayMessages" }
func (ClearDisplayMessage) Action() string { return "ClearDisplayMessage" }

// LocalAuthEntry is one ID token in a station's local authorisation list. An entry without
// Status removes the token (differential updates only).
type LocalAuthEntry struct {
	IDToken   string     `json:"idToken"`
	TokenType string     `json:"tokenType,omitempty"` // 2.0.1 IdTokenEnumType; default Central
	Status    string     `json:"status,omitempty"`    // Accepted, Blocked, Expired, Invalid
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	GroupID   string     `json:"groupId,omitempty"`
}

// SendLocalList gives a station (part of) its local authorisation list, with which it
// authorises tokens while offline: the whole list (Full) or the changes since the version it
// has (Differential). The station answers Accepted, Failed, NotSupported or VersionMismatch.
type SendLocalList struct {
	Version int              `json:"version"`
	Full    bool             `json:"full"`
	Entries []LocalAuthEntry `json:"entries"`
}

// GetLocalListVersion asks a station which version of the local list it has; the answer's
// ListVersion holds it (0: no list; -1: 1.6 stations without local list support).
type GetLocalListVersion struct{}

// Action implementations of the local-list commands.
func (SendLocalList) Action() string       { return "SendLocalList" }
func (GetLocalListVersion) Action() string { return "GetLocalListVersion" }

// ReserveNow asks a station to hold an EVSE (or, with EVSEID 0, any EVSE; 1.6: connector 0,
// the whole station) for a token until ExpiresAt (1.6 and 2.0.1 ReserveNow). The station
// answers Accepted, Faulted, Occupied, Rejected or Unavailable.
type ReserveNow struct {
	ReservationID int64     `json:"reservationId"`
	EVSEID        int       `json:"evseId,omitempty"`
	ConnectorType string    `json:"connectorType,omitempty"` // 2.0.1 only: any connector of this type
	IDToken       string    `json:"idToken"`
	TokenType     string    `json:"tokenType,omitempty"` // 2.0.1 IdTokenEnumType; default Central
	GroupID       string    `json:"groupId,omitempty"`   // 1.6 parentIdTag, 2.0.1 groupIdToken
	ExpiresAt     time.Time `json:"expiresAt"`
}

// CancelReservation asks a station to drop a reservation; it answers Accepted, or Rejected
// when it has none with that id.
type CancelReservation struct {
	ReservationID int64 `json:"reservationId"`
}

// Action implementations of the reservation commands.
func (ReserveNow) Action() string        { return "ReserveNow" }
func (CancelReservation) Action() string { return "CancelReservation" }

// RequestedBySystem is the RequestedBy of commands Ladda sends by itself (scheduled bookings,
// no-show releases, …).
const RequestedBySystem = "system"

// UpdateFirmware asks a station to download firmware from Location at RetrieveAt and install
// it (at InstallAt, if set). With a Signature (and the SigningCertificate that made it) it is
// the secure update: 1.6 SignedUpdateFirmware (security extension), 2.0.1 UpdateFirmware with
// the signature; without one, 1.6 stations get the plain UpdateFirmware, which has no answer
// status (Ladda logs Accepted) and no requestId in its notifications. Progress arrives as
// (Signed)FirmwareStatusNotification reports.
type UpdateFirmware struct {
	RequestID          int        `json:"requestId"`
	Location           string     `json:"location"`
	RetrieveAt         time.Time  `json:"retrieveAt"`
	InstallAt          *time.Time `json:"installAt,omitempty"`
	Retries            *int       `json:"retries,omitempty"`
	RetryInterval      *int       `json:"retryInterval,omitempty"` // seconds
	SigningCertificate string     `json:"signingCertificate,omitempty"`
	Signature          string     `json:"signature,omitempty"`
}

// Log kinds of GetLog.
const (
	LogDiagnostics = "Diagnostics"
	LogSecurity    = "Security"
)

// GetLog asks a station to upload a log to Location: its diagnostics (1.6 GetDiagnostics, or
// GetLog DiagnosticsLog in 2.0.1) or its security log (GetLog SecurityLog, 1.6 security
// extension and 2.0.1), optionally only the entries From–To. The answer carries the name of
// the file it will upload; progress arrives as DiagnosticsStatusNotification or
// LogStatusNotification reports.
type GetLog struct {
	Kind          string     `json:"kind"` // LogDiagnostics or LogSecurity
	RequestID     int        `json:"requestId"`
	Location      string     `json:"location"`
	From          *time.Time `json:"from,omitempty"`
	To            *time.Time `json:"to,omitempty"`
	Retries       *int       `json:"retries,omitempty"`
	RetryInterval *int       `json:"retryInterval,omitempty"` // seconds
}

// Action implementations of the firmware and log commands.
func (UpdateFirmware) Action() string { return "UpdateFirmware" }
func (GetLog) Action() string         { return "GetLog" }

// CertificateSigned gives a station the certificate chain (PEM, leaf first) Ladda signed for
// it: Kind ChargingStationCertificate (1.6: its charge point certificate) or V2GCertificate
// (2.0.1 only). The station answers Accepted or Rejected.
type CertificateSigned struct {
	Kind  string `json:"kind"`
	Chain string `json:"certificateChain"`
}

// CertificateHash identifies an installed certificate (OCPP CertificateHashDataType).
type CertificateHash struct {
	Type           string `json:"type,omitempty"` // in answers: the kind of root it is
	HashAlgorithm  string `json:"hashAlgorithm"`  // SHA256, SHA384, SHA512
	IssuerNameHash string `json:"issuerNameHash"`
	IssuerKeyHash  string `json:"issuerKeyHash"`
	SerialNumber   string `json:"serialNumber"`
}

// InstallCertificate installs a root certificate (PEM) on a station: Type V2GRootCertificate,
// MORootCertificate (2.0.1), CSMSRootCertificate (1.6: CentralSystemRootCertificate) or
// ManufacturerRootCertificate. The station answers Accepted, Rejected or Failed.
type InstallCertificate struct {
	Type        string `json:"type"`
	Certificate string `json:"certificate"`
}

// GetInstalledCertificateIDs asks a station which root certificates it has, of Types (none:
// all; 1.6 stations: exactly one). The answer's Certificates list them.
type GetInstalledCertificateIDs struct {
	Types []string `json:"types,omitempty"`
}

// DeleteCertificate removes an installed certificate; the station answers Accepted, Failed or
// NotFound.
type DeleteCertificate struct {
	Certificate CertificateHash `json:"certificate"`
}

// Action implementations of the certificate commands.
func (CertificateSigned) Action() string          { return "CertificateSigned" }
func (InstallCertificate) Action() string         { return "InstallCertificate" }
func (GetInstalledCertificateIDs) Action() string { return "GetInstalledCertificateIds" }
func (DeleteCertificate) Action() string          { return "DeleteCertificate" }

// CostUpdated tells a station the running cost of a transaction (2.0.1 only), to show the
// driver. StationTxID is the station's id for it.
type CostUpdated struct {
	StationTxID string  `json:"stationTransactionId"`
	TotalCost   float64 `json:"totalCost"`
}

// Action implements Command.
func (CostUpdated) Action() string { return "CostUpdated" }
