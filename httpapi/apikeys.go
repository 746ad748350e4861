package httpapi

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
)

// APIKey is an API key as lists show it: never the secret.
type APIKey struct {
	ID             int64      `json:"id"`
	Name           string     `json:"name"`
	Prefix         string     `json:"prefix" doc:"The first characters of the key, to recognise it."`
	OrganisationID int64      `json:"organisationId,omitempty" doc:"Absent for a system key."`
	Scopes         []string   `json:"scopes"`
	CreatedBy      int64      `json:"createdBy,omitempty" doc:"The user who made it; absent when made by an API key or on the command line (the audit log names the key)."`
	CreatedAt      time.Time  `json:"createdAt"`
	LastUsedAt     *time.Time `json:"lastUsedAt,omitempty"`
	ExpiresAt      *time.Time `json:"expiresAt,omitempty"`
	RevokedAt      *time.Time `json:"revokedAt,omitempty"`
}

func viewKey(k *account.APIKey) APIKey {
	v := APIKey{ID: k.ID, Name: k.Name, Prefix: k.Prefix, OrganisationID: k.OrgID, CreatedBy: k.CreatedBy, CreatedAt: k.CreatedAt.UTC(),
		LastUsedAt: utcPtr(k.LastUsedAt), ExpiresAt: utcPtr(k.ExpiresAt), RevokedAt: utcPtr(k.RevokedAt), Scopes: []string{}}
	for _, sc := range k.Scopes {
		v.Scopes = append(v.Scopes, string(sc))
	}
	return v
}

// listKeys handles GET /api/v1/api-keys: the keys of the caller's organisation (all keys for
// administrators).
func (s *server) listKeys(ctx context.Context, _ *struct{}) (*listOutput[APIKey], error) {
	keys, err := s.accounts.APIKeys(ctx, orgScope(caller(ctx)))
	if err != nil {
		return nil, err
	}
	out := &listOutput[APIKey]{Body: List[APIKey]{Items: make([]APIKey, 0, len(keys))}}
	for _, k := range keys {
		out.Body.Items = append(out.Body.Items, viewKey(k))
	}
	return out, nil
}

type createKeyInput struct {
	Body struct {
		Name           string     `json:"name" minLength:"1" maxLength:"100"`
		Scopes         []string   `json:"scopes" minItems:"1" uniqueItems:"true" enum:"read,operate,billing,admin" doc:"read: stations, sessions, cards. operate: also commands and changes. billing: prices and costs. admin: the organisation's members, keys and webhooks."`
		OrganisationID int64      `json:"organisationId,omitempty" minimum:"0" doc:"Administrators: the organisation of the key; 0 with scope admin alone makes a system key. Others: always their own."`
		ExpiresAt      *time.Time `json:"expiresAt,omitempty" doc:"Absent: never."`
	} `nameHint:"NewAPIKey"`
}

// CreatedAPIKey is a key just made, with its secret, shown only this once.
type CreatedAPIKey struct {
	APIKey
	Key string `json:"key" doc:"The secret: send it as Authorization: Bearer <key>. Shown only now."`
}

type createKeyOutput struct {
	Location string `header:"Location"`
	Body     CreatedAPIKey
}

// fleetScopes are the scopes a fleet's key may have: a fleet has cards, not stations or prices.
var fleetScopes = []account.Scope{account.ScopeRead, account.ScopeOperate, account.ScopeAdmin}

// createKey handles POST /api/v1/api-keys: 201 with the secret.
func (s *server) createKey(ctx context.Context, in *createKeyInput) (*createKeyOutput, error) {
	const op = "httpapi.createKey"
	p := caller(ctx)
	b := in.Body
	org := b.OrganisationID
	if !p.Everywhere() {
		org = p.OrgID
	}
	spec := account.KeySpec{Name: b.Name, OrgID: org, CreatedBy: p.UserID(), ExpiresAt: utcPtr(b.ExpiresAt)}
	for _, sc := range b.Scopes {
		spec.Scopes = append(spec.Scopes, account.Scope(sc))
	}
	kind := p.OrgKind
	if p.Everywhere() && org != 0 {
		o, err := s.accounts.Organisation(ctx, p, org)
		if err != nil {
			return nil, ladda.Errorf(ladda.Invalid, op, "organisationId %d is not an organisation", org)
		}
		kind = o.Kind
	}
	if !p.CanIssue(spec.Scopes, kind) {
		return nil, ladda.Errorf(ladda.Forbidden, op, "a key may not do more than you may: choose scopes within your own permissions")
	}
	if kind == account.FleetOrg {
		for _, sc := range spec.Scopes {
			if !slices.Contains(fleetScopes, sc) {
				return nil, ladda.Errorf(ladda.Invalid, op, "a fleet's key may have scopes read, operate and admin")
			}
		}
	}
	k, secret, err := s.accounts.CreateAPIKey(ctx, spec)
	if err != nil {
		return nil, err
	}
	s.accounts.Audit(ctx, p, meta(ctx), "apikey.create", "apikey:"+strconv.FormatInt(k.ID, 10), "ok", map[string]any{"scopes": b.Scopes, "org": org})
	return &createKeyOutput{Location: Prefix + "/api-keys/" + strconv.FormatInt(k.ID, 10), Body: CreatedAPIKey{APIKey: viewKey(k), Key: secret}}, nil
}

// key returns a key the caller may see; others are NotFound.
func (s *server) key(ctx context.Context, id int64) (*account.APIKey, error) {
	k, err := s.accounts.APIKey(ctx, id)
	if err != nil {
		return nil, err
	}
	if !caller(ctx).Sees(k.OrgID) {
		return nil, ladda.Errorf(ladda.NotFound, "httpapi.key", "API key %d not found", id)
	}
	return k, nil
}

type keyOutput struct {
	Body APIKey
}

// getKey handles GET /api/v1/api-keys/{id}.
func (s *server) getKey(ctx context.Context, in *idInput) (*keyOutput, error) {
	k, err := s.key(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &keyOutput{Body: viewKey(k)}, nil
}

// revokeKey handles DELETE /api/v1/api-keys/{id}: 204; the key stops working at once.
func (s *server) revokeKey(ctx context.Context, in *idInput) (*struct{}, error) {
	if _, err := s.key(ctx, in.ID); err != nil {
		return nil, err
	}
	if err := s.accounts.RevokeAPIKey(ctx, in.ID); err != nil {
		return nil, err
	}
	s.accounts.Audit(ctx, caller(ctx), meta(ctx), "apikey.revoke", "apikey:"+strconv.FormatInt(in.ID, 10), "ok", nil)
	return nil, nil
}
