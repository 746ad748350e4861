package sqldb

import (
	"fmt"
	"reflect"
)

// Queries is the SQL of one engine. Each field states the contract of its statement: the
// parameters in order ($1, $2, … in PostgreSQL, ?1, ?2, … in SQLite) and what it returns.
// Times are parameters encoded by Dialect.Time; "nullable" parameters may be NULL, which for
// filters means "do not filter" and for updates "keep the stored value".
//
// Statements that return rows of an entity return its columns in these orders:
//
//	station:     id, description, registration, credential_salt, credential_hash, connected,
//	             ocpp_version, last_seen, boot (JSON text), booted_at, created_at, updated_at,
//	             org_id (NULL: none), site_id (NULL: none)
//	connector:   evse_id, connector_id, status, error_code, info, updated_at (all NULL for a
//	             station without connectors, in a LEFT JOIN)
//	transaction: id, station_id, station_tx_id, start_key, evse_id, connector_id, id_token,
//	             started_at, stopped_at, meter_start_wh, meter_last_wh, meter_stop_wh,
//	             stop_reason, stopped_by, last_seq_no, flags (comma list), updated_at
//	id token:    token, type, status, expires_at, group_id, allow_concurrent, description,
//	             user_id (NULL: none), org_id (NULL: none), label, created_at, updated_at
//	API key:     id, name, prefix, hash, org_id (NULL: none), scopes (comma list), created_by,
//	             created_at, last_used_at, expires_at, revoked_at
//	organisation: id, name, kind, created_at
//	user:        id, email (sealed), name (sealed, NULL: empty), language, role, org_id (NULL:
//	             none), password_hash, email_verified_at, totp_secret (sealed, NULL: none),
//	             totp_enabled_at, totp_last_step, prefs (JSON text), created_at, updated_at
//	session:     id, user_id, hash, kind, pending, ip, user_agent, created_at, last_seen_at,
//	             expires_at, revoked_at
//	one-time token: hash, purpose, user_id, created_at, expires_at, used_at
//	favourite:   user_id, station_id, watch, created_at
//	audit event: id, at, actor_kind, actor_id, actor, org_id, action, target, outcome, ip,
//	             user_agent, detail (JSON text)
//	webhook:     id, org_id (NULL: none), user_id (NULL: none), url, secret (sealed), events
//	             (comma list), active, created_at
//	delivery:    id, kind, user_id (NULL: none), template, webhook_id (NULL: none), event,
//	             payload, status, attempts, next_at, last_status, last_error, created_at,
//	             delivered_at
//	command:     id, station_id, action, request (JSON text), outcome, answer_status,
//	             answer_reason, answer_data, error, requested_by, requested_at, answered_at
//	remote start: id, station_id, evse_id, id_token, status, command_id, transaction_id,
//	             requested_by, requested_at
//	setting:     component, component_instance, evse_id, connector_id, variable,
//	             variable_instance, attribute, value, read_only, unit, data_type, updated_by,
//	             updated_at
//	report:      id, station_id, action, kind, status, reported_at, received_at,
//	             payload (JSON text)
//	reservation: id, station_id, evse_id, connector_type, id_token, token_type, group_id,
//	             starts_at, expires_at, status, command_id, transaction_id, requested_by,
//	             created_at, updated_at
//	campaign:    id, name, firmware, location, retrieve_at, install_at, retries,
//	             retry_interval, signing_certificate, signature, concurrency, deadline, status,
//	             created_by, created_at, updated_at
//	target:      campaign_id, station_id, request_id, status, detail, command_id, attempts,
//	             next_attempt_at, updated_at
//	certificate: id, station_id, kind, csr, status, detail, serial_number, subject, not_before,
//	             not_after, pem, command_id, requested_at, updated_at
//	root:        name, kind, pem, subject, not_after, created_at
//	site:        id, org_id (NULL: none), name, address, postal_code, city, country, region,
//	             time_zone, created_at, updated_at
//	tariff:      id, org_id (NULL: none), name, currency, body (JSON text), created_at,
//	             updated_at
//	assignment:  id, tariff_id, station_id (NULL: none), site_id (NULL: none),
//	             customer_group, created_at
//	cdr:         id, body (JSON text)
//	payment:     id, kind, user_id, transaction_id (NULL: none), state, next_attempt (NULL:
//	             none), version, created_at, updated_at, body (sealed JSON)
//	plan:        id, org_id (NULL: none), name, currency, body (JSON text)
//	subscription: id, plan_id, user_id, org_id, starts_at, ends_at (NULL: running),
//	             billed_until (NULL: never billed)
//	sponsor campaign: id, org_id (NULL: none), status, starts_at, ends_at, created_at,
//	             updated_at, body (JSON text)
//	sponsor delivery: campaign_id, station_id, language, message_id, status, detail,
//	             attempts, command_id (NULL: none), at
type Queries struct {
	Station     StationQueries
	Charging    ChargingQueries
	Account     AccountQueries
	User        UserQueries
	Audit       AuditQueries
	Delivery    DeliveryQueries
	Command     CommandQueries
	RemoteStart RemoteStartQueries
	Settings    SettingQueries
	Report      ReportQueries
	LocalList   LocalListQueries
	Reservation ReservationQueries
	Firmware    FirmwareQueries
	PKI         PKIQueries
	Site        SiteQueries
	Billing     BillingQueries
	Payments    PaymentQueries
	Campaigns   CampaignQueries

	SmartCharging SmartChargingQueries

	ChargingProfile ChargingProfileQueries
}

