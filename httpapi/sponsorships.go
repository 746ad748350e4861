package httpapi

import (
	"context"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/billing"
)

// Sponsorship campaigns: a sponsor's messages shown on station screens for a while, for a fee
// booked as revenue when the campaign ends. Money travels as decimal strings.

// SponsorMessage is a campaign's text in one language.
type SponsorMessage struct {
	Language string `json:"language" pattern:"^[a-z]{2}$" doc:"ISO 639-1, such as en or sv."`
	Content  string `json:"content" minLength:"1" maxLength:"512" doc:"UTF-8 text, at most 512 characters."`
}

// SponsorshipBody is a sponsorship campaign as the caller writes it.
type SponsorshipBody struct {
	Name             string           `json:"name" minLength:"1" maxLength:"200"`
	Sponsor          string           `json:"sponsor" pattern:"^[a-z0-9._-]{1,64}$" doc:"The sponsor's name in the ledger, whose account sponsor:NAME owes the fee."`
	Messages         []SponsorMessage `json:"messages" minItems:"1" maxItems:"16" doc:"One per language; each station is sent every one."`
	Priority         string           `json:"priority" enum:"AlwaysFront,InFront,NormalCycle" doc:"As for display messages: AlwaysFront before any other, InFront before NormalCycle ones, NormalCycle in the normal cycle."`
	StartAt          time.Time        `json:"startAt" doc:"When the stations start showing it."`
	EndAt            time.Time        `json:"endAt" doc:"When they stop, after startAt and in the future; the fee is booked then."`
	StationIDs       []string         `json:"stationIds,omitempty" maxItems:"10000" uniqueItems:"true" doc:"Stations to show it at. Give stations, sites, or both."`
	SiteIDs          []int64          `json:"siteIds,omitempty" maxItems:"1000" uniqueItems:"true" doc:"Sites at whose stations to show it, including stations that join while it runs."`
	VendorID         string           `json:"vendorId,omitempty" maxLength:"255" doc:"OCPP 1.6 stations, which have no standard display messages, get it only through this vendor's DataTransfer; without it they are skipped."`
	Currency         string           `json:"currency" pattern:"^[A-Z]{3}$" doc:"ISO 4217."`
	Fee              string           `json:"fee,omitempty" pattern:"^[0-9]+(\\.[0-9]+)?$" doc:"Flat, for the whole campaign, in whole minor units of the currency. Absent: 0."`
	FeePerImpression string           `json:"feePerImpression,omitempty" pattern:"^[0-9]+(\\.[0-9]+)?$" doc:"For each impression, at most 6 decimals. Absent: 0."`
	OrganisationID   int64            `json:"organisationId,omitempty" minimum:"0" doc:"Administrators: the operator organisation whose stations show it and who earns the fee (absent: the operator's own, at any station). Others' campaigns are their organisation's."`
}

