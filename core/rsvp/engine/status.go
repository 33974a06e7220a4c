package engine

import (
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"

	"netcompat/core/rsvp/api"
	"netcompat/core/rsvp/wire"
)

// Status is a snapshot of the engine for rsvpd's status command; it
// marshals to JSON as is.
type Status struct {
	Node        string            `json:"node,omitempty"`
	RefreshMS   int64             `json:"refresh_ms"`
	LifetimeMS  int64             `json:"lifetime_ms"` // L for state refreshed at this node's R
	Interfaces  []InterfaceStatus `json:"interfaces"`
	Sessions    []SessionStatus   `json:"sessions"`
	APISessions int               `json:"api_sessions"`
	States      int               `json:"states"` // path + reservation state blocks
	Counters    map[string]uint64 `json:"counters"`
}

// InterfaceStatus is an interface's admission pool and its use.
type InterfaceStatus struct {
	Name         string    `json:"name"`
	Index        int       `json:"index"`
	Pool         api.Float `json:"pool"` // bytes/s, 0: no limit
	Used         api.Float `json:"used"`
	Reservations int       `json:"reservations"`
	Enforce      bool      `json:"enforce,omitempty"`
}

// SessionStatus is the state of one RSVP session.
type SessionStatus struct {
	Dest        netip.Addr       `json:"dest"`
	Proto       uint8            `json:"proto"`
	Port        uint16           `json:"port"`
	GPI         bool             `json:"gpi,omitempty"`
	Police      bool             `json:"police,omitempty"`
	Paths       []PathStatus     `json:"paths,omitempty"`
	Resvs       []ResvStatus     `json:"resvs,omitempty"`
	Installed   []TCStatus       `json:"installed,omitempty"`
	Blockades   []BlockadeStatus `json:"blockades,omitempty"`
	Upstream    []UpstreamStatus `json:"upstream,omitempty"`
	APISessions []uint32         `json:"api_sessions,omitempty"`
}

// PathStatus is one path state block.
type PathStatus struct {
	Sender   string          `json:"sender"`
	Local    bool            `json:"local,omitempty"`
	SID      uint32          `json:"sid,omitempty"`
	PHOP     netip.Addr      `json:"phop,omitzero"`
	LIH      uint32          `json:"lih,omitempty"`
	InIface  string          `json:"in,omitempty"`
	Out      []string        `json:"out,omitempty"`
	Tspec    api.TokenBucket `json:"tspec"`
	Adspec   *api.Adspec     `json:"adspec,omitempty"`
	NonRSVP  bool            `json:"non_rsvp_hop,omitempty"`
	RefreshR int64           `json:"peer_refresh_ms,omitempty"`
	Expires  time.Time       `json:"expires,omitzero"`
}

// ResvStatus is one reservation state block.
type ResvStatus struct {
	NHOP     netip.Addr   `json:"nhop,omitzero"`
	Local    bool         `json:"local,omitempty"`
	SID      uint32       `json:"sid,omitempty"`
	OutIface string       `json:"out"`
	Style    string       `json:"style"`
	Filters  []string     `json:"filters,omitempty"`
	Flowspec api.Flowspec `json:"flowspec"`
	Expires  time.Time    `json:"expires,omitzero"`
}

// TCStatus is one reservation installed on an interface.
type TCStatus struct {
	ID       uint64       `json:"id"`
	Iface    string       `json:"iface"`
	Filters  []string     `json:"filters"`
	Flowspec api.Flowspec `json:"flowspec"`
}

// BlockadeStatus is one element of blockade state.
type BlockadeStatus struct {
	PHOP     netip.Addr   `json:"phop,omitzero"` // WF
	Sender   string       `json:"sender,omitempty"`
	Flowspec api.Flowspec `json:"flowspec"`
	Expires  time.Time    `json:"expires"`
}

// UpstreamStatus is what this node asks of one previous hop.
type UpstreamStatus struct {
	PHOP  netip.Addr `json:"phop"`
	Style string     `json:"style"`
	Flows []string   `json:"flows"`
}

