package httpapi

import (
	"context"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/station"
)

// StationChargingProfile is a charging profile an operator installs on a station: limits on
// what a transaction, an EVSE or the whole station may draw over time. Unlike the profile of a
// remote start, it may have any of the three purposes.
type StationChargingProfile struct {
	ID         int              `json:"id" minimum:"1" maximum:"2147483647" doc:"The profile's id at the station; a profile with the same id replaces it, as does one of the same EVSE, purpose and stack level whose validity overlaps it."`
	StackLevel int              `json:"stackLevel,omitempty" minimum:"0" maximum:"1000" doc:"Among profiles of the same purpose, the highest level in force applies."`
	Purpose    string           `json:"purpose" enum:"TxProfile,TxDefaultProfile,ChargingStationMaxProfile" doc:"TxProfile: the limits of one transaction, on its EVSE, ending with it; TxDefaultProfile: the limits of every transaction of the EVSE (or, on EVSE 0, of every EVSE) without a TxProfile; ChargingStationMaxProfile (1.6: ChargePointMaxProfile): a cap on the whole station, on EVSE 0, never Relative."`
	Kind       string           `json:"kind" enum:"Absolute,Recurring,Relative" doc:"Relative: the schedule starts with each transaction (no schedule.startAt); Absolute: at schedule.startAt; Recurring: daily or weekly from schedule.startAt."`
	Recurrency string           `json:"recurrency,omitempty" enum:"Daily,Weekly" doc:"Recurring profiles only, which need it."`
	ValidFrom  *time.Time       `json:"validFrom,omitempty" doc:"In force from this time; absent: from now."`
	ValidTo    *time.Time       `json:"validTo,omitempty" doc:"In force until this time, after validFrom; absent: until cleared."`
	Schedule   ChargingSchedule `json:"schedule"`
}

// domain is p in the station package's words.
func (p *StationChargingProfile) domain() station.ChargingProfile {
	return *(&ChargingProfile{ID: p.ID, StackLevel: p.StackLevel, Purpose: p.Purpose, Kind: p.Kind, Recurrency: p.Recurrency,
		ValidFrom: p.ValidFrom, ValidTo: p.ValidTo, Schedule: p.Schedule}).domain()
}

func viewStationProfile(p station.ChargingProfile) StationChargingProfile {
	return StationChargingProfile{ID: p.ID, StackLevel: p.StackLevel, Purpose: p.Purpose, Kind: p.Kind, Recurrency: p.Recurrency,
		ValidFrom: utcPtr(p.ValidFrom), ValidTo: utcPtr(p.ValidTo),
		Schedule: ChargingSchedule{StartAt: utcPtr(p.Schedule.StartAt), Duration: p.Schedule.Duration, RateUnit: p.Schedule.RateUnit,
			MinRate: p.Schedule.MinRate, Periods: viewPeriods(p.Schedule.Periods)}}
}

func viewPeriods(list []station.SchedulePeriod) []SchedulePeriod {
	out := make([]SchedulePeriod, 0, len(list))
	for _, per := range list {
		out = append(out, SchedulePeriod{Start: per.Start, Limit: per.Limit, Phases: per.Phases})
	}
	return out
}

// InstalledChargingProfile is a charging profile Ladda installed on a station (the station
// accepted it) and that is in force: not cleared, replaced or expired, and for a TxProfile
// its transaction still running.
type InstalledChargingProfile struct {
	StationID            string                 `json:"stationId"`
	EVSEID               int                    `json:"evseId" doc:"The EVSE (for OCPP 1.6 stations, the connector); 0: the station as a whole."`
	TransactionID        *int64                 `json:"transactionId,omitempty" doc:"TxProfile: Ladda's id of the transaction it limits."`
	StationTransactionID string                 `json:"stationTransactionId,omitempty" doc:"TxProfile: the station's id of the transaction (OCPP 1.6: the same number as transactionId)."`
	Profile              StationChargingProfile `json:"profile"`
	SetBy                string                 `json:"setBy" doc:"Who installed it: apikey:<id>, user:<id>, or system for Ladda's own smart charging."`
	SetAt                time.Time              `json:"setAt" doc:"When the station accepted it."`
}

