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
    user_id    bigint PRIMARY KEY,
    mode       text NOT NULL,  -- billing.PayMode
    body       bytea NOT NULL, -- sealed JSON: customer, method, label
    updated_at timestamptz NOT NULL
);

CREATE TABLE payments (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind           text NOT NULL,   -- billing.PaymentKind
    user_id        bigint NOT NULL,
    org_id         bigint NOT NULL DEFAULT 0, -- the seller: the station's organisation; 0: the installation
    transaction_id bigint,          -- NULL: not for a session
    state          text NOT NULL,   -- billing.PaymentState
    next_attempt   timestamptz,     -- NULL: no retry planned
    ref_index      bytea,           -- blind index of the gateway's reference; NULL: none yet
    version        bigint NOT NULL, -- advanced by every update
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    body           bytea NOT NULL   -- sealed JSON: billing.PaymentRecord
);
CREATE UNIQUE INDEX payments_transaction ON payments (transaction_id, kind) WHERE transaction_id IS NOT NULL;
CREATE INDEX payments_user ON payments (user_id, id);
CREATE INDEX payments_org ON payments (org_id, id);
CREATE INDEX payments_due ON payments (state, next_attempt);
CREATE INDEX payments_ref ON payments (ref_index) WHERE ref_index IS NOT NULL;

CREATE TABLE gateway_events (
    id          text COLLATE "C" PRIMARY KEY, -- the gateway's event id
    received_at timestamptz NOT NULL
);

CREATE TABLE ledger_entries (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind     text COLLATE "C" NOT NULL,
    ref      text COLLATE "C" NOT NULL,
    currency text NOT NULL,
    at       timestamptz NOT NULL,
    body     text NOT NULL, -- JSON: billing.Entry without its ID
    UNIQUE (kind, ref)
);

CREATE TABLE ledger_postings (
    entry_id bigint NOT NULL REFERENCES ledger_entries (id),
    account  text COLLATE "C" NOT NULL, -- billing.Account
    currency text COLLATE "C" NOT NULL, -- the entry's
    minor    bigint NOT NULL,           -- minor units of currency; debit > 0, credit < 0
    PRIMARY KEY (entry_id, account)
);
CREATE INDEX ledger_postings_account ON ledger_postings (account, currency, entry_id);

-- +goose StatementBegin
CREATE FUNCTION ledger_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is immutable: % is refused; correct it with another entry', TG_OP;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER ledger_entries_no_change BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_immutable();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_immutable();
CREATE TRIGGER ledger_postings_no_change BEFORE UPDATE OR DELETE ON ledger_postings
    FOR EACH ROW EXECUTE FUNCTION ledger_immutable();
CREATE TRIGGER ledger_postings_no_truncate BEFORE TRUNCATE ON ledger_postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_immutable();

CREATE TABLE plans (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id     bigint REFERENCES organisations (id), -- NULL: the installation's
    name       text NOT NULL,
    currency   text NOT NULL,
    body       text NOT NULL, -- JSON: billing.Plan without the columns above
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX plans_org ON plans (org_id, id);

-- start and end are reserved words: the period is starts_at (inclusive) to ends_at (exclusive).
CREATE TABLE subscriptions (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id    bigint NOT NULL REFERENCES plans (id),
    user_id    bigint NOT NULL,
    org_id     bigint NOT NULL DEFAULT 0, -- the plan's organisation; 0: the installation
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz,               -- NULL: running
    billed_until timestamptz,              -- monthly invoices issued up to here; NULL: none yet
    created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX subscriptions_running ON subscriptions (user_id, org_id) WHERE ends_at IS NULL;
CREATE INDEX subscriptions_user ON subscriptions (user_id, id);
CREATE INDEX subscriptions_plan ON subscriptions (plan_id, id);

CREATE TABLE price_schedules (
    name       text COLLATE "C" PRIMARY KEY,
    currency   text NOT NULL,
    step       bigint NOT NULL, -- seconds the last point holds; 0: one hour
    body       text NOT NULL,   -- JSON: billing.PriceSchedule
    updated_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE price_schedules;
DROP TABLE subscriptions;
DROP TABLE plans;
DROP TABLE ledger_postings;
DROP TABLE ledger_entries;
DROP FUNCTION ledger_immutable();
DROP TABLE gateway_events;
DROP TABLE payments;
DROP TABLE payment_accounts;
