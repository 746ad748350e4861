package billing

import (
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/ladda-csms/ladda"
)

// Account names an account of the ledger. Its form says what it holds:
//
//   - "wallet:user:N" (WalletAccount) is the prepaid money Ladda holds for user N: a
//     liability, so its balance is a credit while the wallet holds money.
//   - "receivable:user:N" (ReceivableAccount) is what user N owes after a session that could
//     not be paid: an asset, a debit while the debt is open.
//   - "gateway:NAME" (GatewayAccount) is the clearing account of a payment provider ("stripe"):
//     money the provider has taken for Ladda and not yet paid out.
//   - "revenue:org:N" (RevenueAccount) is what organisation N has earned, excluding tax;
//     organisation 0 is the operator itself, for stations of no organisation.
//   - "tax:CC" (TaxAccount) is the tax collected for country CC, owed to its tax authority.
//   - "sponsor:NAME" (SponsorAccount) is what a sponsor owes for the fees it agreed to pay.
//
// Rules, checked by Check: N is a number written without sign or leading zeros, positive for
// users; NAME is 1 to 64 lower-case letters, digits, '.', '-' or '_'; CC is an ISO 3166-1
// alpha-2 code of two upper-case letters. Every account has exactly one spelling, so two
// different strings are always two different accounts.
type Account string

// WalletAccount returns "wallet:user:N", the prepaid wallet of a user.
func WalletAccount(userID int64) Account {
	return Account("wallet:user:" + strconv.FormatInt(userID, 10))
}

// ReceivableAccount returns "receivable:user:N", what a user owes.
func ReceivableAccount(userID int64) Account {
	return Account("receivable:user:" + strconv.FormatInt(userID, 10))
}

// GatewayAccount returns "gateway:NAME", the clearing account of a payment provider.
func GatewayAccount(name string) Account { return Account("gateway:" + name) }

// RevenueAccount returns "revenue:org:N", the revenue of an organisation.
func RevenueAccount(orgID int64) Account {
	return Account("revenue:org:" + strconv.FormatInt(orgID, 10))
}

// TaxAccount returns "tax:CC", the tax collected for a country.
func TaxAccount(country string) Account { return Account("tax:" + country) }

// SponsorAccount returns "sponsor:NAME", what a sponsor owes.
func SponsorAccount(name string) Account { return Account("sponsor:" + name) }

// Check returns an Invalid error when a is not of one of the forms of Account, or nil.
func (a Account) Check() error {
	const op = "billing.Account.Check"
	parts := strings.Split(string(a), ":")
	ok := false
	switch {
	case len(parts) == 3 && (parts[0] == "wallet" || parts[0] == "receivable") && parts[1] == "user":
		ok = isID(parts[2], 1)
	case len(parts) == 3 && parts[0] == "revenue" && parts[1] == "org":
		ok = isID(parts[2], 0)
	case len(parts) == 2 && (parts[0] == "gateway" || parts[0] == "sponsor"):
		ok = isAccountName(parts[1])
	case len(parts) == 2 && parts[0] == "tax":
		ok = len(parts[1]) == 2 && isUpper(parts[1])
	}
	if !ok {
		return ladda.Errorf(ladda.Invalid, op, "%q is not an account such as wallet:user:N, receivable:user:N, gateway:NAME, revenue:org:N, tax:CC or sponsor:NAME", string(a))
	}
	return nil
}

// isID reports whether s is a number of at least least written in its one canonical way.
func isID(s string, least int64) bool {
	n, err := strconv.ParseInt(s, 10, 64)
	return err == nil && n >= least && strconv.FormatInt(n, 10) == s
}

func isAccountName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '.' && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

// Posting is one side of an Entry: an amount put on an account. Amounts follow the
// bookkeeping convention: a positive amount is a debit, a negative one a credit. A debit raises
// an asset (a gateway's clearing account, a receivable) and lowers a liability (a wallet) or
// revenue; a credit does the opposite.
type Posting struct {
	Account Account `json:"account"`
	Amount  Amount  `json:"amount"` // debit > 0, credit < 0
}

// The kinds of entry the builders make.
const (
	EntryTopUp       = "topup"        // a driver paid money into the wallet
	EntryWalletDebit = "wallet_debit" // a session paid from the wallet
	EntryCardCapture = "card_capture" // a session paid by card
	EntryDebt        = "debt"         // a session that could not be paid
	EntryDebtSettled = "debt_settled" // a debt paid later
	EntryRefund      = "refund"       // card money returned
	EntrySponsorFee  = "sponsor_fee"  // a fee a sponsor owes an organisation
)

