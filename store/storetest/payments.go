package storetest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/billing"
)

// mustAmount parses a decimal amount.
func mustAmount(tb testing.TB, s string) billing.Amount {
	tb.Helper()
	a, err := billing.ParseAmount(s)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// mustQuantity parses a decimal quantity.
func mustQuantity(tb testing.TB, s string) billing.Quantity {
	tb.Helper()
	q, err := billing.ParseQuantity(s)
	if err != nil {
		tb.Fatal(err)
	}
	return q
}

// newPayment returns a session payment of user 7 for tx, authorised for 300 SEK at t0.
func newPayment(tb testing.TB, tx ladda.TransactionID, ref string) *billing.PaymentRecord {
	return &billing.PaymentRecord{Kind: billing.PaySession, UserID: 7, TransactionID: tx, Currency: "SEK", State: billing.StateAuthorized,
		Ref: ref, Customer: "cus_7", Label: "Visa •••• 4242", Authorized: mustAmount(tb, "300"), CreatedAt: t0, UpdatedAt: t0}
}

// MustCreatePayment stores p and fails unless it was created.
func MustCreatePayment(tb testing.TB, s Store, p *billing.PaymentRecord) *billing.PaymentRecord {
	tb.Helper()
	created, err := s.CreatePayment(tb.Context(), p)
	if err != nil || !created || p.ID <= 0 || p.Version != 1 {
		tb.Fatalf("CreatePayment = %v, %v; ID %d, version %d", created, err, p.ID, p.Version)
	}
	return p
}

// wantPayment fails unless got is want as stored: every field alike, times in UTC.
func wantPayment(tb testing.TB, got, want *billing.PaymentRecord) {
	tb.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) || got.Version != want.Version {
		tb.Errorf("payment =\n%s version %d\nwant\n%s version %d", g, got.Version, w, want.Version)
	}
	for name, at := range map[string]time.Time{"CreatedAt": got.CreatedAt, "UpdatedAt": got.UpdatedAt, "NextAttempt": got.NextAttempt} {
		if !at.IsZero() && at.Location() != time.UTC {
			tb.Errorf("%s = %v, not in UTC", name, at)
		}
	}
}

func paymentIDs(list []*billing.PaymentRecord) []int64 {
	ids := make([]int64, len(list))
	for i, p := range list {
		ids[i] = p.ID
	}
	return ids
}

