package sqldb

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
)

// ---- sessions ----

// CreateSession stores s and sets s.ID. Errors: NotFound for an unknown user, Conflict for a
// hash already stored.
func (db *DB) CreateSession(ctx context.Context, s *account.Session) error {
	const op = "CreateSession"
	if err := db.storable(op, string(s.Kind), s.IP, s.UserAgent); err != nil {
		return err
	}
	var id int64
	err := db.do(ctx, uint64(s.UserID), func(ctx context.Context, r run) error {
		id = 0
		if err := db.needUser(ctx, r, op, s.UserID); err != nil {
			return err
		}
		found, err := r.one(ctx, db.q.User.CreateSession, []any{s.UserID, s.Hash, string(s.Kind), s.Pending, s.IP, s.UserAgent,
			db.d.time(s.CreatedAt), db.d.time(s.LastSeenAt), db.d.time(s.ExpiresAt), db.d.nullTime(s.RevokedAt)}, &id)
		if err == nil && !found {
			return Refuse(ladda.Errorf(ladda.Conflict, db.d.Name+"."+op, "a session with this hash exists already"))
		}
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	s.ID = id
	return nil
}

// SessionByHash finds a session by the hash of its secret, revoked and expired ones included.
// Errors: NotFound.
func (db *DB) SessionByHash(ctx context.Context, hash []byte) (*account.Session, error) {
	const op = "SessionByHash"
	rows, err := db.reader().query(ctx, db.q.User.SessionByHash, hash)
	if err != nil {
		return nil, db.wrap(op, err)
	}
	list, err := scanSessions(rows)
	if err == nil && len(list) == 0 {
		err = ladda.Errorf(ladda.NotFound, db.d.Name+"."+op, "session not found")
	}
	if err != nil {
		return nil, db.wrap(op, err)
	}
	return list[0], nil
}

// Sessions lists a user's sessions that are not revoked and expire after now, newest (highest
// ID) first.
func (db *DB) Sessions(ctx context.Context, userID int64, now time.Time) ([]*account.Session, error) {
	rows, err := db.reader().query(ctx, db.q.User.Sessions, userID, db.d.time(now))
	if err != nil {
		return nil, db.wrap("Sessions", err)
	}
	list, err := scanSessions(rows)
	return list, db.wrap("Sessions", err)
}

// RevokeSession revokes one of a user's sessions at time at; one revoked before keeps its
// first time. Errors: NotFound for a session that is not the user's.
func (db *DB) RevokeSession(ctx context.Context, userID, id int64, at time.Time) error {
	const op = "RevokeSession"
	err := db.do(ctx, uint64(userID), func(ctx context.Context, r run) error {
		n, err := r.exec(ctx, db.q.User.RevokeSession, userID, id, db.d.time(at))
		if err == nil && n == 0 {
			return db.notFound(op, "session %d of user %d not found", id, userID)
		}
		return err
	})
	return db.wrap(op, err)
}

// RevokeSessions revokes, at time at, every session of a user that is not revoked yet, except
// the one with ID except (0: none).
func (db *DB) RevokeSessions(ctx context.Context, userID, except int64, at time.Time) error {
	err := db.do(ctx, uint64(userID), func(ctx context.Context, r run) error {
		_, err := r.exec(ctx, db.q.User.RevokeSessions, userID, except, db.d.time(at))
		return err
	})
	return db.wrap("RevokeSessions", err)
}

// TouchSessions moves LastSeenAt forward (never back) for many sessions in one statement.
// Unknown sessions are skipped.
func (db *DB) TouchSessions(ctx context.Context, seen map[int64]time.Time) error {
	if len(seen) == 0 {
		return nil
	}
	list, err := touchList(seen)
	if err == nil {
		err = db.do(ctx, 0, func(ctx context.Context, r run) error {
			_, err := r.exec(ctx, db.q.User.TouchSessions, list)
			return err
		})
	}
	return db.wrap("TouchSessions", err)
}

func scanSessions(rows *sql.Rows) ([]*account.Session, error) {
	defer rows.Close()
	var list []*account.Session
	for rows.Next() {
		var (
			s                               account.Session
			kind                            string
			created, seen, expires, revoked nullTime
		)
		if err := rows.Scan(&s.ID, &s.UserID, &s.Hash, &kind, &s.Pending, &s.IP, &s.UserAgent, &created, &seen, &expires, &revoked); err != nil {
			return nil, err
		}
		s.Kind, s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.RevokedAt = account.SessionKind(kind), created.T, seen.T, expires.T, revoked.ptr()
		list = append(list, &s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return list, rows.Close()
}

// ---- throttles ----

// Throttles are stored under the blind index of their key (purpose "throttle", primary key of
// the Sealer), since keys are emails and IP addresses: personal data. A key rotation forgets
// the failures counted before it.

// Throttle reads the failures of key; a key never seen (or cleared) has none.
func (db *DB) Throttle(ctx context.Context, key string) (*account.Throttle, error) {
	var (
		t            = account.Throttle{Key: key}
		last, locked nullTime
	)
	_, err := db.reader().one(ctx, db.q.User.Throttle, []any{db.seal.Index(throttlePurpose, key)}, &t.Failures, &last, &locked)
	if err != nil {
		return nil, db.wrap("Throttle", err)
	}
	t.LastFailure, t.LockedUntil = last.T, locked.T
	return &t, nil
}

// Fail records one failure of key at now in one write, which holds the key's row locked from
// reading it to writing it back: a last failure before now-window starts the count again at
// 1, else it grows by 1; LastFailure becomes now; and when lock(failures) is positive,
// LockedUntil becomes now plus that (otherwise it stays). lock may run more than once and must
// not have effects; nil never locks.
func (db *DB) Fail(ctx context.Context, key string, now time.Time, window time.Duration, lock func(failures int) time.Duration) (*account.Throttle, error) {
	const op = "Fail"
	now = norm(now)
	ix := db.seal.Index(throttlePurpose, key)
	q := &db.q.User
	var out account.Throttle
	err := db.do(ctx, keyOf(key), func(ctx context.Context, r run) error {
		var (
			failures     int
			last, locked nullTime
		)
		if _, err := r.one(ctx, q.LockThrottle, []any{ix, db.d.time(now)}, &failures, &last, &locked); err != nil {
			return err
		}
		if last.T.Before(now.Add(-window)) {
			failures = 0
		}
		failures++
		until := locked.T
		if lock != nil {
			if d := lock(failures); d > 0 {
				until = norm(now.Add(d))
			}
		}
		out = account.Throttle{Key: key, Failures: failures, LastFailure: now, LockedUntil: until}
		_, err := r.exec(ctx, q.SaveThrottle, ix, failures, db.d.time(now), db.optTime(until))
		return err
	})
	if err != nil {
		return nil, db.wrap(op, err)
	}
	return &out, nil
}

// ClearThrottle forgets key's failures and lock.
func (db *DB) ClearThrottle(ctx context.Context, key string) error {
	ix := db.seal.Index(throttlePurpose, key)
	err := db.do(ctx, keyOf(key), func(ctx context.Context, r run) error {
		_, err := r.exec(ctx, db.q.User.DeleteThrottle, ix)
		return err
	})
	return db.wrap("ClearThrottle", err)
}

// ---- one-time tokens ----

// CreateToken stores a one-time token. Errors: NotFound for an unknown user, Conflict for a
// hash already stored, Invalid without hash or purpose.
func (db *DB) CreateToken(ctx context.Context, t *account.OneTimeToken) error {
	const op = "CreateToken"
	if len(t.Hash) == 0 || t.Purpose == "" {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "a one-time token needs a hash and a purpose")
	}
	if err := db.storable(op, string(t.Purpose)); err != nil {
		return err
	}
	err := db.do(ctx, uint64(t.UserID), func(ctx context.Context, r run) error {
		if err := db.needUser(ctx, r, op, t.UserID); err != nil {
			return err
		}
		n, err := r.exec(ctx, db.q.User.CreateToken, t.Hash, string(t.Purpose), t.UserID, db.d.time(t.CreatedAt), db.d.time(t.ExpiresAt),
			db.d.nullTime(t.UsedAt))
		if err == nil && n == 0 {
			return Refuse(ladda.Errorf(ladda.Conflict, db.d.Name+"."+op, "a one-time token with this hash exists already"))
		}
		return err
	})
	return db.wrap(op, err)
}

// UseToken marks the token used at now and returns it, in one conditional statement: of
// racing uses, exactly one succeeds. Errors: NotFound, one for all, when the token does not
// exist, has another purpose, was used or expires at or before now.
func (db *DB) UseToken(ctx context.Context, hash []byte, purpose account.TokenPurpose, now time.Time) (*account.OneTimeToken, error) {
	const op = "UseToken"
	if !storableText(string(purpose)) {
		return nil, ladda.Errorf(ladda.NotFound, db.d.Name+"."+op, "token not found, used or expired")
	}
	var out *account.OneTimeToken
	err := db.do(ctx, keyOf(string(hash)), func(ctx context.Context, r run) error {
		out = nil
		rows, err := r.query(ctx, db.q.User.UseToken, hash, string(purpose), db.d.time(now))
		if err != nil {
			return err
		}
		list, err := scanOneTimeTokens(rows)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return db.notFound(op, "token not found, used or expired")
		}
		out = list[0]
		return nil
	})
	return out, db.wrap(op, err)
}

// ExpireTokens uses up a user's unused tokens of purpose.
func (db *DB) ExpireTokens(ctx context.Context, userID int64, purpose account.TokenPurpose, at time.Time) error {
	err := db.do(ctx, uint64(userID), func(ctx context.Context, r run) error {
		_, err := r.exec(ctx, db.q.User.ExpireTokens, userID, string(purpose), db.d.time(at))
		return err
	})
	return db.wrap("ExpireTokens", err)
}

// scanOneTimeTokens reads rows of one-time token columns and closes rows.
func scanOneTimeTokens(rows *sql.Rows) ([]*account.OneTimeToken, error) {
	defer rows.Close()
	var list []*account.OneTimeToken
	for rows.Next() {
		var (
			t                      account.OneTimeToken
			purpose                string
			created, expires, used nullTime
		)
		if err := rows.Scan(&t.Hash, &purpose, &t.UserID, &created, &expires, &used); err != nil {
			return nil, err
		}
		t.Purpose, t.CreatedAt, t.ExpiresAt, t.UsedAt = account.TokenPurpose(purpose), created.T, expires.T, used.ptr()
		list = append(list, &t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return list, rows.Close()
}

// ---- recovery codes ----

// SetRecoveryCodes replaces a user's recovery codes, used ones included, by unused codes with
// these hashes (repeats kept once); nil deletes them. Errors: NotFound for an unknown user,
// Invalid for an empty hash.
func (db *DB) SetRecoveryCodes(ctx context.Context, userID int64, hashes [][]byte) error {
	const op = "SetRecoveryCodes"
	if slices.ContainsFunc(hashes, func(h []byte) bool { return len(h) == 0 }) {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "a recovery code needs a hash")
	}
	q := &db.q.User
	err := db.do(ctx, uint64(userID), func(ctx context.Context, r run) error {
		if err := db.needUser(ctx, r, op, userID); err != nil {
			return err
		}
		if _, err := r.exec(ctx, q.DeleteCodes, userID); err != nil {
			return err
		}
		for _, h := range hashes {
			if _, err := r.exec(ctx, q.InsertCode, userID, h); err != nil {
				return err
			}
		}
		return nil
	})
	return db.wrap(op, err)
}

// RecoveryCodes lists the hashes of a user's unused recovery codes, in byte order; none for
// an unknown user.
func (db *DB) RecoveryCodes(ctx context.Context, userID int64) ([][]byte, error) {
	const op = "RecoveryCodes"
	rows, err := db.reader().query(ctx, db.q.User.Codes, userID)
	if err != nil {
		return nil, db.wrap(op, err)
	}
	defer rows.Close()
	var list [][]byte
	for rows.Next() {
		var h []byte
		if err := rows.Scan(&h); err != nil {
			return nil, db.wrap(op, err)
		}
		list = append(list, h)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap(op, err)
	}
	return list, db.wrap(op, rows.Close())
}

// UseRecoveryCode marks one of a user's unused codes used at time at, in one conditional
// statement: of racing uses, exactly one succeeds. Errors: NotFound when the user has no such
// code or it was used.
func (db *DB) UseRecoveryCode(ctx context.Context, userID int64, hash []byte, at time.Time) error {
	const op = "UseRecoveryCode"
	err := db.do(ctx, uint64(userID), func(ctx context.Context, r run) error {
		n, err := r.exec(ctx, db.q.User.UseCode, userID, hash, db.d.time(at))
		if err == nil && n == 0 {
			return db.notFound(op, "recovery code not found or used")
		}
		return err
	})
	return db.wrap(op, err)
}

// ---- favourites ----

// SetFavourite adds a favourite or sets Watch of the one there is, which keeps its CreatedAt.
// Errors: NotFound for an unknown user or station.
func (db *DB) SetFavourite(ctx context.Context, f *account.Favourite) error {
	const op = "SetFavourite"
	if !storableText(f.StationID) {
		return ladda.Errorf(ladda.NotFound, db.d.Name+"."+op, "station %q not found", f.StationID)
	}
	err := db.do(ctx, uint64(f.UserID), func(ctx context.Context, r run) error {
		if err := db.needUser(ctx, r, op, f.UserID); err != nil {
			return err
		}
		if err := db.mustExist(ctx, r, op, ladda.StationID(f.StationID)); err != nil {
			return err
		}
		_, err := r.exec(ctx, db.q.User.SetFavourite, f.UserID, f.StationID, f.Watch, db.d.time(f.CreatedAt))
		return err
	})
	return db.wrap(op, err)
}

// DeleteFavourite removes one of a user's favourites. Errors: NotFound when it is not there.
func (db *DB) DeleteFavourite(ctx context.Context, userID int64, stationID string) error {
	const op = "DeleteFavourite"
	err := db.do(ctx, uint64(userID), func(ctx context.Context, r run) error {
		n, err := r.exec(ctx, db.q.User.DeleteFavourite, userID, stationID)
		if err == nil && n == 0 {
			return db.notFound(op, "favourite %q of user %d not found", stationID, userID)
		}
		return err
	})
	return db.wrap(op, err)
}

// Favourites lists a user's favourites by station ID (in byte order).
func (db *DB) Favourites(ctx context.Context, userID int64) ([]*account.Favourite, error) {
	rows, err := db.reader().query(ctx, db.q.User.Favourites, userID)
	if err != nil {
		return nil, db.wrap("Favourites", err)
	}
	list, err := scanFavourites(rows)
	return list, db.wrap("Favourites", err)
}

// Watchers lists the favourites of a station, every user's, by user ID.
func (db *DB) Watchers(ctx context.Context, stationID string) ([]*account.Favourite, error) {
	if !storableText(stationID) {
		return nil, nil
	}
	rows, err := db.reader().query(ctx, db.q.User.Watchers, stationID)
	if err != nil {
		return nil, db.wrap("Watchers", err)
	}
	list, err := scanFavourites(rows)
	return list, db.wrap("Watchers", err)
}

func scanFavourites(rows *sql.Rows) ([]*account.Favourite, error) {
	defer rows.Close()
	var list []*account.Favourite
	for rows.Next() {
		var (
			f       account.Favourite
			created nullTime
		)
		if err := rows.Scan(&f.UserID, &f.StationID, &f.Watch, &created); err != nil {
			return nil, err
		}
		f.CreatedAt = created.T
		list = append(list, &f)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return list, rows.Close()
}
