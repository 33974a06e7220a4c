package engine

import (
	"errors"
	"net/netip"
	"slices"
	"time"

	"netcompat/core/rsvp/api"
	"netcompat/core/rsvp/wire"
)

// Errors (RFC 2205 sections 3.1.7 and 3.5, Appendix B; RFC 2209 "PATH
// ERROR MESSAGE ARRIVES", "RESV ERROR MESSAGE ARRIVES"). A PathErr goes
// hop by hop upstream to the sender and changes no state; a ResvErr goes
// downstream to the next hops whose requests are concerned, leaving
// blockade state behind for admission failures, with the NotGuilty flag
// for receivers that asked for less than what failed.

// target is where a ResvErr goes: a next hop, or a local API session.
type target struct {
	nhop  netip.Addr
	oi    int
	udp   bool
	local *apiSession
}

// errSpec builds an ERROR_SPEC naming this node.
func (e *Engine) errSpec(iface int, like netip.Addr, flags uint8, code wire.ErrorCode, value uint16) wire.ErrorSpec {
	node := e.anyAddr(iface, like)
	if !node.IsValid() && len(e.ifaces) > 0 && len(e.ifaces[0].Addrs) > 0 {
		node = e.ifaces[0].Addrs[0]
	}
	return wire.ErrorSpec{Node: node, Flags: flags, Code: code, Value: value}
}

// errorDescriptor fits d to what a ResvErr of style may carry: WF a
// flowspec without filters, FF one filter, SE a flowspec with filters.
func errorDescriptor(style wire.Style, d *wire.FlowDescriptor) (wire.Style, []wire.FlowDescriptor) {
	k := style.Kind()
	if k == wire.UnknownStyle {
		// An unknown style cannot be sent back (wire refuses to encode
		// it); the ResvErr names none of the flows.
		return wire.WF.Style(), nil
	}
	if d == nil {
		return style, nil
	}
	out := wire.FlowDescriptor{Flowspec: d.Flowspec, Filters: slices.Clone(d.Filters)}
	switch k {
	case wire.WF:
		out.Filters = nil
		if out.Flowspec == nil {
			return style, nil
		}
	case wire.FF:
		if len(out.Filters) == 0 {
			return style, nil
		}
		out.Filters = out.Filters[:1]
	case wire.SE:
		if len(out.Filters) == 0 || out.Flowspec == nil {
			return style, nil
		}
	}
	return style, []wire.FlowDescriptor{out}
}

// resvErrTo sends a ResvErr to t, or gives a local receiver its
// resv_error event.
func (e *Engine) resvErrTo(w wire.Session, t target, es wire.ErrorSpec, style wire.Style, d *wire.FlowDescriptor) {
	style, flows := errorDescriptor(style, d)
	if t.local != nil {
		ev := api.Event{Event: api.EventResvError, Style: int(style.Options), Error: apiError(es)}
		for _, fd := range flows {
			if fd.Flowspec != nil {
				ev.Flowspecs = append(ev.Flowspecs, flowspecToAPI(*fd.Flowspec))
			}
			for _, f := range fd.Filters {
				ev.Filters = append(ev.Filters, filterToAPI(f))
			}
		}
		e.deliver(t.local, ev)
		return
	}
	hop := e.anyAddr(t.oi, w.Dest)
	if !hop.IsValid() || !t.nhop.IsValid() || !es.Node.IsValid() {
		return
	}
	m := &wire.ResvErr{Session: w, Hop: wire.Hop{Addr: hop}, ErrorSpec: es, Style: style, Flows: flows}
	m.SendTTL = defaultTTL
	e.emit(&Send{Msg: m, Iface: max(t.oi, 0), Dst: t.nhop, TTL: defaultTTL, UDP: t.udp})
	e.count("tx_resverr")
}

// pathErr answers a Path this node refuses with a PathErr to its PHOP.
func (e *Engine) pathErr(w wire.Session, in *Inbound, hop wire.Hop, code wire.ErrorCode, value uint16, snd *wire.Sender) {
	to := hop.Addr
	if !to.IsValid() {
		to = in.Src
	}
	es := e.errSpec(in.Iface, w.Dest, 0, code, value)
	if !to.IsValid() || !es.Node.IsValid() {
		return
	}
	m := &wire.PathErr{Session: w, ErrorSpec: es}
	if snd != nil {
		m.Sender = &wire.Sender{Template: snd.Template, TSpec: snd.TSpec}
	}
	m.SendTTL = defaultTTL
	e.emit(&Send{Msg: m, Iface: in.Iface, Dst: to, TTL: defaultTTL, UDP: in.UDP})
	e.count("tx_patherr")
}

func (e *Engine) recvPathErr(now time.Time, in *Inbound, m *wire.PathErr) {
	s := e.lookup(m.Session, false)
	if s == nil || m.Sender == nil {
		e.drop("drop_err_no_state", "PathErr for %v without state", m.Session.Dest)
		return
	}
	p := s.findPSB(m.Sender.Template)
	if p == nil {
		e.drop("drop_err_no_state", "PathErr for %v without path state", m.Sender.Template)
		return
	}
	if p.local != nil {
		ev := api.Event{Event: api.EventPathError, Error: apiError(m.ErrorSpec),
			Senders: []api.Sender{{Filter: filterToAPI(p.sender), Tspec: tspecToAPI(p.tspec), Adspec: adspecToAPI(p.adspec)}}}
		e.deliver(p.local, ev)
		return
	}
	fwd := &wire.PathErr{Session: s.w, ErrorSpec: m.ErrorSpec, Policy: m.Policy, Sender: m.Sender}
	fwd.SendTTL = defaultTTL
	fwd.Forward = m.Forward
	e.emit(&Send{Msg: fwd, Iface: p.inIface, Dst: p.phop.Addr, TTL: defaultTTL, UDP: p.udp})
	e.count("tx_patherr")
}

