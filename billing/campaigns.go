package billing

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/station"
)

// CampaignStations is what sponsorship campaigns need of the stations: the stations of an
// organisation, to find those of a site, and commands sent with the station's command log kept.
// *station.Service implements it.
type CampaignStations interface {
	Stations(ctx context.Context, f station.Filter) ([]*station.Station, error)
	Execute(ctx context.Context, id ladda.StationID, cmd station.Command, requestedBy string) (*station.CommandRecord, error)
}

var _ CampaignStations = (*station.Service)(nil)

// CampaignReport is a campaign with what came of it so far.
type CampaignReport struct {
	Campaign *SponsorCampaign
	// Targets is the number of stations the campaign runs at: those it has deliveries for once
	// it started, those it would run at now while it is scheduled.
	Targets int
	// Impressions counts the deliveries the stations accepted to show (see SponsorCampaign).
	Impressions int
	Refused     int // deliveries the stations answered otherwise
	Failed      int // deliveries that did not reach their station
	Pending     int // deliveries still to be sent
	// Fee is what the sponsor owes for the impressions so far (Due); for an ended campaign,
	// what was booked; for a cancelled one, nothing.
	Fee Amount
}

// ErrNoCampaigns is returned, as Unavailable, by a service that cannot run sponsorship
// campaigns: it has no Options.Stations, no Options.Payments, or a store that keeps no
// campaigns.
var ErrNoCampaigns = errors.New("billing: sponsorship campaigns are not configured")

// campaignStore returns the store of campaigns, or Unavailable when the service runs none.
func (s *Service) campaignStore(op string) (Campaigns, error) {
	c, ok := s.store.(Campaigns)
	if !ok || s.stations == nil || s.pay == nil {
		return nil, &ladda.Error{Kind: ladda.Unavailable, Op: op, Message: "sponsorship campaigns are not configured", Err: ErrNoCampaigns}
	}
	return c, nil
}

// CreateCampaign checks and stores a campaign, scheduled to start at c.StartAt; it sets c.ID,
// Status and the times. Every station and site it names must exist and, for a campaign of an
// organisation, belong to it. Errors: Invalid, NotFound for an unknown station, site or
// organisation, Unavailable without campaigns.
func (s *Service) CreateCampaign(ctx context.Context, c *SponsorCampaign) error {
	const op = "billing.CreateCampaign"
	store, err := s.campaignStore(op)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	c.ID, c.Status, c.CreatedAt, c.UpdatedAt = 0, CampaignScheduled, now, now
	c.StartAt, c.EndAt = c.StartAt.UTC(), c.EndAt.UTC()
	if err := c.Check(); err != nil {
		return err
	}
	if !c.EndAt.After(now) {
		return ladda.Errorf(ladda.Invalid, op, "the campaign would end at %s, which has passed", c.EndAt.Format(time.RFC3339))
	}
	for _, id := range c.StationIDs {
		st, err := s.src.Station(ctx, id)
		if err != nil {
			return ladda.Wrap(op, err)
		}
		if c.OrgID != 0 && st.OrgID != c.OrgID {
			return ladda.Errorf(ladda.Invalid, op, "station %s belongs to another organisation than the campaign", id)
		}
	}
	for _, id := range c.SiteIDs {
		site, err := s.src.Site(ctx, id)
		if err != nil {
			return ladda.Wrap(op, err)
		}
		if c.OrgID != 0 && site.OrgID != c.OrgID {
			return ladda.Errorf(ladda.Invalid, op, "site %d belongs to another organisation than the campaign", id)
		}
	}
	return ladda.Wrap(op, store.CreateSponsorCampaign(ctx, c))
}

// Campaign returns one campaign. Errors: NotFound, Unavailable without campaigns.
func (s *Service) Campaign(ctx context.Context, id int64) (*SponsorCampaign, error) {
	const op = "billing.Campaign"
	store, err := s.campaignStore(op)
	if err != nil {
		return nil, err
	}
	c, err := store.SponsorCampaign(ctx, id)
	return c, ladda.Wrap(op, err)
}

// Campaigns lists the campaigns of an organisation (0: all) by ID.
func (s *Service) Campaigns(ctx context.Context, org int64) ([]*SponsorCampaign, error) {
	const op = "billing.Campaigns"
	store, err := s.campaignStore(op)
	if err != nil {
		return nil, err
	}
	list, err := store.SponsorCampaigns(ctx, CampaignFilter{OrgID: org})
	return list, ladda.Wrap(op, err)
}

