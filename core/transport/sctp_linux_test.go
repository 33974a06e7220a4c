//go:build linux && !386

package transport

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"slices"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/ishidawataru/sctp"
)

// Kernel SCTP tests. Those that need the kernel skip without it (the build
// machines have none: "kernel has no SCTP (EPROTONOSUPPORT); run the VM
// tests"); the helpers' tests at the top run everywhere. The backend-neutral
// tests in assoc_test.go also run against the kernel backend.

func TestGroupByPort(t *testing.T) {
	a := func(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }
	got := groupByPort([]netip.AddrPort{a("10.0.0.1:1"), a("10.0.0.2:2"), a("[::1]:1"), a("10.0.0.3:2")})
	want := [][]netip.AddrPort{{a("10.0.0.1:1"), a("[::1]:1")}, {a("10.0.0.2:2"), a("10.0.0.3:2")}}
	if len(got) != len(want) || !slices.Equal(got[0], want[0]) || !slices.Equal(got[1], want[1]) {
		t.Errorf("%v, want %v", got, want)
	}
}

func TestSCTPAddrConversion(t *testing.T) {
	in := []netip.AddrPort{
		netip.MustParseAddrPort("192.0.2.1:3863"),
		netip.MustParseAddrPort("[::ffff:192.0.2.2]:3863"),
		netip.MustParseAddrPort("[2001:db8::1]:3863"),
	}
	sa := sctpAddr(in)
	if sa.Port != 3863 || len(sa.IPAddrs) != 3 || len(sa.IPAddrs[1].IP) != 4 || len(sa.IPAddrs[2].IP) != 16 {
		t.Fatalf("%+v", sa)
	}
	out := fromSCTPAddr(sa)
	want := []netip.AddrPort{in[0], netip.MustParseAddrPort("192.0.2.2:3863"), in[2]}
	if !slices.Equal(out, want) {
		t.Errorf("%v, want %v", out, want)
	}
	if f := sctpFamily(in[:2]); f != syscall.AF_INET {
		t.Errorf("family of IPv4 addresses: %d", f)
	}
	if f := sctpFamily(in); f != syscall.AF_INET6 {
		t.Errorf("family with an IPv6 address: %d", f)
	}
}

// sndrcvCmsg builds the SCTP_SNDRCV control message the kernel delivers:
// sinfo_ppid as it came off the wire, the rest in host order.
func sndrcvCmsg(stream, flags uint16, ppidOnWire [4]byte) []byte {
	b := make([]byte, syscall.CmsgSpace(sndRcvInfoLen))
	h := (*syscall.Cmsghdr)(unsafe.Pointer(&b[0]))
	h.Level = syscall.IPPROTO_SCTP
	h.Type = sctp.SCTP_CMSG_SNDRCV
	h.SetLen(syscall.CmsgLen(sndRcvInfoLen))
	d := b[syscall.CmsgLen(0):]
	binary.NativeEndian.PutUint16(d[0:], stream)
	binary.NativeEndian.PutUint16(d[2:], 77) // ssn
	binary.NativeEndian.PutUint16(d[4:], flags)
	copy(d[8:], ppidOnWire[:])
	return b
}

func TestParseSndRcvInfo(t *testing.T) {
	got := parseSndRcvInfo(sndrcvCmsg(5, sctp.SCTP_UNORDERED, [4]byte{0, 0, 0, 11}))
	if want := (RecvInfo{Stream: 5, PPID: PPIDASAP, Unordered: true}); got != want {
		t.Errorf("%+v, want %+v", got, want)
	}
	if got := parseSndRcvInfo(sndrcvCmsg(1, 0, [4]byte{0x01, 0x02, 0x03, 0x04})); got.PPID != 0x01020304 || got.Unordered {
		t.Errorf("%+v, want PPID 0x01020304", got)
	}
	if got := parseSndRcvInfo(nil); got != (RecvInfo{}) {
		t.Errorf("no control message: %+v", got)
	}
}

