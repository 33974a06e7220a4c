package sched

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestReserveAdmission(t *testing.T) {
	s := New(nil, 0)
	now := time.Unix(0, 0)
	for id := uint64(1); id <= 4; id++ {
		mustAdd(t, s, id, "bulk")
	}
	const capacity = 100e6
	// W5: 10 Mbit/s is granted, 150 Mbit/s on a 100 Mbit/s pipe fails.
	if err := s.Reserve(1, 10e6, capacity, now); err != nil {
		t.Fatal(err)
	}
	if err := s.Reserve(2, 150e6, capacity, now); !errors.Is(err, ErrRateUnavailable) {
		t.Fatalf("150 Mbit/s: %v", err)
	}
	if s.Reserved(2) != 0 {
		t.Fatal("refused reservation changed state")
	}
	// Up to exactly 0.9·capacity in total.
	if err := s.Reserve(2, 80e6, capacity, now); err != nil {
		t.Fatalf("sum 90 Mbit/s refused: %v", err)
	}
	if err := s.Reserve(3, 1, capacity, now); !errors.Is(err, ErrRateUnavailable) {
		t.Fatalf("sum above 0.9·capacity admitted: %v", err)
	}
	// Changing a reservation counts the new value in place of the old.
	if err := s.Reserve(1, 11e6, capacity, now); !errors.Is(err, ErrRateUnavailable) {
		t.Fatalf("raise beyond limit: %v", err)
	}
	if s.Reserved(1) != 10e6 {
		t.Fatalf("refused raise changed the rate: %v", s.Reserved(1))
	}
	if err := s.Reserve(1, 5e6, capacity, now); err != nil {
		t.Fatal(err)
	}
	if err := s.Reserve(3, 5e6, capacity, now); err != nil {
		t.Fatalf("freed rate not reusable: %v", err)
	}
	// A smaller capacity estimate refuses what it admitted before.
	if err := s.Reserve(4, 1e6, 50e6, now); !errors.Is(err, ErrRateUnavailable) {
		t.Fatalf("capacity drop: %v", err)
	}
	// Release frees.
	if err := s.Reserve(2, 0, capacity, now); err != nil || s.Reserved(2) != 0 {
		t.Fatalf("release: %v, %v", err, s.Reserved(2))
	}
	if err := s.Reserve(4, 80e6, capacity, now); err != nil {
		t.Fatalf("after release: %v", err)
	}
	s.Remove(4) // removing a flow releases too
	if got := s.TotalReserved(); got != 10e6 {
		t.Fatalf("total after remove = %v", got)
	}
	for _, bad := range []float64{-1, math.NaN(), math.Inf(1)} {
		if err := s.Reserve(3, bad, capacity, now); !errors.Is(err, ErrRateUnavailable) {
			t.Errorf("Reserve(%v): %v", bad, err)
		}
	}
	if err := s.Reserve(99, 1e6, capacity, now); !errors.Is(err, ErrUnknownFlow) {
		t.Errorf("unknown flow: %v", err)
	}
}

func TestReserveClassLimit(t *testing.T) {
	cs, err := LoadClasses("testdata/webtp_classes")
	if err != nil {
		t.Fatal(err)
	}
	s := New(cs, 0)
	now := time.Unix(0, 0)
	mustAdd(t, s, 1, "realtime_stream.inelastic") // 10mbit, parent 20mbit
	mustAdd(t, s, 2, "realtime_stream.inelastic")
	mustAdd(t, s, 3, "realtime_stream.elastic") // only the parent's 20mbit
	mustAdd(t, s, 4, "bulk")                    // no limit
	const capacity = 1e9
	if err := s.Reserve(1, 6e6, capacity, now); err != nil {
		t.Fatal(err)
	}
	if err := s.Reserve(2, 5e6, capacity, now); !errors.Is(err, ErrRateUnavailable) {
		t.Fatalf("inelastic 11 Mbit/s > 10mbit admitted: %v", err)
	}
	if err := s.Reserve(2, 4e6, capacity, now); err != nil {
		t.Fatal(err)
	}
	if err := s.Reserve(3, 10.5e6, capacity, now); !errors.Is(err, ErrRateUnavailable) {
		t.Fatalf("realtime_stream 20.5 Mbit/s > 20mbit admitted: %v", err)
	}
	if err := s.Reserve(3, 10e6, capacity, now); err != nil {
		t.Fatal(err)
	}
	if err := s.Reserve(4, 500e6, capacity, now); err != nil {
		t.Fatal(err)
	}
	// Moving a reserved flow checks the new class's limits...
	if err := s.SetClass(4, "realtime_stream.elastic"); !errors.Is(err, ErrRateUnavailable) {
		t.Fatalf("move over limit: %v", err)
	}
	if c, _ := s.Class(4); c != "bulk" {
		t.Fatalf("refused move changed class to %q", c)
	}
	// ...but a move inside the limited subtree is not double counted.
	if err := s.SetClass(3, "realtime_stream"); err != nil {
		t.Fatalf("move within subtree: %v", err)
	}
	s.Reserve(1, 0, capacity, now)
	if err := s.Reserve(2, 10e6, capacity, now); err != nil {
		t.Fatalf("after release in class: %v", err)
	}
}

