package engine

import (
	"net/netip"
	"slices"
	"time"

	"netcompat/core/rsvp/wire"
)

// sessKey identifies an RSVP session: DestAddress, ProtocolId and DstPort
// (RFC 2205 section 1.2). The E_Police flag is not part of it.
type sessKey struct {
	dest  netip.Addr
	proto uint8
	port  uint16
	gpi   bool
}

func keyOf(w wire.Session) sessKey {
	return sessKey{dest: w.Dest, proto: w.Protocol, port: w.DstPort, gpi: w.GPI}
}

// destProto groups the sessions whose ports may conflict (code 7).
type destProto struct {
	dest  netip.Addr
	proto uint8
}

// session holds all the state of one RSVP session at this node. Slices
// rather than maps keep the order of messages and events deterministic;
// the per-session bounds keep them short.
type session struct {
	key sessKey
	w   wire.Session

	psbs      []*psb  // path state, one per sender
	rsbs      []*rsb  // reservation state, per next hop, OI and (FF) filter
	tcsbs     []*tcsb // what is installed in traffic control, per OI
	tcFailed  map[tcKey]tcFailure
	blockades []*blockade // per PHOP (WF) or per sender (explicit)
	fwd       []*fwdState // what was last asked of each previous hop
	apis      []*apiSession

	at   [numTimers]time.Time // pending timers; zero when none
	dead bool
}

// lookup returns the session of w, creating it when create is set and
// the bound allows. It returns nil when there is none.
func (e *Engine) lookup(w wire.Session, create bool) *session {
	k := keyOf(w)
	if s := e.sessions[k]; s != nil || !create {
		return s
	}
	if len(e.sessions) >= e.maxSessions {
		e.drop("drop_session_limit", "session %v: %d sessions", w.Dest, len(e.sessions))
		return nil
	}
	w.Flags &= wire.SessionEPolice
	s := &session{key: k, w: w}
	e.sessions[k] = s
	dp := e.destPorts[destProto{w.Dest, w.Protocol}]
	if dp == nil {
		dp = new([2]int)
		e.destPorts[destProto{w.Dest, w.Protocol}] = dp
	}
	dp[portClass(w.DstPort)]++
	e.count("sessions_created")
	return s
}

func portClass(p uint16) int {
	if p == 0 {
		return 0
	}
	return 1
}

// portConflict reports whether a new session w would conflict with an
// existing one of the same destination and protocol, one with DstPort 0
// and the other not (RFC 2205 section 3.2, error code 7).
func (e *Engine) portConflict(w wire.Session) bool {
	dp := e.destPorts[destProto{w.Dest, w.Protocol}]
	return dp != nil && dp[1-portClass(w.DstPort)] > 0
}

// maybeDelete removes s when nothing is left in it.
func (e *Engine) maybeDelete(s *session) {
	if s.dead || len(s.psbs) > 0 || len(s.rsbs) > 0 || len(s.apis) > 0 || len(s.tcsbs) > 0 {
		return
	}
	s.dead = true
	delete(e.sessions, s.key)
	k := destProto{s.w.Dest, s.w.Protocol}
	if dp := e.destPorts[k]; dp != nil {
		dp[portClass(s.w.DstPort)]--
		if dp[0] == 0 && dp[1] == 0 {
			delete(e.destPorts, k)
		}
	}
	e.count("sessions_deleted")
}

// style is the reservation style of the session: every RSB has the same
// (a Resv of another style is refused with code 5).
func (s *session) style() wire.StyleKind {
	if len(s.rsbs) == 0 {
		return wire.UnknownStyle
	}
	return s.rsbs[0].style
}

func (s *session) findPSB(sender wire.FilterSpec) *psb {
	for _, p := range s.psbs {
		if p.sender == sender {
			return p
		}
	}
	return nil
}

func (s *session) removePSBEntry(p *psb) {
	s.psbs = slices.DeleteFunc(s.psbs, func(q *psb) bool { return q == p })
}

func (s *session) removeRSBEntry(r *rsb) {
	s.rsbs = slices.DeleteFunc(s.rsbs, func(q *rsb) bool { return q == r })
}

// phopGroup is the senders of a session that share a previous hop: one
// Resv goes to each group (the local group's "Resv" is an API event).
type phopGroup struct {
	key   phopKey
	iface int // where the PHOP is: the senders' incoming interface
	udp   bool
	psbs  []*psb
}

// groups returns the session's senders grouped by previous hop, in the
// order the groups first appear.
func (s *session) groups() []*phopGroup {
	var gs []*phopGroup
	for _, p := range s.psbs {
		k := p.phopKey()
		var g *phopGroup
		for _, x := range gs {
			if x.key == k {
				g = x
				break
			}
		}
		if g == nil {
			g = &phopGroup{key: k, iface: p.inIface, udp: p.udp}
			gs = append(gs, g)
		}
		g.psbs = append(g.psbs, p)
	}
	return gs
}
