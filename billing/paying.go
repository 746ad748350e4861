package billing

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
)

// Paying: how sessions, debts and top-ups become money through the Gateway, and how the
// ledger records it. Nothing here ever stops a charge: a payment that fails is kept as a debt
// and retried, and the operator sees it.

// ErrNoPayments is returned, as Unavailable, when the service has no gateway or no payment
// store.
var ErrNoPayments = errors.New("billing: payments are not configured")

func (s *Service) paying(op string) error {
	if s.gateway == nil || s.pay == nil {
		return &ladda.Error{Kind: ladda.Unavailable, Op: op, Message: "payments are not configured", Err: ErrNoPayments}
	}
	return nil
}

// SetupPayment creates or updates how a driver pays: the gateway customer (created once), a
// payment method tokenised by the gateway's client-side code (attached and made the default),
// what the driver calls it, and the mode.
func (s *Service) SetupPayment(ctx context.Context, userID int64, email, name, method, label string, mode PayMode) (*PaymentAccount, error) {
	const op = "billing.SetupPayment"
	if err := s.paying(op); err != nil {
		return nil, err
	}
	if mode != PayByCard && mode != PayByWallet {
		return nil, ladda.Errorf(ladda.Invalid, op, "mode must be card or wallet")
	}
	if len(label) > 64 || len(method) > 255 {
		return nil, ladda.Errorf(ladda.Invalid, op, "the label is at most 64 characters, the method 255")
	}
	a, err := s.pay.PaymentAccount(ctx, userID)
	switch {
	case ladda.IsKind(err, ladda.NotFound):
		customer, err := s.gateway.Customer(ctx, Customer{UserID: userID, Email: email, Name: name, Key: "customer:" + strconv.FormatInt(userID, 10)})
		if err != nil {
			return nil, ladda.Wrap(op, err)
		}
		a = &PaymentAccount{UserID: userID, Customer: customer}
	case err != nil:
		return nil, ladda.Wrap(op, err)
	}
	if method != "" && method != a.Method {
		if err := s.gateway.AttachMethod(ctx, a.Customer, method, "attach:"+strconv.FormatInt(userID, 10)+":"+method); err != nil {
			return nil, ladda.Wrap(op, err)
		}
		a.Method = method
	}
	if label != "" {
		a.Label = label
	}
	if mode == PayByCard && a.Method == "" {
		return nil, ladda.Errorf(ladda.Invalid, op, "paying by card needs a payment method")
	}
	a.Mode, a.UpdatedAt = mode, s.clock.Now()
	return a, ladda.Wrap(op, s.pay.SetPaymentAccount(ctx, a))
}

// PaymentAccount returns how a driver pays. Errors: NotFound when they have not set it up.
func (s *Service) PaymentAccount(ctx context.Context, userID int64) (*PaymentAccount, error) {
	if err := s.paying("billing.PaymentAccount"); err != nil {
		return nil, err
	}
	a, err := s.pay.PaymentAccount(ctx, userID)
	return a, ladda.Wrap("billing.PaymentAccount", err)
}

// RemovePaymentAccount forgets how a driver pays; their wallet balance stays.
func (s *Service) RemovePaymentAccount(ctx context.Context, userID int64) error {
	if err := s.paying("billing.RemovePaymentAccount"); err != nil {
		return err
	}
	return ladda.Wrap("billing.RemovePaymentAccount", s.pay.DeletePaymentAccount(ctx, userID))
}

// account returns the payment account of a token's user, nil when there is none (or no
// payments).
func (s *Service) account(ctx context.Context, userID int64) (*PaymentAccount, error) {
	if s.pay == nil || userID == 0 {
		return nil, nil
	}
	a, err := s.pay.PaymentAccount(ctx, userID)
	if ladda.IsKind(err, ladda.NotFound) {
		return nil, nil
	}
	return a, err
}

// Admit refuses, as Blocked, a token whose driver pays from a wallet that holds less than the
// minimum (charging.Admission).
func (s *Service) Admit(ctx context.Context, t *charging.IDToken) (charging.TokenStatus, error) {
	a, err := s.account(ctx, t.UserID)
	if err != nil || a == nil || a.Mode != PayByWallet {
		return charging.Accepted, err
	}
	bal, err := s.WalletBalance(ctx, t.UserID, s.walletCurrency)
	if err != nil {
		return charging.Accepted, err
	}
	if bal.Cmp(s.walletMinimum) < 0 {
		return charging.Blocked, nil
	}
	return charging.Accepted, nil
}

