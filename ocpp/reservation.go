package ocpp

import (
	"context"

	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
	"github.com/ladda-csms/ladda/station"
)

// reserveNow builds ReserveNow of the station's version.
func reserveNow(isV16 bool, c station.ReserveNow) (string, any, error) {
	if c.ReservationID <= 0 || c.ReservationID > 1<<31-1 {
		return "", nil, commandError("reservationId must be a positive 32-bit integer")
	}
	if isV16 {
		if c.ConnectorType != "" {
			return "", nil, commandError("OCPP 1.6 stations cannot reserve by connector type: name the connector (evseId) instead")
		}
		if len(c.IDToken) > 20 || len(c.GroupID) > 20 {
			return "", nil, commandError("OCPP 1.6 id tags have at most 20 characters")
		}
		return "ReserveNow", &v16.ReserveNowRequest{ConnectorID: c.EVSEID, ExpiryDate: c.ExpiresAt.UTC(), IDTag: c.IDToken,
			ParentIDTag: c.GroupID, ReservationID: int(c.ReservationID)}, nil
	}
	typ := v201.IDTokenEnumCentral
	if c.TokenType != "" {
		typ = v201.IDTokenEnum(c.TokenType)
	}
	r := &v201.ReserveNowRequest{ID: int(c.ReservationID), ExpiryDateTime: c.ExpiresAt.UTC(),
		ConnectorType: v201.Connector(c.ConnectorType), IDToken: v201.IDToken{IDToken: c.IDToken, Type: typ}}
	if c.EVSEID > 0 {
		r.EVSEID = &c.EVSEID
	}
	if c.GroupID != "" {
		r.GroupIDToken = &v201.IDToken{IDToken: c.GroupID, Type: v201.IDTokenEnumCentral}
	}
	return "ReserveNow", r, nil
}

// reservationStatus201 records that a 2.0.1 station dropped a reservation (it expired, or the
// station removed it) before it answers.
func reservationStatus201(ctx context.Context, r *Router, c call, req *v201.ReservationStatusUpdateRequest) (any, error) {
	status := charging.ReservationExpired
	if req.ReservationUpdateStatus == v201.ReservationUpdateStatusRemoved {
		status = charging.ReservationRemoved
	}
	if err := r.charging.ReservationEnded(ctx, c.station, int64(req.ReservationID), status); err != nil {
		return nil, err
	}
	return &v201.ReservationStatusUpdateResponse{}, nil
}
