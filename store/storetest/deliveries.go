package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
)

// mustCreateWebhook stores w, created at t0.
func mustCreateWebhook(tb testing.TB, s Store, w *account.Webhook) *account.Webhook {
	tb.Helper()
	if w.CreatedAt.IsZero() {
		w.CreatedAt = t0
	}
	if err := s.CreateWebhook(tb.Context(), w); err != nil {
		tb.Fatalf("CreateWebhook(%s): %v", w.URL, err)
	}
	return w
}

// mustEnqueue stores deliveries created and due at t0, unless they say otherwise.
func mustEnqueue(tb testing.TB, s Store, ds ...*account.Delivery) []*account.Delivery {
	tb.Helper()
	for _, d := range ds {
		if d.CreatedAt.IsZero() {
			d.CreatedAt = t0
		}
		if d.NextAt.IsZero() {
			d.NextAt = t0
		}
	}
	if err := s.Enqueue(tb.Context(), ds); err != nil {
		tb.Fatalf("Enqueue: %v", err)
	}
	return ds
}

// deliveryIDs returns the IDs of list, in order.
func deliveryIDs(list []*account.Delivery) []int64 {
	ids := make([]int64, len(list))
	for i, d := range list {
		ids[i] = d.ID
	}
	return ids
}

func webhookIDs(list []*account.Webhook) []int64 {
	ids := make([]int64, len(list))
	for i, w := range list {
		ids[i] = w.ID
	}
	return ids
}

func testWebhooks(t *testing.T, open func(t *testing.T) Store) {
	t.Run("a webhook reads back with its secret; lists are of an owner, or of every active one", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		org := MustCreateOrg(t, s, "Fleet", account.FleetOrg)
		u := MustCreateUser(t, s, "u@example.com")
		want := mustCreateWebhook(t, s, &account.Webhook{OrgID: org.ID, URL: "https://example.com/a", Secret: []byte{0, 1, 2, 255},
			Events: []string{"session.started", "session.stopped"}, Active: true, CreatedAt: at(time.Second)})
		off := mustCreateWebhook(t, s, &account.Webhook{OrgID: org.ID, URL: "https://example.com/b", Secret: []byte("b")})
		mine := mustCreateWebhook(t, s, &account.Webhook{UserID: u.ID, URL: "https://example.com/c", Secret: []byte("c"), Active: true})
		got, err := s.Webhook(t.Context(), want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != want.ID || got.OrgID != org.ID || got.UserID != 0 || got.URL != want.URL || !bytes.Equal(got.Secret, want.Secret) ||
			!slices.Equal(got.Events, want.Events) || !got.Active {
			t.Errorf("got %+v, want %+v", got, want)
		}
		wantTime(t, "CreatedAt", got.CreatedAt, at(time.Second))
		if got, err := s.Webhook(t.Context(), off.ID); err != nil || got.Events != nil || got.Active {
			t.Errorf("webhook for all events, inactive: %+v, %v", got, err)
		}
		for _, tt := range []struct {
			org, user int64
			want      []int64
		}{{org.ID, 0, []int64{want.ID, off.ID}}, {0, u.ID, []int64{mine.ID}}, {0, 0, []int64{want.ID, mine.ID}}, {org.ID + 100, 0, nil}} {
			list, err := s.Webhooks(t.Context(), tt.org, tt.user)
			if err != nil {
				t.Fatal(err)
			}
			if got := webhookIDs(list); !slices.Equal(got, tt.want) {
				t.Errorf("Webhooks(%d, %d) = %v, want %v", tt.org, tt.user, got, tt.want)
			}
		}
		if err := s.SetWebhookActive(t.Context(), want.ID, false); err != nil {
			t.Fatal(err)
		}
		if err := s.SetWebhookActive(t.Context(), off.ID, true); err != nil {
			t.Fatal(err)
		}
		if list, err := s.Webhooks(t.Context(), 0, 0); err != nil || !slices.Equal(webhookIDs(list), []int64{off.ID, mine.ID}) {
			t.Errorf("active webhooks after switching: %v, %v", webhookIDs(list), err)
		}
		wantKind(t, s.SetWebhookActive(t.Context(), mine.ID+100, true), ladda.NotFound)
		_, err = s.Webhook(t.Context(), mine.ID+100)
		wantKind(t, err, ladda.NotFound)
	})

	t.Run("a webhook belongs to exactly one known organisation or user", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		org := MustCreateOrg(t, s, "Fleet", account.FleetOrg)
		u := MustCreateUser(t, s, "u@example.com")
		for _, tt := range []struct {
			w    account.Webhook
			kind ladda.Kind
		}{
			{account.Webhook{URL: "https://x", Secret: []byte("s")}, ladda.Invalid},
			{account.Webhook{OrgID: org.ID, UserID: u.ID, URL: "https://x", Secret: []byte("s")}, ladda.Invalid},
			{account.Webhook{OrgID: org.ID, Secret: []byte("s")}, ladda.Invalid},
			{account.Webhook{OrgID: org.ID, URL: "https://x"}, ladda.Invalid},
			{account.Webhook{OrgID: org.ID, URL: "https://x", Secret: []byte("s"), Events: []string{"a,b"}}, ladda.Invalid},
			{account.Webhook{OrgID: org.ID + 100, URL: "https://x", Secret: []byte("s")}, ladda.NotFound},
			{account.Webhook{UserID: u.ID + 100, URL: "https://x", Secret: []byte("s")}, ladda.NotFound},
		} {
			w := tt.w
			w.CreatedAt = t0
			wantKind(t, s.CreateWebhook(t.Context(), &w), tt.kind)
		}
		_, err := s.Webhooks(t.Context(), org.ID, u.ID)
		wantKind(t, err, ladda.Invalid)
		if list, err := s.Webhooks(t.Context(), org.ID, 0); err != nil || len(list) != 0 {
			t.Errorf("refused webhooks were stored: %d, %v", len(list), err)
		}
	})

	t.Run("deleting a webhook deletes its deliveries", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		u := MustCreateUser(t, s, "u@example.com")
		a := mustCreateWebhook(t, s, &account.Webhook{UserID: u.ID, URL: "https://a", Secret: []byte("s"), Active: true})
		b := mustCreateWebhook(t, s, &account.Webhook{UserID: u.ID, URL: "https://b", Secret: []byte("s"), Active: true})
		mustEnqueue(t, s, &account.Delivery{Kind: account.WebhookDelivery, WebhookID: a.ID, Event: "e"},
			&account.Delivery{Kind: account.WebhookDelivery, WebhookID: b.ID, Event: "e"})
		if err := s.DeleteWebhook(t.Context(), a.ID); err != nil {
			t.Fatal(err)
		}
		wantKind(t, s.DeleteWebhook(t.Context(), a.ID), ladda.NotFound)
		_, err := s.Webhook(t.Context(), a.ID)
		wantKind(t, err, ladda.NotFound)
		if list, err := s.Deliveries(t.Context(), account.DeliveryFilter{}); err != nil || len(list) != 1 || list[0].WebhookID != b.ID {
			t.Errorf("deliveries left: %+v, %v; want only b's", list, err)
		}
	})
}

