package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/smartcharging"
)

// Interface guard.
var _ smartcharging.Store = (*DB)(nil)

// SmartChargingQueries are the statements of smartcharging.Store. Statements that return rows
// of an entity return its columns in these orders:
//
//	grid:           site_id, phases, limit_l1_a, limit_l2_a, limit_l3_a, margin_percent,
//	                fallback_a, voltage_v, meter_station_id ('': none), priorities (JSON text)
//	circuit:        id, site_id, parent_id (NULL: none), name, limit_l1_a, limit_l2_a,
//	                limit_l3_a
//	wiring:         station_id, evse_id, circuit_id (NULL: none), rotation, phases, min_a,
//	                max_a
//	capacity limit: id, site_id, kind, from_at, to_at (NULL: open), limit_w, external_id,
//	                reason, created_by, created_at
//	needs:          transaction_id, departure_at (NULL: unknown), energy_wh, capacity_wh, soc
//	                (NULL: unknown), target_soc (NULL: unknown), min_a, max_a, phases, source,
//	                updated_at
//	ev schedule:    transaction_id, start_at, schedule (JSON text), accepted, received_at
//
// "Keeps" below means: within a write, the row read stays as it is until the write's
// transaction ends, where other committers or processes could delete it meanwhile (PostgreSQL:
// FOR KEY SHARE); "locks" that no other write changes it, deletes it or refers to it anew
// meanwhile (FOR UPDATE).
type SmartChargingQueries struct {
	// SiteExists (site_id) returns one row if the site exists, and keeps it.
	SiteExists string
	// PutGrid (site_id, phases, limit_l1_a, limit_l2_a, limit_l3_a, margin_percent,
	// fallback_a, voltage_v, meter_station_id, priorities) inserts a grid, or overwrites the
	// other columns of the site's grid.
	PutGrid string
	// Grid (site_id) returns the grid columns.
	Grid string `sqldb:"read"`
	// Grids () returns the grid columns of every grid by site_id.
	Grids string `sqldb:"read"`
	// GridExists (site_id) returns one row if the site has a grid, and keeps it.
	GridExists string
	// LockGrid (site_id) returns one row if the site has a grid, and keeps others from
	// changing the site's circuits until the write's transaction ends (PostgreSQL: FOR NO KEY
	// UPDATE, which each circuit update takes).
	LockGrid string
	// DeleteGrid (site_id) removes a site's grid and, by cascade, its circuits, the wirings
	// that name them and its capacity limits; rows affected is 0 when it has none.
	DeleteGrid string
	// DeleteWiringsAt (site_id) removes the wiring of every EVSE of the stations at the site.
	DeleteWiringsAt string

	// InsertCircuit (site_id, parent_id nullable, name, limit_l1_a, limit_l2_a, limit_l3_a)
	// inserts a circuit and returns its id.
	InsertCircuit string
	// CircuitOfSite (site_id, id) returns one row if the circuit exists and is of the site,
	// and keeps it.
	CircuitOfSite string
	// LockCircuit (site_id, id) returns one row if the circuit exists and is of the site, and
	// locks it: nothing is hung from it or wired to it until the write's transaction ends.
	LockCircuit string
	// Ancestry (id, parent_id) returns a row if id is parent_id or one of its ancestors: if
	// hanging circuit id from parent_id would close a loop.
	Ancestry string
	// UpdateCircuit (site_id, id, parent_id nullable, name, limit_l1_a, limit_l2_a,
	// limit_l3_a) sets those columns; rows affected is 0 for no such circuit of the site.
	UpdateCircuit string
	// CircuitUse (id) returns the number of circuits hanging from a circuit and the number of
	// EVSEs wired to it.
	CircuitUse string
	// DeleteCircuit (site_id, id) removes a circuit; rows affected is 0 for no such circuit of
	// the site.
	DeleteCircuit string
	// Circuits (site_id) returns the circuit columns of a site's circuits by id.
	Circuits string `sqldb:"read"`

	// StationSite (station_id) returns the site_id of a station (NULL: none), or no row for
	// no such station, and keeps the station.
	StationSite string
	// PutWiring (station_id, evse_id, circuit_id nullable, rotation, phases, min_a, max_a)
	// inserts a wiring, or overwrites the other columns of the EVSE's wiring.
	PutWiring string
	// WiringsOfStation (station_id, site_id nullable) returns the wiring columns of a
	// station's EVSEs, when the station is at the site if one is given, by evse_id.
	WiringsOfStation string `sqldb:"read"`
	// WiringsOfSite (site_id nullable: every wiring) returns the wiring columns of the EVSEs of
	// the stations at the site by station_id, in byte order, then evse_id.
	WiringsOfSite string `sqldb:"read"`
	// DeleteWiring (station_id, evse_id) removes a wiring; rows affected is 0 for none.
	DeleteWiring string

	// DeleteSchedule (site_id) removes the site's capacity limits of kind 'schedule'.
	DeleteSchedule string
	// InsertLimit (site_id, kind, from_at, to_at nullable, limit_w, external_id, reason,
	// created_by, created_at) inserts a capacity limit and returns its id, or returns no row
	// when it is a 'demand-response' limit whose non-empty external_id another of the site
	// has.
	InsertLimit string
	// DeleteEvent (site_id, id) removes a capacity limit of kind 'demand-response'; rows
	// affected is 0 for no such limit of the site and kind.
	DeleteEvent string
	// CapacityLimits (site_id, kind nullable: both, from) returns the capacity limit columns of
	// the site's limits with to_at NULL or after from, by from_at, then id.
	CapacityLimits string `sqldb:"read"`

	// PutNeeds (transaction_id, departure_at nullable, energy_wh, capacity_wh, soc nullable,
	// target_soc nullable, min_a, max_a, phases, source, updated_at) inserts the needs of an
	// existing transaction, or overwrites the other columns of those it has; rows affected is
	// 0 when the transaction does not exist.
	PutNeeds string
	// Needs (transaction_id) returns the needs columns.
	Needs string `sqldb:"read"`
	// PutEVSchedule (transaction_id, start_at, schedule, accepted, received_at) inserts the
	// EV schedule of an existing transaction, or overwrites the other columns of the one it
	// has; rows affected is 0 when the transaction does not exist.
	PutEVSchedule string
	// EVSchedule (transaction_id) returns the ev schedule columns.
	EVSchedule string `sqldb:"read"`
}

