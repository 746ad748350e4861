package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/ladda-csms/ladda/ocpp/ocpptest"
	"github.com/ladda-csms/ladda/station"
)

// campaignStations reads where each station of a campaign stands, by station id.
func (e *env) campaignStations(t *testing.T, id int64) map[string]CampaignStation {
	t.Helper()
	var list List[CampaignStation]
	e.call(t, http.MethodGet, "/api/v1/firmware-campaigns/"+strconv.FormatInt(id, 10)+"/stations", nil).mustStatus(t, http.StatusOK).decode(t, &list)
	out := map[string]CampaignStation{}
	for _, s := range list.Items {
		out[s.StationID] = s
	}
	return out
}

// mustCampaign reads a campaign.
func (e *env) mustCampaign(t *testing.T, id int64) Campaign {
	t.Helper()
	var c Campaign
	e.call(t, http.MethodGet, "/api/v1/firmware-campaigns/"+strconv.FormatInt(id, 10), nil).mustStatus(t, http.StatusOK).decode(t, &c)
	return c
}

// TestFirmwareCampaign: an image rolled out to four stations, two at a time: the two that take
// it install it (their notifications move the campaign on, with and without requestId), one
// refuses, one stays offline until the deadline; then the campaign is finished.
func TestFirmwareCampaign(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	ctx := context.Background()
	e.putFirmware(t, "acme-3.0.bin", []byte("ACME firmware 3.0")).mustStatus(t, http.StatusOK)
	e.mustSimulated(t, "CAMP-A", ocpptest.V16, nil)
	e.mustSimulated(t, "CAMP-B", ocpptest.V201, nil)
	e.mustSimulated(t, "CAMP-C", ocpptest.V201, func(context.Context, string, json.RawMessage) ocpptest.Answer { return ocpptest.Answer{Refuse: true} })
	e.mustStation(t, "CAMP-D", station.Accepted)

	var c Campaign
	r := e.call(t, http.MethodPost, "/api/v1/firmware-campaigns", map[string]any{"name": "3.0 rollout", "firmware": "acme-3.0.bin",
		"stationIds": []string{"CAMP-D", "CAMP-C", "CAMP-B", "CAMP-A"}, "concurrency": 2, "deadline": e.clock.Now().Add(time.Hour)}).mustStatus(t, http.StatusCreated)
	r.decode(t, &c)
	if c.Status != "Running" || c.Stations["Pending"] != 4 || r.header.Get("Location") != "/api/v1/firmware-campaigns/"+strconv.FormatInt(c.ID, 10) {
		t.Fatalf("created %+v (Location %q)", c, r.header.Get("Location"))
	}

	// The first step sends the update to two stations only. A simulated station may report
	// its progress at once, so A and B are Updating or already beyond.
	e.firmware.Step(ctx)
	got := e.campaignStations(t, c.ID)
	sent := func(st string) bool { return st == "Updating" || st == "Installed" }
	if !sent(got["CAMP-A"].Status) || !sent(got["CAMP-B"].Status) || got["CAMP-C"].Status != "Pending" || got["CAMP-D"].Status != "Pending" {
		t.Fatalf("after the first step: %+v; want A and B sent, C and D waiting", got)
	}
	if got["CAMP-A"].CommandID == nil || got["CAMP-A"].Attempts != 1 {
		t.Errorf("A: %+v, want its command and one attempt", got["CAMP-A"])
	}
	// Their notifications finish them: A (1.6) by station, B (2.0.1) by requestId.
	eventually(t, "installed", func() bool {
		got = e.campaignStations(t, c.ID)
		return got["CAMP-A"].Status == "Installed" && got["CAMP-B"].Status == "Installed"
	})
	if got["CAMP-B"].Detail != "Installed" {
		t.Errorf("B: %+v", got["CAMP-B"])
	}

	// Room again: C refuses, D is offline and waits for another try.
	e.firmware.Step(ctx)
	got = e.campaignStations(t, c.ID)
	if got["CAMP-C"].Status != "Failed" || got["CAMP-C"].Detail != "the station answered Rejected" {
		t.Errorf("C: %+v, want failed with the station's refusal", got["CAMP-C"])
	}
	if d := got["CAMP-D"]; d.Status != "Pending" || d.Attempts != 0 || d.Detail != "offline: tried again when connected" {
		t.Errorf("D: %+v, want pending, not tried while offline", d)
	}
	e.clock.Advance(2 * time.Minute)
	e.firmware.Step(ctx)
	if log := e.mustCommands(t, "CAMP-D", "").Items; len(log) != 0 {
		t.Errorf("the offline station's command log has %d entries, want none", len(log))
	}
	// The deadline passes: D fails, and the campaign is over.
	e.clock.Advance(time.Hour)
	e.firmware.Step(ctx)
	e.firmware.Step(ctx)
	if d := e.campaignStations(t, c.ID)["CAMP-D"]; d.Status != "Failed" || d.Detail != "not reached before the deadline" {
		t.Errorf("D after the deadline: %+v", d)
	}
	c = e.mustCampaign(t, c.ID)
	if c.Status != "Finished" || c.Stations["Installed"] != 2 || c.Stations["Failed"] != 2 {
		t.Errorf("finished campaign: %+v", c)
	}
	e.call(t, http.MethodPost, "/api/v1/firmware-campaigns/"+strconv.FormatInt(c.ID, 10)+"/cancel", nil).mustProblem(t, http.StatusConflict)

	// A campaign cancelled before it began skips its stations.
	var c2 Campaign
	e.call(t, http.MethodPost, "/api/v1/firmware-campaigns", map[string]any{"name": "oops", "location": "https://fw.example.com/x.bin",
		"stationIds": []string{"CAMP-D"}}).mustStatus(t, http.StatusCreated).decode(t, &c2)
	e.call(t, http.MethodPost, "/api/v1/firmware-campaigns/"+strconv.FormatInt(c2.ID, 10)+"/cancel", nil).mustStatus(t, http.StatusOK).decode(t, &c2)
	if c2.Status != "Cancelled" || c2.Stations["Skipped"] != 1 {
		t.Errorf("cancelled campaign: %+v", c2)
	}
	var list List[Campaign]
	e.call(t, http.MethodGet, "/api/v1/firmware-campaigns?status=Finished", nil).mustStatus(t, http.StatusOK).decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != c.ID {
		t.Errorf("finished campaigns: %+v", list.Items)
	}
}

