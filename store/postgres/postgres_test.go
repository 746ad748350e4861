package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/account"
	"github.com/ladda-csms/ladda/billing"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/firmware"
	"github.com/ladda-csms/ladda/pki"
	"github.com/ladda-csms/ladda/store/postgres"
	"github.com/ladda-csms/ladda/store/storetest"
	"github.com/ladda-csms/ladda/vault"
)

// The tests run against the server at LADDA_TEST_POSTGRES, each in a schema of its own. They
// are skipped when it cannot be reached, unless LADDA_REQUIRE_POSTGRES=1.
const defaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

var (
	server     *sql.DB
	serverErr  error
	serverOnce sync.Once
)

func baseDSN() string {
	if dsn := os.Getenv("LADDA_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	return defaultDSN
}

// connect returns a connection to the test server, or skips (or fails) the test.
func connect(tb testing.TB) *sql.DB {
	tb.Helper()
	serverOnce.Do(func() {
		server, serverErr = sql.Open("pgx", baseDSN())
		if serverErr == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			serverErr = server.PingContext(ctx)
		}
	})
	if serverErr != nil {
		if os.Getenv("LADDA_REQUIRE_POSTGRES") == "1" {
			tb.Fatalf("PostgreSQL at %s: %v", baseDSN(), serverErr)
		}
		tb.Skipf("PostgreSQL not reachable at %s (set LADDA_TEST_POSTGRES): %v", baseDSN(), serverErr)
	}
	return server
}

// withSearchPath returns dsn with its search_path set to schema.
func withSearchPath(tb testing.TB, dsn, schema string) string {
	tb.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			tb.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}

// open returns a store in a new schema, dropped at the end.
func open(tb testing.TB) storetest.Store {
	tb.Helper()
	return openSchema(tb, newSchema(tb))
}

// newSchema returns the name of an empty schema for one test. It is a schema of an earlier
// test emptied (see reuse), or else a new one, which the first Open migrates. At the test's
// end, once its stores are closed, it is emptied for the next test, or dropped.
func newSchema(tb testing.TB) string {
	tb.Helper()
	srv := connect(tb)
	var schema string
	select {
	case schema = <-spare:
	default:
		schema = "ladda_test_" + strings.ToLower(rand.Text()[:12])
		if _, err := srv.ExecContext(tb.Context(), "CREATE SCHEMA "+schema); err != nil {
			tb.Fatal(err)
		}
	}
	tb.Cleanup(func() {
		if !tb.Failed() && empty(srv, schema) == nil {
			select {
			case spare <- schema:
				return
			default:
			}
		}
		if _, err := srv.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Error(err)
		}
	})
	return schema
}

// spare holds emptied schemas of finished tests: creating and migrating a schema takes most of
// the time of a small test; emptying one takes a fraction. TestMain drops them at the end.
var spare = make(chan string, 64)

// empty deletes every row of schema but its migrations' and restarts its sequences, in one
// transaction that skips triggers and foreign keys (session_replication_role: it needs a
// superuser; without one, schemas are not reused).
func empty(srv *sql.DB, schema string) error {
	ctx := context.Background()
	tx, err := srv.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, q := range []string{
		"SET LOCAL session_replication_role = replica",
		"SET LOCAL search_path = " + schema,
		`DO $$
		DECLARE r record;
		BEGIN
			FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'goose_db_version' LOOP
				EXECUTE format('DELETE FROM %I', r.tablename);
			END LOOP;
			FOR r IN SELECT relname FROM pg_class WHERE relkind = 'S' AND relnamespace = current_schema()::regnamespace LOOP
				EXECUTE format('ALTER SEQUENCE %I RESTART', r.relname);
			END LOOP;
		END $$`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func TestMain(m *testing.M) {
	code := m.Run()
	for server != nil && len(spare) > 0 {
		server.Exec("DROP SCHEMA " + <-spare + " CASCADE")
	}
	os.Exit(code)
}

// openSchema returns a store in schema, closed at the end; several may share one schema, as
// processes share a database.
func openSchema(tb testing.TB, schema string) *postgres.DB {
	tb.Helper()
	return openSchemaWith(tb, schema, postgres.Options{})
}

// openSchemaWith is openSchema with options.
func openSchemaWith(tb testing.TB, schema string, opts postgres.Options) *postgres.DB {
	tb.Helper()
	db, err := postgres.Open(tb.Context(), withSearchPath(tb, baseDSN(), schema), opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return open(t) })
}

func TestAtRest(t *testing.T) {
	storetest.RunAtRest(t, func(t *testing.T) storetest.Engine {
		schema := newSchema(t)
		raw, err := sql.Open("pgx", withSearchPath(t, baseDSN(), schema))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { raw.Close() })
		return storetest.Engine{
			Open: func(t *testing.T, keys *vault.Keyring) storetest.Store {
				return openSchemaWith(t, schema, postgres.Options{Sealer: keys})
			},
			Raw: raw,
		}
	})
}

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) storetest.Store { return open(b) })
}

