package sched

import (
	"errors"
	"testing"
	"time"
)

func TestEqualFlowsInClass(t *testing.T) {
	s := New(nil, 0)
	sizes := map[uint64]int{1: 1500, 2: 1000, 3: 300, 4: 1250} // fairness is by bytes
	for id := range sizes {
		mustAdd(t, s, id, "bulk")
		s.SetBacklog(id, false, true)
	}
	m := newSim(t, s, 10e6)
	m.size = func(id uint64, _ bool) int { return sizes[id] }
	m.run(5 * time.Second)
	var xs []float64
	for id := range sizes {
		xs = append(xs, float64(m.bytes[id]))
	}
	if j := jain(xs); j < 0.99 {
		t.Fatalf("Jain index %.4f < 0.99; bytes %v", j, m.bytes)
	}
	for id := range sizes {
		if f := m.frac(id); !near(f, 0.25, 0.005) {
			t.Errorf("flow %d got %.4f", id, f)
		}
	}
}

func TestSharesThreeToOne(t *testing.T) {
	s := New(mustClasses(t, "gold 3\nbronze 1\n"), 0)
	mustAdd(t, s, 1, "gold")
	for id := uint64(10); id < 13; id++ { // more flows do not buy bronze more
		mustAdd(t, s, id, "bronze")
	}
	for id := range s.flows {
		s.SetBacklog(id, false, true)
	}
	m := newSim(t, s, 10e6)
	m.run(5 * time.Second)
	gold := m.frac(1)
	if !near(gold, 0.75, 0.02) {
		t.Fatalf("gold %.4f, want 0.75±0.02 (%v)", gold, m.bytes)
	}
	for id := uint64(10); id < 13; id++ {
		if f := m.frac(id); !near(f, 0.25/3, 0.01) {
			t.Errorf("bronze flow %d %.4f", id, f)
		}
	}
	// Also per 1-s bin: the sharing is tight, not just on average.
	for i := range m.bins[1] {
		tot := 0
		for _, b := range m.bins {
			if i < len(b) {
				tot += b[i]
			}
		}
		if f := float64(m.bins[1][i]) / float64(tot); !near(f, 0.75, 0.02) {
			t.Errorf("bin %d: gold %.4f", i, f)
		}
	}
}

func TestNestedClasses(t *testing.T) {
	s := New(mustClasses(t, "a 1\nb 1\na.x 3\na.y 1\na.y.deep 1\n"), 0)
	mustAdd(t, s, 1, "a.x")
	mustAdd(t, s, 2, "a.y.deep")
	mustAdd(t, s, 3, "b")
	mustAdd(t, s, 4, "b")
	for id := uint64(1); id <= 4; id++ {
		s.SetBacklog(id, false, true)
	}
	m := newSim(t, s, 10e6)
	m.run(4 * time.Second)
	want := map[uint64]float64{1: 0.375, 2: 0.125, 3: 0.25, 4: 0.25}
	for id, w := range want {
		if f := m.frac(id); !near(f, w, 0.02) {
			t.Errorf("flow %d: %.4f, want %.3f", id, f, w)
		}
	}
	// Share agrees with what the simulation measured.
	for id, w := range want {
		if r := s.Share(id, 10e6); !near(r, w*10e6, 1) {
			t.Errorf("Share(%d) = %.0f, want %.0f", id, r, w*10e6)
		}
	}
}

func TestFlowInParentClass(t *testing.T) {
	// A connection that names a class with sub-classes competes as a hidden
	// sibling weighing the sub-classes' mean share.
	s := New(mustClasses(t, "a 1\na.x 1\na.y 3\n"), 0)
	mustAdd(t, s, 1, "a")
	mustAdd(t, s, 2, "a.x")
	mustAdd(t, s, 3, "a.y")
	for id := uint64(1); id <= 3; id++ {
		s.SetBacklog(id, false, true)
	}
	m := newSim(t, s, 10e6)
	m.run(2 * time.Second)
	want := map[uint64]float64{1: 2.0 / 6, 2: 1.0 / 6, 3: 3.0 / 6}
	for id, w := range want {
		if f := m.frac(id); !near(f, w, 0.02) {
			t.Errorf("flow %d: %.4f, want %.3f", id, f, w)
		}
	}
}

