package station

import (
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
)

// validProfile is a TxDefaultProfile that breaks no rule.
func validProfile() ChargingProfile {
	return ChargingProfile{ID: 1, Purpose: PurposeTxDefault, Kind: "Relative",
		Schedule: ChargingSchedule{RateUnit: "A", Periods: []SchedulePeriod{{Start: 0, Limit: 16}, {Start: 60, Limit: 8}}}}
}

func TestChargingProfileRules(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	later := at.Add(time.Hour)
	n := func(i int) *int { return &i }
	f := func(x float64) *float64 { return &x }
	for _, tc := range []struct {
		name   string
		change func(p *ChargingProfile)
		broken string // part of the message; "" when valid
	}{
		{"valid", func(*ChargingProfile) {}, ""},
		{"absolute with a start", func(p *ChargingProfile) { p.Kind, p.Schedule.StartAt = "Absolute", &at }, ""},
		{"weekly", func(p *ChargingProfile) { p.Kind, p.Recurrency, p.Schedule.StartAt = "Recurring", "Weekly", &at }, ""},
		{"station maximum, absolute", func(p *ChargingProfile) { p.Purpose, p.Kind, p.Schedule.StartAt = PurposeStationMax, "Absolute", &at }, ""},
		{"validity", func(p *ChargingProfile) { p.ValidFrom, p.ValidTo = &at, &later }, ""},
		{"all optional parts", func(p *ChargingProfile) {
			p.Schedule.Duration, p.Schedule.MinRate, p.Schedule.Periods[1].Phases = n(0), f(6), n(3)
		}, ""},
		{"id 0", func(p *ChargingProfile) { p.ID = 0 }, "id must be 1 to"},
		{"id beyond 32 bits", func(p *ChargingProfile) { p.ID = 1 << 31 }, "id must be 1 to"},
		{"negative stack level", func(p *ChargingProfile) { p.StackLevel = -1 }, "stackLevel"},
		{"1.6 purpose name", func(p *ChargingProfile) { p.Purpose = "ChargePointMaxProfile" }, "purpose is"},
		{"no purpose", func(p *ChargingProfile) { p.Purpose = "" }, "purpose is"},
		{"no kind", func(p *ChargingProfile) { p.Kind = "" }, "kind is"},
		{"recurring without recurrency", func(p *ChargingProfile) { p.Kind, p.Schedule.StartAt = "Recurring", &at }, "Daily or Weekly"},
		{"recurrency of a relative profile", func(p *ChargingProfile) { p.Recurrency = "Daily" }, "only a Recurring"},
		{"absolute without a start", func(p *ChargingProfile) { p.Kind = "Absolute" }, "need the schedule's startAt"},
		{"relative with a start", func(p *ChargingProfile) { p.Schedule.StartAt = &at }, "leave startAt out"},
		{"relative station maximum", func(p *ChargingProfile) { p.Purpose = PurposeStationMax }, "cannot be Relative"},
		{"validTo before validFrom", func(p *ChargingProfile) { p.ValidFrom, p.ValidTo = &later, &at }, "validTo must be after"},
		{"validTo at validFrom", func(p *ChargingProfile) { p.ValidFrom, p.ValidTo = &at, &at }, "validTo must be after"},
		{"kW", func(p *ChargingProfile) { p.Schedule.RateUnit = "kW" }, "rateUnit is A or W"},
		{"no periods", func(p *ChargingProfile) { p.Schedule.Periods = nil }, "1 to 1024 periods"},
		{"1025 periods", func(p *ChargingProfile) {
			p.Schedule.Periods = make([]SchedulePeriod, 1025)
			for i := range p.Schedule.Periods {
				p.Schedule.Periods[i].Start = i
			}
		}, "1 to 1024 periods"},
		{"late first period", func(p *ChargingProfile) { p.Schedule.Periods[0].Start = 1 }, "first period starts at 0"},
		{"periods out of order", func(p *ChargingProfile) { p.Schedule.Periods[1].Start = 0 }, "increasing order"},
		{"negative limit", func(p *ChargingProfile) { p.Schedule.Periods[1].Limit = -1 }, "limit is 0 or more"},
		{"four phases", func(p *ChargingProfile) { p.Schedule.Periods[0].Phases = n(4) }, "phases are 1 to 3"},
		{"negative duration", func(p *ChargingProfile) { p.Schedule.Duration = n(-1) }, "duration"},
		{"negative minimum rate", func(p *ChargingProfile) { p.Schedule.MinRate = f(-0.5) }, "minRate"},
	} {
		p := validProfile()
		tc.change(&p)
		wantBroken(t, tc.name, p.Check(), tc.broken)
	}
}

