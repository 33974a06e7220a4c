package wire

import (
	"math/rand"
	"net/netip"
)

// gen makes random valid values in the canonical form the decoder
// produces (nil for empty slices, reserved fields zero).
type gen struct{ r *rand.Rand }

func newGen(seed int64) gen { return gen{rand.New(rand.NewSource(seed))} }

func (g gen) bytes(max int) []byte {
	n := g.r.Intn(max + 1)
	if n == 0 {
		return nil
	}
	b := make([]byte, n)
	g.r.Read(b)
	return b
}

func (g gen) u32() uint32 {
	switch g.r.Intn(8) {
	case 0:
		return 0
	case 1:
		return 0xffffffff
	}
	return g.r.Uint32()
}

func (g gen) u16() uint16 { return uint16(g.r.Uint32()) }

func (g gen) addr() netip.Addr {
	var b [16]byte
	g.r.Read(b[:])
	switch g.r.Intn(4) {
	case 0, 1:
		return netip.AddrFrom4([4]byte(b[:4]))
	case 2:
		return netip.AddrFrom16(b)
	}
	// IPv4-mapped IPv6 stays an IPv6 Address parameter.
	return netip.AddrFrom16(netip.AddrFrom4([4]byte(b[:4])).As16())
}

var transportKinds = []ParamType{ParamDCCPTransport, ParamSCTPTransport, ParamTCPTransport, ParamUDPTransport, ParamUDPLiteTransport}

func (g gen) transport() Transport {
	t := Transport{Kind: transportKinds[g.r.Intn(len(transportKinds))], Port: g.u16()}
	switch t.Kind {
	case ParamSCTPTransport, ParamTCPTransport:
		t.Use = TransportUse(g.r.Intn(2))
		if g.r.Intn(8) == 0 {
			t.Use = TransportUse(g.u16())
		}
	case ParamDCCPTransport:
		t.ServiceCode = g.u32()
	}
	n := 1 + g.r.Intn(4)
	if g.r.Intn(50) == 0 {
		n = 1 + g.r.Intn(MaxAddrs)
	}
	for range n {
		t.Addrs = append(t.Addrs, g.addr())
	}
	return t
}

// policyShapes lists policy types with the number of values each carries
// (RFC 5356, rsplib), so that tshark's dissector finds what it expects.
var policyShapes = []struct {
	typ uint32
	n   int
}{
	{1, 0}, {2, 1}, {3, 0}, {4, 1}, {5, 1},
	{0x40000001, 1}, {0x40000002, 2}, {0x40000003, 2}, {0x40000004, 1},
	{0xb0001001, 2}, {0xb0001002, 2}, {0xb0001003, 2}, {0xb0001004, 2},
	{0xb0002001, 3}, {0xb0002002, 3}, {0xb0002003, 4},
}

func (g gen) policy() Policy {
	var p Policy
	if g.r.Intn(6) == 0 {
		// A type this package knows nothing about, any number of values.
		p.Type = 0x7f000000 | g.r.Uint32()&0xffff
		for range g.r.Intn(4) {
			p.Values = append(p.Values, g.u32())
		}
		return p
	}
	s := policyShapes[g.r.Intn(len(policyShapes))]
	p.Type = s.typ
	for range s.n {
		p.Values = append(p.Values, g.u32())
	}
	return p
}

func (g gen) poolElement() PoolElement {
	pe := PoolElement{ID: g.u32(), HomeServer: g.u32(), RegLife: g.u32(), User: g.transport(), Policy: g.policy()}
	if g.r.Intn(2) == 0 {
		t := g.transport()
		pe.ASAP = &t
	}
	return pe
}

func (g gen) elements(max int) []PoolElement {
	var pes []PoolElement
	for range g.r.Intn(max + 1) {
		pes = append(pes, g.poolElement())
	}
	return pes
}

func (g gen) handle() []byte { return g.bytes(40) }

func (g gen) serverInfo() ServerInfo { return ServerInfo{ServerID: g.u32(), Transport: g.transport()} }

// rawParam is a parameter TLV of a type the decoder does not know.
func (g gen) rawParam() RawParam {
	return RawParam{Type: ParamType(0x0100 | g.r.Intn(0x3f00)), Value: g.bytes(9)}
}

// cause makes a cause whose information has the form its code calls for.
func (g gen) cause(p Protocol) ErrorCause {
	code := Cause(1 + g.r.Intn(12))
	switch code {
	case CauseUnrecognizedParameter:
		return UnrecognizedParamCause(g.rawParam())
	case CauseUnrecognizedMessage:
		var m []byte
		if p == ENRP {
			m, _ = AppendENRP(nil, &ListRequest{ServerIDs: ServerIDs{g.u32(), g.u32()}})
		} else {
			m, _ = AppendASAP(nil, &HandleResolution{PoolHandle: g.handle()})
		}
		return UnrecognizedMessageCause(m)
	case CauseInvalidValues, CauseInconsistentPolicy, CauseInconsistentTransport:
		b, _ := AppendPolicyParam(nil, &Policy{Type: 1})
		return ErrorCause{Code: code, Info: b}
	case 11, 12:
		return ErrorCause{Code: code, Info: g.bytes(7)}
	}
	return ErrorCause{Code: code}
}

