package main

// The agent side: ssexact_* (include/ssextagent.h), over core/extagent/client.
//
// Reading and the connection's life are here; sending is done by the C
// front itself (capi/front/ssextagent.c) on the descriptor and limit that
// nc_ssexact_initialize hands it: a send is one system call, and a trip
// into Go for it would cost more than the call (see bench/).

/*
#include "extagent-protocol.h"
*/
import "C"

import (
	"syscall"
	"unsafe"

	pointer "github.com/mattn/go-pointer"

	"netcompat/core/cbridge"
	"netcompat/core/extagent"
	"netcompat/core/extagent/client"
)

// agentConn resolves an SsexConn * to its connection; go-pointer's table
// answers nil for pointers it never handed out or has released.
func agentConn(p unsafe.Pointer) (*client.Conn, error) {
	if c, ok := pointer.Restore(p).(*client.Conn); ok {
		return c, nil
	}
	return nil, cbridge.Errorf(syscall.EBADF, "extagent: not a connection")
}

//export nc_ssexact_initialize
func nc_ssexact_initialize(hostname *C.char, ipaddr C.ulong, port C.ushort, out *unsafe.Pointer, fd *C.int, maxPacket *C.int, errp *C.int) (st C.int) {
	defer recoverStatus(&st, errp)
	if out == nil || fd == nil || maxPacket == nil {
		return status(errp, syscall.EINVAL)
	}
	*out = nil
	host := ""
	if hostname != nil {
		host = C.GoString(hostname)
	}
	c, err := client.Dial(host, uint32(ipaddr), uint16(port), extagent.FromEnv(), cAlloc{})
	if err != nil {
		return status(errp, err)
	}
	*out = pointer.Save(c)
	*fd, *maxPacket = C.int(c.Fd()), C.int(c.MaxPacket())
	return C.EXTAG_OK
}

//export nc_ssexact_read
func nc_ssexact_read(conn unsafe.Pointer, block C.int, data **C.char, lenp *C.int, errp *C.int) (st C.int) {
	defer recoverStatus(&st, errp)
	if data == nil || lenp == nil {
		return status(errp, syscall.EINVAL)
	}
	*data, *lenp = nil, 0
	c, err := agentConn(conn)
	if err != nil {
		return status(errp, err)
	}
	b, complete, err := c.Read(block != 0)
	if err != nil {
		return status(errp, err)
	}
	if len(b) > 0 {
		*data = (*C.char)(unsafe.Pointer(unsafe.SliceData(b)))
		*lenp = C.int(len(b))
	}
	if !complete {
		return C.EXTAG_UNFINISHED
	}
	return C.EXTAG_OK
}

//export nc_ssexact_close
func nc_ssexact_close(conn unsafe.Pointer) {
	defer recoverQuiet()
	if c, err := agentConn(conn); err == nil {
		pointer.Unref(conn)
		c.CloseSilently() // the front has said goodbye: it owns the write side
	}
}
