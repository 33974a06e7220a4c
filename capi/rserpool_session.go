package main

// rsplib's enhanced mode: RSerPool sockets and sessions (include/rserpool.h,
// "Enhanced mode"), over core/rserpool/session. The front
// (capi/front/rserpool_session.c) owns the descriptors' C side.
//
// Every RSerPool socket is an AF_UNIX SOCK_SEQPACKET socketpair: the C end
// (blocking, close-on-exec) is the descriptor rsp_socket returns; the Go
// end (non-blocking, close-on-exec, moved to 1024 or above) belongs to the
// socket's pump goroutines, which write every received message,
// notification and accepted session to it as one datagram framed as
// struct nc_rsp_frame (capi/nc_abi.h) followed by the payload. So the
// descriptor is readable exactly when rsp_recvmsg has something to
// return, and the front reads it without calling into Go. Sends,
// registration and the other calls go through the exports below, so their
// errors are synchronous. Sockets are keyed by the C descriptor's number.

/*
#include <sys/socket.h>
#include "nc_abi.h"
*/
import "C"

import (
	"context"
	"encoding/binary"
	"errors"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"netcompat/core/cbridge"
	"netcompat/core/netlog"
	"netcompat/core/rserpool/session"
	"netcompat/core/transport"
)

// Frame kinds (enum nc_rsp_frame_kind).
const (
	frameData       = C.NC_RSPF_DATA
	frameCookieEcho = C.NC_RSPF_COOKIE_ECHO
	frameNotify     = C.NC_RSPF_NOTIFY
	frameAccept     = C.NC_RSPF_ACCEPT
	frameEnd        = C.NC_RSPF_END
	frameError      = C.NC_RSPF_ERROR
)

// frameHeaderLen is sizeof(struct nc_rsp_frame).
const frameHeaderLen = C.NC_RSP_FRAME_HEADER

// rspMaxMessage is the longest message a socket sends or receives; every
// frame then fits one datagram of the socketpair's default buffers.
const rspMaxMessage = C.NC_RSP_MAX_MESSAGE

// rspSock is one RSerPool socket.
type rspSock struct {
	cfd    int      // the C end's number (the key)
	f      *os.File // the Go end
	domain int
	typ    int

	mu        sync.Mutex
	addrs     []netip.AddrPort
	pe        *session.PoolElement
	pu        *session.PoolUser
	ps        *session.PESession
	listening bool
	closed    bool
	timing    *transport.Timing // rsp_update_session_parameters; nil: defaults
	status    map[int32]string  // rsp_csp_setstatus texts by session
	since     time.Time         // when the socket got its session or element
	wmu       sync.Mutex
	wg        sync.WaitGroup
}

var rspSocks struct {
	mu sync.Mutex
	m  map[int]*rspSock
}

func sockOf(fd C.int) (*rspSock, error) {
	rspSocks.mu.Lock()
	defer rspSocks.mu.Unlock()
	s := rspSocks.m[int(fd)]
	if s == nil {
		return nil, syscall.EBADF
	}
	return s, nil
}

// newSock makes the socketpair and enters the socket in the table.
func newSock(domain, typ int) (*rspSock, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	g := cbridge.MoveHigh(fds[1])
	if err := unix.SetNonblock(g, true); err != nil {
		unix.Close(fds[0])
		unix.Close(g)
		return nil, err
	}
	s := &rspSock{cfd: fds[0], f: os.NewFile(uintptr(g), "rsp"), domain: domain, typ: typ}
	rspSocks.mu.Lock()
	if rspSocks.m == nil {
		rspSocks.m = make(map[int]*rspSock)
	}
	rspSocks.m[s.cfd] = s
	rspSocks.mu.Unlock()
	return s, nil
}

