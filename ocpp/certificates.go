package ocpp

import (
	"context"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
	"github.com/ladda-csms/ladda/pki"
	"github.com/ladda-csms/ladda/station"
)

// certificateCommand builds CertificateSigned, InstallCertificate and DeleteCertificate.
func certificateCommand(isV16 bool, cmd station.Command) (string, any, error) {
	switch c := cmd.(type) {
	case station.CertificateSigned:
		if c.Chain == "" || len(c.Chain) > 10000 {
			return "", nil, commandError("a certificate chain has 1 to 10000 characters")
		}
		if isV16 {
			if c.Kind != "ChargingStationCertificate" {
				return "", nil, commandError("OCPP 1.6 stations take only their charge point certificate")
			}
			return "CertificateSigned", &v16.CertificateSignedRequest{CertificateChain: c.Chain}, nil
		}
		return "CertificateSigned", &v201.CertificateSignedRequest{CertificateChain: c.Chain, CertificateType: v201.CertificateSigningUse(c.Kind)}, nil
	case station.InstallCertificate:
		if isV16 {
			use := map[string]v16.CertificateUse{"CSMSRootCertificate": v16.CertificateUseCentralSystemRootCertificate,
				"ManufacturerRootCertificate": v16.CertificateUseManufacturerRootCertificate}[c.Type]
			if use == "" {
				return "", nil, commandError("OCPP 1.6 stations install only CSMSRootCertificate and ManufacturerRootCertificate")
			}
			return "InstallCertificate", &v16.InstallCertificateRequest{CertificateType: use, Certificate: c.Certificate}, nil
		}
		return "InstallCertificate", &v201.InstallCertificateRequest{CertificateType: v201.InstallCertificateUse(c.Type), Certificate: c.Certificate}, nil
	case station.DeleteCertificate:
		h := c.Certificate
		if isV16 {
			return "DeleteCertificate", &v16.DeleteCertificateRequest{CertificateHashData: v16.CertificateHashData{HashAlgorithm: v16.HashAlgorithm(h.HashAlgorithm),
				IssuerNameHash: h.IssuerNameHash, IssuerKeyHash: h.IssuerKeyHash, SerialNumber: h.SerialNumber}}, nil
		}
		return "DeleteCertificate", &v201.DeleteCertificateRequest{CertificateHashData: v201.CertificateHashData{HashAlgorithm: v201.HashAlgorithm(h.HashAlgorithm),
			IssuerNameHash: h.IssuerNameHash, IssuerKeyHash: h.IssuerKeyHash, SerialNumber: h.SerialNumber}}, nil
	}
	return "", nil, commandError("unknown command " + cmd.Action())
}

// installedCertificates asks a station which root certificates it has.
func (c *Commander) installedCertificates(ctx context.Context, id ladda.StationID, version string, g station.GetInstalledCertificateIDs) (station.Answer, error) {
	if version == V16 {
		if len(g.Types) != 1 {
			return station.Answer{}, &ladda.Error{Kind: ladda.Invalid, Op: "ocpp.Execute", Message: "OCPP 1.6 stations are asked for one certificate type at a time"}
		}
		use := map[string]v16.CertificateUse{"CSMSRootCertificate": v16.CertificateUseCentralSystemRootCertificate,
			"ManufacturerRootCertificate": v16.CertificateUseManufacturerRootCertificate}[g.Types[0]]
		if use == "" {
			return station.Answer{}, &ladda.Error{Kind: ladda.Invalid, Op: "ocpp.Execute", Message: "OCPP 1.6 stations have only CSMSRootCertificate and ManufacturerRootCertificate"}
		}
		var res v16.GetInstalledCertificateIDsResponse
		if err := c.Send(ctx, id, "GetInstalledCertificateIds", &v16.GetInstalledCertificateIDsRequest{CertificateType: use}, &res); err != nil {
			return station.Answer{}, err
		}
		a := station.Answer{Status: string(res.Status)}
		for _, h := range res.CertificateHashData {
			a.Certificates = append(a.Certificates, station.CertificateHash{Type: g.Types[0], HashAlgorithm: string(h.HashAlgorithm),
				IssuerNameHash: h.IssuerNameHash, IssuerKeyHash: h.IssuerKeyHash, SerialNumber: h.SerialNumber})
		}
		return a, nil
	}
	req := &v201.GetInstalledCertificateIDsRequest{}
	for _, t := range g.Types {
		req.CertificateType = append(req.CertificateType, v201.GetCertificateIDUse(t))
	}
	var res v201.GetInstalledCertificateIDsResponse
	if err := c.Send(ctx, id, "GetInstalledCertificateIds", req, &res); err != nil {
		return station.Answer{}, err
	}
	a := station.Answer{Status: string(res.Status)}
	if res.StatusInfo != nil {
		a.Reason = res.StatusInfo.ReasonCode
	}
	for _, ch := range res.CertificateHashDataChain {
		h := ch.CertificateHashData
		a.Certificates = append(a.Certificates, station.CertificateHash{Type: string(ch.CertificateType), HashAlgorithm: string(h.HashAlgorithm),
			IssuerNameHash: h.IssuerNameHash, IssuerKeyHash: h.IssuerKeyHash, SerialNumber: h.SerialNumber})
	}
	return a, nil
}

