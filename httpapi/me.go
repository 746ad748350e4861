package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/charging"
)

// User is an account as the API shows it.
type User struct {
	ID               int64               `json:"id"`
	Email            string              `json:"email"`
	Name             string              `json:"name"`
	Language         string              `json:"language" enum:"en,sv"`
	Role             string              `json:"role" enum:"admin,operator,support,fleet_manager,driver"`
	OrganisationID   int64               `json:"organisationId,omitempty"`
	EmailVerified    bool                `json:"emailVerified"`
	TwoFactorEnabled bool                `json:"twoFactorEnabled"`
	Preferences      account.Preferences `json:"preferences"`
	CreatedAt        time.Time           `json:"createdAt"`
}

func viewUser(u *account.User) User {
	return User{ID: u.ID, Email: u.Email, Name: u.Name, Language: u.Language, Role: string(u.Role), OrganisationID: u.OrgID,
		EmailVerified: u.EmailVerifiedAt != nil, TwoFactorEnabled: u.TOTPEnabledAt != nil, Preferences: u.Prefs, CreatedAt: u.CreatedAt.UTC()}
}

type userOutput struct {
	Body User
}

// getMe handles GET /api/v1/me.
func (s *server) getMe(ctx context.Context, _ *struct{}) (*userOutput, error) {
	u, err := s.accounts.Me(ctx, caller(ctx))
	if err != nil {
		return nil, err
	}
	return &userOutput{Body: viewUser(u)}, nil
}

type updateMeInput struct {
	Body struct {
		Name        *string              `json:"name,omitempty" maxLength:"200"`
		Language    *string              `json:"language,omitempty" enum:"en,sv"`
		Preferences *account.Preferences `json:"preferences,omitempty" doc:"Replaces all notification preferences."`
	} `nameHint:"ProfileUpdate"`
}

// updateMe handles PATCH /api/v1/me.
func (s *server) updateMe(ctx context.Context, in *updateMeInput) (*userOutput, error) {
	b := in.Body
	u, err := s.accounts.UpdateProfile(ctx, caller(ctx), account.ProfileUpdate{Name: b.Name, Language: b.Language, Prefs: b.Preferences})
	if err != nil {
		return nil, err
	}
	return &userOutput{Body: viewUser(u)}, nil
}

type passwordInput struct {
	Body struct {
		Password string `json:"password" minLength:"1" maxLength:"1024" doc:"Your current password."`
	} `nameHint:"PasswordConfirmation"`
}

type deleteMeOutput struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
}

// deleteMe handles DELETE /api/v1/me: the account is deleted (GDPR article 17).
func (s *server) deleteMe(ctx context.Context, in *passwordInput) (*deleteMeOutput, error) {
	if err := s.accounts.DeleteAccount(ctx, caller(ctx), in.Body.Password, meta(ctx)); err != nil {
		return nil, err
	}
	return &deleteMeOutput{SetCookie: sessionCookie("", time.Time{})}, nil
}

type changePasswordInput struct {
	Body struct {
		Current string `json:"currentPassword" minLength:"1" maxLength:"1024"`
		New     string `json:"newPassword" minLength:"1" maxLength:"1024" doc:"At least 12 characters; common and breached passwords are refused."`
	} `nameHint:"PasswordChange"`
}

// changePassword handles POST /api/v1/me/password: 204; every other session is signed out.
func (s *server) changePassword(ctx context.Context, in *changePasswordInput) (*struct{}, error) {
	err := s.accounts.ChangePassword(ctx, caller(ctx), in.Body.Current, in.Body.New, meta(ctx))
	if err != nil {
		return nil, s.withRetryAfter(ctx, err)
	}
	return nil, nil
}

// Enrolment is an authenticator app to set up.
type Enrolment struct {
	Secret string `json:"secret" doc:"The shared secret, base32, for typing into the app."`
	URL    string `json:"url" doc:"The otpauth:// URL the QR code holds."`
	QRCode []byte `json:"qrCode" doc:"A PNG of the QR code, base64."`
}

type enrolmentOutput struct {
	Body Enrolment
}

// beginTOTP handles POST /api/v1/me/2fa {password}: the secret and QR code of a new
// authenticator app, in force once confirmed; the other sessions then end.
func (s *server) beginTOTP(ctx context.Context, in *passwordInput) (*enrolmentOutput, error) {
	e, err := s.accounts.BeginTOTP(ctx, caller(ctx), in.Body.Password, meta(ctx))
	if err != nil {
		return nil, s.withRetryAfter(ctx, err)
	}
	return &enrolmentOutput{Body: Enrolment{Secret: e.Secret, URL: e.URL, QRCode: e.PNG}}, nil
}

