package ocppj

import (
	"encoding/json"
	"strconv"
)

// MessageType is the first element of every OCPP-J frame (J16 §4.1.3, P4 §4.1.3).
type MessageType int

// The message types of OCPP-J 1.6 and 2.0.1.
const (
	Call       MessageType = 2 // request: [2,"id","Action",{payload}]
	CallResult MessageType = 3 // answer:  [3,"id",{payload}]
	CallError  MessageType = 4 // failure: [4,"id","Code","Description",{details}]
)

func (t MessageType) String() string {
	switch t {
	case Call:
		return "CALL"
	case CallResult:
		return "CALLRESULT"
	case CallError:
		return "CALLERROR"
	}
	return "MessageType(" + strconv.Itoa(int(t)) + ")"
}

// MaxIDLength is the longest message id allowed: 36 characters, room for a UUID
// (J16 §4.1.4, P4 §4.1.4).
const MaxIDLength = 36

// UnknownID is the message id of a CALLERROR that answers a frame whose id could not be read
// (P4 §4.2.3). AppendError uses it for an empty id.
const UnknownID = "-1"

// Message is one parsed frame. Which fields are set depends on Type: a Call has ID, Action
// and Payload; a CallResult ID and Payload; a CallError ID, Code, Description and Details.
//
// Payload and Details alias the parsed frame: copy them to keep them beyond the frame's life.
type Message struct {
	Type        MessageType
	ID          string
	Action      string
	Payload     json.RawMessage
	Code        ErrorCode
	Description string
	Details     json.RawMessage
}

// Parse reads one OCPP-J frame. It checks the envelope completely and the payload only for
// being a well-formed JSON object; an absent payload written as null becomes {}.
//
// Errors are *Error. Their Fault says what was wrong and their ID holds the message id when it
// could still be read, so that the caller can answer with a CALLERROR for that id. Even on
// error the returned Message carries the Type and ID read so far.
//
//   - not well-formed JSON, or a payload that is not an object: FaultFormat
//   - not an array, a type or id that is not a number or string, an empty or too long id,
//     a wrong number of elements: FaultRPCFramework
//   - a message type number other than 2, 3 or 4: FaultMessageTypeNotSupported
func Parse(frame []byte) (Message, error) {
	var m Message
	p := scanner{b: frame}
	p.skipSpace()
	if !p.eat('[') {
		if validJSON(frame) {
			return m, p.fail(FaultRPCFramework, "", "frame is not a JSON array")
		}
		return m, p.fail(FaultFormat, "", "frame is not valid JSON")
	}

	// Element 1: the message type number.
	p.skipSpace()
	typ, raw, err := p.messageType()
	if err != nil {
		return m, err
	}
	m.Type = typ

	// Element 2: the message id.
	if err := p.comma("message id"); err != nil {
		return m, err
	}
	if p.peek() != '"' {
		if p.skipValue(1) != nil || p.skipRest() != nil {
			return m, p.fail(FaultFormat, "", "frame is not valid JSON")
		}
		return m, p.fail(FaultRPCFramework, "", "message id is not a string")
	}
	id, err := p.str()
	if err != nil {
		return m, err
	}
	m.ID = id

	switch typ {
	case Call, CallResult, CallError:
	default:
		// Report a syntax error in the rest of the frame first: that is the bigger fault.
		if err := p.skipRest(); err != nil {
			return m, p.with(err, id)
		}
		return m, p.fail(FaultMessageTypeNotSupported, id, "message type "+string(raw)+" is not supported")
	}
	if len(id) == 0 || len(id) > MaxIDLength {
		if err := p.skipRest(); err != nil {
			return m, p.with(err, id)
		}
		return m, p.fail(FaultRPCFramework, id, "message id must have 1 to "+strconv.Itoa(MaxIDLength)+" characters")
	}

	switch typ {
	case Call:
		if err := p.comma("action"); err != nil {
			return m, p.with(err, id)
		}
		if m.Action, err = p.stringElem("action", true); err != nil {
			return m, p.with(err, id)
		}
		if err := p.comma("payload"); err != nil {
			return m, p.with(err, id)
		}
		if m.Payload, err = p.object("payload"); err != nil {
			return m, p.with(err, id)
		}
	case CallResult:
		if err := p.comma("payload"); err != nil {
			return m, p.with(err, id)
		}
		if m.Payload, err = p.object("payload"); err != nil {
			return m, p.with(err, id)
		}
	case CallError:
		if err := p.comma("error code"); err != nil {
			return m, p.with(err, id)
		}
		code, err := p.stringElem("error code", true)
		if err != nil {
			return m, p.with(err, id)
		}
		m.Code = ErrorCode(code)
		if err := p.comma("error description"); err != nil {
			return m, p.with(err, id)
		}
		if m.Description, err = p.stringElem("error description", false); err != nil {
			return m, p.with(err, id)
		}
		// errorDetails is required by the specs, but a peer that leaves it out still told us
		// what went wrong: accept [4,id,code,description] as if details were {}.
		p.skipSpace()
		if p.peek() != ']' {
			if err := p.comma("error details"); err != nil {
				return m, p.with(err, id)
			}
			if m.Details, err = p.object("error details"); err != nil {
				return m, p.with(err, id)
			}
		}
	}
	if err := p.end(); err != nil {
		return m, p.with(err, id)
	}
	return m, nil
}