// ReportCampaign returns a campaign with its figures so far. Errors: NotFound, Unavailable
// without campaigns.
func (s *Service) ReportCampaign(ctx context.Context, id int64) (*CampaignReport, error) {
	const op = "billing.ReportCampaign"
	store, err := s.campaignStore(op)
	if err != nil {
		return nil, err
	}
	c, err := store.SponsorCampaign(ctx, id)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	list, err := store.SponsorDeliveries(ctx, id)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	r := &CampaignReport{Campaign: c}
	targets := map[ladda.StationID]bool{}
	for _, d := range list {
		targets[d.StationID] = true
		switch {
		case d.Impression():
			r.Impressions++
		case d.Status == DeliveryRefused:
			r.Refused++
		case d.Status == DeliveryFailed:
			r.Failed++
		case d.Status == DeliveryPending:
			r.Pending++
		}
	}
	r.Targets = len(targets)
	if c.Status == CampaignScheduled {
		sts, err := s.campaignTargets(ctx, c, nil)
		if err != nil {
			return nil, ladda.Wrap(op, err)
		}
		r.Targets = len(sts)
	}
	if c.Status != CampaignCancelled {
		r.Fee = c.Due(r.Impressions)
	}
	return r, nil
}

// CancelCampaign stops a scheduled or running campaign: nothing more is sent, no fee is booked,
// and the messages the stations show are cleared (ClearDisplayMessage) now where they are
// connected, and by RunCampaigns later where they are not, until the campaign would have
// ended (the stations remove the messages themselves then). Errors: NotFound; Conflict when
// the campaign has ended or was cancelled; Unavailable without campaigns.
func (s *Service) CancelCampaign(ctx context.Context, id int64) (*CampaignReport, error) {
	const op = "billing.CancelCampaign"
	store, err := s.campaignStore(op)
	if err != nil {
		return nil, err
	}
	c, err := store.SponsorCampaign(ctx, id)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	now := s.clock.Now()
	if !now.Before(c.EndAt) {
		return nil, ladda.Errorf(ladda.Conflict, op, "campaign %d has ended", id)
	}
	ok := false
	for _, from := range []CampaignStatus{CampaignRunning, CampaignScheduled} {
		if ok, err = store.SetSponsorCampaignStatus(ctx, id, from, CampaignCancelled, now); err != nil {
			return nil, ladda.Wrap(op, err)
		}
		if ok {
			break
		}
	}
	if !ok {
		return nil, ladda.Errorf(ladda.Conflict, op, "campaign %d is neither scheduled nor running", id)
	}
	c.Status, c.UpdatedAt = CampaignCancelled, now
	list, err := store.SponsorDeliveries(ctx, id)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	for _, d := range list {
		switch d.Status {
		case DeliveryPending:
			d.Status, d.Detail = DeliveryFailed, "the campaign was cancelled"
		case DeliveryShown:
			d.Attempts, d.Detail = 0, "to be cleared: the campaign was cancelled" // attempts count clearing from now
		default:
			continue
		}
		d.At = now
		if err := store.PutSponsorDelivery(ctx, d); err != nil {
			return nil, ladda.Wrap(op, err)
		}
	}
	s.log.Info("sponsorship campaign cancelled", "campaign", id)
	if err := s.clearCampaign(ctx, store, c); err != nil {
		// What is not cleared now, RunCampaigns clears later.
		s.log.Warn("clearing a cancelled campaign's messages", "campaign", id, "err", err)
	}
	return s.ReportCampaign(ctx, id)
}

