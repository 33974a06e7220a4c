package udpio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const pktSize = 1452 // wire.MaxPacketSize

func listen(t testing.TB, network, addr string) *Conn {
	t.Helper()
	c, err := Listen(network, addr)
	if err != nil {
		t.Skipf("Listen(%q, %q): %v", network, addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// payload builds datagram i of length n: a 4-byte index then a pattern.
func payload(i, n int) []byte {
	b := make([]byte, n)
	if n >= 4 {
		binary.BigEndian.PutUint32(b, uint32(i))
	}
	for k := 4; k < n; k++ {
		b[k] = byte(i*7 + k)
	}
	return b
}

func readBufs(n int) []Message {
	msgs := make([]Message, n)
	for i := range msgs {
		msgs[i].Buf = make([]byte, RecommendedReadBuffer)
	}
	return msgs
}

// readAll reads from r until want datagrams have arrived, splitting GRO
// reads, and returns them with their source addresses.
func readAll(t *testing.T, r *Conn, want int) ([][]byte, []netip.AddrPort, int) {
	t.Helper()
	msgs := readBufs(16)
	var got [][]byte
	var from []netip.AddrPort
	coalesced := 0
	for len(got) < want {
		n, err := r.ReadBatch(msgs)
		if err != nil {
			t.Fatalf("ReadBatch: %v", err)
		}
		if n <= 0 || n > len(msgs) {
			t.Fatalf("ReadBatch returned %d", n)
		}
		for i := 0; i < n; i++ {
			m := &msgs[i]
			if m.Segment > 0 {
				coalesced++
			}
			cnt := 0
			for d := range m.Datagrams {
				got = append(got, bytes.Clone(d))
				from = append(from, m.Addr)
				cnt++
			}
			if cnt != m.NumDatagrams() {
				t.Fatalf("Datagrams yielded %d, NumDatagrams %d", cnt, m.NumDatagrams())
			}
		}
	}
	if len(got) != want {
		t.Fatalf("got %d datagrams, want %d", len(got), want)
	}
	return got, from, coalesced
}

func checkDatagrams(t *testing.T, got [][]byte, out []Out) {
	t.Helper()
	for i := range out {
		if !bytes.Equal(got[i], out[i].Buf) {
			t.Fatalf("datagram %d: got %d bytes %x..., want %d bytes %x...", i,
				len(got[i]), got[i][:min(8, len(got[i]))], len(out[i].Buf), out[i].Buf[:min(8, len(out[i].Buf))])
		}
	}
}

func TestRoundTrip(t *testing.T) {
	cases := []struct {
		name           string
		snet, saddr    string // sender
		rnet, raddr    string // receiver
		dst            string // destination host for the receiver's port
		wantFromPrefix string
	}{
		{"ipv4", "udp4", "127.0.0.1:0", "udp4", "127.0.0.1:0", "127.0.0.1", "127.0.0.1"},
		{"ipv6", "udp6", "[::1]:0", "udp6", "[::1]:0", "::1", "::1"},
		{"dual-stack-recv-v4-peer", "udp4", "127.0.0.1:0", "udp", ":0", "127.0.0.1", "127.0.0.1"},
		{"dual-stack-send-v4-peer", "udp", ":0", "udp4", "127.0.0.1:0", "127.0.0.1", "127.0.0.1"},
	}
	sizes := []int{1, 2, 7, 63, 64, 65, 200}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := listen(t, tc.snet, tc.saddr)
			r := listen(t, tc.rnet, tc.raddr)
			dst := netip.AddrPortFrom(netip.MustParseAddr(tc.dst), r.LocalAddr().Port())
			for _, n := range sizes {
				out := make([]Out, n)
				for i := range out {
					// Mixed sizes: runs of equal sizes and odd lengths.
					l := pktSize
					switch {
					case i%17 == 16:
						l = 100 + i
					case i%31 == 30:
						l = 0
					}
					out[i] = Out{Buf: payload(i, l), Addr: dst}
				}
				sent, err := s.WriteBatch(out)
				if err != nil || sent != n {
					t.Fatalf("WriteBatch(%d) = %d, %v", n, sent, err)
				}
				got, from, _ := readAll(t, r, n)
				checkDatagrams(t, got, out)
				for _, a := range from {
					if a.Addr() != netip.MustParseAddr(tc.wantFromPrefix) || a.Port() != s.LocalAddr().Port() {
						t.Fatalf("source %v, want %s port %d", a, tc.wantFromPrefix, s.LocalAddr().Port())
					}
					if a.Addr().Is4In6() {
						t.Fatalf("source %v not unmapped", a)
					}
				}
			}
		})
	}
}

