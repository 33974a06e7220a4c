package wire

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error Parse returns is a *ParseError wrapping
// exactly one of the decoding sentinels (test with errors.Is); errors from
// Append wrap ErrInvalid or ErrTooLong, and VerifyIntegrity returns
// ErrNoIntegrity or ErrBadDigest.
var (
	// ErrTruncated: the input ends before a header or a length says it
	// should.
	ErrTruncated = errors.New("truncated")
	// ErrTrailingData: bytes follow the message's RSVP Length.
	ErrTrailingData = errors.New("trailing data")
	// ErrBadVersion: the common header's version is not 1.
	ErrBadVersion = errors.New("bad RSVP version")
	// ErrBadLength: a length is impossible for what it describes (below
	// the header size, not a multiple of 4, wrong for a fixed-size object
	// or IntServ parameter).
	ErrBadLength = errors.New("bad length")
	// ErrBadChecksum: the RSVP checksum is neither zero nor correct.
	ErrBadChecksum = errors.New("bad checksum")
	// ErrUnknownMessage: a message type other than the seven of RFC 2205.
	ErrUnknownMessage = errors.New("unknown message type")
	// ErrUnknownClass: an object class this package does not know whose
	// Class-Num has the high bit clear (RFC 2205 section 3.10): the
	// message is rejected with error code 13.
	ErrUnknownClass = errors.New("unknown object class")
	// ErrUnknownCType: a known object class with an unknown C-Type: the
	// message is rejected with error code 14.
	ErrUnknownCType = errors.New("unknown object C-Type")
	// ErrMissingObject: an object the message type requires is absent.
	ErrMissingObject = errors.New("missing object")
	// ErrUnexpectedObject: a known object that has no place in this
	// message type, or a second copy of one that may appear once.
	ErrUnexpectedObject = errors.New("unexpected object")
	// ErrBadFlowDescriptor: the FLOWSPEC and FILTER_SPEC objects do not
	// form a flow descriptor list the reservation style allows.
	ErrBadFlowDescriptor = errors.New("bad flow descriptor list")
	// ErrUnknownStyle: a STYLE whose option vector is none of WF, FF and
	// SE: the message is rejected with error code 6.
	ErrUnknownStyle = errors.New("unknown reservation style")
	// ErrBadValue: a field holds a value that makes no sense (protocol
	// zero in a SESSION, a NaN rate, an address of the wrong family).
	ErrBadValue = errors.New("bad value")
	// ErrUnsupportedService: a FLOWSPEC for an IntServ service other than
	// Controlled-Load and Guaranteed: error code 21, value 2.
	ErrUnsupportedService = errors.New("unsupported IntServ service")

	// ErrInvalid: Append was given a value it cannot encode, or a message
	// Parse would reject (a missing mandatory object, a flow descriptor
	// list that does not fit the style).
	ErrInvalid = errors.New("invalid value")
	// ErrTooLong: the message would not fit the 16-bit RSVP Length.
	ErrTooLong = errors.New("message too long")

	// ErrNoIntegrity: VerifyIntegrity or Sign found no INTEGRITY object.
	ErrNoIntegrity = errors.New("no INTEGRITY object")
	// ErrBadDigest: the keyed message digest does not match.
	ErrBadDigest = errors.New("bad INTEGRITY digest")
)

// ParseError says why a message was rejected and, where RFC 2205 wants
// the sender told, what error to send back.
type ParseError struct {
	Type   MsgType  // the message type, if the header was readable
	Offset int      // byte offset in the message of the offending object or field
	Class  ClassNum // the offending object's class and C-Type, if any
	CType  uint8
	Err    error  // one of the decoding sentinels
	Detail string // what exactly was wrong

	// Report says the sender should be told, with an ERROR_SPEC of Code
	// and Value: in a PathErr if the message was a Path, in a ResvErr if
	// it was a Resv (RFC 2205 answers no other message with an error).
	// When Report is false the message is dropped silently.
	Report bool
	Code   ErrorCode
	Value  uint16

	// Session and Hop are the rejected message's SESSION and RSVP_HOP
	// when they could be decoded, so that a reported error can be
	// addressed; nil otherwise.
	Session *Session
	Hop     *Hop
}

func (e *ParseError) Error() string {
	s := "rsvp"
	if e.Type != 0 {
		s += " " + e.Type.String()
	}
	if e.Class != 0 || e.CType != 0 {
		s += fmt.Sprintf(" object %v/%d", e.Class, e.CType)
	}
	s += fmt.Sprintf(" at offset %d: %v", e.Offset, e.Err)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Report {
		s += fmt.Sprintf(" (report code %d value %#04x)", e.Code, e.Value)
	}
	return s
}

func (e *ParseError) Unwrap() error { return e.Err }

// objError is what object decoders return; Parse adds the position and
// turns it into a *ParseError.
type objError struct {
	err    error
	detail string
	report bool
	code   ErrorCode
	value  uint16
}

func (e *objError) Error() string { return e.err.Error() + ": " + e.detail }

func (e *objError) Unwrap() error { return e.err }

func objErr(err error, format string, args ...any) *objError {
	return &objError{err: err, detail: fmt.Sprintf(format, args...)}
}

// withReport marks e as one to answer with code and value.
func (e *objError) withReport(code ErrorCode, value uint16) *objError {
	e.report, e.code, e.value = true, code, value
	return e
}

// invalid builds an encoding error.
func invalid(format string, args ...any) error {
	return fmt.Errorf("rsvp: %w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}
