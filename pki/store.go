// Package pki is Ladda's public-key infrastructure for stations: it signs the certificates
// stations ask for (SignCertificate → CertificateSigned) with Ladda's own CA or an external
// one, keeps the root certificates an operator trusts for ISO 15118 (V2G and mobility
// operator roots), checks contract certificates for Plug & Charge, and answers stations'
// OCSP and EV-certificate requests through interfaces.
package pki

import (
	"context"
	"time"

	"github.com/ladda-csms/ladda"
)

// Certificate is one certificate a station asked Ladda to sign, from the request to the
// station's answer to CertificateSigned.
type Certificate struct {
	ID           int64
	StationID    ladda.StationID
	Kind         string // ChargingStationCertificate or V2GCertificate
	CSR          string // PEM, as the station sent it
	Status       CertStatus
	Detail       string // why it failed, or what the station answered
	SerialNumber string // hex, once issued
	Subject      string // once issued
	NotBefore    *time.Time
	NotAfter     *time.Time
	PEM          string // the chain sent to the station, once issued
	CommandID    int64  // the command log entry of the CertificateSigned, 0 none
	RequestedAt  time.Time
	UpdatedAt    time.Time
}

// CertStatus is where a certificate request stands.
type CertStatus string

// The statuses of a certificate request.
const (
	CertRequested CertStatus = "Requested" // stored; not signed yet
	CertIssued    CertStatus = "Issued"    // signed; not yet taken by the station
	CertAccepted  CertStatus = "Accepted"  // the station took it (CertificateSigned Accepted)
	CertRejected  CertStatus = "Rejected"  // the station refused it
	CertFailed    CertStatus = "Failed"    // not signed, or not delivered (see Detail)
)

// CertChange changes a certificate request; zero fields are left as they are.
type CertChange struct {
	Status       CertStatus
	Detail       string
	SerialNumber string
	Subject      string
	NotBefore    *time.Time
	NotAfter     *time.Time
	PEM          string
	CommandID    int64
	At           time.Time // becomes UpdatedAt
}

// CertFilter selects certificate requests, newest first.
type CertFilter struct {
	StationID ladda.StationID // "" for all
	Statuses  []CertStatus    // any of these; none for all
	BeforeID  int64           // ID < BeforeID when > 0
	Limit     int             // 0: no limit
}

// Root is a root certificate the operator trusts: V2G roots (which sign the certificates of
// stations and EVs in ISO 15118), mobility-operator (MO) roots (which sign contract
// certificates), and the CSMS and manufacturer roots installed on stations.
type Root struct {
	Name      string // the operator's name for it; unique
	Kind      string // V2GRootCertificate, MORootCertificate, CSMSRootCertificate, ManufacturerRootCertificate
	PEM       string
	Subject   string
	NotAfter  time.Time
	CreatedAt time.Time
}

// Store keeps certificate requests and trusted roots. Errors are *ladda.Error; NotFound for
// unknown IDs and names.
type Store interface {
	// RecordCertificate stores a new request c (assigning c.ID). NotFound for an unknown station.
	RecordCertificate(ctx context.Context, c *Certificate) error
	// ChangeCertificate applies ch to request id if its status is one of from, atomically, and
	// reports whether it did.
	ChangeCertificate(ctx context.Context, id int64, from []CertStatus, ch CertChange) (bool, error)
	// Certificate returns one request.
	Certificate(ctx context.Context, id int64) (*Certificate, error)
	// Certificates lists requests newest first.
	Certificates(ctx context.Context, f CertFilter) ([]*Certificate, error)
	// PutRoot stores r, replacing the root of the same name.
	PutRoot(ctx context.Context, r *Root) error
	// Roots lists the roots of a kind ("" for all), by name.
	Roots(ctx context.Context, kind string) ([]*Root, error)
	// DeleteRoot removes a root.
	DeleteRoot(ctx context.Context, name string) error
}
