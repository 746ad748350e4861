package smartcharging

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/station"
)

// Stations is what the service needs of the station service.
type Stations interface {
	Station(ctx context.Context, id ladda.StationID) (*station.Station, error)
	Site(ctx context.Context, id int64) (*station.Site, error)
	Stations(ctx context.Context, f station.Filter) ([]*station.Station, error)
	ChargingProfiles(ctx context.Context, id ladda.StationID) ([]*station.InstalledProfile, error)
	Execute(ctx context.Context, id ladda.StationID, cmd station.Command, requestedBy string) (*station.CommandRecord, error)
	ForgetTransactionProfiles(ctx context.Context, id ladda.StationID, stationTxID string) error
}

// Transactions is what the service needs of the charging service.
type Transactions interface {
	Transaction(ctx context.Context, id ladda.TransactionID) (*charging.Transaction, error)
	Transactions(ctx context.Context, f charging.TransactionFilter) ([]*charging.Transaction, error)
}

// Groups tells the customer groups of a transaction's driver (fleet:N, members, an OCPP
// group id), which the site's priorities rank.
type Groups func(ctx context.Context, tx *charging.Transaction) []string

// Config tunes the service. Zero values take the defaults.
type Config struct {
	Clock  ladda.Clock
	Logger *slog.Logger
	// Groups ranks sessions by the site's priorities; nil: every session has priority 0.
	Groups Groups
	// Prices gives a site's energy prices for price-aware charging; nil: none.
	Prices Prices
	// Tick is how often every site is looked at again, for schedules, plans and profiles
	// that run out (default 5 s).
	Tick time.Duration
	// RaiseEvery is the least time between two raises of an EVSE's limit; lowering is never
	// held back (default 10 s).
	RaiseEvery time.Duration
	// Horizon is how long a limit holds at a station that loses its connection to Ladda;
	// after it the station falls back to the site's fallback limit. Limits are sent again
	// when half of it has passed (default 10 min).
	Horizon time.Duration
	// Settle is how long the service gathers events before it allocates (default 100 ms).
	Settle time.Duration
}

