package main

// WebTP sockets (include/webtp.h), over core/webtp. The front
// (capi/front/webtp.c) owns the descriptors' C side and answers what it
// can alone; these exports make sockets, connect, listen, accept and the
// transport's options. Data never crosses here: every socket is the C end
// of an AF_UNIX SOCK_STREAM socketpair whose Go end a core/webtp/stream
// pump joins to the *webtp.Conn. A listening socket's socketpair carries
// one octet per connection waiting for accept. Sockets are keyed by the C
// descriptor's number.

/*
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#define WEBTP_NO_REDIRECT
#include "webtp.h"
#include "nc_abi.h"
*/
import "C"

import (
	"context"
	"errors"
	"math"
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"netcompat/core/netlog"
	"netcompat/core/webtp"
	"netcompat/core/webtp/sched"
	"netcompat/core/webtp/stream"
)

// The transport's defaults (webtp.Config), reported before a connection
// exists.
const (
	wtDefaultSendBuffer    = 32 << 20
	wtDefaultReceiveWindow = 16<<20 + 64<<10
)

type wtSock struct {
	cfd    int
	f      *os.File // the Go end until a pump owns it
	family int
	nodup  bool

	mu         sync.Mutex
	bound      netip.AddrPort
	hasBound   bool
	class      string
	sndbuf     int // 0: default
	rcvbuf     int
	conn       *webtp.Conn
	pump       *stream.Pump
	connected  bool
	connecting bool
	closed     bool
	soErr      syscall.Errno

	// Listening sockets.
	ln      *webtp.Listener
	lnStop  context.CancelFunc
	lnSlots chan struct{} // backlog
	lnQueue []*wtSock
	lnRC    syscall.RawConn
}

var wtSocks struct {
	mu sync.Mutex
	m  map[int]*wtSock
}

func wtGet(fd C.int) (*wtSock, error) {
	wtSocks.mu.Lock()
	defer wtSocks.mu.Unlock()
	if s := wtSocks.m[int(fd)]; s != nil {
		return s, nil
	}
	return nil, syscall.EBADF
}

func wtPut(s *wtSock) {
	wtSocks.mu.Lock()
	if wtSocks.m == nil {
		wtSocks.m = make(map[int]*wtSock)
	}
	wtSocks.m[s.cfd] = s
	wtSocks.mu.Unlock()
}

// wtErrno maps transport errors to the errno values webtp.h documents.
func wtErrno(err error) C.int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, webtp.ErrRefused):
		return C.int(syscall.ECONNREFUSED)
	case errors.Is(err, webtp.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return C.int(syscall.ETIMEDOUT)
	case errors.Is(err, webtp.ErrUnknownClass):
		return C.int(syscall.EINVAL)
	case errors.Is(err, webtp.ErrRateUnavailable), errors.Is(err, sched.ErrRateUnavailable):
		return C.int(syscall.ENOSPC)
	case errors.Is(err, webtp.ErrReset):
		return C.int(syscall.ECONNRESET)
	case errors.Is(err, webtp.ErrClosed):
		return C.int(syscall.EPIPE)
	case errors.Is(err, webtp.ErrTooLarge):
		return C.int(syscall.ENOBUFS)
	case errors.Is(err, webtp.ErrADUTooLong):
		return C.int(syscall.EMSGSIZE)
	}
	var e syscall.Errno
	if errors.As(err, &e) && e != 0 {
		return C.int(e)
	}
	var ae *net.AddrError
	if errors.As(err, &ae) {
		return C.int(syscall.EINVAL)
	}
	return C.int(syscall.EIO)
}

// wtFail stores err's errno and returns -1.
func wtFail(errp *C.int, err error) C.int {
	if errp != nil {
		*errp = wtErrno(err)
	}
	return -1
}

func wtRecover(rc *C.int, errp *C.int) {
	if v := recover(); v != nil {
		reportPanic(v)
		*rc = -1
		if errp != nil {
			*errp = C.int(syscall.EIO)
		}
	}
}

