package sqldb

import (
	"context"
	"database/sql"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/station"
)

// CreateSite stores s and sets s.ID; see station.SiteStore. Times are stored in UTC
// microseconds. Errors: Invalid for text no engine can keep; NotFound for an unknown
// organisation.
func (db *DB) CreateSite(ctx context.Context, s *station.Site) error {
	const op = "CreateSite"
	if err := db.storableSite(op, s); err != nil {
		return err
	}
	in := *s
	in.CreatedAt, in.UpdatedAt = norm(in.CreatedAt), norm(in.UpdatedAt)
	err := db.do(ctx, keyOf("site"), func(ctx context.Context, r run) error {
		if err := db.mustOrg(ctx, r, op, in.OrgID); err != nil {
			return err
		}
		_, err := r.one(ctx, db.q.Site.Insert, []any{nullID(in.OrgID), in.Name, in.Address, in.PostalCode, in.City, in.Country, in.Region,
			in.TimeZone, db.d.time(in.CreatedAt), db.d.time(in.UpdatedAt)}, &in.ID)
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	*s = in
	return nil
}

func (db *DB) storableSite(op string, s *station.Site) error {
	for _, t := range []string{s.Name, s.Address, s.PostalCode, s.City, s.Country, s.Region, s.TimeZone} {
		if !storableText(t) {
			return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "site text %q is not storable UTF-8", t)
		}
	}
	return nil
}

// Site returns one site. Errors: NotFound.
func (db *DB) Site(ctx context.Context, id int64) (*station.Site, error) {
	return byID(ctx, db, "Site", db.q.Site.Get, id, scanSites, "site")
}

// Sites lists the sites of an organisation, or all of them for 0, by ID.
func (db *DB) Sites(ctx context.Context, orgID int64) ([]*station.Site, error) {
	rows, err := db.reader().query(ctx, db.q.Site.List, nullID(orgID))
	if err != nil {
		return nil, db.wrap("Sites", err)
	}
	list, err := scanSites(rows)
	return list, db.wrap("Sites", err)
}

// UpdateSite replaces the fields of site s.ID but OrgID and CreatedAt. Errors: NotFound;
// Invalid for text no engine can keep.
func (db *DB) UpdateSite(ctx context.Context, s *station.Site) error {
	const op = "UpdateSite"
	if err := db.storableSite(op, s); err != nil {
		return err
	}
	err := db.do(ctx, keyOf("site"), func(ctx context.Context, r run) error {
		n, err := r.exec(ctx, db.q.Site.Update, s.ID, s.Name, s.Address, s.PostalCode, s.City, s.Country, s.Region, s.TimeZone, db.d.time(s.UpdatedAt))
		if err == nil && n == 0 {
			return db.notFound(op, "site %d not found", s.ID)
		}
		return err
	})
	if err != nil {
		return db.wrap(op, err)
	}
	s.UpdatedAt = norm(s.UpdatedAt)
	return nil
}

// DeleteSite removes a site with its tariff assignments. Errors: NotFound; Conflict while a
// station stands at it.
func (db *DB) DeleteSite(ctx context.Context, id int64) error {
	const op = "DeleteSite"
	err := db.do(ctx, keyOf("site"), func(ctx context.Context, r run) error {
		n, err := r.exec(ctx, db.q.Site.Delete, id)
		if err != nil || n > 0 {
			return err
		}
		var one int
		found, err := r.one(ctx, db.q.Site.Exists, []any{id}, &one)
		switch {
		case err != nil:
			return err
		case found:
			return Refuse(ladda.Errorf(ladda.Conflict, db.d.Name+"."+op, "site %d has stations: move them first", id))
		}
		return db.notFound(op, "site %d not found", id)
	})
	return db.wrap(op, err)
}

// mustSite refuses, as NotFound, a write that refers to a site that does not exist; id 0
// (none) passes.
func (db *DB) mustSite(ctx context.Context, r run, op string, id int64) error {
	return db.mustRow(ctx, r, op, db.q.Site.Exists, id, "site")
}

func scanSites(rows *sql.Rows) ([]*station.Site, error) {
	defer rows.Close()
	var list []*station.Site
	for rows.Next() {
		var (
			s        station.Site
			org      sql.NullInt64
			cre, upd nullTime
		)
		if err := rows.Scan(&s.ID, &org, &s.Name, &s.Address, &s.PostalCode, &s.City, &s.Country, &s.Region, &s.TimeZone, &cre, &upd); err != nil {
			return nil, err
		}
		s.OrgID, s.CreatedAt, s.UpdatedAt = org.Int64, cre.T, upd.T
		list = append(list, &s)
	}
	return list, rows.Err()
}
