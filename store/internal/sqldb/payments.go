package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/billing"
)

// Interface guard.
var _ billing.Payments = (*DB)(nil)

// The additional data of the sealed payment columns, and the purpose of the blind index of a
// gateway's payment reference.
var (
	aadPayment        = []byte("payments.body")
	aadPaymentAccount = []byte("payment_accounts.body")
)

const refPurpose = "payment-ref"

// accountBody is what the sealed body of a payment account keeps: the gateway's references.
type accountBody struct {
	Customer string `json:"customer"`
	Method   string `json:"method,omitempty"`
	Label    string `json:"label,omitempty"`
}

// SetPaymentAccount stores a driver's payment account, replacing the one they had; see
// billing.Payments. Its references are sealed. Errors: Invalid for text no engine keeps.
func (db *DB) SetPaymentAccount(ctx context.Context, a *billing.PaymentAccount) error {
	const op = "SetPaymentAccount"
	if err := db.storable(op, string(a.Mode), a.Customer, a.Method, a.Label); err != nil {
		return err
	}
	body, err := json.Marshal(accountBody{a.Customer, a.Method, a.Label})
	if err != nil {
		return db.wrap(op, err)
	}
	in := *a
	in.UpdatedAt = norm(in.UpdatedAt)
	sealed := db.seal.Seal(body, aadPaymentAccount)
	err = db.do(ctx, keyOf("payment-account:"+strconv.FormatInt(in.UserID, 10)), func(ctx context.Context, r run) error {
		_, err := r.exec(ctx, db.q.Payments.PutAccount, in.UserID, string(in.Mode), sealed, db.d.time(in.UpdatedAt))
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	*a = in
	return nil
}

// PaymentAccount returns a driver's payment account. Errors: NotFound.
func (db *DB) PaymentAccount(ctx context.Context, userID int64) (*billing.PaymentAccount, error) {
	const op = "PaymentAccount"
	var (
		mode   string
		sealed []byte
		upd    nullTime
	)
	found, err := db.reader().one(ctx, db.q.Payments.Account, []any{userID}, &mode, &sealed, &upd)
	if err != nil {
		return nil, db.wrap(op, err)
	}
	if !found {
		return nil, ladda.Errorf(ladda.NotFound, db.d.Name+"."+op, "user %d has no payment account", userID)
	}
	plain, err := db.seal.Open(sealed, aadPaymentAccount)
	if err != nil {
		return nil, db.wrap(op, err)
	}
	var b accountBody
	if err := json.Unmarshal(plain, &b); err != nil {
		return nil, db.wrap(op, err)
	}
	return &billing.PaymentAccount{UserID: userID, Mode: billing.PayMode(mode), Customer: b.Customer, Method: b.Method, Label: b.Label,
		UpdatedAt: upd.T}, nil
}

// DeletePaymentAccount removes a driver's payment account. Errors: NotFound when there is none.
func (db *DB) DeletePaymentAccount(ctx context.Context, userID int64) error {
	const op = "DeletePaymentAccount"
	err := db.do(ctx, keyOf("payment-account:"+strconv.FormatInt(userID, 10)), func(ctx context.Context, r run) error {
		n, err := r.exec(ctx, db.q.Payments.DeleteAccount, userID)
		if err == nil && n == 0 {
			return db.notFound(op, "user %d has no payment account", userID)
		}
		return err
	})
	return db.wrap(op, err)
}

// storablePayment refuses, as Invalid, a payment with text that no engine keeps.
func (db *DB) storablePayment(op string, p *billing.PaymentRecord) error {
	return db.storable(op, string(p.Kind), string(p.State), p.Currency, p.Ref, p.Customer, p.Label, p.LastError)
}

// refIndex is the blind index of a gateway's reference under the primary key, NULL for none.
func (db *DB) refIndex(ref string) any {
	if ref == "" {
		return nil
	}
	return db.seal.Index(refPurpose, ref)
}

// CreatePayment stores p and sets p.ID and p.Version (1), unless p has a transaction that has
// a payment of p's kind already: then p is overwritten with it and created is false; see
// billing.Payments. That holds for every kind with a TransactionID, session payments being
// the ones that have one. Errors: Invalid for text no engine keeps.
func (db *DB) CreatePayment(ctx context.Context, p *billing.PaymentRecord) (bool, error) {
	const op = "CreatePayment"
	if err := db.storablePayment(op, p); err != nil {
		return false, err
	}
	in := *p
	in.ID, in.Version = 0, 1
	in.CreatedAt, in.UpdatedAt = norm(in.CreatedAt), norm(in.UpdatedAt)
	if !in.NextAttempt.IsZero() {
		in.NextAttempt = norm(in.NextAttempt)
	}
	body, err := json.Marshal(in)
	if err != nil {
		return false, ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "payment cannot be stored: %v", err)
	}
	var tx any
	key := "payment:user:" + strconv.FormatInt(in.UserID, 10)
	if in.TransactionID != 0 {
		tx = int64(in.TransactionID)
		key = strconv.FormatInt(int64(in.TransactionID), 10) // with the transaction's price and CDR
	}
	args := []any{string(in.Kind), in.UserID, tx, string(in.State), db.optTime(in.NextAttempt), db.refIndex(in.Ref), in.Version,
		db.d.time(in.CreatedAt), db.d.time(in.UpdatedAt), db.seal.Seal(body, aadPayment), in.OrgID}
	var (
		created bool
		stored  *billing.PaymentRecord
	)
	err = db.do(ctx, keyOf(key), func(ctx context.Context, r run) error {
		created, stored = false, nil
		var err error
		if in.TransactionID != 0 {
			if stored, err = db.paymentOfTransaction(ctx, r, in.TransactionID, in.Kind); err != nil || stored != nil {
				return err
			}
		}
		found, err := r.one(ctx, db.q.Payments.InsertPayment, args, &in.ID)
		if err != nil || found {
			created = found
			return err
		}
		// Another process stored the transaction's payment since the check.
		if stored, err = db.paymentOfTransaction(ctx, r, in.TransactionID, in.Kind); err == nil && stored == nil {
			err = fmt.Errorf("payment of transaction %d was neither inserted nor found", in.TransactionID)
		}
		return err
	})
	if err != nil {
		return false, db.wrap(op, err)
	}
	if !created {
		in = *stored
	}
	*p = in
	return created, nil
}

// paymentOfTransaction returns the payment of kind of a transaction, or nil.
func (db *DB) paymentOfTransaction(ctx context.Context, r run, tx ladda.TransactionID, kind billing.PaymentKind) (*billing.PaymentRecord, error) {
	rows, err := r.query(ctx, db.q.Payments.PaymentOfTransaction, int64(tx), string(kind))
	if err != nil {
		return nil, err
	}
	list, err := db.scanPayments(rows)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

// UpdatePayment replaces every field of payment p.ID but its ID, Kind, UserID, TransactionID
// and CreatedAt, which it sets in p as stored, if its version is still p.Version, and advances
// p.Version; see billing.Payments. Errors: NotFound; Conflict when the version is another;
// Invalid for text no engine keeps.
func (db *DB) UpdatePayment(ctx context.Context, p *billing.PaymentRecord) error {
	const op = "UpdatePayment"
	if err := db.storablePayment(op, p); err != nil {
		return err
	}
	in := *p
	in.UpdatedAt = norm(in.UpdatedAt)
	if !in.NextAttempt.IsZero() {
		in.NextAttempt = norm(in.NextAttempt)
	}
	ref := db.refIndex(in.Ref)
	stale := func() error {
		return Refuse(ladda.Errorf(ladda.Conflict, db.d.Name+"."+op, "payment %d changed since version %d: read it again and retry", in.ID, p.Version))
	}
	err := db.do(ctx, keyOf("payment:"+strconv.FormatInt(in.ID, 10)), func(ctx context.Context, r run) error {
		var (
			version, user int64
			kind          string
			tx            sql.NullInt64
			cre           nullTime
		)
		found, err := r.one(ctx, db.q.Payments.PaymentHead, []any{in.ID}, &version, &kind, &user, &tx, &cre)
		if err != nil {
			return err
		}
		if !found {
			return db.notFound(op, "payment %d not found", in.ID)
		}
		if version != p.Version {
			return stale()
		}
		in.Kind, in.UserID, in.TransactionID, in.CreatedAt, in.Version = billing.PaymentKind(kind), user, ladda.TransactionID(tx.Int64), cre.T, version+1
		body, err := json.Marshal(in)
		if err != nil {
			return err
		}
		n, err := r.exec(ctx, db.q.Payments.UpdatePayment, in.ID, version, string(in.State), db.optTime(in.NextAttempt), ref,
			db.d.time(in.UpdatedAt), db.seal.Seal(body, aadPayment))
		if err == nil && n == 0 {
			return stale() // another process updated it since the read; nothing changed
		}
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	*p = in
	return nil
}

// Payment returns one payment. Errors: NotFound.
func (db *DB) Payment(ctx context.Context, id int64) (*billing.PaymentRecord, error) {
	return byID(ctx, db, "Payment", db.q.Payments.Payment, id, db.scanPayments, "payment")
}

// PaymentOfTransaction returns the payment of a session of that kind. Errors: NotFound.
func (db *DB) PaymentOfTransaction(ctx context.Context, tx ladda.TransactionID, kind billing.PaymentKind) (*billing.PaymentRecord, error) {
	const op = "PaymentOfTransaction"
	var p *billing.PaymentRecord
	var err error
	if storableText(string(kind)) {
		p, err = db.paymentOfTransaction(ctx, db.reader(), tx, kind)
	}
	if err != nil {
		return nil, db.wrap(op, err)
	}
	if p == nil {
		return nil, ladda.Errorf(ladda.NotFound, db.d.Name+"."+op, "transaction %d has no %s payment", tx, kind)
	}
	return p, nil
}

// PaymentByRef finds a payment by the gateway's reference, by its blind index under every key
// of the keyring, so that a payment indexed before a key rotation is found. Errors: NotFound.
func (db *DB) PaymentByRef(ctx context.Context, ref string) (*billing.PaymentRecord, error) {
	const op = "PaymentByRef"
	if ref != "" {
		r := db.reader()
		for _, ix := range db.seal.Indexes(refPurpose, ref) {
			rows, err := r.query(ctx, db.q.Payments.PaymentByRef, ix)
			if err != nil {
				return nil, db.wrap(op, err)
			}
			list, err := db.scanPayments(rows)
			if err != nil {
				return nil, db.wrap(op, err)
			}
			if len(list) > 0 && list[0].Ref == ref {
				return list[0], nil
			}
		}
	}
	return nil, ladda.Errorf(ladda.NotFound, db.d.Name+"."+op, "no payment has the reference %q", ref)
}

// Payments lists the payments f selects, newest first. A non-positive limit does not limit;
// states no engine can keep match nothing.
func (db *DB) Payments(ctx context.Context, f billing.PaymentFilter) ([]*billing.PaymentRecord, error) {
	const op = "Payments"
	var states any
	if len(f.States) > 0 {
		keep := make([]string, 0, len(f.States))
		for _, s := range f.States {
			if storableText(string(s)) {
				keep = append(keep, string(s))
			}
		}
		if len(keep) == 0 {
			return nil, nil
		}
		b, err := json.Marshal(keep)
		if err != nil {
			return nil, db.wrap(op, err)
		}
		states = string(b)
	}
	before := f.Before
	if before <= 0 {
		before = math.MaxInt64
	}
	var lim any
	if f.Limit > 0 {
		lim = f.Limit
	}
	rows, err := db.reader().query(ctx, db.q.Payments.Payments, nullID(f.UserID), states, db.optTime(f.DueBefore), before, lim, nullID(f.OrgID))
	if err != nil {
		return nil, db.wrap(op, err)
	}
	list, err := db.scanPayments(rows)
	return list, db.wrap(op, err)
}

// scanPayments reads rows of payment columns and closes rows. The columns are authoritative
// for what they hold; the sealed body for the rest.
func (db *DB) scanPayments(rows *sql.Rows) ([]*billing.PaymentRecord, error) {
	defer rows.Close()
	var list []*billing.PaymentRecord
	for rows.Next() {
		var (
			id, user, version int64
			kind, state       string
			tx                sql.NullInt64
			next, cre, upd    nullTime
			sealed            []byte
		)
		if err := rows.Scan(&id, &kind, &user, &tx, &state, &next, &version, &cre, &upd, &sealed); err != nil {
			return nil, err
		}
		body, err := db.seal.Open(sealed, aadPayment)
		if err != nil {
			return nil, fmt.Errorf("opening payment %d: %w", id, err)
		}
		var p billing.PaymentRecord
		if err := json.Unmarshal(body, &p); err != nil {
			return nil, err
		}
		p.ID, p.Kind, p.UserID, p.TransactionID, p.State, p.Version = id, billing.PaymentKind(kind), user, ladda.TransactionID(tx.Int64), billing.PaymentState(state), version
		p.NextAttempt, p.CreatedAt, p.UpdatedAt = next.T, cre.T, upd.T
		list = append(list, &p)
	}
	return list, rows.Err()
}

// SeenGatewayEvent records a gateway event's id and reports whether it is new. Errors: Invalid
// for an empty id or one no engine keeps.
func (db *DB) SeenGatewayEvent(ctx context.Context, id string, at time.Time) (bool, error) {
	const op = "SeenGatewayEvent"
	if id == "" || !storableText(id) {
		return false, ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "a gateway event needs an id of storable text")
	}
	var fresh bool
	err := db.do(ctx, keyOf("gateway-event:"+id), func(ctx context.Context, r run) error {
		n, err := r.exec(ctx, db.q.Payments.InsertGatewayEvent, id, db.d.time(at))
		fresh = n == 1
		return err
	})
	return fresh, db.wrap(op, err)
}

// entryBody is what the body column of a ledger entry keeps: the entry without its ID.
type entryBody struct {
	Kind     string            `json:"kind"`
	Ref      string            `json:"ref"`
	Currency string            `json:"currency"`
	Postings []billing.Posting `json:"postings"`
	At       time.Time         `json:"at"`
	Memo     string            `json:"memo,omitempty"`
}

// AppendEntry stores a checked ledger entry and its postings in one write and sets e.ID,
// unless an entry of the same Kind and Ref exists: then e is overwritten with it and created
// is false; see billing.Payments. Errors: Invalid for an entry that breaks a rule of
// billing.Entry (Check), text no engine keeps, or more minor units than an int64 holds.
func (db *DB) AppendEntry(ctx context.Context, e *billing.Entry) (bool, error) {
	const op = "AppendEntry"
	if err := e.Check(); err != nil {
		return false, ladda.Wrap(db.d.Name+"."+op, err)
	}
	if err := db.storable(op, e.Kind, e.Ref, e.Memo); err != nil {
		return false, err
	}
	in := *e
	in.ID, in.At, in.Postings = 0, norm(in.At), slices.Clone(in.Postings)
	minor := make([]int64, len(in.Postings))
	for i, p := range in.Postings {
		n, err := billing.MinorUnits(p.Amount, in.Currency)
		if err != nil {
			return false, ladda.Wrap(db.d.Name+"."+op, err)
		}
		minor[i] = n
	}
	body, err := json.Marshal(entryBody{in.Kind, in.Ref, in.Currency, in.Postings, in.At, in.Memo})
	if err != nil {
		return false, ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "entry cannot be stored: %v", err)
	}
	q := &db.q.Payments
	var (
		created bool
		id      int64
		stored  []byte
	)
	err = db.do(ctx, keyOf("ledger:"+in.Kind+"\x00"+in.Ref), func(ctx context.Context, r run) error {
		created, id, stored = false, 0, nil
		found, err := r.one(ctx, q.EntryByRef, []any{in.Kind, in.Ref}, &id, &stored)
		if err != nil || found {
			return err
		}
		if found, err = r.one(ctx, q.InsertEntry, []any{in.Kind, in.Ref, in.Currency, db.d.time(in.At), string(body)}, &id); err != nil {
			return err
		}
		if !found { // another process appended it since the check
			if found, err = r.one(ctx, q.EntryByRef, []any{in.Kind, in.Ref}, &id, &stored); err == nil && !found {
				err = fmt.Errorf("entry %s %s was neither inserted nor found", in.Kind, in.Ref)
			}
			return err
		}
		for i, p := range in.Postings {
			if _, err := r.exec(ctx, q.InsertPosting, id, string(p.Account), in.Currency, minor[i]); err != nil {
				return err
			}
		}
		created = true
		return nil
	})
	if err != nil {
		return false, db.wrap(op, err)
	}
	if !created {
		out, err := decodeEntry(id, stored)
		if err != nil {
			return false, db.wrap(op, err)
		}
		in = *out
	}
	in.ID = id
	*e = in
	return created, nil
}

func decodeEntry(id int64, body []byte) (*billing.Entry, error) {
	var b entryBody
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, fmt.Errorf("ledger entry %d: %w", id, err)
	}
	return &billing.Entry{ID: id, Kind: b.Kind, Ref: b.Ref, Currency: b.Currency, Postings: b.Postings, At: norm(b.At), Memo: b.Memo}, nil
}

// Balance sums the postings of an account in a currency (debits positive), exactly: the
// database adds whole minor units.
func (db *DB) Balance(ctx context.Context, a billing.Account, currency string) (billing.Amount, error) {
	const op = "Balance"
	if !storableText(string(a)) || !storableText(currency) {
		return billing.Amount{}, nil
	}
	var sum int64
	if _, err := db.reader().one(ctx, db.q.Payments.Balance, []any{string(a), currency}, &sum); err != nil {
		return billing.Amount{}, db.wrap(op, err)
	}
	return billing.FromMinorUnits(sum, currency), nil
}

// Entries lists the entries with a posting to a, newest first, with IDs below before (when
// positive); a non-positive limit does not limit.
func (db *DB) Entries(ctx context.Context, a billing.Account, before int64, limit int) ([]*billing.Entry, error) {
	const op = "Entries"
	if !storableText(string(a)) {
		return nil, nil
	}
	if before <= 0 {
		before = math.MaxInt64
	}
	var lim any
	if limit > 0 {
		lim = limit
	}
	rows, err := db.reader().query(ctx, db.q.Payments.Entries, string(a), before, lim)
	if err != nil {
		return nil, db.wrap(op, err)
	}
	defer rows.Close()
	var list []*billing.Entry
	for rows.Next() {
		var (
			id   int64
			body []byte
		)
		if err := rows.Scan(&id, &body); err != nil {
			return nil, db.wrap(op, err)
		}
		e, err := decodeEntry(id, body)
		if err != nil {
			return nil, db.wrap(op, err)
		}
		list = append(list, e)
	}
	return list, db.wrap(op, rows.Err())
}

// planBody is what the body column of a plan keeps: all but the columns of its own.
type planBody struct {
	MonthlyFee      billing.Amount   `json:"monthlyFee"`
	IncludedKWh     billing.Quantity `json:"includedKWh"`
	DiscountPercent billing.Quantity `json:"discountPercent"`
	CustomerGroup   string           `json:"customerGroup,omitempty"`
}

func (db *DB) planArgs(op string, p *billing.Plan) (string, error) {
	if err := p.Check(); err != nil {
		return "", ladda.Wrap(db.d.Name+"."+op, err)
	}
	if err := db.storable(op, p.Name, p.CustomerGroup); err != nil {
		return "", err
	}
	b, err := json.Marshal(planBody{p.MonthlyFee, p.IncludedKWh, p.DiscountPercent, p.CustomerGroup})
	if err != nil {
		return "", ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "plan cannot be stored: %v", err)
	}
	return string(b), nil
}

