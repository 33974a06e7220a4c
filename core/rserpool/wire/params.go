package wire

import "encoding/binary"

// Parameters other than transports and Operation Error (RFC 5354 section
// 3; Handle Resolution Option: draft-dreibholz-rserpool-asap-hropt).
//
//	Pool Member Selection Policy (0x8): Policy Type(32), then the policy's
//	    32-bit values (RFC 5356).
//	Pool Handle (0x9): the handle bytes, any length.
//	Pool Element (0xa):
//	+---------------------------------------------------------------+
//	|                         PE Identifier                         |
//	|                  Home ENRP Server Identifier                  |
//	|                     Registration Life (ms)                    |
//	:                     User Transport parameter                  :
//	:               Member Selection Policy parameter               :
//	:               ASAP Transport parameter (optional)             :
//	Server Information (0xb): Server Identifier(32), Server Transport
//	    parameter.
//	Cookie (0xd): opaque bytes.  PE Identifier (0xe): 32 bits.
//	PE Checksum (0xf): 16 bits.  Handle Resolution Option (0x803f): Items(32).

// AppendPolicyParam appends p as a Pool Member Selection Policy parameter.
func AppendPolicyParam(b []byte, p *Policy) ([]byte, error) {
	orig := len(b)
	b, err := appendPolicy(b, p)
	if err != nil {
		return b[:orig], err
	}
	return b, nil
}

func appendPolicy(b []byte, p *Policy) ([]byte, error) {
	b, start := beginParam(b, ParamPolicy)
	b = appendU32(b, p.Type)
	for _, v := range p.Values {
		b = appendU32(b, v)
	}
	return endParam(b, start, len(b))
}

func decodePolicy(p tlv) (Policy, error) {
	if err := atLeast(p, 4, "the policy type"); err != nil {
		return Policy{}, err
	}
	if len(p.val)%4 != 0 {
		return Policy{}, perr(ErrBadLength, p.off, p.typ, "policy value of %d bytes is not a whole number of 32-bit words", len(p.val))
	}
	pol := Policy{Type: binary.BigEndian.Uint32(p.val)}
	if n := len(p.val)/4 - 1; n > 0 {
		pol.Values = make([]uint32, n)
		for i := range pol.Values {
			pol.Values[i] = binary.BigEndian.Uint32(p.val[4+4*i:])
		}
	}
	return pol, nil
}

// AppendPoolHandleParam appends a Pool Handle parameter.
func AppendPoolHandleParam(b []byte, handle []byte) ([]byte, error) {
	return RawParam{Type: ParamPoolHandle, Value: handle}.Append(b)
}

// AppendPoolElementParam appends pe as a Pool Element parameter.
func AppendPoolElementParam(b []byte, pe *PoolElement) ([]byte, error) {
	orig := len(b)
	b, err := appendPoolElement(b, pe)
	if err != nil {
		return b[:orig], err
	}
	return b, nil
}

func appendPoolElement(b []byte, pe *PoolElement) ([]byte, error) {
	b, start := beginParam(b, ParamPoolElement)
	b = appendU32(b, pe.ID)
	b = appendU32(b, pe.HomeServer)
	b = appendU32(b, pe.RegLife)
	var err error
	if b, err = appendTransport(b, &pe.User); err != nil {
		return b, err
	}
	if b, err = appendPolicy(b, &pe.Policy); err != nil {
		return b, err
	}
	if pe.ASAP != nil {
		if b, err = appendTransport(b, pe.ASAP); err != nil {
			return b, err
		}
	}
	return endParam(b, start, len(b))
}

func (d *decoder) poolElement(p tlv) (PoolElement, error) {
	if err := atLeast(p, 12, "identifier, home server and registration life"); err != nil {
		return PoolElement{}, err
	}
	pe := PoolElement{
		ID:         binary.BigEndian.Uint32(p.val),
		HomeServer: binary.BigEndian.Uint32(p.val[4:]),
		RegLife:    binary.BigEndian.Uint32(p.val[8:]),
	}
	s := d.scan(p.val[12:], p.off+paramHeaderLen+12, p.typ)
	ut, err := s.wantOf(isTransport, "user transport parameter")
	if err != nil {
		return PoolElement{}, err
	}
	if pe.User, err = d.transport(ut); err != nil {
		return PoolElement{}, err
	}
	pp, err := s.want(ParamPolicy)
	if err != nil {
		return PoolElement{}, err
	}
	if pe.Policy, err = decodePolicy(pp); err != nil {
		return PoolElement{}, err
	}
	at, ok, err := s.optOf(isTransport)
	if err != nil {
		return PoolElement{}, err
	}
	if ok {
		t, err := d.transport(at)
		if err != nil {
			return PoolElement{}, err
		}
		pe.ASAP = &t
	}
	if err := s.end(); err != nil {
		return PoolElement{}, err
	}
	return pe, nil
}

// AppendServerInfoParam appends si as a Server Information parameter.
func AppendServerInfoParam(b []byte, si *ServerInfo) ([]byte, error) {
	orig := len(b)
	b, err := appendServerInfo(b, si)
	if err != nil {
		return b[:orig], err
	}
	return b, nil
}

func appendServerInfo(b []byte, si *ServerInfo) ([]byte, error) {
	b, start := beginParam(b, ParamServerInfo)
	b = appendU32(b, si.ServerID)
	b, err := appendTransport(b, &si.Transport)
	if err != nil {
		return b, err
	}
	return endParam(b, start, len(b))
}

func (d *decoder) serverInfo(p tlv) (ServerInfo, error) {
	if err := atLeast(p, 4, "the server identifier"); err != nil {
		return ServerInfo{}, err
	}
	si := ServerInfo{ServerID: binary.BigEndian.Uint32(p.val)}
	s := d.scan(p.val[4:], p.off+paramHeaderLen+4, p.typ)
	t, err := s.wantOf(isTransport, "server transport parameter")
	if err != nil {
		return ServerInfo{}, err
	}
	if si.Transport, err = d.transport(t); err != nil {
		return ServerInfo{}, err
	}
	if err := s.end(); err != nil {
		return ServerInfo{}, err
	}
	return si, nil
}

func appendU32Param(b []byte, t ParamType, v uint32) []byte {
	b = appendParamHeader(b, t, paramHeaderLen+4)
	return appendU32(b, v)
}

func decodeU32(p tlv) (uint32, error) {
	if err := fixed(p, 4); err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(p.val), nil
}

func appendChecksum(b []byte, c uint16) []byte {
	b = appendParamHeader(b, ParamPEChecksum, paramHeaderLen+2)
	return append(appendU16(b, c), 0, 0)
}

func decodeChecksum(p tlv) (uint16, error) {
	if err := fixed(p, 2); err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint16(p.val), nil
}
