package sqlite

import "github.com/ladda-csms/ladda/store/internal/sqldb"

// The SQL of station.ChargingProfileStore. Contracts: sqldb.ChargingProfileQueries.

const chargingProfileColumns = `station_id, profile_id, evse_id, purpose, stack_level, transaction_id, profile, set_by, set_at`

var chargingProfileQueries = sqldb.ChargingProfileQueries{
	Upsert: `
		INSERT INTO charging_profiles (` + chargingProfileColumns + `)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
		ON CONFLICT (station_id, profile_id) DO UPDATE SET
			evse_id        = excluded.evse_id,
			purpose        = excluded.purpose,
			stack_level    = excluded.stack_level,
			transaction_id = excluded.transaction_id,
			profile        = excluded.profile,
			set_by         = excluded.set_by,
			set_at         = excluded.set_at`,

	List: `
		SELECT ` + chargingProfileColumns + ` FROM charging_profiles
		WHERE station_id = ?1
		ORDER BY evse_id, purpose, stack_level, profile_id`,

	Delete: `
		DELETE FROM charging_profiles
		WHERE station_id = ?1
		  AND (?2 IS NULL OR profile_id = ?2)
		  AND (?3 IS NULL OR evse_id = ?3)
		  AND (?4 IS NULL OR purpose = ?4)
		  AND (?5 IS NULL OR stack_level = ?5)
		  AND (?6 IS NULL OR transaction_id = ?6)`,
}
