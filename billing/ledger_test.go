package billing_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/billing"
)

var ledgerAt = time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC)

// posting is a posting written as account and decimal amount, for comparing entries.
type posting struct{ account, amount string }

func postingsOf(e *billing.Entry) []posting {
	var out []posting
	for _, p := range e.Postings {
		out = append(out, posting{string(p.Account), p.Amount.String()})
	}
	return out
}

func TestAccount(t *testing.T) {
	t.Parallel()
	good := map[billing.Account]string{
		billing.WalletAccount(7):          "wallet:user:7",
		billing.ReceivableAccount(7):      "receivable:user:7",
		billing.GatewayAccount("stripe"):  "gateway:stripe",
		billing.RevenueAccount(3):         "revenue:org:3",
		billing.RevenueAccount(0):         "revenue:org:0",
		billing.TaxAccount("SE"):          "tax:SE",
		billing.SponsorAccount("acme-ab"): "sponsor:acme-ab",
	}
	for a, want := range good {
		if string(a) != want {
			t.Errorf("account %q, want %q", a, want)
		}
		if err := a.Check(); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}
	bad := []billing.Account{
		"", "wallet", "wallet:user:", "wallet:user:0", "wallet:user:-1", "wallet:user:007", "wallet:user:+7",
		"wallet:org:7", "receivable:user:x", "revenue:org:-1", "revenue:org:01", "revenue:user:3",
		"gateway:", "gateway:Stripe", "gateway:a b", "gateway:a:b", billing.SponsorAccount(strings.Repeat("a", 65)),
		"tax:se", "tax:SWE", "tax:", "cash:SE", "wallet:user:7:x",
		billing.WalletAccount(-2), billing.TaxAccount(""), billing.GatewayAccount(""),
	}
	for _, a := range bad {
		if err := a.Check(); !ladda.IsKind(err, ladda.Invalid) {
			t.Errorf("%q: %v, want Invalid", a, err)
		}
	}
}

func TestLedgerBuilders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		build func() (*billing.Entry, error)
		kind  string
		want  []posting
	}{
		{"top-up", func() (*billing.Entry, error) {
			return billing.TopUp(7, "stripe", mustAmount(t, "200"), "SEK", "topup:pi_1", ledgerAt)
		}, billing.EntryTopUp, []posting{{"gateway:stripe", "200"}, {"wallet:user:7", "-200"}}},
		{"wallet debit", func() (*billing.Entry, error) {
			return billing.WalletDebit(7, 3, "SE", mustAmount(t, "80"), mustAmount(t, "20"), "SEK", "cdr:42", ledgerAt)
		}, billing.EntryWalletDebit, []posting{{"wallet:user:7", "100"}, {"revenue:org:3", "-80"}, {"tax:SE", "-20"}}},
		{"wallet debit without tax", func() (*billing.Entry, error) {
			return billing.WalletDebit(7, 3, "", mustAmount(t, "80"), billing.Amount{}, "SEK", "cdr:43", ledgerAt)
		}, billing.EntryWalletDebit, []posting{{"wallet:user:7", "80"}, {"revenue:org:3", "-80"}}},
		{"card capture", func() (*billing.Entry, error) {
			return billing.CardCapture("stripe", 3, "FI", mustAmount(t, "10.00"), mustAmount(t, "2.55"), "EUR", "cdr:44", ledgerAt)
		}, billing.EntryCardCapture, []posting{{"gateway:stripe", "12.55"}, {"revenue:org:3", "-10"}, {"tax:FI", "-2.55"}}},
		{"debt", func() (*billing.Entry, error) {
			return billing.Debt(7, 3, "SE", mustAmount(t, "8.40"), mustAmount(t, "2.10"), "SEK", "cdr:45", ledgerAt)
		}, billing.EntryDebt, []posting{{"receivable:user:7", "10.5"}, {"revenue:org:3", "-8.4"}, {"tax:SE", "-2.1"}}},
		{"debt settled", func() (*billing.Entry, error) {
			return billing.DebtSettled(7, "stripe", mustAmount(t, "10.50"), "SEK", "debt:pi_2", ledgerAt)
		}, billing.EntryDebtSettled, []posting{{"gateway:stripe", "10.5"}, {"receivable:user:7", "-10.5"}}},
		{"card refund", func() (*billing.Entry, error) {
			return billing.CardRefund("stripe", 3, "FI", mustAmount(t, "4"), mustAmount(t, "1.02"), "EUR", "refund:re_1", ledgerAt)
		}, billing.EntryRefund, []posting{{"gateway:stripe", "-5.02"}, {"revenue:org:3", "4"}, {"tax:FI", "1.02"}}},
		{"sponsor fee", func() (*billing.Entry, error) {
			return billing.SponsorFee("acme", 0, mustAmount(t, "1500"), "JPY", "sponsor:2026-03", ledgerAt)
		}, billing.EntrySponsorFee, []posting{{"sponsor:acme", "1500"}, {"revenue:org:0", "-1500"}}},
		{"tax only", func() (*billing.Entry, error) {
			return billing.CardCapture("stripe", 3, "SE", billing.Amount{}, mustAmount(t, "1"), "SEK", "fix:1", ledgerAt)
		}, billing.EntryCardCapture, []posting{{"gateway:stripe", "1"}, {"tax:SE", "-1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := tt.build()
			if err != nil {
				t.Fatal(err)
			}
			if e.Kind != tt.kind || !e.At.Equal(ledgerAt) || e.Ref == "" {
				t.Errorf("kind %q at %s ref %q", e.Kind, e.At, e.Ref)
			}
			if got := postingsOf(e); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("postings %v, want %v", got, tt.want)
			}
			if err := e.Check(); err != nil {
				t.Errorf("Check: %v", err)
			}
		})
	}
}

