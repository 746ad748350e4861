package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/ladda-csms/ladda"
)

// Hasher hashes and checks passwords (account/password implements it with argon2id).
type Hasher interface {
	// Hash returns the encoded hash of password.
	Hash(ctx context.Context, password string) (string, error)
	// Verify reports whether password matches encoded, and whether encoded should be replaced
	// by a hash with the current parameters.
	Verify(ctx context.Context, password, encoded string) (ok, rehash bool, err error)
	// VerifyDummy costs what a Verify costs, to answer an unknown account as slowly as a known
	// one.
	VerifyDummy(ctx context.Context, password string) error
}

// Options configure a Service. Zero fields take the defaults documented on each.
type Options struct {
	Clock  ladda.Clock
	Hasher Hasher // required for users
	Logger *slog.Logger
	// PublicURL is where users reach Ladda; links in emails start with it.
	PublicURL string
	// Issuer names Ladda in authenticator apps (default "Ladda").
	Issuer string
	// CheckURL checks a webhook's URL before it is registered (notify.ValidateURL); nil accepts
	// any.
	CheckURL func(url string) error
	// RequireMFA lists the roles that must use a second factor (default none).
	RequireMFA []Role
	// CookieTTL and TokenTTL bound sessions of each kind (defaults 12 h and 30 days); IdleTTL
	// ends a session unused that long (default 2 h for cookies; tokens: 7 days).
	CookieTTL, TokenTTL time.Duration
	// Lockout: MaxFailures failures of one account from one client address within
	// FailureWindow lock that pair for LockBase, doubling with every further failure up to
	// LockMax (defaults 5, 15 min, 1 min, 1 h).
	MaxFailures int
	// AccountMaxFailures failures of one account from any addresses lock it for everyone
	// (default 50): MaxFailures counts per account and client address.
	AccountMaxFailures int
	FailureWindow      time.Duration
	LockBase           time.Duration
	LockMax            time.Duration
}

