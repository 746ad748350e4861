package ocpptest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
)

// Smart charging (1.6 3.13 and 5.16, 2.0.1 K01-K10): the charging profiles the station holds,
// and the limits they set on its connectors (1.6) or EVSEs (2.0.1).

// The station's AC supply, by which it converts between A and W.
const (
	PhaseVoltage  = 230.0 // V between each phase and neutral
	DefaultPhases = 3     // the phases of a schedule period without numberPhases
	// DefaultMaxCurrentA is Config.MaxCurrentA's default: a 22 kW three-phase connector.
	DefaultMaxCurrentA = 32.0
)

// purpose is a charging profile's purpose in version-neutral words.
type purpose int

const (
	purposeStationMax purpose = iota // 1.6 ChargePointMaxProfile, 2.0.1 ChargingStationMaxProfile
	purposeTxDefault                 // TxDefaultProfile
	purposeTx                        // TxProfile
)

// purpose16 and purpose201 map the versions' purposes; a purpose missing is not one the CSMS
// may set (2.0.1 ChargingStationExternalConstraints come from local systems, K01.FR.22).
var (
	purpose16 = map[v16.ChargingProfilePurpose]purpose{
		v16.ChargingProfilePurposeChargePointMaxProfile: purposeStationMax,
		v16.ChargingProfilePurposeTxDefaultProfile:      purposeTxDefault,
		v16.ChargingProfilePurposeTxProfile:             purposeTx,
	}
	purpose201 = map[v201.ChargingProfilePurpose]purpose{
		v201.ChargingProfilePurposeChargingStationMaxProfile: purposeStationMax,
		v201.ChargingProfilePurposeTxDefaultProfile:          purposeTxDefault,
		v201.ChargingProfilePurposeTxProfile:                 purposeTx,
	}
)

// chargingProfile is a charging profile the station holds, in version-neutral words.
//
// Rules: a profile limits one connector (1.6) or EVSE (2.0.1), or the whole station (0). A
// station-wide maximum (purposeStationMax) is only on 0; a TxProfile only on a connector with
// a running transaction, to which it belongs and with which it goes. At any moment, of each
// purpose the valid profile with the highest stack level that has a period then applies (see
// limitAtLocked).
type chargingProfile struct {
	id          int
	connector   int // 0: the whole station
	stackLevel  int
	purpose     purpose
	purposeName string // in the version's words
	kind        string // Absolute, Relative or Recurring (the same words in both versions)
	recurrency  string // Daily or Weekly, for Recurring
	// validFrom and validTo bound when it applies; zero when unbounded.
	validFrom, validTo time.Time
	// transactionID is the transaction of a TxProfile (1.6 the CSMS's id in decimal, 2.0.1
	// the station's own); "" for the others.
	transactionID string
	schedule      chargingSchedule // 2.0.1: the first of the profile's schedules
	raw           json.RawMessage  // the profile as the CSMS sent it, in the version's encoding
}

// chargingSchedule is a profile's schedule.
type chargingSchedule struct {
	start    time.Time     // startSchedule; zero when none
	duration time.Duration // 0: until the next recurrence, or without end
	unit     string        // A or W
	periods  []schedulePeriod
}

// schedulePeriod is a limit from start (after the schedule's start) on.
type schedulePeriod struct {
	start  time.Duration
	limit  float64 // in the schedule's unit
	phases int
}

// amps returns the period's limit in A per phase.
func (p schedulePeriod) amps(unit string) float64 {
	if unit == "W" {
		return p.limit / (PhaseVoltage * float64(p.phases))
	}
	return p.limit
}

// profileError is why the station rejects a charging profile: a 2.0.1 reason code and text.
type profileError struct{ code, text string }

func (e *profileError) Error() string { return e.text }

func rejectf(code, format string, args ...any) error {
	return &profileError{code: code, text: fmt.Sprintf(format, args...)}
}

