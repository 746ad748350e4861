package httpapi

import (
	"context"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/firmware"
)

// Campaign is a firmware image rolled out to many stations, and how far it got.
type Campaign struct {
	ID          int64          `json:"id"`
	Name        string         `json:"name"`
	Firmware    string         `json:"firmware,omitempty" doc:"The image uploaded to Ladda, when the stations download it from Ladda."`
	Location    string         `json:"location,omitempty" doc:"The URL the stations download the image from otherwise."`
	RetrieveAt  time.Time      `json:"retrieveAt"`
	InstallAt   *time.Time     `json:"installAt,omitempty"`
	Signed      bool           `json:"signed" doc:"Whether the update carries a signature (a secure update)."`
	Concurrency int            `json:"concurrency" doc:"At most this many stations update at once."`
	Deadline    time.Time      `json:"deadline" doc:"Stations not reached by then fail; those that took the update have 24 hours more to report its end."`
	Status      string         `json:"status" enum:"Running,Cancelled,Finished"`
	Stations    map[string]int `json:"stations" doc:"How many of its stations are in each status: Pending (waiting to be sent the update), Sending, Updating (took it; see their last status), Installed, Failed, Skipped (cancelled before being sent)."`
	CreatedBy   string         `json:"createdBy"`
	CreatedAt   time.Time      `json:"createdAt"`
	UpdatedAt   time.Time      `json:"updatedAt"`
}

