package storetest

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/billing"
)

// newSponsorCampaign returns a scheduled campaign of org (0: none) that runs from t0 for a
// week at two stations and a site, in English and Swedish.
func newSponsorCampaign(tb testing.TB, name string, org int64) *billing.SponsorCampaign {
	return &billing.SponsorCampaign{OrgID: org, Name: name, Sponsor: "acme.cola", Priority: billing.PriorityInFront,
		Messages: []billing.SponsorMessage{{Language: "en", Content: "Charge up with Acme Cola"}, {Language: "sv", Content: "Ladda med Acme Cola – läskande"}},
		StartAt:  t0, EndAt: at(7 * 24 * time.Hour), StationIDs: []ladda.StationID{"CP-2", "CP-10"}, SiteIDs: []int64{3},
		VendorID: "com.example.display", Currency: "SEK", Fee: mustAmount(tb, "1000"), FeePerImpression: mustAmount(tb, "0.125"),
		Status: billing.CampaignScheduled, CreatedAt: t0, UpdatedAt: t0}
}

// MustCreateSponsorCampaign stores c.
func MustCreateSponsorCampaign(tb testing.TB, s Store, c *billing.SponsorCampaign) *billing.SponsorCampaign {
	tb.Helper()
	if err := s.CreateSponsorCampaign(tb.Context(), c); err != nil || c.ID <= 0 {
		tb.Fatalf("CreateSponsorCampaign(%s) = %v; ID %d", c.Name, err, c.ID)
	}
	return c
}

// wantAlike fails unless got and want are alike as JSON, which shows every field.
func wantAlike(tb testing.TB, what string, got, want any) {
	tb.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		tb.Errorf("%s =\n%s\nwant\n%s", what, g, w)
	}
}

