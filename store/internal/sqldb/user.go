package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
)

// CreateUser stores u and sets u.ID. The email and name are sealed (Options.Sealer); the
// blind index of the email, trimmed and lowercased, is stored under the primary key and keeps
// emails unique. Errors: Invalid without email or role, or for text no engine can keep;
// NotFound for an unknown organisation; Conflict when a user has the email, whichever key
// indexed it.
func (db *DB) CreateUser(ctx context.Context, u *account.User) error {
	const op = "CreateUser"
	if u.Email == "" || u.Role == "" {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "a user needs an email and a role")
	}
	if err := db.storable(op, u.Language, string(u.Role), u.PasswordHash); err != nil {
		return err
	}
	prefs, err := json.Marshal(u.Prefs)
	if err != nil {
		return db.wrap(op, err)
	}
	email := normEmail(u.Email)
	indexes := db.seal.Indexes(emailPurpose, email)
	args := []any{db.seal.Seal([]byte(u.Email), aadEmail), db.seal.Index(emailPurpose, email), db.sealText(u.Name, aadName), u.Language,
		string(u.Role), nullID(u.OrgID), u.PasswordHash, db.d.nullTime(u.EmailVerifiedAt), db.sealText(u.TOTPSecret, aadTOTPSecret),
		db.d.nullTime(u.TOTPEnabledAt), u.TOTPLastStep, string(prefs), db.d.time(u.CreatedAt), db.d.time(u.UpdatedAt)}
	q := &db.q.User
	var id int64
	err = db.do(ctx, keyOf(email), func(ctx context.Context, r run) error {
		id = 0
		if err := db.mustOrg(ctx, r, op, u.OrgID); err != nil {
			return err
		}
		conflict := Refuse(ladda.Errorf(ladda.Conflict, db.d.Name+"."+op, "a user with this email exists already"))
		for _, ix := range indexes {
			var one int
			found, err := r.one(ctx, q.EmailExists, []any{ix}, &one)
			if err != nil {
				return err
			}
			if found {
				return conflict
			}
		}
		found, err := r.one(ctx, q.Create, args, &id)
		if err == nil && !found {
			return conflict
		}
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	u.ID = id
	return nil
}

// User returns one user. Errors: NotFound.
func (db *DB) User(ctx context.Context, id int64) (*account.User, error) {
	return byID(ctx, db, "User", db.q.User.Get, id, db.scanUsers, "user")
}

// UserByEmail finds a user by email, by its blind index under every key of the keyring, so
// that a user indexed before a key rotation is found. Errors: NotFound.
func (db *DB) UserByEmail(ctx context.Context, email string) (*account.User, error) {
	const op = "UserByEmail"
	r := db.reader()
	for _, ix := range db.seal.Indexes(emailPurpose, normEmail(email)) {
		rows, err := r.query(ctx, db.q.User.ByEmailIndex, ix)
		if err != nil {
			return nil, db.wrap(op, err)
		}
		list, err := db.scanUsers(rows)
		if err != nil {
			return nil, db.wrap(op, err)
		}
		if len(list) > 0 {
			return list[0], nil
		}
	}
	return nil, ladda.Errorf(ladda.NotFound, db.d.Name+"."+op, "user not found")
}

// Users lists the users f selects by ID, at most f.Limit (default 100, at most 1000) after
// f.After. Text no engine can keep selects nothing.
func (db *DB) Users(ctx context.Context, f account.UserFilter) ([]*account.User, error) {
	const op = "Users"
	if !storableText(string(f.Role)) {
		return nil, nil
	}
	q := &db.q.User
	text := q.List
	switch {
	case f.OrgID != 0:
		text = q.ListOfOrg
	case f.Role != "":
		text = q.ListOfRole
	}
	rows, err := db.reader().query(ctx, text, nullID(f.OrgID), nullText(string(f.Role)), f.After, pageSize(f.Limit))
	if err != nil {
		return nil, db.wrap(op, err)
	}
	list, err := db.scanUsers(rows)
	return list, db.wrap(op, err)
}

// UpdateUser applies u and returns the user as it is now. A TOTPSecret of "" removes the
// secret; ClearTOTP removes the secret, TOTPEnabledAt and TOTPLastStep, whatever else u sets
// about them. Errors: NotFound for an unknown user or organisation; Invalid for text no engine
// can keep.
func (db *DB) UpdateUser(ctx context.Context, id int64, u account.UserUpdate) (*account.User, error) {
	const op = "UpdateUser"
	for _, p := range []*string{u.Language, u.PasswordHash, (*string)(u.Role)} {
		if p != nil && !storableText(*p) {
			return nil, ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "user %d: text %q is not storable UTF-8", id, *p)
		}
	}
	var name, secret, prefs any
	if u.Name != nil {
		name = db.sealText(*u.Name, aadName)
	}
	if u.TOTPSecret != nil {
		secret = db.sealText(*u.TOTPSecret, aadTOTPSecret)
	}
	if u.Prefs != nil {
		b, err := json.Marshal(u.Prefs)
		if err != nil {
			return nil, db.wrap(op, err)
		}
		prefs = string(b)
	}
	var org int64
	if u.OrgID != nil {
		org = *u.OrgID
	}
	args := []any{id, name, u.Name != nil, nullString(u.Language), nullString(u.Role), u.OrgID != nil, nullID(org), nullString(u.PasswordHash),
		db.d.nullTime(u.EmailVerifiedAt), u.TOTPSecret != nil, secret, db.d.nullTime(u.TOTPEnabledAt), u.ClearTOTP, prefs, db.d.time(u.UpdatedAt)}
	var out *account.User
	err := db.do(ctx, uint64(id), func(ctx context.Context, r run) error {
		out = nil
		if err := db.mustOrg(ctx, r, op, org); err != nil {
			return err
		}
		n, err := r.exec(ctx, db.q.User.Update, args...)
		if err != nil {
			return err
		}
		if n == 0 {
			return db.notFound(op, "user %d not found", id)
		}
		rows, err := r.query(ctx, db.q.User.Get, id)
		if err != nil {
			return err
		}
		list, err := db.scanUsers(rows)
		if err == nil && len(list) == 1 {
			out = list[0]
		}
		return err
	})
	return out, db.wrap(op, err)
}