// TestFirmwareCampaignErrors: campaigns that break the rules are refused.
func TestFirmwareCampaignErrors(t *testing.T) {
	t.Parallel()
	e := newCommandEnv(t, 10*time.Second)
	e.mustStation(t, "CAMP-X", station.Accepted)
	for _, tt := range []struct {
		name   string
		body   map[string]any
		status int
	}{
		{"unknown image", map[string]any{"name": "n", "firmware": "nope.bin", "stationIds": []string{"CAMP-X"}}, 422},
		{"neither", map[string]any{"name": "n", "stationIds": []string{"CAMP-X"}}, 422},
		{"unknown station", map[string]any{"name": "n", "location": "https://fw.example.com/x.bin", "stationIds": []string{"CAMP-X", "NOBODY"}}, 404},
		{"no stations", map[string]any{"name": "n", "location": "https://fw.example.com/x.bin", "stationIds": []string{}}, 422},
		{"twice", map[string]any{"name": "n", "location": "https://fw.example.com/x.bin", "stationIds": []string{"CAMP-X", "CAMP-X"}}, 422},
		{"deadline first", map[string]any{"name": "n", "location": "https://fw.example.com/x.bin", "stationIds": []string{"CAMP-X"}, "deadline": "2020-01-01T00:00:00Z"}, 422},
	} {
		e.call(t, http.MethodPost, "/api/v1/firmware-campaigns", tt.body).mustProblem(t, tt.status)
	}
	e.call(t, http.MethodGet, "/api/v1/firmware-campaigns/999", nil).mustProblem(t, http.StatusNotFound)
	e.call(t, http.MethodGet, "/api/v1/firmware-campaigns/999/stations", nil).mustProblem(t, http.StatusNotFound)
}
