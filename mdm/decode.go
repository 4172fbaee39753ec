package mdm

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/micromdm/plist"
)

// ErrEmptyBody is returned when a message body has no bytes at all.
var ErrEmptyBody = errors.New("empty body")

// ParseError reports a body that could not be decoded. Content is the raw
// body, logged so an operator can see what the device sent.
type ParseError struct {
	Err     error
	Content []byte
}

// Error returns "parse error: " and the message of Err.
func (e *ParseError) Error() string {
	return "parse error: " + e.Err.Error()
}

// Unwrap returns Err.
func (e *ParseError) Unwrap() error { return e.Err }

// UnrecognizedMessageTypeError reports a check-in whose MessageType is
// missing or not one this server handles.
type UnrecognizedMessageTypeError struct {
	MessageType string
}

// Error returns the message type quoted, as in
// `unrecognized MessageType: "Enroll"`.
func (e *UnrecognizedMessageTypeError) Error() string {
	return fmt.Sprintf("unrecognized MessageType: %q", e.MessageType)
}

// IsBinaryPlist reports whether b is a binary property list.
func IsBinaryPlist(b []byte) bool {
	return bytes.HasPrefix(b, []byte("bplist0"))
}

// unmarshal decodes an XML or binary plist into v, wrapping any failure in
// a ParseError that keeps the raw content. Binary plists are checked with
// [checkBinaryPlist] first.
func unmarshal(raw []byte, v any) error {
	if len(raw) == 0 {
		return &ParseError{Err: ErrEmptyBody, Content: raw}
	}
	if IsBinaryPlist(raw) {
		if err := checkBinaryPlist(raw); err != nil {
			return &ParseError{Err: err, Content: raw}
		}
	}
	return decode(raw, v)
}

// decode decodes raw, which [unmarshal] has already accepted once, into v.
//
// NOTE(parity): the binary plist parser of micromdm/plist v0.2.2 panics on
// some malformed input, such as an object reference one past the offset
// table (found by FuzzDecodeCheckin), and [checkBinaryPlist] rejects what
// would exhaust memory or the stack. In NanoMDM the panic drops the
// connection with no response, and the other inputs end the process. Here
// each is a ParseError, so the client gets 400 as for any undecodable body.
//
// TODO: XML plists get no depth check. The XML parser recurses once per
// nested element, so a 10 MiB body of nested arrays costs about 500 MB of
// stack and heap while it decodes, though the request still fails cleanly.
func decode(raw []byte, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &ParseError{Err: fmt.Errorf("malformed plist: %v", r), Content: raw}
		}
	}()
	if err := plist.Unmarshal(raw, v); err != nil {
		return &ParseError{Err: err, Content: raw}
	}
	return nil
}

// DecodeCheckin decodes a check-in body into a pointer to one of the
// check-in message types, chosen by its MessageType key. Each message keeps
// raw as its Raw bytes. Errors are a *ParseError, wrapping an
// *UnrecognizedMessageTypeError when the type is missing or unknown.
func DecodeCheckin(raw []byte) (any, error) {
	var mt MessageType
	if err := unmarshal(raw, &mt); err != nil {
		return nil, err
	}

	var msg any
	switch mt.MessageType {
	case MessageAuthenticate:
		msg = &Authenticate{Raw: Raw{raw}}
	case MessageTokenUpdate:
		msg = &TokenUpdate{Raw: Raw{raw}}
	case MessageCheckOut:
		msg = &CheckOut{Raw: Raw{raw}}
	case MessageSetBootstrapToken:
		msg = &SetBootstrapToken{Raw: Raw{raw}}
	case MessageGetBootstrapToken:
		msg = &GetBootstrapToken{Raw: Raw{raw}}
	case MessageUserAuthenticate:
		msg = &UserAuthenticate{Raw: Raw{raw}}
	case MessageDeclarativeManagement:
		msg = &DeclarativeManagement{Raw: Raw{raw}}
	case MessageGetToken:
		msg = &GetToken{Raw: Raw{raw}}
	default:
		return nil, &ParseError{
			Err:     &UnrecognizedMessageTypeError{MessageType: mt.MessageType},
			Content: raw,
		}
	}

	if err := decode(raw, msg); err != nil {
		return nil, err
	}
	return msg, nil
}
