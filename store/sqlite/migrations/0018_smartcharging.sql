-- Smart charging: the model of each site's electrical installation (package smartcharging).
-- A site's grid connection (smartcharging.Grid), the circuits that branch from it
-- (smartcharging.Circuit), how each EVSE is wired (smartcharging.Wiring), the limits energy
-- companies put on a site's capacity (smartcharging.CapacityLimit) and what the vehicle of a
-- transaction asked for (smartcharging.Needs). Deleting a site deletes its grid and, with it,
-- its circuits and capacity limits; deleting a circuit (or its grid) deletes the wiring of the
-- EVSEs hanging from it; deleting a station deletes the wiring of its EVSEs. Amperes, watts
-- and watt-hours are REAL: IEEE doubles, kept exactly.

-- +goose Up
CREATE TABLE grids (
    site_id          INTEGER PRIMARY KEY REFERENCES sites (id) ON DELETE CASCADE,
    phases           INTEGER NOT NULL,
    limit_l1_a       REAL NOT NULL,
    limit_l2_a       REAL NOT NULL,
    limit_l3_a       REAL NOT NULL,
    margin_percent   REAL NOT NULL,
    fallback_a       REAL NOT NULL,
    voltage_v        REAL NOT NULL,           -- 0: 230 V
    meter_station_id TEXT NOT NULL DEFAULT '', -- '': none; no foreign key, as a meter may come and go
    priorities       TEXT NOT NULL DEFAULT '[]' -- JSON: []smartcharging.Priority
) STRICT;

-- A circuit hangs from another of the same site (the foreign key of site_id and parent_id), or
-- from the site's connection (parent_id NULL). Limits are per phase; a negative one: no limit.
CREATE TABLE circuits (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id    INTEGER NOT NULL REFERENCES grids (site_id) ON DELETE CASCADE,
    parent_id  INTEGER,
    name       TEXT NOT NULL,
    limit_l1_a REAL NOT NULL,
    limit_l2_a REAL NOT NULL,
    limit_l3_a REAL NOT NULL,
    UNIQUE (site_id, id),
    FOREIGN KEY (site_id, parent_id) REFERENCES circuits (site_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX circuits_parent ON circuits (parent_id);

-- circuit_id NULL: the EVSE hangs from its site's connection.
CREATE TABLE evse_wirings (
    station_id TEXT NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    evse_id    INTEGER NOT NULL CHECK (evse_id >= 0),
    circuit_id INTEGER REFERENCES circuits (id) ON DELETE CASCADE,
    rotation   TEXT NOT NULL,
    phases     INTEGER NOT NULL,
    min_a      REAL NOT NULL,
    max_a      REAL NOT NULL,
    PRIMARY KEY (station_id, evse_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX evse_wirings_circuit ON evse_wirings (circuit_id);

-- Schedule periods and demand-response events; a site's events have distinct external ids.
CREATE TABLE capacity_limits (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id     INTEGER NOT NULL REFERENCES grids (site_id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,  -- 'schedule' or 'demand-response'
    from_at     TEXT NOT NULL,
    to_at       TEXT,           -- NULL: until the next period, or for good
    limit_w     REAL NOT NULL,
    external_id TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX capacity_limits_site ON capacity_limits (site_id, from_at, id);
CREATE UNIQUE INDEX capacity_limits_external ON capacity_limits (site_id, external_id)
    WHERE kind = 'demand-response' AND external_id <> '';

-- What the vehicle of a transaction asked for; 0 is unknown, as are the NULLs.
CREATE TABLE vehicle_needs (
    transaction_id INTEGER PRIMARY KEY REFERENCES transactions (id) ON DELETE CASCADE,
    departure_at   TEXT,
    energy_wh      REAL NOT NULL,
    capacity_wh    REAL NOT NULL,
    soc            REAL,
    target_soc     REAL,
    min_a          REAL NOT NULL,
    max_a          REAL NOT NULL,
    phases         INTEGER NOT NULL,
    source         TEXT NOT NULL,
    updated_at     TEXT NOT NULL
) STRICT;

-- +goose Down
DROP TABLE vehicle_needs;
DROP TABLE capacity_limits;
DROP TABLE evse_wirings;
DROP TABLE circuits;
DROP TABLE grids;
