-- The settings of stations (station.Setting): 1.6 configuration keys and 2.0.1 device-model
-- variable attributes, as reported by the station or changed on request. Absent parts of the
-- identity are '' or 0, so the identity is a plain composite primary key; the key's order is
-- the listing order. A station's settings go with it (ON DELETE CASCADE).

-- +goose Up
CREATE TABLE station_settings (
    station_id         TEXT NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    component          TEXT NOT NULL,             -- '' for 1.6
    component_instance TEXT NOT NULL,
    evse_id            INTEGER NOT NULL CHECK (evse_id >= 0),
    connector_id       INTEGER NOT NULL CHECK (connector_id >= 0),
    variable           TEXT NOT NULL,             -- the 1.6 key
    variable_instance  TEXT NOT NULL,
    attribute          TEXT NOT NULL,             -- '' is Actual
    value              TEXT NOT NULL,
    read_only          INTEGER NOT NULL,
    unit               TEXT NOT NULL DEFAULT '',
    data_type          TEXT NOT NULL DEFAULT '',
    updated_by         TEXT NOT NULL DEFAULT '',
    updated_at         TEXT NOT NULL,
    PRIMARY KEY (station_id, component, component_instance, evse_id, connector_id, variable, variable_instance, attribute)
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE station_settings;