func TestIdleClassRedistribution(t *testing.T) {
	s := New(mustClasses(t, "a 1\nb 1\nc 2\n"), 0)
	for id, c := range map[uint64]string{1: "a", 2: "b", 3: "c"} {
		mustAdd(t, s, id, c)
	}
	s.SetBacklog(1, false, true)
	s.SetBacklog(2, false, true)
	m := newSim(t, s, 10e6)
	m.run(2 * time.Second) // c idle: a and b split its share
	if fa, fb := m.frac(1), m.frac(2); !near(fa, 0.5, 0.01) || !near(fb, 0.5, 0.01) {
		t.Fatalf("c idle: a %.4f b %.4f", fa, fb)
	}
	if r := s.Share(1, 10e6); !near(r, 5e6, 1) {
		t.Errorf("Share(a) with c idle = %.0f", r)
	}
	if r := s.Share(3, 10e6); !near(r, 5e6, 1) { // what c would get if it sent
		t.Errorf("Share(c) idle = %.0f", r)
	}
	// c wakes up: it gets its share from the first second, with no burst
	// credit for the time it was idle.
	s.SetBacklog(3, false, true)
	m.reset()
	m.run(200 * time.Millisecond)
	if fc := m.frac(3); !near(fc, 0.5, 0.02) {
		t.Fatalf("c after waking: %.4f, want 0.5", fc)
	}
	m.reset()
	m.run(2 * time.Second)
	for id, w := range map[uint64]float64{1: 0.25, 2: 0.25, 3: 0.5} {
		if f := m.frac(id); !near(f, w, 0.01) {
			t.Errorf("flow %d: %.4f, want %.2f", id, f, w)
		}
	}
	// b goes idle: a and c split 1:2.
	s.SetBacklog(2, false, false)
	m.reset()
	m.run(2 * time.Second)
	if fa, fc := m.frac(1), m.frac(3); !near(fa, 1.0/3, 0.01) || !near(fc, 2.0/3, 0.01) {
		t.Errorf("b idle: a %.4f c %.4f", fa, fc)
	}
}

func TestSetClassAndRemove(t *testing.T) {
	s := New(mustClasses(t, "gold 3\nbronze 1\n"), 0)
	mustAdd(t, s, 1, "gold")
	mustAdd(t, s, 2, "bronze")
	if err := s.Add(1, "bronze"); !errors.Is(err, ErrFlowExists) {
		t.Errorf("duplicate Add: %v", err)
	}
	if err := s.Add(9, "silver"); !errors.Is(err, ErrUnknownClass) {
		t.Errorf("Add unknown class: %v", err)
	}
	if err := s.SetClass(1, "silver"); !errors.Is(err, ErrUnknownClass) {
		t.Errorf("SetClass unknown class: %v", err)
	}
	if err := s.SetClass(7, "gold"); !errors.Is(err, ErrUnknownFlow) {
		t.Errorf("SetClass unknown flow: %v", err)
	}
	s.SetBacklog(1, false, true)
	s.SetBacklog(2, false, true)
	m := newSim(t, s, 10e6)
	m.run(time.Second)
	if f := m.frac(1); !near(f, 0.75, 0.02) {
		t.Fatalf("before move: %.4f", f)
	}
	// Move both into gold: they now share equally, and the moved flow is
	// not held back by tags it earned in bronze.
	if err := s.SetClass(2, "gold"); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Class(2); c != "gold" {
		t.Errorf("Class = %q", c)
	}
	m.reset()
	m.run(100 * time.Millisecond)
	if f := m.frac(2); !near(f, 0.5, 0.02) {
		t.Fatalf("after move: %.4f", f)
	}
	s.Remove(1)
	s.Remove(1) // idempotent
	m.reset()
	m.run(100 * time.Millisecond)
	if f := m.frac(2); f != 1 {
		t.Fatalf("after remove: %.4f", f)
	}
	s.Remove(2)
	if _, _, ok := s.Next(m.now); ok || s.Backlogged() || s.Ready(m.now) {
		t.Fatal("empty scheduler offered a flow")
	}
	if s.root.cnt != [3]int{} {
		t.Fatalf("counts leaked: %v", s.root.cnt)
	}
}