func wtAddrIn(a *C.struct_nc_webtp_addr) (netip.AddrPort, error) {
	if a == nil {
		return netip.AddrPort{}, syscall.EFAULT
	}
	var ip netip.Addr
	switch a.family {
	case C.AF_INET:
		ip = netip.AddrFrom4(*(*[4]byte)(unsafe.Pointer(&a.addr[0])))
	case C.AF_INET6:
		ip = netip.AddrFrom16(*(*[16]byte)(unsafe.Pointer(&a.addr[0])))
		if a.scope_id != 0 {
			ip = ip.WithZone(zoneName(int(a.scope_id)))
		}
	default:
		return netip.AddrPort{}, syscall.EAFNOSUPPORT
	}
	return netip.AddrPortFrom(ip, uint16(a.port)), nil
}

func zoneName(idx int) string {
	if ifi, err := net.InterfaceByIndex(idx); err == nil {
		return ifi.Name
	}
	return ""
}

func wtAddrOut(ap netip.AddrPort, family int, a *C.struct_nc_webtp_addr) {
	*a = C.struct_nc_webtp_addr{}
	ip := ap.Addr()
	if family == C.AF_INET6 || !ip.Unmap().Is4() {
		a.family = C.AF_INET6
		b := ip.As16()
		C.memcpy(unsafe.Pointer(&a.addr[0]), unsafe.Pointer(&b[0]), 16)
		if z := ip.Zone(); z != "" {
			if ifi, err := net.InterfaceByName(z); err == nil {
				a.scope_id = C.uint(ifi.Index)
			}
		}
	} else {
		a.family = C.AF_INET
		b := ip.Unmap().As4()
		C.memcpy(unsafe.Pointer(&a.addr[0]), unsafe.Pointer(&b[0]), 4)
	}
	a.port = C.ushort(ap.Port())
}

func udpAddrPort(a net.Addr) netip.AddrPort {
	if u, ok := a.(*net.UDPAddr); ok && u != nil {
		return u.AddrPort()
	}
	return netip.AddrPort{}
}

func (s *wtSock) network() string {
	if s.family == C.AF_INET6 {
		return "udp6"
	}
	return "udp4"
}

//export nc_webtp_socket
func nc_webtp_socket(domain C.int, nodup C.int, sndbuf *C.int, errp *C.int) (rc C.int) {
	defer wtRecover(&rc, errp)
	cfd, f, err := stream.Socketpair()
	if err != nil {
		return wtFail(errp, err)
	}
	s := &wtSock{cfd: cfd, f: f, family: int(domain), nodup: nodup != 0}
	wtPut(s)
	if sndbuf != nil {
		*sndbuf = wtDefaultSendBuffer
	}
	return C.int(cfd)
}

