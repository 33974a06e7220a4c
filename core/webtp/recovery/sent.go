package recovery

import (
	"time"

	"netcompat/core/webtp/wire"
)

// Config tunes a Sender. Zero fields take the defaults.
type Config struct {
	// MaxDatagramSize is the largest packet, the unit of the congestion
	// window's limits. Default wire.MaxPacketSize.
	MaxDatagramSize int
	// MaxAckDelay is the longest the peer delays an ACK. Default 1 ms:
	// WebTP receivers acknowledge within 1 ms (PROTOCOL.md).
	MaxAckDelay time.Duration
	// InitialWindowPackets is the initial congestion window in packets.
	// Default 10.
	InitialWindowPackets int
	// DisableHyStart turns HyStart++ (RFC 9406) off: slow start then
	// runs until the first loss, as classic CUBIC.
	DisableHyStart bool
}

func (c *Config) defaults() {
	if c.MaxDatagramSize <= 0 {
		c.MaxDatagramSize = wire.MaxPacketSize
	}
	if c.MaxAckDelay <= 0 {
		c.MaxAckDelay = time.Millisecond
	}
	if c.InitialWindowPackets <= 0 {
		c.InitialWindowPackets = 10
	}
}

// Packet states in the sent ring.
const (
	stateNone        uint8 = iota // number skipped by the caller, or retired
	stateOutstanding              // sent, neither acknowledged nor lost
	stateAcked
	stateLost
)

// sentPacket is what the sender remembers of one packet: enough for loss
// detection, RTT sampling, congestion control and delivery-rate samples.
// Times are nanoseconds since Sender.epoch, which keeps the record small
// and free of pointers.
type sentPacket struct {
	pn            uint64
	timeSent      int64
	delivered     int64 // Sender.delivered when sent
	deliveredTime int64 // Sender.deliveredTime when sent
	firstSentTime int64 // Sender.firstSentTime when sent
	bytes         int32
	state         uint8
	ackEliciting  bool
	inFlight      bool // counted in bytes in flight
	appLimited    bool // sent while the application was the bottleneck
}

// sentRing holds sentPacket records indexed by packet number. Packet
// numbers are consecutive (PROTOCOL.md) and packets leave roughly in
// order, so a ring as large as the window finds any record in O(1) and
// stops allocating once it has grown to the window.
type sentRing struct {
	buf   []sentPacket
	head  int
	n     int
	first uint64 // packet number of buf[head] when n > 0
}

func (r *sentRing) at(i int) *sentPacket { return &r.buf[(r.head+i)&(len(r.buf)-1)] }

// get returns pn's record, or nil if pn is not in the ring.
func (r *sentRing) get(pn uint64) *sentPacket {
	if r.n == 0 || pn < r.first || pn-r.first >= uint64(r.n) {
		return nil
	}
	return r.at(int(pn - r.first))
}

// last is the highest packet number in the ring (valid when n > 0).
func (r *sentRing) last() uint64 { return r.first + uint64(r.n) - 1 }

// push appends a record for pn, which must be above every number in the
// ring; skipped numbers get empty records.
func (r *sentRing) push(pn uint64) *sentPacket {
	if r.n == 0 {
		r.first = pn
	} else {
		for r.last()+1 < pn {
			p := r.pushSlot()
			*p = sentPacket{pn: r.last()}
		}
	}
	p := r.pushSlot()
	*p = sentPacket{pn: pn}
	return p
}

func (r *sentRing) pushSlot() *sentPacket {
	if r.n == len(r.buf) {
		r.grow()
	}
	r.n++
	return r.at(r.n - 1)
}

func (r *sentRing) grow() {
	size := 2 * len(r.buf)
	if size == 0 {
		size = 256
	}
	buf := make([]sentPacket, size)
	for i := 0; i < r.n; i++ {
		buf[i] = *r.at(i)
	}
	r.buf, r.head = buf, 0
}

// popDone drops the records at the head that are no longer outstanding.
func (r *sentRing) popDone() {
	for r.n > 0 && r.at(0).state != stateOutstanding {
		r.head = (r.head + 1) & (len(r.buf) - 1)
		r.n--
		r.first++
	}
}

// Sender is the sending half of a pipe: it records sent packets, turns
// ACK frames into acknowledged and lost packet numbers, and decides how
// much may be sent and when. See loss.go, cubic.go, pacer.go and rate.go
// for the parts.
type Sender struct {
	cfg   Config
	epoch time.Time // origin of the int64 timestamps; set on first use
	rtt   rttStats
	sent  sentRing

	bytesInFlight     int
	elicitingInFlight int    // ack-eliciting packets in flight
	lastElicitingSent int64  // send time of the last ack-eliciting packet
	largestSent       uint64 // highest number passed to OnPacketSent
	largestAcked      uint64 // 0: none yet
	lossTime          int64  // earliest time-threshold loss; 0: none
	ptoCount          uint
	firstSampleTime   int64 // send time of the packet of the first RTT sample

	cc    cubic
	pacer pacer
	rate  rateEstimator

	stats    Stats
	lossRate float64 // moving average of the fraction of packets lost

	appLimited      bool  // set by SetAppLimited
	lastCwndLimited int64 // last send with at least half the window in flight
	cwndLimitedSeen bool
}

