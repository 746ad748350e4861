package account

import (
	"context"
	"crypto/rand"
	"slices"
	"strings"

	"github.com/ladda-csms/ladda"
)

// WebhookEvents are the events a webhook may ask for.
var WebhookEvents = []string{
	string(ladda.EventTransactionStarted), string(ladda.EventTransactionEnded),
	string(ladda.EventConnectorStatus), string(ladda.EventStationConnected), string(ladda.EventStationDisconnected),
	string(ladda.EventStationEvent), EventStationFree, EventStationFault,
}

// Events that notifications add to the station's own.
const (
	EventStationFree  = "station.free"  // a watched station has a free EVSE again
	EventStationFault = "station.fault" // a connector of a station reported a fault
)

// MaxWebhooks bounds the webhooks of one owner.
const MaxWebhooks = 20

// CreateWebhook registers a URL for the principal's own events (mine) or their organisation's,
// and returns it with its signing secret, shown only now. Errors: Invalid for a URL that
// Options.CheckURL refuses or unknown events; Conflict beyond MaxWebhooks.
func (s *Service) CreateWebhook(ctx context.Context, p *Principal, mine bool, url string, events []string, m Meta) (*Webhook, error) {
	const op = "account.CreateWebhook"
	if s.opts.CheckURL != nil {
		if err := s.opts.CheckURL(url); err != nil {
			return nil, ladda.Errorf(ladda.Invalid, op, "url: %s", ladda.ErrorMessage(err))
		}
	}
	for _, e := range events {
		if !slices.Contains(WebhookEvents, e) {
			return nil, ladda.Errorf(ladda.Invalid, op, "unknown event %q (one of %s)", e, strings.Join(WebhookEvents, ", "))
		}
	}
	w := &Webhook{URL: url, Events: events, Active: true, CreatedAt: s.clock.Now()}
	if mine {
		w.UserID = p.UserID()
	} else {
		w.OrgID = p.OrgID
	}
	if w.UserID == 0 && w.OrgID == 0 {
		return nil, ladda.Errorf(ladda.Invalid, op, "a system key has no organisation to send events to; use a key or user of one")
	}
	existing, err := s.store.Webhooks(ctx, w.OrgID, w.UserID)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if len(existing) >= MaxWebhooks {
		return nil, ladda.Errorf(ladda.Conflict, op, "at most %d webhooks each", MaxWebhooks)
	}
	w.Secret = make([]byte, 32)
	if _, err := rand.Read(w.Secret); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if err := s.store.CreateWebhook(ctx, w); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	s.Audit(ctx, p, m, "webhook.create", "webhook:"+itoa(w.ID), "ok", map[string]any{"url": url})
	return w, nil
}

// Webhooks lists the principal's own webhooks (mine) or their organisation's.
func (s *Service) Webhooks(ctx context.Context, p *Principal, mine bool) ([]*Webhook, error) {
	org, user := p.OrgID, int64(0)
	if mine {
		org, user = 0, p.UserID()
	}
	if org == 0 && user == 0 {
		return nil, nil
	}
	list, err := s.store.Webhooks(ctx, org, user)
	return list, ladda.Wrap("account.Webhooks", err)
}

// Webhook returns one of the principal's webhooks (mine) or their organisation's; others are
// NotFound.
func (s *Service) Webhook(ctx context.Context, p *Principal, mine bool, id int64) (*Webhook, error) {
	const op = "account.Webhook"
	w, err := s.store.Webhook(ctx, id)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if mine && w.UserID != p.UserID() || !mine && (w.OrgID == 0 || !p.Sees(w.OrgID)) {
		return nil, ladda.Errorf(ladda.NotFound, op, "webhook %d not found", id)
	}
	return w, nil
}

// DeleteWebhook deletes one of the principal's webhooks with its delivery log.
func (s *Service) DeleteWebhook(ctx context.Context, p *Principal, mine bool, id int64, m Meta) error {
	if _, err := s.Webhook(ctx, p, mine, id); err != nil {
		return err
	}
	err := s.store.DeleteWebhook(ctx, id)
	if err == nil {
		s.Audit(ctx, p, m, "webhook.delete", "webhook:"+itoa(id), "ok", nil)
	}
	return ladda.Wrap("account.DeleteWebhook", err)
}

// Deliveries lists the delivery log of one of the principal's webhooks.
func (s *Service) Deliveries(ctx context.Context, p *Principal, mine bool, id int64, f DeliveryFilter) ([]*Delivery, error) {
	if _, err := s.Webhook(ctx, p, mine, id); err != nil {
		return nil, err
	}
	f.WebhookID, f.UserID = id, 0
	list, err := s.store.Deliveries(ctx, f)
	return list, ladda.Wrap("account.Deliveries", err)
}
