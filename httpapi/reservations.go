package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/station"
)

// Reservation is a booking of a station's EVSE for a driver's token over a time slot.
type Reservation struct {
	ID            int64     `json:"id" doc:"Also the OCPP reservationId the station knows it by."`
	StationID     string    `json:"stationId"`
	EVSEID        int       `json:"evseId" doc:"The EVSE booked (for OCPP 1.6 stations, the connector); 0: any EVSE of the station (1.6: connector 0, the station as a whole)."`
	ConnectorType string    `json:"connectorType,omitempty" doc:"OCPP 2.0.1: any connector of this type."`
	IDToken       string    `json:"idToken"`
	StartsAt      time.Time `json:"startsAt"`
	ExpiresAt     time.Time `json:"expiresAt"`
	Status        string    `json:"status" enum:"Scheduled,Sending,Accepted,Faulted,Occupied,Rejected,Unavailable,Failed,Used,Cancelled,NoShow,Expired,Removed" doc:"Scheduled: held by Ladda, sent to the station when the slot begins; Sending: being sent; Accepted: the station holds the EVSE for the token; Faulted, Occupied, Rejected, Unavailable: the station refused; Failed: it could not be asked; Used: a transaction started with it (transactionId); Cancelled; NoShow: nobody started charging in time after the slot began, and Ladda released the EVSE; Expired: the slot ended unused; Removed: the station removed it."`
	TransactionID *int64    `json:"transactionId,omitempty" doc:"The transaction that used it."`
	CommandID     *int64    `json:"commandId,omitempty" doc:"The entry of the station's command log of the last ReserveNow or CancelReservation."`
	RequestedBy   string    `json:"requestedBy"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

// ReservationResult is a reservation and, when the station was asked just now, the command
// log entry of the request.
type ReservationResult struct {
	Reservation Reservation `json:"reservation"`
	Command     *Command    `json:"command,omitempty" doc:"The ReserveNow or CancelReservation sent to the station by this request, with its answer; absent when the station was not asked (a booking for later, the cancellation of one)."`
}

func viewReservation(r *charging.Reservation) Reservation {
	v := Reservation{ID: r.ID, StationID: string(r.StationID), EVSEID: r.EVSEID, ConnectorType: r.ConnectorType,
		IDToken: r.IDToken, StartsAt: r.StartsAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(), Status: string(r.Status),
		RequestedBy: r.RequestedBy, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.TransactionID != nil {
		id := int64(*r.TransactionID)
		v.TransactionID = &id
	}
	if r.CommandID != 0 {
		id := r.CommandID
		v.CommandID = &id
	}
	return v
}

func reservationResult(r *charging.Reservation, rec *station.CommandRecord) ReservationResult {
	res := ReservationResult{Reservation: viewReservation(r)}
	if rec != nil {
		c := viewCommand(rec)
		res.Command = &c
	}
	return res
}

type createReservationInput struct {
	Body struct {
		StationID     string     `json:"stationId" minLength:"1" maxLength:"48"`
		EVSEID        int        `json:"evseId,omitempty" minimum:"0" doc:"The EVSE to book (for OCPP 1.6 stations, the connector); absent or 0: any EVSE of the station (1.6: connector 0, which not every station supports)."`
		ConnectorType string     `json:"connectorType,omitempty" enum:"cCCS1,cCCS2,cG105,cTesla,cType1,cType2,s309-1P-16A,s309-1P-32A,s309-3P-16A,s309-3P-32A,sBS1361,sCEE-7-7,sType2,sType3,Other1PhMax16A,Other1PhOver16A,Other3Ph,Pan,wInductive,wResonant,Undetermined,Unknown" doc:"OCPP 2.0.1 stations only: any connector of this type."`
		IDToken       string     `json:"idToken" minLength:"1" maxLength:"36" doc:"The driver's token (it must exist and be allowed to charge); tokens of its group may use the booking too."`
		StartsAt      *time.Time `json:"startsAt,omitempty" doc:"When the slot begins; absent: now. A later slot is held by Ladda and sent to the station when it begins. At most 366 days ahead."`
		ExpiresAt     time.Time  `json:"expiresAt" doc:"When the slot ends; after startsAt, at most 24 hours after it."`
	} `nameHint:"ReservationRequest"`
}

type reservationOutput struct {
	Status   int
	Location *string `header:"Location" nullable:"false" doc:"The reservation; absent on 200."`
	Body     ReservationResult
}

// createReservation handles POST /api/v1/reservations: books a slot. 201 with the reservation
// when the station accepted it or it is scheduled for later; 200 when the station refused it
// (the refusal is its status).
func (s *server) createReservation(ctx context.Context, in *createReservationInput) (*reservationOutput, error) {
	const op = "httpapi.createReservation"
	b := in.Body
	if err := s.visibleStation(ctx, ladda.StationID(b.StationID)); err != nil {
		return nil, err
	}
	if err := s.usableToken(ctx, b.IDToken); err != nil {
		return nil, err
	}
	st, err := s.stations.Station(ctx, ladda.StationID(b.StationID))
	if err != nil {
		return nil, err
	}
	if b.ConnectorType != "" && st.OCPPVersion == "1.6" {
		return nil, ladda.Errorf(ladda.Invalid, op, "station %s speaks OCPP 1.6, which cannot book by connector type: name the connector (evseId) instead", st.ID)
	}
	req := charging.ReservationRequest{StationID: st.ID, EVSEID: b.EVSEID, ConnectorType: b.ConnectorType,
		IDToken: b.IDToken, ExpiresAt: b.ExpiresAt, RequestedBy: requestedBy(ctx)}
	if b.StartsAt != nil {
		req.StartsAt = *b.StartsAt
	}
	r, rec, err := s.charging.Reserve(ctx, req)
	if err != nil {
		return nil, err
	}
	out := &reservationOutput{Status: http.StatusOK, Body: reservationResult(r, rec)}
	if r.Status == charging.ReservationAccepted || r.Status == charging.ReservationScheduled {
		loc := Prefix + "/reservations/" + strconv.FormatInt(r.ID, 10)
		out.Status, out.Location = http.StatusCreated, &loc
	}
	return out, nil
}

type reservationIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type reservationResultOutput struct {
	Body ReservationResult
}

// getReservation handles GET /api/v1/reservations/{id}.
func (s *server) getReservation(ctx context.Context, in *reservationIDInput) (*reservationResultOutput, error) {
	r, err := s.reservation(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &reservationResultOutput{Body: reservationResult(r, nil)}, nil
}

// cancelReservation handles POST /api/v1/reservations/{id}/cancel: cancels a booking, at the
// station too when it holds it.
func (s *server) cancelReservation(ctx context.Context, in *reservationIDInput) (*reservationResultOutput, error) {
	if _, err := s.reservation(ctx, in.ID); err != nil {
		return nil, err
	}
	r, rec, err := s.charging.CancelReservation(ctx, in.ID, requestedBy(ctx))
	if err != nil {
		return nil, err
	}
	return &reservationResultOutput{Body: reservationResult(r, rec)}, nil
}

type listReservationsInput struct {
	StationID string `query:"stationId" maxLength:"48" doc:"Only this station's."`
	IDToken   string `query:"idToken" maxLength:"36" doc:"Only this token's."`
	Status    string `query:"status" enum:"Scheduled,Sending,Accepted,Faulted,Occupied,Rejected,Unavailable,Failed,Used,Cancelled,NoShow,Expired,Removed,active" doc:"Only in this status; active: Scheduled, Sending or Accepted."`
	Before    int64  `query:"before" minimum:"0" doc:"Cursor: the next value of the previous page; only reservations older than it."`
	Limit     int    `query:"limit" minimum:"1" maximum:"500" default:"100"`
}

type listReservationsOutput struct {
	Body List[Reservation]
}

// listReservations handles GET /api/v1/reservations: newest first.
func (s *server) listReservations(ctx context.Context, in *listReservationsInput) (*listReservationsOutput, error) {
	limit := limitOf(in.Limit)
	f := charging.ReservationFilter{StationID: ladda.StationID(in.StationID), IDToken: in.IDToken, StationOrgID: orgScope(caller(ctx)), BeforeID: in.Before, Limit: limit + 1}
	switch in.Status {
	case "":
	case "active":
		f.Statuses = charging.ActiveReservation
	default:
		f.Statuses = []charging.ReservationStatus{charging.ReservationStatus(in.Status)}
	}
	found, err := s.charging.Reservations(ctx, f)
	if err != nil {
		return nil, err
	}
	found, next := page(found, limit, func(r *charging.Reservation) string { return strconv.FormatInt(r.ID, 10) })
	out := &listReservationsOutput{Body: List[Reservation]{Items: make([]Reservation, 0, len(found)), Next: next}}
	for _, r := range found {
		out.Body.Items = append(out.Body.Items, viewReservation(r))
	}
	return out, nil
}

// reservation returns a reservation at a station the caller may see; others are NotFound.
func (s *server) reservation(ctx context.Context, id int64) (*charging.Reservation, error) {
	r, err := s.charging.Reservation(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.visibleStation(ctx, r.StationID); err != nil {
		if ladda.IsKind(err, ladda.NotFound) {
			return nil, ladda.Errorf(ladda.NotFound, "httpapi.reservation", "reservation %d not found", id)
		}
		return nil, err
	}
	return r, nil
}
