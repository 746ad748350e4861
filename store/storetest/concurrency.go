package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/station"
)

func testConcurrency(t *testing.T, open func(t *testing.T) Store) {
	t.Run("50 writers at once all succeed and all are visible", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		const n = 50
		ids := make([]ladda.TransactionID, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				<-start
				tx := newTx(ladda.StationID(fmt.Sprint("CS-", i%5)), i+1, "T", time.Duration(i)*time.Second)
				if _, err := s.StartTransaction(t.Context(), tx); err != nil {
					errs <- err
					return
				}
				ids[i] = tx.ID
				_, err := s.RecordMeterValues(t.Context(), charging.MeterReport{StationID: tx.StationID, TransactionID: tx.ID, EVSEID: tx.EVSEID, ConnectorID: 1,
					Samples: []charging.Sample{{Time: at(time.Minute), Measurand: charging.MeasurandEnergyImport, Value: float64(i)}}, RegisterWh: ptr(float64(i)), SeqNo: ptr(i), At: at(time.Minute)})
				if err != nil {
					errs <- err
				}
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		seen := map[ladda.TransactionID]bool{}
		for i, id := range ids {
			if seen[id] {
				t.Errorf("ID %d given twice", id)
			}
			seen[id] = true
			tx := MustTransaction(t, s, id)
			if tx.EVSEID != i+1 || len(tx.Samples) != 1 || tx.Samples[0].Value != float64(i) || tx.LastSeqNo == nil || *tx.LastSeqNo != i {
				t.Errorf("writer %d: stored %+v", i, tx)
			}
		}
		if list := mustTransactions(t, s, charging.TransactionFilter{Limit: 1000}); len(list) != n {
			t.Errorf("%d transactions listed, want %d", len(list), n)
		}
	})

	t.Run("a failing write does not fail the writes batched with it", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		const n = 60
		start := make(chan struct{})
		var wg sync.WaitGroup
		results := make([]error, n)
		for i := range n {
			wg.Go(func() {
				<-start
				switch i % 4 {
				case 0: // breaks a constraint of the schema: the statement fails
					results[i] = s.SetConnectorStatus(t.Context(), station.StatusChange{StationID: "CS-1", EVSEID: i + 1, ConnectorID: -1, Status: station.StatusAvailable, Time: t0})
				case 1: // refused by the store's own check
					_, results[i] = s.RecordMeterValues(t.Context(), charging.MeterReport{StationID: "CS-1", TransactionID: 999999,
						Samples: []charging.Sample{{Time: t0, Measurand: "x", Value: 1}}, At: t0})
				default:
					results[i] = s.SetConnectorStatus(t.Context(), station.StatusChange{StationID: "CS-1", EVSEID: i + 1, ConnectorID: 1, Status: station.StatusAvailable, Time: t0})
				}
			})
		}
		close(start)
		wg.Wait()
		want := 0
		for i, err := range results {
			switch i % 4 {
			case 0:
				if err == nil {
					t.Errorf("writer %d: a connector with ID -1 was stored", i)
				}
			case 1:
				if !ladda.IsKind(err, ladda.NotFound) {
					t.Errorf("writer %d: error %v, want NotFound", i, err)
				}
			default:
				want++
				if err != nil {
					t.Errorf("writer %d failed with its neighbours: %v", i, err)
				}
			}
		}
		got := MustStation(t, s, "CS-1").EVSEs
		if len(got) != want {
			t.Errorf("%d EVSEs stored, want %d", len(got), want)
		}
		for _, e := range got {
			if (e.ID-1)%4 < 2 {
				t.Errorf("EVSE %d of a failed write was stored", e.ID)
			}
		}
	})

	t.Run("a write whose context ended is not made", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		err := s.CreateStation(ctx, &station.Station{ID: "CS-1", Registration: station.Accepted, CreatedAt: t0, UpdatedAt: t0})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error = %v, want context.Canceled", err)
		}
		_, err = s.Station(t.Context(), "CS-1")
		wantKind(t, err, ladda.NotFound)
	})

	t.Run("writers of one station see each other's writes in order", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		const n = 40
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				for j := range n {
					setStatus(t, s, "CS-1", i+1, 1, station.ConnectorStatus(fmt.Sprint("S", j)), at(time.Duration(j)*time.Second))
				}
			})
		}
		wg.Wait()
		for _, e := range MustStation(t, s, "CS-1").EVSEs {
			if got := e.Connectors[0].Status; got != station.ConnectorStatus(fmt.Sprint("S", n-1)) {
				t.Errorf("EVSE %d: status %s, want the last one written", e.ID, got)
			}
		}
	})
}

func testLifecycle(t *testing.T, open func(t *testing.T) Store) {
	t.Run("an open store answers pings", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		if err := s.Ping(t.Context()); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("close waits for queued writes, then writes fail", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		MustCreateStation(t, s, "CS-1")
		var wg sync.WaitGroup
		errs := make([]error, 20)
		for i := range errs {
			wg.Go(func() {
				errs[i] = s.SetConnectorStatus(t.Context(), station.StatusChange{StationID: "CS-1", EVSEID: i + 1, ConnectorID: 1, Status: station.StatusAvailable, Time: t0})
			})
		}
		time.Sleep(time.Millisecond) // let some writes queue; the rest come after Close
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil && !ladda.IsKind(err, ladda.Unavailable) {
				t.Errorf("write %d: %v, want success or Unavailable", i, err)
			}
		}
		err := s.CreateStation(t.Context(), &station.Station{ID: "CS-2", Registration: station.Accepted, CreatedAt: t0, UpdatedAt: t0})
		wantKind(t, err, ladda.Unavailable)
		if err := s.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	})
}
