package sqldb

import (
	"context"
	"time"

	"github.com/ladda-csms/ladda/account"
)

// AdvanceTOTPStep records that a user's TOTP code of time step step was used, if no code of
// that or a later step was before. It reports whether it did: false means the code is a replay
// (or the user does not exist). Two uses of one code at once: exactly one gets true.
func (db *DB) AdvanceTOTPStep(ctx context.Context, userID, step int64) (bool, error) {
	var advanced bool
	err := db.do(ctx, uint64(userID), func(ctx context.Context, r run) error {
		n, err := r.exec(ctx, db.q.User.AdvanceTOTP, userID, step)
		advanced = n == 1
		return err
	})
	return advanced, db.wrap("AdvanceTOTPStep", err)
}

// Reseal rewrites every sealed value (users' emails with their index, names and TOTP secrets;
// webhooks' secrets) under the primary key of the keyring, and returns how many rows it
// rewrote. Run it after putting a new key first in the keyring; once it is done, older keys
// can go. It works in pages, each its own write, so it can run while Ladda serves.
func (db *DB) Reseal(ctx context.Context) (int, error) {
	const op, page = "Reseal", 200
	n := 0
	for after := int64(0); ; {
		rows, err := db.reader().query(ctx, db.q.User.List, nil, nil, after, page)
		if err != nil {
			return n, db.wrap(op, err)
		}
		users, err := db.scanUsers(rows)
		if err != nil {
			return n, db.wrap(op, err)
		}
		for _, u := range users {
			args := []any{u.ID, db.seal.Seal([]byte(u.Email), aadEmail), db.seal.Index(emailPurpose, normEmail(u.Email)),
				db.sealText(u.Name, aadName), db.sealText(u.TOTPSecret, aadTOTPSecret)}
			if err := db.do(ctx, uint64(u.ID), func(ctx context.Context, r run) error {
				_, err := r.exec(ctx, db.q.User.Reseal, args...)
				return err
			}); err != nil {
				return n, db.wrap(op, err)
			}
			n++
			after = u.ID
		}
		if len(users) < page {
			break
		}
	}
	for after := int64(0); ; {
		rows, err := db.reader().query(ctx, db.q.Delivery.AllWebhooks, after, page)
		if err != nil {
			return n, db.wrap(op, err)
		}
		hooks, err := db.scanWebhooks(rows)
		if err != nil {
			return n, db.wrap(op, err)
		}
		for _, w := range hooks {
			sealed := db.seal.Seal(w.Secret, aadWebhook)
			if err := db.do(ctx, uint64(w.ID), func(ctx context.Context, r run) error {
				_, err := r.exec(ctx, db.q.Delivery.ResealWebhook, w.ID, sealed)
				return err
			}); err != nil {
				return n, db.wrap(op, err)
			}
			n++
			after = w.ID
		}
		if len(hooks) < page {
			break
		}
	}
	return n, nil
}

// Prune deletes what p says is no longer needed; each kind is its own write. It returns how
// many rows it deleted.
func (db *DB) Prune(ctx context.Context, p account.Pruning) (int64, error) {
	var total int64
	for _, step := range []struct {
		before time.Time
		query  string
	}{
		{p.SessionsBefore, db.q.User.PruneSessions},
		{p.TokensBefore, db.q.User.PruneTokens},
		{p.ThrottlesBefore, db.q.User.PruneThrottles},
		{p.DeliveriesBefore, db.q.Delivery.PruneDeliveries},
	} {
		if step.before.IsZero() {
			continue
		}
		var n int64
		err := db.do(ctx, 0, func(ctx context.Context, r run) error {
			var err error
			n, err = r.exec(ctx, step.query, db.d.time(step.before))
			return err
		})
		total += n
		if err != nil {
			return total, db.wrap("Prune", err)
		}
	}
	return total, nil
}
