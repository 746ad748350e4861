package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/station"
)

func TestHealthz(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var got Health
	e.callWith(t, http.MethodGet, "/healthz", nil, "").mustStatus(t, 200).decode(t, &got)
	if got.Status != "ok" {
		t.Errorf("status %q", got.Status)
	}
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	t.Run("store answers", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		var got Health
		e.callWith(t, http.MethodGet, "/readyz", nil, "").mustStatus(t, 200).decode(t, &got)
		if got.Status != "ok" {
			t.Errorf("status %q", got.Status)
		}
	})
	t.Run("store closed", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		if err := e.db.Close(); err != nil {
			t.Fatal(err)
		}
		e.callWith(t, http.MethodGet, "/readyz", nil, "").mustProblem(t, http.StatusServiceUnavailable)
	})
	t.Run("probe fails", func(t *testing.T) {
		t.Parallel()
		h := New(Services{
			Stations: station.NewService(nil, nil, nil, nil, station.Config{}),
			Charging: charging.NewService(nil, nil, nil, nil, charging.Config{}),
			Accounts: account.NewService(nil, account.Options{}),
			Ready:    func(context.Context) error { return errors.New("secret connection string") },
		})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		r := &response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
		p := r.mustProblem(t, http.StatusServiceUnavailable)
		if p.Detail != "the store does not answer" {
			t.Errorf("detail %q", p.Detail)
		}
	})
}
