package station

import (
	"context"
	"time"

	"github.com/ladda-csms/ladda"
)

// InstalledProfile is a charging profile Ladda installed on a station: a SetChargingProfile
// that the station answered Accepted. Ladda keeps them because OCPP 1.6 stations cannot say
// which profiles they have.
//
// Rules: a station has at most one record per profile id. A record lasts until a newer one
// replaces it (see Replaces), the station accepts a ClearChargingProfile that matches it, or,
// for a TxProfile, its transaction ends (Service.ForgetTransactionProfiles), as the station
// itself then drops it.
type InstalledProfile struct {
	StationID   ladda.StationID
	EVSEID      int    // 0: the station as a whole
	StationTxID string // a TxProfile's transaction, the station's id for it; "" for other purposes
	Profile     ChargingProfile
	SetBy       string // who asked: "apikey:12", "system", …
	SetAt       time.Time
}

// Replaces reports whether p, just accepted by the station, takes the place of old at the same
// station: old has p's profile id, or old has p's EVSE, purpose, stack level (and, for a
// TxProfile, transaction) and its validity overlaps p's, as stations replace profiles.
func (p *InstalledProfile) Replaces(old *InstalledProfile) bool {
	if old.StationID != p.StationID {
		return false
	}
	if old.Profile.ID == p.Profile.ID {
		return true
	}
	return old.EVSEID == p.EVSEID && old.Profile.Purpose == p.Profile.Purpose && old.Profile.StackLevel == p.Profile.StackLevel &&
		old.StationTxID == p.StationTxID && overlaps(p.Profile.ValidFrom, p.Profile.ValidTo, old.Profile.ValidFrom, old.Profile.ValidTo)
}

// overlaps reports whether the periods [aFrom, aTo) and [bFrom, bTo) share a moment; a nil
// bound is unbounded.
func overlaps(aFrom, aTo, bFrom, bTo *time.Time) bool {
	return (aFrom == nil || bTo == nil || aFrom.Before(*bTo)) && (bFrom == nil || aTo == nil || bFrom.Before(*aTo))
}

// InForce reports whether p still applies at t: it has no validTo, or one after t.
func (p *InstalledProfile) InForce(t time.Time) bool {
	return p.Profile.ValidTo == nil || p.Profile.ValidTo.After(t)
}

// ProfileFilter selects a station's charging-profile records: those that match every field
// set. Nil pointers and an empty Purpose do not filter.
type ProfileFilter struct {
	StationID   ladda.StationID // required
	ID          *int            // the profile id
	EVSEID      *int
	Purpose     string
	StackLevel  *int
	StationTxID *string
}

// ChargingProfileStore keeps the charging profiles Ladda installed on stations. Errors are
// *ladda.Error. A station's records go with it when it is deleted.
type ChargingProfileStore interface {
	// SaveChargingProfile stores p, replacing the record of the same station and profile id
	// (whatever its EVSE). Times are stored in UTC microseconds. Errors: NotFound for an
	// unknown station; Invalid for a profile id below 1, a negative EVSE or stack level, no
	// purpose, or text no engine can keep (invalid UTF-8, a NUL character).
	SaveChargingProfile(ctx context.Context, p *InstalledProfile) error
	// ChargingProfiles lists a station's records ordered by EVSE, purpose, stack level and
	// profile id; none for an unknown station.
	ChargingProfiles(ctx context.Context, id ladda.StationID) ([]*InstalledProfile, error)
	// DeleteChargingProfiles removes the records f selects and returns how many it removed.
	// Errors: Invalid without f.StationID.
	DeleteChargingProfiles(ctx context.Context, f ProfileFilter) (int, error)
}

// ChargingProfiles lists the charging profiles Ladda installed on a station and that are in
// force now (see InstalledProfile and InForce), ordered by EVSE, purpose, stack level and id.
// A 2.0.1 station can also report what it has (GetChargingProfiles). Errors: NotFound for an
// unknown station.
func (s *Service) ChargingProfiles(ctx context.Context, id ladda.StationID) ([]*InstalledProfile, error) {
	const op = "station.ChargingProfiles"
	if _, err := s.store.Station(ctx, id); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	list, err := s.store.ChargingProfiles(ctx, id)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	now := s.clock.Now()
	inForce := list[:0]
	for _, p := range list {
		if p.InForce(now) {
			inForce = append(inForce, p)
		}
	}
	return inForce, nil
}

// ForgetTransactionProfiles removes the records of the TxProfiles of a transaction, which the
// station drops when it ends: call it when a transaction ends. stationTxID is the station's id
// for it (charging.Transaction.StationTxID). Forgetting what is not recorded does nothing.
func (s *Service) ForgetTransactionProfiles(ctx context.Context, stationID ladda.StationID, stationTxID string) error {
	if stationTxID == "" {
		return nil
	}
	_, err := s.store.DeleteChargingProfiles(ctx, ProfileFilter{StationID: stationID, Purpose: PurposeTx, StationTxID: &stationTxID})
	return ladda.Wrap("station.ForgetTransactionProfiles", err)
}

// noteProfiles keeps the record of installed profiles in step with what a station accepted:
// a SetChargingProfile adds its profile (and drops those it replaces), a ClearChargingProfile
// removes what it matched.
func (s *Service) noteProfiles(ctx context.Context, cmd Command, rec *CommandRecord) error {
	if rec.Outcome != CommandAnswered || rec.Answer.Status != "Accepted" {
		return nil
	}
	switch c := cmd.(type) {
	case SetChargingProfile:
		return s.installed(ctx, &InstalledProfile{StationID: rec.StationID, EVSEID: c.EVSEID, StationTxID: c.TransactionID,
			Profile: c.Profile, SetBy: rec.RequestedBy, SetAt: s.clock.Now()})
	case ClearChargingProfile:
		_, err := s.store.DeleteChargingProfiles(ctx, ProfileFilter{StationID: rec.StationID, ID: c.ID, EVSEID: c.EVSEID,
			Purpose: c.Purpose, StackLevel: c.StackLevel})
		return err
	}
	return nil
}

// installed records p and forgets the records it replaces.
func (s *Service) installed(ctx context.Context, p *InstalledProfile) error {
	list, err := s.store.ChargingProfiles(ctx, p.StationID)
	if err != nil {
		return err
	}
	for _, old := range list {
		if old.Profile.ID != p.Profile.ID && p.Replaces(old) {
			id := old.Profile.ID
			if _, err := s.store.DeleteChargingProfiles(ctx, ProfileFilter{StationID: p.StationID, ID: &id}); err != nil {
				return err
			}
		}
	}
	return s.store.SaveChargingProfile(ctx, p)
}
