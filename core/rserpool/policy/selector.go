package policy

import (
	"errors"
	"fmt"
	"math/rand/v2"
)

// ErrNotMember is returned by Update for an identifier not in the pool.
var ErrNotMember = errors.New("policy: pool element identifier not in the pool")

// Options configure a Selector.
type Options struct {
	// Rand is the random source of the random policies; tests pass a
	// seeded one (rand.New(rand.NewPCG(1, 2))). Nil: a source seeded from
	// the runtime's random generator.
	Rand *rand.Rand

	// MaxIncrement is how many of the elements one resolution returns,
	// the first ones first, have their selection state advanced: round
	// robin position, weighted round robin use, degradation (rsplib's
	// registrar -maxincrement). 0 means 1, rsplib's default: the pool user
	// is expected to use the first element it is given.
	MaxIncrement int
}

// A Selector picks the elements of one pool for handle resolutions under
// the pool's policy. The handlespace keeps it in step with the pool: Add
// on registration, Update on re-registration (new policy information,
// degradation reset), Remove on deregistration or failure. Elements are
// named by their PE identifier, unique within the pool.
//
// A Selector is not safe for concurrent use.
type Selector struct {
	typ    uint32
	spec   spec
	maxInc int
	rng    *rand.Rand

	ids map[uint32]int32 // PE identifier → index in m
	m   []member

	heap    orderHeap // ordered policies
	fw      fenwick   // weighted random policies
	nextSeq uint64

	picked []int32 // scratch
}

// member is one element and its selection state.
type member struct {
	id         uint32
	info       Info
	seq        uint64 // round-robin position among equal keys (ordered policies)
	round      uint64 // weighted round robin: the element's round
	left       uint32 // weighted round robin: uses left in its round
	counter    uint64 // degradation added since the last Update
	selections uint64 // times returned by Select
}

// MemberState is the selection state of one element, for diagnostics.
type MemberState struct {
	Selections  uint64 // times returned by Select since Add
	Degradation uint64 // load degradation added since the last Add or Update
	Round       uint64 // WeightedRoundRobin: the round the element is in
	UsesLeft    uint32 // WeightedRoundRobin: uses left in that round
}

