package asap

import (
	"context"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

// loopbackMulticast returns a random group and port of the organisation-
// local scope (239.255/16) and a socket that sends to it over the loopback
// interface only (IP_MULTICAST_IF 127.0.0.1, TTL 0, loopback on). It skips
// the test when multicast over lo does not work here.
func loopbackMulticast(t *testing.T) (netip.AddrPort, *net.UDPConn) {
	t.Helper()
	port := freeUDPPort(t)
	group := netip.AddrPortFrom(netip.AddrFrom4([4]byte{239, 255, byte(1 + rand.IntN(254)), byte(1 + rand.IntN(254))}), port)
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Skipf("multicast on lo not possible: %v", err)
	}
	probe, err := net.ListenMulticastUDP("udp4", lo, net.UDPAddrFromAddrPort(group))
	if err != nil {
		t.Skipf("multicast on lo not possible: joining %v: %v", group, err)
	}
	defer probe.Close()
	s, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatalf("sender socket: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	rc, err := s.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var serr error
	rc.Control(func(fd uintptr) {
		if serr = unix.SetsockoptInet4Addr(int(fd), unix.IPPROTO_IP, unix.IP_MULTICAST_IF, [4]byte{127, 0, 0, 1}); serr != nil {
			return
		}
		if serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_MULTICAST_TTL, 0); serr != nil {
			return
		}
		serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP, 1)
	})
	if serr != nil {
		t.Skipf("multicast on lo not possible: %v", serr)
	}
	if _, err := s.WriteToUDPAddrPort([]byte("probe"), group); err != nil {
		t.Skipf("multicast on lo not possible: sending: %v", err)
	}
	probe.SetReadDeadline(time.Now().Add(time.Second))
	if _, _, err := probe.ReadFromUDPAddrPort(make([]byte, 16)); err != nil {
		t.Skipf("multicast on lo not possible: nothing received: %v", err)
	}
	return group, s
}

func freeUDPPort(t *testing.T) uint16 {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return uint16(c.LocalAddr().(*net.UDPAddr).Port)
}

// announceUntilDone sends announce m to group every few milliseconds until
// the test ends.
func announceUntilDone(t *testing.T, s *net.UDPConn, group netip.AddrPort, m wire.Message) {
	b, err := wire.AppendASAP(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	t.Cleanup(func() {
		close(stop)
		<-done
	})
	go func() {
		defer close(done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			s.WriteToUDPAddrPort(b, group)
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
}

func TestAnnouncedRegistrarDiscovered(t *testing.T) {
	group, sender := loopbackMulticast(t)
	f := newFakeRegistrar(t, 0x5150)
	f.setPool("echo", testPE(1, 7001, 0))
	fa := f.addrs()[0]
	announceUntilDone(t, sender, group, &wire.ServerAnnounce{
		ServerID: 0x5150,
		Transports: []wire.Transport{
			{Kind: wire.ParamSCTPTransport, Port: 1, Addrs: []netip.Addr{fa.Addr()}}, // not what the TCP mapping dials
			{Kind: wire.ParamTCPTransport, Port: fa.Port(), Addrs: []netip.Addr{fa.Addr()}},
		},
	})
	// No static registrar: the client knows only what it hears.
	c := newTestClient(t, Config{AnnounceGroup: group, AnnounceInterface: "lo"})
	if c.announce == nil {
		t.Fatal("client did not join the announce group")
	}
	pes, _, err := c.Resolve(context.Background(), []byte("echo"), 0)
	if err != nil || len(pes) != 1 {
		t.Fatalf("Resolve = %v, %v", pes, err)
	}
	f.expect(t, &wire.HandleResolution{PoolHandle: []byte("echo")})
}

func TestAnnouncedAddrs(t *testing.T) {
	from := netip.MustParseAddrPort("10.0.0.1:40000")
	a1, a2 := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.1.1")
	sctp := wire.Transport{Kind: wire.ParamSCTPTransport, Port: 3863, Addrs: []netip.Addr{a1, a2}}
	tcp := wire.Transport{Kind: wire.ParamTCPTransport, Port: 4000, Addrs: []netip.Addr{a1}}
	udp := wire.Transport{Kind: wire.ParamUDPTransport, Port: 5000, Addrs: []netip.Addr{a1}}
	for _, tc := range []struct {
		name    string
		ts      []wire.Transport
		backend transport.Backend
		want    []string
	}{
		{"rsplib: no transports", nil, transport.BackendTCP, []string{"10.0.0.1:3863"}},
		{"tcp preferred", []wire.Transport{sctp, tcp}, transport.BackendTCP, []string{"10.0.0.1:4000"}},
		{"sctp preferred", []wire.Transport{sctp, tcp}, transport.BackendKernel, []string{"10.0.0.1:3863", "10.0.1.1:3863"}},
		{"fallback to sctp", []wire.Transport{sctp}, transport.BackendTCP, []string{"10.0.0.1:3863", "10.0.1.1:3863"}},
		{"nothing dialable", []wire.Transport{udp}, transport.BackendTCP, nil},
	} {
		var got []string
		for _, a := range announcedAddrs(&wire.ServerAnnounce{ServerID: 1, Transports: tc.ts}, from, tc.backend) {
			got = append(got, a.String())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestRegistrarTableExpiry(t *testing.T) {
	clock := newFakeClock()
	static := []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:1")}
	tab := newRegistrarTable([][]netip.AddrPort{static}, 5*time.Second, clock.Now)
	ann := []netip.AddrPort{netip.MustParseAddrPort("127.0.0.2:2")}
	_, changed := tab.candidates()
	tab.announce(7, ann)
	select {
	case <-changed:
	default:
		t.Fatal("a new registrar did not signal the change")
	}
	// An announce of a registrar already known, at the same addresses,
	// signals nothing and refreshes its expiry.
	clock.Advance(4 * time.Second)
	_, changed = tab.candidates()
	tab.announce(7, ann)
	select {
	case <-changed:
		t.Fatal("a repeated announce signalled a change")
	default:
	}
	tab.announce(8, static) // same addresses as the static entry: listed once
	clock.Advance(4 * time.Second)
	if got, _ := tab.candidates(); len(got) != 2 {
		t.Fatalf("candidates %v, want the static and the refreshed one", got)
	}
	clock.Advance(2 * time.Second)
	if got, _ := tab.candidates(); len(got) != 1 || !slices.Equal(got[0], static) {
		t.Fatalf("candidates %v after expiry, want only the static one", got)
	}
}
