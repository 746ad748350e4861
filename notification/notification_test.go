package notification_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/notification"
	"github.com/ladda-csms/ladda/notify"
	"github.com/ladda-csms/ladda/notify/notifytest"
	"github.com/ladda-csms/ladda/station"
	"github.com/ladda-csms/ladda/store/sqlite"
)

// The tests run the service over a real store, real email templates and a real HTTP receiver;
// only the SMTP server is an in-memory outbox here (package notify tests sending against
// mailpit).

type env struct {
	n        *notification.Service
	db       *sqlite.DB
	clock    *ladda.ManualClock
	stations *station.Service
	charging *charging.Service
	outbox   *notifytest.Outbox
	hook     *receiver
	org      int64
}

// receiver is a webhook endpoint that answers with the statuses it is told, then 200.
type receiver struct {
	mu       sync.Mutex
	statuses []int
	got      []http.Header
	bodies   [][]byte
	secret   []byte
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got, r.bodies = append(r.got, req.Header.Clone()), append(r.bodies, body)
	status := 200
	if len(r.statuses) > 0 {
		status, r.statuses = r.statuses[0], r.statuses[1:]
	}
	w.WriteHeader(status)
}

func (r *receiver) calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "n.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{db: db, clock: ladda.NewManualClock(time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)), outbox: &notifytest.Outbox{}, hook: &receiver{}}
	e.stations = station.NewService(db, nil, e.clock, nil, station.Config{Pepper: []byte("0123456789abcdef")})
	e.charging = charging.NewService(db, nil, e.clock, nil, charging.Config{})
	templates, err := notify.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e.hook)
	t.Cleanup(srv.Close)
	e.n = notification.New(db, dir{e.stations, e.charging}, notification.Options{
		Clock:  e.clock,
		Mailer: &notify.Postman{Templates: templates, Sender: e.outbox},
		Caller: notify.NewWebhookSender(notify.WebhookOptions{AllowPrivate: true, Clock: e.clock}),
		Backoff: func(n int) time.Duration {
			return time.Minute << (n - 1)
		},
		MaxAttempts: 3,
	})
	accounts := account.NewService(db, account.Options{Clock: e.clock})
	sys := account.KeyPrincipal(&account.APIKey{ID: 1})
	o, err := accounts.CreateOrganisation(ctx, sys, "Charge AB", account.OperatorOrg, account.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	e.org = o.ID
	if _, _, err := e.stations.Register(ctx, station.NewStation{ID: "CP-1", Description: "Garage", OrgID: o.ID}); err != nil {
		t.Fatal(err)
	}
	w := &account.Webhook{OrgID: o.ID, URL: srv.URL, Secret: []byte("hook-secret-hook-secret-hook-sec"), Active: true, CreatedAt: e.clock.Now()}
	if err := db.CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	e.hook.secret = w.Secret
	return e
}

type dir struct {
	*station.Service
	charging *charging.Service
}

func (d dir) IDToken(ctx context.Context, token string) (*charging.IDToken, error) {
	return d.charging.IDToken(ctx, token)
}

