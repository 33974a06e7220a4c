package engine

import (
	"net/netip"
	"slices"
	"time"

	"netcompat/core/rsvp/wire"
)

// Reservation state (RFC 2205 sections 3.1.4 and 3.1.5, RFC 2209 "RESV
// MESSAGE ARRIVES"): one reservation state block per (session, next hop,
// outgoing interface) for the shared styles and per (session, next hop,
// outgoing interface, filter) for FF. Local receivers' requests are RSBs
// of the pseudo-interface localOI. After every change the engine
// reconciles traffic control (admission.go) and what it asks of each
// previous hop (refreshUpstream).

// rsb is a reservation state block.
type rsb struct {
	nhop    netip.Addr  // the next hop that sent the Resv; invalid for local
	oi      int         // outgoing interface (from the LIH), localOI for local
	local   *apiSession // the API session that made it, if local
	udp     bool
	style   wire.StyleKind
	filters []wire.FilterSpec // FF: one; SE: the list; WF: none
	spec    wire.Flowspec
	scope   *wire.Scope
	// confirm is a pending RESV_CONFIRM: answered or forwarded once by
	// refreshUpstream, then cleared.
	confirm *wire.ResvConfirm

	r        time.Duration
	expires  time.Time // zero for local state
	received time.Time
}

// sameKey reports whether r is the state a flow descriptor from (nhop,
// oi, local) with filters f updates.
func (r *rsb) sameKey(nhop netip.Addr, oi int, local *apiSession, style wire.StyleKind, f []wire.FilterSpec) bool {
	if r.nhop != nhop || r.oi != oi || r.local != local {
		return false
	}
	if style == wire.FF {
		return len(r.filters) == 1 && len(f) == 1 && r.filters[0] == f[0]
	}
	return true
}

// descriptor is r's request as a flow descriptor.
func (r *rsb) descriptor() wire.FlowDescriptor {
	spec := r.spec
	return wire.FlowDescriptor{Flowspec: &spec, Filters: slices.Clone(r.filters)}
}

// covers reports whether reservation r applies to sender p.
func (e *Engine) covers(s *session, r *rsb, p *psb) bool {
	if !e.routedTo(s, p, r.oi) {
		return false
	}
	if r.style == wire.WF {
		return true
	}
	for _, f := range r.filters {
		if filterMatches(f, p.sender) {
			return true
		}
	}
	return false
}

// oiOf finds the outgoing interface a Resv applies to: the LIH this node
// put in its Path, else the interface the Resv came in on.
func (e *Engine) oiOf(h wire.Hop, in *Inbound) int {
	if h.LIH > 0 && h.LIH <= math32 && e.ifByIndex[int(h.LIH)] != nil {
		return int(h.LIH)
	}
	return in.Iface
}

const math32 = 1<<31 - 1

func (e *Engine) recvResv(now time.Time, in *Inbound, m *wire.Resv) {
	nh := target{nhop: m.Hop.Addr, oi: e.oiOf(m.Hop, in), udp: in.UDP}
	if nh.oi == 0 || e.ifByIndex[nh.oi] == nil {
		e.drop("drop_resv_no_iface", "Resv from %v: no interface for LIH %d", m.Hop.Addr, m.Hop.LIH)
		return
	}
	kind := m.Style.Kind()
	s := e.lookup(m.Session, false)
	if s == nil || len(s.psbs) == 0 {
		// RFC 2209: no path state at all for the session.
		e.resvErrTo(m.Session, nh, e.errSpec(nh.oi, m.Session.Dest, 0, wire.CodeNoPath, 0), m.Style, firstFlow(m.Flows))
		return
	}
	if st := s.style(); st != wire.UnknownStyle && st != kind {
		e.resvErrTo(s.w, nh, e.errSpec(nh.oi, s.w.Dest, 0, wire.CodeConflictingStyle, uint16(st.Style().Options)), m.Style, firstFlow(m.Flows))
		return
	}
	lt := e.Lifetime(m.TimeValues.RefreshPeriod)
	var confirms []*rsb
	for _, d := range m.Flows {
		if r := e.applyDescriptor(now, s, nh, kind, d, m.TimeValues.RefreshPeriod, now.Add(lt), m.Scope); r != nil && m.Confirm != nil {
			c := *m.Confirm
			r.confirm = &c
			confirms = append(confirms, r)
		}
	}
	e.refreshUpstream(now, s, false, confirms)
	e.ensureTimers(now, s)
	e.maybeDelete(s)
}

