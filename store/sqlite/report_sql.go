package sqlite

import "github.com/ladda-csms/ladda/store/internal/sqldb"

// The SQL of station.ReportStore. Contracts: sqldb.ReportQueries.

const reportColumns = `id, station_id, action, kind, status, reported_at, received_at, payload`

var reportQueries = sqldb.ReportQueries{
	Insert: `
		INSERT INTO station_reports (station_id, action, kind, status, reported_at, received_at, payload)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
		RETURNING id`,

	List: `
		SELECT ` + reportColumns + ` FROM station_reports
		WHERE station_id = ?1 AND id < ?2
		ORDER BY id DESC
		LIMIT ?3`,

	ListOfAction: `
		SELECT ` + reportColumns + ` FROM station_reports
		WHERE station_id = ?1 AND action = ?2 AND id < ?3
		ORDER BY id DESC
		LIMIT ?4`,
}
