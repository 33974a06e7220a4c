package main

// RSVP RAPI (include/rapi.h, include/rapi_lib.h) over rsvpd's local API
// (core/rsvp/api). The front (capi/front/rapi*.c) checks the C arguments,
// walks the object lists by len and converts them to the flat forms of
// nc_abi.h; these exports hold the process's one API connection, the sid
// table and the event queue. Events are queued here and announced on an
// eventfd (the descriptor rapi_getfd returns), readable exactly while
// events are pending or the daemon has gone away; rapi_dispatch takes
// them all with nc_rapi_take and makes the upcalls in C.

/*
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "nc_abi.h"
*/
import "C"

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"netcompat/core/cbridge"
	"netcompat/core/rsvp/api"
	"netcompat/core/rsvp/config"
)

// RAPI error codes (the sheet's numbering, as rsvpd's).
const (
	rapiErrOK          = 0
	rapiErrInval       = 1
	rapiErrBadSID      = 3
	rapiErrBadStyle    = 5
	rapiErrSyscall     = 6
	rapiErrMemFull     = 8
	rapiErrNoRSVP      = 9
	rapiErrObjType     = 10
	rapiErrUnsupported = 254
)

// RAPI event types and styles.
const (
	rapiPathEvent   = 1
	rapiResvEvent   = 2
	rapiPathError   = 3
	rapiResvError   = 4
	rapiResvConfirm = 5
	rapiPathStatus  = 9
	rapiResvStatus  = 10

	rapiStyleWF = 1
	rapiStyleFF = 2
	rapiStyleSE = 3

	rapiReqConfirm = 0x20
	rapiUseIntServ = 0x10
	rapiGPISession = 0x08

	rsvpErrAPI = 20
)

type rapiSession struct {
	handler, arg unsafe.Pointer // C pointers, never Go memory
	flags        uint32
	// The latest path and resv state, for rapi_status.
	lastPath, lastResv *api.Event
}

// rapiState is the process's connection to rsvpd.
var rapiState struct {
	mu       sync.Mutex
	client   *api.Client
	notifier *cbridge.Notifier
	sessions map[uint32]*rapiSession
	queue    []*api.Event
	gone     bool // the daemon went away; reported once by take
	timeout  time.Duration
}

func rapiTimeout() time.Duration {
	if rapiState.timeout > 0 {
		return rapiState.timeout
	}
	return 10 * time.Second
}

// rapiClient returns the connection, dialling it on first use (mu held).
func rapiClient() (*api.Client, int) {
	s := &rapiState
	if s.client != nil && !s.gone {
		return s.client, 0
	}
	if s.client != nil {
		// The daemon went away: start afresh when a new session is asked.
		return nil, rapiErrNoRSVP
	}
	if s.notifier == nil {
		n, err := cbridge.NewNotifier()
		if err != nil {
			return nil, rapiErrSyscall
		}
		s.notifier = n
	}
	ctx, cancel := context.WithTimeout(context.Background(), rapiTimeout())
	defer cancel()
	c, err := api.Dial(ctx, rapiSocketPath())
	if err != nil {
		return nil, rapiErrNoRSVP
	}
	s.client = c
	s.sessions = make(map[uint32]*rapiSession)
	go rapiRead(c)
	return c, 0
}

// rapiSocketPath is RSVP_API_SOCKET as the program's C environment has it
// now (a program may setenv it after the Go runtime copied its
// environment), else rsvpd's default.
func rapiSocketPath() string {
	name := C.CString(api.SocketEnv)
	defer C.free(unsafe.Pointer(name))
	if v := C.getenv(name); v != nil && *v != 0 {
		return C.GoString(v)
	}
	return api.SocketPath("", config.DefaultAPISocket)
}

// supersede queues ev. A path or resv event carries the session's
// complete current state, so it replaces a queued one of the same kind
// for the same sid: a process that never dispatches (qtoq's
// REQ_SIGNAL_NORET_EVENTS) holds at most one of each per session, and a
// slow one gets the newest state without the stale ones before it.
// Errors and confirmations are one-shot and always kept.
func supersede(q []*api.Event, ev *api.Event) []*api.Event {
	if ev.Event == api.EventPath || ev.Event == api.EventResv {
		for i, old := range q {
			if old.SID == ev.SID && old.Event == ev.Event {
				q = append(q[:i], q[i+1:]...)
				break
			}
		}
	}
	return append(q, ev)
}

