package sqlite

import "github.com/ladda-csms/ladda/store/internal/sqldb"

// The SQL of account.Store and of the settings. Contracts: sqldb.AccountQueries.

const keyColumns = `id, name, prefix, hash, role, created_at, last_used_at, expires_at, revoked_at`

var accountQueries = sqldb.AccountQueries{
	CreateKey: `
		INSERT INTO api_keys (name, prefix, hash, role, created_at, last_used_at, expires_at, revoked_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
		ON CONFLICT DO NOTHING
		RETURNING id`,

	KeyByHash: `SELECT ` + keyColumns + ` FROM api_keys WHERE hash = ?1`,

	Keys: `SELECT ` + keyColumns + ` FROM api_keys ORDER BY id`,

	RevokeKey: `UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1`,

	TouchKeys: `
		UPDATE api_keys SET last_used_at = v.at
		FROM (SELECT value ->> 'id' AS id, value ->> 'at' AS at FROM json_each(?1)) AS v
		WHERE api_keys.id = v.id AND (api_keys.last_used_at IS NULL OR api_keys.last_used_at < v.at)`,

	CreateSetting: `INSERT INTO settings (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING`,

	Setting: `SELECT value FROM settings WHERE name = ?1`,
}
