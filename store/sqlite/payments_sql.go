package sqlite

import "github.com/ladda-csms/ladda/store/internal/sqldb"

// The SQL of billing.Payments. Contract: sqldb.PaymentQueries.

const (
	paymentColumns      = `id, kind, user_id, transaction_id, state, next_attempt, version, created_at, updated_at, body`
	planColumns         = `id, org_id, name, currency, body`
	subscriptionColumns = `id, plan_id, user_id, org_id, starts_at, ends_at, billed_until`
)

var paymentQueries = sqldb.PaymentQueries{
	PutAccount: `
		INSERT INTO payment_accounts (user_id, mode, body, updated_at) VALUES (?1, ?2, ?3, ?4)
		ON CONFLICT (user_id) DO UPDATE SET mode = excluded.mode, body = excluded.body, updated_at = excluded.updated_at`,
	Account:       `SELECT mode, body, updated_at FROM payment_accounts WHERE user_id = ?1`,
	DeleteAccount: `DELETE FROM payment_accounts WHERE user_id = ?1`,
	AllAccounts:   `SELECT user_id, body FROM payment_accounts WHERE user_id > ?1 ORDER BY user_id LIMIT ?2`,
	ResealAccount: `UPDATE payment_accounts SET body = ?3 WHERE user_id = ?1 AND body = ?2`,

	InsertPayment: `
		INSERT INTO payments (kind, user_id, transaction_id, state, next_attempt, ref_index, version, created_at, updated_at, body, org_id)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
		ON CONFLICT DO NOTHING
		RETURNING id`,
	PaymentOfTransaction: `SELECT ` + paymentColumns + ` FROM payments WHERE transaction_id = ?1 AND kind = ?2`,
	PaymentHead:          `SELECT version, kind, user_id, transaction_id, created_at FROM payments WHERE id = ?1`,
	UpdatePayment: `
		UPDATE payments SET state = ?3, next_attempt = ?4, ref_index = ?5, updated_at = ?6, body = ?7, version = version + 1
		WHERE id = ?1 AND version = ?2`,
	Payment:      `SELECT ` + paymentColumns + ` FROM payments WHERE id = ?1`,
	PaymentByRef: `SELECT ` + paymentColumns + ` FROM payments WHERE ref_index = ?1 ORDER BY id DESC LIMIT 1`,
	Payments: `
		SELECT ` + paymentColumns + ` FROM payments
		WHERE (?1 IS NULL OR user_id = ?1)
			AND (?2 IS NULL OR state IN (SELECT value FROM json_each(?2)))
			AND (?3 IS NULL OR next_attempt < ?3)
			AND (?6 IS NULL OR org_id = ?6)
			AND id < ?4
		ORDER BY id DESC
		LIMIT coalesce(?5, -1)`,
	AllPayments:        `SELECT id, body FROM payments WHERE id > ?1 ORDER BY id LIMIT ?2`,
	ResealPayment:      `UPDATE payments SET body = ?3, ref_index = ?4 WHERE id = ?1 AND body = ?2`,
	InsertGatewayEvent: `INSERT INTO gateway_events (id, received_at) VALUES (?1, ?2) ON CONFLICT (id) DO NOTHING`,

	InsertEntry: `
		INSERT INTO ledger_entries (kind, ref, currency, at, body) VALUES (?1, ?2, ?3, ?4, ?5)
		ON CONFLICT (kind, ref) DO NOTHING
		RETURNING id`,
	InsertPosting: `INSERT INTO ledger_postings (entry_id, account, currency, minor) VALUES (?1, ?2, ?3, ?4)`,
	EntryByRef:    `SELECT id, body FROM ledger_entries WHERE kind = ?1 AND ref = ?2`,
	Balance:       `SELECT coalesce(sum(minor), 0) FROM ledger_postings WHERE account = ?1 AND currency = ?2`,
	Entries: `
		SELECT e.id, e.body FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id
		WHERE p.account = ?1 AND p.entry_id < ?2
		ORDER BY p.entry_id DESC
		LIMIT coalesce(?3, -1)`,

	InsertPlan: `
		INSERT INTO plans (org_id, name, currency, body, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
		RETURNING id`,
	Plan:  `SELECT ` + planColumns + ` FROM plans WHERE id = ?1`,
	Plans: `SELECT ` + planColumns + ` FROM plans WHERE ?1 IS NULL OR org_id = ?1 ORDER BY id`,
	UpdatePlan: `
		UPDATE plans SET name = ?2, currency = ?3, body = ?4, updated_at = ?5 WHERE id = ?1
		RETURNING org_id`,
	InsertSubscription: `
		INSERT INTO subscriptions (plan_id, user_id, org_id, starts_at, ends_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
		ON CONFLICT DO NOTHING
		RETURNING id`,
	RunningSubscription: `SELECT id FROM subscriptions WHERE user_id = ?1 AND org_id = ?2 AND ends_at IS NULL`,
	Subscription:        `SELECT ` + subscriptionColumns + ` FROM subscriptions WHERE id = ?1`,
	Subscriptions: `
		SELECT ` + subscriptionColumns + ` FROM subscriptions
		WHERE (?1 IS NULL OR user_id = ?1) AND (?2 IS NULL OR plan_id = ?2)
		ORDER BY id`,
	EndSubscription: `UPDATE subscriptions SET ends_at = ?2 WHERE id = ?1 AND ends_at IS NULL`,

	PutSchedule: `
		INSERT INTO price_schedules (name, currency, step, body, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
		ON CONFLICT (name) DO UPDATE SET currency = excluded.currency, step = excluded.step, body = excluded.body,
			updated_at = excluded.updated_at`,
	Schedule:       `SELECT body FROM price_schedules WHERE name = ?1`,
	Schedules:      `SELECT name, currency, step FROM price_schedules ORDER BY name`,
	DeleteSchedule: `DELETE FROM price_schedules WHERE name = ?1`,
}
