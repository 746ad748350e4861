package password

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ladda-csms/ladda"
)

// The length limits of a password, in Unicode code points. NIST SP 800-63B asks for at least 8
// characters, 15 without a second factor; Ladda asks for 12 in any case. MaxLength only guards
// against abuse: hashing cost grows with the input.
const (
	MinLength = 12
	MaxLength = 256
)

// minRest is how many characters must remain once the context words are taken out of a
// password (see Check): NIST's minimum for a password of its own.
const minRest = 8

// minWord is the shortest context word Check looks for; shorter ones occur by chance.
const minWord = 4

// serviceWords are context words for every user.
var serviceWords = []string{"ladda"}

// Check returns nil if password may be chosen, or an *Error of kind Invalid whose message says
// which rule it breaks (see the package documentation). The message never contains the password.
//
// context holds what an attacker knows about the user: their name, email address, username.
// Each is lowercased and split at every character that is not a letter or digit; the whole
// string and each part of at least four characters is a context word, as is the service name
// "ladda". If the password contains a context word (ignoring case), the rest, with every context
// word taken out, must still be a good password of its own: at least 8 characters, not common,
// not a simple pattern. So "anna.svensson" may not choose "Svensson2025!", but may choose
// "svensson and the purple tractor".
func Check(password string, context ...string) error {
	const op = "password.Check"
	if !utf8.ValidString(password) {
		return ladda.Errorf(ladda.Invalid, op, "password must be valid UTF-8 text")
	}
	n := utf8.RuneCountInString(password)
	if n < MinLength {
		return ladda.Errorf(ladda.Invalid, op, "password must have at least %d characters", MinLength)
	}
	if n > MaxLength {
		return ladda.Errorf(ladda.Invalid, op, "password must have at most %d characters", MaxLength)
	}
	lower := strings.ToLower(password)
	if isCommon(lower) || isCommon(strings.ReplaceAll(lower, " ", "")) || isPadded(lower) {
		return ladda.Errorf(ladda.Invalid, op, "password is too common: it appears in lists of leaked passwords")
	}
	if isPattern(lower) {
		return ladda.Errorf(ladda.Invalid, op, "password is too simple: it repeats characters or runs along the keyboard or the alphabet")
	}
	rest := lower
	for _, w := range contextWords(context) {
		rest = strings.ReplaceAll(rest, w, "")
	}
	if rest != lower && (utf8.RuneCountInString(rest) < minRest || isCommon(rest) || isPattern(rest)) {
		return ladda.Errorf(ladda.Invalid, op, "password is too easy to guess from your name, email address or the name of the service")
	}
	return nil
}

// contextWords returns the lowercased context words of at least minWord characters, longest
// first so that a word is taken out before its parts.
func contextWords(context []string) []string {
	var words []string
	add := func(w string) {
		if utf8.RuneCountInString(w) >= minWord && !slices.Contains(words, w) {
			words = append(words, w)
		}
	}
	for _, c := range slices.Concat(context, serviceWords) {
		c = strings.ToLower(strings.TrimSpace(c))
		add(c)
		for _, part := range strings.FieldsFunc(c, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			add(part)
		}
	}
	slices.SortStableFunc(words, func(a, b string) int { return len(b) - len(a) })
	return words
}

// sequences are the orders in which people walk along the keys: the alphabet, the digits, and
// the keyboard (qwerty, qwertz, azerty) row by row from the digits down. Each is cyclic.
var sequences = []string{
	"abcdefghijklmnopqrstuvwxyz",
	"0123456789",
	"1234567890qwertyuiopasdfghjklzxcvbnm",
	"1234567890qwertzuiopasdfghjklyxcvbnm",
	"1234567890azertyuiopqsdfghjklmwxcvbn",
}

// neighbours holds each pair of characters that are next to each other in a sequence, in both
// orders.
var neighbours = func() map[[2]byte]bool {
	m := make(map[[2]byte]bool)
	for _, s := range sequences {
		for i := range len(s) {
			a, b := s[i], s[(i+1)%len(s)]
			m[[2]byte{a, b}] = true
			m[[2]byte{b, a}] = true
		}
	}
	return m
}()

// isPattern reports whether the lowercased s is a simple pattern: a part shorter than
// MinLength repeated over its whole length ("aaaa", "abcabcab", "carrotcarrot"), or a walk in
// which every character equals or neighbours the one before along one of the sequences
// ("123456789012", "qwertyuiopas", "zyxwvu", "112233").
func isPattern(s string) bool {
	r := []rune(s)
	if len(r) < 2 {
		return true
	}
	for period := 1; period <= len(r)/2 && period < MinLength; period++ {
		if repeats(r, period) {
			return true
		}
	}
	for i := 1; i < len(r); i++ {
		a, b := r[i-1], r[i]
		if a != b && (a >= utf8.RuneSelf || b >= utf8.RuneSelf || !neighbours[[2]byte{byte(a), byte(b)}]) {
			return false
		}
	}
	return true
}

// repeats reports whether r repeats with the given period.
func repeats(r []rune, period int) bool {
	for i := period; i < len(r); i++ {
		if r[i] != r[i-period] {
			return false
		}
	}
	return true
}

// paddings are what people append to a common word to pass a length rule; the embedded list
// holds each common word of 8 to 11 characters with these appended.
var paddings = []string{"1", "12", "123", "1234", "!", "2024", "2025", "2026"}

// isPadded reports whether lower is a common word with digits and symbols appended, whatever
// they are ("password12345", "Sommar2019!!"): its stem with any usual padding is on the list.
func isPadded(lower string) bool {
	stem := strings.TrimRight(lower, "0123456789!@#$%^&*?.-_+= ")
	if len(stem) == len(lower) || len(stem) < 4 {
		return false
	}
	if isCommon(stem) {
		return true
	}
	for _, p := range paddings {
		if isCommon(stem + p) {
			return true
		}
	}
	return false
}