// WalletBalance is what a driver's wallet holds in a currency.
func (s *Service) WalletBalance(ctx context.Context, userID int64, currency string) (Amount, error) {
	if s.pay == nil {
		return Amount{}, nil
	}
	b, err := s.pay.Balance(ctx, WalletAccount(userID), currency)
	if err != nil {
		return Amount{}, ladda.Wrap("billing.WalletBalance", err)
	}
	return Amount{}.Sub(b), nil // a credit balance: money held for the driver
}

// Preauthorize reserves the tariff's pre-authorisation amount on the card of the driver of a
// session that started, once. Failing is recorded on the payment, never fatal.
func (s *Service) Preauthorize(ctx context.Context, tx *charging.Transaction, p *FrozenPrice) (*PaymentRecord, error) {
	const op = "billing.Preauthorize"
	if s.gateway == nil || s.pay == nil || p == nil || tx.IDToken == "" {
		return nil, nil
	}
	tok, err := s.src.IDToken(ctx, tx.IDToken)
	if err != nil || tok.UserID == 0 || tok.OrgID != 0 {
		return nil, nil // fleets' cards are invoiced, not charged
	}
	a, err := s.account(ctx, tok.UserID)
	if err != nil || a == nil || a.Mode != PayByCard {
		return nil, ladda.Wrap(op, err)
	}
	amount := s.preauth
	if p.Tariff.Preauthorize != nil {
		amount = *p.Tariff.Preauthorize
	}
	if amount.Sign() <= 0 {
		return nil, nil
	}
	now := s.clock.Now()
	var org int64
	if st, err := s.src.Station(ctx, tx.StationID); err == nil {
		org = st.OrgID
	}
	rec := &PaymentRecord{Kind: PaySession, UserID: tok.UserID, OrgID: org, TransactionID: tx.ID, Currency: p.Tariff.Tariff.Currency, State: StatePending,
		Customer: a.Customer, Label: a.Label, CreatedAt: now, UpdatedAt: now}
	created, err := s.pay.CreatePayment(ctx, rec)
	if err != nil || !created {
		return rec, ladda.Wrap(op, err)
	}
	pay, err := s.gateway.Authorize(ctx, PaymentRequest{Customer: a.Customer, Method: a.Method, Amount: amount, Currency: rec.Currency,
		Description: "Charging at " + string(tx.StationID), Key: "auth:" + strconv.FormatInt(rec.ID, 10),
		Metadata: map[string]string{"payment": strconv.FormatInt(rec.ID, 10), "transaction": strconv.FormatInt(int64(tx.ID), 10)}})
	s.apply(rec, pay, err)
	if rec.State == StateRetrying || rec.State == StateFailed {
		// Not reserved: the session goes on, and the card is charged for it afterwards.
		rec.State, rec.NextAttempt = StatePending, time.Time{}
	}
	return rec, ladda.Wrap(op, s.pay.UpdatePayment(ctx, rec))
}

// apply records the outcome of a gateway call on rec: the payment as the gateway sees it, or
// the error (Unavailable: retried later with backoff; otherwise failed).
func (s *Service) apply(rec *PaymentRecord, pay *Payment, err error) {
	now := s.clock.Now()
	rec.UpdatedAt = now
	if pay != nil {
		if pay.Ref != "" {
			rec.Ref = pay.Ref
		}
		rec.Authorized, rec.Captured, rec.Refunded = pay.Authorized, pay.Captured, pay.Refunded
		switch pay.Status {
		case PaymentAuthorized:
			rec.State = StateAuthorized
		case PaymentCaptured:
			rec.State = StateCaptured
		case PaymentReleased:
			rec.State = StateReleased
		case PaymentFailed:
			rec.State, rec.LastError = StateFailed, pay.Failure
			rec.Authorized = Amount{} // nothing is reserved on a failed payment
		case PaymentPending:
			rec.State = StatePending
		}
	}
	if err == nil {
		rec.NextAttempt, rec.LastError = time.Time{}, ""
		return
	}
	rec.Attempts++
	rec.LastError = ladda.ErrorMessage(err)
	if ladda.IsKind(err, ladda.Unavailable) || ladda.IsKind(err, ladda.Timeout) {
		// Uncertain: the call may have gone through. The retry repeats its key.
		rec.State = StateRetrying
		rec.NextAttempt = now.Add(min(time.Minute<<min(rec.Attempts-1, 12), 24*time.Hour))
		return
	}
	rec.KeyGen++ // refused for certain: the next try is a new request
	if pay == nil || pay.Status != PaymentAuthorized {
		rec.State = StateFailed
	}
}

