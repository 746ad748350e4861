// Package charging holds what happens at a connector: ID tokens and their authorisation,
// transactions from start to stop, and the meter values a station reports. It is
// version-neutral: the OCPP layer maps 1.6 StartTransaction/StopTransaction/MeterValues and
// 2.0.1 TransactionEvent onto the same Service calls.
package charging

import (
	"context"
	"time"

	"github.com/ladda-csms/ladda"
)

// TokenStatus is the authorisation status of an ID token, as OCPP names it.
type TokenStatus string

// The statuses. Accepted, Blocked, Expired and Invalid are stored; ConcurrentTx is only ever
// an answer (the token is already in use in another transaction); Invalid is also the answer
// for an unknown token.
const (
	Accepted     TokenStatus = "Accepted"
	Blocked      TokenStatus = "Blocked"
	Expired      TokenStatus = "Expired"
	Invalid      TokenStatus = "Invalid"
	ConcurrentTx TokenStatus = "ConcurrentTx"
)

// Storable reports whether an operator may give a token this status.
func (s TokenStatus) Storable() bool {
	return s == Accepted || s == Blocked || s == Expired || s == Invalid
}

// IDToken is an identifier a driver presents to charge: an RFID card, an app token, a key
// code or a contract id (eMAID).
//
// Rules: Token is unique and case-sensitive, at most 36 characters (2.0.1 IdToken; 1.6 idTag
// allows 20, so longer tokens only work with 2.0.1 stations). A token authorises a charge only
// when its Status is Accepted, it has not expired, and, unless AllowConcurrent, it is not in
// another active transaction.
type IDToken struct {
	Token     string
	Type      string // 2.0.1 IdTokenEnumType: ISO14443, ISO15693, eMAID, Central, KeyCode, Local, MacAddress, NoAuthorization
	Status    TokenStatus
	ExpiresAt *time.Time
	GroupID   string // parent id / group id token: tokens of one group may stop each other's transactions
	// AllowConcurrent lets the token run several transactions at once (fleet cards used on many cars).
	AllowConcurrent bool
	Description     string
	// UserID is the driver who owns the token as a charging card, 0 for none; OrgID the
	// organisation it belongs to (a fleet's card, or an operator's token), 0 for none. Label is
	// the owner's name for the card.
	UserID int64
	OrgID  int64
	Label  string
	// OwnerBlocked is the owner's own block (a lost card), apart from Status, which is the
	// operator's: the owner may lift only their own. Either blocks the token.
	OwnerBlocked bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// MaxTokenLen is the longest token accepted (OCPP 2.0.1 IdTokenType.idToken).
const MaxTokenLen = 36

// TokenTypes are the token types of OCPP 2.0.1.
var TokenTypes = []string{"Central", "eMAID", "ISO14443", "ISO15693", "KeyCode", "Local", "MacAddress", "NoAuthorization"}

// AuthInfo is the answer to an authorisation: idTagInfo in 1.6, idTokenInfo in 2.0.1.
type AuthInfo struct {
	Status    TokenStatus
	ExpiresAt *time.Time
	GroupID   string
	Unknown   bool // the token is not known at all (Status is then Invalid)
}

// Authorize decides the answer for a token at time now. active is the number of active
// transactions the token is in, excluding the one being decided on.
func (t *IDToken) Authorize(now time.Time, active int) AuthInfo {
	info := AuthInfo{Status: t.Status, ExpiresAt: t.ExpiresAt, GroupID: t.GroupID}
	switch {
	case t.Status != Accepted:
	case t.OwnerBlocked:
		info.Status = Blocked
	case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
		info.Status = Expired
	case active > 0 && !t.AllowConcurrent:
		info.Status = ConcurrentTx
	}
	return info
}

// TokenFilter selects tokens in a list. Nil fields do not filter.
type TokenFilter struct {
	Status  *TokenStatus
	GroupID *string
	UserID  int64  // 0: any owner
	OrgID   int64  // 0: any organisation
	After   string // keyset pagination: tokens greater than this
	Limit   int
}

// TokenUpdate changes a token. Nil fields stay; ClearExpiry removes the expiry date.
type TokenUpdate struct {
	Type            *string
	Status          *TokenStatus
	ExpiresAt       *time.Time
	ClearExpiry     bool
	GroupID         *string
	AllowConcurrent *bool
	Description     *string
	UserID          *int64 // 0 unlinks the owner
	OrgID           *int64 // 0 takes the token out of its organisation
	Label           *string
	OwnerBlocked    *bool
}

// Flag marks something unusual about a transaction, kept for operators to look at.
type Flag string

// The flags.
const (
	// FlagReplaced: a new transaction started on the same connector while this one was open,
	// so Ladda closed it (its stop time is the other's start).
	FlagReplaced Flag = "replaced"
	// FlagUnknownStart: the station stopped a transaction Ladda never saw start; it was
	// recorded from the stop alone.
	FlagUnknownStart Flag = "unknown-start"
	// FlagStale: still open after the configured maximum duration.
	FlagStale Flag = "stale"
	// FlagSeqGap: OCPP 2.0.1 sequence numbers of its events had gaps (messages lost).
	FlagSeqGap Flag = "seq-gap"
	// FlagNotAuthorized: the token was not accepted when the station started it.
	FlagNotAuthorized Flag = "not-authorized"
)

// Transaction is one charging session at a connector, from start to stop.
//
// Rules: energy is measured by the station's Energy.Active.Import.Register: EnergyWh is the
// last (or stop) register value minus the start value. A stopped transaction never changes
// its stop again, so replayed stops are harmless.
type Transaction struct {
	ID          ladda.TransactionID
	StationID   ladda.StationID
	StationTxID string // 2.0.1: the station's transactionId; 1.6: the decimal form of ID
	StartKey    string // idempotency key of the start; see StartKey
	EVSEID      int
	ConnectorID int
	IDToken     string
	StartedAt   time.Time
	StoppedAt   *time.Time

	MeterStartWh *float64 // register at start, if known
	MeterLastWh  *float64 // latest register seen
	MeterStopWh  *float64 // register at stop, if reported
	StopReason   string
	StoppedBy    string // token that stopped it, if not the starting one
	LastSeqNo    *int   // 2.0.1 last sequence number seen
	Flags        []Flag
	Samples      []Sample // only filled by Store.Transaction

	UpdatedAt time.Time
}

// Active reports whether the transaction has not stopped.
func (t *Transaction) Active() bool { return t.StoppedAt == nil }

// EnergyWh is the energy delivered so far (or in total, once stopped), in Wh; 0 when not known.
func (t *Transaction) EnergyWh() float64 {
	if t.MeterStartWh == nil {
		return 0
	}
	end := t.MeterLastWh
	if t.MeterStopWh != nil {
		end = t.MeterStopWh
	}
	if end == nil || *end < *t.MeterStartWh {
		return 0
	}
	return *end - *t.MeterStartWh
}

// HasFlag reports whether f is set.
func (t *Transaction) HasFlag(f Flag) bool {
	for _, g := range t.Flags {
		if g == f {
			return true
		}
	}
	return false
}

// Sample is one measured value, normalised to base units: Wh, varh, W, var, VA, A, V, Hz, °C,
// percent. Raw values in k-units or with a 2.0.1 multiplier are converted by the OCPP layer.
type Sample struct {
	Time      time.Time `json:"time"`
	Measurand string    `json:"measurand"`
	Phase     string    `json:"phase,omitempty"`
	Location  string    `json:"location,omitempty"`
	Context   string    `json:"context,omitempty"`
	Unit      string    `json:"unit,omitempty"`
	Value     float64   `json:"value"`
}

// TransactionFilter selects transactions. Nil fields do not filter.
type TransactionFilter struct {
	StationID *ladda.StationID
	IDToken   *string
	Active    *bool
	// Scoping: transactions at stations of StationOrgID, or of tokens owned by TokenUserID or
	// belonging to TokenOrgID. Zero fields do not filter.
	StationOrgID int64
	TokenUserID  int64
	TokenOrgID   int64
	// StartedFrom ≤ StartedAt < StartedUntil; zero times do not filter.
	StartedFrom  time.Time
	StartedUntil time.Time
	Before       ladda.TransactionID // keyset pagination: IDs lower than this (newest first)
	Limit        int
}

// MeterReport is a batch of samples for a station's EVSE, optionally within a transaction.
type MeterReport struct {
	StationID     ladda.StationID
	TransactionID ladda.TransactionID // 0: not part of a transaction
	EVSEID        int
	ConnectorID   int
	Samples       []Sample
	RegisterWh    *float64 // the energy register in these samples (see RegisterWh), if any
	SeqNo         *int     // 2.0.1 sequence number of the event that carried them
	At            time.Time
}

// StopReport is the end of a transaction as the station reports it.
type StopReport struct {
	TransactionID ladda.TransactionID
	StoppedAt     time.Time
	MeterStopWh   *float64
	Reason        string
	StoppedBy     string
	SeqNo         *int
	Samples       []Sample
	At            time.Time
}

// Store keeps ID tokens, transactions and meter values. Errors are *ladda.Error: NotFound for
// unknown tokens or transactions, Conflict for a duplicate token.
type Store interface {
	CreateIDToken(ctx context.Context, t *IDToken) error
	IDToken(ctx context.Context, token string) (*IDToken, error)
	IDTokens(ctx context.Context, f TokenFilter) ([]*IDToken, error)
	UpdateIDToken(ctx context.Context, token string, u TokenUpdate, at time.Time) (*IDToken, error)
	DeleteIDToken(ctx context.Context, token string) error

	// StartTransaction stores t unless a transaction with the same StationID and StartKey exists.
	// If one exists, t is overwritten with it and created is false (a replayed start).
	// Otherwise t.ID is assigned (and t.StationTxID, if empty, set to its decimal form); any
	// active transaction on the same station, EVSE and connector is stopped at t.StartedAt with
	// flag FlagReplaced; and created is true. All of it happens atomically.
	StartTransaction(ctx context.Context, t *Transaction) (created bool, err error)
	// RecordMeterValues appends samples. With a TransactionID it also advances the
	// transaction's MeterLastWh to RegisterWh (and sets MeterStartWh if unknown) and its
	// LastSeqNo to SeqNo when larger. It returns the transaction's sequence number before
	// the update (nil when none), for gap detection.
	RecordMeterValues(ctx context.Context, m MeterReport) (prevSeqNo *int, err error)
	// StopTransaction stops a transaction and returns it. Stopping a stopped transaction
	// changes nothing and returns it as it is (replays are harmless).
	StopTransaction(ctx context.Context, s StopReport) (*Transaction, error)
	// SetIDToken records the token of a transaction that started without one (2.0.1 stations
	// may start charging before authorisation); a transaction that has a token keeps it.
	SetIDToken(ctx context.Context, id ladda.TransactionID, token string, at time.Time) error
	// AddFlags adds flags to a transaction (idempotently).
	AddFlags(ctx context.Context, id ladda.TransactionID, flags ...Flag) error
	// Transaction returns a transaction with its samples.
	Transaction(ctx context.Context, id ladda.TransactionID) (*Transaction, error)
	// TransactionByStationTxID finds a transaction by the station's own id for it.
	TransactionByStationTxID(ctx context.Context, station ladda.StationID, stationTxID string) (*Transaction, error)
	// Transactions lists transactions newest first, without samples.
	Transactions(ctx context.Context, f TransactionFilter) ([]*Transaction, error)
	// ActiveTransactions counts the active transactions of a token, excluding one ID (0: none).
	ActiveTransactions(ctx context.Context, token string, except ladda.TransactionID) (int, error)
	// FlagStale adds FlagStale to active transactions started before t and returns how many
	// were newly flagged.
	FlagStale(ctx context.Context, startedBefore time.Time) (int, error)

	RemoteStarts
	LocalLists
	Reservations
}
