package ocpptest_test

import (
	"testing"

	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/ocpp/ocpptest"
)

// BenchmarkHeartbeat measures one Heartbeat round trip through the real server (in-process:
// gateway, router, no database write).
func BenchmarkHeartbeat(b *testing.B) {
	for _, v := range versions {
		b.Run(v, func(b *testing.B) {
			ts := newTestServer(b)
			st := ts.mustStation(b, "BENCH-HB", v, func(c *ocpptest.Config) { c.DisableHeartbeat = true })
			ctx := testContext(b)
			if err := st.Up(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := st.Heartbeat(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMeter measures one meter report of a transaction through the real server: 1.6
// MeterValues or 2.0.1 TransactionEvent Updated, stored in SQLite before the answer.
func BenchmarkMeter(b *testing.B) {
	for _, v := range versions {
		b.Run(v, func(b *testing.B) {
			ts := newTestServer(b)
			ts.mustToken(b, "TAG-OK", charging.Accepted)
			st := ts.mustStation(b, "BENCH-MV", v, func(c *ocpptest.Config) { c.DisableHeartbeat = true })
			ctx := testContext(b)
			if err := st.Up(ctx); err != nil {
				b.Fatal(err)
			}
			sess, err := st.StartSession(ctx, 1, "TAG-OK")
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			wh := 0.0
			for b.Loop() {
				wh += 10
				if err := sess.Meter(ctx, wh); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
