package netns

import (
	"fmt"
	"net/netip"
	"testing"
)

// Linear is the chain H1 - R1 - R2 - H2: two hosts and two routers in
// four namespaces, joined by three veth pairs. Every link has an IPv4 /24
// and an IPv6 /64; link n (1, 2, 3 from left to right) uses 10.0.n.0/24
// and fd00:0:0:n::/64 with host part 1 on the left end and 2 on the right.
// Interfaces are named after the neighbour they lead to ("to-r1").
// The hosts have default routes towards their router; each router has a
// route to the far host's link through the other router, and forwards.
// So traffic from H1 to H2 crosses R1 and R2, in both families.
type Linear struct {
	H1, R1, R2, H2 *Namespace
	// Links from left to right; A is the left end.
	H1R1, R1R2, R2H2 *Veth
}

// LinearConfig tunes NewLinear; the zero value is fine.
type LinearConfig struct {
	// Prefix starts the namespace names, which then carry one random
	// suffix shared by the four ("lin-3fa2b1c0-h1"). Default "lin".
	Prefix string
	MTU    int // 0: the kernel's default
}

// H1Addr4 and friends are the hosts' addresses.
func (l *Linear) H1Addr4() netip.Addr { return l.H1R1.A.V4.Addr() }
func (l *Linear) H1Addr6() netip.Addr { return l.H1R1.A.V6.Addr() }
func (l *Linear) H2Addr4() netip.Addr { return l.R2H2.B.V4.Addr() }
func (l *Linear) H2Addr6() netip.Addr { return l.R2H2.B.V6.Addr() }

// Namespaces lists H1, R1, R2, H2.
func (l *Linear) Namespaces() []*Namespace { return []*Namespace{l.H1, l.R1, l.R2, l.H2} }

// NewLinear builds the chain for a test. Namespaces are removed by
// tb.Cleanup; the test is skipped when namespaces are unavailable.
func NewLinear(tb testing.TB, cfg LinearConfig) *Linear {
	tb.Helper()
	Require(tb)
	prefix := cfg.Prefix
	if prefix == "" {
		prefix = "lin"
	}
	base := UniqueName(prefix)
	ns := func(role string) *Namespace {
		n, err := Create(base + "-" + role)
		if err != nil {
			tb.Fatalf("netns: %v", err)
		}
		tb.Cleanup(func() {
			if err := n.Close(); err != nil {
				tb.Errorf("netns: close %s: %v", n, err)
			}
		})
		return n
	}
	l := &Linear{H1: ns("h1"), R1: ns("r1"), R2: ns("r2"), H2: ns("h2")}
	if err := l.build(cfg.MTU); err != nil {
		tb.Fatalf("netns: linear %s: %v", base, err)
	}
	return l
}

func (l *Linear) build(mtu int) error {
	link := func(n int, a, b *Namespace, aName, bName string) (*Veth, error) {
		return AddVeth(VethConfig{
			A: a, B: b, AName: aName, BName: bName, MTU: mtu,
			A4: netip.MustParsePrefix(fmt.Sprintf("10.0.%d.1/24", n)),
			B4: netip.MustParsePrefix(fmt.Sprintf("10.0.%d.2/24", n)),
			A6: netip.MustParsePrefix(fmt.Sprintf("fd00:0:0:%d::1/64", n)),
			B6: netip.MustParsePrefix(fmt.Sprintf("fd00:0:0:%d::2/64", n)),
		})
	}
	// Forwarding first: switching IPv6 forwarding on changes per-interface
	// settings, which is better done before the interfaces exist.
	for _, r := range []*Namespace{l.R1, l.R2} {
		if err := r.EnableForwarding(); err != nil {
			return err
		}
	}
	var err error
	if l.H1R1, err = link(1, l.H1, l.R1, "to-r1", "to-h1"); err != nil {
		return err
	}
	if l.R1R2, err = link(2, l.R1, l.R2, "to-r2", "to-r1"); err != nil {
		return err
	}
	if l.R2H2, err = link(3, l.R2, l.H2, "to-h2", "to-r2"); err != nil {
		return err
	}
	any4, any6 := netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")
	routes := []struct {
		ns  *Namespace
		dst netip.Prefix
		gw  netip.Addr
	}{
		{l.H1, any4, l.H1R1.B.V4.Addr()},
		{l.H1, any6, l.H1R1.B.V6.Addr()},
		{l.H2, any4, l.R2H2.A.V4.Addr()},
		{l.H2, any6, l.R2H2.A.V6.Addr()},
		{l.R1, l.R2H2.A.V4.Masked(), l.R1R2.B.V4.Addr()},
		{l.R1, l.R2H2.A.V6.Masked(), l.R1R2.B.V6.Addr()},
		{l.R2, l.H1R1.A.V4.Masked(), l.R1R2.A.V4.Addr()},
		{l.R2, l.H1R1.A.V6.Masked(), l.R1R2.A.V6.Addr()},
	}
	for _, r := range routes {
		if err := r.ns.AddRoute(r.dst, r.gw); err != nil {
			return err
		}
	}
	return nil
}
