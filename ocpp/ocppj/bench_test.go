package ocppj

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

// BenchmarkParse parses a typical OCPP 1.6 MeterValues CALL (seven sampled values).
func BenchmarkParse(b *testing.B) {
	frame := MustReadFile(b, "metervalues16_call.json")
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(frame); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseEncodingJSON is the baseline Parse is measured against: splitting the same
// frame with encoding/json into raw elements, without any of Parse's checks.
func BenchmarkParseEncodingJSON(b *testing.B) {
	frame := MustReadFile(b, "metervalues16_call.json")
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		var elems []json.RawMessage
		if err := json.Unmarshal(frame, &elems); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendResult(b *testing.B) {
	payload := json.RawMessage(`{"currentTime":"2025-11-23T17:45:00.000Z","interval":300,"status":"Accepted"}`)
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendResult(buf[:0], "5f9c2a1e-8b7d-4c3a-9e1f-0a2b3c4d5e6f", payload)
	}
}

// BenchmarkCallerRoundTrip measures one Call answered by a peer goroutine: id, frame, send,
// parse of the answer, Deliver and wake-up.
func BenchmarkCallerRoundTrip(b *testing.B) {
	frames := make(chan []byte, 1)
	c := NewCaller(func(frame []byte) error {
		frames <- append([]byte(nil), frame...)
		return nil
	}, time.Minute)
	defer c.Close()
	go func() {
		var out []byte
		for frame := range frames {
			m, err := Parse(frame)
			if err != nil {
				panic(err)
			}
			out = AppendResult(out[:0], m.ID, json.RawMessage(`{"status":"Accepted"}`))
			answer, _ := Parse(out)
			c.Deliver(answer)
		}
	}()
	defer close(frames)
	payload := json.RawMessage(`{"type":"Soft"}`)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Call(ctx, "Reset", payload); err != nil {
			b.Fatal(err)
		}
	}
}