func (e *Engine) recvResvErr(now time.Time, in *Inbound, m *wire.ResvErr) {
	s := e.lookup(m.Session, false)
	if s == nil {
		e.drop("drop_err_no_state", "ResvErr for %v without state", m.Session.Dest)
		return
	}
	// The ResvErr comes from a previous hop: the senders it serves are
	// those the error is about.
	var group *phopGroup
	for _, g := range s.groups() {
		if g.key.addr == m.Hop.Addr && g.key.addr.IsValid() {
			group = g
			break
		}
	}
	if group == nil {
		e.drop("drop_err_no_state", "ResvErr for %v from %v, not a previous hop", m.Session.Dest, m.Hop.Addr)
		return
	}
	kind := m.Style.Kind()
	var qe *wire.Flowspec
	var errFilters []wire.FilterSpec
	if len(m.Flows) > 0 {
		qe = m.Flows[0].Flowspec
		errFilters = m.Flows[0].Filters
	}
	admission := m.ErrorSpec.Code == wire.CodeAdmission && qe != nil
	if admission {
		if kind == wire.WF {
			e.setBlockade(now, s, group.key, wire.FilterSpec{}, true, *qe)
		} else {
			for _, f := range errFilters {
				for _, p := range group.psbs {
					if filterMatches(f, p.sender) {
						e.setBlockade(now, s, group.key, p.sender, false, *qe)
					}
				}
			}
		}
	}
	inPlace := m.ErrorSpec.Flags&wire.ErrorInPlace != 0
	sent := map[target]bool{}
	for _, r := range s.rsbs {
		if r.style != kind || !e.errorConcerns(s, r, group, errFilters) {
			continue
		}
		if admission && inPlace && !blockades(*qe, r.spec) {
			// A reservation is in place upstream and this request is
			// smaller than what failed: it is served, not in error.
			continue
		}
		t := target{nhop: r.nhop, oi: r.oi, udp: r.udp, local: r.local}
		if sent[t] {
			continue
		}
		sent[t] = true
		es := m.ErrorSpec
		if qe != nil {
			if c, ok := wire.Compare(r.spec, *qe); ok && c < 0 {
				es.Flags |= wire.ErrorNotGuilty
			}
		}
		if t.local != nil {
			e.resvErrTo(s.w, t, es, m.Style, firstFlow(m.Flows))
			continue
		}
		hop := e.anyAddr(r.oi, s.w.Dest)
		if !hop.IsValid() {
			continue
		}
		fwd := &wire.ResvErr{Session: s.w, Hop: wire.Hop{Addr: hop}, ErrorSpec: es, Scope: m.Scope, Policy: m.Policy, Style: m.Style, Flows: cloneFlows(m.Flows)}
		fwd.SendTTL = defaultTTL
		fwd.Forward = m.Forward
		e.emit(&Send{Msg: fwd, Iface: r.oi, Dst: r.nhop, TTL: defaultTTL, UDP: r.udp})
		e.count("tx_resverr")
	}
	if admission {
		// The blockade may leave out what failed: ask the previous hop
		// for what can succeed at once (RFC 2205 section 3.5 step 4).
		e.refreshUpstream(now, s, false, nil)
		e.ensureTimers(now, s)
	}
}

// errorConcerns reports whether reservation r is among those a ResvErr
// from group's previous hop about errFilters reports on.
func (e *Engine) errorConcerns(s *session, r *rsb, g *phopGroup, errFilters []wire.FilterSpec) bool {
	for _, p := range g.psbs {
		if !e.covers(s, r, p) {
			continue
		}
		if r.style == wire.WF || len(errFilters) == 0 {
			return true
		}
		for _, f := range errFilters {
			if filterMatches(f, p.sender) {
				return true
			}
		}
	}
	return false
}

// parseError answers a message wire refused, when RFC 2205 says the
// sender is told (unknown class or C-Type, unknown style, bad IntServ
// contents): a PathErr for a Path, a ResvErr for a Resv.
func (e *Engine) parseError(in *Inbound, err error) {
	var pe *wire.ParseError
	if !errors.As(err, &pe) || !pe.Report || pe.Session == nil || pe.Hop == nil {
		return
	}
	w := *pe.Session
	switch pe.Type {
	case wire.TypePath:
		e.pathErr(w, in, *pe.Hop, pe.Code, pe.Value, nil)
	case wire.TypeResv:
		t := target{nhop: pe.Hop.Addr, oi: e.oiOf(*pe.Hop, in), udp: in.UDP}
		e.resvErrTo(w, t, e.errSpec(t.oi, w.Dest, 0, pe.Code, pe.Value), wire.Style{}, nil)
	}
}

func apiError(es wire.ErrorSpec) *api.Error {
	return &api.Error{Code: uint8(es.Code), Value: es.Value, Node: es.Node, Flags: es.Flags, Text: es.Code.String()}
}