func TestV4SocketDestinations(t *testing.T) {
	// A v4 socket cannot send to a v6 destination: a clean error.
	s := listen(t, "udp4", "127.0.0.1:0")
	err := s.WriteTo([]byte("x"), netip.MustParseAddrPort("[::1]:9"))
	if err == nil {
		t.Fatal("IPv6 destination on IPv4 socket: no error")
	}
	// v4-mapped destinations are accepted on a v4 socket.
	r := listen(t, "udp4", "127.0.0.1:0")
	mapped := netip.AddrPortFrom(netip.AddrFrom16(r.LocalAddr().Addr().As16()), r.LocalAddr().Port())
	if err := s.WriteTo([]byte("hello"), mapped); err != nil {
		t.Fatal(err)
	}
	got, _, _ := readAll(t, r, 1)
	if string(got[0]) != "hello" {
		t.Fatalf("got %q", got[0])
	}
}

// TestGSOPlainReceiver sends many equal-size datagrams in one WriteBatch and
// receives them through a plain net.UDPConn (no GRO): the kernel must
// segment the GSO sends back into separate datagrams.
func TestGSOPlainReceiver(t *testing.T) {
	s := listen(t, "udp4", "127.0.0.1:0")
	t.Logf("GSO=%v GRO=%v", s.GSO(), s.GRO())
	if !s.GSO() {
		probe, err := kernelHasUDPSegment()
		if err == nil && probe {
			t.Fatal("kernel supports UDP_SEGMENT but GSO() is false")
		}
	}
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	pc.SetReadBuffer(8 << 20)
	dst := pc.LocalAddr().(*net.UDPAddr).AddrPort()

	const n = 200 // > MaxSegments, so several GSO runs
	out := make([]Out, n)
	for i := range out {
		l := pktSize
		if i == n-1 {
			l = 500 // shorter tail of the last run
		}
		out[i] = Out{Buf: payload(i, l), Addr: dst}
	}
	before := s.gsoSends.Load()
	sent, err := s.WriteBatch(out)
	if err != nil || sent != n {
		t.Fatalf("WriteBatch = %d, %v", sent, err)
	}
	gsoMsgs := s.gsoSends.Load() - before
	if s.GSO() {
		// 200 datagrams of 1452 bytes: runs of 44 (64 KiB limit) -> 5 messages.
		if want := uint64((n + 43) / 44); gsoMsgs != want {
			t.Fatalf("GSO messages sent = %d, want %d", gsoMsgs, want)
		}
	}
	buf := make([]byte, 65536)
	for i := 0; i < n; i++ {
		k, from, err := pc.ReadFromUDPAddrPort(buf)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf[:k], out[i].Buf) {
			t.Fatalf("datagram %d: got %d bytes, want %d", i, k, len(out[i].Buf))
		}
		if from.Port() != s.LocalAddr().Port() {
			t.Fatalf("from %v", from)
		}
	}
}

// kernelHasUDPSegment probes UDP_SEGMENT independently of Listen.
func kernelHasUDPSegment() (bool, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return false, err
	}
	defer unix.Close(fd)
	_, err = unix.GetsockoptInt(fd, unix.IPPROTO_UDP, unix.UDP_SEGMENT)
	return err == nil, nil
}

