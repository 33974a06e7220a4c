package registrar

import (
	"errors"
	"net/netip"
	"slices"
	"time"

	"netcompat/core/rserpool/wire"
)

// enrpAssoc is what the registrar keeps per ENRP association.
type enrpAssoc struct {
	remote  []netip.Addr // the peer's addresses on this association
	garbage int          // undecodable messages in a row
}

// ENRPAssocOpened tells the registrar about a new ENRP association and the
// peer's addresses on it (used when a Presence's Server Information names
// none).
func (r *Registrar) ENRPAssocOpened(now time.Time, id AssocID, remote []netip.AddrPort) {
	ea := &enrpAssoc{}
	for _, ap := range remote {
		ea.remote = append(ea.remote, ap.Addr().Unmap())
	}
	r.enrpAssocs[id] = ea
}

// ENRPAssocClosed forgets ENRP association id. Peers are not affected:
// their liveness is a matter of Presence, not of associations.
func (r *Registrar) ENRPAssocClosed(now time.Time, id AssocID) {
	delete(r.enrpAssocs, id)
	for _, p := range r.peers {
		if p.assoc == id {
			p.assoc = 0
		}
	}
}

// HandleENRP processes one decoded ENRP message received on ENRP
// association from (RFC 5353). Messages from this registrar itself (its
// own server ID as sender) are ignored, as rsplib does; so are messages
// addressed to another registrar.
func (r *Registrar) HandleENRP(now time.Time, from AssocID, m wire.Message) []Output {
	return r.flush(r.handleENRP(now, from, netip.Addr{}, m))
}

// HandlePresenceMulticast processes a message received on the ENRP
// multicast socket from src: a Presence announces a peer; anything else
// is ignored.
func (r *Registrar) HandlePresenceMulticast(now time.Time, src netip.Addr, m wire.Message) []Output {
	pr, ok := m.(*wire.Presence)
	if !ok || !r.cfg.ENRP.Enabled {
		r.stats.ENRPGarbage++
		return nil
	}
	return r.flush(r.onPresence(now, 0, src.Unmap(), pr))
}

// HandleENRPInvalid counts an undecodable message on ENRP association
// from; Config.MaxGarbage of them in a row close it.
func (r *Registrar) HandleENRPInvalid(now time.Time, from AssocID, err error) []Output {
	r.stats.ENRPGarbage++
	if from == 0 {
		return nil // a datagram on the multicast socket: nothing to close
	}
	ea := r.enrpAssocs[from]
	if ea == nil {
		ea = &enrpAssoc{}
		r.enrpAssocs[from] = ea
	}
	ea.garbage++
	r.log.Debug("undecodable ENRP message", "assoc", from, "err", err, "in_a_row", ea.garbage)
	if ea.garbage >= r.cfg.MaxGarbage {
		r.log.Info("closing ENRP association: garbage", "assoc", from, "messages", ea.garbage)
		delete(r.enrpAssocs, from)
		return []Output{{To: from, Close: true}}
	}
	return nil
}

var errNotENRP = errors.New("not an ENRP message")

func (r *Registrar) handleENRP(now time.Time, from AssocID, src netip.Addr, m wire.Message) []Output {
	if m == nil || m.Protocol() != wire.ENRP {
		return r.HandleENRPInvalid(now, from, errNotENRP)
	}
	if ea := r.enrpAssocs[from]; ea != nil {
		ea.garbage = 0
	}
	if !r.cfg.ENRP.Enabled {
		r.log.Debug("ENRP message ignored: ENRP is off", "assoc", from)
		return nil
	}
	if !r.enrpStarted {
		r.startENRP(now)
	}
	r.stats.ENRPMessages++
	ids := enrpIDs(m)
	if ids.Sender == r.cfg.ServerID || ids.Sender == 0 {
		return nil // our own, or no sender to answer or account to
	}
	if ids.Receiver != 0 && ids.Receiver != r.cfg.ServerID {
		r.log.Debug("ENRP message for another registrar ignored", "receiver", peStr(ids.Receiver), "sender", peStr(ids.Sender))
		return nil
	}
	switch msg := m.(type) {
	case *wire.Presence:
		return r.onPresence(now, from, src, msg)
	case *wire.HandleTableRequest:
		return r.onHandleTableRequest(now, from, msg)
	case *wire.HandleTableResponse:
		return r.onHandleTableResponse(now, from, msg)
	case *wire.HandleUpdate:
		r.onHandleUpdate(now, msg)
	case *wire.ListRequest:
		return r.onListRequest(now, from, msg)
	case *wire.ListResponse:
		return r.onListResponse(now, msg)
	case *wire.InitTakeover:
		return r.onInitTakeover(now, from, msg)
	case *wire.InitTakeoverAck:
		return r.onInitTakeoverAck(now, msg)
	case *wire.TakeoverServer:
		return r.onTakeoverServer(now, msg)
	case *wire.ENRPErrorMessage:
		r.log.Debug("peer reported an ENRP error", "peer", peStr(ids.Sender), "error", msg.Error.Error())
	}
	return nil
}

