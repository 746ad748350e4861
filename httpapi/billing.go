package httpapi

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/billing"
	"github.com/ladda-csms/ladda/station"
)

// Sites, tariffs, prices and charge detail records. Money travels as decimal strings
// ("3.125"), never as JSON numbers.

// ---- sites ----

// Site is a place where stations stand; its country and region decide the tax of sessions
// there, its time zone the hours of their tariffs.
type Site struct {
	ID             int64     `json:"id"`
	OrganisationID int64     `json:"organisationId,omitempty"`
	Name           string    `json:"name"`
	Address        string    `json:"address,omitempty"`
	PostalCode     string    `json:"postalCode,omitempty"`
	City           string    `json:"city,omitempty"`
	Country        string    `json:"country" doc:"ISO 3166-1 alpha-2, such as SE."`
	Region         string    `json:"region,omitempty" doc:"The subdivision part of an ISO 3166-2 code, such as CA for US-CA."`
	TimeZone       string    `json:"timeZone" doc:"IANA time zone, such as Europe/Stockholm."`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
}

func viewSite(s *station.Site) Site {
	return Site{ID: s.ID, OrganisationID: s.OrgID, Name: s.Name, Address: s.Address, PostalCode: s.PostalCode, City: s.City,
		Country: s.Country, Region: s.Region, TimeZone: s.TimeZone, CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC()}
}

// SiteBody is a site as the caller writes it.
type SiteBody struct {
	Name           string `json:"name" minLength:"1" maxLength:"200"`
	Address        string `json:"address,omitempty" maxLength:"200"`
	PostalCode     string `json:"postalCode,omitempty" maxLength:"20"`
	City           string `json:"city,omitempty" maxLength:"100"`
	Country        string `json:"country" pattern:"^[A-Z]{2}$"`
	Region         string `json:"region,omitempty" pattern:"^[A-Z0-9]{1,3}$"`
	TimeZone       string `json:"timeZone" minLength:"1" maxLength:"64"`
	OrganisationID int64  `json:"organisationId,omitempty" minimum:"0" doc:"Administrators: the operator organisation it belongs to. Others' sites belong to their organisation."`
}

type siteInput struct {
	Body SiteBody
}

type siteOutput struct {
	Body Site
}

type createdSiteOutput struct {
	Location string `header:"Location"`
	Body     Site
}

func (s *server) listSites(ctx context.Context, _ *struct{}) (*listOutput[Site], error) {
	list, err := s.stations.Sites(ctx, orgScope(caller(ctx)))
	if err != nil {
		return nil, err
	}
	out := &listOutput[Site]{Body: List[Site]{Items: make([]Site, 0, len(list))}}
	for _, site := range list {
		out.Body.Items = append(out.Body.Items, viewSite(site))
	}
	return out, nil
}

// ownOrg is the organisation a new thing of the caller's belongs to: an administrator's
// choice (an operator organisation), everybody else's own.
func (s *server) ownOrg(ctx context.Context, requested int64) (int64, error) {
	p := caller(ctx)
	if !p.Everywhere() {
		return p.OrgID, nil
	}
	if requested != 0 {
		if err := s.checkOperatorOrg(ctx, requested); err != nil {
			return 0, err
		}
	}
	return requested, nil
}

func (s *server) createSite(ctx context.Context, in *siteInput) (*createdSiteOutput, error) {
	org, err := s.ownOrg(ctx, in.Body.OrganisationID)
	if err != nil {
		return nil, err
	}
	b := in.Body
	site := &station.Site{OrgID: org, Name: b.Name, Address: b.Address, PostalCode: b.PostalCode, City: b.City, Country: b.Country, Region: b.Region, TimeZone: b.TimeZone}
	if err := s.stations.CreateSite(ctx, site); err != nil {
		return nil, err
	}
	return &createdSiteOutput{Location: Prefix + "/sites/" + strconv.FormatInt(site.ID, 10), Body: viewSite(site)}, nil
}

// site returns a site the caller may see; NotFound otherwise.
func (s *server) site(ctx context.Context, id int64) (*station.Site, error) {
	site, err := s.stations.Site(ctx, id)
	if err != nil {
		return nil, err
	}
	if !caller(ctx).Sees(site.OrgID) {
		return nil, ladda.Errorf(ladda.NotFound, "httpapi.site", "site %d not found", id)
	}
	return site, nil
}

