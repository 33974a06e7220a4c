package main

// rsplib's enhanced mode: the nc_rsp_* exports the front
// (capi/front/rserpool_session.c) calls for everything but receiving.
// The sockets, their socketpairs and the frame pumps are in
// rserpool_session.go.

/*
#include <sys/socket.h>
#include "nc_abi.h"
*/
import "C"

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"netcompat/core/netlog"
	"netcompat/core/rserpool/asap"
	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/session"
)

// nc_rsp_socket makes an RSerPool socket and returns its C descriptor.
//
//export nc_rsp_socket
func nc_rsp_socket(domain, typ C.int, errp *C.int) (fd C.int) {
	defer recoverInt(&fd, errp)
	if _, err := rspClient(); err != nil {
		return fail(errp, err)
	}
	s, err := newSock(int(domain), int(typ))
	if err != nil {
		return fail(errp, err)
	}
	return C.int(s.cfd)
}

// listenLocked opens the PE's listener on s.addrs (wildcard when unbound).
func (s *rspSock) listenLocked() error {
	if s.pe != nil {
		return nil
	}
	if s.pu != nil || s.ps != nil {
		return syscall.EBADF
	}
	c, err := rspClient()
	if err != nil {
		return err
	}
	addrs := s.addrs
	if len(addrs) == 0 {
		a := netip.IPv6Unspecified()
		if s.domain == unix.AF_INET {
			a = netip.IPv4Unspecified()
		}
		addrs = []netip.AddrPort{netip.AddrPortFrom(a, 0)}
	}
	o := s.sessionOpts()
	pe, err := session.Listen(c, addrs, &o)
	if err != nil && len(s.addrs) == 0 && s.domain != unix.AF_INET {
		addrs = []netip.AddrPort{netip.AddrPortFrom(netip.IPv4Unspecified(), 0)}
		pe, err = session.Listen(c, addrs, &o)
	}
	if err != nil {
		return err
	}
	s.pe = pe
	s.since = time.Now()
	if s.acceptMode() {
		pe.Listen()
		s.acceptPump(pe)
	} else {
		s.pump(pe.Recv)
	}
	return nil
}

