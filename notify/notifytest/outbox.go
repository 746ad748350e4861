// Package notifytest holds in-process fakes of package notify for the tests of its callers.
// Import it from _test.go files only.
package notifytest

import (
	"context"
	"net/mail"
	"slices"
	"sync"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/notify"
)

// Outbox is a notify.Sender that keeps what it is sent instead of mailing it. Like
// notify.Mailer it refuses a malformed recipient with ladda.Invalid and an ended ctx with
// ladda.Unavailable. The zero value is ready to use and safe for concurrent use.
type Outbox struct {
	mu   sync.Mutex
	sent []notify.Message
	err  error
}

var _ notify.Sender = (*Outbox)(nil)

// Send records m, or returns the error set with Fail.
func (o *Outbox) Send(ctx context.Context, m notify.Message) error {
	const op = "notifytest.Outbox.Send"
	if err := ctx.Err(); err != nil {
		return &ladda.Error{Kind: ladda.Unavailable, Op: op, Message: "sending email was cancelled", Err: err}
	}
	if _, err := mail.ParseAddress(m.To); err != nil {
		return ladda.Errorf(ladda.Invalid, op, "recipient %q is not an email address", m.To)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return o.err
	}
	o.sent = append(o.sent, m)
	return nil
}

// Fail makes every following Send return err; Fail(nil) makes them succeed again.
func (o *Outbox) Fail(err error) {
	o.mu.Lock()
	o.err = err
	o.mu.Unlock()
}

// Messages returns the messages sent so far, oldest first.
func (o *Outbox) Messages() []notify.Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.sent)
}

// To returns the messages sent to the address addr, oldest first.
func (o *Outbox) To(addr string) []notify.Message {
	var list []notify.Message
	for _, m := range o.Messages() {
		if a, err := mail.ParseAddress(m.To); err == nil && a.Address == addr {
			list = append(list, m)
		}
	}
	return list
}
