package httpapi

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/charging"
)

// Cards are ID tokens as their owners see them: a driver's own cards, a fleet's cards. Owners
// add, name, block and unblock them; how a station treats a token (groups, expiry, concurrency)
// stays the operator's, under /id-tokens.

// Card is a charging card or other token of a driver or a fleet.
type Card struct {
	IDToken        string    `json:"idToken"`
	Type           string    `json:"type"`
	Label          string    `json:"label"`
	Status         string    `json:"status" enum:"Accepted,Blocked,Expired,Invalid" doc:"What stations are told: Blocked when either the owner or the operator blocked it."`
	Blocked        bool      `json:"blocked" doc:"The owner blocked it (and may unblock it)."`
	UserID         int64     `json:"userId,omitempty" doc:"The driver who uses it."`
	OrganisationID int64     `json:"organisationId,omitempty" doc:"The fleet it belongs to."`
	CreatedAt      time.Time `json:"createdAt"`
}

func viewCard(t *charging.IDToken) Card {
	status := t.Status
	if t.OwnerBlocked && status == charging.Accepted {
		status = charging.Blocked
	}
	return Card{IDToken: t.Token, Type: t.Type, Label: t.Label, Status: string(status), Blocked: t.OwnerBlocked, UserID: t.UserID, OrganisationID: t.OrgID, CreatedAt: t.CreatedAt.UTC()}
}

type cardOutput struct {
	Body Card
}

type listCardsInput struct {
	UserID int64  `query:"userId" minimum:"1" doc:"Only the cards of this driver."`
	After  string `query:"after" maxLength:"36" doc:"Cursor: the next field of the previous page."`
	Limit  int    `query:"limit" minimum:"1" maximum:"1000" doc:"Page size, default 100."`
}

// listCards handles GET /api/v1/cards: the caller's cards, or their fleet's.
func (s *server) listCards(ctx context.Context, in *listCardsInput) (*listOutput[Card], error) {
	limit := limitOf(in.Limit)
	f := cardFilter(caller(ctx), limit+1)
	f.After = in.After
	if in.UserID != 0 && f.UserID == 0 {
		f.UserID = in.UserID
	}
	found, err := s.charging.IDTokens(ctx, f)
	if err != nil {
		return nil, err
	}
	found, next := page(found, limit, func(t *charging.IDToken) string { return t.Token })
	out := &listOutput[Card]{Body: List[Card]{Items: make([]Card, 0, len(found)), Next: next}}
	for _, t := range found {
		out.Body.Items = append(out.Body.Items, viewCard(t))
	}
	return out, nil
}

type addCardInput struct {
	Body struct {
		IDToken string `json:"idToken" minLength:"1" maxLength:"36" doc:"The card's number as the station reads it."`
		Type    string `json:"type,omitempty" enum:"ISO14443,ISO15693,KeyCode,eMAID,Central,Local" doc:"Default ISO14443 (an RFID card)."`
		Label   string `json:"label,omitempty" maxLength:"100" doc:"Your name for it."`
		UserID  int64  `json:"userId,omitempty" minimum:"1" doc:"Fleets: the member who uses it."`
	} `nameHint:"NewCard"`
}

type addCardOutput struct {
	Location string `header:"Location"`
	Body     Card
}

// addCard handles POST /api/v1/cards: 201. A driver's card is theirs; a fleet manager's belongs
// to the fleet, optionally used by one member. A card number known already is a 409: cards are
// not taken over from their owner.
func (s *server) addCard(ctx context.Context, in *addCardInput) (*addCardOutput, error) {
	p := caller(ctx)
	b := in.Body
	t := &charging.IDToken{Token: b.IDToken, Type: b.Type, Label: b.Label, Status: charging.Accepted}
	if t.Type == "" {
		t.Type = "ISO14443"
	}
	switch {
	case p.Driver():
		t.UserID = p.UserID()
	case p.OrgID != 0:
		t.OrgID = p.OrgID
		if b.UserID != 0 {
			if err := s.checkMember(ctx, p, b.UserID); err != nil {
				return nil, err
			}
			t.UserID = b.UserID
		}
	default: // an administrator: a card of the given user, or of nobody
		t.UserID = b.UserID
	}
	if err := s.charging.CreateIDToken(ctx, t); err != nil {
		if ladda.IsKind(err, ladda.Conflict) {
			return nil, ladda.Errorf(ladda.Conflict, "httpapi.addCard", "this card is registered already; if it is yours, ask the operator")
		}
		return nil, err
	}
	s.accounts.Audit(ctx, p, meta(ctx), "card.add", "card:"+t.Token, "ok", nil)
	return &addCardOutput{Location: Prefix + "/cards/" + url.PathEscape(t.Token), Body: viewCard(t)}, nil
}

// checkMember answers Invalid unless user id is a member of p's organisation.
func (s *server) checkMember(ctx context.Context, p *account.Principal, id int64) error {
	u, err := s.accounts.User(ctx, p, id)
	if err != nil || u.OrgID != p.OrgID {
		return ladda.Errorf(ladda.Invalid, "httpapi.checkMember", "user %d is not a member of your organisation", id)
	}
	return nil
}

