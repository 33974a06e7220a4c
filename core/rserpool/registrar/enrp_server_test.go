package registrar

import (
	"net/netip"
	"reflect"
	"testing"
	"time"

	"netcompat/core/rserpool/policy"
)

// fastENRP shortens the ENRP timers so that failures are detected within
// a second or two.
func fastENRP(c *ServerConfig) {
	c.ENRP = []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")}
	c.Registrar.KeepAliveInterval = time.Hour // the test clients do not answer keep-alives
	e := &c.Registrar.ENRP
	e.HeartbeatCycle = 100 * time.Millisecond
	e.MaxTimeLastHeard = 300 * time.Millisecond
	e.MaxTimeNoResponse = 300 * time.Millisecond
	e.MentorDiscoveryTimeout = 500 * time.Millisecond
	e.TakeoverExpiryInterval = 500 * time.Millisecond
	e.MaxElementsPerHTRequest = 3 // many pages
}

// startPool starts n registrars, each with the first as static peer.
func startPool(t *testing.T, n int) []*Server {
	first := startServer(t, func(c *ServerConfig) { fastENRP(c); c.Registrar.ServerID = 0x100 })
	out := []*Server{first}
	for i := 1; i < n; i++ {
		out = append(out, startServer(t, func(c *ServerConfig) {
			fastENRP(c)
			c.Registrar.ServerID = uint32(0x100 + i)
			c.Peers = [][]netip.AddrPort{first.ENRPAddrs()}
		}))
	}
	return out
}

// waitPeered waits until every registrar of rs knows all the others.
func waitPeered(t *testing.T, rs []*Server) {
	waitFor(t, "full peering", func() bool {
		for _, s := range rs {
			if len(s.Snapshot().Peers) != len(rs)-1 {
				return false
			}
		}
		return true
	})
}

func samePools(a, b *Snapshot) bool { return reflect.DeepEqual(a.Pools, b.Pools) }

func TestENRPPoolSynchronises(t *testing.T) {
	rs := startPool(t, 3)
	waitPeered(t, rs)
	pe1 := dialServer(t, rs[1])
	for id := uint32(1); id <= 10; id++ {
		pe1.register("echo", pe(id, policy.RoundRobin))
	}
	pe2 := dialServer(t, rs[2])
	pe2.register("echo", pe(20, policy.RoundRobin))
	waitFor(t, "identical handlespaces", func() bool {
		s0, s1, s2 := rs[0].Snapshot(), rs[1].Snapshot(), rs[2].Snapshot()
		return s0.Elements == 11 && samePools(s0, s1) && samePools(s0, s2)
	})
	// A registrar started later is filled by its mentor, page by page.
	late := startServer(t, func(c *ServerConfig) {
		fastENRP(c)
		c.Registrar.ServerID = 0x1ff
		c.Peers = [][]netip.AddrPort{rs[2].ENRPAddrs()}
	})
	waitFor(t, "mentor fills the late registrar", func() bool {
		return samePools(late.Snapshot(), rs[0].Snapshot())
	})
	// Deregistration and association loss reach every registrar.
	pe1.a.Close()
	waitFor(t, "elements of a closed association gone everywhere", func() bool {
		for _, s := range append(rs, late) {
			if s.Snapshot().Elements != 1 {
				return false
			}
		}
		return true
	})
}

func TestENRPTakeover(t *testing.T) {
	rs := startPool(t, 3)
	waitPeered(t, rs)
	pe1 := dialServer(t, rs[1])
	for id := uint32(1); id <= 5; id++ {
		pe1.register("echo", pe(id, policy.RoundRobin))
	}
	waitFor(t, "elements everywhere", func() bool {
		return rs[0].Snapshot().Elements == 5 && rs[2].Snapshot().Elements == 5
	})
	// Kill registrar 1 without closing the element's association first:
	// the others notice the silence and one takes the elements over.
	rs[1].Close()
	waitFor(t, "takeover", func() bool {
		s0, s2 := rs[0].Snapshot(), rs[2].Snapshot()
		if len(s0.Peers) != 1 || len(s2.Peers) != 1 || s0.Elements == 0 {
			return false
		}
		for _, e := range s0.Pools[0].Elements {
			if e.Home == 0x101 {
				return false
			}
		}
		return samePools(s0, s2)
	})
}