func (o *Config) defaults() {
	if o.Clock == nil {
		o.Clock = ladda.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Tick <= 0 {
		o.Tick = 5 * time.Second
	}
	if o.RaiseEvery <= 0 {
		o.RaiseEvery = 10 * time.Second
	}
	if o.Horizon <= 0 {
		o.Horizon = 10 * time.Minute
	}
	if o.Settle <= 0 {
		o.Settle = 100 * time.Millisecond
	}
}

// Profile ids Ladda uses at stations, out of the way of an operator's own.
const (
	// FallbackProfileID is the TxDefaultProfile with the site's fallback limit.
	FallbackProfileID = 990000
	// SessionProfileBase plus the EVSE id is the TxProfile with the session's limit.
	SessionProfileBase = 990000
	// StationMaxProfileID is the ChargingStationMaxProfile with what the station may draw at
	// most.
	StationMaxProfileID = 989999
)

// requestedBy names the service in the command log.
const requestedBy = "smartcharging"

// Service keeps every site within its limits: it holds the model of each site's
// installation, follows sessions and what they draw, allocates each site's capacity when
// something changes, and sends the results to stations as charging profiles.
type Service struct {
	store    Store
	stations Stations
	txs      Transactions
	o        Config

	mu       sync.Mutex
	sites    map[int64]*site
	placed   map[ladda.StationID]placement
	sessions map[EVSE]*live
	dirty    map[int64]bool
	running  map[int64]bool
	// Stations whose own profiles (fallback, maximum) are to be sent; being sent; to be sent
	// again at the next tick, their last sending having failed.
	due, sending, retry map[ladda.StationID]bool
	wake                chan struct{}
	// ctx and background are Run's context and the work it started outside its loop.
	ctx        context.Context
	background sync.WaitGroup
}

// placement is where a station stands, as last looked up.
type placement struct {
	siteID    int64
	connected bool
	at        time.Time
}

// site is the installation of a site with a grid, and what it last measured.
type site struct {
	grid     Grid
	circuits []Circuit
	wirings  []Wiring
	limits   []*CapacityLimit
	otherA   [Phases]float64 // what other loads draw, per grid phase
	meterA   []float64       // what the site meter last measured, per phase; nil: none
	last     []Limit         // the last allocation
	fixed    []Fixed         // what it kept room for
	lastAt   time.Time

	// evses lists the EVSEs of each station at the site, as read at evsesAt.
	evses   map[ladda.StationID][]int
	evsesAt time.Time
}

// live is a session the service follows.
type live struct {
	tx       *charging.Transaction
	siteID   int64
	priority int
	needs    *Needs

	draw      []float64 // per phase, A
	powerW    float64
	soc       *float64
	socFrom   *float64 // the first state of charge seen, and when
	socFromAt time.Time
	energyWh  float64
	seenAt    time.Time

	offered  float64 // the limit the station accepted
	sentAt   time.Time
	sent     bool
	failed   bool        // the last attempt to send failed: the station may not follow the allocation
	hold     bool        // the price plan says wait
	plan     []Window    // when the price plan charges
	ev       *EVSchedule // the vehicle's own plan (ISO 15118)
	resend   bool        // its vehicle planned beyond its limit: send the limit again
	verified *bool
}

// NewService returns a service over store. Run starts its work.
func NewService(store Store, stations Stations, txs Transactions, o Config) *Service {
	o.defaults()
	return &Service{store: store, stations: stations, txs: txs, o: o,
		sites: map[int64]*site{}, placed: map[ladda.StationID]placement{}, sessions: map[EVSE]*live{},
		dirty: map[int64]bool{}, running: map[int64]bool{}, wake: make(chan struct{}, 1), ctx: context.Background(),
		due: map[ladda.StationID]bool{}, sending: map[ladda.StationID]bool{}, retry: map[ladda.StationID]bool{}}
}

// Run follows events until ctx ends: transactions starting, meter values, stations
// connecting and ending, and reallocates the sites they concern.
func (s *Service) Run(ctx context.Context, events <-chan ladda.Event) {
	s.mu.Lock()
	s.ctx = ctx
	s.mu.Unlock()
	defer s.background.Wait()
	if err := s.load(ctx); err != nil {
		s.o.Logger.Error("smart charging: loading sites", "err", err)
	}
	tick := time.NewTicker(s.o.Tick)
	defer tick.Stop()
	var settle <-chan time.Time
	var workers sync.WaitGroup
	defer workers.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			s.Handle(ctx, e)
		case <-s.wake:
			if settle == nil {
				settle = time.After(s.o.Settle)
			}
		case <-tick.C:
			s.markAll()
			if settle == nil {
				settle = time.After(s.o.Settle)
			}
		case <-settle:
			settle = nil
			for _, id := range s.takeDirty() {
				workers.Go(func() { s.runSite(ctx, id) })
			}
			for _, id := range s.takeDue() {
				workers.Go(func() { s.sendStationProfiles(ctx, id) })
			}
		}
	}
}

// load reads every grid and every running transaction.
func (s *Service) load(ctx context.Context) error {
	grids, err := s.store.Grids(ctx)
	if err != nil {
		return err
	}
	for _, g := range grids {
		if err := s.reloadSite(ctx, g.SiteID); err != nil {
			return err
		}
	}
	active := true
	f := charging.TransactionFilter{Active: &active, Limit: 1000}
	for {
		list, err := s.txs.Transactions(ctx, f)
		if err != nil {
			return err
		}
		for _, tx := range list {
			s.follow(ctx, tx)
		}
		if len(list) < f.Limit {
			return nil
		}
		f.Before = list[len(list)-1].ID
	}
}

