package handlespace

// Each registering entity's elements form a doubly linked list through the
// elements themselves (16 bytes per element), headed in h.conns.

// ByConn returns the elements registered by conn (a new slice); none for
// conn 0.
func (h *Handlespace) ByConn(conn ConnKey) []*Member {
	var out []*Member
	if conn == 0 {
		return out
	}
	for m := h.conns[conn]; m != nil; m = m.connNext {
		out = append(out, m)
	}
	return out
}

// RemoveConn removes and returns the elements registered by conn, for a
// registrar whose association to them went away (rsplib's
// registrarRemovePoolElementsOfConnection).
func (h *Handlespace) RemoveConn(conn ConnKey) []*Member {
	out := h.ByConn(conn)
	for _, m := range out {
		h.remove(m)
	}
	return out
}

func (h *Handlespace) linkConn(m *Member) {
	if m.conn == 0 {
		return
	}
	head := h.conns[m.conn]
	m.connPrev, m.connNext = nil, head
	if head != nil {
		head.connPrev = m
	}
	h.conns[m.conn] = m
}

func (h *Handlespace) unlinkConn(m *Member) {
	if m.conn == 0 {
		return
	}
	if m.connPrev != nil {
		m.connPrev.connNext = m.connNext
	} else if m.connNext != nil {
		h.conns[m.conn] = m.connNext
	} else {
		delete(h.conns, m.conn)
	}
	if m.connNext != nil {
		m.connNext.connPrev = m.connPrev
	}
	m.connPrev, m.connNext = nil, nil
}
