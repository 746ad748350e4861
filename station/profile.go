package station

import "time"

// ChargingProfile is a charging profile in the same words for every OCPP version: limits on
// the power or current an EVSE may draw over time. A remote start may carry one (purpose
// TxProfile) for the transaction it starts.
type ChargingProfile struct {
	ID         int              `json:"id"`
	StackLevel int              `json:"stackLevel"`
	Purpose    string           `json:"purpose"`              // TxProfile, TxDefaultProfile, ChargingStationMaxProfile (1.6: ChargePointMaxProfile)
	Kind       string           `json:"kind"`                 // Absolute, Recurring, Relative
	Recurrency string           `json:"recurrency,omitempty"` // Daily, Weekly (Recurring only)
	ValidFrom  *time.Time       `json:"validFrom,omitempty"`
	ValidTo    *time.Time       `json:"validTo,omitempty"`
	Schedule   ChargingSchedule `json:"schedule"`
}

// ChargingSchedule is the schedule of a charging profile.
type ChargingSchedule struct {
	StartAt  *time.Time       `json:"startAt,omitempty"`
	Duration *int             `json:"duration,omitempty"` // seconds
	RateUnit string           `json:"rateUnit"`           // A or W
	MinRate  *float64         `json:"minRate,omitempty"`
	Periods  []SchedulePeriod `json:"periods"`
}

// SchedulePeriod is one period of a charging schedule: from Start seconds after the
// schedule's start, at most Limit (A or W), over Phases phases.
type SchedulePeriod struct {
	Start  int     `json:"start"`
	Limit  float64 `json:"limit"`
	Phases *int    `json:"phases,omitempty"`
}
