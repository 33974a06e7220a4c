package registrar

import (
	"net/netip"
	"time"
)

// ENRP timers: the startup phase, the Presence heartbeat, and each peer's
// one timer (peer.go).
//
// Startup: for MentorDiscoveryTimeout after ENRP starts, the first peer
// heard becomes the mentor, whose whole handle table fills ours (List
// Request, Handle Table Request without the W flag); the phase ends when
// the mentor's last page arrives or at the timeout. Unlike rsplib, which
// stays silent until the timeout, the first Presence goes out at once (to
// the multicast group and, with the R flag, to the static peers), so a
// registrar joining a running pool finds its mentor within a round trip.

// startENRP begins the startup phase.
func (r *Registrar) startENRP(now time.Time) {
	r.enrpStarted = true
	r.startup = true
	r.startupEnds = now.Add(r.cfg.ENRP.MentorDiscoveryTimeout)
	r.nextHeartbeat = now
}

// endStartup leaves the startup phase.
func (r *Registrar) endStartup(now time.Time, why string) {
	if !r.startup {
		return
	}
	r.startup = false
	r.log.Info("ENRP startup complete", "how", why, "elements", r.hs.Len(), "peers", len(r.peers))
}

// enrpDeadline returns when the ENRP timers next need Tick.
func (r *Registrar) enrpDeadline() (t time.Time, ok bool) {
	if !r.cfg.ENRP.Enabled {
		return t, false
	}
	if !r.enrpStarted {
		return time.Time{}, true // at once
	}
	t = r.nextHeartbeat
	if r.startup && r.startupEnds.Before(t) {
		t = r.startupEnds
	}
	for _, p := range r.peers {
		if !p.deadline.IsZero() && p.deadline.Before(t) {
			t = p.deadline
		}
	}
	return t, true
}

// enrpTick runs the ENRP timers due at now.
func (r *Registrar) enrpTick(now time.Time, out []Output) []Output {
	if !r.cfg.ENRP.Enabled {
		return out
	}
	if !r.enrpStarted {
		r.startENRP(now)
	}
	if r.startup && !now.Before(r.startupEnds) {
		r.endStartup(now, "mentor discovery timeout")
	}
	for _, id := range r.peerIDs() {
		p := r.peers[id]
		if p == nil || p.deadline.IsZero() || now.Before(p.deadline) {
			continue
		}
		switch p.timer {
		case timerLastHeard:
			if p.heard.IsZero() {
				r.log.Info("listed peer never heard, asking for presence", "peer", peStr(p.id))
			} else {
				r.log.Info("peer silent, asking for presence", "peer", peStr(p.id), "silent", now.Sub(p.heard).Round(time.Millisecond).String())
			}
			out = r.toPeer(out, p, r.presence(p.id, true))
			p.timer, p.deadline = timerNoResponse, now.Add(r.cfg.ENRP.MaxTimeNoResponse)
		case timerNoResponse:
			p.deadline = time.Time{}
			out = append(out, r.peerDead(now, p)...)
		case timerTakeoverExpiry:
			out = append(out, r.takeoverExpired(now, p)...)
		}
	}
	if !now.Before(r.nextHeartbeat) {
		out = r.heartbeat(out)
		// Jitter of up to a tenth keeps peers' heartbeats from locking step.
		cycle := r.cfg.ENRP.HeartbeatCycle
		cycle -= time.Duration(r.cfg.Rand.Int64N(int64(cycle/10) + 1))
		if now.Sub(r.nextHeartbeat) >= cycle {
			r.nextHeartbeat = now
		}
		r.nextHeartbeat = r.nextHeartbeat.Add(cycle)
	}
	return out
}

// heartbeat sends our Presence to the multicast group, to every peer, and
// with the R flag to each static peer no known peer stands for.
func (r *Registrar) heartbeat(out []Output) []Output {
	out = r.presenceToAll(out)
	r.stats.PresencesSent++
	for _, addrs := range r.cfg.ENRP.StaticPeers {
		if r.staticKnown(addrs) {
			continue
		}
		out = append(out, Output{PeerAddrs: addrs, Msg: r.presence(0, true)})
	}
	return out
}

// staticKnown reports whether a known peer has one of addrs.
func (r *Registrar) staticKnown(addrs []netip.AddrPort) bool {
	for _, p := range r.peers {
		for _, a := range p.addrs {
			for _, b := range addrs {
				if a == b || (a.Addr() == b.Addr().Unmap() && a.Port() == b.Port()) {
					return true
				}
			}
		}
	}
	return false
}