func testPayments(t *testing.T, open func(t *testing.T) Store) {
	t.Run("a payment account is set, replaced and deleted", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		_, err := s.PaymentAccount(ctx, 7)
		wantKind(t, err, ladda.NotFound)
		card := &billing.PaymentAccount{UserID: 7, Mode: billing.PayByCard, Customer: "cus_7", Method: "pm_1", Label: "Visa •••• 4242",
			UpdatedAt: t0.In(time.FixedZone("CET", 3600))}
		if err := s.SetPaymentAccount(ctx, card); err != nil {
			t.Fatal(err)
		}
		got, err := s.PaymentAccount(ctx, 7)
		if err != nil || *got != (billing.PaymentAccount{UserID: 7, Mode: billing.PayByCard, Customer: "cus_7", Method: "pm_1", Label: "Visa •••• 4242", UpdatedAt: t0}) {
			t.Fatalf("PaymentAccount = %+v, %v", got, err)
		}
		wantTime(t, "UpdatedAt", got.UpdatedAt, t0)
		wallet := &billing.PaymentAccount{UserID: 7, Mode: billing.PayByWallet, Customer: "cus_7b", UpdatedAt: at(time.Hour)}
		if err := s.SetPaymentAccount(ctx, wallet); err != nil {
			t.Fatal(err)
		}
		if got, err := s.PaymentAccount(ctx, 7); err != nil || *got != *wallet {
			t.Errorf("replaced account = %+v, %v; want %+v", got, err, wallet)
		}
		// Another driver's account is their own.
		if err := s.SetPaymentAccount(ctx, &billing.PaymentAccount{UserID: 8, Mode: billing.PayByCard, Customer: "cus_8", UpdatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		// Text no engine keeps is refused, and the account stays.
		wantKind(t, s.SetPaymentAccount(ctx, &billing.PaymentAccount{UserID: 7, Mode: billing.PayByCard, Customer: "cus\x00", UpdatedAt: t0}), ladda.Invalid)
		if got, err := s.PaymentAccount(ctx, 7); err != nil || got.Customer != "cus_7b" {
			t.Errorf("after a refused change: %+v, %v", got, err)
		}
		if err := s.DeletePaymentAccount(ctx, 7); err != nil {
			t.Fatal(err)
		}
		_, err = s.PaymentAccount(ctx, 7)
		wantKind(t, err, ladda.NotFound)
		wantKind(t, s.DeletePaymentAccount(ctx, 7), ladda.NotFound)
		if got, err := s.PaymentAccount(ctx, 8); err != nil || got.Customer != "cus_8" {
			t.Errorf("the other driver's account: %+v, %v", got, err)
		}
	})

	t.Run("a session has one payment of each kind: creating it again returns the first", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		MustCreateStation(t, s, "PAY-1")
		tx := MustStart(t, s, newTx("PAY-1", 1, "TAG", 0))
		first := MustCreatePayment(t, s, newPayment(t, tx.ID, "pi_1"))
		again := newPayment(t, tx.ID, "pi_2")
		again.Authorized, again.CreatedAt = mustAmount(t, "500"), at(time.Hour)
		if created, err := s.CreatePayment(ctx, again); err != nil || created {
			t.Fatalf("second CreatePayment = %v, %v; want the first", created, err)
		}
		wantPayment(t, again, first)
		// A debt of the same session is another kind; top-ups have no session and are all new.
		debt := newPayment(t, tx.ID, "")
		debt.Kind, debt.State = billing.PayDebt, billing.StateRetrying
		MustCreatePayment(t, s, debt)
		up1 := MustCreatePayment(t, s, &billing.PaymentRecord{Kind: billing.PayTopUp, UserID: 7, Currency: "SEK", State: billing.StatePending, CreatedAt: t0, UpdatedAt: t0})
		up2 := MustCreatePayment(t, s, &billing.PaymentRecord{Kind: billing.PayTopUp, UserID: 7, Currency: "SEK", State: billing.StatePending, CreatedAt: t0, UpdatedAt: t0})
		ids := []int64{first.ID, debt.ID, up1.ID, up2.ID}
		for i := 1; i < len(ids); i++ {
			if ids[i] <= ids[i-1] {
				t.Errorf("payment ids %v, want four growing ones", ids)
			}
		}

		got, err := s.Payment(ctx, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantPayment(t, got, first)
		_, err = s.Payment(ctx, up2.ID+100)
		wantKind(t, err, ladda.NotFound)
		if got, err := s.PaymentOfTransaction(ctx, tx.ID, billing.PaySession); err != nil || got.ID != first.ID {
			t.Errorf("PaymentOfTransaction(session) = %+v, %v", got, err)
		}
		if got, err := s.PaymentOfTransaction(ctx, tx.ID, billing.PayDebt); err != nil || got.ID != debt.ID {
			t.Errorf("PaymentOfTransaction(debt) = %+v, %v", got, err)
		}
		_, err = s.PaymentOfTransaction(ctx, tx.ID, billing.PayTopUp)
		wantKind(t, err, ladda.NotFound)
		_, err = s.PaymentOfTransaction(ctx, tx.ID+1, billing.PaySession)
		wantKind(t, err, ladda.NotFound)

		bad := newPayment(t, tx.ID+1, "pi_3")
		bad.Label = "Visa \xff"
		_, err = s.CreatePayment(ctx, bad)
		wantKind(t, err, ladda.Invalid)
		_, err = s.PaymentOfTransaction(ctx, tx.ID+1, billing.PaySession)
		wantKind(t, err, ladda.NotFound)

		// Many at once: one creates it, the others all get it.
		other := MustStart(t, s, newTx("PAY-1", 2, "TAG2", time.Minute))
		raced := make([]int64, 8)
		oneWins(t, len(raced), func(i int) (bool, error) {
			p := newPayment(t, other.ID, fmt.Sprintf("pi_race_%d", i))
			created, err := s.CreatePayment(ctx, p)
			raced[i] = p.ID
			return created, err
		})
		for _, id := range raced {
			if id != raced[0] || id == 0 {
				t.Fatalf("concurrent creates got payments %v, want one", raced)
			}
		}
	})

	t.Run("an update is a compare-and-set of the version and keeps what identifies the payment", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		p := MustCreatePayment(t, s, newPayment(t, 42, "pi_1"))
		read, err := s.Payment(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		stale := *read

		upd := *read
		upd.State, upd.Captured, upd.Due, upd.Ref, upd.Attempts, upd.LastError = billing.StateCaptured, mustAmount(t, "250.5"), mustAmount(t, "250.5"), "pi_9", 1, "none"
		upd.NextAttempt, upd.UpdatedAt = at(time.Hour), at(time.Hour)
		// What identifies it does not change.
		upd.Kind, upd.UserID, upd.TransactionID, upd.CreatedAt = billing.PayTopUp, 99, 43, at(time.Hour)
		if err := s.UpdatePayment(ctx, &upd); err != nil {
			t.Fatal(err)
		}
		want := *read
		want.State, want.Captured, want.Due, want.Ref, want.Attempts, want.LastError = billing.StateCaptured, mustAmount(t, "250.5"), mustAmount(t, "250.5"), "pi_9", 1, "none"
		want.NextAttempt, want.UpdatedAt, want.Version = at(time.Hour), at(time.Hour), 2
		wantPayment(t, &upd, &want)
		got, err := s.Payment(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantPayment(t, got, &want)

		// A writer that read version 1 is refused, and changes nothing.
		stale.State = billing.StateReleased
		wantKind(t, s.UpdatePayment(ctx, &stale), ladda.Conflict)
		if got, _ := s.Payment(ctx, p.ID); got.State != billing.StateCaptured || got.Version != 2 {
			t.Errorf("after a stale update: state %s, version %d", got.State, got.Version)
		}
		// Read again, it applies.
		got.State, got.NextAttempt, got.UpdatedAt = billing.StateRefunded, time.Time{}, at(2*time.Hour)
		if err := s.UpdatePayment(ctx, got); err != nil || got.Version != 3 {
			t.Fatalf("update after reading again: %v, version %d", err, got.Version)
		}
		if again, _ := s.Payment(ctx, p.ID); !again.NextAttempt.IsZero() || again.State != billing.StateRefunded {
			t.Errorf("after clearing the next attempt: %+v", again)
		}
		missing := *got
		missing.ID = p.ID + 100
		wantKind(t, s.UpdatePayment(ctx, &missing), ladda.NotFound)
		bad := *got
		bad.LastError = "bad\x00"
		wantKind(t, s.UpdatePayment(ctx, &bad), ladda.Invalid)

		// Of many writers of one version, exactly one wins.
		base, _ := s.Payment(ctx, p.ID)
		oneWins(t, 8, func(i int) (bool, error) {
			mine := *base
			mine.Attempts = 10 + i
			err := s.UpdatePayment(ctx, &mine)
			if ladda.IsKind(err, ladda.Conflict) {
				return false, nil
			}
			return err == nil, err
		})
		if got, _ := s.Payment(ctx, p.ID); got.Version != base.Version+1 {
			t.Errorf("after racing updates: version %d, want %d", got.Version, base.Version+1)
		}
	})

	t.Run("a payment is found by the gateway's reference it has now", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		p := MustCreatePayment(t, s, newPayment(t, 1, "pi_1"))
		none := MustCreatePayment(t, s, newPayment(t, 2, ""))
		if got, err := s.PaymentByRef(ctx, "pi_1"); err != nil || got.ID != p.ID || got.Ref != "pi_1" {
			t.Fatalf("PaymentByRef = %+v, %v", got, err)
		}
		for _, ref := range []string{"", "pi_2", "PI_1", "pi_1 "} {
			_, err := s.PaymentByRef(ctx, ref)
			wantKind(t, err, ladda.NotFound)
		}
		none.Ref, none.UpdatedAt = "pi_2", at(time.Minute)
		if err := s.UpdatePayment(ctx, none); err != nil {
			t.Fatal(err)
		}
		if got, err := s.PaymentByRef(ctx, "pi_2"); err != nil || got.ID != none.ID {
			t.Errorf("PaymentByRef after the reference was set = %+v, %v", got, err)
		}
		p.Ref, p.UpdatedAt = "pi_3", at(time.Minute)
		if err := s.UpdatePayment(ctx, p); err != nil {
			t.Fatal(err)
		}
		_, err := s.PaymentByRef(ctx, "pi_1")
		wantKind(t, err, ladda.NotFound)
		if got, err := s.PaymentByRef(ctx, "pi_3"); err != nil || got.ID != p.ID {
			t.Errorf("PaymentByRef of the new reference = %+v, %v", got, err)
		}
	})

	t.Run("payments are listed newest first, by user, states and due retries, in pages", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		mk := func(user int64, state billing.PaymentState, next time.Time) int64 {
			return MustCreatePayment(t, s, &billing.PaymentRecord{Kind: billing.PayTopUp, UserID: user, Currency: "EUR", State: state,
				NextAttempt: next, CreatedAt: t0, UpdatedAt: t0}).ID
		}
		a := mk(1, billing.StateCaptured, time.Time{})
		b := mk(2, billing.StateRetrying, at(time.Hour))
		c := mk(1, billing.StateRetrying, at(3*time.Hour))
		d := mk(1, billing.StateAuthorized, time.Time{})
		e := mk(2, billing.StateRetrying, at(2*time.Hour))
		for name, tt := range map[string]struct {
			f    billing.PaymentFilter
			want []int64
		}{
			"all":                {billing.PaymentFilter{}, []int64{e, d, c, b, a}},
			"user":               {billing.PaymentFilter{UserID: 1}, []int64{d, c, a}},
			"unknown user":       {billing.PaymentFilter{UserID: 3}, nil},
			"states":             {billing.PaymentFilter{States: []billing.PaymentState{billing.StateRetrying, billing.StateAuthorized}}, []int64{e, d, c, b}},
			"unknown state":      {billing.PaymentFilter{States: []billing.PaymentState{"lost"}}, nil},
			"unstorable state":   {billing.PaymentFilter{States: []billing.PaymentState{"\xff"}}, nil},
			"due":                {billing.PaymentFilter{States: []billing.PaymentState{billing.StateRetrying}, DueBefore: at(2*time.Hour + time.Second)}, []int64{e, b}},
			"due exclusive":      {billing.PaymentFilter{DueBefore: at(2 * time.Hour)}, []int64{b}},
			"due of a user":      {billing.PaymentFilter{UserID: 2, DueBefore: at(24 * time.Hour)}, []int64{e, b}},
			"first page":         {billing.PaymentFilter{Limit: 2}, []int64{e, d}},
			"next page":          {billing.PaymentFilter{Before: d, Limit: 2}, []int64{c, b}},
			"last page":          {billing.PaymentFilter{Before: b, Limit: 2}, []int64{a}},
			"page of a user":     {billing.PaymentFilter{UserID: 1, Before: d}, []int64{c, a}},
			"nothing before one": {billing.PaymentFilter{Before: a}, nil},
		} {
			got, err := s.Payments(ctx, tt.f)
			if err != nil || !slices.Equal(paymentIDs(got), tt.want) {
				t.Errorf("Payments(%s) = %v, %v; want %v", name, paymentIDs(got), err, tt.want)
			}
		}
	})

	t.Run("a gateway event is new once", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		for _, tt := range []struct {
			id   string
			want bool
		}{{"evt_1", true}, {"evt_1", false}, {"evt_2", true}, {"EVT_1", true}, {"evt_2", false}} {
			if fresh, err := s.SeenGatewayEvent(ctx, tt.id, t0); err != nil || fresh != tt.want {
				t.Errorf("SeenGatewayEvent(%s) = %v, %v; want %v", tt.id, fresh, err, tt.want)
			}
		}
		for _, id := range []string{"", "evt\x00"} {
			_, err := s.SeenGatewayEvent(ctx, id, t0)
			wantKind(t, err, ladda.Invalid)
		}
		// Delivered many times at once, it is new to exactly one.
		oneWins(t, 8, func(int) (bool, error) { return s.SeenGatewayEvent(ctx, "evt_race", t0) })
	})
}

