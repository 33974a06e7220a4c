package recovery

import (
	"time"

	"netcompat/core/webtp/wire"
)

// packetThreshold is RFC 9002's kPacketThreshold.
const packetThreshold = 3

// persistentCongestionThreshold is RFC 9002's
// kPersistentCongestionThreshold.
const persistentCongestionThreshold = 3

// maxPTOBackoff bounds the exponent of the PTO backoff so the deadline
// never overflows; 2^16 PTOs is far past any idle timeout.
const maxPTOBackoff = 16

// OnAck processes the ranges of an ACK frame (descending, as wire.Ack)
// received at now. acked(pn) is called for every packet newly
// acknowledged, then lost(pn) for every packet the acknowledgement shows
// lost (RFC 9002 §6.1). Numbers never sent or already handled are ignored.
// ackDelay is the peer's reported delay; it is capped at the configured
// max ACK delay before it adjusts the RTT sample. Either callback may be
// nil.
func (s *Sender) OnAck(ranges []wire.AckRange, ackDelay time.Duration, now time.Time, acked, lost func(pn uint64)) {
	if len(ranges) == 0 || s.largestSent == 0 {
		return
	}
	t := s.ts(now)
	largest := ranges[0].Largest
	if largest > s.largestSent {
		largest = s.largestSent
	}
	var (
		newlyAcked   bool
		eliciting    bool
		largestNewly *sentPacket
		rateSample   *sentPacket // newly acked packet sent last
	)
	var lo, hi uint64 = 1, 0 // empty ring: nothing to walk
	if s.sent.n > 0 {
		lo, hi = s.sent.first, s.sent.last()
	}
	// Ranges are descending; walk them from the lowest so packets are
	// acknowledged (and fed to the congestion controller) in send order.
	for i := len(ranges) - 1; i >= 0 && s.sent.n > 0; i-- {
		r := ranges[i]
		a, b := r.Smallest, r.Largest
		if b < lo || a > hi || a > b {
			continue
		}
		a = max(a, lo)
		b = min(b, hi)
		for pn := a; ; pn++ {
			p := s.sent.at(int(pn - lo))
			if p.state == stateOutstanding {
				p.state = stateAcked
				newlyAcked = true
				if p.ackEliciting {
					eliciting = true
				}
				if pn == largest {
					largestNewly = p
				}
				s.onPacketAcked(p, t)
				if rateSample == nil || p.delivered >= rateSample.delivered {
					rateSample = p
				}
				if acked != nil {
					acked(pn)
				}
			}
			if pn == b {
				break
			}
		}
	}
	// The largest acknowledged moves even on an ACK-only packet's number
	// (RFC 9002 §A.7), which may show earlier packets lost.
	advanced := largest > s.largestAcked && ranges[0].Smallest <= largest
	if advanced {
		s.largestAcked = largest
	}
	if !newlyAcked && !advanced {
		return
	}
	if largestNewly != nil && eliciting {
		ackDelay = min(ackDelay, s.cfg.MaxAckDelay)
		if ackDelay < 0 {
			ackDelay = 0
		}
		if !s.rtt.hasSample {
			s.firstSampleTime = largestNewly.timeSent
		}
		s.rtt.update(time.Duration(t-largestNewly.timeSent), ackDelay)
		s.cc.onRTTSample(s.rtt.latest)
	}
	if rateSample != nil {
		s.rate.onAckDone(rateSample, t, s.rtt.min)
	}
	s.detectAndRemoveLost(t, lost)
	if newlyAcked {
		// RFC 9002 §6.2.1: an acknowledgement resets the PTO backoff.
		s.ptoCount = 0
	}
	s.sent.popDone()
}

// onPacketAcked does the per-packet work of an acknowledgement: in-flight
// accounting, delivery-rate bookkeeping and window growth.
func (s *Sender) onPacketAcked(p *sentPacket, t int64) {
	s.rate.onPacketAcked(p, t)
	s.lossRate -= lossRateGain * s.lossRate
	if !p.inFlight {
		return
	}
	s.bytesInFlight -= int(p.bytes)
	s.elicitingInFlight--
	limited := s.cwndLimited(t)
	if !limited {
		s.stats.AppLimitedAcks++
	}
	s.cc.onPacketAcked(p.pn, p.timeSent, int(p.bytes), t, s.rtt.smoothed, limited)
}

// cwndLimited reports whether the window was the limit recently: the
// application did not say otherwise and at least half the window was in
// flight within the last smoothed RTT (a window that was not used must not
// grow; RFC 9002 §7.8, RFC 9438 §5.8).
func (s *Sender) cwndLimited(t int64) bool {
	if s.appLimited || !s.cwndLimitedSeen {
		return false
	}
	return t-s.lastCwndLimited <= int64(s.rtt.smoothed)+int64(granularity)
}

