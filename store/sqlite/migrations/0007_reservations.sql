-- Reservations (charging.Reservation): bookings of a station's EVSE for a token over a slot.
-- The id is also the OCPP reservationId, an integer of at most 2^31-1 (1.6 and 2.0.1 both),
-- hence the CHECK; AUTOINCREMENT: an id is never used twice, so a station that echoes an old
-- reservationId never meets a newer booking. No foreign keys: DeleteStation removes a
-- station's reservations itself; the transaction that used one may be gone.
-- The active statuses are 'Scheduled', 'Sending' and 'Accepted'; the partial indexes name them
-- as the statements do, which SQLite needs to use them.

-- +goose Up
CREATE TABLE reservations (
    id             INTEGER PRIMARY KEY AUTOINCREMENT CHECK (id <= 2147483647),
    station_id     TEXT NOT NULL,
    evse_id        INTEGER NOT NULL CHECK (evse_id >= 0), -- 0: any EVSE of the station
    connector_type TEXT NOT NULL DEFAULT '',              -- '': any
    id_token       TEXT NOT NULL,
    token_type     TEXT NOT NULL DEFAULT '',
    group_id       TEXT NOT NULL DEFAULT '',
    starts_at      TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    status         TEXT NOT NULL,                         -- charging.ReservationStatus
    command_id     INTEGER,                               -- commands.id of the last request
    transaction_id INTEGER,                               -- the transaction that used it
    requested_by   TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    CHECK (expires_at > starts_at)
) STRICT;

-- Overlap checks: the active reservations of a station and of a token.
CREATE INDEX reservations_active_station ON reservations (station_id, expires_at) WHERE status IN ('Scheduled', 'Sending', 'Accepted');
CREATE INDEX reservations_active_token ON reservations (id_token, expires_at) WHERE status IN ('Scheduled', 'Sending', 'Accepted');
-- The scheduler: slots that begin, slots that ended, requests stuck.
CREATE INDEX reservations_status_starts ON reservations (status, starts_at);
CREATE INDEX reservations_status_expires ON reservations (status, expires_at);
CREATE INDEX reservations_status_updated ON reservations (status, updated_at);
-- Lists by station and by token, newest first.
CREATE INDEX reservations_station ON reservations (station_id, id DESC);
CREATE INDEX reservations_token ON reservations (id_token, id DESC);

-- +goose Down
DROP TABLE reservations;
