package httpapi

import (
	"context"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/charging"
)

// What a caller sees. Administrators and system keys see everything. A driver sees what is
// theirs: their cards and the sessions charged with them. An operator organisation sees its
// stations, the sessions at them and its own ID tokens; a fleet sees its cards and the sessions
// charged with them. What a caller may not see answers 404, as if it did not exist.

// nobody is an ID no row has: filters with it select nothing.
const nobody = -1

// orgScope is the organisation p's lists are limited to: 0 (no limit) for a principal that sees
// everything, nobody for one without an organisation.
func orgScope(p *account.Principal) int64 {
	if p.Everywhere() {
		return 0
	}
	if p.OrgID == 0 {
		return nobody
	}
	return p.OrgID
}

// transactionScope is the filter of the sessions p may see.
func transactionScope(p *account.Principal, limit int) charging.TransactionFilter {
	f := charging.TransactionFilter{Limit: limit}
	switch {
	case p.Everywhere():
	case p.Driver():
		f.TokenUserID = p.UserID()
	case p.OrgKind == account.OperatorOrg:
		f.StationOrgID = p.OrgID
	case p.OrgKind == account.FleetOrg:
		f.TokenOrgID = p.OrgID
	default:
		f.TokenUserID = nobody
	}
	return f
}

// cardFilter is the filter of the cards (ID tokens) p may see.
func cardFilter(p *account.Principal, limit int) charging.TokenFilter {
	f := charging.TokenFilter{Limit: limit}
	switch {
	case p.Everywhere():
	case p.Driver():
		f.UserID = p.UserID()
	case p.OrgID != 0:
		f.OrgID = p.OrgID
	default:
		f.UserID = nobody
	}
	return f
}

// seesCard reports whether p may see token t.
func seesCard(p *account.Principal, t *charging.IDToken) bool {
	switch {
	case p.Everywhere():
		return true
	case p.Driver():
		return t.UserID != 0 && t.UserID == p.UserID()
	default:
		return t.OrgID != 0 && t.OrgID == p.OrgID
	}
}

// visibleTransaction answers NotFound for a transaction the caller may not see.
func (s *server) visibleTransaction(ctx context.Context, t *charging.Transaction) error {
	p := caller(ctx)
	if p.Everywhere() {
		return nil
	}
	hidden := ladda.Errorf(ladda.NotFound, "httpapi.visibleTransaction", "transaction %d not found", t.ID)
	if !p.Driver() && p.OrgKind == account.OperatorOrg {
		st, err := s.stations.Station(ctx, t.StationID)
		if ladda.IsKind(err, ladda.NotFound) {
			return hidden
		}
		if err != nil {
			return err
		}
		if !p.Sees(st.OrgID) {
			return hidden
		}
		return nil
	}
	if t.IDToken == "" {
		return hidden
	}
	tok, err := s.charging.IDToken(ctx, t.IDToken)
	if ladda.IsKind(err, ladda.NotFound) {
		return hidden
	}
	if err != nil {
		return err
	}
	if !seesCard(p, tok) {
		return hidden
	}
	return nil
}

// usableToken answers Invalid, as for a token that does not exist, unless the caller may act for
// token: its organisation's, or any for an administrator. Nobody starts or books a charge on
// another organisation's or a driver's card.
func (s *server) usableToken(ctx context.Context, token string) error {
	p := caller(ctx)
	if p.Everywhere() {
		return nil
	}
	t, err := s.charging.IDToken(ctx, token)
	if err != nil && !ladda.IsKind(err, ladda.NotFound) {
		return err
	}
	if err != nil || !p.Sees(t.OrgID) {
		return ladda.Errorf(ladda.Invalid, "httpapi.usableToken", "unknown idToken %q: add it first (POST /api/v1/id-tokens)", token)
	}
	return nil
}

// visibleToken answers NotFound for an ID token of another organisation (the /id-tokens
// resource, for operators).
func visibleToken(p *account.Principal, t *charging.IDToken) error {
	if p.Sees(t.OrgID) {
		return nil
	}
	return ladda.Errorf(ladda.NotFound, "httpapi.visibleToken", "ID token %s not found", t.Token)
}

// ownOrg is the organisation new things of p belong to: p's, or none for an administrator.
func ownOrg(p *account.Principal) int64 {
	if p.Everywhere() {
		return 0
	}
	return p.OrgID
}
