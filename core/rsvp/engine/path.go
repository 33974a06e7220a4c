package engine

import (
	"math"
	"net/netip"
	"reflect"
	"slices"
	"time"

	"netcompat/core/rsvp/wire"
)

// Path state (RFC 2205 section 3.1.3, RFC 2209 "PATH MESSAGE ARRIVES"):
// one path state block per (session, sender), created by a Path from the
// network or by a local sender (API), and forwarded downstream on the
// interfaces the routing table gives for the data.

// phopKey identifies a previous hop: its address and the LIH it gave. The
// zero key is the local API (a sender on this host).
type phopKey struct {
	addr netip.Addr
	lih  uint32
}

// psb is a path state block.
type psb struct {
	sender  wire.FilterSpec // SENDER_TEMPLATE
	tspec   wire.TSpec
	adspec  *wire.Adspec // as received (or set by the local sender)
	policy  []wire.PolicyData
	fwdObjs []wire.RawObject // unknown class 11bbbbbb objects, forwarded

	phop    wire.Hop    // invalid address for a local sender
	inIface int         // interface the Path came in on (0 for local)
	udp     bool        // the PHOP was heard over UDP encapsulation
	local   *apiSession // the API session that is this sender, if local

	outs    []Route // OutInterface_list: where the Path is forwarded
	ttl     uint8   // IP TTL (and Send_TTL) of the Paths this node sends
	nonRSVP bool    // a non-RSVP hop lies upstream (IP TTL != Send_TTL)

	r        time.Duration // R from the PHOP's TIME_VALUES
	expires  time.Time     // zero for local state, which never times out
	received time.Time     // last Path (for status)
}

func (p *psb) phopKey() phopKey {
	if p.local != nil {
		return phopKey{}
	}
	return phopKey{addr: p.phop.Addr, lih: p.phop.LIH}
}

// deliveredLocally reports whether data of sender p reaches a receiver on
// this node: the session is for one of the node's addresses, or it is a
// multicast group that a local API session listens to (a local sender
// does not hear itself on a group).
func (e *Engine) deliveredLocally(s *session, p *psb) bool {
	if e.isLocal(s.w.Dest) {
		return true
	}
	return s.w.Dest.IsMulticast() && p.local == nil && len(s.apis) > 0
}

// routedTo reports whether p's data leaves by oi (localOI: is delivered
// locally), the condition for a reservation on oi to apply to p.
func (e *Engine) routedTo(s *session, p *psb, oi int) bool {
	if oi == localOI {
		return e.deliveredLocally(s, p)
	}
	for _, r := range p.outs {
		if r.Iface == oi {
			return true
		}
	}
	return false
}

// routesFor asks the Router where p's data goes, keeping interfaces of
// this node other than the one the Path came in on, once each.
func (e *Engine) routesFor(s *session, p *psb) []Route {
	if e.isLocal(s.w.Dest) || p.ttl == 0 {
		return nil
	}
	var outs []Route
	for _, r := range e.router.Route(s.w.Dest, p.sender.Source) {
		if e.ifByIndex[r.Iface] == nil || (p.inIface != 0 && r.Iface == p.inIface) {
			continue
		}
		if slices.ContainsFunc(outs, func(o Route) bool { return o.Iface == r.Iface }) {
			continue
		}
		outs = append(outs, r)
	}
	return outs
}

