package netns

import (
	"fmt"
	"net"
	"net/netip"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Endpoint is one end of a veth pair.
type Endpoint struct {
	NS    *Namespace
	Name  string // interface name inside NS
	Index int    // interface index inside NS
	V4    netip.Prefix
	V6    netip.Prefix // each is the zero Prefix when not configured
}

// Link looks the interface up again through the namespace's netlink
// handle (attributes such as the state change; the index does not).
func (e Endpoint) Link() (netlink.Link, error) {
	h, err := e.NS.Netlink()
	if err != nil {
		return nil, err
	}
	return h.LinkByIndex(e.Index)
}

// Veth is a veth pair, A in one namespace and B in another (or the same).
type Veth struct {
	A, B Endpoint
}

// VethConfig describes a veth pair to create.
type VethConfig struct {
	A, B         *Namespace
	AName, BName string // required; at most 15 bytes, unique per namespace
	// Addresses with prefix length, each optional. IPv4 and IPv6 must
	// not be swapped.
	A4, B4, A6, B6 netip.Prefix
	MTU            int // 0 means the kernel's default (1500)
	TxQLen         int // 0 means 1000, the usual Ethernet queue length
}

// NewVeth creates the pair for a test (see AddVeth) and fails the test on
// error. The pair goes away with its namespaces.
func NewVeth(tb testing.TB, cfg VethConfig) *Veth {
	tb.Helper()
	v, err := AddVeth(cfg)
	if err != nil {
		tb.Fatalf("netns: %v", err)
	}
	return v
}

// AddVeth creates the pair directly in the two namespaces, adds the
// addresses (IPv6 without duplicate address detection), sets both ends up
// and waits until both are ready (see WaitReady).
func AddVeth(cfg VethConfig) (*Veth, error) {
	if cfg.A == nil || cfg.B == nil || cfg.AName == "" || cfg.BName == "" {
		return nil, fmt.Errorf("veth: both namespaces and both names are required")
	}
	for _, c := range []struct {
		p    netip.Prefix
		want bool // true: IPv4
	}{{cfg.A4, true}, {cfg.B4, true}, {cfg.A6, false}, {cfg.B6, false}} {
		if c.p.IsValid() && c.p.Addr().Is4() != c.want {
			return nil, fmt.Errorf("veth %s-%s: %v in the wrong address family field", cfg.AName, cfg.BName, c.p)
		}
	}
	qlen := cfg.TxQLen
	if qlen == 0 {
		qlen = 1000
	}
	ha, err := cfg.A.Netlink()
	if err != nil {
		return nil, err
	}
	veth := &netlink.Veth{
		LinkAttrs:  netlink.LinkAttrs{Name: cfg.AName, MTU: cfg.MTU, TxQLen: qlen},
		PeerName:   cfg.BName,
		PeerTxQLen: qlen,
	}
	if cfg.A != cfg.B {
		veth.PeerNamespace = netlink.NsFd(cfg.B.Fd())
	}
	if err := ha.LinkAdd(veth); err != nil {
		return nil, fmt.Errorf("veth %s/%s - %s/%s: %w", cfg.A, cfg.AName, cfg.B, cfg.BName, err)
	}
	a, err := configureEnd(cfg.A, cfg.AName, cfg.MTU, cfg.A4, cfg.A6)
	if err != nil {
		return nil, err
	}
	b, err := configureEnd(cfg.B, cfg.BName, cfg.MTU, cfg.B4, cfg.B6)
	if err != nil {
		return nil, err
	}
	for _, e := range []Endpoint{a, b} {
		if err := e.NS.WaitReady(e.Name, e.addrs(), ReadyTimeout); err != nil {
			return nil, err
		}
	}
	return &Veth{A: a, B: b}, nil
}

func (e Endpoint) addrs() []netip.Addr {
	var out []netip.Addr
	for _, p := range []netip.Prefix{e.V4, e.V6} {
		if p.IsValid() {
			out = append(out, p.Addr())
		}
	}
	return out
}

// configureEnd adds the addresses and sets the interface up. The MTU is
// set again on the peer because IFLA_MTU on creation applies to one end.
func configureEnd(ns *Namespace, name string, mtu int, v4, v6 netip.Prefix) (Endpoint, error) {
	h, err := ns.Netlink()
	if err != nil {
		return Endpoint{}, err
	}
	link, err := h.LinkByName(name)
	if err != nil {
		return Endpoint{}, fmt.Errorf("%s: %s: %w", ns, name, err)
	}
	if mtu != 0 && link.Attrs().MTU != mtu {
		if err := h.LinkSetMTU(link, mtu); err != nil {
			return Endpoint{}, fmt.Errorf("%s: %s: mtu %d: %w", ns, name, mtu, err)
		}
	}
	for _, p := range []netip.Prefix{v4, v6} {
		if !p.IsValid() {
			continue
		}
		addr := &netlink.Addr{IPNet: prefixNet(p)}
		if p.Addr().Is6() {
			addr.Flags = unix.IFA_F_NODAD
		}
		if err := h.AddrAdd(link, addr); err != nil {
			return Endpoint{}, fmt.Errorf("%s: %s: address %v: %w", ns, name, p, err)
		}
	}
	if err := h.LinkSetUp(link); err != nil {
		return Endpoint{}, fmt.Errorf("%s: %s: up: %w", ns, name, err)
	}
	return Endpoint{NS: ns, Name: name, Index: link.Attrs().Index, V4: v4, V6: v6}, nil
}

// AddRoute adds a route to dst through the gateway gw (same address
// family), in the main table.
func (ns *Namespace) AddRoute(dst netip.Prefix, gw netip.Addr) error {
	if dst.Addr().Is4() != gw.Is4() {
		return fmt.Errorf("%s: route %v via %v: address families differ", ns, dst, gw)
	}
	h, err := ns.Netlink()
	if err != nil {
		return err
	}
	r := &netlink.Route{Dst: prefixNet(dst.Masked()), Gw: net.IP(gw.AsSlice())}
	if err := h.RouteAdd(r); err != nil {
		return fmt.Errorf("%s: route %v via %v: %w", ns, dst, gw, err)
	}
	return nil
}

// EnableForwarding turns on IPv4 and IPv6 forwarding, as a router needs.
func (ns *Namespace) EnableForwarding() error {
	for _, k := range []string{"net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"} {
		if err := ns.Sysctl(k, "1"); err != nil {
			return err
		}
	}
	return nil
}

func prefixNet(p netip.Prefix) *net.IPNet {
	bits := 32
	if p.Addr().Is6() {
		bits = 128
	}
	return &net.IPNet{IP: net.IP(p.Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), bits)}
}