// Entry is a transaction of the double-entry ledger: money moved between accounts, at once and
// in one currency. Entries are never changed or deleted; a mistake is corrected by another
// entry.
//
// Rules, checked by Check: Kind and Ref are not empty. Currency is an ISO 4217 code of three
// upper-case letters. There are at least two postings, each on a valid Account, no account
// twice, each amount non-zero and a whole number of minor units of Currency (Exponent), and the
// amounts sum to exactly zero: what is debited somewhere is credited elsewhere, so the books
// always balance.
//
// Ref says what caused the entry and makes it idempotent: "cdr:42" for the payment of CDR 42,
// "topup:pi_123" for a top-up the gateway knows as pi_123. A ledger keeps at most one entry per
// Kind and Ref, so recording one again, such as after a retry or a webhook that arrives twice,
// has no further effect. ID is given by the store; At is when the money moved.
type Entry struct {
	ID       int64     `json:"id"`
	Kind     string    `json:"kind"`
	Ref      string    `json:"ref"`
	Currency string    `json:"currency"`
	Postings []Posting `json:"postings"`
	At       time.Time `json:"at"`
	Memo     string    `json:"memo,omitempty"`
}

// Check returns an Invalid error naming the first rule of Entry that e breaks, or nil.
func (e *Entry) Check() error {
	const op = "billing.Entry.Check"
	switch {
	case e.Kind == "":
		return ladda.Errorf(ladda.Invalid, op, "entry has no kind")
	case e.Ref == "":
		return ladda.Errorf(ladda.Invalid, op, "%s entry has no reference", e.Kind)
	case !isCurrency(e.Currency):
		return ladda.Errorf(ladda.Invalid, op, "%s %s: currency %q is not an ISO 4217 code", e.Kind, e.Ref, e.Currency)
	case len(e.Postings) < 2:
		return ladda.Errorf(ladda.Invalid, op, "%s %s has %d postings; an entry needs at least two", e.Kind, e.Ref, len(e.Postings))
	}
	exp := Exponent(e.Currency)
	seen := make(map[Account]bool, len(e.Postings))
	sum := new(big.Rat)
	for _, p := range e.Postings {
		if err := p.Account.Check(); err != nil {
			return ladda.Wrap(op, err)
		}
		if seen[p.Account] {
			return ladda.Errorf(ladda.Invalid, op, "%s %s posts to %s twice", e.Kind, e.Ref, p.Account)
		}
		seen[p.Account] = true
		if p.Amount.Sign() == 0 {
			return ladda.Errorf(ladda.Invalid, op, "%s %s posts nothing to %s", e.Kind, e.Ref, p.Account)
		}
		if !p.Amount.IsRounded(exp) {
			return ladda.Errorf(ladda.Invalid, op, "%s %s: %s %s on %s is not a whole number of minor units", e.Kind, e.Ref, p.Amount, e.Currency, p.Account)
		}
		sum.Add(sum, p.Amount.rat())
	}
	if sum.Sign() != 0 {
		return ladda.Errorf(ladda.Invalid, op, "%s %s does not balance: its postings sum to %s %s", e.Kind, e.Ref, Amount{sum}, e.Currency)
	}
	return nil
}

func isCurrency(c string) bool { return len(c) == 3 && isUpper(c) }

// TopUp records money a driver paid through a gateway into the wallet: the gateway is debited
// and the wallet credited with amount, which is positive. Errors are Invalid.
func TopUp(user int64, gateway string, amount Amount, currency, ref string, at time.Time) (*Entry, error) {
	const op = "billing.TopUp"
	if err := positive(op, "amount", amount); err != nil {
		return nil, err
	}
	return entry(op, EntryTopUp, currency, ref, at,
		Posting{GatewayAccount(gateway), amount},
		Posting{WalletAccount(user), neg(amount)})
}

// WalletDebit records a session paid from a user's wallet: the wallet is debited with
// net + tax, the organisation's revenue credited with net and the country's tax account with
// tax. Net and tax are not negative and not both zero; a zero one is not posted, so country may
// be "" when tax is zero. It does not check that the wallet holds enough: the caller looks at
// WalletBalance first. Errors are Invalid.
func WalletDebit(user, org int64, country string, net, tax Amount, currency, ref string, at time.Time) (*Entry, error) {
	return sale("billing.WalletDebit", EntryWalletDebit, WalletAccount(user), org, country, net, tax, currency, ref, at)
}

// CardCapture records a session paid by card: the gateway is debited with net + tax, the
// organisation's revenue credited with net and the country's tax account with tax, as for
// WalletDebit. Errors are Invalid.
func CardCapture(gateway string, org int64, country string, net, tax Amount, currency, ref string, at time.Time) (*Entry, error) {
	return sale("billing.CardCapture", EntryCardCapture, GatewayAccount(gateway), org, country, net, tax, currency, ref, at)
}

// Debt records a session that could not be paid, such as after a declined capture: the
// user's receivable is debited with net + tax, and revenue and tax are credited as for
// WalletDebit, since the supply was made. DebtSettled closes the debt. Errors are Invalid.
func Debt(user, org int64, country string, net, tax Amount, currency, ref string, at time.Time) (*Entry, error) {
	return sale("billing.Debt", EntryDebt, ReceivableAccount(user), org, country, net, tax, currency, ref, at)
}

