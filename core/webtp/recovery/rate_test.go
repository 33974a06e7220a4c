package recovery

import (
	"math"
	"testing"
	"time"

	"netcompat/core/webtp/wire"
)

// Packets sent at a steady rate and acknowledged one RTT later, one by
// one, give that rate.
func TestDeliveryRateSteady(t *testing.T) {
	s := NewSender(Config{InitialWindowPackets: 1000})
	const rate = 10e6 // bytes/s
	gap := time.Duration(float64(mss) / rate * 1e9)
	rtt := 30 * ms
	var r [1]wire.AckRange
	for i := 0; i < 5000; i++ {
		pn := uint64(i + 1)
		s.OnPacketSent(pn, at(time.Duration(i)*gap), mss, true)
		// Acks of packets sent one RTT ago.
		if back := int(rtt / gap); i >= back {
			a := uint64(i - back + 1)
			r[0] = rng(a, a)
			s.OnAck(r[:], 0, at(time.Duration(i-back)*gap+rtt), nil, nil)
		}
	}
	got := s.DeliveryRate()
	if math.Abs(got-rate)/rate > 0.02 {
		t.Fatalf("delivery rate %.0f, want %.0f", got, rate)
	}
	if l := s.LatestDeliveryRate(); math.Abs(l-rate)/rate > 0.02 {
		t.Fatalf("latest %.0f", l)
	}
}

func TestMaxFilterWindow(t *testing.T) {
	var f maxFilter
	w := int64(10 * time.Second)
	f.update(100, 1, w)
	f.update(50, int64(time.Second), w)
	if f.best() != 100 {
		t.Fatalf("best %v", f.best())
	}
	for s := int64(2); s <= 12; s++ {
		f.update(50, s*int64(time.Second), w)
	}
	if f.best() != 50 {
		t.Fatalf("old max not expired: %v", f.best())
	}
}

// App-limited samples only count when they raise the estimate.
func TestDeliveryRateAppLimited(t *testing.T) {
	s := NewSender(Config{})
	s.SetAppLimited(true)
	s.OnPacketSent(1, at(0), mss, true)
	s.OnAck([]wire.AckRange{rng(1, 1)}, 0, at(10*ms), nil, nil)
	if s.DeliveryRate() == 0 {
		t.Fatal("first app-limited sample ignored")
	}
}
