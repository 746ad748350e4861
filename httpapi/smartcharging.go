package httpapi

import (
	"context"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/smartcharging"
)

// needSmartCharging answers Unavailable when Ladda runs without smart charging.
func (s *server) needSmartCharging() error {
	if s.smart == nil {
		return ladda.Errorf(ladda.Unavailable, "httpapi.smartcharging", "smart charging is not configured")
	}
	return nil
}

// managedSite checks that smart charging runs and the caller sees the site.
func (s *server) managedSite(ctx context.Context, id int64) error {
	if err := s.needSmartCharging(); err != nil {
		return err
	}
	_, err := s.site(ctx, id)
	return err
}

// GridBody is a site's grid connection as set through the API.
type GridBody struct {
	Phases         int            `json:"phases,omitempty" minimum:"1" maximum:"3" default:"3" doc:"The site's phases: 1 or 3."`
	LimitA         []float64      `json:"limitA,omitempty" minItems:"1" maxItems:"3" doc:"What each phase may carry, in A: one value for every phase, or one per phase (L1, L2, L3). Give limitA or limitKW."`
	LimitKW        float64        `json:"limitKW,omitempty" minimum:"0" doc:"The connection's limit as a power, spread evenly over the phases at voltageV. Give limitA or limitKW."`
	MarginPercent  float64        `json:"marginPercent,omitempty" minimum:"0" maximum:"50" doc:"Kept free of every limit of the site (and its circuits), for meters that lag and loads that jump."`
	FallbackA      float64        `json:"fallbackA" minimum:"0" doc:"What each EVSE may draw while its station has lost its connection to Ladda; stations get it as their default profile. 0 stops charging then."`
	VoltageV       float64        `json:"voltageV,omitempty" minimum:"100" maximum:"500" doc:"Phase-to-neutral voltage; default 230."`
	MeterStationID string         `json:"meterStationId,omitempty" maxLength:"48" doc:"A station whose meter (EVSE 0) measures the site's whole connection; what it measures beyond the EVs counts as other load."`
	Priorities     []PriorityBody `json:"priorities,omitempty" maxItems:"50" doc:"Customer groups served first: a session of a group with a higher priority gets its share before the others; groups not listed have 0."`
}

// PriorityBody ranks a customer group.
type PriorityBody struct {
	Group    string `json:"group" minLength:"1" maxLength:"64" doc:"As tariffs name groups: fleet:<organisation id>, members, or an OCPP group id."`
	Priority int    `json:"priority" minimum:"-100" maximum:"100"`
}

// Grid is a site's grid connection.
type Grid struct {
	SiteID         int64          `json:"siteId"`
	Phases         int            `json:"phases"`
	LimitA         []float64      `json:"limitA" doc:"Per phase, in A."`
	MarginPercent  float64        `json:"marginPercent"`
	FallbackA      float64        `json:"fallbackA"`
	VoltageV       float64        `json:"voltageV"`
	MeterStationID string         `json:"meterStationId,omitempty"`
	Priorities     []PriorityBody `json:"priorities"`
}

func viewGrid(g *smartcharging.Grid) Grid {
	v := Grid{SiteID: g.SiteID, Phases: g.Phases, LimitA: append([]float64(nil), g.LimitA[:g.Phases]...), MarginPercent: g.MarginPercent,
		FallbackA: g.FallbackA, VoltageV: g.Voltage(), MeterStationID: string(g.MeterStationID), Priorities: []PriorityBody{}}
	for _, p := range g.Priorities {
		v.Priorities = append(v.Priorities, PriorityBody{Group: p.Group, Priority: p.Priority})
	}
	return v
}

type gridOutput struct {
	Body Grid
}

type putGridInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body GridBody
}