// NewSelector returns an empty selector for a pool of policy type t.
func NewSelector(t uint32, opts Options) (*Selector, error) {
	sp, ok := specs[t]
	if !ok {
		return nil, fmt.Errorf("%w: 0x%08x", ErrUnknownType, t)
	}
	s := &Selector{
		typ:    t,
		spec:   sp,
		maxInc: opts.MaxIncrement,
		rng:    opts.Rand,
		ids:    make(map[uint32]int32),
	}
	if s.maxInc <= 0 {
		s.maxInc = 1
	}
	if s.rng == nil {
		s.rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	return s, nil
}

// Type returns the pool's policy type.
func (s *Selector) Type() uint32 { return s.typ }

// Len returns the number of elements.
func (s *Selector) Len() int { return len(s.m) }

// Contains reports whether element id is in the pool.
func (s *Selector) Contains(id uint32) bool {
	_, ok := s.ids[id]
	return ok
}

// Info returns element id's policy information.
func (s *Selector) Info(id uint32) (Info, bool) {
	i, ok := s.ids[id]
	if !ok {
		return Info{}, false
	}
	return s.m[i].info, true
}

// State returns element id's selection state.
func (s *Selector) State(id uint32) (MemberState, bool) {
	i, ok := s.ids[id]
	if !ok {
		return MemberState{}, false
	}
	m := &s.m[i]
	return MemberState{Selections: m.selections, Degradation: m.counter, Round: m.round, UsesLeft: m.left}, true
}

// Add adds element id with policy information info. The type must be the
// pool's (ErrIncompatible) and id new (ErrDuplicateID). A new element goes
// behind the existing ones it ties with; under WeightedRoundRobin it joins
// the current round.
func (s *Selector) Add(id uint32, info Info) error {
	if !Compatible(s.typ, info.Type) {
		return fmt.Errorf("%w: pool %s, element %s", ErrIncompatible, Name(s.typ), typeName(info.Type))
	}
	if _, dup := s.ids[id]; dup {
		return fmt.Errorf("%w: 0x%08x", ErrDuplicateID, id)
	}
	idx := int32(len(s.m))
	s.m = append(s.m, member{id: id, info: info})
	s.ids[id] = idx
	m := &s.m[idx]
	switch {
	case s.spec.kind.ordered():
		if s.spec.kind == kindWeightedRoundRobin {
			if s.heap.len() > 0 {
				m.round = s.heap.e[0].key.k1 // the current round
			}
			m.left = wrrWeight(info)
		}
		m.seq = s.takeSeq()
		s.heap.push(idx, s.key(m))
	case s.spec.kind != kindRandom:
		s.fw.push(EffectiveWeight(info, 0))
	}
	return nil
}

// Update replaces element id's policy information (a re-registration or a
// Handle Update) and resets its degradation (RFC 5356 section 5.2: the
// degradation lasts until the element reports its load again). The
// element keeps its round-robin position; under WeightedRoundRobin its uses
// left in the round are cut to the new weight.
func (s *Selector) Update(id uint32, info Info) error {
	if !Compatible(s.typ, info.Type) {
		return fmt.Errorf("%w: pool %s, element %s", ErrIncompatible, Name(s.typ), typeName(info.Type))
	}
	idx, ok := s.ids[id]
	if !ok {
		return fmt.Errorf("%w: 0x%08x", ErrNotMember, id)
	}
	m := &s.m[idx]
	m.info = info
	m.counter = 0
	if w := wrrWeight(info); s.spec.kind == kindWeightedRoundRobin && m.left > w {
		m.left = w
	}
	s.reindex(idx)
	return nil
}

// Remove removes element id; it reports whether it was there.
func (s *Selector) Remove(id uint32) bool {
	idx, ok := s.ids[id]
	if !ok {
		return false
	}
	last := int32(len(s.m) - 1)
	switch {
	case s.spec.kind.ordered():
		s.heap.removeLast(idx)
	case s.spec.kind != kindRandom:
		if idx != last {
			s.fw.set(int(idx), s.fw.weight(int(last)))
		}
		s.fw.pop()
	}
	if idx != last {
		s.m[idx] = s.m[last]
		s.ids[s.m[idx].id] = idx
	}
	s.m[last] = member{}
	s.m = s.m[:last]
	delete(s.ids, id)
	return true
}

// Select appends to dst the identifiers of up to n distinct elements, in
// the order of the pool's policy, and advances the selection state of the
// first MaxIncrement of them. It returns fewer than n only when the pool
// has fewer elements (or, for WeightedRandom and WeightedRandomDPF, fewer
// of non-zero weight).
func (s *Selector) Select(n int, dst []uint32) []uint32 {
	if n <= 0 || len(s.m) == 0 {
		return dst
	}
	n = min(n, len(s.m))
	switch {
	case s.spec.kind.ordered():
		return s.selectOrdered(n, dst)
	case s.spec.kind == kindRandom:
		return s.selectUniform(n, dst)
	default:
		return s.selectWeighted(n, dst)
	}
}

// takeSeq returns the next sequence number; 2^64 of them never run out.
func (s *Selector) takeSeq() uint64 {
	s.nextSeq++
	return s.nextSeq
}

// key returns an ordered-policy element's key.
func (s *Selector) key(m *member) orderKey {
	k := orderKey{seq: m.seq}
	switch s.spec.kind {
	case kindWeightedRoundRobin:
		k.k1, k.k2 = m.round, uint64(m.left)
	case kindPriority:
		k.k1 = MaxWeight - uint64(m.info.Weight)
	case kindLeastUsed:
		k.k1 = EffectiveLoad(m.info, m.counter)
	}
	return k
}

// reindex brings the index structures up to date with member idx's state.
func (s *Selector) reindex(idx int32) {
	m := &s.m[idx]
	switch {
	case s.spec.kind.ordered():
		s.heap.update(idx, s.key(m))
	case s.spec.kind != kindRandom:
		s.fw.set(int(idx), EffectiveWeight(m.info, m.counter))
	}
}

// advance records that member idx was handed out first (within
// MaxIncrement): it moves behind its equals, uses one weighted round
// robin turn, and degrades.
func (s *Selector) advance(m *member) {
	if s.spec.kind.ordered() {
		m.seq = s.takeSeq()
	}
	if s.spec.kind == kindWeightedRoundRobin {
		if m.left > 1 {
			m.left--
		} else {
			m.round++
			m.left = wrrWeight(m.info)
		}
	}
	if s.spec.degrades {
		m.counter = addSat(m.counter, uint64(m.info.LoadDegradation))
	}
}

// wrrWeight is an element's uses per round; weight 0 counts as 1 (rsplib).
func wrrWeight(i Info) uint32 { return max(i.Weight, 1) }

func typeName(t uint32) string {
	if n := Name(t); n != "" {
		return n
	}
	return fmt.Sprintf("0x%08x", t)
}
