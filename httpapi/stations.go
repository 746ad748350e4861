package httpapi

import (
	"context"
	"net/url"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/station"
)

// Station is a charging station as the API shows it: what the operator decided and what the
// station last reported. It never contains the station's credential.
type Station struct {
	ID             string     `json:"id" doc:"The station's identity: the last segment of its OCPP URL and its basic-auth user."`
	Description    string     `json:"description"`
	Registration   string     `json:"registration" enum:"Accepted,Pending,Rejected" doc:"The operator's decision: only Accepted stations may charge."`
	OrganisationID int64      `json:"organisationId,omitempty" doc:"The operator organisation that owns it; absent: administrators only."`
	SiteID         int64      `json:"siteId,omitempty" doc:"The site it stands at; absent: none (sessions there are priced in UTC without tax)."`
	Connected      bool       `json:"connected"`
	OCPPVersion    string     `json:"ocppVersion,omitempty" doc:"OCPP version of the last connection: 1.6 or 2.0.1."`
	LastSeen       *time.Time `json:"lastSeen,omitempty" doc:"Last message of any kind; absent if it never connected."`
	BootedAt       *time.Time `json:"bootedAt,omitempty"`
	Boot           *Boot      `json:"boot,omitempty" doc:"What the station said about itself at its last boot; absent before the first."`
	EVSEs          []EVSE     `json:"evses" nullable:"false"`
	CreatedAt      time.Time  `json:"createdAt"`
	UpdatedAt      time.Time  `json:"updatedAt"`
}

// Boot is what a station reported about itself at its last boot.
type Boot struct {
	Vendor            string `json:"vendor"`
	Model             string `json:"model"`
	SerialNumber      string `json:"serialNumber,omitempty"`
	FirmwareVersion   string `json:"firmwareVersion,omitempty"`
	ICCID             string `json:"iccid,omitempty"`
	IMSI              string `json:"imsi,omitempty"`
	MeterType         string `json:"meterType,omitempty"`
	MeterSerialNumber string `json:"meterSerialNumber,omitempty"`
	Reason            string `json:"reason,omitempty" doc:"OCPP 2.0.1 boot reason."`
}

// EVSE is one charging point of a station, with its connectors.
type EVSE struct {
	ID         int         `json:"id"`
	Connectors []Connector `json:"connectors" nullable:"false"`
}

// Connector is a plug or socket of an EVSE with the status the station last reported.
type Connector struct {
	ID        int       `json:"id"`
	Status    string    `json:"status" doc:"The status as the station reported it (OCPP 1.6 or 2.0.1 names)."`
	State     string    `json:"state" enum:"available,occupied,charging,reserved,faulted,unavailable,offline,unknown" doc:"Version-neutral summary; offline whenever the station is not connected."`
	ErrorCode string    `json:"errorCode,omitempty"`
	Info      string    `json:"info,omitempty"`
	UpdatedAt time.Time `json:"updatedAt"`
}

func viewStation(st *station.Station) Station {
	v := Station{
		ID:             string(st.ID),
		Description:    st.Description,
		Registration:   string(st.Registration),
		OrganisationID: st.OrgID,
		SiteID:         st.SiteID,
		Connected:      st.Connected,
		OCPPVersion:    st.OCPPVersion,
		LastSeen:       utc(st.LastSeen),
		BootedAt:       utc(st.BootedAt),
		EVSEs:          make([]EVSE, 0, len(st.EVSEs)),
		CreatedAt:      st.CreatedAt.UTC(),
		UpdatedAt:      st.UpdatedAt.UTC(),
	}
	if b := st.Boot; b != (station.Boot{}) {
		v.Boot = &Boot{Vendor: b.Vendor, Model: b.Model, SerialNumber: b.SerialNumber, FirmwareVersion: b.FirmwareVersion,
			ICCID: b.ICCID, IMSI: b.IMSI, MeterType: b.MeterType, MeterSerialNumber: b.MeterSerial, Reason: b.Reason}
	}
	for _, e := range st.EVSEs {
		ev := EVSE{ID: e.ID, Connectors: make([]Connector, 0, len(e.Connectors))}
		for _, c := range e.Connectors {
			ev.Connectors = append(ev.Connectors, Connector{
				ID:        c.ID,
				Status:    string(c.Status),
				State:     string(station.StateOf(c.Status, st.Connected)),
				ErrorCode: c.ErrorCode,
				Info:      c.Info,
				UpdatedAt: c.UpdatedAt.UTC(),
			})
		}
		v.EVSEs = append(v.EVSEs, ev)
	}
	return v
}