// TestGRO sends GSO runs to a GRO-enabled Conn: loopback delivers the GSO
// skb intact, so reads come back coalesced and must split correctly.
func TestGRO(t *testing.T) {
	for _, nw := range []struct{ net, addr string }{{"udp4", "127.0.0.1:0"}, {"udp6", "[::1]:0"}} {
		t.Run(nw.net, func(t *testing.T) {
			s := listen(t, nw.net, nw.addr)
			r := listen(t, nw.net, nw.addr)
			if !s.GSO() || !r.GRO() {
				t.Skipf("GSO=%v GRO=%v", s.GSO(), r.GRO())
			}
			const n = 150
			out := make([]Out, n)
			for i := range out {
				l := 1200
				if i == 99 {
					l = 77 // ends a run early
				}
				out[i] = Out{Buf: payload(i, l), Addr: r.LocalAddr()}
			}
			if sent, err := s.WriteBatch(out); err != nil || sent != n {
				t.Fatalf("WriteBatch = %d, %v", sent, err)
			}
			got, _, coalesced := readAll(t, r, n)
			checkDatagrams(t, got, out)
			if coalesced == 0 {
				t.Fatal("no GRO-coalesced read")
			}
			t.Logf("%d coalesced reads for %d datagrams", coalesced, n)
		})
	}
}

func TestDatagramsSplit(t *testing.T) {
	buf := []byte("aaabbbcccd")
	m := Message{Buf: buf, N: len(buf), Segment: 3}
	var parts []string
	for d := range m.Datagrams {
		parts = append(parts, string(d))
	}
	if len(parts) != 4 || parts[0] != "aaa" || parts[3] != "d" || m.NumDatagrams() != 4 {
		t.Fatalf("parts %q", parts)
	}
	m = Message{Buf: buf, N: 5}
	parts = parts[:0]
	for d := range m.Datagrams {
		parts = append(parts, string(d))
	}
	if len(parts) != 1 || parts[0] != "aaabb" {
		t.Fatalf("parts %q", parts)
	}
	// Early stop.
	m = Message{Buf: buf, N: len(buf), Segment: 2}
	cnt := 0
	for range m.Datagrams {
		cnt++
		break
	}
	if cnt != 1 {
		t.Fatal(cnt)
	}
}

func TestCloseUnblocksRead(t *testing.T) {
	c, err := Listen("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		msgs := readBufs(4)
		close(started)
		_, err := c.ReadBatch(msgs)
		done <- err
	}()
	<-started
	// Whether Close lands before or during the blocked read, the result
	// must be net.ErrClosed.
	c.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("ReadBatch after Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ReadBatch not unblocked by Close")
	}
	if _, err := c.WriteBatch([]Out{{Buf: []byte("x"), Addr: netip.MustParseAddrPort("127.0.0.1:9")}}); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("WriteBatch after Close: %v", err)
	}
}

// TestFullReceiverNoError: a tiny receiver that never reads. UDP on
// loopback drops at the receiver; the sender must not see errors.
func TestFullReceiverNoError(t *testing.T) {
	s := listen(t, "udp4", "127.0.0.1:0")
	rc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	rc.SetReadBuffer(1024)
	dst := rc.LocalAddr().(*net.UDPAddr).AddrPort()
	out := make([]Out, 64)
	for i := range out {
		out[i] = Out{Buf: payload(i, pktSize), Addr: dst}
	}
	for k := 0; k < 200; k++ {
		if n, err := s.WriteBatch(out); err != nil || n != len(out) {
			t.Fatalf("batch %d: WriteBatch = %d, %v", k, n, err)
		}
	}
}

