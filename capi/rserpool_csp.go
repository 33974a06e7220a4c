package main

// Component Status Protocol reports (rsp_info's ri_csp_*, -cspserver=):
// what the process's RSerPool sockets are doing, sent to a monitor by a
// core/rserpool/csp Reporter that rsp_initialize starts and rsp_cleanup
// stops.

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"

	"netcompat/core/rserpool/csp"
	"netcompat/core/transport"
)

// cspIdentity resolves the configured identifier. rsplib reports only
// when the identifier names an object, filling a pool element's from its
// PE identifier; a program that asked for reports (-cspserver=) but set
// no identifier would get none. Here such a process reports as its first
// pool element, or, having none, as a pool user with a random identifier
// (as rsplib's own pool users choose theirs).
type cspIdentity struct {
	configured uint64
	user       uint64 // the random pool-user identifier, chosen once
}

func newCSPIdentity(configured uint64) *cspIdentity {
	var b [8]byte
	rand.Read(b[:])
	return &cspIdentity{configured: configured, user: csp.Compound(csp.GroupPoolUser, binary.BigEndian.Uint64(b[:])|1)}
}

// cspSnapshot is the report of the process's RSerPool sockets now, in
// rsplib's terms: one association entry per pool-user session with its
// element, the status text set for the only session (or "N Sessions").
func (id *cspIdentity) snapshot() (csp.Report, bool) {
	r := csp.Report{SenderID: id.configured, Workload: -1}
	rspSocks.mu.Lock()
	socks := make([]*rspSock, 0, len(rspSocks.m))
	for _, s := range rspSocks.m {
		socks = append(socks, s)
	}
	rspSocks.mu.Unlock()

	sessions, status := 0, ""
	peID, hasPE := uint32(0), false
	for _, s := range socks {
		s.mu.Lock()
		pe, pu, ps := s.pe, s.pu, s.ps
		for _, t := range s.status {
			if t != "" {
				status = t
			}
		}
		s.mu.Unlock()
		switch {
		case pu != nil:
			sessions++
			if _, peer, ok := pu.Peer(); ok {
				r.Associations = append(r.Associations, csp.Association{
					ReceiverID: csp.Compound(csp.GroupPoolElement, uint64(peer)),
					Duration:   csp.UnknownDuration,
					ProtocolID: protocolID(),
				})
			}
		case ps != nil:
			sessions++
		case pe != nil:
			sessions += len(pe.Sessions())
			if _, id, ok := pe.Identity(); ok && !hasPE {
				peID, hasPE = id, true
			}
		}
	}
	switch {
	case csp.Group(r.SenderID) == csp.GroupPoolElement && csp.Object(r.SenderID) == 0 && hasPE,
		r.SenderID == 0 && hasPE:
		r.SenderID = csp.Compound(csp.GroupPoolElement, uint64(peID))
	case r.SenderID == 0:
		r.SenderID = id.user
	}
	if status == "" || sessions != 1 {
		status = fmt.Sprintf("%d Session%s", sessions, map[bool]string{true: "", false: "s"}[sessions == 1])
	}
	r.Status = status
	r.Location = cspLocation()
	return r, true
}

// protocolID is the transport protocol number of the associations.
func protocolID() uint16 {
	if transport.DefaultBackend() == transport.BackendKernel {
		return syscall.IPPROTO_SCTP
	}
	return syscall.IPPROTO_TCP
}

// cspLocation is rsplib's component location: the host name, then the
// host's addresses of the widest scope it has.
func cspLocation() string {
	host, _ := os.Hostname()
	var global, local []string
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			switch ip := ipn.IP; {
			case ip.IsGlobalUnicast() && !ip.IsPrivate():
				global = append(global, ip.String())
			case ip.IsGlobalUnicast():
				local = append(local, ip.String())
			}
		}
	}
	addrs := global
	if len(addrs) == 0 {
		addrs = local
	}
	if len(addrs) == 0 {
		return host + ": (local only)"
	}
	return host + ": " + strings.Join(addrs, ", ")
}