// CompositeSchedule is what a station will apply to an EVSE: all its charging profiles
// combined into one schedule.
type CompositeSchedule struct {
	EVSEID   int              `json:"evseId" doc:"The EVSE (for OCPP 1.6 stations, the connector); 0: the station as a whole."`
	Start    *time.Time       `json:"start,omitempty" doc:"When the schedule starts; absent when an OCPP 1.6 station did not say."`
	Duration int              `json:"duration" doc:"Seconds."`
	RateUnit string           `json:"rateUnit" enum:"A,W" doc:"The unit of the limits: amperes per phase or watts."`
	Periods  []SchedulePeriod `json:"periods" nullable:"false"`
}

func viewCompositeSchedule(s *station.CompositeSchedule) *CompositeSchedule {
	if s == nil {
		return nil
	}
	v := &CompositeSchedule{EVSEID: s.EVSEID, Duration: s.Duration, RateUnit: s.RateUnit, Periods: viewPeriods(s.Periods)}
	if !s.Start.IsZero() {
		start := s.Start.UTC()
		v.Start = &start
	}
	return v
}

type setChargingProfileInput struct {
	ID   string `path:"id" maxLength:"48"`
	Body struct {
		EVSEID        int                    `json:"evseId" minimum:"0" maximum:"2147483647" doc:"The EVSE (for OCPP 1.6 stations, the connector); 0: the station as a whole. A TxProfile goes on the EVSE of its transaction, a ChargingStationMaxProfile on 0."`
		TransactionID int64                  `json:"transactionId,omitempty" minimum:"1" doc:"TxProfile only: Ladda's id of the transaction it limits, which must be running on this station's evseId; absent: the transaction running there."`
		Profile       StationChargingProfile `json:"profile"`
	} `nameHint:"SetChargingProfileRequest"`
}

// setChargingProfile handles POST /api/v1/stations/{id}/charging-profiles: installs a charging
// profile on the station; if it accepts, Ladda keeps it (GET …/charging-profiles).
func (s *server) setChargingProfile(ctx context.Context, in *setChargingProfileInput) (*commandOutput, error) {
	const op = "httpapi.setChargingProfile"
	b := in.Body
	cmd := station.SetChargingProfile{EVSEID: b.EVSEID, Profile: b.Profile.domain()}
	if b.Profile.Purpose == station.PurposeTx {
		// The rules first (a profile that breaks them is 422, whatever its transaction): a
		// stand-in meets the rule that a TxProfile names its transaction.
		probe := cmd
		probe.TransactionID = "0"
		if err := probe.Check(); err != nil {
			return nil, err
		}
	}
	switch {
	case b.Profile.Purpose == station.PurposeTx:
		tx, err := s.profileTransaction(ctx, ladda.StationID(in.ID), b.EVSEID, b.TransactionID)
		if err != nil {
			return nil, err
		}
		cmd.TransactionID = tx.StationTxID
	case b.TransactionID != 0:
		return nil, ladda.Errorf(ladda.Invalid, op, "only a TxProfile names a transaction: leave transactionId out")
	}
	return s.execute(ctx, in.ID, cmd)
}

