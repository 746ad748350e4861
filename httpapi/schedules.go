package httpapi

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/billing"
)

// Price schedules: spot prices per kWh (excluding tax) that tariffs' ENERGY components follow.

// PricePoint is a price from Start until the next point (the last one holds for the schedule's
// step).
type PricePoint struct {
	Start time.Time `json:"start"`
	Price string    `json:"price" pattern:"^-?[0-9]+(\\.[0-9]+)?$" doc:"Per kWh, excluding tax; may be negative."`
}

// PriceSchedule is a named series of prices, such as a bidding zone's day-ahead prices.
type PriceSchedule struct {
	Name     string       `json:"name"`
	Currency string       `json:"currency"`
	Step     int64        `json:"step,omitempty" doc:"Seconds the last point holds; absent: 3600."`
	Points   []PricePoint `json:"points,omitempty"`
}

func viewSchedule(sc *billing.PriceSchedule) PriceSchedule {
	v := PriceSchedule{Name: sc.Name, Currency: sc.Currency, Step: int64(sc.Step / time.Second)}
	for _, p := range sc.Points {
		v.Points = append(v.Points, PricePoint{Start: p.Start.UTC(), Price: p.Price.String()})
	}
	return v
}

type scheduleInput struct {
	Name string `path:"name" pattern:"^[A-Za-z0-9._-]{1,64}$"`
}

type scheduleOutput struct {
	Body PriceSchedule
}

func (s *server) listSchedules(ctx context.Context, _ *struct{}) (*listOutput[PriceSchedule], error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	list, err := s.billing.Schedules(ctx)
	if err != nil {
		return nil, err
	}
	out := &listOutput[PriceSchedule]{Body: List[PriceSchedule]{Items: make([]PriceSchedule, 0, len(list))}}
	for _, sc := range list {
		out.Body.Items = append(out.Body.Items, viewSchedule(sc))
	}
	return out, nil
}

func (s *server) getSchedule(ctx context.Context, in *scheduleInput) (*scheduleOutput, error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	sc, err := s.billing.Schedule(ctx, in.Name)
	if err != nil {
		return nil, err
	}
	return &scheduleOutput{Body: viewSchedule(sc)}, nil
}

type putScheduleInput struct {
	Name string `path:"name" pattern:"^[A-Za-z0-9._-]{1,64}$"`
	Body struct {
		Currency string       `json:"currency" pattern:"^[A-Z]{3}$"`
		Step     int64        `json:"step,omitempty" minimum:"0" maximum:"86400" doc:"Seconds the last point holds; absent: 3600."`
		Points   []PricePoint `json:"points" maxItems:"100000" doc:"Strictly increasing starts."`
	} `nameHint:"PriceScheduleBody"`
}

func (s *server) putSchedule(ctx context.Context, in *putScheduleInput) (*scheduleOutput, error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	sc := &billing.PriceSchedule{Name: in.Name, Currency: in.Body.Currency, Step: time.Duration(in.Body.Step) * time.Second}
	for i, p := range in.Body.Points {
		price, err := billing.ParseAmount(p.Price)
		if err != nil {
			return nil, ladda.Errorf(ladda.Invalid, "httpapi.putSchedule", "point %d: %s", i, ladda.ErrorMessage(err))
		}
		sc.Points = append(sc.Points, billing.PricePoint{Start: p.Start, Price: price})
	}
	if err := s.billing.PutSchedule(ctx, sc); err != nil {
		return nil, err
	}
	return &scheduleOutput{Body: viewSchedule(sc)}, nil
}

// scheduleCSVInput is a schedule as CSV: a line "start,price" per point (RFC 3339 start, price
// per kWh with a point as the decimal separator), an optional header line.
type scheduleCSVInput struct {
	Name     string `path:"name" pattern:"^[A-Za-z0-9._-]{1,64}$"`
	Currency string `query:"currency" required:"true" pattern:"^[A-Z]{3}$"`
	Step     int64  `query:"step" minimum:"0" maximum:"86400" doc:"Seconds the last point holds; absent: 3600."`
	body     []byte
}

// Resolve reads the CSV body.
func (in *scheduleCSVInput) Resolve(ctx huma.Context) []error {
	b, err := io.ReadAll(io.LimitReader(ctx.BodyReader(), MaxBodyBytes))
	if err != nil {
		return []error{&huma.ErrorDetail{Message: "cannot read the body", Location: "body"}}
	}
	in.body = b
	return nil
}

func scheduleCSVBody() *huma.RequestBody {
	return &huma.RequestBody{
		Description: `Lines "start,price": an RFC 3339 instant and the price per kWh excluding tax, such as 2026-12-01T13:00:00Z,0.1234; a first line "start,price" is skipped.`,
		Required:    true,
		Content:     map[string]*huma.MediaType{"text/csv": {Schema: &huma.Schema{Type: huma.TypeString}}},
	}
}

// putScheduleCSV handles PUT /api/v1/price-schedules/{name}/csv: loads a schedule from CSV.
func (s *server) putScheduleCSV(ctx context.Context, in *scheduleCSVInput) (*scheduleOutput, error) {
	const op = "httpapi.putScheduleCSV"
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	sc := &billing.PriceSchedule{Name: in.Name, Currency: in.Currency, Step: time.Duration(in.Step) * time.Second}
	r := csv.NewReader(strings.NewReader(string(in.body)))
	r.FieldsPerRecord = 2
	r.TrimLeadingSpace = true
	for line := 1; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, ladda.Errorf(ladda.Invalid, op, "line %d: %v", line, err)
		}
		if line == 1 && strings.EqualFold(rec[0], "start") {
			continue
		}
		at, err := time.Parse(time.RFC3339, rec[0])
		if err != nil {
			return nil, ladda.Errorf(ladda.Invalid, op, "line %d: %q is not an RFC 3339 time", line, rec[0])
		}
		price, err := billing.ParseAmount(rec[1])
		if err != nil {
			return nil, ladda.Errorf(ladda.Invalid, op, "line %d: %s", line, ladda.ErrorMessage(err))
		}
		sc.Points = append(sc.Points, billing.PricePoint{Start: at, Price: price})
	}
	if err := s.billing.PutSchedule(ctx, sc); err != nil {
		return nil, err
	}
	return &scheduleOutput{Body: viewSchedule(sc)}, nil
}

func (s *server) deleteSchedule(ctx context.Context, in *scheduleInput) (*struct{}, error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	return nil, s.billing.DeleteSchedule(ctx, in.Name)
}
