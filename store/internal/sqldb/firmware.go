package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"slices"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/firmware"
)

// CreateCampaign stores c and its targets in one write, sets c.ID and the CampaignID of every
// target; see firmware.Store. c's and the targets' times are normalised to UTC microseconds,
// as stored; a zero CommandID is stored as none. Errors: Invalid for a campaign without
// status, a concurrency outside 1 to 2³¹-1, retries or a retry interval outside 0 to 2³¹-1, a
// target without station or status, a station that is a target twice, a request id outside
// 0 to 2³¹-1 (OCPP's integer), negative attempts, or text no engine can keep (invalid UTF-8, a
// NUL character); NotFound naming the first target whose station does not exist; Conflict
// naming a request id that two targets are given, or the lowest one that another campaign's
// target has. Nothing is stored then, and c and targets are left as they were.
func (db *DB) CreateCampaign(ctx context.Context, c *firmware.Campaign, targets []firmware.Target) error {
	const op = "CreateCampaign"
	in := *c
	in.RetrieveAt, in.Deadline, in.CreatedAt, in.UpdatedAt = norm(in.RetrieveAt), norm(in.Deadline), norm(in.CreatedAt), norm(in.UpdatedAt)
	in.InstallAt = normPtr(in.InstallAt)
	if err := db.checkCampaign(op, &in); err != nil {
		return err
	}
	list := make([]firmware.Target, len(targets))
	stored := make([]targetRow, len(targets))
	stations := make([]string, len(targets))
	requests := make([]int, len(targets))
	byStation := make(map[ladda.StationID]bool, len(targets))
	byRequest := make(map[int]ladda.StationID, len(targets))
	for i, t := range targets {
		t.NextAttemptAt, t.UpdatedAt = norm(t.NextAttemptAt), norm(t.UpdatedAt)
		if err := db.checkTarget(op, &in, i, &t); err != nil {
			return err
		}
		if byStation[t.StationID] {
			return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "campaign %q: station %s is a target twice", in.Name, t.StationID)
		}
		if other, dup := byRequest[t.RequestID]; dup {
			return ladda.Errorf(ladda.Conflict, db.d.Name+"."+op, "campaign %q: request id %d is given to both station %s and station %s", in.Name, t.RequestID, other, t.StationID)
		}
		byStation[t.StationID], byRequest[t.RequestID] = true, t.StationID
		list[i], stations[i], requests[i] = t, string(t.StationID), t.RequestID
		stored[i] = targetRow{StationID: string(t.StationID), RequestID: t.RequestID, Status: string(t.Status), Detail: t.Detail,
			Attempts: t.Attempts, NextAttemptAt: t.NextAttemptAt.Format(TextTime), UpdatedAt: t.UpdatedAt.Format(TextTime)}
		if t.CommandID != 0 {
			stored[i].CommandID = &t.CommandID
		}
	}
	// Inserted in the order of their request ids, writes that take the same ones (in other
	// committers or processes) wait for each other in one order, never in a circle.
	slices.SortFunc(stored, func(a, b targetRow) int { return cmp.Compare(a.RequestID, b.RequestID) })
	var stationList, requestList, targetList []byte
	err := func() (err error) {
		if stationList, err = json.Marshal(stations); err == nil {
			if requestList, err = json.Marshal(requests); err == nil {
				targetList, err = json.Marshal(stored)
			}
		}
		return err
	}()
	if err != nil {
		return db.wrap(op, err)
	}
	q := &db.q.Firmware
	var id int64
	err = db.do(ctx, 0, func(ctx context.Context, w run) error {
		id = 0
		if len(list) > 0 {
			if err := db.mustExistAll(ctx, w, op, stationList, list); err != nil {
				return err
			}
			used, err := db.usedRequestID(ctx, w, requestList, 0)
			if err != nil {
				return err
			}
			if used != nil {
				return Refuse(db.requestConflict(op, &in, used))
			}
		}
		_, err := w.one(ctx, q.InsertCampaign, []any{in.Name, in.Firmware, in.Location, db.d.time(in.RetrieveAt), db.d.nullTime(in.InstallAt),
			nullInt(in.Retries), nullInt(in.RetryInterval), in.SigningCertificate, in.Signature, in.Concurrency, db.d.time(in.Deadline),
			string(in.Status), in.CreatedBy, db.d.time(in.CreatedAt), db.d.time(in.UpdatedAt)}, &id)
		if err != nil || len(list) == 0 {
			return err
		}
		n, err := w.exec(ctx, q.InsertTargets, id, string(targetList))
		if err != nil || n == int64(len(list)) {
			return err
		}
		// A concurrent campaign took a request id after the check (committed meanwhile, as
		// a new statement sees). Not a refusal: the campaign is inserted already, so the
		// transaction must roll back.
		used, err := db.usedRequestID(ctx, w, requestList, id)
		if err != nil {
			return err
		}
		if used != nil {
			return db.requestConflict(op, &in, used)
		}
		return ladda.Errorf(ladda.Conflict, db.d.Name+"."+op, "campaign %q: a request id was taken meanwhile", in.Name)
	})
	if err != nil {
		return db.wrap(op, err)
	}
	in.ID = id
	for i := range list {
		list[i].CampaignID = id
	}
	*c = in
	copy(targets, list)
	return nil
}

