package transport

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/netip"
	"slices"
	"syscall"
	"testing"

	"netcompat/core/cbridge"
)

// Tests of the TCP mapping against a peer that writes raw bytes.

func TestFramedWireFormat(t *testing.T) {
	a, raw := rawDial(t, &Options{Streams: 0xffff})
	if err := a.Send([]byte("abc"), SendInfo{Stream: 0x0102, PPID: 0x0a0b0c0d, Unordered: true}); err != nil {
		t.Fatal(err)
	}
	if err := a.Send([]byte{0xff}, SendInfo{Stream: 0xfffe, PPID: PPIDASAP}); err != nil {
		t.Fatal(err)
	}
	want := []byte{
		0xc1, 0x01, 0x01, 0x02, 0x0a, 0x0b, 0x0c, 0x0d, 0, 0, 0, 3, 'a', 'b', 'c',
		0xc1, 0x00, 0xff, 0xfe, 0, 0, 0, 11, 0, 0, 0, 1, 0xff,
	}
	got := make([]byte, len(want))
	if _, err := io.ReadFull(raw, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("on the wire:\n got %x\nwant %x", got, want)
	}
}

func TestBareWireFormat(t *testing.T) {
	a, raw := rawDial(t, &Options{Framing: FramingBare})
	msg := asapMessage(0x05, 40, 1)
	if err := a.Send(msg, SendInfo{}); err != nil {
		t.Fatal(err)
	}
	// One message, one write: on loopback one read returns it whole, with
	// nothing before it (no framing for tshark to trip over).
	got := make([]byte, 100)
	n, err := raw.Read(got)
	if err != nil || !bytes.Equal(got[:n], msg) {
		t.Errorf("on the wire: %x %v, want %x", got[:n], err, msg)
	}
}

func TestBareSendChecks(t *testing.T) {
	c, s := pair(t, &Options{Backend: BackendTCP, Framing: FramingBare})
	long := asapMessage(1, 12, 0)
	long[3]-- // header says 11 bytes
	for _, tc := range []struct {
		name string
		msg  []byte
		info SendInfo
		want error
	}{
		{"length mismatch", long, SendInfo{}, ErrBadMessage},
		{"shorter than a header", []byte{1, 0, 0}, SendInfo{}, ErrBadMessage},
		{"framed magic", asapMessage(0xc1, 8, 0), SendInfo{}, ErrBadMessage},
		{"stream 1", asapMessage(1, 8, 0), SendInfo{Stream: 1}, syscall.EINVAL},
		{"PPID 12 on ASAP", asapMessage(1, 8, 0), SendInfo{PPID: PPIDENRP}, syscall.EINVAL},
		{"over 64 KiB", make([]byte, 65536), SendInfo{}, ErrMessageTooLarge},
	} {
		if err := c.Send(tc.msg, tc.info); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	msg := asapMessage(1, 8, 0)
	if err := c.Send(msg, SendInfo{PPID: PPIDASAP}); err != nil {
		t.Fatal(err)
	}
	if r := recvOne(t, s, 100); r.err != nil || !bytes.Equal(r.msg, msg) || r.info != (RecvInfo{PPID: PPIDASAP}) {
		t.Fatalf("%x %+v %v", r.msg, r.info, r.err)
	}
}

func TestBareENRP(t *testing.T) {
	c, s := pair(t, &Options{Backend: BackendTCP, Framing: FramingBare, PPID: PPIDENRP})
	msg := asapMessage(0x01, 12, 3)
	if err := c.Send(msg, SendInfo{}); err != nil {
		t.Fatal(err)
	}
	if r := recvOne(t, s, 100); r.err != nil || r.info != (RecvInfo{PPID: PPIDENRP}) {
		t.Fatalf("%+v %v, want PPID 12", r.info, r.err)
	}
}

func TestPartialReads(t *testing.T) {
	msgs := [][]byte{asapMessage(1, 4, 0), asapMessage(2, 37, 1), asapMessage(3, 300, 2)}
	for _, framing := range []Framing{FramingFramed, FramingBare} {
		t.Run(framing.String(), func(t *testing.T) {
			raw, s := rawPair(t, &Options{Framing: framing})
			var stream []byte
			for i, m := range msgs {
				if framing == FramingFramed {
					stream = append(stream, frame(byte(i%2), uint16(i), uint32(100+i), m)...)
				} else {
					stream = append(stream, m...)
				}
			}
			errc := make(chan error, 1)
			go func() {
				raw.SetNoDelay(true)
				for i := range stream {
					if _, err := raw.Write(stream[i : i+1]); err != nil {
						errc <- err
						return
					}
				}
				errc <- nil
			}()
			for i, m := range msgs {
				r := recvOne(t, s, 1000)
				want := RecvInfo{Unordered: i%2 == 1, Stream: uint16(i), PPID: uint32(100 + i)}
				if framing == FramingBare {
					want = RecvInfo{PPID: PPIDASAP}
				}
				if r.err != nil || !bytes.Equal(r.msg, m) || r.info != want {
					t.Fatalf("message %d: %x %+v %v, want %x %+v", i, r.msg, r.info, r.err, m, want)
				}
			}
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
		})
	}
}

// expectClosedByUs checks that the association dropped the connection.
func expectClosedByUs(t *testing.T, raw *net.TCPConn) {
	t.Helper()
	_, err := io.Copy(io.Discard, raw)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("raw peer: %v, want EOF or reset", err)
	}
}

