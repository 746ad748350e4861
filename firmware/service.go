package firmware

import (
	"context"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/station"
)

// Limits of a campaign.
const (
	MaxStations        = 10000
	DefaultConcurrency = 10
	MaxConcurrency     = 1000
	// DefaultRunFor is how long a campaign tries to reach stations when no deadline is given.
	DefaultRunFor = 7 * 24 * time.Hour
	// reportGrace is how long after the deadline a station that took the update may still
	// report its end before it is counted as failed.
	reportGrace = 24 * time.Hour
	// sendingFor bounds a send: a target left Sending longer (its sender died) is sent again.
	sendingFor = 10 * time.Minute
)

// Commands sends commands to stations with the command log kept: station.Service. Station
// tells whether a station is connected: the update is sent only to connected ones, so that an
// offline station's command log does not fill with attempts.
type Commands interface {
	Execute(ctx context.Context, id ladda.StationID, cmd station.Command, requestedBy string) (*station.CommandRecord, error)
	Station(ctx context.Context, id ladda.StationID) (*station.Station, error)
}

// Links makes the link from which a station downloads image name, valid for ttl.
type Links func(name string, ttl time.Duration) string

// Config tunes the Service.
type Config struct {
	// Interval is how often Run advances campaigns. Default 5 seconds.
	Interval time.Duration
	// RetryAfter is how long Ladda waits before trying a station that was offline again.
	// Default 1 minute.
	RetryAfter time.Duration
}

// Service creates campaigns and moves them along. It is safe for concurrent use, and several
// processes may run campaigns on one database: every step is a compare-and-set.
type Service struct {
	store    Store
	commands Commands
	links    Links
	clock    ladda.Clock
	log      *slog.Logger
	cfg      Config
}