type cardInput struct {
	IDToken string `path:"idToken" minLength:"1" maxLength:"36"`
}

// card returns a card the caller may see; others are NotFound.
func (s *server) card(ctx context.Context, token string) (*charging.IDToken, error) {
	t, err := s.charging.IDToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if !seesCard(caller(ctx), t) {
		return nil, ladda.Errorf(ladda.NotFound, "httpapi.card", "card %s not found", token)
	}
	return t, nil
}

// getCard handles GET /api/v1/cards/{idToken}.
func (s *server) getCard(ctx context.Context, in *cardInput) (*cardOutput, error) {
	t, err := s.card(ctx, in.IDToken)
	if err != nil {
		return nil, err
	}
	return &cardOutput{Body: viewCard(t)}, nil
}

type updateCardInput struct {
	IDToken string `path:"idToken" minLength:"1" maxLength:"36"`
	Body    struct {
		Label   *string `json:"label,omitempty" maxLength:"100"`
		Blocked *bool   `json:"blocked,omitempty" doc:"true blocks the card at every station (lost or stolen); false lifts that block. A block by the operator stays until the operator lifts it."`
		UserID  *int64  `json:"userId,omitempty" minimum:"0" doc:"Fleets: the member who uses it; 0 for nobody."`
	} `nameHint:"CardUpdate"`
}

// updateCard handles PATCH /api/v1/cards/{idToken}.
func (s *server) updateCard(ctx context.Context, in *updateCardInput) (*cardOutput, error) {
	const op = "httpapi.updateCard"
	p := caller(ctx)
	t, err := s.card(ctx, in.IDToken)
	if err != nil {
		return nil, err
	}
	b := in.Body
	u := charging.TokenUpdate{Label: b.Label}
	u.OwnerBlocked = b.Blocked
	if b.UserID != nil {
		if p.Driver() {
			return nil, ladda.Errorf(ladda.Forbidden, op, "drivers cannot give their cards to someone else")
		}
		if *b.UserID != 0 && !p.Everywhere() {
			if err := s.checkMember(ctx, p, *b.UserID); err != nil {
				return nil, err
			}
		}
		u.UserID = b.UserID
	}
	nt, err := s.charging.UpdateIDToken(ctx, t.Token, u)
	if err != nil {
		return nil, err
	}
	detail := map[string]any{}
	if b.Blocked != nil {
		detail["blocked"] = *b.Blocked
	}
	s.accounts.Audit(ctx, p, meta(ctx), "card.update", "card:"+t.Token, "ok", detail)
	return &cardOutput{Body: viewCard(nt)}, nil
}

type exportTransactionsInput struct {
	IDToken string    `query:"idToken" maxLength:"36" doc:"Only the sessions of this card."`
	UserID  int64     `query:"userId" minimum:"1" doc:"Only the sessions of the cards of this user (a member of your organisation)."`
	From    time.Time `query:"from" doc:"Only sessions started at or after this time."`
	Until   time.Time `query:"until" doc:"Only sessions started before this time."`
}

type csvOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

// maxExport bounds one CSV export; narrow the period for more.
const maxExport = 10000

// exportTransactions handles GET /api/v1/transactions/export: the caller's charging history as
// CSV (up to 10,000 sessions, newest first).
func (s *server) exportTransactions(ctx context.Context, in *exportTransactionsInput) (*csvOutput, error) {
	f := transactionScope(caller(ctx), 1000)
	f.StartedFrom, f.StartedUntil = in.From, in.Until
	if in.IDToken != "" {
		f.IDToken = &in.IDToken
	}
	if err := s.narrowToUser(ctx, &f, in.UserID); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"transaction", "station", "evse", "connector", "card", "started", "stopped", "energy_kwh", "duration_minutes", "stop_reason"})
	for n := 0; n < maxExport; {
		list, err := s.charging.Transactions(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, t := range list {
			w.Write(csvRow(t))
		}
		n += len(list)
		if len(list) < f.Limit {
			break
		}
		f.Before = list[len(list)-1].ID
	}
	w.Flush()
	return &csvOutput{ContentType: "text/csv; charset=utf-8", ContentDisposition: `attachment; filename="ladda-sessions.csv"`, Body: buf.Bytes()}, nil
}

func csvRow(t *charging.Transaction) []string {
	stopped, minutes, kwh := "", "", ""
	if t.StoppedAt != nil {
		stopped = t.StoppedAt.UTC().Format(time.RFC3339)
		minutes = strconv.FormatFloat(t.StoppedAt.Sub(t.StartedAt).Minutes(), 'f', 1, 64)
	}
	if t.MeterStartWh != nil {
		kwh = strconv.FormatFloat(t.EnergyWh()/1000, 'f', 3, 64)
	}
	return []string{strconv.FormatInt(int64(t.ID), 10), csvText(string(t.StationID)), strconv.Itoa(t.EVSEID), strconv.Itoa(t.ConnectorID),
		csvText(t.IDToken), t.StartedAt.UTC().Format(time.RFC3339), stopped, kwh, minutes, csvText(t.StopReason)}
}

// csvText defuses text that stations chose: a spreadsheet would run a cell that starts with
// = + - @ (or a tab or carriage return) as a formula, so such a cell gets a leading '.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