func TestOversizedFromPeer(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  Options
		bytes []byte
	}{
		{"framed", Options{MaxMessageSize: 1000}, frame(0, 0, 0, make([]byte, 1001))[:12]},
		{"framed 4 GiB", Options{}, []byte{0xc1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}},
		{"bare", Options{Framing: FramingBare, MaxMessageSize: 100}, asapMessage(1, 101, 0)[:4]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, s := rawPair(t, &tc.opts)
			if _, err := raw.Write(tc.bytes); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if _, _, err := s.Recv(make([]byte, 100)); !errors.Is(err, ErrMessageTooLarge) {
					t.Fatalf("Recv: %v, want ErrMessageTooLarge", err)
				}
			}
			expectClosedByUs(t, raw)
			if err := s.Close(); err != nil {
				t.Errorf("Close after a protocol error: %v", err)
			}
		})
	}
}

func TestProtocolErrorsFromPeer(t *testing.T) {
	for _, tc := range []struct {
		name    string
		framing Framing
		bytes   []byte
	}{
		{"not a frame", FramingFramed, []byte{0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 'x'}},
		{"bare message to framed", FramingFramed, asapMessage(1, 12, 0)},
		{"version 2", FramingFramed, []byte{0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 'x'}},
		{"reserved flag", FramingFramed, frame(0x02, 0, 0, []byte("x"))},
		{"empty frame", FramingFramed, frame(0, 0, 0, nil)},
		{"bare length 3", FramingBare, []byte{1, 0, 0, 3}},
		{"bare length 0", FramingBare, []byte{1, 0, 0, 0}},
		{"frame to bare", FramingBare, frame(0, 0, 11, asapMessage(1, 8, 0))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, s := rawPair(t, &Options{Framing: tc.framing})
			if _, err := raw.Write(tc.bytes); err != nil {
				t.Fatal(err)
			}
			_, _, err := s.Recv(make([]byte, 100))
			if !errors.Is(err, ErrProtocol) {
				t.Fatalf("Recv: %v, want ErrProtocol", err)
			}
			t.Log(err)
			expectClosedByUs(t, raw)
			if _, _, err2 := s.Recv(make([]byte, 100)); err2 != err {
				t.Errorf("second Recv: %v, want the same error", err2)
			}
		})
	}
}

func TestFramingMismatch(t *testing.T) {
	ln := listen(t, []netip.AddrPort{loopback0}, &Options{Backend: BackendTCP, Framing: FramingBare})
	acc := accept(ln)
	c, err := Dial(testContext(t), ln.Addrs(), &Options{Backend: BackendTCP})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := <-acc
	if r.err != nil {
		t.Fatal(r.err)
	}
	defer r.a.Close()
	c.Send(asapMessage(1, 8, 0), SendInfo{PPID: PPIDASAP})
	if _, _, err := r.a.Recv(make([]byte, 100)); !errors.Is(err, ErrProtocol) {
		t.Fatalf("bare end receiving a frame: %v, want ErrProtocol", err)
	}
}

func TestPeerClosesMidMessage(t *testing.T) {
	for _, tc := range []struct {
		name    string
		framing Framing
		bytes   []byte
	}{
		{"framed header", FramingFramed, frame(0, 0, 0, []byte("hello"))[:5]},
		{"framed payload", FramingFramed, frame(0, 0, 0, []byte("hello"))[:14]},
		{"bare header", FramingBare, asapMessage(1, 8, 0)[:2]},
		{"bare value", FramingBare, asapMessage(1, 8, 0)[:6]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, s := rawPair(t, &Options{Framing: tc.framing})
			raw.Write(tc.bytes)
			raw.Close()
			_, _, err := s.Recv(make([]byte, 100))
			if !errors.Is(err, ErrAssociationLost) || !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("Recv: %v, want ErrAssociationLost wrapping io.ErrUnexpectedEOF", err)
			}
		})
	}
}