// RunCampaigns moves the campaigns along; call it every minute. It starts the scheduled
// campaigns whose StartAt has come; sends the messages of the running ones to their connected
// stations that lack them (one SetDisplayMessage per language, shown from StartAt to EndAt),
// trying stations that were offline or did not answer again on later runs (see
// MaxDeliveryAttempts); ends the campaigns whose EndAt has passed and books their fee; and
// clears the messages of cancelled campaigns that stations still show. It returns the errors
// of the campaigns it could not move, having moved the others. Without campaigns configured it
// does nothing.
//
// Each step can be repeated: a run that fails halfway is finished by the next one, and the fee
// is booked once whatever happens (the ledger keeps one entry per reference).
func (s *Service) RunCampaigns(ctx context.Context) error {
	const op = "billing.RunCampaigns"
	store, err := s.campaignStore(op)
	if err != nil {
		return nil
	}
	now := s.clock.Now()
	open, err := store.SponsorCampaigns(ctx, CampaignFilter{Statuses: []CampaignStatus{CampaignScheduled, CampaignRunning}})
	if err != nil {
		return ladda.Wrap(op, err)
	}
	var errs []error
	for _, c := range open {
		if err := s.runCampaign(ctx, store, c, now); err != nil {
			if ctx.Err() != nil {
				return ladda.Wrap(op, ctx.Err())
			}
			s.log.Error("running a sponsorship campaign", "campaign", c.ID, "err", err)
			errs = append(errs, fmt.Errorf("campaign %d: %w", c.ID, err))
		}
	}
	cancelled, err := store.SponsorCampaigns(ctx, CampaignFilter{Statuses: []CampaignStatus{CampaignCancelled}, EndsAfter: now})
	if err != nil {
		return ladda.Wrap(op, errors.Join(append(errs, err)...))
	}
	for _, c := range cancelled {
		if err := s.clearCampaign(ctx, store, c); err != nil {
			if ctx.Err() != nil {
				return ladda.Wrap(op, ctx.Err())
			}
			s.log.Error("clearing a cancelled campaign's messages", "campaign", c.ID, "err", err)
			errs = append(errs, fmt.Errorf("campaign %d: %w", c.ID, err))
		}
	}
	if len(errs) > 0 {
		return ladda.Wrap(op, errors.Join(errs...))
	}
	return nil
}

// runCampaign moves one open campaign along at now.
func (s *Service) runCampaign(ctx context.Context, store Campaigns, c *SponsorCampaign, now time.Time) error {
	if c.Status == CampaignScheduled {
		if now.Before(c.StartAt) {
			return nil
		}
		ok, err := store.SetSponsorCampaignStatus(ctx, c.ID, CampaignScheduled, CampaignRunning, now)
		if err != nil || !ok {
			return err // !ok: cancelled or started meanwhile
		}
		c.Status, c.UpdatedAt = CampaignRunning, now
		s.log.Info("sponsorship campaign started", "campaign", c.ID)
	}
	if !now.Before(c.EndAt) {
		return s.endCampaign(ctx, store, c, now)
	}
	return s.deliver(ctx, store, c, now)
}

// deliveryKey names a delivery within its campaign.
type deliveryKey struct {
	station  ladda.StationID
	language string
}

// deliver sends each target station of a running campaign the messages it lacks.
func (s *Service) deliver(ctx context.Context, store Campaigns, c *SponsorCampaign, now time.Time) error {
	list, err := store.SponsorDeliveries(ctx, c.ID)
	if err != nil {
		return err
	}
	have := make(map[deliveryKey]*SponsorDelivery, len(list))
	for _, d := range list {
		have[deliveryKey{d.StationID, d.Language}] = d
	}
	done := func(id ladda.StationID) bool {
		for _, m := range c.Messages {
			if d := have[deliveryKey{id, m.Language}]; d == nil || d.Status == DeliveryPending {
				return false
			}
		}
		return true
	}
	targets, err := s.campaignTargets(ctx, c, done)
	if err != nil {
		return err
	}
	for _, st := range targets {
		var pending []*SponsorDelivery
		for i, m := range c.Messages {
			d := have[deliveryKey{st.ID, m.Language}]
			if d == nil {
				d = &SponsorDelivery{CampaignID: c.ID, StationID: st.ID, Language: m.Language, Status: DeliveryPending, At: now}
				if d.MessageID, err = SponsorMessageID(c.ID, i); err != nil {
					d.Status, d.Detail = DeliveryFailed, ladda.ErrorMessage(err)
				}
				if err := store.PutSponsorDelivery(ctx, d); err != nil {
					return err
				}
			}
			if d.Status == DeliveryPending {
				pending = append(pending, d)
			}
		}
		if len(pending) == 0 || !st.Connected {
			continue // an offline station is tried again on the next run, without an attempt
		}
		if st.OCPPVersion == "1.6" && c.VendorID == "" {
			for _, d := range pending {
				d.Status, d.Detail, d.At = DeliveryFailed, "OCPP 1.6 station: the campaign names no vendorId to send display messages in DataTransfer", now
				if err := store.PutSponsorDelivery(ctx, d); err != nil {
					return err
				}
			}
			continue
		}
		for _, d := range pending {
			reached, err := s.show(ctx, store, c, d)
			if err != nil {
				return err
			}
			if !reached {
				break // the rest waits for the next run
			}
		}
	}
	return nil
}

