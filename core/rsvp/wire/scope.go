package wire

import "net/netip"

// SCOPE (class 7, RFC 2205 A.6): the senders a wildcard-scope reservation
// is meant for, as a list of addresses of one family.
//
//	C-Type 1: IPv4 Src Address(4) ...
//	C-Type 2: IPv6 Src Address(16) ...

// SCOPE C-Types.
const (
	CTypeScopeIPv4 = 1
	CTypeScopeIPv6 = 2
)

// Scope is a SCOPE object: at least one address, all of one family.
type Scope struct {
	Addrs []netip.Addr
}

func (s Scope) appendTo(b []byte) ([]byte, error) {
	if len(s.Addrs) == 0 {
		return b, invalid("empty SCOPE")
	}
	for _, a := range s.Addrs {
		if err := checkAddr(a, "SCOPE address"); err != nil {
			return b, err
		}
		if !sameFamily(a, s.Addrs[0]) {
			return b, invalid("SCOPE mixes IPv4 and IPv6 addresses")
		}
	}
	b, start := beginObject(b, ClassScope, pickCType(s.Addrs[0], CTypeScopeIPv4, CTypeScopeIPv6))
	for _, a := range s.Addrs {
		b = appendAddr(b, a)
	}
	return endObject(b, start), nil
}

func parseScope(ctype uint8, body []byte) (Scope, *objError) {
	var n int
	switch ctype {
	case CTypeScopeIPv4:
		n = 4
	case CTypeScopeIPv6:
		n = 16
	default:
		return Scope{}, errCType(ClassScope, ctype)
	}
	if len(body) == 0 || len(body)%n != 0 {
		return Scope{}, objErr(ErrBadLength, "SCOPE body of %d bytes, not a non-empty list of %d-byte addresses", len(body), n)
	}
	s := Scope{Addrs: make([]netip.Addr, 0, len(body)/n)}
	for off := 0; off < len(body); off += n {
		if n == 4 {
			s.Addrs = append(s.Addrs, addr4(body[off:]))
		} else {
			s.Addrs = append(s.Addrs, addr16(body[off:]))
		}
	}
	return s, nil
}