// connectedPair returns a Conn over one end of a connected AF_UNIX datagram
// socketpair with a small buffer, and the other end. Unlike UDP on
// loopback, a unix datagram sender blocks (EAGAIN) when the peer's queue is
// full, which exercises WriteBatch's wait-for-writable path.
func connectedPair(t *testing.T) (*Conn, *net.UnixConn) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	unix.SetsockoptInt(fds[0], unix.SOL_SOCKET, unix.SO_SNDBUF, 4096)
	unix.SetsockoptInt(fds[1], unix.SOL_SOCKET, unix.SO_RCVBUF, 4096)
	mk := func(fd int) *net.UnixConn {
		f := os.NewFile(uintptr(fd), "unixgram")
		defer f.Close()
		fc, err := net.FileConn(f)
		if err != nil {
			t.Fatal(err)
		}
		return fc.(*net.UnixConn)
	}
	a, b := mk(fds[0]), mk(fds[1])
	raw, err := a.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	c := &Conn{raw: raw, closer: a, connected: true}
	c.init()
	t.Cleanup(func() { c.Close(); b.Close() })
	return c, b
}

func TestFullBufferBlocks(t *testing.T) {
	c, peer := connectedPair(t)
	const n = 2000
	out := make([]Out, n)
	for i := range out {
		out[i] = Out{Buf: payload(i, pktSize), Addr: netip.MustParseAddrPort("127.0.0.1:1")}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	var sent int
	var werr error
	go func() {
		defer wg.Done()
		sent, werr = c.WriteBatch(out)
	}()
	// The writer fills the peer queue and must block (not fail) until we
	// drain it. Reading everything proves no datagram was dropped.
	buf := make([]byte, 4096)
	for i := 0; i < n; i++ {
		k, err := peer.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf[:k], out[i].Buf) {
			t.Fatalf("datagram %d mismatch", i)
		}
	}
	wg.Wait()
	if werr != nil || sent != n {
		t.Fatalf("WriteBatch = %d, %v", sent, werr)
	}
	if c.writeWaits.Load() == 0 {
		t.Fatal("writer never waited for a full buffer")
	}
	t.Logf("writer parked %d times", c.writeWaits.Load())
}

func TestCloseUnblocksWrite(t *testing.T) {
	c, _ := connectedPair(t)
	// Fill the peer's queue first, so that the WriteBatch below cannot make
	// progress: whether Close lands before or while it is parked, it must
	// return net.ErrClosed rather than hang.
	var ferr error
	c.raw.Write(func(fd uintptr) bool {
		for {
			if _, ferr = unix.Write(int(fd), make([]byte, 100)); ferr != nil {
				return true
			}
		}
	})
	if ferr != unix.EAGAIN {
		t.Fatalf("filling queue: %v", ferr)
	}
	out := make([]Out, 5000)
	for i := range out {
		out[i] = Out{Buf: payload(i, pktSize), Addr: netip.MustParseAddrPort("127.0.0.1:1")}
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.WriteBatch(out) // the peer never reads: blocks
		done <- err
	}()
	c.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("WriteBatch after Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("WriteBatch not unblocked by Close")
	}
}

func TestZeroAllocs(t *testing.T) {
	s := listen(t, "udp4", "127.0.0.1:0")
	r := listen(t, "udp4", "127.0.0.1:0")
	out := make([]Out, 64)
	for i := range out {
		out[i] = Out{Buf: payload(i, pktSize), Addr: r.LocalAddr()}
	}
	msgs := readBufs(64)
	// Warm up (grows the internal arrays).
	if _, err := s.WriteBatch(out); err != nil {
		t.Fatal(err)
	}
	drain := func() {
		got := 0
		for got < len(out) {
			n, err := r.ReadBatch(msgs)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < n; i++ {
				got += msgs[i].NumDatagrams()
			}
		}
	}
	drain()
	wa := testing.AllocsPerRun(50, func() {
		if _, err := s.WriteBatch(out); err != nil {
			t.Fatal(err)
		}
		drain()
	})
	if wa != 0 {
		t.Fatalf("WriteBatch+ReadBatch: %v allocs per run", wa)
	}
	one := out[0].Buf
	wt := testing.AllocsPerRun(50, func() {
		if err := s.WriteTo(one, r.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		if _, err := r.ReadBatch(msgs[:1]); err != nil {
			t.Fatal(err)
		}
	})
	if wt != 0 {
		t.Fatalf("WriteTo+ReadBatch: %v allocs per run", wt)
	}
}

// benchPair sets up a sender and a receiver goroutine that drains with
// ReadBatch and counts datagrams; it returns the receiver's count function.
func benchPair(b *testing.B) (*Conn, netip.AddrPort, func() int) {
	s := listen(b, "udp4", "127.0.0.1:0")
	r := listen(b, "udp4", "127.0.0.1:0")
	var mu sync.Mutex
	count := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		msgs := readBufs(64)
		for {
			n, err := r.ReadBatch(msgs)
			if err != nil {
				return
			}
			k := 0
			for i := 0; i < n; i++ {
				k += msgs[i].NumDatagrams()
			}
			mu.Lock()
			count += k
			mu.Unlock()
		}
	}()
	b.Cleanup(func() { r.Close(); <-done })
	return s, r.LocalAddr(), func() int { mu.Lock(); defer mu.Unlock(); return count }
}

