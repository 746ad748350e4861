package billing

import (
	"context"
	"time"

	"github.com/ladda-csms/ladda"
)

// StoredTariff is a tariff an operator keeps in Ladda, with a name and its owner.
//
// Rules: Name is not empty. When PricesIncludeTax, every price of Tariff (and MinPrice,
// MaxPrice) includes the tax of the station's place, and the pricing takes it out again at the
// rate in force there, exactly; otherwise they exclude it. Preauthorize is what a card is
// authorised for before a session starts (nil: the service's default); it includes tax and
// has at most the currency's decimals.
type StoredTariff struct {
	ID               int64     `json:"id"`
	OrgID            int64     `json:"orgId,omitempty"`
	Name             string    `json:"name"`
	PricesIncludeTax bool      `json:"pricesIncludeTax"`
	Preauthorize     *Amount   `json:"preauthorize,omitempty"`
	Tariff           Tariff    `json:"tariff"`
	CreatedAt        time.Time `json:"createdAt"`
	UpdatedAt        time.Time `json:"updatedAt"`
}

// Assignment says where a tariff applies: at one station or at every station of a site, for
// everyone (CustomerGroup "") or for one customer group. Exactly one of StationID and SiteID is
// set.
//
// Customer groups are matched against the driver's token at the start of a session: "fleet:N"
// for the cards of fleet organisation N, "members" for any card registered to a user account,
// and any other name for the tokens whose OCPP group id (parent id tag) is that name.
type Assignment struct {
	ID            int64           `json:"id"`
	TariffID      int64           `json:"tariffId"`
	StationID     ladda.StationID `json:"stationId,omitempty"`
	SiteID        int64           `json:"siteId,omitempty"`
	CustomerGroup string          `json:"customerGroup,omitempty"`
	CreatedAt     time.Time       `json:"createdAt"`
}

// FrozenPrice is the price a transaction was given when it started: a copy of its tariff and
// the place whose tax and time zone apply. It never changes, whatever later happens to the
// tariff or the station.
type FrozenPrice struct {
	TransactionID ladda.TransactionID `json:"transactionId"`
	TariffID      int64               `json:"tariffId"`
	TariffName    string              `json:"tariffName"`
	CustomerGroup string              `json:"customerGroup,omitempty"`
	Tariff        StoredTariff        `json:"tariff"`
	Place         Place               `json:"place"`
	FrozenAt      time.Time           `json:"frozenAt"`
}

// Place is where a session happens, as far as billing cares.
type Place struct {
	SiteID   int64  `json:"siteId,omitempty"`
	Address  string `json:"address,omitempty"`
	Country  string `json:"country,omitempty"` // "": unknown, so no tax is charged
	Region   string `json:"region,omitempty"`
	TimeZone string `json:"timeZone"` // IANA; "UTC" when the station has no site
}

// Location returns the place's time zone, UTC if it cannot be loaded.
func (p Place) Location() *time.Location {
	if loc, err := time.LoadLocation(p.TimeZone); err == nil {
		return loc
	}
	return time.UTC
}

// CDR is a charge detail record: what a finished transaction cost and why. It is issued once
// per transaction and never changes; a correction is a credit note.
type CDR struct {
	ID            int64               `json:"id"`
	TransactionID ladda.TransactionID `json:"transactionId"`
	StationID     ladda.StationID     `json:"stationId"`
	EVSEID        int                 `json:"evseId"`
	ConnectorID   int                 `json:"connectorId"`
	OrgID         int64               `json:"orgId,omitempty"` // the station's organisation
	Place         Place               `json:"place"`
	IDToken       string              `json:"idToken,omitempty"`
	UserID        int64               `json:"userId,omitempty"`     // the token's owner
	TokenOrgID    int64               `json:"tokenOrgId,omitempty"` // the token's organisation (a fleet)
	Start         time.Time           `json:"start"`
	End           time.Time           `json:"end"`
	EnergyWh      int64               `json:"energyWh"`
	ChargingTime  int64               `json:"chargingSeconds"`
	ParkingTime   int64               `json:"parkingSeconds"` // connected without charging
	TariffID      int64               `json:"tariffId"`
	TariffName    string              `json:"tariffName"`
	CustomerGroup string              `json:"customerGroup,omitempty"` // whose tariff it was; "": everyone's
	Currency      string              `json:"currency"`
	Lines         []CDRLine           `json:"lines"`
	Net           Amount              `json:"net"`
	TaxName       string              `json:"taxName,omitempty"`
	TaxPercent    Quantity            `json:"taxPercent"`
	Tax           Amount              `json:"tax"`
	Total         Amount              `json:"total"` // Net + Tax
	TaxNote       string              `json:"taxNote"`
	IssuedAt      time.Time           `json:"issuedAt"`
}

