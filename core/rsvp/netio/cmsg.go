package netio

import (
	"encoding/binary"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// routerAlert4 is the IPv4 Router Alert option (RFC 2113): type 148,
// length 4, value 0.
var routerAlert4 = []byte{0x94, 0x04, 0x00, 0x00}

// hopByHopRA is an IPv6 hop-by-hop options header with the Router Alert
// option (RFC 2711), value 1 (RSVP), padded to 8 bytes with PadN. The
// kernel fills in the next-header byte.
var hopByHopRA = []byte{0, 0, 0x05, 0x02, 0x00, 0x01, 0x01, 0x00}

// raRSVP is IPv6 Router Alert value 1: RSVP (RFC 2711).
const raRSVP = 1

func appendCmsg(b []byte, level, typ int, data []byte) []byte {
	start := len(b)
	b = append(b, make([]byte, unix.CmsgSpace(len(data)))...)
	h := (*unix.Cmsghdr)(unsafe.Pointer(&b[start]))
	h.Level = int32(level)
	h.Type = int32(typ)
	h.SetLen(unix.CmsgLen(len(data)))
	copy(b[start+unix.CmsgLen(0):], data)
	return b
}

func intBytes(v int) []byte {
	b := make([]byte, 4)
	binary.NativeEndian.PutUint32(b, uint32(int32(v)))
	return b
}

// pktinfo4 is struct in_pktinfo: ifindex, spec_dst (source), addr.
func pktinfo4(ifindex int, src netip.Addr) []byte {
	b := make([]byte, unix.SizeofInet4Pktinfo)
	binary.NativeEndian.PutUint32(b, uint32(ifindex))
	if src.Is4() {
		a := src.As4()
		copy(b[4:8], a[:])
	}
	return b
}

// pktinfo6 is struct in6_pktinfo: addr (source), ifindex.
func pktinfo6(ifindex int, src netip.Addr) []byte {
	b := make([]byte, unix.SizeofInet6Pktinfo)
	if src.Is6() && !src.IsUnspecified() {
		a := src.As16()
		copy(b[0:16], a[:])
	}
	binary.NativeEndian.PutUint32(b[16:], uint32(ifindex))
	return b
}

// received is what the control messages of one datagram say.
type received struct {
	ifindex int
	dst     netip.Addr
	ttl     int
}

func parseCmsgs(oob []byte) received {
	r := received{ttl: -1}
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return r
	}
	for _, m := range msgs {
		switch {
		case m.Header.Level == unix.IPPROTO_IP && m.Header.Type == unix.IP_PKTINFO && len(m.Data) >= unix.SizeofInet4Pktinfo:
			r.ifindex = int(binary.NativeEndian.Uint32(m.Data))
			r.dst = netip.AddrFrom4([4]byte(m.Data[8:12]))
		case m.Header.Level == unix.IPPROTO_IP && m.Header.Type == unix.IP_TTL && len(m.Data) >= 4:
			r.ttl = int(binary.NativeEndian.Uint32(m.Data))
		case m.Header.Level == unix.IPPROTO_IPV6 && m.Header.Type == unix.IPV6_PKTINFO && len(m.Data) >= unix.SizeofInet6Pktinfo:
			r.dst = netip.AddrFrom16([16]byte(m.Data[0:16]))
			r.ifindex = int(binary.NativeEndian.Uint32(m.Data[16:]))
		case m.Header.Level == unix.IPPROTO_IPV6 && m.Header.Type == unix.IPV6_HOPLIMIT && len(m.Data) >= 4:
			r.ttl = int(binary.NativeEndian.Uint32(m.Data))
		}
	}
	return r
}

func sockaddr(a netip.Addr, port int, zone int) unix.Sockaddr {
	if a.Is4() || a.Is4In6() {
		return &unix.SockaddrInet4{Port: port, Addr: a.Unmap().As4()}
	}
	return &unix.SockaddrInet6{Port: port, Addr: a.As16(), ZoneId: uint32(zone)}
}

func addrOf(sa unix.Sockaddr) netip.Addr {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrFrom4(sa.Addr)
	case *unix.SockaddrInet6:
		return netip.AddrFrom16(sa.Addr)
	}
	return netip.Addr{}
}
