package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
)

// Bounds of the wait of POST /api/v1/stations/{id}/remote-start for the transaction to start.
const (
	defaultStartWait = 30 * time.Second
	maxStartWait     = 120 * time.Second
	startPoll        = 100 * time.Millisecond
)

// RemoteStart is a request that a station start charging for a token, and what became of it.
type RemoteStart struct {
	ID            int64     `json:"id" doc:"Also the OCPP 2.0.1 remoteStartId sent to the station."`
	StationID     string    `json:"stationId"`
	EVSEID        int       `json:"evseId" doc:"The EVSE asked for (for OCPP 1.6 stations, the connector); 0: the station chooses."`
	IDToken       string    `json:"idToken"`
	Status        string    `json:"status" doc:"The station's answer, Accepted or Rejected; Offline, Timeout or Failed when the request did not get through (see the command); such requests are never linked to a transaction."`
	TransactionID *int64    `json:"transactionId,omitempty" doc:"The transaction the station started for this request; absent until it has."`
	RequestedBy   string    `json:"requestedBy" doc:"Who asked: apikey:<id> for an API key."`
	RequestedAt   time.Time `json:"requestedAt"`
	CommandID     *int64    `json:"commandId,omitempty" doc:"The entry of the station's command log that carried the request, once answered."`
}

// RemoteStartResult is a remote start with, as far as they are known, the transaction it
// started and the command that asked for it.
type RemoteStartResult struct {
	RemoteStart RemoteStart  `json:"remoteStart"`
	Transaction *Transaction `json:"transaction,omitempty" doc:"The transaction started; present once the station has started it."`
	Command     *Command     `json:"command,omitempty" doc:"The command log entry; present when the station refused (or failed to answer) the request."`
}

func viewRemoteStart(r *charging.RemoteStart) RemoteStart {
	v := RemoteStart{
		ID:          r.ID,
		StationID:   string(r.StationID),
		EVSEID:      r.EVSEID,
		IDToken:     r.IDToken,
		Status:      r.Status,
		RequestedBy: r.RequestedBy,
		RequestedAt: r.RequestedAt.UTC(),
	}
	if r.TransactionID != nil {
		id := int64(*r.TransactionID)
		v.TransactionID = &id
	}
	if r.CommandID != 0 {
		id := r.CommandID
		v.CommandID = &id
	}
	return v
}

// remoteStartResult views r with its transaction, when it has one.
func (s *server) remoteStartResult(ctx context.Context, r *charging.RemoteStart) (RemoteStartResult, error) {
	res := RemoteStartResult{RemoteStart: viewRemoteStart(r)}
	if r.TransactionID == nil {
		return res, nil
	}
	tx, err := s.charging.Transaction(ctx, *r.TransactionID)
	if err != nil {
		return res, err
	}
	v := viewTransaction(tx)
	res.Transaction = &v
	return res, nil
}

type remoteStartInput struct {
	ID   string `path:"id" maxLength:"48"`
	Wait string `query:"wait" default:"30s" doc:"How long to wait for the station to start the transaction, as a Go duration (30s, 1m30s); at most 120s; 0s answers as soon as the station has accepted."`
	Body struct {
		IDToken   string           `json:"idToken" minLength:"1" maxLength:"36" doc:"The token to charge for."`
		TokenType string           `json:"tokenType,omitempty" enum:"Central,eMAID,ISO14443,ISO15693,KeyCode,Local,MacAddress,NoAuthorization" default:"Central" doc:"OCPP 2.0.1 IdTokenEnumType of the token; 1.6 stations get the token alone."`
		EVSEID    int              `json:"evseId,omitempty" minimum:"0" doc:"The EVSE to charge on (for OCPP 1.6 stations, the connector); absent or 0: the station chooses."`
		Profile   *ChargingProfile `json:"chargingProfile,omitempty" doc:"Limits for the transaction (a TxProfile); a station that cannot apply it refuses the start."`
	} `nameHint:"RemoteStartRequest"`
}

