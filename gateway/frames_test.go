package gateway

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda/ocpp/ocppj"
)

// TestMalformedFrames sends every kind of bad frame and checks the answer (or its absence, where
// the spec says so) in each dialect, and that the connection still works after each one.
func TestMalformedFrames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		frame          string
		id             string          // id of the CALLERROR
		code16, code21 ocppj.ErrorCode // "" = no answer
		protocolError  bool            // counted in Stats.ProtocolErrors
	}{
		{"bad payload JSON", `[2,"b1","Echo",{"a":}]`, "b1", "FormationViolation", "FormatViolation", true},
		{"not JSON", `hello`, "-1", "FormationViolation", "FormatViolation", true},
		{"not an array", `{"not":"an array"}`, "-1", "FormationViolation", "RpcFrameworkError", true},
		{"empty array", `[]`, "-1", "FormationViolation", "RpcFrameworkError", true},
		{"id not a string", `[2,5,"Echo",{}]`, "-1", "FormationViolation", "RpcFrameworkError", true},
		{"CALL without payload", `[2,"b2","Echo"]`, "b2", "FormationViolation", "RpcFrameworkError", true},
		{"payload not an object", `[2,"b3","Echo",[1]]`, "b3", "FormationViolation", "FormatViolation", true},
		{"id too long", `[2,"` + strings.Repeat("i", 37) + `","Echo",{}]`, strings.Repeat("i", 37), "FormationViolation", "RpcFrameworkError", true},
		// J16 §4.1.3: ignore unknown message types; 2.0.1 answers MessageTypeNotSupported.
		{"unknown message type", `[7,"b4",{}]`, "b4", "", "MessageTypeNotSupported", true},
		// Answers are never answered: not a late one, not a broken one.
		{"answer to nothing", `[3,"nobody",{}]`, "", "", "", false},
		{"error to nothing", `[4,"nobody","GenericError","x",{}]`, "", "", "", false},
		{"broken answer", `[3,"nobody",[]]`, "", "", "", true},
	}
	for _, sub := range []string{"ocpp1.6", "ocpp2.0.1"} {
		t.Run(sub, func(t *testing.T) {
			t.Parallel()
			ts := MustServer(t, nil)
			frames := make(chan []byte, 100)
			c := MustDial(t, ts, "CP-bad", DialOptions{Subprotocols: []string{sub}, OnFrame: func(f []byte) { frames <- f }})
			wantProtocolErrors := uint64(0)
			for i, tt := range tests {
				if err := c.SendRaw([]byte(tt.frame)); err != nil {
					t.Fatal(err)
				}
				// A probe CALL after it: everything the server sent before the probe's answer
				// is its reaction to the bad frame.
				probe := fmt.Sprintf(`{"probe":%d}`, i)
				if got := MustCall(t, c, "Echo", probe); got != probe {
					t.Fatalf("%s: probe = %s", tt.name, got)
				}
				var before []ocppj.Message
				for {
					m := decodeFrame(t, <-frames)
					if m.Type == ocppj.CallResult && string(m.Payload) == probe {
						break
					}
					before = append(before, m)
				}
				want := tt.code21
				if sub == "ocpp1.6" {
					want = tt.code16
				}
				switch {
				case want == "" && len(before) != 0:
					t.Errorf("%s: got %+v, want no answer", tt.name, before)
				case want != "" && (len(before) != 1 || before[0].Type != ocppj.CallError || before[0].ID != tt.id || before[0].Code != want || before[0].Description == ""):
					t.Errorf("%s: got %+v, want one CALLERROR %s for id %q", tt.name, before, want, tt.id)
				}
				if tt.protocolError {
					wantProtocolErrors++
				}
			}
			if got := ts.Stats().ProtocolErrors; got != wantProtocolErrors {
				t.Errorf("Stats.ProtocolErrors = %d, want %d", got, wantProtocolErrors)
			}
		})
	}
}

// decodeFrame reads a frame with encoding/json, which, unlike ocppj.Parse, accepts ids of any
// length (the server echoes a too long id in its CALLERROR).
func decodeFrame(tb testing.TB, f []byte) ocppj.Message {
	tb.Helper()
	var elems []json.RawMessage
	var m ocppj.Message
	if err := json.Unmarshal(f, &elems); err != nil || len(elems) < 3 ||
		json.Unmarshal(elems[0], &m.Type) != nil || json.Unmarshal(elems[1], &m.ID) != nil {
		tb.Fatalf("server sent a bad frame %s", f)
	}
	switch {
	case m.Type == ocppj.CallResult:
		m.Payload = elems[2]
	case m.Type == ocppj.CallError && len(elems) == 5:
		if json.Unmarshal(elems[2], &m.Code) != nil || json.Unmarshal(elems[3], &m.Description) != nil {
			tb.Fatalf("server sent a bad CALLERROR %s", f)
		}
	default:
		tb.Fatalf("server sent an unexpected frame %s", f)
	}
	return m
}

// TestMalformedAnswerFailsCall: a station's broken answer to our CALL ends the call at once.
func TestMalformedAnswerFailsCall(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil)
	var c *ClientConn
	c = MustDial(t, ts, "CP-broken", DialOptions{
		OnFrame: func(f []byte) {
			if m, err := ocppj.Parse(f); err == nil && m.Type == ocppj.Call {
				// Answer the server's CALL with a payload that is not an object.
				go func() { _ = c.SendRaw([]byte(`[3,"` + m.ID + `","Accepted"]`)) }()
			}
		},
		OnCall: func(ctx context.Context, _ string, _ json.RawMessage) (json.RawMessage, *ocppj.Error) {
			<-ctx.Done() // the broken answer above is the only one
			return nil, nil
		},
	})
	MustCall(t, c, "Heartbeat", `{}`)
	_, err := ts.Call(t.Context(), "CP-broken", "Reset", nil)
	var e *ocppj.Error
	if !asOCPP(err, &e) || e.Fault != ocppj.FaultFormat {
		t.Errorf("Call answered with a broken CALLRESULT = %v, want a format fault", err)
	}
}

