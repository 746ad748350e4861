package notify

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/notification"
)

// Postman sends the emails of package notification: it renders a template in the recipient's
// language and hands the message to a Sender.
type Postman struct {
	Templates *Templates
	Sender    Sender
}

var _ notification.Mailer = (*Postman)(nil)

// Mail renders template (a Kind) in lang with data and sends it to address to. Errors of kind
// Invalid are permanent: an unknown template, bad data or an address the server refused.
func (p *Postman) Mail(ctx context.Context, to, lang, template string, data map[string]any) error {
	msg, err := p.Templates.Message(to, Kind(template), lang, data)
	if err != nil {
		return err
	}
	if msg.Attachments, err = attachments(data["Attachments"]); err != nil {
		return ladda.Errorf(ladda.Invalid, "notify.Postman.Mail", "attachments: %v", err)
	}
	return p.Sender.Send(ctx, msg)
}

// attachments reads the files a queued message carries under the key "Attachments": a list
// of {name, contentType, data (base64)}, as Attachment marshals, or []Attachment itself.
func attachments(v any) ([]Attachment, error) {
	switch a := v.(type) {
	case nil:
		return nil, nil
	case []Attachment:
		return a, nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out []Attachment
	return out, json.Unmarshal(raw, &out)
}

var _ notification.Caller = (*WebhookSender)(nil)

// Call makes one webhook call for package notification.
func (s *WebhookSender) Call(ctx context.Context, c notification.Call) notification.Result {
	r := s.Deliver(ctx, Delivery{URL: c.URL, Secret: c.Secret, ID: c.ID, Event: c.Event, Body: c.Body})
	return notification.Result{Status: r.Status, Err: r.Err, Retry: r.Retry}
}

// ParseSMTPURL reads a mail server's address as Ladda's --smtp-url gives it:
// smtp://user:password@host:587 (STARTTLS), smtps://user:password@host:465 (TLS from the
// start), smtp://host:1025?tls=none (no TLS: a relay on the same host). from is the sender.
func ParseSMTPURL(raw, from string) (SMTPConfig, error) {
	const op = "notify.ParseSMTPURL"
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return SMTPConfig{}, ladda.Errorf(ladda.Invalid, op, "the SMTP URL must look like smtp://user:password@host:587")
	}
	c := SMTPConfig{Host: u.Hostname(), From: from}
	switch u.Scheme {
	case "smtp":
		c.TLS = TLSStartTLS
	case "smtps":
		c.TLS = TLSImplicit
	default:
		return SMTPConfig{}, ladda.Errorf(ladda.Invalid, op, "the SMTP URL's scheme must be smtp or smtps, not %q", u.Scheme)
	}
	if t := u.Query().Get("tls"); t != "" {
		c.TLS = t
	}
	if p := u.Port(); p != "" {
		if c.Port, err = strconv.Atoi(p); err != nil {
			return SMTPConfig{}, ladda.Errorf(ladda.Invalid, op, "the SMTP URL's port %q is not a number", p)
		}
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	c = c.WithDefaults()
	return c, c.Validate()
}
