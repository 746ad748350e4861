package notify

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/ladda-csms/ladda"
)

// Kind names a message that Ladda sends by email. Its value names the template files and is
// what a queue stores.
type Kind string

// The kinds of message, with the data each one reads. Link is required where it is listed and
// must be an absolute http(s) URL; every other field may be zero and is then left out of the
// message.
const (
	VerifyEmail      Kind = "verify_email"       // AccountData: Name, Link, ExpiresIn
	PasswordReset    Kind = "password_reset"     // AccountData: Name, Link, ExpiresIn
	Invitation       Kind = "invitation"         // AccountData: Name, Link (to choose a password), ExpiresIn
	SignupExisting   Kind = "signup_existing"    // AccountData: Name, Link (to reset the password), ExpiresIn; someone tried to sign up with this address
	PasswordChanged  Kind = "password_changed"   // AccountData: Name, Time
	TwoFactorChanged Kind = "two_factor_changed" // AccountData: Name, Enabled, Time
	NewLogin         Kind = "new_login"          // AccountData: Name, IP, UserAgent, Time
	SessionStarted   Kind = "session_started"    // SessionData: Name, StationID, StationName, EVSE, Card, Time
	SessionStopped   Kind = "session_stopped"    // SessionData: Name, StationID, StationName, Card, EnergyKWh, Duration, Time
	StationFree      Kind = "station_free"       // StationData: Name, StationID, StationName, EVSE, Time
	StationFault     Kind = "station_fault"      // StationData: Name, StationID, StationName, EVSE, ErrorCode, Info, Time
	AccountDeleted   Kind = "account_deleted"    // AccountData: Name, Time
	Invoice          Kind = "invoice"            // InvoiceData: Name, Ref, Kind, Total, Currency, Seller, PaidBy, DueAt, Sessions
	Receipt          Kind = "receipt"            // ReceiptData: Name, Kind, Amount, Currency, Card, TransactionID, Time
)

// AccountData is the data of the messages about a user's account. Name greets the recipient
// (empty: a greeting without a name). Times are shown in their own location, so convert them
// to the recipient's time zone first.
type AccountData struct {
	Name      string
	Link      string        // a one-time link; the templates show it in full
	ExpiresIn time.Duration // how long Link works
	Enabled   bool          // TwoFactorChanged: whether two-factor authentication is now on
	IP        string        // NewLogin: where the sign-in came from
	UserAgent string        // NewLogin: the browser or app
	Time      time.Time     // when it happened
}

// SessionData is the data of the messages about a charging session. Card is shown as given:
// mask it (e.g. "…4F2A") first. StationName, when set, is shown instead of the StationID.
type SessionData struct {
	Name        string
	StationID   ladda.StationID
	StationName string
	EVSE        int
	Card        string
	EnergyKWh   float64
	Duration    time.Duration
	Time        time.Time // when the session started (SessionStarted) or ended (SessionStopped)
}

// StationData is the data of the messages about a station. StationName, when set, is shown
// instead of the StationID; EVSE 0 means the station as a whole.
type StationData struct {
	Name        string
	StationID   ladda.StationID
	StationName string
	EVSE        int
	ErrorCode   string // StationFault: the station's error code, e.g. "GroundFailure"
	Info        string // StationFault: the station's free-text detail
	Time        time.Time
}

// InvoiceData is the data of the message that an invoice or credit note was issued. Total is
// the amount as printed ("51.25"), in Currency; Kind is "invoice" or "credit_note"; a zero DueAt
// with PaidBy says it is paid.
type InvoiceData struct {
	Name     string
	Ref      string // such as "LAD-000042"
	Kind     string
	Total    string
	Currency string
	Seller   string
	PaidBy   string
	DueAt    time.Time
	Sessions int
}

// ReceiptData is the data of the confirmation of a payment taken: Kind is "session", "debt"
// or "topup"; Amount is printed as given ("51.25") in Currency; Card is what the driver calls
// the card.
type ReceiptData struct {
	Name          string
	Kind          string
	Amount        string
	Currency      string
	Card          string
	TransactionID int64
	Time          time.Time
}

