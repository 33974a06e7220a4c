package asap

import (
	"context"
	"net/netip"
	"slices"
	"testing"

	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

func TestKeepAliveAck(t *testing.T) {
	f := newFakeRegistrar(t, 0x11)
	c := newTestClient(t, Config{}, f)
	ctx := context.Background()
	echo, other := []byte("echo"), []byte("other")
	for _, id := range []uint32{1, 2} {
		if _, err := c.Register(ctx, echo, Element{ID: id, User: userTransport(7000)}); err != nil {
			t.Fatalf("Register: %v", err)
		}
	}
	if _, err := c.Register(ctx, other, Element{ID: 3, User: userTransport(7000)}); err != nil {
		t.Fatalf("Register: %v", err)
	}
	reg := f.next(t)
	f.next(t)
	f.next(t)

	// A keep-alive for an element the client does not hold goes
	// unanswered; the next one is answered, so the first Ack the
	// registrar sees is for that one.
	f.send(reg.a, &wire.EndpointKeepAlive{ServerID: 0xabcd, PoolHandle: echo, PEID: 99})
	f.send(reg.a, &wire.EndpointKeepAlive{ServerID: 0xabcd, PoolHandle: echo, PEID: 2})
	f.expect(t, &wire.EndpointKeepAliveAck{PoolHandle: echo, PEID: 2})
	if id, _ := c.HomeRegistrar(); id != 0xabcd {
		t.Fatalf("home registrar $%08x, want the keep-alive's sender $0000abcd", id)
	}

	// PE identifier 0: every element of that pool answers.
	f.send(reg.a, &wire.EndpointKeepAlive{ServerID: 0xabcd, PoolHandle: echo})
	var got []uint32
	for range 2 {
		m := f.next(t)
		ack, ok := m.m.(*wire.EndpointKeepAliveAck)
		if !ok || string(ack.PoolHandle) != "echo" {
			t.Fatalf("got %#v, want an Ack for pool echo", m.m)
		}
		got = append(got, ack.PEID)
	}
	slices.Sort(got)
	if !slices.Equal(got, []uint32{1, 2}) {
		t.Fatalf("Acks for %v, want [1 2]", got)
	}
	f.quiet(t)
}

// A registrar that takes the element over opens an association to the
// client's ASAP endpoint and sends a keep-alive with the H flag: it becomes
// the home registrar and carries the client's later requests.
func TestKeepAliveHomeFlagFromNewRegistrar(t *testing.T) {
	a := newFakeRegistrar(t, 0xa)
	b := newFakeRegistrar(t, 0xb)
	c := newTestClient(t, Config{ASAPListen: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")}}, a)
	ctx := context.Background()
	handle := []byte("echo")
	id, err := c.Register(ctx, handle, Element{ID: 0x77, User: userTransport(7000)})
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	m := a.next(t)
	reg := m.m.(*wire.Registration)
	asapT := reg.Element.ASAP
	if asapT == nil || asapT.Kind != wire.ParamTCPTransport || asapT.Port == 0 ||
		!slices.Equal(asapT.Addrs, []netip.Addr{netip.MustParseAddr("127.0.0.1")}) {
		t.Fatalf("registration's ASAP transport = %+v, want TCP 127.0.0.1 with the listener's port", asapT)
	}
	want := wire.PoolElement{ID: id, RegLife: 30000, User: userTransport(7000), Policy: wire.Policy{Type: policy.RoundRobin}, ASAP: asapT}
	if wb, _ := wire.AppendASAP(nil, &wire.Registration{PoolHandle: handle, Element: want}); !slices.Equal(wb, m.raw) {
		t.Fatalf("registration %#v", reg)
	}

	// Registrar b takes over: it connects to the advertised endpoint.
	addrs := []netip.AddrPort{netip.AddrPortFrom(asapT.Addrs[0], asapT.Port)}
	assoc, err := transport.Dial(ctx, addrs, &tcpBare)
	if err != nil {
		t.Fatalf("dialing the client's ASAP endpoint: %v", err)
	}
	b.adopt(assoc)
	b.send(assoc, &wire.EndpointKeepAlive{Home: true, ServerID: 0xb, PoolHandle: handle, PEID: id})
	b.expect(t, &wire.EndpointKeepAliveAck{PoolHandle: handle, PEID: id})
	if hid, haddrs := c.HomeRegistrar(); hid != 0xb || !slices.Equal(haddrs, assoc.LocalAddrs()) {
		t.Fatalf("home registrar $%08x at %v, want $0000000b at %v", hid, haddrs, assoc.LocalAddrs())
	}

	// Requests now go to b; a hears nothing more.
	b.setPool("echo", testPE(id, 7000, 0))
	pes, _, err := c.ResolveStale(ctx, handle, 1, 0)
	if err != nil || len(pes) != 1 || pes[0].ID != id {
		t.Fatalf("Resolve = %v, %v", pes, err)
	}
	b.expect(t, &wire.HandleResolution{PoolHandle: handle, HasItems: true, Items: 1})
	a.quiet(t)
}

// A keep-alive with the H flag on the current association only changes
// the home registrar's ID.
func TestKeepAliveHomeFlagSameAssociation(t *testing.T) {
	f := newFakeRegistrar(t, 0x11)
	c := newTestClient(t, Config{}, f)
	handle := []byte("echo")
	id, err := c.Register(context.Background(), handle, Element{User: userTransport(7000)})
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	reg := f.next(t)
	f.send(reg.a, &wire.EndpointKeepAlive{ServerID: 1, PoolHandle: handle, PEID: id})
	f.expect(t, &wire.EndpointKeepAliveAck{PoolHandle: handle, PEID: id})
	f.send(reg.a, &wire.EndpointKeepAlive{Home: true, ServerID: 2, PoolHandle: handle, PEID: id})
	f.expect(t, &wire.EndpointKeepAliveAck{PoolHandle: handle, PEID: id})
	if hid, _ := c.HomeRegistrar(); hid != 2 {
		t.Fatalf("home registrar $%08x, want 2", hid)
	}
	// Without H a keep-alive does not move the home.
	f.send(reg.a, &wire.EndpointKeepAlive{ServerID: 3, PoolHandle: handle, PEID: id})
	f.expect(t, &wire.EndpointKeepAliveAck{PoolHandle: handle, PEID: id})
	if hid, _ := c.HomeRegistrar(); hid != 2 {
		t.Fatalf("home registrar $%08x after a keep-alive without H, want 2", hid)
	}
}
