package charging

import (
	"context"
	"math"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/station"
)

// Pricer prices transactions for the driver's eyes: the running cost a 2.0.1 station shows
// (CostUpdated) and the total in the answer to the transaction's end. The billing issue fills
// it with tariffs; without one, Ladda sends no costs.
type Pricer interface {
	// TotalCost returns what tx costs so far (or in all, once stopped) in the currency the
	// station shows; ok is false when Ladda does not price it.
	TotalCost(ctx context.Context, tx *Transaction) (cost float64, ok bool, err error)
}

// SetPricer tells the service how to price transactions. Call it once, before use.
func (s *Service) SetPricer(p Pricer) { s.pricer = p }

// FinalCost is the total of a stopped transaction for the station's answer, when a Pricer
// prices it. Failing is logged, never fatal: the stop is stored either way.
func (s *Service) FinalCost(ctx context.Context, tx *Transaction) (float64, bool) {
	if s.pricer == nil || tx == nil {
		return 0, false
	}
	cost, ok, err := s.pricer.TotalCost(ctx, tx)
	if err != nil {
		s.log.Error("pricing a transaction", "transaction", tx.ID, "err", err)
		return 0, false
	}
	return cost, ok
}

// SendCost shows the driver a transaction's running cost on the station (2.0.1 CostUpdated):
// cost when given, else what the Pricer says. Errors: NotFound; Conflict when the transaction
// has stopped or its station is not connected; Invalid for a negative or non-finite cost, or a
// 1.6 station; Unavailable when no cost is given and Ladda prices nothing.
func (s *Service) SendCost(ctx context.Context, id ladda.TransactionID, cost *float64, requestedBy string) (*station.CommandRecord, error) {
	const op = "charging.SendCost"
	if s.commands == nil {
		return nil, ladda.Errorf(ladda.Unavailable, op, "commands are not available")
	}
	tx, err := s.store.Transaction(ctx, id)
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	if !tx.Active() {
		return nil, ladda.Errorf(ladda.Conflict, op, "transaction %d has stopped: its total went with the station's answer to the end", id)
	}
	if cost == nil {
		if s.pricer == nil {
			return nil, ladda.Errorf(ladda.Unavailable, op, "Ladda prices no transactions yet: give totalCost")
		}
		c, ok, err := s.pricer.TotalCost(ctx, tx)
		if err != nil {
			return nil, ladda.Wrap(op, err)
		}
		if !ok {
			return nil, ladda.Errorf(ladda.Unavailable, op, "transaction %d has no price", id)
		}
		cost = &c
	}
	if *cost < 0 || math.IsNaN(*cost) || math.IsInf(*cost, 0) {
		return nil, ladda.Errorf(ladda.Invalid, op, "totalCost must be a non-negative number")
	}
	rec, err := s.commands.Execute(ctx, tx.StationID, station.CostUpdated{StationTxID: tx.StationTxID, TotalCost: *cost}, requestedBy)
	return rec, ladda.Wrap(op, err)
}

// SendCosts shows the drivers of running, priced sessions their cost on the station's screen
// (2.0.1 CostUpdated), for each session whose cost changed since it was last sent, and returns
// how many it sent. Stations that cannot show costs (1.6) are remembered and skipped; one that
// is offline is tried again next time. Call it every few minutes.
func (s *Service) SendCosts(ctx context.Context) (int, error) {
	const op = "charging.SendCosts"
	if s.pricer == nil || s.commands == nil {
		return 0, nil
	}
	active := true
	f := TransactionFilter{Active: &active, Limit: 1000}
	s.costMu.Lock()
	if s.costSent == nil {
		s.costSent, s.costNot = map[ladda.TransactionID]float64{}, map[ladda.StationID]bool{}
	}
	s.costMu.Unlock()
	seen := map[ladda.TransactionID]bool{}
	sent := 0
	for {
		list, err := s.store.Transactions(ctx, f)
		if err != nil {
			return sent, ladda.Wrap(op, err)
		}
		for _, tx := range list {
			seen[tx.ID] = true
			s.costMu.Lock()
			skip := s.costNot[tx.StationID]
			last, had := s.costSent[tx.ID]
			s.costMu.Unlock()
			if skip {
				continue
			}
			cost, ok, err := s.pricer.TotalCost(ctx, tx)
			if err != nil || !ok || (had && cost == last) {
				continue
			}
			_, err = s.commands.Execute(ctx, tx.StationID, station.CostUpdated{StationTxID: tx.StationTxID, TotalCost: cost}, "ladda")
			s.costMu.Lock()
			switch {
			case err == nil:
				s.costSent[tx.ID] = cost
				sent++
			case ladda.IsKind(err, ladda.Invalid):
				s.costNot[tx.StationID] = true
			}
			s.costMu.Unlock()
		}
		if len(list) < f.Limit {
			break
		}
		f.Before = list[len(list)-1].ID
	}
	s.costMu.Lock()
	for id := range s.costSent {
		if !seen[id] {
			delete(s.costSent, id)
		}
	}
	s.costMu.Unlock()
	return sent, nil
}