// settle takes the payment of a session's CDR the way its driver pays, and returns what the
// invoice says it was paid by ("" when unpaid: no payment account, a fleet card, or a payment
// that failed and is now a debt).
func (s *Service) settle(ctx context.Context, c *CDR) (string, error) {
	const op = "billing.settle"
	if s.pay == nil || c.UserID == 0 || c.TokenOrgID != 0 {
		return "", nil
	}
	a, err := s.account(ctx, c.UserID)
	if err != nil || a == nil {
		return "", ladda.Wrap(op, err)
	}
	ref := "cdr:" + strconv.FormatInt(c.ID, 10)
	if a.Mode == PayByWallet {
		e, err := WalletDebit(c.UserID, c.OrgID, c.Place.Country, c.Net, c.Tax, c.Currency, ref, s.clock.Now())
		if err != nil {
			return "", ladda.Wrap(op, err)
		}
		if c.Total.Sign() == 0 {
			return "Wallet", nil
		}
		if _, err := s.pay.AppendEntry(ctx, e); err != nil {
			return "", ladda.Wrap(op, err)
		}
		return "Wallet", nil
	}
	if s.gateway == nil {
		return "", nil
	}
	rec, err := s.pay.PaymentOfTransaction(ctx, c.TransactionID, PaySession)
	if ladda.IsKind(err, ladda.NotFound) {
		now := s.clock.Now()
		rec = &PaymentRecord{Kind: PaySession, UserID: c.UserID, OrgID: c.OrgID, TransactionID: c.TransactionID, Currency: c.Currency, State: StatePending,
			Customer: a.Customer, Label: a.Label, CreatedAt: now, UpdatedAt: now}
		if _, err := s.pay.CreatePayment(ctx, rec); err != nil {
			return "", ladda.Wrap(op, err)
		}
	} else if err != nil {
		return "", ladda.Wrap(op, err)
	}
	rec.CDRID, rec.Due = c.ID, c.Total
	if err := s.collect(ctx, rec, a, c); err != nil {
		return "", err
	}
	if rec.State == StateCaptured || rec.State == StateReleased {
		return rec.Label, nil
	}
	return "", nil
}

