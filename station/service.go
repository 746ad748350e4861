package station

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/ladda-csms/ladda"
)

// Connections is the part of the OCPP gateway the station service needs: closing a station's
// socket when its credentials change or it is deleted.
type Connections interface {
	Disconnect(id string) bool
}

// Config tunes the Service. Zero fields take the defaults documented on each.
type Config struct {
	// Pepper keys the hash of station passwords (see Credential). Required.
	Pepper []byte
	// AcceptUnknown registers a station that is not known as Pending instead of refusing it.
	AcceptUnknown bool
	// HeartbeatInterval is the interval told to accepted stations at boot. Default 5 minutes.
	HeartbeatInterval time.Duration
	// PendingInterval is the retry interval told to pending and rejected stations. Default 1 minute.
	PendingInterval time.Duration
	// FlushInterval is how often in-memory last-seen times are written. Default 5 seconds.
	FlushInterval time.Duration
}

// Service applies the rules for stations. It is safe for concurrent use.
type Service struct {
	store       Store
	events      ladda.Publisher
	clock       ladda.Clock
	log         *slog.Logger
	cfg         Config
	connections Connections

	commander Commander

	mu   sync.Mutex
	seen map[ladda.StationID]time.Time // last-seen times not yet flushed
}

// NewService returns a Service over store. events and clock may be nil (no events, system clock).
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
	if cfg.HeartbeatInterval <= 0 {
		cfg.HeartbeatInterval = 5 * time.Minute
	}
	if cfg.PendingInterval <= 0 {
		cfg.PendingInterval = time.Minute
	}
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = 5 * time.Second
	}
	return &Service{store: store, events: events, clock: clock, log: log, cfg: cfg, seen: map[ladda.StationID]time.Time{}}
}

// SetConnections tells the service how to close station sockets. Call it once, before use.
func (s *Service) SetConnections(c Connections) { s.connections = c }

// SetCommander tells the service how to reach stations with commands. Call it once, before use.
func (s *Service) SetCommander(c Commander) { s.commander = c }

// NewStation is what an operator gives to register a station.
type NewStation struct {
	ID           ladda.StationID
	Password     string // empty: Ladda generates one
	Description  string
	Registration Registration // empty: Accepted
	OrgID        int64        // the operator organisation that owns it; 0: none (administrators only)
}

// Register adds a station and returns it with its password, which is shown only this once:
// the given one, or a generated one when none was given. Errors: Invalid for a bad ID or
// password, Conflict when the ID is taken.
func (s *Service) Register(ctx context.Context, n NewStation) (*Station, string, error) {
	const op = "station.Register"
	if !ladda.ValidStationID(string(n.ID)) {
		return nil, "", ladda.Errorf(ladda.Invalid, op, "station id must be 1 to 48 printable ASCII characters without spaces, '/', '?', '#' or '%%'")
	}
	if n.Registration == "" {
		n.Registration = Accepted
	}
	if !n.Registration.Valid() {
		return nil, "", ladda.Errorf(ladda.Invalid, op, "registration must be Accepted, Pending or Rejected")
	}
	if n.Password == "" {
		n.Password = GeneratePassword()
	} else if err := checkPassword(op, n.Password); err != nil {
		return nil, "", err
	}
	now := s.clock.Now()
	st := &Station{
		ID:           n.ID,
		Description:  n.Description,
		Registration: n.Registration,
		OrgID:        n.OrgID,
		Credential:   NewCredential(s.cfg.Pepper, n.Password),
		CreatedAt:    now,
		UpdatedAt:    now,
	}
	if err := s.store.CreateStation(ctx, st); err != nil {
		return nil, "", ladda.Wrap(op, err)
	}
	return st, n.Password, nil
}

func checkPassword(op, p string) error {
	if len(p) < MinPasswordLen || len(p) > MaxPasswordLen {
		return ladda.Errorf(ladda.Invalid, op, "password must be %d to %d characters", MinPasswordLen, MaxPasswordLen)
	}
	for i := 0; i < len(p); i++ {
		if p[i] <= ' ' || p[i] > '~' {
			return ladda.Errorf(ladda.Invalid, op, "password must be printable ASCII without spaces")
		}
	}
	return nil
}

// Station returns one station.
func (s *Service) Station(ctx context.Context, id ladda.StationID) (*Station, error) {
	st, err := s.store.Station(ctx, id)
	return st, ladda.Wrap("station.Station", err)
}

// Stations lists stations.
func (s *Service) Stations(ctx context.Context, f Filter) ([]*Station, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	list, err := s.store.Stations(ctx, f)
	return list, ladda.Wrap("station.Stations", err)
}