func TestPeerReset(t *testing.T) {
	raw, s := rawPair(t, &Options{})
	raw.SetLinger(0)
	raw.Close() // RST
	_, _, err := s.Recv(make([]byte, 100))
	if !errors.Is(err, ErrAssociationLost) || !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("Recv: %v, want ErrAssociationLost wrapping ECONNRESET", err)
	}
	if cbridge.Errno(err) != syscall.ECONNRESET {
		t.Errorf("errno %v", cbridge.Errno(err))
	}
	if err := s.Send([]byte("x"), SendInfo{}); !errors.Is(err, ErrAssociationLost) {
		t.Fatalf("Send: %v, want ErrAssociationLost", err)
	}
}

func TestListenMultiAddress(t *testing.T) {
	addrs := []netip.AddrPort{loopback0, netip.MustParseAddrPort("127.0.0.2:0")}
	ln := listen(t, addrs, &Options{Backend: BackendTCP})
	got := ln.Addrs()
	if len(got) != 2 || got[0].Port() == 0 || got[0].Port() != got[1].Port() ||
		got[0].Addr() != addrs[0].Addr() || got[1].Addr() != addrs[1].Addr() {
		t.Fatalf("Addrs %v: want both addresses on one port", got)
	}
	for _, a := range got {
		acc := accept(ln)
		c, err := Dial(testContext(t), []netip.AddrPort{a}, &Options{Backend: BackendTCP})
		if err != nil {
			t.Fatalf("Dial(%v): %v", a, err)
		}
		r := <-acc
		if r.err != nil {
			t.Fatal(r.err)
		}
		if l := r.a.LocalAddrs(); !slices.Equal(l, []netip.AddrPort{a}) {
			t.Errorf("accepted on %v, dialled %v", l, a)
		}
		c.Close()
		r.a.Close()
	}
}

func TestErrnos(t *testing.T) {
	for err, want := range map[error]syscall.Errno{
		ErrTruncated:              syscall.EMSGSIZE,
		ErrMessageTooLarge:        syscall.EMSGSIZE,
		ErrEmptyMessage:           syscall.EINVAL,
		ErrBadMessage:             syscall.EINVAL,
		ErrProtocol:               syscall.EPROTO,
		ErrAssociationLost:        syscall.ECONNRESET,
		ErrNoKernelSCTP:           syscall.EPROTONOSUPPORT,
		errClosed:                 syscall.EBADF,
		lost(io.ErrUnexpectedEOF): syscall.ECONNRESET,
	} {
		if got := cbridge.Errno(err); got != want {
			t.Errorf("%v: errno %v, want %v", err, got, want)
		}
	}
	if !errors.Is(errClosed, net.ErrClosed) {
		t.Error("errClosed is not net.ErrClosed")
	}
}

func sockopts(t *testing.T, a Assoc) (keepalive, idle, intvl, cnt, nodelay, cloexec int) {
	t.Helper()
	rc, err := a.(*tcpAssoc).conn.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	rc.Control(func(fd uintptr) {
		get := func(level, opt int) int {
			v, err := syscall.GetsockoptInt(int(fd), level, opt)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		keepalive = get(syscall.SOL_SOCKET, syscall.SO_KEEPALIVE)
		idle = get(syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE)
		intvl = get(syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL)
		cnt = get(syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT)
		nodelay = get(syscall.IPPROTO_TCP, syscall.TCP_NODELAY)
		flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFD, 0)
		if errno != 0 {
			t.Fatal(errno)
		}
		cloexec = int(flags & syscall.FD_CLOEXEC)
	})
	return
}

func TestTCPSocketOptions(t *testing.T) {
	c, s := pair(t, &Options{Backend: BackendTCP})
	for name, a := range map[string]Assoc{"dialled": c, "accepted": s} {
		ka, idle, intvl, cnt, nodelay, cloexec := sockopts(t, a)
		if ka != 1 || idle != 15 || intvl != 5 || cnt != 4 || nodelay != 1 || cloexec != 1 {
			t.Errorf("%s: keepalive %d idle %d interval %d count %d nodelay %d cloexec %d", name, ka, idle, intvl, cnt, nodelay, cloexec)
		}
	}
	c, s = pair(t, &Options{Backend: BackendTCP, KeepAlive: &net.KeepAliveConfig{}})
	for name, a := range map[string]Assoc{"dialled": c, "accepted": s} {
		if ka, _, _, _, _, _ := sockopts(t, a); ka != 0 {
			t.Errorf("%s: keep-alive on although disabled", name)
		}
	}
}
