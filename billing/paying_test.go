package billing_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/billing"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/station"
)

// fakeGateway is a payment gateway in memory, with state. It is a fake at a boundary: Stripe
// itself cannot be reached here, and stripe-mock (which billing/stripe is tested against)
// keeps no state, so the flows of payments across calls (authorise, raise, capture, fail,
// retry) are tested against this.
type fakeGateway struct {
	mu       sync.Mutex
	n        int
	payments map[string]*billing.Payment
	done     map[string]*billing.Payment // idempotency: a key answers as it did the first time
	down     bool                        // every call fails as Unavailable
	decline  bool                        // authorisations and charges are declined
	lose     string                      // this call goes through, but its answer is lost (Unavailable), once
	noRaise  bool                        // increments are refused: the card has no incremental authorisation
	calls    []string
	keys     []string // the idempotency key of every call, in order
}

func newFakeGateway() *fakeGateway {
	return &fakeGateway{payments: map[string]*billing.Payment{}, done: map[string]*billing.Payment{}}
}

func (g *fakeGateway) call(name, key string, f func() (*billing.Payment, error)) (*billing.Payment, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls = append(g.calls, name)
	g.keys = append(g.keys, key)
	if g.down {
		return nil, ladda.Errorf(ladda.Unavailable, "fake."+name, "the gateway is down")
	}
	if p, ok := g.done[key]; ok {
		c := *p
		return &c, nil
	}
	p, err := f()
	if err == nil {
		c := *p
		g.done[key] = &c
	}
	if g.lose == name {
		g.lose = ""
		return nil, ladda.Errorf(ladda.Unavailable, "fake."+name, "the connection broke before the answer")
	}
	return p, err
}

// captured lists the payments the gateway has captured, by reference.
func (g *fakeGateway) captured() map[string]string {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := map[string]string{}
	for ref, p := range g.payments {
		if p.Status == billing.PaymentCaptured {
			out[ref] = p.Captured.String()
		}
	}
	return out
}

func (g *fakeGateway) Customer(_ context.Context, c billing.Customer) (string, error) {
	return "cus_" + fmt.Sprint(c.UserID), nil
}

func (g *fakeGateway) AttachMethod(context.Context, string, string, string) error { return nil }

func (g *fakeGateway) create(r billing.PaymentRequest, capture bool) (*billing.Payment, error) {
	g.n++
	p := &billing.Payment{Ref: fmt.Sprintf("pi_%d", g.n), Currency: r.Currency, Authorized: r.Amount, Status: billing.PaymentAuthorized}
	if capture {
		p.Status, p.Captured = billing.PaymentCaptured, r.Amount
	}
	if g.decline {
		p.Status, p.Failure = billing.PaymentFailed, "Your card has insufficient funds."
		g.payments[p.Ref] = p
		return p, ladda.Errorf(ladda.Conflict, "fake", "the card was declined: insufficient_funds")
	}
	g.payments[p.Ref] = p
	return p, nil
}

func (g *fakeGateway) Authorize(_ context.Context, r billing.PaymentRequest) (*billing.Payment, error) {
	return g.call("authorize", r.Key, func() (*billing.Payment, error) { return g.create(r, false) })
}

func (g *fakeGateway) Charge(_ context.Context, r billing.PaymentRequest) (*billing.Payment, error) {
	return g.call("charge", r.Key, func() (*billing.Payment, error) { return g.create(r, true) })
}

func (g *fakeGateway) Increment(_ context.Context, ref string, total billing.Amount, _, key string) (*billing.Payment, error) {
	return g.call("increment", key, func() (*billing.Payment, error) {
		if g.noRaise {
			return nil, ladda.Errorf(ladda.Conflict, "fake", "incremental authorization is not available for this payment")
		}
		p := g.payments[ref]
		p.Authorized = total
		return p, nil
	})
}

func (g *fakeGateway) Capture(_ context.Context, ref string, amount billing.Amount, _, key string) (*billing.Payment, error) {
	return g.call("capture", key, func() (*billing.Payment, error) {
		p := g.payments[ref]
		if amount.Cmp(p.Authorized) > 0 {
			return nil, ladda.Errorf(ladda.Conflict, "fake", "amount_too_large")
		}
		p.Status, p.Captured = billing.PaymentCaptured, amount
		return p, nil
	})
}

