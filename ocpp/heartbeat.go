package ocpp

import (
	"context"

	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
)

// heartbeat16 handles 1.6 Heartbeat. Every message marks the station as seen (HandleCall), so
// a heartbeat only tells the time; it touches no database row (last-seen times are flushed in
// batches).
func heartbeat16(_ context.Context, r *Router, _ call, _ *v16.HeartbeatRequest) (any, error) {
	return &v16.HeartbeatResponse{CurrentTime: r.clock.Now()}, nil
}

// heartbeat201 handles 2.0.1 Heartbeat.
func heartbeat201(_ context.Context, r *Router, _ call, _ *v201.HeartbeatRequest) (any, error) {
	return &v201.HeartbeatResponse{CurrentTime: r.clock.Now()}, nil
}
