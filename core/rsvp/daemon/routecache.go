package daemon

import (
	"net/netip"

	"github.com/vishvananda/netlink"

	"netcompat/core/rsvp/engine"
)

// routeCache answers the engine's route questions from the kernel's
// table, remembering answers until the table changes (flush).
type routeCache struct {
	nl     *netlink.Handle
	ifaces map[int]Interface
	m      map[netip.Addr][]engine.Route
}

func newRouteCache(nl *netlink.Handle, ifaces map[int]Interface) *routeCache {
	return &routeCache{nl: nl, ifaces: ifaces, m: make(map[netip.Addr][]engine.Route)}
}

// Route is engine.Router: unicast only; a destination that is one of
// our own addresses, or routed out of an interface RSVP does not run
// on, has no route.
func (c *routeCache) Route(dst, src netip.Addr) []engine.Route {
	if r, ok := c.m[dst]; ok {
		return r
	}
	var out []engine.Route
	if r, err := lookupRoute(c.nl, dst); err == nil {
		if _, ok := c.ifaces[r.IfIndex]; ok && !c.local(dst) {
			nh := r.NextHop
			if nh == dst {
				nh = netip.Addr{} // on-link
			}
			out = []engine.Route{{Iface: r.IfIndex, NextHop: nh}}
		}
	}
	if len(c.m) > 65536 {
		clear(c.m)
	}
	c.m[dst] = out
	return out
}

func (c *routeCache) local(a netip.Addr) bool {
	for _, i := range c.ifaces {
		for _, x := range i.Addrs {
			if x == a {
				return true
			}
		}
	}
	return false
}

func (c *routeCache) flush() { clear(c.m) }
