package netio

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"netcompat/internal/netns"
)

const waitLimit = 30 * time.Second

func open(t *testing.T, ns *netns.Namespace, o Options) *Conn {
	t.Helper()
	var c *Conn
	if err := ns.Do(func() (err error) { c, err = Open(o); return err }); err != nil {
		t.Fatalf("%s: %v", ns, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func recv(t *testing.T, c *Conn, what string) Packet {
	t.Helper()
	select {
	case p := <-c.Packets():
		return p
	case <-time.After(waitLimit):
		t.Fatalf("%s: nothing received", what)
	}
	panic("unreachable")
}

func send(t *testing.T, c *Conn, o Out) {
	t.Helper()
	if err := c.Send(o); err != nil {
		t.Fatal(err)
	}
}

// A message with Router Alert is taken by the first router on its way
// (with the interface it came in on and the TTL it was sent with), not
// forwarded; one without goes through to its destination, two hops of
// TTL lower, and no router sees it. Both families.
func TestRouterAlertInterception(t *testing.T) {
	l := netns.NewLinear(t, netns.LinearConfig{Prefix: "nio"})
	opts := Options{Raw: true, IPv6: true}
	h1, r1, r2, h2 := open(t, l.H1, opts), open(t, l.R1, opts), open(t, l.R2, opts), open(t, l.H2, opts)
	for _, fam := range []struct {
		name         string
		src, dst, r1 netip.Addr
	}{{"IPv4", l.H1Addr4(), l.H2Addr4(), l.R1R2.A.V4.Addr()}, {"IPv6", l.H1Addr6(), l.H2Addr6(), l.R1R2.A.V6.Addr()}} {
		t.Run(fam.name, func(t *testing.T) {
			path := []byte("path-like message with RA " + fam.name)
			send(t, h1, Out{Data: path, Dst: fam.dst, RouterAlert: true, TTL: 33})
			p := recv(t, r1, "R1")
			if !bytes.Equal(p.Data, path) || p.Src != fam.src || p.Dst != fam.dst ||
				p.IfIndex != l.H1R1.B.Index || p.TTL != 33 || p.UDP {
				t.Fatalf("R1 got %+v (want from %v to %v on ifindex %d, TTL 33)", p, fam.src, fam.dst, l.H1R1.B.Index)
			}
			// Had R1 forwarded it, H2 would see it before this marker.
			marker := []byte("resv-like message without RA " + fam.name)
			send(t, h1, Out{Data: marker, Dst: fam.dst})
			p = recv(t, h2, "H2")
			if !bytes.Equal(p.Data, marker) || p.Src != fam.src || p.IfIndex != l.R2H2.B.Index || p.TTL != 62 {
				t.Fatalf("H2 got %+v, want the marker with TTL 62", p)
			}
			// R1 relays the intercepted message itself, as rsvpd does (from
			// its own address): the next router takes it.
			send(t, r1, Out{Data: path, Dst: fam.dst, RouterAlert: true, IfIndex: l.R1R2.A.Index})
			p = recv(t, r2, "R2")
			if !bytes.Equal(p.Data, path) || p.Src != fam.r1 || p.Dst != fam.dst || p.IfIndex != l.R1R2.B.Index || p.TTL != 64 {
				t.Fatalf("R2 got %+v", p)
			}
			send(t, h1, Out{Data: marker, Dst: fam.dst})
			if p := recv(t, h2, "H2"); !bytes.Equal(p.Data, marker) {
				t.Fatalf("H2 got %q before the marker", p.Data)
			}
		})
	}
}

// UDP encapsulation: a message to the next hop's address on port 1698
// arrives with its incoming interface and TTL, flagged UDP; both
// families, no privilege needed.
func TestUDPEncapsulation(t *testing.T) {
	l := netns.NewLinear(t, netns.LinearConfig{Prefix: "niu"})
	opts := Options{UDP: true, IPv6: true}
	h1, r1 := open(t, l.H1, opts), open(t, l.R1, opts)
	for _, fam := range []struct {
		name     string
		src, dst netip.Addr
	}{{"IPv4", l.H1Addr4(), l.H1R1.B.V4.Addr()}, {"IPv6", l.H1Addr6(), l.H1R1.B.V6.Addr()}} {
		msg := []byte("udp " + fam.name)
		send(t, h1, Out{Data: msg, Dst: fam.dst, UDP: true, TTL: 7})
		p := recv(t, r1, fam.name)
		if !bytes.Equal(p.Data, msg) || p.Src != fam.src || p.Dst != fam.dst || !p.UDP ||
			p.IfIndex != l.H1R1.B.Index || p.TTL != 7 {
			t.Fatalf("%s: R1 got %+v", fam.name, p)
		}
	}
	if err := h1.Send(Out{Data: []byte("x"), Dst: l.H2Addr4()}); err != ErrNoSocket {
		t.Fatalf("raw send on a UDP-only Conn: %v", err)
	}
}

func TestBadUse(t *testing.T) {
	if _, err := Open(Options{}); err == nil {
		t.Fatal("Open without sockets succeeded")
	}
}
