package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
)

// ---- API keys ----

// CreateAPIKey stores k and sets k.ID. Scopes are stored as a comma list. Errors: Conflict
// for a hash already stored; NotFound for an unknown organisation; Invalid for a scope that
// is empty or holds a comma.
func (db *DB) CreateAPIKey(ctx context.Context, k *account.APIKey) error {
	const op = "CreateAPIKey"
	scopes, err := joinList(k.Scopes)
	if err != nil {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "API key %q: %v", k.Name, err)
	}
	var id int64
	err = db.do(ctx, keyOf(k.Name), func(ctx context.Context, r run) error {
		if err := db.mustOrg(ctx, r, op, k.OrgID); err != nil {
			return err
		}
		found, err := r.one(ctx, db.q.Account.CreateKey, []any{k.Name, k.Prefix, k.Hash, nullID(k.OrgID), scopes, k.CreatedBy,
			db.d.time(k.CreatedAt), db.d.nullTime(k.LastUsedAt), db.d.nullTime(k.ExpiresAt), db.d.nullTime(k.RevokedAt)}, &id)
		if err == nil && !found {
			return Refuse(ladda.Errorf(ladda.Conflict, db.d.Name+"."+op, "an API key with this hash exists already"))
		}
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	k.ID = id
	return nil
}

// APIKeyByHash finds a key by the hash of its secret. Errors: NotFound.
func (db *DB) APIKeyByHash(ctx context.Context, hash []byte) (*account.APIKey, error) {
	const op = "APIKeyByHash"
	rows, err := db.reader().query(ctx, db.q.Account.KeyByHash, hash)
	if err != nil {
		return nil, db.wrap(op, err)
	}
	list, err := scanKeys(rows)
	if err == nil && len(list) == 0 {
		err = ladda.Errorf(ladda.NotFound, db.d.Name+"."+op, "API key not found")
	}
	if err != nil {
		return nil, db.wrap(op, err)
	}
	return list[0], nil
}

// APIKey finds a key by ID. Errors: NotFound.
func (db *DB) APIKey(ctx context.Context, id int64) (*account.APIKey, error) {
	return byID(ctx, db, "APIKey", db.q.Account.Key, id, scanKeys, "API key")
}

// APIKeys lists the keys of an organisation, or all keys for orgID 0, oldest first.
func (db *DB) APIKeys(ctx context.Context, orgID int64) ([]*account.APIKey, error) {
	var (
		rows *sql.Rows
		err  error
	)
	if orgID == 0 {
		rows, err = db.reader().query(ctx, db.q.Account.Keys)
	} else {
		rows, err = db.reader().query(ctx, db.q.Account.KeysOfOrg, orgID)
	}
	if err != nil {
		return nil, db.wrap("APIKeys", err)
	}
	list, err := scanKeys(rows)
	return list, db.wrap("APIKeys", err)
}

func scanKeys(rows *sql.Rows) ([]*account.APIKey, error) {
	defer rows.Close()
	var list []*account.APIKey
	for rows.Next() {
		var (
			k                           account.APIKey
			org                         sql.NullInt64
			scopes                      string
			created, used, exp, revoked nullTime
		)
		if err := rows.Scan(&k.ID, &k.Name, &k.Prefix, &k.Hash, &org, &scopes, &k.CreatedBy, &created, &used, &exp, &revoked); err != nil {
			return nil, err
		}
		k.OrgID, k.Scopes = org.Int64, splitList[account.Scope](scopes)
		k.CreatedAt, k.LastUsedAt, k.ExpiresAt, k.RevokedAt = created.T, used.ptr(), exp.ptr(), revoked.ptr()
		list = append(list, &k)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return list, rows.Close()
}

// RevokeAPIKey marks a key revoked at time at; a key revoked before keeps its first time.
// Errors: NotFound.
func (db *DB) RevokeAPIKey(ctx context.Context, id int64, at time.Time) error {
	const op = "RevokeAPIKey"
	err := db.do(ctx, uint64(id), func(ctx context.Context, r run) error {
		n, err := r.exec(ctx, db.q.Account.RevokeKey, id, db.d.time(at))
		if err == nil && n == 0 {
			return db.notFound(op, "API key %d not found", id)
		}
		return err
	})
	return db.wrap(op, err)
}

// RevokeKeysBy revokes the keys a user made that are not revoked yet, and returns how many.
func (db *DB) RevokeKeysBy(ctx context.Context, userID int64, at time.Time) (int64, error) {
	var n int64
	err := db.do(ctx, uint64(userID), func(ctx context.Context, r run) error {
		var err error
		n, err = r.exec(ctx, db.q.Account.RevokeKeysBy, userID, db.d.time(at))
		return err
	})
	return n, db.wrap("RevokeKeysBy", err)
}

// TouchAPIKeys moves LastUsedAt forward for many keys in one statement. Unknown keys are
// skipped.
func (db *DB) TouchAPIKeys(ctx context.Context, used map[int64]time.Time) error {
	if len(used) == 0 {
		return nil
	}
	list, err := touchList(used)
	if err == nil {
		err = db.do(ctx, 0, func(ctx context.Context, r run) error {
			_, err := r.exec(ctx, db.q.Account.TouchKeys, list)
			return err
		})
	}
	return db.wrap("TouchAPIKeys", err)
}

// ---- organisations ----

// CreateOrganisation stores o and sets o.ID. Errors: Invalid without name or kind, or for
// text no engine can keep.
func (db *DB) CreateOrganisation(ctx context.Context, o *account.Organisation) error {
	const op = "CreateOrganisation"
	if o.Name == "" || o.Kind == "" {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "an organisation needs a name and a kind")
	}
	if err := db.storable(op, o.Name, string(o.Kind)); err != nil {
		return err
	}
	var id int64
	err := db.do(ctx, keyOf(o.Name), func(ctx context.Context, r run) error {
		_, err := r.one(ctx, db.q.Account.CreateOrg, []any{o.Name, string(o.Kind), db.d.time(o.CreatedAt)}, &id)
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	o.ID = id
	return nil
}

// Organisation returns one organisation. Errors: NotFound.
func (db *DB) Organisation(ctx context.Context, id int64) (*account.Organisation, error) {
	return byID(ctx, db, "Organisation", db.q.Account.Org, id, scanOrgs, "organisation")
}

// Organisations lists every organisation, oldest (lowest ID) first.
func (db *DB) Organisations(ctx context.Context) ([]*account.Organisation, error) {
	rows, err := db.reader().query(ctx, db.q.Account.Orgs)
	if err != nil {
		return nil, db.wrap("Organisations", err)
	}
	list, err := scanOrgs(rows)
	return list, db.wrap("Organisations", err)
}

// RenameOrganisation changes an organisation's name. Errors: NotFound; Invalid for an empty
// name or text no engine can keep.
func (db *DB) RenameOrganisation(ctx context.Context, id int64, name string) error {
	const op = "RenameOrganisation"
	if name == "" {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "an organisation needs a name")
	}
	if err := db.storable(op, name); err != nil {
		return err
	}
	err := db.do(ctx, uint64(id), func(ctx context.Context, r run) error {
		n, err := r.exec(ctx, db.q.Account.RenameOrg, id, name)
		if err == nil && n == 0 {
			return db.notFound(op, "organisation %d not found", id)
		}
		return err
	})
	return db.wrap(op, err)
}

// DeleteOrganisation deletes an organisation and its webhooks. Errors: NotFound; Conflict,
// naming what still belongs to it, while users, API keys, stations or ID tokens do. The
// check and the delete are one write; in PostgreSQL the foreign keys refuse a delete that
// another process races with an insert, and the retried write then reports the conflict.
func (db *DB) DeleteOrganisation(ctx context.Context, id int64) error {
	const op = "DeleteOrganisation"
	err := db.do(ctx, uint64(id), func(ctx context.Context, r run) error {
		var users, keys, stations, tokens int64
		if _, err := r.one(ctx, db.q.Account.OrgMembers, []any{id}, &users, &keys, &stations, &tokens); err != nil {
			return err
		}
		var left []string
		for _, c := range []struct {
			n         int64
			one, many string
		}{{users, "user", "users"}, {keys, "API key", "API keys"}, {stations, "station", "stations"}, {tokens, "ID token", "ID tokens"}} {
			switch {
			case c.n == 1:
				left = append(left, "1 "+c.one)
			case c.n > 1:
				left = append(left, fmt.Sprint(c.n, " ", c.many))
			}
		}
		if len(left) > 0 {
			return Refuse(ladda.Errorf(ladda.Conflict, db.d.Name+"."+op, "organisation %d still has %s", id, strings.Join(left, ", ")))
		}
		if _, err := r.exec(ctx, db.q.Account.DeleteRevokedKeys, id); err != nil {
			return err
		}
		n, err := r.exec(ctx, db.q.Account.DeleteOrg, id)
		if err == nil && n == 0 {
			return db.notFound(op, "organisation %d not found", id)
		}
		return err
	})
	return db.wrap(op, err)
}

func scanOrgs(rows *sql.Rows) ([]*account.Organisation, error) {
	defer rows.Close()
	var list []*account.Organisation
	for rows.Next() {
		var (
			o       account.Organisation
			kind    string
			created nullTime
		)
		if err := rows.Scan(&o.ID, &o.Name, &kind, &created); err != nil {
			return nil, err
		}
		o.Kind, o.CreatedAt = account.OrgKind(kind), created.T
		list = append(list, &o)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return list, rows.Close()
}

// mustOrg refuses, as NotFound, a write that refers to an organisation that does not exist;
// id 0 (none) passes.
func (db *DB) mustOrg(ctx context.Context, r run, op string, id int64) error {
	return db.mustRow(ctx, r, op, db.q.Account.OrgExists, id, "organisation")
}

// mustUser refuses, as NotFound, a write that refers to a user that does not exist; id 0
// (none) passes.
func (db *DB) mustUser(ctx context.Context, r run, op string, id int64) error {
	return db.mustRow(ctx, r, op, db.q.User.Exists, id, "user")
}

// needUser refuses, as NotFound, a write for a user that does not exist.
func (db *DB) needUser(ctx context.Context, r run, op string, id int64) error {
	if id == 0 {
		return db.notFound(op, "user 0 not found")
	}
	return db.mustUser(ctx, r, op, id)
}

// mustRow refuses, as NotFound naming it what, a write that refers to record id, unless
// exists (id) returns a row for it; id 0 (none) passes.
func (db *DB) mustRow(ctx context.Context, r run, op, exists string, id int64, what string) error {
	if id == 0 {
		return nil
	}
	var one int
	found, err := r.one(ctx, exists, []any{id}, &one)
	if err == nil && !found {
		return db.notFound(op, "%s %d not found", what, id)
	}
	return err
}

// storable refuses text that no engine can keep (invalid UTF-8, a NUL character) as Invalid.
func (db *DB) storable(op string, texts ...string) error {
	for _, s := range texts {
		if !storableText(s) {
			return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "text %q is not storable UTF-8", s)
		}
	}
	return nil
}

// joinList returns the stored comma list of items, none of which may be empty or hold a comma.
func joinList[S ~string](items []S) (string, error) {
	var b strings.Builder
	for i, it := range items {
		if it == "" || strings.ContainsRune(string(it), ',') || !storableText(string(it)) {
			return "", fmt.Errorf("bad list item %q", it)
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(string(it))
	}
	return b.String(), nil
}

// splitList reads a comma list stored by joinList; "" is none.
func splitList[S ~string](s string) []S {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	out := make([]S, len(parts))
	for i, p := range parts {
		out[i] = S(p)
	}
	return out
}
