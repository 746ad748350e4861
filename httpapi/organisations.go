package httpapi

import (
	"context"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda/account"
)

// Organisation is a tenant: an operator with stations, or a fleet with cards.
type Organisation struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind" enum:"operator,fleet"`
	CreatedAt time.Time `json:"createdAt"`
}

func viewOrganisation(o *account.Organisation) Organisation {
	return Organisation{ID: o.ID, Name: o.Name, Kind: string(o.Kind), CreatedAt: o.CreatedAt.UTC()}
}

type organisationOutput struct {
	Body Organisation
}

// listOrganisations handles GET /api/v1/organisations: all for administrators, else the
// caller's own.
func (s *server) listOrganisations(ctx context.Context, _ *struct{}) (*listOutput[Organisation], error) {
	list, err := s.accounts.Organisations(ctx, caller(ctx))
	if err != nil {
		return nil, err
	}
	out := &listOutput[Organisation]{Body: List[Organisation]{Items: make([]Organisation, 0, len(list))}}
	for _, o := range list {
		out.Body.Items = append(out.Body.Items, viewOrganisation(o))
	}
	return out, nil
}

type createOrganisationInput struct {
	Body struct {
		Name string `json:"name" minLength:"1" maxLength:"200"`
		Kind string `json:"kind" enum:"operator,fleet"`
	} `nameHint:"NewOrganisation"`
}

type createOrganisationOutput struct {
	Location string `header:"Location"`
	Body     Organisation
}

// createOrganisation handles POST /api/v1/organisations: 201.
func (s *server) createOrganisation(ctx context.Context, in *createOrganisationInput) (*createOrganisationOutput, error) {
	o, err := s.accounts.CreateOrganisation(ctx, caller(ctx), in.Body.Name, account.OrgKind(in.Body.Kind), meta(ctx))
	if err != nil {
		return nil, err
	}
	return &createOrganisationOutput{Location: Prefix + "/organisations/" + strconv.FormatInt(o.ID, 10), Body: viewOrganisation(o)}, nil
}

// getOrganisation handles GET /api/v1/organisations/{id}.
func (s *server) getOrganisation(ctx context.Context, in *idInput) (*organisationOutput, error) {
	o, err := s.accounts.Organisation(ctx, caller(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return &organisationOutput{Body: viewOrganisation(o)}, nil
}

type renameOrganisationInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		Name string `json:"name" minLength:"1" maxLength:"200"`
	} `nameHint:"OrganisationUpdate"`
}

// renameOrganisation handles PATCH /api/v1/organisations/{id}.
func (s *server) renameOrganisation(ctx context.Context, in *renameOrganisationInput) (*organisationOutput, error) {
	o, err := s.accounts.RenameOrganisation(ctx, caller(ctx), in.ID, in.Body.Name, meta(ctx))
	if err != nil {
		return nil, err
	}
	return &organisationOutput{Body: viewOrganisation(o)}, nil
}

// deleteOrganisation handles DELETE /api/v1/organisations/{id}: 204, or 409 while anything
// belongs to it.
func (s *server) deleteOrganisation(ctx context.Context, in *idInput) (*struct{}, error) {
	return nil, s.accounts.DeleteOrganisation(ctx, caller(ctx), in.ID, meta(ctx))
}
