package enrp_test

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/vishvananda/netlink"

	"netcompat/internal/netns"
)

// lan is one Ethernet segment: a bridge in a "switch" namespace and one
// namespace per host, each joined to the bridge by a veth pair whose host
// end is eth0, addressed in 10.77.0.0/24. Multicast snooping is off, so
// the bridge floods multicast (ENRP Presence, ASAP Server Announce) to
// every port, as a plain switch does.
type lan struct {
	sw     *netns.Namespace
	bridge netlink.Link
	hosts  map[string]*host
}

// host is one namespace on the LAN.
type host struct {
	name string
	ns   *netns.Namespace
	addr netip.Addr // eth0's IPv4 address
	port string     // the switch-side end of its veth (a bridge port)
}

const (
	lanIf    = "eth0" // every host's interface on the LAN
	lanPfx   = 24
	lanFirst = 10 // the first host is 10.77.0.10
)

// newLAN builds the switch and the hosts named, in order (10.77.0.10,
// .11, ...). Everything is removed when the test ends.
func newLAN(t *testing.T, names ...string) *lan {
	t.Helper()
	netns.Require(t)
	l := &lan{sw: netns.New(t, "enrp-sw"), hosts: map[string]*host{}}
	h, err := l.sw.Netlink()
	if err != nil {
		t.Fatal(err)
	}
	off := false
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: "br0"}, MulticastSnooping: &off}
	if err := h.LinkAdd(br); err != nil {
		t.Fatalf("bridge: %v", err)
	}
	if l.bridge, err = h.LinkByName("br0"); err != nil {
		t.Fatal(err)
	}
	if err := h.LinkSetUp(l.bridge); err != nil {
		t.Fatal(err)
	}
	for i, name := range names {
		hs := &host{
			name: name,
			ns:   netns.New(t, "enrp-"+name),
			addr: netip.AddrFrom4([4]byte{10, 77, 0, byte(lanFirst + i)}),
			port: "p-" + name,
		}
		netns.NewVeth(t, netns.VethConfig{A: hs.ns, B: l.sw, AName: lanIf, BName: hs.port, A4: netip.PrefixFrom(hs.addr, lanPfx)})
		l.attach(t, hs)
		l.hosts[name] = hs
	}
	return l
}

// attach makes h's port a bridge port (again).
func (l *lan) attach(t *testing.T, h *host) {
	t.Helper()
	nl, err := l.sw.Netlink()
	if err != nil {
		t.Fatal(err)
	}
	p, err := nl.LinkByName(h.port)
	if err != nil {
		t.Fatal(err)
	}
	if err := nl.LinkSetMaster(p, l.bridge); err != nil {
		t.Fatalf("%s into the bridge: %v", h.port, err)
	}
}

// split moves the ports of hosts to a second bridge: they reach each
// other and nobody else (a partition with two sides). attach heals it.
func (l *lan) split(t *testing.T, hosts ...*host) {
	t.Helper()
	nl, err := l.sw.Netlink()
	if err != nil {
		t.Fatal(err)
	}
	br, err := nl.LinkByName("br1")
	if err != nil {
		off := false
		if err := nl.LinkAdd(&netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: "br1"}, MulticastSnooping: &off}); err != nil {
			t.Fatalf("bridge: %v", err)
		}
		if br, err = nl.LinkByName("br1"); err != nil {
			t.Fatal(err)
		}
		if err := nl.LinkSetUp(br); err != nil {
			t.Fatal(err)
		}
	}
	for _, h := range hosts {
		p, err := nl.LinkByName(h.port)
		if err != nil {
			t.Fatal(err)
		}
		if err := nl.LinkSetMaster(p, br); err != nil {
			t.Fatalf("%s into br1: %v", h.port, err)
		}
	}
}

// detach takes h's port out of the bridge: h keeps its carrier and its
// address but reaches nobody, and nobody reaches it (a silent partition).
func (l *lan) detach(t *testing.T, h *host) {
	t.Helper()
	nl, err := l.sw.Netlink()
	if err != nil {
		t.Fatal(err)
	}
	p, err := nl.LinkByName(h.port)
	if err != nil {
		t.Fatal(err)
	}
	if err := nl.LinkSetNoMaster(p); err != nil {
		t.Fatalf("%s out of the bridge: %v", h.port, err)
	}
}

func (h *host) String() string { return fmt.Sprintf("%s(%v)", h.name, h.addr) }
