package registrar

import (
	"encoding/binary"
	"log/slog"
	"net/netip"
	"testing"
	"time"

	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/wire"
)

// FuzzRegistrarENRP drives one ENRP-enabled Registrar (server ID
// testServerID) with a program decoded from the fuzz input: a sequence
// of steps, each an opcode byte, a 16-bit big-endian length and that
// many bytes (a short last step takes what is left). The opcode's top
// three bits choose what the step does:
//
//	0      the bytes are an ENRP datagram on the multicast Presence socket
//	1..3   the bytes are an ENRP message on ENRP association 100+n
//	4      time advances by (opcode&0x1f) × 97 ms, then Tick
//	5      an ASAP Registration built from the bytes on ASAP association
//	       1 or 2 (opcode bit 0)
//	6      an ASAP Deregistration built from the bytes on association 1 or 2
//	7      the ASAP association 1 or 2 closes (bit 1 set: ENRP association
//	       101 closes and reopens instead)
//
// ENRP bytes go through wire.ParseENRP: decodable ones to HandleENRP
// (HandlePresenceMulticast for the multicast socket), undecodable ones to
// HandleENRPInvalid, as the I/O layer does. After every step:
//
//   - for every home registrar of the handlespace, the checksum kept
//     incrementally equals the one computed from scratch (and so does
//     our own, which has no entry when we own nothing);
//   - the handlespace's element count is the sum of its pools' sizes, and
//     no pool is empty;
//   - the peer table stays within MaxPeers;
//   - every Output carries a message, or is a Close; every message it
//     carries encodes (the I/O layer would otherwise drop it with an
//     error) and has a destination;
//   - nothing panics.
//
// The seeds are valid encodings of every ENRP message type (wire's
// encoders), alone and in conversations that first make the sender a
// peer, so that the handlers past the peer check are reached.
func FuzzRegistrarENRP(f *testing.F) {
	for _, seed := range enrpFuzzSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		runENRPProgram(t, in)
	})
}

const (
	fuzzPeerA = 0x100 // the seeds' peers
	fuzzPeerB = 0x200
	fuzzPeerC = 0x300
)

// fuzzOp is one step of a FuzzRegistrarENRP program.
type fuzzOp struct {
	op   byte
	data []byte
}

func (p fuzzOp) encode() []byte {
	b := []byte{p.op}
	b = binary.BigEndian.AppendUint16(b, uint16(len(p.data)))
	return append(b, p.data...)
}

