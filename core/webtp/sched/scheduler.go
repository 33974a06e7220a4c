package sched

import (
	"errors"
	"math"
	"time"
)

// Errors returned by Scheduler methods.
var (
	ErrUnknownClass    = errors.New("sched: unknown traffic class")
	ErrUnknownFlow     = errors.New("sched: unknown flow")
	ErrFlowExists      = errors.New("sched: flow already added")
	ErrRateUnavailable = errors.New("sched: rate cannot be guaranteed")
)

// DefaultMinNormalShare is the fraction of the shared pool's bytes that
// backlogged normal data keeps however much urgent data is offered.
const DefaultMinNormalShare = 0.1

// flow is one connection as the scheduler sees it.
type flow struct {
	id      uint64
	node    *node // its class
	leaf    *node // node.self: where it is queued
	idx     int   // index in leaf.flows
	backlog [2]bool
	tag     [2]float64 // SFQ start tags in leaf, per level

	// Reservation (rate > 0): a token bucket in bytes, refilled lazily.
	rate   float64 // bits/s; 0 = served from the shared pool
	rateB  float64 // bytes/s
	depth  float64 // bucket size, bytes
	tokens float64
	last   time.Time
	ridx   int // index in Scheduler.reserved
}

func (f *flow) inPool() bool     { return f.rate == 0 }
func (f *flow) hasBacklog() bool { return f.backlog[lvUrgent] || f.backlog[lvNormal] }

// Scheduler chooses, packet by packet, which flow of one pipe sends next.
// It is not safe for concurrent use; a pipe is driven by one goroutine.
type Scheduler struct {
	classes  *Classes
	root     *node
	byClass  map[*Class]*node
	flows    map[uint64]*flow
	reserved []*flow // flows with a reservation
	total    float64 // sum of reservations, bits/s

	minNormal float64
	// credit is the urgent/normal deficit counter, in bytes:
	// minNormal·(urgent bytes) − (1−minNormal)·(normal bytes), counted
	// while normal data is backlogged. credit ≥ 0 means normal is owed its
	// minimum share and goes next. Normal cannot bank more than one packet
	// of advance, so a long urgent-free spell cannot later starve it.
	//
	// Packet granularity lets the counter wander within about one packet,
	// so an arbitrary 1-s interval could see normal fall short of its share
	// by up to one packet. To make the minimum hold in every 1-s interval,
	// normal also earns bonusPackets·maxPkt bytes of credit per second while
	// it is backlogged, which outweighs that one-packet wander.
	credit   float64
	maxPkt   float64   // largest pool packet seen, bytes
	lastSent time.Time // of the last pool packet, for the time bonus
}

// bonusPackets is the per-second credit bonus of normal data, in packets.
const bonusPackets = 2

// creditCap bounds what normal data can be owed when a caller sends urgent
// data against Next's advice, so it cannot then monopolise the pipe.
const creditCap = 64 << 10

// tokenEps absorbs float rounding when testing a bucket for tokens.
const tokenEps = 1e-6

// New returns a scheduler over classes (nil: DefaultClasses). minNormalShare
// outside (0,1) selects DefaultMinNormalShare: zero would let urgent data
// starve normal data, which the WebTP spec forbids.
func New(classes *Classes, minNormalShare float64) *Scheduler {
	if classes == nil || len(classes.list) == 0 {
		classes = DefaultClasses()
	}
	if !(minNormalShare > 0 && minNormalShare < 1) {
		minNormalShare = DefaultMinNormalShare
	}
	root, byClass := buildTree(classes)
	return &Scheduler{
		classes:   classes,
		root:      root,
		byClass:   byClass,
		flows:     map[uint64]*flow{},
		minNormal: minNormalShare,
		maxPkt:    1500,
	}
}

// Classes returns the class hierarchy the scheduler was built with.
func (s *Scheduler) Classes() *Classes { return s.classes }