// statusInfo201 is the 2.0.1 statusInfo of a rejection; nil for nil.
func statusInfo201(err error) *v201.StatusInfo {
	var pe *profileError
	if !errors.As(err, &pe) {
		return nil
	}
	info := pe.text
	if len(info) > 512 {
		info = info[:512]
	}
	return &v201.StatusInfo{ReasonCode: pe.code, AdditionalInfo: info}
}

// errRefused is a refusal by Config.Hook.
var errRefused = errors.New("refused by Config.Hook")

// fromV16 reads a 1.6 charging profile, or says why it is not one the station takes.
func fromV16(p *v16.ChargingProfile) (*chargingProfile, error) {
	pur, ok := purpose16[p.ChargingProfilePurpose]
	if !ok {
		return nil, rejectf("InvalidProfile", "unknown chargingProfilePurpose %q", p.ChargingProfilePurpose)
	}
	cp := &chargingProfile{
		id:          p.ChargingProfileID,
		stackLevel:  p.StackLevel,
		purpose:     pur,
		purposeName: string(p.ChargingProfilePurpose),
		kind:        string(p.ChargingProfileKind),
		recurrency:  string(p.RecurrencyKind),
		validFrom:   orZeroTime(p.ValidFrom),
		validTo:     orZeroTime(p.ValidTo),
	}
	if p.TransactionID != nil {
		cp.transactionID = strconv.Itoa(*p.TransactionID)
	}
	sch := p.ChargingSchedule
	periods := make([]schedulePeriod, 0, len(sch.ChargingSchedulePeriod))
	for _, sp := range sch.ChargingSchedulePeriod {
		periods = append(periods, schedulePeriod{start: time.Duration(sp.StartPeriod) * time.Second, limit: sp.Limit, phases: orPhases(sp.NumberPhases)})
	}
	var err error
	if cp.schedule, err = newSchedule(sch.StartSchedule, sch.Duration, string(sch.ChargingRateUnit), periods); err != nil {
		return nil, err
	}
	if cp.kind == "Recurring" && cp.schedule.start.IsZero() {
		return nil, rejectf("InvalidSchedule", "a Recurring profile needs a startSchedule")
	}
	if cp.raw, err = json.Marshal(p); err != nil {
		return nil, rejectf("InvalidProfile", "%v", err)
	}
	return cp, cp.check()
}

// fromV201 reads a 2.0.1 charging profile (its first schedule; the others are ISO 15118
// alternatives the station does not offer), or says why it is not one the station takes.
func fromV201(p *v201.ChargingProfile) (*chargingProfile, error) {
	pur, ok := purpose201[p.ChargingProfilePurpose]
	if !ok {
		return nil, rejectf("InvalidProfile", "the CSMS may not set a %s", p.ChargingProfilePurpose)
	}
	if len(p.ChargingSchedule) == 0 {
		return nil, rejectf("InvalidSchedule", "no chargingSchedule")
	}
	cp := &chargingProfile{
		id:            p.ID,
		stackLevel:    p.StackLevel,
		purpose:       pur,
		purposeName:   string(p.ChargingProfilePurpose),
		kind:          string(p.ChargingProfileKind),
		recurrency:    string(p.RecurrencyKind),
		validFrom:     orZeroTime(p.ValidFrom),
		validTo:       orZeroTime(p.ValidTo),
		transactionID: p.TransactionID,
	}
	sch := p.ChargingSchedule[0]
	periods := make([]schedulePeriod, 0, len(sch.ChargingSchedulePeriod))
	for _, sp := range sch.ChargingSchedulePeriod {
		periods = append(periods, schedulePeriod{start: time.Duration(sp.StartPeriod) * time.Second, limit: sp.Limit, phases: orPhases(sp.NumberPhases)})
	}
	var err error
	if cp.schedule, err = newSchedule(sch.StartSchedule, sch.Duration, string(sch.ChargingRateUnit), periods); err != nil {
		return nil, err
	}
	switch {
	case cp.kind == "Relative" && !cp.schedule.start.IsZero():
		return nil, rejectf("InvalidSchedule", "a Relative profile has no startSchedule") // K01.FR.41
	case cp.kind != "Relative" && cp.schedule.start.IsZero():
		return nil, rejectf("InvalidSchedule", "an %s profile needs a startSchedule", cp.kind) // K01.FR.40
	case cp.purpose == purposeStationMax && cp.kind == "Relative":
		return nil, rejectf("InvalidProfile", "a ChargingStationMaxProfile cannot be Relative") // K01.FR.38
	}
	if cp.raw, err = json.Marshal(p); err != nil {
		return nil, rejectf("InvalidProfile", "%v", err)
	}
	return cp, cp.check()
}

func orZeroTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func orPhases(n *int) int {
	if n == nil {
		return DefaultPhases
	}
	return *n
}

// newSchedule checks and returns a schedule: periods in A or W, the first from 0, in
// increasing order, with limits of 0 or more on 1 to 3 phases.
func newSchedule(start *time.Time, duration *int, unit string, periods []schedulePeriod) (chargingSchedule, error) {
	sch := chargingSchedule{start: orZeroTime(start), unit: unit, periods: periods}
	if duration != nil {
		if *duration < 0 {
			return sch, rejectf("InvalidSchedule", "duration %d is negative", *duration)
		}
		sch.duration = time.Duration(*duration) * time.Second
	}
	if unit != "A" && unit != "W" {
		return sch, rejectf("InvalidSchedule", "chargingRateUnit %q", unit)
	}
	if len(periods) == 0 || periods[0].start != 0 {
		return sch, rejectf("InvalidSchedule", "the first period must start at 0") // K01.FR.31
	}
	for i, p := range periods {
		if i > 0 && p.start <= periods[i-1].start {
			return sch, rejectf("InvalidSchedule", "periods out of order") // K01.FR.35
		}
		if p.limit < 0 || math.IsNaN(p.limit) || math.IsInf(p.limit, 0) {
			return sch, rejectf("InvalidSchedule", "limit %v", p.limit)
		}
		if p.phases < 1 || p.phases > 3 {
			return sch, rejectf("InvalidSchedule", "numberPhases %d", p.phases)
		}
	}
	return sch, nil
}

// check checks what both versions ask of a profile besides its schedule.
func (p *chargingProfile) check() error {
	switch {
	case p.stackLevel < 0:
		return rejectf("InvalidStackLevel", "stackLevel %d is negative", p.stackLevel)
	case p.kind != "Absolute" && p.kind != "Relative" && p.kind != "Recurring":
		return rejectf("InvalidProfile", "chargingProfileKind %q", p.kind)
	case p.kind == "Recurring" && p.recurrency != "Daily" && p.recurrency != "Weekly":
		return rejectf("InvalidProfile", "a Recurring profile needs a recurrencyKind Daily or Weekly")
	case !p.validFrom.IsZero() && !p.validTo.IsZero() && !p.validTo.After(p.validFrom):
		return rejectf("InvalidProfile", "validTo is not after validFrom")
	}
	return nil
}

// InstalledProfile is a charging profile the station holds (Station.ChargingProfiles).
type InstalledProfile struct {
	ID         int
	Purpose    string // in the version's words: TxProfile, TxDefaultProfile, ChargePointMaxProfile (1.6), ChargingStationMaxProfile (2.0.1)
	StackLevel int
	// TransactionID is the transaction of a TxProfile: 1.6 the CSMS's id in decimal, 2.0.1
	// the station's own (as Session.TransactionID); "" for the other purposes.
	TransactionID string
	// Profile is the profile as the CSMS sent it, in the version's encoding: unmarshal it into
	// a v16.ChargingProfile or a v201.ChargingProfile.
	Profile json.RawMessage
}

