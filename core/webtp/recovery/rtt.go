package recovery

import "time"

// InitialRTT is the RTT assumed before the first sample (RFC 9002 §6.2.2
// uses 333 ms for the open Internet; WebTP pipes mostly run on LANs and
// data-centre paths, so the brief's 100 ms is used).
const InitialRTT = 100 * time.Millisecond

// granularity is the timer granularity of RFC 9002 (kGranularity).
const granularity = time.Millisecond

// rttStats estimates the round-trip time as RFC 9002 §5. It lives apart
// from the loss detector because loss detection, PTO, pacing, CUBIC and
// HyStart++ all read it.
type rttStats struct {
	latest, min, smoothed, rttvar time.Duration
	hasSample                     bool
}

func (r *rttStats) init() {
	r.smoothed = InitialRTT
	r.rttvar = InitialRTT / 2
}

// update takes one RTT sample. ackDelay is the peer's reported delay,
// already capped by the caller's max ACK delay; it is subtracted only if
// that does not take the sample below min_rtt (RFC 9002 §5.3).
func (r *rttStats) update(latest, ackDelay time.Duration) {
	if latest <= 0 {
		// A clock that did not advance; keep the sample meaningful.
		latest = time.Nanosecond
	}
	r.latest = latest
	if !r.hasSample {
		r.hasSample = true
		r.min = latest
		r.smoothed = latest
		r.rttvar = latest / 2
		return
	}
	if latest < r.min {
		r.min = latest
	}
	adjusted := latest
	if latest >= r.min+ackDelay {
		adjusted = latest - ackDelay
	}
	d := r.smoothed - adjusted
	if d < 0 {
		d = -d
	}
	r.rttvar = (3*r.rttvar + d) / 4
	r.smoothed = (7*r.smoothed + adjusted) / 8
}

// pto is the probe timeout period without backoff (RFC 9002 §6.2.1).
func (r *rttStats) pto(maxAckDelay time.Duration) time.Duration {
	return r.smoothed + max(4*r.rttvar, granularity) + maxAckDelay
}

// lossDelay is the time threshold of RFC 9002 §6.1.2.
func (r *rttStats) lossDelay() time.Duration {
	d := max(r.smoothed, r.latest)
	d += d / 8
	return max(d, granularity)
}
