package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/billing"
)

// Interface guard.
var _ billing.Store = (*DB)(nil)

// tariffBody is what the body column of a tariff keeps: all but the columns of its own.
type tariffBody struct {
	PricesIncludeTax bool            `json:"pricesIncludeTax"`
	Preauthorize     *billing.Amount `json:"preauthorize,omitempty"`
	Tariff           billing.Tariff  `json:"tariff"`
}

func (db *DB) tariffArgs(op string, t *billing.StoredTariff) (string, error) {
	if !storableText(t.Name) || !storableText(t.Tariff.Currency) {
		return "", ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "tariff text is not storable UTF-8")
	}
	b, err := json.Marshal(tariffBody{t.PricesIncludeTax, t.Preauthorize, t.Tariff})
	if err != nil {
		return "", ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "tariff cannot be stored: %v", err)
	}
	return string(b), nil
}

// CreateTariff stores t and sets t.ID; see billing.Store. Errors: NotFound for an unknown
// organisation; Invalid for a tariff that cannot be written as JSON or text no engine keeps.
func (db *DB) CreateTariff(ctx context.Context, t *billing.StoredTariff) error {
	const op = "CreateTariff"
	body, err := db.tariffArgs(op, t)
	if err != nil {
		return err
	}
	in := *t
	in.CreatedAt, in.UpdatedAt = norm(in.CreatedAt), norm(in.UpdatedAt)
	err = db.do(ctx, keyOf("tariff"), func(ctx context.Context, r run) error {
		if err := db.mustOrg(ctx, r, op, in.OrgID); err != nil {
			return err
		}
		_, err := r.one(ctx, db.q.Billing.InsertTariff, []any{nullID(in.OrgID), in.Name, in.Tariff.Currency, body,
			db.d.time(in.CreatedAt), db.d.time(in.UpdatedAt)}, &in.ID)
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	in.Tariff.ID = strconv.FormatInt(in.ID, 10)
	*t = in
	return nil
}

// Tariff returns one tariff. Errors: NotFound.
func (db *DB) Tariff(ctx context.Context, id int64) (*billing.StoredTariff, error) {
	return byID(ctx, db, "Tariff", db.q.Billing.Tariff, id, scanTariffs, "tariff")
}

// Tariffs lists the tariffs of an organisation (0: all) by ID.
func (db *DB) Tariffs(ctx context.Context, orgID int64) ([]*billing.StoredTariff, error) {
	rows, err := db.reader().query(ctx, db.q.Billing.Tariffs, nullID(orgID))
	if err != nil {
		return nil, db.wrap("Tariffs", err)
	}
	list, err := scanTariffs(rows)
	return list, db.wrap("Tariffs", err)
}

// UpdateTariff replaces the tariff's name, prices and UpdatedAt. Errors: NotFound.
func (db *DB) UpdateTariff(ctx context.Context, t *billing.StoredTariff) error {
	const op = "UpdateTariff"
	body, err := db.tariffArgs(op, t)
	if err != nil {
		return err
	}
	err = db.do(ctx, keyOf("tariff"), func(ctx context.Context, r run) error {
		n, err := r.exec(ctx, db.q.Billing.UpdateTariff, t.ID, t.Name, t.Tariff.Currency, body, db.d.time(t.UpdatedAt))
		if err == nil && n == 0 {
			return db.notFound(op, "tariff %d not found", t.ID)
		}
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	t.UpdatedAt = norm(t.UpdatedAt)
	return nil
}

// DeleteTariff removes a tariff and its assignments. Errors: NotFound.
func (db *DB) DeleteTariff(ctx context.Context, id int64) error {
	const op = "DeleteTariff"
	err := db.do(ctx, keyOf("tariff"), func(ctx context.Context, r run) error {
		n, err := r.exec(ctx, db.q.Billing.DeleteTariff, id)
		if err == nil && n == 0 {
			return db.notFound(op, "tariff %d not found", id)
		}
		return err
	})
	return db.wrap(op, err)
}

func scanTariffs(rows *sql.Rows) ([]*billing.StoredTariff, error) {
	defer rows.Close()
	var list []*billing.StoredTariff
	for rows.Next() {
		var (
			t        billing.StoredTariff
			org      sql.NullInt64
			currency string
			body     []byte
			cre, upd nullTime
		)
		if err := rows.Scan(&t.ID, &org, &t.Name, &currency, &body, &cre, &upd); err != nil {
			return nil, err
		}
		var b tariffBody
		if err := json.Unmarshal(body, &b); err != nil {
			return nil, err
		}
		t.OrgID, t.PricesIncludeTax, t.Preauthorize, t.Tariff, t.CreatedAt, t.UpdatedAt = org.Int64, b.PricesIncludeTax, b.Preauthorize, b.Tariff, cre.T, upd.T
		t.Tariff.ID, t.Tariff.Currency = strconv.FormatInt(t.ID, 10), currency
		list = append(list, &t)
	}
	return list, rows.Err()
}

// Assign stores a and sets a.ID; see billing.Store. Errors: Invalid unless exactly one of
// station and site is given, or for text no engine keeps; NotFound for an unknown tariff,
// station or site; Conflict when the place has a tariff for the group already.
func (db *DB) Assign(ctx context.Context, a *billing.Assignment) error {
	const op = "Assign"
	if (a.StationID == "") == (a.SiteID == 0) {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "an assignment names a station or a site, not both")
	}
	if !storableText(string(a.StationID)) || !storableText(a.CustomerGroup) {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "assignment text is not storable UTF-8")
	}
	in := *a
	in.CreatedAt = norm(in.CreatedAt)
	err := db.do(ctx, keyOf("tariff"), func(ctx context.Context, r run) error {
		if err := db.mustRow(ctx, r, op, db.q.Billing.TariffExists, in.TariffID, "tariff"); err != nil {
			return err
		}
		if in.TariffID == 0 {
			return db.notFound(op, "tariff 0 not found")
		}
		if err := db.mustSite(ctx, r, op, in.SiteID); err != nil {
			return err
		}
		if in.StationID != "" {
			if err := db.mustExist(ctx, r, op, in.StationID); err != nil {
				return err
			}
		}
		found, err := r.one(ctx, db.q.Billing.InsertAssignment, []any{in.TariffID, nullText(string(in.StationID)), nullID(in.SiteID),
			in.CustomerGroup, db.d.time(in.CreatedAt)}, &in.ID)
		if err == nil && !found {
			where := "station " + string(in.StationID)
			if in.SiteID != 0 {
				where = "site " + strconv.FormatInt(in.SiteID, 10)
			}
			group := "everyone"
			if in.CustomerGroup != "" {
				group = "customer group " + strconv.Quote(in.CustomerGroup)
			}
			return Refuse(ladda.Errorf(ladda.Conflict, db.d.Name+"."+op, "%s has a tariff for %s already", where, group))
		}
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	*a = in
	return nil
}

// Assignments lists the assignments of a tariff (tariffID > 0) or those that apply at a
// station, directly or through its site.
func (db *DB) Assignments(ctx context.Context, tariffID int64, st ladda.StationID) ([]*billing.Assignment, error) {
	const op = "Assignments"
	q, arg := db.q.Billing.Assignments, any(tariffID)
	if tariffID <= 0 {
		if !storableText(string(st)) {
			return nil, nil
		}
		q, arg = db.q.Billing.AssignmentsAt, string(st)
	}
	rows, err := db.reader().query(ctx, q, arg)
	if err != nil {
		return nil, db.wrap(op, err)
	}
	defer rows.Close()
	var list []*billing.Assignment
	for rows.Next() {
		var (
			a       billing.Assignment
			station sql.NullString
			site    sql.NullInt64
			cre     nullTime
		)
		if err := rows.Scan(&a.ID, &a.TariffID, &station, &site, &a.CustomerGroup, &cre); err != nil {
			return nil, db.wrap(op, err)
		}
		a.StationID, a.SiteID, a.CreatedAt = ladda.StationID(station.String), site.Int64, cre.T
		list = append(list, &a)
	}
	return list, db.wrap(op, rows.Err())
}

// Unassign removes an assignment. Errors: NotFound.
func (db *DB) Unassign(ctx context.Context, id int64) error {
	const op = "Unassign"
	err := db.do(ctx, keyOf("tariff"), func(ctx context.Context, r run) error {
		n, err := r.exec(ctx, db.q.Billing.DeleteAssignment, id)
		if err == nil && n == 0 {
			return db.notFound(op, "assignment %d not found", id)
		}
		return err
	})
	return db.wrap(op, err)
}

// FreezePrice stores p unless its transaction has a price; see billing.Store. Errors:
// NotFound for an unknown transaction.
func (db *DB) FreezePrice(ctx context.Context, p *billing.FrozenPrice) (bool, error) {
	const op = "FreezePrice"
	body, err := json.Marshal(p)
	if err != nil {
		return false, ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "price cannot be stored: %v", err)
	}
	var (
		created bool
		stored  []byte
	)
	err = db.do(ctx, keyOf(strconv.FormatInt(int64(p.TransactionID), 10)), func(ctx context.Context, r run) error {
		var one int
		found, err := r.one(ctx, db.q.Billing.TransactionExists, []any{int64(p.TransactionID)}, &one)
		if err != nil {
			return err
		}
		if !found {
			return db.notFound(op, "transaction %d not found", p.TransactionID)
		}
		n, err := r.exec(ctx, db.q.Billing.InsertPrice, int64(p.TransactionID), p.TariffID, string(body), db.d.time(p.FrozenAt))
		if err != nil {
			return err
		}
		created = n > 0
		if !created {
			_, err = r.one(ctx, db.q.Billing.Price, []any{int64(p.TransactionID)}, &stored)
		}
		return err
	})
	if err != nil {
		return false, db.wrap(op, err)
	}
	if !created {
		var out billing.FrozenPrice
		if err := json.Unmarshal(stored, &out); err != nil {
			return false, db.wrap(op, err)
		}
		*p = out
	}
	return created, nil
}

// FrozenPrice returns the price of a transaction. Errors: NotFound when it has none.
func (db *DB) FrozenPrice(ctx context.Context, tx ladda.TransactionID) (*billing.FrozenPrice, error) {
	const op = "FrozenPrice"
	var body []byte
	found, err := db.reader().one(ctx, db.q.Billing.Price, []any{int64(tx)}, &body)
	if err != nil {
		return nil, db.wrap(op, err)
	}
	if !found {
		return nil, ladda.Errorf(ladda.NotFound, db.d.Name+"."+op, "transaction %d has no price", tx)
	}
	var p billing.FrozenPrice
	return &p, db.wrap(op, json.Unmarshal(body, &p))
}

// IssueCDR stores c unless its transaction has a CDR; see billing.Store.
func (db *DB) IssueCDR(ctx context.Context, c *billing.CDR) (bool, error) {
	const op = "IssueCDR"
	in := *c
	in.IssuedAt = norm(in.IssuedAt)
	body, err := json.Marshal(in)
	if err != nil {
		return false, ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "CDR cannot be stored: %v", err)
	}
	if !storableText(string(in.StationID)) || !storableText(in.IDToken) || !storableText(in.Currency) {
		return false, ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "CDR text is not storable UTF-8")
	}
	var (
		created bool
		id      int64
		stored  []byte
	)
	err = db.do(ctx, keyOf(strconv.FormatInt(int64(in.TransactionID), 10)), func(ctx context.Context, r run) error {
		found, err := r.one(ctx, db.q.Billing.InsertCDR, []any{int64(in.TransactionID), string(in.StationID), in.OrgID, in.Place.SiteID, in.TariffID,
			in.IDToken, in.UserID, in.TokenOrgID, in.Currency, in.Total.String(), db.d.time(in.IssuedAt), string(body)}, &id)
		if err != nil {
			return err
		}
		created = found
		if !found {
			_, err = r.one(ctx, db.q.Billing.CDROfTransaction, []any{int64(in.TransactionID)}, &id, &stored)
		}
		return err
	})
	if err != nil {
		return false, db.wrap(op, err)
	}
	if !created {
		var out billing.CDR
		if err := json.Unmarshal(stored, &out); err != nil {
			return false, db.wrap(op, err)
		}
		in = out
	}
	in.ID = id
	*c = in
	return created, nil
}

// CDR returns one CDR. Errors: NotFound.
func (db *DB) CDR(ctx context.Context, id int64) (*billing.CDR, error) {
	return byID(ctx, db, "CDR", db.q.Billing.CDR, id, scanCDRs, "CDR")
}

// CDRs lists the CDRs f selects, newest first.
func (db *DB) CDRs(ctx context.Context, f billing.CDRFilter) ([]*billing.CDR, error) {
	const op = "CDRs"
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
	rows, err := db.reader().query(ctx, db.q.Billing.CDRs, nullID(f.OrgID), nullID(f.UserID), nullID(f.TokenOrgID), nullText(string(f.StationID)), before, lim)
	if err != nil {
		return nil, db.wrap(op, err)
	}
	list, err := scanCDRs(rows)
	return list, db.wrap(op, err)
}

// Unbilled lists stopped transactions with a price and no CDR, oldest first.
func (db *DB) Unbilled(ctx context.Context, limit int) ([]ladda.TransactionID, error) {
	const op = "Unbilled"
	rows, err := db.reader().query(ctx, db.q.Billing.Unbilled, max(limit, 1))
	if err != nil {
		return nil, db.wrap(op, err)
	}
	defer rows.Close()
	var out []ladda.TransactionID
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, db.wrap(op, err)
		}
		out = append(out, ladda.TransactionID(id))
	}
	return out, db.wrap(op, rows.Err())
}

