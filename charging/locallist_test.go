package charging

import (
	"testing"
	"time"

	"github.com/ladda-csms/ladda/station"
)

func TestLocalListDifferences(t *testing.T) {
	t.Parallel()
	exp := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	a := station.LocalAuthEntry{IDToken: "A", TokenType: "ISO14443", Status: "Accepted"}
	b := station.LocalAuthEntry{IDToken: "B", TokenType: "ISO14443", Status: "Accepted"}
	bBlocked := b
	bBlocked.Status = "Blocked"
	bExpiring := b
	bExpiring.ExpiresAt = &exp
	c := station.LocalAuthEntry{IDToken: "C", TokenType: "Central", Status: "Accepted"}
	for _, tc := range []struct {
		name     string
		old, new []station.LocalAuthEntry
		want     []string // IDToken:Status, "" status for removals
	}{
		{"nothing changed", []station.LocalAuthEntry{a, b}, []station.LocalAuthEntry{a, b}, nil},
		{"added", []station.LocalAuthEntry{a}, []station.LocalAuthEntry{a, c}, []string{"C:Accepted"}},
		{"status changed", []station.LocalAuthEntry{a, b}, []station.LocalAuthEntry{a, bBlocked}, []string{"B:Blocked"}},
		{"expiry set", []station.LocalAuthEntry{b}, []station.LocalAuthEntry{bExpiring}, []string{"B:Accepted"}},
		{"removed, sorted", []station.LocalAuthEntry{c, a, b}, []station.LocalAuthEntry{}, []string{"A:", "B:", "C:"}},
		{"mixed", []station.LocalAuthEntry{a, b}, []station.LocalAuthEntry{bBlocked, c}, []string{"B:Blocked", "C:Accepted", "A:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, e := range differences(tc.old, tc.new) {
				got = append(got, e.IDToken+":"+e.Status)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("differences = %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("differences = %v, want %v", got, tc.want)
				}
			}
		})
	}
}