// A refund is the exact reverse of the capture it returns.
func TestCardRefundReversesCapture(t *testing.T) {
	t.Parallel()
	net, tax := mustAmount(t, "31.20"), mustAmount(t, "7.80")
	capture, err := billing.CardCapture("stripe", 3, "SE", net, tax, "SEK", "cdr:1", ledgerAt)
	if err != nil {
		t.Fatal(err)
	}
	refund, err := billing.CardRefund("stripe", 3, "SE", net, tax, "SEK", "refund:1", ledgerAt)
	if err != nil {
		t.Fatal(err)
	}
	both := []*billing.Entry{capture, refund}
	for _, a := range []billing.Account{billing.GatewayAccount("stripe"), billing.RevenueAccount(3), billing.TaxAccount("SE")} {
		if b := billing.Balance(both, a, "SEK"); b.Sign() != 0 {
			t.Errorf("%s: balance %s after capture and refund", a, b)
		}
	}
}

func TestLedgerBuildersRefuse(t *testing.T) {
	t.Parallel()
	a := func(s string) billing.Amount { return mustAmount(t, s) }
	var zero billing.Amount
	tests := map[string]func() (*billing.Entry, error){
		"zero top-up": func() (*billing.Entry, error) { return billing.TopUp(7, "stripe", zero, "SEK", "r", ledgerAt) },
		"negative top-up": func() (*billing.Entry, error) {
			return billing.TopUp(7, "stripe", a("-5"), "SEK", "r", ledgerAt)
		},
		"fraction of öre": func() (*billing.Entry, error) {
			return billing.TopUp(7, "stripe", a("5.001"), "SEK", "r", ledgerAt)
		},
		"fraction of yen": func() (*billing.Entry, error) {
			return billing.TopUp(7, "stripe", a("5.5"), "JPY", "r", ledgerAt)
		},
		"no reference": func() (*billing.Entry, error) { return billing.TopUp(7, "stripe", a("5"), "SEK", "", ledgerAt) },
		"bad currency": func() (*billing.Entry, error) { return billing.TopUp(7, "stripe", a("5"), "sek", "r", ledgerAt) },
		"no user":      func() (*billing.Entry, error) { return billing.TopUp(0, "stripe", a("5"), "SEK", "r", ledgerAt) },
		"no gateway":   func() (*billing.Entry, error) { return billing.TopUp(7, "", a("5"), "SEK", "r", ledgerAt) },
		"nothing to pay": func() (*billing.Entry, error) {
			return billing.WalletDebit(7, 3, "SE", zero, zero, "SEK", "r", ledgerAt)
		},
		"negative net": func() (*billing.Entry, error) {
			return billing.WalletDebit(7, 3, "SE", a("-1"), a("2"), "SEK", "r", ledgerAt)
		},
		"negative tax": func() (*billing.Entry, error) {
			return billing.CardCapture("stripe", 3, "SE", a("10"), a("-2"), "SEK", "r", ledgerAt)
		},
		"tax without country": func() (*billing.Entry, error) {
			return billing.Debt(7, 3, "", a("10"), a("2.5"), "SEK", "r", ledgerAt)
		},
		"negative org": func() (*billing.Entry, error) {
			return billing.CardRefund("stripe", -3, "SE", a("10"), a("2.5"), "SEK", "r", ledgerAt)
		},
		"negative settlement": func() (*billing.Entry, error) {
			return billing.DebtSettled(7, "stripe", a("-10"), "SEK", "r", ledgerAt)
		},
		"bad sponsor": func() (*billing.Entry, error) {
			return billing.SponsorFee("Acme AB", 3, a("10"), "SEK", "r", ledgerAt)
		},
	}
	for name, build := range tests {
		if e, err := build(); !ladda.IsKind(err, ladda.Invalid) || e != nil {
			t.Errorf("%s: %v, %v; want Invalid", name, e, err)
		}
	}
}