// runENRPProgram runs one program and returns the registrar it drove.
func runENRPProgram(t *testing.T, in []byte) *Registrar {
	r := newReg(t, func(c *Config) {
		c.Logger = slog.New(slog.DiscardHandler) // fast; failures print the step instead
		c.KeepAliveInterval = 400 * time.Millisecond
		c.KeepAliveTimeout = 300 * time.Millisecond
		c.MaxElements = 5000
		c.ENRP = ENRPConfig{
			Enabled:                 true,
			Self:                    wire.Transport{Kind: wire.ParamTCPTransport, Port: wire.ENRPPort, Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}},
			Multicast:               true,
			StaticPeers:             [][]netip.AddrPort{{netip.MustParseAddrPort("127.0.0.9:9901")}},
			HeartbeatCycle:          200 * time.Millisecond,
			MaxTimeLastHeard:        500 * time.Millisecond,
			MaxTimeNoResponse:       500 * time.Millisecond,
			MentorDiscoveryTimeout:  700 * time.Millisecond,
			TakeoverExpiryInterval:  600 * time.Millisecond,
			MaxElementsPerHTRequest: 3,
		}
	})
	now := t0
	for i := range 3 {
		r.ENRPAssocOpened(now, AssocID(101+i), []netip.AddrPort{netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, byte(2 + i)}), 40000)})
	}
	r.AssocOpenedFrom(now, 1, wire.Transport{Kind: wire.ParamTCPTransport, Port: 5001, Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	r.AssocOpened(now, 2)
	checkENRPInvariants(t, r, -1, nil, r.Tick(now))

	for step := 0; len(in) > 0; step++ {
		op := in[0]
		in = in[1:]
		var data []byte
		if len(in) >= 2 {
			n := int(binary.BigEndian.Uint16(in))
			in = in[2:]
			n = min(n, len(in))
			data, in = in[:n], in[n:]
		} else {
			in = nil
		}
		var outs []Output
		switch kind := op >> 5; kind {
		case 0, 1, 2, 3:
			m, err := wire.ParseENRP(data)
			from := AssocID(0)
			if kind > 0 {
				from = AssocID(100 + int(kind))
			}
			switch {
			case err != nil:
				outs = r.HandleENRPInvalid(now, from, err)
			case from == 0:
				outs = r.HandlePresenceMulticast(now, netip.AddrFrom4([4]byte{127, 0, 0, 2 + op&3}), m)
			default:
				outs = r.HandleENRP(now, from, m)
			}
		case 4:
			now = now.Add(time.Duration(op&0x1f) * 97 * time.Millisecond)
			outs = r.Tick(now)
		case 5:
			outs = r.Handle(now, AssocID(1+op&1), fuzzRegistration(data), nil)
		case 6:
			h, id := fuzzKey(data)
			outs = r.Handle(now, AssocID(1+op&1), &wire.Deregistration{PoolHandle: h, PEID: id}, nil)
		case 7:
			if op&2 != 0 {
				r.ENRPAssocClosed(now, 101)
				r.ENRPAssocOpened(now, 101, []netip.AddrPort{netip.MustParseAddrPort("127.0.0.2:40001")})
			} else {
				outs = r.AssocClosed(now, AssocID(1+op&1))
			}
		}
		checkENRPInvariants(t, r, step, data, outs)
	}
	return r
}

// fuzzKey derives a pool handle (one of three, so that steps meet in the
// same pools) and a PE identifier from step data.
func fuzzKey(data []byte) ([]byte, uint32) {
	var b [5]byte
	copy(b[:], data)
	return []byte{'p', '0' + b[0]%3}, 1 + binary.BigEndian.Uint32(b[1:])%16
}

// fuzzRegistration builds a Registration from step data: pool and
// identifier as fuzzKey, then a byte choosing the policy and one the
// transport (TCP or UDP: a pool refuses a second kind).
func fuzzRegistration(data []byte) *wire.Registration {
	h, id := fuzzKey(data)
	var b [2]byte
	if len(data) > 5 {
		copy(b[:], data[5:])
	}
	e := pe(id, []uint32{policy.RoundRobin, policy.Random, policy.LeastUsed}[b[0]%3])
	if e.Policy.Type == policy.LeastUsed {
		e.Policy.Values = []uint32{uint32(b[0])}
	}
	if b[1]&1 != 0 {
		e.User.Kind = wire.ParamUDPTransport
	}
	return &wire.Registration{PoolHandle: h, Element: e}
}

func checkENRPInvariants(t *testing.T, r *Registrar, step int, data []byte, outs []Output) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("step %d (% x): "+format, append([]any{step, data}, args...)...)
	}
	hs := r.Handlespace()
	for _, home := range append(hs.Homes(), r.ServerID()) {
		if got, want := hs.Checksum(home), hs.ComputeChecksum(home); got != want {
			fail("checksum of $%08x kept as %#04x, computed %#04x", home, got, want)
		}
	}
	n := 0
	for p := range hs.Pools() {
		if p.Len() == 0 {
			fail("empty pool %q left in the handlespace", p.Handle())
		}
		n += p.Len()
	}
	if hs.Len() != n {
		fail("handlespace counts %d elements, its pools hold %d", hs.Len(), n)
	}
	if len(r.peers) > MaxPeers {
		fail("%d peers, bound %d", len(r.peers), MaxPeers)
	}
	for i, o := range outs {
		if o.Msg == nil {
			if !o.Close {
				fail("output %d has neither message nor close: %+v", i, o)
			}
			continue
		}
		if _, err := wire.Append(nil, o.Msg); err != nil {
			fail("output %d carries an unencodable %T: %v", i, o.Msg, err)
		}
		if o.To == 0 && !o.Announce && !o.Presence && o.Peer == 0 && len(o.PeerAddrs) == 0 && len(o.DialASAP) == 0 {
			fail("output %d has no destination: %T%+v", i, o.Msg, o.Msg)
		}
	}
}

