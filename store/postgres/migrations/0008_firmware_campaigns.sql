-- Firmware campaigns (firmware.Campaign): one image rolled out to many stations, and their
-- targets (firmware.Target): each station's progress. A target's request_id is the requestId
-- of the UpdateFirmware sent to its station, an integer of at most 2^31-1 (1.6 and 2.0.1
-- both: the integer type), unique among all targets so that a station's
-- FirmwareStatusNotification finds its target. A campaign id is never used twice. No foreign
-- keys: campaigns are never deleted, and DeleteStation removes a station's targets itself
-- (CreateCampaign locks the stations of its targets against a concurrent delete).

-- +goose Up
CREATE TABLE firmware_campaigns (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                text NOT NULL DEFAULT '',
    firmware            text NOT NULL DEFAULT '',    -- an image in the data directory, or ''
    location            text NOT NULL DEFAULT '',    -- a URL elsewhere, or ''
    retrieve_at         timestamptz NOT NULL,
    install_at          timestamptz,
    retries             integer CHECK (retries >= 0),
    retry_interval      integer CHECK (retry_interval >= 0), -- seconds
    signing_certificate text NOT NULL DEFAULT '',
    signature           text NOT NULL DEFAULT '',
    concurrency         integer NOT NULL CHECK (concurrency > 0),
    deadline            timestamptz NOT NULL,
    status              text NOT NULL,               -- firmware.CampaignStatus
    created_by          text NOT NULL DEFAULT '',
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL
);

-- Lists of one status, newest first.
CREATE INDEX firmware_campaigns_status ON firmware_campaigns (status, id DESC);

-- The primary key lists a campaign's targets by station (byte order, COLLATE "C", as in
-- SQLite).
CREATE TABLE firmware_targets (
    campaign_id     bigint NOT NULL,
    station_id      text COLLATE "C" NOT NULL,
    request_id      integer NOT NULL UNIQUE CHECK (request_id >= 0),
    status          text NOT NULL,                   -- firmware.TargetStatus
    detail          text NOT NULL DEFAULT '',
    command_id      bigint,                          -- commands.id of the last UpdateFirmware
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (campaign_id, station_id)
);

-- The scheduler's lists (Pending targets due) and the counts per status.
CREATE INDEX firmware_targets_status ON firmware_targets (campaign_id, status, next_attempt_at);
-- A station's target in status Updating of the newest campaign, and DeleteStation. A
-- station's target by request id is found by the unique index of request_id.
CREATE INDEX firmware_targets_station ON firmware_targets (station_id, status, campaign_id DESC);

-- +goose Down
DROP TABLE firmware_targets;
DROP TABLE firmware_campaigns;
