package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/station"
)

// ChargingProfileQueries are the statements of station.ChargingProfileStore. Rows of a
// charging profile have the columns station_id, profile_id, evse_id, purpose, stack_level,
// transaction_id (empty for none), profile (JSON text, see storedProfile), set_by, set_at.
type ChargingProfileQueries struct {
	// Upsert (station_id, profile_id, evse_id, purpose, stack_level, transaction_id, profile
	// JSON, set_by, set_at) inserts a record, or replaces every column of the station's record
	// with that profile_id.
	Upsert string
	// List (station_id) returns the charging profile columns of the station's records, ordered
	// by evse_id, purpose (byte order), stack_level, profile_id.
	List string `sqldb:"read"`
	// Delete (station_id, profile_id nullable, evse_id nullable, purpose nullable,
	// stack_level nullable, transaction_id nullable) removes the station's records that match
	// every parameter that is not NULL; rows affected is how many it removed.
	Delete string
}

// SaveChargingProfile stores p, replacing the record of the same station and profile id; see
// station.ChargingProfileStore. p.SetAt and the profile's times are normalised to UTC
// microseconds, as stored. Errors: NotFound for an unknown station; Invalid for a profile id
// below 1, a negative EVSE or stack level, no purpose, or text no engine can keep.
func (db *DB) SaveChargingProfile(ctx context.Context, p *station.InstalledProfile) error {
	const op = "SaveChargingProfile"
	pr := p.Profile
	if pr.ID < 1 || p.EVSEID < 0 || pr.StackLevel < 0 || pr.Purpose == "" {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "station %s: a charging profile needs an id ≥ 1, an EVSE ≥ 0, a stack level ≥ 0 and a purpose", p.StationID)
	}
	for _, s := range []string{string(p.StationID), pr.Purpose, p.StationTxID, p.SetBy, pr.Kind, pr.Recurrency, pr.Schedule.RateUnit} {
		if !storableText(s) {
			return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "station %s: charging profile %d: text %q is not storable UTF-8", p.StationID, pr.ID, s)
		}
	}
	in := *p
	in.SetAt = norm(in.SetAt)
	in.Profile = normProfile(pr)
	body, err := json.Marshal(storeProfile(in.Profile))
	if err != nil {
		return db.wrap(op, err)
	}
	err = db.do(ctx, keyOf(string(in.StationID)), func(ctx context.Context, r run) error {
		if err := db.mustExist(ctx, r, op, in.StationID); err != nil {
			return err
		}
		_, err := r.exec(ctx, db.q.ChargingProfile.Upsert, string(in.StationID), pr.ID, in.EVSEID, pr.Purpose, pr.StackLevel,
			in.StationTxID, string(body), in.SetBy, db.d.time(in.SetAt))
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	*p = in
	return nil
}

// ChargingProfiles lists the records of station id ordered by EVSE, purpose, stack level and
// profile id; none for an unknown station; see station.ChargingProfileStore.
func (db *DB) ChargingProfiles(ctx context.Context, id ladda.StationID) ([]*station.InstalledProfile, error) {
	const op = "ChargingProfiles"
	rows, err := db.reader().query(ctx, db.q.ChargingProfile.List, string(id))
	if err != nil {
		return nil, db.wrap(op, err)
	}
	list, err := scanChargingProfiles(rows)
	return list, db.wrap(op, err)
}

// DeleteChargingProfiles removes the records f selects and returns how many; see
// station.ChargingProfileStore. Errors: Invalid without f.StationID.
func (db *DB) DeleteChargingProfiles(ctx context.Context, f station.ProfileFilter) (int, error) {
	const op = "DeleteChargingProfiles"
	if f.StationID == "" {
		return 0, ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "deleting charging profiles needs a station")
	}
	var n int64
	err := db.do(ctx, keyOf(string(f.StationID)), func(ctx context.Context, r run) error {
		var err error
		n, err = r.exec(ctx, db.q.ChargingProfile.Delete, string(f.StationID), nullInt(f.ID), nullInt(f.EVSEID), nullText(f.Purpose),
			nullInt(f.StackLevel), nullString(f.StationTxID))
		return err
	})
	if err != nil {
		return 0, db.wrap(op, err)
	}
	return int(n), nil
}