// DeleteUser removes a user and, in the same write, their sessions, one-time tokens, recovery
// codes, favourites, webhooks with their deliveries, and the emails queued for them; their ID
// tokens lose their owner and become Blocked (updated at at); their payment account and
// billing details go and their subscriptions end at at. Audit events, which hold only IDs, the
// API keys they created, and billing records (CDRs, invoices, payments, the ledger) stay.
// Errors: NotFound.
func (db *DB) DeleteUser(ctx context.Context, id int64, at time.Time) error {
	const op = "DeleteUser"
	q := &db.q.User
	err := db.do(ctx, uint64(id), func(ctx context.Context, r run) error {
		if err := db.needUser(ctx, r, op, id); err != nil {
			return err
		}
		if _, err := r.exec(ctx, q.UnlinkTokens, id, db.d.time(at)); err != nil {
			return err
		}
		// What billing keeps to bill the user again goes; billing records stay.
		b := &db.q.Billing
		for _, stmt := range []struct {
			text string
			args []any
		}{{b.ForgetPaymentAccount, []any{id}}, {b.ForgetDetails, []any{strconv.FormatInt(id, 10)}}, {b.EndSubscriptionsOf, []any{id, db.d.time(at)}}} {
			if _, err := r.exec(ctx, stmt.text, stmt.args...); err != nil {
				return err
			}
		}
		_, err := r.exec(ctx, q.Delete, id)
		return err
	})
	return db.wrap(op, err)
}

// scanUsers reads rows of user columns, opening the sealed ones, and closes rows.
func (db *DB) scanUsers(rows *sql.Rows) ([]*account.User, error) {
	defer rows.Close()
	var list []*account.User
	for rows.Next() {
		var (
			u                              account.User
			email, name, secret, prefs     []byte
			role                           string
			org                            sql.NullInt64
			verified, enabled, created, up nullTime
		)
		if err := rows.Scan(&u.ID, &email, &name, &u.Language, &role, &org, &u.PasswordHash, &verified, &secret, &enabled,
			&u.TOTPLastStep, &prefs, &created, &up); err != nil {
			return nil, err
		}
		var err error
		if u.Email, err = db.openText(email, aadEmail); err != nil {
			return nil, err
		}
		if u.Name, err = db.openText(name, aadName); err != nil {
			return nil, err
		}
		if u.TOTPSecret, err = db.openText(secret, aadTOTPSecret); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(prefs, &u.Prefs); err != nil {
			return nil, err
		}
		u.Role, u.OrgID = account.Role(role), org.Int64
		u.EmailVerifiedAt, u.TOTPEnabledAt, u.CreatedAt, u.UpdatedAt = verified.ptr(), enabled.ptr(), created.T, up.T
		list = append(list, &u)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return list, rows.Close()
}

// pageSize is the size of a page of the account lists: 100 by default, at most 1000.
func pageSize(n int) int {
	switch {
	case n <= 0:
		return 100
	case n > 1000:
		return 1000
	}
	return n
}
