package sqlite

import "github.com/ladda-csms/ladda/store/internal/sqldb"

// The SQL of charging.Store. Contracts: sqldb.ChargingQueries.

const (
	tokenColumns = `token, type, status, expires_at, group_id, allow_concurrent, description, user_id, org_id, label, owner_blocked, created_at, updated_at`

	txColumns = `id, station_id, station_tx_id, start_key, evse_id, connector_id, id_token, started_at, stopped_at,
	meter_start_wh, meter_last_wh, meter_stop_wh, stop_reason, stopped_by, last_seq_no, flags, updated_at`
)

var chargingQueries = sqldb.ChargingQueries{
	CreateToken: `
		INSERT INTO id_tokens (` + tokenColumns + `)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
		ON CONFLICT (token) DO NOTHING`,

	Token: `SELECT ` + tokenColumns + ` FROM id_tokens WHERE token = ?1`,

	Tokens:       tokenList(`true`),
	TokensOfUser: tokenList(`user_id = ?5`),
	TokensOfOrg:  tokenList(`org_id = ?6`),

	UpdateToken: `
		UPDATE id_tokens SET
			type             = coalesce(?2, type),
			status           = coalesce(?3, status),
			expires_at       = CASE WHEN ?4 THEN ?5 ELSE expires_at END,
			group_id         = coalesce(?6, group_id),
			allow_concurrent = coalesce(?7, allow_concurrent),
			description      = coalesce(?8, description),
			updated_at       = ?9,
			user_id          = CASE WHEN ?10 THEN ?11 ELSE user_id END,
			org_id           = CASE WHEN ?12 THEN ?13 ELSE org_id END,
			label            = coalesce(?14, label),
			owner_blocked    = coalesce(?15, owner_blocked)
		WHERE token = ?1`,

	DeleteToken: `DELETE FROM id_tokens WHERE token = ?1`,

	ByStartKey: `SELECT ` + txColumns + ` FROM transactions WHERE station_id = ?1 AND start_key = ?2`,

	ReplaceActive: `
		UPDATE transactions SET
			stopped_at = max(started_at, ?4),
			flags      = CASE
				WHEN flags = '' THEN ?6
				WHEN instr(',' || flags || ',', ',' || ?6 || ',') > 0 THEN flags
				ELSE flags || ',' || ?6 END,
			updated_at = ?5
		WHERE station_id = ?1 AND evse_id = ?2 AND connector_id = ?3 AND stopped_at IS NULL`,

	Insert: `
		INSERT INTO transactions (station_id, station_tx_id, start_key, evse_id, connector_id, id_token,
			started_at, meter_start_wh, meter_last_wh, last_seq_no, flags, updated_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
		RETURNING id`,

	SetStationTxID: `UPDATE transactions SET station_tx_id = ?2 WHERE id = ?1`,

	SetIDToken: `UPDATE transactions SET id_token = ?2, updated_at = ?3 WHERE id = ?1 AND id_token = ''`,

	Get: `SELECT ` + txColumns + ` FROM transactions WHERE id = ?1`,

	// The single writer connection holds the database's write lock for the whole batch.
	GetForUpdate: `SELECT ` + txColumns + ` FROM transactions WHERE id = ?1`,

	Update: `
		UPDATE transactions SET
			stopped_at     = ?2,
			meter_start_wh = ?3,
			meter_last_wh  = ?4,
			meter_stop_wh  = ?5,
			stop_reason    = ?6,
			stopped_by     = ?7,
			last_seq_no    = ?8,
			flags          = ?9,
			updated_at     = ?10
		WHERE id = ?1`,

	Progress: `
		SELECT station_id, meter_start_wh, meter_last_wh, last_seq_no, last_report_id
		FROM transactions WHERE id = ?1`,

	Advance: `
		UPDATE transactions SET
			meter_start_wh = ?2,
			meter_last_wh  = ?3,
			last_seq_no    = ?4,
			last_report_id = ?5,
			updated_at     = max(updated_at, ?6)
		WHERE id = ?1`,

	InsertReport: `
		INSERT INTO meter_reports (station_id, transaction_id, prev_id, evse_id, connector_id, at, samples)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
		RETURNING id`,

	Samples: `
		WITH RECURSIVE chain (id, prev_id, at, samples) AS (
			SELECT r.id, r.prev_id, r.at, r.samples
			FROM transactions t JOIN meter_reports r ON r.id = t.last_report_id
			WHERE t.id = ?1
			UNION ALL
			SELECT r.id, r.prev_id, r.at, r.samples
			FROM chain c JOIN meter_reports r ON r.id = c.prev_id
			WHERE r.transaction_id = ?1
		)
		SELECT samples FROM chain ORDER BY at, id`,

	ByStationTxID: `
		SELECT ` + txColumns + ` FROM transactions
		WHERE station_id = ?1 AND station_tx_id = ?2
		ORDER BY id DESC
		LIMIT 1`,

	List:             txList(`true`),
	ListOfStation:    txList(`station_id = ?1`),
	ListOfToken:      txList(`id_token = ?2`),
	ListOfStationOrg: txList(`station_id IN (SELECT id FROM stations WHERE org_id = ?4)`),
	ListOfTokenUser:  txList(`id_token IN (SELECT token FROM id_tokens WHERE user_id = ?5)`),
	ListOfTokenOrg:   txList(`id_token IN (SELECT token FROM id_tokens WHERE org_id = ?6)`),

	CountActive: `SELECT count(*) FROM transactions WHERE id_token = ?1 AND stopped_at IS NULL AND id <> ?2`,

	FlagStale: `
		UPDATE transactions SET
			flags = CASE WHEN flags = '' THEN ?2 ELSE flags || ',' || ?2 END
		WHERE stopped_at IS NULL AND started_at < ?1
		  AND instr(',' || flags || ',', ',' || ?2 || ',') = 0`,
}

// tokenList returns a list of ID tokens that leads with the condition lead, so that an index
// can serve it.
func tokenList(lead string) string {
	return `
		SELECT ` + tokenColumns + ` FROM id_tokens
		WHERE ` + lead + ` AND token > ?1
		  AND (?2 IS NULL OR status = ?2)
		  AND (?3 IS NULL OR group_id = ?3)
		  AND (?5 IS NULL OR user_id = ?5)
		  AND (?6 IS NULL OR org_id = ?6)
		ORDER BY token
		LIMIT ?4`
}

// txList returns a list of transactions that leads with the condition lead, so that an index
// serves it: the scoping ones take the stations of an organisation, or the tokens of a user or
// an organisation, from their indexes, and those stations' or tokens' transactions from theirs.
func txList(lead string) string {
	return `
		SELECT ` + txColumns + ` FROM transactions
		WHERE ` + lead + `
		  AND (?1 IS NULL OR station_id = ?1)
		  AND (?2 IS NULL OR id_token = ?2)
		  AND (?3 IS NULL OR (stopped_at IS NULL) = ?3)
		  AND (?4 IS NULL OR station_id IN (SELECT id FROM stations WHERE org_id = ?4))
		  AND (?5 IS NULL OR id_token IN (SELECT token FROM id_tokens WHERE user_id = ?5))
		  AND (?6 IS NULL OR id_token IN (SELECT token FROM id_tokens WHERE org_id = ?6))
		  AND (?7 IS NULL OR started_at >= ?7)
		  AND (?8 IS NULL OR started_at < ?8)
		  AND id < ?9
		ORDER BY id DESC
		LIMIT ?10`
}
