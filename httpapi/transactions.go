package httpapi

import (
	"context"
	"strconv"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
)

// Transaction is one charging session at a connector, as lists show it.
type Transaction struct {
	ID                   int64      `json:"id"`
	StationID            string     `json:"stationId"`
	StationTransactionID string     `json:"stationTransactionId" doc:"The station's own id: OCPP 2.0.1 transactionId, or for 1.6 the decimal form of id."`
	EVSEID               int        `json:"evseId"`
	ConnectorID          int        `json:"connectorId"`
	IDToken              string     `json:"idToken" doc:"Empty for transactions started without a token."`
	StartedAt            time.Time  `json:"startedAt"`
	StoppedAt            *time.Time `json:"stoppedAt,omitempty" doc:"Absent while active."`
	Active               bool       `json:"active"`
	MeterStartWh         *float64   `json:"meterStartWh,omitempty" doc:"Energy register at start, if known."`
	MeterStopWh          *float64   `json:"meterStopWh,omitempty" doc:"Energy register at stop, if reported."`
	EnergyWh             float64    `json:"energyWh" doc:"Energy delivered so far, or in total once stopped; 0 when not known."`
	StopReason           string     `json:"stopReason,omitempty"`
	StoppedBy            string     `json:"stoppedBy,omitempty" doc:"The token that stopped it, when not the one that started it."`
	Flags                []string   `json:"flags" nullable:"false" doc:"Unusual things to look at: replaced, unknown-start, stale, seq-gap, not-authorized."`
}

// TransactionDetail is a transaction with its meter values, as GET /api/v1/transactions/{id}
// shows it.
type TransactionDetail struct {
	Transaction
	Samples []Sample `json:"samples" nullable:"false" doc:"Meter values in time order, in base units (Wh, W, A, V, …)."`
}

// Sample is one measured value in base units (Wh, W, A, V, Hz, …).
type Sample struct {
	Time      time.Time `json:"time"`
	Measurand string    `json:"measurand"`
	Phase     string    `json:"phase,omitempty"`
	Location  string    `json:"location,omitempty"`
	Context   string    `json:"context,omitempty"`
	Unit      string    `json:"unit,omitempty"`
	Value     float64   `json:"value"`
}

func viewTransaction(t *charging.Transaction) Transaction {
	v := Transaction{
		ID:                   int64(t.ID),
		StationID:            string(t.StationID),
		StationTransactionID: t.StationTxID,
		EVSEID:               t.EVSEID,
		ConnectorID:          t.ConnectorID,
		IDToken:              t.IDToken,
		StartedAt:            t.StartedAt.UTC(),
		StoppedAt:            utcPtr(t.StoppedAt),
		Active:               t.Active(),
		MeterStartWh:         t.MeterStartWh,
		MeterStopWh:          t.MeterStopWh,
		EnergyWh:             t.EnergyWh(),
		StopReason:           t.StopReason,
		StoppedBy:            t.StoppedBy,
		Flags:                make([]string, 0, len(t.Flags)),
	}
	for _, f := range t.Flags {
		v.Flags = append(v.Flags, string(f))
	}
	return v
}

type listTransactionsInput struct {
	StationID string         `query:"stationId" maxLength:"48" doc:"Only transactions of this station."`
	IDToken   string         `query:"idToken" maxLength:"36" doc:"Only transactions started with this token."`
	UserID    int64          `query:"userId" minimum:"1" doc:"Only transactions of the cards of this user (a member of your organisation)."`
	Active    optional[bool] `query:"active" doc:"Only active (true) or stopped (false) transactions."`
	Before    int64          `query:"before" minimum:"0" doc:"Cursor: the next value of the previous page; only transactions older than it."`
	Limit     int            `query:"limit" minimum:"1" maximum:"500" default:"100"`
}

type listTransactionsOutput struct {
	Body List[Transaction]
}

