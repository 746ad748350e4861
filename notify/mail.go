package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"net"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/ladda-csms/ladda"
)

// The TLS modes of SMTPConfig.TLS.
const (
	TLSNone     = "none"     // plain SMTP; only for a relay on the same host or network
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS, which must succeed (port 587)
	TLSImplicit = "tls"      // TLS from the first byte, "SMTPS" (port 465)
)

// DefaultSMTPTimeout bounds connecting to the SMTP server and each command when
// SMTPConfig.Timeout is zero.
const DefaultSMTPTimeout = 10 * time.Second

// SMTPConfig says how to reach the SMTP server that relays Ladda's email.
//
// Rules: Host and From are required. TLS is one of TLSNone, TLSStartTLS (the default) and
// TLSImplicit; with STARTTLS the upgrade is mandatory, never silently skipped, and the server's
// certificate is verified against Host. Port defaults to 587 for STARTTLS, 465 for implicit TLS
// and 25 without TLS. The client authenticates only when Username is set; it then picks the
// strongest mechanism the server offers, and without TLS only challenge-response mechanisms
// (CRAM-MD5, SCRAM), so that a password never crosses the network in clear text: a server that
// offers only PLAIN or LOGIN over an unencrypted connection makes Send fail with
// ladda.Internal. Timeout bounds
// the connection and every SMTP command (default DefaultSMTPTimeout).
type SMTPConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string // the sender, e.g. "Ladda <noreply@example.com>"
	TLS      string
	Timeout  time.Duration
}

// WithDefaults returns c with the zero fields that have a default filled in.
func (c SMTPConfig) WithDefaults() SMTPConfig {
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	if c.Port == 0 {
		switch c.TLS {
		case TLSImplicit:
			c.Port = 465
		case TLSNone:
			c.Port = 25
		default:
			c.Port = 587
		}
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultSMTPTimeout
	}
	return c
}

// Validate reports the first field of c that is wrong, as an error of kind ladda.Invalid.
// Zero fields that have a default (Port, TLS, Timeout) are valid.
func (c SMTPConfig) Validate() error {
	const op = "notify.SMTPConfig.Validate"
	switch {
	case strings.TrimSpace(c.Host) == "":
		return ladda.Errorf(ladda.Invalid, op, "SMTP Host is required")
	case strings.ContainsAny(c.Host, " /:@") && net.ParseIP(c.Host) == nil:
		return ladda.Errorf(ladda.Invalid, op, "SMTP Host %q must be a host name or IP address, without port", c.Host)
	case c.Port < 0 || c.Port > 65535:
		return ladda.Errorf(ladda.Invalid, op, "SMTP Port %d is out of range 1-65535", c.Port)
	case c.TLS != "" && c.TLS != TLSNone && c.TLS != TLSStartTLS && c.TLS != TLSImplicit:
		return ladda.Errorf(ladda.Invalid, op, "SMTP TLS %q must be %q, %q or %q", c.TLS, TLSNone, TLSStartTLS, TLSImplicit)
	case c.Timeout < 0:
		return ladda.Errorf(ladda.Invalid, op, "SMTP Timeout %s is negative", c.Timeout)
	case c.Password != "" && c.Username == "":
		return ladda.Errorf(ladda.Invalid, op, "SMTP Password is set but Username is empty")
	case strings.TrimSpace(c.From) == "":
		return ladda.Errorf(ladda.Invalid, op, "SMTP From is required")
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return ladda.Errorf(ladda.Invalid, op, "SMTP From %q is not an email address: %v", c.From, err)
	}
	return nil
}

// Message is one email to one recipient.
//
// Rules: To is a single address, bare ("anna@example.com") or with a name
// ("Anna <anna@example.com>"). Subject and at least one of Text and HTML are required; with
// both, mail programs show the HTML and fall back to the text. Headers adds header fields such
// as List-Unsubscribe; it may not set the fields that Mailer owns (From, To, Cc, Bcc, Reply-To,
// Sender, Subject, Date, Message-ID, MIME-Version and Content-*), and names and values must be
// single lines. Every message carries "Auto-Submitted: auto-generated" (RFC 3834) unless
// Headers says otherwise, so that vacation responders stay quiet.
type Message struct {
	To          string
	Subject     string
	Text        string
	HTML        string
	Headers     map[string]string
	Attachments []Attachment
}

// Attachment is a file sent with a message, such as an invoice's PDF.
type Attachment struct {
	Name        string `json:"name"`        // the file name the recipient sees
	ContentType string `json:"contentType"` // such as "application/pdf"
	Data        []byte `json:"data"`        // base64 in JSON
}

// MaxAttachments bounds what one message carries in all.
const MaxAttachments = 10 << 20

