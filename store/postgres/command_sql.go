package postgres

import "github.com/ladda-csms/ladda/store/internal/sqldb"

// The SQL of station.CommandLog. Contracts: sqldb.CommandQueries.

const commandColumns = `id, station_id, action, request, outcome, answer_status, answer_reason, answer_data,
	error, requested_by, requested_at, answered_at`

var commandQueries = sqldb.CommandQueries{
	Insert: `
		INSERT INTO commands (station_id, action, request, outcome, answer_status, answer_reason, answer_data,
			error, requested_by, requested_at, answered_at)
		VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9, $10, $11)
		RETURNING id`,

	Finish: `
		UPDATE commands SET
			outcome       = $2,
			answer_status = $3,
			answer_reason = $4,
			answer_data   = $5,
			error         = $6,
			answered_at   = $7
		WHERE id = $1`,

	List: `
		SELECT ` + commandColumns + ` FROM commands
		WHERE station_id = $1 AND id < $2
		ORDER BY id DESC
		LIMIT $3`,
}
