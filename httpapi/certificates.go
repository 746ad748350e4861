package httpapi

import (
	"context"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/pki"
	"github.com/ladda-csms/ladda/station"
)

// pkiService returns the PKI, or Unavailable when Ladda runs without one.
func (s *server) pkiService(op string) (*pki.Service, error) {
	if s.pki == nil {
		return nil, ladda.Errorf(ladda.Unavailable, op, "this Ladda has no PKI")
	}
	return s.pki, nil
}

type caOutput struct {
	Body struct {
		Certificate string `json:"certificate" doc:"PEM of the CA that signs stations' certificates: install it on stations as their CSMS root (POST …/certificates/install with type CSMSRootCertificate)."`
	}
}

// getCA handles GET /api/v1/pki/ca.
func (s *server) getCA(ctx context.Context, _ *struct{}) (*caOutput, error) {
	const op = "httpapi.getCA"
	p, err := s.pkiService(op)
	if err != nil {
		return nil, err
	}
	if p.CACertificate() == "" {
		return nil, ladda.Errorf(ladda.NotFound, op, "an external CA signs stations' certificates")
	}
	out := &caOutput{}
	out.Body.Certificate = p.CACertificate()
	return out, nil
}

// StationCertificate is a certificate a station asked Ladda to sign, and what became of it.
type StationCertificate struct {
	ID           int64      `json:"id"`
	StationID    string     `json:"stationId"`
	Type         string     `json:"type" enum:"ChargingStationCertificate,V2GCertificate"`
	Status       string     `json:"status" enum:"Requested,Issued,Accepted,Rejected,Failed" doc:"Requested: not signed yet; Issued: signed, not yet taken by the station (it is offline, or will be sent again); Accepted: the station installed it; Rejected: the station refused it; Failed: not signed or not delivered (see detail)."`
	Detail       string     `json:"detail,omitempty"`
	SerialNumber string     `json:"serialNumber,omitempty" doc:"Hex."`
	Subject      string     `json:"subject,omitempty"`
	NotBefore    *time.Time `json:"notBefore,omitempty"`
	NotAfter     *time.Time `json:"notAfter,omitempty"`
	Certificate  string     `json:"certificate,omitempty" doc:"The chain sent to the station, PEM, leaf first."`
	CommandID    *int64     `json:"commandId,omitempty" doc:"The CertificateSigned entry of the station's command log."`
	RequestedAt  time.Time  `json:"requestedAt"`
	UpdatedAt    time.Time  `json:"updatedAt"`
}

type listCertificatesInput struct {
	StationID string `query:"stationId" maxLength:"48"`
	Status    string `query:"status" enum:"Requested,Issued,Accepted,Rejected,Failed"`
	Before    int64  `query:"before" minimum:"0"`
	Limit     int    `query:"limit" minimum:"1" maximum:"500" default:"100"`
}

type listCertificatesOutput struct {
	Body List[StationCertificate]
}