// kinds maps each Kind to the type of its data and whether it needs a Link.
var kinds = map[Kind]struct {
	data     reflect.Type
	needLink bool
}{
	VerifyEmail:      {reflect.TypeFor[AccountData](), true},
	PasswordReset:    {reflect.TypeFor[AccountData](), true},
	Invitation:       {reflect.TypeFor[AccountData](), true},
	SignupExisting:   {reflect.TypeFor[AccountData](), true},
	PasswordChanged:  {reflect.TypeFor[AccountData](), false},
	TwoFactorChanged: {reflect.TypeFor[AccountData](), false},
	NewLogin:         {reflect.TypeFor[AccountData](), false},
	SessionStarted:   {reflect.TypeFor[SessionData](), false},
	SessionStopped:   {reflect.TypeFor[SessionData](), false},
	StationFree:      {reflect.TypeFor[StationData](), false},
	StationFault:     {reflect.TypeFor[StationData](), false},
	AccountDeleted:   {reflect.TypeFor[AccountData](), false},
	Invoice:          {reflect.TypeFor[InvoiceData](), false},
	Receipt:          {reflect.TypeFor[ReceiptData](), false},
}

// Kinds returns every Kind, in no particular order.
func Kinds() []Kind {
	list := make([]Kind, 0, len(kinds))
	for k := range kinds {
		list = append(list, k)
	}
	return list
}

// DefaultLanguage is the language of messages to recipients whose language has no templates.
const DefaultLanguage = "en"

// Languages returns the languages that have templates: "en" and "sv".
func Languages() []string { return []string{"en", "sv"} }

// MatchLanguage returns the template language for a language tag such as "sv", "sv-SE" or
// "en_GB" (case does not matter), or DefaultLanguage when Ladda has no templates for it.
func MatchLanguage(tag string) string {
	primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
	primary, _, _ = strings.Cut(primary, "_")
	if _, ok := locales[primary]; ok {
		return primary
	}
	return DefaultLanguage
}

//go:embed templates/*
var templateFS embed.FS

// Templates renders the email messages of every Kind in every language. The files are
// embedded in the binary: templates/<lang>/<kind>.txt defines "subject" and "text" with
// text/template, templates/<lang>/<kind>.html defines "body" with html/template (which escapes
// the data), and each language's layout.txt and layout.html hold the greeting, the footer and
// the HTML frame. The functions number, kwh, datetime, duration and period format values the
// language's way. Templates is safe for concurrent use.
type Templates struct {
	sets map[string]map[Kind]*templateSet // language → kind
}

type templateSet struct {
	text *texttemplate.Template // "subject" and "text"
	html *htmltemplate.Template // "layout", which includes "body"
}

// LoadTemplates parses the embedded templates. It fails only when a template file is missing
// or broken, which the tests catch.
func LoadTemplates() (*Templates, error) {
	const op = "notify.LoadTemplates"
	t := &Templates{sets: map[string]map[Kind]*templateSet{}}
	for _, lang := range Languages() {
		funcs := locales[lang].funcs()
		t.sets[lang] = map[Kind]*templateSet{}
		for kind := range kinds {
			dir := "templates/" + lang + "/"
			text, err := texttemplate.New(string(kind)).Funcs(funcs).ParseFS(templateFS, dir+"layout.txt", dir+string(kind)+".txt")
			if err != nil {
				return nil, ladda.Wrap(op, err)
			}
			html, err := htmltemplate.New(string(kind)).Funcs(funcs).ParseFS(templateFS, dir+"layout.html", dir+string(kind)+".html")
			if err != nil {
				return nil, ladda.Wrap(op, err)
			}
			for _, name := range []string{"subject", "text"} {
				if text.Lookup(name) == nil {
					return nil, ladda.Errorf(ladda.Internal, op, "%s%s.txt does not define %q", dir, kind, name)
				}
			}
			if html.Lookup("body") == nil {
				return nil, ladda.Errorf(ladda.Internal, op, "%s%s.html does not define \"body\"", dir, kind)
			}
			t.sets[lang][kind] = &templateSet{text: text, html: html}
		}
	}
	return t, nil
}

