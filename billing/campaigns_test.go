package billing_test

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/billing"
	"github.com/ladda-csms/ladda/station"
)

// Sponsorship campaigns run over a real SQLite store and a real station.Service. Only the
// station.Commander is faked, at our own boundary: screens records the commands that would
// go to stations and answers them as a station would, keeping what each one shows. The
// simulated OCPP stations of ocpp/ocpptest would be more faithful, but need the gateway.

// sentCommand is one command a station was sent.
type sentCommand struct {
	station ladda.StationID
	cmd     station.Command
}

// screens is a fake station.Commander: the display messages of every station.
type screens struct {
	mu      sync.Mutex
	sent    []sentCommand
	shown   map[ladda.StationID]map[int]station.DisplayMessage
	refuse  map[ladda.StationID]string // a station that answers SetDisplayMessage with this status
	offline map[ladda.StationID]bool   // a station whose socket is gone, whatever the store says
}

func (s *screens) Execute(_ context.Context, id ladda.StationID, cmd station.Command) (station.Answer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, sentCommand{id, cmd})
	if s.offline[id] {
		return station.Answer{}, &ladda.Error{Kind: ladda.Conflict, Op: "screens.Execute", Message: "station " + string(id) + " is not connected", Err: station.ErrOffline}
	}
	if s.shown[id] == nil {
		s.shown[id] = map[int]station.DisplayMessage{}
	}
	switch c := cmd.(type) {
	case station.SetDisplayMessage:
		if status := s.refuse[id]; status != "" {
			return station.Answer{Status: status}, nil
		}
		s.shown[id][c.Message.ID] = c.Message
	case station.ClearDisplayMessage:
		if _, ok := s.shown[id][c.ID]; !ok {
			return station.Answer{Status: "Unknown"}, nil
		}
		delete(s.shown[id], c.ID)
	}
	return station.Answer{Status: "Accepted"}, nil
}

// to returns the commands sent to a station.
func (s *screens) to(id ladda.StationID) []station.Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []station.Command
	for _, c := range s.sent {
		if c.station == id {
			out = append(out, c.cmd)
		}
	}
	return out
}

// showing returns the ids of the messages a station shows, in order.
func (s *screens) showing(id ladda.StationID) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []int
	for m := range s.shown[id] {
		ids = append(ids, m)
	}
	slices.Sort(ids)
	return ids
}

// campaignEnv is an env whose service runs campaigns.
type campaignEnv struct {
	*env
	svc      *billing.Service
	stations *station.Service
	screens  *screens
}

func newCampaignEnv(t *testing.T) *campaignEnv {
	t.Helper()
	e := newEnv(t)
	sc := &screens{shown: map[ladda.StationID]map[int]station.DisplayMessage{}, refuse: map[ladda.StationID]string{}, offline: map[ladda.StationID]bool{}}
	stations := station.NewService(e.db, nil, e.clock, nil, station.Config{Pepper: []byte("pepper")})
	stations.SetCommander(sc)
	svc, err := billing.NewService(e.db, e.db, billing.Options{Clock: e.clock, Payments: e.db, Stations: stations})
	if err != nil {
		t.Fatal(err)
	}
	return &campaignEnv{env: e, svc: svc, stations: stations, screens: sc}
}