// ChargingProfiles returns the charging profiles installed on a connector (1.6) or EVSE
// (2.0.1), 0 being the whole station, by id.
func (s *Station) ChargingProfiles(connectorID int) []InstalledProfile {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []InstalledProfile
	for _, p := range s.profiles {
		if p.connector == connectorID {
			out = append(out, InstalledProfile{ID: p.id, Purpose: p.purposeName, StackLevel: p.stackLevel,
				TransactionID: p.transactionID, Profile: slices.Clone(p.raw)})
		}
	}
	slices.SortFunc(out, func(a, b InstalledProfile) int { return a.ID - b.ID })
	return out
}

// setProfile installs the profile of a SetChargingProfile (1.6 5.16, 2.0.1 K01) on connector
// (EVSE) p.connector, or says why not:
//   - a connector the station lacks is refused, and so is a station-wide maximum anywhere
//     but on 0;
//   - a TxProfile needs a connector above 0 with a running transaction, and a transaction id,
//     when it has one (2.0.1: always, K01.FR.03), of that transaction;
//   - 2.0.1: a profile of another id with the purpose and stack level of one on the same
//     EVSE, valid at an overlapping time, is refused (K01.FR.06, K01.FR.39);
//   - else it replaces the profile of its id, wherever that is, and (1.6) the one with its
//     purpose and stack level on its connector.
//
// Driven cars take the new limit before the answer goes out (see Session.Drive).
func (s *Station) setProfile(p *chargingProfile, refuse bool) error {
	if refuse {
		return errRefused
	}
	n := p.connector
	if n < 0 || n > s.cfg.Connectors {
		return rejectf("UnknownEvse", "no connector %d", n)
	}
	if p.purpose == purposeStationMax && n != 0 {
		return rejectf("InvalidProfile", "a %s is for the whole station (0), not %d", p.purposeName, n)
	}
	is201 := s.cfg.Version == V201
	s.mu.Lock()
	if p.purpose == purposeTx {
		if n == 0 {
			s.mu.Unlock()
			return rejectf("InvalidProfile", "a TxProfile is for a connector with a transaction, not 0") // K01.FR.16
		}
		c := s.connectors[n-1]
		if !c.started {
			s.mu.Unlock()
			return rejectf("TxNotFound", "no transaction on %d", n) // K01.FR.09
		}
		tx := c.session.TransactionID
		if (p.transactionID == "" && is201) || (p.transactionID != "" && p.transactionID != tx) {
			s.mu.Unlock()
			return rejectf("TxNotFound", "transactionId %q is not the transaction %s on %d", p.transactionID, tx, n) // K01.FR.33
		}
		p.transactionID = tx
	}
	if is201 {
		for _, q := range s.profiles {
			if q.id != p.id && q.connector == n && q.purpose == p.purpose && q.stackLevel == p.stackLevel && overlap(p, q) {
				s.mu.Unlock()
				return rejectf("DuplicateProfile", "profile %d has the purpose and stack level on %d", q.id, n)
			}
		}
	}
	s.installLocked(p, !is201)
	s.mu.Unlock()
	s.limitsChanged()
	return nil
}

// overlap reports whether two profiles are valid at some common time.
func overlap(a, b *chargingProfile) bool {
	// starts reports whether a validity starting at from starts before one ending at to ends;
	// zero is unbounded.
	startsBefore := func(from, to time.Time) bool { return from.IsZero() || to.IsZero() || from.Before(to) }
	return startsBefore(b.validFrom, a.validTo) && startsBefore(a.validFrom, b.validTo)
}

// installLocked adds p, replacing the profile of its id and, when sameLevel (1.6), the one of
// its connector, purpose and stack level.
func (s *Station) installLocked(p *chargingProfile, sameLevel bool) {
	s.profiles = slices.DeleteFunc(s.profiles, func(q *chargingProfile) bool {
		return q.id == p.id || (sameLevel && q.connector == p.connector && q.purpose == p.purpose && q.stackLevel == p.stackLevel)
	})
	s.profiles = append(s.profiles, p)
}