// rapiRead queues the events of c and signals the descriptor.
func rapiRead(c *api.Client) {
	for ev := range c.Events() {
		rapiState.mu.Lock()
		if rapiState.client == c {
			if s := rapiState.sessions[ev.SID]; s != nil {
				switch ev.Event {
				case api.EventPath:
					s.lastPath = ev
				case api.EventResv:
					s.lastResv = ev
				}
			}
			rapiState.queue = supersede(rapiState.queue, ev)
			rapiState.notifier.Signal()
		}
		rapiState.mu.Unlock()
	}
	rapiState.mu.Lock()
	if rapiState.client == c {
		rapiState.gone = true
		rapiState.notifier.Signal()
	}
	rapiState.mu.Unlock()
}

// rapiCode turns a call's error into a RAPI code.
func rapiCode(err error, errp *C.int) C.int {
	if err == nil {
		return rapiErrOK
	}
	var e *api.Error
	if errors.As(err, &e) && e.RAPI != 0 {
		return C.int(e.RAPI)
	}
	if errors.Is(err, api.ErrClosed) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) {
		setErr(errp, syscall.ECONNRESET)
		return rapiErrNoRSVP
	}
	if errors.Is(err, context.DeadlineExceeded) {
		setErr(errp, syscall.ETIMEDOUT)
		return rapiErrNoRSVP
	}
	setErr(errp, err)
	return rapiErrSyscall
}

func recoverRAPI(st *C.int, errp *C.int) {
	if v := recover(); v != nil {
		reportPanic(v)
		*st = rapiErrSyscall
		setErr(errp, syscall.EIO)
	}
}

func addrFromC(a *C.struct_nc_rapi_addr) (netip.Addr, uint16, bool) {
	b := C.GoBytes(unsafe.Pointer(&a.addr[0]), 16)
	switch a.family {
	case C.AF_INET:
		return netip.AddrFrom4([4]byte(b[:4])), uint16(a.port), true
	case C.AF_INET6:
		return netip.AddrFrom16([16]byte(b)).Unmap(), uint16(a.port), true
	}
	return netip.Addr{}, 0, false
}

func addrToC(a netip.Addr, port uint16, out *C.struct_nc_rapi_addr) {
	*out = C.struct_nc_rapi_addr{}
	if !a.IsValid() {
		return
	}
	out.port = C.ushort(port)
	if a.Is4() || a.Is4In6() {
		out.family = C.AF_INET
		b := a.Unmap().As4()
		for i := range b {
			out.addr[i] = C.uchar(b[i])
		}
		return
	}
	out.family = C.AF_INET6
	b := a.As16()
	for i := range b {
		out.addr[i] = C.uchar(b[i])
	}
}

func tbFromC(f *C.struct_nc_rapi_flow) api.TokenBucket {
	return api.TokenBucket{Rate: api.Float(f.r), Bucket: api.Float(f.b), Peak: api.Float(f.p),
		MinPoliced: uint32(f.m), MaxPacket: uint32(f.M)}
}

func flowToC(service int, tb api.TokenBucket, R api.Float, S uint32, out *C.struct_nc_rapi_flow) {
	*out = C.struct_nc_rapi_flow{service: C.int(service), r: C.double(tb.Rate), b: C.double(tb.Bucket),
		p: C.double(tb.Peak), m: C.uint(tb.MinPoliced), M: C.uint(tb.MaxPacket), R: C.double(R), S: C.uint(S)}
}

var styleToAPI = map[int]int{rapiStyleWF: api.StyleWF, rapiStyleFF: api.StyleFF, rapiStyleSE: api.StyleSE}

func styleFromAPI(s int) int {
	for k, v := range styleToAPI {
		if v == s {
			return k
		}
	}
	return 0
}

func rapiCtx() (context.Context, context.CancelFunc) {
	rapiState.mu.Lock()
	d := rapiTimeout()
	rapiState.mu.Unlock()
	return context.WithTimeout(context.Background(), d)
}

// lookup returns the client and the session of sid.
func rapiLookup(sid C.uint) (*api.Client, *rapiSession, int) {
	rapiState.mu.Lock()
	defer rapiState.mu.Unlock()
	s := rapiState.sessions[uint32(sid)]
	if s == nil {
		return nil, nil, rapiErrBadSID
	}
	if rapiState.gone {
		return nil, nil, rapiErrNoRSVP
	}
	return rapiState.client, s, 0
}

