package httpapi

import (
	"context"
	"net/url"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
)

// IDToken is an identifier a driver presents to charge (RFID card, app, key code, eMAID), as
// the API shows it.
type IDToken struct {
	IDToken         string     `json:"idToken"`
	Type            string     `json:"type" enum:"Central,eMAID,ISO14443,ISO15693,KeyCode,Local,MacAddress,NoAuthorization"`
	Status          string     `json:"status" enum:"Accepted,Blocked,Expired,Invalid"`
	ExpiresAt       *time.Time `json:"expiresAt,omitempty" doc:"After this time the token is answered Expired; absent: never."`
	GroupID         string     `json:"groupId,omitempty" doc:"Tokens of one group may stop each other's transactions."`
	AllowConcurrent bool       `json:"allowConcurrent" doc:"The token may be in several transactions at once."`
	Description     string     `json:"description"`
	OwnerBlocked    bool       `json:"ownerBlocked" doc:"The card's owner blocked it (/cards); it is then refused whatever its status."`
	CreatedAt       time.Time  `json:"createdAt"`
	UpdatedAt       time.Time  `json:"updatedAt"`
}

func viewIDToken(t *charging.IDToken) IDToken {
	return IDToken{
		IDToken:         t.Token,
		Type:            t.Type,
		Status:          string(t.Status),
		ExpiresAt:       utcPtr(t.ExpiresAt),
		GroupID:         t.GroupID,
		AllowConcurrent: t.AllowConcurrent,
		Description:     t.Description,
		OwnerBlocked:    t.OwnerBlocked,
		CreatedAt:       t.CreatedAt.UTC(),
		UpdatedAt:       t.UpdatedAt.UTC(),
	}
}

type createIDTokenInput struct {
	Body struct {
		IDToken         string     `json:"idToken" minLength:"1" maxLength:"36" doc:"Case-sensitive; tokens longer than 20 characters only work with OCPP 2.0.1 stations."`
		Type            string     `json:"type,omitempty" enum:"Central,eMAID,ISO14443,ISO15693,KeyCode,Local,MacAddress,NoAuthorization" doc:"Default Central."`
		Status          string     `json:"status,omitempty" enum:"Accepted,Blocked,Expired,Invalid" doc:"Default Accepted."`
		ExpiresAt       *time.Time `json:"expiresAt,omitempty"`
		GroupID         string     `json:"groupId,omitempty" maxLength:"36"`
		AllowConcurrent bool       `json:"allowConcurrent,omitempty"`
		Description     string     `json:"description,omitempty" maxLength:"500"`
	} `nameHint:"NewIDToken"`
}

type idTokenOutput struct {
	Body IDToken
}

type createIDTokenOutput struct {
	Location string `header:"Location" doc:"The path of the new token."`
	Body     IDToken
}

// createIDToken handles POST /api/v1/id-tokens: 201 with the new token.
func (s *server) createIDToken(ctx context.Context, in *createIDTokenInput) (*createIDTokenOutput, error) {
	b := in.Body
	t := &charging.IDToken{
		Token:           b.IDToken,
		Type:            b.Type,
		Status:          charging.TokenStatus(b.Status),
		ExpiresAt:       utcPtr(b.ExpiresAt),
		GroupID:         b.GroupID,
		AllowConcurrent: b.AllowConcurrent,
		Description:     b.Description,
		OrgID:           ownOrg(caller(ctx)),
	}
	if err := s.ownGroup(ctx, t.GroupID); err != nil {
		return nil, err
	}
	if err := s.charging.CreateIDToken(ctx, t); err != nil {
		return nil, err
	}
	return &createIDTokenOutput{Location: Prefix + "/id-tokens/" + url.PathEscape(t.Token), Body: viewIDToken(t)}, nil
}

type listIDTokensInput struct {
	Status  string `query:"status" enum:"Accepted,Blocked,Expired,Invalid" doc:"Only tokens with this status."`
	GroupID string `query:"groupId" maxLength:"36" doc:"Only tokens of this group."`
	After   string `query:"after" maxLength:"36" doc:"Cursor: the next value of the previous page."`
	Limit   int    `query:"limit" minimum:"1" maximum:"500" default:"100"`
}

type listIDTokensOutput struct {
	Body List[IDToken]
}

