package main

// rsplib's library start and stop: rsp_initialize and rsp_cleanup
// (include/rserpool.h), over core/rserpool/asap. The front
// (capi/front/rserpool_init.c) flattens struct rsp_info into a struct
// nc_rsp_config.

/*
#include <sys/socket.h>
#include "nc_abi.h"
*/
import "C"

import (
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"netcompat/core/cbridge"
	"netcompat/core/netlog"
	"netcompat/core/rserpool/asap"
	"netcompat/core/rserpool/csp"
)

// rsplib is the process's one ASAP instance, as in rsplib, where
// rsp_initialize creates it and every basic-mode call uses it. Calls made
// before rsp_initialize (or after rsp_cleanup) fail as rsplib's do; the
// library does not start itself.
var rsplib struct {
	mu  sync.Mutex
	c   *asap.Client
	csp *csp.Reporter // nil: no CSP reports
}

// errNotInitialized: a call before rsp_initialize. EACCES, as the socket
// calls report it (include/rserpool.h).
var errNotInitialized = cbridge.Errorf(syscall.EACCES, "rsplib is not initialized")

// rspClient returns the ASAP instance, or errNotInitialized.
func rspClient() (*asap.Client, error) {
	rsplib.mu.Lock()
	defer rsplib.mu.Unlock()
	if rsplib.c == nil {
		return nil, errNotInitialized
	}
	return rsplib.c, nil
}

// rspAddrPort converts one flattened address.
func rspAddrPort(a *C.struct_nc_rsp_addr) (netip.AddrPort, bool) {
	var ip netip.Addr
	switch a.family {
	case C.AF_INET:
		ip = netip.AddrFrom4([4]byte(cBytes(unsafe.Pointer(&a.addr[0]), 4)))
	case C.AF_INET6:
		ip = netip.AddrFrom16([16]byte(cBytes(unsafe.Pointer(&a.addr[0]), 16)))
		if a.scope_id != 0 {
			ip = ip.WithZone(strconv.FormatUint(uint64(a.scope_id), 10))
		}
	default:
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ip, uint16(a.port)), true
}

func msDuration(ms C.uint) time.Duration { return time.Duration(ms) * time.Millisecond }

// rspConfig turns the flattened rsp_info into an asap.Config; zero fields
// keep asap's defaults, which are rsplib's.
func rspConfig(cfg *C.struct_nc_rsp_config) (asap.Config, error) {
	var out asap.Config
	// NETCOMPAT_ASAP_LISTEN=addr:port[,addr:port...] makes the elements
	// reachable by a registrar that takes them over (asap.Config.ASAPListen):
	// rsplib's elements are, through their one-to-many ASAP socket.
	if v := os.Getenv("NETCOMPAT_ASAP_LISTEN"); v != "" {
		for _, item := range strings.Split(v, ",") {
			ap, err := netip.ParseAddrPort(strings.TrimSpace(item))
			if err != nil {
				return out, cbridge.Errorf(syscall.EINVAL, "NETCOMPAT_ASAP_LISTEN: bad address "+strconv.Quote(item))
			}
			out.ASAPListen = append(out.ASAPListen, ap)
		}
	}
	if cfg == nil {
		return out, nil
	}
	out.AnnounceTimeout = msDuration(cfg.announce_timeout)
	out.ConnectTimeout = msDuration(cfg.connect_timeout)
	out.ConnectMaxTrials = int(cfg.connect_max_trials)
	out.RequestTimeout = msDuration(cfg.request_timeout)
	out.ResponseTimeout = msDuration(cfg.response_timeout)
	out.RequestMaxTrials = int(cfg.request_max_trials)
	out.DisableAnnounce = cfg.disable_autoconfig != 0
	if cfg.has_announce != 0 {
		ap, ok := rspAddrPort(&cfg.announce)
		if !ok {
			return out, cbridge.Errorf(syscall.EAFNOSUPPORT, "rsp_initialize: bad announce address")
		}
		out.AnnounceGroup = ap
	}
	if cfg.nregistrars > 0 {
		if cfg.registrars == nil {
			return out, syscall.EINVAL
		}
		addrs := unsafe.Slice(cfg.registrars, int(cfg.nregistrars))
		group := C.int(-1)
		for i := range addrs {
			ap, ok := rspAddrPort(&addrs[i])
			if !ok {
				return out, cbridge.Errorf(syscall.EAFNOSUPPORT, "rsp_initialize: bad registrar address")
			}
			if addrs[i].group != group || len(out.Registrars) == 0 {
				out.Registrars = append(out.Registrars, nil)
				group = addrs[i].group
			}
			last := len(out.Registrars) - 1
			out.Registrars[last] = append(out.Registrars[last], ap)
		}
	}
	return out, nil
}

// nc_rsp_initialize starts the ASAP instance. A second call changes
// nothing and succeeds, with a log line, as rsplib's.
//
//export nc_rsp_initialize
func nc_rsp_initialize(cfg *C.struct_nc_rsp_config, errp *C.int) (st C.int) {
	defer func() {
		if v := recover(); v != nil {
			reportPanic(v)
			st = -1
			setErr(errp, syscall.EIO)
		}
	}()
	rsplib.mu.Lock()
	defer rsplib.mu.Unlock()
	if rsplib.c != nil {
		netlog.Printf("rsplib is already initialized")
		return 0
	}
	conf, err := rspConfig(cfg)
	if err == nil {
		rsplib.c, err = asap.New(conf)
	}
	if err != nil {
		netlog.Printf("rsp_initialize: %v", err)
		setErr(errp, err)
		return -1
	}
	if cfg != nil && cfg.has_csp != 0 {
		// As in rsplib, reporting is best effort: a monitor address that
		// cannot be used is logged, and the library works without it.
		if ap, ok := rspAddrPort(&cfg.csp_server); !ok {
			netlog.Printf("rsp_initialize: bad CSP server address")
		} else if rsplib.csp, err = csp.NewReporter(ap, msDuration(cfg.csp_interval),
			newCSPIdentity(uint64(cfg.csp_identifier)).snapshot); err != nil {
			netlog.Printf("rsp_initialize: CSP reports to %v: %v", ap, err)
		}
	}
	return 0
}

// nc_rsp_cleanup stops the ASAP instance. Pool elements registered in
// basic mode are not deregistered (rsplib does not either); the registrar
// drops them when their registration life ends.
//
//export nc_rsp_cleanup
func nc_rsp_cleanup() {
	defer recoverQuiet()
	rsplib.mu.Lock()
	c, rep := rsplib.c, rsplib.csp
	rsplib.c, rsplib.csp = nil, nil
	rsplib.mu.Unlock()
	if rep != nil {
		rep.Close() // the final report
	}
	if c != nil {
		if err := c.Close(); err != nil {
			netlog.Printf("rsp_cleanup: %v", err)
		}
	}
}
