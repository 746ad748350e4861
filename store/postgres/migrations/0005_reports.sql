-- Station reports (station.Report): messages a station sent about itself that change no
-- charging state (security events, firmware/diagnostics/log status, monitoring events), kept
-- as sent. Reports outlive their station (no foreign key), like the command log.

-- +goose Up
CREATE TABLE station_reports (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    station_id  text COLLATE "C" NOT NULL,
    action      text COLLATE "C" NOT NULL, -- the OCPP action
    kind        text NOT NULL DEFAULT '',  -- event type or trigger
    status      text NOT NULL DEFAULT '',  -- reported status
    reported_at timestamptz NOT NULL,      -- the station's time
    received_at timestamptz NOT NULL,
    payload     jsonb NOT NULL             -- the message as sent; JSON null when none
);

CREATE INDEX station_reports_station ON station_reports (station_id, id DESC);
CREATE INDEX station_reports_action ON station_reports (station_id, action, id DESC);

-- +goose Down
DROP TABLE station_reports;
