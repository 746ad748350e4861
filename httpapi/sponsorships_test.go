package httpapi

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/billing"
	"github.com/ladda-csms/ladda/ocpp/ocpptest"
	"github.com/ladda-csms/ladda/station"
)

// The sponsorship handlers against simulated OCPP stations: the campaign's billing service
// reaches them through the station service and the gateway. The handlers are called directly
// with the caller in the context, as authenticate leaves it, so these tests do not depend on
// their place in the route table.

// sponsorshipEnv is a commandEnv with a server whose billing service runs campaigns.
type sponsorshipEnv struct {
	*commandEnv
	srv            *server
	orgA, orgB     int64
	siteA          *station.Site
	admin, a, b    context.Context // the callers: an administrator, operators of A and B
	shows, shows16 *ocpptest.Station
}

func newSponsorshipEnv(t *testing.T) *sponsorshipEnv {
	t.Helper()
	e := newCommandEnv(t, 5*time.Second)
	ctx := t.Context()
	svc, err := billing.NewService(e.db, e.db, billing.Options{Clock: e.clock, Payments: e.db, Stations: e.stations})
	if err != nil {
		t.Fatal(err)
	}
	s := &sponsorshipEnv{commandEnv: e, srv: &server{stations: e.stations, charging: e.charging, accounts: e.accounts, billing: svc}}
	for _, org := range []*int64{&s.orgA, &s.orgB} {
		o := &account.Organisation{Name: "CPO", Kind: account.OperatorOrg, CreatedAt: t0}
		if err := e.db.CreateOrganisation(ctx, o); err != nil {
			t.Fatal(err)
		}
		*org = o.ID
	}
	as := func(u *account.User) context.Context {
		return context.WithValue(ctx, principalContext{}, account.UserPrincipal(u, nil, false))
	}
	s.admin = as(&account.User{ID: 1, Role: account.Admin})
	s.a = as(&account.User{ID: 2, Role: account.Operator, OrgID: s.orgA})
	s.b = as(&account.User{ID: 3, Role: account.Operator, OrgID: s.orgB})
	s.siteA = &station.Site{OrgID: s.orgA, Name: "Depot", Country: "SE", TimeZone: "Europe/Stockholm"}
	if err := e.stations.CreateSite(ctx, s.siteA); err != nil {
		t.Fatal(err)
	}

	// A's 2.0.1 station, A's 1.6 station at its site (display messages through its vendor's
	// DataTransfer), and B's station.
	s.shows = e.mustSimulated(t, "SP-201", ocpptest.V201, nil)
	s.shows16 = e.mustSimulatedWith(t, ocpptest.Config{ID: "SP-16", Version: ocpptest.V16, DisplayVendorID: "com.example.display"})
	e.mustSimulated(t, "SP-B", ocpptest.V201, nil)
	for id, c := range map[ladda.StationID]station.Change{
		"SP-201": {OrgID: &s.orgA},
		"SP-16":  {OrgID: &s.orgA},
		"SP-B":   {OrgID: &s.orgB},
	} {
		if _, _, err := e.stations.Update(ctx, id, c); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := e.stations.Update(ctx, "SP-16", station.Change{SiteID: &s.siteA.ID}); err != nil {
		t.Fatal(err)
	}
	return s
}

// body returns a campaign of an hour from now at SP-201 and A's site, in English and Swedish.
func (s *sponsorshipEnv) body() SponsorshipBody {
	now := s.clock.Now()
	return SponsorshipBody{Name: "Spring", Sponsor: "acme", Priority: "NormalCycle", StartAt: now, EndAt: now.Add(time.Hour),
		Messages:   []SponsorMessage{{Language: "en", Content: "Charge up with Acme"}, {Language: "sv", Content: "Ladda med Acme"}},
		StationIDs: []string{"SP-201"}, SiteIDs: []int64{s.siteA.ID}, VendorID: "com.example.display", Currency: "SEK",
		Fee: "100", FeePerImpression: "0.5"}
}

// contents returns what a simulated station shows, by message id.
func contents(st *ocpptest.Station) []string {
	var out []string
	for _, m := range st.DisplayMessages() {
		out = append(out, m.Message.Language+":"+m.Message.Content)
	}
	return out
}

func TestSponsorshipReachesStationsAndIsCleared(t *testing.T) {
	t.Parallel()
	s := newSponsorshipEnv(t)
	created, err := s.srv.createSponsorship(s.a, &sponsorshipInput{Body: s.body()})
	if err != nil {
		t.Fatal(err)
	}
	sp := created.Body
	if sp.Status != "scheduled" || sp.OrganisationID != s.orgA || created.Location != "/api/v1/sponsorships/"+itoa(sp.ID) || sp.Fee != "100" {
		t.Errorf("created: %+v at %s", sp, created.Location)
	}
	got, err := s.srv.getSponsorship(s.a, &idInput{ID: sp.ID})
	if err != nil || got.Body.Targets != 2 || got.Body.Impressions != 0 || got.Body.Due != "100.00" {
		t.Fatalf("scheduled: %+v, %v", got, err)
	}

	// The minute loop sends every language to both stations, the 1.6 one through DataTransfer.
	if err := s.srv.billing.RunCampaigns(s.a); err != nil {
		t.Fatal(err)
	}
	want := []string{"en:Charge up with Acme", "sv:Ladda med Acme"}
	for _, st := range []*ocpptest.Station{s.shows, s.shows16} {
		if got := contents(st); !slices.Equal(got, want) {
			t.Errorf("a station shows %v, want %v", got, want)
		}
	}
	m := s.shows.DisplayMessages()[0]
	if id, _ := billing.SponsorMessageID(sp.ID, 0); m.ID != id || m.Priority != "NormalCycle" || m.Message.Format != "UTF8" ||
		m.StartDateTime == nil || !m.StartDateTime.Equal(sp.StartAt) || m.EndDateTime == nil || !m.EndDateTime.Equal(sp.EndAt) {
		t.Errorf("the English message: %+v", m)
	}
	got, err = s.srv.getSponsorship(s.a, &idInput{ID: sp.ID})
	if err != nil || got.Body.Status != "running" || got.Body.Targets != 2 || got.Body.Impressions != 4 || got.Body.Due != "102.00" {
		t.Errorf("running: %+v, %v", got, err)
	}

	// Cancelled: the stations no longer show it, and it owes nothing.
	cancelled, err := s.srv.cancelSponsorship(s.a, &idInput{ID: sp.ID})
	if err != nil {
		t.Fatal(err)
	}
	if c := cancelled.Body; c.Status != "cancelled" || c.Impressions != 4 || c.Due != "0.00" {
		t.Errorf("cancelled: %+v", c)
	}
	for _, st := range []*ocpptest.Station{s.shows, s.shows16} {
		if got := contents(st); len(got) != 0 {
			t.Errorf("a station still shows %v", got)
		}
	}
	if _, err := s.srv.cancelSponsorship(s.a, &idInput{ID: sp.ID}); !ladda.IsKind(err, ladda.Conflict) {
		t.Errorf("cancelling twice: %v, want conflict", err)
	}
}

func TestSponsorshipEndsWithItsFee(t *testing.T) {
	t.Parallel()
	s := newSponsorshipEnv(t)
	b := s.body()
	b.StationIDs, b.SiteIDs = []string{"SP-201"}, nil
	created, err := s.srv.createSponsorship(s.a, &sponsorshipInput{Body: b})
	if err != nil {
		t.Fatal(err)
	}
	id := created.Body.ID
	if err := s.srv.billing.RunCampaigns(s.a); err != nil {
		t.Fatal(err)
	}
	s.clock.Advance(time.Hour)
	if err := s.srv.billing.RunCampaigns(s.a); err != nil {
		t.Fatal(err)
	}
	got, err := s.srv.getSponsorship(s.a, &idInput{ID: id})
	if err != nil || got.Body.Status != "ended" || got.Body.Impressions != 2 || got.Body.Due != "101.00" {
		t.Errorf("ended: %+v, %v", got, err)
	}
	entries, err := s.db.Entries(s.a, billing.SponsorAccount("acme"), 0, 10)
	if err != nil || len(entries) != 1 || entries[0].Ref != billing.CampaignRef(id) {
		t.Fatalf("the sponsor's entries: %+v, %v", entries, err)
	}
	if bal, _ := s.db.Balance(s.a, billing.RevenueAccount(s.orgA), "SEK"); bal.String() != "-101" {
		t.Errorf("A's revenue %s, want a credit of 101", bal)
	}
	if _, err := s.srv.cancelSponsorship(s.a, &idInput{ID: id}); !ladda.IsKind(err, ladda.Conflict) {
		t.Errorf("cancelling an ended campaign: %v, want conflict", err)
	}
}

func TestSponsorshipsKeepToTheCallersOrganisation(t *testing.T) {
	t.Parallel()
	s := newSponsorshipEnv(t)
	created, err := s.srv.createSponsorship(s.a, &sponsorshipInput{Body: s.body()})
	if err != nil {
		t.Fatal(err)
	}
	id := created.Body.ID

	// B neither sees nor cancels A's campaign, and lists none; A and the administrator see it.
	if _, err := s.srv.getSponsorship(s.b, &idInput{ID: id}); !ladda.IsKind(err, ladda.NotFound) {
		t.Errorf("B gets A's campaign: %v, want not found", err)
	}
	if _, err := s.srv.cancelSponsorship(s.b, &idInput{ID: id}); !ladda.IsKind(err, ladda.NotFound) {
		t.Errorf("B cancels A's campaign: %v, want not found", err)
	}
	for name, c := range map[string]struct {
		ctx  context.Context
		want int
	}{"A": {s.a, 1}, "B": {s.b, 0}, "admin": {s.admin, 1}} {
		if list, err := s.srv.listSponsorships(c.ctx, nil); err != nil || len(list.Body.Items) != c.want {
			t.Errorf("%s lists %+v, %v; want %d", name, list, err, c.want)
		}
	}

	// A cannot aim at B's station or at a site it does not see; B's campaign is B's even if it
	// asks for A's organisation.
	for name, change := range map[string]func(b *SponsorshipBody){
		"B's station":     func(b *SponsorshipBody) { b.StationIDs = []string{"SP-201", "SP-B"} },
		"unknown site":    func(b *SponsorshipBody) { b.SiteIDs = []int64{s.siteA.ID + 100} },
		"unknown station": func(b *SponsorshipBody) { b.StationIDs = []string{"SP-404"} },
	} {
		b := s.body()
		change(&b)
		if _, err := s.srv.createSponsorship(s.a, &sponsorshipInput{Body: b}); !ladda.IsKind(err, ladda.NotFound) {
			t.Errorf("%s: %v, want not found", name, err)
		}
	}
	b := s.body()
	b.OrganisationID = s.orgA
	if _, err := s.srv.createSponsorship(s.b, &sponsorshipInput{Body: b}); !ladda.IsKind(err, ladda.NotFound) {
		t.Errorf("B aiming at A's stations: %v, want not found", err)
	}

	// An administrator may make one for an organisation, but only at its stations.
	b = s.body()
	b.OrganisationID, b.StationIDs = s.orgA, []string{"SP-B"}
	if _, err := s.srv.createSponsorship(s.admin, &sponsorshipInput{Body: b}); !ladda.IsKind(err, ladda.Invalid) {
		t.Errorf("A's campaign at B's station: %v, want invalid", err)
	}
	b.StationIDs = []string{"SP-201"}
	if c, err := s.srv.createSponsorship(s.admin, &sponsorshipInput{Body: b}); err != nil || c.Body.OrganisationID != s.orgA {
		t.Errorf("an administrator's campaign for A: %+v, %v", c, err)
	}

	// Money as the rules say.
	b = s.body()
	b.Fee = "0.001"
	if _, err := s.srv.createSponsorship(s.a, &sponsorshipInput{Body: b}); !ladda.IsKind(err, ladda.Invalid) {
		t.Errorf("a fee below the minor unit: %v, want invalid", err)
	}
}
