package registrar

import (
	"time"

	"netcompat/core/rserpool/handlespace"
	"netcompat/core/rserpool/wire"
)

// Handle Updates (RFC 5353 section 3.6).
//
// Every change of an element this registrar owns is announced to every
// peer: ADD_PE for a registration, a re-registration and a takeover,
// DEL_PE for every way an element leaves (deregistration, association
// loss, expiry, keep-alive timeout, unreachable reports, audit). The
// changes are noted by the pools' MemberObservers (selector.go), which
// see every path, and sent at the end of the call that made them (flush),
// in the order they happened. Peers refresh an element's registration
// life on each ADD_PE, so re-registrations are announced too, as rsplib
// does.

// pendingUpdate is a change to announce.
type pendingUpdate struct {
	action wire.UpdateAction
	handle string
	pe     wire.PoolElement
}

// noteChange records a change of m for the peers if m is ours.
func (r *Registrar) noteChange(m *handlespace.Member, action wire.UpdateAction) {
	if !r.cfg.ENRP.Enabled || len(r.peers) == 0 || m.Home() != r.cfg.ServerID {
		return
	}
	r.updates = append(r.updates, pendingUpdate{action: action, handle: m.Handle(), pe: r.announced(m)})
}

// flush appends the pending Handle Updates, one per peer, to out.
func (r *Registrar) flush(out []Output) []Output {
	if len(r.updates) == 0 {
		return out
	}
	ids := r.peerIDs()
	for _, u := range r.updates {
		for _, id := range ids {
			p := r.peers[id]
			out = r.toPeer(out, p, &wire.HandleUpdate{
				ServerIDs:  r.ids(id),
				Action:     u.action,
				PoolHandle: []byte(u.handle),
				Element:    u.pe,
			})
			r.stats.HandleUpdatesSent++
		}
	}
	clear(r.updates)
	r.updates = r.updates[:0]
	return out
}

// onHandleUpdate applies a peer's Handle Update. Only known peers are
// heard (a registrar greets with Presence before anything else). ADD_PE:
// as an entry of a Handle Table Response (applyPeerElement). DEL_PE:
// the element goes unless we own it (we know our own elements alive),
// another live peer, not the sender, owns it (a stale word must not
// remove an element that has moved on), or we sent it a takeover
// keep-alive within the keep-alive timeout (it may have moved to us);
// rsplib removes it in any case.
func (r *Registrar) onHandleUpdate(now time.Time, m *wire.HandleUpdate) {
	p := r.peers[m.Sender]
	if p == nil {
		r.stats.PeerElementsRefused++
		r.log.Debug("handle update from unknown peer ignored", "peer", peStr(m.Sender))
		return
	}
	r.stats.HandleUpdatesReceived++
	switch m.Action {
	case wire.UpdateAddPE:
		r.applyPeerElement(now, p.id, m.PoolHandle, m.Element)
	case wire.UpdateDelPE:
		mem := r.hs.Lookup(m.PoolHandle, m.Element.ID)
		if mem == nil {
			return
		}
		if t, ok := mem.LastKeepAlive(); ok && mem.Conn() == 0 && now.Sub(t) < r.cfg.KeepAliveTimeout {
			// We sent it a takeover keep-alive lately: it may have left
			// its former home for us (which is why that home lost it),
			// and its answer is on its way.
			r.log.Debug("handle update deleting an element we are taking over ignored", "peer", peStr(p.id),
				"pool", handleStr(mem.Handle()), "pe", peStr(mem.PE.ID))
			return
		}
		home := mem.Home()
		if home == r.cfg.ServerID || (home != p.id && r.peers[home] != nil && r.peers[home].takeover == nil && r.peers[home].timer == timerLastHeard) {
			r.log.Debug("handle update deleting an element owned elsewhere ignored", "peer", peStr(p.id), "pool", handleStr(mem.Handle()),
				"pe", peStr(mem.PE.ID), "home", peStr(home))
			return
		}
		r.hs.Remove(mem)
		r.log.Debug("pool element removed by peer", "peer", peStr(p.id), "pool", handleStr(mem.Handle()), "pe", peStr(mem.PE.ID))
	default:
		r.stats.PeerElementsRefused++
		r.log.Debug("handle update with unknown action ignored", "peer", peStr(p.id), "action", uint16(m.Action))
	}
}
