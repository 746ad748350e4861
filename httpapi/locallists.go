package httpapi

import (
	"context"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/station"
)

// LocalList is a station's local authorisation list as the API shows it: the ID tokens
// assigned to it, which the station may authorise by itself, even offline, and the version of
// the list last sent to it.
type LocalList struct {
	IDTokens    []string `json:"idTokens" doc:"The ID tokens assigned to the station's list, sorted. Each is sent with its status, expiry and group as Ladda holds them when the list is sent."`
	SentVersion int      `json:"sentVersion" doc:"The version of the list the station last accepted; 0 before any was sent."`
}

type putLocalListInput struct {
	ID   string `path:"id" maxLength:"48"`
	Body struct {
		IDTokens []string `json:"idTokens" maxItems:"10000" uniqueItems:"true" doc:"Replaces the tokens of the list; each must exist (see /id-tokens). An empty array empties it. The station learns of the change with the next send." minLength:"1" maxLength:"36"`
		Groups   []string `json:"groups,omitempty" maxItems:"100" uniqueItems:"true" minLength:"1" maxLength:"36" doc:"Also every token of these groups (groupId), as they are now: a fleet's cards. Tokens added to a group later join the list when it is assigned again."`
	} `nameHint:"LocalListAssignment"`
}

type localListOutput struct {
	Body LocalList
}

// putLocalList handles PUT /api/v1/stations/{id}/local-list: assigns the ID tokens of the
// station's local list. Nothing is sent to the station yet.
func (s *server) putLocalList(ctx context.Context, in *putLocalListInput) (*localListOutput, error) {
	id := ladda.StationID(in.ID)
	if err := s.charging.AssignLocalList(ctx, id, in.Body.IDTokens, in.Body.Groups, orgScope(caller(ctx))); err != nil {
		return nil, err
	}
	return s.localList(ctx, id)
}

// getLocalList handles GET /api/v1/stations/{id}/local-list.
func (s *server) getLocalList(ctx context.Context, in *stationIDInput) (*localListOutput, error) {
	return s.localList(ctx, ladda.StationID(in.ID))
}

// localList reads the station's list.
func (s *server) localList(ctx context.Context, id ladda.StationID) (*localListOutput, error) {
	if _, err := s.stations.Station(ctx, id); err != nil {
		return nil, err // 404 for an unknown station, whose list is always empty
	}
	tokens, version, err := s.charging.LocalList(ctx, id)
	if err != nil {
		return nil, err
	}
	if tokens == nil {
		tokens = []string{}
	}
	return &localListOutput{Body: LocalList{IDTokens: tokens, SentVersion: version}}, nil
}

type sendLocalListInput struct {
	ID   string `path:"id" maxLength:"48"`
	Full bool   `query:"full" doc:"true sends the whole list (a Full update); false (the default) sends only the changes since the version the station has (a Differential update), or the whole list when it has none."`
}

// sendLocalList handles POST /api/v1/stations/{id}/local-list/send: sends the station what
// changed in its list (or all of it) under the next version.
func (s *server) sendLocalList(ctx context.Context, in *sendLocalListInput) (*commandOutput, error) {
	rec, err := s.charging.SendLocalList(ctx, ladda.StationID(in.ID), in.Full, requestedBy(ctx))
	if err != nil {
		return nil, err
	}
	return &commandOutput{Body: viewCommand(rec)}, nil
}

// localListVersion handles POST /api/v1/stations/{id}/local-list/version: asks the station
// which version of the list it has (answer.listVersion).
func (s *server) localListVersion(ctx context.Context, in *stationIDInput) (*commandOutput, error) {
	return s.execute(ctx, in.ID, station.GetLocalListVersion{})
}
