package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
)

// ---- webhooks ----

// CreateWebhook stores w and sets w.ID. The secret is sealed (Options.Sealer); events are
// stored as a comma list. Errors: Invalid unless exactly one of OrgID and UserID is set, for
// a webhook without URL or secret, an event that is empty or holds a comma, or text no engine
// can keep; NotFound for an unknown organisation or user.
func (db *DB) CreateWebhook(ctx context.Context, w *account.Webhook) error {
	const op = "CreateWebhook"
	switch {
	case (w.OrgID == 0) == (w.UserID == 0):
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "a webhook belongs to an organisation or a user: exactly one of them")
	case w.URL == "" || len(w.Secret) == 0:
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "a webhook needs a URL and a secret")
	}
	if err := db.storable(op, w.URL); err != nil {
		return err
	}
	events, err := joinList(w.Events)
	if err != nil {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "webhook %s: %v", w.URL, err)
	}
	secret := db.seal.Seal(w.Secret, aadWebhook)
	var id int64
	err = db.do(ctx, uint64(w.OrgID+w.UserID), func(ctx context.Context, r run) error {
		if err := db.mustOrg(ctx, r, op, w.OrgID); err != nil {
			return err
		}
		if err := db.mustUser(ctx, r, op, w.UserID); err != nil {
			return err
		}
		_, err := r.one(ctx, db.q.Delivery.CreateWebhook, []any{nullID(w.OrgID), nullID(w.UserID), w.URL, secret, events, w.Active,
			db.d.time(w.CreatedAt)}, &id)
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	w.ID = id
	return nil
}

// Webhook returns one webhook with its secret. Errors: NotFound.
func (db *DB) Webhook(ctx context.Context, id int64) (*account.Webhook, error) {
	return byID(ctx, db, "Webhook", db.q.Delivery.Webhook, id, db.scanWebhooks, "webhook")
}

// Webhooks lists the webhooks of an organisation (orgID) or of a user (userID), active or
// not, or for both 0 every active webhook; oldest (lowest ID) first. Errors: Invalid when both
// are set.
func (db *DB) Webhooks(ctx context.Context, orgID, userID int64) ([]*account.Webhook, error) {
	const op = "Webhooks"
	q := &db.q.Delivery
	var (
		rows *sql.Rows
		err  error
		r    = db.reader()
	)
	switch {
	case orgID != 0 && userID != 0:
		return nil, ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "webhooks of an organisation or of a user, not both")
	case orgID != 0:
		rows, err = r.query(ctx, q.WebhooksOfOrg, orgID)
	case userID != 0:
		rows, err = r.query(ctx, q.WebhooksOfUser, userID)
	default:
		rows, err = r.query(ctx, q.ActiveWebhooks)
	}
	if err != nil {
		return nil, db.wrap(op, err)
	}
	list, err := db.scanWebhooks(rows)
	return list, db.wrap(op, err)
}

// SetWebhookActive turns a webhook on or off. Errors: NotFound.
func (db *DB) SetWebhookActive(ctx context.Context, id int64, active bool) error {
	return db.changeOne(ctx, "SetWebhookActive", id, "webhook", db.q.Delivery.SetWebhookActive, id, active)
}

// DeleteWebhook deletes a webhook and its deliveries. Errors: NotFound.
func (db *DB) DeleteWebhook(ctx context.Context, id int64) error {
	return db.changeOne(ctx, "DeleteWebhook", id, "webhook", db.q.Delivery.DeleteWebhook, id)
}

// changeOne runs a statement about record id that must affect a row, else NotFound naming it
// what.
func (db *DB) changeOne(ctx context.Context, op string, id int64, what, q string, args ...any) error {
	err := db.do(ctx, uint64(id), func(ctx context.Context, r run) error {
		n, err := r.exec(ctx, q, args...)
		if err == nil && n == 0 {
			return db.notFound(op, "%s %d not found", what, id)
		}
		return err
	})
	return db.wrap(op, err)
}