// gridKey orders the writes about a site's installation.
func gridKey(siteID int64) uint64 { return keyOf("grid:" + strconv.FormatInt(siteID, 10)) }

// storableFloats refuses, as Invalid, a NaN: SQLite keeps none (it stores NULL instead).
func (db *DB) storableFloats(op, what string, fs ...float64) error {
	for _, f := range fs {
		if math.IsNaN(f) {
			return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "%s: NaN is not a number that can be stored", what)
		}
	}
	return nil
}

// PutGrid stores a site's grid connection, replacing the one it had; see smartcharging.Store.
// Errors: NotFound for an unknown site; Invalid for a NaN or text no engine can keep.
func (db *DB) PutGrid(ctx context.Context, g *smartcharging.Grid) error {
	const op = "PutGrid"
	if err := db.storableFloats(op, "grid", g.LimitA[0], g.LimitA[1], g.LimitA[2], g.MarginPercent, g.FallbackA, g.VoltageV); err != nil {
		return err
	}
	if err := db.storable(op, string(g.MeterStationID)); err != nil {
		return err
	}
	prio := g.Priorities
	if prio == nil {
		prio = []smartcharging.Priority{}
	}
	for _, p := range prio {
		if err := db.storable(op, p.Group); err != nil {
			return err
		}
	}
	body, err := json.Marshal(prio)
	if err != nil {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "priorities cannot be stored: %v", err)
	}
	q := &db.q.SmartCharging
	err = db.do(ctx, gridKey(g.SiteID), func(ctx context.Context, r run) error {
		var one int
		found, err := r.one(ctx, q.SiteExists, []any{g.SiteID}, &one)
		if err != nil {
			return err
		}
		if !found {
			return db.notFound(op, "site %d not found", g.SiteID)
		}
		_, err = r.exec(ctx, q.PutGrid, g.SiteID, g.Phases, g.LimitA[0], g.LimitA[1], g.LimitA[2], g.MarginPercent, g.FallbackA,
			g.VoltageV, string(g.MeterStationID), string(body))
		return err
	})
	return db.wrap(op, err)
}