// putGrid handles PUT /api/v1/sites/{id}/grid: sets the site's grid connection, which puts
// the site under load management.
func (s *server) putGrid(ctx context.Context, in *putGridInput) (*gridOutput, error) {
	const op = "httpapi.putGrid"
	if err := s.managedSite(ctx, in.ID); err != nil {
		return nil, err
	}
	b := in.Body
	if b.Phases == 0 {
		b.Phases = 3
	}
	g := &smartcharging.Grid{SiteID: in.ID, Phases: b.Phases, MarginPercent: b.MarginPercent, FallbackA: b.FallbackA, VoltageV: b.VoltageV,
		MeterStationID: ladda.StationID(b.MeterStationID)}
	switch {
	case len(b.LimitA) > 0 && b.LimitKW > 0, len(b.LimitA) == 0 && b.LimitKW == 0:
		return nil, ladda.Errorf(ladda.Invalid, op, "give the limit as limitA or as limitKW")
	case b.LimitKW > 0:
		for p := range b.Phases {
			g.LimitA[p] = b.LimitKW * 1000 / (g.Voltage() * float64(b.Phases))
		}
	case len(b.LimitA) == 1:
		for p := range b.Phases {
			g.LimitA[p] = b.LimitA[0]
		}
	case len(b.LimitA) == b.Phases:
		copy(g.LimitA[:], b.LimitA)
	default:
		return nil, ladda.Errorf(ladda.Invalid, op, "limitA has one value, or one per phase")
	}
	for _, p := range b.Priorities {
		g.Priorities = append(g.Priorities, smartcharging.Priority{Group: p.Group, Priority: p.Priority})
	}
	if g.MeterStationID != "" {
		if err := s.visibleStation(ctx, g.MeterStationID); err != nil {
			return nil, err
		}
	}
	if err := s.smart.PutGrid(ctx, g); err != nil {
		return nil, err
	}
	return &gridOutput{Body: viewGrid(g)}, nil
}

// getGrid handles GET /api/v1/sites/{id}/grid.
func (s *server) getGrid(ctx context.Context, in *idInput) (*gridOutput, error) {
	if err := s.managedSite(ctx, in.ID); err != nil {
		return nil, err
	}
	g, err := s.smart.Grid(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &gridOutput{Body: viewGrid(g)}, nil
}

// deleteGrid handles DELETE /api/v1/sites/{id}/grid: the site is no longer managed.
func (s *server) deleteGrid(ctx context.Context, in *idInput) (*struct{}, error) {
	if err := s.managedSite(ctx, in.ID); err != nil {
		return nil, err
	}
	return nil, s.smart.DeleteGrid(ctx, in.ID)
}

// CircuitBody is a circuit as set through the API.
type CircuitBody struct {
	Name     string     `json:"name" minLength:"1" maxLength:"100"`
	ParentID int64      `json:"parentId,omitempty" minimum:"0" doc:"The circuit it hangs from; absent or 0: the site's connection."`
	LimitA   []*float64 `json:"limitA" minItems:"1" maxItems:"3" doc:"What each phase may carry, in A: one value for every phase, or one per phase; null for a phase without a limit of its own."`
}

// Circuit is a branch of a site's installation with limits of its own.
type Circuit struct {
	ID       int64      `json:"id"`
	SiteID   int64      `json:"siteId"`
	ParentID int64      `json:"parentId,omitempty"`
	Name     string     `json:"name"`
	LimitA   []*float64 `json:"limitA" doc:"Per phase (L1, L2, L3), in A; null: no limit of its own."`
}

func viewCircuit(c *smartcharging.Circuit) Circuit {
	v := Circuit{ID: c.ID, SiteID: c.SiteID, ParentID: c.ParentID, Name: c.Name}
	for _, a := range c.LimitA {
		if a < 0 {
			v.LimitA = append(v.LimitA, nil)
		} else {
			v.LimitA = append(v.LimitA, &a)
		}
	}
	return v
}

func (b CircuitBody) domain(siteID int64) *smartcharging.Circuit {
	c := &smartcharging.Circuit{SiteID: siteID, ParentID: b.ParentID, Name: b.Name, LimitA: [3]float64{-1, -1, -1}}
	for p := range 3 {
		a := b.LimitA[min(p, len(b.LimitA)-1)]
		if len(b.LimitA) == 2 && p == 2 {
			a = nil // two values leave L3 without a limit of its own
		}
		if a != nil {
			c.LimitA[p] = *a
		}
	}
	return c
}

type circuitOutput struct {
	Body Circuit
}

type createCircuitInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body CircuitBody
}

// createCircuit handles POST /api/v1/sites/{id}/circuits.
func (s *server) createCircuit(ctx context.Context, in *createCircuitInput) (*circuitOutput, error) {
	if err := s.managedSite(ctx, in.ID); err != nil {
		return nil, err
	}
	c := in.Body.domain(in.ID)
	if err := s.smart.CreateCircuit(ctx, c); err != nil {
		return nil, err
	}
	return &circuitOutput{Body: viewCircuit(c)}, nil
}

