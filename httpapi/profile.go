package httpapi

import (
	"time"

	"github.com/ladda-csms/ladda/station"
)

// ChargingProfile limits what an EVSE may draw over time (OCPP charging profile, in the same
// words for both versions).
type ChargingProfile struct {
	ID         int              `json:"id" minimum:"1" maximum:"2147483647" doc:"The profile's id at the station; one with the same id replaces it."`
	StackLevel int              `json:"stackLevel,omitempty" minimum:"0" maximum:"1000" doc:"Among profiles of the same purpose, the highest level applies."`
	Purpose    string           `json:"purpose,omitempty" enum:"TxProfile" default:"TxProfile" doc:"For a remote start: TxProfile, the transaction's own limits."`
	Kind       string           `json:"kind,omitempty" enum:"Absolute,Recurring,Relative" default:"Relative" doc:"Relative: the schedule starts with the transaction; Absolute: at schedule.startAt; Recurring: daily or weekly from schedule.startAt."`
	Recurrency string           `json:"recurrency,omitempty" enum:"Daily,Weekly" doc:"For Recurring profiles."`
	ValidFrom  *time.Time       `json:"validFrom,omitempty"`
	ValidTo    *time.Time       `json:"validTo,omitempty"`
	Schedule   ChargingSchedule `json:"schedule"`
}

// ChargingSchedule is the schedule of a charging profile.
type ChargingSchedule struct {
	StartAt  *time.Time       `json:"startAt,omitempty" doc:"Absolute and Recurring profiles: when the schedule starts."`
	Duration *int             `json:"duration,omitempty" minimum:"0" doc:"Seconds; absent: it lasts until the profile ends."`
	RateUnit string           `json:"rateUnit" enum:"A,W" doc:"Limits in amperes (per phase) or watts."`
	MinRate  *float64         `json:"minRate,omitempty" minimum:"0" doc:"The lowest rate the EV charges at efficiently, in rateUnit."`
	Periods  []SchedulePeriod `json:"periods" minItems:"1" maxItems:"1024" doc:"The first starts at 0; starts increase."`
}

// SchedulePeriod is one period of a charging schedule.
type SchedulePeriod struct {
	Start  int     `json:"start" minimum:"0" doc:"Seconds after the schedule's start."`
	Limit  float64 `json:"limit" minimum:"0" doc:"At most this much, in the schedule's rateUnit."`
	Phases *int    `json:"phases,omitempty" minimum:"1" maximum:"3"`
}

// domain is p in the station package's words, with defaults filled in.
func (p *ChargingProfile) domain() *station.ChargingProfile {
	if p == nil {
		return nil
	}
	out := &station.ChargingProfile{ID: p.ID, StackLevel: p.StackLevel, Purpose: p.Purpose, Kind: p.Kind, Recurrency: p.Recurrency,
		ValidFrom: utcPtr(p.ValidFrom), ValidTo: utcPtr(p.ValidTo),
		Schedule: station.ChargingSchedule{StartAt: utcPtr(p.Schedule.StartAt), Duration: p.Schedule.Duration, RateUnit: p.Schedule.RateUnit, MinRate: p.Schedule.MinRate}}
	if out.Purpose == "" {
		out.Purpose = "TxProfile"
	}
	if out.Kind == "" {
		out.Kind = "Relative"
	}
	for _, per := range p.Schedule.Periods {
		out.Schedule.Periods = append(out.Schedule.Periods, station.SchedulePeriod{Start: per.Start, Limit: per.Limit, Phases: per.Phases})
	}
	return out
}
