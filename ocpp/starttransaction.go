package ocpp

import (
	"context"

	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/ocpp/ocppj"
	"github.com/ladda-csms/ladda/ocpp/v16"
)

// startTransaction16 handles 1.6 StartTransaction. Ladda assigns the transaction id; the
// transaction is stored before the answer leaves, and a replayed start (same connector, id tag
// and timestamp) gets the same id again.
func startTransaction16(ctx context.Context, r *Router, c call, req *v16.StartTransactionRequest) (any, error) {
	if req.ConnectorID <= 0 {
		return nil, ocppj.Errorf(ocppj.FaultProperty, "StartTransaction: connectorId must be greater than 0")
	}
	meter := float64(req.MeterStart)
	start := charging.Start{
		StationID:   c.station,
		EVSEID:      req.ConnectorID,
		ConnectorID: 1,
		IDToken:     req.IDTag,
		StartedAt:   req.Timestamp.UTC(),
		MeterWh:     &meter,
		Authorize:   true,
	}
	if req.ReservationID != nil {
		start.ReservationID = int64(*req.ReservationID)
	}
	tx, info, err := r.charging.StartTransaction(ctx, start)
	if err != nil {
		return nil, err
	}
	if tx.ID > 1<<31-1 {
		return nil, errUnexpected("transaction id %d does not fit OCPP 1.6's integer", tx.ID)
	}
	return &v16.StartTransactionResponse{IDTagInfo: idTagInfo16(info), TransactionID: int(tx.ID)}, nil
}
