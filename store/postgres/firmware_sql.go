package postgres

import "github.com/ladda-csms/ladda/store/internal/sqldb"

// The SQL of firmware.Store. Contracts: sqldb.FirmwareQueries. CreateCampaign runs in one of
// several committers, beside other processes: Stations locks the stations it finds (FOR KEY
// SHARE, which only deleting and key changes wait for), so that none is deleted before the
// targets are inserted; a request id taken by a concurrent campaign after UsedRequestID
// checked it makes InsertTargets skip that target (after waiting for the other's transaction
// to end), and the store then fails the write. The targets are inserted in the order of their
// request ids, so that concurrent campaigns wait for each other's in one order.

const campaignColumns = `id, name, firmware, location, retrieve_at, install_at, retries, retry_interval,
	signing_certificate, signature, concurrency, deadline, status, created_by, created_at, updated_at`

const targetColumns = `campaign_id, station_id, request_id, status, detail, command_id, attempts,
	next_attempt_at, updated_at`

var firmwareQueries = sqldb.FirmwareQueries{
	InsertCampaign: `
		INSERT INTO firmware_campaigns (name, firmware, location, retrieve_at, install_at, retries, retry_interval,
			signing_certificate, signature, concurrency, deadline, status, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		RETURNING id`,

	// In the order of the primary key, so that concurrent writes lock stations in one order.
	Stations: `
		SELECT id FROM stations
		WHERE id = ANY (ARRAY(SELECT jsonb_array_elements_text($1::jsonb)))
		ORDER BY id
		FOR KEY SHARE`,

	UsedRequestID: `
		SELECT ` + targetColumns + ` FROM firmware_targets
		WHERE request_id = ANY (ARRAY(SELECT jsonb_array_elements_text($1::jsonb)::integer)) AND campaign_id <> $2
		ORDER BY request_id
		LIMIT 1`,

	InsertTargets: `
		INSERT INTO firmware_targets (campaign_id, station_id, request_id, status, detail, command_id, attempts,
			next_attempt_at, updated_at)
		SELECT $1::bigint, t.station_id, t.request_id, t.status, t.detail, t.command_id, t.attempts,
			t.next_attempt_at, t.updated_at
		FROM jsonb_to_recordset($2::jsonb) AS t (station_id text, request_id integer, status text, detail text,
			command_id bigint, attempts integer, next_attempt_at timestamptz, updated_at timestamptz)
		ON CONFLICT DO NOTHING`,

	Campaign: `SELECT ` + campaignColumns + ` FROM firmware_campaigns WHERE id = $1`,

	CampaignExists: `SELECT 1 FROM firmware_campaigns WHERE id = $1`,

	// A row that a concurrent write changed meanwhile is checked again in its new version,
	// so the status is compared and set atomically.
	SetCampaignStatus: `
		UPDATE firmware_campaigns SET
			status     = $3,
			updated_at = coalesce($4::timestamptz, updated_at)
		WHERE id = $1 AND status = $2`,

	Campaigns:         campaignList(`true`),
	CampaignsOfStatus: campaignList(`status = $1`),

	Targets:         targetList(`true`),
	TargetsOfStatus: targetList(`status = ANY (ARRAY(SELECT jsonb_array_elements_text($2::jsonb)))`),

	TargetCounts: `SELECT status, count(*) FROM firmware_targets WHERE campaign_id = $1 GROUP BY status`,

	TargetExists: `SELECT 1 FROM firmware_targets WHERE campaign_id = $1 AND station_id = $2`,

	// As SetCampaignStatus, atomic against concurrent changes.
	ChangeTarget: `
		UPDATE firmware_targets SET
			status          = coalesce($4::text, status),
			detail          = $5,
			command_id      = coalesce($6::bigint, command_id),
			attempts        = coalesce($7::integer, attempts),
			next_attempt_at = coalesce($8::timestamptz, next_attempt_at),
			updated_at      = coalesce($9::timestamptz, updated_at)
		WHERE campaign_id = $1 AND station_id = $2
		  AND status = ANY (ARRAY(SELECT jsonb_array_elements_text($3::jsonb)))`,

	TargetOfRequest: `SELECT ` + targetColumns + ` FROM firmware_targets WHERE request_id = $2 AND station_id = $1`,

	UpdatingTarget: `
		SELECT ` + targetColumns + ` FROM firmware_targets
		WHERE station_id = $1 AND status IN ('Updating', 'Sending')
		ORDER BY campaign_id DESC
		LIMIT 1`,

	DeleteOfStation: `DELETE FROM firmware_targets WHERE station_id = $1`,
}

// campaignList returns a list of campaigns that leads with the condition lead, the status
// filter without its NULL test, so that an index can serve it. A NULL limit is no limit.
func campaignList(lead string) string {
	return `
		SELECT ` + campaignColumns + ` FROM firmware_campaigns
		WHERE ` + lead + `
		  AND ($1::text IS NULL OR status = $1)
		  AND id < $2
		ORDER BY id DESC
		LIMIT $3::bigint`
}

// targetList returns a list of a campaign's targets that leads with the condition lead, the
// statuses filter without its NULL test, so that an index can serve it. A NULL limit is no
// limit.
func targetList(lead string) string {
	return `
		SELECT ` + targetColumns + ` FROM firmware_targets
		WHERE campaign_id = $1 AND ` + lead + `
		  AND ($2::jsonb IS NULL OR status = ANY (ARRAY(SELECT jsonb_array_elements_text($2::jsonb))))
		  AND ($3::timestamptz IS NULL OR next_attempt_at <= $3)
		  AND station_id > $4
		ORDER BY station_id
		LIMIT $5::bigint`
}