//export nc_rapi_session
func nc_rapi_session(dest *C.struct_nc_rapi_addr, proto C.int, flags C.uint, handler, arg unsafe.Pointer,
	sid *C.uint, errp *C.int) (st C.int) {
	defer recoverRAPI(&st, errp)
	if dest == nil || sid == nil {
		return rapiErrInval
	}
	*sid = 0
	addr, port, ok := addrFromC(dest)
	if !ok {
		return rapiErrInval
	}
	if flags&rapiGPISession != 0 {
		return rapiErrUnsupported
	}
	if proto == 0 {
		proto = 17
	}
	if proto < 0 || proto > 255 {
		return rapiErrInval
	}
	rapiState.mu.Lock()
	if rapiState.gone {
		// A new session after the daemon went away: a new connection.
		rapiState.client.Close()
		rapiState.client, rapiState.gone, rapiState.queue = nil, false, nil
		rapiState.notifier.Clear()
	}
	c, code := rapiClient()
	rapiState.mu.Unlock()
	if code != 0 {
		return C.int(code)
	}
	ctx, cancel := rapiCtx()
	defer cancel()
	id, err := c.Session(ctx, api.SessionSpec{Dest: addr, Proto: uint8(proto), Port: port})
	if err != nil {
		return rapiCode(err, errp)
	}
	rapiState.mu.Lock()
	rapiState.sessions[id] = &rapiSession{handler: handler, arg: arg, flags: uint32(flags)}
	rapiState.mu.Unlock()
	*sid = C.uint(id)
	return 0
}

//export nc_rapi_sender
func nc_rapi_sender(sid C.uint, flags C.uint, host *C.struct_nc_rapi_addr, tmpl *C.struct_nc_rapi_addr,
	tspec *C.struct_nc_rapi_flow, ads *C.struct_nc_rapi_ads, ttl C.int, errp *C.int) (st C.int) {
	defer recoverRAPI(&st, errp)
	c, _, code := rapiLookup(sid)
	if code != 0 {
		return C.int(code)
	}
	ctx, cancel := rapiCtx()
	defer cancel()
	if host == nil && tmpl == nil {
		return rapiCode(c.Sender(ctx, uint32(sid), nil), errp)
	}
	if tspec == nil {
		return 12 // RAPI_ERR_NOTSPEC
	}
	spec := &api.SenderSpec{Tspec: tbFromC(tspec), TTL: int(ttl)}
	src := host
	if tmpl != nil {
		src = tmpl
	}
	a, port, ok := addrFromC(src)
	if !ok {
		return rapiErrInval
	}
	spec.Host, spec.Port = a, port
	if ads != nil && ads.present != 0 {
		ad := &api.Adspec{HopCount: uint32(ads.hops), PathBandwidth: api.Float(ads.bw), MinLatency: uint32(ads.latency),
			MTU: uint32(ads.mtu), ControlledLoad: ads.has_cl != 0, Break: ads.brk != 0}
		if ads.has_gs != 0 {
			ad.Guaranteed = &api.Guaranteed{Ctot: uint32(ads.Ctot), Dtot: uint32(ads.Dtot), Csum: uint32(ads.Csum),
				Dsum: uint32(ads.Dsum), Break: ads.gs_brk != 0}
		}
		spec.Adspec = ad
	}
	return rapiCode(c.Sender(ctx, uint32(sid), spec), errp)
}

//export nc_rapi_reserve
func nc_rapi_reserve(sid C.uint, flags C.uint, rhost *C.struct_nc_rapi_addr, style C.int,
	filts *C.struct_nc_rapi_addr, nfilt C.int, flows *C.struct_nc_rapi_flow, nflow C.int, errp *C.int) (st C.int) {
	defer recoverRAPI(&st, errp)
	c, _, code := rapiLookup(sid)
	if code != 0 {
		return C.int(code)
	}
	ctx, cancel := rapiCtx()
	defer cancel()
	if nflow == 0 {
		return rapiCode(c.Reserve(ctx, uint32(sid), nil), errp)
	}
	as, ok := styleToAPI[int(style)]
	if !ok {
		return rapiErrBadStyle
	}
	spec := &api.ReserveSpec{Style: as, Confirm: flags&rapiReqConfirm != 0}
	if rhost != nil {
		if a, _, ok := addrFromC(rhost); ok && !a.IsUnspecified() {
			spec.Receiver = a
		}
	}
	if nfilt > 0 {
		for _, f := range unsafe.Slice(filts, int(nfilt)) {
			a, port, ok := addrFromC(&f)
			if !ok {
				return rapiErrObjType
			}
			spec.Filters = append(spec.Filters, api.Filter{Addr: a, Port: port})
		}
	}
	for _, f := range unsafe.Slice(flows, int(nflow)) {
		fs := api.Flowspec{Service: int(f.service), TokenBucket: tbFromC(&f)}
		switch f.service {
		case api.ServiceGuaranteed:
			fs.Rate, fs.Slack = api.Float(f.R), uint32(f.S)
		case api.ServiceControlledLoad:
		default:
			return rapiErrObjType
		}
		spec.Flowspecs = append(spec.Flowspecs, fs)
	}
	return rapiCode(c.Reserve(ctx, uint32(sid), spec), errp)
}

