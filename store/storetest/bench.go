package storetest

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/station"
	"github.com/ladda-csms/ladda/store/internal/sqldb"
)

// benchStations is the number of concurrent stations the GroupCommit benchmark simulates.
const benchStations = 64

// Bench runs the benchmarks of a store. open returns a new, empty store, closed at the end.
func Bench(b *testing.B, open func(b *testing.B) Store) {
	b.Run("GroupCommit", func(b *testing.B) { benchGroupCommit(b, open) })
	b.Run("MeterValuesOneStation", func(b *testing.B) { benchMeterValuesSerial(b, open) })
	b.Run("StartStop", func(b *testing.B) { benchStartStop(b, open) })
	b.Run("ReadStation", func(b *testing.B) { benchReadStation(b, open) })
	b.Run("ReadIDToken", func(b *testing.B) { benchReadToken(b, open) })
	b.Run("ReplaceSettings300", func(b *testing.B) { benchReplaceSettings(b, open) })
	b.Run("RecordReport", func(b *testing.B) { benchRecordReport(b, open) })
	b.Run("ReadReports", func(b *testing.B) { benchReadReports(b, open) })
	b.Run("SetLocalList1000", func(b *testing.B) { benchSetLocalList(b, open) })
	b.Run("SentLocalList1000", func(b *testing.B) { benchSentLocalList(b, open) })
	b.Run("CreateReservation", func(b *testing.B) { benchCreateReservation(b, open) })
	b.Run("CreateCampaign1000", func(b *testing.B) { benchCreateCampaign(b, open) })
}

// meterSamples is a typical periodic MeterValues: the energy register, power, and current
// and voltage of three phases.
func meterSamples(t time.Time, wh float64) []charging.Sample {
	ss := []charging.Sample{
		{Time: t, Measurand: charging.MeasurandEnergyImport, Context: "Sample.Periodic", Unit: "Wh", Value: wh},
		{Time: t, Measurand: "Power.Active.Import", Context: "Sample.Periodic", Unit: "W", Value: 11040},
	}
	for _, ph := range []string{"L1", "L2", "L3"} {
		ss = append(ss,
			charging.Sample{Time: t, Measurand: "Current.Import", Phase: ph, Context: "Sample.Periodic", Unit: "A", Value: 16},
			charging.Sample{Time: t, Measurand: "Voltage", Phase: ph + "-N", Context: "Sample.Periodic", Unit: "V", Value: 230})
	}
	return ss
}

// benchGroupCommit: benchStations stations, each with a running transaction, send MeterValues as
// fast as the store takes them; each call returns once its report is durable.
func benchGroupCommit(b *testing.B, open func(b *testing.B) Store) {
	s := open(b)
	txs := make([]*charging.Transaction, benchStations)
	for i := range txs {
		txs[i] = newTx(ladda.StationID(fmt.Sprintf("CS-%03d", i)), 1, "T", 0)
		MustStart(b, s, txs[i])
	}
	var next atomic.Int64
	before := commitStats(s)
	b.SetParallelism((benchStations + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		tx := txs[(next.Add(1)-1)%benchStations]
		seq, wh := 0, 0.0
		for pb.Next() {
			seq++
			wh += 30
			now := at(time.Duration(seq) * time.Minute)
			_, err := s.RecordMeterValues(b.Context(), charging.MeterReport{StationID: tx.StationID, TransactionID: tx.ID, EVSEID: 1, ConnectorID: 1,
				Samples: meterSamples(now, wh), RegisterWh: &wh, SeqNo: &seq, At: now})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	if after := commitStats(s); after.Batches > before.Batches {
		b.ReportMetric(float64(after.Writes-before.Writes)/float64(after.Batches-before.Batches), "writes/batch")
	}
}

// benchMeterValuesSerial: one station alone; each report waits for its own commit.
func benchMeterValuesSerial(b *testing.B, open func(b *testing.B) Store) {
	s := open(b)
	tx := MustStart(b, s, newTx("CS-1", 1, "T", 0))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		wh := float64(i)
		now := at(time.Duration(i) * time.Second)
		if _, err := s.RecordMeterValues(b.Context(), charging.MeterReport{StationID: tx.StationID, TransactionID: tx.ID, EVSEID: 1, ConnectorID: 1,
			Samples: meterSamples(now, wh), RegisterWh: &wh, At: now}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// benchStartStop: benchStations stations start and stop transactions in turn.
func benchStartStop(b *testing.B, open func(b *testing.B) Store) {
	s := open(b)
	var next atomic.Int64
	b.SetParallelism((benchStations + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		id := ladda.StationID(fmt.Sprintf("CS-%03d", next.Add(1)))
		for i := 0; pb.Next(); i++ {
			tx := newTx(id, 1, "T", time.Duration(i)*time.Minute)
			if _, err := s.StartTransaction(b.Context(), tx); err != nil {
				b.Error(err)
				return
			}
			if _, err := s.StopTransaction(b.Context(), charging.StopReport{TransactionID: tx.ID, StoppedAt: tx.StartedAt.Add(time.Second), At: tx.StartedAt}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "startstops/s")
}

// benchReadStation reads a station with two EVSEs, as the OCPP layer does at each boot.
func benchReadStation(b *testing.B, open func(b *testing.B) Store) {
	s := open(b)
	MustCreateStation(b, s, "CS-1")
	for e := 1; e <= 2; e++ {
		setStatus(b, s, "CS-1", e, 1, station.StatusAvailable, t0)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Station(b.Context(), "CS-1"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// benchReadToken reads a token, as every authorisation does.
func benchReadToken(b *testing.B, open func(b *testing.B) Store) {
	s := open(b)
	MustCreateToken(b, s, &charging.IDToken{Token: "04A1B2C3"})
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.IDToken(b.Context(), "04A1B2C3"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// benchRecordReport: benchStations stations send security events as fast as the store takes
// them; each call returns once its report is durable.
func benchRecordReport(b *testing.B, open func(b *testing.B) Store) {
	s := open(b)
	var next atomic.Int64
	b.SetParallelism((benchStations + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		id := ladda.StationID(fmt.Sprintf("CS-%03d", (next.Add(1)-1)%benchStations))
		for i := 0; pb.Next(); i++ {
			if err := s.RecordReport(b.Context(), newReport(id, time.Duration(i)*time.Second)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// benchReadReports: operators read the newest page (20) of one action of a station that has
// 1,000 reports of several actions.
func benchReadReports(b *testing.B, open func(b *testing.B) Store) {
	s := open(b)
	for i := range 1000 {
		r := newReport("CS-1", time.Duration(i)*time.Second)
		if i%4 == 0 {
			r = newStatusReport("CS-1", time.Duration(i)*time.Second)
		}
		MustRecordReport(b, s, r)
	}
	action := "FirmwareStatusNotification"
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			list, err := s.Reports(b.Context(), station.ReportFilter{StationID: "CS-1", Action: &action, Limit: 20})
			if err != nil || len(list) != 20 {
				b.Errorf("Reports: %d reports, %v; want 20", len(list), err)
				return
			}
		}
	})
}

// commitStats returns the group commit counters of stores that keep them.
func commitStats(s Store) sqldb.CommitStats {
	if c, ok := s.(interface{ CommitStats() sqldb.CommitStats }); ok {
		return c.CommitStats()
	}
	return sqldb.CommitStats{}
}