// Sender sends email. Mailer is the real one; package notifytest has a fake.
type Sender interface {
	// Send makes one attempt to hand m to the mail system. The error is a *ladda.Error:
	//   - ladda.Invalid: the message itself is wrong (a malformed address, a missing subject
	//     or body, a forbidden header) or the server refused it for good (5xx for the
	//     recipient or the content). Do not retry; retrying cannot succeed.
	//   - ladda.Unavailable: the server could not be reached, timed out, answered with a
	//     temporary failure (4xx), showed a TLS certificate that does not verify, or ctx
	//     ended. Retry later, on the Backoff schedule.
	//   - ladda.Internal: Ladda's SMTP settings are wrong (the server refused the sender or
	//     the credentials for good, does not offer STARTTLS, or offers no authentication
	//     mechanism the settings allow). Retrying does not help until an operator fixes them.
	Send(ctx context.Context, m Message) error
}

// Mailer sends email through one SMTP server, opening a connection per message. It is safe
// for concurrent use.
type Mailer struct {
	cfg       SMTPConfig
	from      *mail.Address
	domain    string      // of the sender, for Message-IDs
	tlsConfig *tls.Config // nil: verify the server against cfg.Host with the system roots
}

var _ Sender = (*Mailer)(nil)

// NewMailer returns a Mailer for cfg, with its defaults filled in. The error is of kind
// ladda.Invalid and names the field that is wrong. NewMailer does not connect.
func NewMailer(cfg SMTPConfig) (*Mailer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	from, _ := mail.ParseAddress(cfg.From)
	_, domain, _ := strings.Cut(from.Address, "@")
	m := &Mailer{cfg: cfg, from: from, domain: domain}
	if _, err := m.client(); err != nil {
		return nil, ladda.Errorf(ladda.Invalid, "notify.NewMailer", "SMTP settings: %v", err)
	}
	return m, nil
}

// client returns a new go-mail client. One per message keeps concurrent sends independent.
func (m *Mailer) client() (*gomail.Client, error) {
	opts := []gomail.Option{gomail.WithPort(m.cfg.Port), gomail.WithTimeout(m.cfg.Timeout)}
	switch m.cfg.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if m.tlsConfig != nil {
		c := m.tlsConfig.Clone()
		if c.ServerName == "" {
			c.ServerName = m.cfg.Host
		}
		opts = append(opts, gomail.WithTLSConfig(c))
	}
	if m.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(m.cfg.Username), gomail.WithPassword(m.cfg.Password))
	}
	return gomail.NewClient(m.cfg.Host, opts...)
}

// Send sends msg: see Sender for the rules and the kinds of its errors.
func (m *Mailer) Send(ctx context.Context, msg Message) error {
	const op = "notify.Mailer.Send"
	gm, err := m.compose(msg)
	if err != nil {
		return err
	}
	c, err := m.client()
	if err != nil {
		return &ladda.Error{Kind: ladda.Internal, Op: op, Message: "SMTP client", Err: err}
	}
	if err := c.DialAndSendWithContext(ctx, gm); err != nil && !gm.IsDelivered() {
		// Once the server has accepted the message, a failure to say goodbye (QUIT) does
		// not count: reporting it would make the caller send the message twice.
		return classifySMTP(ctx, op, err)
	}
	return nil
}

// reserved are the header fields that Message.Headers may not set.
var reserved = map[string]bool{
	"From": true, "To": true, "Cc": true, "Bcc": true, "Reply-To": true, "Sender": true,
	"Subject": true, "Date": true, "Mime-Version": true, "Return-Path": true, "Message-Id": true,
}

