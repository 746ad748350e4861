-- Ladda's first schema on SQLite. Times are TEXT in UTC, 'YYYY-MM-DDTHH:MM:SS.ffffffZ', so that
-- comparing the text compares the times. Booleans are INTEGER 0/1.

-- +goose Up
CREATE TABLE stations (
    id              TEXT PRIMARY KEY,
    description     TEXT NOT NULL DEFAULT '',
    registration    TEXT NOT NULL,
    credential_salt BLOB,
    credential_hash BLOB,
    connected       INTEGER NOT NULL DEFAULT 0,
    ocpp_version    TEXT NOT NULL DEFAULT '',
    last_seen       TEXT,
    boot            TEXT NOT NULL DEFAULT '{}', -- JSON of station.Boot
    booted_at       TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- EVSE 0 (the station as a whole) is never stored.
CREATE TABLE connectors (
    station_id   TEXT NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    evse_id      INTEGER NOT NULL CHECK (evse_id >= 0), -- 0: the station as a whole
    connector_id INTEGER NOT NULL CHECK (connector_id >= 0),
    status       TEXT NOT NULL,
    error_code   TEXT NOT NULL DEFAULT '',
    info         TEXT NOT NULL DEFAULT '',
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (station_id, evse_id, connector_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE id_tokens (
    token            TEXT PRIMARY KEY,
    type             TEXT NOT NULL,
    status           TEXT NOT NULL,
    expires_at       TEXT,
    group_id         TEXT NOT NULL DEFAULT '',
    allow_concurrent INTEGER NOT NULL DEFAULT 0,
    description      TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX id_tokens_group ON id_tokens (group_id, token);

-- Transactions outlive their station: no foreign key. AUTOINCREMENT: an id, which OCPP 1.6
-- stations keep, is never used twice.
CREATE TABLE transactions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    station_id     TEXT NOT NULL,
    station_tx_id  TEXT NOT NULL,
    start_key      TEXT NOT NULL,
    evse_id        INTEGER NOT NULL CHECK (evse_id >= 0),
    connector_id   INTEGER NOT NULL CHECK (connector_id >= 0),
    id_token       TEXT NOT NULL DEFAULT '',
    started_at     TEXT NOT NULL,
    stopped_at     TEXT,
    meter_start_wh REAL,
    meter_last_wh  REAL,
    meter_stop_wh  REAL,
    stop_reason    TEXT NOT NULL DEFAULT '',
    stopped_by     TEXT NOT NULL DEFAULT '',
    last_seq_no    INTEGER,
    flags          TEXT NOT NULL DEFAULT '', -- comma list of charging.Flag
    last_report_id INTEGER,                  -- newest of its meter_reports
    updated_at     TEXT NOT NULL,
    UNIQUE (station_id, start_key)
) STRICT;

CREATE INDEX transactions_station_tx_id ON transactions (station_id, station_tx_id);
CREATE INDEX transactions_station ON transactions (station_id, id);
CREATE INDEX transactions_token ON transactions (id_token, id);
-- At most one active transaction per connector: a new start replaces the open one.
CREATE UNIQUE INDEX transactions_active_connector ON transactions (station_id, evse_id, connector_id) WHERE stopped_at IS NULL;
CREATE INDEX transactions_active_token ON transactions (id_token) WHERE stopped_at IS NULL;
CREATE INDEX transactions_active_started ON transactions (started_at) WHERE stopped_at IS NULL;

-- One row per meter report; its samples are a JSON array of charging.Sample. The reports of a
-- transaction form a chain, newest first: transactions.last_report_id, then prev_id. The chain
-- replaces an index on transaction_id, whose leaf pages, one per running transaction, would
-- all be rewritten by every group commit; appending rows is all a report costs.
CREATE TABLE meter_reports (
    id             INTEGER PRIMARY KEY,
    station_id     TEXT NOT NULL,
    transaction_id INTEGER,
    prev_id        INTEGER, -- the transaction's report before this one
    evse_id        INTEGER NOT NULL,
    connector_id   INTEGER NOT NULL,
    at             TEXT NOT NULL,
    samples        TEXT NOT NULL
) STRICT;

CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    hash         BLOB NOT NULL UNIQUE,
    role         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    expires_at   TEXT,
    revoked_at   TEXT
) STRICT;

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE settings;
DROP TABLE api_keys;
DROP TABLE meter_reports;
DROP TABLE transactions;
DROP TABLE id_tokens;
DROP TABLE connectors;
DROP TABLE stations;
