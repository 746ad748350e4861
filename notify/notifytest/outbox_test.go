package notifytest_test

import (
	"context"
	"testing"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/notify"
	"github.com/ladda-csms/ladda/notify/notifytest"
)

func TestOutbox(t *testing.T) {
	t.Parallel()
	var o notifytest.Outbox
	ctx := context.Background()
	if err := o.Send(ctx, notify.Message{To: "Anna <anna@example.com>", Subject: "Hej", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if err := o.Send(ctx, notify.Message{To: "not an address"}); !ladda.IsKind(err, ladda.Invalid) {
		t.Errorf("malformed recipient: %v, want invalid", err)
	}
	o.Fail(ladda.Errorf(ladda.Unavailable, "test", "down"))
	if err := o.Send(ctx, notify.Message{To: "bo@example.com"}); !ladda.IsKind(err, ladda.Unavailable) {
		t.Errorf("after Fail: %v, want unavailable", err)
	}
	o.Fail(nil)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := o.Send(cancelled, notify.Message{To: "bo@example.com"}); !ladda.IsKind(err, ladda.Unavailable) {
		t.Errorf("cancelled: %v, want unavailable", err)
	}
	if got := o.To("anna@example.com"); len(got) != 1 || got[0].Subject != "Hej" {
		t.Errorf("To(anna) = %+v", got)
	}
	if got := o.Messages(); len(got) != 1 {
		t.Errorf("Messages() has %d, want 1", len(got))
	}
}