func TestSCTPNotification(t *testing.T) {
	assocChange := func(state uint16) []byte {
		b := make([]byte, 20)
		binary.NativeEndian.PutUint16(b[0:], uint16(sctp.SCTP_ASSOC_CHANGE))
		binary.NativeEndian.PutUint32(b[4:], 20)
		binary.NativeEndian.PutUint16(b[8:], state)
		return b
	}
	shutdown := make([]byte, 12)
	binary.NativeEndian.PutUint16(shutdown, uint16(sctp.SCTP_SHUTDOWN_EVENT))
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"COMM_UP", assocChange(uint16(sctp.SCTP_COMM_UP)), nil},
		{"RESTART", assocChange(uint16(sctp.SCTP_RESTART)), nil},
		{"COMM_LOST", assocChange(uint16(sctp.SCTP_COMM_LOST)), ErrAssociationLost},
		{"CANT_STR_ASSOC", assocChange(uint16(sctp.SCTP_CANT_STR_ASSOC)), ErrAssociationLost},
		{"SHUTDOWN_COMP", assocChange(uint16(sctp.SCTP_SHUTDOWN_COMP)), io.EOF},
		{"SHUTDOWN_EVENT", shutdown, io.EOF},
		{"short", []byte{1, 0x80}, nil},
	} {
		if err := sctpNotification(tc.b); !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

// From here on, kernel SCTP is needed.

// TestKernelPPIDOnWire captures the DATA chunk with a raw socket: the PPID
// must be in network byte order on the wire (11 is 00 00 00 0b), which
// proves the library's htonl is applied once, not twice or never.
func TestKernelPPIDOnWire(t *testing.T) {
	requireKernelSCTP(t)
	rfd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, syscall.IPPROTO_SCTP)
	if err != nil {
		t.Skipf("raw SCTP socket: %v (needs CAP_NET_RAW)", err)
	}
	defer syscall.Close(rfd)
	tv := syscall.NsecToTimeval(int64(5 * time.Second))
	syscall.SetsockoptTimeval(rfd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv)

	c, s := pair(t, &Options{Backend: BackendKernel})
	payload := []byte("netcompat PPID probe")
	if err := c.Send(payload, SendInfo{Stream: 1, PPID: PPIDASAP}); err != nil {
		t.Fatal(err)
	}
	if r := recvOne(t, s, 100); r.err != nil || r.info != (RecvInfo{Stream: 1, PPID: PPIDASAP}) {
		t.Fatalf("Recv: %+v %v", r.info, r.err)
	}
	buf := make([]byte, 65536)
	for {
		n, _, err := syscall.Recvfrom(rfd, buf, 0)
		if err != nil {
			t.Fatalf("no DATA chunk captured: %v", err)
		}
		pkt := buf[:n]
		if len(pkt) < 20 {
			continue
		}
		pkt = pkt[int(pkt[0]&0x0f)*4:] // IPv4 header
		if len(pkt) < 12 {
			continue
		}
		for chunks := pkt[12:]; len(chunks) >= 4; { // after the common header
			typ, l := chunks[0], int(binary.BigEndian.Uint16(chunks[2:]))
			if l < 4 || l > len(chunks) {
				break
			}
			if typ == 0 && l >= 16 && bytes.Equal(chunks[16:l], payload) {
				if ppid := chunks[12:16]; !bytes.Equal(ppid, []byte{0, 0, 0, 11}) {
					t.Fatalf("PPID on the wire %x, want 0000000b", ppid)
				}
				if stream := binary.BigEndian.Uint16(chunks[8:]); stream != 1 {
					t.Fatalf("stream on the wire %d, want 1", stream)
				}
				return
			}
			chunks = chunks[min(len(chunks), (l+3)&^3):]
		}
	}
}

