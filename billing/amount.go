package billing

import (
	"math/big"
	"strings"

	"github.com/ladda-csms/ladda"
)

// Amount is an exact amount of money in the currency of its tariff, excluding tax.
//
// An Amount is an exact rational number, neither a float nor a fixed-point integer: a price per
// kWh with four decimals times 1 234 Wh, or a price per hour times 17 seconds, is rarely a whole
// number of micro-units, and rounding every slice would make a total depend on where a session
// happens to be cut into periods. Only a bill's total is rounded, once, to the minor unit.
//
// The zero value is 0. Amounts are immutable: every operation returns a new Amount.
type Amount struct{ r *big.Rat }

// Quantity is an exact, non-currency number: kWh, hours, kW, or a count. Like Amount it is an
// exact rational number, immutable, and its zero value is 0.
type Quantity struct{ r *big.Rat }

// ParseAmount parses a decimal string such as "0.4567" or "-12.50": an optional minus sign,
// digits, and optionally a point followed by digits. Exponents, plus signs, spaces and thousands
// separators are Invalid.
func ParseAmount(s string) (Amount, error) {
	r, err := parseDecimal("billing.ParseAmount", s)
	return Amount{r}, err
}

// ParseQuantity parses a decimal string the way ParseAmount does.
func ParseQuantity(s string) (Quantity, error) {
	r, err := parseDecimal("billing.ParseQuantity", s)
	return Quantity{r}, err
}

func parseDecimal(op, s string) (*big.Rat, error) {
	digits := strings.TrimPrefix(s, "-")
	whole, frac, dot := strings.Cut(digits, ".")
	if !isDigits(whole) || (dot && !isDigits(frac)) {
		return nil, ladda.Errorf(ladda.Invalid, op, "%q is not a decimal number", s)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, ladda.Errorf(ladda.Invalid, op, "%q is not a decimal number", s)
	}
	return r, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func (a Amount) rat() *big.Rat   { return orZero(a.r) }
func (q Quantity) rat() *big.Rat { return orZero(q.r) }

var zeroRat = new(big.Rat)

func orZero(r *big.Rat) *big.Rat {
	if r == nil {
		return zeroRat
	}
	return r
}

// Add returns a+b.
func (a Amount) Add(b Amount) Amount { return Amount{new(big.Rat).Add(a.rat(), b.rat())} }

// Sub returns a-b.
func (a Amount) Sub(b Amount) Amount { return Amount{new(big.Rat).Sub(a.rat(), b.rat())} }

// Mul returns a unit price times a quantity of units, exactly.
func (a Amount) Mul(q Quantity) Amount { return Amount{new(big.Rat).Mul(a.rat(), q.rat())} }

// Cmp compares a and b: -1 if a < b, 0 if a == b, +1 if a > b.
func (a Amount) Cmp(b Amount) int { return a.rat().Cmp(b.rat()) }

// Sign returns -1, 0 or +1 as a is negative, zero or positive.
func (a Amount) Sign() int { return a.rat().Sign() }

// Round returns a rounded to the given number of decimals, halves away from zero
// (2.345 becomes 2.35, -2.345 becomes -2.35). Negative decimals count as 0.
func (a Amount) Round(decimals int) Amount { return Amount{roundRat(a.rat(), decimals)} }

// IsRounded reports whether a has at most the given number of decimals, that is whether
// rounding to them would not change it.
func (a Amount) IsRounded(decimals int) bool { return a.rat().Cmp(roundRat(a.rat(), decimals)) == 0 }

// Format returns a with exactly the given number of decimals, rounded halves away from zero.
func (a Amount) Format(decimals int) string { return orZero(a.r).FloatString(max(decimals, 0)) }

// String returns a exactly when it has at most 12 decimals, without trailing zeros, and
// rounded to 12 decimals otherwise.
func (a Amount) String() string { return formatRat(a.rat()) }

// Cmp compares q and p: -1 if q < p, 0 if q == p, +1 if q > p.
func (q Quantity) Cmp(p Quantity) int { return q.rat().Cmp(p.rat()) }

// Sign returns -1, 0 or +1 as q is negative, zero or positive.
func (q Quantity) Sign() int { return q.rat().Sign() }

// Format returns q with exactly the given number of decimals, rounded halves away from zero.
func (q Quantity) Format(decimals int) string { return q.rat().FloatString(max(decimals, 0)) }

// String formats q like Amount.String.
func (q Quantity) String() string { return formatRat(q.rat()) }

func formatRat(r *big.Rat) string {
	s := r.FloatString(12)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// roundRat rounds r to decimals places, halves away from zero.
func roundRat(r *big.Rat, decimals int) *big.Rat {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(max(decimals, 0))), nil)
	num := new(big.Int).Mul(r.Num(), scale)
	q, m := new(big.Int).QuoRem(num, r.Denom(), new(big.Int)) // truncates toward zero
	if m.Sign() != 0 {
		twice := new(big.Int).Abs(m)
		twice.Lsh(twice, 1)
		if twice.Cmp(r.Denom()) >= 0 {
			if r.Sign() < 0 {
				q.Sub(q, big.NewInt(1))
			} else {
				q.Add(q, big.NewInt(1))
			}
		}
	}
	return new(big.Rat).SetFrac(q, scale)
}

