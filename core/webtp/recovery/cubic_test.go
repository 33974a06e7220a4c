package recovery

import (
	"math"
	"netcompat/core/webtp/wire"
	"testing"
	"time"
)

// caRound acknowledges one window of full-size packets spread over the
// round [now, now+rtt), all sent after any recovery start.
func caRound(c *cubic, now int64, rtt time.Duration) {
	n := int(c.cwnd / c.mss)
	for i := 0; i < n; i++ {
		ts := now + int64(rtt)*int64(i)/int64(n)
		c.onPacketAcked(0, ts-int64(rtt)+1, int(c.mss), ts, rtt, true)
	}
}

func newCubicCA(wmaxPackets float64) *cubic {
	var c cubic
	c.init(Config{MaxDatagramSize: mss, InitialWindowPackets: int(wmaxPackets), DisableHyStart: true})
	c.ssthresh = c.cwnd // in congestion avoidance at W_max
	return &c
}

// After a loss at W_max the window follows W_cubic(t) = C(t−K)³ + W_max
// with K = ∛(W_max·(1−β)/C) (RFC 9438 §4.2): it tracks the target
// W_cubic(t+RTT) a round ahead, so it lies between W_cubic(t) and
// W_cubic(t+RTT).
func TestCubicCurve(t *testing.T) {
	const wmax = 100.0
	rtt := 100 * time.Millisecond
	c := newCubicCA(wmax)
	start := int64(time.Second)
	c.onCongestionEvent(start-1, start)
	if got := c.cwnd / c.mss; math.Abs(got-70) > 1e-9 {
		t.Fatalf("window after loss %.2f packets", got)
	}
	k := math.Cbrt(wmax * (1 - cubicBeta) / cubicC)
	if math.Abs(c.k-k) > 1e-9 {
		t.Fatalf("K %.4f want %.4f", c.k, k)
	}
	w := func(ts float64) float64 { d := ts - k; return cubicC*d*d*d + wmax }
	now := start
	for round := 1; round <= 60; round++ { // 6 s; later the Reno estimate takes over
		caRound(c, now, rtt)
		now += int64(rtt)
		el := float64(now-start) / 1e9
		got := c.cwnd / c.mss
		lo, hi := w(el-rtt.Seconds())-1, w(el+rtt.Seconds())+1
		if got < lo || got > hi {
			t.Fatalf("t=%.1fs window %.2f packets, RFC curve %.2f..%.2f", el, got, lo, hi)
		}
		if round%10 == 0 {
			t.Logf("t=%.1fs cwnd %.2f W_cubic(t) %.2f", el, got, w(el))
		}
	}
	// Past K the window climbs above W_max (convex region).
	if c.cwnd/c.mss <= wmax+2 {
		t.Fatalf("no convex growth: %.2f", c.cwnd/c.mss)
	}
}

// At small RTTs CUBIC's curve is slower than Reno; the window must follow
// the Reno-friendly estimate instead (RFC 9438 §4.3): about α = 0.53
// packets per RTT until W_max, then 1 per RTT.
func TestCubicRenoFriendly(t *testing.T) {
	const wmax = 100.0
	rtt := time.Millisecond
	c := newCubicCA(wmax)
	start := int64(time.Second)
	c.onCongestionEvent(start-1, start)
	now := start
	prev := c.cwnd / c.mss
	for round := 1; round <= 300; round++ {
		caRound(c, now, rtt)
		now += int64(rtt)
		got := c.cwnd / c.mss
		growth := got - prev
		prev = got
		wantGrowth := cubicAlpha
		if got > wmax+1 {
			wantGrowth = 1
		}
		crossing := prev-growth > wmax-1 && prev-growth <= wmax+1
		if round > 1 && !crossing && math.Abs(growth-wantGrowth) > 0.15 {
			t.Fatalf("round %d: window %.2f grew %.3f packets, want ≈%.3f", round, got, growth, wantGrowth)
		}
		if el := float64(now-start) / 1e9; got < c.wCubic(el)/c.mss-0.5 {
			t.Fatalf("round %d: window %.2f below W_cubic %.2f", round, got, c.wCubic(el)/c.mss)
		}
	}
	t.Logf("after 300 RTTs of 1 ms: %.1f packets (W_cubic %.1f)", prev, c.wCubic(0.3)/c.mss)
}

