package main

import (
	"log/slog"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/billing"
	"github.com/ladda-csms/ladda/billing/invoicepdf"
	"github.com/ladda-csms/ladda/billing/stripe"
	"github.com/ladda-csms/ladda/config"
)

// newBilling builds the billing service: invoices as PDF, sponsorship messages on the
// stations' screens, and payments through Stripe when a key is configured.
func newBilling(cfg config.Config, db store, events ladda.Publisher, stations billing.CampaignStations, log *slog.Logger) (*billing.Service, error) {
	o := billing.Options{Logger: log, Events: events, Render: invoicepdf.Render, Payments: db, WalletCurrency: cfg.WalletCurrency,
		HomeCountry: cfg.HomeCountry, Stations: stations}
	var err error
	if o.Preauthorize, err = billing.ParseAmount(cfg.Preauthorize); err != nil {
		return nil, err
	}
	if o.WalletMinimum, err = billing.ParseAmount(cfg.WalletMinimum); err != nil {
		return nil, err
	}
	if cfg.StripeSecretKey != "" {
		gw, err := stripe.New(stripe.Config{SecretKey: cfg.StripeSecretKey, WebhookSecret: cfg.StripeWebhookSecret, BaseURL: cfg.StripeAPIURL})
		if err != nil {
			return nil, err
		}
		o.Gateway = gw
	} else {
		log.Info("no --stripe-secret-key: sessions are priced and invoiced, not charged")
	}
	return billing.NewService(db, db, o)
}