// ceilRat returns the smallest integer >= r, for r >= 0.
func ceilRat(r *big.Rat) *big.Int {
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	if m.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	return q
}

// MarshalText writes a exactly, so that JSON carries money as text, never as a floating-point
// number, and a stored amount reads back equal: as a decimal string ("0.4567") when it has
// one, else as a fraction ("1/3", such as an hour's price for 20 minutes).
func (a Amount) MarshalText() ([]byte, error) { return []byte(exactText(a.rat())), nil }

// UnmarshalText reads what MarshalText writes: a decimal string as ParseAmount reads it, or a
// fraction of two integers.
func (a *Amount) UnmarshalText(b []byte) error {
	r, err := parseExact("billing.Amount", string(b))
	if err != nil {
		return err
	}
	*a = Amount{r}
	return nil
}

// MarshalText writes q exactly, like Amount.MarshalText.
func (q Quantity) MarshalText() ([]byte, error) { return []byte(exactText(q.rat())), nil }

// UnmarshalText reads what MarshalText writes.
func (q *Quantity) UnmarshalText(b []byte) error {
	r, err := parseExact("billing.Quantity", string(b))
	if err != nil {
		return err
	}
	*q = Quantity{r}
	return nil
}

// exactText is r as a decimal without trailing zeros when its denominator has no prime
// factors but 2 and 5 (it terminates), else as "num/den".
func exactText(r *big.Rat) string {
	d := new(big.Int).Set(r.Denom())
	decimals := 0
	two, five := big.NewInt(2), big.NewInt(5)
	for _, f := range []*big.Int{two, five} {
		n := 0
		m := new(big.Int)
		for {
			q, rem := new(big.Int).QuoRem(d, f, m)
			if rem.Sign() != 0 {
				break
			}
			d, n = q, n+1
		}
		decimals = max(decimals, n)
	}
	if d.Cmp(big.NewInt(1)) != 0 {
		return r.RatString()
	}
	s := r.FloatString(decimals)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// parseExact reads a decimal string, or a fraction "num/den" of integers with a positive
// denominator.
func parseExact(op, s string) (*big.Rat, error) {
	num, den, frac := strings.Cut(s, "/")
	if !frac {
		return parseDecimal(op, s)
	}
	if !isDigits(strings.TrimPrefix(num, "-")) || !isDigits(den) || strings.Trim(den, "0") == "" {
		return nil, ladda.Errorf(ladda.Invalid, op, "%q is not a decimal number or a fraction", s)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, ladda.Errorf(ladda.Invalid, op, "%q is not a decimal number or a fraction", s)
	}
	return r, nil
}
