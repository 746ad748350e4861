package postgres

import "github.com/ladda-csms/ladda/store/internal/sqldb"

// The SQL of billing.Campaigns. Contract: sqldb.CampaignQueries.

const (
	sponsorCampaignColumns = `id, org_id, status, starts_at, ends_at, created_at, updated_at, body`
	sponsorDeliveryColumns = `campaign_id, station_id, language, message_id, status, detail, attempts, command_id, at`
)

var campaignQueries = sqldb.CampaignQueries{
	InsertCampaign: `
		INSERT INTO sponsor_campaigns (org_id, status, starts_at, ends_at, created_at, updated_at, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		RETURNING id`,
	Campaign:          `SELECT ` + sponsorCampaignColumns + ` FROM sponsor_campaigns WHERE id = $1`,
	CampaignExists:    `SELECT 1 FROM sponsor_campaigns WHERE id = $1`,
	Campaigns:         sponsorCampaignList(`true`),
	CampaignsOfStatus: sponsorCampaignList(`status = ANY (ARRAY(SELECT jsonb_array_elements_text($2::jsonb)))`),
	// A row that a concurrent write changed meanwhile is checked again in its new version, so
	// the status is compared and set atomically.
	SetCampaignStatus: `UPDATE sponsor_campaigns SET status = $3, updated_at = $4 WHERE id = $1 AND status = $2`,
	PutDelivery: `
		INSERT INTO sponsor_deliveries (` + sponsorDeliveryColumns + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (campaign_id, station_id, language) DO UPDATE SET
			message_id = excluded.message_id,
			status     = excluded.status,
			detail     = excluded.detail,
			attempts   = excluded.attempts,
			command_id = excluded.command_id,
			at         = excluded.at`,
	Deliveries: `SELECT ` + sponsorDeliveryColumns + ` FROM sponsor_deliveries WHERE campaign_id = $1 ORDER BY station_id, language`,
}

// sponsorCampaignList returns a list of campaigns that leads with the condition lead, the
// statuses filter without its NULL test, so that an index can serve it.
func sponsorCampaignList(lead string) string {
	return `
		SELECT ` + sponsorCampaignColumns + ` FROM sponsor_campaigns
		WHERE ` + lead + `
		  AND ($1::bigint IS NULL OR org_id = $1)
		  AND ($2::jsonb IS NULL OR status = ANY (ARRAY(SELECT jsonb_array_elements_text($2::jsonb))))
		  AND ($3::timestamptz IS NULL OR ends_at > $3)
		ORDER BY id`
}
