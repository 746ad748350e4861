package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/station"
)

// CreateStation stores a new station and the connectors it lists. Errors: Conflict if the ID
// is taken, NotFound for an unknown organisation.
func (db *DB) CreateStation(ctx context.Context, s *station.Station) error {
	const op = "CreateStation"
	q := &db.q.Station
	err := db.do(ctx, keyOf(string(s.ID)), func(ctx context.Context, r run) error {
		if err := db.mustOrg(ctx, r, op, s.OrgID); err != nil {
			return err
		}
		n, err := r.exec(ctx, q.Create, string(s.ID), s.Description, string(s.Registration),
			nullBytes(s.Credential.Salt), nullBytes(s.Credential.Hash), db.d.time(s.CreatedAt), db.d.time(s.UpdatedAt), nullID(s.OrgID))
		if err != nil {
			return err
		}
		if n == 0 {
			return Refuse(ladda.Errorf(ladda.Conflict, db.d.Name+"."+op, "station %s exists already", s.ID))
		}
		for _, e := range s.EVSEs {
			for _, c := range e.Connectors {
				status := c.Status
				if status == "" {
					status = station.StatusUnknown
				}
				if _, err := r.exec(ctx, q.SetConnector, string(s.ID), e.ID, c.ID, string(status), c.ErrorCode, c.Info, db.d.time(c.UpdatedAt)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return db.wrap(op, err)
}

// Station returns a station with its EVSEs and connectors. Errors: NotFound.
func (db *DB) Station(ctx context.Context, id ladda.StationID) (*station.Station, error) {
	st, err := db.loadStation(ctx, db.reader(), id)
	return st, db.wrap("Station", err)
}

func (db *DB) loadStation(ctx context.Context, r run, id ladda.StationID) (*station.Station, error) {
	rows, err := r.query(ctx, db.q.Station.Get, string(id))
	if err != nil {
		return nil, err
	}
	list, err := scanStations(rows)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, ladda.Errorf(ladda.NotFound, db.d.Name+".Station", "station %s not found", id)
	}
	return list[0], nil
}

// Stations lists stations by ID after f.After, with their EVSEs and connectors.
func (db *DB) Stations(ctx context.Context, f station.Filter) ([]*station.Station, error) {
	var connected any
	if f.Connected != nil {
		connected = *f.Connected
	}
	text := db.q.Station.List
	switch {
	case f.SiteID != 0:
		text = db.q.Station.ListOfSite
	case f.OrgID != 0:
		text = db.q.Station.ListOfOrg
	}
	rows, err := db.reader().query(ctx, text, string(f.After), nullString(f.Registration), connected, limit(f.Limit), nullID(f.OrgID), nullID(f.SiteID))
	if err != nil {
		return nil, db.wrap("Stations", err)
	}
	list, err := scanStations(rows)
	return list, db.wrap("Stations", err)
}

// limit applies the default page size.
func limit(n int) int {
	if n <= 0 {
		return 100
	}
	return n
}

// scanStations reads rows of station and connector columns, one station after the other,
// and closes rows.
func scanStations(rows *sql.Rows) ([]*station.Station, error) {
	defer rows.Close()
	var (
		list []*station.Station
		cur  *station.Station
	)
	for rows.Next() {
		var (
			s                           station.Station
			salt, hash                  []byte
			lastSeen, bootedAt          nullTime
			createdAt, updatedAt, cUpd  nullTime
			boot                        []byte
			evse, conn                  sql.NullInt64
			status, errCode, info, ovsn sql.NullString
			id, reg                     string
			org, site                   sql.NullInt64
		)
		err := rows.Scan(&id, &s.Description, &reg, &salt, &hash, &s.Connected, &ovsn, &lastSeen, &boot, &bootedAt, &createdAt, &updatedAt,
			&org, &site, &evse, &conn, &status, &errCode, &info, &cUpd)
		if err != nil {
			return nil, err
		}
		if cur == nil || string(cur.ID) != id {
			s.ID, s.Registration, s.OCPPVersion, s.OrgID, s.SiteID = ladda.StationID(id), station.Registration(reg), ovsn.String, org.Int64, site.Int64
			if len(hash) > 0 {
				s.Credential = station.Credential{Salt: salt, Hash: hash}
			}
			s.LastSeen, s.BootedAt, s.CreatedAt, s.UpdatedAt = lastSeen.T, bootedAt.T, createdAt.T, updatedAt.T
			if len(boot) > 0 {
				if err := json.Unmarshal(boot, &s.Boot); err != nil {
					return nil, err
				}
			}
			cur = &s
			list = append(list, cur)
		}
		if !evse.Valid {
			continue
		}
		c := station.Connector{ID: int(conn.Int64), Status: station.ConnectorStatus(status.String), ErrorCode: errCode.String, Info: info.String, UpdatedAt: cUpd.T}
		if n := len(cur.EVSEs); n == 0 || cur.EVSEs[n-1].ID != int(evse.Int64) {
			cur.EVSEs = append(cur.EVSEs, station.EVSE{ID: int(evse.Int64)})
		}
		e := &cur.EVSEs[len(cur.EVSEs)-1]
		e.Connectors = append(e.Connectors, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return list, rows.Close()
}

// UpdateStation applies u and returns the station as it is now. Errors: NotFound for an
// unknown station, organisation or site.
func (db *DB) UpdateStation(ctx context.Context, id ladda.StationID, u station.Update, at time.Time) (*station.Station, error) {
	const op = "UpdateStation"
	var (
		setCred    bool
		salt, hash any
		out        *station.Station
	)
	if u.Credential != nil {
		setCred, salt, hash = true, nullBytes(u.Credential.Salt), nullBytes(u.Credential.Hash)
	}
	var org, site int64
	if u.OrgID != nil {
		org = *u.OrgID
	}
	if u.SiteID != nil {
		site = *u.SiteID
	}
	err := db.do(ctx, keyOf(string(id)), func(ctx context.Context, r run) error {
		out = nil
		if err := db.mustOrg(ctx, r, op, org); err != nil {
			return err
		}
		if err := db.mustSite(ctx, r, op, site); err != nil {
			return err
		}
		n, err := r.exec(ctx, db.q.Station.Update, string(id), nullString(u.Description), nullString(u.Registration), setCred, salt, hash, db.d.time(at),
			u.OrgID != nil, nullID(org), u.SiteID != nil, nullID(site))
		if err != nil {
			return err
		}
		if n == 0 {
			return db.notFound(op, "station %s not found", id)
		}
		out, err = db.loadStation(ctx, r, id)
		return err
	})
	return out, db.wrap(op, err)
}

// DeleteStation removes a station with its EVSEs, connectors, settings, local list (assigned
// tokens and the list last sent), reservations, firmware campaign targets and certificate
// requests. Errors: NotFound.
func (db *DB) DeleteStation(ctx context.Context, id ladda.StationID) error {
	const op = "DeleteStation"
	err := db.do(ctx, keyOf(string(id)), func(ctx context.Context, r run) error {
		// Under the reservation lock, no reservation of the station is being created
		// meanwhile (in another process) to outlive it.
		if err := db.lockReservations(ctx, r); err != nil {
			return err
		}
		n, err := r.exec(ctx, db.q.Station.Delete, string(id))
		if err == nil && n == 0 {
			return db.notFound(op, "station %s not found", id)
		}
		if err != nil {
			return err
		}
		// The local list, the reservations, the firmware targets and the certificate requests
		// go with the station: an ID that comes back starts without them. A campaign being
		// created keeps the stations of its targets from being deleted until it commits
		// (FirmwareQueries.Stations), as a certificate request being recorded keeps its
		// station (PKIQueries.Station).
		if _, err := r.exec(ctx, db.q.LocalList.DeleteTokens, string(id)); err != nil {
			return err
		}
		if _, err := r.exec(ctx, db.q.LocalList.DeleteSent, string(id)); err != nil {
			return err
		}
		if _, err := r.exec(ctx, db.q.Reservation.DeleteOfStation, string(id)); err != nil {
			return err
		}
		if _, err := r.exec(ctx, db.q.Firmware.DeleteOfStation, string(id)); err != nil {
			return err
		}
		_, err = r.exec(ctx, db.q.PKI.DeleteOfStation, string(id))
		return err
	})
	return db.wrap(op, err)
}

// updateOne runs a statement about station id that must affect a row, else NotFound.
func (db *DB) updateOne(ctx context.Context, op string, id ladda.StationID, q string, args ...any) error {
	err := db.do(ctx, keyOf(string(id)), func(ctx context.Context, r run) error {
		n, err := r.exec(ctx, q, args...)
		if err == nil && n == 0 {
			return db.notFound(op, "station %s not found", id)
		}
		return err
	})
	return db.wrap(op, err)
}

// RecordBoot stores boot information and the OCPP version. Errors: NotFound.
func (db *DB) RecordBoot(ctx context.Context, id ladda.StationID, b station.Boot, version string, at time.Time) error {
	boot, err := json.Marshal(b)
	if err != nil {
		return db.wrap("RecordBoot", err)
	}
	return db.updateOne(ctx, "RecordBoot", id, db.q.Station.RecordBoot, string(id), string(boot), version, db.d.time(at))
}

// SetConnectorStatus stores a connector's status unless a later one is stored; EVSE 0,
// connector 0 holds the status of the station as a whole. Errors: NotFound.
func (db *DB) SetConnectorStatus(ctx context.Context, c station.StatusChange) error {
	const op = "SetConnectorStatus"
	q := &db.q.Station
	err := db.do(ctx, keyOf(string(c.StationID)), func(ctx context.Context, r run) error {
		n, err := r.exec(ctx, q.SetConnector, string(c.StationID), c.EVSEID, c.ConnectorID, string(c.Status), c.ErrorCode, c.Info, db.d.time(c.Time))
		if err != nil || n > 0 {
			return err
		}
		var one int
		found, err := r.one(ctx, q.Exists, []any{string(c.StationID)}, &one)
		if err == nil && !found {
			return db.notFound(op, "station %s not found", c.StationID)
		}
		return err // an older change, ignored
	})
	return db.wrap(op, err)
}

// SetConnected records a connection or disconnection. Errors: NotFound.
func (db *DB) SetConnected(ctx context.Context, id ladda.StationID, connected bool, version string, at time.Time) error {
	return db.updateOne(ctx, "SetConnected", id, db.q.Station.SetConnected, string(id), connected, version, db.d.time(at))
}

// ResetConnections marks every station disconnected.
func (db *DB) ResetConnections(ctx context.Context) error {
	err := db.do(ctx, 0, func(ctx context.Context, r run) error {
		_, err := r.exec(ctx, db.q.Station.ResetConnections)
		return err
	})
	return db.wrap("ResetConnections", err)
}

// TouchStations moves LastSeen forward for many stations in one statement. Unknown stations
// are skipped.
func (db *DB) TouchStations(ctx context.Context, seen map[ladda.StationID]time.Time) error {
	if len(seen) == 0 {
		return nil
	}
	list, err := touchList(seen)
	if err == nil {
		err = db.do(ctx, 0, func(ctx context.Context, r run) error {
			_, err := r.exec(ctx, db.q.Station.Touch, list)
			return err
		})
	}
	return db.wrap("TouchStations", err)
}
