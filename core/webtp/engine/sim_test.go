package engine

import (
	"container/heap"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"netcompat/core/webtp/wire"
)

// simNet joins engine endpoints by a simulated network with a virtual
// clock: per-direction one-way delay, a bottleneck rate with a drop-tail
// queue, random loss and duplication. Everything is deterministic for a
// seed, so the protocol is tested without sockets or real time.
type simNet struct {
	t      testing.TB
	now    time.Time
	eps    map[netip.AddrPort]*Endpoint
	order  []netip.AddrPort
	flight flightHeap
	seq    uint64
	rng    *rand.Rand
	Delay  time.Duration
	Rate   float64 // bytes per second, 0 = unlimited
	Queue  int     // bytes the bottleneck queue holds (0 = unlimited)
	Loss   float64
	Dup    float64
	Drop   func(from, to netip.AddrPort, b []byte) bool // extra, targeted loss
	busy   map[netip.AddrPort]time.Time                 // per sender: when its link is free
	queued map[netip.AddrPort]int
	Sent   int
	Lost   int
	buf    []byte
}

type flight struct {
	at       time.Time
	seq      uint64
	from, to netip.AddrPort
	data     []byte
	size     int
	leaves   bool // leaves the bottleneck queue at `at` and then travels
}

type flightHeap []*flight

func (h flightHeap) Len() int { return len(h) }
func (h flightHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h flightHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *flightHeap) Push(x any)   { *h = append(*h, x.(*flight)) }
func (h *flightHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func newSimNet(t testing.TB, seed uint64) *simNet {
	return &simNet{
		t:      t,
		now:    time.Unix(1_000_000, 0),
		eps:    make(map[netip.AddrPort]*Endpoint),
		rng:    rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		Delay:  5 * time.Millisecond,
		busy:   make(map[netip.AddrPort]time.Time),
		queued: make(map[netip.AddrPort]int),
		buf:    make([]byte, wire.MaxPacketSize),
	}
}

func (n *simNet) add(addr string, cfg Config) *Endpoint {
	ap := netip.MustParseAddrPort(addr)
	if cfg.Seed == 0 {
		cfg.Seed = n.rng.Uint64() | 1
	}
	e := NewEndpoint(cfg)
	n.eps[ap] = e
	n.order = append(n.order, ap)
	return e
}

func (n *simNet) push(f *flight) {
	n.seq++
	f.seq = n.seq
	heap.Push(&n.flight, f)
}

// flush sends everything every endpoint may send now.
func (n *simNet) flush() {
	for _, from := range n.order {
		e := n.eps[from]
		for {
			size, to := e.Poll(n.now, n.buf)
			if size == 0 {
				break
			}
			n.Sent++
			data := append([]byte(nil), n.buf[:size]...)
			if n.Drop != nil && n.Drop(from, to, data) {
				n.Lost++
				continue
			}
			if n.Loss > 0 && n.rng.Float64() < n.Loss {
				n.Lost++
				continue
			}
			copies := 1
			if n.Dup > 0 && n.rng.Float64() < n.Dup {
				copies = 2
			}
			for range copies {
				n.send(from, to, data)
			}
		}
	}
}

func (n *simNet) send(from, to netip.AddrPort, data []byte) {
	if n.Rate <= 0 {
		n.push(&flight{at: n.now.Add(n.Delay), from: from, to: to, data: data})
		return
	}
	size := len(data) + 28
	if n.Queue > 0 && n.queued[from]+size > n.Queue {
		n.Lost++
		return
	}
	start := n.now
	if b := n.busy[from]; b.After(start) {
		start = b
	}
	done := start.Add(time.Duration(float64(size) / n.Rate * float64(time.Second)))
	n.busy[from] = done
	n.queued[from] += size
	n.push(&flight{at: done, from: from, to: to, data: data, size: size, leaves: true})
}

// step advances to the next event; false when there is none before limit.
func (n *simNet) step(limit time.Time) bool {
	n.flush()
	next := limit
	if len(n.flight) > 0 && n.flight[0].at.Before(next) {
		next = n.flight[0].at
	}
	for _, ap := range n.order {
		if t := n.eps[ap].NextTimeout(); !t.IsZero() && t.Before(next) {
			next = t
		}
	}
	if next.After(n.now) {
		n.now = next
	}
	if !n.now.Before(limit) {
		return false
	}
	for len(n.flight) > 0 && !n.flight[0].at.After(n.now) {
		f := heap.Pop(&n.flight).(*flight)
		if f.leaves {
			n.queued[f.from] -= f.size
			f.leaves = false
			f.at = f.at.Add(n.Delay)
			n.push(f)
			continue
		}
		if e := n.eps[f.to]; e != nil {
			e.Receive(n.now, f.from, f.data)
		}
	}
	for _, ap := range n.order {
		e := n.eps[ap]
		if t := e.NextTimeout(); !t.IsZero() && !t.After(n.now) {
			e.HandleTimeout(n.now)
		}
	}
	return true
}

// runUntil steps until cond holds or d of simulated time passed.
func (n *simNet) runUntil(d time.Duration, cond func() bool) bool {
	limit := n.now.Add(d)
	last, spins := n.now, 0
	for !cond() {
		if !n.step(limit) {
			return cond()
		}
		if n.now.Equal(last) {
			if spins++; spins > 100000 {
				n.t.Fatalf("simulation spins at %v without advancing", n.now)
			}
		} else {
			last, spins = n.now, 0
		}
	}
	return true
}