// reply appends m for peer id: through the peer's route when it is a
// known peer, so that every message to a peer travels in one order on one
// association (a Handle Table page must not overtake a Handle Update),
// else on the association the request came on.
func (r *Registrar) reply(out []Output, from AssocID, id uint32, m wire.Message) []Output {
	if p := r.peers[id]; p != nil && (len(p.addrs) > 0 || from == 0) {
		return r.toPeer(out, p, m)
	}
	if from == 0 {
		return out
	}
	return append(out, Output{To: from, Msg: m})
}

// enrpIDs returns the server IDs every ENRP message starts with (none
// for other messages).
func enrpIDs(m wire.Message) wire.ServerIDs {
	if e, ok := m.(interface{ IDs() wire.ServerIDs }); ok {
		return e.IDs()
	}
	return wire.ServerIDs{}
}

// peerEndpoint works out where a peer serves ENRP: the addresses of its
// Server Information that it also uses on this association (rsplib
// filters the same way), else the association's (or, for a multicast
// Presence, the source's) addresses; the port is the Server
// Information's, else ENRP's.
func (r *Registrar) peerEndpoint(from AssocID, src netip.Addr, info *wire.ServerInfo) []netip.AddrPort {
	port := uint16(wire.ENRPPort)
	var announced []netip.Addr
	if info != nil {
		if info.Transport.Port != 0 {
			port = info.Transport.Port
		}
		for _, a := range info.Transport.Addrs {
			if a = a.Unmap(); a.IsValid() && !a.IsUnspecified() && !a.IsMulticast() {
				announced = append(announced, a)
			}
		}
	}
	var seen []netip.Addr
	if ea := r.enrpAssocs[from]; ea != nil {
		seen = ea.remote
	} else if src.IsValid() {
		seen = []netip.Addr{src}
	}
	var addrs []netip.Addr
	for _, a := range announced {
		for _, b := range seen {
			if a == b {
				addrs = append(addrs, a)
			}
		}
	}
	switch {
	case len(addrs) > 0:
	case len(seen) > 0:
		addrs = seen
	default:
		addrs = announced
	}
	out := make([]netip.AddrPort, 0, len(addrs))
	for _, a := range addrs {
		out = append(out, netip.AddrPortFrom(a, port))
	}
	return out
}

// onPresence handles a Presence (RFC 5353 section 3.1; rsplib's
// registrarHandleENRPPresence): learn or refresh the peer, answer a new
// one with a Presence of our own, pick a mentor during startup, and on a
// unicast Presence audit the peer's checksum and ask for its peer list
// once.
func (r *Registrar) onPresence(now time.Time, from AssocID, src netip.Addr, m *wire.Presence) []Output {
	if m.Sender == r.cfg.ServerID || m.Sender == 0 {
		return nil
	}
	r.stats.PresencesReceived++
	var out []Output
	p, isNew := r.learnPeer(now, m.Sender, r.peerEndpoint(from, src, m.Info), m.Info)
	if p == nil {
		return nil
	}
	r.heardFrom(now, p)
	if from != 0 {
		p.assoc = from
	}
	// Our Presence first: a peer refuses requests from a registrar it
	// has not heard say Presence (rsplib and this one alike). One message
	// both greets a new peer (asking for its reply) and answers the R
	// flag.
	if isNew || (from != 0 && m.ReplyRequired) {
		out = r.toPeer(out, p, r.presence(p.id, isNew))
	}
	if p.htSync && now.Sub(p.syncAsked) > r.syncPatience() {
		r.log.Info("handle table synchronisation stalled, giving up", "peer", peStr(p.id), "mentor", p.mentor)
		p.htSync, p.mentor = false, false
		p.cursor = nil
	}
	if r.startup && r.mentorID != p.id {
		out = r.considerMentor(now, p, out)
	}
	if from != 0 { // audits only on unicast Presences, as rsplib
		if !p.htSync {
			if ours := r.hs.Checksum(p.id); ours != m.Checksum {
				r.log.Info("checksum mismatch, synchronising", "peer", peStr(p.id), "ours", ours, "theirs", m.Checksum)
				out = r.audit(now, p, out)
			}
		}
		if !p.listSync {
			p.listSync = true
			out = r.toPeer(out, p, &wire.ListRequest{ServerIDs: r.ids(p.id)})
		}
	}
	return out
}

