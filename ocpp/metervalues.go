package ocpp

import (
	"context"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
)

// meterValues16 handles 1.6 MeterValues, within a transaction or not.
func meterValues16(ctx context.Context, r *Router, c call, req *v16.MeterValuesRequest) (any, error) {
	if err := checkIDs(c.action, req.ConnectorID); err != nil {
		return nil, err
	}
	samples, skipped := samples16(req.MeterValue)
	if skipped > 0 {
		r.log.Debug("meter values without a number skipped", "station", c.station, "count", skipped)
	}
	m := charging.Meter{StationID: c.station, EVSEID: req.ConnectorID, ConnectorID: 1, Samples: samples}
	if req.ConnectorID == 0 {
		m.ConnectorID = 0
	}
	if req.TransactionID != nil {
		m.TransactionID = ladda.TransactionID(*req.TransactionID)
	}
	if err := r.charging.RecordMeterValues(ctx, m); err != nil {
		return nil, err
	}
	return &v16.MeterValuesResponse{}, nil
}

// meterValues201 handles 2.0.1 MeterValues: values outside a transaction (those within one
// come in TransactionEvent).
func meterValues201(ctx context.Context, r *Router, c call, req *v201.MeterValuesRequest) (any, error) {
	if err := checkIDs(c.action, req.EVSEID); err != nil {
		return nil, err
	}
	err := r.charging.RecordMeterValues(ctx, charging.Meter{StationID: c.station, EVSEID: req.EVSEID, Samples: samples201(req.MeterValue)})
	if err != nil {
		return nil, err
	}
	return &v201.MeterValuesResponse{}, nil
}
