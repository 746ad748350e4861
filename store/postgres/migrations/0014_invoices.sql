-- Invoices and credit notes (billing.Issued), numbered without gaps per series: the number is
-- taken from invoice_series in the write that inserts the invoice, so a write that fails takes
-- none. An invoice never changes: the triggers refuse every update but the rewrite of its
-- sealed body under a new key (Reseal), and every deletion. cdr_invoices says which invoice
-- bills a CDR; a credit note frees the CDRs of the invoice it cancels. billing_details are the
-- names and addresses invoices print, per organisation, user, or the installation ('system').
-- Bodies are sealed: they hold personal data.

-- +goose Up
CREATE TABLE invoice_series (
    name        text COLLATE "C" PRIMARY KEY,
    last_number bigint NOT NULL
);

CREATE TABLE invoices (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    series        text COLLATE "C" NOT NULL,
    number        bigint NOT NULL,
    kind          text NOT NULL,             -- billing.InvoiceKind
    seller_org_id bigint NOT NULL DEFAULT 0, -- 0: the installation
    buyer_user_id bigint NOT NULL DEFAULT 0,
    buyer_org_id  bigint NOT NULL DEFAULT 0,
    credits_id    bigint UNIQUE,             -- a credit note: the invoice it cancels, once
    currency      text NOT NULL,
    total         text NOT NULL,
    issued_at     timestamptz NOT NULL,
    body          bytea NOT NULL,            -- sealed JSON: billing.Issued
    UNIQUE (series, number)
);
CREATE INDEX invoices_seller ON invoices (seller_org_id, id);
CREATE INDEX invoices_buyer_user ON invoices (buyer_user_id, id);
CREATE INDEX invoices_buyer_org ON invoices (buyer_org_id, id);

-- +goose StatementBegin
CREATE FUNCTION invoices_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'invoices are immutable: % is refused; correct them with a credit note', TG_OP;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER invoices_no_update BEFORE UPDATE OF id, series, number, kind, seller_org_id, buyer_user_id, buyer_org_id,
    credits_id, currency, total, issued_at ON invoices
    FOR EACH ROW EXECUTE FUNCTION invoices_immutable();
CREATE TRIGGER invoices_no_delete BEFORE DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION invoices_immutable();
CREATE TRIGGER invoices_no_truncate BEFORE TRUNCATE ON invoices
    FOR EACH STATEMENT EXECUTE FUNCTION invoices_immutable();

CREATE TABLE cdr_invoices (
    cdr_id     bigint PRIMARY KEY,
    invoice_id bigint NOT NULL
);
CREATE INDEX cdr_invoices_invoice ON cdr_invoices (invoice_id);

CREATE TABLE billing_details (
    owner      text COLLATE "C" PRIMARY KEY, -- 'org:N', 'user:N' or 'system'
    body       bytea NOT NULL,               -- sealed JSON: billing.BillingDetails
    updated_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE billing_details;
DROP TABLE cdr_invoices;
DROP TABLE invoices;
DROP FUNCTION invoices_immutable();
DROP TABLE invoice_series;
