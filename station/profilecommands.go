package station

import (
	"math"
	"time"

	"github.com/ladda-csms/ladda"
)

// The purposes of a charging profile, in OCPP 2.0.1 words (1.6 calls the station's maximum
// ChargePointMaxProfile).
const (
	// PurposeTx limits one transaction; it ends with it.
	PurposeTx = "TxProfile"
	// PurposeTxDefault limits every transaction of an EVSE (or, at EVSE 0, of every EVSE) that
	// has no TxProfile of its own.
	PurposeTxDefault = "TxDefaultProfile"
	// PurposeStationMax caps the whole station, whatever its transactions' profiles say.
	PurposeStationMax = "ChargingStationMaxProfile"
)

// validPurpose reports whether p is one of the purposes Ladda sets.
func validPurpose(p string) bool {
	return p == PurposeTx || p == PurposeTxDefault || p == PurposeStationMax
}

// maxInt32 bounds the integers OCPP carries (ids, EVSEs, stack levels, durations).
const maxInt32 = math.MaxInt32

// Check states the rules of a charging profile that every OCPP version shares: an id of 1 to
// 2³¹-1; a stack level of 0 or more; purpose TxProfile, TxDefaultProfile or
// ChargingStationMaxProfile; kind Absolute, Recurring or Relative; a Recurring profile recurs
// Daily or Weekly, no other kind recurs; Absolute and Recurring schedules name their start
// (startAt), Relative ones do not (they start with the transaction); a station's maximum is
// never Relative; validTo after validFrom; a schedule in A or W with 1 to 1024 periods, the
// first starting at 0 and each later one after the one before, limits of 0 or more, phases 1
// to 3, a duration and a minimum rate of 0 or more. Errors: Invalid, naming the rule.
func (p ChargingProfile) Check() error {
	const op = "station.ChargingProfile"
	bad := func(format string, args ...any) error { return ladda.Errorf(ladda.Invalid, op, format, args...) }
	switch {
	case p.ID <= 0 || p.ID > maxInt32:
		return bad("a charging profile's id must be 1 to %d", maxInt32)
	case p.StackLevel < 0 || p.StackLevel > maxInt32:
		return bad("a charging profile's stackLevel must be 0 or more")
	case !validPurpose(p.Purpose):
		return bad("a charging profile's purpose is TxProfile, TxDefaultProfile or ChargingStationMaxProfile, not %q", p.Purpose)
	case p.Kind != "Absolute" && p.Kind != "Recurring" && p.Kind != "Relative":
		return bad("a charging profile's kind is Absolute, Recurring or Relative, not %q", p.Kind)
	case p.Kind == "Recurring" && p.Recurrency != "Daily" && p.Recurrency != "Weekly":
		return bad("a Recurring charging profile recurs Daily or Weekly")
	case p.Kind != "Recurring" && p.Recurrency != "":
		return bad("only a Recurring charging profile has a recurrency")
	case p.Kind != "Relative" && p.Schedule.StartAt == nil:
		return bad("%s charging profiles need the schedule's startAt", p.Kind)
	case p.Kind == "Relative" && p.Schedule.StartAt != nil:
		return bad("a Relative charging profile's schedule starts with the transaction: leave startAt out")
	case p.Kind == "Relative" && p.Purpose == PurposeStationMax:
		return bad("a ChargingStationMaxProfile cannot be Relative: it belongs to no transaction")
	case p.ValidFrom != nil && p.ValidTo != nil && !p.ValidTo.After(*p.ValidFrom):
		return bad("a charging profile's validTo must be after its validFrom")
	}
	return p.Schedule.check(op)
}

// check states the rules of a schedule (see ChargingProfile.Check).
func (s ChargingSchedule) check(op string) error {
	bad := func(format string, args ...any) error { return ladda.Errorf(ladda.Invalid, op, format, args...) }
	switch {
	case s.RateUnit != "A" && s.RateUnit != "W":
		return bad("a charging schedule's rateUnit is A or W")
	case len(s.Periods) == 0 || len(s.Periods) > 1024:
		return bad("a charging schedule has 1 to 1024 periods")
	case s.Periods[0].Start != 0:
		return bad("a charging schedule's first period starts at 0")
	case s.Duration != nil && (*s.Duration < 0 || *s.Duration > maxInt32):
		return bad("a charging schedule's duration is 0 or more seconds")
	case s.MinRate != nil && *s.MinRate < 0:
		return bad("a charging schedule's minRate is 0 or more")
	}
	for i, per := range s.Periods {
		if i > 0 && per.Start <= s.Periods[i-1].Start {
			return bad("a charging schedule's periods start in increasing order")
		}
		if per.Limit < 0 || math.IsNaN(per.Limit) || math.IsInf(per.Limit, 0) {
			return bad("period %d: a limit is 0 or more", i)
		}
		if per.Phases != nil && (*per.Phases < 1 || *per.Phases > 3) {
			return bad("period %d: phases are 1 to 3", i)
		}
	}
	return nil
}

