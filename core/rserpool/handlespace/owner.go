package handlespace

import (
	"slices"
	"time"
)

// owner is one home registrar's share of the handlespace: its elements
// and the running checksum sum over them.
type owner struct {
	sum     uint64 // sum of the members' elementSum values
	members []*Member
}

// Owned returns the elements whose home registrar is home (a new slice, so
// the caller may change ownership or remove elements while walking it).
func (h *Handlespace) Owned(home uint32) []*Member {
	if o := h.owners[home]; o != nil {
		return slices.Clone(o.members)
	}
	return nil
}

// OwnedCount returns the number of elements whose home is home.
func (h *Handlespace) OwnedCount(home uint32) int {
	if o := h.owners[home]; o != nil {
		return len(o.members)
	}
	return 0
}

// Homes returns, in increasing order, the IDs of the registrars that own
// at least one element.
func (h *Handlespace) Homes() []uint32 {
	out := make([]uint32, 0, len(h.owners))
	for id := range h.owners {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// Checksum returns the handlespace checksum over the elements whose home
// is home: what that registrar sends in its ENRP Presence (sheet section
// 4.5), kept up to date on every change so reading it costs O(1). With no
// such elements it is 0xffff.
func (h *Handlespace) Checksum(home uint32) uint16 {
	if o := h.owners[home]; o != nil {
		return finishChecksum(o.sum)
	}
	return finishChecksum(0)
}

// OwnChecksum returns Checksum(Config.ServerID): this registrar's Presence
// checksum.
func (h *Handlespace) OwnChecksum() uint16 { return h.Checksum(h.cfg.ServerID) }

// ComputeChecksum returns the checksum over the elements whose home is
// home, computed from scratch by walking every pool: O(n), for checks.
func (h *Handlespace) ComputeChecksum(home uint32) uint16 {
	var keys []Key
	for _, p := range h.pools {
		for _, m := range p.members {
			if m.PE.HomeServer == home {
				keys = append(keys, Key{p.handle, m.PE.ID})
			}
		}
	}
	return ChecksumOf(keys)
}

// SetHome makes home the home registrar of m (ENRP takeover, RFC 5353
// section 3.9). If home is this registrar, m is owned from now on and a
// keep-alive is due at once (a takeover's Endpoint Keep-Alive with the H
// flag); if m was owned here and home is another, its keep-alive
// bookkeeping stops. It reports false if m is not in the handlespace.
func (h *Handlespace) SetHome(now time.Time, m *Member, home uint32) bool {
	if !h.has(m) {
		return false
	}
	t := h.clock(now)
	if h.setHome(m, home, t) {
		m.pool.updated(m)
	}
	return true
}

// TakeOver moves every element whose home is from to home to and returns
// them (the takeover of a dead peer's elements; see SetHome). Each
// element's registration life starts again.
func (h *Handlespace) TakeOver(now time.Time, from, to uint32) []*Member {
	out := h.Owned(from)
	if from == to {
		return out
	}
	t := h.clock(now)
	for _, m := range out {
		h.setHome(m, to, t)
		// A full registration life from now: an element whose registrar
		// died may be stuck on its way to another one (its requests to
		// the dead one time out first), and is gone at the end of it if
		// it never shows up.
		m.regAt = t
		h.expiry.fix(m)
		m.pool.updated(m)
	}
	return out
}

// setHome moves m to owner home; if that makes it owned here its first
// keep-alive is due at kaDue. It reports whether the home changed.
func (h *Handlespace) setHome(m *Member, home uint32, kaDue int64) bool {
	if home == m.PE.HomeServer {
		return false
	}
	h.dropOwned(m)
	m.PE.HomeServer = home
	m.flags &^= flagMarked
	h.addOwned(m)
	owned := home == h.cfg.ServerID
	switch {
	case owned && m.kaIdx < 0:
		h.kaIdle(m, kaDue)
	case !owned && m.kaIdx >= 0:
		h.ka.remove(m)
		m.flags &^= flagKAPending
	}
	return true
}

func (h *Handlespace) addOwned(m *Member) {
	o := h.owners[m.PE.HomeServer]
	if o == nil {
		o = &owner{}
		h.owners[m.PE.HomeServer] = o
	}
	m.ownIdx = int32(len(o.members))
	o.members = append(o.members, m)
	o.sum += uint64(m.sum)
}

func (h *Handlespace) dropOwned(m *Member) {
	o := h.owners[m.PE.HomeServer]
	last := len(o.members) - 1
	if i := m.ownIdx; int(i) != last {
		o.members[i] = o.members[last]
		o.members[i].ownIdx = i
	}
	o.members[last] = nil
	o.members = o.members[:last]
	o.sum -= uint64(m.sum)
	m.ownIdx = -1
	if last == 0 {
		delete(h.owners, m.PE.HomeServer)
	}
}