func report(b *testing.B, sentPkts int, received func() int) {
	el := b.Elapsed().Seconds()
	b.ReportMetric(float64(sentPkts)/el, "pkts/s")
	b.ReportMetric(float64(sentPkts)*pktSize*8/el/1e9, "Gbit/s")
	b.ReportMetric(float64(received())/float64(sentPkts)*100, "%recv")
	b.SetBytes(pktSize)
}

// BenchmarkWriteBatch64 sends 1452-byte datagrams 64 per WriteBatch (GSO
// when available). One op = one datagram.
func BenchmarkWriteBatch64(b *testing.B) {
	s, dst, received := benchPair(b)
	b.Logf("GSO=%v", s.GSO())
	out := make([]Out, 64)
	for i := range out {
		out[i] = Out{Buf: payload(i, pktSize), Addr: dst}
	}
	b.ReportAllocs()
	b.ResetTimer()
	sent := 0
	for sent < b.N {
		k := min(64, b.N-sent)
		n, err := s.WriteBatch(out[:k])
		if err != nil {
			b.Fatal(err)
		}
		sent += n
	}
	b.StopTimer()
	report(b, sent, received)
}

// BenchmarkWriteBatch64NoGSO: batches through sendmmsg, GSO off.
func BenchmarkWriteBatch64NoGSO(b *testing.B) {
	s, dst, received := benchPair(b)
	s.gso.Store(false)
	out := make([]Out, 64)
	for i := range out {
		out[i] = Out{Buf: payload(i, pktSize), Addr: dst}
	}
	b.ReportAllocs()
	b.ResetTimer()
	sent := 0
	for sent < b.N {
		k := min(64, b.N-sent)
		n, err := s.WriteBatch(out[:k])
		if err != nil {
			b.Fatal(err)
		}
		sent += n
	}
	b.StopTimer()
	report(b, sent, received)
}

// BenchmarkWriteTo sends 1452-byte datagrams one per call.
func BenchmarkWriteTo(b *testing.B) {
	s, dst, received := benchPair(b)
	buf := payload(1, pktSize)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.WriteTo(buf, dst); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	report(b, b.N, received)
}

