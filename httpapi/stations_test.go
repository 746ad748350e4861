package httpapi

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/station"
)

func TestCreateStation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mustStation(t, "TAKEN", station.Accepted)

	tests := []struct {
		name         string
		body         any
		status       int
		password     string // expected password; "" with status 201: generated
		registration string
		location     string // for errors: where the first detail points, if anywhere
	}{
		{name: "generated password", body: map[string]any{"id": "CS-1"}, status: 201, registration: "Accepted"},
		{name: "given password", body: map[string]any{"id": "CS-2", "password": "0123456789abcdef", "description": "hall 2"}, status: 201, password: "0123456789abcdef", registration: "Accepted"},
		{name: "pending", body: map[string]any{"id": "CS-3", "registration": "Pending"}, status: 201, registration: "Pending"},
		{name: "duplicate", body: map[string]any{"id": "TAKEN"}, status: 409},
		{name: "id breaks a rule", body: map[string]any{"id": "a/b"}, status: 422},
		{name: "id too long", body: map[string]any{"id": strings.Repeat("x", 49)}, status: 422, location: "body.id"},
		{name: "id missing", body: map[string]any{"description": "no id"}, status: 422, location: "body"},
		{name: "password too short", body: map[string]any{"id": "CS-4", "password": "short"}, status: 422, location: "body.password"},
		{name: "unknown registration", body: map[string]any{"id": "CS-5", "registration": "Maybe"}, status: 422, location: "body.registration"},
		{name: "unknown field", body: map[string]any{"id": "CS-6", "colour": "red"}, status: 422, location: "body.colour"},
		{name: "malformed JSON", body: `{"id": "CS-7"`, status: 400, location: "body"},
		{name: "no body", body: nil, status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := e.call(t, http.MethodPost, "/api/v1/stations", tt.body)
			if tt.status != http.StatusCreated {
				p := r.mustProblem(t, tt.status)
				if tt.location != "" && (len(p.Errors) == 0 || p.Errors[0].Location != tt.location) {
					t.Errorf("error details %+v, want location %s", p.Errors, tt.location)
				}
				if strings.Contains(string(r.body), "short") || strings.Contains(string(r.body), `\"id\"`) {
					t.Errorf("the error echoes the password or the raw body: %s", r.body)
				}
				return
			}
			r.mustStatus(t, http.StatusCreated)
			var got StationCreated
			r.decode(t, &got)
			if loc := r.header.Get("Location"); loc != "/api/v1/stations/"+got.ID {
				t.Errorf("Location %q", loc)
			}
			want := tt.password
			if want == "" {
				want = got.Password
				if len(want) != station.MaxPasswordLen {
					t.Errorf("generated password %q has %d characters, want %d", want, len(want), station.MaxPasswordLen)
				}
			}
			if got.Password != want {
				t.Errorf("password %q, want %q", got.Password, want)
			}
			if got.Registration != tt.registration || !got.CreatedAt.Equal(t0) || len(got.EVSEs) != 0 || got.Connected {
				t.Errorf("station %+v", got.Station)
			}
			// The password shown is the one the station can log in with.
			if err := e.stations.Authenticate(context.Background(), ladda.StationID(got.ID), want, true, false); err != nil {
				t.Errorf("the station cannot authenticate with the password shown: %v", err)
			}
			// Reading it back never shows a password again.
			if _, ok := e.call(t, http.MethodGet, "/api/v1/stations/"+got.ID, nil).mustStatus(t, 200).fields(t)["password"]; ok {
				t.Error("GET shows a password")
			}
		})
	}
}