func (s *server) getSite(ctx context.Context, in *idInput) (*siteOutput, error) {
	site, err := s.site(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &siteOutput{Body: viewSite(site)}, nil
}

type updateSiteInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body SiteBody
}

func (s *server) updateSite(ctx context.Context, in *updateSiteInput) (*siteOutput, error) {
	site, err := s.site(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	b := in.Body
	site.Name, site.Address, site.PostalCode, site.City, site.Country, site.Region, site.TimeZone = b.Name, b.Address, b.PostalCode, b.City, b.Country, b.Region, b.TimeZone
	if err := s.stations.UpdateSite(ctx, site); err != nil {
		return nil, err
	}
	return &siteOutput{Body: viewSite(site)}, nil
}

func (s *server) deleteSite(ctx context.Context, in *idInput) (*struct{}, error) {
	if _, err := s.site(ctx, in.ID); err != nil {
		return nil, err
	}
	return nil, s.stations.DeleteSite(ctx, in.ID)
}

// needBilling answers Unavailable when Ladda runs without billing.
func (s *server) needBilling() error {
	if s.billing == nil {
		return ladda.Errorf(ladda.Unavailable, "httpapi.billing", "billing is not configured")
	}
	return nil
}

// ---- tariffs ----

// TariffComponent is the price of one dimension: ENERGY per kWh, FLAT per session, TIME per
// hour of charging, PARKING_TIME per hour connected without charging.
type TariffComponent struct {
	Type     string `json:"type" enum:"ENERGY,FLAT,TIME,PARKING_TIME"`
	Price    string `json:"price" pattern:"^[0-9]+(\\.[0-9]+)?$" doc:"Per unit, as a decimal string."`
	StepSize int    `json:"stepSize,omitempty" minimum:"0" doc:"Billed in steps of this many Wh (ENERGY) or seconds (TIME, PARKING_TIME); the total is rounded up to a step."`
	// A spot-linked ENERGY price: spot × (1 + markupPercent/100) + markup, then within floor
	// and cap; price is the fallback where the schedule has no price.
	Schedule      string `json:"schedule,omitempty" maxLength:"64" doc:"ENERGY only: follow this price schedule (GET /price-schedules), whose prices exclude tax."`
	Markup        string `json:"markup,omitempty" pattern:"^-?[0-9]+(\\.[0-9]+)?$" doc:"Added per kWh."`
	MarkupPercent string `json:"markupPercent,omitempty" pattern:"^-?[0-9]+(\\.[0-9]+)?$" doc:"Of the spot price, before the markup; 25 means +25 %."`
	Floor         string `json:"floor,omitempty" pattern:"^-?[0-9]+(\\.[0-9]+)?$" doc:"The least per kWh."`
	Cap           string `json:"cap,omitempty" pattern:"^-?[0-9]+(\\.[0-9]+)?$" doc:"The most per kWh."`
}

// TariffRestrictions say when an element applies; absent fields do not restrict. Minimums are
// inclusive, maximums exclusive.
type TariffRestrictions struct {
	StartTime      string   `json:"startTime,omitempty" pattern:"^([01][0-9]|2[0-3]):[0-5][0-9]$" doc:"Local time of the station's site, HH:MM; later than endTime wraps past midnight."`
	EndTime        string   `json:"endTime,omitempty" pattern:"^([01][0-9]|2[0-3]):[0-5][0-9]$"`
	StartDate      string   `json:"startDate,omitempty" format:"date"`
	EndDate        string   `json:"endDate,omitempty" format:"date" doc:"Exclusive."`
	DaysOfWeek     []string `json:"daysOfWeek,omitempty" uniqueItems:"true" enum:"MONDAY,TUESDAY,WEDNESDAY,THURSDAY,FRIDAY,SATURDAY,SUNDAY"`
	MinKWh         string   `json:"minKWh,omitempty" pattern:"^[0-9]+(\\.[0-9]+)?$" doc:"Energy delivered so far in the session."`
	MaxKWh         string   `json:"maxKWh,omitempty" pattern:"^[0-9]+(\\.[0-9]+)?$"`
	MinPowerKW     string   `json:"minPowerKW,omitempty" pattern:"^[0-9]+(\\.[0-9]+)?$"`
	MaxPowerKW     string   `json:"maxPowerKW,omitempty" pattern:"^[0-9]+(\\.[0-9]+)?$"`
	MinDuration    *int64   `json:"minDuration,omitempty" minimum:"0" doc:"Seconds since the session started."`
	MaxDuration    *int64   `json:"maxDuration,omitempty" minimum:"0"`
	MinParking     *int64   `json:"minParking,omitempty" minimum:"0" doc:"Seconds parked so far: a grace period before PARKING_TIME is charged."`
	ConnectorTypes []string `json:"connectorTypes,omitempty" maxItems:"20" doc:"The connector types it applies to (OCPP 2.0.1 names: cCCS2, cType2, sType2, cCHAdeMO, …), as the station's device model reports them."`
}

// TariffElement is a group of components that apply together when its restrictions match;
// per dimension, the first matching element wins.
type TariffElement struct {
	Components   []TariffComponent   `json:"components" minItems:"1" maxItems:"4"`
	Restrictions *TariffRestrictions `json:"restrictions,omitempty"`
}

// TariffBody is a tariff as the caller writes it, in the spirit of OCPI 2.2.1.
type TariffBody struct {
	Name             string          `json:"name" minLength:"1" maxLength:"200"`
	Currency         string          `json:"currency" pattern:"^[A-Z]{3}$" doc:"ISO 4217."`
	PricesIncludeTax bool            `json:"pricesIncludeTax" required:"false" doc:"The prices include the tax of the station's place; Ladda takes it out exactly at the rate in force there."`
	Elements         []TariffElement `json:"elements" minItems:"1" maxItems:"100"`
	MinPrice         string          `json:"minPrice,omitempty" pattern:"^[0-9]+(\\.[0-9]+)?$" doc:"The least a session costs."`
	MaxPrice         string          `json:"maxPrice,omitempty" pattern:"^[0-9]+(\\.[0-9]+)?$" doc:"The most a session costs."`
	Preauthorize     string          `json:"preauthorize,omitempty" pattern:"^[0-9]+(\\.[0-9]+)?$" doc:"What a card is authorised for before a session, including tax."`
	OrganisationID   int64           `json:"organisationId,omitempty" minimum:"0" doc:"Administrators: the operator organisation it belongs to (absent: usable everywhere)."`
}

// Tariff is a stored tariff.
type Tariff struct {
	ID int64 `json:"id"`
	TariffBody
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// toStored converts the caller's tariff: the wire forms of components and restrictions are
// those billing reads.
func (b *TariffBody) toStored(op string) (*billing.StoredTariff, error) {
	type wire struct {
		Currency string          `json:"currency"`
		Elements []TariffElement `json:"elements"`
		MinPrice string          `json:"minPrice,omitempty"`
		MaxPrice string          `json:"maxPrice,omitempty"`
	}
	raw, err := json.Marshal(wire{b.Currency, b.Elements, b.MinPrice, b.MaxPrice})
	if err != nil {
		return nil, err
	}
	var t billing.Tariff
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, ladda.Errorf(ladda.Invalid, op, "tariff: %v", err)
	}
	st := &billing.StoredTariff{Name: b.Name, PricesIncludeTax: b.PricesIncludeTax, Tariff: t}
	if b.Preauthorize != "" {
		p, err := billing.ParseAmount(b.Preauthorize)
		if err != nil {
			return nil, err
		}
		st.Preauthorize = &p
	}
	return st, nil
}

func viewTariff(t *billing.StoredTariff) (Tariff, error) {
	raw, err := json.Marshal(t.Tariff)
	if err != nil {
		return Tariff{}, err
	}
	v := Tariff{ID: t.ID, CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC()}
	if err := json.Unmarshal(raw, &v.TariffBody); err != nil {
		return Tariff{}, err
	}
	v.Name, v.PricesIncludeTax, v.OrganisationID = t.Name, t.PricesIncludeTax, t.OrgID
	if t.Preauthorize != nil {
		v.Preauthorize = t.Preauthorize.String()
	}
	return v, nil
}

type tariffInput struct {
	Body TariffBody
}

type tariffOutput struct {
	Body Tariff
}

type createdTariffOutput struct {
	Location string `header:"Location"`
	Body     Tariff
}

func (s *server) listTariffs(ctx context.Context, _ *struct{}) (*listOutput[Tariff], error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	list, err := s.billing.Tariffs(ctx, orgScope(caller(ctx)))
	if err != nil {
		return nil, err
	}
	out := &listOutput[Tariff]{Body: List[Tariff]{Items: make([]Tariff, 0, len(list))}}
	for _, t := range list {
		v, err := viewTariff(t)
		if err != nil {
			return nil, err
		}
		out.Body.Items = append(out.Body.Items, v)
	}
	return out, nil
}

func (s *server) createTariff(ctx context.Context, in *tariffInput) (*createdTariffOutput, error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	t, err := in.Body.toStored("httpapi.createTariff")
	if err != nil {
		return nil, err
	}
	if t.OrgID, err = s.ownOrg(ctx, in.Body.OrganisationID); err != nil {
		return nil, err
	}
	if err := s.billing.CreateTariff(ctx, t); err != nil {
		return nil, err
	}
	v, err := viewTariff(t)
	return &createdTariffOutput{Location: Prefix + "/tariffs/" + strconv.FormatInt(t.ID, 10), Body: v}, err
}

// tariff returns a tariff the caller may see; NotFound otherwise. Tariffs of no organisation
// are administrators' own.
func (s *server) tariff(ctx context.Context, id int64) (*billing.StoredTariff, error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	t, err := s.billing.Tariff(ctx, id)
	if err != nil {
		return nil, err
	}
	if !caller(ctx).Sees(t.OrgID) {
		return nil, ladda.Errorf(ladda.NotFound, "httpapi.tariff", "tariff %d not found", id)
	}
	return t, nil
}

func (s *server) getTariff(ctx context.Context, in *idInput) (*tariffOutput, error) {
	t, err := s.tariff(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	v, err := viewTariff(t)
	return &tariffOutput{Body: v}, err
}

type updateTariffInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body TariffBody
}

func (s *server) updateTariff(ctx context.Context, in *updateTariffInput) (*tariffOutput, error) {
	old, err := s.tariff(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	t, err := in.Body.toStored("httpapi.updateTariff")
	if err != nil {
		return nil, err
	}
	t.ID, t.OrgID, t.CreatedAt = old.ID, old.OrgID, old.CreatedAt
	if err := s.billing.UpdateTariff(ctx, t); err != nil {
		return nil, err
	}
	v, err := viewTariff(t)
	return &tariffOutput{Body: v}, err
}

func (s *server) deleteTariff(ctx context.Context, in *idInput) (*struct{}, error) {
	if _, err := s.tariff(ctx, in.ID); err != nil {
		return nil, err
	}
	return nil, s.billing.DeleteTariff(ctx, in.ID)
}

// Assignment says where a tariff applies: at a station or every station of a site, for
// everyone or one customer group.
type Assignment struct {
	ID            int64     `json:"id"`
	TariffID      int64     `json:"tariffId"`
	StationID     string    `json:"stationId,omitempty"`
	SiteID        int64     `json:"siteId,omitempty"`
	CustomerGroup string    `json:"customerGroup,omitempty" doc:"Absent: everyone. fleet:N: the cards of fleet organisation N; members: cards of user accounts; any other name: tokens with that OCPP group id."`
	CreatedAt     time.Time `json:"createdAt"`
}

func viewAssignment(a *billing.Assignment) Assignment {
	return Assignment{ID: a.ID, TariffID: a.TariffID, StationID: string(a.StationID), SiteID: a.SiteID, CustomerGroup: a.CustomerGroup, CreatedAt: a.CreatedAt.UTC()}
}

func (s *server) listAssignments(ctx context.Context, in *idInput) (*listOutput[Assignment], error) {
	if _, err := s.tariff(ctx, in.ID); err != nil {
		return nil, err
	}
	list, err := s.billing.Assignments(ctx, in.ID, "")
	if err != nil {
		return nil, err
	}
	out := &listOutput[Assignment]{Body: List[Assignment]{Items: make([]Assignment, 0, len(list))}}
	for _, a := range list {
		out.Body.Items = append(out.Body.Items, viewAssignment(a))
	}
	return out, nil
}

type assignInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		StationID     string `json:"stationId,omitempty" maxLength:"48"`
		SiteID        int64  `json:"siteId,omitempty" minimum:"0"`
		CustomerGroup string `json:"customerGroup,omitempty" maxLength:"64"`
	} `nameHint:"NewAssignment"`
}