func (g *fakeGateway) Release(_ context.Context, ref, key string) (*billing.Payment, error) {
	return g.call("release", key, func() (*billing.Payment, error) {
		p := g.payments[ref]
		p.Status = billing.PaymentReleased
		return p, nil
	})
}

func (g *fakeGateway) Refund(_ context.Context, ref string, amount billing.Amount, currency, key string) (*billing.Refund, error) {
	p, err := g.call("refund", key, func() (*billing.Payment, error) {
		p := g.payments[ref]
		p.Refunded = p.Refunded.Add(amount)
		return p, nil
	})
	if err != nil {
		return nil, err
	}
	return &billing.Refund{Ref: "re_" + key, PaymentRef: p.Ref, Amount: amount, Currency: currency, Status: "succeeded"}, nil
}

func (g *fakeGateway) Event([]byte, string) (*billing.GatewayEvent, error) {
	return nil, ladda.Errorf(ladda.Unauthorized, "fake", "no webhooks in the fake")
}

// payEnv is an env whose service takes payments through a fake gateway, with a driver DANA
// who pays by card and a station whose tariff costs 2.50 EUR per kWh excluding 25 % VAT and
// pre-authorises 30 EUR.
type payEnv struct {
	*env
	gw     *fakeGateway
	user   *account.User
	events []ladda.Event
}

