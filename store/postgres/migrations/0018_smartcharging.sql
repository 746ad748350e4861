-- Smart charging: the model of each site's electrical installation (package smartcharging).
-- A site's grid connection (smartcharging.Grid), the circuits that branch from it
-- (smartcharging.Circuit), how each EVSE is wired (smartcharging.Wiring), the limits energy
-- companies put on a site's capacity (smartcharging.CapacityLimit) and what the vehicle of a
-- transaction asked for (smartcharging.Needs). Deleting a site deletes its grid and, with it,
-- its circuits and capacity limits; deleting a circuit (or its grid) deletes the wiring of the
-- EVSEs hanging from it; deleting a station deletes the wiring of its EVSEs. Amperes, watts
-- and watt-hours are double precision: IEEE doubles, kept exactly.

-- +goose Up
CREATE TABLE grids (
    site_id          bigint PRIMARY KEY REFERENCES sites (id) ON DELETE CASCADE,
    phases           integer NOT NULL,
    limit_l1_a       double precision NOT NULL,
    limit_l2_a       double precision NOT NULL,
    limit_l3_a       double precision NOT NULL,
    margin_percent   double precision NOT NULL,
    fallback_a       double precision NOT NULL,
    voltage_v        double precision NOT NULL,           -- 0: 230 V
    meter_station_id text COLLATE "C" NOT NULL DEFAULT '', -- '': none; no foreign key, as a meter may come and go
    priorities       text NOT NULL DEFAULT '[]'            -- JSON: []smartcharging.Priority
);

-- A circuit hangs from another of the same site (the foreign key of site_id and parent_id), or
-- from the site's connection (parent_id NULL). Limits are per phase; a negative one: no limit.
CREATE TABLE circuits (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id    bigint NOT NULL REFERENCES grids (site_id) ON DELETE CASCADE,
    parent_id  bigint,
    name       text NOT NULL,
    limit_l1_a double precision NOT NULL,
    limit_l2_a double precision NOT NULL,
    limit_l3_a double precision NOT NULL,
    UNIQUE (site_id, id),
    FOREIGN KEY (site_id, parent_id) REFERENCES circuits (site_id, id) ON DELETE CASCADE
);
CREATE INDEX circuits_parent ON circuits (parent_id);

-- circuit_id NULL: the EVSE hangs from its site's connection.
CREATE TABLE evse_wirings (
    station_id text COLLATE "C" NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    evse_id    integer NOT NULL CHECK (evse_id >= 0),
    circuit_id bigint REFERENCES circuits (id) ON DELETE CASCADE,
    rotation   text NOT NULL,
    phases     integer NOT NULL,
    min_a      double precision NOT NULL,
    max_a      double precision NOT NULL,
    PRIMARY KEY (station_id, evse_id)
);
CREATE INDEX evse_wirings_circuit ON evse_wirings (circuit_id);

-- Schedule periods and demand-response events; a site's events have distinct external ids.
CREATE TABLE capacity_limits (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id     bigint NOT NULL REFERENCES grids (site_id) ON DELETE CASCADE,
    kind        text NOT NULL,  -- 'schedule' or 'demand-response'
    from_at     timestamptz NOT NULL,
    to_at       timestamptz,    -- NULL: until the next period, or for good
    limit_w     double precision NOT NULL,
    external_id text COLLATE "C" NOT NULL DEFAULT '',
    reason      text NOT NULL DEFAULT '',
    created_by  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL
);
CREATE INDEX capacity_limits_site ON capacity_limits (site_id, from_at, id);
CREATE UNIQUE INDEX capacity_limits_external ON capacity_limits (site_id, external_id)
    WHERE kind = 'demand-response' AND external_id <> '';

-- What the vehicle of a transaction asked for; 0 is unknown, as are the NULLs.
CREATE TABLE vehicle_needs (
    transaction_id bigint PRIMARY KEY REFERENCES transactions (id) ON DELETE CASCADE,
    departure_at   timestamptz,
    energy_wh      double precision NOT NULL,
    capacity_wh    double precision NOT NULL,
    soc            double precision,
    target_soc     double precision,
    min_a          double precision NOT NULL,
    max_a          double precision NOT NULL,
    phases         integer NOT NULL,
    source         text NOT NULL,
    updated_at     timestamptz NOT NULL
);

-- +goose Down
DROP TABLE vehicle_needs;
DROP TABLE capacity_limits;
DROP TABLE evse_wirings;
DROP TABLE circuits;
DROP TABLE grids;
