package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/billing"
)

// The additional data of the sealed billing columns.
var (
	aadInvoice = []byte("invoices.body")
	aadDetails = []byte("billing_details.body")
)

// IssueInvoice numbers and stores an invoice; see billing.Store. The number, the invoice and
// the CDRs it bills are one write: a write that fails takes no number.
func (db *DB) IssueInvoice(ctx context.Context, inv *billing.Issued) error {
	const op = "IssueInvoice"
	if !storableText(inv.Series) || inv.Series == "" || !storableText(inv.Currency) {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "an invoice needs a series and a currency of storable text")
	}
	in := *inv
	in.IssuedAt = norm(in.IssuedAt)
	var credits any
	if in.CreditsID != 0 {
		credits = in.CreditsID
	}
	err := db.do(ctx, keyOf("invoice:"+in.Series), func(ctx context.Context, r run) error {
		q := &db.q.Billing
		// Every rule is checked before anything changes, so that a refusal takes no number.
		var other int64
		if in.CreditsID != 0 {
			if err := db.mustRow(ctx, r, op, q.InvoiceExists, in.CreditsID, "invoice"); err != nil {
				return err
			}
			if found, err := r.one(ctx, q.Credited, []any{in.CreditsID}, &other); err != nil || found {
				if err == nil {
					err = Refuse(ladda.Errorf(ladda.Conflict, db.d.Name+"."+op, "invoice %d has a credit note already", in.CreditsID))
				}
				return err
			}
		}
		for _, id := range in.CDRs {
			if err := db.mustRow(ctx, r, op, q.CDRExists, id, "CDR"); err != nil {
				return err
			}
			if found, err := r.one(ctx, q.CDRBilled, []any{id}, &other); err != nil || found {
				if err == nil {
					err = Refuse(ladda.Errorf(ladda.Conflict, db.d.Name+"."+op, "CDR %d is billed by invoice %d", id, other))
				}
				return err
			}
		}
		if in.SubscriptionID != 0 {
			var billed nullTime
			found, err := r.one(ctx, q.SubscriptionBilled, []any{in.SubscriptionID}, &billed)
			switch {
			case err != nil:
				return err
			case !found:
				return db.notFound(op, "subscription %d not found", in.SubscriptionID)
			case !sameTime(billed.ptr(), in.PeriodFrom):
				return Refuse(ladda.Errorf(ladda.Conflict, db.d.Name+"."+op, "subscription %d is billed until another time than this invoice starts", in.SubscriptionID))
			}
		}
		if _, err := r.one(ctx, q.NextNumber, []any{in.Series}, &in.Number); err != nil {
			return err
		}
		body, err := json.Marshal(in)
		if err != nil {
			return err
		}
		// A concurrent write of another process may have billed a CDR or credited the invoice
		// since the checks: that is an error (not a refusal), so the batch is undone and this
		// write retried alone, where the checks refuse it.
		found, err := r.one(ctx, q.InsertInvoice, []any{in.Series, in.Number, string(in.Kind), in.SellerOrgID, in.BuyerUserID, in.BuyerOrgID,
			credits, in.Currency, in.Total.String(), db.d.time(in.IssuedAt), db.seal.Seal(body, aadInvoice)}, &in.ID)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("invoice %d was credited meanwhile", in.CreditsID)
		}
		if in.CreditsID != 0 {
			if _, err := r.exec(ctx, q.FreeCDRs, in.CreditsID); err != nil {
				return err
			}
		}
		if in.SubscriptionID != 0 {
			if _, err := r.exec(ctx, q.BillSubscription, in.SubscriptionID, db.d.nullTime(in.PeriodTo)); err != nil {
				return err
			}
		}
		for _, id := range in.CDRs {
			var got int64
			found, err := r.one(ctx, q.BillCDR, []any{id, in.ID}, &got)
			if err != nil {
				return err
			}
			if !found {
				return fmt.Errorf("CDR %d was billed meanwhile", id)
			}
		}
		return nil
	})
	if err != nil {
		return db.wrap(op, err)
	}
	*inv = in
	return nil
}

// sameTime reports whether two optional times are both absent or the same instant (at the
// microsecond the store keeps).
func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return norm(*a).Equal(norm(*b))
}

// Invoice returns one invoice. Errors: NotFound.
func (db *DB) Invoice(ctx context.Context, id int64) (*billing.Issued, error) {
	return byID(ctx, db, "Invoice", db.q.Billing.Invoice, id, db.scanInvoices, "invoice")
}

// Invoices lists the invoices f selects, newest first.
func (db *DB) Invoices(ctx context.Context, f billing.InvoiceFilter) ([]*billing.Issued, error) {
	before := f.Before
	if before <= 0 {
		before = math.MaxInt64
	}
	var lim any
	if f.Limit > 0 {
		lim = f.Limit
	}
	rows, err := db.reader().query(ctx, db.q.Billing.Invoices, nullID(f.SellerOrgID), nullID(f.BuyerUserID), nullID(f.BuyerOrgID), before, lim)
	if err != nil {
		return nil, db.wrap("Invoices", err)
	}
	list, err := db.scanInvoices(rows)
	return list, db.wrap("Invoices", err)
}

// InvoiceOfCDR returns the invoice that bills a CDR. Errors: NotFound.
func (db *DB) InvoiceOfCDR(ctx context.Context, cdrID int64) (*billing.Issued, error) {
	rows, err := db.reader().query(ctx, db.q.Billing.InvoiceOfCDR, cdrID)
	if err != nil {
		return nil, db.wrap("InvoiceOfCDR", err)
	}
	list, err := db.scanInvoices(rows)
	if err != nil {
		return nil, db.wrap("InvoiceOfCDR", err)
	}
	if len(list) == 0 {
		return nil, ladda.Errorf(ladda.NotFound, db.d.Name+".InvoiceOfCDR", "CDR %d is not invoiced", cdrID)
	}
	return list[0], nil
}

