package recovery

import (
	"netcompat/core/webtp/wire"
	"testing"
	"time"
)

func TestRTTInitial(t *testing.T) {
	s := NewSender(Config{})
	if s.SRTT() != 100*time.Millisecond || s.RTTVar() != 50*time.Millisecond || s.HasSamples() {
		t.Fatalf("initial srtt %v rttvar %v samples %v", s.SRTT(), s.RTTVar(), s.HasSamples())
	}
}

// RFC 9002 §5.3: the first sample sets smoothed_rtt = latest and
// rttvar = latest/2; later samples are EWMAs of the ack-delay-adjusted
// sample, the delay being capped by max_ack_delay and not subtracted below
// min_rtt.
func TestRTTEstimator(t *testing.T) {
	var r rttStats
	r.init()
	r.update(100*time.Millisecond, 0)
	if r.smoothed != 100*time.Millisecond || r.rttvar != 50*time.Millisecond || r.min != 100*time.Millisecond {
		t.Fatalf("first sample: %+v", r)
	}
	// Second sample 120 ms with 10 ms delay: adjusted 110.
	r.update(120*time.Millisecond, 10*time.Millisecond)
	wantVar := (3*50*time.Millisecond + 10*time.Millisecond) / 4
	wantS := (7*100*time.Millisecond + 110*time.Millisecond) / 8
	if r.rttvar != wantVar || r.smoothed != wantS || r.latest != 120*time.Millisecond {
		t.Fatalf("second: %+v want srtt %v var %v", r, wantS, wantVar)
	}
	// A delay that would take the sample below min_rtt is not subtracted.
	prev := r
	r.update(105*time.Millisecond, 10*time.Millisecond)
	d := prev.smoothed - 105*time.Millisecond
	if d < 0 {
		d = -d
	}
	if r.smoothed != (7*prev.smoothed+105*time.Millisecond)/8 || r.rttvar != (3*prev.rttvar+d)/4 {
		t.Fatalf("below-min adjust: %+v", r)
	}
	r.update(90*time.Millisecond, 0)
	if r.min != 90*time.Millisecond {
		t.Fatalf("min %v", r.min)
	}
}

func TestAckDelayCapped(t *testing.T) {
	s := NewSender(Config{MaxAckDelay: 5 * time.Millisecond})
	s.OnPacketSent(1, at(0), 1000, true)
	s.OnAck([]wire.AckRange{rng(1, 1)}, 0, at(50*time.Millisecond), nil, nil)
	s.OnPacketSent(2, at(50*time.Millisecond), 1000, true)
	// 80 ms sample, 30 ms reported delay capped to 5 ms: adjusted 75 ms.
	s.OnAck([]wire.AckRange{rng(2, 2)}, 30*time.Millisecond, at(130*time.Millisecond), nil, nil)
	want := (7*50*time.Millisecond + 75*time.Millisecond) / 8
	if s.SRTT() != want || s.LatestRTT() != 80*time.Millisecond || s.MinRTT() != 50*time.Millisecond {
		t.Fatalf("srtt %v want %v latest %v min %v", s.SRTT(), want, s.LatestRTT(), s.MinRTT())
	}
}