// Sponsorship is a stored campaign.
type Sponsorship struct {
	ID int64 `json:"id"`
	SponsorshipBody
	Status    string    `json:"status" enum:"scheduled,running,ended,cancelled"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// SponsorshipReport is a campaign with what came of it so far. An impression is a message
// (one language) that a station accepted to show: it answered Accepted to SetDisplayMessage.
type SponsorshipReport struct {
	Sponsorship
	Targets     int    `json:"targets" doc:"Stations it runs at: those it was sent to once started, those it would run at now while scheduled."`
	Impressions int    `json:"impressions" doc:"Messages the stations accepted to show, one per station and language; not a count of viewers."`
	Refused     int    `json:"refused" doc:"Messages the stations answered otherwise (Rejected, NotSupportedPriority, …)."`
	Failed      int    `json:"failed" doc:"Messages that did not reach their station."`
	Pending     int    `json:"pending" doc:"Messages still to be sent, such as to stations that are offline."`
	Due         string `json:"due" doc:"What the sponsor owes: fee + feePerImpression × impressions, rounded to the minor unit; booked in the ledger when the campaign ends. 0 for a cancelled campaign, which books nothing."`
}

func viewSponsorship(c *billing.SponsorCampaign) Sponsorship {
	v := Sponsorship{ID: c.ID, Status: string(c.Status), CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(), SponsorshipBody: SponsorshipBody{
		Name: c.Name, Sponsor: c.Sponsor, Messages: []SponsorMessage{}, Priority: c.Priority, StartAt: c.StartAt.UTC(), EndAt: c.EndAt.UTC(),
		SiteIDs: c.SiteIDs, VendorID: c.VendorID, Currency: c.Currency, Fee: c.Fee.String(), FeePerImpression: c.FeePerImpression.String(),
		OrganisationID: c.OrgID}}
	for _, m := range c.Messages {
		v.Messages = append(v.Messages, SponsorMessage{Language: m.Language, Content: m.Content})
	}
	for _, id := range c.StationIDs {
		v.StationIDs = append(v.StationIDs, string(id))
	}
	return v
}

func viewSponsorshipReport(r *billing.CampaignReport) SponsorshipReport {
	return SponsorshipReport{Sponsorship: viewSponsorship(r.Campaign), Targets: r.Targets, Impressions: r.Impressions, Refused: r.Refused,
		Failed: r.Failed, Pending: r.Pending, Due: r.Fee.Format(billing.Exponent(r.Campaign.Currency))}
}

type sponsorshipInput struct {
	Body SponsorshipBody
}

type createdSponsorshipOutput struct {
	Location string `header:"Location"`
	Body     Sponsorship
}

type sponsorshipReportOutput struct {
	Body SponsorshipReport
}

// listSponsorships handles GET /api/v1/sponsorships: the campaigns of the caller's
// organisation (all, for administrators), by id.
func (s *server) listSponsorships(ctx context.Context, _ *struct{}) (*listOutput[Sponsorship], error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	list, err := s.billing.Campaigns(ctx, orgScope(caller(ctx)))
	if err != nil {
		return nil, err
	}
	out := &listOutput[Sponsorship]{Body: List[Sponsorship]{Items: make([]Sponsorship, 0, len(list))}}
	for _, c := range list {
		out.Body.Items = append(out.Body.Items, viewSponsorship(c))
	}
	return out, nil
}

// createSponsorship handles POST /api/v1/sponsorships: schedules a campaign at stations and
// sites the caller may see, of the campaign's organisation. 201 with its location.
func (s *server) createSponsorship(ctx context.Context, in *sponsorshipInput) (*createdSponsorshipOutput, error) {
	const op = "httpapi.createSponsorship"
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	b := in.Body
	org, err := s.ownOrg(ctx, b.OrganisationID)
	if err != nil {
		return nil, err
	}
	c := &billing.SponsorCampaign{OrgID: org, Name: b.Name, Sponsor: b.Sponsor, Priority: b.Priority, StartAt: b.StartAt, EndAt: b.EndAt,
		SiteIDs: b.SiteIDs, VendorID: b.VendorID, Currency: b.Currency}
	for _, m := range b.Messages {
		c.Messages = append(c.Messages, billing.SponsorMessage{Language: m.Language, Content: m.Content})
	}
	for _, id := range b.StationIDs {
		if err := s.visibleStation(ctx, ladda.StationID(id)); err != nil {
			return nil, err
		}
		c.StationIDs = append(c.StationIDs, ladda.StationID(id))
	}
	for _, id := range b.SiteIDs {
		if _, err := s.site(ctx, id); err != nil {
			return nil, err
		}
	}
	for _, f := range []struct {
		text string
		to   *billing.Amount
	}{{b.Fee, &c.Fee}, {b.FeePerImpression, &c.FeePerImpression}} {
		if f.text == "" {
			continue
		}
		if *f.to, err = billing.ParseAmount(f.text); err != nil {
			return nil, ladda.Wrap(op, err)
		}
	}
	if err := s.billing.CreateCampaign(ctx, c); err != nil {
		return nil, err
	}
	return &createdSponsorshipOutput{Location: Prefix + "/sponsorships/" + strconv.FormatInt(c.ID, 10), Body: viewSponsorship(c)}, nil
}

// sponsorship answers NotFound unless the caller may see campaign id.
func (s *server) sponsorship(ctx context.Context, id int64) error {
	if err := s.needBilling(); err != nil {
		return err
	}
	c, err := s.billing.Campaign(ctx, id)
	if err != nil {
		return err
	}
	if !caller(ctx).Sees(c.OrgID) {
		return ladda.Errorf(ladda.NotFound, "httpapi.sponsorship", "sponsorship %d not found", id)
	}
	return nil
}

// getSponsorship handles GET /api/v1/sponsorships/{id}: a campaign with its report.
func (s *server) getSponsorship(ctx context.Context, in *idInput) (*sponsorshipReportOutput, error) {
	if err := s.sponsorship(ctx, in.ID); err != nil {
		return nil, err
	}
	r, err := s.billing.ReportCampaign(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &sponsorshipReportOutput{Body: viewSponsorshipReport(r)}, nil
}

// cancelSponsorship handles POST /api/v1/sponsorships/{id}/cancel: stops a scheduled or running
// campaign and clears its messages from the stations (those offline later); no fee is booked.
// 409 when it has ended or was cancelled.
func (s *server) cancelSponsorship(ctx context.Context, in *idInput) (*sponsorshipReportOutput, error) {
	if err := s.sponsorship(ctx, in.ID); err != nil {
		return nil, err
	}
	r, err := s.billing.CancelCampaign(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &sponsorshipReportOutput{Body: viewSponsorshipReport(r)}, nil
}