// applyDescriptor creates or updates the RSB of one flow descriptor from
// next hop nh (a local API session when nh.local is set) and reconciles
// traffic control on its interface. It returns the RSB, or nil when the
// descriptor was refused (a ResvErr has been sent).
func (e *Engine) applyDescriptor(now time.Time, s *session, nh target, kind wire.StyleKind,
	d wire.FlowDescriptor, r time.Duration, expires time.Time, scope *wire.Scope) *rsb {
	a := nh.local
	style := kind.Style()
	if d.Flowspec == nil {
		return nil
	}
	spec := *d.Flowspec
	if v, ok := checkFlowspec(spec); !ok {
		e.resvErrTo(s.w, nh, e.errSpec(nh.oi, s.w.Dest, 0, wire.CodeTrafficControl, v), style, &d)
		return nil
	}
	if kind != wire.WF && len(d.Filters) > e.maxFilters {
		e.drop("drop_filter_limit", "session %v: %d filters", s.w.Dest, len(d.Filters))
		return nil
	}
	// Explicit styles need path state for the senders they name (RFC
	// 2209: code 4, No sender information), routed through the OI. A
	// local receiver's request is kept anyway (it applies once the
	// Path arrives), but is told.
	if kind != wire.WF && len(s.psbs) > 0 && !e.someSenderRouted(s, d.Filters, nh.oi) {
		e.resvErrTo(s.w, nh, e.errSpec(nh.oi, s.w.Dest, 0, wire.CodeNoSender, 0), style, &d)
		if a == nil {
			return nil
		}
	}
	if e.serviceConflict(s, nh, a, kind, d.Filters, spec) {
		e.resvErrTo(s.w, nh, e.errSpec(nh.oi, s.w.Dest, 0, wire.CodeTrafficControl, wire.TCServiceConflict), style, &d)
		return nil
	}

	var cur *rsb
	for _, x := range s.rsbs {
		if x.sameKey(nh.nhop, nh.oi, a, kind, d.Filters) {
			cur = x
			break
		}
	}
	var old rsb
	isNew := cur == nil
	if isNew {
		if len(s.rsbs) >= e.maxResv || e.nstates >= e.maxStates {
			e.drop("drop_resv_limit", "session %v: reservation from %v over the bound", s.w.Dest, nh.nhop)
			return nil
		}
		cur = &rsb{nhop: nh.nhop, oi: nh.oi, local: a, style: kind}
		s.rsbs = append(s.rsbs, cur)
		e.nstates++
	} else {
		old = *cur
	}
	cur.udp = nh.udp
	cur.filters = slices.Clone(d.Filters)
	cur.spec = spec
	cur.scope = scope
	cur.r = r
	cur.expires = expires
	cur.received = now

	if nh.oi == localOI {
		return cur
	}
	fails := e.applyTC(s, nh.oi)
	var mine []tcFailure
	for _, f := range fails {
		if slices.Contains(f.contributors, cur) {
			mine = append(mine, f)
		} else {
			e.reportTCFailure(s, f)
		}
	}
	if len(mine) == 0 {
		return cur
	}
	// Admission control refused what this request adds. The request is
	// not kept (the next refresh tries again) and what was installed
	// before stays in place (KR-I, RFC 2205 section 2.5).
	if isNew {
		e.deleteRSB(s, cur)
	} else {
		*cur = old
	}
	for _, f := range e.applyTC(s, nh.oi) {
		e.reportTCFailure(s, f)
	}
	f := mine[0]
	flags := uint8(0)
	if f.inPlace {
		flags |= wire.ErrorInPlace
	}
	if c, ok := wire.Compare(spec, f.spec); ok && c < 0 {
		flags |= wire.ErrorNotGuilty
	}
	failed := f.spec
	ed := wire.FlowDescriptor{Flowspec: &failed, Filters: d.Filters}
	e.resvErrTo(s.w, nh, e.errSpec(nh.oi, s.w.Dest, flags, f.code, f.value), style, &ed)
	e.count("admission_failures")
	return nil
}