func testDeliveries(t *testing.T, open func(t *testing.T) Store) {
	t.Run("enqueued deliveries are pending with IDs and read back as stored", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		u := MustCreateUser(t, s, "u@example.com")
		hook := mustCreateWebhook(t, s, &account.Webhook{UserID: u.ID, URL: "https://a", Secret: []byte("s"), Active: true})
		ds := mustEnqueue(t, s,
			&account.Delivery{Kind: account.EmailDelivery, UserID: u.ID, Template: "receipt", Event: "session.stopped", Payload: []byte(`{"tx":1}`),
				CreatedAt: at(time.Second), NextAt: at(2 * time.Second)},
			&account.Delivery{Kind: account.WebhookDelivery, WebhookID: hook.ID, Event: "session.started", Payload: []byte{0, 255}})
		if ds[0].ID <= 0 || ds[1].ID <= ds[0].ID || ds[0].Status != account.DeliveryPending || ds[1].Status != account.DeliveryPending {
			t.Fatalf("enqueued %+v %+v: want growing IDs, pending", ds[0], ds[1])
		}
		list, err := s.Deliveries(t.Context(), account.DeliveryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 {
			t.Fatalf("%d deliveries, want 2", len(list))
		}
		for i, got := range []*account.Delivery{list[1], list[0]} {
			want := ds[i]
			if got.ID != want.ID || got.Kind != want.Kind || got.UserID != want.UserID || got.Template != want.Template || got.WebhookID != want.WebhookID ||
				got.Event != want.Event || !bytes.Equal(got.Payload, want.Payload) || got.Status != account.DeliveryPending || got.Attempts != 0 ||
				got.LastStatus != 0 || got.LastError != "" || got.DeliveredAt != nil {
				t.Errorf("delivery %d: got %+v, want %+v", i, got, want)
			}
			wantTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
			wantTime(t, "NextAt", got.NextAt, want.NextAt)
		}
	})

	t.Run("bad deliveries are refused, all of a batch with them", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		u := MustCreateUser(t, s, "u@example.com")
		good := &account.Delivery{Kind: account.EmailDelivery, UserID: u.ID, Template: "t", CreatedAt: t0, NextAt: t0}
		for _, tt := range []struct {
			d    account.Delivery
			kind ladda.Kind
		}{
			{account.Delivery{Kind: account.EmailDelivery, Template: "t"}, ladda.Invalid},
			{account.Delivery{Kind: account.EmailDelivery, UserID: u.ID}, ladda.Invalid},
			{account.Delivery{Kind: account.WebhookDelivery}, ladda.Invalid},
			{account.Delivery{Kind: "sms", UserID: u.ID}, ladda.Invalid},
			{account.Delivery{Kind: account.EmailDelivery, UserID: u.ID + 100, Template: "t"}, ladda.NotFound},
			{account.Delivery{Kind: account.WebhookDelivery, WebhookID: 999}, ladda.NotFound},
		} {
			d := tt.d
			d.CreatedAt, d.NextAt = t0, t0
			wantKind(t, s.Enqueue(t.Context(), []*account.Delivery{good, &d}), tt.kind)
		}
		if list, err := s.Deliveries(t.Context(), account.DeliveryFilter{}); err != nil || len(list) != 0 {
			t.Errorf("refused batches stored %d deliveries, %v", len(list), err)
		}
	})

	t.Run("claims lease due pending deliveries oldest first until the lease ends; finished ones are not claimed", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		u := MustCreateUser(t, s, "u@example.com")
		email := func(next time.Duration) *account.Delivery {
			return &account.Delivery{Kind: account.EmailDelivery, UserID: u.ID, Template: "t", NextAt: at(next)}
		}
		ds := mustEnqueue(t, s, email(time.Minute), email(0), email(2*time.Minute), email(0), email(time.Hour))
		claim := func(now time.Time, limit int) []int64 {
			t.Helper()
			list, err := s.Claim(t.Context(), now, 5*time.Minute, limit)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range list {
				wantTime(t, fmt.Sprint("claimed ", d.ID, ": NextAt"), d.NextAt, now.Add(5*time.Minute))
				if d.Status != account.DeliveryPending || d.Template != "t" {
					t.Errorf("claimed %+v", d)
				}
			}
			return deliveryIDs(list)
		}
		if got := claim(t0, 10); !slices.Equal(got, []int64{ds[1].ID, ds[3].ID}) {
			t.Errorf("at t0: %v, want the two due", got)
		}
		if got := claim(at(2*time.Minute), 1); !slices.Equal(got, []int64{ds[0].ID}) {
			t.Errorf("at 2m, one: %v, want the oldest due", got)
		}
		if got := claim(at(2*time.Minute), 10); !slices.Equal(got, []int64{ds[2].ID}) {
			t.Errorf("at 2m again: %v, want the one left", got)
		}
		if got := claim(at(4*time.Minute), 10); len(got) != 0 {
			t.Errorf("at 4m, all leased: %v", got)
		}
		// The first lease (from t0) ends at 5m: the attempt was lost, so they are due again.
		// One is finished meanwhile: delivered, it is never claimed again.
		done := *ds[1]
		done.Status, done.Attempts, done.LastStatus, done.DeliveredAt = account.DeliveryDelivered, 1, 204, ptr(at(time.Minute))
		if err := s.Finish(t.Context(), &done); err != nil {
			t.Fatal(err)
		}
		if got := claim(at(5*time.Minute), 10); !slices.Equal(got, []int64{ds[3].ID}) {
			t.Errorf("at 5m: %v, want the unfinished one of the first lease", got)
		}
		failed := *ds[3]
		failed.Status, failed.Attempts, failed.NextAt, failed.LastStatus, failed.LastError = account.DeliveryPending, 1, at(30*time.Minute), 503, "Service Unavailable"
		if err := s.Finish(t.Context(), &failed); err != nil {
			t.Fatal(err)
		}
		if got := claim(at(29*time.Minute), 10); !slices.Equal(got, []int64{ds[0].ID, ds[2].ID}) {
			t.Errorf("at 29m: %v, want the two leased at 2m", got)
		}
		if got := claim(at(30*time.Minute), 10); !slices.Equal(got, []int64{ds[3].ID}) {
			t.Errorf("at 30m: %v, want the retried one", got)
		}
		if got := claim(at(30*time.Minute), 0); len(got) != 0 {
			t.Errorf("a claim of 0: %v", got)
		}
		list, err := s.Deliveries(t.Context(), account.DeliveryFilter{Status: account.DeliveryDelivered})
		if err != nil || len(list) != 1 {
			t.Fatalf("delivered: %+v, %v", list, err)
		}
		if got := list[0]; got.ID != done.ID || got.Attempts != 1 || got.LastStatus != 204 || got.LastError != "" {
			t.Errorf("finished delivery %+v", got)
		} else {
			wantTimePtr(t, "DeliveredAt", got.DeliveredAt, done.DeliveredAt)
		}
		wantKind(t, s.Finish(t.Context(), &account.Delivery{ID: ds[4].ID + 100, Status: account.DeliveryFailed}), ladda.NotFound)
	})

	t.Run("concurrent claimers never get the same delivery", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		u := MustCreateUser(t, s, "u@example.com")
		const n = 60
		ds := make([]*account.Delivery, n)
		for i := range ds {
			ds[i] = &account.Delivery{Kind: account.EmailDelivery, UserID: u.ID, Template: "t"}
		}
		mustEnqueue(t, s, ds...)
		var (
			mu      sync.Mutex
			claimed = map[int64]int{}
		)
		parallel(t, 2, func(w int) error {
			for {
				list, err := s.Claim(t.Context(), t0, time.Minute, 7)
				if err != nil {
					return err
				}
				if len(list) == 0 {
					return nil
				}
				mu.Lock()
				for _, d := range list {
					claimed[d.ID]++
				}
				mu.Unlock()
			}
		})
		if len(claimed) != n {
			t.Errorf("%d deliveries claimed, want %d", len(claimed), n)
		}
		for id, k := range claimed {
			if k != 1 {
				t.Errorf("delivery %d claimed %d times", id, k)
			}
		}
	})

	t.Run("deliveries list newest first by webhook, user and status, with keyset pagination", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		u, v := MustCreateUser(t, s, "u@example.com"), MustCreateUser(t, s, "v@example.com")
		hook := mustCreateWebhook(t, s, &account.Webhook{UserID: u.ID, URL: "https://a", Secret: []byte("s"), Active: true})
		ds := mustEnqueue(t, s,
			&account.Delivery{Kind: account.EmailDelivery, UserID: u.ID, Template: "t"},
			&account.Delivery{Kind: account.WebhookDelivery, WebhookID: hook.ID, Event: "e"},
			&account.Delivery{Kind: account.EmailDelivery, UserID: v.ID, Template: "t"},
			&account.Delivery{Kind: account.WebhookDelivery, WebhookID: hook.ID, Event: "e"},
			&account.Delivery{Kind: account.EmailDelivery, UserID: u.ID, Template: "t"})
		failed := *ds[3]
		failed.Status, failed.Attempts, failed.LastError = account.DeliveryFailed, 8, "gave up"
		if err := s.Finish(t.Context(), &failed); err != nil {
			t.Fatal(err)
		}
		ids := func(is ...int) []int64 {
			var out []int64
			for _, i := range is {
				out = append(out, ds[i].ID)
			}
			return out
		}
		for _, tt := range []struct {
			name string
			f    account.DeliveryFilter
			want []int64
		}{
			{"all", account.DeliveryFilter{}, ids(4, 3, 2, 1, 0)},
			{"page", account.DeliveryFilter{Before: ds[3].ID, Limit: 2}, ids(2, 1)},
			{"webhook", account.DeliveryFilter{WebhookID: hook.ID}, ids(3, 1)},
			{"user", account.DeliveryFilter{UserID: u.ID}, ids(4, 0)},
			{"pending", account.DeliveryFilter{Status: account.DeliveryPending}, ids(4, 2, 1, 0)},
			{"failed", account.DeliveryFilter{Status: account.DeliveryFailed}, ids(3)},
			{"pending of the webhook", account.DeliveryFilter{WebhookID: hook.ID, Status: account.DeliveryPending}, ids(1)},
			{"user, before, limit", account.DeliveryFilter{UserID: u.ID, Before: ds[4].ID, Limit: 1}, ids(0)},
		} {
			list, err := s.Deliveries(t.Context(), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := deliveryIDs(list); !slices.Equal(got, tt.want) {
				t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
			}
		}
	})
}
