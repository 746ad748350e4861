package postgres

import "github.com/ladda-csms/ladda/store/internal/sqldb"

// The SQL of charging.Reservations. Contracts: sqldb.ReservationQueries. A JSON array of
// statuses is compared as "status = ANY (ARRAY(SELECT …))": an array computed once, which an
// index on status can take, unlike "status IN (SELECT …)".

const reservationColumns = `id, station_id, evse_id, connector_type, id_token, token_type, group_id,
	starts_at, expires_at, status, command_id, transaction_id, requested_by, created_at, updated_at`

// reservationsActive selects the active reservations, as the partial indexes do.
const reservationsActive = `status IN ('Scheduled', 'Sending', 'Accepted')`

var reservationQueries = sqldb.ReservationQueries{
	// One transaction-scoped advisory lock for all reservations of the schema (the key is a
	// hash of its name: tests and tenants in other schemas do not wait): a reservation is
	// checked against others of its station and of its token, so per-station and per-token
	// locks would be taken two at a time, and in a group commit the writes of one
	// transaction would take them in no common order, which can deadlock. Creating a
	// reservation is rare; the lock is held until the batch commits. Under READ COMMITTED,
	// the overlap check after it sees every reservation committed under it before.
	Lock: `SELECT pg_advisory_xact_lock(hashtextextended('ladda reservations ' || current_schema(), 0))`,

	// The two halves use the partial indexes of the active reservations of a station and of a
	// token.
	Overlap: `
		SELECT ` + reservationColumns + ` FROM reservations
		WHERE station_id = $1 AND (evse_id = $2 OR evse_id = 0 OR $2 = 0)
		  AND ` + reservationsActive + ` AND expires_at > $4 AND starts_at < $5
		UNION ALL
		SELECT ` + reservationColumns + ` FROM reservations
		WHERE id_token = $3
		  AND ` + reservationsActive + ` AND expires_at > $4 AND starts_at < $5
		ORDER BY id
		LIMIT 1`,

	Insert: `
		INSERT INTO reservations (station_id, evse_id, connector_type, id_token, token_type, group_id,
			starts_at, expires_at, status, command_id, transaction_id, requested_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		RETURNING id`,

	Get: `SELECT ` + reservationColumns + ` FROM reservations WHERE id = $1`,

	Exists: `SELECT 1 FROM reservations WHERE id = $1`,

	// A row that a concurrent write changed meanwhile is checked again in its new version,
	// so the status is compared and set atomically.
	Change: `
		UPDATE reservations SET
			status         = coalesce($3::text, status),
			command_id     = coalesce($4::bigint, command_id),
			transaction_id = coalesce($5::bigint, transaction_id),
			updated_at     = coalesce($6::timestamptz, updated_at)
		WHERE id = $1 AND status = ANY (ARRAY(SELECT jsonb_array_elements_text($2::jsonb)))`,

	DeleteOfStation: `DELETE FROM reservations WHERE station_id = $1`,

	List:          reservationList(`true`),
	ListOfStation: reservationList(`station_id = $1`),
	ListOfToken:   reservationList(`id_token = $2`),
	ListOfStatus:  reservationList(`status = ANY (ARRAY(SELECT jsonb_array_elements_text($3::jsonb)))`),

	ListOfStationOrg: reservationList(`station_id IN (SELECT id FROM stations WHERE org_id = $10)`),
}

// reservationList returns the statements of a list of reservations that leads with the
// condition lead, one of the filters without its NULL test, so that an index can serve it.
// A NULL limit is no limit.
func reservationList(lead string) sqldb.ReservationListQueries {
	query := `
		SELECT ` + reservationColumns + ` FROM reservations
		WHERE ` + lead + `
		  AND ($1::text IS NULL OR station_id = $1)
		  AND ($2::text IS NULL OR id_token = $2)
		  AND ($3::jsonb IS NULL OR status = ANY (ARRAY(SELECT jsonb_array_elements_text($3::jsonb))))
		  AND ($4::timestamptz IS NULL OR starts_at <= $4)
		  AND ($5::timestamptz IS NULL OR expires_at <= $5)
		  AND ($6::timestamptz IS NULL OR updated_at <= $6)
		  AND ($7::timestamptz IS NULL OR (starts_at <= $7 AND expires_at > $7))
		  AND ($10::bigint IS NULL OR station_id IN (SELECT id FROM stations WHERE org_id = $10))
		  AND id < $8
		ORDER BY id `
	const limit = `
		LIMIT $9::bigint`
	return sqldb.ReservationListQueries{NewestFirst: query + `DESC` + limit, OldestFirst: query + `ASC` + limit}
}
