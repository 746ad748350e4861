package ocpptest

import (
	"encoding/json"
	"slices"
)

// costUpdated keeps the running cost of a transaction that the CSMS sent in a CostUpdated
// (2.0.1 I02), whatever the transaction. The message has no status to refuse it with: a
// refusing station answers it all the same and forgets the cost.
func (s *Station) costUpdated(transactionID string, totalCost float64, refuse bool) {
	if refuse {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.costs == nil {
		s.costs = map[string]float64{}
	}
	s.costs[transactionID] = totalCost
}

// Cost returns the last running cost of a transaction that the CSMS sent (2.0.1 CostUpdated
// totalCost, in the CSMS's currency), and whether it sent one.
func (s *Station) Cost(transactionID string) (float64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.costs[transactionID]
	return c, ok
}

// FinalCost returns the total cost of a transaction that the CSMS gave in its answer to the
// TransactionEvent Ended (2.0.1 totalCost), and whether it gave one.
func (s *Station) FinalCost(transactionID string) (float64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.finalCosts[transactionID]
	return c, ok
}

// setFinalCost keeps the total cost of a transaction that ended.
func (s *Station) setFinalCost(transactionID string, totalCost float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finalCosts == nil {
		s.finalCosts = map[string]float64{}
	}
	s.finalCosts[transactionID] = totalCost
}

// remoteProfile checks the charging profile of a remote start (1.6 RemoteStartTransaction,
// 2.0.1 RequestStartTransaction; p is nil or the version's *ChargingProfile): the station
// takes only a TxProfile, for the transaction it is to start, so without a transaction id
// (1.6 5.11, 2.0.1 F01). It returns the profile as JSON (nil when there is none) and false
// when the start is to be Rejected.
func remoteProfile(p any, purpose string, hasTransaction bool) (json.RawMessage, bool) {
	if purpose != "TxProfile" || hasTransaction {
		return nil, false
	}
	out, err := json.Marshal(p)
	return out, err == nil
}

// SessionProfile returns the charging profile of the session on a connector (1.6) or EVSE
// (2.0.1): the TxProfile the remote start that began it carried, as the version's typed
// ChargingProfile (v16.ChargingProfile or v201.ChargingProfile) encodes it; unmarshal it into
// that type. False when the connector has no session, or its session came without a profile.
func (s *Station) SessionProfile(connectorID int) (json.RawMessage, bool) {
	sess, ok := s.Session(connectorID)
	if !ok || sess.profile == nil {
		return nil, false
	}
	return slices.Clone(sess.profile), true
}
