// Package storetest is the conformance suite of Ladda's stores: the rules that the doc comments
// of station.Store, charging.Store, account.Store, firmware.Store, pki.Store, billing.Store,
// billing.Payments, billing.Campaigns and smartcharging.Store state, written as tests that every engine runs
// unchanged (store/sqlite and store/postgres call Run and Bench from their _test files), and
// RunAtRest, the tests of what an engine keeps in its database: personal data sealed, key
// rotation, an audit log and a ledger the database itself keeps append-only. Import it only
// from tests.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/billing"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/firmware"
	"github.com/ladda-csms/ladda/pki"
	"github.com/ladda-csms/ladda/smartcharging"
	"github.com/ladda-csms/ladda/station"
)

// Store is what an engine provides.
type Store interface {
	station.Store
	charging.Store
	charging.Reservations
	account.Store
	firmware.Store
	pki.Store
	billing.Store
	billing.Payments
	billing.Campaigns
	smartcharging.Store
	Ping(ctx context.Context) error
	Secret(ctx context.Context, name string, size int) ([]byte, error)
	// Reseal rewrites every sealed value under the keyring's primary key.
	Reseal(ctx context.Context) (int, error)
	// CheckKeys refuses a keyring that does not open the database's sealed data.
	CheckKeys(ctx context.Context) error
	Close() error
}

// Run runs the suite. open returns a new, empty store for one test and arranges for it to be
// closed and removed at the test's end (Close may then be called a second time).
func Run(t *testing.T, open func(t *testing.T) Store) {
	t.Run("Station", func(t *testing.T) { testStations(t, open) })
	t.Run("Connector", func(t *testing.T) { testConnectors(t, open) })
	t.Run("IDToken", func(t *testing.T) { testTokens(t, open) })
	t.Run("Transaction", func(t *testing.T) { testTransactions(t, open) })
	t.Run("MeterValues", func(t *testing.T) { testMeterValues(t, open) })
	t.Run("Command", func(t *testing.T) { testCommands(t, open) })
	t.Run("RemoteStart", func(t *testing.T) { testRemoteStarts(t, open) })
	t.Run("Setting", func(t *testing.T) { testSettings(t, open) })
	t.Run("Report", func(t *testing.T) { testReports(t, open) })
	t.Run("ChargingProfile", func(t *testing.T) { testChargingProfiles(t, open) })
	t.Run("LocalList", func(t *testing.T) { testLocalLists(t, open) })
	t.Run("Reservation", func(t *testing.T) { testReservations(t, open) })
	t.Run("FirmwareCampaign", func(t *testing.T) { testFirmwareCampaigns(t, open) })
	t.Run("PKI", func(t *testing.T) { testPKI(t, open) })
	t.Run("Site", func(t *testing.T) { testSites(t, open) })
	t.Run("Tariff", func(t *testing.T) { testTariffs(t, open) })
	t.Run("CDR", func(t *testing.T) { testCDRs(t, open) })
	t.Run("Invoice", func(t *testing.T) { testInvoices(t, open) })
	t.Run("TaxRate", func(t *testing.T) { testTaxRates(t, open) })
	t.Run("ForgetUser", func(t *testing.T) { testForgetUser(t, open) })
	t.Run("UninvoicedPages", func(t *testing.T) { testUninvoicedPages(t, open) })
	t.Run("SubscriptionInvoice", func(t *testing.T) { testSubscriptionInvoices(t, open) })
	t.Run("Payment", func(t *testing.T) { testPayments(t, open) })
	t.Run("PaymentOfOrg", func(t *testing.T) { testPaymentsOfOrg(t, open) })
	t.Run("Ledger", func(t *testing.T) { testLedger(t, open) })
	t.Run("Plan", func(t *testing.T) { testPlans(t, open) })
	t.Run("Schedule", func(t *testing.T) { testSchedules(t, open) })
	t.Run("SponsorCampaign", func(t *testing.T) { testSponsorCampaigns(t, open) })
	t.Run("SmartCharging", func(t *testing.T) { testSmartCharging(t, open) })
	t.Run("APIKey", func(t *testing.T) { testAPIKeys(t, open) })
	t.Run("Organisation", func(t *testing.T) { testOrganisations(t, open) })
	t.Run("User", func(t *testing.T) { testUsers(t, open) })
	t.Run("Session", func(t *testing.T) { testSessions(t, open) })
	t.Run("Throttle", func(t *testing.T) { testThrottles(t, open) })
	t.Run("OneTimeToken", func(t *testing.T) { testOneTimeTokens(t, open) })
	t.Run("RecoveryCode", func(t *testing.T) { testRecoveryCodes(t, open) })
	t.Run("Audit", func(t *testing.T) { testAudit(t, open) })
	t.Run("Favourite", func(t *testing.T) { testFavourites(t, open) })
	t.Run("Webhook", func(t *testing.T) { testWebhooks(t, open) })
	t.Run("Delivery", func(t *testing.T) { testDeliveries(t, open) })
	t.Run("Prune", func(t *testing.T) { testPrune(t, open) })
	t.Run("Secret", func(t *testing.T) { testSecrets(t, open) })
	t.Run("Concurrency", func(t *testing.T) { testConcurrency(t, open) })
	t.Run("Lifecycle", func(t *testing.T) { testLifecycle(t, open) })
}

