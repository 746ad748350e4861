package account

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account/password"
)

// Languages are the languages Ladda speaks to users in.
var Languages = []string{"en", "sv"}

// checkProfile trims a name and checks it and a language ("" means English).
func checkProfile(name, lang string) (string, string, error) {
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > 200 {
		return "", "", ladda.Errorf(ladda.Invalid, "", "name must be at most 200 characters")
	}
	if lang == "" {
		lang = "en"
	}
	for _, l := range Languages {
		if l == lang {
			return name, lang, nil
		}
	}
	return "", "", ladda.Errorf(ladda.Invalid, "", "language must be one of %s", strings.Join(Languages, ", "))
}

// Me returns the principal's own account as stored now.
func (s *Service) Me(ctx context.Context, p *Principal) (*User, error) {
	u, err := s.store.User(ctx, p.UserID())
	return u, ladda.Wrap("account.Me", err)
}

// ProfileUpdate changes a user's own profile. Nil fields stay.
type ProfileUpdate struct {
	Name     *string
	Language *string
	Prefs    *Preferences
}

// UpdateProfile changes the principal's name, language or preferences. Errors: Invalid.
func (s *Service) UpdateProfile(ctx context.Context, p *Principal, up ProfileUpdate) (*User, error) {
	const op = "account.UpdateProfile"
	u := p.User
	name, lang := u.Name, u.Language
	if up.Name != nil {
		name = *up.Name
	}
	if up.Language != nil {
		lang = *up.Language
	}
	name, lang, err := checkProfile(name, lang)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	nu, err := s.store.UpdateUser(ctx, u.ID, UserUpdate{Name: &name, Language: &lang, Prefs: up.Prefs, UpdatedAt: s.clock.Now()})
	return nu, ladda.Wrap(op, err)
}

// NewUser is an account that an administrator or an organisation's manager creates.
type NewUser struct {
	Email    string
	Name     string
	Language string
	Role     Role
	OrgID    int64
}

