package recovery

import (
	"reflect"
	"testing"
	"time"

	"netcompat/core/webtp/wire"
)

const ms = time.Millisecond

func TestPacketThreshold(t *testing.T) {
	s := NewSender(Config{})
	for pn := uint64(1); pn <= 5; pn++ {
		s.OnPacketSent(pn, at(time.Duration(pn)*time.Microsecond), 1000, true)
	}
	var c collector
	s.OnAck([]wire.AckRange{rng(4, 4)}, 0, at(10*ms), c.ack, c.loss)
	if !reflect.DeepEqual(c.acked, []uint64{4}) || !reflect.DeepEqual(c.lost, []uint64{1}) {
		t.Fatalf("acked %v lost %v", c.acked, c.lost)
	}
	if !reflect.DeepEqual(c.order, []string{"a", "l"}) {
		t.Fatalf("order %v", c.order)
	}
	if s.BytesInFlight() != 3000 {
		t.Fatalf("in flight %d", s.BytesInFlight())
	}
	c = collector{}
	s.OnAck([]wire.AckRange{rng(5, 5)}, 0, at(10*ms+1), c.ack, c.loss)
	if !reflect.DeepEqual(c.acked, []uint64{5}) || !reflect.DeepEqual(c.lost, []uint64{2}) {
		t.Fatalf("acked %v lost %v", c.acked, c.lost)
	}
	// Duplicates, never-sent numbers and already-lost numbers are ignored.
	c = collector{}
	s.OnAck([]wire.AckRange{rng(99, 100), rng(4, 5), rng(1, 2)}, 0, at(11*ms), c.ack, c.loss)
	if len(c.acked)+len(c.lost) != 0 {
		t.Fatalf("acked %v lost %v", c.acked, c.lost)
	}
	// 3 is still waiting for the time threshold.
	if s.Timer().IsZero() || s.BytesInFlight() != 1000 {
		t.Fatalf("timer %v in flight %d", s.Timer(), s.BytesInFlight())
	}
}

func TestTimeThreshold(t *testing.T) {
	s := NewSender(Config{})
	s.OnPacketSent(1, at(0), 1000, true)
	s.OnPacketSent(2, at(1*ms), 1000, true)
	var c collector
	s.OnAck([]wire.AckRange{rng(2, 2)}, 0, at(51*ms), c.ack, c.loss)
	if len(c.lost) != 0 || s.LatestRTT() != 50*ms {
		t.Fatalf("lost %v rtt %v", c.lost, s.LatestRTT())
	}
	// 9/8 × 50 ms after packet 1 was sent.
	want := at(56*ms + 250*time.Microsecond)
	if !s.Timer().Equal(want) {
		t.Fatalf("timer %v want %v", s.Timer().Sub(t0), want.Sub(t0))
	}
	if s.OnTimer(at(56*ms), c.loss) != 0 || len(c.lost) != 0 {
		t.Fatal("early timer acted")
	}
	if p := s.OnTimer(want, c.loss); p != 0 || !reflect.DeepEqual(c.lost, []uint64{1}) {
		t.Fatalf("probes %d lost %v", p, c.lost)
	}
	if !s.Timer().IsZero() || s.BytesInFlight() != 0 {
		t.Fatalf("timer %v in flight %d", s.Timer(), s.BytesInFlight())
	}
}

func TestPTOBackoff(t *testing.T) {
	s := NewSender(Config{})
	s.OnPacketSent(1, at(0), 1000, true)
	// Initial RTT: 100 ms + 4×50 ms + 1 ms.
	pto := 301 * ms
	if !s.Timer().Equal(at(pto)) {
		t.Fatalf("timer %v", s.Timer().Sub(t0))
	}
	if p := s.OnTimer(at(pto), nil); p != 1 {
		t.Fatalf("first PTO probes %d", p)
	}
	s.OnPacketSent(2, at(pto), 1000, true)
	if !s.Timer().Equal(at(pto + 2*pto)) {
		t.Fatalf("backed-off timer %v", s.Timer().Sub(t0))
	}
	if p := s.OnTimer(at(3*pto), nil); p != 2 || s.PTOCount() != 2 {
		t.Fatalf("second PTO probes %d count %d", p, s.PTOCount())
	}
	s.OnPacketSent(3, at(3*pto), 1000, true)
	if !s.Timer().Equal(at(3*pto + 4*pto)) {
		t.Fatalf("backed-off timer %v", s.Timer().Sub(t0))
	}
	// A non-ack-eliciting packet does not arm or move the PTO.
	s.OnPacketSent(4, at(3*pto+ms), 50, false)
	if !s.Timer().Equal(at(3*pto + 4*pto)) {
		t.Fatalf("ack-only moved timer %v", s.Timer().Sub(t0))
	}
	var c collector
	s.OnAck([]wire.AckRange{rng(3, 3)}, 0, at(3*pto+40*ms), c.ack, c.loss)
	if s.PTOCount() != 0 {
		t.Fatal("ack did not reset the PTO backoff")
	}
	// 1 and 2 are old enough to be lost by the time threshold, but they
	// were sent before the first RTT sample: no persistent congestion.
	if !reflect.DeepEqual(c.lost, []uint64{1, 2}) {
		t.Fatalf("lost %v", c.lost)
	}
	if s.CongestionWindow() < 2*mss*2 {
		t.Fatalf("window collapsed: %d", s.CongestionWindow())
	}
	if s.BytesInFlight() != 0 || !s.Timer().IsZero() {
		t.Fatalf("in flight %d timer %v", s.BytesInFlight(), s.Timer())
	}
}

