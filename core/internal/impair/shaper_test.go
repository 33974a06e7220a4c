package impair

import (
	"math"
	"testing"
	"time"
)

func TestShaperRate(t *testing.T) {
	// 1500-byte packets at 12 Mbit/s take 1 ms each; a burst of 10 at
	// t=0 leaves at 1, 2, ..., 10 ms, then Delay.
	s := newShaper(LinkConfig{Rate: 12e6, Delay: 5 * time.Millisecond}, 1)
	for i := 1; i <= 10; i++ {
		v := s.admit(0, 1500, true)
		want := int64(i)*int64(time.Millisecond) + int64(5*time.Millisecond)
		if v.n != 1 || v.why[0] != keep || v.at[0] != want {
			t.Fatalf("packet %d: %+v, want at %d", i, v, want)
		}
	}
	// An idle link starts over at now.
	v := s.admit(int64(time.Second), 1500, true)
	if want := int64(time.Second + 6*time.Millisecond); v.at[0] != want {
		t.Fatalf("after idle: at %d want %d", v.at[0], want)
	}
	// Overhead counts for the rate.
	s = newShaper(LinkConfig{Rate: 8e6, Overhead: 14}, 1)
	if v := s.admit(0, 986, true); v.at[0] != int64(time.Millisecond) {
		t.Fatalf("overhead: at %d", v.at[0])
	}
}

func TestShaperQueue(t *testing.T) {
	// Explicit bound: 10 packets of 1000 bytes fit, the 11th does not.
	s := newShaper(LinkConfig{Rate: 1e6, QueueBytes: 10000}, 1)
	kept := 0
	for i := 0; i < 20; i++ {
		if v := s.admit(0, 1000, true); v.why[0] == keep {
			kept++
		}
	}
	// The first packet's backlog counts until it has left too.
	if kept != 10 {
		t.Fatalf("kept %d of 20, want 10", kept)
	}
	// Default: 1 BDP, floor 64 KiB. 100 Mbit/s × 40 ms = 500 kB.
	s = newShaper(LinkConfig{Rate: 100e6, Delay: 20 * time.Millisecond}, 1)
	if q := s.queueLimit(); q != 500e3 {
		t.Fatalf("BDP queue %v, want 500000", q)
	}
	s.peerDelay = func() time.Duration { return 0 }
	if q := s.queueLimit(); q != 250e3 {
		t.Fatalf("asymmetric BDP queue %v, want 250000", q)
	}
	s = newShaper(LinkConfig{Rate: 10e6, Delay: time.Millisecond}, 1)
	if q := s.queueLimit(); q != 64<<10 {
		t.Fatalf("floor %v", q)
	}
}

func TestShaperJitterOrder(t *testing.T) {
	for _, reorder := range []bool{false, true} {
		s := newShaper(LinkConfig{Delay: 10 * time.Millisecond, Jitter: 5 * time.Millisecond, Reorder: reorder}, 1)
		var last int64
		inv := 0
		for i := 0; i < 1000; i++ {
			now := int64(i) * int64(100*time.Microsecond)
			v := s.admit(now, 100, true)
			at := v.at[0]
			if at < now+int64(5*time.Millisecond) || (reorder && at > now+int64(15*time.Millisecond)) {
				t.Fatalf("reorder %v: delay %v outside jitter range", reorder, time.Duration(at-now))
			}
			if at < last {
				inv++
			}
			if at > last {
				last = at
			}
		}
		if reorder == (inv == 0) {
			t.Errorf("reorder %v: %d packets overtaken", reorder, inv)
		}
	}
}

func TestShaperSeed(t *testing.T) {
	run := func(seed int64) []bool {
		s := newShaper(LinkConfig{Loss: 0.3, Duplicate: 0.2, Seed: seed}, 1)
		var out []bool
		for i := 0; i < 200; i++ {
			v := s.admit(0, 100, true)
			out = append(out, v.n == 0, v.n == 2)
		}
		return out
	}
	a, b, c := run(5), run(5), run(6)
	same := func(x, y []bool) bool {
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	if !same(a, b) || same(a, c) {
		t.Fatal("seed does not determine the decisions")
	}
	// Unmatched packets are never lost or duplicated.
	s := newShaper(LinkConfig{Loss: 1, Duplicate: 1}, 1)
	if v := s.admit(0, 100, false); v.n != 1 {
		t.Fatalf("unmatched: %+v", v)
	}
}

func TestShaperGilbertElliott(t *testing.T) {
	ge := &GilbertElliott{P: 0.01, R: 0.25, BadLoss: 1}
	s := newShaper(LinkConfig{GE: ge, Seed: 1}, 1)
	const n = 200000
	lost, bursts, run := 0, 0, 0
	var runs []int
	for i := 0; i < n; i++ {
		if s.admit(0, 100, true).n == 0 {
			lost++
			run++
			continue
		}
		if run > 0 {
			bursts++
			runs = append(runs, run)
			run = 0
		}
	}
	mean := ge.MeanLoss() // 0.01/0.26 ≈ 3.85 %
	got := float64(lost) / n
	if math.Abs(got-mean) > 0.1*mean {
		t.Errorf("GE loss %.4f, want %.4f ± 10%%", got, mean)
	}
	burst := float64(lost) / float64(bursts) // geometric, mean 1/R = 4
	if burst < 3.5 || burst > 4.5 {
		t.Errorf("mean burst %.2f, want ≈ 4", burst)
	}
	t.Logf("GE: loss %.4f (model %.4f), mean burst %.2f", got, mean, burst)
}

func TestValidate(t *testing.T) {
	for _, c := range []LinkConfig{{Loss: 1.5}, {Duplicate: -0.1}, {Rate: -1}, {GE: &GilbertElliott{P: 2}}, {Delay: -time.Second}} {
		if c.validate() == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

func TestTransport(t *testing.T) {
	v4 := make([]byte, 28)
	v4[0], v4[9] = 0x45, ProtoUDP
	v4[20], v4[21], v4[22], v4[23] = 0x12, 0x34, 0x01, 0xbb
	if !MatchUDP(v4) || MatchTCP(v4) || !MatchPort(ProtoUDP, 443)(v4) || !MatchPort(ProtoUDP, 0x1234)(v4) || MatchPort(ProtoUDP, 80)(v4) {
		t.Error("IPv4 UDP")
	}
	v4[6] = 0x00
	v4[7] = 0x10 // fragment offset ≠ 0
	if MatchUDP(v4) {
		t.Error("non-first fragment matched")
	}
	v6 := make([]byte, 40+8+20)
	v6[0], v6[6] = 0x60, 0 // hop-by-hop
	v6[40], v6[41] = ProtoTCP, 0
	v6[48], v6[49], v6[50], v6[51] = 0, 80, 0x30, 0x39
	if !MatchTCP(v6) || !MatchPort(ProtoTCP, 80)(v6) || MatchUDP(v6) {
		t.Error("IPv6 TCP after hop-by-hop")
	}
	if MatchUDP(nil) || MatchUDP([]byte{0x45}) {
		t.Error("garbage matched")
	}
}
