// Package udpio is WebTP's datagram I/O layer: a UDP socket with batched
// reads and writes (recvmmsg/sendmmsg) and, where the kernel supports them,
// UDP generic segmentation offload on send (UDP_SEGMENT, "GSO") and generic
// receive offload on receive (UDP_GRO).
//
// One system call per packet costs roughly 7 CPU-seconds per gigabyte; a
// user-space transport is only fast when many datagrams cross the
// user/kernel boundary per call. Conn does that without allocating in
// steady state: the mmsghdr, iovec, sockaddr and control-message arrays are
// kept inside the Conn and grown to the largest batch seen.
//
// Blocking goes through Go's netpoller (syscall.RawConn), so a blocked
// ReadBatch or WriteBatch does not hold an OS thread and is unblocked by
// Close with net.ErrClosed.
//
// Concurrency: ReadBatch may be used by one goroutine at a time, and
// WriteBatch/WriteTo by one goroutine at a time; one reader and one writer
// may run concurrently. Close, LocalAddr, GSO and GRO are safe from any
// goroutine.
//
// Linux only.
package udpio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

const (
	// SocketBufferSize is the SO_RCVBUF/SO_SNDBUF size Listen asks for.
	SocketBufferSize = 8 << 20

	// MaxSegments is the most datagrams coalesced into one GSO send
	// (the kernel's UDP_MAX_SEGMENTS).
	MaxSegments = 64

	// maxGSOBytes bounds the payload of one GSO send: the largest UDP
	// payload of an IPv4 datagram (65535 - 20 - 8).
	maxGSOBytes = 65507

	// RecommendedReadBuffer is the read buffer capacity recommended when GRO
	// is on: a GRO read can return up to 64 KiB of coalesced datagrams.
	RecommendedReadBuffer = 64 << 10
)

// sizeofSockaddr is the sockaddr storage kept per message: large enough for
// sockaddr_in6 (which is larger than sockaddr_in).
const sizeofSockaddr = unix.SizeofSockaddrInet6

var (
	cmsgSpaceInt = unix.CmsgSpace(4) // UDP_GRO: int
	cmsgSpaceU16 = unix.CmsgSpace(2) // UDP_SEGMENT: u16
)

// Message is one received datagram, or with GRO several coalesced datagrams
// of equal size (the last may be shorter).
//
// For reads, Buf is a caller-owned buffer; its full capacity is offered to
// the kernel. With GRO on, give it a capacity of at least
// RecommendedReadBuffer: a coalesced read larger than the buffer is
// truncated by the kernel, losing the tail datagrams. After ReadBatch, N is
// the byte count, Addr the source (v4-mapped addresses unmapped) and
// Segment the GRO segment size, or 0 when Buf[:N] is one datagram.
type Message struct {
	Buf     []byte
	N       int
	Addr    netip.AddrPort
	Segment int
}

// Datagrams calls yield with each datagram of m (one, or several when the
// read was GRO-coalesced), stopping early if yield returns false. It can be
// used with range: for d := range m.Datagrams { ... }.
func (m *Message) Datagrams(yield func([]byte) bool) {
	b := m.Buf[:m.N]
	seg := m.Segment
	if seg <= 0 || seg >= len(b) {
		yield(b)
		return
	}
	for len(b) > 0 {
		n := min(seg, len(b))
		if !yield(b[:n:n]) {
			return
		}
		b = b[n:]
	}
}

// NumDatagrams reports how many datagrams m holds.
func (m *Message) NumDatagrams() int {
	if m.Segment <= 0 || m.Segment >= m.N {
		return 1
	}
	return (m.N + m.Segment - 1) / m.Segment
}

// Out is one datagram to send.
type Out struct {
	Buf  []byte
	Addr netip.AddrPort
}

// Conn is a UDP socket with batched I/O.
type Conn struct {
	raw    syscall.RawConn
	closer io.Closer
	local  netip.AddrPort
	v6     bool // socket family is AF_INET6
	// connected is for tests on connected sockets: no msg_name on send.
	connected bool

	gso    atomic.Bool
	gro    bool
	closed atomic.Bool

	r readState
	w writeState

	// gsoSends counts sendmmsg messages that carried a UDP_SEGMENT cmsg
	// (for tests).
	gsoSends atomic.Uint64
	// writeWaits counts sendmmsg EAGAINs that parked the writer (for tests).
	writeWaits atomic.Uint64
	// failGSO, if set, is returned once by the next GSO send instead of
	// calling the kernel (tests of the fallback).
	failGSO syscall.Errno
}

