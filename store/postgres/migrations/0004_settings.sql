-- The settings of stations (station.Setting): 1.6 configuration keys and 2.0.1 device-model
-- variable attributes, as reported by the station or changed on request. Absent parts of the
-- identity are '' or 0, so the identity is a plain composite primary key; the key's order is
-- the listing order (byte order, COLLATE "C", as in SQLite). A station's settings go with it
-- (ON DELETE CASCADE).

-- +goose Up
CREATE TABLE station_settings (
    station_id         text COLLATE "C" NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    component          text COLLATE "C" NOT NULL, -- '' for 1.6
    component_instance text COLLATE "C" NOT NULL,
    evse_id            integer NOT NULL CHECK (evse_id >= 0),
    connector_id       integer NOT NULL CHECK (connector_id >= 0),
    variable           text COLLATE "C" NOT NULL, -- the 1.6 key
    variable_instance  text COLLATE "C" NOT NULL,
    attribute          text COLLATE "C" NOT NULL, -- '' is Actual
    value              text NOT NULL,
    read_only          boolean NOT NULL,
    unit               text NOT NULL DEFAULT '',
    data_type          text NOT NULL DEFAULT '',
    updated_by         text NOT NULL DEFAULT '',
    updated_at         timestamptz NOT NULL,
    PRIMARY KEY (station_id, component, component_instance, evse_id, connector_id, variable, variable_instance, attribute)
);

-- +goose Down
DROP TABLE station_settings;
