package transport

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"sync"
	"syscall"
	"testing"
)

// Tests every backend passes; the kernel one skips without kernel SCTP.

func TestRoundTripStreamPPIDUnordered(t *testing.T) {
	backends(t, Options{Streams: 64}, func(t *testing.T, opts *Options) {
		c, s := pair(t, opts)
		cases := []SendInfo{
			{},
			{Stream: 0, PPID: PPIDASAP},
			{Stream: 1, PPID: PPIDENRP},
			{Stream: 63, PPID: 0xdeadbeef, Unordered: true},
			{Stream: 7, PPID: 33, Unordered: true},
			{Stream: 2, PPID: 0xffffffff},
		}
		for dir, ends := range [][2]Assoc{{c, s}, {s, c}} {
			for i, si := range cases {
				msg := pattern(10+i, i)
				if err := ends[0].Send(msg, si); err != nil {
					t.Fatalf("dir %d case %d: Send: %v", dir, i, err)
				}
				r := recvOne(t, ends[1], 100)
				if r.err != nil {
					t.Fatalf("dir %d case %d: Recv: %v", dir, i, r.err)
				}
				want := RecvInfo{Stream: si.Stream, PPID: si.PPID, Unordered: si.Unordered}
				if r.info != want || !bytes.Equal(r.msg, msg) {
					t.Errorf("dir %d case %d: got %+v %x, want %+v %x", dir, i, r.info, r.msg, want, msg)
				}
			}
		}
	})
}

func TestDefaultPPID(t *testing.T) {
	backends(t, Options{PPID: 34}, func(t *testing.T, opts *Options) {
		c, s := pair(t, opts)
		if err := c.Send([]byte("x"), SendInfo{Stream: 1}); err != nil {
			t.Fatal(err)
		}
		if err := c.Send([]byte("y"), SendInfo{PPID: 35}); err != nil {
			t.Fatal(err)
		}
		if r := recvOne(t, s, 10); r.err != nil || r.info != (RecvInfo{Stream: 1, PPID: 34}) {
			t.Errorf("first: %+v %v, want PPID 34 from Options", r.info, r.err)
		}
		if r := recvOne(t, s, 10); r.err != nil || r.info.PPID != 35 {
			t.Errorf("second: %+v %v, want PPID 35", r.info, r.err)
		}
	})
}

var boundarySizes = []int{1, 2, 3, 4, 5, 7, 8, 11, 12, 13, 100, 1023, 1024, 1459, 1460, 1461,
	4095, 4096, 8191, 8192, 8193, 65535, 65536, 65537, 100000, 1 << 20}

func TestMessageBoundaries(t *testing.T) {
	backends(t, Options{}, func(t *testing.T, opts *Options) {
		c, s := pair(t, opts)
		errc := make(chan error, 1)
		go func() {
			for i, n := range boundarySizes {
				if err := c.Send(pattern(n, i), SendInfo{Stream: uint16(i % 4), PPID: uint32(n)}); err != nil {
					errc <- fmt.Errorf("Send %d bytes: %w", n, err)
					return
				}
			}
			errc <- nil
		}()
		buf := make([]byte, DefaultMaxMessageSize)
		for i, want := range boundarySizes {
			n, info, err := s.Recv(buf)
			if err != nil {
				t.Fatalf("Recv #%d (%d bytes): %v", i, want, err)
			}
			if n != want || info.PPID != uint32(want) || info.Stream != uint16(i%4) || !bytes.Equal(buf[:n], pattern(want, i)) {
				t.Fatalf("Recv #%d: %d bytes %+v, want %d bytes, PPID %d", i, n, info, want, want)
			}
		}
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	})
}

func TestBareMessageBoundaries(t *testing.T) {
	backends(t, Options{Framing: FramingBare}, func(t *testing.T, opts *Options) {
		c, s := pair(t, opts)
		sizes := []int{4, 5, 8, 12, 100, 1460, 1461, 8192, 8193, 65532, 65535}
		errc := make(chan error, 1)
		go func() {
			for i, n := range sizes {
				if err := c.Send(asapMessage(byte(i+1), n, i), SendInfo{}); err != nil {
					errc <- fmt.Errorf("Send %d bytes: %w", n, err)
					return
				}
			}
			errc <- nil
		}()
		buf := make([]byte, MaxBareMessageSize)
		for i, want := range sizes {
			n, info, err := s.Recv(buf)
			if err != nil {
				t.Fatalf("Recv #%d (%d bytes): %v", i, want, err)
			}
			if n != want || info != (RecvInfo{PPID: PPIDASAP}) || !bytes.Equal(buf[:n], asapMessage(byte(i+1), want, i)) {
				t.Fatalf("Recv #%d: %d bytes %+v, want %d bytes on stream 0, PPID 11", i, n, info, want)
			}
		}
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	})
}

