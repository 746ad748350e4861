package ocppj

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ErrorCode is the errorCode field of a CALLERROR, spelled as one OCPP version spells it.
type ErrorCode string

// The error codes of OCPP-J 1.6 (J16 §4.2.3, table "Valid Error Codes"). Two of them keep the
// 1.6 spelling, which 2.0.1 corrected: FormationViolation and OccurenceConstraintViolation.
const (
	CodeFormationViolation           ErrorCode = "FormationViolation"
	CodeOccurenceConstraintViolation ErrorCode = "OccurenceConstraintViolation"
)

// The error codes of OCPP 2.0.1 (P4 §4.2.3, table "Valid Error Codes"). The codes that 1.6 has
// too, spelled the same, are shared by both versions.
const (
	CodeFormatViolation               ErrorCode = "FormatViolation"
	CodeGenericError                  ErrorCode = "GenericError"
	CodeInternalError                 ErrorCode = "InternalError"
	CodeMessageTypeNotSupported       ErrorCode = "MessageTypeNotSupported"
	CodeNotImplemented                ErrorCode = "NotImplemented"
	CodeNotSupported                  ErrorCode = "NotSupported"
	CodeOccurrenceConstraintViolation ErrorCode = "OccurrenceConstraintViolation"
	CodePropertyConstraintViolation   ErrorCode = "PropertyConstraintViolation"
	CodeProtocolError                 ErrorCode = "ProtocolError"
	CodeRPCFrameworkError             ErrorCode = "RpcFrameworkError"
	CodeSecurityError                 ErrorCode = "SecurityError"
	CodeTypeConstraintViolation       ErrorCode = "TypeConstraintViolation"
)

// Fault is what went wrong, independent of OCPP version. A Dialect turns it into the
// ErrorCode of its version.
type Fault int

// The faults. FaultGeneric is the zero value: an error nobody classified.
const (
	FaultGeneric                 Fault = iota // any other error
	FaultFormat                               // payload or frame syntactically incorrect
	FaultOccurrence                           // a field is missing or occurs too often
	FaultType                                 // a field has the wrong data type
	FaultProperty                             // a field has a value that is not allowed
	FaultProtocol                             // payload does not conform to the PDU structure
	FaultNotImplemented                       // action not known to the receiver
	FaultNotSupported                         // action known, but not supported
	FaultSecurity                             // a security issue stopped the action
	FaultInternal                             // the receiver failed internally
	FaultMessageTypeNotSupported              // a message type number the receiver does not support
	FaultRPCFramework                         // not a valid RPC frame, e.g. the message id is unreadable
)

var faultNames = [...]string{
	FaultGeneric:                 "generic",
	FaultFormat:                  "format",
	FaultOccurrence:              "occurrence",
	FaultType:                    "type",
	FaultProperty:                "property",
	FaultProtocol:                "protocol",
	FaultNotImplemented:          "not-implemented",
	FaultNotSupported:            "not-supported",
	FaultSecurity:                "security",
	FaultInternal:                "internal",
	FaultMessageTypeNotSupported: "message-type-not-supported",
	FaultRPCFramework:            "rpc-framework",
}

func (f Fault) String() string {
	if f >= 0 && int(f) < len(faultNames) {
		return faultNames[f]
	}
	return fmt.Sprintf("fault(%d)", int(f))
}

// Dialect is the OCPP version whose spelling of error codes is used on a connection.
// The zero value is not a dialect; Code treats it like OCPP201.
type Dialect int

// The dialects. OCPP 2.1 uses the 2.0.1 codes, so it speaks OCPP201.
const (
	OCPP16 Dialect = iota + 1
	OCPP201
)

func (d Dialect) String() string {
	switch d {
	case OCPP16:
		return "ocpp1.6"
	case OCPP201:
		return "ocpp2.0.1"
	}
	return fmt.Sprintf("dialect(%d)", int(d))
}

// DialectFor returns the dialect of a WebSocket subprotocol name: "ocpp1.6" is OCPP16,
// "ocpp2.0.1" and "ocpp2.1" are OCPP201. Any other name reports false.
func DialectFor(subprotocol string) (Dialect, bool) {
	switch subprotocol {
	case "ocpp1.6":
		return OCPP16, true
	case "ocpp2.0.1", "ocpp2.1":
		return OCPP201, true
	}
	return 0, false
}

