package ocpp

import (
	"context"

	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
)

// dataTransfer16 handles 1.6 DataTransfer. Ladda knows no vendor extensions yet, so it answers
// UnknownVendorId, the status the specification gives for that case; the message is logged so
// an operator can see what a station tried.
func dataTransfer16(_ context.Context, r *Router, c call, req *v16.DataTransferRequest) (any, error) {
	r.log.Info("data transfer from station", "station", c.station, "vendorId", req.VendorID, "messageId", req.MessageID)
	return &v16.DataTransferResponse{Status: v16.DataTransferStatusUnknownVendorId}, nil
}

// dataTransfer201 handles 2.0.1 DataTransfer.
func dataTransfer201(_ context.Context, r *Router, c call, req *v201.DataTransferRequest) (any, error) {
	r.log.Info("data transfer from station", "station", c.station, "vendorId", req.VendorID, "messageId", req.MessageID)
	return &v201.DataTransferResponse{Status: v201.DataTransferStatusUnknownVendorId}, nil
}
