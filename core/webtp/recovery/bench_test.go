package recovery

import (
	"testing"
	"time"

	"netcompat/core/webtp/wire"
)

// BenchmarkSendAck is the per-packet cost of the sender: OnPacketSent
// plus an OnAck for every packet (ACKs trail by 64 packets), with a
// SendAllowance check. It must not allocate.
func BenchmarkSendAck(b *testing.B) {
	s := NewSender(Config{InitialWindowPackets: 1 << 20})
	var ranges [1]wire.AckRange
	acked := func(uint64) {}
	lost := func(uint64) {}
	now := t0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pn := uint64(i + 1)
		now = now.Add(10 * time.Microsecond)
		s.SendAllowance(now)
		s.OnPacketSent(pn, now, mss, true)
		if pn > 64 {
			ranges[0] = wire.AckRange{Smallest: 1, Largest: pn - 64}
			s.OnAck(ranges[:], 0, now, acked, lost)
		}
	}
}

// BenchmarkSendAckBatched acknowledges every second packet, as receivers
// do, with a loss every 1000 packets (a gap in the ranges).
func BenchmarkSendAckBatched(b *testing.B) {
	s := NewSender(Config{})
	var ranges [2]wire.AckRange
	acked := func(uint64) {}
	lost := func(uint64) {}
	now := t0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pn := uint64(i + 1)
		now = now.Add(10 * time.Microsecond)
		s.OnPacketSent(pn, now, mss, true)
		if pn > 64 && pn%2 == 0 {
			hi := pn - 64
			lo := hi - 1
			if hi%1000 == 0 {
				ranges[0] = wire.AckRange{Smallest: hi, Largest: hi}
				s.OnAck(ranges[:1], 0, now, acked, lost)
				continue
			}
			ranges[0] = wire.AckRange{Smallest: lo, Largest: hi}
			s.OnAck(ranges[:1], 0, now, acked, lost)
		}
	}
}

// BenchmarkAckTracker is the receiver's per-packet cost with an ACK frame
// every second packet.
func BenchmarkAckTracker(b *testing.B) {
	a := NewAckTracker()
	var f wire.Ack
	now := t0
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		pn := uint64(i + 1)
		if pn%100 == 0 {
			continue // a gap now and then
		}
		a.OnReceived(pn, now, true)
		if a.AckNow() {
			a.Frame(now, &f)
		}
	}
}

func TestNoAllocsSteadyState(t *testing.T) {
	s := NewSender(Config{})
	a := NewAckTracker()
	var f wire.Ack
	noop := func(uint64) {}
	now := t0
	pn := uint64(0)
	step := func() {
		pn++
		now = now.Add(10 * time.Microsecond)
		s.SendAllowance(now)
		s.OnPacketSent(pn, now, mss, true)
		a.OnReceived(pn, now, true)
		if a.AckNow() && a.Frame(now, &f) {
			s.OnAck(f.Ranges, 0, now, noop, noop)
		}
		s.Timer()
	}
	for i := 0; i < 10000; i++ {
		step()
	}
	if n := testing.AllocsPerRun(1000, step); n != 0 {
		t.Fatalf("%v allocations per packet", n)
	}
}
