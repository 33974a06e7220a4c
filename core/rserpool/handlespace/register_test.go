package handlespace

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"netcompat/core/rserpool/wire"
)

func TestRegisterCauses(t *testing.T) {
	many := func(n int) []netip.Addr {
		out := make([]netip.Addr, n)
		for i := range out {
			out[i] = netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})
		}
		return out
	}
	asap := func(f func(*wire.Transport)) func(*wire.PoolElement) {
		return func(e *wire.PoolElement) {
			tr := wire.Transport{Kind: wire.ParamSCTPTransport, Port: 3863, Addrs: addrs("10.0.0.1")}
			f(&tr)
			e.ASAP = &tr
		}
	}
	tests := []struct {
		name   string
		cfg    func(*Config)
		handle string
		e      wire.PoolElement
		conn   ConnKey
		want   wire.Cause
	}{
		{name: "new element", handle: "pool", e: elem(2), conn: 2},
		{name: "new pool", handle: "other", e: elem(2), conn: 2},
		{name: "reregistration same conn", handle: "pool", e: elem(1), conn: 1},

		// Invalid Values.
		{name: "empty handle", handle: "", e: elem(2), conn: 2, want: wire.CauseInvalidValues},
		{name: "handle 32 bytes", handle: strings.Repeat("h", 32), e: elem(2), conn: 2},
		{name: "handle 33 bytes", handle: strings.Repeat("h", 33), e: elem(2), conn: 2, want: wire.CauseInvalidValues},
		{name: "handle over configured max", cfg: func(c *Config) { c.MaxHandleLen = 4 }, handle: "abcde", e: elem(2), conn: 2, want: wire.CauseInvalidValues},
		{name: "PE ID 0", handle: "pool", e: elem(0), conn: 2, want: wire.CauseInvalidValues},
		{name: "registration life 0", handle: "pool", e: with(elem(2), func(e *wire.PoolElement) { e.RegLife = 0 }), conn: 2, want: wire.CauseInvalidValues},
		{name: "policy type 0", handle: "other", e: with(elem(2), func(e *wire.PoolElement) { e.Policy.Type = 0 }), conn: 2, want: wire.CauseInvalidValues},
		{name: "ValidPolicy refuses", cfg: func(c *Config) { c.ValidPolicy = func(p wire.Policy) bool { return len(p.Values) == 0 } }, handle: "pool", e: with(elem(2), func(e *wire.PoolElement) { e.Policy.Values = []uint32{1} }), conn: 2, want: wire.CauseInvalidValues},
		{name: "ValidPolicy accepts", cfg: func(c *Config) { c.ValidPolicy = func(p wire.Policy) bool { return p.Type == 1 } }, handle: "pool", e: elem(2), conn: 2},
		{name: "user transport not a transport", handle: "other", e: with(elem(2), func(e *wire.PoolElement) { e.User.Kind = wire.ParamIPv4Address }), conn: 2, want: wire.CauseInvalidValues},
		{name: "user port 0", handle: "pool", e: with(elem(2), func(e *wire.PoolElement) { e.User.Port = 0 }), conn: 2, want: wire.CauseInvalidValues},
		{name: "no user addresses", handle: "pool", e: with(elem(2), func(e *wire.PoolElement) { e.User.Addrs = nil }), conn: 2, want: wire.CauseInvalidValues},
		{name: "invalid user address", handle: "pool", e: with(elem(2), func(e *wire.PoolElement) { e.User.Addrs = []netip.Addr{{}} }), conn: 2, want: wire.CauseInvalidValues},
		{name: "transport use 2", handle: "pool", e: with(elem(2), func(e *wire.PoolElement) { e.User.Use = 2 }), conn: 2, want: wire.CauseInvalidValues},
		{name: "ASAP transport UDP", handle: "pool", e: with(elem(2), asap(func(tr *wire.Transport) { tr.Kind = wire.ParamUDPTransport })), conn: 2, want: wire.CauseInvalidValues},
		{name: "ASAP transport TCP (the TCP mapping)", handle: "pool", e: with(elem(2), asap(func(tr *wire.Transport) { tr.Kind = wire.ParamTCPTransport })), conn: 2},
		{name: "ASAP port 0", handle: "pool", e: with(elem(2), asap(func(tr *wire.Transport) { tr.Port = 0 })), conn: 2, want: wire.CauseInvalidValues},
		{name: "ASAP without addresses", handle: "pool", e: with(elem(2), asap(func(tr *wire.Transport) { tr.Addrs = nil })), conn: 2, want: wire.CauseInvalidValues},
		{name: "ASAP transport fine", handle: "pool", e: with(elem(2), asap(func(*wire.Transport) {})), conn: 2},
		{name: "invalid values before consistency", handle: "pool", e: with(elem(0), func(e *wire.PoolElement) { e.User.Kind = wire.ParamTCPTransport }), conn: 2, want: wire.CauseInvalidValues},

		// Address counts: Lack of Resources.
		{name: "64 user addresses", handle: "pool", e: with(elem(2), func(e *wire.PoolElement) { e.User.Addrs = many(64) }), conn: 2},
		{name: "65 user addresses", handle: "pool", e: with(elem(2), func(e *wire.PoolElement) { e.User.Addrs = many(65) }), conn: 2, want: wire.CauseLackOfResources},
		{name: "65 ASAP addresses", handle: "pool", e: with(elem(2), asap(func(tr *wire.Transport) { tr.Addrs = many(65) })), conn: 2, want: wire.CauseLackOfResources},
		{name: "over configured MaxAddrs", cfg: func(c *Config) { c.MaxAddrs = 2 }, handle: "pool", e: with(elem(2), func(e *wire.PoolElement) { e.User.Addrs = many(3) }), conn: 2, want: wire.CauseLackOfResources},

		// Consistency with the pool.
		{name: "policy type differs", handle: "pool", e: with(elem(2), func(e *wire.PoolElement) { e.Policy = wire.Policy{Type: 2, Values: []uint32{1}} }), conn: 2, want: wire.CauseInconsistentPolicy},
		{name: "transport protocol differs", handle: "pool", e: with(elem(2), func(e *wire.PoolElement) { e.User.Kind = wire.ParamTCPTransport }), conn: 2, want: wire.CauseInconsistentTransport},
		{name: "UDP into SCTP pool", handle: "pool", e: with(elem(2), func(e *wire.PoolElement) { e.User.Kind = wire.ParamUDPTransport }), conn: 2, want: wire.CauseInconsistentTransport},
		{name: "transport use differs", handle: "pool", e: with(elem(2), func(e *wire.PoolElement) { e.User.Use = wire.UseDataControl }), conn: 2, want: wire.CauseInconsistentDataControl},
		{name: "transport before policy", handle: "pool", e: with(elem(2), func(e *wire.PoolElement) { e.User.Kind = wire.ParamTCPTransport; e.Policy.Type = 2 }), conn: 2, want: wire.CauseInconsistentTransport},
		{name: "use before policy", handle: "pool", e: with(elem(2), func(e *wire.PoolElement) { e.User.Use = wire.UseDataControl; e.Policy.Type = 2 }), conn: 2, want: wire.CauseInconsistentDataControl},
		{name: "reregistration of only element with new policy", handle: "pool", e: with(elem(1), func(e *wire.PoolElement) { e.Policy.Type = 3 }), conn: 1, want: wire.CauseInconsistentPolicy},
		{name: "other pools unaffected", handle: "other", e: with(elem(1), func(e *wire.PoolElement) { e.User.Kind = wire.ParamTCPTransport; e.Policy.Type = 2 }), conn: 1},

		// Non-unique PE identifier.
		{name: "same ID other conn", handle: "pool", e: elem(1), conn: 2, want: wire.CauseNonUniquePEIdentifier},
		{name: "same ID without conn", handle: "pool", e: elem(1), conn: 0, want: wire.CauseNonUniquePEIdentifier},
		{name: "same ID other pool", handle: "other", e: elem(1), conn: 2},
		{name: "consistency before uniqueness", handle: "pool", e: with(elem(1), func(e *wire.PoolElement) { e.Policy.Type = 2 }), conn: 2, want: wire.CauseInconsistentPolicy},

		// Limits: Lack of Resources.
		{name: "MaxPools reached", cfg: func(c *Config) { c.MaxPools = 1 }, handle: "other", e: elem(2), conn: 2, want: wire.CauseLackOfResources},
		{name: "MaxPools, existing pool", cfg: func(c *Config) { c.MaxPools = 1 }, handle: "pool", e: elem(2), conn: 2},
		{name: "MaxElementsPerPool reached", cfg: func(c *Config) { c.MaxElementsPerPool = 1 }, handle: "pool", e: elem(2), conn: 2, want: wire.CauseLackOfResources},
		{name: "MaxElementsPerPool, other pool", cfg: func(c *Config) { c.MaxElementsPerPool = 1 }, handle: "other", e: elem(2), conn: 2},
		{name: "MaxElementsPerPool, reregistration", cfg: func(c *Config) { c.MaxElementsPerPool = 1 }, handle: "pool", e: elem(1), conn: 1},
		{name: "MaxElements reached", cfg: func(c *Config) { c.MaxElements = 1 }, handle: "other", e: elem(2), conn: 2, want: wire.CauseLackOfResources},
		{name: "MaxElements, reregistration", cfg: func(c *Config) { c.MaxElements = 1 }, handle: "pool", e: elem(1), conn: 1},

		// Address scope.
		{name: "loopback only, default scope", handle: "pool", e: with(elem(2), func(e *wire.PoolElement) { e.User.Addrs = addrs("127.0.0.1", "::1") }), conn: 2, want: wire.CauseInvalidValues},
		{name: "loopback only, scope loopback", cfg: func(c *Config) { c.MinAddressScope = ScopeLoopback }, handle: "pool", e: with(elem(2), func(e *wire.PoolElement) { e.User.Addrs = addrs("127.0.0.1") }), conn: 2},
		{name: "site-local, scope global", cfg: func(c *Config) { c.MinAddressScope = ScopeGlobal }, handle: "other", e: elem(2), conn: 2, want: wire.CauseInvalidValues},
		{name: "ASAP loopback only", handle: "pool", e: with(elem(2), asap(func(tr *wire.Transport) { tr.Addrs = addrs("127.0.0.1") })), conn: 2, want: wire.CauseInvalidValues},
		{name: "link-local only", handle: "pool", e: with(elem(2), func(e *wire.PoolElement) { e.User.Addrs = addrs("169.254.1.1", "fe80::1") }), conn: 2, want: wire.CauseInvalidValues},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHS(tc.cfg)
			first := mustRegister(t, h, at(0), "pool", with(elem(1), func(e *wire.PoolElement) { e.User.Addrs = addrs("10.0.0.1", "192.0.2.1") }), 1)
			sum, n := h.OwnChecksum(), h.Len()
			m, rereg, c := h.Register(at(1000), []byte(tc.handle), tc.e, tc.conn)
			if c != tc.want {
				t.Fatalf("cause %#x, want %#x", c, tc.want)
			}
			checkInvariants(t, h)
			if c != 0 {
				if m != nil || rereg {
					t.Fatalf("failed registration returned element %v, rereg %v", m, rereg)
				}
				if h.Len() != n || h.OwnChecksum() != sum || h.NumPools() != 1 || first.regAt != 0 {
					t.Fatal("failed registration changed the handlespace")
				}
				return
			}
			if m.PE.ID != tc.e.ID || m.Handle() != tc.handle || !m.Live() {
				t.Fatalf("got %#x in %q", m.PE.ID, m.Handle())
			}
			if rereg != (m == first) {
				t.Fatalf("reregistered = %v, same element %v", rereg, m == first)
			}
		})
	}
}

