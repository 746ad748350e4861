-- Firmware campaigns (firmware.Campaign): one image rolled out to many stations, and their
-- targets (firmware.Target): each station's progress. A target's request_id is the requestId
-- of the UpdateFirmware sent to its station, an integer of at most 2^31-1 (1.6 and 2.0.1
-- both), unique among all targets so that a station's FirmwareStatusNotification finds its
-- target. AUTOINCREMENT: a campaign id is never used twice. No foreign keys: campaigns are
-- never deleted, and DeleteStation removes a station's targets itself.

-- +goose Up
CREATE TABLE firmware_campaigns (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    name                TEXT NOT NULL DEFAULT '',
    firmware            TEXT NOT NULL DEFAULT '',    -- an image in the data directory, or ''
    location            TEXT NOT NULL DEFAULT '',    -- a URL elsewhere, or ''
    retrieve_at         TEXT NOT NULL,
    install_at          TEXT,
    retries             INTEGER CHECK (retries BETWEEN 0 AND 2147483647),
    retry_interval      INTEGER CHECK (retry_interval BETWEEN 0 AND 2147483647), -- seconds
    signing_certificate TEXT NOT NULL DEFAULT '',
    signature           TEXT NOT NULL DEFAULT '',
    concurrency         INTEGER NOT NULL CHECK (concurrency BETWEEN 1 AND 2147483647),
    deadline            TEXT NOT NULL,
    status              TEXT NOT NULL,               -- firmware.CampaignStatus
    created_by          TEXT NOT NULL DEFAULT '',
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
) STRICT;

-- Lists of one status, newest first.
CREATE INDEX firmware_campaigns_status ON firmware_campaigns (status, id DESC);

-- The primary key lists a campaign's targets by station.
CREATE TABLE firmware_targets (
    campaign_id     INTEGER NOT NULL,
    station_id      TEXT NOT NULL,
    request_id      INTEGER NOT NULL UNIQUE CHECK (request_id BETWEEN 0 AND 2147483647),
    status          TEXT NOT NULL,                   -- firmware.TargetStatus
    detail          TEXT NOT NULL DEFAULT '',
    command_id      INTEGER,                         -- commands.id of the last UpdateFirmware
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts BETWEEN 0 AND 2147483647),
    next_attempt_at TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (campaign_id, station_id)
) STRICT, WITHOUT ROWID;

-- The scheduler's lists (Pending targets due) and the counts per status.
CREATE INDEX firmware_targets_status ON firmware_targets (campaign_id, status, next_attempt_at);
-- A station's target in status Updating of the newest campaign, and DeleteStation. A
-- station's target by request id is found by the unique index of request_id.
CREATE INDEX firmware_targets_station ON firmware_targets (station_id, status, campaign_id DESC);

-- +goose Down
DROP TABLE firmware_targets;
DROP TABLE firmware_campaigns;
