-- Station reports (station.Report): messages a station sent about itself that change no
-- charging state (security events, firmware/diagnostics/log status, monitoring events), kept
-- as sent. Reports outlive their station (no foreign key), like the command log.
-- AUTOINCREMENT: an id is never used twice, so keyset pagination never meets a reused id.

-- +goose Up
CREATE TABLE station_reports (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    station_id  TEXT NOT NULL,
    action      TEXT NOT NULL,             -- the OCPP action
    kind        TEXT NOT NULL DEFAULT '',  -- event type or trigger
    status      TEXT NOT NULL DEFAULT '',  -- reported status
    reported_at TEXT NOT NULL,             -- the station's time
    received_at TEXT NOT NULL,
    payload     TEXT NOT NULL              -- JSON as the station sent it; null when none
) STRICT;

CREATE INDEX station_reports_station ON station_reports (station_id, id DESC);
CREATE INDEX station_reports_action ON station_reports (station_id, action, id DESC);

-- +goose Down
DROP TABLE station_reports;