type assignmentOutput struct {
	Body Assignment
}

func (s *server) assignTariff(ctx context.Context, in *assignInput) (*assignmentOutput, error) {
	if _, err := s.tariff(ctx, in.ID); err != nil {
		return nil, err
	}
	b := in.Body
	if b.StationID != "" {
		if err := s.visibleStation(ctx, ladda.StationID(b.StationID)); err != nil {
			return nil, err
		}
	}
	if b.SiteID != 0 {
		if _, err := s.site(ctx, b.SiteID); err != nil {
			return nil, err
		}
	}
	a := &billing.Assignment{TariffID: in.ID, StationID: ladda.StationID(b.StationID), SiteID: b.SiteID, CustomerGroup: b.CustomerGroup}
	if err := s.billing.Assign(ctx, a); err != nil {
		return nil, err
	}
	return &assignmentOutput{Body: viewAssignment(a)}, nil
}

type unassignInput struct {
	ID           int64 `path:"id" minimum:"1"`
	AssignmentID int64 `path:"assignmentId" minimum:"1"`
}

func (s *server) unassignTariff(ctx context.Context, in *unassignInput) (*struct{}, error) {
	if _, err := s.tariff(ctx, in.ID); err != nil {
		return nil, err
	}
	list, err := s.billing.Assignments(ctx, in.ID, "")
	if err != nil {
		return nil, err
	}
	for _, a := range list {
		if a.ID == in.AssignmentID {
			return nil, s.billing.Unassign(ctx, a.ID)
		}
	}
	return nil, ladda.Errorf(ladda.NotFound, "httpapi.unassignTariff", "tariff %d has no assignment %d", in.ID, in.AssignmentID)
}

