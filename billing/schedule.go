package billing

import (
	"sort"
	"strings"
	"time"

	"github.com/ladda-csms/ladda"
)

// PriceSchedule is a list of prices per kWh over time, such as the hourly day-ahead spot prices
// of an electricity market, which schedule-linked Energy components follow (see Component).
//
// Rules, checked by Check: Name is not blank; tariffs refer to the schedule by it. Currency is
// an ISO 4217 code of three upper-case letters, and a tariff may only follow a schedule in its
// own currency. Points start strictly one after another. Step is zero, meaning one hour, or a
// positive whole number of seconds. Prices exclude tax, may have any number of decimals, and
// may be negative, as spot prices sometimes are.
//
// A point's price holds from its Start until the next point's Start, and the last point's for
// Step after its Start. Before the first point and after that, the schedule covers no instant;
// an empty schedule covers none.
type PriceSchedule struct {
	Name     string
	Currency string
	Step     time.Duration // how long the last point holds; 0 means one hour
	Points   []PricePoint
}

// PricePoint is the price per kWh, excluding tax, from the instant Start on.
type PricePoint struct {
	Start time.Time `json:"start"`
	Price Amount    `json:"price"`
}

// Check returns an Invalid error naming the first rule s breaks, or nil.
func (s *PriceSchedule) Check() error {
	const op = "billing.PriceSchedule"
	switch {
	case strings.TrimSpace(s.Name) == "":
		return ladda.Errorf(ladda.Invalid, op, "a price schedule needs a name")
	case len(s.Currency) != 3 || !isUpper(s.Currency):
		return ladda.Errorf(ladda.Invalid, op, "schedule %q: currency %q is not an ISO 4217 code", s.Name, s.Currency)
	case s.Step < 0 || s.Step%time.Second != 0:
		return ladda.Errorf(ladda.Invalid, op, "schedule %q: step %s is neither 0 nor a positive whole number of seconds", s.Name, s.Step)
	}
	for i := 1; i < len(s.Points); i++ {
		if !s.Points[i].Start.After(s.Points[i-1].Start) {
			return ladda.Errorf(ladda.Invalid, op, "schedule %q: point %d starts at %s, not after point %d", s.Name, i, s.Points[i].Start, i-1)
		}
	}
	return nil
}

// At returns the price per kWh in force at instant t, and false if s does not cover t. It
// expects s to pass Check.
func (s *PriceSchedule) At(t time.Time) (Amount, bool) {
	i := sort.Search(len(s.Points), func(i int) bool { return s.Points[i].Start.After(t) }) - 1
	if i < 0 || (i == len(s.Points)-1 && !t.Before(s.end())) {
		return Amount{}, false
	}
	return s.Points[i].Price, true
}

// end returns the instant after which s covers nothing, for s with points.
func (s *PriceSchedule) end() time.Time {
	step := s.Step
	if step == 0 {
		step = time.Hour
	}
	return s.Points[len(s.Points)-1].Start.Add(step)
}

// changes returns the instants in (from, to) at which the price of s may change: the starts of
// its points and the end of its last point.
func (s *PriceSchedule) changes(from, to time.Time) []time.Time {
	if len(s.Points) == 0 {
		return nil
	}
	var out []time.Time
	for i := sort.Search(len(s.Points), func(i int) bool { return s.Points[i].Start.After(from) }); i < len(s.Points) && s.Points[i].Start.Before(to); i++ {
		out = append(out, s.Points[i].Start)
	}
	if end := s.end(); end.After(from) && end.Before(to) {
		out = append(out, end)
	}
	return out
}
