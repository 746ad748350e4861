package account

import (
	"context"
	"time"
)

// Role is what a user may do. A user has one role, within their organisation if they have one.
type Role string

// The roles of users.
const (
	// Admin runs the whole installation: every organisation, station, user and key.
	Admin Role = "admin"
	// Operator runs an operator organisation's stations: reads, commands, tokens, prices, members.
	Operator Role = "operator"
	// Support reads an operator organisation's stations and sessions, and changes nothing.
	Support Role = "support"
	// FleetManager manages a fleet organisation's cards, sees their sessions, manages its members.
	FleetManager Role = "fleet_manager"
	// Driver sees and changes only their own profile, cards and sessions.
	Driver Role = "driver"
)

// Roles lists every role, most powerful first.
var Roles = []Role{Admin, Operator, Support, FleetManager, Driver}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, k := range Roles {
		if r == k {
			return true
		}
	}
	return false
}

// OrgKind is what an organisation is.
type OrgKind string

// The kinds of organisations.
const (
	// OperatorOrg owns stations (a charge point operator, a tenant of this installation).
	OperatorOrg OrgKind = "operator"
	// FleetOrg owns charging cards used by its drivers (a company, a fleet).
	FleetOrg OrgKind = "fleet"
)

// Organisation groups users, and either stations (an operator) or cards (a fleet).
type Organisation struct {
	ID        int64
	Name      string // 1–200 characters
	Kind      OrgKind
	CreatedAt time.Time
}

