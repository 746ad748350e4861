package storetest

import (
	"errors"
	"strings"
	"testing"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/station"
)

// MustCreateOrg stores an organisation created at t0.
func MustCreateOrg(tb testing.TB, s Store, name string, kind account.OrgKind) *account.Organisation {
	tb.Helper()
	o := &account.Organisation{Name: name, Kind: kind, CreatedAt: t0}
	if err := s.CreateOrganisation(tb.Context(), o); err != nil {
		tb.Fatalf("CreateOrganisation(%s): %v", name, err)
	}
	return o
}

func testOrganisations(t *testing.T, open func(t *testing.T) Store) {
	t.Run("organisations get growing IDs, read back, list oldest first and are renamed", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a := MustCreateOrg(t, s, "Charge AB", account.OperatorOrg)
		b := MustCreateOrg(t, s, "Fleet Ltd", account.FleetOrg)
		if a.ID <= 0 || b.ID <= a.ID {
			t.Fatalf("IDs %d, %d: want growing, > 0", a.ID, b.ID)
		}
		got, err := s.Organisation(t.Context(), b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != b.ID || got.Name != "Fleet Ltd" || got.Kind != account.FleetOrg {
			t.Errorf("got %+v, want %+v", got, b)
		}
		wantTime(t, "CreatedAt", got.CreatedAt, t0)
		if err := s.RenameOrganisation(t.Context(), a.ID, "Laddö Norr"); err != nil {
			t.Fatal(err)
		}
		list, err := s.Organisations(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != a.ID || list[0].Name != "Laddö Norr" || list[1].ID != b.ID {
			t.Errorf("Organisations = %+v, want %d (renamed), %d", list, a.ID, b.ID)
		}
		_, err = s.Organisation(t.Context(), b.ID+100)
		wantKind(t, err, ladda.NotFound)
		wantKind(t, s.RenameOrganisation(t.Context(), b.ID+100, "x"), ladda.NotFound)
		wantKind(t, s.DeleteOrganisation(t.Context(), b.ID+100), ladda.NotFound)
	})

	t.Run("an organisation is deleted only once nothing belongs to it; its webhooks go with it", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		org := MustCreateOrg(t, s, "Op", account.OperatorOrg)
		other := MustCreateOrg(t, s, "Other", account.OperatorOrg)
		MustCreateStation(t, s, "CS-1")
		if _, err := s.UpdateStation(t.Context(), "CS-1", station.Update{OrgID: ptr(org.ID)}, t0); err != nil {
			t.Fatal(err)
		}
		MustCreateToken(t, s, &charging.IDToken{Token: "T1", OrgID: org.ID})
		u := newUser("op@example.com")
		u.OrgID, u.Role = org.ID, account.Operator
		mustCreateUser(t, s, u)
		hook := mustCreateWebhook(t, s, &account.Webhook{OrgID: org.ID, URL: "https://example.com/hook", Secret: []byte("s"), Active: true})
		// A key of the other organisation: it holds the organisation until it is revoked.
		key := &account.APIKey{Name: "k", Prefix: "p", Hash: []byte("h"), OrgID: other.ID, Scopes: []account.Scope{account.ScopeRead}, CreatedAt: t0}
		if err := s.CreateAPIKey(t.Context(), key); err != nil {
			t.Fatal(err)
		}

		err := s.DeleteOrganisation(t.Context(), org.ID)
		wantKind(t, err, ladda.Conflict)
		var e *ladda.Error
		if errors.As(err, &e) {
			for _, what := range []string{"1 user", "1 station", "1 ID token"} {
				if !strings.Contains(e.Message, what) {
					t.Errorf("conflict %q does not name %s", e.Message, what)
				}
			}
			if strings.Contains(e.Message, "API key") {
				t.Errorf("conflict %q names API keys of another organisation", e.Message)
			}
		}
		if err := s.DeleteOrganisation(t.Context(), other.ID); !ladda.IsKind(err, ladda.Conflict) || !strings.Contains(err.Error(), "1 API key") {
			t.Errorf("deleting an organisation with a key: %v, want a conflict naming 1 API key", err)
		}
		if err := s.RevokeAPIKey(t.Context(), key.ID, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteOrganisation(t.Context(), other.ID); err != nil {
			t.Errorf("deleting an organisation whose only key is revoked: %v", err)
		}
		_, err = s.APIKey(t.Context(), key.ID)
		wantKind(t, err, ladda.NotFound)

		// Take each away; the delete is refused until the last is gone.
		steps := []func() error{
			func() error {
				_, err := s.UpdateStation(t.Context(), "CS-1", station.Update{OrgID: ptr(int64(0))}, t0)
				return err
			},
			func() error {
				_, err := s.UpdateIDToken(t.Context(), "T1", charging.TokenUpdate{OrgID: ptr(int64(0))}, t0)
				return err
			},
			func() error { return s.DeleteUser(t.Context(), u.ID, t0) },
		}
		for i, step := range steps {
			if err := step(); err != nil {
				t.Fatal(err)
			}
			err := s.DeleteOrganisation(t.Context(), org.ID)
			if i < len(steps)-1 {
				wantKind(t, err, ladda.Conflict)
			} else if err != nil {
				t.Fatalf("deleting the emptied organisation: %v", err)
			}
		}
		_, err = s.Organisation(t.Context(), org.ID)
		wantKind(t, err, ladda.NotFound)
		_, err = s.Webhook(t.Context(), hook.ID)
		wantKind(t, err, ladda.NotFound)
		if st := MustStation(t, s, "CS-1"); st.OrgID != 0 {
			t.Errorf("station's OrgID = %d, want 0", st.OrgID)
		}
	})

	t.Run("an organisation needs a name and a kind", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		wantKind(t, s.CreateOrganisation(t.Context(), &account.Organisation{Kind: account.FleetOrg, CreatedAt: t0}), ladda.Invalid)
		wantKind(t, s.CreateOrganisation(t.Context(), &account.Organisation{Name: "x", CreatedAt: t0}), ladda.Invalid)
		wantKind(t, s.CreateOrganisation(t.Context(), &account.Organisation{Name: "x\x00", Kind: account.FleetOrg, CreatedAt: t0}), ladda.Invalid)
		o := MustCreateOrg(t, s, "x", account.FleetOrg)
		wantKind(t, s.RenameOrganisation(t.Context(), o.ID, ""), ladda.Invalid)
		if list, err := s.Organisations(t.Context()); err != nil || len(list) != 1 {
			t.Errorf("Organisations = %d, %v; want only the valid one", len(list), err)
		}
	})
}