// TestKernelLibraryInterop talks to a peer that uses ishidawataru/sctp
// directly, as other SCTP software on the host would.
func TestKernelLibraryInterop(t *testing.T) {
	requireKernelSCTP(t)
	ln := listen(t, []netip.AddrPort{loopback0}, &Options{Backend: BackendKernel})
	acc := accept(ln)
	raddr, err := sctp.ResolveSCTPAddr("sctp", ln.Addrs()[0].String())
	if err != nil {
		t.Fatal(err)
	}
	peer, err := sctp.DialSCTP("sctp", nil, raddr)
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	if err := peer.SubscribeEvents(sctp.SCTP_EVENT_DATA_IO); err != nil {
		t.Fatal(err)
	}
	r := <-acc
	if r.err != nil {
		t.Fatal(r.err)
	}
	defer r.a.Close()

	if _, err := peer.SCTPWrite([]byte("from the library"), &sctp.SndRcvInfo{Stream: 2, PPID: 33, Flags: sctp.SCTP_UNORDERED}); err != nil {
		t.Fatal(err)
	}
	if m := recvOne(t, r.a, 100); m.err != nil || string(m.msg) != "from the library" || m.info != (RecvInfo{Stream: 2, PPID: 33, Unordered: true}) {
		t.Fatalf("%q %+v %v", m.msg, m.info, m.err)
	}
	if err := r.a.Send([]byte("to the library"), SendInfo{Stream: 3, PPID: 34}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	n, info, err := peer.SCTPRead(buf)
	if err != nil || string(buf[:n]) != "to the library" || info == nil || info.Stream != 3 || info.PPID != 34 {
		t.Fatalf("library read %q %+v %v", buf[:n], info, err)
	}
}

func TestKernelMultiHomed(t *testing.T) {
	requireKernelSCTP(t)
	addrs := []netip.AddrPort{loopback0, netip.MustParseAddrPort("127.0.0.2:0")}
	ln := listen(t, addrs, &Options{Backend: BackendKernel})
	bound := ln.Addrs()
	if len(bound) != 2 || bound[0].Port() == 0 || bound[0].Port() != bound[1].Port() {
		t.Fatalf("Addrs %v: want two addresses on one port", bound)
	}
	acc := accept(ln)
	c, err := Dial(testContext(t), bound, &Options{Backend: BackendKernel})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := <-acc
	if r.err != nil {
		t.Fatal(r.err)
	}
	defer r.a.Close()
	remote := c.RemoteAddrs()
	for _, a := range bound {
		if !slices.Contains(remote, a) {
			t.Errorf("RemoteAddrs %v lacks %v", remote, a)
		}
	}
	if _, err := Listen([]netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:40001"), netip.MustParseAddrPort("127.0.0.2:40002")}, &Options{Backend: BackendKernel}); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("Listen on two ports: %v, want EINVAL", err)
	}
}

func TestKernelPeerAbort(t *testing.T) {
	requireKernelSCTP(t)
	c, s := pair(t, &Options{Backend: BackendKernel})
	c.(*sctpAssoc).rc.Control(func(fd uintptr) {
		syscall.SetsockoptLinger(int(fd), syscall.SOL_SOCKET, syscall.SO_LINGER, &syscall.Linger{Onoff: 1, Linger: 0})
	})
	c.Close() // ABORT
	_, _, err := s.Recv(make([]byte, 100))
	if !errors.Is(err, ErrAssociationLost) {
		t.Fatalf("Recv after the peer aborted: %v, want ErrAssociationLost", err)
	}
	if err := s.Send([]byte("x"), SendInfo{}); err == nil {
		t.Error("Send after the peer aborted succeeded")
	}
}

func TestKernelStreamsNegotiated(t *testing.T) {
	requireKernelSCTP(t)
	// The peer grants 4 inbound streams: stream 5 is refused by the kernel
	// even though Options.Streams allows it here.
	ln := listen(t, []netip.AddrPort{loopback0}, &Options{Backend: BackendKernel, Streams: 4})
	acc := accept(ln)
	c, err := Dial(testContext(t), ln.Addrs(), &Options{Backend: BackendKernel, Streams: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := <-acc
	if r.err != nil {
		t.Fatal(r.err)
	}
	defer r.a.Close()
	if err := c.Send([]byte("x"), SendInfo{Stream: 3}); err != nil {
		t.Fatalf("stream 3 of 4: %v", err)
	}
	if err := c.Send([]byte("x"), SendInfo{Stream: 5}); err == nil {
		t.Error("stream 5 of 4 accepted")
	}
}

func TestKernelSocketOptions(t *testing.T) {
	requireKernelSCTP(t)
	c, s := pair(t, &Options{Backend: BackendKernel})
	for name, a := range map[string]Assoc{"dialled": c, "accepted": s} {
		a.(*sctpAssoc).rc.Control(func(fd uintptr) {
			ev, err := sctp.NewSCTPConn(int(fd), nil).SubscribedEvents()
			if err != nil || ev&sctpEvents != sctpEvents {
				t.Errorf("%s: events %#x %v, want %#x", name, ev, err, sctpEvents)
			}
			if v, err := syscall.GetsockoptInt(int(fd), solSCTP, sctp.SCTP_NODELAY); err != nil || v != 1 {
				t.Errorf("%s: SCTP_NODELAY %d %v", name, v, err)
			}
			flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFD, 0)
			if errno != 0 || flags&syscall.FD_CLOEXEC == 0 {
				t.Errorf("%s: not close-on-exec (%#x %v)", name, flags, errno)
			}
		})
	}
}

// A server dials from its own listening endpoint (Options.Local, as the
// registrar does for ENRP): the association's local port is the
// listener's, and the listener still accepts associations, among them one
// from the endpoint it dialed.
func TestKernelDialFromListeningEndpoint(t *testing.T) {
	requireKernelSCTP(t)
	a := listen(t, []netip.AddrPort{loopback0}, &Options{Backend: BackendKernel, ReusePort: true})
	b := listen(t, []netip.AddrPort{netip.MustParseAddrPort("127.0.0.2:0")}, &Options{Backend: BackendKernel, ReusePort: true})
	accB := accept(b)
	c, err := Dial(testContext(t), b.Addrs(), &Options{Backend: BackendKernel, Local: a.Addrs()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := c.LocalAddrs(); len(got) == 0 || got[0].Port() != a.Addrs()[0].Port() {
		t.Fatalf("local %v, want the listener's port %v", got, a.Addrs())
	}
	r := <-accB
	if r.err != nil {
		t.Fatal(r.err)
	}
	defer r.a.Close()
	if got := r.a.RemoteAddrs(); len(got) == 0 || got[0] != a.Addrs()[0] {
		t.Errorf("B sees the association from %v, want %v", got, a.Addrs())
	}
	roundTrip(t, c, r.a)
	// A still accepts: a plain client, then B's endpoint dialing back.
	for _, opts := range []*Options{{Backend: BackendKernel}, {Backend: BackendKernel, Local: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.3:0")}}} {
		accA := accept(a)
		d, err := Dial(testContext(t), a.Addrs(), opts)
		if err != nil {
			t.Fatal(err)
		}
		r := <-accA
		if r.err != nil {
			t.Fatal(r.err)
		}
		roundTrip(t, d, r.a)
		d.Close()
		r.a.Close()
	}
}

func roundTrip(t *testing.T, x, y Assoc) {
	t.Helper()
	if err := x.Send([]byte("ping"), SendInfo{}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	n, _, err := y.Recv(buf)
	if err != nil || string(buf[:n]) != "ping" {
		t.Fatalf("Recv %q %v", buf[:n], err)
	}
}