// Uninvoiced lists the CDRs f selects, issued before until, that no invoice bills, newest
// first.
func (db *DB) Uninvoiced(ctx context.Context, f billing.CDRFilter, until time.Time) ([]*billing.CDR, error) {
	if !storableText(string(f.StationID)) {
		return nil, nil
	}
	before := f.Before
	if before <= 0 {
		before = math.MaxInt64
	}
	var lim any
	if f.Limit > 0 {
		lim = f.Limit
	}
	rows, err := db.reader().query(ctx, db.q.Billing.Uninvoiced, nullID(f.OrgID), nullID(f.UserID), nullID(f.TokenOrgID), nullText(string(f.StationID)),
		before, db.d.time(until), lim)
	if err != nil {
		return nil, db.wrap("Uninvoiced", err)
	}
	list, err := scanCDRs(rows)
	return list, db.wrap("Uninvoiced", err)
}

func (db *DB) scanInvoices(rows *sql.Rows) ([]*billing.Issued, error) {
	defer rows.Close()
	var list []*billing.Issued
	for rows.Next() {
		var (
			id, number int64
			sealed     []byte
		)
		if err := rows.Scan(&id, &number, &sealed); err != nil {
			return nil, err
		}
		body, err := db.seal.Open(sealed, aadInvoice)
		if err != nil {
			return nil, err
		}
		var inv billing.Issued
		if err := json.Unmarshal(body, &inv); err != nil {
			return nil, err
		}
		inv.ID, inv.Number = id, number
		list = append(list, &inv)
	}
	return list, rows.Err()
}

func ownerKey(o billing.Owner) string {
	switch {
	case o.OrgID != 0:
		return "org:" + strconv.FormatInt(o.OrgID, 10)
	case o.UserID != 0:
		return "user:" + strconv.FormatInt(o.UserID, 10)
	}
	return "system"
}

// BillingDetails returns an owner's billing details. Errors: NotFound.
func (db *DB) BillingDetails(ctx context.Context, o billing.Owner) (*billing.BillingDetails, error) {
	const op = "BillingDetails"
	var sealed []byte
	found, err := db.reader().one(ctx, db.q.Billing.Details, []any{ownerKey(o)}, &sealed)
	if err != nil {
		return nil, db.wrap(op, err)
	}
	if !found {
		return nil, ladda.Errorf(ladda.NotFound, db.d.Name+"."+op, "no billing details for %s", ownerKey(o))
	}
	body, err := db.seal.Open(sealed, aadDetails)
	if err != nil {
		return nil, db.wrap(op, err)
	}
	var d billing.BillingDetails
	return &d, db.wrap(op, json.Unmarshal(body, &d))
}

// SetBillingDetails sets an owner's billing details.
func (db *DB) SetBillingDetails(ctx context.Context, o billing.Owner, d *billing.BillingDetails, at time.Time) error {
	const op = "SetBillingDetails"
	body, err := json.Marshal(d)
	if err != nil {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "billing details cannot be stored: %v", err)
	}
	err = db.do(ctx, keyOf(ownerKey(o)), func(ctx context.Context, r run) error {
		_, err := r.exec(ctx, db.q.Billing.PutDetails, ownerKey(o), db.seal.Seal(body, aadDetails), db.d.time(at))
		return err
	})
	return db.wrap(op, err)
}

// resealBilling rewrites the sealed bodies of invoices and billing details under the primary
// key, each row a compare-and-set of its own, and returns how many it rewrote.
func (db *DB) resealBilling(ctx context.Context) (int, error) {
	q := &db.q.Billing
	n, err := eachSealed(ctx, db, q.AllInvoices, int64(0), func(id int64, body []byte) error {
		return db.reseal(ctx, keyOf("invoice:"+strconv.FormatInt(id, 10)), q.ResealInvoice, id, body, aadInvoice)
	})
	if err != nil {
		return n, err
	}
	m, err := eachSealed(ctx, db, q.AllDetails, "", func(owner string, body []byte) error {
		return db.reseal(ctx, keyOf(owner), q.ResealDetails, owner, body, aadDetails)
	})
	return n + m, err
}

// reseal rewrites one sealed body under the primary key with update (key, old body, new
// body), a compare-and-set: a row changed since it was read is left as it is.
func (db *DB) reseal(ctx context.Context, committer uint64, update string, key any, body, aad []byte) error {
	plain, err := db.seal.Open(body, aad)
	if err != nil {
		return fmt.Errorf("opening %s %v: %w", aad, key, err)
	}
	fresh := db.seal.Seal(plain, aad)
	return db.do(ctx, committer, func(ctx context.Context, w run) error {
		_, err := w.exec(ctx, update, key, body, fresh)
		return err
	})
}

// eachSealed calls fn for each row of list (after: key >, limit), which returns a key and a
// sealed body by key, a page at a time, and returns how many rows fn took.
func eachSealed[K int64 | string](ctx context.Context, db *DB, list string, first K, fn func(key K, body []byte) error) (int, error) {
	const page = 200
	n := 0
	for after := first; ; {
		rows, err := db.reader().query(ctx, list, after, page)
		if err != nil {
			return n, err
		}
		type row struct {
			key  K
			body []byte
		}
		var batch []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.key, &r.body); err != nil {
				rows.Close()
				return n, err
			}
			batch = append(batch, r)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return n, err
		}
		for _, r := range batch {
			if err := fn(r.key, r.body); err != nil {
				return n, err
			}
			n++
			after = r.key
		}
		if len(batch) < page {
			return n, nil
		}
	}
}