// StationQueries are the statements of station.Store.
type StationQueries struct {
	// Create (id, description, registration, credential_salt, credential_hash, created_at,
	// updated_at, org_id nullable) inserts a station; on a duplicate id it does nothing (0
	// rows affected).
	Create string
	// Get (id) returns the station's columns followed by the connector columns, one row per
	// connector (one row with NULL connector columns if it has none), ordered by EVSE and
	// connector.
	Get string
	// List (after, registration nullable, connected nullable, limit, org_id nullable,
	// site_id nullable) returns
	// the stations with id > after that match, as Get does, ordered by station id, EVSE,
	// connector; limit counts stations, not rows.
	List string `sqldb:"read"`
	// ListOfOrg is List for the stations of one organisation (org_id not NULL), served by an
	// index of org_id.
	ListOfOrg string `sqldb:"read"`
	// ListOfSite is List for the stations at one site (site_id not NULL), served by an index
	// of site_id.
	ListOfSite string `sqldb:"read"`
	// Exists (id) returns one row if the station exists.
	Exists string
	// Update (id, description nullable, registration nullable, set_credential bool,
	// credential_salt, credential_hash, updated_at, set_org bool, org_id nullable) changes a
	// station; rows affected is 0 if it does not exist.
	Update string
	// Delete (id) removes a station and, by cascade, its connectors and settings.
	Delete string
	// RecordBoot (id, boot JSON, ocpp_version, at) stores boot information, sets booted_at and
	// updated_at to at, and moves last_seen forward to at.
	RecordBoot string
	// SetConnector (station_id, evse_id, connector_id, status, error_code, info, updated_at)
	// inserts or updates a connector of an existing station, unless the stored updated_at is
	// later; rows affected is 0 when the station does not exist or the change is older.
	SetConnector string
	// SetConnected (id, connected bool, ocpp_version, at) sets connected and updated_at; when
	// connecting it also sets the OCPP version (unless empty) and moves last_seen forward.
	SetConnected string
	// ResetConnections () marks every station disconnected.
	ResetConnections string
	// Touch (seen) takes a JSON array of {"id": station id, "at": time as TextTime} and moves
	// each station's last_seen forward to at; an earlier at changes nothing, unknown ids are
	// skipped.
	Touch string
}

// ChargingQueries are the statements of charging.Store.
type ChargingQueries struct {
	// CreateToken (token, type, status, expires_at nullable, group_id, allow_concurrent,
	// description, user_id nullable, org_id nullable, label, created_at, updated_at) inserts
	// a token; a duplicate does nothing.
	CreateToken string
	// Token (token) returns the token's columns.
	Token string
	// Tokens (after, status nullable, group_id nullable, limit, user_id nullable, org_id
	// nullable) lists tokens > after by token.
	Tokens string `sqldb:"read"`
	// TokensOfUser and TokensOfOrg are Tokens for the tokens of one user (user_id not NULL)
	// and of one organisation (org_id not NULL, user_id NULL), served by indexes.
	TokensOfUser string `sqldb:"read"`
	TokensOfOrg  string `sqldb:"read"`
	// UpdateToken (token, type nullable, status nullable, set_expiry bool, expires_at nullable,
	// group_id nullable, allow_concurrent nullable, description nullable, updated_at,
	// set_user bool, user_id nullable, set_org bool, org_id nullable, label nullable).
	UpdateToken string
	// DeleteToken (token).
	DeleteToken string

	// ByStartKey (station_id, start_key) returns the transaction with that start key.
	ByStartKey string
	// ReplaceActive (station_id, evse_id, connector_id, stopped_at, updated_at, flag) stops
	// the active transactions on that connector at the later of their start and stopped_at,
	// adding flag to their flags.
	ReplaceActive string
	// Insert (station_id, station_tx_id, start_key, evse_id, connector_id, id_token,
	// started_at, meter_start_wh, meter_last_wh, last_seq_no, flags, updated_at) inserts a
	// transaction and returns its id.
	Insert string
	// SetStationTxID (id, station_tx_id).
	SetStationTxID string
	// SetIDToken (id, id_token, updated_at) sets the token of a transaction that has none;
	// rows affected is 0 when it has one or does not exist.
	SetIDToken string
	// Get (id) returns the transaction's columns.
	Get string `sqldb:"read"`
	// GetForUpdate (id) is Get within a write, locking the row until the write commits.
	GetForUpdate string
	// Update (id, stopped_at, meter_start_wh, meter_last_wh, meter_stop_wh, stop_reason,
	// stopped_by, last_seq_no, flags, updated_at) overwrites the mutable columns.
	Update string
	// Progress (id) returns station_id, meter_start_wh, meter_last_wh, last_seq_no,
	// last_report_id of a transaction, locking the row until the write commits: what a meter
	// report needs.
	Progress string
	// Advance (id, meter_start_wh, meter_last_wh, last_seq_no, last_report_id, at) stores the
	// progress of a transaction and moves updated_at forward to at. It touches no indexed
	// column, so it stays cheap.
	Advance string
	// RecordMeter is optional: one statement that does for a report within a transaction
	// what Progress, InsertReport and Advance do together, saving round trips on engines with
	// data-modifying WITH clauses. (id, station_id, register_wh nullable, seq_no nullable,
	// evse_id, connector_id, at, samples JSON nullable) returns the transaction's station_id
	// and its last_seq_no before the report, or no row if the transaction does not exist; it
	// changes nothing unless station_id matches.
	RecordMeter string `sqldb:"optional"`
	// InsertReport (station_id, transaction_id nullable, prev_id nullable, evse_id,
	// connector_id, at, samples JSON) stores one meter report and returns its id. prev_id is
	// the transaction's last_report_id before it: the reports of a transaction form a chain.
	InsertReport string
	// Samples (transaction_id) returns the samples JSON of the transaction's reports, following
	// the chain from its last_report_id, ordered by at, then id.
	Samples string `sqldb:"read"`
	// ByStationTxID (station_id, station_tx_id) returns the newest transaction with that id.
	ByStationTxID string `sqldb:"read"`
	// The lists of transactions take the same parameters and apply all of them: (station_id
	// nullable, id_token nullable, active nullable: true selects those not stopped, false
	// those stopped, station_org nullable: transactions at a station whose org_id is this,
	// token_user nullable: of an ID token whose user_id is this, token_org nullable: of an ID
	// token whose org_id is this, started_from nullable: started_at ≥, started_until
	// nullable: started_at <, before: id <, limit). They return the transaction columns by
	// id, descending. They differ in the filter that leads, which is not NULL and which an
	// index serves. List leads with none.
	List          string `sqldb:"read"`
	ListOfStation string `sqldb:"read"`
	// station_id given
	ListOfToken string `sqldb:"read"`
	// id_token given
	ListOfStationOrg string `sqldb:"read"`
	// station_org given
	ListOfTokenUser string `sqldb:"read"`
	// token_user given
	ListOfTokenOrg string `sqldb:"read"`
	// token_org given
	// CountActive (id_token, except_id) counts the token's active transactions other than
	// except_id.
	CountActive string `sqldb:"read"`
	// FlagStale (started_before, flag) adds flag to the active transactions started before
	// started_before that do not have it; rows affected is how many.
	FlagStale string
}

