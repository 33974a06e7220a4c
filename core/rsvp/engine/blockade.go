package engine

import (
	"slices"
	"time"

	"netcompat/core/rsvp/wire"
)

// Blockade state (RFC 2205 section 3.5) solves the second killer
// reservation problem: a ResvErr for an admission failure upstream leaves
// the flowspec that failed, Qb, at each node it passes for Kb x R. While
// it lives, requests Qb blockades are left out of the merge, so a smaller
// request that would succeed is not held hostage by a larger one that
// keeps failing. Blockade state is per previous hop for WF and per sender
// for the explicit styles.

type blockade struct {
	wildcard bool
	phop     phopKey         // WF
	sender   wire.FilterSpec // FF, SE
	qb       wire.Flowspec
	expires  time.Time
}

// blockades reports whether Qb blockades Qi: Qb is not strictly greater
// than Qi (RFC 2205 section 3.5), so a request at least as large as the
// one that failed, or not comparable with it, is blockaded.
func blockades(qb, qi wire.Flowspec) bool {
	c, ok := wire.Compare(qb, qi)
	return !(ok && c > 0)
}

// blockadeFor returns the blockade state of previous hop ph (wildcard)
// or of sender snd, nil when there is none.
func (s *session) blockadeFor(ph phopKey, snd wire.FilterSpec, wildcard bool) *blockade {
	for _, b := range s.blockades {
		if b.wildcard != wildcard {
			continue
		}
		if wildcard && b.phop == ph || !wildcard && b.sender == snd {
			return b
		}
	}
	return nil
}

// setBlockade creates or refreshes blockade state with flowspec qb.
func (e *Engine) setBlockade(now time.Time, s *session, ph phopKey, snd wire.FilterSpec, wildcard bool, qb wire.Flowspec) {
	b := s.blockadeFor(ph, snd, wildcard)
	if b == nil {
		if len(s.blockades) >= e.maxSenders {
			e.drop("drop_blockade_limit", "session %v: blockade state over the bound", s.w.Dest)
			return
		}
		b = &blockade{wildcard: wildcard, phop: ph, sender: snd}
		s.blockades = append(s.blockades, b)
		e.count("blockades_created")
	}
	b.qb = qb
	b.expires = now.Add(time.Duration(e.kb * float64(e.refresh)))
}

// expireBlockades removes blockade state whose timer ran out and reports
// whether any went.
func (s *session) expireBlockades(now time.Time) bool {
	n := len(s.blockades)
	s.blockades = slices.DeleteFunc(s.blockades, func(b *blockade) bool { return !now.Before(b.expires) })
	return len(s.blockades) != n
}
