package charging

import (
	"context"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/station"
)

// RemoteStart is a request, by an operator or an app, that a station start charging for a
// token, and what became of it.
//
// Rules: its ID is also the 2.0.1 remoteStartId. It is linked to the transaction the station
// starts: by remoteStartId when the station echoes it (2.0.1), otherwise (1.6) to the first
// transaction the station starts for the same token (on the same EVSE, if one was named) that
// reaches Ladda within RemoteStartWindow after the request (Ladda's clock: a station's may be off). A remote start is linked at most once, and a
// transaction to at most one remote start.
type RemoteStart struct {
	ID            int64
	StationID     ladda.StationID
	EVSEID        int // 0: the station chooses
	IDToken       string
	Status        string // the station's answer (Accepted, Rejected); Offline, Timeout or Failed when the request did not get through; empty while unanswered
	CommandID     int64  // the entry of the station's command log
	TransactionID *ladda.TransactionID
	RequestedBy   string
	RequestedAt   time.Time
}

// RemoteStartWindow is how long after a remote start a 1.6 transaction for the same token is
// taken to be its result.
const RemoteStartWindow = 5 * time.Minute

// RemoteStartLink is a started transaction looking for the remote start it answers.
type RemoteStartLink struct {
	StationID     ladda.StationID
	RemoteStartID int64 // 2.0.1 remoteStartId, 0 when the station gave none
	IDToken       string
	EVSEID        int
	Since         time.Time // only remote starts requested at or after this
	TransactionID ladda.TransactionID
}

// RemoteStarts keeps remote start requests. Errors are *ladda.Error; NotFound for unknown IDs.
type RemoteStarts interface {
	// CreateRemoteStart stores r and assigns r.ID.
	CreateRemoteStart(ctx context.Context, r *RemoteStart) error
	// AnswerRemoteStart stores the station's answer and the command log entry of a remote start.
	AnswerRemoteStart(ctx context.Context, id int64, status string, commandID int64) error
	// RemoteStart returns one remote start.
	RemoteStart(ctx context.Context, id int64) (*RemoteStart, error)
	// LinkRemoteStart links a transaction to the remote start it answers, if any: the unlinked
	// one with ID RemoteStartID of the station when given; else the oldest unlinked one of the
	// station for the token that the station did not refuse (status "" or Accepted: its answer
	// may be stored after the start arrives), requested since Since, for the EVSE or for any
	// EVSE (EVSEID 0 on the request). It reports whether one was linked.
	LinkRemoteStart(ctx context.Context, l RemoteStartLink) (bool, error)
}

// StationCommands is what the charging service needs of the station service: sending commands
// with the command log kept.
type StationCommands interface {
	Execute(ctx context.Context, id ladda.StationID, cmd station.Command, requestedBy string) (*station.CommandRecord, error)
	// Station returns a station; Ladda's own retries skip stations that are not connected,
	// so that an offline station's command log does not fill with attempts.
	Station(ctx context.Context, id ladda.StationID) (*station.Station, error)
}

// connected reports whether a station is connected, as the store knows; false when it cannot
// tell.
func connected(ctx context.Context, c interface {
	Station(ctx context.Context, id ladda.StationID) (*station.Station, error)
}, id ladda.StationID) bool {
	st, err := c.Station(ctx, id)
	return err == nil && st.Connected
}

// SetStationCommands tells the service how to send commands. Call it once, before use.
func (s *Service) SetStationCommands(c StationCommands) { s.commands = c }

// RequestStart asks a station to start charging for token on evse (0: the station chooses),
// limited by profile when given (a TxProfile), and keeps the request so that the transaction
// can be found from it. It returns the request
// with the station's answer; a station's refusal is an answer, not an error. Errors: as
// station.Service.Execute, and Invalid for an empty or too long token.
func (s *Service) RequestStart(ctx context.Context, id ladda.StationID, evse int, token, tokenType string, profile *station.ChargingProfile, requestedBy string) (*RemoteStart, *station.CommandRecord, error) {
	const op = "charging.RequestStart"
	if token == "" || len(token) > MaxTokenLen {
		return nil, nil, ladda.Errorf(ladda.Invalid, op, "idToken must be 1 to %d characters", MaxTokenLen)
	}
	if s.commands == nil {
		return nil, nil, ladda.Errorf(ladda.Unavailable, op, "commands are not available")
	}
	r := &RemoteStart{StationID: id, EVSEID: evse, IDToken: token, RequestedBy: requestedBy, RequestedAt: s.clock.Now()}
	if err := s.store.CreateRemoteStart(ctx, r); err != nil {
		return nil, nil, ladda.Wrap(op, err)
	}
	rec, err := s.commands.Execute(ctx, id, station.RequestStart{EVSEID: evse, IDToken: token, TokenType: tokenType, RemoteStartID: r.ID, Profile: profile}, requestedBy)
	// Record the outcome; a request that never reached the station (offline, no answer, an
	// error) gets a status that keeps it from being linked to a later transaction.
	switch {
	case rec != nil && rec.Outcome == station.CommandAnswered:
		r.Status, r.CommandID = rec.Answer.Status, rec.ID
	case rec != nil:
		r.Status, r.CommandID = notStarted(rec.Outcome), rec.ID
	default:
		r.Status = notStarted(station.CommandFailed)
	}
	if err := s.store.AnswerRemoteStart(context.WithoutCancel(ctx), r.ID, r.Status, r.CommandID); err != nil {
		return nil, nil, ladda.Wrap(op, err)
	}
	if err != nil {
		return r, rec, ladda.Wrap(op, err)
	}
	return r, rec, nil
}

// RemoteStart returns a remote start request, with its transaction once the station started it.
func (s *Service) RemoteStart(ctx context.Context, id int64) (*RemoteStart, error) {
	r, err := s.store.RemoteStart(ctx, id)
	return r, ladda.Wrap("charging.RemoteStart", err)
}

// WaitForTransaction waits until a remote start is linked to its transaction, the station
// refused it, or ctx ends, checking the store every poll; it returns the remote start as it is
// then. Polling the store (not an in-process event) keeps it right when the station is
// connected to another node.
func (s *Service) WaitForTransaction(ctx context.Context, id int64, poll time.Duration) (*RemoteStart, error) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		r, err := s.RemoteStart(context.WithoutCancel(ctx), id)
		if err != nil || r.TransactionID != nil || (r.Status != "" && r.Status != "Accepted") {
			return r, err
		}
		select {
		case <-ctx.Done():
			return r, nil
		case <-t.C:
		}
	}
}

// RequestStop asks a station to stop a transaction. Errors: NotFound for an unknown
// transaction, Conflict when it has stopped already or its station is not connected.
func (s *Service) RequestStop(ctx context.Context, id ladda.TransactionID, requestedBy string) (*station.CommandRecord, error) {
	const op = "charging.RequestStop"
	if s.commands == nil {
		return nil, ladda.Errorf(ladda.Unavailable, op, "commands are not available")
	}
	tx, err := s.store.Transaction(ctx, id)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if !tx.Active() {
		return nil, ladda.Errorf(ladda.Conflict, op, "transaction %d has stopped already", id)
	}
	rec, err := s.commands.Execute(ctx, tx.StationID, station.RequestStop{StationTxID: tx.StationTxID}, requestedBy)
	return rec, ladda.Wrap(op, err)
}

// notStarted is the status of a remote start whose request did not get through to the
// station: "Offline", "Timeout" or "Failed".
func notStarted(o station.CommandOutcome) string {
	switch o {
	case station.CommandOffline:
		return "Offline"
	case station.CommandTimeout:
		return "Timeout"
	}
	return "Failed"
}