// compose checks msg and builds the go-mail message. Errors are of kind Invalid.
func (m *Mailer) compose(msg Message) (*gomail.Msg, error) {
	const op = "notify.Mailer.Send"
	to, err := mail.ParseAddress(msg.To)
	if err != nil || strings.ContainsAny(to.Address, "\r\n") {
		return nil, ladda.Errorf(ladda.Invalid, op, "recipient %q is not an email address", msg.To)
	}
	subject := strings.Join(strings.Fields(msg.Subject), " ")
	if subject == "" {
		return nil, ladda.Errorf(ladda.Invalid, op, "the subject is empty")
	}
	if strings.TrimSpace(msg.Text) == "" && strings.TrimSpace(msg.HTML) == "" {
		return nil, ladda.Errorf(ladda.Invalid, op, "the message has neither text nor HTML")
	}
	gm := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	gm.FromMailAddress(m.from)
	gm.ToMailAddress(to)
	gm.Subject(subject)
	gm.SetMessageIDWithValue(messageID(m.domain))
	gm.SetGenHeader("Auto-Submitted", "auto-generated")
	for name, value := range msg.Headers {
		canon := textproto.CanonicalMIMEHeaderKey(name)
		switch {
		case !validHeaderName(name):
			return nil, ladda.Errorf(ladda.Invalid, op, "header name %q is not valid", name)
		case reserved[canon] || strings.HasPrefix(canon, "Content-"):
			return nil, ladda.Errorf(ladda.Invalid, op, "header %s is set by the mailer", canon)
		case strings.ContainsAny(value, "\r\n\x00"):
			return nil, ladda.Errorf(ladda.Invalid, op, "header %s has a line break", canon)
		}
		gm.SetGenHeader(gomail.Header(canon), value)
	}
	size := 0
	for _, a := range msg.Attachments {
		size += len(a.Data)
		switch {
		case a.Name == "" || strings.ContainsAny(a.Name, "/\\\r\n\x00\"") || len(a.Name) > 100:
			return nil, ladda.Errorf(ladda.Invalid, op, "attachment name %q is not a plain file name", a.Name)
		case !strings.Contains(a.ContentType, "/") || strings.ContainsAny(a.ContentType, "\r\n;"):
			return nil, ladda.Errorf(ladda.Invalid, op, "attachment %s has no valid content type", a.Name)
		case size > MaxAttachments:
			return nil, ladda.Errorf(ladda.Invalid, op, "the attachments are larger than %d bytes", MaxAttachments)
		}
		if err := gm.AttachReader(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(a.ContentType))); err != nil {
			return nil, ladda.Errorf(ladda.Invalid, op, "attaching %s: %v", a.Name, err)
		}
	}
	switch {
	case msg.Text != "" && msg.HTML != "":
		gm.SetBodyString(gomail.TypeTextPlain, msg.Text)
		gm.AddAlternativeString(gomail.TypeTextHTML, msg.HTML)
	case msg.HTML != "":
		gm.SetBodyString(gomail.TypeTextHTML, msg.HTML)
	default:
		gm.SetBodyString(gomail.TypeTextPlain, msg.Text)
	}
	return gm, nil
}

// validHeaderName reports whether name is an RFC 5322 field name: printable ASCII without
// colon or space.
func validHeaderName(name string) bool {
	if name == "" || len(name) > 76 {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c > '~' || c == ':' {
			return false
		}
	}
	return true
}

// messageID returns a new globally unique Message-ID value (without angle brackets) in the
// sender's domain.
func messageID(domain string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:]) + "@" + domain
}

// classifySMTP turns a failure of go-mail into a *ladda.Error of the kind Sender documents.
func classifySMTP(ctx context.Context, op string, err error) error {
	unavailable := func(msg string) error {
		return &ladda.Error{Kind: ladda.Unavailable, Op: op, Message: msg, Err: err}
	}
	if ctx.Err() != nil {
		return unavailable("sending email was cancelled")
	}
	var sendErr *gomail.SendError
	if errors.As(err, &sendErr) {
		code := smtpCode(err, sendErr.ErrorCode())
		switch {
		case sendErr.IsTemp() || code/100 == 4:
			return unavailable("the mail server refused the message for now (" + strconv.Itoa(code) + ")")
		case sendErr.Reason == gomail.ErrSMTPRcptTo:
			return &ladda.Error{Kind: ladda.Invalid, Op: op, Message: "the mail server refused the recipient", Err: err}
		case sendErr.Reason == gomail.ErrSMTPMailFrom:
			return &ladda.Error{Kind: ladda.Internal, Op: op, Message: "the mail server refused mail from Ladda (" + strconv.Itoa(code) + "); check the SMTP settings", Err: err}
		case code/100 == 5:
			return &ladda.Error{Kind: ladda.Invalid, Op: op, Message: "the mail server refused the message (" + strconv.Itoa(code) + ")", Err: err}
		}
		return unavailable("the connection to the mail server failed")
	}
	// Failures while connecting, greeting, upgrading to TLS or authenticating.
	var netErr net.Error
	if errors.As(err, &netErr) {
		return unavailable("the mail server cannot be reached")
	}
	if code := smtpCode(err, 0); code/100 == 5 {
		return &ladda.Error{Kind: ladda.Internal, Op: op, Message: "the mail server refused the connection settings (" + strconv.Itoa(code) + ")", Err: err}
	}
	if errors.Is(err, gomail.ErrNoSupportedAuthDiscovered) ||
		strings.Contains(err.Error(), "does not support STARTTLS") || strings.Contains(err.Error(), "does not support SMTP AUTH") {
		return &ladda.Error{Kind: ladda.Internal, Op: op, Message: "the mail server does not offer what the SMTP settings require", Err: err}
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return unavailable("the mail server's TLS certificate is not trusted")
	}
	return unavailable("the mail server cannot be reached")
}

// smtpCode returns the reply code of the SMTP error in err's chain, or fallback.
func smtpCode(err error, fallback int) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return fallback
}