// ---- prices and costs ----

// Price is what charging at a station costs: the tariff that applies, where, and its tax.
type Price struct {
	StationID     string `json:"stationId"`
	TariffID      int64  `json:"tariffId"`
	TariffName    string `json:"tariffName"`
	CustomerGroup string `json:"customerGroup,omitempty" doc:"The group whose tariff applies; absent: the price for everyone."`
	Tariff        Tariff `json:"tariff"`
	Country       string `json:"country,omitempty"`
	TimeZone      string `json:"timeZone"`
	TaxName       string `json:"taxName,omitempty"`
	TaxPercent    string `json:"taxPercent" doc:"The tax added to prices that exclude it."`
	Note          string `json:"note,omitempty"`
}

type priceInput struct {
	StationID string `query:"stationId" required:"true" maxLength:"48"`
	IDToken   string `query:"idToken" maxLength:"36" doc:"Price for this card (it may be in a customer group); absent: for the caller's own first card, else for everyone."`
}

type priceOutput struct {
	Body Price
}

// getPrice handles GET /api/v1/prices: the price at a station now, before charging. Prices are
// for everyone who may see sessions (drivers included); a card's group price only for those who
// see the card.
func (s *server) getPrice(ctx context.Context, in *priceInput) (*priceOutput, error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	const op = "httpapi.getPrice"
	p := caller(ctx)
	token := in.IDToken
	if token != "" {
		t, err := s.charging.IDToken(ctx, token)
		if err != nil || !seesCard(p, t) {
			return nil, ladda.Errorf(ladda.Invalid, op, "idToken %q is not a card you may see", token)
		}
	} else if p.Driver() {
		cards, err := s.charging.IDTokens(ctx, cardFilter(p, 1))
		if err != nil {
			return nil, err
		}
		if len(cards) > 0 {
			token = cards[0].Token
		}
	}
	fp, err := s.billing.Resolve(ctx, ladda.StationID(in.StationID), token)
	if err != nil {
		return nil, err
	}
	v, err := viewTariff(&fp.Tariff)
	if err != nil {
		return nil, err
	}
	v.OrganisationID = 0
	rate, note := s.billing.Rate(ctx, fp.Place, time.Now())
	return &priceOutput{Body: Price{StationID: in.StationID, TariffID: fp.TariffID, TariffName: fp.TariffName, CustomerGroup: fp.CustomerGroup,
		Tariff: v, Country: fp.Place.Country, TimeZone: fp.Place.TimeZone, TaxName: rate.Name, TaxPercent: rate.Percent.String(), Note: note}}, nil
}