// AccountQueries are the statements of account.KeyStore, of organisations and of the settings.
type AccountQueries struct {
	// CreateKey (name, prefix, hash, org_id nullable, scopes, created_by, created_at,
	// last_used_at, expires_at, revoked_at) inserts a key and returns its id; a duplicate
	// hash returns no row.
	CreateKey string
	// KeyByHash (hash) returns the key's columns.
	KeyByHash string `sqldb:"read"`
	// Key (id) returns the key's columns.
	Key string `sqldb:"read"`
	// Keys () returns all keys by id.
	Keys string `sqldb:"read"`
	// KeysOfOrg (org_id) returns the keys of an organisation by id.
	KeysOfOrg string `sqldb:"read"`
	// RevokeKey (id, at) sets revoked_at unless already set; rows affected is 0 if the key
	// does not exist.
	RevokeKey string
	// RevokeKeysBy (created_by, at) sets revoked_at of the keys a user made that have none.
	RevokeKeysBy string
	// TouchKeys (used) takes a JSON array of {"id": key id, "at": time as TextTime} and moves
	// each key's last_used_at forward to at; unknown ids are skipped.
	TouchKeys string
	// CreateSetting (name, value) inserts a setting; an existing one is kept.
	CreateSetting string
	// Setting (name) returns the value of a setting.
	Setting string
	// SetSetting (name, value) overwrites the value of a setting.
	SetSetting string

	// CreateOrg (name, kind, created_at) inserts an organisation and returns its id.
	CreateOrg string
	// Org (id) returns the organisation columns.
	Org string `sqldb:"read"`
	// Orgs () returns the organisation columns of all organisations by id.
	Orgs string `sqldb:"read"`
	// OrgExists (id) returns one row if the organisation exists.
	OrgExists string
	// RenameOrg (id, name) sets the name; rows affected is 0 if it does not exist.
	RenameOrg string
	// OrgMembers (id) returns how many users, API keys that are not revoked, stations and ID
	// tokens have the organisation's id as org_id, in that order.
	OrgMembers string
	// DeleteOrg (id) removes an organisation and, by cascade, its webhooks; rows affected is
	// 0 if it does not exist. It fails while rows of OrgMembers refer to it.
	DeleteOrg string
	// DeleteRevokedKeys (org_id) removes the revoked API keys of an organisation.
	DeleteRevokedKeys string
}

// UserQueries are the statements of the users of account.Store and of what belongs to them:
// sessions, one-time tokens, recovery codes, favourites; and of throttles.
type UserQueries struct {
	// Create (email sealed, email_index, name sealed nullable, language, role, org_id
	// nullable, password_hash, email_verified_at nullable, totp_secret sealed nullable,
	// totp_enabled_at nullable, totp_last_step, prefs JSON, created_at, updated_at) inserts a
	// user and returns its id; a duplicate email_index returns no row.
	Create string
	// Get (id) returns the user columns.
	Get string
	// ByEmailIndex (email_index) returns the user columns of the user with that index.
	ByEmailIndex string `sqldb:"read"`
	// EmailExists (email_index) returns one row if a user has that index.
	EmailExists string
	// Exists (id) returns one row if the user exists.
	Exists string
	// The lists of users take (org_id nullable, role nullable, after: id >, limit) and return
	// the user columns by id. List leads with no filter, ListOfOrg with the organisation,
	// ListOfRole with the role, which are not NULL.
	List       string `sqldb:"read"`
	ListOfOrg  string `sqldb:"read"`
	ListOfRole string `sqldb:"read"`
	// Update (id, name sealed nullable, set_name bool, language nullable, role nullable,
	// set_org bool, org_id nullable, password_hash nullable, email_verified_at nullable,
	// set_totp_secret bool, totp_secret sealed nullable, totp_enabled_at nullable,
	// clear_totp bool, prefs JSON nullable, updated_at) sets the given columns (a set_ flag
	// sets its column to the value that follows, NULL included); clear_totp sets
	// totp_secret and totp_enabled_at to NULL and totp_last_step to 0. Rows affected is 0 if
	// the user does not exist.
	Update string
	// UnlinkTokens (user_id, updated_at) sets user_id of the user's ID tokens to NULL and
	// their status to 'Blocked'.
	UnlinkTokens string
	// Delete (id) removes a user and, by cascade, their sessions, one-time tokens, recovery
	// codes, favourites, webhooks and deliveries; rows affected is 0 if it does not exist.
	Delete string
	// PruneSessions (before) deletes sessions that expired or were revoked before it;
	// PruneTokens (before) one-time tokens that expired before it; PruneThrottles (before)
	// throttles whose last failure was before it and that are not locked after it.
	PruneSessions  string
	PruneTokens    string
	PruneThrottles string
	// AdvanceTOTP (id, step) sets totp_last_step to step if it is lower; rows affected is 0
	// otherwise, or if the user does not exist.
	AdvanceTOTP string
	// SealedOfUser (id) returns the sealed columns of a user as stored: email, name, totp_secret.
	SealedOfUser string
	// Reseal (id, email sealed, email_index, name sealed nullable, totp_secret sealed nullable,
	// old email, old name, old totp_secret) rewrites the sealed columns of a user if they are
	// still the old ones (NULLs equal); rows affected is 0 otherwise.
	Reseal string

	// CreateSession (user_id, hash, kind, pending, ip, user_agent, created_at, last_seen_at,
	// expires_at, revoked_at nullable) inserts a session and returns its id; a duplicate hash
	// returns no row.
	CreateSession string
	// SessionByHash (hash) returns the session columns.
	SessionByHash string `sqldb:"read"`
	// Sessions (user_id, now) returns the session columns of the user's sessions that are
	// not revoked and expire after now, by id, descending.
	Sessions string `sqldb:"read"`
	// RevokeSession (user_id, id, at) sets revoked_at of the user's session unless set; rows
	// affected is 0 if the user has no such session.
	RevokeSession string
	// RevokeSessions (user_id, except_id, at) sets revoked_at of the user's sessions that
	// have none, except_id's excepted.
	RevokeSessions string
	// TouchSessions (seen) takes a JSON array of {"id": session id, "at": time as TextTime}
	// and moves each session's last_seen_at forward to at; unknown ids are skipped.
	TouchSessions string

	// Throttle (key) returns failures, last_failure and locked_until of a throttle.
	Throttle string `sqldb:"read"`
	// LockThrottle (key, at) inserts a throttle with no failures, last failure at, unless
	// there is one, and returns failures, last_failure and locked_until of the throttle, which
	// it locks until the write's transaction ends.
	LockThrottle string
	// SaveThrottle (key, failures, last_failure, locked_until nullable) overwrites a throttle.
	SaveThrottle string
	// DeleteThrottle (key) removes a throttle.
	DeleteThrottle string

	// CreateToken (hash, purpose, user_id, created_at, expires_at, used_at nullable) inserts
	// a one-time token; a duplicate hash does nothing (0 rows affected).
	CreateToken string
	// UseToken (hash, purpose, now) sets used_at of the token with that hash and purpose to
	// now if it has none and expires after now, and returns its one-time token columns; no
	// row otherwise. One statement: of racing uses, one returns the row.
	UseToken string
	// ExpireTokens (user_id, purpose, at) sets used_at of the user's unused tokens of purpose.
	ExpireTokens string

	// DeleteCodes (user_id) removes a user's recovery codes.
	DeleteCodes string
	// InsertCode (user_id, hash) inserts an unused recovery code; a duplicate does nothing.
	InsertCode string
	// Codes (user_id) returns the hash of each unused recovery code of the user, in byte order.
	Codes string `sqldb:"read"`
	// UseCode (user_id, hash, at) sets used_at of the user's code with that hash if unused;
	// rows affected is 0 otherwise.
	UseCode string

	// SetFavourite (user_id, station_id, watch, created_at) inserts a favourite or sets watch
	// of the one there is (keeping its created_at).
	SetFavourite string
	// DeleteFavourite (user_id, station_id) removes a favourite; rows affected is 0 if there is
	// none.
	DeleteFavourite string
	// Favourites (user_id) returns the favourite columns of a user's favourites by station_id.
	Favourites string `sqldb:"read"`
	// Watchers (station_id) returns the favourite columns of a station's favourites by user_id.
	Watchers string `sqldb:"read"`
}