type remoteStartOutput struct {
	Status   int
	Location *string `header:"Location" nullable:"false" doc:"201: the transaction; 202: the remote start, to follow until it has a transactionId; absent on 200."`
	Body     RemoteStartResult
}

// startWait parses the wait parameter of a remote start.
func startWait(s string) (time.Duration, error) {
	const op = "httpapi.remoteStart"
	if s == "" {
		return defaultStartWait, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || d > maxStartWait {
		return 0, ladda.Errorf(ladda.Invalid, op, "wait must be a duration from 0s to %ds, such as 30s; not %q", int(maxStartWait.Seconds()), s)
	}
	return d, nil
}

// remoteStart handles POST /api/v1/stations/{id}/remote-start: asks the station to start
// charging for a token and waits, up to wait, for the transaction. 201 when it started in time
// (with the transaction), 202 when the station accepted but has not started yet, 200 when it
// refused.
func (s *server) remoteStart(ctx context.Context, in *remoteStartInput) (*remoteStartOutput, error) {
	wait, err := startWait(in.Wait)
	if err != nil {
		return nil, err
	}
	b := in.Body
	if err := s.usableToken(ctx, b.IDToken); err != nil {
		return nil, err
	}
	typ := b.TokenType
	if typ == "" {
		typ = "Central"
	}
	r, rec, err := s.charging.RequestStart(ctx, ladda.StationID(in.ID), b.EVSEID, b.IDToken, typ, b.Profile.domain(), requestedBy(ctx))
	if err != nil {
		return nil, err
	}
	if r.Status != "Accepted" {
		out := &remoteStartOutput{Status: http.StatusOK, Body: RemoteStartResult{RemoteStart: viewRemoteStart(r)}}
		if rec != nil {
			c := viewCommand(rec)
			out.Body.Command = &c
		}
		return out, nil
	}
	if wait > 0 {
		wctx, cancel := context.WithTimeout(ctx, wait)
		got, err := s.charging.WaitForTransaction(wctx, r.ID, startPoll)
		cancel()
		if err != nil {
			return nil, err
		}
		r = got
	}
	res, err := s.remoteStartResult(ctx, r)
	if err != nil {
		return nil, err
	}
	out := &remoteStartOutput{Status: http.StatusAccepted, Body: res}
	loc := Prefix + "/remote-starts/" + strconv.FormatInt(r.ID, 10)
	if res.Transaction != nil {
		out.Status = http.StatusCreated
		loc = Prefix + "/transactions/" + strconv.FormatInt(res.Transaction.ID, 10)
	}
	out.Location = &loc
	return out, nil
}

type remoteStartIDInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type remoteStartResultOutput struct {
	Body RemoteStartResult
}

// getRemoteStart handles GET /api/v1/remote-starts/{id}: the remote start, with its
// transaction once the station has started it.
func (s *server) getRemoteStart(ctx context.Context, in *remoteStartIDInput) (*remoteStartResultOutput, error) {
	r, err := s.charging.RemoteStart(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	if err := s.visibleStation(ctx, r.StationID); err != nil {
		return nil, err
	}
	res, err := s.remoteStartResult(ctx, r)
	if err != nil {
		return nil, err
	}
	return &remoteStartResultOutput{Body: res}, nil
}

// remoteStop handles POST /api/v1/transactions/{id}/remote-stop: asks the station to stop the
// transaction. The answer is the command log entry; the transaction ends when the station
// reports it.
func (s *server) remoteStop(ctx context.Context, in *transactionInput) (*commandOutput, error) {
	if _, err := s.operableTransaction(ctx, in.ID); err != nil {
		return nil, err
	}
	rec, err := s.charging.RequestStop(ctx, ladda.TransactionID(in.ID), requestedBy(ctx))
	if err != nil {
		return nil, err
	}
	return &commandOutput{Body: viewCommand(rec)}, nil
}