// installSessionProfile installs the TxProfile of a remote start (Session.profile) for the
// session that has now started.
func (s *Station) installSessionProfile(sess *Session) {
	var p *chargingProfile
	var err error
	if s.cfg.Version == V16 {
		var cp v16.ChargingProfile
		if err = json.Unmarshal(sess.profile, &cp); err == nil {
			p, err = fromV16(&cp)
		}
	} else {
		var cp v201.ChargingProfile
		if err = json.Unmarshal(sess.profile, &cp); err == nil {
			p, err = fromV201(&cp)
		}
	}
	if err != nil {
		s.log.Debug("the remote start's charging profile is not installed", "err", err)
		return
	}
	p.connector, p.transactionID = sess.Connector, sess.TransactionID
	p.raw = sess.profile
	s.mu.Lock()
	s.installLocked(p, s.cfg.Version == V16)
	s.mu.Unlock()
	s.limitsChanged()
}

// dropTxProfilesLocked removes the TxProfiles of connector n, whose transaction has ended.
func (s *Station) dropTxProfilesLocked(n int) {
	s.profiles = slices.DeleteFunc(s.profiles, func(q *chargingProfile) bool { return q.purpose == purposeTx && q.connector == n })
}

// clearFilter selects the profiles a ClearChargingProfile removes: the one of id when id is
// set (the other fields are then ignored, as 1.6 5.5 words it); else those matching every
// field set, all when none is. noMatch marks a purpose the station never holds.
type clearFilter struct {
	id         *int
	connector  *int
	purpose    *purpose
	noMatch    bool
	stackLevel *int
}

func (f clearFilter) matches(p *chargingProfile) bool {
	if f.id != nil {
		return p.id == *f.id
	}
	return !f.noMatch && (f.connector == nil || p.connector == *f.connector) &&
		(f.purpose == nil || p.purpose == *f.purpose) && (f.stackLevel == nil || p.stackLevel == *f.stackLevel)
}

// clearProfiles removes the profiles f selects (1.6 5.5, 2.0.1 K10) and reports whether it
// removed any (Accepted; else Unknown, also when refused).
func (s *Station) clearProfiles(f clearFilter, refuse bool) bool {
	if refuse {
		return false
	}
	s.mu.Lock()
	before := len(s.profiles)
	s.profiles = slices.DeleteFunc(s.profiles, f.matches)
	removed := len(s.profiles) < before
	s.mu.Unlock()
	if removed {
		s.limitsChanged()
	}
	return removed
}

// limitsChanged makes every driven car take the limits the profiles now set.
func (s *Station) limitsChanged() {
	for _, sess := range s.sessions() {
		sess.relimit()
	}
}

func (s *Station) setChargingProfile16(req *v16.SetChargingProfileRequest, refuse bool) v16.ChargingProfileStatus {
	p, err := fromV16(&req.CSChargingProfiles)
	if err == nil {
		p.connector = req.ConnectorID
		err = s.setProfile(p, refuse)
	}
	if err != nil {
		s.log.Debug("SetChargingProfile rejected", "err", err)
		return v16.ChargingProfileStatusRejected
	}
	return v16.ChargingProfileStatusAccepted
}

func (s *Station) setChargingProfile201(req *v201.SetChargingProfileRequest, refuse bool) *v201.SetChargingProfileResponse {
	p, err := fromV201(&req.ChargingProfile)
	if err == nil {
		p.connector = req.EVSEID
		err = s.setProfile(p, refuse)
	}
	if err != nil {
		s.log.Debug("SetChargingProfile rejected", "err", err)
		return &v201.SetChargingProfileResponse{Status: v201.ChargingProfileStatusRejected, StatusInfo: statusInfo201(err)}
	}
	return &v201.SetChargingProfileResponse{Status: v201.ChargingProfileStatusAccepted}
}

