package handlespace

import "netcompat/core/rserpool/wire"

// Pool is one pool: its handle, the policy type and transport its first
// registration established, and its elements.
type Pool struct {
	// Selector is free for the registrar: typically the pool's member
	// selection state (package policy). Config.NewSelector fills it when
	// the pool is created; if it implements MemberObserver it hears of
	// every membership change.
	Selector any

	hs         *Handlespace
	handle     string
	policyType uint32
	kind       wire.ParamType
	use        wire.TransportUse

	members []*Member          // dense; order changes on removal
	byID    map[uint32]*Member // the same elements by PE ID
}

// MemberObserver is implemented by a Pool.Selector that wants to follow
// the pool's membership. Each call comes after the change: MemberAdded for
// a new element, MemberUpdated for a re-registration (or Handle Update) of
// an existing one, including one that only changed owner, MemberRemoved
// for an element that left (its pool then no longer lists it, though
// m.Pool() still returns the pool). A pool whose last element leaves
// disappears from the handlespace after MemberRemoved.
type MemberObserver interface {
	MemberAdded(m *Member)
	MemberUpdated(m *Member)
	MemberRemoved(m *Member)
}

// Handle returns the pool handle (its bytes, as a string).
func (p *Pool) Handle() string { return p.handle }

// PolicyType returns the pool's policy type.
func (p *Pool) PolicyType() uint32 { return p.policyType }

// TransportKind returns the user transport protocol of the pool's
// elements (wire.ParamSCTPTransport, ...).
func (p *Pool) TransportKind() wire.ParamType { return p.kind }

// TransportUse returns the pool's transport use (data or data+control).
func (p *Pool) TransportUse() wire.TransportUse { return p.use }

// Len returns the number of elements.
func (p *Pool) Len() int { return len(p.members) }

// Members returns the pool's elements: the pool's own slice, not a copy,
// so a handle resolution over 100,000 elements costs nothing. It is
// read-only and valid until the handlespace next changes; removals move
// the last element into the freed position.
func (p *Pool) Members() []*Member { return p.members }

// Member returns the element with the given identifier, or nil.
func (p *Pool) Member(id uint32) *Member { return p.byID[id] }

// Live reports whether the pool is still in the handlespace.
func (p *Pool) Live() bool { return len(p.members) > 0 }

func (p *Pool) insert(m *Member) {
	m.idx = int32(len(p.members))
	p.members = append(p.members, m)
	p.byID[m.PE.ID] = m
	if o, ok := p.Selector.(MemberObserver); ok {
		o.MemberAdded(m)
	}
}

func (p *Pool) updated(m *Member) {
	if o, ok := p.Selector.(MemberObserver); ok {
		o.MemberUpdated(m)
	}
}

func (p *Pool) delete(m *Member) {
	last := len(p.members) - 1
	if i := m.idx; int(i) != last {
		p.members[i] = p.members[last]
		p.members[i].idx = i
	}
	p.members[last] = nil
	p.members = p.members[:last]
	delete(p.byID, m.PE.ID)
	if o, ok := p.Selector.(MemberObserver); ok {
		o.MemberRemoved(m)
	}
}
