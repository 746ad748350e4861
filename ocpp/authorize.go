package ocpp

import (
	"context"

	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
	"github.com/ladda-csms/ladda/pki"
)

// authorize16 handles 1.6 Authorize: may this id tag charge?
func authorize16(ctx context.Context, r *Router, _ call, req *v16.AuthorizeRequest) (any, error) {
	info, err := r.charging.Authorize(ctx, req.IDTag, 0)
	if err != nil {
		return nil, err
	}
	return &v16.AuthorizeResponse{IDTagInfo: idTagInfo16(info)}, nil
}

// authorize201 handles 2.0.1 Authorize. A token that comes with an ISO 15118 contract
// certificate (Plug & Charge: the chain, or the hash data of one the station checked itself)
// is accepted only when the certificate checks out too; the answer then says why not.
func authorize201(ctx context.Context, r *Router, c call, req *v201.AuthorizeRequest) (any, error) {
	info, err := r.charging.Authorize(ctx, req.IDToken.IDToken, 0)
	if err != nil {
		return nil, err
	}
	res := &v201.AuthorizeResponse{IDTokenInfo: idTokenInfo201(info)}
	if req.Certificate == "" && len(req.ISO15118CertificateHashData) == 0 {
		return res, nil
	}
	status := pki.ContractNoCertificate
	if r.pki != nil {
		var hashes []pki.OCSPRequest
		for _, h := range req.ISO15118CertificateHashData {
			hashes = append(hashes, ocspRequest(h))
		}
		if status, err = r.pki.CheckContract(ctx, c.station, req.IDToken.IDToken, req.Certificate, hashes); err != nil {
			return nil, err
		}
	}
	res.CertificateStatus = v201.AuthorizeCertificateStatus(status)
	if status != pki.ContractAccepted && res.IDTokenInfo.Status == v201.AuthorizationStatusAccepted {
		res.IDTokenInfo.Status = v201.AuthorizationStatusInvalid
	}
	return res, nil
}

// ocspRequest is the version-neutral form of 2.0.1 OCSPRequestData.
func ocspRequest(h v201.OCSPRequestData) pki.OCSPRequest {
	return pki.OCSPRequest{HashAlgorithm: string(h.HashAlgorithm), IssuerNameHash: h.IssuerNameHash,
		IssuerKeyHash: h.IssuerKeyHash, SerialNumber: h.SerialNumber, ResponderURL: h.ResponderURL}
}