// Change is an operator's change to a station. Nil fields stay as they are.
type Change struct {
	Description  *string
	Registration *Registration
	// Password rotates the station's password; "" (pointer to empty) generates a new one.
	Password *string
	// OrgID moves the station to another operator organisation (0: none).
	OrgID *int64
	// SiteID puts the station at a site of its organisation (0: at none).
	SiteID *int64
}

// Update applies c and returns the station and, if the password was rotated, the new password
// (shown only this once). A station whose password or registration changed is disconnected,
// so that it reconnects and boots with the new state.
func (s *Service) Update(ctx context.Context, id ladda.StationID, c Change) (*Station, string, error) {
	const op = "station.Update"
	u := Update{Description: c.Description, Registration: c.Registration, OrgID: c.OrgID, SiteID: c.SiteID}
	if c.Registration != nil && !c.Registration.Valid() {
		return nil, "", ladda.Errorf(ladda.Invalid, op, "registration must be Accepted, Pending or Rejected")
	}
	if c.SiteID != nil && *c.SiteID != 0 {
		if err := s.checkSite(ctx, op, id, c); err != nil {
			return nil, "", err
		}
	}
	if c.OrgID != nil && c.SiteID == nil {
		// A station that moves to another organisation leaves its site behind.
		st, err := s.store.Station(ctx, id)
		if err != nil {
			return nil, "", ladda.Wrap(op, err)
		}
		if st.SiteID != 0 && st.OrgID != *c.OrgID {
			none := int64(0)
			u.SiteID = &none
		}
	}
	var password string
	if c.Password != nil {
		password = *c.Password
		if password == "" {
			password = GeneratePassword()
		} else if err := checkPassword(op, password); err != nil {
			return nil, "", err
		}
		cred := NewCredential(s.cfg.Pepper, password)
		u.Credential = &cred
	}
	st, err := s.store.UpdateStation(ctx, id, u, s.clock.Now())
	if err != nil {
		return nil, "", ladda.Wrap(op, err)
	}
	// A new password, or a new registration, takes effect on the station's next connection
	// (and boot), so close the current one.
	if s.connections != nil && (c.Password != nil || c.Registration != nil) {
		s.connections.Disconnect(string(id))
	}
	return st, password, nil
}

// checkSite refuses, as Invalid, a site of another organisation than the one the station
// belongs to (or moves to).
func (s *Service) checkSite(ctx context.Context, op string, id ladda.StationID, c Change) error {
	site, err := s.store.Site(ctx, *c.SiteID)
	if err != nil {
		return ladda.Wrap(op, err)
	}
	org := int64(0)
	if c.OrgID != nil {
		org = *c.OrgID
	} else {
		st, err := s.store.Station(ctx, id)
		if err != nil {
			return ladda.Wrap(op, err)
		}
		org = st.OrgID
	}
	if site.OrgID != org {
		return ladda.Errorf(ladda.Invalid, op, "site %d belongs to another organisation than station %s", site.ID, id)
	}
	return nil
}

// CreateSite checks and stores a site. Errors: Invalid, NotFound for an unknown organisation.
func (s *Service) CreateSite(ctx context.Context, site *Site) error {
	if err := site.Check(); err != nil {
		return err
	}
	site.CreatedAt = s.clock.Now()
	site.UpdatedAt = site.CreatedAt
	return ladda.Wrap("station.CreateSite", s.store.CreateSite(ctx, site))
}

// UpdateSite checks and replaces a site's name, address and time zone.
func (s *Service) UpdateSite(ctx context.Context, site *Site) error {
	if err := site.Check(); err != nil {
		return err
	}
	site.UpdatedAt = s.clock.Now()
	return ladda.Wrap("station.UpdateSite", s.store.UpdateSite(ctx, site))
}

// Site returns one site.
func (s *Service) Site(ctx context.Context, id int64) (*Site, error) {
	site, err := s.store.Site(ctx, id)
	return site, ladda.Wrap("station.Site", err)
}

// Sites lists the sites of an organisation (0: all).
func (s *Service) Sites(ctx context.Context, org int64) ([]*Site, error) {
	list, err := s.store.Sites(ctx, org)
	return list, ladda.Wrap("station.Sites", err)
}

// DeleteSite removes a site. Errors: Conflict while stations stand at it.
func (s *Service) DeleteSite(ctx context.Context, id int64) error {
	return ladda.Wrap("station.DeleteSite", s.store.DeleteSite(ctx, id))
}

