package webtp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"testing"
	"time"
)

func listen(t *testing.T, network, addr string) *Listener {
	t.Helper()
	l, err := Listen(network, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func dialAccept(t *testing.T, l *Listener, opt *DialOptions) (c, s *Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		var err error
		s, err = l.Accept(ctx)
		done <- err
	}()
	c, err := Dial(ctx, "udp", l.Addr().String(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	return c, s
}

func fill(size int, seed uint64) []byte {
	b := make([]byte, size)
	r := rand.New(rand.NewPCG(seed, 1))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestLoopbackReliable(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", "[::1]:0"} {
		t.Run(addr, func(t *testing.T) {
			l := listen(t, "udp", addr)
			c, s := dialAccept(t, l, nil)
			sizes := []int{0, 1, 1451, 1452, 1453, 64 << 10, 1 << 20, MaxADU}
			go func() {
				for i, n := range sizes {
					if err := c.Send(fill(n, uint64(i)), FlagReliable); err != nil {
						t.Error(err)
					}
				}
			}()
			seen := map[int]bool{}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			for range sizes {
				a, err := s.Receive(ctx)
				if err != nil {
					c.ep.mu.Lock()
					t.Logf("cli %+v %s buffered %d", c.ep.eng.Stats(), c.c.Pipe().Debug(), c.c.Buffered())
					c.ep.mu.Unlock()
					s.ep.mu.Lock()
					t.Logf("srv %+v %s seen %v", s.ep.eng.Stats(), s.c.Pipe().Debug(), seen)
					s.ep.mu.Unlock()
					t.Fatal(err)
				}
				i := -1
				for k, n := range sizes {
					if len(a.Data) == n && bytes.Equal(a.Data, fill(n, uint64(k))) {
						i = k
					}
				}
				if i < 0 || seen[i] || a.Flags != FlagReliable {
					t.Fatalf("unexpected ADU: %d bytes flags %#x (seen %v)", len(a.Data), a.Flags, seen[i])
				}
				seen[i] = true
			}
			if c.RTT() <= 0 {
				t.Fatal("no RTT measured")
			}
		})
	}
}

func TestLoopbackNoDupAndClose(t *testing.T) {
	l := listen(t, "udp4", "127.0.0.1:0")
	c, s := dialAccept(t, l, &DialOptions{NoDup: true})
	if !c.NoDup() || !s.NoDup() {
		t.Fatal("NO_DUP lost")
	}
	for i := range 100 {
		if err := c.Send(fill(3000, uint64(i)), FlagReliable); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n := 0
	for {
		_, err := s.Receive(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			c.ep.mu.Lock()
			t.Logf("cli %+v %s buffered %d state %v", c.ep.eng.Stats(), c.c.Pipe().Debug(), c.c.Buffered(), c.c.Finished())
			c.ep.mu.Unlock()
			s.ep.mu.Lock()
			t.Logf("srv %+v %s n %d", s.ep.eng.Stats(), s.c.Pipe().Debug(), n)
			s.ep.mu.Unlock()
			t.Fatal(err)
		}
		n++
	}
	if n != 100 {
		t.Fatalf("received %d of 100 before EOF", n)
	}
	if err := c.Wait(ctx); err != nil {
		t.Fatal(err)
	}
}

// Dialling a closed port is refused at once (ICMP port unreachable), and
// an endpoint that does not listen refuses with CLOSE.
func TestLoopbackRefused(t *testing.T) {
	u, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	closed := u.LocalAddr().String()
	u.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	_, err = Dial(ctx, "udp", closed, &DialOptions{Timeout: 20 * time.Second})
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("dial to a closed port: %v after %v", err, time.Since(start))
	}
	// A listener's endpoint that stopped listening but still serves a
	// connection answers with CLOSE(refused).
	l := listen(t, "udp4", "127.0.0.1:0")
	c, _ := dialAccept(t, l, nil)
	l.Close()
	_, err = Dial(ctx, "udp", l.Addr().String(), &DialOptions{Timeout: 20 * time.Second})
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("dial to an endpoint that stopped listening: %v", err)
	}
	_ = c
}

// A flood of garbage at the listening socket changes nothing for its
// connections.
func TestLoopbackGarbageFlood(t *testing.T) {
	l := listen(t, "udp4", "127.0.0.1:0")
	c, s := dialAccept(t, l, nil)
	g, err := net.Dial("udp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	r := rand.New(rand.NewPCG(7, 7))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		for i := range 200 {
			if err := c.Send(fill(2000, uint64(i)), FlagReliable); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	go func() {
		for i := range 20000 {
			b := make([]byte, 1+r.IntN(1400))
			for j := range b {
				b[j] = byte(r.Uint32())
			}
			if i%2 == 0 && len(b) > 12 {
				b[0], b[1] = 0x57, 1
			}
			_, _ = g.Write(b)
		}
	}()
	for i := range 200 {
		a, err := s.Receive(ctx)
		if err != nil {
			t.Fatalf("after %d ADUs: %v", i, err)
		}
		if len(a.Data) != 2000 {
			t.Fatalf("ADU of %d bytes", len(a.Data))
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

func TestLoopbackFourConnectionsOnePipe(t *testing.T) {
	l := listen(t, "udp4", "127.0.0.1:0")
	var cs, ss []*Conn
	for range 4 {
		c, s := dialAccept(t, l, nil)
		cs, ss = append(cs, c), append(ss, s)
	}
	ep := cs[0].ep
	for _, c := range cs {
		if c.ep != ep {
			t.Fatal("connections to one listener use different endpoints")
		}
	}
	for _, c := range cs[1:] {
		if c.c.Pipe() != cs[0].c.Pipe() {
			t.Fatal("connections to one listener use different pipes")
		}
	}
}