// Reservations created at once by two processes sharing the database: of overlapping ones,
// exactly one is stored, whether they overlap on an EVSE or by their token.
func TestReservationsAcrossProcesses(t *testing.T) {
	schema := newSchema(t)
	stores := []*postgres.DB{openSchema(t, schema), openSchema(t, schema)}
	const n = 16
	for i := range n {
		storetest.MustCreateStation(t, stores[0], ladda.StationID(fmt.Sprint("CS-", i)))
	}
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	for round := range 5 {
		day := t0.Add(time.Duration(round) * 24 * time.Hour)
		for _, tt := range []struct {
			name string
			r    func(i int) *charging.Reservation
		}{
			{"one EVSE", func(i int) *charging.Reservation {
				return &charging.Reservation{StationID: "CS-0", EVSEID: 1, IDToken: fmt.Sprint("T", i), Status: charging.ReservationScheduled,
					StartsAt: day.Add(time.Duration(i) * time.Minute), ExpiresAt: day.Add(time.Hour)}
			}},
			{"one token", func(i int) *charging.Reservation {
				return &charging.Reservation{StationID: ladda.StationID(fmt.Sprint("CS-", i)), EVSEID: 2, IDToken: "TOKEN", Status: charging.ReservationScheduled,
					StartsAt: day.Add(2*time.Hour + time.Duration(i)*time.Minute), ExpiresAt: day.Add(3 * time.Hour)}
			}},
		} {
			start := make(chan struct{})
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i := range n {
				r := tt.r(i)
				wg.Go(func() {
					<-start
					errs[i] = stores[i%2].CreateReservation(t.Context(), r)
				})
			}
			close(start)
			wg.Wait()
			stored := 0
			for i, err := range errs {
				switch {
				case err == nil:
					stored++
				case !ladda.IsKind(err, ladda.Conflict):
					t.Errorf("round %d, %s: writer %d: %v, want stored or a conflict", round, tt.name, i, err)
				}
			}
			if stored != 1 {
				t.Fatalf("round %d, %s: %d stored, want exactly 1", round, tt.name, stored)
			}
		}
	}
}

