package handlespace

import (
	"net/netip"
	"testing"
	"time"

	"netcompat/core/rserpool/wire"
)

const (
	self = 0x5e1f0001 // this registrar's server ID
	peer = 0x9ee20002 // another registrar
)

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// at returns t0 + ms milliseconds.
func at(ms int64) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

func newHS(mod func(*Config)) *Handlespace {
	cfg := Config{ServerID: self}
	if mod != nil {
		mod(&cfg)
	}
	return New(cfg)
}

func addrs(ss ...string) []netip.Addr {
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParseAddr(s)
	}
	return out
}

// elem returns a valid element: SCTP data transport at 10.0.0.1:7000,
// Round Robin, 30 s registration life.
func elem(id uint32) wire.PoolElement {
	return wire.PoolElement{
		ID:      id,
		RegLife: 30000,
		User: wire.Transport{
			Kind:  wire.ParamSCTPTransport,
			Port:  7000,
			Use:   wire.UseData,
			Addrs: addrs("10.0.0.1"),
		},
		Policy: wire.Policy{Type: 1},
	}
}

// with applies fs to e and returns it.
func with(e wire.PoolElement, fs ...func(*wire.PoolElement)) wire.PoolElement {
	for _, f := range fs {
		f(&e)
	}
	return e
}

// mustRegister registers e in pool handle over conn at now or fails.
func mustRegister(t testing.TB, h *Handlespace, now time.Time, handle string, e wire.PoolElement, conn ConnKey) *Member {
	t.Helper()
	m, _, c := h.Register(now, []byte(handle), e, conn)
	if c != 0 || m == nil {
		t.Fatalf("Register(%q, %#x): cause %#x", handle, e.ID, c)
	}
	return m
}

func mustUpdate(t testing.TB, h *Handlespace, now time.Time, handle string, e wire.PoolElement) *Member {
	t.Helper()
	m, _, c := h.Update(now, []byte(handle), e)
	if c != 0 || m == nil {
		t.Fatalf("Update(%q, %#x): cause %#x", handle, e.ID, c)
	}
	return m
}

// ids returns the keys of ms, in order.
func keys(ms []*Member) []Key {
	out := make([]Key, len(ms))
	for i, m := range ms {
		out[i] = m.Key()
	}
	return out
}

// checkInvariants verifies every index of h against its elements.
func checkInvariants(t testing.TB, h *Handlespace) {
	t.Helper()
	n := 0
	owned := 0
	sums := map[uint32]uint64{}
	counts := map[uint32]int{}
	for hdl, p := range h.pools {
		if p.handle != hdl || p.hs != h {
			t.Fatalf("pool %q: bad handle/hs", hdl)
		}
		if len(p.members) == 0 {
			t.Fatalf("pool %q is empty but present", hdl)
		}
		if len(p.byID) != len(p.members) {
			t.Fatalf("pool %q: %d in map, %d in slice", hdl, len(p.byID), len(p.members))
		}
		for i, m := range p.members {
			n++
			if m.pool != p || int(m.idx) != i || p.byID[m.PE.ID] != m || !m.Live() {
				t.Fatalf("pool %q member %d (%#x): bad links", hdl, i, m.PE.ID)
			}
			if m.sum != elementSum(hdl, m.PE.ID) {
				t.Fatalf("member %#x: stale sum", m.PE.ID)
			}
			if m.PE.ASAP != nil && m.PE.ASAP != &m.asap {
				t.Fatalf("member %#x: ASAP transport not inline", m.PE.ID)
			}
			o := h.owners[m.PE.HomeServer]
			if o == nil || int(m.ownIdx) >= len(o.members) || o.members[m.ownIdx] != m {
				t.Fatalf("member %#x: not in owner %#x", m.PE.ID, m.PE.HomeServer)
			}
			sums[m.PE.HomeServer] += uint64(m.sum)
			counts[m.PE.HomeServer]++
			if int(m.expIdx) >= len(h.expiry.items) || m.expIdx < 0 || h.expiry.items[m.expIdx] != m {
				t.Fatalf("member %#x: not in expiry heap", m.PE.ID)
			}
			isOwned := m.PE.HomeServer == h.cfg.ServerID
			if isOwned {
				owned++
				if m.kaIdx < 0 || int(m.kaIdx) >= len(h.ka.items) || h.ka.items[m.kaIdx] != m {
					t.Fatalf("owned member %#x: not in keep-alive heap", m.PE.ID)
				}
			} else if m.kaIdx >= 0 || m.KeepAlivePending() {
				t.Fatalf("member %#x of %#x: keep-alive state", m.PE.ID, m.PE.HomeServer)
			}
			if m.conn != 0 {
				found := false
				for c := h.conns[m.conn]; c != nil; c = c.connNext {
					if c == m {
						found = true
					}
				}
				if !found {
					t.Fatalf("member %#x: not in conn %d list", m.PE.ID, m.conn)
				}
			}
		}
	}
	if n != h.n {
		t.Fatalf("count %d, walked %d", h.n, n)
	}
	if len(h.owners) != len(counts) {
		t.Fatalf("%d owners, %d expected", len(h.owners), len(counts))
	}
	for home, o := range h.owners {
		if o.sum != sums[home] || len(o.members) != counts[home] {
			t.Fatalf("owner %#x: sum %d/%d, count %d/%d", home, o.sum, sums[home], len(o.members), counts[home])
		}
	}
	if len(h.expiry.items) != n || len(h.ka.items) != owned {
		t.Fatalf("heaps: expiry %d/%d, keep-alive %d/%d", len(h.expiry.items), n, len(h.ka.items), owned)
	}
	for _, th := range []*timerHeap{&h.expiry, &h.ka} {
		for i := 1; i < len(th.items); i++ {
			if th.less(i, (i-1)/2) {
				t.Fatalf("heap %d: order broken at %d", th.kind, i)
			}
		}
	}
	for c, head := range h.conns {
		if head.connPrev != nil {
			t.Fatalf("conn %d: head has prev", c)
		}
		for m := head; m != nil; m = m.connNext {
			if m.conn != c || !m.Live() || (m.connNext != nil && m.connNext.connPrev != m) {
				t.Fatalf("conn %d: broken list", c)
			}
		}
	}
}