// nc_rsp_bind binds the socket to n addresses (n 0: the wildcard).
//
//export nc_rsp_bind
func nc_rsp_bind(fd C.int, addrs *C.struct_nc_rsp_addr, n C.size_t, errp *C.int) (st C.int) {
	defer recoverInt(&st, errp)
	s, err := sockOf(fd)
	if err != nil {
		return fail(errp, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pe != nil || s.pu != nil || s.ps != nil {
		return fail(errp, syscall.EINVAL)
	}
	var list []netip.AddrPort
	if n > 0 {
		if addrs == nil {
			return fail(errp, syscall.EINVAL)
		}
		in := unsafe.Slice(addrs, int(n))
		for i := range in {
			ap, ok := rspAddrPort(&in[i])
			if !ok {
				return fail(errp, syscall.EAFNOSUPPORT)
			}
			list = append(list, ap)
		}
	}
	s.addrs = list
	if err := s.listenLocked(); err != nil {
		s.addrs = nil
		return fail(errp, err)
	}
	return 0
}

// nc_rsp_listen makes a PE socket accept sessions (rsp_accept).
//
//export nc_rsp_listen
func nc_rsp_listen(fd C.int, errp *C.int) (st C.int) {
	defer recoverInt(&st, errp)
	s, err := sockOf(fd)
	if err != nil {
		return fail(errp, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pu != nil || s.ps != nil {
		return fail(errp, syscall.EOPNOTSUPP)
	}
	if s.listening {
		return 0
	}
	s.listening = true
	if s.pe != nil && s.acceptMode() {
		s.pe.Listen()
		s.acceptPump(s.pe)
	}
	return 0
}

// acceptMode reports whether sessions are accepted as sockets of their own
// (rsp_accept): a listening SOCK_STREAM socket, as rsplib's TCP-like
// servers use. A listening SOCK_SEQPACKET socket keeps its sessions, as
// rsplib's UDP-like servers (rspserver) expect after rsp_listen.
func (s *rspSock) acceptMode() bool {
	return s.listening && s.typ == unix.SOCK_STREAM
}

// nc_rsp_register registers the socket's pool element.
//
//export nc_rsp_register
func nc_rsp_register(fd C.int, handle *C.uchar, size C.size_t, pol *C.struct_nc_rsp_policy,
	rereg C.uint, flags C.int, errp *C.int) (st C.int) {
	defer recoverInt(&st, errp)
	s, err := sockOf(fd)
	if err != nil {
		return fail(errp, err)
	}
	h, err := poolHandle(handle, size)
	if err != nil {
		return fail(errp, err)
	}
	s.mu.Lock()
	err = s.listenLocked()
	pe := s.pe
	s.mu.Unlock()
	if err != nil {
		return fail(errp, err)
	}
	info := policy.Info{Type: policy.RoundRobin}
	if pol != nil {
		info = policy.Info{
			Type: uint32(pol.policy), Weight: uint32(pol.weight), WeightDPF: uint32(pol.weight_dpf),
			Load: uint32(pol.load), LoadDegradation: uint32(pol.load_degradation), LoadDPF: uint32(pol.load_dpf),
		}
	}
	ro := session.RegisterOptions{
		ID:            asap.NewPEID(),
		Policy:        info.Wire(),
		ReregInterval: time.Duration(rereg) * time.Millisecond,
		// An enhanced-mode element always carries ASAP control (cookies,
		// business cards) on its data associations, and rsplib always
		// registers it so (rspenhancedmode.c sets HasControlChannel):
		// elements of both kinds must agree, or a registrar refuses the
		// second kind into a pool the first made.
		ControlChannel: true,
		DontWait:       flags&regfDontWait != 0,
	}
	if _, err := pe.Register(context.Background(), h, ro); err != nil {
		netlog.Printf("rsp_register: %v", err)
		if errors.Is(err, session.ErrNotRegistered) {
			return fail(errp, syscall.EBADF)
		}
		if errors.Is(err, asap.ErrNoRegistrar) {
			return fail(errp, syscall.EIO)
		}
		return fail(errp, err)
	}
	return 0
}

// nc_rsp_deregister deregisters the socket's pool element.
//
//export nc_rsp_deregister
func nc_rsp_deregister(fd C.int, flags C.int, errp *C.int) (st C.int) {
	defer recoverInt(&st, errp)
	s, err := sockOf(fd)
	if err != nil {
		return fail(errp, err)
	}
	s.mu.Lock()
	pe := s.pe
	s.mu.Unlock()
	if pe == nil {
		return fail(errp, syscall.EBADF)
	}
	if _, _, ok := pe.Identity(); !ok {
		return fail(errp, syscall.EBADF)
	}
	if flags&deregfDontWait != 0 {
		go func() {
			defer recoverQuiet()
			if err := pe.Deregister(context.Background()); err != nil {
				netlog.Printf("rsp_deregister: %v", err)
			}
		}()
		return 0
	}
	if err := pe.Deregister(context.Background()); err != nil {
		return fail(errp, err)
	}
	return 0
}

// nc_rsp_connect makes the socket a pool user's session.
//
//export nc_rsp_connect
func nc_rsp_connect(fd C.int, handle *C.uchar, size C.size_t, stale C.uint, errp *C.int) (st C.int) {
	defer recoverInt(&st, errp)
	s, err := sockOf(fd)
	if err != nil {
		return fail(errp, err)
	}
	c, err := rspClient()
	if err != nil {
		return fail(errp, err)
	}
	h, err := poolHandle(handle, size)
	if err != nil {
		return fail(errp, err)
	}
	s.mu.Lock()
	if s.pu != nil || s.pe != nil || s.ps != nil || s.closed {
		s.mu.Unlock()
		return fail(errp, syscall.EBADF)
	}
	opts := session.UserOptions{Options: s.sessionOpts(), StaleCacheValue: time.Duration(stale) * time.Millisecond}
	pu, err := session.NewPoolUser(c, h, &opts)
	if err != nil {
		s.mu.Unlock()
		return fail(errp, err)
	}
	s.pu = pu
	s.since = time.Now()
	s.pump(pu.Recv)
	s.mu.Unlock()
	if err := pu.Connect(context.Background()); err != nil && !errors.Is(err, session.ErrNoPoolElement) {
		netlog.Printf("rsp_connect: %v", err)
	}
	return 0
}

// timeoutCtx bounds a send: ms > 0 milliseconds; 0 and -1 (rsplib
// programs pass both for "just send") wait as long as the transport needs.
func timeoutCtx(ms C.int) (context.Context, context.CancelFunc) {
	if ms <= 0 {
		return context.WithCancel(context.Background())
	}
	return context.WithTimeout(context.Background(), time.Duration(ms)*time.Millisecond)
}

func sendErr(errp *C.int, err error) C.long {
	if errors.Is(err, context.DeadlineExceeded) {
		setErr(errp, syscall.EAGAIN)
	} else if errors.Is(err, session.ErrNoPoolElement) {
		setErr(errp, syscall.EIO)
	} else {
		setErr(errp, err)
	}
	return -1
}

// nc_rsp_send sends one message (ppid in host byte order), or with cookie
// set a cookie (PE side).
//
//export nc_rsp_send
func nc_rsp_send(fd C.int, data *C.uchar, n C.size_t, sess C.int, ppid C.uint, stream C.ushort,
	unordered C.int, ttl C.uint, timeout C.int, cookie C.int, errp *C.int) (r C.long) {
	defer func() {
		if v := recover(); v != nil {
			reportPanic(v)
			r = -1
			setErr(errp, syscall.EIO)
		}
	}()
	s, err := sockOf(fd)
	if err != nil {
		return sendErr(errp, err)
	}
	if n > rspMaxMessage || (n > 0 && data == nil) || (cookie != 0 && n == 0) {
		setErr(errp, syscall.EINVAL)
		return -1
	}
	p := slices.Clone(cBytes(unsafe.Pointer(data), int(n)))
	s.mu.Lock()
	pe, pu, ps := s.pe, s.pu, s.ps
	s.mu.Unlock()
	ctx, cancel := timeoutCtx(timeout)
	defer cancel()
	info := session.SendInfo{Session: session.SessionID(sess), PPID: uint32(ppid), Stream: uint16(stream),
		Unordered: unordered != 0, TimeToLive: time.Duration(ttl) * time.Millisecond}
	switch {
	case cookie != 0 && ps != nil:
		err = ps.SendCookie(ctx, p)
	case cookie != 0 && pe != nil:
		err = pe.SendCookie(ctx, session.SessionID(sess), p)
	case cookie != 0:
		err = syscall.EBADF
	case pu != nil:
		err = pu.Send(ctx, p, info)
	case ps != nil:
		err = ps.Send(ctx, p, info)
	case pe != nil:
		err = pe.Send(ctx, p, info)
	default:
		err = syscall.ENOTCONN
	}
	if err != nil {
		return sendErr(errp, err)
	}
	return C.long(n)
}

// nc_rsp_forcefailover moves a pool user's session to another element.
//
//export nc_rsp_forcefailover
func nc_rsp_forcefailover(fd C.int, flags C.uint, stale C.uint, errp *C.int) (st C.int) {
	defer recoverInt(&st, errp)
	s, err := sockOf(fd)
	if err != nil {
		return fail(errp, err)
	}
	s.mu.Lock()
	pu := s.pu
	s.mu.Unlock()
	if pu == nil {
		return fail(errp, syscall.EBADF)
	}
	if err := pu.ForceFailover(context.Background(), session.FailoverFlags(flags), time.Duration(stale)*time.Millisecond); err != nil {
		if errors.Is(err, session.ErrNoPoolElement) {
			return fail(errp, syscall.EIO)
		}
		return fail(errp, err)
	}
	return 0
}

// nc_rsp_has_cookie: 1 if the pool user's session holds a cookie.
//
//export nc_rsp_has_cookie
func nc_rsp_has_cookie(fd C.int) C.int {
	defer recoverQuiet()
	s, err := sockOf(fd)
	if err != nil {
		return 0
	}
	s.mu.Lock()
	pu := s.pu
	s.mu.Unlock()
	if pu != nil && pu.HasCookie() {
		return 1
	}
	return 0
}

// nc_rsp_name stores the pool handle and PE identifier of the socket's
// own element (peer 0) or its session's element (peer 1).
//
//export nc_rsp_name
func nc_rsp_name(fd C.int, peer C.int, handle *C.uchar, size *C.size_t, id *C.uint, errp *C.int) (st C.int) {
	defer recoverInt(&st, errp)
	s, err := sockOf(fd)
	if err != nil {
		return fail(errp, err)
	}
	s.mu.Lock()
	pe, pu := s.pe, s.pu
	s.mu.Unlock()
	var h []byte
	var pid uint32
	ok := false
	if peer == 0 && pe != nil {
		h, pid, ok = pe.Identity()
	} else if peer != 0 && pu != nil {
		h, pid, ok = pu.Peer()
	}
	if !ok {
		return fail(errp, syscall.EBADF)
	}
	if size != nil {
		if handle == nil || int(*size) < len(h) {
			*size = C.size_t(len(h))
			return fail(errp, syscall.ENOBUFS)
		}
		copy(cBytes(unsafe.Pointer(handle), len(h)), h)
		*size = C.size_t(len(h))
	}
	if id != nil {
		*id = C.uint(pid)
	}
	return 0
}

// nc_rsp_close closes the socket's Go side; the front closes the C end.
//
//export nc_rsp_close
func nc_rsp_close(fd C.int, errp *C.int) (st C.int) {
	defer recoverInt(&st, errp)
	s, err := sockOf(fd)
	if err != nil {
		return fail(errp, err)
	}
	s.close()
	return 0
}
