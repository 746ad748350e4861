-- Reservations (charging.Reservation): bookings of a station's EVSE for a token over a slot.
-- The id is also the OCPP reservationId, an integer of at most 2^31-1 (1.6 and 2.0.1 both),
-- hence the identity's MAXVALUE: inserting fails rather than hand out a larger id. An id is
-- never used twice, so a station that echoes an old reservationId never meets a newer
-- booking. No foreign keys: DeleteStation removes a station's reservations itself; the
-- transaction that used one may be gone.
-- The active statuses are 'Scheduled', 'Sending' and 'Accepted'; the partial indexes name them
-- as the statements do.

-- +goose Up
CREATE TABLE reservations (
    id             bigint GENERATED ALWAYS AS IDENTITY (MAXVALUE 2147483647) PRIMARY KEY,
    station_id     text COLLATE "C" NOT NULL,
    evse_id        integer NOT NULL CHECK (evse_id >= 0), -- 0: any EVSE of the station
    connector_type text NOT NULL DEFAULT '',              -- '': any
    id_token       text COLLATE "C" NOT NULL,
    token_type     text NOT NULL DEFAULT '',
    group_id       text COLLATE "C" NOT NULL DEFAULT '',
    starts_at      timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    status         text NOT NULL,                         -- charging.ReservationStatus
    command_id     bigint,                                -- commands.id of the last request
    transaction_id bigint,                                -- the transaction that used it
    requested_by   text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    CHECK (expires_at > starts_at)
);

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