// detectAndRemoveLost declares lost every outstanding packet below the
// largest acknowledged that is 3 numbers or 9/8 RTT older than it, arms
// the loss timer for the others (RFC 9002 §6.1), and reacts to the losses
// with one congestion event and, if they span long enough, persistent
// congestion. Persistent congestion is judged on the packets still held:
// lost packets leave the records once nothing older is outstanding, so a
// run is seen whole when one ACK (typically that of a PTO probe) shows it
// lost, as in RFC 9002's examples, but not when it is pieced together
// from several ACKs far apart.
func (s *Sender) detectAndRemoveLost(t int64, lost func(pn uint64)) {
	s.lossTime = 0
	if s.largestAcked == 0 || s.sent.n == 0 {
		return
	}
	delay := int64(s.rtt.lossDelay())
	lostSendTime := t - delay
	var (
		anyLost         bool
		largestLostSent int64
		// Persistent congestion (RFC 9002 §7.6): a run of lost
		// ack-eliciting packets, sent after the first RTT sample, with no
		// acknowledged packet between them.
		runStart, runEnd int64
		runLongest       int64
		lostInRun        bool
	)
	n := s.sent.n
	for i := 0; i < n; i++ {
		p := s.sent.at(i)
		if p.pn > s.largestAcked {
			break
		}
		switch p.state {
		case stateAcked:
			runStart, lostInRun = 0, false
			continue
		case stateOutstanding:
			if p.timeSent <= lostSendTime || s.largestAcked >= p.pn+packetThreshold {
				p.state = stateLost
				anyLost = true
				s.stats.Lost++
				s.lossRate += lossRateGain * (1 - s.lossRate)
				if p.inFlight {
					s.bytesInFlight -= int(p.bytes)
					s.elicitingInFlight--
					largestLostSent = max(largestLostSent, p.timeSent)
				}
				if lost != nil {
					lost(p.pn)
				}
				lostInRun = true
			} else {
				if lt := p.timeSent + delay; s.lossTime == 0 || lt < s.lossTime {
					s.lossTime = lt
				}
				continue
			}
		case stateLost:
		default:
			continue
		}
		// p is lost (now or earlier and not yet retired).
		if !p.ackEliciting || !s.rtt.hasSample || p.timeSent < s.firstSampleTime {
			continue
		}
		if runStart == 0 {
			runStart = p.timeSent
		}
		runEnd = p.timeSent
		if lostInRun && runEnd-runStart > runLongest {
			runLongest = runEnd - runStart
		}
	}
	if !anyLost {
		return
	}
	if largestLostSent != 0 {
		if s.randomLoss() {
			s.stats.RandomLosses++
		} else if s.cc.onCongestionEvent(largestLostSent, t) {
			s.stats.CongestionEvents++
		}
	}
	pc := persistentCongestionThreshold * int64(s.rtt.pto(s.cfg.MaxAckDelay))
	if runLongest > pc {
		s.cc.onPersistentCongestion()
		s.stats.PersistentCongestions++
	}
}

// ptoDeadline is when the probe timeout fires; 0 when nothing
// ack-eliciting is in flight.
func (s *Sender) ptoDeadline() int64 {
	if s.elicitingInFlight == 0 {
		return 0
	}
	return s.lastElicitingSent + int64(s.rtt.pto(s.cfg.MaxAckDelay))<<min(s.ptoCount, maxPTOBackoff)
}

// Timer is the earliest time-threshold loss or probe-timeout deadline, the
// time the caller must call OnTimer; zero if no timer is armed.
func (s *Sender) Timer() time.Time {
	if s.lossTime != 0 {
		return s.time(s.lossTime)
	}
	if d := s.ptoDeadline(); d != 0 {
		return s.time(d)
	}
	return time.Time{}
}

// OnTimer handles an expired Timer. If it was the loss timer, it declares
// the packets past the time threshold lost (lost callback) and returns 0.
// If it was the probe timeout, it doubles the next timeout and returns the
// number of ack-eliciting probe packets the caller must send now, beyond
// the congestion window if need be: 1 on the first timeout, 2 on later
// ones (RFC 9002 §6.2.4). Called early, it does nothing.
func (s *Sender) OnTimer(now time.Time, lost func(pn uint64)) (probes int) {
	t := s.ts(now)
	if s.lossTime != 0 {
		if t < s.lossTime {
			return 0
		}
		s.detectAndRemoveLost(t, lost)
		s.sent.popDone()
		return 0
	}
	d := s.ptoDeadline()
	if d == 0 || t < d {
		return 0
	}
	s.ptoCount++
	s.stats.PTOs++
	if s.ptoCount == 1 {
		return 1
	}
	return 2
}

// Loss that is not congestion. A loss-based controller reads every lost
// packet as a full queue, so random loss on a path with room (radio, a
// lossy link, an impairment) shrinks the window of a pipe that carries
// many light flows to its minimum: each flow's loss cuts the window all
// flows share. A loss is taken as random, and the window kept, when both:
//   - the RTT sample that came with it shows no queue (within
//     max(min RTT / 8, 1 ms) of the minimum), and
//   - losses are rare: below 2 % of packets (an average over about the
//     last 128), the tolerance BBRv2 uses.
//
// Congestion at a drop-tail queue fills the queue before it drops, so its
// losses come with a raised RTT and are answered as before; a queue too
// shallow to show in the RTT drops more than 2 % when overrun, and is
// answered too.
const (
	lossRateGain      = 1.0 / 128
	randomLossRateMax = 0.02
)

func (s *Sender) randomLoss() bool {
	if !s.rtt.hasSample || s.lossRate >= randomLossRateMax {
		return false
	}
	queue := max(s.rtt.min/8, time.Millisecond)
	return s.rtt.latest <= s.rtt.min+queue
}