// usedRequestID returns the target of a campaign other than except that has the lowest of
// the request ids (a JSON array), or nil.
func (db *DB) usedRequestID(ctx context.Context, w run, requests []byte, except int64) (*firmware.Target, error) {
	rows, err := w.query(ctx, db.q.Firmware.UsedRequestID, string(requests), except)
	if err != nil {
		return nil, err
	}
	used, err := scanTargets(rows)
	if err != nil || len(used) == 0 {
		return nil, err
	}
	return used[0], nil
}

// requestConflict is the Conflict of campaign c whose request id target u has already.
func (db *DB) requestConflict(op string, c *firmware.Campaign, u *firmware.Target) error {
	return ladda.Errorf(ladda.Conflict, db.d.Name+"."+op, "campaign %q: request id %d is used already by station %s in campaign %d",
		c.Name, u.RequestID, u.StationID, u.CampaignID)
}

// targetRow is one element of the JSON array of FirmwareQueries.InsertTargets.
type targetRow struct {
	StationID     string `json:"station_id"`
	RequestID     int    `json:"request_id"`
	Status        string `json:"status"`
	Detail        string `json:"detail"`
	CommandID     *int64 `json:"command_id"`
	Attempts      int    `json:"attempts"`
	NextAttemptAt string `json:"next_attempt_at"`
	UpdatedAt     string `json:"updated_at"`
}

// checkCampaign returns an Invalid error unless c can be stored.
func (db *DB) checkCampaign(op string, c *firmware.Campaign) error {
	invalid := func(format string, args ...any) error {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "campaign %q: "+format, append([]any{c.Name}, args...)...)
	}
	switch {
	case c.Status == "":
		return invalid("a campaign needs a status")
	case c.Concurrency < 1 || c.Concurrency > math.MaxInt32:
		return invalid("concurrency %d is not between 1 and %d", c.Concurrency, math.MaxInt32)
	case c.Retries != nil && (*c.Retries < 0 || *c.Retries > math.MaxInt32):
		return invalid("retries %d is not between 0 and %d", *c.Retries, math.MaxInt32)
	case c.RetryInterval != nil && (*c.RetryInterval < 0 || *c.RetryInterval > math.MaxInt32):
		return invalid("retry interval %d is not between 0 and %d", *c.RetryInterval, math.MaxInt32)
	}
	for _, s := range []string{c.Name, c.Firmware, c.Location, c.SigningCertificate, c.Signature, string(c.Status), c.CreatedBy} {
		if !storableText(s) {
			return invalid("text %q is not storable UTF-8", s)
		}
	}
	return nil
}

