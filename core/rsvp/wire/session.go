package wire

import (
	"encoding/binary"
	"net/netip"
)

// SESSION (class 1, RFC 2205 A.1; GPI forms RFC 2207 section 3):
//
//	C-Type 1 IPv4/UDP, 3 IPv4/GPI:   DestAddress(4)  | ProtoId | Flags | DstPort(2)
//	C-Type 2 IPv6/UDP, 4 IPv6/GPI:   DestAddress(16) | ProtoId | Flags | DstPort(2)
//
// In the GPI forms DstPort is a virtual destination port (vDstPort).

// Session C-Types.
const (
	CTypeSessionIPv4    = 1
	CTypeSessionIPv6    = 2
	CTypeSessionIPv4GPI = 3
	CTypeSessionIPv6GPI = 4
)

// SessionEPolice is the SESSION flag E_Police: the sender is not
// policed at the edge, so the first policing point must be.
const SessionEPolice = 0x01

// Session identifies an RSVP session. It is comparable, so the engine can
// key its state by it.
type Session struct {
	Dest     netip.Addr // IPv4 or IPv6 destination (unicast or group)
	Protocol uint8      // IP protocol of the data flow, never zero
	Flags    uint8      // SessionEPolice
	DstPort  uint16     // TCP/UDP destination port, 0 for none; vDstPort when GPI
	GPI      bool       // RFC 2207 IPsec form: DstPort is a virtual port
}

func (s Session) cType() uint8 {
	if s.GPI {
		return pickCType(s.Dest, CTypeSessionIPv4GPI, CTypeSessionIPv6GPI)
	}
	return pickCType(s.Dest, CTypeSessionIPv4, CTypeSessionIPv6)
}

func (s Session) check() error {
	if err := checkAddr(s.Dest, "SESSION destination"); err != nil {
		return err
	}
	if s.Protocol == 0 {
		return invalid("SESSION protocol is zero")
	}
	return nil
}

func (s Session) appendTo(b []byte) ([]byte, error) {
	if err := s.check(); err != nil {
		return b, err
	}
	b, start := beginObject(b, ClassSession, s.cType())
	b = appendAddr(b, s.Dest)
	b = append(b, s.Protocol, s.Flags)
	b = binary.BigEndian.AppendUint16(b, s.DstPort)
	return endObject(b, start), nil
}

func parseSession(ctype uint8, body []byte) (Session, *objError) {
	var s Session
	var n int
	switch ctype {
	case CTypeSessionIPv4, CTypeSessionIPv4GPI:
		n = 4
	case CTypeSessionIPv6, CTypeSessionIPv6GPI:
		n = 16
	default:
		return s, errCType(ClassSession, ctype)
	}
	if len(body) != n+4 {
		return s, objErr(ErrBadLength, "SESSION body of %d bytes, want %d", len(body), n+4)
	}
	if n == 4 {
		s.Dest = addr4(body)
	} else {
		s.Dest = addr16(body)
	}
	s.Protocol, s.Flags = body[n], body[n+1]
	s.DstPort = binary.BigEndian.Uint16(body[n+2:])
	s.GPI = ctype == CTypeSessionIPv4GPI || ctype == CTypeSessionIPv6GPI
	if s.Protocol == 0 {
		// RFC 2205 A.1: "This field must be nonzero."
		return s, objErr(ErrBadValue, "SESSION protocol is zero")
	}
	return s, nil
}

// errCType is the error for an unknown C-Type of a known class: code 14,
// value (Class-Num, C-Type) as RFC 2205 Appendix B gives it.
func errCType(class ClassNum, ctype uint8) *objError {
	return objErr(ErrUnknownCType, "%v C-Type %d", class, ctype).
		withReport(CodeUnknownCType, ObjectErrorValue(class, ctype))
}