// NewService returns a Service. links may be nil when Ladda serves no images (campaigns then
// need a location); clock and log may be nil.
func NewService(store Store, commands Commands, links Links, clock ladda.Clock, log *slog.Logger, cfg Config) *Service {
	if clock == nil {
		clock = ladda.SystemClock{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 5 * time.Second
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = time.Minute
	}
	return &Service{store: store, commands: commands, links: links, clock: clock, log: log, cfg: cfg}
}

// NewCampaign is a campaign as an operator asks for it.
type NewCampaign struct {
	Name               string
	Firmware           string // an image in Ladda's data directory, or
	Location           string // a URL elsewhere
	RetrieveAt         time.Time
	InstallAt          *time.Time
	Retries            *int
	RetryInterval      *int
	SigningCertificate string
	Signature          string
	Concurrency        int       // 0: DefaultConcurrency
	Deadline           time.Time // zero: DefaultRunFor after RetrieveAt
	Stations           []ladda.StationID
	CreatedBy          string
}

// Create starts a campaign. Errors: Invalid for a campaign that breaks the rules, NotFound
// for an unknown station.
func (s *Service) Create(ctx context.Context, n NewCampaign) (*Campaign, error) {
	const op = "firmware.Create"
	now := s.clock.Now().UTC()
	if n.RetrieveAt.Before(now) {
		n.RetrieveAt = now
	}
	if n.Concurrency == 0 {
		n.Concurrency = DefaultConcurrency
	}
	if n.Deadline.IsZero() {
		n.Deadline = n.RetrieveAt.Add(DefaultRunFor)
	}
	stations := slices.Compact(slices.Sorted(slices.Values(n.Stations)))
	switch {
	case n.Name == "" || len(n.Name) > 100:
		return nil, ladda.Errorf(ladda.Invalid, op, "a campaign's name has 1 to 100 characters")
	case (n.Firmware == "") == (n.Location == ""):
		return nil, ladda.Errorf(ladda.Invalid, op, "give either firmware (an image uploaded to Ladda) or location (a URL elsewhere)")
	case n.Firmware != "" && s.links == nil:
		return nil, ladda.Errorf(ladda.Unavailable, op, "this Ladda serves no firmware images")
	case (n.Signature == "") != (n.SigningCertificate == ""):
		return nil, ladda.Errorf(ladda.Invalid, op, "a signed update needs both the signature and the signing certificate")
	case len(stations) == 0 || len(stations) > MaxStations:
		return nil, ladda.Errorf(ladda.Invalid, op, "a campaign has 1 to %d stations", MaxStations)
	case len(stations) != len(n.Stations):
		return nil, ladda.Errorf(ladda.Invalid, op, "a station is named twice")
	case n.Concurrency < 1 || n.Concurrency > MaxConcurrency:
		return nil, ladda.Errorf(ladda.Invalid, op, "concurrency is 1 to %d stations at once", MaxConcurrency)
	case !n.Deadline.After(n.RetrieveAt):
		return nil, ladda.Errorf(ladda.Invalid, op, "the deadline must be after the retrieve time")
	}
	c := &Campaign{Name: n.Name, Firmware: n.Firmware, Location: n.Location, RetrieveAt: n.RetrieveAt.UTC(), InstallAt: n.InstallAt,
		Retries: n.Retries, RetryInterval: n.RetryInterval, SigningCertificate: n.SigningCertificate, Signature: n.Signature,
		Concurrency: n.Concurrency, Deadline: n.Deadline.UTC(), Status: CampaignRunning, CreatedBy: n.CreatedBy, CreatedAt: now, UpdatedAt: now}
	// Request ids: a random run of them, so that a station's notifications name their
	// campaign. A clash with an earlier campaign's is a Conflict: try another run.
	var err error
	for range 3 {
		base := 1 + rand.IntN(math.MaxInt32-len(stations))
		targets := make([]Target, len(stations))
		for i, id := range stations {
			targets[i] = Target{StationID: id, RequestID: base + i, Status: TargetPending, NextAttemptAt: now, UpdatedAt: now}
		}
		if err = s.store.CreateCampaign(ctx, c, targets); !ladda.IsKind(err, ladda.Conflict) {
			break
		}
	}
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	return c, nil
}

// Progress is a campaign with the number of its stations in each status.
type Progress struct {
	Campaign *Campaign
	Counts   map[TargetStatus]int
}

// Campaign returns a campaign and its progress.
func (s *Service) Campaign(ctx context.Context, id int64) (Progress, error) {
	const op = "firmware.Campaign"
	c, err := s.store.Campaign(ctx, id)
	if err != nil {
		return Progress{}, ladda.Wrap(op, err)
	}
	counts, err := s.store.TargetCounts(ctx, id)
	return Progress{Campaign: c, Counts: counts}, ladda.Wrap(op, err)
}

// Campaigns lists campaigns newest first (see Store.Campaigns); at most 1000.
func (s *Service) Campaigns(ctx context.Context, status CampaignStatus, beforeID int64, limit int) ([]*Campaign, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	list, err := s.store.Campaigns(ctx, status, beforeID, limit)
	return list, ladda.Wrap("firmware.Campaigns", err)
}

// Targets lists a campaign's stations by id, after after, at most limit, only in statuses when
// given. Errors: NotFound for an unknown campaign.
func (s *Service) Targets(ctx context.Context, id int64, statuses []TargetStatus, after ladda.StationID, limit int) ([]*Target, error) {
	const op = "firmware.Targets"
	if _, err := s.store.Campaign(ctx, id); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	list, err := s.store.Targets(ctx, id, statuses, time.Time{}, after, limit)
	return list, ladda.Wrap(op, err)
}

// Cancel stops a running campaign: stations not yet sent the update are Skipped; those
// updating carry on, and their progress is still recorded. Errors: NotFound; Conflict when the
// campaign is not running.
func (s *Service) Cancel(ctx context.Context, id int64) (Progress, error) {
	const op = "firmware.Cancel"
	now := s.clock.Now()
	ok, err := s.store.SetCampaignStatus(ctx, id, CampaignRunning, CampaignCancelled, now)
	if err != nil {
		return Progress{}, ladda.Wrap(op, err)
	}
	if !ok {
		return Progress{}, ladda.Errorf(ladda.Conflict, op, "campaign %d is not running", id)
	}
	pending, err := s.store.Targets(ctx, id, []TargetStatus{TargetPending}, time.Time{}, "", 0)
	if err != nil {
		return Progress{}, ladda.Wrap(op, err)
	}
	for _, t := range pending {
		if _, err := s.store.ChangeTarget(ctx, id, t.StationID, []TargetStatus{TargetPending},
			TargetChange{Status: TargetSkipped, Detail: "campaign cancelled", At: now}); err != nil {
			return Progress{}, ladda.Wrap(op, err)
		}
	}
	return s.Campaign(ctx, id)
}

// Run advances the running campaigns every Interval until ctx ends.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.Step(ctx)
		}
	}
}

