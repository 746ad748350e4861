-- Local authorisation lists (charging.LocalLists). local_list_tokens holds the ID tokens an
-- operator assigned to a station's list; local_list_sent the list the station last accepted:
-- its version and its entries (a JSON array of station.LocalAuthEntry), from which the next
-- update is computed as differences. No foreign keys: a token may be deleted while assigned
-- (the service skips it); DeleteStation removes a station's rows itself.

-- +goose Up
CREATE TABLE local_list_tokens (
    station_id TEXT NOT NULL,
    token      TEXT NOT NULL,
    PRIMARY KEY (station_id, token)
) STRICT, WITHOUT ROWID;

CREATE TABLE local_list_sent (
    station_id TEXT NOT NULL PRIMARY KEY,
    version    INTEGER NOT NULL CHECK (version > 0),
    entries    TEXT NOT NULL,             -- JSON array of station.LocalAuthEntry
    sent_at    TEXT NOT NULL              -- when it was recorded
) STRICT;

-- +goose Down
DROP TABLE local_list_sent;
DROP TABLE local_list_tokens;
