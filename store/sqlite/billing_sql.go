package sqlite

import "github.com/ladda-csms/ladda/store/internal/sqldb"

// The SQL of station.SiteStore and billing.Store. Contracts: sqldb.SiteQueries and
// sqldb.BillingQueries.

const siteColumns = `id, org_id, name, address, postal_code, city, country, region, time_zone, created_at, updated_at`

var siteQueries = sqldb.SiteQueries{
	Insert: `
		INSERT INTO sites (org_id, name, address, postal_code, city, country, region, time_zone, created_at, updated_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
		RETURNING id`,
	Get:  `SELECT ` + siteColumns + ` FROM sites WHERE id = ?1`,
	List: `SELECT ` + siteColumns + ` FROM sites WHERE ?1 IS NULL OR org_id = ?1 ORDER BY id`,
	Update: `
		UPDATE sites SET name = ?2, address = ?3, postal_code = ?4, city = ?5, country = ?6, region = ?7,
			time_zone = ?8, updated_at = ?9
		WHERE id = ?1`,
	Delete: `DELETE FROM sites WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM stations WHERE site_id = ?1)`,
	Exists: `SELECT 1 FROM sites WHERE id = ?1`,
}

const (
	tariffColumns     = `id, org_id, name, currency, body, created_at, updated_at`
	assignmentColumns = `id, tariff_id, station_id, site_id, customer_group, created_at`
)