// collect moves rec towards its end: captures what the session cost (raising the
// authorisation first if it cost more), releases a reservation nothing is owed on, or charges
// a card that was not pre-authorised. It books what happened: a capture as revenue and tax, a
// failure as a debt of the driver, a later capture of a debt as its settlement.
func (s *Service) collect(ctx context.Context, rec *PaymentRecord, a *PaymentAccount, c *CDR) error {
	key := func(what string) string {
		return what + ":" + strconv.FormatInt(rec.ID, 10) + ":" + strconv.Itoa(rec.KeyGen)
	}
	charge := func() (*Payment, error) {
		return s.gateway.Charge(ctx, PaymentRequest{Customer: a.Customer, Method: a.Method, Amount: c.Total, Currency: c.Currency,
			Description: "Charging session " + strconv.FormatInt(int64(c.TransactionID), 10), Key: key("charge"),
			Metadata: map[string]string{"payment": strconv.FormatInt(rec.ID, 10), "cdr": strconv.FormatInt(c.ID, 10)}})
	}
	var (
		pay *Payment
		err error
	)
	reserved := rec.Ref != "" && rec.Authorized.Sign() > 0 && rec.Captured.Sign() == 0 && rec.State != StateFailed
	switch {
	case rec.State == StateCaptured || rec.State == StateReleased || rec.State == StateRefunded:
		return nil
	case c.Total.Sign() == 0 && reserved:
		pay, err = s.gateway.Release(ctx, rec.Ref, key("release"))
	case c.Total.Sign() == 0:
		rec.State = StateReleased
		return ladda.Wrap("billing.collect", s.pay.UpdatePayment(ctx, rec))
	case reserved:
		// Reserved on the card (also when a capture's answer was lost): raise the reservation
		// if the session cost more, then capture, each with the key of its first try.
		if c.Total.Cmp(rec.Authorized) > 0 {
			pay, err = s.gateway.Increment(ctx, rec.Ref, c.Total, c.Currency, key("increment"))
			switch {
			case err == nil:
				s.apply(rec, pay, nil)
			case !ladda.IsKind(err, ladda.Unavailable) && !ladda.IsKind(err, ladda.Timeout):
				// The card cannot raise it: give the reservation back and charge the total.
				if _, rerr := s.gateway.Release(ctx, rec.Ref, key("release")); rerr != nil {
					err = rerr
					break
				}
				rec.Ref, rec.Authorized = "", Amount{}
				pay, err = charge()
				s.apply(rec, pay, err)
				return s.book(ctx, rec, c)
			}
		}
		if err == nil {
			pay, err = s.gateway.Capture(ctx, rec.Ref, c.Total, c.Currency, key("capture"))
		}
	default:
		// Not reserved (no pre-authorisation, or it failed): charge the card for the total.
		pay, err = charge()
	}
	s.apply(rec, pay, err)
	return s.book(ctx, rec, c)
}

// book writes the ledger entries of rec's state, each once (entries are idempotent by ref),
// then stores rec, and announces a capture or a failure. Entries go first: if storing rec
// fails, a retry finds them written and writes nothing twice.
func (s *Service) book(ctx context.Context, rec *PaymentRecord, c *CDR) error {
	const op = "billing.book"
	now := s.clock.Now()
	id := strconv.FormatInt(rec.ID, 10)
	var entries []*Entry
	switch rec.State {
	case StateCaptured:
		if rec.Debt {
			e, err := DebtSettled(rec.UserID, s.gatewayName, c.Total, c.Currency, "settle:"+id, now)
			if err != nil {
				return ladda.Wrap(op, err)
			}
			entries = append(entries, e)
		} else {
			e, err := CardCapture(s.gatewayName, c.OrgID, c.Place.Country, c.Net, c.Tax, c.Currency, "capture:"+id, now)
			if err != nil {
				return ladda.Wrap(op, err)
			}
			entries = append(entries, e)
		}
	case StateFailed, StateRetrying:
		// The session is owed: a debt of the driver until a retry captures it.
		if !rec.Debt && c.Total.Sign() > 0 {
			e, err := Debt(rec.UserID, c.OrgID, c.Place.Country, c.Net, c.Tax, c.Currency, "debt:"+id, now)
			if err != nil {
				return ladda.Wrap(op, err)
			}
			entries = append(entries, e)
			rec.Debt = true
		}
	}
	for _, e := range entries {
		if err := splitTax(e, rec.TaxByCountry); err != nil {
			return ladda.Wrap(op, err)
		}
	}
	var fresh []*Entry
	for _, e := range entries {
		created, err := s.pay.AppendEntry(ctx, e)
		if err != nil {
			return ladda.Wrap(op, err)
		}
		if created {
			fresh = append(fresh, e)
		}
	}
	if err := s.pay.UpdatePayment(ctx, rec); err != nil {
		return ladda.Wrap(op, err)
	}
	for range fresh {
		switch rec.State {
		case StateCaptured:
			s.events.Publish(ctx, ladda.Event{Type: ladda.EventPaymentCaptured, Time: now, Data: rec})
		case StateFailed, StateRetrying:
			s.events.Publish(ctx, ladda.Event{Type: ladda.EventPaymentFailed, Time: now, Data: rec})
		}
	}
	return nil
}

