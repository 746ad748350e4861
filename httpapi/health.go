package httpapi

import (
	"context"
	"time"

	"github.com/ladda-csms/ladda"
)

// readyTimeout bounds how long /readyz waits for the store.
const readyTimeout = 2 * time.Second

type healthOutput struct {
	Body Health
}

// Health is the answer of the probes /healthz and /readyz when all is well.
type Health struct {
	Status string `json:"status" enum:"ok" doc:"Always ok: a failure is an error response."`
}

// health handles GET /healthz: 200 {"status":"ok"} whenever the process can answer at all.
func (s *server) health(context.Context, *struct{}) (*healthOutput, error) {
	return &healthOutput{Body: Health{Status: "ok"}}, nil
}

// readiness handles GET /readyz: 200 {"status":"ok"} when the store answers its ping within
// readyTimeout, otherwise 503.
func (s *server) readiness(ctx context.Context, _ *struct{}) (*healthOutput, error) {
	if s.ready != nil {
		ctx, cancel := context.WithTimeout(ctx, readyTimeout)
		defer cancel()
		if err := s.ready(ctx); err != nil {
			return nil, &ladda.Error{Kind: ladda.Unavailable, Op: "httpapi.readiness", Message: "the store does not answer", Err: err}
		}
	}
	return &healthOutput{Body: Health{Status: "ok"}}, nil
}
