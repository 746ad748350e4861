package ocpp

import (
	"context"
	"strconv"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
	"github.com/ladda-csms/ladda/station"
)

// checkRules refuses a command that breaks the rules it states itself (station's Check
// methods), before anything is sent.
func checkRules(cmd interface{ Check() error }) error {
	if err := cmd.Check(); err != nil {
		return commandError(ladda.ErrorMessage(err))
	}
	return nil
}

// purpose16 is a charging profile purpose as OCPP 1.6 names it.
func purpose16(p string) v16.ChargingProfilePurpose {
	if p == station.PurposeStationMax {
		return v16.ChargingProfilePurposeChargePointMaxProfile
	}
	return v16.ChargingProfilePurpose(p)
}

// profileCommand builds SetChargingProfile, ClearChargingProfile and GetChargingProfiles.
func profileCommand(isV16 bool, cmd station.Command) (string, any, error) {
	switch c := cmd.(type) {
	case station.SetChargingProfile:
		return setChargingProfile(isV16, c)
	case station.ClearChargingProfile:
		if err := checkRules(c); err != nil {
			return "", nil, err
		}
		if isV16 {
			return "ClearChargingProfile", &v16.ClearChargingProfileRequest{ID: c.ID, ConnectorID: c.EVSEID,
				ChargingProfilePurpose: purpose16(c.Purpose), StackLevel: c.StackLevel}, nil
		}
		r := &v201.ClearChargingProfileRequest{ChargingProfileID: c.ID}
		if c.EVSEID != nil || c.Purpose != "" || c.StackLevel != nil {
			r.ChargingProfileCriteria = &v201.ClearChargingProfile{EVSEID: c.EVSEID,
				ChargingProfilePurpose: v201.ChargingProfilePurpose(c.Purpose), StackLevel: c.StackLevel}
		}
		return "ClearChargingProfile", r, nil
	case station.GetChargingProfiles:
		if err := checkRules(c); err != nil {
			return "", nil, err
		}
		if isV16 {
			return "", nil, commandError("OCPP 1.6 has no GetChargingProfiles: list the charging profiles Ladda installed instead")
		}
		return "GetChargingProfiles", &v201.GetChargingProfilesRequest{RequestID: c.RequestID, EVSEID: c.EVSEID,
			ChargingProfile: v201.ChargingProfileCriterion{ChargingProfilePurpose: v201.ChargingProfilePurpose(c.Purpose),
				StackLevel: c.StackLevel, ChargingProfileID: c.IDs}}, nil
	}
	return "", nil, commandError("unknown command " + cmd.Action())
}

// setChargingProfile builds SetChargingProfile: connector EVSEID for 1.6 (0: the charge point),
// EVSE EVSEID for 2.0.1; a TxProfile carries its transaction (1.6: the integer id).
func setChargingProfile(isV16 bool, c station.SetChargingProfile) (string, any, error) {
	if err := checkRules(c); err != nil {
		return "", nil, err
	}
	if err := checkProfile(&c.Profile, isV16); err != nil {
		return "", nil, err
	}
	if isV16 {
		p := profile16(&c.Profile)
		if c.TransactionID != "" {
			id, err := strconv.Atoi(c.TransactionID)
			if err != nil {
				return "", nil, commandError("transaction " + c.TransactionID + " has no OCPP 1.6 id")
			}
			p.TransactionID = &id
		}
		return "SetChargingProfile", &v16.SetChargingProfileRequest{ConnectorID: c.EVSEID, CSChargingProfiles: *p}, nil
	}
	p := profile201(&c.Profile)
	p.TransactionID = c.TransactionID
	return "SetChargingProfile", &v201.SetChargingProfileRequest{EVSEID: c.EVSEID, ChargingProfile: *p}, nil
}

// compositeSchedule sends GetCompositeSchedule and puts the schedule the station answered in
// the answer.
func (c *Commander) compositeSchedule(ctx context.Context, id ladda.StationID, version string, g station.GetCompositeSchedule) (station.Answer, error) {
	const op = "ocpp.compositeSchedule"
	if err := checkRules(g); err != nil {
		return station.Answer{}, &ladda.Error{Kind: ladda.Invalid, Op: op, Message: err.Error()}
	}
	if version == V16 {
		var res v16.GetCompositeScheduleResponse
		req := &v16.GetCompositeScheduleRequest{ConnectorID: g.EVSEID, Duration: g.Duration, ChargingRateUnit: v16.ChargingRateUnit(g.RateUnit)}
		if err := c.Send(ctx, id, "GetCompositeSchedule", req, &res); err != nil {
			return station.Answer{}, err
		}
		out := station.Answer{Status: string(res.Status)}
		if s := res.ChargingSchedule; s != nil {
			cs := &station.CompositeSchedule{EVSEID: g.EVSEID, Duration: g.Duration, RateUnit: string(s.ChargingRateUnit)}
			if res.ConnectorID != nil {
				cs.EVSEID = *res.ConnectorID
			}
			switch {
			case res.ScheduleStart != nil:
				cs.Start = res.ScheduleStart.UTC()
			case s.StartSchedule != nil:
				cs.Start = s.StartSchedule.UTC()
			}
			if s.Duration != nil {
				cs.Duration = *s.Duration
			}
			for _, p := range s.ChargingSchedulePeriod {
				cs.Periods = append(cs.Periods, station.SchedulePeriod{Start: p.StartPeriod, Limit: p.Limit, Phases: p.NumberPhases})
			}
			out.Schedule = cs
		}
		return out, nil
	}
	var res v201.GetCompositeScheduleResponse
	req := &v201.GetCompositeScheduleRequest{EVSEID: g.EVSEID, Duration: g.Duration, ChargingRateUnit: v201.ChargingRateUnit(g.RateUnit)}
	if err := c.Send(ctx, id, "GetCompositeSchedule", req, &res); err != nil {
		return station.Answer{}, err
	}
	out := station.Answer{Status: string(res.Status)}
	if res.StatusInfo != nil {
		out.Reason = res.StatusInfo.ReasonCode
	}
	if s := res.Schedule; s != nil {
		cs := &station.CompositeSchedule{EVSEID: s.EVSEID, Start: s.ScheduleStart.UTC(), Duration: s.Duration, RateUnit: string(s.ChargingRateUnit)}
		for _, p := range s.ChargingSchedulePeriod {
			cs.Periods = append(cs.Periods, station.SchedulePeriod{Start: p.StartPeriod, Limit: p.Limit, Phases: p.NumberPhases})
		}
		out.Schedule = cs
	}
	return out, nil
}