// signCertificate asks the PKI to sign a station's request; it is signed and sent back
// (CertificateSigned) afterwards.
func (r *Router) signCertificate(ctx context.Context, c call, kind, csr string) (bool, string, error) {
	if r.pki == nil {
		return false, "this CSMS signs no certificates", nil
	}
	return r.pki.Requested(ctx, c.station, kind, csr)
}

func signCertificate16(ctx context.Context, r *Router, c call, req *v16.SignCertificateRequest) (any, error) {
	ok, reason, err := r.signCertificate(ctx, c, pki.KindStation, req.CSR)
	if err != nil {
		return nil, err
	}
	if !ok {
		r.log.Warn("certificate request refused", "station", c.station, "reason", reason)
		return &v16.SignCertificateResponse{Status: v16.GenericStatusRejected}, nil
	}
	return &v16.SignCertificateResponse{Status: v16.GenericStatusAccepted}, nil
}

func signCertificate201(ctx context.Context, r *Router, c call, req *v201.SignCertificateRequest) (any, error) {
	kind := string(req.CertificateType)
	if kind == "" {
		kind = pki.KindStation
	}
	ok, reason, err := r.signCertificate(ctx, c, kind, req.CSR)
	if err != nil {
		return nil, err
	}
	if !ok {
		r.log.Warn("certificate request refused", "station", c.station, "reason", reason)
		return &v201.SignCertificateResponse{Status: v201.GenericStatusRejected, StatusInfo: &v201.StatusInfo{ReasonCode: "InvalidCSR", AdditionalInfo: truncate(reason, 512)}}, nil
	}
	return &v201.SignCertificateResponse{Status: v201.GenericStatusAccepted}, nil
}

// getCertificateStatus201 answers a station's OCSP question through Ladda's OCSP client.
func getCertificateStatus201(ctx context.Context, r *Router, c call, req *v201.GetCertificateStatusRequest) (any, error) {
	if r.pki != nil {
		if result, ok := r.pki.CertificateStatus(ctx, c.station, ocspRequest(req.OCSPRequestData)); ok && len(result) <= 5500 {
			return &v201.GetCertificateStatusResponse{Status: v201.GetCertificateStatusAccepted, OCSPResult: result}, nil
		}
	}
	return &v201.GetCertificateStatusResponse{Status: v201.GetCertificateStatusFailed}, nil
}

// get15118EVCertificate201 passes an EV's contract certificate request to the provider.
func get15118EVCertificate201(ctx context.Context, r *Router, c call, req *v201.Get15118EVCertificateRequest) (any, error) {
	if r.pki != nil {
		if res, ok := r.pki.EVCertificate(ctx, c.station, req.ISO15118SchemaVersion, string(req.Action), req.EXIRequest); ok && len(res) <= 5600 {
			return &v201.Get15118EVCertificateResponse{Status: v201.ISO15118EVCertificateStatusAccepted, EXIResponse: res}, nil
		}
	}
	// exiResponse is required even when it failed; an empty one says nothing.
	return &v201.Get15118EVCertificateResponse{Status: v201.ISO15118EVCertificateStatusFailed, EXIResponse: ""}, nil
}

// truncate cuts s to at most n bytes.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
