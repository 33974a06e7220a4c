package daemon

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
)

// Route is the kernel's answer for one destination: the interface the
// traffic leaves by, the next hop (the gateway, or the destination itself
// when it is on-link) and the source address the kernel would use.
type Route struct {
	IfIndex int
	NextHop netip.Addr
	Src     netip.Addr
}

// lookupRoute asks the kernel's routing table (RTM_GETROUTE), as the
// data would be routed.
func lookupRoute(h *netlink.Handle, dst netip.Addr) (Route, error) {
	routes, err := h.RouteGet(net.IP(dst.AsSlice()))
	if err != nil {
		return Route{}, fmt.Errorf("route to %v: %w", dst, err)
	}
	if len(routes) == 0 {
		return Route{}, fmt.Errorf("route to %v: none", dst)
	}
	r := routes[0]
	out := Route{IfIndex: r.LinkIndex, NextHop: dst}
	if gw, ok := netip.AddrFromSlice(r.Gw); ok && r.Gw != nil {
		out.NextHop = gw.Unmap()
	}
	if src, ok := netip.AddrFromSlice(r.Src); ok && r.Src != nil {
		out.Src = src.Unmap()
	}
	if dst.Is4() {
		out.NextHop = out.NextHop.Unmap()
	}
	return out, nil
}

// Interface is one local interface as the engine sees it.
type Interface struct {
	Name  string
	Index int
	Addrs []netip.Addr
	Up    bool
	// Speed is the link rate in bits per second when the kernel knows it
	// (0 otherwise; veth reports none).
	Speed float64
}

// interfaces lists the local interfaces and their addresses.
func interfaces(h *netlink.Handle) ([]Interface, error) {
	links, err := h.LinkList()
	if err != nil {
		return nil, err
	}
	var out []Interface
	for _, l := range links {
		a := l.Attrs()
		ifc := Interface{Name: a.Name, Index: a.Index, Up: a.Flags&net.FlagUp != 0}
		for _, fam := range []int{netlink.FAMILY_V4, netlink.FAMILY_V6} {
			addrs, err := h.AddrList(l, fam)
			if err != nil {
				return nil, err
			}
			for _, ad := range addrs {
				if ip, ok := netip.AddrFromSlice(ad.IP); ok {
					ifc.Addrs = append(ifc.Addrs, ip.Unmap())
				}
			}
		}
		out = append(out, ifc)
	}
	return out, nil
}

// watchRoutes sends on the returned channel (coalescing) whenever the
// routing table or the links change, until done closes.
func watchRoutes(done <-chan struct{}) (<-chan struct{}, error) {
	routes := make(chan netlink.RouteUpdate, 64)
	links := make(chan netlink.LinkUpdate, 64)
	if err := netlink.RouteSubscribe(routes, done); err != nil {
		return nil, err
	}
	if err := netlink.LinkSubscribe(links, done); err != nil {
		return nil, err
	}
	changed := make(chan struct{}, 1)
	go func() {
		for {
			select {
			case _, ok := <-routes:
				if !ok {
					return
				}
			case _, ok := <-links:
				if !ok {
					return
				}
			case <-done:
				return
			}
			select {
			case changed <- struct{}{}:
			default:
			}
		}
	}()
	return changed, nil
}