// someSenderRouted reports whether some filter names a sender whose data
// leaves by oi.
func (e *Engine) someSenderRouted(s *session, filters []wire.FilterSpec, oi int) bool {
	for _, p := range s.psbs {
		if !e.routedTo(s, p, oi) {
			continue
		}
		for _, f := range filters {
			if filterMatches(f, p.sender) {
				return true
			}
		}
	}
	return false
}

// serviceConflict reports a request whose IntServ service differs from
// that of another reservation it would be merged with: such flowspecs
// have no least upper bound (code 21, value 1).
func (e *Engine) serviceConflict(s *session, nh target, a *apiSession, kind wire.StyleKind, filters []wire.FilterSpec, spec wire.Flowspec) bool {
	for _, r := range s.rsbs {
		if r.sameKey(nh.nhop, nh.oi, a, kind, filters) || r.spec.Service == spec.Service {
			continue
		}
		if kind != wire.FF || slices.ContainsFunc(r.filters, func(f wire.FilterSpec) bool { return slices.Contains(filters, f) }) {
			return true
		}
	}
	return false
}

// checkFlowspec refuses flowspecs traffic control cannot install (RFC
// 2210/2212 ask p >= r, m <= M, R >= r): code 21 with the returned value.
func checkFlowspec(f wire.Flowspec) (uint16, bool) {
	t := f.TSpec
	switch f.Service {
	case wire.ServiceControlledLoad, wire.ServiceGuaranteed:
	default:
		return wire.TCServiceUnsupported, false
	}
	if !(t.Rate > 0) || !(t.BucketSize > 0) || t.PeakRate < t.Rate || (t.MaxPacketSize > 0 && t.MinPolicedUnit > t.MaxPacketSize) {
		return wire.TCBadFlowspec, false
	}
	if f.Service == wire.ServiceGuaranteed && f.RSpec.Rate < t.Rate {
		return wire.TCBadFlowspec, false
	}
	return 0, true
}

func (e *Engine) deleteRSB(s *session, r *rsb) {
	s.removeRSBEntry(r)
	e.nstates--
}

func (e *Engine) recvResvTear(now time.Time, in *Inbound, m *wire.ResvTear) {
	s := e.lookup(m.Session, false)
	if s == nil {
		e.drop("drop_tear_no_state", "ResvTear for %v without state", m.Session.Dest)
		return
	}
	oi := e.oiOf(m.Hop, in)
	kind := m.Style.Kind()
	removed := false
	for _, r := range slices.Clone(s.rsbs) {
		if r.local != nil || r.nhop != m.Hop.Addr || r.oi != oi || r.style != kind {
			continue
		}
		switch kind {
		case wire.WF:
			e.deleteRSB(s, r)
			removed = true
		case wire.FF:
			if slices.ContainsFunc(m.Flows, func(d wire.FlowDescriptor) bool { return len(d.Filters) == 1 && r.filters[0] == d.Filters[0] }) {
				e.deleteRSB(s, r)
				removed = true
			}
		case wire.SE:
			n := len(r.filters)
			for _, d := range m.Flows {
				r.filters = slices.DeleteFunc(r.filters, func(f wire.FilterSpec) bool { return slices.Contains(d.Filters, f) })
			}
			if len(r.filters) != n {
				removed = true
			}
			if len(r.filters) == 0 {
				e.deleteRSB(s, r)
			}
		}
	}
	if !removed {
		e.drop("drop_tear_no_state", "ResvTear for %v from %v without matching state", m.Session.Dest, m.Hop.Addr)
		return
	}
	// What remains may ask less of the previous hops: refreshUpstream
	// sends a smaller Resv, or forwards the teardown where nothing is
	// left (RFC 2205 section 3.1.6).
	e.updateTC(now, s)
	e.refreshUpstream(now, s, false, nil)
	e.ensureTimers(now, s)
	e.maybeDelete(s)
}

