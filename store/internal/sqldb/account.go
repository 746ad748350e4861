package sqldb

import (
	"context"
	"database/sql"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
)

// CreateAPIKey stores k and sets k.ID. Errors: Conflict for a hash already stored.
func (db *DB) CreateAPIKey(ctx context.Context, k *account.APIKey) error {
	const op = "CreateAPIKey"
	var id int64
	err := db.do(ctx, keyOf(k.Name), func(ctx context.Context, r run) error {
		found, err := r.one(ctx, db.q.Account.CreateKey, []any{k.Name, k.Prefix, k.Hash, string(k.Role), db.d.time(k.CreatedAt),
			db.d.nullTime(k.LastUsedAt), db.d.nullTime(k.ExpiresAt), db.d.nullTime(k.RevokedAt)}, &id)
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

// APIKeys lists all keys, oldest first.
func (db *DB) APIKeys(ctx context.Context) ([]*account.APIKey, error) {
	rows, err := db.reader().query(ctx, db.q.Account.Keys)
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
			role                        string
			created, used, exp, revoked nullTime
		)
		if err := rows.Scan(&k.ID, &k.Name, &k.Prefix, &k.Hash, &role, &created, &used, &exp, &revoked); err != nil {
			return nil, err
		}
		k.Role, k.CreatedAt, k.LastUsedAt, k.ExpiresAt, k.RevokedAt = account.Role(role), created.T, used.ptr(), exp.ptr(), revoked.ptr()
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
