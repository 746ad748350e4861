package notify

import (
	"math"
	"testing"
	"time"
)

func TestLocaleFormats(t *testing.T) {
	t.Parallel()
	en, sv := locales["en"], locales["sv"]
	cet := time.FixedZone("CET", 3600)
	tests := []struct {
		name   string
		en, sv string
		format func(locale) string
	}{
		{"kWh with one decimal", "12.5 kWh", "12,5 kWh", func(l locale) string { return l.kwh(12.5) }},
		{"kWh rounded to two decimals", "0.13 kWh", "0,13 kWh", func(l locale) string { return l.kwh(0.126) }},
		{"whole kWh", "40 kWh", "40 kWh", func(l locale) string { return l.kwh(40) }},
		{"four digits", "1,234.5", "1234,5", func(l locale) string { return l.number(1234.5) }},
		{"five digits", "12,345", "12\u00a0345", func(l locale) string { return l.number(12345) }},
		{"seven digits", "1,234,567.89", "1\u00a0234\u00a0567,89", func(l locale) string { return l.number(1234567.891) }},
		{"negative", "-3.5", "-3,5", func(l locale) string { return l.number(-3.5) }},
		{"negative zero", "0", "0", func(l locale) string { return l.number(-0.001) }},
		{"not a number", "–", "–", func(l locale) string { return l.number(math.NaN()) }},
		{"date and time", "2026-03-01 14:05 CET", "2026-03-01 14:05 CET", func(l locale) string { return l.datetime(time.Date(2026, 3, 1, 14, 5, 59, 0, cet)) }},
		{"zero time", "", "", func(l locale) string { return l.datetime(time.Time{}) }},
		{"duration under a minute", "45 s", "45 s", func(l locale) string { return l.duration(45 * time.Second) }},
		{"duration in minutes", "45 min", "45 min", func(l locale) string { return l.duration(44*time.Minute + 40*time.Second) }},
		{"duration in hours", "2 h", "2 tim", func(l locale) string { return l.duration(2 * time.Hour) }},
		{"duration in hours and minutes", "1 h 5 min", "1 tim 5 min", func(l locale) string { return l.duration(65 * time.Minute) }},
		{"no duration", "", "", func(l locale) string { return l.duration(0) }},
		{"period of one hour", "1 hour", "1 timme", func(l locale) string { return l.period(time.Hour) }},
		{"period of a day", "24 hours", "24 timmar", func(l locale) string { return l.period(24 * time.Hour) }},
		{"period of days", "7 days", "7 dagar", func(l locale) string { return l.period(7 * 24 * time.Hour) }},
		{"period of minutes", "90 minutes", "90 minuter", func(l locale) string { return l.period(90 * time.Minute) }},
		{"period of one minute", "1 minute", "1 minut", func(l locale) string { return l.period(time.Minute) }},
		{"period of seconds", "30 seconds", "30 sekunder", func(l locale) string { return l.period(30 * time.Second) }},
		{"no period", "", "", func(l locale) string { return l.period(0) }},
	}
	for _, tt := range tests {
		if got := tt.format(en); got != tt.en {
			t.Errorf("%s in English: %q, want %q", tt.name, got, tt.en)
		}
		if got := tt.format(sv); got != tt.sv {
			t.Errorf("%s in Swedish: %q, want %q", tt.name, got, tt.sv)
		}
	}
}

func TestMatchLanguage(t *testing.T) {
	t.Parallel()
	tests := map[string]string{"sv": "sv", "sv-SE": "sv", " SV ": "sv", "sv_FI": "sv", "en-GB": "en", "nb": "en", "": "en", "-": "en"}
	for tag, want := range tests {
		if got := MatchLanguage(tag); got != want {
			t.Errorf("MatchLanguage(%q) = %q, want %q", tag, got, want)
		}
	}
}