// Campaigns created at once by two processes sharing the database, all with one request id
// in common: exactly one is stored, the others are refused as conflicts naming the request id
// and store nothing.
func TestCampaignRequestIDsAcrossProcesses(t *testing.T) {
	schema := newSchema(t)
	stores := []*postgres.DB{openSchema(t, schema), openSchema(t, schema)}
	const n, stations = 8, 20
	ids := make([]ladda.StationID, stations)
	for i := range ids {
		ids[i] = ladda.StationID(fmt.Sprintf("CS-%02d", i))
		storetest.MustCreateStation(t, stores[0], ids[i])
	}
	for round := range 5 {
		shared := 1_000_000 + round
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make([]error, n)
		campaigns := make([]*firmware.Campaign, n)
		for i := range n {
			campaigns[i] = storetest.NewCampaign(fmt.Sprintf("round %d, writer %d", round, i))
			// Request ids of their own, but the last station's is the shared one.
			targets := storetest.NewTargets((round*n+i)*stations, ids...)
			targets[stations-1].RequestID = shared
			wg.Go(func() {
				<-start
				errs[i] = stores[i%2].CreateCampaign(t.Context(), campaigns[i], targets)
			})
		}
		close(start)
		wg.Wait()
		stored := -1
		for i, err := range errs {
			switch {
			case err == nil && stored < 0:
				stored = i
			case err == nil:
				t.Fatalf("round %d: writers %d and %d both stored request id %d", round, stored, i, shared)
			case !ladda.IsKind(err, ladda.Conflict):
				t.Errorf("round %d: writer %d: %v, want stored or a conflict", round, i, err)
			case !strings.Contains(err.Error(), fmt.Sprint("request id ", shared)):
				t.Errorf("round %d: writer %d: conflict %q does not name request id %d", round, i, err, shared)
			case campaigns[i].ID != 0:
				t.Errorf("round %d: writer %d refused, yet ID %d", round, i, campaigns[i].ID)
			}
		}
		if stored < 0 {
			t.Fatalf("round %d: no campaign stored", round)
		}
		target, err := stores[0].UpdatingTarget(t.Context(), ids[stations-1], &shared)
		if err != nil || target.CampaignID != campaigns[stored].ID {
			t.Fatalf("round %d: request id %d is of %+v, %v; want campaign %d", round, shared, target, err, campaigns[stored].ID)
		}
		// The refused campaigns' own request ids are free.
		for i := range n {
			if i == stored {
				continue
			}
			req := (round*n + i) * stations
			if _, err := stores[1].UpdatingTarget(t.Context(), ids[0], &req); !ladda.IsKind(err, ladda.NotFound) {
				t.Errorf("round %d: writer %d was refused, yet its request id %d is stored: %v", round, i, req, err)
			}
		}
	}
	list, err := stores[1].Campaigns(t.Context(), "", 0, 0)
	if err != nil || len(list) != 5 {
		t.Errorf("Campaigns: %d, %v; want 5", len(list), err)
	}
}

// A station deleted while a campaign that targets it is created by another process: either the
// campaign is refused (the station is gone) or the station's target goes with it; no target
// outlives its station.
func TestCampaignAndDeleteStationAcrossProcesses(t *testing.T) {
	schema := newSchema(t)
	a, b := openSchema(t, schema), openSchema(t, schema)
	for round := range 20 {
		gone := ladda.StationID(fmt.Sprint("GONE-", round))
		kept := ladda.StationID(fmt.Sprint("KEPT-", round))
		storetest.MustCreateStation(t, a, gone)
		storetest.MustCreateStation(t, a, kept)
		c := storetest.NewCampaign(fmt.Sprint("round ", round))
		targets := storetest.NewTargets(round*2, kept, gone)
		start := make(chan struct{})
		var wg sync.WaitGroup
		var createErr, deleteErr error
		wg.Go(func() {
			<-start
			createErr = a.CreateCampaign(t.Context(), c, targets)
		})
		wg.Go(func() {
			<-start
			deleteErr = b.DeleteStation(t.Context(), gone)
		})
		close(start)
		wg.Wait()
		if deleteErr != nil {
			t.Fatalf("round %d: DeleteStation: %v", round, deleteErr)
		}
		switch {
		case createErr == nil:
			list, err := a.Targets(t.Context(), c.ID, nil, time.Time{}, "", 0)
			if err != nil || len(list) != 1 || list[0].StationID != kept {
				t.Errorf("round %d: targets after the delete: %d, %v; want only %s", round, len(list), err, kept)
			}
		case !ladda.IsKind(createErr, ladda.NotFound):
			t.Errorf("round %d: CreateCampaign: %v, want stored or not found", round, createErr)
		}
		req := round*2 + 1
		if tg, err := b.UpdatingTarget(t.Context(), gone, &req); !ladda.IsKind(err, ladda.NotFound) {
			t.Errorf("round %d: the deleted station has target %+v, %v", round, tg, err)
		}
	}
}

