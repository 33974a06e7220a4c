package handlespace

import (
	"fmt"
	"net/netip"
)

// Scope is an address scope, ordered as rsplib's getScope (netutilities.c):
// the higher, the wider. The numbers are rsplib's AS_* values.
type Scope uint8

const (
	ScopeUnspecified        Scope = 0 // 0.0.0.0, ::
	ScopeMulticastNodeLocal Scope = 1
	ScopeLoopback           Scope = 2 // 127/8, ::1
	ScopeMulticastLinkLocal Scope = 3
	ScopeLinkLocal          Scope = 4 // 169.254/16, fe80::/10
	ScopeMulticastSiteLocal Scope = 5
	ScopeSiteLocal          Scope = 6 // 10/8, 172.16/12, 192.168/16, fec0::/10
	ScopeMulticastOrgLocal  Scope = 7
	ScopeMulticastGlobal    Scope = 8
	ScopeGlobal             Scope = 10
)

// ParseScope parses a -minaddressscope value: loopback, sitelocal or
// global (the three rspregistrar accepts).
func ParseScope(s string) (Scope, error) {
	switch s {
	case "loopback":
		return ScopeLoopback, nil
	case "sitelocal":
		return ScopeSiteLocal, nil
	case "global":
		return ScopeGlobal, nil
	}
	return 0, fmt.Errorf("handlespace: bad address scope %q (want loopback, sitelocal or global)", s)
}

// ScopeOf returns a's scope exactly as rsplib classifies it. Like rsplib,
// IPv4-mapped IPv6 addresses take their IPv4 scope, IPv6 unique local
// addresses (fc00::/7) count as global and IPv4 multicast as global
// multicast. The invalid (zero) Addr is unspecified.
func ScopeOf(a netip.Addr) Scope {
	if a.Is4In6() {
		a = a.Unmap()
	}
	if a.Is4() {
		b := a.As4()
		switch {
		case b == [4]byte{}:
			return ScopeUnspecified
		case b[0] == 127:
			return ScopeLoopback
		case b[0] == 10, b[0] == 172 && b[1] >= 16 && b[1] <= 31, b[0] == 192 && b[1] == 168:
			return ScopeSiteLocal
		case b[0] == 169 && b[1] == 254:
			return ScopeLinkLocal
		case b[0] >= 224 && b[0] <= 239:
			return ScopeMulticastGlobal
		}
		return ScopeGlobal
	}
	if !a.Is6() {
		return ScopeUnspecified
	}
	b := a.As16()
	switch {
	case a.IsUnspecified():
		return ScopeUnspecified
	case b[0] == 0xff && b[1]&0x0f == 0x1:
		return ScopeMulticastNodeLocal
	case a.IsLoopback():
		return ScopeLoopback
	case b[0] == 0xff && b[1]&0x0f == 0x2:
		return ScopeMulticastLinkLocal
	case b[0] == 0xfe && b[1]&0xc0 == 0x80:
		return ScopeLinkLocal
	case b[0] == 0xff && b[1]&0x0f == 0x5:
		return ScopeMulticastSiteLocal
	case b[0] == 0xfe && b[1]&0xc0 == 0xc0:
		return ScopeSiteLocal
	case b[0] == 0xff && b[1]&0x0f == 0x8:
		return ScopeMulticastOrgLocal
	case b[0] == 0xff && b[1]&0x0f == 0xe:
		return ScopeMulticastGlobal
	}
	return ScopeGlobal
}

// FilterAddrs appends to dst the addresses of addrs whose scope is at least
// min and, when assoc is not nil, that are also among assoc (rsplib's
// transportAddressBlockFilter: a registrar keeps only the user addresses
// the registering association itself uses). Order is kept. A Register call
// applies the scope part itself; FilterAddrs is for a registrar that wants
// the association intersection too, or to check addresses beforehand.
func FilterAddrs(dst, addrs []netip.Addr, min Scope, assoc []netip.Addr) []netip.Addr {
	for _, a := range addrs {
		if ScopeOf(a) < min {
			continue
		}
		if assoc != nil && !containsAddr(assoc, a) {
			continue
		}
		dst = append(dst, a)
	}
	return dst
}

func containsAddr(list []netip.Addr, a netip.Addr) bool {
	a = a.Unmap()
	for _, b := range list {
		if b.Unmap() == a {
			return true
		}
	}
	return false
}

// countInScope reports how many of addrs have scope at least min.
func countInScope(addrs []netip.Addr, min Scope) int {
	n := 0
	for _, a := range addrs {
		if ScopeOf(a) >= min {
			n++
		}
	}
	return n
}
