// Package ocppj is the OCPP-J RPC codec: it parses and writes the three frames of OCPP over
// JSON/WebSocket (CALL, CALLRESULT, CALLERROR), names the RPC error codes of OCPP-J 1.6 and
// OCPP 2.0.1 Part 4, and correlates outgoing CALLs with their answers (Caller).
//
// It knows nothing of WebSockets, actions or payload schemas: a payload stays raw JSON bytes,
// checked only for being well-formed. It imports only the standard library.
//
// Spec references in comments: "J16" is the OCPP-J 1.6 specification, "P4" is OCPP 2.0.1
// Part 4 (JSON over WebSockets implementation guide); section numbers follow those documents.
package ocppj
