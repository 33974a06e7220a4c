package handlespace

// Marks support an ENRP audit (RFC 5353 section 3.11.1): when a peer's
// Presence checksum disagrees with ours over the elements it owns, the
// registrar marks those elements, asks the peer for its own elements
// (Handle Table Request with the W flag) and, after the last page, purges
// the elements the answer did not refresh. Update and Register clear an
// element's mark; so does a change of home, since the element then no
// longer belongs to the audited owner.

// MarkOwned marks every element whose home is home and returns how many.
func (h *Handlespace) MarkOwned(home uint32) int {
	o := h.owners[home]
	if o == nil {
		return 0
	}
	for _, m := range o.members {
		m.flags |= flagMarked
	}
	return len(o.members)
}

// PurgeMarked removes and returns the elements whose home is home and
// that are still marked.
func (h *Handlespace) PurgeMarked(home uint32) []*Member {
	var out []*Member
	for _, m := range h.Owned(home) {
		if m.flags&flagMarked != 0 {
			h.remove(m)
			out = append(out, m)
		}
	}
	return out
}

// Marked reports whether m carries an audit mark.
func (m *Member) Marked() bool { return m.flags&flagMarked != 0 }

// SetConn makes conn the entity that registered m: a registrar that took
// m over (its ConnKey 0) links it to the association its Endpoint
// Keep-Alive Ack came back on, so later keep-alives go there and the
// element leaves with that association. It reports false if m is not in
// the handlespace.
func (h *Handlespace) SetConn(m *Member, conn ConnKey) bool {
	if !h.has(m) {
		return false
	}
	if m.conn != conn {
		h.unlinkConn(m)
		m.conn = conn
		h.linkConn(m)
	}
	return true
}