type readState struct {
	hdrs  []unix.Mmsghdr
	iovs  []unix.Iovec
	names []byte // sizeofSockaddr per message
	cmsgs []byte // cmsgSpaceInt per message
	zones map[uint32]string

	// per call results (avoid closure allocations)
	n     int
	errno syscall.Errno
	fn    func(fd uintptr) bool
}

type writeState struct {
	hdrs   []unix.Mmsghdr
	iovs   []unix.Iovec
	names  []byte // sizeofSockaddr per message
	cmsgs  []byte // cmsgSpaceU16 per message
	counts []int  // datagrams per message
	zones  map[string]uint32

	// per call state
	nmsgs int // messages built
	next  int // next message to send
	errno syscall.Errno
	fn    func(fd uintptr) bool
}

// Listen opens a UDP socket. network is "udp", "udp4" or "udp6" and address
// is as for net.ListenPacket (":0" for a kernel-chosen port; a "udp"
// socket on a wildcard address is dual-stack and talks to IPv4 peers
// through v4-mapped addresses). The socket is close-on-exec, its buffers
// are set to 8 MiB (forcibly beyond the sysctl limits when privileged),
// UDP_GRO is enabled when the kernel supports it and UDP_SEGMENT support is
// probed.
func Listen(network, address string) (*Conn, error) {
	switch network {
	case "udp", "udp4", "udp6":
	default:
		return nil, fmt.Errorf("udpio: unsupported network %q", network)
	}
	lc := net.ListenConfig{
		Control: func(_, _ string, rc syscall.RawConn) error {
			var serr error
			if err := rc.Control(func(fd uintptr) {
				serr = setBuffers(int(fd))
			}); err != nil {
				return err
			}
			return serr
		},
	}
	pc, err := lc.ListenPacket(context.Background(), network, address)
	if err != nil {
		return nil, err
	}
	uc := pc.(*net.UDPConn)
	rc, err := uc.SyscallConn()
	if err != nil {
		uc.Close()
		return nil, err
	}
	c := &Conn{raw: rc, closer: uc}
	var cerr error
	err = rc.Control(func(fd uintptr) {
		sa, err := unix.Getsockname(int(fd))
		if err != nil {
			cerr = err
			return
		}
		_, c.v6 = sa.(*unix.SockaddrInet6)
		// GRO: accept coalesced datagrams with a UDP_GRO cmsg.
		if unix.SetsockoptInt(int(fd), unix.IPPROTO_UDP, unix.UDP_GRO, 1) == nil {
			c.gro = true
		}
		// ICMP errors (port unreachable above all) are queued on the
		// socket with the destination they concern; without this an
		// unconnected UDP socket never hears of them.
		if c.v6 {
			_ = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_RECVERR, 1)
		}
		_ = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_RECVERR, 1)
		// GSO: the option exists iff the kernel supports UDP_SEGMENT.
		if _, err := unix.GetsockoptInt(int(fd), unix.IPPROTO_UDP, unix.UDP_SEGMENT); err == nil {
			c.gso.Store(true)
		}
	})
	if err == nil {
		err = cerr
	}
	if err != nil {
		uc.Close()
		return nil, err
	}
	if la, ok := uc.LocalAddr().(*net.UDPAddr); ok {
		ap := la.AddrPort()
		c.local = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	c.init()
	return c, nil
}

func (c *Conn) init() {
	c.r.fn = c.recvFn
	c.w.fn = c.sendFn
}

func setBuffers(fd int) error {
	for _, o := range [][2]int{
		{unix.SO_RCVBUFFORCE, unix.SO_RCVBUF},
		{unix.SO_SNDBUFFORCE, unix.SO_SNDBUF},
	} {
		if unix.SetsockoptInt(fd, unix.SOL_SOCKET, o[0], SocketBufferSize) != nil {
			// Not privileged: the plain option, capped by net.core.*mem_max.
			_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, o[1], SocketBufferSize)
		}
	}
	return nil
}

// LocalAddr returns the local address (v4-mapped addresses unmapped).
func (c *Conn) LocalAddr() netip.AddrPort { return c.local }

// GSO reports whether sends are coalesced with UDP_SEGMENT. It turns false
// for good if a GSO send fails because the route cannot offload it.
func (c *Conn) GSO() bool { return c.gso.Load() }

// GRO reports whether UDP_GRO is enabled on the socket, i.e. whether reads
// may return coalesced datagrams (Message.Segment > 0).
func (c *Conn) GRO() bool { return c.gro }

// Close closes the socket, unblocking ReadBatch and WriteBatch, which then
// return net.ErrClosed.
func (c *Conn) Close() error {
	c.closed.Store(true)
	return c.closer.Close()
}