// show sends one message to its station and records what came of it; it reports whether the
// station was reached.
func (s *Service) show(ctx context.Context, store Campaigns, c *SponsorCampaign, d *SponsorDelivery) (bool, error) {
	var content string
	for _, m := range c.Messages {
		if m.Language == d.Language {
			content = m.Content
		}
	}
	start, end := c.StartAt, c.EndAt
	rec, err := s.stations.Execute(ctx, d.StationID, station.SetDisplayMessage{Message: station.DisplayMessage{
		ID: d.MessageID, Priority: c.Priority, Format: "UTF8", Language: d.Language, Content: content, StartAt: &start, EndAt: &end,
	}, VendorID: c.VendorID}, campaignRequester(c.ID))
	d.Attempts++
	d.At = s.clock.Now()
	if rec != nil {
		d.CommandID = rec.ID
	}
	got, why := outcome(rec, err)
	switch got {
	case sentAnswered:
		if why == "Accepted" {
			d.Status, d.Detail = DeliveryShown, ""
		} else {
			d.Status, d.Detail = DeliveryRefused, "the station answered "+why
		}
	case sentUnreached:
		if d.Attempts >= MaxDeliveryAttempts {
			d.Status, d.Detail = DeliveryFailed, "not reached in "+strconv.Itoa(d.Attempts)+" attempts: "+why
		} else {
			d.Detail = why + ": tried again later"
		}
	default:
		d.Status, d.Detail = DeliveryFailed, "not sent: "+why
	}
	// The command went out: what came of it is recorded even if the caller gave up meanwhile.
	return got != sentUnreached, store.PutSponsorDelivery(context.WithoutCancel(ctx), d)
}

// clearCampaign removes the messages of a cancelled campaign from the connected stations that
// still show them.
func (s *Service) clearCampaign(ctx context.Context, store Campaigns, c *SponsorCampaign) error {
	list, err := store.SponsorDeliveries(ctx, c.ID)
	if err != nil {
		return err
	}
	byStation := map[ladda.StationID][]*SponsorDelivery{}
	var order []ladda.StationID
	for _, d := range list {
		if d.Status != DeliveryShown || d.Attempts >= MaxDeliveryAttempts {
			continue
		}
		if byStation[d.StationID] == nil {
			order = append(order, d.StationID)
		}
		byStation[d.StationID] = append(byStation[d.StationID], d)
	}
	for _, id := range order {
		st, err := s.src.Station(ctx, id)
		if ladda.IsKind(err, ladda.NotFound) {
			for _, d := range byStation[id] {
				d.Attempts, d.Detail, d.At = MaxDeliveryAttempts, "not cleared: the station was deleted", s.clock.Now()
				if err := store.PutSponsorDelivery(ctx, d); err != nil {
					return err
				}
			}
			continue
		}
		if err != nil {
			return err
		}
		if !st.Connected {
			continue
		}
		for _, d := range byStation[id] {
			rec, err := s.stations.Execute(ctx, id, station.ClearDisplayMessage{ID: d.MessageID, VendorID: c.VendorID}, campaignRequester(c.ID))
			d.Attempts++
			d.At = s.clock.Now()
			if rec != nil {
				d.CommandID = rec.ID
			}
			got, why := outcome(rec, err)
			switch {
			case got == sentAnswered && why == "Accepted":
				d.Status, d.Detail = DeliveryCleared, ""
			case got == sentAnswered && why == "Unknown":
				d.Status, d.Detail = DeliveryCleared, "the station no longer showed it"
			case got == sentAnswered:
				d.Attempts, d.Detail = MaxDeliveryAttempts, "not cleared: the station answered "+why
			case got == sentUnreached && d.Attempts < MaxDeliveryAttempts:
				d.Detail = "to be cleared: " + why
			default:
				d.Attempts, d.Detail = MaxDeliveryAttempts, "not cleared: "+why
			}
			if err := store.PutSponsorDelivery(context.WithoutCancel(ctx), d); err != nil {
				return err
			}
			if got == sentUnreached {
				break
			}
		}
	}
	return nil
}

