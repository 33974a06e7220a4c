package main

// rsp_update_session_parameters and rsp_csp_setstatus: per-socket settings
// the front hands over (capi/front/rserpool_io.c).

/*
#include "nc_abi.h"
*/
import "C"

import (
	"syscall"
	"time"
	"unsafe"

	"netcompat/core/rserpool/csp"
	"netcompat/core/rserpool/session"
	"netcompat/core/transport"
)

// nc_rsp_set_timing sets the failure-detection parameters (milliseconds
// and counts, all nonzero: the front merges them) of the associations the
// socket makes from now on: its pool user's next failover, or its element
// when it has not started listening yet (rsp_register, rsp_listen).
//
//export nc_rsp_set_timing
func nc_rsp_set_timing(fd C.int, t *C.struct_nc_rsp_timing, errp *C.int) (st C.int) {
	defer recoverInt(&st, errp)
	s, err := sockOf(fd)
	if err != nil {
		return fail(errp, err)
	}
	if t == nil {
		return fail(errp, syscall.EINVAL)
	}
	ms := func(v C.uint) time.Duration { return time.Duration(v) * time.Millisecond }
	timing := transport.Timing{
		RTOInitial: ms(t.rto_initial), RTOMin: ms(t.rto_min), RTOMax: ms(t.rto_max),
		AssocMaxRxt: int(t.assoc_max_rxt), PathMaxRxt: int(t.path_max_rxt),
		HeartbeatInterval: ms(t.hbinterval),
	}
	s.mu.Lock()
	s.timing = &timing
	pu := s.pu
	s.mu.Unlock()
	if pu != nil {
		pu.SetTiming(timing)
	}
	return 0
}

// nc_rsp_csp_setstatus sets the CSP status text of one of the socket's
// sessions: session 0 (or its own number) on a pool user's or an accepted
// socket, a session of the element on a one-to-many element socket.
//
//export nc_rsp_csp_setstatus
func nc_rsp_csp_setstatus(fd C.int, sess C.int, text *C.char, errp *C.int) (st C.int) {
	defer recoverInt(&st, errp)
	s, err := sockOf(fd)
	if err != nil {
		return fail(errp, err)
	}
	var txt string
	if text != nil {
		txt = cStringMax(text, csp.TextMax)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := session.SessionID(sess)
	switch {
	case s.pu != nil || s.ps != nil:
		if id != 0 && (s.ps == nil || s.ps.ID() != id) {
			return fail(errp, syscall.EINVAL)
		}
		id = 0
	case s.pe != nil:
		found := false
		for _, x := range s.pe.Sessions() {
			found = found || x == id
		}
		if !found {
			return fail(errp, syscall.EINVAL)
		}
	default:
		return fail(errp, syscall.EINVAL) // no session at all
	}
	if s.status == nil {
		s.status = make(map[int32]string)
	}
	s.status[int32(id)] = txt
	return 0
}

// cStringMax is C string p, read up to its NUL or n bytes, whichever
// comes first (the rest could not be reported anyway).
func cStringMax(p *C.char, n int) string {
	b := unsafe.Slice((*byte)(unsafe.Pointer(p)), n)
	for i := range n {
		if b[i] == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
