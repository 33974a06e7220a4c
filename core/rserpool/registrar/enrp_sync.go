package registrar

import (
	"cmp"
	"slices"
	"time"

	"netcompat/core/rserpool/handlespace"
	"netcompat/core/rserpool/wire"
)

// Handle table synchronisation (RFC 5353 sections 3.2, 3.3, 3.11).
//
// A Handle Table Response carries one page: at most
// MaxElementsPerHTRequest elements and at most maxPageBytes of message,
// with the M flag while more follow; the requester asks again for each
// further page. As in rsplib, the responder keeps the place per peer (a
// cursor), so the pages form one walk over the handlespace in (pool
// handle, PE identifier) order. The walk runs over a snapshot of the keys
// taken at the first page: elements that leave meanwhile are skipped,
// elements that arrive meanwhile reach the peer by Handle Update anyway.

// maxPageBytes bounds a Handle Table Response below the 64 KiB an ENRP
// message can have, leaving room for the header and one pool handle.
const maxPageBytes = 60000

// cursorIdle is how long a cursor waits for the next request before a
// request is taken as the start of a new walk (a requester that gave up
// half way must not resume a stale walk). A request on another
// association, or with the other W flag, starts anew at once.
const cursorIdle = 30 * time.Second

// htCursor is the place of a paged Handle Table Response walk.
type htCursor struct {
	keys    []handlespace.Key
	next    int
	ownOnly bool
	assoc   AssocID // the walk's association: a request on another starts anew
	used    time.Time
}

// onHandleTableRequest answers with the next page of our handle table:
// the elements we own with the W flag, all of them without. An unknown
// requester is refused (R flag), as rsplib does: it must have said
// Presence first.
func (r *Registrar) onHandleTableRequest(now time.Time, from AssocID, m *wire.HandleTableRequest) []Output {
	resp := &wire.HandleTableResponse{ServerIDs: r.ids(m.Sender)}
	p := r.peers[m.Sender]
	if p == nil {
		resp.Reject = true
		r.log.Debug("handle table request from unknown peer refused", "peer", peStr(m.Sender))
		return r.reply(nil, from, m.Sender, resp)
	}
	r.stats.HandleTableRequests++
	c := p.cursor
	if c == nil || c.ownOnly != m.OwnChildrenOnly || c.assoc != from || now.Sub(c.used) > cursorIdle {
		c = &htCursor{keys: r.tableKeys(m.OwnChildrenOnly), ownOnly: m.OwnChildrenOnly, assoc: from}
		p.cursor = c
	}
	c.used = now
	n, size := 0, 0
	var entry *wire.PoolEntry
	for c.next < len(c.keys) && n < r.cfg.ENRP.MaxElementsPerHTRequest {
		k := c.keys[c.next]
		mem := r.hs.Lookup([]byte(k.Handle), k.ID)
		if mem == nil || (c.ownOnly && mem.Home() != r.cfg.ServerID) {
			c.next++
			continue
		}
		pe := r.announced(mem)
		add := elementSize(&pe)
		if entry == nil || string(entry.PoolHandle) != k.Handle {
			add += 4 + pad4(len(k.Handle))
		}
		if n > 0 && size+add > maxPageBytes {
			break
		}
		if entry == nil || string(entry.PoolHandle) != k.Handle {
			resp.Entries = append(resp.Entries, wire.PoolEntry{PoolHandle: []byte(k.Handle)})
			entry = &resp.Entries[len(resp.Entries)-1]
		}
		entry.Elements = append(entry.Elements, pe)
		size += add
		n++
		c.next++
		if len(resp.Entries) == wire.MaxPools && c.next < len(c.keys) && c.keys[c.next].Handle != k.Handle {
			break
		}
	}
	if c.next < len(c.keys) {
		resp.More = true
	} else {
		p.cursor = nil
	}
	r.stats.HandleTableElementsSent += uint64(n)
	return r.reply(nil, from, p.id, resp)
}

