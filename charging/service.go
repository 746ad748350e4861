package charging

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ladda-csms/ladda"
)

// Config tunes the Service.
type Config struct {
	// StaleAfter flags transactions still open after this long. Default 48 hours.
	StaleAfter time.Duration
	// CheckInterval is how often Run looks for stale transactions. Default 10 minutes.
	CheckInterval time.Duration
	// ReservationInterval is how often Run sends bookings whose slot begins and ends the ones
	// whose slot is over (RunReservations). Default 10 seconds.
	ReservationInterval time.Duration
	// NoShowAfter releases an Accepted booking nobody has used this long after its slot
	// began. 0 keeps it until its slot ends.
	NoShowAfter time.Duration
}

// Service applies the rules for tokens and transactions. It is safe for concurrent use.
type Service struct {
	store  Store
	events ladda.Publisher
	clock  ladda.Clock
	log    *slog.Logger
	cfg    Config

	commands StationCommands
	pricer   Pricer
	admit    Admission

	costMu   sync.Mutex
	costSent map[ladda.TransactionID]float64 // the running cost last sent to each station
	costNot  map[ladda.StationID]bool        // stations that cannot show costs (OCPP 1.6)
}

// Admission has the last word on a token that may charge: billing refuses one whose prepaid
// wallet is too low. It answers Accepted or another status, such as Blocked.
type Admission interface {
	Admit(ctx context.Context, t *IDToken) (TokenStatus, error)
}

// SetAdmission tells the service who else admits tokens. Call it once, before use.
func (s *Service) SetAdmission(a Admission) { s.admit = a }

