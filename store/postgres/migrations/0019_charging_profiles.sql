-- The charging profiles Ladda installed on stations (station.InstalledProfile): what a station
-- accepted in SetChargingProfile and has not cleared since. OCPP 1.6 stations cannot report
-- their profiles, so Ladda keeps them. One record per station and profile id, as at the
-- station; transaction_id is the station's id of a TxProfile's transaction ('' for other
-- purposes); profile is the rest of the profile as JSON. Text in byte order (COLLATE "C"), as
-- in SQLite. A station's records go with it (ON DELETE CASCADE).

-- +goose Up
CREATE TABLE charging_profiles (
    station_id     text COLLATE "C" NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    profile_id     integer NOT NULL CHECK (profile_id > 0),
    evse_id        integer NOT NULL CHECK (evse_id >= 0),
    purpose        text COLLATE "C" NOT NULL,
    stack_level    integer NOT NULL CHECK (stack_level >= 0),
    transaction_id text COLLATE "C" NOT NULL DEFAULT '',
    profile        jsonb NOT NULL, -- kind, recurrency, validity and schedule
    set_by         text NOT NULL DEFAULT '',
    set_at         timestamptz NOT NULL,
    PRIMARY KEY (station_id, profile_id)
);

-- +goose Down
DROP TABLE charging_profiles;