// codes16 maps faults to 1.6 codes. 1.6 lacks two of the 2.0.1 codes:
//   - FaultRPCFramework becomes FormationViolation: 1.6 defines it as a payload "not conform
//     the PDU structure", which is what a frame with an unreadable id or a wrong element
//     count is; 1.6 ProtocolError means "payload incomplete", a narrower thing.
//   - FaultMessageTypeNotSupported becomes NotSupported: the frame may be well formed (a
//     newer version's message type), it is only something this receiver does not support.
//     (J16 §4.1.3 says to ignore such messages; the gateway does, this mapping is for others.)
var codes16 = [...]ErrorCode{
	FaultGeneric:                 CodeGenericError,
	FaultFormat:                  CodeFormationViolation,
	FaultOccurrence:              CodeOccurenceConstraintViolation,
	FaultType:                    CodeTypeConstraintViolation,
	FaultProperty:                CodePropertyConstraintViolation,
	FaultProtocol:                CodeProtocolError,
	FaultNotImplemented:          CodeNotImplemented,
	FaultNotSupported:            CodeNotSupported,
	FaultSecurity:                CodeSecurityError,
	FaultInternal:                CodeInternalError,
	FaultMessageTypeNotSupported: CodeNotSupported,
	FaultRPCFramework:            CodeFormationViolation,
}

var codes201 = [...]ErrorCode{
	FaultGeneric:                 CodeGenericError,
	FaultFormat:                  CodeFormatViolation,
	FaultOccurrence:              CodeOccurrenceConstraintViolation,
	FaultType:                    CodeTypeConstraintViolation,
	FaultProperty:                CodePropertyConstraintViolation,
	FaultProtocol:                CodeProtocolError,
	FaultNotImplemented:          CodeNotImplemented,
	FaultNotSupported:            CodeNotSupported,
	FaultSecurity:                CodeSecurityError,
	FaultInternal:                CodeInternalError,
	FaultMessageTypeNotSupported: CodeMessageTypeNotSupported,
	FaultRPCFramework:            CodeRPCFrameworkError,
}

// Code returns the error code of fault f in dialect d. An unknown fault is a GenericError.
func (d Dialect) Code(f Fault) ErrorCode {
	if f < 0 || int(f) >= len(codes201) {
		return CodeGenericError
	}
	if d == OCPP16 {
		return codes16[f]
	}
	return codes201[f]
}

// FaultOf returns the fault an error code names, in either spelling; an unknown code is
// FaultGeneric. It classifies the codes of received CALLERRORs.
func FaultOf(c ErrorCode) Fault {
	switch c {
	case CodeFormatViolation, CodeFormationViolation:
		return FaultFormat
	case CodeOccurrenceConstraintViolation, CodeOccurenceConstraintViolation:
		return FaultOccurrence
	case CodeTypeConstraintViolation:
		return FaultType
	case CodePropertyConstraintViolation:
		return FaultProperty
	case CodeProtocolError:
		return FaultProtocol
	case CodeNotImplemented:
		return FaultNotImplemented
	case CodeNotSupported:
		return FaultNotSupported
	case CodeSecurityError:
		return FaultSecurity
	case CodeInternalError:
		return FaultInternal
	case CodeMessageTypeNotSupported:
		return FaultMessageTypeNotSupported
	case CodeRPCFrameworkError:
		return FaultRPCFramework
	}
	return FaultGeneric
}

// Error is an RPC-level error: a malformed frame found by Parse, a CALLERROR received by a
// Caller, or the answer a handler wants sent as CALLERROR.
type Error struct {
	// Fault classifies the error; the connection's Dialect turns it into a code.
	Fault Fault
	// Code, when set, is sent instead of the dialect's code for Fault. A CALLERROR received
	// from a peer carries the peer's code here (and FaultOf of it in Fault).
	Code ErrorCode
	// ID is the message id the error concerns, when it could be read; empty otherwise.
	ID string
	// Description is free text for people (CALLERROR errorDescription).
	Description string
	// Details is a JSON object (CALLERROR errorDetails); nil means {}.
	Details json.RawMessage
}

// Errorf returns an *Error of fault f whose description is formatted from format and args.
func Errorf(f Fault, format string, args ...any) *Error {
	return &Error{Fault: f, Description: fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("ocppj: ")
	if e.Code != "" {
		b.WriteString(string(e.Code))
	} else {
		b.WriteString(e.Fault.String())
	}
	if e.Description != "" {
		b.WriteString(": ")
		b.WriteString(e.Description)
	}
	return b.String()
}

// CodeIn returns the code to send for e in dialect d: e.Code when set, else d.Code(e.Fault).
func (e *Error) CodeIn(d Dialect) ErrorCode {
	if e.Code != "" {
		return e.Code
	}
	return d.Code(e.Fault)
}

// ErrTimeout is returned by Caller.Call when no answer came within the timeout
// (J16 §4.1.1, P4 §4.1.1: a CALL counts as answered once it has timed out).
var ErrTimeout = errors.New("ocppj: call timed out")

// ErrClosed is returned by Caller.Call once the Caller is closed.
var ErrClosed = errors.New("ocppj: connection closed")