func asOCPP(err error, e **ocppj.Error) bool {
	if v, ok := err.(*ocppj.Error); ok {
		*e = v
		return true
	}
	return false
}

// rawStation opens a WebSocket by hand and then never reads: it answers no ping.
func rawStation(tb testing.TB, ts *testServer, id string) net.Conn {
	tb.Helper()
	host := strings.TrimPrefix(ts.http.URL, "http://")
	conn, err := net.Dial("tcp", host)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close() })
	var key [16]byte
	_, _ = rand.Read(key[:])
	fmt.Fprintf(conn, "GET /ocpp/%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ocpp1.6\r\n\r\n",
		id, host, base64.StdEncoding.EncodeToString(key[:]))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		tb.Fatalf("raw handshake: %v %v", resp, err)
	}
	if br.Buffered() != 0 {
		tb.Fatal("server sent data right after the handshake")
	}
	return conn
}

func TestPingDisconnectsSilentStation(t *testing.T) {
	t.Parallel()
	const interval = 150 * time.Millisecond
	ts := MustServer(t, func(c *Config) { c.PingInterval = interval })
	alive := MustDial(t, ts, "CP-alive", DialOptions{}) // answers pings (endpoint.onPing)
	MustCall(t, alive, "Heartbeat", `{}`)
	dead := rawStation(t, ts, "CP-dead")

	// The silent station is pinged, then dropped; the live one, quiet for longer, stays.
	ts.rec.waitEvents(t, 3)
	waitUntil(t, "the silent station is dropped", func() bool {
		_, ok := ts.Peer("CP-dead")
		return !ok
	})
	if _, ok := ts.Peer("CP-alive"); !ok {
		t.Fatal("the station that answers pings was dropped too")
	}
	MustCall(t, alive, "Heartbeat", `{}`)

	_ = dead.SetReadDeadline(time.Now().Add(waitLimit))
	got, _ := io.ReadAll(dead)
	if len(got) < 2 || got[0] != 0x89 { // FIN + ping
		t.Fatalf("silent station received % x, want pings first", got)
	}
	if i := bytes.Index(got, []byte{0x88}); i < 0 || !bytes.Contains(got[i:], []byte{0x03, 0xe9}) { // close, code 1001
		t.Errorf("silent station received % x, want a close frame with code 1001", got)
	}
}

func TestNoPingsWhenDisabled(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, func(c *Config) { c.PingInterval = -1 })
	dead := rawStation(t, ts, "CP-quiet")
	ts.rec.waitEvents(t, 1)
	_ = dead.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	var b [1]byte
	if n, err := dead.Read(b[:]); n != 0 || !isTimeout(err) {
		t.Errorf("with pings disabled the server sent % x (%v)", b[:n], err)
	}
	if _, ok := ts.Peer("CP-quiet"); !ok {
		t.Error("with pings disabled a quiet station was dropped")
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// TestGarbageFrames throws random bytes at the server: the connection must survive them all.
func TestGarbageFrames(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, nil)
	c := MustDial(t, ts, "CP-garbage", DialOptions{})
	rng := mrand.New(mrand.NewPCG(1, 2))
	pieces := []string{`[`, `]`, `{`, `}`, `"`, `,`, `2`, `3`, `4`, `"id"`, `"Echo"`, `null`, `\`, `\u`, "\xff", " ", `:`, `-1`, `1e9`}
	for i := range 300 {
		var f []byte
		for range rng.IntN(12) {
			if rng.IntN(4) == 0 {
				f = append(f, byte(rng.IntN(256)))
			} else {
				f = append(f, pieces[rng.IntN(len(pieces))]...)
			}
		}
		if err := c.SendRaw(f); err != nil {
			t.Fatalf("frame %d %q: %v", i, f, err)
		}
	}
	if got := MustCall(t, c, "Echo", `{"after":"garbage"}`); got != `{"after":"garbage"}` {
		t.Errorf("Echo after garbage = %s", got)
	}
	if _, ok := ts.Peer("CP-garbage"); !ok {
		t.Error("station dropped after garbage")
	}
}

// TestStationPingGetsPong: a station's WebSocket ping (OCPP 1.6 WebSocketPingInterval) is
// answered with a pong carrying the same data.
func TestStationPingGetsPong(t *testing.T) {
	t.Parallel()
	ts := MustServer(t, func(c *Config) { c.PingInterval = -1 })
	conn := rawStation(t, ts, "CP-pinger")
	mask := [4]byte{1, 2, 3, 4}
	frame := []byte{0x89, 0x80 | 3, mask[0], mask[1], mask[2], mask[3]} // FIN+ping, masked, 3 bytes
	for i, c := range []byte("abc") {
		frame = append(frame, c^mask[i%4])
	}
	if _, err := conn.Write(frame); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(waitLimit))
	got := make([]byte, 5)
	if _, err := io.ReadFull(conn, got); err != nil {
		t.Fatal(err)
	}
	if want := []byte{0x8a, 3, 'a', 'b', 'c'}; !bytes.Equal(got, want) {
		t.Errorf("answer to ping = % x, want % x", got, want)
	}
}