// TestGSOFallback: a GSO send failing with EIO/EINVAL (route without
// offload) switches GSO off and the batch still arrives complete.
func TestGSOFallback(t *testing.T) {
	for _, errno := range []unix.Errno{unix.EIO, unix.EINVAL} {
		s := listen(t, "udp4", "127.0.0.1:0")
		r := listen(t, "udp4", "127.0.0.1:0")
		if !s.GSO() {
			t.Skip("no GSO")
		}
		const n = 100
		out := make([]Out, n)
		for i := range out {
			l := pktSize
			if i < 3 {
				l = 10 + i // three single-datagram messages before the first run
			}
			out[i] = Out{Buf: payload(i, l), Addr: r.LocalAddr()}
		}
		s.failGSO = errno
		sent, err := s.WriteBatch(out)
		if err != nil || sent != n {
			t.Fatalf("%v: WriteBatch = %d, %v", errno, sent, err)
		}
		if s.GSO() {
			t.Fatalf("%v: GSO still on", errno)
		}
		got, _, coalesced := readAll(t, r, n)
		checkDatagrams(t, got, out)
		if coalesced != 0 {
			t.Fatalf("%v: coalesced reads after GSO fallback", errno)
		}
	}
	// Other errors are returned, with the count of what went out.
	s := listen(t, "udp4", "127.0.0.1:0")
	r := listen(t, "udp4", "127.0.0.1:0")
	out := make([]Out, 10)
	for i := range out {
		l := pktSize
		if i < 2 {
			l = 5 + 2*i // 5, 7: two single-datagram messages
		}
		out[i] = Out{Buf: payload(i, l), Addr: r.LocalAddr()}
	}
	if !s.GSO() {
		return
	}
	s.failGSO = unix.EPERM
	sent, err := s.WriteBatch(out)
	if !errors.Is(err, unix.EPERM) || sent != 2 {
		t.Fatalf("WriteBatch = %d, %v; want 2, EPERM", sent, err)
	}
	if !s.GSO() {
		t.Fatal("GSO switched off by an unrelated error")
	}
}

// TestBadAddressMidBatch: a datagram whose address cannot be encoded stops
// the batch there; the prefix is sent.
func TestBadAddressMidBatch(t *testing.T) {
	s := listen(t, "udp4", "127.0.0.1:0")
	r := listen(t, "udp4", "127.0.0.1:0")
	out := []Out{
		{Buf: payload(0, 50), Addr: r.LocalAddr()},
		{Buf: payload(1, 50), Addr: r.LocalAddr()},
		{Buf: payload(2, 50), Addr: netip.MustParseAddrPort("[::1]:5")},
		{Buf: payload(3, 50), Addr: r.LocalAddr()},
	}
	sent, err := s.WriteBatch(out)
	if err == nil || sent != 2 {
		t.Fatalf("WriteBatch = %d, %v; want 2, error", sent, err)
	}
	got, _, _ := readAll(t, r, 2)
	checkDatagrams(t, got, out[:2])
}

// BenchmarkStdlibWriteTo is the baseline: net.UDPConn, one datagram per
// call, to the same draining receiver.
func BenchmarkStdlibWriteTo(b *testing.B) {
	_, dst, received := benchPair(b)
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer pc.Close()
	buf := payload(1, pktSize)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := pc.WriteToUDPAddrPort(buf, dst); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	report(b, b.N, received)
}

func TestSocketBuffers(t *testing.T) {
	c := listen(t, "udp", ":0")
	var rcv, snd int
	c.raw.Control(func(fd uintptr) {
		rcv, _ = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF)
		snd, _ = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF)
	})
	t.Logf("SO_RCVBUF=%d SO_SNDBUF=%d (kernel reports double the request)", rcv, snd)
	if unix.Geteuid() == 0 && (rcv < 2*SocketBufferSize || snd < 2*SocketBufferSize) {
		t.Fatalf("as root, buffers not forced to %d", SocketBufferSize)
	}
}

// A datagram to a closed port comes back as an ICMP error naming it.
func TestReadErrorsPortUnreachable(t *testing.T) {
	c, err := Listen("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// A port that was just closed is almost surely still closed.
	tmp, err := Listen("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := tmp.LocalAddr()
	tmp.Close()
	if err := c.WriteTo([]byte("anyone?"), dead); err != nil {
		t.Fatal(err)
	}
	msgs := []Message{{Buf: make([]byte, 2048)}}
	_, err = c.ReadBatch(msgs)
	if !IsICMPError(err) {
		t.Fatalf("ReadBatch after sending to a closed port: %v", err)
	}
	var got []Unreachable
	if err := c.ReadErrors(func(u Unreachable) { got = append(got, u) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Addr != dead || got[0].Errno != unix.ECONNREFUSED {
		t.Fatalf("errors %+v, want ECONNREFUSED from %v", got, dead)
	}
}