// Grid returns a site's grid connection. Errors: NotFound.
func (db *DB) Grid(ctx context.Context, siteID int64) (*smartcharging.Grid, error) {
	return byID(ctx, db, "Grid", db.q.SmartCharging.Grid, siteID, scanGrids, "grid of site")
}

// Grids lists every site's grid connection by site ID.
func (db *DB) Grids(ctx context.Context) ([]*smartcharging.Grid, error) {
	rows, err := db.reader().query(ctx, db.q.SmartCharging.Grids)
	if err != nil {
		return nil, db.wrap("Grids", err)
	}
	list, err := scanGrids(rows)
	return list, db.wrap("Grids", err)
}

// DeleteGrid removes a site's grid connection, its circuits, the wiring of the EVSEs of its
// stations and of those wired to its circuits, and its capacity limits. Errors: NotFound.
func (db *DB) DeleteGrid(ctx context.Context, siteID int64) error {
	const op = "DeleteGrid"
	q := &db.q.SmartCharging
	err := db.do(ctx, gridKey(siteID), func(ctx context.Context, r run) error {
		n, err := r.exec(ctx, q.DeleteGrid, siteID)
		if err != nil {
			return err
		}
		if n == 0 {
			return db.notFound(op, "site %d has no grid", siteID)
		}
		_, err = r.exec(ctx, q.DeleteWiringsAt, siteID)
		return err
	})
	return db.wrap(op, err)
}

func scanGrids(rows *sql.Rows) ([]*smartcharging.Grid, error) {
	defer rows.Close()
	var list []*smartcharging.Grid
	for rows.Next() {
		var (
			g     smartcharging.Grid
			meter string
			prio  []byte
		)
		if err := rows.Scan(&g.SiteID, &g.Phases, &g.LimitA[0], &g.LimitA[1], &g.LimitA[2], &g.MarginPercent, &g.FallbackA, &g.VoltageV,
			&meter, &prio); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(prio, &g.Priorities); err != nil {
			return nil, err
		}
		if len(g.Priorities) == 0 {
			g.Priorities = nil
		}
		g.MeterStationID = ladda.StationID(meter)
		list = append(list, &g)
	}
	return list, rows.Err()
}

// circuitArgs refuses, as Invalid, a circuit no engine can keep.
func (db *DB) circuitArgs(op string, c *smartcharging.Circuit) error {
	if err := db.storable(op, c.Name); err != nil {
		return err
	}
	return db.storableFloats(op, "circuit "+strconv.Quote(c.Name), c.LimitA[0], c.LimitA[1], c.LimitA[2])
}

// mustParent refuses, as NotFound, a parent that is not a circuit of the site; 0 (the site's
// connection) passes.
func (db *DB) mustParent(ctx context.Context, r run, op string, siteID, parentID int64) error {
	if parentID == 0 {
		return nil
	}
	var one int
	found, err := r.one(ctx, db.q.SmartCharging.CircuitOfSite, []any{siteID, parentID}, &one)
	if err == nil && !found {
		return db.notFound(op, "circuit %d is not a circuit of site %d", parentID, siteID)
	}
	return err
}

