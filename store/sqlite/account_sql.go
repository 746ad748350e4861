package sqlite

import "github.com/ladda-csms/ladda/store/internal/sqldb"

// The SQL of API keys, organisations and settings. Contracts: sqldb.AccountQueries.

const (
	keyColumns = `id, name, prefix, hash, org_id, scopes, created_by, created_at, last_used_at, expires_at, revoked_at`

	orgColumns = `id, name, kind, created_at`
)

var accountQueries = sqldb.AccountQueries{
	CreateKey: `
		INSERT INTO api_keys (name, prefix, hash, org_id, scopes, created_by, created_at, last_used_at, expires_at, revoked_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
		ON CONFLICT DO NOTHING
		RETURNING id`,

	KeyByHash: `SELECT ` + keyColumns + ` FROM api_keys WHERE hash = ?1`,

	Key: `SELECT ` + keyColumns + ` FROM api_keys WHERE id = ?1`,

	Keys: `SELECT ` + keyColumns + ` FROM api_keys ORDER BY id`,

	KeysOfOrg: `SELECT ` + keyColumns + ` FROM api_keys WHERE org_id = ?1 ORDER BY id`,

	RevokeKey: `UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1`,

	RevokeKeysBy: `UPDATE api_keys SET revoked_at = ?2 WHERE created_by = ?1 AND revoked_at IS NULL`,

	TouchKeys: `
		UPDATE api_keys SET last_used_at = v.at
		FROM (SELECT value ->> 'id' AS id, value ->> 'at' AS at FROM json_each(?1)) AS v
		WHERE api_keys.id = v.id AND (api_keys.last_used_at IS NULL OR api_keys.last_used_at < v.at)`,

	CreateSetting: `INSERT INTO settings (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING`,

	Setting: `SELECT value FROM settings WHERE name = ?1`,

	SetSetting: `UPDATE settings SET value = ?2 WHERE name = ?1`,

	CreateOrg: `INSERT INTO organisations (name, kind, created_at) VALUES (?1, ?2, ?3) RETURNING id`,

	Org: `SELECT ` + orgColumns + ` FROM organisations WHERE id = ?1`,

	Orgs: `SELECT ` + orgColumns + ` FROM organisations ORDER BY id`,

	OrgExists: `SELECT 1 FROM organisations WHERE id = ?1`,

	RenameOrg: `UPDATE organisations SET name = ?2 WHERE id = ?1`,

	OrgMembers: `
		SELECT
			(SELECT count(*) FROM users WHERE org_id = ?1),
			(SELECT count(*) FROM api_keys WHERE org_id = ?1 AND revoked_at IS NULL),
			(SELECT count(*) FROM stations WHERE org_id = ?1),
			(SELECT count(*) FROM id_tokens WHERE org_id = ?1)`,

	DeleteOrg: `DELETE FROM organisations WHERE id = ?1`,

	DeleteRevokedKeys: `DELETE FROM api_keys WHERE org_id = ?1 AND revoked_at IS NOT NULL`,
}