//export nc_rapi_release
func nc_rapi_release(sid C.uint, errp *C.int) (st C.int) {
	defer recoverRAPI(&st, errp)
	rapiState.mu.Lock()
	s := rapiState.sessions[uint32(sid)]
	delete(rapiState.sessions, uint32(sid))
	c, gone := rapiState.client, rapiState.gone
	rapiState.mu.Unlock()
	if s == nil {
		return rapiErrBadSID
	}
	if gone {
		return rapiErrNoRSVP
	}
	ctx, cancel := rapiCtx()
	defer cancel()
	return rapiCode(c.Release(ctx, uint32(sid)), errp)
}

//export nc_rapi_getfd
func nc_rapi_getfd(sid C.uint) (fd C.int) {
	fd = -1
	defer recoverQuiet()
	rapiState.mu.Lock()
	defer rapiState.mu.Unlock()
	if rapiState.sessions[uint32(sid)] == nil || rapiState.notifier == nil {
		return -1
	}
	return C.int(rapiState.notifier.Fd())
}

//export nc_rapi_set_timo
func nc_rapi_set_timo(ms C.int) C.int {
	rapiState.mu.Lock()
	defer rapiState.mu.Unlock()
	if ms <= 0 {
		rapiState.timeout = 0
	} else {
		rapiState.timeout = time.Duration(ms) * time.Millisecond
	}
	return 0
}

// nc_rapi_status queues status upcalls for sid (ISI's test hook):
// RAPI_PATH_STATUS with the session's latest path state (flags
// RAPI_STAT_PATH) and RAPI_RESV_STATUS with its latest reservation
// state (RAPI_STAT_RESV); no flag asks for both.
//
//export nc_rapi_status
func nc_rapi_status(sid C.uint, flags C.int, errp *C.int) (st C.int) {
	defer recoverRAPI(&st, errp)
	const statPath, statResv = 0x80, 0x40
	if flags&(statPath|statResv) == 0 {
		flags |= statPath | statResv
	}
	rapiState.mu.Lock()
	defer rapiState.mu.Unlock()
	s := rapiState.sessions[uint32(sid)]
	if s == nil {
		return rapiErrBadSID
	}
	if rapiState.gone {
		return rapiErrNoRSVP
	}
	path, resv := s.lastPath, s.lastResv
	if path == nil {
		path = &api.Event{Event: api.EventPath, SID: uint32(sid)}
	}
	if resv == nil {
		resv = &api.Event{Event: api.EventResv, SID: uint32(sid)}
	}
	if flags&statPath != 0 {
		ev := *path
		ev.Event, ev.Error = evPathStatus, nil
		rapiState.queue = append(rapiState.queue, &ev)
	}
	if flags&statResv != 0 {
		ev := *resv
		ev.Event, ev.Error = evResvStatus, nil
		rapiState.queue = append(rapiState.queue, &ev)
	}
	rapiState.notifier.Signal()
	return 0
}

// Status events, made here (never sent by rsvpd).
const (
	evPathStatus = "nc_path_status"
	evResvStatus = "nc_resv_status"
)

