package wire

import (
	"encoding/binary"
	"net/netip"
)

// Address and transport parameters (RFC 5354 sections 3.1, 3.2):
//
//	IPv4 Address (0x1): 4-byte address.   IPv6 Address (0x2): 16-byte address.
//
//	SCTP (0x4) / TCP (0x5) Transport:
//	+-------------------------------+-------------------------------+
//	|             Port              |         Transport Use         |
//	+-------------------------------+-------------------------------+
//	:          IPv4 or IPv6 Address parameters, one or more         :
//
//	UDP (0x6) / UDP-Lite (0x7) Transport: Port(16), Reserved(16), addresses.
//	DCCP (0x3) Transport: Port(16), Reserved(16), Service Code(32), addresses.

// appendAddr appends a as an IPv4 or IPv6 Address parameter. An
// IPv4-mapped IPv6 address stays an IPv6 Address parameter.
func appendAddr(b []byte, a netip.Addr) ([]byte, error) {
	switch {
	case a.Is4():
		b = appendParamHeader(b, ParamIPv4Address, paramHeaderLen+4)
		v := a.As4()
		return append(b, v[:]...), nil
	case a.Is6() && a.Zone() == "":
		b = appendParamHeader(b, ParamIPv6Address, paramHeaderLen+16)
		v := a.As16()
		return append(b, v[:]...), nil
	case a.Is6():
		return b, eerr(ErrInvalidValue, "address %v has a zone, which the wire cannot carry", a)
	}
	return b, eerr(ErrInvalidValue, "invalid (zero) address")
}

func decodeAddr(p tlv) (netip.Addr, error) {
	if p.typ == ParamIPv4Address {
		if err := fixed(p, 4); err != nil {
			return netip.Addr{}, err
		}
		return netip.AddrFrom4([4]byte(p.val)), nil
	}
	if err := fixed(p, 16); err != nil {
		return netip.Addr{}, err
	}
	return netip.AddrFrom16([16]byte(p.val)), nil
}

// transportFixedLen is the size of a transport parameter's fields before
// its address parameters.
func transportFixedLen(kind ParamType) int {
	if kind == ParamDCCPTransport {
		return 8
	}
	return 4
}

// AppendTransportParam appends t as a transport parameter of type t.Kind.
// Use is written for SCTP and TCP only and ServiceCode for DCCP only; the
// other protocols' reserved fields are zero. t must have 1 to MaxAddrs
// addresses.
func AppendTransportParam(b []byte, t *Transport) ([]byte, error) {
	orig := len(b)
	b, err := appendTransport(b, t)
	if err != nil {
		return b[:orig], err
	}
	return b, nil
}

func appendTransport(b []byte, t *Transport) ([]byte, error) {
	if !isTransport(t.Kind) {
		return b, eerr(ErrInvalidValue, "transport kind %v is not a transport parameter type", t.Kind)
	}
	if len(t.Addrs) == 0 {
		return b, eerr(ErrInvalidValue, "%v without addresses", t.Kind)
	}
	if len(t.Addrs) > MaxAddrs {
		return b, eerr(ErrTooMany, "%v with %d addresses, limit %d", t.Kind, len(t.Addrs), MaxAddrs)
	}
	b, start := beginParam(b, t.Kind)
	b = appendU16(b, t.Port)
	switch t.Kind {
	case ParamSCTPTransport, ParamTCPTransport:
		b = appendU16(b, uint16(t.Use))
	case ParamDCCPTransport:
		b = appendU16(b, 0)
		b = appendU32(b, t.ServiceCode)
	default:
		b = appendU16(b, 0)
	}
	var err error
	for _, a := range t.Addrs {
		if b, err = appendAddr(b, a); err != nil {
			return b, err
		}
	}
	return endParam(b, start, len(b))
}

func (d *decoder) transport(p tlv) (Transport, error) {
	fl := transportFixedLen(p.typ)
	if err := atLeast(p, fl, "port and transport fields"); err != nil {
		return Transport{}, err
	}
	t := Transport{Kind: p.typ, Port: binary.BigEndian.Uint16(p.val)}
	switch p.typ {
	case ParamSCTPTransport, ParamTCPTransport:
		t.Use = TransportUse(binary.BigEndian.Uint16(p.val[2:]))
	case ParamDCCPTransport:
		t.ServiceCode = binary.BigEndian.Uint32(p.val[4:])
	}
	s := d.scan(p.val[fl:], p.off+paramHeaderLen+fl, p.typ)
	// An IPv4 Address parameter takes 8 bytes: no more than this many fit.
	t.Addrs = make([]netip.Addr, 0, min((len(p.val)-fl)/8, MaxAddrs))
	for {
		a, ok, err := s.optOf(isAddress)
		if err != nil {
			return Transport{}, err
		}
		if !ok {
			break
		}
		if len(t.Addrs) == MaxAddrs {
			return Transport{}, tooMany(a.off, p.typ, "addresses", MaxAddrs)
		}
		addr, err := decodeAddr(a)
		if err != nil {
			return Transport{}, err
		}
		t.Addrs = append(t.Addrs, addr)
	}
	if err := s.end(); err != nil {
		return Transport{}, err
	}
	if len(t.Addrs) == 0 {
		return Transport{}, perr(ErrMissingParam, p.off, p.typ, "%v without an address parameter", p.typ)
	}
	return t, nil
}