type codeInput struct {
	Body struct {
		Code string `json:"code" minLength:"6" maxLength:"40" doc:"The 6 digits of the authenticator app (or, where said, a recovery code)."`
	} `nameHint:"SecondFactorCode"`
}

// RecoveryCodes are shown once: each signs in once instead of the app.
type RecoveryCodes struct {
	RecoveryCodes []string `json:"recoveryCodes"`
}

type recoveryCodesOutput struct {
	Body RecoveryCodes
}

// confirmTOTP handles POST /api/v1/me/2fa/confirm: two-factor authentication is on; the
// answer holds the recovery codes. A session that had to enrol is now unrestricted.
func (s *server) confirmTOTP(ctx context.Context, in *codeInput) (*recoveryCodesOutput, error) {
	codes, err := s.accounts.ConfirmTOTP(ctx, caller(ctx), in.Body.Code, meta(ctx))
	if err != nil {
		return nil, s.withRetryAfter(ctx, err)
	}
	return &recoveryCodesOutput{Body: RecoveryCodes{RecoveryCodes: codes}}, nil
}

type disableTOTPInput struct {
	Body struct {
		Password string `json:"password" minLength:"1" maxLength:"1024"`
		Code     string `json:"code" minLength:"6" maxLength:"40" doc:"A current code of the app, or a recovery code."`
	} `nameHint:"SecondFactorRemoval"`
}

// disableTOTP handles POST /api/v1/me/2fa/disable: 204.
func (s *server) disableTOTP(ctx context.Context, in *disableTOTPInput) (*struct{}, error) {
	if err := s.accounts.DisableTOTP(ctx, caller(ctx), in.Body.Password, in.Body.Code, meta(ctx)); err != nil {
		return nil, s.withRetryAfter(ctx, err)
	}
	return nil, nil
}

// regenerateCodes handles POST /api/v1/me/2fa/recovery-codes: new codes replace the old ones.
func (s *server) regenerateCodes(ctx context.Context, in *codeInput) (*recoveryCodesOutput, error) {
	codes, err := s.accounts.RegenerateRecoveryCodes(ctx, caller(ctx), in.Body.Code, meta(ctx))
	if err != nil {
		return nil, s.withRetryAfter(ctx, err)
	}
	return &recoveryCodesOutput{Body: RecoveryCodes{RecoveryCodes: codes}}, nil
}

// Session is a signed-in device.
type Session struct {
	ID         int64     `json:"id"`
	Kind       string    `json:"kind" enum:"cookie,token"`
	Current    bool      `json:"current" doc:"The session of this request."`
	IP         string    `json:"ip"`
	UserAgent  string    `json:"userAgent"`
	CreatedAt  time.Time `json:"createdAt"`
	LastSeenAt time.Time `json:"lastSeenAt"`
	ExpiresAt  time.Time `json:"expiresAt"`
}

// listSessions handles GET /api/v1/me/sessions.
func (s *server) listSessions(ctx context.Context, _ *struct{}) (*listOutput[Session], error) {
	p := caller(ctx)
	list, err := s.accounts.Sessions(ctx, p)
	if err != nil {
		return nil, err
	}
	out := &listOutput[Session]{Body: List[Session]{Items: []Session{}}}
	for _, x := range list {
		if x.Pending {
			continue
		}
		out.Body.Items = append(out.Body.Items, Session{ID: x.ID, Kind: string(x.Kind), Current: p.Session != nil && p.Session.ID == x.ID,
			IP: x.IP, UserAgent: x.UserAgent, CreatedAt: x.CreatedAt.UTC(), LastSeenAt: x.LastSeenAt.UTC(), ExpiresAt: x.ExpiresAt.UTC()})
	}
	return out, nil
}

type idInput struct {
	ID int64 `path:"id" minimum:"1"`
}

// revokeSession handles DELETE /api/v1/me/sessions/{id}: 204.
func (s *server) revokeSession(ctx context.Context, in *idInput) (*struct{}, error) {
	return nil, s.accounts.RevokeSession(ctx, caller(ctx), in.ID, meta(ctx))
}

// Favourite is a station the user marked.
type Favourite struct {
	StationID string    `json:"stationId"`
	Watch     bool      `json:"watch" doc:"Tell me once when it next has a free EVSE."`
	CreatedAt time.Time `json:"createdAt"`
}

// listFavourites handles GET /api/v1/me/favourites.
func (s *server) listFavourites(ctx context.Context, _ *struct{}) (*listOutput[Favourite], error) {
	list, err := s.accounts.Favourites(ctx, caller(ctx))
	if err != nil {
		return nil, err
	}
	out := &listOutput[Favourite]{Body: List[Favourite]{Items: []Favourite{}}}
	for _, f := range list {
		out.Body.Items = append(out.Body.Items, Favourite{StationID: f.StationID, Watch: f.Watch, CreatedAt: f.CreatedAt.UTC()})
	}
	return out, nil
}

