package netio

import "net/netip"

// Protocol is RSVP's IP protocol number.
const Protocol = 46

// UDP encapsulation (RFC 2205 Appendix C).
const (
	PortPu      = 1698 // rsvp-encap-1
	PortPuPrime = 1699 // rsvp-encap-2
)

// GroupEncap is G*, the RSVP-Encapsulation group 224.0.0.14.
var GroupEncap = netip.AddrFrom4([4]byte{224, 0, 0, 14})

// Packet is one received RSVP message.
type Packet struct {
	Data    []byte // the RSVP message, IP (and UDP) header removed
	Src     netip.Addr
	Dst     netip.Addr
	IfIndex int  // incoming interface
	TTL     int  // IP TTL or hop limit as received; -1 if unknown
	UDP     bool // came UDP-encapsulated
}

// Out is one message to send.
type Out struct {
	Data []byte
	Dst  netip.Addr
	// Src is the source address to use; the unspecified address lets the
	// kernel choose.
	Src netip.Addr
	// IfIndex sends out of this interface; 0 lets routing decide.
	IfIndex int
	// TTL is the IP TTL; 0 means the default (64).
	TTL int
	// RouterAlert adds the Router Alert option (raw IP only).
	RouterAlert bool
	// UDP sends UDP-encapsulated, to port Port (0: PortPu).
	UDP  bool
	Port int
}
