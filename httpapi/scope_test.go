package httpapi

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/station"
)

// tenants is two operators, A and B, with a station each, and a fleet F whose driver's card
// charged at A's station.
type tenants struct {
	e                      *env
	opA, fleetMgr, driver  string // Authorization headers
	orgA, orgB, fleet      int64
	txAtA, txAtB, driverID int64
}

func newTenants(t *testing.T) *tenants {
	t.Helper()
	ctx := context.Background()
	e := newEnv(t)
	sys := account.KeyPrincipal(&account.APIKey{ID: e.keyID})
	org := func(name string, kind account.OrgKind) int64 {
		o, err := e.accounts.CreateOrganisation(ctx, sys, name, kind, account.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		return o.ID
	}
	ts := &tenants{e: e, orgA: org("A", account.OperatorOrg), orgB: org("B", account.OperatorOrg), fleet: org("F", account.FleetOrg)}
	for id, o := range map[string]int64{"A-1": ts.orgA, "B-1": ts.orgB} {
		if _, _, err := e.stations.Register(ctx, station.NewStation{ID: ladda.StationID(id), OrgID: o}); err != nil {
			t.Fatal(err)
		}
	}
	e.mustUser(t, "op-a@example.org", account.Operator, ts.orgA)
	e.mustUser(t, "fm@example.org", account.FleetManager, ts.fleet)
	d := e.mustUser(t, "dana@example.org", account.Driver, ts.fleet)
	ts.driverID = d.ID
	e.mustToken(t, charging.IDToken{Token: "A-TOK", OrgID: ts.orgA, GroupID: "GA"})
	e.mustToken(t, charging.IDToken{Token: "B-TOK", OrgID: ts.orgB})
	e.mustToken(t, charging.IDToken{Token: "F-CARD", OrgID: ts.fleet, UserID: d.ID, GroupID: "GF"})
	start := func(st, tok string) int64 {
		tx, _, err := e.charging.StartTransaction(ctx, charging.Start{StationID: ladda.StationID(st), EVSEID: 1, ConnectorID: 1, IDToken: tok, StartedAt: t0})
		if err != nil {
			t.Fatal(err)
		}
		return int64(tx.ID)
	}
	ts.txAtA, ts.txAtB = start("A-1", "F-CARD"), start("B-1", "B-TOK")
	ts.opA, ts.fleetMgr, ts.driver = e.login(t, "op-a@example.org"), e.login(t, "fm@example.org"), e.login(t, "dana@example.org")
	return ts
}

func (ts *tenants) call(t *testing.T, auth, method, path string, body any) *response {
	t.Helper()
	return ts.e.callWith(t, method, Prefix+path, body, auth)
}

func transactionIDs(t *testing.T, r *response) []int64 {
	t.Helper()
	var l List[Transaction]
	r.mustStatus(t, 200).decode(t, &l)
	var ids []int64
	for _, tx := range l.Items {
		ids = append(ids, tx.ID)
	}
	return ids
}

func TestOrganisationsSeeOnlyTheirOwn(t *testing.T) {
	t.Parallel()
	ts := newTenants(t)
	tx := func(id int64) string { return "/transactions/" + strconv.FormatInt(id, 10) }

	var stations List[Station]
	ts.call(t, ts.opA, "GET", "/stations", nil).mustStatus(t, 200).decode(t, &stations)
	if len(stations.Items) != 1 || stations.Items[0].ID != "A-1" {
		t.Errorf("operator A lists %+v", stations.Items)
	}
	ts.call(t, ts.opA, "GET", "/stations/B-1", nil).mustProblem(t, 404)
	ts.call(t, ts.opA, "POST", "/stations/B-1/reset", map[string]string{"type": "Soft"}).mustProblem(t, 404)
	if ids := transactionIDs(t, ts.call(t, ts.opA, "GET", "/transactions", nil)); len(ids) != 1 || ids[0] != ts.txAtA {
		t.Errorf("operator A sees transactions %v, want only %d", ids, ts.txAtA)
	}
	ts.call(t, ts.opA, "GET", tx(ts.txAtB), nil).mustProblem(t, 404)
	ts.call(t, ts.opA, "POST", tx(ts.txAtB)+"/remote-stop", nil).mustProblem(t, 404)
	ts.call(t, ts.opA, "PATCH", "/stations/A-1", map[string]any{"organisationId": ts.orgB}).mustProblem(t, 403)

	// The fleet sees the sessions of its cards, wherever they charged; the driver only theirs.
	if ids := transactionIDs(t, ts.call(t, ts.fleetMgr, "GET", "/transactions", nil)); len(ids) != 1 || ids[0] != ts.txAtA {
		t.Errorf("the fleet sees %v", ids)
	}
	if ids := transactionIDs(t, ts.call(t, ts.driver, "GET", "/transactions", nil)); len(ids) != 1 || ids[0] != ts.txAtA {
		t.Errorf("the driver sees %v", ids)
	}
	ts.call(t, ts.driver, "GET", tx(ts.txAtB), nil).mustProblem(t, 404)
	// Seeing a session of one's card is not commanding the station.
	ts.call(t, ts.fleetMgr, "POST", tx(ts.txAtA)+"/remote-stop", nil).mustProblem(t, 403)
	// History as CSV, per member.
	csv := ts.call(t, ts.fleetMgr, "GET", "/transactions/export?userId="+strconv.FormatInt(ts.driverID, 10), nil).mustStatus(t, 200)
	if lines := strings.Split(strings.TrimSpace(string(csv.body)), "\n"); len(lines) != 2 || !strings.Contains(lines[1], "F-CARD") {
		t.Errorf("the fleet's CSV of its driver:\n%s", csv.body)
	}
	ts.call(t, ts.driver, "GET", "/transactions/export?userId=999", nil).mustProblem(t, 422)
}

func TestTokensOfOthersAreNotUsable(t *testing.T) {
	t.Parallel()
	ts := newTenants(t)
	// A local list holds only the organisation's tokens; others are as unknown as missing ones.
	for _, body := range []map[string]any{{"idTokens": []string{"F-CARD"}}, {"idTokens": []string{}, "groups": []string{"GF"}}, {"idTokens": []string{"NO-SUCH"}}} {
		p := ts.call(t, ts.opA, "PUT", "/stations/A-1/local-list", body).mustProblem(t, 422)
		if strings.Contains(p.Detail, "Blocked") {
			t.Errorf("the refusal says more than unknown: %s", p.Detail)
		}
	}
	ts.call(t, ts.opA, "PUT", "/stations/A-1/local-list", map[string]any{"idTokens": []string{}, "groups": []string{"GA"}}).mustStatus(t, 200)
	// Nobody starts or books a charge on another organisation's card.
	ts.call(t, ts.opA, "POST", "/stations/A-1/remote-start?wait=0s", map[string]any{"idToken": "F-CARD"}).mustProblem(t, 422)
	ts.call(t, ts.opA, "POST", "/reservations", map[string]any{"stationId": "A-1", "idToken": "F-CARD", "expiresAt": "2030-01-01T00:00:00Z"}).mustProblem(t, 422)
	// A group belongs to one organisation.
	ts.call(t, ts.opA, "POST", "/id-tokens", map[string]any{"idToken": "A-NEW", "groupId": "GF"}).mustProblem(t, 409)
	ts.call(t, ts.opA, "PATCH", "/id-tokens/A-TOK", map[string]any{"groupId": "GF"}).mustProblem(t, 409)
	ts.call(t, ts.opA, "POST", "/id-tokens", map[string]any{"idToken": "A-NEW", "groupId": "GA"}).mustStatus(t, 201)
}

func TestKeysAndGrantsStayWithinTheirMaker(t *testing.T) {
	t.Parallel()
	ts := newTenants(t)
	var k CreatedAPIKey
	ts.call(t, ts.opA, "POST", "/api-keys", map[string]any{"name": "admin only", "scopes": []string{"admin"}}).mustStatus(t, 201).decode(t, &k)
	adminKey := "Bearer " + k.Key
	// A key that may only manage may not make a key that operates, nor people who do.
	ts.call(t, adminKey, "POST", "/api-keys", map[string]any{"name": "x", "scopes": []string{"operate"}}).mustProblem(t, 403)
	ts.call(t, adminKey, "POST", "/users", map[string]any{"email": "new@example.org", "role": "operator"}).mustProblem(t, 403)
	ts.call(t, adminKey, "POST", "/api-keys", map[string]any{"name": "x", "scopes": []string{"admin"}}).mustStatus(t, 201)
	// A fleet has no prices: no billing keys.
	ts.call(t, ts.fleetMgr, "POST", "/api-keys", map[string]any{"name": "x", "scopes": []string{"billing"}}).mustProblem(t, 422)
	var fk CreatedAPIKey
	ts.call(t, ts.fleetMgr, "POST", "/api-keys", map[string]any{"name": "cards", "scopes": []string{"operate"}}).mustStatus(t, 201).decode(t, &fk)
	// A fleet's operate key manages cards, not the operator's token settings.
	ts.call(t, "Bearer "+fk.Key, "GET", "/cards", nil).mustStatus(t, 200)
	ts.call(t, "Bearer "+fk.Key, "PATCH", "/id-tokens/F-CARD", map[string]any{"allowConcurrent": true}).mustProblem(t, 403)
}

func TestOwnerBlocksAreTheOwners(t *testing.T) {
	t.Parallel()
	ts := newTenants(t)
	card := func() Card {
		var c Card
		ts.call(t, ts.driver, "GET", "/cards/F-CARD", nil).mustStatus(t, 200).decode(t, &c)
		return c
	}
	// The operator's block stays whatever the owner does.
	ts.e.call(t, "PATCH", Prefix+"/id-tokens/F-CARD", map[string]any{"status": "Blocked"}).mustStatus(t, 200)
	ts.call(t, ts.driver, "PATCH", "/cards/F-CARD", map[string]any{"blocked": false}).mustStatus(t, 200)
	if c := card(); c.Status != "Blocked" {
		t.Fatalf("the owner lifted the operator's block: %+v", c)
	}
	ts.e.call(t, "PATCH", Prefix+"/id-tokens/F-CARD", map[string]any{"status": "Accepted"}).mustStatus(t, 200)
	// The owner's block stays whatever the operator does, until the owner lifts it.
	ts.call(t, ts.driver, "PATCH", "/cards/F-CARD", map[string]any{"blocked": true}).mustStatus(t, 200)
	if c := card(); c.Status != "Blocked" || !c.Blocked {
		t.Fatalf("after the owner's block: %+v", c)
	}
	tok, err := ts.e.charging.IDToken(context.Background(), "F-CARD")
	if err != nil {
		t.Fatal(err)
	}
	if info := tok.Authorize(t0, 0); info.Status != charging.Blocked {
		t.Fatalf("a station is told %s for a card its owner blocked", info.Status)
	}
	ts.call(t, ts.driver, "PATCH", "/cards/F-CARD", map[string]any{"blocked": false}).mustStatus(t, 200)
	if c := card(); c.Status != "Accepted" || c.Blocked {
		t.Fatalf("after the owner lifted their block: %+v", c)
	}
}