func (e *Engine) recvPath(now time.Time, in *Inbound, m *wire.Path) {
	if m.Sender == nil {
		e.drop("drop_path_no_sender", "Path for %v without a sender descriptor", m.Session.Dest)
		return
	}
	snd := m.Sender.Template
	if e.isLocal(snd.Source) && !e.isLocal(m.Session.Dest) {
		// Our own Path came back (a multicast loop or a misrouted
		// copy): the local sender's state is authoritative.
		e.drop("drop_path_loop", "Path of local sender %v", snd)
		return
	}
	s := e.lookup(m.Session, false)
	if s == nil {
		if e.portConflict(m.Session) {
			e.pathErr(m.Session, in, m.Hop, wire.CodeConflictingDport, 0, m.Sender)
			return
		}
		if s = e.lookup(m.Session, true); s == nil {
			return
		}
	}
	p := s.findPSB(snd)
	if p != nil && p.local != nil {
		e.drop("drop_path_loop", "Path for local sender %v", snd)
		return
	}
	if p == nil {
		if conflictingSenderPort(s, snd) {
			e.pathErr(m.Session, in, m.Hop, wire.CodeConflictingSport, 0, m.Sender)
			e.maybeDelete(s)
			return
		}
		if len(s.psbs) >= e.maxSenders || e.nstates >= e.maxStates {
			e.drop("drop_sender_limit", "session %v: sender %v over the bound", s.w.Dest, snd)
			e.maybeDelete(s)
			return
		}
		p = &psb{sender: snd}
		s.psbs = append(s.psbs, p)
		e.nstates++
		e.count("path_state_created")
	}
	isNew := p.received.IsZero()

	ttl := in.TTL
	if ttl == 0 {
		ttl = m.SendTTL // the daemon did not see the IP TTL
	}
	nonRSVP := in.TTL != 0 && m.SendTTL != 0 && in.TTL != m.SendTTL
	var fwdTTL uint8
	if ttl > 1 {
		fwdTTL = ttl - 1
	}
	phopChanged := !isNew && (p.phop != m.Hop || p.inIface != in.Iface)
	changed := isNew || phopChanged || p.tspec != m.Sender.TSpec ||
		!reflect.DeepEqual(p.adspec, m.Sender.Adspec) || p.nonRSVP != nonRSVP ||
		p.ttl != fwdTTL || m.Session.Flags&wire.SessionEPolice != s.w.Flags
	p.tspec, p.adspec = m.Sender.TSpec, m.Sender.Adspec
	p.policy, p.fwdObjs = m.Policy, m.Forward
	p.phop, p.inIface, p.udp = m.Hop, in.Iface, in.UDP
	p.nonRSVP, p.ttl = nonRSVP, fwdTTL
	p.r = m.TimeValues.RefreshPeriod
	p.received = now
	p.expires = now.Add(e.Lifetime(p.r))
	s.w.Flags = m.Session.Flags & wire.SessionEPolice

	if isNew || phopChanged || p.ttl == 0 {
		p.outs = e.routesFor(s, p)
	}
	if changed {
		// Path_Refresh_Needed: changes travel at once, not at the next
		// refresh; reservations may now apply to this sender (WF, or FF
		// and SE naming it), and a new PHOP must get the Resv.
		for _, r := range p.outs {
			e.sendPath(s, p, r)
		}
		e.updateTC(now, s)
		e.refreshUpstream(now, s, false, nil)
		e.pathEvents(s)
	}
	e.ensureTimers(now, s)
}

// conflictingSenderPort reports a sender whose address has another
// sender in the session with port 0 where it has one, or the other way
// round (RFC 2205 section 3.2, error code 8).
func conflictingSenderPort(s *session, snd wire.FilterSpec) bool {
	if snd.Form != wire.FormPort {
		return false
	}
	for _, p := range s.psbs {
		if p.sender.Form == wire.FormPort && p.sender.Source == snd.Source && (p.sender.Port == 0) != (snd.Port == 0) {
			return true
		}
	}
	return false
}

func (e *Engine) recvPathTear(now time.Time, in *Inbound, m *wire.PathTear) {
	s := e.lookup(m.Session, false)
	if s == nil || m.Sender == nil {
		e.drop("drop_tear_no_state", "PathTear for %v without matching state", m.Session.Dest)
		return
	}
	p := s.findPSB(m.Sender.Template)
	// The PHOP must match (RFC 2209): after a route change the old
	// branch's teardown must not remove the state the new branch made.
	if p == nil || p.local != nil || p.phop.Addr != m.Hop.Addr {
		e.drop("drop_tear_no_state", "PathTear for %v from %v without matching state", m.Sender.Template, m.Hop.Addr)
		return
	}
	e.removePSB(now, s, p)
	e.ensureTimers(now, s)
	e.maybeDelete(s)
}

// removePSB deletes path state, sends PathTear downstream and removes the
// reservation state that depended on it.
func (e *Engine) removePSB(now time.Time, s *session, p *psb) {
	for _, r := range p.outs {
		e.sendPathTear(s, p, r)
	}
	// The PHOP tore (or lost) the path: a ResvTear to it would find
	// nothing, so the sender leaves the record of what was asked of it
	// silently.
	s.forgetSender(p)
	s.removePSBEntry(p)
	e.nstates--
	if p.local != nil {
		p.local.sender, p.local.lastResv = nil, nil
	}
	e.dropOrphanRSBs(s)
	e.updateTC(now, s)
	e.refreshUpstream(now, s, false, nil)
	e.pathEvents(s)
}

