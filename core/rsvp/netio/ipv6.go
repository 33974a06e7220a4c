package netio

import "net/netip"

// ipv6Payload finds the RSVP message in an IPv6 packet that starts with
// its header, walking the extension headers (hop-by-hop, routing,
// destination options); it fills p's addresses and hop limit. Packets of
// other protocols, fragments and malformed chains are not RSVP
// messages.
func ipv6Payload(b []byte, p *Packet) ([]byte, bool) {
	if len(b) < 40 || b[0]>>4 != 6 {
		return nil, false
	}
	p.TTL = int(b[7])
	p.Src = netip.AddrFrom16([16]byte(b[8:24]))
	p.Dst = netip.AddrFrom16([16]byte(b[24:40]))
	next, rest := b[6], b[40:]
	for range 8 { // a bound on the chain
		switch next {
		case Protocol:
			return rest, true
		case 0, 43, 60: // hop-by-hop, routing, destination options
			if len(rest) < 8 {
				return nil, false
			}
			n := (int(rest[1]) + 1) * 8
			if n > len(rest) {
				return nil, false
			}
			next, rest = rest[0], rest[n:]
		default:
			return nil, false
		}
	}
	return nil, false
}