func (e *env) user(t *testing.T, email string, prefs account.Preferences) *account.User {
	t.Helper()
	u := &account.User{Email: email, Name: "Sara", Language: "sv", Role: account.Driver, PasswordHash: "x", Prefs: prefs, CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now()}
	if err := e.db.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

func (e *env) dispatch(t *testing.T) int {
	t.Helper()
	n, err := e.n.Dispatch(context.Background(), 50)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSessionNotifications(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	u := e.user(t, "sara@example.org", account.Preferences{SessionStarted: true, SessionStopped: true, Email: true})
	fleet, err := account.NewService(e.db, account.Options{Clock: e.clock}).CreateOrganisation(ctx, account.KeyPrincipal(&account.APIKey{ID: 1}), "Fleet AB", account.FleetOrg, account.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	fleetHook := &receiver{}
	fsrv := httptest.NewServer(fleetHook)
	t.Cleanup(fsrv.Close)
	if err := e.db.CreateWebhook(ctx, &account.Webhook{OrgID: fleet.ID, URL: fsrv.URL, Secret: []byte("fleet-secret"), Events: []string{"transaction.ended"}, Active: true, CreatedAt: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := e.charging.CreateIDToken(ctx, &charging.IDToken{Token: "CARD-1", Label: "Blå kortet", UserID: u.ID, OrgID: fleet.ID}); err != nil {
		t.Fatal(err)
	}
	start, stop := e.clock.Now(), e.clock.Now().Add(90*time.Minute)
	from, to := 1000.0, 13500.0
	tx := &charging.Transaction{ID: 7, StationID: "CP-1", EVSEID: 1, ConnectorID: 1, IDToken: "CARD-1", StartedAt: start, MeterStartWh: &from}
	e.n.Handle(ctx, ladda.Event{Type: ladda.EventTransactionStarted, StationID: "CP-1", Time: start, Data: tx})
	ended := *tx
	ended.StoppedAt, ended.MeterStopWh = &stop, &to
	e.n.Handle(ctx, ladda.Event{Type: ladda.EventTransactionEnded, StationID: "CP-1", Time: stop, Data: &ended})

	if n := e.dispatch(t); n != 5 {
		t.Fatalf("dispatched %d, want 2 calls of the operator's webhook, 1 of the fleet's and 2 emails", n)
	}
	if fleetHook.calls() != 1 {
		t.Errorf("the fleet's webhook got %d calls, want the one it asked for", fleetHook.calls())
	}
	mails := e.outbox.To("sara@example.org")
	if len(mails) != 2 {
		t.Fatalf("emails %+v", mails)
	}
	if !strings.Contains(mails[1].Text, "12,5 kWh") || !strings.Contains(mails[1].Text, "Blå kortet") {
		t.Errorf("the Swedish receipt of the session lacks its energy or card:\n%s", mails[1].Text)
	}
	// The organisation's webhook got both events, signed.
	if e.hook.calls() != 2 {
		t.Fatalf("webhook calls %d", e.hook.calls())
	}
	for i, h := range e.hook.got {
		if err := notify.VerifySignature(e.hook.secret, e.hook.bodies[i], h.Get(notify.SignatureHeader), e.clock.Now(), time.Minute); err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	var p struct {
		Event string               `json:"event"`
		Data  notification.Session `json:"data"`
	}
	if err := json.Unmarshal(e.hook.bodies[1], &p); err != nil || p.Event != "transaction.ended" || p.Data.EnergyWh != 12500 || p.Data.IDToken != "CARD-1" {
		t.Errorf("payload %s: %+v %v", e.hook.bodies[1], p, err)
	}
	list, err := e.db.Deliveries(ctx, account.DeliveryFilter{Status: account.DeliveryDelivered, Limit: 10})
	if err != nil || len(list) != 5 {
		t.Fatalf("delivered %d, %v", len(list), err)
	}
}

func TestWebhookRetries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	e.hook.statuses = []int{500, 503}
	e.n.Handle(ctx, ladda.Event{Type: ladda.EventStationConnected, StationID: "CP-1", Time: e.clock.Now()})
	e.dispatch(t)
	list, _ := e.db.Deliveries(ctx, account.DeliveryFilter{Limit: 10})
	if len(list) != 1 || list[0].Status != account.DeliveryPending || list[0].Attempts != 1 || list[0].LastStatus != 500 || !list[0].NextAt.Equal(e.clock.Now().Add(time.Minute)) {
		t.Fatalf("after a 500: %+v", list[0])
	}
	if n := e.dispatch(t); n != 0 {
		t.Fatalf("retried %d before the backoff", n)
	}
	e.clock.Advance(time.Minute)
	e.dispatch(t)
	e.clock.Advance(2 * time.Minute)
	e.dispatch(t)
	list, _ = e.db.Deliveries(ctx, account.DeliveryFilter{Limit: 10})
	if list[0].Status != account.DeliveryDelivered || list[0].Attempts != 3 || e.hook.calls() != 3 {
		t.Fatalf("after 500, 503, 200: %+v, %d calls", list[0], e.hook.calls())
	}
	// The receiver sees one delivery ID across the retries.
	if a, b := e.hook.got[0].Get("Ladda-Delivery"), e.hook.got[2].Get("Ladda-Delivery"); a == "" || a != b {
		t.Errorf("delivery IDs %q, %q", a, b)
	}

	// A permanent refusal is not retried; nor is anything after MaxAttempts.
	e.hook.statuses = []int{410, 500, 500, 500}
	e.n.Handle(ctx, ladda.Event{Type: ladda.EventStationDisconnected, StationID: "CP-1", Time: e.clock.Now()})
	e.dispatch(t)
	list, _ = e.db.Deliveries(ctx, account.DeliveryFilter{Limit: 1})
	if list[0].Status != account.DeliveryFailed || list[0].Attempts != 1 || list[0].LastStatus != 410 {
		t.Fatalf("after a 410: %+v", list[0])
	}
	e.n.Handle(ctx, ladda.Event{Type: ladda.EventStationConnected, StationID: "CP-1", Time: e.clock.Now()})
	for range 5 {
		e.dispatch(t)
		e.clock.Advance(time.Hour)
	}
	list, _ = e.db.Deliveries(ctx, account.DeliveryFilter{Limit: 1})
	if list[0].Status != account.DeliveryFailed || list[0].Attempts != 3 {
		t.Fatalf("after MaxAttempts failures: %+v", list[0])
	}
}

func TestStationAlerts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	watcher := e.user(t, "watch@example.org", account.Preferences{Email: true})
	follower := e.user(t, "follow@example.org", account.Preferences{Email: true, FavouriteFault: true})
	if err := e.db.SetFavourite(ctx, &account.Favourite{UserID: watcher.ID, StationID: "CP-1", Watch: true, CreatedAt: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := e.db.SetFavourite(ctx, &account.Favourite{UserID: follower.ID, StationID: "CP-1", CreatedAt: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	status := func(s station.ConnectorStatus, code string) {
		c := station.StatusChange{StationID: "CP-1", EVSEID: 1, ConnectorID: 1, Status: s, ErrorCode: code, Time: e.clock.Now()}
		if err := e.stations.StatusChanged(ctx, c); err != nil {
			t.Fatal(err)
		}
		e.n.Handle(ctx, ladda.Event{Type: ladda.EventConnectorStatus, StationID: "CP-1", Time: c.Time, Data: c})
		e.dispatch(t)
	}
	status(station.StatusOccupied, "")
	status(station.StatusAvailable, "")
	if got := e.outbox.To("watch@example.org"); len(got) != 1 {
		t.Fatalf("the watcher got %d emails, want 1", len(got))
	}
	if got := e.outbox.To("follow@example.org"); len(got) != 0 {
		t.Fatalf("a follower without StationFree got %d emails", len(got))
	}
	// A watch tells once.
	status(station.StatusOccupied, "")
	status(station.StatusAvailable, "")
	if got := e.outbox.To("watch@example.org"); len(got) != 1 {
		t.Fatalf("the watcher got %d emails after the watch ended", len(got))
	}
	status(station.StatusFaulted, "GroundFailure")
	got := e.outbox.To("follow@example.org")
	if len(got) != 1 || !strings.Contains(got[0].Text, "GroundFailure") {
		t.Fatalf("fault emails %+v", got)
	}
	if e.hook.calls() != 5 {
		t.Errorf("the organisation's webhook got %d status calls, want 5", e.hook.calls())
	}
}

func TestDeletedUserGetsNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	u := e.user(t, "gone@example.org", account.Preferences{Email: true})
	if err := e.db.Enqueue(ctx, []*account.Delivery{{Kind: account.EmailDelivery, UserID: u.ID, Template: "password_changed", Payload: []byte(`{"Name":"x"}`),
		Status: account.DeliveryPending, NextAt: e.clock.Now(), CreatedAt: e.clock.Now()}}); err != nil {
		t.Fatal(err)
	}
	if err := e.db.DeleteUser(ctx, u.ID, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.dispatch(t)
	if len(e.outbox.Messages()) != 0 {
		t.Fatal("an email went to a deleted user")
	}
}

// notice is an event about a user and an organisation, such as an issued invoice.
type notice struct{ user, org int64 }

func (n notice) NoticeUser() int64 { return n.user }
func (n notice) NoticeOrg() int64  { return n.org }
func (n notice) NoticeData() map[string]any {
	return map[string]any{"Ref": "LAD-000009", "Kind": "invoice", "Total": "12.50", "Currency": "SEK",
		"Attachments": []notify.Attachment{{Name: "LAD-000009.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 …")}}}
}

// An invoice reaches its buyer by email with the PDF (as they want receipts), and the
// organisation's webhook without it.
func TestInvoiceNotice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	u := e.user(t, "buyer@example.org", account.Preferences{Receipt: true, Email: true})
	e.n.Handle(ctx, ladda.Event{Type: ladda.EventInvoiceIssued, Time: e.clock.Now(), Data: notice{u.ID, e.org}})
	if n := e.dispatch(t); n != 2 {
		t.Fatalf("dispatched %d, want the email and the organisation's webhook", n)
	}
	mails := e.outbox.To("buyer@example.org")
	if len(mails) != 1 || mails[0].Subject != "Faktura LAD-000009: 12.50 SEK" || len(mails[0].Attachments) != 1 || mails[0].Attachments[0].Name != "LAD-000009.pdf" {
		t.Fatalf("emails %+v", mails)
	}
	if e.hook.calls() != 1 || strings.Contains(string(e.hook.bodies[0]), "Attachments") || !strings.Contains(string(e.hook.bodies[0]), "LAD-000009") {
		t.Errorf("webhook body %s", e.hook.bodies)
	}
	// Who wants no receipts gets no email.
	quiet := e.user(t, "quiet@example.org", account.Preferences{Email: true})
	e.n.Handle(ctx, ladda.Event{Type: ladda.EventInvoiceIssued, Time: e.clock.Now(), Data: notice{quiet.ID, 0}})
	e.dispatch(t)
	if got := e.outbox.To("quiet@example.org"); len(got) != 0 {
		t.Errorf("an email to someone who wants no receipts: %+v", got)
	}
}