func TestRegisterStoresCopy(t *testing.T) {
	h := newHS(nil)
	e := with(elem(7), func(e *wire.PoolElement) {
		e.HomeServer = peer // ignored: Register makes this registrar the home
		e.User.Addrs = addrs("127.0.0.1", "10.0.0.7", "192.0.2.7", "::1")
		e.User.ServiceCode = 99 // meaningless for SCTP
		e.Policy = wire.Policy{Type: 1, Values: make([]uint32, 0, 8)}
		e.ASAP = &wire.Transport{Kind: wire.ParamSCTPTransport, Port: 3863, Addrs: addrs("127.0.0.1", "10.0.0.7")}
	})
	m := mustRegister(t, h, at(0), "p", e, 9)
	e.User.Addrs[1] = netip.MustParseAddr("10.9.9.9")
	e.ASAP.Addrs[1] = netip.MustParseAddr("10.9.9.9")

	if got, want := m.PE.User.Addrs, addrs("10.0.0.7", "192.0.2.7"); !slices.Equal(got, want) || cap(got) != len(want) {
		t.Errorf("user addresses %v (cap %d), want %v exact", got, cap(got), want)
	}
	if got, want := m.PE.ASAP.Addrs, addrs("10.0.0.7"); !slices.Equal(got, want) {
		t.Errorf("ASAP addresses %v, want %v", got, want)
	}
	if m.PE.HomeServer != self || m.Home() != self || m.Conn() != 9 {
		t.Errorf("home %#x conn %d", m.PE.HomeServer, m.Conn())
	}
	if m.PE.User.ServiceCode != 0 || m.PE.Policy.Values != nil {
		t.Errorf("not normalized: service code %d, values %v", m.PE.User.ServiceCode, m.PE.Policy.Values)
	}
	if m.PE.ASAP != &m.asap {
		t.Error("ASAP transport not stored inline")
	}
	p := h.Pool([]byte("p"))
	if p.PolicyType() != 1 || p.TransportKind() != wire.ParamSCTPTransport || p.TransportUse() != wire.UseData {
		t.Errorf("pool settings %#x %#x %d", p.PolicyType(), p.TransportKind(), p.TransportUse())
	}
}