// messageType reads the first element and returns it with its text. A number that is not a
// small non-negative integer is an unsupported type, returned as 0.
func (p *scanner) messageType() (MessageType, []byte, *Error) {
	c := p.peek()
	if c == ']' {
		if p.skipRest() != nil {
			return 0, nil, p.fail(FaultFormat, "", "frame is not valid JSON")
		}
		return 0, nil, p.fail(FaultRPCFramework, "", "frame is an empty array")
	}
	if c != '-' && (c < '0' || c > '9') {
		if p.skipValue(1) != nil || p.skipRest() != nil {
			return 0, nil, p.fail(FaultFormat, "", "frame is not valid JSON")
		}
		return 0, nil, p.fail(FaultRPCFramework, "", "message type is not a number")
	}
	start := p.i
	if err := p.number(); err != nil {
		return 0, nil, err
	}
	raw := p.b[start:p.i]
	n := 0
	for _, d := range raw {
		if d < '0' || d > '9' || n > 1000 {
			return 0, raw, nil
		}
		n = n*10 + int(d-'0')
	}
	return MessageType(n), raw, nil
}

// comma consumes the ',' before the next element; a ']' instead means too few elements.
func (p *scanner) comma(next string) *Error {
	p.skipSpace()
	switch p.peek() {
	case ',':
		p.i++
		p.skipSpace()
		return nil
	case ']':
		if p.skipRest() != nil {
			return p.fail(FaultFormat, "", "frame is not valid JSON")
		}
		return p.fail(FaultRPCFramework, "", "too few elements: missing "+next)
	}
	return p.syntax()
}

// stringElem reads an element that must be a string. Names (actions, error codes) repeat
// across frames and are interned.
func (p *scanner) stringElem(what string, name bool) (string, *Error) {
	if p.peek() != '"' {
		if err := p.skipValue(1); err != nil {
			return "", err
		}
		if p.skipRest() != nil {
			return "", p.fail(FaultFormat, "", "frame is not valid JSON")
		}
		return "", p.fail(FaultRPCFramework, "", what+" is not a string")
	}
	var s string
	var err *Error
	if name {
		s, err = p.strInterned()
	} else {
		s, err = p.str()
	}
	if err != nil {
		return "", err
	}
	if name && s == "" {
		if p.skipRest() != nil {
			return "", p.fail(FaultFormat, "", "frame is not valid JSON")
		}
		return "", p.fail(FaultRPCFramework, "", what+" is empty")
	}
	return s, nil
}

var emptyObject = json.RawMessage("{}")

// object reads an element that must be a JSON object; null stands for {} (J16 §4.2.1 allows
// both for an empty payload).
func (p *scanner) object(what string) (json.RawMessage, *Error) {
	start := p.i
	c := p.peek()
	if err := p.skipValue(1); err != nil {
		return nil, err
	}
	switch c {
	case '{':
		return json.RawMessage(p.b[start:p.i:p.i]), nil
	case 'n':
		return emptyObject, nil
	}
	if p.skipRest() != nil {
		return nil, p.fail(FaultFormat, "", "frame is not valid JSON")
	}
	return nil, p.fail(FaultFormat, "", what+" is not a JSON object")
}

// end expects the closing ']' and nothing but white space after it.
func (p *scanner) end() *Error {
	p.skipSpace()
	switch p.peek() {
	case ']':
		p.i++
	case ',':
		if p.skipRest() != nil {
			return p.fail(FaultFormat, "", "frame is not valid JSON")
		}
		return p.fail(FaultRPCFramework, "", "too many elements")
	default:
		return p.syntax()
	}
	p.skipSpace()
	if p.i != len(p.b) {
		return p.fail(FaultFormat, "", "data after the end of the frame")
	}
	return nil
}

// skipRest skips the remaining elements of the top-level array and checks that nothing but
// white space follows it.
func (p *scanner) skipRest() *Error {
	for {
		p.skipSpace()
		switch p.peek() {
		case ']':
			p.i++
			p.skipSpace()
			if p.i != len(p.b) {
				return p.fail(FaultFormat, "", "data after the end of the frame")
			}
			return nil
		case ',':
			p.i++
			p.skipSpace()
			if err := p.skipValue(1); err != nil {
				return err
			}
		default:
			return p.syntax()
		}
	}
}

// with sets the message id on a parse error found after the id was read.
func (p *scanner) with(err *Error, id string) *Error {
	err.ID = id
	return err
}
