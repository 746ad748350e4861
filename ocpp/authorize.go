package ocpp

import (
	"context"

	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
)

// authorize16 handles 1.6 Authorize: may this id tag charge?
func authorize16(ctx context.Context, r *Router, _ call, req *v16.AuthorizeRequest) (any, error) {
	info, err := r.charging.Authorize(ctx, req.IDTag, 0)
	if err != nil {
		return nil, err
	}
	return &v16.AuthorizeResponse{IDTagInfo: idTagInfo16(info)}, nil
}

// authorize201 handles 2.0.1 Authorize. Contract certificates (ISO 15118 Plug & Charge) are
// answered with the token's status alone until the certificate issue adds OCSP checks.
func authorize201(ctx context.Context, r *Router, _ call, req *v201.AuthorizeRequest) (any, error) {
	info, err := r.charging.Authorize(ctx, req.IDToken.IDToken, 0)
	if err != nil {
		return nil, err
	}
	return &v201.AuthorizeResponse{IDTokenInfo: idTokenInfo201(info)}, nil
}