func TestReregistrationUpdates(t *testing.T) {
	h := newHS(nil)
	m := mustRegister(t, h, at(0), "p", with(elem(5), func(e *wire.PoolElement) {
		e.Policy = wire.Policy{Type: 0x40000001, Values: []uint32{100}}
	}), 3)
	old := m.PE.User.Addrs
	if !m.Expires().Equal(at(30000)) || !m.Registered().Equal(at(0)) {
		t.Fatalf("expires %v registered %v", m.Expires(), m.Registered())
	}
	h.KeepAliveSent(at(5000), m)
	h.ReportUnreachable([]byte("p"), 5)

	e := with(elem(5), func(e *wire.PoolElement) {
		e.RegLife = 60000
		e.User.Port = 7001
		e.User.Addrs = addrs("10.0.0.2", "10.0.0.3")
		e.Policy = wire.Policy{Type: 0x40000001, Values: []uint32{900}}
		e.ASAP = &wire.Transport{Kind: wire.ParamSCTPTransport, Port: 3863, Addrs: addrs("10.0.0.2")}
	})
	m2, rereg, c := h.Register(at(8000), []byte("p"), e, 3)
	if c != 0 || !rereg || m2 != m || h.Len() != 1 {
		t.Fatalf("rereg: cause %#x rereg %v same %v len %d", c, rereg, m2 == m, h.Len())
	}
	if m.PE.RegLife != 60000 || m.PE.User.Port != 7001 || !slices.Equal(m.PE.User.Addrs, e.User.Addrs) ||
		!slices.Equal(m.PE.Policy.Values, []uint32{900}) || m.PE.ASAP == nil || m.PE.ASAP.Addrs[0] != e.ASAP.Addrs[0] {
		t.Fatalf("not updated: %+v", m.PE)
	}
	if !slices.Equal(old, addrs("10.0.0.1")) {
		t.Error("reregistration overwrote the old address slice")
	}
	if !m.Registered().Equal(at(8000)) || !m.Expires().Equal(at(68000)) {
		t.Errorf("registered %v expires %v", m.Registered(), m.Expires())
	}
	if m.KeepAlivePending() {
		t.Error("reregistration left the keep-alive pending")
	}
	if d, _ := m.KeepAliveDeadline(); !d.Equal(at(13000)) {
		t.Errorf("next keep-alive %v, want +13 s", d)
	}
	if m.UnreachableReports() != 1 {
		t.Errorf("unreachable count %d, want 1 (kept)", m.UnreachableReports())
	}
	// Dropping the ASAP transport on re-registration.
	mustRegister(t, h, at(9000), "p", with(elem(5), func(e *wire.PoolElement) { e.Policy.Type = 0x40000001 }), 3)
	if m.PE.ASAP != nil {
		t.Error("ASAP transport kept")
	}
	if len(h.Expire(at(38999))) != 0 || len(h.Expire(at(39000))) != 1 {
		t.Error("expiry does not follow the last reregistration")
	}
	checkInvariants(t, h)
}