// AuditQueries are the statements of the audit log of account.Store. The table refuses
// updates and deletes itself.
type AuditQueries struct {
	// Append (at, actor_kind, actor_id, actor, org_id, action, target, outcome, ip,
	// user_agent, detail JSON) inserts an event and returns its id.
	Append string
	// The lists of events take (org_id nullable, actor_kind nullable, actor_id nullable,
	// action nullable: a prefix of action, since nullable: at ≥, until nullable: at <, before:
	// id <, limit) and return the audit event columns by id, descending. List leads with no
	// filter, ListOfOrg with the organisation, ListOfActor with actor_kind (not NULL).
	List        string `sqldb:"read"`
	ListOfOrg   string `sqldb:"read"`
	ListOfActor string `sqldb:"read"`
}

// DeliveryQueries are the statements of account.DeliveryStore. The statuses of deliveries are
// 'pending', 'delivered' and 'failed'; statements name the pending one literally, so that the
// partial index of the queue serves them.
type DeliveryQueries struct {
	// CreateWebhook (org_id nullable, user_id nullable, url, secret sealed, events, active,
	// created_at) inserts a webhook and returns its id.
	CreateWebhook string
	// Webhook (id) returns the webhook columns.
	Webhook string `sqldb:"read"`
	// WebhookExists (id) returns one row if the webhook exists.
	WebhookExists string
	// WebhooksOfOrg (org_id) and WebhooksOfUser (user_id) return the webhook columns of the
	// webhooks of an organisation or a user by id; ActiveWebhooks () those of the active
	// webhooks.
	WebhooksOfOrg  string `sqldb:"read"`
	WebhooksOfUser string `sqldb:"read"`
	ActiveWebhooks string `sqldb:"read"`
	// AllWebhooks (after, limit) returns the webhook columns of every webhook with id > after,
	// by id.
	AllWebhooks string `sqldb:"read"`
	// SealedSecret (id) returns a webhook's secret as stored.
	SealedSecret string
	// ResealWebhook (id, secret sealed, old secret) rewrites a webhook's secret if it is still
	// the old one.
	ResealWebhook string
	// PruneDeliveries (before) deletes deliveries that are not pending and were created before it.
	PruneDeliveries string
	// SetWebhookActive (id, active) sets active; rows affected is 0 if it does not exist.
	SetWebhookActive string
	// DeleteWebhook (id) removes a webhook and, by cascade, its deliveries; rows affected is 0
	// if it does not exist.
	DeleteWebhook string

	// Enqueue (kind, user_id nullable, template, webhook_id nullable, event, payload, status,
	// attempts, next_at, last_status, last_error, created_at, delivered_at nullable) inserts a
	// delivery and returns its id.
	Enqueue string
	// Claim (now, next_at, limit) sets next_at of up to limit pending deliveries whose next_at
	// ≤ now, lowest id first, and returns their delivery columns (in any order). Deliveries
	// another write is claiming are skipped, never returned twice.
	Claim string
	// Finish (id, status, attempts, next_at, last_status, last_error, delivered_at nullable)
	// stores an attempt's outcome; rows affected is 0 if the delivery does not exist.
	Finish string
	// The lists of deliveries take (webhook_id nullable, user_id nullable, status nullable,
	// before: id <, limit) and return the delivery columns by id, descending. List leads
	// with no filter, ListOfWebhook with the webhook, ListOfUser with the user, ListOfStatus
	// with the status, which are not NULL.
	List          string `sqldb:"read"`
	ListOfWebhook string `sqldb:"read"`
	ListOfUser    string `sqldb:"read"`
	ListOfStatus  string `sqldb:"read"`
}

// CommandQueries are the statements of station.CommandLog.
type CommandQueries struct {
	// Insert (station_id, action, request JSON, outcome, answer_status, answer_reason,
	// answer_data, error, requested_by, requested_at, answered_at nullable) inserts an entry
	// and returns its id.
	Insert string
	// Finish (id, outcome, answer_status, answer_reason, answer_data, error, answered_at
	// nullable) stores the outcome of an entry; rows affected is 0 if it does not exist.
	Finish string
	// List (station_id, before, limit) returns the command columns of the station's entries
	// with id < before, newest (highest id) first.
	List string `sqldb:"read"`
}