// reloadSite reads a site's installation from the store; a site without a grid is no longer
// managed.
func (s *Service) reloadSite(ctx context.Context, siteID int64) error {
	g, err := s.store.Grid(ctx, siteID)
	if ladda.IsKind(err, ladda.NotFound) {
		s.mu.Lock()
		delete(s.sites, siteID)
		s.mu.Unlock()
		return nil
	}
	if err != nil {
		return err
	}
	circuits, err := s.store.Circuits(ctx, siteID)
	if err != nil {
		return err
	}
	wirings, err := s.store.Wirings(ctx, siteID, "")
	if err != nil {
		return err
	}
	limits, err := s.store.CapacityLimits(ctx, siteID, "", s.o.Clock.Now().Add(-time.Minute))
	if err != nil {
		return err
	}
	st := &site{grid: *g, limits: limits}
	for _, c := range circuits {
		st.circuits = append(st.circuits, *c)
	}
	for _, w := range wirings {
		st.wirings = append(st.wirings, *w)
	}
	s.mu.Lock()
	if old := s.sites[siteID]; old != nil {
		st.otherA, st.meterA, st.last, st.fixed, st.lastAt = old.otherA, old.meterA, old.last, old.fixed, old.lastAt
		st.evses, st.evsesAt = old.evses, old.evsesAt
	}
	s.sites[siteID] = st
	s.dirty[siteID] = true
	s.mu.Unlock()
	s.poke()
	return nil
}

// readEVSEs reads which stations stand at a site and their EVSEs, when it last did so a
// minute ago or more: stations are moved between sites, and report their EVSEs, rarely.
func (s *Service) readEVSEs(ctx context.Context, siteID int64, now time.Time) {
	s.mu.Lock()
	st := s.sites[siteID]
	fresh := st == nil || (st.evses != nil && now.Sub(st.evsesAt) < time.Minute)
	s.mu.Unlock()
	if fresh {
		return
	}
	evses := map[ladda.StationID][]int{}
	f := station.Filter{SiteID: siteID, Limit: 1000}
	for {
		list, err := s.stations.Stations(ctx, f)
		if err != nil {
			s.o.Logger.Warn("smart charging: listing a site's stations", "site", siteID, "err", err)
			return
		}
		s.mu.Lock()
		for _, x := range list {
			ids := []int{}
			for _, e := range x.EVSEs {
				if e.ID > 0 {
					ids = append(ids, e.ID)
				}
			}
			evses[x.ID] = ids
			if _, ok := s.placed[x.ID]; !ok {
				s.placed[x.ID] = placement{siteID: siteID, connected: x.Connected, at: now}
			}
		}
		s.mu.Unlock()
		if len(list) < f.Limit {
			break
		}
		f.After = list[len(list)-1].ID
	}
	s.mu.Lock()
	if st := s.sites[siteID]; st != nil {
		for id, list := range evses {
			if !slices.Equal(list, st.evses[id]) && s.placed[id].connected {
				s.due[id] = true // its maximum may follow other circuits now
			}
		}
		st.evses, st.evsesAt = evses, now
	}
	s.mu.Unlock()
}

// evseSeen adds an EVSE that reported its status to its site's EVSEs, so that the fallback
// limit is kept free for it from now on.
func (s *Service) evseSeen(ctx context.Context, e EVSE) {
	p, ok := s.place(ctx, e.StationID)
	if !ok {
		return
	}
	s.mu.Lock()
	st := s.sites[p.siteID]
	known := st == nil || slices.Contains(st.evses[e.StationID], e.EVSEID)
	if !known {
		if st.evses == nil {
			st.evses = map[ladda.StationID][]int{} // read in full at the next allocation
		}
		st.evses[e.StationID] = append(st.evses[e.StationID], e.EVSEID)
		s.dirty[p.siteID] = true
	}
	s.mu.Unlock()
	if !known {
		s.profilesDue(e.StationID) // its maximum may follow other circuits now
	}
}

// Handle takes one event into account.
func (s *Service) Handle(ctx context.Context, e ladda.Event) {
	switch e.Type {
	case ladda.EventTransactionStarted:
		if tx, ok := e.Data.(*charging.Transaction); ok {
			s.follow(ctx, tx)
		}
	case ladda.EventTransactionEnded:
		if tx, ok := e.Data.(*charging.Transaction); ok {
			s.forget(ctx, tx)
		}
	case ladda.EventMeterValues:
		if m, ok := e.Data.(*charging.MeterReport); ok {
			s.measured(ctx, m)
		}
	case ladda.EventConnectorStatus:
		if c, ok := e.Data.(station.StatusChange); ok && c.EVSEID > 0 {
			s.evseSeen(ctx, EVSE{c.StationID, c.EVSEID})
		}
	case ladda.EventStationConnected, ladda.EventStationBooted:
		s.connected(ctx, e.StationID)
	case ladda.EventStationDisconnected:
		s.mu.Lock()
		p, ok := s.placed[e.StationID]
		if ok {
			p.connected = false
			s.placed[e.StationID] = p
			s.dirty[p.siteID] = true
		}
		s.mu.Unlock()
		s.poke()
	}
}