// TestReservedRate: a reserved flow gets its rate (±2 %) while bulk flows
// saturate the link, never more even when alone, and release returns it to
// fair sharing.
func TestReservedRate(t *testing.T) {
	s := New(nil, 0)
	const link = 100e6
	for id := uint64(1); id <= 4; id++ {
		mustAdd(t, s, id, "bulk")
		s.SetBacklog(id, false, true)
	}
	m := newSim(t, s, link)
	if err := s.Reserve(1, 10e6, link, m.now); err != nil {
		t.Fatal(err)
	}
	m.run(5 * time.Second)
	check := func(what string, id uint64, bps float64, bins []int) {
		t.Helper()
		for i, b := range bins {
			if got := float64(b) * 8; !near(got, bps, 0.02*bps) {
				t.Errorf("%s: bin %d: %.3f Mbit/s, want %.3f±2%%", what, i, got/1e6, bps/1e6)
			}
		}
	}
	check("with bulk", 1, 10e6, m.bins[1])
	for id := uint64(2); id <= 4; id++ { // the others share the rest
		check("bulk", id, 30e6, m.bins[id])
	}
	if r := s.Share(1, link); r != 10e6 {
		t.Errorf("Share(reserved) = %v", r)
	}
	if r := s.Share(2, link); !near(r, 30e6, 1) {
		t.Errorf("Share(bulk) = %v", r)
	}

	// Alone on the link: still 10 Mbit/s, the scheduler idles it between
	// tokens and NextReady says when to come back.
	for id := uint64(2); id <= 4; id++ {
		s.SetBacklog(id, false, false)
	}
	if !s.NextReady(m.now).IsZero() && s.Ready(m.now) {
		t.Error("NextReady set while the flow has tokens")
	}
	m.bins = map[uint64][]int{}
	m.start = m.now
	m.run(3 * time.Second)
	check("alone", 1, 10e6, m.bins[1])
	if !s.Backlogged() {
		t.Error("Backlogged false with a reserved flow backlogged")
	}

	// Release: back to the pool, 1/4 of the link with three bulk peers.
	for id := uint64(2); id <= 4; id++ {
		s.SetBacklog(id, false, true)
	}
	if err := s.Reserve(1, 0, link, m.now); err != nil {
		t.Fatal(err)
	}
	if !s.NextReady(m.now).IsZero() {
		t.Error("NextReady set with no reservations")
	}
	m.bins = map[uint64][]int{}
	m.start = m.now
	m.run(2 * time.Second)
	check("released", 1, 25e6, m.bins[1])
}

func TestReservedUrgentQueue(t *testing.T) {
	s := New(nil, 0)
	mustAdd(t, s, 1, "interactive")
	now := time.Unix(0, 0)
	s.Reserve(1, 1e6, 10e6, now)
	s.SetBacklog(1, true, true)
	id, urgent, ok := s.Next(now)
	if !ok || id != 1 || !urgent {
		t.Fatalf("Next = %d %v %v", id, urgent, ok)
	}
	s.Sent(1, true, 1250, now)
	if _, _, ok := s.Next(now); ok {
		t.Fatal("reserved flow served beyond its tokens")
	}
	at := s.NextReady(now)
	if want := now.Add(10 * time.Millisecond); at != want {
		t.Fatalf("NextReady = %v, want %v", at.Sub(now), want.Sub(now))
	}
	if _, _, ok := s.Next(at.Add(-time.Nanosecond)); ok {
		t.Fatal("ready before NextReady")
	}
	if _, _, ok := s.Next(at); !ok {
		t.Fatal("not ready at NextReady")
	}
}

func TestShare(t *testing.T) {
	s := New(mustClasses(t, "gold 3\nbronze 1\n"), 0)
	mustAdd(t, s, 1, "gold")
	mustAdd(t, s, 2, "bronze")
	mustAdd(t, s, 3, "bronze")
	const rate = 8e6
	// Nobody backlogged: each flow is asked what it would get if it sent.
	for id, want := range map[uint64]float64{1: rate, 2: rate, 3: rate} {
		if got := s.Share(id, rate); !near(got, want, 1e-6) {
			t.Errorf("idle Share(%d) = %v, want %v", id, got, want)
		}
	}
	s.SetBacklog(1, false, true)
	s.SetBacklog(2, true, false)
	for id, want := range map[uint64]float64{1: 6e6, 2: 2e6, 3: 1e6} {
		if got := s.Share(id, rate); !near(got, want, 1e-6) {
			t.Errorf("Share(%d) = %v, want %v", id, got, want)
		}
	}
	if err := s.Reserve(3, 2e6, rate, time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[uint64]float64{1: 4.5e6, 2: 1.5e6, 3: 2e6} {
		if got := s.Share(id, rate); !near(got, want, 1e-6) {
			t.Errorf("with reservation: Share(%d) = %v, want %v", id, got, want)
		}
	}
	if s.Share(42, rate) != 0 {
		t.Error("Share of unknown flow")
	}
}
