package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/billing"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/config"
	"github.com/ladda-csms/ladda/smartcharging"
	"github.com/ladda-csms/ladda/station"
)

// newSmartCharging builds the load management: customer groups and spot prices come from
// billing.
func newSmartCharging(cfg config.Config, db smartcharging.Store, stations *station.Service, txs *charging.Service, bill *billing.Service, log *slog.Logger) *smartcharging.Service {
	sc := smartcharging.Config{Logger: log, RaiseEvery: cfg.LimitRaiseInterval, Horizon: cfg.LimitHorizon}
	if bill != nil {
		sc.Groups = func(ctx context.Context, tx *charging.Transaction) []string {
			st, err := stations.Station(ctx, tx.StationID)
			if err != nil {
				return nil
			}
			return bill.CustomerGroups(ctx, tx.IDToken, st.OrgID)
		}
		sc.Prices = func(ctx context.Context, tx ladda.TransactionID, from, to time.Time) ([]smartcharging.Price, error) {
			spot, err := bill.SpotPrices(ctx, tx, from, to)
			out := make([]smartcharging.Price, 0, len(spot))
			for _, p := range spot {
				out = append(out, smartcharging.Price{From: p.From, To: p.To, PerKWh: p.PerKWh})
			}
			return out, err
		}
	}
	return smartcharging.NewService(db, stations, txs, sc)
}

// smartEvents are the events load management follows.
func smartEvents(e ladda.Event) bool {
	switch e.Type {
	case ladda.EventTransactionStarted, ladda.EventTransactionEnded, ladda.EventMeterValues, ladda.EventConnectorStatus,
		ladda.EventStationConnected, ladda.EventStationBooted, ladda.EventStationDisconnected:
		return true
	}
	return false
}
