package gateway

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/ladda-csms/ladda"
)

// Credentials are what a station presents when it connects, read from the handshake request
// before the upgrade. The gateway has checked already that the basic-auth user and the
// client certificate's common name, when present, equal StationID.
type Credentials struct {
	StationID   string
	Password    string // from HTTP basic auth (security profiles 1 and 2)
	HasPassword bool   // whether basic auth was sent at all
	// ClientCert is the client certificate verified by the TLS layer (security profile 3),
	// nil without one. An unverified certificate is never passed on.
	ClientCert *x509.Certificate
	TLS        bool
	RemoteAddr string
}

// Authenticator decides, before the upgrade, whether a station may connect.
type Authenticator interface {
	// AuthenticateStation returns nil to let the station in. Any error refuses it with HTTP
	// 401; the error's message is shown to the station only when it is a *ladda.Error of kind
	// ladda.Unauthorized, other errors are logged and answered with a generic text.
	AuthenticateStation(ctx context.Context, c Credentials) error
}

// AuthenticatorFunc is a function used as an Authenticator.
type AuthenticatorFunc func(ctx context.Context, c Credentials) error

// AuthenticateStation calls f.
func (f AuthenticatorFunc) AuthenticateStation(ctx context.Context, c Credentials) error {
	return f(ctx, c)
}

var _ Authenticator = AuthenticatorFunc(nil)

// credentials reads the station's credentials from the handshake request. It refuses a
// basic-auth user or a certificate common name that is not the station id: a station may
// only speak for itself.
func credentials(r *http.Request, id string) (Credentials, error) {
	c := Credentials{StationID: id, TLS: r.TLS != nil, RemoteAddr: r.RemoteAddr}
	if user, pass, ok := r.BasicAuth(); ok {
		if user != id {
			return c, ladda.Errorf(ladda.Unauthorized, "gateway.authenticate", "basic-auth user does not match the station id")
		}
		c.Password, c.HasPassword = pass, true
	}
	if r.TLS != nil && len(r.TLS.VerifiedChains) > 0 && len(r.TLS.VerifiedChains[0]) > 0 {
		cert := r.TLS.VerifiedChains[0][0]
		if cert.Subject.CommonName != id {
			return c, ladda.Errorf(ladda.Unauthorized, "gateway.authenticate", "client certificate common name does not match the station id")
		}
		c.ClientCert = cert
	}
	return c, nil
}

// publicMessage is the text a refused station sees for err.
// refusedForCredentials reports whether an authentication error is a verdict on the
// credentials (401) rather than a failure to check them (503). Errors that are not ours are
// credential problems of our own making, such as a basic-auth user that is not the station.
func refusedForCredentials(err error) bool {
	var le *ladda.Error
	if !errors.As(err, &le) {
		return true
	}
	return le.Kind == ladda.Unauthorized || le.Kind == ladda.Forbidden || le.Kind == ladda.Invalid
}

func publicMessage(err error) string {
	var le *ladda.Error
	if errors.As(err, &le) && le.Kind == ladda.Unauthorized && le.Message != "" {
		return le.Message
	}
	return "unauthorized"
}

// writeJSONError writes {"error": msg} with status.
func writeJSONError(w http.ResponseWriter, status int, msg string) {
	body, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{msg})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
