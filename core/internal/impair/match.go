package impair

// Transport finds the transport header of an IPv4 or IPv6 packet: the
// protocol number and the bytes from the transport header on. ok is false
// for packets it cannot parse and for IPv4 fragments other than the first
// (which carry no ports). IPv6 extension headers (hop-by-hop, routing,
// destination options, fragment) are skipped.
func Transport(pkt []byte) (proto uint8, payload []byte, ok bool) {
	if len(pkt) < 1 {
		return 0, nil, false
	}
	switch pkt[0] >> 4 {
	case 4:
		if len(pkt) < 20 {
			return 0, nil, false
		}
		ihl := int(pkt[0]&0x0f) * 4
		if ihl < 20 || len(pkt) < ihl {
			return 0, nil, false
		}
		if (uint16(pkt[6])<<8|uint16(pkt[7]))&0x1fff != 0 {
			return pkt[9], nil, false // not the first fragment
		}
		return pkt[9], pkt[ihl:], true
	case 6:
		if len(pkt) < 40 {
			return 0, nil, false
		}
		next, rest := pkt[6], pkt[40:]
		for {
			switch next {
			case 0, 43, 60: // hop-by-hop, routing, destination options
				if len(rest) < 8 {
					return next, nil, false
				}
				n := (int(rest[1]) + 1) * 8
				if len(rest) < n {
					return next, nil, false
				}
				next, rest = rest[0], rest[n:]
			case 44: // fragment
				if len(rest) < 8 {
					return next, nil, false
				}
				if (uint16(rest[2])<<8|uint16(rest[3]))&0xfff8 != 0 {
					return rest[0], nil, false
				}
				next, rest = rest[0], rest[8:]
			default:
				return next, rest, true
			}
		}
	}
	return 0, nil, false
}

// Protocol numbers for MatchProto and MatchPort.
const (
	ProtoTCP    = 6
	ProtoUDP    = 17
	ProtoICMP   = 1
	ProtoICMPv6 = 58
)

// MatchProto matches packets of one transport protocol.
func MatchProto(proto uint8) func([]byte) bool {
	return func(pkt []byte) bool {
		p, _, ok := Transport(pkt)
		return ok && p == proto
	}
}

// MatchUDP and MatchTCP match UDP and TCP packets of either family.
var (
	MatchUDP = MatchProto(ProtoUDP)
	MatchTCP = MatchProto(ProtoTCP)
)

// MatchPort matches packets of the protocol (TCP or UDP) whose source or
// destination port is port.
func MatchPort(proto uint8, port uint16) func([]byte) bool {
	return func(pkt []byte) bool {
		p, t, ok := Transport(pkt)
		if !ok || p != proto || len(t) < 4 {
			return false
		}
		src, dst := uint16(t[0])<<8|uint16(t[1]), uint16(t[2])<<8|uint16(t[3])
		return src == port || dst == port
	}
}