func (c *Conn) mapErr(err error) error {
	if errors.Is(err, net.ErrClosed) || c.closed.Load() {
		return net.ErrClosed
	}
	return err
}

// ---- reading ----

func (rs *readState) grow(n int) {
	if len(rs.hdrs) >= n {
		return
	}
	rs.hdrs = make([]unix.Mmsghdr, n)
	rs.iovs = make([]unix.Iovec, n)
	rs.names = make([]byte, n*sizeofSockaddr)
	rs.cmsgs = make([]byte, n*cmsgSpaceInt)
}

// ReadBatch blocks until at least one datagram is available, then fills up
// to len(msgs) messages and returns how many it filled. See Message for
// buffer requirements. A message whose Buf has zero capacity receives a
// zero-length (truncated) read. After Close it returns net.ErrClosed.
func (c *Conn) ReadBatch(msgs []Message) (int, error) {
	if len(msgs) == 0 {
		return 0, nil
	}
	if c.closed.Load() {
		return 0, net.ErrClosed
	}
	rs := &c.r
	rs.grow(len(msgs))
	n := len(msgs)
	for i := 0; i < n; i++ {
		h := &rs.hdrs[i].Hdr
		b := msgs[i].Buf[:cap(msgs[i].Buf)]
		iov := &rs.iovs[i]
		if len(b) > 0 {
			iov.Base = &b[0]
		} else {
			iov.Base = nil
		}
		iov.SetLen(len(b))
		h.Name = &rs.names[i*sizeofSockaddr]
		h.Namelen = sizeofSockaddr
		h.Iov = iov
		h.SetIovlen(1)
		if c.gro {
			h.Control = &rs.cmsgs[i*cmsgSpaceInt]
			h.SetControllen(cmsgSpaceInt)
		} else {
			h.Control = nil
			h.SetControllen(0)
		}
		h.Flags = 0
		rs.hdrs[i].Len = 0
	}
	rs.n = n
	rs.errno = 0
	err := c.raw.Read(rs.fn)
	got := 0
	if err == nil && rs.errno != 0 {
		err = rs.errno
	}
	if err == nil {
		got = rs.n
		for i := 0; i < got; i++ {
			c.fillMessage(&msgs[i], i)
		}
	}
	// Drop references to caller buffers.
	for i := 0; i < n; i++ {
		rs.iovs[i].Base = nil
	}
	if err != nil {
		return 0, c.mapErr(err)
	}
	return got, nil
}

// recvFn is the RawConn.Read callback; it is a method value stored once so
// that ReadBatch does not allocate a closure per call.
func (c *Conn) recvFn(fd uintptr) bool {
	rs := &c.r
	for {
		r, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd,
			uintptr(unsafe.Pointer(&rs.hdrs[0])), uintptr(rs.n),
			unix.MSG_DONTWAIT, 0, 0)
		switch e {
		case 0:
			rs.n = int(r)
			return true
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		default:
			rs.errno = e
			return true
		}
	}
}

func (c *Conn) fillMessage(m *Message, i int) {
	rs := &c.r
	mh := &rs.hdrs[i]
	m.N = int(mh.Len)
	m.Segment = 0
	if c.gro {
		m.Segment = groSegment(rs.cmsgs[i*cmsgSpaceInt:i*cmsgSpaceInt+int(mh.Hdr.Controllen)], m.N)
	}
	m.Addr = c.parseName(rs.names[i*sizeofSockaddr:(i+1)*sizeofSockaddr], int(mh.Hdr.Namelen))
}

// groSegment finds a UDP_GRO cmsg in b and returns the segment size if the
// read holds more than one datagram.
func groSegment(b []byte, n int) int {
	for len(b) >= unix.SizeofCmsghdr {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&b[0]))
		l := int(h.Len)
		if l < unix.SizeofCmsghdr || l > len(b) {
			return 0
		}
		if h.Level == unix.IPPROTO_UDP && h.Type == unix.UDP_GRO && l >= unix.CmsgLen(4) {
			seg := int(*(*int32)(unsafe.Pointer(&b[unix.CmsgLen(0)])))
			if seg > 0 && seg < n {
				return seg
			}
			return 0
		}
		sp := unix.CmsgSpace(l - unix.CmsgLen(0))
		if sp > len(b) {
			return 0
		}
		b = b[sp:]
	}
	return 0
}

