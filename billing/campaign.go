package billing

import (
	"context"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ladda-csms/ladda"
)

// Sponsorship campaigns: a sponsor pays an organisation to have messages shown on the screens of
// its stations for a while. The rules are on SponsorCampaign; the service runs them
// (Service.RunCampaigns).

// CampaignStatus is where a sponsorship campaign stands.
type CampaignStatus string

// The statuses of a campaign. Scheduled and Running are open; Ended and Cancelled are final.
const (
	CampaignScheduled CampaignStatus = "scheduled" // waiting for StartAt
	CampaignRunning   CampaignStatus = "running"   // its messages are being sent and shown
	CampaignEnded     CampaignStatus = "ended"     // EndAt passed; its fee is booked
	CampaignCancelled CampaignStatus = "cancelled" // stopped by the operator; no fee is booked
)

// The priorities of a display message, as OCPP 2.0.1 names them (MessagePriorityEnumType).
const (
	PriorityAlwaysFront = "AlwaysFront" // shown before any other message, never cycled
	PriorityInFront     = "InFront"     // shown before NormalCycle messages, cycled with other InFront ones
	PriorityNormalCycle = "NormalCycle" // in the station's normal cycle of messages
)

// Limits of a campaign.
const (
	// MaxCampaignLanguages is the most messages (languages) a campaign has: each takes one of
	// the 16 display-message ids SponsorMessageID reserves per campaign.
	MaxCampaignLanguages = 16
	// MaxCampaignStations and MaxCampaignSites bound the targets a campaign names.
	MaxCampaignStations = 10000
	MaxCampaignSites    = 1000
	// MaxSponsorContent is the most characters (Unicode code points) of a message: the
	// content limit of OCPP 2.0.1 display messages.
	MaxSponsorContent = 512
	// MaxDeliveryAttempts bounds the commands sent for one step of a delivery (showing the
	// message; once the campaign is cancelled, clearing it) that did not reach the station
	// (it went offline, or did not answer in time). A station that is offline is not sent
	// anything and does not use attempts: it is tried again each run while the campaign runs.
	MaxDeliveryAttempts = 5
	// sponsorMessageBase is the first display-message id of sponsorship campaigns, far above
	// the ids operators pick by hand.
	sponsorMessageBase = 1_000_000
)

// SponsorMessage is the text of a campaign in one language.
type SponsorMessage struct {
	Language string `json:"language"` // ISO 639-1, two lower-case letters: "en", "sv"
	Content  string `json:"content"`  // UTF-8 text, at most MaxSponsorContent characters
}

// SponsorCampaign is a sponsor's messages shown on station screens (OCPP 2.0.1
// SetDisplayMessage) from StartAt until EndAt, at the stations it names and at every station of
// the sites it names, for a fee the sponsor owes the organisation.
//
// Rules, checked by Check: Name has 1 to 200 characters. Sponsor is the ledger name of the
// sponsor, 1 to 64 lower-case letters, digits, '.', '-' or '_' (its account is
// "sponsor:NAME"). There are 1 to MaxCampaignLanguages Messages, each in another two-letter
// language, with 1 to MaxSponsorContent characters of valid UTF-8. Priority is AlwaysFront,
// InFront or NormalCycle. EndAt is after StartAt. There is at least one target: up to
// MaxCampaignStations valid station ids and MaxCampaignSites site ids (positive), none twice.
// Currency is an ISO 4217 code; Fee is a non-negative whole number of its minor units;
// FeePerImpression is non-negative with at most six decimals. VendorID has at most 255
// characters.
//
// A campaign of an organisation (OrgID > 0) runs only at that organisation's stations and
// sites; one of no organisation (the operator's own, made by administrators) anywhere, and its
// fee is revenue of organisation 0.
//
// OCPP 1.6 has no display messages: a 1.6 station gets the messages only when VendorID names
// the vendor that carries the 2.0.1 messages in DataTransfer (see station.SetDisplayMessage);
// without one, its deliveries fail without a command being sent.
//
// The fee: when the campaign ends (EndAt passed) the sponsor owes Fee plus FeePerImpression
// for each impression, rounded once, half away from zero, to the currency's minor unit, and it
// is booked in the ledger as one SponsorFee entry with reference "campaign:ID": the sponsor's
// account debited, the organisation's revenue credited. A cancelled campaign books nothing.
//
// An impression is one message (one language) that a station accepted to show: the station
// answered Accepted to its SetDisplayMessage. It is not a count of people who looked at the
// screen, which OCPP cannot tell: a station that accepted the English and the Swedish message
// of a campaign counts two impressions for the whole campaign, however often it showed them.
type SponsorCampaign struct {
	ID               int64             `json:"id"`
	OrgID            int64             `json:"orgId,omitempty"`
	Name             string            `json:"name"`
	Sponsor          string            `json:"sponsor"`
	Messages         []SponsorMessage  `json:"messages"`
	Priority         string            `json:"priority"`
	StartAt          time.Time         `json:"startAt"`
	EndAt            time.Time         `json:"endAt"`
	StationIDs       []ladda.StationID `json:"stationIds,omitempty"`
	SiteIDs          []int64           `json:"siteIds,omitempty"`
	VendorID         string            `json:"vendorId,omitempty"` // OCPP 1.6 stations: the vendor of display messages in DataTransfer
	Currency         string            `json:"currency"`
	Fee              Amount            `json:"fee"`              // flat, for the whole campaign
	FeePerImpression Amount            `json:"feePerImpression"` // for each impression
	Status           CampaignStatus    `json:"status"`
	CreatedAt        time.Time         `json:"createdAt"`
	UpdatedAt        time.Time         `json:"updatedAt"`
}

