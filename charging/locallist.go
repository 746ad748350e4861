package charging

import (
	"context"
	"maps"
	"slices"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/station"
)

// LocalLists keeps, per station, the ID tokens an operator put on its local authorisation list
// and the list the station last accepted (version and entries), so that later updates can be
// sent as differences. Errors are *ladda.Error.
type LocalLists interface {
	// SetLocalList makes tokens the station's assigned list (replacing the old assignment).
	SetLocalList(ctx context.Context, id ladda.StationID, tokens []string) error
	// LocalList returns the tokens assigned to a station, sorted; none is an empty list.
	LocalList(ctx context.Context, id ladda.StationID) ([]string, error)
	// SentLocalList returns the version and entries the station last accepted; version 0 and no
	// entries when it never accepted one.
	SentLocalList(ctx context.Context, id ladda.StationID) (int, []station.LocalAuthEntry, error)
	// SaveSentLocalList records the version and entries the station accepted.
	SaveSentLocalList(ctx context.Context, id ladda.StationID, version int, entries []station.LocalAuthEntry) error
}

// AssignLocalList sets the tokens on a station's local authorisation list: tokens, and every
// token that belongs to one of groups now (a fleet's cards); they are sent to the station by
// SendLocalList. org, when not 0, is the organisation whose tokens the list may hold: tokens
// and group members of others count as unknown. Errors: Invalid for an unknown token or group,
// or more than 10,000 tokens.
func (s *Service) AssignLocalList(ctx context.Context, id ladda.StationID, tokens, groups []string, org int64) error {
	const op = "charging.AssignLocalList"
	for _, g := range groups {
		members, err := s.groupTokens(ctx, g, org)
		if err != nil {
			return ladda.Wrap(op, err)
		}
		if len(members) == 0 {
			return ladda.Errorf(ladda.Invalid, op, "no idToken belongs to group %q", g)
		}
		tokens = append(tokens, members...)
		if len(tokens) > 10000 {
			break
		}
	}
	if len(tokens) > 10000 {
		return ladda.Errorf(ladda.Invalid, op, "a local list holds at most 10000 tokens")
	}
	tokens = slices.Compact(slices.Sorted(slices.Values(tokens)))
	for _, t := range tokens {
		found, err := s.store.IDToken(ctx, t)
		if ladda.IsKind(err, ladda.NotFound) || err == nil && org != 0 && found.OrgID != org {
			return ladda.Errorf(ladda.Invalid, op, "unknown idToken %q: add it first (POST /api/v1/id-tokens)", t)
		} else if err != nil {
			return ladda.Wrap(op, err)
		}
	}
	return ladda.Wrap(op, s.store.SetLocalList(ctx, id, tokens))
}

// groupTokens returns the tokens of a group, at most 10,001.
func (s *Service) groupTokens(ctx context.Context, group string, org int64) ([]string, error) {
	var out []string
	after := ""
	for len(out) <= 10000 {
		page, err := s.store.IDTokens(ctx, TokenFilter{GroupID: &group, OrgID: org, After: after, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, t := range page {
			out = append(out, t.Token)
		}
		if len(page) < 1000 {
			break
		}
		after = page[len(page)-1].Token
	}
	return out, nil
}

// LocalList returns the tokens assigned to a station and the version the station last accepted.
func (s *Service) LocalList(ctx context.Context, id ladda.StationID) ([]string, int, error) {
	const op = "charging.LocalList"
	tokens, err := s.store.LocalList(ctx, id)
	if err != nil {
		return nil, 0, ladda.Wrap(op, err)
	}
	version, _, err := s.store.SentLocalList(ctx, id)
	return tokens, version, ladda.Wrap(op, err)
}

// localEntries builds the entries of the assigned tokens as they authorise now.
func (s *Service) localEntries(ctx context.Context, tokens []string) ([]station.LocalAuthEntry, error) {
	now := s.clock.Now()
	out := make([]station.LocalAuthEntry, 0, len(tokens))
	for _, t := range tokens {
		tok, err := s.store.IDToken(ctx, t)
		if ladda.IsKind(err, ladda.NotFound) {
			continue // deleted since it was assigned: not on the list any more
		}
		if err != nil {
			return nil, err
		}
		info := tok.Authorize(now, 0)
		out = append(out, station.LocalAuthEntry{IDToken: tok.Token, TokenType: tok.Type, Status: string(info.Status), ExpiresAt: info.ExpiresAt, GroupID: info.GroupID})
	}
	return out, nil
}

// differences returns the entries to send so that a station holding old ends up with new:
// changed and added entries, and entries without Status for removed tokens.
func differences(old, new []station.LocalAuthEntry) []station.LocalAuthEntry {
	before := map[string]station.LocalAuthEntry{}
	for _, e := range old {
		before[e.IDToken] = e
	}
	var out []station.LocalAuthEntry
	for _, e := range new {
		if b, ok := before[e.IDToken]; !ok || !sameEntry(b, e) {
			out = append(out, e)
		}
		delete(before, e.IDToken)
	}
	for _, t := range slices.Sorted(maps.Keys(before)) {
		out = append(out, station.LocalAuthEntry{IDToken: t, TokenType: before[t].TokenType})
	}
	return out
}

func sameEntry(a, b station.LocalAuthEntry) bool {
	sameTime := (a.ExpiresAt == nil) == (b.ExpiresAt == nil) && (a.ExpiresAt == nil || a.ExpiresAt.Equal(*b.ExpiresAt))
	return a.TokenType == b.TokenType && a.Status == b.Status && a.GroupID == b.GroupID && sameTime
}

// SendLocalList brings a station's local authorisation list up to date: the whole list when
// full is set or the station has none from Ladda, otherwise only the differences (a station
// that answers VersionMismatch gets the whole list at once). What the station accepts is
// remembered for the next update. Errors: Conflict when nothing changed since the version the
// station has (and full is not set), or as station.Service.Execute.
func (s *Service) SendLocalList(ctx context.Context, id ladda.StationID, full bool, requestedBy string) (*station.CommandRecord, error) {
	const op = "charging.SendLocalList"
	if s.commands == nil {
		return nil, ladda.Errorf(ladda.Unavailable, op, "commands are not available")
	}
	tokens, err := s.store.LocalList(ctx, id)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	current, err := s.localEntries(ctx, tokens)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	version, sent, err := s.store.SentLocalList(ctx, id)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	send := station.SendLocalList{Version: version + 1, Full: full || version == 0, Entries: current}
	if !send.Full {
		send.Entries = differences(sent, current)
		if len(send.Entries) == 0 {
			return nil, ladda.Errorf(ladda.Conflict, op, "station %s has version %d of its local list, which is up to date", id, version)
		}
	}
	rec, err := s.commands.Execute(ctx, id, send, requestedBy)
	if err == nil && rec.Outcome == station.CommandAnswered && rec.Answer.Status == "VersionMismatch" && !send.Full {
		send.Full, send.Entries = true, current
		rec, err = s.commands.Execute(ctx, id, send, requestedBy)
	}
	if err != nil {
		return rec, ladda.Wrap(op, err)
	}
	if rec.Outcome == station.CommandAnswered && rec.Answer.Status == "Accepted" {
		if err := s.store.SaveSentLocalList(context.WithoutCancel(ctx), id, send.Version, current); err != nil {
			return rec, ladda.Wrap(op, err)
		}
	}
	return rec, nil
}
