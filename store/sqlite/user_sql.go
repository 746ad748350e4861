package sqlite

import "github.com/ladda-csms/ladda/store/internal/sqldb"

// The SQL of users and what belongs to them, and of throttles. Contracts: sqldb.UserQueries.

const (
	userColumns = `id, email, name, language, role, org_id, password_hash, email_verified_at, totp_secret, totp_enabled_at,
	totp_last_step, prefs, created_at, updated_at`

	sessionColumns = `id, user_id, hash, kind, pending, ip, user_agent, created_at, last_seen_at, expires_at, revoked_at`

	oneTimeTokenColumns = `hash, purpose, user_id, created_at, expires_at, used_at`

	favouriteColumns = `user_id, station_id, watch, created_at`
)

var userQueries = sqldb.UserQueries{
	Create: `
		INSERT INTO users (email, email_index, name, language, role, org_id, password_hash, email_verified_at, totp_secret,
			totp_enabled_at, totp_last_step, prefs, created_at, updated_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
		ON CONFLICT DO NOTHING
		RETURNING id`,

	Get: `SELECT ` + userColumns + ` FROM users WHERE id = ?1`,

	ByEmailIndex: `SELECT ` + userColumns + ` FROM users WHERE email_index = ?1`,

	EmailExists: `SELECT 1 FROM users WHERE email_index = ?1`,

	Exists: `SELECT 1 FROM users WHERE id = ?1`,

	List:       userList(`true`),
	ListOfOrg:  userList(`org_id = ?1`),
	ListOfRole: userList(`role = ?2`),

	Update: `
		UPDATE users SET
			name              = CASE WHEN ?3 THEN ?2 ELSE name END,
			language          = coalesce(?4, language),
			role              = coalesce(?5, role),
			org_id            = CASE WHEN ?6 THEN ?7 ELSE org_id END,
			password_hash     = coalesce(?8, password_hash),
			email_verified_at = coalesce(?9, email_verified_at),
			totp_secret       = CASE WHEN ?13 THEN NULL WHEN ?10 THEN ?11 ELSE totp_secret END,
			totp_enabled_at   = CASE WHEN ?13 THEN NULL ELSE coalesce(?12, totp_enabled_at) END,
			totp_last_step    = CASE WHEN ?13 THEN 0 ELSE totp_last_step END,
			prefs             = coalesce(?14, prefs),
			updated_at        = ?15
		WHERE id = ?1`,

	UnlinkTokens: `UPDATE id_tokens SET user_id = NULL, status = 'Blocked', updated_at = ?2 WHERE user_id = ?1`,

	Delete: `DELETE FROM users WHERE id = ?1`,

	PruneSessions: `DELETE FROM sessions WHERE expires_at < ?1 OR revoked_at < ?1`,

	PruneTokens: `DELETE FROM one_time_tokens WHERE expires_at < ?1`,

	PruneThrottles: `DELETE FROM throttles WHERE last_failure < ?1 AND (locked_until IS NULL OR locked_until < ?1)`,

	AdvanceTOTP: `UPDATE users SET totp_last_step = ?2 WHERE id = ?1 AND totp_last_step < ?2`,

	SealedOfUser: `SELECT email, name, totp_secret FROM users WHERE id = ?1`,

	Reseal: `
		UPDATE users SET email = ?2, email_index = ?3, name = ?4, totp_secret = ?5
		WHERE id = ?1 AND email = ?6 AND name IS ?7 AND totp_secret IS ?8`,

	CreateSession: `
		INSERT INTO sessions (user_id, hash, kind, pending, ip, user_agent, created_at, last_seen_at, expires_at, revoked_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
		ON CONFLICT DO NOTHING
		RETURNING id`,

	SessionByHash: `SELECT ` + sessionColumns + ` FROM sessions WHERE hash = ?1`,

	Sessions: `
		SELECT ` + sessionColumns + ` FROM sessions
		WHERE user_id = ?1 AND revoked_at IS NULL AND expires_at > ?2
		ORDER BY id DESC`,

	RevokeSession: `UPDATE sessions SET revoked_at = coalesce(revoked_at, ?3) WHERE id = ?2 AND user_id = ?1`,

	RevokeSessions: `UPDATE sessions SET revoked_at = ?3 WHERE user_id = ?1 AND id <> ?2 AND revoked_at IS NULL`,

	TouchSessions: `
		UPDATE sessions SET last_seen_at = v.at
		FROM (SELECT value ->> 'id' AS id, value ->> 'at' AS at FROM json_each(?1)) AS v
		WHERE sessions.id = v.id AND sessions.last_seen_at < v.at`,

	Throttle: `SELECT failures, last_failure, locked_until FROM throttles WHERE key = ?1`,

	// The single writer holds the database's write lock for the whole write: the row stays
	// as read until SaveThrottle.
	LockThrottle: `
		INSERT INTO throttles (key, failures, last_failure) VALUES (?1, 0, ?2)
		ON CONFLICT (key) DO UPDATE SET failures = failures
		RETURNING failures, last_failure, locked_until`,

	SaveThrottle: `UPDATE throttles SET failures = ?2, last_failure = ?3, locked_until = ?4 WHERE key = ?1`,

	DeleteThrottle: `DELETE FROM throttles WHERE key = ?1`,

	CreateToken: `
		INSERT INTO one_time_tokens (` + oneTimeTokenColumns + `)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6)
		ON CONFLICT DO NOTHING`,

	UseToken: `
		UPDATE one_time_tokens SET used_at = ?3
		WHERE hash = ?1 AND purpose = ?2 AND used_at IS NULL AND expires_at > ?3
		RETURNING ` + oneTimeTokenColumns,

	ExpireTokens: `UPDATE one_time_tokens SET used_at = ?3 WHERE user_id = ?1 AND purpose = ?2 AND used_at IS NULL`,

	DeleteCodes: `DELETE FROM recovery_codes WHERE user_id = ?1`,

	InsertCode: `INSERT INTO recovery_codes (user_id, hash) VALUES (?1, ?2) ON CONFLICT DO NOTHING`,

	Codes: `SELECT hash FROM recovery_codes WHERE user_id = ?1 AND used_at IS NULL ORDER BY hash`,

	UseCode: `UPDATE recovery_codes SET used_at = ?3 WHERE user_id = ?1 AND hash = ?2 AND used_at IS NULL`,

	SetFavourite: `
		INSERT INTO favourites (` + favouriteColumns + `) VALUES (?1, ?2, ?3, ?4)
		ON CONFLICT (user_id, station_id) DO UPDATE SET watch = excluded.watch`,

	DeleteFavourite: `DELETE FROM favourites WHERE user_id = ?1 AND station_id = ?2`,

	Favourites: `SELECT ` + favouriteColumns + ` FROM favourites WHERE user_id = ?1 ORDER BY station_id`,

	Watchers: `SELECT ` + favouriteColumns + ` FROM favourites WHERE station_id = ?1 ORDER BY user_id`,
}

// userList returns a list of users that leads with the condition lead, so that an index can
// serve it.
func userList(lead string) string {
	return `
		SELECT ` + userColumns + ` FROM users
		WHERE ` + lead + ` AND id > ?3
		  AND (?1 IS NULL OR org_id = ?1)
		  AND (?2 IS NULL OR role = ?2)
		ORDER BY id
		LIMIT ?4`
}
