-- PKI (pki.Store): the certificates stations asked Ladda to sign (pki.Certificate), from the
-- request to the station's answer, and the root certificates the operator trusts
-- (pki.Root). A request id is never used twice. No foreign keys: DeleteStation removes a
-- station's requests itself (RecordCertificate locks the station against a concurrent
-- delete); the command that delivered one may be gone.

-- +goose Up
CREATE TABLE station_certificates (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    station_id    text COLLATE "C" NOT NULL,
    kind          text NOT NULL,                   -- ChargingStationCertificate or V2GCertificate
    csr           text NOT NULL,                   -- PEM, as the station sent it
    status        text NOT NULL,                   -- pki.CertStatus
    detail        text NOT NULL DEFAULT '',
    serial_number text NOT NULL DEFAULT '',        -- hex, once issued
    subject       text NOT NULL DEFAULT '',
    not_before    timestamptz,
    not_after     timestamptz,
    pem           text NOT NULL DEFAULT '',        -- the chain sent to the station
    command_id    bigint,                          -- commands.id of the CertificateSigned
    requested_at  timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

-- The primary key lists all requests newest first; these list those of a station and of a
-- status, and serve DeleteStation.
CREATE INDEX station_certificates_station ON station_certificates (station_id, id DESC);
CREATE INDEX station_certificates_status ON station_certificates (status, id DESC);

-- The primary key lists the roots by name (byte order, COLLATE "C", as in SQLite).
CREATE TABLE trusted_roots (
    name       text COLLATE "C" PRIMARY KEY,
    kind       text NOT NULL,                      -- V2GRootCertificate, MORootCertificate, …
    pem        text NOT NULL,
    subject    text NOT NULL DEFAULT '',
    not_after  timestamptz NOT NULL,
    created_at timestamptz NOT NULL
);

-- The roots of a kind, by name.
CREATE INDEX trusted_roots_kind ON trusted_roots (kind, name);

-- +goose Down
DROP TABLE trusted_roots;
DROP TABLE station_certificates;