func scanChargingProfiles(rows *sql.Rows) ([]*station.InstalledProfile, error) {
	defer rows.Close()
	var list []*station.InstalledProfile
	for rows.Next() {
		var (
			p    station.InstalledProfile
			id   string
			body []byte
			set  nullTime
		)
		if err := rows.Scan(&id, &p.Profile.ID, &p.EVSEID, &p.Profile.Purpose, &p.Profile.StackLevel, &p.StationTxID, &body,
			&p.SetBy, &set); err != nil {
			return nil, err
		}
		var sp storedProfile
		if err := json.Unmarshal(body, &sp); err != nil {
			return nil, fmt.Errorf("station %s: bad charging profile %d: %w", id, p.Profile.ID, err)
		}
		sp.into(&p.Profile)
		p.StationID, p.SetAt = ladda.StationID(id), set.T
		list = append(list, &p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return list, rows.Close()
}

// storedProfile is the stored form of a station.ChargingProfile without the parts that have
// columns of their own (id, purpose, stack level): the JSON in charging_profiles.profile. Its
// names are the storage format, independent of the domain type.
type storedProfile struct {
	Kind       string     `json:"kind"`
	Recurrency string     `json:"recurrency,omitempty"`
	ValidFrom  *time.Time `json:"validFrom,omitempty"`
	ValidTo    *time.Time `json:"validTo,omitempty"`
	storedSchedule
}

// storedSchedule is the stored form of a station.ChargingSchedule: the JSON in
// ev_schedules.schedule, and the schedule's part of a storedProfile, whose fields it shares.
type storedSchedule struct {
	StartAt  *time.Time     `json:"startAt,omitempty"`
	Duration *int           `json:"duration,omitempty"`
	RateUnit string         `json:"rateUnit"`
	MinRate  *float64       `json:"minRate,omitempty"`
	Periods  []storedPeriod `json:"periods"`
}

// storedPeriod is one period of a storedSchedule.
type storedPeriod struct {
	Start  int     `json:"start"`
	Limit  float64 `json:"limit"`
	Phases *int    `json:"phases,omitempty"`
}

func storeProfile(p station.ChargingProfile) storedProfile {
	return storedProfile{Kind: p.Kind, Recurrency: p.Recurrency, ValidFrom: p.ValidFrom, ValidTo: p.ValidTo, storedSchedule: storeSchedule(p.Schedule)}
}

// into sets the parts of p that sp holds.
func (sp storedProfile) into(p *station.ChargingProfile) {
	p.Kind, p.Recurrency, p.ValidFrom, p.ValidTo = sp.Kind, sp.Recurrency, normPtr(sp.ValidFrom), normPtr(sp.ValidTo)
	p.Schedule = sp.schedule()
}

// storeSchedule returns the stored form of s, sharing none of its pointers.
func storeSchedule(s station.ChargingSchedule) storedSchedule {
	ss := storedSchedule{StartAt: copyPtr(s.StartAt), Duration: copyPtr(s.Duration), RateUnit: s.RateUnit, MinRate: copyPtr(s.MinRate),
		Periods: make([]storedPeriod, len(s.Periods))}
	for i, per := range s.Periods {
		ss.Periods[i] = storedPeriod{Start: per.Start, Limit: per.Limit, Phases: copyPtr(per.Phases)}
	}
	return ss
}

// schedule returns the schedule ss holds, its start in UTC microseconds.
func (ss storedSchedule) schedule() station.ChargingSchedule {
	s := station.ChargingSchedule{StartAt: normPtr(ss.StartAt), Duration: ss.Duration, RateUnit: ss.RateUnit, MinRate: ss.MinRate,
		Periods: make([]station.SchedulePeriod, len(ss.Periods))}
	for i, per := range ss.Periods {
		s.Periods[i] = station.SchedulePeriod{Start: per.Start, Limit: per.Limit, Phases: per.Phases}
	}
	return s
}

// normProfile returns p as it reads back: its times in UTC microseconds.
func normProfile(p station.ChargingProfile) station.ChargingProfile {
	var out station.ChargingProfile
	storeProfile(p).into(&out)
	out.ID, out.Purpose, out.StackLevel = p.ID, p.Purpose, p.StackLevel
	return out
}