//export nc_webtp_bind
func nc_webtp_bind(fd C.int, a *C.struct_nc_webtp_addr, errp *C.int) (rc C.int) {
	defer wtRecover(&rc, errp)
	s, err := wtGet(fd)
	if err != nil {
		return wtFail(errp, err)
	}
	ap, err := wtAddrIn(a)
	if err != nil {
		return wtFail(errp, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hasBound || s.connected || s.connecting || s.ln != nil {
		return wtFail(errp, syscall.EINVAL)
	}
	// Check the address now, as bind(2) would: a UDP socket on it must be
	// possible (it is opened for real by listen or connect).
	if ap.Port() != 0 || !ap.Addr().IsUnspecified() {
		pc, err := net.ListenUDP(s.network(), net.UDPAddrFromAddrPort(ap))
		if err != nil {
			return wtFail(errp, err)
		}
		if ap.Port() == 0 {
			ap = netip.AddrPortFrom(ap.Addr(), udpAddrPort(pc.LocalAddr()).Port())
		}
		pc.Close()
	}
	s.bound, s.hasBound = ap, true
	return 0
}

// wtTransport adapts a *webtp.Conn to stream.Transport.
type wtTransport struct{ c *webtp.Conn }

func (t wtTransport) Send(data []byte, flags byte) error { return t.c.Send(data, flags) }
func (t wtTransport) Close() error                       { return t.c.Close() }
func (t wtTransport) Abort()                             { t.c.Abort() }
func (t wtTransport) Receive(ctx context.Context) (stream.ADU, error) {
	a, err := t.c.Receive(ctx)
	return stream.ADU{Data: a.Data, Flags: a.Flags, Lost: a.Lost}, err
}

// start joins the connection to the socketpair. s.mu held.
func (s *wtSock) start(conn *webtp.Conn) error {
	if s.sndbuf > 0 {
		conn.SetSendBuffer(s.sndbuf)
	}
	if s.rcvbuf > 0 {
		conn.SetReceiveWindow(s.rcvbuf)
	}
	p, err := stream.New(s.f, wtTransport{conn})
	if err != nil {
		return err
	}
	p.OnSendError = func(err error) bool {
		if errors.Is(err, webtp.ErrTooLarge) {
			netlog.Printf("webtp: fd %d: ADU larger than the send buffer dropped", s.cfd)
			return true
		}
		return false
	}
	p.OnError = func(err error) {
		netlog.Printf("webtp: fd %d: connection failed: %v", s.cfd, err)
		s.mu.Lock()
		if errors.Is(err, webtp.ErrTimeout) {
			s.soErr = syscall.ETIMEDOUT
		} else {
			s.soErr = syscall.ECONNRESET
		}
		s.mu.Unlock()
	}
	s.f = nil
	s.conn, s.pump, s.connected = conn, p, true
	p.Start()
	return nil
}

//export nc_webtp_connect
func nc_webtp_connect(fd C.int, a *C.struct_nc_webtp_addr, sndbuf *C.int, errp *C.int) (rc C.int) {
	defer wtRecover(&rc, errp)
	s, err := wtGet(fd)
	if err != nil {
		return wtFail(errp, err)
	}
	ap, err := wtAddrIn(a)
	if err != nil {
		return wtFail(errp, err)
	}
	s.mu.Lock()
	switch {
	case s.connected:
		s.mu.Unlock()
		return wtFail(errp, syscall.EISCONN)
	case s.connecting:
		s.mu.Unlock()
		return wtFail(errp, syscall.EALREADY)
	case s.ln != nil:
		s.mu.Unlock()
		return wtFail(errp, syscall.EINVAL)
	}
	if ap.Addr().IsUnspecified() {
		// As for TCP, "any" means this host.
		if s.family == C.AF_INET6 {
			ap = netip.AddrPortFrom(netip.IPv6Loopback(), ap.Port())
		} else {
			ap = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), ap.Port())
		}
	}
	opt := &webtp.DialOptions{NoDup: s.nodup, Class: s.class}
	if s.hasBound {
		opt.LocalAddr = net.UDPAddrFromAddrPort(s.bound)
	}
	s.connecting = true
	s.mu.Unlock()

	conn, err := webtp.Dial(context.Background(), s.network(), ap.String(), opt)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.connecting = false
	if err != nil {
		return wtFail(errp, err)
	}
	if s.closed { // closed meanwhile
		conn.Close()
		s.f.Close()
		s.f = nil
		return wtFail(errp, syscall.EBADF)
	}
	if err := s.start(conn); err != nil {
		conn.Close()
		return wtFail(errp, err)
	}
	if sndbuf != nil {
		*sndbuf = C.int(conn.SendBuffer())
	}
	return 0
}