// Delete removes a station and closes its connection.
func (s *Service) Delete(ctx context.Context, id ladda.StationID) error {
	if err := s.store.DeleteStation(ctx, id); err != nil {
		return ladda.Wrap("station.Delete", err)
	}
	if s.connections != nil {
		s.connections.Disconnect(string(id))
	}
	return nil
}

// Authenticate decides whether a station may open an OCPP connection. password is the
// basic-auth password when hasPassword; certVerified means the transport verified a client
// certificate whose common name is id (security profile 3). An unknown station is registered as
// Pending when Config.AcceptUnknown is set, trusting the password it offered on first use;
// otherwise it is refused. Errors: Unauthorized, with the same message whether the station is
// unknown or the password wrong.
func (s *Service) Authenticate(ctx context.Context, id ladda.StationID, password string, hasPassword, certVerified bool) error {
	const op = "station.Authenticate"
	refused := ladda.Errorf(ladda.Unauthorized, op, "unknown station or wrong credentials")
	st, err := s.store.Station(ctx, id)
	if ladda.IsKind(err, ladda.NotFound) {
		if !s.cfg.AcceptUnknown || !ladda.ValidStationID(string(id)) {
			return refused
		}
		return s.admitUnknown(ctx, id, password, hasPassword)
	}
	if err != nil {
		return ladda.Wrap(op, err)
	}
	switch {
	case certVerified:
		return nil
	case hasPassword && st.Credential.Verify(s.cfg.Pepper, password):
		return nil
	case st.Credential.IsZero() && st.Registration == Pending && s.cfg.AcceptUnknown:
		return nil // admitted earlier without a password and still awaiting an operator
	}
	return refused
}

func (s *Service) admitUnknown(ctx context.Context, id ladda.StationID, password string, hasPassword bool) error {
	now := s.clock.Now()
	st := &Station{ID: id, Registration: Pending, Description: "registered on first connection", CreatedAt: now, UpdatedAt: now}
	if hasPassword {
		st.Credential = NewCredential(s.cfg.Pepper, password)
	}
	err := s.store.CreateStation(ctx, st)
	if ladda.IsKind(err, ladda.Conflict) {
		// Two first connections raced; the other one registered it. Check again.
		return s.Authenticate(ctx, id, password, hasPassword, false)
	}
	if err == nil {
		s.log.Info("unknown station registered as pending", "station", id)
	}
	return ladda.Wrap("station.Authenticate", err)
}

// BootResult is the answer to a boot: whether the station is accepted, and the interval for
// heartbeats (Accepted) or for trying again (Pending, Rejected).
type BootResult struct {
	Registration Registration
	Interval     time.Duration
	Time         time.Time
}

// Boot records a station's boot notification.
func (s *Service) Boot(ctx context.Context, id ladda.StationID, b Boot, version string) (BootResult, error) {
	const op = "station.Boot"
	now := s.clock.Now()
	st, err := s.store.Station(ctx, id)
	if err != nil {
		return BootResult{}, ladda.Wrap(op, err)
	}
	if err := s.store.RecordBoot(ctx, id, b, version, now); err != nil {
		return BootResult{}, ladda.Wrap(op, err)
	}
	s.Seen(id)
	s.events.Publish(ctx, ladda.Event{Type: ladda.EventStationBooted, StationID: id, Time: now, Data: b})
	res := BootResult{Registration: st.Registration, Interval: s.cfg.HeartbeatInterval, Time: now}
	if st.Registration != Accepted {
		res.Interval = s.cfg.PendingInterval
	}
	return res, nil
}

// Registration returns the registration of a station, for deciding which messages it may send.
func (s *Service) Registration(ctx context.Context, id ladda.StationID) (Registration, error) {
	st, err := s.store.Station(ctx, id)
	if err != nil {
		return "", ladda.Wrap("station.Registration", err)
	}
	return st.Registration, nil
}

// Seen notes that a station sent something now. It only touches memory; Run writes the times
// in batches.
func (s *Service) Seen(id ladda.StationID) time.Time {
	now := s.clock.Now()
	s.mu.Lock()
	s.seen[id] = now
	s.mu.Unlock()
	return now
}

// StatusChanged records a connector status report and publishes it.
func (s *Service) StatusChanged(ctx context.Context, c StatusChange) error {
	if c.Time.IsZero() {
		c.Time = s.clock.Now()
	}
	if err := s.store.SetConnectorStatus(ctx, c); err != nil {
		return ladda.Wrap("station.StatusChanged", err)
	}
	s.events.Publish(ctx, ladda.Event{Type: ladda.EventConnectorStatus, StationID: c.StationID, Time: c.Time, Data: c})
	return nil
}

