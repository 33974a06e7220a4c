package wire

import (
	"net/netip"
	"reflect"
	"testing"
)

func v4addrs(n int) []netip.Addr {
	var a []netip.Addr
	for i := range n {
		a = append(a, netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}))
	}
	return a
}

func TestGeneratorsCoverEveryType(t *testing.T) {
	g := newGen(1)
	for i, f := range asapGens {
		if got := f(g).MsgType(); got != uint8(i+1) || asapParsers[got] == nil {
			t.Errorf("asapGens[%d] makes type %d", i, got)
		}
	}
	for i, f := range enrpGens {
		if got := f(g).MsgType(); got != uint8(i+1) || enrpParsers[got] == nil {
			t.Errorf("enrpGens[%d] makes type %d", i, got)
		}
	}
	n := 0
	for _, f := range asapParsers {
		if f != nil {
			n++
		}
	}
	if n != len(asapGens) {
		t.Errorf("%d ASAP parsers, %d generators", n, len(asapGens))
	}
}

// roundTrip encodes m, checks the framing, decodes it and compares.
func roundTrip(t *testing.T, m Message) []byte {
	t.Helper()
	b, err := Append([]byte("prefix"), m)
	if err != nil {
		t.Fatalf("encode %T: %v", m, err)
	}
	b = b[len("prefix"):]
	if len(b)%4 != 0 {
		t.Fatalf("%T: encoding of %d bytes is not a multiple of 4", m, len(b))
	}
	if n, ok := MessageLen(b); !ok || n != len(b) {
		t.Fatalf("%T: MessageLen = %d, %v; want %d", m, n, ok, len(b))
	}
	parse := ParseASAPReport
	if m.Protocol() == ENRP {
		parse = ParseENRPReport
	}
	got, reports, err := parse(b)
	if err != nil {
		t.Fatalf("decode %T: %v\n% x", m, err, b)
	}
	if len(reports) != 0 {
		t.Errorf("%T: unexpected reports %v", m, reports)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("%T round trip differs\n got %+v\nwant %+v\nwire % x", m, got, m, b)
	}
	return b
}

func TestRoundTripRandom(t *testing.T) {
	iters := 400
	if testing.Short() {
		iters = 50
	}
	for seed := int64(1); seed <= 4; seed++ {
		g := newGen(seed)
		for range iters {
			for _, f := range asapGens {
				roundTrip(t, f(g))
			}
			for _, f := range enrpGens {
				roundTrip(t, f(g))
			}
		}
	}
}

// TestRoundTripLimits fills messages up to the limits.
func TestRoundTripLimits(t *testing.T) {
	g := newGen(7)
	pe := PoolElement{ID: 1, User: Transport{Kind: ParamSCTPTransport, Addrs: v4addrs(MaxAddrs)}, Policy: Policy{Type: 1}}
	roundTrip(t, &Registration{PoolHandle: make([]byte, 1000), Element: pe})

	var pes []PoolElement
	for i := range MaxElements {
		e := g.poolElement()
		e.ASAP = nil
		e.User = Transport{Kind: ParamUDPTransport, Port: 1, Addrs: v4addrs(1)}
		e.Policy = Policy{Type: 1}
		e.ID = uint32(i)
		pes = append(pes, e)
	}
	roundTrip(t, &HandleResolutionResponse{PoolHandle: []byte("p"), Policy: Policy{Type: 1}, Elements: pes})
	roundTrip(t, &HandleTableResponse{Entries: []PoolEntry{{PoolHandle: []byte("a"), Elements: pes[:500]}, {PoolHandle: []byte("b"), Elements: pes[500:]}}})

	var servers []ServerInfo
	for range MaxServers {
		servers = append(servers, ServerInfo{ServerID: 1, Transport: Transport{Kind: ParamSCTPTransport, Addrs: v4addrs(1)}})
	}
	roundTrip(t, &ListResponse{Servers: servers})

	var causes []ErrorCause
	for range MaxCauses {
		causes = append(causes, ErrorCause{Code: CauseLackOfResources, Info: []byte{1}})
	}
	roundTrip(t, &ASAPErrorMessage{Error: OperationError{Causes: causes}})

	// A message of exactly 65532 bytes: header 4, Cookie header 4.
	roundTrip(t, &Cookie{Data: make([]byte, 65532-8)})
}