type circuitInput struct {
	ID        int64 `path:"id" minimum:"1"`
	CircuitID int64 `path:"circuitId" minimum:"1"`
}

type updateCircuitInput struct {
	ID        int64 `path:"id" minimum:"1"`
	CircuitID int64 `path:"circuitId" minimum:"1"`
	Body      CircuitBody
}

// updateCircuit handles PUT /api/v1/sites/{id}/circuits/{circuitId}.
func (s *server) updateCircuit(ctx context.Context, in *updateCircuitInput) (*circuitOutput, error) {
	if err := s.managedSite(ctx, in.ID); err != nil {
		return nil, err
	}
	c := in.Body.domain(in.ID)
	c.ID = in.CircuitID
	if err := s.smart.UpdateCircuit(ctx, c); err != nil {
		return nil, err
	}
	return &circuitOutput{Body: viewCircuit(c)}, nil
}

// deleteCircuit handles DELETE /api/v1/sites/{id}/circuits/{circuitId}.
func (s *server) deleteCircuit(ctx context.Context, in *circuitInput) (*struct{}, error) {
	if err := s.managedSite(ctx, in.ID); err != nil {
		return nil, err
	}
	return nil, s.smart.DeleteCircuit(ctx, in.ID, in.CircuitID)
}

type circuitsOutput struct {
	Body struct {
		Items []Circuit `json:"items"`
	}
}

