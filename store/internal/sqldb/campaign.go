package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/billing"
)

// Interface guard.
var _ billing.Campaigns = (*DB)(nil)

// campaignBody is what the body column of a sponsor campaign keeps: all but its own columns.
type campaignBody struct {
	Name             string                   `json:"name"`
	Sponsor          string                   `json:"sponsor"`
	Messages         []billing.SponsorMessage `json:"messages"`
	Priority         string                   `json:"priority"`
	StationIDs       []ladda.StationID        `json:"stationIds,omitempty"`
	SiteIDs          []int64                  `json:"siteIds,omitempty"`
	VendorID         string                   `json:"vendorId,omitempty"`
	Currency         string                   `json:"currency"`
	Fee              billing.Amount           `json:"fee"`
	FeePerImpression billing.Amount           `json:"feePerImpression"`
}

// CreateSponsorCampaign stores c and sets c.ID; see billing.Campaigns. Times are stored in UTC
// microseconds. Errors: NotFound for an unknown organisation; Invalid for a campaign that
// breaks the rules of billing.SponsorCampaign or text no engine can keep.
func (db *DB) CreateSponsorCampaign(ctx context.Context, c *billing.SponsorCampaign) error {
	const op = "CreateSponsorCampaign"
	if err := c.Check(); err != nil {
		return ladda.Wrap(db.d.Name+"."+op, err)
	}
	texts := []string{c.Name, c.Sponsor, c.Priority, c.VendorID, c.Currency, string(c.Status)}
	for _, m := range c.Messages {
		texts = append(texts, m.Language, m.Content)
	}
	for _, id := range c.StationIDs {
		texts = append(texts, string(id))
	}
	if err := db.storable(op, texts...); err != nil {
		return err
	}
	body, err := json.Marshal(campaignBody{Name: c.Name, Sponsor: c.Sponsor, Messages: c.Messages, Priority: c.Priority, StationIDs: c.StationIDs,
		SiteIDs: c.SiteIDs, VendorID: c.VendorID, Currency: c.Currency, Fee: c.Fee, FeePerImpression: c.FeePerImpression})
	if err != nil {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "campaign cannot be stored: %v", err)
	}
	in := *c
	in.StartAt, in.EndAt, in.CreatedAt, in.UpdatedAt = norm(in.StartAt), norm(in.EndAt), norm(in.CreatedAt), norm(in.UpdatedAt)
	err = db.do(ctx, keyOf("sponsor-campaign"), func(ctx context.Context, r run) error {
		if err := db.mustOrg(ctx, r, op, in.OrgID); err != nil {
			return err
		}
		_, err := r.one(ctx, db.q.Campaigns.InsertCampaign, []any{nullID(in.OrgID), string(in.Status), db.d.time(in.StartAt), db.d.time(in.EndAt),
			db.d.time(in.CreatedAt), db.d.time(in.UpdatedAt), string(body)}, &in.ID)
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	*c = in
	return nil
}

// SponsorCampaign returns one campaign. Errors: NotFound.
func (db *DB) SponsorCampaign(ctx context.Context, id int64) (*billing.SponsorCampaign, error) {
	return byID(ctx, db, "SponsorCampaign", db.q.Campaigns.Campaign, id, scanSponsorCampaigns, "campaign")
}

// SponsorCampaigns lists the campaigns f selects, by ID.
func (db *DB) SponsorCampaigns(ctx context.Context, f billing.CampaignFilter) ([]*billing.SponsorCampaign, error) {
	const op = "SponsorCampaigns"
	query, statuses := db.q.Campaigns.Campaigns, any(nil)
	if len(f.Statuses) > 0 {
		b, err := json.Marshal(f.Statuses)
		if err != nil {
			return nil, db.wrap(op, err)
		}
		query, statuses = db.q.Campaigns.CampaignsOfStatus, string(b)
	}
	var endsAfter any
	if !f.EndsAfter.IsZero() {
		endsAfter = db.d.time(f.EndsAfter)
	}
	rows, err := db.reader().query(ctx, query, nullID(f.OrgID), statuses, endsAfter)
	if err != nil {
		return nil, db.wrap(op, err)
	}
	list, err := scanSponsorCampaigns(rows)
	return list, db.wrap(op, err)
}

// SetSponsorCampaignStatus moves a campaign from one status to another if it is in the first;
// see billing.Campaigns. Errors: NotFound.
func (db *DB) SetSponsorCampaignStatus(ctx context.Context, id int64, from, to billing.CampaignStatus, at time.Time) (bool, error) {
	const op = "SetSponsorCampaignStatus"
	if err := db.storable(op, string(from), string(to)); err != nil {
		return false, err
	}
	var changed bool
	err := db.do(ctx, keyOf("sponsor-campaign:"+strconv.FormatInt(id, 10)), func(ctx context.Context, r run) error {
		n, err := r.exec(ctx, db.q.Campaigns.SetCampaignStatus, id, string(from), string(to), db.d.time(at))
		if err != nil {
			return err
		}
		changed = n > 0
		if changed {
			return nil
		}
		return db.mustRow(ctx, r, op, db.q.Campaigns.CampaignExists, id, "campaign")
	})
	if err != nil {
		return false, db.wrap(op, err)
	}
	return changed, nil
}

// PutSponsorDelivery stores a delivery, replacing the one of the same campaign, station and
// language; see billing.Campaigns. Errors: NotFound for an unknown campaign; Invalid for text
// no engine can keep.
func (db *DB) PutSponsorDelivery(ctx context.Context, d *billing.SponsorDelivery) error {
	const op = "PutSponsorDelivery"
	if err := db.storable(op, string(d.StationID), d.Language, string(d.Status), d.Detail); err != nil {
		return err
	}
	at := norm(d.At)
	err := db.do(ctx, keyOf("sponsor-campaign:"+strconv.FormatInt(d.CampaignID, 10)), func(ctx context.Context, r run) error {
		if d.CampaignID == 0 {
			return db.notFound(op, "campaign 0 not found")
		}
		if err := db.mustRow(ctx, r, op, db.q.Campaigns.CampaignExists, d.CampaignID, "campaign"); err != nil {
			return err
		}
		_, err := r.exec(ctx, db.q.Campaigns.PutDelivery, d.CampaignID, string(d.StationID), d.Language, int64(d.MessageID), string(d.Status), d.Detail,
			int64(d.Attempts), nullID(d.CommandID), db.d.time(at))
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	d.At = at
	return nil
}

// SponsorDeliveries lists a campaign's deliveries by station, then language.
func (db *DB) SponsorDeliveries(ctx context.Context, campaignID int64) ([]*billing.SponsorDelivery, error) {
	rows, err := db.reader().query(ctx, db.q.Campaigns.Deliveries, campaignID)
	if err != nil {
		return nil, db.wrap("SponsorDeliveries", err)
	}
	defer rows.Close()
	var list []*billing.SponsorDelivery
	for rows.Next() {
		var (
			d                   billing.SponsorDelivery
			station, status     string
			messageID, attempts int64
			command             sql.NullInt64
			at                  nullTime
		)
		if err := rows.Scan(&d.CampaignID, &station, &d.Language, &messageID, &status, &d.Detail, &attempts, &command, &at); err != nil {
			return nil, db.wrap("SponsorDeliveries", err)
		}
		d.StationID, d.Status, d.MessageID, d.Attempts, d.CommandID, d.At = ladda.StationID(station), billing.DeliveryStatus(status), int(messageID),
			int(attempts), command.Int64, at.T
		list = append(list, &d)
	}
	return list, db.wrap("SponsorDeliveries", rows.Err())
}

func scanSponsorCampaigns(rows *sql.Rows) ([]*billing.SponsorCampaign, error) {
	defer rows.Close()
	var list []*billing.SponsorCampaign
	for rows.Next() {
		var (
			c                    billing.SponsorCampaign
			org                  sql.NullInt64
			status               string
			start, end, cre, upd nullTime
			body                 []byte
			b                    campaignBody
		)
		if err := rows.Scan(&c.ID, &org, &status, &start, &end, &cre, &upd, &body); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(body, &b); err != nil {
			return nil, err
		}
		c.OrgID, c.Status, c.StartAt, c.EndAt, c.CreatedAt, c.UpdatedAt = org.Int64, billing.CampaignStatus(status), start.T, end.T, cre.T, upd.T
		c.Name, c.Sponsor, c.Messages, c.Priority, c.StationIDs, c.SiteIDs = b.Name, b.Sponsor, b.Messages, b.Priority, b.StationIDs, b.SiteIDs
		c.VendorID, c.Currency, c.Fee, c.FeePerImpression = b.VendorID, b.Currency, b.Fee, b.FeePerImpression
		list = append(list, &c)
	}
	return list, rows.Err()
}