// Render returns the subject (one line), the plain text and the HTML of a message of the given
// kind in language lang (see MatchLanguage; unknown languages get English).
//
// data is the kind's data type (AccountData, SessionData or StationData, see the Kind
// constants), a pointer to it, or anything that encodes to the same JSON, such as the
// map[string]any or json.RawMessage that a queue kept (times as RFC 3339 strings, durations
// as nanoseconds). Errors: ladda.Invalid for an unknown kind, data that does not fit it or a
// missing or non-http(s) Link; ladda.Internal when a template fails.
func (t *Templates) Render(kind Kind, lang string, data any) (subject, text, html string, err error) {
	const op = "notify.Templates.Render"
	spec, ok := kinds[kind]
	if !ok {
		return "", "", "", ladda.Errorf(ladda.Invalid, op, "unknown message kind %q", kind)
	}
	d, err := decodeData(spec.data, data)
	if err != nil {
		return "", "", "", ladda.Errorf(ladda.Invalid, op, "data for %s: %v", kind, err)
	}
	if spec.needLink {
		if u, err := url.Parse(d.(AccountData).Link); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return "", "", "", ladda.Errorf(ladda.Invalid, op, "data for %s: Link must be an http(s) URL", kind)
		}
	}
	set := t.sets[MatchLanguage(lang)][kind]
	var b bytes.Buffer
	if err := set.text.ExecuteTemplate(&b, "subject", d); err != nil {
		return "", "", "", ladda.Wrap(op, err)
	}
	subject = strings.Join(strings.Fields(b.String()), " ")
	b.Reset()
	if err := set.text.ExecuteTemplate(&b, "text", d); err != nil {
		return "", "", "", ladda.Wrap(op, err)
	}
	text = tidyText(b.String())
	b.Reset()
	if err := set.html.ExecuteTemplate(&b, "layout", d); err != nil {
		return "", "", "", ladda.Wrap(op, err)
	}
	html = tidyText(b.String())
	return subject, text, html, nil
}

// Message renders a message of the given kind for recipient to: Render, then a Message ready
// for a Sender.
func (t *Templates) Message(to string, kind Kind, lang string, data any) (Message, error) {
	subject, text, html, err := t.Render(kind, lang, data)
	if err != nil {
		return Message{}, err
	}
	return Message{To: to, Subject: subject, Text: text, HTML: html}, nil
}

// decodeData returns data as a value of type want.
func decodeData(want reflect.Type, data any) (any, error) {
	if data == nil {
		return reflect.Zero(want).Interface(), nil
	}
	v := reflect.ValueOf(data)
	switch {
	case v.Type() == want:
		return data, nil
	case v.Type() == reflect.PointerTo(want):
		if v.IsNil() {
			return reflect.Zero(want).Interface(), nil
		}
		return v.Elem().Interface(), nil
	}
	var raw []byte
	switch d := data.(type) {
	case json.RawMessage:
		raw = d
	case []byte:
		raw = d
	default:
		var err error
		if raw, err = json.Marshal(data); err != nil {
			return nil, err
		}
	}
	p := reflect.New(want)
	if err := json.Unmarshal(raw, p.Interface()); err != nil {
		return nil, fmt.Errorf("does not decode into %s: %w", want.Name(), err)
	}
	return p.Elem().Interface(), nil
}

var blankLines = regexp.MustCompile(`\n{3,}`)

// tidyText drops trailing spaces, keeps at most one empty line in a row and ends the text with
// one newline, so that templates can be laid out for reading.
func tidyText(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	s = blankLines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n")
	return strings.TrimSpace(s) + "\n"
}