// built returns a function that returns the entry a builder of package billing made, failing
// the test if it made none: built(t)(billing.TopUp(…)).
func built(tb testing.TB) func(*billing.Entry, error) *billing.Entry {
	return func(e *billing.Entry, err error) *billing.Entry {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
		return e
	}
}

// MustAppend appends e and fails unless it was created.
func MustAppend(tb testing.TB, s Store, e *billing.Entry) *billing.Entry {
	tb.Helper()
	created, err := s.AppendEntry(tb.Context(), e)
	if err != nil || !created || e.ID <= 0 {
		tb.Fatalf("AppendEntry(%s %s) = %v, %v; ID %d", e.Kind, e.Ref, created, err, e.ID)
	}
	return e
}

// wantEntry fails unless got is want as stored.
func wantEntry(tb testing.TB, got, want *billing.Entry) {
	tb.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) || got.At.Location() != time.UTC {
		tb.Errorf("entry =\n%s\nwant\n%s in UTC", g, w)
	}
}

func entryIDs(list []*billing.Entry) []int64 {
	ids := make([]int64, len(list))
	for i, e := range list {
		ids[i] = e.ID
	}
	return ids
}

func testLedger(t *testing.T, open func(t *testing.T) Store) {
	t.Run("an entry is appended once per kind and reference", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		entry := built(t)
		top := MustAppend(t, s, entry(billing.TopUp(1, "stripe", mustAmount(t, "100"), "SEK", "topup:pi_1", t0.In(time.FixedZone("CET", 3600)))))
		want := *top
		want.At = t0
		again, err := billing.TopUp(1, "stripe", mustAmount(t, "250"), "SEK", "topup:pi_1", at(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if created, err := s.AppendEntry(ctx, again); err != nil || created {
			t.Fatalf("appending it again = %v, %v; want the first", created, err)
		}
		wantEntry(t, again, &want)
		// Another kind with the same reference is another entry.
		debit := MustAppend(t, s, entry(billing.WalletDebit(1, 0, "SE", mustAmount(t, "40"), mustAmount(t, "10"), "SEK", "topup:pi_1", at(time.Hour))))
		if debit.ID <= top.ID {
			t.Errorf("entry ids %d, %d", top.ID, debit.ID)
		}
		if b, err := s.Balance(ctx, billing.WalletAccount(1), "SEK"); err != nil || b.String() != "-50" {
			t.Errorf("wallet balance = %s, %v; want -50 (a credit of 50)", b, err)
		}
		if list, err := s.Entries(ctx, billing.WalletAccount(1), 0, 0); err != nil || len(list) != 2 {
			t.Fatalf("Entries = %v, %v", entryIDs(list), err)
		} else {
			wantEntry(t, list[1], &want)
			wantEntry(t, list[0], debit)
		}

		// Many at once: one appends it, the others get it.
		ids := make([]int64, 8)
		oneWins(t, len(ids), func(i int) (bool, error) {
			e, err := billing.TopUp(2, "stripe", mustAmount(t, fmt.Sprint(i+1)), "SEK", "topup:race", t0)
			if err != nil {
				return false, err
			}
			created, err := s.AppendEntry(ctx, e)
			ids[i] = e.ID
			return created, err
		})
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("concurrent appends got entries %v, want one", ids)
			}
		}
		if list, _ := s.Entries(ctx, billing.GatewayAccount("stripe"), 0, 0); len(list) != 2 {
			t.Errorf("gateway entries after the race: %v, want 2", entryIDs(list))
		}
	})

	t.Run("an entry that breaks a rule is refused and changes nothing", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		MustAppend(t, s, built(t)(billing.TopUp(1, "stripe", mustAmount(t, "10"), "SEK", "topup:1", t0)))
		post := func(a billing.Account, amount string) billing.Posting {
			return billing.Posting{Account: a, Amount: mustAmount(t, amount)}
		}
		for name, e := range map[string]*billing.Entry{
			"unbalanced": {Kind: "x", Ref: "r", Currency: "SEK", At: t0, Postings: []billing.Posting{
				post(billing.GatewayAccount("stripe"), "1"), post(billing.WalletAccount(1), "-2")}},
			"one posting":          {Kind: "x", Ref: "r", Currency: "SEK", At: t0, Postings: []billing.Posting{post(billing.GatewayAccount("stripe"), "1")}},
			"below the minor unit": {Kind: "x", Ref: "r", Currency: "SEK", At: t0, Postings: []billing.Posting{post(billing.GatewayAccount("stripe"), "0.001"), post(billing.WalletAccount(1), "-0.001")}},
			"no reference":         {Kind: "x", Currency: "SEK", At: t0, Postings: []billing.Posting{post(billing.GatewayAccount("stripe"), "1"), post(billing.WalletAccount(1), "-1")}},
			"bad account":          {Kind: "x", Ref: "r", Currency: "SEK", At: t0, Postings: []billing.Posting{post("stripe", "1"), post(billing.WalletAccount(1), "-1")}},
			"unstorable memo":      {Kind: "x", Ref: "r", Currency: "SEK", At: t0, Memo: "\xff", Postings: []billing.Posting{post(billing.GatewayAccount("stripe"), "1"), post(billing.WalletAccount(1), "-1")}},
		} {
			before := *e
			created, err := s.AppendEntry(ctx, e)
			if created || !ladda.IsKind(err, ladda.Invalid) {
				t.Errorf("%s: AppendEntry = %v, %v; want invalid", name, created, err)
			}
			if e.ID != 0 || e.Kind != before.Kind || e.Ref != before.Ref {
				t.Errorf("%s: a refused entry was changed: %+v", name, e)
			}
		}
		for a, want := range map[billing.Account]string{billing.GatewayAccount("stripe"): "10", billing.WalletAccount(1): "-10"} {
			if b, err := s.Balance(ctx, a, "SEK"); err != nil || b.String() != want {
				t.Errorf("balance of %s after refusals = %s, %v; want %s", a, b, err, want)
			}
			if list, _ := s.Entries(ctx, a, 0, 0); len(list) != 1 {
				t.Errorf("entries of %s after refusals: %v", a, entryIDs(list))
			}
		}
	})

	t.Run("balances are exact over many entries, per account and currency", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		r := rand.New(rand.NewPCG(1, 2))
		currencies := []string{"SEK", "KWD", "JPY"} // two, three and no decimals
		var all []*billing.Entry
		for i := range 120 {
			cur := currencies[i%len(currencies)]
			money := func() billing.Amount { return billing.FromMinorUnits(1+r.Int64N(1_000_000), cur) }
			user, org, ref := 1+r.Int64N(3), r.Int64N(2), fmt.Sprintf("r:%d", i)
			var e *billing.Entry
			var err error
			switch r.IntN(5) {
			case 0:
				e, err = billing.TopUp(user, "stripe", money(), cur, ref, at(time.Duration(i)*time.Minute))
			case 1:
				e, err = billing.WalletDebit(user, org, "SE", money(), money(), cur, ref, at(time.Duration(i)*time.Minute))
			case 2:
				e, err = billing.CardCapture("stripe", org, "FI", money(), billing.Amount{}, cur, ref, at(time.Duration(i)*time.Minute))
			case 3:
				e, err = billing.Debt(user, org, "SE", money(), money(), cur, ref, at(time.Duration(i)*time.Minute))
			default:
				e, err = billing.DebtSettled(user, "stripe", money(), cur, ref, at(time.Duration(i)*time.Minute))
			}
			all = append(all, MustAppend(t, s, built(t)(e, err)))
		}
		accounts := []billing.Account{billing.GatewayAccount("stripe"), billing.TaxAccount("SE"), billing.TaxAccount("FI"),
			billing.RevenueAccount(0), billing.RevenueAccount(1), billing.SponsorAccount("nobody")}
		for u := int64(1); u <= 3; u++ {
			accounts = append(accounts, billing.WalletAccount(u), billing.ReceivableAccount(u))
		}
		for _, a := range accounts {
			for _, cur := range append(currencies, "EUR") {
				want := billing.Balance(all, a, cur)
				if got, err := s.Balance(ctx, a, cur); err != nil || got.Cmp(want) != 0 {
					t.Errorf("Balance(%s, %s) = %s, %v; want %s", a, cur, got, err, want)
				}
			}
		}
		// Thousandths of a dinar add up exactly.
		for i, amount := range []string{"0.001", "0.002", "1.234"} {
			MustAppend(t, s, built(t)(billing.SponsorFee("kw", 5, mustAmount(t, amount), "KWD", fmt.Sprintf("kw:%d", i), t0)))
		}
		if got, err := s.Balance(ctx, billing.SponsorAccount("kw"), "KWD"); err != nil || got.String() != "1.237" {
			t.Errorf("sponsor balance = %s, %v; want 1.237", got, err)
		}
		if got, err := s.Balance(ctx, billing.RevenueAccount(5), "KWD"); err != nil || got.String() != "-1.237" {
			t.Errorf("revenue balance = %s, %v; want -1.237", got, err)
		}
		if got, err := s.Balance(ctx, "stripe\x00", "SEK"); err != nil || got.Sign() != 0 {
			t.Errorf("balance of an unstorable account = %s, %v; want 0", got, err)
		}
	})

	t.Run("an account's entries are listed newest first, in pages", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		entry := built(t)
		var wallet []int64
		for i := range 7 {
			e := MustAppend(t, s, entry(billing.TopUp(1, "stripe", mustAmount(t, "5"), "SEK", fmt.Sprintf("topup:%d", i), at(time.Duration(i)*time.Minute))))
			wallet = append(wallet, e.ID)
			MustAppend(t, s, entry(billing.TopUp(2, "stripe", mustAmount(t, "5"), "EUR", fmt.Sprintf("topup:%d:2", i), t0)))
		}
		slices.Reverse(wallet)
		if list, err := s.Entries(ctx, billing.WalletAccount(1), 0, 0); err != nil || !slices.Equal(entryIDs(list), wallet) {
			t.Fatalf("Entries = %v, %v; want %v", entryIDs(list), err, wallet)
		}
		var paged []int64
		for before := int64(0); ; {
			list, err := s.Entries(ctx, billing.WalletAccount(1), before, 3)
			if err != nil || len(list) > 3 {
				t.Fatalf("page before %d: %d entries, %v", before, len(list), err)
			}
			if len(list) == 0 {
				break
			}
			paged = append(paged, entryIDs(list)...)
			before = list[len(list)-1].ID
		}
		if !slices.Equal(paged, wallet) {
			t.Errorf("paged entries = %v, want %v", paged, wallet)
		}
		if list, err := s.Entries(ctx, billing.GatewayAccount("stripe"), 0, 0); err != nil || len(list) != 14 {
			t.Errorf("gateway entries: %d, %v; want 14 in both currencies", len(list), err)
		}
		for _, a := range []billing.Account{billing.WalletAccount(3), "wallet:user:1\x00"} {
			if list, err := s.Entries(ctx, a, 0, 0); err != nil || len(list) != 0 {
				t.Errorf("Entries(%q) = %v, %v; want none", a, entryIDs(list), err)
			}
		}
	})
}