// checkTarget returns an Invalid error unless t, target i of c, can be stored.
func (db *DB) checkTarget(op string, c *firmware.Campaign, i int, t *firmware.Target) error {
	invalid := func(format string, args ...any) error {
		return ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "campaign %q: target %d (station %s): "+format, append([]any{c.Name, i, t.StationID}, args...)...)
	}
	switch {
	case t.StationID == "" || t.Status == "":
		return invalid("a target needs a station and a status")
	case t.RequestID < 0 || t.RequestID > math.MaxInt32:
		return invalid("request id %d is not between 0 and %d", t.RequestID, math.MaxInt32)
	case t.Attempts < 0 || t.Attempts > math.MaxInt32:
		return invalid("attempts %d is not between 0 and %d", t.Attempts, math.MaxInt32)
	}
	for _, s := range []string{string(t.StationID), string(t.Status), t.Detail} {
		if !storableText(s) {
			return invalid("text %q is not storable UTF-8", s)
		}
	}
	return nil
}

// mustExistAll returns a NotFound refusal naming the first of targets whose station does not
// exist; stations is the JSON array of their station ids. Within a write, the stations stay
// until it commits.
func (db *DB) mustExistAll(ctx context.Context, w run, op string, stations []byte, targets []firmware.Target) error {
	rows, err := w.query(ctx, db.q.Firmware.Stations, string(stations))
	if err != nil {
		return err
	}
	defer rows.Close()
	found := make(map[ladda.StationID]bool, len(targets))
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		found[ladda.StationID(id)] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, t := range targets {
		if !found[t.StationID] {
			return db.notFound(op, "station %s not found", t.StationID)
		}
	}
	return nil
}

// Campaign returns one campaign; see firmware.Store. Errors: NotFound.
func (db *DB) Campaign(ctx context.Context, id int64) (*firmware.Campaign, error) {
	return byID(ctx, db, "Campaign", db.q.Firmware.Campaign, id, scanCampaigns, "campaign")
}

// Campaigns lists campaigns newest (highest ID) first; see firmware.Store. A non-positive
// beforeID or limit does not limit; status text that no engine can keep selects nothing.
func (db *DB) Campaigns(ctx context.Context, status firmware.CampaignStatus, beforeID int64, limit int) ([]*firmware.Campaign, error) {
	const op = "Campaigns"
	if !storableText(string(status)) {
		return nil, nil
	}
	if beforeID <= 0 {
		beforeID = math.MaxInt64
	}
	var lim any
	if limit > 0 {
		lim = limit
	}
	text := db.q.Firmware.Campaigns
	if status != "" {
		text = db.q.Firmware.CampaignsOfStatus
	}
	rows, err := db.reader().query(ctx, text, nullText(string(status)), beforeID, lim)
	if err != nil {
		return nil, db.wrap(op, err)
	}
	list, err := scanCampaigns(rows)
	return list, db.wrap(op, err)
}

// SetCampaignStatus changes the status of campaign id to to if it is from, and reports whether
// it did; see firmware.Store. at becomes UpdatedAt (in UTC microseconds) unless zero. Errors:
// NotFound for an unknown id, Invalid for an empty to or one no engine can keep as text.
func (db *DB) SetCampaignStatus(ctx context.Context, id int64, from, to firmware.CampaignStatus, at time.Time) (bool, error) {
	const op = "SetCampaignStatus"
	if to == "" || !storableText(string(to)) {
		return false, ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "campaign %d: status %q is empty or not storable UTF-8", id, to)
	}
	q := &db.q.Firmware
	var changed bool
	err := db.do(ctx, uint64(id), func(ctx context.Context, w run) error {
		changed = false
		if storableText(string(from)) { // else no stored status is from
			n, err := w.exec(ctx, q.SetCampaignStatus, id, string(from), string(to), db.optTime(at))
			if err != nil {
				return err
			}
			if changed = n > 0; changed {
				return nil
			}
		}
		return db.mustExistCampaign(ctx, w, op, id)
	})
	if err != nil {
		return false, db.wrap(op, err)
	}
	return changed, nil
}

// mustExistCampaign returns a NotFound refusal unless campaign id exists.
func (db *DB) mustExistCampaign(ctx context.Context, r run, op string, id int64) error {
	var one int
	found, err := r.one(ctx, db.q.Firmware.CampaignExists, []any{id}, &one)
	if err == nil && !found {
		return db.notFound(op, "campaign %d not found", id)
	}
	return err
}

