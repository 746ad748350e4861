-- Payments (billing.Payments): how each driver pays (payment_accounts) and every payment asked of
-- a gateway (payments), with its version for compare-and-set updates; a session has at most one
-- payment of each kind (the partial unique index). Both bodies are sealed: they hold the
-- gateway's references to the driver. ref_index, the blind index of the gateway's payment
-- reference (purpose "payment-ref"), finds a payment from a webhook. gateway_events remembers the
-- webhooks handled, so one delivered twice is handled once.
--
-- The ledger: double-entry bookkeeping in whole minor units (billing.Entry), one entry per kind
-- and reference, never changed or deleted (the triggers refuse it). Plans, the subscriptions to
-- them (a user has at most one running subscription per organisation), and the price
-- schedules that schedule-linked tariffs follow.

-- +goose Up
CREATE TABLE payment_accounts (
    user_id    INTEGER PRIMARY KEY,
    mode       TEXT NOT NULL, -- billing.PayMode
    body       BLOB NOT NULL, -- sealed JSON: customer, method, label
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE payments (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    kind           TEXT NOT NULL,    -- billing.PaymentKind
    user_id        INTEGER NOT NULL,
    org_id         INTEGER NOT NULL DEFAULT 0, -- the seller: the station's organisation; 0: the installation
    transaction_id INTEGER,          -- NULL: not for a session
    state          TEXT NOT NULL,    -- billing.PaymentState
    next_attempt   TEXT,             -- NULL: no retry planned
    ref_index      BLOB,             -- blind index of the gateway's reference; NULL: none yet
    version        INTEGER NOT NULL, -- advanced by every update
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    body           BLOB NOT NULL     -- sealed JSON: billing.PaymentRecord
) STRICT;
CREATE UNIQUE INDEX payments_transaction ON payments (transaction_id, kind) WHERE transaction_id IS NOT NULL;
CREATE INDEX payments_user ON payments (user_id, id);
CREATE INDEX payments_org ON payments (org_id, id);
CREATE INDEX payments_due ON payments (state, next_attempt);
CREATE INDEX payments_ref ON payments (ref_index) WHERE ref_index IS NOT NULL;

CREATE TABLE gateway_events (
    id          TEXT PRIMARY KEY, -- the gateway's event id
    received_at TEXT NOT NULL
) STRICT;

CREATE TABLE ledger_entries (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    kind     TEXT NOT NULL,
    ref      TEXT NOT NULL,
    currency TEXT NOT NULL,
    at       TEXT NOT NULL,
    body     TEXT NOT NULL, -- JSON: billing.Entry without its ID
    UNIQUE (kind, ref)
) STRICT;

CREATE TABLE ledger_postings (
    entry_id INTEGER NOT NULL REFERENCES ledger_entries (id),
    account  TEXT NOT NULL,    -- billing.Account
    currency TEXT NOT NULL,    -- the entry's
    minor    INTEGER NOT NULL, -- minor units of currency; debit > 0, credit < 0
    PRIMARY KEY (entry_id, account)
) STRICT;
CREATE INDEX ledger_postings_account ON ledger_postings (account, currency, entry_id);

-- +goose StatementBegin
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are immutable: correct them with another entry');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are immutable: they cannot be deleted');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER ledger_postings_no_update BEFORE UPDATE ON ledger_postings
BEGIN
    SELECT RAISE(ABORT, 'ledger postings are immutable: correct them with another entry');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER ledger_postings_no_delete BEFORE DELETE ON ledger_postings
BEGIN
    SELECT RAISE(ABORT, 'ledger postings are immutable: they cannot be deleted');
END;
-- +goose StatementEnd

CREATE TABLE plans (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id     INTEGER REFERENCES organisations (id), -- NULL: the installation's
    name       TEXT NOT NULL,
    currency   TEXT NOT NULL,
    body       TEXT NOT NULL, -- JSON: billing.Plan without the columns above
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX plans_org ON plans (org_id, id);

-- start and end are reserved words: the period is starts_at (inclusive) to ends_at (exclusive).
CREATE TABLE subscriptions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id    INTEGER NOT NULL REFERENCES plans (id),
    user_id    INTEGER NOT NULL,
    org_id     INTEGER NOT NULL DEFAULT 0, -- the plan's organisation; 0: the installation
    starts_at  TEXT NOT NULL,
    ends_at    TEXT,                       -- NULL: running
    billed_until TEXT,                     -- monthly invoices issued up to here; NULL: none yet
    created_at TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX subscriptions_running ON subscriptions (user_id, org_id) WHERE ends_at IS NULL;
CREATE INDEX subscriptions_user ON subscriptions (user_id, id);
CREATE INDEX subscriptions_plan ON subscriptions (plan_id, id);

CREATE TABLE price_schedules (
    name       TEXT PRIMARY KEY,
    currency   TEXT NOT NULL,
    step       INTEGER NOT NULL, -- seconds the last point holds; 0: one hour
    body       TEXT NOT NULL,    -- JSON: billing.PriceSchedule
    updated_at TEXT NOT NULL
) STRICT;

-- +goose Down
DROP TABLE price_schedules;
DROP TABLE subscriptions;
DROP TABLE plans;
DROP TRIGGER ledger_postings_no_delete;
DROP TRIGGER ledger_postings_no_update;
DROP TRIGGER ledger_entries_no_delete;
DROP TRIGGER ledger_entries_no_update;
DROP TABLE ledger_postings;
DROP TABLE ledger_entries;
DROP TABLE gateway_events;
DROP TABLE payments;
DROP TABLE payment_accounts;
