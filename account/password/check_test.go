package password_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account/password"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	person := []string{"anna.svensson@example.com", "Anna Svensson"}
	for _, tc := range []struct {
		name     string
		password string
		context  []string
		want     string // part of the error message; "" for accepted
	}{
		{"good", "tulip-Quarry-47-vinegar", nil, ""},
		{"good with spaces", "seven wet otters argue loudly", nil, ""},
		{"exactly 12", "k7#Rv9!mQ2xZ", nil, ""},
		{"non-ASCII counts code points", "blåbärsöl på tåget", nil, ""},
		{"11 ASCII", "k7#Rv9!mQ2x", nil, "at least 12"},
		{"11 code points, more bytes", "åäöåäöåäöåä", nil, "at least 12"},
		{"empty", "", nil, "at least 12"},
		{"too long", strings.Repeat("correct-horse ", 19), nil, "at most 256"},
		{"invalid UTF-8", "abcdefghij\xff\xfe", nil, "UTF-8"},
		{"common long", "qwerty123456", nil, "too common"},
		{"common any case", "QwErTy123456", nil, "too common"},
		{"common from list", "1qaz2wsx3edc", nil, "too common"},
		{"padded common", "password1234", nil, "too common"},
		{"padded with year", "sunshine2025", nil, "too common"},
		{"padded with bang", "masterchief!", nil, "too common"},
		{"common typed twice", "starwarsstarwars", nil, "too common"},
		{"common with spaces", "password 1234", nil, "too common"},
		{"one character", "aaaaaaaaaaaaaa", nil, "too simple"},
		{"one character non-ASCII", "ääääääääääää", nil, "too simple"},
		{"repeated part", "x9!x9!x9!x9!", nil, "too simple"},
		{"repeated word", "tractortractor", nil, "too simple"},
		{"digits", "234567890123", nil, "too simple"},
		{"digits backwards", "987654321098", nil, "too simple"},
		{"alphabet", "abcdefghijkl", nil, "too simple"},
		{"alphabet backwards", "zyxwvutsrqpo", nil, "too simple"},
		{"keyboard row wrapping", "qwertyuiopas", nil, "too simple"},
		{"qwertz row", "qwertzuiopas", nil, "too simple"},
		{"doubled run", "aabbccddeeffgg", nil, "too simple"},
		{"surname plus year", "Svensson2025!", person, "too easy to guess"},
		{"email local part plus run", "anna.svensson123", person, "too easy to guess"},
		{"name plus common", "annapassword1234", person, "too easy to guess"},
		{"name plus pattern", "svensson12345678", person, "too easy to guess"},
		{"service name", "Ladda-Ladda-2026", nil, "too easy to guess"},
		{"service name plus short rest", "myladda2026!", nil, "too easy to guess"},
		{"context word among others", "svensson and the purple tractor", person, ""},
		{"short context word ignored", "anna-k7#Rv9!mQ", []string{"anna"}, ""},
		{"service name with a long rest", "ladda charges my old volvo", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := password.Check(tc.password, tc.context...)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Check refused a good password: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Check accepted it, want an error containing %q", tc.want)
			}
			if !ladda.IsKind(err, ladda.Invalid) {
				t.Errorf("kind = %v, want invalid", ladda.ErrorKind(err))
			}
			msg := ladda.ErrorMessage(err)
			if !strings.Contains(msg, tc.want) {
				t.Errorf("message %q does not contain %q", msg, tc.want)
			}
			if tc.password != "" && strings.Contains(strings.ToLower(err.Error()), strings.ToLower(tc.password)) {
				t.Errorf("error %q echoes the password", err)
			}
		})
	}
}

func TestCommonList(t *testing.T) {
	t.Parallel()
	list := password.CommonList()
	if len(list) < 50000 {
		t.Fatalf("list has %d entries, want the generated ~60 000", len(list))
	}
	for i, w := range list {
		if utf8.RuneCountInString(w) < password.MinLength {
			t.Fatalf("entry %d has fewer than %d characters; it could never be chosen", i, password.MinLength)
		}
		if w != strings.ToLower(w) || strings.TrimSpace(w) != w {
			t.Fatalf("entry %d is not lowercased and trimmed", i)
		}
		if i > 0 && list[i-1] >= w {
			t.Fatalf("entries %d and %d are not sorted and unique", i-1, i)
		}
	}
}