// Targets lists the targets of a campaign by station ID; see firmware.Store. A non-positive
// limit does not limit, no statuses select every status; filter text that no engine can keep
// selects nothing. Errors: NotFound for an unknown campaign.
func (db *DB) Targets(ctx context.Context, campaignID int64, statuses []firmware.TargetStatus, dueBy time.Time, after ladda.StationID, limit int) ([]*firmware.Target, error) {
	const op = "Targets"
	r := db.reader()
	list, err := func() ([]*firmware.Target, error) {
		var status any
		if len(statuses) > 0 {
			keep := storableStatuses(statuses)
			if len(keep) == 0 {
				return nil, nil
			}
			b, err := json.Marshal(keep)
			if err != nil {
				return nil, err
			}
			status = string(b)
		}
		if !storableText(string(after)) {
			return nil, nil
		}
		var lim any
		if limit > 0 {
			lim = limit
		}
		text := db.q.Firmware.Targets
		if status != nil {
			text = db.q.Firmware.TargetsOfStatus
		}
		rows, err := r.query(ctx, text, campaignID, status, db.optTime(dueBy), string(after), lim)
		if err != nil {
			return nil, err
		}
		return scanTargets(rows)
	}()
	if err == nil && len(list) == 0 {
		err = db.mustExistCampaign(ctx, r, op, campaignID)
	}
	if err != nil {
		return nil, db.wrap(op, err)
	}
	return list, nil
}

// TargetCounts counts the targets of a campaign per status; see firmware.Store. Errors:
// NotFound for an unknown campaign.
func (db *DB) TargetCounts(ctx context.Context, campaignID int64) (map[firmware.TargetStatus]int, error) {
	const op = "TargetCounts"
	r := db.reader()
	counts, err := func() (map[firmware.TargetStatus]int, error) {
		rows, err := r.query(ctx, db.q.Firmware.TargetCounts, campaignID)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		counts := map[firmware.TargetStatus]int{}
		for rows.Next() {
			var (
				status string
				n      int
			)
			if err := rows.Scan(&status, &n); err != nil {
				return nil, err
			}
			counts[firmware.TargetStatus(status)] = n
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return counts, rows.Close()
	}()
	if err == nil && len(counts) == 0 {
		err = db.mustExistCampaign(ctx, r, op, campaignID)
	}
	if err != nil {
		return nil, db.wrap(op, err)
	}
	return counts, nil
}

// ChangeTarget applies c to the target of station in campaign campaignID if its status is one
// of from, in one statement, and reports whether it did; see firmware.Store. Detail is always
// set; of the other fields only those given: Status if not empty, CommandID if not 0, Attempts
// if positive, NextAttemptAt if not zero, and At, if not zero, becomes UpdatedAt; times in UTC
// microseconds. An empty from matches no status. Errors: NotFound for an unknown campaign or
// station, Invalid for attempts above 2³¹-1 or text no engine can keep.
func (db *DB) ChangeTarget(ctx context.Context, campaignID int64, station ladda.StationID, from []firmware.TargetStatus, c firmware.TargetChange) (bool, error) {
	const op = "ChangeTarget"
	switch {
	case !storableText(string(c.Status)) || !storableText(c.Detail):
		return false, ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "campaign %d, station %s: text of status %q or detail %q is not storable UTF-8",
			campaignID, station, c.Status, c.Detail)
	case c.Attempts > math.MaxInt32:
		return false, ladda.Errorf(ladda.Invalid, db.d.Name+"."+op, "campaign %d, station %s: attempts %d is above %d", campaignID, station, c.Attempts, math.MaxInt32)
	case !storableText(string(station)):
		return false, ladda.Errorf(ladda.NotFound, db.d.Name+"."+op, "campaign %d has no target station %q", campaignID, station)
	}
	list, err := json.Marshal(storableStatuses(from))
	if err != nil {
		return false, db.wrap(op, err)
	}
	var attempts any
	if c.Attempts > 0 {
		attempts = c.Attempts
	}
	q := &db.q.Firmware
	var changed bool
	err = db.do(ctx, keyOf(string(station)), func(ctx context.Context, w run) error {
		n, err := w.exec(ctx, q.ChangeTarget, campaignID, string(station), string(list), nullText(string(c.Status)), c.Detail,
			nullID(c.CommandID), attempts, db.optTime(c.NextAttemptAt), db.optTime(c.At))
		if err != nil {
			return err
		}
		if changed = n > 0; changed {
			return nil
		}
		var one int
		found, err := w.one(ctx, q.TargetExists, []any{campaignID, string(station)}, &one)
		if err != nil || found {
			return err
		}
		if err := db.mustExistCampaign(ctx, w, op, campaignID); err != nil {
			return err
		}
		return db.notFound(op, "campaign %d has no target station %s", campaignID, station)
	})
	if err != nil {
		return false, db.wrap(op, err)
	}
	return changed, nil
}

