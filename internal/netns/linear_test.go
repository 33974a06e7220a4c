package netns

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// exchange sends one UDP datagram from src to dst's address and the
// answer back, proving reachability in both directions.
func exchange(t *testing.T, src, dst *Namespace, to netip.Addr) {
	t.Helper()
	network := "udp4"
	if to.Is6() {
		network = "udp6"
	}
	srv, err := dst.ListenPacket(network, netip.AddrPortFrom(to, 0).String())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cli, err := src.Dial(network, srv.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	deadline := time.Now().Add(ReadyTimeout)
	srv.SetDeadline(deadline)
	cli.SetDeadline(deadline)
	msg := []byte("ping " + to.String())
	if _, err := cli.Write(msg); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	n, from, err := srv.ReadFrom(buf)
	if err != nil {
		t.Fatalf("%s -> %v: %v", src, to, err)
	}
	if !bytes.Equal(buf[:n], msg) {
		t.Fatalf("%s -> %v: got %q", src, to, buf[:n])
	}
	if _, err := srv.WriteTo([]byte("pong"), from); err != nil {
		t.Fatal(err)
	}
	if n, err = cli.Read(buf); err != nil || string(buf[:n]) != "pong" {
		t.Fatalf("%v -> %s: %q, %v", to, src, buf[:n], err)
	}
}

func TestVeth(t *testing.T) {
	a, b := New(t, "va"), New(t, "vb")
	v := NewVeth(t, VethConfig{
		A: a, B: b, AName: "left", BName: "right", MTU: 1400,
		A4: netip.MustParsePrefix("192.0.2.1/24"), B4: netip.MustParsePrefix("192.0.2.2/24"),
		A6: netip.MustParsePrefix("2001:db8::1/64"), B6: netip.MustParsePrefix("2001:db8::2/64"),
	})
	for _, e := range []Endpoint{v.A, v.B} {
		l, err := e.Link()
		if err != nil {
			t.Fatal(err)
		}
		if l.Attrs().MTU != 1400 || l.Attrs().OperState != netlink.OperUp || l.Type() != "veth" {
			t.Errorf("%s: mtu %d, state %v, type %s", e.Name, l.Attrs().MTU, l.Attrs().OperState, l.Type())
		}
		h, _ := e.NS.Netlink()
		addrs, err := h.AddrList(l, netlink.FAMILY_V6)
		if err != nil {
			t.Fatal(err)
		}
		for _, ad := range addrs {
			if ad.Flags&(unix.IFA_F_TENTATIVE|unix.IFA_F_DADFAILED) != 0 {
				t.Errorf("%s: %v still flagged %#x after NewVeth", e.Name, ad.IPNet, ad.Flags)
			}
		}
	}
	exchange(t, a, b, v.B.V4.Addr())
	exchange(t, b, a, v.A.V6.Addr())

	if _, err := AddVeth(VethConfig{A: a, B: b, AName: "x", BName: "y", A4: netip.MustParsePrefix("2001:db8::9/64")}); err == nil {
		t.Error("an IPv6 prefix in A4 was accepted")
	}
	if _, err := AddVeth(VethConfig{A: a, B: b, AName: "left", BName: "z"}); err == nil {
		t.Error("a duplicate interface name was accepted")
	}
}

func TestLinear(t *testing.T) {
	t.Parallel()
	l := NewLinear(t, LinearConfig{})
	for _, r := range []*Namespace{l.R1, l.R2} {
		for _, k := range []string{"net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"} {
			if v, err := r.ReadSysctl(k); err != nil || v != "1" {
				t.Errorf("%s: %s = %q, %v", r, k, v, err)
			}
		}
	}
	for _, h := range []*Namespace{l.H1, l.H2} {
		if v, err := h.ReadSysctl("net.ipv4.ip_forward"); err != nil || v != "0" {
			t.Errorf("%s: hosts must not forward: ip_forward = %q, %v", h, v, err)
		}
	}
	r1in, r2in := rxPackets(t, l.R1R2.A), rxPackets(t, l.R2H2.B)
	exchange(t, l.H1, l.H2, l.H2Addr4())
	exchange(t, l.H1, l.H2, l.H2Addr6())
	exchange(t, l.H2, l.H1, l.H1Addr4())
	exchange(t, l.H2, l.H1, l.H1Addr6())
	// H1 and H2 share no link: the only way is through both routers, whose
	// link to each other must have carried the 8 datagrams, and so must
	// H2's link. (Counters can only grow; neighbour discovery adds more.)
	if d := rxPackets(t, l.R1R2.A) - r1in; d < 4 {
		t.Errorf("R1 received %d packets from R2, want at least the 4 answers", d)
	}
	if d := rxPackets(t, l.R2H2.B) - r2in; d < 4 {
		t.Errorf("H2 received %d packets, want at least the 4 requests", d)
	}
}

// TestLinearParallel builds two chains at once: same interface names and
// addresses, separate namespaces, no collision.
func TestLinearParallel(t *testing.T) {
	t.Parallel()
	l := NewLinear(t, LinearConfig{Prefix: "par", MTU: 1400})
	exchange(t, l.H1, l.H2, l.H2Addr6())
	lk, err := l.R1R2.B.Link()
	if err != nil {
		t.Fatal(err)
	}
	if lk.Attrs().MTU != 1400 {
		t.Errorf("MTU %d, want 1400", lk.Attrs().MTU)
	}
}

func rxPackets(t *testing.T, e Endpoint) uint64 {
	t.Helper()
	l, err := e.Link()
	if err != nil {
		t.Fatal(err)
	}
	return l.Attrs().Statistics.RxPackets
}