// RemoteStartQueries are the statements of charging.RemoteStarts.
type RemoteStartQueries struct {
	// Insert (station_id, evse_id, id_token, status, command_id nullable, transaction_id
	// nullable, requested_by, requested_at) inserts a remote start and returns its id.
	Insert string
	// Answer (id, status, command_id nullable) stores the station's answer; rows affected is 0
	// if the remote start does not exist.
	Answer string
	// Get (id) returns the remote start columns.
	Get string `sqldb:"read"`
	// LinkByID (station_id, id, transaction_id) sets transaction_id of the remote start with
	// that id, if it is the station's, has no transaction yet, and no remote start has
	// transaction_id already; rows affected is 1 when it linked, else 0.
	LinkByID string
	// LinkByToken (station_id, id_token, evse_id, since, transaction_id) sets transaction_id
	// of the oldest (by requested_at, then id) remote start of the station for the token that
	// has no transaction, whose status is '' or 'Accepted', whose evse_id is 0 or evse_id, and
	// that was requested at or after since; unless a remote start has transaction_id already.
	// Rows affected is 1 when it linked, else 0. It is one statement, cheap when nothing
	// matches: it runs for every new transaction with a token.
	LinkByToken string
}

// SettingQueries are the statements of station.SettingStore. A setting's key is station_id,
// component, component_instance, evse_id, connector_id, variable, variable_instance and
// attribute, absent parts being ” or 0.
type SettingQueries struct {
	// Upsert (station_id, component, component_instance, evse_id, connector_id, variable,
	// variable_instance, attribute, value, read_only bool, unit, data_type, updated_by,
	// updated_at) inserts a setting of an existing station, or overwrites the other columns
	// of the setting with that key.
	Upsert string
	// DeleteAll (station_id) removes every setting of a station.
	DeleteAll string
	// List (station_id) returns the setting columns of a station's settings ordered by key,
	// text in byte order.
	List string `sqldb:"read"`
}

// ReportQueries are the statements of station.ReportStore.
type ReportQueries struct {
	// Insert (station_id, action, kind, status, reported_at, received_at, payload JSON)
	// inserts a report and returns its id.
	Insert string
	// List (station_id, before, limit) returns the report columns of the station's reports
	// with id < before, newest (highest id) first.
	List string `sqldb:"read"`
	// ListOfAction (station_id, action, before, limit) is List for the reports of one action.
	ListOfAction string `sqldb:"read"`
}

// LocalListQueries are the statements of charging.LocalLists.
type LocalListQueries struct {
	// DeleteTokens (station_id) removes the tokens assigned to a station's list.
	DeleteTokens string
	// InsertTokens (station_id, tokens) takes a JSON array of token strings and assigns each
	// to the station's list; a token assigned already is skipped.
	InsertTokens string
	// Tokens (station_id) returns the token of each assigned token, in byte order.
	Tokens string `sqldb:"read"`
	// Sent (station_id) returns version and entries (JSON text) of the list the station last
	// accepted, or no row.
	Sent string `sqldb:"read"`
	// SaveSent (station_id, version, entries JSON, sent_at) inserts or overwrites the list the
	// station last accepted.
	SaveSent string
	// DeleteSent (station_id) removes the list the station last accepted.
	DeleteSent string
}

// ReservationQueries are the statements of charging.Reservations. The active statuses are
// 'Scheduled', 'Sending' and 'Accepted' (charging.ActiveReservation); statements that need
// them name them literally, so that the partial indexes of active reservations serve them.
type ReservationQueries struct {
	// Lock is optional: () takes, within a write, a lock that makes the overlap check and the
	// insert of a reservation atomic against writes of other committers and processes, held
	// until the write's transaction ends; DeleteStation takes it too. Engines with a single
	// writer need none.
	Lock string `sqldb:"optional"`
	// Overlap (station_id, evse_id, id_token, starts_at, expires_at) returns the reservation
	// columns of the active reservation with the lowest id whose slot overlaps starts_at to
	// expires_at (it starts before expires_at and expires after starts_at) and that is either
	// of the station, on evse_id or with either EVSE 0, or of the token; no row if there is
	// none.
	Overlap string
	// Insert (station_id, evse_id, connector_type, id_token, token_type, group_id, starts_at,
	// expires_at, status, command_id nullable, transaction_id nullable, requested_by,
	// created_at, updated_at) inserts a reservation and returns its id.
	Insert string
	// Get (id) returns the reservation columns.
	Get string `sqldb:"read"`
	// Exists (id) returns one row if the reservation exists.
	Exists string
	// Change (id, from, status nullable, command_id nullable, transaction_id nullable,
	// updated_at nullable) sets the given columns of the reservation if its status is one of
	// from, a JSON array of statuses; rows affected is 1 when it changed, else 0.
	Change string
	// DeleteOfStation (station_id) removes a station's reservations.
	DeleteOfStation string

	// The lists take the same parameters and apply all of them: (station_id nullable,
	// id_token nullable, statuses nullable: a JSON array of statuses, any of which, starts_before
	// nullable: starts_at ≤, expires_before nullable: expires_at ≤, updated_before nullable:
	// updated_at ≤, active_at nullable: starts_at ≤ active_at < expires_at, before: id <,
	// limit nullable: no limit, station_org nullable: of a station whose org_id is this).
	// They differ in the filter that leads, which is not NULL and which an index serves. List
	// leads with none.
	List             ReservationListQueries `sqldb:"read"`
	ListOfStation    ReservationListQueries `sqldb:"read"` // station_id given
	ListOfToken      ReservationListQueries `sqldb:"read"` // id_token given
	ListOfStatus     ReservationListQueries `sqldb:"read"` // statuses given: the scheduler's lists
	ListOfStationOrg ReservationListQueries `sqldb:"read"` // station_org given
}

// ReservationListQueries are one list of reservations in both orders.
type ReservationListQueries struct {
	// NewestFirst returns the reservation columns of the selected reservations by id,
	// descending.
	NewestFirst string
	// OldestFirst returns them by id, ascending.
	OldestFirst string
}