// listCertificates handles GET /api/v1/certificates: newest first.
func (s *server) listCertificates(ctx context.Context, in *listCertificatesInput) (*listCertificatesOutput, error) {
	p, err := s.pkiService("httpapi.listCertificates")
	if err != nil {
		return nil, err
	}
	limit := limitOf(in.Limit)
	f := pki.CertFilter{StationID: ladda.StationID(in.StationID), BeforeID: in.Before, Limit: limit + 1}
	if in.Status != "" {
		f.Statuses = []pki.CertStatus{pki.CertStatus(in.Status)}
	}
	list, err := p.Certificates(ctx, f)
	if err != nil {
		return nil, err
	}
	list, next := page(list, limit, func(c *pki.Certificate) string { return strconv.FormatInt(c.ID, 10) })
	out := &listCertificatesOutput{Body: List[StationCertificate]{Items: make([]StationCertificate, 0, len(list)), Next: next}}
	for _, c := range list {
		v := StationCertificate{ID: c.ID, StationID: string(c.StationID), Type: c.Kind, Status: string(c.Status), Detail: c.Detail,
			SerialNumber: c.SerialNumber, Subject: c.Subject, NotBefore: utcPtr(c.NotBefore), NotAfter: utcPtr(c.NotAfter), Certificate: c.PEM,
			RequestedAt: c.RequestedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
		if c.CommandID != 0 {
			id := c.CommandID
			v.CommandID = &id
		}
		out.Body.Items = append(out.Body.Items, v)
	}
	return out, nil
}

type renewInput struct {
	ID   string `path:"id" maxLength:"48"`
	Body *struct {
		Type string `json:"type,omitempty" enum:"ChargingStationCertificate,V2GCertificate" default:"ChargingStationCertificate" doc:"V2GCertificate: OCPP 2.0.1 only."`
	} `nameHint:"RenewRequest" doc:"Optional: no body renews the station's own certificate."`
}

// renewCertificate handles POST /api/v1/stations/{id}/certificates/renew: asks the station to
// send a new certificate signing request (TriggerMessage; 1.6: ExtendedTriggerMessage).
func (s *server) renewCertificate(ctx context.Context, in *renewInput) (*commandOutput, error) {
	const op = "httpapi.renewCertificate"
	st, err := s.stations.Station(ctx, ladda.StationID(in.ID))
	if err != nil {
		return nil, err
	}
	kind := pki.KindStation
	if in.Body != nil && in.Body.Type != "" {
		kind = in.Body.Type
	}
	msg := "SignChargingStationCertificate"
	switch {
	case st.OCPPVersion == "1.6" && kind == pki.KindV2G:
		return nil, ladda.Errorf(ladda.Invalid, op, "OCPP 1.6 stations have no V2G certificate")
	case st.OCPPVersion == "1.6":
		msg = "SignChargePointCertificate"
	case kind == pki.KindV2G:
		msg = "SignV2GCertificate"
	}
	return s.execute(ctx, in.ID, station.TriggerMessage{Message: msg})
}

type installCertificateInput struct {
	ID   string `path:"id" maxLength:"48"`
	Body struct {
		Type        string `json:"type" enum:"V2GRootCertificate,MORootCertificate,CSMSRootCertificate,ManufacturerRootCertificate" doc:"1.6 stations: CSMSRootCertificate or ManufacturerRootCertificate."`
		Certificate string `json:"certificate,omitempty" maxLength:"5500" doc:"PEM. Absent for CSMSRootCertificate: Ladda's CA."`
	} `nameHint:"InstallCertificateRequest"`
}

// installCertificate handles POST /api/v1/stations/{id}/certificates/install.
func (s *server) installCertificate(ctx context.Context, in *installCertificateInput) (*commandOutput, error) {
	const op = "httpapi.installCertificate"
	cert := in.Body.Certificate
	if cert == "" {
		if in.Body.Type != "CSMSRootCertificate" || s.pki == nil || s.pki.CACertificate() == "" {
			return nil, ladda.Errorf(ladda.Invalid, op, "certificate is required (only Ladda's own CA can be left out, as a CSMSRootCertificate)")
		}
		cert = s.pki.CACertificate()
	}
	if chain, err := pki.ParseChain(cert); err != nil || len(chain) != 1 {
		return nil, ladda.Errorf(ladda.Invalid, op, "certificate must be one PEM certificate")
	}
	return s.execute(ctx, in.ID, station.InstallCertificate{Type: in.Body.Type, Certificate: cert})
}

type queryCertificatesInput struct {
	ID   string `path:"id" maxLength:"48"`
	Body *struct {
		Types []string `json:"types,omitempty" maxItems:"5" enum:"V2GRootCertificate,MORootCertificate,CSMSRootCertificate,V2GCertificateChain,ManufacturerRootCertificate" doc:"Absent: all (2.0.1). 1.6 stations: exactly one, CSMSRootCertificate or ManufacturerRootCertificate."`
	} `nameHint:"CertificateQuery"`
}

// queryCertificates handles POST /api/v1/stations/{id}/certificates/query: which certificates the
// station has (answer.certificates).
func (s *server) queryCertificates(ctx context.Context, in *queryCertificatesInput) (*commandOutput, error) {
	var types []string
	if in.Body != nil {
		types = in.Body.Types
	}
	return s.execute(ctx, in.ID, station.GetInstalledCertificateIDs{Types: types})
}

type deleteCertificateInput struct {
	ID   string `path:"id" maxLength:"48"`
	Body struct {
		HashAlgorithm  string `json:"hashAlgorithm" enum:"SHA256,SHA384,SHA512"`
		IssuerNameHash string `json:"issuerNameHash" minLength:"1" maxLength:"128"`
		IssuerKeyHash  string `json:"issuerKeyHash" minLength:"1" maxLength:"128"`
		SerialNumber   string `json:"serialNumber" minLength:"1" maxLength:"40"`
	} `nameHint:"CertificateDeleteRequest" doc:"As answer.certificates of a query lists it."`
}

// deleteCertificate handles POST /api/v1/stations/{id}/certificates/delete.
func (s *server) deleteCertificate(ctx context.Context, in *deleteCertificateInput) (*commandOutput, error) {
	b := in.Body
	return s.execute(ctx, in.ID, station.DeleteCertificate{Certificate: station.CertificateHash{HashAlgorithm: b.HashAlgorithm,
		IssuerNameHash: b.IssuerNameHash, IssuerKeyHash: b.IssuerKeyHash, SerialNumber: b.SerialNumber}})
}

// TrustedRoot is a root certificate the operator trusts.
type TrustedRoot struct {
	Name        string    `json:"name"`
	Kind        string    `json:"kind" enum:"V2GRootCertificate,MORootCertificate,CSMSRootCertificate,ManufacturerRootCertificate"`
	Certificate string    `json:"certificate" doc:"PEM."`
	Subject     string    `json:"subject"`
	NotAfter    time.Time `json:"notAfter"`
	CreatedAt   time.Time `json:"createdAt"`
}

func viewRoot(r *pki.Root) TrustedRoot {
	return TrustedRoot{Name: r.Name, Kind: r.Kind, Certificate: r.PEM, Subject: r.Subject, NotAfter: r.NotAfter.UTC(), CreatedAt: r.CreatedAt.UTC()}
}

type putRootInput struct {
	Name string `path:"name" pattern:"^[A-Za-z0-9._-]{1,64}$"`
	Body struct {
		Kind        string `json:"kind" enum:"V2GRootCertificate,MORootCertificate,CSMSRootCertificate,ManufacturerRootCertificate" doc:"V2G and MO roots are what contract certificates of Plug & Charge are checked against."`
		Certificate string `json:"certificate" minLength:"1" maxLength:"5500" doc:"One PEM CA certificate."`
	} `nameHint:"TrustedRootRequest"`
}

type rootOutput struct {
	Body TrustedRoot
}

// putRoot handles PUT /api/v1/pki/roots/{name}.
func (s *server) putRoot(ctx context.Context, in *putRootInput) (*rootOutput, error) {
	p, err := s.pkiService("httpapi.putRoot")
	if err != nil {
		return nil, err
	}
	r, err := p.PutRoot(ctx, in.Name, in.Body.Kind, in.Body.Certificate)
	if err != nil {
		return nil, err
	}
	return &rootOutput{Body: viewRoot(r)}, nil
}

type listRootsInput struct {
	Kind string `query:"kind" enum:"V2GRootCertificate,MORootCertificate,CSMSRootCertificate,ManufacturerRootCertificate"`
}

type listRootsOutput struct {
	Body List[TrustedRoot]
}

// listRoots handles GET /api/v1/pki/roots: by name.
func (s *server) listRoots(ctx context.Context, in *listRootsInput) (*listRootsOutput, error) {
	p, err := s.pkiService("httpapi.listRoots")
	if err != nil {
		return nil, err
	}
	list, err := p.Roots(ctx, in.Kind)
	if err != nil {
		return nil, err
	}
	out := &listRootsOutput{Body: List[TrustedRoot]{Items: make([]TrustedRoot, 0, len(list))}}
	for _, r := range list {
		out.Body.Items = append(out.Body.Items, viewRoot(r))
	}
	return out, nil
}

type rootNameInput struct {
	Name string `path:"name" maxLength:"64"`
}

// deleteRoot handles DELETE /api/v1/pki/roots/{name}.
func (s *server) deleteRoot(ctx context.Context, in *rootNameInput) (*struct{}, error) {
	p, err := s.pkiService("httpapi.deleteRoot")
	if err != nil {
		return nil, err
	}
	return nil, p.DeleteRoot(ctx, in.Name)
}
