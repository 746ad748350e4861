package ocpptest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
)

// Defaults of Car.
const (
	DefaultCarMaxA = 16.0 // an 11 kW three-phase car
	DefaultCarMinA = 6.0  // the least current IEC 61851 lets a car charge with
)

// ErrDriven is Session.Drive's answer for a session that a car charges already.
var ErrDriven = errors.New("ocpptest: a car charges the session already")

// Car is a simulated electric vehicle, charged by Session.Drive. It draws what the station's
// charging profiles allow its connector (Station.Limit), no more than MaxA, on each of its
// Phases at PhaseVoltage; offered less than MinA it pauses at 0 A. Once it has NeedWh (or a
// full battery) it draws nothing more, and leaves or stays as LeaveWhenFull says. The zero
// Car is a three-phase 16 A car that charges without end.
type Car struct {
	// MaxA is the most the car draws, in A per phase. Default DefaultCarMaxA.
	MaxA float64
	// MinA is the least current the car charges with, in A per phase: offered less, it pauses
	// at 0 A until offered more. Default DefaultCarMinA; no more than MaxA.
	MinA float64
	// Phases is how many phases the car charges on, 1 to 3. Default 3.
	Phases int
	// CapacityWh is the battery's capacity in Wh. A car with one reports its state of charge
	// (SoC) and wants no more than fills it; 0 for a car that reports none.
	CapacityWh float64
	// StartSoC is the battery's state of charge when Drive begins, in % (0 to 100).
	StartSoC float64
	// NeedWh is the energy the car wants from the start of Drive, in Wh; 0 for as much as
	// fills its battery, or without end when it has no CapacityWh.
	NeedWh float64
	// LeaveWhenFull makes the car leave once it has what it needs: the session stops with
	// reason EVDisconnected. Otherwise it stays connected, drawing nothing (SuspendedEV).
	LeaveWhenFull bool
	// Speed is how many simulated seconds go by in a real second, for the energy only (the
	// charging schedules follow Config.Clock): 3600 charges an hour's energy in a second.
	// 0 means 1.
	Speed float64
}

// withDefaults returns the car with its defaults filled in, or an error naming a bad field.
func (c Car) withDefaults() (Car, error) {
	if c.MaxA == 0 {
		c.MaxA = DefaultCarMaxA
	}
	if c.MinA == 0 {
		c.MinA = min(DefaultCarMinA, c.MaxA)
	}
	if c.Phases == 0 {
		c.Phases = 3
	}
	if c.Speed == 0 {
		c.Speed = 1
	}
	bad := func(v float64) bool { return v < 0 || math.IsNaN(v) || math.IsInf(v, 0) }
	switch {
	case bad(c.MaxA):
		return c, fmt.Errorf("Car.MaxA %v is not a current", c.MaxA)
	case bad(c.MinA) || c.MinA > c.MaxA:
		return c, fmt.Errorf("Car.MinA %v is not a current up to MaxA %v", c.MinA, c.MaxA)
	case c.Phases < 1 || c.Phases > 3:
		return c, fmt.Errorf("Car.Phases %d is not 1 to 3", c.Phases)
	case bad(c.CapacityWh):
		return c, fmt.Errorf("Car.CapacityWh %v is not an energy", c.CapacityWh)
	case bad(c.StartSoC) || c.StartSoC > 100:
		return c, fmt.Errorf("Car.StartSoC %v is not 0 to 100 %%", c.StartSoC)
	case bad(c.NeedWh):
		return c, fmt.Errorf("Car.NeedWh %v is not an energy", c.NeedWh)
	case bad(c.Speed):
		return c, fmt.Errorf("Car.Speed %v is not a speed", c.Speed)
	}
	return c, nil
}

// needWh is the energy the car wants: NeedWh, no more than fills its battery; +Inf when
// neither bounds it.
func (c Car) needWh() float64 {
	need := math.Inf(1)
	if c.NeedWh > 0 {
		need = c.NeedWh
	}
	if c.CapacityWh > 0 {
		need = min(need, c.CapacityWh*(100-c.StartSoC)/100)
	}
	return need
}

// chargeState is what a driven car is doing.
type chargeState int

const (
	stateCharging      chargeState = iota
	stateSuspendedEVSE             // offered less than its MinA
	stateSuspendedEV               // it has what it needs
)

