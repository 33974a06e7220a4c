package sched

import (
	"testing"
	"time"
)

// urgentFlood offers urgent data at 150 % of the link on flows urg while
// flows norm always have normal data; normal must keep at least minShare of
// the bytes in every 1-s bin, and never 0.
func urgentFlood(t *testing.T, link, minShare float64, urg, norm []uint64, size func(uint64, bool) int) {
	s := New(mustClasses(t, "interactive 1\nbulk 1\n"), minShare)
	want := s.MinNormalShare()
	queued := map[uint64]float64{} // urgent bytes waiting per flow
	for _, id := range urg {
		mustAdd(t, s, id, "interactive")
	}
	for _, id := range norm {
		mustAdd(t, s, id, "bulk")
		s.SetBacklog(id, false, true)
	}
	m := newSim(t, s, link)
	m.size = size
	last := m.now
	m.before = func(now time.Time) {
		add := 1.5 * link / 8 * now.Sub(last).Seconds() / float64(len(urg))
		last = now
		for _, id := range urg {
			queued[id] += add
			s.SetBacklog(id, queued[id] >= 1, false)
		}
	}
	uBytes, nBytes := make([]int, 20), make([]int, 20)
	m.after = func(id uint64, urgent bool, n int) {
		bin := int(m.now.Sub(m.start) / time.Second)
		if urgent {
			queued[id] -= float64(n)
			s.SetBacklog(id, queued[id] >= 1, false)
			uBytes[bin] += n
		} else {
			nBytes[bin] += n
		}
	}
	m.run(20 * time.Second)
	for i := range nBytes {
		f := float64(nBytes[i]) / float64(nBytes[i]+uBytes[i])
		if nBytes[i] == 0 || f < want {
			t.Errorf("link %g bin %d: normal %.4f of bytes (%d B), want >= %.2f", link, i, f, nBytes[i], want)
		}
		// Urgent still gets the rest: normal's excess is the deficit
		// counter's packet of wander plus the two-packet-a-second bonus.
		if f > want+0.01+3*1500*8/link {
			t.Errorf("link %g bin %d: normal %.4f, more than needed", link, i, f)
		}
	}
}

func TestUrgentFloodKeepsNormalShare(t *testing.T) {
	urgentFlood(t, 10e6, 0, []uint64{1}, []uint64{2}, nil) // default 0.1
}

func TestUrgentFloodOtherShareMixedSizes(t *testing.T) {
	sizes := map[uint64]int{1: 1200, 2: 200, 3: 1500, 4: 700}
	size := func(id uint64, _ bool) int { return sizes[id] }
	for _, link := range []float64{1e6, 10e6, 100e6} {
		urgentFlood(t, link, 0.25, []uint64{1, 2}, []uint64{3, 4}, size)
		urgentFlood(t, link, 0.05, []uint64{1}, []uint64{3, 4}, size)
	}
}

// TestUrgentLatency: W4's setting — an urgent connection sends 1 KiB ADUs at
// 1 Mbit/s beside a bulk connection on a 10 Mbit/s link. Normal is not
// starved, so each urgent ADU must go out at the very next decision.
func TestUrgentLatency(t *testing.T) {
	s := New(nil, 0)
	mustAdd(t, s, 1, "interactive")
	mustAdd(t, s, 2, "bulk")
	s.SetBacklog(2, false, true)
	m := newSim(t, s, 10e6)
	period := time.Duration(1024 * 8 / 1e6 * 1e9)
	next := m.now.Add(period / 3)
	var arrivals []time.Time
	var worst time.Duration
	sent := 0
	m.before = func(now time.Time) {
		for !next.After(now) {
			arrivals = append(arrivals, next)
			next = next.Add(period)
		}
		s.SetBacklog(1, len(arrivals) > 0, true)
	}
	m.size = func(id uint64, urgent bool) int {
		if urgent {
			return 1024
		}
		return 1250
	}
	m.after = func(id uint64, urgent bool, n int) {
		if !urgent {
			return
		}
		if d := m.now.Sub(arrivals[0]); d > worst {
			worst = d
		}
		arrivals = arrivals[1:]
		sent++
		s.SetBacklog(1, len(arrivals) > 0, true)
	}
	m.run(10 * time.Second)
	pkt := time.Duration(1250 * 8 / 10e6 * 1e9)
	if worst > pkt {
		t.Fatalf("worst urgent wait %v > one packet time %v", worst, pkt)
	}
	if sent < 1200 {
		t.Fatalf("only %d urgent ADUs sent", sent)
	}
	t.Logf("urgent ADUs %d, worst wait %v (one bulk packet = %v)", sent, worst, pkt)
}

// With both queues of one flow backlogged and no competition, urgent goes
// first until normal's minimum share is due.
func TestUrgentBeforeNormalPattern(t *testing.T) {
	s := New(nil, 0.1)
	mustAdd(t, s, 1, "bulk")
	s.SetBacklog(1, true, false)
	now := time.Unix(0, 0)
	for i := 0; i < 5; i++ { // urgent alone: no credit builds up for normal
		if _, u, ok := s.Next(now); !ok || !u {
			t.Fatal("urgent not chosen")
		}
		s.Sent(1, true, 1000, now)
	}
	s.SetBacklog(1, true, true)
	var pattern []bool
	for i := 0; i < 30; i++ {
		_, u, _ := s.Next(now)
		s.Sent(1, u, 1000, now)
		pattern = append(pattern, u)
	}
	normals := 0
	for _, u := range pattern {
		if !u {
			normals++
		}
	}
	if normals != 3 {
		t.Fatalf("normal packets %d of 30, want 3: %v", normals, pattern)
	}
}