// FirmwareQueries are the statements of firmware.Store.
type FirmwareQueries struct {
	// InsertCampaign (name, firmware, location, retrieve_at, install_at nullable, retries
	// nullable, retry_interval nullable, signing_certificate, signature, concurrency, deadline,
	// status, created_by, created_at, updated_at) inserts a campaign and returns its id.
	InsertCampaign string
	// Stations (stations) takes a JSON array of station ids and returns the id of each that
	// exists. Within a write it keeps them from being deleted until the write's transaction
	// ends, where other committers or processes could delete them meanwhile.
	Stations string
	// UsedRequestID (request_ids, campaign_id) takes a JSON array of request ids and returns
	// the target columns of the target of a campaign other than campaign_id with the lowest of
	// them, or no row.
	UsedRequestID string
	// InsertTargets (campaign_id, targets) takes a JSON array of objects with the keys
	// station_id, request_id, status, detail, command_id (null: none), attempts,
	// next_attempt_at and updated_at (times as TextTime) and inserts each as a target of the
	// campaign; one whose request id (or campaign and station) is taken already is skipped, so
	// rows affected is how many it inserted.
	InsertTargets string
	// Campaign (id) returns the campaign columns.
	Campaign string `sqldb:"read"`
	// CampaignExists (id) returns one row if the campaign exists.
	CampaignExists string
	// SetCampaignStatus (id, from, to, updated_at nullable) sets the status (and updated_at)
	// of the campaign if its status is from; rows affected is 1 when it changed, else 0.
	SetCampaignStatus string
	// The lists of campaigns take (status nullable, before: id <, limit nullable: no limit) and
	// return the campaign columns by id, descending. Campaigns leads with no filter,
	// CampaignsOfStatus with the status, which is not NULL.
	Campaigns         string `sqldb:"read"`
	CampaignsOfStatus string `sqldb:"read"`
	// The lists of targets take (campaign_id, statuses nullable: a JSON array of statuses, any
	// of which, due_by nullable: next_attempt_at ≤, after: station_id >, limit nullable: no
	// limit) and return the target columns by station id. Targets leads with no filter,
	// TargetsOfStatus with the statuses, which are not NULL.
	Targets         string `sqldb:"read"`
	TargetsOfStatus string `sqldb:"read"`
	// TargetCounts (campaign_id) returns status and the number of the campaign's targets in
	// it, for each status that has some.
	TargetCounts string `sqldb:"read"`
	// TargetExists (campaign_id, station_id) returns one row if the target exists.
	TargetExists string
	// ChangeTarget (campaign_id, station_id, from, status nullable, detail, command_id
	// nullable, attempts nullable, next_attempt_at nullable, updated_at nullable) sets detail
	// and the other given columns of the target if its status is one of from, a JSON array of
	// statuses; rows affected is 1 when it changed, else 0.
	ChangeTarget string
	// TargetOfRequest (station_id, request_id) returns the target columns of the station's
	// target with that request id.
	TargetOfRequest string `sqldb:"read"`
	// UpdatingTarget (station_id) returns the target columns of the station's target in
	// status 'Updating' with the highest campaign id.
	UpdatingTarget string `sqldb:"read"`
	// DeleteOfStation (station_id) removes a station's targets.
	DeleteOfStation string
}

// PKIQueries are the statements of pki.Store.
type PKIQueries struct {
	// Station (station_id) returns one row if the station exists. Within a write it keeps the
	// station from being deleted until the write's transaction ends, where other committers or
	// processes could delete it meanwhile.
	Station string
	// InsertCertificate (station_id, kind, csr, status, detail, serial_number, subject,
	// not_before nullable, not_after nullable, pem, command_id nullable, requested_at,
	// updated_at) inserts a certificate request and returns its id.
	InsertCertificate string
	// Certificate (id) returns the certificate columns.
	Certificate string `sqldb:"read"`
	// CertificateExists (id) returns one row if the certificate request exists.
	CertificateExists string
	// ChangeCertificate (id, from, status nullable, detail nullable, serial_number nullable,
	// subject nullable, not_before nullable, not_after nullable, pem nullable, command_id
	// nullable, updated_at nullable) sets the given columns of the request if its status is
	// one of from, a JSON array of statuses; rows affected is 1 when it changed, else 0.
	ChangeCertificate string
	// The lists of certificate requests take (station_id nullable, statuses nullable: a JSON
	// array of statuses, any of which, before: id <, limit nullable: no limit) and return the
	// certificate columns by id, descending. Certificates leads with no filter,
	// CertificatesOfStation with the station, CertificatesOfStatus with the statuses, which
	// are not NULL.
	Certificates          string `sqldb:"read"`
	CertificatesOfStation string `sqldb:"read"`
	CertificatesOfStatus  string `sqldb:"read"`
	// DeleteOfStation (station_id) removes a station's certificate requests.
	DeleteOfStation string
	// PutRoot (name, kind, pem, subject, not_after, created_at) inserts a root, or overwrites
	// the other columns of the root with that name.
	PutRoot string
	// The lists of roots take (kind nullable) and return the root columns by name, text in
	// byte order. Roots leads with no filter, RootsOfKind with the kind, which is not NULL.
	Roots       string `sqldb:"read"`
	RootsOfKind string `sqldb:"read"`
	// DeleteRoot (name) removes a root; rows affected is 0 if it does not exist.
	DeleteRoot string
}

// SiteQueries are the statements of station.SiteStore.
type SiteQueries struct {
	// Insert (org_id nullable, name, address, postal_code, city, country, region, time_zone,
	// created_at, updated_at) inserts a site and returns its id.
	Insert string
	// Get (id) returns the site columns.
	Get string `sqldb:"read"`
	// List (org_id nullable: every site) returns the site columns by id.
	List string `sqldb:"read"`
	// Update (id, name, address, postal_code, city, country, region, time_zone, updated_at)
	// sets those columns; rows affected is 0 for an unknown site.
	Update string
	// Delete (id) removes the site unless a station stands at it; rows affected is 0 then, or
	// for an unknown site.
	Delete string
	// Exists (id) returns one row if the site exists.
	Exists string
}

