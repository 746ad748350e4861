package notify_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/notify"
)

// minimalData returns the least data each kind renders with.
func minimalData(kind notify.Kind) any {
	switch kind {
	case notify.VerifyEmail, notify.PasswordReset, notify.SignupExisting, notify.Invitation:
		return notify.AccountData{Link: "https://ladda.example.com/l"}
	case notify.SessionStarted, notify.SessionStopped:
		return notify.SessionData{StationID: "CS-1"}
	case notify.StationFree, notify.StationFault:
		return notify.StationData{StationID: "CS-1"}
	case notify.Receipt:
		return notify.ReceiptData{Kind: "session", Amount: "1.00", Currency: "SEK"}
	case notify.Invoice:
		return notify.InvoiceData{Ref: "LAD-000001", Kind: "invoice", Total: "1.00", Currency: "SEK"}
	}
	return nil
}

// TestEveryTemplateRenders renders every kind in every language with the least data and
// checks that nothing is missing or left unrendered.
func TestEveryTemplateRenders(t *testing.T) {
	t.Parallel()
	tpl := mustTemplates(t)
	for _, lang := range notify.Languages() {
		subjects := map[string]notify.Kind{}
		for _, kind := range notify.Kinds() {
			subject, text, html, err := tpl.Render(kind, lang, minimalData(kind))
			if err != nil {
				t.Errorf("%s/%s: %v", lang, kind, err)
				continue
			}
			if subject == "" || strings.ContainsAny(subject, "\r\n") {
				t.Errorf("%s/%s: subject %q is empty or not one line", lang, kind, subject)
			}
			if other, dup := subjects[subject]; dup {
				t.Errorf("%s: %s and %s share the subject %q", lang, kind, other, subject)
			}
			subjects[subject] = kind
			for part, body := range map[string]string{"text": text, "html": html} {
				if len(body) < 50 || strings.Contains(body, "<no value>") || strings.Contains(body, "{{") {
					t.Errorf("%s/%s: %s looks unrendered:\n%s", lang, kind, part, body)
				}
				if strings.Contains(body, "\n\n\n") {
					t.Errorf("%s/%s: %s has runs of blank lines", lang, kind, part)
				}
			}
			if !strings.HasPrefix(html, "<!DOCTYPE html>") || !strings.Contains(html, `<html lang="`+lang+`">`) {
				t.Errorf("%s/%s: HTML lacks its frame", lang, kind)
			}
		}
	}
}

func TestRenderLanguages(t *testing.T) {
	t.Parallel()
	tpl := mustTemplates(t)
	data := notify.AccountData{Link: "https://ladda.example.com/r", ExpiresIn: time.Hour}
	tests := []struct {
		lang, subject string
	}{
		{"en", "Reset your password"},
		{"sv", "Återställ ditt lösenord"},
		{"SV-se", "Återställ ditt lösenord"},
		{"sv_FI", "Återställ ditt lösenord"},
		{"de", "Reset your password"},
		{"", "Reset your password"},
	}
	for _, tt := range tests {
		subject, _, _, err := tpl.Render(notify.PasswordReset, tt.lang, data)
		if err != nil || subject != tt.subject {
			t.Errorf("Render(%q) = %q, %v; want %q", tt.lang, subject, err, tt.subject)
		}
	}
}