// NewSender returns a Sender for a new pipe.
func NewSender(cfg Config) *Sender {
	cfg.defaults()
	s := &Sender{cfg: cfg}
	s.rtt.init()
	s.cc.init(cfg)
	s.sent.grow()
	return s
}

// ts converts now to the Sender's timestamp, fixing the epoch on first
// use. Timestamps start at 1 so that 0 can mean "unset".
func (s *Sender) ts(now time.Time) int64 {
	if s.epoch.IsZero() {
		s.epoch = now.Add(-time.Nanosecond)
	}
	return int64(now.Sub(s.epoch))
}

func (s *Sender) time(t int64) time.Time { return s.epoch.Add(time.Duration(t)) }

// SetAppLimited tells the Sender whether the application, not the
// congestion window, limits sending. While it does, the window does not
// grow (a window never used says nothing about the path) and delivery-rate
// samples are marked app-limited. The Sender also detects it on its own:
// the window only grows while at least half of it was in flight within the
// last RTT.
func (s *Sender) SetAppLimited(limited bool) {
	if limited && !s.appLimited {
		s.rate.onAppLimited(s.bytesInFlight)
	}
	s.appLimited = limited
}

// OnPacketSent records packet pn of the given size, sent at now. Numbers
// must increase (PROTOCOL.md: by one per packet); a number not above the
// last one is ignored. Only ack-eliciting packets are tracked: they count
// in bytes in flight, arm the probe timeout and get an acked or lost
// callback, as RFC 9002's in-flight packets. ACK-only packets are never
// retransmitted and never acknowledged on their own, so they are merely
// numbered (their numbers still count as largest acknowledged) and paced;
// keeping them would let a pipe that only receives grow its records
// without end.
func (s *Sender) OnPacketSent(pn uint64, now time.Time, bytes int, ackEliciting bool) {
	if pn <= s.largestSent && s.largestSent != 0 {
		return
	}
	t := s.ts(now)
	s.largestSent = pn
	s.cc.hs.largestSent = pn
	p := s.sent.push(pn)
	if ackEliciting {
		if s.bytesInFlight == 0 {
			s.rate.onSendIdle(t)
		}
		p.timeSent = t
		p.bytes = int32(bytes)
		p.state = stateOutstanding
		p.ackEliciting = true
		p.inFlight = true
		if s.appLimited {
			s.rate.onAppLimited(s.bytesInFlight)
		}
		s.rate.snapshot(p)
		s.bytesInFlight += bytes
		s.elicitingInFlight++
		s.lastElicitingSent = t
		if 2*s.bytesInFlight >= s.cc.window() {
			s.lastCwndLimited = t
			s.cwndLimitedSeen = true
		}
	}
	// Untracked records leave the ring at once if nothing waits before
	// them.
	s.sent.popDone()
	s.pacer.onSent(t, bytes, s.PacingRate(), s.burst())
}

// BytesInFlight is the size of the ack-eliciting packets neither
// acknowledged nor declared lost.
func (s *Sender) BytesInFlight() int { return s.bytesInFlight }

// SRTT is the smoothed RTT (InitialRTT before the first sample).
func (s *Sender) SRTT() time.Duration { return s.rtt.smoothed }

// RTTVar is the RTT variation.
func (s *Sender) RTTVar() time.Duration { return s.rtt.rttvar }

// MinRTT is the smallest RTT sample (0 before the first).
func (s *Sender) MinRTT() time.Duration { return s.rtt.min }

// LatestRTT is the last RTT sample (0 before the first).
func (s *Sender) LatestRTT() time.Duration { return s.rtt.latest }

// HasSamples reports whether an RTT sample was taken.
func (s *Sender) HasSamples() bool { return s.rtt.hasSample }

// CongestionWindow is the congestion window in bytes.
func (s *Sender) CongestionWindow() int { return s.cc.window() }

// SlowStartThreshold is the slow-start threshold in bytes (math.MaxInt
// until the first congestion event or HyStart++ exit).
func (s *Sender) SlowStartThreshold() int { return s.cc.ssthreshold() }

// InSlowStart reports whether the window is below the threshold.
func (s *Sender) InSlowStart() bool { return s.cc.inSlowStart() }

// PTOCount is the number of probe timeouts since the last acknowledgement.
func (s *Sender) PTOCount() int { return int(s.ptoCount) }

// Stats counts what loss recovery did, for diagnostics.
type Stats struct {
	Lost                  uint64 // packets declared lost
	CongestionEvents      uint64 // window reductions
	PersistentCongestions uint64 // collapses to the minimum window
	PTOs                  uint64 // probe timeouts
	AppLimitedAcks        uint64 // acknowledgements that did not grow the window: it was not in use
	RandomLosses          uint64 // loss events taken as random (no queue, rare): window kept
}

// LossRate is the recent fraction of packets lost (a moving average over
// about the last 128 packets).
func (s *Sender) LossRate() float64 { return s.lossRate }

// Stats returns the counters.
func (s *Sender) Stats() Stats { return s.stats }
