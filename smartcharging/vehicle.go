package smartcharging

import (
	"context"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
)

// Vehicle is what Ladda knows of the vehicle charging in a transaction, now.
type Vehicle struct {
	TransactionID ladda.TransactionID `json:"transactionId"`
	EVSE
	Active      bool       `json:"active"`
	State       string     `json:"state"` // a session state, ended, or unmanaged (no grid at its site)
	PowerW      *float64   `json:"powerW,omitempty"`
	CurrentA    []float64  `json:"currentA,omitempty"`
	EnergyWh    float64    `json:"energyWh"`
	SoC         *float64   `json:"soc,omitempty"`
	LimitA      *float64   `json:"limitA,omitempty"`
	Needs       *Needs     `json:"needs,omitempty"`
	RemainingWh *float64   `json:"remainingWh,omitempty"`
	DoneAt      *time.Time `json:"doneAt,omitempty"` // estimated: full, or what it asked for
	Plan        []Window   `json:"plan,omitempty"`
	// EVSchedule is the vehicle's own plan (ISO 15118), when it sent one.
	EVSchedule *EVSchedule `json:"evSchedule,omitempty"`
	MeasuredAt *time.Time  `json:"measuredAt,omitempty"`
}

// Vehicle returns the vehicle view of a transaction: live for a managed session, from the
// stored meter values otherwise. NotFound: no such transaction.
func (s *Service) Vehicle(ctx context.Context, id ladda.TransactionID) (*Vehicle, error) {
	const op = "smartcharging.Vehicle"
	tx, err := s.txs.Transaction(ctx, id)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	now := s.o.Clock.Now()
	e := EVSE{tx.StationID, tx.EVSEID}
	s.mu.Lock()
	l := s.sessions[e]
	if l != nil && l.tx.ID != id {
		l = nil
	}
	var v *Vehicle
	if l != nil {
		v = s.liveVehicle(e, l, now)
	}
	s.mu.Unlock()
	if v != nil {
		return v, nil
	}
	v = &Vehicle{TransactionID: id, EVSE: e, Active: tx.Active(), State: "unmanaged", EnergyWh: tx.EnergyWh()}
	if !tx.Active() {
		v.State = "ended"
	}
	if n, err := s.store.Needs(ctx, id); err == nil {
		v.Needs = n
	}
	if ev, err := s.store.EVSchedule(ctx, id); err == nil {
		v.EVSchedule = ev
	}
	stored(v, tx)
	return v, nil
}

// stored fills a vehicle view from the latest stored samples of a transaction.
func stored(v *Vehicle, tx *charging.Transaction) {
	var at time.Time
	for _, x := range tx.Samples {
		if x.Time.After(at) {
			at = x.Time
		}
	}
	if at.IsZero() || !v.Active {
		return
	}
	v.MeasuredAt = &at
	for _, x := range tx.Samples {
		if !x.Time.Equal(at) {
			continue
		}
		switch {
		case x.Measurand == "SoC":
			soc := x.Value
			v.SoC = &soc
		case x.Measurand == "Power.Active.Import" && x.Phase == "" && outlet(x.Location):
			p := x.Value
			if x.Unit == "kW" {
				p *= 1000
			}
			v.PowerW = &p
		}
	}
	v.CurrentA = DrawOf(tx.Samples, 3, 230)
}

func (s *Service) liveVehicle(e EVSE, l *live, now time.Time) *Vehicle {
	v := &Vehicle{TransactionID: l.tx.ID, EVSE: e, Active: true, CurrentA: l.draw, EnergyWh: l.energyWh, SoC: l.soc, Needs: l.needs, Plan: l.plan, EVSchedule: l.ev}
	v.State = stateOf(l, s.placed[e.StationID].connected)
	if !l.seenAt.IsZero() {
		at := l.seenAt.UTC()
		v.MeasuredAt = &at
		p := l.powerW
		v.PowerW = &p
	}
	if l.sent {
		o := l.offered
		v.LimitA = &o
	}
	remaining := remainingWh(l)
	if remaining > 0 {
		v.RemainingWh = &remaining
	}
	power := l.powerW
	if power <= 0 && l.sent && len(l.draw) > 0 {
		if st := s.sites[l.siteID]; st != nil {
			power = l.offered * st.grid.Voltage() * float64(len(l.draw))
		}
	}
	volts, phases := s.electrics(l, e)
	evDone, byEV := time.Time{}, false
	if l.ev != nil && l.ev.Accepted {
		evDone, byEV = plannedDone(l.ev, now, remaining, volts, phases)
	}
	switch {
	case remaining > 0 && l.hold && len(l.plan) > 0:
		done := l.plan[len(l.plan)-1].To.UTC()
		v.DoneAt = &done
	case byEV:
		done := evDone.UTC().Truncate(time.Second)
		v.DoneAt = &done
	case remaining > 0 && power > 0:
		done := now.Add(time.Duration(remaining / power * float64(time.Hour))).UTC().Truncate(time.Second)
		v.DoneAt = &done
	case remaining == 0 && l.soc != nil && l.socFrom != nil && now.Sub(l.socFromAt) > time.Minute && *l.soc > *l.socFrom:
		// No capacity known: the state of charge's own pace.
		target := 100.0
		if l.needs != nil && l.needs.TargetSoC != nil {
			target = *l.needs.TargetSoC
		}
		perHour := (*l.soc - *l.socFrom) / l.seenAt.Sub(l.socFromAt).Hours()
		if target > *l.soc && perHour > 0 {
			done := now.Add(time.Duration((target - *l.soc) / perHour * float64(time.Hour))).UTC().Truncate(time.Second)
			v.DoneAt = &done
		}
	}
	return v
}
