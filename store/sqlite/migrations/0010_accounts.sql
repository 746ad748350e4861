-- Accounts (account.Store): organisations and users with what belongs to them (sessions,
-- one-time tokens, recovery codes, favourites), throttles, the audit log, and webhooks with the
-- queue of deliveries. Organisations own stations, ID tokens and API keys; users own ID tokens.
-- Personal data arrives sealed by the store (sqldb.Sealer): users.email, name and totp_secret
-- and webhooks.secret are BLOBs of ciphertext; users.email_index is the blind index (a keyed
-- hash) of the normalised email, which keeps emails unique and findable; throttles.key is the
-- blind index of the throttled email or IP address. AUTOINCREMENT: an id is never used twice.
-- API keys get an organisation, scopes (a comma list; the keys there are, all administrators'
-- until now, get 'admin') and their maker instead of a role.

-- +goose Up
CREATE TABLE organisations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,                 -- account.OrgKind
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    email             BLOB NOT NULL,          -- sealed
    email_index       BLOB NOT NULL UNIQUE,   -- blind index of the normalised email
    name              BLOB,                   -- sealed; NULL: empty
    language          TEXT NOT NULL DEFAULT '',
    role              TEXT NOT NULL,          -- account.Role
    org_id            INTEGER REFERENCES organisations (id),
    password_hash     TEXT NOT NULL DEFAULT '',
    email_verified_at TEXT,
    totp_secret       BLOB,                   -- sealed; NULL: none
    totp_enabled_at   TEXT,
    totp_last_step    INTEGER NOT NULL DEFAULT 0,
    prefs             TEXT NOT NULL DEFAULT '{}', -- JSON of account.Preferences
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
) STRICT;

CREATE INDEX users_org ON users (org_id, id);
CREATE INDEX users_role ON users (role, id);

-- The existing tables change next. ALTER TABLE is slow (it re-reads the whole schema), so
-- id_tokens and api_keys, which nothing refers to, are made anew instead, their rows kept
-- meanwhile in temporary tables.
ALTER TABLE stations ADD COLUMN org_id INTEGER REFERENCES organisations (id);
CREATE INDEX stations_org ON stations (org_id, id);

CREATE TEMP TABLE id_tokens_old AS SELECT * FROM id_tokens;
DROP TABLE id_tokens;
CREATE TABLE id_tokens (
    token            TEXT PRIMARY KEY,
    type             TEXT NOT NULL,
    status           TEXT NOT NULL,
    expires_at       TEXT,
    group_id         TEXT NOT NULL DEFAULT '',
    allow_concurrent INTEGER NOT NULL DEFAULT 0,
    description      TEXT NOT NULL DEFAULT '',
    user_id          INTEGER REFERENCES users (id),  -- the driver whose card it is
    org_id           INTEGER REFERENCES organisations (id),
    label            TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO id_tokens (token, type, status, expires_at, group_id, allow_concurrent, description, created_at, updated_at)
SELECT token, type, status, expires_at, group_id, allow_concurrent, description, created_at, updated_at FROM temp.id_tokens_old;
DROP TABLE temp.id_tokens_old;
CREATE INDEX id_tokens_group ON id_tokens (group_id, token);
CREATE INDEX id_tokens_user ON id_tokens (user_id, token);
CREATE INDEX id_tokens_org ON id_tokens (org_id, token);

CREATE TEMP TABLE api_keys_old AS SELECT * FROM api_keys;
CREATE TEMP TABLE api_keys_seq AS SELECT seq FROM sqlite_sequence WHERE name = 'api_keys';
DROP TABLE api_keys;
CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    hash         BLOB NOT NULL UNIQUE,
    org_id       INTEGER REFERENCES organisations (id),
    scopes       TEXT NOT NULL,               -- comma list of account.Scope
    created_by   INTEGER NOT NULL DEFAULT 0,  -- users.id; 0: the command line
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    expires_at   TEXT,
    revoked_at   TEXT
) STRICT;
INSERT INTO api_keys (id, name, prefix, hash, scopes, created_at, last_used_at, expires_at, revoked_at)
SELECT id, name, prefix, hash, 'admin', created_at, last_used_at, expires_at, revoked_at FROM temp.api_keys_old;
-- An id is never used twice: the table continues its old sequence.
DELETE FROM sqlite_sequence WHERE name = 'api_keys';
INSERT INTO sqlite_sequence (name, seq) SELECT 'api_keys', seq FROM temp.api_keys_seq;
DROP TABLE temp.api_keys_old;
DROP TABLE temp.api_keys_seq;
CREATE INDEX api_keys_org ON api_keys (org_id, id);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash         BLOB NOT NULL UNIQUE,        -- SHA-256 of the secret
    kind         TEXT NOT NULL,               -- account.SessionKind
    pending      INTEGER NOT NULL DEFAULT 0,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    revoked_at   TEXT
) STRICT;

