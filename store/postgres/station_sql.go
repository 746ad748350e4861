package postgres

import "github.com/ladda-csms/ladda/store/internal/sqldb"

// The SQL of station.Store. Contracts: sqldb.StationQueries.

const stationColumns = `s.id, s.description, s.registration, s.credential_salt, s.credential_hash, s.connected,
	s.ocpp_version, s.last_seen, s.boot, s.booted_at, s.created_at, s.updated_at, s.org_id, s.site_id,
	c.evse_id, c.connector_id, c.status, c.error_code, c.info, c.updated_at`

var stationQueries = sqldb.StationQueries{
	Create: `
		INSERT INTO stations (id, description, registration, credential_salt, credential_hash, created_at, updated_at, org_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (id) DO NOTHING`,

	Get: `
		SELECT ` + stationColumns + `
		FROM stations s LEFT JOIN connectors c ON c.station_id = s.id
		WHERE s.id = $1
		ORDER BY c.evse_id, c.connector_id`,

	List:       stationList(`true`),
	ListOfOrg:  stationList(`org_id = $5`),
	ListOfSite: stationList(`site_id = $6`),

	Exists: `SELECT 1 FROM stations WHERE id = $1`,

	Update: `
		UPDATE stations SET
			description     = coalesce($2, description),
			registration    = coalesce($3, registration),
			credential_salt = CASE WHEN $4::boolean THEN $5::bytea ELSE credential_salt END,
			credential_hash = CASE WHEN $4::boolean THEN $6::bytea ELSE credential_hash END,
			updated_at      = $7,
			org_id          = CASE WHEN $8::boolean THEN $9::bigint ELSE org_id END,
			site_id         = CASE WHEN $10::boolean THEN $11::bigint ELSE site_id END
		WHERE id = $1`,

	Delete: `DELETE FROM stations WHERE id = $1`,

	RecordBoot: `
		UPDATE stations SET
			boot         = $2::jsonb,
			ocpp_version = $3,
			booted_at    = $4,
			last_seen    = greatest(last_seen, $4),
			updated_at   = $4
		WHERE id = $1`,

	SetConnector: `
		INSERT INTO connectors (station_id, evse_id, connector_id, status, error_code, info, updated_at)
		SELECT $1::text, $2::integer, $3::integer, $4::text, $5::text, $6::text, $7::timestamptz
		WHERE EXISTS (SELECT 1 FROM stations WHERE id = $1)
		ON CONFLICT (station_id, evse_id, connector_id) DO UPDATE SET
			status     = excluded.status,
			error_code = excluded.error_code,
			info       = excluded.info,
			updated_at = excluded.updated_at
		WHERE excluded.updated_at >= connectors.updated_at`,

	SetConnected: `
		UPDATE stations SET
			connected    = $2,
			ocpp_version = CASE WHEN $2 AND $3::text <> '' THEN $3 ELSE ocpp_version END,
			last_seen    = CASE WHEN $2 THEN greatest(last_seen, $4) ELSE last_seen END,
			updated_at   = $4
		WHERE id = $1`,

	ResetConnections: `UPDATE stations SET connected = false WHERE connected`,

	Touch: `
		UPDATE stations s SET last_seen = v.at
		FROM json_to_recordset($1::json) AS v (id text, at timestamptz)
		WHERE s.id = v.id AND (s.last_seen IS NULL OR s.last_seen < v.at)`,
}

// stationList returns a list of stations that leads with the condition lead, so that an index
// can serve it.
func stationList(lead string) string {
	return `
		SELECT ` + stationColumns + `
		FROM (
			SELECT * FROM stations
			WHERE ` + lead + ` AND id > $1
			  AND ($2::text IS NULL OR registration = $2)
			  AND ($3::boolean IS NULL OR connected = $3)
			  AND ($5::bigint IS NULL OR org_id = $5)
			  AND ($6::bigint IS NULL OR site_id = $6)
			ORDER BY id
			LIMIT $4
		) s LEFT JOIN connectors c ON c.station_id = s.id
		ORDER BY s.id, c.evse_id, c.connector_id`
}