// RetryPayments tries again the payments whose gateway call failed and whose next attempt is
// due, and raises the authorisation of running sessions whose cost nears it. It returns how
// many payments it moved on.
func (s *Service) RetryPayments(ctx context.Context) (int, error) {
	const op = "billing.RetryPayments"
	if s.pay == nil || s.gateway == nil {
		return 0, nil
	}
	now := s.clock.Now()
	n := 0
	due, err := s.pay.Payments(ctx, PaymentFilter{States: []PaymentState{StateRetrying}, DueBefore: now.Add(time.Microsecond), Limit: 200})
	if err != nil {
		return 0, ladda.Wrap(op, err)
	}
	for _, rec := range due {
		if rec.InvoiceID != 0 {
			inv, err := s.store.Invoice(ctx, rec.InvoiceID)
			if err != nil {
				return n, ladda.Wrap(op, err)
			}
			a, err := s.account(ctx, rec.UserID)
			if err != nil || a == nil {
				continue
			}
			if err := s.collectInvoice(ctx, rec, a, inv); err != nil && !ladda.IsKind(err, ladda.Conflict) {
				s.log.Error("retrying a payment", "payment", rec.ID, "err", err)
				continue
			}
			n++
			continue
		}
		if rec.CDRID == 0 {
			continue // a pre-authorisation that failed: the capture after the session charges instead
		}
		c, err := s.store.CDR(ctx, rec.CDRID)
		if err != nil {
			return n, ladda.Wrap(op, err)
		}
		a, err := s.account(ctx, rec.UserID)
		if err != nil || a == nil {
			continue
		}
		if err := s.collect(ctx, rec, a, c); err != nil && !ladda.IsKind(err, ladda.Conflict) {
			s.log.Error("retrying a payment", "payment", rec.ID, "err", err)
			continue
		}
		n++
	}
	running, err := s.pay.Payments(ctx, PaymentFilter{States: []PaymentState{StateAuthorized}, Limit: 500})
	if err != nil {
		return n, ladda.Wrap(op, err)
	}
	for _, rec := range running {
		if rec.TransactionID == 0 || rec.CDRID != 0 {
			continue
		}
		e, err := s.Cost(ctx, rec.TransactionID)
		if err != nil || e.Final {
			continue
		}
		// At 80 % of the reservation, double it: a long session stays covered.
		limit := Amount{new(big.Rat).Mul(rec.Authorized.rat(), big.NewRat(4, 5))}
		if e.Bill.Gross.Cmp(limit) < 0 {
			continue
		}
		total := rec.Authorized.Add(rec.Authorized)
		pay, err := s.gateway.Increment(ctx, rec.Ref, total, rec.Currency, "increment:"+strconv.FormatInt(rec.ID, 10)+":"+total.String())
		if err != nil && pay == nil {
			s.log.Warn("raising an authorisation", "payment", rec.ID, "err", err)
			continue
		}
		s.apply(rec, pay, nil)
		if err := s.pay.UpdatePayment(ctx, rec); err != nil {
			return n, ladda.Wrap(op, err)
		}
		n++
	}
	return n, nil
}

// TopUp charges a driver's card and puts the money into their wallet. A payment the gateway
// has not confirmed yet (3-D Secure) is booked when its webhook arrives.
func (s *Service) TopUp(ctx context.Context, userID int64, amount Amount, currency string) (*PaymentRecord, error) {
	const op = "billing.TopUp"
	if err := s.paying(op); err != nil {
		return nil, err
	}
	if amount.Sign() <= 0 || !amount.IsRounded(Exponent(currency)) {
		return nil, ladda.Errorf(ladda.Invalid, op, "a top-up is a positive amount in whole minor units of %s", currency)
	}
	a, err := s.account(ctx, userID)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if a == nil || a.Method == "" {
		return nil, ladda.Errorf(ladda.Conflict, op, "add a payment method before topping up")
	}
	now := s.clock.Now()
	rec := &PaymentRecord{Kind: PayTopUp, UserID: userID, Currency: currency, State: StatePending, Customer: a.Customer, Label: a.Label,
		Due: amount, CreatedAt: now, UpdatedAt: now}
	if _, err := s.pay.CreatePayment(ctx, rec); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	pay, err := s.gateway.Charge(ctx, PaymentRequest{Customer: a.Customer, Method: a.Method, Amount: amount, Currency: currency,
		Description: "Wallet top-up", Key: "topup:" + strconv.FormatInt(rec.ID, 10), Metadata: map[string]string{"payment": strconv.FormatInt(rec.ID, 10)}})
	s.apply(rec, pay, err)
	if rec.State == StateRetrying {
		rec.State = StateFailed // a top-up is not retried on its own: the driver tries again
	}
	if e := s.pay.UpdatePayment(ctx, rec); e != nil {
		return nil, ladda.Wrap(op, e)
	}
	if err != nil {
		return rec, ladda.Wrap(op, err)
	}
	return rec, s.bookTopUp(ctx, rec)
}

