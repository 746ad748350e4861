package billing

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// restrictionsJSON is how Restrictions travel in JSON, close to OCPI 2.2.1: weekdays by their
// upper-case English names, durations in whole seconds.
type restrictionsJSON struct {
	StartTime      string    `json:"startTime,omitempty"`
	EndTime        string    `json:"endTime,omitempty"`
	StartDate      string    `json:"startDate,omitempty"`
	EndDate        string    `json:"endDate,omitempty"`
	DaysOfWeek     []string  `json:"daysOfWeek,omitempty"`
	MinKWh         *Quantity `json:"minKWh,omitempty"`
	MaxKWh         *Quantity `json:"maxKWh,omitempty"`
	MinPowerKW     *Quantity `json:"minPowerKW,omitempty"`
	MaxPowerKW     *Quantity `json:"maxPowerKW,omitempty"`
	MinDuration    *int64    `json:"minDuration,omitempty"` // seconds
	MaxDuration    *int64    `json:"maxDuration,omitempty"`
	MinParking     *int64    `json:"minParking,omitempty"`
	ConnectorTypes []string  `json:"connectorTypes,omitempty"`
}

// MarshalJSON writes r with weekdays as "MONDAY"… and durations in seconds.
func (r Restrictions) MarshalJSON() ([]byte, error) {
	out := restrictionsJSON{StartTime: r.StartTime, EndTime: r.EndTime, StartDate: r.StartDate, EndDate: r.EndDate, ConnectorTypes: r.ConnectorTypes,
		MinKWh: r.MinKWh, MaxKWh: r.MaxKWh, MinPowerKW: r.MinPowerKW, MaxPowerKW: r.MaxPowerKW,
		MinDuration: seconds(r.MinDuration), MaxDuration: seconds(r.MaxDuration), MinParking: seconds(r.MinParking)}
	for _, d := range r.DaysOfWeek {
		if d < time.Sunday || d > time.Saturday {
			return nil, fmt.Errorf("billing: weekday %d out of range", d)
		}
		out.DaysOfWeek = append(out.DaysOfWeek, strings.ToUpper(d.String()))
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON writes. Unknown weekday names and fractional or
// negative seconds are errors; the other rules are Price's to check.
func (r *Restrictions) UnmarshalJSON(b []byte) error {
	var in restrictionsJSON
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return err
	}
	out := Restrictions{StartTime: in.StartTime, EndTime: in.EndTime, StartDate: in.StartDate, EndDate: in.EndDate, ConnectorTypes: in.ConnectorTypes,
		MinKWh: in.MinKWh, MaxKWh: in.MaxKWh, MinPowerKW: in.MinPowerKW, MaxPowerKW: in.MaxPowerKW}
	var err error
	if out.MinDuration, err = duration("minDuration", in.MinDuration); err != nil {
		return err
	}
	if out.MaxDuration, err = duration("maxDuration", in.MaxDuration); err != nil {
		return err
	}
	if out.MinParking, err = duration("minParking", in.MinParking); err != nil {
		return err
	}
	for _, name := range in.DaysOfWeek {
		d, ok := weekday(name)
		if !ok {
			return fmt.Errorf("billing: %q is not a weekday such as MONDAY", name)
		}
		out.DaysOfWeek = append(out.DaysOfWeek, d)
	}
	*r = out
	return nil
}

func seconds(d *time.Duration) *int64 {
	if d == nil {
		return nil
	}
	s := int64(*d / time.Second)
	return &s
}

func duration(name string, s *int64) (*time.Duration, error) {
	if s == nil {
		return nil, nil
	}
	if *s < 0 || *s > 10*366*24*3600 {
		return nil, fmt.Errorf("billing: %s must be between 0 and ten years, in seconds", name)
	}
	d := time.Duration(*s) * time.Second
	return &d, nil
}

func weekday(name string) (time.Weekday, bool) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if strings.ToUpper(d.String()) == name {
			return d, true
		}
	}
	return 0, false
}

// scheduleJSON is how a PriceSchedule travels in JSON: its step in whole seconds, omitted when
// it is the default of one hour, and its points' instants in RFC 3339.
type scheduleJSON struct {
	Name     string       `json:"name"`
	Currency string       `json:"currency"`
	Step     *int64       `json:"step,omitempty"` // seconds
	Points   []PricePoint `json:"points"`
}

// MarshalJSON writes s with its step in seconds.
func (s PriceSchedule) MarshalJSON() ([]byte, error) {
	out := scheduleJSON{Name: s.Name, Currency: s.Currency, Points: s.Points}
	if s.Step != 0 {
		out.Step = seconds(&s.Step)
	}
	if out.Points == nil {
		out.Points = []PricePoint{}
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON writes. Unknown fields and fractional or negative
// seconds are errors; the other rules are Check's.
func (s *PriceSchedule) UnmarshalJSON(b []byte) error {
	var in scheduleJSON
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return err
	}
	step, err := duration("step", in.Step)
	if err != nil {
		return err
	}
	*s = PriceSchedule{Name: in.Name, Currency: in.Currency, Points: in.Points}
	if step != nil {
		s.Step = *step
	}
	return nil
}