// dropOrphanRSBs deletes reservation state from the network that no
// longer applies to any sender (RFC 2209 "PATH TEAR ARRIVES"): FF
// reservations for a sender that left, SE filters for senders that left,
// WF reservations on an interface no sender uses. Local (API)
// reservations stay: the application's request outlives the path, as in
// ISI rsvpd, and applies again when a sender comes back.
func (e *Engine) dropOrphanRSBs(s *session) {
	for _, r := range slices.Clone(s.rsbs) {
		if r.local != nil {
			continue
		}
		switch r.style {
		case wire.WF:
			if !slices.ContainsFunc(s.psbs, func(p *psb) bool { return e.routedTo(s, p, r.oi) }) {
				e.deleteRSB(s, r)
			}
		default:
			r.filters = slices.DeleteFunc(r.filters, func(f wire.FilterSpec) bool {
				return !slices.ContainsFunc(s.psbs, func(p *psb) bool { return filterMatches(f, p.sender) })
			})
			if len(r.filters) == 0 {
				e.deleteRSB(s, r)
			}
		}
	}
}

// sendPath sends p's Path on route r, with this node as PHOP and the
// Adspec updated with the outgoing link's characterization.
func (e *Engine) sendPath(s *session, p *psb, r Route) {
	hop := e.addrOn(r.Iface, s.w.Dest)
	if !hop.IsValid() || p.ttl == 0 {
		return
	}
	m := &wire.Path{
		Session:    s.w,
		Hop:        wire.Hop{Addr: hop, LIH: uint32(r.Iface)},
		TimeValues: wire.TimeValues{RefreshPeriod: e.refresh},
		Policy:     p.policy,
		Sender:     &wire.Sender{Template: p.sender, TSpec: p.tspec, Adspec: e.composeAdspec(p, r.Iface)},
	}
	m.SendTTL = p.ttl
	m.Forward = p.fwdObjs
	e.emit(&Send{Msg: m, Iface: r.Iface, Dst: s.w.Dest, Src: p.sender.Source, NextHop: r.NextHop, RouterAlert: true, TTL: p.ttl})
	e.count("tx_path")
}

func (e *Engine) sendPathTear(s *session, p *psb, r Route) {
	hop := e.addrOn(r.Iface, s.w.Dest)
	if !hop.IsValid() || p.ttl == 0 {
		return
	}
	m := &wire.PathTear{
		Session: s.w,
		Hop:     wire.Hop{Addr: hop, LIH: uint32(r.Iface)},
		Sender:  &wire.Sender{Template: p.sender, TSpec: p.tspec},
	}
	m.SendTTL = p.ttl
	e.emit(&Send{Msg: m, Iface: r.Iface, Dst: s.w.Dest, Src: p.sender.Source, NextHop: r.NextHop, RouterAlert: true, TTL: p.ttl})
	e.count("tx_pathtear")
}

// composeAdspec folds this node's characterization of interface idx into
// p's Adspec (RFC 2210 section 3.3): hop count + 1, the smaller path
// bandwidth and MTU, latency and Guaranteed error terms added, and the
// global break bit when a non-RSVP hop lies upstream.
func (e *Engine) composeAdspec(p *psb, idx int) *wire.Adspec {
	if p.adspec == nil {
		return nil
	}
	a := *p.adspec
	if p.nonRSVP {
		a = a.MarkNonIntServHop()
	}
	a = a.Compose(e.characterize(idx))
	return &a
}

func (e *Engine) characterize(idx int) wire.LocalCharacterization {
	l := wire.LocalCharacterization{
		Bandwidth:      float32(math.Inf(1)),
		MTU:            math.MaxUint32,
		Guaranteed:     true,
		ControlledLoad: true,
	}
	ifc := e.ifByIndex[idx]
	if ifc == nil {
		return l
	}
	switch {
	case ifc.Bandwidth > 0:
		l.Bandwidth = float32(ifc.Bandwidth)
	case ifc.Pool > 0:
		l.Bandwidth = float32(ifc.Pool)
	}
	if ifc.MTU > 0 {
		l.MTU = ifc.MTU
	}
	l.Latency, l.C, l.D = ifc.Latency, ifc.C, ifc.D
	return l
}

// refreshPaths sends every Path of s (the periodic refresh).
func (e *Engine) refreshPaths(s *session) {
	for _, p := range s.psbs {
		for _, r := range p.outs {
			e.sendPath(s, p, r)
		}
	}
}
