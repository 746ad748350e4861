package billing_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/billing"
)

// validCampaign returns a campaign that keeps every rule of SponsorCampaign.
func validCampaign(t *testing.T) *billing.SponsorCampaign {
	return &billing.SponsorCampaign{Name: "Spring", Sponsor: "acme.cola", Priority: billing.PriorityInFront,
		Messages: []billing.SponsorMessage{{Language: "en", Content: "Charge up with Acme"}, {Language: "sv", Content: "Ladda med Acme – läskande"}},
		StartAt:  t0, EndAt: t0.Add(24 * time.Hour), StationIDs: []ladda.StationID{"CP-1"}, SiteIDs: []int64{1},
		Currency: "SEK", Fee: amount(t, "500"), FeePerImpression: amount(t, "0.125"), Status: billing.CampaignScheduled}
}

func TestCampaignRules(t *testing.T) {
	t.Parallel()
	if err := validCampaign(t).Check(); err != nil {
		t.Fatalf("a valid campaign: %v", err)
	}
	long := strings.Repeat("å", billing.MaxSponsorContent) // 512 characters, 1024 bytes: allowed
	for name, c := range map[string]struct {
		change func(c *billing.SponsorCampaign)
		ok     bool
	}{
		"512 characters of content":     {func(c *billing.SponsorCampaign) { c.Messages[0].Content = long }, true},
		"only sites":                    {func(c *billing.SponsorCampaign) { c.StationIDs = nil }, true},
		"only stations":                 {func(c *billing.SponsorCampaign) { c.SiteIDs = nil }, true},
		"no fee at all":                 {func(c *billing.SponsorCampaign) { c.Fee, c.FeePerImpression = billing.Amount{}, billing.Amount{} }, true},
		"six decimals per impression":   {func(c *billing.SponsorCampaign) { c.FeePerImpression = amount(t, "0.000001") }, true},
		"no name":                       {func(c *billing.SponsorCampaign) { c.Name = "  " }, false},
		"sponsor with capitals":         {func(c *billing.SponsorCampaign) { c.Sponsor = "Acme" }, false},
		"sponsor with a colon":          {func(c *billing.SponsorCampaign) { c.Sponsor = "acme:cola" }, false},
		"no messages":                   {func(c *billing.SponsorCampaign) { c.Messages = nil }, false},
		"513 characters of content":     {func(c *billing.SponsorCampaign) { c.Messages[0].Content = long + "a" }, false},
		"empty content":                 {func(c *billing.SponsorCampaign) { c.Messages[0].Content = " " }, false},
		"content not UTF-8":             {func(c *billing.SponsorCampaign) { c.Messages[0].Content = "\xff" }, false},
		"a language twice":              {func(c *billing.SponsorCampaign) { c.Messages[1].Language = "en" }, false},
		"a region in the language":      {func(c *billing.SponsorCampaign) { c.Messages[0].Language = "en-GB" }, false},
		"an upper-case language":        {func(c *billing.SponsorCampaign) { c.Messages[0].Language = "EN" }, false},
		"unknown priority":              {func(c *billing.SponsorCampaign) { c.Priority = "Urgent" }, false},
		"end at the start":              {func(c *billing.SponsorCampaign) { c.EndAt = c.StartAt }, false},
		"no start":                      {func(c *billing.SponsorCampaign) { c.StartAt = time.Time{} }, false},
		"no targets":                    {func(c *billing.SponsorCampaign) { c.StationIDs, c.SiteIDs = nil, nil }, false},
		"a station twice":               {func(c *billing.SponsorCampaign) { c.StationIDs = []ladda.StationID{"CP-1", "CP-1"} }, false},
		"a bad station id":              {func(c *billing.SponsorCampaign) { c.StationIDs = []ladda.StationID{"CP 1"} }, false},
		"a site twice":                  {func(c *billing.SponsorCampaign) { c.SiteIDs = []int64{1, 1} }, false},
		"site zero":                     {func(c *billing.SponsorCampaign) { c.SiteIDs = []int64{0} }, false},
		"a fee in cents":                {func(c *billing.SponsorCampaign) { c.Fee = amount(t, "0.5") }, true},
		"a fee below the minor unit":    {func(c *billing.SponsorCampaign) { c.Fee = amount(t, "0.001") }, false},
		"a negative fee":                {func(c *billing.SponsorCampaign) { c.Fee = amount(t, "-1") }, false},
		"a negative impression fee":     {func(c *billing.SponsorCampaign) { c.FeePerImpression = amount(t, "-0.1") }, false},
		"seven decimals per impression": {func(c *billing.SponsorCampaign) { c.FeePerImpression = amount(t, "0.0000001") }, false},
		"a currency in lower case":      {func(c *billing.SponsorCampaign) { c.Currency = "sek" }, false},
		"unknown status":                {func(c *billing.SponsorCampaign) { c.Status = "paused" }, false},
		"seventeen languages": {func(c *billing.SponsorCampaign) {
			c.Messages = nil
			for i := range 17 {
				c.Messages = append(c.Messages, billing.SponsorMessage{Language: string(rune('a'+i)) + "a", Content: "x"})
			}
		}, false},
	} {
		camp := validCampaign(t)
		c.change(camp)
		err := camp.Check()
		if c.ok && err != nil {
			t.Errorf("%s: %v, want nil", name, err)
		}
		if !c.ok && !ladda.IsKind(err, ladda.Invalid) {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
}

func TestSponsorMessageIDs(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		campaign int64
		i        int
		want     int
	}{
		{1, 0, 1_000_016},
		{1, 15, 1_000_031},
		{2, 0, 1_000_032},
		{134_155_227, 15, 2_147_483_647}, // the last that fits OCPP's 32-bit integer
	} {
		if got, err := billing.SponsorMessageID(c.campaign, c.i); err != nil || got != c.want {
			t.Errorf("SponsorMessageID(%d, %d) = %d, %v; want %d", c.campaign, c.i, got, err, c.want)
		}
	}
	for _, c := range []struct {
		campaign int64
		i        int
	}{{134_155_228, 0}, {0, 0}, {1, 16}, {1, -1}} {
		if _, err := billing.SponsorMessageID(c.campaign, c.i); !ladda.IsKind(err, ladda.Invalid) {
			t.Errorf("SponsorMessageID(%d, %d): %v, want invalid", c.campaign, c.i, err)
		}
	}
}

func TestCampaignDue(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		fee, per    string
		currency    string
		impressions int
		want        string
	}{
		{"500", "0.125", "SEK", 0, "500"},
		{"500", "0.125", "SEK", 4, "500.5"},
		{"500", "0.125", "SEK", 3, "500.38"}, // 500.375, rounded once, half away from zero
		{"0", "0.333333", "SEK", 3, "1"},     // 0.999999
		{"0", "0.000001", "SEK", 4999, "0"},  // 0.004999
		{"100", "0.5", "JPY", 3, "102"},      // 101.5 yen: no minor unit
		{"0", "0.0005", "KWD", 3, "0.002"},   // three decimals: 0.0015
	} {
		camp := &billing.SponsorCampaign{Currency: c.currency, Fee: amount(t, c.fee), FeePerImpression: amount(t, c.per)}
		if got := camp.Due(c.impressions); got.Cmp(amount(t, c.want)) != 0 {
			t.Errorf("fee %s + %s × %d %s = %s, want %s", c.fee, c.per, c.impressions, c.currency, got, c.want)
		}
	}
}