// MinNormalShare returns the effective minimum share of normal data.
func (s *Scheduler) MinNormalShare() float64 { return s.minNormal }

// Add registers a flow in a class, with empty queues.
func (s *Scheduler) Add(id uint64, class string) error {
	if _, dup := s.flows[id]; dup {
		return ErrFlowExists
	}
	n, err := s.node(class)
	if err != nil {
		return err
	}
	f := &flow{id: id, ridx: -1}
	s.flows[id] = f
	s.attach(f, n)
	return nil
}

// Remove forgets a flow and releases its reservation. Unknown ids are ignored.
func (s *Scheduler) Remove(id uint64) {
	f, ok := s.flows[id]
	if !ok {
		return
	}
	if !f.inPool() {
		s.unreserve(f)
	}
	s.leavePool(f)
	s.detach(f)
	delete(s.flows, id)
	s.settleCredit()
}

// SetClass moves a flow to another class. A reserved flow keeps its rate,
// so the move fails with ErrRateUnavailable if the new class's rate limits
// cannot hold it; nothing changes then.
func (s *Scheduler) SetClass(id uint64, class string) error {
	f, ok := s.flows[id]
	if !ok {
		return ErrUnknownFlow
	}
	n, err := s.node(class)
	if err != nil {
		return err
	}
	if n == f.node {
		return nil
	}
	if !f.inPool() {
		for a := n; a != nil; a = a.parent {
			if a.class == nil || a.class.Rate == 0 || isAncestor(a, f.node) {
				continue // already counted there
			}
			if a.reserved+f.rate > a.class.Rate*(1+1e-12) {
				return ErrRateUnavailable
			}
		}
		addReserved(f.node, -f.rate)
		addReserved(n, f.rate)
	}
	wasPool := f.inPool()
	if wasPool {
		s.leavePool(f)
	}
	s.detach(f)
	// Tags from the old leaf mean nothing in the new one; activation
	// restarts them at the new leaf's virtual time.
	f.tag = [2]float64{}
	s.attach(f, n)
	if wasPool {
		s.joinPool(f)
	}
	return nil
}

// Class returns the class a flow is in.
func (s *Scheduler) Class(id uint64) (string, bool) {
	f, ok := s.flows[id]
	if !ok {
		return "", false
	}
	return f.node.class.Name, true
}

// SetBacklog tells the scheduler whether each of a flow's queues holds data.
// Callers report changes (after enqueueing and after sending); repeating an
// unchanged state is cheap.
func (s *Scheduler) SetBacklog(id uint64, urgent, normal bool) {
	f, ok := s.flows[id]
	if !ok {
		return
	}
	if f.backlog[lvUrgent] == urgent && f.backlog[lvNormal] == normal {
		return
	}
	if f.inPool() {
		wasAny := f.hasBacklog()
		for lv, on := range [2]bool{urgent, normal} {
			if on && !f.backlog[lv] {
				activate(f, lv)
			} else if !on && f.backlog[lv] {
				deactivate(f, lv)
			}
		}
		if isAny := urgent || normal; isAny != wasAny {
			if isAny {
				activate(f, lvAny)
			} else {
				deactivate(f, lvAny)
			}
		}
	}
	f.backlog = [2]bool{urgent, normal}
	s.settleCredit()
}

// Backlogged reports whether any flow has data queued. It is conservative:
// it is true also when the only data belongs to reserved flows that are out
// of tokens, in which case Next returns ok == false and NextReady says when
// to retry. Use Ready for the exact answer at a given time.
func (s *Scheduler) Backlogged() bool {
	if s.root.cnt[lvAny] > 0 {
		return true
	}
	for _, f := range s.reserved {
		if f.hasBacklog() {
			return true
		}
	}
	return false
}

// Ready reports whether Next(now) would return a flow.
func (s *Scheduler) Ready(now time.Time) bool {
	if s.root.cnt[lvAny] > 0 {
		return true
	}
	return s.nextReserved(now) != nil
}

