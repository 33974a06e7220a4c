package tc

import (
	"encoding/binary"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// u32 keys compare one aligned 32-bit word of the packet, at Off bytes
// from the network header, under Mask. Mask and Val are given here in
// host order as the word reads in network order (netlink converts them).
//
// IPv4 (RFC 791), without options:
//
//	off 0  version/IHL ...      off 4  id, flags/fragment offset
//	off 8  ttl, protocol, csum  off 12 source   off 16 destination
//	off 20 source port, destination port (UDP, TCP)
//
// IPv6 (RFC 8200), without extension headers:
//
//	off 4  payload length, next header, hop limit
//	off 8..20 source   off 24..36 destination
//	off 40 source port, destination port
//
// When ports are matched, IPv4 keys also require IHL = 5 and fragment
// offset 0, so a packet with options or a non-first fragment falls to best
// effort instead of being compared at the wrong offset. IPv6 packets with
// extension headers carry another next-header value and simply do not
// match.
type key = netlink.TcU32Key

// selector returns the keys matching packets from snd to the session.
func selector(s Session, snd Sender) []key {
	var keys []key
	addr := func(off int32, b []byte) {
		for i := 0; i < len(b); i += 4 {
			keys = append(keys, key{Mask: 0xffffffff, Val: binary.BigEndian.Uint32(b[i:]), Off: off + int32(i)})
		}
	}
	portMask, portVal := uint32(0), uint32(0)
	if snd.Port != 0 {
		portMask |= 0xffff0000
		portVal |= uint32(snd.Port) << 16
	}
	if s.DstPort != 0 {
		portMask |= 0x0000ffff
		portVal |= uint32(s.DstPort)
	}
	if s.Dst.Is4() {
		if portMask != 0 {
			keys = append(keys,
				key{Mask: 0x0f000000, Val: 0x05000000, Off: 0},
				key{Mask: 0x00001fff, Val: 0, Off: 4})
		}
		if s.Proto != 0 {
			keys = append(keys, key{Mask: 0x00ff0000, Val: uint32(s.Proto) << 16, Off: 8})
		}
		if snd.Addr.IsValid() {
			a := snd.Addr.As4()
			addr(12, a[:])
		}
		a := s.Dst.As4()
		addr(16, a[:])
		if portMask != 0 {
			keys = append(keys, key{Mask: portMask, Val: portVal, Off: 20})
		}
		return keys
	}
	if s.Proto != 0 {
		keys = append(keys, key{Mask: 0x0000ff00, Val: uint32(s.Proto) << 8, Off: 4})
	}
	if snd.Addr.IsValid() {
		a := snd.Addr.As16()
		addr(8, a[:])
	}
	a := s.Dst.As16()
	addr(24, a[:])
	if portMask != 0 {
		keys = append(keys, key{Mask: portMask, Val: portVal, Off: 40})
	}
	return keys
}

// ethProto is the filter protocol for the session's address family.
func ethProto(s Session) uint16 {
	if s.Dst.Is4() {
		return unix.ETH_P_IP
	}
	return unix.ETH_P_IPV6
}

// controlFilter is one filter steering signalling to the control class.
type controlFilter struct {
	prio  uint16
	proto uint16
	keys  []key // nil: every packet of the protocol
}

// RSVP's IP protocol and UDP encapsulation ports (RFC 2205, appendix C).
const (
	protoRSVP   = 46
	rsvpUDPPort = 1698
	rsvpUDPAlt  = 1699
)

// controlFilters lists the control class's filters: ARP; RSVP over raw
// IP (the protocol field sits before any options, so Router Alert does
// not matter) and over UDP 1698/1699 for both families; ICMPv6 neighbour
// discovery and IPv6 hop-by-hop headers (RSVP and MLD with Router Alert
// put one first). Filters of one priority are nodes 1, 2, ... in order.
func controlFilters() []controlFilter {
	udp4 := func(port uint32) []key {
		return []key{
			{Mask: 0x0f000000, Val: 0x05000000, Off: 0},
			{Mask: 0x00001fff, Val: 0, Off: 4},
			{Mask: 0x00ff0000, Val: ProtoUDP << 16, Off: 8},
			{Mask: 0x0000ffff, Val: port, Off: 20},
		}
	}
	udp6 := func(port uint32) []key {
		return []key{
			{Mask: 0x0000ff00, Val: ProtoUDP << 8, Off: 4},
			{Mask: 0x0000ffff, Val: port, Off: 40},
		}
	}
	next6 := func(proto uint32) []key { return []key{{Mask: 0x0000ff00, Val: proto << 8, Off: 4}} }
	fs := []controlFilter{
		{prioARP, unix.ETH_P_ARP, nil},
		{prioControl4, unix.ETH_P_IP, []key{{Mask: 0x00ff0000, Val: protoRSVP << 16, Off: 8}}},
		{prioControl4, unix.ETH_P_IP, udp4(rsvpUDPPort)},
		{prioControl4, unix.ETH_P_IP, udp4(rsvpUDPAlt)},
		{prioControl6, unix.ETH_P_IPV6, next6(protoRSVP)},
		{prioControl6, unix.ETH_P_IPV6, next6(0)},
		{prioControl6, unix.ETH_P_IPV6, udp6(rsvpUDPPort)},
		{prioControl6, unix.ETH_P_IPV6, udp6(rsvpUDPAlt)},
	}
	// Neighbour discovery only (router solicitation to redirect), not all
	// of ICMPv6: a ping flood must not crowd out the class it shares.
	for typ := uint32(133); typ <= 137; typ++ {
		fs = append(fs, controlFilter{prioControl6, unix.ETH_P_IPV6,
			append(next6(unix.IPPROTO_ICMPV6), key{Mask: 0xff000000, Val: typ << 24, Off: 40})})
	}
	return fs
}

// sameKeys compares two key lists in order.
func sameKeys(a, b []key) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
