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
	// them; released holds those whose size == 0 callback is running.
	live     map[unsafe.Pointer]struct{}
	released []unsafe.Pointer
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

// nc_extag_release releases the handles of connections whose size == 0
// callbacks have run: the front calls it after a dispatch's last batch, and
// nc_extag_take does it before each further batch.
//
//export nc_extag_release
func nc_extag_release() {
	defer recoverQuiet()
	releaseClosed()
}

func releaseClosed() {
	domain.mu.Lock()
	defer domain.mu.Unlock()
	for _, p := range domain.released {
		delete(domain.live, p)
		pointer.Unref(p)
	}
	domain.released = domain.released[:0]
}

// nc_extag_take hands the front a batch of up to limit events for
// extag_dispatch to run callbacks for, so a busy round costs one call into
// Go rather than one per packet. With first set it starts a dispatch round
// (one batch of readiness from the kernel). Packet data is packed into
// *buf, which grows with realloc(3) and belongs to the front; events give
// offsets into it. It returns the number of events, 0 when the round is
// over, or -1 on failure.
//
//export nc_extag_take
func nc_extag_take(first C.int, evs *C.struct_nc_extag_event, limit C.int, buf **C.uchar, capp *C.size_t, errp *C.int) (n C.int) {
	defer func() {
		if v := recover(); v != nil {
			reportPanic(v)
			setErr(errp, syscall.EIO)
			n = -1
		}
	}()
	releaseClosed()
	domain.mu.Lock()
	s := domain.s
	domain.mu.Unlock()
	if s == nil || evs == nil || limit <= 0 || buf == nil || capp == nil {
		if first != 0 {
			setErr(errp, syscall.EBADF)
			return -1
		}
		return 0
	}
	if first != 0 {
		if err := s.Poll(); err != nil {
			setErr(errp, err)
			return -1
		}
	}
	// Packets are packed into *buf one after the other; offs records where
	// each starts, since a later realloc may move what came before.
	used := 0
	var offs []int
	alloc := func(size int) []byte {
		if need := C.size_t(used + size); need > *capp {
			newCap := max(need, 2**capp, 64<<10)
			p := (*C.uchar)(C.realloc(unsafe.Pointer(*buf), newCap))
			if p == nil {
				panic("out of memory")
			}
			*buf, *capp = p, newCap
		}
		b := cBytes(unsafe.Add(unsafe.Pointer(*buf), used), size)
		offs = append(offs, used)
		used += size
		return b
	}
	out := unsafe.Slice(evs, int(limit))
	var batch [64]server.Event
	got := s.PopN(batch[:min(int(limit), len(batch))], alloc)
	domain.mu.Lock()
	defer domain.mu.Unlock()
	for i, e := range batch[:got] {
		ev := &out[i]
		*ev = C.struct_nc_extag_event{}
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
			ev.off = C.size_t(offs[0])
			offs = offs[1:]
		case server.Closed:
			ev.kind = C.NC_EXTAG_CLOSED
			domain.released = append(domain.released, e.Conn.Ref.(unsafe.Pointer))
		}
		ev.conn = e.Conn.Ref.(unsafe.Pointer)
	}
	n = C.int(got)
	return n
}
