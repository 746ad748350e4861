-- Remote start requests and the transactions they led to (charging.RemoteStart). The id is
-- sent to OCPP 2.0.1 stations as remoteStartId. Requests outlive their station and their
-- transaction (no foreign keys).

-- +goose Up
CREATE TABLE remote_starts (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    station_id     text COLLATE "C" NOT NULL,
    evse_id        integer NOT NULL CHECK (evse_id >= 0), -- 0: the station chooses
    id_token       text COLLATE "C" NOT NULL,
    status         text NOT NULL DEFAULT '',  -- the station's answer; '' until answered
    command_id     bigint,                    -- commands.id of the request
    transaction_id bigint UNIQUE,             -- a transaction answers at most one request
    requested_by   text NOT NULL DEFAULT '',
    requested_at   timestamptz NOT NULL
);

-- The unlinked requests of a station for a token, oldest first: what a 1.6 start looks for.
CREATE INDEX remote_starts_unlinked ON remote_starts (station_id, id_token, requested_at) WHERE transaction_id IS NULL;

-- +goose Down
DROP TABLE remote_starts;
