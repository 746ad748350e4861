package ocpp

import (
	"context"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/ocpp/v201"
)

// transactionEvent201 handles 2.0.1 TransactionEvent, the one message that carries a
// transaction's start, updates and end. Transaction ids are the station's. Every event is
// stored before the answer; replays are harmless (a Started maps to the transaction it created,
// an Ended stops once); an Updated or Ended for a transaction whose Started never arrived
// starts it from what the event says.
func transactionEvent201(ctx context.Context, r *Router, c call, req *v201.TransactionEventRequest) (any, error) {
	if req.EVSE != nil {
		connector := 0
		if req.EVSE.ConnectorID != nil {
			connector = *req.EVSE.ConnectorID
		}
		if err := checkIDs(c.action, req.EVSE.ID, connector); err != nil {
			return nil, err
		}
	}
	samples := samples201(req.MeterValue)
	seq := req.SeqNo
	var token string
	if req.IDToken != nil {
		token = req.IDToken.IDToken
	}
	res := &v201.TransactionEventResponse{}
	var info charging.AuthInfo

	switch req.EventType {
	case v201.TransactionEventStarted, v201.TransactionEventUpdated:
		start := charging.Start{
			StationID:   c.station,
			StationTxID: req.TransactionInfo.TransactionID,
			IDToken:     token,
			StartedAt:   req.Timestamp.UTC(),
			Authorize:   token != "",
			SeqNo:       &seq,
		}
		if id := req.ReservationID; id != nil {
			start.ReservationID = int64(*id)
		}
		if id := req.TransactionInfo.RemoteStartID; id != nil {
			start.RemoteStartID = int64(*id)
		}
		if req.EVSE != nil {
			start.EVSEID = req.EVSE.ID
			if req.EVSE.ConnectorID != nil {
				start.ConnectorID = *req.EVSE.ConnectorID
			}
		}
		if req.EventType == v201.TransactionEventStarted {
			start.MeterWh = charging.RegisterWh(samples)
			start.Samples = samples
		}
		tx, auth, err := r.startOrFind(ctx, req.EventType, start)
		if err != nil {
			return nil, err
		}
		info = auth
		if req.EventType == v201.TransactionEventUpdated {
			if start.ReservationID > 0 || start.IDToken != "" {
				r.charging.ReservationUsed(ctx, tx, start.ReservationID)
			}
			err := r.charging.RecordMeterValues(ctx, charging.Meter{StationID: c.station, TransactionID: tx.ID,
				EVSEID: tx.EVSEID, ConnectorID: tx.ConnectorID, Samples: samples, SeqNo: &seq})
			if err != nil {
				return nil, err
			}
		}
	case v201.TransactionEventEnded:
		reason := string(req.TransactionInfo.StoppedReason)
		if reason == "" {
			reason = string(v201.ReasonLocal) // 2.0.1: stoppedReason may be omitted when Local
		}
		stop := charging.Stop{
			StationID:   c.station,
			StationTxID: req.TransactionInfo.TransactionID,
			IDToken:     token,
			StoppedAt:   req.Timestamp.UTC(),
			MeterWh:     charging.RegisterWh(samples),
			Reason:      reason,
			Samples:     samples,
			SeqNo:       &seq,
		}
		if req.EVSE != nil {
			stop.EVSEID = req.EVSE.ID
			if req.EVSE.ConnectorID != nil {
				stop.ConnectorID = *req.EVSE.ConnectorID
			}
		}
		tx, auth, err := r.charging.StopTransaction(ctx, stop)
		if err != nil {
			return nil, err
		}
		info = auth
		if cost, ok := r.charging.FinalCost(ctx, tx); ok {
			res.TotalCost = &cost
		}
	default:
		return nil, errUnexpected("eventType %q passed the schema", req.EventType)
	}
	if token != "" {
		ti := idTokenInfo201(info)
		res.IDTokenInfo = &ti
	}
	return res, nil
}

// startOrFind returns the transaction an event is about. A Started event records the start
// (idempotently). An Updated event, the most frequent message of a charging station, finds its
// transaction with a read and writes nothing here unless the transaction is unknown (its
// Started was lost), in which case the event starts it.
func (r *Router) startOrFind(ctx context.Context, event v201.TransactionEvent, start charging.Start) (*charging.Transaction, charging.AuthInfo, error) {
	if event == v201.TransactionEventUpdated {
		tx, err := r.charging.TransactionByStationTxID(ctx, start.StationID, start.StationTxID)
		if err == nil {
			var info charging.AuthInfo
			if start.IDToken != "" {
				info, err = r.charging.TokenPresented(ctx, tx, start.IDToken)
			}
			return tx, info, err
		}
		if !ladda.IsKind(err, ladda.NotFound) {
			return nil, charging.AuthInfo{}, err
		}
	}
	return r.charging.StartTransaction(ctx, start)
}
