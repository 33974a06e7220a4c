package transport

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"
)

var loopback0 = netip.MustParseAddrPort("127.0.0.1:0")

// requireKernelSCTP skips a test on machines without kernel SCTP, as the
// build machines are; the VM tests run them.
func requireKernelSCTP(t testing.TB) {
	t.Helper()
	if err := Probe(); err != nil {
		t.Skipf("kernel has no SCTP (%s); run the VM tests", errnoName(err))
	}
}

// backends runs f for every backend with opts' other fields; the kernel one
// skips without kernel SCTP.
func backends(t *testing.T, opts Options, f func(t *testing.T, opts *Options)) {
	for _, b := range []Backend{BackendTCP, BackendKernel} {
		t.Run(b.String(), func(t *testing.T) {
			if b == BackendKernel {
				requireKernelSCTP(t)
			}
			o := opts
			o.Backend = b
			f(t, &o)
		})
	}
}

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func listen(t testing.TB, addrs []netip.AddrPort, opts *Options) Listener {
	t.Helper()
	ln, err := Listen(addrs, opts)
	if err != nil {
		t.Fatalf("Listen(%v): %v", addrs, err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// accept runs Accept in the background.
func accept(ln Listener) <-chan acceptedAssoc {
	ch := make(chan acceptedAssoc, 1)
	go func() {
		a, err := ln.Accept()
		ch <- acceptedAssoc{a, err}
	}()
	return ch
}

type acceptedAssoc struct {
	a   Assoc
	err error
}

// pair returns the two ends of a fresh association on loopback.
func pair(t testing.TB, opts *Options) (client, server Assoc) {
	t.Helper()
	ln := listen(t, []netip.AddrPort{loopback0}, opts)
	acc := accept(ln)
	c, err := Dial(testContext(t), ln.Addrs(), opts)
	if err != nil {
		t.Fatalf("Dial(%v): %v", ln.Addrs(), err)
	}
	t.Cleanup(func() { c.Close() })
	r := <-acc
	if r.err != nil {
		t.Fatalf("Accept: %v", r.err)
	}
	t.Cleanup(func() { r.a.Close() })
	return c, r.a
}

// rawPair returns an association accepted from a plain TCP connection, to
// play a peer that writes whatever bytes a test wants.
func rawPair(t testing.TB, opts *Options) (raw *net.TCPConn, server Assoc) {
	t.Helper()
	o := *opts
	o.Backend = BackendTCP
	ln := listen(t, []netip.AddrPort{loopback0}, &o)
	acc := accept(ln)
	c, err := net.Dial("tcp", ln.Addrs()[0].String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	r := <-acc
	if r.err != nil {
		t.Fatalf("Accept: %v", r.err)
	}
	t.Cleanup(func() { r.a.Close() })
	return c.(*net.TCPConn), r.a
}

// rawDial returns an association dialled to a plain TCP listener, and the
// connection the listener accepted.
func rawDial(t testing.TB, opts *Options) (client Assoc, raw *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	o := *opts
	o.Backend = BackendTCP
	a, err := Dial(testContext(t), []netip.AddrPort{netip.MustParseAddrPort(ln.Addr().String())}, &o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return a, c.(*net.TCPConn)
}

// asapMessage builds a well-formed bare message of size bytes (at least 4)
// whose value bytes follow a pattern derived from seed.
func asapMessage(typ byte, size int, seed int) []byte {
	m := pattern(size, seed)
	m[0], m[1] = typ, 0
	binary.BigEndian.PutUint16(m[2:], uint16(size))
	return m
}

// pattern returns size bytes that depend on seed and position.
func pattern(size, seed int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i*7 + seed*13 + i>>8)
	}
	return b
}

// frame builds a framed message by hand, independent of putFrameHeader.
func frame(flags byte, stream uint16, ppid uint32, payload []byte) []byte {
	b := []byte{0xc1, flags, byte(stream >> 8), byte(stream), byte(ppid >> 24), byte(ppid >> 16), byte(ppid >> 8), byte(ppid)}
	b = binary.BigEndian.AppendUint32(b, uint32(len(payload)))
	return append(b, payload...)
}

// recvd is one received message.
type recvd struct {
	msg  []byte
	info RecvInfo
	err  error
}

func recvOne(t testing.TB, a Assoc, size int) recvd {
	t.Helper()
	buf := make([]byte, size)
	n, info, err := a.Recv(buf)
	return recvd{buf[:n], info, err}
}

func contextWithCancel(t testing.TB) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return ctx, cancel
}