func TestTransportUseNormalized(t *testing.T) {
	h := newHS(nil)
	udp := func(id uint32, use wire.TransportUse) wire.PoolElement {
		return with(elem(id), func(e *wire.PoolElement) { e.User.Kind = wire.ParamUDPTransport; e.User.Use = use })
	}
	mustRegister(t, h, at(0), "u", udp(1, 0), 1)
	if m := mustRegister(t, h, at(0), "u", udp(2, wire.UseDataControl), 2); m.PE.User.Use != wire.UseData {
		t.Errorf("UDP transport use %d stored", m.PE.User.Use)
	}
	// A reserved value the receiver ignores is not invalid either.
	mustRegister(t, h, at(0), "u", udp(3, 7), 3)
	// TCP and SCTP compare the field.
	mustRegister(t, h, at(0), "c", with(elem(1), func(e *wire.PoolElement) { e.User.Use = wire.UseDataControl }), 1)
	if _, _, c := h.Register(at(0), []byte("c"), elem(2), 2); c != wire.CauseInconsistentDataControl {
		t.Errorf("data into data+control pool: %#x", c)
	}
}

func TestRegisterMovesPeerElementHere(t *testing.T) {
	h := newHS(nil)
	m := mustUpdate(t, h, at(0), "p", with(elem(4), func(e *wire.PoolElement) { e.HomeServer = peer }))
	if _, ok := m.KeepAliveDeadline(); ok || m.Conn() != 0 {
		t.Fatal("peer's element has keep-alive state or a conn")
	}
	m2, rereg, c := h.Register(at(1000), []byte("p"), elem(4), 12)
	if c != 0 || !rereg || m2 != m {
		t.Fatalf("cause %#x rereg %v", c, rereg)
	}
	if m.Home() != self || m.Conn() != 12 || h.OwnedCount(peer) != 0 || h.OwnedCount(self) != 1 {
		t.Fatalf("home %#x conn %d", m.Home(), m.Conn())
	}
	if d, ok := m.KeepAliveDeadline(); !ok || !d.Equal(at(6000)) {
		t.Fatalf("keep-alive deadline %v %v", d, ok)
	}
	if got := keys(h.ByConn(12)); !slices.Equal(got, []Key{{"p", 4}}) {
		t.Fatalf("ByConn: %v", got)
	}
	// A peer echoing it with this registrar as home changes nothing.
	mustUpdate(t, h, at(1500), "p", with(elem(4), func(e *wire.PoolElement) { e.HomeServer = self }))
	if m.Home() != self || m.Conn() != 12 {
		t.Fatalf("after echo: home %#x conn %d", m.Home(), m.Conn())
	}
	// Its new home registrar announces it: the peer's word wins, the
	// association link goes.
	mustUpdate(t, h, at(2000), "p", with(elem(4), func(e *wire.PoolElement) { e.HomeServer = peer }))
	if m.Home() != peer || m.Conn() != 0 || len(h.ByConn(12)) != 0 || m.KeepAlivePending() {
		t.Fatalf("after peer update: home %#x conn %d", m.Home(), m.Conn())
	}
	if _, ok := m.KeepAliveDeadline(); ok {
		t.Fatal("keep-alive state for an element owned elsewhere")
	}
	checkInvariants(t, h)
}

