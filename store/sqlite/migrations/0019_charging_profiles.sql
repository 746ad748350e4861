-- The charging profiles Ladda installed on stations (station.InstalledProfile): what a station
-- accepted in SetChargingProfile and has not cleared since. OCPP 1.6 stations cannot report
-- their profiles, so Ladda keeps them. One record per station and profile id, as at the
-- station; transaction_id is the station's id of a TxProfile's transaction ('' for other
-- purposes); profile is the rest of the profile as JSON. A station's records go with it (ON
-- DELETE CASCADE).

-- +goose Up
CREATE TABLE charging_profiles (
    station_id     TEXT NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    profile_id     INTEGER NOT NULL CHECK (profile_id > 0),
    evse_id        INTEGER NOT NULL CHECK (evse_id >= 0),
    purpose        TEXT NOT NULL,
    stack_level    INTEGER NOT NULL CHECK (stack_level >= 0),
    transaction_id TEXT NOT NULL DEFAULT '',
    profile        TEXT NOT NULL, -- JSON: kind, recurrency, validity and schedule
    set_by         TEXT NOT NULL DEFAULT '',
    set_at         TEXT NOT NULL,
    PRIMARY KEY (station_id, profile_id)
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE charging_profiles;