// newPlan returns a plan of org (0: the installation) at 99 SEK a month.
func newPlan(tb testing.TB, name string, org int64) *billing.Plan {
	return &billing.Plan{OrgID: org, Name: name, Currency: "SEK", MonthlyFee: mustAmount(tb, "99"), IncludedKWh: mustQuantity(tb, "50.5"),
		DiscountPercent: mustQuantity(tb, "12.5"), CustomerGroup: "members"}
}

// MustCreatePlan stores p.
func MustCreatePlan(tb testing.TB, s Store, p *billing.Plan) *billing.Plan {
	tb.Helper()
	if err := s.CreatePlan(tb.Context(), p); err != nil || p.ID <= 0 {
		tb.Fatalf("CreatePlan(%s) = %v; ID %d", p.Name, err, p.ID)
	}
	return p
}

// wantPlan fails unless got is want.
func wantPlan(tb testing.TB, got, want *billing.Plan) {
	tb.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		tb.Errorf("plan =\n%s\nwant\n%s", g, w)
	}
}

func subscriptionIDs(list []*billing.Subscription) []int64 {
	ids := make([]int64, len(list))
	for i, s := range list {
		ids[i] = s.ID
	}
	return ids
}

func testPlans(t *testing.T, open func(t *testing.T) Store) {
	t.Run("plans are created, read, listed by organisation and updated", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		org := MustCreateOrg(t, s, "CPO", account.OperatorOrg)
		plus := MustCreatePlan(t, s, newPlan(t, "Plus", org.ID))
		basic := MustCreatePlan(t, s, newPlan(t, "Basic", 0))
		got, err := s.Plan(ctx, plus.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantPlan(t, got, plus)
		_, err = s.Plan(ctx, basic.ID+100)
		wantKind(t, err, ladda.NotFound)
		if list, err := s.Plans(ctx, org.ID); err != nil || len(list) != 1 || list[0].ID != plus.ID {
			t.Errorf("Plans(org) = %v, %v", list, err)
		}
		if list, err := s.Plans(ctx, 0); err != nil || len(list) != 2 || list[0].ID != plus.ID || list[1].ID != basic.ID {
			t.Errorf("Plans(0) = %v, %v", list, err)
		}
		wantKind(t, s.CreatePlan(ctx, newPlan(t, "Orphan", 999)), ladda.NotFound)
		for name, p := range map[string]*billing.Plan{
			"no name":      {Currency: "SEK"},
			"bad currency": {Name: "x", Currency: "kr"},
			"negative fee": {Name: "x", Currency: "SEK", MonthlyFee: mustAmount(t, "-1")},
			"fee decimals": {Name: "x", Currency: "SEK", MonthlyFee: mustAmount(t, "1.001")},
			"discount":     {Name: "x", Currency: "SEK", DiscountPercent: mustQuantity(t, "101")},
			"unstorable":   {Name: "x\x00", Currency: "SEK"},
			"bad group":    {Name: "x", Currency: "SEK", CustomerGroup: "a b"},
		} {
			wantKind(t, s.CreatePlan(ctx, p), ladda.Invalid)
			if p.ID != 0 {
				t.Errorf("%s: a refused plan got ID %d", name, p.ID)
			}
		}
		if list, _ := s.Plans(ctx, 0); len(list) != 2 {
			t.Errorf("refused plans were stored: %d plans", len(list))
		}

		// An update replaces all but the organisation.
		upd := newPlan(t, "Plus 2", 0)
		upd.ID, upd.Currency, upd.MonthlyFee, upd.CustomerGroup = plus.ID, "EUR", mustAmount(t, "9.99"), ""
		if err := s.UpdatePlan(ctx, upd); err != nil {
			t.Fatal(err)
		}
		if upd.OrgID != org.ID {
			t.Errorf("updated plan's organisation = %d, want %d", upd.OrgID, org.ID)
		}
		got, err = s.Plan(ctx, plus.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantPlan(t, got, upd)
		missing := newPlan(t, "x", 0)
		missing.ID = basic.ID + 100
		wantKind(t, s.UpdatePlan(ctx, missing), ladda.NotFound)
		bad := *upd
		bad.Name = ""
		wantKind(t, s.UpdatePlan(ctx, &bad), ladda.Invalid)
		if got, _ := s.Plan(ctx, plus.ID); got.Name != "Plus 2" {
			t.Errorf("after a refused update: %+v", got)
		}
	})

	t.Run("a user has one running subscription per organisation", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		org := MustCreateOrg(t, s, "CPO", account.OperatorOrg)
		plus := MustCreatePlan(t, s, newPlan(t, "Plus", org.ID))
		maxPlan := MustCreatePlan(t, s, newPlan(t, "Max", org.ID))
		own := MustCreatePlan(t, s, newPlan(t, "Own", 0))

		sub := &billing.Subscription{PlanID: plus.ID, UserID: 5, Start: t0.In(time.FixedZone("CET", 3600))}
		if err := s.CreateSubscription(ctx, sub); err != nil {
			t.Fatal(err)
		}
		if sub.ID <= 0 || sub.OrgID != org.ID || sub.End != nil {
			t.Errorf("created subscription %+v: want an ID and the plan's organisation %d", sub, org.ID)
		}
		wantTime(t, "Start", sub.Start, t0)
		got, err := s.Subscription(ctx, sub.ID)
		if err != nil || *got != *sub {
			t.Fatalf("Subscription = %+v, %v; want %+v", got, err, sub)
		}
		wantTime(t, "Start", got.Start, t0)
		_, err = s.Subscription(ctx, sub.ID+100)
		wantKind(t, err, ladda.NotFound)

		// Another plan of the same organisation conflicts, whatever the caller says its
		// organisation is; a plan of another organisation does not.
		wantKind(t, s.CreateSubscription(ctx, &billing.Subscription{PlanID: maxPlan.ID, UserID: 5, Start: at(time.Hour)}), ladda.Conflict)
		wantKind(t, s.CreateSubscription(ctx, &billing.Subscription{PlanID: maxPlan.ID, UserID: 5, OrgID: org.ID + 1, Start: at(time.Hour)}), ladda.Conflict)
		ownSub := &billing.Subscription{PlanID: own.ID, UserID: 5, Start: at(time.Hour)}
		if err := s.CreateSubscription(ctx, ownSub); err != nil || ownSub.OrgID != 0 {
			t.Fatalf("a subscription of the installation's plan: %v, %+v", err, ownSub)
		}
		other := &billing.Subscription{PlanID: maxPlan.ID, UserID: 6, Start: t0}
		if err := s.CreateSubscription(ctx, other); err != nil {
			t.Fatal(err)
		}
		wantKind(t, s.CreateSubscription(ctx, &billing.Subscription{PlanID: own.ID + 100, UserID: 7, Start: t0}), ladda.NotFound)
		end := at(-time.Hour)
		wantKind(t, s.CreateSubscription(ctx, &billing.Subscription{PlanID: own.ID, UserID: 7, Start: t0, End: &end}), ladda.Invalid)
		// One that has ended already does not run, so it does not conflict.
		end = at(time.Hour)
		past := &billing.Subscription{PlanID: maxPlan.ID, UserID: 5, Start: t0, End: &end}
		if err := s.CreateSubscription(ctx, past); err != nil {
			t.Fatalf("an ended subscription: %v", err)
		}
		wantTimePtr(t, "End", past.End, &end)
		if list, err := s.Subscriptions(ctx, 5, 0); err != nil || !slices.Equal(subscriptionIDs(list), []int64{sub.ID, ownSub.ID, past.ID}) {
			t.Errorf("Subscriptions(user 5) = %v, %v; want %v: refusals store nothing", subscriptionIDs(list), err, []int64{sub.ID, ownSub.ID, past.ID})
		}

		// Ending: once, after the start.
		wantKind(t, s.EndSubscription(ctx, sub.ID, t0), ladda.Invalid)
		ended := at(30 * 24 * time.Hour)
		if err := s.EndSubscription(ctx, sub.ID, ended); err != nil {
			t.Fatal(err)
		}
		wantKind(t, s.EndSubscription(ctx, sub.ID, ended.Add(time.Hour)), ladda.Conflict)
		wantKind(t, s.EndSubscription(ctx, past.ID, ended), ladda.Conflict)
		wantKind(t, s.EndSubscription(ctx, sub.ID+100, ended), ladda.NotFound)
		if got, err := s.Subscription(ctx, sub.ID); err != nil {
			t.Fatal(err)
		} else {
			wantTimePtr(t, "End", got.End, &ended)
		}
		// Now the user may take another plan of the organisation.
		next := &billing.Subscription{PlanID: maxPlan.ID, UserID: 5, Start: ended}
		if err := s.CreateSubscription(ctx, next); err != nil {
			t.Fatalf("subscribing after the end: %v", err)
		}

		for name, tt := range map[string]struct {
			user, plan int64
			want       []int64
		}{
			"user":          {5, 0, []int64{sub.ID, ownSub.ID, past.ID, next.ID}},
			"plan":          {0, maxPlan.ID, []int64{other.ID, past.ID, next.ID}},
			"user and plan": {5, maxPlan.ID, []int64{past.ID, next.ID}},
			"other user":    {8, 0, nil},
		} {
			if list, err := s.Subscriptions(ctx, tt.user, tt.plan); err != nil || !slices.Equal(subscriptionIDs(list), tt.want) {
				t.Errorf("Subscriptions(%s) = %v, %v; want %v", name, subscriptionIDs(list), err, tt.want)
			}
		}

		// Subscribing many times at once: one succeeds.
		oneWins(t, 8, func(int) (bool, error) {
			err := s.CreateSubscription(ctx, &billing.Subscription{PlanID: own.ID, UserID: 9, Start: t0})
			if ladda.IsKind(err, ladda.Conflict) {
				return false, nil
			}
			return err == nil, err
		})
	})
}

