package sqldb

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/station"
)

// SetLocalList makes tokens the ID tokens assigned to the local authorisation list of station
// id, replacing the old assignment in one write; a token given twice is kept once, an empty
// list removes them all; see charging.LocalLists. The tokens need not exist as ID tokens.
// Errors: NotFound for an unknown station, Invalid for an empty token or one whose text no
// engine can keep (invalid UTF-8, a NUL character).
func (db *DB) SetLocalList(ctx context.Context, id ladda.StationID, tokens []string) error {
	const op = "SetLocalList"
	for _, t := range tokens {
		if t == "" || !storableText(t) {
			return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "station %s: local list token %q is empty or not storable UTF-8", id, t)
		}
	}
	list, err := json.Marshal(tokens)
	if err != nil {
		return db.wrap(op, err)
	}
	q := &db.q.LocalList
	err = db.do(ctx, keyOf(string(id)), func(ctx context.Context, r run) error {
		if err := db.mustExist(ctx, r, op, id); err != nil {
			return err
		}
		if _, err := r.exec(ctx, q.DeleteTokens, string(id)); err != nil {
			return err
		}
		if len(tokens) == 0 {
			return nil
		}
		_, err := r.exec(ctx, q.InsertTokens, string(id), string(list))
		return err
	})
	return db.wrap(op, err)
}

// LocalList returns the ID tokens assigned to the local list of station id, in byte order;
// an empty (non-nil) list when none are, or the station is unknown; see charging.LocalLists.
func (db *DB) LocalList(ctx context.Context, id ladda.StationID) ([]string, error) {
	const op = "LocalList"
	rows, err := db.reader().query(ctx, db.q.LocalList.Tokens, string(id))
	if err != nil {
		return nil, db.wrap(op, err)
	}
	defer rows.Close()
	tokens := []string{}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, db.wrap(op, err)
		}
		tokens = append(tokens, t)
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap(op, err)
	}
	return tokens, db.wrap(op, rows.Close())
}

// SentLocalList returns the version and entries of the local list station id last accepted,
// as SaveSentLocalList stored them; 0 and nil entries when none is stored (or the station is
// unknown); see charging.LocalLists.
func (db *DB) SentLocalList(ctx context.Context, id ladda.StationID) (int, []station.LocalAuthEntry, error) {
	const op = "SentLocalList"
	var (
		version int
		entries []byte
	)
	found, err := db.reader().one(ctx, db.q.LocalList.Sent, []any{string(id)}, &version, &entries)
	if err != nil || !found {
		return 0, nil, db.wrap(op, err)
	}
	list, err := decodeLocalEntries(entries)
	if err != nil {
		return 0, nil, db.wrap(op, fmt.Errorf("station %s: %w", id, err))
	}
	return version, list, nil
}

// SaveSentLocalList records version and entries as the local list station id accepted,
// replacing the one recorded before, in one write; see charging.LocalLists. Entries keep their
// order; an entry without Status (a removal) is kept as such; expiry times are stored in UTC
// microseconds; no entries are read back as an empty list. Errors: NotFound for an unknown
// station, Invalid for a version outside 1 to 2³¹-1 (0 means "no list" to a station), an
// entry without ID token, or text no engine can keep (invalid UTF-8, a NUL character).
func (db *DB) SaveSentLocalList(ctx context.Context, id ladda.StationID, version int, entries []station.LocalAuthEntry) error {
	const op = "SaveSentLocalList"
	if version < 1 || version > math.MaxInt32 {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "station %s: local list version %d is not between 1 and %d", id, version, math.MaxInt32)
	}
	stored := make([]localEntry, len(entries))
	for i, e := range entries {
		if e.IDToken == "" {
			return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "station %s: local list entry %d has no ID token", id, i)
		}
		for _, s := range []string{e.IDToken, e.TokenType, e.Status, e.GroupID} {
			if !storableText(s) {
				return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "station %s: local list entry %d: text %q is not storable UTF-8", id, i, s)
			}
		}
		stored[i] = localEntry{IDToken: e.IDToken, TokenType: e.TokenType, Status: e.Status, ExpiresAt: normPtr(e.ExpiresAt), GroupID: e.GroupID}
	}
	list, err := json.Marshal(stored)
	if err != nil {
		return db.wrap(op, err)
	}
	sentAt := db.d.time(time.Now())
	err = db.do(ctx, keyOf(string(id)), func(ctx context.Context, r run) error {
		if err := db.mustExist(ctx, r, op, id); err != nil {
			return err
		}
		_, err := r.exec(ctx, db.q.LocalList.SaveSent, string(id), version, string(list), sentAt)
		return err
	})
	return db.wrap(op, err)
}

// localEntry is the stored form of a station.LocalAuthEntry: one element of the JSON array in
// local_list_sent.entries. Its names are the storage format, independent of the domain type.
type localEntry struct {
	IDToken   string     `json:"idToken"`
	TokenType string     `json:"tokenType,omitempty"`
	Status    string     `json:"status,omitempty"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	GroupID   string     `json:"groupId,omitempty"`
}

// decodeLocalEntries reads the stored entries of a sent list.
func decodeLocalEntries(raw []byte) ([]station.LocalAuthEntry, error) {
	var stored []localEntry
	if err := json.Unmarshal(raw, &stored); err != nil {
		return nil, fmt.Errorf("bad local list entries: %w", err)
	}
	list := make([]station.LocalAuthEntry, len(stored))
	for i, e := range stored {
		list[i] = station.LocalAuthEntry{IDToken: e.IDToken, TokenType: e.TokenType, Status: e.Status, ExpiresAt: normPtr(e.ExpiresAt), GroupID: e.GroupID}
	}
	return list, nil
}

// mustExist returns a NotFound refusal unless station id exists.
func (db *DB) mustExist(ctx context.Context, r run, op string, id ladda.StationID) error {
	var one int
	found, err := r.one(ctx, db.q.Station.Exists, []any{string(id)}, &one)
	if err != nil {
		return err
	}
	if !found {
		return db.notFound(op, "station %s not found", id)
	}
	return nil
}
