package charging

import (
	"context"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/station"
)

// Reservation is a booking of a station's EVSE (or of any EVSE of the station, optionally of a
// connector type) for a driver's token over a time slot.
//
// Life: a booking whose slot begins later is Scheduled: Ladda holds it and sends ReserveNow
// when the slot begins. One that begins now is sent at once. While it is being sent it is
// Sending; the station's answer makes it Accepted (the station holds the EVSE for the token)
// or one of the refusals (Faulted, Occupied, Rejected, Unavailable). A request that did not
// get through leaves a Scheduled booking Scheduled (it is tried again until it expires) and
// makes a booking for now Failed. An Accepted booking ends as Used (a transaction started
// with it), Cancelled (by the operator or the driver), NoShow (nobody started charging within
// the no-show time after the slot began, and Ladda released the EVSE), Expired (the slot
// ended unused) or Removed (the station removed it, 2.0.1 ReservationStatusUpdate).
type Reservation struct {
	ID            int64 // also the OCPP reservationId (1.6 reservationId, 2.0.1 id)
	StationID     ladda.StationID
	EVSEID        int    // 0: any EVSE of the station (1.6: connector 0, the whole station)
	ConnectorType string // 2.0.1 connectorType (cType2, cCCS2, …): any connector of this type; "" any
	IDToken       string
	TokenType     string // 2.0.1 IdTokenEnumType of the token
	GroupID       string // 1.6 parentIdTag / 2.0.1 groupIdToken: tokens of the group may use it too
	StartsAt      time.Time
	ExpiresAt     time.Time
	Status        ReservationStatus
	CommandID     int64                // the command log entry of the last ReserveNow/CancelReservation, 0 none
	TransactionID *ladda.TransactionID // the transaction that used it
	RequestedBy   string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// ReservationStatus is where a reservation is in its life (see Reservation).
type ReservationStatus string

// The reservation statuses. Scheduled, Sending and Accepted are active: an active reservation
// holds its slot, and no other active reservation of the same EVSE or token may overlap it.
const (
	ReservationScheduled   ReservationStatus = "Scheduled"
	ReservationSending     ReservationStatus = "Sending"
	ReservationAccepted    ReservationStatus = "Accepted"
	ReservationFaulted     ReservationStatus = "Faulted"
	ReservationOccupied    ReservationStatus = "Occupied"
	ReservationRejected    ReservationStatus = "Rejected"
	ReservationUnavailable ReservationStatus = "Unavailable"
	ReservationFailed      ReservationStatus = "Failed"
	ReservationUsed        ReservationStatus = "Used"
	ReservationCancelled   ReservationStatus = "Cancelled"
	ReservationNoShow      ReservationStatus = "NoShow"
	ReservationExpired     ReservationStatus = "Expired"
	ReservationRemoved     ReservationStatus = "Removed"
)

// ActiveReservation are the statuses of reservations that hold their slot.
var ActiveReservation = []ReservationStatus{ReservationScheduled, ReservationSending, ReservationAccepted}

// Active reports whether a reservation in status s holds its slot.
func (s ReservationStatus) Active() bool {
	return s == ReservationScheduled || s == ReservationSending || s == ReservationAccepted
}

// ReservationFilter selects reservations. Zero fields select everything.
type ReservationFilter struct {
	StationID     ladda.StationID
	IDToken       string
	StationOrgID  int64               // reservations at stations of this organisation
	Statuses      []ReservationStatus // any of these
	StartsBefore  time.Time           // StartsAt ≤ StartsBefore
	ExpiresBefore time.Time           // ExpiresAt ≤ ExpiresBefore
	UpdatedBefore time.Time           // UpdatedAt ≤ UpdatedBefore
	ActiveAt      time.Time           // StartsAt ≤ ActiveAt < ExpiresAt
	BeforeID      int64               // ID < BeforeID (paging)
	Limit         int                 // at most this many; 0 for no limit
	OldestFirst   bool                // ascending ID; default newest (highest ID) first
}

// ReservationChange is a status change of one reservation; zero fields are left as they are.
type ReservationChange struct {
	Status        ReservationStatus
	CommandID     int64
	TransactionID ladda.TransactionID
	At            time.Time // becomes UpdatedAt
}

// Reservations keeps reservations. Errors are *ladda.Error; NotFound for unknown IDs.
type Reservations interface {
	// CreateReservation stores r and assigns r.ID, unless r overlaps an active reservation
	// (Scheduled, Sending, Accepted): one of the same station whose EVSE is r's or either's is
	// 0 (any EVSE), or one of the same token on any station. Two slots overlap when each starts
	// before the other expires. An overlap is a Conflict naming the reservation in the way; an
	// unknown station is NotFound. The check and the insert are one atomic step, also between
	// processes sharing a PostgreSQL database.
	CreateReservation(ctx context.Context, r *Reservation) error
	// Reservation returns one reservation.
	Reservation(ctx context.Context, id int64) (*Reservation, error)
	// Reservations lists the reservations f selects.
	Reservations(ctx context.Context, f ReservationFilter) ([]*Reservation, error)
	// ChangeReservation applies c to reservation id if its status is one of from, atomically,
	// and reports whether it did (false, nil when its status is another). NotFound for an
	// unknown id.
	ChangeReservation(ctx context.Context, id int64, from []ReservationStatus, c ReservationChange) (bool, error)
}

// Limits of a booking.
const (
	MaxReservationLength  = 24 * time.Hour       // from StartsAt to ExpiresAt
	MaxReservationAdvance = 366 * 24 * time.Hour // from now to StartsAt
	// reservationLead sends a booking whose slot begins this soon at once.
	reservationLead = time.Minute
	// sendingStuckAfter returns a booking left Sending (its sender died) to Scheduled.
	sendingStuckAfter = 10 * time.Minute
	// reservationBatch is how many bookings one scheduler pass handles per kind.
	reservationBatch = 100
)

// ReservationRequest is a booking as an operator or driver asks for it.
type ReservationRequest struct {
	StationID     ladda.StationID
	EVSEID        int    // 0: any EVSE of the station
	ConnectorType string // 2.0.1: any connector of this type
	IDToken       string
	StartsAt      time.Time // zero: now
	ExpiresAt     time.Time
	RequestedBy   string
}

// Reserve books a slot on a station for a token. A slot that begins now is sent to the station
// at once (ReserveNow) and the reservation returned with the station's answer and the command
// log entry; a later slot is Scheduled and sent when it begins. Errors: Invalid for an unknown
// token, one that may not charge, or times outside the limits; Conflict when the slot overlaps
// another booking of the EVSE or the token; NotFound for an unknown station; as
// station.Service.Execute when the station could not be asked (the reservation is then kept
// as Failed).
func (s *Service) Reserve(ctx context.Context, req ReservationRequest) (*Reservation, *station.CommandRecord, error) {
	const op = "charging.Reserve"
	now := s.clock.Now().UTC()
	if req.StartsAt.IsZero() {
		req.StartsAt = now
	}
	switch {
	case req.EVSEID < 0:
		return nil, nil, ladda.Errorf(ladda.Invalid, op, "evseId must be 0 (any) or positive")
	case req.StartsAt.Before(now.Add(-reservationLead)):
		return nil, nil, ladda.Errorf(ladda.Invalid, op, "startsAt is in the past")
	case req.StartsAt.After(now.Add(MaxReservationAdvance)):
		return nil, nil, ladda.Errorf(ladda.Invalid, op, "startsAt may be at most %d days ahead", MaxReservationAdvance/(24*time.Hour))
	case !req.ExpiresAt.After(req.StartsAt) || !req.ExpiresAt.After(now):
		return nil, nil, ladda.Errorf(ladda.Invalid, op, "expiresAt must be after startsAt and in the future")
	case req.ExpiresAt.Sub(req.StartsAt) > MaxReservationLength:
		return nil, nil, ladda.Errorf(ladda.Invalid, op, "a reservation lasts at most %v", MaxReservationLength)
	}
	if s.commands == nil {
		return nil, nil, ladda.Errorf(ladda.Unavailable, op, "commands are not available")
	}
	tok, err := s.store.IDToken(ctx, req.IDToken)
	if ladda.IsKind(err, ladda.NotFound) {
		return nil, nil, ladda.Errorf(ladda.Invalid, op, "unknown idToken %q: add it first (POST /api/v1/id-tokens)", req.IDToken)
	} else if err != nil {
		return nil, nil, ladda.Wrap(op, err)
	}
	if info := tok.Authorize(req.StartsAt, 0); info.Status != Accepted {
		return nil, nil, ladda.Errorf(ladda.Invalid, op, "idToken %q may not charge: it is %s", req.IDToken, info.Status)
	}
	r := &Reservation{StationID: req.StationID, EVSEID: req.EVSEID, ConnectorType: req.ConnectorType,
		IDToken: tok.Token, TokenType: tok.Type, GroupID: tok.GroupID, StartsAt: req.StartsAt.UTC(), ExpiresAt: req.ExpiresAt.UTC(),
		Status: ReservationScheduled, RequestedBy: req.RequestedBy, CreatedAt: now, UpdatedAt: now}
	if !r.StartsAt.After(now.Add(reservationLead)) {
		r.Status = ReservationSending
	}
	if err := s.store.CreateReservation(ctx, r); err != nil {
		return nil, nil, ladda.Wrap(op, err)
	}
	if r.Status == ReservationScheduled {
		return r, nil, nil
	}
	rec, err := s.sendReservation(ctx, r, req.RequestedBy, false)
	return r, rec, ladda.Wrap(op, err)
}

// sendReservation sends ReserveNow for r, which is Sending, and records the station's answer.
// A request that did not get through makes r Failed, or, with retry, Scheduled again.
func (s *Service) sendReservation(ctx context.Context, r *Reservation, requestedBy string, retry bool) (*station.CommandRecord, error) {
	rec, err := s.commands.Execute(ctx, r.StationID, station.ReserveNow{ReservationID: r.ID, EVSEID: r.EVSEID,
		ConnectorType: r.ConnectorType, IDToken: r.IDToken, TokenType: r.TokenType, GroupID: r.GroupID, ExpiresAt: r.ExpiresAt}, requestedBy)
	change := ReservationChange{Status: ReservationFailed, At: s.clock.Now()}
	if rec != nil {
		change.CommandID = rec.ID
	}
	switch {
	case rec != nil && rec.Outcome == station.CommandAnswered:
		change.Status = reserveAnswer(rec.Answer.Status)
	case retry && rec != nil && (rec.Outcome == station.CommandOffline || rec.Outcome == station.CommandTimeout):
		change.Status = ReservationScheduled // tried again on the next pass, until it expires
	}
	if _, cerr := s.store.ChangeReservation(context.WithoutCancel(ctx), r.ID, []ReservationStatus{ReservationSending}, change); cerr != nil {
		return rec, cerr
	}
	r.Status, r.UpdatedAt = change.Status, change.At
	if change.CommandID != 0 {
		r.CommandID = change.CommandID
	}
	return rec, err
}

// reserveAnswer is the status a station's answer to ReserveNow gives a reservation.
func reserveAnswer(status string) ReservationStatus {
	switch s := ReservationStatus(status); s {
	case ReservationAccepted, ReservationFaulted, ReservationOccupied, ReservationUnavailable:
		return s
	}
	return ReservationRejected
}

// Reservation returns one reservation.
func (s *Service) Reservation(ctx context.Context, id int64) (*Reservation, error) {
	r, err := s.store.Reservation(ctx, id)
	return r, ladda.Wrap("charging.Reservation", err)
}

// Reservations lists reservations, newest first; at most 1000 (100 when no limit is given).
func (s *Service) Reservations(ctx context.Context, f ReservationFilter) ([]*Reservation, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	list, err := s.store.Reservations(ctx, f)
	return list, ladda.Wrap("charging.Reservations", err)
}

// CancelReservation cancels a booking: a Scheduled one in Ladda alone, an Accepted one at the
// station too (CancelReservation; a station that answers Rejected no longer holds it either).
// It returns the reservation and, when the station was asked, the command log entry. Errors:
// NotFound; Conflict for a booking that has ended or is being sent, or as
// station.Service.Execute when the station could not be asked (nothing changes then).
func (s *Service) CancelReservation(ctx context.Context, id int64, requestedBy string) (*Reservation, *station.CommandRecord, error) {
	const op = "charging.CancelReservation"
	r, err := s.store.Reservation(ctx, id)
	if err != nil {
		return nil, nil, ladda.Wrap(op, err)
	}
	now := s.clock.Now()
	switch r.Status {
	case ReservationScheduled:
		ok, err := s.store.ChangeReservation(ctx, id, []ReservationStatus{ReservationScheduled}, ReservationChange{Status: ReservationCancelled, At: now})
		if err != nil {
			return nil, nil, ladda.Wrap(op, err)
		}
		if ok {
			r.Status, r.UpdatedAt = ReservationCancelled, now
			return r, nil, nil
		}
		return nil, nil, ladda.Errorf(ladda.Conflict, op, "reservation %d is being sent to the station: try again in a moment", id)
	case ReservationSending:
		return nil, nil, ladda.Errorf(ladda.Conflict, op, "reservation %d is being sent to the station: try again in a moment", id)
	case ReservationAccepted:
	default:
		return nil, nil, ladda.Errorf(ladda.Conflict, op, "reservation %d is %s: only a Scheduled or Accepted one can be cancelled", id, r.Status)
	}
	if s.commands == nil {
		return nil, nil, ladda.Errorf(ladda.Unavailable, op, "commands are not available")
	}
	rec, err := s.commands.Execute(ctx, r.StationID, station.CancelReservation{ReservationID: id}, requestedBy)
	if err != nil {
		return nil, rec, ladda.Wrap(op, err)
	}
	if rec.Outcome != station.CommandAnswered {
		// The station answered with an error: it still holds the booking.
		return r, rec, nil
	}
	ok, err := s.store.ChangeReservation(context.WithoutCancel(ctx), id, []ReservationStatus{ReservationAccepted},
		ReservationChange{Status: ReservationCancelled, CommandID: rec.ID, At: s.clock.Now()})
	if err != nil {
		return nil, rec, ladda.Wrap(op, err)
	}
	r, err = s.store.Reservation(context.WithoutCancel(ctx), id)
	if err == nil && !ok {
		// It ended meanwhile (used, expired): the station's answer changes nothing.
		s.log.Info("reservation ended while being cancelled", "reservation", id, "status", r.Status)
	}
	return r, rec, ladda.Wrap(op, err)
}

// ReservationEnded records that a station dropped one of its reservations (2.0.1
// ReservationStatusUpdate: Expired or Removed). A reservation Ladda does not know, or of
// another station, is logged and ignored: the station's word is still acknowledged.
func (s *Service) ReservationEnded(ctx context.Context, stationID ladda.StationID, id int64, status ReservationStatus) error {
	const op = "charging.ReservationEnded"
	r, err := s.store.Reservation(ctx, id)
	if ladda.IsKind(err, ladda.NotFound) || (err == nil && r.StationID != stationID) {
		s.log.Warn("station reports an unknown reservation", "station", stationID, "reservation", id, "status", status)
		return nil
	}
	if err != nil {
		return ladda.Wrap(op, err)
	}
	_, err = s.store.ChangeReservation(ctx, id, ActiveReservation, ReservationChange{Status: status, At: s.clock.Now()})
	return ladda.Wrap(op, err)
}

// ReservationUsed marks the reservation a transaction uses when the station names it, or
// presents the booked token, after the transaction started (2.0.1 TransactionEvent Updated
// carrying reservationId or the first idToken).
func (s *Service) ReservationUsed(ctx context.Context, tx *Transaction, reservationID int64) {
	s.useReservation(ctx, tx, reservationID)
}

// useReservation marks the reservation a new transaction uses: the one the station names
// (1.6 StartTransaction / 2.0.1 TransactionEvent reservationId), else the station's Accepted
// booking for the token whose slot is on, on the transaction's EVSE or any. Failing is logged,
// never fatal: the transaction is stored either way.
func (s *Service) useReservation(ctx context.Context, tx *Transaction, reservationID int64) {
	var r *Reservation
	if reservationID > 0 {
		got, err := s.store.Reservation(ctx, reservationID)
		if err != nil || got.StationID != tx.StationID {
			s.log.Warn("transaction names an unknown reservation", "station", tx.StationID, "transaction", tx.ID, "reservation", reservationID, "err", err)
			return
		}
		r = got
	} else if tx.IDToken != "" {
		list, err := s.store.Reservations(ctx, ReservationFilter{StationID: tx.StationID, IDToken: tx.IDToken,
			Statuses: []ReservationStatus{ReservationAccepted}, ActiveAt: s.clock.Now(), Limit: 10, OldestFirst: true})
		if err != nil {
			s.log.Error("finding the reservation of a transaction", "station", tx.StationID, "transaction", tx.ID, "err", err)
			return
		}
		for _, got := range list {
			if got.EVSEID == 0 || got.EVSEID == tx.EVSEID {
				r = got
				break
			}
		}
	}
	if r == nil {
		return
	}
	if _, err := s.store.ChangeReservation(ctx, r.ID, ActiveReservation, ReservationChange{Status: ReservationUsed, TransactionID: tx.ID, At: s.clock.Now()}); err != nil {
		s.log.Error("marking a reservation used", "station", tx.StationID, "transaction", tx.ID, "reservation", r.ID, "err", err)
	}
}

// RunReservations does what the clock asks of bookings: it sends the Scheduled ones whose slot
// begins, returns ones stuck Sending to Scheduled, releases Accepted ones nobody used within
// the no-show time (CancelReservation at the station, then NoShow), and marks active ones
// whose slot ended as Expired. Run calls it every ReservationInterval; it is safe to run on
// several processes at once (every change is a compare-and-set on the status).
func (s *Service) RunReservations(ctx context.Context) {
	now := s.clock.Now()
	// list reads every reservation f selects, a page at a time (up to 100 pages a pass), so that
	// rows skipped for an offline station do not hide the ones behind them.
	list := func(f ReservationFilter) []*Reservation {
		f.Limit = reservationBatch
		var all []*Reservation
		for range 100 {
			l, err := s.store.Reservations(ctx, f)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Error("reading reservations", "err", err)
				}
				break
			}
			all = append(all, l...)
			if len(l) < reservationBatch {
				break
			}
			f.BeforeID = l[len(l)-1].ID
		}
		return all
	}
	change := func(r *Reservation, from ReservationStatus, c ReservationChange) bool {
		c.At = s.clock.Now() // a pass may take long: each change is stamped when it is made
		ok, err := s.store.ChangeReservation(ctx, r.ID, []ReservationStatus{from}, c)
		if err != nil && ctx.Err() == nil {
			s.log.Error("changing a reservation", "reservation", r.ID, "err", err)
		}
		return ok
	}
	for _, r := range list(ReservationFilter{Statuses: ActiveReservation, ExpiresBefore: now}) {
		change(r, r.Status, ReservationChange{Status: ReservationExpired})
	}
	for _, r := range list(ReservationFilter{Statuses: []ReservationStatus{ReservationSending}, UpdatedBefore: now.Add(-sendingStuckAfter)}) {
		change(r, ReservationSending, ReservationChange{Status: ReservationScheduled})
	}
	if s.commands == nil {
		return
	}
	for _, r := range list(ReservationFilter{Statuses: []ReservationStatus{ReservationScheduled}, StartsBefore: now.Add(reservationLead)}) {
		if !connected(ctx, s.commands, r.StationID) {
			continue // sent when the station is back, until the slot ends
		}
		if change(r, ReservationScheduled, ReservationChange{Status: ReservationSending}) {
			if _, err := s.sendReservation(ctx, r, station.RequestedBySystem, true); err != nil && !ladda.IsKind(err, ladda.Conflict) && ctx.Err() == nil {
				s.log.Warn("sending a scheduled reservation", "reservation", r.ID, "station", r.StationID, "err", err)
			}
		}
	}
	if s.cfg.NoShowAfter <= 0 {
		return
	}
	for _, r := range list(ReservationFilter{Statuses: []ReservationStatus{ReservationAccepted}, StartsBefore: now.Add(-s.cfg.NoShowAfter)}) {
		if !connected(ctx, s.commands, r.StationID) {
			continue // released when the station is back, or it expires
		}
		if now.Sub(r.UpdatedAt) < s.cfg.NoShowAfter {
			continue // sent late (the station was offline): the driver gets the whole no-show time
		}
		rec, err := s.commands.Execute(ctx, r.StationID, station.CancelReservation{ReservationID: r.ID}, station.RequestedBySystem)
		if err != nil || rec.Outcome != station.CommandAnswered {
			continue // not told: tried again on the next pass, until the slot ends
		}
		change(r, ReservationAccepted, ReservationChange{Status: ReservationNoShow, CommandID: rec.ID})
	}
}