func TestCubicFastConvergence(t *testing.T) {
	c := newCubicCA(100)
	c.onCongestionEvent(1, 2)
	// Second loss below the previous W_max: W_max = cwnd·(1+β)/2.
	w := c.cwnd
	c.onCongestionEvent(3, 4)
	if want := w * (1 + cubicBeta) / 2; math.Abs(c.wMax-want) > 1e-6 {
		t.Fatalf("W_max %.0f want %.0f", c.wMax, want)
	}
}

func TestCubicMinWindowAndAppLimited(t *testing.T) {
	c := newCubicCA(2)
	for i := int64(1); i < 10; i++ {
		c.onCongestionEvent(2*i, 2*i+1)
	}
	if c.window() != 2*mss {
		t.Fatalf("window %d below minimum", c.window())
	}
	c = newCubicCA(50)
	w := c.cwnd
	for i := 0; i < 100; i++ {
		c.onPacketAcked(uint64(i), int64(i)+1, mss, int64(i)+2, 10*time.Millisecond, false)
	}
	if c.cwnd != w {
		t.Fatalf("window grew while app-limited: %.0f -> %.0f", w, c.cwnd)
	}
}

// Application-limited detection in the Sender: a sender that keeps less
// than half the window in flight does not grow it.
func TestSenderAppLimitedNoGrowth(t *testing.T) {
	s := NewSender(Config{})
	w := s.CongestionWindow()
	now := time.Duration(0)
	for pn := uint64(1); pn <= 100; pn++ {
		s.OnPacketSent(pn, at(now), mss, true)
		now += 10 * ms
		s.OnAck([]wire.AckRange{rng(1, pn)}, 0, at(now), nil, nil)
	}
	if s.CongestionWindow() != w {
		t.Fatalf("window grew from %d to %d with one packet in flight", w, s.CongestionWindow())
	}
	s.SetAppLimited(true)
	for pn := uint64(101); pn <= 110; pn++ {
		s.OnPacketSent(pn, at(now), mss, true)
	}
	s.OnAck([]wire.AckRange{rng(1, 110)}, 0, at(now+10*ms), nil, nil)
	if s.CongestionWindow() != w {
		t.Fatalf("window grew while SetAppLimited: %d", s.CongestionWindow())
	}
}

// HyStart++ leaves slow start when the RTT rises by the threshold within
// a round, before any loss.
func TestHyStartExit(t *testing.T) {
	s := NewSender(Config{})
	pn := uint64(0)
	now := time.Duration(0)
	base := 20 * ms
	for round := 0; round < 30 && s.InSlowStart() && s.CongestionWindow() < 5000*mss; round++ {
		// Queueing delay grows with the window once past 40 packets.
		n := s.CongestionWindow() / mss
		q := time.Duration(0)
		if n > 40 {
			q = time.Duration(n-40) * 500 * time.Microsecond
		}
		first := pn + 1
		for i := 0; i < n; i++ {
			pn++
			s.OnPacketSent(pn, at(now), mss, true)
		}
		for p := first; p <= pn; p++ {
			s.OnAck([]wire.AckRange{rng(first, p)}, 0, at(now+base+q), nil, nil)
		}
		now += base + q
	}
	if s.InSlowStart() {
		t.Fatalf("still in slow start at %d packets", s.CongestionWindow()/mss)
	}
	// The RTT rises from 80 packets on; conservative slow start then
	// grows ×1.25 per round for 5 rounds: about 80·1.25⁵ ≈ 245.
	if w := s.CongestionWindow() / mss; w < 80 || w > 300 {
		t.Fatalf("HyStart++ exited at %d packets", w)
	}
	t.Logf("HyStart++ exit: window %d packets, ssthresh %d", s.CongestionWindow()/mss, s.SlowStartThreshold()/mss)
}