func (g gen) opError(p Protocol) OperationError {
	var e OperationError
	for range g.r.Intn(4) {
		e.Causes = append(e.Causes, g.cause(p))
	}
	return e
}

func (g gen) optOpError(p Protocol) *OperationError {
	if g.r.Intn(2) == 0 {
		return nil
	}
	e := g.opError(p)
	return &e
}

func (g gen) ids() ServerIDs { return ServerIDs{g.u32(), g.u32()} }

func (g gen) flag() bool { return g.r.Intn(2) == 0 }

// asapGens makes one random message of every ASAP type, in type order.
var asapGens = []func(g gen) Message{
	func(g gen) Message { return &Registration{PoolHandle: g.handle(), Element: g.poolElement()} },
	func(g gen) Message { return &Deregistration{PoolHandle: g.handle(), PEID: g.u32()} },
	func(g gen) Message {
		return &RegistrationResponse{Reject: g.flag(), PoolHandle: g.handle(), PEID: g.u32(), Error: g.optOpError(ASAP)}
	},
	func(g gen) Message {
		return &DeregistrationResponse{PoolHandle: g.handle(), PEID: g.u32(), Error: g.optOpError(ASAP)}
	},
	func(g gen) Message {
		m := &HandleResolution{PoolHandle: g.handle()}
		if g.flag() {
			m.HasItems, m.Items = true, g.u32()
		}
		return m
	},
	func(g gen) Message {
		m := &HandleResolutionResponse{Reject: g.flag(), PoolHandle: g.handle()}
		if g.r.Intn(4) == 0 {
			e := g.opError(ASAP)
			m.Error = &e
		} else {
			m.Policy, m.Elements = g.policy(), g.elements(6)
		}
		return m
	},
	func(g gen) Message {
		return &EndpointKeepAlive{Home: g.flag(), ServerID: g.u32(), PoolHandle: g.handle(), PEID: g.u32()}
	},
	func(g gen) Message { return &EndpointKeepAliveAck{PoolHandle: g.handle(), PEID: g.u32()} },
	func(g gen) Message { return &EndpointUnreachable{PoolHandle: g.handle(), PEID: g.u32()} },
	func(g gen) Message {
		m := &ServerAnnounce{ServerID: g.u32()}
		for range g.r.Intn(4) {
			m.Transports = append(m.Transports, g.transport())
		}
		return m
	},
	func(g gen) Message { return &Cookie{Data: g.bytes(64)} },
	func(g gen) Message { return &CookieEcho{Data: g.bytes(64)} },
	func(g gen) Message {
		return &BusinessCard{PoolHandle: g.handle(), Policy: g.policy(), Elements: g.elements(4)}
	},
	func(g gen) Message { return &ASAPErrorMessage{Error: g.opError(ASAP)} },
}

// enrpGens makes one random message of every ENRP type, in type order.
var enrpGens = []func(g gen) Message{
	func(g gen) Message {
		m := &Presence{ServerIDs: g.ids(), ReplyRequired: g.flag(), Checksum: g.u16()}
		if g.r.Intn(5) != 0 {
			si := g.serverInfo()
			m.Info = &si
		}
		return m
	},
	func(g gen) Message { return &HandleTableRequest{ServerIDs: g.ids(), OwnChildrenOnly: g.flag()} },
	func(g gen) Message {
		m := &HandleTableResponse{ServerIDs: g.ids(), Reject: g.flag(), More: g.flag()}
		for range g.r.Intn(4) {
			m.Entries = append(m.Entries, PoolEntry{PoolHandle: g.handle(), Elements: g.elements(3)})
		}
		return m
	},
	func(g gen) Message {
		return &HandleUpdate{ServerIDs: g.ids(), TakeoverSuggested: g.flag(), Action: UpdateAction(g.r.Intn(2)),
			PoolHandle: g.handle(), Element: g.poolElement()}
	},
	func(g gen) Message { return &ListRequest{ServerIDs: g.ids()} },
	func(g gen) Message {
		m := &ListResponse{ServerIDs: g.ids(), Reject: g.flag()}
		for range g.r.Intn(4) {
			m.Servers = append(m.Servers, g.serverInfo())
		}
		return m
	},
	func(g gen) Message { return &InitTakeover{ServerIDs: g.ids(), Target: g.u32()} },
	func(g gen) Message { return &InitTakeoverAck{ServerIDs: g.ids(), Target: g.u32()} },
	func(g gen) Message { return &TakeoverServer{ServerIDs: g.ids(), Target: g.u32()} },
	func(g gen) Message { return &ENRPErrorMessage{ServerIDs: g.ids(), Error: g.opError(ENRP)} },
}
