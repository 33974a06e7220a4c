package engine

import (
	"container/heap"
	"slices"
	"time"
)

// Soft state (RFC 2205 section 3.7). Each session has three timers: the
// Path refresh and the Resv refresh, each fired every R jittered in
// [0.5R, 1.5R] so that neighbours do not synchronize, and the cleanup
// timer, set to the earliest moment some received state (or blockade
// state) runs out. State from the network lives L = (K + 0.5) x 1.5 x R
// after its last refresh, R being the refresh period its sender gave in
// TIME_VALUES; state made through the local API lives as long as the API
// session. The timers live in one heap; an entry whose time no longer
// matches its session's is stale and skipped.

const (
	tPath = iota
	tResv
	tClean
	numTimers
)

type timerEntry struct {
	at   time.Time
	s    *session
	kind int
}

type timerHeap []timerEntry

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h timerHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)        { *h = append(*h, x.(timerEntry)) }
func (h *timerHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = timerEntry{}
	*h = old[:len(old)-1]
	return x
}

func (t timerEntry) live() bool { return !t.s.dead && t.s.at[t.kind].Equal(t.at) }

// setTimer arms timer kind of s for at.
func (e *Engine) setTimer(s *session, kind int, at time.Time) {
	s.at[kind] = at
	heap.Push(&e.timers, timerEntry{at: at, s: s, kind: kind})
	// Stale entries go when they come due; should moves pile them up
	// (a peer changing its R over and over), the heap is rebuilt from
	// the live ones.
	if len(e.timers) > 1024+8*numTimers*len(e.sessions) {
		live := slices.DeleteFunc(e.timers, func(t timerEntry) bool { return !t.live() })
		e.timers = live
		heap.Init(&e.timers)
	}
}

// jitter returns a refresh interval drawn from [0.5R, 1.5R].
func (e *Engine) jitter() time.Duration {
	f := e.rand()
	if f < 0 || f >= 1 {
		f = 0.5
	}
	return time.Duration((0.5 + f) * float64(e.refresh))
}

// ensureTimers arms what s needs after a change: the refreshes when it
// has something to refresh, the cleanup timer at the earliest expiry.
func (e *Engine) ensureTimers(now time.Time, s *session) {
	if s.dead {
		return
	}
	if s.at[tPath].IsZero() && slices.ContainsFunc(s.psbs, func(p *psb) bool { return len(p.outs) > 0 }) {
		e.setTimer(s, tPath, now.Add(e.jitter()))
	}
	if s.at[tResv].IsZero() && len(s.fwd) > 0 {
		e.setTimer(s, tResv, now.Add(e.jitter()))
	}
	if exp := s.nextExpiry(); !exp.IsZero() && (s.at[tClean].IsZero() || exp.Before(s.at[tClean])) {
		e.setTimer(s, tClean, exp)
	}
}

// nextExpiry is the earliest time some state of s times out, zero if
// nothing does.
func (s *session) nextExpiry() time.Time {
	var t time.Time
	earlier := func(x time.Time) {
		if !x.IsZero() && (t.IsZero() || x.Before(t)) {
			t = x
		}
	}
	for _, p := range s.psbs {
		earlier(p.expires)
	}
	for _, r := range s.rsbs {
		earlier(r.expires)
	}
	for _, b := range s.blockades {
		earlier(b.expires)
	}
	return t
}

// NextTimer returns when Tick should next be called; zero when no timer
// is armed.
func (e *Engine) NextTimer() time.Time {
	for len(e.timers) > 0 {
		if t := e.timers[0]; t.live() {
			return t.at
		}
		heap.Pop(&e.timers)
	}
	return time.Time{}
}

// Tick runs the refreshes and expiries due at now.
func (e *Engine) Tick(now time.Time) {
	for len(e.timers) > 0 {
		t := e.timers[0]
		if !t.live() {
			heap.Pop(&e.timers)
			continue
		}
		if t.at.After(now) {
			return
		}
		heap.Pop(&e.timers)
		s := t.s
		s.at[t.kind] = time.Time{}
		switch t.kind {
		case tPath:
			e.refreshPaths(s)
		case tResv:
			e.refreshUpstream(now, s, true, nil)
		case tClean:
			e.cleanup(now, s)
		}
		e.ensureTimers(now, s)
		e.maybeDelete(s)
	}
}

// cleanup removes the state of s that was not refreshed in time, sending
// the teardowns a timeout implies: PathTear downstream for path state,
// and for reservation state whatever refreshUpstream finds no longer
// asked of the previous hops.
func (e *Engine) cleanup(now time.Time, s *session) {
	for _, p := range slices.Clone(s.psbs) {
		if p.local == nil && !p.expires.IsZero() && !now.Before(p.expires) && slices.Contains(s.psbs, p) {
			e.count("path_state_expired")
			e.removePSB(now, s, p)
		}
	}
	gone := false
	for _, r := range slices.Clone(s.rsbs) {
		if r.local == nil && !r.expires.IsZero() && !now.Before(r.expires) {
			e.count("resv_state_expired")
			e.deleteRSB(s, r)
			gone = true
		}
	}
	if s.expireBlockades(now) {
		gone = true
	}
	if gone {
		e.updateTC(now, s)
		e.refreshUpstream(now, s, false, nil)
	}
}