// t0 is the start of every test's timeline; it has microsecond precision, as stored times do.
var t0 = time.Date(2025, 3, 1, 10, 0, 0, 123456000, time.UTC)

// at returns t0 plus d.
func at(d time.Duration) time.Time { return t0.Add(d) }

func ptr[T any](v T) *T { return &v }

// MustCreateStation stores an accepted station with the given id.
func MustCreateStation(tb testing.TB, s Store, id ladda.StationID) *station.Station {
	tb.Helper()
	st := &station.Station{
		ID:           id,
		Description:  "station " + string(id),
		Registration: station.Accepted,
		Credential:   station.Credential{Salt: []byte("salt-" + id), Hash: []byte("hash-" + id)},
		CreatedAt:    t0,
		UpdatedAt:    t0,
	}
	if err := s.CreateStation(tb.Context(), st); err != nil {
		tb.Fatalf("CreateStation(%s): %v", id, err)
	}
	return st
}

// MustStation returns a stored station.
func MustStation(tb testing.TB, s Store, id ladda.StationID) *station.Station {
	tb.Helper()
	st, err := s.Station(tb.Context(), id)
	if err != nil {
		tb.Fatalf("Station(%s): %v", id, err)
	}
	return st
}

// MustCreateToken stores an accepted token.
func MustCreateToken(tb testing.TB, s Store, t *charging.IDToken) *charging.IDToken {
	tb.Helper()
	if t.Type == "" {
		t.Type = "ISO14443"
	}
	if t.Status == "" {
		t.Status = charging.Accepted
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt, t.UpdatedAt = t0, t0
	}
	if err := s.CreateIDToken(tb.Context(), t); err != nil {
		tb.Fatalf("CreateIDToken(%s): %v", t.Token, err)
	}
	return t
}

// newTx returns a transaction to start on a station's EVSE (connector 1) at t0+d.
func newTx(st ladda.StationID, evse int, token string, d time.Duration) *charging.Transaction {
	started := at(d)
	return &charging.Transaction{
		StationID:   st,
		StartKey:    fmt.Sprintf("c:%d:1:%s:%s", evse, token, started.Format(time.RFC3339Nano)),
		EVSEID:      evse,
		ConnectorID: 1,
		IDToken:     token,
		StartedAt:   started,
		UpdatedAt:   started,
	}
}

// MustStart starts tx and fails unless it was created.
func MustStart(tb testing.TB, s Store, tx *charging.Transaction) *charging.Transaction {
	tb.Helper()
	created, err := s.StartTransaction(tb.Context(), tx)
	if err != nil {
		tb.Fatalf("StartTransaction(%s): %v", tx.StartKey, err)
	}
	if !created {
		tb.Fatalf("StartTransaction(%s): created = false for a new start", tx.StartKey)
	}
	return tx
}

// MustTransaction returns a stored transaction with its samples.
func MustTransaction(tb testing.TB, s Store, id ladda.TransactionID) *charging.Transaction {
	tb.Helper()
	tx, err := s.Transaction(tb.Context(), id)
	if err != nil {
		tb.Fatalf("Transaction(%d): %v", id, err)
	}
	return tx
}

// wantKind fails unless err is a *ladda.Error of kind k.
func wantKind(tb testing.TB, err error, k ladda.Kind) {
	tb.Helper()
	var e *ladda.Error
	switch {
	case err == nil:
		tb.Fatalf("error = nil, want kind %v", k)
	case !errors.As(err, &e):
		tb.Fatalf("error %v (%T) is not a *ladda.Error, want kind %v", err, err, k)
	case e.Kind != k:
		tb.Fatalf("error %v has kind %v, want %v", err, e.Kind, k)
	}
}

// wantTime fails unless got is want, in UTC.
func wantTime(tb testing.TB, name string, got, want time.Time) {
	tb.Helper()
	if !got.Equal(want) || got.Location() != time.UTC {
		tb.Errorf("%s = %v, want %v in UTC", name, got, want)
	}
}

// wantTimePtr is wantTime for optional times.
func wantTimePtr(tb testing.TB, name string, got, want *time.Time) {
	tb.Helper()
	switch {
	case got == nil && want == nil:
	case got == nil || want == nil:
		tb.Errorf("%s = %v, want %v", name, got, want)
	default:
		wantTime(tb, name, *got, *want)
	}
}

// fmtPtr formats an optional value for messages.
func fmtPtr[T any](p *T) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

// wantPtr fails unless the optional values are equal.
func wantPtr[T comparable](tb testing.TB, name string, got, want *T) {
	tb.Helper()
	if (got == nil) != (want == nil) || (got != nil && *got != *want) {
		tb.Errorf("%s = %s, want %s", name, fmtPtr(got), fmtPtr(want))
	}
}

// oneWins runs n writers of change at once, each with its index, and fails the test unless
// exactly one of them reports that its change applied; it returns that one's index.
func oneWins(t *testing.T, n int, change func(i int) (bool, error)) int {
	t.Helper()
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		winners []int
	)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			ok, err := change(i)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				winners = append(winners, i)
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	if len(winners) != 1 {
		t.Fatalf("%d changes applied, want 1", len(winners))
	}
	return winners[0]
}
