package recovery

import (
	"math"
	"time"
)

// CUBIC constants (RFC 9438 §4.1 and §4.2).
const (
	cubicC    = 0.4 // scaling constant, in segments per second cubed
	cubicBeta = 0.7 // multiplicative decrease factor
	// alpha of the Reno-friendly estimate, 3(1-β)/(1+β): it makes W_est
	// grow like Reno's window with CUBIC's β (RFC 9438 §4.3).
	cubicAlpha = 3 * (1 - cubicBeta) / (1 + cubicBeta)
)

// HyStart++ constants (RFC 9406 §4.3).
const (
	hsMinRTTThresh   = 4 * time.Millisecond
	hsMaxRTTThresh   = 16 * time.Millisecond
	hsMinRTTDivisor  = 8
	hsNRTTSample     = 8
	hsCSSGrowthDiv   = 4
	hsCSSRounds      = 5
	minWindowPackets = 2 // RFC 9002 kMinimumWindow
)

// cubic is the congestion controller: RFC 9438 CUBIC counted in bytes,
// with slow start (optionally HyStart++, RFC 9406), fast convergence, the
// Reno-friendly region, and RFC 9002's recovery period (one reduction per
// congestion event: losses of packets sent before the event's start do not
// reduce the window again, and the window does not grow until a packet
// sent after it is acknowledged).
//
// Windows are kept in float64 bytes: CUBIC's per-ACK increments are
// fractions of a byte at large windows and must not be lost to rounding.
type cubic struct {
	mss      float64 // bytes per segment
	cwnd     float64
	ssthresh float64
	minWnd   float64

	recoveryStart int64 // time of the last reduction; 0: none

	// Congestion avoidance epoch (RFC 9438 §4.2); epochStart 0 means no
	// epoch: the next ACK in congestion avoidance starts one.
	epochStart int64
	wMax       float64 // window before the last reduction (after fast convergence)
	cwndPrior  float64 // window before the last reduction, as is
	k          float64 // seconds for W_cubic to reach wMax
	wEst       float64 // Reno-friendly estimate, bytes

	hystart bool
	hs      hystartState
}

// hystartState is the per-round bookkeeping of HyStart++.
type hystartState struct {
	windowEnd       uint64 // round ends when a packet above it is acked
	lastRoundMin    time.Duration
	currentRoundMin time.Duration
	samples         int
	inCSS           bool
	cssBaselineMin  time.Duration
	cssRounds       int
	largestSent     uint64 // set by Sender.OnPacketSent
}

func (c *cubic) init(cfg Config) {
	c.mss = float64(cfg.MaxDatagramSize)
	c.cwnd = float64(cfg.InitialWindowPackets) * c.mss
	c.minWnd = minWindowPackets * c.mss
	c.ssthresh = math.Inf(1)
	c.hystart = !cfg.DisableHyStart
	c.hs.lastRoundMin = math.MaxInt64
	c.hs.currentRoundMin = math.MaxInt64
}

func (c *cubic) window() int { return int(c.cwnd) }

func (c *cubic) ssthreshold() int {
	if math.IsInf(c.ssthresh, 1) {
		return math.MaxInt
	}
	return int(c.ssthresh)
}

func (c *cubic) inSlowStart() bool { return c.cwnd < c.ssthresh }

// onRTTSample feeds HyStart++ one RTT sample (one per ACK frame).
func (c *cubic) onRTTSample(latest time.Duration) {
	if !c.hystart || !c.inSlowStart() {
		return
	}
	h := &c.hs
	h.currentRoundMin = min(h.currentRoundMin, latest)
	h.samples++
	if h.samples < hsNRTTSample || h.lastRoundMin == math.MaxInt64 || h.currentRoundMin == math.MaxInt64 {
		return
	}
	if !h.inCSS {
		thresh := min(max(h.lastRoundMin/hsMinRTTDivisor, hsMinRTTThresh), hsMaxRTTThresh)
		if h.currentRoundMin >= h.lastRoundMin+thresh {
			// The queue is building: leave slow start gently.
			h.inCSS = true
			h.cssBaselineMin = h.currentRoundMin
			h.cssRounds = 0
		}
	} else if h.currentRoundMin < h.cssBaselineMin {
		// The RTT increase was spurious: back to slow start.
		h.inCSS = false
	}
}

// onRoundCheck starts a new HyStart++ round when the packet that ended the
// last one is acknowledged.
func (c *cubic) onRoundCheck(pn uint64) {
	h := &c.hs
	if pn < h.windowEnd {
		return
	}
	h.windowEnd = h.largestSent + 1
	h.lastRoundMin = h.currentRoundMin
	h.currentRoundMin = math.MaxInt64
	h.samples = 0
	if h.inCSS {
		h.cssRounds++
		if h.cssRounds >= hsCSSRounds {
			// Conservative slow start saw the queue grow for 5 rounds:
			// the path is full. Go to congestion avoidance from here.
			c.ssthresh = c.cwnd
			h.inCSS = false
		}
	}
}

