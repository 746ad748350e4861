package sqlite

import "github.com/ladda-csms/ladda/store/internal/sqldb"

// The SQL of firmware.Store. Contracts: sqldb.FirmwareQueries. The single writer connection
// holds the database's write lock for a whole batch, so the checks of CreateCampaign (the
// stations exist, the request ids are free) hold until its insert.

const campaignColumns = `id, name, firmware, location, retrieve_at, install_at, retries, retry_interval,
	signing_certificate, signature, concurrency, deadline, status, created_by, created_at, updated_at`

const targetColumns = `campaign_id, station_id, request_id, status, detail, command_id, attempts,
	next_attempt_at, updated_at`

var firmwareQueries = sqldb.FirmwareQueries{
	InsertCampaign: `
		INSERT INTO firmware_campaigns (name, firmware, location, retrieve_at, install_at, retries, retry_interval,
			signing_certificate, signature, concurrency, deadline, status, created_by, created_at, updated_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
		RETURNING id`,

	Stations: `SELECT id FROM stations WHERE id IN (SELECT value FROM json_each(?1))`,

	UsedRequestID: `
		SELECT ` + targetColumns + ` FROM firmware_targets
		WHERE request_id IN (SELECT value FROM json_each(?1)) AND campaign_id <> ?2
		ORDER BY request_id
		LIMIT 1`,

	// WHERE true: an INSERT … SELECT with an upsert clause needs one, else SQLite reads ON as
	// part of a join.
	InsertTargets: `
		INSERT INTO firmware_targets (campaign_id, station_id, request_id, status, detail, command_id, attempts,
			next_attempt_at, updated_at)
		SELECT ?1, value ->> 'station_id', value ->> 'request_id', value ->> 'status', value ->> 'detail',
			value ->> 'command_id', value ->> 'attempts', value ->> 'next_attempt_at', value ->> 'updated_at'
		FROM json_each(?2) WHERE true
		ON CONFLICT DO NOTHING`,

	Campaign: `SELECT ` + campaignColumns + ` FROM firmware_campaigns WHERE id = ?1`,

	CampaignExists: `SELECT 1 FROM firmware_campaigns WHERE id = ?1`,

	SetCampaignStatus: `
		UPDATE firmware_campaigns SET
			status     = ?3,
			updated_at = coalesce(?4, updated_at)
		WHERE id = ?1 AND status = ?2`,

	Campaigns:         campaignList(`true`),
	CampaignsOfStatus: campaignList(`status = ?1`),

	Targets:         targetList(`true`),
	TargetsOfStatus: targetList(`status IN (SELECT value FROM json_each(?2))`),

	TargetCounts: `SELECT status, count(*) FROM firmware_targets WHERE campaign_id = ?1 GROUP BY status`,

	TargetExists: `SELECT 1 FROM firmware_targets WHERE campaign_id = ?1 AND station_id = ?2`,

	ChangeTarget: `
		UPDATE firmware_targets SET
			status          = coalesce(?4, status),
			detail          = ?5,
			command_id      = coalesce(?6, command_id),
			attempts        = coalesce(?7, attempts),
			next_attempt_at = coalesce(?8, next_attempt_at),
			updated_at      = coalesce(?9, updated_at)
		WHERE campaign_id = ?1 AND station_id = ?2 AND status IN (SELECT value FROM json_each(?3))`,

	TargetOfRequest: `SELECT ` + targetColumns + ` FROM firmware_targets WHERE request_id = ?2 AND station_id = ?1`,

	UpdatingTarget: `
		SELECT ` + targetColumns + ` FROM firmware_targets
		WHERE station_id = ?1 AND status IN ('Updating', 'Sending')
		ORDER BY campaign_id DESC
		LIMIT 1`,

	DeleteOfStation: `DELETE FROM firmware_targets WHERE station_id = ?1`,
}

// campaignList returns a list of campaigns that leads with the condition lead, the status
// filter without its NULL test, so that an index can serve it.
func campaignList(lead string) string {
	return `
		SELECT ` + campaignColumns + ` FROM firmware_campaigns
		WHERE ` + lead + `
		  AND (?1 IS NULL OR status = ?1)
		  AND id < ?2
		ORDER BY id DESC
		LIMIT coalesce(?3, -1)`
}

// targetList returns a list of a campaign's targets that leads with the condition lead, the
// statuses filter without its NULL test, so that an index can serve it.
func targetList(lead string) string {
	return `
		SELECT ` + targetColumns + ` FROM firmware_targets
		WHERE campaign_id = ?1 AND ` + lead + `
		  AND (?2 IS NULL OR status IN (SELECT value FROM json_each(?2)))
		  AND (?3 IS NULL OR next_attempt_at <= ?3)
		  AND station_id > ?4
		ORDER BY station_id
		LIMIT coalesce(?5, -1)`
}
