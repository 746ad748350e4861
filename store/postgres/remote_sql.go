package postgres

import "github.com/ladda-csms/ladda/store/internal/sqldb"

// The SQL of charging.RemoteStarts. Contracts: sqldb.RemoteStartQueries.

const remoteStartColumns = `id, station_id, evse_id, id_token, status, command_id, transaction_id, requested_by, requested_at`

var remoteStartQueries = sqldb.RemoteStartQueries{
	Insert: `
		INSERT INTO remote_starts (station_id, evse_id, id_token, status, command_id, transaction_id, requested_by, requested_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		RETURNING id`,

	Answer: `UPDATE remote_starts SET status = $2, command_id = $3 WHERE id = $1`,

	Get: `SELECT ` + remoteStartColumns + ` FROM remote_starts WHERE id = $1`,

	LinkByID: `
		UPDATE remote_starts SET transaction_id = $3
		WHERE id = $2 AND station_id = $1 AND transaction_id IS NULL
		  AND NOT EXISTS (SELECT 1 FROM remote_starts WHERE transaction_id = $3)`,

	// The outer "transaction_id IS NULL" is checked again on a row that a concurrent write
	// linked meanwhile, so a remote start is never linked twice.
	LinkByToken: `
		UPDATE remote_starts SET transaction_id = $5
		WHERE id = (
			SELECT id FROM remote_starts
			WHERE station_id = $1 AND id_token = $2 AND transaction_id IS NULL
			  AND requested_at >= $4 AND status IN ('', 'Accepted') AND evse_id IN (0, $3)
			ORDER BY requested_at, id
			LIMIT 1)
		  AND transaction_id IS NULL
		  AND NOT EXISTS (SELECT 1 FROM remote_starts WHERE transaction_id = $5)`,
}
