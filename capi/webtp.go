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
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"unsafe"

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