// onPacketAcked grows the window for one acknowledged in-flight packet
// sent at sentTime. cwndLimited is false when the window was not used, in
// which case it must not grow.
func (c *cubic) onPacketAcked(pn uint64, sentTime int64, bytes int, now int64, srtt time.Duration, cwndLimited bool) {
	if c.hystart && c.inSlowStart() {
		c.onRoundCheck(pn)
	}
	if c.recoveryStart != 0 && sentTime <= c.recoveryStart {
		return // in recovery: RFC 9002 §7.3.2
	}
	if !cwndLimited {
		// Application-limited: no growth, and the CUBIC epoch restarts
		// when growth resumes so the idle time does not count as time
		// since the reduction (RFC 9438 §5.8).
		c.epochStart = 0
		return
	}
	acked := float64(bytes)
	if c.inSlowStart() {
		if c.hystart && c.hs.inCSS {
			c.cwnd += acked / hsCSSGrowthDiv
		} else {
			c.cwnd += acked
		}
		return
	}
	c.congestionAvoidance(acked, now, srtt)
}

// congestionAvoidance is RFC 9438 §4.2-4.4 for one ACK of acked bytes.
func (c *cubic) congestionAvoidance(acked float64, now int64, srtt time.Duration) {
	if c.epochStart == 0 {
		c.epochStart = now
		if c.wMax < c.cwnd {
			// No reduction before this epoch (slow start ended by
			// HyStart++ or ssthresh), or the window grew past the old
			// maximum: the cubic starts at its plateau.
			c.wMax = c.cwnd
		}
		c.k = math.Cbrt((c.wMax - c.cwnd) / (cubicC * c.mss))
		c.wEst = c.cwnd
	}
	t := float64(now-c.epochStart) / 1e9
	rtt := srtt.Seconds()
	// Reno-friendly estimate (§4.3); alpha goes to 1 once W_est passes
	// the window before the reduction.
	alpha := cubicAlpha
	if c.wEst >= c.cwndPrior {
		alpha = 1
	}
	c.wEst += alpha * acked / c.cwnd * c.mss
	wc := c.wCubic(t)
	if wc < c.wEst {
		// Reno-friendly region: be at least as aggressive as Reno.
		c.cwnd = c.wEst
		return
	}
	target := c.wCubic(t + rtt)
	target = min(max(target, c.cwnd), 1.5*c.cwnd)
	c.cwnd += (target - c.cwnd) / c.cwnd * acked
}

// wCubic is W_cubic(t) of RFC 9438 §4.2 in bytes, t in seconds since the
// start of the epoch.
func (c *cubic) wCubic(t float64) float64 {
	d := t - c.k
	return cubicC*c.mss*d*d*d + c.wMax
}

// onCongestionEvent reduces the window for a loss of a packet sent at
// sentTime, detected at now, unless that packet was sent before the
// current recovery period started (RFC 9002 §7.3.2: one reduction per
// round trip of losses).
func (c *cubic) onCongestionEvent(sentTime, now int64) bool {
	if c.recoveryStart != 0 && sentTime <= c.recoveryStart {
		return false
	}
	c.recoveryStart = now
	c.hs.inCSS = false
	c.cwndPrior = c.cwnd
	// Fast convergence (§4.7): a flow whose maximum shrinks releases
	// bandwidth for newer flows.
	if c.cwnd < c.wMax {
		c.wMax = c.cwnd * (1 + cubicBeta) / 2
	} else {
		c.wMax = c.cwnd
	}
	c.ssthresh = max(c.cwnd*cubicBeta, c.minWnd)
	c.cwnd = c.ssthresh
	c.k = math.Cbrt((c.wMax - c.cwnd) / (cubicC * c.mss))
	c.wEst = c.cwnd
	c.epochStart = now
	return true
}

// onPersistentCongestion collapses the window to the minimum (RFC 9002
// §7.6.2) and forgets the CUBIC epoch; ssthresh keeps its reduced value so
// slow start climbs back to it.
func (c *cubic) onPersistentCongestion() {
	c.cwnd = c.minWnd
	c.recoveryStart = 0
	c.epochStart = 0
	c.wMax = 0
	c.wEst = c.cwnd
	// Slow start begins afresh: HyStart++ must not compare against RTTs
	// from before the outage.
	c.hs = hystartState{
		lastRoundMin:    math.MaxInt64,
		currentRoundMin: math.MaxInt64,
		largestSent:     c.hs.largestSent,
	}
}
