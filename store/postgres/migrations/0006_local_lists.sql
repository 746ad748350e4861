-- Local authorisation lists (charging.LocalLists). local_list_tokens holds the ID tokens an
-- operator assigned to a station's list, listed in byte order (COLLATE "C", as in SQLite);
-- local_list_sent the list the station last accepted: its version and its entries (a JSON
-- array of station.LocalAuthEntry), from which the next update is computed as differences.
-- No foreign keys: a token may be deleted while assigned (the service skips it); DeleteStation
-- removes a station's rows itself.

-- +goose Up
CREATE TABLE local_list_tokens (
    station_id text COLLATE "C" NOT NULL,
    token      text COLLATE "C" NOT NULL,
    PRIMARY KEY (station_id, token)
);

CREATE TABLE local_list_sent (
    station_id text COLLATE "C" NOT NULL PRIMARY KEY,
    version    integer NOT NULL CHECK (version > 0),
    entries    jsonb NOT NULL,            -- JSON array of station.LocalAuthEntry
    sent_at    timestamptz NOT NULL       -- when it was recorded
);

-- +goose Down
DROP TABLE local_list_sent;
DROP TABLE local_list_tokens;