var billingQueries = sqldb.BillingQueries{
	InsertTariff: `
		INSERT INTO tariffs (org_id, name, currency, body, created_at, updated_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6)
		RETURNING id`,
	Tariff:       `SELECT ` + tariffColumns + ` FROM tariffs WHERE id = ?1`,
	Tariffs:      `SELECT ` + tariffColumns + ` FROM tariffs WHERE ?1 IS NULL OR org_id = ?1 ORDER BY id`,
	UpdateTariff: `UPDATE tariffs SET name = ?2, currency = ?3, body = ?4, updated_at = ?5 WHERE id = ?1`,
	DeleteTariff: `DELETE FROM tariffs WHERE id = ?1`,
	TariffExists: `SELECT 1 FROM tariffs WHERE id = ?1`,

	InsertAssignment: `
		INSERT INTO tariff_assignments (tariff_id, station_id, site_id, customer_group, created_at)
		VALUES (?1, ?2, ?3, ?4, ?5)
		ON CONFLICT DO NOTHING
		RETURNING id`,
	Assignments: `SELECT ` + assignmentColumns + ` FROM tariff_assignments WHERE tariff_id = ?1 ORDER BY id`,
	AssignmentsAt: `
		SELECT ` + assignmentColumns + ` FROM tariff_assignments
		WHERE station_id = ?1 OR site_id = (SELECT site_id FROM stations WHERE id = ?1)
		ORDER BY id`,
	DeleteAssignment: `DELETE FROM tariff_assignments WHERE id = ?1`,

	InsertPrice: `
		INSERT INTO transaction_prices (transaction_id, tariff_id, body, created_at)
		VALUES (?1, ?2, ?3, ?4)
		ON CONFLICT (transaction_id) DO NOTHING`,
	Price:             `SELECT body FROM transaction_prices WHERE transaction_id = ?1`,
	TransactionExists: `SELECT 1 FROM transactions WHERE id = ?1`,

	InsertCDR: `
		INSERT INTO cdrs (transaction_id, station_id, org_id, site_id, tariff_id, id_token, user_id, token_org_id,
			currency, total, issued_at, body)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
		ON CONFLICT (transaction_id) DO NOTHING
		RETURNING id`,
	CDROfTransaction: `SELECT id, body FROM cdrs WHERE transaction_id = ?1`,
	CDR:              `SELECT id, body FROM cdrs WHERE id = ?1`,
	CDRs: `
		SELECT id, body FROM cdrs
		WHERE (?1 IS NULL OR org_id = ?1) AND (?2 IS NULL OR user_id = ?2) AND (?3 IS NULL OR token_org_id = ?3)
			AND (?4 IS NULL OR station_id = ?4) AND id < ?5
		ORDER BY id DESC
		LIMIT coalesce(?6, -1)`,
	Unbilled: `
		SELECT t.id FROM transactions t JOIN transaction_prices p ON p.transaction_id = t.id
		WHERE t.stopped_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM cdrs c WHERE c.transaction_id = t.id)
		ORDER BY t.id
		LIMIT ?1`,

	NextNumber: `
		INSERT INTO invoice_series (name, last_number) VALUES (?1, 1)
		ON CONFLICT (name) DO UPDATE SET last_number = invoice_series.last_number + 1
		RETURNING last_number`,
	InsertInvoice: `
		INSERT INTO invoices (series, number, kind, seller_org_id, buyer_user_id, buyer_org_id, credits_id, currency, total, issued_at, body)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
		ON CONFLICT (credits_id) DO NOTHING
		RETURNING id`,
	BillCDR: `
		INSERT INTO cdr_invoices (cdr_id, invoice_id) VALUES (?1, ?2)
		ON CONFLICT (cdr_id) DO NOTHING
		RETURNING cdr_id`,
	FreeCDRs:      `DELETE FROM cdr_invoices WHERE invoice_id = ?1`,
	Invoice:       `SELECT id, number, body FROM invoices WHERE id = ?1`,
	InvoiceExists: `SELECT 1 FROM invoices WHERE id = ?1`,
	Invoices: `
		SELECT id, number, body FROM invoices
		WHERE (?1 IS NULL OR seller_org_id = ?1) AND (?2 IS NULL OR buyer_user_id = ?2)
			AND (?3 IS NULL OR buyer_org_id = ?3) AND id < ?4
		ORDER BY id DESC
		LIMIT coalesce(?5, -1)`,
	InvoiceOfCDR: `
		SELECT i.id, i.number, i.body FROM cdr_invoices c JOIN invoices i ON i.id = c.invoice_id
		WHERE c.cdr_id = ?1`,
	AllInvoices:   `SELECT id, body FROM invoices WHERE id > ?1 ORDER BY id LIMIT ?2`,
	ResealInvoice: `UPDATE invoices SET body = ?3 WHERE id = ?1 AND body = ?2`,
	Uninvoiced: `
		SELECT id, body FROM cdrs c
		WHERE (?1 IS NULL OR org_id = ?1) AND (?2 IS NULL OR user_id = ?2)
			AND (?3 IS NULL OR token_org_id = ?3) AND (?4 IS NULL OR station_id = ?4)
			AND id < ?5 AND issued_at < ?6
			AND NOT EXISTS (SELECT 1 FROM cdr_invoices b WHERE b.cdr_id = c.id)
		ORDER BY id DESC
		LIMIT coalesce(?7, -1)`,
	CDRExists:            `SELECT 1 FROM cdrs WHERE id = ?1`,
	CDRBilled:            `SELECT invoice_id FROM cdr_invoices WHERE cdr_id = ?1`,
	Credited:             `SELECT id FROM invoices WHERE credits_id = ?1`,
	SubscriptionBilled:   `SELECT billed_until FROM subscriptions WHERE id = ?1`,
	BillSubscription:     `UPDATE subscriptions SET billed_until = ?2 WHERE id = ?1`,
	TaxRates:             `SELECT body FROM tax_rates WHERE id = 1`,
	ForgetPaymentAccount: `DELETE FROM payment_accounts WHERE user_id = ?1`,
	ForgetDetails:        `DELETE FROM billing_details WHERE owner = 'user:' || ?1`,
	EndSubscriptionsOf:   `UPDATE subscriptions SET ends_at = ?2 WHERE user_id = ?1 AND ends_at IS NULL AND starts_at < ?2`,
	PutTaxRates: `
		INSERT INTO tax_rates (id, body, updated_at) VALUES (1, ?1, ?2)
		ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
	Details: `SELECT body FROM billing_details WHERE owner = ?1`,
	PutDetails: `
		INSERT INTO billing_details (owner, body, updated_at) VALUES (?1, ?2, ?3)
		ON CONFLICT (owner) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
	AllDetails:    `SELECT owner, body FROM billing_details WHERE owner > ?1 ORDER BY owner LIMIT ?2`,
	ResealDetails: `UPDATE billing_details SET body = ?3 WHERE owner = ?1 AND body = ?2`,
}
