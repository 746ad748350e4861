package sqldb

import (
	"context"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/station"
)

// ReplaceSettings makes settings the whole configuration of station id in one write: the
// station's stored settings are removed, then settings inserted (a later one with the key of
// an earlier one wins); see station.SettingStore. Times are stored in UTC microseconds; the
// attribute "Actual" is stored as "" (its meaning when absent), so both name one setting.
// Errors: NotFound for an unknown station, Invalid for a setting without variable or with a
// negative EVSE or connector.
func (db *DB) ReplaceSettings(ctx context.Context, id ladda.StationID, settings []station.Setting) error {
	return db.writeSettings(ctx, "ReplaceSettings", id, settings, true)
}

// SaveSettings inserts settings of station id or overwrites the stored ones with their keys,
// leaving the others alone, in one write; see station.SettingStore and ReplaceSettings for
// what is stored. Errors: NotFound for an unknown station, Invalid as for ReplaceSettings.
func (db *DB) SaveSettings(ctx context.Context, id ladda.StationID, settings []station.Setting) error {
	return db.writeSettings(ctx, "SaveSettings", id, settings, false)
}

func (db *DB) writeSettings(ctx context.Context, op string, id ladda.StationID, settings []station.Setting, replace bool) error {
	args := make([][]any, len(settings))
	for i, s := range settings {
		if s.Variable == "" || s.EVSEID < 0 || s.ConnectorID < 0 {
			return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "station %s: setting %d needs a variable, an EVSE ≥ 0 and a connector ≥ 0", id, i)
		}
		attr := s.Attribute
		if attr == actual {
			attr = ""
		}
		args[i] = []any{string(id), s.Component, s.ComponentInstance, s.EVSEID, s.ConnectorID, s.Variable, s.VariableInstance, attr,
			s.Value, s.ReadOnly, s.Unit, s.DataType, s.UpdatedBy, db.d.time(s.UpdatedAt)}
	}
	q := &db.q.Settings
	err := db.do(ctx, keyOf(string(id)), func(ctx context.Context, r run) error {
		var one int
		found, err := r.one(ctx, db.q.Station.Exists, []any{string(id)}, &one)
		if err != nil {
			return err
		}
		if !found {
			return db.notFound(op, "station %s not found", id)
		}
		if replace {
			if _, err := r.exec(ctx, q.DeleteAll, string(id)); err != nil {
				return err
			}
		}
		for _, a := range args {
			if _, err := r.exec(ctx, q.Upsert, a...); err != nil {
				return err
			}
		}
		return nil
	})
	return db.wrap(op, err)
}

// actual is the attribute type a setting has when it names none.
const actual = "Actual"

// Settings lists the settings of station id ordered by component, component instance, EVSE,
// connector, variable, variable instance and attribute, text in byte order; see
// station.SettingStore. An unknown station has none.
func (db *DB) Settings(ctx context.Context, id ladda.StationID) ([]station.Setting, error) {
	const op = "Settings"
	rows, err := db.reader().query(ctx, db.q.Settings.List, string(id))
	if err != nil {
		return nil, db.wrap(op, err)
	}
	defer rows.Close()
	var list []station.Setting
	for rows.Next() {
		var (
			s       station.Setting
			updated nullTime
		)
		if err := rows.Scan(&s.Component, &s.ComponentInstance, &s.EVSEID, &s.ConnectorID, &s.Variable, &s.VariableInstance,
			&s.Attribute, &s.Value, &s.ReadOnly, &s.Unit, &s.DataType, &s.UpdatedBy, &updated); err != nil {
			return nil, db.wrap(op, err)
		}
		s.UpdatedAt = updated.T
		list = append(list, s)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap(op, err)
	}
	return list, db.wrap(op, rows.Close())
}