// SetChargingProfile installs a charging profile on a station (1.6 and 2.0.1
// SetChargingProfile): on EVSE EVSEID, or with EVSEID 0 on the station as a whole. A profile
// with the id of one the station has replaces it, as does one of the same EVSE, purpose and
// stack level whose validity overlaps it. The station answers Accepted, Rejected (2.0.1 with
// a reason) or, 1.6, NotSupported.
//
// Rules (Check): the profile's own (ChargingProfile.Check); a TxProfile is set on an EVSE
// (EVSEID > 0) for the transaction TransactionID, the station's id for it
// (charging.Transaction.StationTxID: for 1.6 the decimal transaction id, for 2.0.1 the
// station's own); only a TxProfile names a transaction; a ChargingStationMaxProfile is set on
// the station as a whole (EVSEID 0).
type SetChargingProfile struct {
	EVSEID        int             `json:"evseId"`
	TransactionID string          `json:"transactionId,omitempty"`
	Profile       ChargingProfile `json:"profile"`
}

// Check states the rules of SetChargingProfile. Errors: Invalid.
func (c SetChargingProfile) Check() error {
	const op = "station.SetChargingProfile"
	if c.EVSEID < 0 || c.EVSEID > maxInt32 {
		return ladda.Errorf(ladda.Invalid, op, "evseId must be 0 (the whole station) or an EVSE")
	}
	if err := c.Profile.Check(); err != nil {
		return err
	}
	switch p := c.Profile.Purpose; {
	case p == PurposeTx && c.EVSEID == 0:
		return ladda.Errorf(ladda.Invalid, op, "a TxProfile is set on the EVSE of its transaction, not on EVSE 0")
	case p == PurposeTx && c.TransactionID == "":
		return ladda.Errorf(ladda.Invalid, op, "a TxProfile needs the transaction it limits")
	case p != PurposeTx && c.TransactionID != "":
		return ladda.Errorf(ladda.Invalid, op, "only a TxProfile names a transaction")
	case p == PurposeStationMax && c.EVSEID != 0:
		return ladda.Errorf(ladda.Invalid, op, "a ChargingStationMaxProfile is set on the whole station: evseId 0")
	case len(c.TransactionID) > 36:
		return ladda.Errorf(ladda.Invalid, op, "a transaction id has at most 36 characters")
	}
	return nil
}

// ClearChargingProfile removes charging profiles from a station (1.6 and 2.0.1
// ClearChargingProfile): the one with id ID, or those that match every criterion given
// (EVSEID, Purpose, StackLevel); none at all clears every profile the station has. The station
// answers Accepted, or Unknown when it has none that match.
//
// Rules (Check): by id or by criteria, not both; an id of 1 or more, an EVSE and a stack level
// of 0 or more, a purpose Ladda sets (see ChargingProfile.Check).
type ClearChargingProfile struct {
	ID         *int   `json:"id,omitempty"`
	EVSEID     *int   `json:"evseId,omitempty"`
	Purpose    string `json:"purpose,omitempty"`
	StackLevel *int   `json:"stackLevel,omitempty"`
}

// Check states the rules of ClearChargingProfile. Errors: Invalid.
func (c ClearChargingProfile) Check() error {
	const op = "station.ClearChargingProfile"
	switch {
	case c.ID != nil && (c.EVSEID != nil || c.Purpose != "" || c.StackLevel != nil):
		return ladda.Errorf(ladda.Invalid, op, "clear a charging profile by id or by criteria, not both")
	case c.ID != nil && (*c.ID <= 0 || *c.ID > maxInt32):
		return ladda.Errorf(ladda.Invalid, op, "a charging profile's id must be 1 to %d", maxInt32)
	}
	return checkCriteria(op, c.EVSEID, c.Purpose, c.StackLevel)
}

