package ocpp

import (
	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
	"github.com/ladda-csms/ladda/station"
)

// checkProfile refuses a profile no version can carry.
func checkProfile(p *station.ChargingProfile, isV16 bool) error {
	switch {
	case p.ID <= 0:
		return commandError("a charging profile's id must be positive")
	case p.Schedule.RateUnit != "A" && p.Schedule.RateUnit != "W":
		return commandError("a charging schedule's rateUnit is A or W")
	case len(p.Schedule.Periods) == 0 || (!isV16 && len(p.Schedule.Periods) > 1024):
		return commandError("a charging schedule has 1 to 1024 periods")
	case p.Schedule.Periods[0].Start != 0:
		return commandError("a charging schedule's first period starts at 0")
	}
	for i := 1; i < len(p.Schedule.Periods); i++ {
		if p.Schedule.Periods[i].Start <= p.Schedule.Periods[i-1].Start {
			return commandError("a charging schedule's periods start in increasing order")
		}
	}
	return nil
}

// profile16 is p in OCPP 1.6.
func profile16(p *station.ChargingProfile) *v16.ChargingProfile {
	purpose := p.Purpose
	if purpose == "ChargingStationMaxProfile" {
		purpose = "ChargePointMaxProfile"
	}
	out := &v16.ChargingProfile{ChargingProfileID: p.ID, StackLevel: p.StackLevel, ChargingProfilePurpose: v16.ChargingProfilePurpose(purpose),
		ChargingProfileKind: v16.ChargingProfileKind(p.Kind), RecurrencyKind: v16.RecurrencyKind(p.Recurrency), ValidFrom: utc(p.ValidFrom), ValidTo: utc(p.ValidTo),
		ChargingSchedule: v16.ChargingSchedule{Duration: p.Schedule.Duration, StartSchedule: utc(p.Schedule.StartAt),
			ChargingRateUnit: v16.ChargingRateUnit(p.Schedule.RateUnit), MinChargingRate: p.Schedule.MinRate}}
	for _, per := range p.Schedule.Periods {
		out.ChargingSchedule.ChargingSchedulePeriod = append(out.ChargingSchedule.ChargingSchedulePeriod,
			v16.ChargingSchedulePeriod{StartPeriod: per.Start, Limit: per.Limit, NumberPhases: per.Phases})
	}
	return out
}

// profile201 is p in OCPP 2.0.1, with one schedule (id 1).
func profile201(p *station.ChargingProfile) *v201.ChargingProfile {
	s := v201.ChargingSchedule{ID: 1, StartSchedule: utc(p.Schedule.StartAt), Duration: p.Schedule.Duration,
		ChargingRateUnit: v201.ChargingRateUnit(p.Schedule.RateUnit), MinChargingRate: p.Schedule.MinRate}
	for _, per := range p.Schedule.Periods {
		s.ChargingSchedulePeriod = append(s.ChargingSchedulePeriod, v201.ChargingSchedulePeriod{StartPeriod: per.Start, Limit: per.Limit, NumberPhases: per.Phases})
	}
	return &v201.ChargingProfile{ID: p.ID, StackLevel: p.StackLevel, ChargingProfilePurpose: v201.ChargingProfilePurpose(p.Purpose),
		ChargingProfileKind: v201.ChargingProfileKind(p.Kind), RecurrencyKind: v201.RecurrencyKind(p.Recurrency), ValidFrom: utc(p.ValidFrom),
		ValidTo: utc(p.ValidTo), ChargingSchedule: []v201.ChargingSchedule{s}}
}