// write sends one frame; false once the C end or the socket is gone.
func (s *rspSock) write(kind int, session int32, ppid, peID uint32, stream uint16, ntype uint16, nstate, extra uint32, payload []byte) bool {
	b := make([]byte, frameHeaderLen+len(payload))
	ne := binary.NativeEndian
	ne.PutUint32(b[0:], uint32(kind))
	ne.PutUint32(b[4:], uint32(session))
	binary.BigEndian.PutUint32(b[8:], ppid) // network byte order
	ne.PutUint32(b[12:], peID)
	ne.PutUint16(b[16:], stream)
	ne.PutUint16(b[18:], ntype)
	ne.PutUint32(b[20:], nstate)
	ne.PutUint32(b[24:], extra)
	ne.PutUint32(b[28:], uint32(len(payload)))
	copy(b[frameHeaderLen:], payload)
	s.wmu.Lock()
	defer s.wmu.Unlock()
	rc, err := s.f.SyscallConn()
	if err != nil {
		return false
	}
	var werr error
	// MSG_NOSIGNAL: a C end closed behind the library's back gives EPIPE,
	// never a SIGPIPE to the program.
	err = rc.Write(func(fd uintptr) bool {
		werr = unix.Sendmsg(int(fd), b, nil, nil, unix.MSG_NOSIGNAL|unix.MSG_DONTWAIT)
		return werr != unix.EAGAIN
	})
	return err == nil && werr == nil
}

// deliver writes one event; false when the pump should stop.
func (s *rspSock) deliver(ev session.Event) bool {
	switch e := ev.(type) {
	case *session.Message:
		kind := frameData
		if e.CookieEcho {
			kind = frameCookieEcho
		}
		return s.write(kind, int32(e.Session), e.PPID, e.PEID, e.Stream, 0, 0, 0, e.Data)
	case session.FailoverNecessary:
		return s.write(frameNotify, int32(e.Session), 0, 0, 0, e.Type(), session.FailoverStateNecessary, 0, nil)
	case session.FailoverComplete:
		return s.write(frameNotify, int32(e.Session), 0, e.PEID, 0, e.Type(), session.FailoverStateComplete,
			uint32(boolInt(e.HasCookie)), nil)
	case session.SessionChange:
		return s.write(frameNotify, int32(e.Session), 0, 0, 0, e.Type(), uint32(e.State), 0, nil)
	case session.Shutdown:
		return s.write(frameNotify, int32(e.Session), 0, 0, 0, e.Type(), 0, 0, nil)
	}
	return true
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// pump moves recv's events into the socketpair until recv fails for good.
func (s *rspSock) pump(recv func(context.Context) (session.Event, error)) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer recoverQuiet()
		for {
			ev, err := recv(context.Background())
			if err != nil {
				if errors.Is(err, session.ErrNoPoolElement) {
					if !s.write(frameError, 0, 0, 0, 0, 0, uint32(syscall.EIO), 0, nil) {
						return
					}
					continue
				}
				if !errors.Is(err, session.ErrClosed) {
					s.write(frameEnd, 0, 0, 0, 0, 0, 0, 0, nil)
				}
				return
			}
			if !s.deliver(ev) {
				return
			}
		}
	}()
}

// acceptPump hands every accepted session to C as a new socket.
func (s *rspSock) acceptPump(pe *session.PoolElement) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer recoverQuiet()
		for {
			ps, err := pe.Accept(context.Background())
			if err != nil {
				return
			}
			ns, err := newSock(s.domain, unix.SOCK_STREAM)
			if err != nil {
				netlog.Printf("rsp_accept: %v", err)
				ps.Close()
				continue
			}
			ns.mu.Lock()
			ns.ps, ns.since = ps, time.Now()
			ns.mu.Unlock()
			ns.pump(ps.Recv)
			if !s.write(frameAccept, int32(ns.cfd), 0, 0, 0, 0, 0, 0, nil) {
				ns.close()
				return
			}
		}
	}()
}

// close ends the socket's sessions and its Go end.
func (s *rspSock) close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	pe, pu, ps := s.pe, s.pu, s.ps
	s.mu.Unlock()
	rspSocks.mu.Lock()
	if rspSocks.m[s.cfd] == s {
		delete(rspSocks.m, s.cfd)
	}
	rspSocks.mu.Unlock()
	if pu != nil {
		pu.Close()
	}
	if ps != nil {
		ps.Close()
	}
	if pe != nil {
		pe.Close()
	}
	s.f.Close()
	s.wg.Wait()
}

func recoverInt(st *C.int, errp *C.int) {
	if v := recover(); v != nil {
		reportPanic(v)
		*st = -1
		setErr(errp, syscall.EIO)
	}
}

func fail(errp *C.int, err error) C.int {
	setErr(errp, err)
	return -1
}

// sessionOpts are the options of the socket's element or session; call
// with s.mu held.
func (s *rspSock) sessionOpts() session.Options {
	return session.Options{MaxMessageSize: rspMaxMessage, Transport: transport.Options{Timing: s.timing}}
}
