-- Sponsorship campaigns (billing.SponsorCampaign): a sponsor's messages shown on station
-- screens from starts_at to ends_at, for a fee booked in the ledger when the campaign ends; and
-- their deliveries (billing.SponsorDelivery): each message (language) at each station, and
-- what the station answered. Deliveries name their station without a foreign key: they are the
-- evidence of the impressions a fee was booked for, and outlive a deleted station.

-- +goose Up
CREATE TABLE sponsor_campaigns (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id     INTEGER REFERENCES organisations (id), -- NULL: the operator's own
    status     TEXT NOT NULL,                         -- billing.CampaignStatus
    starts_at  TEXT NOT NULL,
    ends_at    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    body       TEXT NOT NULL -- JSON: billing.SponsorCampaign without the columns above
) STRICT;
CREATE INDEX sponsor_campaigns_org ON sponsor_campaigns (org_id, id);
-- The scheduler's lists: the open campaigns, the cancelled ones not yet over.
CREATE INDEX sponsor_campaigns_status ON sponsor_campaigns (status, ends_at);

CREATE TABLE sponsor_deliveries (
    campaign_id INTEGER NOT NULL REFERENCES sponsor_campaigns (id),
    station_id  TEXT NOT NULL,
    language    TEXT NOT NULL,              -- ISO 639-1
    message_id  INTEGER NOT NULL,           -- the display-message id at the station
    status      TEXT NOT NULL,              -- billing.DeliveryStatus
    detail      TEXT NOT NULL DEFAULT '',
    attempts    INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    command_id  INTEGER,                    -- commands.id of the last command; NULL: none
    at          TEXT NOT NULL,
    PRIMARY KEY (campaign_id, station_id, language)
) STRICT;

-- +goose Down
DROP TABLE sponsor_deliveries;
DROP TABLE sponsor_campaigns;
