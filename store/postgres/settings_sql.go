package postgres

import "github.com/ladda-csms/ladda/store/internal/sqldb"

// The SQL of station.SettingStore. Contracts: sqldb.SettingQueries.

var settingQueries = sqldb.SettingQueries{
	Upsert: `
		INSERT INTO station_settings (station_id, component, component_instance, evse_id, connector_id, variable,
			variable_instance, attribute, value, read_only, unit, data_type, updated_by, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		ON CONFLICT (station_id, component, component_instance, evse_id, connector_id, variable, variable_instance, attribute)
		DO UPDATE SET
			value      = excluded.value,
			read_only  = excluded.read_only,
			unit       = excluded.unit,
			data_type  = excluded.data_type,
			updated_by = excluded.updated_by,
			updated_at = excluded.updated_at`,

	DeleteAll: `DELETE FROM station_settings WHERE station_id = $1`,

	List: `
		SELECT component, component_instance, evse_id, connector_id, variable, variable_instance, attribute,
			value, read_only, unit, data_type, updated_by, updated_at
		FROM station_settings
		WHERE station_id = $1
		ORDER BY component, component_instance, evse_id, connector_id, variable, variable_instance, attribute`,
}
