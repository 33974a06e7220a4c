package wire

import "net/netip"

// Objects carry addresses as 4 bytes (IPv4 C-Types) or 16 bytes (IPv6
// C-Types). An IPv4-mapped IPv6 address is an IPv6 address here: it goes
// out in an IPv6 C-Type and comes back unchanged.

// checkAddr reports why a cannot be put in an object, if it cannot.
func checkAddr(a netip.Addr, what string) error {
	switch {
	case !a.IsValid():
		return invalid("%s: no address", what)
	case a.Zone() != "":
		return invalid("%s %v: an address with a zone cannot be sent", what, a)
	}
	return nil
}

// pickCType returns v4 or v6 by the family of a.
func pickCType(a netip.Addr, v4, v6 uint8) uint8 {
	if a.Is4() {
		return v4
	}
	return v6
}

func appendAddr(b []byte, a netip.Addr) []byte {
	if a.Is4() {
		v := a.As4()
		return append(b, v[:]...)
	}
	v := a.As16()
	return append(b, v[:]...)
}

func addr4(b []byte) netip.Addr { return netip.AddrFrom4([4]byte(b[:4])) }

func addr16(b []byte) netip.Addr { return netip.AddrFrom16([16]byte(b[:16])) }

// addrLen is the size of an address of a's family on the wire.
func addrLen(a netip.Addr) int {
	if a.Is4() {
		return 4
	}
	return 16
}

// sameFamily reports whether a and b go in the same C-Type family.
func sameFamily(a, b netip.Addr) bool { return a.Is4() == b.Is4() }
