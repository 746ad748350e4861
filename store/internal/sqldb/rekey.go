package sqldb

import (
	"context"
	"fmt"
	"time"

	"github.com/ladda-csms/ladda"
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
// webhooks' secrets; invoices and billing details; payments with the index of their reference,
// and payment accounts; the keyring check) under the primary key of the keyring, and returns
// how many rows it rewrote. Run it after putting a new key first in the keyring; once it is
// done, older keys can go. Each row is its own write, read and rewritten in it, and written
// only if it is unchanged since, so it can run while Ladda serves without undoing anyone's
// change.
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
			if err := db.do(ctx, uint64(u.ID), func(ctx context.Context, r run) error { return db.resealUser(ctx, r, u.ID) }); err != nil {
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
			if err := db.do(ctx, uint64(w.ID), func(ctx context.Context, r run) error { return db.resealWebhook(ctx, r, w.ID) }); err != nil {
				return n, db.wrap(op, err)
			}
			n++
			after = w.ID
		}
		if len(hooks) < page {
			break
		}
	}
	m, err := db.resealBilling(ctx)
	n += m
	if err != nil {
		return n, db.wrap(op, err)
	}
	m, err = db.resealPayments(ctx)
	n += m
	if err != nil {
		return n, db.wrap(op, err)
	}
	sealed := db.seal.Seal([]byte(checkPlain), aadCheck)
	if err := db.do(ctx, keyOf(checkName), func(ctx context.Context, r run) error {
		_, err := r.exec(ctx, db.q.Account.SetSetting, checkName, sealed)
		return err
	}); err != nil {
		return n, db.wrap(op, err)
	}
	return n, nil
}

// resealUser rewrites one user's sealed columns as they are now; a user changed meanwhile by
// another process is read again, a deleted one is skipped.
func (db *DB) resealUser(ctx context.Context, r run, id int64) error {
	for try := 0; try < 5; try++ {
		var email, name, secret []byte
		found, err := r.one(ctx, db.q.User.SealedOfUser, []any{id}, &email, &name, &secret)
		if err != nil || !found {
			return err
		}
		plainEmail, err := db.openText(email, aadEmail)
		if err != nil {
			return err
		}
		plainName, err := db.openText(name, aadName)
		if err != nil {
			return err
		}
		plainSecret, err := db.openText(secret, aadTOTPSecret)
		if err != nil {
			return err
		}
		n, err := r.exec(ctx, db.q.User.Reseal, id, db.seal.Seal([]byte(plainEmail), aadEmail), db.seal.Index(emailPurpose, normEmail(plainEmail)),
			db.sealText(plainName, aadName), db.sealText(plainSecret, aadTOTPSecret), email, nullBytes(name), nullBytes(secret))
		if err != nil || n == 1 {
			return err
		}
	}
	return fmt.Errorf("user %d kept changing while it was resealed; run rekey again", id)
}

// resealWebhook rewrites one webhook's secret as it is now.
func (db *DB) resealWebhook(ctx context.Context, r run, id int64) error {
	for try := 0; try < 5; try++ {
		rows, err := r.query(ctx, db.q.Delivery.Webhook, id)
		if err != nil {
			return err
		}
		hooks, err := db.scanWebhooks(rows)
		if err != nil || len(hooks) == 0 {
			return err
		}
		var old []byte
		if _, err := r.one(ctx, db.q.Delivery.SealedSecret, []any{id}, &old); err != nil {
			return err
		}
		n, err := r.exec(ctx, db.q.Delivery.ResealWebhook, id, db.seal.Seal(hooks[0].Secret, aadWebhook), old)
		if err != nil || n == 1 {
			return err
		}
	}
	return fmt.Errorf("webhook %d kept changing while it was resealed; run rekey again", id)
}

// The value that proves the keyring fits the database: sealed once, opened at every start.
const (
	checkName  = "keyring-check"
	checkPlain = "ladda keyring check"
)

var aadCheck = []byte("settings.keyring-check")

// CheckKeys makes sure the keyring is the one the database's personal data is sealed with: the
// first call seals a known value under the primary key, later calls must open it. Starting with
// other keys would write rows no one can read and miss every email. Errors: Invalid, saying
// so, when the keys do not fit.
func (db *DB) CheckKeys(ctx context.Context) error {
	const op = "CheckKeys"
	fresh := db.seal.Seal([]byte(checkPlain), aadCheck)
	var value []byte
	err := db.do(ctx, keyOf(checkName), func(ctx context.Context, r run) error {
		value = nil
		if _, err := r.exec(ctx, db.q.Account.CreateSetting, checkName, fresh); err != nil {
			return err
		}
		_, err := r.one(ctx, db.q.Account.Setting, []any{checkName}, &value)
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	if plain, err := db.seal.Open(value, aadCheck); err != nil || string(plain) != checkPlain {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "the encryption keys do not fit this database: its personal data was sealed with other keys; give the keys it was written with (--encryption-key, or DATA-DIR/encryption.key of the server that made it)")
	}
	return nil
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