// profileTransaction is the transaction a TxProfile on EVSE evse of a station limits: the one
// with Ladda's id when id > 0, else the newest running there. Errors: NotFound for an unknown
// station or transaction (or one the caller may not see); Conflict for a transaction that
// runs elsewhere or has stopped, or when none runs on the EVSE.
func (s *server) profileTransaction(ctx context.Context, stationID ladda.StationID, evse int, id int64) (*charging.Transaction, error) {
	const op = "httpapi.profileTransaction"
	if _, err := s.stations.Station(ctx, stationID); err != nil {
		return nil, err
	}
	if id == 0 {
		running := true
		list, err := s.charging.Transactions(ctx, charging.TransactionFilter{StationID: &stationID, Active: &running})
		if err != nil {
			return nil, err
		}
		for _, t := range list {
			if t.EVSEID == evse {
				return t, nil
			}
		}
		return nil, ladda.Errorf(ladda.Conflict, op, "no transaction runs on EVSE %d of station %s: a TxProfile limits a running transaction", evse, stationID)
	}
	t, err := s.operableTransaction(ctx, id)
	if err != nil {
		return nil, err
	}
	switch {
	case t.StationID != stationID:
		return nil, ladda.Errorf(ladda.Conflict, op, "transaction %d runs at station %s, not %s", id, t.StationID, stationID)
	case !t.Active():
		return nil, ladda.Errorf(ladda.Conflict, op, "transaction %d has stopped", id)
	case t.EVSEID != evse:
		return nil, ladda.Errorf(ladda.Conflict, op, "transaction %d runs on EVSE %d, not %d", id, t.EVSEID, evse)
	}
	return t, nil
}

type listChargingProfilesOutput struct {
	Body List[InstalledChargingProfile]
}

// listChargingProfiles handles GET /api/v1/stations/{id}/charging-profiles: the charging
// profiles Ladda installed on the station and that are in force, by EVSE, purpose, stack level
// and id. Profiles set otherwise (by the station's own configuration, another system) are not
// known to Ladda; a 2.0.1 station reports all it has (POST …/charging-profiles/query).
func (s *server) listChargingProfiles(ctx context.Context, in *stationIDInput) (*listChargingProfilesOutput, error) {
	list, err := s.stations.ChargingProfiles(ctx, ladda.StationID(in.ID))
	if err != nil {
		return nil, err
	}
	out := &listChargingProfilesOutput{Body: List[InstalledChargingProfile]{Items: make([]InstalledChargingProfile, 0, len(list))}}
	for _, p := range list {
		v := InstalledChargingProfile{StationID: string(p.StationID), EVSEID: p.EVSEID, StationTransactionID: p.StationTxID,
			Profile: viewStationProfile(p.Profile), SetBy: p.SetBy, SetAt: p.SetAt.UTC()}
		if p.StationTxID != "" {
			tx, err := s.charging.TransactionByStationTxID(ctx, p.StationID, p.StationTxID)
			switch {
			case ladda.IsKind(err, ladda.NotFound):
				// A transaction Ladda does not know: shown without its id.
			case err != nil:
				return nil, err
			case !tx.Active():
				continue // the station dropped the profile when the transaction ended
			default:
				id := int64(tx.ID)
				v.TransactionID = &id
			}
		}
		out.Body.Items = append(out.Body.Items, v)
	}
	return out, nil
}

type clearChargingProfileInput struct {
	ID        string `path:"id" maxLength:"48"`
	ProfileID int    `path:"profileId" minimum:"1" maximum:"2147483647"`
}

// clearChargingProfile handles DELETE /api/v1/stations/{id}/charging-profiles/{profileId}:
// removes a charging profile from the station (Ladda's or not). A station that does not have
// it answers Unknown.
func (s *server) clearChargingProfile(ctx context.Context, in *clearChargingProfileInput) (*commandOutput, error) {
	id := in.ProfileID
	return s.execute(ctx, in.ID, station.ClearChargingProfile{ID: &id})
}

// ChargingProfileCriteria select a station's charging profiles to clear.
type ChargingProfileCriteria struct {
	EVSEID     *int   `json:"evseId,omitempty" minimum:"0" maximum:"2147483647" doc:"Only the profiles of this EVSE (for OCPP 1.6 stations, this connector); 0: those of the station as a whole."`
	Purpose    string `json:"purpose,omitempty" enum:"TxProfile,TxDefaultProfile,ChargingStationMaxProfile" doc:"Only the profiles of this purpose."`
	StackLevel *int   `json:"stackLevel,omitempty" minimum:"0" maximum:"2147483647" doc:"Only the profiles of this stack level."`
}

