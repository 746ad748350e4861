-- Invoices and credit notes (billing.Issued), numbered without gaps per series: the number is
-- taken from invoice_series in the write that inserts the invoice, so a write that fails takes
-- none. An invoice never changes: the triggers refuse every update but the rewrite of its
-- sealed body under a new key (Reseal), and every deletion. cdr_invoices says which invoice
-- bills a CDR; a credit note frees the CDRs of the invoice it cancels. billing_details are the
-- names and addresses invoices print, per organisation, user, or the installation ('system').
-- Bodies are sealed: they hold personal data.

-- +goose Up
CREATE TABLE invoice_series (
    name        TEXT PRIMARY KEY,
    last_number INTEGER NOT NULL
) STRICT;

CREATE TABLE invoices (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    series        TEXT NOT NULL,
    number        INTEGER NOT NULL,
    kind          TEXT NOT NULL,              -- billing.InvoiceKind
    seller_org_id INTEGER NOT NULL DEFAULT 0, -- 0: the installation
    buyer_user_id INTEGER NOT NULL DEFAULT 0,
    buyer_org_id  INTEGER NOT NULL DEFAULT 0,
    credits_id    INTEGER UNIQUE,             -- a credit note: the invoice it cancels, once
    currency      TEXT NOT NULL,
    total         TEXT NOT NULL,
    issued_at     TEXT NOT NULL,
    body          BLOB NOT NULL,              -- sealed JSON: billing.Issued
    UNIQUE (series, number)
) STRICT;
CREATE INDEX invoices_seller ON invoices (seller_org_id, id);
CREATE INDEX invoices_buyer_user ON invoices (buyer_user_id, id);
CREATE INDEX invoices_buyer_org ON invoices (buyer_org_id, id);

-- +goose StatementBegin
CREATE TRIGGER invoices_no_update BEFORE UPDATE OF id, series, number, kind, seller_org_id, buyer_user_id, buyer_org_id,
    credits_id, currency, total, issued_at ON invoices
BEGIN
    SELECT RAISE(ABORT, 'invoices are immutable: correct them with a credit note');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER invoices_no_delete BEFORE DELETE ON invoices
BEGIN
    SELECT RAISE(ABORT, 'invoices are immutable: they cannot be deleted');
END;
-- +goose StatementEnd

CREATE TABLE cdr_invoices (
    cdr_id     INTEGER PRIMARY KEY,
    invoice_id INTEGER NOT NULL
) STRICT;
CREATE INDEX cdr_invoices_invoice ON cdr_invoices (invoice_id);

CREATE TABLE billing_details (
    owner      TEXT PRIMARY KEY, -- 'org:N', 'user:N' or 'system'
    body       BLOB NOT NULL,    -- sealed JSON: billing.BillingDetails
    updated_at TEXT NOT NULL
) STRICT;

-- +goose Down
DROP TABLE billing_details;
DROP TABLE cdr_invoices;
DROP TRIGGER invoices_no_delete;
DROP TRIGGER invoices_no_update;
DROP TABLE invoices;
DROP TABLE invoice_series;