CREATE INDEX sessions_user ON sessions (user_id, id DESC);

CREATE TABLE throttles (
    key          BLOB PRIMARY KEY,            -- blind index of the subject
    failures     INTEGER NOT NULL,
    last_failure TEXT NOT NULL,
    locked_until TEXT
) STRICT, WITHOUT ROWID;

CREATE TABLE one_time_tokens (
    hash       BLOB PRIMARY KEY,              -- SHA-256 of the secret
    purpose    TEXT NOT NULL,                 -- account.TokenPurpose
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
) STRICT, WITHOUT ROWID;

CREATE INDEX one_time_tokens_user ON one_time_tokens (user_id);

CREATE TABLE recovery_codes (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash    BLOB NOT NULL,
    used_at TEXT,
    PRIMARY KEY (user_id, hash)
) STRICT, WITHOUT ROWID;

-- Append-only: the triggers refuse every change and deletion. No foreign keys: the log
-- outlives the users, keys and organisations it names (by id only).
CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id   INTEGER NOT NULL DEFAULT 0,
    actor      TEXT NOT NULL DEFAULT '',
    org_id     INTEGER NOT NULL DEFAULT 0,    -- 0: none
    action     TEXT NOT NULL,
    target     TEXT NOT NULL DEFAULT '',
    outcome    TEXT NOT NULL DEFAULT '',
    ip         TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT 'null'   -- JSON
) STRICT;

CREATE INDEX audit_events_org ON audit_events (org_id, id DESC);
CREATE INDEX audit_events_actor ON audit_events (actor_kind, actor_id, id DESC);

-- +goose StatementBegin
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only: they cannot be changed');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only: they cannot be deleted');
END;
-- +goose StatementEnd

CREATE TABLE favourites (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    station_id TEXT NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    watch      INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, station_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX favourites_station ON favourites (station_id, user_id);

CREATE TABLE webhooks (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id     INTEGER REFERENCES organisations (id) ON DELETE CASCADE,
    user_id    INTEGER REFERENCES users (id) ON DELETE CASCADE,
    url        TEXT NOT NULL,
    secret     BLOB NOT NULL,                 -- sealed
    events     TEXT NOT NULL DEFAULT '',      -- comma list; '': all
    active     INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    CHECK ((org_id IS NULL) <> (user_id IS NULL))
) STRICT;

CREATE INDEX webhooks_org ON webhooks (org_id, id);
CREATE INDEX webhooks_user ON webhooks (user_id, id);

-- The queue of emails and webhook calls, and their log. An email goes with its recipient, a
-- call with its webhook.
CREATE TABLE deliveries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,               -- account.DeliveryKind
    user_id      INTEGER REFERENCES users (id) ON DELETE CASCADE,
    template     TEXT NOT NULL DEFAULT '',
    webhook_id   INTEGER REFERENCES webhooks (id) ON DELETE CASCADE,
    event        TEXT NOT NULL DEFAULT '',
    payload      BLOB NOT NULL,
    status       TEXT NOT NULL,               -- account.DeliveryStatus
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      TEXT NOT NULL,
    last_status  INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    delivered_at TEXT
) STRICT;

-- Claim: the pending deliveries, lowest id first. The lists of a webhook, a user, a status.
CREATE INDEX deliveries_pending ON deliveries (id, next_at) WHERE status = 'pending';
CREATE INDEX deliveries_webhook ON deliveries (webhook_id, id DESC);
CREATE INDEX deliveries_user ON deliveries (user_id, id DESC);
CREATE INDEX deliveries_status ON deliveries (status, id DESC);

-- +goose Down
DROP INDEX api_keys_org;
ALTER TABLE api_keys ADD COLUMN role TEXT NOT NULL DEFAULT 'admin';
ALTER TABLE api_keys DROP COLUMN created_by;
ALTER TABLE api_keys DROP COLUMN scopes;
ALTER TABLE api_keys DROP COLUMN org_id;

DROP INDEX id_tokens_org;
DROP INDEX id_tokens_user;
ALTER TABLE id_tokens DROP COLUMN label;
ALTER TABLE id_tokens DROP COLUMN org_id;
ALTER TABLE id_tokens DROP COLUMN user_id;

DROP INDEX stations_org;
ALTER TABLE stations DROP COLUMN org_id;

DROP TABLE deliveries;
DROP TABLE webhooks;
DROP TABLE favourites;
DROP TABLE audit_events;
DROP TABLE recovery_codes;
DROP TABLE one_time_tokens;
DROP TABLE throttles;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE organisations;
