package sqlite

import "github.com/ladda-csms/ladda/store/internal/sqldb"

// The SQL of pki.Store. Contracts: sqldb.PKIQueries. The single writer connection holds the
// database's write lock for a whole batch, so the station that RecordCertificate found stays
// until its insert.

const certificateColumns = `id, station_id, kind, csr, status, detail, serial_number, subject, not_before,
	not_after, pem, command_id, requested_at, updated_at`

const rootColumns = `name, kind, pem, subject, not_after, created_at`

var pkiQueries = sqldb.PKIQueries{
	Station: `SELECT 1 FROM stations WHERE id = ?1`,

	InsertCertificate: `
		INSERT INTO station_certificates (station_id, kind, csr, status, detail, serial_number, subject, not_before,
			not_after, pem, command_id, requested_at, updated_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
		RETURNING id`,

	Certificate: `SELECT ` + certificateColumns + ` FROM station_certificates WHERE id = ?1`,

	CertificateExists: `SELECT 1 FROM station_certificates WHERE id = ?1`,

	ChangeCertificate: `
		UPDATE station_certificates SET
			status        = coalesce(?3, status),
			detail        = coalesce(?4, detail),
			serial_number = coalesce(?5, serial_number),
			subject       = coalesce(?6, subject),
			not_before    = coalesce(?7, not_before),
			not_after     = coalesce(?8, not_after),
			pem           = coalesce(?9, pem),
			command_id    = coalesce(?10, command_id),
			updated_at    = coalesce(?11, updated_at)
		WHERE id = ?1 AND status IN (SELECT value FROM json_each(?2))`,

	Certificates:          certificateList(`true`),
	CertificatesOfStation: certificateList(`station_id = ?1`),
	CertificatesOfStatus:  certificateList(`status IN (SELECT value FROM json_each(?2))`),

	DeleteOfStation: `DELETE FROM station_certificates WHERE station_id = ?1`,

	PutRoot: `
		INSERT INTO trusted_roots (` + rootColumns + `)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6)
		ON CONFLICT (name) DO UPDATE SET
			kind       = excluded.kind,
			pem        = excluded.pem,
			subject    = excluded.subject,
			not_after  = excluded.not_after,
			created_at = excluded.created_at`,

	Roots:       rootList(`true`),
	RootsOfKind: rootList(`kind = ?1`),

	DeleteRoot: `DELETE FROM trusted_roots WHERE name = ?1`,
}

// certificateList returns a list of certificate requests that leads with the condition lead,
// one of the filters without its NULL test, so that an index can serve it.
func certificateList(lead string) string {
	return `
		SELECT ` + certificateColumns + ` FROM station_certificates
		WHERE ` + lead + `
		  AND (?1 IS NULL OR station_id = ?1)
		  AND (?2 IS NULL OR status IN (SELECT value FROM json_each(?2)))
		  AND id < ?3
		ORDER BY id DESC
		LIMIT coalesce(?4, -1)`
}

// rootList returns a list of roots that leads with the condition lead, the kind filter
// without its NULL test, so that an index can serve it.
func rootList(lead string) string {
	return `
		SELECT ` + rootColumns + ` FROM trusted_roots
		WHERE ` + lead + `
		  AND (?1 IS NULL OR kind = ?1)
		ORDER BY name`
}
