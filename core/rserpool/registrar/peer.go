package registrar

import (
	"net/netip"
	"slices"
	"time"

	"netcompat/core/rserpool/wire"
)

// peerTimer is what a peer's one timer stands for (rsplib's PLNT_*).
type peerTimer uint8

const (
	timerLastHeard      peerTimer = iota // MaxTimeLastHeard after its last Presence: ask for one
	timerNoResponse                      // MaxTimeNoResponse after asking: the peer is dead
	timerTakeoverExpiry                  // our takeover of the dead peer waits for acks
)

// peer is one ENRP peer: another registrar of the operational scope.
type peer struct {
	id    uint32
	addrs []netip.AddrPort // its ENRP endpoint (addresses of one multi-homed endpoint)
	info  wire.ServerInfo  // its last Server Information
	assoc AssocID          // the association we last heard it on; 0 none

	heard    time.Time // last Presence (or any message) from it
	timer    peerTimer
	deadline time.Time

	mentor    bool      // our mentor: its full handle table fills ours at startup
	htSync    bool      // a Handle Table Request to it is outstanding
	syncAsked time.Time // when we last asked it for a page
	listSync  bool      // we asked it for its peer list

	takeoverBy uint32    // the peer that said it takes this one over (its Init Takeover we acked)
	takeover   *takeover // our takeover of this (dead) peer, if we started one

	cursor *htCursor // where our Handle Table Response to it continues
}

// takeover is our Init Takeover of a dead peer: the peers whose Init
// Takeover Ack we still wait for.
type takeover struct {
	waiting map[uint32]bool
}

// HasPeer reports whether id is in the peer table.
func (r *Registrar) HasPeer(id uint32) bool { return r.peers[id] != nil }

// learnPeer adds or refreshes peer id reachable at addrs; it returns the
// peer and whether it is new. A new peer's timer starts at
// MaxTimeLastHeard from now. With the table full, nil.
func (r *Registrar) learnPeer(now time.Time, id uint32, addrs []netip.AddrPort, info *wire.ServerInfo) (*peer, bool) {
	p := r.peers[id]
	isNew := p == nil
	if isNew {
		if len(r.peers) >= MaxPeers {
			r.log.Warn("peer table full, ignoring peer", "peer", peStr(id), "limit", MaxPeers)
			return nil, false
		}
		p = &peer{id: id}
		r.peers[id] = p
		r.stats.PeersLearned++
		r.log.Info("new peer", "peer", peStr(id), "addrs", addrs)
	}
	if len(addrs) > 0 {
		p.addrs = addrs
	}
	if info != nil {
		p.info = *info
	}
	return p, isNew
}

// heardFrom restarts p's liveness timer: it spoke, so any takeover of it
// stops (rsplib: a Presence cancels takeovers of its sender).
func (r *Registrar) heardFrom(now time.Time, p *peer) {
	p.heard = now
	if p.takeover != nil {
		r.log.Info("takeover cancelled: peer is alive", "peer", peStr(p.id))
		p.takeover = nil
	}
	p.takeoverBy = 0
	p.timer = timerLastHeard
	p.deadline = now.Add(r.cfg.ENRP.MaxTimeLastHeard)
}

// dropPeer forgets p.
func (r *Registrar) dropPeer(p *peer, why string) {
	delete(r.peers, p.id)
	if r.mentorID == p.id {
		r.mentorID = 0
	}
	r.log.Info("peer removed", "peer", peStr(p.id), "reason", why)
}

// peerIDs returns the peers' IDs in increasing order (deterministic
// fan-out order for tests and logs).
func (r *Registrar) peerIDs() []uint32 {
	ids := make([]uint32, 0, len(r.peers))
	for id := range r.peers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// toPeer appends an output sending m to peer p: the I/O layer uses an
// association it has with p or opens one to p.addrs.
func (r *Registrar) toPeer(out []Output, p *peer, m wire.Message) []Output {
	return append(out, Output{Peer: p.id, PeerAddrs: p.addrs, Msg: m})
}

// ids returns the server IDs of a message from us to receiver.
func (r *Registrar) ids(receiver uint32) wire.ServerIDs {
	return wire.ServerIDs{Sender: r.cfg.ServerID, Receiver: receiver}
}

// presence returns our Presence for receiver (0: everyone).
func (r *Registrar) presence(receiver uint32, replyRequired bool) *wire.Presence {
	return &wire.Presence{
		ServerIDs:     r.ids(receiver),
		ReplyRequired: replyRequired,
		Checksum:      r.hs.OwnChecksum(),
		Info:          &wire.ServerInfo{ServerID: r.cfg.ServerID, Transport: r.cfg.ENRP.Self},
	}
}

// PeerInfo describes one peer for diagnostics (Snapshot).
type PeerInfo struct {
	ID        uint32           `json:"id"`
	Addrs     []netip.AddrPort `json:"addrs"`
	LastHeard time.Time        `json:"last_heard"`
	State     string           `json:"state"`
	Mentor    bool             `json:"mentor,omitempty"`
	Syncing   bool             `json:"syncing,omitempty"`
	Owned     int              `json:"owned_elements"`
	Checksum  uint16           `json:"checksum"`
}

// Peers returns the peer table, by server ID.
func (r *Registrar) Peers() []PeerInfo {
	out := make([]PeerInfo, 0, len(r.peers))
	for _, id := range r.peerIDs() {
		p := r.peers[id]
		st := "alive"
		switch {
		case p.takeover != nil:
			st = "taking over"
		case p.timer == timerNoResponse:
			st = "not answering"
		case p.takeoverBy != 0:
			st = "taken over by " + peStr(p.takeoverBy)
		}
		out = append(out, PeerInfo{
			ID: id, Addrs: slices.Clone(p.addrs), LastHeard: p.heard, State: st,
			Mentor: p.mentor, Syncing: p.htSync,
			Owned: r.hs.OwnedCount(id), Checksum: r.hs.Checksum(id),
		})
	}
	return out
}