func (c *Conn) parseName(b []byte, namelen int) netip.AddrPort {
	if namelen < 2 {
		return netip.AddrPort{}
	}
	fam := *(*uint16)(unsafe.Pointer(&b[0]))
	switch fam {
	case unix.AF_INET:
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(&b[0]))
		port := uint16(b[2])<<8 | uint16(b[3])
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), port)
	case unix.AF_INET6:
		sa := (*unix.RawSockaddrInet6)(unsafe.Pointer(&b[0]))
		port := uint16(b[2])<<8 | uint16(b[3])
		a := netip.AddrFrom16(sa.Addr)
		if a.Is4In6() {
			return netip.AddrPortFrom(a.Unmap(), port)
		}
		if sa.Scope_id != 0 {
			a = a.WithZone(c.r.zoneName(sa.Scope_id))
		}
		return netip.AddrPortFrom(a, port)
	}
	return netip.AddrPort{}
}

func (rs *readState) zoneName(idx uint32) string {
	if z, ok := rs.zones[idx]; ok {
		return z
	}
	z := strconv.FormatUint(uint64(idx), 10)
	if ifi, err := net.InterfaceByIndex(int(idx)); err == nil {
		z = ifi.Name
	}
	if rs.zones == nil {
		rs.zones = make(map[uint32]string)
	}
	rs.zones[idx] = z
	return z
}

// ---- writing ----

func (ws *writeState) grow(n int) {
	if len(ws.hdrs) >= n {
		return
	}
	ws.hdrs = make([]unix.Mmsghdr, n)
	ws.iovs = make([]unix.Iovec, n)
	ws.names = make([]byte, n*sizeofSockaddr)
	ws.cmsgs = make([]byte, n*cmsgSpaceU16)
	ws.counts = make([]int, n)
}

func (ws *writeState) zoneIndex(z string) (uint32, error) {
	if idx, ok := ws.zones[z]; ok {
		return idx, nil
	}
	var idx uint32
	if n, err := strconv.ParseUint(z, 10, 32); err == nil {
		idx = uint32(n)
	} else {
		ifi, err := net.InterfaceByName(z)
		if err != nil {
			return 0, err
		}
		idx = uint32(ifi.Index)
	}
	if ws.zones == nil {
		ws.zones = make(map[string]uint32)
	}
	ws.zones[z] = idx
	return idx, nil
}

// putName writes addr as a sockaddr of the socket's family into b and
// returns its length.
func (c *Conn) putName(b []byte, addr netip.AddrPort) (int, error) {
	a := addr.Addr()
	port := addr.Port()
	if !a.IsValid() {
		return 0, errors.New("udpio: invalid destination address")
	}
	if c.v6 {
		sa := (*unix.RawSockaddrInet6)(unsafe.Pointer(&b[0]))
		*sa = unix.RawSockaddrInet6{Family: unix.AF_INET6}
		b[2], b[3] = byte(port>>8), byte(port)
		sa.Addr = a.As16() // maps IPv4 to ::ffff:a.b.c.d
		if z := a.Zone(); z != "" {
			idx, err := c.w.zoneIndex(z)
			if err != nil {
				return 0, err
			}
			sa.Scope_id = idx
		}
		return unix.SizeofSockaddrInet6, nil
	}
	a = a.Unmap()
	if !a.Is4() {
		return 0, fmt.Errorf("udpio: IPv6 destination %v on an IPv4 socket", a)
	}
	sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(&b[0]))
	*sa = unix.RawSockaddrInet4{Family: unix.AF_INET}
	b[2], b[3] = byte(port>>8), byte(port)
	sa.Addr = a.As4()
	return unix.SizeofSockaddrInet4, nil
}

