package engine

import (
	"net/netip"
	"time"

	"netcompat/core/rsvp/wire"
)

// Inbound is one RSVP message as the daemon received it.
type Inbound struct {
	// Msg is the parsed message; when nil, Raw is parsed (and answered
	// with PathErr or ResvErr if wire says the sender should be told).
	Msg wire.Message
	Raw []byte

	Iface    int        // interface it came in on (0: unknown)
	Src, Dst netip.Addr // IP source and destination
	// TTL is the IP TTL it arrived with (0: unknown). Compared with the
	// header's Send_TTL it reveals non-RSVP hops upstream.
	TTL uint8
	UDP bool // it came UDP-encapsulated (RFC 2205 Appendix C)
}

// Receive processes one message from the network. INTEGRITY, if any, is
// the daemon's to check before.
func (e *Engine) Receive(now time.Time, in Inbound) {
	m := in.Msg
	if m == nil {
		if len(in.Raw) == 0 {
			return
		}
		var err error
		if m, err = wire.Parse(in.Raw); err != nil {
			e.drop("rx_malformed", "from %v: %v", in.Src, err)
			e.parseError(&in, err)
			return
		}
	}
	if in.Iface != 0 && e.ifByIndex[in.Iface] == nil {
		in.Iface = 0
	}
	if !sane(m) {
		e.drop("rx_malformed", "from %v: message with missing addresses", in.Src)
		return
	}
	e.count("rx_" + typeName(m))
	switch m := m.(type) {
	case *wire.Path:
		e.recvPath(now, &in, m)
	case *wire.Resv:
		e.recvResv(now, &in, m)
	case *wire.PathTear:
		e.recvPathTear(now, &in, m)
	case *wire.ResvTear:
		e.recvResvTear(now, &in, m)
	case *wire.PathErr:
		e.recvPathErr(now, &in, m)
	case *wire.ResvErr:
		e.recvResvErr(now, &in, m)
	case *wire.ResvConf:
		e.recvResvConf(now, &in, m)
	}
}

// sane checks what Parse guarantees, for messages handed over already
// built (a typed nil, a missing address, a style the engine cannot
// merge).
func sane(m wire.Message) bool {
	var w wire.Session
	hop := netip.MustParseAddr("0.0.0.1") // messages without RSVP_HOP pass
	var style *wire.Style
	var snd *wire.Sender
	var flows []wire.FlowDescriptor
	switch m := m.(type) {
	case *wire.Path:
		if m == nil {
			return false
		}
		w, hop, snd = m.Session, m.Hop.Addr, m.Sender
	case *wire.Resv:
		if m == nil {
			return false
		}
		w, hop, style, flows = m.Session, m.Hop.Addr, &m.Style, m.Flows
		if m.Confirm != nil && !m.Confirm.Receiver.IsValid() {
			return false
		}
		for _, d := range m.Flows {
			if d.Flowspec == nil {
				return false
			}
		}
	case *wire.PathTear:
		if m == nil {
			return false
		}
		w, hop, snd = m.Session, m.Hop.Addr, m.Sender
	case *wire.ResvTear:
		if m == nil {
			return false
		}
		w, hop, style, flows = m.Session, m.Hop.Addr, &m.Style, m.Flows
	case *wire.PathErr:
		if m == nil {
			return false
		}
		w, snd = m.Session, m.Sender
	case *wire.ResvErr:
		if m == nil {
			return false
		}
		w, hop, style, flows = m.Session, m.Hop.Addr, &m.Style, m.Flows
	case *wire.ResvConf:
		if m == nil || !m.Confirm.Receiver.IsValid() {
			return false
		}
		w = m.Session
	default:
		return false
	}
	if !w.Dest.IsValid() || w.Protocol == 0 || !hop.IsValid() {
		return false
	}
	if snd != nil && (!snd.Template.Source.IsValid() || snd.Template.Source.Is4() != w.Dest.Is4()) {
		return false
	}
	if style != nil && style.Kind() == wire.UnknownStyle {
		return false
	}
	for _, d := range flows {
		for _, f := range d.Filters {
			if !f.Source.IsValid() || f.Source.Is4() != w.Dest.Is4() {
				return false
			}
		}
		if style != nil && style.Kind() == wire.FF && len(d.Filters) != 1 {
			return false
		}
	}
	return true
}

func typeName(m wire.Message) string {
	switch m.Type() {
	case wire.TypePath:
		return "path"
	case wire.TypeResv:
		return "resv"
	case wire.TypePathErr:
		return "patherr"
	case wire.TypeResvErr:
		return "resverr"
	case wire.TypePathTear:
		return "pathtear"
	case wire.TypeResvTear:
		return "resvtear"
	case wire.TypeResvConf:
		return "resvconf"
	}
	return "other"
}

// RouteChanged is local repair (RFC 2205 section 3.6): the daemon calls
// it when the routing table changed. Every path state whose outgoing
// interfaces changed sends its Path on the new ones at once (so the
// reservation follows without waiting for a refresh), then a PathTear on
// the ones it left. Reservations on interfaces the data no longer takes
// leave traffic control; what was asked upstream stays until the new
// branch's Resv arrives, so the upstream reservation is not torn and
// rebuilt.
func (e *Engine) RouteChanged(now time.Time) {
	for _, s := range e.sortedSessions() {
		moved := false
		for _, p := range s.psbs {
			outs := e.routesFor(s, p)
			if routesEqual(outs, p.outs) {
				continue
			}
			moved = true
			e.count("route_changes")
			old := p.outs
			p.outs = outs
			for _, r := range outs {
				e.sendPath(s, p, r)
			}
			for _, r := range old {
				if !containsRoute(outs, r.Iface) {
					e.sendPathTear(s, p, r)
				}
			}
		}
		if moved {
			e.updateTC(now, s)
			e.pathEvents(s)
			e.ensureTimers(now, s)
		}
	}
}

func routesEqual(a, b []Route) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func containsRoute(rs []Route, iface int) bool {
	for _, r := range rs {
		if r.Iface == iface {
			return true
		}
	}
	return false
}