func TestEntryCheck(t *testing.T) {
	t.Parallel()
	valid := func() *billing.Entry {
		return &billing.Entry{Kind: "manual", Ref: "fix:1", Currency: "SEK", At: ledgerAt, Postings: []billing.Posting{
			{Account: billing.GatewayAccount("stripe"), Amount: mustAmount(t, "10")},
			{Account: billing.RevenueAccount(3), Amount: mustAmount(t, "-8")},
			{Account: billing.TaxAccount("SE"), Amount: mustAmount(t, "-2")},
		}}
	}
	if err := valid().Check(); err != nil {
		t.Fatalf("valid entry: %v", err)
	}
	tests := map[string]func(e *billing.Entry){
		"no kind":        func(e *billing.Entry) { e.Kind = "" },
		"no ref":         func(e *billing.Entry) { e.Ref = "" },
		"no currency":    func(e *billing.Entry) { e.Currency = "" },
		"lower currency": func(e *billing.Entry) { e.Currency = "sek" },
		"no postings":    func(e *billing.Entry) { e.Postings = nil },
		"one posting":    func(e *billing.Entry) { e.Postings = e.Postings[:1] },
		"unbalanced":     func(e *billing.Entry) { e.Postings = e.Postings[:2] },
		"zero posting": func(e *billing.Entry) {
			e.Postings = append(e.Postings, billing.Posting{Account: billing.WalletAccount(1)})
		},
		"bad account":   func(e *billing.Entry) { e.Postings[0].Account = "bank:1" },
		"account twice": func(e *billing.Entry) { e.Postings[2].Account = billing.RevenueAccount(3) },
		"fraction of öre": func(e *billing.Entry) {
			e.Postings[0].Amount, e.Postings[1].Amount = mustAmount(t, "10.005"), mustAmount(t, "-8.005")
		},
		"fraction of yen": func(e *billing.Entry) {
			e.Currency = "JPY"
			e.Postings[1].Amount, e.Postings[2].Amount = mustAmount(t, "-8.5"), mustAmount(t, "-1.5")
		},
		"off by a cent": func(e *billing.Entry) { e.Postings[0].Amount = mustAmount(t, "10.01") },
		"fils are 3 digits": func(e *billing.Entry) {
			e.Currency = "KWD"
			e.Postings[0].Amount, e.Postings[1].Amount = mustAmount(t, "10.0001"), mustAmount(t, "-8.0001")
		},
	}
	for name, change := range tests {
		e := valid()
		change(e)
		if err := e.Check(); !ladda.IsKind(err, ladda.Invalid) {
			t.Errorf("%s: %v, want Invalid", name, err)
		}
	}
	kwd := valid()
	kwd.Currency = "KWD"
	kwd.Postings[0].Amount, kwd.Postings[1].Amount = mustAmount(t, "10.001"), mustAmount(t, "-8.001")
	if err := kwd.Check(); err != nil {
		t.Errorf("three decimals of KWD: %v", err)
	}
}

func TestEntryJSON(t *testing.T) {
	t.Parallel()
	e, err := billing.WalletDebit(7, 3, "SE", mustAmount(t, "80.25"), mustAmount(t, "20.06"), "SEK", "cdr:42", ledgerAt)
	if err != nil {
		t.Fatal(err)
	}
	e.ID, e.Memo = 9, "session at Storgatan"
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":9,"kind":"wallet_debit","ref":"cdr:42","currency":"SEK","postings":[` +
		`{"account":"wallet:user:7","amount":"100.31"},{"account":"revenue:org:3","amount":"-80.25"},{"account":"tax:SE","amount":"-20.06"}],` +
		`"at":"2026-03-05T10:00:00Z","memo":"session at Storgatan"}`
	if string(b) != want {
		t.Fatalf("JSON\n%s\nwant\n%s", b, want)
	}
	var back billing.Entry
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.ID != 9 || back.Memo != e.Memo || !reflect.DeepEqual(postingsOf(&back), postingsOf(e)) || back.Check() != nil {
		t.Errorf("round trip: %+v", back)
	}
}

