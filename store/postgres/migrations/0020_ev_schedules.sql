-- The charging schedule an ISO 15118 vehicle planned in a transaction
-- (smartcharging.EVSchedule, 2.0.1 NotifyEVChargingSchedule): the last one it sent, from
-- start_at. schedule is the station.ChargingSchedule as JSON text, kept as written, so that
-- its limits read back as the IEEE doubles they were; accepted is whether it stayed within
-- Ladda's limit. A transaction's schedule goes with it (ON DELETE CASCADE).

-- +goose Up
CREATE TABLE ev_schedules (
    transaction_id bigint PRIMARY KEY REFERENCES transactions (id) ON DELETE CASCADE,
    start_at       timestamptz NOT NULL,
    schedule       text NOT NULL, -- JSON: station.ChargingSchedule
    accepted       boolean NOT NULL,
    received_at    timestamptz NOT NULL
);

-- +goose Down
DROP TABLE ev_schedules;
