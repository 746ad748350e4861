package main

import (
	"context"
	"strings"
	"testing"

	"github.com/ladda-csms/ladda/ocpp/ocpptest"
)

// TestRemoteCommandsEndToEnd: an operator resets a connected station through the API, sees
// the station's answer, and finds the command in the station's log; a command to a station
// that is not connected is refused with 409 and logged as offline.
func TestRemoteCommandsEndToEnd(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	s.register(t, "CMD-E2E", "s3cret-pass-e2e1")
	s.register(t, "CMD-AWAY", "s3cret-pass-e2e2")
	st, err := ocpptest.New(ocpptest.Config{URL: s.WSURL, ID: "CMD-E2E", Password: "s3cret-pass-e2e1", Version: ocpptest.V201, DisableHeartbeat: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Up(context.Background()); err != nil {
		t.Fatal(err)
	}

	type record struct {
		ID      int64  `json:"id"`
		Action  string `json:"action"`
		Outcome string `json:"outcome"`
		Answer  *struct {
			Status string `json:"status"`
		} `json:"answer"`
		Error       string `json:"error"`
		RequestedBy string `json:"requestedBy"`
	}
	var r record
	s.mustCall(t, 200, "POST", "/api/v1/stations/CMD-E2E/reset", map[string]any{"type": "Hard"}, &r)
	if r.Action != "Reset" || r.Outcome != "answered" || r.Answer == nil || r.Answer.Status != "Accepted" || !strings.HasPrefix(r.RequestedBy, "apikey:") {
		t.Fatalf("reset = %+v", r)
	}

	var away map[string]any
	if got := s.call(t, "POST", "/api/v1/stations/CMD-AWAY/clear-cache", nil, &away); got != 409 {
		t.Fatalf("command to an offline station: %d %v, want 409", got, away)
	}

	var log list[record]
	s.mustCall(t, 200, "GET", "/api/v1/stations/CMD-E2E/commands", nil, &log)
	if len(log.Items) != 1 || log.Items[0].ID != r.ID {
		t.Fatalf("command log = %+v, want the reset", log.Items)
	}
	s.mustCall(t, 200, "GET", "/api/v1/stations/CMD-AWAY/commands", nil, &log)
	if len(log.Items) != 1 || log.Items[0].Outcome != "offline" {
		t.Fatalf("offline command log = %+v, want one offline entry", log.Items)
	}
}