// fwdState is what this node last asked of one previous hop.
type fwdState struct {
	key   phopKey
	iface int
	udp   bool
	style wire.StyleKind
	flows []wire.FlowDescriptor
}

func (s *session) fwdFor(k phopKey) *fwdState {
	for _, f := range s.fwd {
		if f.key == k {
			return f
		}
	}
	return nil
}

// forgetSender removes p from what was asked of its previous hop,
// without telling it (the path is gone there too).
func (s *session) forgetSender(p *psb) {
	f := s.fwdFor(p.phopKey())
	if f == nil {
		return
	}
	for i := range f.flows {
		f.flows[i].Filters = slices.DeleteFunc(slices.Clone(f.flows[i].Filters), func(x wire.FilterSpec) bool { return x == p.sender })
	}
	f.flows = slices.DeleteFunc(f.flows, func(d wire.FlowDescriptor) bool { return f.style != wire.WF && len(d.Filters) == 0 })
	others := slices.ContainsFunc(s.psbs, func(q *psb) bool { return q != p && q.phopKey() == p.phopKey() })
	if len(f.flows) == 0 || !others {
		s.fwd = slices.DeleteFunc(s.fwd, func(x *fwdState) bool { return x == f })
	}
}

// refreshUpstream computes, for each previous hop, the merge of the
// reservations over its senders and sends what changed: a Resv when the
// request is new or different, a ResvTear for what is no longer asked.
// With periodic set it also resends unchanged requests (the refresh).
// For a local sender the "previous hop" is the API: it gets a resv event
// when its reservation changes. confirms are RSBs whose Resv asked for a
// confirmation: each is answered here (ResvConf) when its request merges
// into one already asked for, or travels upstream with the Resv
// (confirm.go).
func (e *Engine) refreshUpstream(now time.Time, s *session, periodic bool, confirms []*rsb) {
	groups := s.groups()
	for _, g := range groups {
		related := e.relatedConfirms(s, g, confirms)
		if g.key == (phopKey{}) {
			for _, r := range related {
				e.confirmNow(s, r)
			}
			continue
		}
		style, flows := e.upstream(s, g)
		old := s.fwdFor(g.key)
		changed := old == nil && len(flows) > 0 || old != nil && (old.style != style || !flowsEqual(old.flows, flows))
		var attach *wire.ResvConfirm
		for _, r := range related {
			if changed && len(flows) > 0 && attach == nil {
				attach = r.confirm // forwarded: the PHOP (or one above it) answers
			} else {
				e.confirmNow(s, r)
			}
		}
		if changed && old != nil && len(old.flows) > 0 {
			e.sendTears(s, old, style, flows)
		}
		if len(flows) > 0 && (changed || periodic) {
			e.sendResv(s, g.key, g.iface, g.udp, style, flows, attach)
		}
		switch {
		case len(flows) == 0 && old != nil:
			s.fwd = slices.DeleteFunc(s.fwd, func(x *fwdState) bool { return x == old })
		case len(flows) > 0 && old == nil:
			s.fwd = append(s.fwd, &fwdState{key: g.key, iface: g.iface, udp: g.udp, style: style, flows: flows})
		case len(flows) > 0:
			old.iface, old.udp, old.style, old.flows = g.iface, g.udp, style, flows
		}
	}
	// A previous hop none of the senders comes from any more (the route
	// upstream changed): release what was asked of it.
	for _, f := range slices.Clone(s.fwd) {
		if !slices.ContainsFunc(groups, func(g *phopGroup) bool { return g.key == f.key }) {
			e.sendTears(s, f, wire.UnknownStyle, nil)
			s.fwd = slices.DeleteFunc(s.fwd, func(x *fwdState) bool { return x == f })
		}
	}
	for _, r := range confirms {
		r.confirm = nil
	}
	e.resvEvents(s)
}

