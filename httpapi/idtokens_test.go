package httpapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda/charging"
)

func TestCreateIDToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mustToken(t, charging.IDToken{Token: "TAKEN"})
	expires := t0.Add(24 * time.Hour)

	tests := []struct {
		name   string
		body   any
		status int
		want   IDToken // CreatedAt and UpdatedAt are t0
	}{
		{name: "defaults", body: map[string]any{"idToken": "04A1B2C3"}, status: 201,
			want: IDToken{IDToken: "04A1B2C3", Type: "Central", Status: "Accepted"}},
		{name: "every field", body: map[string]any{"idToken": "FLEET-1", "type": "ISO14443", "status": "Blocked",
			"expiresAt": "2025-03-02T13:00:00+01:00", "groupId": "FLEET", "allowConcurrent": true, "description": "van 7"}, status: 201,
			want: IDToken{IDToken: "FLEET-1", Type: "ISO14443", Status: "Blocked", ExpiresAt: &expires, GroupID: "FLEET", AllowConcurrent: true, Description: "van 7"}},
		{name: "duplicate", body: map[string]any{"idToken": "TAKEN"}, status: 409},
		{name: "too long", body: map[string]any{"idToken": strings.Repeat("x", 37)}, status: 422},
		{name: "surrounding spaces", body: map[string]any{"idToken": " x "}, status: 422},
		{name: "unknown type", body: map[string]any{"idToken": "T1", "type": "Magic"}, status: 422},
		{name: "answer-only status", body: map[string]any{"idToken": "T2", "status": "ConcurrentTx"}, status: 422},
		{name: "not a time", body: map[string]any{"idToken": "T3", "expiresAt": "tomorrow"}, status: 422},
		{name: "malformed", body: `{"idToken": "T4",}`, status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := e.call(t, http.MethodPost, "/api/v1/id-tokens", tt.body)
			if tt.status != http.StatusCreated {
				r.mustProblem(t, tt.status)
				return
			}
			var got IDToken
			r.mustStatus(t, http.StatusCreated).decode(t, &got)
			if loc := r.header.Get("Location"); loc != "/api/v1/id-tokens/"+tt.want.IDToken {
				t.Errorf("Location %q", loc)
			}
			tt.want.CreatedAt, tt.want.UpdatedAt = t0, t0
			mustEqualToken(t, got, tt.want)
			var again IDToken
			e.call(t, http.MethodGet, "/api/v1/id-tokens/"+tt.want.IDToken, nil).mustStatus(t, 200).decode(t, &again)
			mustEqualToken(t, again, tt.want)
		})
	}
}

func mustEqualToken(t *testing.T, got, want IDToken) {
	t.Helper()
	sameTime := (got.ExpiresAt == nil) == (want.ExpiresAt == nil) && (got.ExpiresAt == nil || got.ExpiresAt.Equal(*want.ExpiresAt))
	if got.ExpiresAt != nil && got.ExpiresAt.Location() != time.UTC {
		t.Errorf("expiresAt %v is not UTC", got.ExpiresAt)
	}
	g, w := got, want
	g.ExpiresAt, w.ExpiresAt = nil, nil
	if !sameTime || !g.CreatedAt.Equal(w.CreatedAt) || !g.UpdatedAt.Equal(w.UpdatedAt) {
		t.Errorf("token %+v (expires %v), want %+v (expires %v)", got, got.ExpiresAt, want, want.ExpiresAt)
	}
	g.CreatedAt, g.UpdatedAt, w.CreatedAt, w.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if g != w {
		t.Errorf("token %+v, want %+v", g, w)
	}
}

func TestListIDTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tok := range []charging.IDToken{
		{Token: "A1", GroupID: "G1"},
		{Token: "A2", GroupID: "G1", Status: charging.Blocked},
		{Token: "B1", GroupID: "G2"},
		{Token: "B2", Status: charging.Blocked},
		{Token: "C1"},
	} {
		e.mustToken(t, tok)
	}
	tests := []struct {
		query string
		ids   string
		next  string
	}{
		{"", "A1,A2,B1,B2,C1", ""},
		{"?status=Blocked", "A2,B2", ""},
		{"?groupId=G1", "A1,A2", ""},
		{"?groupId=G1&status=Accepted", "A1", ""},
		{"?limit=3", "A1,A2,B1", "B1"},
		{"?limit=3&after=B1", "B2,C1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			t.Parallel()
			var got List[IDToken]
			e.call(t, http.MethodGet, "/api/v1/id-tokens"+tt.query, nil).mustStatus(t, 200).decode(t, &got)
			ids := make([]string, len(got.Items))
			for i, tok := range got.Items {
				ids[i] = tok.IDToken
			}
			if strings.Join(ids, ",") != tt.ids || got.Next != tt.next {
				t.Errorf("page %v next %q, want %s next %q", ids, got.Next, tt.ids, tt.next)
			}
		})
	}
	for _, q := range []string{"?status=ConcurrentTx", "?limit=1000", "?groupId=" + strings.Repeat("g", 37)} {
		t.Run("bad "+q, func(t *testing.T) {
			t.Parallel()
			e.call(t, http.MethodGet, "/api/v1/id-tokens"+q, nil).mustProblem(t, 422)
		})
	}
}

func TestUpdateIDToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	expires := t0.Add(time.Hour)
	later := t0.Add(48 * time.Hour)
	base := charging.IDToken{Type: "ISO14443", Status: charging.Accepted, ExpiresAt: &expires, GroupID: "G", Description: "card"}

	tests := []struct {
		name   string
		body   any
		status int
		want   IDToken // IDToken, CreatedAt and UpdatedAt are filled in
	}{
		{name: "nothing", body: `{}`, status: 200,
			want: IDToken{Type: "ISO14443", Status: "Accepted", ExpiresAt: &expires, GroupID: "G", Description: "card"}},
		{name: "block", body: `{"status": "Blocked"}`, status: 200,
			want: IDToken{Type: "ISO14443", Status: "Blocked", ExpiresAt: &expires, GroupID: "G", Description: "card"}},
		{name: "new expiry", body: `{"expiresAt": "2025-03-03T12:00:00Z"}`, status: 200,
			want: IDToken{Type: "ISO14443", Status: "Accepted", ExpiresAt: &later, GroupID: "G", Description: "card"}},
		{name: "null clears the expiry", body: `{"expiresAt": null}`, status: 200,
			want: IDToken{Type: "ISO14443", Status: "Accepted", GroupID: "G", Description: "card"}},
		{name: "every field", body: `{"type": "eMAID", "groupId": "", "allowConcurrent": true, "description": "fleet"}`, status: 200,
			want: IDToken{Type: "eMAID", Status: "Accepted", ExpiresAt: &expires, AllowConcurrent: true, Description: "fleet"}},
		{name: "unknown status", body: `{"status": "Gone"}`, status: 422},
		{name: "null status", body: `{"status": null}`, status: 422},
		{name: "not a time", body: `{"expiresAt": "soon"}`, status: 422},
		{name: "unknown field", body: `{"token": "x"}`, status: 422},
		{name: "malformed", body: `{"status": "Blocked"`, status: 400},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tok := base
			tok.Token = "TOK-" + string(rune('A'+i))
			e.mustToken(t, tok)
			r := e.call(t, http.MethodPatch, "/api/v1/id-tokens/"+tok.Token, tt.body)
			if tt.status != 200 {
				r.mustProblem(t, tt.status)
				return
			}
			var got, again IDToken
			r.mustStatus(t, 200).decode(t, &got)
			tt.want.IDToken, tt.want.CreatedAt, tt.want.UpdatedAt = tok.Token, t0, t0
			mustEqualToken(t, got, tt.want)
			e.call(t, http.MethodGet, "/api/v1/id-tokens/"+tok.Token, nil).mustStatus(t, 200).decode(t, &again)
			mustEqualToken(t, again, tt.want)
		})
	}
	t.Run("unknown", func(t *testing.T) {
		t.Parallel()
		e.call(t, http.MethodPatch, "/api/v1/id-tokens/NOPE", `{"status": "Blocked"}`).mustProblem(t, 404)
	})
}

func TestGetAndDeleteIDToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mustToken(t, charging.IDToken{Token: "gone soon"})
	e.call(t, http.MethodGet, "/api/v1/id-tokens/gone%20soon", nil).mustStatus(t, 200)
	r := e.call(t, http.MethodDelete, "/api/v1/id-tokens/gone%20soon", nil).mustStatus(t, http.StatusNoContent)
	if len(r.body) != 0 {
		t.Errorf("204 with a body: %s", r.body)
	}
	e.call(t, http.MethodGet, "/api/v1/id-tokens/gone%20soon", nil).mustProblem(t, 404)
	e.call(t, http.MethodDelete, "/api/v1/id-tokens/gone%20soon", nil).mustProblem(t, 404)
	e.call(t, http.MethodGet, "/api/v1/id-tokens/"+strings.Repeat("x", 37), nil).mustProblem(t, 422)
}

// TestTokenEnums keeps the enumerations of the document equal to the domain's.
func TestTokenEnums(t *testing.T) {
	t.Parallel()
	doc := openAPIDoc(t)
	var schemas map[string]struct {
		Properties map[string]struct {
			Enum []string `json:"enum"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(doc.Components.Schemas, &schemas); err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for _, s := range []charging.TokenStatus{charging.Accepted, charging.Blocked, charging.Expired, charging.Invalid, charging.ConcurrentTx} {
		if s.Storable() {
			statuses = append(statuses, string(s))
		}
	}
	for _, schema := range []string{"IDToken", "NewIDToken", "IDTokenChange"} {
		props := schemas[schema].Properties
		if !slices.Equal(props["type"].Enum, charging.TokenTypes) {
			t.Errorf("%s.type enum %v, want %v", schema, props["type"].Enum, charging.TokenTypes)
		}
		if !slices.Equal(props["status"].Enum, statuses) {
			t.Errorf("%s.status enum %v, want %v", schema, props["status"].Enum, statuses)
		}
	}
}