func (s *Service) bookTopUp(ctx context.Context, rec *PaymentRecord) error {
	if rec.State != StateCaptured {
		return nil
	}
	e, err := TopUp(rec.UserID, s.gatewayName, rec.Captured, rec.Currency, "topup:"+strconv.FormatInt(rec.ID, 10), s.clock.Now())
	if err != nil {
		return ladda.Wrap("billing.TopUp", err)
	}
	created, err := s.pay.AppendEntry(ctx, e)
	if created {
		s.events.Publish(ctx, ladda.Event{Type: ladda.EventPaymentCaptured, Time: s.clock.Now(), Data: rec})
	}
	return ladda.Wrap("billing.TopUp", err)
}

// RefundPayment returns amount of a captured session payment to the card, and books it.
// Errors: Conflict for a payment that is not captured or an amount beyond what is left.
func (s *Service) RefundPayment(ctx context.Context, id int64, amount Amount) (*PaymentRecord, error) {
	const op = "billing.RefundPayment"
	if err := s.paying(op); err != nil {
		return nil, err
	}
	rec, err := s.pay.Payment(ctx, id)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	left := rec.Captured.Sub(rec.Refunded)
	switch {
	case rec.State != StateCaptured || rec.Kind != PaySession || rec.CDRID == 0:
		return nil, ladda.Errorf(ladda.Conflict, op, "payment %d is not a captured session payment", id)
	case amount.Sign() <= 0 || !amount.IsRounded(Exponent(rec.Currency)):
		return nil, ladda.Errorf(ladda.Invalid, op, "a refund is a positive amount in whole minor units of %s", rec.Currency)
	case amount.Cmp(left) > 0:
		return nil, ladda.Errorf(ladda.Conflict, op, "payment %d has %s %s left to refund", id, left.Format(Exponent(rec.Currency)), rec.Currency)
	}
	c, err := s.store.CDR(ctx, rec.CDRID)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	// The key names what was refunded before: a retry of this refund repeats it, the next
	// refund has its own.
	refund, err := s.gateway.Refund(ctx, rec.Ref, amount, rec.Currency, fmt.Sprintf("refund:%d:%s:%s", rec.ID, rec.Refunded, amount))
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if refund.Status == "failed" {
		return nil, ladda.Errorf(ladda.Conflict, op, "the gateway refused the refund")
	}
	// The tax goes back in the proportion the session was taxed. The entry goes first: if
	// recording the payment fails, a retry finds the entry written (idempotent by the
	// gateway's refund reference) and books nothing twice.
	exp := Exponent(rec.Currency)
	tax := Amount{}
	if c.Total.Sign() != 0 {
		tax = Amount{new(big.Rat).Quo(new(big.Rat).Mul(amount.rat(), c.Tax.rat()), c.Total.rat())}.Round(exp)
	}
	e, err := CardRefund(s.gatewayName, c.OrgID, c.Place.Country, amount.Sub(tax), tax, rec.Currency, "refund:"+refund.Ref, s.clock.Now())
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if _, err := s.pay.AppendEntry(ctx, e); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	rec.Refunded = rec.Refunded.Add(amount)
	if rec.Refunded.Cmp(rec.Captured) >= 0 {
		rec.State = StateRefunded
	}
	rec.UpdatedAt = s.clock.Now()
	return rec, ladda.Wrap(op, s.pay.UpdatePayment(ctx, rec))
}

