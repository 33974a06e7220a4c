package sched

import (
	"testing"
	"time"
)

// benchSched is a busy pipe: nested classes, 32 flows, a reservation, urgent
// and normal data.
func benchSched(tb testing.TB) *Scheduler {
	cs, err := LoadClasses("testdata/webtp_classes")
	if err != nil {
		tb.Fatal(err)
	}
	s := New(cs, 0)
	names := cs.Names()
	for id := uint64(0); id < 32; id++ {
		if err := s.Add(id, names[id%uint64(len(names))]); err != nil {
			tb.Fatal(err)
		}
		s.SetBacklog(id, id%3 == 0, true)
	}
	if err := s.Reserve(5, 1e6, 1e9, time.Unix(0, 0)); err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestNextSentAllocs(t *testing.T) {
	s := benchSched(t)
	now := time.Unix(0, 0)
	allocs := testing.AllocsPerRun(10000, func() {
		now = now.Add(12 * time.Microsecond)
		id, u, ok := s.Next(now)
		if !ok {
			t.Fatal("nothing to send")
		}
		s.Sent(id, u, 1500, now)
		s.SetBacklog(id, u, true) // unchanged state: the common case
		_ = s.NextReady(now)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per decision", allocs)
	}
}

func BenchmarkNextSent(b *testing.B) {
	s := benchSched(b)
	now := time.Unix(0, 0)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		now = now.Add(12 * time.Microsecond)
		id, u, ok := s.Next(now)
		if !ok {
			b.Fatal("nothing to send")
		}
		s.Sent(id, u, 1500, now)
	}
}
