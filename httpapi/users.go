package httpapi

import (
	"context"
	"strconv"

	"github.com/ladda-csms/ladda/account"
)

type listUsersInput struct {
	OrganisationID int64  `query:"organisationId" minimum:"1" doc:"Only members of this organisation (administrators; others see their own organisation's)."`
	Role           string `query:"role" enum:"admin,operator,support,fleet_manager,driver"`
	After          int64  `query:"after" minimum:"0" doc:"Cursor: the next field of the previous page."`
	Limit          int    `query:"limit" minimum:"1" maximum:"1000" doc:"Page size, default 100."`
}

// listUsers handles GET /api/v1/users: the members of the caller's organisation, or every user
// for an administrator.
func (s *server) listUsers(ctx context.Context, in *listUsersInput) (*listOutput[User], error) {
	limit := limitOf(in.Limit)
	found, err := s.accounts.Users(ctx, caller(ctx), account.UserFilter{OrgID: in.OrganisationID, Role: account.Role(in.Role), After: in.After, Limit: limit + 1})
	if err != nil {
		return nil, err
	}
	found, next := page(found, limit, func(u *account.User) string { return strconv.FormatInt(u.ID, 10) })
	out := &listOutput[User]{Body: List[User]{Items: make([]User, 0, len(found)), Next: next}}
	for _, u := range found {
		out.Body.Items = append(out.Body.Items, viewUser(u))
	}
	return out, nil
}

type createUserInput struct {
	Body struct {
		Email          string `json:"email" minLength:"3" maxLength:"254"`
		Name           string `json:"name,omitempty" maxLength:"200"`
		Language       string `json:"language,omitempty" enum:"en,sv"`
		Role           string `json:"role" enum:"admin,operator,support,fleet_manager,driver"`
		OrganisationID int64  `json:"organisationId,omitempty" minimum:"0" doc:"Default: the caller's organisation."`
	} `nameHint:"NewUser"`
}

type createUserOutput struct {
	Location string `header:"Location"`
	Body     User
}

// createUser handles POST /api/v1/users: 201; the new user gets an email with a link to choose
// a password.
func (s *server) createUser(ctx context.Context, in *createUserInput) (*createUserOutput, error) {
	p := caller(ctx)
	b := in.Body
	org := b.OrganisationID
	if org == 0 && !p.Everywhere() {
		org = p.OrgID
	}
	u, err := s.accounts.CreateUser(ctx, p, account.NewUser{Email: b.Email, Name: b.Name, Language: b.Language, Role: account.Role(b.Role), OrgID: org}, meta(ctx))
	if err != nil {
		return nil, err
	}
	return &createUserOutput{Location: Prefix + "/users/" + strconv.FormatInt(u.ID, 10), Body: viewUser(u)}, nil
}

// getUser handles GET /api/v1/users/{id}.
func (s *server) getUser(ctx context.Context, in *idInput) (*userOutput, error) {
	u, err := s.accounts.User(ctx, caller(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	return &userOutput{Body: viewUser(u)}, nil
}

// signOutUser handles DELETE /api/v1/users/{id}/sessions: 204; every session of the user ends.
func (s *server) signOutUser(ctx context.Context, in *idInput) (*struct{}, error) {
	return nil, s.accounts.SignOut(ctx, caller(ctx), in.ID, meta(ctx))
}

// deleteUser handles DELETE /api/v1/users/{id}: 204.
func (s *server) deleteUser(ctx context.Context, in *idInput) (*struct{}, error) {
	return nil, s.accounts.DeleteUser(ctx, caller(ctx), in.ID, meta(ctx))
}

type membershipInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		Role           string `json:"role" enum:"admin,operator,support,fleet_manager,driver"`
		OrganisationID int64  `json:"organisationId" minimum:"0" doc:"0: no organisation (administrators, drivers on their own)."`
	} `nameHint:"Membership"`
}

// setMembership handles PUT /api/v1/users/{id}/membership: the user's role and organisation.
// The user is signed out everywhere when either changes.
func (s *server) setMembership(ctx context.Context, in *membershipInput) (*userOutput, error) {
	u, err := s.accounts.SetMembership(ctx, caller(ctx), in.ID, account.Role(in.Body.Role), in.Body.OrganisationID, meta(ctx))
	if err != nil {
		return nil, err
	}
	return &userOutput{Body: viewUser(u)}, nil
}
