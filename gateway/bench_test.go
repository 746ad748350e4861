package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/ladda-csms/ladda/ocpp/ocppj"
)

// echoPayload is a typical small OCPP payload (a 2.0.1 StatusNotificationRequest).
var echoPayload = json.RawMessage(`{"timestamp":"2025-11-23T17:45:00Z","connectorStatus":"Occupied","evseId":1,"connectorId":1}`)

// BenchmarkEcho measures one CALL round trip from a station to the server's Dispatcher and
// back, over a real loopback WebSocket.
func BenchmarkEcho(b *testing.B) {
	ts := MustServer(b, nil)
	c := MustDial(b, ts, "CP-bench", DialOptions{})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Call(ctx, "Echo", echoPayload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEchoParallel is BenchmarkEcho with many stations calling at once (each goroutine of
// RunParallel is one station, so calls on one socket stay one at a time).
func BenchmarkEchoParallel(b *testing.B) {
	ts := MustServer(b, nil)
	var n atomic.Int32
	ctx := context.Background()
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		c := MustDial(b, ts, fmt.Sprintf("CP-bench-%d", n.Add(1)), DialOptions{})
		for pb.Next() {
			if _, err := c.Call(ctx, "Echo", echoPayload); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkServerCall measures a CSMS-initiated CALL (Server.Call) answered by the station.
func BenchmarkServerCall(b *testing.B) {
	ts := MustServer(b, nil)
	c := MustDial(b, ts, "CP-bench-srv", DialOptions{
		OnCall: func(_ context.Context, _ string, p json.RawMessage) (json.RawMessage, *ocppj.Error) { return p, nil },
	})
	MustCall(b, c, "Heartbeat", `{}`)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ts.Call(ctx, "CP-bench-srv", "Echo", echoPayload); err != nil {
			b.Fatal(err)
		}
	}
}
