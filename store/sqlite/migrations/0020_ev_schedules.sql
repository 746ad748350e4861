-- The charging schedule an ISO 15118 vehicle planned in a transaction
-- (smartcharging.EVSchedule, 2.0.1 NotifyEVChargingSchedule): the last one it sent, from
-- start_at. schedule is the station.ChargingSchedule as JSON text, its limits IEEE doubles
-- kept exactly; accepted is whether it stayed within Ladda's limit, 0 or 1. A transaction's
-- schedule goes with it (ON DELETE CASCADE).

-- +goose Up
CREATE TABLE ev_schedules (
    transaction_id INTEGER PRIMARY KEY REFERENCES transactions (id) ON DELETE CASCADE,
    start_at       TEXT NOT NULL,
    schedule       TEXT NOT NULL, -- JSON: station.ChargingSchedule
    accepted       INTEGER NOT NULL,
    received_at    TEXT NOT NULL
) STRICT;

-- +goose Down
DROP TABLE ev_schedules;