// wantSchedule fails unless got is want with its points in UTC.
func wantSchedule(tb testing.TB, got, want *billing.PriceSchedule) {
	tb.Helper()
	if got.Name != want.Name || got.Currency != want.Currency || got.Step != want.Step || len(got.Points) != len(want.Points) {
		tb.Fatalf("schedule = %+v, want %+v", got, want)
	}
	for i, p := range got.Points {
		w := want.Points[i]
		if !p.Start.Equal(w.Start) || p.Start.Location() != time.UTC || p.Price.Cmp(w.Price) != 0 {
			tb.Errorf("point %d = %v %s, want %v %s in UTC", i, p.Start, p.Price, w.Start, w.Price)
		}
	}
}

func testSchedules(t *testing.T, open func(t *testing.T) Store) {
	t.Run("price schedules are put, replaced, listed without points and deleted", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		_, err := s.Schedule(ctx, "spot-SE3")
		wantKind(t, err, ladda.NotFound)
		cet := time.FixedZone("CET", 3600)
		spot := &billing.PriceSchedule{Name: "spot-SE3", Currency: "SEK", Points: []billing.PricePoint{
			{Start: t0.In(cet), Price: mustAmount(t, "0.51234")},
			{Start: at(time.Hour), Price: mustAmount(t, "-0.0123")},
			{Start: at(2 * time.Hour).Add(time.Nanosecond), Price: mustAmount(t, "1")},
		}}
		if err := s.PutSchedule(ctx, spot, t0); err != nil {
			t.Fatal(err)
		}
		if spot.Points[0].Start.Location() != cet {
			t.Errorf("PutSchedule changed the caller's points")
		}
		got, err := s.Schedule(ctx, "spot-SE3")
		if err != nil {
			t.Fatal(err)
		}
		wantSchedule(t, got, spot)
		if price, ok := got.At(at(90 * time.Minute)); !ok || price.String() != "-0.0123" {
			t.Errorf("At(+90 min) = %s, %v", price, ok)
		}

		repl := &billing.PriceSchedule{Name: "spot-SE3", Currency: "EUR", Step: 15 * time.Minute, Points: []billing.PricePoint{{Start: t0, Price: mustAmount(t, "0.05")}}}
		if err := s.PutSchedule(ctx, repl, at(time.Hour)); err != nil {
			t.Fatal(err)
		}
		got, err = s.Schedule(ctx, "spot-SE3")
		if err != nil {
			t.Fatal(err)
		}
		wantSchedule(t, got, repl)
		empty := &billing.PriceSchedule{Name: "Alpha", Currency: "NOK"}
		if err := s.PutSchedule(ctx, empty, t0); err != nil {
			t.Fatal(err)
		}
		list, err := s.Schedules(ctx)
		if err != nil || len(list) != 2 {
			t.Fatalf("Schedules = %+v, %v", list, err)
		}
		for i, want := range []*billing.PriceSchedule{{Name: "Alpha", Currency: "NOK"}, {Name: "spot-SE3", Currency: "EUR", Step: 15 * time.Minute}} {
			if g := list[i]; g.Name != want.Name || g.Currency != want.Currency || g.Step != want.Step || g.Points != nil {
				t.Errorf("Schedules[%d] = %+v, want %+v without points", i, g, want)
			}
		}

		for name, bad := range map[string]*billing.PriceSchedule{
			"blank name":     {Name: " ", Currency: "SEK"},
			"unstorable":     {Name: "x\x00", Currency: "SEK"},
			"currency":       {Name: "spot-SE3", Currency: "sek"},
			"step":           {Name: "spot-SE3", Currency: "SEK", Step: 1500 * time.Millisecond},
			"points in turn": {Name: "spot-SE3", Currency: "SEK", Points: []billing.PricePoint{{Start: at(time.Hour)}, {Start: t0}}},
		} {
			if err := s.PutSchedule(ctx, bad, t0); !ladda.IsKind(err, ladda.Invalid) {
				t.Errorf("%s: PutSchedule = %v, want invalid", name, err)
			}
		}
		if got, _ := s.Schedule(ctx, "spot-SE3"); got.Currency != "EUR" {
			t.Errorf("after refused puts: %+v", got)
		}

		if err := s.DeleteSchedule(ctx, "spot-SE3"); err != nil {
			t.Fatal(err)
		}
		wantKind(t, s.DeleteSchedule(ctx, "spot-SE3"), ladda.NotFound)
		_, err = s.Schedule(ctx, "spot-SE3")
		wantKind(t, err, ladda.NotFound)
		if list, err := s.Schedules(ctx); err != nil || len(list) != 1 || list[0].Name != "Alpha" {
			t.Errorf("Schedules after the delete = %+v, %v", list, err)
		}
	})
}

// testPaymentsOfOrg: payments are listed by the organisation that sold them.
func testPaymentsOfOrg(t *testing.T, open func(t *testing.T) Store) {
	t.Parallel()
	s := open(t)
	ctx := t.Context()
	for i, org := range []int64{3, 4, 3} {
		p := &billing.PaymentRecord{Kind: billing.PayTopUp, UserID: int64(10 + i), OrgID: org, Currency: "EUR", State: billing.StatePending, CreatedAt: t0, UpdatedAt: t0}
		if _, err := s.CreatePayment(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	for org, want := range map[int64]int{3: 2, 4: 1, 5: 0, 0: 3} {
		if got, err := s.Payments(ctx, billing.PaymentFilter{OrgID: org}); err != nil || len(got) != want {
			t.Errorf("payments of org %d: %d, %v; want %d", org, len(got), err, want)
		} else if org != 0 && want > 0 && got[0].OrgID != org {
			t.Errorf("payment of org %d reads back with org %d", org, got[0].OrgID)
		}
	}
}