// CreateCircuit stores c and sets c.ID; see smartcharging.Store. Errors: NotFound when the
// site has no grid or the parent is not a circuit of the site; Invalid for a NaN or text no
// engine can keep.
func (db *DB) CreateCircuit(ctx context.Context, c *smartcharging.Circuit) error {
	const op = "CreateCircuit"
	if err := db.circuitArgs(op, c); err != nil {
		return err
	}
	q := &db.q.SmartCharging
	var id int64
	err := db.do(ctx, gridKey(c.SiteID), func(ctx context.Context, r run) error {
		var one int
		found, err := r.one(ctx, q.GridExists, []any{c.SiteID}, &one)
		if err != nil {
			return err
		}
		if !found {
			return db.notFound(op, "site %d has no grid", c.SiteID)
		}
		if err := db.mustParent(ctx, r, op, c.SiteID, c.ParentID); err != nil {
			return err
		}
		_, err = r.one(ctx, q.InsertCircuit, []any{c.SiteID, nullID(c.ParentID), c.Name, c.LimitA[0], c.LimitA[1], c.LimitA[2]}, &id)
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	c.ID = id
	return nil
}

// UpdateCircuit replaces a circuit's parent, name and limits; see smartcharging.Store.
// Errors: NotFound for no such circuit of c.SiteID or a parent that is not a circuit of the
// site; Invalid for a parent that is the circuit itself or hangs from it, which would close a
// loop, and for a NaN or text no engine can keep.
func (db *DB) UpdateCircuit(ctx context.Context, c *smartcharging.Circuit) error {
	const op = "UpdateCircuit"
	if err := db.circuitArgs(op, c); err != nil {
		return err
	}
	q := &db.q.SmartCharging
	err := db.do(ctx, gridKey(c.SiteID), func(ctx context.Context, r run) error {
		// The grid's lock keeps two updates from closing a loop between them.
		var one int
		found, err := r.one(ctx, q.LockGrid, []any{c.SiteID}, &one)
		if err != nil {
			return err
		}
		if found {
			found, err = r.one(ctx, q.CircuitOfSite, []any{c.SiteID, c.ID}, &one)
			if err != nil {
				return err
			}
		}
		if !found {
			return db.notFound(op, "circuit %d of site %d not found", c.ID, c.SiteID)
		}
		if err := db.mustParent(ctx, r, op, c.SiteID, c.ParentID); err != nil {
			return err
		}
		if c.ParentID != 0 {
			loop, err := r.one(ctx, q.Ancestry, []any{c.ID, c.ParentID}, &one)
			if err != nil {
				return err
			}
			if loop {
				return Refuse(ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "circuit %d cannot hang from circuit %d, which is itself or hangs from it", c.ID, c.ParentID))
			}
		}
		n, err := r.exec(ctx, q.UpdateCircuit, c.SiteID, c.ID, nullID(c.ParentID), c.Name, c.LimitA[0], c.LimitA[1], c.LimitA[2])
		if err == nil && n == 0 {
			return db.notFound(op, "circuit %d of site %d not found", c.ID, c.SiteID)
		}
		return err
	})
	return db.wrap(op, err)
}

// DeleteCircuit removes a circuit. Errors: NotFound for no such circuit of the site; Conflict
// while circuits hang from it or EVSEs are wired to it.
func (db *DB) DeleteCircuit(ctx context.Context, siteID, id int64) error {
	const op = "DeleteCircuit"
	q := &db.q.SmartCharging
	err := db.do(ctx, gridKey(siteID), func(ctx context.Context, r run) error {
		var one int
		found, err := r.one(ctx, q.LockCircuit, []any{siteID, id}, &one)
		if err != nil {
			return err
		}
		if !found {
			return db.notFound(op, "circuit %d of site %d not found", id, siteID)
		}
		var children, evses int64
		if _, err := r.one(ctx, q.CircuitUse, []any{id}, &children, &evses); err != nil {
			return err
		}
		if children > 0 || evses > 0 {
			return Refuse(ladda.Errorf(ladda.Conflict, db.d.Name+"."+op, "circuit %d has %d circuits hanging from it and %d EVSEs wired to it", id, children, evses))
		}
		n, err := r.exec(ctx, q.DeleteCircuit, siteID, id)
		if err == nil && n == 0 {
			return db.notFound(op, "circuit %d of site %d not found", id, siteID)
		}
		return err
	})
	return db.wrap(op, err)
}

// Circuits lists a site's circuits by ID.
func (db *DB) Circuits(ctx context.Context, siteID int64) ([]*smartcharging.Circuit, error) {
	rows, err := db.reader().query(ctx, db.q.SmartCharging.Circuits, siteID)
	if err != nil {
		return nil, db.wrap("Circuits", err)
	}
	defer rows.Close()
	var list []*smartcharging.Circuit
	for rows.Next() {
		var (
			c      smartcharging.Circuit
			parent sql.NullInt64
		)
		if err := rows.Scan(&c.ID, &c.SiteID, &parent, &c.Name, &c.LimitA[0], &c.LimitA[1], &c.LimitA[2]); err != nil {
			return nil, db.wrap("Circuits", err)
		}
		c.ParentID = parent.Int64
		list = append(list, &c)
	}
	return list, db.wrap("Circuits", rows.Err())
}

// PutWiring stores how an EVSE is wired, replacing what was stored; see smartcharging.Store.
// Errors: NotFound for an unknown station or a circuit that is not one of the station's site
// (any circuit, for a station at no site); Invalid for a negative EVSE ID, a NaN or text no
// engine can keep.
func (db *DB) PutWiring(ctx context.Context, w *smartcharging.Wiring) error {
	const op = "PutWiring"
	if w.EVSEID < 0 {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "EVSE %d: EVSE IDs are not negative", w.EVSEID)
	}
	if err := db.storable(op, string(w.StationID), w.Rotation); err != nil {
		return err
	}
	if err := db.storableFloats(op, "wiring", w.MinA, w.MaxA); err != nil {
		return err
	}
	q := &db.q.SmartCharging
	err := db.do(ctx, keyOf(string(w.StationID)), func(ctx context.Context, r run) error {
		var site sql.NullInt64
		found, err := r.one(ctx, q.StationSite, []any{string(w.StationID)}, &site)
		if err != nil {
			return err
		}
		if !found {
			return db.notFound(op, "station %s not found", w.StationID)
		}
		if w.CircuitID != 0 {
			if !site.Valid {
				return db.notFound(op, "station %s is at no site, so circuit %d is not of its site", w.StationID, w.CircuitID)
			}
			if err := db.mustParent(ctx, r, op, site.Int64, w.CircuitID); err != nil {
				return err
			}
		}
		_, err = r.exec(ctx, q.PutWiring, string(w.StationID), w.EVSEID, nullID(w.CircuitID), w.Rotation, w.Phases, w.MinA, w.MaxA)
		return err
	})
	return db.wrap(op, err)
}

