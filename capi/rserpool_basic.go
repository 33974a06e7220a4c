package main

// rsplib's basic mode: rsp_pe_registration, rsp_pe_deregistration,
// rsp_pe_failure and rsp_getaddrinfo (include/rserpool.h), over
// core/rserpool/asap. The front (capi/front/rserpool_basic.c) checks the
// C arguments, unpacks and packs the sockaddr arrays and builds the
// rsp_addrinfo lists; these exports work on flat numbers.
//
// Status codes are rsplib's RSPERR_* values (rsplib's rserpoolerror.h):
// the registrar's Operation Error cause as it is, or one of the library
// codes below. Every failure also stores an errno.

/*
#include <stdlib.h>
#include <netinet/in.h>
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

	"netcompat/core/cbridge"
	"netcompat/core/netlog"
	"netcompat/core/rserpool/asap"
	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/wire"
)

// rsplib's RSPERR_* codes used here.
const (
	rsperrInvalidValue      = 0x0011
	rsperrNotFound          = 0x0009
	rsperrOutOfResources    = 0x0006
	rsperrNotInitialized    = 0x1000
	rsperrNoRegistrar       = 0x1007
	rsperrTimeout           = 0x1008
	rsperrWrongProtocol     = 0x100a
	rsperrInvalidPoolHandle = 0xf004
	rsperrInvalidAddresses  = 0xf005
)

// rsplib's REAI_* codes (rsp_getaddrinfo).
const (
	reaiNoName = -1
	reaiMemory = -2
	reaiSystem = -3
)

// rsplib's handle resolution limit (MAX_MAX_HANDLE_RESOLUTION_ITEMS).
const maxResolutionItems = 128

// rsperr turns an asap error into an RSPERR_* code and stores its errno.
func rsperr(errp *C.int, err error) C.uint {
	if err == nil {
		return 0
	}
	setErr(errp, err)
	var rej *asap.RejectError
	switch {
	case errors.Is(err, errNotInitialized), errors.Is(err, asap.ErrClosed):
		return rsperrNotInitialized
	case errors.As(err, &rej):
		if rej.Cause != 0 {
			return C.uint(rej.Cause)
		}
		return rsperrInvalidValue
	case errors.Is(err, asap.ErrNotRegistered):
		return rsperrNotFound
	case errors.Is(err, asap.ErrTimeout):
		return rsperrTimeout
	case errors.Is(err, asap.ErrNoRegistrar):
		return rsperrNoRegistrar
	case errors.Is(err, asap.ErrInvalid):
		return rsperrInvalidValue
	}
	switch cbridge.Errno(err) {
	case syscall.ETIMEDOUT:
		return rsperrTimeout
	case syscall.ENOMEM:
		return rsperrOutOfResources
	}
	return rsperrNoRegistrar
}

// recoverRSPErr is deferred by the exports returning an RSPERR_* code.
func recoverRSPErr(st *C.uint, errp *C.int) {
	if v := recover(); v != nil {
		reportPanic(v)
		*st = rsperrOutOfResources
		setErr(errp, syscall.EIO)
	}
}

// poolHandle copies the pool handle C passed; the front has checked it.
// clientAndHandle is the common start of the basic-mode calls: the
// library's client and a copy of the pool handle, or the RSPERR_* code
// (with errno) that the call returns.
func clientAndHandle(handle *C.uchar, size C.size_t, errp *C.int) (*asap.Client, []byte, C.uint) {
	c, err := rspClient()
	if err != nil {
		return nil, nil, rsperr(errp, err)
	}
	h, err := poolHandle(handle, size)
	if err != nil {
		setErr(errp, err)
		return nil, nil, rsperrInvalidPoolHandle
	}
	return c, h, 0
}

func poolHandle(handle *C.uchar, size C.size_t) ([]byte, error) {
	if handle == nil || size == 0 || size > asap.MaxHandleLen {
		return nil, cbridge.Errorf(syscall.EINVAL, "bad pool handle")
	}
	return slices.Clone(cBytes(unsafe.Pointer(handle), int(size))), nil
}

// transportKinds maps the IP protocol of an rsp_addrinfo to the transport
// parameter of its registration, and back.
var transportKinds = map[C.int]wire.ParamType{
	0:                 wire.ParamSCTPTransport, // rsplib's default: SCTP
	C.IPPROTO_SCTP:    wire.ParamSCTPTransport,
	C.IPPROTO_TCP:     wire.ParamTCPTransport,
	C.IPPROTO_UDP:     wire.ParamUDPTransport,
	C.IPPROTO_DCCP:    wire.ParamDCCPTransport,
	C.IPPROTO_UDPLITE: wire.ParamUDPLiteTransport,
}

func protocolOf(k wire.ParamType) C.int {
	switch k {
	case wire.ParamTCPTransport:
		return C.IPPROTO_TCP
	case wire.ParamUDPTransport:
		return C.IPPROTO_UDP
	case wire.ParamDCCPTransport:
		return C.IPPROTO_DCCP
	case wire.ParamUDPLiteTransport:
		return C.IPPROTO_UDPLITE
	}
	return C.IPPROTO_SCTP
}

// nc_rsp_pe_registration registers (or registers again: same *pe_id) a
// pool element. *pe_id 0 picks a random identifier, stored into *pe_id
// before the registration is sent, as rsplib does. pol NULL: Round Robin.
// flags: REGF_DONTWAIT returns once the registration is sent;
// REGF_CONTROLCHANNEL sets the transport use to data+control;
// REGF_DAEMONMODE lets the library re-register the element by itself
// every third of its registration life (and after a registrar failover),
// so it outlives errors; without it the program registers again itself,
// as rsplib's basic-mode servers do.
//
//export nc_rsp_pe_registration
func nc_rsp_pe_registration(handle *C.uchar, size C.size_t, addrs *C.struct_nc_rsp_addr, naddrs C.size_t,
	protocol C.int, peID *C.uint, pol *C.struct_nc_rsp_policy, life C.uint, flags C.int, errp *C.int) (st C.uint) {
	defer recoverRSPErr(&st, errp)
	c, h, st := clientAndHandle(handle, size, errp)
	if st != 0 {
		return st
	}
	if addrs == nil || naddrs == 0 || naddrs > wire.MaxAddrs || peID == nil {
		setErr(errp, syscall.EINVAL)
		return rsperrInvalidAddresses
	}
	kind, ok := transportKinds[protocol]
	if !ok {
		setErr(errp, syscall.EPROTONOSUPPORT)
		return rsperrWrongProtocol
	}
	var user wire.Transport
	user.Kind = kind
	for i, a := range unsafe.Slice(addrs, int(naddrs)) {
		ap, ok := rspAddrPort(&a)
		if !ok {
			setErr(errp, syscall.EAFNOSUPPORT)
			return rsperrInvalidAddresses
		}
		if i == 0 {
			user.Port = ap.Port() // rsplib: the port of the first address
		}
		user.Addrs = append(user.Addrs, ap.Addr())
	}

	info := policy.Info{Type: policy.RoundRobin}
	if pol != nil {
		info = policy.Info{
			Type:            uint32(pol.policy),
			Weight:          uint32(pol.weight),
			WeightDPF:       uint32(pol.weight_dpf),
			Load:            uint32(pol.load),
			LoadDegradation: uint32(pol.load_degradation),
			LoadDPF:         uint32(pol.load_dpf),
		}
	}

	id := uint32(*peID)
	if id == 0 {
		own := c.Registered(h)
		for id == 0 || slices.Contains(own, id) {
			id = asap.NewPEID()
		}
		*peID = C.uint(id)
	}
	el := asap.Element{
		ID:             id,
		User:           user,
		Policy:         info.Wire(),
		ReregInterval:  -1,
		RegLife:        time.Duration(life) * time.Millisecond,
		ControlChannel: flags&regfControlChannel != 0,
		DontWait:       flags&regfDontWait != 0,
	}
	if flags&regfDaemonMode != 0 {
		el.ReregInterval = 0 // a third of the registration life
	}
	if _, err := c.Register(context.Background(), h, el); err != nil {
		netlog.Printf("rsp_pe_registration: %v", err)
		return rsperr(errp, err)
	}
	return 0
}

// REGF_* and DEREGF_* (include/rserpool.h).
const (
	regfDontWait       = 1 << 0
	regfControlChannel = 1 << 1
	regfDaemonMode     = 1 << 2
	deregfDontWait     = 1 << 0
)

// nc_rsp_pe_deregistration deregisters a pool element this process
// registered. DEREGF_DONTWAIT returns at once; the Deregistration is sent
// in the background (its failure is logged).
//
//export nc_rsp_pe_deregistration
func nc_rsp_pe_deregistration(handle *C.uchar, size C.size_t, peID C.uint, flags C.int, errp *C.int) (st C.uint) {
	defer recoverRSPErr(&st, errp)
	c, h, st := clientAndHandle(handle, size, errp)
	if st != 0 {
		return st
	}
	id := uint32(peID)
	if !slices.Contains(c.Registered(h), id) {
		return rsperr(errp, asap.ErrNotRegistered)
	}
	if flags&deregfDontWait != 0 {
		go func() {
			defer recoverQuiet()
			if err := c.Deregister(context.Background(), h, id); err != nil {
				netlog.Printf("rsp_pe_deregistration: %v", err)
			}
		}()
		return 0
	}
	if err := c.Deregister(context.Background(), h, id); err != nil {
		netlog.Printf("rsp_pe_deregistration: %v", err)
		return rsperr(errp, err)
	}
	return 0
}

// nc_rsp_pe_failure reports a pool element unreachable.
//
//export nc_rsp_pe_failure
func nc_rsp_pe_failure(handle *C.uchar, size C.size_t, peID C.uint, errp *C.int) (st C.uint) {
	defer recoverRSPErr(&st, errp)
	c, h, st := clientAndHandle(handle, size, errp)
	if st != 0 {
		return st
	}
	return rsperr(errp, c.ReportUnreachable(context.Background(), h, uint32(peID)))
}

// nc_rsp_getaddrinfo resolves a pool handle: up to items elements (1 to
// 128; 0 means 1, as rsplib's max(1, min(items, 128))). It returns their
// number and stores two malloc(3) arrays the front frees: *pes, one entry
// per element, and *addrs, their addresses. On failure it returns a
// REAI_* code: REAI_NONAME for an unknown pool or one without elements,
// REAI_SYSTEM (errno set) for anything else.
//
//export nc_rsp_getaddrinfo
func nc_rsp_getaddrinfo(handle *C.uchar, size C.size_t, items C.size_t, staleMS C.uint,
	pes **C.struct_nc_rsp_pe, addrs **C.struct_nc_rsp_addr, errp *C.int) (n C.int) {
	defer func() {
		if v := recover(); v != nil {
			reportPanic(v)
			setErr(errp, syscall.EIO)
			n = reaiSystem
		}
	}()
	if pes == nil || addrs == nil {
		setErr(errp, syscall.EINVAL)
		return reaiSystem
	}
	*pes, *addrs = nil, nil
	c, err := rspClient()
	if err != nil {
		setErr(errp, err)
		return reaiSystem
	}
	h, err := poolHandle(handle, size)
	if err != nil {
		setErr(errp, err)
		return reaiSystem
	}
	want := int(min(max(items, 1), maxResolutionItems))
	stale := time.Duration(staleMS) * time.Millisecond
	elems, _, err := c.ResolveStale(context.Background(), h, want, stale)
	if err != nil {
		if errors.Is(err, asap.ErrUnknownPoolHandle) {
			setErr(errp, err)
			return reaiNoName
		}
		netlog.Printf("rsp_getaddrinfo: %v", err)
		setErr(errp, err)
		return reaiSystem
	}
	if len(elems) > want {
		elems = elems[:want]
	}
	if len(elems) == 0 {
		setErr(errp, syscall.ENOENT)
		return reaiNoName
	}
	total := 0
	for _, e := range elems {
		total += len(e.User.Addrs)
	}
	pp := (*C.struct_nc_rsp_pe)(C.calloc(C.size_t(len(elems)), C.size_t(unsafe.Sizeof(C.struct_nc_rsp_pe{}))))
	ap := (*C.struct_nc_rsp_addr)(C.calloc(C.size_t(max(total, 1)), C.size_t(unsafe.Sizeof(C.struct_nc_rsp_addr{}))))
	if pp == nil || ap == nil {
		C.free(unsafe.Pointer(pp))
		C.free(unsafe.Pointer(ap))
		setErr(errp, syscall.ENOMEM)
		return reaiMemory
	}
	outPE := unsafe.Slice(pp, len(elems))
	outAddr := unsafe.Slice(ap, max(total, 1))
	k := 0
	for i, e := range elems {
		outPE[i] = C.struct_nc_rsp_pe{
			id:       C.uint(e.ID),
			protocol: protocolOf(e.User.Kind),
			first:    C.size_t(k),
			naddrs:   C.size_t(len(e.User.Addrs)),
		}
		for _, a := range e.User.Addrs {
			putAddr(&outAddr[k], netip.AddrPortFrom(a, e.User.Port))
			k++
		}
	}
	*pes, *addrs = pp, ap
	return C.int(len(elems))
}

// putAddr flattens one address.
func putAddr(out *C.struct_nc_rsp_addr, ap netip.AddrPort) {
	a := ap.Addr()
	*out = C.struct_nc_rsp_addr{port: C.ushort(ap.Port())}
	dst := cBytes(unsafe.Pointer(&out.addr[0]), 16)
	if a.Is4() || a.Is4In6() {
		out.family = C.AF_INET
		b := a.Unmap().As4()
		copy(dst, b[:])
		return
	}
	out.family = C.AF_INET6
	b := a.As16()
	copy(dst, b[:])
}
