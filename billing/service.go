package billing

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/station"
)

// Sources is what billing reads of the other domains: stations and their sites, tokens, and
// transactions with their meter values.
type Sources interface {
	Station(ctx context.Context, id ladda.StationID) (*station.Station, error)
	Site(ctx context.Context, id int64) (*station.Site, error)
	IDToken(ctx context.Context, token string) (*charging.IDToken, error)
	Transaction(ctx context.Context, id ladda.TransactionID) (*charging.Transaction, error)
	User(ctx context.Context, id int64) (*account.User, error)
	Organisation(ctx context.Context, id int64) (*account.Organisation, error)
	Settings(ctx context.Context, id ladda.StationID) ([]station.Setting, error)
}

// Options tune a Service. Zero fields take the defaults documented on each.
type Options struct {
	Clock  ladda.Clock  // default ladda.SystemClock
	Logger *slog.Logger // default: discard
	// TaxRates are the tax rates by place before the operator's own (TaxRates in the store)
	// override them. Default DefaultTaxRates.
	TaxRates []TaxRate
	// Rounding says where tax is rounded on CDRs. Default PerInvoice.
	Rounding TaxRounding
	// Events receives invoice.issued. Default: discard.
	Events ladda.Publisher
	// Render writes invoices as documents (PDF); nil: none.
	Render Renderer
	// Gateway takes payments and Payments keeps them, with the ledger, plans and schedules;
	// without both, sessions are invoiced but not charged. GatewayName names the gateway in
	// the ledger (default "stripe").
	Gateway     Gateway
	Payments    Payments
	GatewayName string
	// Preauthorize is what a card is authorised for before a session when its tariff does not
	// say (default 0: no pre-authorisation; the card is charged after the session).
	Preauthorize Amount
	// WalletCurrency and WalletMinimum: a driver who pays from the wallet starts only with at
	// least WalletMinimum in WalletCurrency (default EUR, 0: more than nothing owed).
	WalletCurrency string
	WalletMinimum  Amount
	// Stations lists stations and sends them commands, for sponsorship campaigns (a
	// *station.Service); campaigns also need Payments, for their fees, and a store that keeps
	// them (Campaigns). Nil: no campaigns.
	Stations CampaignStations
	// HomeCountry is where the operator is established: the tax of what is not tied to a
	// station, such as subscription fees, is its rate. "": such fees are invoiced without tax.
	HomeCountry string
}

// Service keeps tariffs, prices transactions and issues their CDRs.
type Service struct {
	store     Store
	src       Sources
	clock     ladda.Clock
	log       *slog.Logger
	baseRates []TaxRate
	taxMu     sync.Mutex
	taxes     *TaxTable // the effective table, baseRates overridden by the store's
	taxRead   time.Time // when taxes was read from the store; zero: never
	rounding  TaxRounding
	events    ladda.Publisher
	render    Renderer

	gateway        Gateway
	pay            Payments
	gatewayName    string
	preauth        Amount
	walletCurrency string
	walletMinimum  Amount
	stations       CampaignStations
	homeCountry    string
}