// place returns the site a station stands at (0: none managed), looking it up at most once a
// minute.
func (s *Service) place(ctx context.Context, id ladda.StationID) (placement, bool) {
	now := s.o.Clock.Now()
	s.mu.Lock()
	p, ok := s.placed[id]
	s.mu.Unlock()
	if ok && now.Sub(p.at) < time.Minute {
		return p, true
	}
	st, err := s.stations.Station(ctx, id)
	if err != nil {
		if !ladda.IsKind(err, ladda.NotFound) {
			s.o.Logger.Warn("smart charging: looking up station", "station", id, "err", err)
		}
		return placement{}, false
	}
	p = placement{siteID: st.SiteID, connected: st.Connected, at: now}
	s.mu.Lock()
	s.placed[id] = p
	s.mu.Unlock()
	return p, true
}

func (s *Service) managed(siteID int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sites[siteID] != nil
}

// follow starts following a transaction if its station stands at a managed site.
func (s *Service) follow(ctx context.Context, tx *charging.Transaction) {
	p, ok := s.place(ctx, tx.StationID)
	if !ok || !tx.Active() || !s.managed(p.siteID) {
		return
	}
	l := &live{tx: tx, siteID: p.siteID, energyWh: tx.EnergyWh(), priority: s.priority(ctx, p.siteID, tx)}
	e := EVSE{tx.StationID, tx.EVSEID}
	s.mu.Lock()
	if old := s.sessions[e]; old != nil && old.tx.ID == tx.ID {
		l = old // seen already (a start and the load at the start of Run)
	}
	s.sessions[e] = l
	s.dirty[p.siteID] = true
	s.mu.Unlock()
	// The needs and the vehicle's schedule are read once the session is in the map: SetNeeds
	// and EVChargingSchedule store them before they look there, so what comes at any moment
	// reaches the session one way or the other.
	n, err := s.store.Needs(ctx, tx.ID)
	ev, err2 := s.store.EVSchedule(ctx, tx.ID)
	s.mu.Lock()
	if err == nil && (l.needs == nil || n.UpdatedAt.After(l.needs.UpdatedAt)) {
		l.needs = n
	}
	if err2 == nil && (l.ev == nil || ev.ReceivedAt.After(l.ev.ReceivedAt)) {
		l.ev = ev
	}
	s.mu.Unlock()
	s.poke()
}

func (s *Service) priority(ctx context.Context, siteID int64, tx *charging.Transaction) int {
	s.mu.Lock()
	st := s.sites[siteID]
	var rank []Priority
	if st != nil {
		rank = st.grid.Priorities
	}
	s.mu.Unlock()
	if len(rank) == 0 || s.o.Groups == nil {
		return 0
	}
	best, found := 0, false
	for _, g := range s.o.Groups(ctx, tx) {
		for _, r := range rank {
			if r.Group == g && (!found || r.Priority > best) {
				best, found = r.Priority, true
			}
		}
	}
	return best
}

// forget stops following a transaction that ended and forgets its profile.
func (s *Service) forget(ctx context.Context, tx *charging.Transaction) {
	e := EVSE{tx.StationID, tx.EVSEID}
	s.mu.Lock()
	l := s.sessions[e]
	if l == nil || l.tx.ID != tx.ID {
		s.mu.Unlock()
		return
	}
	delete(s.sessions, e)
	s.dirty[l.siteID] = true
	s.mu.Unlock()
	s.poke()
	if err := s.stations.ForgetTransactionProfiles(ctx, tx.StationID, tx.StationTxID); err != nil {
		s.o.Logger.Warn("smart charging: forgetting a transaction's profiles", "transaction", tx.ID, "err", err)
	}
}