// A certificate request recorded by one process while another deletes its station: it is
// either refused as not found or recorded before the delete and removed with the station;
// it never outlives the station.
func TestCertificateAndDeleteStationAcrossProcesses(t *testing.T) {
	schema := newSchema(t)
	a, b := openSchema(t, schema), openSchema(t, schema)
	for round := range 20 {
		gone := ladda.StationID(fmt.Sprint("GONE-", round))
		storetest.MustCreateStation(t, a, gone)
		c := &pki.Certificate{StationID: gone, Kind: "ChargingStationCertificate", CSR: "CSR", Status: pki.CertRequested}
		start := make(chan struct{})
		var wg sync.WaitGroup
		var recordErr, deleteErr error
		wg.Go(func() {
			<-start
			recordErr = a.RecordCertificate(t.Context(), c)
		})
		wg.Go(func() {
			<-start
			deleteErr = b.DeleteStation(t.Context(), gone)
		})
		close(start)
		wg.Wait()
		if deleteErr != nil {
			t.Fatalf("round %d: DeleteStation: %v", round, deleteErr)
		}
		if recordErr != nil && !ladda.IsKind(recordErr, ladda.NotFound) {
			t.Errorf("round %d: RecordCertificate: %v, want stored or not found", round, recordErr)
		}
		if list, err := b.Certificates(t.Context(), pki.CertFilter{StationID: gone}); err != nil || len(list) != 0 {
			t.Errorf("round %d: the deleted station has %d requests, %v", round, len(list), err)
		}
	}
}

