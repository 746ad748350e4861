-- The command log: what was asked of stations, by whom, and what they answered. Entries
-- outlive their station (no foreign key).

-- +goose Up
CREATE TABLE commands (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    station_id    text COLLATE "C" NOT NULL,
    action        text NOT NULL,
    request       jsonb NOT NULL,            -- the version-neutral command
    outcome       text NOT NULL,             -- station.CommandOutcome
    answer_status text NOT NULL DEFAULT '',
    answer_reason text NOT NULL DEFAULT '',
    answer_data   text NOT NULL DEFAULT '',
    error         text NOT NULL DEFAULT '',
    requested_by  text NOT NULL DEFAULT '',
    requested_at  timestamptz NOT NULL,
    answered_at   timestamptz
);

CREATE INDEX commands_station ON commands (station_id, id DESC);

-- +goose Down
DROP TABLE commands;