//export nc_webtp_listen
func nc_webtp_listen(fd C.int, backlog C.int, errp *C.int) (rc C.int) {
	defer wtRecover(&rc, errp)
	s, err := wtGet(fd)
	if err != nil {
		return wtFail(errp, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.connected || s.connecting {
		return wtFail(errp, syscall.EINVAL)
	}
	if s.ln != nil {
		return 0 // listen again: nothing to change
	}
	addr := "0.0.0.0:0"
	if s.family == C.AF_INET6 {
		addr = "[::]:0"
	}
	if s.hasBound {
		addr = s.bound.String()
	}
	ln, err := webtp.Listen(s.network(), addr, nil)
	if err != nil {
		return wtFail(errp, err)
	}
	rcn, err := s.f.SyscallConn()
	if err != nil {
		ln.Close()
		return wtFail(errp, err)
	}
	n := int(backlog)
	if n < 1 {
		n = 1
	}
	if n > 4096 {
		n = 4096
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.ln, s.lnStop, s.lnRC, s.lnSlots = ln, cancel, rcn, make(chan struct{}, n)
	s.bound, s.hasBound = udpAddrPort(ln.Addr()), true
	go s.acceptLoop(ctx, ln)
	return 0
}

// acceptLoop accepts connections while fewer than the backlog wait, gives
// each a socketpair and pump, queues it and writes one octet for it.
func (s *wtSock) acceptLoop(ctx context.Context, ln *webtp.Listener) {
	defer recoverQuiet()
	for {
		select {
		case s.lnSlots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		conn, err := ln.Accept(ctx)
		if err != nil {
			if ctx.Err() == nil {
				netlog.Printf("webtp: fd %d: accept: %v", s.cfd, err)
			}
			return
		}
		cfd, f, err := stream.Socketpair()
		if err != nil {
			netlog.Printf("webtp: fd %d: accept: %v", s.cfd, err)
			conn.Close()
			<-s.lnSlots
			continue
		}
		s.mu.Lock()
		ns := &wtSock{cfd: cfd, f: f, family: s.family, nodup: conn.NoDup(),
			class: s.class, sndbuf: s.sndbuf, rcvbuf: s.rcvbuf}
		s.mu.Unlock()
		ns.mu.Lock()
		if ns.class != "" {
			conn.SetClass(ns.class)
		}
		err = ns.start(conn)
		ns.mu.Unlock()
		if err != nil {
			conn.Close()
			unix.Close(cfd)
			<-s.lnSlots
			continue
		}
		s.mu.Lock()
		if s.ln != ln { // closed meanwhile
			s.mu.Unlock()
			unix.Close(cfd)
			return
		}
		s.lnQueue = append(s.lnQueue, ns)
		s.mu.Unlock()
		var werr error
		s.lnRC.Write(func(fd uintptr) bool {
			_, werr = unix.SendmsgN(int(fd), []byte{1}, nil, nil, unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL)
			return werr != unix.EAGAIN
		})
		if werr != nil {
			return
		}
	}
}

//export nc_webtp_accept
func nc_webtp_accept(fd C.int, peer *C.struct_nc_webtp_addr, sndbuf *C.int, nodup *C.int, errp *C.int) (rc C.int) {
	defer wtRecover(&rc, errp)
	s, err := wtGet(fd)
	if err != nil {
		return wtFail(errp, err)
	}
	s.mu.Lock()
	if s.ln == nil {
		s.mu.Unlock()
		return wtFail(errp, syscall.EINVAL)
	}
	if len(s.lnQueue) == 0 {
		s.mu.Unlock()
		return wtFail(errp, syscall.EAGAIN)
	}
	ns := s.lnQueue[0]
	s.lnQueue = s.lnQueue[1:]
	<-s.lnSlots
	s.mu.Unlock()
	wtPut(ns)
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if peer != nil {
		wtAddrOut(udpAddrPort(ns.conn.RemoteAddr()), ns.family, peer)
	}
	if sndbuf != nil {
		*sndbuf = C.int(ns.conn.SendBuffer())
	}
	if nodup != nil {
		*nodup = 0
		if ns.nodup {
			*nodup = 1
		}
	}
	return C.int(ns.cfd)
}

//export nc_webtp_name
func nc_webtp_name(fd C.int, peer C.int, a *C.struct_nc_webtp_addr, errp *C.int) (rc C.int) {
	defer wtRecover(&rc, errp)
	s, err := wtGet(fd)
	if err != nil {
		return wtFail(errp, err)
	}
	if a == nil {
		return wtFail(errp, syscall.EFAULT)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var ap netip.AddrPort
	switch {
	case peer != 0 && s.conn == nil:
		return wtFail(errp, syscall.ENOTCONN)
	case peer != 0:
		ap = udpAddrPort(s.conn.RemoteAddr())
	case s.conn != nil:
		ap = udpAddrPort(s.conn.LocalAddr())
	case s.hasBound:
		ap = s.bound
	default:
		if s.family == C.AF_INET6 {
			ap = netip.AddrPortFrom(netip.IPv6Unspecified(), 0)
		} else {
			ap = netip.AddrPortFrom(netip.IPv4Unspecified(), 0)
		}
	}
	wtAddrOut(ap, s.family, a)
	return 0
}

func cBuf(p unsafe.Pointer, n int) []byte {
	if p == nil || n <= 0 {
		return nil
	}
	return unsafe.Slice((*byte)(p), n)
}

func wtValidClass(name string) error {
	classes, err := sched.ClassesFromEnv()
	if err != nil {
		netlog.Printf("webtp: traffic classes: %v", err)
		return syscall.EINVAL
	}
	if _, ok := classes.Lookup(name); !ok {
		return webtp.ErrUnknownClass
	}
	return nil
}

//export nc_webtp_setopt
func nc_webtp_setopt(fd C.int, level C.int, name C.int, val unsafe.Pointer, n C.int, errp *C.int) (rc C.int) {
	defer wtRecover(&rc, errp)
	s, err := wtGet(fd)
	if err != nil {
		return wtFail(errp, err)
	}
	b := cBuf(val, int(n))
	s.mu.Lock()
	defer s.mu.Unlock()
	if level == C.SOL_SOCKET {
		if len(b) < 4 {
			return wtFail(errp, syscall.EINVAL)
		}
		v := int(*(*C.int)(val))
		if v <= 0 {
			return wtFail(errp, syscall.EINVAL)
		}
		switch name {
		case C.SO_SNDBUF:
			s.sndbuf = v
			if s.conn != nil {
				s.conn.SetSendBuffer(v)
			}
		case C.SO_RCVBUF:
			s.rcvbuf = v
			if s.conn != nil {
				s.conn.SetReceiveWindow(v)
			}
		default:
			return wtFail(errp, syscall.ENOPROTOOPT)
		}
		return 0
	}
	switch name {
	case C.WEBTP_CLASS:
		cls := string(b)
		if i := indexByte(b, 0); i >= 0 {
			cls = string(b[:i])
		}
		if cls == "" {
			return wtFail(errp, syscall.EINVAL)
		}
		if s.conn != nil {
			if err := s.conn.SetClass(cls); err != nil {
				return wtFail(errp, err)
			}
		} else if err := wtValidClass(cls); err != nil {
			return wtFail(errp, err)
		}
		s.class = cls
		return 0
	case C.WEBTP_RATE:
		if len(b) < 4 {
			return wtFail(errp, syscall.EINVAL)
		}
		r := float64(*(*C.float)(val))
		if math.IsNaN(r) || math.IsInf(r, 0) || r < 0 {
			return wtFail(errp, syscall.EINVAL)
		}
		if s.conn == nil {
			return wtFail(errp, syscall.ENOTCONN)
		}
		if err := s.conn.SetRate(r); err != nil {
			return wtFail(errp, err)
		}
		return 0
	}
	return wtFail(errp, syscall.ENOPROTOOPT)
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

//export nc_webtp_getopt
func nc_webtp_getopt(fd C.int, level C.int, name C.int, val unsafe.Pointer, n *C.int, errp *C.int) (rc C.int) {
	defer wtRecover(&rc, errp)
	s, err := wtGet(fd)
	if err != nil {
		return wtFail(errp, err)
	}
	if val == nil || n == nil {
		return wtFail(errp, syscall.EFAULT)
	}
	size := int(*n)
	s.mu.Lock()
	defer s.mu.Unlock()
	putInt := func(v int) C.int {
		if size < 4 {
			return wtFail(errp, syscall.EINVAL)
		}
		*(*C.int)(val) = C.int(v)
		*n = 4
		return 0
	}
	putFloat := func(v float64) C.int {
		if size < 4 {
			return wtFail(errp, syscall.EINVAL)
		}
		*(*C.float)(val) = C.float(v)
		*n = 4
		return 0
	}
	if level == C.SOL_SOCKET {
		switch name {
		case C.SO_SNDBUF:
			v := s.sndbuf
			if s.conn != nil {
				v = s.conn.SendBuffer()
			} else if v == 0 {
				v = wtDefaultSendBuffer
			}
			return putInt(v)
		case C.SO_RCVBUF:
			v := s.rcvbuf
			if s.conn != nil {
				v = s.conn.ReceiveWindow()
			} else if v == 0 {
				v = wtDefaultReceiveWindow
			}
			return putInt(v)
		case C.SO_ERROR:
			e := s.soErr
			if rc := putInt(int(e)); rc != 0 {
				return rc
			}
			s.soErr = 0
			return 0
		}
		return wtFail(errp, syscall.ENOPROTOOPT)
	}
	switch name {
	case C.WEBTP_CLASS:
		cls := s.class
		if s.conn != nil {
			cls = s.conn.Class()
		} else if cls == "" {
			if classes, err := sched.ClassesFromEnv(); err == nil {
				cls = classes.Default()
			}
		}
		out := append([]byte(cls), 0)
		if len(out) > size {
			out = out[:size]
		}
		copy(cBuf(val, size), out)
		*n = C.int(len(out))
		return 0
	case C.WEBTP_RATE:
		var r float64
		if s.conn != nil {
			r = s.conn.Rate()
		}
		return putFloat(r)
	case C.WEBTP_RTT:
		var us float64
		if s.conn != nil {
			us = float64(s.conn.RTT().Nanoseconds()) / 1e3
		}
		return putFloat(us)
	case C.WEBTP_DROPPED:
		var d uint64
		if s.conn != nil {
			d = s.conn.Dropped()
		}
		switch {
		case size >= 8:
			*(*C.uint64_t)(val) = C.uint64_t(d)
			*n = 8
		case size >= 4:
			if d > math.MaxUint32 {
				d = math.MaxUint32
			}
			*(*C.uint32_t)(val) = C.uint32_t(d)
			*n = 4
		default:
			return wtFail(errp, syscall.EINVAL)
		}
		return 0
	}
	return wtFail(errp, syscall.ENOPROTOOPT)
}

// wtClosing holds connections the program closed whose graceful close
// may still be under way (nc_webtp_linger waits for them).
var wtClosing struct {
	mu sync.Mutex
	m  map[*webtp.Conn]struct{}
}

//export nc_webtp_close
func nc_webtp_close(fd C.int) {
	defer recoverQuiet()
	wtSocks.mu.Lock()
	s := wtSocks.m[int(fd)]
	delete(wtSocks.m, int(fd))
	wtSocks.mu.Unlock()
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if c := s.conn; c != nil {
		wtClosing.mu.Lock()
		if wtClosing.m == nil {
			wtClosing.m = make(map[*webtp.Conn]struct{})
		}
		wtClosing.m[c] = struct{}{}
		wtClosing.mu.Unlock()
		go func() {
			_ = c.Wait(context.Background())
			wtClosing.mu.Lock()
			delete(wtClosing.m, c)
			wtClosing.mu.Unlock()
		}()
	}
	if s.ln != nil {
		s.lnStop()
		s.ln.Close()
		for _, ns := range s.lnQueue {
			unix.Close(ns.cfd) // its pump sees end of file and closes the connection
		}
		s.lnQueue = nil
		s.ln = nil
	}
	// A connection's pump sees end of file once the front closes the C end,
	// and closes the connection gracefully in the background.
	if s.f != nil && !s.connecting {
		s.f.Close()
		s.f = nil
	}
}

// nc_webtp_linger runs at process exit (the front's atexit handler). The
// transport lives in this process, so what the kernel does for TCP at exit
// is done here: every connection still open is closed as close(2) would
// (its C end's sending side is shut down, so the pump sends what the
// program wrote, then closes), and every closing connection gets up to
// timeout_ms to deliver its queued ADUs.
//
//export nc_webtp_linger
func nc_webtp_linger(timeoutMs C.int) {
	defer recoverQuiet()
	var conns []*webtp.Conn
	wtSocks.mu.Lock()
	for _, s := range wtSocks.m {
		s.mu.Lock()
		if s.conn != nil {
			unix.Shutdown(s.cfd, unix.SHUT_WR)
			conns = append(conns, s.conn)
		}
		s.mu.Unlock()
	}
	wtSocks.mu.Unlock()
	wtClosing.mu.Lock()
	for c := range wtClosing.m {
		conns = append(conns, c)
	}
	wtClosing.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(timeoutMs)*time.Millisecond)
	defer cancel()
	for _, c := range conns {
		_ = c.Wait(ctx)
	}
}
