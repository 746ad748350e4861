package ocpp

import (
	"context"
	"encoding/json"
	"time"

	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
)

// dataTransfer16 handles 1.6 DataTransfer. The one vendor extension Ladda knows is 2.0.1 display
// messages carried in 1.6 (see station.SetDisplayMessage's VendorID): a NotifyDisplayMessages
// whose data is a valid 2.0.1 payload is kept as a NotifyDisplayMessages report, whatever the
// vendorId. Anything else is answered UnknownVendorId, the status the specification gives for
// that case, and logged so an operator can see what a station tried.
func dataTransfer16(ctx context.Context, r *Router, c call, req *v16.DataTransferRequest) (any, error) {
	r.log.Info("data transfer from station", "station", c.station, "vendorId", req.VendorID, "messageId", req.MessageID)
	if req.MessageID == "NotifyDisplayMessages" && r.validator.Validate(V201, "NotifyDisplayMessages", false, []byte(req.Data)) == nil {
		inner := c
		inner.action, inner.payload = "NotifyDisplayMessages", json.RawMessage(req.Data)
		if err := r.report(ctx, inner, "", "", time.Time{}); err != nil {
			return nil, err
		}
		return &v16.DataTransferResponse{Status: v16.DataTransferStatusAccepted}, nil
	}
	return &v16.DataTransferResponse{Status: v16.DataTransferStatusUnknownVendorId}, nil
}

// dataTransfer201 handles 2.0.1 DataTransfer.
func dataTransfer201(_ context.Context, r *Router, c call, req *v201.DataTransferRequest) (any, error) {
	r.log.Info("data transfer from station", "station", c.station, "vendorId", req.VendorID, "messageId", req.MessageID)
	return &v201.DataTransferResponse{Status: v201.DataTransferStatusUnknownVendorId}, nil
}
