package registrar

import (
	"time"

	"netcompat/core/rserpool/wire"
)

// Takeover (RFC 5353 section 3.9; rsplib's rspregistrar-takeover.c).
//
// A peer that stays silent MaxTimeLastHeard and then does not answer a
// Presence with the R flag within MaxTimeNoResponse is dead. If it owned
// elements and nobody announced a takeover of it, we send Init Takeover
// to every other peer and wait TakeoverExpiryInterval for the acks of
// those we have heard from (rsplib waits for every peer it lists, even
// one it learnt from a List Response and never heard). When two
// registrars start at once, the one with the lower server ID wins (the
// other acks and withdraws). With all acks (at once when there is no
// other peer: rsplib then waits for acks that cannot come and gives up)
// we send Takeover Server to every peer and become the home of the dead
// peer's elements: each gets an Endpoint Keep-Alive with the H flag at
// once (over its association if it has one here, else by opening one to
// its ASAP transport), and a Handle Update tells the peers. Peers that
// hear Takeover Server make the sender the home of the target's elements.
// A takeover that expires is abandoned, as in rsplib; the dead peer's
// elements then leave at the end of their
// registration life unless they register elsewhere first (a pool element
// whose registrar dies hunts for another at once).

// peerDead acts on a peer that did not answer.
func (r *Registrar) peerDead(now time.Time, p *peer) []Output {
	if p.takeoverBy != 0 || r.hs.OwnedCount(p.id) == 0 {
		why := "dead"
		if p.takeoverBy != 0 {
			why = "dead, taken over by " + peStr(p.takeoverBy)
		}
		r.stats.PeersLost++
		r.dropPeer(p, why)
		return nil
	}
	t := &takeover{waiting: make(map[uint32]bool)}
	var out []Output
	for _, id := range r.peerIDs() {
		q := r.peers[id]
		if id == p.id {
			continue
		}
		out = r.toPeer(out, q, &wire.InitTakeover{ServerIDs: r.ids(id), Target: p.id})
		if !q.heard.IsZero() {
			// Only peers we have heard can ack: one merely listed by
			// another (a dump tool that came and went, say) never will.
			t.waiting[id] = true
		}
	}
	p.takeover = t
	r.log.Info("peer dead, initiating takeover", "peer", peStr(p.id), "elements", r.hs.OwnedCount(p.id), "acks_needed", len(t.waiting))
	if len(t.waiting) == 0 {
		return append(out, r.finishTakeover(now, p)...)
	}
	p.timer, p.deadline = timerTakeoverExpiry, now.Add(r.cfg.ENRP.TakeoverExpiryInterval)
	return out
}

// finishTakeover makes us the home of dead peer p's elements.
func (r *Registrar) finishTakeover(now time.Time, p *peer) []Output {
	var out []Output
	for _, id := range r.peerIDs() {
		if id != p.id {
			out = r.toPeer(out, r.peers[id], &wire.TakeoverServer{ServerIDs: r.ids(id), Target: p.id})
		}
	}
	ms := r.hs.TakeOver(now, p.id, r.cfg.ServerID) // keep-alives due at once; Handle Updates by the observers
	r.stats.Takeovers++
	r.stats.TakenOverElements += uint64(len(ms))
	r.log.Info("took over dead peer's pool elements", "peer", peStr(p.id), "elements", len(ms))
	p.takeover = nil
	r.stats.PeersLost++
	r.dropPeer(p, "dead, taken over")
	return out
}

// onInitTakeover answers a peer's Init Takeover.
func (r *Registrar) onInitTakeover(now time.Time, from AssocID, m *wire.InitTakeover) []Output {
	ack := r.reply(nil, from, m.Sender, &wire.InitTakeoverAck{ServerIDs: r.ids(m.Sender), Target: m.Target})
	if m.Target == r.cfg.ServerID {
		// We are alive: say so to everyone, which stops their takeover.
		r.log.Warn("a peer tries to take us over; announcing presence", "peer", peStr(m.Sender))
		return r.presenceToAll(nil)
	}
	p := r.peers[m.Target]
	switch {
	case p == nil:
		return ack
	case p.takeover != nil && m.Sender > r.cfg.ServerID:
		r.log.Info("concurrent takeover: ours wins (lower server ID)", "target", peStr(p.id), "other", peStr(m.Sender))
		return nil
	case p.takeover != nil:
		r.log.Info("concurrent takeover: the peer's wins (lower server ID)", "target", peStr(p.id), "other", peStr(m.Sender))
		p.takeover = nil
		p.timer, p.deadline = timerNoResponse, now.Add(r.cfg.ENRP.MaxTimeNoResponse)
	}
	p.takeoverBy = m.Sender
	return ack
}

// onInitTakeoverAck counts an ack of our takeover.
func (r *Registrar) onInitTakeoverAck(now time.Time, m *wire.InitTakeoverAck) []Output {
	p := r.peers[m.Target]
	if p == nil || p.takeover == nil {
		return nil
	}
	delete(p.takeover.waiting, m.Sender)
	if len(p.takeover.waiting) > 0 {
		return nil
	}
	return r.finishTakeover(now, p)
}

// onTakeoverServer makes the sender the home of the target's elements.
func (r *Registrar) onTakeoverServer(now time.Time, m *wire.TakeoverServer) []Output {
	if m.Target == r.cfg.ServerID {
		r.log.Warn("a peer took us over; announcing presence", "peer", peStr(m.Sender))
		return r.presenceToAll(nil)
	}
	ms := r.hs.TakeOver(now, m.Target, m.Sender)
	r.log.Info("peer took over a registrar's elements", "peer", peStr(m.Sender), "target", peStr(m.Target), "elements", len(ms))
	if p := r.peers[m.Target]; p != nil && p.takeover == nil {
		r.dropPeer(p, "taken over by "+peStr(m.Sender))
	}
	return nil
}

// presenceToAll appends a Presence to every peer, and to the multicast
// group when configured.
func (r *Registrar) presenceToAll(out []Output) []Output {
	if r.cfg.ENRP.Multicast {
		out = append(out, Output{Presence: true, Msg: r.presence(0, false)})
	}
	for _, id := range r.peerIDs() {
		out = r.toPeer(out, r.peers[id], r.presence(id, false))
	}
	return out
}

// takeoverExpired abandons our takeover of p: some peer did not ack.
func (r *Registrar) takeoverExpired(now time.Time, p *peer) []Output {
	r.log.Warn("takeover expired without every ack; abandoned", "peer", peStr(p.id), "missing", len(p.takeover.waiting))
	p.takeover = nil
	r.stats.PeersLost++
	r.dropPeer(p, "dead, takeover expired")
	return nil
}