// listTransactions handles GET /api/v1/transactions: newest first.
func (s *server) listTransactions(ctx context.Context, in *listTransactionsInput) (*listTransactionsOutput, error) {
	limit := limitOf(in.Limit)
	f := transactionScope(caller(ctx), limit+1)
	f.Active, f.Before = in.Active.ptr(), ladda.TransactionID(in.Before)
	if err := s.narrowToUser(ctx, &f, in.UserID); err != nil {
		return nil, err
	}
	if in.StationID != "" {
		id := ladda.StationID(in.StationID)
		f.StationID = &id
	}
	if in.IDToken != "" {
		f.IDToken = &in.IDToken
	}
	found, err := s.charging.Transactions(ctx, f)
	if err != nil {
		return nil, err
	}
	found, next := page(found, limit, func(t *charging.Transaction) string { return strconv.FormatInt(int64(t.ID), 10) })
	out := &listTransactionsOutput{Body: List[Transaction]{Items: make([]Transaction, 0, len(found)), Next: next}}
	for _, t := range found {
		out.Body.Items = append(out.Body.Items, viewTransaction(t))
	}
	return out, nil
}

type transactionInput struct {
	ID int64 `path:"id" minimum:"1"`
}

type transactionOutput struct {
	Body TransactionDetail
}

// getTransaction handles GET /api/v1/transactions/{id}: the transaction with its meter values.
func (s *server) getTransaction(ctx context.Context, in *transactionInput) (*transactionOutput, error) {
	t, err := s.transaction(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	v := TransactionDetail{Transaction: viewTransaction(t), Samples: make([]Sample, 0, len(t.Samples))}
	for _, sm := range t.Samples {
		v.Samples = append(v.Samples, Sample{Time: sm.Time.UTC(), Measurand: sm.Measurand, Phase: sm.Phase,
			Location: sm.Location, Context: sm.Context, Unit: sm.Unit, Value: sm.Value})
	}
	return &transactionOutput{Body: v}, nil
}

type sendCostInput struct {
	ID   int64 `path:"id" minimum:"1"`
	Body *struct {
		TotalCost *float64 `json:"totalCost,omitempty" minimum:"0" doc:"The cost so far, in the currency the station shows; absent: as Ladda prices it."`
	} `nameHint:"CostRequest"`
}

// sendCost handles POST /api/v1/transactions/{id}/cost: shows the driver the running cost on the
// station (OCPP 2.0.1 CostUpdated).
func (s *server) sendCost(ctx context.Context, in *sendCostInput) (*commandOutput, error) {
	var cost *float64
	if in.Body != nil {
		cost = in.Body.TotalCost
	}
	if _, err := s.operableTransaction(ctx, in.ID); err != nil {
		return nil, err
	}
	rec, err := s.charging.SendCost(ctx, ladda.TransactionID(in.ID), cost, requestedBy(ctx))
	if err != nil {
		return nil, err
	}
	return &commandOutput{Body: viewCommand(rec)}, nil
}

// operableTransaction returns a transaction at a station the caller may send commands to;
// others are NotFound. Seeing a session of one's card is not enough to command the station.
func (s *server) operableTransaction(ctx context.Context, id int64) (*charging.Transaction, error) {
	t, err := s.charging.Transaction(ctx, ladda.TransactionID(id))
	if err != nil {
		return nil, err
	}
	if err := s.visibleStation(ctx, t.StationID); err != nil {
		if ladda.IsKind(err, ladda.NotFound) {
			return nil, ladda.Errorf(ladda.NotFound, "httpapi.operableTransaction", "transaction %d not found", id)
		}
		return nil, err
	}
	return t, nil
}

// transaction returns a transaction the caller may see; others are NotFound.
func (s *server) transaction(ctx context.Context, id int64) (*charging.Transaction, error) {
	t, err := s.charging.Transaction(ctx, ladda.TransactionID(id))
	if err != nil {
		return nil, err
	}
	if err := s.visibleTransaction(ctx, t); err != nil {
		return nil, err
	}
	return t, nil
}

// narrowToUser limits f to the sessions of the cards of user id, who must be the caller or a
// user the caller may see; 0 leaves f as it is.
func (s *server) narrowToUser(ctx context.Context, f *charging.TransactionFilter, id int64) error {
	if id == 0 {
		return nil
	}
	p := caller(ctx)
	if id != p.UserID() {
		if _, err := s.accounts.User(ctx, p, id); err != nil {
			return ladda.Errorf(ladda.Invalid, "httpapi.narrowToUser", "userId %d is not a user you may see", id)
		}
	}
	if f.TokenUserID != 0 && f.TokenUserID != id {
		f.TokenUserID = nobody
		return nil
	}
	f.TokenUserID = id
	return nil
}
