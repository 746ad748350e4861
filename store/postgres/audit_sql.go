package postgres

import "github.com/ladda-csms/ladda/store/internal/sqldb"

// The SQL of the audit log. Contracts: sqldb.AuditQueries.

const auditColumns = `id, at, actor_kind, actor_id, actor, org_id, action, target, outcome, ip, user_agent, detail`

var auditQueries = sqldb.AuditQueries{
	Append: `
		INSERT INTO audit_events (at, actor_kind, actor_id, actor, org_id, action, target, outcome, ip, user_agent, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb)
		RETURNING id`,

	List:        auditList(`true`),
	ListOfOrg:   auditList(`org_id = $1`),
	ListOfActor: auditList(`actor_kind = $2`),
}

// auditList returns a list of audit events that leads with the condition lead, so that an
// index can serve it. The action prefix is compared with starts_with: LIKE would take "_"
// and "%" in a prefix as patterns.
func auditList(lead string) string {
	return `
		SELECT ` + auditColumns + ` FROM audit_events
		WHERE ` + lead + ` AND id < $7
		  AND ($1::bigint IS NULL OR org_id = $1)
		  AND ($2::text IS NULL OR actor_kind = $2)
		  AND ($3::bigint IS NULL OR actor_id = $3)
		  AND ($4::text IS NULL OR starts_with(action, $4))
		  AND ($5::timestamptz IS NULL OR at >= $5)
		  AND ($6::timestamptz IS NULL OR at < $6)
		ORDER BY id DESC
		LIMIT $8`
}