// wantBroken fails unless err is nil (broken "") or Invalid with broken in its message.
func wantBroken(t *testing.T, name string, err error, broken string) {
	t.Helper()
	switch {
	case broken == "" && err != nil:
		t.Errorf("%s: %v, want valid", name, err)
	case broken != "" && (!ladda.IsKind(err, ladda.Invalid) || !strings.Contains(ladda.ErrorMessage(err), broken)):
		t.Errorf("%s: %v, want invalid: …%s…", name, err, broken)
	}
}

func TestProfileCommandRules(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	n := func(i int) *int { return &i }
	tx := validProfile()
	tx.Purpose = PurposeTx
	stationMax := validProfile()
	stationMax.Purpose, stationMax.Kind, stationMax.Schedule.StartAt = PurposeStationMax, "Absolute", &at
	bad := validProfile()
	bad.ID = 0
	for _, tc := range []struct {
		name   string
		cmd    checked
		broken string
	}{
		{"TxProfile", SetChargingProfile{EVSEID: 1, TransactionID: "42", Profile: tx}, ""},
		{"default of the station", SetChargingProfile{Profile: validProfile()}, ""},
		{"default of an EVSE", SetChargingProfile{EVSEID: 2, Profile: validProfile()}, ""},
		{"station maximum", SetChargingProfile{Profile: stationMax}, ""},
		{"a profile breaking its rules", SetChargingProfile{Profile: bad}, "id must be"},
		{"negative EVSE", SetChargingProfile{EVSEID: -1, Profile: validProfile()}, "evseId"},
		{"TxProfile on EVSE 0", SetChargingProfile{TransactionID: "42", Profile: tx}, "not on EVSE 0"},
		{"TxProfile without transaction", SetChargingProfile{EVSEID: 1, Profile: tx}, "needs the transaction"},
		{"default with a transaction", SetChargingProfile{EVSEID: 1, TransactionID: "42", Profile: validProfile()}, "only a TxProfile"},
		{"station maximum on an EVSE", SetChargingProfile{EVSEID: 1, Profile: stationMax}, "evseId 0"},
		{"transaction id of 37 characters", SetChargingProfile{EVSEID: 1, TransactionID: strings.Repeat("x", 37), Profile: tx}, "36 characters"},

		{"clear all", ClearChargingProfile{}, ""},
		{"clear by id", ClearChargingProfile{ID: n(3)}, ""},
		{"clear by criteria", ClearChargingProfile{EVSEID: n(0), Purpose: PurposeStationMax, StackLevel: n(0)}, ""},
		{"clear by id and criteria", ClearChargingProfile{ID: n(3), StackLevel: n(1)}, "not both"},
		{"clear id 0", ClearChargingProfile{ID: n(0)}, "id must be"},
		{"clear a negative EVSE", ClearChargingProfile{EVSEID: n(-1)}, "evseId"},
		{"clear a 1.6 purpose", ClearChargingProfile{Purpose: "ChargePointMaxProfile"}, "purpose is"},
		{"clear a negative stack level", ClearChargingProfile{StackLevel: n(-1)}, "stackLevel"},

		{"composite schedule", GetCompositeSchedule{EVSEID: 1, Duration: 60, RateUnit: "W"}, ""},
		{"composite schedule of the station", GetCompositeSchedule{Duration: 1}, ""},
		{"composite schedule of no time", GetCompositeSchedule{EVSEID: 1}, "duration"},
		{"composite schedule of a negative EVSE", GetCompositeSchedule{EVSEID: -1, Duration: 60}, "evseId"},
		{"composite schedule in kW", GetCompositeSchedule{Duration: 60, RateUnit: "kW"}, "rateUnit"},

		{"query all", GetChargingProfiles{}, ""},
		{"query some", GetChargingProfiles{RequestID: 9, EVSEID: n(1), Purpose: PurposeTx, StackLevel: n(0), IDs: []int{1, 2}}, ""},
		{"query a negative request id", GetChargingProfiles{RequestID: -1}, "requestId"},
		{"query id 0", GetChargingProfiles{IDs: []int{1, 0}}, "id must be"},
		{"query an unknown purpose", GetChargingProfiles{Purpose: "Tx"}, "purpose is"},
	} {
		wantBroken(t, tc.name, tc.cmd.Check(), tc.broken)
	}
}