func TestGetStation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.mustStation(t, "CS-1", station.Accepted)
	e.mustStation(t, "CS-OFF", station.Accepted)
	if err := e.stations.Connected(ctx, "CS-1", "2.0.1"); err != nil {
		t.Fatal(err)
	}
	boot := station.Boot{Vendor: "Acme", Model: "Fast 2", SerialNumber: "S-9", FirmwareVersion: "1.2.3", Reason: "PowerUp"}
	if _, err := e.stations.Boot(ctx, "CS-1", boot, "2.0.1"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []station.StatusChange{
		{StationID: "CS-1", EVSEID: 1, ConnectorID: 1, Status: station.StatusOccupied, Time: t0.Add(time.Second)},
		{StationID: "CS-1", EVSEID: 2, ConnectorID: 1, Status: station.StatusFaulted, ErrorCode: "GroundFailure", Info: "RCD", Time: t0.Add(2 * time.Second)},
		{StationID: "CS-OFF", EVSEID: 1, ConnectorID: 1, Status: station.StatusAvailable, Time: t0},
	} {
		if err := e.stations.StatusChanged(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.stations.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	t.Run("connected and booted", func(t *testing.T) {
		t.Parallel()
		var got Station
		e.call(t, http.MethodGet, "/api/v1/stations/CS-1", nil).mustStatus(t, 200).decode(t, &got)
		if !got.Connected || got.OCPPVersion != "2.0.1" || got.LastSeen == nil || !got.LastSeen.Equal(t0) {
			t.Errorf("connection: connected %v, version %q, lastSeen %v", got.Connected, got.OCPPVersion, got.LastSeen)
		}
		want := Boot{Vendor: "Acme", Model: "Fast 2", SerialNumber: "S-9", FirmwareVersion: "1.2.3", Reason: "PowerUp"}
		if got.Boot == nil || *got.Boot != want || got.BootedAt == nil {
			t.Errorf("boot %+v at %v, want %+v", got.Boot, got.BootedAt, want)
		}
		wantEVSEs := []EVSE{
			{ID: 1, Connectors: []Connector{{ID: 1, Status: "Occupied", State: "occupied", UpdatedAt: t0.Add(time.Second)}}},
			{ID: 2, Connectors: []Connector{{ID: 1, Status: "Faulted", State: "faulted", ErrorCode: "GroundFailure", Info: "RCD", UpdatedAt: t0.Add(2 * time.Second)}}},
		}
		if !equalEVSEs(got.EVSEs, wantEVSEs) {
			t.Errorf("evses %+v, want %+v", got.EVSEs, wantEVSEs)
		}
	})
	t.Run("offline connectors", func(t *testing.T) {
		t.Parallel()
		var got Station
		e.call(t, http.MethodGet, "/api/v1/stations/CS-OFF", nil).mustStatus(t, 200).decode(t, &got)
		if got.Connected || got.Boot != nil || got.BootedAt != nil || len(got.EVSEs) != 1 || got.EVSEs[0].Connectors[0].State != "offline" {
			t.Errorf("station %+v", got)
		}
	})
	t.Run("the view never shows the credential", func(t *testing.T) {
		t.Parallel()
		body := strings.ToLower(string(e.call(t, http.MethodGet, "/api/v1/stations/CS-1", nil).mustStatus(t, 200).body))
		for _, word := range []string{"credential", "salt", "hash", "password"} {
			if strings.Contains(body, word) {
				t.Errorf("station view contains %q: %s", word, body)
			}
		}
	})
	t.Run("unknown", func(t *testing.T) {
		t.Parallel()
		e.call(t, http.MethodGet, "/api/v1/stations/NOPE", nil).mustProblem(t, 404)
	})
	t.Run("id too long", func(t *testing.T) {
		t.Parallel()
		e.call(t, http.MethodGet, "/api/v1/stations/"+strings.Repeat("x", 49), nil).mustProblem(t, 422)
	})
}

func equalEVSEs(a, b []EVSE) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID || len(a[i].Connectors) != len(b[i].Connectors) {
			return false
		}
		for j, c := range a[i].Connectors {
			d := b[i].Connectors[j]
			if c.ID != d.ID || c.Status != d.Status || c.State != d.State || c.ErrorCode != d.ErrorCode || c.Info != d.Info || !c.UpdatedAt.Equal(d.UpdatedAt) {
				return false
			}
		}
	}
	return true
}

func TestListStations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, id := range []string{"A", "B", "C", "D", "E"} {
		reg := station.Accepted
		if id == "B" || id == "D" {
			reg = station.Pending
		}
		e.mustStation(t, id, reg)
	}
	if err := e.stations.Connected(context.Background(), "C", "1.6"); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		query string
		ids   string // the ids of the page, comma-separated
		next  string
	}{
		{"", "A,B,C,D,E", ""},
		{"?registration=Pending", "B,D", ""},
		{"?registration=Accepted&connected=false", "A,E", ""},
		{"?connected=true", "C", ""},
		{"?limit=2", "A,B", "B"},
		{"?limit=2&after=B", "C,D", "D"},
		{"?limit=2&after=D", "E", ""},
		{"?limit=5", "A,B,C,D,E", ""},
		{"?after=E", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			t.Parallel()
			var got List[Station]
			e.call(t, http.MethodGet, "/api/v1/stations"+tt.query, nil).mustStatus(t, 200).decode(t, &got)
			if ids := stationIDs(got.Items); ids != tt.ids || got.Next != tt.next {
				t.Errorf("page %q next %q, want %q next %q", ids, got.Next, tt.ids, tt.next)
			}
			if got.Items == nil {
				t.Error("items is null, want a list")
			}
		})
	}
	for _, q := range []string{"?limit=0", "?limit=501", "?limit=x", "?registration=Maybe", "?connected=maybe", "?registraton=Pending"} {
		t.Run("bad "+q, func(t *testing.T) {
			t.Parallel()
			e.call(t, http.MethodGet, "/api/v1/stations"+q, nil).mustProblem(t, 422)
		})
	}
}

func stationIDs(list []Station) string {
	ids := make([]string, len(list))
	for i, s := range list {
		ids[i] = s.ID
	}
	return strings.Join(ids, ",")
}

