-- PKI (pki.Store): the certificates stations asked Ladda to sign (pki.Certificate), from the
-- request to the station's answer, and the root certificates the operator trusts
-- (pki.Root). AUTOINCREMENT: a request id is never used twice. No foreign keys: DeleteStation
-- removes a station's requests itself; the command that delivered one may be gone.

-- +goose Up
CREATE TABLE station_certificates (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    station_id    TEXT NOT NULL,
    kind          TEXT NOT NULL,                   -- ChargingStationCertificate or V2GCertificate
    csr           TEXT NOT NULL,                   -- PEM, as the station sent it
    status        TEXT NOT NULL,                   -- pki.CertStatus
    detail        TEXT NOT NULL DEFAULT '',
    serial_number TEXT NOT NULL DEFAULT '',        -- hex, once issued
    subject       TEXT NOT NULL DEFAULT '',
    not_before    TEXT,
    not_after     TEXT,
    pem           TEXT NOT NULL DEFAULT '',        -- the chain sent to the station
    command_id    INTEGER,                         -- commands.id of the CertificateSigned
    requested_at  TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;

-- The primary key lists all requests newest first; these list those of a station and of a
-- status, and serve DeleteStation.
CREATE INDEX station_certificates_station ON station_certificates (station_id, id DESC);
CREATE INDEX station_certificates_status ON station_certificates (status, id DESC);

-- The primary key lists the roots by name.
CREATE TABLE trusted_roots (
    name       TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,                      -- V2GRootCertificate, MORootCertificate, …
    pem        TEXT NOT NULL,
    subject    TEXT NOT NULL DEFAULT '',
    not_after  TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- The roots of a kind, by name.
CREATE INDEX trusted_roots_kind ON trusted_roots (kind, name);

-- +goose Down
DROP TABLE trusted_roots;
DROP TABLE station_certificates;
