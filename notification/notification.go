// Package notification tells people what happened: it turns Ladda's events into emails to
// users (a session of their card started or stopped, a favourite station is free again or
// faulted) and calls to the webhooks of users and organisations, queued durably in the store and
// delivered with retries and backoff. Rendering and sending belong to adapters (package notify);
// this package decides who hears of what, and keeps the delivery log.
package notification

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/station"
)

// Store is what the service keeps: the queue of deliveries and webhooks, and the users and
// favourites it reads to find recipients.
type Store interface {
	account.DeliveryStore
	User(ctx context.Context, id int64) (*account.User, error)
	Watchers(ctx context.Context, stationID string) ([]*account.Favourite, error)
	SetFavourite(ctx context.Context, f *account.Favourite) error
}

// Directory looks up what events refer to.
type Directory interface {
	Station(ctx context.Context, id ladda.StationID) (*station.Station, error)
	IDToken(ctx context.Context, token string) (*charging.IDToken, error)
}

// Mailer renders template in lang with data and sends it to address to. Errors of kind Invalid
// are permanent (a bad address); others are worth retrying.
type Mailer interface {
	Mail(ctx context.Context, to, lang, template string, data map[string]any) error
}

// Call is one webhook call.
type Call struct {
	URL    string
	Secret []byte
	ID     string // the delivery's ID, for receivers to recognise repeats
	Event  string
	Body   []byte
}

// Result is the outcome of a call: the receiver's status, and whether a failure is worth
// retrying.
type Result struct {
	Status int
	Err    error
	Retry  bool
}

// Caller calls webhooks.
type Caller interface {
	Call(ctx context.Context, c Call) Result
}

// Options configure a Service.
type Options struct {
	Clock  ladda.Clock
	Logger *slog.Logger
	// Mailer sends emails; nil keeps them queued until one is configured.
	Mailer Mailer
	// Caller calls webhooks; nil keeps the calls queued.
	Caller Caller
	// Backoff is the wait before attempt n+1 after n failed attempts; MaxAttempts ends the
	// retries (defaults: 30 s doubling up to 12 h; 10 attempts).
	Backoff     func(attempts int) time.Duration
	MaxAttempts int
	// Lease is how long a claimed delivery is held by one worker (default 2 min).
	Lease time.Duration
}

// Service notifies people of events and delivers what it queued.
type Service struct {
	store Store
	dir   Directory
	opts  Options
	log   *slog.Logger
	clock ladda.Clock
}