// endCampaign ends a campaign whose EndAt has passed: what was not delivered fails, the fee is
// booked, and the campaign is Ended. The fee comes first, so that a run that stops halfway
// books it on the next run, once (the ledger keeps one entry per kind and reference).
func (s *Service) endCampaign(ctx context.Context, store Campaigns, c *SponsorCampaign, now time.Time) error {
	list, err := store.SponsorDeliveries(ctx, c.ID)
	if err != nil {
		return err
	}
	impressions := 0
	for _, d := range list {
		if d.Impression() {
			impressions++
		}
		if d.Status == DeliveryPending {
			d.Status, d.Detail, d.At = DeliveryFailed, "the campaign ended before the station was reached", now
			if err := store.PutSponsorDelivery(ctx, d); err != nil {
				return err
			}
		}
	}
	if due := c.Due(impressions); due.Sign() > 0 {
		e, err := SponsorFee(c.Sponsor, c.OrgID, due, c.Currency, CampaignRef(c.ID), c.EndAt)
		if err != nil {
			return err
		}
		e.Memo = fmt.Sprintf("Sponsorship campaign %q: %d impressions", c.Name, impressions)
		if _, err := s.pay.AppendEntry(ctx, e); err != nil {
			return err
		}
	}
	ok, err := store.SetSponsorCampaignStatus(ctx, c.ID, CampaignRunning, CampaignEnded, now)
	if err != nil {
		return err
	}
	if !ok {
		s.log.Warn("a sponsorship campaign changed while it ended; its fee is booked", "campaign", c.ID)
		return nil
	}
	s.log.Info("sponsorship campaign ended", "campaign", c.ID, "impressions", impressions)
	return nil
}

// campaignTargets returns the stations a campaign runs at now: those it names and those at
// its sites, of its organisation (for one of an organisation), each once, with what the store
// knows of them (Connected, OCPPVersion). Stations it names that were deleted are left out.
// A named station for which done reports true is left out too, without being read.
func (s *Service) campaignTargets(ctx context.Context, c *SponsorCampaign, done func(ladda.StationID) bool) ([]*station.Station, error) {
	seen := map[ladda.StationID]bool{}
	var out []*station.Station
	for _, id := range c.StationIDs {
		seen[id] = true
		if done != nil && done(id) {
			continue
		}
		st, err := s.src.Station(ctx, id)
		if ladda.IsKind(err, ladda.NotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if c.OrgID == 0 || st.OrgID == c.OrgID {
			out = append(out, st)
		}
	}
	if len(c.SiteIDs) == 0 || s.stations == nil {
		return out, nil
	}
	sites := make(map[int64]bool, len(c.SiteIDs))
	for _, id := range c.SiteIDs {
		sites[id] = true
	}
	var after ladda.StationID
	for {
		list, err := s.stations.Stations(ctx, station.Filter{OrgID: c.OrgID, After: after, Limit: 1000})
		if err != nil {
			return nil, err
		}
		if len(list) == 0 {
			return out, nil
		}
		for _, st := range list {
			if sites[st.SiteID] && !seen[st.ID] {
				seen[st.ID] = true
				out = append(out, st)
			}
		}
		after = list[len(list)-1].ID
	}
}

// campaignRequester is who the command log says sent a campaign's commands.
func campaignRequester(id int64) string { return "sponsorship:" + strconv.FormatInt(id, 10) }

// sent is what came of a command.
type sent int

const (
	sentAnswered  sent = iota // the station answered; the status says how
	sentUnreached             // it was offline or did not answer in time: worth trying again
	sentBroken                // it cannot be sent, or the station answered with an error
)

// outcome classifies what station.Service.Execute returned, with the station's answer or the
// reason in words.
func outcome(rec *station.CommandRecord, err error) (sent, string) {
	switch {
	case rec != nil && rec.Outcome == station.CommandAnswered:
		return sentAnswered, rec.Answer.Status
	case rec != nil && (rec.Outcome == station.CommandOffline || rec.Outcome == station.CommandTimeout):
		return sentUnreached, string(rec.Outcome)
	case rec != nil && rec.Error != "":
		return sentBroken, rec.Error
	case err != nil && (ladda.IsKind(err, ladda.Conflict) || ladda.IsKind(err, ladda.Timeout) || ladda.IsKind(err, ladda.Unavailable)):
		return sentUnreached, ladda.ErrorMessage(err)
	case err != nil:
		return sentBroken, ladda.ErrorMessage(err)
	}
	return sentBroken, "no answer recorded"
}