// listCircuits handles GET /api/v1/sites/{id}/circuits.
func (s *server) listCircuits(ctx context.Context, in *idInput) (*circuitsOutput, error) {
	if err := s.managedSite(ctx, in.ID); err != nil {
		return nil, err
	}
	list, err := s.smart.Circuits(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	out := &circuitsOutput{}
	out.Body.Items = []Circuit{}
	for _, c := range list {
		out.Body.Items = append(out.Body.Items, viewCircuit(c))
	}
	return out, nil
}

// WiringBody is how an EVSE is wired, as set through the API.
type WiringBody struct {
	CircuitID int64   `json:"circuitId,omitempty" minimum:"0" doc:"The circuit it hangs from; absent or 0: the site's connection."`
	Rotation  string  `json:"rotation,omitempty" enum:"RST,RTS,SRT,STR,TRS,TSR" default:"RST" doc:"Which grid phases the EVSE's L1, L2, L3 are wired to (OCPP phase rotation): RST is L1, L2, L3; STR starts at the grid's L2; and so on."`
	Phases    int     `json:"phases,omitempty" minimum:"1" maximum:"3" default:"3" doc:"How many phases the EVSE is wired with."`
	MinA      float64 `json:"minA,omitempty" minimum:"0" doc:"The lowest current it offers per phase; default 6 A."`
	MaxA      float64 `json:"maxA,omitempty" minimum:"0" maximum:"1000" doc:"The highest current it offers per phase; default 32 A."`
}

// Wiring is how an EVSE is wired.
type Wiring struct {
	StationID string  `json:"stationId"`
	EVSEID    int     `json:"evseId"`
	CircuitID int64   `json:"circuitId,omitempty"`
	Rotation  string  `json:"rotation"`
	Phases    int     `json:"phases"`
	MinA      float64 `json:"minA"`
	MaxA      float64 `json:"maxA"`
}

func viewWiring(w *smartcharging.Wiring) Wiring {
	lo, hi := w.Bounds()
	return Wiring{StationID: string(w.StationID), EVSEID: w.EVSEID, CircuitID: w.CircuitID, Rotation: w.Rotation, Phases: w.Phases, MinA: lo, MaxA: hi}
}

type wiringInput struct {
	ID     string `path:"id" maxLength:"48"`
	EVSEID int    `path:"evseId" minimum:"1"`
}

type putWiringInput struct {
	ID     string `path:"id" maxLength:"48"`
	EVSEID int    `path:"evseId" minimum:"1"`
	Body   WiringBody
}

type wiringOutput struct {
	Body Wiring
}

// putWiring handles PUT /api/v1/stations/{id}/evses/{evseId}/wiring.
func (s *server) putWiring(ctx context.Context, in *putWiringInput) (*wiringOutput, error) {
	if err := s.needSmartCharging(); err != nil {
		return nil, err
	}
	b := in.Body
	if b.Phases == 0 {
		b.Phases = 3
	}
	w := &smartcharging.Wiring{StationID: ladda.StationID(in.ID), EVSEID: in.EVSEID, CircuitID: b.CircuitID, Rotation: b.Rotation, Phases: b.Phases, MinA: b.MinA, MaxA: b.MaxA}
	if err := s.smart.PutWiring(ctx, w); err != nil {
		return nil, err
	}
	return &wiringOutput{Body: viewWiring(w)}, nil
}

// deleteWiring handles DELETE /api/v1/stations/{id}/evses/{evseId}/wiring.
func (s *server) deleteWiring(ctx context.Context, in *wiringInput) (*struct{}, error) {
	if err := s.needSmartCharging(); err != nil {
		return nil, err
	}
	return nil, s.smart.DeleteWiring(ctx, ladda.StationID(in.ID), in.EVSEID)
}

type wiringsOutput struct {
	Body struct {
		Items []Wiring `json:"items"`
	}
}

func wirings(list []*smartcharging.Wiring) *wiringsOutput {
	out := &wiringsOutput{}
	out.Body.Items = []Wiring{}
	for _, w := range list {
		out.Body.Items = append(out.Body.Items, viewWiring(w))
	}
	return out
}

// listSiteWiring handles GET /api/v1/sites/{id}/wiring: how the EVSEs of the site's stations
// are wired (EVSEs not listed hang from the site's connection, RST, three phases).
func (s *server) listSiteWiring(ctx context.Context, in *idInput) (*wiringsOutput, error) {
	if err := s.managedSite(ctx, in.ID); err != nil {
		return nil, err
	}
	list, err := s.smart.Wirings(ctx, in.ID, "")
	if err != nil {
		return nil, err
	}
	return wirings(list), nil
}

// listStationWiring handles GET /api/v1/stations/{id}/wiring.
func (s *server) listStationWiring(ctx context.Context, in *stationIDInput) (*wiringsOutput, error) {
	if err := s.needSmartCharging(); err != nil {
		return nil, err
	}
	list, err := s.smart.Wirings(ctx, 0, ladda.StationID(in.ID))
	if err != nil {
		return nil, err
	}
	return wirings(list), nil
}

// CapacityLimit caps a site's power for a while.
type CapacityLimit struct {
	ID         int64      `json:"id"`
	Kind       string     `json:"kind" enum:"schedule,demand-response"`
	From       time.Time  `json:"from"`
	To         *time.Time `json:"to,omitempty" doc:"Absent for a schedule period that lasts until the next one starts."`
	LimitKW    float64    `json:"limitKW" doc:"The site's total power, all phases."`
	ExternalID string     `json:"externalId,omitempty"`
	Reason     string     `json:"reason,omitempty"`
	CreatedBy  string     `json:"createdBy,omitempty"`
	CreatedAt  time.Time  `json:"createdAt"`
}

func viewLimit(l *smartcharging.CapacityLimit) CapacityLimit {
	return CapacityLimit{ID: l.ID, Kind: l.Kind, From: l.From.UTC(), To: utcPtr(l.To), LimitKW: l.LimitW / 1000, ExternalID: l.ExternalID,
		Reason: l.Reason, CreatedBy: l.CreatedBy, CreatedAt: l.CreatedAt.UTC()}
}

type limitsOutput struct {
	Body struct {
		Items []CapacityLimit `json:"items"`
	}
}

// PeriodBody is one period of a capacity schedule.
type PeriodBody struct {
	From    time.Time  `json:"from"`
	To      *time.Time `json:"to,omitempty" doc:"Absent: until the next period starts (the last: for good)."`
	LimitKW float64    `json:"limitKW" minimum:"0" doc:"The site's total power, all phases, during the period."`
}

type putCapacityInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		Periods []PeriodBody `json:"periods" maxItems:"1000" doc:"In time order; an empty list removes the schedule."`
	} `nameHint:"CapacitySchedule"`
}

