package recovery

import (
	"time"

	"netcompat/core/webtp/wire"
)

// MaxTrackedRanges bounds the ranges an AckTracker remembers. Older ones
// are forgotten, and numbers at or below a forgotten range then count as
// duplicates: a packet that late is more likely a replay than news.
const MaxTrackedRanges = 256

// AckTracker is the receiving half of a pipe: it remembers which packet
// numbers arrived (to drop duplicates and to build ACK frames) and decides
// when an ACK is due, following PROTOCOL.md: within 1 ms of an
// ack-eliciting packet, at once when one arrives out of order, and after
// every second one.
type AckTracker struct {
	// AckEvery is how many unacknowledged ack-eliciting packets make an
	// ACK due at once. Default 2.
	AckEvery int
	// MaxAckDelay is how long an ack-eliciting packet may wait for its
	// ACK. Default 1 ms.
	MaxAckDelay time.Duration

	ranges      []wire.AckRange // descending, not touching
	floor       uint64          // numbers below it are forgotten: duplicates
	largestTime time.Time       // when ranges[0].Largest arrived

	pendingEliciting int       // ack-eliciting packets since the last Frame
	firstPending     time.Time // arrival of the first of them
	outOfOrder       bool      // one of them arrived out of order
	fresh            bool      // some packet arrived since the last Frame
}

// NewAckTracker returns an AckTracker with the default settings.
func NewAckTracker() *AckTracker {
	return &AckTracker{
		AckEvery:    2,
		MaxAckDelay: time.Millisecond,
		ranges:      make([]wire.AckRange, 0, MaxTrackedRanges+1),
	}
}

// OnReceived records packet pn, received at now. It reports a duplicate
// (a number already received, or below the remembered window) without
// changing any state; the caller drops such packets.
func (a *AckTracker) OnReceived(pn uint64, now time.Time, ackEliciting bool) (duplicate bool) {
	if pn < a.floor {
		return true
	}
	outOfOrder := false
	switch {
	case len(a.ranges) == 0:
		a.ranges = append(a.ranges, wire.AckRange{Smallest: pn, Largest: pn})
		a.largestTime = now
	case pn > a.ranges[0].Largest:
		if pn == a.ranges[0].Largest+1 {
			a.ranges[0].Largest = pn
		} else {
			a.insert(0, pn)
			outOfOrder = true
		}
		a.largestTime = now
	default:
		if !a.fill(pn) {
			return true
		}
		outOfOrder = true
	}
	if len(a.ranges) > MaxTrackedRanges {
		last := a.ranges[len(a.ranges)-1]
		a.ranges = a.ranges[:len(a.ranges)-1]
		a.floor = last.Largest + 1
	}
	a.fresh = true
	if ackEliciting {
		if a.pendingEliciting == 0 {
			a.firstPending = now
		}
		a.pendingEliciting++
		if outOfOrder {
			a.outOfOrder = true
		}
	}
	return false
}

// fill records pn below the largest received; false if it is a duplicate.
func (a *AckTracker) fill(pn uint64) bool {
	for i := range a.ranges {
		r := &a.ranges[i]
		if pn > r.Largest {
			// In the gap above ranges[i] (and below ranges[i-1], i > 0
			// since pn is below the largest).
			above := &a.ranges[i-1]
			switch {
			case pn == r.Largest+1 && pn+1 == above.Smallest:
				above.Smallest = r.Smallest
				a.ranges = append(a.ranges[:i], a.ranges[i+1:]...)
			case pn == r.Largest+1:
				r.Largest = pn
			case pn+1 == above.Smallest:
				above.Smallest = pn
			default:
				a.insert(i, pn)
			}
			return true
		}
		if pn >= r.Smallest {
			return false
		}
	}
	// Below every range.
	last := &a.ranges[len(a.ranges)-1]
	if pn+1 == last.Smallest {
		last.Smallest = pn
	} else {
		a.ranges = append(a.ranges, wire.AckRange{Smallest: pn, Largest: pn})
	}
	return true
}

// insert puts the range {pn, pn} at index i.
func (a *AckTracker) insert(i int, pn uint64) {
	a.ranges = append(a.ranges, wire.AckRange{})
	copy(a.ranges[i+1:], a.ranges[i:])
	a.ranges[i] = wire.AckRange{Smallest: pn, Largest: pn}
}

// AckNow reports whether an ACK is due at once: an ack-eliciting packet
// arrived out of order (after a gap, or below the largest), or AckEvery
// ack-eliciting packets wait for their ACK.
func (a *AckTracker) AckNow() bool {
	if a.pendingEliciting == 0 {
		return false
	}
	every := a.AckEvery
	if every <= 0 {
		every = 2
	}
	return a.outOfOrder || a.pendingEliciting >= every
}

// Deadline is when an ACK is due at the latest: MaxAckDelay after the
// first unacknowledged ack-eliciting packet; zero when none waits.
func (a *AckTracker) Deadline() time.Time {
	if a.pendingEliciting == 0 {
		return time.Time{}
	}
	d := a.MaxAckDelay
	if d <= 0 {
		d = time.Millisecond
	}
	return a.firstPending.Add(d)
}

// Largest is the largest packet number received and whether there is one.
func (a *AckTracker) Largest() (uint64, bool) {
	if len(a.ranges) == 0 {
		return 0, false
	}
	return a.ranges[0].Largest, true
}

// Frame fills f with an ACK of what was received, sent at now: the newest
// ranges (at most wire.MaxAckRanges, descending), reusing f.Ranges, and
// the delay in microseconds since the largest arrived. It clears the
// pending state (AckNow and Deadline). It returns false, leaving f alone,
// when nothing arrived since the last Frame.
func (a *AckTracker) Frame(now time.Time, f *wire.Ack) bool {
	if !a.fresh || len(a.ranges) == 0 {
		return false
	}
	n := min(len(a.ranges), wire.MaxAckRanges)
	f.Ranges = append(f.Ranges[:0], a.ranges[:n]...)
	delay := now.Sub(a.largestTime)
	if delay < 0 {
		delay = 0
	}
	f.Delay = uint64(delay / time.Microsecond)
	a.fresh = false
	a.pendingEliciting = 0
	a.firstPending = time.Time{}
	a.outOfOrder = false
	return true
}
