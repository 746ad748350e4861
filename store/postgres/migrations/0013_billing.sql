-- Billing, first part: sites (station.Site), which give stations an address, a country for
-- their tax and a time zone for their tariffs; tariffs (billing.StoredTariff) and where they
-- apply; the price each transaction was given at its start; and charge detail records, which
-- are immutable once issued (the triggers refuse changes and deletions) and outlive the
-- stations and transactions they name (no foreign keys).

-- +goose Up
CREATE TABLE sites (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      bigint REFERENCES organisations (id),
    name        text NOT NULL,
    address     text NOT NULL DEFAULT '',
    postal_code text NOT NULL DEFAULT '',
    city        text NOT NULL DEFAULT '',
    country     text NOT NULL,            -- ISO 3166-1 alpha-2
    region      text NOT NULL DEFAULT '', -- ISO 3166-2 subdivision code, or ''
    time_zone   text NOT NULL,            -- IANA
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX sites_org ON sites (org_id, id);

ALTER TABLE stations ADD COLUMN site_id bigint REFERENCES sites (id);
CREATE INDEX stations_site ON stations (site_id);

CREATE TABLE tariffs (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id             bigint REFERENCES organisations (id),
    name               text NOT NULL,
    currency           text NOT NULL,
    body               text NOT NULL, -- JSON: billing.StoredTariff without the columns above
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);
CREATE INDEX tariffs_org ON tariffs (org_id, id);

-- Exactly one of station_id and site_id; one tariff per place and customer group.
CREATE TABLE tariff_assignments (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tariff_id      bigint NOT NULL REFERENCES tariffs (id) ON DELETE CASCADE,
    station_id     text COLLATE "C" REFERENCES stations (id) ON DELETE CASCADE,
    site_id        bigint REFERENCES sites (id) ON DELETE CASCADE,
    customer_group text NOT NULL DEFAULT '', -- '': everyone
    created_at     timestamptz NOT NULL,
    CHECK ((station_id IS NULL) <> (site_id IS NULL))
);
CREATE UNIQUE INDEX tariff_assignments_station ON tariff_assignments (station_id, customer_group) WHERE station_id IS NOT NULL;
CREATE UNIQUE INDEX tariff_assignments_site ON tariff_assignments (site_id, customer_group) WHERE site_id IS NOT NULL;
CREATE INDEX tariff_assignments_tariff ON tariff_assignments (tariff_id);

-- The price a transaction was given at its start: a copy of the tariff, never changed.
CREATE TABLE transaction_prices (
    transaction_id bigint PRIMARY KEY REFERENCES transactions (id) ON DELETE CASCADE,
    tariff_id      bigint NOT NULL,
    body           text NOT NULL, -- JSON: billing.FrozenPrice
    created_at     timestamptz NOT NULL
);

CREATE TABLE cdrs (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id bigint NOT NULL UNIQUE,
    station_id     text COLLATE "C" NOT NULL,
    org_id         bigint NOT NULL DEFAULT 0, -- the station's organisation at issue; 0: none
    site_id        bigint NOT NULL DEFAULT 0,
    tariff_id      bigint NOT NULL,
    id_token       text COLLATE "C" NOT NULL DEFAULT '',
    user_id        bigint NOT NULL DEFAULT 0, -- the token's owner at issue
    token_org_id   bigint NOT NULL DEFAULT 0, -- the token's organisation at issue
    currency       text NOT NULL,
    total          text NOT NULL, -- including tax, decimal text
    issued_at      timestamptz NOT NULL,
    body           text NOT NULL  -- JSON: billing.CDR
);
CREATE INDEX cdrs_org ON cdrs (org_id, id);
CREATE INDEX cdrs_station ON cdrs (station_id, id);
CREATE INDEX cdrs_user ON cdrs (user_id, id);
CREATE INDEX cdrs_token_org ON cdrs (token_org_id, id);

-- +goose StatementBegin
CREATE FUNCTION cdrs_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'charge detail records are immutable: % is refused; correct them with a credit note', TG_OP;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER cdrs_no_change BEFORE UPDATE OR DELETE ON cdrs
    FOR EACH ROW EXECUTE FUNCTION cdrs_immutable();
CREATE TRIGGER cdrs_no_truncate BEFORE TRUNCATE ON cdrs
    FOR EACH STATEMENT EXECUTE FUNCTION cdrs_immutable();

-- +goose Down
DROP TABLE cdrs;
DROP FUNCTION cdrs_immutable();
DROP TABLE transaction_prices;
DROP TABLE tariff_assignments;
DROP TABLE tariffs;
DROP INDEX stations_site;
ALTER TABLE stations DROP COLUMN site_id;
DROP TABLE sites;