func viewCampaign(p firmware.Progress) Campaign {
	c := p.Campaign
	v := Campaign{ID: c.ID, Name: c.Name, Firmware: c.Firmware, Location: c.Location, RetrieveAt: c.RetrieveAt.UTC(), InstallAt: utcPtr(c.InstallAt),
		Signed: c.Signature != "", Concurrency: c.Concurrency, Deadline: c.Deadline.UTC(), Status: string(c.Status),
		Stations: map[string]int{}, CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
	for _, st := range []firmware.TargetStatus{firmware.TargetPending, firmware.TargetSending, firmware.TargetUpdating, firmware.TargetInstalled, firmware.TargetFailed, firmware.TargetSkipped} {
		v.Stations[string(st)] = p.Counts[st]
	}
	return v
}

// campaigns returns the campaign service, or Unavailable when Ladda runs without one.
func (s *server) campaigns(op string) (*firmware.Service, error) {
	if s.firmware == nil {
		return nil, ladda.Errorf(ladda.Unavailable, op, "this Ladda runs no firmware campaigns")
	}
	return s.firmware, nil
}

type createCampaignInput struct {
	Body struct {
		Name               string     `json:"name" minLength:"1" maxLength:"100"`
		Firmware           string     `json:"firmware,omitempty" maxLength:"128" doc:"An image uploaded to Ladda (PUT /api/v1/firmware/{name}). Give this or location."`
		Location           string     `json:"location,omitempty" maxLength:"512" format:"uri" doc:"A URL elsewhere (http, https, ftp, ftps, sftp). Give this or firmware."`
		StationIDs         []string   `json:"stationIds" minItems:"1" maxItems:"10000" uniqueItems:"true" doc:"The stations to update."`
		RetrieveAt         *time.Time `json:"retrieveAt,omitempty" doc:"When stations are to download it; absent: now."`
		InstallAt          *time.Time `json:"installAt,omitempty" doc:"When to install it (signed updates and OCPP 2.0.1); absent: once downloaded."`
		Retries            *int       `json:"retries,omitempty" minimum:"0" maximum:"100"`
		RetryInterval      *int       `json:"retryInterval,omitempty" minimum:"0" maximum:"86400" doc:"Seconds."`
		SigningCertificate string     `json:"signingCertificate,omitempty" maxLength:"5500"`
		Signature          string     `json:"signature,omitempty" maxLength:"800"`
		Concurrency        int        `json:"concurrency,omitempty" minimum:"0" maximum:"1000" doc:"At most this many stations updating at once; absent: 10."`
		Deadline           *time.Time `json:"deadline,omitempty" doc:"Stations not reached by then fail; absent: 7 days after retrieveAt."`
	} `nameHint:"CampaignRequest"`
}

type campaignOutput struct {
	Location *string `header:"Location" nullable:"false"`
	Body     Campaign
}

// createCampaign handles POST /api/v1/firmware-campaigns: starts rolling an image out.
func (s *server) createCampaign(ctx context.Context, in *createCampaignInput) (*campaignOutput, error) {
	const op = "httpapi.createCampaign"
	svc, err := s.campaigns(op)
	if err != nil {
		return nil, err
	}
	b := in.Body
	if b.Firmware != "" {
		fs, err := s.filesStore(op)
		if err != nil {
			return nil, err
		}
		if _, err := fs.FirmwareFile(b.Firmware); ladda.IsKind(err, ladda.NotFound) {
			return nil, ladda.Errorf(ladda.Invalid, op, "no firmware image %q: upload it first (PUT /api/v1/firmware/{name})", b.Firmware)
		} else if err != nil {
			return nil, err
		}
	} else if err := checkLocation(op, b.Location); b.Location != "" && err != nil {
		return nil, err
	}
	n := firmware.NewCampaign{Name: b.Name, Firmware: b.Firmware, Location: b.Location, InstallAt: utcPtr(b.InstallAt), Retries: b.Retries,
		RetryInterval: b.RetryInterval, SigningCertificate: b.SigningCertificate, Signature: b.Signature, Concurrency: b.Concurrency, CreatedBy: requestedBy(ctx)}
	if b.RetrieveAt != nil {
		n.RetrieveAt = *b.RetrieveAt
	}
	if b.Deadline != nil {
		n.Deadline = *b.Deadline
	}
	for _, id := range b.StationIDs {
		n.Stations = append(n.Stations, ladda.StationID(id))
	}
	c, err := svc.Create(ctx, n)
	if err != nil {
		return nil, err
	}
	p, err := svc.Campaign(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	loc := Prefix + "/firmware-campaigns/" + strconv.FormatInt(c.ID, 10)
	return &campaignOutput{Location: &loc, Body: viewCampaign(p)}, nil
}

type campaignIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type campaignBody struct {
	Body Campaign
}

// getCampaign handles GET /api/v1/firmware-campaigns/{id}.
func (s *server) getCampaign(ctx context.Context, in *campaignIDInput) (*campaignBody, error) {
	svc, err := s.campaigns("httpapi.getCampaign")
	if err != nil {
		return nil, err
	}
	p, err := svc.Campaign(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &campaignBody{Body: viewCampaign(p)}, nil
}

// cancelCampaign handles POST /api/v1/firmware-campaigns/{id}/cancel.
func (s *server) cancelCampaign(ctx context.Context, in *campaignIDInput) (*campaignBody, error) {
	svc, err := s.campaigns("httpapi.cancelCampaign")
	if err != nil {
		return nil, err
	}
	p, err := svc.Cancel(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &campaignBody{Body: viewCampaign(p)}, nil
}

type listCampaignsInput struct {
	Status string `query:"status" enum:"Running,Cancelled,Finished"`
	Before int64  `query:"before" minimum:"0" doc:"Cursor: the next value of the previous page."`
	Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"100"`
}

type listCampaignsOutput struct {
	Body List[Campaign]
}

// listCampaigns handles GET /api/v1/firmware-campaigns: newest first.
func (s *server) listCampaigns(ctx context.Context, in *listCampaignsInput) (*listCampaignsOutput, error) {
	svc, err := s.campaigns("httpapi.listCampaigns")
	if err != nil {
		return nil, err
	}
	limit := limitOf(in.Limit)
	list, err := svc.Campaigns(ctx, firmware.CampaignStatus(in.Status), in.Before, limit+1)
	if err != nil {
		return nil, err
	}
	list, next := page(list, limit, func(c *firmware.Campaign) string { return strconv.FormatInt(c.ID, 10) })
	out := &listCampaignsOutput{Body: List[Campaign]{Items: make([]Campaign, 0, len(list)), Next: next}}
	for _, c := range list {
		p, err := svc.Campaign(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		out.Body.Items = append(out.Body.Items, viewCampaign(p))
	}
	return out, nil
}

// CampaignStation is one station of a campaign.
type CampaignStation struct {
	StationID string    `json:"stationId"`
	Status    string    `json:"status" enum:"Pending,Sending,Updating,Installed,Failed,Skipped"`
	Detail    string    `json:"detail,omitempty" doc:"The station's last firmware status (Downloading, Installed, InvalidSignature, …) or why it failed."`
	RequestID int       `json:"requestId" doc:"The requestId of its update."`
	CommandID *int64    `json:"commandId,omitempty" doc:"The command log entry of the last UpdateFirmware sent to it."`
	Attempts  int       `json:"attempts" doc:"How often Ladda tried to send it the update."`
	UpdatedAt time.Time `json:"updatedAt"`
}

type listCampaignStationsInput struct {
	ID     int64  `path:"id" minimum:"1"`
	Status string `query:"status" enum:"Pending,Sending,Updating,Installed,Failed,Skipped"`
	After  string `query:"after" maxLength:"48" doc:"Cursor: the next value of the previous page."`
	Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"100"`
}

type listCampaignStationsOutput struct {
	Body List[CampaignStation]
}

// listCampaignStations handles GET /api/v1/firmware-campaigns/{id}/stations: by station id.
func (s *server) listCampaignStations(ctx context.Context, in *listCampaignStationsInput) (*listCampaignStationsOutput, error) {
	svc, err := s.campaigns("httpapi.listCampaignStations")
	if err != nil {
		return nil, err
	}
	var statuses []firmware.TargetStatus
	if in.Status != "" {
		statuses = []firmware.TargetStatus{firmware.TargetStatus(in.Status)}
	}
	limit := limitOf(in.Limit)
	list, err := svc.Targets(ctx, in.ID, statuses, ladda.StationID(in.After), limit+1)
	if err != nil {
		return nil, err
	}
	list, next := page(list, limit, func(t *firmware.Target) string { return string(t.StationID) })
	out := &listCampaignStationsOutput{Body: List[CampaignStation]{Items: make([]CampaignStation, 0, len(list)), Next: next}}
	for _, t := range list {
		v := CampaignStation{StationID: string(t.StationID), Status: string(t.Status), Detail: t.Detail, RequestID: t.RequestID, Attempts: t.Attempts, UpdatedAt: t.UpdatedAt.UTC()}
		if t.CommandID != 0 {
			id := t.CommandID
			v.CommandID = &id
		}
		out.Body.Items = append(out.Body.Items, v)
	}
	return out, nil
}