type favouriteInput struct {
	StationID string `path:"stationId" minLength:"1" maxLength:"48"`
	Body      struct {
		Watch bool `json:"watch,omitempty" doc:"Tell me once when it next has a free EVSE."`
	} `nameHint:"FavouriteSetting"`
}

type favouriteOutput struct {
	Body Favourite
}

// putFavourite handles PUT /api/v1/me/favourites/{stationId}. Any registered station may be a
// favourite: drivers choose where to charge.
func (s *server) putFavourite(ctx context.Context, in *favouriteInput) (*favouriteOutput, error) {
	if _, err := s.stations.Station(ctx, ladda.StationID(in.StationID)); err != nil {
		return nil, err
	}
	f, err := s.accounts.SetFavourite(ctx, caller(ctx), in.StationID, in.Body.Watch)
	if err != nil {
		return nil, err
	}
	return &favouriteOutput{Body: Favourite{StationID: f.StationID, Watch: f.Watch, CreatedAt: f.CreatedAt.UTC()}}, nil
}

type favouriteStationInput struct {
	StationID string `path:"stationId" minLength:"1" maxLength:"48"`
}

// deleteFavourite handles DELETE /api/v1/me/favourites/{stationId}: 204.
func (s *server) deleteFavourite(ctx context.Context, in *favouriteStationInput) (*struct{}, error) {
	return nil, s.accounts.DeleteFavourite(ctx, caller(ctx), in.StationID)
}

// Export is everything Ladda keeps about the user.
type Export struct {
	User         User          `json:"user"`
	Favourites   []Favourite   `json:"favourites"`
	Sessions     []Session     `json:"sessions"`
	Cards        []Card        `json:"cards"`
	Transactions []Transaction `json:"transactions"`
	AuditLog     []AuditEvent  `json:"auditLog"`
	Webhooks     []Webhook     `json:"webhooks"`
	ExportedAt   time.Time     `json:"exportedAt"`
}

type exportOutput struct {
	ContentDisposition string `header:"Content-Disposition"`
	Body               Export
}

// exportMe handles GET /api/v1/me/export: the user's data, machine-readable (GDPR article 20).
func (s *server) exportMe(ctx context.Context, _ *struct{}) (*exportOutput, error) {
	p := caller(ctx)
	e, err := s.accounts.Export(ctx, p, meta(ctx))
	if err != nil {
		return nil, err
	}
	out := Export{User: viewUser(e.User), ExportedAt: e.ExportedAt.UTC(), Favourites: []Favourite{}, Sessions: []Session{},
		Cards: []Card{}, Transactions: []Transaction{}, AuditLog: []AuditEvent{}, Webhooks: []Webhook{}}
	for _, f := range e.Favourites {
		out.Favourites = append(out.Favourites, Favourite{StationID: f.StationID, Watch: f.Watch, CreatedAt: f.CreatedAt.UTC()})
	}
	for _, x := range e.Sessions {
		out.Sessions = append(out.Sessions, Session{ID: x.ID, Kind: string(x.Kind), IP: x.IP, UserAgent: x.UserAgent,
			CreatedAt: x.CreatedAt.UTC(), LastSeenAt: x.LastSeenAt.UTC(), ExpiresAt: x.ExpiresAt.UTC()})
	}
	for _, a := range e.Audit {
		out.AuditLog = append(out.AuditLog, viewAudit(a))
	}
	for _, w := range e.Webhooks {
		out.Webhooks = append(out.Webhooks, viewWebhook(w))
	}
	// Your data: the cards that are yours and their sessions, whatever your role lets you see.
	for f := (charging.TokenFilter{UserID: p.UserID(), Limit: 1000}); ; {
		cards, err := s.charging.IDTokens(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, c := range cards {
			out.Cards = append(out.Cards, viewCard(c))
		}
		if len(cards) < f.Limit {
			break
		}
		f.After = cards[len(cards)-1].Token
	}
	for f := (charging.TransactionFilter{TokenUserID: p.UserID(), Limit: 1000}); ; {
		txs, err := s.charging.Transactions(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, t := range txs {
			out.Transactions = append(out.Transactions, viewTransaction(t))
		}
		if len(txs) < f.Limit {
			break
		}
		f.Before = txs[len(txs)-1].ID
	}
	return &exportOutput{ContentDisposition: `attachment; filename="ladda-export-user-` + strconv.FormatInt(p.UserID(), 10) + `.json"`, Body: out}, nil
}