// enrpFuzzSeeds returns the seed programs.
func enrpFuzzSeeds(tb testing.TB) [][]byte {
	enc := func(m wire.Message) []byte {
		b, err := wire.AppendENRP(nil, m)
		if err != nil {
			tb.Fatalf("encoding %T: %v", m, err)
		}
		return b
	}
	ids := func(sender uint32) wire.ServerIDs { return wire.ServerIDs{Sender: sender, Receiver: testServerID} }
	info := func(id uint32, last byte) *wire.ServerInfo {
		return &wire.ServerInfo{ServerID: id, Transport: wire.Transport{Kind: wire.ParamTCPTransport, Port: wire.ENRPPort,
			Addrs: []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, last})}}}
	}
	elem := func(id, home uint32) wire.PoolElement {
		e := pe(id, policy.RoundRobin)
		e.HomeServer = home
		e.ASAP = &wire.Transport{Kind: wire.ParamTCPTransport, Port: 6000, Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}}
		return e
	}
	presence := func(sender uint32, last byte, reply bool) wire.Message {
		return &wire.Presence{ServerIDs: ids(sender), ReplyRequired: reply, Checksum: 0x1234, Info: info(sender, last)}
	}
	every := []wire.Message{
		presence(fuzzPeerA, 2, true),
		&wire.HandleTableRequest{ServerIDs: ids(fuzzPeerA)},
		&wire.HandleTableRequest{ServerIDs: ids(fuzzPeerA), OwnChildrenOnly: true},
		&wire.HandleTableResponse{ServerIDs: ids(fuzzPeerA), More: true, Entries: []wire.PoolEntry{
			{PoolHandle: []byte("p0"), Elements: []wire.PoolElement{elem(1, fuzzPeerA), elem(2, fuzzPeerA)}},
			{PoolHandle: []byte("p1"), Elements: []wire.PoolElement{elem(3, fuzzPeerB)}},
		}},
		&wire.HandleTableResponse{ServerIDs: ids(fuzzPeerA), Entries: []wire.PoolEntry{
			{PoolHandle: []byte("p2"), Elements: []wire.PoolElement{elem(4, fuzzPeerA)}},
		}},
		&wire.HandleTableResponse{ServerIDs: ids(fuzzPeerA), Reject: true},
		&wire.HandleUpdate{ServerIDs: ids(fuzzPeerA), Action: wire.UpdateAddPE, PoolHandle: []byte("p0"), Element: elem(5, fuzzPeerA)},
		&wire.HandleUpdate{ServerIDs: ids(fuzzPeerA), Action: wire.UpdateAddPE, PoolHandle: []byte("p0"), Element: elem(1, testServerID)},
		&wire.HandleUpdate{ServerIDs: ids(fuzzPeerA), Action: wire.UpdateDelPE, PoolHandle: []byte("p0"), Element: elem(5, fuzzPeerA)},
		&wire.HandleUpdate{ServerIDs: ids(fuzzPeerA), TakeoverSuggested: true, Action: wire.UpdateDelPE, PoolHandle: []byte("p0"), Element: elem(1, testServerID)},
		&wire.ListRequest{ServerIDs: ids(fuzzPeerA)},
		&wire.ListResponse{ServerIDs: ids(fuzzPeerA), Servers: []wire.ServerInfo{*info(fuzzPeerB, 3), *info(fuzzPeerC, 4)}},
		&wire.ListResponse{ServerIDs: ids(fuzzPeerA), Reject: true},
		&wire.InitTakeover{ServerIDs: ids(fuzzPeerA), Target: fuzzPeerB},
		&wire.InitTakeover{ServerIDs: ids(fuzzPeerA), Target: testServerID},
		&wire.InitTakeoverAck{ServerIDs: ids(fuzzPeerA), Target: fuzzPeerB},
		&wire.TakeoverServer{ServerIDs: ids(fuzzPeerA), Target: fuzzPeerB},
		&wire.TakeoverServer{ServerIDs: ids(fuzzPeerA), Target: testServerID},
		&wire.ENRPErrorMessage{ServerIDs: ids(fuzzPeerA), Error: wire.OperationError{Causes: []wire.ErrorCause{{Code: wire.CauseUnrecognizedMessage, Info: []byte{0x42, 0, 0, 4}}}}},
	}
	tick := func(ms int) fuzzOp { return fuzzOp{op: 0x80 | byte(ms/97)} }
	on := func(assoc int, m wire.Message) fuzzOp { return fuzzOp{op: byte(assoc) << 5, data: enc(m)} }
	reg := func(pool byte, id uint32, policyByte, transport byte) fuzzOp {
		d := []byte{pool, 0, 0, 0, 0, policyByte, transport}
		binary.BigEndian.PutUint32(d[1:], id-1)
		return fuzzOp{op: 0xa0, data: d}
	}
	program := func(ops ...fuzzOp) []byte {
		var b []byte
		for _, o := range ops {
			b = append(b, o.encode()...)
		}
		return b
	}

	var seeds [][]byte
	// Every message alone, on an association and (Presence) by multicast.
	for _, m := range every {
		seeds = append(seeds, program(on(1, m)))
	}
	seeds = append(seeds, program(on(0, presence(fuzzPeerA, 2, false))))
	// Every message after the sender became a peer, with our own
	// elements registered, then time passing.
	conv := []fuzzOp{reg(0, 1, 0, 0), reg(1, 7, 1, 0), on(1, presence(fuzzPeerA, 2, true)), tick(100)}
	for _, m := range every {
		conv = append(conv, on(1, m))
	}
	conv = append(conv, tick(3000))
	seeds = append(seeds, program(conv...))
	// A peer owning elements falls silent: we take them over.
	seeds = append(seeds, program(
		on(1, presence(fuzzPeerA, 2, false)),
		on(2, presence(fuzzPeerB, 3, false)),
		on(1, &wire.HandleUpdate{ServerIDs: ids(fuzzPeerA), Action: wire.UpdateAddPE, PoolHandle: []byte("p0"), Element: elem(9, fuzzPeerA)}),
		tick(400), on(2, presence(fuzzPeerB, 3, false)), tick(400), on(2, presence(fuzzPeerB, 3, false)),
		tick(400), on(2, presence(fuzzPeerB, 3, false)), tick(400), on(2, presence(fuzzPeerB, 3, false)),
		on(2, &wire.InitTakeoverAck{ServerIDs: ids(fuzzPeerB), Target: fuzzPeerA}),
		tick(1000), tick(1000),
	))
	// Conflicting pools, garbage, closes.
	seeds = append(seeds, program(
		reg(0, 1, 0, 0), reg(0, 2, 1, 1), reg(2, 3, 2, 0),
		on(1, presence(fuzzPeerA, 2, false)),
		on(1, &wire.HandleUpdate{ServerIDs: ids(fuzzPeerA), Action: wire.UpdateAddPE, PoolHandle: []byte("p0"), Element: func() wire.PoolElement {
			e := elem(3, fuzzPeerA)
			e.Policy.Type = policy.Random
			return e
		}()}),
		on(3, &wire.HandleUpdate{ServerIDs: ids(fuzzPeerC), Action: wire.UpdateAddPE, PoolHandle: []byte("p1"), Element: elem(3, fuzzPeerC)}),
		fuzzOp{op: 0x20, data: []byte{4, 0, 0, 4}},
		fuzzOp{op: 0x20, data: []byte{0x42, 0, 0, 12, 0, 0, 1, 0}},
		fuzzOp{op: 0xc0, data: []byte{0, 0, 0, 0, 0}},
		fuzzOp{op: 0xe2}, fuzzOp{op: 0xe0}, tick(3000),
	))
	return seeds
}
