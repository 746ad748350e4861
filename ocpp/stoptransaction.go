package ocpp

import (
	"context"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/ocpp/v16"
)

// stopTransaction16 handles 1.6 StopTransaction. A stop for a transaction Ladda does not know
// is accepted and recorded (answering with an error would make the station retry forever), and
// a repeated stop changes nothing.
func stopTransaction16(ctx context.Context, r *Router, c call, req *v16.StopTransactionRequest) (any, error) {
	samples, skipped := samples16(req.TransactionData)
	if skipped > 0 {
		r.log.Debug("meter values without a number skipped", "station", c.station, "count", skipped)
	}
	meter := float64(req.MeterStop)
	reason := string(req.Reason)
	if reason == "" {
		reason = string(v16.ReasonLocal) // 1.6: "In case reason is absent, Local is assumed"
	}
	_, info, err := r.charging.StopTransaction(ctx, charging.Stop{
		StationID:     c.station,
		TransactionID: ladda.TransactionID(req.TransactionID),
		IDToken:       req.IDTag,
		StoppedAt:     req.Timestamp.UTC(),
		MeterWh:       &meter,
		Reason:        reason,
		Samples:       samples,
	})
	if err != nil {
		return nil, err
	}
	res := &v16.StopTransactionResponse{}
	if req.IDTag != "" {
		ti := idTagInfo16(info)
		res.IDTagInfo = &ti
	}
	return res, nil
}
