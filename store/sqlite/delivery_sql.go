package sqlite

import "github.com/ladda-csms/ladda/store/internal/sqldb"

// The SQL of webhooks and deliveries. Contracts: sqldb.DeliveryQueries.

const (
	webhookColumns = `id, org_id, user_id, url, secret, events, active, created_at`

	deliveryColumns = `id, kind, user_id, template, webhook_id, event, payload, status, attempts, next_at, last_status,
	last_error, created_at, delivered_at`
)

var deliveryQueries = sqldb.DeliveryQueries{
	CreateWebhook: `
		INSERT INTO webhooks (org_id, user_id, url, secret, events, active, created_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
		RETURNING id`,

	Webhook: `SELECT ` + webhookColumns + ` FROM webhooks WHERE id = ?1`,

	WebhookExists: `SELECT 1 FROM webhooks WHERE id = ?1`,

	WebhooksOfOrg: `SELECT ` + webhookColumns + ` FROM webhooks WHERE org_id = ?1 ORDER BY id`,

	WebhooksOfUser: `SELECT ` + webhookColumns + ` FROM webhooks WHERE user_id = ?1 ORDER BY id`,

	ActiveWebhooks: `SELECT ` + webhookColumns + ` FROM webhooks WHERE active ORDER BY id`,

	AllWebhooks: `SELECT ` + webhookColumns + ` FROM webhooks WHERE id > ?1 ORDER BY id LIMIT ?2`,

	PruneDeliveries: `DELETE FROM deliveries WHERE status <> 'pending' AND created_at < ?1`,

	SealedSecret: `SELECT secret FROM webhooks WHERE id = ?1`,

	ResealWebhook: `UPDATE webhooks SET secret = ?2 WHERE id = ?1 AND secret = ?3`,

	SetWebhookActive: `UPDATE webhooks SET active = ?2 WHERE id = ?1`,

	DeleteWebhook: `DELETE FROM webhooks WHERE id = ?1`,

	Enqueue: `
		INSERT INTO deliveries (kind, user_id, template, webhook_id, event, payload, status, attempts, next_at, last_status,
			last_error, created_at, delivered_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
		RETURNING id`,

	// The single writer makes the select and the update one step: no other claim runs
	// between them.
	Claim: `
		UPDATE deliveries SET next_at = ?2
		WHERE id IN (
			SELECT id FROM deliveries
			WHERE status = 'pending' AND next_at <= ?1
			ORDER BY id
			LIMIT ?3
		)
		RETURNING ` + deliveryColumns,

	Finish: `
		UPDATE deliveries SET
			status       = ?2,
			attempts     = ?3,
			next_at      = ?4,
			last_status  = ?5,
			last_error   = ?6,
			delivered_at = ?7
		WHERE id = ?1`,

	List:          deliveryList(`true`),
	ListOfWebhook: deliveryList(`webhook_id = ?1`),
	ListOfUser:    deliveryList(`user_id = ?2`),
	ListOfStatus:  deliveryList(`status = ?3`),
}

// deliveryList returns a list of deliveries that leads with the condition lead, so that an
// index can serve it.
func deliveryList(lead string) string {
	return `
		SELECT ` + deliveryColumns + ` FROM deliveries
		WHERE ` + lead + ` AND id < ?4
		  AND (?1 IS NULL OR webhook_id = ?1)
		  AND (?2 IS NULL OR user_id = ?2)
		  AND (?3 IS NULL OR status = ?3)
		ORDER BY id DESC
		LIMIT ?5`
}
