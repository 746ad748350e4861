-- Remote start requests and the transactions they led to (charging.RemoteStart). The id is
-- sent to OCPP 2.0.1 stations as remoteStartId. Requests outlive their station and their
-- transaction (no foreign keys). AUTOINCREMENT: an id is never used twice, so a station that
-- echoes an old remoteStartId never meets a newer request.

-- +goose Up
CREATE TABLE remote_starts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    station_id     TEXT NOT NULL,
    evse_id        INTEGER NOT NULL CHECK (evse_id >= 0), -- 0: the station chooses
    id_token       TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT '',  -- the station's answer; '' until answered
    command_id     INTEGER,                   -- commands.id of the request
    transaction_id INTEGER UNIQUE,            -- a transaction answers at most one request
    requested_by   TEXT NOT NULL DEFAULT '',
    requested_at   TEXT NOT NULL
) STRICT;

-- The unlinked requests of a station for a token, oldest first: what a 1.6 start looks for.
CREATE INDEX remote_starts_unlinked ON remote_starts (station_id, id_token, requested_at) WHERE transaction_id IS NULL;

-- +goose Down
DROP TABLE remote_starts;
