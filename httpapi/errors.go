package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ladda-csms/ladda"
)

// statusOf is THE mapping from the kind of an error to an HTTP status. Invalid is 422: the request
// was well-formed (malformed JSON is answered 400 by huma before any handler runs) but breaks a
// rule.
func statusOf(err error) int {
	switch ladda.ErrorKind(err) {
	case ladda.Invalid:
		return http.StatusUnprocessableEntity
	case ladda.NotFound:
		return http.StatusNotFound
	case ladda.Conflict:
		return http.StatusConflict
	case ladda.Unauthorized:
		return http.StatusUnauthorized
	case ladda.Forbidden:
		return http.StatusForbidden
	case ladda.Unavailable:
		return http.StatusServiceUnavailable
	case ladda.Timeout:
		return http.StatusGatewayTimeout
	case ladda.TooManyRequests:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// fail turns err, returned by the handler of operation op, into the error response: the status
// of its kind and its caller-facing message. Errors that are not the caller's fault are logged
// with their cause; an internal one shows only a generic message.
func (s *server) fail(ctx context.Context, op string, err error) huma.StatusError {
	if se, ok := err.(huma.StatusError); ok {
		return se // already an HTTP error, such as a validation failure
	}
	status := statusOf(err)
	msg := ladda.ErrorMessage(err)
	if status >= 500 {
		level := slog.LevelWarn
		if status == http.StatusInternalServerError {
			level, msg = slog.LevelError, "internal error"
		}
		attrs := []any{"op", op, "status", status, "err", err}
		if by := requestedBy(ctx); by != "" {
			attrs = append(attrs, "caller", by)
		}
		s.log.Log(ctx, level, "API request failed", attrs...)
	}
	return huma.NewError(status, msg)
}

// writeProblem writes an error outside huma's handlers (unknown routes, wrong methods, panics)
// in the same shape as every other error.
func writeProblem(w http.ResponseWriter, status int, msg string) {
	var body any = huma.NewError(status, msg)
	ct := "application/json"
	if f, ok := body.(huma.ContentTypeFilter); ok {
		ct = f.ContentType(ct)
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

// scrubErrors keeps secrets and bulk out of error bodies: huma echoes the offending value of a
// validation error, which for malformed JSON is the whole body and may be a password.
func scrubErrors(_ huma.Context, _ string, v any) (any, error) {
	if e, ok := v.(*huma.ErrorModel); ok {
		for _, d := range e.Errors {
			if d != nil && (d.Location == "body" || strings.HasSuffix(strings.ToLower(d.Location), "password")) {
				d.Value = nil
			}
		}
	}
	return v, nil
}
