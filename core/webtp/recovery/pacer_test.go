package recovery

import (
	"math"
	"netcompat/core/webtp/wire"
	"testing"
	"time"
)

// A sender with a large window is held to gain·cwnd/srtt after its burst,
// with packets evenly spaced.
func TestPacingSpacing(t *testing.T) {
	s := NewSender(Config{InitialWindowPackets: 1000})
	rate := s.PacingRate() // slow start: 2 × 1000 packets / 100 ms
	if want := 2 * 1000 * float64(mss) / 0.1; math.Abs(rate-want) > 1 {
		t.Fatalf("rate %.0f want %.0f", rate, want)
	}
	burst := max(10*mss, int(rate*0.001))
	now := at(0)
	var sends []time.Time
	end := at(20 * ms)
	pn := uint64(0)
	for now.Before(end) {
		n, next := s.SendAllowance(now)
		if n > 0 {
			pn++
			s.OnPacketSent(pn, now, mss, true)
			sends = append(sends, now)
			continue
		}
		if next.IsZero() {
			t.Fatal("blocked by cwnd")
		}
		if !next.After(now) {
			t.Fatalf("next %v not after now %v", next, now)
		}
		now = next
	}
	sent := float64(len(sends) * mss)
	want := rate*0.02 + float64(burst)
	if math.Abs(sent-want) > 2*mss {
		t.Fatalf("sent %.0f bytes in 20 ms, want ≈%.0f", sent, want)
	}
	// The burst goes at once; after it the gaps are mss/rate.
	nb := burst / mss
	for i := 1; i < nb; i++ {
		if !sends[i].Equal(sends[0]) {
			t.Fatalf("burst packet %d at %v", i, sends[i].Sub(t0))
		}
	}
	gap := time.Duration(float64(mss) / rate * 1e9)
	for i := nb + 2; i < len(sends); i++ {
		d := sends[i].Sub(sends[i-1])
		if d < gap-time.Microsecond || d > gap+time.Microsecond {
			t.Fatalf("gap %d: %v, want %v", i, d, gap)
		}
	}
}

func TestSendAllowanceCwndBlocked(t *testing.T) {
	s := NewSender(Config{})
	now := at(0)
	pn := uint64(0)
	for {
		n, next := s.SendAllowance(now)
		if n == 0 {
			if !next.IsZero() {
				t.Fatalf("initial window should fit the burst; paced until %v", next.Sub(t0))
			}
			break
		}
		pn++
		s.OnPacketSent(pn, now, mss, true)
	}
	if pn != 10 || s.BytesInFlight() != 10*mss {
		t.Fatalf("sent %d packets, in flight %d", pn, s.BytesInFlight())
	}
	s.OnAck([]wire.AckRange{rng(1, 2)}, 0, at(20*ms), nil, nil)
	if n, _ := s.SendAllowance(at(20 * ms)); n < 2*mss {
		t.Fatalf("after ack allowance %d", n)
	}
}