// Deliveries claimed at once by two processes sharing the database: each is leased to exactly
// one of them (FOR UPDATE SKIP LOCKED), and all are leased.
func TestClaimAcrossProcesses(t *testing.T) {
	schema := newSchema(t)
	keys := storetest.TestKeyring(t, "k1") // payloads are sealed: both processes share the keys
	stores := []*postgres.DB{openSchemaWith(t, schema, postgres.Options{Sealer: keys}), openSchemaWith(t, schema, postgres.Options{Sealer: keys})}
	u := storetest.MustCreateUser(t, stores[0], "u@example.com")
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	const n = 200
	ds := make([]*account.Delivery, n)
	for i := range ds {
		ds[i] = &account.Delivery{Kind: account.EmailDelivery, UserID: u.ID, Template: "t", CreatedAt: t0, NextAt: t0}
	}
	if err := stores[0].Enqueue(t.Context(), ds); err != nil {
		t.Fatal(err)
	}
	var (
		mu      sync.Mutex
		claimed = map[int64]int{}
		wg      sync.WaitGroup
	)
	for w := range 4 {
		wg.Go(func() {
			for {
				list, err := stores[w%2].Claim(t.Context(), t0, time.Minute, 5)
				if err != nil {
					t.Error(err)
					return
				}
				if len(list) == 0 {
					return
				}
				mu.Lock()
				for _, d := range list {
					claimed[d.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(claimed) != n {
		t.Errorf("%d deliveries claimed, want %d", len(claimed), n)
	}
	for id, k := range claimed {
		if k != 1 {
			t.Errorf("delivery %d claimed %d times", id, k)
		}
	}
}

// Failures of one key recorded at once by two processes (with the same keys, which index it)
// are all counted.
func TestFailAcrossProcesses(t *testing.T) {
	schema := newSchema(t)
	keys := storetest.TestKeyring(t, "k1")
	stores := []*postgres.DB{openSchemaWith(t, schema, postgres.Options{Sealer: keys}), openSchemaWith(t, schema, postgres.Options{Sealer: keys})}
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, err := stores[i%2].Fail(t.Context(), "192.0.2.1", t0, time.Hour, nil); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if th, err := stores[1].Throttle(t.Context(), "192.0.2.1"); err != nil || th.Failures != n {
		t.Errorf("after %d failures at once: %+v, %v", n, th, err)
	}
}

// A one-time token and a recovery code used at once by two processes: each use succeeds once.
func TestUseOnceAcrossProcesses(t *testing.T) {
	schema := newSchema(t)
	keys := storetest.TestKeyring(t, "k1") // payloads are sealed: both processes share the keys
	stores := []*postgres.DB{openSchemaWith(t, schema, postgres.Options{Sealer: keys}), openSchemaWith(t, schema, postgres.Options{Sealer: keys})}
	u := storetest.MustCreateUser(t, stores[0], "u@example.com")
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	for round := range 5 {
		hash := []byte(fmt.Sprint("secret ", round))
		if err := stores[0].CreateToken(t.Context(), &account.OneTimeToken{Hash: hash, Purpose: account.ResetPasswordToken, UserID: u.ID,
			CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := stores[0].SetRecoveryCodes(t.Context(), u.ID, [][]byte{hash}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var tokens, codes atomic.Int32
		for i := range 8 {
			wg.Go(func() {
				if _, err := stores[i%2].UseToken(t.Context(), hash, account.ResetPasswordToken, t0); err == nil {
					tokens.Add(1)
				} else if !ladda.IsKind(err, ladda.NotFound) {
					t.Error(err)
				}
				if err := stores[i%2].UseRecoveryCode(t.Context(), u.ID, hash, t0); err == nil {
					codes.Add(1)
				} else if !ladda.IsKind(err, ladda.NotFound) {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if tokens.Load() != 1 || codes.Load() != 1 {
			t.Fatalf("round %d: the token was used %d times, the code %d times; want once each", round, tokens.Load(), codes.Load())
		}
	}
}

// Payments, ledger entries, subscriptions and gateway events written at once by two processes
// sharing the database: of the same payment, entry, running subscription or event, exactly one
// is stored, and the others get it (or a conflict); of updates of one version, one applies.
func TestPaymentsAcrossProcesses(t *testing.T) {
	schema := newSchema(t)
	keys := storetest.TestKeyring(t, "k1") // payments are sealed: both processes share the keys
	stores := []*postgres.DB{openSchemaWith(t, schema, postgres.Options{Sealer: keys}), openSchemaWith(t, schema, postgres.Options{Sealer: keys})}
	ctx := t.Context()
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	plan := storetest.MustCreatePlan(t, stores[0], &billing.Plan{Name: "Plus", Currency: "SEK"})
	for round := range 5 {
		const n = 8
		var (
			wg                              sync.WaitGroup
			payments, entries, subs, events atomic.Int32
			updates                         atomic.Int32
			paymentIDs, entryIDs            [n]int64
		)
		tx := ladda.TransactionID(100 + round)
		base := storetest.MustCreatePayment(t, stores[0], &billing.PaymentRecord{Kind: billing.PayTopUp, UserID: 1, Currency: "SEK",
			State: billing.StatePending, CreatedAt: t0, UpdatedAt: t0})
		for i := range n {
			wg.Go(func() {
				s := stores[i%2]
				p := &billing.PaymentRecord{Kind: billing.PaySession, UserID: 1, TransactionID: tx, Currency: "SEK", State: billing.StatePending,
					Ref: fmt.Sprint("pi_", round, "_", i), CreatedAt: t0, UpdatedAt: t0}
				if created, err := s.CreatePayment(ctx, p); err != nil {
					t.Error(err)
				} else if created {
					payments.Add(1)
				}
				paymentIDs[i] = p.ID

				amount, _ := billing.ParseAmount(fmt.Sprint(i + 1))
				e, err := billing.TopUp(1, "stripe", amount, "SEK", fmt.Sprint("topup:", round), t0)
				if err != nil {
					t.Error(err)
					return
				}
				if created, err := s.AppendEntry(ctx, e); err != nil {
					t.Error(err)
				} else if created {
					entries.Add(1)
				}
				entryIDs[i] = e.ID

				if err := s.CreateSubscription(ctx, &billing.Subscription{PlanID: plan.ID, UserID: int64(100 + round), Start: t0}); err == nil {
					subs.Add(1)
				} else if !ladda.IsKind(err, ladda.Conflict) {
					t.Error(err)
				}

				mine := *base
				mine.Attempts = i
				if err := s.UpdatePayment(ctx, &mine); err == nil {
					updates.Add(1)
				} else if !ladda.IsKind(err, ladda.Conflict) {
					t.Error(err)
				}

				if fresh, err := s.SeenGatewayEvent(ctx, fmt.Sprint("evt_", round), t0); err != nil {
					t.Error(err)
				} else if fresh {
					events.Add(1)
				}
			})
		}
		wg.Wait()
		for name, c := range map[string]int32{"payments": payments.Load(), "entries": entries.Load(), "subscriptions": subs.Load(),
			"updates": updates.Load(), "new events": events.Load()} {
			if c != 1 {
				t.Errorf("round %d: %d %s, want 1", round, c, name)
			}
		}
		for i := range n {
			if paymentIDs[i] != paymentIDs[0] || entryIDs[i] != entryIDs[0] {
				t.Fatalf("round %d: payments %v and entries %v, want one of each", round, paymentIDs, entryIDs)
			}
		}
		if b, err := stores[1].Balance(ctx, billing.GatewayAccount("stripe"), "SEK"); err != nil || b.Sign() <= 0 {
			t.Errorf("round %d: gateway balance %s, %v", round, b, err)
		}
	}
}