func testSponsorCampaigns(t *testing.T, open func(t *testing.T) Store) {
	t.Run("campaigns are created, read back whole and listed by organisation, status and end", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		org := MustCreateOrg(t, s, "CPO", account.OperatorOrg)
		a := newSponsorCampaign(t, "Spring", org.ID)
		a.StartAt = a.StartAt.In(time.FixedZone("CET", 3600)) // stored in UTC
		MustCreateSponsorCampaign(t, s, a)
		if a.StartAt.Location() != time.UTC || !a.StartAt.Equal(t0) {
			t.Errorf("StartAt = %v, want %v in UTC", a.StartAt, t0)
		}
		b := newSponsorCampaign(t, "House ads", 0)
		b.EndAt, b.SiteIDs, b.VendorID, b.Fee, b.FeePerImpression = at(time.Hour), nil, "", billing.Amount{}, billing.Amount{}
		MustCreateSponsorCampaign(t, s, b)
		if b.ID <= a.ID {
			t.Errorf("ids %d, %d: want growing", a.ID, b.ID)
		}
		got, err := s.SponsorCampaign(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantAlike(t, "SponsorCampaign", got, a)
		if got.Fee.Cmp(a.Fee) != 0 || got.FeePerImpression.Cmp(mustAmount(t, "0.125")) != 0 {
			t.Errorf("fees = %s, %s", got.Fee, got.FeePerImpression)
		}
		_, err = s.SponsorCampaign(ctx, b.ID+100)
		wantKind(t, err, ladda.NotFound)

		ids := func(f billing.CampaignFilter) []int64 {
			t.Helper()
			list, err := s.SponsorCampaigns(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			out := []int64{}
			for _, c := range list {
				out = append(out, c.ID)
			}
			return out
		}
		for name, c := range map[string]struct {
			f    billing.CampaignFilter
			want []int64
		}{
			"all":            {billing.CampaignFilter{}, []int64{a.ID, b.ID}},
			"organisation":   {billing.CampaignFilter{OrgID: org.ID}, []int64{a.ID}},
			"no such org":    {billing.CampaignFilter{OrgID: -1}, []int64{}},
			"scheduled":      {billing.CampaignFilter{Statuses: []billing.CampaignStatus{billing.CampaignScheduled}}, []int64{a.ID, b.ID}},
			"open":           {billing.CampaignFilter{Statuses: []billing.CampaignStatus{billing.CampaignRunning, billing.CampaignScheduled}}, []int64{a.ID, b.ID}},
			"ended":          {billing.CampaignFilter{Statuses: []billing.CampaignStatus{billing.CampaignEnded}}, []int64{}},
			"ends after 1 h": {billing.CampaignFilter{EndsAfter: at(time.Hour)}, []int64{a.ID}},
			"ends after":     {billing.CampaignFilter{Statuses: []billing.CampaignStatus{billing.CampaignScheduled}, EndsAfter: at(time.Minute)}, []int64{a.ID, b.ID}},
			"org and status": {billing.CampaignFilter{OrgID: org.ID, Statuses: []billing.CampaignStatus{billing.CampaignScheduled}}, []int64{a.ID}},
		} {
			if got := ids(c.f); !slices.Equal(got, c.want) {
				t.Errorf("%s: SponsorCampaigns = %v, want %v", name, got, c.want)
			}
		}
	})

	t.Run("a campaign that breaks the rules, of an unknown organisation or with unstorable text is refused", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		wantKind(t, s.CreateSponsorCampaign(ctx, newSponsorCampaign(t, "Orphan", 999)), ladda.NotFound)
		for name, change := range map[string]func(c *billing.SponsorCampaign){
			"no name":       func(c *billing.SponsorCampaign) { c.Name = "" },
			"bad sponsor":   func(c *billing.SponsorCampaign) { c.Sponsor = "Acme Cola" },
			"no messages":   func(c *billing.SponsorCampaign) { c.Messages = nil },
			"end first":     func(c *billing.SponsorCampaign) { c.EndAt = c.StartAt },
			"fee decimals":  func(c *billing.SponsorCampaign) { c.Fee = mustAmount(t, "0.001") },
			"unstorable":    func(c *billing.SponsorCampaign) { c.VendorID = "x\x00" },
			"nul in text":   func(c *billing.SponsorCampaign) { c.Messages[0].Content = "a\x00b" },
			"bad status":    func(c *billing.SponsorCampaign) { c.Status = "paused" },
			"twice a place": func(c *billing.SponsorCampaign) { c.SiteIDs = []int64{3, 3} },
		} {
			c := newSponsorCampaign(t, "Bad", 0)
			change(c)
			if err := s.CreateSponsorCampaign(ctx, c); !ladda.IsKind(err, ladda.Invalid) || c.ID != 0 {
				t.Errorf("%s: CreateSponsorCampaign = %v, ID %d; want invalid", name, err, c.ID)
			}
		}
		if list, err := s.SponsorCampaigns(ctx, billing.CampaignFilter{}); err != nil || len(list) != 0 {
			t.Errorf("refused campaigns were stored: %d, %v", len(list), err)
		}
	})

	t.Run("a status changes only from the status given, once", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		c := MustCreateSponsorCampaign(t, s, newSponsorCampaign(t, "Spring", 0))
		ok, err := s.SetSponsorCampaignStatus(ctx, c.ID, billing.CampaignScheduled, billing.CampaignRunning, at(time.Minute))
		if err != nil || !ok {
			t.Fatalf("scheduled → running = %v, %v", ok, err)
		}
		ok, err = s.SetSponsorCampaignStatus(ctx, c.ID, billing.CampaignScheduled, billing.CampaignCancelled, at(2*time.Minute))
		if err != nil || ok {
			t.Errorf("scheduled → cancelled of a running campaign = %v, %v; want false", ok, err)
		}
		got, err := s.SponsorCampaign(ctx, c.ID)
		if err != nil || got.Status != billing.CampaignRunning || !got.UpdatedAt.Equal(at(time.Minute)) || !got.CreatedAt.Equal(t0) {
			t.Errorf("after the changes: %+v, %v", got, err)
		}
		_, err = s.SetSponsorCampaignStatus(ctx, c.ID+1, billing.CampaignScheduled, billing.CampaignRunning, at(time.Minute))
		wantKind(t, err, ladda.NotFound)
	})

	t.Run("deliveries are kept one per station and language, replaced, listed in byte order", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx := t.Context()
		c := MustCreateSponsorCampaign(t, s, newSponsorCampaign(t, "Spring", 0))
		other := MustCreateSponsorCampaign(t, s, newSponsorCampaign(t, "Autumn", 0))
		put := func(d *billing.SponsorDelivery) {
			t.Helper()
			if err := s.PutSponsorDelivery(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		// Stations need not exist: deliveries outlive them.
		sv10 := &billing.SponsorDelivery{CampaignID: c.ID, StationID: "CP-10", Language: "sv", MessageID: 1_000_017, Status: billing.DeliveryPending, At: t0}
		en2 := &billing.SponsorDelivery{CampaignID: c.ID, StationID: "CP-2", Language: "en", MessageID: 1_000_016, Status: billing.DeliveryPending, At: t0}
		en10 := &billing.SponsorDelivery{CampaignID: c.ID, StationID: "CP-10", Language: "en", MessageID: 1_000_016, Status: billing.DeliveryFailed,
			Detail: "not sent: OCPP 1.6 station", At: t0.In(time.FixedZone("CET", 3600))}
		lower := &billing.SponsorDelivery{CampaignID: c.ID, StationID: "cp-1", Language: "en", MessageID: 1_000_016, Status: billing.DeliveryPending, At: t0}
		for _, d := range []*billing.SponsorDelivery{sv10, en2, en10, lower} {
			put(d)
		}
		if en10.At.Location() != time.UTC {
			t.Errorf("At = %v, want UTC", en10.At)
		}
		put(&billing.SponsorDelivery{CampaignID: other.ID, StationID: "CP-2", Language: "en", MessageID: 1_000_032, Status: billing.DeliveryShown, At: t0})
		// A later put replaces the delivery of its station and language.
		en2.Status, en2.Attempts, en2.CommandID, en2.At = billing.DeliveryShown, 2, 42, at(time.Minute)
		put(en2)

		list, err := s.SponsorDeliveries(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantAlike(t, "SponsorDeliveries", list, []*billing.SponsorDelivery{en10, sv10, en2, lower})

		wantKind(t, s.PutSponsorDelivery(ctx, &billing.SponsorDelivery{CampaignID: other.ID + 1, StationID: "CP-2", Language: "en", Status: billing.DeliveryPending, At: t0}), ladda.NotFound)
		wantKind(t, s.PutSponsorDelivery(ctx, &billing.SponsorDelivery{StationID: "CP-2", Language: "en", Status: billing.DeliveryPending, At: t0}), ladda.NotFound)
		wantKind(t, s.PutSponsorDelivery(ctx, &billing.SponsorDelivery{CampaignID: c.ID, StationID: "CP-2", Language: "en", Status: billing.DeliveryPending,
			Detail: "\xff", At: t0}), ladda.Invalid)
		if list, err := s.SponsorDeliveries(ctx, other.ID+1); err != nil || len(list) != 0 {
			t.Errorf("deliveries of an unknown campaign = %v, %v; want none", list, err)
		}
	})
}
