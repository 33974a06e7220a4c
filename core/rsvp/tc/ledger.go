package tc

import (
	"fmt"
)

// ledger is the book-keeping both Enforcers share: attached interfaces,
// their reservations, capacity and the numbering of classes and filter
// priorities. It does no I/O and is guarded by its owner's mutex.
type ledger struct {
	ifaces map[string]*ifaceState
	seq    uint64 // last Handle.seq given out
}

type ifaceState struct {
	name    string
	index   int
	link    LinkParams
	control float64 // control class rate, 0 if none
	res     map[uint16]*entry
	prios   map[uint16]bool // filter priorities in use by reservations
	// Allocation cursors: numbers are handed out cyclically, so a number
	// just freed is not reused at once (kernel objects of a failed delete
	// would otherwise be mistaken for the new reservation's).
	nextMinor, nextPrio uint16
}

// entry is one installed reservation.
type entry struct {
	seq    uint64
	minor  uint16
	prio   uint16 // its filter priority
	r      Reservation
	p      ClassParams
	proto  uint16  // filter protocol (ETH_P_IP or ETH_P_IPV6)
	filter [][]key // installed selectors, node i+1 for filter[i]
}

func newLedger() *ledger { return &ledger{ifaces: map[string]*ifaceState{}} }

func (l *ledger) attach(name string, index int, link LinkParams, control float64) (*ifaceState, error) {
	if _, ok := l.ifaces[name]; ok {
		return nil, fmt.Errorf("%w: %s", ErrAttached, name)
	}
	if link.Rate-control < 2*bestEffortMin(link) {
		return nil, fmt.Errorf("tc: %s: control rate %.0f B/s leaves no room on a %.0f B/s link", name, control, link.Rate)
	}
	st := &ifaceState{
		name: name, index: index, link: link, control: control,
		res: map[uint16]*entry{}, prios: map[uint16]bool{},
		nextMinor: firstResMinor, nextPrio: firstResPrio,
	}
	l.ifaces[name] = st
	return st, nil
}

func (l *ledger) iface(name string) (*ifaceState, error) {
	st, ok := l.ifaces[name]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotAttached, name)
	}
	return st, nil
}

func (l *ledger) lookup(h Handle) (*ifaceState, *entry, error) {
	st, ok := l.ifaces[h.iface]
	if !ok {
		return nil, nil, fmt.Errorf("%w: %v", ErrUnknownHandle, h)
	}
	e, ok := st.res[h.minor]
	if !ok || e.seq != h.seq {
		return nil, nil, fmt.Errorf("%w: %v", ErrUnknownHandle, h)
	}
	return st, e, nil
}

func (l *ledger) handle(st *ifaceState, e *entry) Handle {
	return Handle{iface: st.name, minor: e.minor, seq: e.seq}
}

// newEntry validates r against the interface and reserves numbers for
// it, without recording it yet (see add).
func (l *ledger) newEntry(st *ifaceState, r Reservation) (*entry, error) {
	p, err := st.params(r, nil)
	if err != nil {
		return nil, err
	}
	if len(st.res) >= maxReservations {
		return nil, fmt.Errorf("%w: %s holds %d reservations", ErrTooMany, st.name, len(st.res))
	}
	minor, ok := st.allocMinor()
	if !ok {
		return nil, fmt.Errorf("%w: %s: no class number left", ErrTooMany, st.name)
	}
	prio, ok := st.allocPrio()
	if !ok {
		return nil, fmt.Errorf("%w: %s: no filter priority left", ErrTooMany, st.name)
	}
	l.seq++
	return &entry{seq: l.seq, minor: minor, prio: prio, r: r.clone(), p: p,
		proto: ethProto(r.Session), filter: selectors(r)}, nil
}

// add records e (its priority was reserved by newEntry via allocPrio,
// which does not mark it; add does).
func (st *ifaceState) add(e *entry) {
	st.res[e.minor] = e
	st.prios[e.prio] = true
}

func (st *ifaceState) remove(e *entry) {
	delete(st.res, e.minor)
	delete(st.prios, e.prio)
}

// params computes r's class and checks that the interface can take it in
// addition to its reservations other than except.
func (st *ifaceState) params(r Reservation, except *entry) (ClassParams, error) {
	p, err := ComputeParams(r, st.link)
	if err != nil {
		return ClassParams{}, err
	}
	used := st.reserved()
	if except != nil {
		used -= except.p.Rate
	}
	if free := st.reservable() - used; p.Rate > free {
		return ClassParams{}, fmt.Errorf("%w: %s: class rate %.0f B/s, %.0f B/s free of %.0f reservable",
			ErrCapacity, st.name, p.Rate, free, st.reservable())
	}
	return p, nil
}

// reservable is the capacity reservations may share: the link less the
// control class and best effort's minimum.
func (st *ifaceState) reservable() float64 {
	return st.link.Rate - st.control - bestEffortMin(st.link)
}

func (st *ifaceState) reserved() float64 {
	var sum float64
	for _, e := range st.res {
		sum += e.p.Rate
	}
	return sum
}

// bestEffortRate is what the best-effort class is assured when the
// reservations take reserved bytes/s: the rest of the link.
func (st *ifaceState) bestEffortRate(reserved float64) float64 {
	return max(st.link.Rate-st.control-reserved, bestEffortMin(st.link))
}

func (st *ifaceState) allocMinor() (uint16, bool) {
	for range lastResMinor - firstResMinor + 1 {
		m := st.nextMinor
		st.nextMinor++
		if st.nextMinor > lastResMinor {
			st.nextMinor = firstResMinor
		}
		if _, used := st.res[m]; !used {
			return m, true
		}
	}
	return 0, false
}

// allocPrio finds a free filter priority; it is marked used only by add
// or by the caller (Modify holds two at once).
func (st *ifaceState) allocPrio() (uint16, bool) {
	for range lastResPrio - firstResPrio + 1 {
		p := st.nextPrio
		st.nextPrio++
		if st.nextPrio > lastResPrio {
			st.nextPrio = firstResPrio
		}
		if !st.prios[p] {
			return p, true
		}
	}
	return 0, false
}

// selectors lists the u32 keys of every sender of r.
func selectors(r Reservation) [][]key {
	out := make([][]key, len(r.Senders))
	for i, s := range r.Senders {
		out[i] = selector(r.Session, s)
	}
	return out
}

func sameFilters(a, b [][]key) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameKeys(a[i], b[i]) {
			return false
		}
	}
	return true
}