// build fills the message array for out, coalescing runs into GSO
// messages when gso is set. It returns the first datagram index whose
// address could not be encoded (len(out) if none) and that error.
func (c *Conn) build(out []Out, gso bool) (int, error) {
	ws := &c.w
	ws.grow(len(out))
	ws.nmsgs = 0
	ws.next = 0
	i := 0
	for i < len(out) {
		m := ws.nmsgs
		name := ws.names[m*sizeofSockaddr : (m+1)*sizeofSockaddr]
		nl, err := c.putName(name, out[i].Addr)
		if err != nil {
			return i, err
		}
		// Extent of the run starting at i.
		j := i + 1
		if gso {
			seg := len(out[i].Buf)
			total := seg
			if seg > 0 {
				for j < len(out) && j-i < MaxSegments && out[j].Addr == out[i].Addr {
					l := len(out[j].Buf)
					if l > seg || l == 0 || total+l > maxGSOBytes {
						break
					}
					total += l
					j++
					if l < seg {
						break // a shorter datagram ends the run
					}
				}
			}
		}
		h := &ws.hdrs[m].Hdr
		ws.hdrs[m].Len = 0
		if c.connected {
			h.Name = nil
			h.Namelen = 0
		} else {
			h.Name = &name[0]
			h.Namelen = uint32(nl)
		}
		for k := i; k < j; k++ {
			iov := &ws.iovs[k]
			if b := out[k].Buf; len(b) > 0 {
				iov.Base = &b[0]
			} else {
				iov.Base = nil
			}
			iov.SetLen(len(out[k].Buf))
		}
		h.Iov = &ws.iovs[i]
		h.SetIovlen(j - i)
		h.Flags = 0
		if j-i > 1 {
			cm := ws.cmsgs[m*cmsgSpaceU16 : (m+1)*cmsgSpaceU16]
			ch := (*unix.Cmsghdr)(unsafe.Pointer(&cm[0]))
			ch.Level = unix.IPPROTO_UDP
			ch.Type = unix.UDP_SEGMENT
			ch.SetLen(unix.CmsgLen(2))
			*(*uint16)(unsafe.Pointer(&cm[unix.CmsgLen(0)])) = uint16(len(out[i].Buf))
			h.Control = &cm[0]
			h.SetControllen(cmsgSpaceU16)
		} else {
			h.Control = nil
			h.SetControllen(0)
		}
		ws.counts[m] = j - i
		ws.nmsgs++
		i = j
	}
	return len(out), nil
}

// WriteBatch sends out in order. With GSO, consecutive datagrams to the
// same address and of equal size (the last of a run may be shorter) are
// coalesced into one UDP_SEGMENT send of up to 64 segments and 64 KiB; all
// messages go out through sendmmsg. When the socket send buffer is full it
// blocks (through the netpoller) rather than fail. It returns the number of
// datagrams sent, which is len(out) unless err != nil; on a hard error it
// stops at the first datagram (or GSO run) that failed. If a GSO send fails
// with EIO or EINVAL (the route cannot offload segmentation), GSO is
// switched off for the Conn and the rest is resent without it.
func (c *Conn) WriteBatch(out []Out) (int, error) {
	sent := 0
	for sent < len(out) {
		if c.closed.Load() {
			return sent, net.ErrClosed
		}
		gso := c.gso.Load()
		rest := out[sent:]
		end, berr := c.build(rest, gso)
		if end == 0 {
			c.clearWrite(len(rest))
			return sent, berr
		}
		ws := &c.w
		ws.errno = 0
		err := c.raw.Write(ws.fn)
		if err == nil && ws.errno != 0 {
			err = ws.errno
		}
		// Count what went out.
		for m := 0; m < ws.next; m++ {
			sent += ws.counts[m]
		}
		failedGSO := ws.next < ws.nmsgs && ws.counts[ws.next] > 1
		c.clearWrite(len(rest))
		if err != nil {
			if failedGSO && (err == unix.EIO || err == unix.EINVAL) {
				c.gso.Store(false)
				continue // rebuild the rest without GSO
			}
			return sent, c.mapErr(err)
		}
		if berr != nil {
			// The datagram after this prefix has a bad address.
			return sent, berr
		}
	}
	return sent, nil
}

func (c *Conn) clearWrite(n int) {
	for i := 0; i < n && i < len(c.w.iovs); i++ {
		c.w.iovs[i].Base = nil
	}
}

// sendFn is the RawConn.Write callback.
func (c *Conn) sendFn(fd uintptr) bool {
	ws := &c.w
	for ws.next < ws.nmsgs {
		end := ws.nmsgs
		if c.failGSO != 0 {
			if ws.counts[ws.next] > 1 {
				ws.errno, c.failGSO = c.failGSO, 0
				return true
			}
			for k := ws.next; k < end; k++ {
				if ws.counts[k] > 1 {
					end = k
					break
				}
			}
		}
		r, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd,
			uintptr(unsafe.Pointer(&ws.hdrs[ws.next])), uintptr(end-ws.next),
			unix.MSG_DONTWAIT, 0, 0)
		switch e {
		case 0:
			for m := ws.next; m < ws.next+int(r); m++ {
				if ws.counts[m] > 1 {
					c.gsoSends.Add(1)
				}
			}
			ws.next += int(r)
		case unix.EINTR:
		case unix.EAGAIN:
			c.writeWaits.Add(1)
			return false
		default:
			ws.errno = e
			return true
		}
	}
	return true
}

// WriteTo sends one datagram to addr.
func (c *Conn) WriteTo(b []byte, addr netip.AddrPort) error {
	var o [1]Out
	o[0] = Out{Buf: b, Addr: addr}
	_, err := c.WriteBatch(o[:])
	return err
}