// StationCreated is the answer to registering a station: the station and its password, shown
// this once.
type StationCreated struct {
	Station
	Password string `json:"password" doc:"The station's basic-auth password. Shown only in this response: store it now."`
}

// StationUpdated is the answer to changing a station: the station and, when the change set or
// rotated it, the new password, shown this once.
type StationUpdated struct {
	Station
	Password string `json:"password,omitempty" doc:"The new password, when the change set or rotated it. Shown only in this response."`
}

type createStationInput struct {
	Body struct {
		ID             string `json:"id" minLength:"1" maxLength:"48" doc:"1 to 48 printable ASCII characters without spaces, '/', '?', '#' or '%'."`
		Password       string `json:"password,omitempty" minLength:"8" maxLength:"40" doc:"Basic-auth password, 8 to 40 characters (OCPP 2.0.1 stations need at least 16); generated (40 characters) when absent."`
		Description    string `json:"description,omitempty" maxLength:"500"`
		Registration   string `json:"registration,omitempty" enum:"Accepted,Pending,Rejected" doc:"Default Accepted."`
		OrganisationID int64  `json:"organisationId,omitempty" minimum:"0" doc:"Administrators: the operator organisation that owns it. Others: always their own."`
	} `nameHint:"NewStation"`
}

type createStationOutput struct {
	Location string `header:"Location" doc:"The path of the new station."`
	Body     StationCreated
}

// createStation handles POST /api/v1/stations: registers a station and answers 201 with it and
// its password, given or generated.
func (s *server) createStation(ctx context.Context, in *createStationInput) (*createStationOutput, error) {
	p := caller(ctx)
	org := in.Body.OrganisationID
	if !p.Everywhere() {
		org = p.OrgID
	}
	if err := s.checkOperatorOrg(ctx, org); err != nil {
		return nil, err
	}
	st, password, err := s.stations.Register(ctx, station.NewStation{
		OrgID:        org,
		ID:           ladda.StationID(in.Body.ID),
		Password:     in.Body.Password,
		Description:  in.Body.Description,
		Registration: station.Registration(in.Body.Registration),
	})
	if err != nil {
		return nil, err
	}
	return &createStationOutput{
		Location: Prefix + "/stations/" + url.PathEscape(string(st.ID)),
		Body:     StationCreated{Station: viewStation(st), Password: password},
	}, nil
}

type listStationsInput struct {
	Registration string         `query:"registration" enum:"Accepted,Pending,Rejected" doc:"Only stations with this registration."`
	Connected    optional[bool] `query:"connected" doc:"Only stations that are (true) or are not (false) connected."`
	After        string         `query:"after" maxLength:"48" doc:"Cursor: the next value of the previous page."`
	Limit        int            `query:"limit" minimum:"1" maximum:"500" default:"100"`
}

type listStationsOutput struct {
	Body List[Station]
}

// listStations handles GET /api/v1/stations: stations ordered by ID.
func (s *server) listStations(ctx context.Context, in *listStationsInput) (*listStationsOutput, error) {
	limit := limitOf(in.Limit)
	f := station.Filter{Connected: in.Connected.ptr(), OrgID: orgScope(caller(ctx)), After: ladda.StationID(in.After), Limit: limit + 1}
	if in.Registration != "" {
		r := station.Registration(in.Registration)
		f.Registration = &r
	}
	found, err := s.stations.Stations(ctx, f)
	if err != nil {
		return nil, err
	}
	found, next := page(found, limit, func(st *station.Station) string { return string(st.ID) })
	out := &listStationsOutput{Body: List[Station]{Items: make([]Station, 0, len(found)), Next: next}}
	for _, st := range found {
		out.Body.Items = append(out.Body.Items, viewStation(st))
	}
	return out, nil
}