// Connected records that a station opened a connection with the given OCPP version.
func (s *Service) Connected(ctx context.Context, id ladda.StationID, version string) error {
	now := s.Seen(id)
	if err := s.store.SetConnected(ctx, id, true, version, now); err != nil {
		return ladda.Wrap("station.Connected", err)
	}
	s.events.Publish(ctx, ladda.Event{Type: ladda.EventStationConnected, StationID: id, Time: now, Data: map[string]string{"ocppVersion": version}})
	return nil
}

// Disconnected records that a station's connection ended.
func (s *Service) Disconnected(ctx context.Context, id ladda.StationID) error {
	now := s.clock.Now()
	if err := s.store.SetConnected(ctx, id, false, "", now); err != nil && !ladda.IsKind(err, ladda.NotFound) {
		return ladda.Wrap("station.Disconnected", err)
	}
	s.events.Publish(ctx, ladda.Event{Type: ladda.EventStationDisconnected, StationID: id, Time: now})
	return nil
}

// Flush writes the pending last-seen times.
func (s *Service) Flush(ctx context.Context) error {
	s.mu.Lock()
	if len(s.seen) == 0 {
		s.mu.Unlock()
		return nil
	}
	batch := s.seen
	s.seen = make(map[ladda.StationID]time.Time, len(batch))
	s.mu.Unlock()
	return ladda.Wrap("station.Flush", s.store.TouchStations(ctx, batch))
}

// Run flushes last-seen times every FlushInterval until ctx ends, then flushes once more.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := s.Flush(context.WithoutCancel(ctx)); err != nil {
				s.log.Error("flushing last-seen times", "err", err)
			}
			return
		case <-t.C:
			if err := s.Flush(ctx); err != nil {
				s.log.Error("flushing last-seen times", "err", err)
			}
		}
	}
}

// Execute sends cmd to a station, waits for its answer and keeps both in the station's command
// log; requestedBy says who asked ("apikey:12"). It returns the log entry. A station's refusal
// or CALLERROR is an answer, not an error: the entry says what happened. Errors: NotFound for
// an unknown station, Conflict when it is not connected, Invalid when its OCPP version has no
// such command, Timeout when it does not answer in time; all but NotFound are logged too. A
// command that checks its own input (a charging-profile command) and breaks its rules is
// Invalid before anything is logged or sent. Charging profiles a station accepts to set or to
// clear update the record of installed profiles (ChargingProfileStore).
func (s *Service) Execute(ctx context.Context, id ladda.StationID, cmd Command, requestedBy string) (*CommandRecord, error) {
	const op = "station.Execute"
	if c, ok := cmd.(checked); ok {
		if err := c.Check(); err != nil {
			return nil, err
		}
	}
	if s.commander == nil {
		return nil, ladda.Errorf(ladda.Unavailable, op, "commands are not available")
	}
	if _, err := s.store.Station(ctx, id); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	request, err := json.Marshal(cmd)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	rec := &CommandRecord{StationID: id, Action: cmd.Action(), Request: request, Outcome: CommandPending,
		RequestedBy: requestedBy, RequestedAt: s.clock.Now()}
	if err := s.store.RecordCommand(ctx, rec); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	answer, sendErr := s.commander.Execute(ctx, id, cmd)
	now := s.clock.Now()
	rec.AnsweredAt = &now
	switch {
	case sendErr == nil:
		rec.Outcome, rec.Answer = CommandAnswered, answer
	case errors.Is(sendErr, ErrOffline):
		rec.Outcome, rec.Error = CommandOffline, ladda.ErrorMessage(sendErr)
	case ladda.IsKind(sendErr, ladda.Timeout):
		rec.Outcome, rec.Error = CommandTimeout, ladda.ErrorMessage(sendErr)
	default:
		rec.Outcome, rec.Error = CommandFailed, ladda.ErrorMessage(sendErr)
	}
	// The outcome is written even if the caller gave up meanwhile.
	if err := s.store.FinishCommand(context.WithoutCancel(ctx), rec); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if err := s.noteProfiles(context.WithoutCancel(ctx), cmd, rec); err != nil {
		return rec, ladda.Wrap(op, err)
	}
	if rec.Outcome == CommandFailed && ladda.IsKind(sendErr, ladda.Conflict) {
		return rec, nil // the station answered with a CALLERROR: the entry says which
	}
	if sendErr != nil {
		return rec, ladda.Wrap(op, sendErr)
	}
	return rec, nil
}

