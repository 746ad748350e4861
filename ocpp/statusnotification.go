package ocpp

import (
	"context"

	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
	"github.com/ladda-csms/ladda/station"
)

// statusNotification16 handles 1.6 StatusNotification. A 1.6 connector N is EVSE N with
// connector 1 in Ladda's model; connector 0 (the station itself) is EVSE 0, connector 0.
func statusNotification16(ctx context.Context, r *Router, c call, req *v16.StatusNotificationRequest) (any, error) {
	if err := checkIDs(c.action, req.ConnectorID); err != nil {
		return nil, err
	}
	evse, connector := req.ConnectorID, 1
	if evse == 0 {
		connector = 0
	}
	info := req.Info
	if req.VendorErrorCode != "" {
		if info != "" {
			info += "; "
		}
		info += "vendor error " + req.VendorErrorCode
	}
	ch := station.StatusChange{
		StationID:   c.station,
		EVSEID:      evse,
		ConnectorID: connector,
		Status:      station.ConnectorStatus(req.Status),
		ErrorCode:   string(req.ErrorCode),
		Info:        info,
	}
	if req.Timestamp != nil {
		ch.Time = req.Timestamp.UTC()
	}
	if err := r.stations.StatusChanged(ctx, ch); err != nil {
		return nil, err
	}
	return &v16.StatusNotificationResponse{}, nil
}

// statusNotification201 handles 2.0.1 StatusNotification.
func statusNotification201(ctx context.Context, r *Router, c call, req *v201.StatusNotificationRequest) (any, error) {
	if err := checkIDs(c.action, req.EVSEID, req.ConnectorID); err != nil {
		return nil, err
	}
	err := r.stations.StatusChanged(ctx, station.StatusChange{
		StationID:   c.station,
		EVSEID:      req.EVSEID,
		ConnectorID: req.ConnectorID,
		Status:      station.ConnectorStatus(req.ConnectorStatus),
		Time:        req.Timestamp.UTC(),
	})
	if err != nil {
		return nil, err
	}
	return &v201.StatusNotificationResponse{}, nil
}