// NewService returns a Service over store and src.
func NewService(store Store, src Sources, o Options) (*Service, error) {
	if o.Clock == nil {
		o.Clock = ladda.SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.TaxRates == nil {
		o.TaxRates = DefaultTaxRates()
	}
	base, err := NewTaxTable(o.TaxRates)
	if err != nil {
		return nil, err
	}
	if o.Events == nil {
		o.Events = ladda.Discard
	}
	if o.GatewayName == "" {
		o.GatewayName = "stripe"
	}
	if o.WalletCurrency == "" {
		o.WalletCurrency = "EUR"
	}
	return &Service{store: store, src: src, clock: o.Clock, log: o.Logger, baseRates: o.TaxRates, taxes: base, rounding: o.Rounding, events: o.Events, render: o.Render,
		gateway: o.Gateway, pay: o.Payments, gatewayName: o.GatewayName, preauth: o.Preauthorize, walletCurrency: o.WalletCurrency,
		walletMinimum: o.WalletMinimum, stations: o.Stations, homeCountry: o.HomeCountry}, nil
}

// Check returns an Invalid error naming the first rule t breaks, or nil.
func (t Tariff) Check() error {
	_, err := compileTariff(&t)
	return err
}

func checkStored(op string, t *StoredTariff) error {
	if strings.TrimSpace(t.Name) == "" || len(t.Name) > 200 {
		return ladda.Errorf(ladda.Invalid, op, "a tariff needs a name of at most 200 characters")
	}
	if err := t.Tariff.Check(); err != nil {
		return ladda.Errorf(ladda.Invalid, op, "%s", ladda.ErrorMessage(err))
	}
	if p := t.Preauthorize; p != nil && (p.Sign() < 0 || !p.IsRounded(Exponent(t.Tariff.Currency))) {
		return ladda.Errorf(ladda.Invalid, op, "preauthorize %s must be non-negative with at most %d decimals", p, Exponent(t.Tariff.Currency))
	}
	return nil
}

// CreateTariff checks and stores a tariff. Errors: Invalid, NotFound for an unknown
// organisation.
func (s *Service) CreateTariff(ctx context.Context, t *StoredTariff) error {
	const op = "billing.CreateTariff"
	if err := checkStored(op, t); err != nil {
		return err
	}
	t.CreatedAt = s.clock.Now()
	t.UpdatedAt = t.CreatedAt
	return ladda.Wrap(op, s.store.CreateTariff(ctx, t))
}

// UpdateTariff checks and replaces a tariff's name and prices. Sessions that started keep the
// price they were given.
func (s *Service) UpdateTariff(ctx context.Context, t *StoredTariff) error {
	const op = "billing.UpdateTariff"
	if err := checkStored(op, t); err != nil {
		return err
	}
	t.UpdatedAt = s.clock.Now()
	if err := s.store.UpdateTariff(ctx, t); err != nil {
		return ladda.Wrap(op, err)
	}
	got, err := s.store.Tariff(ctx, t.ID)
	if err == nil {
		*t = *got
	}
	return ladda.Wrap(op, err)
}

// Tariff returns one tariff.
func (s *Service) Tariff(ctx context.Context, id int64) (*StoredTariff, error) {
	t, err := s.store.Tariff(ctx, id)
	return t, ladda.Wrap("billing.Tariff", err)
}

// Tariffs lists the tariffs of an organisation (0: all).
func (s *Service) Tariffs(ctx context.Context, org int64) ([]*StoredTariff, error) {
	list, err := s.store.Tariffs(ctx, org)
	return list, ladda.Wrap("billing.Tariffs", err)
}

// DeleteTariff removes a tariff and where it applies; sessions priced by it keep their price.
func (s *Service) DeleteTariff(ctx context.Context, id int64) error {
	return ladda.Wrap("billing.DeleteTariff", s.store.DeleteTariff(ctx, id))
}

// Assign makes a tariff apply at a station or a site, for everyone or a customer group. A
// tariff of an organisation applies only at that organisation's stations and sites; one
// without an organisation anywhere. Errors: Invalid, NotFound, Conflict (the place has a
// tariff for the group).
func (s *Service) Assign(ctx context.Context, a *Assignment) error {
	const op = "billing.Assign"
	if err := checkGroup(op, a.CustomerGroup); err != nil {
		return err
	}
	t, err := s.store.Tariff(ctx, a.TariffID)
	if err != nil {
		return ladda.Wrap(op, err)
	}
	var org int64
	switch {
	case (a.StationID == "") == (a.SiteID == 0):
		return ladda.Errorf(ladda.Invalid, op, "give stationId or siteId, not both")
	case a.StationID != "":
		st, err := s.src.Station(ctx, a.StationID)
		if err != nil {
			return ladda.Wrap(op, err)
		}
		org = st.OrgID
	default:
		site, err := s.src.Site(ctx, a.SiteID)
		if err != nil {
			return ladda.Wrap(op, err)
		}
		org = site.OrgID
	}
	if t.OrgID != 0 && t.OrgID != org {
		return ladda.Errorf(ladda.Invalid, op, "tariff %d belongs to another organisation than the place it would apply at", t.ID)
	}
	a.CreatedAt = s.clock.Now()
	return ladda.Wrap(op, s.store.Assign(ctx, a))
}

// checkGroup refuses a customer group name that is too long or has spaces; "fleet:N" must
// name an organisation number.
func checkGroup(op, g string) error {
	if len(g) > 64 || strings.ContainsAny(g, " \t\r\n") {
		return ladda.Errorf(ladda.Invalid, op, "customer group %q must be at most 64 characters without spaces", g)
	}
	if n, ok := strings.CutPrefix(g, "fleet:"); ok {
		if id, err := strconv.ParseInt(n, 10, 64); err != nil || id <= 0 {
			return ladda.Errorf(ladda.Invalid, op, "customer group %q: fleet:N names an organisation by its number", g)
		}
	}
	return nil
}

// Assignments lists where a tariff applies (tariffID > 0) or the assignments at a station.
func (s *Service) Assignments(ctx context.Context, tariffID int64, st ladda.StationID) ([]*Assignment, error) {
	list, err := s.store.Assignments(ctx, tariffID, st)
	return list, ladda.Wrap("billing.Assignments", err)
}

// Unassign removes an assignment.
func (s *Service) Unassign(ctx context.Context, id int64) error {
	return ladda.Wrap("billing.Unassign", s.store.Unassign(ctx, id))
}

// CustomerGroups returns the customer groups of a token at a station of organisation org,
// most specific first: "fleet:N" for a card of organisation N, the token's OCPP group id, the
// groups of the plans of org its user subscribes to, "members" for a card of a user account.
// An unknown or empty token belongs to no group.
func (s *Service) CustomerGroups(ctx context.Context, token string, org int64) []string {
	if token == "" {
		return nil
	}
	t, err := s.src.IDToken(ctx, token)
	if err != nil {
		return nil
	}
	var groups []string
	if t.OrgID != 0 {
		groups = append(groups, "fleet:"+strconv.FormatInt(t.OrgID, 10))
	}
	if t.GroupID != "" {
		groups = append(groups, t.GroupID)
	}
	if t.UserID != 0 {
		groups = append(groups, s.planGroups(ctx, t.UserID, org, s.clock.Now())...)
		if !slices.Contains(groups, "members") {
			groups = append(groups, "members")
		}
	}
	return groups
}

// Resolve returns the price a session by token at a station would be given now: the tariff
// assigned to the station for the token's most specific customer group, else to its site for
// that group, and so on through the groups, then the station's and the site's tariff for
// everyone. Errors: NotFound for an unknown station or when no tariff applies.
func (s *Service) Resolve(ctx context.Context, id ladda.StationID, token string) (*FrozenPrice, error) {
	const op = "billing.Resolve"
	st, err := s.src.Station(ctx, id)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	list, err := s.store.Assignments(ctx, 0, id)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	groups := append(s.CustomerGroups(ctx, token, st.OrgID), "")
	var (
		pick *Assignment
		t    *StoredTariff
	)
	for _, g := range groups {
		for _, onStation := range []bool{true, false} {
			for _, a := range list {
				if pick != nil || a.CustomerGroup != g || (a.StationID != "") != onStation {
					continue
				}
				tariff, err := s.store.Tariff(ctx, a.TariffID)
				if err != nil {
					return nil, ladda.Wrap(op, err)
				}
				// A tariff of another organisation (left from before the station moved) does
				// not price the station.
				if tariff.OrgID == 0 || tariff.OrgID == st.OrgID {
					pick, t = a, tariff
				}
			}
		}
	}
	if pick == nil {
		return nil, ladda.Errorf(ladda.NotFound, op, "no tariff applies at station %s", id)
	}
	place, err := s.place(ctx, st)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	return &FrozenPrice{TariffID: t.ID, TariffName: t.Name, CustomerGroup: pick.CustomerGroup, Tariff: *t, Place: place, FrozenAt: s.clock.Now()}, nil
}

// place is where a station stands, for billing: its site, or nowhere in particular (UTC, no
// tax) without one.
func (s *Service) place(ctx context.Context, st *station.Station) (Place, error) {
	if st.SiteID == 0 {
		return Place{TimeZone: "UTC"}, nil
	}
	site, err := s.src.Site(ctx, st.SiteID)
	if err != nil {
		return Place{}, err
	}
	return Place{SiteID: site.ID, Address: site.OneLine(), Country: site.Country, Region: site.Region, TimeZone: site.TimeZone}, nil
}

// Freeze gives a transaction that started its price, once: the tariff that applied for its
// token at its station then. A transaction no tariff applies to stays unpriced (nil, nil).
func (s *Service) Freeze(ctx context.Context, tx *charging.Transaction) (*FrozenPrice, error) {
	const op = "billing.Freeze"
	p, err := s.Resolve(ctx, tx.StationID, tx.IDToken)
	if ladda.IsKind(err, ladda.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	p.TransactionID = tx.ID
	if _, err := s.store.FreezePrice(ctx, p); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	return p, nil
}

// price returns the frozen price of tx, freezing it now if its start did not (the start was
// stored but Freeze failed or ran before a tariff existed): the price of now, then, is the
// best there is, and is kept from then on. nil when no tariff applies.
func (s *Service) price(ctx context.Context, tx *charging.Transaction) (*FrozenPrice, error) {
	p, err := s.store.FrozenPrice(ctx, tx.ID)
	if ladda.IsKind(err, ladda.NotFound) {
		return s.Freeze(ctx, tx)
	}
	return p, err
}

// taxTTL is how long the effective tax table is kept before the store is read again, so that
// a change made through another node is in force within it.
const taxTTL = time.Minute

// taxTable returns the effective tax table: the base rates overridden by the operator's.
func (s *Service) taxTable(ctx context.Context) *TaxTable {
	s.taxMu.Lock()
	defer s.taxMu.Unlock()
	now := s.clock.Now()
	if !s.taxRead.IsZero() && now.Sub(s.taxRead) < taxTTL {
		return s.taxes
	}
	own, err := s.store.TaxRates(ctx)
	if err == nil {
		var t *TaxTable
		if t, err = Override(s.baseRates, own); err == nil {
			s.taxes, s.taxRead = t, now
		}
	}
	if err != nil {
		s.log.Error("reading the operator's tax rates; the last table read stays in force", "err", err)
	}
	return s.taxes
}

// TaxRates returns the rates in force: Ladda's defaults with the operator's own in their
// places, and the operator's own alone.
func (s *Service) TaxRates(ctx context.Context) (effective, own []TaxRate, err error) {
	own, err = s.store.TaxRates(ctx)
	if err != nil {
		return nil, nil, ladda.Wrap("billing.TaxRates", err)
	}
	t, err := Override(s.baseRates, own)
	if err != nil {
		return nil, nil, ladda.Wrap("billing.TaxRates", err)
	}
	return t.Rates(), own, nil
}

// SetTaxRates replaces the operator's own rates, each place's replacing Ladda's defaults for
// it (a US state's sales tax, a new national rate). Sessions priced from now on use them.
// Errors: Invalid for rates that break NewTaxTable's rules.
func (s *Service) SetTaxRates(ctx context.Context, rates []TaxRate) error {
	const op = "billing.SetTaxRates"
	t, err := Override(s.baseRates, rates)
	if err != nil {
		return err
	}
	if err := s.store.PutTaxRates(ctx, rates, s.clock.Now()); err != nil {
		return ladda.Wrap(op, err)
	}
	s.taxMu.Lock()
	s.taxes, s.taxRead = t, s.clock.Now()
	s.taxMu.Unlock()
	return nil
}

// Rate returns the tax rate of a place at an instant: zero, with a note saying why, where no
// rate is known.
func (s *Service) Rate(ctx context.Context, p Place, at time.Time) (TaxRate, string) {
	if p.Country == "" {
		return TaxRate{}, "No tax: the station is at no site, so its country is unknown"
	}
	region := ""
	if p.Region != "" {
		region = p.Country + "-" + p.Region
	}
	r, err := s.taxTable(ctx).Rate(p.Country, region, at)
	if err != nil {
		return TaxRate{Country: p.Country}, "No tax: no tax rate is configured for " + p.Country
	}
	return r, ""
}

// exclusive returns t with every price excluding tax at rate, for a tariff whose prices
// include it.
func exclusive(t Tariff, rate TaxRate) Tariff {
	out := t
	out.Elements = make([]Element, len(t.Elements))
	for i, e := range t.Elements {
		e.Components = slices.Clone(e.Components)
		for j := range e.Components {
			c := &e.Components[j]
			c.Price = ExclusiveOf(c.Price, rate.Percent)
			// A spot-linked price: the schedule's prices exclude tax, its markup, floor and
			// cap are entered like the tariff's other prices.
			for _, b := range []**Amount{&c.Markup, &c.Floor, &c.Cap} {
				if *b != nil {
					v := ExclusiveOf(**b, rate.Percent)
					*b = &v
				}
			}
		}
		out.Elements[i] = e
	}
	// The bounds are whole minor units including tax; excluding it they may not be, so they
	// are applied by Price exactly as given and only the total is rounded.
	for _, b := range []**Amount{&out.MinPrice, &out.MaxPrice} {
		if *b != nil {
			v := ExclusiveOf(**b, rate.Percent)
			*b = &v
		}
	}
	return out
}

// Estimate is what a session costs so far, or in all once it has stopped.
type Estimate struct {
	TransactionID ladda.TransactionID
	Price         *FrozenPrice
	Start, End    time.Time
	EnergyWh      int64
	Periods       []Period // the session as priced
	Bill          *TaxedBill
	TaxNote       string
	Final         bool // the session has stopped
}

// ErrUnpriced is returned, as NotFound, for a transaction that no tariff prices.
var ErrUnpriced = errors.New("billing: the transaction has no price")

// Cost prices transaction id up to its stop or up to now.
func (s *Service) Cost(ctx context.Context, id ladda.TransactionID) (*Estimate, error) {
	const op = "billing.Cost"
	tx, err := s.src.Transaction(ctx, id)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	return s.cost(ctx, op, tx)
}

func (s *Service) cost(ctx context.Context, op string, tx *charging.Transaction) (*Estimate, error) {
	p, err := s.price(ctx, tx)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if p == nil {
		return nil, &ladda.Error{Kind: ladda.NotFound, Op: op, Message: "transaction " + strconv.FormatInt(int64(tx.ID), 10) + " has no price: no tariff applied at its start", Err: ErrUnpriced}
	}
	end := s.clock.Now()
	if tx.StoppedAt != nil {
		end = *tx.StoppedAt
	}
	if !end.After(tx.StartedAt) {
		end = tx.StartedAt.Add(time.Second)
	}
	rate, note := s.Rate(ctx, p.Place, end)
	t := p.Tariff.Tariff
	if p.Tariff.PricesIncludeTax {
		t = exclusive(t, rate)
	}
	schedules, err := s.schedules(ctx, t)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	session := Session{Start: tx.StartedAt, End: end, Location: p.Place.Location(), Periods: Periods(tx, end), Schedules: schedules,
		ConnectorType: s.connectorType(ctx, tx)}
	bill, err := Price(t, session)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	taxed := bill.WithTax(rate, s.rounding)
	if note == "" {
		note = taxed.Statement()
	}
	var wh int64
	for _, per := range session.Periods {
		wh += per.EnergyWh
	}
	return &Estimate{TransactionID: tx.ID, Price: p, Start: tx.StartedAt, End: end, EnergyWh: wh, Periods: session.Periods, Bill: taxed, TaxNote: note, Final: tx.StoppedAt != nil}, nil
}

// connectorType is the type of the connector of tx as its station's device model reports it
// (OCPP 2.0.1: variable ConnectorType of component Connector); "" when unknown.
func (s *Service) connectorType(ctx context.Context, tx *charging.Transaction) string {
	settings, err := s.src.Settings(ctx, tx.StationID)
	if err != nil {
		return ""
	}
	for _, st := range settings {
		if st.Component == "Connector" && st.Variable == "ConnectorType" && st.EVSEID == tx.EVSEID && st.ConnectorID == tx.ConnectorID {
			return st.Value
		}
	}
	return ""
}

// schedules loads the price schedules tariff t follows.
func (s *Service) schedules(ctx context.Context, t Tariff) (map[string]*PriceSchedule, error) {
	var out map[string]*PriceSchedule
	for _, e := range t.Elements {
		for _, c := range e.Components {
			if c.Schedule == "" || out[c.Schedule] != nil {
				continue
			}
			if s.pay == nil {
				return nil, ladda.Errorf(ladda.Unavailable, "billing.schedules", "price schedules are not available")
			}
			sc, err := s.pay.Schedule(ctx, c.Schedule)
			if err != nil {
				return nil, err
			}
			if out == nil {
				out = map[string]*PriceSchedule{}
			}
			out[c.Schedule] = sc
		}
	}
	return out, nil
}

// noSchedules is the error of the schedule methods of a service without a payment store.
func noSchedules(op string) error {
	return ladda.Errorf(ladda.Unavailable, op, "price schedules are not available")
}

// PutSchedule checks and stores a price schedule (spot prices per kWh, excluding tax),
// replacing one of the same name. Tariffs that follow it price with it from then on, also
// sessions running now.
func (s *Service) PutSchedule(ctx context.Context, sc *PriceSchedule) error {
	const op = "billing.PutSchedule"
	if s.pay == nil {
		return noSchedules(op)
	}
	if err := sc.Check(); err != nil {
		return err
	}
	return ladda.Wrap(op, s.pay.PutSchedule(ctx, sc, s.clock.Now()))
}

// Schedule returns a price schedule with its points.
func (s *Service) Schedule(ctx context.Context, name string) (*PriceSchedule, error) {
	if s.pay == nil {
		return nil, noSchedules("billing.Schedule")
	}
	sc, err := s.pay.Schedule(ctx, name)
	return sc, ladda.Wrap("billing.Schedule", err)
}

// Schedules lists the price schedules, without their points.
func (s *Service) Schedules(ctx context.Context) ([]*PriceSchedule, error) {
	if s.pay == nil {
		return nil, noSchedules("billing.Schedules")
	}
	list, err := s.pay.Schedules(ctx)
	return list, ladda.Wrap("billing.Schedules", err)
}

// DeleteSchedule removes a price schedule that no tariff follows. Errors: Conflict naming a
// tariff that follows it.
func (s *Service) DeleteSchedule(ctx context.Context, name string) error {
	const op = "billing.DeleteSchedule"
	if s.pay == nil {
		return noSchedules(op)
	}
	tariffs, err := s.store.Tariffs(ctx, 0)
	if err != nil {
		return ladda.Wrap(op, err)
	}
	for _, t := range tariffs {
		for _, e := range t.Tariff.Elements {
			for _, c := range e.Components {
				if c.Schedule == name {
					return ladda.Errorf(ladda.Conflict, op, "tariff %d (%s) follows schedule %q", t.ID, t.Name, name)
				}
			}
		}
	}
	return ladda.Wrap(op, s.pay.DeleteSchedule(ctx, name))
}

// TotalCost is the running (or final) cost of tx including tax, for the station's display
// (charging.Pricer). ok is false for a transaction no tariff prices. The transaction is read
// again with its meter values.
func (s *Service) TotalCost(ctx context.Context, tx *charging.Transaction) (float64, bool, error) {
	const op = "billing.TotalCost"
	full, err := s.src.Transaction(ctx, tx.ID)
	if err != nil {
		return 0, false, ladda.Wrap(op, err)
	}
	e, err := s.cost(ctx, op, full)
	if errors.Is(err, ErrUnpriced) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	f, err := strconv.ParseFloat(e.Bill.Gross.Format(Exponent(e.Bill.Bill.Currency)), 64)
	return f, err == nil, err
}

// IssueCDR issues the charge detail record of a stopped transaction, once: a second call
// returns the first record. Errors: Conflict while the transaction runs; NotFound (wrapping
// ErrUnpriced) when no tariff prices it.
func (s *Service) IssueCDR(ctx context.Context, id ladda.TransactionID) (*CDR, error) {
	const op = "billing.IssueCDR"
	tx, err := s.src.Transaction(ctx, id)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if tx.Active() {
		return nil, ladda.Errorf(ladda.Conflict, op, "transaction %d has not stopped", id)
	}
	e, err := s.cost(ctx, op, tx)
	if err != nil {
		return nil, err
	}
	c := &CDR{TransactionID: tx.ID, StationID: tx.StationID, EVSEID: tx.EVSEID, ConnectorID: tx.ConnectorID, Place: e.Price.Place,
		IDToken: tx.IDToken, Start: e.Start, End: e.End, EnergyWh: e.EnergyWh, TariffID: e.Price.TariffID, TariffName: e.Price.TariffName, CustomerGroup: e.Price.CustomerGroup,
		Currency: e.Bill.Bill.Currency, Net: e.Bill.Net, TaxName: e.Bill.Rate.Name, TaxPercent: e.Bill.Rate.Percent, Tax: e.Bill.Tax,
		Total: e.Bill.Gross, TaxNote: e.TaxNote, IssuedAt: s.clock.Now()}
	if st, err := s.src.Station(ctx, tx.StationID); err == nil {
		c.OrgID = st.OrgID
	}
	if tx.IDToken != "" {
		if t, err := s.src.IDToken(ctx, tx.IDToken); err == nil {
			c.UserID, c.TokenOrgID = t.UserID, t.OrgID
		}
	}
	c.ChargingTime, c.ParkingTime = durations(e.Periods, e.End)
	for _, l := range e.Bill.Lines {
		c.Lines = append(c.Lines, CDRLine{Type: l.Type, Quantity: l.Quantity, UnitPrice: l.UnitPrice, Amount: l.Amount, Tax: l.Tax, Total: l.Total, From: l.From, To: l.To})
	}
	if _, err := s.store.IssueCDR(ctx, c); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	return c, nil
}

// durations sums the charging and the parking seconds of periods that end at end.
func durations(periods []Period, end time.Time) (charging, parking int64) {
	for i, p := range periods {
		to := end
		if i+1 < len(periods) {
			to = periods[i+1].Start
		}
		d := int64(to.Sub(p.Start) / time.Second)
		if p.Charging {
			charging += d
		} else {
			parking += d
		}
	}
	return charging, parking
}

// CDR returns one CDR.
func (s *Service) CDR(ctx context.Context, id int64) (*CDR, error) {
	c, err := s.store.CDR(ctx, id)
	return c, ladda.Wrap("billing.CDR", err)
}

// CDRs lists CDRs, newest first.
func (s *Service) CDRs(ctx context.Context, f CDRFilter) ([]*CDR, error) {
	list, err := s.store.CDRs(ctx, f)
	return list, ladda.Wrap("billing.CDRs", err)
}

// Handle reacts to an event: a transaction that started gets its price, one that ended its
// CDR. Failures are logged; Sweep catches up with what they missed.
func (s *Service) Handle(ctx context.Context, e ladda.Event) {
	tx, ok := e.Data.(*charging.Transaction)
	if !ok {
		return
	}
	switch e.Type {
	case ladda.EventTransactionStarted:
		p, err := s.Freeze(ctx, tx)
		if err != nil {
			s.log.Error("freezing a transaction's price", "transaction", tx.ID, "err", err)
			return
		}
		if _, err := s.Preauthorize(ctx, tx, p); err != nil {
			s.log.Warn("pre-authorising a session", "transaction", tx.ID, "err", err)
		}
	case ladda.EventTransactionEnded:
		c, err := s.IssueCDR(ctx, tx.ID)
		if err != nil {
			if !errors.Is(err, ErrUnpriced) {
				s.log.Error("issuing a CDR", "transaction", tx.ID, "err", err)
			}
			return
		}
		// A driver's own card is paid for and invoiced per session; fleets' cards and
		// subscribers' sessions are invoiced monthly.
		sub, err := s.subscriber(ctx, c)
		if err != nil {
			s.log.Error("reading subscriptions", "cdr", c.ID, "err", err)
			return
		}
		if c.UserID != 0 && c.TokenOrgID == 0 && sub == nil {
			paidBy, err := s.settle(ctx, c)
			if err != nil {
				s.log.Error("taking a session's payment", "cdr", c.ID, "err", err)
			}
			if _, err := s.InvoiceCDR(ctx, c.ID, paidBy); err != nil && !ladda.IsKind(err, ladda.Conflict) {
				s.log.Error("invoicing a session", "cdr", c.ID, "err", err)
			}
		}
	}
}

// MonthEnd invoices the subscriptions' months, then what the months before the current one (in UTC) left uninvoiced: the
// monthly invoices of fleets, and any session of a driver whose own invoice was missed.
func (s *Service) MonthEnd(ctx context.Context) ([]*Issued, error) {
	now := s.clock.Now().UTC()
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	if _, err := s.Sweep(ctx); err != nil {
		return nil, err
	}
	subs, err := s.billSubscriptions(ctx, month)
	if err != nil {
		return subs, err
	}
	rest, err := s.InvoicePeriod(ctx, month)
	return append(subs, rest...), err
}

// Sweep issues the CDRs of stopped, priced transactions that have none, such as those whose
// end event was lost to a restart, and returns how many it issued.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	ids, err := s.store.Unbilled(ctx, 500)
	if err != nil {
		return 0, ladda.Wrap("billing.Sweep", err)
	}
	n := 0
	for _, id := range ids {
		if _, err := s.IssueCDR(ctx, id); err != nil {
			s.log.Error("issuing a CDR", "transaction", id, "err", err)
			continue
		}
		n++
	}
	return n, nil
}