// BillingQueries are the statements of billing.Store.
type BillingQueries struct {
	// InsertTariff (org_id nullable, name, currency, body, created_at, updated_at) inserts a
	// tariff and returns its id.
	InsertTariff string
	// Tariff (id) returns the tariff columns.
	Tariff string `sqldb:"read"`
	// Tariffs (org_id nullable: every tariff) returns the tariff columns by id.
	Tariffs string `sqldb:"read"`
	// UpdateTariff (id, name, currency, body, updated_at) sets those columns; rows affected is
	// 0 for an unknown tariff.
	UpdateTariff string
	// DeleteTariff (id) removes a tariff and, by cascade, its assignments.
	DeleteTariff string
	// TariffExists (id) returns one row if the tariff exists.
	TariffExists string
	// InsertAssignment (tariff_id, station_id nullable, site_id nullable, customer_group,
	// created_at) inserts an assignment and returns its id, or returns no row when the place
	// has a tariff for the group already.
	InsertAssignment string
	// Assignments (tariff_id) returns the assignment columns of a tariff by id.
	Assignments string `sqldb:"read"`
	// AssignmentsAt (station_id) returns the assignment columns of the assignments to the
	// station and to its site, by id.
	AssignmentsAt string `sqldb:"read"`
	// DeleteAssignment (id) removes an assignment; rows affected is 0 for an unknown one.
	DeleteAssignment string
	// InsertPrice (transaction_id, tariff_id, body, created_at) inserts a transaction's price
	// unless it has one; rows affected is 0 then.
	InsertPrice string
	// Price (transaction_id) returns the body of a transaction's price.
	Price string
	// TransactionExists (id) returns one row if the transaction exists.
	TransactionExists string
	// InsertCDR (transaction_id, station_id, org_id, site_id, tariff_id, id_token, user_id,
	// token_org_id, currency, total, issued_at, body) inserts a CDR and returns its id, or
	// returns no row when the transaction has one already.
	InsertCDR string
	// CDROfTransaction (transaction_id) returns the cdr columns.
	CDROfTransaction string
	// CDR (id) returns the cdr columns.
	CDR string `sqldb:"read"`
	// CDRs (org_id nullable, user_id nullable, token_org_id nullable, station_id nullable,
	// before: id <, limit nullable: no limit) returns the cdr columns by id, descending.
	CDRs string `sqldb:"read"`
	// Unbilled (limit) returns the ids of stopped transactions that have a price but no CDR,
	// by id.
	Unbilled string `sqldb:"read"`

	// NextNumber (series) takes the next number of a series, creating it at 1, and returns it.
	NextNumber string
	// InsertInvoice (series, number, kind, seller_org_id, buyer_user_id, buyer_org_id,
	// credits_id nullable, currency, total, issued_at, body) inserts an invoice and returns its
	// id, or returns no row when the credited invoice is credited already.
	InsertInvoice string
	// BillCDR (cdr_id, invoice_id) records that an invoice bills a CDR, or returns no row when
	// another does.
	BillCDR string
	// FreeCDRs (invoice_id) forgets which CDRs an invoice bills.
	FreeCDRs string
	// Invoice (id) returns the invoice columns: id, number, body.
	Invoice string `sqldb:"read"`
	// InvoiceExists (id) returns one row if the invoice exists.
	InvoiceExists string
	// Invoices (seller_org_id nullable, buyer_user_id nullable, buyer_org_id nullable,
	// before: id <, limit nullable) returns the invoice columns by id, descending.
	Invoices string `sqldb:"read"`
	// InvoiceOfCDR (cdr_id) returns the invoice columns of the invoice billing a CDR.
	InvoiceOfCDR string `sqldb:"read"`
	// AllInvoices (after: id >, limit) returns id and body by id, for Reseal.
	AllInvoices string `sqldb:"read"`
	// ResealInvoice (id, old body, new body) replaces the body if it is still old.
	ResealInvoice string
	// Uninvoiced (org_id nullable, user_id nullable, token_org_id nullable, station_id
	// nullable, before: id <, until: issued_at <, limit nullable) returns the cdr columns of
	// CDRs no invoice bills, by id, descending.
	Uninvoiced string `sqldb:"read"`
	// CDRExists (id) returns one row if the CDR exists.
	CDRExists string
	// CDRBilled (cdr_id) returns the id of the invoice that bills a CDR.
	CDRBilled string
	// Credited (id) returns the id of the credit note that cancels an invoice.
	Credited string
	// SubscriptionBilled (id) returns a subscription's billed_until (NULL: never billed).
	SubscriptionBilled string
	// BillSubscription (id, billed_until) sets how far a subscription is invoiced.
	BillSubscription string
	// TaxRates () returns the body of the operator's tax rates, if set.
	TaxRates string
	// PutTaxRates (body, updated_at) sets the operator's tax rates.
	PutTaxRates string
	// What billing keeps to bill a user again, removed when the user is deleted (DeleteUser);
	// invoices, CDRs, payments and the ledger stay as billing records.
	// ForgetPaymentAccount (user_id) deletes their payment account.
	ForgetPaymentAccount string
	// ForgetDetails (user_id as text) deletes their billing details.
	ForgetDetails string
	// EndSubscriptionsOf (user_id, at) ends their running subscriptions at at.
	EndSubscriptionsOf string
	// Details (owner) returns the body of an owner's billing details.
	Details string
	// PutDetails (owner, body, updated_at) sets an owner's billing details.
	PutDetails string
	// AllDetails (after: owner >, limit) returns owner and body by owner, for Reseal.
	AllDetails string `sqldb:"read"`
	// ResealDetails (owner, old body, new body) replaces the body if it is still old.
	ResealDetails string
}

