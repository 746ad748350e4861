package postgres

import "github.com/ladda-csms/ladda/store/internal/sqldb"

// The SQL of charging.LocalLists. Contracts: sqldb.LocalListQueries.

var localListQueries = sqldb.LocalListQueries{
	DeleteTokens: `DELETE FROM local_list_tokens WHERE station_id = $1`,

	InsertTokens: `
		INSERT INTO local_list_tokens (station_id, token)
		SELECT $1::text, t FROM jsonb_array_elements_text($2::jsonb) AS t
		ON CONFLICT (station_id, token) DO NOTHING`,

	Tokens: `SELECT token FROM local_list_tokens WHERE station_id = $1 ORDER BY token`,

	Sent: `SELECT version, entries FROM local_list_sent WHERE station_id = $1`,

	SaveSent: `
		INSERT INTO local_list_sent (station_id, version, entries, sent_at)
		VALUES ($1, $2, $3::jsonb, $4)
		ON CONFLICT (station_id) DO UPDATE SET
			version = excluded.version,
			entries = excluded.entries,
			sent_at = excluded.sent_at`,

	DeleteSent: `DELETE FROM local_list_sent WHERE station_id = $1`,
}