func TestTruncation(t *testing.T) {
	backends(t, Options{}, func(t *testing.T, opts *Options) {
		c, s := pair(t, opts)
		for _, tc := range []struct{ msg, buf int }{{100, 10}, {100, 0}, {5000, 1000}, {200000, 70000}, {64, 63}} {
			msg := pattern(tc.msg, tc.buf)
			if err := c.Send(msg, SendInfo{Stream: 3, PPID: 99}); err != nil {
				t.Fatal(err)
			}
			if err := c.Send([]byte("next"), SendInfo{Stream: 1}); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, tc.buf)
			n, info, err := s.Recv(buf)
			if err != ErrTruncated || n != tc.buf || info != (RecvInfo{Stream: 3, PPID: 99}) || !bytes.Equal(buf[:n], msg[:n]) {
				t.Fatalf("%d into %d: n=%d %+v %v, want n=%d, ErrTruncated", tc.msg, tc.buf, n, info, err, tc.buf)
			}
			if r := recvOne(t, s, 100); r.err != nil || string(r.msg) != "next" || r.info.Stream != 1 {
				t.Fatalf("after truncation: %q %+v %v", r.msg, r.info, r.err)
			}
		}
		// Exactly fitting is not truncation.
		c.Send([]byte("1234"), SendInfo{})
		if r := recvOne(t, s, 4); r.err != nil || string(r.msg) != "1234" {
			t.Fatalf("exact fit: %q %v", r.msg, r.err)
		}
	})
}

func TestSendChecks(t *testing.T) {
	backends(t, Options{MaxMessageSize: 1000, Streams: 4}, func(t *testing.T, opts *Options) {
		c, s := pair(t, opts)
		if err := c.Send(nil, SendInfo{}); !errors.Is(err, ErrEmptyMessage) {
			t.Errorf("empty: %v, want ErrEmptyMessage", err)
		}
		if err := c.Send(make([]byte, 1001), SendInfo{}); !errors.Is(err, ErrMessageTooLarge) {
			t.Errorf("1001 bytes: %v, want ErrMessageTooLarge", err)
		}
		if err := c.Send([]byte("x"), SendInfo{Stream: 4}); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("stream 4 of 4: %v, want EINVAL", err)
		}
		// None of that harmed the association.
		if err := c.Send(make([]byte, 1000), SendInfo{Stream: 3}); err != nil {
			t.Fatal(err)
		}
		if r := recvOne(t, s, 2000); r.err != nil || len(r.msg) != 1000 || r.info.Stream != 3 {
			t.Fatalf("%d bytes %+v %v", len(r.msg), r.info, r.err)
		}
	})
}

// message layout for the concurrency tests: sender(1) seq(4) then a
// pattern of a size that varies with seq.
func concurrentMessage(sender, seq int) []byte {
	m := pattern(5+(seq*37+sender*101)%3000, sender*1000+seq)
	m[0] = byte(sender)
	binary.BigEndian.PutUint32(m[1:], uint32(seq))
	return m
}

func checkConcurrentMessage(m []byte, info RecvInfo) (sender, seq int, err error) {
	if len(m) < 5 {
		return 0, 0, fmt.Errorf("short message %x", m)
	}
	sender, seq = int(m[0]), int(binary.BigEndian.Uint32(m[1:]))
	if want := concurrentMessage(sender, seq); !bytes.Equal(m, want) {
		return sender, seq, fmt.Errorf("message %d/%d damaged: %d bytes, want %d", sender, seq, len(m), len(want))
	}
	if info.PPID != uint32(sender) {
		return sender, seq, fmt.Errorf("message %d/%d has PPID %d", sender, seq, info.PPID)
	}
	return sender, seq, nil
}