// Status returns a snapshot of the engine's state.
func (e *Engine) Status() Status {
	st := Status{
		Node:        e.name,
		RefreshMS:   e.refresh.Milliseconds(),
		LifetimeMS:  e.Lifetime(0).Milliseconds(),
		APISessions: len(e.apis),
		States:      e.nstates,
		Counters:    maps.Clone(e.counters),
	}
	for _, ifc := range e.ifaces {
		st.Interfaces = append(st.Interfaces, InterfaceStatus{
			Name: ifc.Name, Index: ifc.Index, Pool: api.Float(ifc.Pool), Used: api.Float(ifc.used),
			Reservations: ifc.nres, Enforce: ifc.Enforce,
		})
	}
	for _, s := range e.sortedSessions() {
		st.Sessions = append(st.Sessions, e.sessionStatus(s))
	}
	return st
}

func (e *Engine) sessionStatus(s *session) SessionStatus {
	ss := SessionStatus{Dest: s.w.Dest, Proto: s.w.Protocol, Port: s.w.DstPort, GPI: s.w.GPI, Police: s.w.Flags&wire.SessionEPolice != 0}
	for _, p := range s.psbs {
		ps := PathStatus{
			Sender: p.sender.String(), Local: p.local != nil, InIface: e.ifName(p.inIface),
			Tspec: tspecToAPI(p.tspec), Adspec: adspecToAPI(p.adspec), NonRSVP: p.nonRSVP,
			RefreshR: p.r.Milliseconds(), Expires: p.expires,
		}
		if p.local != nil {
			ps.SID = p.local.sid
		} else {
			ps.PHOP, ps.LIH = p.phop.Addr, p.phop.LIH
		}
		for _, r := range p.outs {
			ps.Out = append(ps.Out, e.ifName(r.Iface))
		}
		ss.Paths = append(ss.Paths, ps)
	}
	for _, r := range s.rsbs {
		rs := ResvStatus{NHOP: r.nhop, Local: r.local != nil, OutIface: e.ifName(r.oi), Style: r.style.String(),
			Filters: filterStrings(r.filters), Flowspec: flowspecToAPI(r.spec), Expires: r.expires}
		if r.local != nil {
			rs.SID = r.local.sid
		}
		ss.Resvs = append(ss.Resvs, rs)
	}
	for _, t := range s.tcsbs {
		ss.Installed = append(ss.Installed, TCStatus{ID: t.id, Iface: e.ifName(t.key.oi), Filters: filterStrings(t.filters), Flowspec: flowspecToAPI(t.spec)})
	}
	for _, b := range s.blockades {
		bs := BlockadeStatus{Flowspec: flowspecToAPI(b.qb), Expires: b.expires}
		if b.wildcard {
			bs.PHOP = b.phop.addr
		} else {
			bs.Sender = b.sender.String()
		}
		ss.Blockades = append(ss.Blockades, bs)
	}
	for _, f := range s.fwd {
		us := UpstreamStatus{PHOP: f.key.addr, Style: f.style.String()}
		for _, d := range f.flows {
			var b strings.Builder
			if d.Flowspec != nil {
				b.WriteString(d.Flowspec.String())
			}
			for _, x := range d.Filters {
				b.WriteString(" " + x.String())
			}
			us.Flows = append(us.Flows, b.String())
		}
		ss.Upstream = append(ss.Upstream, us)
	}
	for _, a := range s.apis {
		ss.APISessions = append(ss.APISessions, a.sid)
	}
	return ss
}

func filterStrings(fs []wire.FilterSpec) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.String())
	}
	return out
}

// sortedSessions returns the sessions in a stable order (destination,
// protocol, port), so that outputs do not depend on map order.
func (e *Engine) sortedSessions() []*session {
	ss := slices.Collect(maps.Values(e.sessions))
	slices.SortFunc(ss, func(a, b *session) int {
		if c := a.key.dest.Compare(b.key.dest); c != 0 {
			return c
		}
		if a.key.proto != b.key.proto {
			return int(a.key.proto) - int(b.key.proto)
		}
		if a.key.port != b.key.port {
			return int(a.key.port) - int(b.key.port)
		}
		switch {
		case a.key.gpi == b.key.gpi:
			return 0
		case a.key.gpi:
			return 1
		}
		return -1
	})
	return ss
}