// nc_rapi_take hands every pending event to the front as malloc'd arrays
// (NULL when empty; the front frees them). It returns RAPI_ERR_NORSVP
// once the daemon has gone away and no event is left.
//
//export nc_rapi_take
func nc_rapi_take(evs **C.struct_nc_rapi_event, nevs *C.size_t, filts **C.struct_nc_rapi_addr,
	flows **C.struct_nc_rapi_flow, ads **C.struct_nc_rapi_ads, errp *C.int) (st C.int) {
	defer recoverRAPI(&st, errp)
	*evs, *nevs, *filts, *flows, *ads = nil, 0, nil, nil, nil
	rapiState.mu.Lock()
	q := rapiState.queue
	rapiState.queue = nil
	gone := rapiState.gone
	if rapiState.notifier != nil && !gone {
		rapiState.notifier.Clear()
	}
	type item struct {
		ev *api.Event
		s  *rapiSession
	}
	var items []item
	for _, ev := range q {
		if s := rapiState.sessions[ev.SID]; s != nil {
			items = append(items, item{ev, s})
		}
	}
	rapiState.mu.Unlock()
	if len(items) == 0 {
		if gone {
			return rapiErrNoRSVP
		}
		return 0
	}
	var cf []C.struct_nc_rapi_addr
	var cq []C.struct_nc_rapi_flow
	var ca []C.struct_nc_rapi_ads
	ce := make([]C.struct_nc_rapi_event, len(items))
	for i, it := range items {
		ev, e := it.ev, &ce[i]
		e.sid = C.uint(ev.SID)
		e.handler, e.arg = it.s.handler, it.s.arg
		if it.s.flags&rapiUseIntServ != 0 {
			e.intserv = 1
		}
		e.first_filt, e.first_flow, e.first_ads = C.size_t(len(cf)), C.size_t(len(cq)), C.size_t(len(ca))
		switch ev.Event {
		case api.EventPath:
			e._type = rapiPathEvent
		case api.EventPathError:
			e._type = rapiPathError
		case api.EventResv:
			e._type = rapiResvEvent
		case api.EventResvError:
			e._type = rapiResvError
		case api.EventResvConfirm:
			e._type = rapiResvConfirm
		case evPathStatus:
			e._type = rapiPathStatus
		case evResvStatus:
			e._type = rapiResvStatus
		default:
			continue
		}
		if ev.Error != nil {
			if ev.Error.RAPI != 0 {
				e.code, e.value = rsvpErrAPI, C.int(ev.Error.RAPI)
			} else {
				e.code, e.value = C.int(ev.Error.Code), C.int(ev.Error.Value)
			}
			addrToC(ev.Error.Node, 0, &e.node)
			e.eflags = C.uint(ev.Error.Flags)
		}
		switch e._type {
		case rapiPathEvent, rapiPathError, rapiPathStatus:
			anyAds := false
			for _, s := range ev.Senders {
				if s.Adspec != nil {
					anyAds = true
				}
			}
			for _, s := range ev.Senders {
				var a C.struct_nc_rapi_addr
				addrToC(s.Filter.Addr, s.Filter.Port, &a)
				cf = append(cf, a)
				var q C.struct_nc_rapi_flow
				flowToC(C.NC_RAPI_TSPEC, s.Tspec, 0, 0, &q)
				cq = append(cq, q)
				if anyAds {
					var d C.struct_nc_rapi_ads
					if ad := s.Adspec; ad != nil {
						d = C.struct_nc_rapi_ads{present: 1, hops: C.uint(ad.HopCount), bw: C.double(ad.PathBandwidth),
							latency: C.uint(ad.MinLatency), mtu: C.uint(ad.MTU)}
						if ad.Break {
							d.brk = 1
						}
						if ad.ControlledLoad {
							d.has_cl = 1
						}
						if g := ad.Guaranteed; g != nil {
							d.has_gs, d.Ctot, d.Dtot, d.Csum, d.Dsum = 1, C.uint(g.Ctot), C.uint(g.Dtot), C.uint(g.Csum), C.uint(g.Dsum)
							if g.Break {
								d.gs_brk = 1
							}
						}
					}
					ca = append(ca, d)
				}
			}
			e.nfilt, e.nflow = C.size_t(len(ev.Senders)), C.size_t(len(ev.Senders))
			if anyAds {
				e.nads = C.size_t(len(ev.Senders))
			}
		default:
			e.style = C.int(styleFromAPI(ev.Style))
			for _, f := range ev.Filters {
				var a C.struct_nc_rapi_addr
				addrToC(f.Addr, f.Port, &a)
				cf = append(cf, a)
			}
			for _, f := range ev.Flowspecs {
				var q C.struct_nc_rapi_flow
				flowToC(f.Service, f.TokenBucket, f.Rate, f.Slack, &q)
				cq = append(cq, q)
			}
			e.nfilt, e.nflow = C.size_t(len(ev.Filters)), C.size_t(len(ev.Flowspecs))
		}
	}
	*evs = cArray(ce)
	*filts = cArray(cf)
	*flows = cArray(cq)
	*ads = cArray(ca)
	if (len(ce) > 0 && *evs == nil) || (len(cf) > 0 && *filts == nil) || (len(cq) > 0 && *flows == nil) || (len(ca) > 0 && *ads == nil) {
		C.free(unsafe.Pointer(*evs))
		C.free(unsafe.Pointer(*filts))
		C.free(unsafe.Pointer(*flows))
		C.free(unsafe.Pointer(*ads))
		*evs, *filts, *flows, *ads = nil, nil, nil, nil
		return rapiErrMemFull
	}
	*nevs = C.size_t(len(ce))
	return 0
}