// status is the connector status of the state (1.6).
func (c chargeState) status() ConnectorStatus {
	switch c {
	case stateSuspendedEVSE:
		return StatusSuspendedEVSE
	case stateSuspendedEV:
		return StatusSuspendedEV
	}
	return StatusCharging
}

// state201 is the 2.0.1 charging state of the state.
func (c chargeState) state201() v201.ChargingState {
	switch c {
	case stateSuspendedEVSE:
		return v201.ChargingStateSuspendedEVSE
	case stateSuspendedEV:
		return v201.ChargingStateSuspendedEV
	}
	return v201.ChargingStateCharging
}

// drive is a car charging a session (Session.Drive). Guarded by the session's mu.
type drive struct {
	car       Car
	needWh    float64
	gotWh     float64   // received since Drive began
	full      bool      // gotWh reached needWh
	last      time.Time // real time up to which gotWh is counted
	currentA  float64   // drawn now, per phase
	state     chargeState
	announced chargeState   // the state last reported (the session starts Charging)
	wake      chan struct{} // a new limit was taken: the state may need reporting
}

// settleLocked counts the energy received from d.last until now at the current drawn then,
// stopping the car where it has what it needs.
func (x *Session) settleLocked(now time.Time) {
	d := x.drive
	dt := now.Sub(d.last)
	if dt <= 0 {
		return
	}
	d.last = now
	if d.currentA <= 0 {
		return
	}
	wh := d.currentA * PhaseVoltage * float64(d.car.Phases) * dt.Hours() * d.car.Speed
	if d.gotWh+wh >= d.needWh {
		wh = d.needWh - d.gotWh
		d.full, d.currentA, d.state = true, 0, stateSuspendedEV
	}
	d.gotWh += wh
	x.energyWh += wh
}

// relimitLocked settles the energy until now and takes the limit in force now: the car draws
// min(MaxA, Station.Limit, its own plan), or pauses below MinA, or draws nothing when it has what it needs.
// It takes the station's mu: the session's comes first.
func (x *Session) relimitLocked(now time.Time) {
	d := x.drive
	x.settleLocked(now)
	if d.full || d.gotWh >= d.needWh {
		d.full, d.currentA, d.state = true, 0, stateSuspendedEV
		return
	}
	amps, _ := x.st.Limit(x.Connector)
	a := min(d.car.MaxA, amps, x.plannedLocked(now))
	if a < d.car.MinA {
		d.currentA, d.state = 0, stateSuspendedEVSE
		return
	}
	d.currentA, d.state = a, stateCharging
}

// relimit makes a driven session's car take the limit in force now, at once; Drive reports
// a change of its charging state shortly after (once the answer to the CALL that changed the
// limit is out).
func (x *Session) relimit() {
	x.mu.Lock()
	d := x.drive
	if d == nil || x.stopped {
		x.mu.Unlock()
		return
	}
	x.relimitLocked(time.Now())
	x.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// CurrentA returns the current the session's car draws now, in A on each of its phases: 0
// when no car charges it (Drive is not running) or it has stopped.
func (x *Session) CurrentA() float64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	d := x.drive
	if d == nil || x.stopped {
		return 0
	}
	x.settleLocked(time.Now())
	return d.currentA
}

