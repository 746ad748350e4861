package sqlite

import "github.com/ladda-csms/ladda/store/internal/sqldb"

// The SQL of smartcharging.Store. Contracts: sqldb.SmartChargingQueries. One writer at a time
// has the file, so nothing needs locking.

const (
	gridColumns    = `site_id, phases, limit_l1_a, limit_l2_a, limit_l3_a, margin_percent, fallback_a, voltage_v, meter_station_id, priorities`
	circuitColumns = `id, site_id, parent_id, name, limit_l1_a, limit_l2_a, limit_l3_a`
	wiringColumns  = `w.station_id, w.evse_id, w.circuit_id, w.rotation, w.phases, w.min_a, w.max_a`
	limitColumns   = `id, site_id, kind, from_at, to_at, limit_w, external_id, reason, created_by, created_at`
	needsColumns   = `transaction_id, departure_at, energy_wh, capacity_wh, soc, target_soc, min_a, max_a, phases, source, updated_at`
	evColumns      = `transaction_id, start_at, schedule, accepted, received_at`
)

var smartChargingQueries = sqldb.SmartChargingQueries{
	SiteExists: `SELECT 1 FROM sites WHERE id = ?1`,
	PutGrid: `
		INSERT INTO grids (` + gridColumns + `)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
		ON CONFLICT (site_id) DO UPDATE SET
			phases           = excluded.phases,
			limit_l1_a       = excluded.limit_l1_a,
			limit_l2_a       = excluded.limit_l2_a,
			limit_l3_a       = excluded.limit_l3_a,
			margin_percent   = excluded.margin_percent,
			fallback_a       = excluded.fallback_a,
			voltage_v        = excluded.voltage_v,
			meter_station_id = excluded.meter_station_id,
			priorities       = excluded.priorities`,
	Grid:            `SELECT ` + gridColumns + ` FROM grids WHERE site_id = ?1`,
	Grids:           `SELECT ` + gridColumns + ` FROM grids ORDER BY site_id`,
	GridExists:      `SELECT 1 FROM grids WHERE site_id = ?1`,
	LockGrid:        `SELECT 1 FROM grids WHERE site_id = ?1`,
	DeleteGrid:      `DELETE FROM grids WHERE site_id = ?1`,
	DeleteWiringsAt: `DELETE FROM evse_wirings WHERE station_id IN (SELECT id FROM stations WHERE site_id = ?1)`,

	InsertCircuit: `
		INSERT INTO circuits (site_id, parent_id, name, limit_l1_a, limit_l2_a, limit_l3_a)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6)
		RETURNING id`,
	CircuitOfSite: `SELECT 1 FROM circuits WHERE site_id = ?1 AND id = ?2`,
	LockCircuit:   `SELECT 1 FROM circuits WHERE site_id = ?1 AND id = ?2`,
	Ancestry: `
		WITH RECURSIVE up (id) AS (
			SELECT ?2
			UNION
			SELECT c.parent_id FROM circuits c JOIN up ON c.id = up.id WHERE c.parent_id IS NOT NULL
		)
		SELECT 1 FROM up WHERE id = ?1`,
	UpdateCircuit: `
		UPDATE circuits SET parent_id = ?3, name = ?4, limit_l1_a = ?5, limit_l2_a = ?6, limit_l3_a = ?7
		WHERE site_id = ?1 AND id = ?2`,
	CircuitUse: `
		SELECT (SELECT count(*) FROM circuits WHERE parent_id = ?1),
		       (SELECT count(*) FROM evse_wirings WHERE circuit_id = ?1)`,
	DeleteCircuit: `DELETE FROM circuits WHERE site_id = ?1 AND id = ?2`,
	Circuits:      `SELECT ` + circuitColumns + ` FROM circuits WHERE site_id = ?1 ORDER BY id`,

	StationSite: `SELECT site_id FROM stations WHERE id = ?1`,
	PutWiring: `
		INSERT INTO evse_wirings (station_id, evse_id, circuit_id, rotation, phases, min_a, max_a)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
		ON CONFLICT (station_id, evse_id) DO UPDATE SET
			circuit_id = excluded.circuit_id,
			rotation   = excluded.rotation,
			phases     = excluded.phases,
			min_a      = excluded.min_a,
			max_a      = excluded.max_a`,
	WiringsOfStation: `
		SELECT ` + wiringColumns + `
		FROM evse_wirings w JOIN stations s ON s.id = w.station_id
		WHERE w.station_id = ?1 AND (?2 IS NULL OR s.site_id = ?2)
		ORDER BY w.evse_id`,
	WiringsOfSite: `
		SELECT ` + wiringColumns + `
		FROM evse_wirings w JOIN stations s ON s.id = w.station_id
		WHERE ?1 IS NULL OR s.site_id = ?1
		ORDER BY w.station_id, w.evse_id`,
	DeleteWiring: `DELETE FROM evse_wirings WHERE station_id = ?1 AND evse_id = ?2`,

	DeleteSchedule: `DELETE FROM capacity_limits WHERE site_id = ?1 AND kind = 'schedule'`,
	InsertLimit: `
		INSERT INTO capacity_limits (site_id, kind, from_at, to_at, limit_w, external_id, reason, created_by, created_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
		ON CONFLICT DO NOTHING
		RETURNING id`,
	DeleteEvent: `DELETE FROM capacity_limits WHERE site_id = ?1 AND id = ?2 AND kind = 'demand-response'`,
	CapacityLimits: `
		SELECT ` + limitColumns + ` FROM capacity_limits
		WHERE site_id = ?1 AND (?2 IS NULL OR kind = ?2) AND (to_at IS NULL OR to_at > ?3)
		ORDER BY from_at, id`,

	PutNeeds: `
		INSERT INTO vehicle_needs (` + needsColumns + `)
		SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11
		WHERE EXISTS (SELECT 1 FROM transactions WHERE id = ?1)
		ON CONFLICT (transaction_id) DO UPDATE SET
			departure_at = excluded.departure_at,
			energy_wh    = excluded.energy_wh,
			capacity_wh  = excluded.capacity_wh,
			soc          = excluded.soc,
			target_soc   = excluded.target_soc,
			min_a        = excluded.min_a,
			max_a        = excluded.max_a,
			phases       = excluded.phases,
			source       = excluded.source,
			updated_at   = excluded.updated_at`,
	Needs: `SELECT ` + needsColumns + ` FROM vehicle_needs WHERE transaction_id = ?1`,

	PutEVSchedule: `
		INSERT INTO ev_schedules (` + evColumns + `)
		SELECT ?1, ?2, ?3, ?4, ?5
		WHERE EXISTS (SELECT 1 FROM transactions WHERE id = ?1)
		ON CONFLICT (transaction_id) DO UPDATE SET
			start_at    = excluded.start_at,
			schedule    = excluded.schedule,
			accepted    = excluded.accepted,
			received_at = excluded.received_at`,
	EVSchedule: `SELECT ` + evColumns + ` FROM ev_schedules WHERE transaction_id = ?1`,
}
