-- Sponsorship campaigns (billing.SponsorCampaign): a sponsor's messages shown on station
-- screens from starts_at to ends_at, for a fee booked in the ledger when the campaign ends; and
-- their deliveries (billing.SponsorDelivery): each message (language) at each station, and
-- what the station answered. Deliveries name their station without a foreign key: they are the
-- evidence of the impressions a fee was booked for, and outlive a deleted station. The primary
-- key lists a campaign's deliveries by station and language in byte order (COLLATE "C", as in
-- SQLite).

-- +goose Up
CREATE TABLE sponsor_campaigns (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id     bigint REFERENCES organisations (id), -- NULL: the operator's own
    status     text NOT NULL,                        -- billing.CampaignStatus
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    body       text NOT NULL -- JSON: billing.SponsorCampaign without the columns above
);
CREATE INDEX sponsor_campaigns_org ON sponsor_campaigns (org_id, id);
-- The scheduler's lists: the open campaigns, the cancelled ones not yet over.
CREATE INDEX sponsor_campaigns_status ON sponsor_campaigns (status, ends_at);

CREATE TABLE sponsor_deliveries (
    campaign_id bigint NOT NULL REFERENCES sponsor_campaigns (id),
    station_id  text COLLATE "C" NOT NULL,
    language    text COLLATE "C" NOT NULL, -- ISO 639-1
    message_id  integer NOT NULL,          -- the display-message id at the station
    status      text NOT NULL,             -- billing.DeliveryStatus
    detail      text NOT NULL DEFAULT '',
    attempts    integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    command_id  bigint,                    -- commands.id of the last command; NULL: none
    at          timestamptz NOT NULL,
    PRIMARY KEY (campaign_id, station_id, language)
);

-- +goose Down
DROP TABLE sponsor_deliveries;
DROP TABLE sponsor_campaigns;