// tableKeys returns the keys of the elements a Handle Table Response
// walks, sorted.
func (r *Registrar) tableKeys(ownOnly bool) []handlespace.Key {
	var keys []handlespace.Key
	if ownOnly {
		for _, m := range r.hs.Owned(r.cfg.ServerID) {
			keys = append(keys, m.Key())
		}
	} else {
		keys = make([]handlespace.Key, 0, r.hs.Len())
		for p := range r.hs.Pools() {
			for _, m := range p.Members() {
				keys = append(keys, m.Key())
			}
		}
	}
	slices.SortFunc(keys, func(a, b handlespace.Key) int {
		if c := cmp.Compare(a.Handle, b.Handle); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return keys
}

// onHandleTableResponse applies a page of a peer's handle table and asks
// for the next one; after the last page of an audit, the peer's elements
// the pages did not refresh are purged, and a mentor's last page ends the
// startup phase.
func (r *Registrar) onHandleTableResponse(now time.Time, from AssocID, m *wire.HandleTableResponse) []Output {
	p := r.peers[m.Sender]
	if p == nil {
		r.log.Debug("handle table response from unknown peer ignored", "peer", peStr(m.Sender))
		return nil
	}
	if m.Reject {
		r.log.Info("peer refused our handle table request", "peer", peStr(p.id))
		p.htSync, p.mentor = false, false
		return nil
	}
	applied, refused := 0, 0
	for i := range m.Entries {
		e := &m.Entries[i]
		for j := range e.Elements {
			if r.applyPeerElement(now, p.id, e.PoolHandle, e.Elements[j]) {
				applied++
			} else {
				refused++
			}
		}
	}
	r.stats.HandleTableElementsReceived += uint64(applied)
	if refused > 0 {
		r.log.Info("handle table entries refused", "peer", peStr(p.id), "refused", refused, "applied", applied)
	}
	if m.More {
		p.syncAsked = now
		return r.reply(nil, from, p.id, &wire.HandleTableRequest{ServerIDs: r.ids(p.id), OwnChildrenOnly: !p.mentor})
	}
	p.htSync = false
	for _, gone := range r.hs.PurgeMarked(p.id) {
		r.stats.AuditPurges++
		r.log.Debug("pool element purged by audit", "pool", handleStr(gone.Handle()), "pe", peStr(gone.PE.ID), "peer", peStr(p.id))
	}
	if p.mentor {
		p.mentor = false
		if r.startup && r.mentorID == p.id {
			r.endStartup(now, "handle table received from mentor "+peStr(p.id))
		}
	}
	return nil
}

// applyPeerElement takes one element a peer announced (Handle Update or
// Handle Table Response) into the handlespace; false if it is refused:
// it claims to be ours (we know our own), names no home, or conflicts
// with the pool (handlespace.Update's checks).
func (r *Registrar) applyPeerElement(now time.Time, sender uint32, handle []byte, pe wire.PoolElement) bool {
	if pe.HomeServer == r.cfg.ServerID || pe.HomeServer == 0 {
		if pe.HomeServer == r.cfg.ServerID && r.hs.Lookup(handle, pe.ID) == nil {
			r.log.Debug("peer announced an element as ours that we do not have", "peer", peStr(sender), "pool", handleStr(string(handle)), "pe", peStr(pe.ID))
		}
		return false
	}
	if m := r.hs.Lookup(handle, pe.ID); m != nil && m.Home() == r.cfg.ServerID && m.Conn() != 0 {
		// Ours, and its association is up: the element is registered
		// here now, so a peer's word that it lives elsewhere is stale
		// (it registered there before it came to us).
		r.log.Debug("peer's claim on an element registered here ignored", "peer", peStr(sender), "pool", handleStr(string(handle)),
			"pe", peStr(pe.ID), "claimed_home", peStr(pe.HomeServer))
		return false
	}
	_, _, cause := r.hs.Update(now, handle, pe)
	if cause != 0 {
		r.stats.PeerElementsRefused++
		r.log.Debug("peer's element refused", "peer", peStr(sender), "pool", handleStr(string(handle)), "pe", peStr(pe.ID), "cause", cause.String())
		return false
	}
	return true
}

// announced returns m as ENRP announces it: with an ASAP transport, the
// element's own or else the association it registered over (rsplib's
// registrator transport), so that a registrar taking it over can reach
// it.
func (r *Registrar) announced(m *handlespace.Member) wire.PoolElement {
	pe := m.PE
	if pe.ASAP == nil {
		if a := r.assocs[AssocID(m.Conn())]; a != nil && a.remote != nil {
			pe.ASAP = a.remote
		}
	}
	return pe
}

// elementSize is an upper bound of pe's Pool Element parameter on the
// wire.
func elementSize(pe *wire.PoolElement) int {
	n := 16 + transportSize(&pe.User) + 8 + 4*len(pe.Policy.Values)
	if pe.ASAP != nil {
		n += transportSize(pe.ASAP)
	}
	return n
}

// transportSize is an upper bound of a transport parameter on the wire.
func transportSize(t *wire.Transport) int {
	n := 12
	for _, a := range t.Addrs {
		if a.Is4() {
			n += 8
		} else {
			n += 20
		}
	}
	return n
}

func pad4(n int) int { return (n + 3) &^ 3 }