// UpdatingTarget finds the target a firmware status notification of station is about; see
// firmware.Store. Errors: NotFound.
func (db *DB) UpdatingTarget(ctx context.Context, station ladda.StationID, requestID *int) (*firmware.Target, error) {
	const op = "UpdatingTarget"
	notFound := func() error {
		if requestID != nil {
			return ladda.Errorf(ladda.NotFound, db.d.Name+"."+op, "station %s has no firmware update with request id %d", station, *requestID)
		}
		return ladda.Errorf(ladda.NotFound, db.d.Name+"."+op, "station %s has no firmware update in progress", station)
	}
	if !storableText(string(station)) || (requestID != nil && (*requestID < 0 || *requestID > math.MaxInt32)) {
		return nil, notFound()
	}
	text, args := db.q.Firmware.UpdatingTarget, []any{string(station)}
	if requestID != nil {
		text, args = db.q.Firmware.TargetOfRequest, append(args, *requestID)
	}
	rows, err := db.reader().query(ctx, text, args...)
	if err != nil {
		return nil, db.wrap(op, err)
	}
	list, err := scanTargets(rows)
	if err != nil {
		return nil, db.wrap(op, err)
	}
	if len(list) == 0 {
		return nil, notFound()
	}
	return list[0], nil
}

// storableStatuses returns the statuses that an engine can keep as text: the others match no
// stored status.
func storableStatuses(list []firmware.TargetStatus) []firmware.TargetStatus {
	keep := make([]firmware.TargetStatus, 0, len(list))
	for _, s := range list {
		if storableText(string(s)) {
			keep = append(keep, s)
		}
	}
	return keep
}

// scanCampaigns reads rows of campaign columns and closes rows.
func scanCampaigns(rows *sql.Rows) ([]*firmware.Campaign, error) {
	defer rows.Close()
	var list []*firmware.Campaign
	for rows.Next() {
		var (
			c                                             firmware.Campaign
			status                                        string
			retries, interval                             sql.NullInt64
			retrieve, install, deadline, created, updated nullTime
		)
		if err := rows.Scan(&c.ID, &c.Name, &c.Firmware, &c.Location, &retrieve, &install, &retries, &interval, &c.SigningCertificate,
			&c.Signature, &c.Concurrency, &deadline, &status, &c.CreatedBy, &created, &updated); err != nil {
			return nil, err
		}
		c.Status, c.InstallAt = firmware.CampaignStatus(status), install.ptr()
		c.RetrieveAt, c.Deadline, c.CreatedAt, c.UpdatedAt = retrieve.T, deadline.T, created.T, updated.T
		if retries.Valid {
			n := int(retries.Int64)
			c.Retries = &n
		}
		if interval.Valid {
			n := int(interval.Int64)
			c.RetryInterval = &n
		}
		list = append(list, &c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return list, rows.Close()
}

// scanTargets reads rows of target columns and closes rows.
func scanTargets(rows *sql.Rows) ([]*firmware.Target, error) {
	defer rows.Close()
	var list []*firmware.Target
	for rows.Next() {
		var (
			t             firmware.Target
			st, status    string
			command       sql.NullInt64
			next, updated nullTime
		)
		if err := rows.Scan(&t.CampaignID, &st, &t.RequestID, &status, &t.Detail, &command, &t.Attempts, &next, &updated); err != nil {
			return nil, err
		}
		t.StationID, t.Status, t.CommandID = ladda.StationID(st), firmware.TargetStatus(status), command.Int64
		t.NextAttemptAt, t.UpdatedAt = next.T, updated.T
		list = append(list, &t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return list, rows.Close()
}
