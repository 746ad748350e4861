package ladda

import (
	"errors"
	"fmt"
)

// Kind classifies an error so that each transport can map it once: httpapi to an HTTP status,
// the OCPP layer to a CALLERROR code.
type Kind uint8

// The kinds of error. Internal is the zero value: an error nobody classified is a bug or an
// infrastructure failure, never the caller's fault.
const (
	Internal        Kind = iota // unexpected failure; details are logged, not shown
	Invalid                     // the input is malformed or breaks a rule (HTTP 400/422)
	NotFound                    // the thing does not exist (HTTP 404)
	Conflict                    // the thing exists already, or its state forbids the action (HTTP 409)
	Unauthorized                // missing or wrong credentials (HTTP 401)
	Forbidden                   // valid credentials, but not allowed (HTTP 403)
	Unavailable                 // a dependency is down or overloaded; try again later (HTTP 503)
	Timeout                     // a peer did not answer in time (HTTP 504)
	TooManyRequests             // the caller tried too often; try again later (HTTP 429)
)

var kindNames = [...]string{"internal", "invalid", "not_found", "conflict", "unauthorized", "forbidden", "unavailable", "timeout", "too_many_requests"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Error is the error type of Ladda. Message is safe to show to the caller; Err, the cause, is
// for logs only. Op names the operation that failed, such as "charging.StartTransaction".
type Error struct {
	Kind    Kind
	Op      string
	Message string
	Err     error
}

func (e *Error) Error() string {
	var s string
	if e.Op != "" {
		s = e.Op + ": "
	}
	if e.Message != "" {
		s += e.Message
	} else {
		s += e.Kind.String()
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of the given kind whose message is formatted from format and args.
func Errorf(kind Kind, op, format string, args ...any) *Error {
	return &Error{Kind: kind, Op: op, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns err wrapped in an *Error of kind Internal for operation op, or nil if err is nil.
// An *Error inside err keeps its kind and message.
func Wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return &Error{Kind: e.Kind, Op: op, Message: e.Message, Err: err}
	}
	return &Error{Kind: Internal, Op: op, Err: err}
}

// ErrorKind returns the kind of the first *Error in err's chain, or Internal.
func ErrorKind(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// ErrorMessage returns the caller-facing message of err: the message of the first *Error in
// its chain that has one, or a generic text for errors that are not ours.
func ErrorMessage(err error) string {
	for err != nil {
		if e, ok := err.(*Error); ok && e.Message != "" {
			return e.Message
		}
		err = errors.Unwrap(err)
	}
	return "internal error"
}

// IsKind reports whether err is an *Error of the given kind.
func IsKind(err error, kind Kind) bool { return err != nil && ErrorKind(err) == kind }
