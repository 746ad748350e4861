// Package gateway is the WebSocket side of OCPP-J: it accepts charging stations on
// /ocpp/{stationId}, negotiates the OCPP version by subprotocol, authenticates the station
// before the upgrade, keeps one session per station, answers the station's CALLs through a
// Dispatcher and sends the CSMS's own CALLs (Server.Call). Dial is the station side of the same
// protocol, for simulators and tests.
//
// It is the only package that imports the WebSocket library (github.com/lxzan/gws).
//
// # Memory per connection
//
// A CSMS holds tens of thousands of mostly idle sockets, so each one is kept small:
//   - one goroutine per connection, the read loop; CALLs from the station run on a second
//     goroutine that exists only while there is work (it exits when its queue is empty);
//   - a 1 KiB read buffer (gws defaults to 4 KiB): OCPP frames are mostly a few hundred bytes
//     and a larger frame is read in several steps; message buffers come from gws's pool;
//   - no permessage-deflate (its windows cost tens of KiB per connection);
//   - no parallel message handling in gws (it would start goroutines per message);
//   - a one-slot session store instead of gws's map-per-connection;
//   - the HTTP handler returns right after the upgrade, so net/http's per-request state is
//     freed and the read loop starts on a fresh, small stack;
//   - pings are sent by one sweeper goroutine for all connections, not by a timer each.
//
// Measured with TestIdleMemory (LADDA_MEMPROBE=5000, loopback, no TLS): about 9 KiB of server
// RSS per idle station (4 KiB goroutine stack, 4 KiB Go heap); with gws's default 4 KiB read
// buffer it was 13 KiB. TLS adds the crypto/tls connection state on top.
package gateway