// connect marks a station connected (or not) with its OCPP version.
func (e *campaignEnv) connect(t *testing.T, id ladda.StationID, connected bool, version string) {
	t.Helper()
	if err := e.db.SetConnected(t.Context(), id, connected, version, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
}

// run runs the campaigns once.
func (e *campaignEnv) run(t *testing.T) {
	t.Helper()
	if err := e.svc.RunCampaigns(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// report returns a campaign's report.
func (e *campaignEnv) report(t *testing.T, id int64) *billing.CampaignReport {
	t.Helper()
	r, err := e.svc.ReportCampaign(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// campaign returns a campaign of the env's organisation from an hour after t0 for a day, in
// English and Swedish, for 500 SEK and 0.25 SEK per impression.
func (e *campaignEnv) campaign(stations []ladda.StationID, sites []int64) *billing.SponsorCampaign {
	return &billing.SponsorCampaign{OrgID: e.org, Name: "Spring", Sponsor: "acme", Priority: billing.PriorityInFront,
		Messages: []billing.SponsorMessage{{Language: "en", Content: "Charge up with Acme"}, {Language: "sv", Content: "Ladda med Acme"}},
		StartAt:  t0.Add(time.Hour), EndAt: t0.Add(25 * time.Hour), StationIDs: stations, SiteIDs: sites,
		Currency: "SEK", Fee: billing.Amount{}, FeePerImpression: billing.Amount{}}
}

func messageID(t *testing.T, campaign int64, i int) int {
	t.Helper()
	id, err := billing.SponsorMessageID(campaign, i)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func wantDeliveries(t *testing.T, e *campaignEnv, id int64, want map[ladda.StationID][]billing.DeliveryStatus) {
	t.Helper()
	list, err := e.db.SponsorDeliveries(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	got := map[ladda.StationID][]billing.DeliveryStatus{}
	for _, d := range list {
		got[d.StationID] = append(got[d.StationID], d.Status)
	}
	for st, w := range want {
		if !slices.Equal(got[st], w) {
			t.Errorf("deliveries at %s = %v, want %v", st, got[st], w)
		}
	}
	for st := range got {
		if _, ok := want[st]; !ok {
			t.Errorf("unexpected deliveries at %s: %v", st, got[st])
		}
	}
}

func TestCampaignRunsFromStartToFee(t *testing.T) {
	t.Parallel()
	e := newCampaignEnv(t)
	ctx := t.Context()
	// CP-1 stands at the Depot site (newEnv); CP-3, CP-5 and CP-6 too; CP-2 is named by itself.
	for _, id := range []ladda.StationID{"CP-3", "CP-5", "CP-6"} {
		e.station(t, id, e.site.ID)
	}
	e.station(t, "CP-2", 0)
	e.station(t, "CP-9", 0) // neither named nor at the site
	for _, id := range []ladda.StationID{"CP-1", "CP-2", "CP-5", "CP-6", "CP-9"} {
		e.connect(t, id, true, "2.0.1")
	}
	e.screens.offline["CP-5"] = true                  // the store says connected, the socket is gone
	e.screens.refuse["CP-6"] = "NotSupportedPriority" // it answers, but will not show it
	c := e.campaign([]ladda.StationID{"CP-2"}, []int64{e.site.ID})
	c.Fee, c.FeePerImpression = amount(t, "500"), amount(t, "0.25")
	if err := e.svc.CreateCampaign(ctx, c); err != nil {
		t.Fatal(err)
	}
	if c.Status != billing.CampaignScheduled || c.ID == 0 {
		t.Fatalf("created: %+v", c)
	}
	if r := e.report(t, c.ID); r.Targets != 5 || r.Impressions != 0 || r.Fee.Cmp(amount(t, "500")) != 0 {
		t.Errorf("scheduled report: %d targets, %d impressions, fee %s; want 5, 0, 500", r.Targets, r.Impressions, r.Fee)
	}

	// Before StartAt nothing happens.
	e.run(t)
	if len(e.screens.sent) != 0 {
		t.Fatalf("sent before the start: %v", e.screens.sent)
	}

	// At StartAt it runs: one message per language to each connected target.
	e.clock.Set(c.StartAt)
	e.run(t)
	got, err := e.svc.Campaign(ctx, c.ID)
	if err != nil || got.Status != billing.CampaignRunning {
		t.Fatalf("after the start: %+v, %v", got, err)
	}
	en, sv := messageID(t, c.ID, 0), messageID(t, c.ID, 1)
	for _, id := range []ladda.StationID{"CP-1", "CP-2"} {
		if ids := e.screens.showing(id); !slices.Equal(ids, []int{en, sv}) {
			t.Errorf("%s shows %v, want %v", id, ids, []int{en, sv})
		}
	}
	m := e.screens.shown["CP-1"][sv]
	if m.Language != "sv" || m.Content != "Ladda med Acme" || m.Priority != "InFront" || m.Format != "UTF8" ||
		m.StartAt == nil || !m.StartAt.Equal(c.StartAt) || m.EndAt == nil || !m.EndAt.Equal(c.EndAt) {
		t.Errorf("the Swedish message at CP-1: %+v", m)
	}
	log, err := e.stations.Commands(ctx, station.CommandFilter{StationID: "CP-1"})
	if err != nil || len(log) != 2 || log[0].RequestedBy != "sponsorship:"+strconv.FormatInt(c.ID, 10) || log[0].Action != "SetDisplayMessage" {
		t.Errorf("CP-1's command log: %+v, %v", log, err)
	}
	if n := len(e.screens.to("CP-3")) + len(e.screens.to("CP-9")); n != 0 {
		t.Errorf("%d commands to a disconnected station or one not targeted", n)
	}
	if n := len(e.screens.to("CP-5")); n != 1 {
		t.Errorf("%d commands to the unreachable CP-5, want 1: the rest waits", n)
	}
	wantDeliveries(t, e, c.ID, map[ladda.StationID][]billing.DeliveryStatus{
		"CP-1": {billing.DeliveryShown, billing.DeliveryShown},
		"CP-2": {billing.DeliveryShown, billing.DeliveryShown},
		"CP-3": {billing.DeliveryPending, billing.DeliveryPending},
		"CP-5": {billing.DeliveryPending, billing.DeliveryPending},
		"CP-6": {billing.DeliveryRefused, billing.DeliveryRefused},
	})

	// Every minute: what was shown or refused is not sent again; CP-3 gets its messages once it
	// connects; the unreachable CP-5 is tried a bounded number of times per message.
	before := len(e.screens.to("CP-1")) + len(e.screens.to("CP-6"))
	for i := range 2 * billing.MaxDeliveryAttempts {
		e.clock.Advance(time.Minute)
		if i == 3 {
			e.connect(t, "CP-3", true, "2.0.1")
		}
		e.run(t)
	}
	if after := len(e.screens.to("CP-1")) + len(e.screens.to("CP-6")); after != before {
		t.Errorf("%d more commands to stations that had answered", after-before)
	}
	if ids := e.screens.showing("CP-3"); !slices.Equal(ids, []int{en, sv}) {
		t.Errorf("CP-3 shows %v after connecting, want %v", ids, []int{en, sv})
	}
	if n := len(e.screens.to("CP-5")); n != 2*billing.MaxDeliveryAttempts {
		t.Errorf("%d commands to the unreachable CP-5, want %d", n, 2*billing.MaxDeliveryAttempts)
	}
	wantDeliveries(t, e, c.ID, map[ladda.StationID][]billing.DeliveryStatus{
		"CP-1": {billing.DeliveryShown, billing.DeliveryShown},
		"CP-2": {billing.DeliveryShown, billing.DeliveryShown},
		"CP-3": {billing.DeliveryShown, billing.DeliveryShown},
		"CP-5": {billing.DeliveryFailed, billing.DeliveryFailed},
		"CP-6": {billing.DeliveryRefused, billing.DeliveryRefused},
	})
	r := e.report(t, c.ID)
	if r.Targets != 5 || r.Impressions != 6 || r.Refused != 2 || r.Failed != 2 || r.Pending != 0 || r.Fee.Cmp(amount(t, "501.5")) != 0 {
		t.Errorf("running report: %+v", r)
	}

	// After EndAt it ends and books one fee: 500 + 6 × 0.25.
	e.clock.Set(c.EndAt.Add(30 * time.Second))
	sent := len(e.screens.sent)
	e.run(t)
	e.run(t) // once more: nothing is booked twice
	if got, _ := e.svc.Campaign(ctx, c.ID); got.Status != billing.CampaignEnded {
		t.Errorf("after the end: status %s", got.Status)
	}
	if len(e.screens.sent) != sent {
		t.Errorf("%d commands after the end", len(e.screens.sent)-sent)
	}
	entries, err := e.db.Entries(ctx, billing.SponsorAccount("acme"), 0, 10)
	if err != nil || len(entries) != 1 {
		t.Fatalf("sponsor entries: %d, %v; want 1", len(entries), err)
	}
	fee := entries[0]
	if fee.Kind != billing.EntrySponsorFee || fee.Ref != "campaign:"+strconv.FormatInt(c.ID, 10) || fee.Currency != "SEK" || !fee.At.Equal(c.EndAt) {
		t.Errorf("fee entry: %+v", fee)
	}
	if b, _ := e.db.Balance(ctx, billing.SponsorAccount("acme"), "SEK"); b.Cmp(amount(t, "501.5")) != 0 {
		t.Errorf("the sponsor owes %s, want 501.5", b)
	}
	if b, _ := e.db.Balance(ctx, billing.RevenueAccount(e.org), "SEK"); b.Cmp(amount(t, "-501.5")) != 0 {
		t.Errorf("the organisation's revenue is %s, want a credit of 501.5", b)
	}
	if r := e.report(t, c.ID); r.Impressions != 6 || r.Fee.Cmp(amount(t, "501.5")) != 0 {
		t.Errorf("ended report: %+v", r)
	}
	if _, err := e.svc.CancelCampaign(ctx, c.ID); !ladda.IsKind(err, ladda.Conflict) {
		t.Errorf("cancelling an ended campaign: %v, want conflict", err)
	}
	// The fee is revenue of the period it ended in.
	rows, err := e.svc.Revenue(ctx, billing.ReportFilter{OrgID: e.org, From: t0, To: c.EndAt.Add(time.Hour)})
	if err != nil || len(rows) != 1 || rows[0].Key != "sponsorship:acme" || rows[0].Total.Cmp(amount(t, "501.5")) != 0 {
		t.Errorf("revenue = %+v, %v; want the sponsorship's 501.5", rows, err)
	}
	if rows, _ := e.svc.Revenue(ctx, billing.ReportFilter{OrgID: e.org, From: t0, To: c.EndAt}); len(rows) != 0 {
		t.Errorf("revenue before the end = %+v, want none", rows)
	}
}

func TestCampaignEndsWhatItCouldNotDeliver(t *testing.T) {
	t.Parallel()
	e := newCampaignEnv(t)
	ctx := t.Context()
	// CP-1 (at the site) stays offline; no impression, no fee at all.
	c := e.campaign(nil, []int64{e.site.ID})
	if err := e.svc.CreateCampaign(ctx, c); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(c.StartAt)
	e.run(t)
	e.clock.Set(c.EndAt)
	e.run(t)
	wantDeliveries(t, e, c.ID, map[ladda.StationID][]billing.DeliveryStatus{"CP-1": {billing.DeliveryFailed, billing.DeliveryFailed}})
	if got, _ := e.svc.Campaign(ctx, c.ID); got.Status != billing.CampaignEnded {
		t.Errorf("status %s, want ended", got.Status)
	}
	if entries, err := e.db.Entries(ctx, billing.SponsorAccount("acme"), 0, 10); err != nil || len(entries) != 0 {
		t.Errorf("a fee of nothing was booked: %v, %v", entries, err)
	}
	if len(e.screens.sent) != 0 {
		t.Errorf("commands to an offline station: %v", e.screens.sent)
	}
}

func TestCancelledCampaignIsCleared(t *testing.T) {
	t.Parallel()
	e := newCampaignEnv(t)
	ctx := t.Context()
	e.station(t, "CP-2", 0)
	e.connect(t, "CP-1", true, "2.0.1")
	e.connect(t, "CP-2", true, "2.0.1")
	c := e.campaign([]ladda.StationID{"CP-1", "CP-2"}, nil)
	c.Fee = amount(t, "100")
	if err := e.svc.CreateCampaign(ctx, c); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(c.StartAt)
	e.run(t)
	en, sv := messageID(t, c.ID, 0), messageID(t, c.ID, 1)
	if ids := e.screens.showing("CP-2"); !slices.Equal(ids, []int{en, sv}) {
		t.Fatalf("CP-2 shows %v", ids)
	}

	// Cancelled while CP-2 is away: CP-1 is cleared at once, CP-2 once it is back.
	e.connect(t, "CP-2", false, "")
	e.clock.Advance(time.Minute)
	r, err := e.svc.CancelCampaign(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Campaign.Status != billing.CampaignCancelled || r.Fee.Sign() != 0 || r.Impressions != 4 {
		t.Errorf("cancelled report: %+v", r)
	}
	if ids := e.screens.showing("CP-1"); len(ids) != 0 {
		t.Errorf("CP-1 still shows %v", ids)
	}
	for _, cmd := range e.screens.to("CP-1")[2:] {
		if _, ok := cmd.(station.ClearDisplayMessage); !ok {
			t.Errorf("CP-1 was sent %T, want ClearDisplayMessage", cmd)
		}
	}
	wantDeliveries(t, e, c.ID, map[ladda.StationID][]billing.DeliveryStatus{
		"CP-1": {billing.DeliveryCleared, billing.DeliveryCleared},
		"CP-2": {billing.DeliveryShown, billing.DeliveryShown},
	})
	e.clock.Advance(time.Minute)
	e.run(t)
	if n := len(e.screens.to("CP-2")); n != 2 {
		t.Errorf("%d commands to the disconnected CP-2, want the 2 it had", n)
	}
	e.connect(t, "CP-2", true, "2.0.1")
	e.clock.Advance(time.Minute)
	e.run(t)
	if ids := e.screens.showing("CP-2"); len(ids) != 0 {
		t.Errorf("CP-2 still shows %v after it came back", ids)
	}
	wantDeliveries(t, e, c.ID, map[ladda.StationID][]billing.DeliveryStatus{
		"CP-1": {billing.DeliveryCleared, billing.DeliveryCleared},
		"CP-2": {billing.DeliveryCleared, billing.DeliveryCleared},
	})

	// Nothing more is sent, and no fee is booked when its end passes.
	sent := len(e.screens.sent)
	e.clock.Set(c.EndAt.Add(time.Minute))
	e.run(t)
	if len(e.screens.sent) != sent {
		t.Errorf("%d commands after the cancellation was done", len(e.screens.sent)-sent)
	}
	if got, _ := e.svc.Campaign(ctx, c.ID); got.Status != billing.CampaignCancelled {
		t.Errorf("status %s, want cancelled", got.Status)
	}
	if entries, err := e.db.Entries(ctx, billing.SponsorAccount("acme"), 0, 10); err != nil || len(entries) != 0 {
		t.Errorf("a cancelled campaign booked %v, %v", entries, err)
	}
	if _, err := e.svc.CancelCampaign(ctx, c.ID); !ladda.IsKind(err, ladda.Conflict) {
		t.Errorf("cancelling twice: %v, want conflict", err)
	}
}

func TestCancelBeforeTheStartSendsNothing(t *testing.T) {
	t.Parallel()
	e := newCampaignEnv(t)
	e.connect(t, "CP-1", true, "2.0.1")
	c := e.campaign([]ladda.StationID{"CP-1"}, nil)
	if err := e.svc.CreateCampaign(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CancelCampaign(t.Context(), c.ID); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(c.StartAt)
	e.run(t)
	if len(e.screens.sent) != 0 {
		t.Errorf("a campaign cancelled before its start sent %v", e.screens.sent)
	}
}

func TestCampaignAtOCPP16Stations(t *testing.T) {
	t.Parallel()
	e := newCampaignEnv(t)
	ctx := t.Context()
	e.connect(t, "CP-1", true, "1.6")
	// Without a vendorId a 1.6 station cannot show display messages: nothing is sent.
	plain := e.campaign([]ladda.StationID{"CP-1"}, nil)
	if err := e.svc.CreateCampaign(ctx, plain); err != nil {
		t.Fatal(err)
	}
	// With one, the messages go in the vendor's DataTransfer (the OCPP layer's job).
	tunnelled := e.campaign([]ladda.StationID{"CP-1"}, nil)
	tunnelled.VendorID = "com.example.display"
	if err := e.svc.CreateCampaign(ctx, tunnelled); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(plain.StartAt)
	e.run(t)
	wantDeliveries(t, e, plain.ID, map[ladda.StationID][]billing.DeliveryStatus{"CP-1": {billing.DeliveryFailed, billing.DeliveryFailed}})
	wantDeliveries(t, e, tunnelled.ID, map[ladda.StationID][]billing.DeliveryStatus{"CP-1": {billing.DeliveryShown, billing.DeliveryShown}})
	cmds := e.screens.to("CP-1")
	if len(cmds) != 2 {
		t.Fatalf("%d commands, want the 2 of the campaign with a vendor", len(cmds))
	}
	for _, cmd := range cmds {
		if m, ok := cmd.(station.SetDisplayMessage); !ok || m.VendorID != "com.example.display" {
			t.Errorf("sent %+v, want SetDisplayMessage for vendor com.example.display", cmd)
		}
	}
}

func TestCampaignKeepsToItsOrganisation(t *testing.T) {
	t.Parallel()
	e := newCampaignEnv(t)
	ctx := t.Context()
	other := &account.Organisation{Name: "Rival", Kind: account.OperatorOrg, CreatedAt: t0}
	if err := e.db.CreateOrganisation(ctx, other); err != nil {
		t.Fatal(err)
	}
	if err := e.db.CreateStation(ctx, &station.Station{ID: "RIVAL-1", Registration: station.Accepted, OrgID: other.ID, CreatedAt: t0, UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	rivalSite := &station.Site{OrgID: other.ID, Name: "Mall", Country: "SE", TimeZone: "Europe/Stockholm", CreatedAt: t0, UpdatedAt: t0}
	if err := e.db.CreateSite(ctx, rivalSite); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		camp *billing.SponsorCampaign
		kind ladda.Kind
	}{
		"another organisation's station": {e.campaign([]ladda.StationID{"CP-1", "RIVAL-1"}, nil), ladda.Invalid},
		"another organisation's site":    {e.campaign(nil, []int64{e.site.ID, rivalSite.ID}), ladda.Invalid},
		"an unknown station":             {e.campaign([]ladda.StationID{"CP-404"}, nil), ladda.NotFound},
		"an unknown site":                {e.campaign(nil, []int64{404}), ladda.NotFound},
		"an ended window": {func() *billing.SponsorCampaign {
			c := e.campaign([]ladda.StationID{"CP-1"}, nil)
			c.StartAt, c.EndAt = t0.Add(-2*time.Hour), t0
			return c
		}(), ladda.Invalid},
	} {
		if err := e.svc.CreateCampaign(ctx, c.camp); !ladda.IsKind(err, c.kind) || c.camp.ID != 0 {
			t.Errorf("%s: %v (id %d), want %v", name, err, c.camp.ID, c.kind)
		}
	}
	if list, err := e.svc.Campaigns(ctx, 0); err != nil || len(list) != 0 {
		t.Errorf("refused campaigns were stored: %v, %v", list, err)
	}

	// The operator's own campaign (no organisation) may run anywhere.
	own := e.campaign([]ladda.StationID{"CP-1", "RIVAL-1"}, nil)
	own.OrgID = 0
	if err := e.svc.CreateCampaign(ctx, own); err != nil {
		t.Fatal(err)
	}

	// A station that moves to another organisation after the campaign was made is left out.
	ours := e.campaign([]ladda.StationID{"CP-1"}, []int64{e.site.ID})
	if err := e.svc.CreateCampaign(ctx, ours); err != nil {
		t.Fatal(err)
	}
	if list, err := e.svc.Campaigns(ctx, e.org); err != nil || len(list) != 1 || list[0].ID != ours.ID {
		t.Errorf("the organisation's campaigns: %v, %v", list, err)
	}
	moved := other.ID
	noSite := int64(0)
	if _, err := e.db.UpdateStation(ctx, "CP-1", station.Update{OrgID: &moved, SiteID: &noSite}, t0); err != nil {
		t.Fatal(err)
	}
	e.connect(t, "CP-1", true, "2.0.1")
	e.connect(t, "RIVAL-1", true, "2.0.1")
	e.clock.Set(ours.StartAt)
	e.run(t)
	wantDeliveries(t, e, ours.ID, map[ladda.StationID][]billing.DeliveryStatus{})
	wantDeliveries(t, e, own.ID, map[ladda.StationID][]billing.DeliveryStatus{
		"CP-1":    {billing.DeliveryShown, billing.DeliveryShown},
		"RIVAL-1": {billing.DeliveryShown, billing.DeliveryShown},
	})
}

func TestCampaignsNeedStationsAndTheLedger(t *testing.T) {
	t.Parallel()
	e := newEnv(t) // its service has neither
	c := &billing.SponsorCampaign{Name: "x", Sponsor: "acme", Priority: billing.PriorityNormalCycle, Messages: []billing.SponsorMessage{{Language: "en", Content: "x"}},
		StartAt: t0, EndAt: t0.Add(time.Hour), StationIDs: []ladda.StationID{"CP-1"}, Currency: "SEK"}
	if err := e.svc.CreateCampaign(t.Context(), c); !ladda.IsKind(err, ladda.Unavailable) {
		t.Errorf("CreateCampaign without stations: %v, want unavailable", err)
	}
	if err := e.svc.RunCampaigns(t.Context()); err != nil {
		t.Errorf("RunCampaigns without stations: %v, want nothing done", err)
	}
}