// limitOf returns the page size asked for, or the default.
func limitOf(n int) int {
	if n <= 0 || n > maxLimit {
		return defaultLimit
	}
	return n
}

type stationIDInput struct {
	ID string `path:"id" maxLength:"48"`
}

type stationOutput struct {
	Body Station
}

// getStation handles GET /api/v1/stations/{id}.
func (s *server) getStation(ctx context.Context, in *stationIDInput) (*stationOutput, error) {
	st, err := s.stations.Station(ctx, ladda.StationID(in.ID))
	if err != nil {
		return nil, err
	}
	return &stationOutput{Body: viewStation(st)}, nil
}

type updateStationInput struct {
	ID   string `path:"id" maxLength:"48"`
	Body struct {
		Description    patch[string] `json:"description,omitempty" maxLength:"500"`
		Registration   patch[string] `json:"registration,omitempty" enum:"Accepted,Pending,Rejected" doc:"Accepted approves a pending station; a station that is no longer Accepted is disconnected."`
		Password       patch[string] `json:"password,omitempty" minLength:"8" maxLength:"40" doc:"Set this password (8 to 40 characters); the station is disconnected and must reconnect with it."`
		RotatePassword bool          `json:"rotatePassword,omitempty" doc:"Generate a new password (returned once); the station is disconnected."`
		OrganisationID patch[int64]  `json:"organisationId,omitempty" minimum:"0" doc:"Administrators: move the station to another operator organisation (0: none)."`
		SiteID         patch[int64]  `json:"siteId,omitempty" minimum:"0" doc:"Put the station at a site of its organisation (0: at none)."`
	} `nameHint:"StationChange"`
}

type updateStationOutput struct {
	Body StationUpdated
}

// updateStation handles PATCH /api/v1/stations/{id}: changes the fields present in the body.
func (s *server) updateStation(ctx context.Context, in *updateStationInput) (*updateStationOutput, error) {
	const op = "httpapi.updateStation"
	b := in.Body
	if err := refuseNulls(b); err != nil {
		return nil, err
	}
	c := station.Change{Description: b.Description.ptr(), Password: b.Password.ptr(), SiteID: b.SiteID.ptr()}
	if b.SiteID.Set && b.SiteID.Value != 0 {
		if _, err := s.site(ctx, b.SiteID.Value); err != nil {
			return nil, ladda.Errorf(ladda.Invalid, op, "siteId %d is not a site you may use", b.SiteID.Value)
		}
	}
	if b.OrganisationID.Set {
		if !caller(ctx).Everywhere() {
			return nil, ladda.Errorf(ladda.Forbidden, op, "only administrators move stations between organisations")
		}
		if err := s.checkOperatorOrg(ctx, b.OrganisationID.Value); err != nil {
			return nil, err
		}
		c.OrgID = b.OrganisationID.ptr()
	}
	if b.Registration.Set {
		r := station.Registration(b.Registration.Value)
		c.Registration = &r
	}
	if b.RotatePassword {
		if b.Password.Set {
			return nil, ladda.Errorf(ladda.Invalid, op, "give either password or rotatePassword, not both")
		}
		generate := ""
		c.Password = &generate
	}
	st, password, err := s.stations.Update(ctx, ladda.StationID(in.ID), c)
	if err != nil {
		return nil, err
	}
	return &updateStationOutput{Body: StationUpdated{Station: viewStation(st), Password: password}}, nil
}

// deleteStation handles DELETE /api/v1/stations/{id}: 204; its transactions remain.
func (s *server) deleteStation(ctx context.Context, in *stationIDInput) (*struct{}, error) {
	return nil, s.stations.Delete(ctx, ladda.StationID(in.ID))
}

// checkOperatorOrg answers Invalid unless org is 0 or an operator organisation.
func (s *server) checkOperatorOrg(ctx context.Context, org int64) error {
	if org == 0 {
		return nil
	}
	o, err := s.accounts.Organisation(ctx, caller(ctx), org)
	if err != nil || o.Kind != account.OperatorOrg {
		return ladda.Errorf(ladda.Invalid, "httpapi.checkOperatorOrg", "organisationId %d is not an operator organisation", org)
	}
	return nil
}
