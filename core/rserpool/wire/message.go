package wire

import "encoding/binary"

// Limits the decoder enforces (and the encoder too, so that it never
// produces what it would refuse). They are well above what rsplib sends or
// accepts: 128 pool elements per Handle Resolution Response or Business
// Card, 128 per Handle Table Response by default, 64 transport addresses
// per pool element, 128 addresses per registrar. A 64 KiB message cannot
// hold much more than these anyway; the limits bound the work one message
// can cause.
const (
	MaxElements   = 1024 // Pool Element parameters in one message
	MaxPools      = 1024 // pool entries (Pool Handles) in a Handle Table Response
	MaxAddrs      = 128  // address parameters in one transport parameter
	MaxTransports = 64   // transport parameters in a Server Announce
	MaxServers    = 1024 // Server Information parameters in a List Response
	MaxCauses     = 64   // causes in one Operation Error parameter
	MaxReports    = 64   // unrecognized parameters collected for report; more are skipped unreported
)

// Message is one ASAP or ENRP message. The concrete types are the pointer
// types of this package: *Registration ... *ASAPErrorMessage for ASAP,
// *Presence ... *ENRPErrorMessage for ENRP.
type Message interface {
	// Protocol says whether this is an ASAP or an ENRP message.
	Protocol() Protocol
	// MsgType is the message type code (an ASAPType or ENRPType).
	MsgType() uint8

	flags() uint8
	appendValue(b []byte) ([]byte, error)
}

type parseFunc func(d *decoder, flags uint8, v []byte) (Message, error)

// AppendASAP appends the encoding of the ASAP message m to b. On error b
// is returned unchanged.
func AppendASAP(b []byte, m Message) ([]byte, error) {
	return appendMessage(b, m, ASAP)
}

// AppendENRP appends the encoding of the ENRP message m to b. On error b
// is returned unchanged.
func AppendENRP(b []byte, m Message) ([]byte, error) {
	return appendMessage(b, m, ENRP)
}

// Append appends the encoding of m, ASAP or ENRP, to b.
func Append(b []byte, m Message) ([]byte, error) {
	if m == nil {
		return b, eerr(ErrInvalidValue, "nil message")
	}
	return appendMessage(b, m, m.Protocol())
}

func appendMessage(b []byte, m Message, p Protocol) ([]byte, error) {
	if m == nil {
		return b, eerr(ErrInvalidValue, "nil message")
	}
	if m.Protocol() != p {
		return b, eerr(ErrWrongProtocol, "%v message given to the %v encoder", m.Protocol(), p)
	}
	start := len(b)
	b = append(b, 0, 0, 0, 0)
	b, err := m.appendValue(b)
	if err != nil {
		return b[:start], err
	}
	n := len(b) - start
	if n > 0xffff {
		return b[:start], eerr(ErrTooLarge, "message of %d bytes exceeds the 16-bit length", n)
	}
	b[start] = m.MsgType()
	b[start+1] = m.flags()
	binary.BigEndian.PutUint16(b[start+2:], uint16(n))
	return b, nil
}

// ParseASAP decodes the ASAP message in b: one whole message, optionally
// followed by up to 3 bytes of padding (see MessageLen). Unrecognized
// parameters are skipped or stop the decode as their type bits say; use
// ParseASAPReport to learn which ones to report.
func ParseASAP(b []byte) (Message, error) {
	m, _, err := ParseASAPReport(b)
	return m, err
}

// ParseASAPReport is ParseASAP that also returns the unrecognized
// parameters to report to the sender (type bits 01 or 11), whether or not
// err is nil: a server sends them back in an Operation Error, one cause
// CauseUnrecognizedParameter each (UnrecognizedParamCause).
func ParseASAPReport(b []byte) (Message, []RawParam, error) {
	return parse(b, ASAP, &asapParsers)
}

// ParseENRP decodes the ENRP message in b, as ParseASAP does for ASAP.
func ParseENRP(b []byte) (Message, error) {
	m, _, err := ParseENRPReport(b)
	return m, err
}

// ParseENRPReport is ParseENRP that also returns the unrecognized
// parameters to report, as ParseASAPReport does.
func ParseENRPReport(b []byte) (Message, []RawParam, error) {
	return parse(b, ENRP, &enrpParsers)
}

func parse(b []byte, p Protocol, parsers *[256]parseFunc) (Message, []RawParam, error) {
	typ, flags, v, err := splitMessage(b)
	if err != nil {
		return nil, nil, annotate(err, p, typ)
	}
	f := parsers[typ]
	if f == nil {
		return nil, nil, &UnrecognizedMessageError{Proto: p, Type: typ}
	}
	var d decoder
	m, err := f(&d, flags, v)
	if err != nil {
		return nil, d.reports, annotate(err, p, typ)
	}
	return m, d.reports, nil
}

// fixedFields checks that a message value has room for n bytes of fixed
// fields before its parameters.
func fixedFields(v []byte, n int, what string) error {
	if len(v) < n {
		return perr(ErrBadLength, 2, 0, "message length %d too short for %s (%d bytes)", HeaderLen+len(v), what, HeaderLen+n)
	}
	return nil
}

// poolHandle decodes a Pool Handle parameter (any length, copied).
func poolHandle(p tlv) []byte { return cloneBytes(p.val) }