// CostLine is a line of a cost: a dimension at one unit price.
type CostLine struct {
	Type      string    `json:"type" enum:"ENERGY,FLAT,TIME,PARKING_TIME,ADJUSTMENT"`
	Quantity  string    `json:"quantity" doc:"kWh for ENERGY, hours for TIME and PARKING_TIME, 1 otherwise; exact decimal."`
	UnitPrice string    `json:"unitPrice" doc:"Excluding tax."`
	Amount    string    `json:"amount" doc:"Excluding tax, exact."`
	Tax       string    `json:"tax"`
	Total     string    `json:"total"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
}

// Cost is what a session costs so far, or in all once it stopped.
type Cost struct {
	TransactionID int64      `json:"transactionId"`
	TariffID      int64      `json:"tariffId"`
	TariffName    string     `json:"tariffName"`
	Currency      string     `json:"currency"`
	Start         time.Time  `json:"start"`
	End           time.Time  `json:"end" doc:"The stop, or now for a running session."`
	EnergyWh      int64      `json:"energyWh"`
	Lines         []CostLine `json:"lines" nullable:"false"`
	Net           string     `json:"net"`
	Tax           string     `json:"tax"`
	Total         string     `json:"total"`
	TaxNote       string     `json:"taxNote"`
	Final         bool       `json:"final" doc:"The session has stopped."`
}

type costOutput struct {
	Body Cost
}

// getCost handles GET /api/v1/transactions/{id}/cost: the running cost of a session.
func (s *server) getCost(ctx context.Context, in *transactionInput) (*costOutput, error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	if _, err := s.transaction(ctx, in.ID); err != nil {
		return nil, err
	}
	e, err := s.billing.Cost(ctx, ladda.TransactionID(in.ID))
	if err != nil {
		return nil, err
	}
	exp := billing.Exponent(e.Bill.Bill.Currency)
	c := Cost{TransactionID: int64(e.TransactionID), TariffID: e.Price.TariffID, TariffName: e.Price.TariffName, Currency: e.Bill.Bill.Currency,
		Start: e.Start.UTC(), End: e.End.UTC(), EnergyWh: e.EnergyWh, Lines: []CostLine{}, Net: e.Bill.Net.Format(exp), Tax: e.Bill.Tax.Format(exp),
		Total: e.Bill.Gross.Format(exp), TaxNote: e.TaxNote, Final: e.Final}
	for _, l := range e.Bill.Lines {
		c.Lines = append(c.Lines, CostLine{Type: l.Type.String(), Quantity: l.Quantity.String(), UnitPrice: l.UnitPrice.String(), Amount: l.Amount.String(),
			Tax: l.Tax.String(), Total: l.Total.String(), From: l.From.UTC(), To: l.To.UTC()})
	}
	return &costOutput{Body: c}, nil
}

// ---- CDRs ----

// CDR is a charge detail record: what a finished session cost and why. It never changes.
type CDR struct {
	ID              int64      `json:"id"`
	TransactionID   int64      `json:"transactionId"`
	StationID       string     `json:"stationId"`
	EVSEID          int        `json:"evseId"`
	ConnectorID     int        `json:"connectorId"`
	SiteID          int64      `json:"siteId,omitempty"`
	Address         string     `json:"address,omitempty"`
	Country         string     `json:"country,omitempty"`
	TimeZone        string     `json:"timeZone"`
	IDToken         string     `json:"idToken,omitempty"`
	Start           time.Time  `json:"start"`
	End             time.Time  `json:"end"`
	EnergyWh        int64      `json:"energyWh"`
	ChargingSeconds int64      `json:"chargingSeconds"`
	ParkingSeconds  int64      `json:"parkingSeconds" doc:"Connected without charging."`
	TariffID        int64      `json:"tariffId"`
	TariffName      string     `json:"tariffName"`
	Currency        string     `json:"currency"`
	Lines           []CostLine `json:"lines" nullable:"false"`
	Net             string     `json:"net"`
	TaxName         string     `json:"taxName,omitempty"`
	TaxPercent      string     `json:"taxPercent"`
	Tax             string     `json:"tax"`
	Total           string     `json:"total"`
	TaxNote         string     `json:"taxNote"`
	IssuedAt        time.Time  `json:"issuedAt"`
}

func viewCDR(c *billing.CDR) CDR {
	exp := billing.Exponent(c.Currency)
	v := CDR{ID: c.ID, TransactionID: int64(c.TransactionID), StationID: string(c.StationID), EVSEID: c.EVSEID, ConnectorID: c.ConnectorID,
		SiteID: c.Place.SiteID, Address: c.Place.Address, Country: c.Place.Country, TimeZone: c.Place.TimeZone, IDToken: c.IDToken,
		Start: c.Start.UTC(), End: c.End.UTC(), EnergyWh: c.EnergyWh, ChargingSeconds: c.ChargingTime, ParkingSeconds: c.ParkingTime,
		TariffID: c.TariffID, TariffName: c.TariffName, Currency: c.Currency, Lines: []CostLine{}, Net: c.Net.Format(exp), TaxName: c.TaxName,
		TaxPercent: c.TaxPercent.String(), Tax: c.Tax.Format(exp), Total: c.Total.Format(exp), TaxNote: c.TaxNote, IssuedAt: c.IssuedAt.UTC()}
	for _, l := range c.Lines {
		v.Lines = append(v.Lines, CostLine{Type: l.Type.String(), Quantity: l.Quantity.String(), UnitPrice: l.UnitPrice.String(), Amount: l.Amount.String(),
			Tax: l.Tax.String(), Total: l.Total.String(), From: l.From.UTC(), To: l.To.UTC()})
	}
	return v
}

// cdrScope is the filter of the CDRs p may see, as transactionScope is of sessions.
func cdrScope(p *account.Principal, limit int) billing.CDRFilter {
	t := transactionScope(p, limit)
	return billing.CDRFilter{OrgID: t.StationOrgID, UserID: t.TokenUserID, TokenOrgID: t.TokenOrgID, Limit: limit}
}

type listCDRsInput struct {
	StationID string `query:"stationId" maxLength:"48"`
	Before    int64  `query:"before" minimum:"0" doc:"Cursor: the next field of the previous page."`
	Limit     int    `query:"limit" minimum:"1" maximum:"1000" doc:"Page size, default 100."`
}

func (s *server) listCDRs(ctx context.Context, in *listCDRsInput) (*listOutput[CDR], error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	limit := limitOf(in.Limit)
	f := cdrScope(caller(ctx), limit+1)
	f.StationID, f.Before = ladda.StationID(in.StationID), in.Before
	found, err := s.billing.CDRs(ctx, f)
	if err != nil {
		return nil, err
	}
	found, next := page(found, limit, func(c *billing.CDR) string { return strconv.FormatInt(c.ID, 10) })
	out := &listOutput[CDR]{Body: List[CDR]{Items: make([]CDR, 0, len(found)), Next: next}}
	for _, c := range found {
		out.Body.Items = append(out.Body.Items, viewCDR(c))
	}
	return out, nil
}

type cdrOutput struct {
	Body CDR
}

func (s *server) getCDR(ctx context.Context, in *idInput) (*cdrOutput, error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	c, err := s.billing.CDR(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	f := cdrScope(caller(ctx), 1)
	if (f.OrgID != 0 && f.OrgID != c.OrgID) || (f.UserID != 0 && f.UserID != c.UserID) || (f.TokenOrgID != 0 && f.TokenOrgID != c.TokenOrgID) {
		return nil, ladda.Errorf(ladda.NotFound, "httpapi.getCDR", "CDR %d not found", in.ID)
	}
	return &cdrOutput{Body: viewCDR(c)}, nil
}
