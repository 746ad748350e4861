package smartcharging

import (
	"context"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/station"
)

// Capacity kinds: where a limit on a site's capacity comes from.
const (
	// KindSchedule is one period of the capacity schedule an energy company or building
	// energy-management system set for a site; a new schedule replaces the old one.
	KindSchedule = "schedule"
	// KindDemandResponse is a demand-response event: reduce to LimitW from From to To. Events
	// add up: the lowest limit in force applies.
	KindDemandResponse = "demand-response"
)

// CapacityLimit caps a site's total power for a while, on top of its grid connection. The
// lowest limit in force at a moment applies, together with the grid's own limit.
type CapacityLimit struct {
	ID         int64      `json:"id"`
	SiteID     int64      `json:"siteId"`
	Kind       string     `json:"kind"` // KindSchedule or KindDemandResponse
	From       time.Time  `json:"from"`
	To         *time.Time `json:"to,omitempty"` // nil: until the next period (schedule) or for good
	LimitW     float64    `json:"limitW"`       // the site's total, all phases, at least 0
	ExternalID string     `json:"externalId,omitempty"`
	Reason     string     `json:"reason,omitempty"`
	CreatedBy  string     `json:"createdBy,omitempty"`
	CreatedAt  time.Time  `json:"createdAt"`
}

// Needs is what a vehicle asked for in a transaction: from the station (2.0.1
// NotifyEVChargingNeeds, ISO 15118) or from the driver through the API. Zero values are
// unknown.
type Needs struct {
	TransactionID ladda.TransactionID `json:"transactionId"`
	DepartureAt   *time.Time          `json:"departureAt,omitempty"`
	EnergyWh      float64             `json:"energyWh,omitempty"`   // energy wanted from the transaction in all, counted from its start
	CapacityWh    float64             `json:"capacityWh,omitempty"` // the battery's capacity
	SoC           *float64            `json:"soc,omitempty"`        // state of charge when the needs were given, in %
	TargetSoC     *float64            `json:"targetSoc,omitempty"`  // % wanted at departure
	MinA          float64             `json:"minA,omitempty"`       // the lowest current the vehicle charges at
	MaxA          float64             `json:"maxA,omitempty"`       // the highest current the vehicle takes
	Phases        int                 `json:"phases,omitempty"`     // how many phases the vehicle uses
	Source        string              `json:"source"`               // station or api
	UpdatedAt     time.Time           `json:"updatedAt"`
}

// EVSchedule is how an ISO 15118 vehicle plans to charge within the limit Ladda gave it
// (2.0.1 NotifyEVChargingSchedule): Schedule's periods from Start (Schedule.StartAt is
// unused). Accepted tells whether it stayed within Ladda's limit when it came.
type EVSchedule struct {
	TransactionID ladda.TransactionID      `json:"transactionId"`
	Start         time.Time                `json:"start"`
	Schedule      station.ChargingSchedule `json:"schedule"`
	Accepted      bool                     `json:"accepted"`
	ReceivedAt    time.Time                `json:"receivedAt"`
}

// Store keeps the model of every site's installation. Times are UTC.
type Store interface {
	// PutGrid stores a site's grid connection, replacing the one it had. NotFound: no such site.
	PutGrid(ctx context.Context, g *Grid) error
	// Grid returns a site's grid connection. NotFound: none set (or no such site).
	Grid(ctx context.Context, siteID int64) (*Grid, error)
	// Grids lists every site's grid connection by site ID.
	Grids(ctx context.Context) ([]*Grid, error)
	// DeleteGrid removes a site's grid connection, its circuits, the wiring of its EVSEs and
	// its capacity limits. NotFound: none set.
	DeleteGrid(ctx context.Context, siteID int64) error

	// CreateCircuit stores c and sets c.ID. NotFound: no grid at c.SiteID, or a parent that is
	// not a circuit of the same site.
	CreateCircuit(ctx context.Context, c *Circuit) error
	// UpdateCircuit replaces a circuit's ParentID, Name and LimitA. NotFound: no such circuit of
	// c.SiteID, or a parent that is not a circuit of the same site.
	UpdateCircuit(ctx context.Context, c *Circuit) error
	// DeleteCircuit removes a circuit. NotFound: no such circuit. Conflict: circuits hang from
	// it or EVSEs are wired to it.
	DeleteCircuit(ctx context.Context, siteID, id int64) error
	// Circuits lists a site's circuits by ID.
	Circuits(ctx context.Context, siteID int64) ([]*Circuit, error)

	// PutWiring stores how an EVSE is wired, replacing what was stored. NotFound: no such
	// station, or a circuit that is not one of the station's site.
	PutWiring(ctx context.Context, w *Wiring) error
	// Wirings lists the wiring of a station's EVSEs (station != "") or of every EVSE of the
	// stations at a site (siteID > 0), by station and EVSE.
	Wirings(ctx context.Context, siteID int64, station ladda.StationID) ([]*Wiring, error)
	// DeleteWiring forgets how an EVSE is wired. NotFound: nothing stored.
	DeleteWiring(ctx context.Context, station ladda.StationID, evseID int) error

	// ReplaceSchedule replaces a site's capacity schedule (the limits of KindSchedule) with
	// periods, whose IDs and CreatedAt it sets. NotFound: no grid at siteID.
	ReplaceSchedule(ctx context.Context, siteID int64, periods []*CapacityLimit) error
	// AddCapacityLimit stores a demand-response event and sets its ID. NotFound: no grid at the
	// site. Conflict: the site has an event with the same ExternalID already.
	AddCapacityLimit(ctx context.Context, l *CapacityLimit) error
	// DeleteCapacityLimit removes a demand-response event. NotFound: no such event at the site.
	DeleteCapacityLimit(ctx context.Context, siteID, id int64) error
	// CapacityLimits lists a site's limits that are in force at or after from (To nil or
	// after from), of one kind or of both (kind ""), by From then ID.
	CapacityLimits(ctx context.Context, siteID int64, kind string, from time.Time) ([]*CapacityLimit, error)

	// PutNeeds stores what a vehicle asked for in a transaction, replacing what was stored.
	// NotFound: no such transaction.
	PutNeeds(ctx context.Context, n *Needs) error
	// Needs returns what the vehicle of a transaction asked for. NotFound: nothing stored.
	Needs(ctx context.Context, tx ladda.TransactionID) (*Needs, error)
	// PutEVSchedule stores the charging schedule a transaction's vehicle planned, replacing
	// the one stored. NotFound: no such transaction.
	PutEVSchedule(ctx context.Context, s *EVSchedule) error
	// EVSchedule returns the charging schedule a transaction's vehicle last planned.
	// NotFound: none stored.
	EVSchedule(ctx context.Context, tx ladda.TransactionID) (*EVSchedule, error)
}
