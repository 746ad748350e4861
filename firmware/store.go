// Package firmware runs firmware campaigns: one image rolled out to many stations, a few at a
// time, with each station's progress and failures tracked from its firmware status
// notifications.
package firmware

import (
	"context"
	"time"

	"github.com/ladda-csms/ladda"
)

// Campaign is one image rolled out to a set of stations.
type Campaign struct {
	ID                 int64
	Name               string
	Firmware           string // an image in Ladda's data directory; "" when Location is set
	Location           string // a URL elsewhere; "" when Firmware is set
	RetrieveAt         time.Time
	InstallAt          *time.Time
	Retries            *int
	RetryInterval      *int // seconds
	SigningCertificate string
	Signature          string
	Concurrency        int       // at most this many stations updating at once
	Deadline           time.Time // stations not reached by then fail
	Status             CampaignStatus
	CreatedBy          string
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// CampaignStatus is where a campaign stands.
type CampaignStatus string

// The campaign statuses.
const (
	CampaignRunning   CampaignStatus = "Running"
	CampaignCancelled CampaignStatus = "Cancelled" // no more stations are sent the update
	CampaignFinished  CampaignStatus = "Finished"  // every station succeeded or failed
)

// Target is one station of a campaign.
type Target struct {
	CampaignID    int64
	StationID     ladda.StationID
	RequestID     int // the requestId of the update sent to it, unique among targets
	Status        TargetStatus
	Detail        string    // the station's last firmware status, or why it failed
	CommandID     int64     // the command log entry of the last UpdateFirmware, 0 none
	Attempts      int       // how often Ladda tried to send it the update
	NextAttemptAt time.Time // a Pending target is not sent before this
	UpdatedAt     time.Time
}

// TargetStatus is where one station of a campaign stands.
type TargetStatus string

// The target statuses. Pending and Sending wait for Ladda; Updating waits for the station
// (Detail is its last reported status); Installed and Failed are final, as is Skipped (the
// campaign was cancelled before the station was sent the update).
const (
	TargetPending   TargetStatus = "Pending"
	TargetSending   TargetStatus = "Sending"
	TargetUpdating  TargetStatus = "Updating"
	TargetInstalled TargetStatus = "Installed"
	TargetFailed    TargetStatus = "Failed"
	TargetSkipped   TargetStatus = "Skipped"
)

// TargetChange changes one target; zero fields are left as they are, except Detail, which is
// always set.
type TargetChange struct {
	Status        TargetStatus
	Detail        string
	CommandID     int64
	Attempts      int // the new count, when > 0
	NextAttemptAt time.Time
	At            time.Time // becomes UpdatedAt
}

// Store keeps campaigns and their targets. Errors are *ladda.Error; NotFound for unknown IDs.
type Store interface {
	// CreateCampaign stores c (assigning c.ID) with its targets, atomically. Every target's
	// CampaignID is set to c.ID. NotFound when a target's station does not exist; Conflict
	// when a RequestID is already used by another target.
	CreateCampaign(ctx context.Context, c *Campaign, targets []Target) error
	// Campaign returns one campaign.
	Campaign(ctx context.Context, id int64) (*Campaign, error)
	// Campaigns lists campaigns newest first: ID < beforeID when beforeID > 0, at most limit,
	// only in status when status is not empty.
	Campaigns(ctx context.Context, status CampaignStatus, beforeID int64, limit int) ([]*Campaign, error)
	// SetCampaignStatus changes a campaign's status if it is from, and reports whether it did.
	SetCampaignStatus(ctx context.Context, id int64, from, to CampaignStatus, at time.Time) (bool, error)
	// Targets lists a campaign's targets by station id: station id > after, at most limit
	// (0: all), only in statuses when given; and, when dueBy is not zero, only those whose
	// NextAttemptAt ≤ dueBy.
	Targets(ctx context.Context, campaignID int64, statuses []TargetStatus, dueBy time.Time, after ladda.StationID, limit int) ([]*Target, error)
	// TargetCounts counts a campaign's targets per status (statuses without targets absent).
	TargetCounts(ctx context.Context, campaignID int64) (map[TargetStatus]int, error)
	// ChangeTarget applies c to the target if its status is one of from, atomically, and reports
	// whether it did. NotFound for an unknown campaign or station.
	ChangeTarget(ctx context.Context, campaignID int64, station ladda.StationID, from []TargetStatus, c TargetChange) (bool, error)
	// UpdatingTarget finds the target a station's firmware status notification is about: the
	// one of the station with requestID when requestID is not nil; otherwise the station's
	// target in status Updating (or Sending: a station may report before its answer is
	// recorded) of the newest campaign. NotFound when there is none.
	UpdatingTarget(ctx context.Context, station ladda.StationID, requestID *int) (*Target, error)
}