// checkCriteria states the rules of the criteria that select charging profiles.
func checkCriteria(op string, evse *int, purpose string, stackLevel *int) error {
	switch {
	case evse != nil && (*evse < 0 || *evse > maxInt32):
		return ladda.Errorf(ladda.Invalid, op, "evseId must be 0 (the whole station) or an EVSE")
	case purpose != "" && !validPurpose(purpose):
		return ladda.Errorf(ladda.Invalid, op, "purpose is TxProfile, TxDefaultProfile or ChargingStationMaxProfile, not %q", purpose)
	case stackLevel != nil && (*stackLevel < 0 || *stackLevel > maxInt32):
		return ladda.Errorf(ladda.Invalid, op, "stackLevel must be 0 or more")
	}
	return nil
}

// GetCompositeSchedule asks a station which limits it will apply to EVSE EVSEID (0: to the
// station as a whole) for the next Duration seconds, all its profiles combined, in RateUnit (A
// or W; empty: as the station chooses). The answer's Schedule holds them when the station
// answers Accepted.
type GetCompositeSchedule struct {
	EVSEID   int    `json:"evseId"`
	Duration int    `json:"duration"`
	RateUnit string `json:"rateUnit,omitempty"`
}

// Check states the rules of GetCompositeSchedule: an EVSE of 0 or more, a duration of 1 second
// or more, a rate unit of A, W or none. Errors: Invalid.
func (c GetCompositeSchedule) Check() error {
	const op = "station.GetCompositeSchedule"
	switch {
	case c.EVSEID < 0 || c.EVSEID > maxInt32:
		return ladda.Errorf(ladda.Invalid, op, "evseId must be 0 (the whole station) or an EVSE")
	case c.Duration <= 0 || c.Duration > maxInt32:
		return ladda.Errorf(ladda.Invalid, op, "duration must be 1 second or more")
	case c.RateUnit != "" && c.RateUnit != "A" && c.RateUnit != "W":
		return ladda.Errorf(ladda.Invalid, op, "rateUnit is A or W")
	}
	return nil
}

// CompositeSchedule is what a station will apply to an EVSE: its charging profiles combined
// into one schedule, from Start for Duration seconds.
type CompositeSchedule struct {
	EVSEID   int              `json:"evseId"`
	Start    time.Time        `json:"start"`
	Duration int              `json:"duration"` // seconds
	RateUnit string           `json:"rateUnit"` // A or W
	Periods  []SchedulePeriod `json:"periods"`
}

// GetChargingProfiles asks a 2.0.1 station which charging profiles it has: those with the ids
// IDs, or that match every criterion given (EVSEID, Purpose, StackLevel); none: all. The
// station answers Accepted and then sends them in ReportChargingProfiles messages, kept as
// station reports with RequestID in their payload, or NoProfiles. OCPP 1.6 has no such
// message (Ladda lists the profiles it installed itself, see ChargingProfileStore).
type GetChargingProfiles struct {
	RequestID  int    `json:"requestId"`
	EVSEID     *int   `json:"evseId,omitempty"`
	Purpose    string `json:"purpose,omitempty"`
	StackLevel *int   `json:"stackLevel,omitempty"`
	IDs        []int  `json:"ids,omitempty"`
}

// Check states the rules of GetChargingProfiles: a request id of 0 or more, ids of 1 or
// more, criteria as for ClearChargingProfile. Errors: Invalid.
func (c GetChargingProfiles) Check() error {
	const op = "station.GetChargingProfiles"
	if c.RequestID < 0 || c.RequestID > maxInt32 {
		return ladda.Errorf(ladda.Invalid, op, "requestId must be 0 or more")
	}
	for _, id := range c.IDs {
		if id <= 0 || id > maxInt32 {
			return ladda.Errorf(ladda.Invalid, op, "a charging profile's id must be 1 to %d", maxInt32)
		}
	}
	return checkCriteria(op, c.EVSEID, c.Purpose, c.StackLevel)
}

// Action implementations of the charging-profile commands.
func (SetChargingProfile) Action() string   { return "SetChargingProfile" }
func (ClearChargingProfile) Action() string { return "ClearChargingProfile" }
func (GetCompositeSchedule) Action() string { return "GetCompositeSchedule" }
func (GetChargingProfiles) Action() string  { return "GetChargingProfiles" }

// checked is a command that checks its own input; Service.Execute refuses one that breaks
// its rules before anything is logged or sent.
type checked interface {
	Command
	Check() error
}

// Interface guards.
var (
	_ checked = SetChargingProfile{}
	_ checked = ClearChargingProfile{}
	_ checked = GetCompositeSchedule{}
	_ checked = GetChargingProfiles{}
)
