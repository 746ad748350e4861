package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/charging"
)

// newUser returns a driver with the given email, as a caller normalised it, created at t0.
func newUser(email string) *account.User {
	return &account.User{Email: email, Name: "Name of " + email, Language: "sv", Role: account.Driver,
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", Prefs: account.DefaultPreferences, CreatedAt: t0, UpdatedAt: t0}
}

// MustCreateUser stores a driver with the given email and no organisation.
func MustCreateUser(tb testing.TB, s Store, email string) *account.User {
	tb.Helper()
	return mustCreateUser(tb, s, newUser(email))
}

func mustCreateUser(tb testing.TB, s Store, u *account.User) *account.User {
	tb.Helper()
	if err := s.CreateUser(tb.Context(), u); err != nil {
		tb.Fatalf("CreateUser(%s): %v", u.Email, err)
	}
	if u.ID <= 0 {
		tb.Fatalf("CreateUser(%s): ID = %d, want > 0", u.Email, u.ID)
	}
	return u
}

// wantUser fails unless got is want as stored, times in UTC.
func wantUser(tb testing.TB, got, want *account.User) {
	tb.Helper()
	g, w := *got, *want
	for _, tt := range []struct {
		name      string
		got, want *time.Time
	}{{"EmailVerifiedAt", g.EmailVerifiedAt, w.EmailVerifiedAt}, {"TOTPEnabledAt", g.TOTPEnabledAt, w.TOTPEnabledAt},
		{"CreatedAt", &g.CreatedAt, &w.CreatedAt}, {"UpdatedAt", &g.UpdatedAt, &w.UpdatedAt}} {
		wantTimePtr(tb, fmt.Sprintf("user %d: %s", w.ID, tt.name), tt.got, tt.want)
	}
	g.EmailVerifiedAt, g.TOTPEnabledAt, g.CreatedAt, g.UpdatedAt = nil, nil, time.Time{}, time.Time{}
	w.EmailVerifiedAt, w.TOTPEnabledAt, w.CreatedAt, w.UpdatedAt = nil, nil, time.Time{}, time.Time{}
	if g != w {
		tb.Errorf("user %d:\n got %+v\nwant %+v", w.ID, g, w)
	}
}

// userIDs returns the IDs of list, in order.
func userIDs(list []*account.User) []int64 {
	ids := make([]int64, len(list))
	for i, u := range list {
		ids[i] = u.ID
	}
	return ids
}

func testUsers(t *testing.T, open func(t *testing.T) Store) {
	t.Run("a created user reads back by ID and by email as stored", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		org := MustCreateOrg(t, s, "Fleet", account.FleetOrg)
		want := newUser("anna.berg@example.com")
		want.Name, want.Role, want.OrgID, want.Language = "Anna Berg", account.FleetManager, org.ID, "en"
		want.EmailVerifiedAt, want.TOTPSecret, want.TOTPEnabledAt, want.TOTPLastStep = ptr(at(time.Minute)), "JBSWY3DPEHPK3PXP", ptr(at(2*time.Minute)), 58_000_000
		want.Prefs = account.Preferences{SessionStarted: true, Receipt: true, StationFree: true, Webhook: true}
		want.UpdatedAt = at(3 * time.Minute)
		mustCreateUser(t, s, want)
		other := MustCreateUser(t, s, "other@example.com")
		if other.ID <= want.ID {
			t.Errorf("IDs %d, %d: want growing", want.ID, other.ID)
		}
		got, err := s.User(t.Context(), want.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantUser(t, got, want)
		got, err = s.UserByEmail(t.Context(), "anna.berg@example.com")
		if err != nil {
			t.Fatal(err)
		}
		wantUser(t, got, want)
		// A user without name or second factor.
		bare := &account.User{Email: "bare@example.com", Role: account.Driver, CreatedAt: t0, UpdatedAt: t0}
		mustCreateUser(t, s, bare)
		got, err = s.User(t.Context(), bare.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantUser(t, got, bare)

		_, err = s.User(t.Context(), bare.ID+100)
		wantKind(t, err, ladda.NotFound)
		_, err = s.UserByEmail(t.Context(), "nobody@example.com")
		wantKind(t, err, ladda.NotFound)
	})

	t.Run("an email in use is a conflict; a user needs an email and a role, and a known organisation", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateUser(t, s, "anna@example.com")
		// Callers normalise emails; the store keeps them unique by the normalised form too.
		for _, email := range []string{"anna@example.com", "Anna@Example.com", " anna@example.com"} {
			wantKind(t, s.CreateUser(t.Context(), newUser(email)), ladda.Conflict)
		}
		u := newUser("bo@example.com")
		u.OrgID = 999
		wantKind(t, s.CreateUser(t.Context(), u), ladda.NotFound)
		wantKind(t, s.CreateUser(t.Context(), &account.User{Role: account.Driver, CreatedAt: t0, UpdatedAt: t0}), ladda.Invalid)
		wantKind(t, s.CreateUser(t.Context(), &account.User{Email: "cy@example.com", CreatedAt: t0, UpdatedAt: t0}), ladda.Invalid)
		list, err := s.Users(t.Context(), account.UserFilter{})
		if err != nil || len(list) != 1 {
			t.Errorf("Users = %d, %v; want only the first", len(list), err)
		}
	})

	t.Run("users list by ID with filters and keyset pagination", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a, b := MustCreateOrg(t, s, "A", account.FleetOrg), MustCreateOrg(t, s, "B", account.OperatorOrg)
		var users []*account.User
		for i, c := range []struct {
			org  int64
			role account.Role
		}{{0, account.Admin}, {a.ID, account.FleetManager}, {a.ID, account.Driver}, {b.ID, account.Operator}, {0, account.Driver}, {a.ID, account.Driver}} {
			u := newUser(fmt.Sprintf("u%d@example.com", i))
			u.OrgID, u.Role = c.org, c.role
			users = append(users, mustCreateUser(t, s, u))
		}
		ids := func(is ...int) []int64 {
			var out []int64
			for _, i := range is {
				out = append(out, users[i].ID)
			}
			return out
		}
		for _, tt := range []struct {
			name string
			f    account.UserFilter
			want []int64
		}{
			{"all", account.UserFilter{}, ids(0, 1, 2, 3, 4, 5)},
			{"page", account.UserFilter{After: users[1].ID, Limit: 2}, ids(2, 3)},
			{"organisation", account.UserFilter{OrgID: a.ID}, ids(1, 2, 5)},
			{"role", account.UserFilter{Role: account.Driver}, ids(2, 4, 5)},
			{"drivers of an organisation", account.UserFilter{OrgID: a.ID, Role: account.Driver}, ids(2, 5)},
			{"drivers after one", account.UserFilter{Role: account.Driver, After: users[2].ID, Limit: 1}, ids(4)},
			{"unknown organisation", account.UserFilter{OrgID: b.ID + 100}, nil},
		} {
			list, err := s.Users(t.Context(), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := userIDs(list); !slices.Equal(got, tt.want) {
				t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
			}
		}
		if list, err := s.Users(t.Context(), account.UserFilter{OrgID: a.ID, Limit: 1}); err != nil || len(list) != 1 || list[0].Email != "u1@example.com" {
			t.Errorf("listed users are not read back whole: %+v, %v", list, err)
		}
	})

	t.Run("a list without limit returns 100 users", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		parallel(t, 101, func(i int) error { return s.CreateUser(t.Context(), newUser(fmt.Sprintf("u%03d@example.com", i))) })
		if list, err := s.Users(t.Context(), account.UserFilter{}); err != nil || len(list) != 100 {
			t.Errorf("got %d users, %v; want 100", len(list), err)
		}
	})

	t.Run("update changes only the given fields", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		org := MustCreateOrg(t, s, "Op", account.OperatorOrg)
		want := MustCreateUser(t, s, "u@example.com")
		for i, tt := range []struct {
			name   string
			u      account.UserUpdate
			change func(u *account.User)
		}{
			{"nothing", account.UserUpdate{}, func(*account.User) {}},
			{"name, language, role, organisation", account.UserUpdate{Name: ptr("Bo"), Language: ptr("en"), Role: ptr(account.Operator), OrgID: ptr(org.ID)},
				func(u *account.User) { u.Name, u.Language, u.Role, u.OrgID = "Bo", "en", account.Operator, org.ID }},
			{"password and verification", account.UserUpdate{PasswordHash: ptr("$argon2id$new"), EmailVerifiedAt: ptr(at(time.Hour))},
				func(u *account.User) { u.PasswordHash, u.EmailVerifiedAt = "$argon2id$new", ptr(at(time.Hour)) }},
			{"a second factor in enrolment", account.UserUpdate{TOTPSecret: ptr("SECRET")}, func(u *account.User) { u.TOTPSecret = "SECRET" }},
			{"enabled", account.UserUpdate{TOTPEnabledAt: ptr(at(2 * time.Hour))}, func(u *account.User) { u.TOTPEnabledAt = ptr(at(2 * time.Hour)) }},
			{"preferences", account.UserUpdate{Prefs: &account.Preferences{NewLogin: true}}, func(u *account.User) { u.Prefs = account.Preferences{NewLogin: true} }},
			{"no name, no organisation", account.UserUpdate{Name: ptr(""), OrgID: ptr(int64(0))}, func(u *account.User) { u.Name, u.OrgID = "", 0 }},
			{"secret removed", account.UserUpdate{TOTPSecret: ptr("")}, func(u *account.User) { u.TOTPSecret = "" }},
			{"second factor cleared", account.UserUpdate{TOTPSecret: ptr("NEW"), ClearTOTP: true},
				func(u *account.User) { u.TOTPSecret, u.TOTPEnabledAt, u.TOTPLastStep = "", nil, 0 }},
		} {
			tt.u.UpdatedAt = at(time.Duration(i+1) * time.Minute)
			got, err := s.UpdateUser(t.Context(), want.ID, tt.u)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			tt.change(want)
			want.UpdatedAt = tt.u.UpdatedAt
			wantUser(t, got, want)
			stored, err := s.User(t.Context(), want.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantUser(t, stored, want)
		}
		_, err := s.UpdateUser(t.Context(), want.ID+100, account.UserUpdate{Name: ptr("x"), UpdatedAt: t0})
		wantKind(t, err, ladda.NotFound)
		_, err = s.UpdateUser(t.Context(), want.ID, account.UserUpdate{OrgID: ptr(org.ID + 100), UpdatedAt: t0})
		wantKind(t, err, ladda.NotFound)
	})

	t.Run("a TOTP step advances only forward, once", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		u := MustCreateUser(t, s, "tove@example.com")
		for _, c := range []struct {
			step int64
			want bool
		}{{100, true}, {100, false}, {99, false}, {101, true}} {
			got, err := s.AdvanceTOTPStep(t.Context(), u.ID, c.step)
			if err != nil || got != c.want {
				t.Errorf("AdvanceTOTPStep(%d) = %v, %v; want %v", c.step, got, err, c.want)
			}
		}
		if got, _ := s.User(t.Context(), u.ID); got.TOTPLastStep != 101 {
			t.Errorf("TOTPLastStep = %d", got.TOTPLastStep)
		}
		// Uses of one code at once: one wins.
		oneWins(t, 4, func(int) (bool, error) { return s.AdvanceTOTPStep(t.Context(), u.ID, 200) })
		ok, err := s.AdvanceTOTPStep(t.Context(), 999999, 1)
		if ok || err != nil {
			t.Errorf("unknown user: %v, %v", ok, err)
		}
	})

	t.Run("deleting a user removes what is theirs, blocks their cards and keeps the audit log", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		u := MustCreateUser(t, s, "gone@example.com")
		keep := MustCreateUser(t, s, "kept@example.com")
		MustCreateStation(t, s, "CS-1")
		for _, id := range []int64{u.ID, keep.ID} {
			mustCreateSession(t, s, id, fmt.Sprint("session of ", id), at(time.Hour))
			if err := s.CreateToken(t.Context(), &account.OneTimeToken{Hash: []byte(fmt.Sprint("token of ", id)), Purpose: account.VerifyEmailToken,
				UserID: id, CreatedAt: t0, ExpiresAt: at(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			if err := s.SetRecoveryCodes(t.Context(), id, [][]byte{[]byte(fmt.Sprint("code of ", id))}); err != nil {
				t.Fatal(err)
			}
			if err := s.SetFavourite(t.Context(), &account.Favourite{UserID: id, StationID: "CS-1", Watch: true, CreatedAt: t0}); err != nil {
				t.Fatal(err)
			}
			hook := mustCreateWebhook(t, s, &account.Webhook{UserID: id, URL: "https://example.com", Secret: []byte("s"), Active: true})
			mustEnqueue(t, s, &account.Delivery{Kind: account.WebhookDelivery, WebhookID: hook.ID, Event: "session.stopped", Payload: []byte("{}")},
				&account.Delivery{Kind: account.EmailDelivery, UserID: id, Template: "receipt"})
			MustCreateToken(t, s, &charging.IDToken{Token: fmt.Sprint("CARD-", id), UserID: id, Label: "my card"})
		}
		key := &account.APIKey{Name: "made by", Prefix: "p", Hash: []byte("h"), Scopes: []account.Scope{account.ScopeAdmin}, CreatedBy: u.ID, CreatedAt: t0}
		if err := s.CreateAPIKey(t.Context(), key); err != nil {
			t.Fatal(err)
		}
		mustAppendAudit(t, s, &account.AuditEvent{At: t0, ActorKind: "user", ActorID: u.ID, Action: "auth.login", Outcome: "ok"})

		if err := s.DeleteUser(t.Context(), u.ID, at(time.Minute)); err != nil {
			t.Fatal(err)
		}
		_, err := s.User(t.Context(), u.ID)
		wantKind(t, err, ladda.NotFound)
		_, err = s.UserByEmail(t.Context(), "gone@example.com")
		wantKind(t, err, ladda.NotFound)
		wantKind(t, s.DeleteUser(t.Context(), u.ID, t0), ladda.NotFound)

		// Theirs is gone, the other user's is all there.
		for _, c := range []struct {
			id   int64
			want int
		}{{u.ID, 0}, {keep.ID, 1}} {
			sessions, err := s.Sessions(t.Context(), c.id, t0)
			if err != nil {
				t.Fatal(err)
			}
			codes, err := s.RecoveryCodes(t.Context(), c.id)
			if err != nil {
				t.Fatal(err)
			}
			favs, err := s.Favourites(t.Context(), c.id)
			if err != nil {
				t.Fatal(err)
			}
			hooks, err := s.Webhooks(t.Context(), 0, c.id)
			if err != nil {
				t.Fatal(err)
			}
			emails, err := s.Deliveries(t.Context(), account.DeliveryFilter{UserID: c.id})
			if err != nil {
				t.Fatal(err)
			}
			for name, n := range map[string]int{"sessions": len(sessions), "recovery codes": len(codes), "favourites": len(favs), "webhooks": len(hooks), "emails": len(emails)} {
				if n != c.want {
					t.Errorf("user %d has %d %s, want %d", c.id, n, name, c.want)
				}
			}
			_, err = s.UseToken(t.Context(), []byte(fmt.Sprint("token of ", c.id)), account.VerifyEmailToken, t0)
			if c.want == 0 {
				wantKind(t, err, ladda.NotFound)
			} else if err != nil {
				t.Errorf("the kept user's token: %v", err)
			}
		}
		if list, err := s.Deliveries(t.Context(), account.DeliveryFilter{}); err != nil || len(list) != 2 {
			t.Errorf("deliveries left: %d, %v; want the kept user's 2", len(list), err)
		}
		if list, err := s.Watchers(t.Context(), "CS-1"); err != nil || len(list) != 1 || list[0].UserID != keep.ID {
			t.Errorf("watchers of CS-1: %+v, %v; want only user %d", list, err, keep.ID)
		}
		// Their card is unlinked and blocked; the other's is as it was.
		card, err := s.IDToken(t.Context(), fmt.Sprint("CARD-", u.ID))
		if err != nil {
			t.Fatal(err)
		}
		if card.UserID != 0 || card.Status != charging.Blocked || card.Label != "my card" {
			t.Errorf("the deleted user's card: %+v, want no owner, Blocked", card)
		}
		wantTime(t, "card.UpdatedAt", card.UpdatedAt, at(time.Minute))
		if card, err := s.IDToken(t.Context(), fmt.Sprint("CARD-", keep.ID)); err != nil || card.UserID != keep.ID || card.Status != charging.Accepted {
			t.Errorf("the kept user's card: %+v, %v", card, err)
		}
		// The audit log and the keys they made remain.
		if list, err := s.AuditEvents(t.Context(), account.AuditFilter{Kind: "user", ActorID: u.ID}); err != nil || len(list) != 1 {
			t.Errorf("audit events of the deleted user: %d, %v; want 1", len(list), err)
		}
		if k, err := s.APIKey(t.Context(), key.ID); err != nil || k.CreatedBy != u.ID {
			t.Errorf("key made by the deleted user: %+v, %v", k, err)
		}
	})
}

func testFavourites(t *testing.T, open func(t *testing.T) Store) {
	t.Run("favourites are set, changed, listed by station and by user, and deleted", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a, b := MustCreateUser(t, s, "a@example.com"), MustCreateUser(t, s, "b@example.com")
		for _, id := range []ladda.StationID{"CS-2", "CS-1", "CS-3"} {
			MustCreateStation(t, s, id)
		}
		for _, f := range []*account.Favourite{
			{UserID: a.ID, StationID: "CS-2", CreatedAt: t0},
			{UserID: a.ID, StationID: "CS-1", Watch: true, CreatedAt: at(time.Minute)},
			{UserID: b.ID, StationID: "CS-1", CreatedAt: at(2 * time.Minute)},
		} {
			if err := s.SetFavourite(t.Context(), f); err != nil {
				t.Fatal(err)
			}
		}
		// Changing one keeps the time it was made.
		if err := s.SetFavourite(t.Context(), &account.Favourite{UserID: a.ID, StationID: "CS-2", Watch: true, CreatedAt: at(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		favs, err := s.Favourites(t.Context(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(favs) != 2 || favs[0].StationID != "CS-1" || !favs[0].Watch || favs[1].StationID != "CS-2" || !favs[1].Watch || favs[1].UserID != a.ID {
			t.Fatalf("favourites of a: %+v", favs)
		}
		wantTime(t, "CS-1 CreatedAt", favs[0].CreatedAt, at(time.Minute))
		wantTime(t, "CS-2 CreatedAt", favs[1].CreatedAt, t0)
		watchers, err := s.Watchers(t.Context(), "CS-1")
		if err != nil {
			t.Fatal(err)
		}
		if len(watchers) != 2 || watchers[0].UserID != a.ID || !watchers[0].Watch || watchers[1].UserID != b.ID || watchers[1].Watch {
			t.Errorf("watchers of CS-1: %+v", watchers)
		}
		if list, err := s.Watchers(t.Context(), "CS-3"); err != nil || len(list) != 0 {
			t.Errorf("watchers of CS-3: %+v, %v", list, err)
		}

		if err := s.DeleteFavourite(t.Context(), a.ID, "CS-1"); err != nil {
			t.Fatal(err)
		}
		wantKind(t, s.DeleteFavourite(t.Context(), a.ID, "CS-1"), ladda.NotFound)
		wantKind(t, s.DeleteFavourite(t.Context(), a.ID, "CS-3"), ladda.NotFound)
		if list, err := s.Watchers(t.Context(), "CS-1"); err != nil || len(list) != 1 || list[0].UserID != b.ID {
			t.Errorf("watchers of CS-1 after the delete: %+v, %v", list, err)
		}
		// A deleted station's favourites go with it.
		if err := s.DeleteStation(t.Context(), "CS-2"); err != nil {
			t.Fatal(err)
		}
		if list, err := s.Favourites(t.Context(), a.ID); err != nil || len(list) != 0 {
			t.Errorf("favourites of a after CS-2 went: %+v, %v", list, err)
		}
		wantKind(t, s.SetFavourite(t.Context(), &account.Favourite{UserID: a.ID, StationID: "CS-9", CreatedAt: t0}), ladda.NotFound)
		wantKind(t, s.SetFavourite(t.Context(), &account.Favourite{UserID: b.ID + 100, StationID: "CS-1", CreatedAt: t0}), ladda.NotFound)
	})
}