// Wirings lists the wiring of a station's EVSEs (station != ""), of those of the stations at
// a site (siteID > 0), of a station's when it is at the site (both), or of every EVSE
// (neither), by station, then EVSE.
func (db *DB) Wirings(ctx context.Context, siteID int64, st ladda.StationID) ([]*smartcharging.Wiring, error) {
	const op = "Wirings"
	if !storableText(string(st)) {
		return nil, nil
	}
	var site any
	if siteID > 0 {
		site = siteID
	}
	q, args := db.q.SmartCharging.WiringsOfSite, []any{site}
	if st != "" {
		q, args = db.q.SmartCharging.WiringsOfStation, []any{string(st), site}
	}
	rows, err := db.reader().query(ctx, q, args...)
	if err != nil {
		return nil, db.wrap(op, err)
	}
	defer rows.Close()
	var list []*smartcharging.Wiring
	for rows.Next() {
		var (
			w       smartcharging.Wiring
			station string
			circuit sql.NullInt64
		)
		if err := rows.Scan(&station, &w.EVSEID, &circuit, &w.Rotation, &w.Phases, &w.MinA, &w.MaxA); err != nil {
			return nil, db.wrap(op, err)
		}
		w.StationID, w.CircuitID = ladda.StationID(station), circuit.Int64
		list = append(list, &w)
	}
	return list, db.wrap(op, rows.Err())
}

// DeleteWiring forgets how an EVSE is wired. Errors: NotFound.
func (db *DB) DeleteWiring(ctx context.Context, st ladda.StationID, evseID int) error {
	const op = "DeleteWiring"
	if !storableText(string(st)) {
		return ladda.Errorf(ladda.NotFound, db.d.Name+"."+op, "station %q has no wiring", st)
	}
	err := db.do(ctx, keyOf(string(st)), func(ctx context.Context, r run) error {
		n, err := r.exec(ctx, db.q.SmartCharging.DeleteWiring, string(st), evseID)
		if err == nil && n == 0 {
			return db.notFound(op, "EVSE %d of station %s has no wiring", evseID, st)
		}
		return err
	})
	return db.wrap(op, err)
}