// considerMentor makes p our mentor during startup if we have none, or if
// ours does not answer (a dump tool, say, is a peer that never serves a
// handle table): the first peer heard is the mentor, and its whole table
// fills ours.
func (r *Registrar) considerMentor(now time.Time, p *peer, out []Output) []Output {
	cur := r.peers[r.mentorID]
	stalled := cur != nil && cur.mentor && now.Sub(cur.syncAsked) > r.cfg.ENRP.HeartbeatCycle
	if cur != nil && cur.mentor && !stalled {
		return out
	}
	if stalled {
		r.log.Info("mentor did not answer, trying another", "mentor", peStr(cur.id), "next", peStr(p.id))
		cur.mentor, cur.htSync = false, false
	}
	r.mentorID = p.id
	p.mentor, p.htSync, p.listSync = true, true, true
	p.syncAsked = now
	r.log.Info("mentor found", "peer", peStr(p.id))
	r.stats.Synchronisations++
	out = r.toPeer(out, p, &wire.ListRequest{ServerIDs: r.ids(p.id)})
	return r.toPeer(out, p, &wire.HandleTableRequest{ServerIDs: r.ids(p.id)})
}

// audit resynchronises with p's own elements: they are marked, p is asked
// for them page by page, and the ones its pages do not refresh are purged
// after the last page (enrp_sync.go).
func (r *Registrar) audit(now time.Time, p *peer, out []Output) []Output {
	p.htSync = true
	p.syncAsked = now
	r.hs.MarkOwned(p.id)
	r.stats.Synchronisations++
	r.stats.Audits++
	return r.toPeer(out, p, &wire.HandleTableRequest{ServerIDs: r.ids(p.id), OwnChildrenOnly: true})
}

// isSelf reports whether addrs is our own ENRP endpoint.
func (r *Registrar) isSelf(addrs []netip.AddrPort) bool {
	self := r.cfg.ENRP.Self
	for _, ap := range addrs {
		if ap.Port() == self.Port && slices.Contains(self.Addrs, ap.Addr()) {
			return true
		}
	}
	return false
}

// syncPatience is how long a handle table walk may wait for its next page
// before it counts as stalled.
func (r *Registrar) syncPatience() time.Duration {
	return r.cfg.ENRP.MaxTimeLastHeard + r.cfg.ENRP.MaxTimeNoResponse
}

// onListRequest answers with the peer table (RFC 5353 section 3.4).
func (r *Registrar) onListRequest(now time.Time, from AssocID, m *wire.ListRequest) []Output {
	resp := &wire.ListResponse{ServerIDs: r.ids(m.Sender)}
	size := 0
	for _, id := range r.peerIDs() {
		p := r.peers[id]
		if id == m.Sender || len(p.addrs) == 0 {
			continue
		}
		info := p.info
		info.ServerID = id
		if info.Transport.Kind == 0 || len(info.Transport.Addrs) == 0 {
			info.Transport = wire.Transport{Kind: r.cfg.ENRP.Self.Kind, Port: p.addrs[0].Port()}
			for _, ap := range p.addrs {
				info.Transport.Addrs = append(info.Transport.Addrs, ap.Addr())
			}
		}
		if size += 8 + transportSize(&info.Transport); size > maxPageBytes { // Server Information: header, ID, transport
			break // the rest would not fit one message; peers find them by Presence
		}
		resp.Servers = append(resp.Servers, info)
	}
	return r.reply(nil, from, m.Sender, resp)
}

// onListResponse learns the peers a peer knows and greets the new ones.
func (r *Registrar) onListResponse(now time.Time, m *wire.ListResponse) []Output {
	if m.Reject || r.peers[m.Sender] == nil {
		return nil
	}
	var out []Output
	for i := range m.Servers {
		si := &m.Servers[i]
		if si.ServerID == 0 || si.ServerID == r.cfg.ServerID || r.peers[si.ServerID] != nil {
			continue
		}
		addrs := r.peerEndpoint(0, netip.Addr{}, si)
		if len(addrs) == 0 || r.isSelf(addrs) {
			continue // an earlier incarnation of ours, at our own endpoint
		}
		p, isNew := r.learnPeer(now, si.ServerID, addrs, si)
		if p == nil || !isNew {
			continue
		}
		p.timer, p.deadline = timerLastHeard, now.Add(r.cfg.ENRP.MaxTimeLastHeard)
		out = r.toPeer(out, p, r.presence(p.id, true))
	}
	return out
}
