package station

import (
	"context"
	"strings"
	"time"

	"github.com/ladda-csms/ladda"
)

// Site is a place where stations stand: a car park, a depot, a street. Its country and region
// decide the tax of the sessions there, its time zone the hours of their tariffs; smart
// charging hangs its grid limits on it.
//
// Rules: Name is not empty; Country is an ISO 3166-1 alpha-2 code ("SE"), Region empty or the
// subdivision part of an ISO 3166-2 code ("CA" of "US-CA"), both upper case; TimeZone is an
// IANA name Go can load ("Europe/Stockholm"). A site belongs to the organisation of its
// stations: a station joins only a site of its own organisation.
type Site struct {
	ID         int64
	OrgID      int64 // 0: only administrators see it
	Name       string
	Address    string // street and number
	PostalCode string
	City       string
	Country    string
	Region     string
	TimeZone   string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Location returns the site's time zone; UTC if it cannot be loaded (Check refuses such a
// site, so only data from elsewhere can have one).
func (s *Site) Location() *time.Location {
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// OneLine is the site's address on one line: "Storgatan 1, 111 22 Stockholm, SE".
func (s *Site) OneLine() string {
	var parts []string
	for _, p := range []string{s.Address, strings.TrimSpace(s.PostalCode + " " + s.City), s.Country} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// Check returns an Invalid error naming the first rule s breaks, or nil.
func (s *Site) Check() error {
	const op = "station.Site"
	switch {
	case strings.TrimSpace(s.Name) == "" || len(s.Name) > 200:
		return ladda.Errorf(ladda.Invalid, op, "a site needs a name of at most 200 characters")
	case len(s.Country) != 2 || !upperLetters(s.Country):
		return ladda.Errorf(ladda.Invalid, op, "country %q is not an ISO 3166-1 alpha-2 code such as SE", s.Country)
	case s.Region != "" && (len(s.Region) > 3 || strings.ToUpper(s.Region) != s.Region):
		return ladda.Errorf(ladda.Invalid, op, "region %q is not the subdivision part of an ISO 3166-2 code, such as CA for US-CA", s.Region)
	case len(s.Address) > 200 || len(s.City) > 100 || len(s.PostalCode) > 20:
		return ladda.Errorf(ladda.Invalid, op, "the address is too long")
	}
	if s.TimeZone == "" || s.TimeZone == "Local" {
		return ladda.Errorf(ladda.Invalid, op, "a site needs an IANA time zone such as Europe/Stockholm")
	}
	if _, err := time.LoadLocation(s.TimeZone); err != nil {
		return ladda.Errorf(ladda.Invalid, op, "time zone %q is not an IANA time zone", s.TimeZone)
	}
	return nil
}

func upperLetters(s string) bool {
	for _, c := range s {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// SiteStore keeps sites. Errors are *ladda.Error: NotFound for an unknown site.
type SiteStore interface {
	// CreateSite stores s and sets s.ID. Errors: NotFound for an unknown organisation.
	CreateSite(ctx context.Context, s *Site) error
	// Site returns one site.
	Site(ctx context.Context, id int64) (*Site, error)
	// Sites lists the sites of an organisation (0: all of them) by ID.
	Sites(ctx context.Context, orgID int64) ([]*Site, error)
	// UpdateSite replaces the site's fields but ID, OrgID and CreatedAt.
	UpdateSite(ctx context.Context, s *Site) error
	// DeleteSite removes a site. Errors: Conflict while stations stand at it.
	DeleteSite(ctx context.Context, id int64) error
}
