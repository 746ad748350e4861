package httpapi

import (
	"context"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda/account"
)

// AuditEvent is one security-relevant action.
type AuditEvent struct {
	ID             int64          `json:"id"`
	At             time.Time      `json:"at"`
	ActorKind      string         `json:"actorKind" enum:"user,key,system,anonymous"`
	ActorID        int64          `json:"actorId,omitempty"`
	Actor          string         `json:"actor"`
	OrganisationID int64          `json:"organisationId,omitempty"`
	Action         string         `json:"action" doc:"auth.* sign-in events, mfa.*, user.*, org.*, apikey.*, card.*, and api.<operationId> for every change made through the API."`
	Target         string         `json:"target,omitempty"`
	Outcome        string         `json:"outcome" doc:"ok, denied, failed, unknown, or the HTTP status of an API call."`
	IP             string         `json:"ip,omitempty"`
	UserAgent      string         `json:"userAgent,omitempty"`
	Detail         map[string]any `json:"detail,omitempty"`
}

func viewAudit(e *account.AuditEvent) AuditEvent {
	return AuditEvent{ID: e.ID, At: e.At.UTC(), ActorKind: e.ActorKind, ActorID: e.ActorID, Actor: e.Actor, OrganisationID: e.OrgID,
		Action: e.Action, Target: e.Target, Outcome: e.Outcome, IP: e.IP, UserAgent: e.UserAgent, Detail: e.Detail}
}

type listAuditInput struct {
	Action         string    `query:"action" maxLength:"100" doc:"Only actions starting with this, e.g. auth. for every sign-in event."`
	ActorKind      string    `query:"actorKind" enum:"user,key,system,anonymous"`
	ActorID        int64     `query:"actorId" minimum:"1" doc:"With actorKind: one user's or key's actions."`
	OrganisationID int64     `query:"organisationId" minimum:"1"`
	Since          time.Time `query:"since"`
	Until          time.Time `query:"until"`
	Before         int64     `query:"before" minimum:"0" doc:"Cursor: the next field of the previous page."`
	Limit          int       `query:"limit" minimum:"1" maximum:"1000" doc:"Page size, default 100."`
}

// listAudit handles GET /api/v1/audit: the audit log, newest first.
func (s *server) listAudit(ctx context.Context, in *listAuditInput) (*listOutput[AuditEvent], error) {
	limit := limitOf(in.Limit)
	found, err := s.accounts.AuditEvents(ctx, caller(ctx), account.AuditFilter{OrgID: in.OrganisationID, Kind: in.ActorKind, ActorID: in.ActorID,
		Action: in.Action, Since: in.Since, Until: in.Until, Before: in.Before, Limit: limit + 1})
	if err != nil {
		return nil, err
	}
	found, next := page(found, limit, func(e *account.AuditEvent) string { return strconv.FormatInt(e.ID, 10) })
	out := &listOutput[AuditEvent]{Body: List[AuditEvent]{Items: make([]AuditEvent, 0, len(found)), Next: next}}
	for _, e := range found {
		out.Body.Items = append(out.Body.Items, viewAudit(e))
	}
	return out, nil
}