func persistentSetup(ackRanges []wire.AckRange) *Sender {
	s := NewSender(Config{})
	s.OnPacketSent(1, at(0), 1000, true)
	s.OnAck([]wire.AckRange{rng(1, 1)}, 0, at(50*ms), nil, nil)
	// srtt 50, rttvar 25: PTO 151 ms, persistent congestion > 453 ms.
	for i, d := range []time.Duration{100, 300, 700, 710, 720} {
		s.OnPacketSent(uint64(i+2), at(d*ms), 1000, true)
	}
	s.OnAck(ackRanges, 0, at(770*ms), nil, nil)
	return s
}

func TestPersistentCongestion(t *testing.T) {
	s := persistentSetup([]wire.AckRange{rng(6, 6)})
	if s.CongestionWindow() != 2*mss {
		t.Fatalf("window %d, want %d", s.CongestionWindow(), 2*mss)
	}
	// An acknowledged packet inside the run breaks it.
	s = persistentSetup([]wire.AckRange{rng(6, 6), rng(3, 3)})
	if s.CongestionWindow() == 2*mss {
		t.Fatal("persistent congestion despite an ack in between")
	}
}

func TestOneReductionPerRecovery(t *testing.T) {
	s := NewSender(Config{})
	for pn := uint64(1); pn <= 10; pn++ {
		s.OnPacketSent(pn, at(0), mss, true)
	}
	s.OnAck([]wire.AckRange{rng(1, 1)}, 0, at(50*ms), nil, nil)
	w0 := s.CongestionWindow()
	if w0 != 11*mss {
		t.Fatalf("slow start window %d", w0)
	}
	for pn := uint64(11); pn <= 20; pn++ {
		s.OnPacketSent(pn, at(50*ms), mss, true)
	}
	var c collector
	s.OnAck([]wire.AckRange{rng(5, 5)}, 0, at(100*ms), c.ack, c.loss)
	w1 := s.CongestionWindow()
	// The ACK of 5 grows the window (slow start) before the loss of 2
	// reduces it.
	if want := int(float64(w0+mss) * 0.7); w1 != want || s.SlowStartThreshold() != want {
		t.Fatalf("after loss window %d ssthresh %d want %d", w1, s.SlowStartThreshold(), want)
	}
	s.OnAck([]wire.AckRange{rng(6, 6)}, 0, at(101*ms), c.ack, c.loss)
	s.OnAck([]wire.AckRange{rng(8, 10)}, 0, at(102*ms), c.ack, c.loss)
	if !reflect.DeepEqual(c.lost, []uint64{2, 3, 4, 7}) {
		t.Fatalf("lost %v", c.lost)
	}
	if s.CongestionWindow() != w1 {
		t.Fatalf("window changed in recovery: %d -> %d", w1, s.CongestionWindow())
	}
	// A loss of a packet sent after the recovery started reduces again.
	for pn := uint64(21); pn <= 24; pn++ {
		s.OnPacketSent(pn, at(110*ms), mss, true)
	}
	s.OnAck([]wire.AckRange{rng(24, 24), rng(11, 20)}, 0, at(160*ms), c.ack, c.loss)
	if s.CongestionWindow() >= w1 {
		t.Fatalf("no second reduction: %d", s.CongestionWindow())
	}
}

// ACK-only packets are numbered but not tracked: a pipe that only
// receives keeps no records, and their numbers still move the largest
// acknowledged.
func TestAckOnlyUntracked(t *testing.T) {
	s := NewSender(Config{})
	for pn := uint64(1); pn <= 10000; pn++ {
		s.OnPacketSent(pn, at(time.Duration(pn)*time.Microsecond), 40, false)
	}
	if s.sent.n != 0 || s.BytesInFlight() != 0 || !s.Timer().IsZero() || len(s.sent.buf) > 256 {
		t.Fatalf("ring %d/%d in flight %d timer %v", s.sent.n, len(s.sent.buf), s.BytesInFlight(), s.Timer())
	}
	s.OnPacketSent(10001, at(20*ms), 1000, true)
	for pn := uint64(10002); pn <= 10004; pn++ {
		s.OnPacketSent(pn, at(21*ms), 40, false)
	}
	var c collector
	s.OnAck([]wire.AckRange{rng(10004, 10004)}, 0, at(30*ms), c.ack, c.loss)
	if len(c.acked) != 0 || !reflect.DeepEqual(c.lost, []uint64{10001}) {
		t.Fatalf("acked %v lost %v", c.acked, c.lost)
	}
	if s.sent.n != 0 || s.BytesInFlight() != 0 {
		t.Fatalf("ring %d in flight %d", s.sent.n, s.BytesInFlight())
	}
}
