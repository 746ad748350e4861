package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/ladda-csms/ladda/gateway"
)

// TestAcceptUnknownStations: with --accept-unknown-stations a new station is registered as
// pending on its first connection, may boot but not charge, and an operator approves it.
func TestAcceptUnknownStations(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--accept-unknown-stations")
	ctx := context.Background()
	dial := func(password string) (*gateway.ClientConn, error) {
		return gateway.Dial(ctx, s.WSURL+"/CP-NEW", gateway.DialOptions{Subprotocols: []string{"ocpp2.0.1"}, Username: "CP-NEW", Password: password})
	}
	boot := json.RawMessage(`{"chargingStation":{"model":"M","vendorName":"V"},"reason":"PowerUp"}`)
	bootStatus := func(c *gateway.ClientConn) string {
		t.Helper()
		res, err := c.Call(ctx, "BootNotification", boot)
		if err != nil {
			t.Fatalf("boot: %v", err)
		}
		var b struct{ Status string }
		if err := json.Unmarshal(res, &b); err != nil {
			t.Fatal(err)
		}
		return b.Status
	}

	c, err := dial("first-password-1234")
	if err != nil {
		t.Fatalf("first connection of an unknown station: %v", err)
	}
	if got := bootStatus(c); got != "Pending" {
		t.Fatalf("boot of a new station = %s, want Pending", got)
	}
	var view struct {
		Registration string `json:"registration"`
		Connected    bool   `json:"connected"`
	}
	s.mustCall(t, 200, "GET", "/api/v1/stations/CP-NEW", nil, &view)
	if view.Registration != "Pending" || !view.Connected {
		t.Fatalf("station = %+v, want a connected pending station", view)
	}

	// Another connection with another password is an impostor now.
	var de *gateway.DialError
	if _, err := dial("other-password-1234"); !errors.As(err, &de) || de.StatusCode != http.StatusUnauthorized {
		t.Fatalf("impostor: %v, want HTTP 401", err)
	}

	// The operator accepts it; it is disconnected so that it boots again, now accepted.
	s.mustCall(t, 200, "PATCH", "/api/v1/stations/CP-NEW", map[string]any{"registration": "Accepted"}, nil)
	<-c.Done()
	c2, err := dial("first-password-1234")
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if got := bootStatus(c2); got != "Accepted" {
		t.Fatalf("boot after approval = %s, want Accepted", got)
	}
}

// TestUnknownStationRefusedByDefault: without the switch an unknown station gets HTTP 401
// before the WebSocket upgrade.
func TestUnknownStationRefusedByDefault(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	_, err := gateway.Dial(context.Background(), s.WSURL+"/CP-STRANGER", gateway.DialOptions{Subprotocols: []string{"ocpp1.6"}, Username: "CP-STRANGER", Password: "whatever-password-1"})
	var de *gateway.DialError
	if !errors.As(err, &de) || de.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unknown station: %v, want HTTP 401", err)
	}
	var list struct {
		Items []any `json:"items"`
	}
	s.mustCall(t, 200, "GET", "/api/v1/stations", nil, &list)
	if len(list.Items) != 0 {
		t.Fatalf("stations after a refused stranger: %v, want none", list.Items)
	}
}
