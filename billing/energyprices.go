package billing

import (
	"context"
	"time"

	"github.com/ladda-csms/ladda"
)

// SpotPrice is the spot price per kWh from From to To.
type SpotPrice struct {
	From, To time.Time
	PerKWh   float64 // for comparing stretches of time, not for billing
}

// SpotPrices returns the spot prices between from and to of the price schedule that the
// energy price of a transaction follows, in time order: what smart charging plans with. A
// transaction without a frozen price, or whose tariff follows no schedule, has none.
func (s *Service) SpotPrices(ctx context.Context, tx ladda.TransactionID, from, to time.Time) ([]SpotPrice, error) {
	const op = "billing.SpotPrices"
	fp, err := s.store.FrozenPrice(ctx, tx)
	if ladda.IsKind(err, ladda.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	scheds, err := s.schedules(ctx, fp.Tariff.Tariff)
	if err != nil || len(scheds) == 0 {
		return nil, ladda.Wrap(op, err)
	}
	var sc *PriceSchedule
	for _, e := range fp.Tariff.Tariff.Elements {
		for _, c := range e.Components {
			if c.Type == Energy && c.Schedule != "" && sc == nil {
				sc = scheds[c.Schedule]
			}
		}
	}
	if sc == nil {
		return nil, nil
	}
	step := sc.Step
	if step <= 0 {
		step = time.Hour
	}
	var out []SpotPrice
	for i, p := range sc.Points {
		end := p.Start.Add(step)
		if i+1 < len(sc.Points) {
			end = sc.Points[i+1].Start
		}
		if !end.After(from) || !p.Start.Before(to) {
			continue
		}
		f, _ := p.Price.rat().Float64()
		out = append(out, SpotPrice{From: p.Start, To: end, PerKWh: f})
	}
	return out, nil
}
