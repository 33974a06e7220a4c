package handlespace

import (
	"time"

	"netcompat/core/rserpool/wire"
)

// Register handles an ASAP Registration (RFC 5352 sections 3.1-3.3) that
// reached this registrar over conn: it adds the element to the pool named
// by handle, creating the pool, or, if the pool already holds pe.ID, it is
// a re-registration that replaces the element's addresses, policy
// information, registration life and ASAP transport and restarts its
// registration life. Either way this registrar (Config.ServerID) becomes
// the element's home, whatever pe.HomeServer says, its keep-alive timer
// starts afresh (next keep-alive one KeepAliveInterval from now) and
// addresses below Config.MinAddressScope are dropped.
//
// It returns the element and whether it was a re-registration, or the
// cause to put in the Registration Response's Operation Error, with a nil
// element and the handlespace unchanged. Checks, in order:
//
//  1. Invalid Values (0x3) or, for too many addresses, Lack of Resources
//     (0x6): see validate. Invalid Values also when no user address, or
//     no ASAP address of an element that names an ASAP transport, is of
//     at least MinAddressScope.
//  2. If the pool exists: Inconsistent Transport Type (0x7) when the user
//     transport protocol differs from the pool's, Inconsistent
//     Data/Control Configuration (0x8) when the transport use differs,
//     Inconsistent Pooling Policy (0x5) when the policy type differs. A
//     re-registration is held to these too, even by a pool's only element
//     (as rsplib does).
//  3. Non-unique PE Identifier (0x4) when the pool holds pe.ID registered
//     by another entity: the element's ConnKey is not 0 and not conn. An
//     element learned from a peer (ConnKey 0) may be re-registered from
//     any conn, which is how an element moves its home to this registrar.
//     A registrar must therefore RemoveConn (or Remove) an association's
//     elements when the association goes away, or their identifiers stay
//     taken until their registration life ends. (rsplib accepts the
//     re-registration and moves the element to the new association.)
//  4. For a new element, Lack of Resources (0x6) when MaxPools (only if
//     the pool is new), MaxElementsPerPool or MaxElements is reached.
//
// The Endpoint Unreachable count is not reset by a re-registration (see
// ReportUnreachable).
func (h *Handlespace) Register(now time.Time, handle []byte, pe wire.PoolElement, conn ConnKey) (m *Member, reregistered bool, cause wire.Cause) {
	return h.register(now, handle, &pe, conn, h.cfg.ServerID, h.cfg.MinAddressScope, true)
}

// Update applies an element a peer registrar announced: an ENRP Handle
// Update with action ADD_PE or an entry of a Handle Table Response (RFC
// 5353 sections 3.3, 3.6). The element's home is pe.HomeServer. An
// element owned elsewhere has no registering entity here (ConnKey 0), so
// one that had registered here and is now announced by its new home loses
// its association link; an announcement naming this registrar as home
// (a peer echoing our own element) keeps it. Addresses are not
// scope-filtered. The checks are
// Register's except the Non-unique PE Identifier one: the peer's word
// wins. If the home is this registrar, the keep-alive timer starts as for
// Register.
func (h *Handlespace) Update(now time.Time, handle []byte, pe wire.PoolElement) (m *Member, reregistered bool, cause wire.Cause) {
	return h.register(now, handle, &pe, 0, pe.HomeServer, ScopeUnspecified, false)
}

func (h *Handlespace) register(now time.Time, handle []byte, pe *wire.PoolElement, conn ConnKey, home uint32, minScope Scope, asap bool) (*Member, bool, wire.Cause) {
	if c := h.validate(handle, pe); c != 0 {
		return nil, false, c
	}
	if minScope > ScopeUnspecified {
		if c := checkScope(pe, minScope); c != 0 {
			return nil, false, c
		}
	}
	p := h.pools[string(handle)]
	var m *Member
	if p != nil {
		if c := p.consistent(pe); c != 0 {
			return nil, false, c
		}
		m = p.byID[pe.ID]
	}
	if m != nil {
		if asap && m.conn != 0 && m.conn != conn {
			return nil, false, wire.CauseNonUniquePEIdentifier
		}
		if !asap && home == h.cfg.ServerID {
			conn = m.conn // still ours: keep the association link
		}
	} else if c := h.checkLimits(p); c != 0 {
		return nil, false, c
	}

	t := h.clock(now)
	if m == nil {
		if p == nil {
			p = h.newPool(handle, pe)
		}
		m = &Member{pool: p, ownIdx: -1, expIdx: -1, kaIdx: -1}
		storeElement(m, pe, minScope)
		m.PE.HomeServer = home
		m.sum = elementSum(p.handle, m.PE.ID)
		m.regAt = t
		m.flags = flagLive
		m.conn = conn
		h.linkConn(m)
		h.n++
		h.addOwned(m)
		h.expiry.push(m)
		if home == h.cfg.ServerID {
			h.kaIdle(m, t+int64(h.cfg.KeepAliveInterval))
		}
		p.insert(m)
		return m, false, 0
	}

	oldHome := m.PE.HomeServer
	m.flags &^= flagMarked
	storeElement(m, pe, minScope)
	m.PE.HomeServer = oldHome
	if conn != m.conn {
		h.unlinkConn(m)
		m.conn = conn
		h.linkConn(m)
	}
	m.regAt = t
	h.expiry.fix(m)
	next := t + int64(h.cfg.KeepAliveInterval)
	h.setHome(m, home, next)
	if m.kaIdx >= 0 {
		h.kaIdle(m, next)
	}
	p.updated(m)
	return m, true, 0
}

// consistent checks pe against the pool's transport and policy.
func (p *Pool) consistent(pe *wire.PoolElement) wire.Cause {
	switch {
	case pe.User.Kind != p.kind:
		return wire.CauseInconsistentTransport
	case normalUse(&pe.User) != p.use:
		return wire.CauseInconsistentDataControl
	case pe.Policy.Type != p.policyType:
		return wire.CauseInconsistentPolicy
	}
	return 0
}

// checkLimits returns Lack of Resources when one more element (in pool p,
// or in a new pool if p is nil) would exceed a configured limit.
func (h *Handlespace) checkLimits(p *Pool) wire.Cause {
	switch {
	case p == nil && h.cfg.MaxPools > 0 && len(h.pools) >= h.cfg.MaxPools,
		p != nil && h.cfg.MaxElementsPerPool > 0 && len(p.members) >= h.cfg.MaxElementsPerPool,
		h.cfg.MaxElements > 0 && h.n >= h.cfg.MaxElements:
		return wire.CauseLackOfResources
	}
	return 0
}

// newPool creates the pool for handle with pe's transport and policy.
func (h *Handlespace) newPool(handle []byte, pe *wire.PoolElement) *Pool {
	p := &Pool{
		hs:         h,
		handle:     string(handle),
		policyType: pe.Policy.Type,
		kind:       pe.User.Kind,
		use:        normalUse(&pe.User),
		byID:       make(map[uint32]*Member),
	}
	h.pools[p.handle] = p
	if h.cfg.NewSelector != nil {
		p.Selector = h.cfg.NewSelector(p)
	}
	return p
}
