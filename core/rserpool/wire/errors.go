package wire

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error the decoder returns wraps exactly one of
// them (test with errors.Is); errors from the encoder wrap ErrInvalidValue,
// ErrTooMany, ErrTooLarge or ErrWrongProtocol.
var (
	// ErrTruncated: the input ends before a header or a length says it
	// should.
	ErrTruncated = errors.New("truncated")
	// ErrBadLength: a length field is impossible for what it describes
	// (below the header size, wrong for a fixed-size value, not a whole
	// number of 32-bit words where one is required).
	ErrBadLength = errors.New("bad length")
	// ErrTrailingData: bytes follow the message beyond its padding.
	ErrTrailingData = errors.New("trailing data")
	// ErrMissingParam: a parameter the message layout requires is absent.
	ErrMissingParam = errors.New("missing parameter")
	// ErrUnexpectedParam: a known parameter where the layout has no place
	// for it (wrong order, wrong message, or one too many).
	ErrUnexpectedParam = errors.New("unexpected parameter")
	// ErrTooMany: more items than this package accepts (see MaxElements
	// and the other limits).
	ErrTooMany = errors.New("too many items")
	// ErrUnrecognizedParam: an unrecognized parameter whose type says
	// "stop processing and discard the message" (type bits 00 or 01). See
	// UnrecognizedParamError.
	ErrUnrecognizedParam = errors.New("unrecognized parameter")
	// ErrUnrecognizedMessage: an unknown message type. A server answers
	// with an Error message carrying cause CauseUnrecognizedMessage (see
	// UnrecognizedMessageCause).
	ErrUnrecognizedMessage = errors.New("unrecognized message type")
	// ErrInvalidValue: a value that cannot be encoded (an invalid address,
	// a transport Kind that is not a transport, inconsistent fields).
	ErrInvalidValue = errors.New("invalid value")
	// ErrTooLarge: the encoding would not fit a 16-bit length field.
	ErrTooLarge = errors.New("too large")
	// ErrWrongProtocol: an ENRP message given to AppendASAP or vice versa.
	ErrWrongProtocol = errors.New("wrong protocol")
)

// ParseError says what was wrong with a message and where.
type ParseError struct {
	Proto   Protocol  // ASAP or ENRP; 0 when decoding a lone parameter
	MsgType uint8     // the message type, if the header was readable
	Offset  int       // byte offset of the offending field in the input
	Param   ParamType // the innermost parameter being decoded, 0 if none
	Err     error     // one of the sentinel errors
	Detail  string    // what exactly was wrong
}

func (e *ParseError) Error() string {
	return prefix(e.Proto, e.MsgType) + inParam(e.Param) + fmt.Sprintf("offset %d: %v: %s", e.Offset, e.Err, e.Detail)
}

func (e *ParseError) Unwrap() error { return e.Err }

// UnrecognizedParamError reports a parameter whose type this package does
// not know and whose two high type bits say to stop processing: the message
// must be discarded. If Report is set (type bits 01) the sender should be
// told with an Operation Error cause CauseUnrecognizedParameter (see
// UnrecognizedParamCause); the parameter is then also in the report list
// ParseASAPReport and ParseENRPReport return.
type UnrecognizedParamError struct {
	Proto   Protocol
	MsgType uint8
	Offset  int
	Param   RawParam
	Report  bool
}

func (e *UnrecognizedParamError) Error() string {
	act := "stop"
	if e.Report {
		act = "stop and report"
	}
	return prefix(e.Proto, e.MsgType) + fmt.Sprintf("offset %d: unrecognized parameter type %#04x (%d value bytes), action %s",
		e.Offset, uint16(e.Param.Type), len(e.Param.Value), act)
}

func (e *UnrecognizedParamError) Unwrap() error { return ErrUnrecognizedParam }

// UnrecognizedMessageError reports an unknown message type.
type UnrecognizedMessageError struct {
	Proto Protocol
	Type  uint8
}

func (e *UnrecognizedMessageError) Error() string {
	return fmt.Sprintf("%v: unrecognized message type %#02x", e.Proto, e.Type)
}

func (e *UnrecognizedMessageError) Unwrap() error { return ErrUnrecognizedMessage }

func prefix(p Protocol, t uint8) string {
	switch p {
	case ASAP:
		return "asap " + ASAPType(t).String() + ": "
	case ENRP:
		return "enrp " + ENRPType(t).String() + ": "
	}
	return "rserpool: "
}

func inParam(t ParamType) string {
	if t == 0 {
		return ""
	}
	return t.String() + " parameter at "
}

// perr builds a *ParseError.
func perr(sentinel error, off int, param ParamType, format string, args ...any) *ParseError {
	return &ParseError{Offset: off, Param: param, Err: sentinel, Detail: fmt.Sprintf(format, args...)}
}

// eerr builds an encoding error wrapping sentinel.
func eerr(sentinel error, format string, args ...any) error {
	return fmt.Errorf("rserpool/wire: %w: %s", sentinel, fmt.Sprintf(format, args...))
}

// annotate fills in the protocol and message type of a decoding error.
func annotate(err error, p Protocol, typ uint8) error {
	var pe *ParseError
	if errors.As(err, &pe) {
		pe.Proto, pe.MsgType = p, typ
	}
	var ue *UnrecognizedParamError
	if errors.As(err, &ue) {
		ue.Proto, ue.MsgType = p, typ
	}
	return err
}
