package smartcharging

import (
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
)

// PutGrid sets a site's grid connection and reallocates it; stations of the site that Ladda
// knows to be connected get the new fallback limit and station maximum. Errors: Invalid (see Grid.Check),
// NotFound for an unknown site.
func (s *Service) PutGrid(ctx context.Context, g *Grid) error {
	const op = "smartcharging.PutGrid"
	if err := g.Check(); err != nil {
		return err
	}
	g.Priorities = slices.Clone(g.Priorities)
	circuits, err := s.store.Circuits(ctx, g.SiteID)
	if err != nil {
		return ladda.Wrap(op, err)
	}
	if _, _, err := Tree(*g, deref(circuits)); err != nil {
		return err
	}
	if err := s.store.PutGrid(ctx, g); err != nil {
		return ladda.Wrap(op, err)
	}
	return ladda.Wrap(op, s.remodel(ctx, g.SiteID))
}

// remodel reloads a site whose installation changed and sends its connected stations the
// profiles that follow from it.
func (s *Service) remodel(ctx context.Context, siteID int64) error {
	if err := s.reloadSite(ctx, siteID); err != nil {
		return err
	}
	for _, id := range s.connectedAt(siteID) {
		s.profilesDue(id)
	}
	return nil
}

// connectedAt lists the stations of a site Ladda knows to be connected.
func (s *Service) connectedAt(siteID int64) []ladda.StationID {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ladda.StationID
	for id, p := range s.placed {
		if p.siteID == siteID && p.connected {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// Grid returns a site's grid connection. NotFound: none set.
func (s *Service) Grid(ctx context.Context, siteID int64) (*Grid, error) {
	g, err := s.store.Grid(ctx, siteID)
	return g, ladda.Wrap("smartcharging.Grid", err)
}

// DeleteGrid stops managing a site: its grid connection, circuits, wiring and capacity
// limits are forgotten, and the profiles Ladda set at its connected stations are cleared.
func (s *Service) DeleteGrid(ctx context.Context, siteID int64) error {
	const op = "smartcharging.DeleteGrid"
	stations := s.connectedAt(siteID)
	if err := s.store.DeleteGrid(ctx, siteID); err != nil {
		return ladda.Wrap(op, err)
	}
	if err := s.reloadSite(ctx, siteID); err != nil {
		return ladda.Wrap(op, err)
	}
	s.mu.Lock()
	for e, l := range s.sessions {
		if l.siteID == siteID {
			delete(s.sessions, e)
		}
	}
	s.mu.Unlock()
	for _, id := range stations {
		s.profilesDue(id) // the site is no longer managed: Ladda's profiles are cleared
	}
	return nil
}

func deref[T any](xs []*T) []T {
	out := make([]T, len(xs))
	for i, x := range xs {
		out[i] = *x
	}
	return out
}

// checkCircuit refuses a circuit without a name or with a limit that is not a number.
func checkCircuit(c *Circuit) error {
	const op = "smartcharging.Circuit"
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" || len(c.Name) > 100 {
		return ladda.Errorf(ladda.Invalid, op, "a circuit has a name of 1 to 100 characters")
	}
	for p, a := range c.LimitA {
		if math.IsNaN(a) || a == 0 || a > 1e5 {
			return ladda.Errorf(ladda.Invalid, op, "the limit of phase L%d is a positive number of A, or negative for none", p+1)
		}
		if a < 0 {
			c.LimitA[p] = -1
		}
	}
	return nil
}

// CreateCircuit adds a circuit to a site and reallocates it. Errors: Invalid, NotFound (no
// grid at the site, an unknown parent).
func (s *Service) CreateCircuit(ctx context.Context, c *Circuit) error {
	const op = "smartcharging.CreateCircuit"
	if err := checkCircuit(c); err != nil {
		return err
	}
	if err := s.store.CreateCircuit(ctx, c); err != nil {
		return ladda.Wrap(op, err)
	}
	return ladda.Wrap(op, s.remodel(ctx, c.SiteID))
}

// UpdateCircuit changes a circuit and reallocates its site. Errors: Invalid (also for a
// circuit that would hang from itself), NotFound.
func (s *Service) UpdateCircuit(ctx context.Context, c *Circuit) error {
	const op = "smartcharging.UpdateCircuit"
	if err := checkCircuit(c); err != nil {
		return err
	}
	g, err := s.store.Grid(ctx, c.SiteID)
	if err != nil {
		return ladda.Wrap(op, err)
	}
	circuits, err := s.store.Circuits(ctx, c.SiteID)
	if err != nil {
		return ladda.Wrap(op, err)
	}
	list := deref(circuits)
	found := false
	for i := range list {
		if list[i].ID == c.ID {
			list[i], found = *c, true
		}
	}
	if !found {
		return ladda.Errorf(ladda.NotFound, op, "site %d has no circuit %d", c.SiteID, c.ID)
	}
	if _, _, err := Tree(*g, list); err != nil {
		return err
	}
	if err := s.store.UpdateCircuit(ctx, c); err != nil {
		return ladda.Wrap(op, err)
	}
	return ladda.Wrap(op, s.remodel(ctx, c.SiteID))
}

// DeleteCircuit removes a circuit. Errors: NotFound, Conflict (circuits or EVSEs hang from
// it).
func (s *Service) DeleteCircuit(ctx context.Context, siteID, id int64) error {
	const op = "smartcharging.DeleteCircuit"
	if err := s.store.DeleteCircuit(ctx, siteID, id); err != nil {
		return ladda.Wrap(op, err)
	}
	return ladda.Wrap(op, s.remodel(ctx, siteID))
}

// Circuits lists a site's circuits.
func (s *Service) Circuits(ctx context.Context, siteID int64) ([]*Circuit, error) {
	list, err := s.store.Circuits(ctx, siteID)
	return list, ladda.Wrap("smartcharging.Circuits", err)
}

// PutWiring sets how an EVSE is wired and reallocates its site. Errors: Invalid (rotation,
// phases, bounds), NotFound (station, circuit).
func (s *Service) PutWiring(ctx context.Context, w *Wiring) error {
	const op = "smartcharging.PutWiring"
	if w.Rotation == "" {
		w.Rotation = "RST"
	}
	if _, err := w.GridPhases(1); err != nil {
		return err
	}
	switch {
	case w.EVSEID < 1:
		return ladda.Errorf(ladda.Invalid, op, "EVSEs are numbered from 1")
	case w.MinA < 0 || w.MaxA < 0 || math.IsNaN(w.MinA) || math.IsNaN(w.MaxA) || w.MaxA > 1000:
		return ladda.Errorf(ladda.Invalid, op, "an EVSE's minimum and maximum current are 0 (the default) or a positive number of A")
	case w.MaxA > 0 && w.MinA > w.MaxA:
		return ladda.Errorf(ladda.Invalid, op, "an EVSE's minimum current is at most its maximum")
	}
	if err := s.store.PutWiring(ctx, w); err != nil {
		return ladda.Wrap(op, err)
	}
	return ladda.Wrap(op, s.reloadStation(ctx, w.StationID))
}

// reloadStation reloads the site a station stands at.
func (s *Service) reloadStation(ctx context.Context, id ladda.StationID) error {
	st, err := s.stations.Station(ctx, id)
	if err != nil {
		return err
	}
	if st.SiteID == 0 {
		return nil
	}
	return s.remodel(ctx, st.SiteID)
}

// Wirings lists the wiring of a site's EVSEs (siteID > 0) or of a station's.
func (s *Service) Wirings(ctx context.Context, siteID int64, id ladda.StationID) ([]*Wiring, error) {
	list, err := s.store.Wirings(ctx, siteID, id)
	return list, ladda.Wrap("smartcharging.Wirings", err)
}

// DeleteWiring forgets how an EVSE is wired: it then hangs from the site's connection.
func (s *Service) DeleteWiring(ctx context.Context, id ladda.StationID, evseID int) error {
	const op = "smartcharging.DeleteWiring"
	if err := s.store.DeleteWiring(ctx, id, evseID); err != nil {
		return ladda.Wrap(op, err)
	}
	return ladda.Wrap(op, s.reloadStation(ctx, id))
}

// checkLimit refuses a capacity limit that is not a power or whose end is not after its start.
func checkLimit(l *CapacityLimit) error {
	const op = "smartcharging.CapacityLimit"
	switch {
	case math.IsNaN(l.LimitW) || l.LimitW < 0 || l.LimitW > 1e9:
		return ladda.Errorf(ladda.Invalid, op, "a capacity limit is 0 or more W")
	case l.From.IsZero():
		return ladda.Errorf(ladda.Invalid, op, "a capacity limit has a start")
	case l.To != nil && !l.To.After(l.From):
		return ladda.Errorf(ladda.Invalid, op, "a capacity limit ends after it starts")
	case len(l.Reason) > 200 || len(l.ExternalID) > 100:
		return ladda.Errorf(ladda.Invalid, op, "a reason has at most 200 characters, an external id at most 100")
	}
	l.From = l.From.UTC()
	if l.To != nil {
		to := l.To.UTC()
		l.To = &to
	}
	return nil
}

// SetSchedule replaces a site's capacity schedule: periods in time order, none overlapping
// the next; a period without an end lasts until the next one starts. Errors: Invalid,
// NotFound (no grid at the site).
func (s *Service) SetSchedule(ctx context.Context, siteID int64, periods []*CapacityLimit, by string) error {
	const op = "smartcharging.SetSchedule"
	now := s.o.Clock.Now().UTC()
	for i, p := range periods {
		p.SiteID, p.Kind, p.CreatedBy = siteID, KindSchedule, by
		if err := checkLimit(p); err != nil {
			return err
		}
		if i > 0 {
			prev := periods[i-1]
			if !p.From.After(prev.From) || (prev.To != nil && prev.To.After(p.From)) {
				return ladda.Errorf(ladda.Invalid, op, "period %d starts before period %d ends", i+1, i)
			}
		}
		p.CreatedAt = now
	}
	if err := s.store.ReplaceSchedule(ctx, siteID, periods); err != nil {
		return ladda.Wrap(op, err)
	}
	return ladda.Wrap(op, s.reloadSite(ctx, siteID))
}

// AddDemandResponse stores a demand-response event and reallocates its site when it is in
// force. Errors: Invalid (it needs an end), NotFound, Conflict (the same external id).
func (s *Service) AddDemandResponse(ctx context.Context, l *CapacityLimit, by string) error {
	const op = "smartcharging.AddDemandResponse"
	l.Kind, l.CreatedBy, l.CreatedAt = KindDemandResponse, by, s.o.Clock.Now().UTC()
	if err := checkLimit(l); err != nil {
		return err
	}
	if l.To == nil {
		return ladda.Errorf(ladda.Invalid, op, "a demand-response event has an end")
	}
	if err := s.store.AddCapacityLimit(ctx, l); err != nil {
		return ladda.Wrap(op, err)
	}
	return ladda.Wrap(op, s.reloadSite(ctx, l.SiteID))
}

// CancelDemandResponse removes a demand-response event.
func (s *Service) CancelDemandResponse(ctx context.Context, siteID, id int64) error {
	const op = "smartcharging.CancelDemandResponse"
	if err := s.store.DeleteCapacityLimit(ctx, siteID, id); err != nil {
		return ladda.Wrap(op, err)
	}
	return ladda.Wrap(op, s.reloadSite(ctx, siteID))
}

// CapacityLimits lists a site's capacity limits of a kind ("" both) that have not ended.
func (s *Service) CapacityLimits(ctx context.Context, siteID int64, kind string) ([]*CapacityLimit, error) {
	list, err := s.store.CapacityLimits(ctx, siteID, kind, s.o.Clock.Now())
	return list, ladda.Wrap("smartcharging.CapacityLimits", err)
}

// ReportLoad tells what a site's other loads (a building, heat pumps) draw now, per grid
// phase, for sites without a site meter. Errors: NotFound (no grid at the site), Invalid.
func (s *Service) ReportLoad(ctx context.Context, siteID int64, otherA [Phases]float64) error {
	const op = "smartcharging.ReportLoad"
	for _, a := range otherA {
		if math.IsNaN(a) || a < 0 || a > 1e5 {
			return ladda.Errorf(ladda.Invalid, op, "a load is 0 or more A")
		}
	}
	s.mu.Lock()
	st := s.sites[siteID]
	if st != nil {
		st.otherA = otherA
		s.dirty[siteID] = true
	}
	s.mu.Unlock()
	if st == nil {
		return ladda.Errorf(ladda.NotFound, op, "site %d has no grid connection", siteID)
	}
	s.poke()
	return nil
}

// SetNeeds stores what a transaction's vehicle needs and reallocates its site. n.EnergyWh is
// what it still wants now: it is stored counted from the transaction's start. Errors:
// Invalid, NotFound, Conflict (the transaction has ended).
func (s *Service) SetNeeds(ctx context.Context, n *Needs) error {
	const op = "smartcharging.SetNeeds"
	switch {
	case n.EnergyWh < 0 || n.CapacityWh < 0 || n.MinA < 0 || n.MaxA < 0 || math.IsNaN(n.EnergyWh+n.CapacityWh+n.MinA+n.MaxA):
		return ladda.Errorf(ladda.Invalid, op, "energy, capacity and currents are not negative")
	case n.MaxA > 0 && n.MinA > n.MaxA:
		return ladda.Errorf(ladda.Invalid, op, "the minimum current is at most the maximum")
	case n.Phases < 0 || n.Phases > 3:
		return ladda.Errorf(ladda.Invalid, op, "a vehicle uses 1 to 3 phases")
	case badPercent(n.SoC) || badPercent(n.TargetSoC):
		return ladda.Errorf(ladda.Invalid, op, "a state of charge is 0 to 100 %%")
	}
	tx, err := s.txs.Transaction(ctx, n.TransactionID)
	if err != nil {
		return ladda.Wrap(op, err)
	}
	if !tx.Active() {
		return ladda.Errorf(ladda.Conflict, op, "transaction %d has ended", tx.ID)
	}
	if n.EnergyWh > 0 {
		n.EnergyWh += s.delivered(tx)
	}
	if n.DepartureAt != nil {
		d := n.DepartureAt.UTC()
		n.DepartureAt = &d
	}
	n.UpdatedAt = s.o.Clock.Now().UTC()
	if err := s.store.PutNeeds(ctx, n); err != nil {
		return ladda.Wrap(op, err)
	}
	e := EVSE{tx.StationID, tx.EVSEID}
	s.mu.Lock()
	if l := s.sessions[e]; l != nil && l.tx.ID == tx.ID {
		l.needs = n
		s.dirty[l.siteID] = true
	}
	s.mu.Unlock()
	s.poke()
	return nil
}

func badPercent(p *float64) bool { return p != nil && (math.IsNaN(*p) || *p < 0 || *p > 100) }

// delivered is what a transaction delivered so far, as last measured.
func (s *Service) delivered(tx *charging.Transaction) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l := s.sessions[EVSE{tx.StationID, tx.EVSEID}]; l != nil && l.tx.ID == tx.ID {
		return l.energyWh
	}
	return tx.EnergyWh()
}

// EVChargingNeeds takes what a 2.0.1 station reports of its vehicle's needs (ISO 15118) for
// the transaction running on an EVSE, and answers as NotifyEVChargingNeeds does: Accepted
// when Ladda keeps them, Rejected when no transaction runs there.
func (s *Service) EVChargingNeeds(ctx context.Context, id ladda.StationID, evseID int, n Needs) (string, error) {
	txID, err := s.sessionAt(ctx, EVSE{id, evseID})
	if err != nil {
		return "", err
	}
	if txID == 0 {
		return "Rejected", nil
	}
	n.TransactionID, n.Source = txID, "station"
	if err := s.SetNeeds(ctx, &n); err != nil {
		if ladda.IsKind(err, ladda.Invalid) || ladda.IsKind(err, ladda.Conflict) {
			return "Rejected", nil
		}
		return "", err
	}
	return "Accepted", nil
}

// SessionView is a managed session as the allocation last saw it.
type SessionView struct {
	EVSE
	TransactionID ladda.TransactionID `json:"transactionId"`
	Priority      int                 `json:"priority"`
	AllocatedA    float64             `json:"allocatedA"`
	OfferedA      *float64            `json:"offeredA,omitempty"`
	DrawA         []float64           `json:"drawA,omitempty"`
	State         string              `json:"state"`
	Verified      *bool               `json:"verified,omitempty"`
	Plan          []Window            `json:"plan,omitempty"`
}

// SiteView is a site's allocation now.
type SiteView struct {
	SiteID    int64         `json:"siteId"`
	Grid      Grid          `json:"grid"`
	CapacityW *float64      `json:"capacityW,omitempty"`
	OtherA    []float64     `json:"otherA"`
	Sessions  []SessionView `json:"sessions"`
	// Reserved is the room the allocation keeps for EVSEs it cannot steer in time: idle ones,
	// where a car may start at the fallback limit, and sessions at offline stations.
	Reserved    []Fixed    `json:"reserved"`
	AllocatedAt *time.Time `json:"allocatedAt,omitempty"`
	// Warnings name what in the model puts the site at risk.
	Warnings []string `json:"warnings,omitempty"`
}

// The states of a session in the views.
const (
	StateCharging  = "charging"  // offered a current and drawing
	StatePaused    = "paused"    // no room for its minimum now
	StateWaiting   = "waiting"   // its price plan waits for cheaper energy
	StateSuspended = "suspended" // offered a current, but the vehicle draws none
	StateOffline   = "offline"   // its station is not connected
	StatePending   = "pending"   // not yet given a limit
)

// Allocation returns a site's allocation as last computed. NotFound: no grid at the site.
func (s *Service) Allocation(ctx context.Context, siteID int64) (*SiteView, error) {
	const op = "smartcharging.Allocation"
	now := s.o.Clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.sites[siteID]
	if st == nil {
		return nil, ladda.Errorf(ladda.NotFound, op, "site %d has no grid connection", siteID)
	}
	v := &SiteView{SiteID: siteID, Grid: st.grid, OtherA: st.otherA[:st.grid.Phases]}
	if c := capacityAt(st.limits, now); c >= 0 {
		v.CapacityW = &c
	}
	if !st.lastAt.IsZero() {
		at := st.lastAt.UTC()
		v.AllocatedAt = &at
	}
	allocated := map[EVSE]float64{}
	for _, l := range st.last {
		allocated[l.EVSE] = roundDown(l.LimitA)
	}
	for e, l := range s.sessions {
		if l.siteID != siteID {
			continue
		}
		v.Sessions = append(v.Sessions, s.sessionView(e, l, allocated[e]))
	}
	slices.SortFunc(v.Sessions, func(a, b SessionView) int { return strings.Compare(a.EVSE.String(), b.EVSE.String()) })
	v.Reserved = append([]Fixed{}, st.fixed...)
	var evses []EVSE
	for id, list := range st.evses {
		for _, n := range list {
			evses = append(evses, EVSE{id, n})
		}
	}
	for _, w := range st.wirings {
		if e := (EVSE{w.StationID, w.EVSEID}); !slices.Contains(evses, e) {
			evses = append(evses, e)
		}
	}
	over, err := FallbackOverloads(st.grid, st.circuits, st.wirings, evses)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	for _, o := range over {
		v.Warnings = append(v.Warnings, o+": sessions beneath it may be paused to keep the fallback free for idle EVSEs, and stations that lose Ladda could overload it; lower the fallback limit")
	}
	return v, nil
}

func (s *Service) sessionView(e EVSE, l *live, allocated float64) SessionView {
	v := SessionView{EVSE: e, TransactionID: l.tx.ID, Priority: l.priority, AllocatedA: allocated, DrawA: l.draw, Verified: l.verified, Plan: l.plan}
	if l.sent {
		o := l.offered
		v.OfferedA = &o
	}
	v.State = stateOf(l, s.placed[e.StationID].connected)
	return v
}

func stateOf(l *live, connected bool) string {
	switch {
	case !connected:
		return StateOffline
	case l.hold:
		return StateWaiting
	case !l.sent:
		return StatePending
	case l.offered == 0:
		return StatePaused
	case len(l.draw) > 0 && maxOf(l.draw) < 0.5:
		return StateSuspended
	}
	return StateCharging
}
