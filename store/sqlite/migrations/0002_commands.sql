-- The command log: what was asked of stations, by whom, and what they answered. Entries
-- outlive their station (no foreign key). AUTOINCREMENT: an id is never used twice, so the
-- log's keyset pagination never meets a reused id.

-- +goose Up
CREATE TABLE commands (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    station_id    TEXT NOT NULL,
    action        TEXT NOT NULL,
    request       TEXT NOT NULL,             -- JSON of the version-neutral command
    outcome       TEXT NOT NULL,             -- station.CommandOutcome
    answer_status TEXT NOT NULL DEFAULT '',
    answer_reason TEXT NOT NULL DEFAULT '',
    answer_data   TEXT NOT NULL DEFAULT '',
    error         TEXT NOT NULL DEFAULT '',
    requested_by  TEXT NOT NULL DEFAULT '',
    requested_at  TEXT NOT NULL,
    answered_at   TEXT
) STRICT;

CREATE INDEX commands_station ON commands (station_id, id DESC);

-- +goose Down
DROP TABLE commands;