// Drive charges the session with car until the session ends (nil: a remote stop, a reset,
// the car leaving) or ctx does (ctx's error); another error is a message the CSMS did not
// take. The car charges as a real one does:
//
//   - It takes a new limit at once: when a SetChargingProfile or ClearChargingProfile changes
//     what the profiles allow its connector, CurrentA is the new current before the station's
//     answer goes out. A limit that changes with time (the next period of a schedule, the end
//     of a profile's validity) is taken at the next meter interval.
//   - Every meter interval (Station.MeterInterval) it reports, as Session.Meter does, the
//     register, and the real power (Power.Active.Import in W: CurrentA × PhaseVoltage ×
//     Phases), Current.Import in A on each phase it uses (L1, L2, L3), and with a battery its
//     SoC in %. 2.0.1 reports chargingState Charging, SuspendedEVSE (paused below MinA) or
//     SuspendedEV (full).
//   - Energy counts between those moments at the power drawn, times Car.Speed.
//   - When it pauses, resumes or is full it says so, shortly after the change of limit or at
//     the interval that finds it full: 1.6 StatusNotification SuspendedEVSE, Charging or
//     SuspendedEV; 2.0.1 TransactionEvent Updated with trigger ChargingStateChanged.
//   - Full, a car that leaves (LeaveWhenFull) stops the session with reason EVDisconnected
//     instead, after its last meter values.
//
// While it runs, Session.Meter and triggered meter values report the car's energy and power
// rather than the energy they are given. ErrDriven when a car charges the session already,
// ErrSessionStopped when it has stopped.
func (x *Session) Drive(ctx context.Context, car Car) error {
	s := x.st
	car, err := car.withDefaults()
	if err != nil {
		return fmt.Errorf("ocpptest: %s: drive transaction %s: %w", s.cfg.ID, x.TransactionID, err)
	}
	d := &drive{car: car, needWh: car.needWh(), last: time.Now(), wake: make(chan struct{}, 1)}
	x.mu.Lock()
	switch {
	case x.stopped:
		x.mu.Unlock()
		return fmt.Errorf("ocpptest: %s: drive transaction %s: %w", s.cfg.ID, x.TransactionID, ErrSessionStopped)
	case x.drive != nil:
		x.mu.Unlock()
		return fmt.Errorf("ocpptest: %s: drive transaction %s: %w", s.cfg.ID, x.TransactionID, ErrDriven)
	}
	x.drive = d
	x.relimitLocked(d.last)
	x.mu.Unlock()
	defer x.park(d)

	// ended turns the session's end into nil, and a message lost to it into nil too.
	ended := func(err error) error {
		if errors.Is(err, ErrSessionStopped) {
			return nil
		}
		select {
		case <-x.done:
			return nil
		default:
			return err
		}
	}
	if err := x.announce(ctx); err != nil { // a car that must pause from the start
		return ended(err)
	}
	next := time.Now().Add(s.MeterInterval())
	for {
		t := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-x.done:
			t.Stop()
			return nil
		case <-d.wake:
			t.Stop()
			if err := x.afterAnswer(ctx); err != nil {
				return ended(err)
			}
			continue
		case <-t.C:
		}
		if next = next.Add(s.MeterInterval()); next.Before(time.Now()) {
			next = time.Now().Add(s.MeterInterval())
		}
		x.mu.Lock()
		x.relimitLocked(time.Now())
		full := d.full
		x.mu.Unlock()
		if err := x.report(ctx, 0, false); err != nil {
			return ended(err)
		}
		if full && car.LeaveWhenFull {
			return ended(x.Stop(ctx, string(v201.ReasonEVDisconnected)))
		}
		if err := x.announce(ctx); err != nil {
			return ended(err)
		}
	}
}

// afterAnswer waits until the answer to the CALL that woke the car is out, then reports a
// change of its charging state.
func (x *Session) afterAnswer(ctx context.Context) error {
	t := time.NewTimer(answerGap)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-x.done:
		return ErrSessionStopped
	case <-t.C:
	}
	return x.announce(ctx)
}

// announce reports the car's charging state when it changed since it was last reported: 1.6
// StatusNotification, 2.0.1 TransactionEvent Updated with trigger ChargingStateChanged.
func (x *Session) announce(ctx context.Context) error {
	s := x.st
	x.mu.Lock()
	d := x.drive
	if d == nil || x.stopped || d.state == d.announced {
		x.mu.Unlock()
		return nil
	}
	state := d.state
	d.announced = state
	x.seq++
	seq := x.seq
	x.mu.Unlock()
	if s.cfg.Version == V16 {
		return s.StatusNotification(ctx, x.Connector, state.status())
	}
	return s.call(ctx, "TransactionEvent", &v201.TransactionEventRequest{
		EventType:       v201.TransactionEventUpdated,
		Timestamp:       s.now(),
		TriggerReason:   v201.TriggerReasonChargingStateChanged,
		SeqNo:           seq,
		TransactionInfo: v201.Transaction{TransactionID: x.TransactionID, ChargingState: state.state201()},
	}, nil)
}

// park ends the car's drive: the energy so far stays with the session.
func (x *Session) park(d *drive) {
	x.mu.Lock()
	if x.drive != d {
		x.mu.Unlock()
		return
	}
	stopped := x.stopped
	if !stopped {
		x.settleLocked(time.Now())
	}
	x.drive = nil
	register := x.MeterStartWh + x.energyWh
	x.mu.Unlock()
	if !stopped {
		x.st.setRegister(x.Connector, register)
	}
}