func TestUpdateStation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()

	tests := []struct {
		name     string
		reg      station.Registration // of the station before the change
		body     any
		status   int
		location string // for errors: where the detail points, if anywhere
		check    func(t *testing.T, id, oldPassword string, got StationUpdated)
	}{
		{name: "description", reg: station.Accepted, body: map[string]any{"description": "moved to bay 4"}, status: 200,
			check: func(t *testing.T, id, old string, got StationUpdated) {
				if got.Description != "moved to bay 4" || got.Password != "" || got.Registration != "Accepted" {
					t.Errorf("station %+v", got)
				}
				if err := e.stations.Authenticate(ctx, ladda.StationID(id), old, true, false); err != nil {
					t.Errorf("the old password stopped working: %v", err)
				}
			}},
		{name: "approve", reg: station.Pending, body: map[string]any{"registration": "Accepted"}, status: 200,
			check: func(t *testing.T, id, old string, got StationUpdated) {
				if got.Registration != "Accepted" {
					t.Errorf("registration %s", got.Registration)
				}
			}},
		{name: "set password", reg: station.Accepted, body: map[string]any{"password": "new-password-0123"}, status: 200,
			check: func(t *testing.T, id, old string, got StationUpdated) {
				mustPasswordSwapped(t, e, id, old, "new-password-0123", got.Password)
			}},
		{name: "rotate password", reg: station.Accepted, body: map[string]any{"rotatePassword": true}, status: 200,
			check: func(t *testing.T, id, old string, got StationUpdated) {
				if len(got.Password) != station.MaxPasswordLen {
					t.Errorf("rotated password %q", got.Password)
				}
				mustPasswordSwapped(t, e, id, old, got.Password, got.Password)
			}},
		{name: "nothing", reg: station.Accepted, body: map[string]any{}, status: 200,
			check: func(t *testing.T, id, old string, got StationUpdated) {
				if got.Password != "" {
					t.Errorf("password shown without a change of password")
				}
			}},
		{name: "password and rotate", reg: station.Accepted, body: map[string]any{"password": "new-password-0123", "rotatePassword": true}, status: 422},
		{name: "password too short", reg: station.Accepted, body: map[string]any{"password": "short"}, status: 422, location: "body.password"},
		{name: "bad registration", reg: station.Accepted, body: map[string]any{"registration": "Sure"}, status: 422},
		{name: "null description", reg: station.Accepted, body: `{"description": null}`, status: 422, location: "body.description"},
		{name: "malformed", reg: station.Accepted, body: `{"description": `, status: 400},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id := "CS-" + string(rune('A'+i))
			old := e.mustStation(t, id, tt.reg)
			r := e.call(t, http.MethodPatch, "/api/v1/stations/"+id, tt.body)
			if tt.status != 200 {
				p := r.mustProblem(t, tt.status)
				if tt.location != "" && (len(p.Errors) != 1 || p.Errors[0].Location != tt.location) {
					t.Errorf("error details %+v, want one at %s", p.Errors, tt.location)
				}
				if err := e.stations.Authenticate(ctx, ladda.StationID(id), old, true, false); err != nil {
					t.Errorf("a refused change changed the password: %v", err)
				}
				return
			}
			var got StationUpdated
			r.mustStatus(t, 200).decode(t, &got)
			if got.ID != id {
				t.Errorf("id %q", got.ID)
			}
			tt.check(t, id, old, got)
		})
	}
	t.Run("unknown", func(t *testing.T) {
		t.Parallel()
		e.call(t, http.MethodPatch, "/api/v1/stations/NOPE", map[string]any{"description": "x"}).mustProblem(t, 404)
	})
}

// mustPasswordSwapped checks that a station logs in with its new password, not the old one, and
// that the response showed the new one.
func mustPasswordSwapped(t *testing.T, e *env, id, old, new, shown string) {
	t.Helper()
	ctx := context.Background()
	if shown != new {
		t.Errorf("response shows password %q, want %q", shown, new)
	}
	if err := e.stations.Authenticate(ctx, ladda.StationID(id), new, true, false); err != nil {
		t.Errorf("new password refused: %v", err)
	}
	if err := e.stations.Authenticate(ctx, ladda.StationID(id), old, true, false); err == nil {
		t.Error("old password still accepted")
	}
}

func TestDeleteStation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mustStation(t, "CS-1", station.Accepted)
	r := e.call(t, http.MethodDelete, "/api/v1/stations/CS-1", nil).mustStatus(t, http.StatusNoContent)
	if len(r.body) != 0 {
		t.Errorf("204 with a body: %s", r.body)
	}
	e.call(t, http.MethodGet, "/api/v1/stations/CS-1", nil).mustProblem(t, 404)
	e.call(t, http.MethodDelete, "/api/v1/stations/CS-1", nil).mustProblem(t, 404)
}