// Step advances every running campaign once: it sends the update to as many waiting stations
// as the campaign's concurrency allows, fails the ones it could not reach by the deadline, and
// finishes a campaign whose stations are all done.
func (s *Service) Step(ctx context.Context) {
	var before int64
	for {
		list, err := s.store.Campaigns(ctx, CampaignRunning, before, 100)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Error("reading firmware campaigns", "err", err)
			}
			return
		}
		for _, c := range list {
			if err := s.step(ctx, c); err != nil && ctx.Err() == nil {
				s.log.Error("advancing a firmware campaign", "campaign", c.ID, "err", err)
			}
		}
		if len(list) < 100 {
			return
		}
		before = list[len(list)-1].ID
	}
}

// step advances one campaign.
func (s *Service) step(ctx context.Context, c *Campaign) error {
	now := s.clock.Now()
	// A send whose sender died is made again.
	stuck, err := s.store.Targets(ctx, c.ID, []TargetStatus{TargetSending}, now, "", 0)
	if err != nil {
		return err
	}
	for _, t := range stuck {
		if _, err := s.store.ChangeTarget(ctx, c.ID, t.StationID, []TargetStatus{TargetSending}, TargetChange{Status: TargetPending, Detail: t.Detail, At: now}); err != nil {
			return err
		}
	}
	if now.After(c.Deadline) {
		if err := s.failAll(ctx, c.ID, TargetPending, "not reached before the deadline", now); err != nil {
			return err
		}
	}
	if now.After(c.Deadline.Add(reportGrace)) {
		if err := s.failAll(ctx, c.ID, TargetUpdating, "no final status reported by the deadline", now); err != nil {
			return err
		}
	}
	counts, err := s.store.TargetCounts(ctx, c.ID)
	if err != nil {
		return err
	}
	if counts[TargetPending]+counts[TargetSending]+counts[TargetUpdating] == 0 {
		_, err := s.store.SetCampaignStatus(ctx, c.ID, CampaignRunning, CampaignFinished, now)
		return err
	}
	room := c.Concurrency - counts[TargetSending] - counts[TargetUpdating]
	if room <= 0 || counts[TargetPending] == 0 {
		return nil
	}
	due, err := s.store.Targets(ctx, c.ID, []TargetStatus{TargetPending}, now, "", room)
	if err != nil {
		return err
	}
	for _, t := range due {
		if st, err := s.commands.Station(ctx, t.StationID); err != nil || !st.Connected {
			// Not connected: tried again later, without a command log entry each time.
			if _, err := s.store.ChangeTarget(ctx, c.ID, t.StationID, []TargetStatus{TargetPending},
				TargetChange{Detail: "offline: tried again when connected", NextAttemptAt: now.Add(s.cfg.RetryAfter), At: now}); err != nil {
				return err
			}
			continue
		}
		at := s.clock.Now() // a pass may take long: the lease starts when it is taken
		ok, err := s.store.ChangeTarget(ctx, c.ID, t.StationID, []TargetStatus{TargetPending},
			TargetChange{Status: TargetSending, Detail: "sending", NextAttemptAt: at.Add(sendingFor), At: at})
		if err != nil {
			return err
		}
		if ok {
			if err := s.send(ctx, c, t); err != nil {
				return err
			}
		}
	}
	return nil
}

// failAll fails a campaign's targets in status from.
func (s *Service) failAll(ctx context.Context, id int64, from TargetStatus, why string, now time.Time) error {
	list, err := s.store.Targets(ctx, id, []TargetStatus{from}, time.Time{}, "", 0)
	if err != nil {
		return err
	}
	for _, t := range list {
		if _, err := s.store.ChangeTarget(ctx, id, t.StationID, []TargetStatus{from}, TargetChange{Status: TargetFailed, Detail: why, At: now}); err != nil {
			return err
		}
	}
	return nil
}

