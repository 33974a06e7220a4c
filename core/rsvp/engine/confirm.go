package engine

import (
	"net/netip"
	"time"

	"netcompat/core/rsvp/api"
	"netcompat/core/rsvp/wire"
)

// Confirmation (RFC 2205 sections 2.6 and 3.1.8, RFC 2209 "RESV CONFIRM
// ARRIVES"). A Resv carrying RESV_CONFIRM travels upstream until it
// merges into a reservation already asked for that is equal or larger,
// or reaches a sender host; that node answers with a ResvConf sent to
// the receiver's address (with Router Alert, so RSVP nodes on the way
// pass it on). A confirmation means "probably": a larger request may
// still fail further up.

// relatedConfirms returns the pending confirmation requests among rs
// whose reservation applies to a sender of group g.
func (e *Engine) relatedConfirms(s *session, g *phopGroup, rs []*rsb) []*rsb {
	var out []*rsb
	for _, r := range rs {
		if r.confirm == nil {
			continue
		}
		for _, p := range g.psbs {
			if e.covers(s, r, p) {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// confirmNow answers r's confirmation request from this node.
func (e *Engine) confirmNow(s *session, r *rsb) {
	if r.confirm == nil {
		return
	}
	d := r.descriptor()
	if r.style == wire.WF {
		d.Filters = nil
	}
	rcv := r.confirm.Receiver
	// The confirming node names itself by the interface facing the
	// receiver.
	iface := r.oi
	if iface == localOI {
		iface = 0
		for _, rt := range e.router.Route(rcv, netip.Addr{}) {
			iface = rt.Iface
			break
		}
	}
	m := &wire.ResvConf{
		Session:   s.w,
		ErrorSpec: e.errSpec(iface, rcv, 0, wire.CodeConfirmation, 0),
		Confirm:   *r.confirm,
		Style:     r.style.Style(),
		Flows:     []wire.FlowDescriptor{d},
	}
	e.count("confirms_sent")
	e.routeConf(s, m, defaultTTL)
}

// routeConf delivers a ResvConf to a local receiver or sends it on
// towards the receiver's address with IP TTL ttl.
func (e *Engine) routeConf(s *session, m *wire.ResvConf, ttl uint8) {
	rcv := m.Confirm.Receiver
	if e.isLocal(rcv) {
		e.confirmEvent(s, m)
		return
	}
	if ttl == 0 {
		e.drop("drop_conf_ttl", "ResvConf for %v: TTL exhausted", rcv)
		return
	}
	var iface int
	var nh netip.Addr
	for _, r := range e.router.Route(rcv, netip.Addr{}) {
		if e.ifByIndex[r.Iface] != nil {
			iface, nh = r.Iface, r.NextHop
			break
		}
	}
	if !m.ErrorSpec.Node.IsValid() {
		return
	}
	m.SendTTL = ttl
	e.emit(&Send{Msg: m, Iface: iface, Dst: rcv, NextHop: nh, RouterAlert: true, TTL: ttl})
	e.count("tx_resvconf")
}

func (e *Engine) recvResvConf(now time.Time, in *Inbound, m *wire.ResvConf) {
	s := e.lookup(m.Session, false)
	if s == nil && e.isLocal(m.Confirm.Receiver) {
		e.drop("drop_conf_no_state", "ResvConf for %v without a session", m.Session.Dest)
		return
	}
	if s == nil {
		// A transit node may hold no state for the session (a non-RSVP
		// region, or a route change); the ResvConf still goes on.
		s = &session{w: m.Session}
	}
	// Each RSVP hop counts down the TTL, so that a routing loop does
	// not keep a ResvConf alive.
	ttl := in.TTL
	if ttl == 0 {
		ttl = m.SendTTL
	}
	if ttl > 0 {
		ttl--
	}
	fwd := *m
	e.routeConf(s, &fwd, ttl)
}

// confirmEvent gives the local receivers of s that asked for a
// confirmation their resv_confirm event.
func (e *Engine) confirmEvent(s *session, m *wire.ResvConf) {
	ev := api.Event{Event: api.EventResvConfirm, Style: int(m.Style.Options),
		Error: &api.Error{Node: m.ErrorSpec.Node, Text: "confirmation"}}
	for _, d := range m.Flows {
		if d.Flowspec != nil {
			ev.Flowspecs = append(ev.Flowspecs, flowspecToAPI(*d.Flowspec))
		}
		for _, f := range d.Filters {
			ev.Filters = append(ev.Filters, filterToAPI(f))
		}
	}
	n := 0
	for _, a := range s.apis {
		if a.confirm && a.resv != nil {
			e.deliver(a, ev)
			n++
		}
	}
	if n == 0 {
		e.drop("drop_conf_no_receiver", "ResvConf for %v: no local receiver asked", m.Session.Dest)
	}
}
