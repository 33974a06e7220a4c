package recovery

import (
	"math"
	"time"
)

// Pacing gains: in slow start the window doubles per RTT, so the pacer
// must run at twice the window's rate to not hold it back; afterwards a
// little headroom (1.25) absorbs ACK jitter without bursting.
const (
	pacingGainSlowStart = 2.0
	pacingGainAvoidance = 1.25
	burstPackets        = 10
	burstTime           = time.Millisecond
)

// pacer is a token bucket in bytes filled at the pacing rate. Its depth
// (the burst) is max(10 packets, 1 ms at the rate), so a caller that sends
// in batches (GSO, up to 64 KiB at once) and a caller woken late by the
// scheduler both keep the rate without bursting a whole window into the
// bottleneck queue.
type pacer struct {
	tokens  float64
	last    int64 // time tokens were last refilled; 0: never
	started bool
}

func (p *pacer) refill(t int64, rate, burst float64) {
	if !p.started {
		p.started = true
		p.tokens = burst
		p.last = t
		return
	}
	if t > p.last {
		p.tokens = min(p.tokens+rate*float64(t-p.last)/1e9, burst)
		p.last = t
	}
}

// onSent takes the packet's bytes from the bucket. Tokens may go
// negative: a packet is never split, and the debt delays the next one.
func (p *pacer) onSent(t int64, bytes int, rate, burst float64) {
	p.refill(t, rate, burst)
	p.tokens -= float64(bytes)
}

// PacingRate is the rate the pacer releases bytes at, in bytes per second:
// gain × cwnd / srtt (gain 2 in slow start, 1.25 after).
func (s *Sender) PacingRate() float64 {
	gain := pacingGainAvoidance
	if s.cc.inSlowStart() {
		gain = pacingGainSlowStart
	}
	return gain * s.cc.cwnd / s.rtt.smoothed.Seconds()
}

func (s *Sender) burst() float64 {
	return max(burstPackets*float64(s.cfg.MaxDatagramSize), s.PacingRate()*burstTime.Seconds())
}

// SendAllowance is how many bytes may be sent at now: the smaller of the
// room in the congestion window and the pacer's tokens. The caller may
// send one packet whenever bytes > 0, even one larger than bytes (the
// overshoot is bounded by a packet and repaid by the pacer). When bytes is
// 0, next is when sending may resume: the time the pacer will have a full
// packet's tokens, or the zero time when the window is full (wait for an
// ACK or a timer). Probe packets asked for by OnTimer are sent regardless.
func (s *Sender) SendAllowance(now time.Time) (bytes int, next time.Time) {
	t := s.ts(now)
	room := s.cc.window() - s.bytesInFlight
	if room <= 0 {
		return 0, time.Time{}
	}
	rate := s.PacingRate()
	s.pacer.refill(t, rate, s.burst())
	need := float64(s.cfg.MaxDatagramSize)
	if float64(room) < need {
		need = float64(room)
	}
	if s.pacer.tokens < need {
		wait := math.Ceil((need - s.pacer.tokens) / rate * 1e9)
		return 0, s.time(t + max(int64(wait), 1))
	}
	return min(room, int(s.pacer.tokens)), time.Time{}
}