// NewService returns a Service over store. events, clock and log may be nil.
func NewService(store Store, events ladda.Publisher, clock ladda.Clock, log *slog.Logger, cfg Config) *Service {
	if events == nil {
		events = ladda.Discard
	}
	if clock == nil {
		clock = ladda.SystemClock{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.StaleAfter <= 0 {
		cfg.StaleAfter = 48 * time.Hour
	}
	if cfg.CheckInterval <= 0 {
		cfg.CheckInterval = 10 * time.Minute
	}
	if cfg.ReservationInterval <= 0 {
		cfg.ReservationInterval = 10 * time.Second
	}
	return &Service{store: store, events: events, clock: clock, log: log, cfg: cfg}
}

// ---- ID tokens ----

// CreateIDToken adds a token. Errors: Invalid for a bad token, type, status; Conflict if it exists.
func (s *Service) CreateIDToken(ctx context.Context, t *IDToken) error {
	const op = "charging.CreateIDToken"
	if t.Status == "" {
		t.Status = Accepted
	}
	if t.Type == "" {
		t.Type = "Central"
	}
	if err := checkToken(op, t.Token, t.Type, t.Status, t.GroupID); err != nil {
		return err
	}
	now := s.clock.Now()
	t.CreatedAt, t.UpdatedAt = now, now
	return ladda.Wrap(op, s.store.CreateIDToken(ctx, t))
}

func checkToken(op, token, typ string, status TokenStatus, group string) error {
	if token == "" || len(token) > MaxTokenLen || strings.TrimSpace(token) != token {
		return ladda.Errorf(ladda.Invalid, op, "idToken must be 1 to %d characters without leading or trailing spaces", MaxTokenLen)
	}
	if !validType(typ) {
		return ladda.Errorf(ladda.Invalid, op, "type must be one of %s", strings.Join(TokenTypes, ", "))
	}
	if !status.Storable() {
		return ladda.Errorf(ladda.Invalid, op, "status must be Accepted, Blocked, Expired or Invalid")
	}
	if len(group) > MaxTokenLen {
		return ladda.Errorf(ladda.Invalid, op, "groupId must be at most %d characters", MaxTokenLen)
	}
	return nil
}

func validType(t string) bool {
	for _, v := range TokenTypes {
		if v == t {
			return true
		}
	}
	return false
}

// IDToken returns one token.
func (s *Service) IDToken(ctx context.Context, token string) (*IDToken, error) {
	t, err := s.store.IDToken(ctx, token)
	return t, ladda.Wrap("charging.IDToken", err)
}

// IDTokens lists tokens.
func (s *Service) IDTokens(ctx context.Context, f TokenFilter) ([]*IDToken, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	list, err := s.store.IDTokens(ctx, f)
	return list, ladda.Wrap("charging.IDTokens", err)
}

// UpdateIDToken changes a token.
func (s *Service) UpdateIDToken(ctx context.Context, token string, u TokenUpdate) (*IDToken, error) {
	const op = "charging.UpdateIDToken"
	if u.Status != nil && !u.Status.Storable() {
		return nil, ladda.Errorf(ladda.Invalid, op, "status must be Accepted, Blocked, Expired or Invalid")
	}
	if u.Type != nil && !validType(*u.Type) {
		return nil, ladda.Errorf(ladda.Invalid, op, "type must be one of %s", strings.Join(TokenTypes, ", "))
	}
	if u.GroupID != nil && len(*u.GroupID) > MaxTokenLen {
		return nil, ladda.Errorf(ladda.Invalid, op, "groupId must be at most %d characters", MaxTokenLen)
	}
	t, err := s.store.UpdateIDToken(ctx, token, u, s.clock.Now())
	return t, ladda.Wrap(op, err)
}

// DeleteIDToken removes a token. Its transactions keep the token's text.
func (s *Service) DeleteIDToken(ctx context.Context, token string) error {
	return ladda.Wrap("charging.DeleteIDToken", s.store.DeleteIDToken(ctx, token))
}

// Authorize answers whether token may charge now. An unknown token is Invalid. except is a
// transaction not to count as concurrent use (the one being started), or 0.
func (s *Service) Authorize(ctx context.Context, token string, except ladda.TransactionID) (AuthInfo, error) {
	const op = "charging.Authorize"
	t, err := s.store.IDToken(ctx, token)
	if ladda.IsKind(err, ladda.NotFound) {
		return AuthInfo{Status: Invalid, Unknown: true}, nil
	}
	if err != nil {
		return AuthInfo{}, ladda.Wrap(op, err)
	}
	active := 0
	if t.Status == Accepted && !t.AllowConcurrent {
		if active, err = s.store.ActiveTransactions(ctx, token, except); err != nil {
			return AuthInfo{}, ladda.Wrap(op, err)
		}
	}
	info := t.Authorize(s.clock.Now(), active)
	if info.Status == Accepted && s.admit != nil {
		status, err := s.admit.Admit(ctx, t)
		if err != nil {
			// Never refuse a driver because billing cannot answer: the session is recorded
			// and priced either way, and an unpaid one becomes a debt.
			s.log.Error("admitting a token", "err", err)
		} else {
			info.Status = status
		}
	}
	return info, nil
}

// ---- transactions ----

// Start is a station's report that a transaction started.
type Start struct {
	StationID   ladda.StationID
	StationTxID string // 2.0.1 transactionId; empty for 1.6 (Ladda assigns the id)
	EVSEID      int
	ConnectorID int
	IDToken     string // may be empty (2.0.1 transactions started without a token)
	StartedAt   time.Time
	MeterWh     *float64 // register at start, if known
	Samples     []Sample
	SeqNo       *int
	// Authorize asks for the token to be checked and the answer returned (1.6 always; 2.0.1
	// when the event carries a token).
	Authorize bool
	// RemoteStartID is the 2.0.1 remoteStartId the station gave, 0 if none.
	RemoteStartID int64
	// ReservationID is the reservation the station says the transaction uses, 0 if none.
	ReservationID int64
}

// StartKey returns the idempotency key of a start: a station's repeated report of the same
// start must map to the same transaction. 2.0.1 transactions are keyed by the station's id for
// them; 1.6 ones, which have no id of their own yet, by connector, token and start time.
func StartKey(s Start) string {
	if s.StationTxID != "" {
		return "tx:" + s.StationTxID
	}
	return "c:" + strconv.Itoa(s.EVSEID) + ":" + strconv.Itoa(s.ConnectorID) + ":" + s.IDToken + ":" + s.StartedAt.UTC().Format(time.RFC3339Nano)
}

// StartTransaction records a transaction's start, durably, and returns it with the answer for
// its token (zero AuthInfo when not asked to authorise). A replayed start returns the
// transaction stored the first time. A transaction is stored even when its token is refused:
// the station has started it; it will stop it when told the token is not accepted.
func (s *Service) StartTransaction(ctx context.Context, st Start) (*Transaction, AuthInfo, error) {
	const op = "charging.StartTransaction"
	if st.StartedAt.IsZero() {
		st.StartedAt = s.clock.Now()
	}
	now := s.clock.Now()
	tx := &Transaction{
		StationID:    st.StationID,
		StationTxID:  st.StationTxID,
		StartKey:     StartKey(st),
		EVSEID:       st.EVSEID,
		ConnectorID:  st.ConnectorID,
		IDToken:      st.IDToken,
		StartedAt:    st.StartedAt.UTC(),
		MeterStartWh: st.MeterWh,
		MeterLastWh:  st.MeterWh,
		LastSeqNo:    st.SeqNo,
		UpdatedAt:    now,
	}
	created, err := s.store.StartTransaction(ctx, tx)
	if err != nil {
		return nil, AuthInfo{}, ladda.Wrap(op, err)
	}
	var info AuthInfo
	if st.Authorize && st.IDToken != "" {
		// Decided after storing, excluding this transaction, so that a replayed start is not
		// taken for concurrent use of its own token.
		if info, err = s.Authorize(ctx, st.IDToken, tx.ID); err != nil {
			return nil, AuthInfo{}, ladda.Wrap(op, err)
		}
		if created && info.Status != Accepted {
			if err := s.store.AddFlags(ctx, tx.ID, FlagNotAuthorized); err != nil {
				return nil, AuthInfo{}, ladda.Wrap(op, err)
			}
			tx.Flags = append(tx.Flags, FlagNotAuthorized)
		}
	}
	if created && len(st.Samples) > 0 {
		if _, err := s.store.RecordMeterValues(ctx, MeterReport{StationID: tx.StationID, TransactionID: tx.ID,
			EVSEID: tx.EVSEID, ConnectorID: tx.ConnectorID, Samples: st.Samples, RegisterWh: RegisterWh(st.Samples), At: now}); err != nil {
			return nil, AuthInfo{}, ladda.Wrap(op, err)
		}
	}
	if created {
		s.linkRemoteStart(ctx, tx, st.RemoteStartID)
		s.useReservation(ctx, tx, st.ReservationID)
		s.events.Publish(ctx, ladda.Event{Type: ladda.EventTransactionStarted, StationID: tx.StationID, Time: now, Data: tx})
	}
	return tx, info, nil
}

// TokenPresented answers a token shown during a transaction (2.0.1 TransactionEvent Updated
// with an idToken) and, if the transaction started without a token, records it as the
// transaction's token.
func (s *Service) TokenPresented(ctx context.Context, tx *Transaction, token string) (AuthInfo, error) {
	const op = "charging.TokenPresented"
	info, err := s.Authorize(ctx, token, tx.ID)
	if err != nil {
		return AuthInfo{}, ladda.Wrap(op, err)
	}
	if tx.IDToken == "" {
		if err := s.store.SetIDToken(ctx, tx.ID, token, s.clock.Now()); err != nil {
			return AuthInfo{}, ladda.Wrap(op, err)
		}
		tx.IDToken = token
	}
	return info, nil
}

// Meter is a station's report of meter values.
type Meter struct {
	StationID     ladda.StationID
	TransactionID ladda.TransactionID // 0: outside a transaction
	EVSEID        int
	ConnectorID   int
	Samples       []Sample
	SeqNo         *int
}

// RecordMeterValues stores samples durably; a gap in 2.0.1 sequence numbers flags the
// transaction and is logged.
func (s *Service) RecordMeterValues(ctx context.Context, m Meter) error {
	const op = "charging.RecordMeterValues"
	report := MeterReport{StationID: m.StationID, TransactionID: m.TransactionID,
		EVSEID: m.EVSEID, ConnectorID: m.ConnectorID, Samples: m.Samples, RegisterWh: RegisterWh(m.Samples), SeqNo: m.SeqNo, At: s.clock.Now()}
	prev, err := s.store.RecordMeterValues(ctx, report)
	if ladda.IsKind(err, ladda.NotFound) && report.TransactionID != 0 {
		// Values for a transaction we do not know (of this station): keep them, unattached.
		s.log.Warn("meter values for an unknown transaction; stored without it", "station", m.StationID, "transaction", m.TransactionID)
		report.TransactionID, report.SeqNo = 0, nil
		prev, err = s.store.RecordMeterValues(ctx, report)
	}
	if err != nil {
		return ladda.Wrap(op, err)
	}
	s.checkSeq(ctx, m.StationID, m.TransactionID, prev, m.SeqNo)
	s.events.Publish(ctx, ladda.Event{Type: ladda.EventMeterValues, StationID: m.StationID, Time: report.At, Data: &report})
	return nil
}

func (s *Service) checkSeq(ctx context.Context, station ladda.StationID, id ladda.TransactionID, prev, next *int) {
	if prev == nil || next == nil || *next <= *prev+1 {
		return
	}
	s.log.Warn("transaction event sequence gap", "station", station, "transaction", id, "after", *prev, "got", *next)
	if err := s.store.AddFlags(ctx, id, FlagSeqGap); err != nil {
		s.log.Error("flagging sequence gap", "transaction", id, "err", err)
	}
}

// Stop is a station's report that a transaction ended.
type Stop struct {
	StationID ladda.StationID
	// Exactly one of TransactionID (1.6) and StationTxID (2.0.1) identifies the transaction.
	TransactionID ladda.TransactionID
	StationTxID   string
	IDToken       string // token presented to stop, if any
	StoppedAt     time.Time
	MeterWh       *float64
	Reason        string
	Samples       []Sample
	SeqNo         *int
	EVSEID        int // where known; used when the transaction was never seen to start
	ConnectorID   int
}

// StopTransaction records a transaction's end, durably. A stop for a transaction Ladda never
// saw start is accepted and recorded as a transaction of its own with FlagUnknownStart, so the
// station does not retry forever; a repeated stop changes nothing. The returned AuthInfo answers
// the stopping token when one was given.
func (s *Service) StopTransaction(ctx context.Context, st Stop) (*Transaction, AuthInfo, error) {
	const op = "charging.StopTransaction"
	if st.StoppedAt.IsZero() {
		st.StoppedAt = s.clock.Now()
	}
	tx, err := s.find(ctx, st.StationID, st.TransactionID, st.StationTxID)
	if ladda.IsKind(err, ladda.NotFound) {
		tx, err = s.recordUnknownStart(ctx, st)
	}
	if err != nil {
		return nil, AuthInfo{}, ladda.Wrap(op, err)
	}
	var info AuthInfo
	if st.IDToken != "" {
		if info, err = s.Authorize(ctx, st.IDToken, tx.ID); err != nil {
			return nil, AuthInfo{}, ladda.Wrap(op, err)
		}
	}
	wasActive, prevSeq := tx.Active(), tx.LastSeqNo
	stoppedBy := ""
	if st.IDToken != tx.IDToken {
		stoppedBy = st.IDToken
	}
	tx, err = s.store.StopTransaction(ctx, StopReport{TransactionID: tx.ID, StoppedAt: st.StoppedAt.UTC(), MeterStopWh: st.MeterWh,
		Reason: st.Reason, StoppedBy: stoppedBy, SeqNo: st.SeqNo, Samples: st.Samples, At: s.clock.Now()})
	if err != nil {
		return nil, AuthInfo{}, ladda.Wrap(op, err)
	}
	s.checkSeq(ctx, tx.StationID, tx.ID, prevSeq, st.SeqNo)
	if wasActive {
		s.events.Publish(ctx, ladda.Event{Type: ladda.EventTransactionEnded, StationID: tx.StationID, Time: s.clock.Now(), Data: tx})
	}
	return tx, info, nil
}

func (s *Service) find(ctx context.Context, station ladda.StationID, id ladda.TransactionID, stationTxID string) (*Transaction, error) {
	if stationTxID != "" {
		return s.store.TransactionByStationTxID(ctx, station, stationTxID)
	}
	tx, err := s.store.Transaction(ctx, id)
	if err == nil && tx.StationID != station {
		return nil, ladda.Errorf(ladda.NotFound, "charging.find", "transaction %d is not known for station %s", id, station)
	}
	return tx, err
}

func (s *Service) recordUnknownStart(ctx context.Context, st Stop) (*Transaction, error) {
	key, startKey := st.StationTxID, StartKey(Start{StationTxID: st.StationTxID})
	if key == "" {
		// 1.6: the id was ours, but we have no record of it; keep the station's number.
		key = strconv.FormatInt(int64(st.TransactionID), 10)
		startKey = "unknown:" + key
	}
	s.log.Warn("stop for a transaction never started; recording it", "station", st.StationID, "transaction", key)
	tx := &Transaction{
		StationID:   st.StationID,
		StationTxID: key,
		StartKey:    startKey,
		EVSEID:      st.EVSEID,
		ConnectorID: st.ConnectorID,
		IDToken:     st.IDToken,
		StartedAt:   st.StoppedAt.UTC(),
		Flags:       []Flag{FlagUnknownStart},
		UpdatedAt:   s.clock.Now(),
	}
	if first := earliest(st.Samples); !first.IsZero() && first.Before(tx.StartedAt) {
		tx.StartedAt = first
	}
	if _, err := s.store.StartTransaction(ctx, tx); err != nil {
		return nil, err
	}
	return tx, nil
}

func earliest(samples []Sample) time.Time {
	var t time.Time
	for _, s := range samples {
		if !s.Time.IsZero() && (t.IsZero() || s.Time.Before(t)) {
			t = s.Time
		}
	}
	return t
}

// TransactionByStationTxID finds a transaction by the station's id for it.
func (s *Service) TransactionByStationTxID(ctx context.Context, station ladda.StationID, stationTxID string) (*Transaction, error) {
	tx, err := s.store.TransactionByStationTxID(ctx, station, stationTxID)
	return tx, ladda.Wrap("charging.TransactionByStationTxID", err)
}

// Transaction returns one transaction with its samples.
func (s *Service) Transaction(ctx context.Context, id ladda.TransactionID) (*Transaction, error) {
	tx, err := s.store.Transaction(ctx, id)
	return tx, ladda.Wrap("charging.Transaction", err)
}

// Transactions lists transactions, newest first.
func (s *Service) Transactions(ctx context.Context, f TransactionFilter) ([]*Transaction, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	list, err := s.store.Transactions(ctx, f)
	return list, ladda.Wrap("charging.Transactions", err)
}

// Run flags stale transactions every CheckInterval and looks after reservations every
// ReservationInterval (RunReservations) until ctx ends.
func (s *Service) Run(ctx context.Context) {
	stale := time.NewTicker(s.cfg.CheckInterval)
	defer stale.Stop()
	bookings := time.NewTicker(s.cfg.ReservationInterval)
	defer bookings.Stop()
	s.flagStale(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-stale.C:
			s.flagStale(ctx)
		case <-bookings.C:
			s.RunReservations(ctx)
		}
	}
}

// flagStale flags transactions open for longer than StaleAfter.
func (s *Service) flagStale(ctx context.Context) {
	if n, err := s.store.FlagStale(ctx, s.clock.Now().Add(-s.cfg.StaleAfter)); err != nil && ctx.Err() == nil {
		s.log.Error("flagging stale transactions", "err", err)
	} else if n > 0 {
		s.log.Warn("transactions open for too long", "count", n, "after", s.cfg.StaleAfter)
	}
}

// linkRemoteStart ties a new transaction to the remote start it answers, if there is one. The
// window is counted on Ladda's clock, at the start's arrival: a station's clock may be off.
// Failing to link is logged, never fatal: the transaction is stored either way.
func (s *Service) linkRemoteStart(ctx context.Context, tx *Transaction, remoteStartID int64) {
	if tx.IDToken == "" && remoteStartID == 0 {
		return
	}
	_, err := s.store.LinkRemoteStart(ctx, RemoteStartLink{StationID: tx.StationID, RemoteStartID: remoteStartID,
		IDToken: tx.IDToken, EVSEID: tx.EVSEID, Since: s.clock.Now().Add(-RemoteStartWindow), TransactionID: tx.ID})
	if err != nil {
		s.log.Error("linking a transaction to its remote start", "station", tx.StationID, "transaction", tx.ID, "err", err)
	}
}