// cArray copies s into malloc'd memory; nil when s is empty.
func cArray[T any](s []T) *T {
	if len(s) == 0 {
		return nil
	}
	var zero T
	n := C.size_t(len(s)) * C.size_t(unsafe.Sizeof(zero))
	p := C.malloc(n)
	if p == nil {
		return nil
	}
	C.memcpy(p, unsafe.Pointer(&s[0]), n)
	return (*T)(p)
}

// nc_rapi_nosignal asks rsvpd for a "no signalling" reservation (qtoq
// REQ_NOSIGNAL) on the process's connection, so that it goes with the
// process: the rule named rule (NULL or "": the one matching proto, the
// local port and the remote address), for the flow from local to remote
// (family 0: unknown). It stores the reservation's handle. Errors: a RAPI
// code with *err ENOENT (no rule matches), ENOSPC (the interface's pool
// cannot take it: RSVP admission control failure), EIO (traffic control
// refused it), EINVAL (bad request), ECONNRESET / ETIMEDOUT (no rsvpd).
//
//export nc_rapi_nosignal
func nc_rapi_nosignal(proto C.int, local, remote *C.struct_nc_rapi_addr, rule *C.char,
	handle *C.ulonglong, errp *C.int) (st C.int) {
	defer recoverRAPI(&st, errp)
	if handle == nil || proto < 0 || proto > 255 {
		setErr(errp, syscall.EINVAL)
		return rapiErrInval
	}
	spec := api.NoSignalSpec{Proto: uint8(proto)}
	if local != nil {
		spec.Local, spec.LocalPort, _ = addrFromC(local)
	}
	if remote != nil {
		spec.Remote, spec.RemotePort, _ = addrFromC(remote)
	}
	if rule != nil {
		spec.Rule = C.GoString(rule)
	}
	if spec.LocalPort == 0 && spec.Rule == "" {
		setErr(errp, syscall.EINVAL)
		return rapiErrInval
	}
	rapiState.mu.Lock()
	c, code := rapiClient()
	rapiState.mu.Unlock()
	if code != 0 {
		setErr(errp, syscall.ECONNREFUSED)
		return C.int(code)
	}
	ctx, cancel := rapiCtx()
	defer cancel()
	h, _, err := c.NoSignal(ctx, spec)
	if err != nil {
		return noSignalCode(err, errp)
	}
	*handle = C.ulonglong(h)
	return rapiErrOK
}

// nc_rapi_nosignal_remove removes reservation handle; *err ENOENT when
// rsvpd has no such reservation of this process.
//
//export nc_rapi_nosignal_remove
func nc_rapi_nosignal_remove(handle C.ulonglong, errp *C.int) (st C.int) {
	defer recoverRAPI(&st, errp)
	rapiState.mu.Lock()
	c, gone := rapiState.client, rapiState.gone
	rapiState.mu.Unlock()
	if c == nil || gone {
		// No connection: rsvpd dropped the process's reservations with it.
		setErr(errp, syscall.ECONNRESET)
		return rapiErrNoRSVP
	}
	ctx, cancel := rapiCtx()
	defer cancel()
	if err := c.NoSignalRemove(ctx, uint64(handle)); err != nil {
		return noSignalCode(err, errp)
	}
	return rapiErrOK
}

// noSignalCode is rapiCode with the errno of a nosignal refusal.
func noSignalCode(err error, errp *C.int) C.int {
	var e *api.Error
	if !errors.As(err, &e) {
		return rapiCode(err, errp)
	}
	switch {
	case e.Reason == api.ReasonNoRule || e.Reason == api.ReasonNoHandle:
		setErr(errp, syscall.ENOENT)
	case e.RAPI == 0 && e.Code == 1: // admission control failure
		setErr(errp, syscall.ENOSPC)
		return rapiErrSyscall
	case e.RAPI == 0:
		setErr(errp, syscall.EIO)
		return rapiErrSyscall
	default:
		setErr(errp, syscall.EINVAL)
	}
	return C.int(e.RAPI)
}
