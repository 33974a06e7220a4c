package main

// WebTP sockets: socket, bind, connect, listen, accept and the names of
// the two ends (see webtp.go).

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
	"net"
	"net/netip"
	"syscall"

	"golang.org/x/sys/unix"

	"netcompat/core/netlog"
	"netcompat/core/webtp"
	"netcompat/core/webtp/stream"
)

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