func scanCDRs(rows *sql.Rows) ([]*billing.CDR, error) {
	defer rows.Close()
	var list []*billing.CDR
	for rows.Next() {
		var (
			c    billing.CDR
			id   int64
			body []byte
		)
		if err := rows.Scan(&id, &body); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(body, &c); err != nil {
			return nil, err
		}
		c.ID = id
		list = append(list, &c)
	}
	return list, rows.Err()
}

// TaxRates returns the operator's tax rates; none when unset.
func (db *DB) TaxRates(ctx context.Context) ([]billing.TaxRate, error) {
	var body []byte
	found, err := db.reader().one(ctx, db.q.Billing.TaxRates, nil, &body)
	if err != nil || !found {
		return nil, db.wrap("TaxRates", err)
	}
	var rates []billing.TaxRate
	return rates, db.wrap("TaxRates", json.Unmarshal(body, &rates))
}

// PutTaxRates replaces the operator's tax rates.
func (db *DB) PutTaxRates(ctx context.Context, rates []billing.TaxRate, at time.Time) error {
	body, err := json.Marshal(rates)
	if err != nil {
		return ladda.Errorf(ladda.Invalid, db.d.Name+".PutTaxRates", "tax rates cannot be stored: %v", err)
	}
	err = db.do(ctx, keyOf("tax-rates"), func(ctx context.Context, r run) error {
		_, err := r.exec(ctx, db.q.Billing.PutTaxRates, string(body), db.d.time(at))
		return err
	})
	return db.wrap("PutTaxRates", err)
}
