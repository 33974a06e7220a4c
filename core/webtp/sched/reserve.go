package sched

import (
	"math"
	"time"
)

// AdmissionFraction is the part of the pipe's estimated capacity that
// reservations may take together. The rest absorbs estimation error and
// keeps the shared pool (and control traffic) alive.
const AdmissionFraction = 0.9

// Token-bucket depth of a reservation: enough for a few packets or a short
// burst, so a reserved flow rides out scheduling jitter without exceeding its
// rate by more than this over any interval.
const (
	bucketTime     = 20 * time.Millisecond
	bucketMinBytes = 3000
)

// Reserve asks for a guaranteed constant rate of bps bits/s for a flow;
// bps == 0 releases a reservation. capacity is the pipe's current estimate
// of what it can carry (bits/s). The request is admitted iff all reservations
// on the pipe, this one included (replacing any previous one of the flow),
// sum to at most AdmissionFraction·capacity, and the flow's class and each
// of its ancestors with a rate limit stay within it. Otherwise — or for a
// negative, NaN or infinite bps — it returns ErrRateUnavailable and nothing
// changes. A reserved flow leaves the shared pool: it is served first while
// it has tokens and never faster than its rate.
func (s *Scheduler) Reserve(id uint64, bps float64, capacity float64, now time.Time) error {
	f, ok := s.flows[id]
	if !ok {
		return ErrUnknownFlow
	}
	if !(bps >= 0) || math.IsInf(bps, 0) {
		return ErrRateUnavailable
	}
	if bps == 0 {
		if !f.inPool() {
			s.unreserve(f)
		}
		return nil
	}
	const tol = 1 + 1e-12
	if s.total-f.rate+bps > AdmissionFraction*capacity*tol {
		return ErrRateUnavailable
	}
	for n := f.node; n != nil; n = n.parent {
		if n.class != nil && n.class.Rate > 0 && n.reserved-f.rate+bps > n.class.Rate*tol {
			return ErrRateUnavailable
		}
	}
	if f.inPool() {
		s.leavePool(f)
		f.ridx = len(s.reserved)
		s.reserved = append(s.reserved, f)
		f.tokens, f.last = 0, now
	} else {
		s.refill(f, now) // tokens earned so far at the old rate
	}
	s.total += bps - f.rate
	addReserved(f.node, bps-f.rate)
	f.rate, f.rateB = bps, bps/8
	f.depth = math.Max(f.rateB*bucketTime.Seconds(), bucketMinBytes)
	if f.tokens > f.depth {
		f.tokens = f.depth
	}
	return nil
}

// Reserved returns the flow's reserved rate in bits/s (0: none).
func (s *Scheduler) Reserved(id uint64) float64 {
	if f, ok := s.flows[id]; ok {
		return f.rate
	}
	return 0
}

// TotalReserved returns the sum of the pipe's reservations in bits/s.
func (s *Scheduler) TotalReserved() float64 { return s.total }

// Share returns the rate (bits/s) the flow can expect now out of pipeRate:
// its reservation if it has one; otherwise its hierarchical fair share of
// what reservations leave, among the classes and flows that have data
// queued (the flow itself counts as active even if idle, so the answer is
// what it would get if it sent). This is the value getsockopt(rate) reports.
func (s *Scheduler) Share(id uint64, pipeRate float64) float64 {
	f, ok := s.flows[id]
	if !ok {
		return 0
	}
	if !f.inPool() {
		return f.rate
	}
	avail := pipeRate - s.total
	if !(avail > 0) {
		return 0
	}
	active := f.leaf.cnt[lvAny]
	if !f.hasBacklog() {
		active++
	}
	frac := 1 / float64(active)
	for n := f.leaf; n.parent != nil; n = n.parent {
		sum := 0.0
		for _, k := range n.parent.kids {
			if k == n || k.cnt[lvAny] > 0 {
				sum += k.weight
			}
		}
		frac *= n.weight / sum
	}
	return avail * frac
}

// NextReady returns when the earliest reserved flow that has data but is
// out of tokens may send again, so the caller can arm a timer; zero if no
// flow is waiting only for tokens.
func (s *Scheduler) NextReady(now time.Time) time.Time {
	var at time.Time
	for _, f := range s.reserved {
		if !f.hasBacklog() {
			continue
		}
		s.refill(f, now)
		if f.tokens >= -tokenEps {
			continue
		}
		t := f.last.Add(time.Duration(math.Ceil(-f.tokens / f.rateB * 1e9)))
		if at.IsZero() || t.Before(at) {
			at = t
		}
	}
	return at
}

// nextReserved returns the backlogged reserved flow with tokens that is
// furthest ahead of its schedule (most tokens in seconds of its rate), or nil.
func (s *Scheduler) nextReserved(now time.Time) *flow {
	var best *flow
	bestAhead := 0.0
	for _, f := range s.reserved {
		if !f.hasBacklog() {
			continue
		}
		s.refill(f, now)
		if f.tokens < -tokenEps {
			continue
		}
		if ahead := f.tokens / f.rateB; best == nil || ahead > bestAhead {
			best, bestAhead = f, ahead
		}
	}
	return best
}

// refill brings a reserved flow's bucket up to now. Buckets fill linearly
// and are capped, so refilling lazily at any later instant gives the same
// result as continuously. A clock that steps back is ignored.
func (s *Scheduler) refill(f *flow, now time.Time) {
	if d := now.Sub(f.last); d > 0 {
		f.tokens += d.Seconds() * f.rateB
		if f.tokens > f.depth {
			f.tokens = f.depth
		}
		f.last = now
	}
}

// unreserve returns a reserved flow to the shared pool.
func (s *Scheduler) unreserve(f *flow) {
	s.total -= f.rate
	if s.total < 0 || len(s.reserved) == 1 {
		s.total = 0 // no drift once the last reservation is gone
	}
	addReserved(f.node, -f.rate)
	last := len(s.reserved) - 1
	s.reserved[f.ridx] = s.reserved[last]
	s.reserved[f.ridx].ridx = f.ridx
	s.reserved[last] = nil
	s.reserved = s.reserved[:last]
	f.ridx = -1
	f.rate, f.rateB, f.depth, f.tokens = 0, 0, 0, 0
	s.joinPool(f)
}

func addReserved(n *node, d float64) {
	for ; n != nil; n = n.parent {
		n.reserved += d
		if math.Abs(n.reserved) < 1e-6 {
			n.reserved = 0
		}
	}
}