// measured takes in meter values: what a session draws, or what a site meter measures.
func (s *Service) measured(ctx context.Context, m *charging.MeterReport) {
	now := s.o.Clock.Now()
	if m.TransactionID == 0 {
		p, ok := s.place(ctx, m.StationID)
		if !ok || m.EVSEID != 0 {
			return
		}
		s.mu.Lock()
		if st := s.sites[p.siteID]; st != nil && st.grid.MeterStationID == m.StationID {
			if a := currents(m.Samples, st.grid.Phases, st.grid.Voltage(), anywhere); a != nil {
				st.meterA = a
				s.dirty[p.siteID] = true
			}
		}
		s.mu.Unlock()
		s.poke()
		return
	}
	e := EVSE{m.StationID, m.EVSEID}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.sessions[e]
	if l == nil || l.tx.ID != m.TransactionID {
		return
	}
	st := s.sites[l.siteID]
	if st == nil {
		return
	}
	phases := 3
	if l.needs != nil && l.needs.Phases > 0 {
		phases = l.needs.Phases
	} else if w, ok := wiringOf(st.wirings, e); ok {
		phases = w.Phases
	}
	draw := DrawOf(m.Samples, phases, st.grid.Voltage())
	for _, x := range m.Samples {
		switch {
		case x.Measurand == "SoC" && x.Phase == "":
			soc := x.Value
			l.soc = &soc
			if l.socFrom == nil {
				l.socFrom, l.socFromAt = &soc, now
			}
		case x.Measurand == "Power.Active.Import" && x.Phase == "" && outlet(x.Location):
			l.powerW = x.Value
			if x.Unit == "kW" {
				l.powerW *= 1000
			}
		}
	}
	if m.RegisterWh != nil && l.tx.MeterStartWh != nil {
		l.energyWh = max(*m.RegisterWh-*l.tx.MeterStartWh, 0)
	}
	if draw != nil {
		if len(l.draw) != len(draw) || changed(l.draw, draw) {
			s.dirty[l.siteID] = true
		}
		l.draw = draw
	}
	l.seenAt = now
	if s.dirty[l.siteID] {
		s.poke()
	}
}

// changed reports whether a draw moved by more than half an ampere on some phase.
func changed(a, b []float64) bool {
	for i := range a {
		if math.Abs(a[i]-b[i]) > 0.5 {
			return true
		}
	}
	return false
}

func wiringOf(ws []Wiring, e EVSE) (Wiring, bool) {
	for _, w := range ws {
		if w.StationID == e.StationID && w.EVSEID == e.EVSEID {
			return w, true
		}
	}
	return Wiring{}, false
}

// connected sends a station that (re)connected its profiles and reallocates its site.
func (s *Service) connected(ctx context.Context, id ladda.StationID) {
	s.mu.Lock()
	delete(s.placed, id)
	s.mu.Unlock()
	p, ok := s.place(ctx, id)
	if !ok {
		return
	}
	s.mu.Lock()
	st := s.sites[p.siteID]
	if st != nil {
		for e, l := range s.sessions {
			if e.StationID == id {
				l.sent = false // the station may have lost what it was sent
			}
		}
		s.dirty[p.siteID] = true
	}
	s.mu.Unlock()
	s.profilesDue(id) // at an unmanaged site: what Ladda installed there before is cleared
}

