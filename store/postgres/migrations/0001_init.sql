-- Ladda's first schema on PostgreSQL. Times are timestamptz (microseconds, returned in UTC by
-- the store). Identifiers use the "C" collation: byte order, as in SQLite, so that keyset
-- pagination orders the same on both engines.

-- +goose Up
CREATE TABLE stations (
    id              text COLLATE "C" PRIMARY KEY,
    description     text NOT NULL DEFAULT '',
    registration    text NOT NULL,
    credential_salt bytea,
    credential_hash bytea,
    connected       boolean NOT NULL DEFAULT false,
    ocpp_version    text NOT NULL DEFAULT '',
    last_seen       timestamptz,
    boot            jsonb NOT NULL DEFAULT '{}', -- station.Boot
    booted_at       timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

-- EVSE 0 (the station as a whole) is never stored.
CREATE TABLE connectors (
    station_id   text COLLATE "C" NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    evse_id      integer NOT NULL CHECK (evse_id >= 0), -- 0: the station as a whole
    connector_id integer NOT NULL CHECK (connector_id >= 0),
    status       text NOT NULL,
    error_code   text NOT NULL DEFAULT '',
    info         text NOT NULL DEFAULT '',
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (station_id, evse_id, connector_id)
);

CREATE TABLE id_tokens (
    token            text COLLATE "C" PRIMARY KEY,
    type             text NOT NULL,
    status           text NOT NULL,
    expires_at       timestamptz,
    group_id         text COLLATE "C" NOT NULL DEFAULT '',
    allow_concurrent boolean NOT NULL DEFAULT false,
    description      text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);

CREATE INDEX id_tokens_group ON id_tokens (group_id, token);

-- Transactions outlive their station: no foreign key. OCPP 1.6 stations keep the id.
CREATE TABLE transactions (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    station_id     text COLLATE "C" NOT NULL,
    station_tx_id  text COLLATE "C" NOT NULL,
    start_key      text COLLATE "C" NOT NULL,
    evse_id        integer NOT NULL CHECK (evse_id >= 0),
    connector_id   integer NOT NULL CHECK (connector_id >= 0),
    id_token       text COLLATE "C" NOT NULL DEFAULT '',
    started_at     timestamptz NOT NULL,
    stopped_at     timestamptz,
    meter_start_wh double precision,
    meter_last_wh  double precision,
    meter_stop_wh  double precision,
    stop_reason    text NOT NULL DEFAULT '',
    stopped_by     text NOT NULL DEFAULT '',
    last_seq_no    integer,
    flags          text NOT NULL DEFAULT '', -- comma list of charging.Flag
    last_report_id bigint,                   -- newest of its meter_reports
    updated_at     timestamptz NOT NULL,
    UNIQUE (station_id, start_key)
);

CREATE INDEX transactions_station_tx_id ON transactions (station_id, station_tx_id);
CREATE INDEX transactions_station ON transactions (station_id, id);
CREATE INDEX transactions_token ON transactions (id_token, id);
-- At most one active transaction per connector: a new start replaces the open one.
CREATE UNIQUE INDEX transactions_active_connector ON transactions (station_id, evse_id, connector_id) WHERE stopped_at IS NULL;
CREATE INDEX transactions_active_token ON transactions (id_token) WHERE stopped_at IS NULL;
CREATE INDEX transactions_active_started ON transactions (started_at) WHERE stopped_at IS NULL;

-- One row per meter report; its samples are a JSON array of charging.Sample, kept as json
-- (stored as sent, no conversion on the hot path). The reports of a transaction form a chain,
-- newest first: transactions.last_report_id, then prev_id. The chain replaces an index on
-- transaction_id that every report would have to update.
CREATE TABLE meter_reports (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    station_id     text COLLATE "C" NOT NULL,
    transaction_id bigint,
    prev_id        bigint, -- the transaction's report before this one
    evse_id        integer NOT NULL,
    connector_id   integer NOT NULL,
    at             timestamptz NOT NULL,
    samples        json NOT NULL
);

CREATE TABLE api_keys (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL,
    prefix       text NOT NULL,
    hash         bytea NOT NULL UNIQUE,
    role         text NOT NULL,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    expires_at   timestamptz,
    revoked_at   timestamptz
);

CREATE TABLE settings (
    name  text COLLATE "C" PRIMARY KEY,
    value bytea NOT NULL
);

-- +goose Down
DROP TABLE settings;
DROP TABLE api_keys;
DROP TABLE meter_reports;
DROP TABLE transactions;
DROP TABLE id_tokens;
DROP TABLE connectors;
DROP TABLE stations;