func TestUpdateChecks(t *testing.T) {
	h := newHS(nil)
	mustRegister(t, h, at(0), "p", elem(1), 1)
	tests := []struct {
		name string
		e    wire.PoolElement
		want wire.Cause
	}{
		{"loopback from a peer is kept", with(elem(2), func(e *wire.PoolElement) { e.HomeServer = peer; e.User.Addrs = addrs("127.0.0.1") }), 0},
		{"ID 0", with(elem(0), func(e *wire.PoolElement) { e.HomeServer = peer }), wire.CauseInvalidValues},
		{"policy", with(elem(3), func(e *wire.PoolElement) { e.HomeServer = peer; e.Policy.Type = 4 }), wire.CauseInconsistentPolicy},
		{"transport", with(elem(3), func(e *wire.PoolElement) { e.HomeServer = peer; e.User.Kind = wire.ParamTCPTransport }), wire.CauseInconsistentTransport},
		{"element registered here by conn 1", with(elem(1), func(e *wire.PoolElement) { e.HomeServer = peer }), 0},
	}
	for _, tc := range tests {
		m, _, c := h.Update(at(0), []byte("p"), tc.e)
		if c != tc.want {
			t.Errorf("%s: cause %#x, want %#x", tc.name, c, tc.want)
		}
		if c == 0 && (m.Home() != peer || m.Conn() != 0) {
			t.Errorf("%s: home %#x conn %d", tc.name, m.Home(), m.Conn())
		}
		checkInvariants(t, h)
	}
}
