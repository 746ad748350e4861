-- Billing, first part: sites (station.Site), which give stations an address, a country for
-- their tax and a time zone for their tariffs; tariffs (billing.StoredTariff) and where they
-- apply; the price each transaction was given at its start; and charge detail records, which
-- are immutable once issued (the triggers refuse changes and deletions) and outlive the
-- stations and transactions they name (no foreign keys).

-- +goose Up
CREATE TABLE sites (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id      INTEGER REFERENCES organisations (id),
    name        TEXT NOT NULL,
    address     TEXT NOT NULL DEFAULT '',
    postal_code TEXT NOT NULL DEFAULT '',
    city        TEXT NOT NULL DEFAULT '',
    country     TEXT NOT NULL,            -- ISO 3166-1 alpha-2
    region      TEXT NOT NULL DEFAULT '', -- ISO 3166-2 subdivision code, or ''
    time_zone   TEXT NOT NULL,            -- IANA
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX sites_org ON sites (org_id, id);

ALTER TABLE stations ADD COLUMN site_id INTEGER REFERENCES sites (id);
CREATE INDEX stations_site ON stations (site_id);

CREATE TABLE tariffs (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id             INTEGER REFERENCES organisations (id),
    name               TEXT NOT NULL,
    currency           TEXT NOT NULL,
    body               TEXT NOT NULL, -- JSON: billing.StoredTariff without the columns above
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
) STRICT;
CREATE INDEX tariffs_org ON tariffs (org_id, id);

-- Exactly one of station_id and site_id; one tariff per place and customer group.
CREATE TABLE tariff_assignments (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    tariff_id      INTEGER NOT NULL REFERENCES tariffs (id) ON DELETE CASCADE,
    station_id     TEXT REFERENCES stations (id) ON DELETE CASCADE,
    site_id        INTEGER REFERENCES sites (id) ON DELETE CASCADE,
    customer_group TEXT NOT NULL DEFAULT '', -- '': everyone
    created_at     TEXT NOT NULL,
    CHECK ((station_id IS NULL) <> (site_id IS NULL))
) STRICT;
CREATE UNIQUE INDEX tariff_assignments_station ON tariff_assignments (station_id, customer_group) WHERE station_id IS NOT NULL;
CREATE UNIQUE INDEX tariff_assignments_site ON tariff_assignments (site_id, customer_group) WHERE site_id IS NOT NULL;
CREATE INDEX tariff_assignments_tariff ON tariff_assignments (tariff_id);

-- The price a transaction was given at its start: a copy of the tariff, never changed.
CREATE TABLE transaction_prices (
    transaction_id INTEGER PRIMARY KEY REFERENCES transactions (id) ON DELETE CASCADE,
    tariff_id      INTEGER NOT NULL,
    body           TEXT NOT NULL, -- JSON: billing.FrozenPrice
    created_at     TEXT NOT NULL
) STRICT;

CREATE TABLE cdrs (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    transaction_id INTEGER NOT NULL UNIQUE,
    station_id     TEXT NOT NULL,
    org_id         INTEGER NOT NULL DEFAULT 0, -- the station's organisation at issue; 0: none
    site_id        INTEGER NOT NULL DEFAULT 0,
    tariff_id      INTEGER NOT NULL,
    id_token       TEXT NOT NULL DEFAULT '',
    user_id        INTEGER NOT NULL DEFAULT 0, -- the token's owner at issue
    token_org_id   INTEGER NOT NULL DEFAULT 0, -- the token's organisation at issue
    currency       TEXT NOT NULL,
    total          TEXT NOT NULL, -- including tax, decimal text
    issued_at      TEXT NOT NULL,
    body           TEXT NOT NULL  -- JSON: billing.CDR
) STRICT;
CREATE INDEX cdrs_org ON cdrs (org_id, id);
CREATE INDEX cdrs_station ON cdrs (station_id, id);
CREATE INDEX cdrs_user ON cdrs (user_id, id);
CREATE INDEX cdrs_token_org ON cdrs (token_org_id, id);

-- +goose StatementBegin
CREATE TRIGGER cdrs_no_update BEFORE UPDATE ON cdrs
BEGIN
    SELECT RAISE(ABORT, 'charge detail records are immutable: correct them with a credit note');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER cdrs_no_delete BEFORE DELETE ON cdrs
BEGIN
    SELECT RAISE(ABORT, 'charge detail records are immutable: they cannot be deleted');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER cdrs_no_delete;
DROP TRIGGER cdrs_no_update;
DROP TABLE cdrs;
DROP TABLE transaction_prices;
DROP TABLE tariff_assignments;
DROP TABLE tariffs;
DROP INDEX stations_site;
ALTER TABLE stations DROP COLUMN site_id;
DROP TABLE sites;