// CreateUser creates an account for someone else and emails them a link to choose their
// password. Errors: Invalid for bad fields or a role that does not fit the organisation,
// Forbidden when p may not give that role there, Conflict for an email in use.
func (s *Service) CreateUser(ctx context.Context, p *Principal, nu NewUser, m Meta) (*User, error) {
	const op = "account.CreateUser"
	email, err := NormaliseEmail(nu.Email)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	name, lang, err := checkProfile(nu.Name, nu.Language)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if err := s.checkMembership(ctx, op, p, nu.Role, nu.OrgID); err != nil {
		return nil, err
	}
	// An unguessable password nobody knows: the user sets theirs through the emailed link.
	placeholder, _, err := secret(32)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	hash, err := s.opts.Hasher.Hash(ctx, placeholder)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	now := s.clock.Now()
	u := &User{Email: email, Name: name, Language: lang, Role: nu.Role, OrgID: nu.OrgID, PasswordHash: hash,
		Prefs: DefaultPreferences, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	s.Audit(ctx, p, m, "user.create", "user:"+itoa(u.ID), "ok", map[string]any{"role": string(u.Role), "org": u.OrgID})
	tok, err := s.newToken(ctx, u.ID, ResetPasswordToken, InviteTTL)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	s.Mail(ctx, u.ID, MailInvitation, map[string]any{"Name": u.Name, "Link": s.link("/reset-password", tok), "ExpiresIn": InviteTTL})
	return u, nil
}

// checkMembership checks that p may give role r in organisation org, and that r fits org.
func (s *Service) checkMembership(ctx context.Context, op string, p *Principal, r Role, org int64) error {
	if !r.Valid() {
		return ladda.Errorf(ladda.Invalid, op, "role must be one of admin, operator, support, fleet_manager, driver")
	}
	var kind OrgKind
	if org != 0 {
		o, err := s.store.Organisation(ctx, org)
		if ladda.IsKind(err, ladda.NotFound) && !p.Everywhere() {
			return ladda.Errorf(ladda.Forbidden, op, "you may not manage members of organisation %d", org)
		}
		if err != nil {
			return ladda.Wrap(op, err)
		}
		kind = o.Kind
	}
	if !p.CanGrant(r, org) {
		return ladda.Errorf(ladda.Forbidden, op, "you may not give role %s in this organisation", r)
	}
	fits := map[Role]bool{
		Admin:        org == 0,
		Operator:     kind == OperatorOrg,
		Support:      kind == OperatorOrg,
		FleetManager: kind == FleetOrg,
		Driver:       org == 0 || kind == FleetOrg,
	}[r]
	if !fits {
		return ladda.Errorf(ladda.Invalid, op, "role %s does not fit here: administrators have no organisation, operators and support belong to an operator organisation, fleet managers to a fleet, drivers to a fleet or none", r)
	}
	return nil
}

// User returns a user that p may see: themselves, a member of p's organisation, or anyone for
// an administrator. Others are NotFound.
func (s *Service) User(ctx context.Context, p *Principal, id int64) (*User, error) {
	const op = "account.User"
	u, err := s.store.User(ctx, id)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if u.ID != p.UserID() && !p.Sees(u.OrgID) {
		return nil, ladda.Errorf(ladda.NotFound, op, "user %d not found", id)
	}
	return u, nil
}

// Users lists the users p may see.
func (s *Service) Users(ctx context.Context, p *Principal, f UserFilter) ([]*User, error) {
	if !p.Everywhere() {
		f.OrgID = p.OrgID
		if f.OrgID == 0 {
			return nil, nil
		}
	}
	list, err := s.store.Users(ctx, f)
	return list, ladda.Wrap("account.Users", err)
}

// SetMembership gives user id role r in organisation org (0: none). A user whose role or
// organisation changes is signed out everywhere. Errors: as CreateUser; NotFound for a user p
// may not see; Forbidden for changing one's own role.
func (s *Service) SetMembership(ctx context.Context, p *Principal, id int64, r Role, org int64, m Meta) (*User, error) {
	const op = "account.SetMembership"
	u, err := s.User(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if u.ID == p.UserID() {
		return nil, ladda.Errorf(ladda.Forbidden, op, "you may not change your own role")
	}
	// Taking someone's role away needs as much power as giving it.
	if !p.Everywhere() && !p.CanGrant(u.Role, u.OrgID) {
		return nil, ladda.Errorf(ladda.Forbidden, op, "you may not change the role of a user with role %s", u.Role)
	}
	if err := s.checkMembership(ctx, op, p, r, org); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	nu, err := s.store.UpdateUser(ctx, u.ID, UserUpdate{Role: &r, OrgID: &org, UpdatedAt: now})
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if nu.Role != u.Role || nu.OrgID != u.OrgID {
		if err := s.store.RevokeSessions(ctx, u.ID, 0, now); err != nil {
			return nil, ladda.Wrap(op, err)
		}
		if err := s.revokeKeysOf(ctx, p, u, m); err != nil {
			return nil, ladda.Wrap(op, err)
		}
	}
	s.Audit(ctx, p, m, "user.role_changed", "user:"+itoa(u.ID), "ok",
		map[string]any{"from": string(u.Role), "to": string(r), "fromOrg": u.OrgID, "toOrg": org})
	return nu, nil
}

// CreateOrganisation creates an organisation. Errors: Invalid for a bad name or kind.
func (s *Service) CreateOrganisation(ctx context.Context, p *Principal, name string, kind OrgKind, m Meta) (*Organisation, error) {
	const op = "account.CreateOrganisation"
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 200 {
		return nil, ladda.Errorf(ladda.Invalid, op, "name must be 1 to 200 characters")
	}
	if kind != OperatorOrg && kind != FleetOrg {
		return nil, ladda.Errorf(ladda.Invalid, op, "kind must be operator or fleet")
	}
	o := &Organisation{Name: name, Kind: kind, CreatedAt: s.clock.Now()}
	if err := s.store.CreateOrganisation(ctx, o); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	s.Audit(ctx, p, m, "org.create", "org:"+itoa(o.ID), "ok", map[string]any{"kind": string(kind)})
	return o, nil
}

// Organisations lists the organisations p may see: all for an administrator, else their own.
func (s *Service) Organisations(ctx context.Context, p *Principal) ([]*Organisation, error) {
	const op = "account.Organisations"
	if p.Everywhere() {
		list, err := s.store.Organisations(ctx)
		return list, ladda.Wrap(op, err)
	}
	if p.OrgID == 0 {
		return nil, nil
	}
	o, err := s.store.Organisation(ctx, p.OrgID)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	return []*Organisation{o}, nil
}

// Organisation returns one organisation p may see; others are NotFound.
func (s *Service) Organisation(ctx context.Context, p *Principal, id int64) (*Organisation, error) {
	const op = "account.Organisation"
	if !p.Sees(id) {
		return nil, ladda.Errorf(ladda.NotFound, op, "organisation %d not found", id)
	}
	o, err := s.store.Organisation(ctx, id)
	return o, ladda.Wrap(op, err)
}

// RenameOrganisation renames an organisation p manages.
func (s *Service) RenameOrganisation(ctx context.Context, p *Principal, id int64, name string, m Meta) (*Organisation, error) {
	const op = "account.RenameOrganisation"
	if _, err := s.Organisation(ctx, p, id); err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 200 {
		return nil, ladda.Errorf(ladda.Invalid, op, "name must be 1 to 200 characters")
	}
	if err := s.store.RenameOrganisation(ctx, id, name); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	s.Audit(ctx, p, m, "org.rename", "org:"+itoa(id), "ok", nil)
	return s.Organisation(ctx, p, id)
}

// DeleteOrganisation deletes an empty organisation. Errors: Conflict while anything belongs
// to it.
func (s *Service) DeleteOrganisation(ctx context.Context, p *Principal, id int64, m Meta) error {
	err := s.store.DeleteOrganisation(ctx, id)
	if err == nil {
		s.Audit(ctx, p, m, "org.delete", "org:"+itoa(id), "ok", nil)
	}
	return ladda.Wrap("account.DeleteOrganisation", err)
}

// SetFavourite marks a station as the principal's favourite; watch asks to be told once when it
// is next free.
func (s *Service) SetFavourite(ctx context.Context, p *Principal, stationID string, watch bool) (*Favourite, error) {
	f := &Favourite{UserID: p.UserID(), StationID: stationID, Watch: watch, CreatedAt: s.clock.Now()}
	return f, ladda.Wrap("account.SetFavourite", s.store.SetFavourite(ctx, f))
}

// DeleteFavourite removes a favourite.
func (s *Service) DeleteFavourite(ctx context.Context, p *Principal, stationID string) error {
	return ladda.Wrap("account.DeleteFavourite", s.store.DeleteFavourite(ctx, p.UserID(), stationID))
}

// Favourites lists the principal's favourites.
func (s *Service) Favourites(ctx context.Context, p *Principal) ([]*Favourite, error) {
	list, err := s.store.Favourites(ctx, p.UserID())
	return list, ladda.Wrap("account.Favourites", err)
}

// Export is everything Ladda keeps about a user in their account (GDPR article 20); the API
// adds their cards and charging sessions.
type Export struct {
	User       *User
	Favourites []*Favourite
	Sessions   []*Session
	Audit      []*AuditEvent
	Webhooks   []*Webhook
	ExportedAt time.Time
}

// Export gathers the principal's account data.
func (s *Service) Export(ctx context.Context, p *Principal, m Meta) (*Export, error) {
	const op = "account.Export"
	e := &Export{ExportedAt: s.clock.Now()}
	var err error
	if e.User, err = s.store.User(ctx, p.UserID()); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if e.Favourites, err = s.store.Favourites(ctx, p.UserID()); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if e.Sessions, err = s.store.Sessions(ctx, p.UserID(), e.ExportedAt); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if e.Audit, err = s.store.AuditEvents(ctx, AuditFilter{Kind: "user", ActorID: p.UserID(), Limit: 1000}); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if e.Webhooks, err = s.store.Webhooks(ctx, 0, p.UserID()); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	s.Audit(ctx, p, m, "user.export", "user:"+itoa(p.UserID()), "ok", nil)
	return e, nil
}

// DeleteAccount deletes the principal's own account after checking their password: their
// profile, sessions, favourites and webhooks go; their cards are unlinked and blocked; charging
// sessions stay, without the link to them, as the law requires for billing records.
// Errors: Unauthorized for a wrong password.
func (s *Service) DeleteAccount(ctx context.Context, p *Principal, pw string, m Meta) error {
	const op = "account.DeleteAccount"
	u, err := s.store.User(ctx, p.UserID())
	if err != nil {
		return ladda.Wrap(op, err)
	}
	if err := s.checkPassword(ctx, op, u, pw, m); err != nil {
		return err
	}
	if err := s.revokeKeysOf(ctx, p, u, m); err != nil {
		return ladda.Wrap(op, err)
	}
	if err := s.store.DeleteUser(ctx, u.ID, s.clock.Now()); err != nil {
		return ladda.Wrap(op, err)
	}
	s.Audit(ctx, p, m, "user.delete", "user:"+itoa(u.ID), "ok", nil)
	return nil
}

// revokeKeysOf revokes the API keys user u made: someone who leaves or changes role keeps no
// access through keys made before.
func (s *Service) revokeKeysOf(ctx context.Context, p *Principal, u *User, m Meta) error {
	n, err := s.store.RevokeKeysBy(ctx, u.ID, s.clock.Now())
	if err == nil && n > 0 {
		s.Audit(ctx, p, m, "apikey.revoke_of_user", "user:"+itoa(u.ID), "ok", map[string]any{"keys": n})
	}
	return err
}

// DeleteUser deletes another user's account (administrators, or an organisation's manager for
// its members with roles they may grant).
func (s *Service) DeleteUser(ctx context.Context, p *Principal, id int64, m Meta) error {
	const op = "account.DeleteUser"
	u, err := s.User(ctx, p, id)
	if err != nil {
		return err
	}
	if u.ID == p.UserID() {
		return ladda.Errorf(ladda.Invalid, op, "delete your own account with DELETE /api/v1/me")
	}
	if !p.Everywhere() && !p.CanGrant(u.Role, u.OrgID) {
		return ladda.Errorf(ladda.Forbidden, op, "you may not delete a user with role %s", u.Role)
	}
	if err := s.revokeKeysOf(ctx, p, u, m); err != nil {
		return ladda.Wrap(op, err)
	}
	if err := s.store.DeleteUser(ctx, u.ID, s.clock.Now()); err != nil {
		return ladda.Wrap(op, err)
	}
	s.Audit(ctx, p, m, "user.delete", "user:"+itoa(u.ID), "ok", nil)
	return nil
}

// BootstrapAdmin creates an administrator from the command line, with a password, its email
// counted as verified. Errors: Invalid, Conflict.
func (s *Service) BootstrapAdmin(ctx context.Context, email, name, pw string) (*User, error) {
	const op = "account.BootstrapAdmin"
	email, err := NormaliseEmail(email)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if err := password.Check(pw, email, name); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	hash, err := s.opts.Hasher.Hash(ctx, pw)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	now := s.clock.Now()
	u := &User{Email: email, Name: strings.TrimSpace(name), Language: "en", Role: Admin, PasswordHash: hash,
		EmailVerifiedAt: &now, Prefs: DefaultPreferences, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return nil, ladda.Wrap(op, err)
	}
	s.auditUser(ctx, u, Meta{IP: "command line"}, "user.create", "ok", map[string]any{"role": "admin", "by": "command line"})
	return u, nil
}

// SignOut ends every session of user id, as after a lost device or a suspected break-in.
// Errors: as DeleteUser.
func (s *Service) SignOut(ctx context.Context, p *Principal, id int64, m Meta) error {
	const op = "account.SignOut"
	u, err := s.User(ctx, p, id)
	if err != nil {
		return err
	}
	if u.ID != p.UserID() && !p.Everywhere() && !p.CanGrant(u.Role, u.OrgID) {
		return ladda.Errorf(ladda.Forbidden, op, "you may not sign out a user with role %s", u.Role)
	}
	if err := s.store.RevokeSessions(ctx, u.ID, 0, s.clock.Now()); err != nil {
		return ladda.Wrap(op, err)
	}
	s.Audit(ctx, p, m, "user.signed_out", "user:"+itoa(u.ID), "ok", nil)
	return nil
}
