package sqlite

import "github.com/ladda-csms/ladda/store/internal/sqldb"

// The SQL of charging.Reservations. Contracts: sqldb.ReservationQueries. The single writer
// connection holds the database's write lock for a whole batch, so the overlap check and the
// insert of a reservation need no lock of their own.

const reservationColumns = `id, station_id, evse_id, connector_type, id_token, token_type, group_id,
	starts_at, expires_at, status, command_id, transaction_id, requested_by, created_at, updated_at`

// reservationsActive selects the active reservations, as the partial indexes do: SQLite uses
// such an index only when the query repeats its condition.
const reservationsActive = `status IN ('Scheduled', 'Sending', 'Accepted')`

var reservationQueries = sqldb.ReservationQueries{
	// The two halves use the partial indexes of the active reservations of a station and of a
	// token.
	Overlap: `
		SELECT ` + reservationColumns + ` FROM reservations
		WHERE station_id = ?1 AND (evse_id = ?2 OR evse_id = 0 OR ?2 = 0)
		  AND ` + reservationsActive + ` AND expires_at > ?4 AND starts_at < ?5
		UNION ALL
		SELECT ` + reservationColumns + ` FROM reservations
		WHERE id_token = ?3
		  AND ` + reservationsActive + ` AND expires_at > ?4 AND starts_at < ?5
		ORDER BY id
		LIMIT 1`,

	Insert: `
		INSERT INTO reservations (station_id, evse_id, connector_type, id_token, token_type, group_id,
			starts_at, expires_at, status, command_id, transaction_id, requested_by, created_at, updated_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
		RETURNING id`,

	Get: `SELECT ` + reservationColumns + ` FROM reservations WHERE id = ?1`,

	Exists: `SELECT 1 FROM reservations WHERE id = ?1`,

	Change: `
		UPDATE reservations SET
			status         = coalesce(?3, status),
			command_id     = coalesce(?4, command_id),
			transaction_id = coalesce(?5, transaction_id),
			updated_at     = coalesce(?6, updated_at)
		WHERE id = ?1 AND status IN (SELECT value FROM json_each(?2))`,

	DeleteOfStation: `DELETE FROM reservations WHERE station_id = ?1`,

	List:          reservationList(`true`),
	ListOfStation: reservationList(`station_id = ?1`),
	ListOfToken:   reservationList(`id_token = ?2`),
	ListOfStatus:  reservationList(`status IN (SELECT value FROM json_each(?3))`),

	ListOfStationOrg: reservationList(`station_id IN (SELECT id FROM stations WHERE org_id = ?10)`),
}

// reservationList returns the statements of a list of reservations that leads with the
// condition lead, one of the filters without its NULL test, so that an index can serve it.
func reservationList(lead string) sqldb.ReservationListQueries {
	query := `
		SELECT ` + reservationColumns + ` FROM reservations
		WHERE ` + lead + `
		  AND (?1 IS NULL OR station_id = ?1)
		  AND (?2 IS NULL OR id_token = ?2)
		  AND (?3 IS NULL OR status IN (SELECT value FROM json_each(?3)))
		  AND (?4 IS NULL OR starts_at <= ?4)
		  AND (?5 IS NULL OR expires_at <= ?5)
		  AND (?6 IS NULL OR updated_at <= ?6)
		  AND (?7 IS NULL OR (starts_at <= ?7 AND expires_at > ?7))
		  AND (?10 IS NULL OR station_id IN (SELECT id FROM stations WHERE org_id = ?10))
		  AND id < ?8
		ORDER BY id `
	const limit = `
		LIMIT coalesce(?9, -1)`
	return sqldb.ReservationListQueries{NewestFirst: query + `DESC` + limit, OldestFirst: query + `ASC` + limit}
}