func newPayEnv(t *testing.T) *payEnv {
	t.Helper()
	ctx := t.Context()
	e := &payEnv{env: newEnv(t), gw: newFakeGateway()}
	svc, err := billing.NewService(e.db, e.db, billing.Options{Clock: e.clock, Gateway: e.gw, Payments: e.db, WalletCurrency: "EUR", HomeCountry: "SE",
		WalletMinimum: amount(t, "5"), Events: ladda.PublisherFunc(func(_ context.Context, ev ladda.Event) { e.events = append(e.events, ev) })})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	pre := amount(t, "30")
	st := &billing.StoredTariff{OrgID: e.org, Name: "Card", Preauthorize: &pre, Tariff: billing.Tariff{Currency: "EUR",
		Elements: []billing.Element{{Components: []billing.Component{{Type: billing.Energy, Price: amount(t, "2.50")}}}}}}
	if err := svc.CreateTariff(ctx, st); err != nil {
		t.Fatal(err)
	}
	if err := svc.Assign(ctx, &billing.Assignment{TariffID: st.ID, SiteID: e.site.ID}); err != nil {
		t.Fatal(err)
	}
	e.user = &account.User{Email: "dana@example.com", Name: "Dana", Role: account.Driver, Language: "en", CreatedAt: t0, UpdatedAt: t0}
	if err := e.db.CreateUser(ctx, e.user); err != nil {
		t.Fatal(err)
	}
	if err := e.db.CreateIDToken(ctx, &charging.IDToken{Token: "DANA", Type: "ISO14443", Status: charging.Accepted, UserID: e.user.ID, CreatedAt: t0, UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetupPayment(ctx, e.user.ID, e.user.Email, e.user.Name, "pm_card_visa", "Visa •••• 4242", billing.PayByCard); err != nil {
		t.Fatal(err)
	}
	return e
}

// session runs a 10 kWh session for DANA (25 EUR + 6.25 VAT = 31.25 EUR) through the
// service's event handling, and returns its CDR.
func (e *payEnv) session(t *testing.T) *billing.CDR {
	t.Helper()
	ctx := t.Context()
	start := 0.0
	tx := &charging.Transaction{StationID: "CP-1", StartKey: "pay" + e.clock.Now().String(), EVSEID: 1, ConnectorID: 1, IDToken: "DANA",
		StartedAt: e.clock.Now(), MeterStartWh: &start, MeterLastWh: &start, UpdatedAt: e.clock.Now()}
	if _, err := e.db.StartTransaction(ctx, tx); err != nil {
		t.Fatal(err)
	}
	e.svc.Handle(ctx, ladda.Event{Type: ladda.EventTransactionStarted, Data: tx})
	e.clock.Advance(time.Hour)
	stop := 10000.0
	stopped, err := e.db.StopTransaction(ctx, charging.StopReport{TransactionID: tx.ID, StoppedAt: e.clock.Now(), MeterStopWh: &stop, At: e.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	e.svc.Handle(ctx, ladda.Event{Type: ladda.EventTransactionEnded, Data: stopped})
	list, err := e.svc.CDRs(ctx, billing.CDRFilter{UserID: e.user.ID, Limit: 1})
	if err != nil || len(list) == 0 || list[0].TransactionID != tx.ID {
		t.Fatalf("CDR of the session: %v, %v", list, err)
	}
	return list[0]
}

func (e *payEnv) balance(t *testing.T, a billing.Account) string {
	t.Helper()
	b, err := e.db.Balance(t.Context(), a, "EUR")
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestCardPaymentIsAuthorisedCapturedAndBooked(t *testing.T) {
	t.Parallel()
	e := newPayEnv(t)
	ctx := t.Context()
	c := e.session(t)
	if c.Total.String() != "31.25" {
		t.Fatalf("session total %s, want 31.25", c.Total)
	}
	// 31.25 is more than the 30 reserved: the authorisation is raised, then captured.
	if got := fmt.Sprint(e.gw.calls); got != "[authorize increment capture]" {
		t.Errorf("gateway calls %s", got)
	}
	pays, err := e.svc.Payments(ctx, billing.PaymentFilter{UserID: e.user.ID})
	if err != nil || len(pays) != 1 {
		t.Fatalf("payments = %v, %v", pays, err)
	}
	p := pays[0]
	if p.State != billing.StateCaptured || p.Captured.String() != "31.25" || p.CDRID != c.ID || p.Debt {
		t.Errorf("payment = %+v", p)
	}
	// The books: the gateway owes us 31.25, of which 25 is the operator's revenue and 6.25 tax.
	if g, r, x := e.balance(t, billing.GatewayAccount("stripe")), e.balance(t, billing.RevenueAccount(e.org)), e.balance(t, billing.TaxAccount("SE")); g != "31.25" || r != "-25" || x != "-6.25" {
		t.Errorf("ledger: gateway %s, revenue %s, tax %s", g, r, x)
	}
	// The invoice says it is paid; the driver gets a receipt.
	invs, _ := e.svc.Invoices(ctx, billing.InvoiceFilter{BuyerUserID: e.user.ID})
	if len(invs) != 1 || invs[0].PaidBy != "Visa •••• 4242" || !invs[0].DueAt.IsZero() {
		t.Errorf("invoice = %+v", invs)
	}
	var kinds []ladda.EventType
	for _, ev := range e.events {
		kinds = append(kinds, ev.Type)
	}
	if fmt.Sprint(kinds) != "[payment.captured invoice.issued]" {
		t.Errorf("events %v", kinds)
	}

	// A partial refund returns money to the card and takes revenue and tax back in proportion.
	if _, err := e.svc.RefundPayment(ctx, p.ID, amount(t, "12.50")); err != nil {
		t.Fatal(err)
	}
	if g, r, x := e.balance(t, billing.GatewayAccount("stripe")), e.balance(t, billing.RevenueAccount(e.org)), e.balance(t, billing.TaxAccount("SE")); g != "18.75" || r != "-15" || x != "-3.75" {
		t.Errorf("after the refund: gateway %s, revenue %s, tax %s", g, r, x)
	}
	if _, err := e.svc.RefundPayment(ctx, p.ID, amount(t, "18.76")); !ladda.IsKind(err, ladda.Conflict) {
		t.Errorf("refunding more than is left: %v, want conflict", err)
	}
}

func TestAFailedPaymentBecomesADebtAndIsRetried(t *testing.T) {
	t.Parallel()
	e := newPayEnv(t)
	ctx := t.Context()
	e.gw.down = true
	c := e.session(t) // the charge goes on, and is recorded, whatever the gateway does
	pays, _ := e.svc.Payments(ctx, billing.PaymentFilter{UserID: e.user.ID})
	if len(pays) != 1 || pays[0].State != billing.StateRetrying || !pays[0].Debt || pays[0].NextAttempt.IsZero() {
		t.Fatalf("payment while the gateway is down = %+v", pays)
	}
	if d := e.balance(t, billing.ReceivableAccount(e.user.ID)); d != "31.25" {
		t.Errorf("the driver's debt = %s, want 31.25", d)
	}
	invs, _ := e.svc.Invoices(ctx, billing.InvoiceFilter{BuyerUserID: e.user.ID})
	if len(invs) != 1 || invs[0].PaidBy != "" || invs[0].DueAt.IsZero() {
		t.Errorf("invoice of an unpaid session = %+v", invs)
	}
	// Not yet due: nothing happens.
	if n, err := e.svc.RetryPayments(ctx); err != nil || n != 0 {
		t.Errorf("RetryPayments before the next attempt = %d, %v", n, err)
	}
	e.gw.down = false
	e.clock.Advance(2 * time.Minute)
	if n, err := e.svc.RetryPayments(ctx); err != nil || n != 1 {
		t.Fatalf("RetryPayments = %d, %v", n, err)
	}
	p, _ := e.svc.Payment(ctx, pays[0].ID)
	if p.State != billing.StateCaptured || p.Captured.String() != "31.25" {
		t.Errorf("payment after the retry = %+v", p)
	}
	// The debt is settled: the receivable is back to zero, the gateway owes the total.
	if d, g := e.balance(t, billing.ReceivableAccount(e.user.ID)), e.balance(t, billing.GatewayAccount("stripe")); d != "0" || g != "31.25" {
		t.Errorf("after the retry: debt %s, gateway %s", d, g)
	}
	_ = c
}

func TestADeclinedCardIsADebtTheOperatorSees(t *testing.T) {
	t.Parallel()
	e := newPayEnv(t)
	ctx := t.Context()
	e.gw.decline = true
	e.session(t)
	failed, err := e.svc.Payments(ctx, billing.PaymentFilter{States: []billing.PaymentState{billing.StateFailed}})
	if err != nil || len(failed) != 1 || !failed[0].Debt || failed[0].LastError == "" {
		t.Fatalf("failed payments = %+v, %v", failed, err)
	}
	if d := e.balance(t, billing.ReceivableAccount(e.user.ID)); d != "31.25" {
		t.Errorf("debt = %s", d)
	}
}

func TestWalletTopUpDebitAndAdmission(t *testing.T) {
	t.Parallel()
	e := newPayEnv(t)
	ctx := t.Context()
	if _, err := e.svc.SetupPayment(ctx, e.user.ID, "", "", "", "", billing.PayByWallet); err != nil {
		t.Fatal(err)
	}
	tok := &charging.IDToken{Token: "DANA", UserID: e.user.ID, Status: charging.Accepted}
	if st, err := e.svc.Admit(ctx, tok); err != nil || st != charging.Blocked {
		t.Errorf("an empty wallet admits: %v, %v; want Blocked", st, err)
	}
	if _, err := e.svc.TopUp(ctx, e.user.ID, amount(t, "50"), "EUR"); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.svc.Admit(ctx, tok); st != charging.Accepted {
		t.Errorf("a topped-up wallet: %v, want Accepted", st)
	}
	e.session(t)
	if b, _ := e.svc.WalletBalance(ctx, e.user.ID, "EUR"); b.String() != "18.75" {
		t.Errorf("wallet after a 31.25 session = %s, want 18.75", b)
	}
	// The wallet paid: no card call for the session, and the invoice says so.
	if got := fmt.Sprint(e.gw.calls); got != "[charge]" {
		t.Errorf("gateway calls %s, want only the top-up", got)
	}
	invs, _ := e.svc.Invoices(ctx, billing.InvoiceFilter{BuyerUserID: e.user.ID})
	if len(invs) != 1 || invs[0].PaidBy != "Wallet" {
		t.Errorf("invoice = %+v", invs)
	}
	if _, err := e.svc.TopUp(ctx, e.user.ID, amount(t, "0.001"), "EUR"); !ladda.IsKind(err, ladda.Invalid) {
		t.Errorf("a top-up of a tenth of a cent: %v", err)
	}
}

func TestSubscriptionIsBilledMonthlyWithItsMemberPrice(t *testing.T) {
	t.Parallel()
	e := newPayEnv(t)
	ctx := t.Context()
	// Members pay 2.00 instead of 2.50 per kWh, and the plan includes 5 kWh a month.
	member := &billing.StoredTariff{OrgID: e.org, Name: "Member", Tariff: billing.Tariff{Currency: "EUR",
		Elements: []billing.Element{{Components: []billing.Component{{Type: billing.Energy, Price: amount(t, "2")}}}}}}
	if err := e.svc.CreateTariff(ctx, member); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Assign(ctx, &billing.Assignment{TariffID: member.ID, SiteID: e.site.ID, CustomerGroup: "plus"}); err != nil {
		t.Fatal(err)
	}
	plan := &billing.Plan{OrgID: e.org, Name: "Plus", Currency: "EUR", MonthlyFee: amount(t, "31"), IncludedKWh: mustQ(t, "5"),
		DiscountPercent: mustQ(t, "10"), CustomerGroup: "plus"}
	if err := e.svc.CreatePlan(ctx, plan); err != nil {
		t.Fatal(err)
	}
	// Subscribed from 11:00 on 3 March: 685 of March's 744 hours (in UTC).
	sub, err := e.svc.Subscribe(ctx, e.user.ID, plan.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Subscribe(ctx, e.user.ID, plan.ID); !ladda.IsKind(err, ladda.Conflict) {
		t.Errorf("a second running subscription: %v, want conflict", err)
	}
	if p, err := e.svc.Resolve(ctx, "CP-1", "DANA"); err != nil || p.TariffName != "Member" {
		t.Fatalf("a subscriber's price = %+v, %v; want the member tariff", p, err)
	}
	c := e.session(t) // 10 kWh at 2.00: 20 EUR + 25 % VAT
	if c.Total.String() != "25" {
		t.Fatalf("member session total %s, want 25", c.Total)
	}
	// Billed with the month, not at once.
	if invs, _ := e.svc.Invoices(ctx, billing.InvoiceFilter{BuyerUserID: e.user.ID}); len(invs) != 0 {
		t.Fatalf("a subscriber's session was invoiced at once: %+v", invs)
	}
	e.gw.calls = nil
	e.clock.Set(time.Date(2025, 4, 1, 1, 0, 0, 0, time.UTC))
	issued, err := e.svc.MonthEnd(ctx)
	if err != nil || len(issued) != 1 {
		t.Fatalf("MonthEnd = %+v, %v; want the subscription's invoice", issued, err)
	}
	inv := issued[0]
	// Fee 31 × 685/744 = 28.5416…; energy 10 kWh × 2 = 20; included 5 kWh × 2 = -10; member
	// discount 10 % of the other 10 EUR = -1. Net 37.5416… → 37.54; VAT 25 % per line:
	// 7.1354…→7.14, 5, -2.50, -0.25 = 9.39. Total 46.93.
	if inv.Net.String() != "37.54" || inv.Tax.String() != "9.39" || inv.Total.String() != "46.93" || inv.SubscriptionID != sub.ID || len(inv.CDRs) != 1 {
		for _, l := range inv.Lines {
			t.Logf("%s %s %s × %s = %s + %s", l.Description, l.Quantity, l.Unit, l.UnitPrice, l.Net, l.Tax)
		}
		t.Errorf("subscription invoice: net %s tax %s total %s", inv.Net, inv.Tax, inv.Total)
	}
	if fmt.Sprint(e.gw.calls) != "[charge]" {
		t.Errorf("gateway calls %v, want the invoice charged", e.gw.calls)
	}
	if again, err := e.svc.MonthEnd(ctx); err != nil || len(again) != 0 {
		t.Errorf("MonthEnd again = %d invoices, %v", len(again), err)
	}
	// Ending the subscription prorates its last month and stops the member price.
	e.clock.Set(time.Date(2025, 4, 16, 0, 0, 0, 0, time.UTC))
	if _, err := e.svc.Unsubscribe(ctx, sub.ID); err != nil {
		t.Fatal(err)
	}
	if p, _ := e.svc.Resolve(ctx, "CP-1", "DANA"); p.TariffName != "Card" {
		t.Errorf("after unsubscribing the price is %s", p.TariffName)
	}
	e.clock.Set(time.Date(2025, 5, 1, 0, 30, 0, 0, time.UTC))
	last, err := e.svc.MonthEnd(ctx)
	if err != nil || len(last) != 1 || last[0].Net.String() != "15.5" || last[0].Tax.String() != "3.88" {
		t.Errorf("last month = %+v, %v; want a fee of 31 × 15/30 = 15.50 and 3.88 VAT", last, err)
	}
}

func TestRevenueAndReconciliation(t *testing.T) {
	t.Parallel()
	e := newPayEnv(t)
	ctx := t.Context()
	e.session(t) // 31.25 captured
	e.gw.down = true
	e.session(t) // 31.25 owed
	e.gw.down = false
	from, to := t0.Add(-time.Hour), t0.Add(24*time.Hour)
	rows, err := e.svc.Revenue(ctx, billing.ReportFilter{OrgID: e.org, From: from, To: to, GroupBy: billing.ByStation})
	if err != nil || len(rows) != 1 || rows[0].Key != "CP-1" || rows[0].Sessions != 2 || rows[0].EnergyWh != 20000 ||
		rows[0].Net.String() != "50" || rows[0].Tax.String() != "12.5" || rows[0].Total.String() != "62.5" {
		t.Errorf("revenue by station = %+v, %v", rows, err)
	}
	if rows, _ := e.svc.Revenue(ctx, billing.ReportFilter{From: from, To: to, GroupBy: billing.ByDay}); len(rows) != 1 || rows[0].Key != "2025-03-03" {
		t.Errorf("revenue by day = %+v", rows)
	}
	if rows, _ := e.svc.Revenue(ctx, billing.ReportFilter{OrgID: e.org + 100, From: from, To: to}); len(rows) != 0 {
		t.Errorf("another organisation's revenue = %+v", rows)
	}
	if _, err := e.svc.Revenue(ctx, billing.ReportFilter{From: to, To: from}); !ladda.IsKind(err, ladda.Invalid) {
		t.Errorf("a period backwards: %v", err)
	}
	if _, err := e.svc.Revenue(ctx, billing.ReportFilter{From: from, To: to, GroupBy: "colour"}); !ladda.IsKind(err, ladda.Invalid) {
		t.Errorf("an unknown grouping: %v", err)
	}
	rec, err := e.svc.Reconcile(ctx, billing.ReportFilter{OrgID: e.org, From: from, To: to})
	if err != nil || len(rec) != 1 || rec[0].Sessions != 2 || rec[0].Billed.String() != "62.5" || rec[0].Captured.String() != "31.25" || len(rec[0].Unsettled) != 1 {
		t.Errorf("reconciliation = %+v, %v", rec, err)
	}
}

// A capture whose answer was lost is retried with the same key: the driver pays once.
func TestALostCaptureAnswerIsNotChargedTwice(t *testing.T) {
	t.Parallel()
	e := newPayEnv(t)
	ctx := t.Context()
	e.gw.lose = "capture"
	e.session(t)
	pays, _ := e.svc.Payments(ctx, billing.PaymentFilter{UserID: e.user.ID})
	if len(pays) != 1 || pays[0].State != billing.StateRetrying {
		t.Fatalf("payment after a lost answer = %+v", pays)
	}
	e.clock.Advance(2 * time.Minute)
	if _, err := e.svc.RetryPayments(ctx); err != nil {
		t.Fatal(err)
	}
	p, _ := e.svc.Payment(ctx, pays[0].ID)
	if p.State != billing.StateCaptured {
		t.Errorf("payment after the retry = %+v", p)
	}
	if got := e.gw.captured(); len(got) != 1 {
		t.Errorf("the gateway captured %v, want one payment", got)
	}
	if n := len(e.gw.keys); n < 2 || e.gw.keys[n-1] != e.gw.keys[n-2] {
		t.Errorf("the retry's key differs from the first try's: %v", e.gw.keys)
	}
	// The books hold one capture; the debt booked while in doubt is settled.
	if g, d := e.balance(t, billing.GatewayAccount("stripe")), e.balance(t, billing.ReceivableAccount(e.user.ID)); g != "31.25" || d != "0" {
		t.Errorf("ledger: gateway %s, debt %s", g, d)
	}
}

// A card that cannot raise its reservation gets it back, and the total is charged anew.
func TestAReservationThatCannotGrowIsReplaced(t *testing.T) {
	t.Parallel()
	e := newPayEnv(t)
	ctx := t.Context()
	e.gw.noRaise = true
	e.session(t) // 31.25 against 30 reserved
	if got := fmt.Sprint(e.gw.calls); got != "[authorize increment release charge]" {
		t.Errorf("gateway calls %s", got)
	}
	pays, _ := e.svc.Payments(ctx, billing.PaymentFilter{UserID: e.user.ID})
	if len(pays) != 1 || pays[0].State != billing.StateCaptured || pays[0].Captured.String() != "31.25" {
		t.Errorf("payment = %+v", pays)
	}
	if got := e.gw.captured(); len(got) != 1 {
		t.Errorf("the gateway captured %v, want one payment", got)
	}
}

// A plan's member price holds only at its seller's stations, and a plan cannot hand out the
// groups Ladda gives by other rules.
func TestPlanGroupsStayWithTheirSeller(t *testing.T) {
	t.Parallel()
	e := newPayEnv(t)
	ctx := t.Context()
	other := &account.Organisation{Name: "Other CPO", Kind: account.OperatorOrg, CreatedAt: t0}
	if err := e.db.CreateOrganisation(ctx, other); err != nil {
		t.Fatal(err)
	}
	free := &billing.Plan{OrgID: other.ID, Name: "Free", Currency: "EUR", CustomerGroup: "vip"}
	if err := e.svc.CreatePlan(ctx, free); err != nil {
		t.Fatal(err)
	}
	for _, g := range []string{"members", "fleet:1"} {
		if err := e.svc.CreatePlan(ctx, &billing.Plan{OrgID: other.ID, Name: "Sneaky", Currency: "EUR", CustomerGroup: g}); !ladda.IsKind(err, ladda.Invalid) {
			t.Errorf("a plan with group %q: %v, want invalid", g, err)
		}
	}
	vip := &billing.StoredTariff{OrgID: e.org, Name: "VIP", Tariff: billing.Tariff{Currency: "EUR",
		Elements: []billing.Element{{Components: []billing.Component{{Type: billing.Energy, Price: amount(t, "0.01")}}}}}}
	if err := e.svc.CreateTariff(ctx, vip); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Assign(ctx, &billing.Assignment{TariffID: vip.ID, SiteID: e.site.ID, CustomerGroup: "vip"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Subscribe(ctx, e.user.ID, free.ID); err != nil {
		t.Fatal(err)
	}
	if p, err := e.svc.Resolve(ctx, "CP-1", "DANA"); err != nil || p.TariffName != "Card" {
		t.Errorf("another seller's plan gave %+v, %v; want the ordinary price", p, err)
	}
}

// A station that moves to another organisation leaves its site, and its old organisation's
// tariffs no longer price it.
func TestAMovedStationLeavesItsTariffs(t *testing.T) {
	t.Parallel()
	e := newPayEnv(t)
	ctx := t.Context()
	other := &account.Organisation{Name: "Buyer CPO", Kind: account.OperatorOrg, CreatedAt: t0}
	if err := e.db.CreateOrganisation(ctx, other); err != nil {
		t.Fatal(err)
	}
	stations := station.NewService(e.db, nil, e.clock, nil, station.Config{})
	st, _, err := stations.Update(ctx, "CP-1", station.Change{OrgID: &other.ID})
	if err != nil {
		t.Fatal(err)
	}
	if st.SiteID != 0 {
		t.Errorf("the moved station stays at site %d", st.SiteID)
	}
	if _, err := e.svc.Resolve(ctx, "CP-1", "DANA"); !ladda.IsKind(err, ladda.NotFound) {
		t.Errorf("the old organisation's tariff still prices the station: %v", err)
	}
}

// Crediting a subscription's monthly invoice bills the month again, corrected; an earlier month
// cannot be credited while a later one stands.
func TestCreditingASubscriptionMonthBillsItAgain(t *testing.T) {
	t.Parallel()
	e := newPayEnv(t)
	ctx := t.Context()
	plan := &billing.Plan{OrgID: e.org, Name: "Basic", Currency: "EUR", MonthlyFee: amount(t, "10")}
	if err := e.svc.CreatePlan(ctx, plan); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Subscribe(ctx, e.user.ID, plan.ID); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(time.Date(2025, 5, 1, 1, 0, 0, 0, time.UTC))
	months, err := e.svc.MonthEnd(ctx) // March and April
	if err != nil || len(months) != 2 {
		t.Fatalf("MonthEnd = %d invoices, %v; want March and April", len(months), err)
	}
	if _, err := e.svc.CreditNote(ctx, months[0].ID, "wrong"); !ladda.IsKind(err, ladda.Conflict) {
		t.Errorf("crediting March while April stands: %v, want conflict", err)
	}
	if _, err := e.svc.CreditNote(ctx, months[1].ID, "wrong fee"); err != nil {
		t.Fatal(err)
	}
	again, err := e.svc.MonthEnd(ctx)
	if err != nil || len(again) != 1 || again[0].Reference != "Basic, April 2025" || again[0].Net.String() != "10" {
		t.Errorf("after crediting April: %+v, %v; want April billed again", again, err)
	}
}
