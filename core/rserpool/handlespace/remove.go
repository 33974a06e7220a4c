package handlespace

import (
	"time"

	"netcompat/core/rserpool/wire"
)

// Deregister handles an ASAP Deregistration (RFC 5352 section 3.3) that
// arrived over conn. It returns the removed element, or:
//
//   - Unknown Pool Handle (0x9) when no pool has the handle;
//   - a nil element and cause 0 when the pool has no element id: the
//     registrar reports success, as rsplib does ("it seems to be already
//     gone"). (rsplib answers success for an unknown pool too.)
//   - Non-unique PE Identifier (0x4) when another entity registered the
//     element (its ConnKey is neither 0 nor conn; Register's rule). A conn
//     of 0 removes any element.
//
// An emptied pool disappears.
func (h *Handlespace) Deregister(handle []byte, id uint32, conn ConnKey) (*Member, wire.Cause) {
	p := h.pools[string(handle)]
	if p == nil {
		return nil, wire.CauseUnknownPoolHandle
	}
	m := p.byID[id]
	if m == nil {
		return nil, 0
	}
	if conn != 0 && m.conn != 0 && m.conn != conn {
		return nil, wire.CauseNonUniquePEIdentifier
	}
	h.remove(m)
	return m, 0
}

// Remove takes m out of the handlespace unconditionally (an ENRP Handle
// Update DEL_PE, a keep-alive timeout, ...). It reports false if m was no
// longer in it.
func (h *Handlespace) Remove(m *Member) bool {
	if !h.has(m) {
		return false
	}
	h.remove(m)
	return true
}

// Expire removes and returns the elements whose registration life has run
// out: registration life milliseconds after their last (re)registration
// (or Handle Update) at or before now. Emptied pools disappear.
func (h *Handlespace) Expire(now time.Time) []*Member {
	t := h.clock(now)
	var out []*Member
	for {
		k, ok := h.expiry.min()
		if !ok || k > t {
			return out
		}
		m := h.expiry.items[0]
		h.remove(m)
		out = append(out, m)
	}
}

// has reports whether m is a live element of h.
func (h *Handlespace) has(m *Member) bool {
	return m != nil && m.Live() && m.pool.hs == h
}

// remove unlinks m from every index.
func (h *Handlespace) remove(m *Member) {
	h.expiry.remove(m)
	if m.kaIdx >= 0 {
		h.ka.remove(m)
	}
	h.dropOwned(m)
	h.unlinkConn(m)
	h.n--
	m.flags &^= flagLive | flagKAPending
	p := m.pool
	p.delete(m)
	if len(p.members) == 0 {
		delete(h.pools, p.handle)
	}
}