// limitArgs checks a capacity limit of kind for the site and returns its normalised copy.
func (db *DB) limitArgs(op string, siteID int64, kind string, l *smartcharging.CapacityLimit) (smartcharging.CapacityLimit, error) {
	in := *l
	if in.Kind == "" {
		in.Kind = kind
	}
	switch {
	case in.Kind != kind:
		return in, ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "a capacity limit of kind %q, not %q", in.Kind, kind)
	case in.SiteID != 0 && in.SiteID != siteID:
		return in, ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "a capacity limit of site %d given for site %d", in.SiteID, siteID)
	}
	if err := db.storable(op, in.ExternalID, in.Reason, in.CreatedBy); err != nil {
		return in, err
	}
	if err := db.storableFloats(op, "capacity limit", in.LimitW); err != nil {
		return in, err
	}
	in.SiteID, in.From, in.To, in.CreatedAt = siteID, norm(in.From), normPtr(in.To), norm(in.CreatedAt)
	return in, nil
}

// mustGrid refuses, as NotFound, a write about a site without a grid, and keeps its grid.
func (db *DB) mustGrid(ctx context.Context, r run, op string, siteID int64) error {
	var one int
	found, err := r.one(ctx, db.q.SmartCharging.GridExists, []any{siteID}, &one)
	if err == nil && !found {
		return db.notFound(op, "site %d has no grid", siteID)
	}
	return err
}

