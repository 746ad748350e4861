package httpapi

import (
	"context"
	"encoding/base64"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda/account"
)

// Webhooks are URLs that receive events, signed with HMAC-SHA256. Users register their own under
// /me/webhooks; organisations theirs under /webhooks. The same handlers serve both: mine tells
// which.

// Webhook is a registered URL, without its secret.
type Webhook struct {
	ID             int64     `json:"id"`
	URL            string    `json:"url"`
	Events         []string  `json:"events" doc:"The events it receives; empty: all."`
	Active         bool      `json:"active"`
	OrganisationID int64     `json:"organisationId,omitempty"`
	UserID         int64     `json:"userId,omitempty"`
	CreatedAt      time.Time `json:"createdAt"`
}

func viewWebhook(w *account.Webhook) Webhook {
	v := Webhook{ID: w.ID, URL: w.URL, Events: w.Events, Active: w.Active, OrganisationID: w.OrgID, UserID: w.UserID, CreatedAt: w.CreatedAt.UTC()}
	if v.Events == nil {
		v.Events = []string{}
	}
	return v
}

func (s *server) listWebhooks(mine bool) func(context.Context, *struct{}) (*listOutput[Webhook], error) {
	return func(ctx context.Context, _ *struct{}) (*listOutput[Webhook], error) {
		list, err := s.accounts.Webhooks(ctx, caller(ctx), mine)
		if err != nil {
			return nil, err
		}
		out := &listOutput[Webhook]{Body: List[Webhook]{Items: make([]Webhook, 0, len(list))}}
		for _, w := range list {
			out.Body.Items = append(out.Body.Items, viewWebhook(w))
		}
		return out, nil
	}
}

type createWebhookInput struct {
	Body struct {
		URL    string   `json:"url" minLength:"8" maxLength:"2000" doc:"https:// and a public address."`
		Events []string `json:"events,omitempty" uniqueItems:"true" enum:"transaction.started,transaction.ended,connector.status,station.connected,station.disconnected,station.event,station.free,station.fault" doc:"Absent or empty: all."`
	} `nameHint:"NewWebhook"`
}

// CreatedWebhook is a webhook just registered, with its signing secret, shown only this once.
type CreatedWebhook struct {
	Webhook
	Secret string `json:"secret" doc:"Base64 of the HMAC-SHA256 key that signs every delivery (header Ladda-Signature: t=<unix time>,v1=<hex HMAC of \"<t>.<body>\">). Shown only now."`
}

type createWebhookOutput struct {
	Location string `header:"Location"`
	Body     CreatedWebhook
}

func (s *server) createWebhook(mine bool) func(context.Context, *createWebhookInput) (*createWebhookOutput, error) {
	return func(ctx context.Context, in *createWebhookInput) (*createWebhookOutput, error) {
		w, err := s.accounts.CreateWebhook(ctx, caller(ctx), mine, in.Body.URL, in.Body.Events, meta(ctx))
		if err != nil {
			return nil, err
		}
		base := Prefix + "/webhooks/"
		if mine {
			base = Prefix + "/me/webhooks/"
		}
		return &createWebhookOutput{Location: base + strconv.FormatInt(w.ID, 10),
			Body: CreatedWebhook{Webhook: viewWebhook(w), Secret: base64.StdEncoding.EncodeToString(w.Secret)}}, nil
	}
}

type webhookOutput struct {
	Body Webhook
}

func (s *server) getWebhook(mine bool) func(context.Context, *idInput) (*webhookOutput, error) {
	return func(ctx context.Context, in *idInput) (*webhookOutput, error) {
		w, err := s.accounts.Webhook(ctx, caller(ctx), mine, in.ID)
		if err != nil {
			return nil, err
		}
		return &webhookOutput{Body: viewWebhook(w)}, nil
	}
}

func (s *server) deleteWebhook(mine bool) func(context.Context, *idInput) (*struct{}, error) {
	return func(ctx context.Context, in *idInput) (*struct{}, error) {
		return nil, s.accounts.DeleteWebhook(ctx, caller(ctx), mine, in.ID, meta(ctx))
	}
}

// Delivery is one attempt-tracked call of a webhook.
type Delivery struct {
	ID          int64      `json:"id"`
	Event       string     `json:"event"`
	Status      string     `json:"status" enum:"pending,delivered,failed"`
	Attempts    int        `json:"attempts"`
	NextAt      *time.Time `json:"nextAttemptAt,omitempty"`
	LastStatus  int        `json:"lastStatus,omitempty" doc:"The receiver's last HTTP status."`
	LastError   string     `json:"lastError,omitempty"`
	CreatedAt   time.Time  `json:"createdAt"`
	DeliveredAt *time.Time `json:"deliveredAt,omitempty"`
}

type listDeliveriesInput struct {
	ID     int64  `path:"id" minimum:"1"`
	Status string `query:"status" enum:"pending,delivered,failed"`
	Before int64  `query:"before" minimum:"0" doc:"Cursor: the next field of the previous page."`
	Limit  int    `query:"limit" minimum:"1" maximum:"1000" doc:"Page size, default 100."`
}

func (s *server) listDeliveries(mine bool) func(context.Context, *listDeliveriesInput) (*listOutput[Delivery], error) {
	return func(ctx context.Context, in *listDeliveriesInput) (*listOutput[Delivery], error) {
		limit := limitOf(in.Limit)
		found, err := s.accounts.Deliveries(ctx, caller(ctx), mine, in.ID, account.DeliveryFilter{Status: account.DeliveryStatus(in.Status), Before: in.Before, Limit: limit + 1})
		if err != nil {
			return nil, err
		}
		found, next := page(found, limit, func(d *account.Delivery) string { return strconv.FormatInt(d.ID, 10) })
		out := &listOutput[Delivery]{Body: List[Delivery]{Items: make([]Delivery, 0, len(found)), Next: next}}
		for _, d := range found {
			v := Delivery{ID: d.ID, Event: d.Event, Status: string(d.Status), Attempts: d.Attempts, LastStatus: d.LastStatus,
				LastError: d.LastError, CreatedAt: d.CreatedAt.UTC(), DeliveredAt: utcPtr(d.DeliveredAt)}
			if d.Status == account.DeliveryPending {
				next := d.NextAt.UTC()
				v.NextAt = &next
			}
			out.Body.Items = append(out.Body.Items, v)
		}
		return out, nil
	}
}
