package main

// The domain side: extag_* (include/extagent.h), over core/extagent/server.

/*
#include <stdlib.h>
#include "extagent-protocol.h"
#include "nc_abi.h"
*/
import "C"

import (
	"sync"
	"syscall"
	"unsafe"

	pointer "github.com/mattn/go-pointer"

	"netcompat/core/cbridge"
	"netcompat/core/extagent"
	"netcompat/core/extagent/server"
	"netcompat/core/netlog"
)

// domain is the one external-agent server of the process, as in the
// original, where extag_initialize took no handle.
var domain struct {
	mu sync.Mutex
	s  *server.Server
	// live holds every ExtagConnection * handed out, so shutdown can release
	// them; released is the handle whose size == 0 callback has just run.
	live     map[unsafe.Pointer]struct{}
	released unsafe.Pointer
}

func current() (*server.Server, error) {
	domain.mu.Lock()
	defer domain.mu.Unlock()
	if domain.s == nil {
		return nil, cbridge.Errorf(syscall.EBADF, "extagent: no server running")
	}
	return domain.s, nil
}

// domainConn resolves an ExtagConnection *.
func domainConn(p unsafe.Pointer) (*server.Server, *server.Conn, error) {
	s, err := current()
	if err != nil {
		return nil, nil, err
	}
	if c, ok := pointer.Restore(p).(*server.Conn); ok {
		return s, c, nil
	}
	return nil, nil, cbridge.Errorf(syscall.EBADF, "extagent: not a connection")
}

//export nc_extag_initialize
func nc_extag_initialize(port C.ushort, errp *C.int) (st C.int) {
	defer recoverStatus(&st, errp)
	domain.mu.Lock()
	defer domain.mu.Unlock()
	if domain.s != nil {
		return status(errp, cbridge.Errorf(syscall.EBUSY, "extagent: server already running"))
	}
	s, err := server.Listen(uint16(port), extagent.FromEnv())
	if err != nil {
		netlog.Printf("extagent: %v", err)
		return status(errp, err)
	}
	domain.s = s
	domain.live = make(map[unsafe.Pointer]struct{})
	return C.EXTAG_OK
}

//export nc_extag_port
func nc_extag_port() (port C.ushort) {
	defer recoverQuiet()
	if s, err := current(); err == nil {
		return C.ushort(s.Port())
	}
	return 0
}

//export nc_extag_fd
func nc_extag_fd() (fd C.int) {
	fd = -1
	defer recoverQuiet()
	if s, err := current(); err == nil {
		return C.int(s.Fd())
	}
	return -1
}

//export nc_extag_begindelivery
func nc_extag_begindelivery(conn unsafe.Pointer, errp *C.int) (st C.int) {
	defer recoverStatus(&st, errp)
	s, c, err := domainConn(conn)
	if err != nil {
		return status(errp, err)
	}
	return status(errp, s.BeginDelivery(c))
}

//export nc_extag_send
func nc_extag_send(conn unsafe.Pointer, size C.int, data *C.uchar, errp *C.int) (st C.int) {
	defer recoverStatus(&st, errp)
	s, c, err := domainConn(conn)
	if err != nil {
		return status(errp, err)
	}
	if size <= 0 || data == nil {
		return status(errp, syscall.EINVAL)
	}
	return status(errp, s.Send(c, cBytes(unsafe.Pointer(data), int(size))))
}

//export nc_extag_closeconnection
func nc_extag_closeconnection(conn unsafe.Pointer, errp *C.int) (st C.int) {
	defer recoverStatus(&st, errp)
	s, c, err := domainConn(conn)
	if err != nil {
		return status(errp, err)
	}
	return status(errp, s.Close(c))
}

//export nc_extag_shutdown
func nc_extag_shutdown(errp *C.int) (st C.int) {
	defer recoverStatus(&st, errp)
	domain.mu.Lock()
	s, live := domain.s, domain.live
	domain.s, domain.live, domain.released = nil, nil, nil
	domain.mu.Unlock()
	if s == nil {
		return C.EXTAG_OK // nothing to shut down; the original always said OK
	}
	err := s.Shutdown()
	for p := range live {
		pointer.Unref(p)
	}
	return status(errp, err)
}

//export nc_extag_poll
func nc_extag_poll(errp *C.int) (st C.int) {
	defer recoverStatus(&st, errp)
	s, err := current()
	if err != nil {
		return status(errp, err)
	}
	return status(errp, s.Poll())
}

// nc_extag_next hands the front the next event of the round: 1 with *ev
// filled, 0 when the round is over. Packet data is copied into *buf, which
// grows with realloc(3) as needed and belongs to the front; -1 on failure.
//
//export nc_extag_next
func nc_extag_next(ev *C.struct_nc_extag_event, buf **C.uchar, capp *C.size_t, errp *C.int) (st C.int) {
	defer func() {
		if v := recover(); v != nil {
			reportPanic(v)
			setErr(errp, syscall.EIO)
			st = -1 // a failure, not "an event is ready"
		}
	}()
	// The handle of a connection whose close callback ran at the end of the
	// previous step is released now, after the callback has returned.
	domain.mu.Lock()
	if p := domain.released; p != nil {
		delete(domain.live, p)
		pointer.Unref(p)
		domain.released = nil
	}
	s := domain.s
	domain.mu.Unlock()
	if s == nil || ev == nil || buf == nil || capp == nil {
		return 0
	}
	alloc := func(n int) []byte {
		if C.size_t(n) > *capp {
			p := (*C.uchar)(C.realloc(unsafe.Pointer(*buf), C.size_t(n)))
			if p == nil {
				panic("out of memory")
			}
			*buf, *capp = p, C.size_t(n)
		}
		return cBytes(unsafe.Pointer(*buf), n)
	}
	e, ok := s.Pop(alloc)
	if !ok {
		return 0
	}
	*ev = C.struct_nc_extag_event{conn: nil, size: 0, data: nil}
	domain.mu.Lock()
	defer domain.mu.Unlock()
	switch e.Kind {
	case server.Accepted:
		p := pointer.Save(e.Conn)
		e.Conn.Ref = p
		if domain.live != nil {
			domain.live[p] = struct{}{}
		}
		ev.kind = C.NC_EXTAG_ACCEPTED
	case server.Packet:
		ev.kind = C.NC_EXTAG_PACKET
		ev.size = C.int(len(e.Data))
		ev.data = *buf
	case server.Closed:
		ev.kind = C.NC_EXTAG_CLOSED
		domain.released = e.Conn.Ref.(unsafe.Pointer)
	}
	ev.conn = e.Conn.Ref.(unsafe.Pointer)
	return 1
}