func (o *Options) defaults() {
	if o.Clock == nil {
		o.Clock = ladda.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Issuer == "" {
		o.Issuer = "Ladda"
	}
	if o.CookieTTL == 0 {
		o.CookieTTL = 12 * time.Hour
	}
	if o.TokenTTL == 0 {
		o.TokenTTL = 30 * 24 * time.Hour
	}
	if o.MaxFailures == 0 {
		o.MaxFailures = 5
	}
	if o.AccountMaxFailures == 0 {
		o.AccountMaxFailures = 50
	}
	if o.FailureWindow == 0 {
		o.FailureWindow = 15 * time.Minute
	}
	if o.LockBase == 0 {
		o.LockBase = time.Minute
	}
	if o.LockMax == 0 {
		o.LockMax = time.Hour
	}
}

// Service manages accounts: API keys, users, organisations, sign-in, second factors, the audit
// log and the notifications users asked for.
type Service struct {
	store Store
	clock ladda.Clock
	opts  Options
	log   *slog.Logger

	mu   sync.Mutex
	used map[int64]time.Time // API keys used since the last Flush
	seen map[int64]time.Time // sessions used since the last Flush

	kinds sync.Map // organisation ID → OrgKind
}

// NewService returns a Service over store.
func NewService(store Store, opts Options) *Service {
	opts.defaults()
	return &Service{store: store, clock: opts.Clock, opts: opts, log: opts.Logger, used: map[int64]time.Time{}, seen: map[int64]time.Time{}}
}

// Meta is where a request came from, for the audit log and notifications.
type Meta struct {
	IP        string
	UserAgent string
}

// Audit appends an event to the audit log for principal p (nil: anonymous). A failure to
// write is logged: it does not undo what was done.
func (s *Service) Audit(ctx context.Context, p *Principal, m Meta, action, target, outcome string, detail map[string]any) {
	kind, id, label := p.Label()
	e := &AuditEvent{At: s.clock.Now(), ActorKind: kind, ActorID: id, Actor: label, Action: action, Target: target,
		Outcome: outcome, IP: m.IP, UserAgent: truncate(m.UserAgent, 200), Detail: detail}
	if p != nil {
		e.OrgID = p.OrgID
	}
	s.audit(ctx, e)
}

// auditUser appends an event whose actor is user u (who may not have a principal yet).
func (s *Service) auditUser(ctx context.Context, u *User, m Meta, action, outcome string, detail map[string]any) {
	e := &AuditEvent{At: s.clock.Now(), ActorKind: "anonymous", Actor: "anonymous", Action: action, Outcome: outcome,
		IP: m.IP, UserAgent: truncate(m.UserAgent, 200), Detail: detail}
	if u != nil {
		e.ActorKind, e.ActorID, e.Actor, e.OrgID, e.Target = "user", u.ID, "user "+itoa(u.ID)+" ("+string(u.Role)+")", u.OrgID, "user:"+itoa(u.ID)
	}
	s.audit(ctx, e)
}

func (s *Service) audit(ctx context.Context, e *AuditEvent) {
	if err := s.store.AppendAudit(context.WithoutCancel(ctx), e); err != nil {
		s.log.ErrorContext(ctx, "writing the audit log", "action", e.Action, "err", err)
	}
}

// AuditEvents lists audit events for principal p: administrators see all, others their
// organisation's.
func (s *Service) AuditEvents(ctx context.Context, p *Principal, f AuditFilter) ([]*AuditEvent, error) {
	if !p.Everywhere() {
		f.OrgID = p.OrgID
	}
	list, err := s.store.AuditEvents(ctx, f)
	return list, ladda.Wrap("account.AuditEvents", err)
}

// Mail queues an email to user u with a template of package notify and its data. Failures are
// logged: a notification never undoes what caused it.
func (s *Service) Mail(ctx context.Context, userID int64, template string, data map[string]any) {
	payload, err := json.Marshal(data)
	if err == nil {
		err = s.store.Enqueue(context.WithoutCancel(ctx), []*Delivery{{Kind: EmailDelivery, UserID: userID, Template: template,
			Payload: payload, Status: DeliveryPending, NextAt: s.clock.Now(), CreatedAt: s.clock.Now()}})
	}
	if err != nil {
		s.log.ErrorContext(ctx, "queueing an email", "template", template, "user", userID, "err", err)
	}
}

// Flush writes the last-used times of keys and sessions noted by authentication.
func (s *Service) Flush(ctx context.Context) error {
	s.mu.Lock()
	keys, sessions := s.used, s.seen
	s.used, s.seen = map[int64]time.Time{}, map[int64]time.Time{}
	s.mu.Unlock()
	var err error
	if len(keys) > 0 {
		err = s.store.TouchAPIKeys(ctx, keys)
	}
	if len(sessions) > 0 && err == nil {
		err = s.store.TouchSessions(ctx, sessions)
	}
	return ladda.Wrap("account.Flush", err)
}

// secret returns a new random secret of n bytes as URL-safe text, and its SHA-256.
func secret(n int) (string, []byte, error) {
	raw := make([]byte, n)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, err
	}
	text := base64.RawURLEncoding.EncodeToString(raw)
	return text, digest(text), nil
}

func digest(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// How long what has ended is kept before Prune deletes it.
const (
	KeepEndedSessions = 30 * 24 * time.Hour // the list of a user's sessions shows only open ones
	KeepDeliveries    = 30 * 24 * time.Hour // the delivery log of webhooks and emails
	KeepThrottles     = 24 * time.Hour      // failures older than the lockout window count for nothing
)

// Prune deletes sessions, one-time tokens, throttles and deliveries that are no longer needed
// (personal data is kept no longer than it serves a purpose), and returns how many rows went.
// The audit log is kept.
func (s *Service) Prune(ctx context.Context) (int64, error) {
	now := s.clock.Now()
	n, err := s.store.Prune(ctx, Pruning{
		SessionsBefore:   now.Add(-KeepEndedSessions),
		TokensBefore:     now,
		ThrottlesBefore:  now.Add(-max(KeepThrottles, s.opts.FailureWindow)),
		DeliveriesBefore: now.Add(-KeepDeliveries),
	})
	return n, ladda.Wrap("account.Prune", err)
}
