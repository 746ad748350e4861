package postgres

import "github.com/ladda-csms/ladda/store/internal/sqldb"

// The SQL of pki.Store. Contracts: sqldb.PKIQueries. RecordCertificate runs in one of several
// committers, beside other processes: Station locks the station it finds (FOR KEY SHARE,
// which only deleting and key changes wait for), so that it is not deleted before the request
// is inserted. A JSON array of statuses is compared as "status = ANY (ARRAY(SELECT …))": an
// array computed once, which an index on status can take.

const certificateColumns = `id, station_id, kind, csr, status, detail, serial_number, subject, not_before,
	not_after, pem, command_id, requested_at, updated_at`

const rootColumns = `name, kind, pem, subject, not_after, created_at`

var pkiQueries = sqldb.PKIQueries{
	Station: `SELECT 1 FROM stations WHERE id = $1 FOR KEY SHARE`,

	InsertCertificate: `
		INSERT INTO station_certificates (station_id, kind, csr, status, detail, serial_number, subject, not_before,
			not_after, pem, command_id, requested_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		RETURNING id`,

	Certificate: `SELECT ` + certificateColumns + ` FROM station_certificates WHERE id = $1`,

	CertificateExists: `SELECT 1 FROM station_certificates WHERE id = $1`,

	// A row that a concurrent write changed meanwhile is checked again in its new version,
	// so the status is compared and set atomically.
	ChangeCertificate: `
		UPDATE station_certificates SET
			status        = coalesce($3::text, status),
			detail        = coalesce($4::text, detail),
			serial_number = coalesce($5::text, serial_number),
			subject       = coalesce($6::text, subject),
			not_before    = coalesce($7::timestamptz, not_before),
			not_after     = coalesce($8::timestamptz, not_after),
			pem           = coalesce($9::text, pem),
			command_id    = coalesce($10::bigint, command_id),
			updated_at    = coalesce($11::timestamptz, updated_at)
		WHERE id = $1 AND status = ANY (ARRAY(SELECT jsonb_array_elements_text($2::jsonb)))`,

	Certificates:          certificateList(`true`),
	CertificatesOfStation: certificateList(`station_id = $1`),
	CertificatesOfStatus:  certificateList(`status = ANY (ARRAY(SELECT jsonb_array_elements_text($2::jsonb)))`),

	DeleteOfStation: `DELETE FROM station_certificates WHERE station_id = $1`,

	PutRoot: `
		INSERT INTO trusted_roots (` + rootColumns + `)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (name) DO UPDATE SET
			kind       = excluded.kind,
			pem        = excluded.pem,
			subject    = excluded.subject,
			not_after  = excluded.not_after,
			created_at = excluded.created_at`,

	Roots:       rootList(`true`),
	RootsOfKind: rootList(`kind = $1`),

	DeleteRoot: `DELETE FROM trusted_roots WHERE name = $1`,
}

// certificateList returns a list of certificate requests that leads with the condition lead,
// one of the filters without its NULL test, so that an index can serve it. A NULL limit is no
// limit.
func certificateList(lead string) string {
	return `
		SELECT ` + certificateColumns + ` FROM station_certificates
		WHERE ` + lead + `
		  AND ($1::text IS NULL OR station_id = $1)
		  AND ($2::jsonb IS NULL OR status = ANY (ARRAY(SELECT jsonb_array_elements_text($2::jsonb))))
		  AND id < $3
		ORDER BY id DESC
		LIMIT $4::bigint`
}

// rootList returns a list of roots that leads with the condition lead, the kind filter
// without its NULL test, so that an index can serve it.
func rootList(lead string) string {
	return `
		SELECT ` + rootColumns + ` FROM trusted_roots
		WHERE ` + lead + `
		  AND ($1::text IS NULL OR kind = $1)
		ORDER BY name`
}
