package vm

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"netcompat/core/transport"
)

// TestKernelLargeMessages sends messages larger than the kernel's default
// socket buffers (net.core.[rw]mem_default, 212992 bytes on Debian) but
// within DefaultMaxMessageSize over kernel SCTP, with the receiver reading
// all along into a buffer that holds any of them. Each must arrive whole:
// transport.Assoc promises messages of 1 to MaxMessageSize bytes, and the
// TCP mapping delivers them. The kernel hands such a message out in pieces
// (SCTP partial delivery), which must not read as truncation.
//
// Unlike TestMessageBoundaries and TestTruncation in core/transport, which
// hang when the kernel backend fails them, every wait here is bounded.
func TestKernelLargeMessages(t *testing.T) {
	if err := transport.Probe(); err != nil {
		t.Skipf("kernel has no SCTP (%v): run tests/vm/run.sh", err)
	}
	for _, size := range []int{65536, 100000, 150000, 212992, 300000, transport.DefaultMaxMessageSize} {
		t.Run(fmt.Sprint(size), func(t *testing.T) { largeMessage(t, size) })
	}
}

// largeMessage sends one message of size bytes over a fresh association.
func largeMessage(t *testing.T, size int) {
	opts := &transport.Options{Backend: transport.BackendKernel}
	ln, err := transport.Listen([]netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")}, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	acc := make(chan transport.Assoc, 1)
	go func() {
		a, err := ln.Accept()
		if err != nil {
			t.Error(err)
		}
		acc <- a
	}()
	c, err := transport.Dial(ctx, ln.Addrs(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s := <-acc
	if s == nil {
		return
	}
	defer s.Close()

	buf := make([]byte, transport.DefaultMaxMessageSize)
	msg := make([]byte, size)
	for j := range msg {
		msg[j] = byte(j*7 + j>>8)
	}
	sent := make(chan error, 1)
	go func() { sent <- c.Send(msg, transport.SendInfo{Stream: 1, PPID: uint32(size)}) }()
	type result struct {
		n    int
		info transport.RecvInfo
		err  error
	}
	got := make(chan result, 1)
	go func() {
		n, info, err := s.Recv(buf)
		got <- result{n, info, err}
	}()
	var serr error
	var r result
	select {
	case serr = <-sent:
		if serr != nil {
			// Nothing comes; the Recv still waiting ends with the association.
			t.Fatalf("Send of %d bytes (MaxMessageSize %d): %v", size, transport.DefaultMaxMessageSize, serr)
		}
		select {
		case r = <-got:
		case <-time.After(10 * time.Second):
			t.Fatalf("%d bytes: sent, but nothing received in 10 s", size)
		}
	case r = <-got:
		select {
		case serr = <-sent:
		case <-time.After(10 * time.Second):
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%d bytes: neither Send nor Recv returned in 10 s", size)
	}
	desc := fmt.Sprintf("%d bytes into a %d-byte buffer: Send %v, Recv n=%d %+v %v", size, len(buf), serr, r.n, r.info, r.err)
	if r.err != nil || r.n != size || !bytes.Equal(buf[:r.n], msg) || r.info.PPID != uint32(size) {
		t.Fatalf("%s; want the whole message", desc)
	}
	t.Log(desc)
}