// CDRLine is one line of a CDR: a dimension at one unit price, with its tax.
type CDRLine struct {
	Type      ComponentType `json:"type"`
	Quantity  Quantity      `json:"quantity"` // kWh, hours, or 1
	UnitPrice Amount        `json:"unitPrice"`
	Amount    Amount        `json:"amount"` // excluding tax, exact
	Tax       Amount        `json:"tax"`
	Total     Amount        `json:"total"`
	From      time.Time     `json:"from"`
	To        time.Time     `json:"to"`
}

// CDRFilter selects CDRs, newest first. Zero fields do not filter.
type CDRFilter struct {
	OrgID      int64 // the station's organisation
	UserID     int64 // the token's owner
	TokenOrgID int64 // the token's organisation
	StationID  ladda.StationID
	Before     int64 // keyset pagination: IDs lower than this
	Limit      int
}

// Store keeps tariffs, where they apply, the prices transactions were given and the CDRs
// issued. Errors are *ladda.Error: NotFound for unknown records, Conflict as each method says.
type Store interface {
	CreateTariff(ctx context.Context, t *StoredTariff) error
	Tariff(ctx context.Context, id int64) (*StoredTariff, error)
	// Tariffs lists the tariffs of an organisation (0: all) by ID.
	Tariffs(ctx context.Context, orgID int64) ([]*StoredTariff, error)
	// UpdateTariff replaces the tariff's Name, PricesIncludeTax, Preauthorize, Tariff and
	// UpdatedAt. Transactions that started keep the price they were given.
	UpdateTariff(ctx context.Context, t *StoredTariff) error
	// DeleteTariff removes a tariff and its assignments.
	DeleteTariff(ctx context.Context, id int64) error

	// Assign stores a and sets a.ID. Errors: NotFound for an unknown tariff, station or site;
	// Conflict when the place already has a tariff for that customer group.
	Assign(ctx context.Context, a *Assignment) error
	// Assignments lists the assignments of a tariff (tariffID > 0), or those that apply at a
	// station, directly or through its site (station != ""), by ID.
	Assignments(ctx context.Context, tariffID int64, station ladda.StationID) ([]*Assignment, error)
	Unassign(ctx context.Context, id int64) error

	// FreezePrice stores p unless the transaction has a price already; then p is overwritten
	// with the stored one and created is false.
	FreezePrice(ctx context.Context, p *FrozenPrice) (created bool, err error)
	FrozenPrice(ctx context.Context, tx ladda.TransactionID) (*FrozenPrice, error)

	// IssueCDR stores c and sets c.ID unless the transaction has a CDR already; then c is
	// overwritten with the stored one and created is false.
	IssueCDR(ctx context.Context, c *CDR) (created bool, err error)
	CDR(ctx context.Context, id int64) (*CDR, error)
	CDRs(ctx context.Context, f CDRFilter) ([]*CDR, error)
	// Unbilled lists up to limit stopped transactions that have a price but no CDR, oldest
	// first.
	Unbilled(ctx context.Context, limit int) ([]ladda.TransactionID, error)

	// IssueInvoice gives inv the next number of its series (1 for a new series; no number is
	// ever skipped or used twice), stores it with the CDRs it bills, and sets inv.ID and
	// inv.Number. A credit note (CreditsID set) frees the CDRs of the invoice it cancels. A
	// subscription's invoice moves the subscription's BilledUntil from PeriodFrom to PeriodTo.
	// Errors: Conflict when one of the CDRs is billed already, the invoice is credited
	// already, or the subscription is not billed until PeriodFrom; NotFound for an unknown CDR,
	// credited invoice or subscription.
	IssueInvoice(ctx context.Context, inv *Issued) error
	Invoice(ctx context.Context, id int64) (*Issued, error)
	Invoices(ctx context.Context, f InvoiceFilter) ([]*Issued, error)
	// InvoiceOfCDR returns the invoice that bills a CDR now. Errors: NotFound when none does.
	InvoiceOfCDR(ctx context.Context, cdrID int64) (*Issued, error)
	// Uninvoiced lists the CDRs f selects that were issued before until and that no invoice
	// bills, newest first (f.Before and f.Limit page as for CDRs).
	Uninvoiced(ctx context.Context, f CDRFilter, until time.Time) ([]*CDR, error)

	// BillingDetails returns what invoices say about an owner. Errors: NotFound when unset.
	BillingDetails(ctx context.Context, o Owner) (*BillingDetails, error)
	SetBillingDetails(ctx context.Context, o Owner, d *BillingDetails, at time.Time) error

	// TaxRates returns the operator's own tax rates, which override Ladda's defaults place by
	// place; PutTaxRates replaces all of them.
	TaxRates(ctx context.Context) ([]TaxRate, error)
	PutTaxRates(ctx context.Context, rates []TaxRate, at time.Time) error
}