// CreatePlan stores p and sets p.ID. A plan keeps no times of its own: the store records when
// it was created and updated by its own clock. Errors: Invalid for a plan that breaks a rule
// of billing.Plan (Check) or text no engine keeps; NotFound for an unknown organisation.
func (db *DB) CreatePlan(ctx context.Context, p *billing.Plan) error {
	const op = "CreatePlan"
	body, err := db.planArgs(op, p)
	if err != nil {
		return err
	}
	now := db.d.time(time.Now())
	var id int64
	err = db.do(ctx, keyOf("plan"), func(ctx context.Context, r run) error {
		if err := db.mustOrg(ctx, r, op, p.OrgID); err != nil {
			return err
		}
		_, err := r.one(ctx, db.q.Payments.InsertPlan, []any{nullID(p.OrgID), p.Name, p.Currency, body, now, now}, &id)
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	p.ID = id
	return nil
}

// Plan returns one plan. Errors: NotFound.
func (db *DB) Plan(ctx context.Context, id int64) (*billing.Plan, error) {
	return byID(ctx, db, "Plan", db.q.Payments.Plan, id, scanPlans, "plan")
}

// Plans lists the plans of an organisation (0: all) by ID.
func (db *DB) Plans(ctx context.Context, orgID int64) ([]*billing.Plan, error) {
	rows, err := db.reader().query(ctx, db.q.Payments.Plans, nullID(orgID))
	if err != nil {
		return nil, db.wrap("Plans", err)
	}
	list, err := scanPlans(rows)
	return list, db.wrap("Plans", err)
}

// UpdatePlan replaces the plan's name, currency, fee, included energy, discount and customer
// group. Its organisation stays, as do its subscriptions, which are of that organisation:
// p.OrgID is set to it. Errors: NotFound; Invalid as for CreatePlan.
func (db *DB) UpdatePlan(ctx context.Context, p *billing.Plan) error {
	const op = "UpdatePlan"
	body, err := db.planArgs(op, p)
	if err != nil {
		return err
	}
	now := db.d.time(time.Now())
	var org sql.NullInt64
	err = db.do(ctx, keyOf("plan"), func(ctx context.Context, r run) error {
		found, err := r.one(ctx, db.q.Payments.UpdatePlan, []any{p.ID, p.Name, p.Currency, body, now}, &org)
		if err == nil && !found {
			return db.notFound(op, "plan %d not found", p.ID)
		}
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	p.OrgID = org.Int64
	return nil
}

// scanPlans reads rows of plan columns and closes rows.
func scanPlans(rows *sql.Rows) ([]*billing.Plan, error) {
	defer rows.Close()
	var list []*billing.Plan
	for rows.Next() {
		var (
			p    billing.Plan
			org  sql.NullInt64
			body []byte
		)
		if err := rows.Scan(&p.ID, &org, &p.Name, &p.Currency, &body); err != nil {
			return nil, err
		}
		var b planBody
		if err := json.Unmarshal(body, &b); err != nil {
			return nil, err
		}
		p.OrgID, p.MonthlyFee, p.IncludedKWh, p.DiscountPercent, p.CustomerGroup = org.Int64, b.MonthlyFee, b.IncludedKWh, b.DiscountPercent, b.CustomerGroup
		list = append(list, &p)
	}
	return list, rows.Err()
}

// CreateSubscription stores s and sets s.ID, and s.OrgID to the organisation of its plan (0:
// the installation); see billing.Payments. Every rule is checked before anything changes.
// Errors: NotFound for an unknown plan; Conflict when s has no end and the user has a
// subscription of the plan's organisation that has not ended; Invalid when s ends before it
// starts.
func (db *DB) CreateSubscription(ctx context.Context, s *billing.Subscription) error {
	const op = "CreateSubscription"
	if s.End != nil && !s.End.After(s.Start) {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "a subscription ends after it starts")
	}
	in := *s
	in.Start, in.End = norm(in.Start), normPtr(in.End)
	now := db.d.time(time.Now())
	q := &db.q.Payments
	err := db.do(ctx, keyOf("subscription:user:"+strconv.FormatInt(in.UserID, 10)), func(ctx context.Context, r run) error {
		rows, err := r.query(ctx, q.Plan, in.PlanID)
		if err != nil {
			return err
		}
		plans, err := scanPlans(rows)
		if err != nil {
			return err
		}
		if len(plans) == 0 {
			return db.notFound(op, "plan %d not found", in.PlanID)
		}
		in.OrgID = plans[0].OrgID
		conflict := Refuse(ladda.Errorf(ladda.Conflict, db.d.Name+"."+op, "user %d has a subscription of organisation %d that has not ended", in.UserID, in.OrgID))
		if in.End == nil {
			var other int64
			found, err := r.one(ctx, q.RunningSubscription, []any{in.UserID, in.OrgID}, &other)
			if err != nil {
				return err
			}
			if found {
				return conflict
			}
		}
		found, err := r.one(ctx, q.InsertSubscription, []any{in.PlanID, in.UserID, in.OrgID, db.d.time(in.Start), db.d.nullTime(in.End), now}, &in.ID)
		if err == nil && !found {
			return conflict // another process subscribed the user since the check; nothing changed
		}
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	*s = in
	return nil
}

// Subscription returns one subscription. Errors: NotFound.
func (db *DB) Subscription(ctx context.Context, id int64) (*billing.Subscription, error) {
	return byID(ctx, db, "Subscription", db.q.Payments.Subscription, id, scanSubscriptions, "subscription")
}

// Subscriptions lists subscriptions by ID: of a user (userID > 0), of a plan (planID > 0), of
// both when both are given, all when neither is.
func (db *DB) Subscriptions(ctx context.Context, userID, planID int64) ([]*billing.Subscription, error) {
	rows, err := db.reader().query(ctx, db.q.Payments.Subscriptions, nullID(max(userID, 0)), nullID(max(planID, 0)))
	if err != nil {
		return nil, db.wrap("Subscriptions", err)
	}
	list, err := scanSubscriptions(rows)
	return list, db.wrap("Subscriptions", err)
}

// EndSubscription sets the end of a subscription that has none. Errors: NotFound; Conflict
// when it has ended already; Invalid when at is not after its start.
func (db *DB) EndSubscription(ctx context.Context, id int64, at time.Time) error {
	const op = "EndSubscription"
	at = norm(at)
	q := &db.q.Payments
	ended := func() error {
		return Refuse(ladda.Errorf(ladda.Conflict, db.d.Name+"."+op, "subscription %d has ended already", id))
	}
	err := db.do(ctx, keyOf("subscription:"+strconv.FormatInt(id, 10)), func(ctx context.Context, r run) error {
		rows, err := r.query(ctx, q.Subscription, id)
		if err != nil {
			return err
		}
		list, err := scanSubscriptions(rows)
		switch {
		case err != nil:
			return err
		case len(list) == 0:
			return db.notFound(op, "subscription %d not found", id)
		case list[0].End != nil:
			return ended()
		case !at.After(list[0].Start):
			return Refuse(ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "subscription %d starts at %s: it cannot end at %s", id,
				list[0].Start.Format(time.RFC3339), at.Format(time.RFC3339)))
		}
		n, err := r.exec(ctx, q.EndSubscription, id, db.d.time(at))
		if err == nil && n == 0 {
			return ended() // another process ended it since the read; nothing changed
		}
		return err
	})
	return db.wrap(op, err)
}

// scanSubscriptions reads rows of subscription columns and closes rows.
func scanSubscriptions(rows *sql.Rows) ([]*billing.Subscription, error) {
	defer rows.Close()
	var list []*billing.Subscription
	for rows.Next() {
		var (
			s                  billing.Subscription
			start, end, billed nullTime
		)
		if err := rows.Scan(&s.ID, &s.PlanID, &s.UserID, &s.OrgID, &start, &end, &billed); err != nil {
			return nil, err
		}
		s.Start, s.End, s.BilledUntil = start.T, end.ptr(), billed.ptr()
		list = append(list, &s)
	}
	return list, rows.Err()
}

// PutSchedule stores a price schedule under its name, replacing one of that name. Its points
// are kept in UTC. Errors: Invalid for a schedule that breaks a rule of billing.PriceSchedule
// (Check) or a name no engine keeps.
func (db *DB) PutSchedule(ctx context.Context, s *billing.PriceSchedule, at time.Time) error {
	const op = "PutSchedule"
	if err := s.Check(); err != nil {
		return ladda.Wrap(db.d.Name+"."+op, err)
	}
	if err := db.storable(op, s.Name); err != nil {
		return err
	}
	in := *s
	in.Points = slices.Clone(in.Points)
	for i := range in.Points {
		in.Points[i].Start = in.Points[i].Start.UTC()
	}
	body, err := json.Marshal(in)
	if err != nil {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "schedule cannot be stored: %v", err)
	}
	err = db.do(ctx, keyOf("schedule:"+in.Name), func(ctx context.Context, r run) error {
		_, err := r.exec(ctx, db.q.Payments.PutSchedule, in.Name, in.Currency, int64(in.Step/time.Second), string(body), db.d.time(at))
		return err
	})
	return db.wrap(op, err)
}

// Schedule returns the price schedule of that name. Errors: NotFound.
func (db *DB) Schedule(ctx context.Context, name string) (*billing.PriceSchedule, error) {
	const op = "Schedule"
	var body []byte
	if storableText(name) {
		found, err := db.reader().one(ctx, db.q.Payments.Schedule, []any{name}, &body)
		if err != nil {
			return nil, db.wrap(op, err)
		}
		if found {
			var s billing.PriceSchedule
			return &s, db.wrap(op, json.Unmarshal(body, &s))
		}
	}
	return nil, ladda.Errorf(ladda.NotFound, db.d.Name+"."+op, "price schedule %q not found", name)
}

// Schedules lists the price schedules by name, without their points.
func (db *DB) Schedules(ctx context.Context) ([]*billing.PriceSchedule, error) {
	const op = "Schedules"
	rows, err := db.reader().query(ctx, db.q.Payments.Schedules)
	if err != nil {
		return nil, db.wrap(op, err)
	}
	defer rows.Close()
	var list []*billing.PriceSchedule
	for rows.Next() {
		var (
			s    billing.PriceSchedule
			step int64
		)
		if err := rows.Scan(&s.Name, &s.Currency, &step); err != nil {
			return nil, db.wrap(op, err)
		}
		s.Step = time.Duration(step) * time.Second
		list = append(list, &s)
	}
	return list, db.wrap(op, rows.Err())
}

// DeleteSchedule removes a price schedule. Errors: NotFound.
func (db *DB) DeleteSchedule(ctx context.Context, name string) error {
	const op = "DeleteSchedule"
	if !storableText(name) {
		return ladda.Errorf(ladda.NotFound, db.d.Name+"."+op, "price schedule %q not found", name)
	}
	err := db.do(ctx, keyOf("schedule:"+name), func(ctx context.Context, r run) error {
		n, err := r.exec(ctx, db.q.Payments.DeleteSchedule, name)
		if err == nil && n == 0 {
			return db.notFound(op, "price schedule %q not found", name)
		}
		return err
	})
	return db.wrap(op, err)
}

// resealPayments rewrites the sealed bodies of payments, with the index of their reference,
// and of payment accounts under the primary key, each row a compare-and-set of its own, and
// returns how many it rewrote.
func (db *DB) resealPayments(ctx context.Context) (int, error) {
	q := &db.q.Payments
	n, err := eachSealed(ctx, db, q.AllPayments, int64(0), func(id int64, body []byte) error {
		plain, err := db.seal.Open(body, aadPayment)
		if err != nil {
			return fmt.Errorf("opening payment %d: %w", id, err)
		}
		var p billing.PaymentRecord
		if err := json.Unmarshal(plain, &p); err != nil {
			return fmt.Errorf("payment %d: %w", id, err)
		}
		fresh, ref := db.seal.Seal(plain, aadPayment), db.refIndex(p.Ref)
		return db.do(ctx, keyOf("payment:"+strconv.FormatInt(id, 10)), func(ctx context.Context, w run) error {
			_, err := w.exec(ctx, q.ResealPayment, id, body, fresh, ref)
			return err
		})
	})
	if err != nil {
		return n, err
	}
	m, err := eachSealed(ctx, db, q.AllAccounts, int64(0), func(user int64, body []byte) error {
		return db.reseal(ctx, keyOf("payment-account:"+strconv.FormatInt(user, 10)), q.ResealAccount, user, body, aadPaymentAccount)
	})
	return n + m, err
}