// reading is what a meter measures besides the energy register.
type reading struct {
	powerW   float64
	currentA float64 // per phase, on phases phases
	phases   int     // 0: no Current.Import
	soc      float64
	hasSoC   bool
}

// readingLocked is what the meter of a driven session measures now.
func (x *Session) readingLocked() reading {
	d := x.drive
	r := reading{powerW: d.currentA * PhaseVoltage * float64(d.car.Phases), currentA: d.currentA, phases: d.car.Phases}
	if c := d.car; c.CapacityWh > 0 {
		r.soc, r.hasSoC = min(100, c.StartSoC+100*d.gotWh/c.CapacityWh), true
	}
	return r
}

var phases16 = []v16.Phase{v16.PhaseL1, v16.PhaseL2, v16.PhaseL3}
var phases201 = []v201.Phase{v201.PhaseL1, v201.PhaseL2, v201.PhaseL3}

// formatFloat formats a 1.6 sampled value.
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// round1 rounds to one decimal.
func round1(v float64) float64 { return math.Round(v*10) / 10 }

// add16 adds the reading's currents and state of charge to a 1.6 meter value.
func (r reading) add16(mv *v16.MeterValue, rc v16.ReadingContext) {
	for _, ph := range phases16[:r.phases] {
		mv.SampledValue = append(mv.SampledValue, v16.SampledValue{
			Value:     formatFloat(round1(r.currentA)),
			Context:   rc,
			Measurand: v16.MeasurandCurrentImport,
			Phase:     ph,
			Location:  v16.LocationOutlet,
			Unit:      v16.UnitOfMeasureA,
		})
	}
	if r.hasSoC {
		mv.SampledValue = append(mv.SampledValue, v16.SampledValue{
			Value:     formatFloat(round1(r.soc)),
			Context:   rc,
			Measurand: v16.MeasurandSoC,
			Location:  v16.LocationEV,
			Unit:      v16.UnitOfMeasurePercent,
		})
	}
}

// add201 adds the reading's currents and state of charge to a 2.0.1 meter value.
func (r reading) add201(mv *v201.MeterValue, rc v201.ReadingContext) {
	for _, ph := range phases201[:r.phases] {
		mv.SampledValue = append(mv.SampledValue, v201.SampledValue{
			Value:         round1(r.currentA),
			Context:       rc,
			Measurand:     v201.MeasurandCurrentImport,
			Phase:         ph,
			Location:      v201.LocationOutlet,
			UnitOfMeasure: &v201.UnitOfMeasure{Unit: "A"},
		})
	}
	if r.hasSoC {
		mv.SampledValue = append(mv.SampledValue, v201.SampledValue{
			Value:         round1(r.soc),
			Context:       rc,
			Measurand:     v201.MeasurandSoC,
			Location:      v201.LocationEV,
			UnitOfMeasure: &v201.UnitOfMeasure{Unit: "Percent"},
		})
	}
}

// ChargingNeeds is what a car tells the station it needs at the start of a session, for
// NotifyEVChargingNeeds (2.0.1 K15-K17).
type ChargingNeeds struct {
	// Car is the car: its phases give the requested energy transfer (AC_single_phase,
	// AC_two_phase, AC_three_phase), its need (NeedWh, or what fills its battery) the
	// energyAmount, MinA and MaxA evMinCurrent and evMaxCurrent.
	Car Car
	// Departure is when the driver means to leave; zero when the car does not say.
	Departure time.Time
}