// ReplaceSchedule replaces a site's capacity schedule with periods, setting their ID, SiteID,
// Kind and CreatedAt (the store's clock); see smartcharging.Store. The site's demand-response
// events stay. Errors: NotFound for a site without a grid; Invalid for a period of another
// kind or site, a NaN or text no engine can keep. Periods are changed only when the
// schedule was replaced.
func (db *DB) ReplaceSchedule(ctx context.Context, siteID int64, periods []*smartcharging.CapacityLimit) error {
	const op = "ReplaceSchedule"
	now := norm(time.Now())
	in := make([]smartcharging.CapacityLimit, len(periods))
	for i, p := range periods {
		var err error
		if in[i], err = db.limitArgs(op, siteID, smartcharging.KindSchedule, p); err != nil {
			return err
		}
		in[i].CreatedAt = now
	}
	q := &db.q.SmartCharging
	ids := make([]int64, len(in))
	err := db.do(ctx, gridKey(siteID), func(ctx context.Context, r run) error {
		if err := db.mustGrid(ctx, r, op, siteID); err != nil {
			return err
		}
		if _, err := r.exec(ctx, q.DeleteSchedule, siteID); err != nil {
			return err
		}
		for i, p := range in {
			if _, err := r.one(ctx, q.InsertLimit, []any{siteID, p.Kind, db.d.time(p.From), db.d.nullTime(p.To), p.LimitW, p.ExternalID,
				p.Reason, p.CreatedBy, db.d.time(p.CreatedAt)}, &ids[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return db.wrap(op, err)
	}
	for i, p := range periods {
		*p = in[i]
		p.ID = ids[i]
	}
	return nil
}

// AddCapacityLimit stores a demand-response event and sets its ID, and its Kind when empty;
// see smartcharging.Store. Errors: NotFound for a site without a grid; Conflict when an event
// of the site has the same non-empty ExternalID; Invalid for a limit of another kind, a NaN or
// text no engine can keep.
func (db *DB) AddCapacityLimit(ctx context.Context, l *smartcharging.CapacityLimit) error {
	const op = "AddCapacityLimit"
	in, err := db.limitArgs(op, l.SiteID, smartcharging.KindDemandResponse, l)
	if err != nil {
		return err
	}
	q := &db.q.SmartCharging
	err = db.do(ctx, gridKey(in.SiteID), func(ctx context.Context, r run) error {
		if err := db.mustGrid(ctx, r, op, in.SiteID); err != nil {
			return err
		}
		found, err := r.one(ctx, q.InsertLimit, []any{in.SiteID, in.Kind, db.d.time(in.From), db.d.nullTime(in.To), in.LimitW, in.ExternalID,
			in.Reason, in.CreatedBy, db.d.time(in.CreatedAt)}, &in.ID)
		if err == nil && !found {
			return Refuse(ladda.Errorf(ladda.Conflict, db.d.Name+"."+op, "site %d has a demand-response event %q already", in.SiteID, in.ExternalID))
		}
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	*l = in
	return nil
}

// DeleteCapacityLimit removes a demand-response event. Errors: NotFound for no such event at
// the site (a period of its schedule included).
func (db *DB) DeleteCapacityLimit(ctx context.Context, siteID, id int64) error {
	const op = "DeleteCapacityLimit"
	err := db.do(ctx, gridKey(siteID), func(ctx context.Context, r run) error {
		n, err := r.exec(ctx, db.q.SmartCharging.DeleteEvent, siteID, id)
		if err == nil && n == 0 {
			return db.notFound(op, "site %d has no demand-response event %d", siteID, id)
		}
		return err
	})
	return db.wrap(op, err)
}

// CapacityLimits lists a site's limits with To nil or after from, of one kind or of both
// (kind ""), by From, then ID.
func (db *DB) CapacityLimits(ctx context.Context, siteID int64, kind string, from time.Time) ([]*smartcharging.CapacityLimit, error) {
	const op = "CapacityLimits"
	if !storableText(kind) {
		return nil, nil
	}
	rows, err := db.reader().query(ctx, db.q.SmartCharging.CapacityLimits, siteID, nullText(kind), db.d.time(from))
	if err != nil {
		return nil, db.wrap(op, err)
	}
	defer rows.Close()
	var list []*smartcharging.CapacityLimit
	for rows.Next() {
		var (
			l            smartcharging.CapacityLimit
			fromAt, toAt nullTime
			createdAt    nullTime
		)
		if err := rows.Scan(&l.ID, &l.SiteID, &l.Kind, &fromAt, &toAt, &l.LimitW, &l.ExternalID, &l.Reason, &l.CreatedBy, &createdAt); err != nil {
			return nil, db.wrap(op, err)
		}
		l.From, l.To, l.CreatedAt = fromAt.T, toAt.ptr(), createdAt.T
		list = append(list, &l)
	}
	return list, db.wrap(op, rows.Err())
}

// PutNeeds stores what a vehicle asked for in a transaction, replacing what was stored; its
// times are normalised to UTC microseconds, as stored. Errors: NotFound for an unknown
// transaction; Invalid for a NaN or text no engine can keep.
func (db *DB) PutNeeds(ctx context.Context, n *smartcharging.Needs) error {
	const op = "PutNeeds"
	in := *n
	in.DepartureAt, in.UpdatedAt = normPtr(in.DepartureAt), norm(in.UpdatedAt)
	in.SoC, in.TargetSoC = copyPtr(in.SoC), copyPtr(in.TargetSoC)
	if err := db.storable(op, in.Source); err != nil {
		return err
	}
	fs := []float64{in.EnergyWh, in.CapacityWh, in.MinA, in.MaxA}
	for _, p := range []*float64{in.SoC, in.TargetSoC} {
		if p != nil {
			fs = append(fs, *p)
		}
	}
	if err := db.storableFloats(op, "needs", fs...); err != nil {
		return err
	}
	err := db.putOfTransaction(ctx, op, in.TransactionID, db.q.SmartCharging.PutNeeds, db.d.nullTime(in.DepartureAt), in.EnergyWh, in.CapacityWh,
		nullFloat(in.SoC), nullFloat(in.TargetSoC), in.MinA, in.MaxA, in.Phases, in.Source, db.d.time(in.UpdatedAt))
	if err != nil {
		return err
	}
	*n = in
	return nil
}

// putOfTransaction runs an upsert of a row that belongs to a transaction, query taking the
// transaction's id first and then args; NotFound when it wrote nothing (no such transaction).
func (db *DB) putOfTransaction(ctx context.Context, op string, tx ladda.TransactionID, query string, args ...any) error {
	id := int64(tx)
	err := db.do(ctx, keyOf(strconv.FormatInt(id, 10)), func(ctx context.Context, r run) error {
		k, err := r.exec(ctx, query, append([]any{id}, args...)...)
		if err == nil && k == 0 {
			return db.notFound(op, "transaction %d not found", id)
		}
		return err
	})
	return db.wrap(op, err)
}

// Needs returns what the vehicle of a transaction asked for. Errors: NotFound when nothing is
// stored.
func (db *DB) Needs(ctx context.Context, tx ladda.TransactionID) (*smartcharging.Needs, error) {
	const op = "Needs"
	var (
		n              smartcharging.Needs
		id             int64
		departure, upd nullTime
		soc, target    sql.NullFloat64
	)
	found, err := db.reader().one(ctx, db.q.SmartCharging.Needs, []any{int64(tx)}, &id, &departure, &n.EnergyWh, &n.CapacityWh, &soc, &target,
		&n.MinA, &n.MaxA, &n.Phases, &n.Source, &upd)
	if err != nil {
		return nil, db.wrap(op, err)
	}
	if !found {
		return nil, ladda.Errorf(ladda.NotFound, db.d.Name+"."+op, "transaction %d has no needs stored", tx)
	}
	n.TransactionID, n.DepartureAt, n.SoC, n.TargetSoC, n.UpdatedAt = ladda.TransactionID(id), departure.ptr(), floatPtr(soc), floatPtr(target), upd.T
	return &n, nil
}

// PutEVSchedule stores the charging schedule a transaction's vehicle planned, replacing the
// one stored; its times are normalised to UTC microseconds, as stored, and it shares no
// pointer with what the caller holds. Errors: NotFound for an unknown transaction; Invalid
// for a NaN or infinite rate, or text no engine can keep.
func (db *DB) PutEVSchedule(ctx context.Context, s *smartcharging.EVSchedule) error {
	const op = "PutEVSchedule"
	in := *s
	in.Start, in.ReceivedAt = norm(in.Start), norm(in.ReceivedAt)
	stored := storeSchedule(in.Schedule)
	stored.StartAt = normPtr(stored.StartAt)
	in.Schedule = stored.schedule()
	if err := db.storable(op, in.Schedule.RateUnit); err != nil {
		return err
	}
	var fs []float64
	if in.Schedule.MinRate != nil {
		fs = append(fs, *in.Schedule.MinRate)
	}
	for _, p := range in.Schedule.Periods {
		fs = append(fs, p.Limit)
	}
	if err := db.storableFloats(op, "EV schedule", fs...); err != nil {
		return err
	}
	body, err := json.Marshal(stored)
	if err != nil {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "EV schedule cannot be stored: %v", err)
	}
	if err := db.putOfTransaction(ctx, op, in.TransactionID, db.q.SmartCharging.PutEVSchedule, db.d.time(in.Start), string(body), in.Accepted, db.d.time(in.ReceivedAt)); err != nil {
		return err
	}
	*s = in
	return nil
}

// EVSchedule returns the charging schedule a transaction's vehicle last planned. Errors:
// NotFound when none is stored.
func (db *DB) EVSchedule(ctx context.Context, tx ladda.TransactionID) (*smartcharging.EVSchedule, error) {
	const op = "EVSchedule"
	var (
		s          smartcharging.EVSchedule
		id         int64
		start, rcv nullTime
		body       []byte
	)
	found, err := db.reader().one(ctx, db.q.SmartCharging.EVSchedule, []any{int64(tx)}, &id, &start, &body, &s.Accepted, &rcv)
	if err != nil {
		return nil, db.wrap(op, err)
	}
	if !found {
		return nil, ladda.Errorf(ladda.NotFound, db.d.Name+"."+op, "transaction %d has no EV schedule stored", tx)
	}
	var stored storedSchedule
	if err := json.Unmarshal(body, &stored); err != nil {
		return nil, db.wrap(op, fmt.Errorf("transaction %d: bad EV schedule: %w", tx, err))
	}
	s.TransactionID, s.Start, s.Schedule, s.ReceivedAt = ladda.TransactionID(id), start.T, stored.schedule(), rcv.T
	return &s, nil
}