// sendStationProfiles sends a station of a managed site the profiles it keeps even without
// Ladda: a TxDefaultProfile with the site's fallback limit, for sessions Ladda has not yet
// given a limit, and a ChargingStationMaxProfile with what the circuits it hangs from let
// through (StationMaxA), which its EVSEs together never exceed. At a site that is not
// managed, it clears what Ladda installed there (clearOwn). A failure is tried again at the
// next tick while the station is connected.
func (s *Service) sendStationProfiles(ctx context.Context, id ladda.StationID) {
	failed := false
	defer func() {
		s.mu.Lock()
		delete(s.sending, id)
		if failed {
			s.retry[id] = true // at the next tick
		}
		again := s.due[id]
		s.mu.Unlock()
		if again {
			s.poke()
		}
	}()
	p, ok := s.place(ctx, id)
	if !ok {
		return
	}
	s.mu.Lock()
	st := s.sites[p.siteID]
	if st == nil {
		s.mu.Unlock()
		failed = !s.clearOwn(ctx, id)
		return
	}
	fallback := st.grid.FallbackA
	evses := slices.Clone(st.evses[id])
	for _, w := range st.wirings {
		if w.StationID == id && !slices.Contains(evses, w.EVSEID) {
			evses = append(evses, w.EVSEID)
		}
	}
	maxA, err := StationMaxA(st.grid, st.circuits, st.wirings, id, evses)
	s.mu.Unlock()
	now := s.o.Clock.Now().UTC().Truncate(time.Second)
	profiles := []station.ChargingProfile{{ID: FallbackProfileID, Purpose: "TxDefaultProfile", Kind: "Absolute",
		Schedule: station.ChargingSchedule{StartAt: &now, RateUnit: "A", Periods: []station.SchedulePeriod{{Limit: roundDown(fallback)}}}}}
	if err == nil {
		profiles = append(profiles, station.ChargingProfile{ID: StationMaxProfileID, Purpose: station.PurposeStationMax, Kind: "Absolute",
			Schedule: station.ChargingSchedule{StartAt: &now, RateUnit: "A", Periods: []station.SchedulePeriod{{Limit: roundDown(maxA)}}}})
	} else {
		s.o.Logger.Error("smart charging: a station's maximum from a broken model", "station", id, "err", err)
	}
	for _, prof := range profiles {
		rec, err := s.stations.Execute(ctx, id, station.SetChargingProfile{Profile: prof}, requestedBy)
		if err == nil && (rec.Outcome != station.CommandAnswered || rec.Answer.Status != "Accepted") {
			err = errors.New("the station answered " + string(rec.Outcome) + " " + rec.Answer.Status)
		}
		if err != nil {
			failed = true
			s.o.Logger.Warn("smart charging: sending a station its "+prof.Purpose, "station", id, "err", err)
		}
	}
}

// clearOwn clears the profiles Ladda installed at a station that no longer stands at a
// managed site (its grid was deleted, or it was moved), by their ids, so that an operator's
// own profiles stay; it reports whether the station cleared them all.
func (s *Service) clearOwn(ctx context.Context, id ladda.StationID) bool {
	list, err := s.stations.ChargingProfiles(ctx, id)
	if err != nil {
		return ladda.IsKind(err, ladda.NotFound)
	}
	ok := true
	for _, p := range list {
		if p.SetBy != requestedBy {
			continue
		}
		pid := p.Profile.ID
		rec, err := s.stations.Execute(ctx, id, station.ClearChargingProfile{ID: &pid}, requestedBy)
		if err == nil && rec.Outcome != station.CommandAnswered {
			err = errors.New("the station answered " + string(rec.Outcome))
		}
		if err != nil {
			ok = false
			s.o.Logger.Warn("smart charging: clearing a profile of a site no longer managed", "station", id, "profile", pid, "err", err)
		}
	}
	return ok
}

// profilesDue has a station's own profiles sent now, in the background (a station that
// connects must have its fallback before its first session starts); if they are being sent,
// once that is done.
func (s *Service) profilesDue(id ladda.StationID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sending[id] {
		s.due[id] = true
		return
	}
	s.sending[id] = true
	s.background.Go(func() { s.sendStationProfiles(s.ctx, id) })
}

// takeDue returns the stations whose profiles to send now, and marks them being sent.
func (s *Service) takeDue() []ladda.StationID {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ladda.StationID
	for id := range s.due {
		if s.sending[id] {
			continue
		}
		delete(s.due, id)
		s.sending[id] = true
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Service) markAll() {
	s.mu.Lock()
	for _, l := range s.sessions {
		s.dirty[l.siteID] = true
	}
	for id := range s.retry {
		delete(s.retry, id)
		if s.placed[id].connected {
			s.due[id] = true
		}
	}
	s.mu.Unlock()
}

// takeDirty returns the sites to allocate now: dirty and not being allocated.
func (s *Service) takeDirty() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int64
	for id := range s.dirty {
		if s.running[id] {
			continue
		}
		delete(s.dirty, id)
		s.running[id] = true
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// roundDown rounds a current down to the 0.1 A OCPP stations take.
func roundDown(a float64) float64 { return math.Floor(a*10+1e-9) / 10 }