func (s *Station) clearChargingProfile16(req *v16.ClearChargingProfileRequest, refuse bool) v16.ClearChargingProfileStatus {
	f := clearFilter{id: req.ID, connector: req.ConnectorID, stackLevel: req.StackLevel}
	if req.ChargingProfilePurpose != "" {
		pur, ok := purpose16[req.ChargingProfilePurpose]
		f.purpose, f.noMatch = &pur, !ok
	}
	if s.clearProfiles(f, refuse) {
		return v16.ClearChargingProfileStatusAccepted
	}
	return v16.ClearChargingProfileStatusUnknown
}

func (s *Station) clearChargingProfile201(req *v201.ClearChargingProfileRequest, refuse bool) v201.ClearChargingProfileStatus {
	f := clearFilter{id: req.ChargingProfileID}
	if c := req.ChargingProfileCriteria; c != nil {
		f.connector, f.stackLevel = c.EVSEID, c.StackLevel
		if c.ChargingProfilePurpose != "" {
			pur, ok := purpose201[c.ChargingProfilePurpose]
			f.purpose, f.noMatch = &pur, !ok
		}
	}
	if s.clearProfiles(f, refuse) {
		return v201.ClearChargingProfileStatusAccepted
	}
	return v201.ClearChargingProfileStatusUnknown
}

// getChargingProfiles answers a 2.0.1 GetChargingProfiles (K09): NoProfiles when no profile
// matches (or when refused); else Accepted, and after the answer one ReportChargingProfiles
// per EVSE holding some (0, the station, first), tbc on all but the last. Every profile's
// source is CSO: the CSMS set them all.
func (s *Station) getChargingProfiles(req *v201.GetChargingProfilesRequest, refuse bool) v201.GetChargingProfileStatus {
	if refuse {
		return v201.GetChargingProfileStatusNoProfiles
	}
	c := req.ChargingProfile
	var pur *purpose
	if c.ChargingProfilePurpose != "" {
		p, ok := purpose201[c.ChargingProfilePurpose]
		if !ok {
			return v201.GetChargingProfileStatusNoProfiles
		}
		pur = &p
	}
	if len(c.ChargingLimitSource) > 0 && !slices.Contains(c.ChargingLimitSource, v201.ChargingLimitSourceCSO) {
		return v201.GetChargingProfileStatusNoProfiles
	}
	groups := map[int][]v201.ChargingProfile{}
	s.mu.Lock()
	for _, p := range s.profiles {
		if (req.EVSEID != nil && p.connector != *req.EVSEID) || (pur != nil && p.purpose != *pur) ||
			(c.StackLevel != nil && p.stackLevel != *c.StackLevel) ||
			(len(c.ChargingProfileID) > 0 && !slices.Contains(c.ChargingProfileID, p.id)) {
			continue
		}
		var cp v201.ChargingProfile
		if err := json.Unmarshal(p.raw, &cp); err != nil {
			continue
		}
		groups[p.connector] = append(groups[p.connector], cp)
	}
	s.mu.Unlock()
	if len(groups) == 0 {
		return v201.GetChargingProfileStatusNoProfiles
	}
	evses := slices.Sorted(maps.Keys(groups))
	s.afterAnswer(func(ctx context.Context) {
		for i, n := range evses {
			profiles := groups[n]
			slices.SortFunc(profiles, func(a, b v201.ChargingProfile) int { return a.ID - b.ID })
			tbc := i < len(evses)-1
			err := s.call(ctx, "ReportChargingProfiles", &v201.ReportChargingProfilesRequest{
				RequestID:           req.RequestID,
				ChargingLimitSource: v201.ChargingLimitSourceCSO,
				ChargingProfile:     profiles,
				Tbc:                 &tbc,
				EVSEID:              n,
			}, nil)
			if err != nil {
				s.log.Debug("ReportChargingProfiles failed", "request", req.RequestID, "err", err)
				return
			}
		}
	})
	return v201.GetChargingProfileStatusAccepted
}
