package handlespace

import (
	"cmp"
	"slices"
	"time"
)

// Endpoint Keep-Alive bookkeeping (RFC 5352 sections 3.6-3.7; sheet: 5 s
// interval, 5 s timeout) for the elements this registrar owns. An owned
// element is idle, its next keep-alive due KeepAliveInterval after its
// (re)registration or last Ack, or pending, a keep-alive sent and its Ack
// due within KeepAliveTimeout. The handlespace sends nothing: the
// registrar asks KeepAlivesDue, sends, and reports KeepAliveSent; it hands
// each Ack to KeepAliveAcked and removes what KeepAliveTimeouts lists.
// NextDeadline tells it when to ask again.

// KeepAlivesDue appends to dst the idle owned elements whose keep-alive is
// due at now, earliest first. It changes nothing.
func (h *Handlespace) KeepAlivesDue(now time.Time, dst []*Member) []*Member {
	return h.kaQuery(now, dst, false)
}

// KeepAliveTimeouts appends to dst the owned elements whose keep-alive Ack
// is overdue at now, earliest first: dead elements the registrar should
// Remove (and announce with a Handle Update). It changes nothing.
func (h *Handlespace) KeepAliveTimeouts(now time.Time, dst []*Member) []*Member {
	return h.kaQuery(now, dst, true)
}

func (h *Handlespace) kaQuery(now time.Time, dst []*Member, pending bool) []*Member {
	t := h.clock(now)
	start := len(dst)
	h.ka.due(t, func(m *Member) {
		if m.KeepAlivePending() == pending {
			dst = append(dst, m)
		}
	})
	slices.SortFunc(dst[start:], func(a, b *Member) int {
		return cmp.Or(cmp.Compare(a.kaAt, b.kaAt),
			cmp.Compare(a.pool.handle, b.pool.handle),
			cmp.Compare(a.PE.ID, b.PE.ID))
	})
	return dst
}

// KeepAliveSent records that an Endpoint Keep-Alive went to m at now: an
// Ack is outstanding until now + KeepAliveTimeout. It reports false if m is
// not an element this registrar owns.
func (h *Handlespace) KeepAliveSent(now time.Time, m *Member) bool {
	if !h.has(m) || m.kaIdx < 0 {
		return false
	}
	t := h.clock(now)
	m.kaSent = t
	m.flags |= flagKAPending | flagKASent
	m.kaAt = t + int64(h.cfg.KeepAliveTimeout)
	h.ka.fix(m)
	return true
}

// KeepAliveAcked records an Endpoint Keep-Alive Ack from m at now: m is
// idle, its next keep-alive due now + KeepAliveInterval. Like rsplib it
// restarts the interval even for an Ack nobody waited for. It reports
// false if m is not an element this registrar owns.
func (h *Handlespace) KeepAliveAcked(now time.Time, m *Member) bool {
	if !h.has(m) || m.kaIdx < 0 {
		return false
	}
	h.kaIdle(m, h.clock(now)+int64(h.cfg.KeepAliveInterval))
	return true
}

// KeepAliveDeferred records a keep-alive sent to m at now (LastKeepAlive)
// and puts the next one KeepAliveInterval later without waiting for an
// Ack: for a keep-alive that could not be sent
// where an Ack could come back (a taken-over element that is reached, if
// at all, over a new association). It reports false if m is not an element
// this registrar owns.
func (h *Handlespace) KeepAliveDeferred(now time.Time, m *Member) bool {
	if !h.KeepAliveAcked(now, m) {
		return false
	}
	m.kaSent = h.clock(now) // LastKeepAlive tells when it went out
	m.flags |= flagKASent
	return true
}

// kaIdle makes owned element m idle with its next keep-alive due at at,
// entering it into the keep-alive heap if needed.
func (h *Handlespace) kaIdle(m *Member, at int64) {
	m.flags &^= flagKAPending
	m.kaAt = at
	if m.kaIdx < 0 {
		h.ka.push(m)
	} else {
		h.ka.fix(m)
	}
}