// scanWebhooks reads rows of webhook columns, opening the secrets, and closes rows.
func (db *DB) scanWebhooks(rows *sql.Rows) ([]*account.Webhook, error) {
	defer rows.Close()
	var list []*account.Webhook
	for rows.Next() {
		var (
			w         account.Webhook
			org, user sql.NullInt64
			secret    []byte
			events    string
			created   nullTime
		)
		if err := rows.Scan(&w.ID, &org, &user, &w.URL, &secret, &events, &w.Active, &created); err != nil {
			return nil, err
		}
		var err error
		if w.Secret, err = db.seal.Open(secret, aadWebhook); err != nil {
			return nil, err
		}
		w.OrgID, w.UserID, w.Events, w.CreatedAt = org.Int64, user.Int64, splitList[string](events), created.T
		list = append(list, &w)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return list, rows.Close()
}

// ---- deliveries ----

// maxClaim is the most deliveries one Claim leases.
const maxClaim = 1000

// Enqueue stores new deliveries, all or none, in one write, each as pending (ds' Status is
// set so), and sets their IDs. Errors: Invalid for an email without user or template, a
// webhook call without webhook, another kind, or text no engine can keep; NotFound for an
// unknown user or webhook.
func (db *DB) Enqueue(ctx context.Context, ds []*account.Delivery) error {
	const op = "Enqueue"
	for _, d := range ds {
		switch {
		case d.Kind == account.EmailDelivery && (d.UserID == 0 || d.Template == ""):
			return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "an email needs a user and a template")
		case d.Kind == account.WebhookDelivery && d.WebhookID == 0:
			return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "a webhook call needs a webhook")
		case d.Kind != account.EmailDelivery && d.Kind != account.WebhookDelivery:
			return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "unknown kind of delivery %q", d.Kind)
		}
		if err := db.storable(op, d.Template, d.Event, d.LastError); err != nil {
			return err
		}
	}
	if len(ds) == 0 {
		return nil
	}
	q := &db.q.Delivery
	ids := make([]int64, len(ds))
	err := db.do(ctx, keyOf("deliveries"), func(ctx context.Context, r run) error {
		// Every check before the first insert: a refusal must leave nothing changed.
		for _, d := range ds {
			if err := db.mustUser(ctx, r, op, d.UserID); err != nil {
				return err
			}
			if err := db.mustRow(ctx, r, op, q.WebhookExists, d.WebhookID, "webhook"); err != nil {
				return err
			}
		}
		for i, d := range ds {
			// Payloads hold names, links with one-time tokens and events: sealed like other
			// personal data.
			payload := db.seal.Seal(d.Payload, aadPayload)
			if _, err := r.one(ctx, q.Enqueue, []any{string(d.Kind), nullID(d.UserID), d.Template, nullID(d.WebhookID), d.Event, payload,
				string(account.DeliveryPending), d.Attempts, db.d.time(d.NextAt), d.LastStatus, d.LastError, db.d.time(d.CreatedAt),
				db.d.nullTime(d.DeliveredAt)}, &ids[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return db.wrap(op, err)
	}
	for i, d := range ds {
		d.ID, d.Status = ids[i], account.DeliveryPending
	}
	return nil
}

// Claim leases up to limit (at most 1000) pending deliveries due at now, lowest ID first, by
// moving their NextAt to now+lease in one statement; it returns them by ID. A delivery is
// never handed to two claimers at once: in PostgreSQL, rows another claimer is leasing are
// skipped (FOR UPDATE SKIP LOCKED); SQLite has a single writer. A non-positive limit claims
// nothing.
func (db *DB) Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*account.Delivery, error) {
	const op = "Claim"
	if limit <= 0 {
		return nil, nil
	}
	limit = min(limit, maxClaim)
	var out []*account.Delivery
	err := db.do(ctx, keyOf("deliveries"), func(ctx context.Context, r run) error {
		rows, err := r.query(ctx, db.q.Delivery.Claim, db.d.time(now), db.d.time(now.Add(lease)), limit)
		if err != nil {
			return err
		}
		out, err = db.scanDeliveries(rows)
		return err
	})
	if err != nil {
		return nil, db.wrap(op, err)
	}
	slices.SortFunc(out, func(a, b *account.Delivery) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// Finish stores the outcome of an attempt: Status, Attempts, NextAt, LastStatus, LastError and
// DeliveredAt of d. Errors: NotFound; Invalid without status or for text no engine can keep.
func (db *DB) Finish(ctx context.Context, d *account.Delivery) error {
	const op = "Finish"
	if d.Status == "" {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "delivery %d: a status is needed", d.ID)
	}
	if err := db.storable(op, string(d.Status), d.LastError); err != nil {
		return err
	}
	return db.changeOne(ctx, op, d.ID, "delivery", db.q.Delivery.Finish, d.ID, string(d.Status), d.Attempts, db.d.time(d.NextAt),
		d.LastStatus, d.LastError, db.d.nullTime(d.DeliveredAt))
}

// Deliveries lists the deliveries f selects, newest (highest ID) first: of webhook WebhookID,
// of user UserID, in Status, with IDs below Before; at most Limit (default 100, at most
// 1000). Zero fields do not filter; a status no engine can keep selects nothing.
func (db *DB) Deliveries(ctx context.Context, f account.DeliveryFilter) ([]*account.Delivery, error) {
	const op = "Deliveries"
	if !storableText(string(f.Status)) {
		return nil, nil
	}
	before := f.Before
	if before <= 0 {
		before = math.MaxInt64
	}
	q := &db.q.Delivery
	text := q.List
	switch {
	case f.WebhookID != 0:
		text = q.ListOfWebhook
	case f.UserID != 0:
		text = q.ListOfUser
	case f.Status != "":
		text = q.ListOfStatus
	}
	rows, err := db.reader().query(ctx, text, nullID(f.WebhookID), nullID(f.UserID), nullText(string(f.Status)), before, pageSize(f.Limit))
	if err != nil {
		return nil, db.wrap(op, err)
	}
	list, err := db.scanDeliveries(rows)
	return list, db.wrap(op, err)
}

func (db *DB) scanDeliveries(rows *sql.Rows) ([]*account.Delivery, error) {
	defer rows.Close()
	var list []*account.Delivery
	for rows.Next() {
		var (
			d                        account.Delivery
			kind, status             string
			user, hook               sql.NullInt64
			next, created, delivered nullTime
		)
		if err := rows.Scan(&d.ID, &kind, &user, &d.Template, &hook, &d.Event, &d.Payload, &status, &d.Attempts, &next, &d.LastStatus,
			&d.LastError, &created, &delivered); err != nil {
			return nil, err
		}
		d.Kind, d.Status, d.UserID, d.WebhookID = account.DeliveryKind(kind), account.DeliveryStatus(status), user.Int64, hook.Int64
		d.NextAt, d.CreatedAt, d.DeliveredAt = next.T, created.T, delivered.ptr()
		plain, err := db.seal.Open(d.Payload, aadPayload)
		if err != nil {
			return nil, fmt.Errorf("opening the payload of delivery %d: %w", d.ID, err)
		}
		d.Payload = plain
		list = append(list, &d)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return list, rows.Close()
}