func TestBalances(t *testing.T) {
	t.Parallel()
	var entries []*billing.Entry
	add := func(e *billing.Entry, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
	}
	a := func(s string) billing.Amount { return mustAmount(t, s) }
	add(billing.TopUp(7, "stripe", a("200"), "SEK", "topup:1", ledgerAt))
	add(billing.TopUp(7, "stripe", a("50"), "EUR", "topup:2", ledgerAt))
	add(billing.WalletDebit(7, 3, "SE", a("40"), a("10"), "SEK", "cdr:1", ledgerAt))
	add(billing.Debt(8, 3, "SE", a("8"), a("2"), "SEK", "cdr:2", ledgerAt))
	add(billing.DebtSettled(8, "stripe", a("4"), "SEK", "debt:1", ledgerAt))

	if got := billing.WalletBalance(entries, 7, "SEK"); got.String() != "150" {
		t.Errorf("SEK wallet %s, want 150", got)
	}
	if got := billing.WalletBalance(entries, 7, "EUR"); got.String() != "50" {
		t.Errorf("EUR wallet %s, want 50", got)
	}
	if got := billing.WalletBalance(entries, 8, "SEK"); got.Sign() != 0 {
		t.Errorf("empty wallet %s", got)
	}
	for _, c := range []struct {
		account billing.Account
		want    string
	}{
		{billing.ReceivableAccount(8), "6"},
		{billing.GatewayAccount("stripe"), "204"},
		{billing.RevenueAccount(3), "-48"},
		{billing.TaxAccount("SE"), "-12"},
		{billing.WalletAccount(7), "-150"},
	} {
		if got := billing.Balance(entries, c.account, "SEK"); got.String() != c.want {
			t.Errorf("%s: %s, want %s", c.account, got, c.want)
		}
	}
	tb := billing.TrialBalance(entries)
	if len(tb) != 2 || tb["SEK"].Sign() != 0 || tb["EUR"].Sign() != 0 {
		t.Errorf("trial balance %v", tb)
	}
	if len(billing.TrialBalance(nil)) != 0 {
		t.Error("trial balance of no entries has currencies")
	}
}

// Whatever valid entries the builders make, in whatever order, every currency's trial balance
// is exactly zero and a wallet holds its top-ups minus its debits.
func TestLedgerProperties(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(20260305, 2))
	currencies := []string{"SEK", "EUR", "JPY", "KWD"}
	for run := range 50 {
		var entries []*billing.Entry
		wallets := map[string]map[int64]billing.Amount{} // currency → user → expected balance
		for c := range currencies {
			wallets[currencies[c]] = map[int64]billing.Amount{}
		}
		money := func(currency string) billing.Amount {
			return billing.FromMinorUnits(1+r.Int64N(100000), currency)
		}
		for i := range 1 + r.IntN(60) {
			cur := currencies[r.IntN(len(currencies))]
			user, org := 1+r.Int64N(4), r.Int64N(3)
			gateway := []string{"stripe", "adyen"}[r.IntN(2)]
			country := []string{"SE", "FI", "DE"}[r.IntN(3)]
			net, tax := money(cur), money(cur)
			if r.IntN(5) == 0 {
				tax = billing.Amount{}
			}
			ref := fmt.Sprintf("r:%d", i)
			var e *billing.Entry
			var err error
			switch r.IntN(7) {
			case 0:
				amount := money(cur)
				e, err = billing.TopUp(user, gateway, amount, cur, ref, ledgerAt)
				wallets[cur][user] = wallets[cur][user].Add(amount)
			case 1:
				e, err = billing.WalletDebit(user, org, country, net, tax, cur, ref, ledgerAt)
				wallets[cur][user] = wallets[cur][user].Sub(net.Add(tax))
			case 2:
				e, err = billing.CardCapture(gateway, org, country, net, tax, cur, ref, ledgerAt)
			case 3:
				e, err = billing.Debt(user, org, country, net, tax, cur, ref, ledgerAt)
			case 4:
				e, err = billing.DebtSettled(user, gateway, money(cur), cur, ref, ledgerAt)
			case 5:
				e, err = billing.CardRefund(gateway, org, country, net, tax, cur, ref, ledgerAt)
			case 6:
				e, err = billing.SponsorFee([]string{"acme", "shop.se"}[r.IntN(2)], org, money(cur), cur, ref, ledgerAt)
			}
			if err != nil {
				t.Fatalf("run %d, entry %d: %v", run, i, err)
			}
			entries = append(entries, e)

			for cur, sum := range billing.TrialBalance(entries) {
				if sum.Sign() != 0 {
					t.Fatalf("run %d, after entry %d (%s): %s trial balance %s", run, i, e.Kind, cur, sum)
				}
			}
		}
		for cur, users := range wallets {
			for user := int64(1); user <= 4; user++ {
				if got, want := billing.WalletBalance(entries, user, cur), users[user]; got.Cmp(want) != 0 {
					t.Errorf("run %d: user %d holds %s %s, want %s", run, user, got, cur, want)
				}
			}
		}
	}
}
