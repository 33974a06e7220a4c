package registrar

import (
	"math"
	"time"
)

// Rate limits (-maxhrrate, -maxeurate; RFC 5355 section 6's defence
// against pool users flooding the registrar with handle resolutions or
// failure reports). rsplib keeps per pool user and pool handle a
// time-stamp hash table of the recent requests and compares their rate
// with the threshold. Here each association has a token bucket per kind:
// it holds at most max(rate, 1) tokens (one second's worth, at least one
// request), starts full, refills at rate tokens per second, and each
// request takes one token; a request finding less than one token is over
// the limit. A rate of 0 or less is unlimited.
//
// Over the limit, a Handle Resolution is answered with a rejecting Handle
// Resolution Response carrying cause 0xa (Rejection due to security
// considerations), and an Endpoint Unreachable is ignored (not counted
// against the element).
type bucket struct {
	tokens float64
	last   time.Time
	used   bool
}

// allow takes a token at now if one is there.
func (b *bucket) allow(now time.Time, rate float64) bool {
	if rate <= 0 {
		return true
	}
	burst := math.Max(rate, 1)
	if !b.used {
		b.tokens, b.last, b.used = burst, now, true
	} else if d := now.Sub(b.last); d > 0 {
		b.tokens = math.Min(burst, b.tokens+rate*d.Seconds())
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true
	}
	return false
}