// New returns a Service.
func New(store Store, dir Directory, opts Options) *Service {
	if opts.Clock == nil {
		opts.Clock = ladda.SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Backoff == nil {
		opts.Backoff = func(n int) time.Duration { return min(30*time.Second<<min(n-1, 20), 12*time.Hour) }
	}
	if opts.MaxAttempts == 0 {
		opts.MaxAttempts = 10
	}
	if opts.Lease == 0 {
		opts.Lease = 2 * time.Minute
	}
	return &Service{store: store, dir: dir, opts: opts, log: opts.Logger, clock: opts.Clock}
}

// Events are the kinds of events the service listens to.
var Events = []ladda.EventType{
	ladda.EventTransactionStarted, ladda.EventTransactionEnded, ladda.EventConnectorStatus,
	ladda.EventStationConnected, ladda.EventStationDisconnected, ladda.EventStationEvent, ladda.EventInvoiceIssued,
	ladda.EventPaymentCaptured, ladda.EventPaymentFailed,
}

// Addressed is the data of an event that names whom it concerns rather than a station, such as
// an issued invoice: its user hears of it by email (if they want receipts) and webhook, its
// organisation by webhook. NoticeData's key "Attachments", if any, holds files for the email
// (see notify.Attachment); webhooks get the rest.
type Addressed interface {
	NoticeUser() int64
	NoticeOrg() int64
	NoticeData() map[string]any
}

// Payload is the JSON body of every webhook call.
type Payload struct {
	Event     string    `json:"event"`
	Time      time.Time `json:"time"`
	StationID string    `json:"stationId,omitempty"`
	Data      any       `json:"data,omitempty"`
}

// Session is a transaction as webhooks show it.
type Session struct {
	ID          int64      `json:"id"`
	StationID   string     `json:"stationId"`
	EVSEID      int        `json:"evseId"`
	ConnectorID int        `json:"connectorId"`
	IDToken     string     `json:"idToken"`
	StartedAt   time.Time  `json:"startedAt"`
	StoppedAt   *time.Time `json:"stoppedAt,omitempty"`
	EnergyWh    float64    `json:"energyWh"`
	StopReason  string     `json:"stopReason,omitempty"`
}

// Status is a connector's status change as webhooks show it.
type Status struct {
	EVSEID      int    `json:"evseId"`
	ConnectorID int    `json:"connectorId"`
	Status      string `json:"status"`
	State       string `json:"state"`
	ErrorCode   string `json:"errorCode,omitempty"`
	Info        string `json:"info,omitempty"`
}

// Handle queues what event e means for whom. Failures are logged: a notification never stops
// what caused it.
func (s *Service) Handle(ctx context.Context, e ladda.Event) {
	if err := s.handle(ctx, e); err != nil {
		s.log.ErrorContext(ctx, "queueing notifications", "event", e.Type, "station", e.StationID, "err", err)
	}
}

func (s *Service) handle(ctx context.Context, e ladda.Event) error {
	if a, ok := e.Data.(Addressed); ok {
		return s.addressed(ctx, e, a)
	}
	st, err := s.dir.Station(ctx, e.StationID)
	if ladda.IsKind(err, ladda.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	p := Payload{Event: string(e.Type), Time: e.Time.UTC(), StationID: string(e.StationID), Data: e.Data}
	var q queue
	switch e.Type {
	case ladda.EventTransactionStarted, ladda.EventTransactionEnded:
		tx, ok := e.Data.(*charging.Transaction)
		if !ok {
			return nil
		}
		p.Data = viewSession(tx)
		if err := s.toOrg(ctx, &q, st.OrgID, p); err != nil {
			return err
		}
		tok, err := s.token(ctx, tx.IDToken)
		if err != nil {
			return err
		}
		if tok == nil {
			break
		}
		// The fleet whose card it is hears of it too.
		if tok.OrgID != 0 && tok.OrgID != st.OrgID {
			if err := s.toOrg(ctx, &q, tok.OrgID, p); err != nil {
				return err
			}
		}
		if err := s.toCardOwner(ctx, &q, tx, tok, p); err != nil {
			return err
		}
	case ladda.EventConnectorStatus:
		c, ok := e.Data.(station.StatusChange)
		if !ok {
			if cp, ok2 := e.Data.(*station.StatusChange); ok2 {
				c, ok = *cp, true
			}
		}
		if !ok {
			return nil
		}
		p.Data = Status{EVSEID: c.EVSEID, ConnectorID: c.ConnectorID, Status: string(c.Status), State: string(station.StateOf(c.Status, true)),
			ErrorCode: c.ErrorCode, Info: c.Info}
		if err := s.toOrg(ctx, &q, st.OrgID, p); err != nil {
			return err
		}
		if err := s.statusAlerts(ctx, &q, st, c, p); err != nil {
			return err
		}
	default:
		if err := s.toOrg(ctx, &q, st.OrgID, p); err != nil {
			return err
		}
	}
	return s.enqueue(ctx, q)
}

// addressed queues an event about a user and an organisation.
func (s *Service) addressed(ctx context.Context, e ladda.Event, a Addressed) error {
	data := a.NoticeData()
	// Files (an invoice's PDF) go by email only: webhooks get the facts.
	facts := make(map[string]any, len(data))
	for k, v := range data {
		if k != "Attachments" {
			facts[k] = v
		}
	}
	p := Payload{Event: string(e.Type), Time: e.Time.UTC(), Data: facts}
	var q queue
	if err := s.toOrg(ctx, &q, a.NoticeOrg(), p); err != nil {
		return err
	}
	if id := a.NoticeUser(); id != 0 {
		u, err := s.store.User(ctx, id)
		if err != nil && !ladda.IsKind(err, ladda.NotFound) {
			return err
		}
		if u != nil {
			template := ""
			switch {
			case e.Type == ladda.EventInvoiceIssued && u.Prefs.Receipt:
				template = MailInvoice
			case e.Type == ladda.EventPaymentCaptured && u.Prefs.Receipt:
				template = MailReceipt
			}
			mail := map[string]any{"Name": u.Name}
			for k, v := range data {
				mail[k] = v
			}
			if err := s.toUser(ctx, &q, u, p, template, mail); err != nil {
				return err
			}
		}
	}
	return s.enqueue(ctx, q)
}

// queue collects the deliveries of one event.
type queue struct{ ds []*account.Delivery }

func viewSession(tx *charging.Transaction) Session {
	return Session{ID: int64(tx.ID), StationID: string(tx.StationID), EVSEID: tx.EVSEID, ConnectorID: tx.ConnectorID, IDToken: tx.IDToken,
		StartedAt: tx.StartedAt.UTC(), StoppedAt: tx.StoppedAt, EnergyWh: tx.EnergyWh(), StopReason: tx.StopReason}
}

// toOrg queues p for the active webhooks of organisation org that want it.
func (s *Service) toOrg(ctx context.Context, q *queue, org int64, p Payload) error {
	if org == 0 {
		return nil
	}
	hooks, err := s.store.Webhooks(ctx, org, 0)
	if err != nil {
		return err
	}
	return s.toHooks(q, hooks, p)
}

func (s *Service) toHooks(q *queue, hooks []*account.Webhook, p Payload) error {
	var body []byte
	for _, w := range hooks {
		if !w.Active || len(w.Events) > 0 && !slices.Contains(w.Events, p.Event) {
			continue
		}
		if body == nil {
			var err error
			if body, err = json.Marshal(p); err != nil {
				return err
			}
		}
		q.ds = append(q.ds, &account.Delivery{Kind: account.WebhookDelivery, WebhookID: w.ID, Event: p.Event, Payload: body})
	}
	return nil
}

// toUser queues p for user u's webhooks and, if they want it by email, an email of template.
func (s *Service) toUser(ctx context.Context, q *queue, u *account.User, p Payload, template string, data map[string]any) error {
	if u.Prefs.Webhook {
		hooks, err := s.store.Webhooks(ctx, 0, u.ID)
		if err != nil {
			return err
		}
		if err := s.toHooks(q, hooks, p); err != nil {
			return err
		}
	}
	if u.Prefs.Email && template != "" {
		payload, err := json.Marshal(data)
		if err != nil {
			return err
		}
		q.ds = append(q.ds, &account.Delivery{Kind: account.EmailDelivery, UserID: u.ID, Template: template, Event: p.Event, Payload: payload})
	}
	return nil
}

// Email templates of package notify.
const (
	MailSessionStarted = "session_started"
	MailSessionStopped = "session_stopped"
	MailStationFree    = "station_free"
	MailStationFault   = "station_fault"
	MailInvoice        = "invoice"
	MailReceipt        = "receipt"
)

// token looks up a session's token; nil when it has none or it is not known.
func (s *Service) token(ctx context.Context, token string) (*charging.IDToken, error) {
	if token == "" {
		return nil, nil
	}
	tok, err := s.dir.IDToken(ctx, token)
	if ladda.IsKind(err, ladda.NotFound) {
		return nil, nil
	}
	return tok, err
}

// toCardOwner tells the driver whose card a session uses, as they asked.
func (s *Service) toCardOwner(ctx context.Context, q *queue, tx *charging.Transaction, tok *charging.IDToken, p Payload) error {
	if tok.UserID == 0 {
		return nil
	}
	u, err := s.store.User(ctx, tok.UserID)
	if ladda.IsKind(err, ladda.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	card := tok.Label
	if card == "" {
		card = tok.Token
	}
	data := map[string]any{"Name": u.Name, "StationID": string(tx.StationID), "EVSE": tx.EVSEID, "Card": card, "Time": tx.StartedAt.UTC()}
	template := ""
	if p.Event == string(ladda.EventTransactionStarted) && u.Prefs.SessionStarted {
		template = MailSessionStarted
	}
	if p.Event == string(ladda.EventTransactionEnded) && u.Prefs.SessionStopped {
		template = MailSessionStopped
		data["EnergyKWh"] = tx.EnergyWh() / 1000
		if tx.StoppedAt != nil {
			data["Time"] = tx.StoppedAt.UTC()
			data["Duration"] = tx.StoppedAt.Sub(tx.StartedAt)
		}
	}
	if template == "" && !u.Prefs.Webhook {
		return nil
	}
	return s.toUser(ctx, q, u, p, template, data)
}

// statusAlerts tells the watchers of a station that it is free, and those who follow it that it
// faulted.
func (s *Service) statusAlerts(ctx context.Context, q *queue, st *station.Station, c station.StatusChange, p Payload) error {
	state := station.StateOf(c.Status, true)
	if state != station.StateAvailable && state != station.StateFaulted {
		return nil
	}
	favs, err := s.store.Watchers(ctx, string(st.ID))
	if err != nil || len(favs) == 0 {
		return err
	}
	// The station becomes free when this is its only available connector.
	free := 0
	for _, e := range st.EVSEs {
		for _, cn := range e.Connectors {
			if station.StateOf(cn.Status, st.Connected) == station.StateAvailable {
				free++
			}
		}
	}
	event, template := account.EventStationFault, MailStationFault
	if state == station.StateAvailable {
		event, template = account.EventStationFree, MailStationFree
	}
	alert := Payload{Event: event, Time: p.Time, StationID: p.StationID, Data: p.Data}
	for _, f := range favs {
		u, err := s.store.User(ctx, f.UserID)
		if ladda.IsKind(err, ladda.NotFound) {
			continue
		}
		if err != nil {
			return err
		}
		wants := false
		switch {
		case state == station.StateFaulted:
			wants = u.Prefs.FavouriteFault
		case f.Watch:
			wants = true
		default:
			wants = u.Prefs.StationFree && free <= 1
		}
		if !wants {
			continue
		}
		data := map[string]any{"Name": u.Name, "StationID": string(st.ID), "StationName": st.Description, "EVSE": c.EVSEID,
			"ErrorCode": c.ErrorCode, "Info": c.Info, "Time": p.Time}
		if err := s.toUser(ctx, q, u, alert, template, data); err != nil {
			return err
		}
		if f.Watch && state == station.StateAvailable { // a watch tells once
			done := *f
			done.Watch = false
			if err := s.store.SetFavourite(ctx, &done); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Service) enqueue(ctx context.Context, q queue) error {
	if len(q.ds) == 0 {
		return nil
	}
	now := s.clock.Now()
	for _, d := range q.ds {
		d.Status, d.NextAt, d.CreatedAt = account.DeliveryPending, now, now
	}
	return s.store.Enqueue(ctx, q.ds)
}

// Dispatch delivers what is due, up to batch deliveries, and returns how many it attempted.
func (s *Service) Dispatch(ctx context.Context, batch int) (int, error) {
	if s.opts.Mailer == nil && s.opts.Caller == nil {
		return 0, nil
	}
	ds, err := s.store.Claim(ctx, s.clock.Now(), s.opts.Lease, batch)
	if err != nil {
		return 0, ladda.Wrap("notification.Dispatch", err)
	}
	for _, d := range ds {
		s.attempt(ctx, d)
		if err := s.store.Finish(context.WithoutCancel(ctx), d); err != nil {
			s.log.ErrorContext(ctx, "recording a delivery", "delivery", d.ID, "err", err)
		}
	}
	return len(ds), nil
}

// attempt makes one attempt at d and sets its outcome.
func (s *Service) attempt(ctx context.Context, d *account.Delivery) {
	var err error
	retry := true
	switch d.Kind {
	case account.EmailDelivery:
		if s.opts.Mailer == nil {
			d.NextAt = s.clock.Now().Add(time.Minute) // not configured: keep it queued, not failed
			return
		}
		retry, err = s.mail(ctx, d)
	case account.WebhookDelivery:
		if s.opts.Caller == nil {
			d.NextAt = s.clock.Now().Add(time.Minute)
			return
		}
		retry, err = s.call(ctx, d)
	}
	d.Attempts++
	now := s.clock.Now()
	switch {
	case err == nil:
		d.Status, d.DeliveredAt, d.LastError = account.DeliveryDelivered, &now, ""
	case !retry || d.Attempts >= s.opts.MaxAttempts:
		d.Status, d.LastError = account.DeliveryFailed, truncate(ladda.ErrorMessage(err), 500)
	default:
		d.LastError, d.NextAt = truncate(ladda.ErrorMessage(err), 500), now.Add(s.opts.Backoff(d.Attempts))
	}
}

// mail sends an email delivery; retry tells whether a failure is worth another attempt.
func (s *Service) mail(ctx context.Context, d *account.Delivery) (retry bool, err error) {
	u, err := s.store.User(ctx, d.UserID)
	if ladda.IsKind(err, ladda.NotFound) {
		return false, ladda.Errorf(ladda.NotFound, "notification.mail", "the user no longer exists")
	}
	if err != nil {
		return true, err
	}
	var data map[string]any
	if err := json.Unmarshal(d.Payload, &data); err != nil {
		return false, ladda.Errorf(ladda.Internal, "notification.mail", "bad template data: %v", err)
	}
	err = s.opts.Mailer.Mail(ctx, u.Email, u.Language, d.Template, data)
	return !ladda.IsKind(err, ladda.Invalid), err
}

// call makes a webhook call; retry tells whether a failure is worth another attempt.
func (s *Service) call(ctx context.Context, d *account.Delivery) (retry bool, err error) {
	w, err := s.store.Webhook(ctx, d.WebhookID)
	if ladda.IsKind(err, ladda.NotFound) {
		return false, ladda.Errorf(ladda.NotFound, "notification.call", "the webhook no longer exists")
	}
	if err != nil {
		return true, err
	}
	if !w.Active {
		return false, ladda.Errorf(ladda.Conflict, "notification.call", "the webhook is turned off")
	}
	r := s.opts.Caller.Call(ctx, Call{URL: w.URL, Secret: w.Secret, ID: strconv.FormatInt(d.ID, 10), Event: d.Event, Body: d.Payload})
	d.LastStatus = r.Status
	return r.Retry, r.Err
}

// Run delivers due deliveries every interval until ctx ends.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for {
			n, err := s.Dispatch(ctx, 50)
			if err != nil && ctx.Err() == nil {
				s.log.ErrorContext(ctx, "delivering notifications", "err", err)
			}
			if n < 50 || ctx.Err() != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