// Commands lists a station's command log, newest first.
func (s *Service) Commands(ctx context.Context, f CommandFilter) ([]*CommandRecord, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	if _, err := s.store.Station(ctx, f.StationID); err != nil {
		return nil, ladda.Wrap("station.Commands", err)
	}
	list, err := s.store.Commands(ctx, f)
	return list, ladda.Wrap("station.Commands", err)
}

// RefreshSettings asks a station for its whole configuration, or, for a 2.0.1 station, that of
// some components (scope's Components and Criteria). A 1.6 station's answer replaces the
// stored settings at once; a 2.0.1 station sends them afterwards in NotifyReport messages,
// which Ladda stores as they come (ReportSettings).
func (s *Service) RefreshSettings(ctx context.Context, id ladda.StationID, scope GetSettings, requestedBy string) (*CommandRecord, error) {
	const op = "station.RefreshSettings"
	scope.Keys = nil // a partial 1.6 answer must not replace the whole configuration
	rec, err := s.Execute(ctx, id, scope, requestedBy)
	if err != nil || rec.Outcome != CommandAnswered || rec.Answer.Settings == nil {
		return rec, err
	}
	now := s.clock.Now()
	for i := range rec.Answer.Settings {
		rec.Answer.Settings[i].UpdatedBy, rec.Answer.Settings[i].UpdatedAt = "station", now
	}
	return rec, ladda.Wrap(op, s.store.ReplaceSettings(ctx, id, rec.Answer.Settings))
}

// ChangeSettings asks a station to change settings and stores the values it took, marked with
// requestedBy. The record's answer holds the station's verdict per setting.
func (s *Service) ChangeSettings(ctx context.Context, id ladda.StationID, changes []Setting, requestedBy string) (*CommandRecord, error) {
	const op = "station.ChangeSettings"
	if len(changes) == 0 {
		return nil, ladda.Errorf(ladda.Invalid, op, "no changes given")
	}
	for _, c := range changes {
		if c.Variable == "" {
			return nil, ladda.Errorf(ladda.Invalid, op, "every change needs a variable (1.6: the key)")
		}
	}
	rec, err := s.Execute(ctx, id, ChangeSettings{Changes: changes}, requestedBy)
	if err != nil || rec.Outcome != CommandAnswered {
		return rec, err
	}
	now := s.clock.Now()
	var taken []Setting
	for _, r := range rec.Answer.Results {
		if r.Changed() {
			st := r.Setting
			st.UpdatedBy, st.UpdatedAt = requestedBy, now
			taken = append(taken, st)
		}
	}
	if len(taken) == 0 {
		return rec, nil
	}
	return rec, ladda.Wrap(op, s.store.SaveSettings(ctx, id, taken))
}

// ReadSettings asks a station for some settings' current values and stores those it gave.
// The record's answer holds the station's word per setting.
func (s *Service) ReadSettings(ctx context.Context, id ladda.StationID, items []Setting, requestedBy string) (*CommandRecord, error) {
	const op = "station.ReadSettings"
	if len(items) == 0 {
		return nil, ladda.Errorf(ladda.Invalid, op, "no settings named")
	}
	rec, err := s.Execute(ctx, id, ReadSettings{Items: items}, requestedBy)
	if err != nil || rec.Outcome != CommandAnswered {
		return rec, err
	}
	now := s.clock.Now()
	var got []Setting
	for _, r := range rec.Answer.Results {
		if r.Status == "Accepted" {
			st := r.Setting
			st.UpdatedBy, st.UpdatedAt = "station", now
			got = append(got, st)
		}
	}
	if len(got) == 0 {
		return rec, nil
	}
	return rec, ladda.Wrap(op, s.store.SaveSettings(ctx, id, got))
}

// ReportSettings stores settings a station reported of its own accord (2.0.1 NotifyReport).
func (s *Service) ReportSettings(ctx context.Context, id ladda.StationID, settings []Setting) error {
	now := s.clock.Now()
	for i := range settings {
		settings[i].UpdatedBy, settings[i].UpdatedAt = "station", now
	}
	return ladda.Wrap("station.ReportSettings", s.store.SaveSettings(ctx, id, settings))
}

// Settings lists a station's stored settings.
func (s *Service) Settings(ctx context.Context, id ladda.StationID) ([]Setting, error) {
	if _, err := s.store.Station(ctx, id); err != nil {
		return nil, ladda.Wrap("station.Settings", err)
	}
	list, err := s.store.Settings(ctx, id)
	return list, ladda.Wrap("station.Settings", err)
}