// NotifyNeeds sends the car's charging needs for the session's EVSE (2.0.1
// NotifyEVChargingNeeds, with acChargingParameters and evMaxVoltage PhaseVoltage) and returns
// the CSMS's status: Accepted, Rejected or Processing. ErrNotInVersion in 1.6; an error when
// the car's need has no bound (neither NeedWh nor CapacityWh).
func (x *Session) NotifyNeeds(ctx context.Context, needs ChargingNeeds) (string, error) {
	s := x.st
	if s.cfg.Version != V201 {
		return "", fmt.Errorf("ocpptest: %s NotifyEVChargingNeeds: %w", s.cfg.ID, ErrNotInVersion)
	}
	car, err := needs.Car.withDefaults()
	if err != nil {
		return "", fmt.Errorf("ocpptest: %s NotifyEVChargingNeeds: %w", s.cfg.ID, err)
	}
	need := car.needWh()
	if math.IsInf(need, 1) {
		return "", fmt.Errorf("ocpptest: %s NotifyEVChargingNeeds: the car's need has no bound: give it NeedWh or CapacityWh", s.cfg.ID)
	}
	x.mu.Lock()
	stopped := x.stopped
	x.mu.Unlock()
	if stopped {
		return "", fmt.Errorf("ocpptest: %s NotifyEVChargingNeeds: transaction %s: %w", s.cfg.ID, x.TransactionID, ErrSessionStopped)
	}
	mode := v201.EnergyTransferModeACThreePhase
	switch car.Phases {
	case 1:
		mode = v201.EnergyTransferModeACSinglePhase
	case 2:
		mode = v201.EnergyTransferModeACTwoPhase
	}
	req := &v201.NotifyEVChargingNeedsRequest{
		EVSEID: x.Connector,
		ChargingNeeds: v201.ChargingNeeds{
			RequestedEnergyTransfer: mode,
			ACChargingParameters: &v201.ACChargingParameters{
				EnergyAmount: int(math.Round(need)),
				EVMinCurrent: int(math.Round(car.MinA)),
				EVMaxCurrent: int(math.Round(car.MaxA)),
				EVMaxVoltage: int(PhaseVoltage),
			},
		},
	}
	if !needs.Departure.IsZero() {
		t := needs.Departure.UTC().Truncate(time.Millisecond)
		req.ChargingNeeds.DepartureTime = &t
	}
	var out v201.NotifyEVChargingNeedsResponse
	if err := s.call(ctx, "NotifyEVChargingNeeds", req, &out); err != nil {
		return "", err
	}
	return string(out.Status), nil
}

// PlanPeriod is one period of a car's own charging plan (ISO 15118): from After the plan's
// start, the car draws at most LimitA on each phase.
type PlanPeriod struct {
	After  time.Duration
	LimitA float64
}

// NotifySchedule sends the car's own charging plan for the session's EVSE (2.0.1
// NotifyEVChargingSchedule, in A, whole seconds from start) and returns the CSMS's status.
// Whatever the status, a driven car keeps to its plan from then on, as well as to the
// station's limit: from its last period's start it draws at most that period's limit.
// ErrNotInVersion in 1.6.
func (x *Session) NotifySchedule(ctx context.Context, start time.Time, plan []PlanPeriod) (string, error) {
	s := x.st
	if s.cfg.Version != V201 {
		return "", fmt.Errorf("ocpptest: %s NotifyEVChargingSchedule: %w", s.cfg.ID, ErrNotInVersion)
	}
	if len(plan) == 0 || plan[0].After != 0 {
		return "", fmt.Errorf("ocpptest: %s NotifyEVChargingSchedule: a plan starts with a period at 0", s.cfg.ID)
	}
	start = start.UTC().Truncate(time.Second)
	sched := v201.ChargingSchedule{ID: 1, ChargingRateUnit: v201.ChargingRateUnitA}
	for _, p := range plan {
		sched.ChargingSchedulePeriod = append(sched.ChargingSchedulePeriod, v201.ChargingSchedulePeriod{StartPeriod: int(p.After / time.Second), Limit: p.LimitA})
	}
	x.mu.Lock()
	x.plan, x.planFrom = slices.Clone(plan), start
	x.mu.Unlock()
	x.relimit()
	var out v201.NotifyEVChargingScheduleResponse
	if err := s.call(ctx, "NotifyEVChargingSchedule", &v201.NotifyEVChargingScheduleRequest{TimeBase: start, ChargingSchedule: sched, EVSEID: x.Connector}, &out); err != nil {
		return "", err
	}
	return string(out.Status), nil
}

// plannedLocked is what the car's own plan allows at t: no bound without a plan or before
// it starts.
func (x *Session) plannedLocked(t time.Time) float64 {
	out := math.Inf(1)
	for _, p := range x.plan {
		if !t.Before(x.planFrom.Add(p.After)) {
			out = p.LimitA
		}
	}
	return out
}
