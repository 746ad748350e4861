package ocpp

import (
	"context"

	"github.com/ladda-csms/ladda/ocpp/v201"
	"github.com/ladda-csms/ladda/smartcharging"
	"github.com/ladda-csms/ladda/station"
)

// notifyEVChargingNeeds201 passes what a vehicle asked for (ISO 15118, through a 2.0.1
// station) on to smart charging: its departure time, the energy it wants, its current range
// and, from a DC vehicle, its battery.
func notifyEVChargingNeeds201(ctx context.Context, r *Router, c call, req *v201.NotifyEVChargingNeedsRequest) (any, error) {
	if r.smart == nil {
		return &v201.NotifyEVChargingNeedsResponse{Status: v201.NotifyEVChargingNeedsStatusRejected}, nil
	}
	cn := req.ChargingNeeds
	n := smartcharging.Needs{DepartureAt: utc(cn.DepartureTime)}
	switch cn.RequestedEnergyTransfer {
	case v201.EnergyTransferModeACSinglePhase:
		n.Phases = 1
	case v201.EnergyTransferModeACTwoPhase:
		n.Phases = 2
	case v201.EnergyTransferModeACThreePhase:
		n.Phases = 3
	}
	if ac := cn.ACChargingParameters; ac != nil {
		n.EnergyWh, n.MinA, n.MaxA = float64(ac.EnergyAmount), float64(ac.EVMinCurrent), float64(ac.EVMaxCurrent)
	}
	if dc := cn.DCChargingParameters; dc != nil {
		if dc.EnergyAmount != nil {
			n.EnergyWh = float64(*dc.EnergyAmount)
		}
		if dc.EVEnergyCapacity != nil {
			n.CapacityWh = float64(*dc.EVEnergyCapacity)
		}
		if dc.StateOfCharge != nil {
			soc := float64(*dc.StateOfCharge)
			n.SoC = &soc
		}
		if dc.FullSoC != nil {
			full := float64(*dc.FullSoC)
			n.TargetSoC = &full
		}
	}
	status, err := r.smart.EVChargingNeeds(ctx, c.station, req.EVSEID, n)
	if err != nil {
		return nil, err
	}
	return &v201.NotifyEVChargingNeedsResponse{Status: v201.NotifyEVChargingNeedsStatus(status)}, nil
}

// notifyEVChargingSchedule201 passes the schedule an ISO 15118 vehicle planned within its
// limit on to smart charging, which answers whether it keeps within Ladda's limit.
func notifyEVChargingSchedule201(ctx context.Context, r *Router, c call, req *v201.NotifyEVChargingScheduleRequest) (any, error) {
	if r.smart == nil {
		return &v201.NotifyEVChargingScheduleResponse{Status: v201.GenericStatusRejected}, nil
	}
	cs := req.ChargingSchedule
	sched := station.ChargingSchedule{Duration: cs.Duration, RateUnit: string(cs.ChargingRateUnit), MinRate: cs.MinChargingRate}
	for _, p := range cs.ChargingSchedulePeriod {
		sched.Periods = append(sched.Periods, station.SchedulePeriod{Start: p.StartPeriod, Limit: p.Limit, Phases: p.NumberPhases})
	}
	status, err := r.smart.EVChargingSchedule(ctx, c.station, req.EVSEID, req.TimeBase, sched)
	if err != nil {
		return nil, err
	}
	return &v201.NotifyEVChargingScheduleResponse{Status: v201.GenericStatus(status)}, nil
}