// User is a person who signs in.
//
// Rules: Email is unique, stored lowercased and trimmed; it and Name are personal data that the
// store keeps encrypted. A user with an organisation acts within it; Admin acts everywhere.
// PasswordHash is an argon2id PHC string, never the password. A user whose email is not
// verified cannot sign in. TOTPSecret is empty until two-factor authentication is enabled.
type User struct {
	ID              int64
	Email           string
	Name            string
	Language        string // "en" or "sv"
	Role            Role
	OrgID           int64 // 0: no organisation
	PasswordHash    string
	EmailVerifiedAt *time.Time
	TOTPSecret      string
	TOTPEnabledAt   *time.Time
	TOTPLastStep    int64 // the last accepted TOTP time step; a code is never accepted twice
	Prefs           Preferences
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Preferences are what a user chooses about notifications.
type Preferences struct {
	SessionStarted bool `json:"sessionStarted"`
	SessionStopped bool `json:"sessionStopped"`
	Receipt        bool `json:"receipt"`
	StationFree    bool `json:"stationFree"`    // when a favourite station becomes available
	FavouriteFault bool `json:"favouriteFault"` // when a favourite station reports a fault
	NewLogin       bool `json:"newLogin"`
	Email          bool `json:"email"`   // by email
	Webhook        bool `json:"webhook"` // to the user's webhooks
}

// DefaultPreferences are a new user's.
var DefaultPreferences = Preferences{SessionStopped: true, Receipt: true, FavouriteFault: false, NewLogin: true, Email: true}

// UserUpdate changes a user. Nil fields stay as they are.
type UserUpdate struct {
	Name            *string
	Language        *string
	Role            *Role
	OrgID           *int64 // 0 removes the organisation
	PasswordHash    *string
	EmailVerifiedAt *time.Time
	TOTPSecret      *string // "" disables two-factor authentication
	TOTPEnabledAt   *time.Time
	ClearTOTP       bool // clears TOTPSecret, TOTPEnabledAt and TOTPLastStep
	Prefs           *Preferences
	UpdatedAt       time.Time
}

// UserFilter selects users. Zero fields select all.
type UserFilter struct {
	OrgID int64
	Role  Role
	After int64 // keyset pagination: IDs greater than this
	Limit int   // 0: the store's default (100)
}

// SessionKind tells how a session's secret travels.
type SessionKind string

// The kinds of sessions.
const (
	CookieSession SessionKind = "cookie" // web UI: a Secure, HttpOnly, SameSite cookie, with CSRF checks
	TokenSession  SessionKind = "token"  // apps: Authorization: Bearer
)

// Session is a signed-in user's credential.
//
// Rules: only the SHA-256 of the secret is stored (it has 256 random bits). A session that is
// Pending has passed the password but not yet the second factor: it can do nothing but finish
// the sign-in. A session ends at ExpiresAt, after IdleTimeout without use, or when revoked.
type Session struct {
	ID         int64
	UserID     int64
	Hash       []byte
	Kind       SessionKind
	Pending    bool
	IP         string
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	RevokedAt  *time.Time
}

// Throttle counts the recent failures of one subject (an account's email, an IP address).
type Throttle struct {
	Key         string
	Failures    int
	LastFailure time.Time
	LockedUntil time.Time // zero: not locked
}

// TokenPurpose tells what a one-time token is for.
type TokenPurpose string

// The purposes of one-time tokens.
const (
	VerifyEmailToken   TokenPurpose = "verify-email"
	ResetPasswordToken TokenPurpose = "reset-password"
)

// OneTimeToken is a secret sent by email that may be used once before it expires. Only its
// SHA-256 is stored.
type OneTimeToken struct {
	Hash      []byte
	Purpose   TokenPurpose
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// AuditEvent is one security-relevant action. The audit log is append-only: events are never
// changed or deleted.
type AuditEvent struct {
	ID        int64
	At        time.Time
	ActorKind string // "user", "key", "system", "anonymous"
	ActorID   int64
	Actor     string // a label: the user's id and role or the key's name; no personal data
	OrgID     int64  // the actor's organisation, 0 for none
	Action    string // e.g. "auth.login", "auth.login_failed", "apikey.create", "command.reset-station"
	Target    string // what it acted on, e.g. "station:CP-1", "user:42"
	Outcome   string // "ok", "denied", "failed", or an HTTP status for API calls
	IP        string
	UserAgent string
	Detail    map[string]any
}

// AuditFilter selects audit events, newest first.
type AuditFilter struct {
	OrgID   int64 // 0: all
	ActorID int64 // with ActorKind
	Kind    string
	Action  string // prefix match: "auth." selects every sign-in event
	Since   time.Time
	Until   time.Time
	Before  int64 // keyset pagination: IDs lower than this
	Limit   int
}

// Favourite is a station a user marked, optionally watched: a watch tells the user once when
// the station next has a free EVSE, then ends.
type Favourite struct {
	UserID    int64
	StationID string
	Watch     bool
	CreatedAt time.Time
}

// Store keeps everything of accounts. Errors are *ladda.Error: NotFound for an unknown row,
// Conflict for a duplicate.
type Store interface {
	KeyStore
	DeliveryStore

	// CreateOrganisation stores o and assigns o.ID.
	CreateOrganisation(ctx context.Context, o *Organisation) error
	Organisation(ctx context.Context, id int64) (*Organisation, error)
	Organisations(ctx context.Context) ([]*Organisation, error)
	// RenameOrganisation changes an organisation's name.
	RenameOrganisation(ctx context.Context, id int64, name string) error
	// DeleteOrganisation deletes an organisation. Conflict while users, keys, stations or
	// tokens still belong to it.
	DeleteOrganisation(ctx context.Context, id int64) error

	// CreateUser stores u and assigns u.ID. Conflict for an email in use.
	CreateUser(ctx context.Context, u *User) error
	User(ctx context.Context, id int64) (*User, error)
	// UserByEmail finds a user by normalised email.
	UserByEmail(ctx context.Context, email string) (*User, error)
	Users(ctx context.Context, f UserFilter) ([]*User, error)
	UpdateUser(ctx context.Context, id int64, u UserUpdate) (*User, error)
	// AdvanceTOTPStep records that a TOTP code of time step step was used, unless one of that
	// or a later step was: then it reports false (a replay). Of two uses of one code at once,
	// exactly one gets true.
	AdvanceTOTPStep(ctx context.Context, userID, step int64) (bool, error)
	// DeleteUser removes a user and their sessions, tokens, recovery codes and favourites, and
	// unlinks their charging tokens (which become blocked).
	DeleteUser(ctx context.Context, id int64, at time.Time) error

	// CreateSession stores s and assigns s.ID.
	CreateSession(ctx context.Context, s *Session) error
	// SessionByHash finds a session, revoked and expired ones included.
	SessionByHash(ctx context.Context, hash []byte) (*Session, error)
	// Sessions lists a user's sessions that are neither revoked nor expired at now, newest first.
	Sessions(ctx context.Context, userID int64, now time.Time) ([]*Session, error)
	// RevokeSession revokes one of a user's sessions. NotFound when it is not theirs.
	RevokeSession(ctx context.Context, userID, id int64, at time.Time) error
	// RevokeSessions revokes all of a user's sessions except the one with ID except (0: all).
	RevokeSessions(ctx context.Context, userID, except int64, at time.Time) error
	// TouchSessions moves LastSeenAt forward for many sessions in one write.
	TouchSessions(ctx context.Context, seen map[int64]time.Time) error

	// Throttle reads the failures of key; a key never seen has zero failures.
	Throttle(ctx context.Context, key string) (*Throttle, error)
	// Fail records one failure of key at now, atomically: failures older than window are
	// forgotten first, then lock decides how long the key is locked after that many failures.
	Fail(ctx context.Context, key string, now time.Time, window time.Duration, lock func(failures int) time.Duration) (*Throttle, error)
	// ClearThrottle forgets key's failures (after a success).
	ClearThrottle(ctx context.Context, key string) error

	// CreateToken stores a one-time token.
	CreateToken(ctx context.Context, t *OneTimeToken) error
	// UseToken marks the token used at now and returns it. NotFound when it does not exist,
	// has another purpose, is used or is expired: one error for all.
	UseToken(ctx context.Context, hash []byte, purpose TokenPurpose, now time.Time) (*OneTimeToken, error)
	// ExpireTokens uses up, at at, every unused token of a user with purpose, so that no
	// link sent before works any more.
	ExpireTokens(ctx context.Context, userID int64, purpose TokenPurpose, at time.Time) error

	// SetRecoveryCodes replaces a user's recovery codes (nil deletes them).
	SetRecoveryCodes(ctx context.Context, userID int64, hashes [][]byte) error
	// RecoveryCodes lists the hashes of a user's unused recovery codes.
	RecoveryCodes(ctx context.Context, userID int64) ([][]byte, error)
	// UseRecoveryCode marks one unused code used. NotFound when it is unknown or used.
	UseRecoveryCode(ctx context.Context, userID int64, hash []byte, at time.Time) error

	// AppendAudit stores e and assigns e.ID. There is no way to change or delete events.
	AppendAudit(ctx context.Context, e *AuditEvent) error
	AuditEvents(ctx context.Context, f AuditFilter) ([]*AuditEvent, error)

	// SetFavourite adds or changes a favourite.
	SetFavourite(ctx context.Context, f *Favourite) error
	// DeleteFavourite removes one. NotFound when it is not there.
	DeleteFavourite(ctx context.Context, userID int64, stationID string) error
	// Favourites lists a user's favourites, by station ID.
	Favourites(ctx context.Context, userID int64) ([]*Favourite, error)
	// Watchers lists the favourites of a station, every user's.
	Watchers(ctx context.Context, stationID string) ([]*Favourite, error)

	// Prune deletes what is no longer needed, as p says, and returns how many rows it deleted.
	Prune(ctx context.Context, p Pruning) (int64, error)
}

// Pruning says what Prune deletes: sessions that expired or were revoked before
// SessionsBefore, one-time tokens that expired before TokensBefore, throttles whose last
// failure was before ThrottlesBefore (and that are not locked then), and deliveries that were
// delivered or failed and created before DeliveriesBefore. Zero times delete nothing of their
// kind. The audit log is never pruned.
type Pruning struct {
	SessionsBefore   time.Time
	TokensBefore     time.Time
	ThrottlesBefore  time.Time
	DeliveriesBefore time.Time
}

// Scope is what an API key may do within its organisation.
type Scope string

// The scopes of API keys.
const (
	ScopeRead    Scope = "read"    // read stations, sessions, cards
	ScopeOperate Scope = "operate" // change stations, send commands, manage tokens and cards (and read)
	ScopeBilling Scope = "billing" // prices, costs, invoices (and read sessions)
	ScopeAdmin   Scope = "admin"   // manage the organisation's members, keys and webhooks; with no organisation, everything
)

// Scopes lists every scope.
var Scopes = []Scope{ScopeRead, ScopeOperate, ScopeBilling, ScopeAdmin}

// Webhook is a URL that receives a user's or an organisation's events, signed with Secret.
//
// Rules: exactly one of OrgID and UserID is set. Secret is generated by Ladda, shown once, and
// kept encrypted by the store (it is needed to sign). Events lists the event names it wants; empty
// means all. A webhook that is not Active receives nothing.
type Webhook struct {
	ID        int64
	OrgID     int64
	UserID    int64
	URL       string
	Secret    []byte
	Events    []string
	Active    bool
	CreatedAt time.Time
}

// DeliveryKind tells where a delivery goes.
type DeliveryKind string

// The kinds of deliveries.
const (
	EmailDelivery   DeliveryKind = "email"
	WebhookDelivery DeliveryKind = "webhook"
)

// DeliveryStatus is where a delivery stands.
type DeliveryStatus string

// The statuses of deliveries.
const (
	DeliveryPending   DeliveryStatus = "pending"   // waiting for its first or next attempt
	DeliveryDelivered DeliveryStatus = "delivered" // accepted by the receiver
	DeliveryFailed    DeliveryStatus = "failed"    // given up: a permanent refusal or too many attempts
)

// Delivery is one email or webhook call, queued durably and retried with backoff; it is also
// the delivery log.
//
// Rules: an email names the user and a template, not an address: the address is looked up
// when it is sent, so a deleted user gets nothing. A webhook delivery carries its JSON body.
type Delivery struct {
	ID          int64
	Kind        DeliveryKind
	UserID      int64 // email: the recipient
	Template    string
	WebhookID   int64 // webhook: the receiver
	Event       string
	Payload     []byte // webhook: the body; email: the template's data as JSON
	Status      DeliveryStatus
	Attempts    int
	NextAt      time.Time // when the next attempt is due
	LastStatus  int       // webhook: the receiver's last HTTP status
	LastError   string
	CreatedAt   time.Time
	DeliveredAt *time.Time
}

// DeliveryFilter selects deliveries, newest first.
type DeliveryFilter struct {
	WebhookID int64
	UserID    int64
	Status    DeliveryStatus
	Before    int64 // keyset pagination: IDs lower than this
	Limit     int
}

// DeliveryStore keeps webhooks and the queue of deliveries. Errors are *ladda.Error.
type DeliveryStore interface {
	// CreateWebhook stores w and assigns w.ID.
	CreateWebhook(ctx context.Context, w *Webhook) error
	Webhook(ctx context.Context, id int64) (*Webhook, error)
	// Webhooks lists the webhooks of an organisation or a user (the other 0), oldest first;
	// both 0 lists every active webhook.
	Webhooks(ctx context.Context, orgID, userID int64) ([]*Webhook, error)
	// SetWebhookActive turns a webhook on or off.
	SetWebhookActive(ctx context.Context, id int64, active bool) error
	// DeleteWebhook deletes a webhook and its deliveries.
	DeleteWebhook(ctx context.Context, id int64) error

	// Enqueue stores new pending deliveries and assigns their IDs.
	Enqueue(ctx context.Context, ds []*Delivery) error
	// Claim leases up to limit pending deliveries due at now, oldest first, so that no other
	// worker claims them until now+lease; it moves their NextAt to now+lease.
	Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*Delivery, error)
	// Finish stores the outcome of an attempt: Status, Attempts, NextAt, LastStatus, LastError
	// and DeliveredAt of d.
	Finish(ctx context.Context, d *Delivery) error
	Deliveries(ctx context.Context, f DeliveryFilter) ([]*Delivery, error)
}
