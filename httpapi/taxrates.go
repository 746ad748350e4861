package httpapi

import (
	"context"
	"time"

	"github.com/ladda-csms/ladda/billing"
)

// Tax rates: Ladda's defaults by country, and the operator's own, which take their places.

// TaxRate is a VAT or sales tax rate of a country, or a region of it, for a period.
type TaxRate struct {
	Country string     `json:"country" pattern:"^[A-Z]{2}$" doc:"ISO 3166-1 alpha-2."`
	Region  string     `json:"region,omitempty" pattern:"^[A-Z]{2}-[A-Z0-9]{1,3}$" doc:"ISO 3166-2, such as US-CA; absent: the whole country."`
	Percent string     `json:"percent" pattern:"^[0-9]+(\\.[0-9]+)?$" doc:"25.5 means 25.5 %."`
	From    *time.Time `json:"from,omitempty" doc:"In force from (inclusive); absent: always."`
	To      *time.Time `json:"to,omitempty" doc:"In force until (exclusive); absent: still."`
	Name    string     `json:"name,omitempty" maxLength:"40" doc:"What invoices call it: Moms, MwSt, Sales tax."`
}

func viewRates(rates []billing.TaxRate) []TaxRate {
	out := make([]TaxRate, 0, len(rates))
	for _, r := range rates {
		out = append(out, TaxRate{Country: r.Country, Region: r.Region, Percent: r.Percent.String(), From: utc(r.From), To: utcPtr(r.To), Name: r.Name})
	}
	return out
}

// TaxRates are the rates in force and the operator's own.
type TaxRates struct {
	Effective []TaxRate `json:"effective" nullable:"false" doc:"What sessions are taxed at: Ladda's defaults, with the operator's own rates in the places they name."`
	Own       []TaxRate `json:"own" nullable:"false" doc:"The operator's own rates."`
}

type taxRatesOutput struct {
	Body TaxRates
}

func (s *server) taxRatesView(ctx context.Context) (*taxRatesOutput, error) {
	effective, own, err := s.billing.TaxRates(ctx)
	if err != nil {
		return nil, err
	}
	return &taxRatesOutput{Body: TaxRates{Effective: viewRates(effective), Own: viewRates(own)}}, nil
}

func (s *server) getTaxRates(ctx context.Context, _ *struct{}) (*taxRatesOutput, error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	return s.taxRatesView(ctx)
}

type putTaxRatesInput struct {
	Body struct {
		Rates []TaxRate `json:"rates" maxItems:"10000" doc:"All of the operator's own rates: each place named here loses Ladda's default rates."`
	} `nameHint:"TaxRatesChange"`
}

// putTaxRates handles PUT /api/v1/tax-rates: replaces the operator's own rates.
func (s *server) putTaxRates(ctx context.Context, in *putTaxRatesInput) (*taxRatesOutput, error) {
	if err := s.needBilling(); err != nil {
		return nil, err
	}
	rates := make([]billing.TaxRate, 0, len(in.Body.Rates))
	for _, r := range in.Body.Rates {
		pct, err := billing.ParseQuantity(r.Percent)
		if err != nil {
			return nil, err
		}
		rate := billing.TaxRate{Country: r.Country, Region: r.Region, Percent: pct, To: r.To, Name: r.Name}
		if r.From != nil {
			rate.From = *r.From
		}
		rates = append(rates, rate)
	}
	if err := s.billing.SetTaxRates(ctx, rates); err != nil {
		return nil, err
	}
	return s.taxRatesView(ctx)
}