// send sends the campaign's update to one station (whose target is Sending) and records the
// outcome: Updating when the station took it, Failed when it refused, Pending again (later)
// when it could not be reached.
func (s *Service) send(ctx context.Context, c *Campaign, t *Target) error {
	now := s.clock.Now()
	retrieve := c.RetrieveAt
	if retrieve.Before(now) {
		retrieve = now
	}
	location := c.Location
	if c.Firmware != "" {
		location = s.links(c.Firmware, retrieve.Sub(now)+c.Deadline.Sub(retrieve)+reportGrace)
	}
	rec, err := s.commands.Execute(ctx, t.StationID, station.UpdateFirmware{RequestID: t.RequestID, Location: location, RetrieveAt: retrieve,
		InstallAt: c.InstallAt, Retries: c.Retries, RetryInterval: c.RetryInterval, SigningCertificate: c.SigningCertificate, Signature: c.Signature},
		"campaign:"+strconv.FormatInt(c.ID, 10))
	change := TargetChange{Attempts: t.Attempts + 1, At: s.clock.Now()}
	if rec != nil {
		change.CommandID = rec.ID
	}
	switch {
	case rec != nil && rec.Outcome == station.CommandAnswered && (rec.Answer.Status == "Accepted" || rec.Answer.Status == "AcceptedCanceled"):
		change.Status, change.Detail = TargetUpdating, rec.Answer.Status
	case rec != nil && rec.Outcome == station.CommandAnswered:
		change.Status, change.Detail = TargetFailed, "the station answered "+rec.Answer.Status
	case rec != nil && (rec.Outcome == station.CommandOffline || rec.Outcome == station.CommandTimeout):
		change.Status, change.Detail, change.NextAttemptAt = TargetPending, string(rec.Outcome)+": tried again later", change.At.Add(s.cfg.RetryAfter)
	case ladda.IsKind(err, ladda.Conflict): // offline, before anything was logged
		change.Status, change.Detail, change.NextAttemptAt = TargetPending, "offline: tried again later", change.At.Add(s.cfg.RetryAfter)
	default:
		change.Status, change.Detail = TargetFailed, "not sent: "+errorText(err, rec)
	}
	_, cerr := s.store.ChangeTarget(context.WithoutCancel(ctx), c.ID, t.StationID, []TargetStatus{TargetSending}, change)
	return cerr
}

// errorText says why a command failed.
func errorText(err error, rec *station.CommandRecord) string {
	if rec != nil && rec.Error != "" {
		return rec.Error
	}
	if err != nil {
		return err.Error()
	}
	return "unknown error"
}

// failed are the firmware statuses that end an update without success.
var failed = []string{"DownloadFailed", "InstallationFailed", "InstallVerificationFailed", "InvalidSignature", "InvalidCertificate", "RevokedCertificate"}

// StatusReported records a station's firmware status notification in the campaign whose update
// it is about (by requestId, or for 1.6 stations without one, the station's newest campaign
// still updating): Installed ends it well, a failure badly; other statuses are progress.
// A notification about no campaign is ignored.
func (s *Service) StatusReported(ctx context.Context, id ladda.StationID, requestID *int, status string) error {
	const op = "firmware.StatusReported"
	t, err := s.store.UpdatingTarget(ctx, id, requestID)
	if ladda.IsKind(err, ladda.NotFound) {
		return nil
	}
	if err != nil {
		return ladda.Wrap(op, err)
	}
	change := TargetChange{Detail: status, At: s.clock.Now()}
	switch {
	case status == "Installed":
		change.Status = TargetInstalled
	case slices.Contains(failed, status):
		change.Status = TargetFailed
	}
	// A station may report after a send was taken for lost: progress counts from Sending too.
	_, err = s.store.ChangeTarget(ctx, t.CampaignID, id, []TargetStatus{TargetSending, TargetUpdating}, change)
	return ladda.Wrap(op, err)
}