// DebtSettled records a user paying, through a gateway, amount (positive) of what they owe:
// the gateway is debited and the user's receivable credited. Errors are Invalid.
func DebtSettled(user int64, gateway string, amount Amount, currency, ref string, at time.Time) (*Entry, error) {
	const op = "billing.DebtSettled"
	if err := positive(op, "amount", amount); err != nil {
		return nil, err
	}
	return entry(op, EntryDebtSettled, currency, ref, at,
		Posting{GatewayAccount(gateway), amount},
		Posting{ReceivableAccount(user), neg(amount)})
}

// CardRefund records card money returned, all or part of a CardCapture, and is its exact
// reverse: the organisation's revenue is debited with net, the country's tax account with
// tax, and the gateway credited with net + tax. Net and tax follow the rules of WalletDebit.
// Errors are Invalid.
func CardRefund(gateway string, org int64, country string, net, tax Amount, currency, ref string, at time.Time) (*Entry, error) {
	e, err := sale("billing.CardRefund", EntryRefund, GatewayAccount(gateway), org, country, net, tax, currency, ref, at)
	if err != nil {
		return nil, err
	}
	for i := range e.Postings {
		e.Postings[i].Amount = neg(e.Postings[i].Amount)
	}
	return e, nil
}

// SponsorFee records a fee a sponsor agreed to pay an organisation, such as for sessions it
// offers drivers for free: the sponsor's account is debited with amount (positive) and the
// organisation's revenue credited. Errors are Invalid.
func SponsorFee(sponsor string, org int64, amount Amount, currency, ref string, at time.Time) (*Entry, error) {
	const op = "billing.SponsorFee"
	if err := positive(op, "amount", amount); err != nil {
		return nil, err
	}
	return entry(op, EntrySponsorFee, currency, ref, at,
		Posting{SponsorAccount(sponsor), amount},
		Posting{RevenueAccount(org), neg(amount)})
}

// sale debits debit with net + tax and credits the revenue of org with net and the tax of
// country with tax.
func sale(op, kind string, debit Account, org int64, country string, net, tax Amount, currency, ref string, at time.Time) (*Entry, error) {
	if net.Sign() < 0 || tax.Sign() < 0 || net.Sign()+tax.Sign() == 0 {
		return nil, ladda.Errorf(ladda.Invalid, op, "net %s and tax %s must not be negative, nor both zero", net, tax)
	}
	return entry(op, kind, currency, ref, at,
		Posting{debit, net.Add(tax)},
		Posting{RevenueAccount(org), neg(net)},
		Posting{TaxAccount(country), neg(tax)})
}

// entry returns a checked entry of the non-zero postings.
func entry(op, kind, currency, ref string, at time.Time, postings ...Posting) (*Entry, error) {
	e := &Entry{Kind: kind, Ref: ref, Currency: currency, At: at}
	for _, p := range postings {
		if p.Amount.Sign() != 0 {
			e.Postings = append(e.Postings, p)
		}
	}
	if err := e.Check(); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	return e, nil
}

func positive(op, name string, a Amount) error {
	if a.Sign() <= 0 {
		return ladda.Errorf(ladda.Invalid, op, "%s %s must be positive", name, a)
	}
	return nil
}

func neg(a Amount) Amount { return Amount{new(big.Rat).Neg(a.rat())} }

// Balance returns the balance of account a in currency over entries: the sum of its postings,
// so debits count positive and credits negative. Entries in other currencies are ignored.
func Balance(entries []*Entry, a Account, currency string) Amount {
	sum := new(big.Rat)
	for _, e := range entries {
		if e.Currency != currency {
			continue
		}
		for _, p := range e.Postings {
			if p.Account == a {
				sum.Add(sum, p.Amount.rat())
			}
		}
	}
	return Amount{sum}
}

// WalletBalance returns the money a user's wallet holds in currency: its credit balance, as a
// positive amount. It is negative only if a debit was recorded the wallet could not cover.
func WalletBalance(entries []*Entry, user int64, currency string) Amount {
	return neg(Balance(entries, WalletAccount(user), currency))
}

// TrialBalance returns, for each currency of entries, the sum of all their postings. For
// entries that pass Check every sum is zero; any other figure means the books do not balance.
func TrialBalance(entries []*Entry) map[string]Amount {
	sums := map[string]*big.Rat{}
	for _, e := range entries {
		sum := sums[e.Currency]
		if sum == nil {
			sum = new(big.Rat)
			sums[e.Currency] = sum
		}
		for _, p := range e.Postings {
			sum.Add(sum, p.Amount.rat())
		}
	}
	out := make(map[string]Amount, len(sums))
	for c, s := range sums {
		out[c] = Amount{s}
	}
	return out
}
