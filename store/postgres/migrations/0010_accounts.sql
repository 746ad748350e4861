-- Accounts (account.Store): organisations and users with what belongs to them (sessions,
-- one-time tokens, recovery codes, favourites), throttles, the audit log, and webhooks with the
-- queue of deliveries. Organisations own stations, ID tokens and API keys; users own ID tokens.
-- Personal data arrives sealed by the store (sqldb.Sealer): users.email, name and totp_secret
-- and webhooks.secret are bytea of ciphertext; users.email_index is the blind index (a keyed
-- hash) of the normalised email, which keeps emails unique and findable; throttles.key is the
-- blind index of the throttled email or IP address. An id is never used twice. The foreign
-- keys without ON DELETE refuse a delete that another process's write made wrong meanwhile.
-- API keys get an organisation, scopes (a comma list; the keys there are, all administrators'
-- until now, get 'admin') and their maker instead of a role.

-- +goose Up
CREATE TABLE organisations (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL,
    kind       text NOT NULL,                 -- account.OrgKind
    created_at timestamptz NOT NULL
);

CREATE TABLE users (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email             bytea NOT NULL,         -- sealed
    email_index       bytea NOT NULL UNIQUE,  -- blind index of the normalised email
    name              bytea,                  -- sealed; NULL: empty
    language          text NOT NULL DEFAULT '',
    role              text NOT NULL,          -- account.Role
    org_id            bigint REFERENCES organisations (id),
    password_hash     text NOT NULL DEFAULT '',
    email_verified_at timestamptz,
    totp_secret       bytea,                  -- sealed; NULL: none
    totp_enabled_at   timestamptz,
    totp_last_step    bigint NOT NULL DEFAULT 0,
    prefs             jsonb NOT NULL DEFAULT '{}', -- account.Preferences
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);

CREATE INDEX users_org ON users (org_id, id);
CREATE INDEX users_role ON users (role, id);

CREATE TABLE sessions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash         bytea NOT NULL UNIQUE,       -- SHA-256 of the secret
    kind         text NOT NULL,               -- account.SessionKind
    pending      boolean NOT NULL DEFAULT false,
    ip           text NOT NULL DEFAULT '',
    user_agent   text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz
);

CREATE INDEX sessions_user ON sessions (user_id, id DESC);

CREATE TABLE throttles (
    key          bytea PRIMARY KEY,           -- blind index of the subject
    failures     integer NOT NULL,
    last_failure timestamptz NOT NULL,
    locked_until timestamptz
);

CREATE TABLE one_time_tokens (
    hash       bytea PRIMARY KEY,             -- SHA-256 of the secret
    purpose    text NOT NULL,                 -- account.TokenPurpose
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

CREATE INDEX one_time_tokens_user ON one_time_tokens (user_id);

CREATE TABLE recovery_codes (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash    bytea NOT NULL,
    used_at timestamptz,
    PRIMARY KEY (user_id, hash)
);

-- Append-only: the triggers refuse every change, deletion and truncation. No foreign keys:
-- the log outlives the users, keys and organisations it names (by id only).
CREATE TABLE audit_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL,
    actor_kind text NOT NULL,
    actor_id   bigint NOT NULL DEFAULT 0,
    actor      text NOT NULL DEFAULT '',
    org_id     bigint NOT NULL DEFAULT 0,     -- 0: none
    action     text COLLATE "C" NOT NULL,
    target     text NOT NULL DEFAULT '',
    outcome    text NOT NULL DEFAULT '',
    ip         text NOT NULL DEFAULT '',
    user_agent text NOT NULL DEFAULT '',
    detail     jsonb NOT NULL DEFAULT 'null'
);

CREATE INDEX audit_events_org ON audit_events (org_id, id DESC);
CREATE INDEX audit_events_actor ON audit_events (actor_kind, actor_id, id DESC);

-- +goose StatementBegin
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % is refused', TG_OP;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

CREATE TABLE favourites (
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    station_id text COLLATE "C" NOT NULL REFERENCES stations (id) ON DELETE CASCADE,
    watch      boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, station_id)
);

CREATE INDEX favourites_station ON favourites (station_id, user_id);

CREATE TABLE webhooks (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id     bigint REFERENCES organisations (id) ON DELETE CASCADE,
    user_id    bigint REFERENCES users (id) ON DELETE CASCADE,
    url        text NOT NULL,
    secret     bytea NOT NULL,                -- sealed
    events     text NOT NULL DEFAULT '',      -- comma list; '': all
    active     boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL,
    CHECK ((org_id IS NULL) <> (user_id IS NULL))
);

CREATE INDEX webhooks_org ON webhooks (org_id, id);
CREATE INDEX webhooks_user ON webhooks (user_id, id);

-- The queue of emails and webhook calls, and their log. An email goes with its recipient, a
-- call with its webhook.
CREATE TABLE deliveries (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text NOT NULL,               -- account.DeliveryKind
    user_id      bigint REFERENCES users (id) ON DELETE CASCADE,
    template     text NOT NULL DEFAULT '',
    webhook_id   bigint REFERENCES webhooks (id) ON DELETE CASCADE,
    event        text NOT NULL DEFAULT '',
    payload      bytea NOT NULL,
    status       text NOT NULL,               -- account.DeliveryStatus
    attempts     integer NOT NULL DEFAULT 0,
    next_at      timestamptz NOT NULL,
    last_status  integer NOT NULL DEFAULT 0,
    last_error   text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    delivered_at timestamptz
);

-- Claim: the pending deliveries, lowest id first. The lists of a webhook, a user, a status.
CREATE INDEX deliveries_pending ON deliveries (id, next_at) WHERE status = 'pending';
CREATE INDEX deliveries_webhook ON deliveries (webhook_id, id DESC);
CREATE INDEX deliveries_user ON deliveries (user_id, id DESC);
CREATE INDEX deliveries_status ON deliveries (status, id DESC);

ALTER TABLE stations ADD COLUMN org_id bigint REFERENCES organisations (id);
CREATE INDEX stations_org ON stations (org_id, id);

ALTER TABLE id_tokens
    ADD COLUMN user_id bigint REFERENCES users (id),
    ADD COLUMN org_id bigint REFERENCES organisations (id),
    ADD COLUMN label text NOT NULL DEFAULT '';
CREATE INDEX id_tokens_user ON id_tokens (user_id, token);
CREATE INDEX id_tokens_org ON id_tokens (org_id, token);

ALTER TABLE api_keys
    ADD COLUMN org_id bigint REFERENCES organisations (id),
    ADD COLUMN scopes text NOT NULL DEFAULT 'admin',
    ADD COLUMN created_by bigint NOT NULL DEFAULT 0, -- users.id; 0: the command line
    DROP COLUMN role;
ALTER TABLE api_keys ALTER COLUMN scopes DROP DEFAULT;
CREATE INDEX api_keys_org ON api_keys (org_id, id);

-- +goose Down
ALTER TABLE api_keys
    ADD COLUMN role text NOT NULL DEFAULT 'admin',
    DROP COLUMN created_by,
    DROP COLUMN scopes,
    DROP COLUMN org_id;

ALTER TABLE id_tokens
    DROP COLUMN label,
    DROP COLUMN org_id,
    DROP COLUMN user_id;

ALTER TABLE stations DROP COLUMN org_id;

DROP TABLE deliveries;
DROP TABLE webhooks;
DROP TABLE favourites;
DROP TABLE audit_events;
DROP FUNCTION audit_events_append_only();
DROP TABLE recovery_codes;
DROP TABLE one_time_tokens;
DROP TABLE throttles;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE organisations;