// Check returns an Invalid error naming the first rule of SponsorCampaign that c breaks, or nil.
func (c *SponsorCampaign) Check() error {
	const op = "billing.SponsorCampaign.Check"
	invalid := func(format string, args ...any) error { return ladda.Errorf(ladda.Invalid, op, format, args...) }
	switch {
	case strings.TrimSpace(c.Name) == "" || utf8.RuneCountInString(c.Name) > 200 || !utf8.ValidString(c.Name):
		return invalid("a campaign needs a name of 1 to 200 characters")
	case !isAccountName(c.Sponsor):
		return invalid("sponsor %q must be 1 to 64 lower-case letters, digits, '.', '-' or '_'", c.Sponsor)
	case len(c.Messages) == 0 || len(c.Messages) > MaxCampaignLanguages:
		return invalid("a campaign has 1 to %d messages, one per language", MaxCampaignLanguages)
	case c.Priority != PriorityAlwaysFront && c.Priority != PriorityInFront && c.Priority != PriorityNormalCycle:
		return invalid("priority %q must be AlwaysFront, InFront or NormalCycle", c.Priority)
	case c.StartAt.IsZero() || !c.EndAt.After(c.StartAt):
		return invalid("a campaign needs a start and an end after it")
	case len(c.StationIDs) == 0 && len(c.SiteIDs) == 0:
		return invalid("a campaign needs stations or sites to run at")
	case len(c.StationIDs) > MaxCampaignStations:
		return invalid("a campaign names at most %d stations", MaxCampaignStations)
	case len(c.SiteIDs) > MaxCampaignSites:
		return invalid("a campaign names at most %d sites", MaxCampaignSites)
	case len(c.VendorID) > 255 || !utf8.ValidString(c.VendorID):
		return invalid("vendorId has at most 255 characters")
	case !isCurrency(c.Currency):
		return invalid("currency %q is not an ISO 4217 code", c.Currency)
	case c.Fee.Sign() < 0 || !c.Fee.IsRounded(Exponent(c.Currency)):
		return invalid("fee %s must be non-negative with at most %d decimals", c.Fee, Exponent(c.Currency))
	case c.FeePerImpression.Sign() < 0 || !c.FeePerImpression.IsRounded(6):
		return invalid("feePerImpression %s must be non-negative with at most 6 decimals", c.FeePerImpression)
	case c.OrgID < 0:
		return invalid("organisation %d is not a valid id", c.OrgID)
	}
	switch c.Status {
	case CampaignScheduled, CampaignRunning, CampaignEnded, CampaignCancelled:
	default:
		return invalid("status %q is not a campaign status", c.Status)
	}
	seen := make(map[string]bool, len(c.Messages))
	for _, m := range c.Messages {
		if !isLanguage(m.Language) {
			return invalid("language %q must be two lower-case letters (ISO 639-1), such as en", m.Language)
		}
		if seen[m.Language] {
			return invalid("two messages in language %s", m.Language)
		}
		seen[m.Language] = true
		if strings.TrimSpace(m.Content) == "" || !utf8.ValidString(m.Content) || strings.ContainsRune(m.Content, 0) ||
			utf8.RuneCountInString(m.Content) > MaxSponsorContent {
			return invalid("the %s message must be 1 to %d characters of UTF-8 text", m.Language, MaxSponsorContent)
		}
	}
	for i, id := range c.StationIDs {
		if !ladda.ValidStationID(string(id)) {
			return invalid("%q is not a station id", id)
		}
		if slices.Contains(c.StationIDs[:i], id) {
			return invalid("station %s is named twice", id)
		}
	}
	for i, id := range c.SiteIDs {
		if id <= 0 {
			return invalid("%d is not a site id", id)
		}
		if slices.Contains(c.SiteIDs[:i], id) {
			return invalid("site %d is named twice", id)
		}
	}
	return nil
}

// Due is what the sponsor owes for c with the given number of impressions: Fee plus
// FeePerImpression × impressions, rounded once, half away from zero, to the minor unit of
// Currency.
func (c *SponsorCampaign) Due(impressions int) Amount {
	n := Quantity{new(big.Rat).SetInt64(int64(impressions))}
	return c.Fee.Add(c.FeePerImpression.Mul(n)).Round(Exponent(c.Currency))
}