// putCapacity handles PUT /api/v1/sites/{id}/capacity-schedule: an energy company's or
// building energy-management system's limits on the site's power over time.
func (s *server) putCapacity(ctx context.Context, in *putCapacityInput) (*limitsOutput, error) {
	if err := s.managedSite(ctx, in.ID); err != nil {
		return nil, err
	}
	var periods []*smartcharging.CapacityLimit
	for _, p := range in.Body.Periods {
		periods = append(periods, &smartcharging.CapacityLimit{From: p.From, To: p.To, LimitW: p.LimitKW * 1000})
	}
	if err := s.smart.SetSchedule(ctx, in.ID, periods, requestedBy(ctx)); err != nil {
		return nil, err
	}
	return s.capacityLimits(ctx, in.ID, smartcharging.KindSchedule)
}

func (s *server) capacityLimits(ctx context.Context, siteID int64, kind string) (*limitsOutput, error) {
	list, err := s.smart.CapacityLimits(ctx, siteID, kind)
	if err != nil {
		return nil, err
	}
	out := &limitsOutput{}
	out.Body.Items = []CapacityLimit{}
	for _, l := range list {
		out.Body.Items = append(out.Body.Items, viewLimit(l))
	}
	return out, nil
}

// getCapacity handles GET /api/v1/sites/{id}/capacity-schedule: the periods that have not
// ended.
func (s *server) getCapacity(ctx context.Context, in *idInput) (*limitsOutput, error) {
	if err := s.managedSite(ctx, in.ID); err != nil {
		return nil, err
	}
	return s.capacityLimits(ctx, in.ID, smartcharging.KindSchedule)
}

type addDemandResponseInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		From       time.Time `json:"from"`
		To         time.Time `json:"to"`
		LimitKW    float64   `json:"limitKW" minimum:"0" doc:"Reduce the site's total power to this."`
		ExternalID string    `json:"externalId,omitempty" maxLength:"100" doc:"The sender's id of the event; a second event with the same id is a conflict."`
		Reason     string    `json:"reason,omitempty" maxLength:"200"`
	} `nameHint:"DemandResponseEvent"`
}

type limitOutput struct {
	Body CapacityLimit
}

// addDemandResponse handles POST /api/v1/sites/{id}/demand-response.
func (s *server) addDemandResponse(ctx context.Context, in *addDemandResponseInput) (*limitOutput, error) {
	if err := s.managedSite(ctx, in.ID); err != nil {
		return nil, err
	}
	b := in.Body
	to := b.To
	l := &smartcharging.CapacityLimit{SiteID: in.ID, From: b.From, To: &to, LimitW: b.LimitKW * 1000, ExternalID: b.ExternalID, Reason: b.Reason}
	if err := s.smart.AddDemandResponse(ctx, l, requestedBy(ctx)); err != nil {
		return nil, err
	}
	return &limitOutput{Body: viewLimit(l)}, nil
}

// listDemandResponse handles GET /api/v1/sites/{id}/demand-response: events not yet ended.
func (s *server) listDemandResponse(ctx context.Context, in *idInput) (*limitsOutput, error) {
	if err := s.managedSite(ctx, in.ID); err != nil {
		return nil, err
	}
	return s.capacityLimits(ctx, in.ID, smartcharging.KindDemandResponse)
}

type eventInput struct {
	ID      int64 `path:"id" minimum:"1"`
	EventID int64 `path:"eventId" minimum:"1"`
}

// cancelDemandResponse handles DELETE /api/v1/sites/{id}/demand-response/{eventId}.
func (s *server) cancelDemandResponse(ctx context.Context, in *eventInput) (*struct{}, error) {
	if err := s.managedSite(ctx, in.ID); err != nil {
		return nil, err
	}
	return nil, s.smart.CancelDemandResponse(ctx, in.ID, in.EventID)
}

type putLoadInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		CurrentA []float64 `json:"currentA,omitempty" minItems:"1" maxItems:"3" doc:"What the other loads draw per phase, in A: one value for every phase or one per phase."`
		PowerKW  *float64  `json:"powerKW,omitempty" minimum:"0" doc:"Or as a power, spread evenly over the site's phases."`
	} `nameHint:"SiteLoad"`
}