func TestConcurrentSend(t *testing.T) {
	const senders, perSender = 16, 150
	backends(t, Options{}, func(t *testing.T, opts *Options) {
		c, s := pair(t, opts)
		var wg sync.WaitGroup
		errc := make(chan error, senders)
		for g := range senders {
			wg.Go(func() {
				for i := range perSender {
					if err := c.Send(concurrentMessage(g, i), SendInfo{PPID: uint32(g)}); err != nil {
						errc <- err
						return
					}
				}
			})
		}
		next := make([]int, senders)
		buf := make([]byte, 4096)
		for range senders * perSender {
			n, info, err := s.Recv(buf)
			if err != nil {
				t.Fatalf("Recv: %v", err)
			}
			g, seq, err := checkConcurrentMessage(buf[:n], info)
			if err != nil {
				t.Fatal(err)
			}
			if seq != next[g] {
				t.Fatalf("sender %d: message %d arrived, want %d (ordered stream)", g, seq, next[g])
			}
			next[g]++
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatal(err)
		}
	})
}

func TestConcurrentRecv(t *testing.T) {
	const senders, perSender, receivers = 4, 200, 4
	backends(t, Options{}, func(t *testing.T, opts *Options) {
		c, s := pair(t, opts)
		var wg sync.WaitGroup
		for g := range senders {
			wg.Go(func() {
				for i := range perSender {
					if err := c.Send(concurrentMessage(g, i), SendInfo{PPID: uint32(g)}); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		var mu sync.Mutex
		seen := make(map[[2]int]bool)
		var rg sync.WaitGroup
		for range receivers {
			rg.Go(func() {
				buf := make([]byte, 4096)
				for {
					n, info, err := s.Recv(buf)
					if err != nil {
						if err != io.EOF {
							t.Error(err)
						}
						return
					}
					g, seq, err := checkConcurrentMessage(buf[:n], info)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					if seen[[2]int{g, seq}] {
						t.Errorf("message %d/%d twice", g, seq)
					}
					seen[[2]int{g, seq}] = true
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		c.Close() // the receivers end on io.EOF after the last message
		rg.Wait()
		if len(seen) != senders*perSender {
			t.Errorf("%d messages received, want %d", len(seen), senders*perSender)
		}
	})
}

func TestCloseUnblocksRecv(t *testing.T) {
	backends(t, Options{}, func(t *testing.T, opts *Options) {
		_, s := pair(t, opts)
		done := make(chan error, 1)
		go func() {
			_, _, err := s.Recv(make([]byte, 10))
			done <- err
		}()
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := <-done; !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Recv after Close: %v, want net.ErrClosed", err)
		}
		if _, _, err := s.Recv(make([]byte, 10)); !errors.Is(err, net.ErrClosed) {
			t.Errorf("second Recv: %v", err)
		}
		if err := s.Send([]byte("x"), SendInfo{}); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Send after Close: %v", err)
		}
		if err := s.Close(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("second Close: %v", err)
		}
		if s.LocalAddrs() != nil || s.RemoteAddrs() != nil {
			t.Errorf("addresses after Close: %v %v", s.LocalAddrs(), s.RemoteAddrs())
		}
	})
}

func TestPeerCloseGivesEOF(t *testing.T) {
	backends(t, Options{}, func(t *testing.T, opts *Options) {
		c, s := pair(t, opts)
		for i := range 3 {
			if err := c.Send([]byte{byte(i)}, SendInfo{}); err != nil {
				t.Fatal(err)
			}
		}
		c.Close()
		for i := range 3 {
			if r := recvOne(t, s, 10); r.err != nil || !bytes.Equal(r.msg, []byte{byte(i)}) {
				t.Fatalf("message %d: %x %v", i, r.msg, r.err)
			}
		}
		for range 2 {
			if _, _, err := s.Recv(make([]byte, 10)); err != io.EOF {
				t.Fatalf("after the peer closed: %v, want io.EOF", err)
			}
		}
	})
}

func TestAddrs(t *testing.T) {
	backends(t, Options{}, func(t *testing.T, opts *Options) {
		c, s := pair(t, opts)
		cl, cr, sl, sr := c.LocalAddrs(), c.RemoteAddrs(), s.LocalAddrs(), s.RemoteAddrs()
		if len(cl) == 0 || len(sl) == 0 || !slices.Equal(cl, sr) || !slices.Equal(cr, sl) {
			t.Errorf("client %v -> %v, server %v <- %v", cl, cr, sl, sr)
		}
		for _, a := range slices.Concat(cl, cr) {
			if !a.Addr().Is4() || a.Port() == 0 {
				t.Errorf("address %v: want unmapped IPv4 with a port", a)
			}
		}
	})
}

func TestListenerClose(t *testing.T) {
	backends(t, Options{}, func(t *testing.T, opts *Options) {
		ln, err := Listen([]netip.AddrPort{loopback0}, opts)
		if err != nil {
			t.Fatal(err)
		}
		addrs := ln.Addrs()
		if len(addrs) != 1 || addrs[0].Port() == 0 || addrs[0].Addr() != loopback0.Addr() {
			t.Errorf("Addrs: %v", addrs)
		}
		acc := accept(ln)
		if err := ln.Close(); err != nil {
			t.Fatal(err)
		}
		if r := <-acc; !errors.Is(r.err, net.ErrClosed) {
			t.Fatalf("Accept during Close: %v, want net.ErrClosed", r.err)
		}
		if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Accept after Close: %v", err)
		}
		if err := ln.Close(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("second Close: %v", err)
		}
		if _, err := Dial(testContext(t), addrs, opts); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("Dial after Close: %v, want ECONNREFUSED", err)
		}
	})
}

// refusedAddr is a loopback address with nothing listening.
func refusedAddr(t *testing.T) netip.AddrPort {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := netip.MustParseAddrPort(ln.Addr().String())
	ln.Close()
	return a
}

func TestDialFallsThrough(t *testing.T) {
	backends(t, Options{}, func(t *testing.T, opts *Options) {
		ln := listen(t, []netip.AddrPort{loopback0}, opts)
		acc := accept(ln)
		bad := refusedAddr(t)
		c, err := Dial(testContext(t), []netip.AddrPort{bad, ln.Addrs()[0]}, opts)
		if err != nil {
			t.Fatalf("Dial(refused, listening): %v", err)
		}
		defer c.Close()
		r := <-acc
		if r.err != nil {
			t.Fatal(r.err)
		}
		defer r.a.Close()
		if err := c.Send([]byte("hello"), SendInfo{}); err != nil {
			t.Fatal(err)
		}
		if m := recvOne(t, r.a, 10); m.err != nil || string(m.msg) != "hello" {
			t.Fatalf("%q %v", m.msg, m.err)
		}
		if got := c.RemoteAddrs(); !slices.Contains(got, ln.Addrs()[0]) {
			t.Errorf("RemoteAddrs %v, want %v", got, ln.Addrs()[0])
		}

		_, err = Dial(testContext(t), []netip.AddrPort{bad, refusedAddr(t)}, opts)
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("Dial(refused, refused): %v, want ECONNREFUSED", err)
		}
	})
}

func TestDialCanceled(t *testing.T) {
	backends(t, Options{}, func(t *testing.T, opts *Options) {
		ln := listen(t, []netip.AddrPort{loopback0}, opts)
		ctx, cancel := contextWithCancel(t)
		cancel()
		if _, err := Dial(ctx, ln.Addrs(), opts); err == nil {
			t.Fatal("Dial with a canceled context succeeded")
		}
	})
}

func TestDialListenArguments(t *testing.T) {
	for _, addrs := range [][]netip.AddrPort{nil, {{}}, {netip.MustParseAddrPort("127.0.0.1:0")}, {netip.MustParseAddrPort("0.0.0.0:1")}} {
		if _, err := Dial(testContext(t), addrs, &Options{Backend: BackendTCP}); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("Dial(%v): %v, want EINVAL", addrs, err)
		}
	}
	if _, err := Listen(nil, &Options{Backend: BackendTCP}); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("Listen(nil): %v, want EINVAL", err)
	}
	for _, o := range []Options{{Backend: 9}, {Framing: 9}, {MaxMessageSize: -1}} {
		if _, err := Listen([]netip.AddrPort{loopback0}, &o); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("Listen with %+v: %v, want EINVAL", o, err)
		}
	}
}