// CampaignRef returns "campaign:ID", the reference of the ledger entry of a campaign's fee.
func CampaignRef(id int64) string { return "campaign:" + strconv.FormatInt(id, 10) }

func isLanguage(s string) bool {
	return len(s) == 2 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z'
}

// SponsorMessageID returns the display-message id of message i (0-based, below
// MaxCampaignLanguages) of campaign id at every station: 1 000 000 + id×16 + i, so that each
// campaign and language has its own id and a message replaces only itself. Errors: Invalid
// when the id would not fit OCPP's 32-bit integer (campaign ids above 134 155 227).
func SponsorMessageID(campaignID int64, i int) (int, error) {
	if campaignID <= 0 || i < 0 || i >= MaxCampaignLanguages || campaignID > (math.MaxInt32-sponsorMessageBase)/MaxCampaignLanguages {
		return 0, ladda.Errorf(ladda.Invalid, "billing.SponsorMessageID", "campaign %d, message %d has no display-message id", campaignID, i)
	}
	return int(sponsorMessageBase + campaignID*MaxCampaignLanguages + int64(i)), nil
}

// DeliveryStatus is where one message of a campaign stands at one station.
type DeliveryStatus string

// The statuses of a delivery. Pending is the only one that leads to sending; Shown leads to
// Cleared when the campaign is cancelled; the others are final.
const (
	DeliveryPending DeliveryStatus = "pending" // not sent yet, or to be sent again
	DeliveryShown   DeliveryStatus = "shown"   // the station accepted it: an impression
	DeliveryRefused DeliveryStatus = "refused" // the station answered otherwise (Rejected, NotSupported, …)
	DeliveryFailed  DeliveryStatus = "failed"  // not delivered: see Detail
	DeliveryCleared DeliveryStatus = "cleared" // shown, then removed when the campaign was cancelled
)

// SponsorDelivery is one message (language) of a campaign at one station: what was sent and
// what the station said. A campaign has at most one per station and language. Attempts counts
// the commands sent for its current step (see MaxDeliveryAttempts); CommandID is the entry of
// the station's command log of the last one (0: none); At is when it last changed.
type SponsorDelivery struct {
	CampaignID int64           `json:"campaignId"`
	StationID  ladda.StationID `json:"stationId"`
	Language   string          `json:"language"`
	MessageID  int             `json:"messageId"`
	Status     DeliveryStatus  `json:"status"`
	Detail     string          `json:"detail,omitempty"` // why it was refused or failed, in words
	Attempts   int             `json:"attempts"`
	CommandID  int64           `json:"commandId,omitempty"`
	At         time.Time       `json:"at"`
}

// Impression reports whether d counts as an impression: the station accepted to show it.
func (d *SponsorDelivery) Impression() bool {
	return d.Status == DeliveryShown || d.Status == DeliveryCleared
}

// CampaignFilter selects campaigns, by ID. Zero fields do not filter.
type CampaignFilter struct {
	OrgID     int64            // of this organisation
	Statuses  []CampaignStatus // in one of these statuses
	EndsAfter time.Time        // whose EndAt is after this
}

// Campaigns is what the store keeps of sponsorship campaigns and their deliveries. Errors are
// *ladda.Error.
type Campaigns interface {
	// CreateSponsorCampaign stores c and sets c.ID. Errors: NotFound for an unknown
	// organisation; Invalid for a campaign that breaks the rules (Check) or text the store
	// cannot keep.
	CreateSponsorCampaign(ctx context.Context, c *SponsorCampaign) error
	// SponsorCampaign returns one campaign. Errors: NotFound.
	SponsorCampaign(ctx context.Context, id int64) (*SponsorCampaign, error)
	// SponsorCampaigns lists the campaigns f selects, by ID.
	SponsorCampaigns(ctx context.Context, f CampaignFilter) ([]*SponsorCampaign, error)
	// SetSponsorCampaignStatus moves a campaign from status from to status to and sets its
	// UpdatedAt to at, if it is in status from: a compare-and-set, so that of two racing
	// callers one wins. It reports whether it changed. Errors: NotFound.
	SetSponsorCampaignStatus(ctx context.Context, id int64, from, to CampaignStatus, at time.Time) (bool, error)
	// PutSponsorDelivery stores d, replacing the campaign's delivery to the same station in
	// the same language. Errors: NotFound for an unknown campaign; Invalid for text the store
	// cannot keep.
	PutSponsorDelivery(ctx context.Context, d *SponsorDelivery) error
	// SponsorDeliveries lists a campaign's deliveries by station, then language (byte order);
	// none for an unknown campaign.
	SponsorDeliveries(ctx context.Context, campaignID int64) ([]*SponsorDelivery, error)
}
