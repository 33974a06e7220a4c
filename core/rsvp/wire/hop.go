package wire

import (
	"encoding/binary"
	"net/netip"
)

// RSVP_HOP (class 3, RFC 2205 A.2): the previous hop (PHOP) in
// downstream messages, the next hop (NHOP) in upstream ones.
//
//	C-Type 1 IPv4: Hop Address(4)  | Logical Interface Handle(4)
//	C-Type 2 IPv6: Hop Address(16) | Logical Interface Handle(4)

// RSVP_HOP C-Types.
const (
	CTypeHopIPv4 = 1
	CTypeHopIPv6 = 2
)

// Hop is an RSVP_HOP object.
type Hop struct {
	Addr netip.Addr // the interface address of the node that sent the message
	// LIH, the logical interface handle, is opaque to every node but the
	// one that set it: a node puts its outgoing interface here in a Path
	// and gets it back in the Resv.
	LIH uint32
}

func (h Hop) appendTo(b []byte) ([]byte, error) {
	if err := checkAddr(h.Addr, "RSVP_HOP address"); err != nil {
		return b, err
	}
	b, start := beginObject(b, ClassHop, pickCType(h.Addr, CTypeHopIPv4, CTypeHopIPv6))
	b = appendAddr(b, h.Addr)
	b = binary.BigEndian.AppendUint32(b, h.LIH)
	return endObject(b, start), nil
}

func parseHop(ctype uint8, body []byte) (Hop, *objError) {
	var h Hop
	switch ctype {
	case CTypeHopIPv4:
		if len(body) != 8 {
			return h, objErr(ErrBadLength, "RSVP_HOP IPv4 body of %d bytes, want 8", len(body))
		}
		h.Addr = addr4(body)
		h.LIH = binary.BigEndian.Uint32(body[4:])
	case CTypeHopIPv6:
		if len(body) != 20 {
			return h, objErr(ErrBadLength, "RSVP_HOP IPv6 body of %d bytes, want 20", len(body))
		}
		h.Addr = addr16(body)
		h.LIH = binary.BigEndian.Uint32(body[16:])
	default:
		return h, errCType(ClassHop, ctype)
	}
	return h, nil
}