// TestRenderEscapes checks that data cannot inject HTML or unsafe links, and that the text
// part shows it as given.
func TestRenderEscapes(t *testing.T) {
	t.Parallel()
	tpl := mustTemplates(t)
	data := notify.AccountData{Name: `<b>Eve</b> & "co"`, Link: "https://ladda.example.com/v?a=1&b=<2>"}
	_, text, html, err := tpl.Render(notify.VerifyEmail, "en", data)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html, "&lt;b&gt;Eve&lt;/b&gt; &amp; &#34;co&#34;") || strings.Contains(html, "<b>Eve") {
		t.Errorf("the name is not escaped in HTML:\n%s", html)
	}
	if !strings.Contains(html, `href="https://ladda.example.com/v?a=1&amp;b=%3c2%3e"`) {
		t.Errorf("the link is not escaped in HTML:\n%s", html)
	}
	if !strings.Contains(text, `Hi <b>Eve</b> & "co",`) {
		t.Errorf("the text part changed the name:\n%s", text)
	}
	subject, _, _, err := tpl.Render(notify.StationFree, "en", notify.StationData{StationName: "Garage\r\nBcc: x@example.com", StationID: "CS-1"})
	if err != nil || strings.ContainsAny(subject, "\r\n") {
		t.Errorf("subject %q, %v: want one line", subject, err)
	}
}

// TestRenderData checks the forms data may take: the kind's type, a pointer to it, and the
// JSON a queue kept.
func TestRenderData(t *testing.T) {
	t.Parallel()
	tpl := mustTemplates(t)
	when := time.Date(2026, 3, 1, 13, 5, 0, 0, time.UTC)
	typed := notify.SessionData{Name: "Bo", StationID: "CS-1", EnergyKWh: 7.25, Duration: 95 * time.Minute, Time: when}
	stored, err := json.Marshal(typed)
	if err != nil {
		t.Fatal(err)
	}
	var asMap map[string]any
	if err := json.Unmarshal(stored, &asMap); err != nil {
		t.Fatal(err)
	}
	_, want, _, err := tpl.Render(notify.SessionStopped, "sv", typed)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Hej Bo!", "7,25 kWh", "1 tim 35 min", "2026-03-01 13:05 UTC"} {
		if !strings.Contains(want, w) {
			t.Errorf("text lacks %q:\n%s", w, want)
		}
	}
	for name, data := range map[string]any{"pointer": &typed, "JSON": json.RawMessage(stored), "bytes": stored, "map": asMap} {
		if _, got, _, err := tpl.Render(notify.SessionStopped, "sv", data); err != nil || got != want {
			t.Errorf("%s: %v\n%s\nwant\n%s", name, err, got, want)
		}
	}

	tests := []struct {
		name string
		kind notify.Kind
		data any
	}{
		{"unknown kind", notify.Kind("birthday"), nil},
		{"missing link", notify.VerifyEmail, notify.AccountData{Name: "Anna"}},
		{"missing link in a map", notify.PasswordReset, map[string]any{"Name": "Anna"}},
		{"javascript link", notify.SignupExisting, notify.AccountData{Link: "javascript:alert(1)"}},
		{"relative link", notify.VerifyEmail, notify.AccountData{Link: "/verify?t=1"}},
		{"wrong type of field", notify.SessionStopped, map[string]any{"EnergyKWh": "a lot"}},
		{"not JSON", notify.SessionStopped, []byte("{")},
	}
	for _, tt := range tests {
		if _, _, _, err := tpl.Render(tt.kind, "en", tt.data); !ladda.IsKind(err, ladda.Invalid) {
			t.Errorf("%s: Render = %v, want invalid", tt.name, err)
		}
	}
}

func TestTwoFactorChangedSaysWhich(t *testing.T) {
	t.Parallel()
	tpl := mustTemplates(t)
	tests := []struct {
		lang    string
		enabled bool
		subject string
	}{
		{"en", true, "Two-factor authentication turned on"},
		{"en", false, "Two-factor authentication turned off"},
		{"sv", true, "Tvåstegsverifiering har aktiverats"},
		{"sv", false, "Tvåstegsverifiering har stängts av"},
	}
	for _, tt := range tests {
		subject, _, _, err := tpl.Render(notify.TwoFactorChanged, tt.lang, notify.AccountData{Enabled: tt.enabled})
		if err != nil || subject != tt.subject {
			t.Errorf("%s enabled=%v: %q, %v; want %q", tt.lang, tt.enabled, subject, err, tt.subject)
		}
	}
}