// PaymentQueries are the statements of billing.Payments.
type PaymentQueries struct {
	// PutAccount (user_id, mode, body, updated_at) sets a user's payment account.
	PutAccount string
	// Account (user_id) returns mode, body and updated_at of a user's payment account.
	Account string `sqldb:"read"`
	// DeleteAccount (user_id) removes a payment account; rows affected is 0 for none.
	DeleteAccount string
	// AllAccounts (after: user_id >, limit) returns user_id and body by user_id, for Reseal.
	AllAccounts string `sqldb:"read"`
	// ResealAccount (user_id, old body, new body) replaces the body if it is still old.
	ResealAccount string

	// InsertPayment (kind, user_id, transaction_id nullable, state, next_attempt nullable,
	// ref_index nullable, version, created_at, updated_at, body, org_id) inserts a payment and
	// returns its id, or returns no row when the transaction has a payment of the kind already.
	InsertPayment string
	// PaymentOfTransaction (transaction_id, kind) returns the payment columns.
	PaymentOfTransaction string
	// PaymentHead (id) returns version, kind, user_id, transaction_id and created_at of a
	// payment.
	PaymentHead string
	// UpdatePayment (id, version, state, next_attempt nullable, ref_index nullable,
	// updated_at, body) sets those columns and advances the version by one, if the version is
	// still the one given; rows affected is 0 otherwise.
	UpdatePayment string
	// Payment (id) returns the payment columns.
	Payment string `sqldb:"read"`
	// PaymentByRef (ref_index) returns the payment columns of the newest payment with that
	// index.
	PaymentByRef string `sqldb:"read"`
	// Payments (user_id nullable, states nullable: JSON array of states, due_before nullable:
	// next_attempt <, before: id <, limit nullable, org_id nullable) returns the payment
	// columns by id, descending.
	Payments string `sqldb:"read"`
	// AllPayments (after: id >, limit) returns id and body by id, for Reseal.
	AllPayments string `sqldb:"read"`
	// ResealPayment (id, old body, new body, ref_index nullable) replaces the body and the
	// reference's index if the body is still old. The version stays: the payment is unchanged.
	ResealPayment string
	// InsertGatewayEvent (id, received_at) records a gateway event; rows affected is 0 when it
	// was recorded before.
	InsertGatewayEvent string

	// InsertEntry (kind, ref, currency, at, body) inserts a ledger entry and returns its id, or
	// returns no row when an entry of the kind and ref exists.
	InsertEntry string
	// InsertPosting (entry_id, account, currency, minor) inserts a posting of an entry.
	InsertPosting string
	// EntryByRef (kind, ref) returns id and body of an entry.
	EntryByRef string
	// Balance (account, currency) returns the sum of the minor units of the account's postings
	// in the currency, 0 for none.
	Balance string `sqldb:"read"`
	// Entries (account, before: id <, limit nullable) returns id and body of the entries with a
	// posting to the account by id, descending.
	Entries string `sqldb:"read"`

	// InsertPlan (org_id nullable, name, currency, body, created_at, updated_at) inserts a plan
	// and returns its id.
	InsertPlan string
	// Plan (id) returns the plan columns.
	Plan string
	// Plans (org_id nullable: every plan) returns the plan columns by id.
	Plans string `sqldb:"read"`
	// UpdatePlan (id, name, currency, body, updated_at) sets those columns and returns org_id,
	// or returns no row for an unknown plan.
	UpdatePlan string
	// InsertSubscription (plan_id, user_id, org_id, starts_at, ends_at nullable, created_at)
	// inserts a subscription and returns its id, or returns no row when it runs and the user
	// has a running subscription of the organisation.
	InsertSubscription string
	// RunningSubscription (user_id, org_id) returns the id of the user's subscription of the
	// organisation that has not ended.
	RunningSubscription string
	// Subscription (id) returns the subscription columns.
	Subscription string
	// Subscriptions (user_id nullable, plan_id nullable) returns the subscription columns by
	// id.
	Subscriptions string `sqldb:"read"`
	// EndSubscription (id, ends_at) sets the end of a running subscription; rows affected is 0
	// when it has none or has ended.
	EndSubscription string

	// PutSchedule (name, currency, step, body, updated_at) sets a price schedule.
	PutSchedule string
	// Schedule (name) returns the body of a price schedule.
	Schedule string `sqldb:"read"`
	// Schedules () returns name, currency and step of every price schedule by name.
	Schedules string `sqldb:"read"`
	// DeleteSchedule (name) removes a price schedule; rows affected is 0 for none.
	DeleteSchedule string
}

// CampaignQueries are the statements of billing.Campaigns.
type CampaignQueries struct {
	// InsertCampaign (org_id nullable, status, starts_at, ends_at, created_at, updated_at,
	// body) inserts a sponsorship campaign and returns its id.
	InsertCampaign string
	// Campaign (id) returns the sponsor campaign columns.
	Campaign string `sqldb:"read"`
	// CampaignExists (id) returns one row if the campaign exists.
	CampaignExists string
	// The lists of campaigns take (org_id nullable, statuses nullable: a JSON array of
	// statuses, any of which, ends_after nullable: ends_at >) and return the sponsor campaign
	// columns by id. Campaigns leads with no filter, CampaignsOfStatus with the statuses,
	// which are not NULL.
	Campaigns         string `sqldb:"read"`
	CampaignsOfStatus string `sqldb:"read"`
	// SetCampaignStatus (id, from, to, updated_at) sets status and updated_at if the status is
	// from; rows affected is 1 when it changed, else 0.
	SetCampaignStatus string
	// PutDelivery (campaign_id, station_id, language, message_id, status, detail, attempts,
	// command_id nullable, at) inserts a delivery, or overwrites the other columns of the one
	// of that campaign, station and language.
	PutDelivery string
	// Deliveries (campaign_id) returns the sponsor delivery columns of a campaign by
	// station_id, then language, in byte order.
	Deliveries string `sqldb:"read"`
}

// The tags of Queries fields: `sqldb:"optional"` marks a statement an engine may leave empty;
// `sqldb:"read"` one that only reads run on the read pool, which New does not prepare on the
// write pool (a write that runs one all the same prepares it in its transaction, each time).
const (
	optional = "optional"
	read     = "read"
)

// check reports the fields of q left empty.
func (q *Queries) check() error {
	var missing []string
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		for i := range v.NumField() {
			f, name := v.Field(i), path+v.Type().Field(i).Name
			switch f.Kind() {
			case reflect.Struct:
				walk(f, name+".")
			case reflect.String:
				if f.String() == "" && v.Type().Field(i).Tag.Get("sqldb") != optional {
					missing = append(missing, name)
				}
			}
		}
	}
	walk(reflect.ValueOf(q).Elem(), "")
	if len(missing) > 0 {
		return fmt.Errorf("sqldb: queries missing: %v", missing)
	}
	return nil
}

// writes returns the statements of q that writes may run: all but those tagged read.
func (q *Queries) writes() []string {
	var out []string
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		for i := range v.NumField() {
			if v.Type().Field(i).Tag.Get("sqldb") == read {
				continue
			}
			switch f := v.Field(i); f.Kind() {
			case reflect.Struct:
				walk(f)
			case reflect.String:
				if f.String() != "" {
					out = append(out, f.String())
				}
			}
		}
	}
	walk(reflect.ValueOf(q).Elem())
	return out
}