// sendResv sends a Resv to previous hop k, reached on interface iface.
func (e *Engine) sendResv(s *session, k phopKey, iface int, udp bool, style wire.StyleKind, flows []wire.FlowDescriptor, confirm *wire.ResvConfirm) {
	hop := e.addrOn(iface, s.w.Dest)
	if !hop.IsValid() {
		hop = e.anyAddr(iface, s.w.Dest)
	}
	if !hop.IsValid() {
		return
	}
	m := &wire.Resv{
		Session:    s.w,
		Hop:        wire.Hop{Addr: hop, LIH: k.lih}, // the PHOP's LIH goes back to it
		TimeValues: wire.TimeValues{RefreshPeriod: e.refresh},
		Confirm:    confirm,
		Style:      style.Style(),
		Flows:      cloneFlows(flows),
	}
	m.SendTTL = defaultTTL
	e.emit(&Send{Msg: m, Iface: iface, Dst: k.addr, TTL: defaultTTL, UDP: udp})
	e.count("tx_resv")
}

// sendTears tells previous hop old.key to drop what it was asked and is
// asked no more: the FF filters that went, or everything when nothing is
// left or the style changed. A shared request that only shrinks is
// replaced by the next Resv instead.
func (e *Engine) sendTears(s *session, old *fwdState, style wire.StyleKind, flows []wire.FlowDescriptor) {
	var tear []wire.FlowDescriptor
	switch {
	case len(flows) == 0 || style != old.style:
		switch old.style {
		case wire.WF:
			tear = []wire.FlowDescriptor{}
		case wire.SE:
			tear = []wire.FlowDescriptor{{Filters: slices.Clone(old.flows[0].Filters)}}
		case wire.FF:
			for _, d := range old.flows {
				tear = append(tear, wire.FlowDescriptor{Filters: slices.Clone(d.Filters)})
			}
		}
	case old.style == wire.FF:
		for _, d := range old.flows {
			if !slices.ContainsFunc(flows, func(n wire.FlowDescriptor) bool { return n.Filters[0] == d.Filters[0] }) {
				tear = append(tear, wire.FlowDescriptor{Filters: slices.Clone(d.Filters)})
			}
		}
		if len(tear) == 0 {
			return
		}
	default:
		return
	}
	hop := e.addrOn(old.iface, s.w.Dest)
	if !hop.IsValid() {
		hop = e.anyAddr(old.iface, s.w.Dest)
	}
	if !hop.IsValid() {
		return
	}
	m := &wire.ResvTear{
		Session: s.w,
		Hop:     wire.Hop{Addr: hop, LIH: old.key.lih},
		Style:   old.style.Style(),
		Flows:   tear,
	}
	m.SendTTL = defaultTTL
	e.emit(&Send{Msg: m, Iface: old.iface, Dst: old.key.addr, TTL: defaultTTL, UDP: old.udp})
	e.count("tx_resvtear")
}

func firstFlow(flows []wire.FlowDescriptor) *wire.FlowDescriptor {
	if len(flows) == 0 {
		return nil
	}
	return &flows[0]
}

func cloneFlows(flows []wire.FlowDescriptor) []wire.FlowDescriptor {
	out := make([]wire.FlowDescriptor, len(flows))
	for i, d := range flows {
		if d.Flowspec != nil {
			f := *d.Flowspec
			out[i].Flowspec = &f
		}
		out[i].Filters = slices.Clone(d.Filters)
	}
	return out
}

func flowsEqual(a, b []wire.FlowDescriptor) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if (x.Flowspec == nil) != (y.Flowspec == nil) || x.Flowspec != nil && *x.Flowspec != *y.Flowspec {
			return false
		}
		if !slices.Equal(x.Filters, y.Filters) {
			return false
		}
	}
	return true
}