// listIDTokens handles GET /api/v1/id-tokens: tokens ordered by token.
func (s *server) listIDTokens(ctx context.Context, in *listIDTokensInput) (*listIDTokensOutput, error) {
	limit := limitOf(in.Limit)
	f := charging.TokenFilter{After: in.After, OrgID: orgScope(caller(ctx)), Limit: limit + 1}
	if in.Status != "" {
		st := charging.TokenStatus(in.Status)
		f.Status = &st
	}
	if in.GroupID != "" {
		f.GroupID = &in.GroupID
	}
	found, err := s.charging.IDTokens(ctx, f)
	if err != nil {
		return nil, err
	}
	found, next := page(found, limit, func(t *charging.IDToken) string { return t.Token })
	out := &listIDTokensOutput{Body: List[IDToken]{Items: make([]IDToken, 0, len(found)), Next: next}}
	for _, t := range found {
		out.Body.Items = append(out.Body.Items, viewIDToken(t))
	}
	return out, nil
}

type idTokenInput struct {
	IDToken string `path:"idToken" maxLength:"36"`
}

// getIDToken handles GET /api/v1/id-tokens/{idToken}.
func (s *server) getIDToken(ctx context.Context, in *idTokenInput) (*idTokenOutput, error) {
	t, err := s.idToken(ctx, in.IDToken)
	if err != nil {
		return nil, err
	}
	return &idTokenOutput{Body: viewIDToken(t)}, nil
}

type updateIDTokenInput struct {
	IDToken string `path:"idToken" maxLength:"36"`
	Body    struct {
		Type            patch[string]    `json:"type,omitempty" enum:"Central,eMAID,ISO14443,ISO15693,KeyCode,Local,MacAddress,NoAuthorization"`
		Status          patch[string]    `json:"status,omitempty" enum:"Accepted,Blocked,Expired,Invalid"`
		ExpiresAt       patch[time.Time] `json:"expiresAt,omitempty" nullable:"true" doc:"A time sets the expiry; null removes it; absent leaves it."`
		GroupID         patch[string]    `json:"groupId,omitempty" maxLength:"36" doc:"An empty string removes the token from its group."`
		AllowConcurrent patch[bool]      `json:"allowConcurrent,omitempty"`
		Description     patch[string]    `json:"description,omitempty" maxLength:"500"`
	} `nameHint:"IDTokenChange"`
}

// updateIDToken handles PATCH /api/v1/id-tokens/{idToken}: changes the fields present in the body.
func (s *server) updateIDToken(ctx context.Context, in *updateIDTokenInput) (*idTokenOutput, error) {
	b := in.Body
	if err := refuseNulls(b); err != nil {
		return nil, err
	}
	u := charging.TokenUpdate{Type: b.Type.ptr(), GroupID: b.GroupID.ptr(), AllowConcurrent: b.AllowConcurrent.ptr(), Description: b.Description.ptr()}
	if b.Status.Set {
		st := charging.TokenStatus(b.Status.Value)
		u.Status = &st
	}
	if b.ExpiresAt.Null {
		u.ClearExpiry = true
	} else if at := b.ExpiresAt.ptr(); at != nil {
		*at = at.UTC()
		u.ExpiresAt = at
	}
	if _, err := s.idToken(ctx, in.IDToken); err != nil {
		return nil, err
	}
	if u.GroupID != nil {
		if err := s.ownGroup(ctx, *u.GroupID); err != nil {
			return nil, err
		}
	}
	t, err := s.charging.UpdateIDToken(ctx, in.IDToken, u)
	if err != nil {
		return nil, err
	}
	return &idTokenOutput{Body: viewIDToken(t)}, nil
}

// deleteIDToken handles DELETE /api/v1/id-tokens/{idToken}: 204; its transactions keep its text.
func (s *server) deleteIDToken(ctx context.Context, in *idTokenInput) (*struct{}, error) {
	if _, err := s.idToken(ctx, in.IDToken); err != nil {
		return nil, err
	}
	return nil, s.charging.DeleteIDToken(ctx, in.IDToken)
}

// idToken returns a token of the caller's organisation (any, for administrators); others are
// NotFound.
func (s *server) idToken(ctx context.Context, token string) (*charging.IDToken, error) {
	t, err := s.charging.IDToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if err := visibleToken(caller(ctx), t); err != nil {
		return nil, err
	}
	return t, nil
}

// ownGroup answers Conflict when tokens of another organisation use group already: tokens of a
// group may stop each other's transactions and share reservations and local lists, so a group
// belongs to one organisation.
func (s *server) ownGroup(ctx context.Context, group string) error {
	p := caller(ctx)
	if group == "" || p.Everywhere() {
		return nil
	}
	for after := ""; ; {
		page, err := s.charging.IDTokens(ctx, charging.TokenFilter{GroupID: &group, After: after, Limit: 1000})
		if err != nil {
			return err
		}
		for _, t := range page {
			if t.OrgID != p.OrgID {
				return ladda.Errorf(ladda.Conflict, "httpapi.ownGroup", "group %q is used by another organisation; choose another groupId", group)
			}
		}
		if len(page) < 1000 {
			return nil
		}
		after = page[len(page)-1].Token
	}
}