// GatewayEvent applies a webhook of the gateway: a payment captured, failed or released
// outside a call of ours (3-D Secure completed, a capture confirmed late, a refund). Each event
// is applied once. Errors: Unauthorized for a bad signature.
func (s *Service) GatewayEvent(ctx context.Context, payload []byte, signature string) error {
	const op = "billing.GatewayEvent"
	if err := s.paying(op); err != nil {
		return err
	}
	ev, err := s.gateway.Event(payload, signature)
	if err != nil {
		return ladda.Wrap(op, err)
	}
	if ev.Kind == "" || ev.PaymentRef == "" {
		return nil
	}
	if err := s.applyEvent(ctx, ev); err != nil {
		return ladda.Wrap(op, err) // the gateway sends it again
	}
	// Seen only once applied: applying again is harmless (states only move forward, entries
	// are idempotent), so the record of events only saves work.
	_, err = s.pay.SeenGatewayEvent(ctx, ev.ID, s.clock.Now())
	return ladda.Wrap(op, err)
}

// applyEvent moves a payment as a gateway event says.
func (s *Service) applyEvent(ctx context.Context, ev *GatewayEvent) error {
	const op = "billing.applyEvent"
	rec, err := s.pay.PaymentByRef(ctx, ev.PaymentRef)
	if ladda.IsKind(err, ladda.NotFound) {
		return nil // not ours, or not recorded yet: the call's own answer will be
	}
	if err != nil {
		return err
	}
	before := rec.State
	switch ev.Kind {
	case "payment.captured":
		if rec.State == StateCaptured || rec.State == StateRefunded {
			return nil
		}
		rec.State, rec.Captured = StateCaptured, ev.Amount
	case "payment.authorized":
		if rec.State == StatePending {
			rec.State, rec.Authorized = StateAuthorized, ev.Amount
		}
	case "payment.failed":
		if rec.State != StateCaptured {
			rec.State, rec.LastError = StateFailed, ev.Failure
		}
	case "payment.released":
		if rec.State != StateCaptured {
			rec.State = StateReleased
		}
	default:
		return nil
	}
	if rec.State == before {
		return nil
	}
	rec.UpdatedAt = s.clock.Now()
	if rec.InvoiceID != 0 {
		inv, err := s.store.Invoice(ctx, rec.InvoiceID)
		if err != nil {
			return ladda.Wrap(op, err)
		}
		return s.book(ctx, rec, invoiceAsCDR(rec, inv))
	}
	if rec.CDRID == 0 {
		if err := s.pay.UpdatePayment(ctx, rec); err != nil {
			return ladda.Wrap(op, err)
		}
		if rec.Kind == PayTopUp {
			return s.bookTopUp(ctx, rec)
		}
		return nil
	}
	c, err := s.store.CDR(ctx, rec.CDRID)
	if err != nil {
		return ladda.Wrap(op, err)
	}
	return s.book(ctx, rec, c)
}

// Payments lists payments, newest first.
func (s *Service) Payments(ctx context.Context, f PaymentFilter) ([]*PaymentRecord, error) {
	if err := s.paying("billing.Payments"); err != nil {
		return nil, err
	}
	list, err := s.pay.Payments(ctx, f)
	return list, ladda.Wrap("billing.Payments", err)
}

// Payment returns one payment.
func (s *Service) Payment(ctx context.Context, id int64) (*PaymentRecord, error) {
	if err := s.paying("billing.Payment"); err != nil {
		return nil, err
	}
	p, err := s.pay.Payment(ctx, id)
	return p, ladda.Wrap("billing.Payment", err)
}

// NoticeUser is the driver a payment concerns (notification.Addressed).
func (p *PaymentRecord) NoticeUser() int64 { return p.UserID }

// NoticeOrg is 0: organisations hear of payments through their reports, not one by one.
func (p *PaymentRecord) NoticeOrg() int64 { return 0 }

// NoticeData is what the receipt and the webhook about a payment say.
func (p *PaymentRecord) NoticeData() map[string]any {
	exp := Exponent(p.Currency)
	amount := p.Captured
	if p.State != StateCaptured {
		amount = p.Due
	}
	return map[string]any{"ID": p.ID, "Kind": string(p.Kind), "State": string(p.State), "Amount": amount.Format(exp), "Currency": p.Currency,
		"Card": p.Label, "TransactionID": int64(p.TransactionID), "Time": p.UpdatedAt}
}