type clearChargingProfilesInput struct {
	ID   string                   `path:"id" maxLength:"48"`
	Body *ChargingProfileCriteria `doc:"Optional: no body (or {}) clears every charging profile of the station. The criteria combine."`
}

// clearChargingProfiles handles POST /api/v1/stations/{id}/charging-profiles/clear: removes
// the station's charging profiles that match the criteria. A station that has none answers
// Unknown.
func (s *server) clearChargingProfiles(ctx context.Context, in *clearChargingProfilesInput) (*commandOutput, error) {
	var cmd station.ClearChargingProfile
	if b := in.Body; b != nil {
		cmd.EVSEID, cmd.Purpose, cmd.StackLevel = b.EVSEID, b.Purpose, b.StackLevel
	}
	return s.execute(ctx, in.ID, cmd)
}

type queryChargingProfilesInput struct {
	ID   string `path:"id" maxLength:"48"`
	Body *struct {
		IDs        []int  `json:"ids,omitempty" maxItems:"100" minimum:"1" maximum:"2147483647" doc:"Only the profiles with these ids."`
		EVSEID     *int   `json:"evseId,omitempty" minimum:"0" maximum:"2147483647" doc:"Only the profiles of this EVSE; 0: those of the station as a whole."`
		Purpose    string `json:"purpose,omitempty" enum:"TxProfile,TxDefaultProfile,ChargingStationMaxProfile" doc:"Only the profiles of this purpose."`
		StackLevel *int   `json:"stackLevel,omitempty" minimum:"0" maximum:"2147483647" doc:"Only the profiles of this stack level."`
	} `nameHint:"ChargingProfileQuery" doc:"Optional: no body (or {}) asks for every charging profile. The filters combine."`
}

// queryChargingProfiles handles POST /api/v1/stations/{id}/charging-profiles/query: asks an
// OCPP 2.0.1 station which charging profiles it has. It answers Accepted and then sends them
// in ReportChargingProfiles, kept as reports of the station with the requestId of the logged
// request; or NoProfiles.
func (s *server) queryChargingProfiles(ctx context.Context, in *queryChargingProfilesInput) (*commandOutput, error) {
	cmd := station.GetChargingProfiles{RequestID: s.nextRequestID()}
	if b := in.Body; b != nil {
		cmd.IDs, cmd.EVSEID, cmd.Purpose, cmd.StackLevel = b.IDs, b.EVSEID, b.Purpose, b.StackLevel
	}
	return s.execute(ctx, in.ID, cmd)
}

type compositeScheduleInput struct {
	ID   string `path:"id" maxLength:"48"`
	Body struct {
		EVSEID   int    `json:"evseId" minimum:"0" maximum:"2147483647" doc:"The EVSE (for OCPP 1.6 stations, the connector); 0: the station as a whole."`
		Duration int    `json:"duration" minimum:"1" maximum:"2147483647" doc:"Seconds from now."`
		RateUnit string `json:"rateUnit,omitempty" enum:"A,W" doc:"The unit of the limits; absent: as the station chooses."`
	} `nameHint:"CompositeScheduleRequest"`
}

// compositeSchedule handles POST /api/v1/stations/{id}/composite-schedule: asks the station
// which limits it will apply to an EVSE, all its charging profiles combined. The answer's
// schedule holds them when the station answers Accepted.
func (s *server) compositeSchedule(ctx context.Context, in *compositeScheduleInput) (*commandOutput, error) {
	b := in.Body
	return s.execute(ctx, in.ID, station.GetCompositeSchedule{EVSEID: b.EVSEID, Duration: b.Duration, RateUnit: b.RateUnit})
}