// putLoad handles PUT /api/v1/sites/{id}/load: what the site's other loads (a building, heat
// pumps) draw now, for sites without a site meter. It holds until the next report.
func (s *server) putLoad(ctx context.Context, in *putLoadInput) (*struct{}, error) {
	const op = "httpapi.putLoad"
	if err := s.managedSite(ctx, in.ID); err != nil {
		return nil, err
	}
	g, err := s.smart.Grid(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	var a [3]float64
	b := in.Body
	switch {
	case (len(b.CurrentA) > 0) == (b.PowerKW != nil):
		return nil, ladda.Errorf(ladda.Invalid, op, "give the load as currentA or as powerKW")
	case b.PowerKW != nil:
		for p := range g.Phases {
			a[p] = *b.PowerKW * 1000 / (g.Voltage() * float64(g.Phases))
		}
	case len(b.CurrentA) == 1:
		for p := range g.Phases {
			a[p] = b.CurrentA[0]
		}
	case len(b.CurrentA) == g.Phases:
		copy(a[:], b.CurrentA)
	default:
		return nil, ladda.Errorf(ladda.Invalid, op, "currentA has one value, or one per phase")
	}
	return nil, s.smart.ReportLoad(ctx, in.ID, a)
}

// AllocatedSession is a session of a managed site as the allocation last saw it.
type AllocatedSession struct {
	StationID     string    `json:"stationId"`
	EVSEID        int       `json:"evseId"`
	TransactionID int64     `json:"transactionId"`
	Priority      int       `json:"priority"`
	AllocatedA    float64   `json:"allocatedA" doc:"What the last allocation gave it, per phase."`
	OfferedA      *float64  `json:"offeredA,omitempty" doc:"The limit its station accepted last; absent before the first."`
	DrawA         []float64 `json:"drawA,omitempty" doc:"What it was last measured drawing, per phase."`
	State         string    `json:"state" enum:"charging,paused,waiting,suspended,offline,pending" doc:"charging; paused: no room for its minimum now; waiting: its price plan waits for cheaper energy; suspended: offered current, but the vehicle draws none; offline: its station is not connected (its room is kept); pending: not yet given a limit."`
	Verified      *bool     `json:"verified,omitempty" doc:"Whether the station's composite schedule, asked after the first limit, keeps to it."`
	Plan          []Window  `json:"plan,omitempty" doc:"When its price plan charges."`
}

// Window is a stretch of time.
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

func viewWindows(ws []smartcharging.Window) []Window {
	var out []Window
	for _, w := range ws {
		out = append(out, Window{From: w.From.UTC(), To: w.To.UTC()})
	}
	return out
}

// Allocation is a managed site's allocation now.
type Allocation struct {
	SiteID      int64              `json:"siteId"`
	LimitA      []float64          `json:"limitA" doc:"The grid connection's limit per phase."`
	CapacityKW  *float64           `json:"capacityKW,omitempty" doc:"The capacity limit in force now (schedule or demand response), if any."`
	OtherA      []float64          `json:"otherA" doc:"What the site's other loads draw per phase."`
	Sessions    []AllocatedSession `json:"sessions"`
	Reserved    []ReservedEVSE     `json:"reserved" doc:"The room kept for EVSEs Ladda cannot steer in time: idle ones, where a car may start at the fallback limit before Ladda hears of it, and sessions at offline stations."`
	AllocatedAt *time.Time         `json:"allocatedAt,omitempty"`
	Warnings    []string           `json:"warnings,omitempty" doc:"What in the site's model puts it at risk, such as a fallback limit that all EVSEs together could not draw without overloading the site."`
}

// ReservedEVSE is room the allocation keeps for an EVSE.
type ReservedEVSE struct {
	StationID string  `json:"stationId"`
	EVSEID    int     `json:"evseId"`
	CurrentA  float64 `json:"currentA" doc:"The current kept free on each of its phases."`
	Phases    int     `json:"phases"`
	Why       string  `json:"why" enum:"idle,offline" doc:"idle: no session, a car may start at the fallback limit; offline: a session at a station that is not connected."`
}

type allocationOutput struct {
	Body Allocation
}

// getAllocation handles GET /api/v1/sites/{id}/allocation.
func (s *server) getAllocation(ctx context.Context, in *idInput) (*allocationOutput, error) {
	if err := s.managedSite(ctx, in.ID); err != nil {
		return nil, err
	}
	v, err := s.smart.Allocation(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	out := Allocation{SiteID: v.SiteID, LimitA: append([]float64(nil), v.Grid.LimitA[:v.Grid.Phases]...), OtherA: v.OtherA, Sessions: []AllocatedSession{}, AllocatedAt: v.AllocatedAt}
	if v.CapacityW != nil {
		kw := *v.CapacityW / 1000
		out.CapacityKW = &kw
	}
	out.Reserved, out.Warnings = make([]ReservedEVSE, 0, len(v.Reserved)), v.Warnings
	for _, x := range v.Reserved {
		out.Reserved = append(out.Reserved, ReservedEVSE{StationID: string(x.StationID), EVSEID: x.EVSEID, CurrentA: x.CurrentA, Phases: x.Phases, Why: x.Why})
	}
	for _, x := range v.Sessions {
		out.Sessions = append(out.Sessions, AllocatedSession{StationID: string(x.StationID), EVSEID: x.EVSEID, TransactionID: int64(x.TransactionID), Priority: x.Priority,
			AllocatedA: x.AllocatedA, OfferedA: x.OfferedA, DrawA: x.DrawA, State: x.State, Verified: x.Verified, Plan: viewWindows(x.Plan)})
	}
	return &allocationOutput{Body: out}, nil
}

// ChargingNeeds is what a session's vehicle needs.
type ChargingNeeds struct {
	DepartureAt *time.Time `json:"departureAt,omitempty" doc:"When the vehicle leaves: with a price schedule at the site, Ladda charges in the cheapest hours before it."`
	EnergyWh    float64    `json:"energyWh,omitempty" minimum:"0" doc:"Energy still wanted now, in Wh (stored counted from the session's start)."`
	CapacityWh  float64    `json:"capacityWh,omitempty" minimum:"0" doc:"The battery's capacity, in Wh."`
	SoC         *float64   `json:"soc,omitempty" minimum:"0" maximum:"100" doc:"State of charge now, in %."`
	TargetSoC   *float64   `json:"targetSoc,omitempty" minimum:"0" maximum:"100" doc:"State of charge wanted at departure, in %."`
	MinA        float64    `json:"minA,omitempty" minimum:"0" doc:"The lowest current the vehicle charges at, per phase."`
	MaxA        float64    `json:"maxA,omitempty" minimum:"0" doc:"The highest current it takes, per phase."`
	Phases      int        `json:"phases,omitempty" minimum:"0" maximum:"3" doc:"How many phases it uses."`
}

type putNeedsInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body ChargingNeeds
}

// StoredNeeds is what a session's vehicle asked for, as Ladda keeps it.
type StoredNeeds struct {
	ChargingNeeds
	Source    string    `json:"source" enum:"station,api" doc:"station: the vehicle through the station (OCPP 2.0.1 NotifyEVChargingNeeds, ISO 15118); api: set through this API."`
	UpdatedAt time.Time `json:"updatedAt"`
}

func viewNeeds(n *smartcharging.Needs) *StoredNeeds {
	if n == nil {
		return nil
	}
	return &StoredNeeds{ChargingNeeds: ChargingNeeds{DepartureAt: utcPtr(n.DepartureAt), EnergyWh: n.EnergyWh, CapacityWh: n.CapacityWh, SoC: n.SoC,
		TargetSoC: n.TargetSoC, MinA: n.MinA, MaxA: n.MaxA, Phases: n.Phases}, Source: n.Source, UpdatedAt: n.UpdatedAt.UTC()}
}

type needsOutput struct {
	Body StoredNeeds
}

// putNeeds handles PUT /api/v1/transactions/{id}/charging-needs: the driver's (or their
// app's) departure time and energy wanted.
func (s *server) putNeeds(ctx context.Context, in *putNeedsInput) (*needsOutput, error) {
	if err := s.needSmartCharging(); err != nil {
		return nil, err
	}
	if _, err := s.transaction(ctx, in.ID); err != nil {
		return nil, err
	}
	b := in.Body
	n := &smartcharging.Needs{TransactionID: ladda.TransactionID(in.ID), DepartureAt: b.DepartureAt, EnergyWh: b.EnergyWh, CapacityWh: b.CapacityWh,
		SoC: b.SoC, TargetSoC: b.TargetSoC, MinA: b.MinA, MaxA: b.MaxA, Phases: b.Phases, Source: "api"}
	if err := s.smart.SetNeeds(ctx, n); err != nil {
		return nil, err
	}
	return &needsOutput{Body: *viewNeeds(n)}, nil
}

// Vehicle is the vehicle charging in a session, now.
type Vehicle struct {
	TransactionID int64        `json:"transactionId"`
	StationID     string       `json:"stationId"`
	EVSEID        int          `json:"evseId"`
	Active        bool         `json:"active"`
	State         string       `json:"state" enum:"charging,paused,waiting,suspended,offline,pending,unmanaged,ended" doc:"As in a site's allocation; unmanaged: its site has no grid connection set (Ladda does not limit it); ended: the session is over."`
	PowerW        *float64     `json:"powerW,omitempty" doc:"The power it draws now, as last measured."`
	CurrentA      []float64    `json:"currentA,omitempty" doc:"The current per phase, as last measured."`
	EnergyWh      float64      `json:"energyWh" doc:"Energy delivered so far."`
	SoC           *float64     `json:"soc,omitempty" doc:"State of charge, in %, where the station reports it."`
	LimitA        *float64     `json:"limitA,omitempty" doc:"The limit per phase its station accepted last."`
	Needs         *StoredNeeds `json:"needs,omitempty"`
	RemainingWh   *float64     `json:"remainingWh,omitempty" doc:"Energy it still wants, where known."`
	DoneAt        *time.Time   `json:"doneAt,omitempty" doc:"Estimated time it is full or has what it asked for: by its price plan, by its own plan (evSchedule), at the power now, or from the pace of its state of charge."`
	Plan          []Window     `json:"plan,omitempty"`
	EVSchedule    *EVSchedule  `json:"evSchedule,omitempty" doc:"The vehicle's own charging plan (ISO 15118, 2.0.1 NotifyEVChargingSchedule), when it sent one."`
	MeasuredAt    *time.Time   `json:"measuredAt,omitempty"`
}

// EVSchedule is how an ISO 15118 vehicle plans to charge within the limit it was given.
type EVSchedule struct {
	Start      time.Time        `json:"start" doc:"When its first period starts."`
	Duration   *int             `json:"duration,omitempty" doc:"Seconds; absent: the last period lasts."`
	RateUnit   string           `json:"rateUnit" enum:"A,W" doc:"The unit of the limits: amperes per phase or watts."`
	Periods    []SchedulePeriod `json:"periods" nullable:"false"`
	Accepted   bool             `json:"accepted" doc:"Whether it kept within Ladda's limit when it came. Only an accepted schedule gives the finish time; Ladda answers another Rejected and sends the limit again."`
	ReceivedAt time.Time        `json:"receivedAt"`
}

func viewEVSchedule(ev *smartcharging.EVSchedule) *EVSchedule {
	if ev == nil {
		return nil
	}
	return &EVSchedule{Start: ev.Start.UTC(), Duration: ev.Schedule.Duration, RateUnit: ev.Schedule.RateUnit, Periods: viewPeriods(ev.Schedule.Periods),
		Accepted: ev.Accepted, ReceivedAt: ev.ReceivedAt.UTC()}
}

type vehicleOutput struct {
	Body Vehicle
}

// getVehicle handles GET /api/v1/transactions/{id}/vehicle.
func (s *server) getVehicle(ctx context.Context, in *idInput) (*vehicleOutput, error) {
	if err := s.needSmartCharging(); err != nil {
		return nil, err
	}
	if _, err := s.transaction(ctx, in.ID); err != nil {
		return nil, err
	}
	v, err := s.smart.Vehicle(ctx, ladda.TransactionID(in.ID))
	if err != nil {
		return nil, err
	}
	return &vehicleOutput{Body: Vehicle{TransactionID: int64(v.TransactionID), StationID: string(v.StationID), EVSEID: v.EVSEID, Active: v.Active, State: v.State,
		PowerW: v.PowerW, CurrentA: v.CurrentA, EnergyWh: v.EnergyWh, SoC: v.SoC, LimitA: v.LimitA, Needs: viewNeeds(v.Needs), RemainingWh: v.RemainingWh,
		DoneAt: v.DoneAt, Plan: viewWindows(v.Plan), EVSchedule: viewEVSchedule(v.EVSchedule), MeasuredAt: v.MeasuredAt}}, nil
}