// Next returns the flow whose data should fill the next packet and which of
// its queues to take it from; ok is false when no flow may send now.
// Next does not change the schedule: call Sent with what was actually sent.
func (s *Scheduler) Next(now time.Time) (id uint64, urgent bool, ok bool) {
	if f := s.nextReserved(now); f != nil {
		return f.id, f.backlog[lvUrgent], true
	}
	u, n := s.root.cnt[lvUrgent] > 0, s.root.cnt[lvNormal] > 0
	lv := lvUrgent
	switch {
	case n && (!u || s.credit > -0.5): // half a byte absorbs rounding
		lv = lvNormal
	case u:
	default:
		return 0, false, false
	}
	f := pick(s.root, lv)
	if f == nil {
		return 0, false, false
	}
	return f.id, lv == lvUrgent, true
}

// Sent charges bytes sent from a flow's urgent or normal queue.
func (s *Scheduler) Sent(id uint64, urgent bool, bytes int, now time.Time) {
	f, ok := s.flows[id]
	if !ok || bytes <= 0 {
		return
	}
	b := float64(bytes)
	if !f.inPool() {
		s.refill(f, now)
		f.tokens -= b
		return
	}
	if b > s.maxPkt {
		s.maxPkt = b
	}
	var dt float64
	if d := now.Sub(s.lastSent); d > 0 && !s.lastSent.IsZero() {
		dt = math.Min(d.Seconds(), 1)
	}
	if !now.Before(s.lastSent) {
		s.lastSent = now
	}
	lv := lvNormal
	if urgent {
		lv = lvUrgent
		if s.root.cnt[lvNormal] > 0 {
			s.credit += s.minNormal*b + bonusPackets*s.maxPkt*dt
			if s.credit > creditCap {
				s.credit = creditCap
			}
		}
	} else {
		s.credit -= (1 - s.minNormal) * b
		if floor := -(1 - s.minNormal) * b; s.credit < floor {
			s.credit = floor
		}
	}
	charge(f, lv, b)
}

// settleCredit forgets what normal data was owed once it has none queued:
// a minimum share is owed only while there is data to use it.
func (s *Scheduler) settleCredit() {
	if s.root.cnt[lvNormal] == 0 && s.credit > 0 {
		s.credit = 0
	}
}

func (s *Scheduler) node(class string) (*node, error) {
	cl, ok := s.classes.Lookup(class)
	if !ok {
		return nil, ErrUnknownClass
	}
	return s.byClass[cl], nil
}

func (s *Scheduler) attach(f *flow, n *node) {
	f.node, f.leaf = n, n.self
	f.idx = len(f.leaf.flows)
	f.leaf.flows = append(f.leaf.flows, f)
}

func (s *Scheduler) detach(f *flow) {
	fl := f.leaf.flows
	last := len(fl) - 1
	fl[f.idx] = fl[last]
	fl[f.idx].idx = f.idx
	fl[last] = nil
	f.leaf.flows = fl[:last]
}

// joinPool / leavePool add or remove a flow's backlog to the shared pool's
// counts (reserved flows are scheduled outside the pool).
func (s *Scheduler) joinPool(f *flow) {
	for lv := 0; lv < 2; lv++ {
		if f.backlog[lv] {
			activate(f, lv)
		}
	}
	if f.hasBacklog() {
		activate(f, lvAny)
	}
}

func (s *Scheduler) leavePool(f *flow) {
	if !f.inPool() {
		return
	}
	for lv := 0; lv < 2; lv++ {
		if f.backlog[lv] {
			deactivate(f, lv)
		}
	}
	if f.hasBacklog() {
		deactivate(f, lvAny)
	}
}

func isAncestor(a, n *node) bool {
	for ; n != nil; n = n.parent {
		if n == a {
			return true
		}
	}
	return false
}
